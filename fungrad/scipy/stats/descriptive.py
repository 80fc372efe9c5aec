"""Descriptive statistics of ``jax.scipy.stats``: ``sem``.

>>> round(float(sem(np.array([1.0, 2.0, 3.0, 4.0]))), 12)
0.645497224368
"""
from __future__ import annotations

import math

import numpy as np  # noqa: F401  (the doctests use it)

import fungrad.numpy as fnp


def sem(a, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate"):
    """The standard error of the mean, ``std(a, ddof) / sqrt(n)`` along ``axis`` (all axes
    when None); differentiable in a.

    >>> sem(np.array([[1.0, 2.0], [3.0, 6.0]]))
    array([1., 2.])
    """
    if nan_policy != "propagate":
        raise NotImplementedError("sem: only nan_policy='propagate' is supported")
    a = fnp.asarray(a)
    if axis is None:
        a, axis = fnp.reshape(a, (-1,)), 0
    n = a.shape[axis]
    return fnp.std(a, axis=axis, ddof=ddof) / math.sqrt(n)  # a Python float: stays weak
