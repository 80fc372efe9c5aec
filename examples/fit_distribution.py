"""Maximum-likelihood fit of a gamma distribution by gradient descent on ``logpdf``.

Data are drawn from Gamma(shape=3, scale=2). We minimize the mean negative log-likelihood over
the unconstrained parameters (log shape, log scale) with gradient descent plus momentum, the
gradient coming from ``fungrad.grad`` through ``fungrad.scipy.stats.gamma.logpdf`` (whose
derivative in the shape parameter is digamma, in scipy's values). The whole step is jitted.

    python examples/fit_distribution.py
"""
import os

import numpy as np

import fungrad
import fungrad.numpy as jnp
from fungrad.scipy.stats import gamma

SMALL = os.environ.get("FUNGRAD_EXAMPLE_SMALL") == "1"
N = 500 if SMALL else 5000
STEPS = 400 if SMALL else 1000

# Draws of Gamma(shape 3, scale 2), from an explicit key: the same data on every run.
data = 2.0 * fungrad.random.gamma(fungrad.random.key(0), 3.0, (N,))


def negative_log_likelihood(params):
    log_shape, log_scale = params[0], params[1]
    return -jnp.mean(gamma.logpdf(data, jnp.exp(log_shape), scale=jnp.exp(log_scale)))


@fungrad.jit
def step(params, velocity):
    loss, g = fungrad.value_and_grad(negative_log_likelihood)(params)
    velocity = 0.9 * velocity - 0.1 * g
    return params + velocity, velocity, loss


params = np.zeros(2)  # shape = scale = 1 to start
velocity = np.zeros(2)
for i in range(STEPS):
    params, velocity, loss = step(params, velocity)
    if i % (STEPS // 4) == 0:
        print(f"step {i:4d}  negative log-likelihood {float(loss):.6f}")

shape, scale = np.exp(np.asarray(params))
final_gradient = fungrad.grad(negative_log_likelihood)(params)
print(f"shape = {shape:.6f}")
print(f"scale = {scale:.6f}")
print(f"nll = {float(negative_log_likelihood(params)):.8f}")
print(f"gradient norm = {float(np.linalg.norm(final_gradient)):.3e}")
