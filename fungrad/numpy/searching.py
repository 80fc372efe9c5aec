"""Searching sorted arrays and finding elements: searchsorted, digitize, nonzero, argwhere,
flatnonzero, and choosing among arrays: select, piecewise, choose, compress, extract.

Functions whose numpy result has a data-dependent shape (nonzero, argwhere, flatnonzero,
compress and extract with a traced condition) take JAX's ``size=`` / ``fill_value=``
arguments: with ``size`` given they work under ``jit`` and ``vmap``; without it they need a
concrete (non-traced) condition.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _array_results, _arr, _axis, _dtype, _ndim, _shape
from fungrad.numpy.dtypes import astype
from fungrad.numpy.indexing import take, take_along_axis
from fungrad.numpy.reductions import sum
from fungrad.numpy.joining import stack
from fungrad.numpy.shapes import broadcast_arrays, broadcast_to, expand_dims, ravel, reshape
from fungrad.numpy.sorting import argsort
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st


def _before(a, v, side: str):
    """``a[i]`` sorts before ``v`` (left) or not after it (right), in numpy's order, where
    NaN is larger than every number."""
    if side == "left":
        return ew.logical_or(ew.lt(a, v), ew.logical_and(ew.isnan(v),
                                                         ew.logical_not(ew.isnan(a))))
    return ew.logical_or(ew.le(a, v), ew.isnan(v))


@_array_results
def searchsorted(a, v, side: str = "left", sorter=None, *, method: str = "scan"):
    """numpy.searchsorted: where ``v``'s elements would go in the sorted 1-D ``a`` to keep it
    sorted (int64 indices, zero derivative). ``method`` is accepted for JAX's signature.

    >>> searchsorted(np.array([1.0, 2.0, 2.0, 5.0]), np.array([2.0, 3.0, 9.0]))
    array([1, 3, 4])
    >>> searchsorted(np.array([1.0, 2.0, 2.0, 5.0]), 2.0, side="right")
    np.int64(3)
    """
    a, v = _arr(a), _arr(v)
    if _ndim(a) != 1:
        raise ValueError(f"fungrad.numpy.searchsorted: a must be 1-D, got "
                         f"{get_aval(a).str_short()}")
    if side not in ("left", "right"):
        raise ValueError(f"fungrad.numpy.searchsorted: side must be 'left' or 'right', got "
                         f"{side!r}")
    if sorter is not None:
        a = take(a, sorter)
    if not isinstance(a, Tracer) and not isinstance(v, Tracer):
        return np.searchsorted(a, v, side)
    # compare every v with every a: O(len(a) * v.size), traceable and batchable
    hits = _before(a, expand_dims(v, -1), side)
    return sum(astype(hits, np.int64), axis=-1)


def digitize(x, bins, right: bool = False, *, method: str | None = None):
    """numpy.digitize: the index of the bin of each ``x`` (bins increasing or decreasing).
    JAX's ``method`` (the search strategy) is accepted; the answer is the same.

    >>> digitize(np.array([0.5, 1.0, 2.5, 9.0]), np.array([1.0, 2.0, 3.0]))
    array([0, 1, 2, 3])
    >>> digitize(np.array([0.5, 1.0, 2.5]), np.array([3.0, 2.0, 1.0]), right=True)
    array([3, 3, 1])
    """
    x, bins = _arr(x), _arr(bins)
    if _ndim(bins) != 1:
        raise ValueError(f"fungrad.numpy.digitize: bins must be 1-D, got "
                         f"{get_aval(bins).str_short()}")
    side = "left" if right else "right"
    n = _shape(bins)[0]
    if n == 0:
        return np.zeros(_shape(x), np.int64)
    increasing = searchsorted(bins, x, side)
    # decreasing bins: x's bin counts the bins above x (right=False) or at or above it
    decreasing = ew.sub(n, searchsorted(st.rev(bins, (0,)), x, "left" if right else "right"))
    first, last = take(bins, 0), take(bins, n - 1)
    if not isinstance(bins, Tracer):
        if not (np.all(np.diff(bins) >= 0) or np.all(np.diff(bins) <= 0)):
            raise ValueError("fungrad.numpy.digitize: bins must be monotonically increasing "
                             "or decreasing")
    return ew.select(ew.ge(last, first), increasing, decreasing)


def _concrete(x, func: str, arg: str):
    if isinstance(x, Tracer):
        raise TypeError(
            f"fungrad.numpy.{func}: the size of the result depends on the values of {arg} "
            f"({x.aval.str_short()}), which are traced here; pass size= (and fill_value=) "
            "to fix the size, as in JAX")
    return np.asarray(x)


@_array_results
def nonzero(a, *, size: int | None = None, fill_value=None):
    """numpy.nonzero: a tuple of index arrays, one per axis. Under tracing give ``size``:
    the first ``size`` hits, padded with ``fill_value`` (default 0).

    >>> nonzero(np.array([0.0, 3.0, 0.0, 4.0]))
    (array([1, 3]),)
    >>> nonzero(np.array([[0, 1], [2, 0]]), size=3, fill_value=-1)
    (array([ 0,  1, -1]), array([ 1,  0, -1]))
    """
    a = _arr(a)
    if _ndim(a) == 0:
        raise ValueError("fungrad.numpy.nonzero: calling nonzero on 0-d arrays is not "
                         "allowed (use atleast_1d)")
    if size is None:
        return np.nonzero(_concrete(a, "nonzero", "a"))
    shape = _shape(a)
    flat = ew.ne(ravel(a), 0)
    n = _shape(flat)[0]
    # stable sort of "is zero": the hits' positions first, in order
    order = argsort(astype(ew.logical_not(flat), np.int8))
    first = take(order, np.arange(size) % builtins.max(n, 1)) if n else \
        np.zeros(size, np.int64)
    count = sum(astype(flat, np.int64))
    valid = ew.lt(np.arange(size), count)
    fills = _fill_values(fill_value, len(shape), "nonzero")
    out = []
    for axis, d in enumerate(shape):
        stride = int(math.prod(shape[axis + 1:]))
        index = ew.mod(ew.floor_divide(first, stride), d) if d else first
        fill = fills[axis]
        # the indices take the fill's type where it is wider (a float fill gives floats, as
        # in JAX); the fill may be traced (an argument of a jitted function)
        dtype = np.result_type(np.int64, fill if type(fill) in (bool, int, float, complex)
                               else _dtype(fill))
        out.append(ew.select(valid, astype(index, dtype), astype(fill, dtype)))
    return tuple(out)


def _fill_values(fill_value, ndim: int, func: str) -> tuple:
    """``fill_value`` as one scalar per axis: JAX takes a scalar or a tuple of ``ndim``."""
    if fill_value is None:
        return (0,) * ndim
    if isinstance(fill_value, (tuple, list)):
        if len(fill_value) != ndim:
            raise ValueError(f"fungrad.numpy.{func}: fill_value must be a scalar or a tuple "
                             f"of length {ndim} (one per axis of a), got {len(fill_value)} "
                             f"values")
        fills = tuple(_arr(f) for f in fill_value)
    else:
        fills = (_arr(fill_value),) * ndim
    for f in fills:
        if _ndim(f) != 0:
            raise ValueError(f"fungrad.numpy.{func}: fill_value must be a scalar or a tuple "
                             f"of length {ndim} (one per axis of a), got "
                             f"{get_aval(f).str_short()}")
        if _dtype(f).kind not in "biuf":
            raise TypeError(f"fungrad.numpy.{func}: fill_value must be a real number, got "
                            f"{get_aval(f).str_short()}")
    return fills


@_array_results
def flatnonzero(a, *, size: int | None = None, fill_value=None):
    """numpy.flatnonzero: indices of the nonzero elements of ``ravel(a)``.

    >>> flatnonzero(np.array([[0, 1], [2, 0]]))
    array([1, 2])
    >>> flatnonzero(np.array([0, 5, 0]), size=2, fill_value=9)
    array([1, 9])
    """
    return nonzero(ravel(_arr(a)), size=size, fill_value=fill_value)[0]


@_array_results
def argwhere(a, *, size: int | None = None, fill_value=None):
    """numpy.argwhere: the indices of the nonzero elements, one row each.

    >>> argwhere(np.array([[0, 1], [2, 0]]))
    array([[0, 1],
           [1, 0]])
    """
    a = _arr(a)
    if _ndim(a) == 0:
        # a 0-d array has no axes: one empty row if it is nonzero (numpy), size rows (JAX)
        if size is None:
            return np.argwhere(_concrete(a, "argwhere", "a"))
        _fill_values(fill_value, 0, "argwhere")
        return np.zeros((size, 0), np.int64)
    parts = nonzero(a, size=size, fill_value=fill_value)
    if size is None:
        return np.argwhere(np.asarray(a))
    return st.concatenate([reshape(p, (-1, 1)) for p in parts], 1)


def select(condlist, choicelist, default=0):
    """numpy.select: where ``condlist[i]`` holds (the first that does), ``choicelist[i]``;
    else ``default``. Differentiable in the choices.

    >>> select([np.array([True, False, False]), np.array([True, True, False])],
    ...        [np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0])], -1.0)
    array([ 1., 20., -1.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"fungrad.numpy.select: condlist ({len(condlist)} entries) and "
                         f"choicelist ({len(choicelist)}) must have the same length")
    if not condlist:
        raise ValueError("fungrad.numpy.select: condlist must not be empty")
    conds = [_arr(c) for c in condlist]
    for c in conds:
        if _dtype(c) != np.bool_:
            raise TypeError(f"fungrad.numpy.select: condlist entries must be boolean, got "
                            f"{get_aval(c).str_short()}")
    choices = [_arr(c) for c in choicelist]
    dtype = np.result_type(*[np.empty(0, _dtype(c)) if not isinstance(c, (int, float, bool))
                             else c for c in choices + [default]])
    out = astype(_arr(default), dtype)
    for c, x in zip(reversed(conds), reversed(choices)):
        out = ew.select(c, astype(x, dtype), out)
    shape = np.broadcast_shapes(*[_shape(c) for c in conds + choices + [_arr(default)]])
    return broadcast_to(out, shape)


def piecewise(x, condlist, funclist, *args, **kw):
    """numpy.piecewise: ``funclist[i](x, *args, **kw)`` where ``condlist[i]`` holds (the last
    true condition wins), a constant where ``funclist[i]`` is not callable; one extra entry
    in ``funclist`` is the value where no condition holds (else 0). The result has ``x``'s
    dtype. As in JAX every function is evaluated on all of ``x`` (so one that gives NaN
    where its condition is false still spoils the derivative there, as with ``where``).
    Differentiable in ``x``.

    As in JAX, ``condlist`` is read along its first axis: a list of conditions, or an array
    whose rows (or scalars) are the conditions; each is cast to bool and broadcast against
    ``x``. So ``piecewise(x, x > 0, ...)`` on a 1-D ``x`` has ``len(x)`` conditions: pass
    ``[x > 0]`` for one. A scalar condlist is one condition.

    >>> x = np.array([-2.0, 0.5, 3.0])
    >>> piecewise(x, [x < 0, x > 1], [lambda x: -x, lambda x: x * 10, 7.0])
    array([ 2.,  7., 30.])
    >>> piecewise(x, np.array([False, True]), [lambda x: -x, lambda x: x * 10])
    array([-20.,   5.,  30.])
    """
    x = _arr(x)
    if isinstance(condlist, (list, tuple)):
        conds = [_arr(c) for c in condlist]
    else:
        condlist = _arr(condlist)
        # an array's first axis indexes the conditions (JAX's reading); a scalar is one
        conds = [condlist] if _ndim(condlist) == 0 else \
            [condlist[i] for i in range(_shape(condlist)[0])]
    for i, c in enumerate(conds):
        try:
            np.broadcast_shapes(_shape(c), _shape(x))
        except ValueError:
            raise ValueError(f"fungrad.numpy.piecewise: every condition must be a boolean "
                             f"array broadcastable to x's shape {_shape(x)}, got condition "
                             f"{i}: {get_aval(c).str_short()}") from None
        if _ndim(c) > _ndim(x):
            raise ValueError(f"fungrad.numpy.piecewise: every condition must be a boolean "
                             f"array broadcastable to x's shape {_shape(x)}, got condition "
                             f"{i}: {get_aval(c).str_short()} (more axes than x)")
    funcs = list(funclist)
    if len(funcs) not in (len(conds), len(conds) + 1):
        raise ValueError(f"fungrad.numpy.piecewise: with {len(conds)} condition(s) funclist "
                         f"must have {len(conds)} or {len(conds) + 1} entries, got "
                         f"{len(funcs)} (an array condlist is read along its first axis, "
                         f"as in JAX: pass [cond] for a single condition)")

    def value(f):
        out = f(x, *args, **kw) if callable(f) else f
        return broadcast_to(astype(_arr(out), _dtype(x)), _shape(x))

    def truth(c):
        c = c if _dtype(c) == np.bool_ else ew.ne(c, 0)
        return broadcast_to(c, _shape(x))

    out = value(funcs[-1]) if len(funcs) > len(conds) else np.zeros(_shape(x), _dtype(x))
    for c, f in zip(conds, funcs):
        out = ew.select(truth(c), value(f), out)
    return out


def choose(a, choices, mode: str = "raise"):
    """numpy.choose: ``choices[a[i]][i]``, broadcasting; differentiable in the choices.
    ``mode`` is 'raise' (checked when ``a`` is concrete), 'wrap' or 'clip'.

    >>> choose(np.array([0, 2, 1]), [np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0]),
    ...                              np.array([100.0, 200.0, 300.0])])
    array([  1., 200.,  30.])
    """
    a = _arr(a)
    if _dtype(a).kind not in "iu":
        raise TypeError(f"fungrad.numpy.choose: a must be integers, got "
                        f"{get_aval(a).str_short()}")
    n = len(choices)
    if mode == "raise":
        if not isinstance(a, Tracer) and np.any((np.asarray(a) < 0) | (np.asarray(a) >= n)):
            raise ValueError(f"fungrad.numpy.choose: invalid entry in a for {n} choices")
    elif mode == "wrap":
        a = ew.mod(a, n)
    elif mode == "clip":
        a = ew.maximum(ew.minimum(a, n - 1), 0)
    else:
        raise ValueError(f"fungrad.numpy.choose: mode must be 'raise', 'wrap' or 'clip', got "
                         f"{mode!r}")
    arrays = broadcast_arrays(a, *choices)
    stacked = stack(arrays[1:])
    return take_along_axis(stacked, expand_dims(arrays[0], 0), 0)[0]


def compress(condition, a, axis: int | None = None, *, size: int | None = None,
             fill_value=0):
    """numpy.compress: the slices of ``a`` along ``axis`` where ``condition`` is true
    (differentiable in ``a``). A traced condition needs ``size``.

    >>> compress(np.array([True, False, True]), np.array([[1.0, 2.0, 3.0]]), axis=1)
    array([[1., 3.]])
    """
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, _ndim(a), "compress")
    cond = _arr(condition)
    if _ndim(cond) != 1:
        raise ValueError(f"fungrad.numpy.compress: condition must be a 1-D array, got "
                         f"{get_aval(cond).str_short()}")
    if size is None:
        idx = np.flatnonzero(_concrete(cond, "compress", "condition"))
        if idx.size and idx[-1] >= _shape(a)[axis]:
            raise ValueError(f"fungrad.numpy.compress: condition is longer than axis {axis} "
                             f"of {get_aval(a).str_short()}")
        return take(a, idx, axis)
    (idx,) = nonzero(cond, size=size, fill_value=-1)
    picked = take(a, ew.maximum(idx, 0), axis)
    shape = [1] * _ndim(a)
    shape[axis] = size
    keep = reshape(ew.ge(idx, 0), tuple(shape))
    return ew.select(keep, picked, astype(_arr(fill_value), _dtype(a)))


def extract(condition, arr, *, size: int | None = None, fill_value=0):
    """numpy.extract: ``ravel(arr)[ravel(condition) != 0]``.

    >>> extract(np.array([[1, 0], [0, 1]]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([1., 4.])
    """
    return compress(ew.ne(ravel(_arr(condition)), 0), ravel(_arr(arr)), size=size,
                    fill_value=fill_value)


def bincount(x, weights=None, minlength: int = 0, *, length: int | None = None):
    """numpy.bincount: how often each non-negative integer occurs (or the sum of its
    ``weights``, differentiable in them). Under tracing give ``length`` (JAX's argument):
    values at or past it are dropped. As in JAX, negative values count as 0 (numpy
    refuses them).

    >>> bincount(np.array([0, 1, 1, 3]))
    array([1, 2, 0, 1])
    >>> bincount(np.array([-1, -1, 1, 3, 10]), length=5)
    array([2, 1, 0, 1, 0])
    >>> bincount(np.array([0, 1, 1]), weights=np.array([0.5, 1.0, 2.0]), length=3)
    array([0.5, 3. , 0. ])
    """
    x = _arr(x)
    if _ndim(x) != 1 or _dtype(x).kind not in "biu":
        raise TypeError(f"fungrad.numpy.bincount: x must be a 1-D array of non-negative "
                        f"integers, got {get_aval(x).str_short()}")
    if _dtype(x).kind == "i":
        x = ew.maximum(x, np.zeros((), _dtype(x)))  # JAX clips negative values to bin 0
    if not isinstance(x, Tracer):
        if length is None:
            length = builtins.max(int(np.max(x, initial=-1)) + 1, minlength)
    elif length is None:
        raise TypeError("fungrad.numpy.bincount: the result's length depends on the values "
                        "of a traced x; pass length= as in JAX")
    hits = ew.eq(expand_dims(x, -1), np.arange(length))  # one row per element of x
    if weights is None:
        return sum(astype(hits, np.int64), axis=0)
    w = _arr(weights)
    if _shape(w) != _shape(x):
        raise ValueError(f"fungrad.numpy.bincount: weights {get_aval(w).str_short()} must "
                         f"have the shape of x {get_aval(x).str_short()}")
    if _dtype(w).kind != "c":  # numpy sums the weights in float64
        w = astype(w, np.float64)
    zero = np.zeros((), _dtype(w))
    return sum(ew.select(hits, expand_dims(w, -1), zero), axis=0)
