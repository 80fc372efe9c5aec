"""The normal distribution truncated to ``[a, b]`` (in standard units), as
``jax.scipy.stats.truncnorm``.

>>> round(float(pdf(0.0, -1.0, 1.0)), 12)
0.584368567257
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _log, _operands
from fungrad.scipy.stats import norm


def _log_mass(a, b):
    """``log(ndtr(b) - ndtr(a))``, from whichever tail keeps it accurate."""
    right = a > 0  # both bounds in the right tail: use the survival function
    upper = fnp.where(right, special.log_ndtr(-a), special.log_ndtr(b))
    lower = fnp.where(right, special.log_ndtr(-b), special.log_ndtr(a))
    return upper + fnp.log1p(-fnp.exp(lower - upper))


def logpdf(x, a, b, loc=0, scale=1):
    """``norm.logpdf(z) - log(ndtr(b) - ndtr(a)) - log(scale)`` on [a, b], -inf outside.

    >>> round(float(logpdf(10.5, 10.0, 11.0)), 6)  # far in the tail, still finite
    -2.812628
    """
    x, a, b, loc, scale = _operands(x, a, b, loc, scale)
    z = (x - loc) / scale
    inside = (z >= a) & (z <= b)
    value = norm.logpdf(z) - _log_mass(fnp.asarray(a), fnp.asarray(b)) - _log(scale)
    return fnp.where(inside, value, -np.inf)


def pdf(x, a, b, loc=0, scale=1):
    """The density.

    >>> float(pdf(2.0, -1.0, 1.0))
    0.0
    """
    return fnp.exp(logpdf(x, a, b, loc, scale))
