"""Linear-algebra primitives (stacked over leading dimensions, as numpy.linalg is): inv,
solve, det, slogdet and triangular_solve, plus the matrix helpers every linear-algebra rule
is written with. The factorizations (cholesky, qr, eigh, svd, eig, lu), det and matrix
functions live in ``decompositions``.

Their derivatives are the textbook matrix identities, written with fungrad's own operations:
``d inv(A) = -inv(A) dA inv(A)``, ``d solve(A, b) = solve(A, db - dA x)``,
``d det(A) = det(A) tr(inv(A) dA)``.

Complex conventions are JAX's: a reverse-mode rule is the *transpose* of the linear map its
forward rule applies (no conjugation), so for a map written ``dY = P dX Q`` the cotangent is
``P^T G Q^T``. Rules derived with the Hermitian inner product ``Re tr(G^H dY)`` (as the papers
write them) become JAX's by conjugating the cotangent in and the result out, which is what
``adjoint_to_transpose`` does; on real arrays it is the identity.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims import elementwise as ew
from fungrad.prims.elementwise import add, mul, neg, sub
from fungrad.prims.rules import defvjp, primitive
from fungrad.prims.structural import (
    broadcast_to, dot_general, expand_reduced, reduce_sum, reshape, transpose,
)


# ---------------------------------------------------------------------------------------------
# Matrix helpers for the rules (stacks of matrices in the last two axes)
# ---------------------------------------------------------------------------------------------

def _shape(x) -> tuple:
    return tuple(getattr(x, "shape", np.shape(x)))


def _dtype(x) -> np.dtype:
    d = getattr(x, "dtype", None)
    return d if d is not None else np.asarray(x).dtype


def square_matrices(name: str, aval: ShapedArray, arg: str = "a") -> None:
    """Raise unless ``aval`` is a (stack of) square inexact matrices."""
    if aval.ndim < 2 or aval.shape[-1] != aval.shape[-2]:
        raise ValueError(f"{name}: argument {arg} must be a square matrix (or a stack of them) "
                         f"in its last two dimensions, got {aval.str_short()}")
    inexact(name, aval, arg)


def matrices(name: str, aval: ShapedArray, arg: str = "a") -> None:
    """Raise unless ``aval`` is a (stack of) inexact matrices."""
    if aval.ndim < 2:
        raise ValueError(f"{name}: argument {arg} must be a matrix (or a stack of them) with "
                         f"at least 2 dimensions, got {aval.str_short()}")
    inexact(name, aval, arg)


def inexact(name: str, aval: ShapedArray, arg: str = "a") -> None:
    if aval.dtype.kind not in "fc":
        raise TypeError(f"{name}: argument {arg} must have a floating-point or complex dtype, "
                        f"got {aval.str_short()}")


def flat_stack(x: np.ndarray, core: int = 2) -> np.ndarray:
    """``x`` as one stack of its trailing ``core``-dimensional items (a view), for the
    impls that loop over LAPACK calls; an empty stack or empty items are fine."""
    count = int(math.prod(x.shape[:x.ndim - core]))
    return x.reshape((count,) + x.shape[x.ndim - core:])


def matmul(a, b):
    """Stacked matrix product of two arrays of equal rank >= 2."""
    n = len(_shape(a))
    batch = tuple(range(n - 2))
    return dot_general(a, b, (((n - 1,), (n - 2,)), (batch, batch)))


def matrix_transpose(a):
    n = len(_shape(a))
    return transpose(a, tuple(range(n - 2)) + (n - 1, n - 2))


def _complex_op(name: str):
    """fungrad's complex primitive ``name`` (``conj``, ``real``), which complex inputs need."""
    try:
        from fungrad.prims import complex as complex_prims
    except ImportError:
        complex_prims = None
    op = getattr(complex_prims, name, None)
    if op is None:
        raise NotImplementedError(f"complex linear algebra needs fungrad's complex {name} "
                                  "primitive, which this fungrad build lacks")
    return op


def conj(x):
    """Complex conjugate; the identity on real arrays (no equation is recorded)."""
    return _complex_op("conj")(x) if _dtype(x).kind == "c" else x


def real(x):
    """Real part; the identity on real arrays."""
    return _complex_op("real")(x) if _dtype(x).kind == "c" else x


def hermitian(a):
    """The conjugate transpose of a stack of matrices."""
    return conj(matrix_transpose(a))


def adjoint_to_transpose(rule, *cts):
    """JAX's cotangent from a rule written with the Hermitian inner product:
    ``conj(rule(conj(ct), ...))``. The identity on real values."""
    out = rule(*[conj(c) if c is not None else None for c in cts])
    if isinstance(out, (list, tuple)):
        return [None if o is None else conj(o) for o in out]
    return conj(out)


def cast(x, dtype):
    return x if _dtype(x) == dtype else ew.convert_element_type(x, dtype)


def tri_mask(shape: tuple, k: int, lower: bool, dtype) -> np.ndarray:
    """The constant ``tril(ones, k)`` (``triu`` if not ``lower``) for matrices of ``shape``."""
    return _tri_mask(shape[-2], shape[-1], k, lower, np.dtype(dtype))


@lru_cache(maxsize=64)
def _tri_mask(m: int, n: int, k: int, lower: bool, dtype: np.dtype) -> np.ndarray:
    mask = np.tril(np.ones((m, n)), k) if lower else np.triu(np.ones((m, n)), k)
    mask = mask.astype(dtype)
    mask.flags.writeable = False  # shared by every rule that asks for it
    return mask


def tril(x, k: int = 0):
    return mul(x, tri_mask(_shape(x), k, True, _dtype(x)))


def triu(x, k: int = 0):
    return mul(x, tri_mask(_shape(x), k, False, _dtype(x)))


def eye_like(x) -> np.ndarray:
    m, n = _shape(x)[-2:]
    return _eye(m, n, np.dtype(_dtype(x)))


@lru_cache(maxsize=64)
def _eye(m: int, n: int, dtype: np.dtype) -> np.ndarray:
    eye = np.eye(m, n, dtype=dtype)
    eye.flags.writeable = False
    return eye


def diagonal(x):
    """The main diagonal of each square matrix of a stack, as a stack of vectors."""
    return reduce_sum(mul(x, eye_like(x)), (len(_shape(x)) - 1,))


def diag_matrix(v, dtype=None):
    """Stack of diagonal matrices from a stack of vectors."""
    n = _shape(v)[-1]
    eye = np.eye(n, dtype=dtype or _dtype(v))
    return mul(reshape(v, _shape(v) + (1,)), eye)


def scale_columns(x, v):
    """``x @ diag(v)``: column j of each matrix times ``v[..., j]``."""
    return mul(x, reshape(v, _shape(v)[:-1] + (1, _shape(v)[-1])))


def scale_rows(x, v):
    """``diag(v) @ x``: row i of each matrix times ``v[..., i]``."""
    return mul(x, reshape(v, _shape(v) + (1,)))


# ---------------------------------------------------------------------------------------------
# inv
# ---------------------------------------------------------------------------------------------

def _inv_abstract(a):
    square_matrices("inv", a)
    return a.strip_weak()


def _pivoted_lu(a: np.ndarray):
    """LAPACK's getf2 in numpy, for one exactly singular matrix (numpy.linalg raises there):
    row pivoting on the largest modulus, a zero pivot left in place, as getrf leaves it."""
    lu = np.array(a)
    n = lu.shape[0]
    order = np.arange(n)
    for j in range(n):
        p = j + int(np.argmax(np.abs(lu[j:, j])))
        if p != j:
            lu[[j, p]] = lu[[p, j]]
            order[[j, p]] = order[[p, j]]
        if lu[j, j] != 0:
            lu[j + 1:, j] /= lu[j, j]
        lu[j + 1:, j + 1:] -= np.outer(lu[j + 1:, j], lu[j, j + 1:])
    return lu, order


def _singular_solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a^-1 b`` as JAX computes it for a singular ``a``: getrf's factors and triangular
    substitution, so the infs and NaNs are LAPACK's."""
    lu, order = _pivoted_lu(a)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y = _triangular_solve_impl(lu, b[order], True, False, False, True)
        return _triangular_solve_impl(lu, y, False, False, False, False)


def per_matrix(call, fallback, out_shape: tuple, dtype, *operands) -> np.ndarray:
    """``call(*operands)``, numpy.linalg's stacked call; where some matrix makes numpy raise
    (singular, not positive definite), one matrix at a time instead, with
    ``fallback(*items)`` (JAX's infs or NaNs) for the ones it refuses."""
    try:
        return call(*operands)
    except np.linalg.LinAlgError:
        pass
    out = np.empty(out_shape, dtype)
    flats, flat_out = [flat_stack(np.asarray(x)) for x in operands], flat_stack(out)
    for i in range(flat_out.shape[0]):
        items = [f[i] for f in flats]
        try:
            flat_out[i] = call(*items)
        except np.linalg.LinAlgError:
            flat_out[i] = fallback(*items)
    return out


def _inv_impl(a):
    a = np.asarray(a)
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    return per_matrix(np.linalg.inv, lambda m: _singular_solve(m, eye), a.shape, a.dtype, a)


inv_p = primitive("inv", _inv_impl, _inv_abstract)


def inv(a):
    return bind(inv_p, a)


def _inv_jvp(primals, tangents):
    ans = inv(primals[0])
    t = tangents[0]
    return ans, None if t is None else neg(matmul(matmul(ans, t), ans))


inv_p.jvp = _inv_jvp
defvjp(inv_p, lambda g, ans, a: neg(matmul(matmul(matrix_transpose(ans), g),
                                           matrix_transpose(ans))))


# ---------------------------------------------------------------------------------------------
# solve (stacked: b a vector only for a single matrix)
# ---------------------------------------------------------------------------------------------

def _solve_abstract(a, b):
    square_matrices("solve", a)
    inexact("solve", b, "b")
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


def _solve_impl(a, b):
    a, b = np.asarray(a), np.asarray(b)
    vector = b.ndim == 1  # one matrix, one vector
    b = b[:, None] if vector else b
    x = per_matrix(np.linalg.solve, _singular_solve, b.shape, np.result_type(a.dtype, b.dtype),
                   a, b)
    return x[:, 0] if vector else x


solve_p = primitive("solve", _solve_impl, _solve_abstract)


def solve(a, b):
    return bind(solve_p, a, b)


def _as_matrix(x, vector: bool):
    return reshape(x, _shape(x) + (1,)) if vector else x


def _solve_jvp(primals, tangents):
    a, b = primals
    x = solve(a, b)
    ta, tb = tangents
    if ta is None and tb is None:
        return x, None
    rhs = tb
    if ta is not None:
        vector = len(_shape(b)) == 1
        ta_x = matmul(ta, _as_matrix(x, vector))
        ta_x = reshape(ta_x, _shape(x)) if vector else ta_x
        rhs = neg(ta_x) if rhs is None else sub(rhs, ta_x)
    return x, solve(a, rhs)


def _solve_vjp(g, primals, ans, needs):
    a, b = primals
    ct_b = solve(matrix_transpose(a), g)  # shared by both cotangents
    ct_a = None
    if needs[0]:
        vector = len(_shape(b)) == 1
        ct_a = neg(matmul(_as_matrix(ct_b, vector), matrix_transpose(_as_matrix(ans, vector))))
    return [ct_a, ct_b if needs[1] else None]


solve_p.jvp = _solve_jvp
solve_p.vjp = _solve_vjp


# ---------------------------------------------------------------------------------------------
# slogdet (det, whose derivative needs the SVD at singular matrices, is in decompositions)
# ---------------------------------------------------------------------------------------------

def _slogdet_abstract(a):
    square_matrices("slogdet", a)
    real_dtype = np.finfo(a.dtype).dtype
    return [ShapedArray(a.shape[:-2], a.dtype), ShapedArray(a.shape[:-2], real_dtype)]


slogdet_p = primitive("slogdet", lambda a: list(np.linalg.slogdet(a)), _slogdet_abstract,
                      multiple_results=True)


def slogdet(a):
    """``[sign, log|det a|]``, stacked."""
    return bind(slogdet_p, a)


def _slogdet_jvp(primals, tangents):
    # d log|det A| = Re tr(A^-1 dA); for complex A the sign turns by i Im tr(A^-1 dA)
    a, = primals
    sign, logabsdet = slogdet(a)
    t = tangents[0]
    if t is None:
        return [sign, logabsdet], [None, None]
    trace = diagonal_sum(solve(a, t))
    d_log = real(trace)
    d_sign = None
    if _dtype(a).kind == "c":
        d_sign = mul(sign, sub(trace, cast(d_log, _dtype(trace))))
    return [sign, logabsdet], [d_sign, d_log]


def _slogdet_vjp(cts, primals, ans, needs):
    # transpose of t -> (sign * i Im tr(A^-1 t), Re tr(A^-1 t)): tr(A^-1 t) = <A^-T, t>
    a, = primals
    g_sign, g_log = cts
    sign, _ = ans
    coeff = cast(g_log, _dtype(a))
    if _dtype(a).kind == "c":
        # Im part: the transpose of z -> z - Re z is itself (JAX's convention)
        s = mul(g_sign, sign)
        coeff = add(coeff, sub(s, cast(real(s), _dtype(s))))
    n = len(_shape(a))
    weights = matrix_transpose(inv(a))
    return [mul(expand_reduced(coeff, _shape(a), (n - 2, n - 1)), weights)]


def diagonal_sum(x):
    """The trace of each matrix of a stack."""
    n = len(_shape(x))
    return reduce_sum(mul(x, eye_like(x)), (n - 2, n - 1))


slogdet_p.jvp = _slogdet_jvp
slogdet_p.vjp = _slogdet_vjp


# ---------------------------------------------------------------------------------------------
# triangular_solve: op(a) x = b with a triangular, op one of a, a^T, a^H, conj(a)
# ---------------------------------------------------------------------------------------------

def _triangular_solve_abstract(a, b, lower, transpose_a, conjugate_a, unit_diagonal):
    square_matrices("triangular_solve", a)
    inexact("triangular_solve", b, "b")
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"triangular_solve: a {a.str_short()} and b {b.str_short()} do not "
                         "fit: b must be a stack of (M, K) matrices with a's leading "
                         "dimensions")
    return ShapedArray(b.shape, np.result_type(a.dtype, b.dtype))


_TRIANGULAR_BLOCK = 32  # diagonal blocks this size are inverted; the rest is matmul


def _substitute(m, r, lower):
    """``m^-1 r`` for a stack of small triangular blocks by plain substitution, which gives
    LAPACK's infs and NaNs where a block is exactly singular."""
    x = np.empty(r.shape, np.result_type(m.dtype, r.dtype))
    k = m.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in (range(k) if lower else range(k - 1, -1, -1)):
            done = slice(0, i) if lower else slice(i + 1, k)
            x[..., i, :] = (r[..., i, :] - (m[..., i:i + 1, done] @ x[..., done, :])[..., 0, :]) \
                / m[..., i, i, None]
    return x


def _diagonal_blocks(m, lower, unit_diagonal, starts, dtype):
    """The triangles of the diagonal blocks of a stack of matrices, as one stack in the
    result's ``dtype`` (the last one padded with the identity), ready for one batched
    inverse."""
    n = m.shape[-1]
    size = min(_TRIANGULAR_BLOCK, n)
    d = np.zeros(m.shape[:-2] + (len(starts), size, size), dtype)
    full = n // size  # the whole blocks, read at once through a strided view of the diagonal
    row, col = m.strides[-2], m.strides[-1]
    d[..., :full, :, :] = np.lib.stride_tricks.as_strided(
        m, m.shape[:-2] + (full, size, size), m.strides[:-2] + (size * (row + col), row, col),
        writeable=False)
    if full < len(starts):
        s = starts[-1]
        w = n - s
        d[..., -1, :w, :w] = m[..., s:, s:]
        d[..., -1, range(w, size), range(w, size)] = 1
    d *= _tri_mask(size, size, 0, lower, np.dtype(dtype))
    if unit_diagonal:
        d[..., range(size), range(size)] = 1
    return d


def _lower_inverses(d):
    """The inverses of a stack of lower triangular matrices (their upper triangles zero),
    None if a diagonal holds a zero, by doubling: from the diagonal's reciprocals, each step
    inverts diagonal blocks twice the size, ``[[A, 0], [C, B]]^-1 = [[A^-1, 0],
    [-B^-1 C A^-1, B^-1]]``, for every block at once. LAPACK's inv costs several times
    more on small blocks (an LU and its inverse, per matrix); this is log2(m) pairs of
    batched matrix products."""
    m = d.shape[-1]
    p = 1 << (m - 1).bit_length()  # padded with the identity to a power of two
    if p == m:  # C order whatever d's layout (the views below assume it)
        neg = np.negative(d, out=np.empty(d.shape, d.dtype))
    else:
        neg = np.zeros(d.shape[:-2] + (p, p), d.dtype)
        np.negative(d, out=neg[..., :m, :m])
        neg[..., range(m, p), range(m, p)] = -1
    flat = neg.shape[:-2] + (p * p,)
    diagonal = neg.reshape(flat)[..., ::p + 1]
    if not diagonal.all():
        return None
    x = np.zeros(neg.shape, d.dtype)
    np.divide(-1, diagonal, out=x.reshape(flat)[..., ::p + 1])
    h = 1
    while h < p:
        xv, nv = _block_diagonal_view(x, 2 * h), _block_diagonal_view(neg, 2 * h)
        product = np.multiply if h == 1 else np.matmul  # 1 x 1 blocks: no BLAS call each
        product(product(xv[..., h:, h:], nv[..., h:, :h]), xv[..., :h, :h], out=xv[..., h:, :h])
        h *= 2
    return x[..., :m, :m]


def _block_diagonal_view(x, size):
    """The diagonal blocks of ``size`` of each matrix of a C-contiguous stack of square
    matrices, as a writeable view (the ndarray constructor: as_strided costs microseconds
    more a call)."""
    p, item = x.shape[-1], x.itemsize
    return np.ndarray(x.shape[:-2] + (p // size, size, size), x.dtype, buffer=x,
                      strides=x.strides[:-2] + (size * (p + 1) * item, p * item, item))


def _block_substitution(m, b, out, lower, unit_diagonal):
    """Solve ``m x = b`` into ``out`` for a stack of triangular ``m`` (reading only the
    ``lower`` or upper triangle) by block substitution: numpy has no trsm, so the diagonal
    blocks are inverted at once (one batched call) and the rest is matrix products, about
    as fast as LAPACK's trsm at the sizes that matter, without scipy. The off-diagonal
    blocks are read in place: a copy of the triangle would cost page faults."""
    n = m.shape[-1]
    starts = list(range(0, n, _TRIANGULAR_BLOCK))
    blocks = _diagonal_blocks(m, lower, unit_diagonal, starts, out.dtype)
    # by doubling (an upper block's inverse is the transpose of its transpose's): LAPACK's
    # inv, an LU and its inverse per block, took 10-15 us more at n=200; None: an exactly
    # singular block, solved by substitution as LAPACK does
    inverses = _lower_inverses(blocks if lower else blocks.mT)
    if inverses is not None and not lower:
        inverses = inverses.mT
    for i in (range(len(starts)) if lower else range(len(starts) - 1, -1, -1)):
        s = starts[i]
        e = min(s + _TRIANGULAR_BLOCK, n)
        done = slice(0, s) if lower else slice(e, n)
        r = b[..., s:e, :]
        if (s if lower else n - e):
            r = r - m[..., s:e, done] @ out[..., done, :]
        w = e - s
        out[..., s:e, :] = (inverses[..., i, :w, :w] @ r if inverses is not None else
                            _substitute(blocks[..., i, :w, :w], r, lower))


def _triangular_solve_impl(a, b, lower, transpose_a, conjugate_a, unit_diagonal):
    a, b = np.asarray(a), np.asarray(b)
    dtype = np.result_type(a.dtype, b.dtype)
    conjugate_a = conjugate_a and a.dtype.kind == "c"
    if conjugate_a:  # conj(m) x = b is m conj(x) = conj(b)
        b = np.conj(b)
    out = np.empty(b.shape, dtype)
    if b.size:
        m = np.swapaxes(a, -1, -2) if transpose_a else a
        _block_substitution(m, b, out, lower != transpose_a, unit_diagonal)
    return np.conj(out, out=out) if conjugate_a else out


triangular_solve_p = primitive("triangular_solve", _triangular_solve_impl,
                               _triangular_solve_abstract)


def triangular_solve(a, b, *, lower: bool = True, transpose_a: bool = False,
                     conjugate_a: bool = False, unit_diagonal: bool = False):
    """Solve ``op(a) x = b`` for a (stack of) triangular ``a``; ``op`` transposes and/or
    conjugates. Only the triangle named by ``lower`` (and not a unit diagonal) is read."""
    return bind(triangular_solve_p, a, b, lower=bool(lower), transpose_a=bool(transpose_a),
                conjugate_a=bool(conjugate_a), unit_diagonal=bool(unit_diagonal))


def solve_right(a, b, *, lower: bool, transpose_a: bool = False, conjugate_a: bool = False,
                unit_diagonal: bool = False):
    """Solve ``x op(a) = b``: the same as ``op(a)^T x^T = b^T``."""
    xt = triangular_solve(a, matrix_transpose(b), lower=lower, transpose_a=not transpose_a,
                          conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
    return matrix_transpose(xt)


def _op(x, transpose_a, conjugate_a):
    x = matrix_transpose(x) if transpose_a else x
    return conj(x) if conjugate_a else x


def _read_triangle(t, lower, unit_diagonal):
    k = (-1 if lower else 1) if unit_diagonal else 0
    return mul(t, tri_mask(_shape(t), k, lower, _dtype(t)))


def _triangular_solve_jvp(primals, tangents, **params):
    a, b = primals
    x = triangular_solve(a, b, **params)
    ta, tb = tangents
    if ta is None and tb is None:
        return x, None
    rhs = tb
    if ta is not None:
        da = _read_triangle(ta, params["lower"], params["unit_diagonal"])
        da_x = matmul(_op(da, params["transpose_a"], params["conjugate_a"]), x)
        rhs = neg(da_x) if rhs is None else sub(rhs, da_x)
    return x, triangular_solve(a, rhs, **params)


def _triangular_solve_vjp(g, primals, ans, needs, lower, transpose_a, conjugate_a,
                          unit_diagonal):
    a, b = primals
    # the transpose of x -> op(a)^-1 x is op(a)^-T: flip the transpose, keep the conjugation
    ct_b = triangular_solve(a, g, lower=lower, transpose_a=not transpose_a,
                            conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
    ct_a = None
    if needs[0]:
        c = neg(matmul(ct_b, matrix_transpose(ans)))  # cotangent of op(da)
        c = matrix_transpose(c) if transpose_a else c
        ct_a = _read_triangle(conj(c) if conjugate_a else c, lower, unit_diagonal)
    return [ct_a, ct_b if needs[1] else None]


triangular_solve_p.jvp = _triangular_solve_jvp
triangular_solve_p.vjp = _triangular_solve_vjp
triangular_solve_p.fresh_result = True  # its result is always a new array


# ---------------------------------------------------------------------------------------------
# Batching: numpy.linalg works on stacks of matrices, so a batch is one more stack dimension
# ---------------------------------------------------------------------------------------------

def batch_stacked(prim, core_ranks: tuple) -> None:
    """The batch rule of a primitive that maps over the leading dimensions of its operands
    (``core_ranks[i]`` trailing dimensions of operand i are its matrix): the unbatched
    operands are broadcast along the batch, then the primitive runs once on the stack."""
    def batch(args, batched, size, **params):
        lined = []
        for x, b, rank in zip(args, batched, core_ranks):
            if not b:
                x = broadcast_to(reshape(x, (1,) + _shape(x)), (size,) + _shape(x))
            lined.append(x)
        out = bind(prim, *lined, **params)
        return (out, [True] * len(out)) if prim.multiple_results else (out, True)
    prim.batch = batch


def _batch_solve(args, batched, size):
    a, b = args
    vector = len(_shape(b)) - batched[1] == 1 and len(_shape(a)) - batched[0] == 2
    if not batched[0]:
        a = broadcast_to(reshape(a, (1,) + _shape(a)), (size,) + _shape(a))
    if not batched[1]:
        b = broadcast_to(reshape(b, (1,) + _shape(b)), (size,) + _shape(b))
    if vector:  # one vector per example: a one-column matrix each
        return reshape(solve(a, reshape(b, _shape(b) + (1,))), _shape(b)), True
    return solve(a, b), True


for _p in (inv_p, slogdet_p):
    batch_stacked(_p, (2,))
batch_stacked(triangular_solve_p, (2, 2))
solve_p.batch = _batch_solve
