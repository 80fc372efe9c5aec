"""The normal distribution truncated to ``[a, b]`` (in standard units), as
``jax.scipy.stats.truncnorm``.

>>> round(float(pdf(0.0, -1.0, 1.0)), 12)
0.584368567257
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _log, _operands
from fungrad.scipy.stats import norm


def _log_mass(a, b):
    """``log(ndtr(b) - ndtr(a))``, from whichever tail keeps it accurate."""
    right = a > 0  # both bounds in the right tail: use the survival function
    upper = fnp.where(right, special.log_ndtr(-a), special.log_ndtr(b))
    lower = fnp.where(right, special.log_ndtr(-b), special.log_ndtr(a))
    return upper + fnp.log1p(-fnp.exp(lower - upper))


def logpdf(x, a, b, loc=0, scale=1):
    """``norm.logpdf(z) - log(ndtr(b) - ndtr(a)) - log(scale)`` on [a, b], -inf outside.

    >>> round(float(logpdf(10.5, 10.0, 11.0)), 6)  # far in the tail, still finite
    -2.812628
    """
    x, a, b, loc, scale = _operands(x, a, b, loc, scale)
    z = (x - loc) / scale
    inside = (z >= a) & (z <= b)
    value = norm.logpdf(z) - _log_mass(fnp.asarray(a), fnp.asarray(b)) - _log(scale)
    return fnp.where(inside, value, fnp.where(fnp.isnan(z), z, -np.inf))


def pdf(x, a, b, loc=0, scale=1):
    """The density.

    >>> float(pdf(2.0, -1.0, 1.0))
    0.0
    """
    return fnp.exp(logpdf(x, a, b, loc, scale))


def _interior_point(a, b):
    """A point strictly inside [a, b], finite even where a bound is infinite: the stand-in
    for z outside the support, so that the branch not taken has finite derivatives."""
    lower = fnp.where(fnp.isfinite(a), a, fnp.minimum(b, 0.0) - 1.0)
    upper = fnp.where(fnp.isfinite(b), b, fnp.maximum(lower, 0.0) + 1.0)
    return (lower + upper) / 2.0


def logcdf(x, a, b, loc=0, scale=1):
    """``log((ndtr(z) - ndtr(a)) / (ndtr(b) - ndtr(a)))``, from the upper mass near b (where
    the ratio is near 1), 0 above b and -inf below a.

    >>> round(float(logcdf(0.0, -1.0, 1.0)), 12)
    -0.69314718056
    """
    x, a, b, loc, scale = _operands(x, a, b, loc, scale)
    a, b = fnp.asarray(a), fnp.asarray(b)
    z = fnp.asarray((x - loc) / scale)
    inside = (z > a) & (z < b)
    safe = fnp.where(inside, z, _interior_point(a, b))
    total = _log_mass(a, b)
    below, above = _log_mass(a, safe) - total, _log_mass(safe, b) - total
    value = fnp.where(below > -0.1, fnp.log1p(-fnp.exp(above)), below)
    value = fnp.where(z >= b, 0.0, fnp.where(z <= a, -np.inf, value))
    return fnp.where(fnp.isnan(z), np.nan, value)  # nan fails every comparison above


def cdf(x, a, b, loc=0, scale=1):
    """The distribution function, ``exp(logcdf)``.

    >>> round(float(cdf(0.0, -1.0, 1.0)), 12)
    0.5
    """
    return fnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
    """``log sf``: the mirror image ``logcdf(-x, -b, -a, -loc, scale)``.

    >>> round(float(logsf(0.0, -1.0, 1.0)), 12)
    -0.69314718056
    """
    x, a, b, loc = _operands(x, a, b, loc)
    return logcdf(-x, -b, -a, -loc, scale)


def sf(x, a, b, loc=0, scale=1):
    """The survival function, ``exp(logsf)``.

    >>> round(float(sf(0.0, -1.0, 1.0)), 12)
    0.5
    """
    return fnp.exp(logsf(x, a, b, loc, scale))
