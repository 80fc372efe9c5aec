"""Student's t distribution with ``df`` degrees of freedom, as ``jax.scipy.stats.t``.

>>> round(float(logpdf(0.0, 1.0)), 12)  # Cauchy: -log(pi)
-1.144729885849
"""
from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad.scipy.special import _log, _operands
from fungrad.scipy import special


def logpdf(x, df, loc=0, scale=1):
    """``gammaln((df+1)/2) - gammaln(df/2) - log(pi df)/2 - log(scale)
    - (df+1)/2 log1p(z^2/df)``, ``z = (x - loc)/scale``.

    >>> round(float(logpdf(1.0, 2.0)), 12)
    -1.647918433002
    """
    x, df, loc, scale = _operands(x, df, loc, scale)
    z = (x - loc) / scale
    half = (df + 1.0) / 2.0
    return (special.gammaln(half) - special.gammaln(df / 2.0)
            - 0.5 * fnp.log(df * math.pi) - _log(scale) - half * fnp.log1p(z * z / df))


def pdf(x, df, loc=0, scale=1):
    """The density.

    >>> round(float(pdf(0.0, 1.0)), 12)
    0.318309886184
    """
    return fnp.exp(logpdf(x, df, loc, scale))
