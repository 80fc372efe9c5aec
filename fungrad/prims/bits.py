"""Bit-level elementwise primitives: shifts, population count, leading zeros, nextafter.

All are integer (or float, for ``nextafter``) operations without derivatives. Shifts by an
amount outside ``[0, bits)`` give what JAX (XLA) gives: 0 for the left and logical shifts,
the sign bits for the arithmetic one -- not C's undefined behaviour.

>>> import numpy as np
>>> shift_right_logical(np.array([-8], np.int8), np.array([1], np.int8))
array([124], dtype=int8)
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind, value_aval
from fungrad.prims.elementwise import elementwise
from fungrad.prims.numeric import nextafter, nextafter_p  # noqa: F401  (lax's names)
from fungrad.prims.rules import primitive


def _unsigned(dtype: np.dtype) -> np.dtype:
    return np.dtype(f"u{dtype.itemsize}")


def _check_integer(name: str, *xs):
    for x in xs:
        if x.dtype.kind not in "iu":
            raise TypeError(f"{name}: operands must be integers, got dtype {x.dtype}")


def _shift_amounts(x, y):
    """The shift amount in range for x's width, and where it is out of range."""
    x, y = np.asarray(x), np.asarray(y)
    bits = 8 * x.dtype.itemsize
    out = (y < 0) | (y >= bits)
    return x, np.where(out, 0, y).astype(x.dtype), out, bits


def _shift_left_impl(x, y):
    _check_integer("shift_left", np.asarray(x), np.asarray(y))
    x, amount, out, _ = _shift_amounts(x, y)
    return np.where(out, np.zeros((), x.dtype), np.left_shift(x, amount))


def _shift_right_arithmetic_impl(x, y):
    _check_integer("shift_right_arithmetic", np.asarray(x), np.asarray(y))
    x, amount, out, bits = _shift_amounts(x, y)
    signed = np.dtype(f"i{x.dtype.itemsize}")  # XLA fills with the top bit, unsigned too
    amount = np.where(out, bits - 1, amount).astype(signed)
    return np.right_shift(x.astype(signed), amount).astype(x.dtype)


def _shift_right_logical_impl(x, y):
    _check_integer("shift_right_logical", np.asarray(x), np.asarray(y))
    x, amount, out, _ = _shift_amounts(x, y)
    u = _unsigned(x.dtype)
    shifted = np.right_shift(x.astype(u), amount.astype(u)).astype(x.dtype)
    return np.where(out, np.zeros((), x.dtype), shifted)


def _population_count_impl(x):
    x = np.asarray(x)
    _check_integer("population_count", x)
    # numpy counts the bits of |x|; JAX those of the two's complement pattern
    return np.bitwise_count(x.astype(_unsigned(x.dtype))).astype(x.dtype)


def _clz_impl(x):
    x = np.asarray(x)
    _check_integer("clz", x)
    bits = 8 * x.dtype.itemsize
    v = x.astype(_unsigned(x.dtype))
    shift = 1
    while shift < bits:  # smear the highest set bit into every lower one
        v = v | np.right_shift(v, np.array(shift, v.dtype))
        shift *= 2
    return (bits - np.bitwise_count(v).astype(np.int64)).astype(x.dtype)


def _mulhi_unsigned64(a, b):
    """The high 64 bits of the 128-bit product of two uint64 arrays, from 32-bit halves."""
    low = np.uint64(0xFFFFFFFF)
    s32 = np.uint64(32)
    a_hi, a_lo, b_hi, b_lo = a >> s32, a & low, b >> s32, b & low
    lo_lo = a_lo * b_lo
    mid1 = a_hi * b_lo + (lo_lo >> s32)
    mid2 = a_lo * b_hi + (mid1 & low)
    return a_hi * b_hi + (mid1 >> s32) + (mid2 >> s32)


def _mulhi_impl(x, y):
    x, y = np.asarray(x), np.asarray(y)
    _check_integer("mulhi", x, y)
    dtype = np.result_type(x, y)
    x, y = x.astype(dtype), y.astype(dtype)
    bits = 8 * dtype.itemsize
    with np.errstate(over="ignore"):
        if bits < 64:  # the exact product fits in 64 bits
            wide = np.int64 if dtype.kind == "i" else np.uint64
            return ((x.astype(wide) * y.astype(wide)) >> bits).astype(dtype)
        u = np.uint64
        hi = _mulhi_unsigned64(x.astype(u), y.astype(u))
        if dtype.kind == "i":  # two's complement: subtract the other factor per sign
            hi = hi - np.where(x < 0, y.astype(u), u(0)) - np.where(y < 0, x.astype(u), u(0))
        return hi.astype(dtype)


mulhi_p, mulhi = elementwise("mulhi", _mulhi_impl, nondiff=True)
shift_left_p, shift_left = elementwise("shift_left", _shift_left_impl, nondiff=True)
shift_right_arithmetic_p, shift_right_arithmetic = elementwise(
    "shift_right_arithmetic", _shift_right_arithmetic_impl, nondiff=True)
shift_right_logical_p, shift_right_logical = elementwise(
    "shift_right_logical", _shift_right_logical_impl, nondiff=True)
population_count_p, population_count = elementwise("population_count",
                                                   _population_count_impl, nondiff=True)
clz_p, clz = elementwise("clz", _clz_impl, nondiff=True)
# nextafter is fungrad.prims.numeric's (numpy.nextafter), the one primitive lax exposes too


# ----------------------------------------------------------------------------- bitcast
def _bitcast_shape(aval, new_dtype):
    old, new = aval.dtype.itemsize, np.dtype(new_dtype).itemsize
    if old == new:
        return aval.shape
    if old > new:
        return aval.shape + (old // new,)
    if not aval.shape or aval.shape[-1] != new // old:
        raise TypeError(f"bitcast_convert_type: casting {aval.str_short()} to the wider "
                        f"{np.dtype(new_dtype).name} needs a last axis of {new // old}")
    return aval.shape[:-1]


def _bitcast_abstract(aval, *, new_dtype):
    if aval.dtype.kind not in "biuf" or new_dtype.kind not in "biuf":
        raise TypeError(f"bitcast_convert_type: {aval.str_short()} to {new_dtype.name}: only "
                        "boolean, integer and real floating dtypes have a bit pattern here")
    return ShapedArray(_bitcast_shape(aval, new_dtype), new_dtype)


def _bitcast_impl(x, *, new_dtype):
    shape = np.shape(x)  # (ascontiguousarray makes a 0-d array 1-d)
    x = np.ascontiguousarray(x)
    _bitcast_abstract(value_aval(x.reshape(shape)), new_dtype=new_dtype)  # eager calls too
    old, new = x.dtype.itemsize, new_dtype.itemsize
    if old >= new:
        return x.view(new_dtype).reshape(shape + (() if old == new else (old // new,)))
    return x.view(new_dtype).reshape(shape[:-1])


bitcast_convert_type_p = primitive("bitcast_convert_type", _bitcast_impl, _bitcast_abstract,
                                   nondiff=True)
bitcast_convert_type_p.batch = lambda args, batched, size, new_dtype: (
    bitcast_convert_type(args[0], new_dtype), True)


def bitcast_convert_type(x, new_dtype):
    """The same bits read as ``new_dtype`` (a narrower type adds a trailing axis, a wider
    one consumes it)."""
    return bind(bitcast_convert_type_p, x, new_dtype=np.dtype(new_dtype))


# ----------------------------------------------------------------------------- reduce_xor
def _reduce_xor_abstract(aval, *, axes):
    if aval.dtype.kind not in "biu":
        raise TypeError(f"reduce_xor: the operand must be boolean or integer, got "
                        f"{aval.str_short()}")
    if any(not 0 <= a < aval.ndim for a in axes):
        raise ValueError(f"reduce_xor: axes {axes} out of bounds for {aval.str_short()}")
    return ShapedArray(tuple(d for i, d in enumerate(aval.shape) if i not in axes), aval.dtype)


def _reduce_xor_impl(x, *, axes):
    x = np.asarray(x)
    _reduce_xor_abstract(value_aval(x), axes=axes)
    return np.bitwise_xor.reduce(x, axis=axes)


reduce_xor_p = primitive("reduce_xor", _reduce_xor_impl, _reduce_xor_abstract, nondiff=True)
reduce_xor_p.batch = lambda args, batched, size, axes: (
    bind(reduce_xor_p, args[0], axes=tuple(a + 1 for a in axes)), True)


def reduce_xor(x, axes):
    """The bitwise (for booleans, logical) exclusive or over ``axes``."""
    return bind(reduce_xor_p, x, axes=tuple(sorted(int(a) for a in axes)))
