"""Convolution and polynomials (coefficients highest power first, as numpy's poly*
functions): convolve, correlate, polyval, polyadd, polysub, polymul, polydiv, polyder,
polyint, poly, polyfit, roots, trim_zeros. All differentiable in the coefficients and points
(roots where they are simple)."""
from __future__ import annotations

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _array_results, _arr, _axis, _dtype, _ndim, _numeric, _shape, _slice_along
from fungrad.numpy.dtypes import astype
from fungrad.numpy.index_tricks import vander
from fungrad.numpy.indexing import take
from fungrad.numpy.joining import concatenate
from fungrad.numpy.einsums import einsum
from fungrad.numpy.products import dot
from fungrad.numpy.shapes import atleast_1d, broadcast_to, expand_dims, ravel, reshape
from fungrad.prims import complex as cx
from fungrad.prims import decompositions as dec
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.structural import ARRAY, Indexer

_MODES = ("full", "same", "valid")


def _vector(x, func: str, arg: str):
    x = _arr(x)
    if _ndim(x) != 1:
        raise ValueError(f"fungrad.numpy.{func}: {arg} must be one-dimensional, got "
                         f"{get_aval(x).str_short()}")
    if _shape(x)[0] == 0:
        raise ValueError(f"fungrad.numpy.{func}: {arg} cannot be empty")
    return x


@_array_results
def convolve(a, v, mode: str = "full", *, precision=None, preferred_element_type=None):
    """numpy.convolve: the discrete linear convolution of two 1-D arrays ('full', 'same' or
    'valid'); differentiable in both.

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "same")
    array([1. , 2.5, 4. ])
    """
    a, v = _vector(a, "convolve", "a"), _vector(v, "convolve", "v")
    if mode not in _MODES:
        raise ValueError(f"fungrad.numpy.convolve: mode must be one of {_MODES}, got "
                         f"{mode!r}")
    n, m = _shape(a)[0], _shape(v)[0]
    if not isinstance(a, Tracer) and not isinstance(v, Tracer):
        return np.convolve(a, v, mode)
    # full[k] = sum_i a[i] v[k - i]: one gather of the zero-padded v, then the products
    # summed where k - i is a real index of v. The products outside are dropped by a select,
    # not multiplied by the padding's zeros, so a NaN or inf in a reaches only the outputs it
    # reaches in numpy (0 * nan would spread it to all of them).
    zero = np.zeros((), np.result_type(_dtype(v), _dtype(a)))
    vpad = st.pad(astype(v, zero.dtype), zero, [(n - 1, n - 1)])
    k = np.arange(n + m - 1)[:, None]
    i = np.arange(n)[None, :]
    windows = take(vpad, k + (n - 1) - i)
    products = ew.mul(windows, astype(a, zero.dtype))
    inside = (k - i >= 0) & (k - i < m)
    full = astype(st.reduce_sum(ew.select(inside, products, zero), (1,)), zero.dtype)
    lo, hi = min(n, m), max(n, m)
    if mode == "same":
        start = (lo - 1) // 2
        return _slice_along(full, 0, start, start + hi)
    if mode == "valid":
        return _slice_along(full, 0, lo - 1, hi)
    return full


@_array_results
def correlate(a, v, mode: str = "valid", *, precision=None, preferred_element_type=None):
    """numpy.correlate: ``c[k] = sum_n a[n + k] * conj(v[n])``.

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([3.5])
    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "full")
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    a, v = _vector(a, "correlate", "a"), _vector(v, "correlate", "v")
    if mode not in _MODES:
        raise ValueError(f"fungrad.numpy.correlate: mode must be one of {_MODES}, got "
                         f"{mode!r}")
    if not isinstance(a, Tracer) and not isinstance(v, Tracer):
        return np.correlate(a, v, mode)
    n, m = _shape(a)[0], _shape(v)[0]
    full = convolve(a, cx.conj(st.rev(v, (0,))) if _dtype(v).kind == "c" else st.rev(v, (0,)),
                    "full")
    if mode == "full":
        return full
    lo, hi = min(n, m), max(n, m)
    if mode == "valid":
        return _slice_along(full, 0, lo - 1, hi)
    # numpy centres 'same' on the longer input, rounding the other way when v is longer
    start = (lo - 1) // 2 if n >= m else lo // 2
    return _slice_along(full, 0, start, start + hi)


def polyval(p, x):
    """numpy.polyval: the polynomial with coefficients ``p`` (highest power first) at ``x``,
    by Horner's rule.

    >>> polyval(np.array([1.0, 0.0, -2.0]), np.array([0.0, 1.0, 3.0]))
    array([-2., -1.,  7.])
    >>> import fungrad
    >>> fungrad.grad(polyval, argnums=1)(np.array([1.0, 0.0, -2.0]), 3.0)
    np.float64(6.0)
    """
    p, x = atleast_1d(_arr(p)), _arr(x)
    if _ndim(p) != 1:
        raise ValueError(f"fungrad.numpy.polyval: p must be one-dimensional, got "
                         f"{get_aval(p).str_short()}")
    dtype = np.result_type(np.empty(0, _dtype(p)), np.empty(0, _dtype(x)))
    y = np.zeros(_shape(x), dtype)
    for k in range(_shape(p)[0]):
        y = ew.add(ew.mul(y, x), astype(take(p, k), dtype))
    return y


def _pad_front(a, n: int, after: int = 0):
    """``a`` with ``n`` zeros in front (and ``after`` behind)."""
    zero = np.zeros((), _dtype(a))
    return st.pad(a, zero, [(n, after)]) if isinstance(a, Tracer) else \
        np.pad(np.asarray(a), (n, after))


def _coefficients(p, func: str, arg: str):
    """A polynomial's coefficients: a 1-D array (a scalar counts as one coefficient)."""
    p = atleast_1d(_numeric(p, func, arg))
    if _ndim(p) != 1:
        raise ValueError(f"fungrad.numpy.{func}: {arg} must be a 1-D array of coefficients, "
                         f"got {get_aval(p).str_short()}")
    return p


def _poly_pair(a1, a2, func):
    """Both coefficient arrays (coefficients along axis 0, highest power first) with the
    longer one's shape: the shorter one fills its last rows, broadcast over its trailing
    axes, with zeros in front, as JAX adds them (for 1-D input, numpy's padding)."""
    a1 = atleast_1d(_numeric(a1, func, "a1"))
    a2 = atleast_1d(_numeric(a2, func, "a2"))
    swap = _shape(a1)[0] > _shape(a2)[0]
    short, long = (a2, a1) if swap else (a1, a2)
    k, rows = _shape(short)[0], _shape(long)
    tail = (k,) + rows[1:]
    try:
        fits = np.broadcast_shapes(_shape(short), tail) == tail
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"fungrad.numpy.{func}: the shorter polynomial "
                         f"{get_aval(short).str_short()} must broadcast into the last {k} "
                         f"rows of the longer one {get_aval(long).str_short()}")
    short = concatenate([np.zeros((rows[0] - k,) + rows[1:], _dtype(short)),
                         broadcast_to(short, tail)], 0)
    return (long, short) if swap else (short, long)


def polyadd(a1, a2):
    """numpy.polyadd: the sum of two polynomials.

    >>> polyadd(np.array([1.0, 2.0]), np.array([1.0, 0.0, 5.0]))
    array([1., 1., 7.])

    As in JAX, 2-D coefficients hold one polynomial per column:

    >>> polyadd(np.array([[2, 3, 1]]), np.array([[5, 7, 3], [8, 2, 6]]))
    array([[ 5,  7,  3],
           [10,  5,  7]])
    """
    a1, a2 = _poly_pair(a1, a2, "polyadd")
    return ew.add(a1, a2)


def polysub(a1, a2):
    """numpy.polysub: the difference of two polynomials.

    >>> polysub(np.array([1.0, 2.0]), np.array([1.0, 0.0, 5.0]))
    array([-1.,  1., -3.])
    """
    a1, a2 = _poly_pair(a1, a2, "polysub")
    return ew.sub(a1, a2)


@_array_results
def polymul(a1, a2, *, trim_leading_zeros: bool = False):
    """numpy.polymul: the product of two polynomials (a convolution).

    >>> polymul(np.array([1.0, 1.0]), np.array([1.0, -1.0]))
    array([ 1.,  0., -1.])
    """
    a1, a2 = _coefficients(a1, "polymul", "a1"), _coefficients(a2, "polymul", "a2")
    out = convolve(a1, a2)
    return trim_zeros(out, "f") if trim_leading_zeros else out


@_array_results
def polydiv(u, v, *, trim_leading_zeros: bool = False):
    """numpy.polydiv: quotient and remainder of ``u / v``. As in JAX the remainder keeps its
    length (leading zeros) unless ``trim_leading_zeros=True`` (concrete inputs only), which
    gives numpy's result.

    >>> polydiv(np.array([1.0, 0.0, -1.0]), np.array([1.0, 1.0]), trim_leading_zeros=True)
    (array([ 1., -1.]), array([0.]))
    """
    u, v = _coefficients(u, "polydiv", "u"), _coefficients(v, "polydiv", "v")
    dtype = np.result_type(np.empty(0, _dtype(u)), np.empty(0, _dtype(v)), 1.0)
    u, v = astype(u, dtype), astype(v, dtype)
    m, n = _shape(u)[0] - 1, _shape(v)[0] - 1
    scale = ew.div(1.0, take(v, 0))
    r = u
    q_terms = []
    for k in range(max(m - n + 1, 0)):
        d = ew.mul(scale, take(r, k))
        q_terms.append(reshape(d, (1,)))
        r = ew.sub(r, _pad_front(ew.mul(d, v), k, m - n - k))
    q = concatenate(q_terms) if q_terms else np.zeros(1, dtype)
    if trim_leading_zeros:
        r = np.asarray(r)
        while r.shape[0] > 1 and np.allclose(r[0], 0, rtol=1e-14):
            r = r[1:]
    return q, r


def polyder(p, m: int = 1):
    """numpy.polyder: the m-th derivative of a polynomial.

    >>> polyder(np.array([1.0, 1.0, 1.0, 1.0]), 2)
    array([6., 2.])
    """
    if m < 0:
        raise ValueError("fungrad.numpy.polyder: order of derivative must be positive")
    p = _coefficients(p, "polyder", "p")
    for _ in range(m):  # as numpy: p[:-1] * arange(n, 0, -1) (a constant gives [])
        n = _shape(p)[0] - 1
        p = ew.mul(_slice_along(p, 0, 0, max(n, 0)), np.arange(n, 0, -1))
    return p


@_array_results
def polyint(p, m: int = 1, k=None):
    """numpy.polyint: the m-th antiderivative, with integration constants ``k`` (zeros by
    default).

    >>> polyint(np.array([3.0, 2.0, 1.0]))
    array([1., 1., 1., 0.])
    """
    if m < 0:
        raise ValueError("fungrad.numpy.polyint: order of integral must be positive")
    p = _coefficients(p, "polyint", "p")
    if _dtype(p).kind not in "fc":
        p = astype(p, np.float64)
    ks = np.zeros(m) if k is None else k
    ks = atleast_1d(_arr(ks))
    if _shape(ks)[0] == 1 and m > 1:
        ks = ew.mul(ks, np.ones(m))
    if _shape(ks)[0] < m:
        raise ValueError("fungrad.numpy.polyint: k must be a scalar or a rank-1 array of "
                         "length m")
    for j in range(m):
        n = _shape(p)[0]
        p = concatenate([ew.div(p, np.arange(n, 0, -1, dtype=np.float64)),
                         astype(reshape(take(ks, j), (1,)), _dtype(p))])
    return p


@_array_results
def poly(seq_of_zeros):
    """numpy.poly: the monic polynomial with the given zeros, or the characteristic
    polynomial of a square matrix (from its eigenvalues: complex, as in JAX).

    >>> poly(np.array([1.0, 2.0]))
    array([ 1., -3.,  2.])
    >>> poly(3)
    array([ 1., -3.])
    >>> poly(np.array([[2.0, 0.0], [0.0, 3.0]])).real
    array([ 1., -5.,  6.])
    """
    z = atleast_1d(_arr(seq_of_zeros))  # a scalar is one root, as in numpy and JAX
    if _ndim(z) == 2 and _shape(z)[0] == _shape(z)[1] and _shape(z)[0] > 0:
        # a square matrix: its characteristic polynomial, from its eigenvalues (complex,
        # as JAX gives it)
        z = dec.eig(z, compute_vectors=False)[0]
    if _ndim(z) > 1:
        raise ValueError(f"fungrad.numpy.poly: input must be 1-D or a non-empty square 2-D "
                         f"array, got {get_aval(z).str_short()}")
    dtype = np.result_type(np.empty(0, _dtype(z)), 1.0)
    z = astype(z, dtype)
    out = np.ones(1, dtype)
    for i in range(_shape(z)[0]):
        out = convolve(out, concatenate([np.ones(1, dtype), ew.neg(reshape(take(z, i), (1,)))]))
    return out


def polyfit(x, y, deg: int, rcond=None, full: bool = False, w=None, cov=False):
    """numpy.polyfit: least-squares polynomial coefficients (highest power first), solved
    from the column-scaled normal equations; differentiable in ``x``, ``y`` and ``w``.
    ``full=True`` also gives ``(residuals, rank, singular_values, rcond)`` of the scaled
    least-squares problem (from ``lstsq``); ``cov=True`` (or ``'unscaled'``) also gives the
    coefficients' covariance, as numpy and JAX do.

    >>> polyfit(np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 3.0, 5.0, 7.0]), 1).round(8)
    array([2., 1.])
    """
    from fungrad.numpy import linalg
    x, y = _arr(x), _arr(y)
    if deg < 0:
        raise ValueError("fungrad.numpy.polyfit: expected deg >= 0")
    if _ndim(x) != 1 or _shape(x)[0] == 0:
        raise TypeError(f"fungrad.numpy.polyfit: expected a non-empty 1-D x, got "
                        f"{get_aval(x).str_short()}")
    if _ndim(y) not in (1, 2) or _shape(y)[0] != _shape(x)[0]:
        raise TypeError(f"fungrad.numpy.polyfit: expected a 1-D or 2-D y with as many rows as "
                        f"x, got {get_aval(y).str_short()} and {get_aval(x).str_short()}")
    x, y = astype(x, np.float64) if _dtype(x).kind != "f" else x, \
        astype(y, np.float64) if _dtype(y).kind != "f" else y
    order, n = deg + 1, _shape(x)[0]
    lhs = vander(x, order)
    rhs = y
    if w is not None:
        w = _arr(w)
        lhs = ew.mul(lhs, reshape(w, (-1, 1)))
        rhs = ew.mul(rhs, w if _ndim(y) == 1 else reshape(w, (-1, 1)))
    scale = ew.sqrt(einsum("ij,ij->j", lhs, lhs))
    lhs = ew.div(lhs, scale)
    gram = dot(st.transpose(lhs, (1, 0)), lhs)
    coef = linalg.solve(gram, dot(st.transpose(lhs, (1, 0)), rhs))
    coef = ew.div(coef, scale if _ndim(y) == 1 else reshape(scale, (-1, 1)))
    if full:
        if rcond is None:
            rcond = n * float(np.finfo(_dtype(lhs)).eps)  # numpy's default
        _, resids, rank, sv = linalg.lstsq(lhs, rhs, rcond, numpy_resid=True)
        return coef, resids, rank, sv, rcond
    if not cov:
        return coef
    if n <= order:
        raise ValueError(f"fungrad.numpy.polyfit: cov=True needs more points ({n}) than "
                         f"coefficients ({order}) to scale the covariance")
    base = ew.div(linalg.inv(gram), ew.mul(reshape(scale, (-1, 1)), reshape(scale, (1, -1))))
    if isinstance(cov, str) and cov == "unscaled":
        factor = np.ones((), _dtype(base))  # numpy's unscaled 2-D covariance ends in 1
    else:  # the residuals' variance, numpy's estimate
        resid = ew.sub(rhs, dot(ew.mul(lhs, scale), coef))
        factor = ew.div(st.reduce_sum(ew.mul(resid, resid), (0,)), float(n - order))
    if _ndim(y) == 1:
        return coef, ew.mul(base, factor)
    return coef, ew.mul(expand_dims(base, -1), factor)


@_array_results
def trim_zeros(filt, trim: str = "fb", axis=None):
    """numpy.trim_zeros: drop leading ('f') and/or trailing ('b') zeros (concrete input);
    for N-D input, the leading and trailing all-zero slices along each of ``axis`` (default
    every axis), as JAX and numpy >= 2.2 do.

    >>> trim_zeros(np.array([0.0, 1.0, 2.0, 0.0]))
    array([1., 2.])
    >>> trim_zeros(np.array([[0, 0, 0], [0, 1, 0]]), axis=0)
    array([[0, 1, 0]])
    """
    if isinstance(filt, Tracer):
        raise TypeError("fungrad.numpy.trim_zeros: the result's length depends on the values "
                        "of filt, which are traced here")
    a = np.asarray(filt)
    if a.ndim == 0:
        raise ValueError("fungrad.numpy.trim_zeros: filt must be at least 1-D, got a scalar")
    axes = range(a.ndim) if axis is None else np.atleast_1d(axis).tolist()
    nonzero = a != 0
    index = [slice(None)] * a.ndim
    for ax in axes:
        ax = _axis(ax, a.ndim, "trim_zeros")
        others = tuple(i for i in range(a.ndim) if i != ax)
        nz = np.flatnonzero(np.any(nonzero, axis=others))
        if nz.size == 0:
            index[ax] = slice(0, 0)
            continue
        lo = nz[0] if "f" in trim.lower() else 0
        hi = nz[-1] + 1 if "b" in trim.lower() else a.shape[ax]
        index[ax] = slice(lo, hi)
    return a[tuple(index)]


def _companion_roots(p):
    """The eigenvalues of the companion matrix of ``p`` (``p[0]`` nonzero), complex."""
    n = _shape(p)[0]
    if n < 2:
        return np.zeros(0, np.result_type(_dtype(p), np.complex64))
    first_row = ew.neg(ew.div(_slice_along(p, 0, 1, n), take(p, 0)))
    below = np.eye(n - 2, n - 1, dtype=_dtype(p)) if n > 2 else np.zeros((0, 1), _dtype(p))
    companion = st.concatenate([reshape(first_row, (1, n - 1)), below], 0)
    return dec.eig(companion, compute_vectors=False)[0]


def roots(p, *, strip_zeros: bool = True):
    """numpy.roots: the roots of the polynomial with coefficients ``p`` (highest power
    first), as the eigenvalues of its companion matrix; always complex, as in JAX.
    ``strip_zeros`` drops leading zeros first, which needs ``p``'s values (under ``jit``
    each pattern of zeros is its own trace); with ``strip_zeros=False`` each leading zero
    gives a NaN root at the end instead, as in JAX. Differentiable (first order, as
    ``linalg.eigvals`` and JAX's) where the roots are simple.

    >>> roots(np.array([1.0, -3.0, 2.0]))
    array([2.+0.j, 1.+0.j])
    >>> roots(np.array([0.0, 1.0, -3.0, 2.0]), strip_zeros=False)
    array([ 1. +0.j,  2. +0.j, nan+nanj])
    """
    p = atleast_1d(_numeric(p, "roots", "p"))
    if _ndim(p) != 1:
        raise ValueError(f"fungrad.numpy.roots: p must be 1-D, got {get_aval(p).str_short()}")
    if _dtype(p).kind in "biu":
        p = astype(p, np.float64)
    n = _shape(p)[0]
    if strip_zeros:
        # the result's length depends on the zeros: Python asks for them (a traced p with
        # values records guards, so jit retraces when they change; a shapes-only trace
        # raises and says so)
        zero = [bool(ew.eq(take(p, i), 0)) for i in range(n)]
        if all(zero):
            return np.zeros(0, np.result_type(_dtype(p), np.complex64))
        first, last = zero.index(False), n - 1 - zero[::-1].index(False)
        # trailing zeros are roots at 0 exactly: appended, as numpy does
        found = _companion_roots(_slice_along(p, 0, first, last + 1))
        return st.concatenate([found, np.zeros(n - 1 - last, _dtype(found))], 0)
    # x^z q(x) with z leading zeros rolled to the end: the same roots as q, and z zeros;
    # z of the roots nearest 0 become NaN (any zero root is as good as another) and go last
    leading = st.argmin(ew.eq(p, 0), 0) if n else 0
    leading = ew.select(st.reduce_and(ew.eq(p, 0), (0,), False), n, leading) if n else 0
    found = _companion_roots(st.gather(p, ew.mod(ew.add(np.arange(n), leading), n),
                                       indexer=Indexer([ARRAY]))) if n else \
        _companion_roots(p)
    m = _shape(found)[0]
    if m == 0:
        return found
    rank = st.argsort(st.argsort(ew.absolute(found), 0), 0)
    spurious = ew.lt(rank, leading)
    order = st.argsort(astype(spurious, np.int8), 0)
    kept = st.gather(found, order, indexer=Indexer([ARRAY]))
    return ew.select(ew.lt(np.arange(m), ew.sub(m, leading)), kept,
                     np.asarray(complex(np.nan, np.nan), _dtype(found)))
