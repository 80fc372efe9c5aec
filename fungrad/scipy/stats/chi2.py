"""The chi-squared distribution with ``df`` degrees of freedom, as ``jax.scipy.stats.chi2``:
a gamma distribution with shape ``df/2`` and scale 2.

>>> round(float(logpdf(1.0, 2.0)), 12)
-1.19314718056
"""
from __future__ import annotations

import fungrad.numpy as fnp
from fungrad.scipy.special import _operands
from fungrad.scipy.stats import gamma


def logpdf(x, df, loc=0, scale=1):
    """``gamma.logpdf(x, df/2, loc, 2 scale)``.

    >>> round(float(logpdf(2.0, 4.0)), 12)
    -1.69314718056
    """
    x, df, loc, scale = _operands(x, df, loc, scale)
    return gamma.logpdf(x, df / 2.0, loc, scale * 2.0)


def pdf(x, df, loc=0, scale=1):
    """The density.

    >>> round(float(pdf(1.0, 2.0)), 12)
    0.303265329856
    """
    return fnp.exp(logpdf(x, df, loc, scale))


def cdf(x, df, loc=0, scale=1):
    """``gammainc(df/2, (x - loc)/(2 scale))``.

    >>> round(float(cdf(2.0, 2.0)), 12)
    0.632120558829
    """
    x, df, loc, scale = _operands(x, df, loc, scale)
    return gamma.cdf(x, df / 2.0, loc, scale * 2.0)


def logcdf(x, df, loc=0, scale=1):
    """``gamma.logcdf(x, df/2, loc, 2 scale)``.

    >>> round(float(logcdf(2.0, 2.0)), 12)
    -0.458675145387
    """
    x, df, loc, scale = _operands(x, df, loc, scale)
    return gamma.logcdf(x, df / 2.0, loc, scale * 2.0)


def sf(x, df, loc=0, scale=1):
    """``gammaincc(df/2, (x - loc)/(2 scale))``.

    >>> round(float(sf(2.0, 2.0)), 12)
    0.367879441171
    """
    x, df, loc, scale = _operands(x, df, loc, scale)
    return gamma.sf(x, df / 2.0, loc, scale * 2.0)


def logsf(x, df, loc=0, scale=1):
    """``gamma.logsf(x, df/2, loc, 2 scale)``, accurate far in the right tail.

    >>> round(float(logsf(100.0, 2.0)), 9)
    -50.0
    """
    x, df, loc, scale = _operands(x, df, loc, scale)
    return gamma.logsf(x, df / 2.0, loc, scale * 2.0)
