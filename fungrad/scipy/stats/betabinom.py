"""The beta-binomial distribution, as ``jax.scipy.stats.betabinom``.

>>> round(float(pmf(0, 1, 1.0, 1.0)), 12)
0.5
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _operands


def logpmf(k, n, a, b, loc=0):
    """``log C(n, k) + betaln(k + a, n - k + b) - betaln(a, b)`` at integers 0 <= k <= n;
    differentiable in a and b.

    >>> round(float(logpmf(1, 2, 1.0, 1.0)), 12)  # uniform on {0, 1, 2}
    -1.098612288668
    """
    k, n, a, b, loc = _operands(k, n, a, b, loc)
    x = fnp.asarray(k - loc)
    valid = (x >= 0) & (x <= n) & (x == fnp.floor(x))
    safe = fnp.where(valid, x, 0.0)
    log_comb = (special.gammaln(fnp.asarray(n) + 1.0) - special.gammaln(safe + 1.0)
                - special.gammaln(n - safe + 1.0))
    value = log_comb + special.betaln(safe + a, n - safe + b) - special.betaln(a, b)
    return fnp.where(valid, value, -np.inf)


def pmf(k, n, a, b, loc=0):
    """The probability mass.

    >>> round(float(pmf(1, 2, 1.0, 1.0)), 12)
    0.333333333333
    """
    return fnp.exp(logpmf(k, n, a, b, loc))
