"""Orderings as integer primitives: a sort permutation over several keys, and the position
of a running maximum or minimum. They carry no derivative themselves; sorted values and
running extrema are gathered through them, so their derivatives are the gather's.

>>> import numpy as np
>>> sort_permutation([np.array([1, 0, 1]), np.array([3.0, 5.0, 2.0])], 0)
array([1, 2, 0])
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.rules import batch_shifting, primitive


def _permutation_abstract(*keys, dimension):
    first = keys[0]
    for k in keys:
        if k.shape != first.shape:
            raise ValueError("sort: every operand must have the same shape, got "
                             + ", ".join(a.str_short() for a in keys))
    if not 0 <= dimension < max(first.ndim, 1) or first.ndim == 0:
        raise ValueError(f"sort: dimension {dimension} is out of bounds for "
                         f"{first.str_short()}")
    return ShapedArray(first.shape, np.int64)


def _permutation_impl(*keys, dimension):
    keys = [np.asarray(k) for k in keys]
    if len(keys) == 1:
        return np.argsort(keys[0], axis=dimension, kind="stable")
    return np.lexsort(keys[::-1], axis=dimension)  # lexsort's primary key comes last


sort_permutation_p = primitive("sort_permutation", _permutation_impl, _permutation_abstract,
                               nondiff=True)


def _batch_permutation(args, batched, size, dimension):
    keys = [k if b else np.broadcast_to(k, (size,) + np.shape(k)) if isinstance(k, np.ndarray)
            else None for k, b in zip(args, batched)]
    if any(k is None for k in keys):
        return None
    return bind(sort_permutation_p, *keys, dimension=dimension + 1), True


sort_permutation_p.batch = _batch_permutation


def sort_permutation(keys, dimension: int):
    """The stable permutation sorting along ``dimension`` by ``keys[0]``, ties broken by
    ``keys[1]``, and so on (NaNs last)."""
    return bind(sort_permutation_p, *keys, dimension=int(dimension))


def _running_abstract(aval, *, axis, reverse, which):
    if not 0 <= axis < aval.ndim:
        raise ValueError(f"cum{which}: axis {axis} is out of bounds for {aval.str_short()}")
    return ShapedArray(aval.shape, np.int64)


def _running_impl(x, *, axis, reverse, which):
    """The index of the first maximum (minimum) of ``x[..., :i + 1]`` at each ``i`` along
    ``axis`` (of the last, scanning from the end, when ``reverse``)."""
    x = np.moveaxis(np.asarray(x), axis, -1)
    if reverse:
        x = x[..., ::-1]
    ufunc = np.maximum if which == "max" else np.minimum
    running = ufunc.accumulate(x, axis=-1) if x.shape[-1] else x
    n = x.shape[-1]
    hit = x == running
    if x.dtype.kind in "fc":  # a NaN holds the running value from its place on
        hit |= np.isnan(x)
    positions = np.where(hit, np.arange(n), -1)
    index = np.maximum.accumulate(positions, axis=-1) if n else positions
    if x.dtype.kind in "fc":
        nan = np.isnan(x)
        first_nan = np.where(np.logical_or.accumulate(nan, axis=-1) if n else nan,
                             np.argmax(nan, axis=-1)[..., None], index)
        index = first_nan
    if reverse:
        index = (n - 1 - index)[..., ::-1]
    return np.moveaxis(index, -1, axis).astype(np.int64)


running_extremum_index_p = primitive("running_extremum_index", _running_impl,
                                     _running_abstract, nondiff=True)
batch_shifting(running_extremum_index_p, "axis")


def running_extremum_index(x, axis: int, reverse: bool, which: str):
    """Where the running max (``which='max'``) or min along ``axis`` was last attained."""
    return bind(running_extremum_index_p, x, axis=int(axis), reverse=bool(reverse),
                which=which)


def _argpartition_abstract(aval, *, kth):
    if aval.ndim == 0 or not 0 <= kth < aval.shape[-1]:
        raise ValueError(f"argpartition: kth {kth} is out of bounds for the last axis of "
                         f"{aval.str_short()}")
    return ShapedArray(aval.shape, np.int64)


def _argpartition_impl(x, *, kth):
    """Along the last axis: the indices of the ``kth + 1`` smallest elements, ordered by
    value (ties by index), then the others in index order (NaNs count as largest). A
    selection, ``O(n + k log k)``: only the bottom part is sorted."""
    x = np.asarray(x)
    n = x.shape[-1]
    pivot = np.partition(x, kth, axis=-1)[..., kth:kth + 1]  # the kth smallest
    below, tie = x < pivot, x == pivot
    if x.dtype.kind in "fc":
        nan_x, nan_pivot = np.isnan(x), np.isnan(pivot)
        below = below | (nan_pivot & ~nan_x)
        tie = tie | (nan_x & nan_pivot)
    # of the elements equal to the pivot, the first ones (by index) fill the bottom part
    need = kth + 1 - below.sum(axis=-1, keepdims=True)
    bottom = below | (tie & (np.cumsum(tie, axis=-1) <= need))
    lead = x.shape[:-1]
    rows = bottom.reshape(-1, n)
    low = np.nonzero(rows)[1].reshape(*lead, kth + 1)  # index order, kth + 1 per row
    high = np.nonzero(~rows)[1].reshape(*lead, n - kth - 1)
    by_value = np.argsort(np.take_along_axis(x, low, -1), axis=-1, kind="stable")
    return np.concatenate([np.take_along_axis(low, by_value, -1), high], -1)


argpartition_p = primitive("argpartition", _argpartition_impl, _argpartition_abstract,
                           nondiff=True)
# it works on the last axis, so a leading batch axis needs nothing
argpartition_p.batch = lambda args, batched, size, kth: (
    bind(argpartition_p, *args, kth=kth), True)


def argpartition(x, kth: int):
    """JAX's argpartition along the last axis: the ``kth + 1`` smallest first, sorted
    (ties by index), then the rest in index order."""
    return bind(argpartition_p, x, kth=int(kth))
