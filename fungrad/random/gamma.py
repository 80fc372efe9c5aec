"""Gamma samples and the samplers built on them: loggamma, beta, dirichlet, chisquare, t, f,
generalized_normal, ball.

``random_gamma`` is a primitive: Marsaglia and Tsang's rejection sampler ("A simple method
for generating gamma variables", ACM TOMS 2000), with JAX's boost for ``a < 1`` and JAX's
key schedule (one key per element, split once per proposal), run in numpy on all elements
at once, the rejected ones drawing again. Its derivative with respect to ``a`` is the
implicit reparameterisation gradient (Figurnov et al., NeurIPS 2018; JAX's
``random_gamma_grad``): holding the CDF ``P(a, x) = u`` fixed, ``dx/da = -(dP/da) / (dP/dx)``.

>>> import fungrad.random as random
>>> random.gamma(random.PRNGKey(0), 2.0, (3,))
array([1.3520308 , 1.12435945, 3.73240416])
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import ShapedArray, bind, get_aval
from fungrad.prims import random_bits as rb
from fungrad.prims import special
from fungrad.prims import xla_float32
from fungrad.prims.elementwise import div, exp, mul
from fungrad.prims.rules import batch_elementwise, defjvp, defvjp, primitive
from fungrad.prims.structural import broadcast_to
from fungrad.random.continuous import (
    cast, exp as jax_exp, float_dtype, normal_floats, prepare, result_shape, shape_of,
)
from fungrad.random.keys import canonical_shape, check_key

__all__ = ["gamma", "loggamma", "beta", "dirichlet", "chisquare", "t", "f",
           "generalized_normal", "ball", "random_gamma_p"]


# ---------------------------------------------------------------------------- numpy draws

def _unit(keys, dtype):
    """One uniform [0, 1) sample per key (numpy, any batch of keys)."""
    info = np.finfo(dtype)
    bits = rb._bits_impl(keys, info.bits, ())
    return (bits // (1 << (info.bits - info.nmant))).astype(dtype) * dtype.type(2.0 ** -info.nmant)


def _normal(keys, dtype):
    lo = np.nextafter(dtype.type(-1), dtype.type(0))
    u = np.maximum(lo, _unit(keys, dtype) * dtype.type(2) + lo)  # the span is exactly 2
    return dtype.type(math.sqrt(2)) * special._erf_inv_impl(u)


def _split(keys, num: int):
    out = rb._split_impl(keys, (num,))
    return [out[..., i, :] for i in range(num)]


def _gamma_one_each(keys, alpha, log_space: bool):
    """JAX's ``_gamma_one`` for every (key, alpha) pair at once: keys ``(n, 2)``, alpha
    ``(n,)``; rejected proposals are redrawn for the elements that need them only."""
    dtype = alpha.dtype
    if dtype == np.float32:  # JAX's float32 rounding: XLA's log, and its fused multiply-adds
        log, log1p, fma = xla_float32.log32, xla_float32.log1p32, xla_float32.fma32
    else:
        log, log1p, fma = np.log, np.log1p, lambda a, b, c: a * b + c
    one, third = dtype.type(1), dtype.type(1 / 3)
    boost = alpha >= one
    shifted = np.where(boost, alpha, alpha + one)
    d = shifted - third
    # correctly rounded; XLA computes (1/3) * rsqrt(d) with the CPU's approximate rsqrt
    # instruction plus Newton steps, which can land an ulp away (the values differ
    # between CPU makes), and then float32 samples differ from JAX's by a few ulp
    c = third / np.sqrt(d)
    key, subkey = _split(keys, 2)
    V = np.ones_like(alpha)
    todo = np.arange(alpha.shape[0])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        while todo.size:
            key_t, x_key, u_key = _split(key[todo], 3)
            key[todo] = key_t
            x = np.zeros(todo.size, dtype)
            v = -np.ones(todo.size, dtype)
            redo = np.arange(todo.size)
            while redo.size:  # a proposal needs v = (1 + c x)^... > 0
                x_key_r, sub = _split(x_key[redo], 2)
                x_key[redo] = x_key_r
                x[redo] = _normal(sub, dtype)
                v[redo] = fma(x[redo], c[todo[redo]], one)
                redo = redo[v[redo] <= 0]
            X = x * x
            V_t = v * v * v
            U = _unit(u_key, dtype)
            dd = d[todo]
            reject = (U >= one - dtype.type(0.0331) * (X * X)) & \
                (log(U) >= X * dtype.type(0.5) + dd * (one - V_t + log(V_t)))
            V[todo] = V_t
            todo = todo[reject]
        if log_space:
            u = _unit(subkey, dtype)
            log_samples = log1p(-u)  # -exponential
            log_boost = np.where(boost | (log_samples == 0), dtype.type(0),
                                 log_samples * (one / alpha))
            return log(d) + log(V) + log_boost
        samples = one - _unit(subkey, dtype)
        power = np.power(samples, one / alpha, dtype=np.float64).astype(dtype)  # as powf
        boosted = np.where(boost, one, power)
        return d * V * boosted


def _random_gamma_impl(keys, a, log_space):
    keys = np.asarray(keys, np.uint32)
    a = np.asarray(a)
    batch = keys.shape[:-1]
    per_key = math.prod(a.shape[len(batch):])
    flat_keys = rb._split_impl(keys.reshape(-1, 2), (per_key,)).reshape(-1, 2)
    out = _gamma_one_each(flat_keys, a.reshape(-1).copy(), log_space)
    out = out.reshape(a.shape).astype(a.dtype)
    return out if out.ndim else out[()]


def _random_gamma_abstract(key_aval, a_aval, log_space):
    if key_aval.dtype != np.uint32 or key_aval.shape[-1:] != (2,):
        raise TypeError(f"random_gamma: key data must be uint32[..., 2], got "
                        f"{key_aval.str_short()}")
    if a_aval.dtype.kind != "f" or a_aval.shape[:key_aval.ndim - 1] != key_aval.shape[:-1]:
        raise TypeError(f"random_gamma: a must be floating with the keys' batch shape "
                        f"leading, got keys {key_aval.str_short()} and a {a_aval.str_short()}")
    return ShapedArray(a_aval.shape, a_aval.dtype)


random_gamma_p = primitive("random_gamma", _random_gamma_impl, _random_gamma_abstract)


def _random_gamma_batch(args, batched, size, log_space):
    keys, a = args
    if not batched[0]:
        keys = broadcast_to(keys, (size,) + tuple(get_aval(keys).shape))
    if not batched[1]:
        a = broadcast_to(a, (size,) + tuple(get_aval(a).shape))
    return bind(random_gamma_p, keys, a, log_space=log_space), True


random_gamma_p.batch = _random_gamma_batch


# ---------------------------------------------------------------------------- the gradient

_math_lgamma = np.frompyfunc(math.lgamma, 1, 1)


def _lgamma(x):
    """log |Gamma(x)|; inf at the poles (0, -1, ...), as the special function has it."""
    x = np.asarray(x, np.float64)
    pole = (x <= 0) & (x == np.floor(x))
    out = np.asarray(_math_lgamma(np.where(pole | ~np.isfinite(x), 1.0, x)), np.float64)
    return np.where(pole, np.inf, np.where(np.isfinite(x), out, np.abs(x)))


def _digamma(x):
    """psi(x) for x > 0: the recurrence up to x >= 6, then the asymptotic series."""
    x = np.array(x, np.float64)
    acc = np.zeros_like(x)
    while np.any(x < 6):
        small = x < 6
        acc[small] -= 1 / x[small]
        x[small] += 1
    inv2 = 1 / (x * x)
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))))
    return acc + np.log(x) - 0.5 / x - series


def _gamma_grad_impl(a, x):
    """``dx/da`` at fixed ``P(a, x)``: ``-(dP/da) / (x^(a-1) e^-x / Gamma(a))``, with dP/da
    from P's series ``sum_n exp((a+n) log x - x - lgamma(a+n+1))``, differentiated term by
    term."""
    a64, x64 = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    dtype = np.result_type(np.asarray(a).dtype, np.asarray(x).dtype)
    with np.errstate(all="ignore"):
        log_x = np.log(x64)
        dP = np.zeros_like(a64)
        n_terms = int(np.ceil(np.max(x64 + 12 * np.sqrt(x64) + 30))) if x64.size else 0
        log_term = a64 * log_x - x64 - _lgamma(a64 + 1)
        psi = _digamma(a64 + 1)
        for n in range(n_terms):
            dP += np.exp(log_term) * (log_x - psi)
            # next term: multiply by x / (a + n + 1); psi(z + 1) = psi(z) + 1/z
            log_term = log_term + log_x - np.log(a64 + n + 1)
            psi = psi + 1 / (a64 + n + 1)
        log_pdf = (a64 - 1) * log_x - x64 - _lgamma(a64)
        grad = -dP / np.exp(log_pdf)
        grad = np.where(x64 > 0, grad, 0.0)
    out = grad.astype(dtype)
    return out if out.ndim else out[()]


random_gamma_grad_p = primitive("random_gamma_grad", _gamma_grad_impl,
                                lambda a, x: ShapedArray(np.broadcast_shapes(a.shape, x.shape),
                                                         a.dtype))
batch_elementwise(random_gamma_grad_p)


def random_gamma_grad(a, x):
    """The derivative of a gamma sample ``x`` with respect to its shape ``a`` (the
    implicit reparameterisation gradient; JAX's ``lax.random_gamma_grad``).

    >>> float(random_gamma_grad(np.float64(1.0), np.float64(1.0)))
    1.1735630272096762
    """
    return bind(random_gamma_grad_p, a, x)


def _gamma_tangent(t, ans, keys, a, log_space):
    if log_space:
        sample = exp(ans)
        tiny = np.finfo(get_aval(ans).dtype).tiny
        sample = fnp.where(sample == 0, tiny, sample)
        return mul(t, div(random_gamma_grad(a, sample), sample))
    return mul(t, random_gamma_grad(a, ans))


defjvp(random_gamma_p, None, _gamma_tangent)
defvjp(random_gamma_p, None, lambda g, ans, keys, a, log_space:
       _gamma_tangent(g, ans, keys, a, log_space))


# ---------------------------------------------------------------------------- samplers

def _gamma(name: str, key, a, shape, dtype, log_space: bool):
    data, _ = check_key(name, key)
    dtype = float_dtype(name, dtype)
    shape = result_shape(name, shape, a)
    a = fnp.broadcast_to(cast(a, dtype), shape)
    return bind(random_gamma_p, data, a, log_space=log_space)


def gamma(key, a, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Gamma samples with shape ``a`` and scale 1; differentiable in ``a``.

    >>> import fungrad, fungrad.random as random
    >>> k = random.PRNGKey(0)
    >>> fungrad.grad(lambda a: random.gamma(k, a))(2.0) > 0
    np.True_
    """
    return _gamma("gamma", key, a, shape, dtype, False)


def loggamma(key, a, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Logs of gamma samples, computed in log space (accurate for small ``a``, where the
    samples themselves underflow).

    >>> import fungrad.random as random
    >>> bool(random.loggamma(random.PRNGKey(0), 0.01) < -10)
    True
    """
    return _gamma("loggamma", key, a, shape, dtype, True)


def beta(key, a, b, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Beta samples, as ``G_a / (G_a + G_b)`` of two gamma samples (in log space).

    >>> import fungrad.random as random
    >>> x = random.beta(random.PRNGKey(0), 2.0, 3.0, (1000,))
    >>> bool(0 < x.min() and x.max() < 1)
    True
    """
    data, dtype, shape = prepare("beta", key, dtype, shape, a, b)
    k_a, k_b = (rb.random_split(data, (2,))[i] for i in (0, 1))
    a = fnp.broadcast_to(cast(a, dtype), shape)
    b = fnp.broadcast_to(cast(b, dtype), shape)
    log_a = bind(random_gamma_p, k_a, a, log_space=True)
    log_b = bind(random_gamma_p, k_b, b, log_space=True)
    log_max = fnp.maximum(log_a, log_b)
    ga, gb = jax_exp(log_a - log_max), jax_exp(log_b - log_max)
    return ga / (ga + gb)


def dirichlet(key, alpha, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Dirichlet samples: a softmax of log-gamma samples along the last axis.

    >>> import fungrad.random as random
    >>> x = random.dirichlet(random.PRNGKey(0), np.array([1.0, 2.0, 3.0]), (2,))
    >>> x.shape, bool(np.allclose(x.sum(-1), 1))
    ((2, 3), True)
    """
    data, _ = check_key("dirichlet", key)
    dtype = float_dtype("dirichlet", dtype)
    alpha_shape = shape_of(alpha)
    if len(alpha_shape) < 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == 0")
    shape = alpha_shape[:-1] if shape is None else \
        result_shape("dirichlet", shape, np.empty(alpha_shape[:-1]))
    full = tuple(shape) + alpha_shape[-1:]
    log_g = bind(random_gamma_p, data, fnp.broadcast_to(cast(alpha, dtype), full),
                 log_space=True)
    log_g = log_g - fnp.max(log_g, axis=-1, keepdims=True)
    e = jax_exp(log_g)
    return e / fnp.sum(e, axis=-1, keepdims=True)


def chisquare(key, df, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Chi-square samples with ``df`` degrees of freedom: ``2 exp(loggamma(df / 2))``.

    >>> import fungrad.random as random
    >>> random.chisquare(random.PRNGKey(0), 3.0, (2,)).shape
    (2,)
    """
    dtype = float_dtype("chisquare", dtype)
    df = cast(df, dtype)
    return jax_exp(loggamma(key, df / 2, shape, dtype)) * 2


def f(key, dfnum, dfden, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """F-distribution samples: the ratio of two chi-squares over their degrees of freedom.

    >>> import fungrad.random as random
    >>> random.f(random.PRNGKey(0), 3.0, 5.0, (2,)).shape
    (2,)
    """
    data, _ = check_key("f", key)
    dtype = float_dtype("f", dtype)
    dfnum, dfden = cast(dfnum, dtype), cast(dfden, dtype)
    keys = rb.random_split(data, (2,))
    num = chisquare(keys[1], dfnum, shape, dtype) / dfnum
    den = chisquare(keys[0], dfden, shape, dtype) / dfden
    return num / den


def t(key, df, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Student's t samples: ``normal * sqrt(df / 2 / gamma(df / 2))``.

    >>> import fungrad.random as random
    >>> random.t(random.PRNGKey(0), 4.0, (2,)).shape
    (2,)
    """
    data, dtype, shape = prepare("t", key, dtype, shape, df)
    df = cast(df, dtype)
    keys = rb.random_split(data, (2,))
    n = normal_floats(keys[0], shape, dtype)
    half_df = df / 2
    g = bind(random_gamma_p, keys[1], fnp.broadcast_to(half_df, shape), log_space=False)
    return n * fnp.sqrt(half_df / g)


def generalized_normal(key, p, shape: Sequence[int] = (), dtype=None) -> Any:
    """Generalized normal samples with density proportional to ``exp(-|x|^p)``.

    >>> import fungrad.random as random
    >>> random.generalized_normal(random.PRNGKey(0), 2.0, (2,)).shape
    (2,)
    """
    from fungrad.random.discrete import bernoulli_draws
    data, _ = check_key("generalized_normal", key)
    dtype = float_dtype("generalized_normal", dtype)
    shape = canonical_shape("generalized_normal", shape)
    keys = rb.random_split(data, (2,))
    p = cast(p, dtype)
    g = bind(random_gamma_p, keys[0], fnp.broadcast_to(1 / p, shape), log_space=False)
    r = fnp.astype(2 * fnp.astype(bernoulli_draws(keys[1], 0.5, shape), dtype) - 1, dtype)
    return r * g ** (1 / p)


def ball(key, d: int, p: float = 2, shape: Sequence[int] = (), dtype=None) -> Any:
    """Samples uniform in the unit ``p``-norm ball of dimension ``d``.

    >>> import fungrad.random as random
    >>> x = random.ball(random.PRNGKey(0), 3, shape=(100,))
    >>> x.shape, bool((np.linalg.norm(x, axis=-1) <= 1).all())
    ((100, 3), True)
    """
    data, _ = check_key("ball", key)
    dtype = float_dtype("ball", dtype)
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"ball: the dimension d must be a positive integer, got {d!r}")
    shape = canonical_shape("ball", shape)
    keys = rb.random_split(data, (2,))
    g = generalized_normal(keys[0], p, shape + (int(d),), dtype)
    e = -fnp.log1p(-_uniform(keys[1], shape, dtype))
    return g / fnp.expand_dims((fnp.sum(fnp.abs(g) ** p, axis=-1) + e) ** (1 / p), -1)


def _uniform(data, shape, dtype):
    from fungrad.random.continuous import uniform_floats
    return uniform_floats(data, shape, dtype)
