"""Sets: unique (with JAX's ``size=``/``fill_value=`` for jit), isin, union1d, intersect1d,
setdiff1d, setxor1d. Without ``size`` the result's length depends on the values, so those
forms need concrete (non-traced) inputs."""
from __future__ import annotations

import numpy as np

from fungrad.core import Tracer
from fungrad.numpy._util import _array_results, _arr, _dtype, _shape, _size
from fungrad.numpy.indexing import take
from fungrad.numpy.joining import concatenate
from fungrad.numpy.reductions import any, min
from fungrad.numpy.searching import nonzero
from fungrad.numpy.shapes import expand_dims, ravel
from fungrad.numpy.sorting import sort
from fungrad.prims import elementwise as ew


def _concrete(x, func: str):
    if isinstance(x, Tracer):
        raise TypeError(f"fungrad.numpy.{func}: the result's size depends on the values of "
                        f"a traced array {x.aval.str_short()}; pass size= (and fill_value=) "
                        "as in JAX")
    return np.asarray(x)


@_array_results
def unique(ar, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis=None, *, equal_nan: bool = True,
           size: int | None = None, fill_value=None, sorted: bool = True):  # noqa: A002
    """numpy.unique. With ``size``: the first ``size`` sorted unique values, padded with
    ``fill_value`` (default: the smallest value), usable under ``jit`` (values only).

    >>> unique(np.array([3, 1, 3, 2]))
    array([1, 2, 3])
    >>> unique(np.array([3.0, 1.0, 3.0]), size=3, fill_value=0.0)
    array([1., 3., 0.])
    """
    a = _arr(ar)
    if size is None:
        return np.unique(_concrete(a, "unique"), return_index, return_inverse, return_counts,
                         axis, equal_nan=equal_nan)
    if return_index or return_inverse or return_counts or axis is not None:
        raise NotImplementedError("fungrad.numpy.unique with size= returns the values only "
                                  "(flattened)")
    s = sort(ravel(a))
    n = _shape(s)[0]
    if n == 0:
        return np.full(size, 0 if fill_value is None else fill_value, _dtype(a))
    first = concatenate([np.ones(1, bool), ew.ne(take(s, np.arange(1, n)),
                                                 take(s, np.arange(n - 1)))])
    if equal_nan and _dtype(s).kind == "f":  # sorted NaNs are one value
        first = ew.logical_and(first, ew.logical_not(ew.logical_and(
            ew.isnan(s), concatenate([np.zeros(1, bool), ew.isnan(take(s, np.arange(n - 1)))]))))
    (pos,) = nonzero(first, size=size, fill_value=-1)
    values = take(s, ew.maximum(pos, 0))
    fill = min(a) if fill_value is None else fill_value
    return ew.select(ew.ge(pos, 0), values, ew.convert_element_type(_arr(fill), _dtype(s)))


@_array_results
def unique_values(x, /, *, size: int | None = None, fill_value=None):
    """numpy.unique_values (array-API): the sorted unique values.

    >>> unique_values(np.array([2, 1, 2]))
    array([1, 2])
    """
    return unique(x, size=size, fill_value=fill_value)


@_array_results
def unique_counts(x, /):
    """numpy.unique_counts: the unique values and how often each occurs (concrete input).

    >>> unique_counts(np.array([2, 1, 2])).counts
    array([1, 2])
    """
    return np.unique_counts(_concrete(_arr(x), "unique_counts"))


@_array_results
def unique_inverse(x, /):
    """numpy.unique_inverse: the unique values and the indices rebuilding ``x``.

    >>> unique_inverse(np.array([2, 1, 2])).inverse_indices
    array([1, 0, 1])
    """
    return np.unique_inverse(_concrete(_arr(x), "unique_inverse"))


@_array_results
def unique_all(x, /):
    """numpy.unique_all: values, first indices, inverse indices and counts.

    >>> unique_all(np.array([2, 1, 2])).indices
    array([1, 0])
    """
    return np.unique_all(_concrete(_arr(x), "unique_all"))


def isin(element, test_elements, assume_unique: bool = False, invert: bool = False, *,
         method: str = "auto"):
    """numpy.isin: is each element among ``test_elements``? (zero derivative; traceable).

    >>> isin(np.array([1, 2, 3]), [2, 5])
    array([False,  True, False])
    """
    e, t = _arr(element), ravel(_arr(test_elements))
    if _size(t) == 0:
        hit = np.zeros(_shape(e), bool)
    else:
        hit = any(ew.eq(expand_dims(e, -1), t), axis=-1)
    return ew.logical_not(hit) if invert else hit


@_array_results
def union1d(ar1, ar2, *, size: int | None = None, fill_value=None):
    """numpy.union1d: the sorted unique values of both.

    >>> union1d(np.array([1, 3]), np.array([2, 3]))
    array([1, 2, 3])
    """
    return unique(concatenate([ravel(_arr(ar1)), ravel(_arr(ar2))]), size=size,
                  fill_value=fill_value)


@_array_results
def intersect1d(ar1, ar2, assume_unique: bool = False, return_indices: bool = False):
    """numpy.intersect1d (concrete inputs).

    >>> intersect1d(np.array([1, 3, 4]), np.array([3, 4, 5]))
    array([3, 4])
    """
    return np.intersect1d(_concrete(_arr(ar1), "intersect1d"),
                          _concrete(_arr(ar2), "intersect1d"), assume_unique, return_indices)


@_array_results
def setdiff1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
              fill_value=None):
    """numpy.setdiff1d: the unique values of ``ar1`` not in ``ar2``.

    >>> setdiff1d(np.array([1, 2, 3, 2]), np.array([2]))
    array([1, 3])
    """
    if size is not None:
        raise NotImplementedError("fungrad.numpy.setdiff1d: size= is not supported")
    return np.setdiff1d(_concrete(_arr(ar1), "setdiff1d"), _concrete(_arr(ar2), "setdiff1d"),
                        assume_unique)


@_array_results
def setxor1d(ar1, ar2, assume_unique: bool = False):
    """numpy.setxor1d (concrete inputs).

    >>> setxor1d(np.array([1, 2]), np.array([2, 3]))
    array([1, 3])
    """
    return np.setxor1d(_concrete(_arr(ar1), "setxor1d"), _concrete(_arr(ar2), "setxor1d"),
                       assume_unique)
