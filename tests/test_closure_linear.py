"""closure_convert and linear_call against JAX 0.10.2's behaviour
(tests/fixtures/make_closure_linear.py prints JAX's values; they are closed forms here)."""
from functools import partial

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.custom_derivatives import closure_convert, linear_call
from fungrad.test_util import check_grads

from helpers import assert_same_as_numpy


def test_closure_convert_hoists_only_traced_float_values():
    counts = []

    def outer(a):
        c = np.arange(3.0)

        def fn(x, y):
            return {"o": fnp.sin(x) * a + c * y, "i": fnp.arange(2) * 0 + 1}
        conv, consts = closure_convert(fn, 1.0, np.ones(3))
        counts.append(len(consts))
        out = conv(2.0, np.ones(3), *consts)
        assert_same_as_numpy(out["i"], np.ones(2, int))
        return out["o"].sum()
    assert_same_as_numpy(outer(1.5), np.sum(np.sin(2.0) * 1.5 + np.arange(3.0)))
    assert_same_as_numpy(fungrad.grad(outer)(1.5), 3 * np.sin(2.0))
    assert_same_as_numpy(fungrad.jit(fungrad.grad(outer))(1.5), 3 * np.sin(2.0))
    assert counts == [0, 1, 1]
    conv, _ = closure_convert(lambda x: x * 2.0, 1.0)
    with pytest.raises(TypeError, match="closure_convert"):
        conv(1.0, 2.0)
    assert_same_as_numpy(conv(np.float32(3.0)), np.float32(6.0))


def _minimize_like():
    """JAX's closure_convert pattern: a custom_vjp taking the converted function as a
    non-differentiable argument, and its hoisted constants as differentiable ones."""
    @partial(fungrad.custom_vjp, nondiff_argnums=(0,))
    def apply(fn, x, *args):
        return fn(x, *args)

    def fwd(fn, x, *args):
        return apply(fn, x, *args), (x, args)

    def bwd(fn, res, g):
        x, args = res
        _, pullback = fungrad.vjp(fn, x, *args)
        return pullback(g)
    apply.defvjp(fwd, bwd)

    def solve(a, x):
        conv, consts = closure_convert(lambda z: fnp.sin(z) * a, x)
        return apply(conv, x, *consts)
    return solve


def test_closure_convert_lets_a_custom_vjp_differentiate_closed_over_values():
    solve = _minimize_like()
    ga, gx = fungrad.grad(solve, (0, 1))(1.5, 0.3)
    assert_same_as_numpy(ga, np.sin(0.3))
    assert_same_as_numpy(gx, np.cos(0.3) * 1.5)
    a, x = np.array([0.5, -1.0]), np.array([0.2, 0.7])
    check_grads(solve, (a, x), order=2, modes=("rev",))
    assert_same_as_numpy(fungrad.vmap(fungrad.grad(lambda p: solve(p, 0.3)))(a),
                         np.full(2, np.sin(0.3)))


def _transpose(f, example):
    return lambda y: fungrad.linear_transpose(f, example)(y)[0]


def test_linear_call_values_and_custom_transpose():
    def div_add(x, denom):
        return x + linear_call(lambda r, x: x / r, lambda r, t: t / r, denom, x)
    assert_same_as_numpy(div_add(9.0, 3.0), 12.0)
    assert_same_as_numpy(_transpose(partial(div_add, denom=3.0), 1.0)(18.0), np.float64(24.0))

    def custom_id(x):
        return linear_call(lambda _, x: x, lambda _, t: 7.0, (), x)
    t1 = _transpose(custom_id, 1.0)
    t2 = _transpose(t1, 1.0)
    t3 = _transpose(t2, 1.0)
    assert [float(t(1.0)) for t in (t1, t2, t3)] == [7.0, 1.0, 7.0]


def test_linear_call_derivatives_use_the_transpose_in_reverse_mode():
    def scaled(x):  # forward 2x; the (deliberately different) transpose says 100 ct
        return linear_call(lambda r, x: x * r, lambda r, c: c * 100.0, 2.0, x)
    assert_same_as_numpy(fungrad.grad(scaled)(2.0), np.float64(100.0))
    assert_same_as_numpy(fungrad.jit(fungrad.grad(scaled))(2.0), np.float64(100.0))
    assert_same_as_numpy(fungrad.jvp(scaled, (2.0,), (1.0,))[1], np.float64(2.0))
    assert_same_as_numpy(fungrad.vmap(scaled)(np.arange(3.0)), 2.0 * np.arange(3.0))
    out = fungrad.grad(lambda x: linear_call(
        lambda r, x: (x["a"] * r, x["b"]), lambda r, c: {"a": c[0] * 10, "b": c[1] * 5.0},
        2.0, {"a": x, "b": x})[0])(2.0)
    assert_same_as_numpy(out, np.float64(10.0))

    def honest(x, r):  # a consistent transpose: all derivatives match finite differences
        return linear_call(lambda r, x: fnp.cumsum(x) * r,
                           lambda r, c: fnp.cumsum(c[::-1])[::-1] * r, r, x) ** 2
    x = np.array([0.5, -1.0, 2.0])
    check_grads(lambda x: honest(x, 3.0), (x,), order=2, modes=("fwd", "rev"))


def test_linear_call_errors():
    with pytest.raises(ValueError, match="residual arguments"):
        fungrad.grad(lambda r: linear_call(lambda r, x: x * r, lambda r, c: c, r, 2.0))(2.0)
    with pytest.raises(TypeError, match="transpose output pytree structure"):
        fungrad.grad(lambda x: linear_call(lambda r, x: x * r, lambda r, c: (c, c), 2.0, x))(2.0)
    with pytest.raises(ValueError, match="leaf 0 has shape"):
        fungrad.grad(lambda x: linear_call(lambda r, x: x * r, lambda r, c: fnp.ones(2),
                                           2.0, x))(2.0)
    assert_same_as_numpy(fungrad.grad(lambda x: linear_call(
        lambda r, x: x * r, lambda r, c: c * r, 2.0, x))(1.0), np.float64(2.0))
