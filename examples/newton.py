"""Newton's method with ``fungrad.hessian``.

Gradient descent follows the slope; Newton's method also uses the curvature. At each point it
fits the quadratic model f(x + s) ~ f(x) + g.s + s.H.s / 2 (g the gradient, H the Hessian) and
jumps to that model's minimum: solve H s = -g. Near a minimum this converges quadratically --
the number of correct digits roughly doubles per step.

``fungrad.hessian(f)`` is ``jacfwd(jacrev(f))``: forward mode over reverse mode, the cheap way
to get a matrix of second derivatives of a scalar function.

Two problems:
1. Rosenbrock's banana function in 2-D, from the classic start (-1.2, 1): pure Newton steps.
   Far from the minimum the quadratic model is poor and f even goes up for a step (pure
   Newton is not a descent method; practical codes add a line search); once close, the
   gradient norm collapses from 1e-5 to 1e-8 to 0 in two steps.
2. L2-regularized logistic regression: a smooth convex loss, where Newton needs a handful of
   steps whatever the data (the size is FUNGRAD_EXAMPLE_SMALL-dependent).

    python examples/newton.py
    FUNGRAD_EXAMPLE_SMALL=1 python examples/newton.py
"""
from __future__ import annotations

import os

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad import random
from fungrad import nn

SMALL = os.environ.get("FUNGRAD_EXAMPLE_SMALL") == "1"


def rosenbrock(x):
    """sum of 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2; minimum 0 at (1, ..., 1)."""
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def make_data(n: int, d: int, seed: int = 0):
    """Labels 0/1 drawn from a logistic model with random weights."""
    k_x, k_w, k_y = random.split(random.key(seed), 3)
    X = random.normal(k_x, (n, d))
    w_true = random.normal(k_w, (d,))
    y = random.bernoulli(k_y, 1.0 / (1.0 + np.exp(-X @ w_true))).astype(np.float64)
    return X, y


def logistic_loss(w, X, y, lam: float = 0.1):
    """Mean negative log-likelihood of a logistic model, plus lam/2 |w|^2."""
    z = X @ w
    # -log sigmoid(z) for y = 1 and -log(1 - sigmoid(z)) = -log sigmoid(-z) for y = 0
    nll = -(y * nn.log_sigmoid(z) + (1.0 - y) * nn.log_sigmoid(-z))
    return fnp.mean(nll) + 0.5 * lam * fnp.sum(w * w)


def newton(f, x, *args, tol: float = 1e-10, max_steps: int = 20):
    """Minimize f(x, *args) by Newton steps; prints one line per step."""
    grad_f, hess_f = fungrad.grad(f), fungrad.hessian(f)
    for step in range(max_steps + 1):
        g = grad_f(x, *args)
        print(f"  step {step:2d}  f {float(f(x, *args)):.12f}  |grad| {np.linalg.norm(g):.3e}")
        if np.linalg.norm(g) < tol:
            break
        x = x + np.linalg.solve(hess_f(x, *args), -g)
    return x


def main() -> None:
    print("Rosenbrock, pure Newton from (-1.2, 1)")
    x0 = np.array([-1.2, 1.0])
    print("  hessian at start =", fungrad.hessian(rosenbrock)(x0).tolist())
    x = newton(rosenbrock, x0)
    print("  minimum found at =", np.round(x, 8).tolist())

    n, d = (60, 3) if SMALL else (500, 10)
    print(f"Logistic regression, {n} samples, {d} features")
    X, y = make_data(n, d)
    w = newton(logistic_loss, np.zeros(d), X, y)
    print("  weights =", np.round(w, 8).tolist())


if __name__ == "__main__":
    main()
