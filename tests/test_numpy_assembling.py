"""fungrad.numpy functions that assemble, cut and index arrays: append, concat, block,
unstack, h/v/dsplit, delete, insert, resize, rollaxis, meshgrid, mgrid, ogrid, r_, c_, s_,
index_exp, ix_, indices, triangle/diagonal indices, diagflat, fill_diagonal, vander,
unravel_index, ravel_multi_index."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_same_as_numpy
from numpy_table import table_tests


def _fill_diagonal(m, a, v, wrap=False):
    if m is np:
        a = a.copy()
        np.fill_diagonal(a, v, wrap)
        return a
    return m.fill_diagonal(a, v, wrap, inplace=False)


TABLE = [
    ("append", lambda m, x, y: m.append(x, y), [((3,), (2,)), ((2, 2), ()), ((0,), (2,))]),
    ("append_axis", lambda m, x, y: m.append(x, y, axis=1), [((2, 2), (2, 3))]),
    ("concat", lambda m, x, y: m.concat([x, y], axis=0), [((2,), (3,)), ((1, 2), (2, 2))]),
    ("block", lambda m, a, b, c, d: m.block([[a, b], [c, d]]),
     [((2, 2), (2, 1), (1, 2), (1, 1))]),
    ("block_flat", lambda m, a, b: m.block([a, b, 1.5]), [((2,), (3,)), ((), ())]),
    ("block_deep", lambda m, a, b: m.block([[[a]], [[b]]]), [((2,), (2,))]),
    ("unstack", lambda m, x: list(m.unstack(x)) if m is fnp else
     [x[i] for i in range(x.shape[0])], [((3,),), ((2, 3),)]),
    ("unstack_axis", lambda m, x: list(m.unstack(x, axis=1)) if m is fnp else
     [x[:, i] for i in range(x.shape[1])], [((2, 3),)]),
    ("hsplit", lambda m, x: m.hsplit(x, 2), [((4,),), ((3, 4),)]),
    ("vsplit", lambda m, x: m.vsplit(x, [1]), [((3, 2),)]),
    ("dsplit", lambda m, x: m.dsplit(x, 2), [((1, 2, 4),)]),
    ("delete", lambda m, x: m.delete(x, [0, 2]), [((4,),), ((2, 3),)]),
    ("delete_axis", lambda m, x: m.delete(x, slice(0, 3, 2), axis=1), [((2, 4),)]),
    ("delete_mask", lambda m, x: m.delete(x, np.array([True, False, True]), axis=0),
     [((3, 2),)]),
    ("insert", lambda m, x, v: m.insert(x, 1, v), [((3,), ()), ((3,), (2,))]),
    ("insert_list", lambda m, x, v: m.insert(x, [0, 3, 3], v), [((3,), (3,)), ((3,), ())]),
    ("insert_axis", lambda m, x, v: m.insert(x, 1, v, axis=1), [((2, 3), ()), ((2, 3), (2,))]),
    ("insert_axis_list", lambda m, x, v: m.insert(x, [2], v, axis=0), [((2, 3), (3,))]),
    ("resize", lambda m, x: m.resize(x, (2, 4)), [((3,),), ((2, 2),), ((7,),)]),
    ("rollaxis", lambda m, x: m.rollaxis(x, 2), [((2, 3, 4),)]),
    ("rollaxis_start", lambda m, x: m.rollaxis(x, 0, 3), [((2, 3, 4),)]),
    ("meshgrid", lambda m, x, y: m.meshgrid(x, y), [((3,), (2,)), ((), (2,))]),
    ("meshgrid_ij", lambda m, x, y, z: m.meshgrid(x, y, z, indexing="ij"),
     [((3,), (2,), (4,))]),
    ("meshgrid_sparse", lambda m, x, y: m.meshgrid(x, y, sparse=True), [((3,), (2,))]),
    ("r_", lambda m, x, y: m.r_[x, 1.5, y, 0:2], [((3,), (2,))]),
    ("r_axis", lambda m, x, y: m.r_["-1", x, y], [((2, 2), (2, 1))]),
    ("r_ndmin", lambda m, x, y: m.r_["0,2", x, y], [((3,), (3,))]),
    ("r_ndmin_trans", lambda m, x, y: m.r_["1,2,0", x, y], [((3,), (3,))]),
    ("c_", lambda m, x, y: m.c_[x, y], [((3,), (3,)), ((3, 2), (3,))]),
    ("diagflat", lambda m, x: m.diagflat(x), [((3,),), ((2, 2),)]),
    ("diagflat_k", lambda m, x: m.diagflat(x, -1), [((2,),)]),
    ("fill_diagonal", lambda m, a, v: _fill_diagonal(m, a, v), [((3, 3), ()), ((2, 4), (2,)),
                                                               ((4, 2), (3,))]),
    ("fill_diagonal_wrap", lambda m, a, v: _fill_diagonal(m, a, v, True), [((7, 3), ())]),
    ("fill_diagonal_3d", lambda m, a: _fill_diagonal(m, a, 2.0), [((2, 2, 2),)]),
    ("vander", lambda m, x: m.vander(x), [((3,),), ((0,),)]),
    ("vander_n", lambda m, x: m.vander(x, 4, increasing=True), [((3,),)]),
]


test_values, test_trace_jit_vmap, test_derivatives = table_tests(TABLE)


def test_grids_and_index_expressions():
    for ours, theirs in [(fnp.mgrid[0:3, 0:4:2], np.mgrid[0:3, 0:4:2]),
                         (fnp.mgrid[0:1:5j], np.mgrid[0:1:5j]),
                         (fnp.mgrid[-1:1:3j, 0:2], np.mgrid[-1:1:3j, 0:2])]:
        assert_same_as_numpy(ours, theirs)
    for o, t in zip(fnp.ogrid[0:3, 0:2], np.ogrid[0:3, 0:2]):
        assert_same_as_numpy(o, t)
    assert_same_as_numpy(fnp.r_[1:4, 7, np.array([9, 10])], np.r_[1:4, 7, np.array([9, 10])])
    assert_same_as_numpy(fnp.r_[0:1:3j], np.r_[0:1:3j])
    assert_same_as_numpy(fnp.r_["r", [1, 2], [3, 4]], np.asarray(np.r_["r", [1, 2], [3, 4]]))
    assert fnp.s_[1:3, ::2] == np.s_[1:3, ::2] and fnp.index_exp[2] == np.index_exp[2]
    for o, t in zip(fnp.ix_(np.array([0, 2]), np.array([True, False, True])),
                    np.ix_(np.array([0, 2]), np.array([True, False, True]))):
        assert_same_as_numpy(o, t)
    assert_same_as_numpy(fnp.indices((2, 3)), np.indices((2, 3)))
    for name, args in [("tril_indices", (3,)), ("tril_indices", (3, 1, 4)),
                       ("triu_indices", (4, -1)), ("diag_indices", (3, 3))]:
        for o, t in zip(getattr(fnp, name)(*args), getattr(np, name)(*args)):
            assert_same_as_numpy(o, t)
    a = np.ones((3, 4))
    for name in ("tril_indices_from", "triu_indices_from"):
        for o, t in zip(getattr(fnp, name)(a, 1), getattr(np, name)(a, 1)):
            assert_same_as_numpy(o, t)
    for o, t in zip(fnp.diag_indices_from(np.ones((2, 2, 2))),
                    np.diag_indices_from(np.ones((2, 2, 2)))):
        assert_same_as_numpy(o, t)


def test_unravel_and_ravel_multi_index_traced():
    flat = np.array([0, 5, 7, 11])
    want = np.unravel_index(flat, (3, 4))
    got = fungrad.jit(lambda i: fnp.unravel_index(i, (3, 4)))(flat)
    for g, w in zip(got, want):
        assert_same_as_numpy(g, w)
    back = fungrad.jit(lambda a, b: fnp.ravel_multi_index((a, b), (3, 4)))(*want)
    assert_same_as_numpy(back, flat)
    wrapped = fungrad.jit(lambda a: fnp.ravel_multi_index((a, a), (3, 4), mode="wrap"))(flat)
    assert_same_as_numpy(wrapped, np.ravel_multi_index((flat, flat), (3, 4), mode="wrap"))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_and_bool_inputs(dtype):
    x = (np.array([3, 1, 2]) % (2 if dtype is np.bool_ else 5)).astype(dtype)
    for f in (lambda m: m.append(x, x), lambda m: m.delete(x, 1),
              lambda m: m.insert(x, 1, x[0]), lambda m: m.resize(x, 5),
              lambda m: m.diagflat(x), lambda m: m.vander(x), lambda m: m.r_[x, x],
              lambda m: m.block([x, x])):
        assert_same_as_numpy(f(fnp), f(np))


def test_bad_inputs():
    with pytest.raises(ValueError, match="block: lists cannot be empty"):
        fnp.block([[]])
    with pytest.raises(ValueError, match="block: list depths are mismatched"):
        fnp.block([[1.0, 2.0], 3.0])
    with pytest.raises(ValueError, match="vsplit only works on arrays of 1"):
        fnp.vsplit(np.ones(()), 3)
    with pytest.raises(IndexError, match="delete: index"):
        fnp.delete(np.ones(3), 5)
    with pytest.raises(ValueError, match="insert: values"):
        fnp.insert(np.ones((2, 3)), [0, 1], np.ones((3, 3)), axis=1)
    with pytest.raises(NotImplementedError, match="inplace=False"):
        fnp.fill_diagonal(np.ones((2, 2)), 1.0)
    with pytest.raises(ValueError, match="meshgrid: indexing"):
        fnp.meshgrid(np.ones(2), indexing="xz")
    with pytest.raises(ValueError, match="ix_: cross index must be 1 dimensional"):
        fnp.ix_(np.ones((2, 2), int))
    with pytest.raises(ValueError, match="rollaxis: start"):
        fnp.rollaxis(np.ones((2, 2)), 0, 5)
    assert fnp.append(np.ones(1), 2.0).tolist() == [1.0, 2.0]


def test_delete_assume_unique_indices_traces():
    # with unique integer indices the result's length is known from their count, so they may
    # be traced (JAX's assume_unique_indices): the same as numpy's delete on the same indices
    from helpers import assert_derivatives
    x = np.arange(24.0).reshape(4, 6) * 0.5
    jitted = fungrad.jit(fnp.delete, static_argnames=["axis", "assume_unique_indices"])
    for idx, axis in [(np.array([0, 1, 3]), None), (np.array([3, 0, -1]), 1), (np.array(2), 0),
                      (np.array([[5], [1]]), 1), (np.zeros(0, int), 0), (np.arange(4), 0)]:
        want = np.delete(x, idx, axis)
        assert_same_as_numpy(jitted(x, idx, axis, assume_unique_indices=True), want)
        assert_same_as_numpy(fnp.delete(x, idx, axis, assume_unique_indices=True), want)
    rows = np.array([[0, 5], [2, 3], [-1, 4]])
    assert_same_as_numpy(
        fungrad.vmap(lambda i: fnp.delete(x, i, 1, assume_unique_indices=True))(rows),
        np.stack([np.delete(x, i, 1) for i in rows]))
    idx = np.array([4, 1])
    assert_derivatives(lambda a: jitted(a, idx, 1, assume_unique_indices=True), (x,))
    with pytest.raises(TypeError, match=r"delete: obj \(i64\[3\]\) must be concrete.*pass "
                                        r"assume_unique_indices=True"):
        jitted(x, np.array([0, 1, 3]))
    with pytest.raises(TypeError, match=r"with assume_unique_indices=True obj must be integers "
                                        r"\(a mask must be concrete\), got bool\[6\]"):
        jitted(x, np.ones(6, bool), 1, assume_unique_indices=True)
    with pytest.raises(ValueError, match="7 unique indices cannot be deleted from axis 1 of "
                                         "length 6"):
        jitted(x, np.arange(7), 1, assume_unique_indices=True)
    # a concrete mask still goes numpy's way
    mask = np.array([True, False, True, False])
    assert_same_as_numpy(fnp.delete(x, mask, 0, assume_unique_indices=True),
                         np.delete(x, mask, 0))
