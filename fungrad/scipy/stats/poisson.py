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
