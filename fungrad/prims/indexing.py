"""Indexing primitives: ``gather`` (``x[index]``) and its transposes ``scatter_add`` and
``scatter`` (``x.at[index].add`` / ``.set``), with ``slice_axis``.

The static part of a numpy index (ints, slices, None, Ellipsis) is an ``Indexer`` param; the
index arrays are operands, so one IR serves every index value. ``gather`` and
``scatter_add`` are each other's transposes.
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.rules import primitive
from fungrad.prims.shapes import _dtype_of, _shape_of, zeros
from fungrad.trace_keys import register_plain_param_type


class FungradIndexError(IndexError, ValueError):
    """An index out of bounds: an IndexError as numpy raises, and a ValueError as fungrad's
    bad-input errors are."""


@register_plain_param_type  # the backward cache keys an index by its value
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
register_plain_param_type(_ArraySlot)  # one instance: compared by identity


@register_plain_param_type
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


def default_fill(dtype) -> object:
    """JAX's fill for out-of-bounds reads (``mode='fill'``): NaN, the most negative
    integer, the largest unsigned one, True.

    >>> default_fill(np.int8), default_fill(np.uint8), default_fill(np.bool_)
    (-128, 255, True)
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":
        return np.nan
    if dtype.kind == "i":
        return int(np.iinfo(dtype).min)
    if dtype.kind == "u":
        return int(np.iinfo(dtype).max)
    return True


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
