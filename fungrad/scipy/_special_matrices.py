"""jax.scipy.linalg's special matrices: ``block_diag``, ``toeplitz``, ``hankel``,
``circulant``, ``companion``, ``convolution_matrix``, ``fiedler``, ``fiedler_companion``,
``leslie`` (built from their inputs by fungrad operations, so they differentiate, jit and vmap)
and the fixed ones ``hilbert``, ``invhilbert``, ``dft``, ``hadamard``, ``helmert``, ``pascal``,
``invpascal`` (scipy's values as arrays). ``fungrad.scipy.linalg`` re-exports them.

>>> import numpy as np
>>> toeplitz(np.array([1.0, 2.0, 3.0]))
array([[1., 2., 3.],
       [2., 1., 2.],
       [3., 2., 1.]])
"""
from __future__ import annotations

import operator

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import get_aval
from fungrad.numpy import linalg as nla
from fungrad.prims import linalg as la

_inexact = nla._inexact


def block_diag(*arrs):
    """scipy.linalg.block_diag: the arrays (0-d and 1-d ones as rows) along the diagonal.

    >>> block_diag(np.array([[1.0]]), np.array([[2.0, 3.0]]))
    array([[1., 0., 0.],
           [0., 2., 3.]])
    """
    if not arrs:
        return np.zeros((1, 0))
    mats = [fnp.atleast_2d(fnp._arr(x)) for x in arrs]
    for i, x in enumerate(mats):
        if get_aval(x).ndim != 2:
            raise ValueError(f"block_diag: argument {i} has more than 2 dimensions: "
                             f"{get_aval(x).str_short()}")
    dtype = np.result_type(*[get_aval(x).dtype for x in mats])
    total = sum(get_aval(x).shape[1] for x in mats)
    rows, left = [], 0
    for x in mats:
        c = get_aval(x).shape[1]
        rows.append(fnp.pad(fnp.astype(x, dtype), ((0, 0), (left, total - left - c))))
        left += c
    return fnp.concatenate(rows, axis=0)


def toeplitz(c, r=None):
    """scipy.linalg.toeplitz: first column ``c``, first row ``r`` (default ``conj(c)``);
    ``r[0]`` is ignored.

    >>> toeplitz(np.array([1.0, 2.0, 3.0]), np.array([1.0, 4.0]))
    array([[1., 4.],
           [2., 1.],
           [3., 2.]])
    >>> toeplitz(np.array([[1, 2], [3, 4]])).shape
    (2, 2, 2)
    """
    c = fnp.atleast_1d(fnp._arr(c))
    r = la.conj(c) if r is None else fnp.atleast_1d(fnp._arr(r))
    # leading axes are a batch, as in JAX (scipy >= 1.17 too): one matrix per vector pair
    c_aval, r_aval = get_aval(c), get_aval(r)
    batch = np.broadcast_shapes(c_aval.shape[:-1], r_aval.shape[:-1])
    m, n = c_aval.shape[-1], r_aval.shape[-1]
    if m == 0 or n == 0:
        return np.zeros(batch + (m, n), np.result_type(c_aval.dtype, r_aval.dtype))
    c = fnp.broadcast_to(c, batch + (m,))
    r = fnp.broadcast_to(r, batch + (n,))
    values = fnp.concatenate([fnp.flip(r[..., 1:], -1), c], -1)  # [n - 1 + i - j] is T[i, j]
    index = (n - 1) + np.arange(m)[:, None] - np.arange(n)[None, :]
    return fnp.take(values, index, axis=-1)


def hilbert(n: int):
    """scipy.linalg.hilbert: ``H[i, j] = 1 / (i + j + 1)`` (a constant).

    >>> hilbert(2)
    array([[1.        , 0.5       ],
           [0.5       , 0.33333333]])
    """
    i = np.arange(n)
    return fnp.asarray(1.0 / (i[:, None] + i[None, :] + 1.0))


# ---------------------------------------------------------------------------------------------
# Matrices built from arrays: each is a gather from its inputs' last axis, with a numpy index
# pattern fixed by the shapes, so they trace, jit, batch and differentiate as that gather does.
# ---------------------------------------------------------------------------------------------

def _vector(name: str, a, arg: str = "a", *, at_least: int = 0):
    """``a`` as an array of at least one dimension whose last axis has ``at_least`` entries."""
    a = fnp.atleast_1d(fnp._arr(a))
    shape = get_aval(a).shape
    if shape[-1] < at_least:
        raise ValueError(f"{name}: the last axis of argument {arg} {get_aval(a).str_short()} "
                         f"must have at least {at_least} entries")
    return a


def _order(name: str, n, arg: str = "n", *, positive: bool = False) -> int:
    """The matrix size ``n`` as a Python int (a TypeError names anything else)."""
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{name}: argument {arg} must be an integer, got "
                        f"{type(n).__name__} {n!r}") from None
    if positive and n < 1:
        raise ValueError(f"{name}: argument {arg} must be a positive integer, got {n}")
    return n


def _with_constants(values, *constants):
    """``values`` with the given constants prepended along the last axis (slots 0, 1, ...), so
    an index pattern can point at a zero or a one as well as at the inputs."""
    shape = get_aval(values).shape
    dtype = get_aval(values).dtype
    slots = [fnp.full(shape[:-1] + (1,), k, dtype) for k in constants]
    return fnp.concatenate(slots + [values], axis=-1)


def circulant(c):
    """scipy.linalg.circulant: ``C[..., i, j] = c[..., (i - j) % n]`` (``c`` is the first column;
    leading axes of ``c`` are a batch).

    >>> circulant(np.array([1.0, 2.0, 3.0]))
    array([[1., 3., 2.],
           [2., 1., 3.],
           [3., 2., 1.]])
    """
    c = _vector("circulant", c, "c")
    n = get_aval(c).shape[-1]
    index = (np.arange(n)[:, None] - np.arange(n)[None, :]) % max(n, 1)
    return fnp.take(c, index, axis=-1)


def companion(a):
    """scipy.linalg.companion: first row ``-a[1:] / a[0]``, ones on the first subdiagonal, of
    shape ``(..., N - 1, N - 1)``; as JAX, a zero ``a[0]`` gives infs/NaNs rather than an error.

    >>> companion(np.array([1.0, -10.0, 31.0, -30.0]))
    array([[ 10., -31.,  30.],
           [  1.,   0.,   0.],
           [  0.,   1.,   0.]])
    """
    a = _inexact(_vector("companion", a, at_least=2))
    n = get_aval(a).shape[-1] - 1
    first_row = fnp.negative(a[..., 1:] / a[..., :1])
    index = np.zeros((n, n), np.intp)              # slot 0 is a zero, slot 1 a one
    index[0] = 2 + np.arange(n)
    index[np.arange(1, n), np.arange(n - 1)] = 1
    return fnp.take(_with_constants(first_row, 0, 1), index, axis=-1)


def convolution_matrix(a, n: int, mode: str = "full"):
    """scipy.linalg.convolution_matrix: the Toeplitz matrix ``A`` with ``A @ v`` equal to
    ``numpy.convolve(a, v, mode)`` for ``v`` of length ``n``; leading axes of ``a`` are a batch.

    >>> convolution_matrix(np.array([-1.0, 4.0, -2.0]), 3, mode="same")
    array([[ 4., -1.,  0.],
           [-2.,  4., -1.],
           [ 0., -2.,  4.]])
    """
    n = _order("convolution_matrix", n, positive=True)
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"convolution_matrix: argument mode must be one of 'full', 'same', "
                         f"'valid', got {mode!r}")
    a = _vector("convolution_matrix", a, at_least=1)
    m = get_aval(a).shape[-1]
    rows = np.arange(m + n - 1)                    # the 'full' rows, then trimmed as scipy
    trim = min(m, n) - 1
    if mode == "same":
        rows = rows[trim // 2: m + n - 1 - (trim - trim // 2)]
    elif mode == "valid":
        rows = rows[trim: m + n - 1 - trim]
    lag = rows[:, None] - np.arange(n)[None, :]    # A[i, j] = a[i - j] where 0 <= i - j < m
    index = np.where((lag >= 0) & (lag < m), lag + 1, 0)
    return fnp.take(_with_constants(a, 0), index, axis=-1)


def fiedler(a):
    """scipy.linalg.fiedler: ``F[..., i, j] = |a[..., i] - a[..., j]|`` (symmetric, zero
    diagonal; leading axes of ``a`` are a batch).

    >>> fiedler(np.array([1.0, 4.0, 12.0]))
    array([[ 0.,  3., 11.],
           [ 3.,  0.,  8.],
           [11.,  8.,  0.]])
    """
    a = _vector("fiedler", a)
    return fnp.abs(a[..., :, None] - a[..., None, :])


def fiedler_companion(a):
    """scipy.linalg.fiedler_companion: the pentadiagonal companion matrix of the polynomial
    with coefficients ``a`` (highest first), of shape ``(..., N - 1, N - 1)``; as JAX, a zero
    ``a[0]`` gives infs/NaNs rather than an error.

    >>> fiedler_companion(np.array([1.0, -16.0, 86.0, -176.0, 105.0]))
    array([[  16.,  -86.,    1.,    0.],
           [   1.,    0.,    0.,    0.],
           [   0.,  176.,    0., -105.],
           [   0.,    1.,    0.,    0.]])
    """
    a = _inexact(_vector("fiedler_companion", a, at_least=1))
    n = get_aval(a).shape[-1] - 1
    coeff = 2                                      # slot 2 + k holds -a[k] / a[0]
    index = np.zeros((n, n), np.intp)              # slot 0 is a zero, slot 1 a one
    if n == 1:
        index[0, 0] = coeff + 1
    elif n > 1:
        index[np.arange(3, n, 2), np.arange(1, n - 2, 2)] = 1
        index[np.arange(2, n, 2), np.arange(1, n - 1, 2)] = coeff + np.arange(3, n + 1, 2)
        index[np.arange(0, n - 2, 2), np.arange(2, n, 2)] = 1
        index[np.arange(0, n - 1, 2), np.arange(1, n, 2)] = coeff + np.arange(2, n + 1, 2)
        index[0, 0], index[1, 0] = coeff + 1, 1
    scaled = fnp.negative(a / a[..., :1])
    return fnp.take(_with_constants(scaled, 0, 1), index, axis=-1)


def hankel(c, r=None):
    """scipy.linalg.hankel: ``H[..., i, j] = v[..., i + j]`` with ``v = concatenate([c, r[1:]])``
    (``r`` is the last row, default zeros; ``r[0]`` is ignored; leading axes broadcast).

    >>> hankel(np.array([1.0, 2.0, 3.0]), np.array([9.0, 4.0]))
    array([[1., 2.],
           [2., 3.],
           [3., 4.]])
    """
    c = _vector("hankel", c, "c")
    r = fnp.zeros_like(c) if r is None else _vector("hankel", r, "r")
    sc, sr = get_aval(c).shape, get_aval(r).shape
    try:
        batch = np.broadcast_shapes(sc[:-1], sr[:-1])
    except ValueError:
        raise ValueError(f"hankel: the leading dimensions of c {get_aval(c).str_short()} and "
                         f"r {get_aval(r).str_short()} do not broadcast") from None
    m, n = sc[-1], sr[-1]
    values = fnp.concatenate([fnp.broadcast_to(c, batch + (m,)),
                              fnp.broadcast_to(r[..., 1:], batch + (max(n - 1, 0),))], axis=-1)
    if m == 0 or n == 0:
        return fnp.zeros(batch + (m, n), get_aval(values).dtype)
    return fnp.take(values, np.arange(m)[:, None] + np.arange(n)[None, :], axis=-1)


def leslie(f, s):
    """scipy.linalg.leslie: fecundities ``f`` (length ``N >= 2``) as the first row, survivals
    ``s`` (length ``N - 1``) on the first subdiagonal; leading axes broadcast.

    >>> leslie(np.array([0.1, 2.0, 1.0]), np.array([0.2, 0.8]))
    array([[0.1, 2. , 1. ],
           [0.2, 0. , 0. ],
           [0. , 0.8, 0. ]])
    """
    f = _vector("leslie", f, "f", at_least=2)
    s = _vector("leslie", s, "s")
    sf, ss = get_aval(f).shape, get_aval(s).shape
    n = sf[-1]
    if ss[-1] != n - 1:
        raise ValueError(f"leslie: the last axis of argument s {get_aval(s).str_short()} must "
                         f"have one entry fewer than f {get_aval(f).str_short()}")
    try:
        batch = np.broadcast_shapes(sf[:-1], ss[:-1])
    except ValueError:
        raise ValueError(f"leslie: the leading dimensions of f {get_aval(f).str_short()} and "
                         f"s {get_aval(s).str_short()} do not broadcast") from None
    values = fnp.concatenate([fnp.broadcast_to(f, batch + (n,)),
                              fnp.broadcast_to(s, batch + (n - 1,))], axis=-1)
    index = np.zeros((n, n), np.intp)              # slot 0 is a zero; f from 1, s from n + 1
    index[0] = 1 + np.arange(n)
    index[np.arange(1, n), np.arange(n - 1)] = n + 1 + np.arange(n - 1)
    return fnp.take(_with_constants(values, 0), index, axis=-1)


# ---------------------------------------------------------------------------------------------
# Constant matrices: scipy's values (float64 unless a dtype is asked for), as fungrad arrays.
# ---------------------------------------------------------------------------------------------

_PASCAL_KINDS = ("symmetric", "lower", "upper")


def _pascal_kind(name: str, kind) -> str:
    kind = "symmetric" if kind is None else kind
    if kind not in _PASCAL_KINDS:
        raise ValueError(f"{name}: argument kind must be one of {_PASCAL_KINDS} or None, "
                         f"got {kind!r}")
    return kind


def dft(n: int, scale: str | None = None, *, dtype=None):
    """scipy.linalg.dft: ``W[i, j] = exp(-2j pi i j / n)``, unscaled, or scaled by
    ``1 / sqrt(n)`` (``scale='sqrtn'``) or ``1 / n`` (``scale='n'``); complex128 by default.

    >>> np.allclose(dft(2), [[1, 1], [1, -1]])
    True
    """
    import scipy.linalg
    n = _order("dft", n)
    if scale not in (None, "sqrtn", "n"):
        raise ValueError(f"dft: argument scale must be None, 'sqrtn' or 'n', got {scale!r}")
    dtype = np.dtype(np.complex128 if dtype is None else dtype)
    if not np.issubdtype(dtype, np.complexfloating):
        raise ValueError(f"dft: argument dtype must be a complex floating dtype, got {dtype}")
    return fnp.asarray(scipy.linalg.dft(max(n, 0), scale).astype(dtype))


def hadamard(n: int, dtype=int):
    """scipy.linalg.hadamard: Sylvester's Hadamard matrix of order ``n`` (a power of 2), with
    ``H @ H.T == n * I``.

    >>> hadamard(2)
    array([[ 1,  1],
           [ 1, -1]])
    """
    import scipy.linalg
    n = _order("hadamard", n)
    if n < 1 or n & (n - 1):
        raise ValueError(f"hadamard: argument n must be a positive power of 2, got {n}")
    return fnp.asarray(scipy.linalg.hadamard(n, dtype=dtype))


def helmert(n: int, full: bool = False):
    """scipy.linalg.helmert: the ``(n - 1, n)`` orthonormal contrasts, with the constant row
    ``1 / sqrt(n)`` on top when ``full``.

    >>> helmert(2, full=True)
    array([[ 0.70710678,  0.70710678],
           [ 0.70710678, -0.70710678]])
    """
    import scipy.linalg
    n = _order("helmert", n, positive=True)
    return fnp.asarray(scipy.linalg.helmert(n, full=full).astype(np.float64))


def invhilbert(n: int):
    """scipy.linalg.invhilbert: the inverse of ``hilbert(n)`` in float64 (as JAX, no
    ``exact``; entries are exact integers rounded once, so they overflow past n ~ 100).

    >>> invhilbert(2)
    array([[ 4., -6.],
           [-6., 12.]])
    """
    import scipy.linalg
    n = _order("invhilbert", n)
    if n <= 0:
        return fnp.zeros((0, 0))
    return fnp.asarray(np.asarray(scipy.linalg.invhilbert(n, exact=True), np.float64))


def pascal(n: int, kind: str | None = None):
    """scipy.linalg.pascal: binomial coefficients, ``kind`` ``'symmetric'`` (default),
    ``'lower'`` or ``'upper'``, in float64.

    >>> pascal(3)
    array([[1., 1., 1.],
           [1., 2., 3.],
           [1., 3., 6.]])
    """
    import scipy.linalg
    n, kind = _order("pascal", n), _pascal_kind("pascal", kind)
    if n <= 0:
        return fnp.zeros((0, 0))
    return fnp.asarray(np.asarray(scipy.linalg.pascal(n, kind=kind, exact=True), np.float64))


def invpascal(n: int, kind: str | None = None):
    """scipy.linalg.invpascal: the inverse of ``pascal(n, kind)`` in float64.

    >>> invpascal(3, kind="lower")
    array([[ 1.,  0.,  0.],
           [-1.,  1.,  0.],
           [ 1., -2.,  1.]])
    """
    import scipy.linalg
    n, kind = _order("invpascal", n), _pascal_kind("invpascal", kind)
    if n <= 0:
        return fnp.zeros((0, 0))
    return fnp.asarray(np.asarray(scipy.linalg.invpascal(n, kind=kind, exact=True), np.float64))
