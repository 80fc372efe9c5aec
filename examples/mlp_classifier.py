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
from fungrad import nn, random
from fungrad.tree_util import tree_map

SMALL = os.environ.get("FUNGRAD_EXAMPLE_SMALL") == "1"


def moons(n: int, key, noise: float = 0.15):
    """``n`` points on two interleaved half circles, labelled 0 (upper) and 1 (lower),
    drawn with the random key ``key``."""
    m = n // 2
    k_t, k_noise = random.split(key)
    t = random.uniform(k_t, (n,), minval=0.0, maxval=np.pi)
    upper = np.stack([np.cos(t[:m]), np.sin(t[:m])], axis=1)
    lower = np.stack([1.0 - np.cos(t[m:]), 0.5 - np.sin(t[m:])], axis=1)
    X = np.concatenate([upper, lower]) + noise * random.normal(k_noise, (n, 2))
    y = np.concatenate([np.zeros(m, np.int64), np.ones(n - m, np.int64)])
    return X, y


def init_params(sizes, key):
    """One (W, b) per layer; W scaled by 1/sqrt(fan_in) so activations start moderate."""
    keys = random.split(key, len(sizes) - 1)
    return [(random.normal(k, (n_in, n_out)) / np.sqrt(n_in), np.zeros(n_out))
            for k, n_in, n_out in zip(keys, sizes[:-1], sizes[1:])]


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
    # explicit randomness: one key per use, split from a seed (no hidden generator state)
    k_train, k_test, k_init, k_order = random.split(random.key(0), 4)
    X, y = moons(n, k_train)
    X_test, y_test = moons(n, k_test)  # fresh points from the same distribution
    params = init_params([2, 16, 16, 2], k_init)
    grad_loss = fungrad.grad(loss)  # gradient with respect to params (argument 0)

    print(f"epoch   0  loss {float(loss(params, X, y)):.4f}  accuracy {accuracy(params, X, y):.3f}")
    for epoch in range(1, epochs + 1):
        order = random.permutation(random.fold_in(k_order, epoch), n)
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
