"""Reductions that ignore NaNs: each replaces the NaNs by the reduction's identity (or masks
them out of the count), then reduces. Derivatives flow to the non-NaN elements only."""
from __future__ import annotations

import numpy as np

from fungrad.core import Tracer
from fungrad.numpy._util import _array_results, _arr, _axes, _dtype, _ndim, _not_supported, _shape
from fungrad.numpy.dtypes import astype
from fungrad.numpy.reductions import _masked, all, argmax, argmin, cumprod, cumsum, max, min, prod, \
    sum
from fungrad.numpy.statistics import _mean_operand
from fungrad.prims import elementwise as ew


def _replace_nan(a, value):
    """``a`` with NaNs replaced by ``value``, and the mask of its non-NaN elements (None for
    integers and booleans, which have no NaN)."""
    a = _arr(a)
    if _dtype(a).kind not in "fc":
        return a, None
    ok = ew.logical_not(ew.isnan(a))
    return ew.select(ok, a, np.asarray(value, _dtype(a))), ok


def nansum(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
           where=None):
    """numpy.nansum: NaNs count as zero.

    >>> nansum(np.array([1.0, np.nan, 2.0]))
    np.float64(3.0)
    """
    return sum(_replace_nan(a, 0)[0], axis, dtype, out, keepdims, initial, where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
            where=None):
    """numpy.nanprod: NaNs count as one.

    >>> nanprod(np.array([2.0, np.nan, 3.0]))
    np.float64(6.0)
    """
    return prod(_replace_nan(a, 1)[0], axis, dtype, out, keepdims, initial, where)


def nancumsum(a, axis=None, dtype=None, out=None):
    """numpy.nancumsum.

    >>> nancumsum(np.array([1.0, np.nan, 2.0]))
    array([1., 1., 3.])
    """
    return cumsum(_replace_nan(a, 0)[0], axis, dtype, out)


def nancumprod(a, axis=None, dtype=None, out=None):
    """numpy.nancumprod.

    >>> nancumprod(np.array([2.0, np.nan, 3.0]))
    array([2., 2., 6.])
    """
    return cumprod(_replace_nan(a, 1)[0], axis, dtype, out)


def _nan_extremum(fn, fill, a, axis, out, keepdims, initial, where):
    filled, ok = _replace_nan(a, fill)
    res = fn(filled, axis, out, keepdims, initial, where)
    if ok is None:
        return res
    # an all-NaN slice gives NaN (numpy also warns)
    return ew.select(all(ew.logical_not(ok), axis=axis, keepdims=keepdims),
                     np.asarray(np.nan, _dtype(res)), res)


@_array_results
def nanmax(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):
    """numpy.nanmax: the maximum of the non-NaN elements (NaN for an all-NaN slice).

    >>> nanmax(np.array([1.0, np.nan, 3.0]))
    np.float64(3.0)
    """
    return _as_numpy_scalar(_nan_extremum(max, -np.inf, a, axis, out, keepdims, initial, where))


@_array_results
def nanmin(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):
    """numpy.nanmin.

    >>> nanmin(np.array([[1.0, np.nan], [np.nan, np.nan]]), axis=1)
    array([ 1., nan])
    """
    return _as_numpy_scalar(_nan_extremum(min, np.inf, a, axis, out, keepdims, initial, where))


def _as_numpy_scalar(x):
    return np.asarray(x)[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def _nan_arg(fn, fill, a, axis, keepdims, func):
    filled, ok = _replace_nan(a, fill)
    if ok is not None and not isinstance(a, Tracer) and np.any(np.all(~np.asarray(ok), axis=axis)):
        raise ValueError(f"fungrad.numpy.{func}: all-NaN slice encountered")
    return fn(filled, axis, keepdims=keepdims)


def nanargmax(a, axis=None, out=None, *, keepdims: bool = False):
    """numpy.nanargmax: the index of the largest non-NaN element.

    >>> nanargmax(np.array([1.0, np.nan, 3.0]))
    np.int64(2)
    """
    return _nan_arg(argmax, -np.inf, a, axis, keepdims, "nanargmax")


def nanargmin(a, axis=None, out=None, *, keepdims: bool = False):
    """numpy.nanargmin.

    >>> nanargmin(np.array([1.0, np.nan, -3.0]))
    np.int64(2)
    """
    return _nan_arg(argmin, np.inf, a, axis, keepdims, "nanargmin")


def _count(ok, a, axis, keepdims):
    if ok is None:
        n = int(np.prod([_shape(a)[i] for i in _axes(axis, _ndim(a), "nanmean")],
                        dtype=np.int64))
        return float(n)
    return sum(astype(ok, np.int64), axis=axis, keepdims=keepdims)


@_array_results
def nanmean(a, axis=None, dtype=None, out=None, keepdims: bool = False, where=None):
    """numpy.nanmean: the mean of the non-NaN elements.

    >>> nanmean(np.array([1.0, np.nan, 3.0]))
    np.float64(2.0)
    """
    _not_supported("nanmean", "out", out)
    # outside the mask counts as NaN: left out of the sum and of the count alike
    a = _masked("nanmean", _mean_operand(a, dtype), where, np.nan)
    filled, ok = _replace_nan(a, 0)
    total = sum(filled, axis, None, None, keepdims)
    return _as_numpy_scalar(ew.div(total, astype(_count(ok, a, axis, keepdims), _dtype(total))))


@_array_results
def nanvar(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False,
           where=None, mean=None, correction=None):  # noqa: A002
    """numpy.nanvar.

    >>> nanvar(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """
    _not_supported("nanvar", "out", out)
    _not_supported("nanvar", "mean", mean)
    if correction is not None:
        ddof = correction
    a = _masked("nanvar", _mean_operand(a, dtype), where, np.nan)
    m = nanmean(a, axis, keepdims=True)
    filled, ok = _replace_nan(a, 0)
    centered = ew.sub(filled, m)
    if ok is not None:
        centered = ew.select(ok, centered, np.zeros((), _dtype(centered)))
    total = sum(ew.square(centered), axis, keepdims=keepdims)
    n = astype(_count(ok, a, axis, keepdims), _dtype(total))
    return _as_numpy_scalar(ew.div(total, ew.maximum(ew.sub(n, ddof), 0)))


@_array_results
def nanstd(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False,
           where=None, mean=None, correction=None):  # noqa: A002
    """numpy.nanstd.

    >>> nanstd(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """
    return _as_numpy_scalar(ew.sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where, mean,
                                           correction)))
