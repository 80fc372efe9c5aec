"""symbolic_zeros=True for custom_jvp and custom_vjp: which tangents and cotangents the rules
see as SymbolicZero, and what fwd sees as CustomVJPPrimal, as JAX 0.10.2 does
(tests/fixtures/make_symbolic_zeros.py prints JAX's); derivatives stay right."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.custom_derivatives import (
    CustomVJPPrimal, SymbolicZero, custom_vjp_primal_tree_values, zero_from_primal,
)
from fungrad.test_util import check_grads

from helpers import assert_same_as_numpy


def _mul_jvp(seen):
    @fungrad.custom_jvp
    def f(x, y):
        return x * y

    def f_jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        seen.append((type(tx) is SymbolicZero, type(ty) is SymbolicZero))
        out = x * y
        tout = fnp.zeros_like(out)
        if type(tx) is not SymbolicZero:
            tout = tout + tx * y
        if type(ty) is not SymbolicZero:
            tout = tout + x * ty
        return out, tout
    f.defjvp(f_jvp, symbolic_zeros=True)
    return f


def test_custom_jvp_gets_symbolic_zeros_for_undifferentiated_arguments():
    seen = []
    f = _mul_jvp(seen)
    assert_same_as_numpy(fungrad.grad(f)(2.0, 3.0), np.float64(3.0))
    assert seen == [(False, True)]
    assert_same_as_numpy(fungrad.grad(f, 1)(2.0, 3.0), np.float64(2.0))
    assert seen[-1] == (True, False)
    assert_same_as_numpy(fungrad.jit(fungrad.grad(f))(2.0, 3.0), np.float64(3.0))
    # jvp with explicit tangents (even a 0.0) gives arrays, as in JAX
    out, t = fungrad.jvp(f, (2.0, 3.0), (1.0, 0.0))
    assert_same_as_numpy(t, np.float64(3.0))
    assert seen[-1] == (False, False)
    x, y = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    check_grads(f, (x, y), order=2, modes=("fwd", "rev"))
    check_grads(lambda a: f(a, y), (x,), order=2, modes=("fwd", "rev"))
    assert_same_as_numpy(fungrad.vmap(fungrad.grad(lambda a, b: f(a, b).sum()))(
        np.ones((2, 3)), np.full((2, 3), 4.0)), np.full((2, 3), 4.0))


def test_custom_jvp_rule_may_return_a_symbolic_zero():
    @fungrad.custom_jvp
    def stopped(x, y):
        return x + fungrad.lax.stop_gradient(y)

    def rule(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return stopped(x, y), SymbolicZero.from_primal_value(x) if type(tx) is SymbolicZero \
            else tx
    stopped.defjvp(rule, symbolic_zeros=True)
    assert_same_as_numpy(fungrad.grad(stopped, 1)(1.0, 2.0), np.float64(0.0))
    assert_same_as_numpy(fungrad.grad(stopped)(1.0, 2.0), np.float64(1.0))
    assert_same_as_numpy(fungrad.jvp(stopped, (1.0, 2.0), (3.0, 5.0))[1], np.float64(3.0))


def _mul_vjp(seen):
    @fungrad.custom_vjp
    def g(x, y):
        return x * y

    def g_fwd(x, y):
        seen.append(("fwd", type(x).__name__, x.perturbed, y.perturbed))
        return g(x.value, y.value), (x.value, y.value)

    def g_bwd(res, ct):
        x, y = res
        return ct * y, ct * x
    g.defvjp(g_fwd, g_bwd, symbolic_zeros=True)
    return g


def test_custom_vjp_fwd_sees_which_arguments_are_perturbed():
    seen = []
    g = _mul_vjp(seen)
    assert_same_as_numpy(fungrad.grad(g)(2.0, 3.0), np.float64(3.0))
    assert seen == [("fwd", "CustomVJPPrimal", True, False)]
    assert_same_as_numpy(fungrad.grad(g, 1)(2.0, 3.0), np.float64(2.0))
    assert seen[-1] == ("fwd", "CustomVJPPrimal", False, True)
    assert_same_as_numpy(g(2.0, 3.0), 6.0)
    assert_same_as_numpy(fungrad.jit(fungrad.grad(g, (0, 1)))(2.0, 3.0)[1], np.float64(2.0))
    x, y = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    check_grads(g, (x, y), order=2, modes=("rev",))
    assert_same_as_numpy(fungrad.vmap(fungrad.grad(g))(x, y), y)


def test_custom_vjp_bwd_gets_symbolic_zero_for_unread_outputs():
    seen = []

    @fungrad.custom_vjp
    def h(x):
        return x, 2.0 * x

    def h_bwd(_, ct):
        seen.append(tuple(type(c) is SymbolicZero for c in ct))
        a = 0.0 if type(ct[0]) is SymbolicZero else ct[0]
        b = 0.0 if type(ct[1]) is SymbolicZero else 2.0 * ct[1]
        return (a + b,)
    h.defvjp(lambda x: (h(custom_vjp_primal_tree_values(x)), None), h_bwd, symbolic_zeros=True)
    assert_same_as_numpy(fungrad.grad(lambda x: h(x)[0])(1.0), np.float64(1.0))
    assert seen == [(False, True)]
    assert_same_as_numpy(fungrad.grad(lambda x: h(x)[1] * 3.0)(1.0), np.float64(6.0))
    assert seen[-1] == (True, False)


def test_bwd_may_return_symbolic_zero_and_optimize_remat_changes_nothing():
    @fungrad.custom_vjp
    def f(x, y):
        return fnp.sin(x) * y
    f.defvjp(lambda x, y: (f(x, y), (x, y)),
             lambda r, g: (fnp.cos(r[0]) * r[1] * g, SymbolicZero.from_primal_value(r[1])),
             optimize_remat=True)
    assert_same_as_numpy(fungrad.grad(f, (0, 1))(1.0, 2.0)[1], np.float64(0.0))
    assert_same_as_numpy(fungrad.grad(f)(1.0, 2.0), np.cos(1.0) * 2.0)


def test_zero_from_primal_and_helpers():
    z = zero_from_primal({"a": np.ones(3, np.float32), "b": np.arange(2)})
    assert_same_as_numpy(z["a"], np.zeros(3, np.float32))
    assert z["b"].shape == (2,) and z["b"].dtype == fungrad.float0
    s = zero_from_primal((1.0, np.ones((2, 2))), symbolic_zeros=True)
    assert [type(t) for t in s] == [SymbolicZero, SymbolicZero]
    assert s[1].shape == (2, 2) and s[1].dtype == np.float64 and s[1].ndim == 2
    assert repr(s[0]) == "SymbolicZero"
    with pytest.raises(AttributeError, match="SymbolicZero has no attribute"):
        s[0].nonexistent
    tree = (CustomVJPPrimal(1.0, True), {"a": CustomVJPPrimal(2.0, False)})
    assert custom_vjp_primal_tree_values(tree) == (1.0, {"a": 2.0})
    with pytest.raises(TypeError, match="CustomVJPPrimal"):
        custom_vjp_primal_tree_values((1.0,))
