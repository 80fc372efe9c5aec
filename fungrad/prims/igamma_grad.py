"""``igamma_grad_a``: the derivative in ``a`` of the regularized lower incomplete gamma
function ``P(a, x)``, and ``random_gamma_grad``, the derivative in ``a`` of a Gamma(a, 1)
sample held at the same quantile, ``-(dP/da) / (dP/dx)``.

Computed as Cephes and Eigen (hence XLA and JAX) compute ``P`` itself, carrying the
derivative in ``a`` through every step: for ``x <= 1`` or ``x <= a`` the power series
``P = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n))``; otherwise the continued
fraction of ``Q = 1 - P`` (so ``dP/da = -dQ/da``), which stays accurate where ``P`` is near 1.
The loops run on whole arrays, every element until its own series or fraction converges.
scipy (for ``gammaln`` and ``digamma``) is imported when one is first evaluated.

Neither function has a derivative itself (as in JAX): asking for one raises.
"""
from __future__ import annotations

import numpy as np

from fungrad.prims.rules import defjvp, defvjp

_MAX_ITERATIONS = 2000
_BIG, _BIG_INVERSE = 4.503599627370496e15, 2.22044604925031308085e-16


def _series(a, x, eps):
    """``(P, dP/da)`` by the power series (for ``x <= max(a, 1)``)."""
    from scipy.special import digamma, gammaln
    r, c, total = a.copy(), np.ones_like(a), np.ones_like(a)
    dc, dtotal = np.zeros_like(a), np.zeros_like(a)
    going = np.ones(a.shape, bool)
    for _ in range(_MAX_ITERATIONS):
        if not going.any():
            break
        r = np.where(going, r + 1, r)
        term = x / r
        dc_next = term * dc - x / (r * r) * c
        c_next = c * term
        dc, c = np.where(going, dc_next, dc), np.where(going, c_next, c)
        total, dtotal = np.where(going, total + c, total), np.where(going, dtotal + dc, dtotal)
        going &= ~(np.abs(c) <= eps * np.abs(total))
    log_ax = a * np.log(x) - x - gammaln(a + 1)
    ax = np.exp(log_ax)
    return total * ax, ax * (dtotal + total * (np.log(x) - digamma(a + 1)))


def _continued_fraction(a, x, eps):
    """``(Q, dQ/da)`` by the continued fraction (for ``x > max(a, 1)``)."""
    from scipy.special import digamma, gammaln
    y, z, c = 1 - a, x + 2 - a, np.zeros_like(a)
    pkm2, qkm2, pkm1, qkm1 = np.ones_like(a), x.copy(), x + 1, z * x
    dpkm2, dqkm2, dpkm1, dqkm1 = (np.zeros_like(a), np.zeros_like(a), np.zeros_like(a), -x)
    ans = pkm1 / qkm1
    dans = (dpkm1 - ans * dqkm1) / qkm1
    going = np.ones(a.shape, bool)
    for _ in range(_MAX_ITERATIONS):
        if not going.any():
            break
        c, y, z = c + 1, y + 1, z + 2
        yc = y * c
        pk, qk = pkm1 * z - pkm2 * yc, qkm1 * z - qkm2 * yc
        dpk = dpkm1 * z - pkm1 - dpkm2 * yc + pkm2 * c
        dqk = dqkm1 * z - qkm1 - dqkm2 * yc + qkm2 * c
        usable = going & (qk != 0)
        safe_qk = np.where(qk != 0, qk, 1.0)
        new_ans = np.where(usable, pk / safe_qk, ans)
        new_dans = np.where(usable, (dpk - new_ans * dqk) / safe_qk, dans)
        done = usable & (np.abs(new_dans - dans) <= eps * np.maximum(np.abs(new_dans), 1e-300)) \
            & (np.abs(new_ans - ans) <= eps * np.abs(new_ans))
        ans, dans = new_ans, new_dans
        pkm2, pkm1, qkm2, qkm1 = pkm1, pk, qkm1, qk
        dpkm2, dpkm1, dqkm2, dqkm1 = dpkm1, dpk, dqkm1, dqk
        huge = np.abs(pk) > _BIG  # keep the recurrences in range (they scale together)
        if huge.any():
            scale = np.where(huge, _BIG_INVERSE, 1.0)
            pkm2, pkm1, qkm2, qkm1 = pkm2 * scale, pkm1 * scale, qkm2 * scale, qkm1 * scale
            dpkm2, dpkm1 = dpkm2 * scale, dpkm1 * scale
            dqkm2, dqkm1 = dqkm2 * scale, dqkm1 * scale
        going &= ~done
    log_ax = a * np.log(x) - x - gammaln(a)
    ax = np.exp(log_ax)
    return ans * ax, ax * (dans + ans * (np.log(x) - digamma(a)))


def _float_pair(a, x):
    a, x = np.asarray(a), np.asarray(x)
    dtype = np.result_type(a, x, np.float16)  # ints become float64, float32 stays
    if dtype.kind != "f":
        raise TypeError(f"igamma_grad_a: expects real float arrays, got {a.dtype} and {x.dtype}")
    a64, x64 = np.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    return a64.copy(), x64.copy(), dtype


def d_igamma_da(a, x) -> tuple:
    """``(P, dP/da, dtype)`` elementwise, NaN where ``a <= 0`` or ``x < 0``; 0 at ``x = 0``."""
    a, x, dtype = _float_pair(a, x)
    eps = np.finfo(np.float64).eps
    value, grad = np.zeros_like(a), np.zeros_like(a)
    bad = (a <= 0) | (x < 0) | np.isnan(a) | np.isnan(x)
    fraction = ~bad & (x > 1) & (x > a)
    series = ~bad & ~fraction & (x > 0)
    with np.errstate(all="ignore"):
        if series.any():
            p, dp = _series(a[series], x[series], eps)
            value[series], grad[series] = p, dp
        if fraction.any():
            q, dq = _continued_fraction(a[fraction], x[fraction], eps)
            value[fraction], grad[fraction] = 1 - q, -dq
    value[bad], grad[bad] = np.nan, np.nan
    return value, grad, dtype


def _igamma_grad_a_impl(a, x):
    _, grad, dtype = d_igamma_da(a, x)
    return grad.astype(dtype)


def _random_gamma_grad_impl(a, x):
    from scipy.special import gammaln
    _, grad, dtype = d_igamma_da(a, x)
    a64, x64, _ = _float_pair(a, x)
    with np.errstate(all="ignore"):
        density = np.exp((a64 - 1) * np.log(x64) - x64 - gammaln(a64))
        out = np.where(x64 == 0, 0.0, -grad / density)  # a sample at 0 stays at 0
    return out.astype(dtype)


def _make(name: str, impl):
    from fungrad.prims.elementwise import elementwise_abstract_eval
    from fungrad.prims.rules import batch_elementwise, primitive
    from fungrad.prims.special import _float_result, not_differentiable
    prim = primitive(name, impl, elementwise_abstract_eval(name, _float_result))
    prim.weak_propagating = True
    batch_elementwise(prim)
    defjvp(prim, not_differentiable(name, "a"), not_differentiable(name, "x"))
    defvjp(prim, not_differentiable(name, "a"), not_differentiable(name, "x"))
    return prim


igamma_grad_a_p = _make("igamma_grad_a", _igamma_grad_a_impl)
random_gamma_grad_p = _make("random_gamma_grad", _random_gamma_grad_impl)
