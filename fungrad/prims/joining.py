"""Joining and padding primitives: ``concatenate`` and ``pad``. Both are linear in their
array operands; their cotangents are slices of the output's (``slice_axis``, ``gather``).
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.elementwise import sub
from fungrad.prims.indexing import Indexer, gather, slice_axis
from fungrad.prims.reductions import reduce_sum
from fungrad.prims.rules import defvjp, primitive
from fungrad.prims.shapes import _check_axes, _dtype_of, _shape_of, broadcast_to, zeros


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


def _batch_concatenate(args, batched, size, dimension):
    xs = [x if b else broadcast_to(x, (size,) + _shape_of(x)) for x, b in zip(args, batched)]
    return concatenate(xs, dimension + 1), True


concatenate_p.batch = _batch_concatenate


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


def _batch_pad(args, batched, size, pad_width):
    if batched[1]:
        return None
    return pad(args[0], args[1], ((0, 0),) + pad_width), True


pad_p.batch = _batch_pad
