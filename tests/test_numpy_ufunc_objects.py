"""jax.numpy.ufunc / frompyfunc: calls, reduce, accumulate, reduceat, outer and at against
numpy's ufunc methods (on numpy ufuncs computing the same function), under jit and vmap,
derivatives through the folds and the index loop, and bad input. JAX's own results for a
non-associative function are in test_numpy_jax_values.py."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy, rand

ADD = fnp.frompyfunc(lambda x, y: x + y, 2, 1, identity=0)
MAX = fnp.ufunc(lambda x, y: fnp.maximum(x, y), 2, 1, name="maximum")
MUL_ADD = fnp.frompyfunc(lambda x, y: x * y + 1.0, 2, 1)  # no identity, not associative
X = rand((3, 4), seed=3)


def _fold(values, start=None):
    """``MUL_ADD.reduce`` by hand: the left fold over a 1-D sequence."""
    acc = values[0] if start is None else start
    for v in values[1 if start is None else 0:]:
        acc = acc * v + 1.0
    return acc


def test_call_and_attributes():
    assert (MUL_ADD.nin, MUL_ADD.nout, MUL_ADD.nargs, MUL_ADD.identity) == (2, 1, 2, None)
    assert repr(MAX) == "<jnp.ufunc 'maximum'>" and MAX.__name__ == "maximum"
    assert_same_as_numpy(ADD(X, np.arange(4.0)), np.add(X, np.arange(4.0)))
    assert_same_as_numpy(ADD(np.int32(2), np.arange(3, dtype=np.int32)),
                         np.add(np.int32(2), np.arange(3, dtype=np.int32)))
    two = fnp.frompyfunc(lambda v: (v, v * 2.0), 1, 2)
    first, second = two(np.arange(3.0))
    assert_same_as_numpy(second, np.arange(3.0) * 2.0)


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_reduce_and_accumulate_like_numpy(axis):
    for ours, theirs in [(ADD, np.add), (MAX, np.maximum)]:
        assert_same_as_numpy(ours.reduce(X, axis=axis), theirs.reduce(X, axis=axis))
        assert_same_as_numpy(ours.reduce(X, axis=axis, keepdims=True),
                             theirs.reduce(X, axis=axis, keepdims=True))
        assert_same_as_numpy(ours.reduce(X, axis=axis, initial=0.5),
                             theirs.reduce(X, axis=axis, initial=0.5))
        if axis is not None:
            assert_same_as_numpy(ours.accumulate(X, axis=axis), theirs.accumulate(X, axis=axis),
                                 rtol=1e-14)
    jitted = fungrad.jit(lambda x: MUL_ADD.reduce(x, axis=axis))(X)
    expected = _fold(X.ravel()) if axis is None else np.apply_along_axis(_fold, axis, X)
    assert_same_as_numpy(jitted, expected, rtol=1e-13)


def test_empty_where_reduceat_outer_at():
    assert_same_as_numpy(ADD.reduce(np.zeros((0, 3)), axis=0), np.add.reduce(np.zeros((0, 3))))
    mask = np.array([True, False, True, True])
    assert_same_as_numpy(ADD.reduce(X, axis=1, where=mask), np.add.reduce(X, 1, where=mask))
    idx = np.array([0, 3, 1, 2])
    assert_same_as_numpy(ADD.reduceat(X, idx, axis=1), np.add.reduceat(X, idx, axis=1))
    assert_same_as_numpy(MAX.reduceat(np.arange(8.0), np.array([0, 4, 1, 5])),
                         np.maximum.reduceat(np.arange(8.0), [0, 4, 1, 5]))
    assert_same_as_numpy(ADD.outer(X[0], X[1, :2]), np.add.outer(X[0], X[1, :2]))
    a, ind, b = np.zeros(5), np.array([0, 0, 3, 4, 0]), np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    expected = a.copy()
    np.add.at(expected, ind, b)
    assert_same_as_numpy(ADD.at(a, ind, b, inplace=False), expected)
    expected = X.copy()
    np.maximum.at(expected, (np.array([0, 2, 0]), np.array([1, 1, 1])), 0.9)
    assert_same_as_numpy(MAX.at(X, (np.array([0, 2, 0]), np.array([1, 1, 1])), 0.9,
                                inplace=False), expected)
    square = fnp.frompyfunc(lambda v: v * v, 1, 1)
    expected = X.copy()
    np.square.at(expected, np.array([1, 1]))  # rows: applied twice
    assert_same_as_numpy(square.at(X, np.array([1, 1]), inplace=False), expected)


def test_traced_and_batched():
    batched = fungrad.vmap(lambda x: MUL_ADD.accumulate(x))(X)
    for row, out in zip(X, batched):
        assert_same_as_numpy(out, np.array([_fold(row[:k + 1]) for k in range(4)]),
                             rtol=1e-13)
    at = fungrad.jit(lambda a, i, b: ADD.at(a, i, b, inplace=False))
    expected = np.zeros(4)
    np.add.at(expected, [2, 2, 1], [1.0, 2.0, 3.0])
    assert_same_as_numpy(at(np.zeros(4), np.array([2, 2, 1]), np.array([1.0, 2.0, 3.0])),
                         expected)


def test_derivatives():
    assert_derivatives(lambda x: MUL_ADD.reduce(x, axis=1), (X,))
    assert_derivatives(lambda x: MUL_ADD.accumulate(x, axis=0), (X,))
    assert_derivatives(lambda x: MUL_ADD.reduce(x, axis=None, initial=0.5), (X[:2],))
    assert_derivatives(lambda a, b: MUL_ADD.at(a, np.array([0, 0, 2]), b, inplace=False),
                       (rand((4,), seed=1), rand((3,), seed=2)))
    assert_derivatives(lambda x: MUL_ADD.reduceat(x, np.array([0, 2, 1]), axis=1), (X,))
    assert_derivatives(lambda x, y: MUL_ADD.outer(x, y), (X[0], X[1, :2]))
    g = fungrad.grad(lambda x: MUL_ADD.reduce(x))(X[0].astype(np.float32))
    assert g.dtype == np.float32


def test_bad_inputs():
    with pytest.raises(ValueError, match="zero-size array to reduction operation <lambda>"):
        MUL_ADD.reduce(np.zeros(0))
    with pytest.raises(ValueError, match=r"ufunc <lambda>.reduce is only for binary ufuncs"):
        fnp.frompyfunc(lambda v: v, 1, 1).reduce(X)
    with pytest.raises(ValueError, match="at cannot modify arrays in-place"):
        ADD.at(X, np.array([0]), 1.0)
    with pytest.raises(ValueError, match="where= needs initial= or an identity"):
        MUL_ADD.reduce(X, where=np.ones(4, bool))
    with pytest.raises(NotImplementedError, match="a tuple of axes"):
        ADD.reduce(X, axis=(0, 1))
    with pytest.raises(TypeError, match=r"takes 2 argument\(s\), got 1"):
        ADD(X)
    with pytest.raises(TypeError, match="reduceat: indices must be concrete"):
        fungrad.jit(lambda i: ADD.reduceat(X, i, axis=1))(np.array([0, 2]))
    with pytest.raises(ValueError, match=r"reduceat: indices must be 1-D integers in \[0, 4\)"):
        ADD.reduceat(X, np.array([0, 9]), axis=1)
    with pytest.raises(TypeError, match="at: indices must be integer arrays"):
        ADD.at(X, np.array([0.5]), 1.0, inplace=False)
    with pytest.raises(TypeError, match="func must be callable"):
        fnp.ufunc(3, 2, 1)
    assert_same_as_numpy(ADD.reduce(X), np.add.reduce(X))  # still works


@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "minimum", "subtract"])
def test_numpy_binary_ufuncs_have_the_methods(name):
    ours, theirs = getattr(fnp, name), getattr(np, name)
    assert (ours.nin, ours.nout) == (2, 1)
    for axis in (0, 1) if name == "subtract" else (0, 1, None):  # numpy: not reorderable
        assert_same_as_numpy(ours.reduce(X, axis=axis), theirs.reduce(X, axis=axis))
    assert_same_as_numpy(ours.reduce(X, axis=1, keepdims=True),
                         theirs.reduce(X, axis=1, keepdims=True))
    assert_same_as_numpy(ours.accumulate(X, axis=1), theirs.accumulate(X, axis=1), rtol=1e-14)
    assert_same_as_numpy(ours.outer(X[0], X[1]), theirs.outer(X[0], X[1]))
    assert_same_as_numpy(ours.reduceat(X[0], np.array([0, 2])), theirs.reduceat(X[0], [0, 2]))
    index = (np.array([0, 0, 2]), np.array([1, 1, 3]))
    expected = X.copy()
    theirs.at(expected, index, np.array([2.0, 3.0, 4.0]))
    assert_same_as_numpy(ours.at(X, index, np.array([2.0, 3.0, 4.0]), inplace=False), expected)
    jitted = fungrad.jit(lambda x, v: ours.at(x, index, v, inplace=False))(X, np.ones(3))
    expected = X.copy()
    theirs.at(expected, index, np.ones(3))
    assert_same_as_numpy(jitted, expected)
    assert_derivatives(lambda x: ours.reduce(x, axis=1), (X,))


def test_logical_and_bitwise_reductions():
    b = np.array([[True, False, True], [True, True, True]])
    for name in ("logical_and", "logical_or"):
        assert_same_as_numpy(getattr(fnp, name).reduce(b, axis=1),
                             getattr(np, name).reduce(b, axis=1))
    assert_same_as_numpy(fnp.logical_xor.reduce(b[0]), np.logical_xor.reduce(b[0]))
    i = np.array([7, 3, 5])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        assert_same_as_numpy(getattr(fnp, name).reduce(i), getattr(np, name).reduce(i))
    assert fnp.add.identity == 0 and fnp.multiply.identity == 1
    assert_same_as_numpy(fnp.add.reduce(np.zeros((0, 2))), np.add.reduce(np.zeros((0, 2))))
