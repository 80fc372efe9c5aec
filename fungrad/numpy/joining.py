"""Joining, splitting, tiling and editing along an axis: concatenate, stack, block, split,
tile, repeat, append, insert, delete, resize."""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import (
    _arr, _array_results, _axis, _dtype, _ndim, _shape, _slice_along, _strong, _traced,
)
from fungrad.numpy.dtypes import astype
from fungrad.numpy.indexing import take
from fungrad.numpy.reductions import sum
from fungrad.numpy.shapes import atleast_1d, atleast_2d, atleast_3d, broadcast_to, \
    expand_dims, moveaxis, ravel, reshape, squeeze
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.rules import probe_value
from fungrad.prims.structural import FungradIndexError


@_array_results
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
        if dtype is None:  # numpy promotes Python scalars weakly here: [x_f32, 1.5] is f32
            dtype = np.result_type(*[probe_value(get_aval(a)) for a in arrays])
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


@_array_results
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


@_array_results
def hstack(tup, dtype=None):
    """numpy.hstack.

    >>> hstack([np.array([1.0, 2.0]), np.array([3.0])])
    array([1., 2., 3.])
    """
    arrs = [atleast_1d(a) for a in tup]
    return concatenate(arrs, 0 if _ndim(arrs[0]) == 1 else 1, dtype)


@_array_results
def vstack(tup, dtype=None):
    """numpy.vstack (also ``row_stack``).

    >>> vstack([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    array([[1., 2.],
           [3., 4.]])
    """
    return concatenate([atleast_2d(a) for a in tup], 0, dtype)


row_stack = vstack


@_array_results
def dstack(tup, dtype=None):
    """numpy.dstack (``dtype``, as in JAX: the result's dtype).

    >>> dstack([np.ones((2, 2)), np.zeros((2, 2))]).shape
    (2, 2, 2)
    """
    out = concatenate([atleast_3d(a) for a in tup], 2)
    return out if dtype is None else astype(out, dtype)


@_array_results
def column_stack(tup):
    """numpy.column_stack.

    >>> column_stack([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    array([[1., 3.],
           [2., 4.]])
    """
    cols = [reshape(_arr(a), (-1, 1)) if _ndim(_arr(a)) < 2 else _arr(a) for a in tup]
    return concatenate(cols, 1)


@_array_results
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


@_array_results
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


def repeat(a, repeats, axis: int | None = None, *, total_repeat_length: int | None = None):
    """numpy.repeat; each copy sends its gradient back to its source. ``repeats`` may be
    traced when JAX's ``total_repeat_length`` fixes the result's length: a longer result
    repeats the last element, a shorter one is cut, as in JAX.

    >>> repeat(np.array([1.0, 2.0]), 2)
    array([1., 1., 2., 2.])
    >>> repeat(np.array([1, 2, 3]), np.array([1, 0, 2]), total_repeat_length=5)
    array([1, 3, 3, 3, 3])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(repeat(x, 3) * np.arange(6.0)))(np.ones(2))  # 0+1+2, 3+4+5
    array([ 3., 12.])
    """
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, _ndim(a), "repeat")
    n = _shape(a)[axis]
    if total_repeat_length is None:
        if isinstance(repeats, Tracer):
            raise TypeError(f"fungrad.numpy.repeat: traced repeats "
                            f"{get_aval(repeats).str_short()} need total_repeat_length= "
                            "(the result's length), as in JAX")
        return take(a, np.repeat(np.arange(n), repeats), axis)
    total = operator.index(total_repeat_length)
    if total < 0:
        raise ValueError(f"fungrad.numpy.repeat: total_repeat_length must be non-negative, "
                         f"got {total}")
    if n == 0:
        if total:
            raise ValueError(f"fungrad.numpy.repeat: cannot fill total_repeat_length={total} "
                             f"from an empty axis {axis} of {get_aval(a).str_short()}")
        return take(a, np.zeros(0, np.int64), axis)
    from fungrad.numpy.reductions import cumsum
    from fungrad.numpy.searching import searchsorted
    from fungrad.numpy.ufuncs import minimum
    counts = broadcast_to(astype(_arr(repeats), np.int64), (n,))
    # output position p reads the element whose run of copies covers p
    source = searchsorted(cumsum(counts), np.arange(total), side="right")
    return take(a, minimum(source, n - 1), axis)


@_array_results
def concat(arrays, /, *, axis: int | None = 0):
    """numpy.concat (the array-API name of concatenate).

    >>> concat([np.ones(2), np.zeros(1)])
    array([1., 1., 0.])
    """
    return concatenate(arrays, axis)


@_array_results
def append(arr, values, axis: int | None = None):
    """numpy.append: ``values`` added at the end (flattened when ``axis`` is None).

    >>> append(np.array([1.0, 2.0]), [[3.0], [4.0]])
    array([1., 2., 3., 4.])
    >>> append(np.ones((1, 2)), np.zeros((1, 2)), axis=0)
    array([[1., 1.],
           [0., 0.]])
    """
    arr, values = _arr(arr), _arr(values)
    if axis is None:
        return concatenate([ravel(arr), ravel(values)])
    return concatenate([arr, values], axis)


def unstack(x, /, *, axis: int = 0):
    """numpy.unstack: the slices of ``x`` along ``axis``, as a tuple.

    >>> unstack(np.array([[1.0, 2.0], [3.0, 4.0]]))
    (array([1., 2.]), array([3., 4.]))
    """
    x = _arr(x)
    if _ndim(x) == 0:
        raise ValueError("fungrad.numpy.unstack: x must be at least 1-D, got a scalar")
    axis = _axis(axis, _ndim(x), "unstack")
    return tuple(squeeze(_slice_along(x, axis, i, i + 1), axis)
                 for i in range(_shape(x)[axis]))


@_array_results
def hsplit(ary, indices_or_sections):
    """numpy.hsplit: split along axis 1 (axis 0 for 1-D arrays).

    >>> hsplit(np.arange(4.0), 2)
    [array([0., 1.]), array([2., 3.])]
    """
    a = _arr(ary)
    if _ndim(a) == 0:
        raise ValueError("fungrad.numpy.hsplit only works on arrays of 1 or more dimensions")
    return split(a, indices_or_sections, 1 if _ndim(a) > 1 else 0)


def vsplit(ary, indices_or_sections):
    """numpy.vsplit: split along axis 0; as in JAX a 1-D array is split too (numpy wants 2
    or more dimensions).

    >>> vsplit(np.arange(4.0).reshape(2, 2), 2)
    [array([[0., 1.]]), array([[2., 3.]])]
    >>> vsplit(np.arange(4.0), 2)
    [array([0., 1.]), array([2., 3.])]
    """
    a = _arr(ary)
    if _ndim(a) < 1:
        raise ValueError("fungrad.numpy.vsplit only works on arrays of 1 or more dimensions")
    return split(a, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    """numpy.dsplit: split along axis 2 (arrays of 3 or more dimensions).

    >>> [p.shape for p in dsplit(np.zeros((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """
    a = _arr(ary)
    if _ndim(a) < 3:
        raise ValueError("fungrad.numpy.dsplit only works on arrays of 3 or more dimensions")
    return split(a, indices_or_sections, 2)


def _block_depth(arrays) -> int:
    depth, x = 0, arrays
    while isinstance(x, list):
        if not x:
            raise ValueError("fungrad.numpy.block: lists cannot be empty")
        depth, x = depth + 1, x[0]
    return depth


@_array_results
def block(arrays):
    """numpy.block: assemble an array from nested lists of blocks (the innermost list joins
    along the last axis).

    >>> block([[np.eye(2), np.zeros((2, 1))], [np.ones((1, 2)), np.array([[5.0]])]])
    array([[1., 0., 0.],
           [0., 1., 0.],
           [1., 1., 5.]])
    """
    if isinstance(arrays, tuple):
        raise TypeError("fungrad.numpy.block: arrays is a tuple; only lists may be used to "
                        "arrange blocks")
    depth = _block_depth(arrays)
    leaves, stack_ = [], [arrays]
    while stack_:
        x = stack_.pop()
        if isinstance(x, list):
            stack_.extend(x)
        else:
            leaves.append(_arr(x))
    nd = builtins.max([depth] + [_ndim(x) for x in leaves])

    def lift(x):
        x = _arr(x)
        return reshape(x, (1,) * (nd - _ndim(x)) + _shape(x))

    # join bottom-up without recursion: nodes in pre-order, then joined in reverse, a list at
    # depth d along axis nd - (depth - d)
    nodes, children = [(arrays, 0)], {}
    k = 0
    while k < len(nodes):
        node, d = nodes[k]
        if isinstance(node, list):
            if not node:
                raise ValueError("fungrad.numpy.block: lists cannot be empty")
            children[k] = list(range(len(nodes), len(nodes) + len(node)))
            nodes.extend((child, d + 1) for child in node)
        elif d != depth:
            raise ValueError(f"fungrad.numpy.block: list depths are mismatched: a block at "
                             f"depth {d}, expected {depth}")
        k += 1
    joined: dict = {}
    for k in range(len(nodes) - 1, -1, -1):
        node, d = nodes[k]
        if isinstance(node, list):
            joined[k] = concatenate([joined.pop(c) for c in children[k]], nd - (depth - d))
        elif isinstance(node, tuple):
            raise TypeError("fungrad.numpy.block: tuples cannot be blocks")
        else:
            joined[k] = lift(node)
    return _strong(joined[0])


def delete(arr, obj, axis: int | None = None, *, assume_unique_indices: bool = False):
    """numpy.delete: ``arr`` without the entries ``obj`` (an index, slice, index list or
    mask, concrete) along ``axis``; differentiable in ``arr``.

    >>> delete(np.array([1.0, 2.0, 3.0, 4.0]), [0, 2])
    array([2., 4.])
    >>> delete(np.arange(6.0).reshape(2, 3), 1, axis=1)
    array([[0., 2.],
           [3., 5.]])
    """
    a = _arr(arr)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, _ndim(a), "delete")
    n = _shape(a)[axis]
    keep = np.ones(n, bool)
    if isinstance(obj, slice):
        keep[obj] = False
    else:
        if assume_unique_indices and (isinstance(obj, Tracer) or
                                      np.asarray(obj).dtype.kind in "iu"):
            return _delete_unique(a, _arr(obj), axis, n)
        if isinstance(obj, Tracer):
            raise TypeError(f"fungrad.numpy.delete: obj ({obj.aval.str_short()}) must be "
                            "concrete, since the result's shape depends on it; for integer "
                            "indices known to be unique pass assume_unique_indices=True")
        idx = np.asarray(obj)
        if idx.dtype == np.bool_:
            if idx.shape != (n,):
                raise ValueError(f"fungrad.numpy.delete: boolean obj of shape {idx.shape} "
                                 f"does not match axis {axis} of length {n}")
            keep = ~idx
        else:
            if idx.dtype.kind not in "iu":
                raise TypeError(f"fungrad.numpy.delete: obj must be integers, a slice or a "
                                f"mask, got dtype {idx.dtype}")
            if np.any((idx < -n) | (idx >= n)):
                raise FungradIndexError(f"fungrad.numpy.delete: index {idx} is out of bounds "
                                        f"for axis {axis} with size {n}")
            keep[idx] = False
    return take(a, np.flatnonzero(keep), axis)


def _delete_unique(a, idx, axis: int, n: int):
    """delete with integer indices that may be traced, assumed unique (JAX's
    ``assume_unique_indices``): the result's length is known from their count alone."""
    if _dtype(idx).kind not in "iu":
        raise TypeError(f"fungrad.numpy.delete: with assume_unique_indices=True obj must be "
                        f"integers (a mask must be concrete), got {get_aval(idx).str_short()}")
    from fungrad.numpy.sorting import sort  # sorting is built on indexing, as this module
    idx = ravel(idx)
    k = _shape(idx)[0]
    if k > n:
        raise ValueError(f"fungrad.numpy.delete: {k} unique indices cannot be deleted from "
                         f"axis {axis} of length {n}")
    idx = sort(ew.select(ew.lt(idx, 0), ew.add(idx, n), idx))
    # kept entry i comes from i + (the number of deleted indices at or before it): with the
    # sorted indices shifted down by their rank, that is the count of them <= i
    shifted = ew.sub(idx, np.arange(k))
    out = np.arange(n - k)
    source = ew.add(out, sum(astype(ew.le(reshape(shifted, (1, k)),
                                          reshape(out, (n - k, 1))), np.int64), axis=1))
    return take(a, source, axis)


def insert(arr, obj, values, axis: int | None = None):
    """numpy.insert: ``values`` inserted before the indices ``obj`` (concrete) along
    ``axis``; differentiable in ``arr`` and ``values``.

    >>> insert(np.array([1.0, 2.0, 3.0]), 1, 9.0)
    array([1., 9., 2., 3.])
    >>> insert(np.array([1.0, 2.0, 3.0]), [0, 3], [7.0, 8.0])
    array([7., 1., 2., 3., 8.])
    """
    a = _arr(arr)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, _ndim(a), "insert")
    n = _shape(a)[axis]
    scalar_index = isinstance(obj, (int, np.integer))
    idx = np.arange(n + 1)[obj] if isinstance(obj, slice) else np.asarray(obj)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"fungrad.numpy.insert: obj must be integers or a slice, got dtype "
                        f"{idx.dtype}")
    if np.any((idx < -n) | (idx > n)):
        raise FungradIndexError(f"fungrad.numpy.insert: index {obj} is out of bounds for "
                                f"axis {axis} with size {n}")
    idx = np.where(idx < 0, idx + n, idx).ravel()
    vals = astype(_arr(values), _dtype(a))
    vals = reshape(vals, (1,) * builtins.max(0, _ndim(a) - _ndim(vals)) + _shape(vals))
    if idx.size == 1:  # numpy: one index inserts all of values (a scalar index moves axis 0)
        if scalar_index or np.ndim(obj) == 0:
            vals = moveaxis(vals, 0, axis)
        count = _shape(vals)[axis]
        idx = np.repeat(idx, count)
    count = idx.size
    try:
        v = broadcast_to(vals, _shape(a)[:axis] + (count,) + _shape(a)[axis + 1:])
    except ValueError:
        raise ValueError(f"fungrad.numpy.insert: values {_shape(vals)} do not fit {count} "
                         f"insertion(s) into axis {axis} of {_shape(a)}") from None
    # the result's order: each new entry goes before the old entry at its index
    keys = np.concatenate([2 * np.arange(n) + 1, 2 * idx])
    return take(concatenate([a, v], axis), np.argsort(keys, kind="stable"), axis)


def resize(a, new_shape):
    """numpy.resize: ``a`` flattened, repeated (or cut) to fill ``new_shape``.

    >>> resize(np.array([1.0, 2.0, 3.0]), (2, 4))
    array([[1., 2., 3., 1.],
           [2., 3., 1., 2.]])
    """
    a = ravel(_arr(a))
    shape = (new_shape,) if isinstance(new_shape, (int, np.integer)) else tuple(new_shape)
    if builtins.any(d < 0 for d in shape):
        raise ValueError(f"fungrad.numpy.resize: all elements of new_shape must be "
                         f"non-negative, got {shape}")
    total = int(math.prod(shape))
    n = _shape(a)[0]
    if n == 0:
        return np.zeros(shape, _dtype(a))
    return reshape(take(a, np.arange(total) % n), shape)
