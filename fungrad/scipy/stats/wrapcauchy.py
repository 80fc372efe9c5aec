"""The wrapped Cauchy distribution on [0, 2 pi], as ``jax.scipy.stats.wrapcauchy``.

>>> round(float(pdf(1.0, 0.0)), 12)  # c = 0: uniform
0.159154943092
"""
from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad.scipy.special import _operands


def logpdf(x, c):
    """``log((1 - c^2) / (2 pi (1 + c^2 - 2 c cos x)))``.

    >>> round(float(logpdf(0.0, 0.5)), 12)
    -0.739264777741
    """
    x, c = _operands(x, c)
    return (fnp.log1p(-c * c) - math.log(2 * math.pi)
            - fnp.log(1.0 + c * c - 2.0 * c * fnp.cos(x)))


def pdf(x, c):
    """The density.

    >>> round(float(pdf(0.0, 0.5)), 12)
    0.477464829276
    """
    return fnp.exp(logpdf(x, c))
