"""``reduce_precision``: a float rounded to fewer exponent and mantissa bits, in its own dtype.

XLA's rule, on the bit pattern: the mantissa is rounded to ``mantissa_bits`` bits to nearest,
ties to even; then, with ``exponent_bits`` fewer than the dtype has, a magnitude above the
narrow format's largest exponent becomes infinity and one at or below its smallest normal
exponent becomes zero (the narrow format's subnormals flush to zero), both keeping the sign.
NaN stays NaN. ``reduce_precision(x, 8, 7)`` is bfloat16's
rounding of a float32, ``(5, 10)`` float16's for normal numbers.

As in JAX, the derivative treats the rounding as linear: the tangent and the cotangent are
rounded the same way.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.rules import batch_elementwise, deflinear, primitive

# (exponent bits, mantissa bits, the unsigned integer of the same width) per float dtype
_FORMATS = {np.dtype(np.float16): (5, 10, np.uint16), np.dtype(np.float32): (8, 23, np.uint32),
            np.dtype(np.float64): (11, 52, np.uint64)}


def _reduce_precision_impl(x, exponent_bits: int, mantissa_bits: int):
    x = np.asarray(x)
    src_exponent, src_mantissa, utype_ = _FORMATS[x.dtype]
    utype: Any = utype_
    bits = np.array(x, copy=True).view(utype)
    one = utype(1)
    with np.errstate(over="ignore"):
        if mantissa_bits < src_mantissa:
            shift = utype(src_mantissa - mantissa_bits)
            last_kept = one << shift
            half_below = (last_kept >> one) - one
            tie_to_even = (bits & last_kept) >> shift
            bits = (bits + (tie_to_even + half_below)) & ~(last_kept - one)
        if exponent_bits < src_exponent:
            sign_mask = one << utype(8 * x.dtype.itemsize - 1)
            exponent_mask = ((one << utype(src_exponent)) - one) << utype(src_mantissa)
            bias = 2 ** (src_exponent - 1) - 1
            narrow_bias = 2 ** (exponent_bits - 1) - 1
            exponent = bits & exponent_mask
            overflows = exponent > utype((bias + narrow_bias) << src_mantissa)
            underflows = exponent <= utype((bias - narrow_bias) << src_mantissa)
            signed_zero = bits & sign_mask
            bits = np.where(overflows, signed_zero | exponent_mask,
                            np.where(underflows, signed_zero, bits))
    out = np.asarray(bits).view(x.dtype).reshape(x.shape)
    return np.where(np.isnan(x), x, out)


def _reduce_precision_abstract(aval, exponent_bits: int, mantissa_bits: int):
    if aval.dtype not in _FORMATS:
        raise TypeError(f"reduce_precision: operand must be a float16, float32 or float64 array, "
                        f"got {aval.str_short()}")
    return ShapedArray(aval.shape, aval.dtype, aval.weak_type)


reduce_precision_p = primitive("reduce_precision", _reduce_precision_impl,
                               _reduce_precision_abstract)
reduce_precision_p.weak_propagating = True
batch_elementwise(reduce_precision_p)


def reduce_precision(x, exponent_bits: int, mantissa_bits: int):
    """Round ``x`` as a float of ``exponent_bits`` and ``mantissa_bits`` would hold it."""
    return bind(reduce_precision_p, x, exponent_bits=exponent_bits,
                mantissa_bits=mantissa_bits)


deflinear(reduce_precision_p,
          lambda g, x, exponent_bits, mantissa_bits: reduce_precision(g, exponent_bits,
                                                                      mantissa_bits))
