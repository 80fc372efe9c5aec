"""Statistics: mean, var, std."""
from __future__ import annotations

import builtins

import numpy as np

from fungrad.numpy._util import _arr, _axes, _dtype, _ndim, _not_supported, _shape
from fungrad.numpy.dtypes import astype
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st


def mean(a, axis=None, dtype=None, out=None, keepdims: bool = False, where=None):
    """numpy.mean (integers average in float64).

    >>> mean(np.array([1.0, 2.0]))
    np.float64(1.5)
    >>> mean(np.array([[1, 2], [3, 4]]), axis=0)
    array([2., 3.])
    >>> import fungrad
    >>> fungrad.grad(mean)(np.array([1.0, 2.0, 3.0, 4.0]))
    array([0.25, 0.25, 0.25, 0.25])
    """
    _not_supported("mean", "out", out)
    _not_supported("mean", "where", where)
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    elif _dtype(a).kind in "biu":
        a = astype(a, np.float64)
    axes = _axes(axis, _ndim(a), "mean")
    n = int(np.prod([_shape(a)[i] for i in axes], dtype=np.int64))
    return ew.div(st.reduce_sum(a, axes, keepdims), float(n) if n else np.nan)


def var(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False,
        where=None, mean=None, correction=None):  # noqa: A002
    """numpy.var.

    >>> var(np.array([1.0, 3.0]))
    np.float64(1.0)
    >>> var(np.array([1.0, 3.0]), ddof=1)
    np.float64(2.0)
    >>> import fungrad
    >>> fungrad.grad(var)(np.array([1.0, 3.0]))
    array([-1.,  1.])
    """
    _not_supported("var", "out", out)
    _not_supported("var", "where", where)
    _not_supported("var", "mean", mean)
    if correction is not None:
        ddof = correction
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    elif _dtype(a).kind in "biu":
        a = astype(a, np.float64)
    axes = _axes(axis, _ndim(a), "var")
    n = int(np.prod([_shape(a)[i] for i in axes], dtype=np.int64))
    centered = ew.sub(a, _mean_keep(a, axes))
    return ew.div(st.reduce_sum(ew.square(centered), axes, keepdims),
                  float(builtins.max(n - ddof, 0)))


def _mean_keep(a, axes):
    n = int(np.prod([_shape(a)[i] for i in axes], dtype=np.int64))
    return ew.div(st.reduce_sum(a, axes, True), float(n) if n else np.nan)


def std(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False,
        where=None, mean=None, correction=None):  # noqa: A002
    """numpy.std.

    >>> std(np.array([1.0, 3.0]))
    np.float64(1.0)
    >>> import fungrad
    >>> fungrad.grad(std)(np.array([1.0, 3.0]))
    array([-0.5,  0.5])
    """
    return ew.sqrt(var(a, axis, dtype, out, ddof, keepdims, where, mean, correction))
