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

import math

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.elementwise import exp, mul, square
from fungrad.prims.rules import batch_elementwise, defjvp, defvjp, primitive

_SMALL_32 = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
             -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_LARGE_32 = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
             -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
_SMALL_64 = (-3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
             1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
             6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
             2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
             1.051212273321532285e-09, -4.1126339803469836976e-09, -2.9070369957882005086e-08,
             4.2347877827932403518e-07, -1.3654692000834678645e-06, -1.3882523362786468719e-05,
             0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
             0.24015818242558961693, 1.6536545626831027356)
_MIDDLE_64 = (2.2137376921775787049e-9, 9.0756561938885390979e-8, -2.7517406297064545428e-7,
              1.8239629214389227755e-8, 1.5027403968909827627e-6, -4.013867526981545969e-6,
              2.9234449089955446044e-6, 1.2475304481671778723e-5, -4.7318229009055733981e-5,
              6.8284851459573175448e-5, 2.4031110387097893999e-5, -0.0003550375203628474796,
              0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
              -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334,
              3.0838856104922207635)
_TAIL_64 = (-2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-9,
            -3.7894654401267369937e-9, 7.6157012080783393804e-9, -1.4960026627149240478e-8,
            2.9147953450901080826e-8, -6.7711997758452339498e-8, 2.2900482228026654717e-7,
            -9.9298272942317002539e-7, 4.5260625972231537039e-6, -1.9681778105531670567e-5,
            7.5995277030017761139e-5, -0.00021503011930044477347, -0.00013871931833623122026,
            1.0103004648645343977, 4.8499064014085844221)


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
# d/dx erf_inv(x) = sqrt(pi)/2 exp(erf_inv(x)^2)
_HALF_SQRT_PI = math.sqrt(math.pi) / 2
defjvp(erf_inv_p, lambda t, ans, x: mul(t, mul(_HALF_SQRT_PI, exp(square(ans)))))
defvjp(erf_inv_p, lambda g, ans, x: mul(g, mul(_HALF_SQRT_PI, exp(square(ans)))))


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
