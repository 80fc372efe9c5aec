"""``fungrad.scipy.linalg``: jax.scipy.linalg on fungrad -- factorizations and solves from
LAPACK (numpy's and scipy's), with fungrad's shape rules, derivatives and batching.

scipy is needed by ``lu``, ``lu_factor``, ``expm`` and the matrix forms (the LAPACK routines
numpy lacks); it is imported only when one of them runs. ``solve_triangular`` is numpy's
(block substitution in matrix products), so the derivatives of ``cholesky`` need no scipy.

>>> import numpy as np
>>> from fungrad.scipy import linalg
>>> linalg.cho_solve(linalg.cho_factor(np.array([[4.0, 2.0], [2.0, 2.0]])), np.ones(2))
array([0. , 0.5])
"""
from __future__ import annotations


import numpy as np

import fungrad.numpy as fnp
from fungrad.core import get_aval
from fungrad.numpy import linalg as nla
from fungrad.prims import decompositions as dec
from fungrad.prims import linalg as la
from fungrad.prims import matrix_forms as forms
from fungrad.prims import structural as st
from fungrad.prims import sylvester as sylv
from fungrad.scipy._special_matrices import (  # noqa: F401  (jax.scipy.linalg's names)
    block_diag, circulant, companion, convolution_matrix, dft, fiedler, fiedler_companion,
    hadamard, hankel, helmert, hilbert, invhilbert, invpascal, leslie, pascal, toeplitz,
)

__all__ = [
    "block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion",
    "convolution_matrix", "det", "dft", "eigh", "eigh_tridiagonal", "expm", "expm_frechet",
    "fiedler", "fiedler_companion", "funm", "hadamard", "hankel", "helmert", "hessenberg",
    "hilbert", "inv", "invhilbert", "invpascal", "leslie", "lu", "lu_factor", "lu_solve", "pascal",
    "polar", "qr", "qr_multiply", "rsf2csf", "schur", "solve", "solve_sylvester", "solve_triangular", "sqrtm",
    "svd", "toeplitz",
]

_inexact = nla._inexact
_h = nla._h


def _square(name: str, a, arg: str = "a"):
    return nla._square(name, a, arg)


def _rhs(name: str, a, b):
    """``b`` as a stack of matrices fitting ``a`` (a vector becomes one column), in the
    common dtype; returns ``(a, b, vector)``."""
    b = _inexact(b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb[:-1] == sa[:-2])
    if len(sb) == 0 or (vector and sb[-1] != sa[-1]) or \
            (not vector and (len(sb) < 2 or sb[-2] != sa[-1])):
        raise ValueError(f"{name}: argument b {get_aval(b).str_short()} does not fit a "
                         f"{get_aval(a).str_short()}: expected {sa[-1]} rows")
    if vector:
        b = st.reshape(b, sb + (1,))
    dtype = np.result_type(get_aval(a).dtype, get_aval(b).dtype)
    a, b = la.cast(a, dtype), la.cast(b, dtype)
    try:
        batch = np.broadcast_shapes(sa[:-2], get_aval(b).shape[:-2])
    except ValueError:
        raise ValueError(f"{name}: the stack dimensions of a {get_aval(a).str_short()} and b "
                         f"{get_aval(b).str_short()} do not broadcast") from None
    a = st.broadcast_to(a, batch + sa[-2:])
    b = st.broadcast_to(b, batch + get_aval(b).shape[-2:])
    return a, b, vector


def _unvector(x, vector: bool):
    return st.reshape(x, get_aval(x).shape[:-1]) if vector else x


# ---------------------------------------------------------------------------------------------
# Cholesky
# ---------------------------------------------------------------------------------------------

def cholesky(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """scipy.linalg.cholesky: the upper factor ``U`` (``a = U^H U``), or the lower one with
    ``lower``; only that triangle of ``a`` is read (no symmetrization, as JAX's).

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 1.],
           [0., 1.]])
    """
    a = _square("cholesky", a)
    if lower:
        return dec.cholesky(a)
    return _h(dec.cholesky(_h(a)))


def cho_factor(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """scipy.linalg.cho_factor: ``(c, lower)`` for ``cho_solve``; ``c`` is the triangular
    factor (its other triangle zero).

    >>> c, lower = cho_factor(np.array([[4.0, 2.0], [2.0, 2.0]]), lower=True)
    >>> c, lower
    (array([[2., 0.],
           [1., 1.]]), True)
    """
    return cholesky(a, lower=lower), lower


def cho_solve(c_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
    """scipy.linalg.cho_solve: solve ``a x = b`` from ``cho_factor(a)``; differentiable in
    the factor and in ``b``.

    >>> cho_solve(cho_factor(np.array([[2.0, 0.0], [0.0, 4.0]])), np.array([2.0, 2.0]))
    array([1. , 0.5])
    """
    c, lower = c_and_lower
    c = _square("cho_solve", c, "c")
    c, b, vector = _rhs("cho_solve", c, b)
    if lower:  # L L^H x = b
        y = la.triangular_solve(c, b, lower=True)
        x = la.triangular_solve(c, y, lower=True, transpose_a=True, conjugate_a=True)
    else:  # U^H U x = b
        y = la.triangular_solve(c, b, lower=False, transpose_a=True, conjugate_a=True)
        x = la.triangular_solve(c, y, lower=False)
    return _unvector(x, vector)


_TRANS = {0: (False, False), "N": (False, False), 1: (True, False), "T": (True, False),
          2: (True, True), "C": (True, True)}


def solve_sylvester(A, B, C, *, method: str = "schur", tol: float = 1e-8):  # noqa: N803
    """jax.scipy.linalg.solve_sylvester: X with ``A @ X + X @ B == C``, for stacks whose
    batch dimensions broadcast (A (..., m, m), B (..., n, n), C (..., m, n)). scipy's
    Bartels-Stewart solver (LAPACK trsyl) runs for either ``method`` ('eigen' is accepted for
    JAX's signature and gives the same, accurate, answer). As in JAX, the result is NaN
    where an eigenvalue of A plus one of B is within ``tol`` of zero (no unique solution).
    Differentiable in A, B and C (both modes, any order): the derivatives solve Sylvester
    equations too.

    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]]); B = np.array([[5.0, 6.0], [7.0, 8.0]])
    >>> X = solve_sylvester(A, B, np.array([[6.0, 8.0], [10.0, 12.0]]))
    >>> bool(np.allclose(X, np.eye(2)))
    True
    """
    if method not in ("schur", "eigen"):
        raise ValueError(f"solve_sylvester: method must be 'schur' or 'eigen', got {method!r}")
    a = _square("solve_sylvester", A, "A")
    b = _square("solve_sylvester", B, "B")
    c = _inexact(C)
    sa, sb, sc = get_aval(a).shape, get_aval(b).shape, get_aval(c).shape
    if len(sc) < 2 or sc[-2:] != (sa[-1], sb[-1]):
        raise ValueError(f"solve_sylvester: argument C {get_aval(c).str_short()} must be "
                         f"(..., {sa[-1]}, {sb[-1]}) for A {get_aval(a).str_short()} and B "
                         f"{get_aval(b).str_short()}")
    try:
        batch = np.broadcast_shapes(sa[:-2], sb[:-2], sc[:-2])
    except ValueError:
        raise ValueError(f"solve_sylvester: the stack dimensions of A {get_aval(a).str_short()}, "
                         f"B {get_aval(b).str_short()} and C {get_aval(c).str_short()} do not "
                         "broadcast") from None
    dtype = np.result_type(*(get_aval(x).dtype for x in (a, b, c)))
    a, b, c = (st.broadcast_to(la.cast(x, dtype), batch + shape[-2:])
               for x, shape in ((a, sa), (b, sb), (c, sc)))
    return sylv.sylvester(a, b, c, float(tol))


def solve_triangular(a, b, trans=0, lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, debug=None, check_finite: bool = True):
    """scipy.linalg.solve_triangular: ``op(a) x = b`` with ``op`` per ``trans`` (0/'N',
    1/'T', 2/'C'), reading only the ``lower`` (or upper) triangle; stacks broadcast.

    >>> solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 2.0]), lower=True)
    array([1., 1.])
    """
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got "
                         f"{trans!r}")
    transpose_a, conjugate_a = _TRANS[trans]
    a = _square("solve_triangular", a)
    a, b, vector = _rhs("solve_triangular", a, b)
    x = la.triangular_solve(a, b, lower=lower, transpose_a=transpose_a,
                            conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
    return _unvector(x, vector)


# ---------------------------------------------------------------------------------------------
# LU
# ---------------------------------------------------------------------------------------------

def lu(a, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """scipy.linalg.lu: ``(p, l, u)`` with ``a = p @ l @ u``, or ``(p @ l, u)`` with
    ``permute_l``. Differentiable for every shape, as in JAX.

    >>> p, l, u = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> p
    array([[0., 1.],
           [1., 0.]])
    """
    a = nla._matrix("lu", a)
    m, n = get_aval(a).shape[-2:]
    k = min(m, n)
    packed, _, perm = dec.lu(a)
    nd = get_aval(a).ndim
    l_part = st.slice_axis(packed, nd - 1, 0, k)
    l = fnp.add(la.tril(l_part, -1), np.eye(m, k, dtype=get_aval(a).dtype))
    u = la.triu(st.slice_axis(packed, nd - 2, 0, k))
    # a real permutation matrix, also for complex a (as scipy's and JAX's)
    p = fnp.matrix_transpose(dec.permutation_matrix(perm, np.finfo(get_aval(a).dtype).dtype))
    if permute_l:
        return fnp.matmul(p, l), u
    return p, l, u


def lu_factor(a, overwrite_a: bool = False, check_finite: bool = True):
    """scipy.linalg.lu_factor: ``(lu, piv)``, the packed factors and LAPACK's (0-based) row
    swaps, for ``lu_solve``. Any m x n matrix, as in scipy and JAX.

    >>> lu_, piv = lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> piv
    array([1, 1], dtype=int32)
    """
    a = nla._matrix("lu_factor", a)
    packed, piv, _ = dec.lu(a)
    return packed, piv


def lu_solve(lu_and_piv, b, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True):
    """scipy.linalg.lu_solve: solve ``op(a) x = b`` (``trans`` 0, 1 or 2) from
    ``lu_factor(a)``; differentiable in the factors and in ``b``.

    >>> lu_solve(lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]])), np.array([5.0, 11.0]))
    array([1., 2.])
    """
    packed, piv = lu_and_piv
    if trans not in (0, 1, 2):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    packed = _square("lu_solve", packed, "lu")
    m = get_aval(packed).shape[-1]
    packed, b, vector = _rhs("lu_solve", packed, b)
    perm = dec.lu_pivots_to_permutation(fnp._arr(piv), m)
    p = dec.permutation_matrix(perm, get_aval(packed).dtype)  # p a = l u
    if trans == 0:
        y = la.triangular_solve(packed, fnp.matmul(p, b), lower=True, unit_diagonal=True)
        x = la.triangular_solve(packed, y, lower=False)
    else:  # a^T = u^T l^T p, a^H = u^H l^H p
        conj = trans == 2
        y = la.triangular_solve(packed, b, lower=False, transpose_a=True, conjugate_a=conj)
        y = la.triangular_solve(packed, y, lower=True, transpose_a=True, conjugate_a=conj,
                                unit_diagonal=True)
        x = fnp.matmul(fnp.matrix_transpose(p), y)
    return _unvector(x, vector)


# ---------------------------------------------------------------------------------------------
# Solves, inverses, decompositions
# ---------------------------------------------------------------------------------------------

def solve(a, b, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          debug=None, check_finite: bool = True, assume_a: str = "gen",
          transposed: bool = False):
    """scipy.linalg.solve: ``a x = b``; ``assume_a`` 'gen' uses LU, 'sym' and 'her' LU on
    the matrix completed from its ``lower`` (or upper) triangle, 'pos' Cholesky of that
    triangle. As in scipy, the other triangle is never read (JAX reads all of ``a`` for
    'sym' and 'her': the same answer for a symmetric or Hermitian ``a``).

    >>> solve(np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([3.0, 3.0]), assume_a="pos")
    array([1., 1.])
    >>> solve(np.array([[2.0, 0.0], [1.0, 2.0]]), np.array([3.0, 3.0]), assume_a="sym",
    ...       lower=True)
    array([1., 1.])
    """
    if assume_a not in ("gen", "general", "sym", "symmetric", "her", "hermitian", "pos",
                        "positive definite"):
        raise ValueError(f"solve: assume_a must be 'gen', 'sym', 'her' or 'pos', got "
                         f"{assume_a!r}")
    a = _square("solve", a)
    if transposed:
        a = fnp.matrix_transpose(a)
    if assume_a in ("pos", "positive definite"):
        return cho_solve(cho_factor(a, lower=lower), b)
    if assume_a in ("sym", "symmetric", "her", "hermitian"):
        # the named triangle and its (conjugate) mirror: the matrix scipy's sysv/hesv solve
        # (hesv takes the diagonal as real)
        strict = la.tril(a, -1) if lower else la.triu(a, 1)
        mirror = fnp.matrix_transpose(strict)
        diagonal = fnp.multiply(a, la.eye_like(a))
        if assume_a in ("her", "hermitian") and get_aval(a).dtype.kind == "c":
            mirror = fnp.conj(mirror)
            diagonal = fnp.real(diagonal).astype(get_aval(a).dtype)
        a = fnp.add(fnp.add(strict, mirror), diagonal)
    a, b, vector = _rhs("solve", a, b)
    return _unvector(la.solve(a, b), vector)


def inv(a, overwrite_a: bool = False, check_finite: bool = True):
    """scipy.linalg.inv.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return nla.inv(_square("inv", a))


def det(a, overwrite_a: bool = False, check_finite: bool = True):
    """scipy.linalg.det.

    >>> det(np.array([[2.0, 1.0], [0.0, 3.0]]))
    np.float64(6.0)
    """
    return nla.det(_square("det", a))


def eigh(a, b=None, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, type: int = 1,  # noqa: A002
         check_finite: bool = True, subset_by_index=None, subset_by_value=None, driver=None):
    """scipy.linalg.eigh for the standard problem (``b=None``, as JAX): ``(w, v)`` or ``w``,
    reading the ``lower`` (or upper) triangle, no symmetrization (as JAX's); differentiable
    (see ``fungrad.numpy.linalg.eigh``).

    The generalized problem ``a v = w b v`` (a ``b``, or ``type`` other than 1) raises
    NotImplementedError, as ``jax.scipy.linalg.eigh`` does; it reduces to this one with
    ``l = cholesky(b, lower=True)``, ``c = solve_triangular(l, solve_triangular(l, a,
    lower=True).conj().T, lower=True)``, ``w, y = eigh(c)``, ``v = solve_triangular(l, y,
    lower=True, trans='C')``, all differentiable.

    >>> eigh(np.array([[2.0, 1.0], [1.0, 2.0]]), eigvals_only=True)
    array([1., 3.])
    """
    if b is not None:
        raise NotImplementedError("fungrad.scipy.linalg.eigh: only the b=None case of eigh is "
                                  "implemented, as in JAX; reduce a generalized problem with "
                                  "cholesky(b) and solve_triangular (see the docstring)")
    if type != 1:
        raise NotImplementedError(f"fungrad.scipy.linalg.eigh: only the type=1 case of eigh "
                                  f"is implemented, as in JAX; got type={type!r}")
    if subset_by_index is not None or subset_by_value is not None:
        raise NotImplementedError("fungrad.scipy.linalg.eigh: only all eigenvalues "
                                  "(subset_by_index=None, subset_by_value=None) are "
                                  "implemented, as in JAX")
    a = _square("eigh", a)
    if eigvals_only:
        return dec.eigh(a, lower=lower, eigvals_only=True)[0]
    w, v = dec.eigh(a, lower=lower)
    return w, v


def svd(a, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd"):
    """scipy.linalg.svd: ``(u, s, vh)`` or ``s``.

    >>> svd(np.array([[3.0, 0.0], [0.0, 4.0]]), compute_uv=False)
    array([4., 3.])
    """
    out = nla.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


def qr(a, overwrite_a: bool = False, lwork=None, mode: str = "full", pivoting: bool = False,
       check_finite: bool = True):
    """scipy.linalg.qr: ``(q, r)`` for mode 'full' or 'economic', ``(r,)`` for 'r'.

    >>> q, r = qr(np.array([[3.0], [4.0]]), mode="economic")
    >>> r
    array([[-5.]])
    """
    if pivoting:
        raise NotImplementedError("fungrad.scipy.linalg.qr: pivoting is not implemented")
    if mode not in ("full", "economic", "r"):
        raise ValueError(f"qr: mode must be 'full', 'economic' or 'r', got {mode!r}")
    a = nla._matrix("qr", a)
    q, r = dec.qr(a, full_matrices=(mode != "economic"))
    return (r,) if mode == "r" else (q, r)


def polar(a, side: str = "right", *, method: str = "svd"):
    """scipy.linalg.polar from the SVD: ``(u, p)`` with ``a = u p`` (``side='right'``) or
    ``a = p u`` (``'left'``), ``u`` unitary and ``p`` Hermitian positive semi-definite.

    >>> u, p = polar(np.array([[0.0, 2.0], [1.0, 0.0]]))
    >>> u
    array([[0., 1.],
           [1., 0.]])
    """
    if side not in ("right", "left"):
        raise ValueError(f"polar: side must be 'right' or 'left', got {side!r}")
    a = nla._matrix("polar", a)
    s, w, vh = dec.svd(a, full_matrices=False)
    u = fnp.matmul(w, vh)
    s = la.cast(s, get_aval(a).dtype)
    if side == "right":
        p = fnp.matmul(_h(vh), la.scale_rows(vh, s))
    else:
        p = fnp.matmul(la.scale_columns(w, s), _h(w))
    return u, p


def schur(a, output: str = "real"):
    """scipy.linalg.schur: ``(t, z)`` with ``a = z t z^H``. No derivative (as JAX).

    >>> t, z = schur(np.array([[1.0, 2.0], [0.0, 3.0]]))
    >>> np.allclose(z @ t @ z.T, [[1.0, 2.0], [0.0, 3.0]])
    True
    """
    if output not in ("real", "complex", "r", "c"):
        raise ValueError(f"schur: output must be 'real' or 'complex', got {output!r}")
    a = _square("schur", a)
    t, z = forms.schur(a, output="complex" if output in ("complex", "c") else "real")
    return t, z


def hessenberg(a, calc_q: bool = False, overwrite_a: bool = False,
               check_finite: bool = True):
    """scipy.linalg.hessenberg: ``h`` (and ``q`` with ``calc_q``), ``a = q h q^H``. No
    derivative (as JAX).

    >>> h = hessenberg(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]))
    >>> bool(abs(h[2, 0]) < 1e-12)
    True
    """
    h, q = forms.hessenberg(_square("hessenberg", a))
    return (h, q) if calc_q else h


def sqrtm(A, blocksize: int = 1):  # noqa: N803
    """scipy.linalg.sqrtm: the principal square root, complex (as JAX's). No derivative.

    >>> sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]]))
    array([[2.+0.j, 0.+0.j],
           [0.+0.j, 3.+0.j]])
    """
    return forms.sqrtm(_square("sqrtm", A, "A"))


def funm(A, func, disp: bool = True):  # noqa: N803
    """scipy.linalg.funm: the matrix function of ``func``, an elementwise function of numpy
    arrays (``np.exp``, ``np.cos``, ...), by Schur-Parlett. Complex, with no derivative (as
    JAX's).

    >>> funm(np.diag([1.0, 4.0]), np.sqrt)
    array([[1.+0.j, 0.+0.j],
           [0.+0.j, 2.+0.j]])
    """
    if not disp:
        raise NotImplementedError("fungrad.scipy.linalg.funm: disp=False (an error estimate) "
                                  "is not implemented")
    if not callable(func):
        raise TypeError(f"funm: func must be callable, got {type(func).__name__}")
    return forms.funm(_square("funm", A, "A"), func)


def rsf2csf(T, Z, check_finite: bool = True):  # noqa: N803
    """scipy.linalg.rsf2csf: the complex Schur form from the real one. No derivative.

    >>> t, z = rsf2csf(*schur(np.array([[0.0, 1.0], [-1.0, 0.0]])))
    >>> np.round(np.diag(t), 6) + 0.0  # (+ 0.0: LAPACK builds may give the zero either sign)
    array([0.+1.j, 0.-1.j])
    """
    t, z = forms.rsf2csf(_square("rsf2csf", T, "T"), _square("rsf2csf", Z, "Z"))
    return t, z


def eigh_tridiagonal(d, e, *, eigvals_only: bool = False, select: str = "a",
                     select_range=None, tol=None):
    """scipy.linalg.eigh_tridiagonal with ``eigvals_only=True`` (as JAX): the ascending
    eigenvalues of the symmetric tridiagonal matrix with diagonal ``d``, off-diagonal ``e``.
    No derivative.

    >>> eigh_tridiagonal(np.array([2.0, 2.0]), np.array([1.0]), eigvals_only=True)
    array([1., 3.])
    """
    if not eigvals_only or select != "a":
        raise NotImplementedError("fungrad.scipy.linalg.eigh_tridiagonal: only "
                                  "eigvals_only=True with select='a' is implemented, as in JAX")
    d, e = _inexact(d), _inexact(e)
    dtype = np.result_type(get_aval(d).dtype, get_aval(e).dtype)
    return forms.eigh_tridiagonal(la.cast(d, dtype), la.cast(e, dtype))


# ---------------------------------------------------------------------------------------------
# Matrix exponential
# ---------------------------------------------------------------------------------------------

def expm(A, *, upper_triangular: bool = False, max_squarings: int = 16):  # noqa: N803
    """scipy.linalg.expm, stacked; derivative its Frechet derivative (both modes).

    >>> expm(np.array([[0.0, 1.0], [0.0, 0.0]]))
    array([[1., 1.],
           [0., 1.]])
    """
    return dec.expm(_square("expm", A, "A"))


def expm_frechet(A, E, *, method=None, compute_expm: bool = True,  # noqa: N803
                 check_finite: bool = True):
    """scipy.linalg.expm_frechet: ``(expm(A), L(A, E))`` or ``L(A, E)``, the derivative of
    ``expm`` at ``A`` in the direction ``E``.

    >>> expm_frechet(np.zeros((2, 2)), np.eye(2), compute_expm=False)
    array([[1., 0.],
           [0., 1.]])
    """
    a = _square("expm_frechet", A, "A")
    e = _square("expm_frechet", E, "E")
    if get_aval(a).shape != get_aval(e).shape:
        raise ValueError(f"expm_frechet: A {get_aval(a).str_short()} and E "
                         f"{get_aval(e).str_short()} must have the same shape")
    dtype = np.result_type(get_aval(a).dtype, get_aval(e).dtype)
    a, e = la.cast(a, dtype), la.cast(e, dtype)
    frechet = dec.expm_frechet(a, e)
    return (dec.expm(a), frechet) if compute_expm else frechet


def qr_multiply(a, c, mode: str = "right", pivoting: bool = False, conjugate: bool = False,
                overwrite_a: bool = False, overwrite_c: bool = False):
    """scipy.linalg.qr_multiply: ``(Q @ c, R)`` (``mode='left'``) or ``(c @ Q, R)``
    (``'right'``) with the economic QR of ``a``; ``conj(Q)`` when ``conjugate``. A 1-D ``c`` is a
    column (left) or a row (right), and the product is raveled back.

    >>> qc, r = qr_multiply(np.array([[3.0], [4.0]]), np.array([1.0, 2.0]))
    >>> qc, r
    (array([-2.2]), array([[-5.]]))
    """
    if pivoting:
        raise NotImplementedError("fungrad.scipy.linalg.qr_multiply: pivoting is not "
                                  "implemented")
    if mode not in ("left", "right"):
        raise ValueError(f"qr_multiply: argument mode must be 'left' or 'right', got {mode!r}")
    a = nla._matrix("qr_multiply", a)
    c = fnp._arr(c)
    m, n = get_aval(a).shape[-2:]
    vector = get_aval(c).ndim == 1
    rows = min(m, n) if mode == "left" else m      # the length c's contracted axis must have
    axis = -1 if vector or mode == "right" else -2
    if get_aval(c).ndim == 0 or get_aval(c).shape[axis] != rows:
        raise ValueError(f"qr_multiply: argument c {get_aval(c).str_short()} does not fit a "
                         f"{get_aval(a).str_short()} with mode={mode!r}: expected {rows} "
                         f"{'rows' if axis == -2 else 'entries along its last axis'}")
    q, r = dec.qr(a, full_matrices=False)
    if conjugate:
        q = la.conj(q)
    product = fnp.matmul(q, c) if mode == "left" else fnp.matmul(c, q)
    return product, r
