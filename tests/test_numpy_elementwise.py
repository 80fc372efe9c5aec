"""Elementwise functions of ``fungrad.numpy`` and the Tracer operators.

For every function: eager values and dtypes against numpy (float32/float64, scalars, vectors,
matrices, broadcasting, size 0, Python scalars mixed in), traced IR valid and replaying on new
inputs, first and second derivatives in both modes against finite differences (float64),
float32 gradients staying float32, zero derivatives of the piecewise-constant ones, JAX's
conventions at kinks, and clear errors.
"""
from __future__ import annotations

import math
import operator

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.core import current_trace_level
from fungrad.numpy import ufuncs

from helpers import (
    assert_derivatives, assert_float32_derivatives, assert_same_as_numpy,
    assert_traces_and_replays, rand,
)

FLOATS = [np.float32, np.float64]
SHAPES = [(), (3,), (2, 3), (0,), (2, 0)]
GRAD_SHAPES = [(), (4,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)),
                 ((0,), (0,)), ((2, 0), (1,)), ((0, 3), (2, 1, 3))]
GRAD_BINARY_SHAPES = [((), ()), ((4,), (4,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3))]


# ---------------------------------------------------------------------------------------------
# Input domains: where each function is smooth (or locally constant), so finite differences
# are meaningful.
# ---------------------------------------------------------------------------------------------

class Domain:
    """Uniform samples in [low, high]; ``signed`` flips the sign of about half of them (to
    sample |x| in [low, high]); ``steps`` samples k + f, k an integer in [-3, 3], f in
    [0.1, 0.4]: away from integers and half-integers (floor, round, sign... are constant
    there)."""

    def __init__(self, low=-2.0, high=2.0, signed=False, steps=False):
        self.low, self.high, self.signed, self.steps = low, high, signed, steps

    def __call__(self, shape, dtype=np.float64, seed=0):
        if self.steps:
            x = np.floor(rand(shape, np.float64, seed, -3.0, 4.0)) + \
                rand(shape, np.float64, seed + 50, 0.1, 0.4)
        else:
            x = rand(shape, np.float64, seed, self.low, self.high)
        if self.signed:
            x = x * np.where(rand(shape, np.float64, seed + 100) > 0, 1.0, -1.0)
        return np.asarray(x, dtype)


R = Domain()
WIDE = Domain(-4.0, 4.0)
POS = Domain(0.5, 3.0)
NZ = Domain(0.3, 2.0, signed=True)
UNIT = Domain(-0.9, 0.9)
STEPS = Domain(steps=True)


def _separated(x, y):
    """No ties (maximum, comparisons): kinks are at x == y."""
    return np.min(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64)), initial=1.0) \
        > 0.05


def _ratio_off_integers(x, y):
    """x / y away from integers (fmod, mod, floor_divide jump there)."""
    r = np.asarray(x, np.float64) / np.asarray(y, np.float64)
    return np.min(np.abs(r - np.round(r)), initial=1.0) > 0.05


def sample_pair(spec, shapes, dtype=np.float64, seed=0):
    """Two inputs from a binary spec ``(domain_x, domain_y[, valid])``, resampled (with a
    deterministic sequence of seeds) until ``valid``."""
    dom_x, dom_y = spec[0], spec[1]
    valid = spec[2] if len(spec) > 2 else None
    for s in range(seed, seed + 200):
        x, y = dom_x(shapes[0], dtype, s), dom_y(shapes[1], dtype, s + 1000)
        if valid is None or valid(x, y):
            return x, y
    raise AssertionError("no valid sample found")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# The function tables. ``test_tables_cover_fungrad_numpy`` keeps them in step with fnp's own.
# ---------------------------------------------------------------------------------------------

UNARY = {  # differentiable: name -> smooth domain
    "exp": R, "exp2": R, "log": POS, "log2": POS, "log10": POS, "log1p": Domain(-0.5, 2.0),
    "expm1": R, "sqrt": POS, "cbrt": NZ, "square": R, "reciprocal": NZ, "sin": WIDE,
    "cos": WIDE, "tan": Domain(-1.2, 1.2), "arcsin": UNIT, "arccos": UNIT, "arctan": WIDE,
    "sinh": R, "cosh": R, "tanh": R, "arcsinh": WIDE, "arccosh": Domain(1.2, 3.0),
    "arctanh": UNIT, "absolute": NZ, "abs": NZ, "negative": R, "sinc": R,
    "positive": R, "fabs": NZ, "deg2rad": WIDE, "radians": WIDE, "rad2deg": WIDE,
    "degrees": WIDE, "real": R, "conj": R, "conjugate": R,
    "acos": UNIT, "asin": UNIT, "atan": WIDE, "acosh": Domain(1.2, 3.0), "asinh": WIDE,
    "atanh": UNIT,
}
UNARY_NONDIFF = {  # zero derivative: name -> domain where the function is locally constant
    "sign": STEPS, "floor": STEPS, "ceil": STEPS, "rint": STEPS, "trunc": STEPS,
    "round": STEPS, "around": STEPS, "isfinite": R, "isnan": R, "isinf": R,
    "logical_not": NZ, "invert": STEPS, "bitwise_not": STEPS, "bitwise_invert": STEPS,
    "bitwise_count": STEPS, "signbit": NZ, "spacing": R,
}
INTEGER_ONLY = {"invert", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor",
                "bitwise_invert", "bitwise_count", "gcd", "lcm", "left_shift", "right_shift",
                "bitwise_left_shift", "bitwise_right_shift"}

BINARY = {  # differentiable: name -> (domain of x1, domain of x2[, validity of the pair])
    "add": (R, R), "subtract": (R, R), "multiply": (R, R), "divide": (R, NZ),
    "true_divide": (R, NZ), "maximum": (R, R, _separated), "minimum": (R, R, _separated),
    "fmax": (R, R, _separated), "fmin": (R, R, _separated), "arctan2": (NZ, R),
    "hypot": (NZ, R), "logaddexp": (R, R), "logaddexp2": (R, R),
    "fmod": (WIDE, NZ, _ratio_off_integers), "mod": (WIDE, NZ, _ratio_off_integers),
    "remainder": (WIDE, NZ, _ratio_off_integers), "power": (POS, R), "pow": (POS, R),
    "float_power": (POS, R), "atan2": (NZ, R), "copysign": (NZ, NZ), "heaviside": (NZ, R),
    "nextafter": (R, R),
}
BINARY_NONDIFF = {
    "floor_divide": (WIDE, NZ, _ratio_off_integers), "equal": (R, R, _separated),
    "not_equal": (R, R, _separated), "less": (R, R, _separated),
    "less_equal": (R, R, _separated), "greater": (R, R, _separated),
    "greater_equal": (R, R, _separated), "logical_and": (NZ, NZ), "logical_or": (NZ, NZ),
    "logical_xor": (NZ, NZ), "bitwise_and": (STEPS, STEPS), "bitwise_or": (STEPS, STEPS),
    "bitwise_xor": (STEPS, STEPS), "gcd": (STEPS, STEPS), "lcm": (STEPS, STEPS),
    "left_shift": (STEPS, POS), "right_shift": (STEPS, POS),
    "bitwise_left_shift": (STEPS, POS), "bitwise_right_shift": (STEPS, POS),
}


def _np(name):
    return getattr(np, name)


def _fnp(name):
    return getattr(fnp, name)


def _ints_if_needed(name, x):
    return np.asarray(np.floor(x), np.int64) if name in INTEGER_ONLY else x


def like_numpy(fn, np_fn, *args):
    """``fn`` gives numpy's value and dtype, or raises the same kind of error numpy does:
    eagerly, and traced with its numpy-array arguments as inputs (Python scalars stay
    weakly typed constants), where the IR's output type must be numpy's too."""
    arrays = [i for i, a in enumerate(args) if isinstance(a, (np.ndarray, np.generic))]

    def traced(*xs):
        full = list(args)
        for i, x in zip(arrays, xs):
            full[i] = x
        return fn(*full)

    with np.errstate(all="ignore"):
        try:
            expected = np_fn(*args)
        except (TypeError, ValueError) as e:
            kind = TypeError if isinstance(e, TypeError) else ValueError
            with pytest.raises(kind):
                fn(*args)
            if arrays:
                with pytest.raises(kind):
                    fungrad.make_jaxpr(traced)(*[args[i] for i in arrays])
                assert current_trace_level() == 0
            return
        assert_same_as_numpy(fn(*args), expected)
        if arrays:
            closed = fungrad.make_jaxpr(traced)(*[args[i] for i in arrays])
            assert closed.out_avals[0].dtype == np.asarray(expected).dtype
            assert_same_as_numpy(closed(*[args[i] for i in arrays])[0], expected)


def _made_by(factory, differentiable: bool) -> set:
    """The names of fungrad.numpy.ufuncs made by ``factory`` (``_unary`` or ``_binary``):
    closures of one factory share its inner code object."""
    code = factory("probe", lambda *xs: xs[0]).__code__
    return {name for name, fn in vars(ufuncs).items()
            if getattr(fn, "__code__", None) is code
            and ("its derivative is zero" not in fn.__doc__) == differentiable}


def test_tables_cover_fungrad_numpy():
    assert len(_made_by(ufuncs._unary, True)) > 20  # the walk itself finds them
    assert _made_by(ufuncs._unary, True) <= set(UNARY)
    assert _made_by(ufuncs._unary, False) <= set(UNARY_NONDIFF)
    assert _made_by(ufuncs._binary, True) <= set(BINARY)
    assert _made_by(ufuncs._binary, False) <= set(BINARY_NONDIFF)
    for name in list(UNARY) + list(UNARY_NONDIFF) + list(BINARY) + list(BINARY_NONDIFF):
        assert callable(_fnp(name)), name


# ---------------------------------------------------------------------------------------------
# Unary functions
# ---------------------------------------------------------------------------------------------

ALL_UNARY = {**UNARY, **UNARY_NONDIFF}
SPECIAL = [0.0, -0.0, 1e-30, 1e30, np.inf, -np.inf, np.nan, 0.5, -0.5, 1.5, -2.5, 3.0]


@pytest.mark.parametrize("name", sorted(ALL_UNARY))
@pytest.mark.parametrize("dtype", FLOATS)
def test_unary_values(name, dtype):
    dom = ALL_UNARY[name]
    for shape in SHAPES:
        x = _ints_if_needed(name, dom(shape, dtype))
        like_numpy(_fnp(name), _np(name), x)
    if name not in INTEGER_ONLY:
        like_numpy(_fnp(name), _np(name), np.array(SPECIAL, dtype))  # inf, nan, -0.0, tiny
        like_numpy(_fnp(name), _np(name), dtype(0.75))  # a numpy scalar


@pytest.mark.parametrize("name", sorted(ALL_UNARY))
def test_unary_values_other_inputs(name):
    """Python scalars, integer and boolean arrays: numpy's dtype (or numpy's TypeError)."""
    for x in [0.75, 2, True, np.array([3, -2, 5]), np.array([3, 2], np.uint8),
              np.array([3, -2], np.int32), np.array([True, False])]:
        if name in ("real", "conj", "conjugate") and x is True:
            continue  # np.real(True) is the Python int True.real: not an array semantics
        like_numpy(_fnp(name), _np(name), x)


@pytest.mark.parametrize("name", sorted(ALL_UNARY))
@pytest.mark.parametrize("dtype", FLOATS)
def test_unary_traces_and_replays(name, dtype):
    dom = ALL_UNARY[name]
    x, x_new = (_ints_if_needed(name, dom((2, 3), dtype, s)) for s in (0, 1))
    closed = assert_traces_and_replays(_fnp(name), (x,), (x_new,))
    assert closed.out_avals[0].dtype == _np(name)(x).dtype
    assert closed.out_avals[0].shape == (2, 3)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", GRAD_SHAPES)
def test_unary_derivatives(name, shape):
    assert_derivatives(_fnp(name), (UNARY[name](shape),))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_derivatives_float32(name):
    """float32 in, float32 derivatives out, agreeing with the float64 ones."""
    assert_float32_derivatives(_fnp(name), UNARY[name]((3,)), atol=1e-5, elementwise=True)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_derivative_of_python_scalar(name):
    x = float(UNARY[name](()))
    g = fungrad.grad(_fnp(name))(x)
    assert np.asarray(g).dtype == np.float64 and np.shape(g) == ()
    np.testing.assert_allclose(g, fungrad.grad(_fnp(name))(np.float64(x)), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(UNARY_NONDIFF))
@pytest.mark.parametrize("shape", GRAD_SHAPES)
def test_unary_nondiff_derivatives_are_zero(name, shape):
    f = _fnp(name)
    prep = (lambda x: fnp.astype(x, np.int64)) if name in INTEGER_ONLY else (lambda x: x)
    x = UNARY_NONDIFF[name](shape)

    def as_float(x):
        return fnp.astype(f(prep(x)), x.dtype)

    g = fungrad.grad(lambda x: fnp.sum(as_float(x)))(x)
    assert g.dtype == np.float64 and g.shape == shape
    assert np.all(g == 0)
    _, t = fungrad.jvp(as_float, (x,), (np.ones(shape),))
    assert np.all(np.asarray(t) == 0)
    # finite differences agree: the function is locally constant, at orders 1 and 2
    assert_derivatives(lambda x: as_float(x) * x + x, (x,))


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "rint", "trunc", "round"])
def test_unary_nondiff_tangent_has_output_dtype(name):
    x = STEPS((3,), np.float32)
    out, t = fungrad.jvp(_fnp(name), (x,), (np.ones(3, np.float32),))
    assert out.dtype == np.float32 and t.dtype == np.float32 and np.all(t == 0)
    g = fungrad.grad(lambda x: fnp.sum(_fnp(name)(x)))(x)
    assert g.dtype == np.float32 and np.all(g == 0)


def test_bool_output_jvp_is_float0():
    out, t = fungrad.jvp(fnp.isnan, (np.ones(2),), (np.ones(2),))
    assert out.dtype == np.bool_
    assert t.dtype == fungrad.float0 and t.shape == (2,)


# ---------------------------------------------------------------------------------------------
# Binary functions
# ---------------------------------------------------------------------------------------------

ALL_BINARY = {**BINARY, **BINARY_NONDIFF}


@pytest.mark.parametrize("name", sorted(ALL_BINARY))
@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_values(name, dtype):
    for shapes in BINARY_SHAPES:
        x, y = sample_pair(ALL_BINARY[name], shapes, dtype)
        x, y = _ints_if_needed(name, x), _ints_if_needed(name, y)
        like_numpy(_fnp(name), _np(name), x, y)
        like_numpy(_fnp(name), _np(name), y, x)


PARTNERS = [2.0, 3, True, np.float64(1.5), np.float32(1.5), np.int32(2),
            np.array([2.0, 0.5]), np.array([2.0, 0.5], np.float32), np.array([2, 3]),
            np.array([2, 3], np.uint8), np.array([True, False])]


@pytest.mark.parametrize("name", sorted(ALL_BINARY))
@pytest.mark.parametrize("dtype", FLOATS + [np.int64, np.int32, np.bool_])
def test_binary_values_mixed_operands(name, dtype):
    """NEP 50: Python scalars are weak (f32 array * 2.0 stays float32), numpy scalars and
    arrays are not; either order."""
    base = np.array([1.25, 3.5])
    x = np.asarray(base if np.dtype(dtype).kind == "f" else base > 2 if dtype is np.bool_
                   else np.array([5, 7]), dtype)
    for y in PARTNERS:
        like_numpy(_fnp(name), _np(name), x, y)
        like_numpy(_fnp(name), _np(name), y, x)
    for a, b in [(3.5, 2.0), (7, 2), (7, 2.0), (True, 3)]:  # Python scalars only
        like_numpy(_fnp(name), _np(name), a, b)


@pytest.mark.parametrize("name", sorted(ALL_BINARY))
@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_traces_and_replays(name, dtype):
    spec, f = ALL_BINARY[name], _fnp(name)
    args = [_ints_if_needed(name, a) for a in sample_pair(spec, ((2, 3), (3,)), dtype, 0)]
    new = [_ints_if_needed(name, a) for a in sample_pair(spec, ((2, 3), (3,)), dtype, 7)]
    closed = assert_traces_and_replays(f, args, new)
    assert closed.out_avals[0].dtype == _np(name)(*args).dtype
    assert closed.out_avals[0].shape == (2, 3)
    # a Python scalar partner is a weakly typed literal: float32 stays float32
    c = 1.5 if name not in INTEGER_ONLY else 3
    for g in (lambda x: f(x, c), lambda x: f(c, x)):
        closed = assert_traces_and_replays(g, (args[0],), (new[0],))
        assert closed.out_avals[0].dtype == np.asarray(g(args[0])).dtype


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", GRAD_BINARY_SHAPES, ids=str)
def test_binary_derivatives(name, shapes):
    assert_derivatives(_fnp(name), sample_pair(BINARY[name], shapes))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_derivatives_with_python_scalar(name):
    spec, f = BINARY[name], _fnp(name)
    x, c = sample_pair(spec, ((3,), ()))
    assert_derivatives(lambda x: f(x, float(c)), (x,))
    c, y = sample_pair(spec, ((), (3,)))
    assert_derivatives(lambda y: f(float(c), y), (y,))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_derivatives_float32(name):
    f = _fnp(name)
    x64, y64 = sample_pair(BINARY[name], ((2, 3), (3,)))
    x32, y32 = x64.astype(np.float32), y64.astype(np.float32)

    def loss(x, y):
        return fnp.sum(f(x, y))

    g32 = fungrad.grad(loss, argnums=(0, 1))(x32, y32)
    g64 = fungrad.grad(loss, argnums=(0, 1))(x64, y64)
    for a, b, shape in zip(g32, g64, [(2, 3), (3,)]):
        assert a.dtype == np.float32 and a.shape == shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    out, t = fungrad.jvp(f, (x32, y32), (np.ones((2, 3), np.float32), np.ones(3, np.float32)))
    assert t.dtype == out.dtype == np.asarray(f(x32, y32)).dtype
    # float32 array with a Python scalar: float32 result, float32 gradient
    g = fungrad.grad(lambda x: fnp.sum(f(x, float(y64[0]))))(x32)
    assert g.dtype == np.float32


@pytest.mark.parametrize("name", sorted(BINARY_NONDIFF))
@pytest.mark.parametrize("shapes", [((), ()), ((2, 3), (3,))], ids=str)
def test_binary_nondiff_derivatives_are_zero(name, shapes):
    f = _fnp(name)
    prep = (lambda x: fnp.astype(x, np.int64)) if name in INTEGER_ONLY else (lambda x: x)
    x, y = sample_pair(BINARY_NONDIFF[name], shapes)

    def as_float(x, y):
        return fnp.astype(f(prep(x), prep(y)), np.float64)

    gx, gy = fungrad.grad(lambda x, y: fnp.sum(as_float(x, y)), argnums=(0, 1))(x, y)
    assert gx.shape == shapes[0] and gy.shape == shapes[1]
    assert np.all(gx == 0) and np.all(gy == 0)
    assert_derivatives(lambda x, y: as_float(x, y) * x * y + x * y, (x, y))


# ---------------------------------------------------------------------------------------------
# JAX's conventions at kinks and singular points
# ---------------------------------------------------------------------------------------------

def test_abs_derivative_at_zero_is_one():
    for f in (fnp.abs, fnp.absolute, fnp.fabs, abs):
        assert fungrad.grad(f)(0.0) == 1.0
        assert fungrad.grad(f)(-0.0) == 1.0
        assert fungrad.jvp(f, (0.0,), (1.0,))[1] == 1.0
    assert fungrad.grad(lambda x: fnp.abs(x) ** 2)(0.0) == 0.0
    assert fungrad.grad(fungrad.grad(fnp.abs))(0.0) == 0.0
    g = fungrad.grad(lambda x: fnp.sum(fnp.abs(x)))(np.array([-1.0, 0.0, 2.0], np.float32))
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [-1.0, 1.0, 1.0])


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_extremum_of_x_and_x_has_derivative_one(name):
    f = _fnp(name)
    assert fungrad.grad(lambda x: f(x, x))(1.5) == 1.0
    assert fungrad.jvp(lambda x: f(x, x), (1.5,), (1.0,))[1] == 1.0
    g = fungrad.grad(lambda x: fnp.sum(f(x, x)))(np.array([1.0, -2.0], np.float32))
    assert g.dtype == np.float32 and g.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_extremum_tie_splits_the_derivative(name):
    f = _fnp(name)
    assert fungrad.grad(f, argnums=(0, 1))(1.5, 1.5) == (0.5, 0.5)
    assert fungrad.jvp(f, (1.5, 1.5), (1.0, 0.0))[1] == 0.5
    x = np.array([1.0, 2.0, 3.0])
    gx, gy = fungrad.grad(lambda a, b: fnp.sum(f(a, b)), argnums=(0, 1))(x, np.full(3, 2.0))
    big = name == "maximum"
    np.testing.assert_array_equal(gx, [0.0 if big else 1.0, 0.5, 1.0 if big else 0.0])
    np.testing.assert_array_equal(gx + gy, [1.0, 1.0, 1.0])


def test_clip_derivative():
    x = np.array([-2.0, -1.0, 0.25, 1.0, 3.0])
    g = fungrad.grad(lambda x: fnp.sum(fnp.clip(x, -1.0, 1.0)))(x)
    np.testing.assert_array_equal(g, [0.0, 0.5, 1.0, 0.5, 0.0])  # ties split, as jnp.clip
    g32 = fungrad.grad(lambda x: fnp.sum(fnp.clip(x, -1.0, 1.0)))(x.astype(np.float32))
    assert g32.dtype == np.float32 and g32.tolist() == g.tolist()
    lo, hi = np.full(5, -1.5), np.full(5, 1.5)
    x = np.array([-2.0, -1.0, 0.25, 1.0, 3.0])
    gx, glo, ghi = fungrad.grad(lambda x, lo, hi: fnp.sum(fnp.clip(x, lo, hi)),
                                argnums=(0, 1, 2))(x, lo, hi)
    np.testing.assert_array_equal(gx, [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(glo, [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(ghi, [0, 0, 0, 0, 1])


def test_sqrt_and_cbrt_derivative_at_zero_is_inf():
    with np.errstate(divide="ignore"):
        assert fungrad.grad(fnp.sqrt)(0.0) == np.inf
        assert fungrad.grad(fnp.cbrt)(0.0) == np.inf
        assert fungrad.jvp(fnp.sqrt, (0.0,), (1.0,))[1] == np.inf


def test_sinc_derivatives_at_zero():
    # sinc(x) = 1 - (pi x)^2 / 6 + (pi x)^4 / 120 - ...: sinc'(0) = 0, sinc''(0) = -pi^2 / 3,
    # sinc'''(0) = 0, sinc''''(0) = pi^4 / 5
    d1 = fungrad.grad(fnp.sinc)
    d2 = fungrad.grad(d1)
    assert d1(0.0) == 0.0 and not np.isnan(d1(0.0))
    np.testing.assert_allclose(d2(0.0), -math.pi ** 2 / 3, rtol=1e-12)
    np.testing.assert_allclose(fungrad.grad(d2)(0.0), 0.0, atol=1e-12)
    np.testing.assert_allclose(fungrad.grad(fungrad.grad(d2))(0.0), math.pi ** 4 / 5,
                               rtol=1e-12)
    # and continuous across 0: close to the value a little away from it
    np.testing.assert_allclose(d2(1e-4), -math.pi ** 2 / 3, rtol=1e-6)
    t = fungrad.jvp(fnp.sinc, (np.zeros(2),), (np.ones(2),))[1]
    np.testing.assert_array_equal(t, [0.0, 0.0])


def test_power_conventions():
    # x ** n for a Python int: n x^(n-1), exact at 0 and for negative x
    for n, expected in [(0, 0.0), (1, 1.0), (2, 0.0), (3, 0.0)]:
        assert fungrad.grad(lambda x: x ** n)(0.0) == expected
        assert fungrad.grad(lambda x: fnp.power(x, n))(0.0) == expected
    assert fungrad.grad(lambda x: x ** 3)(-2.0) == 12.0
    assert fungrad.grad(fungrad.grad(lambda x: x ** 3))(-2.0) == -12.0
    assert fungrad.grad(lambda x: x ** -1)(-2.0) == -0.25
    # d/dy x**y at x == 0 is 0 (not 0 * log 0 = nan); d/dx x**y at y == 0 is 0
    assert fungrad.grad(fnp.power, argnums=1)(0.0, 2.0) == 0.0
    assert fungrad.grad(fnp.power, argnums=0)(0.0, 2.0) == 0.0
    assert fungrad.grad(fnp.power, argnums=0)(0.0, 0.0) == 0.0
    # negative integer-valued exponents and bases through integer powers
    assert_derivatives(lambda x: x ** 3 + x ** -2 + x ** 0 + x ** 1, (NZ((2, 3)),))


def test_integer_power_values():
    for x in [NZ((2, 3)), NZ((3,), np.float32), np.float32(-1.5), -1.5]:
        for n in [0, 1, 2, 3, -1, -2]:
            like_numpy(lambda a: fnp.power(a, n), lambda a: np.power(a, n), x)
            closed = assert_traces_and_replays(lambda a: a ** n, (x,), (x,))
            assert closed.out_avals[0].dtype == np.asarray(np.power(x, n)).dtype
    # integers to negative integer powers: numpy's ValueError
    like_numpy(fnp.power, np.power, np.array([2, 3]), -1)


# ---------------------------------------------------------------------------------------------
# The other elementwise functions: where, clip, isclose, allclose, astype, round, real, conj
# ---------------------------------------------------------------------------------------------

def test_where_values():
    c = np.array([True, False, True])
    for dtype in FLOATS:
        x, y = R((2, 3), dtype, 0), R((3,), dtype, 1)
        like_numpy(fnp.where, np.where, c, x, y)
        like_numpy(fnp.where, np.where, c, x, 0.0)  # float32 stays float32
        like_numpy(fnp.where, np.where, c, 1.0, y)
        like_numpy(fnp.where, np.where, x > 0, x, np.float64(0))
        like_numpy(fnp.where, np.where, np.array([1.0, 0.0, 2.0]), x, y)  # non-bool condition
        like_numpy(fnp.where, np.where, np.array([1, 0, 2]), x, y)
        like_numpy(fnp.where, np.where, True, x, y)
        like_numpy(fnp.where, np.where, np.zeros(0, bool), np.zeros(0, dtype), 1.0)
    like_numpy(fnp.where, np.where, c, np.array([1, 2, 3]), 2.5)
    like_numpy(fnp.where, np.where, c, 1, 2)
    like_numpy(fnp.where, np.where, np.ones((2, 1), bool), np.ones(3), np.ones((4, 1, 1)))
    like_numpy(fnp.where, np.where, np.ones(2, bool), np.ones(3), 0.0)  # ValueError
    # one argument: numpy's nonzero, and JAX's size=/fill_value= under tracing
    for cond in (c, np.array([[0, 2], [3, 0]]), np.zeros(0)):
        for ours, theirs in zip(fnp.where(cond), np.where(cond)):
            assert_same_as_numpy(ours, theirs)
    jitted = fungrad.jit(lambda c: fnp.where(c, size=3, fill_value=-1))(np.array([0, 5, 0, 7]))
    assert_same_as_numpy(jitted[0], np.array([1, 3, -1]))
    with pytest.raises(ValueError, match="both x and y"):
        fnp.where(c, 1.0)
    with pytest.raises(ValueError, match="one-argument"):
        fnp.where(c, 1.0, 2.0, size=2)
    with pytest.raises(TypeError, match="size="):
        fungrad.jit(fnp.where)(c)


def test_where_traces_and_derivatives():
    x, y = R((2, 3)), R((3,), seed=1)
    c = np.array([True, False, True])
    assert_traces_and_replays(lambda c, x, y: fnp.where(c, x, y), (c, x, y),
                              (~c, R((2, 3), seed=2), R((3,), seed=3)))
    assert_traces_and_replays(lambda x, y: fnp.where(x > 0, x, y), (x, y),
                              (R((2, 3), seed=2), R((3,), seed=3)))
    for shapes in GRAD_BINARY_SHAPES:
        x, y = sample_pair((NZ, R), shapes)
        assert_derivatives(lambda x, y: fnp.where(x > 0, x * y, fnp.sin(y)), (x, y))
    gx, gy = fungrad.grad(lambda x, y: fnp.sum(fnp.where(c, x, y)), argnums=(0, 1))(
        np.ones(3, np.float32), np.ones(3, np.float32))
    assert gx.dtype == gy.dtype == np.float32
    np.testing.assert_array_equal(gx, [1, 0, 1])
    np.testing.assert_array_equal(gy, [0, 1, 0])


def test_clip_values_traces_and_derivatives():
    for dtype in FLOATS:
        x = WIDE((2, 3), dtype)
        like_numpy(fnp.clip, np.clip, x, -1.0, 1.0)  # float32 stays float32
        like_numpy(fnp.clip, np.clip, x, -1, None)
        like_numpy(fnp.clip, np.clip, x, None, np.float64(0.5))
        like_numpy(fnp.clip, np.clip, x, np.array([-1.0, 0.0, -2.0], dtype), 1.5)
        like_numpy(fnp.clip, np.clip, np.zeros((0, 3), dtype), 0.0, 1.0)
        like_numpy(lambda a: fnp.clip(a, min=0.0, max=1.0),
                   lambda a: np.clip(a, min=0.0, max=1.0), x)
    like_numpy(fnp.clip, np.clip, np.array([-3, 0, 5]), -1, 2)
    like_numpy(fnp.clip, np.clip, np.array([-3, 0, 5]), -1.5, 2)
    like_numpy(fnp.clip, np.clip, 2.5, 0.0, 1.0)
    assert_traces_and_replays(lambda x: fnp.clip(x, -1.0, 1.0), (WIDE((2, 3)),),
                              (WIDE((2, 3), seed=1),))
    assert_traces_and_replays(lambda x: x.clip(-1.0, 1.0), (WIDE((3,)),), (WIDE((3,), seed=1),))
    for shape in GRAD_SHAPES:  # bounds well away from the samples: smooth
        x, lo, hi = R(shape), Domain(-0.3, 0.3)(shape, seed=3), Domain(0.5, 1.0)(shape, seed=4)
        x = np.where(np.abs(x - lo) < 0.05, x + 0.1, x)
        x = np.where(np.abs(x - hi) < 0.05, x + 0.1, x)
        assert_derivatives(lambda x, lo, hi: fnp.clip(x, lo, hi), (x, lo, hi))


def test_isclose_allclose_values():
    a = np.array([1.0, 1.0, np.nan, np.inf, -np.inf, np.inf, 1.0, 0.0, 1e-9])
    b = np.array([1.0 + 1e-9, 1.1, np.nan, np.inf, np.inf, 1.0, np.inf, 1e-9, 0.0])
    for dtype in FLOATS:
        x, y = a.astype(dtype), b.astype(dtype)
        for kw in [{}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": 0.0},
                   {"rtol": 0.0, "atol": 0.0}]:
            like_numpy(lambda p, q: fnp.isclose(p, q, **kw), lambda p, q: np.isclose(p, q, **kw),
                       x, y)
            for n in (1, 2, 4, 7):
                like_numpy(lambda p, q: fnp.allclose(p, q, **kw),
                           lambda p, q: np.allclose(p, q, **kw), x[:n], y[:n])
        like_numpy(fnp.isclose, np.isclose, x.reshape(3, 3), y[:3])  # broadcasting
        like_numpy(fnp.isclose, np.isclose, x, 1.0)
        like_numpy(fnp.isclose, np.isclose, np.zeros(0, dtype), 1.0)
    like_numpy(fnp.isclose, np.isclose, np.array([1, 2, 3]), np.array([1, 3, 3]))
    like_numpy(fnp.isclose, np.isclose, 1.0, 1.0 + 1e-9)
    like_numpy(fnp.allclose, np.allclose, np.ones(3), np.ones(4))  # ValueError


def test_isclose_allclose_traced():
    x, y = R((3,)), R((3,)) + 1e-9
    assert_traces_and_replays(fnp.isclose, (x, y), (x, R((3,), seed=1)))
    g = fungrad.grad(lambda x: fnp.sum(fnp.astype(fnp.isclose(x, y), np.float64) * x))(x)
    np.testing.assert_array_equal(g, np.isclose(x, y).astype(np.float64))

    def f(x):  # Python control flow on allclose: a guard, like any bool()
        return x * 2.0 if fnp.allclose(x, y) else x

    closed = fungrad.make_jaxpr(f)(x)
    assert "guard" in str(closed)
    np.testing.assert_allclose(fungrad.grad(lambda x: fnp.sum(f(x)))(x), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(fungrad.grad(lambda x: fnp.sum(f(x)))(x + 1), [1.0, 1.0, 1.0])


ASTYPE_TARGETS = [np.float32, np.float64, np.int32, np.int64, np.bool_, np.uint8]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_astype_values_and_traces(dtype):
    x = np.asarray(WIDE((2, 3)) * 10, dtype)
    for target in ASTYPE_TARGETS:
        like_numpy(lambda a: fnp.astype(a, target), lambda a: a.astype(target), x)
        like_numpy(lambda a: fnp.astype(a, target), lambda a: a.astype(target),
                   np.zeros((0, 2), dtype))
        closed = assert_traces_and_replays(lambda a: fnp.astype(a, target), (x,), (x[::-1],))
        assert closed.out_avals[0].dtype == np.dtype(target)
        assert_traces_and_replays(lambda a: a.astype(target), (x,), (x[::-1],))
    assert_same_as_numpy(fnp.astype(2.5, np.float32), np.asarray(2.5).astype(np.float32))


def test_astype_derivatives():
    x = R((2, 3))
    assert_derivatives(lambda x: fnp.sin(fnp.astype(fnp.astype(x, np.float32), np.float64)),
                       (x,), atol=1e-2, rtol=1e-2)
    assert_derivatives(lambda x: fnp.astype(x, np.float64) ** 2, (x.astype(np.float32),))
    g = fungrad.grad(lambda x: fnp.sum(fnp.astype(x, np.float32) ** 2))(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * x, rtol=1e-6)
    g = fungrad.grad(lambda x: fnp.sum(fnp.astype(x, np.float64) ** 2))(x.astype(np.float32))
    assert g.dtype == np.float32
    # through an integer: zero derivative
    x = STEPS((3,))
    g = fungrad.grad(lambda x: fnp.sum(fnp.astype(fnp.astype(x, np.int64), np.float64) * x))(x)
    np.testing.assert_array_equal(g, np.trunc(x))


@pytest.mark.parametrize("decimals", [0, 1, 2, -1, -2])
def test_round_decimals(decimals):
    x = np.array([0.125, 2.675, 1.005, -0.5, 1.5, 2.5, 149.0, 1250.0, -1350.0, 0.0])
    for a in [x, x.astype(np.float32), np.array([15, 25, -15, -25, 149, 1250]),
              np.array([3, 5, 15, 250], np.uint8), np.array([15, -25], np.int32), 2.5, 25]:
        like_numpy(lambda v: fnp.round(v, decimals), lambda v: np.round(v, decimals), a)
        like_numpy(lambda v: fnp.around(v, decimals), lambda v: np.around(v, decimals), a)
    assert_traces_and_replays(lambda v: fnp.round(v, decimals), (x,), (x[::-1],))
    assert_traces_and_replays(lambda v: v.round(decimals), (x,), (x[::-1],))
    g = fungrad.grad(lambda v: fnp.sum(fnp.round(v, decimals) * v))(STEPS((4,)) / 10)
    np.testing.assert_array_equal(g, np.round(STEPS((4,)) / 10, decimals))


def test_real_conj_are_identities_on_real_arrays():
    for dtype in FLOATS + [np.int64]:
        x = np.asarray(R((2, 3)) * 3, dtype)
        for name in ("real", "conj", "conjugate"):
            like_numpy(_fnp(name), _np(name), x)
    assert_traces_and_replays(lambda x: (x.real, x.conj()), (R((3,)),), (R((3,), seed=1),))
    like_numpy(_fnp("real"), _np("real"), np.array([1j, 2 - 3j]))  # complex: tests/test_complex.py


# ---------------------------------------------------------------------------------------------
# Tracer operators
# ---------------------------------------------------------------------------------------------

BINARY_OPS = {  # operator -> (domain x, domain y[, validity])
    operator.add: (R, R), operator.sub: (R, R), operator.mul: (R, R),
    operator.truediv: (R, NZ), operator.floordiv: (WIDE, NZ, _ratio_off_integers),
    operator.mod: (WIDE, NZ, _ratio_off_integers), operator.pow: (POS, R),
    operator.lt: (R, R, _separated), operator.le: (R, R, _separated),
    operator.gt: (R, R, _separated), operator.ge: (R, R, _separated),
    operator.eq: (R, R, _separated), operator.ne: (R, R, _separated),
}
BITWISE_OPS = [operator.and_, operator.or_, operator.xor]
OP_DIFF = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
           operator.mod}


def _op_id(op):
    return op.__name__


@pytest.mark.parametrize("op", list(BINARY_OPS), ids=_op_id)
@pytest.mark.parametrize("dtype", FLOATS)
def test_tracer_binary_operators(op, dtype):
    spec = BINARY_OPS[op]
    for shapes in [((2, 3), (3,)), ((), (3,)), ((3,), ())]:
        x, y = sample_pair(spec, shapes, dtype)
        x2, y2 = sample_pair(spec, shapes, dtype, seed=5)
        expected = op(x, y)
        for fn in [lambda a, b: op(a, b),  # tracer op tracer
                   lambda a, b: op(a, y) * 1 + 0 * op(x, b)]:  # tracer op array, array op tracer
            assert_same_as_numpy(fungrad.make_jaxpr(fn)(x, y)(x, y)[0], fn(x, y))
            assert_traces_and_replays(fn, (x, y), (x2, y2))
        assert_same_as_numpy(fungrad.make_jaxpr(op)(x, y)(x, y)[0], expected)
        assert_same_as_numpy(fungrad.make_jaxpr(lambda b: op(x, b))(y)(y)[0], expected)
        assert_same_as_numpy(fungrad.make_jaxpr(lambda a: op(a, y))(x)(x)[0], expected)
        # Python scalars on either side are weakly typed: float32 stays float32
        c = 1.5 if op is not operator.pow else 2.0
        for fn in [lambda a: op(a, c), lambda a: op(c if op is not operator.pow else 1.5, a),
                   lambda a: op(a, 2)]:
            closed = assert_traces_and_replays(fn, (x,), (x2,))
            out = closed(x)[0]
            assert_same_as_numpy(out, fn(x))
            assert np.asarray(out).dtype == np.asarray(fn(x)).dtype


@pytest.mark.parametrize("op", sorted(OP_DIFF, key=_op_id), ids=_op_id)
@pytest.mark.parametrize("shapes", GRAD_BINARY_SHAPES, ids=str)
def test_tracer_operator_derivatives(op, shapes):
    x, y = sample_pair(BINARY_OPS[op], shapes)
    assert_derivatives(op, (x, y))
    assert_derivatives(lambda x: op(x, 1.5), (x,))
    assert_derivatives(lambda y: op(1.5, y), (y,))


@pytest.mark.parametrize("op", [op for op in BINARY_OPS if op not in OP_DIFF], ids=_op_id)
def test_tracer_nondiff_operator_derivatives(op):
    x, y = sample_pair(BINARY_OPS[op], ((2, 3), (3,)))
    assert_derivatives(lambda x, y: fnp.astype(op(x, y), np.float64) * x * y + x * y, (x, y))
    gx, gy = fungrad.grad(lambda x, y: fnp.sum(fnp.astype(op(x, y), np.float64)),
                          argnums=(0, 1))(x, y)
    assert np.all(gx == 0) and np.all(gy == 0)


@pytest.mark.parametrize("op", BITWISE_OPS, ids=_op_id)
def test_tracer_bitwise_operators(op):
    for x, y in [(np.array([True, False, True]), np.array([True, True, False])),
                 (np.array([5, 3, -2]), np.array([3, 6, 7])),
                 (np.array([5, 3, 9], np.uint8), np.array([3, 6, 7], np.uint8))]:
        for fn in [op, lambda a, b: op(a, 3 if x.dtype != np.bool_ else True),
                   lambda a, b: op(True if x.dtype == np.bool_ else 3, b)]:
            closed = assert_traces_and_replays(fn, (x, y), (y, x))
            assert_same_as_numpy(closed(x, y)[0], fn(x, y))
    with pytest.raises(TypeError):  # like numpy: no bitwise ops on floats
        fungrad.make_jaxpr(op)(np.ones(2), np.ones(2))
    assert current_trace_level() == 0


@pytest.mark.parametrize("dtype", FLOATS)
def test_tracer_unary_operators(dtype):
    x = NZ((2, 3), dtype)
    for fn in [operator.neg, operator.pos, abs]:
        closed = assert_traces_and_replays(fn, (x,), (NZ((2, 3), dtype, seed=1),))
        assert_same_as_numpy(closed(x)[0], fn(x))
        assert_derivatives(fn, (NZ((2, 3)),))
    for x in [np.array([True, False]), np.array([5, -3]), np.array([5, 3], np.uint8)]:
        closed = assert_traces_and_replays(operator.invert, (x,), (x[::-1],))
        assert_same_as_numpy(closed(x)[0], ~x)
    with pytest.raises(TypeError):  # numpy: no ~ on floats, no unary + on bools
        fungrad.make_jaxpr(operator.invert)(np.ones(2))
    with pytest.raises(TypeError):
        fnp.positive(np.array([True]))
    assert current_trace_level() == 0


def test_tracer_matmul_operator():
    a, b, v = R((2, 3)), R((3, 4), seed=1), R((3,), seed=2)
    for x, y in [(a, b), (a, v), (v, b), (v, v)]:
        closed = assert_traces_and_replays(operator.matmul, (x, y), (x + 1, y - 1))
        assert_same_as_numpy(closed(x, y)[0], x @ y)
        assert_same_as_numpy(fungrad.make_jaxpr(lambda q: x @ q)(y)(y)[0], x @ y)  # rmatmul
        assert_derivatives(operator.matmul, (x, y))
    g = fungrad.grad(lambda x: fnp.sum(x @ b.astype(np.float32)))(a.astype(np.float32))
    assert g.dtype == np.float32


def test_tracer_operators_in_one_function():
    def f(x, y):
        z = (x + 1.0) * y - x / (y * y + 1.0) + (-x) ** 2 + abs(y) - 2.0 ** x
        return z @ z.T @ z + (x > y) * 1.0 - x // 1.0 + x % 1.0

    x, y = R((2, 3)), NZ((2, 3), seed=1)
    expected = f(x, y)  # numpy itself evaluates f on arrays
    closed = assert_traces_and_replays(f, (x, y), (R((2, 3), seed=2), NZ((2, 3), seed=3)))
    assert_same_as_numpy(closed(x, y)[0], expected)
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    assert_same_as_numpy(fungrad.make_jaxpr(f)(x32, y32)(x32, y32)[0], f(x32, y32))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

def test_broadcast_error_under_tracing_names_both_shapes():
    for name in ["add", "multiply", "maximum", "power", "less", "arctan2", "logical_and"]:
        with pytest.raises(ValueError) as info:
            fungrad.make_jaxpr(_fnp(name))(np.ones(3), np.ones((2, 4), np.float32))
        assert "f64[3]" in str(info.value) and "f32[2,4]" in str(info.value), str(info.value)
        assert current_trace_level() == 0
        assert_traces_and_replays(_fnp(name), (np.ones(3), np.ones(3)), (POS((3,)), R((3,))))
    with pytest.raises(ValueError, match=r"f64\[3\].*f64\[4\]"):
        fungrad.grad(lambda x: fnp.sum(x * np.ones(4)))(np.ones(3))
    with pytest.raises(ValueError, match=r"f64\[3\]"):
        fungrad.make_jaxpr(lambda x: x + np.ones(4))(np.ones(3))
    with pytest.raises(ValueError, match=r"bool\[2\].*f64\[3\]"):
        fungrad.make_jaxpr(lambda x: fnp.where(np.ones(2, bool), x, 0.0))(np.ones(3))
    with pytest.raises(ValueError):
        fungrad.jvp(fnp.add, (np.ones(3), np.ones(4)), (np.ones(3), np.ones(4)))
    assert current_trace_level() == 0
    assert fungrad.grad(lambda x: fnp.sum(x * np.ones(3)))(np.ones(3)).shape == (3,)


def test_broadcast_error_eager_is_numpys():
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        fnp.add(np.ones(3), np.ones(4))


def test_bad_dtype_errors():
    with pytest.raises(TypeError, match="float64"):  # bitwise ops need integers or bools
        fungrad.make_jaxpr(fnp.bitwise_and)(np.ones(2), np.ones(2))
    with pytest.raises(TypeError):
        fnp.bitwise_and(np.ones(2), np.ones(2))
    with pytest.raises(TypeError):  # numpy: no subtract on booleans
        fungrad.make_jaxpr(fnp.subtract)(np.ones(2, bool), np.ones(2, bool))
    for bad in [None, "a", object()]:  # not arrays at all
        with pytest.raises(TypeError):
            fungrad.make_jaxpr(lambda x: x + bad)(np.ones(2))
        with pytest.raises(TypeError):
            fungrad.make_jaxpr(lambda x: fnp.multiply(x, bad))(np.ones(2))
        with pytest.raises(TypeError):
            fnp.sin(bad)
        assert current_trace_level() == 0
    with pytest.raises(TypeError, match="float64"):
        fungrad.make_jaxpr(lambda x: fnp.sin(x + None))(fungrad.ShapeDtypeStruct((2,)))
    assert current_trace_level() == 0
    assert_traces_and_replays(lambda x: x + 1.0, (np.ones(2),), (np.zeros(2),))


def test_grad_of_nondiff_output_is_a_clear_error():
    with pytest.raises(TypeError, match="real-valued output"):
        fungrad.grad(lambda x: fnp.sum(x) > 0)(np.ones(2))
    assert current_trace_level() == 0
    assert fungrad.grad(lambda x: fnp.sum(fnp.sin(x)))(np.zeros(2)).tolist() == [1.0, 1.0]
