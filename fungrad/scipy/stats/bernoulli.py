"""The Bernoulli distribution with success probability ``p``, as
``jax.scipy.stats.bernoulli``.

>>> float(pmf(1, 0.25))
0.25
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _operands


def logpmf(k, p, loc=0):
    """``xlogy(k, p) + xlog1py(1 - k, -p)`` at k in {0, 1}, -inf elsewhere; differentiable
    in p.

    >>> round(float(logpmf(0, 0.25)), 12)
    -0.287682072452
    """
    k, p, loc = _operands(k, p, loc)
    x = fnp.asarray(k - loc)
    valid = (x == 0) | (x == 1)
    value = special.xlogy(x, p) + special.xlog1py(1.0 - x, -fnp.asarray(p))
    return fnp.where(valid, value, -np.inf)


def pmf(k, p, loc=0):
    """The probability mass.

    >>> float(pmf(0, 0.25))
    0.75
    """
    return fnp.exp(logpmf(k, p, loc))


def cdf(k, p, loc=0):
    """0 below 0, ``1 - p`` on [0, 1), 1 from 1 on.

    >>> float(cdf(0, 0.25))
    0.75
    """
    k, p, loc = _operands(k, p, loc)
    x = fnp.asarray(k - loc)
    return fnp.where(x < 0, 0.0, fnp.where(x < 1, 1.0 - fnp.asarray(p), 1.0))


def ppf(q, p):
    """The smallest k in {0, 1} with ``cdf(k) >= q``: 0 for ``q <= 1 - p``, else 1; nan
    outside [0, 1].

    >>> float(ppf(0.5, 0.25)), float(ppf(0.9, 0.25))
    (0.0, 1.0)
    """
    q, p = _operands(q, p)
    q, p = fnp.asarray(q), fnp.asarray(p)
    valid = (q >= 0) & (q <= 1) & (p >= 0) & (p <= 1)
    dtype = fnp.result_type(q, p, 0.0)  # float32 stays float32
    return fnp.where(valid, fnp.where(q <= 1.0 - p, 0.0, 1.0), np.nan).astype(dtype)
