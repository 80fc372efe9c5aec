"""``fungrad.scipy.integrate.trapezoid`` against scipy's, with derivatives; and
``fungrad.scipy.optimize.minimize(method="BFGS")`` reaching scipy's minimizers, under jit,
with JAX's result fields."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate as si
import scipy.optimize as so

import fungrad
import fungrad.numpy as fnp
from fungrad.scipy.integrate import trapezoid
from fungrad.scipy.optimize import OptimizeResults, minimize

from helpers import assert_derivatives, rand


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_trapezoid_values(dtype):
    y = rand((3, 5), dtype, 0)
    x = np.sort(rand((5,), dtype, 1))
    for axis in (-1, 1):
        out = trapezoid(y, x, axis=axis)
        assert out.dtype == dtype
        np.testing.assert_allclose(out, si.trapezoid(y, x, axis=axis), rtol=1e-5)
    np.testing.assert_allclose(trapezoid(y, dx=0.5, axis=0), si.trapezoid(y, dx=0.5, axis=0),
                               rtol=1e-5)
    x2 = np.sort(rand((3, 5), np.float64, 2), axis=0)
    np.testing.assert_allclose(trapezoid(y, x2, axis=0), si.trapezoid(y, x2, axis=0),
                               rtol=1e-5)
    with pytest.raises(ValueError, match="trapezoid: x has 4 points"):
        trapezoid(y, x[:4])


def test_trapezoid_derivatives_jit_vmap():
    y, x = rand((3, 5), np.float64, 3), np.sort(rand((5,), np.float64, 4))
    assert_derivatives(lambda a, b: trapezoid(a, b), (y, x))
    np.testing.assert_allclose(fungrad.jit(trapezoid)(y, x), si.trapezoid(y, x))
    np.testing.assert_allclose(fungrad.vmap(lambda r: trapezoid(r, x))(y), si.trapezoid(y, x))


def rosenbrock(x):
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_minimize_rosenbrock_like_scipy():
    x0 = np.array([-1.2, 1.0, 0.5])
    res = minimize(rosenbrock, x0, method="BFGS")
    assert isinstance(res, OptimizeResults) and bool(res.success) and int(res.status) == 0
    reference = so.minimize(lambda v: float(rosenbrock(v)), x0, method="BFGS")
    np.testing.assert_allclose(res.x, reference.x, atol=5e-5)  # scipy differences its gradient
    np.testing.assert_allclose(res.x, np.ones(3), atol=1e-5)
    assert float(res.fun) < 1e-10 and np.max(np.abs(res.jac)) <= 1e-5
    assert int(res.nit) > 0 and int(res.nfev) >= int(res.nit) and res.hess_inv.shape == (3, 3)


def test_minimize_under_jit_with_args():
    def loss(x, center, weights):
        return fnp.sum(weights * (x - center) ** 2) + fnp.sum(x ** 4) * 0.01
    center, weights = np.array([1.0, -2.0]), np.array([1.0, 3.0])
    solve = fungrad.jit(lambda c: minimize(loss, np.zeros(2), args=(c, weights),
                                           method="BFGS").x)
    ours = solve(center)
    reference = so.minimize(lambda v: float(loss(v, center, weights)), np.zeros(2),
                            method="BFGS", options={"gtol": 1e-8})
    np.testing.assert_allclose(ours, reference.x, atol=1e-5)
    np.testing.assert_allclose(solve(center + 1.0),
                               so.minimize(lambda v: float(loss(v, center + 1, weights)),
                                           np.zeros(2), method="BFGS", options={"gtol": 1e-8}).x,
                               atol=1e-5)


def test_minimize_options_and_errors():
    res = minimize(rosenbrock, np.array([-1.2, 1.0]), method="BFGS", options={"maxiter": 3})
    assert int(res.nit) == 3 and not bool(res.success) and int(res.status) == 1
    with pytest.raises(ValueError, match="method must be 'BFGS'"):
        minimize(rosenbrock, np.zeros(2), method="Nelder-Mead")
    with pytest.raises(ValueError, match="x0 must be one-dimensional"):
        minimize(rosenbrock, np.zeros((2, 2)), method="BFGS")
    assert bool(minimize(rosenbrock, np.zeros(2), method="bfgs").success)
