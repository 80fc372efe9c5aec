"""``fungrad.scipy.signal``: convolve/correlate (1-D to 4-D, real and complex) and
convolve2d/correlate2d in every mode against scipy.signal, odd and even sizes, either operand larger; float32 kept;
derivatives in both operands; jit and vmap; errors."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

import fungrad
from fungrad.scipy import signal as fs

from helpers import assert_derivatives, rand

PAIRS_1D = [((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((6,), (2,)), ((1,), (1,))]
PAIRS_2D = [((5, 4), (3, 2)), ((3, 2), (5, 4)), ((4, 4), (4, 4)), ((4, 5), (2, 2)),
            ((6, 5), (4, 1))]
MODES = ["full", "same", "valid"]


@pytest.mark.parametrize("mode", MODES)
def test_values_against_scipy(mode):
    for i, (a, b) in enumerate(PAIRS_1D + PAIRS_2D):
        x, y = rand(a, np.float64, i), rand(b, np.float64, 50 + i)
        for name in ("convolve", "correlate"):
            np.testing.assert_allclose(getattr(fs, name)(x, y, mode),
                                       getattr(ss, name)(x, y, mode), rtol=1e-12, atol=1e-14,
                                       err_msg=f"{name} {a} {b}")
        if x.ndim == 2:
            for name in ("convolve2d", "correlate2d"):
                np.testing.assert_allclose(getattr(fs, name)(x, y, mode),
                                           getattr(ss, name)(x, y, mode), rtol=1e-12,
                                           atol=1e-14, err_msg=f"{name} {a} {b}")


def test_float32_and_derivatives():
    x, y = rand((5,), np.float32, 1), rand((3,), np.float32, 2)
    assert fs.convolve(x, y).dtype == np.float32
    x, y = rand((5,), np.float64, 1), rand((3,), np.float64, 2)
    for mode in MODES:
        assert_derivatives(lambda a, b: fs.correlate(a, b, mode), (x, y))
    x2, y2 = rand((4, 3), np.float64, 3), rand((2, 2), np.float64, 4)
    assert_derivatives(lambda a, b: fs.convolve2d(a, b, "same"), (x2, y2))


def test_jit_and_vmap():
    xs, y = rand((3, 6), np.float64, 5), rand((3,), np.float64, 6)
    expected = np.stack([ss.convolve(x, y) for x in xs])
    np.testing.assert_allclose(fungrad.vmap(lambda x: fs.convolve(x, y))(xs), expected)
    np.testing.assert_allclose(fungrad.jit(lambda x: fs.convolve(x, y, "same"))(xs[0]),
                               ss.convolve(xs[0], y, "same"))


def test_errors():
    with pytest.raises(ValueError, match="mode must be one of"):
        fs.convolve(np.ones(3), np.ones(2), mode="middle")
    with pytest.raises(ValueError, match="convolve2d: inputs must be 2-D"):
        fs.convolve2d(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="at least as large"):
        fs.convolve(np.ones((3, 2)), np.ones((2, 3)), mode="valid")
    with pytest.raises(NotImplementedError, match="boundary='fill'"):
        fs.convolve2d(np.ones((3, 3)), np.ones((2, 2)), boundary="wrap")


@pytest.mark.parametrize("mode", MODES)
def test_complex_against_scipy(mode):
    for i, (a, b) in enumerate(PAIRS_1D + PAIRS_2D):
        x = rand(a, np.float64, i) + 1j * rand(a, np.float64, 10 + i)
        y = rand(b, np.float64, 50 + i) - 0.5j * rand(b, np.float64, 60 + i)
        names = ["convolve", "correlate"] + (["convolve2d", "correlate2d"] if x.ndim == 2
                                             else [])
        for name in names:
            for p, q in ((x, y), (x.real, y), (x, y.real)):
                np.testing.assert_allclose(getattr(fs, name)(p, q, mode),
                                           getattr(ss, name)(p, q, mode), rtol=1e-12,
                                           atol=1e-14, err_msg=f"{name} {a} {b}")
    x64 = rand((4,), np.float64, 3).astype(np.complex64)
    assert fs.correlate(x64, x64.real).dtype == np.complex64
    x, y = rand((5,), np.float64, 1), rand((3,), np.float64, 2)
    assert_derivatives(lambda a, b: fs.correlate(a * (1 + 1j), b, mode), (x, y))
    assert_derivatives(lambda a, b: fs.correlate2d(a, b * 1j, mode), (x.reshape(5, 1),
                                                                      y.reshape(3, 1)))


def test_three_and_four_dimensions():
    for a, b in [((3, 4, 2), (2, 2, 2)), ((2, 2, 1), (3, 3, 3)), ((4, 3, 2, 2), (2, 1, 2, 1))]:
        x, y = rand(a, np.float64, 1), rand(b, np.float64, 2)
        for mode in MODES:
            for name in ("convolve", "correlate"):
                np.testing.assert_allclose(getattr(fs, name)(x, y, mode),
                                           getattr(ss, name)(x, y, mode), rtol=1e-12,
                                           atol=1e-14, err_msg=f"{name} {a} {b} {mode}")
    x, y = rand((3, 2, 2), np.float64, 3), rand((2, 1, 2), np.float64, 4)
    assert_derivatives(lambda p, q: fs.convolve(p, q, "same"), (x, y))
    with pytest.raises(ValueError, match="convolve: inputs must have at least one dimension"):
        fs.convolve(1.0, 2.0)
