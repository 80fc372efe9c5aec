"""float32 ``log``, ``log1p`` and ``exp`` rounded as XLA's CPU backend rounds them.

numpy's float32 ``log`` is up to 4 ulp from the true value and XLA's within 1, but in other
places: the two disagree on about one sample in five, and a sampler that takes the log of a
log (gumbel) or adds two of them (logistic) drifts further. JAX's random samplers are
compositions of these functions, so to give JAX's float32 samples bit for bit fungrad
evaluates them the way XLA's CPU code does: Cephes' polynomials (through Eigen) in float32,
with the multiply-adds that LLVM fuses on an FMA machine fused here too. A float32 product
is exact in float64, so ``fma32`` is one float64 sum rounded to float32.

These are numpy helpers for primitive implementations (``erf_inv``, the random samplers'
``xla_log``, ``xla_log1p`` and ``xla_exp`` below); float64 inputs go to numpy, whose
float64 functions agree with XLA's to an ulp or so.

>>> u = np.float32([0.25, 0.5, 0.75])
>>> log32(u)
array([-1.3862944, -0.6931472, -0.2876821], dtype=float32)
"""
from __future__ import annotations

import numpy as np

from fungrad.prims.elementwise import _unary, add, elementwise, reciprocal

_F32 = np.float32

# Cephes' logf polynomial, in XLA's (llvm_ir_runtime) order of evaluation
_LOG_P = tuple(_F32(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
                                  -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
                                  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1))
_LOG_Q1, _LOG_Q2 = _F32(-2.12194440e-4), _F32(0.693359375)  # ln 2 = Q2 + Q1, split
_SQRT_HALF = _F32(0.707106781186547524)
_MIN_NORMAL = _F32(np.finfo(np.float32).tiny)
# Cephes' rational log1p for |x| < sqrt(2) - 1 (XLA's Log1p intrinsic), highest power first
_LOG1P_NUM = (2.0039553499201281259648e1, 5.7112963590585538103336e1,
              6.0949667980987787057556e1, 2.9911919328553073277375e1,
              6.5787325942061044846969e0, 4.9854102823193375972212e-1,
              4.5270000862445199635215e-5)[::-1]
_LOG1P_DEN = (6.0118660497603843919306e1, 2.1642788614495947685003e2,
              3.0909872225312059774938e2, 2.2176239823732856465394e2,
              8.3047565967967209469434e1, 1.5062909083469192043167e1, 1.0)[::-1]
_LOG1P_SMALL = _F32(0.41421356237309504880)
# Cephes' expf
_EXP_P = tuple(_F32(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
                                  4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1))
_LOG2E = _F32(1.44269504088896341)
_EXP_C1, _EXP_C2 = _F32(0.693359375), _F32(-2.12194440e-4)


def fma32(a, b, c) -> np.ndarray:
    """``a * b + c`` in float32 with (almost always) one rounding, as a fused multiply-add.

    The product of two float32 numbers is exact in float64; the sum is rounded to float64
    and then to float32. That double rounding differs from a single one only when the
    float64 sum falls exactly halfway between two float32 numbers without being exact --
    about once in 2**29 inexact sums, and then by one ulp.

    >>> third = np.float32(1 / 3)
    >>> fma32(third, np.float32(3), np.float32(-1)), third * np.float32(3) - np.float32(1)
    (np.float32(2.9802322e-08), np.float32(0.0))
    """
    product = np.multiply(a, b, dtype=np.float64)
    if product.ndim == 0:
        return _F32(product + c)
    return np.add(product, c, out=np.empty(product.shape, _F32))  # the sum rounds into it


def horner32(x, coefficients) -> np.ndarray:
    """``c[0] x^(n-1) + ... + c[n-1]`` of float32 ``x`` as XLA's CPU code evaluates it: each
    step ``p * x + c`` one fused multiply-add (``fma32``), highest degree first.

    Each step is two numpy passes, into two buffers made once: the exact float64 product
    of the float32 ``p`` and ``x``, then its sum with ``c`` rounded into ``p``.

    >>> horner32(np.float32([0.5, 2.0]), (1.0, -3.0, 2.0))  # x^2 - 3x + 2
    array([0.75, 0.  ], dtype=float32)
    """
    x = np.asarray(x, _F32)
    wide, p = np.empty(x.shape, np.float64), np.empty(x.shape, _F32)
    np.multiply(x, float(_F32(coefficients[0])), out=wide, dtype=np.float64)
    np.add(wide, float(_F32(coefficients[1])), out=p)
    for c in coefficients[2:]:
        np.multiply(p, x, out=wide, dtype=np.float64)
        np.add(wide, float(_F32(c)), out=p)
    return p


def _reduce(x: np.ndarray):
    """x = 2**e * (1 + t) with t in [sqrt(1/2) - 1, sqrt(2) - 1): Cephes' (t, e)."""
    bits = np.maximum(x, _MIN_NORMAL).view(np.uint32)
    e = ((bits >> 23).astype(np.int32) - 126).astype(_F32)  # frexp's exponent
    m = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(_F32)  # in [0.5, 1)
    low = m < _SQRT_HALF
    t = (m - _F32(1)) + m * low  # (a product by a bool: a select without branches)
    return t, e - low


def log32(x) -> np.ndarray:
    """Natural log of float32 ``x`` as XLA's CPU code computes it.

    >>> log32(np.float32([1.0, 0.0, -1.0, np.inf]))
    array([  0., -inf,  nan,  inf], dtype=float32)
    """
    x = np.asarray(x, _F32)
    with np.errstate(all="ignore"):
        t, e = _reduce(x)
        t2 = t * t
        t3 = t2 * t
        p = _LOG_P
        y = horner32(t, p[0:3])
        y1 = horner32(t, p[3:6])
        y2 = horner32(t, p[6:9])
        y = fma32(fma32(y, t3, y1), t3, y2)
        y = fma32(y, t3, _LOG_Q1 * e)          # fused: (y * t^3) + Q1 e
        out = fma32(_F32(-0.5), t2, t) + y
        out = fma32(_LOG_Q2, e, out)
        if not np.all(x < np.inf):  # one test for the rare special inputs (nan fails it too)
            _put(out, x == np.inf, x)
            _put(out, np.isnan(x), x)
        if not np.all(x > 0):
            _put(out, x == 0, _F32(-np.inf))
            _put(out, ~(x >= 0), _F32(np.nan))  # negative or nan
    return out


def _put(out, where, value):
    """``out[where] = value`` for masks that are rarely true (np.where's branches cost a
    misprediction per element on a random mask)."""
    if where.any():
        np.copyto(out, value, where=where)


def log1p32(x) -> np.ndarray:
    """``log(1 + x)`` of float32 ``x`` as XLA's CPU code computes it: Cephes' rational
    function near 0, ``log32(1 + x)`` elsewhere.

    >>> log1p32(np.float32([1e-8, -0.5, 3.0]))
    array([ 9.9999999e-09, -6.9314718e-01,  1.3862944e+00], dtype=float32)
    """
    x = np.asarray(x, _F32)
    with np.errstate(all="ignore"):
        near_zero = np.abs(x) < _LOG1P_SMALL
        x2 = x * x
        ratio = horner32(x, _LOG1P_NUM) / horner32(x, _LOG1P_DEN)
        out = np.asarray(x + fma32(_F32(-0.5), x2, (x * x2) * ratio))
        far = np.flatnonzero(~near_zero)  # the log only where it is the answer
        if far.size:
            flat = out.reshape(-1)
            flat[far] = log32(x.reshape(-1)[far] + _F32(1))
    return out


def exp32(x) -> np.ndarray:
    """``e ** x`` of float32 ``x`` as XLA's CPU code computes it.

    >>> exp32(np.float32([0.0, 1.0, -200.0]))
    array([1.       , 2.7182817, 0.       ], dtype=float32)
    """
    x = np.asarray(x, _F32)
    with np.errstate(all="ignore"):
        clamped = np.clip(x, _F32(-87.8), _F32(88.8))
        n = np.clip(np.floor(fma32(clamped, _LOG2E, _F32(0.5))), _F32(-127), _F32(127))
        r = fma32(-n, _EXP_C1, clamped)
        r = fma32(-n, _EXP_C2, r)
        z = horner32(r, _EXP_P)
        z = fma32(z, r * r, r) + _F32(1)
        scale = ((n.astype(np.int32) + 127) << 23).view(_F32)
        out = z * scale
        _put(out, np.abs(out) < _MIN_NORMAL, _F32(0))  # XLA flushes subnormal results
        _put(out, np.isnan(x), x)
    return out


_CHUNK = 1 << 14  # elements per pass: a chunk's float64 temporaries stay in cache


def in_chunks(f32_function, x) -> np.ndarray:
    """``f32_function(x)`` evaluated a cache-sized chunk at a time (the dozen float64
    temporaries of a whole large array would each be fresh memory, page-faulted in).

    >>> in_chunks(log32, np.full(40000, np.e, np.float32))[:2]
    array([1., 1.], dtype=float32)
    """
    x = np.asarray(x, _F32)
    if x.size <= _CHUNK:
        return f32_function(x)
    flat = x.reshape(-1)
    out = np.empty(flat.shape, _F32)
    for start in range(0, flat.size, _CHUNK):
        out[start:start + _CHUNK] = f32_function(flat[start:start + _CHUNK])
    return out.reshape(x.shape)


def _dispatch(name: str, f32_version, numpy_version):
    def impl(x):
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":  # (eager binds skip the shape rule that says so)
            raise TypeError(f"{name}: expected a real number array, got "
                            f"{x.dtype.name}{list(x.shape)}")
        if x.dtype == np.float32:
            out = in_chunks(f32_version, x)
            return out if out.ndim else out[()]
        return numpy_version(x)
    return impl


# Primitives for the random samplers: numpy's function in float64, XLA's in float32.
xla_log_p, xla_log = elementwise("xla_log", _dispatch("xla_log", log32, np.log))
xla_log1p_p, xla_log1p = elementwise("xla_log1p", _dispatch("xla_log1p", log1p32, np.log1p))
xla_exp_p, xla_exp = elementwise("xla_exp", _dispatch("xla_exp", exp32, np.exp))
_unary(xla_log_p, lambda ans, x: reciprocal(x))
_unary(xla_log1p_p, lambda ans, x: reciprocal(add(x, 1.0)))
_unary(xla_exp_p, lambda ans, x: ans)
