"""Reduction primitives: ``reduce_sum``, ``reduce_max``, ``reduce_min``, ``reduce_prod``,
``reduce_and``, ``reduce_or``; the index-valued ``argmax``, ``argmin`` and ``argsort``; and
the cumulative ``cumsum`` and ``cumprod``, which keep every partial result.

``reduce_sum``'s transpose broadcasts the cotangent back (``expand_reduced``); the products'
rules never divide by ``x``, so they are exact where ``x`` has zeros. Each batches by
shifting its axes past the leading batch axis.
"""
from __future__ import annotations

import math

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.elementwise import add, convert_element_type, div, eq, mul
from fungrad.prims.rules import (
    batch_shifting, deflinear, defjvp, defvjp, primitive, probe_value,
)
from fungrad.prims.shapes import (
    _check_axes, _dtype_of, _shape_of, broadcast_to, reshape, transpose,
)


# ----------------------------------------------------------------------------- reductions
_REDUCE_UFUNC = {np.sum: np.add, np.max: np.maximum, np.min: np.minimum,
                 np.prod: np.multiply}


def _reduction(name, np_fn, *, nondiff=False, keep_dtype=False, identity=True):
    ufunc = _REDUCE_UFUNC.get(np_fn)

    def impl(x, axes, keepdims=False):
        # on floats, the ufunc's reduce is what np.sum/np.max run, minus their Python wrapper
        if ufunc is not None and type(x) is np.ndarray and x.dtype.kind == "f":
            return ufunc.reduce(x, axis=axes, keepdims=keepdims)
        return np_fn(x, axis=axes, keepdims=keepdims)

    def abstract_eval(aval, axes, keepdims=False):
        _check_axes(name, aval, axes)
        if not identity and any(aval.shape[a] == 0 for a in axes):
            raise ValueError(f"{name}: zero-size array to reduction operation over axes {axes}"
                             f" of {aval.str_short()}, which has no identity")
        if keep_dtype:
            dtype = aval.dtype
        else:
            dtype = np_fn(probe_value(aval.strip_weak()), axis=0).dtype
        shape = tuple((1 if keepdims else None) if i in axes else d
                      for i, d in enumerate(aval.shape))
        return ShapedArray(tuple(d for d in shape if d is not None), dtype)

    prim = primitive(name, impl, abstract_eval, nondiff=nondiff)
    return prim


reduce_sum_p = _reduction("reduce_sum", np.sum)
reduce_max_p = _reduction("reduce_max", np.max, keep_dtype=True, identity=False)
reduce_min_p = _reduction("reduce_min", np.min, keep_dtype=True, identity=False)
reduce_prod_p = _reduction("reduce_prod", np.prod)
reduce_and_p = _reduction("reduce_and", np.all, nondiff=True)
reduce_or_p = _reduction("reduce_or", np.any, nondiff=True)


def _reducer(prim, keeps_dtype: bool = True):
    def reduce(x, axes, keepdims: bool = False):
        """The reduction over ``axes``; ``keepdims`` keeps them as size-1 axes (numpy's
        keepdims: one equation instead of a reduction and a reshape)."""
        axes = tuple(sorted(int(a) for a in axes))
        if not axes and keeps_dtype and _dtype_of(x).kind in "fc" \
                and not isinstance(x, (int, float)):
            return x  # reducing over no axes is the identity (numpy keeps float dtypes)
        if keepdims:
            return bind(prim, x, axes=axes, keepdims=True)
        return bind(prim, x, axes=axes)
    return reduce


def _reduce_emit(ufunc):
    """One ``ufunc.reduce`` call: what numpy's sum/max run, without their Python wrapper
    (floating dtypes only: np.sum widens small integers, ufunc.reduce does not)."""
    def emit(avals, axes, keepdims=False):
        if avals[0].weak_type or avals[0].dtype.kind not in "fc":
            return None
        if keepdims:
            return "{fn}({0}, {axes}, keepdims=True)", {"fn": ufunc.reduce, "axes": axes}
        return "{fn}({0}, {axes})", {"fn": ufunc.reduce, "axes": axes}
    return emit


reduce_sum_p.emit = _reduce_emit(np.add)
reduce_max_p.emit = _reduce_emit(np.maximum)
reduce_min_p.emit = _reduce_emit(np.minimum)

reduce_sum = _reducer(reduce_sum_p)
reduce_max = _reducer(reduce_max_p)
reduce_min = _reducer(reduce_min_p)
reduce_prod = _reducer(reduce_prod_p)
reduce_and = _reducer(reduce_and_p, keeps_dtype=False)  # booleans out
reduce_or = _reducer(reduce_or_p, keeps_dtype=False)


def expand_reduced(g, x_shape, axes):
    """Broadcast a reduction's result (or cotangent) back over the reduced axes."""
    kept = tuple(1 if i in axes else d for i, d in enumerate(x_shape))
    return broadcast_to(reshape(g, kept), x_shape)


deflinear(reduce_sum_p, lambda g, x, axes, keepdims=False:
          expand_reduced(g, _shape_of(x), axes))


def _extremum_weights(ans, x, axes):
    """Where x attains its max (min), split evenly among ties, as JAX does."""
    hits = convert_element_type(eq(x, expand_reduced(ans, _shape_of(x), axes)), _dtype_of(ans))
    return div(hits, expand_reduced(reduce_sum(hits, axes), _shape_of(x), axes))


for _p in (reduce_max_p, reduce_min_p):
    defjvp(_p, lambda t, ans, x, axes, keepdims=False:
           reduce_sum(mul(t, _extremum_weights(ans, x, axes)), axes, keepdims))
    defvjp(_p, lambda g, ans, x, axes, keepdims=False:
           mul(expand_reduced(g, _shape_of(x), axes), _extremum_weights(ans, x, axes)))


def _prod_others(x, axes):
    """For each element, the product of all the other elements reduced with it.

    Built from exclusive cumulative products from both ends, so zeros in ``x`` are fine (no
    division by x)."""
    # slicing and joining are built on the reductions (pad's rule sums), so these rules
    # import them when they run
    from fungrad.prims.indexing import slice_axis
    from fungrad.prims.joining import concatenate
    shape = _shape_of(x)
    kept = [i for i in range(len(shape)) if i not in axes]
    perm = kept + list(axes)
    n = int(math.prod([shape[a] for a in axes]))
    if n == 0:  # an empty product: x has no elements to weigh
        return x
    flat = reshape(transpose(x, perm), tuple(shape[i] for i in kept) + (n,))
    last = len(kept)
    ones = broadcast_to(convert_element_type(1, _dtype_of(x)),
                        tuple(shape[i] for i in kept) + (1,))
    before = concatenate([ones, cumprod(slice_axis(flat, last, 0, n - 1), last)], last)
    after = concatenate([cumprod(slice_axis(flat, last, 1, n), last, reverse=True), ones],
                        last)
    others = mul(before, after)
    return transpose(reshape(others, tuple(shape[p] for p in perm)), np.argsort(perm))


defjvp(reduce_prod_p, lambda t, ans, x, axes, keepdims=False:
       reduce_sum(mul(t, _prod_others(x, axes)), axes, keepdims))
defvjp(reduce_prod_p, lambda g, ans, x, axes, keepdims=False:
       mul(expand_reduced(g, _shape_of(x), axes), _prod_others(x, axes)))
for _p in (reduce_sum_p, reduce_max_p, reduce_min_p, reduce_prod_p, reduce_and_p,
           reduce_or_p):
    batch_shifting(_p, "axes")


def _arg_reduction(name, np_fn):
    def abstract_eval(aval, axis, index_dtype):
        _check_axes(name, aval, (axis,))
        if aval.shape[axis] == 0:
            raise ValueError(f"{name}: attempt to get {name} of an empty sequence "
                             f"(axis {axis} of {aval.str_short()})")
        return ShapedArray(aval.shape[:axis] + aval.shape[axis + 1:], index_dtype)

    return primitive(name, lambda x, axis, index_dtype: np_fn(x, axis=axis).astype(
        index_dtype, copy=False), abstract_eval, nondiff=True)


argmax_p = _arg_reduction("argmax", np.argmax)
argmin_p = _arg_reduction("argmin", np.argmin)


def argmax(x, axis: int):
    return bind(argmax_p, x, axis=int(axis), index_dtype=np.dtype(np.int64))


def argmin(x, axis: int):
    return bind(argmin_p, x, axis=int(axis), index_dtype=np.dtype(np.int64))


def _argsort_abstract(aval, axis):
    _check_axes("argsort", aval, (axis,))
    return ShapedArray(aval.shape, np.int64)


argsort_p = primitive("argsort", lambda x, axis: np.argsort(x, axis=axis, kind="stable"),
                      _argsort_abstract, nondiff=True)


def argsort(x, axis: int):
    return bind(argsort_p, x, axis=int(axis))



# ----------------------------------------------------------------------------- cumulative
def _cumulative(name, np_fn):
    def impl(x, axis, reverse):
        if reverse:
            return np.flip(np_fn(np.flip(x, axis), axis=axis), axis)
        return np_fn(x, axis=axis)

    def abstract_eval(aval, axis, reverse):
        _check_axes(name, aval, (axis,))
        return ShapedArray(aval.shape, np_fn(probe_value(aval.strip_weak()), axis=0).dtype)

    return primitive(name, impl, abstract_eval)


cumsum_p = _cumulative("cumsum", np.cumsum)
cumprod_p = _cumulative("cumprod", np.cumprod)


def cumsum(x, axis: int, reverse: bool = False):
    return bind(cumsum_p, x, axis=int(axis), reverse=bool(reverse))


def cumprod(x, axis: int, reverse: bool = False):
    return bind(cumprod_p, x, axis=int(axis), reverse=bool(reverse))


deflinear(cumsum_p, lambda g, x, axis, reverse: cumsum(g, axis, not reverse))
# cumprod's derivatives never divide by x, so they are exact where x has zeros (and prod's,
# built on them, at every order): the product rule is carried through a log-depth doubling
# scan (Hillis-Steele: y <- y * shift(y, d) for d = 1, 2, 4, ...), written with mul, slicing
# and pad, so the rules differentiate again.
def _shift(v, axis: int, d: int, fill, reverse: bool):
    """``v`` moved ``d`` places along ``axis`` (towards the end; towards the start if
    ``reverse``), the vacated places filled with ``fill``."""
    # slicing and joining are built on the reductions (pad's rule sums), so these rules
    # import them when they run
    from fungrad.prims.indexing import slice_axis
    from fungrad.prims.joining import pad
    shape = _shape_of(v)
    n = shape[axis]
    widths = [(0, 0)] * len(shape)
    widths[axis] = (0, d) if reverse else (d, 0)
    kept = slice_axis(v, axis, d, n) if reverse else slice_axis(v, axis, 0, n - d)
    return pad(kept, np.array(fill, _dtype_of(v)), widths)


def _scan_levels(x, axis, reverse):
    """The partial products ``y`` before each doubling step, with the step's shift."""
    levels, y, d = [], x, 1
    while d < _shape_of(x)[axis]:
        levels.append((y, d))
        y = mul(y, _shift(y, axis, d, 1, reverse))
        d *= 2
    return levels


def _cumprod_jvp(primals, tangents, axis, reverse):
    x, = primals
    t, = tangents
    ans = cumprod(x, axis, reverse)
    if t is None:
        return ans, None
    for y, d in _scan_levels(x, axis, reverse):  # (y, t) <- (y s(y), t s(y) + y s(t))
        t = add(mul(t, _shift(y, axis, d, 1, reverse)), mul(y, _shift(t, axis, d, 0, reverse)))
    return ans, t


def _cumprod_vjp(g, ans, x, axis, reverse):
    ct = g  # the transpose of the tangent scan, last step first
    for y, d in reversed(_scan_levels(x, axis, reverse)):
        ct = add(mul(ct, _shift(y, axis, d, 1, reverse)),
                 _shift(mul(ct, y), axis, d, 0, not reverse))
    return ct


cumprod_p.jvp = _cumprod_jvp
defvjp(cumprod_p, _cumprod_vjp)


for _p in (argmax_p, argmin_p, argsort_p, cumsum_p, cumprod_p):
    batch_shifting(_p, "axis")
