"""The wrapped Cauchy distribution on [0, 2 pi], as ``jax.scipy.stats.wrapcauchy``.

>>> round(float(pdf(1.0, 0.5)), 12)
0.168193032478
"""
from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.special import _operands


def logpdf(x, c):
    """``log((1 - c^2) / (2 pi (1 + c^2 - 2 c cos x)))`` on the support [0, 2 pi], -inf
    outside it, nan for c outside (0, 1) (as JAX and scipy).

    >>> round(float(logpdf(0.0, 0.5)), 12)
    -0.739264777741
    >>> float(logpdf(7.0, 0.5))
    -inf
    """
    x, c = _operands(x, c)
    x, c = fnp.asarray(x), fnp.asarray(c)
    value = (fnp.log1p(-c * c) - math.log(2 * math.pi)
             - fnp.log(1.0 + c * c - 2.0 * c * fnp.cos(x)))
    inside = (x >= 0) & (x <= 2 * math.pi)
    value = fnp.where(inside, value, fnp.where(fnp.isnan(x), x, -np.inf))
    return fnp.where((c > 0) & (c < 1), value, np.nan)


def pdf(x, c):
    """The density.

    >>> round(float(pdf(0.0, 0.5)), 12)
    0.477464829276
    """
    return fnp.exp(logpdf(x, c))
