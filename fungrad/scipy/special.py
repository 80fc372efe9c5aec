"""``fungrad.scipy.special``: JAX's ``jax.scipy.special``, differentiable.

Values are scipy.special's (its ufuncs); derivatives are identities written with fungrad's own
operations, so derivatives of every order work. Compositions keep the stable forms:
``xlogy(0, 0) = 0`` with a finite derivative, ``expit`` without overflow, ``log_ndtr`` far in
the tails, ``logsumexp`` with ``-inf`` entries, weights ``b``, ``where`` and ``return_sign``.

>>> float(logsumexp(np.array([0.0, 0.0])))
0.6931471805599453
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import nn
from fungrad.core import bind
from fungrad.numpy._util import _strong
from fungrad.prims import special as _prims
from fungrad.prims.elementwise import logistic as _logistic

__all__ = [
    "erf", "erfc", "erfinv", "erfcx", "gammaln", "digamma", "polygamma", "multigammaln",
    "beta", "betaln", "betainc", "gammainc", "gammaincc", "xlogy", "xlog1py", "entr",
    "rel_entr", "kl_div", "expit", "logit", "log_ndtr", "ndtr", "ndtri", "logsumexp",
    "softmax", "log_softmax", "i0", "i0e", "i1", "i1e", "gamma", "gammasgn", "loggamma",
    "zeta", "factorial", "comb", "poch", "expn", "exp1", "expi", "spence", "bernoulli",
    "boxcox", "boxcox1p", "dawsn", "fresnel", "sici", "wofz", "owens_t", "hyp1f1",
    "bessel_jn", "hyp2f1", "sph_harm_y",
]


def _operands(*args):
    """Arrays as fungrad arrays; Python scalars kept as they are, so that they stay weakly
    typed (``logpdf(x_f32, 0, 1)`` is float32, as numpy's NEP 50 promotion has it)."""
    out = tuple(a if type(a) in (bool, int, float) else fnp.asarray(a) for a in args)
    return out if len(out) != 1 else out[0]


def _require_real(function: str, **operands) -> None:
    """A TypeError naming the function and the argument for complex operands, where JAX
    defines the function for real inputs only (never a silent complex answer)."""
    for name, value in operands.items():
        value = fnp.asarray(value)
        if value.dtype.kind == "c":
            raise TypeError(f"fungrad.scipy.special.{function}: {name} must be real (JAX "
                            f"defines {function} for real inputs only), got "
                            f"{value.dtype.name}{list(value.shape)}")


def _log(a):
    """log, keeping a Python scalar a (weak) Python float."""
    if type(a) in (bool, int, float):
        with np.errstate(all="ignore"):
            return float(np.log(float(a)))
    return fnp.log(a)


def _log_of_complement(p, complement):
    """``log p`` for a probability p, as ``log1p(-complement)`` where the complement is below
    1/2 (p is then near 1, and log p would round away its digits)."""
    small = complement < 0.5
    return fnp.where(small, fnp.log1p(-fnp.where(small, complement, 0.0)),
                     fnp.log(fnp.where(small, 1.0, p)))


def erf(x):
    """The error function.

    >>> float(erf(1.0))
    0.8427007929497149
    """
    return _strong(_prims.erf(x))


def erfc(x):
    """The complementary error function ``1 - erf(x)``.

    >>> float(erfc(1.0))
    0.15729920705028513
    """
    return _strong(_prims.erfc(x))


def erfinv(x):
    """The inverse of ``erf`` on [-1, 1].

    >>> float(erfinv(0.0))
    0.0
    """
    _require_real("erfinv", x=x)
    return _strong(_prims.erf_inv(x))


def erfcx(x):
    """The scaled complementary error function ``exp(x^2) erfc(x)``.

    >>> float(erfcx(0.0))
    1.0
    """
    return _strong(bind(_prims.erfcx_p, x))


def gammaln(x):
    """``log|Gamma(x)|``; its derivative is ``digamma``.

    >>> float(gammaln(5.0))  # log(4!)
    3.1780538303479458
    """
    return _strong(bind(_prims.gammaln_p, x))


def digamma(x):
    """The logarithmic derivative of Gamma; its derivative is ``polygamma(1, x)``.

    >>> round(float(digamma(1.0)), 12)  # minus Euler's constant
    -0.577215664902
    """
    _require_real("digamma", x=x)
    return _strong(bind(_prims.digamma_p, x))


def polygamma(n, x):
    """The n-th derivative of ``digamma``; differentiable in x, not in the order n.

    >>> round(float(polygamma(1, 1.0)), 12)  # pi^2 / 6
    1.644934066848
    """
    _require_real("polygamma", n=n, x=x)
    return bind(_prims.polygamma_p, fnp.asarray(n, dtype=fnp.result_type(x, 0.0)), x)


def multigammaln(a, d: int):
    """The log of the multivariate gamma function of dimension ``d``.

    >>> round(float(multigammaln(3.0, 1)), 12) == round(float(gammaln(3.0)), 12)
    True
    """
    _require_real("multigammaln", a=a)
    d = int(d)
    constant = d * (d - 1) / 4 * np.log(np.pi)
    terms = [gammaln(_operands(a) - j / 2) for j in range(d)]
    return constant + sum(terms[1:], terms[0])


def betaln(a, b):
    """``log|B(a, b)|``, from ``gammaln``.

    >>> round(float(betaln(2.0, 3.0)), 12)  # log(1/12)
    -2.484906649788
    """
    _require_real("betaln", a=a, b=b)
    return _strong(gammaln(a) + gammaln(b) - gammaln(_operands(a) + b))


def beta(a, b):
    """The beta function ``Gamma(a) Gamma(b) / Gamma(a + b)`` (positive arguments).

    >>> round(float(beta(2.0, 3.0)), 12)
    0.083333333333
    """
    _require_real("beta", a=a, b=b)
    return fnp.exp(betaln(a, b))


def betainc(a, b, x):
    """The regularized incomplete beta function; differentiable in x.

    >>> float(betainc(1.0, 1.0, 0.25))
    0.25
    """
    return _strong(bind(_prims.betainc_p, a, b, x))


def gammainc(a, x):
    """The regularized lower incomplete gamma function; differentiable in x.

    >>> round(float(gammainc(1.0, 1.0)), 12)  # 1 - exp(-1)
    0.632120558829
    """
    return _strong(bind(_prims.gammainc_p, a, x))


def gammaincc(a, x):
    """The regularized upper incomplete gamma function ``1 - gammainc(a, x)``.

    >>> round(float(gammaincc(1.0, 1.0)), 12)  # exp(-1)
    0.367879441171
    """
    return _strong(bind(_prims.gammaincc_p, a, x))


def xlogy(x, y):
    """``x * log(y)``, 0 where x == 0 (also at y == 0), with a finite derivative there.

    >>> float(xlogy(0.0, 0.0))
    0.0
    """
    x, y = _operands(x, y)
    zero = x == 0
    return fnp.where(zero, 0.0, x * fnp.log(fnp.where(zero, 1.0, y)))


def xlog1py(x, y):
    """``x * log1p(y)``, 0 where x == 0 (also at y == -1).

    >>> float(xlog1py(0.0, -1.0))
    0.0
    """
    x, y = _operands(x, y)
    zero = x == 0
    return fnp.where(zero, 0.0, x * fnp.log1p(fnp.where(zero, 0.0, y)))


def entr(x):
    """``-x log x`` for x > 0, 0 at 0, -inf for x < 0.

    >>> float(entr(1.0))
    -0.0
    """
    _require_real("entr", x=x)
    x = fnp.asarray(x)
    return fnp.where(x < 0, -np.inf, -xlogy(x, x))


def rel_entr(x, y):
    """``x log(x/y)`` for x, y > 0; 0 at x == 0 (y >= 0); inf otherwise.

    >>> float(rel_entr(1.0, 1.0))
    0.0
    """
    _require_real("rel_entr", x=x, y=y)
    x, y = _operands(x, y)
    both_positive = (x > 0) & (y > 0)
    safe_y = fnp.where(both_positive, y, 1.0)
    value = xlogy(x, fnp.where(both_positive, x, 1.0)) - xlogy(x, safe_y)
    at_zero = (x == 0) & (y >= 0)
    return fnp.where(both_positive | at_zero, fnp.where(both_positive, value, 0.0), np.inf)


def kl_div(x, y):
    """``x log(x/y) - x + y`` for x, y > 0; y at x == 0 (y >= 0); inf otherwise.

    >>> float(kl_div(1.0, 1.0))
    0.0
    """
    _require_real("kl_div", x=x, y=y)
    x, y = _operands(x, y)
    return rel_entr(x, y) - x + y


def expit(x):
    """The logistic sigmoid ``1 / (1 + exp(-x))``, without overflow for large |x|.

    >>> float(expit(0.0))
    0.5
    """
    return _logistic(fnp.asarray(x))


def logit(p):
    """The inverse of ``expit``: ``log(p / (1 - p))``.

    >>> float(logit(0.5))
    0.0
    """
    p = fnp.asarray(p)
    return fnp.log(p) - fnp.log1p(-p)


def ndtr(x):
    """The standard normal distribution function.

    >>> float(ndtr(0.0))
    0.5
    """
    return _strong(bind(_prims.ndtr_p, x))


def log_ndtr(x):
    """``log(ndtr(x))``, accurate far in both tails (``log_ndtr(-40) ~ -804.6``).

    >>> round(float(log_ndtr(-40.0)), 6)
    -804.608442
    """
    return _strong(bind(_prims.log_ndtr_p, x))


def ndtri(p):
    """The inverse of ``ndtr`` (the standard normal quantile function).

    >>> float(ndtri(0.5))
    0.0
    """
    return _strong(bind(_prims.ndtri_p, p))


def i0(x):
    """The modified Bessel function of the first kind of order 0.

    >>> float(i0(0.0))
    1.0
    """
    return _strong(bind(_prims.i0_p, x))


def i0e(x):
    """``exp(-|x|) i0(x)``, without overflow.

    >>> float(i0e(0.0))
    1.0
    """
    return _strong(bind(_prims.i0e_p, x))


def i1(x):
    """The modified Bessel function of the first kind of order 1.

    >>> float(i1(0.0))
    0.0
    """
    return _strong(bind(_prims.i1_p, x))


def i1e(x):
    """``exp(-|x|) i1(x)``, without overflow.

    >>> float(i1e(0.0))
    0.0
    """
    return _strong(bind(_prims.i1e_p, x))


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False,
              where=None):
    """``log(sum(b * exp(a)))`` along ``axis``, stably; ``return_sign`` gives ``(log|s|,
    sign(s))`` for weights of either sign; ``where`` selects the entries summed; complex
    ``a`` gives the principal logarithm (and its phase as the sign). It is
    ``fungrad.nn.logsumexp``, as JAX's two are one function.

    >>> float(logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, -1.0]), return_sign=True)[1])
    -1.0
    """
    return nn.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign,
                        where=where)


def softmax(x, axis=None):
    """``exp(x) / sum(exp(x))`` along ``axis`` (all axes by default, as in JAX's scipy).

    >>> softmax(np.array([0.0, 0.0]))
    array([0.5, 0.5])
    """
    x = fnp.asarray(x)
    return fnp.exp(log_softmax(x, axis=axis))


def log_softmax(x, axis=None):
    """``x - logsumexp(x)`` along ``axis`` (all axes by default).

    >>> log_softmax(np.array([[0.0, 0.0]]))
    array([[-0.69314718, -0.69314718]])
    """
    x = fnp.asarray(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


def gamma(x):
    """The gamma function; its derivative is ``gamma(x) digamma(x)``.

    >>> float(gamma(5.0))
    24.0
    """
    return _strong(bind(_prims.gamma_p, x))


def gammasgn(x):
    """The sign of the gamma function (derivative zero).

    >>> float(gammasgn(-0.5))
    -1.0
    """
    return _strong(bind(_prims.gammasgn_p, x))


def loggamma(x):
    """The principal branch of log-gamma: for real x (nan for x < 0, as scipy's real case) and
    for complex x (continuous off the negative real axis), as JAX's.

    >>> round(float(loggamma(3.0)), 12)  # log 2
    0.69314718056
    """
    return _strong(bind(_prims.loggamma_p, x))


def zeta(x, q=None):
    """The Hurwitz zeta function ``sum_k (k + q)^-x`` (Riemann's at ``q = 1``); differentiable
    in q, not in x (as in JAX).

    >>> round(float(zeta(2.0)), 12)  # pi^2 / 6
    1.644934066848
    """
    return _strong(bind(_prims.zeta_p, x, 1.0 if q is None else q))


def factorial(n, exact: bool = False):
    """``n!`` as ``gamma(n + 1)``, 0 for negative n.

    >>> round(float(factorial(5)), 9)
    120.0
    """
    if exact:
        raise ValueError("factorial: exact=True is not supported (as in JAX)")
    _require_real("factorial", n=n)
    n = _operands(n)
    return fnp.where(fnp.asarray(n) < 0, 0.0, fnp.exp(gammaln(fnp.maximum(n, 0) + 1.0)))


def comb(N, k, exact: bool = False, repetition: bool = False):
    """The binomial coefficient "N choose k" through ``gammaln``, 0 outside 0 <= k <= N.

    >>> round(float(comb(5, 2)), 9)
    10.0
    """
    if exact:
        raise ValueError("comb: exact=True is not supported (as in JAX)")
    _require_real("comb", N=N, k=k)
    N, k = _operands(N, k)
    if repetition:
        N = N + k - 1.0
    N, k = fnp.asarray(N), fnp.asarray(k)
    inside = (k >= 0) & (k <= N)
    safe_k = fnp.where(inside, k, 0.0)
    value = fnp.exp(gammaln(N + 1.0) - gammaln(safe_k + 1.0) - gammaln(N - safe_k + 1.0))
    return fnp.where(inside, value, 0.0)


def poch(z, m):
    """The rising factorial ``gamma(z + m) / gamma(z)``.

    >>> float(poch(3.0, 2.0))
    12.0
    """
    return _strong(bind(_prims.poch_p, z, m))


def expn(n, x):
    """The generalized exponential integral ``E_n(x)``; differentiable in x, not in n.

    >>> round(float(expn(1, 1.0)), 12)
    0.219383934396
    """
    return bind(_prims.expn_p, fnp.asarray(n, dtype=fnp.result_type(x, 0.0)), x)


def exp1(x):
    """The exponential integral ``E_1(x)``.

    >>> round(float(exp1(1.0)), 12)
    0.219383934396
    """
    return _strong(bind(_prims.exp1_p, x))


def expi(x):
    """The exponential integral ``Ei(x)``.

    >>> round(float(expi(1.0)), 12)
    1.895117816356
    """
    return _strong(bind(_prims.expi_p, x))


def spence(x):
    """Spence's function (scipy's convention: ``integral_1^x log(t) / (1 - t) dt``), x >= 0.

    >>> float(spence(1.0))
    0.0
    """
    return _strong(bind(_prims.spence_p, x))


def bernoulli(n: int):
    """The Bernoulli numbers ``B_0 .. B_n`` (``B_1 = -1/2``, scipy's convention).

    >>> bernoulli(2)
    array([ 1.        , -0.5       ,  0.16666667])
    """
    import scipy.special
    if int(n) != n or n < 0:
        raise ValueError(f"bernoulli: n must be a non-negative integer, got {n!r}")
    return fnp.asarray(scipy.special.bernoulli(int(n)))


def _require_real_numbers(function: str, **operands) -> None:
    """A TypeError naming the function and the argument unless each operand is a real number
    array (boolean, integer or float), where JAX defines the function for real inputs only."""
    for name, value in operands.items():
        dtype = np.dtype(value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype)
        shape = np.shape(value)
        if dtype.kind not in "biuf":
            raise TypeError(f"fungrad.scipy.special.{function}: {name} must be a real number "
                            f"array (JAX defines {function} for real inputs only), got "
                            f"{dtype.name}{list(shape)}")


def boxcox(x, lmbda):
    """The Box-Cox transform ``(x^lmbda - 1) / lmbda`` (``log x`` at ``lmbda = 0``), nan for
    x <= 0; differentiable in both arguments (``d/dx = x^(lmbda - 1)``), as in JAX.

    >>> float(boxcox(4.0, 0.5))
    2.0
    """
    _require_real_numbers("boxcox", x=x, lmbda=lmbda)
    return _strong(bind(_prims.boxcox_p, x, lmbda))


def boxcox1p(x, lmbda):
    """The Box-Cox transform of ``1 + x``, nan for x <= -1; differentiable in both arguments.

    >>> float(boxcox1p(3.0, 0.5))
    2.0
    """
    _require_real_numbers("boxcox1p", x=x, lmbda=lmbda)
    return _strong(bind(_prims.boxcox1p_p, x, lmbda))


def dawsn(x):
    """Dawson's integral ``exp(-x^2) integral_0^x exp(t^2) dt``; ``dawsn' = 1 - 2 x dawsn``.

    >>> round(float(dawsn(1.0)), 12)
    0.538079506913
    """
    _require_real_numbers("dawsn", x=x)
    return _strong(bind(_prims.dawsn_p, x))


def fresnel(x):
    """The Fresnel integrals ``(S(x), C(x))``, of ``sin(pi t^2 / 2)`` and ``cos(pi t^2 / 2)``
    from 0 to x (real x only, as in JAX).

    >>> [round(float(v), 12) for v in fresnel(1.0)]
    [0.43825914739, 0.779893400377]
    """
    _require_real_numbers("fresnel", x=x)
    return _strong(bind(_prims.fresnel_s_p, x)), _strong(bind(_prims.fresnel_c_p, x))


def sici(x):
    """The sine and cosine integrals ``(Si(x), Ci(x))``, with scipy's values for x < 0
    (``Ci(-x) = Ci(x)``); ``Si' = sin x / x``, ``Ci' = cos x / x``.

    >>> [round(float(v), 12) for v in sici(1.0)]
    [0.946083070367, 0.337403922901]
    """
    _require_real_numbers("sici", x=x)
    return _strong(bind(_prims.si_p, x)), _strong(bind(_prims.ci_p, x))


def wofz(z):
    """The Faddeeva function ``exp(-z^2) erfc(-iz)``, complex for real z too (float32 gives
    complex64); holomorphic, ``w' = -2 z w + 2i/sqrt(pi)``.

    >>> complex(wofz(1.0))
    (0.36787944117144233+0.6071577058413937j)
    """
    return _strong(bind(_prims.wofz_p, z))


def owens_t(h, a):
    """Owen's T function ``T(h, a)``; differentiable in both arguments, as in JAX.

    >>> round(float(owens_t(0.0, 1.0)), 12)  # 1/8 at h = 0, a = 1
    0.125
    """
    _require_real_numbers("owens_t", h=h, a=a)
    return _strong(bind(_prims.owens_t_p, h, a))


def hyp1f1(a, b, x):
    """Kummer's confluent hypergeometric function ``1F1(a; b; x)``, real arguments only.
    Differentiable in x (``a/b 1F1(a+1; b+1; x)``, every order). JAX also differentiates its
    series in a and b; fungrad does not: a derivative in a or b raises a TypeError.

    >>> round(float(hyp1f1(1.0, 1.0, 1.0)), 12)  # e
    2.718281828459
    """
    _require_real_numbers("hyp1f1", a=a, b=b, x=x)
    return _strong(bind(_prims.hyp1f1_p, a, b, x))


def bessel_jn(z, *, v: int, n_iter: int = 50):
    """Bessel functions of the first kind ``J_0(z) .. J_v(z)`` of real float z, stacked on a
    new leading axis of length ``v + 1`` (scipy's values; ``n_iter``, the iteration count of
    JAX's own recurrence, is accepted and unused). Differentiable in z, every order.

    >>> [round(float(j), 12) for j in bessel_jn(1.0, v=1)]
    [0.765197686558, 0.440050585745]
    """
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
        raise TypeError(f"fungrad.scipy.special.bessel_jn: v must be a non-negative Python "
                        f"integer (the highest order), got {v!r}")
    z = fnp.asarray(z)
    if z.dtype.kind != "f":
        raise TypeError(f"fungrad.scipy.special.bessel_jn: z must be a real floating-point "
                        f"array (as in JAX), got {z.dtype.name}{list(z.shape)}")
    orders = np.arange(int(v) + 1, dtype=z.dtype).reshape((-1,) + (1,) * z.ndim)
    return bind(_prims.bessel_jn_p, orders, z)


def hyp2f1(a, b, c, x):
    """Gauss's hypergeometric function ``2F1(a, b; c; x)``, real arguments only.
    Differentiable in x (``ab/c 2F1(a+1, b+1; c+1; x)``, every order). JAX also differentiates
    its series in a, b and c; fungrad does not: a derivative in a, b or c raises a TypeError.

    >>> round(float(hyp2f1(1.0, 1.0, 2.0, 0.5)), 12)  # -log(1 - x) / x
    1.38629436112
    """
    _require_real_numbers("hyp2f1", a=a, b=b, c=c, x=x)
    return _strong(bind(_prims.hyp2f1_p, a, b, c, x))


def sph_harm_y(n, m, theta, phi, diff_n: int | None = None, n_max: int | None = None):
    """The spherical harmonics ``Y_n^m(theta, phi)`` (scipy's convention: theta the polar
    angle, phi the azimuth), complex, broadcast over integer n, m and real theta, phi; 0 for
    |m| > n. Differentiable in theta and phi (every order), not in n or m. As in JAX, ``n_max``
    clips n and ``diff_n`` is unsupported (a NotImplementedError).

    >>> complex(sph_harm_y(np.array(0), np.array(0), 0.3, 0.2))  # 1 / (2 sqrt(pi))
    (0.28209479177387814+0j)
    """
    if diff_n is not None:
        raise NotImplementedError("fungrad.scipy.special.sph_harm_y: diff_n is not supported "
                                  "(as in JAX); differentiate with fungrad.grad or jacfwd")
    _require_real_numbers("sph_harm_y", theta=theta, phi=phi)
    n, m = fnp.asarray(n), fnp.asarray(m)
    for name, value in (("n", n), ("m", m)):
        if value.dtype.kind not in "iu":
            raise TypeError(f"fungrad.scipy.special.sph_harm_y: {name} must be an integer "
                            f"array, got {value.dtype.name}{list(value.shape)}")
    if n_max is not None:
        n = fnp.minimum(n, n_max)
    real = fnp.result_type(theta, phi, 0.0)
    return bind(_prims.sph_harm_y_p, n.astype(real), m.astype(real), theta, phi)
