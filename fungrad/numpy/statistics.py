"""Statistics: mean, var, std, average, cov, corrcoef."""
from __future__ import annotations

import builtins
import math

import numpy as np

from fungrad.numpy._util import _arr, _axes, _dtype, _ndim, _not_supported, _shape, _strong
from fungrad.numpy.complex_functions import conjugate
from fungrad.numpy.dtypes import astype
from fungrad.numpy.indexing import diagonal
from fungrad.numpy.joining import concatenate
from fungrad.numpy.products import dot
from fungrad.numpy.reductions import _masked
from fungrad.numpy.shapes import atleast_2d, reshape
from fungrad.prims import complex as cx
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st


def _mean_operand(a, dtype):
    """The operand of a mean (or variance): cast to ``dtype`` if given, else integers and
    booleans to float64, the dtype numpy averages them in."""
    a = _arr(a)
    if dtype is not None:
        return astype(a, dtype)
    return astype(a, np.float64) if _dtype(a).kind in "biu" else a


def mean(a, axis=None, dtype=None, out=None, keepdims: bool = False, where=None):
    """numpy.mean (integers average in float64).

    >>> mean(np.array([1.0, 2.0]))
    np.float64(1.5)
    >>> mean(np.array([[1, 2], [3, 4]]), axis=0)
    array([2., 3.])
    >>> import fungrad
    >>> fungrad.grad(mean)(np.array([1.0, 2.0, 3.0, 4.0]))
    array([0.25, 0.25, 0.25, 0.25])
    """
    _not_supported("mean", "out", out)
    a = _mean_operand(a, dtype)
    axes = _axes(axis, _ndim(a), "mean")
    return _strong(ew.div(st.reduce_sum(_masked("mean", a, where, 0), axes, keepdims),
                          _count("mean", a, axes, keepdims, where)))


def _count(name, a, axes, keepdims, where, ddof=0):
    """How many elements of ``a`` a mean over ``axes`` divides by, less ``ddof`` (never
    below zero): a float, or an array of counts under a ``where`` mask."""
    if where is None:
        n = builtins.max(int(math.prod([_shape(a)[i] for i in axes])) - ddof, 0)
        return float(n) if n or ddof else np.nan
    ones = _masked(name, st.broadcast_to(np.ones((), _dtype(a).type(0).real.dtype), _shape(a)),
                   where, 0)
    return ew.maximum(ew.sub(st.reduce_sum(ones, axes, keepdims), float(ddof)), 0.0)


def var(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False,
        where=None, mean=None, correction=None):  # noqa: A002
    """numpy.var; real for complex input (the mean of ``|x - mean|**2``).

    >>> var(np.array([1.0, 3.0]))
    np.float64(1.0)
    >>> var(np.array([1.0, 3.0]), ddof=1)
    np.float64(2.0)
    >>> import fungrad
    >>> fungrad.grad(var)(np.array([1.0, 3.0]))
    array([-1.,  1.])
    """
    _not_supported("var", "out", out)
    _not_supported("var", "mean", mean)
    if correction is not None:
        ddof = correction
    a = _mean_operand(a, dtype)
    axes = _axes(axis, _ndim(a), "var")
    centered = ew.sub(a, ew.div(st.reduce_sum(_masked("var", a, where, 0), axes, True),
                                _count("var", a, axes, True, where)))
    if _dtype(centered).kind == "c":  # |x - m|^2, real, as numpy (smooth: not via abs)
        squares = ew.add(ew.square(cx.real(centered)), ew.square(cx.imag(centered)))
    else:
        squares = ew.square(centered)
    return _strong(ew.div(st.reduce_sum(_masked("var", squares, where, 0), axes, keepdims),
                          _count("var", a, axes, keepdims, where, ddof)))


def _mean_keep(a, axes):
    n = int(math.prod([_shape(a)[i] for i in axes]))
    return ew.div(st.reduce_sum(a, axes, True), float(n) if n else np.nan)


def std(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False,
        where=None, mean=None, correction=None):  # noqa: A002
    """numpy.std.

    >>> std(np.array([1.0, 3.0]))
    np.float64(1.0)
    >>> import fungrad
    >>> fungrad.grad(std)(np.array([1.0, 3.0]))
    array([-0.5,  0.5])
    """
    return _strong(ew.sqrt(var(a, axis, dtype, out, ddof, keepdims, where, mean, correction)))


def average(a, axis=None, weights=None, returned: bool = False, keepdims: bool = False):
    """numpy.average: the (weighted) mean; differentiable in ``a`` and ``weights``.

    >>> average(np.array([1.0, 2.0, 4.0]), weights=np.array([1.0, 1.0, 2.0]))
    np.float64(2.75)
    >>> average(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1, returned=True)
    (array([1.5, 3.5]), array([2., 2.]))
    """
    a = _arr(a)
    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        if not returned:
            return _strong(avg)
        n = int(np.prod([_shape(a)[i] for i in _axes(axis, _ndim(a), "average")],
                        dtype=np.int64))
        return _strong((avg, np.full(_shape(avg), n, _dtype(avg))[()]))
    w = _arr(weights)
    if _dtype(a).kind in "biu":
        a = astype(a, np.float64)
    if _shape(w) != _shape(a):
        if axis is None:
            raise TypeError("fungrad.numpy.average: axis must be specified when shapes of a "
                            f"{_shape(a)} and weights {_shape(w)} differ")
        if _ndim(w) != 1 or not isinstance(axis, int) or \
                _shape(w)[0] != _shape(a)[axis % _ndim(a)]:
            raise ValueError(f"fungrad.numpy.average: 1-D weights {_shape(w)} must have the "
                             f"length of axis {axis} of {_shape(a)}")
        shape = [1] * _ndim(a)
        shape[axis % _ndim(a)] = -1
        w = st.reshape(w, tuple(_shape(w)[0] if d == -1 else d for d in shape))
    axes = _axes(axis, _ndim(a), "average")
    w_full = ew.add(w, st.broadcast_to(np.zeros((), _dtype(a)), _shape(a))) \
        if _shape(w) != _shape(a) else w
    total = st.reduce_sum(w_full, axes, keepdims)
    avg = ew.div(st.reduce_sum(ew.mul(a, w), axes, keepdims), total)
    return _strong((avg, ew.add(total, np.zeros((), _dtype(avg)))) if returned else avg)


def cov(m, y=None, rowvar: bool = True, bias: bool = False, ddof=None, fweights=None,
        aweights=None, dtype=None):
    """numpy.cov: the covariance matrix of the variables (rows, or columns when
    ``rowvar=False``); differentiable.

    >>> cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    m = _arr(m)
    if _ndim(m) > 2:
        raise ValueError(f"fungrad.numpy.cov: m has more than 2 dimensions ({_shape(m)})")
    x = atleast_2d(m)
    if not rowvar and _shape(x)[0] != 1:
        x = st.transpose(x, (1, 0))
    if y is not None:
        yy = atleast_2d(_arr(y))
        if not rowvar and _shape(yy)[0] != 1:
            yy = st.transpose(yy, (1, 0))
        x = concatenate([x, yy], axis=0)
    # numpy computes in at least float64 (float32 data too)
    dt = np.dtype(dtype) if dtype is not None else np.result_type(_dtype(x), np.float64)
    x = astype(x, dt)
    if ddof is None:
        ddof = 0 if bias else 1
    n_obs = _shape(x)[1]
    w = None
    for given, name in ((fweights, "fweights"), (aweights, "aweights")):
        if given is not None:
            g = astype(_arr(given), dt)
            if _shape(g) != (n_obs,):
                raise ValueError(f"fungrad.numpy.cov: {name} must be 1-D with one weight per "
                                 f"observation ({n_obs}), got {_shape(g)}")
            w = g if w is None else ew.mul(w, g)
    if w is None:
        avg = mean(x, axis=1, keepdims=True)
        fact = float(n_obs - ddof)
    else:
        w_sum = st.reduce_sum(w, (0,), False)
        avg = ew.div(st.reduce_sum(ew.mul(x, w), (1,), True), w_sum)
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = ew.sub(w_sum, ddof)
        else:
            aw = astype(_arr(aweights), dt)
            fact = ew.sub(w_sum, ew.div(ew.mul(ddof, st.reduce_sum(ew.mul(w, aw), (0,), False)),
                                        w_sum))
    xc = ew.sub(x, avg)
    xw = xc if w is None else ew.mul(xc, w)
    c = ew.div(dot(xc, conjugate(st.transpose(xw, (1, 0)))), fact)  # conj: numpy's, complex
    return st.reshape(c, ()) if _shape(c) == (1, 1) else c


def corrcoef(x, y=None, rowvar: bool = True, dtype=None):
    """numpy.corrcoef: Pearson correlation coefficients (clipped to [-1, 1] like numpy).

    >>> corrcoef(np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 4.5]])).round(4)
    array([[1.    , 0.9979],
           [0.9979, 1.    ]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if _ndim(c) == 0:
        return ew.div(c, c)
    d = ew.sqrt(diagonal(c))
    r = ew.div(ew.div(c, reshape(d, (-1, 1))), reshape(d, (1, -1)))
    return ew.maximum(ew.minimum(r, 1.0), -1.0)
