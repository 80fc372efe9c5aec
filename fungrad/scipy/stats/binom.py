"""The binomial distribution of ``n`` trials with success probability ``p``, as
``jax.scipy.stats.binom``.

>>> round(float(pmf(1, 2, 0.5)), 12)
0.5
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _operands


def logpmf(k, n, p, loc=0):
    """``log C(n, k) + xlogy(k, p) + xlog1py(n - k, -p)`` at integers 0 <= k <= n, -inf
    elsewhere; differentiable in p.

    >>> round(float(logpmf(0, 2, 0.5)), 12)
    -1.38629436112
    """
    k, n, p, loc = _operands(k, n, p, loc)
    x = fnp.asarray(k - loc)
    valid = (x >= 0) & (x <= n) & (x == fnp.floor(x))
    safe = fnp.where(valid, x, 0.0)
    log_comb = (special.gammaln(fnp.asarray(n) + 1.0) - special.gammaln(safe + 1.0)
                - special.gammaln(n - safe + 1.0))
    value = log_comb + special.xlogy(safe, p) + special.xlog1py(n - safe, -fnp.asarray(p))
    return fnp.where(valid, value, -np.inf)


def pmf(k, n, p, loc=0):
    """The probability mass.

    >>> round(float(pmf(2, 2, 0.5)), 12)
    0.25
    """
    return fnp.exp(logpmf(k, n, p, loc))
