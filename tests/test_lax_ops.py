"""fungrad.lax elementwise operations: values against numpy (lax's own meaning where it
differs), derivatives of order 2 in both modes, jit, vmap, dtypes, bad input."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
from fungrad import lax
from helpers import assert_derivatives, assert_same_as_numpy, rand


def _pos(shape, seed=0):
    return rand(shape, seed=seed, low=0.5, high=2.0)


def _unit(shape, seed=0):
    return rand(shape, seed=seed, low=-0.8, high=0.8)


UNARY = [  # (lax function, numpy reference, input maker, differentiable)
    (lax.neg, np.negative, rand, True), (lax.abs, np.abs, rand, True),
    (lax.sign, np.sign, rand, False), (lax.floor, np.floor, rand, False),
    (lax.ceil, np.ceil, rand, False), (lax.square, np.square, rand, True),
    (lax.exp, np.exp, rand, True), (lax.exp2, np.exp2, rand, True),
    (lax.expm1, np.expm1, rand, True), (lax.log, np.log, _pos, True),
    (lax.log1p, np.log1p, _pos, True), (lax.logistic, lambda x: 1 / (1 + np.exp(-x)), rand, True),
    (lax.sqrt, np.sqrt, _pos, True), (lax.rsqrt, lambda x: 1 / np.sqrt(x), _pos, True),
    (lax.cbrt, np.cbrt, _pos, True), (lax.sin, np.sin, rand, True), (lax.cos, np.cos, rand, True),
    (lax.tan, np.tan, _unit, True), (lax.asin, np.arcsin, _unit, True),
    (lax.acos, np.arccos, _unit, True), (lax.atan, np.arctan, rand, True),
    (lax.sinh, np.sinh, rand, True), (lax.cosh, np.cosh, rand, True),
    (lax.tanh, np.tanh, rand, True), (lax.asinh, np.arcsinh, rand, True),
    (lax.acosh, np.arccosh, lambda s, seed=0: _pos(s, seed) + 1.0, True),
    (lax.atanh, np.arctanh, _unit, True), (lax.is_finite, np.isfinite, rand, False),
]

BINARY = [
    (lax.add, np.add, rand, True), (lax.sub, np.subtract, rand, True),
    (lax.mul, np.multiply, rand, True), (lax.div, np.true_divide, _pos, True),
    (lax.rem, np.fmod, _pos, True), (lax.pow, np.power, _pos, True),
    (lax.max, np.maximum, rand, True), (lax.min, np.minimum, rand, True),
    (lax.atan2, np.arctan2, _pos, True), (lax.nextafter, np.nextafter, rand, False),
    (lax.eq, np.equal, rand, False), (lax.ne, np.not_equal, rand, False),
    (lax.lt, np.less, rand, False), (lax.le, np.less_equal, rand, False),
    (lax.gt, np.greater, rand, False), (lax.ge, np.greater_equal, rand, False),
]

SHAPES = [(), (3,), (2, 3), (0, 2)]


@pytest.mark.parametrize("f,ref,make,diff", UNARY, ids=[u[0].__name__ for u in UNARY])
def test_unary(f, ref, make, diff):
    for shape in SHAPES:
        x = make(shape)
        assert_same_as_numpy(f(x), ref(x))
        assert_same_as_numpy(f(x.astype(np.float32)), ref(x.astype(np.float32)), rtol=2e-6)
    x = make((2, 3))
    assert_same_as_numpy(fungrad.jit(f)(x), ref(x))
    assert_same_as_numpy(fungrad.vmap(f)(x), ref(x))
    if diff:
        assert_derivatives(f, (make((3,)),))
        assert_derivatives(f, (make(()),))


@pytest.mark.parametrize("f,ref,make,diff", BINARY, ids=[b[0].__name__ for b in BINARY])
def test_binary(f, ref, make, diff):
    # lax broadcasts scalars and size-1 axes, never a missing leading axis
    for xs, ys in [((), ()), ((3,), (3,)), ((2, 3), ()), ((), (3,)), ((2, 3), (1, 3)),
                   ((2, 1), (1, 3)), ((0, 3), (1, 3))]:
        x, y = make(xs), make(ys, seed=1)
        assert_same_as_numpy(f(x, y), ref(x, y))
    x, y = make((2, 3)), make((2, 3), seed=1)
    assert_same_as_numpy(fungrad.jit(f)(x, y), ref(x, y))
    assert_same_as_numpy(fungrad.vmap(f)(x, y), ref(x, y))
    assert_same_as_numpy(f(x.astype(np.float32), y.astype(np.float32)),
                         ref(x.astype(np.float32), y.astype(np.float32)), rtol=2e-6)
    if diff:
        assert_derivatives(f, (make((3,)), make((3,), seed=1)))
        assert_derivatives(f, (make((2, 3)), make((1, 3), seed=1)))
        assert_derivatives(f, (make((2, 3)), make((), seed=1)))


def test_integer_division_and_remainder_follow_c():
    x, y = np.array([7, -7, 7, -7, 6, 0]), np.array([2, 2, -2, -2, 3, 5])
    assert_same_as_numpy(lax.div(x, y), np.trunc(x / y).astype(np.int64))
    assert_same_as_numpy(lax.rem(x, y), np.fmod(x, y))
    u = np.array([7, 9], np.uint8)
    assert_same_as_numpy(lax.div(u, np.array([2, 4], np.uint8)), np.array([3, 2], np.uint8))
    assert_same_as_numpy(fungrad.jit(lax.div)(x, y), np.trunc(x / y).astype(np.int64))


def test_round_integer_pow_clamp():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.2])
    assert_same_as_numpy(lax.round(x), np.array([1.0, 2, 3, -1, -2, 0]))
    assert_same_as_numpy(lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN), np.rint(x))
    for n in (0, 1, 2, 3, -2):
        assert_same_as_numpy(lax.integer_pow(x, n), x ** float(n))
        assert_derivatives(lambda x: lax.integer_pow(x, n), (x + 0.1,))
    with pytest.raises(TypeError, match="integer_pow: the exponent"):
        lax.integer_pow(x, 2.0)
    y = rand((5,))
    assert_same_as_numpy(lax.clamp(-0.5, y, 0.5), np.clip(y, -0.5, 0.5))
    assert_derivatives(lambda y: lax.clamp(-0.5, y, 0.5), (y,))
    assert_same_as_numpy(fungrad.vmap(lambda y: lax.clamp(-0.5, y, 0.5))(y), np.clip(y, -.5, .5))


BITS = [np.int8, np.int32, np.int64, np.uint8, np.uint32]


@pytest.mark.parametrize("dtype", BITS)
def test_bitwise(dtype):
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, 20, endpoint=True, dtype=dtype)
    y = rng.integers(info.min, info.max, 20, endpoint=True, dtype=dtype)
    bits = 8 * np.dtype(dtype).itemsize
    amount = rng.integers(0, bits, 20).astype(dtype)
    assert_same_as_numpy(lax.bitwise_and(x, y), x & y)
    assert_same_as_numpy(lax.bitwise_or(x, y), x | y)
    assert_same_as_numpy(lax.bitwise_xor(x, y), x ^ y)
    assert_same_as_numpy(lax.bitwise_not(x), ~x)
    assert_same_as_numpy(lax.shift_left(x, amount), x << amount)
    u = np.dtype(f"u{np.dtype(dtype).itemsize}")
    i = np.dtype(f"i{np.dtype(dtype).itemsize}")  # the top bit fills, as XLA does
    assert_same_as_numpy(lax.shift_right_arithmetic(x, amount),
                         (x.astype(i) >> amount.astype(i)).astype(dtype))
    assert_same_as_numpy(lax.shift_right_logical(x, amount),
                         (x.astype(u) >> amount.astype(u)).astype(dtype))
    # out-of-range shifts: 0, or all sign bits
    far = np.full(20, bits, dtype)
    assert_same_as_numpy(lax.shift_left(x, far), np.zeros(20, dtype))
    assert_same_as_numpy(lax.shift_right_logical(x, far), np.zeros(20, dtype))
    assert_same_as_numpy(lax.shift_right_arithmetic(x, far),
                         np.where(x.astype(i) < 0, -1, 0).astype(dtype))
    pattern = x.astype(u)
    counts = np.array([bin(int(v)).count("1") for v in pattern]).astype(dtype)
    assert_same_as_numpy(lax.population_count(x), counts)
    leading = np.array([bits - int(v).bit_length() for v in pattern]).astype(dtype)
    assert_same_as_numpy(lax.clz(x), leading)
    assert_same_as_numpy(fungrad.jit(lax.clz)(x), leading)
    assert_same_as_numpy(fungrad.vmap(lax.population_count)(x.reshape(4, 5)),
                         counts.reshape(4, 5))


def test_shifts_against_jax():
    # recorded from jax 0.10.2: unsigned arithmetic shifts fill with the top bit, negative
    # amounts are out of range
    u = np.array([200, 100], np.uint8)
    assert_same_as_numpy(lax.shift_right_arithmetic(u, np.array([8, 1], np.uint8)),
                         np.array([255, 50], np.uint8))
    assert_same_as_numpy(lax.shift_right_arithmetic(u, np.array([7, 9], np.uint8)),
                         np.array([255, 0], np.uint8))
    assert_same_as_numpy(lax.shift_left(np.array([3], np.int8), np.array([-1], np.int8)),
                         np.array([0], np.int8))
    assert_same_as_numpy(lax.shift_right_arithmetic(np.array([-3], np.int8),
                                                    np.array([-1], np.int8)),
                         np.array([-1], np.int8))


def test_bitwise_bad_input():
    with pytest.raises(TypeError, match="population_count"):
        lax.population_count(np.array([1.0]))
    with pytest.raises(TypeError, match="shift_left"):
        lax.shift_left(np.array([1.0]), np.array([1.0]))
    assert_same_as_numpy(lax.clz(np.array([1], np.int32)), np.array([31], np.int32))


def test_bitwise_on_booleans():
    a, b = np.array([True, True, False]), np.array([True, False, False])
    assert_same_as_numpy(lax.bitwise_and(a, b), a & b)
    assert_same_as_numpy(lax.bitwise_not(a), ~a)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32,
                                   np.uint64])
def test_mulhi_against_exact_products(dtype):
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, 30, endpoint=True, dtype=dtype)
    y = rng.integers(info.min, info.max, 30, endpoint=True, dtype=dtype)
    x[:2], y[:2] = info.min, info.max  # the extremes
    bits = 8 * np.dtype(dtype).itemsize
    want = np.array([(int(a) * int(b)) >> bits for a, b in zip(x, y)], dtype=dtype)
    assert_same_as_numpy(lax.mulhi(x, y), want)
    assert_same_as_numpy(fungrad.jit(lax.mulhi)(x, y), want)
    # recorded from jax 0.10.2
    assert_same_as_numpy(lax.mulhi(np.array([-5, 2 ** 62, -2 ** 63]), np.array([7, -9, -1])),
                         np.array([-1, -3, 0]))
