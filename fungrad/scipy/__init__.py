"""``fungrad.scipy``: jax.scipy's namespaces on fungrad (scipy is an optional dependency,
imported only by these modules).

>>> import fungrad.scipy.linalg
>>> fungrad.scipy.linalg.__name__
'fungrad.scipy.linalg'
"""
