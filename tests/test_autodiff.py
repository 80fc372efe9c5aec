"""Acceptance tests for automatic differentiation: grad, vjp, jvp, linearize, jacobians and
hessians, at any order and in any mix; stop_gradient; the IR of a gradient (complete, valid,
no dead code, cheap); functional semantics and dtypes; JAX's error messages and conventions;
and check_grads itself."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import fungrad
import fungrad.nn as nn
import fungrad.numpy as fnp
from fungrad import (
    check_jaxpr, grad, hessian, jacfwd, jacrev, jvp, linearize, make_jaxpr, stop_gradient,
    value_and_grad, vjp,
)
from fungrad.core import Var, current_trace_level
from fungrad.prims import elementwise as ew
from fungrad.test_util import check_grads

from helpers import assert_derivatives, assert_same_as_numpy, rand


def _assert_next_call_works():
    """After an error: the trace stack is empty and a fresh transform gives the right answer."""
    assert current_trace_level() == 0
    x = np.array([0.1, 0.2, 0.3])
    assert_same_as_numpy(grad(lambda y: fnp.sum(fnp.sin(y)))(x), np.cos(x))
    assert_same_as_numpy(jvp(fnp.sin, (x,), (np.ones(3),))[1], np.cos(x))


def _fd_jacobian(f, x, eps=1e-6):
    """Central-difference Jacobian of a vector-to-vector numpy-evaluable f."""
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1)


# ------------------------------------------------------------------- the examples

def test_grad_of_two_dot_x_x_is_four_x():
    x = fnp.arange(4.0)
    g = grad(lambda x: 2 * fnp.dot(x, x))(x)
    assert_same_as_numpy(g, 4 * np.arange(4.0))


def test_vjp_of_two_x_pulls_back_basis_vector():
    y, pullback = vjp(lambda x: 2 * x, np.array([1.0, 2.0, 3.0]))
    assert_same_as_numpy(y, np.array([2.0, 4.0, 6.0]))
    (ct,) = pullback(np.array([1.0, 0.0, 0.0]))
    assert_same_as_numpy(ct, np.array([2.0, 0.0, 0.0]))


@pytest.mark.parametrize("x", [-2.0, 0.0, 0.7, 3.0])
def test_third_derivative_of_sin_is_minus_cos(x):
    assert_same_as_numpy(grad(grad(grad(fnp.sin)))(x), np.float64(-np.cos(x)))


def _vec_fun(x):
    return fnp.sin(x) * x[::-1] + fnp.exp(x[0] * x) - fnp.tanh(fnp.cumsum(x))


def _vec_fun_np(x):
    return np.sin(x) * x[::-1] + np.exp(x[0] * x) - np.tanh(np.cumsum(x))


def test_jacfwd_equals_jacrev_and_finite_differences():
    x = np.array([0.3, -0.7, 1.1, 0.2])
    jf = jacfwd(_vec_fun)(x)
    jr = jacrev(_vec_fun)(x)
    assert jf.shape == jr.shape == (4, 4)
    np.testing.assert_allclose(jf, jr, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jf, _fd_jacobian(_vec_fun_np, x), rtol=1e-6, atol=1e-8)
    assert_derivatives(_vec_fun, (x,), order=2)


def test_jacobians_of_matrix_input_have_out_shape_plus_in_shape():
    a = rand((2, 3), seed=1)
    f = lambda m: fnp.tanh(m) @ np.arange(3.0)  # noqa: E731
    jf, jr = jacfwd(f)(a), jacrev(f)(a)
    assert jf.shape == jr.shape == (2, 2, 3)
    expected = np.zeros((2, 2, 3))
    for i in range(2):
        expected[i, i] = (1 - np.tanh(a[i]) ** 2) * np.arange(3.0)
    np.testing.assert_allclose(jf, expected, rtol=1e-12)
    np.testing.assert_allclose(jr, expected, rtol=1e-12)


A_SYM = np.array([[2.0, 0.5, -1.0], [0.5, 3.0, 0.2], [-1.0, 0.2, 1.5]])


def _quad_exp(x):
    return 0.5 * x @ (A_SYM @ x) + fnp.sum(fnp.exp(x)) + x[0] * x[1] * x[2]


def _quad_exp_hessian(x):
    h = A_SYM + np.diag(np.exp(x))
    h = h + np.array([[0, x[2], x[1]], [x[2], 0, x[0]], [x[1], x[0], 0]])
    return h


def test_hessian_against_closed_form():
    x = np.array([0.3, -0.4, 0.8])
    np.testing.assert_allclose(hessian(_quad_exp)(x), _quad_exp_hessian(x), rtol=1e-12)
    np.testing.assert_allclose(jacfwd(jacrev(_quad_exp))(x), _quad_exp_hessian(x), rtol=1e-12)
    np.testing.assert_allclose(jacrev(jacrev(_quad_exp))(x), _quad_exp_hessian(x), rtol=1e-12)
    np.testing.assert_allclose(jacfwd(jacfwd(_quad_exp))(x), _quad_exp_hessian(x), rtol=1e-12)


def test_linearize_matches_jvp_and_records_only_tangent_work():
    f = lambda x: fnp.sum(fnp.sin(x) * x ** 3) + fnp.prod(fnp.cos(x))  # noqa: E731
    x = np.array([0.3, -0.7, 1.1])
    y, f_jvp = linearize(f, x)
    assert_same_as_numpy(y, np.sum(np.sin(x) * x ** 3) + np.prod(np.cos(x)))
    for seed in range(3):
        t = rand(3, seed=seed)
        y2, expected = jvp(f, (x,), (t,))
        np.testing.assert_allclose(f_jvp(t), expected, rtol=1e-12)
        np.testing.assert_allclose(f_jvp(2.0 * t), 2.0 * expected, rtol=1e-12)
    lin = f_jvp.jaxpr
    check_jaxpr(lin)
    # only tangent equations: no primal math, and every equation depends on the tangent input
    names = {e.primitive.name for e in lin.eqns}
    assert not names & {"sin", "cos", "pow", "integer_pow", "reduce_prod"}, names
    depends = {id(v) for v in lin.jaxpr.invars}
    for eqn in lin.eqns:
        assert any(isinstance(a, Var) and id(a) in depends for a in eqn.inputs), eqn
        depends.update(id(v) for v in eqn.outvars)


def test_value_and_grad():
    f = lambda x, y: fnp.sum(fnp.sin(x) * y)  # noqa: E731
    x, y = rand(3, seed=1), rand(3, seed=2)
    value, g = value_and_grad(f)(x, y)
    assert_same_as_numpy(value, np.sum(np.sin(x) * y))
    assert_same_as_numpy(g, np.cos(x) * y)
    (value, aux), g = value_and_grad(lambda x: (fnp.sum(x ** 2), x * 3.0), has_aux=True)(x)
    assert_same_as_numpy(value, np.sum(x ** 2))
    assert_same_as_numpy(aux, x * 3.0)
    assert_same_as_numpy(g, 2 * x)


def test_grad_argnums_has_aux_and_kwargs():
    def f(a, b, c, scale=1.0):
        return fnp.sum(a * b ** 2 + fnp.sin(c)) * scale

    a, b, c = rand(2, seed=1), rand(2, seed=2), rand(2, seed=3)
    assert_same_as_numpy(grad(f)(a, b, c), b ** 2)
    assert_same_as_numpy(grad(f, argnums=1)(a, b, c), 2 * a * b)
    assert_same_as_numpy(grad(f, argnums=-1)(a, b, c), np.cos(c))
    ga, gc = grad(f, argnums=(0, 2))(a, b, c)
    assert_same_as_numpy(ga, b ** 2)
    assert_same_as_numpy(gc, np.cos(c))
    (gb,) = grad(f, argnums=(1,))(a, b, c)
    assert_same_as_numpy(gb, 2 * a * b)
    # kwargs are passed through (held fixed, not differentiated)
    assert_same_as_numpy(grad(f, argnums=(0, -2))(a, b, c, scale=3.0)[1], 6 * a * b)
    # has_aux
    g, aux = grad(lambda a: (fnp.sum(a ** 3), {"double": a * 2.0}), has_aux=True)(a)
    assert_same_as_numpy(g, 3 * a ** 2)
    assert set(aux) == {"double"}
    assert_same_as_numpy(aux["double"], a * 2.0)
    with pytest.raises(ValueError, match="argnums"):
        grad(f, argnums=3)(a, b, c)
    _assert_next_call_works()


# ------------------------------------------------------------------- any order, any mix

def _scalar_fun(x):
    return fnp.sum(fnp.sin(x) * x ** 3) + fnp.prod(fnp.cos(x))


def test_triple_grad_of_polynomial_times_sin():
    f = lambda x: x ** 4 * fnp.sin(x)  # noqa: E731
    x = 0.7
    # d3/dx3 [x^4 sin x] = 24 x sin + 36 x^2 cos - 12 x^3 sin - x^4 cos
    expected = (24 * x * np.sin(x) + 36 * x ** 2 * np.cos(x) - 12 * x ** 3 * np.sin(x)
                - x ** 4 * np.cos(x))
    np.testing.assert_allclose(grad(grad(grad(f)))(x), expected, rtol=1e-12)


def test_forward_over_reverse_hvp_equals_hessian_times_vector():
    x = np.array([0.3, -0.4, 0.8])
    v = np.array([1.0, 2.0, -0.5])
    hvp = jvp(grad(_quad_exp), (x,), (v,))[1]
    np.testing.assert_allclose(hvp, _quad_exp_hessian(x) @ v, rtol=1e-12)
    x = np.array([0.3, -0.7, 1.1])
    np.testing.assert_allclose(jvp(grad(_scalar_fun), (x,), (v,))[1],
                               hessian(_scalar_fun)(x) @ v, rtol=1e-10)


def test_grad_of_jvp_is_reverse_over_forward_hvp():
    x = np.array([0.3, -0.4, 0.8])
    v = np.array([1.0, 2.0, -0.5])
    g = grad(lambda x: jvp(_quad_exp, (x,), (v,))[1])(x)
    np.testing.assert_allclose(g, _quad_exp_hessian(x) @ v, rtol=1e-12)


def test_jacfwd_of_jacrev_of_vector_function():
    x = np.array([0.3, -0.7, 1.1, 0.2])
    second = jacfwd(jacrev(_vec_fun))(x)
    assert second.shape == (4, 4, 4)
    np.testing.assert_allclose(second, jacrev(jacfwd(_vec_fun))(x), rtol=1e-10, atol=1e-12)
    # and the Jacobian function itself against finite differences
    assert_derivatives(lambda x: jacrev(_vec_fun)(x), (x,), order=1)


@pytest.mark.parametrize("x0, y0", [(3.0, 2.0), (-1.5, 0.0), (0.0, 7.0)])
def test_no_perturbation_confusion(x0, y0):
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 everywhere
    assert grad(lambda x: x * grad(lambda y: x + y)(y0))(x0) == 1.0
    # the inner derivative closes over the outer x: d/dx [d/dy (x * y)] = 1
    assert grad(lambda x: grad(lambda y: x * y)(y0))(x0) == 1.0
    # the same in forward mode, and mixed
    assert jvp(lambda x: x * jvp(lambda y: x + y, (y0,), (1.0,))[1], (x0,), (1.0,))[1] == 1.0
    assert jvp(lambda x: x * grad(lambda y: x + y)(y0), (x0,), (1.0,))[1] == 1.0
    assert grad(lambda x: x * jvp(lambda y: x + y, (y0,), (1.0,))[1])(x0) == 1.0
    # d/dx [x * d/dy (x * y^2)] = d/dx [2 x^2 y] = 4 x y
    np.testing.assert_allclose(grad(lambda x: x * grad(lambda y: x * y ** 2)(y0))(x0),
                               4 * x0 * y0, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------- stop_gradient

def test_stop_gradient():
    x = np.array([0.5, -1.0, 2.0])
    f = lambda x: fnp.sum(stop_gradient(x * x) * x)  # noqa: E731
    assert_same_as_numpy(grad(f)(x), x * x)
    assert "stop_gradient" in str(make_jaxpr(f)(x))
    assert "stop_gradient" in str(make_jaxpr(grad(f))(x))
    # zero derivative at second order, in both modes
    assert grad(grad(lambda x: stop_gradient(x ** 3)))(2.0) == 0.0
    assert grad(grad(lambda x: x * stop_gradient(x * x)))(2.0) == 0.0
    assert jvp(grad(lambda x: x * stop_gradient(x * x)), (2.0,), (1.0,))[1] == 0.0
    np.testing.assert_array_equal(hessian(lambda x: fnp.sum(x * stop_gradient(x * x)))(x),
                                  np.zeros((3, 3)))
    # jvp through stop_gradient is zero; the value is the identity on pytrees
    assert jvp(lambda x: stop_gradient(x) * 2.0, (3.0,), (1.0,)) == (6.0, 0.0)
    tree = {"a": np.ones(2), "b": (3.0,)}
    assert stop_gradient(tree)["b"] == (3.0,)


# ------------------------------------------------------------------- the IR of a gradient

def _assert_no_dead_equations(closed):
    live = {id(v) for v in closed.jaxpr.outvars if isinstance(v, Var)}
    for eqn in reversed(closed.eqns):
        if eqn.primitive.name != "guard":
            assert any(id(v) in live for v in eqn.outvars), f"dead equation: {eqn}"
        live.update(id(x) for x in eqn.inputs if isinstance(x, Var))


def test_make_jaxpr_of_grad_has_forward_and_backward_valid_and_no_dead_code():
    f = lambda x: fnp.sum(fnp.sin(x) * x)  # noqa: E731
    closed = make_jaxpr(grad(f))(np.ones(3))
    text = str(closed)
    assert "sin" in text  # forward
    assert "cos" in text  # backward
    check_jaxpr(closed)
    _assert_no_dead_equations(closed)
    # the IR is the gradient: evaluate it on new inputs
    x = rand(3, seed=4)
    assert_same_as_numpy(closed(x)[0], np.cos(x) * x + np.sin(x))
    # second order too
    closed2 = make_jaxpr(grad(grad(lambda x: fnp.sin(x) * x)))(1.0)
    check_jaxpr(closed2)
    _assert_no_dead_equations(closed2)
    np.testing.assert_allclose(closed2(np.float64(0.4))[0],
                               2 * np.cos(0.4) - 0.4 * np.sin(0.4), rtol=1e-12)


BATCH, N_IN, N_HIDDEN, N_CLASSES = 4, 5, 7, 3


def _mlp_loss(params, x, labels):
    h = fnp.tanh(x @ params["w1"] + params["b1"])
    logits = h @ params["w2"] + params["b2"]
    return -fnp.mean(fnp.sum(nn.log_softmax(logits) * labels, axis=-1))


def _mlp_setup():
    rng = np.random.default_rng(0)
    params = {"w1": rng.normal(size=(N_IN, N_HIDDEN)), "b1": rng.normal(size=N_HIDDEN),
              "w2": rng.normal(size=(N_HIDDEN, N_CLASSES)), "b2": rng.normal(size=N_CLASSES)}
    x = rng.normal(size=(BATCH, N_IN))
    labels = np.eye(N_CLASSES)[[0, 2, 1, 2]]
    return params, x, labels


def _mlp_grad_by_hand(params, x, labels):
    z1 = x @ params["w1"] + params["b1"]
    h = np.tanh(z1)
    logits = h @ params["w2"] + params["b2"]
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    dlogits = (p - labels) / BATCH
    dh = dlogits @ params["w2"].T
    dz1 = dh * (1 - h ** 2)
    return {"w1": x.T @ dz1, "b1": dz1.sum(0), "w2": h.T @ dlogits, "b2": dlogits.sum(0)}


def test_mlp_gradient_is_correct():
    params, x, labels = _mlp_setup()
    g = grad(_mlp_loss)(params, x, labels)
    expected = _mlp_grad_by_hand(params, x, labels)
    assert set(g) == set(expected)
    for k in expected:
        np.testing.assert_allclose(g[k], expected[k], rtol=1e-10, atol=1e-14)


def test_cheap_gradient_principle():
    params, x, labels = _mlp_setup()
    forward = make_jaxpr(_mlp_loss)(params, x, labels)
    backward = make_jaxpr(grad(_mlp_loss))(params, x, labels)
    check_jaxpr(backward)
    _assert_no_dead_equations(backward)
    ratio = len(backward.eqns) / len(forward.eqns)
    # measured: 31 / 19 = 1.63 (forward 19 equations, gradient 31)
    assert ratio <= 4, (len(backward.eqns), len(forward.eqns), str(backward))


def test_no_backward_equations_for_data_inputs():
    params, x, labels = _mlp_setup()
    x_aval = (BATCH, N_IN)  # a shape nothing else in this network has

    def produces_x_cotangent(closed):
        return any(e.primitive.name == "dot_general" and e.outvars[0].aval.shape == x_aval
                   for e in closed.eqns)

    w_only = make_jaxpr(grad(_mlp_loss))(params, x, labels)
    assert not produces_x_cotangent(w_only), str(w_only)
    assert not any(v.aval.shape == x_aval for e in w_only.eqns for v in e.outvars)
    # the check is not vacuous: asking for the data's gradient does produce that equation
    both = make_jaxpr(grad(_mlp_loss, argnums=(0, 1)))(params, x, labels)
    assert produces_x_cotangent(both)
    assert len(both.eqns) > len(w_only.eqns)


# ------------------------------------------------------------------- functional semantics

def test_calling_twice_gives_the_same_answer_and_inputs_are_not_mutated():
    params, x, labels = _mlp_setup()
    saved = copy.deepcopy((params, x, labels))
    g1 = grad(_mlp_loss)(params, x, labels)
    g2 = grad(_mlp_loss)(params, x, labels)
    for k in g1:
        np.testing.assert_array_equal(g1[k], g2[k])
    for a, b in zip(fungrad.tree_util.tree_leaves((params, x, labels)),
                    fungrad.tree_util.tree_leaves(saved)):
        np.testing.assert_array_equal(a, b)
    # a pullback can be called several times; its cotangent is not mutated either
    xv = rand(3, seed=5)
    _, pullback = vjp(lambda x: fnp.sin(x) * x, xv)
    ct = np.array([1.0, 2.0, 3.0])
    (c1,), (c2,) = pullback(ct), pullback(ct)
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(ct, [1.0, 2.0, 3.0])
    assert_same_as_numpy(c1, ct * (np.cos(xv) * xv + np.sin(xv)))
    # jvp leaves primals and tangents alone
    t = np.ones(3)
    jvp(lambda x: fnp.sin(x) * x, (xv,), (t,))
    np.testing.assert_array_equal(t, np.ones(3))


def test_jacobians_with_aux_return_values_not_tracers():
    x = np.array([1.0, 2.0])
    f = lambda x: (x ** 2, {"double": x * 2.0})  # noqa: E731
    for jac in (jacfwd, jacrev):
        j, aux = jac(f, has_aux=True)(x)
        np.testing.assert_allclose(j, np.diag(2 * x), rtol=1e-12)
        assert isinstance(aux["double"], np.ndarray), (jac.__name__, type(aux["double"]))
        assert_same_as_numpy(aux["double"], x * 2.0)
    h, aux = hessian(lambda x: (fnp.sum(x ** 3), x * 2.0), has_aux=True)(x)
    np.testing.assert_allclose(h, np.diag(6 * x), rtol=1e-12)
    assert isinstance(aux, np.ndarray), type(aux)
    assert_same_as_numpy(aux, x * 2.0)


def test_outputs_are_numpy_values_even_for_identity_functions():
    # DESIGN.md: "Outputs are numpy values, never tracers." -- not Python scalars passed
    # through either
    def is_numpy(v):
        return isinstance(v, (np.ndarray, np.generic))

    y, t = jvp(lambda x: x, (2.0,), (1.0,))
    assert is_numpy(y) and is_numpy(t), (type(y), type(t))
    y, pullback = vjp(lambda x: x, 2.0)
    (ct,) = pullback(3.0)
    assert is_numpy(y) and is_numpy(ct), (type(y), type(ct))
    value, g = value_and_grad(lambda x: x * 1.0)(2.0)
    assert is_numpy(value) and is_numpy(g)


def test_grad_retraces_python_control_flow_on_every_call():
    def f(x):
        if x > 0.0:
            return x ** 2
        return -3.0 * x

    assert grad(f)(2.0) == 4.0
    assert grad(f)(-1.0) == -3.0
    assert grad(f)(0.5) == 1.0


def test_float32_inputs_give_float32_derivatives():
    x = rand(3, np.float32, seed=6)
    f = lambda x: fnp.mean(fnp.tanh(x) * 2.0 + x ** 2)  # noqa: E731
    g = grad(f)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, (2 * (1 - np.tanh(x) ** 2) + 2 * x) / 3, rtol=1e-5)
    assert grad(lambda s: s * s * 2.0)(np.float32(1.5)).dtype == np.float32
    assert jvp(f, (x,), (np.ones(3, np.float32),))[1].dtype == np.float32
    y, pullback = vjp(lambda x: fnp.sin(x) * 3.0, x)
    assert y.dtype == np.float32 and pullback(np.ones(3, np.float32))[0].dtype == np.float32
    assert jacrev(lambda x: fnp.sin(x) * 3.0)(x).dtype == np.float32
    assert jacfwd(lambda x: fnp.sin(x) * 3.0)(x).dtype == np.float32
    assert hessian(f)(x).dtype == np.float32


# ------------------------------------------------------------------- errors

def test_grad_of_non_scalar_output_is_a_type_error():
    with pytest.raises(TypeError, match=r"scalar") as info:
        grad(lambda x: x * 2.0)(np.ones(3))
    assert "(3,)" in str(info.value) and ".sum()" in str(info.value)
    _assert_next_call_works()


def test_grad_with_respect_to_integer_input_is_a_type_error():
    with pytest.raises(TypeError, match="allow_int") as info:
        grad(lambda n: n * 2.0)(np.arange(3).sum())
    assert "int64" in str(info.value)
    with pytest.raises(TypeError, match="allow_int"):
        grad(lambda x: x * 2.0)(3)
    _assert_next_call_works()


def test_allow_int_gives_float0_zeros():
    x, n = np.array([1.0, 2.0, 3.0]), np.arange(3)
    gx, gn = grad(lambda x, n: fnp.sum(x * n), argnums=(0, 1), allow_int=True)(x, n)
    assert_same_as_numpy(gx, n.astype(np.float64))
    assert gn.dtype == fungrad.float0 and gn.shape == n.shape


@pytest.mark.parametrize("bad, pattern", [
    (np.ones(2), r"got float64\[2\].*expected float64\[3\]"),
    (np.ones(3, np.float32), r"got float32\[3\].*expected float64\[3\]"),
    (np.ones(3, np.int64), r"got int64\[3\].*expected float64\[3\]"),
    ((np.ones(3),), r"tree structure.*got.*expected"),
    ([np.ones(3), np.ones(3)], r"tree structure.*got.*expected"),
])
def test_vjp_cotangent_mismatch_is_a_value_error(bad, pattern):
    _, pullback = vjp(lambda x: 2 * x, np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=pattern):
        pullback(bad)
    _assert_next_call_works()
    # the pullback itself still works
    assert_same_as_numpy(pullback(np.ones(3))[0], np.full(3, 2.0))


def test_jvp_argument_errors():
    x = np.ones(3)
    with pytest.raises(TypeError, match="tree structure"):
        jvp(lambda a, b: a * b, (x, x), (x,))
    with pytest.raises(TypeError, match="tree structure"):
        jvp(lambda p: p["a"], ({"a": x},), ({"b": x},))
    with pytest.raises(ValueError, match=r"shape.*\(3,\).*\(2,\)"):
        jvp(fnp.sin, (x,), (np.ones(2),))
    with pytest.raises(TypeError, match="float64.*float32"):
        jvp(fnp.sin, (x,), (np.ones(3, np.float32),))
    with pytest.raises(TypeError, match="tuples or lists"):
        jvp(fnp.sin, x, x)
    with pytest.raises(TypeError, match="tuples or lists"):
        jvp(fnp.sin, (x,), x)
    _assert_next_call_works()


# ------------------------------------------------------------------- JAX conventions

def test_derivatives_at_kinks_follow_jax():
    with np.errstate(divide="ignore"):
        assert grad(fnp.sqrt)(0.0) == np.inf
        assert jvp(fnp.sqrt, (0.0,), (1.0,))[1] == np.inf
    assert grad(fnp.abs)(0.0) == 1.0
    assert jvp(fnp.abs, (0.0,), (1.0,))[1] == 1.0
    assert grad(lambda x: fnp.maximum(x, x))(1.5) == 1.0
    assert jvp(lambda x: fnp.maximum(x, x), (1.5,), (1.0,))[1] == 1.0
    assert grad(lambda x: fnp.minimum(x, x))(-0.5) == 1.0
    # away from ties, maximum routes the whole derivative to the winner
    ga, gb = grad(lambda a, b: fnp.maximum(a, b), argnums=(0, 1))(2.0, 1.0)
    assert (ga, gb) == (1.0, 0.0)


# ------------------------------------------------------------------- check_grads itself

def _wrong_sin_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return ew.sin(x), ew.mul(t, ew.sin(x))  # should be cos


def _wrong_sin_vjp(g, primals, ans, needs):
    (x,) = primals
    return [ew.mul(g, ew.sin(x))]  # should be cos


def _wrong_cos_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return ew.cos(x), ew.mul(t, ew.sin(x))  # should be -sin


def _break_jvp(monkeypatch, prim, wrong_jvp):
    """Replace a primitive's forward rule: its full rule and its tangent-only form (what
    jvp uses when the primal values are already known)."""
    monkeypatch.setattr(prim, "jvp", wrong_jvp)
    monkeypatch.setattr(prim, "jvp_tangent",
                        lambda ans, primals, tangents: wrong_jvp(primals, tangents)[1])


def test_check_grads_catches_a_wrong_rule(monkeypatch):
    x = np.array([0.3, 0.9, -1.2])
    check_grads(fnp.sin, (x,), order=2)  # correct rules pass

    _break_jvp(monkeypatch, ew.sin_p, _wrong_sin_jvp)
    with pytest.raises(AssertionError, match="JVP"):
        check_grads(fnp.sin, (x,), order=1, modes=("fwd",))
    monkeypatch.undo()

    monkeypatch.setattr(ew.sin_p, "vjp", _wrong_sin_vjp)
    with pytest.raises(AssertionError, match="VJP"):
        check_grads(fnp.sin, (x,), order=1, modes=("rev",))
    monkeypatch.undo()

    # a wrong rule met only at second order: order=1 cannot see it, order=2 must
    _break_jvp(monkeypatch, ew.cos_p, _wrong_cos_jvp)
    check_grads(fnp.sin, (x,), order=1, modes=("fwd",))
    with pytest.raises(AssertionError):
        check_grads(fnp.sin, (x,), order=2, modes=("fwd",))
    monkeypatch.undo()

    check_grads(fnp.sin, (x,), order=2)  # restored
    _assert_next_call_works()


def test_sign_of_complex_input_has_the_tangential_derivative():
    # sign(z) = z/|z| moves along the unit circle as z does: JAX (and autograd) give 0 here,
    # which finite differences contradict; on the reals sign stays flat (derivative 0).
    z = np.array([-0.4 - 0.08j, 1 + 2j, 0.3j])
    h = 1e-7
    for direction in (1.0, 1j):
        expected = (np.sign(z + h * direction) - np.sign(z - h * direction)) / (2 * h)
        _, tangent = fungrad.jvp(fnp.sign, (z,), (np.full(3, direction, complex),))
        np.testing.assert_allclose(tangent, expected, rtol=1e-6)
    for fun in (fnp.sign, fungrad.jit(fnp.sign), lambda z: fnp.abs(fnp.sign(z) * z ** 2)):
        check_grads(fun, (z,), order=2, modes=("fwd", "rev"))
    loss = lambda z: fnp.real(fnp.sign(z) * fnp.conj(z + 1.0))
    batched = fungrad.vmap(fungrad.grad(loss))(z)
    np.testing.assert_allclose(batched, [fungrad.grad(loss)(w) for w in z], rtol=1e-14)
    assert fungrad.jvp(fnp.sign, (0j,), (1 + 0j,))[1] == 0  # 0 at the origin, not NaN
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(fungrad.grad(lambda x: fnp.sign(x).sum())(x), 0.0)
    # the real path records no derivative work
    assert [e.primitive.name for e in fungrad.make_jaxpr(
        fungrad.grad(lambda x: (fnp.sign(x) * x).sum()))(x).eqns] == ["sign"]
