"""The Laplace distribution, as ``jax.scipy.stats.laplace``.

>>> round(float(logpdf(0.0)), 12)  # -log 2
-0.69314718056
"""
from __future__ import annotations

import fungrad.numpy as fnp
from fungrad.scipy.special import _log, _operands


def logpdf(x, loc=0, scale=1):
    """``-|x - loc|/scale - log(2 scale)``.

    >>> round(float(logpdf(1.0)), 12)
    -1.69314718056
    """
    x, loc, scale = _operands(x, loc, scale)
    return -fnp.abs((x - loc) / scale) - _log(scale) - 0.6931471805599453


def pdf(x, loc=0, scale=1):
    """The density.

    >>> float(pdf(0.0))
    0.5
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1/2 exp(z)`` for z < 0, ``1 - 1/2 exp(-z)`` otherwise, ``z = (x - loc)/scale``.

    >>> float(cdf(0.0))
    0.5
    """
    x, loc, scale = _operands(x, loc, scale)
    z = (x - loc) / scale
    return fnp.where(z < 0, 0.5 * fnp.exp(fnp.minimum(z, 0.0)),
                     1.0 - 0.5 * fnp.exp(-fnp.maximum(z, 0.0)))
