"""Joining, splitting and tiling: concatenate, stack, split, tile, repeat."""
from __future__ import annotations

import builtins

import numpy as np

from fungrad.numpy._util import _arr, _axis, _ndim, _shape, _slice_along, _traced
from fungrad.numpy.dtypes import astype
from fungrad.numpy.indexing import take
from fungrad.numpy.reductions import sum  # noqa: F401  (the examples use it)
from fungrad.numpy.shapes import atleast_1d, atleast_2d, atleast_3d, expand_dims, ravel, \
    reshape, broadcast_to
from fungrad.prims import structural as st


def concatenate(arrays, axis: int | None = 0, dtype=None):
    """numpy.concatenate.

    >>> concatenate([np.ones(2), np.zeros(1)])
    array([1., 1., 0.])
    >>> concatenate([np.ones((1, 2)), np.zeros((1, 2))], axis=None)
    array([1., 1., 0., 0.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(concatenate([x, 2.0 * x])))(np.ones(2))
    array([3., 3.])
    """
    arrays = [_arr(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    if builtins.any(_ndim(a) == 0 for a in arrays):
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = _axis(axis, _ndim(arrays[0]), "concatenate")
    if dtype is not None:
        arrays = [astype(a, dtype) for a in arrays]
    if not _traced(*arrays):
        return np.concatenate(arrays, axis)
    return st.concatenate(arrays, axis)


def stack(arrays, axis: int = 0, dtype=None):
    """numpy.stack.

    >>> stack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    >>> stack([np.array([1.0, 2.0]), np.array([3.0, 4.0])], axis=1)
    array([[1., 3.],
           [2., 4.]])
    """
    arrays = [_arr(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {_shape(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"all input arrays must have the same shape, got {sorted(shapes)}")
    axis = _axis(axis, _ndim(arrays[0]) + 1, "stack")
    return concatenate([expand_dims(a, axis) for a in arrays], axis, dtype)


def hstack(tup, dtype=None):
    """numpy.hstack.

    >>> hstack([np.array([1.0, 2.0]), np.array([3.0])])
    array([1., 2., 3.])
    """
    arrs = [atleast_1d(a) for a in tup]
    return concatenate(arrs, 0 if _ndim(arrs[0]) == 1 else 1, dtype)


def vstack(tup, dtype=None):
    """numpy.vstack (also ``row_stack``).

    >>> vstack([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    array([[1., 2.],
           [3., 4.]])
    """
    return concatenate([atleast_2d(a) for a in tup], 0, dtype)


row_stack = vstack


def dstack(tup):
    """numpy.dstack.

    >>> dstack([np.ones((2, 2)), np.zeros((2, 2))]).shape
    (2, 2, 2)
    """
    return concatenate([atleast_3d(a) for a in tup], 2)


def column_stack(tup):
    """numpy.column_stack.

    >>> column_stack([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    array([[1., 3.],
           [2., 4.]])
    """
    cols = [reshape(_arr(a), (-1, 1)) if _ndim(_arr(a)) < 2 else _arr(a) for a in tup]
    return concatenate(cols, 1)


def array_split(ary, indices_or_sections, axis: int = 0):
    """numpy.array_split: sections may be unequal.

    >>> array_split(np.arange(5.0), 2)
    [array([0., 1., 2.]), array([3., 4.])]
    """
    a = _arr(ary)
    axis = _axis(axis, _ndim(a), "array_split")
    n = _shape(a)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError("number sections must be larger than 0.")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        lo, hi, _ = slice(int(lo), int(hi)).indices(n)  # numpy slices a[lo:hi]
        pieces.append(_slice_along(a, axis, lo, builtins.max(lo, hi)))
    return pieces


def split(ary, indices_or_sections, axis: int = 0):
    """numpy.split: equal sections, or at the given indices.

    >>> split(np.arange(4.0), 2)
    [array([0., 1.]), array([2., 3.])]
    >>> split(np.arange(5.0), [1, 3])
    [array([0.]), array([1., 2.]), array([3., 4.])]
    """
    a = _arr(ary)
    if isinstance(indices_or_sections, (int, np.integer)):
        n = _shape(a)[_axis(axis, _ndim(a), "split")]
        if n % int(indices_or_sections):
            raise ValueError("array split does not result in an equal division: "
                             f"{n} into {indices_or_sections}")
    return array_split(a, indices_or_sections, axis)


def tile(A, reps):
    """numpy.tile.

    >>> tile(np.array([1.0, 2.0]), 2)
    array([1., 2., 1., 2.])
    >>> tile(np.array([1.0, 2.0]), (2, 1))
    array([[1., 2.],
           [1., 2.]])
    """
    a = _arr(A)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    nd = builtins.max(len(reps), _ndim(a))
    reps = (1,) * (nd - len(reps)) + reps
    s = (1,) * (nd - _ndim(a)) + _shape(a)
    a = reshape(a, tuple(x for d in s for x in (1, d)))
    a = broadcast_to(a, tuple(x for r, d in zip(reps, s) for x in (r, d)))
    return reshape(a, tuple(r * d for r, d in zip(reps, s)))


def repeat(a, repeats, axis: int | None = None):
    """numpy.repeat (static repeats); each copy sends its gradient back to its source.

    >>> repeat(np.array([1.0, 2.0]), 2)
    array([1., 1., 2., 2.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(repeat(x, 3) * np.arange(6.0)))(np.ones(2))  # 0+1+2, 3+4+5
    array([ 3., 12.])
    """
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, _ndim(a), "repeat")
    idx = np.repeat(np.arange(_shape(a)[axis]), repeats)
    return take(a, idx, axis)
