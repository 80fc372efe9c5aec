"""Reductions: sum, prod, max, min, all, any, argmax, argmin, count_nonzero, cumulative sums
and products."""
from __future__ import annotations

import builtins

import numpy as np

from fungrad.core import get_aval
from fungrad.numpy._util import _arr, _axes, _axis, _dtype, _keep, _ndim, _not_supported, _shape, \
    _strong
from fungrad.numpy.dtypes import astype
from fungrad.numpy.shapes import ravel, reshape
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st


def _operand(name, a, dtype, out):
    """The array a reduction works on, cast to ``dtype`` first (``out=`` is refused)."""
    _not_supported(name, "out", out)
    a = _arr(a)
    return a if dtype is None else astype(a, dtype)


def _accumulate_all(name, prim_fn, combine, a, axis, dtype, out, keepdims, initial, where):
    """sum, prod, all and any: ``initial`` joins the result with ``combine``."""
    _not_supported(name, "where", where)
    a = _operand(name, a, dtype, out)
    res = prim_fn(a, _axes(axis, _ndim(a), name), keepdims)
    return _strong(res if initial is None else combine(res, initial))


def sum(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
        where=None):  # noqa: A001
    """numpy.sum.

    >>> sum(np.ones((2, 3)), axis=0)
    array([2., 2., 2.])
    >>> sum(np.ones((2, 3)), axis=1, keepdims=True).shape
    (2, 1)
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(x * x))(np.array([1.0, 2.0]))
    array([2., 4.])
    """
    return _accumulate_all("sum", st.reduce_sum, ew.add, a, axis, dtype, out, keepdims,
                           initial, where)


def prod(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
         where=None):
    """numpy.prod; its gradient is right with zeros in ``a`` (no division).

    >>> prod(np.array([2.0, 3.0]))
    np.float64(6.0)
    """
    return _accumulate_all("prod", st.reduce_prod, ew.mul, a, axis, dtype, out, keepdims,
                           initial, where)


def _extremum(name, prim_fn, a, axis, out, keepdims, initial, where):
    _not_supported(name, "out", out)
    _not_supported(name, "where", where)
    a = _arr(a)
    axes = _axes(axis, _ndim(a), name)
    if builtins.any(_shape(a)[i] == 0 for i in axes):
        if initial is None:
            raise ValueError(f"zero-size array to reduction operation {name} which has no "
                             f"identity (array {get_aval(a).str_short()})")
        # nothing to reduce: every result is ``initial`` (the primitive has no identity)
        res = np.full(tuple(d for i, d in enumerate(_shape(a)) if i not in axes), initial,
                      _dtype(a))
        return _keep(res, _shape(a), axes, keepdims)
    res = prim_fn(a, axes, keepdims)
    if initial is not None:
        res = (ew.maximum if name in ("max", "amax") else ew.minimum)(res, initial)
    return res


def max(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):  # noqa
    """numpy.max; ties share the derivative evenly (as in JAX).

    >>> max(np.array([1.0, 3.0, 2.0]))
    np.float64(3.0)
    """
    return _strong(_extremum("max", st.reduce_max, a, axis, out, keepdims, initial, where))


def min(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):  # noqa
    """numpy.min; ties share the derivative evenly (as in JAX).

    >>> min(np.array([1.0, 3.0, 2.0]))
    np.float64(1.0)
    """
    return _strong(_extremum("min", st.reduce_min, a, axis, out, keepdims, initial, where))


amax = max
amin = min


def _arg_extremum(name, prim_fn, a, axis, out, keepdims):
    _not_supported(name, "out", out)
    a = _arr(a)
    if axis is None:
        res = prim_fn(ravel(a), 0)
        return reshape(res, (1,) * _ndim(a)) if keepdims else res
    ax = _axis(axis, _ndim(a), name)
    return _keep(prim_fn(a, ax), _shape(a), (ax,), keepdims)


def argmax(a, axis=None, out=None, *, keepdims: bool = False):
    """numpy.argmax; zero derivative.

    >>> argmax(np.array([1.0, 3.0]))
    np.int64(1)
    >>> argmax(np.array([[1.0, 5.0], [4.0, 2.0]]), axis=1)
    array([1, 0])
    """
    return _arg_extremum("argmax", st.argmax, a, axis, out, keepdims)


def argmin(a, axis=None, out=None, *, keepdims: bool = False):
    """numpy.argmin; zero derivative.

    >>> argmin(np.array([1.0, 3.0]))
    np.int64(0)
    """
    return _arg_extremum("argmin", st.argmin, a, axis, out, keepdims)


def all(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """numpy.all; zero derivative.

    >>> all(np.array([True, False]))
    np.False_
    >>> all(np.array([[True, False], [True, True]]), axis=1)
    array([False,  True])
    """
    return _accumulate_all("all", st.reduce_and, None, a, axis, None, out, keepdims, None,
                           where)


def any(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """numpy.any; zero derivative.

    >>> any(np.array([True, False]))
    np.True_
    >>> any(np.zeros((2, 2)), axis=0)
    array([False, False])
    """
    return _accumulate_all("any", st.reduce_or, None, a, axis, None, out, keepdims, None,
                           where)


def count_nonzero(a, axis=None, *, keepdims: bool = False):
    """numpy.count_nonzero; zero derivative.

    >>> count_nonzero(np.array([0.0, 1.5, 0.0, 2.0]))
    np.int64(2)
    >>> count_nonzero(np.eye(2), axis=0)
    array([1, 1])
    """
    return sum(astype(ew.ne(_arr(a), 0), np.int64), axis=axis, keepdims=keepdims)


def _running(name, prim_fn, a, axis, dtype, out):
    """cumsum and cumprod: along ``axis`` (of the flattened ``a`` when None)."""
    a = _operand(name, a, dtype, out)
    if axis is None:
        a, axis = ravel(a), 0
    return prim_fn(a, _axis(axis, _ndim(a), name))


def cumsum(a, axis=None, dtype=None, out=None):
    """numpy.cumsum (also ``cumulative_sum``).

    >>> cumsum(np.array([1.0, 2.0, 3.0]))
    array([1., 3., 6.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(cumsum(x)))(np.ones(3))
    array([3., 2., 1.])
    """
    return _running("cumsum", st.cumsum, a, axis, dtype, out)


def cumprod(a, axis=None, dtype=None, out=None):
    """numpy.cumprod; its derivatives (of every order) are exact where ``a`` has zeros.

    >>> cumprod(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    return _running("cumprod", st.cumprod, a, axis, dtype, out)


cumulative_sum = cumsum
cumulative_prod = cumprod


def ptp(a, axis=None, out=None, keepdims: bool = False):
    """numpy.ptp: ``max - min`` ("peak to peak").

    >>> ptp(np.array([[4.0, 9.0], [1.0, 2.0]]), axis=0)
    array([3., 7.])
    """
    _not_supported("ptp", "out", out)
    return _strong(ew.sub(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims)))
