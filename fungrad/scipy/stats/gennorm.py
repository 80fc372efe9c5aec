"""The generalized normal distribution with shape ``beta``, as ``jax.scipy.stats.gennorm``.

>>> round(float(logpdf(0.0, 2.0)), 12)  # beta = 2: N(0, 1/2)
-0.572364942925
"""
from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.special import _operands


def logpdf(x, beta):
    """``log(beta) - log 2 - gammaln(1/beta) - |x|^beta``.

    >>> round(float(logpdf(1.0, 1.0)), 12)  # Laplace
    -1.69314718056
    """
    x, beta = _operands(x, beta)
    return (fnp.log(beta) - math.log(2.0) - special.gammaln(1.0 / fnp.asarray(beta))
            - fnp.abs(x) ** beta)


def pdf(x, beta):
    """The density.

    >>> float(pdf(0.0, 1.0))
    0.5
    """
    return fnp.exp(logpdf(x, beta))
