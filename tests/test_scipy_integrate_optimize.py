"""``fungrad.scipy.integrate.trapezoid`` against scipy's, with derivatives; and
``fungrad.scipy.optimize.minimize(method="BFGS")`` reaching scipy's minimizers, under jit,
with JAX's result fields."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
import scipy.integrate as si
import scipy.optimize as so

import fungrad
import fungrad.numpy as fnp
from fungrad.scipy.integrate import trapezoid
from fungrad.scipy.optimize import OptimizeResults, minimize

from fixtures.make_scipy_minimize import CASES
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


JAX_RESULTS = json.loads(
    (pathlib.Path(__file__).parent / "fixtures" / "scipy_minimize.json").read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_minimize_like_scipy_and_jax(name):
    fn, x0 = CASES[name]
    x0 = np.array(x0)
    res = minimize(lambda x: fn(x, fnp), x0, method="BFGS")
    assert isinstance(res, OptimizeResults) and bool(res.success) and int(res.status) == 0
    gradient = fungrad.grad(lambda x: fn(x, fnp))
    reference = so.minimize(lambda v: float(fn(v, np)), x0, method="BFGS",
                            jac=lambda v: np.asarray(gradient(v)))
    np.testing.assert_allclose(res.x, reference.x, atol=2e-5)
    np.testing.assert_allclose(res.fun, reference.fun, atol=1e-9)
    assert np.max(np.abs(res.jac)) < 1e-5 and res.hess_inv.shape == (x0.size, x0.size)
    # iterations in scipy's ballpark (its line search is the same algorithm, in Fortran)
    assert abs(int(res.nit) - reference.nit) <= max(4, reference.nit // 5), (res.nit, reference)
    assert int(res.nfev) >= int(res.nit) and int(res.njev) == int(res.nfev)
    jax_result = JAX_RESULTS[name]
    if jax_result["success"]:  # the same algorithm as JAX's: the same path, step by step
        np.testing.assert_allclose(res.x, jax_result["x"], atol=1e-7)
        assert (int(res.nit), int(res.nfev)) == (jax_result["nit"], jax_result["nfev"])
    else:  # JAX's zoom stops early on Rosenbrock from (-1.2, 1) (see minimize's docstring)
        assert jax_result["status"] == 3


def test_minimize_rosenbrock_under_jit_float32_and_failures():
    x0 = np.array([-1.2, 1.0, 0.5])
    eager = minimize(rosenbrock, x0, method="BFGS")
    jitted = fungrad.jit(lambda v: minimize(rosenbrock, v, method="BFGS"))(x0)
    for field in OptimizeResults._fields:
        np.testing.assert_allclose(np.asarray(getattr(jitted, field)),
                                   np.asarray(getattr(eager, field)), rtol=1e-12)
    res32 = minimize(lambda x: fnp.sum((x - 1.0) ** 2), np.zeros(2, np.float32), method="BFGS")
    assert res32.x.dtype == np.float32 and res32.fun.dtype == np.float32
    assert res32.hess_inv.dtype == np.float32 and bool(res32.success)
    # unbounded below: the line search finds no bracket in 10 steps, status 5 (as JAX)
    unbounded = minimize(lambda x: -fnp.sum(x), np.zeros(2), method="BFGS")
    assert int(unbounded.status) == 5 and not bool(unbounded.success)
    assert (int(unbounded.nit), int(unbounded.nfev)) == (1, 11)


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
    with pytest.raises(TypeError, match="args must be a tuple"):
        minimize(rosenbrock, np.zeros(2), args=[1.0], method="BFGS")
    with pytest.raises(ValueError, match="unknown options"):
        minimize(rosenbrock, np.zeros(2), method="BFGS", options={"xtol": 1.0})
    assert bool(minimize(rosenbrock, np.zeros(2), method="bfgs").success)
