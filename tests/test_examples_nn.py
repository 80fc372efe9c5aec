"""The training examples, run as scripts in their shortened form: examples/cnn_classifier.py
(a stax CNN with adam under jit) and examples/vae.py (a variational autoencoder)."""
from __future__ import annotations

import re

import numpy as np

import fungrad

from test_examples import import_example, run_example


def test_cnn_classifier():
    out, _ = run_example("cnn_classifier.py")
    lines = out.replace("\r", "\n").splitlines()
    # a progress bar is drawn during every epoch, ending at the full count
    bars = [ln for ln in lines if re.match(r"^epoch \d \[[#.]{30}\] \d+/\d+$", ln)]
    assert any(ln.endswith("] 24/24") for ln in bars)
    epochs = [re.match(r"^epoch (\d)  loss (\S+)  train accuracy (\S+)  test accuracy (\S+)"
                       r"  \(\S+ s\)$", ln) for ln in lines]
    epochs = [m for m in epochs if m]
    assert [int(m[1]) for m in epochs] == [1, 2, 3, 4]
    losses = [float(m[2]) for m in epochs]
    test_acc = [float(m[4]) for m in epochs]
    # four balanced classes: chance is a loss of log 4 and an accuracy of 1/4
    assert losses[-1] < 0.3 * np.log(4) and losses[-1] < losses[0]
    final = re.search(r"^final test accuracy (\S+), goal (\S+): reached$", out, re.M)
    assert final and float(final[1]) == test_acc[-1] >= float(final[2]) == 0.90


def test_cnn_classifier_data_and_network():
    module = import_example("cnn_classifier.py")
    images, labels = module.strokes(40, fungrad.random.key(1))
    assert images.shape == (40, 12, 12, 1) and np.bincount(labels).tolist() == [10] * 4
    # each image's brightest line runs in its class's direction: a horizontal bar makes its
    # row's sum stand out, a vertical bar its column's
    rows = images[..., 0].sum(axis=2).max(axis=1)
    cols = images[..., 0].sum(axis=1).max(axis=1)
    assert np.all(rows[labels == 0] > cols[labels == 0])
    assert np.all(cols[labels == 1] > rows[labels == 1])
    from fungrad import random
    init, apply = module.network()
    out_shape, params = init(random.key(0), (-1, 12, 12, 1))
    assert out_shape == (-1, 4)
    log_probs = apply(params, images)
    np.testing.assert_allclose(np.exp(log_probs).sum(axis=1), 1.0, rtol=1e-12)


def test_vae():
    out, _ = run_example("vae.py")
    epochs = re.findall(r"^epoch +(\d+)  elbo +(\S+)  reconstruction error (\S+)$", out, re.M)
    assert [int(e) for e, _, _ in epochs] == list(range(11))
    elbos = [float(v) for _, v, _ in epochs]
    errors = [float(r) for _, _, r in epochs]
    # 64 binary pixels: an untrained decoder is near 64 log 2 nats from the data
    assert -64 * np.log(2) - 15 < elbos[0] < -64 * np.log(2) + 15
    assert elbos[-1] > elbos[0] + 20  # the bound rises
    # the decoder does better than "all dark", which is wrong on 8 of 64 pixels
    assert errors[-1] < 0.12 < errors[0]
    pictures = out.split("decoded codes from the prior:\n")[1].splitlines()
    assert len(pictures) == 8 and all(re.match(r"^  ([#.]{8}   ){3}[#.]{8}$", p)
                                      for p in pictures)


def test_vae_pieces_against_numpy():
    module = import_example("vae.py")
    data = module.bars(20, fungrad.random.key(2))
    assert data.shape == (20, 64) and np.all(data.sum(axis=1) == 8)
    mean, logvar = np.array([[0.5, -1.0]]), np.array([[0.2, -0.3]])
    np.testing.assert_allclose(module.gaussian_kl(mean, logvar),
                               0.5 * np.sum(np.exp(logvar) + mean ** 2 - 1 - logvar, axis=1),
                               rtol=1e-14)
    logits, x = np.array([[2.0, -1.0, 0.5]]), np.array([[1.0, 0.0, 1.0]])
    p = 1 / (1 + np.exp(-logits))
    np.testing.assert_allclose(module.bernoulli_log_likelihood(logits, x),
                               np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1),
                               rtol=1e-14)
