"""Special-function primitives: ``erf``, ``erfc`` and ``erf_inv``, in plain numpy.

They follow what JAX 0.10 computes on the CPU (float64 erf_inv more accurately), so that code
ported from JAX (for instance ``jax.random.normal``, which is ``sqrt(2) * erf_inv(u)``) gives
the same numbers:

- ``erf_inv`` in float32 is M. Giles' approximation ("Approximating the erfinv function", GPU
  Computing Gems, 2011) as XLA writes it: with ``w = -log1p(-x*x)``, a polynomial in
  ``w - 2.5`` or in ``sqrt(w) - 3``, times ``x``. It agrees with JAX to 1 ulp but for about
  0.2% of the inputs with ``|x| > 0.64`` (2 ulps), where XLA's own float32 logarithm differs
  from numpy's. In float64 it is M. Wichura's AS241 normal quantile, rescaled: within 1.5e-15
  (relative) of the exact value everywhere, where XLA's float64 Giles polynomials are off by up
  to 1e-10 near ``+-(1 - 1e-9)``; elsewhere the two agree to a few 1e-15. Both give
  ``erf_inv(+-1) = +-inf``.
- ``erf`` in float32 is Eigen's rational interpolant (odd degree 9 over even degree 12, with
  fused multiply-adds, emulated here in float64), clamped to +-1 past ``|x| = 3.8325``; in
  float64 XLA calls the C library's ``erf``, and so does this module.
- ``erfc`` is the C library's ``erfc`` (in float64, rounded for float32). Its values are
  within a few float32 ulps of XLA's own rational approximation for moderate arguments; far in
  the tail (``erfc(x) < 1e-280``) the C library is the more accurate of the two.

Derivatives are written with fungrad's own operations, so every order works:
``d erf = 2/sqrt(pi) exp(-x^2)``, ``d erfc = -d erf``, ``d erf_inv = sqrt(pi)/2 exp(erf_inv^2)``.
"""
from __future__ import annotations

import math

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.elementwise import exp, mul, neg, sqrt, square
from fungrad.prims.rules import batch_elementwise, defjvp, defvjp, primitive
from fungrad.prims import xla_float32
from fungrad.prims.random_bits import _block_size

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0


def _float_abstract(name: str):
    """Unary float functions: float stays float (float32 stays float32), integers and booleans
    become float64, as numpy's own ufuncs (``np.sin``) promote them."""
    def abstract_eval(aval):
        if aval.dtype.kind == "c":
            raise TypeError(f"{name} is defined for real inputs only, got {aval.str_short()}")
        if aval.dtype.kind not in "biuf":
            raise TypeError(f"{name} expects a real floating-point or integer array, got "
                            f"{aval.str_short()}")
        dtype = aval.dtype if aval.dtype.kind == "f" else np.dtype(np.float64)
        return ShapedArray(aval.shape, dtype, aval.weak_type)
    return abstract_eval


def _as_float(name: str, x) -> np.ndarray:
    """The eager path's input check (bind runs impl directly on concrete values)."""
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return x
    if x.dtype.kind not in "biu":
        raise TypeError(f"{name} expects a real floating-point or integer array, got "
                        f"{x.dtype.name}{list(x.shape)}")
    return x.astype(np.float64)


# float32 Horner and multiply-adds fused as XLA's CPU code contracts ``p * x + c``
_horner_fma32, _fma32 = xla_float32.horner32, xla_float32.fma32


# ----------------------------------------------------------------------------- erf
_ERF32_ALPHA = (0.00022905065861350646, 0.0034082910107109506, 0.050955695062380861,
                0.18520832239976145, 1.128379143519084)
_ERF32_BETA = (-1.1791602954361697e-7, 0.000023547966471313185, 0.0010179625278914885,
               0.014070470171167667, 0.11098505178285362, 0.49746925110067538, 1.0)
_ERF32_SATURATION = np.float32(3.832506856900711)  # erf rounds to +-1 beyond this in float32


def _erf32(x: np.ndarray) -> np.ndarray:
    x2 = x * x
    alpha = [np.float32(c) for c in _ERF32_ALPHA]
    beta = [np.float32(c) for c in _ERF32_BETA]
    p = _fma32(x2, alpha[0], alpha[1])
    for c in alpha[2:]:
        p = _fma32(x2, p, c)
    q = _fma32(x2, beta[0], beta[1])
    for c in beta[2:]:
        q = _fma32(x2, q, c)
    with np.errstate(invalid="ignore"):
        ratio = (x * p) / q
    return np.where(_ERF32_SATURATION <= np.abs(x), np.copysign(np.float32(1), x), ratio)


_libm_erf = np.frompyfunc(math.erf, 1, 1)
_libm_erfc = np.frompyfunc(math.erfc, 1, 1)


def _erf_impl(x):
    x = _as_float("erf", x)
    if x.dtype == np.float32:
        return _erf32(x)
    if x.dtype != np.float64:  # float16: computed in float32, as XLA upcasts it
        return _erf32(x.astype(np.float32)).astype(x.dtype)
    return np.asarray(_libm_erf(x), np.float64)


def _erfc_impl(x):
    x = _as_float("erfc", x)
    return np.asarray(_libm_erfc(x.astype(np.float64)), np.float64).astype(x.dtype)


erf_p = primitive("erf", _erf_impl, _float_abstract("erf"))
erfc_p = primitive("erfc", _erfc_impl, _float_abstract("erfc"))


def erf(x):
    """The error function, elementwise: ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``.

    >>> float(erf(0.5))
    0.5204998778130465
    """
    return bind(erf_p, x)


def erfc(x):
    """The complementary error function ``1 - erf(x)``, accurate where erf is near 1.

    >>> float(erfc(3.0))
    2.2090496998585438e-05
    """
    return bind(erfc_p, x)



def _d_erf(x):
    return mul(_TWO_OVER_SQRT_PI, exp(neg(square(x))))


defjvp(erf_p, lambda t, ans, x: mul(t, _d_erf(x)))
defvjp(erf_p, lambda g, ans, x: mul(g, _d_erf(x)))
defjvp(erfc_p, lambda t, ans, x: neg(mul(t, _d_erf(x))))
defvjp(erfc_p, lambda g, ans, x: neg(mul(g, _d_erf(x))))

# ----------------------------------------------------------------------------- erf_inv
# Giles' float32 coefficients: (w < 5: polynomial in w - 2.5), (otherwise: in sqrt(w) - 3)
_ERF_INV32_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                      0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_ERF_INV32_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                   0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
# Wichura's AS241 ("The percentage points of the normal distribution", Applied Statistics
# 37, 1988) in float64: the normal quantile ndtri(p) as a ratio of two degree-7 polynomials
# with positive coefficients (lowest degree first, numerator then denominator), and
# erf_inv(x) = ndtri((1 + x) / 2) / sqrt(2). Central, |x| <= 0.85: x/2 times the ratio in
# r = 0.180625 - x^2/4. Tails: the ratio in s - 1.6 (s <= 5) or s - 5, s = sqrt(-log p) for
# p = (1 - |x|) / 2, which is exact for |x| >= 1/2.
_AS241_CENTRAL = (
    (3.3871328727963666080e+0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
     1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
     3.3430575583588128105e+4, 2.5090809287301226727e+3),
    (1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
     2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4,
     5.2264952788528545610e+3))
_AS241_TAIL = (
    (1.42343711074968357734e+0, 4.63033784615654529590e+0, 5.76949722146069140550e+0,
     3.64784832476320460504e+0, 1.27045825245236838258e+0, 2.41780725177450611770e-1,
     2.27238449892691845833e-2, 7.74545014278341407640e-4),
    (1.0, 2.05319162663775882187e+0, 1.67638483018380384940e+0, 6.89767334985100004550e-1,
     1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
     1.05075007164441684324e-9))
_AS241_FAR = (
    (6.65790464350110377720e+0, 5.46378491116411436990e+0, 1.78482653991729133580e+0,
     2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
     2.71155556874348757815e-5, 2.01033439929228813265e-7),
    (1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
     7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
     2.04426310338993978564e-15))
_INV_SQRT2 = 1.0 / math.sqrt(2.0)

# elements per pass at most, in equal chunks: the passes then run in cache, and no short
# last chunk pays the numpy calls of a full one
_ERF_INV_CHUNK = 1 << 15


def _rational_as241(t: np.ndarray, coefficients: tuple) -> np.ndarray:
    """``num(t) / den(t)`` for one of AS241's pairs of degree-7 polynomials (float64), by
    Horner's rule in place; every coefficient is positive, and so is every term wherever the
    ratio is used (``t >= 0``), so nothing is lost to cancellation."""
    numerator, denominator = coefficients  # (lowest degree first)
    num = np.multiply(t, numerator[7])
    den = np.multiply(t, denominator[7])
    for k in range(6, 0, -1):
        num += numerator[k]
        num *= t
        den += denominator[k]
        den *= t
    num += numerator[0]
    den += denominator[0]
    return np.divide(num, den, out=num)


def _erf_inv64_central(x: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AS241's central ratio for a flat float64 chunk into ``out``; returns the indices
    where ``|x| > 0.85`` (15% of uniform samples), which the tail ratios must replace, and
    x there (taken before ``out`` is written, in case it is ``x``'s own memory)."""
    with np.errstate(invalid="ignore", over="ignore"):
        r = np.multiply(x, x)
        r *= -0.25
        r += 0.180625
        tail = np.flatnonzero(~(r >= 0.0))  # NaN and |x| > 1 go on too
        tail_x = x[tail]
        np.multiply(_rational_as241(r, _AS241_CENTRAL), x, out=out)
    out *= 0.5 * _INV_SQRT2
    return tail, tail_x


def _erf_inv64_tail(x: np.ndarray) -> np.ndarray:
    """AS241's ``|erf_inv(x)|`` for ``|x| > 0.85``: in ``s = sqrt(-log p)``,
    ``p = (1 - |x|) / 2`` (exact for ``|x| >= 1/2``)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = np.abs(x)
        np.subtract(1.0, s, out=s)
        s *= 0.5
        np.log(s, out=s)  # p = 0 (x = +-1): -inf; p < 0 (|x| > 1): nan
        np.negative(s, out=s)
        np.sqrt(s, out=s)
        far = np.flatnonzero(~(s <= 5.0))  # p < 1.4e-11, and nan
        s_far = s[far]
        s -= 1.6
        value = _rational_as241(s, _AS241_TAIL)
        if far.size:
            value[far] = _rational_as241(s_far - 5.0, _AS241_FAR)
            value[far[np.isinf(s_far)]] = np.inf  # x = +-1
    value *= _INV_SQRT2
    return value


def _erf_inv64(x: np.ndarray, out: np.ndarray) -> None:
    """AS241's erf_inv of flat float64 ``x`` into ``out``: the central ratio a chunk at a
    time (in cache), then the tails of all chunks at once (fewer numpy calls on them)."""
    step = _block_size(x.size, _ERF_INV_CHUNK)
    tails, tail_x = [], []
    for start in range(0, x.size, step):
        chunk = slice(start, start + step)
        tail, xt = _erf_inv64_central(x[chunk], out[chunk])
        if tail.size:
            tail += start
            tails.append(tail)
            tail_x.append(xt)
    if tails:
        tail, xt = (np.concatenate(a) if len(a) > 1 else a[0] for a in (tails, tail_x))
        out[tail] = np.copysign(_erf_inv64_tail(xt), xt)


def _erf_inv32_chunk(x: np.ndarray, out: np.ndarray) -> None:
    """Giles' float32 erf_inv of a flat chunk into ``out``, with XLA's arithmetic (so normal
    samples are JAX's bits): the central polynomial for all, the tail one only where
    ``w = -log1p(-x^2)`` passes 5."""
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.multiply(x, x)
        np.negative(w, out=w)
        w = xla_float32.log1p32(w)  # XLA's float32 log1p
        np.negative(w, out=w)
        p = _horner_fma32(w - np.float32(2.5), _ERF_INV32_CENTRAL)
        tail = np.flatnonzero(~(w < 5.0))  # NaN w (|x| > 1) goes on too
        if tail.size:
            p[tail] = _horner_fma32(np.sqrt(w[tail]) - np.float32(3.0), _ERF_INV32_TAIL)
        np.multiply(p, x, out=out)
        if tail.size:  # +-1 (w = inf): +-inf
            ends = tail[np.abs(x[tail]) == 1]
            out[ends] = x[ends] * np.inf


def _erf_inv_impl(x, out=None):
    x = _as_float("erf_inv", x)
    if x.dtype not in (np.float32, np.float64):  # float16: XLA's float32 algorithm
        result = _erf_inv_impl(x.astype(np.float32)).astype(x.dtype)
        return result if out is None else np.copyto(out, result) or out
    flat = np.ascontiguousarray(x).reshape(-1)
    given, out = out, np.empty(flat.size, x.dtype) if out is None else out.reshape(-1)
    if x.dtype == np.float64:
        _erf_inv64(flat, out)
    else:
        step = _block_size(flat.size, _ERF_INV_CHUNK)
        for start in range(0, flat.size, step):
            stop = start + step
            _erf_inv32_chunk(flat[start:stop], out[start:stop])
    return out.reshape(x.shape) if given is None else given


erf_inv_p = primitive("erf_inv", _erf_inv_impl, _float_abstract("erf_inv"))
erf_inv_p.accepts_out = True  # (a contiguous buffer of the result's shape and dtype)


def erf_inv(x):
    """The inverse error function on [-1, 1] (``+-inf`` at ``+-1``, nan outside).

    >>> float(erf_inv(0.5))
    0.4769362762044698
    """
    return bind(erf_inv_p, x)



def _d_erf_inv(ans):
    return mul(_SQRT_PI_OVER_TWO, exp(square(ans)))


defjvp(erf_inv_p, lambda t, ans, x: mul(t, _d_erf_inv(ans)))
defvjp(erf_inv_p, lambda g, ans, x: mul(g, _d_erf_inv(ans)))

for _p in (erf_p, erfc_p, erf_inv_p):
    _p.weak_propagating = True
    batch_elementwise(_p)


# ---------------------------------------------------------------------------------------------
# Functions whose values come from scipy.special's ufuncs. scipy is imported inside impl and
# abstract_eval only, when such a function is first used: ``import fungrad`` stays free of it.
# Derivatives are identities in fungrad's own operations (so every order works); an argument
# JAX does not differentiate raises when a derivative is asked of it.
# ---------------------------------------------------------------------------------------------

def _scipy_function(name: str):
    import scipy.special
    return getattr(scipy.special, name)


def _float_result(*args):
    """What float dtype numpy's promotion gives these operands (ints become float64, float32
    stays float32, Python scalars are weak): the dtype of the result."""
    total = args[0]
    for a in args[1:]:
        total = np.add(total, a)
    return np.true_divide(total, 1)


def _probe(a):
    return a if type(a) in (bool, int, float) else np.empty((0,), np.asarray(a).dtype)


def _refuse_complex(name: str, operands) -> None:
    """``operands``: (dtype, shape) pairs, from arrays (eager) or abstract values (traced)."""
    for position, (dtype, shape) in enumerate(operands):
        if np.dtype(dtype).kind == "c":
            raise TypeError(f"{name} is defined for real inputs only (as in JAX), got operand "
                            f"{position} of type {np.dtype(dtype).name}{list(shape)}")


def scipy_primitive(name: str, scipy_name: str | None = None, nondiff: bool = False, *,
                    compute=None, complex_ok: bool = False):
    """An elementwise primitive computed by ``scipy.special.<scipy_name>`` (or by
    ``compute``, a float64 numpy function of the broadcast operands), with numpy's
    broadcasting and dtype promotion (float32 stays float32, even where scipy's ufunc only
    has a float64 loop). Complex operands raise a TypeError naming the function unless
    ``complex_ok`` (where JAX accepts them too)."""
    from fungrad.prims.elementwise import elementwise_abstract_eval
    scipy_name = scipy_name or name
    result_rule = elementwise_abstract_eval(name, _float_result)

    def impl(*args):
        dtype = np.asarray(_float_result(*[_probe(a) for a in args])).dtype
        if not complex_ok:
            _refuse_complex(name, [(np.asarray(a).dtype, np.shape(a)) for a in args])
        with np.errstate(all="ignore"):
            out = (compute or _scipy_function(scipy_name))(*args)
        return out.astype(dtype, copy=False) if out.dtype != dtype else out

    def abstract_eval(*avals):
        if not complex_ok:
            _refuse_complex(name, [(a.dtype, a.shape) for a in avals])
        return result_rule(*avals)

    prim = primitive(name, impl, abstract_eval, nondiff=nondiff)
    prim.weak_propagating = True
    batch_elementwise(prim)
    return prim


def not_differentiable(function: str, argument: str, what: str = ""):
    """A derivative rule that refuses, as JAX defines none for this argument."""
    def rule(*args, **params):
        raise TypeError(f"{function} is not differentiable with respect to its argument "
                        f"{argument!r}{what} (JAX defines no derivative there either); pass "
                        f"it as a constant, e.g. through fungrad.lax.stop_gradient")
    return rule


def partial_derivatives(prim, *partials) -> None:
    """jvp and vjp of an elementwise primitive from its partial derivatives, one
    ``partial(ans, *args)`` per argument (a ``not_differentiable`` rule refuses there)."""
    defjvp(prim, *[_times(d) for d in partials])
    defvjp(prim, *[_times(d) for d in partials])


def _times(partial):
    return lambda t, ans, *args: mul(t, partial(ans, *args))


from fungrad.prims.elementwise import (  # noqa: E402  (the scipy-backed half of the module)
    absolute, add, cos, div, eq, expm1, log, log1p, logical_and, lt, maximum, select, sign, sin, sinc, sub,
)
from fungrad.prims.incomplete_shapes import (  # noqa: E402
    betainc_shape_derivatives, igamma_shape_derivatives,
)

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)

# gamma family: d gammaln = digamma, d digamma = polygamma(1, .), d polygamma(n, .) =
# polygamma(n + 1, .); the order n is not differentiable (as in JAX)
gammaln_p = scipy_primitive("gammaln")
_BERNOULLI_EVEN = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)  # B_2 .. B_14


def _trigamma_complex(z: np.ndarray) -> np.ndarray:
    """polygamma(1, z) for complex z, which scipy.special lacks (its zeta is real only):
    reflect to Re z >= 1/2 (``psi1(z) + psi1(1 - z) = pi^2 / sin^2(pi z)``), recur up to
    Re z >= 15 (``psi1(z) = psi1(z + 1) + 1/z^2``), then the asymptotic series
    ``1/z + 1/(2 z^2) + sum_k B_2k / z^(2k+1)``, whose next term is below 1e-17 there."""
    z = np.asarray(z, np.complex128)
    reflect = z.real < 0.5
    w = np.where(reflect, 1.0 - z, z)
    total = np.zeros_like(w)
    for _ in range(15):
        low = w.real < 15
        total += np.where(low, 1.0 / (w * w), 0.0)
        w = np.where(low, w + 1.0, w)
    inverse = 1.0 / w
    inverse_squared = inverse * inverse
    power = inverse * inverse_squared
    series = inverse + inverse_squared / 2.0
    for b in _BERNOULLI_EVEN:
        series = series + b * power
        power = power * inverse_squared
    value = total + series
    return np.where(reflect, (np.pi / np.sin(np.pi * z)) ** 2 - value, value)


def _polygamma(n, x):
    """scipy's polygamma for real x; for complex x (reached only as the derivative of a complex
    gamma, loggamma or digamma) order 1 only, the one scipy cannot give."""
    if np.iscomplexobj(x):
        if not np.all(np.asarray(n) == 1):
            raise TypeError("polygamma: complex arguments are supported for order n = 1 only "
                            "(the second derivative of gamma and loggamma); higher orders of "
                            "complex gamma, loggamma and digamma are not available")
        return _trigamma_complex(np.broadcast_to(x, np.broadcast_shapes(np.shape(n),
                                                                        np.shape(x))))
    return _scipy_function("polygamma")(n, x)


# complex arguments: accepted as the derivatives of complex gamma and loggamma need them (the
# public digamma and polygamma refuse them, as JAX's do)
digamma_p = scipy_primitive("digamma", "psi", complex_ok=True)
polygamma_p = scipy_primitive("polygamma", compute=_polygamma, complex_ok=True)
partial_derivatives(gammaln_p, lambda ans, x: bind(digamma_p, x))
partial_derivatives(digamma_p, lambda ans, x: bind(polygamma_p, 1.0, x))
defjvp(polygamma_p, not_differentiable("polygamma", "n"),
       lambda t, ans, n, x: mul(t, bind(polygamma_p, add(n, 1.0), x)))
defvjp(polygamma_p, not_differentiable("polygamma", "n"),
       lambda g, ans, n, x: mul(g, bind(polygamma_p, add(n, 1.0), x)))

# the normal distribution: ndtr' = phi, log_ndtr' = exp(log phi - log_ndtr) (stable far in the
# left tail, where ndtr underflows), ndtri' = 1 / phi(ndtri)
ndtr_p = scipy_primitive("ndtr")
log_ndtr_p = scipy_primitive("log_ndtr")
ndtri_p = scipy_primitive("ndtri")


def _log_normal_density(x):
    return sub(mul(square(x), -0.5), _LOG_SQRT_2PI)


partial_derivatives(ndtr_p, lambda ans, x: exp(_log_normal_density(x)))
partial_derivatives(log_ndtr_p, lambda ans, x: exp(sub(_log_normal_density(x), ans)))
partial_derivatives(ndtri_p, lambda ans, x: exp(neg(_log_normal_density(ans))))

# scaled complementary error function: erfcx(x) = exp(x^2) erfc(x)
erfcx_p = scipy_primitive("erfcx", complex_ok=True)  # complex too, as in JAX
partial_derivatives(erfcx_p, lambda ans, x: sub(mul(mul(x, 2.0), ans), _TWO_OVER_SQRT_PI))

# modified Bessel functions of orders 0 and 1, plain and scaled by exp(-|x|):
# i0' = i1, i1' = i0 - i1/x (1/2 at 0), i0e' = i1e - sign(x) i0e, i1e' = i0e - i1e (sign + 1/x)
i0_p, i1_p = scipy_primitive("i0"), scipy_primitive("i1")
i0e_p, i1e_p = scipy_primitive("i0e"), scipy_primitive("i1e")


def _over_x(f_ans, x):
    """f(x)/x for an odd f with f'(0) = 1/2, so f(x)/x -> 1/2 at 0 (no 0/0)."""
    zero = eq(x, 0)
    return select(zero, 0.5, div(f_ans, select(zero, 1.0, x)))


partial_derivatives(i0_p, lambda ans, x: bind(i1_p, x))
partial_derivatives(i1_p, lambda ans, x: sub(bind(i0_p, x), _over_x(ans, x)))
partial_derivatives(i0e_p, lambda ans, x: sub(bind(i1e_p, x), mul(sign(x), ans)))
partial_derivatives(i1e_p, lambda ans, x: sub(sub(bind(i0e_p, x), _over_x(ans, x)),
                                           mul(sign(x), ans)))

# regularized incomplete gamma and beta functions: differentiable in x (closed forms, every
# order) and in the shapes a, b (to second order, below)
gammainc_p = scipy_primitive("gammainc")
gammaincc_p = scipy_primitive("gammaincc")
betainc_p = scipy_primitive("betainc")


def _gamma_density(a, x):
    """x^(a-1) exp(-x) / Gamma(a), through logarithms."""
    return exp(sub(sub(mul(sub(a, 1.0), log(x)), x), bind(gammaln_p, a)))


def _beta_density(a, b, x):
    """x^(a-1) (1-x)^(b-1) / B(a, b), through logarithms."""
    log_beta = sub(add(bind(gammaln_p, a), bind(gammaln_p, b)), bind(gammaln_p, add(a, b)))
    from fungrad.prims.elementwise import log1p
    return exp(sub(add(mul(sub(a, 1.0), log(x)), mul(sub(b, 1.0), log1p(neg(x)))), log_beta))


# the shapes a, b: no closed form; prims/incomplete_shapes carries the first and second
# derivatives through the series and continued fractions (as XLA's igamma_grad_a does the
# first). Their x-derivatives are closed forms again (the shape derivatives of the density),
# so every mixed derivative of second order works; a third order in the shapes refuses.
_last_kernel_call: dict = {}  # kernel -> (its inputs, its outputs): the latest call only


def _shape_kernel(kernel, index: int):
    """Output ``index`` of ``kernel(*flat_float64_arrays, special)`` on broadcast inputs.
    A gradient in (a, b) and a Hessian ask one kernel for several of its outputs at the same
    point: the latest call's outputs are kept, so they are computed once."""
    def impl(*args):
        arrays = np.broadcast_arrays(*[np.asarray(a, np.float64) for a in args])
        shape = arrays[0].shape
        flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
        key = tuple(a.tobytes() for a in flat)
        cached = _last_kernel_call.get(kernel)
        if cached is None or cached[0] != key:
            with np.errstate(all="ignore"):
                cached = (key, kernel(*flat, _scipy_function))
            _last_kernel_call[kernel] = cached
        return cached[1][index].reshape(shape).copy()
    return impl


def _shape_primitive(name: str, kernel, index: int):
    return scipy_primitive(name, compute=_shape_kernel(kernel, index))


igamma_grad_a_p = _shape_primitive("igamma_grad_a", igamma_shape_derivatives, 0)
igamma_grad_aa_p = _shape_primitive("igamma_grad_aa", igamma_shape_derivatives, 1)
betainc_grad_a_p = _shape_primitive("betainc_grad_a", betainc_shape_derivatives, 0)
betainc_grad_b_p = _shape_primitive("betainc_grad_b", betainc_shape_derivatives, 1)
betainc_grad_aa_p = _shape_primitive("betainc_grad_aa", betainc_shape_derivatives, 2)
betainc_grad_ab_p = _shape_primitive("betainc_grad_ab", betainc_shape_derivatives, 3)
betainc_grad_bb_p = _shape_primitive("betainc_grad_bb", betainc_shape_derivatives, 4)


def _trigamma(x):
    return bind(polygamma_p, 1.0, x)


def _d_log_gamma_density(a, x):
    return sub(log(x), bind(digamma_p, a))


partial_derivatives(gammainc_p, lambda ans, a, x: bind(igamma_grad_a_p, a, x),
                    lambda ans, a, x: _gamma_density(a, x))
partial_derivatives(gammaincc_p, lambda ans, a, x: neg(bind(igamma_grad_a_p, a, x)),
                    lambda ans, a, x: neg(_gamma_density(a, x)))
partial_derivatives(igamma_grad_a_p, lambda ans, a, x: bind(igamma_grad_aa_p, a, x),
                    lambda ans, a, x: mul(_gamma_density(a, x), _d_log_gamma_density(a, x)))
partial_derivatives(
    igamma_grad_aa_p, not_differentiable("gammainc", "a", " a third time"),
    lambda ans, a, x: mul(_gamma_density(a, x),
                          sub(square(_d_log_gamma_density(a, x)), _trigamma(a))))


def _d_log_beta_density(a, b, x):
    """The gradient (in a, b) of the log of the beta density."""
    from fungrad.prims.elementwise import log1p
    shared = bind(digamma_p, add(a, b))
    return (add(sub(log(x), bind(digamma_p, a)), shared),
            add(sub(log1p(neg(x)), bind(digamma_p, b)), shared))


def _beta_density_derivative(i: int, j: int | None = None):
    """d/dx of dI/d(shape i) (j None) or of d2I/d(shape i)d(shape j): the density's own
    derivatives in the shapes, ``density * (l_i)`` or ``density * (l_i l_j + l_ij)``."""
    def partial(ans, a, b, x):
        gradient = _d_log_beta_density(a, b, x)
        if j is None:
            return mul(_beta_density(a, b, x), gradient[i])
        shared = _trigamma(add(a, b))
        own = (sub(shared, _trigamma(a)), shared, sub(shared, _trigamma(b)))[i + j]
        return mul(_beta_density(a, b, x), add(mul(gradient[i], gradient[j]), own))
    return partial


partial_derivatives(betainc_p, lambda ans, a, b, x: bind(betainc_grad_a_p, a, b, x),
                    lambda ans, a, b, x: bind(betainc_grad_b_p, a, b, x),
                    lambda ans, a, b, x: _beta_density(a, b, x))
partial_derivatives(betainc_grad_a_p, lambda ans, a, b, x: bind(betainc_grad_aa_p, a, b, x),
                    lambda ans, a, b, x: bind(betainc_grad_ab_p, a, b, x),
                    _beta_density_derivative(0))
partial_derivatives(betainc_grad_b_p, lambda ans, a, b, x: bind(betainc_grad_ab_p, a, b, x),
                    lambda ans, a, b, x: bind(betainc_grad_bb_p, a, b, x),
                    _beta_density_derivative(1))
for _prim, (_i, _j) in ((betainc_grad_aa_p, (0, 0)), (betainc_grad_ab_p, (0, 1)),
                        (betainc_grad_bb_p, (1, 1))):
    partial_derivatives(_prim, not_differentiable("betainc", "a", " a third time"),
                        not_differentiable("betainc", "b", " a third time"),
                        _beta_density_derivative(_i, _j))

# Gamma itself and its sign, log-gamma of positive reals, Hurwitz zeta, exponential integrals,
# Spence's dilogarithm and Pochhammer's symbol
gamma_p = scipy_primitive("gamma", complex_ok=True)  # complex too, as in JAX
gammasgn_p = scipy_primitive("gammasgn", nondiff=True)  # piecewise constant
loggamma_p = scipy_primitive("loggamma", complex_ok=True)
partial_derivatives(gamma_p, lambda ans, x: mul(ans, bind(digamma_p, x)))
partial_derivatives(loggamma_p, lambda ans, x: bind(digamma_p, x))

zeta_p = scipy_primitive("zeta")
defjvp(zeta_p, not_differentiable("zeta", "x"),
       lambda t, ans, x, q: neg(mul(t, mul(x, bind(zeta_p, add(x, 1.0), q)))))
defvjp(zeta_p, not_differentiable("zeta", "x"),
       lambda g, ans, x, q: neg(mul(g, mul(x, bind(zeta_p, add(x, 1.0), q)))))

exp1_p, expi_p, expn_p = scipy_primitive("exp1"), scipy_primitive("expi"), scipy_primitive("expn")
partial_derivatives(exp1_p, lambda ans, x: neg(div(exp(neg(x)), x)))
partial_derivatives(expi_p, lambda ans, x: div(exp(x), x))


def _d_expn(n, x):
    # -E_(n-1)(x), where E_0(x) = exp(-x)/x (scipy's expn has no n = 0)
    first = eq(n, 1)
    safe_n = select(first, 2.0, n)  # keeps E_0 (nan in scipy) out of the other branch
    return neg(select(first, div(exp(neg(x)), x), bind(expn_p, sub(safe_n, 1.0), x)))


defjvp(expn_p, not_differentiable("expn", "n"), lambda t, ans, n, x: mul(t, _d_expn(n, x)))
defvjp(expn_p, not_differentiable("expn", "n"), lambda g, ans, n, x: mul(g, _d_expn(n, x)))

spence_p = scipy_primitive("spence")


def _d_spence(ans, x):
    # log(x) / (1 - x), whose limit at x = 1 is -1
    one = eq(x, 1)
    safe = select(one, 2.0, x)
    return select(one, -1.0, div(log(safe), sub(1.0, safe)))


partial_derivatives(spence_p, _d_spence)

poch_p = scipy_primitive("poch")


def _poch_dz(ans, z, m):
    return mul(ans, sub(bind(digamma_p, add(z, m)), bind(digamma_p, z)))


defjvp(poch_p, lambda t, ans, z, m: mul(t, _poch_dz(ans, z, m)),
       lambda t, ans, z, m: mul(t, mul(ans, bind(digamma_p, add(z, m)))))
defvjp(poch_p, lambda g, ans, z, m: mul(g, _poch_dz(ans, z, m)),
       lambda g, ans, z, m: mul(g, mul(ans, bind(digamma_p, add(z, m)))))

# Box-Cox transforms, Dawson's integral, the Fresnel, sine and cosine integrals, Faddeeva's
# function, Owen's T and Kummer's 1F1: values from scipy, derivatives the closed forms
boxcox_p, boxcox1p_p = scipy_primitive("boxcox"), scipy_primitive("boxcox1p")


def _boxcox_dlmbda(ans, log_x, lmbda):
    """d/dl (x^l - 1)/l = (x^l log x - boxcox) / l, which cancels for small l log x: there its
    Taylor series ``L^2/2 + l L^3/3 + l^2 L^4/8 + l^3 L^5/30`` (L = log x), whose truncation
    (like the cancellation on the other side) is near 1e-13 relative at |l L| = 1e-3."""
    small = lt(absolute(mul(lmbda, log_x)), 1e-3)
    safe = select(small, 1.0, lmbda)
    safe_ans = select(small, expm1(log_x), ans)  # boxcox at l = 1 on the discarded branch
    general = div(sub(mul(exp(mul(safe, log_x)), log_x), safe_ans), safe)
    term = mul(square(log_x), 0.5)
    taylor = term
    for k in (1, 2, 3):  # term_k = l^k L^(k+2) (k+1) / (k+2)!
        term = mul(term, mul(mul(lmbda, log_x), (k + 1) / (k * (k + 2))))
        taylor = add(taylor, term)
    return select(small, taylor, general)


partial_derivatives(boxcox_p, lambda ans, x, lmbda: exp(mul(sub(lmbda, 1.0), log(x))),
                    lambda ans, x, lmbda: _boxcox_dlmbda(ans, log(x), lmbda))
partial_derivatives(boxcox1p_p, lambda ans, x, lmbda: exp(mul(sub(lmbda, 1.0), log1p(x))),
                    lambda ans, x, lmbda: _boxcox_dlmbda(ans, log1p(x), lmbda))

dawsn_p = scipy_primitive("dawsn")
partial_derivatives(dawsn_p, lambda ans, x: sub(1.0, mul(mul(x, 2.0), ans)))

# the two halves of scipy's fresnel and sici, each its own primitive (scipy computes both)
fresnel_s_p = scipy_primitive("fresnel_s", compute=lambda x: _scipy_function("fresnel")(x)[0])
fresnel_c_p = scipy_primitive("fresnel_c", compute=lambda x: _scipy_function("fresnel")(x)[1])
partial_derivatives(fresnel_s_p, lambda ans, x: sin(mul(square(x), math.pi / 2)))
partial_derivatives(fresnel_c_p, lambda ans, x: cos(mul(square(x), math.pi / 2)))

si_p = scipy_primitive("sici_si", compute=lambda x: _scipy_function("sici")(x)[0])
ci_p = scipy_primitive("sici_ci", compute=lambda x: _scipy_function("sici")(x)[1])
partial_derivatives(si_p, lambda ans, x: sinc(mul(x, 1 / math.pi)))  # sin x / x, 1 at 0
partial_derivatives(ci_p, lambda ans, x: div(cos(x), x))

owens_t_p = scipy_primitive("owens_t")
_INV_SQRT_2PI = 1.0 / math.sqrt(2 * math.pi)


def _owens_t_dh(ans, h, a):
    # -phi(h) erf(a h / sqrt 2) / 2
    return mul(mul(exp(mul(square(h), -0.5)), -0.5 * _INV_SQRT_2PI),
               bind(erf_p, mul(mul(a, h), 1 / math.sqrt(2))))


def _owens_t_da(ans, h, a):
    # exp(-h^2 (1 + a^2) / 2) / (2 pi (1 + a^2))
    one_plus = add(square(a), 1.0)
    return div(exp(mul(mul(square(h), one_plus), -0.5)), mul(one_plus, 2 * math.pi))


partial_derivatives(owens_t_p, _owens_t_dh, _owens_t_da)

def _hyp1f1(a, b, x):
    # JAX's convention 1F1(0; 0; x) = 1, where scipy gives inf
    return np.where((np.asarray(a) == 0) & (np.asarray(b) == 0), 1.0,
                    _scipy_function("hyp1f1")(a, b, x))


def _d_hyp1f1_x(ans, a, b, x):
    # a/b 1F1(a+1; b+1; x), and 0 where a = b = 0 (1F1 = 1 there)
    both_zero = logical_and(eq(a, 0), eq(b, 0))
    safe_b = select(both_zero, 1.0, b)
    return select(both_zero, 0.0,
                  mul(div(a, safe_b), bind(hyp1f1_p, add(a, 1.0), add(safe_b, 1.0), x)))


hyp1f1_p = scipy_primitive("hyp1f1", compute=_hyp1f1)
_hyp1f1_shape = " (fungrad differentiates 1F1 in x only)"
partial_derivatives(hyp1f1_p, not_differentiable("hyp1f1", "a", _hyp1f1_shape),
                    not_differentiable("hyp1f1", "b", _hyp1f1_shape), _d_hyp1f1_x)


def _wofz_impl(z):
    z = np.asarray(z)
    if z.dtype.kind not in "biufc":
        raise TypeError(f"wofz expects a real or complex numeric array, got "
                        f"{z.dtype.name}{list(z.shape)}")
    dtype = np.result_type(z.dtype, 1j)
    out = np.asarray(_scipy_function("wofz")(z))
    return out.astype(dtype, copy=False) if out.dtype != dtype else out


def _wofz_abstract(aval):
    if aval.dtype.kind not in "biufc":
        raise TypeError(f"wofz expects a real or complex numeric array, got {aval.str_short()}")
    dtype = np.result_type(aval.dtype, 1j)
    return ShapedArray(aval.shape, dtype, aval.weak_type)


# Faddeeva's w(z) = exp(-z^2) erfc(-iz), complex for real z too; w' = -2 z w + 2i/sqrt(pi)
wofz_p = primitive("wofz", _wofz_impl, _wofz_abstract)
batch_elementwise(wofz_p)
partial_derivatives(wofz_p, lambda ans, z: add(mul(mul(z, -2.0), ans), 1j * _TWO_OVER_SQRT_PI))

# Bessel functions of the first kind of integer order n (a float array here, so that float32
# stays float32): d/dx J_n = (J_(n-1) - J_(n+1)) / 2, J_(-1) = -J_1; the order is not
# differentiable. Gauss's 2F1: d/dx = ab/c 2F1(a+1, b+1; c+1; x), as 1F1 in x only.
bessel_jn_p = scipy_primitive("bessel_jn", "jv")
_bessel_order = not_differentiable("bessel_jn", "v", " (an integer order)")
defjvp(bessel_jn_p, _bessel_order, lambda t, ans, n, x: mul(t, _d_bessel_jn(n, x)))
defvjp(bessel_jn_p, _bessel_order, lambda g, ans, n, x: mul(g, _d_bessel_jn(n, x)))


def _d_bessel_jn(n, x):
    return mul(sub(bind(bessel_jn_p, sub(n, 1.0), x), bind(bessel_jn_p, add(n, 1.0), x)), 0.5)


hyp2f1_p = scipy_primitive("hyp2f1")
_hyp2f1_shape = " (fungrad differentiates 2F1 in x only)"
partial_derivatives(
    hyp2f1_p, not_differentiable("hyp2f1", "a", _hyp2f1_shape),
    not_differentiable("hyp2f1", "b", _hyp2f1_shape),
    not_differentiable("hyp2f1", "c", _hyp2f1_shape),
    lambda ans, a, b, c, x: mul(div(mul(a, b), c),
                                bind(hyp2f1_p, add(a, 1.0), add(b, 1.0), add(c, 1.0), x)))


# spherical harmonics Y_n^m(theta, phi), complex; the degree n and order m come as floats of
# the angles' dtype (whole numbers) so that float32 stays complex64. d/dphi = i m Y and the
# ladder d/dtheta = (c+ e^(-i phi) Y^(m+1) - c- e^(i phi) Y^(m-1)) / 2, with
# c+- = sqrt((n -+ m)(n +- m + 1)), which needs no cot(theta) and holds at the poles; scipy
# gives Y = 0 for |m| > n, where the c's vanish too.
def _sph_harm_dtype(n, m, theta, phi):
    return np.multiply(np.add(theta, phi), 1j)


def _sph_harm_y_impl(n, m, theta, phi):
    dtype = np.asarray(_sph_harm_dtype(*[_probe(a) for a in (n, m, theta, phi)])).dtype
    n, m = np.asarray(n).astype(np.int64), np.asarray(m).astype(np.int64)
    with np.errstate(all="ignore"):
        out = np.asarray(_scipy_function("sph_harm_y")(n, m, theta, phi))
    return out.astype(dtype, copy=False) if out.dtype != dtype else out


def _sph_harm_y_abstract(*avals):
    from fungrad.prims.elementwise import elementwise_abstract_eval
    _refuse_complex("sph_harm_y", [(a.dtype, a.shape) for a in avals])
    return elementwise_abstract_eval("sph_harm_y", _sph_harm_dtype)(*avals)


sph_harm_y_p = primitive("sph_harm_y", _sph_harm_y_impl, _sph_harm_y_abstract)
batch_elementwise(sph_harm_y_p)


def _sph_harm_d_theta(ans, n, m, theta, phi):
    # clamped at 0: past |m| = n (reached by a second derivative) the products turn negative
    up = sqrt(maximum(mul(sub(n, m), add(add(n, m), 1.0)), 0.0))
    down = sqrt(maximum(mul(add(n, m), add(sub(n, m), 1.0)), 0.0))
    raised = mul(mul(up, exp(mul(phi, -1j))), bind(sph_harm_y_p, n, add(m, 1.0), theta, phi))
    lowered = mul(mul(down, exp(mul(phi, 1j))), bind(sph_harm_y_p, n, sub(m, 1.0), theta, phi))
    return mul(sub(raised, lowered), 0.5)


partial_derivatives(sph_harm_y_p, not_differentiable("sph_harm_y", "n", " (an integer degree)"),
                    not_differentiable("sph_harm_y", "m", " (an integer order)"),
                    _sph_harm_d_theta, lambda ans, n, m, theta, phi: mul(ans, mul(m, 1j)))
