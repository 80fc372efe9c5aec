"""Shape primitives: ``broadcast_to``, ``reshape``, ``transpose`` and ``rev`` (flip), with
``sum_to_shape`` (``broadcast_to``'s transpose) and ``zeros``.

Each is linear, so its derivatives are itself or its transpose, and each batches by moving
its params past the leading batch axis. The small helpers the other structural families
share (``_shape_of``, ``_dtype_of``, ``_check_axes``) live here, at the bottom of them.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.rules import batch_shifting, deflinear, primitive


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
    y = reductions.reduce_sum(x, axes) if axes else x
    return reshape(y, shape) if _shape_of(y) != shape else y


deflinear(broadcast_to_p, lambda g, x, shape: sum_to_shape(g, _shape_of(x)))
broadcast_to_p.broadcast_only = True  # elementwise consumers may broadcast it themselves
broadcast_to_p.emit = lambda avals, shape: \
    ("{fn}({0}, {shape})", {"fn": _broadcast_to_impl, "shape": shape})
broadcast_to_p.simplify = lambda inputs, params, ctx, out_aval: \
    inputs[0] if inputs[0].aval.shape == out_aval.shape else None


def zeros(shape, dtype):
    """A zero array of this shape, as one ``broadcast_to`` of a scalar in the IR."""
    return broadcast_to(np.zeros((), dtype), tuple(shape))


def _batch_broadcast_to(args, batched, size, shape):
    x = args[0]
    xs = _shape_of(x)[1:]
    x = reshape(x, (size,) + (1,) * (len(shape) - len(xs)) + xs)
    return broadcast_to(x, (size,) + shape), True


broadcast_to_p.batch = _batch_broadcast_to


# ----------------------------------------------------------------------------- reshape
def _reshape_abstract(aval, new_sizes):
    if int(math.prod(new_sizes)) != aval.size:
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


def _batch_reshape(args, batched, size, new_sizes):
    return reshape(args[0], (size,) + new_sizes), True


reshape_p.batch = _batch_reshape


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


def _batch_transpose(args, batched, size, permutation):
    return transpose(args[0], (0,) + tuple(p + 1 for p in permutation)), True


transpose_p.batch = _batch_transpose


# ----------------------------------------------------------------------------- rev (flip)
rev_p = primitive("rev", lambda x, dimensions: np.flip(x, dimensions),
                  lambda aval, dimensions: (_check_axes("rev", aval, dimensions),
                                            aval.strip_weak())[1])


def rev(x, dimensions):
    return bind(rev_p, x, dimensions=tuple(dimensions))


deflinear(rev_p, lambda g, x, dimensions: rev(g, dimensions))
batch_shifting(rev_p, "dimensions")


# The reductions are built on the shape primitives (their rules broadcast back), and
# broadcast_to's transpose is a sum: the module is imported last, once everything it takes
# from here exists (sum_to_shape reads reduce_sum from it when it runs).
from fungrad.prims import reductions  # noqa: E402
