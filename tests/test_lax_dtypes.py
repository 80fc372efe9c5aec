"""lax's same-dtype rule (JAX's TypeError for mixed dtypes, weak Python scalars allowed), and
the lax functions added beside the elementwise ones: special functions, complex parts,
reduce_precision (against JAX's recorded values), fft, dtype."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest
import scipy.special as sps

import fungrad
import fungrad.numpy as fnp
from fungrad import lax
from helpers import assert_derivatives, assert_same_as_numpy, rand

FIXTURE = np.load(pathlib.Path(__file__).parent / "fixtures" / "lax_extras.npz")
F32, F64 = np.ones(3, np.float32), np.ones(3)
I32, I64 = np.ones(3, np.int32), np.ones(3, np.int64)

SAME_DTYPE_BINARY = [lax.add, lax.sub, lax.mul, lax.div, lax.rem, lax.max, lax.min, lax.atan2,
                     lax.nextafter, lax.eq, lax.ne, lax.lt, lax.le, lax.gt, lax.ge]
SAME_DTYPE_INTEGER = [lax.bitwise_and, lax.bitwise_or, lax.bitwise_xor, lax.shift_left,
                      lax.shift_right_arithmetic, lax.shift_right_logical, lax.mulhi]


@pytest.mark.parametrize("f", SAME_DTYPE_BINARY, ids=lambda f: f.__name__)
def test_float_binary_ops_refuse_mixed_dtypes(f):
    name = f.__name__
    with pytest.raises(TypeError, match=rf"lax\.{name} requires arguments to have the same "
                                        r"dtypes, got float32, float64 \(.*f32\[3\].*f64\[3\]"):
        f(F32, F64)
    with pytest.raises(TypeError, match="same dtypes"):
        fungrad.jit(f)(F64, F32)  # traced operands too
    with pytest.raises(TypeError, match="same dtypes"):
        f(F32, np.float64(2.0))  # a numpy scalar is strongly typed
    with pytest.raises(TypeError, match="same dtypes"):
        f(I32, 2.5)  # a weak float would turn the ints into floats
    # Python scalars are weak: they take the array's dtype, and the next call works
    assert np.asarray(f(F32, 2.0)).dtype in (np.float32, np.bool_)
    assert np.asarray(f(2, I32)).dtype in (np.int32, np.bool_) or name in ("atan2", "nextafter")
    assert np.asarray(f(1.0, 2.0)).dtype in (np.float64, np.bool_)


@pytest.mark.parametrize("f", SAME_DTYPE_INTEGER, ids=lambda f: f.__name__)
def test_integer_binary_ops_refuse_mixed_dtypes(f):
    with pytest.raises(TypeError, match=rf"lax\.{f.__name__} requires .*int32, int64"):
        f(I32, I64)
    assert_same_as_numpy(f(np.array([6], np.int32), 1), f(np.array([6], np.int32),
                                                          np.array([1], np.int32)))


def test_bitwise_operations_take_integers_or_booleans():
    for f in (lax.bitwise_and, lax.bitwise_or, lax.bitwise_xor):
        with pytest.raises(TypeError, match=rf"lax\.{f.__name__}: x must be an integer or "
                                            r"boolean array, got f64\[3\]"):
            f(F64, F64)
        assert_same_as_numpy(f(np.array([True, False]), True), f(np.array([True, False]),
                                                                  np.array([True, True])))
    with pytest.raises(TypeError, match=r"lax\.bitwise_not: x must be an integer or boolean"):
        lax.bitwise_not(F32)


def test_other_same_dtype_functions():
    dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    cases = {
        "select": lambda: lax.select(np.ones(3, bool), F32, F64),
        "select_n": lambda: lax.select_n(np.ones(3, bool), F32, F64),
        "clamp": lambda: lax.clamp(np.float64(0.0), F32, 1.0),
        "concatenate": lambda: lax.concatenate([F32, F64], 0),
        "pad": lambda: lax.pad(F32, np.float64(0.0), [(1, 1, 0)]),
        "dynamic_update_slice": lambda: lax.dynamic_update_slice(F32, F64[:1], (0,)),
        "scatter_add": lambda: lax.scatter_add(F32, np.array([[0]]), np.ones(1), dn),
        "scatter_sub": lambda: lax.scatter_sub(F32, np.array([[0]]), np.ones(1), dn),
        "complex": lambda: lax.complex(F32, F64),
        "polygamma": lambda: lax.polygamma(np.float32(1.0), F64),
        "igamma": lambda: lax.igamma(F32, F64),
    }
    for name, call in cases.items():
        with pytest.raises(TypeError, match=rf"lax\.{name} requires arguments to have the same"):
            call()
    # with weak scalars, the same calls work and keep the array's dtype
    assert lax.clamp(0.0, F32, 1.0).dtype == np.float32
    assert lax.pad(F32, 0.0, [(1, 1, 0)]).dtype == np.float32
    assert lax.select(True, np.float32(1.0), 0.0).dtype == np.float32  # shapes (): JAX's rule
    assert lax.dynamic_update_slice(F32, np.ones(1, np.float32), (0,)).dtype == np.float32
    assert lax.scatter_sub(F32, np.array([[0]]), np.ones(1, np.float32), dn).dtype == np.float32


def test_pow_follows_jax():
    x = rand((4,), np.float32, low=0.5)
    n = np.array([2, -1, 0, 3], np.int32)
    assert_same_as_numpy(lax.pow(x, n), (x.astype(np.float64) ** n).astype(np.float32))
    assert lax.pow(x, 2).dtype == np.float32 and lax.pow(x, 0.5).dtype == np.float32
    with pytest.raises(TypeError, match=r"lax\.pow requires .*float32, float64"):
        lax.pow(x, np.ones(4))
    with pytest.raises(TypeError, match=r"lax\.pow: x must have a float or complex dtype"):
        lax.pow(np.array([2, 3]), 2)
    assert_derivatives(lambda x: lax.pow(x, np.array([2, -1, 0, 3])), (x.astype(np.float64),))


def test_numpy_still_promotes():
    assert fnp.add(F32, F64).dtype == np.float64
    assert fnp.where(np.ones(3, bool), F32, F64).dtype == np.float64
    assert fnp.concatenate([F32, I32]).dtype == np.float64
    assert fnp.power(I32, 2).dtype == np.int32
    assert fnp.clip(F32, np.float64(0), 1.0).dtype == np.float64


def test_dtype_and_aliases():
    assert lax.dtype(F32) == np.float32 and lax.dtype(2) == np.int64
    assert lax.dtype("complex64") == np.complex64
    with pytest.raises(TypeError, match="lax.dtype: cannot read a dtype"):
        lax.dtype(object())
    assert lax.DotDimensionNumbers is not None and lax.PrecisionLike is not None
    assert lax.ConvGeneralDilatedDimensionNumbers is not None


# ----------------------------------------------------------------------------- special
SPECIAL = [  # (lax function, scipy reference, input makers, differentiable arguments)
    (lax.lgamma, sps.gammaln, [lambda s: rand(s, low=0.3, high=4.0)], (0,)),
    (lax.digamma, sps.digamma, [lambda s: rand(s, low=0.3, high=4.0)], (0,)),
    (lax.bessel_i0e, sps.i0e, [rand], (0,)),
    (lax.bessel_i1e, sps.i1e, [rand], (0,)),
    (lax.polygamma, sps.polygamma, [lambda s: np.full(s, 2.0), lambda s: rand(s, low=0.5)],
     (1,)),
    (lax.zeta, sps.zeta, [lambda s: np.full(s, 3.0), lambda s: rand(s, low=0.5, high=3.0)], (1,)),
    (lax.igamma, sps.gammainc, [lambda s: rand(s, low=0.5, high=3.0),
                                lambda s: rand(s, seed=1, low=0.2, high=3.0)], (1,)),
    (lax.igammac, sps.gammaincc, [lambda s: rand(s, low=0.5, high=3.0),
                                  lambda s: rand(s, seed=1, low=0.2, high=3.0)], (1,)),
    (lax.betainc, sps.betainc, [lambda s: rand(s, low=0.5, high=3.0),
                                lambda s: rand(s, seed=1, low=0.5, high=3.0),
                                lambda s: rand(s, seed=2, low=0.1, high=0.9)], (2,)),
]


@pytest.mark.parametrize("f,ref,makers,diff", SPECIAL, ids=[c[0].__name__ for c in SPECIAL])
def test_special_functions(f, ref, makers, diff):
    for shape in [(), (3,), (2, 3), (0,)]:
        args = [m(shape) for m in makers]
        assert_same_as_numpy(f(*args), ref(*args), rtol=1e-10)
        args32 = [a.astype(np.float32) for a in args]
        assert_same_as_numpy(f(*args32), ref(*args).astype(np.float32), rtol=1e-5)
    args = [m((2, 3)) for m in makers]
    assert_same_as_numpy(fungrad.jit(f)(*args), ref(*args), rtol=1e-10)
    assert_same_as_numpy(fungrad.vmap(f)(*args), ref(*args), rtol=1e-10)
    args = [m((3,)) for m in makers]
    for i in diff:
        def of_one(v, i=i):
            return f(*[v if j == i else a for j, a in enumerate(args)])
        assert_derivatives(of_one, (args[i],), rtol=1e-5, atol=1e-7)


def test_special_refuses_derivatives_jax_lacks():
    # igamma is differentiable in a (fungrad.scipy's shape derivative), zeta in x is not
    d = fungrad.grad(lambda a: lax.igamma(a, 1.0))(2.0)
    h = 1e-6
    assert np.isclose(d, (lax.igamma(2.0 + h, 1.0) - lax.igamma(2.0 - h, 1.0)) / (2 * h))
    with pytest.raises(TypeError, match="zeta is not differentiable"):
        fungrad.grad(lambda x: lax.zeta(x, 1.5))(3.0)


def test_eager_calls_check_dtypes_too():
    # an eager call runs the numpy impl directly: the lax function checks first
    with pytest.raises(TypeError, match=r"gammaln is defined for real inputs only.*"
                                        r"complex128\[\]"):
        lax.lgamma(1 + 1j)
    with pytest.raises(TypeError, match=r"select: pred must be boolean, got i64\[2\]"):
        lax.select(np.array([1, 0]), np.ones(2), np.zeros(2))
    with pytest.raises(TypeError, match=r"lax.digamma: argument x must be an array"):
        lax.digamma("a")
    assert_same_as_numpy(lax.lgamma(3.0), np.log(2.0))


def test_special_primitives_are_lax_names():
    assert lax.lgamma_p is fungrad.prims.special.gammaln_p
    assert lax.regularized_incomplete_beta_p is fungrad.prims.special.betainc_p
    assert lax.erf_inv_p is fungrad.prims.special.erf_inv_p


# ----------------------------------------------------------------------------- complex parts
def test_complex_parts():
    x, y = rand((2, 3)), rand((2, 3), seed=1)
    z = x + 1j * y
    assert_same_as_numpy(lax.complex(x, y), z)
    assert_same_as_numpy(lax.complex(x.astype(np.float32), 2.0),
                         (x + 2j).astype(np.complex64))
    assert_same_as_numpy(lax.real(z), x)
    assert_same_as_numpy(lax.imag(z), y)
    assert_same_as_numpy(lax.conj(z), np.conj(z))
    assert_same_as_numpy(lax.conj(x.astype(np.float32)), x.astype(np.complex64))
    assert_same_as_numpy(fungrad.jit(lax.conj)(z), np.conj(z))
    assert_same_as_numpy(fungrad.vmap(lax.complex)(x, y), z)
    with pytest.raises(TypeError, match=r"lax\.real: x must be a complex array, got f64\[2,3\]"):
        lax.real(x)
    with pytest.raises(TypeError, match=r"lax\.conj: x must be a float or complex"):
        lax.conj(np.array([1, 2]))

    def f(x, y):  # a real function through all four
        w = lax.complex(x, y)
        return fnp.sum(lax.real(w * lax.conj(w)) + lax.imag(w * w))
    assert_derivatives(f, (x, y))
    assert_same_as_numpy(fungrad.grad(f)(x, y), 2 * x + 2 * y)


# ----------------------------------------------------------------------------- reduce_precision
FORMATS = [(8, 7), (5, 10), (5, 2), (4, 3), (8, 23), (11, 52), (2, 0), (8, 0)]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_reduce_precision_against_jax(dtype):
    x = FIXTURE[f"precision_x_{dtype}"]
    for e, m in FORMATS:
        ours, jax_value = np.asarray(lax.reduce_precision(x, e, m)), FIXTURE[
            f"precision_{dtype}_{e}_{m}"]
        assert ours.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(ours, jax_value, err_msg=f"{dtype} ({e}, {m})")
        assert (np.signbit(ours) == np.signbit(jax_value))[~np.isnan(ours)].all()
    np.testing.assert_array_equal(fungrad.jit(lambda v: lax.reduce_precision(v, 5, 10))(x),
                                  FIXTURE[f"precision_{dtype}_5_10"])
    np.testing.assert_array_equal(
        fungrad.vmap(lambda v: lax.reduce_precision(v, 8, 7))(x.reshape(-1, 2)),
        FIXTURE[f"precision_{dtype}_8_7"].reshape(-1, 2))


def test_reduce_precision_derivative_rounds_the_tangent():
    x, t = rand((5,)), rand((5,), seed=1)
    out, tangent = fungrad.jvp(lambda v: lax.reduce_precision(v, 8, 7), (x,), (t,))
    assert_same_as_numpy(tangent, lax.reduce_precision(t, 8, 7))
    g = fungrad.grad(lambda v: fnp.sum(lax.reduce_precision(v, 8, 7) * t))(x)
    assert_same_as_numpy(g, lax.reduce_precision(t, 8, 7))
    # float64's own format rounds nothing: the derivative is the identity's, every order
    assert_derivatives(lambda v: lax.reduce_precision(v, 11, 52) ** 3, (x,))
    with pytest.raises(TypeError, match=r"reduce_precision: operand must be a float16, "
                                        r"float32 or float64 array, got i64\[2\]"):
        lax.reduce_precision(np.array([1, 2]), 8, 7)
    with pytest.raises(ValueError, match="exponent_bits >= 1"):
        lax.reduce_precision(x, 0, 7)
    with pytest.raises(TypeError, match="mantissa_bits must be an int"):
        lax.reduce_precision(x, 8, 7.0)


# ----------------------------------------------------------------------------- fft
def test_fft_against_numpy():
    x = rand((3, 4, 6))
    z = x + 1j * rand((3, 4, 6), seed=1)
    assert_same_as_numpy(lax.fft(z, lax.FftType.FFT, (4, 6)), np.fft.fftn(z, axes=(1, 2)))
    assert_same_as_numpy(lax.fft(z, "ifft", (6,)), np.fft.ifft(z, axis=-1))
    r = lax.fft(x, lax.FftType.RFFT, (6,))
    assert_same_as_numpy(r, np.fft.rfft(x, axis=-1))
    assert_same_as_numpy(lax.fft(r, lax.FftType.IRFFT, (6,)), np.fft.irfft(np.fft.rfft(x), 6))
    assert_same_as_numpy(fungrad.jit(lambda v: lax.fft(v, "rfft", (6,)))(x), np.fft.rfft(x))
    assert_same_as_numpy(fungrad.vmap(lambda v: lax.fft(v, "fft", (6,)))(z), np.fft.fft(z))
    assert_derivatives(lambda v: fnp.sum(fnp.abs(lax.fft(v, "rfft", (6,))) ** 2), (x[0],))
    with pytest.raises(ValueError, match="unknown fft_type 'dct'"):
        lax.fft(z, "dct", (6,))
    with pytest.raises(ValueError, match=r"fft: fft with fft_lengths=\(5,\) needs trailing"):
        lax.fft(z, "fft", (5,))


def test_igamma_grad_a_and_random_gamma_grad_against_jax():
    a, x = FIXTURE["gamma_a"], FIXTURE["gamma_x"]
    assert_same_as_numpy(lax.igamma_grad_a(a, x), FIXTURE["igamma_grad_a"], rtol=1e-11)
    assert_same_as_numpy(lax.random_gamma_grad(a, x), FIXTURE["random_gamma_grad"], rtol=1e-11)
    # against the derivative itself: central differences of scipy's P(a, x) in a
    h = 1e-6
    a1, x1 = a[:150], x[:150]
    fd = (sps.gammainc(a1 + h, x1) - sps.gammainc(a1 - h, x1)) / (2 * h)
    np.testing.assert_allclose(lax.igamma_grad_a(a1, x1), fd, rtol=1e-5, atol=1e-9)
    # the sample derivative keeps P(a, x(a)) fixed: dP/da + dP/dx * dx/da = 0
    density = np.exp((a1 - 1) * np.log(x1) - x1 - sps.gammaln(a1))
    np.testing.assert_allclose(fd + density * lax.random_gamma_grad(a1, x1), 0, atol=1e-6)
    f32 = lax.random_gamma_grad(a[:5].astype(np.float32), x[:5].astype(np.float32))
    assert f32.dtype == np.float32
    assert_same_as_numpy(fungrad.jit(lax.igamma_grad_a)(a, x), FIXTURE["igamma_grad_a"],
                         rtol=1e-11)
    assert_same_as_numpy(fungrad.vmap(lax.random_gamma_grad)(a[:6], x[:6]),
                         FIXTURE["random_gamma_grad"][:6], rtol=1e-11)
    edges = lax.igamma_grad_a(np.array([0.0, 1.0, -1.0, 1.0]), np.array([1.0, 0.0, 1.0, -1.0]))
    assert_same_as_numpy(edges, np.array([np.nan, 0.0, np.nan, np.nan]))
    with pytest.raises(TypeError, match="igamma_grad_a is not differentiable with respect to "
                                        "its argument 'x'"):
        fungrad.grad(lambda x: lax.igamma_grad_a(2.0, x))(1.0)
    with pytest.raises(TypeError, match=r"lax\.random_gamma_grad requires arguments to have "
                                        "the same dtypes"):
        lax.random_gamma_grad(np.float32(1.0), np.ones(2))
