"""The keyword arguments of numpy/JAX functions that real programs pass: ``where=`` masks on
reductions, ``descending=`` sorts, ``take``'s modes, every ``pad`` mode, the ``size=`` forms
of ``unique``/``setdiff1d``/``intersect1d`` (JAX's, for jit), ``include_initial``."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy, rand

X = rand((3, 4), seed=1)
MASK = np.array([[True, False, True, True], [False, True, True, False],
                 [True, True, False, True]])


# ------------------------------------------------------------------ where= on reductions


@pytest.mark.parametrize("name, kwargs", [
    ("sum", {}), ("prod", {}), ("mean", {}), ("var", {}), ("std", {}), ("var", {"ddof": 1}),
    ("max", {"initial": -5.0}), ("min", {"initial": 5.0}), ("nansum", {}), ("nanmean", {}),
    ("nanvar", {}), ("nanstd", {"ddof": 1}), ("nanmax", {"initial": -5.0}),
])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_where_mask_matches_numpy(name, kwargs, axis):
    x = X.copy()
    if name.startswith("nan"):
        x[0, 2] = np.nan
    ours = getattr(fnp, name)(x, axis=axis, where=MASK, **kwargs)
    assert_same_as_numpy(ours, getattr(np, name)(x, axis=axis, where=MASK, **kwargs))
    row_mask = MASK[0]  # a mask that broadcasts against x
    assert_same_as_numpy(getattr(fnp, name)(x, axis=axis, where=row_mask, **kwargs),
                         getattr(np, name)(x, axis=axis, where=row_mask, **kwargs))


@pytest.mark.parametrize("name", ["all", "any"])
def test_where_mask_on_logical_reductions(name):
    b = X > 0
    for axis in (None, 0, 1):
        assert_same_as_numpy(getattr(fnp, name)(b, axis=axis, where=MASK),
                             getattr(np, name)(b, axis=axis, where=MASK))


def test_where_mask_keeps_dtypes_and_handles_empty_selections():
    ints = np.arange(12).reshape(3, 4)
    assert_same_as_numpy(fnp.sum(ints, axis=1, where=MASK), np.sum(ints, axis=1, where=MASK))
    assert_same_as_numpy(fnp.max(ints, axis=0, where=MASK, initial=-1),
                         np.max(ints, axis=0, where=MASK, initial=-1))
    x32 = X.astype(np.float32)
    assert fnp.mean(x32, where=MASK).dtype == np.float32
    none = np.zeros_like(MASK)
    with np.errstate(invalid="ignore", divide="ignore"):
        assert_same_as_numpy(fnp.mean(X, axis=1, where=none), np.mean(X, axis=1, where=none))
        assert_same_as_numpy(fnp.max(X, axis=1, where=none, initial=7.0),
                             np.max(X, axis=1, where=none, initial=7.0))


@pytest.mark.parametrize("name, kwargs", [
    ("sum", {}), ("prod", {}), ("mean", {}), ("var", {"ddof": 1}), ("std", {}),
    ("max", {"initial": -5.0}), ("nanmean", {}),
])
def test_where_mask_derivatives(name, kwargs):
    def f(x):
        return getattr(fnp, name)(x, axis=1, where=MASK, **kwargs)
    assert_derivatives(f, (X + 3.0,))
    grad = fungrad.grad(lambda x: fnp.sum(f(x)))(X + 3.0)
    assert np.all(grad[~MASK] == 0)  # masked-out elements get no gradient


def test_where_mask_under_jit_and_vmap():
    f = fungrad.jit(lambda x, m: fnp.std(x, axis=0, where=m))
    assert_same_as_numpy(f(X, MASK), np.std(X, axis=0, where=MASK))
    per_row = fungrad.vmap(lambda x, m: fnp.mean(x, where=m))(X, MASK)
    assert_same_as_numpy(per_row, np.mean(X, axis=1, where=MASK))


def test_where_mask_bad_input():
    with pytest.raises(ValueError, match="max does not have an identity.*specify 'initial'"):
        fnp.max(X, where=MASK)
    with pytest.raises(TypeError, match="sum: where must be a boolean array, got f64"):
        fnp.sum(X, where=MASK.astype(float))
    with pytest.raises(ValueError, match=r"mean: where bool\[3,4\] does not broadcast to the "
                                         r"shape of a, f64\[4\]"):
        fnp.mean(X[0], where=MASK)
    assert fnp.sum(X, where=MASK) == np.sum(X, where=MASK)  # the next call works


# ------------------------------------------------------------------ sort(descending=)


def test_descending_sort_orders_largest_first_and_keeps_ties_in_order():
    ties = np.array([1, 2, 1, 2, 0, 2])
    # JAX 0.10.2: jnp.argsort(ties, descending=True) -> [1 3 5 0 2 4]
    assert fnp.argsort(ties, descending=True).tolist() == [1, 3, 5, 0, 2, 4]
    # JAX puts NaN first in a descending sort
    with_nan = np.array([1.0, np.nan, 3.0])
    assert fnp.argsort(with_nan, descending=True).tolist() == [1, 2, 0]
    assert_same_as_numpy(fnp.sort(with_nan, descending=True), np.array([np.nan, 3.0, 1.0]))
    for axis in (0, 1, None):
        assert_same_as_numpy(fnp.sort(X, axis=axis, descending=True),
                             -np.sort(-X, axis=axis))
        assert_same_as_numpy(fnp.argsort(X, axis=axis, descending=True),
                             np.argsort(-X, axis=axis, stable=True))
    assert fnp.argsort(ties, dtype=np.int32).dtype == np.int32
    assert fnp.sort(np.zeros((2, 0)), descending=True).shape == (2, 0)


def test_descending_sort_derivatives_jit_vmap():
    assert_derivatives(lambda x: fnp.sort(x, axis=0, descending=True) * np.arange(4.0), (X,))
    assert_same_as_numpy(fungrad.jit(lambda x: fnp.sort(x, descending=True))(X),
                         -np.sort(-X))
    assert_same_as_numpy(fungrad.vmap(lambda r: fnp.argsort(r, descending=True))(X),
                         np.argsort(-X, axis=1, stable=True))


# ------------------------------------------------------------------ take(mode=)


@pytest.mark.parametrize("mode", ["clip", "wrap"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_take_modes_match_numpy(mode, axis):
    idx = np.array([[0, 5], [-1, -9]])
    assert_same_as_numpy(fnp.take(X, idx, axis=axis, mode=mode),
                         np.take(X, idx, axis=axis, mode=mode))


def test_take_fill_mode_reads_the_fill_value_out_of_bounds():
    v = np.arange(7.0)
    # JAX 0.10.2: jnp.take(v, [0, 10, -20, -1], mode='fill', fill_value=5) -> [0 5 5 6]
    assert_same_as_numpy(fnp.take(v, np.array([0, 10, -20, -1]), mode="fill", fill_value=5.0),
                         np.array([0.0, 5.0, 5.0, 6.0]))
    assert np.isnan(fnp.take(v, np.array([7]), mode="fill")[0])
    assert fnp.take(np.arange(3), np.array([5]), mode="fill")[0] == np.iinfo(np.int64).min


def test_take_modes_derivatives_and_jit():
    idx = np.array([0, 9, 0, -2])
    for mode in ("clip", "wrap", "fill"):
        assert_derivatives(lambda x: fnp.take(x, idx, axis=1, mode=mode, fill_value=0.0), (X,))
    f = fungrad.jit(lambda x, i: fnp.take(x, i, mode="wrap"))
    assert_same_as_numpy(f(np.arange(7.0), np.array([8, -9])), np.array([1.0, 5.0]))


def _numpy_filled_take(a, idx, axis, fill):
    """numpy's take where idx is in [-n, n), ``fill`` elsewhere (JAX's default mode)."""
    n = a.shape[axis]
    inside = (idx >= -n) & (idx < n)
    got = np.take(a, np.where(inside, idx, 0), axis=axis)
    mask = inside.reshape((1,) * axis + idx.shape + (1,) * (a.ndim - axis - 1))
    return np.where(mask, got, np.asarray(fill).astype(a.dtype))


def test_take_default_mode_fills_as_in_jax():
    # JAX 0.10.2 (x64): jnp.take(jnp.arange(5.), [-7, -5, -1, 0, 4, 5, 9]) and the same
    # for int64 / uint8 / bool / complex arrays
    ii = np.array([-7, -5, -1, 0, 4, 5, 9])
    assert_same_as_numpy(fnp.take(np.arange(5.0), ii),
                         np.array([np.nan, 0.0, 4.0, 0.0, 4.0, np.nan, np.nan]))
    lo = np.iinfo(np.int64).min
    assert_same_as_numpy(fnp.take(np.arange(5), ii), np.array([lo, 0, 4, 0, 4, lo, lo]))
    assert_same_as_numpy(fnp.take(np.arange(5, dtype=np.uint8), ii),
                         np.array([255, 0, 4, 0, 4, 255, 255], np.uint8))
    assert_same_as_numpy(fnp.take(np.array([True, False, True]), np.array([1, 5])),
                         np.array([False, True]))
    assert_same_as_numpy(fnp.take(np.arange(3) * 1j, np.array([1, 5])),
                         np.array([1j, complex(np.nan, 0.0)]))
    # fill_value is cast to a's dtype (JAX: -1.5 -> -1), and ignored by clip
    assert_same_as_numpy(fnp.take(np.arange(5), ii, fill_value=-1.5),
                         np.array([-1, 0, 4, 0, 4, -1, -1]))
    assert_same_as_numpy(fnp.take(np.arange(5.0), ii, mode="clip", fill_value=-1.0),
                         np.array([0.0, 0.0, 0.0, 0.0, 4.0, 4.0, 4.0]))
    assert np.isnan(fnp.take(np.arange(5.0), 7)) and np.isnan(fnp.take(np.arange(5.0), -6))


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_take_default_mode_against_numpy_jit_vmap_derivatives(axis):
    idx = np.array([[0, 5], [-1, -9], [3, -4]])
    ax = 0 if axis is None else axis
    a = X.ravel() if axis is None else X
    want = _numpy_filled_take(a, idx, ax, np.nan)
    assert_same_as_numpy(fnp.take(X, idx, axis=axis), want)
    assert_same_as_numpy(fungrad.jit(lambda x, i: fnp.take(x, i, axis=axis))(X, idx), want)
    # the in-bounds fast path (concrete indices) against the masked one (traced) on the same
    # in-bounds indices: values and dtype
    good = np.array([[0, 2], [-1, 1]])
    fast, traced = fnp.take(X, good, axis=axis), fungrad.jit(
        lambda i: fnp.take(X, i, axis=axis))(good)
    assert fast.dtype == traced.dtype == X.dtype
    assert_same_as_numpy(traced, fast)
    assert_same_as_numpy(fast, np.take(X, good, axis=axis))
    rows = fungrad.vmap(lambda i: fnp.take(X, i, axis=axis, fill_value=-3.0))(idx)
    assert_same_as_numpy(rows, np.stack([_numpy_filled_take(a, i, ax, -3.0) for i in idx]))
    # filled entries have zero derivative (both modes, both orders)
    assert_derivatives(lambda x: fnp.take(x, idx, axis=axis, fill_value=0.0), (X,))
    assert_derivatives(lambda x: fungrad.jit(lambda y, i: fnp.take(y, i, axis=axis,
                                                                   fill_value=2.0))(x, idx),
                       (X,))
    # NaN fills too: the gradient counts the in-bounds reads only
    g = fungrad.grad(lambda x: fnp.take(x, idx, axis=axis).sum())
    assert_same_as_numpy(g(X), _filled_grad(X, idx, axis))


def _filled_grad(x, idx, axis):
    """d sum(take(x, idx, axis)) / dx with the out-of-bounds entries left out."""
    a = x.ravel() if axis is None else x
    ax = 0 if axis is None else axis
    n = a.shape[ax]
    counts = np.zeros(n)
    for i in idx.ravel():
        if -n <= i < n:
            counts[i] += 1
    shape = [1] * a.ndim
    shape[ax] = n
    return np.broadcast_to(counts.reshape(shape), a.shape).reshape(x.shape)


def test_take_bad_modes():
    with pytest.raises(ValueError, match="take: mode must be one of"):
        fnp.take(X, np.array([0]), mode="bogus")
    with pytest.raises(NotImplementedError, match="mode='raise' is not supported"):
        fnp.take(X, np.array([0]), mode="raise")
    with pytest.raises(TypeError, match=r"take: indices must be integers, got f64\[1\]"):
        fnp.take(X, np.array([0.0]), mode="clip")
    with pytest.raises(ValueError, match="cannot wrap indices along an axis of length 0"):
        fnp.take(np.zeros(0), np.array([1]), mode="wrap")
    for mode in ("promise_in_bounds", "drop"):  # JAX's take refuses them too
        with pytest.raises(ValueError, match="take: mode must be one of None, 'fill', 'wrap' "
                                             "or 'clip'"):
            fnp.take(X, np.array([0]), mode=mode)
    with pytest.raises(IndexError, match=r"take: cannot take i64\[2\] indices from an empty "
                                         r"axis 0 of f64\[0\]"):
        fnp.take(np.zeros(0), np.array([0, 1]))
    assert fnp.take(np.zeros(0), np.zeros(0, int)).shape == (0,)


# ------------------------------------------------------------------ pad: every mode

PAD_MODES = [
    ("constant", {}), ("constant", {"constant_values": ((1, 2), (3, 4))}), ("edge", {}),
    ("wrap", {}), ("reflect", {}), ("reflect", {"reflect_type": "odd"}), ("symmetric", {}),
    ("symmetric", {"reflect_type": "odd"}), ("mean", {}), ("mean", {"stat_length": 2}),
    ("median", {}), ("median", {"stat_length": ((1, 2), (2, 1))}), ("maximum", {}),
    ("minimum", {"stat_length": 1}), ("linear_ramp", {}),
    ("linear_ramp", {"end_values": ((10, -3), (2, 5))}),
]


@pytest.mark.parametrize("mode, kwargs", PAD_MODES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("widths", [1, ((2, 3), (0, 1)), 7])
def test_pad_modes_match_numpy(mode, kwargs, dtype, widths):
    traced = fungrad.jit(lambda x: fnp.pad(x, widths, mode, **kwargs))  # fungrad's own path
    x = (X * 10).astype(dtype)
    column = x[:, :1]  # an axis of length 1
    for a in (x, column):
        expected = np.pad(a, widths, mode, **kwargs)
        assert_same_as_numpy(traced(a), expected)
        assert_same_as_numpy(fnp.pad(a, widths, mode, **kwargs), expected)


def test_pad_empty_mode_is_zeros_as_in_jax():
    assert_same_as_numpy(fnp.pad(np.arange(1.0, 4.0), 2, mode="empty"),
                         np.array([0.0, 0.0, 1.0, 2.0, 3.0, 0.0, 0.0]))


@pytest.mark.parametrize("mode, kwargs", [
    ("reflect", {"reflect_type": "odd"}), ("symmetric", {}), ("mean", {"stat_length": 2}),
    ("median", {}), ("maximum", {}), ("linear_ramp", {"end_values": (1.0, 2.0)}),
    ("constant", {"constant_values": ((1.0, 2.0), (3.0, 4.0))}),
])
def test_pad_modes_derivatives_jit_vmap(mode, kwargs):
    assert_derivatives(lambda x: fnp.pad(x, ((2, 5), (1, 3)), mode, **kwargs), (X,))
    assert_same_as_numpy(fungrad.jit(lambda x: fnp.pad(x, 3, mode, **kwargs))(X),
                         np.pad(X, 3, mode, **kwargs))
    row_kwargs = {} if mode == "constant" else kwargs
    assert_same_as_numpy(fungrad.vmap(lambda r: fnp.pad(r, 3, mode, **row_kwargs))(X),
                         np.stack([np.pad(r, 3, mode, **row_kwargs) for r in X]))


def test_pad_bad_input():
    v = np.arange(3.0)
    with pytest.raises(ValueError, match="pad: mode must be one of"):
        fnp.pad(v, 1, mode="bogus")
    with pytest.raises(TypeError, match="unsupported keyword arguments for mode 'edge'"):
        fnp.pad(v, 1, mode="edge", constant_values=1)
    with pytest.raises(ValueError, match="reflect_type must be 'even' or 'odd'"):
        fnp.pad(v, 1, mode="reflect", reflect_type="neither")
    with pytest.raises(ValueError, match="negative stat_length"):
        fnp.pad(v, 1, mode="mean", stat_length=-1)
    with pytest.raises(ValueError, match=r"can't extend empty axis 0 of f64\[0\]"):
        fnp.pad(np.zeros(0), 1, mode="reflect")
    with pytest.raises(ValueError, match="pad_width"):
        fnp.pad(X, ((1, 2, 3),))
    assert_same_as_numpy(fnp.pad(np.zeros(0), 1), np.zeros(2))


def _ends(vector, width, axis, kwargs):
    """A pad function in JAX's form (returns the vector): each side filled with a function
    of the axis and the vector's inner values, so its derivative depends on them."""
    before, after = width
    n = len(vector)
    inner = vector[before:n - after]
    vector = vector.at[:before].set(inner[0] * kwargs.get("scale", 1.0) + axis)
    return vector.at[n - after:].set(inner[-1] ** 2 - axis)


def _ends_numpy(vector, width, axis, kwargs):
    """The same in numpy's form (writes into the vector)."""
    before, after = width
    n = len(vector)
    inner = vector[before:n - after].copy()
    vector[:before] = inner[0] * kwargs.get("scale", 1.0) + axis
    vector[n - after:] = inner[-1] ** 2 - axis


@pytest.mark.parametrize("widths", [((1, 2), (2, 1)), 2, ((0, 1), (1, 0))])
def test_pad_callable_mode(widths):
    want = np.pad(X, widths, _ends_numpy, scale=3.0)
    assert_same_as_numpy(fnp.pad(X, widths, _ends, scale=3.0), want)
    assert_same_as_numpy(fungrad.jit(lambda x: fnp.pad(x, widths, _ends, scale=3.0))(X), want)
    assert_derivatives(lambda x: fnp.pad(x, widths, _ends, scale=3.0), (X,))
    assert_same_as_numpy(fungrad.vmap(lambda r: fnp.pad(r, 2, _ends))(X),
                         np.stack([np.pad(r, 2, _ends_numpy) for r in X]))
    ints = (X * 10).astype(np.int64)  # the result keeps a's dtype, as numpy's does
    got = fnp.pad(ints, widths, _ends, scale=0.5)
    assert got.dtype == np.int64
    assert_same_as_numpy(got, np.pad(ints, widths, _ends_numpy, scale=0.5))


def test_pad_callable_mode_bad_input():
    v = np.arange(3.0)
    with pytest.raises(TypeError, match="the mode function <lambda> returned None; fungrad's "
                                        "arrays are immutable"):
        fnp.pad(v, 1, lambda vec, w, ax, kw: None)
    with pytest.raises(ValueError, match=r"must return a vector of the padded length 5 along "
                                         r"axis 0, got f64\[3\]"):
        fnp.pad(v, 1, lambda vec, w, ax, kw: vec[:3])
    with pytest.raises(ValueError, match="negative pad_width"):
        fnp.pad(v, -1, _ends)


# ------------------------------------------------------------------ sized set functions

# Values recorded from JAX 0.10.2 (the int32 results there are int64 here).
UNIQUE_INPUT = np.array([[3, 1], [3, 2], [5, 1]])


def test_unique_with_size_returns_jax_extras():
    values, index, inverse, counts = fnp.unique(
        UNIQUE_INPUT, size=6, return_index=True, return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3, 5, 1, 1]
    assert index.tolist() == [1, 3, 0, 4, 1, 1]
    assert inverse.tolist() == [[2, 0], [2, 1], [3, 0]]
    assert counts.tolist() == [2, 1, 2, 1, 0, 0]
    values, counts = fnp.unique(UNIQUE_INPUT, size=2, return_counts=True, fill_value=-1)
    assert values.tolist() == [1, 2] and counts.tolist() == [2, 1]
    values, index, counts = fnp.unique(np.array([1.0, np.nan, np.nan, 0.0]), size=4,
                                       return_index=True, return_counts=True)
    assert_same_as_numpy(values, np.array([0.0, 1.0, np.nan, 0.0]))
    assert index.tolist() == [3, 0, 1, 3] and counts.tolist() == [1, 1, 2, 0]


def test_unique_with_size_agrees_with_numpy_when_large_enough():
    x = np.random.default_rng(3).integers(0, 6, size=(4, 5))
    ref = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    ours = fungrad.jit(lambda x: fnp.unique(x, size=ref[0].size, return_index=True,
                                            return_inverse=True, return_counts=True))(x)
    for a, b in zip(ours, ref):
        assert_same_as_numpy(a, b.reshape(np.shape(a)))
    assert fnp.unique(np.zeros(0), size=2, return_counts=True)[1].tolist() == [0, 0]


def test_setdiff1d_and_intersect1d_with_size():
    a, b = np.array([5, 1, 2, 3, 2]), np.array([2, 5, 7])
    assert fnp.setdiff1d(a, np.array([2]), size=5).tolist() == [1, 3, 5, 0, 0]
    assert fnp.setdiff1d(a, np.array([2]), size=2, fill_value=9).tolist() == [1, 3]
    assert fnp.setdiff1d(a, a, size=2).tolist() == [0, 0]
    assert fnp.intersect1d(a, b, size=4).tolist() == [2, 5, 2, 2]
    assert fnp.intersect1d(a, b, size=4, fill_value=0).tolist() == [2, 5, 0, 0]
    assert fnp.intersect1d(np.array([5.0, 7.0]), np.array([1.0]), size=3).tolist() == [0, 0, 0]
    values, in_a, in_b = fnp.intersect1d(a, b, size=4, return_indices=True)
    assert in_a[:2].tolist() == [2, 0] and in_b[:2].tolist() == [0, 1]
    setdiff = fungrad.jit(lambda a, b: fnp.setdiff1d(a, b, size=3))
    assert setdiff(np.array([4, 4, 1, 2]), np.array([1])).tolist() == [2, 4, 0]
    ref = np.intersect1d(a, b, return_indices=True)
    ours = fungrad.jit(lambda a, b: fnp.intersect1d(a, b, size=2, return_indices=True))(a, b)
    for x, y in zip(ours, ref):
        assert_same_as_numpy(x, y)


def test_sized_sets_bad_size():
    with pytest.raises(TypeError, match="setdiff1d: size must be a concrete non-negative"):
        fnp.setdiff1d(np.arange(3), np.arange(2), size=1.5)
    with pytest.raises(NotImplementedError, match="size= with axis= is not supported"):
        fnp.unique(UNIQUE_INPUT, axis=0, size=3)


# ------------------------------------------------------------------ include_initial


@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
@pytest.mark.parametrize("x, axis", [
    (np.arange(1, 5, dtype=np.int32), None), (np.array([True, False, True]), None),
    (X, 1), (X, 0), (np.ones(0, np.float32), None),
])
@pytest.mark.parametrize("include_initial", [False, True])
def test_cumulative_include_initial(name, x, axis, include_initial):
    assert_same_as_numpy(getattr(fnp, name)(x, axis=axis, include_initial=include_initial),
                         getattr(np, name)(x, axis=axis, include_initial=include_initial))


def test_cumulative_derivatives_and_errors():
    assert_derivatives(lambda x: fnp.cumulative_prod(x, axis=0, include_initial=True), (X,))
    assert_same_as_numpy(fungrad.vmap(lambda r: fnp.cumulative_sum(r, include_initial=True))(X),
                         np.cumulative_sum(X, axis=1, include_initial=True))
    with pytest.raises(ValueError, match=r"cumulative_sum: axis must be specified.*f64\[3,4\]"):
        fnp.cumulative_sum(X)


# ------------------------------------------------------------------ reshape(order='F')


@pytest.mark.parametrize("shape", [(4, 6), (-1,), (2, 2, 6), (24, 1)])
def test_reshape_fortran_order(shape):
    x = np.arange(24.0).reshape(2, 3, 4)
    expected = np.reshape(x, shape, order="F")
    assert_same_as_numpy(fnp.reshape(x, shape, order="F"), expected)
    assert_same_as_numpy(fungrad.jit(lambda x: fnp.reshape(x, shape, order="F"))(x), expected)
    assert_same_as_numpy(fnp.asarray(x).reshape(shape, order="F"), expected)
    assert_derivatives(lambda x: fnp.reshape(x, shape, order="F") * np.arange(24.0).reshape(
        expected.shape), (x,))


def test_ravel_fortran_order_and_bad_orders():
    x = np.arange(24.0).reshape(2, 3, 4)
    assert_same_as_numpy(fnp.ravel(x, order="F"), np.ravel(x, order="F"))
    assert_same_as_numpy(fungrad.vmap(lambda r: fnp.ravel(r, order="F"))(x),
                         np.stack([np.ravel(r, order="F") for r in x]))
    with pytest.raises(ValueError, match="reshape: order must be 'C' or 'F', got 'K'"):
        fnp.reshape(x, (24,), order="K")
    with pytest.raises(NotImplementedError, match="order='A' is not supported"):
        fnp.reshape(x, (24,), order="A")


# ------------------------------------------------------------------ dtype= and promote_integers


@pytest.mark.parametrize("name", ["sum", "prod", "cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.uint8, bool, np.float32, None])
def test_reductions_accumulate_in_the_dtype_asked_for(name, dtype):
    x = np.array([100, 100, 3], np.int8)  # overflows int8: numpy wraps, so must we
    assert_same_as_numpy(getattr(fnp, name)(x, dtype=dtype), getattr(np, name)(x, dtype=dtype))


@pytest.mark.parametrize("dtype, expected", [
    (np.int8, np.int8), (np.int32, np.int32), (np.uint16, np.uint16), (np.float32, np.float32),
    (np.bool_, np.int64),  # JAX: the default integer
])
def test_promote_integers_false_keeps_small_integers(dtype, expected):
    x = np.array([1, 2, 3]).astype(dtype)
    assert fnp.sum(x, promote_integers=False).dtype == expected
    assert fungrad.jit(lambda x: fnp.prod(x, promote_integers=False))(x).dtype == expected
    assert fnp.sum(x).dtype == np.sum(x).dtype  # the default is numpy's


# ------------------------------------------------------------------ repeat(total_repeat_length=)


def test_repeat_with_total_length_matches_jax():
    x = np.array([1, 2, 3])
    # JAX 0.10.2: [1 3 3 3 3], [1 3], [1 1 2 2]
    assert fnp.repeat(x, np.array([1, 0, 2]), total_repeat_length=5).tolist() == [1, 3, 3, 3, 3]
    assert fnp.repeat(x, np.array([1, 0, 2]), total_repeat_length=2).tolist() == [1, 3]
    assert fnp.repeat(x, 2, total_repeat_length=4).tolist() == [1, 1, 2, 2]
    traced = fungrad.jit(lambda x, r: fnp.repeat(x, r, axis=0, total_repeat_length=6))
    assert_same_as_numpy(traced(X[:3], np.array([3, 2, 1])), np.repeat(X[:3], [3, 2, 1], axis=0))
    assert_derivatives(lambda x: fnp.repeat(x, np.array([2, 1, 0]), axis=1,
                                            total_repeat_length=4), (X[:, :3],))
    with pytest.raises(TypeError, match="traced repeats i64\\[3\\] need total_repeat_length"):
        fungrad.jit(lambda x, r: fnp.repeat(x, r))(x, np.array([1, 1, 1]))
    with pytest.raises(ValueError, match="total_repeat_length must be non-negative"):
        fnp.repeat(x, 1, total_repeat_length=-1)


# ------------------------------------------------------------------ take_along_axis modes


def test_take_along_axis_modes_match_jax():
    a = np.arange(6.0).reshape(2, 3)
    idx = np.array([[0, 5], [-1, 1]])
    # JAX 0.10.2 values
    assert fnp.take_along_axis(a, idx, axis=1, mode="clip").tolist() == [[0.0, 2.0],
                                                                          [5.0, 4.0]]
    assert fnp.take_along_axis(a, idx, axis=1, mode="fill", fill_value=-9).tolist() == \
        [[0.0, -9.0], [5.0, 4.0]]
    no_wrap = fnp.take_along_axis(a, idx, axis=1, mode="fill", wrap_negative_indices=False)
    assert_same_as_numpy(no_wrap, np.array([[0.0, np.nan], [np.nan, 4.0]]))
    assert fnp.take_along_axis(a, np.array([1, -1, 7]), axis=None, mode="clip").tolist() == \
        [1.0, 5.0, 5.0]
    clipped = fungrad.jit(lambda a, i: fnp.take_along_axis(a, i, axis=1, mode="clip"))
    assert_same_as_numpy(clipped(a, idx), np.array([[0.0, 2.0], [5.0, 4.0]]))
    assert_derivatives(lambda a: fnp.take_along_axis(a, idx, axis=1, mode="fill",
                                                     fill_value=0.0), (a,))
    with pytest.raises(ValueError, match="take_along_axis: mode must be one of"):
        fnp.take_along_axis(a, idx, axis=1, mode="wrap")
    with pytest.raises(TypeError, match="take_along_axis: indices must be integers"):
        fnp.take_along_axis(a, idx.astype(float), axis=1)


NAN = np.nan
# JAX 0.10.2 (x64): jnp.take_along_axis(jnp.arange(5.), [-7, -5, -1, 0, 4, 5, 9], 0, ...)
TAKE_ALONG_JAX = [
    ({}, [NAN, 0, 4, 0, 4, NAN, NAN]),
    ({"mode": "fill"}, [NAN, 0, 4, 0, 4, NAN, NAN]),
    ({"mode": "drop"}, [NAN, 0, 4, 0, 4, NAN, NAN]),
    ({"mode": "clip"}, [0, 0, 4, 0, 4, 4, 4]),
    ({"mode": "promise_in_bounds"}, [0, 0, 0, 0, 4, 4, 4]),
    ({"wrap_negative_indices": False}, [NAN, NAN, NAN, 0, 4, NAN, NAN]),
    ({"mode": "clip", "wrap_negative_indices": False}, [0, 0, 0, 0, 4, 4, 4]),
    ({"fill_value": -1}, [-1, 0, 4, 0, 4, -1, -1]),
]


@pytest.mark.parametrize("kwargs, want", TAKE_ALONG_JAX)
def test_take_along_axis_out_of_bounds_modes_as_in_jax(kwargs, want):
    ii = np.array([-7, -5, -1, 0, 4, 5, 9])
    want = np.array(want, float)
    assert_same_as_numpy(fnp.take_along_axis(np.arange(5.0), ii, 0, **kwargs), want)
    assert_same_as_numpy(fungrad.jit(lambda x, i: fnp.take_along_axis(x, i, 0, **kwargs))(
        np.arange(5.0), ii), want)


def test_take_along_axis_default_fill_against_numpy_vmap_derivatives():
    idx = np.array([[0, 4, -1], [2, -5, 1], [3, 1, 9]])
    n = X.shape[1]
    inside = (idx >= -n) & (idx < n)
    want = np.where(inside, np.take_along_axis(X, np.where(inside, idx, 0), 1), np.nan)
    assert_same_as_numpy(fnp.take_along_axis(X, idx, axis=1), want)
    # in bounds: the concrete fast path against the traced one and numpy
    good = np.where(inside, idx, 0)
    assert_same_as_numpy(fungrad.jit(lambda i: fnp.take_along_axis(X, i, 1))(good),
                         fnp.take_along_axis(X, good, 1))
    assert_same_as_numpy(fnp.take_along_axis(X, good, 1), np.take_along_axis(X, good, 1))
    rows = fungrad.vmap(lambda r, i: fnp.take_along_axis(r, i, 0, fill_value=-2.0))(X, idx)
    assert_same_as_numpy(rows, np.where(inside, want, -2.0))
    assert_derivatives(lambda a: fnp.take_along_axis(a, idx, 1, fill_value=0.0), (X,))
    g = fungrad.grad(lambda a: fnp.take_along_axis(a, idx, 1).sum())(X)  # NaN fills too
    expected = np.zeros_like(X)
    for r, c in zip(*np.nonzero(inside)):
        expected[r, idx[r, c] % n] += 1.0
    assert_same_as_numpy(g, expected)


# ------------------------------------------------------------------ more sized set functions


def test_unique_family_and_setxor1d_with_size():
    x = np.array([3, 1, 3])
    # JAX 0.10.2: unique_counts(x, size=3) -> values [1 3 1], counts [1 2 0]
    counts = fnp.unique_counts(x, size=3)
    assert counts.values.tolist() == [1, 3, 1] and counts.counts.tolist() == [1, 2, 0]
    every = fungrad.jit(lambda x: fnp.unique_all(x, size=3))(x)
    assert every.indices.tolist() == [1, 0, 1] and every.inverse_indices.tolist() == [1, 0, 1]
    inverse = fnp.unique_inverse(x, size=2)
    assert inverse.values.tolist() == [1, 3] and inverse.inverse_indices.tolist() == [1, 0, 1]
    assert fnp.unique_values(x, size=3, fill_value=0).tolist() == [1, 3, 0]
    # JAX 0.10.2: setxor1d([1, 2, 3], [2, 5], size=5) -> [1 3 5 1 1]
    assert fnp.setxor1d(np.array([1, 2, 3]), np.array([2, 5]), size=5).tolist() == \
        [1, 3, 5, 1, 1]
    xor = fungrad.jit(lambda a, b: fnp.setxor1d(a, b, size=2, fill_value=0))
    assert xor(np.array([4, 4]), np.array([4])).tolist() == [0, 0]


# ------------------------------------------------------------------ accepted JAX keywords


def test_accepted_jax_keywords():
    assert fnp.dstack([np.ones((2, 2)), np.zeros((2, 2))], dtype=np.float32).dtype == \
        np.float32
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    for method in (None, "lu", "qr"):
        assert_same_as_numpy(fnp.linalg.slogdet(a, method=method)[1], np.linalg.slogdet(a)[1])
    with pytest.raises(ValueError, match="slogdet: method must be 'lu' or 'qr'"):
        fnp.linalg.slogdet(a, method="cholesky")
    assert fnp.linalg.matrix_rank(a, hermitian=True) == 2
    bins = np.array([0.0, 1.0, 2.0])
    assert_same_as_numpy(fnp.digitize(X, bins, method="sort"), np.digitize(X, bins))
