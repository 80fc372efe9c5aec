"""The multivariate normal distribution, as ``jax.scipy.stats.multivariate_normal``.

>>> round(float(logpdf(np.zeros(2), np.zeros(2), np.eye(2))), 12)  # -log(2 pi)
-1.837877066409
"""
from __future__ import annotations

import math

import numpy as np  # noqa: F401  (the doctests use it)

import fungrad.numpy as fnp


def logpdf(x, mean, cov, allow_singular: bool = False):
    """``-(d log(2 pi) + log det cov + (x - mean)^T cov^-1 (x - mean)) / 2`` over the last
    axis of x (batched over the leading ones); differentiable in x, mean and cov.

    >>> round(float(logpdf(np.ones(1), np.zeros(1), 4 * np.eye(1))), 12)
    -1.737085713765
    """
    if allow_singular:
        raise NotImplementedError("multivariate_normal.logpdf: allow_singular=True is not "
                                  "supported (as in JAX)")
    x, mean, cov = fnp.asarray(x), fnp.asarray(mean), fnp.asarray(cov)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"multivariate_normal.logpdf: cov must be a square matrix, got shape "
                         f"{cov.shape} ({cov.dtype})")
    d = cov.shape[0]
    if x.shape[-1:] != (d,):
        raise ValueError(f"multivariate_normal.logpdf: x's last axis must have size {d} (cov "
                         f"is {cov.shape}), got x of shape {x.shape}")
    diff = x - mean
    _, log_det = fnp.linalg.slogdet(cov)
    quadratic = fnp.sum(diff * (diff @ fnp.linalg.inv(cov)), axis=-1)
    return -0.5 * (d * math.log(2 * math.pi) + log_det + quadratic)


def pdf(x, mean, cov):
    """The density.

    >>> round(float(pdf(np.zeros(1), np.zeros(1), np.eye(1))), 12)
    0.398942280401
    """
    return fnp.exp(logpdf(x, mean, cov))


