"""The gamma distribution with shape ``a``, as ``jax.scipy.stats.gamma``.

>>> round(float(logpdf(1.0, 1.0)), 12)
-1.0
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.special import _log, _log_of_complement, _operands
from fungrad.scipy import special


def logpdf(x, a, loc=0, scale=1):
    """``(a-1) log z - z - gammaln(a) - log(scale)``, ``z = (x - loc)/scale``; -inf for z < 0.

    >>> round(float(logpdf(2.0, 3.0)), 12)
    -1.30685281944
    """
    x, a, loc, scale = _operands(x, a, loc, scale)
    z = (x - loc) / scale
    inside = z >= 0
    safe_z = fnp.where(inside, z, 1.0)
    value = special.xlogy(a - 1.0, safe_z) - safe_z - special.gammaln(a) - _log(scale)
    return fnp.where(inside, value, fnp.where(fnp.isnan(z), z, -np.inf))


def pdf(x, a, loc=0, scale=1):
    """The density.

    >>> round(float(pdf(1.0, 1.0)), 12)
    0.367879441171
    """
    return fnp.exp(logpdf(x, a, loc, scale))


def cdf(x, a, loc=0, scale=1):
    """``gammainc(a, (x - loc)/scale)``, differentiable in x, loc, scale and (to second
    order) in the shape a.

    >>> round(float(cdf(1.0, 1.0)), 12)
    0.632120558829
    """
    x, loc, scale = _operands(x, loc, scale)
    return special.gammainc(a, fnp.maximum((x - loc) / scale, 0.0))


def sf(x, a, loc=0, scale=1):
    """``gammaincc(a, (x - loc)/scale)``.

    >>> round(float(sf(1.0, 1.0)), 12)
    0.367879441171
    """
    x, loc, scale = _operands(x, loc, scale)
    return special.gammaincc(a, fnp.maximum((x - loc) / scale, 0.0))


def logcdf(x, a, loc=0, scale=1):
    """``log cdf`` (-inf below loc), as ``log1p(-sf)`` where sf is the small one.

    >>> round(float(logcdf(1.0, 1.0)), 12)  # log(1 - 1/e)
    -0.458675145387
    """
    return _log_of_complement(cdf(x, a, loc, scale), sf(x, a, loc, scale))


def logsf(x, a, loc=0, scale=1):
    """``log sf``, from ``gammaincc`` (accurate far in the right tail, where cdf is 1), and
    as ``log1p(-cdf)`` where cdf is the small one.

    >>> round(float(logsf(50.0, 1.0)), 9)
    -50.0
    """
    return _log_of_complement(sf(x, a, loc, scale), cdf(x, a, loc, scale))

