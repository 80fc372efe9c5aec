"""The Dirichlet distribution on the simplex, as ``jax.scipy.stats.dirichlet``.

>>> round(float(logpdf(np.array([0.5, 0.5]), np.array([1.0, 1.0]))), 12)  # uniform: log 1
0.0
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special


def logpdf(x, alpha):
    """``sum((alpha - 1) log x) + gammaln(sum alpha) - sum gammaln(alpha)`` over the first
    axis of x (JAX's and scipy's layout: components first), -inf off the simplex.

    >>> round(float(logpdf(np.array([0.2, 0.8]), np.array([2.0, 3.0]))), 12)
    0.429181634725
    """
    x, alpha = fnp.asarray(x), fnp.asarray(alpha)
    if alpha.ndim != 1 or x.shape[:1] != alpha.shape:
        raise ValueError(f"dirichlet.logpdf: alpha must be 1-D and x's first axis must match "
                         f"it, got x {x.shape} and alpha {alpha.shape}")
    a = fnp.reshape(alpha, alpha.shape + (1,) * (x.ndim - 1))
    normalizer = special.gammaln(fnp.sum(alpha)) - fnp.sum(special.gammaln(alpha))
    value = fnp.sum(special.xlogy(a - 1.0, x), axis=0) + normalizer
    on_simplex = fnp.all(x >= 0, axis=0) & (fnp.abs(fnp.sum(x, axis=0) - 1.0) < 1e-6)
    return fnp.where(on_simplex, value, -np.inf)


def pdf(x, alpha):
    """The density.

    >>> round(float(pdf(np.array([0.5, 0.5]), np.array([1.0, 1.0]))), 12)
    1.0
    """
    return fnp.exp(logpdf(x, alpha))
