"""``fungrad.nn`` beyond the tables of test_nn.py: JAX's derivatives at the kinks (recorded
from JAX), every function under ``jit``, and the functions with their own options:
log1mexp, glu, logmeanexp, ``where=`` masks, standardize's mean/variance/algorithm, one_hot's
argument checks."""
from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.core import current_trace_level

from helpers import assert_derivatives, assert_same_as_numpy, rand
from test_nn import ACTIVATIONS, NORMALIZERS, np_logsumexp, sample

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


# ---------------------------------------------------------------------------------------------
# Kinks: value, f' and f'' where JAX picks a convention (recorded by make_nn_fixtures.py)
# ---------------------------------------------------------------------------------------------

with open(os.path.join(FIXTURES, "nn_kinks.json")) as _fh:
    JAX_KINKS = json.load(_fh)

KINK_FUNCTIONS = {name: getattr(nn, name) for name in JAX_KINKS if hasattr(nn, name)}
KINK_FUNCTIONS["gelu_exact"] = lambda x: nn.gelu(x, approximate=False)


@pytest.mark.parametrize("name", sorted(JAX_KINKS))
def test_derivatives_at_kinks_are_jaxs(name):
    f = KINK_FUNCTIONS[name]
    d1 = fungrad.grad(f)
    d2 = fungrad.grad(d1)
    for point, value, first, second in JAX_KINKS[name]:
        np.testing.assert_allclose(f(point), value, rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(d1(point), first, rtol=1e-12, err_msg=f"{name}'({point})")
        np.testing.assert_allclose(d2(point), second, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name}''({point})")
        # forward mode agrees with reverse mode
        _, t = fungrad.jvp(f, (point,), (1.0,))
        np.testing.assert_allclose(t, first, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Every table function under jit: same values, one trace for many calls
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_under_jit(name):
    f, ref, kinks = ACTIVATIONS[name]
    jitted = fungrad.jit(f)
    for seed in range(2):
        x = sample((2, 3), seed=seed, kinks=kinks)
        assert_same_as_numpy(jitted(x), ref(x))
    x = sample((3,), np.float32, kinks=kinks)
    assert_same_as_numpy(jitted(x), ref(x))
    g = fungrad.jit(fungrad.grad(lambda x: fnp.sum(f(x))))
    x = sample((4,), kinks=kinks)
    np.testing.assert_allclose(g(x), fungrad.grad(lambda x: fnp.sum(f(x)))(x), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(NORMALIZERS))
def test_normalizer_under_jit(name):
    f, ref = NORMALIZERS[name]
    jitted = fungrad.jit(lambda x: f(x, -1))
    for seed in range(2):
        x = rand((2, 3), seed=seed)
        assert_same_as_numpy(jitted(x), ref(x, -1))


# ---------------------------------------------------------------------------------------------
# log1mexp
# ---------------------------------------------------------------------------------------------

def test_log1mexp_values_and_stability():
    def np_log1mexp(x):  # each formula where it is accurate (Maechler's note)
        return np.where(x < np.log(2), np.log(-np.expm1(-x)), np.log1p(-np.exp(-x)))

    x = np.concatenate([np.geomspace(1e-6, 0.69, 7), np.linspace(0.7, 30.0, 7)])
    assert_same_as_numpy(nn.log1mexp(x), np_log1mexp(x))
    assert_same_as_numpy(nn.log1mexp(x.astype(np.float32)), np_log1mexp(x.astype(np.float32)))
    with np.errstate(all="raise"):
        # near 0: log(x); far out: -exp(-x) (1 - exp(-x) would round to 1 and give 0)
        np.testing.assert_allclose(nn.log1mexp(1e-20), math.log(1e-20), rtol=1e-15)
        np.testing.assert_allclose(nn.log1mexp(50.0), -math.exp(-50.0), rtol=1e-14)
        np.testing.assert_allclose(fungrad.grad(nn.log1mexp)(50.0), 1 / math.expm1(50.0),
                                   rtol=1e-14)


def test_log1mexp_derivatives():
    for x in [np.array(0.3), np.array([0.2, math.log(2.0) - 1e-3, math.log(2.0) + 1e-3, 4.0]),
              rand((2, 3), low=0.1, high=5.0)]:
        assert_derivatives(nn.log1mexp, (x,))
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(fungrad.grad(lambda x: fnp.sum(nn.log1mexp(x)))(x),
                               1 / np.expm1(x), rtol=1e-14)
    np.testing.assert_allclose(fungrad.vmap(nn.log1mexp)(x), np.log(-np.expm1(-x)), rtol=1e-14)
    np.testing.assert_allclose(fungrad.jit(nn.log1mexp)(x), np.log(-np.expm1(-x)), rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# glu
# ---------------------------------------------------------------------------------------------

def np_glu(x, axis=-1):
    a, b = np.split(x, 2, axis)
    return a / (1 + np.exp(-b))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_glu_values(dtype):
    for shape, axis in [((4,), -1), ((2, 6), -1), ((4, 3), 0), ((2, 4, 3), 1), ((3, 0), 0)]:
        if shape[axis] % 2:
            continue
        x = rand(shape, dtype)
        assert_same_as_numpy(nn.glu(x, axis=axis), np_glu(x, axis))


def test_glu_derivatives_jit_vmap_and_errors():
    x = rand((3, 4))
    assert_derivatives(nn.glu, (x,))
    assert_derivatives(lambda x: nn.glu(x, axis=0), (rand((2, 3)),))
    assert_same_as_numpy(fungrad.jit(nn.glu)(x), np_glu(x))
    assert_same_as_numpy(fungrad.vmap(nn.glu)(x), np_glu(x))
    with pytest.raises(ValueError, match="glu.*divisible by 2"):
        nn.glu(np.ones((2, 3)))
    with pytest.raises(ValueError, match="glu.*axis 2"):
        nn.glu(np.ones((2, 4)), axis=2)
    assert current_trace_level() == 0


# ---------------------------------------------------------------------------------------------
# where= masks: softmax, log_softmax, logsumexp, logmeanexp, standardize
# ---------------------------------------------------------------------------------------------

def np_masked(fn, x, where, axis):
    """``fn`` applied to each row (along ``axis``, last) of x restricted to ``where``, the
    masked-out entries filled with ``fill``."""
    x, where = np.moveaxis(x, axis, -1), np.moveaxis(np.broadcast_to(where, x.shape), axis, -1)
    out = []
    for row, keep in zip(x.reshape(-1, x.shape[-1]), where.reshape(-1, x.shape[-1])):
        out.append(fn(row[keep], keep))
    return out


def np_softmax_where(x, where, axis=-1):
    rows = np_masked(lambda r, keep: np.exp(r - r.max()) / np.exp(r - r.max()).sum()
                     if r.size else r, x, where, axis)
    out = np.zeros(np.moveaxis(x, axis, -1).shape).reshape(len(rows), -1)
    keep = np.moveaxis(np.broadcast_to(where, x.shape), axis, -1).reshape(len(rows), -1)
    for i, r in enumerate(rows):
        out[i, keep[i]] = r
    return np.moveaxis(out.reshape(np.moveaxis(x, axis, -1).shape), -1, axis)


MASK = np.array([[True, False, True, True], [False, True, True, False],
                 [True, True, True, True]])


def test_softmax_and_log_softmax_with_where():
    x = rand((3, 4), seed=2, low=-3, high=3)
    expected = np_softmax_where(x, MASK)
    assert_same_as_numpy(nn.softmax(x, where=MASK), expected)
    with np.errstate(divide="ignore"):
        assert_same_as_numpy(nn.log_softmax(x, where=MASK), np.log(expected))
        assert_same_as_numpy(nn.log_softmax(x), np.log(np_softmax_where(x, True)))
    # along axis 0, and a mask that broadcasts
    col_mask = np.array([[True], [False], [True]])
    assert_same_as_numpy(nn.softmax(x, axis=0, where=col_mask),
                         np_softmax_where(x, col_mask, axis=0))
    # masked entries take no part: changing them changes nothing, and they get no gradient
    x2 = np.where(MASK, x, 1e6)
    assert_same_as_numpy(nn.softmax(x2, where=MASK), expected)
    w = rand((3, 4), seed=3)
    for f in (nn.softmax, nn.log_softmax):
        def loss(x, f=f):
            return fnp.sum(fnp.where(MASK, f(x, where=MASK), 0.0) * w)
        g = fungrad.grad(loss)(x)
        np.testing.assert_array_equal(g[~MASK], 0.0)
        assert_derivatives(loss, (x,))
    # a fully masked row: zeros from softmax, -inf from log_softmax, finite gradients
    none = np.zeros((2, 3), bool)
    np.testing.assert_array_equal(nn.softmax(x[:2, :3], where=none), np.zeros((2, 3)))
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(nn.log_softmax(x[:2, :3], where=none), -np.inf)
    g = fungrad.grad(lambda x: fnp.sum(nn.softmax(x, where=none)))(x[:2, :3])
    np.testing.assert_array_equal(g, np.zeros((2, 3)))
    # jit and vmap
    assert_same_as_numpy(fungrad.jit(lambda x: nn.softmax(x, where=MASK))(x), expected)
    assert_same_as_numpy(fungrad.vmap(lambda x, m: nn.softmax(x, where=m))(x, MASK), expected)


def test_logsumexp_and_logmeanexp_with_where():
    x = rand((3, 4), seed=4)
    lse = np.array(np_masked(lambda r, keep: np_logsumexp(r), x, MASK, -1))
    lme = np.array(np_masked(lambda r, keep: np_logsumexp(r) - np.log(r.size), x, MASK, -1))
    assert_same_as_numpy(nn.logsumexp(x, axis=-1, where=MASK), lse)
    assert_same_as_numpy(nn.logmeanexp(x, axis=-1, where=MASK), lme)
    assert_same_as_numpy(nn.logmeanexp(x, axis=-1, where=MASK, keepdims=True), lme[:, None])
    assert_same_as_numpy(nn.logsumexp(x, where=MASK), np_logsumexp(x[MASK]))
    assert_derivatives(lambda x: nn.logsumexp(x, axis=1, where=MASK), (x,))
    assert_derivatives(lambda x: nn.logmeanexp(x, axis=0, where=MASK), (x,))
    assert_same_as_numpy(fungrad.jit(lambda x: nn.logmeanexp(x, 1, where=MASK))(x), lme)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logmeanexp_values(dtype):
    for shape, axis in [((4,), None), ((2, 3), 1), ((2, 3), 0), ((2, 3, 4), (0, 2)),
                        ((2, 3), None)]:
        x = rand(shape, dtype)
        n = x.size if axis is None else np.prod([shape[a] for a in np.atleast_1d(axis)])
        assert_same_as_numpy(nn.logmeanexp(x, axis=axis),
                             np_logsumexp(x, axis) - np.log(dtype(n)))
    x = np.array([1000.0, 1000.0])  # stable: exp(1000) would overflow
    with np.errstate(over="raise"):
        assert nn.logmeanexp(x) == 1000.0
    assert_derivatives(lambda x: nn.logmeanexp(x, axis=1), (rand((2, 3)),))
    assert_derivatives(nn.logmeanexp, (rand(()),))


def test_standardize_options():
    x = rand((3, 5), seed=5, low=-3, high=4)
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    for algorithm in ("fast", "stable"):
        assert_same_as_numpy(nn.standardize(x, algorithm=algorithm),
                             (x - mu) / np.sqrt(var + 1e-5))
        assert_derivatives(lambda x: nn.standardize(x, algorithm=algorithm), (x,))
    # given mean and variance are used as they are
    assert_same_as_numpy(nn.standardize(x, mean=0.5, variance=2.0, epsilon=0.0),
                         (x - 0.5) / np.sqrt(2.0))
    assert_derivatives(lambda x, m, v: nn.standardize(x, mean=m, variance=v),
                       (x, mu, var + 1.0))
    # where: statistics over the kept entries only; every entry is standardized by them
    mask = np.array([[True] * 5, [True, False, True, False, True], [False, True] * 2 + [True]])
    expected = np.stack([(r - r[k].mean()) / np.sqrt(r[k].var() + 1e-5)
                         for r, k in zip(x, mask)])
    assert_same_as_numpy(nn.standardize(x, where=mask), expected)
    assert_same_as_numpy(nn.standardize(x, where=mask, algorithm="stable"), expected)
    assert_derivatives(lambda x: nn.standardize(x, where=mask), (x,))
    assert_same_as_numpy(nn.standardize(x, axis=None), (x - x.mean()) / np.sqrt(x.var() + 1e-5))
    with pytest.raises(ValueError, match="standardize.*algorithm"):
        nn.standardize(x, algorithm="exact")


def test_where_errors():
    x = np.ones((2, 3))
    for f in (nn.softmax, nn.log_softmax, nn.logsumexp, nn.logmeanexp, nn.standardize):
        with pytest.raises(TypeError, match="where must be a boolean"):
            f(x, where=np.ones((2, 3)))
        with pytest.raises(ValueError, match=r"where of shape \(4,\)"):
            f(x, where=np.ones(4, bool))
    assert current_trace_level() == 0


# ---------------------------------------------------------------------------------------------
# one_hot's arguments
# ---------------------------------------------------------------------------------------------

def test_one_hot_argument_errors():
    with pytest.raises(ValueError, match="one_hot.*axis 2"):
        nn.one_hot(np.array([0, 1]), 3, axis=2)
    with pytest.raises(TypeError, match="num_classes must be a concrete int"):
        fungrad.jit(lambda n: nn.one_hot(np.array([0, 1]), n))(3)
    with pytest.raises(TypeError, match="num_classes"):
        nn.one_hot(np.array([0, 1]), 3.0)
    with pytest.raises(TypeError):  # dtype is keyword-only, as in JAX
        nn.one_hot(np.array([0, 1]), 3, np.float32)
    assert current_trace_level() == 0
    # a negative axis counts from the end of the output
    out = nn.one_hot(np.array([[0, 1], [2, 0]]), 3, axis=-2)
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out[:, :, 0], np.eye(3)[[0, 2]])
