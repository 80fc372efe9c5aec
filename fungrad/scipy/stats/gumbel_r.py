"""The right-skewed Gumbel distribution, as ``jax.scipy.stats.gumbel_r``: the mirror image
of ``gumbel_l`` (``X`` is right-skewed Gumbel(loc, scale) when ``-X`` is left-skewed
Gumbel(-loc, scale)), so every method is gumbel_l's at ``-x, -loc``.

>>> round(float(logpdf(0.0)), 12)  # -1
-1.0
"""
from __future__ import annotations

import fungrad.numpy as fnp
from fungrad.scipy.special import _operands
from fungrad.scipy.stats import gumbel_l


def _mirror(x, loc):
    x, loc = _operands(x, loc)
    return -x, -loc


def logpdf(x, loc=0, scale=1):
    """``-z - exp(-z) - log(scale)``, ``z = (x - loc)/scale``.

    >>> round(float(logpdf(1.0)), 12)
    -1.367879441171
    """
    return gumbel_l.logpdf(*_mirror(x, loc), scale)


def pdf(x, loc=0, scale=1):
    """The density.

    >>> round(float(pdf(0.0)), 12)
    0.367879441171
    """
    return gumbel_l.pdf(*_mirror(x, loc), scale)


def cdf(x, loc=0, scale=1):
    """``exp(-exp(-z))``.

    >>> round(float(cdf(0.0)), 12)
    0.367879441171
    """
    return gumbel_l.sf(*_mirror(x, loc), scale)


def logcdf(x, loc=0, scale=1):
    """``-exp(-z)``.

    >>> float(logcdf(0.0))
    -1.0
    """
    return gumbel_l.logsf(*_mirror(x, loc), scale)


def sf(x, loc=0, scale=1):
    """``1 - exp(-exp(-z))``, accurate in the right tail.

    >>> round(float(sf(0.0)), 12)
    0.632120558829
    """
    return gumbel_l.cdf(*_mirror(x, loc), scale)


def logsf(x, loc=0, scale=1):
    """``log sf``, finite far in the right tail (``logsf(800) = -800``).

    >>> float(logsf(800.0))
    -800.0
    """
    return gumbel_l.logcdf(*_mirror(x, loc), scale)


def ppf(p, loc=0, scale=1):
    """The quantile function ``loc - scale log(-log p)`` (nan outside [0, 1]).

    >>> round(float(ppf(0.5)), 9)
    0.366512921
    """
    p, loc, scale = _operands(p, loc, scale)
    return loc - scale * fnp.log(-fnp.log(fnp.asarray(p)))
