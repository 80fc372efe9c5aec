"""Elementwise primitives: unary and binary math, comparisons, logic, select, casts.

Each is a numpy ufunc with numpy's broadcasting and NEP 50 dtype promotion (asked of numpy
itself, once per dtype combination), plus its derivative rules right beside it. The backward
pass sums broadcast dimensions away, so a rule just writes the math, e.g. ``d(x*y)/dx = g*y``.
Non-differentiable ones (comparisons, sign, floor, ...) have zero derivatives.
"""
from __future__ import annotations

import math

import numpy as np

from fungrad.core import ShapedArray, bind, get_aval
from fungrad.prims.rules import (
    batch_elementwise, defjvp, defvjp, deflinear, op, primitive, probe_value,
)

_result_dtypes: dict = {}


def _describe(avals) -> str:
    return ", ".join(a.str_short() for a in avals)


def broadcast_shapes(name: str, avals) -> tuple:
    first = avals[0].shape
    if all(a.shape == first for a in avals):
        return first
    try:
        return np.broadcast_shapes(*[a.shape for a in avals])
    except ValueError:
        raise ValueError(f"{name}: operands could not be broadcast together: "
                         f"{_describe(avals)}") from None


def elementwise_abstract_eval(name: str, ufunc):
    """Output aval of a ufunc: numpy's own promotion, numpy's own broadcasting."""
    token = object()  # this primitive's own cache entries, whatever its name

    def abstract_eval(*avals):
        key = (token,) + tuple((a.dtype, a.weak_type) for a in avals)
        dtype = _result_dtypes.get(key)
        if dtype is None:
            if any(a.dtype.kind not in "biufc" for a in avals):  # object (None...), strings
                raise TypeError(f"{name} does not support operands of dtype "
                                f"{', '.join(a.dtype.name for a in avals)}: fungrad arrays "
                                f"are numeric or boolean (got {_describe(avals)})")
            try:
                with np.errstate(all="ignore"):
                    dtype = np.asarray(ufunc(*[probe_value(a) for a in avals])).dtype
            except TypeError:
                raise TypeError(f"{name} does not support operands of dtype "
                                f"{', '.join(a.dtype.name for a in avals)} "
                                f"(got {_describe(avals)})") from None
            _result_dtypes[key] = dtype
        return ShapedArray(broadcast_shapes(name, avals), dtype)
    return abstract_eval


def _elementwise_simplify(inputs, params, ctx, out_aval):
    """Clean-up rule of every elementwise primitive: read an operand before a
    ``broadcast_to`` when the op's own broadcasting gives the same result."""
    new = None
    for i, x in enumerate(inputs):
        eqn = ctx.producer(x)
        if eqn is None or not getattr(eqn.primitive, "broadcast_only", False):
            continue
        new = list(inputs) if new is None else new
        source = eqn.inputs[0]
        shapes = [source.aval.shape] + [y.aval.shape for j, y in enumerate(new) if j != i]
        # (a weak source would promote differently than the strong broadcast array did)
        if source.aval.dtype == x.aval.dtype and not source.aval.weak_type \
                and np.broadcast_shapes(*shapes) == out_aval.shape:
            new[i] = source
    return None if new is None or all(a is b for a, b in zip(new, inputs)) else (new, params)


def elementwise(name: str, ufunc, nondiff: bool = False):
    prim = primitive(name, ufunc, elementwise_abstract_eval(name, ufunc), nondiff=nondiff)
    # on weakly typed inputs only (Python scalars, or inputs that were Python scalars) the
    # result stays weak, as Python arithmetic on Python scalars does (and JAX's rule)
    prim.weak_propagating = True
    prim.simplify = _elementwise_simplify
    batch_elementwise(prim)
    return prim, op(prim)


# ----------------------------------------------------------------------------- arithmetic
add_p, add = elementwise("add", np.add)
sub_p, sub = elementwise("sub", np.subtract)
mul_p, mul = elementwise("mul", np.multiply)
div_p, div = elementwise("div", np.true_divide)
neg_p, neg = elementwise("neg", np.negative)
max_p, maximum = elementwise("max", np.maximum)
min_p, minimum = elementwise("min", np.minimum)

# comparisons and logic: boolean results, no derivatives
eq_p, eq = elementwise("eq", np.equal, nondiff=True)
ne_p, ne = elementwise("ne", np.not_equal, nondiff=True)
lt_p, lt = elementwise("lt", np.less, nondiff=True)
le_p, le = elementwise("le", np.less_equal, nondiff=True)
gt_p, gt = elementwise("gt", np.greater, nondiff=True)
ge_p, ge = elementwise("ge", np.greater_equal, nondiff=True)
and_p, bitwise_and = elementwise("and", np.bitwise_and, nondiff=True)
or_p, bitwise_or = elementwise("or", np.bitwise_or, nondiff=True)
xor_p, bitwise_xor = elementwise("xor", np.bitwise_xor, nondiff=True)
not_p, bitwise_not = elementwise("not", np.invert, nondiff=True)
logical_and_p, logical_and = elementwise("logical_and", np.logical_and, nondiff=True)
logical_or_p, logical_or = elementwise("logical_or", np.logical_or, nondiff=True)
logical_xor_p, logical_xor = elementwise("logical_xor", np.logical_xor, nondiff=True)
logical_not_p, logical_not = elementwise("logical_not", np.logical_not, nondiff=True)
is_finite_p, isfinite = elementwise("is_finite", np.isfinite, nondiff=True)
isnan_p, isnan = elementwise("isnan", np.isnan, nondiff=True)
isinf_p, isinf = elementwise("isinf", np.isinf, nondiff=True)


def _sign(x):
    """numpy's ``sign``, except that a zero keeps its own sign, as XLA's (and so JAX's) does:
    ``sign(-0.0)`` is ``-0.0``, and a complex zero comes back as it is (numpy gives +0)."""
    s = np.sign(x)
    kind = s.dtype.kind
    if kind == "f":  # copysign only touches the zeros: sign(x) is +-1 or NaN elsewhere
        return np.copysign(s, x)
    if kind == "c":
        return np.where(np.equal(x, 0), x, s)[()]
    return s


sign_p, sign = elementwise("sign", _sign)  # derivative: zero for real x, see _sign_jvp
floor_p, floor = elementwise("floor", np.floor, nondiff=True)
ceil_p, ceil = elementwise("ceil", np.ceil, nondiff=True)
round_p, rint = elementwise("round", np.rint, nondiff=True)
trunc_p, trunc = elementwise("trunc", np.trunc, nondiff=True)
floor_divide_p, floor_divide = elementwise("floor_divide", np.floor_divide, nondiff=True)

deflinear(neg_p, lambda g, x: neg(g))


def _with_unit(unit, positions):
    """Simplify rule: ``x op unit`` is ``x`` (when x already has the output's type); the
    unit may be a literal or a constant array of units (a seeded cotangent of ones)."""
    def rule(inputs, params, ctx, out_aval):
        for i in positions:
            value, other = ctx.value(inputs[i]), inputs[1 - i]
            if value is None or other.aval.shape != out_aval.shape or \
                    other.aval.dtype != out_aval.dtype:
                continue
            if type(value) in (int, float):  # the common case: a Python literal
                if value == unit:
                    return other
            elif np.asarray(value).dtype != np.bool_ and np.all(np.asarray(value) == unit):
                return other
        return _elementwise_simplify(inputs, params, ctx, out_aval)
    return rule


def _neg_simplify(inputs, params, ctx, out_aval):
    eqn = ctx.producer(inputs[0])
    return eqn.inputs[0] if eqn is not None and eqn.primitive is neg_p else None


mul_p.simplify = _with_unit(1, (0, 1))
div_p.simplify = _with_unit(1, (1,))
add_p.simplify = _with_unit(0, (0, 1))
sub_p.simplify = _with_unit(0, (1,))
neg_p.simplify = _neg_simplify
defjvp(add_p, lambda t, ans, x, y: t, lambda t, ans, x, y: t)
defvjp(add_p, lambda g, ans, x, y: g, lambda g, ans, x, y: g)
defjvp(sub_p, lambda t, ans, x, y: t, lambda t, ans, x, y: neg(t))
defvjp(sub_p, lambda g, ans, x, y: g, lambda g, ans, x, y: neg(g))
defjvp(mul_p, lambda t, ans, x, y: mul(t, y), lambda t, ans, x, y: mul(x, t))
defvjp(mul_p, lambda g, ans, x, y: mul(g, y), lambda g, ans, x, y: mul(x, g))
defjvp(div_p, lambda t, ans, x, y: div(t, y), lambda t, ans, x, y: neg(mul(t, div(ans, y))))
defvjp(div_p, lambda g, ans, x, y: div(g, y), lambda g, ans, x, y: neg(mul(g, div(ans, y))))


def _tie_weights(ans, x, y, wins):
    """1 where x wins, 1/2 on ties, 0 where y wins: at ``maximum(x, x)`` both sides share the
    derivative (JAX's convention, so ``d/dx maximum(x, x) = 1``)."""
    dtype = get_aval(ans).dtype
    return add(convert_element_type(wins(x, y), dtype),
               mul(convert_element_type(eq(x, y), dtype), 0.5))


defjvp(max_p, lambda t, ans, x, y: mul(t, _tie_weights(ans, x, y, gt)),
       lambda t, ans, x, y: mul(t, _tie_weights(ans, y, x, gt)))
defvjp(max_p, lambda g, ans, x, y: mul(g, _tie_weights(ans, x, y, gt)),
       lambda g, ans, x, y: mul(g, _tie_weights(ans, y, x, gt)))
defjvp(min_p, lambda t, ans, x, y: mul(t, _tie_weights(ans, x, y, lt)),
       lambda t, ans, x, y: mul(t, _tie_weights(ans, y, x, lt)))
defvjp(min_p, lambda g, ans, x, y: mul(g, _tie_weights(ans, x, y, lt)),
       lambda g, ans, x, y: mul(g, _tie_weights(ans, y, x, lt)))

# ----------------------------------------------------------------------------- unary math
exp_p, exp = elementwise("exp", np.exp)
exp2_p, exp2 = elementwise("exp2", np.exp2)
log_p, log = elementwise("log", np.log)
log2_p, log2 = elementwise("log2", np.log2)
log10_p, log10 = elementwise("log10", np.log10)
log1p_p, log1p = elementwise("log1p", np.log1p)
expm1_p, expm1 = elementwise("expm1", np.expm1)
sqrt_p, sqrt = elementwise("sqrt", np.sqrt)
cbrt_p, cbrt = elementwise("cbrt", np.cbrt)
square_p, square = elementwise("square", np.square)
reciprocal_p, reciprocal = elementwise("reciprocal", np.reciprocal)
sin_p, sin = elementwise("sin", np.sin)
cos_p, cos = elementwise("cos", np.cos)
tan_p, tan = elementwise("tan", np.tan)
asin_p, arcsin = elementwise("asin", np.arcsin)
acos_p, arccos = elementwise("acos", np.arccos)
atan_p, arctan = elementwise("atan", np.arctan)
sinh_p, sinh = elementwise("sinh", np.sinh)
cosh_p, cosh = elementwise("cosh", np.cosh)
tanh_p, tanh = elementwise("tanh", np.tanh)
asinh_p, arcsinh = elementwise("asinh", np.arcsinh)
acosh_p, arccosh = elementwise("acosh", np.arccosh)
atanh_p, arctanh = elementwise("atanh", np.arctanh)
abs_p, absolute = elementwise("abs", np.absolute)


def _logistic_impl(x):
    with np.errstate(over="ignore"):
        if np.iscomplexobj(x):  # logaddexp is real only; complex is 1 / (1 + exp(-x))
            return np.reciprocal(np.exp(np.negative(x)) + 1)
        # exp(-log(1 + exp(-x))) is accurate in both tails, unlike 1 / (1 + exp(-x)) for x << 0
        return np.exp(-np.logaddexp(0, -x))


logistic_p, logistic = elementwise("logistic", _logistic_impl)
sinc_p, sinc = elementwise("sinc", np.sinc)

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _unary(prim, derivative):
    """Register jvp and vjp of a unary primitive from ``derivative(ans, x) -> f'(x)``."""
    defjvp(prim, lambda t, ans, x: mul(t, derivative(ans, x)))
    defvjp(prim, lambda g, ans, x: mul(g, derivative(ans, x)))


_unary(exp_p, lambda ans, x: ans)
_unary(exp2_p, lambda ans, x: mul(ans, _LN2))
_unary(log_p, lambda ans, x: reciprocal(x))
_unary(log2_p, lambda ans, x: reciprocal(mul(x, _LN2)))
_unary(log10_p, lambda ans, x: reciprocal(mul(x, _LN10)))
_unary(log1p_p, lambda ans, x: reciprocal(add(x, 1.0)))
_unary(expm1_p, lambda ans, x: add(ans, 1.0))
_unary(sqrt_p, lambda ans, x: div(0.5, ans))
_unary(cbrt_p, lambda ans, x: div(1.0 / 3.0, square(ans)))
_unary(square_p, lambda ans, x: mul(x, 2.0))
_unary(reciprocal_p, lambda ans, x: neg(square(ans)))
_unary(sin_p, lambda ans, x: cos(x))
_unary(cos_p, lambda ans, x: neg(sin(x)))
_unary(tan_p, lambda ans, x: add(1.0, square(ans)))
_unary(asin_p, lambda ans, x: reciprocal(sqrt(sub(1.0, square(x)))))
_unary(acos_p, lambda ans, x: neg(reciprocal(sqrt(sub(1.0, square(x))))))
_unary(atan_p, lambda ans, x: reciprocal(add(1.0, square(x))))
_unary(sinh_p, lambda ans, x: cosh(x))
_unary(cosh_p, lambda ans, x: sinh(x))
_unary(tanh_p, lambda ans, x: sub(1.0, square(ans)))
_unary(asinh_p, lambda ans, x: reciprocal(sqrt(add(square(x), 1.0))))
# 1/sqrt(x-1)/sqrt(x+1), not 1/sqrt(x^2-1): the same for real x > 1, and right on the whole
# principal branch for complex x (where sqrt(x^2-1) takes the other sign for Re x < 0)
_unary(acosh_p, lambda ans, x: reciprocal(mul(sqrt(sub(x, 1.0)), sqrt(add(x, 1.0)))))
_unary(atanh_p, lambda ans, x: reciprocal(sub(1.0, square(x))))
_unary(logistic_p, lambda ans, x: mul(ans, sub(1.0, ans)))


def _abs_direction(ans, x):
    """conj(z) / |z| for complex z (0 at z == 0, as JAX has it): d|z| = Re(conj(z) dz) / |z|,
    so the cotangent (the transpose under Re(c * t)) is ``g * conj(z) / |z|``."""
    from fungrad.prims.complex import conj
    zero = eq(ans, 0)
    return select(zero, 0.0, div(conj(x), select(zero, 1.0, ans)))


def _abs_jvp(t, ans, x):
    if get_aval(x).dtype.kind == "c":
        from fungrad.prims.complex import real
        return real(mul(t, _abs_direction(ans, x)))
    return select(ge(x, 0), t, neg(t))  # |x|' is +1 at 0, as in JAX


def _abs_vjp(g, ans, x):
    if get_aval(x).dtype.kind == "c":
        return mul(g, _abs_direction(ans, x))
    return select(ge(x, 0), g, neg(g))


defjvp(abs_p, _abs_jvp)
defvjp(abs_p, _abs_vjp)


# sign(z) = z / |z| is piecewise constant on the reals, but on the complex plane it moves
# along the unit circle: ds = (dz - s Re(conj(s) dz)) / |z|, the tangential part of dz over
# |z| (JAX gives 0 here, which finite differences contradict). At z == 0 it is 0.
def _inverse_magnitude(x):
    """1 / |x|, and 0 where x == 0."""
    magnitude = absolute(x)
    zero = eq(magnitude, 0)
    return select(zero, 0.0, reciprocal(select(zero, 1.0, magnitude)))


def _sign_jvp(t, ans, x):
    if get_aval(x).dtype.kind != "c":
        return None
    from fungrad.prims.complex import conj, real
    inverse = _inverse_magnitude(x)
    return mul(sub(t, mul(ans, real(mul(conj(ans), t)))), inverse)


def _sign_vjp(g, ans, x):
    if get_aval(x).dtype.kind != "c":
        return None
    from fungrad.prims.complex import conj, real
    inverse = _inverse_magnitude(x)
    return mul(sub(g, mul(conj(ans), real(mul(ans, g)))), inverse)


defjvp(sign_p, _sign_jvp)
defvjp(sign_p, _sign_vjp)


def _sinc_derivative(ans, x):
    # (cos(pi x) - sinc(x)) / x, with the removable singularity at 0 kept out of both
    # branches so no NaN leaks into the gradient. At 0 it is the Maclaurin series
    # -pi^2 x / 3 + pi^4 x^3 / 30: value 0, and the higher derivatives (sinc''(0) = -pi^2/3,
    # sinc''''(0) = pi^4/5) right, not those of a constant.
    zero = eq(x, 0)
    safe_x = select(zero, 1.0, x)
    series = mul(x, add(-math.pi ** 2 / 3, mul(square(x), math.pi ** 4 / 30)))
    return select(zero, series, div(sub(cos(mul(safe_x, math.pi)), sinc(safe_x)), safe_x))


_unary(sinc_p, _sinc_derivative)

# ----------------------------------------------------------------------------- binary math
pow_p, power = elementwise("pow", np.power)
atan2_p, arctan2 = elementwise("atan2", np.arctan2)
rem_p, fmod = elementwise("rem", np.fmod)
mod_p, mod = elementwise("mod", np.mod)
hypot_p, hypot = elementwise("hypot", np.hypot)
logaddexp_p, logaddexp = elementwise("logaddexp", np.logaddexp)
logaddexp2_p, logaddexp2 = elementwise("logaddexp2", np.logaddexp2)


def _pow_dy(ans, x):
    # d(x**y)/dy = log(x) x**y, taken as 0 where x == 0 (JAX's convention) without a NaN
    zero = eq(x, 0)
    return select(zero, 0.0, mul(log(select(zero, 1.0, x)), ans))


def _pow_dx(x, y):
    # y * x**(y-1), written so that y == 0 gives exactly 0 (not 0 * inf at x == 0)
    if type(y) in (int, float):  # a Python exponent stays a weak Python scalar
        return 0.0 if y == 0 else mul(y, power(x, y - 1))
    return select(eq(y, 0), 0.0, mul(y, power(x, sub(y, 1))))


defjvp(pow_p, lambda t, ans, x, y: mul(t, _pow_dx(x, y)),
       lambda t, ans, x, y: mul(t, _pow_dy(ans, x)))
defvjp(pow_p, lambda g, ans, x, y: mul(g, _pow_dx(x, y)),
       lambda g, ans, x, y: mul(g, _pow_dy(ans, x)))


def _atan2_denominator(y, x):
    return add(square(x), square(y))


defjvp(atan2_p, lambda t, ans, y, x: mul(t, div(x, _atan2_denominator(y, x))),
       lambda t, ans, y, x: mul(t, neg(div(y, _atan2_denominator(y, x)))))
defvjp(atan2_p, lambda g, ans, y, x: mul(g, div(x, _atan2_denominator(y, x))),
       lambda g, ans, y, x: mul(g, neg(div(y, _atan2_denominator(y, x)))))
# fmod(x, y) = x - trunc(x/y) y and mod(x, y) = x - floor(x/y) y, piecewise linear
defjvp(rem_p, lambda t, ans, x, y: t, lambda t, ans, x, y: neg(mul(t, trunc(div(x, y)))))
defvjp(rem_p, lambda g, ans, x, y: g, lambda g, ans, x, y: neg(mul(g, trunc(div(x, y)))))
defjvp(mod_p, lambda t, ans, x, y: t, lambda t, ans, x, y: neg(mul(t, floor(div(x, y)))))
defvjp(mod_p, lambda g, ans, x, y: g, lambda g, ans, x, y: neg(mul(g, floor(div(x, y)))))
def _hypot_partial(x, ans):
    """d hypot / dx = x / hypot, and 1/2 at the origin, where JAX's (max(|x|, |y|) with abs'(0)
    = 1 and a tie split evenly) gives 1/2 for each argument: hypot(x, x)'(0) = 1, as abs'(0)."""
    at_origin = eq(ans, 0)
    return select(at_origin, mul(ans, 0) + 0.5, div(x, select(at_origin, ans + 1, ans)))


defjvp(hypot_p, lambda t, ans, x, y: mul(t, _hypot_partial(x, ans)),
       lambda t, ans, x, y: mul(t, _hypot_partial(y, ans)))
defvjp(hypot_p, lambda g, ans, x, y: mul(g, _hypot_partial(x, ans)),
       lambda g, ans, x, y: mul(g, _hypot_partial(y, ans)))
defjvp(logaddexp_p, lambda t, ans, x, y: mul(t, exp(sub(x, ans))),
       lambda t, ans, x, y: mul(t, exp(sub(y, ans))))
defvjp(logaddexp_p, lambda g, ans, x, y: mul(g, exp(sub(x, ans))),
       lambda g, ans, x, y: mul(g, exp(sub(y, ans))))
defjvp(logaddexp2_p, lambda t, ans, x, y: mul(t, exp2(sub(x, ans))),
       lambda t, ans, x, y: mul(t, exp2(sub(y, ans))))
defvjp(logaddexp2_p, lambda g, ans, x, y: mul(g, exp2(sub(x, ans))),
       lambda g, ans, x, y: mul(g, exp2(sub(y, ans))))


# integer_pow: x ** n for a Python int n, exact at x == 0 and for negative x
def _squares(dtype: np.dtype, y: int) -> bool:
    """Is ``x ** y`` computed as ``np.square(x)``? For real floats and y == 2: numpy's power
    squares then too, but through its general loop, so square gives the same bits in about a
    third of the time (100,000 float64s: 24 us against 62)."""
    return y == 2 and dtype.kind == "f"


def _integer_pow_impl(x, y):
    dtype = np.asarray(x).dtype
    if _squares(dtype, y):
        return np.square(x)
    return np.power(x, y) if y >= 0 or dtype.kind in "fc" else \
        np.power(np.asarray(x, np.float64), y)


def _integer_pow_abstract(aval, y):
    if aval.dtype.kind in "biu" and y < 0:
        return ShapedArray(aval.shape, np.float64)
    return ShapedArray(aval.shape, aval.dtype)


integer_pow_p = primitive("integer_pow", _integer_pow_impl, _integer_pow_abstract)
integer_pow_p.weak_propagating = True  # ``s ** 2`` of a Python float is a Python float
# compiled too, x ** 2 on floats is np.square (a weak Python float keeps the scalar path)
integer_pow_p.ufunc_form = lambda avals, y: \
    np.square if _squares(avals[0].dtype, y) and not avals[0].weak_type else None


def integer_pow(x, y: int):
    return bind(integer_pow_p, x, y=int(y))


def _integer_pow_derivative(x, y):
    if y == 0:
        return 0.0
    if y == 1:
        return 1.0
    if y == 2:
        return mul(x, 2.0)
    return mul(float(y), integer_pow(x, y - 1))


defjvp(integer_pow_p, lambda t, ans, x, y: mul(t, _integer_pow_derivative(x, y)))
defvjp(integer_pow_p, lambda g, ans, x, y: mul(g, _integer_pow_derivative(x, y)))

# ----------------------------------------------------------------------------- select


def _select_abstract(pred, on_true, on_false):
    if pred.dtype != np.bool_:
        raise TypeError(f"select: the predicate must be boolean, got {pred.str_short()}")
    dtype = elementwise_abstract_eval("select", np.add)(on_true, on_false).dtype
    return ShapedArray(broadcast_shapes("select", [pred, on_true, on_false]), dtype)


select_p = primitive("select", np.where, _select_abstract)


def select(pred, on_true, on_false):
    """``where(pred, on_true, on_false)`` with numpy broadcasting."""
    return bind(select_p, pred, on_true, on_false)


defjvp(select_p, None, lambda t, ans, p, a, b: select(p, t, 0.0),
       lambda t, ans, p, a, b: select(p, 0.0, t))
defvjp(select_p, None, lambda g, ans, p, a, b: select(p, g, 0.0),
       lambda g, ans, p, a, b: select(p, 0.0, g))

# ----------------------------------------------------------------------------- dtype casts


def _convert_impl(x, new_dtype, weak_type=False):
    if weak_type:  # a weakly typed scalar is a Python scalar, as numpy (NEP 50) sees it
        return new_dtype.type(x).item()
    return np.asarray(x).astype(new_dtype, copy=False) if not isinstance(x, np.generic) \
        else new_dtype.type(x)


def _convert_abstract(aval, new_dtype, weak_type=False):
    return ShapedArray(aval.shape, new_dtype, weak_type)


convert_element_type_p = primitive("convert_element_type", _convert_impl, _convert_abstract)


def convert_element_type(x, new_dtype, weak_type: bool = False):
    """Cast to ``new_dtype``; ``weak_type=True`` (scalars only) makes a weakly typed value,
    what arithmetic on Python scalars gives."""
    if weak_type:
        return bind(convert_element_type_p, x, new_dtype=np.dtype(new_dtype), weak_type=True)
    return bind(convert_element_type_p, x, new_dtype=np.dtype(new_dtype))


def cast_derivative(t, dtype: np.dtype):
    """A tangent or cotangent cast to ``dtype``; complex to real keeps the real part, the
    projection that is right for both (a real tangent's change, and for a real input the
    pairing ``Re(c * t)``), without numpy's ComplexWarning."""
    if get_aval(t).dtype.kind == "c" and dtype.kind != "c":
        from fungrad.prims.complex import real
        t = real(t)
    return convert_element_type(t, dtype)


def _convert_jvp(primals, tangents, new_dtype, weak_type=False):
    ans = convert_element_type(primals[0], new_dtype, weak_type)
    t = tangents[0]
    if t is None or new_dtype.kind not in "fc":
        return ans, None
    return ans, cast_derivative(t, new_dtype)


def _convert_vjp(g, primals, ans, needs, new_dtype, weak_type=False):
    x_dtype = get_aval(primals[0]).dtype
    if not needs[0] or x_dtype.kind not in "fc" or new_dtype.kind not in "fc":
        return [None]
    return [cast_derivative(g, x_dtype)]


convert_element_type_p.jvp = _convert_jvp
convert_element_type_p.vjp = _convert_vjp
convert_element_type_p.simplify = lambda inputs, params, ctx, out_aval: \
    inputs[0] if inputs[0].aval == out_aval else None
convert_element_type_p.emit = lambda avals, new_dtype, weak_type=False: \
    None if weak_type or avals[0].weak_type else ("{0}.astype({dtype})", {"dtype": new_dtype})


# stop_gradient: the identity, with a zero derivative at every order
stop_gradient_p = primitive("stop_gradient", np.asarray, lambda a: a.strip_weak(),
                            nondiff=True)
# compiled code has no derivatives to stop: the value itself
stop_gradient_p.emit = lambda avals: None if avals[0].weak_type else ("{0}", {})


# ---------------------------------------------------------------------------------------------
# Python-scalar forms: on float64 scalars, jit compiles these to Python operators and the math
# module (scalar_emit), and tracing computes with them (scalar_impl), instead of a numpy call
# on a 0-d value, ten times dearer. Anything that raises there (math domain errors, division
# by zero, overflow) falls back to numpy, whose inf/nan results are kept.
# ---------------------------------------------------------------------------------------------

def _operator_form(prim, text: str, arity: int) -> None:
    prim.scalar_emit = lambda **params: (text, {})
    names = ["a", "b"][:arity]
    prim.scalar_impl = eval(f"lambda {', '.join(names)}: " + text.format(*names))  # noqa: S307


def _math_form(prim, fn) -> None:
    prim.scalar_emit = lambda **params: ("{fn}({0})", {"fn": fn})
    prim.scalar_impl = fn


for _p, _text in ((add_p, "({0} + {1})"), (sub_p, "({0} - {1})"), (mul_p, "({0} * {1})"),
                  (div_p, "({0} / {1})"), (lt_p, "({0} < {1})"), (le_p, "({0} <= {1})"),
                  (gt_p, "({0} > {1})"), (ge_p, "({0} >= {1})"), (eq_p, "({0} == {1})"),
                  (ne_p, "({0} != {1})")):
    _operator_form(_p, _text, 2)
for _p, _text in ((neg_p, "(-{0})"), (square_p, "({0} * {0})"),
                  (reciprocal_p, "(1.0 / {0})"), (abs_p, "abs({0})")):
    _operator_form(_p, _text, 1)
for _p, _fn in ((sin_p, math.sin), (cos_p, math.cos), (tan_p, math.tan), (exp_p, math.exp),
                (log_p, math.log), (sqrt_p, math.sqrt), (tanh_p, math.tanh),
                (sinh_p, math.sinh), (cosh_p, math.cosh), (asin_p, math.asin),
                (acos_p, math.acos), (atan_p, math.atan), (asinh_p, math.asinh),
                (acosh_p, math.acosh), (atanh_p, math.atanh), (log1p_p, math.log1p),
                (expm1_p, math.expm1)):
    _math_form(_p, _fn)
integer_pow_p.scalar_emit = lambda y: ("({0} ** {y})", {"y": y})
integer_pow_p.scalar_impl = lambda x, y: x ** y


# select, integer_pow, casts and stop_gradient batch like the other elementwise operations
for _p in (select_p, integer_pow_p, convert_element_type_p, stop_gradient_p):
    batch_elementwise(_p)
