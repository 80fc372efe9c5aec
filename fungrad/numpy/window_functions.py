"""Window functions (bartlett, blackman, hamming, hanning, kaiser) and the modified Bessel
function ``i0`` that the Kaiser window is made of.

The windows of a length ``M`` alone are constants: numpy computes them, and ``M`` must be a
concrete integer (as in JAX, where it is static). ``kaiser`` is differentiable in ``beta``,
and ``i0`` in its argument to every order, because ``i0`` is written with differentiable
operations: the power series ``sum_k (x/2)^(2k) / (k!)^2`` for ``|x| <= 20`` and the
asymptotic series ``e^x / sqrt(2 pi x) * sum_k b_k / x^k`` beyond, both within a few units
in the last place of float64.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from fungrad.array import wrap
from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _arr, _dtype
from fungrad.numpy.dtypes import astype
from fungrad.prims import elementwise as ew

_SERIES_LIMIT = 20.0  # where the asymptotic series reaches float64's precision
# i0(x) = sum_k t^k / (k!)^2 with t = x^2 / 4: 40 terms reach 1e-16 for |x| <= 20
_SERIES = tuple(1.0 / math.factorial(k) ** 2 for k in range(40))
# i0(x) ~ e^x / sqrt(2 pi x) sum_k b_k x^-k, b_k = b_(k-1) (2k - 1)^2 / (8k), for x > 20
_ASYMPTOTIC = [1.0]
for _k in range(1, 22):
    _ASYMPTOTIC.append(_ASYMPTOTIC[-1] * (2 * _k - 1) ** 2 / (8 * _k))
_ASYMPTOTIC = tuple(_ASYMPTOTIC)


def _horner(coefficients, t):
    """``sum_k coefficients[k] t^k``."""
    out = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        out = ew.add(ew.mul(out, t), c)
    return out


def i0(x):
    """numpy.i0: the modified Bessel function of the first kind of order 0, elementwise
    (float32 stays float32; integers and booleans give float64). Differentiable:
    ``i0' = i1``.

    >>> i0(np.array([0.0, 1.0, 30.0]))
    array([1.00000000e+00, 1.26606588e+00, 7.81672298e+11])
    >>> import fungrad
    >>> round(float(fungrad.grad(i0)(1.0)), 12)  # i1(1) = 0.565159103992485...
    0.565159103992
    """
    x = _arr(x)
    dtype = _dtype(x)
    if dtype.kind not in "biuf":
        raise TypeError(f"fungrad.numpy.i0: x must be real, got {get_aval(x).str_short()}")
    result = np.i0(np.zeros(1, dtype)).dtype
    x = astype(x, np.float32 if result == np.float16 else result)
    ax = ew.absolute(x)
    small = ew.le(ax, _SERIES_LIMIT)
    # each series sees only arguments where it is used, so neither gives NaN derivatives
    xs = ew.select(small, x, 0.0)
    series = _horner(_SERIES, ew.mul(ew.mul(xs, xs), 0.25))
    infinite = ew.isinf(x)
    xl = ew.select(ew.logical_or(small, infinite), 2 * _SERIES_LIMIT, ax)
    half = ew.exp(ew.mul(xl, 0.5))  # e^x in two halves: finite up to i0's own overflow
    scale = ew.mul(half, ew.div(half, ew.sqrt(ew.mul(xl, 2 * math.pi))))
    asymptotic = ew.mul(scale, _horner(_ASYMPTOTIC, ew.div(1.0, xl)))
    out = ew.select(small, series, asymptotic)
    return astype(ew.select(infinite, np.inf, out), result)


def _length(M, func: str) -> int:
    if isinstance(M, Tracer):
        raise TypeError(f"fungrad.numpy.{func}: the window length M must be a concrete "
                        f"integer (it sets the result's shape), got traced {M.aval.str_short()}")
    try:
        return operator.index(M)
    except TypeError:
        raise TypeError(f"fungrad.numpy.{func}: M must be an integer, got {M!r}") from None


def bartlett(M: int):
    """numpy.bartlett: the triangular window of ``M`` points (float64).

    >>> bartlett(5)
    array([0. , 0.5, 1. , 0.5, 0. ])
    """
    return wrap(np.bartlett(_length(M, "bartlett")))


def blackman(M: int):
    """numpy.blackman: the Blackman window of ``M`` points (float64).

    >>> blackman(3).round(6)
    array([-0.,  1., -0.])
    """
    return wrap(np.blackman(_length(M, "blackman")))


def hamming(M: int):
    """numpy.hamming: the Hamming window of ``M`` points (float64).

    >>> hamming(3)
    array([0.08, 1.  , 0.08])
    """
    return wrap(np.hamming(_length(M, "hamming")))


def hanning(M: int):
    """numpy.hanning: the Hann window of ``M`` points (float64).

    >>> hanning(3)
    array([0., 1., 0.])
    """
    return wrap(np.hanning(_length(M, "hanning")))


def kaiser(M: int, beta):
    """numpy.kaiser: the Kaiser window of ``M`` points, ``i0(beta sqrt(1 - r^2)) / i0(beta)``
    with ``r`` running from -1 to 1 (float64); differentiable in ``beta``.

    >>> kaiser(3, 2.0)
    array([0.43867628, 1.        , 0.43867628])
    """
    n = _length(M, "kaiser")
    beta = _arr(beta)
    if get_aval(beta).ndim != 0 or _dtype(beta).kind not in "biuf":
        raise TypeError(f"fungrad.numpy.kaiser: beta must be a real scalar, got "
                        f"{get_aval(beta).str_short()}")
    beta = astype(beta, np.float64)
    if n <= 1:
        return np.ones(max(n, 0), np.float64)
    alpha = (n - 1) / 2.0
    r = (np.arange(n) - alpha) / alpha
    shape = np.sqrt(np.maximum(1.0 - r * r, 0.0))  # the window's shape before i0
    return ew.div(i0(ew.mul(beta, shape)), i0(beta))
