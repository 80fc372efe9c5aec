"""The geometric distribution on {1, 2, ...}, as ``jax.scipy.stats.geom``.

>>> float(pmf(1, 0.5))
0.5
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _operands


def logpmf(k, p, loc=0):
    """``xlog1py(k - 1, -p) + log(p)`` at integers k >= 1, -inf elsewhere.

    >>> round(float(logpmf(2, 0.5)), 12)
    -1.38629436112
    """
    k, p, loc = _operands(k, p, loc)
    x = fnp.asarray(k - loc)
    valid = (x >= 1) & (x == fnp.floor(x))
    safe = fnp.where(valid, x, 1.0)
    value = special.xlog1py(safe - 1.0, -fnp.asarray(p)) + fnp.log(p)
    return fnp.where(valid, value, -np.inf)


def pmf(k, p, loc=0):
    """The probability mass.

    >>> float(pmf(2, 0.5))
    0.25
    """
    return fnp.exp(logpmf(k, p, loc))
