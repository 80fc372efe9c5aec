"""``jax.nn.dot_product_attention``: softmax(Q K^T * scale + bias, masked) V, per head.

Shapes use JAX's letters: B batch, T query length, S key/value length, N query heads, K
key/value heads (N a multiple of K: grouped-query attention), H head size.

>>> import numpy as np
>>> from fungrad import nn
>>> q = k = v = np.ones((2, 1, 4))  # T=2, N=1, H=4 (no batch axis)
>>> nn.dot_product_attention(q, k, v).shape
(2, 1, 4)
"""
from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad.api import stop_gradient
from fungrad.nn.functions import logsumexp, softmax


def _large_negative(dtype) -> float:
    """JAX's stand-in for -inf on masked logits: finite, so a fully masked row averages
    evenly instead of turning into NaN."""
    return -0.7 * float(min(np.finfo(dtype).max, np.finfo(np.float32).max))


def _as_4d(name: str, t, expected: str):
    t = fnp.asarray(t)
    if fnp.ndim(t) not in (3, 4):
        raise ValueError(f"fungrad.nn.dot_product_attention: {name} must have shape "
                         f"{expected} (4 axes, or 3 without the batch axis), got shape "
                         f"{fnp.shape(t)}")
    return fnp.expand_dims(t, 0) if fnp.ndim(t) == 3 else t


def _bias_or_mask_4d(name: str, t, bool_expected: bool):
    t = fnp.asarray(t)
    if bool_expected and fnp.result_type(t) != np.bool_:
        raise TypeError(f"fungrad.nn.dot_product_attention: mask must be a boolean array "
                        f"(True where attention is allowed; pass additive masks as bias), got "
                        f"{fnp.result_type(t)} of shape {fnp.shape(t)}")
    if fnp.ndim(t) > 4:
        raise ValueError(f"fungrad.nn.dot_product_attention: {name} must broadcast to "
                         f"(B, N, T, S), got shape {fnp.shape(t)}")
    return fnp.reshape(t, (1,) * (4 - fnp.ndim(t)) + tuple(fnp.shape(t)))


def _check(name: str, t, shape, dtype=None) -> None:
    """JAX's checks on the 4-d operands: ``shape`` with -1 for 'any'."""
    if dtype is not None and fnp.result_type(t) != dtype:
        raise ValueError(f"fungrad.nn.dot_product_attention: {name} dtype should be {dtype}, "
                         f"but got {fnp.result_type(t)}")
    if len(fnp.shape(t)) != len(shape) or any(
            want != -1 and got != want for got, want in zip(fnp.shape(t), shape)):
        raise ValueError(f"fungrad.nn.dot_product_attention: {name} shape should be "
                         f"{tuple(shape)} (-1: any), but got {fnp.shape(t)}")


def dot_product_attention(query, key, value, bias=None, mask=None, *, scale: float | None = None,
                          is_causal: bool = False, query_seq_lengths=None,
                          key_value_seq_lengths=None,
                          local_window_size: int | tuple[int, int] | None = None,
                          implementation: str | None = None, return_residual: bool = False):
    """Scaled dot-product attention, as ``jax.nn.dot_product_attention``.

    ``query`` is (B, T, N, H) or (T, N, H); ``key`` and ``value`` (B, S, K, H) or (S, K, H).
    ``scale`` defaults to 1/sqrt(H). ``bias`` is added to the logits and ``mask`` (bool, True
    = attend) keeps logits; both broadcast to (B, N, T, S). ``is_causal`` lets query t see
    keys s <= t; ``local_window_size`` (left, right) keeps t - left <= s <= t + right;
    ``query_seq_lengths`` / ``key_value_seq_lengths`` (int32, shape (B,)) mask padding (the
    padded query rows come out zero). Masked logits become a large negative number, as in
    JAX. With ``return_residual`` it also returns the logsumexp of the logits, (B, T, N).
    Unlike JAX, the softmax runs in the inputs' own precision (JAX computes it in float32
    for its half-precision types, which fungrad does not have).

    >>> q = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])  # T=2, N=1, H=2
    >>> k = q
    >>> v = np.array([[[1.0, 0.0]], [[0.0, 2.0]]])
    >>> dot_product_attention(q, k, v, scale=0.0)  # uniform weights: the mean of v
    array([[[0.5, 1. ]],
    <BLANKLINE>
           [[0.5, 1. ]]])
    >>> dot_product_attention(q, k, v, scale=0.0, is_causal=True)[:, 0]  # t=0 sees only s=0
    array([[1. , 0. ],
           [0.5, 1. ]])
    """
    if implementation not in (None, "xla"):
        raise ValueError(f"fungrad.nn.dot_product_attention: unsupported implementation "
                         f"{implementation!r}; fungrad has one (None or 'xla')")
    output_shape = fnp.shape(query)
    q = _as_4d("query", query, "(B, T, N, H)")
    k = _as_4d("key", key, "(B, S, K, H)")
    v = _as_4d("value", value, "(B, S, K, H)")
    B, S, K, H = fnp.shape(k)
    _check("value", v, (B, S, K, H), fnp.result_type(k))
    _check("query", q, (B, -1, -1, H), fnp.result_type(k))
    T, N = fnp.shape(q)[1:3]
    if N % K:
        raise ValueError(f"fungrad.nn.dot_product_attention: the number of query heads must "
                         f"be a multiple of key/value heads, but got {N} vs {K}")
    if N != K:  # grouped-query attention: query head n reads key/value head n // (N / K)
        k = fnp.repeat(k, N // K, axis=2)
        v = fnp.repeat(v, N // K, axis=2)
    scale = 1.0 / math.sqrt(H) if scale is None else scale

    logits = fnp.einsum("BTNH,BSNH->BNTS", q, k) * scale
    if bias is not None:
        logits = logits + _bias_or_mask_4d("bias", bias, False)
    keep = _combined_mask(mask, is_causal, local_window_size, query_seq_lengths,
                          key_value_seq_lengths, B, T, S)
    if keep is not None:
        logits = fnp.where(keep, logits, _large_negative(fnp.result_type(logits)))
    probs = softmax(logits, axis=-1)
    encoded = fnp.einsum("BNTS,BSNH->BTNH", probs, v)
    if query_seq_lengths is not None:
        rows = fnp.less(np.arange(T)[None, :, None, None],
                        fnp.reshape(query_seq_lengths, (B, 1, 1, 1)))
        encoded = encoded * fnp.astype(rows, fnp.result_type(encoded))
    encoded = fnp.reshape(encoded, output_shape)
    if not return_residual:
        return encoded
    residual = fnp.transpose(logsumexp(logits, axis=-1), (0, 2, 1))  # B N T -> B T N
    return encoded, stop_gradient(fnp.reshape(residual, output_shape[:-1]))


def _combined_mask(mask, is_causal, local_window_size, q_lengths, kv_lengths, B, T, S):
    """The (broadcastable to B N T S) boolean mask of the logits to keep, or None."""
    keep = None

    def both(a, b):
        return b if a is None else fnp.logical_and(a, b)

    if mask is not None:
        keep = both(keep, _bias_or_mask_4d("mask", mask, True))
    t = np.arange(T)[:, None]
    s = np.arange(S)[None, :]
    if is_causal:
        keep = both(keep, (s <= t)[None, None])
    if local_window_size is not None:
        if isinstance(local_window_size, (int, np.integer)):
            local_window_size = (local_window_size, local_window_size)
        left, right = local_window_size
        keep = both(keep, ((t <= s + left) & (t >= s - right))[None, None])
    for name, lengths, positions in (("query_seq_lengths", q_lengths, t),
                                     ("key_value_seq_lengths", kv_lengths, s)):
        if lengths is not None:
            lengths = fnp.asarray(lengths)
            _check(name, lengths, (B,), np.dtype(np.int32))
            keep = both(keep, fnp.less(positions[None, None], fnp.reshape(lengths, (B, 1, 1, 1))))
    return keep
