"""histogram, histogram_bin_edges, histogram2d and histogramdd against numpy: counts, edges and
their dtypes over float64, float32, integer and boolean samples, with weights, ranges, explicit
edges and densities; under jit and vmap; derivatives in the weights, the edges and the range;
bad input."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy, rand

RNG = np.random.default_rng(7)
SAMPLES = RNG.normal(size=40) * 2.0
WEIGHTS = RNG.random(40)
POINTS = RNG.normal(size=(30, 3))

CASES_1D = [dict(), dict(bins=7), dict(bins=5, range=(-1.0, 2.0)),
            dict(bins=np.array([-3.0, 0.0, 1.0, 4.0])), dict(density=True),
            dict(bins=3, weights=WEIGHTS.astype(np.float32)),
            dict(bins=4, weights=RNG.integers(0, 4, 40)),
            dict(bins=4, density=True, weights=WEIGHTS)]


def _same(ours, theirs):
    ours_l, theirs_l = fungrad.tree_util.tree_leaves(ours), fungrad.tree_util.tree_leaves(theirs)
    assert len(ours_l) == len(theirs_l)
    for o, t in zip(ours_l, theirs_l):
        assert_same_as_numpy(o, t)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int8])
@pytest.mark.parametrize("kwargs", CASES_1D, ids=range(len(CASES_1D)))
def test_histogram_like_numpy(dtype, kwargs):
    a = (SAMPLES * (3 if dtype in (np.int64, np.int8) else 1)).astype(dtype)
    _same(fnp.histogram(a, **kwargs), np.histogram(a, **kwargs))
    _same(fungrad.jit(lambda a: fnp.histogram(a, **kwargs))(a), np.histogram(a, **kwargs))
    edge_args = {k: v for k, v in kwargs.items() if k in ("bins", "range")}
    _same(fnp.histogram_bin_edges(a, **edge_args), np.histogram_bin_edges(a, **edge_args))


@pytest.mark.filterwarnings("ignore:Converting input from bool")  # numpy's, for bool samples
def test_histogram_edge_cases():
    for a, kwargs in [(np.ones(4), {}), (np.zeros(0), {}), (np.float64(2.5), {"bins": 2}),
                      (np.array([1.0, np.nan, 3.0]), {"range": (0.0, 4.0)}),
                      (np.array([0.0, 1.0, 2.0]), {"bins": 2, "range": (0.5, 1.5)}),
                      (np.array([True, False, True]), {"bins": 2}),
                      (SAMPLES.reshape(4, 10), {"bins": 3}),  # flattened
                      (np.array([0.0, 1.0, 1.0, 2.0]), {"bins": np.array([0, 1, 2])})]:
        _same(fnp.histogram(a, **kwargs), np.histogram(a, **kwargs))


@pytest.mark.parametrize("kwargs", [dict(), dict(bins=3), dict(bins=[2, 3, 4]),
                                    dict(bins=[np.array([-1.0, 0.0, 1.0]), 3,
                                               np.array([-5.0, 5.0])]),
                                    dict(bins=3, density=True), dict(weights=WEIGHTS[:30]),
                                    dict(bins=2, range=[(-1.0, 1.0), None, (0.0, 2.0)])],
                         ids=range(7))
def test_histogramdd_like_numpy(kwargs):
    _same(fnp.histogramdd(POINTS, **kwargs), np.histogramdd(POINTS, **kwargs))
    _same(fungrad.jit(lambda s: fnp.histogramdd(s, **kwargs))(POINTS),
          np.histogramdd(POINTS, **kwargs))


def test_histogramdd_sample_forms_and_histogram2d():
    x, y = POINTS[:, 0], POINTS[:, 1]
    _same(fnp.histogramdd(x, bins=4), np.histogramdd(x, bins=4))  # 1-D: one dimension
    _same(fnp.histogramdd([x, y], bins=3), np.histogramdd([x, y], bins=3))
    _same(fnp.histogramdd(POINTS.astype(np.float32), bins=2),
          np.histogramdd(POINTS.astype(np.float32), bins=2))
    for kwargs in [dict(), dict(bins=3), dict(bins=[2, 5]),
                   dict(bins=np.array([-1.0, 0.0, 1.0])),
                   dict(bins=[np.array([-1.0, 0.0, 1.0]), 4]),
                   dict(density=True, weights=WEIGHTS[:30])]:
        _same(fnp.histogram2d(x, y, **kwargs), np.histogram2d(x, y, **kwargs))
    _same(fungrad.jit(lambda x, y: fnp.histogram2d(x, y, bins=3))(x, y),
          np.histogram2d(x, y, bins=3))


def test_vmap_over_samples_and_weights():
    a, w = rand((3, 20), seed=1), rand((3, 20), seed=2)
    counts = fungrad.vmap(lambda a, w: fnp.histogram(a, bins=4, range=(-2, 2), weights=w)[0])(
        a, w)
    for k in range(3):
        assert_same_as_numpy(counts[k], np.histogram(a[k], 4, (-2, 2), weights=w[k])[0])
    edges = fungrad.vmap(lambda a: fnp.histogram(a, bins=3)[1])(a)  # edges from each row
    for k in range(3):
        assert_same_as_numpy(edges[k], np.histogram_bin_edges(a[k], 3))
    pts = rand((2, 15, 2), seed=3)
    grid = fungrad.vmap(lambda p: fnp.histogram2d(p[:, 0], p[:, 1], bins=2)[0])(pts)
    for k in range(2):
        assert_same_as_numpy(grid[k], np.histogram2d(pts[k, :, 0], pts[k, :, 1], bins=2)[0])


def test_derivatives():
    a = SAMPLES[:15]
    w = WEIGHTS[:15]
    assert_derivatives(lambda w: fnp.histogram(a, bins=4, weights=w)[0], (w,))
    assert_derivatives(lambda w: fnp.histogram(a, bins=4, weights=w, density=True)[0], (w,))
    # moving the edges (no sample crosses one within the step) changes only the density
    assert_derivatives(lambda e: fnp.histogram(a, bins=e, density=True)[0],
                       (np.array([-9.0, -1.05, 0.55, 9.0]),))
    assert_derivatives(lambda x: fnp.histogram_bin_edges(x, bins=4), (a,))
    assert_derivatives(lambda lo, hi: fnp.histogram_bin_edges(a, 3, range=(lo, hi)),
                       (np.float64(-1.0), np.float64(2.0)))
    assert_derivatives(lambda w: fnp.histogramdd(POINTS[:15], bins=2, weights=w,
                                                 density=True)[0], (w,))
    g = fungrad.grad(lambda w: fnp.histogram(a, bins=3, weights=w)[0][1])(w.astype(np.float32))
    assert g.dtype == np.float32
    # the counts do not depend on the samples' values between edges
    assert_same_as_numpy(fungrad.grad(lambda x: fnp.sum(
        fnp.histogram(x, bins=np.array([-9.0, 0.0, 9.0]), weights=w)[0]))(a), np.zeros(15))


def test_bad_inputs():
    with pytest.raises(NotImplementedError, match="histogram: string values of bins"):
        fnp.histogram(SAMPLES, bins="auto")
    with pytest.raises(ValueError, match="histogram: bins must be a positive integer, got 0"):
        fnp.histogram(SAMPLES, bins=0)
    with pytest.raises(ValueError, match="bins must increase monotonically"):
        fnp.histogram(SAMPLES, bins=np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="max must be larger than min"):
        fnp.histogram(SAMPLES, range=(1.0, 0.0))
    with pytest.raises(ValueError, match="range .* is not finite"):
        fnp.histogram(SAMPLES, range=(0.0, np.inf))
    with pytest.raises(ValueError, match=r"histogram: weights f64\[3\] must have the "):
        fnp.histogram(SAMPLES, weights=np.ones(3))
    with pytest.raises(TypeError, match="the number of bins must be a concrete integer"):
        fungrad.jit(lambda b: fnp.histogram(SAMPLES, bins=b))(np.int64(3))
    with pytest.raises(ValueError, match=r"histogramdd: bins has 2 entries for 3 dimensions"):
        fnp.histogramdd(POINTS, bins=[2, 2])
    with pytest.raises(TypeError, match="histogramdd: weights must be real"):
        fnp.histogramdd(POINTS, weights=np.ones(30) * 1j)
    with pytest.raises(ValueError, match="histogram2d: x and y must be 1-D of one length"):
        fnp.histogram2d(np.ones(3), np.ones(4))
    _same(fnp.histogram(SAMPLES, bins=2), np.histogram(SAMPLES, bins=2))  # still works


def test_complex_weights():
    w = WEIGHTS + 1j * WEIGHTS[::-1]
    _same(fnp.histogram(SAMPLES, bins=5, weights=w), np.histogram(SAMPLES, bins=5, weights=w))
