"""``fungrad.example_libraries`` (``jax.example_libraries``): the small optimizer and
neural-network libraries JAX ships as examples, ``optimizers`` and ``stax``.

>>> from fungrad.example_libraries import optimizers
>>> init, update, get_params = optimizers.sgd(0.1)
>>> float(get_params(update(0, 1.0, init(2.0))))
1.9
"""
