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


def cdf(x, beta):
    """``(1 + sign(x) gammainc(1/beta, |x|^beta)) / 2``; differentiable in x and (to second
    order) in beta. At x = 0 it is written ``1/2 + x pdf(x)``, whose derivative is the density
    there (the chain rule through ``|x|^beta`` would give ``inf * 0``).

    >>> float(cdf(0.0, 2.0))
    0.5
    """
    x, beta = _operands(x, beta)
    x = fnp.asarray(x)
    zero = x == 0
    safe = fnp.where(zero, 1.0, x)
    general = 0.5 * (1.0 + fnp.sign(safe) * special.gammainc(1.0 / fnp.asarray(beta),
                                                             fnp.abs(safe) ** beta))
    return fnp.where(zero, 0.5 + x * pdf(x, beta), general)
