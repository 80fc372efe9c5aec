"""Index tricks and index-producing functions: meshgrid, mgrid, ogrid, r_, c_, s_,
index_exp, ix_, indices, the triangle and diagonal indices, diagflat, fill_diagonal, vander,
unravel_index, ravel_multi_index."""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _arr, _array_results, _dtype, _ndim, _shape, _strong
from fungrad.numpy.creation import arange, diag, linspace, ones, triu  # noqa: F401
from fungrad.numpy.dtypes import astype
from fungrad.numpy.joining import concatenate, stack
from fungrad.numpy.searching import nonzero
from fungrad.numpy.shapes import broadcast_to, ravel, reshape, swapaxes
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.structural import ARRAY, Indexer


@_array_results
def meshgrid(*xi, copy: bool = True, sparse: bool = False, indexing: str = "xy"):
    """numpy.meshgrid: coordinate arrays from 1-D coordinate vectors ('xy' or 'ij').

    >>> X, Y = meshgrid(np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0]))
    >>> X
    array([[1., 2., 3.],
           [1., 2., 3.]])
    >>> Y.shape
    (2, 3)
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"fungrad.numpy.meshgrid: indexing must be 'xy' or 'ij', got "
                         f"{indexing!r}")
    xs = [ravel(_arr(x)) for x in xi]
    n = len(xs)
    shapes = []
    for i in range(n):
        s = [1] * n
        s[i] = -1
        if indexing == "xy" and n > 1 and i < 2:
            s[0], s[1] = s[1], s[0]
        shapes.append(tuple(s))
    out = [reshape(x, s) for x, s in zip(xs, shapes)]
    if sparse:
        return out
    full = np.broadcast_shapes(*[_shape(o) for o in out])
    return [broadcast_to(o, full) for o in out]


def _grid_axis(s: slice):
    """The 1-D coordinates of one slice of mgrid/ogrid/r_ (a complex step is a count)."""
    start = 0 if s.start is None else s.start
    step = 1 if s.step is None else s.step
    if isinstance(step, complex):
        return linspace(start, s.stop, int(builtins.abs(step)))
    return arange(start, s.stop, step)


class _Grid:
    """``mgrid[...]`` (dense) and ``ogrid[...]`` (open): coordinate grids from slices."""

    def __init__(self, sparse: bool):
        self.sparse = sparse

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _grid_axis(key)
        axes = [_grid_axis(k) for k in key]
        dtype = np.result_type(*[np.asarray(a).dtype for a in axes])
        axes = [np.asarray(a, dtype) for a in axes]
        grids = meshgrid(*axes, sparse=self.sparse, indexing="ij")
        return grids if self.sparse else stack(grids)


mgrid = _Grid(sparse=False)
ogrid = _Grid(sparse=True)


class _Concatenator:
    """``r_[...]`` and ``c_[...]``: join slices (as ranges), scalars and arrays along an axis;
    a leading string 'axis[,ndmin[,trans1d]]', 'r' or 'c' sets how."""

    def __init__(self, axis: int, ndmin: int, trans1d: int):
        self.axis, self.ndmin, self.trans1d = axis, ndmin, trans1d

    def __getitem__(self, key):
        items = list(key) if isinstance(key, tuple) else [key]
        axis, ndmin, trans1d, matrix = self.axis, self.ndmin, self.trans1d, None
        if items and isinstance(items[0], str):
            spec = items.pop(0)
            if spec in ("r", "c"):
                matrix = spec
            else:
                try:
                    parts = [int(p) for p in spec.split(",")]
                except ValueError:
                    raise ValueError(f"fungrad.numpy.r_: unknown directive {spec!r}") from None
                axis = parts[0]
                ndmin = parts[1] if len(parts) > 1 else ndmin
                trans1d = parts[2] if len(parts) > 2 else trans1d
        arrays, scalars = [], []
        for it in items:
            if isinstance(it, slice):
                x = _grid_axis(it)
            elif isinstance(it, str):
                raise ValueError("fungrad.numpy.r_: a string directive must come first")
            else:
                x = _arr(it)
                if _ndim(x) == 0:
                    scalars.append(len(arrays))
            arrays.append(self._lift(x, ndmin, trans1d))
        if not arrays:
            return np.zeros(0)
        dtypes = [_dtype(a) for i, a in enumerate(arrays) if i not in scalars] or \
            [_dtype(a) for a in arrays]
        dtype = np.result_type(*[np.empty(0, d) for d in dtypes]) if len(scalars) < \
            len(arrays) else np.result_type(*[np.empty(0, _dtype(a)) for a in arrays])
        out = concatenate([astype(a, dtype) for a in arrays], axis)
        if matrix is not None:  # numpy makes a matrix: 1-D becomes one row ('c': a column)
            out = reshape(out, (1, -1)) if _ndim(out) == 1 else out
            out = swapaxes(out, 0, 1) if matrix == "c" else out
        return out

    @staticmethod
    def _lift(x, ndmin, trans1d):
        """numpy's rule: ``array(x, ndmin=ndmin)`` (ones in front), then unless trans1d is
        -1 the original axes move to start at position trans1d."""
        x = _arr(x)
        nd = _ndim(x)
        if nd >= ndmin:
            return x
        x = reshape(x, (1,) * (ndmin - nd) + _shape(x))
        if trans1d == -1:
            return x
        k2, k1 = ndmin - nd, trans1d
        if k1 < 0:
            k1 += k2 + 1
        axes = list(range(ndmin))
        return st.transpose(x, axes[:k1] + axes[k2:] + axes[k1:k2])


r_ = _Concatenator(axis=0, ndmin=1, trans1d=-1)
c_ = _Concatenator(axis=-1, ndmin=2, trans1d=0)


class _IndexExpression:
    """``s_[...]`` (the index as given) and ``index_exp[...]`` (always a tuple)."""

    def __init__(self, maketuple: bool):
        self.maketuple = maketuple

    def __getitem__(self, item):
        if self.maketuple and not isinstance(item, tuple):
            return (item,)
        return item


s_ = _IndexExpression(maketuple=False)
index_exp = _IndexExpression(maketuple=True)


@_array_results
def ix_(*args):
    """numpy.ix_: open-mesh index arrays, for cross-product indexing ``a[ix_(rows, cols)]``.

    >>> rows, cols = ix_(np.array([0, 2]), np.array([1, 3]))
    >>> rows.shape, cols.shape
    ((2, 1), (1, 2))
    """
    n = len(args)
    out = []
    for k, x in enumerate(args):
        x = _arr(x)
        if _ndim(x) != 1:
            raise ValueError(f"fungrad.numpy.ix_: cross index must be 1 dimensional, got "
                             f"{get_aval(x).str_short()}")
        if _dtype(x) == np.bool_:
            if isinstance(x, Tracer):
                raise TypeError("fungrad.numpy.ix_: a boolean index must be concrete")
            x = np.flatnonzero(np.asarray(x))
        shape = [1] * n
        shape[k] = _shape(x)[0]
        out.append(reshape(x, tuple(shape)))
    return tuple(out)


@_array_results
def indices(dimensions, dtype=np.int64, sparse: bool = False):
    """numpy.indices: the index grid of an array of shape ``dimensions``.

    >>> indices((2, 3))[1]
    array([[0, 1, 2],
           [0, 1, 2]])
    """
    return np.indices(tuple(operator.index(d) for d in dimensions), dtype, sparse)


@_array_results
def tril_indices(n: int, k: int = 0, m: int | None = None):
    """numpy.tril_indices: row and column indices of the lower triangle.

    >>> tril_indices(3)
    (array([0, 1, 1, 2, 2, 2]), array([0, 0, 1, 0, 1, 2]))
    """
    return np.tril_indices(n, k, m)


@_array_results
def triu_indices(n: int, k: int = 0, m: int | None = None):
    """numpy.triu_indices: row and column indices of the upper triangle.

    >>> triu_indices(3, 1)
    (array([0, 0, 1]), array([1, 2, 2]))
    """
    return np.triu_indices(n, k, m)


def mask_indices(n: int, mask_func, k: int = 0, *, size: int | None = None):
    """numpy.mask_indices: the indices where ``mask_func(ones((n, n)), k)`` is nonzero (for
    example ``triu`` gives the upper triangle's). ``size`` as in ``nonzero``.

    >>> mask_indices(3, triu, 1)
    (array([0, 0, 1]), array([1, 2, 2]))
    """
    return nonzero(mask_func(ones((operator.index(n),) * 2, np.int64), k), size=size)


def _matrix_shape(arr, func: str) -> tuple:
    shape = _shape(_arr(arr))
    if len(shape) != 2:
        raise ValueError(f"fungrad.numpy.{func}: input array must be 2-d, got shape {shape}")
    return shape


@_array_results
def tril_indices_from(arr, k: int = 0):
    """numpy.tril_indices_from: the lower-triangle indices of a 2-D array's shape.

    >>> tril_indices_from(np.ones((2, 3)))
    (array([0, 1, 1]), array([0, 0, 1]))
    """
    rows, cols = _matrix_shape(arr, "tril_indices_from")
    return np.tril_indices(rows, k, cols)


@_array_results
def triu_indices_from(arr, k: int = 0):
    """numpy.triu_indices_from: the upper-triangle indices of a 2-D array's shape.

    >>> triu_indices_from(np.ones((2, 3)))
    (array([0, 0, 0, 1, 1]), array([0, 1, 2, 1, 2]))
    """
    rows, cols = _matrix_shape(arr, "triu_indices_from")
    return np.triu_indices(rows, k, cols)


@_array_results
def diag_indices(n: int, ndim: int = 2):
    """numpy.diag_indices: the indices of the main diagonal of an (n, n, ...) array.

    >>> diag_indices(3)
    (array([0, 1, 2]), array([0, 1, 2]))
    """
    return np.diag_indices(n, ndim)


@_array_results
def diag_indices_from(arr):
    """numpy.diag_indices_from: the main-diagonal indices of a square array.

    >>> diag_indices_from(np.ones((2, 2)))
    (array([0, 1]), array([0, 1]))
    """
    shape = _shape(_arr(arr))
    if len(shape) < 2 or len(set(shape)) != 1:
        raise ValueError(f"fungrad.numpy.diag_indices_from: input must be at least 2-d with "
                         f"all dimensions equal, got shape {shape}")
    return np.diag_indices(shape[0], len(shape))


@_array_results
def diagflat(v, k: int = 0):
    """numpy.diagflat: a matrix with the flattened ``v`` on its k-th diagonal.

    >>> diagflat(np.array([[1.0, 2.0]]), 1)
    array([[0., 1., 0.],
           [0., 0., 2.],
           [0., 0., 0.]])
    """
    return diag(ravel(_arr(v)), k)


def fill_diagonal(a, val, wrap: bool = False, *, inplace: bool = True):
    """numpy.fill_diagonal as JAX has it: arrays are immutable, so pass ``inplace=False``
    and use the returned copy. Differentiable in ``a`` and ``val``.

    >>> fill_diagonal(np.zeros((2, 3)), 5.0, inplace=False)
    array([[5., 0., 0.],
           [0., 5., 0.]])
    """
    if inplace:
        raise NotImplementedError("fungrad.numpy.fill_diagonal: arrays are immutable; call "
                                  "it with inplace=False and use the result, as in JAX")
    a = _arr(a)
    shape = _shape(a)
    if len(shape) < 2:
        raise ValueError(f"fungrad.numpy.fill_diagonal: array must be at least 2-d, got "
                         f"{get_aval(a).str_short()}")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise ValueError("fungrad.numpy.fill_diagonal: all dimensions of input must be of "
                         f"equal length, got {shape}")
    if len(shape) == 2:
        rows, cols = shape
        end = rows * cols if wrap else builtins.min(rows, cols) * cols
        flat_idx = np.arange(0, end, cols + 1)
    else:
        step = 1 + int(np.cumprod(shape[:-1]).sum())
        flat_idx = np.arange(0, int(np.prod(shape)), step)
    count = flat_idx.size
    v = ravel(astype(_arr(val), _dtype(a)))
    nv = _shape(v)[0]
    if nv == 0:
        return a
    v = st.gather(v, np.arange(count) % nv, indexer=Indexer([ARRAY])) \
        if isinstance(v, Tracer) else np.resize(np.asarray(v), count)
    flat = ravel(a)
    out = st.scatter(flat, v, flat_idx, indexer=Indexer([ARRAY]))
    return reshape(out, shape)


@_array_results
def vander(x, N: int | None = None, increasing: bool = False):
    """numpy.vander: the Vandermonde matrix, columns ``x**(N-1), ..., x, 1``.

    >>> vander(np.array([1.0, 2.0, 3.0]), 3)
    array([[1., 1., 1.],
           [4., 2., 1.],
           [9., 3., 1.]])
    """
    x = _arr(x)
    if _ndim(x) != 1:
        raise ValueError(f"fungrad.numpy.vander: x must be a one-dimensional array, got "
                         f"{get_aval(x).str_short()}")
    n = _shape(x)[0] if N is None else operator.index(N)
    if n < 0:
        raise ValueError("fungrad.numpy.vander: N must be non-negative")
    dtype = np.vander(np.zeros(1, _dtype(x)), 1).dtype  # numpy's (booleans become ints)
    x = astype(x, dtype)
    # products, not power: exact for integers and differentiable at x == 0
    cols = [np.ones(_shape(x), dtype)]
    for _ in range(1, n):
        cols.append(ew.mul(cols[-1], x))
    if not increasing:
        cols = cols[::-1]
    if n == 0:
        return np.zeros((_shape(x)[0], 0), dtype)
    return stack(cols, axis=1)


@_array_results
def unravel_index(indices, shape):
    """numpy.unravel_index: flat indices to a tuple of coordinate arrays.

    >>> unravel_index(np.array([5, 1]), (2, 3))
    (array([1, 0]), array([2, 1]))
    """
    idx = _arr(indices)
    if _dtype(idx).kind not in "iu":
        raise TypeError(f"fungrad.numpy.unravel_index: indices must be integers, got "
                        f"{get_aval(idx).str_short()}")
    shape = tuple(operator.index(d) for d in ((shape,) if np.ndim(shape) == 0 else shape))
    if not isinstance(idx, Tracer):
        return _strong(np.unravel_index(idx, shape))
    out = []
    for k, d in enumerate(shape):
        stride = int(math.prod(shape[k + 1:]))
        out.append(ew.mod(ew.floor_divide(idx, stride), d))
    return _strong(tuple(out))


@_array_results
def ravel_multi_index(multi_index, dims, mode: str = "raise", order: str = "C"):
    """numpy.ravel_multi_index: coordinate arrays to flat indices (C order).

    >>> ravel_multi_index((np.array([1, 0]), np.array([2, 1])), (2, 3))
    array([5, 1])
    """
    if order != "C":
        raise NotImplementedError("fungrad.numpy.ravel_multi_index supports order='C' only")
    coords = [_arr(c) for c in multi_index]
    dims = tuple(operator.index(d) for d in dims)
    if len(coords) != len(dims):
        raise ValueError(f"fungrad.numpy.ravel_multi_index: {len(coords)} coordinate arrays "
                         f"for {len(dims)} dimensions")
    if not builtins.any(isinstance(c, Tracer) for c in coords):
        return np.ravel_multi_index(tuple(np.asarray(c) for c in coords), dims, mode)
    out = None
    for c, d in zip(coords, dims):
        if mode == "wrap":
            c = ew.mod(c, d)
        elif mode == "clip":
            c = ew.maximum(ew.minimum(c, d - 1), 0)
        out = c if out is None else ew.add(ew.mul(out, d), c)
    return out
