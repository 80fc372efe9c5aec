"""JAX's own docstring examples, run on fungrad and compared with what JAX computed.

``fixtures/make_jax_docstring_examples.py`` recorded, with JAX 0.10.2 (x64 on), the examples of
every public docstring of jax.numpy (with linalg and fft), jax.lax, jax.nn (and initializers),
jax.scipy (special, stats, linalg, signal), jax.tree_util, jax.tree and jax.random, and the
data each one shows. Each docstring's examples run here in order, on fungrad, through
``fixtures/jax_docstring_runner.py``; values must match to a tolerance with the same dtype
kind (float for float, int for int, bool for bool: widths may differ by design).

``LEFT_OUT`` names every example fungrad does not pass, with the reason. Each docstring's test
asserts that exactly those of its examples fail, so an example that starts passing, or starts
failing, is noticed.
"""
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).with_name("fixtures")))
import jax_docstring_runner as runner  # noqa: E402

import fungrad.numpy as fnp  # noqa: E402
import fungrad.scipy.linalg as fsl  # noqa: E402
import fungrad.scipy.stats as fstats  # noqa: E402

ENTRIES = runner.load()

# numpy's dtype rules, where JAX's differ (DESIGN.md: fungrad keeps numpy's)
NUMPY_DTYPE = ("numpy's dtype: integer inputs give integers as in numpy (JAX promotes to "
               "float)")
NUMPY_FLOAT = "numpy's dtype: numpy gives float64 here (JAX gives integers)"
PY_INT = "numpy's promotion: Python int is int64 in numpy (JAX: weakly typed, so uint8)"
DEVICES = ("needs several devices: fungrad computes on one CPU, and pmap refuses a mapped "
           "axis longer than the device count")
CASCADE = "uses a name the failing example before it should have bound"
MESH = "sharding API (make_mesh, shard_map, NamedSharding): not in fungrad, one CPU device"
LOW_PRECISION = "bfloat16/float8 dtypes: numpy has none (they need ml_dtypes)"
COMPILER = "XLA compiler internals (cost analysis, dot algorithms): no XLA in fungrad"

LEFT_OUT = {
    "jax.numpy.bincount#3": "numpy's dtype: weights give float64 in numpy (JAX: weights' dtype)",
    "jax.numpy.convolve#2": NUMPY_DTYPE,
    "jax.numpy.convolve#3": NUMPY_DTYPE,
    "jax.numpy.convolve#4": NUMPY_DTYPE,
    "jax.numpy.correlate#2": NUMPY_DTYPE,
    "jax.numpy.correlate#3": NUMPY_DTYPE,
    "jax.numpy.correlate#4": NUMPY_DTYPE,
    "jax.numpy.correlate#7": NUMPY_DTYPE,
    "jax.numpy.correlate#8": NUMPY_DTYPE,
    "jax.numpy.histogram#2": "numpy's dtype: numpy's histogram counts are int64 (JAX: float)",
    "jax.numpy.histogram#5": "numpy's dtype: numpy's histogram counts are int64 (JAX: float)",
    "jax.numpy.histogram#9": "numpy's dtype: numpy's histogram counts are int64 (JAX: float)",
    "jax.numpy.histogram2d#13": NUMPY_FLOAT,
    "jax.numpy.percentile#3": NUMPY_DTYPE,
    "jax.numpy.percentile#6": NUMPY_DTYPE,
    "jax.numpy.quantile#3": NUMPY_DTYPE,
    "jax.numpy.quantile#6": NUMPY_DTYPE,
    "jax.numpy.polyder#1": NUMPY_DTYPE,
    "jax.numpy.polyder#2": NUMPY_DTYPE,
    "jax.numpy.polymul#3": NUMPY_DTYPE,
    "jax.numpy.polymul#4": NUMPY_DTYPE,
    "jax.numpy.reciprocal#0": "numpy's dtype: np.reciprocal(2) is the integer 0 (JAX: 0.5)",
    "jax.numpy.promote_types#3": PY_INT,
    "jax.numpy.einsum_path#5": "the contraction path is opt_einsum's choice in JAX; fungrad's "
                               "optimizer pairs differently (the einsum value itself matches)",
    "jax.numpy.invert#4": "compares repr text: fungrad's eager arrays print as numpy's array(...)",
    "jax.numpy.sinc#4": "compares printed text: fungrad's derivative is -0.0 where JAX's is 0.0",
    "jax.scipy.stats.poisson.entropy#1": "fungrad agrees with scipy (2.204395243428367); JAX's "
                                         "series is off by 2e-9",
    "jax.scipy.stats.poisson.entropy#2": "fungrad agrees with scipy; JAX's series is off by 1e-6",
    "jax.numpy.issubdtype#2": LOW_PRECISION,
    "jax.numpy.issubdtype#5": LOW_PRECISION,
    "jax.numpy.issubdtype#6": LOW_PRECISION,
    "jax.numpy.result_type#2": LOW_PRECISION,
    "jax.numpy.load#2": LOW_PRECISION,
    "jax.numpy.load#3": CASCADE,
    "jax.numpy.load#5": CASCADE,
    "jax.numpy.ndarray.committed#1": DEVICES,
    "jax.numpy.ndarray.committed#2": CASCADE,
    "jax.numpy.linalg.multi_dot#12": COMPILER,
    "jax.numpy.linalg.multi_dot#13": COMPILER,
    "jax.numpy.linalg.multi_dot#14": COMPILER,
    "jax.lax.DotAlgorithm#0": COMPILER,
    "jax.lax.DotAlgorithmPreset#2": COMPILER,
    "jax.lax.all_gather#1": DEVICES,
    "jax.lax.all_gather#2": CASCADE,
    "jax.lax.all_gather#6": DEVICES,
    "jax.lax.all_gather#7": CASCADE,
    "jax.lax.pmean#1": DEVICES,
    "jax.lax.pmean#2": CASCADE,
    "jax.lax.pmean#3": DEVICES,
    "jax.lax.pmean#4": CASCADE,
    "jax.lax.psum#1": DEVICES,
    "jax.lax.psum#2": CASCADE,
    "jax.lax.psum#3": DEVICES,
    "jax.lax.psum#4": CASCADE,
    "jax.lax.psum#5": DEVICES,
    "jax.lax.psum#6": CASCADE,
    "jax.lax.psum#9": DEVICES,
    "jax.lax.psum#10": CASCADE,
    "jax.lax.psum#11": DEVICES,
    "jax.lax.psum#12": CASCADE,
    "jax.lax.psum_scatter#2": DEVICES,
    "jax.lax.psum_scatter#3": CASCADE,
    "jax.lax.psum_scatter#4": DEVICES,
    "jax.lax.psum_scatter#5": CASCADE,
    "jax.lax.psum_scatter#7": DEVICES,
    "jax.lax.psum_scatter#8": CASCADE,
    "jax.lax.axis_index#0": MESH,
    "jax.lax.axis_index#1": MESH,
    "jax.lax.axis_index#2": CASCADE,
    "jax.lax.axis_index#3": MESH,
    "jax.lax.axis_index#4": MESH,
    "jax.lax.axis_index#5": CASCADE,
    "jax.lax.axis_size#0": MESH,
    "jax.lax.axis_size#1": MESH,
    "jax.lax.axis_size#3": MESH,
    "jax.lax.axis_size#4": MESH,
    "jax.nn.scaled_dot_general#0": LOW_PRECISION + " (block-scaled float8/float4 matmul)",
    "jax.nn.scaled_dot_general#2": LOW_PRECISION + " (block-scaled float8/float4 matmul)",
    "jax.nn.scaled_dot_general#4": LOW_PRECISION + " (block-scaled float8/float4 matmul)",
    "jax.nn.scaled_matmul#4": LOW_PRECISION,
    "jax.nn.scaled_matmul#5": CASCADE,
    "jax.nn.scaled_matmul#6": CASCADE,
    "jax.nn.scaled_matmul#7": LOW_PRECISION,
    "jax.nn.scaled_matmul#8": LOW_PRECISION,
    "jax.tree_util.flatten_one_level#1": "imports from jax._src, JAX's private tree",
}


def _failing(entry) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        failures = runner.run_docstring(entry, "fungrad")
    # an example JAX itself fails on (a stale docstring) is run, for the names it binds, but
    # not counted
    return {f"{entry['name']}#{i}": why for i, why in failures.items()
            if not entry["examples"][i].get("jax_error")}


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_docstring_examples(entry):
    failing = _failing(entry)
    expected = {k for k in LEFT_OUT if k.rsplit("#", 1)[0] == entry["name"]}
    newly_failing = {k: failing[k] for k in set(failing) - expected}
    newly_passing = expected - set(failing)
    assert not newly_failing, f"examples that fail: {newly_failing}"
    assert not newly_passing, f"examples now passing, take them out of LEFT_OUT: {newly_passing}"


def test_left_out_names_recorded_examples():
    known = {f"{e['name']}#{i}" for e in ENTRIES for i in range(len(e["examples"]))}
    assert set(LEFT_OUT) <= known, set(LEFT_OUT) - known
    assert all(reason.strip() for reason in LEFT_OUT.values())


def test_fixture_covers_the_modules():
    modules = {e["module"] for e in ENTRIES}
    for name in ("jax.numpy", "jax.numpy.linalg", "jax.numpy.fft", "jax.lax", "jax.nn",
                 "jax.nn.initializers", "jax.scipy.linalg", "jax.scipy.signal",
                 "jax.tree_util", "jax.tree", "jax.random", "jax.scipy.stats"):
        assert name in modules
    assert sum(len(e["examples"]) for e in ENTRIES) > 2500


# ---- regressions for the wrong values the sweep found -------------------------------------

def test_digitize_decreasing_bins_at_the_edges():
    # a value equal to a bin edge of decreasing bins went to the wrong side (both right=)
    x = np.array([1.0, 2.0, 2.5, 1.5, 3.0, 3.5, 0.5, 9.0])
    bins = np.array([3, 2, 1])
    for right in (False, True):
        np.testing.assert_array_equal(fnp.digitize(x, bins, right=right),
                                      np.digitize(x, bins, right=right))


def test_mode_keeps_integer_dtype():
    # the mode of integers came back as float64 (scipy and JAX keep the integer dtype)
    x = np.array([[1, 2, 1, 3, 2, 1], [3, 1, 3, 2, 1, 3], [1, 2, 2, 3, 1, 2]])
    for axis in (0, 1):
        got, want = fstats.mode(x, axis=axis), __import__("scipy.stats").stats.mode(x, axis=axis)
        assert got.mode.dtype == np.int64
        np.testing.assert_array_equal(got.mode, want.mode)
        np.testing.assert_array_equal(got.count, want.count)
    assert fstats.mode(np.array([True, False, True])).mode.dtype == np.bool_


def test_toeplitz_batches_leading_axes():
    # JAX's toeplitz maps over leading axes; fungrad flattened them into one long vector
    c = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    r = np.array([[1.0, 7.0], [4.0, 8.0]])
    got = fsl.toeplitz(c, r)
    assert got.shape == (2, 3, 2)
    for k in range(2):
        np.testing.assert_array_equal(got[k], __import__("scipy.linalg").linalg.toeplitz(c[k], r[k]))
    assert fsl.toeplitz(c).shape == (2, 3, 3)


def test_fromfunction_maps_scalar_indices():
    # JAX's fromfunction vmaps the function over scalar indices; numpy's grids broke
    # functions written for scalars and returned the wrong shape for array-valued ones
    got = fnp.fromfunction(lambda i: (i + 1) * fnp.arange(3), (2,))
    np.testing.assert_array_equal(got, [[0.0, 1.0, 2.0], [0.0, 2.0, 4.0]])
    shapes = []
    fnp.fromfunction(lambda i, j: shapes.append(np.shape(i)) or i + j, (2, 3))
    assert shapes == [()]
    plus, times = fnp.fromfunction(lambda i, j: (i + j, i * j), (3, 4), dtype=int)
    np.testing.assert_array_equal(plus, np.add.outer(np.arange(3), np.arange(4)))
    np.testing.assert_array_equal(times, np.multiply.outer(np.arange(3), np.arange(4)))
    assert plus.dtype == np.int64


# ---- JAX's argument forms the sweep found missing ----------------------------------------

def test_bincount_clips_negative_values_as_jax():
    x = np.array([-1, -1, 1, 3, 10])
    np.testing.assert_array_equal(fnp.bincount(x, length=5), [2, 1, 0, 1, 0])
    np.testing.assert_array_equal(fnp.bincount(x), np.bincount(np.maximum(x, 0)))


def test_size_of_several_axes():
    y = np.ones((2, 3, 4))
    assert fnp.size(y, axis=(1,)) == 3
    assert fnp.size(y, axis=(0, 2)) == 8
    assert fnp.size(y, axis=()) == 1


def test_vsplit_of_a_vector():
    parts = fnp.vsplit(np.arange(6), 2)
    np.testing.assert_array_equal(parts[0], [0, 1, 2])
    np.testing.assert_array_equal(parts[1], [3, 4, 5])


def test_trim_zeros_along_axes_as_numpy():
    x = np.zeros((4, 5))
    x[1:3, 1:4] = 1.0
    x[2, 4] = 2.0
    for kwargs in ({}, {"trim": "f"}, {"trim": "b"}, {"axis": 0}, {"axis": -1},
                   {"axis": (0, 1), "trim": "b"}):
        np.testing.assert_array_equal(fnp.trim_zeros(x, **kwargs), np.trim_zeros(x, **kwargs))
    assert fnp.trim_zeros(np.zeros((2, 3))).shape == (0, 0)
    with pytest.raises(ValueError, match="trim_zeros: filt must be at least 1-D"):
        fnp.trim_zeros(np.float64(1.0))


def test_sem_keepdims_and_omitted_nans():
    import scipy.stats
    x = np.array([[1.0, 2.0, 4.0], [3.0, 6.0, np.nan]])
    for axis in (0, 1, None):
        np.testing.assert_allclose(fstats.sem(x, axis=axis, keepdims=True),
                                   scipy.stats.sem(x, axis=axis, keepdims=True))
        np.testing.assert_allclose(fstats.sem(x, axis=axis, nan_policy="omit"),
                                   scipy.stats.sem(x, axis=axis, nan_policy="omit"))
    from fungrad.test_util import check_grads
    check_grads(lambda a: fstats.sem(a, axis=1, nan_policy="omit", keepdims=True),
                (np.array([[1.0, 2.0, 4.0], [3.0, 6.0, 5.5]]),), order=2, modes=("fwd", "rev"))
    with pytest.raises(NotImplementedError, match="sem: nan_policy"):
        fstats.sem(x, nan_policy="raise")


def test_poly_of_a_scalar_and_of_a_matrix():
    np.testing.assert_array_equal(fnp.poly(1), [1.0, -1.0])  # JAX's value (numpy 2.4 refuses a scalar)
    a = np.array([[2.0, 1.0, 5.0], [3.0, 4.0, 7.0], [1.0, 3.0, 5.0]])
    got = fnp.poly(a)
    assert got.dtype.kind == "c"  # from the eigenvalues, as JAX computes it
    np.testing.assert_allclose(got, np.poly(a), atol=1e-10)
    import fungrad
    np.testing.assert_allclose(fungrad.jit(fnp.poly)(a), np.poly(a), atol=1e-10)


def test_polyadd_polysub_of_coefficient_columns():
    # JAX adds 2-D coefficients row-wise from the end (one polynomial per column), the
    # shorter one broadcast over the trailing axes
    x4, x6 = np.array([[5, 7, 3], [8, 2, 6]]), np.array([[5, 7, 9], [8, 6, 4]])
    np.testing.assert_array_equal(fnp.polyadd(np.array([[2, 3, 1]]), x4),
                                  [[5, 7, 3], [10, 5, 7]])
    np.testing.assert_array_equal(fnp.polyadd(x6, np.array([2])), [[5, 7, 9], [10, 8, 6]])
    np.testing.assert_array_equal(fnp.polysub(x6, np.array([2])), [[5, 7, 9], [6, 4, 2]])
    np.testing.assert_array_equal(fnp.polysub(np.array([2]), x6), [[-5, -7, -9], [-6, -4, -2]])
    with pytest.raises(ValueError, match="polyadd: the shorter polynomial i64\\[2,3\\] must"):
        fnp.polyadd(np.array([1, 3, 5]), x6)
    from fungrad.test_util import check_grads
    check_grads(lambda a, b: fnp.polysub(a, b), (np.ones((1, 2)), np.arange(4.0).reshape(2, 2)),
                order=2, modes=("fwd", "rev"))


def test_polyfit_full_and_cov_as_numpy():
    import fungrad
    from fungrad.test_util import check_grads
    x = np.array([3.0, 6.0, 9.0, 4.0, 1.0])
    y = np.array([[0, 1, 2], [2, 5, 7], [8, 4, 9], [1, 6, 3], [2, 2, 0]])
    w = np.array([1.0, 2.0, 1.0, 3.0, 0.5])
    for ys in (y, y[:, 1]):
        for kwargs in ({"full": True}, {"full": True, "w": w}, {"cov": True},
                       {"cov": True, "w": w}, {"cov": "unscaled"}):
            got, want = fnp.polyfit(x, ys, 2, **kwargs), np.polyfit(x, ys, 2, **kwargs)
            assert len(got) == len(want)
            for g, e in zip(got, want):
                np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)
    _, jit_cov = fungrad.jit(lambda x, y: fnp.polyfit(x, y, 2, cov=True))(x, y * 1.0)
    np.testing.assert_allclose(jit_cov, np.polyfit(x, y, 2, cov=True)[1], rtol=1e-9)
    check_grads(lambda y: fnp.polyfit(x, y, 1, cov=True)[1], (y[:, 0] * 1.0,), order=2,
                modes=("fwd", "rev"))
    with pytest.raises(ValueError, match="polyfit: cov=True needs more points"):
        fnp.polyfit(x[:3], y[:3], 2, cov=True)


def test_lexsort_of_nd_keys_as_numpy():
    import fungrad
    rng = np.random.default_rng(0)
    k1, k2 = rng.integers(0, 3, (4, 5)), rng.integers(0, 3, (4, 5))
    for axis in (0, 1, -1):
        np.testing.assert_array_equal(fnp.lexsort([k1, k2], axis=axis),
                                      np.lexsort([k1, k2], axis=axis))
    np.testing.assert_array_equal(fungrad.jit(lambda a, b: fnp.lexsort([a, b], axis=0))(k1, k2),
                                  np.lexsort([k1, k2], axis=0))
    with pytest.raises(ValueError, match="lexsort: keys must be arrays of one shape"):
        fnp.lexsort([k1, k2[0]])
