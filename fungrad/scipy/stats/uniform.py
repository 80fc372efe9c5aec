"""The uniform distribution on ``[loc, loc + scale]``, as ``jax.scipy.stats.uniform``.

>>> float(pdf(0.5))
1.0
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.special import _log, _operands


def logpdf(x, loc=0, scale=1):
    """``-log(scale)`` inside the interval, -inf outside.

    >>> float(logpdf(2.0))
    -inf
    """
    x, loc, scale = _operands(x, loc, scale)
    inside = (x >= loc) & (x <= loc + scale)
    return fnp.where(inside, -_log(scale) + 0.0 * x, fnp.where(fnp.isnan(x), x, -np.inf))


def pdf(x, loc=0, scale=1):
    """The density.

    >>> float(pdf(-1.0))
    0.0
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``clip((x - loc)/scale, 0, 1)``.

    >>> float(cdf(0.25))
    0.25
    """
    x, loc, scale = _operands(x, loc, scale)
    return fnp.clip((x - loc) / scale, 0.0, 1.0)


def ppf(q, loc=0, scale=1):
    """``loc + q scale`` on [0, 1], nan outside.

    >>> float(ppf(0.25, loc=1.0, scale=2.0))
    1.5
    """
    q, loc, scale = _operands(q, loc, scale)
    return fnp.where((q >= 0) & (q <= 1), loc + q * scale, np.nan)
