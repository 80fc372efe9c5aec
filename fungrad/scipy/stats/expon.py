"""The exponential distribution on ``x >= loc`` with rate ``1/scale``, as
``jax.scipy.stats.expon``.

>>> round(float(logpdf(1.0)), 12)
-1.0
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.special import _log, _operands


def logpdf(x, loc=0, scale=1):
    """``-(x - loc)/scale - log(scale)`` on ``x >= loc``, -inf below.

    >>> float(logpdf(-1.0))
    -inf
    """
    x, loc, scale = _operands(x, loc, scale)
    z = (x - loc) / scale
    return fnp.where(z < 0, -np.inf, -z - _log(scale))


def pdf(x, loc=0, scale=1):
    """The density.

    >>> float(pdf(0.0))
    1.0
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1 - exp(-(x - loc)/scale)`` on ``x >= loc``, 0 below.

    >>> round(float(cdf(1.0)), 12)
    0.632120558829
    """
    x, loc, scale = _operands(x, loc, scale)
    z = (x - loc) / scale
    return fnp.where(z < 0, 0.0, -fnp.expm1(-fnp.maximum(z, 0.0)))


def sf(x, loc=0, scale=1):
    """``exp(-(x - loc)/scale)`` on ``x >= loc``, 1 below.

    >>> round(float(sf(1.0)), 12)
    0.367879441171
    """
    x, loc, scale = _operands(x, loc, scale)
    return fnp.exp(-fnp.maximum((x - loc) / scale, 0.0))


def ppf(q, loc=0, scale=1):
    """The quantile function ``loc - scale * log1p(-q)``.

    >>> float(ppf(0.0))
    0.0
    """
    return _operands(loc) - _operands(scale) * fnp.log1p(-fnp.asarray(q))
