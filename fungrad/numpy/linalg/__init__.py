"""``fungrad.numpy.linalg``: all of numpy.linalg, differentiable, stacked over leading
dimensions. The factorizations are primitives (``fungrad.prims.decompositions``); the rest
are compositions of them.

Derivatives are JAX's. Where one is undefined the answer is JAX's too: eigenvector
derivatives at repeated eigenvalues and singular-vector derivatives at repeated (or, for
non-square matrices, zero) singular values are inf/NaN; eigenvalue and singular-value
derivatives are always finite.

>>> import numpy as np
>>> from fungrad.numpy import linalg
>>> float(linalg.norm(np.array([3.0, 4.0])))
5.0
"""
from __future__ import annotations

import operator
from functools import partial
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp  # imported last by fungrad.numpy, so complete here
from fungrad.core import bind, get_aval
from fungrad.custom_derivatives import custom_jvp
from fungrad.prims import decompositions as dec
from fungrad.prims import elementwise as ew
from fungrad.prims import linalg as la
from fungrad.prims import structural as st

__all__ = [
    "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "eig", "eigvals", "pinv", "lstsq",
    "matrix_power", "matrix_rank", "cond", "slogdet", "det", "inv", "solve", "tensorsolve",
    "tensorinv", "multi_dot", "norm", "matrix_norm", "vector_norm", "matmul", "outer", "cross",
    "trace", "diagonal", "tensordot", "vecdot", "matrix_transpose",
    "EighResult", "EigResult", "QRResult", "SVDResult", "SlogdetResult",
]


class EighResult(NamedTuple):
    """``eigh``'s result: ascending eigenvalues and the eigenvectors as columns.

    >>> EighResult(np.ones(2), np.eye(2)).eigenvalues
    array([1., 1.])
    """
    eigenvalues: Any
    eigenvectors: Any


class EigResult(NamedTuple):
    """``eig``'s result (complex).

    >>> EigResult(np.ones(2), np.eye(2)).eigenvectors.shape
    (2, 2)
    """
    eigenvalues: Any
    eigenvectors: Any


class QRResult(NamedTuple):
    """``qr``'s result.

    >>> QRResult(np.eye(2), np.eye(2)).R.shape
    (2, 2)
    """
    Q: Any
    R: Any


class SVDResult(NamedTuple):
    """``svd``'s result: ``a = U @ (S[..., None] * Vh)``.

    >>> SVDResult(np.eye(2), np.ones(2), np.eye(2)).S
    array([1., 1.])
    """
    U: Any
    S: Any
    Vh: Any


class SlogdetResult(NamedTuple):
    """``slogdet``'s result.

    >>> SlogdetResult(1.0, 0.0).logabsdet
    0.0
    """
    sign: Any
    logabsdet: Any


def _inexact(x):
    """An operand as an inexact array: integers and booleans become float64, as numpy."""
    x = fnp._arr(x)
    if get_aval(x).dtype.kind not in "fc":
        x = fnp.astype(x, np.float64)
    return x


def _square(name: str, a, arg: str = "a"):
    a = _inexact(a)
    la.square_matrices(name, get_aval(a), arg)
    return a


def _matrix(name: str, a, arg: str = "a"):
    a = _inexact(a)
    la.matrices(name, get_aval(a), arg)
    return a


def _is_complex(x) -> bool:
    return get_aval(x).dtype.kind == "c"


def _h(x):
    """Conjugate transpose of the last two axes."""
    return la.hermitian(x)


def _symmetrize(a):
    return ew.mul(ew.add(a, _h(a)), 0.5)


def _stop(x):
    """No derivative through ``x`` (cut-offs, tolerances)."""
    return bind(ew.stop_gradient_p, x)


# ---------------------------------------------------------------------------------------------
# Factorizations
# ---------------------------------------------------------------------------------------------

def cholesky(a, *, upper: bool = False, symmetrize_input: bool = True):
    """numpy.linalg.cholesky: the lower factor ``L`` with ``a = L L^H`` (``upper``: ``L^H``).
    As JAX: the input is symmetrized (``(a + a^H) / 2``) first unless ``symmetrize_input``
    is False, and a matrix that is not positive definite gives NaNs instead of an error.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 0.],
           [1., 1.]])
    """
    a = _square("cholesky", a)
    if symmetrize_input:
        a = _symmetrize(a)
    l = dec.cholesky(a)
    return _h(l) if upper else l


def qr(a, mode: str = "reduced"):
    """numpy.linalg.qr: ``QRResult(Q, R)`` for mode 'reduced' or 'complete', ``R`` alone for
    'r'. Differentiable for every shape and mode, as in JAX.

    >>> q, r = qr(np.array([[3.0, 0.0], [4.0, 5.0]]))
    >>> np.allclose(q @ r, [[3.0, 0.0], [4.0, 5.0]])
    True
    """
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr: unrecognized mode {mode!r}; expected 'reduced', 'complete' or "
                         "'r'")
    a = _matrix("qr", a)
    q, r = dec.qr(a, full_matrices=(mode == "complete"))
    return r if mode == "r" else QRResult(q, r)


def eigh(a, UPLO: str | None = None, symmetrize_input: bool = True):  # noqa: N803
    """numpy.linalg.eigh: ``EighResult(eigenvalues, eigenvectors)``, eigenvalues ascending.
    As JAX, the input is symmetrized first unless ``symmetrize_input`` is False. Eigenvector
    derivatives at repeated eigenvalues are undefined (inf/NaN, as in JAX).

    >>> w, v = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    """
    a = _square("eigh", a)
    lower = _uplo("eigh", UPLO)
    if symmetrize_input:
        a = _symmetrize(a)
    w, v = dec.eigh(a, lower=lower)
    return EighResult(w, v)


def _uplo(name: str, uplo) -> bool:
    if uplo is None or uplo == "L":
        return True
    if uplo == "U":
        return False
    raise ValueError(f"{name}: UPLO must be 'L' or 'U', got {uplo!r}")


def eigvalsh(a, UPLO: str | None = "L", *, symmetrize_input: bool = True):  # noqa: N803
    """numpy.linalg.eigvalsh: the ascending eigenvalues of Hermitian matrices; their
    derivatives are finite even where eigenvalues repeat.

    >>> eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    a = _square("eigvalsh", a)
    lower = _uplo("eigvalsh", UPLO)
    if symmetrize_input:
        a = _symmetrize(a)
    return dec.eigh(a, lower=lower, eigvals_only=True)[0]


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """numpy.linalg.svd: ``SVDResult(U, S, Vh)``, or ``S`` alone without ``compute_uv``.
    Derivatives of ``U``/``Vh`` need ``full_matrices=False`` on non-square matrices (as JAX)
    and are undefined (inf/NaN) at repeated singular values; those of ``S`` always exist.
    ``hermitian`` computes it from ``eigh``.

    >>> svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
    array([4., 3.])
    """
    a = _matrix("svd", a)
    if hermitian:
        return _svd_hermitian(a, compute_uv)
    if not compute_uv:
        return dec.svd(a, compute_uv=False)[0]
    s, u, vh = dec.svd(a, full_matrices=full_matrices)
    return SVDResult(u, s, vh)


def _svd_hermitian(a, compute_uv):
    la.square_matrices("svd", get_aval(a))
    if not compute_uv:
        return fnp.flip(fnp.sort(fnp.absolute(eigvalsh(a)), axis=-1), axis=-1)
    w, v = eigh(a)
    order = fnp.flip(fnp.argsort(fnp.absolute(w), axis=-1), axis=-1)
    s = fnp.take_along_axis(fnp.absolute(w), order, axis=-1)
    u = fnp.take_along_axis(v, fnp.expand_dims(order, -2), axis=-1)
    signs = fnp.take_along_axis(fnp.sign(w), order, axis=-1)
    vh = _h(ew.mul(u, fnp.expand_dims(fnp.astype(signs, get_aval(u).dtype), -2)))
    return SVDResult(u, s, vh)


def svdvals(x, /):
    """numpy.linalg.svdvals: the singular values, descending.

    >>> svdvals(np.array([[0.0, 2.0], [1.0, 0.0]]))
    array([2., 1.])
    """
    return svd(x, compute_uv=False)


def eig(a):
    """numpy.linalg.eig: ``EigResult(eigenvalues, eigenvectors)``, always complex (as JAX).
    Only eigenvalues have derivatives (as JAX): differentiate ``eigvals`` instead.

    >>> eig(np.array([[2.0, 0.0], [0.0, 3.0]])).eigenvalues
    array([2.+0.j, 3.+0.j])
    """
    a = _square("eig", a)
    w, v = dec.eig(a)
    return EigResult(w, v)


def eigvals(a):
    """numpy.linalg.eigvals, always complex (as JAX); derivative ``diag(V^-1 dA V)``.

    >>> eigvals(np.array([[0.0, 1.0], [-1.0, 0.0]]))
    array([0.+1.j, 0.-1.j])
    """
    a = _square("eigvals", a)
    return dec.eig(a, compute_vectors=False)[0]


# ---------------------------------------------------------------------------------------------
# Inverses and solves
# ---------------------------------------------------------------------------------------------

def det(a):
    """numpy.linalg.det; gradient ``det(A) inv(A)^T``.

    >>> det(np.array([[2.0, 0.0], [0.0, 3.0]]))
    np.float64(6.0)
    >>> import fungrad
    >>> fungrad.grad(det)(np.array([[2.0, 0.0], [0.0, 3.0]]))
    array([[3., 0.],
           [0., 2.]])
    """
    return dec.det(_square("det", a))


def slogdet(a, *, method: str | None = None):
    """numpy.linalg.slogdet: ``SlogdetResult(sign, logabsdet)``; the gradient of
    ``logabsdet`` is ``inv(A)^T``. JAX's ``method`` ('lu' or 'qr') is accepted: both give
    LAPACK's LU answer here.

    >>> sign, logabsdet = slogdet(np.array([[0.0, 2.0], [1.0, 0.0]]))
    >>> sign, logabsdet == np.log(2.0)
    (np.float64(-1.0), np.True_)
    >>> import fungrad
    >>> fungrad.grad(lambda a: slogdet(a)[1])(np.array([[2.0, 0.0], [0.0, 4.0]]))  # inv(A)^T
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    if method not in (None, "lu", "qr"):
        raise ValueError(f"fungrad.numpy.linalg.slogdet: method must be 'lu' or 'qr', got "
                         f"{method!r}")
    sign, logabsdet = la.slogdet(_square("slogdet", a))
    return SlogdetResult(sign, logabsdet)


def inv(a):
    """numpy.linalg.inv; gradient ``-inv(A)^T g inv(A)^T``.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    >>> import fungrad
    >>> fungrad.grad(lambda a: inv(a)[0, 0])(np.array([[2.0]]))  # d(1/a)/da = -1/a**2
    array([[-0.25]])
    """
    return la.inv(_square("inv", a))


def solve(a, b):
    """numpy.linalg.solve (``b`` a vector or a stack of matrices); differentiable in both.

    >>> solve(np.eye(2) * 2.0, np.array([2.0, 4.0]))
    array([1., 2.])
    """
    a, b = _square("solve", a), _inexact(b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    if len(sb) < 1:
        return la.solve(a, b)  # the primitive's shape rule explains the error
    dtype = np.result_type(get_aval(a).dtype, get_aval(b).dtype)
    a, b = la.cast(a, dtype), la.cast(b, dtype)
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


def _default_rtol(a) -> float:
    m, n = get_aval(a).shape[-2:]
    return 10.0 * max(m, n) * float(np.finfo(get_aval(a).dtype).eps)


@partial(custom_jvp, nondiff_argnums=(1,))
def _pinv(a, rtol):
    s, u, vh = dec.svd(a, full_matrices=False)
    cutoff = ew.mul(fnp.max(s, axis=-1, keepdims=True), rtol) if get_aval(s).shape[-1] \
        else s
    s_inv = fnp.where(ew.gt(s, cutoff), ew.div(1.0, fnp.where(ew.gt(s, cutoff), s, 1.0)), 0.0)
    s_inv = la.cast(s_inv, get_aval(a).dtype)
    return fnp.matmul(ew.mul(_h(vh), fnp.expand_dims(s_inv, -2)), _h(u))


@_pinv.defjvp
def _pinv_jvp(rtol, primals, tangents):
    # the derivative of the Moore-Penrose inverse (Golub and Pereyra 1973), as JAX
    a, = primals
    t = tangents[0]
    p = _pinv(a, rtol)
    m, n = get_aval(a).shape[-2:]
    dtype = get_aval(a).dtype
    eye_m, eye_n = np.eye(m, dtype=dtype), np.eye(n, dtype=dtype)
    pp = fnp.matmul(p, _h(p))
    ap = fnp.matmul(a, p)
    pa = fnp.matmul(p, a)
    t_h = _h(t)
    dp = fnp.negative(fnp.matmul(fnp.matmul(p, t), p))
    dp = ew.add(dp, fnp.matmul(fnp.matmul(pp, t_h), ew.sub(eye_m, ap)))
    dp = ew.add(dp, fnp.matmul(fnp.matmul(fnp.matmul(ew.sub(eye_n, pa), t_h), _h(p)), p))
    return p, dp


def pinv(a, rtol=None, hermitian: bool = False, *, rcond=None):
    """numpy.linalg.pinv: the Moore-Penrose pseudo-inverse from the SVD, singular values
    below ``rtol * max(s)`` dropped (default ``10 * max(M, N) * eps``, as JAX). Its
    derivative is the closed form for a pseudo-inverse of fixed rank (as JAX), finite even
    for rank-deficient matrices.

    >>> pinv(np.array([[2.0, 0.0], [0.0, 0.0]]))
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    a = _matrix("pinv", a)
    if rcond is not None:
        if rtol is not None:
            raise ValueError("pinv: give rtol or rcond, not both")
        rtol = rcond
    rtol = _default_rtol(a) if rtol is None else rtol
    return _pinv(a, float(rtol))


def lstsq(a, b, rcond=None, *, numpy_resid: bool = False):
    """numpy.linalg.lstsq: ``(x, residuals, rank, s)``, the least-squares solution from the
    SVD (``rcond`` defaults to ``eps * max(M, N)``). As JAX, ``residuals`` is
    ``|b - a x|^2`` per column unless ``numpy_resid=True`` asks for numpy's (empty unless a
    has full column rank and more rows than columns).

    >>> x, resid, rank, s = lstsq(np.array([[1.0], [1.0]]), np.array([1.0, 3.0]))
    >>> x, rank
    (array([2.]), np.int64(1))
    """
    a, b = _matrix("lstsq", a), _inexact(b)
    if get_aval(a).ndim != 2:
        raise ValueError(f"lstsq: argument a must be 2-D, got {get_aval(a).str_short()}")
    bs = get_aval(b).shape
    if len(bs) not in (1, 2) or bs[0] != get_aval(a).shape[0]:
        raise ValueError(f"lstsq: argument b {get_aval(b).str_short()} must be 1-D or 2-D with "
                         f"as many rows as a {get_aval(a).str_short()}")
    dtype = np.result_type(get_aval(a).dtype, get_aval(b).dtype)
    a, b = la.cast(a, dtype), la.cast(b, dtype)
    m, n = get_aval(a).shape
    vector = len(bs) == 1
    b2 = st.reshape(b, bs + (1,)) if vector else b
    if rcond is None:
        rcond = float(np.finfo(dtype).eps) * max(m, n)
    s, u, vh = dec.svd(a, full_matrices=False)
    if min(m, n) == 0:
        x = fnp.zeros((n,) + get_aval(b2).shape[1:], dtype)
        rank = np.int64(0)
    else:
        cutoff = ew.mul(_stop(s[0]), rcond)
        mask = ew.gt(s, cutoff)
        s_inv = fnp.where(mask, ew.div(1.0, fnp.where(mask, s, 1.0)), 0.0)
        uhb = fnp.matmul(_h(u), b2)
        x = fnp.matmul(_h(vh), ew.mul(fnp.expand_dims(la.cast(s_inv, dtype), -1), uhb))
        rank = fnp.sum(mask)
    resid_full = fnp.sum(ew.square(fnp.absolute(ew.sub(b2, fnp.matmul(a, x)))), axis=0)
    if numpy_resid and not (int(rank) == n and m > n):  # numpy: none unless full column rank
        resid = fnp.zeros((0,), np.finfo(dtype).dtype)
    elif vector:
        resid = st.reshape(resid_full, (1,) if numpy_resid else ())
    else:
        resid = resid_full
    if vector:
        x = st.reshape(x, (n,))
    return x, resid, rank, s


def matrix_power(a, n: int):
    """numpy.linalg.matrix_power: ``a`` to an integer power by repeated squaring (negative
    powers through ``inv``).

    >>> matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
    array([[1., 3.],
           [0., 1.]])
    >>> matrix_power(np.array([[2.0, 0.0], [0.0, 4.0]]), -1)
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    a = fnp._arr(a)
    aval = get_aval(a)
    if aval.ndim < 2 or aval.shape[-1] != aval.shape[-2]:
        raise ValueError(f"matrix_power: argument a must be a square matrix (or a stack of "
                         f"them) in its last two dimensions, got {aval.str_short()}")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"matrix_power: exponent n must be an integer, got {n!r}") from None
    if n == 0:
        eye = np.eye(aval.shape[-1], dtype=aval.dtype)
        return st.broadcast_to(eye, aval.shape)
    if n < 0:
        a, n = inv(a), -n
    result = None
    power = a
    while True:  # binary exponentiation: the bits of n, lowest first
        if n & 1:
            result = power if result is None else fnp.matmul(result, power)
        n >>= 1
        if not n:
            return result
        power = fnp.matmul(power, power)


def matrix_rank(M, rtol=None, *, hermitian: bool = False, tol=None):  # noqa: N803
    """numpy.linalg.matrix_rank: the number of singular values above ``tol`` (default
    ``max(s) * max(M, N) * eps``, or ``rtol * max(s)``). An integer: no derivative.
    ``hermitian`` is accepted (the singular values are the same either way).

    >>> matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]]))
    np.int64(1)
    """
    m = _inexact(M)
    aval = get_aval(m)
    if aval.ndim < 2:
        return fnp.astype(fnp.any(ew.ne(m, 0)), np.int64)
    s = svdvals(m)
    smax = fnp.max(s, axis=-1, keepdims=True) if aval.shape[-1] and aval.shape[-2] else s
    if tol is None:
        if rtol is None:
            rtol = max(aval.shape[-2:]) * float(np.finfo(aval.dtype).eps)
        tol = ew.mul(smax, rtol)
    else:
        tol = fnp.expand_dims(fnp.asarray(tol), -1) if np.ndim(tol) else tol
    return fnp.sum(ew.gt(s, tol), axis=-1)


def cond(x, p=None):
    """numpy.linalg.cond: ``s_max / s_min`` for p None, 2 (``-2``: the reverse), otherwise
    ``norm(x, p) * norm(inv(x), p)``.

    >>> float(cond(np.array([[2.0, 0.0], [0.0, 0.5]])))
    4.0
    """
    x = _matrix("cond", x)
    if p in (None, 2, -2):
        s = svdvals(x)
        big, small = s[..., 0], s[..., -1]
        r = ew.div(small, big) if p == -2 else ew.div(big, small)
    else:
        la.square_matrices("cond", get_aval(x), "x")
        r = ew.mul(norm(x, p, axis=(-2, -1)), norm(inv(x), p, axis=(-2, -1)))
    # as numpy and JAX: a singular matrix's NaN (0/0, inf*0) is an infinite condition
    # number, unless x itself holds a NaN
    nd = len(get_aval(x).shape)
    finite_input = ew.bitwise_not(st.reduce_or(ew.isnan(x), (nd - 2, nd - 1)))
    return ew.select(ew.logical_and(ew.isnan(r), finite_input),
                     np.array(np.inf, get_aval(r).dtype), r)


def tensorinv(a, ind: int = 2):
    """numpy.linalg.tensorinv: the inverse of ``a`` seen as a matrix of its first ``ind``
    axes against the rest.

    >>> tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape
    (2, 2, 4)
    """
    a = _inexact(a)
    shape = get_aval(a).shape
    if ind <= 0:
        raise ValueError(f"tensorinv: ind must be a positive integer, got {ind}")
    rows, cols = shape[:ind], shape[ind:]
    size = int(np.prod(rows))
    if int(np.prod(cols)) != size:
        raise ValueError(f"tensorinv: argument a {get_aval(a).str_short()} is not square "
                         f"as a matrix of its first {ind} axes against the rest")
    return st.reshape(inv(st.reshape(a, (size, size))), cols + rows)


def tensorsolve(a, b, axes=None):
    """numpy.linalg.tensorsolve: ``x`` with ``tensordot(a, x, x.ndim) == b``.

    >>> tensorsolve(np.eye(4).reshape(2, 2, 4), np.ones((2, 2))).shape
    (4,)
    """
    a, b = _inexact(a), _inexact(b)
    nd = get_aval(a).ndim
    if axes is not None:
        axes = [ax % nd for ax in axes]
        order = [i for i in range(nd) if i not in axes] + axes
        a = fnp.transpose(a, order)
    bshape = get_aval(b).shape
    xshape = get_aval(a).shape[len(bshape):]
    rows, cols = int(np.prod(bshape)), int(np.prod(xshape))
    if get_aval(a).shape[:len(bshape)] != bshape or rows != cols:
        raise ValueError(f"tensorsolve: a {get_aval(a).str_short()} and b "
                         f"{get_aval(b).str_short()} do not fit: a's leading axes must be b's "
                         "shape and its other axes of the same total size")
    x = solve(st.reshape(a, (rows, cols)), st.reshape(b, (rows,)))
    return st.reshape(x, xshape)


def multi_dot(arrays, *, precision=None):
    """numpy.linalg.multi_dot: a chain of matrix products (a first 1-D operand is a row, a
    last one a column), multiplied in the cheapest order.

    >>> multi_dot([np.ones(2), np.eye(2), np.ones(2)])
    np.float64(2.0)
    """
    arrays = [fnp._arr(x) for x in arrays]
    if len(arrays) < 2:
        raise ValueError(f"multi_dot: expecting at least two arrays, got {len(arrays)}")
    if len(arrays) == 2:
        return fnp.dot(arrays[0], arrays[1])
    first_vec, last_vec = get_aval(arrays[0]).ndim == 1, get_aval(arrays[-1]).ndim == 1
    if first_vec:
        arrays[0] = fnp.reshape(arrays[0], (1, -1))
    if last_vec:
        arrays[-1] = fnp.reshape(arrays[-1], (-1, 1))
    for i, x in enumerate(arrays):
        if get_aval(x).ndim != 2:
            raise ValueError(f"multi_dot: operand {i} must be 2-D (the first and last may be "
                             f"1-D), got {get_aval(x).str_short()}")
    out = _chain(arrays)
    if first_vec and last_vec:  # a 1x1 matrix: its one element, a scalar as numpy's
        return st.reduce_sum(out, (0, 1))
    if first_vec:
        return st.reshape(out, (get_aval(out).shape[1],))
    if last_vec:
        return st.reshape(out, (get_aval(out).shape[0],))
    return out


def _chain(arrays):
    """The matrix chain in the order of fewest multiplications (dynamic programming)."""
    dims = [get_aval(arrays[0]).shape[0]] + [get_aval(x).shape[1] for x in arrays]
    n = len(arrays)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    # evaluate the bracketing without recursion: a stack of (i, j) still to multiply
    results: dict = {}
    todo = [(0, n - 1)]
    while todo:
        i, j = todo[-1]
        if i == j:
            results[(i, j)] = arrays[i]
            todo.pop()
            continue
        k = split[i][j]
        left, right = (i, k), (k + 1, j)
        if left in results and right in results:
            results[(i, j)] = fnp.dot(results.pop(left), results.pop(right))
            todo.pop()
        else:
            todo.extend(p for p in (left, right) if p not in results)
    return results[(0, n - 1)]


# ---------------------------------------------------------------------------------------------
# numpy 2's array-API names in linalg
# ---------------------------------------------------------------------------------------------

def matmul(x1, x2, /):
    """numpy.linalg.matmul: ``fungrad.numpy.matmul``.

    >>> matmul(np.eye(2), np.array([1.0, 2.0]))
    array([1., 2.])
    """
    return fnp.matmul(x1, x2)


def matrix_transpose(x, /):
    """numpy.linalg.matrix_transpose: swap the last two axes.

    >>> matrix_transpose(np.ones((4, 2, 3))).shape
    (4, 3, 2)
    """
    x = fnp._arr(x)
    if get_aval(x).ndim < 2:
        raise ValueError(f"matrix_transpose: argument x must have at least 2 dimensions, got "
                         f"{get_aval(x).str_short()}")
    return fnp.matrix_transpose(x)


def outer(x1, x2, /):
    """numpy.linalg.outer: the outer product of two vectors (1-D only).

    >>> outer(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
    array([[ 1., 10.],
           [ 2., 20.]])
    """
    x1, x2 = fnp._arr(x1), fnp._arr(x2)
    for name, x in (("x1", x1), ("x2", x2)):
        if get_aval(x).ndim != 1:
            raise ValueError(f"outer: argument {name} must be 1-D, got "
                             f"{get_aval(x).str_short()}")
    return fnp.outer(x1, x2)


def cross(x1, x2, /, *, axis: int = -1):
    """numpy.linalg.cross: the cross product of 3-vectors along ``axis``.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    x1, x2 = fnp._arr(x1), fnp._arr(x2)
    for name, x in (("x1", x1), ("x2", x2)):
        aval = get_aval(x)
        if aval.ndim == 0 or not -aval.ndim <= axis < aval.ndim or aval.shape[axis] != 3:
            raise ValueError(f"cross: argument {name} must have size 3 along axis {axis}, got "
                             f"{aval.str_short()}")
    return fnp.cross(x1, x2, axis=axis)


def trace(x, /, *, offset: int = 0, dtype=None):
    """numpy.linalg.trace: the trace of each matrix in the last two axes.

    >>> trace(np.arange(8.0).reshape(2, 2, 2))
    array([ 3., 11.])
    """
    x = fnp._arr(x)
    if get_aval(x).ndim < 2:
        raise ValueError(f"trace: argument x must have at least 2 dimensions, got "
                         f"{get_aval(x).str_short()}")
    return fnp.trace(x, offset, -2, -1, dtype=dtype)


def diagonal(x, /, *, offset: int = 0):
    """numpy.linalg.diagonal: the diagonals of the matrices in the last two axes.

    >>> diagonal(np.arange(8.0).reshape(2, 2, 2))
    array([[0., 3.],
           [4., 7.]])
    """
    x = fnp._arr(x)
    if get_aval(x).ndim < 2:
        raise ValueError(f"diagonal: argument x must have at least 2 dimensions, got "
                         f"{get_aval(x).str_short()}")
    return fnp.diagonal(x, offset, -2, -1)


def tensordot(x1, x2, /, *, axes=2):
    """numpy.linalg.tensordot: ``fungrad.numpy.tensordot`` with keyword ``axes``.

    >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    return fnp.tensordot(x1, x2, axes)


def vecdot(x1, x2, /, *, axis: int = -1):
    """numpy.linalg.vecdot: ``sum(conj(x1) * x2)`` along ``axis``, broadcasting the rest.

    >>> vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
    array([3., 7.])
    >>> vecdot(np.array([1j]), np.array([1j]))
    np.complex128(1+0j)
    """
    return fnp.vecdot(x1, x2, axis=axis)  # which conjugates x1 (once)


# the norms, in their own module, written with the functions above
from fungrad.numpy.linalg.norms import matrix_norm, norm, vector_norm  # noqa: E402,F401
