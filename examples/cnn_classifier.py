"""A convolutional network, built with stax, trained with adam under jit.

The task needs no download: 12x12 grey images, each showing one of four strokes -- a
horizontal bar, a vertical bar, a diagonal or an anti-diagonal -- at a random place, with a
random length and brightness, in noise. The network is two 3x3 convolutions with ReLU and
2x2 max pooling, then two dense layers; the loss is the mean cross-entropy. Each epoch prints
a progress line while it runs, then the loss and the train and test accuracies. The goal,
checked at the end: at least 95% test accuracy (90% in the shortened run).

    python examples/cnn_classifier.py             # 2048 images, 6 epochs (seconds)
    FUNGRAD_EXAMPLE_SMALL=1 python examples/cnn_classifier.py
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad import nn, random
from fungrad.example_libraries import optimizers, stax

SMALL = os.environ.get("FUNGRAD_EXAMPLE_SMALL") == "1"
SIZE, CLASSES = 12, 4
CLASS_NAMES = ("horizontal", "vertical", "diagonal", "anti-diagonal")


def strokes(n: int, key):
    """``n`` images (NHWC, float64) and their labels 0..3, in equal numbers, drawn from ``key``."""
    k_order, k_noise, k_length, k_bright, k_start, k_line = random.split(key, 6)
    labels = np.asarray(random.permutation(k_order, np.arange(n) % CLASSES))
    images = 0.45 * np.asarray(random.normal(k_noise, (n, SIZE, SIZE)))
    lengths = np.asarray(random.randint(k_length, (n,), 5, 9))
    brightness = np.asarray(random.uniform(k_bright, (n,), minval=1.0, maxval=2.0))
    # each stroke's start leaves room for its length: maxval broadcasts against the shape
    starts = np.asarray(random.randint(k_start, (n, 2), 0, SIZE - lengths[:, None] + 1))
    lines = np.asarray(random.randint(k_line, (n,), 0, SIZE))  # the row or column of a bar
    for image, label, length, bright, (r, c), line in zip(
            images, labels, lengths, brightness, starts, lines):
        steps = np.arange(length)
        if label == 0:
            rows, cols = np.full(length, line), c + steps
        elif label == 1:
            rows, cols = r + steps, np.full(length, line)
        elif label == 2:
            rows, cols = r + steps, c + steps
        else:
            rows, cols = r + steps, c + length - 1 - steps
        image[rows, cols] += bright
    return images[..., None], labels


def network():
    """(init_fun, apply_fun) of the classifier: log-probabilities of the four classes."""
    return stax.serial(
        stax.Conv(8, (3, 3), padding="SAME"), stax.Relu, stax.MaxPool((2, 2), (2, 2)),
        stax.Conv(16, (3, 3), padding="SAME"), stax.Relu, stax.MaxPool((2, 2), (2, 2)),
        stax.Flatten, stax.Dense(32), stax.Relu, stax.Dense(CLASSES), stax.LogSoftmax)


def make_train_step(apply_fun, opt_update, get_params):
    """One jitted step: forward, backward, adam update; returns (new state, batch loss)."""
    def loss(params, images, labels):
        log_probs = apply_fun(params, images)
        targets = nn.one_hot(labels, CLASSES, dtype=log_probs.dtype)  # float32 stays float32
        return -fnp.mean(fnp.sum(log_probs * targets, axis=1))

    @fungrad.jit
    def step(i, opt_state, images, labels):
        value, grads = fungrad.value_and_grad(loss)(get_params(opt_state), images, labels)
        return opt_update(i, grads, opt_state), value

    return step


def accuracy(predict, params, images, labels) -> float:
    return float(np.mean(np.argmax(predict(params, images), axis=1) == labels))


def progress(epoch: int, done: int, total: int) -> None:
    """A one-line progress bar, redrawn in place."""
    filled = 30 * done // total
    sys.stdout.write(f"\repoch {epoch} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
    sys.stdout.flush()


def main() -> None:
    n_train, n_test, epochs, goal = (768, 256, 4, 0.90) if SMALL else (2048, 512, 6, 0.95)
    batch = 32
    key = random.key(0)
    key, train_key, test_key, init_key = random.split(key, 4)
    train_x, train_y = strokes(n_train, train_key)
    test_x, test_y = strokes(n_test, test_key)

    init_fun, apply_fun = network()
    _, params = init_fun(init_key, (-1, SIZE, SIZE, 1))
    opt_init, opt_update, get_params = optimizers.adam(1e-2)
    opt_state = opt_init(params)
    step = make_train_step(apply_fun, opt_update, get_params)
    predict = fungrad.jit(apply_fun)
    n_params = sum(np.size(p) for p in fungrad.tree_util.tree_leaves(params))
    print(f"{n_train} training and {n_test} test images of {SIZE}x{SIZE}, "
          f"{CLASSES} classes {CLASS_NAMES}; {n_params} parameters")

    batches = n_train // batch
    i = 0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        key, order_key = random.split(key)  # a fresh shuffle each epoch
        order = np.asarray(random.permutation(order_key, n_train))
        losses = []
        for b in range(batches):
            idx = order[b * batch:(b + 1) * batch]
            opt_state, value = step(i, opt_state, train_x[idx], train_y[idx])
            losses.append(float(value))
            i += 1
            progress(epoch, b + 1, batches)
        params = get_params(opt_state)
        train_acc = accuracy(predict, params, train_x, train_y)
        test_acc = accuracy(predict, params, test_x, test_y)
        sys.stdout.write("\r" + " " * 60 + "\r")
        print(f"epoch {epoch}  loss {np.mean(losses):.4f}  train accuracy {train_acc:.4f}  "
              f"test accuracy {test_acc:.4f}  ({time.perf_counter() - start:.1f} s)")
    verdict = "reached" if test_acc >= goal else "NOT reached"
    print(f"final test accuracy {test_acc:.4f}, goal {goal:.2f}: {verdict}")


if __name__ == "__main__":
    main()
