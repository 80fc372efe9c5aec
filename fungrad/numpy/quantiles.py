"""Order statistics: quantile, percentile, median (and their NaN-ignoring forms), through a
sort, so they are differentiable where the sorted values are: the derivative goes to the
elements the result interpolates between."""
from __future__ import annotations

import math

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _array_results, _arr, _axes, _dtype, _ndim, _not_supported, _shape
from fungrad.numpy.dtypes import astype
from fungrad.numpy.reductions import any, sum
from fungrad.numpy.shapes import moveaxis, reshape
from fungrad.numpy.sorting import sort
from fungrad.prims import elementwise as ew
from fungrad.prims.rules import probe_value

_METHODS = ("linear", "lower", "higher", "nearest", "midpoint")


def _quantile(a, q, axis, method, keepdims, func, ignore_nan=False, weights=None):
    a, q = _arr(a), _arr(q)
    if weights is None and method not in _METHODS:
        raise ValueError(f"fungrad.numpy.{func}: method must be one of {_METHODS}, got "
                         f"{method!r}")
    if _dtype(a).kind not in "biuf":
        raise TypeError(f"fungrad.numpy.{func}: a must be real, got {get_aval(a).str_short()}")
    if not isinstance(q, Tracer):  # weighted or not, as numpy checks
        qv = np.asarray(q)
        if qv.dtype.kind not in "biuf" or np.any((qv < 0) | (qv > 1)):
            raise ValueError(f"fungrad.numpy.{func}: quantiles must be in the range [0, 1] "
                             f"(percentiles in [0, 100]), got {qv}")
    if weights is not None:
        return _weighted(a, q, axis, method, keepdims, func, ignore_nan, _arr(weights))
    nd = _ndim(a)
    axes = _axes(axis, nd, func)
    rest = [i for i in range(nd) if i not in axes]
    rest_shape = tuple(_shape(a)[i] for i in rest)
    n = int(math.prod([_shape(a)[i] for i in axes]))
    # the reduced axes become one last axis, sorted (NaNs last)
    flat = reshape(moveaxis(a, axes, tuple(range(nd - len(axes), nd))), rest_shape + (n,)) \
        if axes else reshape(a, rest_shape + (1,))
    n = _shape(flat)[-1]
    keep_int = method in ("lower", "higher", "nearest")
    if keep_int:
        dtype = _dtype(a)
    else:
        probe = np.result_type(probe_value(get_aval(a)) if _dtype(a).kind == "f" else 0.0,
                               q if type(q) in (int, float) else probe_value(get_aval(q)))
        dtype = probe if probe.kind == "f" else np.dtype(np.float64)
        if _dtype(flat).kind != "f":
            flat = astype(flat, dtype)
    if n == 0:
        out = np.full(_shape(q) + rest_shape, np.nan, dtype)
        return _keep_dims(out, nd, axes, keepdims, _shape(q))
    s = sort(flat, axis=-1)
    if ignore_nan and _dtype(flat).kind == "f":
        count = sum(astype(ew.logical_not(ew.isnan(flat)), np.int64), axis=-1)  # rest_shape
        last = ew.maximum(ew.sub(count, 1), 0)
    else:
        last = n - 1
    qd = astype(q, np.float64) if type(q) not in (int, float) else float(q)
    qs = _shape(q)
    # positions: q * (count - 1), shaped q + rest
    qb = reshape(qd, qs + (1,) * len(rest_shape)) if qs else qd
    pos = ew.mul(qb, astype(last, np.float64) if not isinstance(last, int) else float(last))
    lo = ew.floor(pos)
    frac = ew.sub(pos, lo)
    lo_i = astype(lo, np.int64)
    hi_i = ew.minimum(ew.add(lo_i, 1), last)

    def pick(i):
        """``s[..., i]`` for index arrays ``i`` shaped ``q + rest``."""
        i = astype(i, np.int64)
        ib = np.broadcast_shapes(_shape(i), qs + rest_shape)
        from fungrad.numpy.shapes import broadcast_to
        i = broadcast_to(i, ib)
        if not qs:
            return _take_last(s, i)
        moved = moveaxis(i, tuple(range(len(qs))), tuple(range(len(ib) - len(qs), len(ib))))
        picked = _take_last(s, moved, len(qs))
        return moveaxis(picked, tuple(range(len(rest_shape), len(ib))), tuple(range(len(qs))))

    if method == "lower":
        out = pick(lo_i)
    elif method == "higher":
        out = pick(ew.select(ew.gt(frac, 0), hi_i, lo_i))
    elif method == "nearest":  # numpy rounds half to even index
        out = pick(ew.rint(pos))
    elif method == "midpoint":
        v_lo, v_hi = astype(pick(lo_i), dtype), astype(pick(hi_i), dtype)
        out = ew.select(ew.gt(frac, 0), ew.mul(ew.add(v_lo, v_hi), 0.5), v_lo)
    else:
        v_lo, v_hi = pick(lo_i), pick(hi_i)
        step = astype(ew.sub(v_hi, v_lo), dtype)  # in a's dtype, as numpy subtracts
        v_lo, v_hi, w = astype(v_lo, dtype), astype(v_hi, dtype), astype(frac, dtype)
        # numpy's lerp, exact at both ends
        out = ew.select(ew.ge(w, 0.5), ew.sub(v_hi, ew.mul(step, ew.sub(1, w))),
                        ew.add(v_lo, ew.mul(step, w)))
    if _dtype(flat).kind == "f":
        bad = ew.eq(count, 0) if ignore_nan else any(ew.isnan(flat), axis=-1)
        out = ew.select(bad, np.asarray(np.nan, dtype), out)
    return _keep_dims(out, nd, axes, keepdims, qs)


def _weighted(a, q, axis, method, keepdims, func, ignore_nan, w):
    """numpy 2's weighted quantile (``method='inverted_cdf'`` only, as in JAX): the first
    sorted value whose cumulative weight reaches ``q`` of the total. Differentiable in ``a``
    (the derivative goes to the picked element); the weights only choose it."""
    from fungrad.numpy.indexing import take_along_axis
    from fungrad.numpy.shapes import broadcast_to
    from fungrad.numpy.sorting import argsort
    if method != "inverted_cdf":
        raise ValueError(f"fungrad.numpy.{func}: weights are only supported with "
                         f"method='inverted_cdf', got method={method!r}")
    if _dtype(w).kind not in "biuf":
        raise TypeError(f"fungrad.numpy.{func}: weights must be real, got "
                        f"{get_aval(w).str_short()}")
    nd = _ndim(a)
    if _shape(w) != _shape(a):
        if not (isinstance(axis, int) and _ndim(w) == 1 and _shape(w)[0] == _shape(a)[axis]):
            raise ValueError(f"fungrad.numpy.{func}: weights must have a's shape "
                             f"{_shape(a)}, or be 1-D of a's length along an int axis; got "
                             f"shape {_shape(w)}")
        w = broadcast_to(reshape(w, tuple(-1 if i == axis % nd else 1 for i in range(nd))),
                         _shape(a))
    if not isinstance(w, Tracer) and np.any(np.asarray(w) < 0):
        raise ValueError(f"fungrad.numpy.{func}: weights must be non-negative")
    axes = _axes(axis, nd, func)
    rest = [i for i in range(nd) if i not in axes]
    rest_shape = tuple(_shape(a)[i] for i in rest)
    last = tuple(range(nd - len(axes), nd))

    def flatten(x):
        return reshape(moveaxis(x, axes, last), rest_shape + (-1,))
    fa, fw = flatten(a), astype(flatten(w), np.float64)
    if ignore_nan and _dtype(fa).kind == "f":  # a NaN weighs nothing (and sorts last)
        fw = ew.select(ew.isnan(fa), np.asarray(0.0), fw)
    order = argsort(fa, axis=-1)
    s, sw = take_along_axis(fa, order, -1), take_along_axis(fw, order, -1)
    from fungrad.numpy.reductions import cumsum
    cdf = cumsum(sw, axis=-1)
    total = cdf[..., -1:]
    qs = _shape(q)
    qd = reshape(astype(q, np.float64), qs + (1,) * (len(rest_shape) + 1))
    # the first index where cdf >= q * total (and > 0: leading zero weights never count),
    # found as how many entries fall short of it
    short = astype(ew.logical_or(ew.lt(cdf, ew.mul(qd, total)), ew.le(cdf, 0.0)), np.int64)
    idx = ew.minimum(sum(short, axis=-1), _shape(s)[-1] - 1)  # q + rest
    if qs:
        moved = moveaxis(idx, tuple(range(len(qs))), tuple(range(len(rest_shape),
                                                                    len(rest_shape) + len(qs))))
        out = moveaxis(_take_last(s, moved, len(qs)),
                       tuple(range(len(rest_shape), len(rest_shape) + len(qs))),
                       tuple(range(len(qs))))
    else:
        out = _take_last(s, idx)
    if _dtype(fa).kind == "f" and not ignore_nan:
        out = ew.select(any(ew.isnan(fa), axis=-1), np.asarray(np.nan, _dtype(fa)), out)
    return _keep_dims(out, nd, axes, keepdims, qs)


def _take_last(s, i, extra: int = 0):
    """``s[r..., i[r..., k...]]``: for each leading index r of ``s`` (its last axis is
    searched), the entries of ``i`` (shape: s's leading shape + ``extra`` trailing axes)."""
    from fungrad.numpy.indexing import take_along_axis
    lead = _shape(s)[:-1]
    flat_i = reshape(i, lead + (-1,))
    got = take_along_axis(s, flat_i, -1)
    return reshape(got, _shape(i))


def _keep_dims(out, nd, axes, keepdims, qs):
    if not keepdims:
        # eagerly, a 0-d result is a numpy scalar, as numpy returns it
        return out if isinstance(out, Tracer) else np.asarray(out)[()]
    full = [1 if i in axes else None for i in range(nd)]
    rest = iter(_shape(out)[len(qs):])
    shape = tuple(1 if f == 1 else next(rest) for f in full)
    return reshape(out, qs + shape)


@_array_results
def quantile(a, q, axis=None, out=None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False, *, weights=None,
             interpolation=None):
    """numpy.quantile (methods linear, lower, higher, nearest, midpoint); differentiable in
    ``a`` and ``q``.

    >>> quantile(np.array([1.0, 2.0, 4.0, 8.0]), 0.5)
    np.float64(3.0)
    >>> quantile(np.array([[1.0, 5.0], [3.0, 4.0]]), np.array([0.0, 1.0]), axis=1)
    array([[1., 3.],
           [5., 4.]])
    """
    _not_supported("quantile", "out", out)
    _not_supported("quantile", "interpolation", interpolation)
    return _quantile(a, q, axis, method, keepdims, "quantile",
                     weights=weights)


@_array_results
def percentile(a, q, axis=None, out=None, overwrite_input: bool = False,
               method: str = "linear", keepdims: bool = False, *, weights=None,
               interpolation=None):
    """numpy.percentile: ``quantile(a, q / 100)``.

    >>> percentile(np.array([1.0, 2.0, 4.0, 8.0]), 25)
    np.float64(1.75)
    """
    _not_supported("percentile", "out", out)
    _not_supported("percentile", "interpolation", interpolation)
    return _quantile(a, _percent(q), axis, method, keepdims, "percentile",
                     weights=weights)


def _percent(q):
    q = _arr(q)
    return q / 100 if type(q) in (int, float) else ew.div(q, 100)


@_array_results
def median(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
    """numpy.median; its gradient goes to the middle element(s).

    >>> median(np.array([3.0, 1.0, 2.0, 10.0]))
    np.float64(2.5)
    >>> import fungrad
    >>> fungrad.grad(median)(np.array([3.0, 1.0, 2.0]))
    array([0., 0., 1.])
    """
    _not_supported("median", "out", out)
    return _quantile(a, 0.5, axis, "linear", keepdims, "median")


@_array_results
def nanquantile(a, q, axis=None, out=None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False, *, weights=None,
                interpolation=None):
    """numpy.nanquantile: quantile of the non-NaN elements.

    >>> nanquantile(np.array([1.0, np.nan, 4.0]), 0.5)
    np.float64(2.5)
    """
    _not_supported("nanquantile", "out", out)
    _not_supported("nanquantile", "interpolation", interpolation)
    return _quantile(a, q, axis, method, keepdims, "nanquantile", ignore_nan=True,
                     weights=weights)


@_array_results
def nanpercentile(a, q, axis=None, out=None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: bool = False, *, weights=None,
                  interpolation=None):
    """numpy.nanpercentile.

    >>> nanpercentile(np.array([1.0, np.nan, 4.0]), 100)
    np.float64(4.0)
    """
    _not_supported("nanpercentile", "out", out)
    _not_supported("nanpercentile", "interpolation", interpolation)
    return _quantile(a, _percent(q), axis, method, keepdims, "nanpercentile", ignore_nan=True,
                     weights=weights)


@_array_results
def nanmedian(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
    """numpy.nanmedian.

    >>> nanmedian(np.array([[1.0, np.nan], [3.0, 5.0]]), axis=1)
    array([1., 4.])
    """
    _not_supported("nanmedian", "out", out)
    return _quantile(a, 0.5, axis, "linear", keepdims, "nanmedian", ignore_nan=True)
