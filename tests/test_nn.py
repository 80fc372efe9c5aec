"""``fungrad.nn``: values and dtypes against numpy formulas, traced IR, derivatives of first and
second order in both modes against finite differences, numerical stability, JAX's conventions
at kinks, and errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.core import current_trace_level

from helpers import (
    assert_derivatives, assert_float32_derivatives, assert_same_as_numpy,
    assert_traces_and_replays, rand,
)

FLOATS = [np.float32, np.float64]
SHAPES = [(), (4,), (2, 3), (0,), (2, 0)]
GRAD_SHAPES = [(), (4,), (2, 3)]


# ---------------------------------------------------------------------------------------------
# Reference formulas, in numpy. Python-float constants keep float32 float32 (NEP 50).
# ---------------------------------------------------------------------------------------------

def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_gelu(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def np_gelu_exact(x):
    """x Phi(x), Phi through erfc so that the left tail keeps its digits."""
    erfc = np.vectorize(math.erfc, otypes=[np.float64])
    return (0.5 * x * erfc(-x / math.sqrt(2))).astype(np.result_type(x, 1.0))


def np_logsumexp(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


ACTIVATIONS = {  # name -> (fungrad function, numpy reference, kinks to keep away from)
    "relu": (nn.relu, lambda x: np.maximum(x, 0), [0.0]),
    "relu6": (nn.relu6, lambda x: np.minimum(np.maximum(x, 0), 6.0), [0.0, 6.0]),
    "sigmoid": (nn.sigmoid, np_sigmoid, []),
    "log_sigmoid": (nn.log_sigmoid, lambda x: -np.logaddexp(0, -x), []),
    "softplus": (nn.softplus, lambda x: np.logaddexp(x, 0), []),
    "silu": (nn.silu, lambda x: x * np_sigmoid(x), []),
    "swish": (nn.swish, lambda x: x * np_sigmoid(x), []),
    "gelu": (nn.gelu, np_gelu, []),
    "gelu_exact": (lambda x: nn.gelu(x, approximate=False), np_gelu_exact, []),
    "elu": (nn.elu, lambda x: np.where(x > 0, x, np.expm1(x)), [0.0]),
    "elu_alpha": (lambda x: nn.elu(x, alpha=0.5),
                  lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), [0.0]),
    "leaky_relu": (nn.leaky_relu, lambda x: np.where(x >= 0, x, 0.01 * x), [0.0]),
    "leaky_relu_slope": (lambda x: nn.leaky_relu(x, negative_slope=0.2),
                         lambda x: np.where(x >= 0, x, 0.2 * x), [0.0]),
    "hard_tanh": (nn.hard_tanh, lambda x: np.clip(x, -1, 1), [-1.0, 1.0]),
    "identity": (nn.identity, lambda x: np.asarray(x), []),
    "tanh": (nn.tanh, np.tanh, []),
    "hard_sigmoid": (nn.hard_sigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, [-3.0, 3.0]),
    "hard_silu": (nn.hard_silu, lambda x: x * np.clip(x + 3, 0, 6) / 6, [-3.0, 3.0]),
    "hard_swish": (nn.hard_swish, lambda x: x * np.clip(x + 3, 0, 6) / 6, [-3.0, 3.0]),
    "sparse_plus": (nn.sparse_plus,
                    lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
                    [-1.0, 1.0]),
    "sparse_sigmoid": (nn.sparse_sigmoid, lambda x: np.clip(x + 1, 0, 2) / 2, [-1.0, 1.0]),
    "soft_sign": (nn.soft_sign, lambda x: x / (np.abs(x) + 1), [0.0]),
    "squareplus": (nn.squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2, []),
    "squareplus_b": (lambda x: nn.squareplus(x, b=0.5),
                     lambda x: (x + np.sqrt(x * x + 0.5)) / 2, []),
    "mish": (nn.mish, lambda x: x * np.tanh(np.logaddexp(x, 0)), []),
    "celu": (nn.celu, lambda x: np.maximum(x, 0) + np.expm1(np.minimum(x, 0)), [0.0]),
    "celu_alpha": (lambda x: nn.celu(x, alpha=2.0),
                   lambda x: np.maximum(x, 0) + 2.0 * np.expm1(np.minimum(x, 0) / 2.0), [0.0]),
    "selu": (nn.selu, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0))), [0.0]),
}


def sample(shape, dtype=np.float64, seed=0, kinks=(), low=-8.0, high=8.0):
    """Uniform samples, each at least 0.1 away from every kink (resampled deterministically)."""
    for s in range(seed, seed + 100):
        x = rand(shape, np.float64, s, low, high)
        if all(np.min(np.abs(x - k), initial=1.0) > 0.1 for k in kinks):
            return np.asarray(x, dtype)
    raise AssertionError("no sample away from the kinks")  # pragma: no cover


def test_activation_table_covers_nn():
    names = {"relu", "relu6", "sigmoid", "log_sigmoid", "softplus", "silu", "swish", "gelu",
             "elu", "leaky_relu", "hard_tanh", "identity", "hard_sigmoid", "hard_silu",
             "hard_swish", "sparse_plus", "sparse_sigmoid", "soft_sign", "squareplus", "mish",
             "celu", "selu", "tanh"}
    assert names <= set(ACTIVATIONS)
    assert all(callable(getattr(nn, n)) for n in names)


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", FLOATS)
def test_activation_values(name, dtype):
    f, ref, kinks = ACTIVATIONS[name]
    for shape in SHAPES:
        x = sample(shape, dtype, kinks=kinks)
        assert_same_as_numpy(f(x), ref(x))
    special = np.array([0.0, -0.0, 1.0, -1.0, 6.0, 1e-30, 30.0, -30.0, np.inf, -np.inf,
                        np.nan], dtype)
    with np.errstate(all="ignore"):
        assert_same_as_numpy(f(special), ref(special), atol=1e-30)
    assert_same_as_numpy(f(dtype(0.75)), ref(dtype(0.75)))  # numpy scalar
    assert_same_as_numpy(f(0.75), ref(np.float64(0.75)))  # Python float: float64


@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "hard_tanh", "sigmoid"])
def test_activation_integer_inputs(name):
    f, ref, _ = ACTIVATIONS[name]
    x = np.array([-7, -1, 0, 1, 3, 8])
    assert_same_as_numpy(f(x), ref(x))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", FLOATS)
def test_activation_traces_and_replays(name, dtype):
    f, ref, kinks = ACTIVATIONS[name]
    x, x_new = (sample((2, 3), dtype, s, kinks) for s in (0, 1))
    closed = assert_traces_and_replays(f, (x,), (x_new,))
    assert closed.out_avals[0].dtype == np.dtype(dtype)
    assert_same_as_numpy(closed(x_new)[0], ref(x_new))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", GRAD_SHAPES)
def test_activation_derivatives(name, shape):
    f, _, kinks = ACTIVATIONS[name]
    # kinks and both sides of them in range
    assert_derivatives(f, (sample(shape, kinks=kinks, low=-3.0, high=8.0),))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivatives_float32(name):
    f, _, kinks = ACTIVATIONS[name]
    assert_float32_derivatives(f, sample((5,), kinks=kinks), atol=1e-6)


def test_activation_derivatives_at_kinks_follow_jax():
    d = lambda f: fungrad.grad(f)  # noqa: E731
    assert d(nn.relu)(0.0) == 0.0
    assert d(nn.relu)(-0.0) == 0.0
    assert d(d(nn.relu))(0.0) == 0.0
    assert d(nn.relu6)(0.0) == 0.0
    assert d(nn.relu6)(6.0) == 0.0
    assert d(nn.relu6)(3.0) == 1.0
    assert d(nn.hard_tanh)(1.0) == 1.0
    assert d(nn.hard_tanh)(-1.0) == 1.0
    assert d(nn.hard_tanh)(2.0) == 0.0
    assert d(nn.leaky_relu)(0.0) == 1.0
    assert d(nn.elu)(0.0) == 1.0
    assert d(lambda x: nn.elu(x, alpha=0.5))(0.0) == 0.5
    # smooth ones, exactly: sigmoid'(0) = 1/4, silu'(0) = 1/2, gelu'(0) = 1/2
    assert d(nn.sigmoid)(0.0) == 0.25
    assert d(nn.silu)(0.0) == 0.5
    assert d(nn.gelu)(0.0) == 0.5
    assert d(nn.softplus)(0.0) == 0.5
    g = fungrad.grad(lambda x: fnp.sum(nn.relu(x)))(np.array([-1.0, 0.0, 2.0], np.float32))
    assert g.dtype == np.float32 and g.tolist() == [0.0, 0.0, 1.0]
    _, t = fungrad.jvp(nn.relu, (np.zeros(2),), (np.ones(2),))
    np.testing.assert_array_equal(t, [0.0, 0.0])


def test_activations_are_stable_in_the_tails():
    x = np.array([-1000.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no inf, no nan inside
        np.testing.assert_array_equal(nn.sigmoid(x), [0.0, 1.0])
        np.testing.assert_array_equal(nn.softplus(x), [0.0, 1000.0])
        np.testing.assert_array_equal(nn.log_sigmoid(x), [-1000.0, 0.0])
        np.testing.assert_array_equal(nn.silu(x), [0.0, 1000.0])
        np.testing.assert_array_equal(nn.elu(x), [-1.0, 1000.0])
        for f, expected in [(nn.sigmoid, [0.0, 0.0]), (nn.softplus, [0.0, 1.0]),
                            (nn.log_sigmoid, [1.0, 0.0]), (nn.silu, [0.0, 1.0]),
                            (nn.elu, [0.0, 1.0])]:
            g = fungrad.grad(lambda x: fnp.sum(f(x)))(x)
            np.testing.assert_array_equal(g, expected)
    # float32 too (exp(89) overflows float32)
    x32 = np.array([-100.0, 100.0], np.float32)
    assert nn.softplus(x32).dtype == nn.log_sigmoid(x32).dtype == np.float32
    np.testing.assert_allclose(nn.softplus(x32), [math.exp(-100.0), 100.0], atol=1e-43)
    np.testing.assert_allclose(nn.log_sigmoid(x32), [-100.0, -math.exp(-100.0)], atol=1e-43)
    # sigmoid in the far left tail is still relatively accurate: ~exp(x)
    np.testing.assert_allclose(nn.sigmoid(np.array([-700.0])), np.exp(-700.0), rtol=1e-12)


def test_gelu_exact_is_x_times_the_normal_cdf():
    x = np.linspace(-6.0, 6.0, 25)
    phi = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(nn.gelu(x, approximate=False), x * phi, rtol=1e-14, atol=1e-300)
    # the tanh form is within 1e-3 of it
    np.testing.assert_allclose(nn.gelu(x), nn.gelu(x, approximate=False), atol=1e-3)
    # the derivative is Phi(x) + x phi(x)
    density = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    g = fungrad.grad(lambda x: fnp.sum(nn.gelu(x, approximate=False)))(x)
    np.testing.assert_allclose(g, phi + x * density, rtol=1e-13, atol=1e-15)
    assert current_trace_level() == 0


# ---------------------------------------------------------------------------------------------
# logsumexp, log_softmax, softmax, standardize
# ---------------------------------------------------------------------------------------------

AXES = [  # (shape, axis)
    ((4,), -1), ((4,), 0), ((2, 3), -1), ((2, 3), 0), ((2, 3, 4), 1), ((2, 3, 4), (0, 2)),
]


def np_log_softmax(x, axis):
    return x - np_logsumexp(x, axis, keepdims=True)


def np_softmax(x, axis):
    return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True)


def np_standardize(x, axis, epsilon=1e-5):
    return (x - np.mean(x, axis, keepdims=True)) / np.sqrt(np.var(x, axis, keepdims=True)
                                                           + epsilon)


NORMALIZERS = {  # name -> (fungrad function of (x, axis), numpy reference)
    "logsumexp": (lambda x, axis: nn.logsumexp(x, axis=axis), np_logsumexp),
    "logsumexp_keepdims": (lambda x, axis: nn.logsumexp(x, axis=axis, keepdims=True),
                           lambda x, axis: np_logsumexp(x, axis, keepdims=True)),
    "log_softmax": (lambda x, axis: nn.log_softmax(x, axis=axis), np_log_softmax),
    "softmax": (lambda x, axis: nn.softmax(x, axis=axis), np_softmax),
    "standardize": (lambda x, axis: nn.standardize(x, axis=axis), np_standardize),
    "standardize_eps": (lambda x, axis: nn.standardize(x, axis=axis, epsilon=0.5),
                        lambda x, axis: np_standardize(x, axis, epsilon=0.5)),
}


@pytest.mark.parametrize("name", sorted(NORMALIZERS))
@pytest.mark.parametrize("dtype", FLOATS)
def test_normalizer_values(name, dtype):
    f, ref = NORMALIZERS[name]
    for shape, axis in AXES + [((2, 3), None), ((0, 3), -1), ((0, 3), 1)]:
        x = np.asarray(rand(shape, dtype, 0, -3.0, 3.0))
        assert_same_as_numpy(f(x, axis), ref(x, axis))
    # defaults: axis=None for logsumexp, -1 for the others
    x = rand((2, 3), dtype)
    assert_same_as_numpy(nn.logsumexp(x), np_logsumexp(x))
    assert_same_as_numpy(nn.softmax(x), np_softmax(x, -1))
    assert_same_as_numpy(nn.log_softmax(x), np_log_softmax(x, -1))
    assert_same_as_numpy(nn.standardize(x), np_standardize(x, -1))


@pytest.mark.parametrize("name", ["logsumexp", "logsumexp_keepdims", "log_softmax", "softmax"])
def test_normalizer_over_an_empty_axis(name):
    f, ref = NORMALIZERS[name]
    for dtype in FLOATS:
        x = np.zeros((3, 0), dtype)
        with np.errstate(divide="ignore"):
            assert_same_as_numpy(f(x, -1), ref(x, -1))  # logsumexp of nothing is -inf
    with np.errstate(divide="ignore"):
        assert nn.logsumexp(np.zeros(0)) == -np.inf


@pytest.mark.parametrize("name", sorted(NORMALIZERS))
@pytest.mark.parametrize("dtype", FLOATS)
def test_normalizer_traces_and_replays(name, dtype):
    f, ref = NORMALIZERS[name]
    for shape, axis in [((2, 3), -1), ((2, 3, 4), (0, 2))]:
        x, x_new = rand(shape, dtype, 0), rand(shape, dtype, 1)
        closed = assert_traces_and_replays(lambda x: f(x, axis), (x,), (x_new,))
        assert closed.out_avals[0].dtype == np.dtype(dtype)
        assert_same_as_numpy(closed(x_new)[0], ref(x_new, axis))


@pytest.mark.parametrize("name", sorted(NORMALIZERS))
@pytest.mark.parametrize("shape_axis", [((), None), ((4,), -1), ((2, 3), 0), ((2, 3), None),
                                        ((2, 3, 2), (0, 2))], ids=str)
def test_normalizer_derivatives(name, shape_axis):
    f, _ = NORMALIZERS[name]
    shape, axis = shape_axis
    if shape == () and name.startswith("standardize"):  # one element: (x - x) / ... is 0
        shape = (1,)
    assert_derivatives(lambda x: f(x, axis), (rand(shape),))


@pytest.mark.parametrize("name", sorted(NORMALIZERS))
def test_normalizer_derivatives_float32(name):
    f, _ = NORMALIZERS[name]
    x64 = rand((2, 3))
    w = rand(np.shape(f(x64, -1)), seed=3)
    g32 = fungrad.grad(lambda x: fnp.sum(f(x, -1) * w))(x64.astype(np.float32))
    g64 = fungrad.grad(lambda x: fnp.sum(f(x, -1) * w))(x64)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-4)
    assert_derivatives(lambda x: f(x, -1), (x64.astype(np.float32),))


def test_softmax_properties():
    x = rand((3, 5), low=-5, high=5)
    np.testing.assert_allclose(np.sum(nn.softmax(x), axis=-1), np.ones(3), rtol=1e-14)
    np.testing.assert_allclose(np.exp(nn.log_softmax(x)), nn.softmax(x), rtol=1e-13)
    # shift invariance, with a zero derivative along the all-ones direction
    np.testing.assert_allclose(nn.softmax(x + 100.0), nn.softmax(x), rtol=1e-12)
    _, t = fungrad.jvp(nn.softmax, (x,), (np.ones((3, 5)),))
    np.testing.assert_allclose(t, np.zeros((3, 5)), atol=1e-15)
    # the Jacobian is diag(s) - s s^T
    s = nn.softmax(x[0])
    np.testing.assert_allclose(fungrad.jacrev(nn.softmax)(x[0]), np.diag(s) - np.outer(s, s),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fungrad.grad(nn.logsumexp)(x[0]), s, rtol=1e-12)


def test_normalizers_are_stable():
    x = np.array([1000.0, 1000.0, -1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_allclose(nn.logsumexp(x), 1000.0 + math.log(2.0), rtol=1e-15)
        np.testing.assert_allclose(nn.softmax(x), [0.5, 0.5, 0.0])
        np.testing.assert_allclose(nn.log_softmax(x), [-math.log(2.0), -math.log(2.0),
                                                       -2000.0 - math.log(2.0)])
        np.testing.assert_allclose(fungrad.grad(nn.logsumexp)(x), [0.5, 0.5, 0.0])
        g = fungrad.grad(lambda x: nn.log_softmax(x)[0])(x)
        np.testing.assert_allclose(g, [0.5, -0.5, 0.0], atol=1e-300)
    x32 = np.array([100.0, 100.0], np.float32)  # exp(100) overflows float32
    np.testing.assert_allclose(nn.logsumexp(x32), 100.0 + math.log(2.0), rtol=1e-6)
    assert nn.logsumexp(x32).dtype == np.float32


def test_logsumexp_with_infinities():
    with np.errstate(divide="ignore"):
        x = np.array([-np.inf, 0.0])
        assert nn.logsumexp(x) == 0.0
        np.testing.assert_array_equal(fungrad.grad(nn.logsumexp)(x), [0.0, 1.0])
        np.testing.assert_array_equal(nn.softmax(x), [0.0, 1.0])
        assert nn.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
        assert nn.logsumexp(np.array([np.inf, 0.0])) == np.inf
        np.testing.assert_array_equal(nn.log_softmax(x), [-np.inf, 0.0])


def test_logsumexp_with_weights_and_sign():
    a, b = rand((2, 3)), rand((2, 3), seed=1)  # weights of both signs
    total = np.sum(b * np.exp(a), axis=1)
    value, sign = nn.logsumexp(a, axis=1, b=b, return_sign=True)
    assert_same_as_numpy(value, np.log(np.abs(total)))
    assert_same_as_numpy(sign, np.sign(total))
    with np.errstate(invalid="ignore"):
        expected = np.log(total)  # NaN where the weighted sum is negative
    assert_same_as_numpy(nn.logsumexp(a, axis=1, b=b), expected)
    # a zero weight drops its term, even one at +inf
    assert nn.logsumexp(np.array([np.inf, 0.0]), b=np.array([0.0, 2.0])) == np.log(2.0)
    positive = np.abs(b) + 0.5
    assert_derivatives(lambda a, b: nn.logsumexp(a, axis=0, b=b), (a, positive))
    assert_derivatives(lambda a: nn.logsumexp(a, b=b, return_sign=True)[0], (a,))


def test_standardize_properties():
    x = rand((3, 50), low=-3, high=5)
    y = nn.standardize(x, epsilon=0.0)
    np.testing.assert_allclose(np.mean(y, axis=-1), 0.0, atol=1e-14)
    np.testing.assert_allclose(np.var(y, axis=-1), 1.0, rtol=1e-13)
    y0 = nn.standardize(x, axis=0)
    np.testing.assert_allclose(np.mean(y0, axis=0), 0.0, atol=1e-14)
    # constant rows: no division by zero thanks to epsilon
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(nn.standardize(np.ones((2, 3))), np.zeros((2, 3)))


# ---------------------------------------------------------------------------------------------
# one_hot
# ---------------------------------------------------------------------------------------------

def np_one_hot(labels, n, dtype=np.float64, axis=-1):
    out = (np.asarray(labels)[..., None] == np.arange(n)).astype(dtype)
    return np.moveaxis(out, -1, axis) if axis != -1 else out


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.bool_])
def test_one_hot_values(dtype):
    for labels in [np.array(2), np.array([0, 2, 1]), np.array([[0, 3], [1, 1]]),
                   np.zeros(0, np.int64), np.array([1, 2], np.int32), 2]:
        for axis in [-1, 0]:
            assert_same_as_numpy(nn.one_hot(labels, 4, dtype=dtype, axis=axis),
                                 np_one_hot(labels, 4, dtype, axis))
    labels = np.array([[0, 3], [1, 2]])
    assert_same_as_numpy(nn.one_hot(labels, 4, dtype=dtype, axis=1),
                         np_one_hot(labels, 4, dtype, 1))


def test_one_hot_defaults_and_out_of_range():
    assert_same_as_numpy(nn.one_hot(np.array([0, 2]), 3), np.eye(3)[[0, 2]])
    # labels outside [0, num_classes) give all-zero rows, as in JAX
    np.testing.assert_array_equal(nn.one_hot(np.array([5, -1, 1]), 3),
                                  [[0, 0, 0], [0, 0, 0], [0, 1, 0]])


def test_one_hot_traces_and_has_zero_derivative():
    labels = np.array([0, 2, 1])
    closed = assert_traces_and_replays(lambda lab: nn.one_hot(lab, 3), (labels,),
                                       (np.array([2, 2, 0]),))
    assert closed.out_avals[0].dtype == np.float64 and closed.out_avals[0].shape == (3, 3)
    assert_traces_and_replays(lambda lab: nn.one_hot(lab, 3, dtype=np.float32, axis=0),
                              (labels,), (np.array([1, 0, 0]),))
    # as a function of float labels it is piecewise constant: zero derivative
    x = np.array([0.0, 2.0, 1.0])
    w = rand((3, 3))
    g = fungrad.grad(lambda x: fnp.sum(nn.one_hot(x, 3) * w))(x)
    np.testing.assert_array_equal(g, np.zeros(3))
    # and the usual use: cross-entropy against one-hot targets
    logits = rand((3, 3), seed=1)

    def loss(logits):
        return -fnp.sum(nn.one_hot(labels, 3) * nn.log_softmax(logits)) / 3

    expected = (np_softmax(logits, -1) - np_one_hot(labels, 3)) / 3
    np.testing.assert_allclose(fungrad.grad(loss)(logits), expected, rtol=1e-12, atol=1e-15)
    assert_derivatives(loss, (logits,))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

def test_bad_axis_is_a_clear_error_and_the_next_call_works():
    for f in (nn.softmax, nn.log_softmax, nn.logsumexp, nn.standardize):
        with pytest.raises(ValueError, match="axis"):
            fungrad.grad(lambda x: fnp.sum(f(x, axis=2)))(np.ones((2, 3)))
        assert current_trace_level() == 0
        with pytest.raises(ValueError, match="axis"):
            f(np.ones((2, 3)), axis=-3)
    assert fungrad.grad(lambda x: nn.logsumexp(x))(np.zeros(2)).tolist() == [0.5, 0.5]


def test_bad_input_type_is_a_type_error():
    for f in (nn.relu, nn.sigmoid, nn.softmax, nn.gelu, nn.standardize):
        with pytest.raises(TypeError):
            f(np.array(["a", "b"]))
        with pytest.raises(TypeError):
            fungrad.make_jaxpr(lambda x: f(x + None))(np.ones(2))
        assert current_trace_level() == 0
    with pytest.raises(TypeError):  # a grad through integer labels is asked for
        fungrad.grad(lambda lab: fnp.sum(nn.one_hot(lab, 3)))(np.array([0, 1]))
    assert nn.relu(np.array([-1.0, 1.0])).tolist() == [0.0, 1.0]
