"""The logistic distribution, as ``jax.scipy.stats.logistic``.

>>> round(float(logpdf(0.0)), 12)  # -log 4
-1.38629436112
"""
from __future__ import annotations

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _log, _operands


def logpdf(x, loc=0, scale=1):
    """``-z - 2 log1p(exp(-z)) - log(scale)``, written without overflow in either tail.

    >>> round(float(logpdf(-1000.0)), 6)
    -1000.0
    """
    x, loc, scale = _operands(x, loc, scale)
    z = fnp.abs((x - loc) / scale)  # the density is symmetric
    return -z - 2.0 * fnp.log1p(fnp.exp(-z)) - _log(scale)


def pdf(x, loc=0, scale=1):
    """The density.

    >>> float(pdf(0.0))
    0.25
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``expit((x - loc)/scale)``.

    >>> float(cdf(0.0))
    0.5
    """
    x, loc, scale = _operands(x, loc, scale)
    return special.expit((x - loc) / scale)


def sf(x, loc=0, scale=1):
    """``expit(-(x - loc)/scale)``.

    >>> float(sf(0.0))
    0.5
    """
    x, loc, scale = _operands(x, loc, scale)
    return special.expit(-(x - loc) / scale)


def ppf(q, loc=0, scale=1):
    """``loc + scale * logit(q)``.

    >>> float(ppf(0.5))
    0.0
    """
    loc, scale = _operands(loc, scale)
    return loc + scale * special.logit(q)


def isf(q, loc=0, scale=1):
    """The inverse survival function ``loc - scale * logit(q)``.

    >>> float(isf(0.5, loc=2.0))
    2.0
    """
    loc, scale = _operands(loc, scale)
    return loc - scale * special.logit(q)
