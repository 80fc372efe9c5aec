"""place, put, piecewise, unwrap, partition/argpartition, mask_indices and where(cond):
values against numpy (JAX's own conventions are in test_numpy_jax_values.py), derivatives,
jit and vmap through the shared table, then integer inputs, tracing and bad input."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy
from numpy_table import table_tests

MASK = np.array([[True, False, True], [False, True, True]])
IND = np.array([4, 0, 2, 4])  # a repeated index: the last value wins


def _place(m, a, mask, vals):
    if m is np:  # numpy's writes into its argument
        a = a.copy()
        np.place(a, mask, vals)
        return a
    return m.place(a, mask, vals, inplace=False)


def _put(m, a, ind, v, mode="wrap"):
    if m is np:
        a = a.copy()
        np.put(a, ind, v, mode=mode)
        return a
    return m.put(a, ind, v, mode=mode, inplace=False)


def _parts(m, x, k, axis):
    """A partition's two parts, each sorted: the same for every valid partition."""
    p = m.partition(x, k, axis)
    n = x.shape[axis]
    kk = k % n
    return (m.sort(m.take(p, np.arange(kk + 1), axis), axis),
            m.sort(m.take(p, np.arange(kk + 1, n), axis), axis))


TABLE = [
    ("place", lambda m, a, v: _place(m, a, MASK, v), [((2, 3), (5,))]),
    ("place_scalar", lambda m, a, v: _place(m, a, MASK, v), [((2, 3), ())]),
    ("place_none", lambda m, a, v: _place(m, a, np.zeros((2, 3), bool), v), [((2, 3), (2,))]),
    ("put_wrap", lambda m, a, v: _put(m, a, np.array([-1, 7, 2, 2]), v), [((2, 3), (4,))]),
    ("put_clip", lambda m, a, v: _put(m, a, IND, v, "clip"), [((5,), (4,)), ((2, 3), ())]),
    ("put_empty", lambda m, a, v: _put(m, a, np.zeros(0, int), v), [((3,), (2,))]),
    ("piecewise", lambda m, x: m.piecewise(x, [x < -0.5, x > 0.5],
                                           [lambda v: v * v, lambda v: m.sin(v), 2.0]),
     [((2, 3),), ((),)]),
    ("piecewise_two", lambda m, x: m.piecewise(x, [x < 0, x >= 0], [lambda v: -v, m.exp]),
     [((5,),)]),
    ("unwrap", lambda m, p: m.unwrap(p * 3.0), [((6,),), ((3, 4),), ((0,),)]),
    ("unwrap_axis0", lambda m, p: m.unwrap(p * 3.0, axis=0), [((4, 3),)]),
    ("unwrap_period", lambda m, p: m.unwrap(p * 4.0, period=3.0, discont=2.0), [((7,),)]),
    ("partition", lambda m, x: _parts(m, x, 2, -1), [((6,),), ((2, 3, 4),)]),
    ("partition_axis0", lambda m, x: _parts(m, x, -1, 0), [((4, 3),), ((5,),)]),
    ("partition_first", lambda m, x: _parts(m, x, 0, -1), [((1,),), ((4,),)]),
]

test_values, test_trace_jit_vmap, test_derivatives = table_tests(TABLE)


def test_partition_kth_element_in_place_and_index_order():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, (4, 9)).astype(np.float64)  # many ties
    for axis in (0, 1, None):
        n = x.size if axis is None else x.shape[axis]
        for k in (0, n // 2, n - 1, -2):
            ours, theirs = fnp.partition(x, k, axis), np.partition(x, k, axis)
            kk = k % (x.size if axis is None else x.shape[axis])
            assert_same_as_numpy(np.take(ours, [kk], axis=axis if axis is not None else 0),
                                 np.take(theirs, [kk], axis=axis if axis is not None else 0))
            idx = fnp.argpartition(x, k, axis)
            assert idx.dtype == np.int64
            flat = x.ravel() if axis is None else x
            gathered = np.take_along_axis(flat, np.asarray(idx), axis if axis is not None
                                          else 0)
            pivot = np.take(gathered, [kk], axis=axis if axis is not None else 0)
            lo = np.take(gathered, np.arange(kk), axis=axis if axis is not None else 0)
            hi = np.take(gathered, np.arange(kk + 1, gathered.shape[axis or 0]),
                         axis=axis if axis is not None else 0)
            assert (lo <= pivot).all() and (hi >= pivot).all()
    for dtype in (np.int32, np.bool_, np.float32, np.uint8):
        a = rng.integers(0, 3, 7).astype(dtype)
        out = fnp.partition(a, 3)
        assert out.dtype == dtype and out[3] == np.partition(a, 3)[3]
    assert fnp.partition(np.zeros((0, 3)), 1).shape == (0, 3)
    # NaNs sort last, as in numpy
    assert_same_as_numpy(fnp.partition(np.array([np.nan, 1.0, 3.0, 2.0]), 2)[:3],
                         np.array([1.0, 2.0, 3.0]))


def test_partition_gradient_follows_the_elements():
    x = np.array([3.0, -1.0, 2.0, 5.0, 0.5])
    g = fungrad.grad(lambda x: fnp.partition(x, 1)[1] * 10.0 + fnp.partition(x, 1)[4])(x)
    # the kth (1) is 0.5; JAX's top part runs largest first, so the last is 2.0
    assert_same_as_numpy(g, np.array([0.0, 0.0, 1.0, 0.0, 10.0]))


def test_put_and_place_derivatives_reach_only_the_written_positions():
    a, v = np.arange(5.0), np.array([10.0, 20.0, 30.0])
    # index 0 twice: only the last value written there has a derivative
    ga, gv = fungrad.grad(lambda a, v: fnp.sum(fnp.put(a, np.array([0, 3, 0]), v,
                                                       inplace=False) ** 2),
                          argnums=(0, 1))(a, v)
    assert_same_as_numpy(ga, np.array([0.0, 2.0, 4.0, 0.0, 8.0]))
    assert_same_as_numpy(gv, np.array([0.0, 40.0, 60.0]))
    gv = fungrad.grad(lambda v: fnp.sum(fnp.place(a, a > 1, v, inplace=False)))(v)
    assert_same_as_numpy(gv, np.array([1.0, 1.0, 1.0]))  # each written once, cycled
    assert_derivatives(lambda a, v: fnp.put(a, np.array([0, 3, 0]), v, inplace=False), (a, v))


def test_traced_masks_and_indices():
    a = np.arange(6.0)
    place = fungrad.jit(lambda a, m, v: fnp.place(a, m, v, inplace=False))
    put = fungrad.jit(lambda a, i, v: fnp.put(a, i, v, inplace=False))
    for mask in (a > 2, a < 1, np.zeros(6, bool)):
        assert_same_as_numpy(place(a, mask, np.array([7.0, 8.0])),
                             _place(np, a, mask, np.array([7.0, 8.0])))
    for ind in (np.array([5, 5, 1]), np.array([0, 1, 2])):
        assert_same_as_numpy(put(a, ind, np.array([1.0, 2.0, 3.0])),
                             _put(np, a, ind, np.array([1.0, 2.0, 3.0]), "clip"))
    batched = fungrad.vmap(lambda i: fnp.put(a, i, -1.0, inplace=False))(np.array([[0], [4]]))
    assert_same_as_numpy(batched, np.stack([_put(np, a, [0], -1.0), _put(np, a, [4], -1.0)]))
    masks = np.array([a > 3, a < 2])
    batched = fungrad.vmap(lambda m: fnp.place(a, m, 9.0, inplace=False))(masks)
    assert_same_as_numpy(batched, np.stack([_place(np, a, m, 9.0) for m in masks]))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_and_bool_inputs(dtype):
    a = np.array([1, 0, 1, 1, 0, 1]).astype(dtype)
    assert_same_as_numpy(_place(fnp, a, a != 0, np.array([0])), _place(np, a, a != 0, [0]))
    assert_same_as_numpy(_put(fnp, a, np.array([1, 4]), np.array([1])),
                         _put(np, a, np.array([1, 4]), [1]))
    assert_same_as_numpy(fnp.piecewise(a, [a > 0], [lambda v: v * 0, 1]),
                         np.piecewise(a, [a > 0], [lambda v: v * 0, 1]))
    if dtype != np.bool_:
        assert_same_as_numpy(fnp.unwrap(a * 5), np.unwrap(a * 5).astype(np.float64))
        assert_same_as_numpy(fnp.partition(a, 2)[2], np.partition(a, 2)[2])


def test_mask_indices_and_one_argument_where():
    for n, func, k in [(3, fnp.triu, 0), (4, fnp.tril, -1), (1, fnp.triu, 1), (0, fnp.triu, 0)]:
        numpy_func = getattr(np, func.__name__)
        for ours, theirs in zip(fnp.mask_indices(n, func, k), np.mask_indices(n, numpy_func, k)):
            assert_same_as_numpy(ours, theirs)
    rows, cols = fnp.mask_indices(3, fnp.triu, 1, size=5)
    assert_same_as_numpy(rows, np.array([0, 0, 1, 0, 0]))
    assert_same_as_numpy(cols, np.array([1, 2, 2, 0, 0]))
    c = np.array([[0.0, 1.5], [2.0, 0.0]])
    for ours, theirs in zip(fnp.where(c), np.where(c)):
        assert_same_as_numpy(ours, theirs)
    rows, cols = fungrad.vmap(lambda c: fnp.where(c, size=2, fill_value=9))(np.stack([c, c.T]))
    assert_same_as_numpy(rows, np.array([[0, 1], [0, 1]]))


def test_bad_inputs():
    a = np.arange(4.0)
    with pytest.raises(ValueError, match="place cannot modify arrays in-place"):
        fnp.place(a, a > 1, 0.0)
    with pytest.raises(ValueError, match="put cannot modify arrays in-place"):
        fnp.put(a, np.array([0]), 0.0)
    with pytest.raises(ValueError, match=r"place: mask bool\[3\] must have the shape of arr "
                                         r"f64\[4\]"):
        fnp.place(a, np.ones(3, bool), 0.0, inplace=False)
    with pytest.raises(ValueError, match="place: cannot place into the true positions of mask from an empty"):
        fnp.place(a, a > 1, np.zeros(0), inplace=False)
    with pytest.raises(TypeError, match=r"put: ind must be integers, got f64\[1\]"):
        fnp.put(a, np.array([0.5]), 1.0, inplace=False)
    with pytest.raises(NotImplementedError, match="'raise' mode"):
        fnp.put(a, np.array([0]), 1.0, mode="raise", inplace=False)
    with pytest.raises(ValueError, match="mode must be 'clip' or 'wrap'"):
        fnp.put(a, np.array([0]), 1.0, mode="drop", inplace=False)
    with pytest.raises(ValueError, match="piecewise: with 1 condition"):
        fnp.piecewise(a, [a > 0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="piecewise: every condition must be a boolean array "
                                         "broadcastable"):
        fnp.piecewise(a, [a[:2] > 0], [1.0])
    with pytest.raises(TypeError, match="unwrap: p must be real"):
        fnp.unwrap(a * 1j)
    with pytest.raises(ValueError, match="unwrap requires input that is at least one"):
        fnp.unwrap(1.0)
    with pytest.raises(ValueError, match="partition: kth 4 is out of bounds"):
        fnp.partition(a, 4)
    with pytest.raises(TypeError, match="argpartition: kth must be a concrete integer"):
        fnp.argpartition(a, 1.5)
    with pytest.raises(TypeError, match="argpartition: kth must be a concrete integer"):
        fungrad.jit(lambda a, k: fnp.argpartition(a, k))(a, 1)
    assert_same_as_numpy(fnp.place(a, a > 1, 5.0, inplace=False), np.array([0, 1, 5, 5.0]))
    assert_same_as_numpy(fnp.place(a, a > 9, np.zeros(0), inplace=False), a)  # numpy's too


def test_complex_values():
    a = np.array([1.0 + 1j, 2.0, -1j, 0.5j])
    mask = np.array([True, False, True, False])
    assert_same_as_numpy(fnp.place(a, mask, np.array([9j]), inplace=False),
                         _place(np, a, mask, np.array([9j])))
    assert_same_as_numpy(fnp.put(a, np.array([1, 3]), np.array([2 - 2j, 3j]), inplace=False),
                         _put(np, a, np.array([1, 3]), np.array([2 - 2j, 3j])))
    x = np.array([-1.0, 2.0])
    assert_same_as_numpy(fnp.piecewise(x.astype(complex), [x > 0], [lambda v: v * 1j, 1.0]),
                         np.piecewise(x.astype(complex), [x > 0], [lambda v: v * 1j, 1.0]))


def test_piecewise_array_condlist_is_read_along_its_first_axis():
    # JAX's reading (its docstring's example): an array's rows, or scalars, are the
    # conditions, each broadcast against x; numpy reads the same as this list of full masks
    x = np.linspace(-2.0, 2.0, 6).reshape(2, 3)
    funcs = [lambda v: v * v, lambda v: fnp.sin(v) * 3.0, 2.0]
    np_funcs = [lambda v: v * v, lambda v: np.sin(v) * 3.0, 2.0]
    for cond in (np.array([False, True]), np.array([True, True]), np.array([False, False]),
                 np.array([[True, False, True], [False, False, True]]),
                 np.array([[1, 0, 2], [0, 0, 1]])):
        full = [np.broadcast_to(c, x.shape).astype(bool) for c in cond]
        want = np.piecewise(x, full, np_funcs)
        assert_same_as_numpy(fnp.piecewise(x, cond, funcs), want)
        assert_same_as_numpy(fungrad.jit(lambda x, c: fnp.piecewise(x, c, funcs))(x, cond),
                             want)
        assert_derivatives(lambda x: fnp.piecewise(x, cond, funcs), (x,))
    scalar_conds = np.array([[False, True], [True, False], [False, False]])
    batched = fungrad.vmap(lambda c: fnp.piecewise(x, c, funcs))(scalar_conds)
    assert_same_as_numpy(batched, np.stack([np.piecewise(x, [np.full(x.shape, b) for b in c],
                                                         np_funcs) for c in scalar_conds]))
    assert_same_as_numpy(fnp.piecewise(x, True, [lambda v: -v]), -x)  # a scalar: one
    y = np.arange(-4, 5)
    with pytest.raises(ValueError, match=r"with 9 condition\(s\) funclist must have 9 or 10 "
                                         r"entries, got 2 .*pass \[cond\]"):
        fnp.piecewise(y, y > 0, [0, 1])
    with pytest.raises(ValueError, match=r"broadcastable to x's shape \(9,\), got condition "
                                         r"0: bool\[3\]"):
        fnp.piecewise(y, [y[:3] > 0], [0, 1])
    with pytest.raises(ValueError, match="more axes than x"):
        fnp.piecewise(y, [np.ones((2, 9), bool)], [0, 1])
