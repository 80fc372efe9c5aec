"""A small variational autoencoder: the reparameterisation trick with split keys.

Data needing no download: 8x8 binary images of one bright horizontal or vertical bar. The
encoder (stax, 64-64-2x2) gives the mean and log-variance of a 2-d Gaussian code q(z|x); a
code is drawn as ``z = mean + exp(logvar / 2) * eps`` with ``eps ~ N(0, 1)`` from a fresh key
each step (``random.split``), so the gradient flows through ``mean`` and ``logvar``; the
decoder (2-64-64) gives Bernoulli logits for the pixels. Training maximizes the evidence
lower bound (ELBO = log-likelihood - KL(q(z|x) || N(0, 1))) with adam under jit. Each epoch
prints the ELBO and the reconstruction error; at the end, the decoder's images of a few
codes from the prior, as text.

    python examples/vae.py
    FUNGRAD_EXAMPLE_SMALL=1 python examples/vae.py
"""
from __future__ import annotations

import os

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad import nn, random
from fungrad.example_libraries import optimizers, stax

SMALL = os.environ.get("FUNGRAD_EXAMPLE_SMALL") == "1"
SIDE, LATENT = 8, 2


def bars(n: int, key) -> np.ndarray:
    """``n`` flattened 8x8 images, each one full-length bar (row or column), in {0, 1}."""
    where_key, vertical_key = random.split(key)
    images = np.zeros((n, SIDE, SIDE))
    where = np.asarray(random.randint(where_key, (n,), 0, SIDE))
    vertical = np.asarray(random.bernoulli(vertical_key, 0.5, (n,)))
    images[~vertical, where[~vertical], :] = 1.0
    images[vertical, :, where[vertical]] = 1.0
    return images.reshape(n, SIDE * SIDE)


encoder_init, encode = stax.serial(stax.Dense(64), stax.Relu, stax.Dense(2 * LATENT))
decoder_init, decode = stax.serial(stax.Dense(64), stax.Relu, stax.Dense(SIDE * SIDE))


def gaussian_kl(mean, logvar):
    """KL(N(mean, exp(logvar)) || N(0, 1)), summed over the code."""
    return 0.5 * fnp.sum(fnp.exp(logvar) + mean ** 2 - 1.0 - logvar, axis=-1)


def bernoulli_log_likelihood(logits, x):
    """log p(x | logits) for binary pixels, summed over the image: x log s + (1-x) log(1-s)."""
    return fnp.sum(x * nn.log_sigmoid(logits) + (1 - x) * nn.log_sigmoid(-logits), axis=-1)


def elbo(params, x, key):
    """The mean evidence lower bound of a batch, one reparameterised code per image."""
    enc_params, dec_params = params
    stats = encode(enc_params, x)
    mean, logvar = stats[:, :LATENT], stats[:, LATENT:]
    eps = random.normal(key, mean.shape)
    z = mean + fnp.exp(0.5 * logvar) * eps  # the reparameterisation trick
    logits = decode(dec_params, z)
    return fnp.mean(bernoulli_log_likelihood(logits, x) - gaussian_kl(mean, logvar))


def reconstruction_error(params, x) -> float:
    """Mean fraction of pixels wrong when each image is decoded from its code's mean."""
    enc_params, dec_params = params
    mean = encode(enc_params, x)[:, :LATENT]
    return float(np.mean((np.asarray(decode(dec_params, mean)) > 0) != (x > 0.5)))


def main() -> None:
    n, epochs, batch = (512, 10, 32) if SMALL else (2048, 15, 32)
    key = random.key(0)
    key, data_key, test_key, enc_key, dec_key = random.split(key, 5)
    data = bars(n, data_key)
    test = bars(256, test_key)
    _, enc_params = encoder_init(enc_key, (-1, SIDE * SIDE))
    _, dec_params = decoder_init(dec_key, (-1, LATENT))
    opt_init, opt_update, get_params = optimizers.adam(1e-2)
    opt_state = opt_init((enc_params, dec_params))

    @fungrad.jit
    def step(i, opt_state, x, key):
        value, grads = fungrad.value_and_grad(elbo)(get_params(opt_state), x, key)
        grads = fungrad.tree_util.tree_map(lambda g: -g, grads)  # ascend the ELBO
        return opt_update(i, grads, opt_state), value

    params = get_params(opt_state)
    key, eval_key = random.split(key)
    print(f"epoch  0  elbo {float(elbo(params, test, eval_key)):9.4f}  "
          f"reconstruction error {reconstruction_error(params, test):.4f}")
    i = 0
    for epoch in range(1, epochs + 1):
        key, order_key = random.split(key)  # a fresh shuffle each epoch
        order = np.asarray(random.permutation(order_key, n))
        for start in range(0, n, batch):
            key, step_key = random.split(key)  # a fresh key for every step's noise
            opt_state, _ = step(i, opt_state, data[order[start:start + batch]], step_key)
            i += 1
        params = get_params(opt_state)
        key, eval_key = random.split(key)
        print(f"epoch {epoch:2d}  elbo {float(elbo(params, test, eval_key)):9.4f}  "
              f"reconstruction error {reconstruction_error(params, test):.4f}")

    print("decoded codes from the prior:")
    key, prior_key = random.split(key)
    z = random.normal(prior_key, (4, LATENT))
    images = np.asarray(decode(params[1], z)).reshape(4, SIDE, SIDE) > 0
    for row in range(SIDE):
        print("  " + "   ".join("".join("#" if p else "." for p in img[row]) for img in images))


if __name__ == "__main__":
    main()
