"""Matrix factorizations as primitives: cholesky, qr, eigh, svd, eig, lu, and the matrix
exponential. LAPACK (through numpy, or scipy where numpy has no routine) computes them;
fungrad supplies shapes, derivatives and batching.

The derivative rules are the standard results, in the forms JAX uses:

* cholesky: ``dL = L Phi(L^-1 dA L^-H)`` (Murray 2016), ``Phi`` the lower triangle with its
  diagonal halved;
* qr: ``dQ = Q (dO - Y) + dA R^-1``, ``dR = (Y - dO) R`` with ``Y = Q^H dA R^-1`` and ``dO``
  the skew-Hermitian part of ``Y``'s strict lower triangle (Walter and Lehmann 2018); in
  mode 'complete' on a tall matrix the extra Householder columns follow the thin part
  (arXiv 2409.13374);
* eigh and svd: Giles 2008, with ``F_ij = 1 / (w_j - w_i)`` (``1 / (s_j^2 - s_i^2)``);
* eig (eigenvalues only, as JAX): ``dw = diag(V^-1 dA V)``;
* lu: ``dL = L tril(X, -1)``, ``dU = triu(X) U`` with ``X = L^-1 P dA U^-1`` (de Hoog,
  Anderssen and Lukas), rectangular factors padded square with the identity, as JAX;
* expm: its Frechet derivative, the corner of ``expm([[A, dA], [0, A]])``.

Every reverse rule is the transpose of its forward rule (see ``fungrad.prims.linalg`` for the
complex convention), written with fungrad operations, so higher derivatives follow.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.elementwise import (
    add, convert_element_type, div, eq, mul, neg, select, sub,
)
from fungrad.prims.linalg import (
    adjoint_to_transpose, batch_stacked, flat_stack, cast, conj, diag_matrix, diagonal, eye_like,
    hermitian, inv, matmul, matrices, matrix_transpose, per_matrix, real, scale_columns,
    scale_rows, solve, solve_right, square_matrices, triangular_solve, tril, triu,
    _TRIANGULAR_BLOCK, _diagonal_blocks, _dtype, _lower_inverses, _shape, _tri_mask,
    _triangular_solve_impl,
)
from fungrad.prims.rules import primitive
from fungrad.prims.structural import _prod_others, concatenate, reduce_sum, reshape, slice_axis


def _real_dtype(dtype) -> np.dtype:
    return np.finfo(dtype).dtype


def _batch_shape(aval: ShapedArray) -> tuple:
    return aval.shape[:-2]


def _skew_phi(x):
    """``Phi``: the lower triangle with its diagonal halved (one product with a constant
    mask: the reverse pass of cholesky runs it on every n x n cotangent)."""
    return mul(x, _phi_mask(_shape(x)[-1], np.dtype(_dtype(x))))


@lru_cache(maxsize=64)
def _phi_mask(n: int, dtype: np.dtype) -> np.ndarray:
    mask = (np.tril(np.ones((n, n))) - 0.5 * np.eye(n)).astype(dtype)
    mask.flags.writeable = False
    return mask


# ---------------------------------------------------------------------------------------------
# cholesky
# ---------------------------------------------------------------------------------------------

def _hermitian_part_np(a):
    """``(a + a^H) / 2``, as fungrad.numpy.linalg's symmetrization computes it."""
    out = np.add(a, _conj_t(a))
    return np.multiply(out, 0.5, out=out) if out.dtype.kind in "fc" else out * 0.5


def _hermitian_part(x):
    return mul(add(x, hermitian(x)), 0.5)


def _cholesky_impl(a, symmetrize_input):
    # JAX's answer for a matrix that is not positive definite: NaNs, per matrix
    a = np.asarray(a)
    if symmetrize_input:
        a = _hermitian_part_np(a)
    return per_matrix(np.linalg.cholesky, lambda m: np.nan, a.shape, a.dtype, a)


def _cholesky_abstract(a, symmetrize_input):
    square_matrices("cholesky", a)
    return a.strip_weak()


cholesky_p = primitive("cholesky", _cholesky_impl, _cholesky_abstract)


def cholesky(a, symmetrize_input: bool = False):
    """Lower Cholesky factor of each (Hermitian positive-definite) matrix of a stack; only
    the lower triangle of ``a`` is read, or with ``symmetrize_input`` that of
    ``(a + a^H) / 2``. Not positive definite: NaNs, as in JAX.

    The derivative conventions are JAX's: without ``symmetrize_input`` the tangent rule uses
    the whole of ``da``, so its reverse rule gives ``L^-T Phi(L^T G) conj(L)^-1``; with it,
    the factor is exactly a function of the Hermitian part, and its cotangent is the
    Hermitian part of that, which one blocked sweep computes at about a third of the cost.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 0.],
           [1., 1.]])
    """
    return bind(cholesky_p, a, symmetrize_input=bool(symmetrize_input))


def _cholesky_jvp(primals, tangents, symmetrize_input):
    a, = primals
    l = cholesky(a, symmetrize_input)
    t = tangents[0]
    if t is None:
        return l, None
    if symmetrize_input:
        t = _hermitian_part(t)
    # L^-1 dA L^-H, then L Phi(.)
    tmp = triangular_solve(l, t, lower=True)
    tmp = solve_right(l, tmp, lower=True, transpose_a=True, conjugate_a=True)
    return l, matmul(l, _skew_phi(tmp))


def _cholesky_vjp(g, primals, ans, needs, symmetrize_input):
    # transpose of dA -> L Phi(L^-1 dA L^-H): G -> L^-T Phi(L^T G) conj(L)^-1, and of its
    # composition with the Hermitian part: the Hermitian part of that
    if symmetrize_input:
        return [cholesky_cotangent_hermitian(ans, g)]
    return [cholesky_cotangent(ans, g)]


cholesky_p.jvp = _cholesky_jvp
cholesky_p.vjp = _cholesky_vjp
# its result is new memory (numpy's cholesky never returns its input): compiled code may
# write a later ufunc's result over it, one n x n temporary fewer
cholesky_p.fresh_result = True
batch_stacked(cholesky_p, (2,))


# The reverse rule of cholesky as one primitive: h(L, G) = L^-T Phi(L^T G) conj(L)^-1. Three
# matrix operations in general form cost 4 n^3 flops; knowing which factors are triangular
# halves that: only the lower triangle of L^T G is needed (Phi keeps no more), and
# Y = Phi(.) conj(L)^-1 is lower triangular, so its solve skips the zero blocks. Only the
# solve X = L^-T Y is a full one. The rules below are h's own derivatives, written with
# fungrad operations, so the cholesky's higher derivatives go through them.

def _cholesky_cotangent_abstract(l, g, name="cholesky_cotangent"):
    square_matrices(name, l, "l")
    if g.shape != l.shape:
        raise ValueError(f"{name}: g {g.str_short()} must have the shape of l "
                         f"{l.str_short()}")
    return ShapedArray(l.shape, np.result_type(l.dtype, g.dtype))


def _cotangent_operands(l, g):
    l, g = np.asarray(l), np.asarray(g)
    return l, g, np.result_type(l.dtype, g.dtype), l.shape[-1]


def _cholesky_cotangent_impl(l, g):
    l, g, dtype, n = _cotangent_operands(l, g)
    if not l.size:
        return np.zeros(l.shape, dtype)
    l = l * _tri_mask(n, n, 0, True, dtype)  # only the lower triangle is read
    lt = np.swapaxes(l, -1, -2)
    size = _TRIANGULAR_BLOCK
    starts = list(range(0, n, size))
    ends = [min(s + size, n) for s in starts]
    inverses = _lower_inverses(_diagonal_blocks(l, True, False, starts, dtype))
    if inverses is None:  # an exactly singular factor: the general solves
        p = np.asarray(l.swapaxes(-1, -2) @ g) * _phi_mask(n, dtype)
        x = _triangular_solve_impl(l, p, True, True, False, False)
        x = _triangular_solve_impl(l, np.swapaxes(x, -1, -2), True, True, True, False)
        return np.swapaxes(x, -1, -2)
    # P = Phi(L^T G): column block j needs rows s: of L^T, and so rows s: of G only. The two
    # solves then run in P's buffer (each block is read before it is overwritten): one
    # n x n allocation, not three, as large fresh arrays cost page faults.
    x = np.zeros(l.shape, dtype)
    for s, e in zip(starts, ends):
        x[..., s:, s:e] = lt[..., s:, s:] @ g[..., s:, s:e]
    x *= _phi_mask(n, dtype)
    # Y conj(L) = P, column blocks from the right; Y is lower triangular like P
    lc = np.conj(l) if dtype.kind == "c" else l
    inverses_c = np.conj(inverses) if dtype.kind == "c" else inverses
    for j in range(len(starts) - 1, -1, -1):
        s, e = starts[j], ends[j]
        r = x[..., s:, s:e].copy()
        if e < n:
            r[..., e - s:, :] -= x[..., e:, e:] @ lc[..., e:, s:e]
        x[..., s:, s:e] = r @ inverses_c[..., j, :e - s, :e - s]
    # L^T X = Y, row blocks from the bottom
    for j in range(len(starts) - 1, -1, -1):
        s, e = starts[j], ends[j]
        r = x[..., s:e, :]
        if e < n:
            r = r - lt[..., s:e, e:] @ x[..., e:, :]
        x[..., s:e, :] = np.swapaxes(inverses[..., j, :e - s, :e - s], -1, -2) @ r
    return x


cholesky_cotangent_p = primitive("cholesky_cotangent", _cholesky_cotangent_impl,
                                 _cholesky_cotangent_abstract)


def cholesky_cotangent(l, g):
    """``L^-T Phi(L^T G) conj(L)^-1``: the cotangent of cholesky's input given its factor
    ``l`` (only its lower triangle is read) and the factor's cotangent ``g``."""
    return bind(cholesky_cotangent_p, l, g)


def _lower_inv_t(l, b):
    return triangular_solve(l, b, lower=True, transpose_a=True)  # L^-T b


def _cholesky_cotangent_jvp(primals, tangents):
    l, g = primals
    dl, dg = tangents
    h = cholesky_cotangent(l, g)
    out = None if dg is None else cholesky_cotangent(l, dg)
    if dl is not None:
        # d h = -L^-T dL^T h - h conj(dL) conj(L)^-1 + h(L, L^-T dL^T G)
        dl = tril(dl)
        dlt = matrix_transpose(dl)
        through_g = cholesky_cotangent(l, _lower_inv_t(l, matmul(dlt, g)))
        left = _lower_inv_t(l, matmul(dlt, h))
        right = solve_right(l, matmul(h, conj(dl)), lower=True, conjugate_a=True)
        part = sub(through_g, add(left, right))
        out = part if out is None else add(out, part)
    return h, out


def _cholesky_cotangent_vjp(c, primals, ans, needs):
    l, g = primals
    # Q = Phi(L^-1 C conj(L)^-T) is shared: G's cotangent is L Q, and the transposes of the
    # three terms of the tangent give L's
    q = triangular_solve(l, c, lower=True)
    q = _skew_phi(solve_right(l, q, lower=True, transpose_a=True, conjugate_a=True))
    ct_g = matmul(tril(l), q) if needs[1] else None
    ct_l = None
    if needs[0]:
        left = solve_right(l, matmul(ans, matrix_transpose(c)), lower=True, transpose_a=True)
        right = conj(solve_right(l, matmul(matrix_transpose(ans), c), lower=True,
                                 transpose_a=True, conjugate_a=True))
        ct_l = tril(sub(matmul(g, matrix_transpose(q)), add(left, right)))
    return [ct_l, ct_g]


cholesky_cotangent_p.jvp = _cholesky_cotangent_jvp
cholesky_cotangent_p.vjp = _cholesky_cotangent_vjp
cholesky_cotangent_p.fresh_result = True  # (a transposed view of its own buffer at most)
batch_stacked(cholesky_cotangent_p, (2, 2))


# The reverse rule of the symmetrized cholesky: S(L, G) = (h + h^H) / 2, h as above. With
# K = conj(L), S = K^-H Q K^-1 where Q is the Hermitian part of Phi(K^H G): the Hermitian
# cotangent of A = K K^H given K's. Murray (2016) computes it by running the blocked
# factorization backwards; here in its left-looking form, from the last column block to the
# first. For the block of columns c = s:e, below it the rows r = e:, with D = K[c, c],
# C = K[r, c], and S[r, r] already final:
#
#     T = G[r, c] / 2 - S[r, r] C,   S[r, c] = T D^-1           (the off-diagonal block)
#     S[c, c] = Z + Z^H,   Z = D^-H Phi(D^H G[c, c] / 2 - T^H C) D^-1
#
# (the diagonal block's D^H tril(G[c, c] / 2 - S[r, c]^H C) written with T = S[r, c] D:
# Phi reads only the lower triangle of a product with the upper triangular D^H, so the
# tril is not needed, and D^H G[c, c] / 2 is one batched product for all blocks).
# The matrix products there are the forward factorization's own, transposed: about
# 2 n^3 / 3 flops in all, twice potrf's, against 2.3 n^3 for h itself, and in the numpy
# calls per block that bound it at small n. D^-1 are the diagonal blocks' inverses, one
# batched call (numpy has no trsm). The only n x n array is the result: the sweep works in
# its buffer, and conj(L) is taken a column panel at a time.

def _cholesky_cotangent_hermitian_impl(l, g):
    l, g, dtype, n = _cotangent_operands(l, g)
    if not l.size:
        return np.zeros(l.shape, dtype)
    complex_ = dtype.kind == "c"
    size = _TRIANGULAR_BLOCK
    starts = list(range(0, n, size))
    blocks = _diagonal_blocks(l, True, False, starts, dtype)  # their lower triangles
    if complex_:
        np.conj(blocks, out=blocks)  # K's
    inverses = _lower_inverses(blocks)
    if inverses is None:  # an exactly singular factor: h's general solves
        return _hermitian_part_np(_cholesky_cotangent_impl(l, g))
    width = blocks.shape[-1]
    phi = _phi_mask(width, dtype)
    blocks_h, inverses_h = _conj_t(blocks), _conj_t(inverses)
    # every entry of s is written before the sweep is done; G / 2 seeds it (S is linear in G)
    s = np.multiply(g, 0.5, dtype=dtype)
    rhs = _diagonal_products(blocks_h, s, starts)  # D^H G[c, c] / 2, each block
    for j in range(len(starts) - 1, -1, -1):
        c0, c1 = starts[j], min(starts[j] + size, n)
        b = c1 - c0
        d_inv, x = inverses[..., j, :b, :b], rhs[..., j, :b, :b]
        if c1 < n:
            below, off = l[..., c1:, c0:c1], s[..., c1:, c0:c1]
            if complex_:
                below = np.conj(below)
            t = s[..., c1:, c1:] @ below
            np.subtract(off, t, out=t)
            np.matmul(t, d_inv, out=off)
            s[..., c0:c1, c1:] = _conj_t(off)
            x -= _conj_t(t) @ below
        x *= phi[:b, :b]
        z = inverses_h[..., j, :b, :b] @ x @ d_inv
        np.add(z, _conj_t(z), out=s[..., c0:c1, c0:c1])
    return s


def _diagonal_products(left, m, starts):
    """``left[j] @ m[c, c]`` for each diagonal block ``c`` of the stack ``m`` (``left`` a
    stack of blocks as ``_diagonal_blocks`` gives them): one batched product for the whole
    blocks, read through a strided view of ``m``, and one for a last, narrower block."""
    n, width = m.shape[-1], left.shape[-1]
    full = n // width
    out = np.empty(left.shape, np.result_type(left.dtype, m.dtype))
    if full:
        row, col = m.strides[-2], m.strides[-1]
        view = np.lib.stride_tricks.as_strided(
            m, m.shape[:-2] + (full, width, width),
            m.strides[:-2] + (width * (row + col), row, col), writeable=False)
        np.matmul(left[..., :full, :, :], view, out=out[..., :full, :, :])
    if full < len(starts):
        s = starts[-1]
        w = n - s
        np.matmul(left[..., -1, :w, :w], m[..., s:, s:], out=out[..., -1, :w, :w])
    return out


def _conj_t(x):
    # .mT, not np.swapaxes: the sweep takes a dozen of these, and the function's wrapper
    # costs more than the view
    return x.mT.conj() if x.dtype.kind == "c" else x.mT


def _cholesky_cotangent_hermitian_abstract(l, g):
    return _cholesky_cotangent_abstract(l, g, "cholesky_cotangent_hermitian")


cholesky_cotangent_hermitian_p = primitive(
    "cholesky_cotangent_hermitian", _cholesky_cotangent_hermitian_impl,
    _cholesky_cotangent_hermitian_abstract)


def cholesky_cotangent_hermitian(l, g):
    """``(h + h^H) / 2`` with ``h = cholesky_cotangent(l, g)``: the cotangent of the
    symmetrized cholesky's input (only the lower triangle of ``l`` is read).

    >>> l = np.array([[2.0, 0.0], [1.0, 1.0]])
    >>> cholesky_cotangent_hermitian(l, np.eye(2))
    array([[ 0.375, -0.25 ],
           [-0.25 ,  0.5  ]])
    """
    return bind(cholesky_cotangent_hermitian_p, l, g)


def _cholesky_cotangent_hermitian_jvp(primals, tangents):
    h, dh = _cholesky_cotangent_jvp(primals, tangents)
    return _hermitian_part(h), None if dh is None else _hermitian_part(dh)


def _cholesky_cotangent_hermitian_vjp(c, primals, ans, needs):
    # the Hermitian part is its own transpose; h's rule wants h itself only for l's share
    l, g = primals
    h = cholesky_cotangent(l, g) if needs[0] else None
    return _cholesky_cotangent_vjp(_hermitian_part(c), primals, h, needs)


cholesky_cotangent_hermitian_p.jvp = _cholesky_cotangent_hermitian_jvp
cholesky_cotangent_hermitian_p.vjp = _cholesky_cotangent_hermitian_vjp
cholesky_cotangent_hermitian_p.fresh_result = True
batch_stacked(cholesky_cotangent_hermitian_p, (2, 2))


# ---------------------------------------------------------------------------------------------
# qr
# ---------------------------------------------------------------------------------------------

def _qr_impl(a, full_matrices):
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return [q, r]


def _qr_abstract(a, full_matrices):
    matrices("qr", a)
    m, n = a.shape[-2:]
    k = m if full_matrices else min(m, n)
    batch = _batch_shape(a)
    dtype = a.dtype
    return [ShapedArray(batch + (m, k), dtype), ShapedArray(batch + (k, n), dtype)]


qr_p = primitive("qr", _qr_impl, _qr_abstract, multiple_results=True)


def qr(a, full_matrices: bool = False):
    """``[q, r]`` of each matrix of a stack (reduced, or complete with ``full_matrices``)."""
    return bind(qr_p, a, full_matrices=bool(full_matrices))


def _qr_square_or_tall_jvp(q, r, dx):
    dx_rinv = solve_right(r, dx, lower=False)
    y = matmul(hermitian(q), dx_rinv)
    y_low = tril(y, -1)
    d_o = sub(y_low, hermitian(y_low))
    if _dtype(y).kind == "c":  # the diagonal's imaginary part belongs to dO as well
        d_o = add(d_o, mul(sub(y, cast(real(y), _dtype(y))), eye_like(y)))
    dq = add(matmul(q, sub(d_o, y)), dx_rinv)
    dr = matmul(sub(y, d_o), r)
    return dq, dr


def _qr_square_or_tall_adjoint(q, r, gq, gr):
    """Adjoint of ``_qr_square_or_tall_jvp`` in the Hermitian inner product."""
    g_o = sub(matmul(hermitian(q), gq), matmul(gr, hermitian(r)))
    g_y = add(neg(g_o), tril(sub(g_o, hermitian(g_o)), -1))
    if _dtype(g_o).kind == "c":
        g_y = add(g_y, mul(sub(g_o, cast(real(g_o), _dtype(g_o))), eye_like(g_o)))
    g_dx_rinv = add(gq, matmul(q, g_y))
    return solve_right(r, g_dx_rinv, lower=False, transpose_a=True, conjugate_a=True)


def _qr_complete_extension(q, n):
    """For a tall ``a`` (m > n) in mode 'complete': the pieces of the derivative of the
    ``p = m - n`` extra columns ``q_mp`` of LAPACK's Householder ``q``, which the thin part
    ``q_mn`` determines (arXiv 2409.13374, eqs. 32-33, the derivation JAX follows):
    ``Z = q_pn (q_nn - I)^-1`` and ``W = q_mn + q_mp Z``, so that
    ``dq_mp = dq_mn Z^H - W (dq_pn - Z dq_nn)^H``. (Undefined where ``q_nn - I`` is
    singular, as in JAX.)"""
    nd = len(_shape(q))
    m = _shape(q)[-1]
    q_mn, q_mp = slice_axis(q, nd - 1, 0, n), slice_axis(q, nd - 1, n, m)
    q_nn, q_pn = slice_axis(q_mn, nd - 2, 0, n), slice_axis(q_mn, nd - 2, n, m)
    z_h = solve(hermitian(sub(q_nn, eye_like(q_nn))), hermitian(q_pn))
    w = add(q_mn, matmul(q_mp, hermitian(z_h)))
    return q_mn, z_h, w


def _qr_thin_parts(a, q, r, full_matrices):
    """``(q, r)`` of the reduced decomposition, whatever the mode."""
    m, n = _shape(a)[-2:]
    if not (full_matrices and m > n):
        return q, r
    nd = len(_shape(a))
    return slice_axis(q, nd - 1, 0, n), slice_axis(r, nd - 2, 0, n)


def _qr_jvp(primals, tangents, full_matrices):
    a, = primals
    q, r = qr(a, full_matrices)
    t = tangents[0]
    if t is None:
        return [q, r], [None, None]
    m, n = _shape(a)[-2:]
    nd = len(_shape(a))
    if m >= n:
        q_mn, r_nn = _qr_thin_parts(a, q, r, full_matrices)
        dq, dr = _qr_square_or_tall_jvp(q_mn, r_nn, t)
        if full_matrices and m > n:
            _, z_h, w = _qr_complete_extension(q, n)
            dq_nn, dq_pn = slice_axis(dq, nd - 2, 0, n), slice_axis(dq, nd - 2, n, m)
            d = sub(dq_pn, matmul(hermitian(z_h), dq_nn))
            dq_mp = sub(matmul(dq, z_h), matmul(w, hermitian(d)))
            dq = concatenate([dq, dq_mp], nd - 1)
            dr = concatenate([dr, mul(slice_axis(r, nd - 2, n, m), 0.0)], nd - 2)
        return [q, r], [dq, dr]
    # wide: a = [x y] with x square, q r1 = x and r2 = q^H y
    x_dot, y_dot = slice_axis(t, nd - 1, 0, m), slice_axis(t, nd - 1, m, n)
    r1, y = slice_axis(r, nd - 1, 0, m), slice_axis(a, nd - 1, m, n)
    dq, dr1 = _qr_square_or_tall_jvp(q, r1, x_dot)
    dr2 = add(matmul(hermitian(dq), y), matmul(hermitian(q), y_dot))
    return [q, r], [dq, concatenate([dr1, dr2], nd - 1)]


def _qr_vjp(cts, primals, ans, needs, full_matrices):
    a, = primals
    q, r = ans
    m, n = _shape(a)[-2:]
    nd = len(_shape(a))

    def adjoint(gq, gr):
        if m > n and full_matrices:
            # adjoint of the extra columns' map (see _qr_complete_extension), onto dq_mn
            q_mn, z_h, w = _qr_complete_extension(q, n)
            g_mn, g_mp = slice_axis(gq, nd - 1, 0, n), slice_axis(gq, nd - 1, n, m)
            k = neg(matmul(hermitian(g_mp), w))  # the cotangent of dq_pn - Z dq_nn
            g_rows = concatenate([neg(matmul(z_h, k)), k], nd - 2)
            gq = add(add(g_mn, matmul(g_mp, hermitian(z_h))), g_rows)
            return _qr_square_or_tall_adjoint(q_mn, slice_axis(r, nd - 2, 0, n), gq,
                                              slice_axis(gr, nd - 2, 0, n))
        if m >= n:
            return _qr_square_or_tall_adjoint(q, r, gq, gr)
        r1, y = slice_axis(r, nd - 1, 0, m), slice_axis(a, nd - 1, m, n)
        gr1, gr2 = slice_axis(gr, nd - 1, 0, m), slice_axis(gr, nd - 1, m, n)
        gx = _qr_square_or_tall_adjoint(q, r1, add(gq, matmul(y, hermitian(gr2))), gr1)
        return concatenate([gx, matmul(q, gr2)], nd - 1)

    return [adjoint_to_transpose(adjoint, *cts)]


qr_p.jvp = _qr_jvp
qr_p.vjp = _qr_vjp
batch_stacked(qr_p, (2,))


# ---------------------------------------------------------------------------------------------
# eigh: Hermitian eigendecomposition, eigenvalues ascending
# ---------------------------------------------------------------------------------------------

def _eigh_impl(a, lower, eigvals_only):
    uplo = "L" if lower else "U"
    if eigvals_only:
        return [np.linalg.eigvalsh(a, UPLO=uplo)]
    w, v = np.linalg.eigh(a, UPLO=uplo)
    return [w, v]


def _eigh_abstract(a, lower, eigvals_only):
    square_matrices("eigh", a)
    w = ShapedArray(a.shape[:-1], _real_dtype(a.dtype))
    return [w] if eigvals_only else [w, a.strip_weak()]


eigh_p = primitive("eigh", _eigh_impl, _eigh_abstract, multiple_results=True)


def eigh(a, lower: bool = True, eigvals_only: bool = False):
    """``[w, v]`` (``[w]`` with ``eigvals_only``) of each Hermitian matrix of a stack, read
    from its lower (or upper) triangle; ``w`` ascending, ``a = v diag(w) v^H``."""
    return bind(eigh_p, a, lower=bool(lower), eigvals_only=bool(eigvals_only))


def _reciprocal_or_inf(x):
    """``1 / x``, inf where x is 0, without numpy's divide-by-zero warning."""
    zero = eq(x, 0.0)
    return select(zero, np.inf, div(1.0, select(zero, 1.0, x)))


def _eig_gaps(w):
    """``F_ij = 1 / (w_j - w_i)`` off the diagonal, 0 on it (inf where eigenvalues repeat,
    as in JAX: eigenvector derivatives are undefined there)."""
    n = _shape(w)[-1]
    eye = np.eye(n, dtype=_dtype(w))
    wj = reshape(w, _shape(w)[:-1] + (1, n))
    wi = reshape(w, _shape(w) + (1,))
    return sub(_reciprocal_or_inf(add(sub(wj, wi), eye)), eye)


def _gap_weighted(f, m):
    """``F * m`` for a reverse rule, with 0 where ``m`` is 0: a vector output nobody reads
    gets a zero cotangent, and it must add nothing even where ``F`` is inf (repeated
    eigenvalues), as JAX's symbolic zero adds nothing."""
    return mul(select(eq(m, 0.0), 0.0, f), m)


def _eigh_jvp(primals, tangents, lower, eigvals_only):
    a, = primals
    w, v = eigh(a, lower, False)
    outs = [w] if eigvals_only else [w, v]
    t = tangents[0]
    if t is None:
        return outs, [None] * len(outs)
    m = matmul(matmul(hermitian(v), t), v)
    dw = real(diagonal(m))
    if eigvals_only:
        return outs, [dw]
    dv = matmul(v, mul(cast(_eig_gaps(w), _dtype(v)), m))
    return outs, [dw, dv]


def _eigh_vjp(cts, primals, ans, needs, lower, eigvals_only):
    a, = primals
    if eigvals_only:
        w, v = eigh(a, lower, False)
    else:
        w, v = ans

    def adjoint(gw, gv=None):
        inner = diag_matrix(cast(gw, _dtype(v)))
        if gv is not None:
            f = cast(_eig_gaps(w), _dtype(v))
            inner = add(inner, _gap_weighted(f, matmul(hermitian(v), gv)))
        return matmul(matmul(v, inner), hermitian(v))

    return [adjoint_to_transpose(adjoint, *cts)]


eigh_p.jvp = _eigh_jvp
eigh_p.vjp = _eigh_vjp
batch_stacked(eigh_p, (2,))


# ---------------------------------------------------------------------------------------------
# svd
# ---------------------------------------------------------------------------------------------

def _svd_impl(a, full_matrices, compute_uv):
    if not compute_uv:
        return [np.linalg.svd(a, compute_uv=False)]
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return [s, u, vh]


def _svd_abstract(a, full_matrices, compute_uv):
    matrices("svd", a)
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = _batch_shape(a)
    s = ShapedArray(batch + (k,), _real_dtype(a.dtype))
    if not compute_uv:
        return [s]
    ku, kv = (m, n) if full_matrices else (k, k)
    return [s, ShapedArray(batch + (m, ku), a.dtype), ShapedArray(batch + (kv, n), a.dtype)]


svd_p = primitive("svd", _svd_impl, _svd_abstract, multiple_results=True)


def svd(a, full_matrices: bool = False, compute_uv: bool = True):
    """``[s, u, vh]`` (``[s]`` without ``compute_uv``) of each matrix of a stack:
    ``a = u diag(s) vh``, ``s`` descending."""
    return bind(svd_p, a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))


def _svd_check_differentiable(a, full_matrices, compute_uv):
    m, n = _shape(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError("Singular value decomposition JVP not implemented for full "
                                  "matrices (full_matrices=True on a non-square matrix), as "
                                  "in JAX; use full_matrices=False")


def _svd_parts(s):
    """``F_ij = 1 / (s_j^2 - s_i^2)`` (0 on the diagonal) and ``1/s`` (0 where s is 0)."""
    k = _shape(s)[-1]
    eye = np.eye(k, dtype=_dtype(s))
    sj = reshape(s, _shape(s)[:-1] + (1, k))
    si = reshape(s, _shape(s) + (1,))
    f = sub(_reciprocal_or_inf(add(mul(add(sj, si), sub(sj, si)), eye)), eye)
    zero = convert_element_type(eq(s, 0.0), _dtype(s))
    s_inv = sub(div(1.0, add(s, zero)), zero)
    return f, s_inv


def _svd_jvp(primals, tangents, full_matrices, compute_uv):
    a, = primals
    t = tangents[0]
    outs = svd(a, full_matrices, compute_uv)
    if t is None:
        return outs, [None] * len(outs)
    _svd_check_differentiable(a, full_matrices, compute_uv)
    s, u, vh = svd(a, False, True) if not compute_uv else outs
    v = hermitian(vh)
    ds_mat = matmul(matmul(hermitian(u), t), v)
    ds = real(diagonal(ds_mat))
    if not compute_uv:
        return outs, [ds]
    dtype = _dtype(a)
    f, s_inv = _svd_parts(s)
    f, s_c, s_inv_c = cast(f, dtype), cast(s, dtype), cast(s_inv, dtype)
    dss = scale_columns(ds_mat, s_c)   # dS diag(s)
    sds = scale_rows(ds_mat, s_c)      # diag(s) dS
    du_inner = mul(f, add(dss, hermitian(dss)))
    if dtype.kind == "c":  # the phase freedom of complex singular vectors
        du_inner = add(du_inner, mul(mul(sub(ds_mat, hermitian(ds_mat)), 0.5),
                                     diag_matrix(s_inv_c)))
    du = matmul(u, du_inner)
    dv = matmul(v, mul(f, add(sds, hermitian(sds))))
    m, n = _shape(a)[-2:]
    if m > n:
        dav = matmul(t, v)
        du = add(du, scale_columns(sub(dav, matmul(u, matmul(hermitian(u), dav))), s_inv_c))
    if n > m:
        dahu = matmul(hermitian(t), u)
        dv = add(dv, scale_columns(sub(dahu, matmul(v, matmul(vh, dahu))), s_inv_c))
    return outs, [ds, du, hermitian(dv)]


def _svd_vjp(cts, primals, ans, needs, full_matrices, compute_uv):
    a, = primals
    _svd_check_differentiable(a, full_matrices, compute_uv)
    s, u, vh = ans if compute_uv else svd(a, False, True)
    v = hermitian(vh)
    dtype = _dtype(a)
    m, n = _shape(a)[-2:]

    def adjoint(gs, gu=None, gvh=None):
        inner = diag_matrix(cast(gs, dtype))
        if gu is None:
            return matmul(matmul(u, inner), vh)
        f, s_inv = _svd_parts(s)
        f, s_c, s_inv_c = cast(f, dtype), cast(s, dtype), cast(s_inv, dtype)
        gv = hermitian(gvh)
        gu_in, gv_in = matmul(hermitian(u), gu), matmul(vh, gv)
        p = _gap_weighted(f, gu_in)
        inner = add(inner, scale_columns(add(p, hermitian(p)), s_c))
        pv = _gap_weighted(f, gv_in)
        inner = add(inner, scale_rows(add(pv, hermitian(pv)), s_c))
        if dtype.kind == "c":
            d = mul(scale_columns(gu_in, s_inv_c), eye_like(gu_in))
            inner = add(inner, mul(sub(d, hermitian(d)), 0.5))
        out = matmul(matmul(u, inner), vh)
        if m > n:
            gu_s = scale_columns(gu, s_inv_c)
            out = add(out, matmul(sub(gu_s, matmul(u, matmul(hermitian(u), gu_s))), vh))
        if n > m:
            gv_s = scale_columns(gv, s_inv_c)
            out = add(out, matmul(u, hermitian(sub(gv_s, matmul(v, matmul(vh, gv_s))))))
        return out

    return [adjoint_to_transpose(adjoint, *cts)]


svd_p.jvp = _svd_jvp
svd_p.vjp = _svd_vjp
batch_stacked(svd_p, (2,))


# ---------------------------------------------------------------------------------------------
# eig: general eigendecomposition (complex results); eigenvalue derivatives only, as JAX
# ---------------------------------------------------------------------------------------------

def _complex_dtype(dtype) -> np.dtype:
    return np.result_type(dtype, np.complex64)


def _eig_impl(a, compute_vectors):
    if not compute_vectors:
        return [np.linalg.eigvals(a).astype(_complex_dtype(np.asarray(a).dtype), copy=False)]
    w, v = np.linalg.eig(a)
    dtype = _complex_dtype(np.asarray(a).dtype)
    return [w.astype(dtype, copy=False), v.astype(dtype, copy=False)]


def _eig_abstract(a, compute_vectors):
    square_matrices("eig", a)
    dtype = _complex_dtype(a.dtype)
    w = ShapedArray(a.shape[:-1], dtype)
    return [w, ShapedArray(a.shape, dtype)] if compute_vectors else [w]


eig_p = primitive("eig", _eig_impl, _eig_abstract, multiple_results=True)


def eig(a, compute_vectors: bool = True):
    """``[w, v]`` (``[w]``) of each general square matrix of a stack, always complex."""
    return bind(eig_p, a, compute_vectors=bool(compute_vectors))


_EIGVEC_MESSAGE = ("derivatives of eigenvectors of non-symmetric matrices are not "
                   "implemented, only of eigenvalues (as in JAX); use eigvals, or eigh for "
                   "Hermitian matrices")


def _eig_jvp(primals, tangents, compute_vectors):
    a, = primals
    outs = eig(a, compute_vectors)
    t = tangents[0]
    if t is None:
        return outs, [None] * len(outs)
    if compute_vectors:
        raise NotImplementedError(_EIGVEC_MESSAGE)
    w, v = eig(a, True)
    dw = diagonal(matmul(solve(v, cast(t, _dtype(v))), v))
    return outs, [dw]


def _eig_vjp(cts, primals, ans, needs, compute_vectors):
    if compute_vectors:
        raise NotImplementedError(_EIGVEC_MESSAGE)
    a, = primals
    w, v = eig(a, True)
    # transpose of dA -> diag(V^-1 dA V): g -> V^-T diag(g) V^T; a real a keeps the real part
    ct = matmul(solve(matrix_transpose(v), diag_matrix(cts[0])), matrix_transpose(v))
    return [real(ct) if _dtype(a).kind != "c" else ct]


eig_p.jvp = _eig_jvp
eig_p.vjp = _eig_vjp
batch_stacked(eig_p, (2,))


# ---------------------------------------------------------------------------------------------
# det: its derivative is the cofactor matrix, adj(A)^T
# ---------------------------------------------------------------------------------------------

def _det_abstract(a):
    square_matrices("det", a)
    return ShapedArray(a.shape[:-2], a.dtype)


det_p = primitive("det", np.linalg.det, _det_abstract)


def det(a):
    """The determinant of each square matrix of a stack."""
    return bind(det_p, a)


def _cofactors(a, ans):
    """``adj(A)^T``: ``det(A) inv(A)^T`` where A is invertible; at a singular matrix (where
    that has no value) from the SVD, ``adj(A) = det(U) det(V^H) V diag(prod_{j!=i} s_j) U^H``,
    which is finite there (JAX's answer: the cofactors, zero for a rank below n - 1)."""
    nd = len(_shape(a))
    dtype = _dtype(a)
    singular = reshape(eq(ans, 0.0), _shape(ans) + (1, 1))
    safe = select(singular, eye_like(a), a)
    regular = mul(reshape(ans, _shape(ans) + (1, 1)), matrix_transpose(inv(safe)))
    s, u, vh = svd(a, False, True)
    others = cast(_prod_others(s, (nd - 2,)), dtype)
    phase = mul(det(u), det(vh))
    adj_t = matmul(scale_columns(conj(u), others), conj(vh))
    singular_branch = mul(reshape(phase, _shape(phase) + (1, 1)), adj_t)
    return select(singular, singular_branch, regular)


def _det_jvp(primals, tangents):
    a, = primals
    ans = det(a)
    t = tangents[0]
    if t is None:
        return ans, None
    nd = len(_shape(a))
    return ans, reduce_sum(mul(t, _cofactors(a, ans)), (nd - 2, nd - 1))


def _det_vjp(g, primals, ans, needs):
    a, = primals
    return [mul(reshape(g, _shape(g) + (1, 1)), _cofactors(a, ans))]


det_p.jvp = _det_jvp
det_p.vjp = _det_vjp
batch_stacked(det_p, (2,))


# ---------------------------------------------------------------------------------------------
# lu: partial-pivoting LU (packed factors, LAPACK pivots, the row permutation), as JAX's
# ---------------------------------------------------------------------------------------------

def _lu_one(a):
    from scipy.linalg import lu_factor  # only fungrad.scipy.linalg reaches this primitive
    m, n = a.shape
    if a.size == 0:
        return a.copy(), np.zeros(min(m, n), np.int32)
    lu, piv = lu_factor(a, check_finite=False)
    return lu, piv.astype(np.int32)


def pivots_to_permutation_np(piv: np.ndarray, m: int) -> np.ndarray:
    perm = np.arange(m, dtype=np.int32)
    for i, p in enumerate(piv):
        perm[i], perm[p] = perm[p], perm[i]
    return perm


def _lu_impl(a):
    a = np.asarray(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    lu = np.empty(a.shape, a.dtype)
    piv = np.empty(a.shape[:-2] + (k,), np.int32)
    perm = np.empty(a.shape[:-2] + (m,), np.int32)
    flat = flat_stack(a)
    for i, (lu_i, piv_i, perm_i) in enumerate(zip(flat_stack(lu), flat_stack(piv, 1),
                                                  flat_stack(perm, 1))):
        lu_i[...], piv_i[...] = _lu_one(flat[i])
        perm_i[...] = pivots_to_permutation_np(piv_i, m)
    return [lu, piv, perm]


def _lu_abstract(a):
    matrices("lu", a)
    m, n = a.shape[-2:]
    batch = _batch_shape(a)
    return [a.strip_weak(), ShapedArray(batch + (min(m, n),), np.int32),
            ShapedArray(batch + (m,), np.int32)]


lu_p = primitive("lu", _lu_impl, _lu_abstract, multiple_results=True)


def lu(a):
    """``[lu, pivots, permutation]`` of each matrix of a stack: ``a[permutation] = l u`` with
    ``l`` unit lower triangular and ``u`` upper triangular packed in ``lu``."""
    return bind(lu_p, a)


def permutation_matrix(perm, dtype):
    """``P`` with ``P @ x == x[perm]``: one-hot rows, built with fungrad operations."""
    m = _shape(perm)[-1]
    hot = eq(reshape(perm, _shape(perm) + (1,)), np.arange(m, dtype=np.int32))
    return convert_element_type(hot, dtype)


def _lu_factors(lu_):
    """``(l, u)`` from the packed factors of an m x n matrix, both made square and invertible
    as the derivative needs: ``l`` (m x m) unit lower triangular with the identity in its
    columns past min(m, n), ``u`` (n x n) upper triangular with the identity in its rows
    past min(m, n) (JAX's padding: ``l u`` keeps the packed product)."""
    shape = _shape(lu_)
    nd, (m, n) = len(shape), shape[-2:]
    k = min(m, n)
    dtype = _dtype(lu_)
    l = tril(slice_axis(lu_, nd - 1, 0, k), -1)
    if m > k:
        l = concatenate([l, np.zeros(shape[:-2] + (m, m - k), dtype)], nd - 1)
    u = triu(slice_axis(lu_, nd - 2, 0, k))
    if n > k:
        u = concatenate([u, np.zeros(shape[:-2] + (n - k, n), dtype)], nd - 2)
        u = add(u, np.diag(np.arange(n) >= k).astype(dtype))
    return add(l, np.eye(m, dtype=dtype)), u


def _lu_jvp(primals, tangents):
    a, = primals
    outs = lu(a)
    t = tangents[0]
    if t is None:
        return outs, [None, None, None]
    lu_, _, perm = outs
    l, u = _lu_factors(lu_)
    # dA = P^T (dL U + L dU): with X = L^-1 P dA U^-1, dL = L tril(X, -1), dU = triu(X) U
    pa_dot = matmul(permutation_matrix(perm, _dtype(a)), t)
    x = triangular_solve(l, pa_dot, lower=True, unit_diagonal=True)
    x = solve_right(u, x, lower=False)
    return outs, [add(matmul(l, tril(x, -1)), matmul(triu(x), u)), None, None]


def _lu_vjp(cts, primals, ans, needs):
    a, = primals
    lu_, _, perm = ans
    l, u = _lu_factors(lu_)
    g = cts[0]
    # transpose of dA -> L tril(X, -1) + triu(X) U with X = L^-1 P dA U^-1
    gx = add(tril(matmul(matrix_transpose(l), g), -1), triu(matmul(g, matrix_transpose(u))))
    gx = triangular_solve(l, gx, lower=True, transpose_a=True, unit_diagonal=True)
    gx = solve_right(u, gx, lower=False, transpose_a=True)
    return [matmul(matrix_transpose(permutation_matrix(perm, _dtype(a))), gx)]


lu_p.jvp = _lu_jvp
lu_p.vjp = _lu_vjp
batch_stacked(lu_p, (2,))


def _pivots_abstract(piv, permutation_size):
    if piv.dtype.kind not in "iu" or piv.ndim < 1:
        raise TypeError(f"lu_pivots_to_permutation: pivots must be an integer array, got "
                        f"{piv.str_short()}")
    return ShapedArray(piv.shape[:-1] + (permutation_size,), np.int32)


def _pivots_impl(piv, permutation_size):
    piv = np.asarray(piv)
    out = np.empty(piv.shape[:-1] + (permutation_size,), np.int32)
    for p, o in zip(flat_stack(piv, 1), flat_stack(out, 1)):
        o[...] = pivots_to_permutation_np(p, permutation_size)
    return out


lu_pivots_to_permutation_p = primitive("lu_pivots_to_permutation", _pivots_impl,
                                       _pivots_abstract, nondiff=True)
batch_stacked(lu_pivots_to_permutation_p, (1,))


def lu_pivots_to_permutation(piv, permutation_size: int):
    """The row permutation that LAPACK's sequence of row swaps ``piv`` makes."""
    return bind(lu_pivots_to_permutation_p, piv, permutation_size=int(permutation_size))


# ---------------------------------------------------------------------------------------------
# expm: the matrix exponential (scipy's Pade approximation), differentiated by its Frechet
# derivative, read off the exponential of a block matrix twice the size
# ---------------------------------------------------------------------------------------------

def _expm_impl(a):
    from scipy.linalg import expm as scipy_expm  # only fungrad.scipy.linalg reaches here
    a = np.asarray(a)
    if a.shape[-1] == 0:
        return a.copy()
    return np.asarray(scipy_expm(a)).astype(a.dtype, copy=False)


def _expm_abstract(a):
    square_matrices("expm", a)
    return a.strip_weak()


expm_p = primitive("expm", _expm_impl, _expm_abstract)


def expm(a):
    """The matrix exponential of each matrix of a stack."""
    return bind(expm_p, a)


def expm_frechet(a, e):
    """``L(a, e)``, the derivative of ``expm`` at ``a`` in the direction ``e``: the top right
    block of ``expm([[a, e], [0, a]])``."""
    nd = len(_shape(a))
    n = _shape(a)[-1]
    zero = mul(a, 0.0)
    top = concatenate([a, e], nd - 1)
    bottom = concatenate([zero, a], nd - 1)
    big = expm(concatenate([top, bottom], nd - 2))
    return slice_axis(slice_axis(big, nd - 2, 0, n), nd - 1, n, 2 * n)


def _expm_jvp(primals, tangents):
    a, = primals
    t = tangents[0]
    ans = expm(a)
    return ans, None if t is None else expm_frechet(a, cast(t, _dtype(ans)))


def _expm_vjp(g, primals, ans, needs):
    # <G, L(A, E)> = <L(A^T, G), E>: the Frechet derivative transposes at A^T
    return [expm_frechet(matrix_transpose(primals[0]), g)]


expm_p.jvp = _expm_jvp
expm_p.vjp = _expm_vjp
batch_stacked(expm_p, (2,))
