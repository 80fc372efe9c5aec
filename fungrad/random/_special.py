"""The special functions the samplers need, private to ``fungrad.random``: ``erf_inv`` (the
normal sampler is ``sqrt(2) erf_inv(u)``) and ``nextafter`` (truncated normal bounds).
(``erf`` is ``fungrad.prims.special``'s, XLA's float32 algorithm included.)

``erf_inv`` is Giles' polynomial approximation ("Approximating the erfinv function", GPU
Computing Gems Jade, 2011) in ``w = -log1p(-x^2)``, with the branches and coefficients XLA
uses (two branches in float32, three in float64), so normal samples agree with JAX's:
within a few ulp in float64 and to the ulp in float32, where XLA's fused multiply-adds are
reproduced by evaluating the polynomial steps in float64. ``fungrad.prims.special.erf_inv``
computes the same values; this one evaluates the polynomials in cache-sized chunks and the
tail branches only where they apply, several times faster on the million-sample arrays a
sampler draws.

>>> float(erf_inv(np.float64(0.5)))
0.47693627620446977
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.elementwise import mul
from fungrad.prims import special
from fungrad.prims.rules import batch_elementwise, defjvp, defvjp, primitive

# Giles' coefficients, as XLA uses them: one copy, fungrad.prims.special's
_SMALL_32, _LARGE_32 = special._ERF_INV32_CENTRAL, special._ERF_INV32_TAIL
_SMALL_64, _MIDDLE_64, _TAIL_64 = (special._ERF_INV64_CENTRAL, special._ERF_INV64_MIDDLE,
                                   special._ERF_INV64_TAIL)


def _horner(coefficients, w):
    p = np.full_like(w, coefficients[0])
    for c in coefficients[1:]:
        p *= w
        p += c
    return p


def _horner_fused_32(coefficients, w):
    """float32 Horner steps rounded once each, as a fused multiply-add rounds them."""
    w64 = w.astype(np.float64)
    p = np.full_like(w, coefficients[0])
    wide = np.empty_like(w64)
    for c in coefficients[1:]:
        np.multiply(p, w64, out=wide)
        wide += float(np.float32(c))
        p[...] = wide  # one rounding to float32 per step
    return p


_CHUNK = 1 << 15  # elements per pass: the Horner steps then run in cache


def _erf_inv_impl(x):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    out = np.empty(x.size, x.dtype)
    flat = x.reshape(-1)
    for start in range(0, x.size, _CHUNK):
        _erf_inv_chunk(flat[start:start + _CHUNK], out[start:start + _CHUNK])
    out = out.reshape(x.shape)
    return out if out.ndim else out[()]


def _erf_inv_chunk(x, out):
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log1p(-(x * x))
        # the central branch for all, then the tail branches for the few that need them
        if x.dtype == np.float32:
            horner, branches = _horner_fused_32, ((5.0, _LARGE_32, 3.0),)
            p = horner(_SMALL_32, w - np.float32(2.5))
        else:
            horner, branches = _horner, ((6.25, _MIDDLE_64, 3.25), (16.0, _TAIL_64, 5.0))
            p = horner(_SMALL_64, w - 3.125)
        for threshold, coefficients, shift in branches:
            tail = np.flatnonzero(~(w < threshold))  # NaN w (|x| > 1) goes here too
            if tail.size:
                p[tail] = horner(coefficients, np.sqrt(w[tail]) - w.dtype.type(shift))
        np.multiply(p, x, out=out)
        ends = np.flatnonzero(np.abs(x) == 1)
        out[ends] = x[ends] * np.inf


erf_inv_p = primitive("erf_inv", _erf_inv_impl, lambda a: ShapedArray(
    a.shape, a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)))
batch_elementwise(erf_inv_p)
# d/dx erf_inv(x) = sqrt(pi)/2 exp(erf_inv(x)^2), the rule of fungrad.prims.special's
defjvp(erf_inv_p, lambda t, ans, x: mul(t, special._d_erf_inv(ans)))
defvjp(erf_inv_p, lambda g, ans, x: mul(g, special._d_erf_inv(ans)))


def erf_inv(x):
    """The inverse error function, elementwise (XLA's approximation)."""
    return bind(erf_inv_p, x)


# nextafter: the neighbouring float towards ``y``; piecewise constant, so no derivative
nextafter_p = primitive("nextafter", np.nextafter, lambda x, y: ShapedArray(
    np.broadcast_shapes(x.shape, y.shape), x.dtype), nondiff=True)
batch_elementwise(nextafter_p)


def nextafter(x, y):
    """The next float after ``x`` towards ``y``, elementwise."""
    return bind(nextafter_p, x, y)
