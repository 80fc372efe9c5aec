"""``fungrad.scipy.signal``'s fftconvolve, detrend, stft, istft, csd and welch against
scipy.signal (segment lengths, overlaps, nfft, windows by name, tuple and array, detrending,
scalings, averages, boundaries, padding, axes, complex input) and JAX's recorded values where
JAX's defaults differ from scipy's; float32 stays float32; derivatives of both orders in both
modes; jit and vmap; errors."""
from __future__ import annotations

import pathlib
import warnings

import numpy as np
import pytest
import scipy.signal as ss

import fungrad
import fungrad.numpy as fnp
from fungrad.scipy import signal as fs

from helpers import assert_derivatives, rand

FIXTURE = np.load(pathlib.Path(__file__).parent / "fixtures" / "scipy_signal.npz")
X, Y = rand((3, 40), seed=1), rand((3, 40), seed=2)


def assert_close(ours, theirs, rtol=1e-10, atol=1e-12):
    for a, b in zip(ours, theirs):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, (a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


WELCH_CASES = [dict(nperseg=16), dict(nperseg=16, noverlap=4, nfft=21),
               dict(nperseg=15, detrend="linear"), dict(nperseg=8, detrend=False),
               dict(nperseg=16, scaling="spectrum", average="median"),
               dict(nperseg=10, return_onesided=False, fs=3.0),
               dict(nperseg=8, window="hamming"), dict(nperseg=8, window=("tukey", 0.3)),
               dict(window=np.linspace(0.5, 1.0, 12), noverlap=3), dict(nperseg=40),
               dict(nperseg=7, detrend=lambda d: d - fnp.mean(d, axis=-1, keepdims=True))]


@pytest.mark.parametrize("kwargs", WELCH_CASES, ids=range(len(WELCH_CASES)))
def test_welch_and_csd_against_scipy(kwargs):
    assert_close(fs.welch(X, **kwargs), ss.welch(X, **kwargs))
    assert_close(fs.csd(X, Y, **kwargs), ss.csd(X, Y, **kwargs))
    assert fs.csd(X, Y, **kwargs)[1].dtype == np.complex128


def test_welch_and_csd_axes_shapes_and_complex():
    assert_close(fs.welch(X.T, axis=0, nperseg=16), ss.welch(X.T, axis=0, nperseg=16))
    assert_close(fs.csd(X, Y[:1], nperseg=8), ss.csd(X, Y[:1], nperseg=8))  # broadcast
    assert_close(fs.csd(X, Y[:, :30], nperseg=8), ss.csd(X, Y[:, :30], nperseg=8))  # padded
    assert_close(fs.welch(X[0], nperseg=1, noverlap=0), ss.welch(X[0], nperseg=1, noverlap=0))
    z = X + 1j * Y
    with pytest.warns(UserWarning, match="switching to return_onesided=False"):
        ours = fs.welch(z, nperseg=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(ours, ss.welch(z, nperseg=16))
        assert_close(fs.csd(z, Y, nperseg=16, average="median"),
                     ss.csd(z, Y, nperseg=16, average="median"))
    with pytest.warns(UserWarning, match="nperseg=64 is greater than input_length=40"):
        assert_close(fs.welch(X, nperseg=64), ss.welch(X, nperseg=40))
    f, p = fs.welch(np.ones((2, 0)))
    assert f.shape == p.shape == (2, 0)


def test_jax_defaults_and_values():
    # JAX's nperseg defaults to the signal's length (scipy's to 256)
    assert_close(fs.welch(FIXTURE["long"]), (FIXTURE["welch_default_f"],
                                             FIXTURE["welch_default"]))
    x, y = FIXTURE["x"], FIXTURE["y"]
    assert_close(fs.csd(x, y), (FIXTURE["csd_default_f"], FIXTURE["csd_default"]))
    assert_close([fs.welch(x, nperseg=4, average="median")[1]], [FIXTURE["welch_median"]])
    assert_close([fs.stft(x, nperseg=4)[2]], [FIXTURE["stft"]])
    assert_close([fs.istft(FIXTURE["stft"])[1]], [FIXTURE["istft"]])
    assert_close([fs.detrend(x, bp=[3, 7])], [FIXTURE["detrend_bp"]])
    assert_close([fs.fftconvolve(x, y[:, :4], mode="same", axes=1)],
                 [FIXTURE["fftconvolve_same_axes"]])


STFT_CASES = [dict(nperseg=16), dict(nperseg=16, noverlap=3, nfft=18),
              dict(nperseg=15, boundary="even"), dict(nperseg=15, boundary="odd", padded=False),
              dict(nperseg=16, boundary="constant"), dict(nperseg=16, boundary=None,
                                                          padded=False),
              dict(nperseg=8, detrend="linear", return_onesided=False),
              dict(nperseg=8, window="hamming", fs=3.0), dict(nperseg=7, window=np.ones(7))]


@pytest.mark.parametrize("kwargs", STFT_CASES, ids=range(len(STFT_CASES)))
def test_stft_and_istft_against_scipy(kwargs):
    assert_close(fs.stft(X, **kwargs), ss.stft(X, **kwargs))
    zxx = ss.stft(X, **kwargs)[2]
    inverse = {k: v for k, v in kwargs.items() if k in ("nperseg", "noverlap", "nfft",
                                                         "window", "fs")}
    inverse["input_onesided"] = kwargs.get("return_onesided", True)
    inverse["boundary"] = kwargs.get("boundary", "zeros") is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's NOLA warning for the unextended signals
        expected = ss.istft(zxx, **inverse)
    assert_close(fs.istft(zxx, **inverse), expected)


def test_stft_istft_axes_and_round_trip():
    assert_close(fs.stft(X.T, axis=0, nperseg=16), ss.stft(X.T, axis=0, nperseg=16))
    zxx = ss.stft(X.T, axis=0, nperseg=16)[2]  # (freqs, 3, times)
    assert_close(fs.istft(zxx, time_axis=-1, freq_axis=0),
                 ss.istft(zxx, time_axis=-1, freq_axis=0))
    moved = np.moveaxis(zxx, -1, 0)
    assert_close(fs.istft(moved, time_axis=0, freq_axis=1),
                 ss.istft(moved, time_axis=0, freq_axis=1))
    t, back = fs.istft(fs.stft(X, nperseg=10)[2])
    np.testing.assert_allclose(back, X, atol=1e-12)
    z = X + 1j * Y
    with pytest.warns(UserWarning, match="switching"):
        _, _, zz = fs.stft(z, nperseg=8)
    np.testing.assert_allclose(fs.istft(zz, input_onesided=False)[1], z, atol=1e-12)


def test_detrend_against_scipy():
    for bp in (0, [10], [5, 20, 39], np.array([3, 3, 40])):
        for type_ in ("linear", "constant"):
            assert_close([fs.detrend(X, type=type_, bp=bp)], [ss.detrend(X, type=type_, bp=bp)])
            assert_close([fs.detrend(X.T, axis=0, type=type_, bp=bp)],
                         [ss.detrend(X.T, axis=0, type=type_, bp=bp)])
    assert_close([fs.detrend(np.arange(5))], [ss.detrend(np.arange(5.0))])
    assert_close([fs.detrend(np.ones(1))], [ss.detrend(np.ones(1))])


FFTCONV_PAIRS = [((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((1,), (1,)), ((1,), (4,)),
                 ((6, 5), (3, 2)), ((3, 2), (6, 5)), ((4, 1), (2, 3))]


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_fftconvolve_against_scipy(mode):
    for i, (a, b) in enumerate(FFTCONV_PAIRS):
        if mode == "valid" and a == (4, 1):
            continue  # JAX (and fungrad) refuse it; scipy broadcasts the size-1 axes
        p, q = rand(a, seed=i), rand(b, seed=20 + i)
        assert_close([fs.fftconvolve(p, q, mode)], [ss.fftconvolve(p, q, mode)])
    p, q = rand((3, 6), seed=1), rand((3, 4), seed=2)
    assert_close([fs.fftconvolve(p, q, mode, axes=1)], [ss.fftconvolve(p, q, mode, axes=1)])
    assert_close([fs.fftconvolve(p + 1j * q[:, :1], q, mode, axes=[-1])],
                 [ss.fftconvolve(p + 1j * q[:, :1], q, mode, axes=[-1])])


def test_float32_stays_float32():
    x32, y32 = X.astype(np.float32), Y.astype(np.float32)
    for out in (fs.welch(x32, nperseg=8), fs.stft(x32, nperseg=8)):
        assert [a.dtype for a in out[:2]] == [np.float32, np.float32]
    assert fs.welch(x32, nperseg=8)[1].dtype == np.float32
    assert fs.csd(x32, y32, nperseg=8)[1].dtype == np.complex64
    assert fs.stft(x32, nperseg=8)[2].dtype == np.complex64
    assert fs.istft(fs.stft(x32, nperseg=8)[2])[1].dtype == np.float32
    assert fs.detrend(x32).dtype == np.float32
    assert fs.fftconvolve(x32, y32[:, :5]).dtype == np.float32
    assert_close(fs.welch(x32, nperseg=8), ss.welch(X, nperseg=8), rtol=1e-4, atol=1e-5)


def test_derivatives():
    x, y = rand((2, 12), seed=3), rand((2, 12), seed=4)
    assert_derivatives(lambda a: fs.welch(a, nperseg=6)[1], (x,))
    assert_derivatives(lambda a, b: fs.csd(a, b, nperseg=6, detrend="linear",
                                           average="median")[1], (x, y))
    assert_derivatives(lambda a: fs.stft(a, nperseg=6, boundary="odd")[2], (x,))
    assert_derivatives(lambda a: fs.stft(a, nperseg=5, boundary="even", padded=True)[2], (x,))
    zxx = np.asarray(fs.stft(x, nperseg=6)[2])
    assert_derivatives(lambda z: fs.istft(z)[1], (zxx,))
    assert_derivatives(lambda a, b: fs.fftconvolve(a, b, "same", axes=1), (x, y[:, :5]))
    assert_derivatives(lambda a, b: fs.fftconvolve(a, b, "valid"), (x[0], y[0, :3] + 1j))
    assert_derivatives(lambda a: fs.detrend(a, bp=[4]), (x,))
    # differentiable in the sampling frequency and in an array window
    assert_derivatives(lambda f: fs.welch(x, fs=f, nperseg=6)[1], (2.0,))
    assert_derivatives(lambda w: fs.welch(x, window=w)[1], (np.linspace(0.5, 1.0, 6),))


def test_jit_and_vmap():
    x = rand((4, 20), seed=5)
    welch = fungrad.jit(lambda a: fs.welch(a, nperseg=8)[1])
    np.testing.assert_allclose(welch(x), ss.welch(x, nperseg=8)[1], atol=1e-12)
    np.testing.assert_allclose(welch(2 * x), ss.welch(2 * x, nperseg=8)[1], atol=1e-12)
    zxx = fungrad.vmap(lambda a: fs.stft(a, nperseg=8)[2])(x)
    np.testing.assert_allclose(zxx, ss.stft(x, nperseg=8)[2], atol=1e-12)
    np.testing.assert_allclose(fungrad.vmap(lambda z: fs.istft(z)[1])(zxx), x, atol=1e-12)
    np.testing.assert_allclose(fungrad.vmap(fs.detrend, in_axes=1, out_axes=1)(x),
                               ss.detrend(x, axis=0), atol=1e-12)
    conv = fungrad.jit(lambda a: fs.fftconvolve(a, x[0, :5], "same"))
    np.testing.assert_allclose(fungrad.vmap(conv)(x),
                               np.stack([ss.fftconvolve(r, x[0, :5], "same") for r in x]),
                               atol=1e-12)


def test_errors():
    x = np.ones(16)
    cases = [
        (ValueError, "welch: average must be 'mean' or 'median'",
         lambda: fs.welch(x, average="max")),
        (ValueError, "csd: unknown scaling='power'", lambda: fs.csd(x, x, scaling="power")),
        (ValueError, r"welch: noverlap \(8\) must be non-negative and less than nperseg \(8\)",
         lambda: fs.welch(x, nperseg=8, noverlap=8)),
        (ValueError, r"stft: nfft \(4\) must be greater than or equal to nperseg \(8\)",
         lambda: fs.stft(x, nperseg=8, nfft=4)),
        (ValueError, "stft: nperseg must be a positive integer, got 0",
         lambda: fs.stft(x, nperseg=0)),
        (TypeError, "welch: nperseg must be an integer", lambda: fs.welch(x, nperseg=2.5)),
        (ValueError, "stft: unknown boundary='wrap'", lambda: fs.stft(x, boundary="wrap")),
        (ValueError, r"welch: axis=1 is out of bounds for an input of shape \(16,\)",
         lambda: fs.welch(x, axis=1)),
        (ValueError, "welch: x must have at least one dimension", lambda: fs.welch(1.0)),
        (TypeError, "welch: x must be numeric", lambda: fs.welch(np.array(["a"]))),
        (ValueError, r"csd: x and y must have the same rank",
         lambda: fs.csd(np.ones((2, 16)), x)),
        (ValueError, r"csd: x \(shape \(2, 16\)\) and y \(shape \(3, 16\)\) cannot be broadcast",
         lambda: fs.csd(np.ones((2, 16)), np.ones((3, 16)))),
        (ValueError, r"welch: window must be 1-D, got shape \(2, 2\)",
         lambda: fs.welch(x, window=np.ones((2, 2)))),
        (ValueError, "welch: nperseg=4 is different from the length of window",
         lambda: fs.welch(x, window=np.ones(5), nperseg=4)),
        (ValueError, "welch: window .* is longer than the input signal",
         lambda: fs.welch(np.ones(3), window=np.ones(5))),
        (ValueError, "welch: unsupported detrend=True", lambda: fs.welch(x, detrend=True)),
        (ValueError, "istft: Zxx must be at least 2-D", lambda: fs.istft(x)),
        (ValueError, "istft: time_axis and freq_axis must differ",
         lambda: fs.istft(np.ones((3, 4)), time_axis=0, freq_axis=0)),
        (ValueError, r"istft: noverlap \(4\) must be non-negative",
         lambda: fs.istft(np.ones((3, 4)), noverlap=4)),
        (ValueError, "istft: window must be 1-D of length nperseg=4",
         lambda: fs.istft(np.ones((3, 4)), window=np.ones(3))),
        (ValueError, "detrend: type must be 'linear' or 'constant'",
         lambda: fs.detrend(x, type="quadratic")),
        (ValueError, r"detrend: the breakpoints bp=\[20\] must lie in \[0, 16\]",
         lambda: fs.detrend(x, bp=[20])),
        (ValueError, "detrend: data must have at least one dimension",
         lambda: fs.detrend(2.0)),
        (ValueError, "fftconvolve: mode must be one of", lambda: fs.fftconvolve(x, x, "middle")),
        (ValueError, "fftconvolve: in1 and in2 must have the same number of dimensions",
         lambda: fs.fftconvolve(x, np.ones((2, 2)))),
        (ValueError, "fftconvolve: in mode 'valid' one input must be at least as large",
         lambda: fs.fftconvolve(np.ones((3, 2)), np.ones((2, 3)), "valid")),
        (ValueError, "fftconvolve: the axes not convolved must have the same size",
         lambda: fs.fftconvolve(np.ones((3, 2)), np.ones((2, 3)), axes=1)),
        (ValueError, "fftconvolve: inputs must not be empty",
         lambda: fs.fftconvolve(np.ones(0), x)),
        (TypeError, "fftconvolve: in2 must be numeric",
         lambda: fs.fftconvolve(x, np.array(["a"]))),
    ]
    for error, message, call in cases:
        with pytest.raises(error, match=message):
            call()
    with pytest.raises(NotImplementedError, match="overwrite_data"):
        fs.detrend(x, overwrite_data=True)
    assert_close(fs.welch(x, nperseg=8), ss.welch(x, nperseg=8))  # the next call works


def test_convolve_and_correlate_by_fft():
    for i, (a, b) in enumerate([((5,), (3,)), ((3,), (5,)), ((4, 3), (2, 2)), ((2, 2), (4, 3))]):
        p, q = rand(a, seed=i), rand(b, seed=9 + i)
        for mode in ("full", "same", "valid"):
            for name in ("convolve", "correlate"):
                assert_close([getattr(fs, name)(p, q, mode, method="fft")],
                             [getattr(ss, name)(p, q, mode, method="fft")])
    assert_derivatives(lambda a: fs.correlate(a, X[0, :3], "same", method="fft"), (X[1, :7],))
    with pytest.raises(ValueError, match="correlate: method must be one of"):
        fs.correlate(X[0], X[1], method="fast")
