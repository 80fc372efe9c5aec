"""``fungrad.lax.linalg``: JAX's ``jax.lax.linalg``, the matrix decompositions with lax's
signatures and output orders, over fungrad's linear-algebra primitives
(``fungrad/prims/linalg.py``, ``decompositions.py``, ``matrix_forms.py``).

Every function works on stacks of matrices (the last two axes), is differentiable where JAX's
is, and runs under ``jit`` and ``vmap``. Note lax's orders, which differ from numpy's:
``eigh`` returns ``(v, w)``, ``svd`` returns ``(u, s, vh)``, ``full_matrices`` defaults to
True, and ``triangular_solve`` solves ``x @ op(a) = b`` unless ``left_side=True``.

>>> import numpy as np
>>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
array([[2., 0.],
       [1., 2.]])
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from fungrad.core import get_aval
from fungrad.lax.dtypes import check_same_dtypes
from fungrad.lax.shapes import as_array
from fungrad.prims import decompositions as dec
from fungrad.prims import elementwise as ew
from fungrad.prims import linalg as la
from fungrad.prims import matrix_forms as mf
from fungrad.prims import structural as st

__all__ = ["cholesky", "cholesky_update", "eigh", "lu", "lu_pivots_to_permutation", "qr",
           "svd", "schur", "symmetric_product", "triangular_solve", "tridiagonal_solve"]

Array = Any

# fungrad's primitives for these decompositions (their params are fungrad's own)
cholesky_p, eigh_p, lu_p, qr_p, svd_p = dec.cholesky_p, dec.eigh_p, dec.lu_p, dec.qr_p, dec.svd_p
lu_pivots_to_permutation_p = dec.lu_pivots_to_permutation_p
triangular_solve_p = la.triangular_solve_p
schur_p = mf.schur_p


def _matrices(name: str, x: Any, square: bool = True):
    x = as_array(x)
    aval = get_aval(x)
    if aval.ndim < 2 or (square and aval.shape[-1] != aval.shape[-2]) or \
            aval.dtype.kind not in "fc":
        raise TypeError(f"lax.linalg.{name}: x must be a (stack of) {'square ' * square}"
                        f"float or complex matrices, got {aval.str_short()}")
    return x


def _symmetrized(x):
    """``(x + x^H) / 2``: what ``symmetrize_input`` makes of a nearly Hermitian input."""
    return ew.mul(ew.add(x, la.hermitian(x)), 0.5)


def _index_range(name: str, subset_by_index: Any, size: int) -> tuple | None:
    if subset_by_index is None:
        return None
    try:
        lo, hi = (operator.index(i) for i in subset_by_index)
    except (TypeError, ValueError):
        raise TypeError(f"lax.linalg.{name}: subset_by_index must be a pair of ints, got "
                        f"{subset_by_index!r}") from None
    if not 0 <= lo <= hi <= size:
        raise ValueError(f"lax.linalg.{name}: subset_by_index {(lo, hi)} must satisfy "
                         f"0 <= start <= end <= {size}")
    return lo, hi


def cholesky(x: Array, *, symmetrize_input: bool = True) -> Array:
    """The lower Cholesky factor ``l`` of each Hermitian positive-definite matrix,
    ``x = l @ l^H``; NaNs where ``x`` is not positive definite. With ``symmetrize_input``
    the factor is that of ``(x + x^H) / 2``, else only the lower triangle is read.

    >>> import numpy as np
    >>> cholesky(np.array([[1.0, 7.0], [2.0, 5.0]]), symmetrize_input=False)
    array([[1., 0.],
           [2., 1.]])
    """
    x = _matrices("cholesky", x)
    return dec.cholesky(x, symmetrize_input)


def eigh(x: Array, *, lower: bool = True, symmetrize_input: bool = True,
         sort_eigenvalues: bool = True, subset_by_index: tuple[int, int] | None = None,
         implementation: Any = None) -> tuple:
    """``(v, w)``: eigenvectors (columns of ``v``) and ascending eigenvalues ``w`` of each
    Hermitian matrix, ``x = v diag(w) v^H``, read from its ``lower`` (or upper) triangle,
    or from ``(x + x^H) / 2`` with ``symmetrize_input``; ``subset_by_index=(lo, hi)`` keeps
    eigenvalues ``lo`` to ``hi - 1``.

    >>> import numpy as np
    >>> v, w = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    """
    x = _matrices("eigh", x)
    w, v = dec.eigh(_symmetrized(x) if symmetrize_input else x, lower=lower)
    span = _index_range("eigh", subset_by_index, get_aval(x).shape[-1])
    if span is not None:
        nd = get_aval(x).ndim
        w, v = st.slice_axis(w, nd - 2, *span), st.slice_axis(v, nd - 1, *span)
    return v, w


def svd(x: Array, *, full_matrices: bool = True, compute_uv: bool = True,
        subset_by_index: tuple[int, int] | None = None, algorithm: Any = None) -> Any:
    """``(u, s, vh)`` of each matrix, ``x = u diag(s) vh`` with ``s`` descending (just ``s``
    without ``compute_uv``); ``subset_by_index=(lo, hi)`` keeps singular values ``lo`` to
    ``hi - 1`` (and their vectors). Every ``algorithm`` gives the same decomposition.

    >>> import numpy as np
    >>> svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
    array([4., 3.])
    """
    x = _matrices("svd", x, square=False)
    aval = get_aval(x)
    span = _index_range("svd", subset_by_index, min(aval.shape[-2:]))
    nd = aval.ndim
    if not compute_uv:
        s, = dec.svd(x, full_matrices=False, compute_uv=False)
        return s if span is None else st.slice_axis(s, nd - 2, *span)
    s, u, vh = dec.svd(x, full_matrices=full_matrices and span is None, compute_uv=True)
    if span is not None:
        s = st.slice_axis(s, nd - 2, *span)
        u, vh = st.slice_axis(u, nd - 1, *span), st.slice_axis(vh, nd - 2, *span)
    return u, s, vh


def qr(x: Array, *, pivoting: bool = False, full_matrices: bool = True,
       use_magma: bool | None = None) -> tuple:
    """``(q, r)`` of each matrix, ``x = q @ r``: ``q`` with orthonormal columns (square with
    ``full_matrices``), ``r`` upper triangular.

    >>> import numpy as np
    >>> q, r = qr(np.array([[3.0], [4.0]]))
    >>> q.shape, r.round(12)
    ((2, 2), array([[-5.],
           [ 0.]]))
    """
    x = _matrices("qr", x, square=False)
    if pivoting:
        raise NotImplementedError("lax.linalg.qr: column pivoting (pivoting=True) is not "
                                  "supported by fungrad")
    q, r = dec.qr(x, full_matrices=full_matrices)
    return q, r


def lu(x: Array) -> tuple:
    """``(lu, pivots, permutation)`` of each matrix: ``x[permutation] = l @ u`` with ``l``
    unit lower triangular and ``u`` upper triangular packed in ``lu``; ``pivots`` are
    LAPACK's row swaps (int32).

    >>> import numpy as np
    >>> packed, pivots, perm = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> pivots, perm
    (array([1, 1], dtype=int32), array([1, 0], dtype=int32))
    """
    x = _matrices("lu", x, square=False)
    packed, pivots, permutation = dec.lu(x)
    return packed, pivots, permutation


def lu_pivots_to_permutation(pivots: Array, permutation_size: int) -> Array:
    """The permutation that LAPACK's row swaps ``pivots`` (swap row ``i`` with row
    ``pivots[i]``, in order) make of ``0, ..., permutation_size - 1``.

    >>> import numpy as np
    >>> lu_pivots_to_permutation(np.array([2, 2], np.int32), 3)
    array([2, 0, 1], dtype=int32)
    """
    pivots = as_array(pivots)
    aval = get_aval(pivots)
    if aval.ndim < 1 or aval.dtype.kind not in "iu":
        raise TypeError(f"lax.linalg.lu_pivots_to_permutation: pivots must be an integer "
                        f"array, got {aval.str_short()}")
    return dec.lu_pivots_to_permutation(pivots, operator.index(permutation_size))


def triangular_solve(a: Array, b: Array, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False) -> Array:
    """Solve ``op(a) @ x = b`` (``left_side=True``) or ``x @ op(a) = b`` for a triangular
    ``a``, where ``op`` transposes and/or conjugates; only the ``lower`` (or upper) triangle
    of ``a`` is read, and not its diagonal with ``unit_diagonal``.

    >>> import numpy as np
    >>> a = np.array([[2.0, 0.0], [1.0, 1.0]])
    >>> triangular_solve(a, np.array([[2.0], [3.0]]), left_side=True, lower=True)
    array([[1.],
           [2.]])
    """
    a = _matrices("triangular_solve", a)
    b = as_array(b)
    check_same_dtypes("linalg.triangular_solve", {"a": a, "b": b})
    aa, ba = get_aval(a), get_aval(b)
    m = aa.shape[-1]
    if ba.ndim != aa.ndim or ba.shape[:-2] != aa.shape[:-2] or \
            ba.shape[-2 if left_side else -1] != m:
        raise TypeError(f"lax.linalg.triangular_solve: b {ba.str_short()} must be a stack of "
                        f"matrices like a {aa.str_short()} with {m} "
                        f"{'rows' if left_side else 'columns'} (left_side={left_side})")
    solve = la.triangular_solve if left_side else la.solve_right
    return solve(a, b, lower=lower, transpose_a=transpose_a, conjugate_a=conjugate_a,
                 unit_diagonal=unit_diagonal)


def tridiagonal_solve(dl: Array, d: Array, du: Array, b: Array, *,
                      perturb_singular: bool = False) -> Array:
    """Solve ``t @ x = b`` for the tridiagonal ``t`` with diagonal ``d``, sub-diagonal
    ``dl`` (``dl[..., 0]`` unused) and super-diagonal ``du`` (``du[..., -1]`` unused); ``b``
    is ``(..., m, n)``.

    >>> import numpy as np
    >>> tridiagonal_solve(np.array([0.0, 1.0]), np.array([2.0, 2.0]), np.array([1.0, 0.0]),
    ...                   np.array([[3.0], [3.0]]))
    array([[1.],
           [1.]])
    """
    if perturb_singular:
        raise NotImplementedError("lax.linalg.tridiagonal_solve: perturb_singular=True is not "
                                  "supported by fungrad")
    dl, d, du, b = (as_array(v) for v in (dl, d, du, b))
    check_same_dtypes("linalg.tridiagonal_solve", {"dl": dl, "d": d, "du": du, "b": b})
    avals = [get_aval(v) for v in (dl, d, du)]
    ba = get_aval(b)
    if any(a.shape != avals[1].shape for a in avals) or avals[1].ndim < 1 or \
            ba.shape[:-1] != avals[1].shape or avals[1].dtype.kind not in "fc":
        raise TypeError("lax.linalg.tridiagonal_solve: dl, d and du must be float arrays of "
                        "one shape (..., m) and b (..., m, n), got "
                        f"{', '.join(a.str_short() for a in avals)} and {ba.str_short()}")
    m = avals[1].shape[-1]
    # the dense matrix: row i holds dl[i], d[i], du[i] at columns i - 1, i, i + 1
    dtype = avals[1].dtype
    bands = [(dl, np.eye(m, k=-1, dtype=dtype)), (d, np.eye(m, dtype=dtype)),
             (du, np.eye(m, k=1, dtype=dtype))]
    shape = avals[1].shape + (1,)
    t = None
    for band, place in bands:
        term = ew.mul(st.reshape(band, shape), place)
        t = term if t is None else ew.add(t, term)
    return la.solve(t, b)


def schur(x: Array, *, compute_schur_vectors: bool = True, sort_eig_vals: bool = False,
          select_callable: Any = None) -> tuple:
    """``(t, q)``: the real Schur form of each square matrix, ``x = q @ t @ q^H`` with
    ``t`` quasi-upper triangular (upper triangular for complex ``x``) and ``q`` unitary
    (``(t,)`` without ``compute_schur_vectors``).
    Needs scipy (the LAPACK routine numpy lacks), imported when first called.

    >>> import numpy as np
    >>> t, q = schur(np.array([[1.0, 2.0], [0.0, 3.0]]))
    >>> np.allclose(q @ t @ q.T, [[1.0, 2.0], [0.0, 3.0]])
    True
    """
    x = _matrices("schur", x)
    if sort_eig_vals or select_callable is not None:
        raise NotImplementedError("lax.linalg.schur: sorting the eigenvalues "
                                  "(sort_eig_vals, select_callable) is not supported by "
                                  "fungrad")
    t, q = mf.schur(x, "complex" if get_aval(x).dtype.kind == "c" else "real")
    return (t, q) if compute_schur_vectors else (t,)


def cholesky_update(r_matrix: Array, w_vector: Array) -> Array:
    """The upper Cholesky factor of ``r^T r + w w^T``, given the upper factor ``r`` of
    ``r^T r`` (computed by refactoring the updated matrix, O(n^3) rather than LAPACK-style
    O(n^2), with the same result and derivatives).

    >>> import numpy as np
    >>> cholesky_update(np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([0.0, 1.0]))
    array([[2.        , 1.        ],
           [0.        , 1.41421356]])
    """
    r = _matrices("cholesky_update", r_matrix)
    w = as_array(w_vector)
    check_same_dtypes("linalg.cholesky_update", {"r_matrix": r, "w_vector": w})
    ra, wa = get_aval(r), get_aval(w)
    if ra.ndim != 2 or wa.shape != ra.shape[-1:]:
        raise TypeError(f"lax.linalg.cholesky_update: expected an (n, n) r_matrix and an (n,) "
                        f"w_vector, got {ra.str_short()} and {wa.str_short()}")
    n = ra.shape[-1]
    updated = ew.add(la.matmul(la.hermitian(r), r),
                     ew.mul(st.reshape(w, (n, 1)), st.reshape(la.conj(w), (1, n))))
    return la.hermitian(dec.cholesky(updated))


def symmetric_product(a_matrix: Array, c_matrix: Array, *, alpha: float = 1.0,
                      beta: float = 0.0, symmetrize_output: bool = False) -> Array:
    """``alpha * a @ a^T + beta * c`` for a stack of matrices ``a`` (``(..., m, n)``) and
    symmetric ``c`` (``(..., m, m)``); with ``symmetrize_output`` the upper triangle is the
    lower one transposed (the lower triangle is what JAX guarantees on every platform).

    >>> import numpy as np
    >>> symmetric_product(np.array([[1.0, 2.0], [0.0, 1.0]]), np.eye(2), beta=3.0)
    array([[8., 2.],
           [2., 4.]])
    """
    a, c = _matrices("symmetric_product", a_matrix, square=False), as_array(c_matrix)
    check_same_dtypes("linalg.symmetric_product", {"a_matrix": a, "c_matrix": c})
    aa, ca = get_aval(a), get_aval(c)
    m = aa.shape[-2]
    if ca.shape != aa.shape[:-2] + (m, m):
        raise TypeError(f"lax.linalg.symmetric_product: c_matrix must be {aa.shape[:-2] + (m, m)}"
                        f" for a_matrix {aa.str_short()}, got {ca.str_short()}")
    out = ew.add(ew.mul(la.matmul(a, la.matrix_transpose(a)), alpha), ew.mul(c, beta))
    if symmetrize_output:
        lower = la.tril(out)
        out = ew.add(lower, la.matrix_transpose(la.tril(out, -1)))
    return out
