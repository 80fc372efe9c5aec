"""``fungrad.scipy.ndimage.map_coordinates``: every edge mode and order against scipy (JAX's
'constant' and 'wrap' are scipy's 'grid-constant' and 'grid-wrap') and against JAX's recorded
values (halves in order 0, size-1 axes, integer inputs); shapes (scalar, broadcast, empty
coordinates, 1-D to 3-D); float32 kept; derivatives in the input and the coordinates; jit and
vmap; errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.ndimage as sn

import fungrad
from fungrad.scipy.ndimage import map_coordinates

from helpers import assert_derivatives, rand

MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]
SCIPY_MODE = {"constant": "grid-constant", "wrap": "grid-wrap"}
FIXTURE = np.load(Path(__file__).parent / "fixtures" / "scipy_scimods.npz")


def _coordinates(shape, n, seed):
    """Coordinates reaching well outside the array, never on a half (where scipy's and
    numpy's rounding could disagree) nor on an integer (a kink of the linear weights)."""
    rng = np.random.default_rng(seed)
    coords = []
    for size in shape:
        c = rng.uniform(-2 * size - 1, 3 * size + 1, n)
        c = np.where(np.abs(c - np.round(c)) < 0.05, c + 0.2, c)
        c = np.where(np.abs(c - np.floor(c) - 0.5) < 0.05, c + 0.2, c)
        coords.append(c)
    return coords


@pytest.mark.parametrize("mode", MODES)
def test_values_against_scipy(mode):
    for i, shape in enumerate([(6,), (4, 5), (3, 2, 4), (1, 4)]):
        x = rand(shape, np.float64, i)
        coords = _coordinates(shape, 11, 10 + i)
        for order in (0, 1):
            expected = sn.map_coordinates(x, np.array(coords), order=order,
                                          mode=SCIPY_MODE.get(mode, mode), cval=0.75)
            np.testing.assert_allclose(map_coordinates(x, coords, order, mode, cval=0.75),
                                       expected, rtol=1e-12, atol=1e-14,
                                       err_msg=f"{mode} order {order} {shape}")


@pytest.mark.parametrize("mode", MODES)
def test_values_against_jax(mode):
    coords = list(FIXTURE["mc_coords"])
    for order in (0, 1):
        key = f"mc_{mode}_{order}"
        np.testing.assert_allclose(
            map_coordinates(FIXTURE["mc_image"], coords, order, mode, cval=0.75),
            FIXTURE[key], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(map_coordinates(FIXTURE["mc_column"], coords, order, mode),
                                   FIXTURE[key + "_column"], rtol=1e-12, atol=1e-14)
        ours = map_coordinates(FIXTURE["mc_ints"], coords, order, mode)
        assert ours.dtype == FIXTURE["mc_ints"].dtype
        np.testing.assert_array_equal(ours, FIXTURE[key + "_ints"])


def test_shapes_and_dtypes():
    x = rand((3, 4), np.float64, 1)
    assert map_coordinates(x, [np.float64(0.3), 1.2], 1).shape == ()
    assert map_coordinates(x, [np.zeros(0), np.zeros(0)], 1).shape == (0,)
    rows, cols = np.array([[0.2], [1.6]]), np.array([0.4, 2.2, 3.1])
    expected = sn.map_coordinates(x, np.array(np.broadcast_arrays(rows, cols)), order=1,
                                  mode="nearest")
    np.testing.assert_allclose(map_coordinates(x, [rows, cols], 1, "nearest"), expected,
                               rtol=1e-12)
    # a stacked (ndim, ...) array of coordinates is a sequence too
    stacked = np.array(_coordinates((3, 4), 5, 2))
    np.testing.assert_allclose(map_coordinates(x, stacked, 1),
                               map_coordinates(x, list(stacked), 1))
    x32 = x.astype(np.float32)
    assert map_coordinates(x32, [rows, cols], 1).dtype == np.float32
    assert map_coordinates(x32, [rows.astype(np.float32), cols.astype(np.float32)],
                           0).dtype == np.float32
    # complex inputs interpolate their real and imaginary parts
    z = x + 1j * rand((3, 4), np.float64, 2)
    np.testing.assert_allclose(map_coordinates(z, [rows, cols], 1, "mirror"),
                               map_coordinates(z.real, [rows, cols], 1, "mirror")
                               + 1j * map_coordinates(z.imag, [rows, cols], 1, "mirror"))


@pytest.mark.parametrize("mode", MODES)
def test_derivatives(mode):
    x = rand((3, 4), np.float64, 3)
    rows, cols = _coordinates((3, 4), 4, 4)
    assert_derivatives(lambda x, r, c: map_coordinates(x, [r, c], 1, mode, cval=0.5),
                       (x, rows, cols))
    assert_derivatives(lambda x: map_coordinates(x, [rows, cols], 0, mode), (x,))
    assert_derivatives(lambda x, r: map_coordinates(x, [r], 1, mode), (x[0], np.float64(1.3)))
    if mode == "constant":  # the fill value counts once per corner outside
        assert_derivatives(lambda v: map_coordinates(x, [rows, cols], 1, mode, cval=v),
                           (np.float64(0.7),))
        np.testing.assert_allclose(
            fungrad.grad(lambda v: map_coordinates(x, [np.array([-0.25]), np.array([1.5])],
                                                   1, cval=v).sum())(0.7), 0.25)


def test_jit_and_vmap():
    x = rand((3, 4), np.float64, 5)
    rows, cols = _coordinates((3, 4), 5, 6)
    f = fungrad.jit(lambda x, r, c: map_coordinates(x, [r, c], 1, "reflect"))
    np.testing.assert_allclose(f(x, rows, cols), map_coordinates(x, [rows, cols], 1, "reflect"))
    np.testing.assert_allclose(f(2 * x, rows + 0.1, cols), map_coordinates(
        2 * x, [rows + 0.1, cols], 1, "reflect"))
    batch = np.stack([rows, rows + 0.3, rows - 4.1])
    expected = np.stack([map_coordinates(x, [r, cols], 1, "wrap") for r in batch])
    np.testing.assert_allclose(
        fungrad.vmap(lambda r: map_coordinates(x, [r, cols], 1, "wrap"))(batch), expected)
    images = np.stack([x, -x])
    np.testing.assert_allclose(
        fungrad.vmap(lambda x: map_coordinates(x, [rows, cols], 0, "mirror"))(images),
        np.stack([map_coordinates(v, [rows, cols], 0, "mirror") for v in images]))


def test_errors():
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"map_coordinates: coordinates must be a sequence "
                                         r"of input.ndim = 2"):
        map_coordinates(x, [np.zeros(2)], 1)
    with pytest.raises(NotImplementedError, match="order must be 0 .* or 1"):
        map_coordinates(x, [np.zeros(2), np.zeros(2)], 3)
    with pytest.raises(ValueError, match="mode must be one of"):
        map_coordinates(x, [np.zeros(2), np.zeros(2)], 1, mode="grid-wrap")
    with pytest.raises(ValueError, match="must broadcast together"):
        map_coordinates(x, [np.zeros(2), np.zeros(3)], 1)
    with pytest.raises(TypeError, match=r"coordinates\[1\] must be an array of real numbers"):
        map_coordinates(x, [np.zeros(2), np.zeros(2, complex)], 1)
    with pytest.raises(TypeError, match="input must be an array of numbers"):
        map_coordinates(np.array(["a", "b"]), [np.zeros(2)], 1)
    with pytest.raises(ValueError, match="input must not be empty"):
        map_coordinates(np.ones((0, 2)), [np.zeros(2), np.zeros(2)], 1)
    # and the next call works, traced too
    assert map_coordinates(x, [np.zeros(2), np.zeros(2)], 1).shape == (2,)
    with pytest.raises(ValueError, match="coordinates must be a sequence"):
        fungrad.jit(lambda x: map_coordinates(x, [x[0]], 1))(x)
    np.testing.assert_allclose(fungrad.jit(lambda x: map_coordinates(x, [x[0] - 1, x[1]], 1))(x),
                               np.ones(4))
