"""Count samplers: poisson, binomial, multinomial.

JAX draws these with whole-array rejection loops: every round splits one key and draws a
uniform for every element, until all elements are done. ``random_poisson`` and
``random_binomial`` are primitives running the same loops in numpy (Knuth's product of
uniforms for small means, Hormann's transformed rejection -- PTRS for Poisson, BTRS for the
binomial -- for large ones), so the same key gives JAX's samples. Counts have no derivative.

>>> import fungrad.random as random
>>> random.poisson(random.PRNGKey(0), 3.0, (5,))
array([0, 0, 4, 4, 1])
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import ShapedArray, bind, get_aval
from fungrad.prims import random_bits as rb
from fungrad.prims import xla_float32
from fungrad.prims.rules import primitive
from fungrad.random.continuous import result_shape
from fungrad.random.discrete import _check_probability, _int_dtype
from fungrad.random.gamma import _lgamma
from fungrad.random.keys import check_key

__all__ = ["poisson", "binomial", "multinomial"]


def _uniforms(key, shape, dtype):
    """A uniform [0, 1) array of ``shape`` from one key (numpy)."""
    info = np.finfo(dtype)
    bits = rb._bits_impl(key, info.bits, shape)
    return (bits // (1 << (info.bits - info.nmant))).astype(dtype) * dtype.type(2.0 ** -info.nmant)


def _next(key, num=2):
    """``num`` new keys from each key of ``key`` (``uint32[*batch, 2]``)."""
    keys = np.asarray(rb._split_impl(key, (num,)))
    return [keys[..., i, :] for i in range(num)]


def _live(done, batch: tuple, shape: tuple):
    """Which draws a rejection round may still change: those of the keys (the batch of a
    vmap) whose draws are not all done -- a batched ``while_loop`` freezes each example
    when its own loop would stop, so vmap gives the loop-of-calls' values."""
    per_key = ~np.all(done.reshape(batch + (-1,)), axis=-1)
    return per_key.reshape(batch + (1,) * (len(shape) - len(batch)))


# ---------------------------------------------------------------------------- poisson

def _poisson_knuth(key, lam, shape):
    k = np.zeros(shape, np.int64)
    log_prod = np.zeros(shape, np.float32)
    batch = np.shape(key)[:-1]
    while np.any(log_prod > -lam):  # (done draws stay done: no freezing needed)
        key, subkey = _next(key)
        k = np.where(log_prod > -lam, k + 1, k)
        u = _uniforms(subkey, shape[len(batch):], np.dtype(np.float32))
        log_prod = log_prod + xla_float32.log32(u)
    return k - 1


def _poisson_rejection(key, lam, shape):
    f32 = np.float32
    log_lam = np.log(lam)
    b = f32(0.931) + f32(2.53) * np.sqrt(lam)
    a = f32(-0.059) + f32(0.02483) * b
    inv_alpha = f32(1.1239) + f32(1.1328) / (b - f32(3.4))
    v_r = f32(0.9277) - f32(3.6224) / (b - f32(2))
    k_out = np.full(shape, -1, np.float32)
    accepted = np.zeros(shape, bool)
    batch = np.shape(key)[:-1]
    while not np.all(accepted):
        live = _live(accepted, batch, shape)
        key, k0, k1 = _next(key, 3)
        u = _uniforms(k0, shape[len(batch):], np.dtype(f32)) - f32(0.5)
        v = _uniforms(k1, shape[len(batch):], np.dtype(f32))
        u_shifted = f32(0.5) - np.abs(u)
        k = np.floor((f32(2) * a / u_shifted + b) * u + lam + f32(0.43))
        s = np.log(v * inv_alpha / (a / (u_shifted * u_shifted) + b))
        t = -lam + k * log_lam - _lgamma(k + 1).astype(f32)
        accept1 = (u_shifted >= f32(0.07)) & (v <= v_r)
        reject = (k < 0) | ((u_shifted < f32(0.013)) & (v > u_shifted))
        accept = (accept1 | (~reject & (s <= t))) & live
        k_out = np.where(accept, k, k_out)
        accepted |= accept
    return k_out.astype(np.int64)


def _poisson_impl(key, lam, dtype):
    lam = np.asarray(lam, np.float32)
    shape = lam.shape
    with np.errstate(all="ignore"):
        use_knuth = np.isnan(lam) | (lam < 10)
        small = _poisson_knuth(key, np.where(use_knuth, lam, np.float32(0)), shape)
        large = _poisson_rejection(key, np.where(use_knuth, np.float32(1e5), lam), shape)
    out = np.where(use_knuth, small, large)
    out = np.where(lam == 0, 0, out).astype(dtype)
    return out if out.ndim else out[()]


random_poisson_p = primitive(
    "random_poisson", _poisson_impl,
    lambda key, lam, dtype: ShapedArray(lam.shape, dtype), nondiff=True)


def _batch_count_sampler(prim):
    """vmap of a count sampler: the keys and parameters with the batch axis in front (an
    unbatched one broadcast), then the impl's rejection loops run once over the whole
    batch, each example frozen when its own loop ends: the loop-of-calls' values."""
    def batch(args, batched, size, **params):
        key, *values = args
        shape = get_aval(values[0]).shape[1:] if batched[1] else get_aval(values[0]).shape
        key = key if batched[0] else fnp.broadcast_to(key, (size,) + get_aval(key).shape)
        values = [v if b else fnp.broadcast_to(v, (size,) + shape)
                  for v, b in zip(values, batched[1:])]
        return bind(prim, key, *values, **params), True
    prim.batch = batch


def poisson(key, lam, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Poisson samples with mean ``lam`` (int64 by default). As in JAX, ``lam`` is taken in
    float32.

    >>> import fungrad.random as random
    >>> random.poisson(random.PRNGKey(1), np.array([0.5, 50.0]))
    array([ 0, 51])
    """
    data, _ = check_key("poisson", key)
    dtype = _int_dtype("poisson", dtype)
    shape = result_shape("poisson", shape, lam)
    if not hasattr(lam, "aval") and np.any(np.asarray(lam) < 0):
        raise ValueError(f"poisson: lam must be non-negative, got {lam!r}")
    lam = fnp.astype(fnp.broadcast_to(fnp.asarray(lam), shape), np.float32)
    return bind(random_poisson_p, data, lam, dtype=dtype)


# ---------------------------------------------------------------------------- binomial

_STIRLING_TAIL = np.array([0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                           0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                           0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                           0.00833056343336287])


def _stirling_tail(k):
    dtype = k.dtype
    table = _STIRLING_TAIL.astype(dtype)
    use_table = k <= 9
    k = np.clip(k, dtype.type(0), dtype.type(9))
    kp1sq = (k + 1) * (k + 1)
    approx = (dtype.type(1.0 / 12) - (dtype.type(1.0 / 360) - dtype.type(1.0 / 1260) / kp1sq)
              / kp1sq) / (k + 1)
    return np.where(use_table, table[np.floor(k).astype(np.int32)], approx)


def _binomial_inversion(key, count, prob, shape):
    log1minusprob = np.log1p(-prob)
    num_geom = np.zeros(shape, prob.dtype)
    geom_sum = np.zeros(shape, prob.dtype)
    batch = np.shape(key)[:-1]
    while np.any(geom_sum <= count):  # (done draws stay done: no freezing needed)
        subkey, key = _next(key)
        num_geom = np.where(geom_sum <= count, num_geom + 1, num_geom)
        u = _uniforms(subkey, shape[len(batch):], prob.dtype)
        geom_sum = geom_sum + np.ceil(np.log(u) / log1minusprob)
    return num_geom - 1


def _btrs(key, count, prob, shape):
    dt = prob.dtype.type
    stddev = np.sqrt(count * prob * (1 - prob))
    b = dt(1.15) + dt(2.53) * stddev
    a = dt(-0.0873) + dt(0.0248) * b + dt(0.01) * prob
    c = count * prob + dt(0.5)
    v_r = dt(0.92) - dt(4.2) / b
    r = prob / (1 - prob)
    alpha = (dt(2.83) + dt(5.1) / b) * stddev
    m = np.floor((count + 1) * prob)
    k_out = np.full(shape, -1, prob.dtype)
    accepted = np.zeros(shape, bool)
    batch = np.shape(key)[:-1]
    while not np.all(accepted):
        live = _live(accepted, batch, shape)
        key, k0, k1 = _next(key, 3)
        u = _uniforms(k0, shape[len(batch):], prob.dtype) - dt(0.5)
        v = _uniforms(k1, shape[len(batch):], prob.dtype)
        us = dt(0.5) - np.abs(u)
        accept1 = (us >= dt(0.07)) & (v <= v_r)
        k = np.floor((2 * a / us + b) * u + c)
        reject = (k < 0) | (k > count)
        v = np.log(v * alpha / (a / (us * us) + b))
        ub = ((m + dt(0.5)) * np.log((m + 1) / (r * (count - m + 1)))
              + (count + 1) * np.log((count - m + 1) / (count - k + 1))
              + (k + dt(0.5)) * np.log(r * (count - k + 1) / (k + 1))
              + _stirling_tail(m) + _stirling_tail(count - m)
              - _stirling_tail(k) - _stirling_tail(count - k))
        accept = (accept1 | (~reject & (v <= ub))) & live
        k_out = np.where(accept, k, k_out)
        accepted |= accept
    return k_out


def _binomial_impl(key, count, prob):
    prob = np.asarray(prob)
    count = np.asarray(count, prob.dtype)
    shape = prob.shape
    dt = prob.dtype.type
    with np.errstate(all="ignore"):
        p_lt_half = prob < 0.5
        q = np.where(p_lt_half, prob, dt(1) - prob)
        count_nan_or_neg = np.isnan(count) | (count < 0)
        count_inf = np.isinf(count)
        q_is_nan = np.isnan(q)
        q_l_0 = q < 0
        q = np.where(q_is_nan | q_l_0, dt(0.01), q)
        use_inversion = count_nan_or_neg | (count * q <= 10)
        count = np.floor(count)
        count_inv = np.where(use_inversion, count, dt(0))
        count_btrs = np.where(use_inversion, dt(1e4), count)
        q_btrs = np.where(use_inversion, dt(0.5), q)
        samples = np.where(use_inversion, _binomial_inversion(key, count_inv, q, shape),
                           _btrs(key, count_btrs, q_btrs, shape))
        invalid = q_l_0 | q_is_nan | count_nan_or_neg
        samples = np.where(invalid, dt(np.nan), samples)
        samples = np.where(count_inf & ~invalid, dt(np.inf), samples)
        samples = np.where(p_lt_half | count_nan_or_neg | q_is_nan | count_inf, samples,
                           count - samples)
    samples = samples.astype(prob.dtype)
    return samples if samples.ndim else samples[()]


random_binomial_p = primitive("random_binomial", _binomial_impl,
                              lambda key, n, p: ShapedArray(p.shape, p.dtype), nondiff=True)
_batch_count_sampler(random_poisson_p)
_batch_count_sampler(random_binomial_p)


def binomial(key, n, p, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Binomial samples: successes in ``n`` trials of probability ``p`` (as floats, in p's
    float dtype, as in JAX).

    >>> import fungrad.random as random
    >>> random.binomial(random.PRNGKey(0), 10.0, 0.5, (4,))
    array([4., 7., 6., 6.])
    """
    data, _ = check_key("binomial", key)
    _check_probability("binomial", p)
    shape = result_shape("binomial", shape, n, p)
    p = fnp.asarray(p)
    dtype = np.dtype(dtype) if dtype is not None else \
        (get_aval(p).dtype if get_aval(p).dtype.kind == "f" else np.dtype(np.float64))
    p = fnp.broadcast_to(fnp.astype(p, dtype), shape)
    n = fnp.broadcast_to(fnp.astype(fnp.asarray(n), dtype), shape)
    return bind(random_binomial_p, data, n, p)


def multinomial(key, n, p, *, shape: Sequence[int] | None = None, dtype=None,
                unroll: int | bool = 1) -> Any:
    """Multinomial counts of ``n`` trials over the categories of ``p``'s last axis: one
    binomial per category on what the earlier ones left (JAX's scan).

    >>> import fungrad.random as random
    >>> c = random.multinomial(random.PRNGKey(0), 20.0, np.array([0.2, 0.3, 0.5]))
    >>> float(c.sum())
    20.0
    """
    data, _ = check_key("multinomial", key)
    _check_probability("multinomial", p)
    p = fnp.asarray(p)
    p_dtype = get_aval(p).dtype if get_aval(p).dtype.kind == "f" else np.dtype(np.float64)
    p = fnp.astype(p, p_dtype)
    shape = tuple(get_aval(p).shape) if shape is None else tuple(shape)
    remainder = fnp.broadcast_to(fnp.astype(fnp.asarray(n), p_dtype), shape[:-1])
    p = fnp.moveaxis(fnp.broadcast_to(p, shape), -1, 0)
    remaining = fnp.flip(fnp.cumsum(fnp.flip(p, 0), axis=0), 0)
    ratios = p / fnp.where(remaining == 0, p_dtype.type(1), remaining)
    keys = rb.random_split(data, (shape[-1],))
    counts = []
    for i in range(shape[-1]):
        ratio = fnp.clip(ratios[i], 0, 1)
        count = bind(random_binomial_p, keys[i], remainder,
                     fnp.broadcast_to(ratio, shape[:-1]))
        remainder = remainder - count
        counts.append(count)
    out = fnp.stack(counts, axis=-1)
    return out if dtype is None else fnp.astype(out, dtype)
