"""A small neural-network classifier trained with plain gradient descent.

Two interleaved half-moons in the plane, a 2-16-16-2 multilayer perceptron with tanh, the
cross-entropy loss, and minibatch gradient descent with a fixed step: no optimizer library,
just ``grad`` and a ``tree_map`` over the parameters. The parameters are a list of (W, b)
pairs -- a pytree -- and ``grad`` returns a gradient with the same structure and shapes.

    python examples/mlp_classifier.py            # 512 points, 30 epochs
    FUNGRAD_EXAMPLE_SMALL=1 python examples/mlp_classifier.py
"""
from __future__ import annotations

import os

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.tree_util import tree_map

SMALL = os.environ.get("FUNGRAD_EXAMPLE_SMALL") == "1"


def moons(n: int, rng: np.random.Generator, noise: float = 0.15):
    """``n`` points on two interleaved half circles, labelled 0 (upper) and 1 (lower)."""
    m = n // 2
    t = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(t[:m]), np.sin(t[:m])], axis=1)
    lower = np.stack([1.0 - np.cos(t[m:]), 0.5 - np.sin(t[m:])], axis=1)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(m, np.int64), np.ones(n - m, np.int64)])
    return X, y


def init_params(sizes, rng: np.random.Generator):
    """One (W, b) per layer; W scaled by 1/sqrt(fan_in) so activations start moderate."""
    return [(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in), np.zeros(n_out))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def predict(params, X):
    """Class scores (logits), one row per point."""
    h = X
    for W, b in params[:-1]:
        h = fnp.tanh(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def loss(params, X, y):
    """Mean cross-entropy: -log of the probability given to the right class."""
    log_probs = nn.log_softmax(predict(params, X))
    return -fnp.mean(fnp.sum(log_probs * nn.one_hot(y, 2), axis=1))


def accuracy(params, X, y) -> float:
    return float(np.mean(np.argmax(predict(params, X), axis=1) == y))


def main() -> None:
    n, epochs = (200, 20) if SMALL else (512, 30)
    batch, lr = 32, 0.3
    rng = np.random.default_rng(0)
    X, y = moons(n, rng)
    X_test, y_test = moons(n, rng)  # fresh points from the same distribution
    params = init_params([2, 16, 16, 2], rng)
    grad_loss = fungrad.grad(loss)  # gradient with respect to params (argument 0)

    print(f"epoch   0  loss {float(loss(params, X, y)):.4f}  accuracy {accuracy(params, X, y):.3f}")
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            grads = grad_loss(params, X[idx], y[idx])
            # Gradient descent: every array moves against its own gradient.
            params = tree_map(lambda p, g: p - lr * g, params, grads)
        print(f"epoch {epoch:3d}  loss {float(loss(params, X, y)):.4f}  "
              f"accuracy {accuracy(params, X, y):.3f}")
    print(f"final train accuracy {accuracy(params, X, y):.3f}")
    print(f"final test accuracy {accuracy(params, X_test, y_test):.3f}")


if __name__ == "__main__":
    main()
