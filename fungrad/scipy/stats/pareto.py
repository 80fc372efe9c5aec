"""The Pareto distribution with shape ``b``, as ``jax.scipy.stats.pareto``.

>>> round(float(logpdf(2.0, 1.0)), 12)  # -2 log 2
-1.38629436112
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import nn
from fungrad.scipy.special import _log, _operands


def logpdf(x, b, loc=0, scale=1):
    """``log b - (b + 1) log z - log(scale)`` for ``z = (x - loc)/scale >= 1``, -inf below.

    >>> float(logpdf(0.5, 1.0))
    -inf
    """
    x, b, loc, scale = _operands(x, b, loc, scale)
    z = (x - loc) / scale
    inside = z >= 1
    safe = fnp.where(inside, z, 1.0)
    value = fnp.log(b) - (fnp.asarray(b) + 1.0) * fnp.log(safe) - _log(scale)
    return fnp.where(inside, value, fnp.where(fnp.isnan(z), z, -np.inf))


def pdf(x, b, loc=0, scale=1):
    """The density.

    >>> float(pdf(1.0, 2.0))
    2.0
    """
    return fnp.exp(logpdf(x, b, loc, scale))


def _log_z(x, loc, scale):
    """``log z``, ``z = (x - loc)/scale``, and where the support ``z >= 1`` holds (log z is 0
    outside it, a safe value whose derivative vanishes; nan stays nan)."""
    x, loc, scale = _operands(x, loc, scale)
    z = (x - loc) / scale
    inside = z >= 1
    return fnp.log(fnp.where(inside | fnp.isnan(z), z, 1.0)), inside


def logsf(x, b, loc=0, scale=1):
    """``-b log z`` on the support, 0 below it.

    >>> round(float(logsf(np.e, 2.0)), 12)
    -2.0
    """
    log_z, _ = _log_z(x, loc, scale)
    return -_operands(b) * log_z


def sf(x, b, loc=0, scale=1):
    """``z^-b`` on the support, 1 below it.

    >>> float(sf(2.0, 1.0))
    0.5
    """
    return fnp.exp(logsf(x, b, loc, scale))


def cdf(x, b, loc=0, scale=1):
    """``1 - z^-b``, as ``-expm1(-b log z)`` (accurate near the lower end), 0 below it.

    >>> float(cdf(2.0, 1.0))
    0.5
    """
    return -fnp.expm1(logsf(x, b, loc, scale))


def logcdf(x, b, loc=0, scale=1):
    """``log(1 - z^-b)``, -inf below the support.

    >>> round(float(logcdf(2.0, 1.0)), 12)
    -0.69314718056
    """
    log_z, inside = _log_z(x, loc, scale)
    inside = inside & (log_z > 0)
    value = nn.log1mexp(_operands(b) * fnp.where(inside, log_z, 1.0))
    return fnp.where(inside, value, fnp.where(fnp.isnan(log_z), log_z, -np.inf))


def ppf(q, b, loc=0, scale=1):
    """``loc + scale (1 - q)^(-1/b)`` on [0, 1], nan outside.

    >>> float(ppf(0.75, 2.0))
    2.0
    """
    q, b, loc, scale = _operands(q, b, loc, scale)
    q = fnp.asarray(q)
    inside = (q >= 0) & (q <= 1)
    value = loc + scale * fnp.exp(-fnp.log1p(-fnp.where(inside, q, 0.0)) / b)
    return fnp.where(inside, value, np.nan)
