"""``fungrad.nn.dot_product_attention``: against a numpy reference written from the formula,
against JAX's recorded outputs (tests/fixtures/make_nn_fixtures.py), derivatives, jit, vmap
and errors."""
from __future__ import annotations

import os

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.core import current_trace_level

from helpers import assert_derivatives, assert_same_as_numpy, rand

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def np_attention(q, k, v, bias=None, mask=None, scale=None, is_causal=False):
    """softmax(q k^T * scale + bias, keeping mask) v, head by head, in loops."""
    B, T, N, H = q.shape
    S, K = k.shape[1], k.shape[2]
    scale = 1 / np.sqrt(H) if scale is None else scale
    out = np.zeros(q.shape, np.result_type(q, k, v))
    for b in range(B):
        for n in range(N):
            kv = n // (N // K)
            logits = q[b, :, n] @ k[b, :, kv].T * scale
            if bias is not None:
                logits = logits + np.broadcast_to(bias, (B, N, T, S))[b, n]
            keep = np.ones((T, S), bool)
            if mask is not None:
                keep &= np.broadcast_to(mask, (B, N, T, S))[b, n]
            if is_causal:
                keep &= np.tril(np.ones((T, S), bool))
            logits = np.where(keep, logits, -0.7 * np.finfo(np.float32).max)
            p = np.exp(logits - logits.max(-1, keepdims=True))
            out[b, :, n] = (p / p.sum(-1, keepdims=True)) @ v[b, :, kv]
    return out


def inputs(B=2, T=3, S=4, N=2, K=2, H=3, dtype=np.float64, seed=0):
    return (rand((B, T, N, H), dtype, seed), rand((B, S, K, H), dtype, seed + 1),
            rand((B, S, K, H), dtype, seed + 2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_attention_against_numpy(dtype):
    q, k, v = inputs(dtype=dtype)
    bias = rand((1, 2, 3, 4), dtype, 5)
    mask = rand((2, 1, 3, 4), seed=6) > -1.0
    for kwargs in [{}, {"scale": 0.5}, {"is_causal": True}, {"bias": bias}, {"mask": mask},
                   {"bias": bias, "mask": mask, "is_causal": True, "scale": 2.0}]:
        assert_same_as_numpy(nn.dot_product_attention(q, k, v, **kwargs),
                             np_attention(q, k, v, **kwargs), atol=1e-6)
    # grouped-query attention (4 query heads on 2 key/value heads) and multi-query (1)
    for K in (2, 1):
        q, k, v = inputs(N=4, K=K, dtype=dtype, seed=3)
        assert_same_as_numpy(nn.dot_product_attention(q, k, v, is_causal=True),
                             np_attention(q, k, v, is_causal=True), atol=1e-6)
    # without a batch axis
    assert_same_as_numpy(nn.dot_product_attention(q[0], k[0], v[0]),
                         np_attention(q[:1], k[:1], v[:1])[0], atol=1e-6)


def test_attention_matches_jax():
    data = np.load(os.path.join(FIXTURES, "nn_attention.npz"))
    q, k, v = data["q"], data["k"], data["v"]
    options = {
        "plain": {}, "scale": {"scale": 0.3}, "causal": {"is_causal": True},
        "bias": {"bias": data["bias"]}, "mask": {"mask": data["mask"]},
        "bias_mask_causal": {"bias": data["bias"], "mask": data["mask"], "is_causal": True},
        "window": {"local_window_size": (1, 0)},
        "seq_lengths": {"query_seq_lengths": data["q_len"],
                        "key_value_seq_lengths": data["kv_len"]},
    }
    for name, kwargs in options.items():
        out = nn.dot_product_attention(q, k, v, **kwargs)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, data[f"out_{name}"], rtol=2e-5, atol=2e-6,
                                   err_msg=name)
    enc, res = nn.dot_product_attention(q, k, v, is_causal=True, return_residual=True)
    np.testing.assert_allclose(enc, data["out_residual"], rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(res, data["residual"], rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(nn.dot_product_attention(q[0], k[0], v[0]),
                               data["out_unbatched"], rtol=2e-5, atol=2e-6)


def test_attention_derivatives():
    q, k, v = inputs(B=1, T=2, S=3, N=2, K=1, H=2)
    bias = rand((1, 1, 2, 3), seed=7)
    assert_derivatives(lambda q, k, v: nn.dot_product_attention(q, k, v), (q, k, v))
    assert_derivatives(lambda q, k, v, b: nn.dot_product_attention(q, k, v, bias=b,
                                                                   is_causal=True),
                       (q, k, v, bias))
    # a masked key gets no gradient
    mask = np.array([True, False, True])[None, None, None]
    g = fungrad.grad(lambda k: fnp.sum(nn.dot_product_attention(q, k, v, mask=mask) ** 2))(k)
    np.testing.assert_array_equal(g[:, 1], 0.0)


def test_attention_under_jit_and_vmap():
    q, k, v = inputs()
    expected = np_attention(q, k, v, is_causal=True)
    attend = fungrad.jit(lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=True))
    assert_same_as_numpy(attend(q, k, v), expected)
    assert_same_as_numpy(attend(q + 1.0, k, v), np_attention(q + 1.0, k, v, is_causal=True))
    # vmap over the batch axis of unbatched (T, N, H) calls
    per_example = fungrad.vmap(lambda q, k, v: nn.dot_product_attention(q, k, v,
                                                                        is_causal=True))
    assert_same_as_numpy(per_example(q, k, v), expected)


def test_attention_padding_and_window():
    q, k, v = inputs(T=4, S=4)
    q_len, kv_len = np.array([4, 2], np.int32), np.array([3, 1], np.int32)
    out = nn.dot_product_attention(q, k, v, query_seq_lengths=q_len,
                                   key_value_seq_lengths=kv_len)
    for b in range(2):
        keys = kv_len[b]
        ref = np_attention(q[b:b + 1, :q_len[b]], k[b:b + 1, :keys], v[b:b + 1, :keys])[0]
        assert_same_as_numpy(out[b, :q_len[b]], ref)
        np.testing.assert_array_equal(out[b, q_len[b]:], 0.0)  # padded queries give zeros
    # a window (left 1, right 0): the mask |t - s| limited to s in [t - 1, t]
    t, s = np.arange(4)[:, None], np.arange(4)[None]
    window = ((s <= t) & (s >= t - 1))[None, None]
    assert_same_as_numpy(nn.dot_product_attention(q, k, v, local_window_size=(1, 0)),
                         np_attention(q, k, v, mask=window))
    sym = (np.abs(s - t) <= 1)[None, None]
    assert_same_as_numpy(nn.dot_product_attention(q, k, v, local_window_size=1),
                         np_attention(q, k, v, mask=sym))


def test_attention_errors():
    q, k, v = inputs()
    cases = [
        (ValueError, "query shape", (q[..., :2], k, v), {}),
        (ValueError, "value shape", (q, k, v[:, :2]), {}),
        (ValueError, "value dtype", (q, k, v.astype(np.float32)), {}),
        (ValueError, "multiple of key/value heads", (q[:, :, :1].repeat(3, 2), k, v), {}),
        (TypeError, "mask must be a boolean", (q, k, v), {"mask": np.ones((2, 1, 3, 4))}),
        (ValueError, "4 axes", (q[0, 0], k, v), {}),
        (ValueError, "implementation", (q, k, v), {"implementation": "cudnn"}),
        (ValueError, "query_seq_lengths dtype", (q, k, v),
         {"query_seq_lengths": np.array([1, 2])}),
    ]
    for error, message, args, kwargs in cases:
        with pytest.raises(error, match=message):
            nn.dot_product_attention(*args, **kwargs)
    assert current_trace_level() == 0
