"""``fungrad.example_libraries.stax``: each layer's output against a numpy reference, its
``init_fun`` shapes, JAX's initial parameters for a fixed key, gradients through a network,
and the combinators."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import random, tree_util
from fungrad.example_libraries import stax

from helpers import assert_derivatives, assert_same_as_numpy, rand
from fixtures.make_nn_initializers import cnn

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
KEY = random.key(0)


# ---------------------------------------------------------------------------------------------
# numpy references
# ---------------------------------------------------------------------------------------------

def same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def np_correlate(x, W, strides, pads):
    """NHWC input, HWIO kernel, explicit (lo, hi) pads: out[n, i, j, o] =
    sum_{a, b, c} xpad[n, i s0 + a, j s1 + b, c] W[a, b, c, o]."""
    (p0, q0), (p1, q1) = pads
    xp = np.pad(x, ((0, 0), (p0, q0), (p1, q1), (0, 0)))
    kh, kw = W.shape[:2]
    s0, s1 = strides
    oh = (xp.shape[1] - kh) // s0 + 1
    ow = (xp.shape[2] - kw) // s1 + 1
    out = np.zeros((x.shape[0], oh, ow, W.shape[3]))
    for a in range(kh):
        for b in range(kw):
            patch = xp[:, a:a + s0 * (oh - 1) + 1:s0, b:b + s1 * (ow - 1) + 1:s1, :]
            out += patch @ W[a, b]
    return out


def np_conv(x, W, b, strides, padding):
    if padding == "SAME":
        pads = [same_pads(x.shape[1 + i], W.shape[i], strides[i]) for i in range(2)]
    else:
        pads = [(0, 0), (0, 0)]
    return np_correlate(x, W, strides, pads) + b


def np_conv_transpose(x, W, b, strides, padding):
    """The input dilated by the strides, padded as JAX's conv_transpose pads, correlated."""
    n, h, w, c = x.shape
    s0, s1 = strides
    xd = np.zeros((n, (h - 1) * s0 + 1, (w - 1) * s1 + 1, c))
    xd[:, ::s0, ::s1] = x
    pads = []
    for k, s in zip(W.shape[:2], strides):
        if padding == "SAME":
            total = k + s - 2
            lo = k - 1 if s > k - 1 else -(-total // 2)
        else:
            total = k + s - 2 + max(k - s, 0)
            lo = k - 1
        pads.append((lo, total - lo))
    return np_correlate(xd, W, (1, 1), pads) + b


def np_pool(x, window, strides, padding, reduce, fill):
    """NHWC pooling by explicit windows; padded positions hold ``fill``."""
    pads = ([same_pads(x.shape[1 + i], window[i], strides[i]) for i in range(2)]
            if padding == "SAME" else [(0, 0), (0, 0)])
    xp = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=fill)
    oh = (xp.shape[1] - window[0]) // strides[0] + 1
    ow = (xp.shape[2] - window[1]) // strides[1] + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, i * strides[0]:i * strides[0] + window[0],
                     j * strides[1]:j * strides[1] + window[1]]
            out[:, i, j] = reduce(win)
    return out


# ---------------------------------------------------------------------------------------------
# Dense and convolutions
# ---------------------------------------------------------------------------------------------

def test_dense():
    init, apply = stax.Dense(4)
    out_shape, (W, b) = init(KEY, (-1, 3))
    assert out_shape == (-1, 4) and W.shape == (3, 4) and b.shape == (4,)
    assert W.dtype == b.dtype == np.float64
    x = rand((5, 3))
    W, b = rand((3, 4), seed=1), rand((4,), seed=2)
    assert_same_as_numpy(apply((W, b), x), x @ W + b)
    assert stax.Dense(2)[0](KEY, (7, 2, 3))[0] == (7, 2, 2)  # acts on the last axis
    assert_derivatives(lambda W, b, x: apply((W, b), x), (W, b, x))


@pytest.mark.parametrize("strides,padding", [((1, 1), "VALID"), ((1, 1), "SAME"),
                                             ((2, 2), "SAME"), ((2, 1), "VALID")])
def test_conv(strides, padding):
    init, apply = stax.Conv(3, (3, 2), strides=strides, padding=padding)
    x = rand((2, 7, 6, 2))
    out_shape, (W, b) = init(KEY, (-1, 7, 6, 2))
    assert W.shape == (3, 2, 2, 3) and b.shape == (1, 1, 1, 3)
    W, b = rand(W.shape, seed=1), rand(b.shape, seed=2)
    expected = np_conv(x, W, b, strides, padding)
    assert out_shape == (-1,) + expected.shape[1:]
    assert_same_as_numpy(apply((W, b), x), expected)


def test_conv_derivatives_and_general_layout():
    init, apply = stax.Conv(2, (2, 2), strides=(2, 2), padding="SAME")
    x, W, b = rand((1, 3, 3, 2)), rand((2, 2, 2, 2), seed=1), rand((1, 1, 1, 2), seed=2)
    assert_derivatives(lambda x, W, b: apply((W, b), x), (x, W, b))
    # the same convolution in NCHW / OIHW layout
    init_g, apply_g = stax.GeneralConv(("NCHW", "OIHW", "NCHW"), 2, (2, 2), (2, 2), "SAME")
    out_shape, (Wg, bg) = init_g(KEY, (-1, 2, 3, 3))
    assert out_shape == (-1, 2, 2, 2) and Wg.shape == (2, 2, 2, 2) and bg.shape == (1, 2, 1, 1)
    out = apply_g((W.transpose(3, 2, 0, 1), b.reshape(1, 2, 1, 1)), x.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(out.transpose(0, 2, 3, 1), apply((W, b), x), rtol=1e-13)


@pytest.mark.parametrize("strides,padding,k", [((2, 2), "VALID", 2), ((2, 2), "SAME", 3),
                                               ((1, 1), "SAME", 3), ((2, 1), "VALID", 3)])
def test_conv_transpose(strides, padding, k):
    init, apply = stax.ConvTranspose(3, (k, k), strides=strides, padding=padding)
    x = rand((2, 3, 4, 2))
    out_shape, (W, b) = init(KEY, (-1, 3, 4, 2))
    assert W.shape == (k, k, 2, 3) and b.shape == (1, 1, 1, 3)
    W, b = rand(W.shape, seed=1), rand(b.shape, seed=2)
    expected = np_conv_transpose(x, W, b, strides, padding)
    assert out_shape == (-1,) + expected.shape[1:]
    assert_same_as_numpy(apply((W, b), x), expected)


def test_conv1d_transpose():
    init, apply = stax.Conv1DTranspose(2, (3,), strides=(2,))
    out_shape, (W, b) = init(KEY, (4, 5, 3))
    assert out_shape == (4, 11, 2) and W.shape == (3, 3, 2) and b.shape == (1, 1, 2)
    x, W, b = rand((4, 5, 3)), rand(W.shape, seed=1), rand(b.shape, seed=2)
    expected = np_conv_transpose(x[:, :, None], W[:, None], b[:, None], (2, 1), "VALID")
    assert_same_as_numpy(apply((W, b), x), expected[:, :, 0])
    assert_derivatives(lambda x, W: apply((W, b), x), (x[:1, :2], W))


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------

POOLS = {
    "MaxPool": (stax.MaxPool, lambda w: w.max(axis=(1, 2)), -np.inf),
    "SumPool": (stax.SumPool, lambda w: w.sum(axis=(1, 2)), 0.0),
}


@pytest.mark.parametrize("name", sorted(POOLS))
@pytest.mark.parametrize("window,strides,padding", [((2, 2), (2, 2), "VALID"),
                                                    ((3, 2), None, "VALID"),
                                                    ((3, 3), (2, 2), "SAME")])
def test_pooling(name, window, strides, padding):
    layer, reduce, fill = POOLS[name]
    init, apply = layer(window, strides, padding)
    x = rand((2, 5, 6, 3))
    expected = np_pool(x, window, strides or (1, 1), padding, reduce, fill)
    assert init(None, (-1, 5, 6, 3)) == ((-1,) + expected.shape[1:], ())
    assert_same_as_numpy(apply((), x), expected)


@pytest.mark.parametrize("window,strides,padding", [((2, 2), (2, 2), "VALID"),
                                                    ((3, 3), (2, 2), "SAME")])
def test_avg_pool(window, strides, padding):
    init, apply = stax.AvgPool(window, strides, padding)
    x = rand((2, 5, 6, 3))
    sums = np_pool(x, window, strides, padding, lambda w: w.sum(axis=(1, 2)), 0.0)
    counts = np_pool(np.ones_like(x), window, strides, padding,
                     lambda w: w.sum(axis=(1, 2)), 0.0)  # border windows cover fewer
    assert_same_as_numpy(apply((), x), sums / counts)
    assert init(None, (2, 5, 6, 3))[0] == sums.shape


def test_pooling_derivatives_and_spec():
    x = rand((1, 4, 4, 2))
    for layer in (stax.MaxPool, stax.SumPool, stax.AvgPool):
        apply = layer((2, 2), (2, 2), "SAME")[1]
        assert_derivatives(lambda x: apply((), x), (x,))
    # max pooling sends each window's gradient to its max
    g = fungrad.grad(lambda x: fnp.sum(stax.MaxPool((2, 2), (2, 2))[1]((), x)))(x)
    expected = np.zeros_like(x)
    for i in range(2):
        for j in range(2):
            for c in range(2):
                win = x[0, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c]
                a, b = np.unravel_index(np.argmax(win), (2, 2))
                expected[0, 2 * i + a, 2 * j + b, c] = 1.0
    np.testing.assert_array_equal(g, expected)
    # NCHW via spec
    init, apply = stax.MaxPool((2, 2), (2, 2), spec="NCHW")
    assert init(None, (-1, 2, 4, 4))[0] == (-1, 2, 2, 2)
    np.testing.assert_array_equal(apply((), x.transpose(0, 3, 1, 2)),
                                  stax.MaxPool((2, 2), (2, 2))[1]((), x).transpose(0, 3, 1, 2))


# ---------------------------------------------------------------------------------------------
# BatchNorm, elementwise layers, Dropout
# ---------------------------------------------------------------------------------------------

def test_batch_norm():
    x = rand((6, 3, 2, 4), low=-3, high=5)
    init, apply = stax.BatchNorm()  # axis (0, 1, 2): per channel
    out_shape, (beta, gamma) = init(KEY, x.shape)
    assert out_shape == x.shape and beta.shape == gamma.shape == (4,)
    np.testing.assert_array_equal(beta, 0.0)
    np.testing.assert_array_equal(gamma, 1.0)
    beta, gamma = rand((4,), seed=1), rand((4,), seed=2)
    mu, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    expected = gamma * (x - mu) / np.sqrt(var + 1e-5) + beta
    assert_same_as_numpy(apply((beta, gamma), x), expected, rtol=1e-10)
    # over the batch only, without scale or centre
    init, apply = stax.BatchNorm(axis=0, center=False, scale=False, epsilon=0.1)
    _, params = init(KEY, (6, 3))
    assert params == ((), ())
    y = x[:, :, 0, 0]
    assert_same_as_numpy(apply(params, y), (y - y.mean(0)) / np.sqrt(y.var(0) + 0.1),
                         rtol=1e-10)
    init, apply = stax.BatchNorm(axis=(0,), center=False)
    _, (b, g) = init(KEY, (6, 3))
    assert b == () and g.shape == (3,)
    assert_derivatives(lambda y, g: apply(((), g), y), (y, g + 2.0))


ELEMENTWISE = {
    "Tanh": (stax.Tanh, np.tanh),
    "Relu": (stax.Relu, lambda x: np.maximum(x, 0)),
    "Exp": (stax.Exp, np.exp),
    "LogSoftmax": (stax.LogSoftmax, lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True))),
    "Softmax": (stax.Softmax, lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    "Softplus": (stax.Softplus, lambda x: np.log1p(np.exp(x))),
    "Sigmoid": (stax.Sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "Elu": (stax.Elu, lambda x: np.where(x > 0, x, np.expm1(x))),
    "LeakyRelu": (stax.LeakyRelu, lambda x: np.where(x >= 0, x, 0.01 * x)),
    "Selu": (stax.Selu, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(x))),
    "Gelu": (stax.Gelu, lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi)
                                                         * (x + 0.044715 * x ** 3)))),
    "Identity": (stax.Identity, lambda x: x),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_layers(name):
    (init, apply), ref = ELEMENTWISE[name]
    assert init(KEY, (-1, 5)) == ((-1, 5), ())
    x = rand((3, 5), seed=4)
    assert_same_as_numpy(apply((), x), ref(x))


def test_dropout():
    init, apply = stax.Dropout(0.8)
    assert init(KEY, (100, 100)) == ((100, 100), ())
    x = rand((100, 100), low=1.0, high=2.0)
    y = apply((), x, rng=random.key(3))
    kept = y != 0
    assert 0.78 < kept.mean() < 0.82  # rate is the keep probability, as in JAX
    np.testing.assert_allclose(y[kept], x[kept] / 0.8, rtol=1e-15)
    np.testing.assert_array_equal(y, apply((), x, rng=random.key(3)))  # same key, same mask
    assert not np.array_equal(kept, apply((), x, rng=random.key(4)) != 0)
    np.testing.assert_array_equal(stax.Dropout(0.5, mode="test")[1]((), x, rng=KEY), x)
    with pytest.raises(ValueError, match="PRNG key"):
        apply((), x)
    # the gradient flows through the kept entries only, scaled
    g = fungrad.grad(lambda x: fnp.sum(apply((), x, rng=random.key(3))))(x)
    np.testing.assert_allclose(g, kept / 0.8, rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# Shape plumbing and combinators
# ---------------------------------------------------------------------------------------------

def test_flatten_fan_layers():
    init, apply = stax.Flatten
    assert init(None, (-1, 2, 3, 4)) == ((-1, 24), ())
    x = rand((5, 2, 3, 4))
    assert_same_as_numpy(apply((), x), x.reshape(5, 24))
    init, apply = stax.FanOut(3)
    assert init(None, (2, 3)) == ([(2, 3)] * 3, ())
    assert len(apply((), x)) == 3
    init, apply = stax.FanInSum
    a, b = rand((2, 3)), rand((2, 3), seed=1)
    assert init(None, [(2, 3), (2, 3)]) == ((2, 3), ())
    assert_same_as_numpy(apply((), [a, b, a]), a + b + a)
    init, apply = stax.FanInConcat(axis=0)
    assert init(None, [(2, 3), (4, 3)]) == ((6, 3), ())
    assert_same_as_numpy(apply((), [a, b]), np.concatenate([a, b], 0))
    assert stax.FanInConcat()[0](None, [(2, 3), (2, 1)]) == ((2, 4), ())


def test_serial_and_parallel():
    init, apply = stax.serial(stax.Dense(4), stax.Relu, stax.Dense(2))
    out_shape, params = init(KEY, (-1, 3))
    assert out_shape == (-1, 2) and len(params) == 3 and params[1] == ()
    (W1, b1), _, (W2, b2) = params
    x = rand((6, 3))
    assert_same_as_numpy(apply(params, x), np.maximum(x @ W1 + b1, 0) @ W2 + b2)
    # a residual block: FanOut, parallel branches, FanInSum
    block = stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(3), stax.Identity),
                        stax.FanInSum)
    out_shape, params = block[0](KEY, (-1, 3))
    assert out_shape == (-1, 3)
    (W, b), _ = params[1]
    assert_same_as_numpy(block[1](params, x), x @ W + b + x)
    # each layer gets its own key: two Dense layers start different
    _, ((Wa, _), (Wb, _)) = stax.serial(stax.Dense(3), stax.Dense(3))[0](KEY, (2, 3))
    assert not np.allclose(Wa, Wb)
    # rng reaches the Dropout inside, split per layer
    init, apply = stax.serial(stax.Dense(50), stax.Dropout(0.5))
    _, params = init(KEY, (4, 3))
    y1 = apply(params, x, rng=random.key(1))
    np.testing.assert_array_equal(y1, apply(params, x, rng=random.key(1)))
    assert 0.3 < np.mean(y1 == 0) < 0.7


def test_shape_dependent():
    layer = stax.shape_dependent(lambda shape: stax.Dense(shape[-1] * 2))
    out_shape, (W, b) = layer[0](KEY, (4, 3))
    assert out_shape == (4, 6) and W.shape == (3, 6)
    x = rand((4, 3))
    assert_same_as_numpy(layer[1]((W, b), x), x @ W + b)


# ---------------------------------------------------------------------------------------------
# A whole network: JAX's initial parameters for the same key, gradients, jit
# ---------------------------------------------------------------------------------------------

def test_network_init_is_jaxs():
    data = np.load(os.path.join(FIXTURES, "nn_initializers.npz"))
    init, apply = cnn(stax)
    out_shape, params = init(random.key(42), (-1, 8, 8, 1))
    assert tuple(out_shape[1:]) == tuple(data["cnn/out_shape"][1:])
    leaves = tree_util.tree_leaves(params)
    assert len(leaves) == len([k for k in data.files if k.startswith("cnn/") and
                               k != "cnn/out_shape"])
    for i, leaf in enumerate(leaves):
        np.testing.assert_allclose(leaf, data[f"cnn/{i}"], rtol=1e-12, atol=1e-15,
                                   err_msg=f"leaf {i}")


def test_network_gradients_and_jit():
    init, apply = stax.serial(stax.Conv(2, (2, 2), padding="SAME"), stax.Tanh,
                              stax.AvgPool((2, 2), (2, 2)), stax.Flatten, stax.Dense(3),
                              stax.LogSoftmax)
    _, params = init(KEY, (-1, 4, 4, 1))
    x = rand((2, 4, 4, 1))

    def loss(params):
        return -fnp.mean(apply(params, x)[:, 0])

    flat, treedef = tree_util.tree_flatten(params)
    assert_derivatives(lambda *leaves: loss(tree_util.tree_unflatten(treedef, leaves)),
                       flat, order=1)
    g = fungrad.grad(loss)(params)
    g_jit = fungrad.jit(fungrad.grad(loss))(params)
    for a, b in zip(tree_util.tree_leaves(g), tree_util.tree_leaves(g_jit)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    # the per-example log-probabilities sum to one
    np.testing.assert_allclose(np.exp(fungrad.jit(apply)(params, x)).sum(-1), 1.0, rtol=1e-13)
    assert math.isfinite(float(loss(params)))


def test_an_ensemble_by_vmap_over_keys():
    """vmap of init over split keys: a stack of networks, each what its own key gives."""
    init, apply = stax.serial(stax.Dense(3), stax.Relu, stax.Dense(2))
    keys = random.split(random.key(5), 4)
    stacked = fungrad.vmap(lambda k: init(k, (-1, 4))[1])(keys)
    x = rand((6, 4))
    outs = fungrad.vmap(apply, in_axes=(0, None))(stacked, x)
    assert outs.shape == (4, 6, 2)
    for i in range(4):
        _, params = init(keys[i], (-1, 4))
        for a, b in zip(tree_util.tree_leaves(params), tree_util.tree_leaves(stacked)):
            np.testing.assert_allclose(a, b[i], rtol=1e-14)
        np.testing.assert_allclose(outs[i], apply(params, x), rtol=1e-13)
