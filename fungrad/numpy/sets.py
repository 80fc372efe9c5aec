"""Sets: unique (with JAX's ``size=``/``fill_value=`` for jit), isin, union1d, intersect1d,
setdiff1d, setxor1d. Without ``size`` the result's length depends on the values, so those
forms need concrete (non-traced) inputs."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from fungrad.core import Tracer
from fungrad.numpy._util import _array_results, _arr, _dtype, _shape, _size
from fungrad.numpy.indexing import take
from fungrad.numpy.joining import concatenate
from fungrad.numpy.dtypes import astype
from fungrad.numpy.reductions import any, argmax, cumsum
from fungrad.numpy.searching import nonzero
from fungrad.numpy.shapes import expand_dims, ravel, reshape
from fungrad.numpy.sorting import argsort
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
    """numpy.unique. With ``size`` (JAX's argument, usable under ``jit``): the first
    ``size`` sorted unique values of the flattened array, padded with ``fill_value``
    (default: the smallest value); padded ``counts`` are 0 and padded indices point at the
    smallest value, as in JAX; ``inverse`` has ``ar``'s shape.

    >>> unique(np.array([3, 1, 3, 2]))
    array([1, 2, 3])
    >>> unique(np.array([3.0, 1.0, 3.0]), size=3, fill_value=0.0)
    array([1., 3., 0.])
    >>> unique(np.array([3, 1, 3]), size=3, return_counts=True)
    (array([1, 3, 1]), array([1, 2, 0]))
    """
    a = _arr(ar)
    if size is None:
        return np.unique(_concrete(a, "unique"), return_index, return_inverse, return_counts,
                         axis, equal_nan=equal_nan)
    if axis is not None:
        raise NotImplementedError("fungrad.numpy.unique: size= with axis= is not supported "
                                  "(the flattened form is)")
    size = _size_argument(size, "unique")
    values, index, inverse, counts = _sized_unique(a, size, fill_value, equal_nan, None)
    extras = [r for r, wanted in ((index, return_index), (inverse, return_inverse),
                                  (counts, return_counts)) if wanted]
    return (values, *extras) if extras else values


def _size_argument(size, func: str) -> int:
    if isinstance(size, Tracer) or isinstance(size, (bool, np.bool_)) or \
            not isinstance(size, (int, np.integer)) or size < 0:
        raise TypeError(f"fungrad.numpy.{func}: size must be a concrete non-negative "
                        f"integer, got {size!r}")
    return int(size)


def _sized_unique(a, size: int, fill_value, equal_nan: bool, keep):
    """The sorted unique values of flattened ``a`` in ``size`` slots, with the first index of
    each, the inverse indices and the counts, all in fixed shapes. ``keep(flat)``, when
    given, is a mask of the elements that take part (a whole value is kept or not)."""
    flat = ravel(a)
    n = _shape(flat)[0]
    if n == 0:
        fill = 0 if fill_value is None else fill_value
        zeros = np.zeros(size, np.int64)
        return (np.full(size, fill, _dtype(a)), zeros, np.zeros(_shape(a), np.int64), zeros)
    perm = argsort(flat)
    s = take(flat, perm)
    first = concatenate([np.ones(1, bool), ew.ne(take(s, np.arange(1, n)),
                                                 take(s, np.arange(n - 1)))])
    if equal_nan and _dtype(s).kind in "fc":  # sorted NaNs are one value
        first = ew.logical_and(first, ew.logical_not(ew.logical_and(
            ew.isnan(s), concatenate([np.zeros(1, bool), ew.isnan(take(s, np.arange(n - 1)))]))))
    if keep is not None:
        first = ew.logical_and(first, take(keep(flat), perm))
    # where each group starts in sorted order, one slot more than asked (for the counts),
    # padded with n so that a padded group has length 0
    (starts,) = nonzero(first, size=size + 1, fill_value=n)
    head, tail = take(starts, np.arange(size)), take(starts, np.arange(1, size + 1))
    valid = ew.lt(head, n)
    at = ew.select(valid, head, 0)
    values = take(s, at)
    if fill_value is not None:
        values = ew.select(valid, values, ew.convert_element_type(_arr(fill_value), _dtype(s)))
    else:  # JAX pads with the smallest kept value (the first sorted element without keep)
        smallest = take(values, np.zeros((), np.int64)) if size else values
        values = ew.select(valid, values, smallest)
    if keep is not None:  # ``tail`` counts from the next kept group, not the next element
        counts = None
    else:
        counts = ew.select(valid, ew.sub(tail, head), 0)
    group = ew.sub(cumsum(astype(first, np.int64)), 1)
    inverse = reshape(take(group, argsort(perm)), _shape(a))  # argsort inverts perm
    index = take(perm, at)
    if size:  # padded slots repeat the first slot's index
        index = ew.select(valid, index, take(index, np.zeros((), np.int64)))
    return values, index, inverse, counts


UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices",
                                                 "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


@_array_results
def unique_values(x, /, *, size: int | None = None, fill_value=None):
    """numpy.unique_values (array-API): the sorted unique values (``size=`` as in
    ``unique``).

    >>> unique_values(np.array([2, 1, 2]))
    array([1, 2])
    """
    return unique(x, size=size, fill_value=fill_value)


@_array_results
def unique_counts(x, /, *, size: int | None = None, fill_value=None):
    """numpy.unique_counts: the unique values and how often each occurs (``size=`` as in
    ``unique``, for jit).

    >>> unique_counts(np.array([2, 1, 2])).counts
    array([1, 2])
    >>> unique_counts(np.array([2, 1, 2]), size=3).counts
    array([1, 2, 0])
    """
    if size is None:
        return np.unique_counts(_concrete(_arr(x), "unique_counts"))
    values, _, _, counts = _sized_unique(_arr(x), _size_argument(size, "unique_counts"),
                                         fill_value, True, None)
    return UniqueCountsResult(values, counts)


@_array_results
def unique_inverse(x, /, *, size: int | None = None, fill_value=None):
    """numpy.unique_inverse: the unique values and the indices rebuilding ``x`` (``size=``
    as in ``unique``, for jit).

    >>> unique_inverse(np.array([2, 1, 2])).inverse_indices
    array([1, 0, 1])
    """
    if size is None:
        return np.unique_inverse(_concrete(_arr(x), "unique_inverse"))
    values, _, inverse, _ = _sized_unique(_arr(x), _size_argument(size, "unique_inverse"),
                                          fill_value, True, None)
    return UniqueInverseResult(values, inverse)


@_array_results
def unique_all(x, /, *, size: int | None = None, fill_value=None):
    """numpy.unique_all: values, first indices, inverse indices and counts (``size=`` as
    in ``unique``, for jit).

    >>> unique_all(np.array([2, 1, 2])).indices
    array([1, 0])
    """
    if size is None:
        return np.unique_all(_concrete(_arr(x), "unique_all"))
    return UniqueAllResult(*_sized_unique(_arr(x), _size_argument(size, "unique_all"),
                                          fill_value, True, None))


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
def intersect1d(ar1, ar2, assume_unique: bool = False, return_indices: bool = False, *,
                size: int | None = None, fill_value=None):
    """numpy.intersect1d: the sorted unique values in both. With ``size`` (JAX's argument,
    usable under ``jit``): ``size`` slots padded with ``fill_value`` (default: the smallest
    common value, or 0 when there is none); padded indices are those of the first slot.

    >>> intersect1d(np.array([1, 3, 4]), np.array([3, 4, 5]))
    array([3, 4])
    >>> intersect1d(np.array([1, 3, 4]), np.array([3, 4, 5]), size=3, fill_value=0)
    array([3, 4, 0])
    """
    if size is None:
        return np.intersect1d(_concrete(_arr(ar1), "intersect1d"),
                              _concrete(_arr(ar2), "intersect1d"), assume_unique,
                              return_indices)
    a, b = ravel(_arr(ar1)), ravel(_arr(ar2))
    values, index, _, _ = _sized_unique(a, _size_argument(size, "intersect1d"), fill_value,
                                        True, lambda flat: isin(flat, b))
    if fill_value is None:  # no common value at all: JAX fills with zeros
        values = ew.select(any(isin(a, b)), values, np.zeros((), _dtype(values)))
    if not return_indices:
        return values
    if _shape(b)[0] == 0:
        return values, index, np.zeros(_shape(index), np.int64)
    # the first position in ar2 of each common value
    in_b = argmax(ew.eq(expand_dims(values, -1), b), axis=-1)
    return values, index, astype(in_b, np.int64)


@_array_results
def setdiff1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
              fill_value=None):
    """numpy.setdiff1d: the sorted unique values of ``ar1`` not in ``ar2``. With ``size``
    (JAX's argument, usable under ``jit``): ``size`` slots padded with ``fill_value``
    (default 0, as in JAX).

    >>> setdiff1d(np.array([1, 2, 3, 2]), np.array([2]))
    array([1, 3])
    >>> setdiff1d(np.array([1, 2, 3, 2]), np.array([2]), size=3)
    array([1, 3, 0])
    """
    if size is None:
        return np.setdiff1d(_concrete(_arr(ar1), "setdiff1d"),
                            _concrete(_arr(ar2), "setdiff1d"), assume_unique)
    a, b = ravel(_arr(ar1)), ravel(_arr(ar2))
    values, _, _, _ = _sized_unique(a, _size_argument(size, "setdiff1d"),
                                    0 if fill_value is None else fill_value, True,
                                    lambda flat: isin(flat, b, invert=True))
    return values


@_array_results
def setxor1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
             fill_value=None):
    """numpy.setxor1d: the sorted unique values in exactly one of the two. With ``size``
    (JAX's argument, usable under ``jit``): ``size`` slots padded with ``fill_value``
    (default: the smallest such value).

    >>> setxor1d(np.array([1, 2]), np.array([2, 3]))
    array([1, 3])
    >>> setxor1d(np.array([1, 2]), np.array([2, 3]), size=3, fill_value=0)
    array([1, 3, 0])
    """
    if size is None:
        return np.setxor1d(_concrete(_arr(ar1), "setxor1d"), _concrete(_arr(ar2), "setxor1d"),
                           assume_unique)
    a, b = ravel(_arr(ar1)), ravel(_arr(ar2))
    values, _, _, _ = _sized_unique(concatenate([a, b]), _size_argument(size, "setxor1d"),
                                    fill_value, True,
                                    lambda flat: ew.ne(isin(flat, a), isin(flat, b)))
    return values
