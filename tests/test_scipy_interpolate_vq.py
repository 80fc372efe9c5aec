"""``fungrad.scipy.interpolate.RegularGridInterpolator`` and ``fungrad.scipy.cluster.vq.vq``
against scipy and JAX's recorded values; shapes (trailing value axes, tuple and 1-D query
points, empty queries); float32 kept; derivatives; the interpolator as a pytree through jit
and vmap; errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.cluster.vq as scv
import scipy.interpolate as sci

import fungrad
import fungrad.numpy as fnp
from fungrad.scipy.cluster.vq import vq
from fungrad.scipy.interpolate import RegularGridInterpolator

from helpers import assert_derivatives, rand

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "scipy_scimods.npz")


def _problem(seed=0, trailing=(2,)):
    rng = np.random.default_rng(seed)
    grid = (np.sort(rng.uniform(0, 3, 4)), np.sort(rng.uniform(-1, 1, 5)))
    values = rng.standard_normal((4, 5) + trailing)
    xi = np.stack([rng.uniform(-0.5, 3.5, 9), rng.uniform(-1.2, 1.2, 9)], -1)
    return grid, values, xi


@pytest.mark.parametrize("method", ["linear", "nearest"])
def test_interpolator_against_scipy_and_jax(method):
    for trailing in [(), (2,), (2, 3)]:
        grid, values, xi = _problem(len(trailing), trailing)
        for fill in [np.nan, None, -3.0]:
            ours = RegularGridInterpolator(grid, values, method, fill_value=fill)(xi)
            theirs = sci.RegularGridInterpolator(grid, values, method, bounds_error=False,
                                                 fill_value=fill)(xi)
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14, equal_nan=True)
    # fewer grid axes than value axes, and complex values
    grid, values, xi = _problem(5, (2, 3))
    values = values + 1j * _problem(6, (2, 3))[1]
    for fill in [np.nan, None]:
        ours = RegularGridInterpolator(grid[:1], values, method, fill_value=fill)(xi[:, :1])
        theirs = sci.RegularGridInterpolator(grid[:1], values, method, bounds_error=False,
                                             fill_value=fill)(xi[:, :1])
        assert ours.dtype == theirs.dtype == np.complex128
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14, equal_nan=True)
    grid = (FIXTURE["rgi_grid0"], FIXTURE["rgi_grid1"])
    for suffix, fill in [("", np.nan), ("_extrapolate", None)]:
        f = RegularGridInterpolator(grid, FIXTURE["rgi_values"], method, fill_value=fill)
        np.testing.assert_allclose(f(FIXTURE["rgi_xi"]), FIXTURE[f"rgi_{method}{suffix}"],
                                   rtol=1e-12, atol=1e-14, equal_nan=True)


def test_interpolator_shapes_and_dtypes():
    grid, values, xi = _problem(1)
    f = RegularGridInterpolator(grid, values)
    assert f(xi.reshape(3, 3, 2)).shape == (3, 3, 2)
    np.testing.assert_allclose(f((xi[:, 0], xi[:, 1])), f(xi))
    np.testing.assert_allclose(f((xi[:, 0], 0.25)), f(np.stack([xi[:, 0],
                                                                np.full(9, 0.25)], -1)))
    assert f(np.zeros((0, 2))).shape == (0, 2)
    one_d = RegularGridInterpolator((grid[0],), values[:, 0, 0])
    np.testing.assert_allclose(one_d(xi[:, 0]), np.interp(xi[:, 0], grid[0], values[:, 0, 0],
                                                          left=np.nan, right=np.nan))
    # trailing axes of values are carried along (points for the first axis only)
    partial = RegularGridInterpolator((grid[0],), values, fill_value=None)
    assert partial(xi[:, :1]).shape == (9, 5, 2)
    f32 = RegularGridInterpolator(tuple(g.astype(np.float32) for g in grid),
                                  values.astype(np.float32))
    assert f32(xi.astype(np.float32)).dtype == np.float32
    assert RegularGridInterpolator(grid, np.ones((4, 5), int))(xi).dtype == np.float64


def test_interpolator_derivatives():
    grid, values, xi = _problem(2, ())
    inside = np.stack([np.linspace(grid[0][0] + 0.05, grid[0][-1] - 0.07, 5),
                       np.linspace(grid[1][0] + 0.03, grid[1][-1] - 0.04, 5)], -1)
    for method in ("linear", "nearest"):
        assert_derivatives(lambda v, x: RegularGridInterpolator(grid, v, method)(x),
                           (values, inside))
    # in the grid itself, and in the fill value outside it
    assert_derivatives(lambda g0, g1: RegularGridInterpolator((g0, g1), values)(inside),
                       grid)
    assert_derivatives(lambda fill: RegularGridInterpolator(grid, values,
                                                            fill_value=fill)(xi),
                       (np.float64(2.5),))


def test_interpolator_is_a_pytree_through_jit_and_vmap():
    grid, values, xi = _problem(3)
    f = RegularGridInterpolator(grid, values, "nearest", fill_value=1.5)
    leaves, treedef = fungrad.tree_util.tree_flatten(f)
    assert len(leaves) == 4  # two grid axes, values, fill value
    rebuilt = fungrad.tree_util.tree_unflatten(treedef, leaves)
    assert rebuilt.method == "nearest"
    np.testing.assert_allclose(rebuilt(xi), f(xi))
    np.testing.assert_allclose(fungrad.jit(lambda f, x: f(x))(f, xi), f(xi))
    scaled = fungrad.tree_util.tree_map(lambda leaf: 2 * leaf, f)
    np.testing.assert_allclose(scaled.values, 2 * values)
    # vmap over stacked interpolators (values batched) and over query points
    stacked = np.stack([values, -values])
    out = fungrad.vmap(lambda v: RegularGridInterpolator(grid, v)(xi))(stacked)
    np.testing.assert_allclose(out[1], -RegularGridInterpolator(grid, values)(xi),
                               equal_nan=True)
    out = fungrad.vmap(RegularGridInterpolator(grid, values))(xi[:, None, :])
    np.testing.assert_allclose(out[:, 0], RegularGridInterpolator(grid, values)(xi),
                               equal_nan=True)
    # the gradient with respect to the whole interpolator is an interpolator of gradients
    g = fungrad.grad(lambda f: fnp.sum(f(xi[:3] * 0.5)))(RegularGridInterpolator(grid, values))
    assert isinstance(g, RegularGridInterpolator) and g.values.shape == values.shape


def test_interpolator_errors():
    grid, values, xi = _problem(4)
    name = "RegularGridInterpolator"
    with pytest.raises(ValueError, match=f"{name}: method must be one of"):
        RegularGridInterpolator(grid, values, "cubic")
    with pytest.raises(NotImplementedError, match="bounds_error=True is not supported"):
        RegularGridInterpolator(grid, values, bounds_error=True)
    with pytest.raises(ValueError, match="there are 3 point arrays, but values"):
        RegularGridInterpolator(grid + grid[:1], values[..., 0])
    with pytest.raises(ValueError, match=r"points\[1\] has 4 points but values"):
        RegularGridInterpolator((grid[0], grid[0]), values)
    with pytest.raises(ValueError, match="strictly ascending"):
        RegularGridInterpolator((grid[0][::-1], grid[1]), values)
    with pytest.raises(ValueError, match="fill_value must be None or a scalar"):
        RegularGridInterpolator(grid, values, fill_value=1j)
    with pytest.raises(TypeError, match="points must be a sequence"):
        RegularGridInterpolator(np.stack([grid[0], grid[0]]), values)
    f = RegularGridInterpolator(grid, values)
    with pytest.raises(ValueError, match="sample points xi have dimension 3"):
        f(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="method must be one of"):
        f(xi, method="spline")
    assert f(xi).shape == (9, 2)


def test_vq_against_scipy_and_jax():
    for seed, (m, k, n) in enumerate([(8, 4, 3), (1, 1, 2), (5, 3, 1)]):
        obs, book = rand((m, n), np.float64, seed), rand((k, n), np.float64, 10 + seed)
        codes, dists = vq(obs, book)
        scodes, sdists = scv.vq(obs, book)
        np.testing.assert_array_equal(codes, scodes)
        np.testing.assert_allclose(dists, sdists, rtol=1e-12)
    codes, dists = vq(FIXTURE["vq_obs"], FIXTURE["vq_book"])
    np.testing.assert_array_equal(codes, FIXTURE["vq_codes"])
    np.testing.assert_allclose(dists, FIXTURE["vq_dists"], rtol=1e-12)
    # 1-D: every entry is one observation
    obs, book = rand((6,), np.float64, 1), rand((3,), np.float64, 2)
    np.testing.assert_array_equal(vq(obs, book)[0], scv.vq(obs, book)[0])
    np.testing.assert_allclose(vq(obs, book)[1], scv.vq(obs, book)[1], rtol=1e-12)
    assert vq(np.zeros((0, 2)), np.ones((3, 2)))[1].shape == (0,)
    obs32, book32 = obs.astype(np.float32), book.astype(np.float32)
    assert vq(obs32, book32)[1].dtype == np.float32
    assert vq(np.array([[1, 2]]), np.array([[0, 0], [2, 2]]))[1].dtype == np.float64


def test_vq_derivatives_jit_and_vmap():
    obs, book = rand((5, 3), np.float64, 3), rand((4, 3), np.float64, 4)
    assert_derivatives(lambda o, b: vq(o, b)[1], (obs, book))
    f = fungrad.jit(lambda o, b: vq(o, b))
    for got, want in zip(f(obs, book), vq(obs, book)):
        np.testing.assert_allclose(got, want)
    batch = np.stack([obs, obs[::-1], -obs])
    codes, dists = fungrad.vmap(lambda o: vq(o, book))(batch)
    for i in range(3):
        np.testing.assert_array_equal(codes[i], scv.vq(batch[i], book)[0])
        np.testing.assert_allclose(dists[i], scv.vq(batch[i], book)[1], rtol=1e-12)


def test_vq_errors():
    with pytest.raises(ValueError, match="vq: obs .* and code_book .* must have the same rank"):
        vq(np.ones((3, 2)), np.ones(2))
    with pytest.raises(ValueError, match="same number of features"):
        vq(np.ones((3, 2)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="must be 1-D or 2-D"):
        vq(np.ones((3, 2, 1)), np.ones((2, 2, 1)))
    with pytest.raises(ValueError, match="at least one code"):
        vq(np.ones((3, 2)), np.ones((0, 2)))
    with pytest.raises(ValueError, match="must not contain infs or NaNs"):
        vq(np.array([[np.nan, 1.0]]), np.ones((2, 2)))
    with pytest.raises(TypeError, match="code_book must be an array of real numbers"):
        vq(np.ones((3, 2)), np.ones((2, 2), complex))
    assert vq(np.array([[np.nan, 1.0]]), np.ones((2, 2)), check_finite=False)[0].shape == (1,)
