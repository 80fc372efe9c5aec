"""The Cauchy distribution, as ``jax.scipy.stats.cauchy``.

>>> round(float(logpdf(0.0)), 12)  # -log pi
-1.144729885849
"""
from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad.scipy.special import _log, _operands


def logpdf(x, loc=0, scale=1):
    """``-log(pi scale) - log1p(z^2)``.

    >>> round(float(logpdf(1.0)), 12)
    -1.837877066409
    """
    x, loc, scale = _operands(x, loc, scale)
    z = (x - loc) / scale
    return -math.log(math.pi) - _log(scale) - fnp.log1p(z * z)


def pdf(x, loc=0, scale=1):
    """The density.

    >>> round(float(pdf(0.0)), 12)
    0.318309886184
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1/2 + arctan(z)/pi``.

    >>> float(cdf(0.0))
    0.5
    """
    x, loc, scale = _operands(x, loc, scale)
    return 0.5 + fnp.arctan((x - loc) / scale) / math.pi


def ppf(q, loc=0, scale=1):
    """``loc + scale tan(pi (q - 1/2))``.

    >>> round(float(ppf(0.75)), 12)
    1.0
    """
    q, loc, scale = _operands(q, loc, scale)
    return loc + scale * fnp.tan(math.pi * (q - 0.5))
