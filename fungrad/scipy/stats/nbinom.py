"""The negative binomial distribution (failures before the n-th success), as
``jax.scipy.stats.nbinom``.

>>> round(float(pmf(0, 1.0, 0.5)), 12)
0.5
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _operands


def logpmf(k, n, p, loc=0):
    """``gammaln(n + k) - gammaln(k + 1) - gammaln(n) + n log p + k log1p(-p)`` at integers
    k >= 0; differentiable in n and p.

    >>> round(float(logpmf(1, 1.0, 0.5)), 12)
    -1.38629436112
    """
    k, n, p, loc = _operands(k, n, p, loc)
    x = fnp.asarray(k - loc)
    valid = (x >= 0) & (x == fnp.floor(x))
    safe = fnp.where(valid, x, 0.0)
    value = (special.gammaln(n + safe) - special.gammaln(safe + 1.0) - special.gammaln(n)
             + special.xlogy(n, p) + special.xlog1py(safe, -fnp.asarray(p)))
    return fnp.where(valid, value, -np.inf)


def pmf(k, n, p, loc=0):
    """The probability mass.

    >>> round(float(pmf(1, 1.0, 0.5)), 12)
    0.25
    """
    return fnp.exp(logpmf(k, n, p, loc))
