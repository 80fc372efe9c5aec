"""The exponential distribution on ``x >= loc`` with rate ``1/scale``, as
``jax.scipy.stats.expon``.

>>> round(float(logpdf(1.0)), 12)
-1.0
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import nn
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


def logcdf(x, loc=0, scale=1):
    """``log(1 - exp(-z))`` on ``x >= loc``, -inf below (``nn.log1mexp``: accurate near loc
    and far in the right tail).

    >>> round(float(logcdf(1e-10)), 6)  # log(1e-10): no cancellation near loc
    -23.025851
    """
    x, loc, scale = _operands(x, loc, scale)
    z = (x - loc) / scale
    inside = z > 0
    outside = fnp.where(fnp.isnan(z), z, -np.inf)
    return fnp.where(inside, nn.log1mexp(fnp.where(inside, z, 1.0)), outside)


def logsf(x, loc=0, scale=1):
    """``-(x - loc)/scale`` on ``x >= loc``, 0 below.

    >>> float(logsf(3.0))
    -3.0
    """
    x, loc, scale = _operands(x, loc, scale)
    return -fnp.maximum((x - loc) / scale, 0.0)


def ppf(q, loc=0, scale=1):
    """The quantile function ``loc - scale * log1p(-q)``, nan outside [0, 1].

    >>> float(ppf(0.0))
    0.0
    """
    q, loc, scale = _operands(q, loc, scale)
    q = fnp.asarray(q)
    inside = (q >= 0) & (q <= 1)
    return fnp.where(inside, loc - scale * fnp.log1p(-fnp.where(inside, q, 0.0)), np.nan)
