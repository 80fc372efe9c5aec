"""fungrad.numpy order statistics, NaN-ignoring reductions, average, cov, corrcoef, ptp:
values against numpy, IR, jit and vmap, derivatives against finite differences."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy
from numpy_table import table_tests

Q = np.array([0.1, 0.5, 0.95])
ISNAN = np.array([False, True, False, False, True, False])  # where NaNs go in
W = np.array([0.5, 1.0, 2.0, 0.25])

TABLE = [
    ("median", lambda m, x: m.median(x), [((5,),), ((4,),), ((),), ((2, 3),)]),
    ("median_axis", lambda m, x: m.median(x, axis=0, keepdims=True), [((3, 4),)]),
    ("median_axes", lambda m, x: m.median(x, axis=(0, 2)), [((2, 3, 4),)]),
    ("quantile", lambda m, x: m.quantile(x, Q), [((6,),), ((2, 5),)]),
    ("quantile_axis", lambda m, x: m.quantile(x, Q, axis=1), [((2, 5),)]),
    ("quantile_keep", lambda m, x: m.quantile(x, 0.3, axis=-1, keepdims=True), [((2, 5),)]),
    ("quantile_methods", lambda m, x: [m.quantile(x, Q, method=k) for k in
                                       ("lower", "higher", "nearest", "midpoint")],
     [((7,),), ((2, 5),)]),
    ("percentile", lambda m, x: m.percentile(x, 37.5, axis=0), [((5,),), ((4, 3),)]),
    ("nanmedian", lambda m, x: m.nanmedian(m.where(ISNAN, np.nan, x)), [((6,),), ((2, 6),)]),
    ("nanquantile", lambda m, x: m.nanquantile(m.where(ISNAN, np.nan, x), Q, axis=-1),
     [((6,),), ((3, 6),)]),
    ("nanpercentile", lambda m, x: m.nanpercentile(m.where(ISNAN, np.nan, x), 80), [((6,),)]),
    ("nansum", lambda m, x: m.nansum(m.where(ISNAN, np.nan, x), axis=-1), [((6,),), ((2, 6),)]),
    ("nanprod", lambda m, x: m.nanprod(m.where(ISNAN, np.nan, x)), [((6,),), ((2, 6),)]),
    ("nancumsum", lambda m, x: m.nancumsum(m.where(ISNAN, np.nan, x)), [((6,),)]),
    ("nancumprod", lambda m, x: m.nancumprod(m.where(ISNAN, np.nan, x), axis=1), [((2, 6),)]),
    ("nanmax", lambda m, x: m.nanmax(m.where(ISNAN, np.nan, x), axis=-1), [((6,),), ((2, 6),)]),
    ("nanmin", lambda m, x: m.nanmin(m.where(ISNAN, np.nan, x)), [((6,),)]),
    ("nanmean", lambda m, x: m.nanmean(m.where(ISNAN, np.nan, x), axis=-1), [((6,),), ((2, 6),)]),
    ("nanvar", lambda m, x: m.nanvar(m.where(ISNAN, np.nan, x), ddof=1), [((6,),), ((2, 6),)]),
    ("nanstd", lambda m, x: m.nanstd(m.where(ISNAN, np.nan, x), axis=1, keepdims=True),
     [((2, 6),)]),
    ("nan_plain", lambda m, x: [m.nansum(x), m.nanmean(x), m.nanmax(x), m.nanvar(x)],
     [((),), ((3,),)]),
    ("nanargmax", lambda m, x: m.nanargmax(m.where(ISNAN, np.nan, x)), [((6,),)]),
    ("nanargmin", lambda m, x: m.nanargmin(m.where(ISNAN, np.nan, x), axis=1), [((2, 6),)]),
    ("average", lambda m, x: m.average(x), [((4,),), ((2, 3),)]),
    ("average_w", lambda m, x, w: m.average(x, weights=w * w + 0.5), [((4,), (4,)),
                                                                      ((2, 3), (2, 3))]),
    ("average_axis_w", lambda m, x: m.average(x, axis=1, weights=W, returned=True),
     [((3, 4),)]),
    ("average_returned", lambda m, x: m.average(x, axis=0, returned=True), [((3, 4),)]),
    ("cov", lambda m, x: m.cov(x), [((3, 5),), ((5,),), ((1, 4),)]),
    ("cov_cols", lambda m, x, y: m.cov(x, y, rowvar=False, bias=True), [((5, 2),
                                                                         (5, 1))]),
    ("cov_weights", lambda m, x: m.cov(x, fweights=np.array([1, 2, 1, 3]), aweights=W),
     [((2, 4),)]),
    ("cov_ddof", lambda m, x: m.cov(x, ddof=0, aweights=W), [((2, 4),)]),
    ("corrcoef", lambda m, x: m.corrcoef(x), [((3, 5),)]),
    ("corrcoef_xy", lambda m, x, y: m.corrcoef(x, y), [((5,), (5,))]),
    ("ptp", lambda m, x: m.ptp(x, axis=0), [((3,),), ((3, 4),)]),
]
NONDIFF = {"nanargmax", "nanargmin"}


test_values, test_trace_jit_vmap, test_derivatives = table_tests(TABLE, nondiff=NONDIFF)


def test_quantile_derivative_in_q():
    x = np.array([0.3, -1.2, 2.5, 0.9, 1.7])
    assert_derivatives(lambda q: fnp.quantile(x, q), (np.array([0.15, 0.6]),))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_and_bool_inputs(dtype):
    x = (np.array([[3, 1, 4, 1], [5, 9, 2, 6]]) % (2 if dtype is np.bool_ else 10)).astype(dtype)
    for name in ("median", "nanmedian", "nansum", "nanmean", "nanmax", "nanvar", "average",
                 "cov", "corrcoef"):
        assert_same_as_numpy(getattr(fnp, name)(x), getattr(np, name)(x)), name
    assert_same_as_numpy(fnp.quantile(x, Q, method="lower", axis=1),
                         np.quantile(x, Q, method="lower", axis=1))
    if dtype is not np.bool_:
        assert_same_as_numpy(fnp.ptp(x), np.ptp(x))


def test_nan_inputs_and_empty():
    x = np.array([1.0, np.nan, 3.0])
    assert np.isnan(fnp.median(x)) and np.isnan(fnp.quantile(x, 0.2))
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.nanmax(np.full((2, 2), np.nan), axis=0)
    assert_same_as_numpy(fnp.nanmax(np.full((2, 2), np.nan), axis=0), want)
    with pytest.warns(RuntimeWarning):
        want = np.median(np.zeros(0))
    assert_same_as_numpy(fnp.median(np.zeros(0)), want)


def test_bad_inputs():
    with pytest.raises(ValueError, match="quantile: quantiles must be in the range"):
        fnp.quantile(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="quantile: method must be one of"):
        fnp.quantile(np.ones(3), 0.5, method="weibull")
    with pytest.raises(ValueError, match="nanargmax: all-NaN slice"):
        fnp.nanargmax(np.array([np.nan]))
    with pytest.raises(ValueError, match="cov: m has more than 2 dimensions"):
        fnp.cov(np.ones((2, 2, 2)))
    with pytest.raises(TypeError, match="average: axis must be specified"):
        fnp.average(np.ones((2, 3)), weights=np.ones(3))
    assert fnp.median(np.array([1.0, 2.0])) == 1.5
