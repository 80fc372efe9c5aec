"""Gaussian kernel density estimation, as ``jax.scipy.stats.gaussian_kde``.

>>> kde = gaussian_kde(np.array([0.0, 1.0, 2.0]))
>>> round(float(kde.evaluate(np.array([1.0]))[0]), 12)
0.318156220926
"""
from __future__ import annotations

import math

import numpy as np  # noqa: F401  (the doctests use it)

import fungrad.numpy as fnp
from fungrad.scipy.special import logsumexp


class gaussian_kde:  # noqa: N801  (JAX's and scipy's name)
    """A mixture of Gaussians centred on the data, with the data's covariance scaled by
    Scott's or Silverman's factor (or a given number). ``dataset`` is ``(d, n)`` (or ``(n,)``);
    differentiable in the dataset, the weights and the points evaluated.

    >>> gaussian_kde(np.array([0.0, 2.0])).factor == 2 ** (-1 / 5)
    True
    """

    def __init__(self, dataset, bw_method=None, weights=None):
        dataset = fnp.atleast_2d(fnp.asarray(dataset))
        d, n = dataset.shape
        if n < 2:
            raise ValueError(f"gaussian_kde: the dataset needs at least 2 points, got shape "
                             f"{dataset.shape}")
        if weights is None:
            weights = fnp.ones(n, dtype=dataset.dtype) / n
        else:
            weights = fnp.asarray(weights)
            if weights.shape != (n,):
                raise ValueError(f"gaussian_kde: weights must have shape ({n},), got "
                                 f"{weights.shape}")
            weights = weights / fnp.sum(weights)
        self.dataset, self.weights, self.d, self.n = dataset, weights, d, n
        self.neff = 1.0 / fnp.sum(weights ** 2)
        neff = float(self.neff)
        if bw_method is None or bw_method == "scott":
            self.factor = neff ** (-1.0 / (d + 4))
        elif bw_method == "silverman":
            self.factor = (neff * (d + 2) / 4.0) ** (-1.0 / (d + 4))
        elif isinstance(bw_method, (int, float)) and not isinstance(bw_method, bool):
            self.factor = float(bw_method)
        else:
            raise ValueError(f"gaussian_kde: bw_method must be 'scott', 'silverman' or a "
                             f"number, got {bw_method!r}")
        mean = fnp.sum(dataset * weights, axis=1, keepdims=True)
        centered = dataset - mean
        # the weighted covariance with scipy's bias correction
        data_cov = (centered * weights) @ centered.T / (1.0 - fnp.sum(weights ** 2))
        self.covariance = data_cov * self.factor ** 2
        self.inv_cov = fnp.linalg.inv(self.covariance)
        self.log_det = fnp.linalg.slogdet(self.covariance)[1]

    def logpdf(self, points):
        """The log of the estimated density at ``points`` (``(d, m)`` or ``(m,)`` for d = 1).

        >>> kde = gaussian_kde(np.array([0.0, 1.0, 2.0]))
        >>> bool(np.isclose(kde.logpdf(np.array([1.0]))[0], np.log(kde.pdf(np.array([1.0]))[0])))
        True
        """
        points = fnp.atleast_2d(fnp.asarray(points))
        if points.shape[0] != self.d:
            raise ValueError(f"gaussian_kde: points must have {self.d} rows, got shape "
                             f"{points.shape}")
        diff = self.dataset[:, :, None] - points[:, None, :]  # (d, n, m)
        quadratic = fnp.einsum("inm,ij,jnm->nm", diff, self.inv_cov, diff)
        log_norm = -0.5 * (self.d * math.log(2 * math.pi) + self.log_det)
        return logsumexp(-0.5 * quadratic + log_norm, axis=0,
                         b=fnp.reshape(self.weights, (-1, 1)) * fnp.ones_like(quadratic))

    def evaluate(self, points):
        """The estimated density at ``points``.

        >>> float(gaussian_kde(np.array([0.0, 1.0])).evaluate(np.array([0.5]))[0]) > 0
        True
        """
        return fnp.exp(self.logpdf(points))

    def pdf(self, points):
        """The same as ``evaluate``.

        >>> float(gaussian_kde(np.array([0.0, 1.0])).pdf(np.array([0.5]))[0]) > 0
        True
        """
        return self.evaluate(points)

    __call__ = evaluate


