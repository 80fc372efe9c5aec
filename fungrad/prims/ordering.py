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
