"""custom_vmap / sequential_vmap: the rule runs under vmap (and only there), with JAX's
arguments; its jvp follows the rule inside vmap and the function outside; bad rules raise
clear errors. Expected values are closed forms checked against JAX 0.10.2 by hand
(tests/fixtures/make_custom_batching.py prints them)."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.custom_batching import custom_vmap, sequential_vmap

from helpers import assert_same_as_numpy

X = np.arange(3.0)
Y = np.arange(1.0, 4.0)


def _f(calls=None):
    """sin(x) + y outside vmap; its rule computes sin(x) * y (deliberately different, so the
    tests see which one ran)."""
    @custom_vmap
    def f(x, y):
        return fnp.sin(x) + y

    @f.def_vmap
    def rule(axis_size, in_batched, xs, ys):
        if calls is not None:
            calls.append((axis_size, list(in_batched), np.shape(xs), np.shape(ys)))
        return fnp.sin(xs) * ys, in_batched[0] or in_batched[1]
    return f


def test_rule_runs_only_under_vmap_with_jax_arguments():
    calls = []
    f = _f(calls)
    assert_same_as_numpy(f(1.0, 2.0), np.sin(1.0) + 2.0)
    assert calls == []
    assert_same_as_numpy(fungrad.vmap(f)(X, Y), np.sin(X) * Y)
    assert calls == [(3, [True, True], (3,), (3,))]
    assert_same_as_numpy(fungrad.vmap(f, (0, None))(X, 2.0), np.sin(X) * 2.0)
    assert calls[-1] == (3, [True, False], (3,), ())
    # under jit, inside jit, and nested vmaps
    assert_same_as_numpy(fungrad.jit(fungrad.vmap(f))(X, Y), np.sin(X) * Y)
    assert_same_as_numpy(fungrad.vmap(fungrad.jit(f))(X, Y), np.sin(X) * Y)
    assert_same_as_numpy(fungrad.vmap(fungrad.vmap(f))(X[None], Y[None]), (np.sin(X) * Y)[None])


def test_in_batched_is_a_tree_per_argument():
    seen = []
    f = custom_vmap(lambda d, s: d["a"] * s)

    @f.def_vmap
    def rule(axis_size, in_batched, d, s):
        seen.append(in_batched)
        return d["a"] * s, True
    assert_same_as_numpy(fungrad.vmap(f, ({"a": 0}, None))({"a": X}, 2.0), 2.0 * X)
    assert_same_as_numpy(fungrad.vmap(f, (None, 0))({"a": 1.0}, X), X)
    assert seen == [[{"a": True}, False], [{"a": False}, True]]


def test_float32_and_unbatched_output_is_broadcast():
    f = custom_vmap(lambda x: x * 2)
    f.def_vmap(lambda n, b, xs: (xs.sum(0) * 0 + fnp.float32(7), False))
    out = fungrad.vmap(f)(X.astype(np.float32))
    assert_same_as_numpy(out, np.full(3, 7.0, np.float32))


def test_forward_mode_follows_fun_outside_and_rule_inside_vmap():
    f = _f()
    out, t = fungrad.jvp(f, (1.0, 2.0), (1.0, 0.0))
    assert_same_as_numpy(t, np.cos(1.0))
    # jvp of vmap: the rule is what is differentiated
    out, t = fungrad.jvp(fungrad.vmap(f), (X, Y), (X, Y))
    assert_same_as_numpy(out, np.sin(X) * Y)
    assert_same_as_numpy(t, np.cos(X) * Y * X + np.sin(X) * Y)
    # vmap of jvp: the tangent is a custom_vmap whose rule is the jvp of the rule
    out, t = fungrad.vmap(lambda a, b: fungrad.jvp(f, (a, b), (1.0, 1.0)))(X, Y)
    assert_same_as_numpy(out, np.sin(X) * Y)
    assert_same_as_numpy(t, np.cos(X) * Y + np.sin(X))
    # a tangent batched where its primal is not (and the other way round)
    out, t = fungrad.vmap(lambda tx: fungrad.jvp(f, (1.0, Y[0]), (tx, 0.0)))(X)
    assert_same_as_numpy(t, np.cos(1.0) * Y[0] * X)
    # reverse mode of the vmapped function differentiates the rule
    g = fungrad.grad(lambda a: fungrad.vmap(f)(a, Y).sum())(X)
    assert_same_as_numpy(g, np.cos(X) * Y)
    fungrad.test_util.check_grads(lambda a: fungrad.vmap(f)(a, Y), (X,), order=2,
                                  modes=("fwd", "rev"))


def _vjp_of_vmap(rule_calls: list):
    """JAX's documented combination: custom_vjp around custom_vmap of sin(x) * y."""
    @fungrad.custom_vjp
    @custom_vmap
    def h(x, y):
        return fnp.sin(x) * y

    @h.fun.def_vmap
    def h_rule(axis_size, in_batched, xs, ys):
        rule_calls.append(axis_size)
        return fnp.sin(xs) * ys, True
    h.defvjp(lambda x, y: (h(x, y), (fnp.cos(x), fnp.sin(x), y)),
             lambda res, g: (res[0] * g * res[2], res[1] * g))
    return h


def test_reverse_mode_is_refused_as_in_jax_and_custom_vjp_gives_it():
    f = _f()
    with pytest.raises(ValueError, match="custom_vjp"):
        fungrad.grad(f)(1.0, 2.0)
    with pytest.raises(ValueError, match="reverse-mode"):
        fungrad.vmap(fungrad.grad(f))(X, Y)
    assert_same_as_numpy(fungrad.vmap(f)(X, Y), np.sin(X) * Y)  # still works after

    h = _vjp_of_vmap([])
    assert_same_as_numpy(fungrad.grad(h)(1.0, 2.0), np.cos(1.0) * 2.0)
    assert_same_as_numpy(fungrad.vmap(fungrad.grad(h))(X, Y), np.cos(X) * Y)


def test_sequential_vmap_loops_over_examples():
    shapes = []

    @sequential_vmap
    def g(x, y):
        shapes.append(np.shape(x))
        return {"s": x.sum() + y, "v": x * y}
    m = np.arange(6.0).reshape(3, 2)
    out = fungrad.vmap(g, (0, None))(m, 2.0)
    assert_same_as_numpy(out["s"], m.sum(1) + 2.0)
    assert_same_as_numpy(out["v"], m * 2.0)
    assert all(s == (2,) for s in shapes)
    fungrad.test_util.check_grads(lambda a: fungrad.vmap(g, (0, None))(a, 2.0)["v"], (m,),
                                  order=2, modes=("fwd", "rev"))
    assert_same_as_numpy(g(m[0], 1.0)["s"], np.float64(2.0))


def _with_rule(rule):
    f = custom_vmap(lambda a: (a, a * 2))
    f.def_vmap(rule)
    return fungrad.vmap(f)


@pytest.mark.parametrize("rule, error, match", [
    (lambda n, b, a: ((a, a), True), ValueError, "batching specification"),
    (lambda n, b, a: ([a, a], [True, True]), ValueError, "original custom-vmapped"),
    (lambda n, b, a: ((a[:2], a), (True, True)), ValueError, r"leaf 0 of type f64\[2\]"),
    (lambda n, b, a: ((a, a), (False, True)), ValueError, "unbatched output"),
    (lambda n, b, a: a, TypeError, "must return a pair"),
    (lambda n, b, a: ((a.astype(np.int32), a), (True, True)), ValueError, "dtype float64"),
])
def test_bad_rules_raise_and_the_next_call_works(rule, error, match):
    with pytest.raises(error, match=match):
        _with_rule(rule)(X)
    out = _with_rule(lambda n, b, a: ((a, a), (True, True)))(X)
    assert_same_as_numpy(out[1], X)


def test_missing_rule_and_batched_closure():
    with pytest.raises(AttributeError, match="No batching rule"):
        fungrad.vmap(custom_vmap(lambda a: a))(X)

    def h(y):
        g = custom_vmap(lambda a: a * y)
        g.def_vmap(lambda n, b, a: (a * 3, True))
        return g(1.0)
    with pytest.raises(ValueError, match="closes over a value that is being vmapped"):
        fungrad.vmap(h)(X)

    def h2(y):  # closing over an unbatched value is fine
        g = custom_vmap(lambda a: a * 2.0 + X.sum())
        g.def_vmap(lambda n, b, a: (a * 3 + X.sum(), b[0]))
        return g(y)
    assert_same_as_numpy(fungrad.vmap(h2)(X), X * 3 + 3.0)


def test_custom_vjp_of_custom_vmap_uses_the_vmap_rule_under_vmap_and_grad():
    rule_calls = []
    h = _vjp_of_vmap(rule_calls)
    assert_same_as_numpy(fungrad.vmap(h)(X, Y), np.sin(X) * Y)
    assert rule_calls == [3]
    g = fungrad.grad(lambda a: fungrad.vmap(h)(a, Y).sum())(X)
    assert_same_as_numpy(g, np.cos(X) * Y)
    assert rule_calls[-1] == 3
