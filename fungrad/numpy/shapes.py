"""Shapes: reshaping, transposing, adding and removing axes, broadcasting."""
from __future__ import annotations

import math
import operator

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _arr, _array_results, _axes, _axis, _ndim, _shape, _size, _strong
from fungrad.prims import structural as st


def shape(a) -> tuple:
    """numpy.shape (static).

    >>> shape(np.zeros((2, 3)))
    (2, 3)
    """
    return _shape(_arr(a))


def ndim(a) -> int:
    """numpy.ndim (static).

    >>> ndim(np.zeros((2, 3)))
    2
    """
    return _ndim(_arr(a))


def size(a, axis=None) -> int:
    """numpy.size (static).

    >>> size(np.zeros((2, 3)))
    6
    >>> size(np.zeros((2, 3)), axis=1)
    3
    >>> size(np.zeros((2, 3, 4)), axis=(0, 2))
    8
    """
    s = _shape(_arr(a))
    if axis is None:
        return int(math.prod(s))
    if isinstance(axis, (tuple, list)):  # JAX's size takes several axes: their product
        return int(math.prod([s[ax] for ax in axis]))
    return s[axis]


def reshape(a, shape=None, order: str = "C", *, newshape=None):
    """numpy.reshape (one -1 allowed), in C order or, with ``order='F'``, reading and
    writing the first index fastest, as numpy and JAX do ('A' is refused, as in JAX).

    >>> reshape(np.arange(6), (2, -1)).shape
    (2, 3)
    >>> reshape(np.arange(6), (3, 2))
    array([[0, 1],
           [2, 3],
           [4, 5]])
    >>> reshape(np.arange(6), (3, 2), order="F")
    array([[0, 3],
           [1, 4],
           [2, 5]])
    """
    if order not in ("C", "F"):
        if order == "A":
            raise NotImplementedError("fungrad.numpy.reshape: order='A' is not supported "
                                      "(as in JAX); use 'C' or 'F'")
        raise ValueError(f"fungrad.numpy.reshape: order must be 'C' or 'F', got {order!r}")
    shape = newshape if shape is None else shape
    a = _arr(a)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(
        operator.index(d) for d in shape)
    n = _size(a)
    if shape.count(-1) > 1:
        raise ValueError("fungrad.numpy.reshape: can only specify one unknown dimension")
    if -1 in shape:
        known = int(math.prod([d for d in shape if d != -1]))
        if known == 0 or n % known:
            raise ValueError(f"cannot reshape array of size {n} into shape {shape}")
        shape = tuple(n // known if d == -1 else d for d in shape)
    if int(math.prod(shape)) != n:
        raise ValueError(f"cannot reshape array {get_aval(a).str_short()} of size {n} into "
                         f"shape {shape}")
    if order == "F":  # Fortran order is C order on the reversed axes
        reversed_axes = tuple(range(_ndim(a)))[::-1]
        flipped = st.reshape(st.transpose(a, reversed_axes), shape[::-1])
        return _strong(st.transpose(flipped, tuple(range(len(shape)))[::-1]))
    return _strong(st.reshape(a, shape))


@_array_results
def ravel(a, order: str = "C"):
    """numpy.ravel, in C order or (``order='F'``) Fortran order.

    >>> ravel(np.ones((2, 2))).shape
    (4,)
    >>> ravel(np.array([[1, 2], [3, 4]]))
    array([1, 2, 3, 4])
    >>> ravel(np.array([[1, 2], [3, 4]]), order="F")
    array([1, 3, 2, 4])
    """
    return _strong(reshape(a, (-1,), order))


@_array_results
def transpose(a, axes=None):
    """numpy.transpose.

    >>> transpose(np.ones((2, 3))).shape
    (3, 2)
    >>> transpose(np.zeros((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    a = _arr(a)
    nd = _ndim(a)
    if axes is None:
        axes = tuple(range(nd))[::-1]
    axes = tuple(_axis(x, nd, "transpose") for x in axes)
    if sorted(axes) != list(range(nd)):
        raise ValueError(f"fungrad.numpy.transpose: axes {axes} don't match array "
                         f"{get_aval(a).str_short()}")
    return _strong(st.transpose(a, axes))


@_array_results
def permute_dims(a, axes=None):
    """numpy.permute_dims (an alias of transpose).

    >>> permute_dims(np.zeros((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return _strong(transpose(a, axes))


def matrix_transpose(x, /):
    """Swap the last two axes.

    >>> matrix_transpose(np.ones((5, 2, 3))).shape
    (5, 3, 2)
    """
    return _strong(swapaxes(x, -1, -2))


def moveaxis(a, source, destination):
    """numpy.moveaxis.

    >>> moveaxis(np.ones((1, 2, 3)), 0, -1).shape
    (2, 3, 1)
    """
    a = _arr(a)
    nd = _ndim(a)
    src = _axes(source if isinstance(source, (tuple, list)) else (source,), nd, "moveaxis")
    dst = _axes(destination if isinstance(destination, (tuple, list)) else (destination,),
                nd, "moveaxis")
    if len(src) != len(dst):
        raise ValueError("fungrad.numpy.moveaxis: source and destination must have the same "
                         "number of elements")
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _strong(st.transpose(a, order))


def swapaxes(a, axis1: int, axis2: int):
    """numpy.swapaxes.

    >>> swapaxes(np.ones((2, 3)), 0, 1).shape
    (3, 2)
    """
    a = _arr(a)
    nd = _ndim(a)
    perm = list(range(nd))
    i, j = _axis(axis1, nd, "swapaxes"), _axis(axis2, nd, "swapaxes")
    perm[i], perm[j] = perm[j], perm[i]
    return _strong(st.transpose(a, perm))


def expand_dims(a, axis):
    """numpy.expand_dims.

    >>> expand_dims(np.ones(2), 0).shape
    (1, 2)
    >>> expand_dims(np.ones(2), (0, 2)).shape
    (1, 2, 1)
    """
    a = _arr(a)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out_nd = _ndim(a) + len(axes)
    axes = sorted(_axis(x, out_nd, "expand_dims") for x in axes)
    shape = list(_shape(a))
    for x in axes:
        shape.insert(x, 1)
    return _strong(st.reshape(a, tuple(shape)))


@_array_results
def squeeze(a, axis=None):
    """numpy.squeeze.

    >>> squeeze(np.ones((1, 2, 1))).shape
    (2,)
    >>> squeeze(np.ones((1, 2, 1)), axis=0).shape
    (2, 1)
    """
    a = _arr(a)
    s = _shape(a)
    if axis is None:
        axes = tuple(i for i, d in enumerate(s) if d == 1)
    else:
        axes = _axes(axis, len(s), "squeeze")
        for x in axes:
            if s[x] != 1:
                raise ValueError("cannot select an axis to squeeze out which has size not "
                                 f"equal to one (axis {x} of {get_aval(a).str_short()})")
    return _strong(st.reshape(a, tuple(d for i, d in enumerate(s) if i not in axes)))


@_array_results
def broadcast_to(array, shape):  # noqa: A002
    """numpy.broadcast_to; its gradient sums over the broadcast axes.

    >>> broadcast_to(1.0, (2,))
    array([1., 1.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: broadcast_to(x, (2, 3)).sum())(1.0)
    np.float64(6.0)
    """
    x = _arr(array)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    try:
        out = np.broadcast_shapes(_shape(x), shape)
    except ValueError:
        out = None
    if out != shape:
        raise ValueError(f"fungrad.numpy.broadcast_to: cannot broadcast "
                         f"{get_aval(x).str_short()} to shape {shape}")
    if not isinstance(x, Tracer):
        return _strong(np.broadcast_to(x, shape))
    return _strong(st.broadcast_to(x, shape))


@_array_results
def broadcast_arrays(*args):
    """numpy.broadcast_arrays.

    >>> a, b = broadcast_arrays(np.array([[1.0], [2.0]]), np.array([10.0, 20.0, 30.0]))
    >>> a.shape, b.shape
    ((2, 3), (2, 3))
    >>> a
    array([[1., 1., 1.],
           [2., 2., 2.]])
    """
    arrays = [_arr(a) for a in args]
    shape = np.broadcast_shapes(*[_shape(a) for a in arrays])
    return _strong([broadcast_to(a, shape) for a in arrays])


@_array_results
def atleast_1d(*arys):
    """numpy.atleast_1d.

    >>> atleast_1d(1.0)
    array([1.])
    """
    res = [reshape(a, (1,)) if _ndim(_arr(a)) == 0 else _arr(a) for a in arys]
    return _strong(res[0] if len(res) == 1 else res)


def atleast_2d(*arys):
    """numpy.atleast_2d.

    >>> atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    res = []
    for a in arys:
        a = _arr(a)
        nd = _ndim(a)
        res.append(reshape(a, (1, 1)) if nd == 0 else reshape(a, (1,) + _shape(a))
                   if nd == 1 else a)
    return _strong(res[0] if len(res) == 1 else res)


def atleast_3d(*arys):
    """numpy.atleast_3d.

    >>> atleast_3d(np.ones(3)).shape
    (1, 3, 1)
    """
    res = []
    for a in arys:
        a = _arr(a)
        s = _shape(a)
        if len(s) == 0:
            a = reshape(a, (1, 1, 1))
        elif len(s) == 1:
            a = reshape(a, (1, s[0], 1))
        elif len(s) == 2:
            a = reshape(a, s + (1,))
        res.append(a)
    return _strong(res[0] if len(res) == 1 else res)


def rollaxis(a, axis: int, start: int = 0):
    """numpy.rollaxis: move ``axis`` to before position ``start``.

    >>> rollaxis(np.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    >>> rollaxis(np.ones((2, 3, 4)), 0, 3).shape
    (3, 4, 2)
    """
    a = _arr(a)
    nd = _ndim(a)
    axis = _axis(axis, nd, "rollaxis")
    if not -nd <= start <= nd:
        raise ValueError(f"fungrad.numpy.rollaxis: start {start} is out of bounds for an "
                         f"array of dimension {nd}")
    start = start + nd if start < 0 else start
    if axis < start:
        start -= 1
    return _strong(moveaxis(a, axis, start))


def broadcast_shapes(*shapes) -> tuple:
    """numpy.broadcast_shapes (static).

    >>> broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"fungrad.numpy.broadcast_shapes: shapes {shapes} do not "
                         "broadcast") from None
