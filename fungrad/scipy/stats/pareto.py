"""The Pareto distribution with shape ``b``, as ``jax.scipy.stats.pareto``.

>>> round(float(logpdf(2.0, 1.0)), 12)  # -2 log 2
-1.38629436112
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
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
    return fnp.where(inside, value, -np.inf)


def pdf(x, b, loc=0, scale=1):
    """The density.

    >>> float(pdf(1.0, 2.0))
    2.0
    """
    return fnp.exp(logpdf(x, b, loc, scale))
