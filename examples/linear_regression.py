"""Linear regression by gradient descent.

The model is y = X @ w + b and the loss the mean squared error. ``value_and_grad`` gives the
loss and its gradient with respect to both parameters in one pass; the gradients have the
shapes of the parameters, so the update is just ``param - lr * grad``. Gradient descent on
this convex loss reaches the least-squares solution, which we check against numpy's.

    python examples/linear_regression.py            # 1000 samples, 5 features
    FUNGRAD_EXAMPLE_SMALL=1 python examples/linear_regression.py
"""
from __future__ import annotations

import os

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad import random

SMALL = os.environ.get("FUNGRAD_EXAMPLE_SMALL") == "1"


def make_data(n: int, d: int, seed: int = 0):
    """Noisy samples of a random linear function: (X, y, true_w, true_b). The randomness
    is explicit, JAX style: one key per draw, split from the seed's key."""
    k_w, k_x, k_noise = random.split(random.key(seed), 3)
    true_w = random.normal(k_w, (d,))
    true_b = 0.5
    X = random.normal(k_x, (n, d))
    y = X @ true_w + true_b + 0.1 * random.normal(k_noise, (n,))
    return X, y, true_w, true_b


def loss(w, b, X, y):
    """Mean squared error of the linear model."""
    residual = X @ w + b - y
    return fnp.mean(residual ** 2)


def fit(X, y, steps: int, lr: float = 0.1, log_every: int = 10):
    """Plain gradient descent from zero; prints the loss as it goes."""
    w, b = np.zeros(X.shape[1]), 0.0
    loss_and_grads = fungrad.value_and_grad(loss, argnums=(0, 1))  # d/dw and d/db
    for step in range(steps + 1):
        value, (dw, db) = loss_and_grads(w, b, X, y)
        if step % log_every == 0:
            print(f"step {step:4d}  loss {float(value):.6f}")
        if step < steps:
            w, b = w - lr * dw, b - lr * db
    return w, b


def main() -> None:
    n, d, steps = (100, 3, 60) if SMALL else (1000, 5, 100)
    X, y, true_w, true_b = make_data(n, d)
    w, b = fit(X, y, steps)
    # The exact minimizer of the same loss, for comparison: least squares with a bias column.
    exact = np.linalg.lstsq(np.hstack([X, np.ones((n, 1))]), y, rcond=None)[0]
    print("true w     =", np.round(true_w, 4).tolist(), " true b =", true_b)
    print("learned w  =", np.round(w, 4).tolist(), " learned b =", round(float(b), 4))
    print("lstsq w    =", np.round(exact[:-1], 4).tolist(), " lstsq b =", round(exact[-1], 4))


if __name__ == "__main__":
    main()
