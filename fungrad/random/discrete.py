"""Discrete samplers: integers, booleans, permutations and choices, from random bits.

``randint`` reduces two words of bits modulo the span (JAX's construction, with its slight
bias for spans that are not powers of two); ``permutation`` sorts by random bits (a stable
sort, so equal bits keep their order, as in JAX); ``choice`` and ``categorical`` are built
on those and on the Gumbel-max trick.

>>> import fungrad.random as random
>>> random.randint(random.PRNGKey(0), (4,), 0, 10)
array([5, 1, 5, 7])
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import Tracer, get_aval
from fungrad.prims import random_bits as rb
from fungrad.random.continuous import (
    gumbel_floats, result_shape, shape_of, uniform_floats,
)
from fungrad.random.keys import canonical_shape, check_key, describe

__all__ = ["randint", "bernoulli", "rademacher", "permutation", "choice", "categorical",
           "geometric"]

_UNSIGNED = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}


def _int_dtype(name: str, dtype) -> np.dtype:
    try:
        dtype = np.dtype(np.int64 if dtype is None else dtype)
    except TypeError:
        raise TypeError(f"{name}: {dtype!r} is not a dtype") from None
    if dtype.kind not in "iu":
        raise TypeError(f"{name} only accepts integer dtypes, got {dtype}")
    return dtype


def _clip_to(x, dtype: np.dtype):
    """``x`` (an integer array) converted to ``dtype``, clipped to its range, not wrapped."""
    src = np.iinfo(get_aval(x).dtype)
    dst = np.iinfo(dtype)
    lo, hi = max(dst.min, src.min), min(dst.max, src.max)
    if lo > src.min or hi < src.max:
        x = fnp.clip(x, np.asarray(lo, src.dtype), np.asarray(hi, src.dtype))
    return fnp.astype(x, dtype)


def _as_int(x):
    x = fnp.asarray(x)
    return x if get_aval(x).dtype.kind in "iu" else fnp.astype(x, np.int64)


def randint(key, shape: Sequence[int], minval, maxval, dtype=None) -> Any:
    """Uniform integers in ``[minval, maxval)`` (int64 by default, numpy's int).

    >>> import fungrad.random as random
    >>> random.randint(random.PRNGKey(1), (3,), -5, 5)
    array([3, 0, 0])
    """
    data, _ = check_key("randint", key)
    dtype = _int_dtype("randint", dtype)
    shape = result_shape("randint", shape, minval, maxval)
    sample_dtype = dtype if dtype.itemsize >= 4 else np.dtype(np.int32)
    minval, maxval = _as_int(minval), _as_int(maxval)
    if sample_dtype != dtype:  # 8- and 16-bit results: sampled at 32 bits, then cast
        info = np.iinfo(dtype)
        minval = fnp.clip(fnp.astype(minval, np.int32), int(info.min), int(info.max))
        maxval = fnp.clip(fnp.astype(maxval, np.int32), int(info.min), int(info.max) + 1)
    return fnp.astype(_randint(data, shape, minval, maxval, sample_dtype), dtype)


def _randint(data, shape, minval, maxval, dtype):
    nbits = dtype.itemsize * 8
    unsigned = np.dtype(_UNSIGNED[nbits])
    top = np.iinfo(dtype).max
    # maxval above the dtype's range stands for "up to and including the largest value"
    maxval_dtype = get_aval(maxval).dtype
    maxval_out_of_range = fnp.greater(
        maxval, np.asarray(min(top, np.iinfo(maxval_dtype).max), maxval_dtype))
    minval, maxval = _clip_to(minval, dtype), _clip_to(maxval, dtype)
    keys = rb.random_split(data, (2,))
    higher_bits = rb.random_bits(keys[0], nbits, shape)
    lower_bits = rb.random_bits(keys[1], nbits, shape)
    with np.errstate(over="ignore"):  # unsigned arithmetic wraps, as intended
        span = fnp.astype(maxval - minval, unsigned)
        span = fnp.where(maxval <= minval, unsigned.type(1), span)
        span = fnp.where(fnp.logical_and(maxval_out_of_range, maxval > minval),
                         span + unsigned.type(1), span)
        # (higher * 2**nbits + lower) mod span, from the two words mod span
        multiplier = fnp.remainder(unsigned.type(2 ** (nbits // 2)), span)
        multiplier = fnp.remainder(multiplier * multiplier, span)
        offset = fnp.remainder(higher_bits, span) * multiplier + fnp.remainder(lower_bits, span)
        offset = fnp.remainder(offset, span)
        return minval + fnp.astype(offset, dtype)


def _check_probability(name: str, p) -> None:
    if isinstance(p, Tracer):
        return  # a traced probability cannot be checked here
    values = np.asarray(p)
    if values.size and (np.any(values < 0) | np.any(values > 1)):
        raise ValueError(f"{name}: probabilities must lie in [0, 1], got {values!r}")


def bernoulli_draws(data, p, shape):
    dtype = get_aval(p).dtype if not isinstance(p, (int, float)) else np.dtype(np.float64)
    return uniform_floats(data, shape, dtype) < p


def bernoulli(key, p=0.5, shape: Sequence[int] | None = None, mode: str = "low") -> Any:
    """Booleans that are True with probability ``p`` (``uniform < p``, in p's dtype).

    >>> import fungrad.random as random
    >>> random.bernoulli(random.PRNGKey(0), 0.5, (4,))
    array([ True,  True, False, False])
    """
    data, _ = check_key("bernoulli", key)
    if mode not in ("low", "high"):
        raise ValueError(f"bernoulli: mode must be 'high' or 'low', got {mode!r}")
    if isinstance(p, (list, tuple)):
        p = np.asarray(p)
    if not isinstance(p, float) and get_aval(p).dtype.kind != "f":
        raise TypeError(f"bernoulli: the probability p must have a floating dtype, got "
                        f"{describe(p)}")
    _check_probability("bernoulli", p)
    shape = result_shape("bernoulli", shape, p)
    if mode == "high":
        dtype = np.dtype(np.float64) if isinstance(p, float) else get_aval(p).dtype
        both = uniform_floats(data, (2,) + shape, dtype)
        return both[1] * dtype.type(2.0 ** -np.finfo(dtype).nmant) < p - both[0]
    return bernoulli_draws(data, p, shape)


def rademacher(key, shape: Sequence[int] = (), dtype=None) -> Any:
    """-1 or +1 with equal probability.

    >>> import fungrad.random as random
    >>> random.rademacher(random.PRNGKey(0), (4,))
    array([ 1.,  1., -1., -1.])
    """
    data, _ = check_key("rademacher", key)
    dtype = np.dtype(np.float64 if dtype is None else dtype)
    shape = canonical_shape("rademacher", shape)
    b = fnp.astype(bernoulli_draws(data, 0.5, shape), dtype)
    return fnp.astype(2 * b - 1, dtype)


def _shuffle(data, x, axis: int):
    """``x`` sorted along ``axis`` by random bits, in as many rounds as make collisions of
    32-bit sort keys negligible (JAX's rule)."""
    size = int(math.prod(shape_of(x)))
    rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        keys = rb.random_split(data, (2,))
        data, subkey = keys[0], keys[1]
        sort_keys = rb.random_bits(subkey, 32, shape_of(x))
        x = fnp.take_along_axis(x, fnp.argsort(sort_keys, axis=axis), axis=axis)
    return x


def _axis(name: str, axis, ndim: int) -> int:
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"{name}: axis {axis!r} is out of bounds for an array of dimension "
                         f"{ndim}")
    return int(axis) % max(ndim, 1)


def permutation(key, x, axis: int = 0, independent: bool = False) -> Any:
    """A random permutation of ``arange(x)`` (an int ``x``) or of ``x`` along ``axis``;
    ``independent=True`` shuffles each slice along ``axis`` on its own.

    >>> import fungrad.random as random
    >>> random.permutation(random.PRNGKey(0), 5)
    array([0, 1, 4, 3, 2])
    """
    data, _ = check_key("permutation", key)
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    aval = get_aval(x)
    axis = _axis("permutation", axis, aval.ndim)
    if not aval.ndim:
        if aval.dtype.kind not in "iu":
            raise TypeError(f"permutation: x must be an integer or at least 1-dimensional, "
                            f"got {aval.str_short()}")
        return _shuffle(data, fnp.arange(int(x)), 0)
    if independent or aval.ndim == 1:
        return _shuffle(data, x, axis)
    order = _shuffle(data, fnp.arange(aval.shape[axis]), 0)
    return fnp.take(x, order, axis=axis)


def choice(key, a, shape: Sequence[int] = (), replace: bool = True, p=None,
           axis: int = 0, mode: str | None = None) -> Any:
    """Random samples from ``a`` (an array, or ``arange(a)`` for an int), with or without
    replacement, uniformly or with probabilities ``p``.

    >>> import fungrad.random as random
    >>> random.choice(random.PRNGKey(0), 10, (3,), replace=False)
    array([0, 1, 8])
    """
    data, _ = check_key("choice", key)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"choice: shape must be a sequence, got {shape!r}")
    shape = canonical_shape("choice", shape)
    if isinstance(a, (list, tuple)):
        a = np.asarray(a)
    aval = get_aval(a)
    if aval.ndim == 0:
        if aval.dtype.kind not in "iu":
            raise TypeError(f"choice: a must be an integer or an array, got {aval.str_short()}")
        n_inputs = int(a)
    else:
        axis = _axis("choice", axis, aval.ndim)
        n_inputs = aval.shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return fnp.zeros(shape, dtype=aval.dtype)
    if n_inputs <= 0:
        raise ValueError("choice: a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"choice: cannot take a larger sample (size {n_draws}) than the "
                         f"population (size {n_inputs}) when replace=False")
    if p is None:
        if replace:
            ind = _randint(data, shape, np.int64(0), np.int64(n_inputs), np.dtype(np.int64))
            result = ind if aval.ndim == 0 else fnp.take(a, ind, axis=axis)
        else:
            perm = permutation(data, n_inputs if aval.ndim == 0 else a, axis)
            index = (slice(None),) * (axis if aval.ndim else 0) + (slice(n_draws),)
            result = perm[index]
    else:
        if isinstance(p, (list, tuple)):
            p = np.asarray(p, np.float64)
        _check_probability("choice", p)
        p_dtype = get_aval(p).dtype
        p = fnp.astype(p, p_dtype if p_dtype.kind == "f" else np.float64)
        if shape_of(p) != (n_inputs,):
            raise ValueError(f"choice: p must be None or a 1D vector with the same size as "
                             f"a.shape[axis]; p has shape {shape_of(p)} and a.shape[axis] is "
                             f"{n_inputs}")
        dtype = get_aval(p).dtype
        if replace:
            p_cuml = fnp.cumsum(p)
            r = p_cuml[-1] * (1 - uniform_floats(data, shape, dtype))
            # searchsorted(p_cuml, r, side="left"): how many cumulative sums lie below r
            ind = fnp.sum(fnp.astype(p_cuml < fnp.expand_dims(r, -1), np.int64), axis=-1)
        else:
            g = gumbel_floats(data, (n_inputs,), dtype, mode or "low") + fnp.log(p)
            ind = fnp.argsort(-g)[:n_draws]  # top_k: the largest first, ties by position
        result = ind if aval.ndim == 0 else fnp.take(a, ind, axis=axis)
    out_shape = shape if aval.ndim == 0 else \
        aval.shape[:axis] + tuple(shape) + aval.shape[axis + 1:]
    return fnp.reshape(result, out_shape)


def categorical(key, logits, axis: int = -1, shape: Sequence[int] | None = None,
                replace: bool = True, mode: str | None = None) -> Any:
    """Category indices drawn with probabilities ``softmax(logits, axis)`` (Gumbel-max).

    >>> import fungrad.random as random
    >>> random.categorical(random.PRNGKey(0), np.log(np.array([0.1, 0.9])), shape=(5,))
    array([1, 0, 1, 1, 1])
    """
    data, _ = check_key("categorical", key)
    if isinstance(logits, (list, tuple)):
        logits = np.asarray(logits)
    aval = get_aval(logits)
    if aval.ndim == 0:
        raise ValueError("categorical: logits must have at least one dimension")
    axis = _axis("categorical", axis, aval.ndim)
    dtype = aval.dtype if aval.dtype.kind == "f" else np.dtype(np.float64)
    batch_shape = aval.shape[:axis] + aval.shape[axis + 1:]
    shape = batch_shape if shape is None else result_shape("categorical", shape,
                                                           np.empty(batch_shape))
    prefix = shape[:len(shape) - len(batch_shape)]
    if replace:
        axis_neg = axis - aval.ndim
        logits_shape = list(shape[len(shape) - len(batch_shape):])
        logits_shape.insert(axis_neg % aval.ndim, aval.shape[axis])
        g = gumbel_floats(data, tuple(prefix) + tuple(logits_shape), dtype, mode or "low")
        expanded = fnp.reshape(logits, (1,) * len(prefix) + aval.shape)
        return fnp.argmax(g + expanded, axis=axis_neg)
    k = math.prod(prefix)
    if k > aval.shape[axis]:
        raise ValueError(f"categorical: the number of samples without replacement ({k}) "
                         f"cannot exceed the number of categories ({aval.shape[axis]})")
    perturbed = logits + gumbel_floats(data, aval.shape, dtype, mode or "low")
    order = fnp.argsort(-fnp.moveaxis(perturbed, axis, -1), axis=-1)[..., :k]
    order = fnp.moveaxis(order, -1, 0)
    return fnp.reshape(order, shape)


def geometric(key, p, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Geometric samples: the number of Bernoulli(p) trials up to the first success.

    >>> import fungrad.random as random
    >>> random.geometric(random.PRNGKey(0), 0.5, (4,))
    array([2, 3, 1, 1])
    """
    data, _ = check_key("geometric", key)
    dtype = _int_dtype("geometric", dtype)
    _check_probability("geometric", p)
    shape = result_shape("geometric", shape, p)
    p_dtype = np.dtype(np.float64) if isinstance(p, (int, float)) else get_aval(p).dtype
    p_dtype = p_dtype if p_dtype.kind == "f" else np.dtype(np.float64)
    u = uniform_floats(data, shape, p_dtype)
    u = fnp.where(u == 0, p_dtype.type(1), u)
    log_one_minus_p = fnp.broadcast_to(fnp.log1p(-fnp.astype(fnp.asarray(p), p_dtype)), shape)
    return fnp.astype(fnp.floor(fnp.log(u) / log_one_minus_p) + 1, dtype)
