"""The rest of ``jax.scipy.special``: boxcox, boxcox1p, dawsn, fresnel, sici, wofz, owens_t and
hyp1f1. Values against scipy.special in float64 and float32 (complex for wofz) on scalars,
broadcast arrays and size 0; derivatives of order 2 in both modes against finite differences;
jit and vmap; the arguments fungrad does not differentiate; bad dtypes."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special as ss

import fungrad
import fungrad.numpy as fnp
from fungrad.scipy import special as fs

from helpers import assert_derivatives, rand

# name -> (fungrad function, scipy reference, domain of each argument)
REAL = {
    "boxcox": (fs.boxcox, ss.boxcox, [(0.3, 3), (-1.5, 1.5)]),
    "boxcox1p": (fs.boxcox1p, ss.boxcox1p, [(-0.7, 3), (-1.5, 1.5)]),
    "dawsn": (fs.dawsn, ss.dawsn, [(-3, 3)]),
    "fresnel_s": (lambda x: fs.fresnel(x)[0], lambda x: ss.fresnel(x)[0], [(-2, 2)]),
    "fresnel_c": (lambda x: fs.fresnel(x)[1], lambda x: ss.fresnel(x)[1], [(-2, 2)]),
    "si": (lambda x: fs.sici(x)[0], lambda x: ss.sici(x)[0], [(-4, 4)]),
    "ci": (lambda x: fs.sici(x)[1], lambda x: ss.sici(x)[1], [(0.3, 4)]),
    "owens_t": (fs.owens_t, ss.owens_t, [(-2, 2), (-2, 2)]),
    "hyp1f1": (fs.hyp1f1, ss.hyp1f1, [(0.5, 2), (0.5, 2), (-1.5, 1.5)]),
}
SHAPES = {1: [[()], [(4,)], [(2, 3)], [(0,)]],
          2: [[(), ()], [(3, 1), (4,)], [(0,), ()]],
          3: [[(), (), ()], [(3, 1), (1, 4), (4,)], [(0,), (), ()]]}


def args_for(domains, shapes, dtype=np.float64, seed=0):
    return [rand(shape, dtype, seed + i, lo, hi)
            for i, ((lo, hi), shape) in enumerate(zip(domains, shapes))]


@pytest.mark.parametrize("name", sorted(REAL))
def test_values_against_scipy(name):
    fn, ref, domains = REAL[name]
    for shapes in SHAPES[len(domains)]:
        args = args_for(domains, shapes)
        out, expected = fn(*args), ref(*args)
        assert out.dtype == np.float64 and out.shape == np.shape(expected), (name, shapes)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-300)
        out32 = fn(*[a.astype(np.float32) for a in args])
        assert out32.dtype == np.float32, name
        np.testing.assert_allclose(out32, ref(*[a.astype(np.float32) for a in args]),
                                   rtol=2e-6, atol=1e-7)


DIFFERENTIABLE = {"boxcox": (0, 1), "boxcox1p": (0, 1), "dawsn": (0,), "fresnel_s": (0,),
                  "fresnel_c": (0,), "si": (0,), "ci": (0,), "owens_t": (0, 1), "hyp1f1": (2,)}


@pytest.mark.parametrize("name", sorted(REAL))
def test_derivatives_jit_vmap(name):
    fn, _, domains = REAL[name]
    args = args_for(domains, [(3,)] * len(domains), seed=7)
    free = DIFFERENTIABLE[name]

    def in_free(*values):
        full = list(args)
        for i, v in zip(free, values):
            full[i] = v
        return fn(*full)
    assert_derivatives(in_free, [args[i] for i in free])
    assert_derivatives(in_free, [args[i][0] for i in free])  # scalars
    np.testing.assert_allclose(fungrad.jit(fn)(*args), fn(*args), rtol=1e-14)
    np.testing.assert_allclose(fungrad.vmap(fn)(*args), fn(*args), rtol=1e-14)
    g = fungrad.grad(lambda v: fnp.sum(in_free(v, *[args[i] for i in free[1:]])))
    np.testing.assert_allclose(fungrad.jit(g)(args[free[0]]), g(args[free[0]]), rtol=1e-12)


def test_closed_form_derivatives():
    x = np.array([0.4, 1.3, 2.5])
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(lambda v: fs.boxcox(v, 0.7)))(x),
                               x ** -0.3, rtol=1e-13)
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(fs.dawsn))(x),
                               1 - 2 * x * ss.dawsn(x), rtol=1e-13)
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(lambda v: fs.fresnel(v)[0]))(x),
                               np.sin(np.pi * x ** 2 / 2), rtol=1e-13)
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(lambda v: fs.sici(v)[1]))(x),
                               np.cos(x) / x, rtol=1e-13)
    np.testing.assert_allclose(fungrad.grad(lambda v: fs.sici(v)[0])(0.0), 1.0)
    # at lmbda = 0 the lmbda-derivative of boxcox is its limit (log x)^2 / 2
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(fs.boxcox, argnums=1),
                                            in_axes=(0, None))(x, 0.0),
                               np.log(x) ** 2 / 2, rtol=1e-13)
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(fs.boxcox, argnums=1),
                                            in_axes=(0, None))(x, 1e-9),
                               np.log(x) ** 2 / 2, rtol=1e-7)


def test_hyp1f1_refuses_derivatives_in_a_and_b():
    a, b, x = 0.5, 1.5, np.array([0.3, 0.7])
    for argnums, argument in ((0, "'a'"), (1, "'b'")):
        with pytest.raises(TypeError, match=f"hyp1f1 is not differentiable .*{argument}"):
            fungrad.grad(lambda *v: fnp.sum(fs.hyp1f1(*v)), argnums=argnums)(a, b, x)
    np.testing.assert_allclose(fs.hyp1f1(a, b, x), ss.hyp1f1(a, b, x), rtol=1e-13)
    # JAX's convention 1F1(0; 0; x) = 1 (scipy: inf), with derivative 0 there
    np.testing.assert_allclose(fs.hyp1f1(np.array([0.0, 1.0]), np.array([0.0, 1.0]), x),
                               [1.0, np.exp(x[1])], rtol=1e-14)
    np.testing.assert_array_equal(fungrad.grad(lambda v: fs.hyp1f1(0.0, 0.0, v))(0.7), 0.0)


Z = np.array([0.5 + 0.3j, 1.0 - 2.0j, -1.5 + 1.0j, 0.2 + 3.0j])


def test_wofz_values():
    for z in (Z, Z[:0], Z[0], Z.reshape(2, 2), np.array([0.3, -1.2, 2.0])):
        out = fs.wofz(z)
        assert out.dtype == np.complex128 and out.shape == np.shape(z)
        np.testing.assert_allclose(out, ss.wofz(z), rtol=1e-13)
    for z in (Z.astype(np.complex64), np.float32([0.3, -1.2])):
        out = fs.wofz(z)
        assert out.dtype == np.complex64
        np.testing.assert_allclose(out, ss.wofz(z.astype(np.complex128)), rtol=2e-6)
    assert fs.wofz(np.array([1, 2])).dtype == np.complex128
    np.testing.assert_allclose(fungrad.jit(fs.wofz)(Z), ss.wofz(Z), rtol=1e-13)
    np.testing.assert_allclose(fungrad.vmap(fs.wofz)(Z), ss.wofz(Z), rtol=1e-13)


def test_wofz_derivatives():
    assert_derivatives(fs.wofz, (Z,))
    assert_derivatives(fs.wofz, (Z[1],))
    derivative = fungrad.vmap(fungrad.grad(fs.wofz, holomorphic=True))(Z)
    np.testing.assert_allclose(derivative, -2 * Z * ss.wofz(Z) + 2j / np.sqrt(np.pi),
                               rtol=1e-13)
    x = np.array([0.3, -1.2])  # real in, complex out: the jvp along a real tangent
    _, tangent = fungrad.jvp(fs.wofz, (x,), (np.ones(2),))
    np.testing.assert_allclose(tangent, -2 * x * ss.wofz(x) + 2j / np.sqrt(np.pi), rtol=1e-13)


BAD = {"boxcox": lambda v: fs.boxcox(v, 0.5), "boxcox1p": lambda v: fs.boxcox1p(v, 0.5),
       "dawsn": fs.dawsn, "fresnel": fs.fresnel, "sici": fs.sici,
       "owens_t": lambda v: fs.owens_t(v, 1.0), "hyp1f1": lambda v: fs.hyp1f1(1.0, 2.0, v)}


@pytest.mark.parametrize("name", sorted(BAD))
def test_complex_and_bad_dtypes_refused(name):
    fn = BAD[name]
    for bad in (Z, np.array(["a", "b"])):
        with pytest.raises(TypeError, match=name.split("1p")[0]):
            fn(bad)
    with pytest.raises(TypeError, match=name.split("1p")[0]):
        fungrad.jit(fn)(Z)
    assert np.all(np.isfinite(np.asarray(fn(np.array([0.3, 0.6]))[0])))  # the next call works


def test_wofz_bad_dtype():
    with pytest.raises(TypeError, match="wofz expects a real or complex"):
        fs.wofz(np.array(["a"]))


@pytest.mark.parametrize("name", sorted(REAL))
def test_float32_derivatives_stay_float32(name):
    fn, _, domains = REAL[name]
    args = args_for(domains, [(3,)] * len(domains), np.float32, seed=9)
    i = DIFFERENTIABLE[name][-1]
    g32 = fungrad.grad(lambda v: fnp.sum(fn(*args[:i], v, *args[i + 1:])))(args[i])
    args64 = [a.astype(np.float64) for a in args]
    g64 = fungrad.grad(lambda v: fnp.sum(fn(*args64[:i], v, *args64[i + 1:])))(args64[i])
    assert g32.dtype == np.float32, name
    np.testing.assert_allclose(g32, g64, rtol=1e-5, atol=1e-6)


def test_hyp2f1():
    domains = [(0.5, 2), (0.5, 2), (1, 3), (-0.8, 0.8)]
    for shapes in [[(), (), (), ()], [(3, 1), (1, 4), (4,), (3, 4)], [(0,), (), (), ()]]:
        args = args_for(domains, shapes, seed=3)
        np.testing.assert_allclose(fs.hyp2f1(*args), ss.hyp2f1(*args), rtol=1e-12)
        out32 = fs.hyp2f1(*[a.astype(np.float32) for a in args])
        assert out32.dtype == np.float32
        np.testing.assert_allclose(out32, ss.hyp2f1(*args), rtol=2e-5)
    a, b, c, x = args_for(domains, [(3,)] * 4, seed=11)
    assert_derivatives(lambda v: fs.hyp2f1(a, b, c, v), (x,))
    assert_derivatives(lambda v: fs.hyp2f1(a[0], b[0], c[0], v), (x[0],))
    np.testing.assert_allclose(fungrad.jit(fs.hyp2f1)(a, b, c, x), ss.hyp2f1(a, b, c, x),
                               rtol=1e-12)
    np.testing.assert_allclose(fungrad.vmap(fs.hyp2f1)(a, b, c, x), ss.hyp2f1(a, b, c, x),
                               rtol=1e-12)
    for argnums, argument in ((0, "'a'"), (1, "'b'"), (2, "'c'")):
        with pytest.raises(TypeError, match=f"hyp2f1 is not differentiable .*{argument}"):
            fungrad.grad(lambda *v: fnp.sum(fs.hyp2f1(*v)), argnums=argnums)(a, b, c, x)
    with pytest.raises(TypeError, match="hyp2f1: x must be a real number"):
        fs.hyp2f1(1.0, 1.0, 2.0, Z)


def test_bessel_jn():
    for shape in [(), (4,), (2, 3), (0,)]:
        z = rand(shape, np.float64, 2, -6, 6)
        out = fs.bessel_jn(z, v=3)
        assert out.shape == (4,) + shape and out.dtype == np.float64
        np.testing.assert_allclose(out, ss.jv(np.arange(4).reshape((-1,) + (1,) * z.ndim), z),
                                   rtol=1e-12, atol=1e-15)
        out32 = fs.bessel_jn(z.astype(np.float32), v=3)
        assert out32.dtype == np.float32
        np.testing.assert_allclose(out32, out, rtol=1e-5, atol=1e-6)
    z = rand((3,), np.float64, 5, -6, 6)
    assert_derivatives(lambda v: fs.bessel_jn(v, v=2), (z,))
    assert_derivatives(lambda v: fs.bessel_jn(v, v=0), (z[0],))
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(lambda v: fs.bessel_jn(v, v=1)[0]))(z),
                               -ss.j1(z), rtol=1e-13)  # J_0' = -J_1
    np.testing.assert_allclose(fungrad.jit(lambda v: fs.bessel_jn(v, v=2))(z),
                               fs.bessel_jn(z, v=2), rtol=1e-14)
    np.testing.assert_allclose(fungrad.vmap(lambda v: fs.bessel_jn(v, v=2))(z),
                               fs.bessel_jn(z, v=2).T, rtol=1e-14)
    for bad_v in (1.5, -1, True):
        with pytest.raises(TypeError, match="bessel_jn: v must be a non-negative"):
            fs.bessel_jn(z, v=bad_v)
    for bad_z in (np.array([1, 2]), Z, np.array(["a"])):
        with pytest.raises(TypeError, match="bessel_jn: z must be a real floating-point"):
            fs.bessel_jn(bad_z, v=1)


def test_sph_harm_y_values():
    n, m = np.array([[0], [2], [3]]), np.array([0, 1, -2, 4])  # |m| > n gives 0, as scipy
    for theta, phi in [(rand((4,), np.float64, 1, 0, np.pi), rand((3, 1), np.float64, 2, 0, 6)),
                       (0.7, 0.3)]:
        out = fs.sph_harm_y(n, m, theta, phi)
        expected = ss.sph_harm_y(n, m, theta, phi)
        assert out.dtype == np.complex128 and out.shape == expected.shape
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)
        out32 = fs.sph_harm_y(n, m, np.float32(theta), np.float32(phi))
        assert out32.dtype == np.complex64
        np.testing.assert_allclose(out32, expected, rtol=2e-5, atol=1e-6)
    assert fs.sph_harm_y(np.zeros(0, int), 0, 0.5, 0.5).shape == (0,)
    np.testing.assert_allclose(fs.sph_harm_y(np.array([5, 2]), np.array([1, 1]), 0.7, 0.3,
                                             n_max=3),
                               ss.sph_harm_y(np.array([3, 2]), 1, 0.7, 0.3), rtol=1e-12)


def test_sph_harm_y_derivatives():
    n, m = np.array([2, 3, 1, 4]), np.array([1, -2, 0, 4])
    theta, phi = rand((4,), np.float64, 3, 0.2, 3.0), rand((4,), np.float64, 4, 0, 6)
    assert_derivatives(lambda t, p: fs.sph_harm_y(n, m, t, p), (theta, phi))
    assert_derivatives(lambda t, p: fs.sph_harm_y(n[1], m[1], t, p), (theta[1], phi[1]))
    _, gradient = ss.sph_harm_y(n, m, theta, phi, diff_n=1)
    ones = np.ones(4)
    for i, tangent in enumerate([(ones, 0 * ones), (0 * ones, ones)]):
        _, ours = fungrad.jvp(lambda t, p: fs.sph_harm_y(n, m, t, p), (theta, phi), tangent)
        np.testing.assert_allclose(ours, gradient[..., i], rtol=1e-12, atol=1e-14)
    f = fungrad.jit(lambda t, p: fs.sph_harm_y(n, m, t, p))
    np.testing.assert_allclose(f(theta, phi), ss.sph_harm_y(n, m, theta, phi), rtol=1e-12)
    np.testing.assert_allclose(fungrad.vmap(fs.sph_harm_y)(n, m, theta, phi),
                               ss.sph_harm_y(n, m, theta, phi), rtol=1e-12)
    # the public function takes integer n, m only; the primitive refuses their derivatives
    from fungrad.core import bind
    from fungrad.prims.special import sph_harm_y_p
    with pytest.raises(TypeError, match="sph_harm_y is not differentiable .*'n'"):
        fungrad.jvp(lambda k: bind(sph_harm_y_p, k, m * 1.0, theta, phi), (n * 1.0,), (ones,))


def test_sph_harm_y_bad_input():
    with pytest.raises(TypeError, match="sph_harm_y: n must be an integer array"):
        fs.sph_harm_y(np.array([1.5]), np.array([0]), 0.5, 0.5)
    with pytest.raises(TypeError, match="sph_harm_y: theta must be a real number"):
        fs.sph_harm_y(np.array([1]), np.array([0]), Z, 0.5)
    with pytest.raises(NotImplementedError, match="diff_n is not supported"):
        fs.sph_harm_y(np.array([1]), np.array([0]), 0.5, 0.5, diff_n=1)
    np.testing.assert_allclose(fs.sph_harm_y(np.array([1]), np.array([0]), 0.5, 0.5),
                               ss.sph_harm_y(1, 0, 0.5, 0.5), rtol=1e-13)
