"""The Poisson distribution with mean ``mu``, as ``jax.scipy.stats.poisson``.

>>> round(float(pmf(0, 2.0)), 12)
0.135335283237
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.special import _operands
from fungrad.scipy import special


def logpmf(k, mu, loc=0):
    """``xlogy(k, mu) - gammaln(k + 1) - mu`` at integers ``k >= loc``, -inf elsewhere;
    differentiable in mu.

    >>> round(float(logpmf(3, 2.0)), 12)
    -1.712317927548
    """
    k, mu, loc = _operands(k, mu, loc)
    x = k - loc
    valid = (x >= 0) & (x == fnp.floor(x))
    safe_x = fnp.where(valid, x, 0.0)
    value = special.xlogy(safe_x, mu) - special.gammaln(safe_x + 1.0) - mu
    return fnp.where(valid, value, -np.inf)


def pmf(k, mu, loc=0):
    """The probability mass.

    >>> round(float(pmf(1, 1.0)), 12)
    0.367879441171
    """
    return fnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    """``gammaincc(floor(k - loc) + 1, mu)`` for ``k >= loc``, 0 below.

    >>> round(float(cdf(0, 1.0)), 12)
    0.367879441171
    """
    k, mu, loc = _operands(k, mu, loc)
    x = fnp.floor(k - loc)
    return fnp.where(x < 0, 0.0, special.gammaincc(fnp.maximum(x, 0.0) + 1.0, mu))


_ENTROPY_TERMS = 540  # k = 0..539 holds all but ~1e-30 of the mass for every mu < 300


def entropy(mu, loc=0):
    """The entropy ``-sum_k pmf(k) log pmf(k)`` (loc does not change it): the sum itself for
    mu < 300, above that the asymptotic series ``log(2 pi e mu)/2 - 1/(12 mu) - 1/(24 mu^2)
    - 19/(360 mu^3)`` (within 2e-11 there); 0 at mu = 0. Differentiable in mu.

    >>> round(float(entropy(1.0)), 12)
    1.304842242256
    """
    mu, loc = _operands(mu, loc)
    mu = fnp.asarray(mu + 0.0 * loc)  # broadcast as the result must
    small = mu < 300
    mu_small = fnp.where(small, mu, 1.0)
    k = fnp.arange(_ENTROPY_TERMS, dtype=mu.dtype).reshape((-1,) + (1,) * mu.ndim)
    # -p log p from log p: no 1/p (which overflows where p is subnormal) in the derivative;
    # terms with p below 1e-304 contribute nothing
    log_p = logpmf(k, mu_small)
    kept = log_p > -700.0
    safe = fnp.where(kept, log_p, 0.0)
    summed = fnp.sum(fnp.where(kept, -fnp.exp(safe) * safe, 0.0), axis=0)
    mu_large = fnp.where(small, 300.0, mu)
    series = (0.5 * fnp.log(2 * np.pi * np.e * mu_large) - 1.0 / (12.0 * mu_large)
              - 1.0 / (24.0 * mu_large ** 2) - 19.0 / (360.0 * mu_large ** 3))
    return fnp.where(small, summed, series)
