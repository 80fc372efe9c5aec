"""The scipy-free primitives erf, erfc and erf_inv (``fungrad.prims.special``): values against
JAX 0.10's recorded outputs (tests/fixtures/make_special_erf.py) in float64 and float32, their
derivatives to second order in both modes, float32 staying float32, jit and vmap."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

import fungrad
from fungrad.prims.special import erf, erf_inv, erfc

from helpers import assert_derivatives, assert_float32_derivatives, rand

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "special_erf.npz"))
FUNCTIONS = {"erf": erf, "erfc": erfc, "erf_inv": erf_inv}


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many representable numbers apart a and b are (same dtype, finite)."""
    ints = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}[a.dtype]
    lowest = np.iinfo(ints).min

    def ordered(v):
        i = v.view(ints).astype(np.int64)
        return np.where(i < 0, lowest - i, i)
    return np.abs(ordered(a) - ordered(b))


def test_erf_matches_jax_float64():
    x, expected = FIXTURE["erf_x64"], FIXTURE["erf_y64"]
    got = np.asarray(erf(x))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(got[~finite], expected[~finite])  # +-1 at +-inf, nan


def test_erf_inv_float64_is_accurate_to_an_ulp_or_so():
    """Against 50-digit values: uniform points, both tails down to 1e-16 from +-1, and tiny
    arguments down to 1e-300 (AS241 in float64; the module docstring)."""
    x, exact = FIXTURE["erf_inv_x64"], FIXTURE["erf_inv_exact64"]
    got = np.asarray(erf_inv(x))
    assert got.dtype == np.float64
    inside = np.abs(x) < 1
    relative = np.abs(got[inside] - exact[inside]) / np.abs(np.where(exact[inside] == 0, 1,
                                                                       exact[inside]))
    assert relative.max() < 1.5e-15, (relative.max(), x[inside][relative.argmax()])
    expected = FIXTURE["erf_inv_y64"]  # JAX's: +-inf at +-1, nan past them and for nan
    np.testing.assert_array_equal(got[~inside], expected[~inside])
    assert np.signbit(erf_inv(np.float64(-0.0))) and erf_inv(np.float64(5e-324)) == 5e-324 * \
        math.sqrt(math.pi) / 2


def test_erf_inv_float64_is_as_accurate_as_jax_everywhere():
    """XLA's float64 erf_inv (Giles' polynomials) is off by up to 1e-10 relative near
    +-(1 - 1e-9); fungrad's agrees with it to 1e-14 wherever XLA's own error is below
    2e-15, and is never more than 1e-15 (relative) less accurate than XLA's."""
    x, exact, jax_values = (FIXTURE[k] for k in ("erf_inv_x64", "erf_inv_exact64",
                                                  "erf_inv_y64"))
    inside = (np.abs(x) < 1) & (exact != 0)
    x, exact, jax_values = x[inside], exact[inside], jax_values[inside]
    got = np.asarray(erf_inv(x))
    ours, theirs = (np.abs(v - exact) / np.abs(exact) for v in (got, jax_values))
    assert np.all(ours <= theirs + 1e-15)
    accurate = theirs < 2e-15  # (the fixture's points crowd the tails, where XLA's is not)
    assert accurate.mean() > 0.85
    np.testing.assert_allclose(got[accurate], jax_values[accurate], rtol=1e-14, atol=0)


def test_erf_inv_float32_within_an_ulp_of_jax():
    x, expected = FIXTURE["erf_inv_x32"], FIXTURE["erf_inv_y32"]
    got = np.asarray(erf_inv(x))
    assert got.dtype == np.float32
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(got[~finite], expected[~finite])
    distance = ulp_distance(got[finite], expected[finite])
    # XLA's float32 log differs from numpy's by an ulp now and then (module docstring)
    assert distance.max() <= 2 and np.mean(distance > 1) < 0.01, distance.max()


def test_erf_inv_float64_is_elementwise_across_chunks_and_out():
    """Large arrays go in chunks, with every tail (|x| > 0.85, and the far tail past
    1 - 3e-11) gathered across chunks: each value is still its element's alone, and a given
    ``out`` buffer (even the operand itself) gets the same bits."""
    from fungrad.prims.special import _ERF_INV_CHUNK, erf_inv_p
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, 3 * (_ERF_INV_CHUNK + 41))
    x[rng.integers(0, x.size, 50)] = rng.choice([1 - 1e-13, -1 + 1e-15, 1.0, -1.0, np.nan, 2.0,
                                                 -0.0, 0.85, -0.8500000000000001], 50)
    whole = np.asarray(erf_inv(x))
    one_by_one = np.array([float(erf_inv(v)) for v in x[:: 97]])
    np.testing.assert_array_equal(whole[:: 97], one_by_one)
    np.testing.assert_array_equal(whole.reshape(-1, 1)[:, 0], whole)
    np.testing.assert_array_equal(erf_inv(x.reshape(3, -1)).reshape(-1), whole)
    buffer = np.empty_like(x)
    assert erf_inv_p.impl(x, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, whole)
    in_place = x.copy()  # out may be the operand's own memory
    np.testing.assert_array_equal(erf_inv_p.impl(in_place, out=in_place), whole)


def test_erf_float32_is_xlas_rational_approximation():
    x, expected = FIXTURE["erf_x32"], FIXTURE["erf_y32"]
    got = np.asarray(erf(x))
    assert got.dtype == np.float32
    normal = np.abs(x) >= np.finfo(np.float32).tiny  # XLA flushes subnormals to zero
    np.testing.assert_array_equal(got[normal], expected[normal])


@pytest.mark.parametrize("bits", ["64", "32"])
def test_erfc_close_to_jax(bits):
    x, expected = FIXTURE["erfc_x" + bits], FIXTURE["erfc_y" + bits]
    got = np.asarray(erfc(x))
    assert got.dtype == expected.dtype
    tiny = np.finfo(expected.dtype).tiny
    moderate = np.abs(expected) > (1e-280 if bits == "64" else 1e-30)
    np.testing.assert_allclose(got[moderate], expected[moderate],
                               rtol=1e-13 if bits == "64" else 4e-6, atol=0)
    assert np.all(np.isnan(got) == np.isnan(expected))
    assert np.all(got[np.abs(expected) < tiny] < 2 * tiny)  # XLA flushes these to 0


def test_against_math_module_and_identities():
    x = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(erf(x), [math.erf(v) for v in x], rtol=1e-15)
    np.testing.assert_allclose(erfc(x), [math.erfc(v) for v in x], rtol=1e-15)
    u = np.linspace(-0.999, 0.999, 101)
    np.testing.assert_allclose(erf(erf_inv(u)), u, rtol=1e-14, atol=1e-15)
    assert math.isnan(float(erf_inv(1.5))) and math.isnan(float(erf(np.nan)))
    assert float(erf_inv(1.0)) == math.inf and float(erf_inv(-1.0)) == -math.inf


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (0,)])
def test_dtypes_and_shapes(shape):
    for fn in FUNCTIONS.values():
        for dtype in (np.float32, np.float64):
            out = fn(rand(shape, dtype, 0, -0.9, 0.9))
            assert out.dtype == dtype and out.shape == shape
        assert fn(np.zeros(shape, np.int32)).dtype == np.float64


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_derivatives(name, shape):
    x = rand(shape, np.float64, 1, -0.9, 0.9)
    assert_derivatives(FUNCTIONS[name], (x,))


def test_derivative_formulas():
    x = np.array([-2.0, -0.3, 0.0, 0.7, 3.0])
    d_erf = 2 / math.sqrt(math.pi) * np.exp(-x ** 2)
    grad = fungrad.vmap(fungrad.grad(erf))
    np.testing.assert_allclose(grad(x), d_erf, rtol=1e-14)
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(erfc))(x), -d_erf, rtol=1e-14)
    u = np.array([-0.99, -0.5, 0.0, 0.5, 0.999999])
    expected = math.sqrt(math.pi) / 2 * np.exp(np.asarray(erf_inv(u)) ** 2)
    np.testing.assert_allclose(fungrad.vmap(fungrad.grad(erf_inv))(u), expected, rtol=1e-14)
    # third order: d^3 erf = 2/sqrt(pi) (4x^2 - 2) exp(-x^2)
    third = fungrad.grad(fungrad.grad(fungrad.grad(erf)))(0.7)
    assert np.isclose(third, 2 / math.sqrt(math.pi) * (4 * 0.49 - 2) * math.exp(-0.49))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_float32_derivatives(name):
    assert_float32_derivatives(FUNCTIONS[name], rand((5,), np.float64, 2, -0.9, 0.9),
                               atol=1e-5, elementwise=True)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jit_and_vmap(name):
    fn = FUNCTIONS[name]
    x = rand((3, 4), np.float64, 3, -0.9, 0.9)
    np.testing.assert_array_equal(fungrad.jit(fn)(x), fn(x))
    np.testing.assert_array_equal(fungrad.vmap(fn)(x), fn(x))
    np.testing.assert_array_equal(fungrad.vmap(fn, in_axes=1, out_axes=1)(x), fn(x))
    jitted_grad = fungrad.jit(fungrad.grad(lambda v: fungrad.numpy.sum(fn(v))))
    np.testing.assert_allclose(jitted_grad(x), fungrad.grad(lambda v: fungrad.numpy.sum(fn(v)))(x))


def test_traced_ir_names_the_primitive():
    assert "erf_inv" in str(fungrad.make_jaxpr(erf_inv)(0.5))


def test_rejects_complex_with_its_name():
    with pytest.raises(TypeError, match="erf_inv"):
        erf_inv(np.array([0.5j]))
    assert float(erf_inv(0.5)) == pytest.approx(0.4769362762044699)  # next call works
