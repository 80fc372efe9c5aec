"""Creating arrays: from data, constants, ranges, and matrices built from others
(``tri``, ``triu``, ``tril``, ``diag``)."""
from __future__ import annotations

import builtins
import operator

import numpy as np
from numpy import float64

from fungrad.array import wrap  # eager results are immutable fungrad Arrays
from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _arr, _array_results, _dtype, _ndim, _shape, _strong, _traced
from fungrad.numpy.dtypes import astype
from fungrad.numpy.indexing import diagonal
from fungrad.numpy.joining import stack
from fungrad.numpy.reductions import sum  # noqa: F401  (the examples use it)
from fungrad.numpy.shapes import broadcast_to, expand_dims
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.rules import probe_value
from fungrad.prims.structural import ARRAY, Indexer


def array(object, dtype=None, copy: bool = True, ndmin: int = 0):  # noqa: A002
    """numpy.array; nested lists may contain traced values (they are stacked).

    >>> array([1.0, 2.0])
    array([1., 2.])
    """
    if isinstance(object, Tracer):
        out = object if dtype is None else astype(object, dtype)
    elif isinstance(object, (list, tuple)) and _contains_tracer(object):
        out = stack([array(o) for o in object])
        if dtype is not None:
            out = astype(out, dtype)
    else:
        return _strong(wrap(np.array(object, dtype=dtype, copy=copy, ndmin=ndmin)))
    while _ndim(out) < ndmin:
        out = expand_dims(out, 0)
    return _strong(out)


def _contains_tracer(obj) -> bool:
    stack_ = [obj]
    while stack_:
        x = stack_.pop()
        if isinstance(x, Tracer):
            return True
        if isinstance(x, (list, tuple)):
            stack_.extend(x)
    return False


def asarray(a, dtype=None):
    """numpy.asarray; traced values pass through (cast if ``dtype`` is given).

    >>> asarray([1, 2]).dtype
    dtype('int64')
    """
    if isinstance(a, Tracer) or (isinstance(a, (list, tuple)) and _contains_tracer(a)):
        return _strong(array(a, dtype))
    return _strong(wrap(np.asarray(a, dtype=dtype)))


def zeros(shape, dtype=float64):
    """numpy.zeros (a constant).

    >>> zeros(2)
    array([0., 0.])
    >>> zeros((2, 3), np.int32).dtype
    dtype('int32')
    """
    return wrap(np.zeros(shape, dtype))


def ones(shape, dtype=float64):
    """numpy.ones (a constant).

    >>> ones(2)
    array([1., 1.])
    """
    return wrap(np.ones(shape, dtype))


def empty(shape, dtype=float64):
    """Like numpy.empty, but zero-filled (fungrad arrays are never uninitialized).

    >>> empty((2, 2))
    array([[0., 0.],
           [0., 0.]])
    """
    return wrap(np.zeros(shape, dtype))


def full(shape, fill_value, dtype=None):
    """numpy.full; a traced ``fill_value`` is broadcast.

    >>> full(2, 7.0)
    array([7., 7.])
    """
    if isinstance(fill_value, Tracer):
        v = fill_value if dtype is None else astype(fill_value, dtype)
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return broadcast_to(v, shape)
    return wrap(np.full(shape, fill_value, dtype))


def _like(a, dtype, shape):
    aval = get_aval(_arr(a))
    return (aval.shape if shape is None else shape,
            aval.dtype if dtype is None else np.dtype(dtype))


def zeros_like(a, dtype=None, shape=None):
    """numpy.zeros_like (a constant even for a traced ``a``: only its shape is used).

    >>> zeros_like(np.arange(3))
    array([0, 0, 0])
    """
    s, d = _like(a, dtype, shape)
    return wrap(np.zeros(s, d))


def ones_like(a, dtype=None, shape=None):
    """numpy.ones_like (a constant even for a traced ``a``).

    >>> ones_like(np.zeros((2, 2)), dtype=np.float32)
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    s, d = _like(a, dtype, shape)
    return wrap(np.ones(s, d))


def empty_like(a, dtype=None, shape=None):
    """Like numpy.empty_like, but zero-filled.

    >>> empty_like(np.arange(3.0))
    array([0., 0., 0.])
    """
    return zeros_like(a, dtype, shape)


def full_like(a, fill_value, dtype=None, shape=None):
    """numpy.full_like.

    >>> full_like(np.zeros(2), 3.0)
    array([3., 3.])
    """
    s, d = _like(a, dtype, shape)
    return full(s, fill_value, d)


def arange(start, stop=None, step=None, dtype=None):
    """numpy.arange (a constant).

    >>> arange(3.0)
    array([0., 1., 2.])
    >>> arange(1, 7, 2)
    array([1, 3, 5])
    """
    args = [a for a in (start, stop, step) if a is not None]
    args = [operator.index(a) if isinstance(a, Tracer) else a for a in args]
    return wrap(np.arange(*args, dtype=dtype))


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype=None, axis: int = 0):
    """numpy.linspace; differentiable in ``start`` and ``stop``.

    >>> linspace(0.0, 1.0, 3)
    array([0. , 0.5, 1. ])
    """
    if not _traced(start, stop):
        out = np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
        return (wrap(out[0]), out[1]) if retstep else wrap(out)
    num = operator.index(num)
    if num < 0:  # numpy's check, which the traced path would otherwise skip
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if axis != 0 or retstep:
        raise NotImplementedError("fungrad.numpy.linspace with traced endpoints supports "
                                  "axis=0 and retstep=False only")
    div_ = (num - 1) if endpoint else num
    start, stop = _arr(start), _arr(stop)
    # numpy computes in result_type(start, stop, float(num)): float32 endpoints stay float32
    dt = np.result_type(probe_value(get_aval(start)), probe_value(get_aval(stop)), 0.0)
    steps = (np.arange(num, dtype=np.float64) / builtins.max(div_, 1)).astype(dt)
    shape = np.broadcast_shapes(_shape(start), _shape(stop))
    steps = steps.reshape((num,) + (1,) * len(shape))
    out = ew.add(start, ew.mul(steps, ew.sub(stop, start)))
    return out if dtype is None else astype(out, dtype)


def eye(N: int, M: int | None = None, k: int = 0, dtype=float64):
    """numpy.eye (a constant).

    >>> eye(2)
    array([[1., 0.],
           [0., 1.]])
    >>> eye(2, 3, k=1)
    array([[0., 1., 0.],
           [0., 0., 1.]])
    """
    return wrap(np.eye(N, M, k, dtype))


def identity(n: int, dtype=float64):
    """numpy.identity (a constant).

    >>> identity(2)
    array([[1., 0.],
           [0., 1.]])
    """
    return wrap(np.identity(n, dtype))


def tri(N: int, M: int | None = None, k: int = 0, dtype=float64):
    """numpy.tri (a constant).

    >>> tri(3)
    array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 1., 1.]])
    """
    return wrap(np.tri(N, M, k, dtype))


def triu(m, k: int = 0):
    """numpy.triu: zero below the k-th diagonal (a 1-D ``m`` is a row of a square matrix).

    >>> triu(np.ones((3, 3)), k=1)
    array([[0., 1., 1.],
           [0., 0., 1.],
           [0., 0., 0.]])
    """
    m = _arr(m)
    s = _shape(m)
    mask = ~np.tri(*s[-2:], k=k - 1, dtype=bool)
    return ew.select(mask, m, np.zeros((), _dtype(m)))


def tril(m, k: int = 0):
    """numpy.tril: zero above the k-th diagonal (a 1-D ``m`` is a row of a square matrix).

    >>> tril(np.ones((3, 3)))
    array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 1., 1.]])
    >>> import fungrad
    >>> fungrad.grad(lambda m: sum(tril(m)))(np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    m = _arr(m)
    s = _shape(m)
    mask = np.tri(*s[-2:], k=k, dtype=bool)
    return ew.select(mask, m, np.zeros((), _dtype(m)))


@_array_results
def diag(v, k: int = 0):
    """numpy.diag: the diagonal of a matrix, or a matrix with ``v`` on its diagonal.

    >>> diag(np.array([1.0, 2.0]))
    array([[1., 0.],
           [0., 2.]])
    """
    v = _arr(v)
    nd = _ndim(v)
    if nd == 2:
        return diagonal(v, k)
    if nd != 1:
        raise ValueError(f"diag: input must be 1-d or 2-d, got {get_aval(v).str_short()}")
    n = _shape(v)[0] + builtins.abs(k)
    idx = np.arange(_shape(v)[0])
    rows, cols = (idx, idx + k) if k >= 0 else (idx - k, idx)
    base = np.zeros((n, n), _dtype(v))
    if not isinstance(v, Tracer):
        base[rows, cols] = v
        return base
    return st.scatter(base, v, rows, cols, indexer=Indexer([ARRAY, ARRAY]))


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10.0, dtype=None,
             axis: int = 0):
    """numpy.logspace: ``base ** linspace(start, stop, num)``; differentiable in the ends
    and the base.

    >>> logspace(0.0, 2.0, 3)
    array([  1.,  10., 100.])
    """
    y = linspace(start, stop, num, endpoint, axis=axis)
    out = ew.power(_arr(base), y) if _traced(base, start, stop) else np.power(base, y)
    return out if dtype is None else astype(out, dtype)


@_array_results
def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None, axis: int = 0):
    """numpy.geomspace: numbers evenly spaced on a log scale from ``start`` to ``stop``
    (same sign, non-zero); the ends are exact.

    >>> geomspace(1.0, 1000.0, 4)
    array([   1.,   10.,  100., 1000.])
    """
    if not _traced(start, stop):
        return np.geomspace(start, stop, num, endpoint, dtype, axis)
    if axis != 0:
        raise NotImplementedError("fungrad.numpy.geomspace with traced ends supports axis=0")
    start, stop = _arr(start), _arr(stop)
    # as numpy: everything in at least float64
    dt = np.result_type(probe_value(get_aval(start)), probe_value(get_aval(stop)), np.float64)
    start, stop = astype(start, dt), astype(stop, dt)
    logs = linspace(ew.log10(ew.absolute(start)), ew.log10(ew.absolute(stop)), num, endpoint)
    out = ew.mul(ew.power(10.0, logs), ew.sign(start))
    # numpy pins the ends to the given values exactly
    if num > 0:
        idx = np.arange(num).reshape((num,) + (1,) * (_ndim(out) - 1))
        out = ew.select(idx == 0, broadcast_to(start, _shape(out)), out)
        if endpoint and num > 1:
            out = ew.select(idx == num - 1, broadcast_to(stop, _shape(out)), out)
    return out if dtype is None else astype(out, dtype)


@_array_results
def copy(a, order=None):
    """numpy.copy (fungrad arrays are immutable, so this is their value).

    >>> copy(np.array([1.0, 2.0]))
    array([1., 2.])
    """
    a = _arr(a)
    return _strong(a if isinstance(a, Tracer) else np.array(a, copy=True))


@_array_results
def fromfunction(function, shape, *, dtype=float64, **kwargs):
    """numpy.fromfunction as JAX does it: ``function`` is mapped with ``vmap`` over every
    index, so it sees scalar indices (not numpy's whole index grids) and may return arrays or
    a pytree; each result gets ``shape`` as its leading axes.

    >>> fromfunction(lambda i, j: i + 10 * j, (2, 3))
    array([[ 0., 10., 20.],
           [ 1., 11., 21.]])
    >>> fromfunction(lambda i: (i + 1) * np.arange(3), (2,), dtype=int)
    array([[0, 1, 2],
           [0, 2, 4]])
    """
    from fungrad.vmap import vmap  # vmap lives above this layer (see numpy/vectorizing.py)
    shape = tuple(operator.index(n) for n in shape)
    mapped = lambda *indices: function(*indices, **kwargs)  # noqa: E731
    for axis in reversed(range(len(shape))):  # the outermost map runs over axis 0
        mapped = vmap(mapped, in_axes=tuple(0 if j == axis else None for j in range(len(shape))))
    return mapped(*(np.arange(n, dtype=dtype) for n in shape))


@_array_results
def frombuffer(buffer, dtype=float64, count: int = -1, offset: int = 0):
    """numpy.frombuffer (a constant).

    >>> frombuffer(np.array([1.0, 2.0]).tobytes())
    array([1., 2.])
    """
    return np.frombuffer(buffer, dtype, count, offset).copy()


@_array_results
def fromiter(iterable, dtype, count: int = -1):
    """numpy.fromiter (a constant).

    >>> fromiter(range(3), np.int64)
    array([0, 1, 2])
    """
    return np.fromiter(iterable, dtype, count)


@_array_results
def fromstring(string, dtype=float64, count: int = -1, *, sep: str):
    """numpy.fromstring with a separator (a constant).

    >>> fromstring("1 2 3", sep=" ")
    array([1., 2., 3.])
    """
    return np.fromstring(string, dtype, count, sep=sep)
