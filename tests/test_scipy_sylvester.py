"""scipy.linalg.solve_sylvester: values against scipy, derivatives (both modes, second order,
real and complex) against finite differences, jit, vmap, broadcasting and bad input."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

import fungrad
import fungrad.scipy.linalg as fsl
from fungrad.test_util import check_grads

DTYPES = [np.float64, np.float32, np.complex128, np.complex64]


def problem(m, n, batch=(), dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)

    def draw(*shape):
        x = rng.standard_normal(batch + shape)
        if np.dtype(dtype).kind == "c":
            x = x + 1j * rng.standard_normal(batch + shape)
        return x

    # shifted so that no eigenvalue of A plus one of B is near zero
    a = draw(m, m) + 3 * m * np.eye(m)
    b = draw(n, n) + 3 * n * np.eye(n)
    return a.astype(dtype), b.astype(dtype), draw(m, n).astype(dtype)


def scipy_solve(a, b, c):
    out = np.empty(np.broadcast_shapes(a.shape[:-2], b.shape[:-2], c.shape[:-2]) + c.shape[-2:],
                   np.result_type(a, b, c))
    a, b, c = (np.broadcast_to(x, out.shape[:-2] + x.shape[-2:]) for x in (a, b, c))
    for index in np.ndindex(*out.shape[:-2]):
        out[index] = sl.solve_sylvester(a[index], b[index], c[index])
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,batch", [(1, 1, ()), (3, 2, ()), (2, 4, (3,)), (3, 3, (2, 2))])
def test_values_match_scipy(dtype, m, n, batch):
    a, b, c = problem(m, n, batch, dtype)
    tol = 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-11
    for fun in (fsl.solve_sylvester, fungrad.jit(fsl.solve_sylvester)):
        x = fun(a, b, c)
        assert x.dtype == dtype and x.shape == c.shape
        np.testing.assert_allclose(x, scipy_solve(a, b, c), rtol=tol, atol=tol)
        np.testing.assert_allclose(a @ x + x @ b, c, rtol=tol * 10, atol=tol * 10)


def test_batch_dimensions_broadcast_and_integers_become_float64():
    a, _, _ = problem(3, 2, (4,))
    _, b, c = problem(3, 2, (), seed=1)
    x = fsl.solve_sylvester(a, b, c)
    assert x.shape == (4, 3, 2)
    np.testing.assert_allclose(x, scipy_solve(a, b, c), rtol=1e-11)
    xi = fsl.solve_sylvester(np.array([[4, 1], [0, 5]]), np.array([[3]]), np.array([[1], [2]]))
    assert xi.dtype == np.float64
    np.testing.assert_allclose(xi, sl.solve_sylvester(np.array([[4.0, 1], [0, 5]]),
                                                      np.array([[3.0]]), np.array([[1.0], [2]])))
    empty = fsl.solve_sylvester(np.zeros((0, 0)), np.eye(2), np.zeros((0, 2)))
    assert empty.shape == (0, 2)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("m,n,batch", [(1, 1, ()), (3, 2, ()), (2, 2, (2,))])
def test_derivatives_match_finite_differences(dtype, m, n, batch):
    a, b, c = problem(m, n, batch, dtype)
    check_grads(fsl.solve_sylvester, (a, b, c), order=2, modes=("fwd", "rev"))
    check_grads(fungrad.jit(fsl.solve_sylvester), (a, b, c), order=1, modes=("fwd", "rev"))


def test_gradient_of_a_scalar_loss_against_the_adjoint_equation():
    # d/dC sum(W * X) solves A^T Y + Y B^T = W; dA = -Y X^T; dB = -X^T Y
    a, b, c = problem(3, 2)
    w = np.random.default_rng(5).standard_normal((3, 2))
    ga, gb, gc = fungrad.grad(lambda a, b, c: (fsl.solve_sylvester(a, b, c) * w).sum(),
                              argnums=(0, 1, 2))(a, b, c)
    x = sl.solve_sylvester(a, b, c)
    y = sl.solve_sylvester(a.T, b.T, w)
    np.testing.assert_allclose(gc, y, rtol=1e-11)
    np.testing.assert_allclose(ga, -y @ x.T, rtol=1e-11)
    np.testing.assert_allclose(gb, -x.T @ y, rtol=1e-11)


def test_vmap_equals_a_loop():
    a, b, c = problem(3, 2, (4,))
    for in_axes, args in (((0, 0, 0), (a, b, c)), ((0, None, None), (a, b[0], c[0])),
                          ((None, 0, 0), (a[0], b, c))):
        out = fungrad.vmap(fsl.solve_sylvester, in_axes=in_axes)(*args)
        loop = [fsl.solve_sylvester(*[x[i] if ax == 0 else x for x, ax in zip(args, in_axes)])
                for i in range(4)]
        np.testing.assert_allclose(out, np.stack(loop), rtol=1e-12)
    g = fungrad.vmap(fungrad.grad(lambda a: fsl.solve_sylvester(a, b[0], c[0]).sum()))(a)
    np.testing.assert_allclose(
        g, [fungrad.grad(lambda a: fsl.solve_sylvester(a, b[0], c[0]).sum())(ai) for ai in a],
        rtol=1e-12)


def test_no_unique_solution_gives_nans_as_jax():
    # eigenvalues 1 of A and -1 of B sum to zero: JAX returns NaNs (within tol)
    x = fsl.solve_sylvester(np.eye(2), -np.eye(2), np.ones((2, 2)))
    assert np.isnan(x).all()
    x = fsl.solve_sylvester(np.eye(2), -0.999 * np.eye(2), np.ones((2, 2)), tol=1e-2)
    assert np.isnan(x).all()
    x = fsl.solve_sylvester(np.eye(2), -0.999 * np.eye(2), np.ones((2, 2)))
    np.testing.assert_allclose(x, np.full((2, 2), 1e3), rtol=1e-9)


@pytest.mark.parametrize("args,kwargs,error,match", [
    ((np.ones((2, 3)), np.eye(2), np.ones((2, 2))), {}, ValueError, "argument A"),
    ((np.eye(2), np.ones((2, 3)), np.ones((2, 2))), {}, ValueError, "argument B"),
    ((np.eye(2), np.eye(3), np.ones((3, 2))), {}, ValueError, r"must be \(\.\.\., 2, 3\)"),
    ((np.eye(2), np.eye(3), np.ones(2)), {}, ValueError, "argument C"),
    ((np.ones((2, 2, 2)), np.ones((3, 1, 1)), np.ones((2, 1))), {}, ValueError,
     "do not broadcast"),
    ((np.eye(2), np.eye(2), np.ones((2, 2))), {"method": "qr"}, ValueError, "method"),
])
def test_bad_input_is_a_clear_error_and_the_next_call_works(args, kwargs, error, match):
    for fun in (fsl.solve_sylvester, fungrad.jit(fsl.solve_sylvester, static_argnames="method")):
        with pytest.raises(error, match=match):
            fun(*args, **kwargs)
    a, b, c = problem(2, 2)
    np.testing.assert_allclose(fsl.solve_sylvester(a, b, c), sl.solve_sylvester(a, b, c))
