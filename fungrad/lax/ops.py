"""Elementwise operations, ``jax.lax`` style, over the elementwise primitives.

As in JAX, lax does no type promotion: the operands of a binary operation share one dtype
(``lax.add(x_f32, y_f64)`` is a TypeError; ``fungrad.numpy.add`` is the one that promotes),
with Python scalars weakly typed (``lax.mul(x_f32, 2.0)`` is float32; ``lax.mul(2.0, 3.0)`` is
the Python float ``6.0``, so ``lax.sin(2.0) * x_f32`` stays float32 eagerly, traced and under
``jit`` alike, where fungrad.numpy returns numpy's strong float64). Shapes broadcast as in
lax: operands of one rank (size-1 axes stretch) or scalars, so ``lax.add(x[3], y[2, 3])`` is
a TypeError where ``fungrad.numpy.add`` broadcasts. Where lax's meaning differs from numpy's,
lax's is kept: ``div`` of integers rounds toward zero, ``rem`` takes the dividend's sign,
``round`` rounds halves away from zero by default.

>>> import numpy as np
>>> from fungrad import lax
>>> lax.div(np.array([7, -7]), np.array([2, 2])), lax.rem(np.array([7, -7]), 2)
(array([ 3, -3]), array([ 1, -1]))
"""
from __future__ import annotations

import enum
from typing import Any, Callable

import numpy as np

from fungrad.core import get_aval
from fungrad.lax.dtypes import (check_abstract, check_same_dtypes, check_same_ranks,
                                 check_same_shapes, operand_avals)
from fungrad.prims import bits
from fungrad.prims import complex as cplx
from fungrad.prims import precision
from fungrad.prims import elementwise as ew

__all__ = [
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
    "bitwise_not", "bitwise_or", "bitwise_xor", "cbrt", "ceil", "clamp", "clz", "complex",
    "conj", "cos", "cosh", "div", "eq", "exp", "exp2", "expm1", "floor", "ge", "gt", "imag",
    "integer_pow", "is_finite", "le", "log", "log1p", "logistic", "lt", "max", "min", "mul",
    "mulhi", "ne", "neg", "nextafter", "population_count", "pow", "real", "reciprocal",
    "reduce_precision", "rem", "round", "RoundingMethod", "rsqrt", "shift_left",
    "shift_right_arithmetic", "shift_right_logical", "sign", "sin", "sinh", "sqrt", "square",
    "sub", "tan", "tanh",
]

Array = Any


def same_dtype_binary(name: str, compute: Callable, numpy_name: str | None, doc: str,
                      cast_weak: bool = False,
                      integers_only: bool = False) -> Callable[[Array, Array], Array]:
    """The lax function ``name(x, y)``: ``compute(x, y)`` once the operands are checked to
    share one dtype (``numpy_name`` is the promoting fungrad.numpy function the error
    suggests), and with ``integers_only`` to be integers or booleans. With ``cast_weak``, a
    Python-scalar operand is first cast to the other's dtype, for ``compute``s that do not
    follow numpy's weak promotion themselves."""
    def binary(x: Array, y: Array) -> Array:
        check_same_dtypes(name, {"x": x, "y": y}, numpy_name)
        check_same_ranks(name, {"x": x, "y": y})
        if integers_only:
            check_integers(name, x, y)
        if cast_weak:
            x, y = _weak_cast(x, y)
        return compute(x, y)
    binary.__name__ = binary.__qualname__ = name
    binary.__doc__ = doc
    return binary


def check_integers(name: str, *operands: Array) -> None:
    """A TypeError unless every operand is an integer or boolean array (bitwise operations)."""
    for arg, aval in zip("xy", operand_avals(name, dict(zip("xy", operands)))):
        if aval.dtype.kind not in "biu":
            raise TypeError(f"lax.{name}: {arg} must be an integer or boolean array, got "
                            f"{aval.str_short()}")


def _weak_cast(x: Array, y: Array) -> tuple:
    """A weakly typed operand cast to the other operand's (strong) dtype."""
    xa, ya = get_aval(x), get_aval(y)
    if xa.weak_type and not ya.weak_type:
        return ew.convert_element_type(x, ya.dtype), y
    if ya.weak_type and not xa.weak_type:
        return x, ew.convert_element_type(y, xa.dtype)
    return x, y


# ----------------------------------------------------------------------------- arithmetic
add = same_dtype_binary("add", ew.add, 'add', """``x + y``.

    >>> add(1.0, 2.0)
    3.0
    """)


sub = same_dtype_binary("sub", ew.sub, 'subtract', """``x - y``.

    >>> sub(1.0, 2.0)
    -1.0
    """)


mul = same_dtype_binary("mul", ew.mul, 'multiply', """``x * y``.

    >>> mul(3.0, 2.0)
    6.0
    """)


def div(x: Array, y: Array) -> Array:
    """``x / y``; integers divide rounding toward zero (C's division, not Python's floor).

    >>> import numpy as np
    >>> div(np.array([-7, 7]), 2), div(1.0, 4.0)
    (array([-3,  3]), 0.25)
    """
    check_same_dtypes("div", {"x": x, "y": y}, "divide")
    check_same_ranks("div", {"x": x, "y": y})
    xd, yd = get_aval(x).dtype, get_aval(y).dtype
    if xd.kind in "iub" and yd.kind in "iub":
        q = ew.floor_divide(x, y)
        # floor rounds down; toward zero differs where the signs differ and y does not divide
        inexact = ew.ne(ew.fmod(x, y), 0)
        differ = ew.ne(ew.lt(x, 0), ew.lt(y, 0))
        return ew.add(q, ew.convert_element_type(ew.logical_and(inexact, differ),
                                                 get_aval(q).dtype))
    return ew.div(x, y)


rem = same_dtype_binary("rem", ew.fmod, 'fmod', """The remainder of ``div``: the sign of ``x``
    (C's ``fmod``, not Python's ``%``).

    >>> rem(-7.0, 2.0)
    -1.0
    """)


def pow(x: Array, y: Array) -> Array:  # noqa: A001
    """``x ** y`` for a float or complex ``x``; ``y`` has ``x``'s dtype or is an integer
    array (then the result keeps ``x``'s dtype, as in JAX, where numpy would promote).

    >>> import numpy as np
    >>> pow(2.0, 3.0), pow(np.float32(2.0), np.array([3, -1], np.int32))
    (8.0, array([8. , 0.5], dtype=float32))
    """
    xa, ya = operand_avals("pow", {"x": x, "y": y})
    check_same_ranks("pow", {"x": x, "y": y})
    if xa.dtype.kind not in "fc" or ya.dtype.kind not in "iufc":
        raise TypeError(f"lax.pow: x must have a float or complex dtype and y a float, complex "
                        f"or integer one, got x: {xa.str_short()}, y: {ya.str_short()}")
    if ya.dtype.kind in "iu":  # a Python int stays a weak Python scalar
        return ew.power(x, float(y) if type(y) is int else ew.convert_element_type(y, xa.dtype))
    check_same_dtypes("pow", {"x": x, "y": y}, "power")
    return ew.power(x, y)


def integer_pow(x: Array, y: int) -> Array:
    """``x ** y`` for a Python int ``y``, by repeated multiplication (exact at ``x = 0``).

    >>> import numpy as np
    >>> integer_pow(np.array([2.0, -1.0]), 3)
    array([ 8., -1.])
    """
    if isinstance(y, bool) or not isinstance(y, (int, np.integer)):
        raise TypeError(f"integer_pow: the exponent y must be a Python int, got {y!r}")
    return ew.integer_pow(x, int(y))


max = same_dtype_binary("max", ew.maximum, 'maximum', """The elementwise maximum (NaN if either
    is NaN); ties share the derivative.

    >>> max(1.0, 2.0)
    2.0
    """)


min = same_dtype_binary("min", ew.minimum, 'minimum', """The elementwise minimum (NaN if either
    is NaN); ties share the derivative.

    >>> min(1.0, 2.0)
    1.0
    """)


def neg(x: Array) -> Array:
    """``-x``.

    >>> neg(2.0)
    -2.0
    """
    return ew.neg(x)


def abs(x: Array) -> Array:  # noqa: A001
    """``|x|``.

    >>> abs(-2.0)
    2.0
    """
    return ew.absolute(x)


def sign(x: Array) -> Array:
    """-1, 0 or 1 by the sign of ``x``.

    >>> sign(-2.0)
    -1.0
    """
    return ew.sign(x)


def square(x: Array) -> Array:
    """``x * x``.

    >>> square(3.0)
    9.0
    """
    return ew.square(x)


def reciprocal(x: Array) -> Array:
    """``1 / x``.

    >>> reciprocal(4.0)
    0.25
    """
    return ew.reciprocal(x)


def clamp(min: Array, x: Array, max: Array) -> Array:  # noqa: A002
    """``x`` clipped to ``[min, max]`` (lax's argument order: the bounds around ``x``).

    >>> import numpy as np
    >>> clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0)
    array([0. , 0.5, 1. ])
    """
    check_same_dtypes("clamp", {"min": min, "x": x, "max": max})
    check_same_shapes("clamp", {"x": x}, {"min": min, "max": max})
    return ew.minimum(ew.maximum(x, min), max)


# ----------------------------------------------------------------------------- rounding
class RoundingMethod(enum.IntEnum):
    """How ``round`` breaks ties: ``AWAY_FROM_ZERO`` (lax's default) or
    ``TO_NEAREST_EVEN`` (numpy's).

    >>> RoundingMethod.TO_NEAREST_EVEN.value
    1
    """
    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def round(x: Array, rounding_method: Any = RoundingMethod.AWAY_FROM_ZERO) -> Array:  # noqa
    """Round to the nearest integer, halves away from zero (or to even with
    ``RoundingMethod.TO_NEAREST_EVEN``).

    >>> import numpy as np
    >>> round(np.array([0.5, 1.5, -2.5]))
    array([ 1.,  2., -3.])
    """
    method = RoundingMethod(rounding_method)
    if method == RoundingMethod.TO_NEAREST_EVEN:
        return ew.rint(x)
    return ew.mul(ew.sign(x), ew.floor(ew.add(ew.absolute(x), 0.5)))


def floor(x: Array) -> Array:
    """The largest integer not above ``x``.

    >>> floor(-1.5)
    -2.0
    """
    return ew.floor(x)


def ceil(x: Array) -> Array:
    """The smallest integer not below ``x``.

    >>> ceil(-1.5)
    -1.0
    """
    return ew.ceil(x)


def is_finite(x: Array) -> Array:
    """Neither infinite nor NaN.

    >>> import numpy as np
    >>> is_finite(np.array([1.0, np.inf, np.nan]))
    array([ True, False, False])
    """
    return ew.isfinite(x)


def nextafter(x1: Array, x2: Array) -> Array:
    """The next representable number after ``x1`` in the direction of ``x2``.

    >>> nextafter(1.0, 2.0) > 1.0
    True
    """
    check_same_dtypes("nextafter", {"x1": x1, "x2": x2}, "nextafter")
    check_same_ranks("nextafter", {"x1": x1, "x2": x2})
    return bits.nextafter(x1, x2)


# ----------------------------------------------------------------------------- transcendental
def exp(x: Array) -> Array:
    """``e ** x``.

    >>> exp(0.0)
    1.0
    """
    return ew.exp(x)


def exp2(x: Array) -> Array:
    """``2 ** x``.

    >>> exp2(3.0)
    8.0
    """
    return ew.exp2(x)


def expm1(x: Array) -> Array:
    """``e ** x - 1``, accurate near 0.

    >>> expm1(0.0)
    0.0
    """
    return ew.expm1(x)


def log(x: Array) -> Array:
    """The natural logarithm.

    >>> log(1.0)
    0.0
    """
    return ew.log(x)


def log1p(x: Array) -> Array:
    """``log(1 + x)``, accurate near 0.

    >>> log1p(0.0)
    0.0
    """
    return ew.log1p(x)


def logistic(x: Array) -> Array:
    """The logistic sigmoid ``1 / (1 + e ** -x)``.

    >>> logistic(0.0)
    0.5
    """
    return ew.logistic(x)


def sqrt(x: Array) -> Array:
    """The square root.

    >>> sqrt(4.0)
    2.0
    """
    return ew.sqrt(x)


def rsqrt(x: Array) -> Array:
    """``1 / sqrt(x)``.

    >>> rsqrt(4.0)
    0.5
    """
    return ew.reciprocal(ew.sqrt(x))


def cbrt(x: Array) -> Array:
    """The real cube root.

    >>> cbrt(-8.0)
    -2.0
    """
    return ew.cbrt(x)


def sin(x: Array) -> Array:
    """The sine.

    >>> sin(0.0)
    0.0
    """
    return ew.sin(x)


def cos(x: Array) -> Array:
    """The cosine.

    >>> cos(0.0)
    1.0
    """
    return ew.cos(x)


def tan(x: Array) -> Array:
    """The tangent.

    >>> tan(0.0)
    0.0
    """
    return ew.tan(x)


def asin(x: Array) -> Array:
    """The inverse sine.

    >>> asin(0.0)
    0.0
    """
    return ew.arcsin(x)


def acos(x: Array) -> Array:
    """The inverse cosine.

    >>> acos(1.0)
    0.0
    """
    return ew.arccos(x)


def atan(x: Array) -> Array:
    """The inverse tangent.

    >>> atan(0.0)
    0.0
    """
    return ew.arctan(x)


atan2 = same_dtype_binary("atan2", ew.arctan2, 'arctan2', """The angle of the point ``(y, x)``:
    ``atan(x / y)`` in the right quadrant.

    >>> atan2(1.0, 1.0) * 4
    3.141592653589793
    """)


def sinh(x: Array) -> Array:
    """The hyperbolic sine.

    >>> sinh(0.0)
    0.0
    """
    return ew.sinh(x)


def cosh(x: Array) -> Array:
    """The hyperbolic cosine.

    >>> cosh(0.0)
    1.0
    """
    return ew.cosh(x)


def tanh(x: Array) -> Array:
    """The hyperbolic tangent.

    >>> tanh(0.0)
    0.0
    """
    return ew.tanh(x)


def asinh(x: Array) -> Array:
    """The inverse hyperbolic sine.

    >>> asinh(0.0)
    0.0
    """
    return ew.arcsinh(x)


def acosh(x: Array) -> Array:
    """The inverse hyperbolic cosine.

    >>> acosh(1.0)
    0.0
    """
    return ew.arccosh(x)


def atanh(x: Array) -> Array:
    """The inverse hyperbolic tangent.

    >>> atanh(0.0)
    0.0
    """
    return ew.arctanh(x)


# ----------------------------------------------------------------------------- comparisons
eq = same_dtype_binary("eq", ew.eq, 'equal', """``x == y``.

    >>> eq(1.0, 1.0)
    True
    """)


ne = same_dtype_binary("ne", ew.ne, 'not_equal', """``x != y``.

    >>> ne(1.0, 1.0)
    False
    """)


lt = same_dtype_binary("lt", ew.lt, 'less', """``x < y``.

    >>> lt(1.0, 2.0)
    True
    """)


le = same_dtype_binary("le", ew.le, 'less_equal', """``x <= y``.

    >>> le(2.0, 2.0)
    True
    """)


gt = same_dtype_binary("gt", ew.gt, 'greater', """``x > y``.

    >>> gt(1.0, 2.0)
    False
    """)


ge = same_dtype_binary("ge", ew.ge, 'greater_equal', """``x >= y``.

    >>> ge(1.0, 2.0)
    False
    """)


# ----------------------------------------------------------------------------- bitwise
bitwise_and = same_dtype_binary("bitwise_and", ew.bitwise_and, 'bitwise_and', """Bitwise (for
    booleans, logical) and.

    >>> import numpy as np
    >>> bitwise_and(np.array([6]), np.array([3]))
    array([2])
    """, integers_only=True)


bitwise_or = same_dtype_binary("bitwise_or", ew.bitwise_or, 'bitwise_or', """Bitwise (for
    booleans, logical) or.

    >>> import numpy as np
    >>> bitwise_or(np.array([6]), np.array([3]))
    array([7])
    """, integers_only=True)


bitwise_xor = same_dtype_binary("bitwise_xor", ew.bitwise_xor, 'bitwise_xor', """Bitwise (for
    booleans, logical) exclusive or.

    >>> import numpy as np
    >>> bitwise_xor(np.array([6]), np.array([3]))
    array([5])
    """, integers_only=True)


def bitwise_not(x: Array) -> Array:
    """Bitwise (for booleans, logical) not.

    >>> import numpy as np
    >>> bitwise_not(np.array([0, 1], np.int8))
    array([-1, -2], dtype=int8)
    """
    check_integers("bitwise_not", x)
    return ew.bitwise_not(x)


shift_left = same_dtype_binary("shift_left", bits.shift_left, 'left_shift', """``x << y``; 0
    where the shift is outside ``[0, bits)``.

    >>> import numpy as np
    >>> shift_left(np.array([1, 1], np.int32), np.array([3, 40], np.int32))
    array([8, 0], dtype=int32)
    """, cast_weak=True)


shift_right_arithmetic = same_dtype_binary("shift_right_arithmetic",
    bits.shift_right_arithmetic, 'right_shift', """``x >> y`` filling with the sign bit (all
    sign bits past the width).

    >>> import numpy as np
    >>> shift_right_arithmetic(np.array([-8], np.int32), np.array([1], np.int32))
    array([-4], dtype=int32)
    """, cast_weak=True)


shift_right_logical = same_dtype_binary("shift_right_logical", bits.shift_right_logical, None,
    """``x >> y`` filling with zeros (0 past the width).

    >>> import numpy as np
    >>> shift_right_logical(np.array([-8], np.int8), np.array([4], np.int8))
    array([15], dtype=int8)
    """, cast_weak=True)


mulhi = same_dtype_binary("mulhi", bits.mulhi, None, """The high half of the double-width
    product of two integers (signed as their dtype).

    >>> import numpy as np
    >>> mulhi(np.array([2 ** 30, -3], np.int32), np.array([8, 2 ** 31 - 1], np.int32))
    array([ 2, -2], dtype=int32)
    """, cast_weak=True)


def population_count(x: Array) -> Array:
    """The number of set bits (of the two's-complement pattern), in ``x``'s dtype.

    >>> import numpy as np
    >>> population_count(np.array([7, -1], np.int8))
    array([3, 8], dtype=int8)
    """
    return bits.population_count(x)


def clz(x: Array) -> Array:
    """The number of leading zero bits.

    >>> import numpy as np
    >>> clz(np.array([1, 0, -1], np.int32))
    array([31, 32,  0], dtype=int32)
    """
    return bits.clz(x)


# ----------------------------------------------------------------------------- complex parts
def complex(x: Array, y: Array) -> Array:  # noqa: A001
    """``x + 1j * y`` from real and imaginary parts of one float dtype.

    >>> import numpy as np
    >>> complex(np.array([1.0, 0.0]), np.array([2.0, -1.0]))
    array([1.+2.j, 0.-1.j])
    """
    xa, ya = operand_avals("complex", {"x": x, "y": y})
    check_same_dtypes("complex", {"x": x, "y": y})
    check_same_ranks("complex", {"x": x, "y": y})
    if xa.weak_type != ya.weak_type:  # a Python scalar part takes the other part's dtype
        x, y = (ew.convert_element_type(x, ya.dtype) if xa.weak_type else x,
                ew.convert_element_type(y, xa.dtype) if ya.weak_type else y)
    return cplx.make_complex(x, y)


def conj(x: Array) -> Array:
    """The complex conjugate; a real ``x`` becomes complex (as in JAX).

    >>> import numpy as np
    >>> conj(np.array([1 + 2j])), conj(np.float32(3.0))
    (array([1.-2.j]), np.complex64(3+0j))
    """
    aval = operand_avals("conj", {"x": x})[0]
    if aval.dtype.kind in "biu" or aval.dtype not in cplx.COMPLEX_OF and aval.dtype.kind != "c":
        raise TypeError(f"lax.conj: x must be a float or complex array, got {aval.str_short()}")
    if aval.dtype.kind != "c":
        return ew.convert_element_type(x, cplx.COMPLEX_OF[aval.dtype])
    return cplx.conj(x)


def real(x: Array) -> Array:
    """The real part of a complex array.

    >>> import numpy as np
    >>> real(np.array([1 + 2j], np.complex64))
    array([1.], dtype=float32)
    """
    _complex_operand("real", x)
    return cplx.real(x)


def imag(x: Array) -> Array:
    """The imaginary part of a complex array.

    >>> import numpy as np
    >>> imag(np.array([1 + 2j]))
    array([2.])
    """
    _complex_operand("imag", x)
    return cplx.imag(x)


def _complex_operand(name: str, x) -> None:
    aval = operand_avals(name, {"x": x})[0]
    if aval.dtype.kind != "c":
        raise TypeError(f"lax.{name}: x must be a complex array, got {aval.str_short()} "
                        f"(fungrad.numpy.{name} also takes real arrays)")


# ----------------------------------------------------------------------------- precision
def reduce_precision(operand: Array, exponent_bits: int, mantissa_bits: int) -> Array:
    """``operand`` rounded to a float format of ``exponent_bits`` and ``mantissa_bits``,
    kept in its own dtype: mantissa to nearest (ties to even), overflow to infinity, the
    narrow format's subnormals to zero (XLA's rule). ``(8, 7)`` is bfloat16's rounding.
    Its derivative rounds the tangent the same way (as JAX's).

    >>> import numpy as np
    >>> reduce_precision(np.array([1.0 + 2 ** -11, 1e6, 1e-9], np.float32), 5, 10)
    array([ 1., inf,  0.], dtype=float32)
    """
    for arg, bits_ in (("exponent_bits", exponent_bits), ("mantissa_bits", mantissa_bits)):
        if isinstance(bits_, bool) or not isinstance(bits_, (int, np.integer)):
            raise TypeError(f"lax.reduce_precision: {arg} must be an int, got {bits_!r}")
    if exponent_bits < 1 or mantissa_bits < 0:
        raise ValueError(f"lax.reduce_precision: needs exponent_bits >= 1 and mantissa_bits "
                         f">= 0, got {exponent_bits} and {mantissa_bits}")
    aval = operand_avals("reduce_precision", {"operand": operand})[0]
    check_abstract(precision.reduce_precision_p, aval, exponent_bits=int(exponent_bits),
                   mantissa_bits=int(mantissa_bits))
    return precision.reduce_precision(operand, int(exponent_bits), int(mantissa_bits))
