"""The Cauchy distribution, as ``jax.scipy.stats.cauchy``.

>>> round(float(logpdf(0.0)), 12)  # -log pi
-1.144729885849
"""
from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.special import _log, _log_of_complement, _operands


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
    """``1/2 + arctan(z)/pi``, as ``arctan2(1, -z)/pi`` so that the left tail keeps its
    digits (``cdf(-1e10) = 1/(pi 1e10)``, not a difference of nearly equal numbers).

    >>> float(cdf(0.0))
    0.5
    """
    x, loc, scale = _operands(x, loc, scale)
    return fnp.arctan2(1.0, -(x - loc) / scale) / math.pi


def logcdf(x, loc=0, scale=1):
    """``log cdf``.

    >>> round(float(logcdf(0.0)), 12)
    -0.69314718056
    """
    return _log_of_complement(cdf(x, loc, scale), sf(x, loc, scale))


def sf(x, loc=0, scale=1):
    """``1 - cdf``, the mirror image ``cdf(-x, -loc, scale)`` (accurate in the right tail).

    >>> float(sf(1.0))
    0.25
    """
    x, loc, scale = _operands(x, loc, scale)
    return cdf(-x, -loc, scale)


def logsf(x, loc=0, scale=1):
    """``log sf``.

    >>> round(float(logsf(1.0)), 12)
    -1.38629436112
    """
    return _log_of_complement(sf(x, loc, scale), cdf(x, loc, scale))


def ppf(q, loc=0, scale=1):
    """``loc + scale tan(pi (q - 1/2))``.

    >>> round(float(ppf(0.75)), 12)
    1.0
    """
    q, loc, scale = _operands(q, loc, scale)
    return loc + scale * _on_unit_interval(q, fnp.tan(math.pi * (fnp.asarray(q) - 0.5)))


def _on_unit_interval(q, value):
    """A quantile's standard value: -inf at q = 0, inf at q = 1, nan outside [0, 1]."""
    q = fnp.asarray(q)
    inside = (q > 0) & (q < 1)
    ends = fnp.where(q == 0, -np.inf, fnp.where(q == 1, np.inf, np.nan))
    return fnp.where(inside, value, ends.astype(fnp.result_type(value)))


def isf(q, loc=0, scale=1):
    """The inverse survival function ``loc + scale tan(pi (1/2 - q))``, as ``loc + scale /
    tan(pi q)`` (no pole to approach for small q: ``isf(1e-10) = 1/(pi 1e-10)``).

    >>> round(float(isf(0.25)), 12)
    1.0
    """
    q, loc, scale = _operands(q, loc, scale)
    return loc - scale * _on_unit_interval(q, -1.0 / fnp.tan(math.pi * fnp.asarray(q)))
