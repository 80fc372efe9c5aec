"""Reductions: sum, prod, max, min, all, any, argmax, argmin, count_nonzero, cumulative sums
and products."""
from __future__ import annotations

import builtins

import numpy as np

from fungrad.core import Tracer, get_aval
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


def _masked(name, a, where, fill):
    """``a`` with the elements outside the ``where`` mask replaced by ``fill`` (the
    reduction's identity, or ``initial``), so a masked reduction is a plain one; the mask
    must broadcast to ``a``'s shape, as numpy requires."""
    if where is None:
        return a
    where = _arr(where)
    if _dtype(where) != np.bool_:
        raise TypeError(f"fungrad.numpy.{name}: where must be a boolean array, got "
                        f"{get_aval(where).str_short()}")
    try:
        shape = np.broadcast_shapes(_shape(where), _shape(a))
    except ValueError:
        shape = None
    if shape != _shape(a):
        raise ValueError(f"fungrad.numpy.{name}: where {get_aval(where).str_short()} does not "
                         f"broadcast to the shape of a, {get_aval(a).str_short()}")
    if not isinstance(fill, Tracer):  # keep a's dtype: the fill is a value of a
        fill = np.asarray(fill).astype(_dtype(a))
    return ew.select(where, a, fill)


def _accumulate_all(name, prim_fn, identity, a, axis, dtype, out, keepdims, initial, where):
    """sum, prod, all and any: ``initial`` joins the result with the reduction itself."""
    a = _masked(name, _operand(name, a, dtype, out), where, identity)
    if initial is not None:
        combine = {"sum": ew.add, "prod": ew.mul}[name]
    res = prim_fn(a, _axes(axis, _ndim(a), name), keepdims)
    res = res if initial is None else combine(res, initial)
    return _strong(_in_dtype(res, dtype))


def _in_dtype(res, dtype):
    """The result in the ``dtype`` asked for: the primitives accumulate small integers in
    64 bits, and the cast back wraps exactly as numpy's accumulation in ``dtype`` does."""
    if dtype is None or _dtype(res) == np.dtype(dtype):
        return res
    return astype(res, dtype)


def _unpromoted(a, dtype, promote_integers: bool):
    """JAX's ``promote_integers=False``: a small integer sums in its own dtype (numpy, and
    the default, accumulate it in int64)."""
    if promote_integers or dtype is not None:
        return dtype
    kind = _dtype(_arr(a)).kind
    return _dtype(_arr(a)) if kind in "iu" else None


def sum(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
        where=None, promote_integers: bool = True):  # noqa: A001
    """numpy.sum (``promote_integers=False`` keeps a small integer dtype, as in JAX).

    >>> sum(np.ones((2, 3)), axis=0)
    array([2., 2., 2.])
    >>> sum(np.ones((2, 3)), axis=1, keepdims=True).shape
    (2, 1)
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(x * x))(np.array([1.0, 2.0]))
    array([2., 4.])
    """
    return _accumulate_all("sum", st.reduce_sum, 0, a, axis,
                           _unpromoted(a, dtype, promote_integers), out, keepdims, initial,
                           where)


def prod(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
         where=None, promote_integers: bool = True):
    """numpy.prod; its gradient is right with zeros in ``a`` (no division).
    ``promote_integers=False`` keeps a small integer dtype, as in JAX.

    >>> prod(np.array([2.0, 3.0]))
    np.float64(6.0)
    """
    return _accumulate_all("prod", st.reduce_prod, 1, a, axis,
                           _unpromoted(a, dtype, promote_integers), out, keepdims, initial,
                           where)


def _extremum(name, prim_fn, a, axis, out, keepdims, initial, where):
    _not_supported(name, "out", out)
    a = _arr(a)
    if where is not None:
        if initial is None:  # the masked-out elements need a value that cannot win
            raise ValueError(f"fungrad.numpy.{name}: reduction operation {name} does not have "
                             "an identity, so to use a where mask one has to specify 'initial'")
        a = _masked(name, a, where, initial)
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
    return _accumulate_all("all", st.reduce_and, True, a, axis, None, out, keepdims, None,
                           where)


def any(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """numpy.any; zero derivative.

    >>> any(np.array([True, False]))
    np.True_
    >>> any(np.zeros((2, 2)), axis=0)
    array([False, False])
    """
    return _accumulate_all("any", st.reduce_or, False, a, axis, None, out, keepdims, None,
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
    return _in_dtype(prim_fn(a, _axis(axis, _ndim(a), name)), dtype)


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


def _cumulative(name, prim_fn, identity, x, axis, dtype, out, include_initial):
    """The array-API cumulative forms: ``axis`` may be left out only for 1-D input, and
    ``include_initial`` puts the identity first."""
    x = _operand(name, x, dtype, out)
    if axis is None:
        if _ndim(x) > 1:
            raise ValueError(f"fungrad.numpy.{name}: axis must be specified for an input of "
                             f"more than one dimension, got {get_aval(x).str_short()}")
        if _ndim(x) == 0:
            raise ValueError(f"fungrad.numpy.{name}: the input must have at least one "
                             f"dimension, got {get_aval(x).str_short()}")
        axis = 0
    axis = _axis(axis, _ndim(x), name)
    res = _in_dtype(prim_fn(x, axis), dtype)
    if not include_initial:
        return res
    from fungrad.numpy.joining import concatenate
    shape = list(_shape(x))
    shape[axis] = 1
    return concatenate([np.full(shape, identity, _dtype(res)), res], axis=axis)


def cumulative_sum(x, /, *, axis: int | None = None, dtype=None, out=None,
                   include_initial: bool = False):
    """numpy.cumulative_sum (array API): cumsum along ``axis`` (needed beyond 1-D), with a
    leading 0 when ``include_initial``.

    >>> cumulative_sum(np.array([1.0, 2.0, 3.0]), include_initial=True)
    array([0., 1., 3., 6.])
    """
    return _cumulative("cumulative_sum", st.cumsum, 0, x, axis, dtype, out, include_initial)


def cumulative_prod(x, /, *, axis: int | None = None, dtype=None, out=None,
                    include_initial: bool = False):
    """numpy.cumulative_prod (array API): cumprod along ``axis`` (needed beyond 1-D), with a
    leading 1 when ``include_initial``.

    >>> cumulative_prod(np.array([[1, 2], [3, 4]]), axis=1)
    array([[ 1,  2],
           [ 3, 12]])
    """
    return _cumulative("cumulative_prod", st.cumprod, 1, x, axis, dtype, out,
                       include_initial)


def ptp(a, axis=None, out=None, keepdims: bool = False):
    """numpy.ptp: ``max - min`` ("peak to peak").

    >>> ptp(np.array([[4.0, 9.0], [1.0, 2.0]]), axis=0)
    array([3., 7.])
    """
    _not_supported("ptp", "out", out)
    return _strong(ew.sub(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims)))
