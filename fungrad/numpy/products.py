"""Matrix and vector products: dot, matmul, inner, outer, tensordot, trace, kron, cross,
matvec, vecmat (``numpy.linalg``'s decompositions live in ``fungrad.numpy.linalg``)."""
from __future__ import annotations

import builtins

import numpy as np

from fungrad.numpy._util import (
    ContractionShapeError, _arr, _array_results, _axis, _describe, _ndim, _not_supported,
    _shape, _size, _strong, _strong_operand, _traced,
)
from fungrad.core import get_aval
from fungrad.promotion import check_binary, checking as _promotion_checking
from fungrad.numpy.complex_functions import conjugate
from fungrad.numpy.indexing import diagonal, take
from fungrad.numpy.joining import stack
from fungrad.numpy.reductions import sum
from fungrad.numpy.shapes import broadcast_to, expand_dims, moveaxis, ravel, reshape, squeeze
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st


def dot(a, b, out=None):
    """numpy.dot.

    >>> dot(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.float64(11.0)
    >>> dot(np.eye(2), np.array([3.0, 4.0]))
    array([3., 4.])
    >>> import fungrad
    >>> fungrad.grad(dot)(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    array([3., 4.])
    """
    _not_supported("dot", "out", out)
    if _promotion_checking[0]:  # jax_numpy_dtype_promotion="strict" (fungrad.promotion)
        check_binary("dot", a, b, ranks=False)
    a, b = _strong_operand(a), _strong_operand(b)
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return ew.mul(a, b)
    rc = 0 if nb == 1 else nb - 2
    if _shape(a)[-1] != _shape(b)[rc]:
        raise ContractionShapeError(f"dot: shapes {_describe(a, b)} not aligned: "
                                    f"{_shape(a)[-1]} (dim {na - 1}) != {_shape(b)[rc]} "
                                    f"(dim {rc})")
    return st.dot_general(a, b, (((na - 1,), (rc,)), ((), ())))


def matmul(x1, x2, /):
    """numpy.matmul (the ``@`` operator), with batch broadcasting.

    >>> matmul(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    """
    a, b = _arr(x1), _arr(x2)
    if _promotion_checking[0]:  # jax_numpy_dtype_promotion="strict" (fungrad.promotion)
        check_binary("matmul", a, b, ranks=False)
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        raise ValueError(f"matmul: input operand does not have enough dimensions (operands "
                         f"{_describe(a, b)}); use * for scalars")
    ka = _shape(a)[-1]
    kb = _shape(b)[0] if nb == 1 else _shape(b)[-2]
    if ka != kb:
        raise ContractionShapeError(
            f"matmul: shapes {_describe(a, b)} are not aligned: the last dimension of the "
            f"first ({ka}) must equal the {'only' if nb == 1 else 'second-to-last'} dimension "
            f"of the second ({kb})")
    if na <= 2 and nb <= 2:
        return st.dot_general(a, b, (((na - 1,), (0 if nb == 1 else nb - 2,)), ((), ())))
    # stacks of matrices: vectors become matrices, batch dimensions broadcast
    a2 = expand_dims(a, 0) if na == 1 else a
    b2 = expand_dims(b, -1) if nb == 1 else b
    try:
        batch = np.broadcast_shapes(_shape(a2)[:-2], _shape(b2)[:-2])
    except ValueError:
        raise ContractionShapeError(f"matmul: the batch dimensions of {_describe(a, b)} do "
                                    "not broadcast") from None
    a2 = broadcast_to(a2, batch + _shape(a2)[-2:])
    b2 = broadcast_to(b2, batch + _shape(b2)[-2:])
    nbatch = len(batch)
    bd = tuple(range(nbatch))
    res = st.dot_general(a2, b2, (((nbatch + 1,), (nbatch,)), (bd, bd)))
    if na == 1:
        res = squeeze(res, -2)
    if nb == 1:
        res = squeeze(res, -1)
    return res


def vdot(a, b, /):
    """numpy.vdot: the dot product of the flattened inputs, the first one conjugated.

    >>> vdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2)))
    np.float64(10.0)
    """
    a, b = _arr(a), _arr(b)
    if _size(a) != _size(b):
        raise ContractionShapeError(f"vdot: {_describe(a, b)} have different sizes")
    return dot(ravel(conjugate(a)), ravel(b))


def vecdot(x1, x2, /, *, axis: int = -1):
    """numpy.vecdot: sum over ``axis`` of ``conj(x1) * x2``, broadcasting the rest.

    >>> vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
    array([3., 7.])
    """
    return sum(ew.mul(conjugate(_arr(x1)), _arr(x2)), axis=axis)


def inner(a, b, /):
    """numpy.inner: contraction over the last axes.

    >>> inner(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.float64(11.0)
    >>> inner(np.ones((2, 3)), np.ones((4, 3))).shape
    (2, 4)
    """
    a, b = _strong_operand(a), _strong_operand(b)
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return ew.mul(a, b)
    if _shape(a)[-1] != _shape(b)[-1]:
        raise ContractionShapeError(f"inner: shapes {_describe(a, b)} not aligned in the last "
                                    "dimension")
    return st.dot_general(a, b, (((na - 1,), (nb - 1,)), ((), ())))


def outer(a, b, out=None):
    """numpy.outer.

    >>> outer(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
    array([[ 1., 10.],
           [ 2., 20.]])
    """
    _not_supported("outer", "out", out)
    return ew.mul(reshape(ravel(a), (-1, 1)), reshape(ravel(b), (1, -1)))


def tensordot(a, b, axes=2):
    """numpy.tensordot.

    >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), 1).shape
    (2, 4)
    >>> tensordot(np.ones((2, 3)), np.ones((3, 2)), axes=([0, 1], [1, 0]))
    np.float64(6.0)
    """
    a, b = _strong_operand(a), _strong_operand(b)
    na, nb = _ndim(a), _ndim(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        ax_a, ax_b = tuple(range(na - n, na)), tuple(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = (ax_a,) if isinstance(ax_a, int) else tuple(ax_a)
        ax_b = (ax_b,) if isinstance(ax_b, int) else tuple(ax_b)
    ax_a = tuple(_axis(x, na, "tensordot") for x in ax_a)
    ax_b = tuple(_axis(x, nb, "tensordot") for x in ax_b)
    if len(ax_a) != len(ax_b) or builtins.any(_shape(a)[i] != _shape(b)[j]
                                              for i, j in zip(ax_a, ax_b)):
        raise ContractionShapeError(f"tensordot: shape-mismatch for sum over axes {ax_a} and "
                                    f"{ax_b} of {_describe(a, b)}")
    return st.dot_general(a, b, ((ax_a, ax_b), ((), ())))


def trace(a, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype=None, out=None):
    """numpy.trace.

    >>> trace(np.eye(3))
    np.float64(3.0)
    >>> import fungrad
    >>> fungrad.grad(trace)(np.ones((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    _not_supported("trace", "out", out)
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def kron(a, b):
    """numpy.kron.

    >>> kron(np.eye(2), np.ones((1, 2))).shape
    (2, 4)
    >>> kron(np.array([1.0, 10.0]), np.array([1.0, 2.0]))
    array([ 1.,  2., 10., 20.])
    """
    a, b = _arr(a), _arr(b)
    nd = builtins.max(_ndim(a), _ndim(b))
    sa = (1,) * (nd - _ndim(a)) + _shape(a)
    sb = (1,) * (nd - _ndim(b)) + _shape(b)
    a2 = reshape(a, tuple(x for d in sa for x in (d, 1)))
    b2 = reshape(b, tuple(x for d in sb for x in (1, d)))
    return _strong(reshape(ew.mul(a2, b2), tuple(x * y for x, y in zip(sa, sb))))


@_array_results
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """numpy.cross: the cross product of 3-vectors (or 2-vectors, whose missing third
    component is 0) along ``axisa`` of ``a`` and ``axisb`` of ``b``, placed on ``axisc``;
    ``axis`` sets all three. Two 2-vectors give the scalar z-component.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    >>> cross(np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]]), np.array([0.0, 1.0, 3.0]), axisa=0)
    array([[-2., -3.,  1.],
           [ 3.,  0.,  0.]])
    >>> cross(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.float64(-2.0)
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _arr(a), _arr(b)
    for name, x, ax in (("a", a, axisa), ("b", b, axisb)):
        if _ndim(x) == 0:
            raise ValueError(f"fungrad.numpy.cross: argument {name} must have at least one "
                             f"dimension, got {get_aval(x).str_short()}")
        _axis(ax, _ndim(x), "cross")
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if _shape(a)[-1] not in (2, 3) or _shape(b)[-1] not in (2, 3):
        raise ValueError(f"fungrad.numpy.cross: incompatible dimensions for cross product "
                         f"(dimension must be 2 or 3), got vectors of {_shape(a)[-1]} and "
                         f"{_shape(b)[-1]} along axisa={axisa}, axisb={axisb}")
    ax = [take(a, i, -1) for i in range(_shape(a)[-1])]
    bx = [take(b, i, -1) for i in range(_shape(b)[-1])]
    if len(ax) == len(bx) == 2:
        return ew.sub(ew.mul(ax[0], bx[1]), ew.mul(ax[1], bx[0]))
    # a missing third component is zero: its products drop out of the formula
    a2, b2 = (ax[2] if len(ax) == 3 else None), (bx[2] if len(bx) == 3 else None)

    def minus(p, q):
        return p if q is None else (ew.neg(q) if p is None else ew.sub(p, q))

    def times(p, q):
        return None if p is None or q is None else ew.mul(p, q)

    z = ew.sub(ew.mul(ax[0], bx[1]), ew.mul(ax[1], bx[0]))
    x = minus(times(ax[1], b2), times(a2, bx[1]))
    y = minus(times(a2, bx[0]), times(ax[0], b2))
    # every component is a product of an a-part and a b-part: all share one shape
    out = stack([x, y, z], -1)
    return moveaxis(out, -1, _axis(axisc, _ndim(out), "cross"))


def matvec(x1, x2, /):
    """numpy.matvec: matrix-vector products over broadcast batch dimensions.

    >>> matvec(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
    array([3., 7.])
    """
    x1, x2 = _arr(x1), _arr(x2)
    if _ndim(x1) < 2 or _ndim(x2) < 1:
        raise ValueError(f"fungrad.numpy.matvec: needs a matrix and a vector, got "
                         f"{_describe(x1, x2)}")
    return squeeze(matmul(x1, expand_dims(x2, -1)), -1)


def vecmat(x1, x2, /):
    """numpy.vecmat: vector-matrix products over broadcast batch dimensions.

    >>> vecmat(np.array([1.0, 1.0]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([4., 6.])
    """
    x1, x2 = _arr(x1), _arr(x2)
    if _ndim(x1) < 1 or _ndim(x2) < 2:
        raise ValueError(f"fungrad.numpy.vecmat: needs a vector and a matrix, got "
                         f"{_describe(x1, x2)}")
    return squeeze(matmul(expand_dims(x1, -2), x2), -2)
