"""Descriptive statistics of ``jax.scipy.stats``: ``sem``, ``rankdata`` and ``mode``.

>>> round(float(sem(np.array([1.0, 2.0, 3.0, 4.0]))), 12)
0.645497224368
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np  # noqa: F401  (the doctests use it)

import fungrad.numpy as fnp
from fungrad.core import get_aval


def sem(a, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False):
    """The standard error of the mean, ``std(a, ddof) / sqrt(n)`` along ``axis`` (all axes
    when None); with ``nan_policy='omit'`` NaNs are left out (of the std and of ``n``), as
    in JAX; differentiable in a.

    >>> sem(np.array([[1.0, 2.0], [3.0, 6.0]]))
    array([1., 2.])
    >>> sem(np.array([[1.0, 2.0], [3.0, 6.0]]), axis=1, keepdims=True)
    array([[0.5],
           [1.5]])
    >>> float(sem(np.array([1.0, np.nan, 3.0]), nan_policy="omit"))
    1.0
    """
    if nan_policy not in ("propagate", "omit"):
        raise NotImplementedError(f"sem: nan_policy must be 'propagate' or 'omit' (as in "
                                  f"JAX), got {nan_policy!r}")
    a = fnp.asarray(a)
    if axis is None:
        flat = fnp.reshape(a, (-1,))
        out = sem(flat, 0, ddof, nan_policy)
        return fnp.reshape(out, (1,) * a.ndim) if keepdims else out
    if nan_policy == "omit":
        count = fnp.sum(~fnp.isnan(a), axis=axis, keepdims=keepdims)
        return fnp.nanstd(a, axis=axis, ddof=ddof, keepdims=keepdims) / fnp.sqrt(count)
    n = a.shape[axis]
    # a Python float: stays weak
    return fnp.std(a, axis=axis, ddof=ddof, keepdims=keepdims) / math.sqrt(n)


_RANK_METHODS = ("average", "min", "max", "dense", "ordinal")


def rankdata(a, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate"):
    """Ranks from 1, ties resolved by ``method`` (average, min, max, dense, ordinal), over
    the flattened array or along ``axis``. Computed from pairwise comparisons (O(n^2) per
    slice); ranks are piecewise constant, so their derivative is zero.

    >>> rankdata(np.array([10.0, 30.0, 20.0, 20.0]))
    array([1. , 4. , 2.5, 2.5])
    """
    if method not in _RANK_METHODS:
        raise ValueError(f"rankdata: method must be one of {_RANK_METHODS}, got {method!r}")
    if nan_policy != "propagate":
        raise NotImplementedError("rankdata: only nan_policy='propagate' is supported")
    a = fnp.asarray(a)
    if axis is None:
        return _ranks(fnp.reshape(a, (-1,)), method)
    moved = fnp.moveaxis(a, axis, -1)
    return fnp.moveaxis(_ranks(moved, method), -1, axis)


def _ranks(a, method: str):
    """Ranks along the last axis."""
    left, right = a[..., :, None], a[..., None, :]  # compare entry i (rows) with j (columns)
    less = fnp.sum(right < left, axis=-1)
    equal = fnp.sum(right == left, axis=-1)
    if method == "average":
        return less + (equal + 1) / 2.0
    if method == "min":
        return (less + 1).astype(np.float64)
    if method == "max":
        return (less + equal).astype(np.float64)
    if method == "dense":  # distinct values below, each tie group counted once
        equal_j = fnp.sum(a[..., :, None] == a[..., None, :], axis=-2)  # ties of each j
        return fnp.sum((right < left) / equal_j[..., None, :], axis=-1) + 1.0
    n = a.shape[-1]  # ordinal: ties broken by position
    before = fnp.arange(n)[None, :] < fnp.arange(n)[:, None]
    return (less + fnp.sum((right == left) & before, axis=-1) + 1).astype(np.float64)


class ModeResult(NamedTuple):
    """What ``mode`` returns: the most frequent value and how often it occurs.

    >>> ModeResult._fields
    ('mode', 'count')
    """
    mode: Any
    count: Any


def mode(a, axis: int | None = 0, nan_policy: str = "propagate", keepdims: bool = False):
    """The most frequent value along ``axis`` (the smallest of equally frequent ones) and its
    count, from pairwise comparisons.

    >>> mode(np.array([3.0, 1.0, 3.0, 1.0, 2.0]))
    ModeResult(mode=np.float64(1.0), count=np.int64(2))
    >>> mode(np.array([2, 4, 4, 1]))
    ModeResult(mode=np.int64(4), count=np.int64(2))
    """
    if nan_policy != "propagate":
        raise NotImplementedError("mode: only nan_policy='propagate' is supported")
    a = fnp.asarray(a)
    if axis is None:
        result = mode(fnp.reshape(a, (-1,)), 0)
        if keepdims:  # every axis kept, of size 1
            ones = (1,) * a.ndim
            return ModeResult(fnp.reshape(result.mode, ones), fnp.reshape(result.count, ones))
        return result
    moved = fnp.moveaxis(a, axis, -1)
    counts = fnp.sum(moved[..., :, None] == moved[..., None, :], axis=-1)
    best = fnp.max(counts, axis=-1, keepdims=True)
    # the smallest of the most frequent values; the filler is the dtype's largest value, so
    # integer data keep their dtype (as scipy and JAX give it)
    dtype = get_aval(moved).dtype
    filler = np.inf if dtype.kind in "fc" else True if dtype.kind == "b" else np.iinfo(dtype).max
    value = fnp.min(fnp.where(counts == best, moved, fnp.asarray(filler, dtype)), axis=-1,
                    keepdims=True)
    if keepdims:
        return ModeResult(fnp.moveaxis(value, -1, axis), fnp.moveaxis(best, -1, axis))
    return ModeResult(value[..., 0], best[..., 0])
