"""The von Mises distribution on the circle, as ``jax.scipy.stats.vonmises``.

>>> round(float(pdf(0.0, 0.0)), 12)  # uniform: 1 / (2 pi)
0.159154943092
"""
from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _operands


def logpdf(x, kappa):
    """``kappa (cos x - 1) - log(2 pi i0e(kappa))`` (i0e keeps large kappa finite).

    >>> round(float(logpdf(0.0, 1.0)), 12)
    -1.073791424917
    """
    x, kappa = _operands(x, kappa)
    return kappa * (fnp.cos(x) - 1.0) - math.log(2 * math.pi) - fnp.log(special.i0e(kappa))


def pdf(x, kappa):
    """The density.

    >>> round(float(pdf(0.0, 1.0)), 12)
    0.341710488623
    """
    return fnp.exp(logpdf(x, kappa))
