"""examples/gaussian_process.py: its printed numbers against an independent numpy/scipy
computation of the same marginal likelihood, its gradient and its optimum."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import numpy as np
import pytest

scipy_linalg = pytest.importorskip("scipy.linalg")
scipy_optimize = pytest.importorskip("scipy.optimize")

import fungrad  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "gaussian_process.py")


def _module():
    spec = importlib.util.spec_from_file_location("gaussian_process", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference_covariance(log_params, x):
    amp2, ell2, noise2 = np.exp(2.0 * np.asarray(log_params))
    d2 = (x[:, None] - x[None, :]) ** 2
    base = amp2 * np.exp(-0.5 * d2 / ell2)
    return base, d2, ell2, noise2


def reference_nll(log_params, x, y):
    base, _, _, noise2 = reference_covariance(log_params, x)
    k = base + noise2 * np.eye(len(x))
    factor = scipy_linalg.cho_factor(k, lower=True)
    alpha = scipy_linalg.cho_solve(factor, y)
    logdet = 2.0 * np.sum(np.log(np.diag(factor[0])))
    return 0.5 * y @ alpha + 0.5 * logdet + 0.5 * len(x) * np.log(2.0 * np.pi)


def reference_gradient(log_params, x, y):
    """``0.5 tr((K^-1 - alpha alpha^T) dK/dtheta)`` for each log-hyperparameter."""
    base, d2, ell2, noise2 = reference_covariance(log_params, x)
    k = base + noise2 * np.eye(len(x))
    k_inv = np.linalg.inv(k)
    alpha = k_inv @ y
    w = k_inv - np.outer(alpha, alpha)
    dk = [2.0 * base, base * d2 / ell2, 2.0 * noise2 * np.eye(len(x))]
    return np.array([0.5 * np.sum(w * d) for d in dk])


@pytest.fixture(scope="module")
def run():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               FUNGRAD_EXAMPLE_SMALL="1")
    proc = subprocess.run([sys.executable, EXAMPLE], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout


def test_nll_and_gradient_agree_with_the_textbook_formulas():
    gp = _module()
    x, y = gp.make_data(20)
    for params in (np.array([0.0, 0.0, np.log(0.5)]), np.array([0.3, -0.4, -2.0])):
        np.testing.assert_allclose(gp.neg_log_marginal_likelihood(params, x, y),
                                   reference_nll(params, x, y), rtol=1e-10)
        np.testing.assert_allclose(fungrad.grad(gp.neg_log_marginal_likelihood)(params, x, y),
                                   reference_gradient(params, x, y), rtol=1e-8)


def test_printed_fit_is_the_optimum(run):
    gp = _module()
    x, y = gp.make_data(20)
    nlls = [float(v) for v in re.findall(r"^step +\d+  nll (\S+)", run, re.M)]
    assert nlls[0] == pytest.approx(reference_nll([0.0, 0.0, np.log(0.5)], x, y), abs=1e-6)
    assert nlls[-1] < nlls[0]
    fitted = re.search(r"fitted amplitude (\S+) lengthscale (\S+) noise (\S+)", run)
    fitted = np.log([float(v) for v in fitted.groups()])
    final = float(re.search(r"final nll (\S+)", run)[1])
    assert float(re.search(r"\|grad\| (\S+)\n", run[run.index("final nll"):])[1]) < 1e-4
    # an independent optimizer on the numpy likelihood finds the same hyperparameters
    best = scipy_optimize.minimize(reference_nll, np.zeros(3), args=(x, y),
                                   jac=reference_gradient, method="BFGS", tol=1e-10)
    np.testing.assert_allclose(fitted, best.x, atol=2e-4)
    assert final == pytest.approx(best.fun, abs=1e-6)
    # and the posterior mean and standard deviation at the printed points
    preds = re.findall(r"predict x=(\S+)  mean (\S+)  std (\S+)", run)
    x_new = np.array([float(p[0]) for p in preds])
    base, _, _, noise2 = reference_covariance(best.x, x)
    amp2, ell2 = np.exp(2.0 * best.x[:2])
    k = base + noise2 * np.eye(len(x))
    k_star = amp2 * np.exp(-0.5 * (x_new[:, None] - x[None, :]) ** 2 / ell2)
    mean = k_star @ np.linalg.solve(k, y)
    std = np.sqrt(amp2 + noise2 - np.sum(k_star * np.linalg.solve(k, k_star.T).T, axis=1))
    np.testing.assert_allclose([float(p[1]) for p in preds], mean, atol=2e-5)
    np.testing.assert_allclose([float(p[2]) for p in preds], std, atol=2e-5)
