"""Gaussian-process regression: fit the kernel's hyperparameters by the gradient of the
marginal likelihood.

The model: ``y = f(x) + noise`` with ``f ~ GP(0, k)``, ``k(x, x') = amplitude^2
exp(-(x - x')^2 / (2 lengthscale^2))`` and Gaussian noise of scale ``noise``. With
``K = k(X, X) + noise^2 I`` the negative log marginal likelihood is

    0.5 y^T K^-1 y + 0.5 log det K + 0.5 n log(2 pi)

computed with a Cholesky factor (``cho_factor`` / ``cho_solve``) and ``slogdet``, and
differentiated through them by ``fungrad.value_and_grad``. Adam on the log-hyperparameters
minimizes it; the fitted GP then predicts at new points.

    python examples/gaussian_process.py
    FUNGRAD_EXAMPLE_SMALL=1 python examples/gaussian_process.py
"""
from __future__ import annotations

import os

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad.scipy.linalg import cho_factor, cho_solve

SMALL = os.environ.get("FUNGRAD_EXAMPLE_SMALL") == "1"


def make_data(n: int, seed: int = 0):
    """Noisy samples of a smooth function on [-3, 3]."""
    key_x, key_noise = fungrad.random.split(fungrad.random.key(seed))
    x = fnp.sort(fungrad.random.uniform(key_x, (n,), minval=-3.0, maxval=3.0))
    y = fnp.sin(2.0 * x) + 0.3 * x + 0.1 * fungrad.random.normal(key_noise, (n,))
    return x, y


def kernel(log_params, xa, xb):
    """The squared-exponential kernel matrix between two sets of points."""
    log_amplitude, log_lengthscale, _ = log_params
    d2 = (xa[:, None] - xb[None, :]) ** 2
    return fnp.exp(2.0 * log_amplitude) * fnp.exp(-0.5 * d2 / fnp.exp(2.0 * log_lengthscale))


def covariance(log_params, x):
    """``K = k(x, x) + noise^2 I``."""
    noise_var = fnp.exp(2.0 * log_params[2])
    return kernel(log_params, x, x) + noise_var * fnp.eye(x.shape[0])


def neg_log_marginal_likelihood(log_params, x, y):
    """``0.5 y^T K^-1 y + 0.5 log det K + 0.5 n log(2 pi)``."""
    k = covariance(log_params, x)
    alpha = cho_solve(cho_factor(k, lower=True), y)
    _, logdet = fnp.linalg.slogdet(k)
    return 0.5 * fnp.dot(y, alpha) + 0.5 * logdet + 0.5 * x.shape[0] * np.log(2.0 * np.pi)


def fit(x, y, steps: int, lr: float = 0.05, log_every: int = 50):
    """Adam on the log-hyperparameters, from amplitude = lengthscale = 1, noise = 0.5."""
    params = np.array([0.0, 0.0, np.log(0.5)])
    m, v = np.zeros(3), np.zeros(3)
    loss_and_grad = fungrad.jit(fungrad.value_and_grad(neg_log_marginal_likelihood))
    for step in range(1, steps + 1):
        value, g = loss_and_grad(params, x, y)
        if step == 1 or step % log_every == 0:
            print(f"step {step:4d}  nll {float(value):.6f}  |grad| {np.linalg.norm(g):.2e}")
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g ** 2
        m_hat, v_hat = m / (1 - 0.9 ** step), v / (1 - 0.999 ** step)
        params = params - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    return params


def predict(log_params, x, y, x_new):
    """The posterior mean and standard deviation at ``x_new``."""
    factor = cho_factor(covariance(log_params, x), lower=True)
    k_star = kernel(log_params, x_new, x)
    mean = k_star @ cho_solve(factor, y)
    prior_var = fnp.exp(2.0 * log_params[0]) + fnp.exp(2.0 * log_params[2])
    var = prior_var - fnp.sum(k_star * fnp.transpose(cho_solve(factor, fnp.transpose(k_star))),
                              axis=1)
    return mean, fnp.sqrt(var)


def main() -> None:
    n, steps = (20, 300) if SMALL else (60, 600)
    x, y = make_data(n)
    params = fit(x, y, steps)
    value, g = fungrad.value_and_grad(neg_log_marginal_likelihood)(params, x, y)
    amplitude, lengthscale, noise = np.exp(params)
    print(f"fitted amplitude {amplitude:.6f} lengthscale {lengthscale:.6f} noise {noise:.6f}")
    print(f"final nll {float(value):.8f}  |grad| {np.linalg.norm(g):.2e}")
    x_new = np.array([-2.0, 0.0, 2.0])
    mean, std = predict(params, x, y, x_new)
    for xi, mi, si in zip(x_new, np.asarray(mean), np.asarray(std)):
        print(f"predict x={xi:+.1f}  mean {mi:+.6f}  std {si:.6f}")


if __name__ == "__main__":
    main()
