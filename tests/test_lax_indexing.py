"""fungrad.lax.gather and the scatter family: values and vjps against JAX's recorded
ones, derivatives of order 2 in both modes, jit, vmap, bad input."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import fungrad
from fungrad import lax
from helpers import assert_derivatives, assert_same_as_numpy

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "lax_indexing.npz")
GATHERS = json.loads(str(FIXTURE["gathers"]))
SCATTERS = json.loads(str(FIXTURE["scatters"]))
FNS = {"add": lax.scatter_add, "set": lax.scatter, "mul": lax.scatter_mul,
       "min": lax.scatter_min, "max": lax.scatter_max}


def _gather_fn(i):
    shape, idx, dn, sizes, mode = GATHERS[i]
    dn = lax.GatherDimensionNumbers(*(tuple(d) for d in dn))
    return lambda x: lax.gather(x, np.array(idx), dn, sizes, mode=mode)


def _scatter_fn(i):
    kind, shape, idx, ushape, dn, mode, unique = SCATTERS[i]
    dn = lax.ScatterDimensionNumbers(*(tuple(d) for d in dn))
    return lambda x, u: FNS[kind](x, np.array(idx), u, dn, mode=mode, unique_indices=unique)


@pytest.mark.parametrize("i", range(len(GATHERS)))
def test_gather_against_jax(i):
    f, x = _gather_fn(i), FIXTURE[f"g{i}_x"]
    assert_same_as_numpy(f(x), FIXTURE[f"g{i}_out"])
    assert_same_as_numpy(fungrad.jit(f)(x), FIXTURE[f"g{i}_out"])
    g = fungrad.vjp(f, x)[1](FIXTURE[f"g{i}_ct"])[0]
    np.testing.assert_allclose(g, FIXTURE[f"g{i}_grad"], rtol=1e-12)
    if GATHERS[i][4] != "fill":  # filled windows are constant: finite differences agree too
        assert_derivatives(f, (x,))
    xs = np.stack([x, 2 * x])
    assert_same_as_numpy(fungrad.vmap(f)(xs), np.stack([f(x), f(2 * x)]))


@pytest.mark.parametrize("i", range(len(SCATTERS)))
def test_scatter_against_jax(i):
    f, x, u = _scatter_fn(i), FIXTURE[f"s{i}_x"], FIXTURE[f"s{i}_u"]
    assert_same_as_numpy(f(x, u), FIXTURE[f"s{i}_out"])
    assert_same_as_numpy(fungrad.jit(f)(x, u), FIXTURE[f"s{i}_out"])
    ct = FIXTURE[f"s{i}_ct"]
    if f"s{i}_gu" in FIXTURE:
        gx, gu = fungrad.vjp(f, x, u)[1](ct)
        np.testing.assert_allclose(gu, FIXTURE[f"s{i}_gu"], rtol=1e-12)
        if SCATTERS[i][0] not in ("min", "max"):  # ties: not differentiable there
            assert_derivatives(f, (x, u))
    else:
        gx = fungrad.vjp(lambda x: f(x, u), x)[1](ct)[0]
        with pytest.raises(NotImplementedError, match="unique_indices=True"):
            fungrad.grad(lambda u: f(x, u).sum())(u)
    np.testing.assert_allclose(gx, FIXTURE[f"s{i}_gx"], rtol=1e-12)
    us = np.stack([u, 2 * u])
    assert_same_as_numpy(fungrad.vmap(f, in_axes=(None, 0))(x, us),
                         np.stack([f(x, u), f(x, 2 * u)]))


def test_scatter_extrema_derivatives_away_from_ties():
    dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    x, u = np.array([0.0, 1.0, 2.0]), np.array([0.5, -1.0, 3.0])
    idx = np.array([[0], [1], [1]])
    for f in (lax.scatter_max, lax.scatter_min):
        assert_derivatives(lambda x, u: f(x, idx, u, dn), (x, u))


def test_gather_scatter_bad_input():
    dn = lax.GatherDimensionNumbers((), (0,), (0,))
    with pytest.raises(TypeError, match="gather: start_indices must be an integer"):
        lax.gather(np.ones(3), np.array([[0.5]]), dn, (1,))
    with pytest.raises(TypeError, match="slice_sizes"):
        lax.gather(np.ones(3), np.array([[0]]), dn, (4,))
    with pytest.raises(TypeError, match="dimension_numbers must be a GatherDimensionNumbers"):
        lax.gather(np.ones(3), np.array([[0]]), ((), (0,), (0,)), (1,))
    with pytest.raises(TypeError, match="collapsed and batching axes need slice size 1"):
        lax.gather(np.ones(3), np.array([[0]]), dn, (2,))
    sdn = lax.ScatterDimensionNumbers((), (0,), (0,))
    with pytest.raises(TypeError, match="scatter_add: updates"):
        lax.scatter_add(np.ones(3), np.array([[0], [1]]), np.ones(3), sdn)
    with pytest.raises(ValueError, match="unknown gather/scatter mode"):
        lax.scatter_add(np.ones(3), np.array([[0]]), np.ones(1), sdn, mode="wrap")
    assert_same_as_numpy(lax.scatter_add(np.zeros(3), np.array([[5]]), np.ones(1), sdn),
                         np.zeros(3))  # out of bounds: dropped


def test_scatter_sub():
    dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    x, u = np.arange(3.0), np.array([1.0, 2.0, 4.0])
    idx = np.array([[2], [0], [2]])
    assert_same_as_numpy(lax.scatter_sub(x, idx, u, dn), np.array([-2.0, 1.0, -3.0]))
    assert_derivatives(lambda x, u: lax.scatter_sub(x, idx, u, dn), (x, u))


def test_scatter_apply():
    dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    x = np.arange(1.0, 6.0)
    idx = np.array([[1], [3], [1]])
    out = lax.scatter_apply(x, idx, lambda v: 2 * v + 1, dn, update_shape=(3,))
    assert_same_as_numpy(out, np.array([1.0, 11.0, 3.0, 9.0, 5.0]))  # index 1 twice
    windows = lax.ScatterDimensionNumbers((1,), (0,), (0,))
    m = np.arange(6.0).reshape(3, 2)
    expected = m.copy()
    expected[[0, 2]] = np.sin(m[[0, 2]])
    assert_same_as_numpy(lax.scatter_apply(m, np.array([[2], [0]]), lax.sin, windows,
                                           update_shape=(2, 2)), expected)
    assert_same_as_numpy(lax.scatter_apply(x, np.array([[7]]), lax.sin, dn, update_shape=(1,)),
                         x)  # out of bounds: dropped
    f = fungrad.jit(lambda o, i: lax.scatter_apply(o, i, lambda v: v * v, dn,
                                                   update_shape=(3,)))
    assert_same_as_numpy(f(x, idx), np.array([1.0, 16.0, 3.0, 16.0, 5.0]))
    assert_same_as_numpy(f(x, np.array([[0], [0], [0]])), x)  # retraced: 1 ** 8
    assert_same_as_numpy(f(x + 1, np.array([[0], [0], [0]])), np.array(
        [256.0, 3, 4, 5, 6]))
    square_twice = lambda o: lax.scatter_apply(o, idx, lambda v: v * v, dn, update_shape=(3,))
    assert_derivatives(square_twice, (x,))
    assert_same_as_numpy(fungrad.vmap(square_twice)(np.stack([x, 2 * x])),
                         np.stack([square_twice(x), square_twice(2 * x)]))
    assert_same_as_numpy(lax.scatter_apply(np.zeros((0,)), np.zeros((0, 1), np.int64),
                                           lax.sin, dn, update_shape=(0,)), np.zeros(0))
    with pytest.raises(TypeError, match="scatter_apply: func must map a scalar of the "
                                        "operand's dtype float64"):
        lax.scatter_apply(x, idx, lambda v: v > 0, dn, update_shape=(3,))
    with pytest.raises(TypeError, match="scatter_apply: func must be a callable"):
        lax.scatter_apply(x, idx, 2.0, dn, update_shape=(3,))
