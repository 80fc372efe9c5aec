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
from numpy import inf, nan, pi  # noqa: F401  (the examples use them)

from fungrad.core import Tracer, bind, get_aval
from fungrad.numpy._util import (
    _arr, _array_results, _dtype, _float_result, _not_supported, _numeric, _strong,
)
from fungrad.numpy.dtypes import astype
from fungrad.numpy.reductions import all, sum  # noqa: F401  (sum: the examples use it)
from fungrad.prims import complex as cx
from fungrad.prims import elementwise as ew
from fungrad.prims import numeric as nu
from fungrad.prims.rules import probe_value
from fungrad.promotion import check_binary, checking as _promotion_checking


_REAL, _INTEGER = "biuf", "biu"  # the operand kinds of numpy's real-only, integer-only ufuncs
_EXPECTED = {_REAL: "a real (floating, integer or boolean) array; for complex numbers take "
                    "real(), imag() or abs() first",
             _INTEGER: "an integer or boolean array"}


def _require_kinds(name: str, kinds: str, xs: tuple, names: tuple = ()) -> None:
    """fungrad's TypeError (the same eagerly, traced and under jit) where numpy's ``name``
    has no loop for an operand's kind, e.g. ``floor`` of a complex number: it names the
    function, the argument, its shape and dtype, and what was expected."""
    names = names or (("x",) if len(xs) == 1 else tuple(f"x{i + 1}" for i in range(len(xs))))
    for arg, x in zip(names, xs):
        aval = get_aval(x)
        if aval.dtype.kind not in kinds:
            what = "complex numbers" if aval.dtype.kind == "c" else f"{aval.dtype.name} values"
            raise TypeError(f"fungrad.numpy.{name}: argument {arg} is {aval.str_short()} "
                            f"(dtype {aval.dtype.name}), but {name} is not defined for {what} "
                            f"(nor is numpy's); expected {_EXPECTED[kinds]}")


def _unary(name: str, fn: Callable, *, differentiable: bool = True,
           example: str | None = None, kinds: str | None = None) -> Callable[[Any], Any]:
    """The numpy function ``name``: the primitive function ``fn`` on one operand (of the
    dtype ``kinds`` only, if given)."""
    def f(x, /):
        x = _arr(x)
        if kinds is not None:
            _require_kinds(name, kinds, (x,))
        return _strong(fn(x))
    x = example or ("0.5" if differentiable else "2.5")
    what = "elementwise and differentiable" if differentiable else \
        "elementwise; its derivative is zero"
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"numpy.{name}, {what}.\n\n    >>> {name}({x}) == np.{name}({x})\n    np.True_\n"
    return f


def _binary(name: str, fn: Callable, *, differentiable: bool = True,
            kinds: str | None = None) -> Callable[[Any, Any], Any]:
    """The numpy function ``name``: the primitive function ``fn`` on two broadcast operands
    (of the dtype ``kinds`` only, if given)."""
    def f(x1, x2, /):
        x1, x2 = _arr(x1), _arr(x2)
        if kinds is not None:
            _require_kinds(name, kinds, (x1, x2))
        if _promotion_checking[0]:  # jax_numpy_rank/dtype_promotion (fungrad.promotion)
            check_binary(name, x1, x2)
        return _strong(fn(x1, x2))
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
cbrt = _unary("cbrt", ew.cbrt, kinds=_REAL)
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
floor = _unary("floor", ew.floor, differentiable=False, kinds=_REAL)
ceil = _unary("ceil", ew.ceil, differentiable=False, kinds=_REAL)
rint = _unary("rint", ew.rint, differentiable=False)
trunc = _unary("trunc", ew.trunc, differentiable=False, kinds=_REAL)
isfinite = _unary("isfinite", ew.isfinite, differentiable=False)
isnan = _unary("isnan", ew.isnan, differentiable=False)
isinf = _unary("isinf", ew.isinf, differentiable=False)
logical_not = _unary("logical_not", ew.logical_not, differentiable=False, example="True")
invert = _unary("invert", ew.bitwise_not, differentiable=False, example="2", kinds=_INTEGER)
bitwise_not = _unary("bitwise_not", ew.bitwise_not, differentiable=False, example="2",
                     kinds=_INTEGER)

add = _binary("add", ew.add)
subtract = _binary("subtract", ew.sub)
multiply = _binary("multiply", ew.mul)
divide = _binary("divide", ew.div)
true_divide = _binary("true_divide", ew.div)
maximum = _binary("maximum", ew.maximum)
minimum = _binary("minimum", ew.minimum)
arctan2 = _binary("arctan2", ew.arctan2, kinds=_REAL)
hypot = _binary("hypot", ew.hypot, kinds=_REAL)
logaddexp = _binary("logaddexp", ew.logaddexp, kinds=_REAL)
logaddexp2 = _binary("logaddexp2", ew.logaddexp2, kinds=_REAL)
fmod = _binary("fmod", ew.fmod, kinds=_REAL)
mod = _binary("mod", ew.mod, kinds=_REAL)
remainder = _binary("remainder", ew.mod, kinds=_REAL)

floor_divide = _binary("floor_divide", ew.floor_divide, differentiable=False, kinds=_REAL)
equal = _binary("equal", ew.eq, differentiable=False)
not_equal = _binary("not_equal", ew.ne, differentiable=False)
less = _binary("less", ew.lt, differentiable=False)
less_equal = _binary("less_equal", ew.le, differentiable=False)
greater = _binary("greater", ew.gt, differentiable=False)
greater_equal = _binary("greater_equal", ew.ge, differentiable=False)
logical_and = _binary("logical_and", ew.logical_and, differentiable=False)
logical_or = _binary("logical_or", ew.logical_or, differentiable=False)
logical_xor = _binary("logical_xor", ew.logical_xor, differentiable=False)
bitwise_and = _binary("bitwise_and", ew.bitwise_and, differentiable=False, kinds=_INTEGER)
bitwise_or = _binary("bitwise_or", ew.bitwise_or, differentiable=False, kinds=_INTEGER)
bitwise_xor = _binary("bitwise_xor", ew.bitwise_xor, differentiable=False, kinds=_INTEGER)

# numpy 2's array-API names: the same functions under their new names
acos = _unary("acos", ew.arccos)
asin = _unary("asin", ew.arcsin)
atan = _unary("atan", ew.arctan)
acosh = _unary("acosh", ew.arccosh, example="1.5")
asinh = _unary("asinh", ew.arcsinh)
atanh = _unary("atanh", ew.arctanh)
atan2 = _binary("atan2", ew.arctan2, kinds=_REAL)
bitwise_invert = _unary("bitwise_invert", ew.bitwise_not, differentiable=False, example="2",
                        kinds=_INTEGER)

# bits and integers (fungrad.prims.numeric): integer or step results, zero derivatives
gcd = _binary("gcd", nu.gcd, differentiable=False, kinds=_INTEGER)
lcm = _binary("lcm", nu.lcm, differentiable=False, kinds=_INTEGER)
left_shift = _binary("left_shift", nu.left_shift, differentiable=False, kinds=_INTEGER)
right_shift = _binary("right_shift", nu.right_shift, differentiable=False, kinds=_INTEGER)
bitwise_left_shift = _binary("bitwise_left_shift", nu.left_shift, differentiable=False,
                             kinds=_INTEGER)
bitwise_right_shift = _binary("bitwise_right_shift", nu.right_shift, differentiable=False,
                              kinds=_INTEGER)
bitwise_count = _unary("bitwise_count", nu.bitwise_count, differentiable=False, example="7",
                       kinds=_INTEGER)
signbit = _unary("signbit", nu.signbit, differentiable=False, example="-2.5", kinds=_REAL)
spacing = _unary("spacing", nu.spacing, differentiable=False, kinds=_REAL)


def positive(x, /):
    """numpy.positive: ``+x`` (a copy).

    >>> positive(-1.0)
    np.float64(-1.0)
    """
    return _strong(_positive(x))


def _positive(x):
    """``+x``, weakly typed for a Python scalar (the unary ``+`` operator's form)."""
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
    x = _arr(x)
    _require_kinds("fabs", _REAL, (x,))
    return _strong(ew.absolute(_float_result(x, np.fabs)))


def power(x1, x2, /):
    """numpy.power, differentiable in base and exponent. A Python-int exponent records the
    exact ``integer_pow`` (derivative ``n x**(n-1)``, right at 0 and for negative x).

    >>> power(2.0, 3)
    np.float64(8.0)
    """
    if _promotion_checking[0]:
        check_binary("power", x1, x2)
    return _strong(_power(x1, x2))


def _power(x1, x2):
    """``x1 ** x2``, weakly typed for Python-scalar operands (the ``**`` operator's form)."""
    x1, x2 = _arr(x1), _arr(x2)
    if type(x2) is int and isinstance(x1, Tracer) and _dtype(x1).kind in "fc":
        return ew.integer_pow(x1, x2)
    return ew.power(x1, x2)


pow = power  # noqa: A001  (numpy 2 has both names)


def float_power(x1, x2, /):
    """numpy.float_power: power computed in float64 (complex128 if an operand is complex).

    >>> float_power(2, 3)
    np.float64(8.0)
    >>> float_power(2, 1j)
    np.complex128(0.7692389013639721+0.6389612763136348j)
    >>> import fungrad
    >>> fungrad.grad(float_power)(2.0, 3.0)  # d/dx x**3 at 2
    np.float64(12.0)
    """
    x1, x2 = _arr(x1), _arr(x2)
    dtype = np.complex128 if "c" in (_dtype(x1).kind, _dtype(x2).kind) else np.float64
    return ew.power(astype(x1, dtype), astype(x2, dtype))


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
    x = _arr(x)
    _require_kinds("deg2rad", _REAL, (x,))
    return _strong(ew.mul(_float_result(x, np.deg2rad), math.pi / 180.0))


radians = deg2rad


def rad2deg(x, /):
    """Radians to degrees (also ``degrees``).

    >>> rad2deg(pi)
    np.float64(180.0)
    >>> import fungrad
    >>> fungrad.grad(rad2deg)(1.0) == 180.0 / pi
    np.True_
    """
    x = _arr(x)
    _require_kinds("rad2deg", _REAL, (x,))
    return _strong(ew.mul(_float_result(x, np.rad2deg), 180.0 / math.pi))


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
        return _strong(a)
    if decimals == 0:
        return _strong(ew.rint(a))
    if kind == "b":
        raise TypeError(f"fungrad.numpy.round: decimals={decimals} is not supported for "
                        "boolean arrays (numpy cannot cast the result back to bool)")
    if decimals > 0:
        scale = 10.0 ** decimals
        return _strong(ew.div(ew.rint(ew.mul(a, scale)), scale))
    scale = 10.0 ** -decimals  # as numpy: divide by an exact power of ten, then multiply
    out = ew.mul(ew.rint(ew.div(a, scale)), scale)
    return _strong(ew.convert_element_type(out, _dtype(a)) if kind in "iu" else out)


around = round


def where(condition, x=None, y=None, /, *, size: int | None = None, fill_value=None):
    """numpy.where(condition, x, y): elementwise choice, differentiable in x and y. With the
    condition alone it is ``nonzero(condition, size=size, fill_value=fill_value)`` (JAX's
    ``size=`` makes it work under tracing).

    >>> where(np.array([True, False]), 1.0, 2.0)
    array([1., 2.])
    >>> where(np.array([0, 3, 0, 4]), size=3, fill_value=-1)
    (array([ 1,  3, -1]),)
    """
    if x is None and y is None:
        from fungrad.numpy.searching import nonzero  # searching is built on this module
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError("fungrad.numpy.where: give both x and y, or neither")
    if size is not None or fill_value is not None:
        raise ValueError("fungrad.numpy.where: size and fill_value apply only to the "
                         "one-argument form where(condition)")
    if _promotion_checking[0]:  # where promotes dtypes, not ranks, as in JAX
        check_binary("where", x, y, ranks=False)
    c = _arr(condition)
    if _dtype(c) != np.bool_:
        c = ew.ne(c, 0)
    return ew.select(c, _arr(x), _arr(y))


@_array_results
def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):  # noqa: A002
    """numpy.clip: ``minimum(maximum(a, a_min), a_max)``.

    >>> clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0)
    array([0. , 0.5, 1. ])
    """
    _not_supported("clip", "out", out)
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    a = _numeric(a, "clip", "a")
    if lo is not None:
        a = ew.maximum(a, _arr(lo))
    if hi is not None:
        a = ew.minimum(a, _arr(hi))
    return _strong(a)


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


def _in_result_dtype(ufunc, *xs):
    """The operands cast to the dtype numpy's ``ufunc`` returns for them (Python scalars are
    weak in finding it), for compositions that must end in that dtype."""
    probes = [x if type(x) in (bool, int, float) else probe_value(get_aval(x)) for x in xs]
    with np.errstate(all="ignore"):
        dtype = np.asarray(ufunc(*probes)).dtype
    return [np.asarray(x, dtype) if type(x) in (bool, int, float) else
            x if _dtype(x) == dtype else ew.convert_element_type(x, dtype) for x in xs], dtype


def copysign(x1, x2, /):
    """numpy.copysign: the magnitude of ``x1`` with the sign of ``x2``; differentiable in
    ``x1``.

    >>> copysign(np.array([1.0, -2.0, 3.0]), np.array([-1.0, 1.0, -0.0]))
    array([-1.,  2., -3.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: copysign(x, -1.0))(2.0)
    np.float64(-1.0)
    """
    x1, x2 = _arr(x1), _arr(x2)
    _require_kinds("copysign", _REAL, (x1, x2))
    (x1, x2), dtype = _in_result_dtype(np.copysign, x1, x2)
    magnitude = ew.absolute(x1)
    return ew.select(nu.signbit(x2), ew.neg(magnitude), magnitude)


def heaviside(x1, x2, /):
    """numpy.heaviside: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``,
    NaN where ``x1`` is NaN (differentiable in ``x2``).

    >>> heaviside(np.array([-1.0, 0.0, 2.0, np.nan]), 0.5)
    array([0. , 0.5, 1. , nan])
    """
    x1, x2 = _arr(x1), _arr(x2)
    _require_kinds("heaviside", _REAL, (x1, x2))
    (x1, x2), dtype = _in_result_dtype(np.heaviside, x1, x2)
    zero, one = np.zeros((), dtype), np.ones((), dtype)
    step = ew.select(ew.lt(x1, 0), zero, ew.select(ew.gt(x1, 0), one, x2))
    if dtype.kind != "f":
        return step
    # a NaN x1 is neither below, above nor at 0: numpy's answer is NaN
    return ew.select(ew.isnan(x1), np.full((), np.nan, dtype), step)


def ldexp(x1, x2, /):
    """numpy.ldexp: ``x1 * 2**x2`` for integer ``x2``; differentiable in ``x1``.

    >>> ldexp(np.array([1.0, 3.0]), np.array([2, -1]))
    array([4. , 1.5])
    """
    x1, x2 = _arr(x1), _arr(x2)
    _require_kinds("ldexp", _REAL, (x1,))
    _require_kinds("ldexp", _INTEGER, (x2,), ("x2",))
    (x1,), dtype = _in_result_dtype(lambda a: np.ldexp(a, 0), x1)
    return ew.mul(x1, ew.exp2(ew.convert_element_type(x2, dtype)))


def frexp(x, /):
    """numpy.frexp: ``(mantissa, exponent)`` with ``x == mantissa * 2**exponent``; the
    mantissa is differentiable (``2**-exponent``), the exponent is an int32.

    >>> frexp(np.array([8.0, 0.75]))
    (array([0.5 , 0.75]), array([4, 0], dtype=int32))
    """
    x = _arr(x)
    _require_kinds("frexp", _REAL, (x,))
    (x,), dtype = _in_result_dtype(lambda a: np.frexp(a)[0], x)
    exponent = nu.frexp_exponent(x)
    # inf and nan come back unchanged, as numpy returns them
    scale = ew.select(isfinite(x), ew.exp2(ew.neg(ew.convert_element_type(exponent, dtype))),
                      np.ones((), dtype))
    return ew.mul(x, scale), exponent


def modf(x, /):
    """numpy.modf: ``(fractional part, integral part)``, both with the sign of ``x``; the
    fractional part has derivative 1.

    >>> modf(np.array([2.5, -1.25]))
    (array([ 0.5 , -0.25]), array([ 2., -1.]))
    """
    x = _arr(x)
    _require_kinds("modf", _REAL, (x,))
    (x,), dtype = _in_result_dtype(lambda a: np.modf(a)[0], x)
    whole = ew.trunc(x)
    frac = ew.select(ew.isinf(x), copysign(np.zeros((), dtype), x), ew.sub(x, whole))
    return _strong((frac, whole))


def divmod(x1, x2, /):  # noqa: A001
    """numpy.divmod: ``(floor_divide(x1, x2), mod(x1, x2))``.

    >>> divmod(np.array([7, -7]), 3)
    (array([ 2, -3]), array([1, 2]))
    """
    x1, x2 = _arr(x1), _arr(x2)
    _require_kinds("divmod", _REAL, (x1, x2))
    return floor_divide(x1, x2), mod(x1, x2)


def isneginf(x, /):
    """numpy.isneginf (zero derivative).

    >>> isneginf(np.array([-inf, inf, 1.0]))
    array([ True, False, False])
    """
    x = _arr(x)
    _require_kinds("isneginf", _REAL, (x,))
    return _strong(ew.logical_and(ew.isinf(x), nu.signbit(x)))


def isposinf(x, /):
    """numpy.isposinf (zero derivative).

    >>> isposinf(np.array([-inf, inf, 1.0]))
    array([False,  True, False])
    """
    x = _arr(x)
    _require_kinds("isposinf", _REAL, (x,))
    return _strong(ew.logical_and(ew.isinf(x), ew.logical_not(nu.signbit(x))))


def nan_to_num(x, copy: bool = True, nan: float = 0.0, posinf=None, neginf=None):
    """numpy.nan_to_num: NaN to ``nan``, infinities to ``posinf``/``neginf`` (default: the
    dtype's largest and smallest finite values); derivative 1 where ``x`` is finite.

    >>> nan_to_num(np.array([np.nan, np.inf, -np.inf, 1.0]), posinf=9.0, neginf=-9.0)
    array([ 0.,  9., -9.,  1.])
    """
    x = _arr(x)
    if _dtype(x).kind not in "fc":
        return x
    if _dtype(x).kind == "c":  # as numpy: the real and imaginary parts each on their own
        parts = [nan_to_num(part, nan=nan, posinf=posinf, neginf=neginf)
                 for part in (cx.real(x), cx.imag(x))]
        return cx.make_complex(*parts)
    info = np.finfo(_dtype(x))
    big = np.asarray(info.max if posinf is None else posinf, _dtype(x))
    small = np.asarray(info.min if neginf is None else neginf, _dtype(x))
    x = ew.select(ew.isnan(x), np.asarray(nan, _dtype(x)), x)
    return ew.select(isposinf(x), big, ew.select(isneginf(x), small, x))


def nextafter(x1, x2, /):
    """numpy.nextafter: the next float after ``x1`` towards ``x2``. It moves ``x1`` by one
    unit in the last place, so its derivative is 1 in ``x1`` (0 in ``x2``).

    >>> nextafter(1.0, 2.0) - 1.0 == np.finfo(np.float64).eps
    np.True_
    """
    x1, x2 = _arr(x1), _arr(x2)
    _require_kinds("nextafter", _REAL, (x1, x2))
    (x1, x2), _ = _in_result_dtype(np.nextafter, x1, x2)
    out = nu.nextafter(x1, x2)
    step = bind(ew.stop_gradient_p, ew.sub(out, x1))  # exact: the two are one ulp apart
    return ew.select(ew.logical_and(isfinite(x1), isfinite(out)), ew.add(x1, step), out)


def array_equal(a1, a2, equal_nan: bool = False):
    """numpy.array_equal: same shape and same elements (False, not an error, for different
    shapes).

    >>> array_equal(np.array([1.0, 2.0]), [1.0, 2.0]), array_equal(np.ones(2), np.ones(3))
    (np.True_, np.False_)
    """
    a1, a2 = _arr(a1), _arr(a2)
    if get_aval(a1).shape != get_aval(a2).shape:
        return np.False_
    same = ew.eq(a1, a2)
    if equal_nan:
        same = ew.logical_or(same, ew.logical_and(ew.isnan(a1), ew.isnan(a2)))
    return all(same)


def array_equiv(a1, a2):
    """numpy.array_equiv: equal after broadcasting (False if the shapes do not broadcast).

    >>> array_equiv(np.array([1, 2]), np.array([[1, 2], [1, 2]]))
    np.True_
    """
    a1, a2 = _arr(a1), _arr(a2)
    try:
        np.broadcast_shapes(get_aval(a1).shape, get_aval(a2).shape)
    except ValueError:
        return np.False_
    return all(ew.eq(a1, a2))
