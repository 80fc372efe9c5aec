"""The Sylvester equation A X + X B = C as one primitive, solved by scipy's LAPACK (trsyl).

Its derivatives are Sylvester equations again. Differentiating A X + X B = C gives
A dX + dX B = dC - dA X - X dB, so the tangent solves the same equation with a new right-hand
side. The transpose of C -> X (under JAX's pairing sum(G * X), no conjugates) solves the
transposed equation A^T Y + Y B^T = G. Then C's cotangent is Y, A's is -Y X^T and B's is
-X^T Y. Both rules call the primitive, so higher derivatives follow.
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims import elementwise as ew
from fungrad.prims.linalg import (
    batch_stacked, flat_stack, inexact, matmul, matrix_transpose, square_matrices,
)
from fungrad.prims.rules import defjvp, defvjp, primitive


def _solve_one(a, b, c, tol):
    from scipy.linalg import solve_sylvester
    if not c.size:
        return np.zeros(c.shape, c.dtype)
    sums = np.linalg.eigvals(a)[:, None] + np.linalg.eigvals(b)[None, :]
    if sums.size and np.min(np.abs(sums)) < tol:  # (nearly) singular: JAX's NaNs
        return np.full(c.shape, np.nan, c.dtype)
    return solve_sylvester(a, b, c)


def _sylvester_impl(a, b, c, *, tol):
    a, b, c = np.asarray(a), np.asarray(b), np.asarray(c)
    out = np.empty(c.shape, c.dtype)
    for slot, ai, bi, ci in zip(flat_stack(out), flat_stack(a), flat_stack(b), flat_stack(c)):
        slot[...] = _solve_one(ai, bi, ci, tol)
    return out


def _sylvester_abstract(a, b, c, *, tol):
    square_matrices("solve_sylvester", a, "A")
    square_matrices("solve_sylvester", b, "B")
    inexact("solve_sylvester", c, "C")
    if c.ndim < 2 or c.shape[-2:] != (a.shape[-1], b.shape[-1]) \
            or not a.shape[:-2] == b.shape[:-2] == c.shape[:-2] \
            or not a.dtype == b.dtype == c.dtype:
        raise ValueError(f"solve_sylvester: C must be (..., m, n) for A (..., m, m) and B "
                         f"(..., n, n), with the same batch dimensions and dtype; got A "
                         f"{a.str_short()}, B {b.str_short()}, C {c.str_short()}")
    return ShapedArray(c.shape, c.dtype)


sylvester_p = primitive("sylvester", _sylvester_impl, _sylvester_abstract)
batch_stacked(sylvester_p, (2, 2, 2))


def sylvester(a, b, c, tol: float = 1e-8):
    """X with ``a @ X + X @ b == c`` for each matrix of equal-batch stacks (one dtype);
    NaNs where an eigenvalue of ``a`` plus one of ``b`` is within ``tol`` of zero."""
    return bind(sylvester_p, a, b, c, tol=tol)


# tangents: A dX + dX B = dC - dA X - X dB, one Sylvester solve per input's share
defjvp(sylvester_p,
       lambda t, x, a, b, c, tol: sylvester(a, b, ew.neg(matmul(t, x)), tol),
       lambda t, x, a, b, c, tol: sylvester(a, b, ew.neg(matmul(x, t)), tol),
       lambda t, x, a, b, c, tol: sylvester(a, b, t, tol))


def _cotangent_c(g, x, a, b, tol):
    return sylvester(matrix_transpose(a), matrix_transpose(b), g, tol)


defvjp(sylvester_p,
       lambda g, x, a, b, c, tol: ew.neg(matmul(_cotangent_c(g, x, a, b, tol),
                                                matrix_transpose(x))),
       lambda g, x, a, b, c, tol: ew.neg(matmul(matrix_transpose(x),
                                                _cotangent_c(g, x, a, b, tol))),
       lambda g, x, a, b, c, tol: _cotangent_c(g, x, a, b, tol))
