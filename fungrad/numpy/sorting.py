"""Sorting: sort (differentiable through its permutation), argsort, lexsort, and the partial
sorts partition and argpartition (a selection primitive, in JAX's output order)."""
from __future__ import annotations

import builtins

import numpy as np  # noqa: F401  (the examples use it)

from fungrad.core import Tracer
from fungrad.numpy._util import _arr, _axis, _ndim, _not_supported, _shape
from fungrad.numpy.indexing import take, take_along_axis
from fungrad.numpy.shapes import moveaxis, ravel
from fungrad.numpy.dtypes import astype
from fungrad.prims import elementwise as ew
from fungrad.prims import ordering
from fungrad.prims import structural as st


def sort(a, axis: int | None = -1, kind=None, order=None, *, stable: bool = True,
         descending: bool = False):
    """numpy.sort (stable); differentiable: the gradient follows the permutation.
    ``descending=True`` sorts largest first (NaNs first), as JAX's keyword does.

    >>> sort(np.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    >>> sort(np.array([3.0, 1.0, 2.0]), descending=True)
    array([3., 2., 1.])
    """
    _not_supported("sort", "order", order)
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    perm = argsort(a, axis, descending=descending)
    return take_along_axis(a, perm, axis)


def argsort(a, axis: int | None = -1, kind=None, order=None, *, stable: bool = True,
            descending: bool = False, dtype=None):
    """numpy.argsort (stable); zero derivative. ``descending=True`` orders largest first
    and keeps equal elements in their original order, as JAX does.

    >>> argsort(np.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    >>> argsort(np.array([1, 2, 1, 2]), descending=True)
    array([1, 3, 0, 2])
    """
    _not_supported("argsort", "order", order)
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, _ndim(a), "argsort")
    if not descending:
        perm = st.argsort(a, axis)
    else:  # the ascending stable order of the reversed array, read backwards, keeps ties
        last = _shape(a)[axis] - 1  # in their original order
        perm = ew.sub(last, st.rev(st.argsort(st.rev(a, (axis,)), axis), (axis,)))
    return perm if dtype is None else astype(perm, dtype)


def lexsort(keys, axis: int = -1):
    """numpy.lexsort: the stable order along ``axis`` sorting by the last key first, ties
    broken by the earlier keys (keys of one shape; zero derivative).

    >>> lexsort([np.array([1, 0, 1]), np.array([2, 2, 1])])
    array([2, 1, 0])
    >>> lexsort([np.array([[2, 1], [1, 2]])], axis=0)
    array([[1, 0],
           [0, 1]])
    """
    keys = [_arr(k) for k in keys]
    if not keys:
        raise TypeError("fungrad.numpy.lexsort: need at least one key")
    shape = _shape(keys[0])
    if builtins.any(_shape(k) != shape for k in keys) or not shape:
        raise ValueError(f"fungrad.numpy.lexsort: keys must be arrays of one shape with at "
                         f"least one axis, got shapes {[_shape(k) for k in keys]}")
    axis = _axis(axis, len(shape), "lexsort")
    perm = argsort(keys[0], axis=axis)
    for k in keys[1:]:  # stable sorts, least significant key first
        perm = take_along_axis(perm, argsort(take_along_axis(k, perm, axis), axis=axis), axis)
    return perm


def _kth(a, kth, axis, func: str):
    """``a`` with ``axis`` moved last (flattened when None), and ``kth`` made non-negative."""
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, _ndim(a), func)
    n = _shape(a)[axis]
    if isinstance(kth, Tracer) or isinstance(kth, (bool, np.bool_)) or not isinstance(
            kth, (int, np.integer)):
        raise TypeError(f"fungrad.numpy.{func}: kth must be a concrete integer (as in JAX), "
                        f"got {kth!r}")
    if not -n <= kth < n:
        raise ValueError(f"fungrad.numpy.{func}: kth {kth} is out of bounds for an axis of "
                         f"length {n}")
    return moveaxis(a, axis, -1), int(kth) % n, axis


def partition(a, kth: int, axis: int | None = -1):
    """numpy.partition with JAX's order: along ``axis``, the ``kth + 1`` smallest elements
    first, sorted (so the kth smallest is at index ``kth``), then the others, largest first.
    Any numpy partition has the kth element in place and no larger one before it; JAX's
    also fixes the order within the parts. The bottom part is found by a selection
    (``O(n + k log k)``), then the top part is sorted, as that order asks. NaNs go last.
    Differentiable: the derivative follows the elements.

    >>> partition(np.array([6, 8, 4, 3, 1, 9, 7, 5, 2, 3]), 4)  # JAX's documented example
    array([1, 2, 3, 3, 4, 9, 8, 7, 6, 5])
    """
    moved, k, axis = _kth(a, kth, axis, "partition")
    perm = ordering.argpartition(moved, k)
    n = _shape(moved)[-1]
    bottom = take_along_axis(moved, st.slice_axis(perm, _ndim(perm) - 1, 0, k + 1), -1)
    top = take_along_axis(moved, st.slice_axis(perm, _ndim(perm) - 1, k + 1, n), -1)
    top = st.rev(sort(top, -1), (_ndim(top) - 1,))  # largest first, as JAX's top_k
    return moveaxis(st.concatenate([bottom, top], _ndim(top) - 1), -1, axis)


def argpartition(a, kth: int, axis: int | None = -1):
    """numpy.argpartition with JAX's order: indices of the ``kth + 1`` smallest elements
    along ``axis``, ordered by value (ties by position), then the indices of the others in
    increasing order. (Unlike ``partition``'s top part, which is sorted, as in JAX.) Zero
    derivative.

    >>> argpartition(np.array([6, 8, 4, 3, 1, 9, 7, 5, 2, 3]), 4)  # JAX's documented example
    array([4, 8, 3, 9, 2, 0, 1, 5, 6, 7])
    """
    moved, k, axis = _kth(a, kth, axis, "argpartition")
    return moveaxis(ordering.argpartition(moved, k), -1, axis)
