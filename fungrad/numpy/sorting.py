"""Sorting: sort (differentiable through its permutation), argsort, lexsort, partition,
argpartition."""
from __future__ import annotations

import builtins

import numpy as np  # noqa: F401  (the examples use it)

from fungrad.numpy._util import _arr, _axis, _ndim, _not_supported, _shape
from fungrad.numpy.indexing import take, take_along_axis
from fungrad.numpy.shapes import ravel
from fungrad.prims import structural as st


def sort(a, axis: int | None = -1, kind=None, order=None, *, stable=None):
    """numpy.sort (stable); differentiable: the gradient follows the permutation.

    >>> sort(np.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    """
    _not_supported("sort", "order", order)
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    perm = argsort(a, axis)
    return take_along_axis(a, perm, axis)


def argsort(a, axis: int | None = -1, kind=None, order=None, *, stable=None):
    """numpy.argsort (stable); zero derivative.

    >>> argsort(np.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    """
    _not_supported("argsort", "order", order)
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    return st.argsort(a, _axis(axis, _ndim(a), "argsort"))


def lexsort(keys, axis: int = -1):
    """numpy.lexsort for 1-D keys: the stable order sorting by the last key first, ties
    broken by the earlier keys (zero derivative).

    >>> lexsort([np.array([1, 0, 1]), np.array([2, 2, 1])])
    array([2, 1, 0])
    """
    keys = [_arr(k) for k in keys]
    if not keys:
        raise TypeError("fungrad.numpy.lexsort: need at least one key")
    if builtins.any(_ndim(k) != 1 for k in keys) or axis not in (-1, 0):
        raise NotImplementedError("fungrad.numpy.lexsort supports 1-D keys only")
    perm = argsort(keys[0])
    for k in keys[1:]:  # stable sorts, least significant key first
        perm = take(perm, argsort(take(k, perm)))
    return perm


def partition(a, kth: int, axis: int = -1):
    """numpy.partition: the kth element in its sorted place, smaller ones before it and
    larger ones after. fungrad returns the fully sorted array, which is such a partition
    (numpy's order within the two parts is unspecified); differentiable like ``sort``.

    >>> partition(np.array([3.0, 1.0, 4.0, 1.5]), 1)[1]
    np.float64(1.5)
    """
    a = _arr(a)
    n = _shape(a)[_axis(axis, _ndim(a), "partition")] if _ndim(a) else 0
    if not -n <= kth < n:
        raise ValueError(f"fungrad.numpy.partition: kth {kth} is out of bounds for an axis "
                         f"of length {n}")
    return sort(a, axis)


def argpartition(a, kth: int, axis: int = -1):
    """numpy.argpartition: indices that partition ``a`` (here: the sorting order, a valid
    partition for every kth).

    >>> argpartition(np.array([3.0, 1.0, 4.0, 1.5]), 1)[1]
    np.int64(3)
    """
    a = _arr(a)
    n = _shape(a)[_axis(axis, _ndim(a), "argpartition")] if _ndim(a) else 0
    if not -n <= kth < n:
        raise ValueError(f"fungrad.numpy.argpartition: kth {kth} is out of bounds for an "
                         f"axis of length {n}")
    return argsort(a, axis)
