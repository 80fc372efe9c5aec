"""``fungrad.numpy.linalg``: norm, det, slogdet, inv, solve -- differentiable.

>>> import numpy as np
>>> from fungrad.numpy import linalg
>>> float(linalg.norm(np.array([3.0, 4.0])))
5.0
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp  # imported last by fungrad.numpy, so complete here
from fungrad.core import get_aval
from fungrad.prims import elementwise as ew
from fungrad.prims import linalg as la
from fungrad.prims import structural as st


_VECTOR_DOT = (((0,), (0,)), ((), ()))


def _float(x):
    x = fnp._arr(x)
    if get_aval(x).dtype.kind not in "fc":
        x = fnp.astype(x, np.float64)
    return x


def norm(x, ord=None, axis=None, keepdims: bool = False):  # noqa: A002
    """numpy.linalg.norm for vectors (ord None, 2, 1, inf, -inf, 0, p) and matrices
    ('fro', 1, -1, inf, -inf). The 2-norm's gradient at 0 is NaN, as in JAX.

    >>> float(norm(np.array([[1.0, 2.0], [2.0, 4.0]])))
    5.0
    >>> norm(np.array([3.0, -4.0]), ord=1)
    np.float64(7.0)
    >>> import fungrad
    >>> fungrad.grad(norm)(np.array([3.0, 4.0]))
    array([0.6, 0.8])
    """
    x = _float(x)
    nd = get_aval(x).ndim
    if nd == 1 and ord is None and axis is None and not keepdims:  # the common case
        return ew.sqrt(st.dot_general(x, x, _VECTOR_DOT))
    if axis is None:
        if ord is None:
            if nd == 0:
                return ew.sqrt(ew.square(x))
            # sqrt(x . x), as numpy computes it: one contraction, no squared temporary
            flat = x if nd == 1 else st.reshape(x, (get_aval(x).size,))
            total = st.dot_general(flat, flat, (((0,), (0,)), ((), ())))
            return _keep_all(ew.sqrt(total), nd, keepdims)
        axis = tuple(range(nd)) if nd <= 2 else None
        if axis is None:
            raise ValueError(f"norm: improper number of dimensions to norm ({nd}) with ord="
                             f"{ord!r}; give axis")
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a % nd for a in axes)
    if len(axes) == 1:
        a = fnp.absolute(x)
        if ord is None or ord == 2:
            return fnp.sqrt(fnp.sum(fnp.square(x), axis=axes, keepdims=keepdims))
        if ord == np.inf:
            return fnp.max(a, axis=axes, keepdims=keepdims)
        if ord == -np.inf:
            return fnp.min(a, axis=axes, keepdims=keepdims)
        if ord == 0:
            return fnp.sum(fnp.astype(fnp.not_equal(x, 0), x.dtype), axis=axes,
                           keepdims=keepdims)
        if ord == 1:
            return fnp.sum(a, axis=axes, keepdims=keepdims)
        if isinstance(ord, str):
            raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
        return fnp.power(fnp.sum(fnp.power(a, ord), axis=axes, keepdims=keepdims), 1.0 / ord)
    if len(axes) == 2:
        r, c = axes
        a = fnp.absolute(x)
        if ord in (None, "fro"):
            return fnp.sqrt(fnp.sum(fnp.square(x), axis=axes, keepdims=keepdims))
        if ord in (1, -1):
            sums = fnp.sum(a, axis=r, keepdims=True)
            red = fnp.max if ord == 1 else fnp.min
            out = red(sums, axis=c, keepdims=True)
        elif ord in (np.inf, -np.inf):
            sums = fnp.sum(a, axis=c, keepdims=True)
            red = fnp.max if ord == np.inf else fnp.min
            out = red(sums, axis=r, keepdims=True)
        else:
            raise NotImplementedError(f"fungrad.numpy.linalg.norm: matrix ord={ord!r} needs "
                                      "singular values, which fungrad does not implement")
        return out if keepdims else fnp.squeeze(out, axes)
    raise ValueError(f"norm: improper number of dimensions to norm: axis={axis}")


def _keep_all(out, nd, keepdims):
    return st.reshape(out, (1,) * nd) if keepdims else out


def det(a):
    """numpy.linalg.det; gradient ``det(A) inv(A)^T``.

    >>> det(np.array([[2.0, 0.0], [0.0, 3.0]]))
    np.float64(6.0)
    >>> import fungrad
    >>> fungrad.grad(det)(np.array([[2.0, 0.0], [0.0, 3.0]]))
    array([[3., 0.],
           [0., 2.]])
    """
    return la.det(_float(a))


def slogdet(a):
    """numpy.linalg.slogdet as ``(sign, logabsdet)``; differentiable in logabsdet.

    >>> sign, logabsdet = slogdet(np.array([[0.0, 2.0], [1.0, 0.0]]))
    >>> sign, logabsdet == np.log(2.0)
    (np.float64(-1.0), np.True_)
    >>> import fungrad
    >>> fungrad.grad(lambda a: slogdet(a)[1])(np.array([[2.0, 0.0], [0.0, 4.0]]))  # inv(A)^T
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    d = det(a)
    return ew.sign(d), ew.log(ew.absolute(d))


def inv(a):
    """numpy.linalg.inv; gradient ``-inv(A)^T g inv(A)^T``.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    >>> import fungrad
    >>> fungrad.grad(lambda a: inv(a)[0, 0])(np.array([[2.0]]))  # d(1/a)/da = -1/a**2
    array([[-0.25]])
    """
    return la.inv(_float(a))


def solve(a, b):
    """numpy.linalg.solve (``b`` a vector or a stack of matrices); differentiable in both.

    >>> solve(np.eye(2) * 2.0, np.array([2.0, 4.0]))
    array([1., 2.])
    """
    a, b = _float(a), _float(b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    if len(sa) < 2 or len(sb) < 1:
        return la.solve(a, b)  # the primitive's shape rule explains the error
    vector = len(sb) == 1
    try:  # numpy broadcasts the stack dimensions of a and b
        batch = np.broadcast_shapes(sa[:-2], sb[:-2] if not vector else ())
    except ValueError:
        raise ValueError(f"solve: the stack dimensions of a {get_aval(a).str_short()} and b "
                         f"{get_aval(b).str_short()} do not broadcast") from None
    if vector and not batch:
        return la.solve(a, b)
    if vector:  # a vector against a stack of matrices: a one-column matrix per matrix
        b = st.reshape(b, sb + (1,))
    a = st.broadcast_to(a, batch + sa[-2:])
    b = st.broadcast_to(b, batch + get_aval(b).shape[-2:])
    x = la.solve(a, b)
    return st.reshape(x, get_aval(x).shape[:-1]) if vector else x
