"""Slicing at traced positions: ``dynamic_slice`` and ``dynamic_update_slice``.

The start indices are operands (scalars, possibly traced), the sizes are params, so one IR
serves every start. As in XLA, a start is clamped so the slice stays inside the operand:
``0 <= start <= dim - size``. Each is linear in its array operands and the other's
transpose: the cotangent of a slice is written into zeros, the cotangent of an update is
sliced out.

>>> import numpy as np
>>> dynamic_slice(np.arange(5.0), [np.int64(3)], (3,))  # start 3 clamped to 2
array([2., 3., 4.])
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind, value_aval
from fungrad.prims.rules import primitive
from fungrad.prims.structural import broadcast_to, zeros


def _clamped_starts(starts, shape, sizes) -> tuple:
    return tuple(int(min(max(int(s), 0), d - k)) for s, d, k in zip(starts, shape, sizes))


def _check_starts(name: str, operand, starts):
    if len(starts) != operand.ndim:
        raise TypeError(f"{name}: needs one start index per axis of the operand "
                        f"{operand.str_short()}, got {len(starts)}")
    for i, s in enumerate(starts):
        if s.shape != () or s.dtype.kind not in "iu":
            raise TypeError(f"{name}: start index {i} must be an integer scalar, got "
                            f"{s.str_short()}")


def _dynamic_slice_abstract(operand, *starts, slice_sizes):
    _check_starts("dynamic_slice", operand, starts)
    if len(slice_sizes) != operand.ndim or any(
            not 0 <= k <= d for k, d in zip(slice_sizes, operand.shape)):
        raise TypeError(f"dynamic_slice: slice_sizes {slice_sizes} must give one size per "
                        f"axis of the operand {operand.str_short()}, each within the axis")
    return ShapedArray(slice_sizes, operand.dtype)


def _dynamic_slice_impl(operand, *starts, slice_sizes):
    operand = np.asarray(operand)
    _dynamic_slice_abstract(value_aval(operand), *map(value_aval, starts),
                            slice_sizes=slice_sizes)  # eager calls check too
    begin = _clamped_starts(starts, operand.shape, slice_sizes)
    return operand[tuple(slice(b, b + k) for b, k in zip(begin, slice_sizes))]


dynamic_slice_p = primitive("dynamic_slice", _dynamic_slice_impl, _dynamic_slice_abstract)


def dynamic_slice(operand, starts, slice_sizes):
    """``operand[s0:s0+k0, s1:s1+k1, ...]`` with starts clamped into the operand."""
    return bind(dynamic_slice_p, operand, *starts,
                slice_sizes=tuple(int(k) for k in slice_sizes))


def _dus_abstract(operand, update, *starts):
    _check_starts("dynamic_update_slice", operand, starts)
    if update.ndim != operand.ndim or any(u > d for u, d in zip(update.shape, operand.shape)):
        raise TypeError(f"dynamic_update_slice: the update {update.str_short()} must have the "
                        f"operand's rank and fit inside the operand {operand.str_short()}")
    return ShapedArray(operand.shape, operand.dtype)


def _dus_impl(operand, update, *starts):
    out = np.array(operand, copy=True)
    update = np.asarray(update)
    _dus_abstract(value_aval(out), value_aval(update), *map(value_aval, starts))
    begin = _clamped_starts(starts, out.shape, update.shape)
    out[tuple(slice(b, b + k) for b, k in zip(begin, update.shape))] = update
    return out


dynamic_update_slice_p = primitive("dynamic_update_slice", _dus_impl, _dus_abstract)


def dynamic_update_slice(operand, update, starts):
    """``operand`` with ``update`` written at the (clamped) starts."""
    return bind(dynamic_update_slice_p, operand, update, *starts)


# ----------------------------------------------------------------------------- derivatives
def _dynamic_slice_jvp(primals, tangents, slice_sizes):
    x, *starts = primals
    ans = dynamic_slice(x, starts, slice_sizes)
    t = tangents[0]
    return ans, None if t is None else dynamic_slice(t, starts, slice_sizes)


def _dynamic_slice_vjp(g, primals, ans, needs, slice_sizes):
    x, *starts = primals
    if not needs[0]:
        return [None] * len(primals)
    ct = dynamic_update_slice(zeros(x.shape, g.dtype), g, starts)
    return [ct] + [None] * len(starts)


def _dus_jvp(primals, tangents):
    x, u, *starts = primals
    ans = dynamic_update_slice(x, u, starts)
    tx, tu = tangents[0], tangents[1]
    if tx is None and tu is None:
        return ans, None
    dtype = ans.dtype
    tx = zeros(x.shape, dtype) if tx is None else tx
    tu = zeros(u.shape, dtype) if tu is None else tu
    return ans, dynamic_update_slice(tx, tu, starts)


def _dus_vjp(g, primals, ans, needs):
    x, u, *starts = primals
    ct_x = dynamic_update_slice(g, zeros(u.shape, g.dtype), starts) if needs[0] else None
    ct_u = dynamic_slice(g, starts, u.shape) if needs[1] else None
    return [ct_x, ct_u] + [None] * len(starts)


dynamic_slice_p.jvp, dynamic_slice_p.vjp = _dynamic_slice_jvp, _dynamic_slice_vjp
dynamic_update_slice_p.jvp, dynamic_update_slice_p.vjp = _dus_jvp, _dus_vjp


# ----------------------------------------------------------------------------- batching
_ZERO = np.int64(0)


def _per_example_index(x_shape, starts, batched_starts, sizes, size):
    """A start per example: index arrays (batch, then one per axis) broadcast to
    (batch, sizes...), each start clamped as XLA clamps it."""
    from fungrad.prims.elementwise import add, convert_element_type, maximum, minimum
    from fungrad.prims.structural import reshape
    nd = len(sizes)
    arrays = [np.arange(size).reshape((size,) + (1,) * nd)]
    for d, (s, b) in enumerate(zip(starts, batched_starts)):
        s = convert_element_type(s, np.int64)
        s = minimum(maximum(s, 0), x_shape[d] - sizes[d])
        s = reshape(s, ((size,) if b else (1,)) + (1,) * nd)
        offset = np.arange(sizes[d]).reshape((1,) + tuple(sizes[d] if i == d else 1
                                                          for i in range(nd)))
        arrays.append(add(s, offset))
    return arrays


def _batch_dynamic_slice(args, batched, size, slice_sizes):
    x, starts = args[0], list(args[1:])
    if not any(batched[1:]):
        return dynamic_slice(x, [_ZERO] + starts, (size,) + slice_sizes), True
    from fungrad.prims.structural import ARRAY, Indexer, gather
    # a start per example: one gather of every example's block
    shape = tuple(x.shape[1:]) if batched[0] else tuple(x.shape)
    arrays = _per_example_index(shape, starts, batched[1:], slice_sizes, size)
    if not batched[0]:
        arrays = arrays[1:]
    return gather(x, *arrays, indexer=Indexer([ARRAY] * len(arrays))), True


def _batch_dus(args, batched, size):
    x, u = args[0], args[1]
    if any(batched[2:]):
        from fungrad.prims.structural import ARRAY, Indexer, scatter
        if not batched[0]:
            x = broadcast_to(x, (size,) + tuple(x.shape))
        if not batched[1]:
            u = broadcast_to(u, (size,) + tuple(u.shape))
        sizes = tuple(u.shape[1:])
        arrays = _per_example_index(tuple(x.shape[1:]), list(args[2:]), batched[2:], sizes,
                                    size)
        return scatter(x, u, *arrays, indexer=Indexer([ARRAY] * len(arrays))), True
    if not batched[0]:
        x = broadcast_to(x, (size,) + tuple(x.shape))
    if not batched[1]:
        u = broadcast_to(u, (size,) + tuple(u.shape))
    return dynamic_update_slice(x, u, [_ZERO] + list(args[2:])), True


dynamic_slice_p.batch = _batch_dynamic_slice
dynamic_update_slice_p.batch = _batch_dus


# ----------------------------------------------------------------------------- scatter combine
def _combine_impl(x, updates, *idx, indexer, op):
    out = np.array(x, copy=True)
    ufunc = {"mul": np.multiply, "min": np.minimum, "max": np.maximum}[op]
    ufunc.at(out, indexer.to_numpy(idx), updates)  # every repeated index combines
    return out


def _combine_abstract(x, updates, *idx, indexer, op):
    from fungrad.prims.structural import scatter_add_p
    return scatter_add_p.abstract_eval(x, updates, *idx, indexer=indexer)


scatter_combine_p = primitive("scatter_combine", _combine_impl, _combine_abstract)


def _combine_jvp(primals, tangents, indexer, op):
    if any(t is not None for t in tangents):
        raise NotImplementedError(
            f"scatter_{op}: no derivative with respect to updates that may share an index "
            "(as in JAX); pass unique_indices=True if the indices are unique")
    return bind(scatter_combine_p, *primals, indexer=indexer, op=op), None


def _combine_vjp(g, primals, ans, needs, indexer, op):
    if any(needs):
        raise NotImplementedError(
            f"scatter_{op}: no derivative with respect to updates that may share an index "
            "(as in JAX); pass unique_indices=True if the indices are unique")
    return [None] * len(primals)


scatter_combine_p.jvp, scatter_combine_p.vjp = _combine_jvp, _combine_vjp


def scatter_combine(x, updates, idx, indexer, op: str):
    """``x`` with ``updates`` combined in at ``x[indexer(idx)]`` by ``op`` (mul, min,
    max), repeated indices all taking part: the values of lax's scatter_mul/min/max."""
    return bind(scatter_combine_p, x, updates, *idx, indexer=indexer, op=op)
