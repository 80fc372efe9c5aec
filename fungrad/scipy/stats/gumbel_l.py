"""The left-skewed Gumbel distribution, as ``jax.scipy.stats.gumbel_l``: the distribution of
``-X`` for a right-skewed Gumbel ``X`` (``gumbel_r`` is written as this one's mirror image).

>>> round(float(logpdf(0.0)), 12)
-1.0
"""
from __future__ import annotations

import fungrad.numpy as fnp
from fungrad import nn
from fungrad.scipy.special import _log, _operands


def _z(x, loc, scale):
    x, loc, scale = _operands(x, loc, scale)
    return (x - loc) / scale


def logpdf(x, loc=0, scale=1):
    """``z - exp(z) - log(scale)``, ``z = (x - loc)/scale``.

    >>> round(float(logpdf(-1.0)), 12)
    -1.367879441171
    """
    return _z(x, loc, scale) - fnp.exp(_z(x, loc, scale)) - _log(_operands(scale))


def pdf(x, loc=0, scale=1):
    """The density.

    >>> round(float(pdf(0.0)), 12)
    0.367879441171
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1 - exp(-exp(z))``, as ``-expm1(-exp(z))`` (accurate in the left tail).

    >>> round(float(cdf(0.0)), 12)
    0.632120558829
    """
    return -fnp.expm1(-fnp.exp(_z(x, loc, scale)))


def logcdf(x, loc=0, scale=1):
    """``log(1 - exp(-exp(z)))``, finite far in the left tail (``logcdf(-800) = -800``),
    where ``exp(z)`` underflows: there it is ``z - exp(z)/2`` to double precision.

    >>> float(logcdf(-800.0))
    -800.0
    """
    z = _z(x, loc, scale)
    tail = z < -30.0
    near = nn.log1mexp(fnp.exp(fnp.maximum(z, -30.0)))
    far = fnp.minimum(z, -30.0) - fnp.exp(fnp.minimum(z, -30.0)) / 2.0
    return fnp.where(tail, far, near)


def sf(x, loc=0, scale=1):
    """``exp(-exp(z))``.

    >>> round(float(sf(0.0)), 12)
    0.367879441171
    """
    return fnp.exp(logsf(x, loc, scale))


def logsf(x, loc=0, scale=1):
    """``-exp(z)``.

    >>> float(logsf(0.0))
    -1.0
    """
    return -fnp.exp(_z(x, loc, scale))


def ppf(p, loc=0, scale=1):
    """The quantile function ``loc + scale log(-log1p(-p))`` (nan outside [0, 1]).

    >>> round(float(ppf(0.5)), 9)
    -0.366512921
    """
    p, loc, scale = _operands(p, loc, scale)
    return loc + scale * fnp.log(-fnp.log1p(-fnp.asarray(p)))
