"""The beta distribution on [0, 1], as ``jax.scipy.stats.beta``.

>>> float(pdf(0.5, 1.0, 1.0))
1.0
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _log, _log_of_complement, _operands


def logpdf(x, a, b, loc=0, scale=1):
    """``xlogy(a-1, z) + xlog1py(b-1, -z) - betaln(a, b) - log(scale)`` on [0, 1], -inf
    outside; differentiable in x, a, b, loc and scale.

    >>> round(float(logpdf(0.25, 2.0, 3.0)), 12)
    0.523248143765
    """
    x, a, b, loc, scale = _operands(x, a, b, loc, scale)
    z = (x - loc) / scale
    inside = (z >= 0) & (z <= 1)
    safe = fnp.where(inside, z, 0.5)
    value = (special.xlogy(a - 1.0, safe) + special.xlog1py(b - 1.0, -safe)
             - special.betaln(a, b) - _log(scale))
    return fnp.where(inside, value, fnp.where(fnp.isnan(z), z, -np.inf))


def pdf(x, a, b, loc=0, scale=1):
    """The density.

    >>> round(float(pdf(0.25, 2.0, 3.0)), 12)
    1.6875
    """
    return fnp.exp(logpdf(x, a, b, loc, scale))


def cdf(x, a, b, loc=0, scale=1):
    """``betainc(a, b, z)``, z clipped to [0, 1]; differentiable in x, loc, scale and (to
    second order) in the shapes a and b.

    >>> float(cdf(0.5, 1.0, 1.0))
    0.5
    """
    x, loc, scale = _operands(x, loc, scale)
    return special.betainc(a, b, fnp.clip((x - loc) / scale, 0.0, 1.0))


def logcdf(x, a, b, loc=0, scale=1):
    """``log cdf``.

    >>> round(float(logcdf(0.5, 1.0, 1.0)), 12)
    -0.69314718056
    """
    return _log_of_complement(cdf(x, a, b, loc, scale), sf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
    """``betainc(b, a, 1 - z)``: accurate in the right tail, where cdf is near 1.

    >>> float(sf(0.75, 1.0, 1.0))
    0.25
    """
    x, loc, scale = _operands(x, loc, scale)
    return special.betainc(b, a, fnp.clip(1.0 - (x - loc) / scale, 0.0, 1.0))


def logsf(x, a, b, loc=0, scale=1):
    """``log sf``.

    >>> round(float(logsf(0.5, 1.0, 1.0)), 12)
    -0.69314718056
    """
    return _log_of_complement(sf(x, a, b, loc, scale), cdf(x, a, b, loc, scale))
