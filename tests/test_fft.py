"""fungrad.numpy.fft against numpy.fft: values (float64, float32, complex128, complex64,
batched), derivatives of order 2 in both modes on real and complex inputs, JAX's recorded
cotangents through the real transforms (their doubled bins), jit, vmap and errors."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.numpy import fft as ffft
from helpers import assert_derivatives, assert_same_as_numpy

CONVENTIONS = {k: np.asarray(v)[..., 0] + 1j * np.asarray(v)[..., 1] for k, v in json.loads(
    (pathlib.Path(__file__).parent / "fixtures" / "complex_conventions.json").read_text()
).items()}


def data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


# name -> (call with module m, shape, takes complex input)
CASES = {
    "fft": (lambda m, a: m.fft.fft(a), (3, 5), True),
    "fft_n_axis": (lambda m, a: m.fft.fft(a, n=7, axis=0, norm="ortho"), (3, 5), True),
    "fft_cut": (lambda m, a: m.fft.fft(a, n=3), (2, 5), True),
    "ifft": (lambda m, a: m.fft.ifft(a, norm="forward"), (4, 6), True),
    "rfft": (lambda m, a: m.fft.rfft(a), (3, 6), False),
    "rfft_odd": (lambda m, a: m.fft.rfft(a, n=5, axis=0, norm="ortho"), (4, 3), False),
    "irfft": (lambda m, a: m.fft.irfft(a), (3, 4), True),
    "irfft_odd": (lambda m, a: m.fft.irfft(a, n=7, norm="ortho"), (2, 4), True),
    "irfft_pad": (lambda m, a: m.fft.irfft(a, n=10, axis=0, norm="forward"), (3, 2), True),
    "hfft": (lambda m, a: m.fft.hfft(a), (2, 4), True),
    "hfft_n": (lambda m, a: m.fft.hfft(a, n=5, norm="ortho"), (3,), True),
    "ihfft": (lambda m, a: m.fft.ihfft(a), (2, 6), False),
    "ihfft_n": (lambda m, a: m.fft.ihfft(a, n=5, norm="forward"), (4,), False),
    "fft2": (lambda m, a: m.fft.fft2(a), (2, 3, 4), True),
    "ifft2": (lambda m, a: m.fft.ifft2(a, s=(2, 5), norm="ortho"), (3, 4), True),
    "rfft2": (lambda m, a: m.fft.rfft2(a, axes=(0, 2)), (4, 2, 3), False),
    "irfft2": (lambda m, a: m.fft.irfft2(a), (2, 3, 3), True),
    "fftn": (lambda m, a: m.fft.fftn(a, axes=(2, 0)), (2, 3, 4), True),
    # s alone means the last len(s) axes (numpy 2 deprecates that form: it gets axes)
    "ifftn": (lambda m, a: m.fft.ifftn(a, s=(3, 2)) if m is fnp else
              m.fft.ifftn(a, s=(3, 2), axes=(1, 2)), (2, 3, 4), True),
    "rfftn": (lambda m, a: m.fft.rfftn(a), (2, 3, 4), False),
    "rfftn_s": (lambda m, a: m.fft.rfftn(a, s=(3, 5), axes=(1, 0), norm="ortho"), (2, 4), False),
    "irfftn": (lambda m, a: m.fft.irfftn(a, s=(4, 5), axes=(0, 1)), (3, 3), True),
    "irfftn_default": (lambda m, a: m.fft.irfftn(a, norm="forward"), (2, 3, 3), True),
    "fftshift": (lambda m, a: m.fft.fftshift(a), (4, 5), True),
    "fftshift_axes": (lambda m, a: m.fft.fftshift(a, axes=1), (4, 5), True),
    "ifftshift": (lambda m, a: m.fft.ifftshift(a, axes=(0,)), (5, 3), True),
}
VALUE_DTYPES = [np.float64, np.float32, np.complex128, np.complex64, np.int64]


def _inputs(name, dtypes):
    _, shape, complex_ok = CASES[name]
    return [d for d in dtypes if complex_ok or np.dtype(d).kind != "c"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_against_numpy(name):
    fn, shape, _ = CASES[name]
    for dtype in _inputs(name, VALUE_DTYPES):
        a = data(shape, dtype) if dtype != np.int64 else np.arange(np.prod(shape)).reshape(shape)
        ours, theirs = fn(fnp, a), fn(np, a)
        assert_same_as_numpy(ours, theirs, rtol=2e-5 if np.asarray(ours).dtype in (
            np.float32, np.complex64) else 1e-12, atol=1e-5 if np.asarray(ours).dtype in (
            np.float32, np.complex64) else 1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_derivatives_real_and_complex(name):
    fn, shape, _ = CASES[name]
    for dtype in _inputs(name, [np.float64, np.complex128]):
        assert_derivatives(lambda a: fn(fnp, a), (data(shape, dtype, seed=1),))


@pytest.mark.parametrize("name", sorted(CASES))
def test_jit_and_vmap(name):
    fn, shape, complex_ok = CASES[name]
    a = data((2,) + shape, np.complex128 if complex_ok else np.float64, seed=2)
    f = lambda a: fn(fnp, a)  # noqa: E731
    expected = np.stack([fn(np, a[0]), fn(np, a[1])])
    np.testing.assert_allclose(fungrad.vmap(f)(a), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fungrad.jit(f)(a[0]), expected[0], rtol=1e-12, atol=1e-12)
    # vmap over a non-leading axis, and gradients under jit
    moved = np.moveaxis(a, 0, -1)
    np.testing.assert_allclose(fungrad.vmap(f, in_axes=-1)(moved), expected, rtol=1e-12,
                               atol=1e-12)
    loss = lambda a: fnp.sum(fnp.abs(f(a)) ** 2)  # noqa: E731
    np.testing.assert_allclose(fungrad.jit(fungrad.grad(loss))(a[0]), fungrad.grad(loss)(a[0]),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_jit_and_vmap_in_single_precision(name):
    fn, shape, complex_ok = CASES[name]
    f = lambda a: fn(fnp, a)  # noqa: E731
    for dtype in _inputs(name, [np.float32, np.complex64]):
        a = data((2,) + shape, dtype, seed=4)
        batched = fungrad.vmap(f)(a)
        for k in range(2):
            assert_same_as_numpy(np.asarray(batched)[k], fn(np, a[k]), rtol=2e-5, atol=1e-5)
        assert_same_as_numpy(fungrad.jit(f)(a[0]), fn(np, a[0]), rtol=2e-5, atol=1e-5)


def test_float32_stays_single_precision():
    x = data((4,), np.float32)
    assert ffft.rfft(x).dtype == np.complex64 and ffft.fft(x).dtype == np.complex64
    assert ffft.irfft(ffft.rfft(x)).dtype == np.float32
    g = fungrad.grad(lambda x: fnp.sum(fnp.abs(ffft.rfft(x)) ** 2))(x)
    assert g.dtype == np.float32
    z = data((4,), np.complex64)
    (ct,) = fungrad.vjp(ffft.irfft, z[:3])[1](np.ones(4, np.float32))
    assert ct.dtype == np.complex64


# ------------------------------------------------------------------------ JAX's cotangents
def test_reverse_mode_through_real_transforms_matches_jax():
    ones3 = np.ones(3, complex)
    pull = {
        "vjp_rfft": lambda: fungrad.vjp(ffft.rfft, np.arange(4.0))[1](ones3)[0],
        "vjp_irfft": lambda: fungrad.vjp(ffft.irfft, ones3)[1](np.arange(4.0))[0],
        "vjp_irfft_odd": lambda: fungrad.vjp(lambda x: ffft.irfft(x, 5), ones3)[1](
            np.arange(5.0))[0],
        "vjp_hfft": lambda: fungrad.vjp(ffft.hfft, ones3)[1](np.arange(4.0))[0],
        "vjp_ihfft": lambda: fungrad.vjp(ffft.ihfft, np.arange(4.0))[1](ones3)[0],
        "vjp_irfft2": lambda: fungrad.vjp(lambda x: ffft.irfft2(x, s=(3, 4)),
                                          np.ones((3, 3), complex))[1](
            np.arange(12.0).reshape(3, 4))[0],
        "grad_rfft_loss": lambda: fungrad.grad(lambda x: fnp.sum(fnp.abs(ffft.rfft(x)) ** 2))(
            np.array([1.0, -2.0, 0.5, 3.0, 0.25])),
    }
    for name, f in pull.items():
        np.testing.assert_allclose(f(), CONVENTIONS[name], rtol=1e-12, atol=1e-12,
                                   err_msg=name)


def test_parseval_gradient_is_exact():
    # sum |rfft(x)|^2 counts the interior bins once: its gradient is not 2 n x, and is
    # exactly what the doubled-bin transpose gives
    x = data((6,), np.float64, seed=3)
    w = np.array([1, 2, 2, 1])
    value = lambda x: fnp.sum(w * fnp.abs(ffft.rfft(x)) ** 2)  # noqa: E731
    np.testing.assert_allclose(value(x), 6 * np.sum(x ** 2), rtol=1e-12)
    np.testing.assert_allclose(fungrad.grad(value)(x), 12 * x, rtol=1e-12)


# ------------------------------------------------------------------------ frequencies
def test_fftfreq_rfftfreq():
    for n, d in ((1, 1.0), (4, 0.5), (5, 2.0), (8, 0.1)):
        assert_same_as_numpy(ffft.fftfreq(n, d), np.fft.fftfreq(n, d))
        assert_same_as_numpy(ffft.rfftfreq(n, d), np.fft.rfftfreq(n, d))
    assert ffft.fftfreq(4, dtype=np.float32).dtype == np.float32
    # differentiable in the spacing: d/dd (k / (n d)) = -k / (n d^2)
    g = fungrad.jacfwd(lambda d: ffft.fftfreq(5, d))(0.5)
    np.testing.assert_allclose(g, -np.fft.fftfreq(5) / 0.25, rtol=1e-12)
    assert_derivatives(lambda d: ffft.rfftfreq(6, d), (0.7,))
    np.testing.assert_allclose(fungrad.jit(lambda d: ffft.rfftfreq(6, d))(0.7),
                               np.fft.rfftfreq(6, 0.7), rtol=1e-12)


def test_shifts_on_every_axis_form():
    a = data((4, 5), np.float64)
    for axes in (None, 0, 1, (0, 1), (-1,)):
        assert_same_as_numpy(ffft.fftshift(a, axes), np.fft.fftshift(a, axes))
        assert_same_as_numpy(ffft.ifftshift(a, axes), np.fft.ifftshift(a, axes))
    assert_same_as_numpy(ffft.ifftshift(ffft.fftshift(np.arange(7.0))), np.arange(7.0))


# ------------------------------------------------------------------------ errors
def test_errors_name_the_function_and_argument():
    a = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"fft\.fft: invalid number of FFT data points \(0\)"):
        ffft.fft(a, n=0)
    with pytest.raises(ValueError, match=r"fftn does not support repeated axes"):
        ffft.fftn(a, axes=(0, 0))
    with pytest.raises(ValueError, match=r"fft\.fft: axis 2 is out of bounds.*\(3, 4\)"):
        ffft.fft(a, axis=2)
    with pytest.raises(TypeError, match=r"fft\.rfft takes a real input, got c128\[3\]"):
        ffft.rfft(np.ones(3, complex))
    with pytest.raises(ValueError, match=r"invalid norm='bad'"):
        ffft.ifft(a, norm="bad")
    with pytest.raises(ValueError, match=r"at least one dimension, got f64\[\]"):
        ffft.fft(np.float64(1.0))
    with pytest.raises(ValueError, match=r"s=\(3,\) and axes=\(0, 1\) must have the same"):
        ffft.fftn(a, s=(3,), axes=(0, 1))
    with pytest.raises(ValueError, match=r"irfft: invalid number of FFT data points \(0\)"):
        ffft.irfft(np.ones(1, complex))
    with pytest.raises(ValueError, match=r"fftfreq: n must be positive"):
        ffft.fftfreq(0)
    assert ffft.fft(a).shape == (3, 4)  # after an error, the next call works
