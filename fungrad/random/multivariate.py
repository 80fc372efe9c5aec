"""Multivariate samplers: ``multivariate_normal`` (a factor of the covariance times standard
normals) and ``orthogonal`` (Haar-random orthogonal matrices from the QR decomposition of a
Gaussian matrix, with the signs of R's diagonal divided out). Both need the matrix
decompositions of ``fungrad.numpy.linalg``.

>>> import fungrad.random as random
>>> q = random.orthogonal(random.PRNGKey(0), 3)
>>> bool(np.allclose(q @ q.T, np.eye(3)))
True
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import get_aval
from fungrad.random.continuous import float_dtype, normal_floats, shape_of
from fungrad.random.keys import canonical_shape, check_key

__all__ = ["multivariate_normal", "orthogonal"]


def _linalg(name: str, function: str):
    fn = getattr(fnp.linalg, function, None)
    if fn is None:
        raise NotImplementedError(f"{name} needs fungrad.numpy.linalg.{function}, which this "
                                  "build of fungrad does not have")
    return fn


def multivariate_normal(key, mean, cov, shape: Sequence[int] | None = None, dtype=None,
                        method: str = "cholesky") -> Any:
    """Samples of ``N(mean, cov)``: shape ``shape + mean.shape[-1:]`` (``shape`` defaults to
    the broadcast batch shape of ``mean`` and ``cov``). ``method`` factors ``cov``:
    "cholesky" (the default), or "eigh" / "svd" for a singular covariance.

    >>> import fungrad.random as random
    >>> x = random.multivariate_normal(random.PRNGKey(0), np.zeros(2), np.eye(2), (3,))
    >>> x.shape
    (3, 2)
    """
    data, _ = check_key("multivariate_normal", key)
    if method not in ("svd", "eigh", "cholesky"):
        raise ValueError(f"multivariate_normal: method must be one of 'svd', 'eigh' and "
                         f"'cholesky', got {method!r}")
    mean, cov = (fnp.asarray(v) if not hasattr(v, "aval") else v for v in (mean, cov))
    inexact = np.result_type(get_aval(mean).dtype, get_aval(cov).dtype, np.float16)
    dtype = float_dtype("multivariate_normal", inexact if dtype is None else dtype)
    mean, cov = fnp.astype(mean, dtype), fnp.astype(cov, dtype)
    mean_shape, cov_shape = shape_of(mean), shape_of(cov)
    if len(mean_shape) < 1:
        raise ValueError("multivariate_normal requires mean.ndim >= 1, got mean.ndim == 0")
    if len(cov_shape) < 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == "
                         f"{len(cov_shape)}")
    n = mean_shape[-1]
    if cov_shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, "
                         f"but got cov.shape == {cov_shape}")
    batch = np.broadcast_shapes(mean_shape[:-1], cov_shape[:-2])
    if shape is None:
        shape = batch
    else:
        shape = canonical_shape("multivariate_normal", shape)
        if np.broadcast_shapes(shape, batch) != shape:
            raise ValueError(f"multivariate_normal: shape {shape} must be broadcast-compatible "
                             f"with the batch shapes of mean {mean_shape} and cov {cov_shape}")
    if method == "svd":
        u, s, _ = _linalg("multivariate_normal", "svd")(cov)
        factor = u * fnp.expand_dims(fnp.sqrt(s), -2)
    elif method == "eigh":
        w, v = _linalg("multivariate_normal", "eigh")(cov)
        factor = v * fnp.expand_dims(fnp.sqrt(w), -2)
    else:
        factor = _linalg("multivariate_normal", "cholesky")(cov)
    z = normal_floats(data, tuple(shape) + (n,), dtype)
    return mean + fnp.squeeze(fnp.matmul(factor, fnp.expand_dims(z, -1)), -1)


def orthogonal(key, n: int, shape: Sequence[int] = (), dtype=None, m: int | None = None) -> Any:
    """Uniformly (Haar) random ``n x m`` matrices with orthonormal columns or rows
    (``m = n`` by default: orthogonal matrices), of batch shape ``shape``.

    >>> import fungrad.random as random
    >>> random.orthogonal(random.PRNGKey(1), 2, (4,)).shape
    (4, 2, 2)
    """
    data, _ = check_key("orthogonal", key)
    dtype = float_dtype("orthogonal", dtype)
    shape = canonical_shape("orthogonal", shape)
    m = n if m is None else m
    for what, v in (("n", n), ("m", m)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"orthogonal: {what} must be a non-negative integer, got {v!r}")
    z = normal_floats(data, tuple(shape) + (max(n, m), min(n, m)), dtype)
    q, r = _linalg("orthogonal", "qr")(z)
    d = fnp.diagonal(r, axis1=-2, axis2=-1)
    x = q * fnp.expand_dims(fnp.sign(d), -2)
    return fnp.swapaxes(x, -1, -2) if n < m else x
