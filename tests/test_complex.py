"""Complex numbers as JAX does them: values against numpy, derivatives against finite
differences in the real and imaginary directions (``check_grads`` perturbs complex inputs in
random complex directions and pairs cotangents by ``Re(sum(c * t))``), JAX's conventions from
recorded values (tests/fixtures/complex_conventions.json), holomorphic=, jit and vmap."""
from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.prims.complex import make_complex
from fungrad.test_util import check_grads
from helpers import assert_derivatives, assert_same_as_numpy

CONVENTIONS = {k: np.asarray(v)[..., 0] + 1j * np.asarray(v)[..., 1] for k, v in json.loads(
    (pathlib.Path(__file__).parent / "fixtures" / "complex_conventions.json").read_text()
).items()}
COMPLEX = [np.complex128, np.complex64]


def crand(shape, dtype=np.complex128, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    z = rng.uniform(-scale, scale, shape) + 1j * rng.uniform(-scale, scale, shape)
    return np.asarray(z, dtype)


Z3 = np.array([3 + 4j, 1 - 2j, -0.5 + 0.25j])

# ------------------------------------------------------------------------ JAX's conventions
OURS = {
    "grad_abs": lambda: fungrad.grad(fnp.abs)(3 + 4j),
    "grad_abs_squared": lambda: fungrad.grad(lambda z: fnp.abs(z) ** 2)(1 + 1j),
    "jvp_abs": lambda: fungrad.jvp(fnp.abs, (3 + 4j,), (1j,))[1],
    "grad_real": lambda: fungrad.grad(lambda z: fnp.real(z * z))(1 + 2j),
    "grad_imag": lambda: fungrad.grad(lambda z: fnp.imag(z * z))(1 + 2j),
    "grad_angle": lambda: fungrad.grad(fnp.angle)(3 + 4j),
    "grad_abs_sqrt": lambda: fungrad.grad(lambda z: fnp.abs(fnp.sqrt(z)))(3 + 4j),
    "vjp_square": lambda: fungrad.vjp(lambda z: z ** 2, 1 + 2j)[1](1j)[0],
    "vjp_conj": lambda: fungrad.vjp(fnp.conj, 1 + 2j)[1](1 + 1j)[0],
    "vjp_real_to_complex": lambda: fungrad.vjp(lambda x: x * (1 + 2j), 2.0)[1](1j)[0],
    "grad_holomorphic": lambda: fungrad.grad(lambda z: z ** 3, holomorphic=True)(1 + 1j),
    "jacrev_abs": lambda: fungrad.jacrev(fnp.abs)(Z3),
    "jacfwd_holomorphic": lambda: fungrad.jacfwd(fnp.sin, holomorphic=True)(Z3),
    "grad_var": lambda: fungrad.grad(fnp.var)(Z3),
    "grad_std": lambda: fungrad.grad(fnp.std)(Z3),
    "grad_norm": lambda: fungrad.grad(lambda z: fnp.sqrt(fnp.sum(fnp.abs(z) ** 2)))(Z3),
}


@pytest.mark.parametrize("name", sorted(OURS))
def test_jax_conventions(name):
    np.testing.assert_allclose(OURS[name](), CONVENTIONS[name], rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------ the silent bugs
def test_abs_of_complex_grad_and_jvp():
    assert fungrad.grad(fnp.abs)(3 + 4j) == pytest.approx(0.6 - 0.8j)
    out, t = fungrad.jvp(fnp.abs, (3 + 4j,), (1j,))
    assert (out, t) == (pytest.approx(5.0), pytest.approx(0.8))
    assert np.asarray(t).dtype == np.float64
    # at zero: the derivative JAX gives, 0, not NaN
    assert fungrad.grad(fnp.abs)(0j) == 0 and fungrad.jvp(fnp.abs, (0j,), (1 + 0j,))[1] == 0


def test_var_std_of_complex_are_real():
    z = crand((4, 3), seed=3)
    for axis, ddof in ((None, 0), (0, 1), (1, 0)):
        assert_same_as_numpy(fnp.var(z, axis=axis, ddof=ddof), np.var(z, axis=axis, ddof=ddof))
        assert_same_as_numpy(fnp.std(z, axis=axis, ddof=ddof), np.std(z, axis=axis, ddof=ddof))
    assert_same_as_numpy(fnp.var(z.astype(np.complex64)), np.var(z.astype(np.complex64)))
    assert_derivatives(lambda z: fnp.var(z, axis=0), (z,))
    assert_derivatives(lambda z: fnp.std(z), (z,))


def test_complex_tangent_for_real_primal_is_refused():
    with pytest.raises(TypeError, match="dtypes must be equal.*complex128"):
        fungrad.jvp(fnp.sin, (1.0,), (1j,))
    with pytest.raises(TypeError, match="complex"):
        fungrad.jvp(fnp.sin, (np.ones(2),), (np.ones(2, complex),))
    # a Python float tangent for a complex primal is fine (a real direction)
    assert fungrad.jvp(fnp.sin, (1j,), (1.0,))[1] == pytest.approx(np.cos(1j))
    assert fungrad.jvp(fnp.sin, (1.0,), (2.0,))[1] == pytest.approx(2 * np.cos(1.0))


def test_cotangent_kind_must_match_the_output():
    _, pullback = fungrad.vjp(fnp.sin, 2.0)
    with pytest.raises(ValueError, match="got complex128.*expected float64"):
        pullback(1j)
    _, pullback = fungrad.vjp(lambda x: x * (1 + 2j), 2.0)
    for ct in (np.float64(1.0), 1.0):  # JAX refuses a real cotangent here, even 1.0
        with pytest.raises(ValueError, match="got float64.*expected complex128"):
            pullback(ct)
    assert pullback(1.0 + 0j)[0] == pytest.approx(1.0)  # after an error, the next call works


@pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")
def test_real_input_gets_the_real_part_of_a_complex_cotangent():
    (ct,) = fungrad.vjp(lambda x: x * (1 + 2j), 2.0)[1](1j)
    assert ct == -2.0 and np.asarray(ct).dtype == np.float64
    x = np.array([0.5, -1.0], np.float32)
    (ct,) = fungrad.vjp(lambda x: fnp.exp(x * 1j), x)[1](np.ones(2, np.complex64))
    assert np.asarray(ct).dtype == np.float32
    np.testing.assert_allclose(ct, np.real(1j * np.exp(1j * x)), rtol=1e-6)
    # a cast from complex to real keeps the real part, as its derivatives do
    g = fungrad.grad(lambda z: fnp.sum(fnp.real(z).astype(np.float32)))(crand(3))
    np.testing.assert_array_equal(g, np.ones(3, complex))


# ------------------------------------------------------------------------ elementwise rules
UNARY = {  # name -> (function, scale of the inputs: inside the smooth domain)
    "sin": fnp.sin, "cos": fnp.cos, "tan": fnp.tan, "exp": fnp.exp, "exp2": fnp.exp2,
    "log": fnp.log, "log2": fnp.log2, "log10": fnp.log10, "log1p": fnp.log1p,
    "expm1": fnp.expm1, "sqrt": fnp.sqrt, "square": fnp.square, "reciprocal": fnp.reciprocal,
    "sinh": fnp.sinh, "cosh": fnp.cosh, "tanh": fnp.tanh, "arcsin": fnp.arcsin,
    "arccos": fnp.arccos, "arctan": fnp.arctan, "arcsinh": fnp.arcsinh,
    "arccosh": fnp.arccosh, "arctanh": fnp.arctanh, "sinc": fnp.sinc, "abs": fnp.abs,
    "negative": fnp.negative, "sigmoid": fungrad.nn.sigmoid, "real": fnp.real,
    "imag": fnp.imag, "conj": fnp.conj, "angle": fnp.angle,
    "integer_pow": lambda z: z ** 3, "power": lambda z: z ** (0.3 + 0.2j),
    "rpower": lambda z: (1.5 + 0.2j) ** z,
}
NUMPY_OF = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "integer_pow": lambda z: z ** 3,
            "power": lambda z: z ** (0.3 + 0.2j), "rpower": lambda z: (1.5 + 0.2j) ** z}


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_on_complex(name, dtype):
    z = crand((2, 3), dtype, seed=1)
    expected = NUMPY_OF[name](z) if name in NUMPY_OF else getattr(np, name)(z)
    assert_same_as_numpy(UNARY[name](z), expected, rtol=2e-5 if dtype == np.complex64 else
                         1e-12)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_derivatives_on_complex(name):
    # both branch cuts of arccosh's principal branch are crossed by these inputs' neighbours
    # only far away; (-0.5+0.3j) sits where sqrt(z^2 - 1) would take the wrong sign
    z = np.array([0.6 + 0.4j, -0.5 + 0.3j, 0.2 - 0.7j])
    assert_derivatives(UNARY[name], (z,))
    assert_derivatives(UNARY[name], (np.complex128(0.3 - 0.4j),))


def test_unary_derivatives_keep_complex64():
    z = crand((3,), np.complex64, seed=2, scale=0.7)
    for name in ("sin", "abs", "log", "real", "imag", "conj", "sqrt"):
        f = UNARY[name]
        out, pullback = fungrad.vjp(f, z)
        (ct,) = pullback(np.ones(np.shape(out), np.asarray(out).dtype))
        assert np.asarray(ct).dtype == np.complex64, name
        assert_derivatives(f, (z,))


BINARY = {
    "add": fnp.add, "subtract": fnp.subtract, "multiply": fnp.multiply,
    "divide": fnp.divide, "power": fnp.power, "maximum": fnp.maximum, "minimum": fnp.minimum,
    "where": lambda x, y: fnp.where(np.array([True, False, True]), x, y),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_on_complex_and_mixed(name):
    f = BINARY[name]
    z, w = crand((3,), seed=4) + 1.5, crand((2, 3), seed=5) + 1.5
    x = np.array([0.7, 1.3, 2.1])
    reference = getattr(np, name) if name != "where" else \
        (lambda a, b: np.where(np.array([True, False, True]), a, b))
    for a, b in ((z, w), (x, w), (z, x)):
        assert_same_as_numpy(f(a, b), reference(a, b))
        assert_derivatives(f, (a, b))


def test_maximum_orders_complex_lexicographically():
    a, b = np.array([1 + 2j, 2 + 0j]), np.array([1 + 3j, 1 + 5j])
    assert_same_as_numpy(fnp.maximum(a, b), np.maximum(a, b))
    g = fungrad.grad(lambda a: fnp.sum(fnp.real(fnp.maximum(a, b))))(a)
    np.testing.assert_array_equal(g, [0, 1])


def test_make_complex_and_its_derivatives():
    x, y = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    assert_same_as_numpy(make_complex(x, y), x + 1j * y)
    assert_same_as_numpy(make_complex(x.astype(np.float32), y.astype(np.float32)),
                         (x + 1j * y).astype(np.complex64))
    assert_derivatives(lambda x, y: make_complex(x, y) ** 2, (x, y))
    assert_same_as_numpy(fungrad.jit(make_complex)(x, y), x + 1j * y)
    assert_same_as_numpy(fungrad.vmap(make_complex, in_axes=(0, None))(np.stack([x, y]), y),
                         np.stack([x, y]) + 1j * y)
    with pytest.raises(TypeError, match="same dtype"):
        make_complex(x, y.astype(np.float32))


# ------------------------------------------------------------------------ structural rules
STRUCTURAL = {  # name -> fn(m, z), run with m = fungrad.numpy and m = numpy
    "sum": lambda m, z: m.sum(z, axis=0), "prod": lambda m, z: m.prod(z, axis=1),
    "mean": lambda m, z: m.mean(z), "cumsum": lambda m, z: m.cumsum(z, axis=1),
    "cumprod": lambda m, z: m.cumprod(z, axis=0), "max": lambda m, z: m.max(z, axis=1),
    "min": lambda m, z: m.min(z, axis=0), "sort": lambda m, z: m.sort(z, axis=1),
    "dot": lambda m, z: m.dot(z, z.T), "matmul": lambda m, z: m.matmul(z, z.T * 2j),
    "einsum": lambda m, z: m.einsum("ij,kj->ik", z, z),
    "vdot": lambda m, z: m.vdot(z, z * 1j), "vecdot": lambda m, z: m.vecdot(z, z[::-1]),
    "outer": lambda m, z: m.outer(z[0], z[1]),
    "transpose": lambda m, z: m.transpose(z) * z.T,
    "concat": lambda m, z: m.concatenate([z, z]), "getitem": lambda m, z: z[1, ::-1],
    "pad": lambda m, z: m.pad(z, 1),
}


@pytest.mark.parametrize("name", sorted(STRUCTURAL))
def test_structural_on_complex(name):
    f = STRUCTURAL[name]
    z = crand((2, 3), seed=6)
    assert_same_as_numpy(f(fnp, z), f(np, z))
    assert_derivatives(lambda z: f(fnp, z), (z,))


# ------------------------------------------------------------------------ numpy functions
def test_parts_values_on_complex_and_real():
    for x in (crand((2, 3), seed=7), crand((3,), np.complex64, seed=8),
              np.array([1.5, -2.0]), np.array([1.5, -2.0], np.float32), np.array([3, -1]),
              np.complex128(1 - 1j), 2.0):
        for name in ("real", "imag", "conj", "conjugate", "angle", "iscomplex", "isreal",
                     "abs"):
            assert_same_as_numpy(getattr(fnp, name)(x), getattr(np, name)(x))
        assert fnp.iscomplexobj(x) == np.iscomplexobj(x)
        assert fnp.isrealobj(x) == np.isrealobj(x)
    assert_same_as_numpy(fnp.angle(np.array([1j, -1 + 1j]), deg=True),
                         np.angle(np.array([1j, -1 + 1j]), deg=True))


def test_parts_traced_and_methods():
    z = crand((3,), seed=9)
    f = fungrad.jit(lambda z: (z.real, z.imag, z.conj(), fnp.imag(z.real), fnp.iscomplex(z)))
    for ours, theirs in zip(f(z), (z.real, z.imag, z.conj(), np.zeros(3), np.iscomplex(z))):
        assert_same_as_numpy(ours, theirs)
    # the real part of a real array and its imaginary part (zeros) have the right derivatives
    x = np.array([0.5, 2.0])
    assert_derivatives(lambda x: fnp.real(x) * 2 + fnp.imag(x) + fnp.angle(x + 3.0), (x,))


def test_real_if_close_and_sort_complex():
    eps = np.finfo(np.float64).eps
    for a in (np.array([1 + 10 * eps * 1j, 2.0]), np.array([1 + 1e-6j]), np.array([1.0, 2.0])):
        assert_same_as_numpy(fnp.real_if_close(a), np.real_if_close(a))
    assert_same_as_numpy(fnp.real_if_close(np.array([1 + 1e-6j]), tol=1e-5),
                         np.real_if_close(np.array([1 + 1e-6j]), tol=1e-5))
    for a in (np.array([1 + 2j, 1 - 1j, 0.5]), np.array([3, 1, 2], np.int8),
              np.array([3.0, 1.0], np.float32), np.array([5, 4])):
        assert_same_as_numpy(fnp.sort_complex(a), np.sort_complex(a))
    assert_derivatives(lambda z: fnp.sort_complex(z) * z, (crand((4,), seed=10),))


# ------------------------------------------------------------------------ holomorphic=
def test_holomorphic_grad_jacobians_hessian():
    z = np.array([0.3 + 0.4j, -1.0 + 0.2j])
    assert fungrad.grad(fnp.sin, holomorphic=True)(0.3 + 0.4j) == pytest.approx(
        np.cos(0.3 + 0.4j))
    v, g = fungrad.value_and_grad(lambda z: z ** 3, holomorphic=True)(0.3 + 0.4j)
    assert (v, g) == (pytest.approx((0.3 + 0.4j) ** 3), pytest.approx(3 * (0.3 + 0.4j) ** 2))
    for jac in (fungrad.jacfwd, fungrad.jacrev):
        j = jac(lambda z: fnp.exp(z) * z[::-1], holomorphic=True)(z)
        expected = np.diag(np.exp(z) * z[::-1]) + np.exp(z)[:, None] * np.eye(2)[::-1]
        np.testing.assert_allclose(j, expected, rtol=1e-12)
    h = fungrad.hessian(lambda z: fnp.sum(z ** 3), holomorphic=True)(z)
    np.testing.assert_allclose(h, np.diag(6 * z), rtol=1e-12)


def test_holomorphic_errors():
    with pytest.raises(TypeError, match="grad with holomorphic=True requires inputs with "
                                        "complex dtype, but got float64"):
        fungrad.grad(lambda z: z ** 2, holomorphic=True)(1.0)
    with pytest.raises(TypeError, match="requires outputs with complex dtype"):
        fungrad.grad(fnp.abs, holomorphic=True)(1 + 1j)
    with pytest.raises(TypeError, match="grad requires real-valued outputs.*holomorphic=True"):
        fungrad.grad(lambda z: z ** 2)(1 + 1j)
    with pytest.raises(TypeError, match="jacfwd requires real-valued inputs"):
        fungrad.jacfwd(fnp.abs)(np.array([1 + 1j]))
    with pytest.raises(TypeError, match="jacrev requires real-valued outputs"):
        fungrad.jacrev(lambda z: z * 2)(np.array([1 + 1j]))
    for jac in (fungrad.jacfwd, fungrad.jacrev):
        with pytest.raises(TypeError, match="holomorphic=True requires inputs"):
            jac(lambda z: z ** 2, holomorphic=True)(np.array([1.0, 2.0]))
        with pytest.raises(TypeError, match="holomorphic=True requires outputs"):
            jac(fnp.abs, holomorphic=True)(np.array([1.0 + 1j]))
    # real in, complex out: forward mode is defined (JAX: [[1j]])
    np.testing.assert_array_equal(fungrad.jacfwd(lambda x: x * 1j)(np.array([3.0])), [[1j]])


# ------------------------------------------------------------------------ jit, vmap, checks
def test_jit_and_vmap_on_complex():
    z = crand((4, 3), seed=11)

    def f(z):
        return fnp.sum(fnp.abs(fnp.sin(z) * fnp.conj(z)) ** 2, axis=-1)

    np.testing.assert_allclose(fungrad.jit(f)(z), f(z), rtol=1e-12)
    np.testing.assert_allclose(fungrad.vmap(f)(z), f(z), rtol=1e-12)
    g = fungrad.grad(lambda z: fnp.sum(f(z)))
    np.testing.assert_allclose(fungrad.jit(g)(z), g(z), rtol=1e-12)
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(lambda r: fnp.sum(f(r[None]))))(z),
                               g(z), rtol=1e-12)


def test_check_grads_catches_a_conjugated_rule():
    wrong = fungrad.custom_jvp(fnp.sin)
    wrong.defjvp(lambda p, t: (fnp.sin(p[0]), fnp.conj(fnp.cos(p[0])) * t[0]))
    check_grads(wrong, (np.array([0.5, 1.0]),), order=1)  # right on real inputs
    with pytest.raises(AssertionError, match="JVP mismatch"):
        check_grads(wrong, (np.array([0.5 + 0.5j, 1.0 - 0.2j]),), order=1, modes=("fwd",))


def test_no_complex_warning_in_derivatives():
    z = crand((3,), seed=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_grads(lambda z: fnp.abs(z) + fnp.real(z * z) - fnp.imag(z), (z,), order=2)
        check_grads(lambda x: fnp.abs(fnp.exp(1j * x)) * fnp.real(x * (1 + 2j)),
                    (np.array([0.3, 1.2]),), order=2)


@pytest.mark.parametrize("name", ["cbrt", "floor", "arctan2", "hypot", "logaddexp", "fmod"])
def test_real_only_functions_refuse_complex(name):
    f = getattr(fnp, name)
    call = (lambda z: f(z)) if name in ("cbrt", "floor") else (lambda z: f(z, z))
    z = crand((2,), seed=13)
    with pytest.raises(TypeError, match=name):  # as numpy refuses them
        call(z)
    with pytest.raises(TypeError, match="complex128"):
        fungrad.jit(call)(z)
    assert fungrad.jit(call)(np.array([0.5, 2.0])).shape == (2,)  # the next call works


def test_control_flow_and_custom_rules_carry_complex():
    z = np.array([0.3 + 0.4j, -0.2 + 0.1j])

    def scanned(z):
        c, ys = fungrad.lax.scan(lambda c, x: (c * x + 1j, fnp.sin(c)), z[0], z)
        return fnp.abs(c) ** 2 + fnp.sum(fnp.real(ys))

    square = fungrad.custom_vjp(lambda z: z * z)
    square.defvjp(lambda z: (z * z, z), lambda z, g: (2 * z * g,))
    for f in (scanned,
              lambda z: fungrad.lax.cond(True, lambda z: z * z, lambda z: -z, z),
              lambda z: fungrad.lax.fori_loop(0, 3, lambda i, c: c * c * 0.5 + z, z),
              lambda z: fungrad.checkpoint(lambda z: fnp.sin(z) * fnp.conj(z))(z)):
        assert_derivatives(f, (z,))
    assert_derivatives(square, (z,), modes=("rev",))


def test_cov_corrcoef_of_complex_conjugate_as_numpy():
    z = crand((2, 5), seed=14)
    assert_same_as_numpy(fnp.cov(z), np.cov(z))
    assert_same_as_numpy(fnp.cov(z, aweights=np.arange(1.0, 6.0)),
                         np.cov(z, aweights=np.arange(1.0, 6.0)))
    assert_same_as_numpy(fnp.corrcoef(z), np.corrcoef(z))
    assert_derivatives(lambda z: fnp.real(fnp.cov(z)), (z,))
