"""The multinomial distribution, as ``jax.scipy.stats.multinomial``.

>>> round(float(pmf(np.array([1.0, 1.0]), 2, np.array([0.5, 0.5]))), 12)
0.5
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special


def logpmf(x, n, p):
    """``gammaln(n + 1) + sum(xlogy(x, p) - gammaln(x + 1))`` over the last axis, -inf where
    the counts do not sum to n; differentiable in p.

    >>> round(float(logpmf(np.array([2.0, 0.0]), 2, np.array([0.5, 0.5]))), 12)
    -1.38629436112
    """
    x, p = fnp.asarray(x), fnp.asarray(p)
    value = special.gammaln(fnp.asarray(n) + 1.0) + fnp.sum(
        special.xlogy(x, p) - special.gammaln(x + 1.0), axis=-1)
    return fnp.where(fnp.sum(x, axis=-1) == n, value, -np.inf)


def pmf(x, n, p):
    """The probability mass.

    >>> round(float(pmf(np.array([2.0, 0.0]), 2, np.array([0.5, 0.5]))), 12)
    0.25
    """
    return fnp.exp(logpmf(x, n, p))
