"""``fungrad.scipy.integrate``: ``trapezoid``, as ``jax.scipy.integrate.trapezoid``.

>>> float(trapezoid(np.array([0.0, 1.0, 2.0])))
2.0
"""
from __future__ import annotations

import numpy as np  # noqa: F401  (the doctests use it)


import fungrad.numpy as fnp


def _slices(ndim: int, axis: int, start, stop):
    index = [slice(None)] * ndim
    index[axis] = slice(start, stop)
    return tuple(index)


def trapezoid(y, x=None, dx: float = 1.0, axis: int = -1):
    """The trapezoidal rule along ``axis``: samples ``y`` at points ``x`` (or spaced ``dx``).

    >>> float(trapezoid(np.array([1.0, 1.0]), x=np.array([0.0, 3.0])))
    3.0
    """
    y = fnp.asarray(y)
    if y.ndim == 0:
        raise ValueError(f"trapezoid: y must have at least one dimension, got shape {y.shape}")
    axis = axis % y.ndim
    upper, lower = _slices(y.ndim, axis, 1, None), _slices(y.ndim, axis, None, -1)
    mid = (y[upper] + y[lower]) / 2.0
    if x is None:
        return fnp.sum(mid, axis=axis) * dx
    x = fnp.asarray(x)
    if x.ndim == 1:
        if x.shape[0] != y.shape[axis]:
            raise ValueError(f"trapezoid: x has {x.shape[0]} points but y has {y.shape[axis]} "
                             f"along axis {axis} (y shape {y.shape})")
        widths = x[1:] - x[:-1]
        shape = [1] * y.ndim
        shape[axis] = widths.shape[0]
        widths = fnp.reshape(widths, tuple(shape))
    else:
        widths = x[_slices(x.ndim, axis, 1, None)] - x[_slices(x.ndim, axis, None, -1)]
    return fnp.sum(widths * mid, axis=axis)


