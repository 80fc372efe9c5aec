"""The left-skewed Gumbel distribution, as ``jax.scipy.stats.gumbel_l``.

>>> round(float(logpdf(0.0)), 12)
-1.0
"""
from __future__ import annotations

import fungrad.numpy as fnp
from fungrad.scipy.special import _log, _operands


def logpdf(x, loc=0, scale=1):
    """``z - exp(z) - log(scale)``, ``z = (x - loc)/scale``.

    >>> round(float(logpdf(-1.0)), 12)
    -1.367879441171
    """
    x, loc, scale = _operands(x, loc, scale)
    z = (x - loc) / scale
    return z - fnp.exp(z) - _log(scale)


def pdf(x, loc=0, scale=1):
    """The density.

    >>> round(float(pdf(0.0)), 12)
    0.367879441171
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1 - exp(-exp(z))``.

    >>> round(float(cdf(0.0)), 12)
    0.632120558829
    """
    x, loc, scale = _operands(x, loc, scale)
    return -fnp.expm1(-fnp.exp((x - loc) / scale))
