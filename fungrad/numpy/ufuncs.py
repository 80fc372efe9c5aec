"""Elementwise functions (numpy's ufuncs and their relatives): math, comparisons, logic,
rounding, ``where`` and ``clip``. Each is one primitive of ``fungrad.prims.elementwise`` or a
short composition of them.

Derivatives: functions with a piecewise-constant or integer result (comparisons, ``sign``,
``floor``, ``ceil``, ``round``, logical operations...) have a zero derivative everywhere, as in
JAX.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from numpy import nan, pi  # noqa: F401  (the examples use them)

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _arr, _dtype, _float_result, _not_supported
from fungrad.numpy.dtypes import astype
from fungrad.numpy.reductions import all, sum  # noqa: F401  (sum: the examples use it)
from fungrad.prims import elementwise as ew


def _unary(name: str, fn: Callable, *, differentiable: bool = True,
           example: str | None = None) -> Callable[[Any], Any]:
    """The numpy function ``name``: the primitive function ``fn`` on one operand."""
    def f(x, /):
        return fn(_arr(x))
    x = example or ("0.5" if differentiable else "2.5")
    what = "elementwise and differentiable" if differentiable else \
        "elementwise; its derivative is zero"
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"numpy.{name}, {what}.\n\n    >>> {name}({x}) == np.{name}({x})\n    np.True_\n"
    return f


def _binary(name: str, fn: Callable, *, differentiable: bool = True) -> Callable[[Any, Any], Any]:
    """The numpy function ``name``: the primitive function ``fn`` on two broadcast operands."""
    def f(x1, x2, /):
        return fn(_arr(x1), _arr(x2))
    what, x = ("elementwise with broadcasting, differentiable in both arguments", "3.0, 2.0") \
        if differentiable else ("elementwise with broadcasting; its derivative is zero", "3, 2")
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"numpy.{name}, {what}.\n\n    >>> {name}({x}) == np.{name}({x})\n    np.True_\n"
    return f


exp = _unary("exp", ew.exp)
exp2 = _unary("exp2", ew.exp2)
log = _unary("log", ew.log)
log2 = _unary("log2", ew.log2)
log10 = _unary("log10", ew.log10)
log1p = _unary("log1p", ew.log1p)
expm1 = _unary("expm1", ew.expm1)
sqrt = _unary("sqrt", ew.sqrt)
cbrt = _unary("cbrt", ew.cbrt)
square = _unary("square", ew.square)
reciprocal = _unary("reciprocal", ew.reciprocal)
sin = _unary("sin", ew.sin)
cos = _unary("cos", ew.cos)
tan = _unary("tan", ew.tan)
arcsin = _unary("arcsin", ew.arcsin)
arccos = _unary("arccos", ew.arccos)
arctan = _unary("arctan", ew.arctan)
sinh = _unary("sinh", ew.sinh)
cosh = _unary("cosh", ew.cosh)
tanh = _unary("tanh", ew.tanh)
arcsinh = _unary("arcsinh", ew.arcsinh)
arccosh = _unary("arccosh", ew.arccosh, example="1.5")
arctanh = _unary("arctanh", ew.arctanh)
absolute = _unary("absolute", ew.absolute)
abs = _unary("abs", ew.absolute)  # noqa: A001
negative = _unary("negative", ew.neg)
sinc = _unary("sinc", ew.sinc)

sign = _unary("sign", ew.sign, differentiable=False)
floor = _unary("floor", ew.floor, differentiable=False)
ceil = _unary("ceil", ew.ceil, differentiable=False)
rint = _unary("rint", ew.rint, differentiable=False)
trunc = _unary("trunc", ew.trunc, differentiable=False)
isfinite = _unary("isfinite", ew.isfinite, differentiable=False)
isnan = _unary("isnan", ew.isnan, differentiable=False)
isinf = _unary("isinf", ew.isinf, differentiable=False)
logical_not = _unary("logical_not", ew.logical_not, differentiable=False, example="True")
invert = _unary("invert", ew.bitwise_not, differentiable=False, example="2")
bitwise_not = _unary("bitwise_not", ew.bitwise_not, differentiable=False, example="2")

add = _binary("add", ew.add)
subtract = _binary("subtract", ew.sub)
multiply = _binary("multiply", ew.mul)
divide = _binary("divide", ew.div)
true_divide = _binary("true_divide", ew.div)
maximum = _binary("maximum", ew.maximum)
minimum = _binary("minimum", ew.minimum)
arctan2 = _binary("arctan2", ew.arctan2)
hypot = _binary("hypot", ew.hypot)
logaddexp = _binary("logaddexp", ew.logaddexp)
logaddexp2 = _binary("logaddexp2", ew.logaddexp2)
fmod = _binary("fmod", ew.fmod)
mod = _binary("mod", ew.mod)
remainder = _binary("remainder", ew.mod)

floor_divide = _binary("floor_divide", ew.floor_divide, differentiable=False)
equal = _binary("equal", ew.eq, differentiable=False)
not_equal = _binary("not_equal", ew.ne, differentiable=False)
less = _binary("less", ew.lt, differentiable=False)
less_equal = _binary("less_equal", ew.le, differentiable=False)
greater = _binary("greater", ew.gt, differentiable=False)
greater_equal = _binary("greater_equal", ew.ge, differentiable=False)
logical_and = _binary("logical_and", ew.logical_and, differentiable=False)
logical_or = _binary("logical_or", ew.logical_or, differentiable=False)
logical_xor = _binary("logical_xor", ew.logical_xor, differentiable=False)
bitwise_and = _binary("bitwise_and", ew.bitwise_and, differentiable=False)
bitwise_or = _binary("bitwise_or", ew.bitwise_or, differentiable=False)
bitwise_xor = _binary("bitwise_xor", ew.bitwise_xor, differentiable=False)


def positive(x, /):
    """numpy.positive: ``+x`` (a copy).

    >>> positive(-1.0)
    np.float64(-1.0)
    """
    x = _arr(x)
    if _dtype(x) == np.bool_:  # as numpy: no unary + on booleans (add would give an int)
        raise TypeError("fungrad.numpy.positive does not support boolean operands (got "
                        f"{get_aval(x).str_short()}), like numpy.positive")
    return ew.add(x, 0)


def fabs(x, /):
    """numpy.fabs: absolute value as a float.

    >>> fabs(-2)
    np.float64(2.0)
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(fabs(x)))(np.array([-3.0, 2.0]))
    array([-1.,  1.])
    """
    return ew.absolute(_float_result(_arr(x), np.fabs))


def power(x1, x2, /):
    """numpy.power, differentiable in base and exponent. A Python-int exponent records the
    exact ``integer_pow`` (derivative ``n x**(n-1)``, right at 0 and for negative x).

    >>> power(2.0, 3)
    np.float64(8.0)
    """
    x1, x2 = _arr(x1), _arr(x2)
    if type(x2) is int and isinstance(x1, Tracer) and _dtype(x1).kind in "fc":
        return ew.integer_pow(x1, x2)
    return ew.power(x1, x2)


pow = power  # noqa: A001  (numpy 2 has both names)


def float_power(x1, x2, /):
    """numpy.float_power: power computed in float64.

    >>> float_power(2, 3)
    np.float64(8.0)
    >>> import fungrad
    >>> fungrad.grad(float_power)(2.0, 3.0)  # d/dx x**3 at 2
    np.float64(12.0)
    """
    return ew.power(astype(_arr(x1), np.float64), astype(_arr(x2), np.float64))


def fmax(x1, x2, /):
    """numpy.fmax: elementwise maximum that ignores NaNs.

    >>> fmax(np.array([nan, 1.0, 5.0]), np.array([1.0, nan, 2.0]))
    array([1., 1., 5.])
    """
    x1, x2 = _arr(x1), _arr(x2)
    return where(isnan(x2), x1, where(isnan(x1), x2, maximum(x1, x2)))


def fmin(x1, x2, /):
    """numpy.fmin: elementwise minimum that ignores NaNs.

    >>> fmin(np.array([nan, 1.0, 5.0]), np.array([1.0, nan, 2.0]))
    array([1., 1., 2.])
    """
    x1, x2 = _arr(x1), _arr(x2)
    return where(isnan(x2), x1, where(isnan(x1), x2, minimum(x1, x2)))


def deg2rad(x, /):
    """Degrees to radians (also ``radians``).

    >>> deg2rad(180.0) == pi
    np.True_
    >>> deg2rad(np.array([0, 90, 180])) / pi
    array([0. , 0.5, 1. ])
    """
    return ew.mul(_float_result(_arr(x), np.deg2rad), math.pi / 180.0)


radians = deg2rad


def rad2deg(x, /):
    """Radians to degrees (also ``degrees``).

    >>> rad2deg(pi)
    np.float64(180.0)
    >>> import fungrad
    >>> fungrad.grad(rad2deg)(1.0) == 180.0 / pi
    np.True_
    """
    return ew.mul(_float_result(_arr(x), np.rad2deg), 180.0 / math.pi)


degrees = rad2deg


def round(a, decimals: int = 0, out=None):  # noqa: A001
    """numpy.round (half to even, also ``around``); zero derivative.

    >>> round(np.array([0.5, 1.5, 2.5]))
    array([0., 2., 2.])
    >>> round(1.23456, 2)
    np.float64(1.23)
    >>> import fungrad
    >>> fungrad.grad(lambda x: round(x) * x)(2.4)  # round(x) is a constant to grad
    np.float64(2.0)
    """
    _not_supported("round", "out", out)
    a = _arr(a)
    kind = _dtype(a).kind
    if kind in "iu" and decimals >= 0:  # integers stay integers, as in numpy
        return a
    if decimals == 0:
        return ew.rint(a)
    if kind == "b":
        raise TypeError(f"fungrad.numpy.round: decimals={decimals} is not supported for "
                        "boolean arrays (numpy cannot cast the result back to bool)")
    if decimals > 0:
        scale = 10.0 ** decimals
        return ew.div(ew.rint(ew.mul(a, scale)), scale)
    scale = 10.0 ** -decimals  # as numpy: divide by an exact power of ten, then multiply
    out = ew.mul(ew.rint(ew.div(a, scale)), scale)
    return ew.convert_element_type(out, _dtype(a)) if kind in "iu" else out


around = round


def real(x, /):
    """numpy.real (fungrad differentiates real arrays: the identity on them).

    >>> real(np.array([1.0, -2.0]))
    array([ 1., -2.])
    """
    x = _arr(x)
    if _dtype(x).kind == "c":
        raise NotImplementedError("fungrad.numpy.real of complex arrays is not supported")
    return x


def conjugate(x, /):
    """numpy.conjugate (also ``conj``): the identity on real arrays (booleans become int8,
    as in numpy, whose ufunc has no boolean loop).

    >>> conjugate(np.array([1.0, -2.0]))
    array([ 1., -2.])
    >>> conjugate(np.array([True, False])).dtype
    dtype('int8')
    """
    x = real(x)
    return ew.convert_element_type(x, np.int8) if _dtype(x) == np.bool_ else x


conj = conjugate


def where(condition, x=None, y=None, /):
    """numpy.where(condition, x, y): elementwise choice, differentiable in x and y.

    >>> where(np.array([True, False]), 1.0, 2.0)
    array([1., 2.])
    """
    if x is None or y is None:
        raise NotImplementedError("fungrad.numpy.where(condition) with one argument returns "
                                  "data-dependent shapes; use where(condition, x, y)")
    c = _arr(condition)
    if _dtype(c) != np.bool_:
        c = ew.ne(c, 0)
    return ew.select(c, _arr(x), _arr(y))


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):  # noqa: A002
    """numpy.clip: ``minimum(maximum(a, a_min), a_max)``.

    >>> clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0)
    array([0. , 0.5, 1. ])
    """
    _not_supported("clip", "out", out)
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    a = _arr(a)
    if lo is not None:
        a = ew.maximum(a, _arr(lo))
    if hi is not None:
        a = ew.minimum(a, _arr(hi))
    return a


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """numpy.isclose (no derivative).

    >>> isclose(1.0, 1.0 + 1e-9)
    np.True_
    >>> isclose(np.array([1.0, 2.0]), np.array([1.0, 2.1]))
    array([ True, False])
    """
    a, b = _arr(a), _arr(b)
    if type(b) in (bool, int):
        b = float(b)
    elif _dtype(b).kind not in "fc":  # as numpy: b in float, so |b| cannot overflow
        b = ew.convert_element_type(b, np.result_type(_dtype(b), 1.0))
    # infinities are close only to themselves: |inf - inf| is nan, and |x - inf| <= inf
    close = ew.logical_or(
        ew.logical_and(ew.le(absolute(ew.sub(a, b)), ew.add(atol, ew.mul(rtol, absolute(b)))),
                       isfinite(b)),
        ew.eq(a, b))
    if equal_nan:
        close = ew.logical_or(close, ew.logical_and(isnan(a), isnan(b)))
    return close


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """numpy.allclose; under tracing its ``bool()`` becomes a guard.

    >>> bool(allclose(np.ones(2), np.ones(2)))
    True
    """
    return all(isclose(a, b, rtol, atol, equal_nan))
