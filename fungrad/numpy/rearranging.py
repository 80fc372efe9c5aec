"""Rearranging elements: flip, roll, rot90, pad."""
from __future__ import annotations

import numpy as np

from fungrad.core import numpy_result

from fungrad.core import get_aval
from fungrad.numpy._util import _arr, _axes, _axis, _dtype, _ndim, _shape, _strong, _traced
from fungrad.numpy.dtypes import astype
from fungrad.numpy.indexing import take
from fungrad.numpy.reductions import sum  # noqa: F401  (the examples use it)
from fungrad.numpy.shapes import ravel, reshape, swapaxes
from fungrad.prims import structural as st


def flip(m, axis=None):
    """numpy.flip.

    >>> flip(np.array([1.0, 2.0]))
    array([2., 1.])
    >>> flip(np.array([[1, 2], [3, 4]]), axis=1)
    array([[2, 1],
           [4, 3]])
    """
    m = _arr(m)
    return st.rev(m, _axes(axis, _ndim(m), "flip"))


def fliplr(m):
    """numpy.fliplr: flip axis 1.

    >>> fliplr(np.array([[1, 2], [3, 4]]))
    array([[2, 1],
           [4, 3]])
    """
    return flip(m, 1)


def flipud(m):
    """numpy.flipud: flip axis 0.

    >>> flipud(np.array([[1, 2], [3, 4]]))
    array([[3, 4],
           [1, 2]])
    """
    return flip(m, 0)


def roll(a, shift, axis=None):
    """numpy.roll.

    >>> roll(np.array([1.0, 2.0, 3.0]), 1)
    array([3., 1., 2.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(roll(x, 1) * np.arange(3.0)))(np.ones(3))
    array([1., 2., 0.])
    """
    a = _arr(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), _shape(a))
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, ax in zip(shifts, axes):
        ax = _axis(ax, _ndim(a), "roll")
        n = _shape(a)[ax]
        if n:
            a = take(a, (np.arange(n) - int(s)) % n, ax)
    return a


def rot90(m, k: int = 1, axes=(0, 1)):
    """numpy.rot90.

    >>> rot90(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
    """
    m = _arr(m)
    k %= 4
    a0, a1 = axes
    if k == 0:
        return _strong(m)
    if k == 2:
        return _strong(flip(flip(m, a0), a1))
    if k == 1:
        return _strong(swapaxes(flip(m, a1), a0, a1))
    return _strong(flip(swapaxes(m, a0, a1), a1))


def pad(array, pad_width, mode: str = "constant", **kwargs):  # noqa: A002
    """numpy.pad: 'constant' (differentiable in the fill value too), and the index-based
    modes 'edge', 'reflect', 'symmetric', 'wrap'.

    >>> pad(np.array([1.0, 2.0]), 1)
    array([0., 1., 2., 0.])
    """
    a = _arr(array)
    nd = _ndim(a)
    if nd == 0:  # numpy: a 0-d array has no axes to pad, so it comes back as it is
        return _strong(a if _traced(a) else numpy_result(a))
    try:  # numpy's rule: n, (n,), (before, after), ((b0, a0), (b1, a1), ...), ((n0,), (n1,))
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (nd, 2))
    except ValueError:
        raise ValueError(f"fungrad.numpy.pad: pad_width {pad_width} does not fit an array "
                         f"{get_aval(a).str_short()}") from None
    if (widths < 0).any():
        raise ValueError(f"fungrad.numpy.pad: negative pad_width {pad_width}")
    if mode == "constant":
        value = kwargs.pop("constant_values", 0)
        if np.ndim(value) != 0:
            raise NotImplementedError("fungrad.numpy.pad: constant_values must be a scalar")
        if kwargs:
            raise TypeError(f"fungrad.numpy.pad: unexpected arguments {sorted(kwargs)}")
        if not _traced(a, value):
            return _strong(numpy_result(np.pad(a, widths, mode="constant", constant_values=value)))
        return _strong(st.pad(a, astype(_arr(value), _dtype(a)), [tuple(w) for w in widths]))
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise NotImplementedError(f"fungrad.numpy.pad: mode={mode!r} is not supported")
    for ax, (lo, hi) in enumerate(widths):
        if lo or hi:
            idx = np.pad(np.arange(_shape(a)[ax]), (int(lo), int(hi)), mode=mode, **kwargs)
            a = take(a, idx, ax)
    return _strong(a)
