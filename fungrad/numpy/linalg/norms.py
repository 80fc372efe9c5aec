"""Norms of fungrad.numpy.linalg: ``norm`` for every ``ord`` numpy accepts, ``matrix_norm``
and ``vector_norm``. Real for complex input; the matrix 2-norms and the nuclear norm come
from the singular values.

>>> import numpy as np
>>> float(vector_norm(np.array([3.0, 4.0])))
5.0
"""
from __future__ import annotations

import operator

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import get_aval
from fungrad.numpy._util import _strong
from fungrad.numpy.linalg import _inexact, _is_complex, svdvals
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st

__all__ = ["norm", "matrix_norm", "vector_norm"]

_VECTOR_DOT = (((0,), (0,)), ((), ()))


def _abs(x):
    return fnp.absolute(x)


def _normalize_axes(name: str, axis, nd: int) -> tuple:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = operator.index(a)
        if not -nd <= a < nd:
            raise ValueError(f"{name}: axis {a} is out of bounds for an array of dimension "
                             f"{nd}")
        out.append(a % nd)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: duplicate axes given: axis={axis}")
    return tuple(out)


def _vector_norm(x, ord, axes: tuple, keepdims: bool):  # noqa: A002
    if ord is None or ord == 2:
        sq = ew.square(_abs(x)) if _is_complex(x) else ew.square(x)
        return fnp.sqrt(fnp.sum(sq, axis=axes, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
    a = _abs(x)
    if ord == np.inf:
        return fnp.max(a, axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return fnp.min(a, axis=axes, keepdims=keepdims)
    if ord == 0:
        return fnp.sum(fnp.astype(ew.ne(a, 0), get_aval(a).dtype), axis=axes,
                       keepdims=keepdims)
    if ord == 1:
        return fnp.sum(a, axis=axes, keepdims=keepdims)
    return fnp.power(fnp.sum(fnp.power(a, ord), axis=axes, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, axes: tuple, keepdims: bool):  # noqa: A002
    r, c = axes
    if ord in (None, "fro"):
        sq = ew.square(_abs(x)) if _is_complex(x) else ew.square(x)
        return fnp.sqrt(fnp.sum(sq, axis=axes, keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        summed, over = (r, c) if ord in (1, -1) else (c, r)
        sums = fnp.sum(_abs(x), axis=summed, keepdims=True)
        out = (fnp.max if ord in (1, np.inf) else fnp.min)(sums, axis=over, keepdims=True)
        return out if keepdims else fnp.squeeze(out, axes)
    if ord in (2, -2, "nuc"):
        nd = get_aval(x).ndim
        rest = [i for i in range(nd) if i not in axes]
        s = svdvals(fnp.transpose(x, rest + [r, c]))
        out = fnp.sum(s, axis=-1) if ord == "nuc" else \
            (fnp.max if ord == 2 else fnp.min)(s, axis=-1)
        if keepdims:
            for a in sorted(axes):
                out = fnp.expand_dims(out, a)
        return out
    raise ValueError(f"norm: invalid norm order {ord!r} for matrices")


def norm(x, ord=None, axis=None, keepdims: bool = False):  # noqa: A002
    """numpy.linalg.norm: vector norms (ord None, 2, 1, inf, -inf, 0, any p) over one axis
    and matrix norms ('fro', 'nuc', 2, -2, 1, -1, inf, -inf) over two. Real for complex
    input. The 2-norm's gradient at 0 is NaN, as in JAX.

    >>> float(norm(np.array([[1.0, 2.0], [2.0, 4.0]])))
    5.0
    >>> norm(np.array([3.0, -4.0]), ord=1)
    np.float64(7.0)
    >>> norm(np.array([3j, 4.0]))  # real, as numpy
    np.float64(5.0)
    >>> import fungrad
    >>> fungrad.grad(norm)(np.array([3.0, 4.0]))
    array([0.6, 0.8])
    """
    x = _inexact(x)
    nd = get_aval(x).ndim
    if nd == 1 and ord is None and axis is None and not keepdims and not _is_complex(x):
        return _strong(ew.sqrt(st.dot_general(x, x, _VECTOR_DOT)))  # the common case: one dot
    if axis is None:
        if ord is None and nd == 0 and not _is_complex(x):
            return _strong(ew.sqrt(ew.square(x)))
        if ord is None:
            out = _vector_norm(st.reshape(x, (get_aval(x).size,)), None, (0,), False)
            return _strong(st.reshape(out, (1,) * nd) if keepdims else out)
        if nd not in (1, 2):
            raise ValueError(f"norm: improper number of dimensions to norm ({nd}) with "
                             f"ord={ord!r}; give axis")
        axis = tuple(range(nd))
    axes = _normalize_axes("norm", axis, nd)
    if len(axes) == 1:
        return _strong(_vector_norm(x, ord, axes, keepdims))
    if len(axes) == 2:
        return _strong(_matrix_norm(x, ord, axes, keepdims))
    raise ValueError(f"norm: improper number of dimensions to norm: axis={axis}")


def matrix_norm(x, /, *, keepdims: bool = False, ord="fro"):  # noqa: A002
    """numpy.linalg.matrix_norm: a matrix norm over the last two axes.

    >>> matrix_norm(np.array([[3.0, 0.0], [0.0, 4.0]]), ord="nuc")
    np.float64(7.0)
    """
    x = _inexact(x)
    if get_aval(x).ndim < 2:
        raise ValueError(f"matrix_norm: argument x must have at least 2 dimensions, got "
                         f"{get_aval(x).str_short()}")
    nd = get_aval(x).ndim
    return _matrix_norm(x, ord, (nd - 2, nd - 1), keepdims)


def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2):  # noqa: A002
    """numpy.linalg.vector_norm: a vector norm over ``axis`` (all axes by default, any
    number of axes taken together).

    >>> vector_norm(np.array([[3.0, 0.0], [0.0, 4.0]]))
    np.float64(5.0)
    """
    x = _inexact(x)
    nd = get_aval(x).ndim
    if axis is None:
        out = _vector_norm(st.reshape(x, (get_aval(x).size,)), ord, (0,), False)
        return st.reshape(out, (1,) * nd) if keepdims else out
    axes = _normalize_axes("vector_norm", axis, nd)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    rest = [i for i in range(nd) if i not in axes]
    shape = get_aval(x).shape
    flat = st.reshape(fnp.transpose(x, rest + list(axes)),
                      tuple(shape[i] for i in rest) + (int(np.prod([shape[a] for a in axes])),))
    out = _vector_norm(flat, ord, (len(rest),), False)
    if keepdims:
        out = st.reshape(out, tuple(1 if i in axes else d for i, d in enumerate(shape)))
    return out
