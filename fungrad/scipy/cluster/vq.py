"""``fungrad.scipy.cluster.vq``: ``vq``, the nearest code of a code book for each
observation, as ``jax.scipy.cluster.vq.vq``.

The distances are a composition of fungrad operations, so they differentiate in both the
observations and the code book (the codes themselves are integers: piecewise constant).

>>> codes, dists = vq(np.array([[0.0, 0.0], [3.0, 4.5]]), np.array([[0.0, 1.0], [3.0, 4.0]]))
>>> codes, dists
(array([0, 1]), array([1. , 0.5]))
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import Tracer
from fungrad.scipy._checks import describe, inexact_dtype, numeric_array

__all__ = ["vq"]

_FUNC = "fungrad.scipy.cluster.vq.vq"


def vq(obs, code_book, check_finite: bool = True):
    """Assign each observation (a row of ``obs``, shape ``(M, N)``; or an entry, for 1-D
    ``obs``) the index of the nearest code (row of ``code_book``, shape ``(K, N)``) in
    Euclidean distance. Returns ``(codes, dists)``, both of shape ``(M,)``.

    ``check_finite`` (as in scipy; JAX ignores it) refuses infinities and NaNs in inputs
    whose values are known now; traced inputs cannot be checked.

    >>> obs = np.array([[1.1, 2.1, 3.1], [5.9, 4.8, 6.2]])
    >>> code_book = np.array([[1., 2., 3.], [2., 3., 4.], [3., 4., 5.], [4., 5., 6.]])
    >>> codes, dists = vq(obs, code_book)
    >>> codes
    array([0, 3])
    >>> np.round(dists, 6)
    array([0.173205, 1.920937])
    """
    obs = numeric_array(_FUNC, "obs", obs)
    code_book = numeric_array(_FUNC, "code_book", code_book)
    dtype = inexact_dtype(obs, code_book)
    obs, code_book = obs.astype(dtype), code_book.astype(dtype)
    if obs.ndim != code_book.ndim:
        raise ValueError(f"{_FUNC}: obs ({describe(obs)}) and code_book "
                         f"({describe(code_book)}) must have the same rank")
    if obs.ndim == 1:
        obs, code_book = obs[:, None], code_book[:, None]
    if obs.ndim != 2:
        raise ValueError(f"{_FUNC}: obs and code_book must be 1-D or 2-D, got "
                         f"{describe(obs)} and {describe(code_book)}")
    if obs.shape[1] != code_book.shape[1]:
        raise ValueError(f"{_FUNC}: obs ({describe(obs)}) and code_book "
                         f"({describe(code_book)}) must have the same number of features "
                         "(columns)")
    if code_book.shape[0] == 0:
        raise ValueError(f"{_FUNC}: code_book must hold at least one code, got "
                         f"{describe(code_book)}")
    if check_finite:
        for name, x in (("obs", obs), ("code_book", code_book)):
            if not isinstance(x, Tracer) and not np.all(np.isfinite(np.asarray(x))):
                raise ValueError(f"{_FUNC}: {name} must not contain infs or NaNs (pass "
                                 "check_finite=False to skip this check)")
    squared = fnp.sum((obs[:, None, :] - code_book[None, :, :]) ** 2, axis=-1)  # (M, K)
    codes = fnp.argmin(squared, axis=-1)
    nearest = fnp.take_along_axis(squared, codes[:, None], axis=-1)[:, 0]
    return codes, fnp.sqrt(nearest)
