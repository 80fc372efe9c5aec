"""``fungrad.scipy.special``: values against scipy.special in float64 and float32 with
broadcasting, derivatives of order 2 in both modes against finite differences in smooth
domains, jit and vmap, extreme arguments, the arguments JAX does not differentiate, and the
import boundary (``import fungrad`` never imports scipy)."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import numpy as np
import pytest
import scipy.special as ss

import fungrad
import fungrad.numpy as fnp
from fungrad.scipy import special as fs

from helpers import assert_derivatives, rand

# name -> (fungrad function, scipy reference, domain of each argument for values and derivatives)
UNARY = {
    "erf": (fs.erf, ss.erf, (-3, 3)),
    "erfc": (fs.erfc, ss.erfc, (-3, 3)),
    "erfinv": (fs.erfinv, ss.erfinv, (-0.95, 0.95)),
    "erfcx": (fs.erfcx, ss.erfcx, (-2, 5)),
    "gammaln": (fs.gammaln, ss.gammaln, (0.5, 6)),
    "digamma": (fs.digamma, ss.digamma, (0.5, 6)),
    "ndtr": (fs.ndtr, ss.ndtr, (-4, 4)),
    "log_ndtr": (fs.log_ndtr, ss.log_ndtr, (-10, 5)),
    "ndtri": (fs.ndtri, ss.ndtri, (0.05, 0.95)),
    "expit": (fs.expit, ss.expit, (-8, 8)),
    "logit": (fs.logit, ss.logit, (0.05, 0.95)),
    "entr": (fs.entr, ss.entr, (0.1, 3)),
    "i0": (fs.i0, ss.i0, (-3, 3)),
    "i0e": (fs.i0e, ss.i0e, (0.2, 3)),
    "i1": (fs.i1, ss.i1, (-3, 3)),
    "i1e": (fs.i1e, ss.i1e, (0.2, 3)),
    "gamma": (fs.gamma, ss.gamma, (0.5, 4)),
    "loggamma": (fs.loggamma, ss.loggamma, (0.5, 4)),
    "exp1": (fs.exp1, ss.exp1, (0.2, 3)),
    "expi": (fs.expi, ss.expi, (0.2, 3)),
    "spence": (fs.spence, ss.spence, (0.2, 3)),
    "factorial": (fs.factorial, lambda n: ss.factorial(n, exact=False), (0.5, 5)),
}
BINARY = {  # differentiable in the last argument only where JAX is (see NONDIFF)
    "xlogy": (fs.xlogy, ss.xlogy, [(-2, 2), (0.2, 3)]),
    "xlog1py": (fs.xlog1py, ss.xlog1py, [(-2, 2), (-0.5, 3)]),
    "rel_entr": (fs.rel_entr, ss.rel_entr, [(0.2, 3), (0.2, 3)]),
    "kl_div": (fs.kl_div, ss.kl_div, [(0.2, 3), (0.2, 3)]),
    "betaln": (fs.betaln, ss.betaln, [(0.5, 4), (0.5, 4)]),
    "beta": (fs.beta, ss.beta, [(0.5, 4), (0.5, 4)]),
    "poch": (fs.poch, ss.poch, [(0.5, 4), (0.5, 3)]),
    "comb": (fs.comb, lambda n, k: ss.comb(n, k, exact=False), [(4, 8), (0.5, 3)]),
}
IN_X_ONLY = {  # (function, scipy, domains): derivative in the last argument only
    "polygamma": (lambda n, x: fs.polygamma(n, x), ss.polygamma, [(1, 1), (0.5, 5)]),
    "zeta": (fs.zeta, ss.zeta, [(1.5, 4), (0.5, 3)]),
    "expn": (fs.expn, ss.expn, [(1, 1), (0.2, 3)]),
}
INCOMPLETE = {  # differentiable in every argument; in the shapes a, b to second order
    "gammainc": (fs.gammainc, ss.gammainc, [(0.5, 4), (0.2, 4)]),
    "gammaincc": (fs.gammaincc, ss.gammaincc, [(0.5, 4), (0.2, 4)]),
    "betainc": (fs.betainc, ss.betainc, [(0.5, 4), (0.5, 4), (0.1, 0.9)]),
}


def args_for(domains, shapes, dtype=np.float64, seed=0):
    return [rand(shape, dtype, seed + i, lo, hi) for i, ((lo, hi), shape) in
            enumerate(zip(domains, shapes))]


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unary_values(name, dtype):
    fn, ref, domain = UNARY[name]
    for shape in [(), (5,), (2, 3), (0,)]:
        x = rand(shape, dtype, 1, *domain)
        out = fn(x)
        assert out.dtype == dtype and out.shape == shape, (name, out.dtype, shape)
        np.testing.assert_allclose(out, ref(x), rtol=1e-12 if dtype == np.float64 else 2e-6)


@pytest.mark.parametrize("table", [BINARY, IN_X_ONLY, INCOMPLETE])
def test_multi_argument_values_broadcast(table):
    for name, (fn, ref, domains) in table.items():
        shapes = [(3, 1), (4,), (1, 4)][:len(domains)]
        args = args_for(domains, shapes)
        if name in ("polygamma", "expn"):
            args[0] = np.array([[0.0], [1.0], [2.0]]) + (name == "expn")
        expected = ref(*args)
        np.testing.assert_allclose(fn(*args), expected, rtol=1e-12, err_msg=name)
        args32 = [a.astype(np.float32) for a in args]
        out32 = fn(*args32)
        assert out32.dtype == np.float32, name
        np.testing.assert_allclose(out32, expected, rtol=1e-5, err_msg=name)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_derivatives_jit_vmap(name):
    fn, _, domain = UNARY[name]
    for shape in [(), (3,)]:
        assert_derivatives(fn, (rand(shape, np.float64, 2, *domain),))
    x = rand((2, 3), np.float64, 3, *domain)
    np.testing.assert_allclose(fungrad.jit(fn)(x), fn(x), rtol=1e-14)
    np.testing.assert_allclose(fungrad.vmap(fn)(x), fn(x), rtol=1e-14)
    g = fungrad.grad(lambda v: fnp.sum(fn(v)))
    np.testing.assert_allclose(fungrad.jit(g)(x), g(x), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_derivatives(name):
    fn, _, domains = BINARY[name]
    args = args_for(domains, [(3,), (3,)], seed=4)
    if name == "xlogy" or name == "xlog1py":
        args[0] = np.where(np.abs(args[0]) < 0.1, 0.5, args[0])
    assert_derivatives(fn, args)
    np.testing.assert_allclose(fungrad.vmap(fn)(*args), fn(*args), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(IN_X_ONLY))
def test_derivative_in_x_and_refusal_elsewhere(name):
    fn, _, domains = IN_X_ONLY[name]
    args = args_for(domains, [(3,)] * len(domains), seed=5)
    if name in ("polygamma", "expn"):
        args[0] = np.array([0.0, 1.0, 2.0]) + (name == "expn")
    head = args[:-1]
    assert_derivatives(lambda x: fn(*head, x), (args[-1],))
    np.testing.assert_allclose(fungrad.jit(fn)(*args), fn(*args), rtol=1e-14)
    with pytest.raises(TypeError, match=f"{name} is not differentiable"):
        fungrad.grad(lambda a: fnp.sum(fn(a, *args[1:])))(args[0])
    np.testing.assert_allclose(fn(*args), IN_X_ONLY[name][1](*args), rtol=1e-12)  # still works


def test_derivative_identities():
    x = np.array([0.7, 2.5, 6.0])
    grad = fungrad.vmap(fungrad.grad(fs.gammaln))
    np.testing.assert_allclose(grad(x), ss.digamma(x), rtol=1e-13)
    second = fungrad.vmap(fungrad.grad(fungrad.grad(fs.gammaln)))
    np.testing.assert_allclose(second(x), ss.polygamma(1, x), rtol=1e-13)
    a, y = 2.5, np.array([0.5, 1.0, 3.0])
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(lambda v: fs.gammainc(a, v)))(y),
                               np.exp((a - 1) * np.log(y) - y - ss.gammaln(a)), rtol=1e-13)


def test_extreme_arguments():
    # log_ndtr far in both tails, and a finite derivative there (x in the far left: -x)
    x = np.array([-1e3, -40.0, 0.0, 10.0, 40.0])
    np.testing.assert_allclose(fs.log_ndtr(x), ss.log_ndtr(x), rtol=1e-14)
    g = fungrad.vmap(fungrad.grad(fs.log_ndtr))(x)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g[:2], [1e3, 40.0], rtol=1e-3)
    # expit saturates without overflow; logit at the ends
    np.testing.assert_array_equal(fs.expit(np.array([-1e4, 1e4])), [0.0, 1.0])
    np.testing.assert_array_equal(fs.logit(np.array([0.0, 1.0])), [-np.inf, np.inf])
    # xlogy(0, 0) = 0 with a finite derivative; nan passes through
    assert float(fs.xlogy(0.0, 0.0)) == 0.0
    gx, gy = fungrad.grad(fs.xlogy, argnums=(0, 1))(0.0, 0.0)
    assert np.isfinite(gx) and np.isfinite(gy)
    assert np.isnan(float(fs.gammaln(np.nan)))
    np.testing.assert_array_equal(fs.gammaln(np.array([0.0, np.inf])), ss.gammaln([0.0, np.inf]))
    np.testing.assert_array_equal(fs.entr(np.array([-1.0, 0.0])), [-np.inf, 0.0])
    np.testing.assert_array_equal(fs.rel_entr(np.array([0.0, 1.0]), np.array([0.0, 0.0])),
                                  ss.rel_entr([0.0, 1.0], [0.0, 0.0]))


def scipy_logsumexp(a, **kw):
    from scipy.special import logsumexp
    return logsumexp(a, **kw)


def test_logsumexp_against_scipy():
    a = rand((3, 4), np.float64, 7, -3, 3)
    b = rand((3, 4), np.float64, 8, -1, 1)
    for axis in (None, 0, 1):
        for keepdims in (False, True):
            np.testing.assert_allclose(fs.logsumexp(a, axis=axis, keepdims=keepdims),
                                       scipy_logsumexp(a, axis=axis, keepdims=keepdims))
            ours = fs.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
            theirs = scipy_logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
            np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
            np.testing.assert_array_equal(ours[1], theirs[1])
    with_inf = np.array([-np.inf, -np.inf, 0.0])
    assert float(fs.logsumexp(with_inf)) == 0.0
    assert float(fs.logsumexp(np.array([-np.inf, -np.inf]))) == -np.inf
    where = np.array([True, False, True, True])
    np.testing.assert_allclose(fs.logsumexp(a, axis=1, where=where),
                               scipy_logsumexp(a[:, where], axis=1))
    assert np.isnan(float(fs.logsumexp(np.array([0.0, 1.0]), b=np.array([1.0, -1.0]))))


def test_logsumexp_derivatives():
    a = rand((3, 4), np.float64, 9, -3, 3)
    b = rand((3, 4), np.float64, 10, 0.5, 2)
    assert_derivatives(lambda x: fs.logsumexp(x, axis=1), (a,))
    assert_derivatives(lambda x, w: fs.logsumexp(x, axis=0, b=w), (a, b))
    g = fungrad.grad(lambda x: fs.logsumexp(x, where=np.array([True, False, True])))(
        np.array([0.0, 5.0, 0.0]))
    np.testing.assert_allclose(g, [0.5, 0.0, 0.5])
    g_inf = fungrad.grad(fs.logsumexp)(np.array([-np.inf, 0.0]))
    np.testing.assert_array_equal(g_inf, [0.0, 1.0])


def test_softmax_family():
    x = rand((2, 3), np.float64, 11, -2, 2)
    np.testing.assert_allclose(fs.softmax(x), ss.softmax(x), rtol=1e-13)
    np.testing.assert_allclose(fs.softmax(x, axis=1), ss.softmax(x, axis=1), rtol=1e-13)
    np.testing.assert_allclose(fs.log_softmax(x, axis=0), ss.log_softmax(x, axis=0))
    assert_derivatives(lambda v: fs.log_softmax(v, axis=1), (x,))
    np.testing.assert_allclose(fs.multigammaln(np.array([3.0, 4.5]), 3),
                               ss.multigammaln(np.array([3.0, 4.5]), 3), rtol=1e-13)
    assert_derivatives(lambda a: fs.multigammaln(a, 2), (np.array([3.0, 4.5]),))


def test_gammasgn_bernoulli_and_special_points():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 3.0])
    np.testing.assert_array_equal(fs.gammasgn(x), ss.gammasgn(x))
    np.testing.assert_array_equal(fungrad.vmap(fungrad.grad(fs.gammasgn))(x), np.zeros(5))
    np.testing.assert_allclose(fs.bernoulli(6), ss.bernoulli(6))
    with pytest.raises(ValueError, match="bernoulli: n must be"):
        fs.bernoulli(-1)
    assert fungrad.grad(fs.spence)(1.0) == -1.0  # the removable singularity of log x/(1-x)
    assert float(fs.comb(3.0, 5.0)) == 0.0 and float(fs.factorial(-1.0)) == 0.0
    np.testing.assert_allclose(fs.zeta(np.array([2.0, 4.0])), ss.zeta([2.0, 4.0]), rtol=1e-14)


def test_rejects_complex_naming_the_function():
    with pytest.raises(TypeError, match="gammaln"):
        fungrad.jit(fs.gammaln)(np.array([1j]))


def test_import_fungrad_does_not_import_scipy():
    code = ("import sys, time; t = time.perf_counter(); import fungrad, fungrad.numpy; "
            "assert 'scipy' not in sys.modules, 'scipy imported'; "
            "import fungrad.scipy.special; assert 'scipy' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=_root())


def test_missing_scipy_names_the_extra():
    code = ("import sys; sys.modules['scipy'] = None\n"
            "try:\n    import fungrad.scipy\nexcept ImportError as e:\n"
            "    assert 'fungrad[scipy]' in str(e), e\nelse:\n    raise SystemExit('no error')")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=_root())


def _root():
    import os
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# (a, x) regimes: small and large a, x below and above a (series and continued fraction)
GAMMA_REGIMES = [(0.3, 0.1), (0.3, 4.0), (3.0, 1.0), (3.0, 8.0), (200.0, 150.0), (200.0, 260.0)]
BETA_REGIMES = [(0.3, 0.5, 0.2), (2.0, 3.0, 0.2), (2.0, 3.0, 0.9), (60.0, 90.0, 0.3),
                (60.0, 90.0, 0.5), (1.0, 1.0, 0.6)]


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_derivative_in_a(name):
    fn = INCOMPLETE[name][0]
    for a, x in GAMMA_REGIMES:
        assert_derivatives(fn, (a, x), order=2)  # JAX stops at order 1 in a
    a, x = np.array([[0.5], [2.0], [50.0]]), np.array([0.3, 2.0, 70.0])
    assert_derivatives(fn, (a, x), order=2)  # broadcasting
    grad_a = fungrad.grad(lambda v: fnp.sum(fn(v, x)))
    np.testing.assert_allclose(fungrad.jit(grad_a)(a), grad_a(a), rtol=1e-14)
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(fn))(a[:, 0], x),
                               [float(fungrad.grad(fn)(u, v)) for u, v in zip(a[:, 0], x)],
                               rtol=1e-14)
    third = fungrad.grad(fungrad.grad(fungrad.grad(fn)))
    with pytest.raises(TypeError, match=r"gammainc is not differentiable .*'a' a third time"):
        third(2.0, 1.5)
    assert float(fungrad.grad(fn)(2.0, 1.5)) != 0.0  # and the next call works


def test_incomplete_gamma_derivative_in_a_matches_jax():
    # recorded by tests/fixtures/make_scipy_igamma_grad.py: XLA's igamma_grad_a
    data = np.load(pathlib.Path(__file__).parent / "fixtures" / "scipy_igamma_grad.npz")
    a, x, expected = data["a"], data["x"], data["grad_a"]
    ours = fungrad.vmap(fungrad.grad(fs.gammainc))(a, x)
    finite = np.isfinite(expected)
    np.testing.assert_allclose(ours[finite], expected[finite], rtol=1e-10, atol=1e-300)
    assert float(ours[np.isinf(x)][0]) == 0.0  # JAX gives nan at x = inf; P is 1 for every a
    grad_cc = fungrad.vmap(fungrad.grad(fs.gammaincc))(a[finite], x[finite])
    np.testing.assert_allclose(grad_cc, -expected[finite], rtol=1e-10, atol=1e-300)


def test_incomplete_beta_derivatives_in_a_and_b():
    for a, b, x in BETA_REGIMES:
        assert_derivatives(fs.betainc, (a, b, x), order=2)  # JAX has none in a and b
    # against a central difference of scipy's values, where the difference is accurate
    a, b, x = np.array([0.7, 2.0, 30.0]), np.array([1.5, 5.0, 20.0]), np.array([0.3, 0.5, 0.6])
    da, db = fungrad.vmap(fungrad.grad(fs.betainc, (0, 1)))(a, b, x)
    h = 1e-6
    np.testing.assert_allclose(da, (ss.betainc(a + h, b, x) - ss.betainc(a - h, b, x)) / (2 * h),
                               rtol=1e-6)
    np.testing.assert_allclose(db, (ss.betainc(a, b + h, x) - ss.betainc(a, b - h, x)) / (2 * h),
                               rtol=1e-6)
    # the edges: I is 0 at x = 0 and 1 at x = 1 whatever the shapes
    edges = fungrad.vmap(fungrad.grad(fs.betainc, (0, 1)))(np.ones(2) * 2, np.ones(2) * 3,
                                                           np.array([0.0, 1.0]))
    np.testing.assert_array_equal(np.asarray(edges), np.zeros((2, 2)))
    # the second derivatives against central differences of the first
    hessian = fungrad.hessian(fs.betainc, (0, 1))(2.0, 3.0, 0.4)
    gradient = fungrad.grad(fs.betainc, (0, 1))
    np.testing.assert_allclose(
        [[hessian[0][0], hessian[0][1]], [hessian[1][0], hessian[1][1]]],
        [[(gradient(2 + h, 3.0, 0.4)[k] - gradient(2 - h, 3.0, 0.4)[k]) / (2 * h),
          (gradient(2.0, 3 + h, 0.4)[k] - gradient(2.0, 3 - h, 0.4)[k]) / (2 * h)]
         for k in range(2)], rtol=1e-6)
    third = fungrad.grad(fungrad.grad(fungrad.grad(fs.betainc, 1), 1), 1)
    with pytest.raises(TypeError, match=r"betainc is not differentiable .*'b' a third time"):
        third(2.0, 3.0, 0.4)


# complex arguments: where JAX's accept them (values against scipy, or the defining formula
# where scipy's ufunc is real only), and a TypeError naming the function everywhere else
COMPLEX_OK = {
    "gamma": (fs.gamma, ss.gamma),
    "loggamma": (fs.loggamma, ss.loggamma),
    "erfcx": (fs.erfcx, ss.erfcx),
    "expit": (fs.expit, lambda z: 1 / (1 + np.exp(-z))),
    "logit": (fs.logit, lambda z: np.log(z / (1 - z))),
    "xlogy": (lambda z: fs.xlogy(z, z + 1), lambda z: ss.xlogy(z, z + 1)),
    "xlog1py": (lambda z: fs.xlog1py(z, z), lambda z: ss.xlog1py(z, z)),
    "logsumexp": (fs.logsumexp, ss.logsumexp),
    "logsumexp_b": (lambda z: fs.logsumexp(z, b=np.array([1.0, 2.0, 0.5], z.real.dtype)),
                    lambda z: ss.logsumexp(z, b=np.array([1.0, 2.0, 0.5]))),
    "log_softmax": (fs.log_softmax, ss.log_softmax),
    "softmax": (fs.softmax, ss.softmax),
}
Z = np.array([0.5 + 0.3j, 1.0 - 2.0j, -1.5 + 1.0j])


@pytest.mark.parametrize("name", sorted(COMPLEX_OK))
def test_complex_where_jax_has_it(name):
    ours, reference = COMPLEX_OK[name]
    np.testing.assert_allclose(ours(Z), reference(Z), rtol=1e-13)
    out64 = ours(Z.astype(np.complex64))
    assert np.asarray(out64).dtype == np.complex64, name
    np.testing.assert_allclose(out64, reference(Z), rtol=2e-5)
    assert_derivatives(ours, (Z,))
    np.testing.assert_allclose(fungrad.jit(ours)(Z), ours(Z), rtol=1e-14)
    if name in ("gamma", "loggamma", "erfcx", "expit", "logit"):
        np.testing.assert_allclose(fungrad.vmap(ours)(Z), ours(Z), rtol=1e-14)


def test_complex_logsumexp_sign_and_gamma_orders():
    value, sign = fs.logsumexp(Z, b=np.array([1.0, -2.0, 0.5]), return_sign=True)
    expected_value, expected_sign = ss.logsumexp(Z, b=np.array([1.0, -2.0, 0.5]),
                                                 return_sign=True)
    np.testing.assert_allclose(value, expected_value, rtol=1e-13)
    np.testing.assert_allclose(sign, expected_sign, rtol=1e-13)
    # the second derivative of complex gamma needs polygamma(1, z), which scipy lacks: ours,
    # against the defining sum over k of 1/(z + k)^2 (with its tail integral 1/(z + K))
    k = np.arange(200000)[:, None]
    trigamma = np.sum(1 / (Z + k) ** 2, axis=0) + 1 / (Z + 200000) + 0.5 / (Z + 200000) ** 2
    second = fungrad.vmap(fungrad.grad(fungrad.grad(fs.loggamma, holomorphic=True),
                                       holomorphic=True))(Z)
    np.testing.assert_allclose(second, trigamma, rtol=1e-10)
    with pytest.raises(TypeError, match="polygamma: complex arguments are supported for order"):
        fungrad.grad(fungrad.grad(fungrad.grad(fs.gamma, holomorphic=True), holomorphic=True),
                     holomorphic=True)(0.5 + 0.3j)


REAL_ONLY = {
    "erf": fs.erf, "erfc": fs.erfc, "erfinv": fs.erfinv, "gammaln": fs.gammaln,
    "digamma": fs.digamma, "gammasgn": fs.gammasgn, "ndtr": fs.ndtr, "log_ndtr": fs.log_ndtr,
    "ndtri": fs.ndtri, "i0": fs.i0, "i0e": fs.i0e, "i1": fs.i1, "i1e": fs.i1e,
    "exp1": fs.exp1, "expi": fs.expi, "spence": fs.spence, "entr": fs.entr,
    "factorial": fs.factorial, "polygamma": lambda z: fs.polygamma(1, z),
    "multigammaln": lambda z: fs.multigammaln(z, 2), "betaln": lambda z: fs.betaln(z, 2.0),
    "beta": lambda z: fs.beta(2.0, z), "betainc": lambda z: fs.betainc(1.0, 2.0, z),
    "gammainc": lambda z: fs.gammainc(z, 1.0), "gammaincc": lambda z: fs.gammaincc(1.0, z),
    "rel_entr": lambda z: fs.rel_entr(z, z), "kl_div": lambda z: fs.kl_div(1.0, z),
    "comb": lambda z: fs.comb(5.0, z), "poch": lambda z: fs.poch(z, 2.0),
    "zeta": lambda z: fs.zeta(2.0, z), "expn": lambda z: fs.expn(1, z),
}


@pytest.mark.parametrize("name", sorted(REAL_ONLY))
def test_complex_refused_where_jax_refuses(name):
    fn = REAL_ONLY[name]
    with pytest.raises(TypeError, match=rf"{name}.* real"):
        fn(Z)
    with pytest.raises(TypeError, match=rf"{name}.* real"):
        fungrad.jit(fn)(Z)
    assert np.all(np.isfinite(np.asarray(fn(np.array([0.3, 0.6])))))  # the next call works


def test_shape_derivatives_keep_float32():
    a, x = np.float32([2.0, 0.5]), np.float32([1.5, 3.0])
    g32 = fungrad.grad(lambda v: fnp.sum(fs.gammainc(v, x)))(a)
    g64 = fungrad.grad(lambda v: fnp.sum(fs.gammainc(v, x.astype(np.float64))))(
        a.astype(np.float64))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, g64, rtol=1e-6)
    hessian = fungrad.hessian(lambda v: fnp.sum(fs.betainc(v, np.float32(3.0), x / 4)))(a)
    assert hessian.dtype == np.float32 and hessian.shape == (2, 2)
