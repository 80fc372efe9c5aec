"""Linear-algebra primitives (stacked over leading dimensions, as numpy.linalg is).

Their derivatives are the textbook matrix identities, written with fungrad's own operations:
``d inv(A) = -inv(A) dA inv(A)``, ``d solve(A, b) = solve(A, db - dA x)``,
``d det(A) = det(A) tr(inv(A) dA)``.
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.elementwise import mul, neg, sub
from fungrad.prims.rules import defvjp, primitive
from fungrad.prims.structural import (
    dot_general, expand_reduced, reduce_sum, reshape, transpose,
)


def _square_matrices(name: str, aval: ShapedArray) -> None:
    if aval.ndim < 2 or aval.shape[-1] != aval.shape[-2]:
        raise ValueError(f"{name}: expected a square matrix (or a stack of them) as the last "
                         f"two dimensions, got {aval.str_short()}")
    if aval.dtype.kind not in "fc":
        raise TypeError(f"{name}: expected a floating-point matrix, got {aval.str_short()}")


def matmul(a, b):
    """Stacked matrix product of two arrays of equal rank >= 2."""
    n = len(np.shape(a)) if not hasattr(a, "aval") else a.ndim
    batch = tuple(range(n - 2))
    return dot_general(a, b, (((n - 1,), (n - 2,)), (batch, batch)))


def matrix_transpose(a):
    n = a.ndim
    return transpose(a, tuple(range(n - 2)) + (n - 1, n - 2))


# ----------------------------------------------------------------------------- inv
def _inv_abstract(a):
    _square_matrices("inv", a)
    return a.strip_weak()


inv_p = primitive("inv", np.linalg.inv, _inv_abstract)


def inv(a):
    return bind(inv_p, a)


def _inv_jvp(primals, tangents):
    ans = inv(primals[0])
    t = tangents[0]
    return ans, None if t is None else neg(matmul(matmul(ans, t), ans))


inv_p.jvp = _inv_jvp
defvjp(inv_p, lambda g, ans, a: neg(matmul(matmul(matrix_transpose(ans), g),
                                           matrix_transpose(ans))))


# ----------------------------------------------------------------------------- solve
def _solve_abstract(a, b):
    _square_matrices("solve", a)
    m = a.shape[-1]
    if b.ndim == 1:
        ok = b.shape[0] == m and a.ndim == 2
    else:
        ok = b.ndim == a.ndim and b.shape[:-2] == a.shape[:-2] and b.shape[-2] == m
    if not ok:
        raise ValueError(f"solve: a {a.str_short()} and b {b.str_short()} do not fit: b must "
                         "be a vector of length M (a 2-D) or a stack of (M, K) matrices with "
                         "a's leading dimensions")
    return ShapedArray(b.shape, np.result_type(a.dtype, b.dtype))


solve_p = primitive("solve", np.linalg.solve, _solve_abstract)


def solve(a, b):
    return bind(solve_p, a, b)


def _as_matrix(x, vector: bool):
    return reshape(x, x.shape + (1,)) if vector else x


def _solve_jvp(primals, tangents):
    a, b = primals
    x = solve(a, b)
    ta, tb = tangents
    if ta is None and tb is None:
        return x, None
    rhs = tb
    if ta is not None:
        vector = b.ndim == 1
        ta_x = matmul(ta, _as_matrix(x, vector))
        ta_x = reshape(ta_x, x.shape) if vector else ta_x
        rhs = neg(ta_x) if rhs is None else sub(rhs, ta_x)
    return x, solve(a, rhs)


def _solve_ct_a(g, x, a, b):
    ct_b = solve(matrix_transpose(a), g)
    vector = b.ndim == 1
    return neg(matmul(_as_matrix(ct_b, vector), matrix_transpose(_as_matrix(x, vector))))


solve_p.jvp = _solve_jvp
defvjp(solve_p, lambda g, ans, a, b: _solve_ct_a(g, ans, a, b),
       lambda g, ans, a, b: solve(matrix_transpose(a), g))


# ----------------------------------------------------------------------------- det
def _det_abstract(a):
    _square_matrices("det", a)
    return ShapedArray(a.shape[:-2], a.dtype)


det_p = primitive("det", np.linalg.det, _det_abstract)


def det(a):
    return bind(det_p, a)


def _det_weights(ans, a):
    """d det(A) / dA = det(A) inv(A)^T, stacked."""
    n = a.ndim
    scale = expand_reduced(ans, a.shape, (n - 2, n - 1))
    return mul(scale, matrix_transpose(inv(a)))


def _det_jvp(primals, tangents):
    a, = primals
    ans = det(a)
    t = tangents[0]
    if t is None:
        return ans, None
    return ans, reduce_sum(mul(t, _det_weights(ans, a)), (a.ndim - 2, a.ndim - 1))


det_p.jvp = _det_jvp
defvjp(det_p, lambda g, ans, a: mul(expand_reduced(g, a.shape, (a.ndim - 2, a.ndim - 1)),
                                    _det_weights(ans, a)))


# numpy.linalg works on stacks of matrices: a batch is one more stack dimension
for _p in (inv_p, det_p):
    _p.batch = (lambda prim: lambda args, batched, size: (bind(prim, args[0]), True))(_p)
