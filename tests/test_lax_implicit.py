"""lax.custom_root: roots differentiated by the implicit function theorem (values, first and
second derivatives in both modes against finite differences, jit, vmap, pytrees, aux)."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import lax
from helpers import assert_derivatives, assert_same_as_numpy


def _newton(f, x0):
    """Newton's method with a derivative from jvp, until converged (a while_loop, which
    reverse mode cannot differentiate: custom_root must not need to)."""
    def step(x):
        slope = fungrad.jvp(f, (x,), (fnp.ones_like(x),))[1]
        return x - f(x) / slope
    return lax.while_loop(lambda x: fnp.max(fnp.abs(f(x))) > 1e-13, step, x0)


def _scalar_solve(g, y):
    return y / g(1.0)


def _diagonal_solve(g, y):  # for elementwise f: its linearization is diagonal
    return y / g(fnp.ones_like(y))


def cube_root(c):
    return lax.custom_root(lambda x: x ** 3 - c, 1.0, _newton, _scalar_solve)


def test_scalar_root_and_derivatives():
    for c in (8.0, 2.0, 0.5):
        assert_same_as_numpy(cube_root(c), np.cbrt(c), rtol=1e-12)
        assert_same_as_numpy(fungrad.grad(cube_root)(c), np.cbrt(c) / (3 * c), rtol=1e-10)
    assert_same_as_numpy(fungrad.grad(fungrad.grad(cube_root))(8.0),
                         -2 / 9 * 8.0 ** (-5 / 3), rtol=1e-8)
    assert_derivatives(cube_root, (2.0,))
    assert_same_as_numpy(fungrad.jit(cube_root)(27.0), 3.0, rtol=1e-12)
    assert_same_as_numpy(fungrad.jit(fungrad.grad(cube_root))(27.0), 1 / 27, rtol=1e-10)


def test_vector_roots_with_two_parameters_and_vmap():
    def root(a, b):  # a * x + sinh(x) = b, elementwise
        return lax.custom_root(lambda x: a * x + fnp.sinh(x) - b, fnp.zeros_like(b), _newton,
                               _diagonal_solve)
    a, b = np.array([1.0, 2.0, 0.5]), np.array([0.3, -1.0, 2.0])
    x = root(a, b)
    np.testing.assert_allclose(a * x + np.sinh(x), b, atol=1e-12)
    # dx/db = 1 / (a + cosh x), dx/da = -x / (a + cosh x)
    gb = fungrad.grad(lambda b: fnp.sum(root(a, b)))(b)
    ga = fungrad.grad(lambda a: fnp.sum(root(a, b)))(a)
    assert_same_as_numpy(gb, 1 / (a + np.cosh(x)), rtol=1e-10)
    assert_same_as_numpy(ga, -x / (a + np.cosh(x)), rtol=1e-10)
    assert_derivatives(root, (a, b))
    assert_same_as_numpy(fungrad.vmap(root)(np.stack([a, a]), np.stack([b, 2 * b])),
                         np.stack([x, root(a, 2 * b)]), rtol=1e-12)


def test_pytree_guess_aux_and_integer_constants():
    power = np.array(3)  # an integer constant f closes over: no derivative, no error

    def root(c):
        def solve(f, guess):
            def joint(x):
                out = f({"u": x[0], "v": x[1]})
                return fnp.stack([out["u"], out["v"]])
            x = _newton(joint, fnp.stack([guess["u"], guess["v"]]))
            return {"u": x[0], "v": x[1]}, fnp.sum(fnp.abs(joint(x)))
        f = lambda x: {"u": x["u"] ** power - c, "v": x["v"] - 2.0 * c}
        solve_t = lambda g, y: {"u": y["u"] / g({"u": 1.0, "v": 0.0})["u"], "v": y["v"]}
        return lax.custom_root(f, {"u": 1.0, "v": 0.0}, solve, solve_t, has_aux=True)
    (sol, residual) = root(8.0)
    assert_same_as_numpy(sol["u"], 2.0, rtol=1e-12)
    assert_same_as_numpy(sol["v"], 16.0, rtol=1e-12)
    assert float(residual) < 1e-12
    g = fungrad.grad(lambda c: root(c)[0]["u"] + root(c)[0]["v"])(8.0)
    assert_same_as_numpy(g, 1 / 12 + 2.0, rtol=1e-10)


def test_the_initial_guess_gets_no_derivative():
    f = lambda x0: lax.custom_root(lambda x: x ** 3 - 8.0, x0, _newton, _scalar_solve)
    assert_same_as_numpy(fungrad.grad(f)(1.5), 0.0)


def test_bad_input():
    with pytest.raises(TypeError, match="custom_root: f, solve and tangent_solve must be "
                                        "callables"):
        lax.custom_root(lambda x: x, 1.0, None, _scalar_solve)
    with pytest.raises(TypeError, match=r"custom_root: solve returned a leaf f64\[2\] where "
                                        r"initial_guess has f64\[\]"):
        lax.custom_root(lambda x: x - 1.0, 1.0, lambda f, x: fnp.ones(2), _scalar_solve)
    assert_same_as_numpy(cube_root(8.0), 2.0, rtol=1e-12)  # and the next call works


# ----------------------------------------------------------------------------- custom_linear_solve
def _conjugate_gradient(matvec, b):
    """CG until the residual is tiny: a while_loop, never differentiated."""
    def body(state):
        x, r, p, rs = state
        ap = matvec(p)
        alpha = rs / fnp.sum(p * ap)
        x, r = x + alpha * p, r - alpha * ap
        new_rs = fnp.sum(r * r)
        return x, r, r + new_rs / rs * p, new_rs
    x0 = fnp.zeros_like(b)
    state = (x0, b, b, fnp.sum(b * b))
    return lax.while_loop(lambda s: s[3] > 1e-26, body, state)[0]


def _spd(n, seed=0):
    a = np.random.default_rng(seed).uniform(-1, 1, (n, n))
    return a @ a.T + n * np.eye(n)


def test_linear_solve_symmetric_cg():
    def solve(m, b):
        return lax.custom_linear_solve(lambda x: m @ x, b, _conjugate_gradient, symmetric=True)
    m, b = _spd(4), np.random.default_rng(1).uniform(-1, 1, 4)
    assert_same_as_numpy(solve(m, b), np.linalg.solve(m, b), rtol=1e-10)
    g = fungrad.grad(lambda b: fnp.sum(solve(m, b) ** 2))(b)
    x = np.linalg.solve(m, b)
    assert_same_as_numpy(g, 2 * np.linalg.solve(m.T, x), rtol=1e-8)
    sym = lambda a: solve((a + a.T) / 2 + 4 * np.eye(4), b)  # stays positive definite
    assert_derivatives(sym, (m / 10,), rtol=1e-5)
    assert_derivatives(lambda b: solve(m, b), (b,), rtol=1e-5)
    assert_same_as_numpy(fungrad.jit(solve)(m, b), x, rtol=1e-10)
    assert_same_as_numpy(fungrad.vmap(solve, in_axes=(None, 0))(m, np.stack([b, 2 * b])),
                         np.stack([x, 2 * x]), rtol=1e-10)


def test_linear_solve_with_transpose_solve_pytrees_and_aux():
    m = _spd(3, seed=2) + np.triu(np.ones((3, 3)))  # not symmetric

    def solve(m, b):
        matvec = lambda x: {"u": m @ x["u"], "v": 3.0 * x["v"]}
        direct = lambda mv, b: ({"u": fnp.linalg.solve(m, b["u"]), "v": b["v"] / 3.0},
                                fnp.sum(b["u"]))
        transposed = lambda vm, g: ({"u": fnp.linalg.solve(m.T, g["u"]), "v": g["v"] / 3.0},
                                    0.0)
        return lax.custom_linear_solve(matvec, b, direct, transposed, has_aux=True)
    b = {"u": np.array([1.0, -2.0, 0.5]), "v": np.array(4.0)}
    (x, aux) = solve(m, b)
    assert_same_as_numpy(x["u"], np.linalg.solve(m, b["u"]), rtol=1e-12)
    assert_same_as_numpy(x["v"], 4.0 / 3.0)
    assert_same_as_numpy(aux[0], np.sum(b["u"]))
    f = lambda m, u: fnp.sum(solve(m, {"u": u, "v": np.array(4.0)})[0]["u"] ** 2)
    assert_derivatives(f, (m, b["u"]))
    x_u = np.linalg.solve(m, b["u"])
    ct = np.linalg.solve(m.T, 2 * x_u)
    assert_same_as_numpy(fungrad.grad(f)(m, b["u"]), -np.outer(ct, x_u), rtol=1e-10)


def test_linear_solve_errors():
    m = _spd(3)
    solve = lambda mv, b: fnp.linalg.solve(m, b)
    f = lambda b: fnp.sum(lax.custom_linear_solve(lambda x: m @ x, b, solve))
    assert_derivatives(f, (np.ones(3),), modes=("fwd",))  # forward mode needs no transpose
    with pytest.raises(TypeError, match="custom_linear_solve: reverse-mode differentiation "
                                        "needs transpose_solve"):
        fungrad.grad(f)(np.ones(3))
    with pytest.raises(TypeError, match=r"b's leaves must be float arrays, leaf 0 is i64\[3\]"):
        lax.custom_linear_solve(lambda x: x, np.ones(3, np.int64), solve)
    with pytest.raises(TypeError, match="matvec and solve must be callables"):
        lax.custom_linear_solve(m, np.ones(3), solve)
    assert_same_as_numpy(f(np.ones(3)), np.sum(np.linalg.solve(m, np.ones(3))), rtol=1e-12)
