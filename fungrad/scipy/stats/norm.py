"""The normal distribution ``N(loc, scale^2)``, as ``jax.scipy.stats.norm``.

>>> round(float(logpdf(1.0, loc=1.0, scale=2.0)), 12)
-1.612085713765
"""
from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad.scipy.special import _log, _operands
from fungrad.scipy import special

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _standardize(x, loc, scale):
    x, loc, scale = _operands(x, loc, scale)
    return (x - loc) / scale, scale


def logpdf(x, loc=0, scale=1):
    """Log density ``-((x-loc)/scale)^2/2 - log(scale) - log(2 pi)/2``.

    >>> round(float(logpdf(0.0)), 12)
    -0.918938533205
    """
    z, scale = _standardize(x, loc, scale)
    return -0.5 * z * z - _log(scale) - _LOG_SQRT_2PI


def pdf(x, loc=0, scale=1):
    """The density.

    >>> round(float(pdf(0.0)), 12)
    0.398942280401
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """The distribution function ``ndtr((x - loc) / scale)``.

    >>> float(cdf(0.0))
    0.5
    """
    z, _ = _standardize(x, loc, scale)
    return special.ndtr(z)


def logcdf(x, loc=0, scale=1):
    """``log cdf``, accurate far in the left tail.

    >>> round(float(logcdf(-40.0)), 6)
    -804.608442
    """
    z, _ = _standardize(x, loc, scale)
    return special.log_ndtr(z)


def sf(x, loc=0, scale=1):
    """The survival function ``1 - cdf``, accurate in the right tail.

    >>> float(sf(0.0))
    0.5
    """
    z, _ = _standardize(x, loc, scale)
    return special.ndtr(-z)


def logsf(x, loc=0, scale=1):
    """``log sf``, accurate far in the right tail.

    >>> round(float(logsf(40.0)), 6)
    -804.608442
    """
    z, _ = _standardize(x, loc, scale)
    return special.log_ndtr(-z)


def ppf(q, loc=0, scale=1):
    """The quantile function, ``loc + scale * ndtri(q)``.

    >>> float(ppf(0.5, loc=3.0))
    3.0
    """
    return _operands(loc) + _operands(scale) * special.ndtri(q)


def isf(q, loc=0, scale=1):
    """The inverse survival function, ``ppf(1 - q)``.

    >>> float(isf(0.5, loc=3.0))
    3.0
    """
    return _operands(loc) - _operands(scale) * special.ndtri(q)
