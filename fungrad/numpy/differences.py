"""Differences, integrals and interpolation: diff, ediff1d, gradient, trapezoid, interp,
unwrap.
All are differentiable compositions of slices and arithmetic."""
from __future__ import annotations

import numpy as np

from fungrad.core import get_aval
from fungrad.numpy._util import (
    _array_results, _arr, _axes, _axis, _dtype, _ndim, _shape, _slice_along,
)
from fungrad.numpy.dtypes import astype
from fungrad.numpy.indexing import take
from fungrad.numpy.joining import concatenate
from fungrad.numpy.reductions import cumsum, sum
from fungrad.numpy.searching import searchsorted
from fungrad.numpy.shapes import broadcast_to, ravel, reshape
from fungrad.numpy.sorting import argsort
from fungrad.prims import elementwise as ew


def _along(x, axis: int, ndim: int):
    """A 1-D ``x`` shaped to broadcast along ``axis`` of an ``ndim``-D array."""
    shape = [1] * ndim
    shape[axis] = -1
    return reshape(x, tuple(shape))


def _edge(value, a, axis: int):
    """``prepend``/``append`` of diff: a scalar becomes one slice along ``axis``."""
    value = _arr(value)
    if _ndim(value) == 0:
        shape = list(_shape(a))
        shape[axis] = 1
        return broadcast_to(value, tuple(shape))
    return value


def diff(a, n: int = 1, axis: int = -1, prepend=None, append=None):
    """numpy.diff: the n-th discrete difference along ``axis`` (``not_equal`` for booleans).

    >>> diff(np.array([1.0, 4.0, 9.0, 16.0]))
    array([3., 5., 7.])
    >>> diff(np.array([1.0, 4.0, 9.0, 16.0]), n=2, prepend=0.0)
    array([2., 2., 2.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(diff(x) ** 2))(np.array([0.0, 1.0, 3.0]))
    array([-2., -2.,  4.])
    """
    a = _arr(a)
    if n < 0:
        raise ValueError(f"fungrad.numpy.diff: order must be non-negative but got {n}")
    if _ndim(a) == 0:
        raise ValueError("fungrad.numpy.diff requires input that is at least one dimensional")
    axis = _axis(axis, _ndim(a), "diff")
    if prepend is not None or append is not None:
        parts = ([_edge(prepend, a, axis)] if prepend is not None else []) + [a] + \
            ([_edge(append, a, axis)] if append is not None else [])
        a = concatenate(parts, axis)
    for _ in range(n):
        m = _shape(a)[axis]
        if m == 0:
            break
        hi, lo = _slice_along(a, axis, 1, m), _slice_along(a, axis, 0, m - 1)
        a = ew.ne(hi, lo) if _dtype(a) == np.bool_ else ew.sub(hi, lo)
    return a


def ediff1d(ary, to_end=None, to_begin=None):
    """numpy.ediff1d: differences of the flattened array, with optional ends.

    >>> ediff1d(np.array([[1.0, 2.0], [4.0, 7.0]]), to_begin=-1.0)
    array([-1.,  1.,  2.,  3.])
    """
    a = ravel(_arr(ary))
    parts = [diff(a)] if _shape(a)[0] else [a]
    if to_begin is not None:
        parts.insert(0, astype(ravel(_arr(to_begin)), _dtype(a)))
    if to_end is not None:
        parts.append(astype(ravel(_arr(to_end)), _dtype(a)))
    return concatenate(parts) if len(parts) > 1 else parts[0]


def _gradient_1d(f, h, axis: int, edge_order: int):
    n = _shape(f)[axis]
    if n < edge_order + 1:
        raise ValueError(f"fungrad.numpy.gradient: shape of the array along axis {axis} must "
                         f"be at least edge_order + 1 = {edge_order + 1}, got {n}")
    s = lambda lo, hi: _slice_along(f, axis, lo, hi)  # noqa: E731
    nd = _ndim(f)
    if _ndim(h) == 0:  # uniform spacing
        two_h = 2.0 * h if type(h) in (int, float) else ew.mul(2.0, h)  # Python stays weak
        interior = ew.div(ew.sub(s(2, n), s(0, n - 2)), two_h)
        if edge_order == 1:
            first = ew.div(ew.sub(s(1, 2), s(0, 1)), h)
            last = ew.div(ew.sub(s(n - 1, n), s(n - 2, n - 1)), h)
        else:
            first = ew.div(ew.add(ew.add(ew.mul(-1.5, s(0, 1)), ew.mul(2.0, s(1, 2))),
                                  ew.mul(-0.5, s(2, 3))), h)
            last = ew.div(ew.add(ew.add(ew.mul(0.5, s(n - 3, n - 2)),
                                        ew.mul(-2.0, s(n - 2, n - 1))),
                                 ew.mul(1.5, s(n - 1, n))), h)
        return concatenate([first, interior, last], axis)
    if _shape(h) != (n,):
        raise ValueError(f"fungrad.numpy.gradient: coordinates {get_aval(h).str_short()} must "
                         f"match the length {n} of axis {axis}")
    if edge_order != 1:
        raise NotImplementedError("fungrad.numpy.gradient: edge_order=2 with coordinate "
                                  "arrays is not supported")
    dx = diff(h)
    dx1 = _along(_slice_along(dx, 0, 0, n - 2), axis, nd)
    dx2 = _along(_slice_along(dx, 0, 1, n - 1), axis, nd)
    total = ew.add(dx1, dx2)
    interior = ew.add(ew.add(ew.mul(ew.neg(ew.div(dx2, ew.mul(dx1, total))), s(0, n - 2)),
                             ew.mul(ew.div(ew.sub(dx2, dx1), ew.mul(dx1, dx2)), s(1, n - 1))),
                      ew.mul(ew.div(dx1, ew.mul(dx2, total)), s(2, n)))
    first = ew.div(ew.sub(s(1, 2), s(0, 1)), _along(_slice_along(dx, 0, 0, 1), axis, nd))
    last = ew.div(ew.sub(s(n - 1, n), s(n - 2, n - 1)),
                  _along(_slice_along(dx, 0, n - 2, n - 1), axis, nd))
    return concatenate([first, interior, last], axis)


@_array_results
def gradient(f, *varargs, axis=None, edge_order: int = 1):
    """numpy.gradient: second-order central differences inside, first- or second-order
    one-sided ones at the edges; spacing as scalars or (edge_order 1) coordinate arrays.

    >>> gradient(np.array([1.0, 4.0, 9.0, 16.0]))
    array([3., 4., 6., 7.])
    >>> gradient(np.array([[1.0, 2.0], [4.0, 8.0]]), axis=0)
    array([[3., 6.],
           [3., 6.]])
    """
    f = _arr(f)
    if _dtype(f) == np.bool_:
        raise TypeError("fungrad.numpy.gradient: boolean arrays have no differences (got "
                        f"{get_aval(f).str_short()}), like numpy.gradient")
    if _dtype(f).kind not in "fc":
        f = astype(f, np.float64)
    if edge_order not in (1, 2):
        raise ValueError("fungrad.numpy.gradient: edge_order must be 1 or 2")
    axes = _axes(axis, _ndim(f), "gradient")
    if not varargs:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacings = list(varargs) * len(axes)
    elif len(varargs) == len(axes):
        spacings = list(varargs)
    else:
        raise TypeError(f"fungrad.numpy.gradient: expected 0, 1 or {len(axes)} spacings, "
                        f"got {len(varargs)}")
    # numpy writes the result into an array of f's dtype, whatever the spacing's
    out = [astype(_gradient_1d(f, _arr(h), ax, edge_order), _dtype(f))
           for ax, h in zip(axes, spacings)]
    return out[0] if len(out) == 1 else out


def trapezoid(y, x=None, dx: float = 1.0, axis: int = -1):
    """numpy.trapezoid: the integral of ``y`` by the trapezoidal rule along ``axis``.

    >>> trapezoid(np.array([1.0, 2.0, 3.0]))
    np.float64(4.0)
    >>> trapezoid(np.array([1.0, 2.0, 3.0]), x=np.array([0.0, 1.0, 3.0]))
    np.float64(6.5)
    """
    y = _arr(y)
    axis = _axis(axis, _ndim(y), "trapezoid")
    n = _shape(y)[axis]
    # numpy adds neighbours in y's dtype: for booleans that is "or"
    pairs = ew.add(_slice_along(y, axis, 1, n), _slice_along(y, axis, 0, n - 1)) if n else y
    if _dtype(pairs).kind not in "fc":
        pairs = astype(pairs, np.float64)
    mids = ew.mul(pairs, 0.5)
    if x is None:
        d = dx
    else:
        x = _arr(x)
        d = diff(x, axis=-1 if _ndim(x) > 1 else 0)
        if _ndim(x) == 1:
            d = _along(d, axis, _ndim(y))
    return sum(ew.mul(mids, d), axis=axis)


def interp(x, xp, fp, left=None, right=None, period=None):
    """numpy.interp: piecewise-linear interpolation of the points ``(xp, fp)`` at ``x``;
    differentiable in ``x``, ``xp`` and ``fp``. ``left`` / ``right`` may be
    ``'extrapolate'`` (JAX's extension): outside ``xp`` the end segments' lines continue.

    >>> interp(np.array([-1.0, 4.0]), np.array([0.0, 1.0, 3.0]), np.array([1.0, 3.0, 2.0]),
    ...        left="extrapolate", right="extrapolate")
    array([-1. ,  1.5])
    >>> interp(np.array([0.5, 1.5, 9.0]), np.array([0.0, 1.0, 2.0]), np.array([0.0, 10.0, 0.0]))
    array([5., 5., 0.])
    >>> import fungrad
    >>> fungrad.grad(interp)(0.25, np.array([0.0, 1.0]), np.array([0.0, 4.0]))
    np.float64(4.0)
    """
    for name, end in (("left", left), ("right", right)):
        if isinstance(end, str) and end != "extrapolate":
            raise ValueError(f"the only valid string value of `{name}` is 'extrapolate', but "
                             f"got: {end!r}")
    # left/right may be traced values: compare them with the string only when they are one
    extend_left, extend_right = isinstance(left, str), isinstance(right, str)
    x, xp, fp = _arr(x), _arr(xp), _arr(fp)
    if _ndim(xp) != 1 or _ndim(fp) != 1 or _shape(xp) != _shape(fp):
        raise ValueError(f"fungrad.numpy.interp: xp and fp must be 1-D of the same length, "
                         f"got {get_aval(xp).str_short()} and {get_aval(fp).str_short()}")
    if _shape(xp)[0] == 0:
        raise ValueError("fungrad.numpy.interp: array of sample points is empty")
    for name, arg in (("x", x), ("xp", xp)):
        if _dtype(arg).kind == "c":  # numpy refuses too; only fp may be complex
            raise TypeError(f"fungrad.numpy.interp: {name} must be real, got "
                            f"{get_aval(arg).str_short()}")
    # numpy computes in float64 (complex fp stays complex)
    dtype = np.complex128 if _dtype(fp).kind == "c" else np.float64
    x, xp, fp = astype(x, np.float64), astype(xp, np.float64), astype(fp, dtype)
    if period is not None:
        if period == 0:
            raise ValueError("fungrad.numpy.interp: period must be a non-zero value")
        period = abs(period)
        left = right = None
        x, xp = ew.mod(x, period), ew.mod(xp, period)
        order = argsort(xp)
        xp, fp = take(xp, order), take(fp, order)
        n = _shape(xp)[0]
        xp = concatenate([ew.sub(take(xp, [n - 1]), period), xp, ew.add(take(xp, [0]), period)])
        fp = concatenate([take(fp, [n - 1]), fp, take(fp, [0])])
    n = _shape(xp)[0]
    if n == 1:
        out = broadcast_to(take(fp, 0), _shape(x))
    else:
        i = ew.maximum(ew.minimum(searchsorted(xp, x, side="right"), n - 1), 1)
        x0, x1 = take(xp, ew.sub(i, 1)), take(xp, i)
        f0, f1 = take(fp, ew.sub(i, 1)), take(fp, i)
        width = ew.sub(x1, x0)
        safe = ew.select(ew.eq(width, 0), np.ones((), np.float64), width)
        t = ew.div(ew.sub(x, x0), safe)
        out = ew.add(f0, ew.mul(t, ew.sub(f1, f0)))
        out = ew.select(ew.eq(width, 0), f1, out)
    # 'extrapolate' keeps the end segment's line, which the clipped i above already gives
    if not extend_left:
        lo = take(fp, 0) if left is None else astype(_arr(left), dtype)
        out = ew.select(ew.lt(x, take(xp, 0)), lo, out)
    if not extend_right:
        hi = take(fp, n - 1) if right is None else astype(_arr(right), dtype)
        out = ew.select(ew.gt(x, take(xp, n - 1)), hi, out)
    return out


def unwrap(p, discont=None, axis: int = -1, period=2 * np.pi):
    """numpy.unwrap: ``p`` with every jump between neighbours along ``axis`` larger than
    ``discont`` (default and at least ``period / 2``) taken back by a whole number of
    periods. The result is inexact (integers become float64, as in JAX); its
    derivative is the identity's, since the corrections are piecewise constant.

    >>> unwrap(np.array([0.0, 3.0, 6.5, 1.0]), period=4.0)
    array([ 0. , -1. , -1.5, -3. ])
    >>> unwrap(np.array([0.0, 6.0, 0.5]))
    array([ 0.        , -0.28318531,  0.5       ])
    """
    p = _arr(p)
    if _dtype(p).kind == "c":
        raise TypeError(f"fungrad.numpy.unwrap: p must be real, got {get_aval(p).str_short()}")
    if _dtype(p).kind != "f":
        p = astype(p, np.float64)
    if _ndim(p) == 0:
        raise ValueError("fungrad.numpy.unwrap requires input that is at least one "
                         "dimensional")
    axis = _axis(axis, _ndim(p), "unwrap")
    if _shape(p)[axis] == 0:
        return p
    scalar = isinstance(period, (int, float)) and isinstance(discont, (int, float, type(None)))
    half = period / 2 if scalar else ew.div(_arr(period), 2)  # Python numbers stay weak
    if discont is None:
        discont = half
    else:
        discont = max(discont, half) if scalar else ew.maximum(_arr(discont), half)
    dd = diff(p, axis=axis)
    wrapped = ew.sub(ew.mod(ew.add(dd, half), period), half)
    # a jump of exactly half a period keeps its sign
    wrapped = ew.select(ew.logical_and(ew.eq(wrapped, ew.neg(half)), ew.gt(dd, 0)), half,
                        wrapped)
    correction = ew.select(ew.lt(ew.absolute(dd), discont), 0.0, ew.sub(wrapped, dd))
    first = ew.mul(_slice_along(p, axis, 0, 1), 0.0)  # the first element stays
    return ew.add(p, concatenate([first, cumsum(correction, axis)], axis))
