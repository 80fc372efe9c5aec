"""Elementwise operations, ``jax.lax`` style, over the elementwise primitives.

Where JAX's lax asks for operands of one dtype, fungrad accepts what numpy would combine
(numpy's promotion and broadcasting); where lax's meaning differs from numpy's, lax's is
kept: ``div`` of integers rounds toward zero, ``rem`` takes the dividend's sign, ``round``
rounds halves away from zero by default. Python-scalar operands stay weakly typed, as in
JAX: ``lax.mul(2.0, 3.0)`` is the Python float ``6.0``, so ``lax.sin(2.0) * x_f32`` stays
float32 eagerly, traced and under ``jit`` alike (fungrad.numpy's functions return numpy's
strong float64 there instead, as numpy does).

>>> import numpy as np
>>> from fungrad import lax
>>> lax.div(np.array([7, -7]), np.array([2, 2])), lax.rem(np.array([7, -7]), 2)
(array([ 3, -3]), array([ 1, -1]))
"""
from __future__ import annotations

import enum
from typing import Any

import numpy as np

from fungrad.core import get_aval
from fungrad.prims import bits
from fungrad.prims import elementwise as ew

__all__ = [
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
    "bitwise_not", "bitwise_or", "bitwise_xor", "cbrt", "ceil", "clamp", "clz", "cos", "cosh",
    "div", "eq", "exp", "exp2", "expm1", "floor", "ge", "gt", "integer_pow", "is_finite", "le",
    "log", "log1p", "logistic", "lt", "max", "min", "mul", "mulhi", "ne", "neg", "nextafter",
    "population_count", "pow", "reciprocal", "rem", "round", "RoundingMethod", "rsqrt",
    "shift_left", "shift_right_arithmetic", "shift_right_logical", "sign", "sin", "sinh", "sqrt", "square",
    "sub", "tan", "tanh",
]

Array = Any


# ----------------------------------------------------------------------------- arithmetic
def add(x: Array, y: Array) -> Array:
    """``x + y``.

    >>> add(1.0, 2.0)
    3.0
    """
    return ew.add(x, y)


def sub(x: Array, y: Array) -> Array:
    """``x - y``.

    >>> sub(1.0, 2.0)
    -1.0
    """
    return ew.sub(x, y)


def mul(x: Array, y: Array) -> Array:
    """``x * y``.

    >>> mul(3.0, 2.0)
    6.0
    """
    return ew.mul(x, y)


def div(x: Array, y: Array) -> Array:
    """``x / y``; integers divide rounding toward zero (C's division, not Python's floor).

    >>> import numpy as np
    >>> div(np.array([-7, 7]), 2), div(1.0, 4.0)
    (array([-3,  3]), 0.25)
    """
    xd, yd = get_aval(x).dtype, get_aval(y).dtype
    if xd.kind in "iub" and yd.kind in "iub":
        q = ew.floor_divide(x, y)
        # floor rounds down; toward zero differs where the signs differ and y does not divide
        inexact = ew.ne(ew.fmod(x, y), 0)
        differ = ew.ne(ew.lt(x, 0), ew.lt(y, 0))
        return ew.add(q, ew.convert_element_type(ew.logical_and(inexact, differ),
                                                 get_aval(q).dtype))
    return ew.div(x, y)


def rem(x: Array, y: Array) -> Array:
    """The remainder of ``div``: the sign of ``x`` (C's ``fmod``, not Python's ``%``).

    >>> rem(-7.0, 2.0)
    -1.0
    """
    return ew.fmod(x, y)


def pow(x: Array, y: Array) -> Array:  # noqa: A001
    """``x ** y``.

    >>> pow(2.0, 3.0)
    8.0
    """
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


def max(x: Array, y: Array) -> Array:  # noqa: A001
    """The elementwise maximum (NaN if either is NaN); ties share the derivative.

    >>> max(1.0, 2.0)
    2.0
    """
    return ew.maximum(x, y)


def min(x: Array, y: Array) -> Array:  # noqa: A001
    """The elementwise minimum (NaN if either is NaN); ties share the derivative.

    >>> min(1.0, 2.0)
    1.0
    """
    return ew.minimum(x, y)


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


def atan2(x: Array, y: Array) -> Array:
    """The angle of the point ``(y, x)``: ``atan(x / y)`` in the right quadrant.

    >>> atan2(1.0, 1.0) * 4
    3.141592653589793
    """
    return ew.arctan2(x, y)


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
def eq(x: Array, y: Array) -> Array:
    """``x == y``.

    >>> eq(1.0, 1.0)
    True
    """
    return ew.eq(x, y)


def ne(x: Array, y: Array) -> Array:
    """``x != y``.

    >>> ne(1.0, 1.0)
    False
    """
    return ew.ne(x, y)


def lt(x: Array, y: Array) -> Array:
    """``x < y``.

    >>> lt(1.0, 2.0)
    True
    """
    return ew.lt(x, y)


def le(x: Array, y: Array) -> Array:
    """``x <= y``.

    >>> le(2.0, 2.0)
    True
    """
    return ew.le(x, y)


def gt(x: Array, y: Array) -> Array:
    """``x > y``.

    >>> gt(1.0, 2.0)
    False
    """
    return ew.gt(x, y)


def ge(x: Array, y: Array) -> Array:
    """``x >= y``.

    >>> ge(1.0, 2.0)
    False
    """
    return ew.ge(x, y)


# ----------------------------------------------------------------------------- bitwise
def bitwise_and(x: Array, y: Array) -> Array:
    """Bitwise (for booleans, logical) and.

    >>> import numpy as np
    >>> bitwise_and(np.array([6]), np.array([3]))
    array([2])
    """
    return ew.bitwise_and(x, y)


def bitwise_or(x: Array, y: Array) -> Array:
    """Bitwise (for booleans, logical) or.

    >>> import numpy as np
    >>> bitwise_or(np.array([6]), np.array([3]))
    array([7])
    """
    return ew.bitwise_or(x, y)


def bitwise_xor(x: Array, y: Array) -> Array:
    """Bitwise (for booleans, logical) exclusive or.

    >>> import numpy as np
    >>> bitwise_xor(np.array([6]), np.array([3]))
    array([5])
    """
    return ew.bitwise_xor(x, y)


def bitwise_not(x: Array) -> Array:
    """Bitwise (for booleans, logical) not.

    >>> import numpy as np
    >>> bitwise_not(np.array([0, 1], np.int8))
    array([-1, -2], dtype=int8)
    """
    return ew.bitwise_not(x)


def shift_left(x: Array, y: Array) -> Array:
    """``x << y``; 0 where the shift is outside ``[0, bits)``.

    >>> import numpy as np
    >>> shift_left(np.array([1, 1], np.int32), np.array([3, 40], np.int32))
    array([8, 0], dtype=int32)
    """
    return bits.shift_left(x, y)


def shift_right_arithmetic(x: Array, y: Array) -> Array:
    """``x >> y`` filling with the sign bit (all sign bits past the width).

    >>> import numpy as np
    >>> shift_right_arithmetic(np.array([-8], np.int32), np.array([1], np.int32))
    array([-4], dtype=int32)
    """
    return bits.shift_right_arithmetic(x, y)


def shift_right_logical(x: Array, y: Array) -> Array:
    """``x >> y`` filling with zeros (0 past the width).

    >>> import numpy as np
    >>> shift_right_logical(np.array([-8], np.int8), np.array([4], np.int8))
    array([15], dtype=int8)
    """
    return bits.shift_right_logical(x, y)


def mulhi(x: Array, y: Array) -> Array:
    """The high half of the double-width product of two integers (signed as their dtype).

    >>> import numpy as np
    >>> mulhi(np.array([2 ** 30, -3], np.int32), np.array([8, 2 ** 31 - 1], np.int32))
    array([ 2, -2], dtype=int32)
    """
    return bits.mulhi(x, y)


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
