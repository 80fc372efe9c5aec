"""Sorting: sort (differentiable through its permutation) and argsort."""
from __future__ import annotations

import numpy as np  # noqa: F401  (the examples use it)

from fungrad.numpy._util import _arr, _axis, _ndim, _not_supported
from fungrad.numpy.indexing import take_along_axis
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
