"""fungrad.numpy sets and the remaining sorting functions: unique (size=), isin, union1d,
intersect1d, setdiff1d, setxor1d, lexsort, partition, argpartition."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy

A = np.array([3.0, 1.0, np.nan, 3.0, 2.0, np.nan, 1.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.bool_])
def test_unique_and_set_operations_match_numpy(dtype):
    x = np.array([3, 1, 3, 2, 0, 1]).astype(dtype)
    y = np.array([2, 5, 1]).astype(dtype)
    for name, args in [("unique", (x,)), ("union1d", (x, y)), ("intersect1d", (x, y)),
                       ("setdiff1d", (x, y)), ("setxor1d", (x, y)), ("isin", (x, y))]:
        assert_same_as_numpy(getattr(fnp, name)(*args), getattr(np, name)(*args))
    for got, want in zip(fnp.unique(x, return_counts=True), np.unique(x, return_counts=True)):
        assert_same_as_numpy(got, want)
    # numpy leaves unique_values' order open; fungrad's (and JAX's) is sorted
    assert_same_as_numpy(fnp.unique_values(x), np.sort(np.unique_values(x)))
    assert_same_as_numpy(fnp.unique_counts(x).counts, np.unique_counts(x).counts)
    assert_same_as_numpy(fnp.unique_inverse(x).inverse_indices,
                         np.unique_inverse(x).inverse_indices)
    assert_same_as_numpy(fnp.unique_all(x).indices, np.unique_all(x).indices)


@pytest.mark.parametrize("size", [1, 3, 6])
def test_unique_with_size_under_jit_and_vmap(size):
    want = np.unique(A)  # [1, 2, 3, nan]
    padded = np.concatenate([want, np.full(size, -1.0)])[:size]
    got = fungrad.jit(lambda a: fnp.unique(a, size=size, fill_value=-1.0))(A)
    assert_same_as_numpy(got, padded)
    rows = np.stack([A, A[::-1] * 2.0])
    batched = fungrad.vmap(lambda r: fnp.unique(r, size=size, fill_value=-1.0))(rows)
    for r, b in zip(rows, batched):
        assert_same_as_numpy(b, np.concatenate([np.unique(r), np.full(size, -1.0)])[:size])
    x = np.array([2.0, 5.0, 2.0])
    assert_same_as_numpy(fnp.unique(x, size=3), np.array([2.0, 5.0, 2.0]))  # fill: the min
    assert_same_as_numpy(fungrad.jit(lambda a, b: fnp.union1d(a, b, size=4))(x, x + 1.0),
                         np.array([2.0, 3.0, 5.0, 6.0]))
    assert_derivatives(lambda a: fnp.unique(a, size=2), (np.array([0.5, 2.0, 1.0]),))


def test_isin_traced():
    x = np.array([[1, 2], [3, 4]])
    got = fungrad.jit(lambda a, t: fnp.isin(a, t, invert=True))(x, np.array([2, 3]))
    assert_same_as_numpy(got, np.isin(x, [2, 3], invert=True))
    assert_same_as_numpy(fnp.isin(x, []), np.isin(x, []))


def test_lexsort_and_partition():
    k1, k2 = np.array([1, 0, 1, 0, 2]), np.array([2.0, 2.0, 1.0, 1.0, 1.0])
    assert_same_as_numpy(fnp.lexsort([k1, k2]), np.lexsort([k1, k2]))
    assert_same_as_numpy(fungrad.jit(lambda a, b: fnp.lexsort((a, b)))(k1, k2),
                         np.lexsort((k1, k2)))
    x = np.array([3.0, -1.0, 4.0, 1.5, 0.5])
    for kth in (0, 2, -1):
        part = fnp.partition(x, kth)
        want = np.partition(x, kth)
        assert part[kth] == want[kth]
        assert np.all(part[:kth % 5] <= part[kth]) and np.all(part[kth % 5:] >= part[kth])
        idx = fnp.argpartition(x, kth)
        assert x[idx][kth] == want[kth]
    assert_derivatives(lambda a: fnp.partition(a, 2)[2], (x,))


def test_bad_inputs():
    with pytest.raises(TypeError, match="unique: the result's size depends"):
        fungrad.jit(fnp.unique)(A)
    with pytest.raises(ValueError, match="partition: kth 7 is out of bounds"):
        fnp.partition(np.ones(3), 7)
    with pytest.raises(ValueError, match="lexsort: keys must be arrays of one shape"):
        fnp.lexsort([np.ones((2, 2)), np.ones(2)])
    with pytest.raises(NotImplementedError, match="size= with axis= is not supported"):
        fnp.unique(np.ones((2, 2)), axis=0, size=3)
    with pytest.raises(TypeError, match="unique: size must be a concrete non-negative"):
        fnp.unique(A, size=-1)
    assert fnp.unique(np.array([1, 1])).tolist() == [1]
