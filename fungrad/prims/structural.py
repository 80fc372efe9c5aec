"""Structural primitives: shapes, reductions, cumulative ops, contractions, indexing.

Like the elementwise ones, each primitive's rules sit right beside it. Most of these are
linear, so their derivatives are themselves or their transposes (``reduce_sum`` and
``broadcast_to``, ``gather`` and ``scatter_add``, ``concatenate`` and slicing).
"""
from __future__ import annotations

import string
from typing import Sequence

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.elementwise import (
    add, convert_element_type, div, eq, mul, sub,
)
from fungrad.prims.rules import (
    batch_shifting, deflinear, defjvp, defvjp, primitive, probe_value,
)


class FungradIndexError(IndexError, ValueError):
    """An index out of bounds: an IndexError as numpy raises, and a ValueError as fungrad's
    bad-input errors are."""


def _shape_of(x) -> tuple:
    return getattr(x, "shape", ())


def _dtype_of(x) -> np.dtype:
    d = getattr(x, "dtype", None)
    return d if d is not None else np.asarray(x).dtype


def _check_axes(name: str, aval: ShapedArray, axes: Sequence[int]) -> None:
    for a in axes:
        if not 0 <= a < aval.ndim:
            raise ValueError(f"{name}: axis {a} is out of bounds for an array "
                             f"{aval.str_short()} of rank {aval.ndim}")


# ----------------------------------------------------------------------------- broadcast_to
def _broadcast_to_abstract(aval, shape):
    try:
        np.broadcast_shapes(aval.shape, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast {aval.str_short()} to shape "
                         f"{shape}") from None
    if len(shape) < aval.ndim or np.broadcast_shapes(aval.shape, shape) != tuple(shape):
        raise ValueError(f"broadcast_to: cannot broadcast {aval.str_short()} to shape {shape}")
    return ShapedArray(shape, aval.dtype)


def _broadcast_to_impl(x, shape):
    """np.broadcast_to, building the read-only zero-stride view directly when it is simple
    (a contiguous source): numpy's own routine costs several microseconds per call."""
    x = np.asarray(x)
    lead = len(shape) - x.ndim
    if lead >= 0 and x.flags.c_contiguous:
        strides = [0] * lead
        for d, t, s in zip(x.shape, shape[lead:], x.strides):
            if d == t:
                strides.append(s)
            elif d == 1:
                strides.append(0)
            else:
                return np.broadcast_to(x, shape)  # numpy explains the error
        out = np.ndarray(shape, x.dtype, x, 0, strides)
        out.flags.writeable = False
        return out
    return np.broadcast_to(x, shape)


broadcast_to_p = primitive("broadcast_to", _broadcast_to_impl, _broadcast_to_abstract)


def broadcast_to(x, shape):
    shape = tuple(shape)
    return x if _shape_of(x) == shape else bind(broadcast_to_p, x, shape=shape)


def sum_to_shape(x, shape: tuple):
    """Sum away the dimensions a broadcast to ``x``'s shape added: the transpose of
    ``broadcast_to``, and how the backward pass fits a cotangent to its input's shape."""
    xshape = _shape_of(x)
    if xshape == shape:
        return x
    lead = len(xshape) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and xshape[lead + i] != 1)
    y = reduce_sum(x, axes) if axes else x
    return reshape(y, shape) if _shape_of(y) != shape else y


deflinear(broadcast_to_p, lambda g, x, shape: sum_to_shape(g, _shape_of(x)))
broadcast_to_p.broadcast_only = True  # elementwise consumers may broadcast it themselves
broadcast_to_p.emit = lambda avals, shape: \
    ("{fn}({0}, {shape})", {"fn": np.broadcast_to, "shape": shape})
broadcast_to_p.simplify = lambda inputs, params, ctx, out_aval: \
    inputs[0] if inputs[0].aval.shape == out_aval.shape else None


# ----------------------------------------------------------------------------- reshape
def _reshape_abstract(aval, new_sizes):
    if int(np.prod(new_sizes, dtype=np.int64)) != aval.size:
        raise ValueError(f"reshape: cannot reshape an array {aval.str_short()} of size "
                         f"{aval.size} into shape {new_sizes}")
    return ShapedArray(new_sizes, aval.dtype)


reshape_p = primitive("reshape", lambda x, new_sizes: np.reshape(x, new_sizes),
                      _reshape_abstract)


def reshape(x, new_sizes):
    new_sizes = tuple(new_sizes)
    return x if _shape_of(x) == new_sizes else bind(reshape_p, x, new_sizes=new_sizes)


deflinear(reshape_p, lambda g, x, new_sizes: reshape(g, _shape_of(x)))


def _reshape_simplify(inputs, params, ctx, out_aval):
    """A reshape to the input's own shape is nothing; a reshape of a reshape is one."""
    x = inputs[0]
    eqn = ctx.producer(x)
    if eqn is not None and eqn.primitive is reshape_p:
        x = eqn.inputs[0]
    if x.aval.shape == out_aval.shape:
        return x
    return None if x is inputs[0] else ([x], params)


reshape_p.simplify = _reshape_simplify
reshape_p.emit = lambda avals, new_sizes: \
    None if avals[0].weak_type else ("{0}.reshape({shape})", {"shape": new_sizes})


# ----------------------------------------------------------------------------- transpose
def _transpose_abstract(aval, permutation):
    if sorted(permutation) != list(range(aval.ndim)):
        raise ValueError(f"transpose: permutation {permutation} is not a permutation of the "
                         f"axes of {aval.str_short()}")
    return ShapedArray(tuple(aval.shape[p] for p in permutation), aval.dtype)


transpose_p = primitive("transpose", lambda x, permutation: np.transpose(x, permutation),
                        _transpose_abstract)


def transpose(x, permutation):
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return bind(transpose_p, x, permutation=permutation)


deflinear(transpose_p, lambda g, x, permutation: transpose(g, np.argsort(permutation)))


def _transpose_simplify(inputs, params, ctx, out_aval):
    """A transpose of a transpose is one transpose (or none)."""
    eqn = ctx.producer(inputs[0])
    if eqn is None or eqn.primitive is not transpose_p:
        return None
    inner, outer = eqn.params["permutation"], params["permutation"]
    perm = tuple(inner[p] for p in outer)
    if perm == tuple(range(len(perm))):
        return eqn.inputs[0]
    return [eqn.inputs[0]], {"permutation": perm}


transpose_p.simplify = _transpose_simplify
transpose_p.emit = lambda avals, permutation: \
    None if avals[0].weak_type else ("{0}.transpose({perm})", {"perm": permutation})

# ----------------------------------------------------------------------------- rev (flip)
rev_p = primitive("rev", lambda x, dimensions: np.flip(x, dimensions),
                  lambda aval, dimensions: (_check_axes("rev", aval, dimensions),
                                            aval.strip_weak())[1])


def rev(x, dimensions):
    return bind(rev_p, x, dimensions=tuple(dimensions))


deflinear(rev_p, lambda g, x, dimensions: rev(g, dimensions))


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
    shape = _shape_of(x)
    kept = [i for i in range(len(shape)) if i not in axes]
    perm = kept + list(axes)
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
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


# ----------------------------------------------------------------------------- dot_general
def _dot_general_abstract(x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    for name, aval, dims in (("lhs", x, lc + lb), ("rhs", y, rc + rb)):
        if any(not 0 <= d < aval.ndim for d in dims) or len(set(dims)) != len(dims):
            raise ValueError(f"dot_general: invalid dimensions {dims} for the {name} "
                             f"{aval.str_short()}")
    if len(lc) != len(rc) or any(x.shape[a] != y.shape[b] for a, b in zip(lc, rc)):
        raise TypeError(
            "dot_general requires contracting dimensions to have the same shape, got "
            f"{tuple(x.shape[a] for a in lc)} and {tuple(y.shape[b] for b in rc)} "
            f"(operands {x.str_short()} and {y.str_short()})")
    if len(lb) != len(rb) or any(x.shape[a] != y.shape[b] for a, b in zip(lb, rb)):
        raise TypeError(
            "dot_general requires batch dimensions to have the same shape, got "
            f"{tuple(x.shape[a] for a in lb)} and {tuple(y.shape[b] for b in rb)} "
            f"(operands {x.str_short()} and {y.str_short()})")
    x_free = [d for d in range(x.ndim) if d not in lc and d not in lb]
    y_free = [d for d in range(y.ndim) if d not in rc and d not in rb]
    shape = tuple(x.shape[d] for d in lb) + tuple(x.shape[d] for d in x_free) + \
        tuple(y.shape[d] for d in y_free)
    dtype = np.multiply(probe_value(x), probe_value(y)).dtype
    return ShapedArray(shape, dtype)


def _dot_general_impl(x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    if not lb:
        # the common cases are one BLAS call; tensordot covers the rest
        xn = x.ndim if type(x) is np.ndarray else np.ndim(x)
        yn = y.ndim if type(y) is np.ndarray else np.ndim(y)
        if lc == (xn - 1,) and rc == (0,) and xn <= 2 and yn <= 2:
            return np.dot(x, y)
        if lc == (0,) and rc == (0,) and xn == 2 and yn == 2:
            return np.dot(x.T, y)
        if lc == (1,) and rc == (1,) and xn == 2 and yn == 2:
            return np.dot(x, y.T)
        return np.tensordot(x, y, (lc, rc))
    x, y = np.asarray(x), np.asarray(y)
    x_free = [d for d in range(x.ndim) if d not in lc and d not in lb]
    y_free = [d for d in range(y.ndim) if d not in rc and d not in rb]
    batch = [x.shape[d] for d in lb]
    xf, yf = [x.shape[d] for d in x_free], [y.shape[d] for d in y_free]
    c = int(np.prod([x.shape[d] for d in lc], dtype=np.int64))
    b = int(np.prod(batch, dtype=np.int64))
    xt = np.transpose(x, list(lb) + x_free + list(lc)).reshape(
        b, int(np.prod(xf, dtype=np.int64)), c)
    yt = np.transpose(y, list(rb) + list(rc) + y_free).reshape(
        b, c, int(np.prod(yf, dtype=np.int64)))
    return np.matmul(xt, yt).reshape(batch + xf + yf)


dot_general_p = primitive("dot_general", _dot_general_impl, _dot_general_abstract)


def _dot_general_emit(avals, dimension_numbers):
    """The common contractions as one ``np.dot`` (transposes are free views)."""
    (lc, rc), (lb, rb) = dimension_numbers
    nx, ny = avals[0].ndim, avals[1].ndim
    if lb or any(a.weak_type for a in avals):
        return None
    if lc == (nx - 1,) and rc == (0,) and 1 <= nx <= 2 and 1 <= ny <= 2:
        return "{dot}({0}, {1})", {"dot": np.dot}
    if nx == 2 and ny == 2 and lc == (0,) and rc == (0,):
        return "{dot}({0}.T, {1})", {"dot": np.dot}
    if nx == 2 and ny == 2 and lc == (1,) and rc == (1,):
        return "{dot}({0}, {1}.T)", {"dot": np.dot}
    return None


dot_general_p.emit = _dot_general_emit


def dot_general(x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    if not lc and not lb and (not _shape_of(x) or not _shape_of(y)):
        return mul(x, y)  # no contraction with a scalar: a product (what rules often make)
    return bind(dot_general_p, x, y, dimension_numbers=_int_dims(dimension_numbers))


def _int_dims(dimension_numbers):
    """Dimension numbers as tuples of Python ints (hashable, comparable params); most
    callers already pass exactly that, which is checked cheaply first."""
    (lc, rc), (lb, rb) = dimension_numbers
    if type(lc) is tuple and type(rc) is tuple and type(lb) is tuple and type(rb) is tuple \
            and all(type(d) is int for d in lc + rc + lb + rb):
        return dimension_numbers
    return ((tuple(int(d) for d in lc), tuple(int(d) for d in rc)),
            (tuple(int(d) for d in lb), tuple(int(d) for d in rb)))


def _dot_general_ct_lhs(g, x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    x_nd, y_nd = len(_shape_of(x)), len(_shape_of(y))
    x_free = [d for d in range(x_nd) if d not in lc and d not in lb]
    y_free = [d for d in range(y_nd) if d not in rc and d not in rb]
    nb = len(lb)
    g_y_free = tuple(range(nb + len(x_free), nb + len(x_free) + len(y_free)))
    ct = dot_general(g, y, ((g_y_free, tuple(y_free)), (tuple(range(nb)), rb)))
    # ct's dims stand for x's: batch, free, then lc ordered as rc sorts
    x_dims = list(lb) + x_free + [lc[i] for i in np.argsort(rc)]
    return transpose(ct, np.argsort(x_dims))


def _dot_general_ct_rhs(g, x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    x_nd, y_nd = len(_shape_of(x)), len(_shape_of(y))
    x_free = [d for d in range(x_nd) if d not in lc and d not in lb]
    nb = len(lb)
    g_x_free = tuple(range(nb, nb + len(x_free)))
    ct = dot_general(x, g, ((tuple(x_free), g_x_free), (lb, tuple(range(nb)))))
    y_free = [d for d in range(y_nd) if d not in rc and d not in rb]
    y_dims = list(rb) + [rc[i] for i in np.argsort(lc)] + y_free
    return transpose(ct, np.argsort(y_dims))


defjvp(dot_general_p,
       lambda t, ans, x, y, dimension_numbers: dot_general(t, y, dimension_numbers),
       lambda t, ans, x, y, dimension_numbers: dot_general(x, t, dimension_numbers))
defvjp(dot_general_p,
       lambda g, ans, x, y, dimension_numbers: _dot_general_ct_lhs(g, x, y, dimension_numbers),
       lambda g, ans, x, y, dimension_numbers: _dot_general_ct_rhs(g, x, y, dimension_numbers))


# ----------------------------------------------------------------------------- indexing
class _Slice(tuple):
    """A hashable ``start:stop:step`` (Python 3.11's ``slice`` is not hashable)."""

    def __repr__(self):
        start, stop, step = self
        text = f"{'' if start is None else start}:{'' if stop is None else stop}"
        return text + (f":{step}" if step is not None else "")


class _ArraySlot:
    """Where an index-array operand goes in an ``Indexer``."""

    def __repr__(self):
        return "#"


ARRAY = _ArraySlot()


class Indexer(tuple):
    """The static part of a numpy index (ints, slices, None, ...); ``#`` marks the positions
    filled by index-array operands. Hashable, so it can be a primitive's param.

    >>> Indexer.from_numpy((1, slice(None, 3), None, Ellipsis))
    [1, :3, None, ...]
    """

    @staticmethod
    def from_numpy(items) -> "Indexer":
        out = []
        for it in items:
            if isinstance(it, slice):
                out.append(_Slice((it.start, it.stop, it.step)))
            elif it is None or it is Ellipsis or it is ARRAY:
                out.append(it)
            else:
                out.append(int(it))
        return Indexer(out)

    def to_numpy(self, arrays) -> tuple:
        it = iter(arrays)
        out = []
        for item in self:
            if type(item) is _Slice:
                out.append(slice(*item))
            elif item is ARRAY:
                out.append(next(it))
            else:
                out.append(item)
        return tuple(out)

    def __repr__(self):
        return "[" + ", ".join("..." if i is Ellipsis else repr(i) for i in self) + "]"


_gather_shapes: dict = {}


def _indexed_shape(x_aval, idx_avals, indexer) -> tuple:
    key = (x_aval.shape, tuple(a.shape for a in idx_avals), indexer)
    shape = _gather_shapes.get(key)
    if shape is None:
        for a in idx_avals:
            if a.dtype.kind not in "iu":
                raise TypeError(f"index arrays must be integers, got {a.str_short()}")
        dummy = np.broadcast_to(np.empty((), np.int8), x_aval.shape)
        try:
            shape = dummy[indexer.to_numpy([np.zeros(a.shape, np.intp) for a in idx_avals])].shape
        except IndexError as e:
            raise FungradIndexError(f"index {indexer} is invalid for an array "
                                    f"{x_aval.str_short()}: {e}") from None
        _gather_shapes[key] = shape
    return shape


def _gather_impl(x, *idx, indexer):
    if type(x) in (bool, int, float, complex):  # a weak Python scalar: index numpy's form
        x = np.asarray(x)
    try:
        return x[indexer.to_numpy(idx)]
    except IndexError as e:
        raise FungradIndexError(f"index {indexer} out of bounds for an array of shape "
                                f"{np.shape(x)}: {e}") from None


gather_p = primitive("gather", _gather_impl, lambda x, *idx, indexer: ShapedArray(
    _indexed_shape(x, idx, indexer), x.dtype))
gather_p.emit = lambda avals, indexer: None if len(avals) > 1 or avals[0].weak_type \
    else ("{0}[{index}]", {"index": indexer.to_numpy([])})


def gather(x, *idx, indexer: Indexer):
    return bind(gather_p, x, *idx, indexer=indexer)


def _scatter_impl(accumulate):
    def impl(x, updates, *idx, indexer):
        out = np.array(x, copy=True)
        index = indexer.to_numpy(idx)
        if accumulate:
            if idx:  # repeated indices must all add up: only ufunc.at does that
                np.add.at(out, index, updates)
            else:
                out[index] += updates
        else:
            out[index] = updates
        return out
    return impl


def _scatter_abstract(x, updates, *idx, indexer):
    target = _indexed_shape(x, idx, indexer)
    try:
        np.broadcast_shapes(updates.shape, target)
        if np.broadcast_shapes(updates.shape, target) != tuple(target):
            raise ValueError
    except ValueError:
        raise ValueError(f"scatter: updates {updates.str_short()} do not broadcast to the "
                         f"indexed shape {target} of {x.str_short()}{indexer}") from None
    return ShapedArray(x.shape, x.dtype)


scatter_add_p = primitive("scatter_add", _scatter_impl(True), _scatter_abstract)
scatter_p = primitive("scatter", _scatter_impl(False), _scatter_abstract)


def scatter_add(x, updates, *idx, indexer: Indexer):
    return bind(scatter_add_p, x, updates, *idx, indexer=indexer)


def scatter(x, updates, *idx, indexer: Indexer):
    return bind(scatter_p, x, updates, *idx, indexer=indexer)


def zeros(shape, dtype):
    """A zero array of this shape, as one ``broadcast_to`` of a scalar in the IR."""
    return broadcast_to(np.zeros((), dtype), tuple(shape))


def _gather_jvp(primals, tangents, indexer):
    ans = gather(*primals, indexer=indexer)
    t = tangents[0]
    return ans, None if t is None else gather(t, *primals[1:], indexer=indexer)


def _gather_vjp(g, primals, ans, needs, indexer):
    x, *idx = primals
    ct = scatter_add(zeros(_shape_of(x), _dtype_of(g)), g, *idx, indexer=indexer) \
        if needs[0] else None
    return [ct] + [None] * len(idx)


gather_p.jvp = _gather_jvp
gather_p.vjp = _gather_vjp


def _scatter_jvp(prim):
    def jvp(primals, tangents, indexer):
        x, u, *idx = primals
        ans = bind(prim, *primals, indexer=indexer)
        tx, tu = tangents[0], tangents[1]
        if tx is None and tu is None:
            return ans, None
        if tx is None:
            tx = zeros(_shape_of(x), _dtype_of(ans))
        if tu is None:
            tu = np.zeros((), _dtype_of(ans))
        return ans, bind(prim, tx, tu, *idx, indexer=indexer)
    return jvp


def _scatter_add_vjp(g, primals, ans, needs, indexer):
    x, u, *idx = primals
    return [g if needs[0] else None,
            gather(g, *idx, indexer=indexer) if needs[1] else None] + [None] * len(idx)


def _scatter_vjp(g, primals, ans, needs, indexer):
    x, u, *idx = primals
    # the overwritten positions of x get no cotangent
    ct_x = scatter(g, np.zeros((), _dtype_of(g)), *idx, indexer=indexer) if needs[0] else None
    return [ct_x, gather(g, *idx, indexer=indexer) if needs[1] else None] + [None] * len(idx)


scatter_add_p.jvp = _scatter_jvp(scatter_add_p)
scatter_add_p.vjp = _scatter_add_vjp
scatter_p.jvp = _scatter_jvp(scatter_p)
scatter_p.vjp = _scatter_vjp


def slice_axis(x, axis: int, start: int, stop: int):
    """``x[..., start:stop, ...]`` along one axis."""
    items = [slice(None)] * len(_shape_of(x))
    items[axis] = slice(start, stop)
    return gather(x, indexer=Indexer.from_numpy(items))


# ----------------------------------------------------------------------------- concatenate
def _concatenate_abstract(*avals, dimension):
    first = avals[0]
    if not all(a.ndim == first.ndim for a in avals):
        raise ValueError("concatenate: all operands must have the same rank, got "
                         + ", ".join(a.str_short() for a in avals))
    _check_axes("concatenate", first, (dimension,))
    for a in avals:
        if any(a.shape[i] != first.shape[i] for i in range(first.ndim) if i != dimension):
            raise ValueError(f"concatenate: operand shapes must match except along axis "
                             f"{dimension}, got " + ", ".join(b.str_short() for b in avals))
    shape = list(first.shape)
    shape[dimension] = sum(a.shape[dimension] for a in avals)
    dtype = np.result_type(*[a.dtype for a in avals])
    return ShapedArray(shape, dtype)


concatenate_p = primitive("concatenate", lambda *xs, dimension: np.concatenate(xs, dimension),
                          _concatenate_abstract)


def concatenate(xs, dimension: int):
    return bind(concatenate_p, *xs, dimension=int(dimension))


def _concatenate_jvp(primals, tangents, dimension):
    ans = concatenate(primals, dimension)
    if all(t is None for t in tangents):
        return ans, None
    ts = [zeros(_shape_of(p), _dtype_of(ans)) if t is None else t
          for p, t in zip(primals, tangents)]
    return ans, concatenate(ts, dimension)


def _concatenate_vjp(g, primals, ans, needs, dimension):
    cts, start = [], 0
    for p, need in zip(primals, needs):
        stop = start + _shape_of(p)[dimension]
        cts.append(slice_axis(g, dimension, start, stop) if need else None)
        start = stop
    return cts


concatenate_p.jvp = _concatenate_jvp
concatenate_p.vjp = _concatenate_vjp


# ----------------------------------------------------------------------------- pad
def _pad_abstract(x, value, pad_width):
    if value.shape != ():
        raise ValueError(f"pad: the padding value must be a scalar, got {value.str_short()}")
    if len(pad_width) != x.ndim or any(lo < 0 or hi < 0 for lo, hi in pad_width):
        raise ValueError(f"pad: pad_width {pad_width} does not fit {x.str_short()}")
    return ShapedArray([d + lo + hi for d, (lo, hi) in zip(x.shape, pad_width)], x.dtype)


pad_p = primitive("pad", lambda x, value, pad_width: np.pad(x, pad_width,
                                                            constant_values=value),
                  _pad_abstract)


def pad(x, value, pad_width):
    pad_width = tuple((int(lo), int(hi)) for lo, hi in pad_width)
    return bind(pad_p, x, value, pad_width=pad_width)


def _unpad(g, pad_width):
    items = [slice(lo, d - hi) for (lo, hi), d in zip(pad_width, _shape_of(g))]
    return gather(g, indexer=Indexer.from_numpy(items))


def _pad_vjp_value(g, ans, x, value, pad_width):
    all_axes = tuple(range(len(_shape_of(g))))
    return sub(reduce_sum(g, all_axes), reduce_sum(_unpad(g, pad_width), all_axes))


def _pad_jvp(primals, tangents, pad_width):
    x, value = primals
    ans = pad(x, value, pad_width)
    tx, tv = tangents
    if tx is None and tv is None:
        return ans, None
    tx = zeros(_shape_of(x), _dtype_of(ans)) if tx is None else tx
    tv = np.zeros((), _dtype_of(ans)) if tv is None else tv
    return ans, pad(tx, tv, pad_width)


pad_p.jvp = _pad_jvp
defvjp(pad_p, lambda g, ans, x, value, pad_width: _unpad(g, pad_width), _pad_vjp_value)


# ----------------------------------------------------------------------------- einsum
def parse_einsum(subscripts: str, shapes) -> tuple:
    """Normalize ``'ij,jk'`` to ``(('ij', 'jk'), 'ik')``, checking it against the shapes."""
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise NotImplementedError("fungrad.numpy.einsum: ellipsis ('...') in subscripts is "
                                  "not supported; write the dimensions out")
    if "->" in spec:
        ins, out = spec.split("->")
    else:
        ins = spec
        letters = ins.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    operands = tuple(ins.split(","))
    if len(operands) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(operands)} operands, "
                         f"got {len(shapes)}")
    sizes: dict = {}
    for term, shape in zip(operands, shapes):
        if len(term) != len(shape):
            raise ValueError(f"einsum: operand subscripts {term!r} do not match its shape "
                             f"{tuple(shape)}")
        for c, d in zip(term, shape):
            if c not in string.ascii_letters:
                raise ValueError(f"einsum: invalid subscript {c!r} in {subscripts!r}")
            if sizes.setdefault(c, d) != d:
                raise ValueError(f"einsum: size of label {c!r} differs: {sizes[c]} and {d} "
                                 f"in {subscripts!r} for operands of shapes "
                                 + " and ".join(str(tuple(s)) for s in shapes))
    for c in out:
        if c not in sizes:
            raise ValueError(f"einsum: output label {c!r} appears in no operand")
    return operands, out


def _einsum_abstract(*avals, operands, output):
    sizes = {}
    for term, a in zip(operands, avals):
        sizes.update(zip(term, a.shape))
    dtype = np.result_type(*[probe_value(a) for a in avals])
    return ShapedArray(tuple(sizes[c] for c in output), dtype)


einsum_p = primitive("einsum", lambda *xs, operands, output: np.einsum(
    ",".join(operands) + "->" + output, *xs), _einsum_abstract)


def einsum(operands: tuple, output: str, *xs):
    return bind(einsum_p, *xs, operands=tuple(operands), output=output)


def _einsum_jvp(primals, tangents, operands, output):
    ans = einsum(operands, output, *primals)
    out = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        args = list(primals)
        args[i] = t
        c = einsum(operands, output, *args)
        out = c if out is None else add(out, c)
    return ans, out


def _einsum_vjp(g, primals, ans, needs, operands, output):
    cts = []
    for i, need in enumerate(needs):
        if not need:
            cts.append(None)
            continue
        term = operands[i]
        if len(set(term)) != len(term):
            raise NotImplementedError(
                f"reverse-mode einsum with a repeated label in one operand ({term!r}) is not "
                "supported; use fungrad.numpy.diagonal / trace for that operand")
        others = [t for j, t in enumerate(operands) if j != i] + [output]
        known = set("".join(others))
        reachable = "".join(c for c in term if c in known)
        args = [p for j, p in enumerate(primals) if j != i] + [g]
        ct = einsum(tuple(others), reachable, *args)
        if reachable != term:  # labels only this operand has: its cotangent is constant there
            shape_i = _shape_of(primals[i])
            kept = tuple(d if c in known else 1 for c, d in zip(term, shape_i))
            ct = broadcast_to(reshape(ct, kept), shape_i)
        cts.append(ct)
    return cts


einsum_p.jvp = _einsum_jvp
einsum_p.vjp = _einsum_vjp


# ---------------------------------------------------------------------------------------------
# Batching rules (vmap): the batch is the leading axis of every batched operand. A primitive
# without one (or a rule returning None) is batched by a loop over the examples.
# ---------------------------------------------------------------------------------------------

def _batch_reshape(args, batched, size, new_sizes):
    return reshape(args[0], (size,) + new_sizes), True


def _batch_transpose(args, batched, size, permutation):
    return transpose(args[0], (0,) + tuple(p + 1 for p in permutation)), True


def _batch_broadcast_to(args, batched, size, shape):
    x = args[0]
    xs = _shape_of(x)[1:]
    x = reshape(x, (size,) + (1,) * (len(shape) - len(xs)) + xs)
    return broadcast_to(x, (size,) + shape), True


reshape_p.batch = _batch_reshape
transpose_p.batch = _batch_transpose
broadcast_to_p.batch = _batch_broadcast_to
batch_shifting(rev_p, "dimensions")
for _p in (reduce_sum_p, reduce_max_p, reduce_min_p, reduce_prod_p, reduce_and_p,
           reduce_or_p):
    batch_shifting(_p, "axes")
for _p in (argmax_p, argmin_p, argsort_p, cumsum_p, cumprod_p):
    batch_shifting(_p, "axis")


def _batch_concatenate(args, batched, size, dimension):
    xs = [x if b else broadcast_to(x, (size,) + _shape_of(x)) for x, b in zip(args, batched)]
    return concatenate(xs, dimension + 1), True


def _batch_pad(args, batched, size, pad_width):
    if batched[1]:
        return None
    return pad(args[0], args[1], ((0, 0),) + pad_width), True


def _batch_dot_general(args, batched, size, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    x, y = args
    up = lambda dims: tuple(d + 1 for d in dims)  # noqa: E731
    if batched[0] and batched[1]:  # the examples pair up: one more batch dimension
        return dot_general(x, y, ((up(lc), up(rc)), ((0,) + up(lb), (0,) + up(rb)))), True
    if batched[0]:  # x's batch axis is a free axis: it lands after the batch dimensions
        out = dot_general(x, y, ((up(lc), rc), (up(lb), rb)))
        where = len(lb)
    else:  # y's batch axis lands after the batch dimensions and x's free axes
        out = dot_general(x, y, ((lc, up(rc)), (lb, up(rb))))
        where = len(lb) + len(_shape_of(x)) - len(lc) - len(lb)
    nd = len(_shape_of(out))
    perm = (where,) + tuple(i for i in range(nd) if i != where)
    return transpose(out, perm), True


concatenate_p.batch = _batch_concatenate
pad_p.batch = _batch_pad
dot_general_p.batch = _batch_dot_general


def _batch_gather(args, batched, size, indexer):
    if any(batched[1:]) or not batched[0]:
        return None
    advanced = [i for i, it in enumerate(indexer)
                if it is ARRAY or (type(it) is int and any(j is ARRAY for j in indexer))]
    if advanced and advanced != list(range(advanced[0], advanced[-1] + 1)):
        return None  # numpy would move the indexed axes to the front: loop instead
    return gather(args[0], *args[1:], indexer=Indexer((_Slice((None, None, None)),)
                                                     + tuple(indexer))), True


gather_p.batch = _batch_gather


def _batch_einsum(args, batched, size, operands, output):
    letter = next(c for c in string.ascii_letters if c not in "".join(operands) + output)
    terms = tuple(letter + t if b else t for t, b in zip(operands, batched))
    return einsum(terms, letter + output, *args), True


einsum_p.batch = _batch_einsum
