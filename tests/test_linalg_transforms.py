"""Every public function of fungrad.numpy.linalg and fungrad.scipy.linalg under ``jit`` and
``vmap``, in float64, float32, complex128 and complex64, against numpy and scipy on each
matrix of a stack; and second derivatives under ``jit`` and ``vmap``.

The value tests of the other linalg modules are eager; this module closes the gaps an audit
found (functions checked eagerly only, or under the transforms in one dtype only). Eigen- and
singular vectors are compared as numpy gives them: vmap runs LAPACK on the whole stack, which
computes each matrix exactly as numpy's own stacked call does.
"""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
import fungrad.scipy.linalg as SL
from helpers import assert_derivatives

scipy_linalg = pytest.importorskip("scipy.linalg")

DTYPES = [np.float64, np.float32, np.complex128, np.complex64]


def _random(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.normal(size=shape)
    return x


def general(dtype, seed, n=3):
    return (_random((n, n), dtype, seed) + 2 * n * np.eye(n)).astype(dtype)


def hermitian_pd(dtype, seed, n=3):
    z = _random((n, n), dtype, seed)
    return (z @ np.conj(z.T) + n * np.eye(n)).astype(dtype)


def rectangular(dtype, seed, m, n):
    return _random((m, n), dtype, seed).astype(dtype)


def lower_triangular(dtype, seed):
    return np.tril(general(dtype, seed))


def _phase_fixed(m, wv):
    """Eigenvalues and eigenvectors, each vector's phase (sign) fixed by its first entry:
    scipy's eigh driver and numpy's differ in it, as LAPACK allows."""
    w, v = wv
    first = v[..., :1, :]
    return w, v * m.conj(first) / m.abs(first)


# name -> (call with numpy-like module m and scipy.linalg-like s, maker(dtype, seed))
CASES = {
    # numpy.linalg
    "cholesky": (lambda m, s, a: m.linalg.cholesky(a), hermitian_pd),
    "cholesky_upper": (lambda m, s, a: m.linalg.cholesky(a, upper=True) if m is fnp else
                       np.conj(np.linalg.cholesky(a).T), hermitian_pd),
    "qr": (lambda m, s, a: tuple(m.linalg.qr(a)), lambda d, k: rectangular(d, k, 4, 3)),
    "qr_complete": (lambda m, s, a: tuple(m.linalg.qr(a, "complete")),
                    lambda d, k: rectangular(d, k, 4, 2)),
    "qr_r": (lambda m, s, a: m.linalg.qr(a, "r"), lambda d, k: rectangular(d, k, 3, 4)),
    "eigh": (lambda m, s, a: tuple(m.linalg.eigh(a)), hermitian_pd),
    "eigvalsh": (lambda m, s, a: m.linalg.eigvalsh(a, UPLO="U"), hermitian_pd),
    "svd": (lambda m, s, a: tuple(m.linalg.svd(a, full_matrices=False)),
            lambda d, k: rectangular(d, k, 4, 3)),
    "svd_values": (lambda m, s, a: m.linalg.svd(a, compute_uv=False),
                   lambda d, k: rectangular(d, k, 2, 4)),
    "svdvals": (lambda m, s, a: m.linalg.svdvals(a), lambda d, k: rectangular(d, k, 3, 3)),
    "eigvals": (lambda m, s, a: m.linalg.eigvals(a), general),
    "eig": (lambda m, s, a: m.linalg.eig(a)[0], general),
    "pinv": (lambda m, s, a: m.linalg.pinv(a), lambda d, k: rectangular(d, k, 4, 3)),
    "lstsq": (lambda m, s, a: m.linalg.lstsq(a, a[:, 0] + 1)[0],
              lambda d, k: rectangular(d, k, 4, 3)),
    "matrix_power": (lambda m, s, a: m.linalg.matrix_power(a, 3), general),
    "matrix_power_neg": (lambda m, s, a: m.linalg.matrix_power(a, -2), general),
    "matrix_rank": (lambda m, s, a: m.linalg.matrix_rank(a), general),
    "cond": (lambda m, s, a: m.linalg.cond(a), general),
    "cond_1": (lambda m, s, a: m.linalg.cond(a, 1), general),
    "det": (lambda m, s, a: m.linalg.det(a), general),
    "slogdet": (lambda m, s, a: tuple(m.linalg.slogdet(a)), general),
    "inv": (lambda m, s, a: m.linalg.inv(a), general),
    "solve": (lambda m, s, a: m.linalg.solve(a, a[:, :2] + 1), general),
    "tensorinv": (lambda m, s, a: m.linalg.tensorinv(a.reshape(2, 2, 4), 2),
                  lambda d, k: general(d, k, 4)),
    "tensorsolve": (lambda m, s, a: m.linalg.tensorsolve(a.reshape(2, 2, 4), a[0].reshape(2, 2)),
                    lambda d, k: general(d, k, 4)),
    "multi_dot": (lambda m, s, a: m.linalg.multi_dot([a, a.T, a]),
                  lambda d, k: rectangular(d, k, 3, 2)),
    "norm": (lambda m, s, a: m.linalg.norm(a), lambda d, k: rectangular(d, k, 3, 2)),
    "norm_nuc": (lambda m, s, a: m.linalg.norm(a, "nuc"), lambda d, k: rectangular(d, k, 3, 2)),
    "norm_2": (lambda m, s, a: m.linalg.norm(a, 2), lambda d, k: rectangular(d, k, 3, 2)),
    "norm_neg2": (lambda m, s, a: m.linalg.norm(a, -2), lambda d, k: rectangular(d, k, 3, 2)),
    "norm_1": (lambda m, s, a: m.linalg.norm(a, 1), lambda d, k: rectangular(d, k, 3, 2)),
    "norm_neg_inf": (lambda m, s, a: m.linalg.norm(a, -np.inf),
                     lambda d, k: rectangular(d, k, 3, 2)),
    "norm_vector_p": (lambda m, s, a: m.linalg.norm(a[0], 3), lambda d, k: rectangular(d, k, 2, 4)),
    "matrix_norm": (lambda m, s, a: m.linalg.matrix_norm(a, ord=np.inf),
                    lambda d, k: rectangular(d, k, 3, 2)),
    "vector_norm": (lambda m, s, a: m.linalg.vector_norm(a, ord=1, axis=0),
                    lambda d, k: rectangular(d, k, 3, 2)),
    "cross": (lambda m, s, a: m.linalg.cross(a, a[::-1]), lambda d, k: rectangular(d, k, 2, 3)),
    "outer": (lambda m, s, a: m.linalg.outer(a[0], a[1]), lambda d, k: rectangular(d, k, 2, 3)),
    "trace": (lambda m, s, a: m.linalg.trace(a, offset=1), general),
    "diagonal": (lambda m, s, a: m.linalg.diagonal(a, offset=-1), general),
    "matmul": (lambda m, s, a: m.linalg.matmul(a, a.T), lambda d, k: rectangular(d, k, 2, 3)),
    "tensordot": (lambda m, s, a: m.linalg.tensordot(a, a, axes=1), general),
    "vecdot": (lambda m, s, a: m.linalg.vecdot(a, a[::-1]), lambda d, k: rectangular(d, k, 2, 3)),
    "matrix_transpose": (lambda m, s, a: m.linalg.matrix_transpose(a),
                         lambda d, k: rectangular(d, k, 2, 3)),
    # scipy.linalg
    "scipy_cholesky": (lambda m, s, a: s.cholesky(a), hermitian_pd),
    "scipy_cho_solve": (lambda m, s, a: s.cho_solve(s.cho_factor(a, lower=True), a[:, 0]),
                        hermitian_pd),
    "scipy_solve_triangular": (lambda m, s, a: s.solve_triangular(a, a[:, :2] + 1, lower=True),
                               lower_triangular),
    "scipy_solve_triangular_C_unit": (
        lambda m, s, a: s.solve_triangular(a, a[:, 0], trans="C", lower=True,
                                           unit_diagonal=True), lower_triangular),
    "scipy_lu": (lambda m, s, a: tuple(s.lu(a))[1:], lambda d, k: rectangular(d, k, 3, 4)),
    "scipy_lu_factor": (lambda m, s, a: s.lu_factor(a)[0], general),
    "scipy_lu_solve": (lambda m, s, a: s.lu_solve(s.lu_factor(a), a[0], trans=1), general),
    "scipy_solve_pos": (lambda m, s, a: s.solve(a, a[:, 1], assume_a="pos"), hermitian_pd),
    "scipy_solve_sym": (lambda m, s, a: s.solve(a + a.T, a[:, 1], assume_a="sym"), general),
    "scipy_inv": (lambda m, s, a: s.inv(a), general),
    "scipy_det": (lambda m, s, a: s.det(a) if m is fnp else np.linalg.det(a), general),
    "scipy_eigh": (lambda m, s, a: _phase_fixed(m, s.eigh(a)), hermitian_pd),
    "scipy_eigh_values": (lambda m, s, a: s.eigh(a, eigvals_only=True, lower=False),
                          hermitian_pd),
    "scipy_svd": (lambda m, s, a: tuple(s.svd(a, full_matrices=False)),
                  lambda d, k: rectangular(d, k, 4, 3)),
    "scipy_qr": (lambda m, s, a: tuple(s.qr(a, mode="economic")),
                 lambda d, k: rectangular(d, k, 4, 3)),
    "scipy_polar": (lambda m, s, a: tuple(s.polar(a)), general),
    "scipy_expm": (lambda m, s, a: s.expm(0.1 * a), general),
    "scipy_expm_frechet": (lambda m, s, a: tuple(s.expm_frechet(0.1 * a, a.T)), general),
    "scipy_toeplitz": (lambda m, s, a: s.toeplitz(a[0], a[1]), lambda d, k: rectangular(d, k, 2, 3)),
    "scipy_block_diag": (lambda m, s, a: s.block_diag(a, a[:1]),
                         lambda d, k: rectangular(d, k, 2, 3)),
}

# scipy.linalg.det computes complex64 in complex128 and float32 in float64; JAX (and
# fungrad) keep the input's precision, which numpy.linalg.det's reference also does.
SINGLE = (np.float32, np.complex64)


def _leaves(x):
    return [np.asarray(v) for v in fungrad.tree_util.tree_leaves(x)]


def _assert_close(ours, theirs, dtype):
    ours, theirs = _leaves(ours), _leaves(theirs)
    assert len(ours) == len(theirs)
    single = np.dtype(dtype) in [np.dtype(d) for d in SINGLE]
    for o, t in zip(ours, theirs):
        if t.dtype.kind == "i":  # pivots and ranks: scipy's int32/int64 by platform
            assert o.dtype.kind == "i"
            np.testing.assert_array_equal(o, t)
            continue
        assert o.shape == t.shape and o.dtype == t.dtype, (o.shape, o.dtype, t.shape, t.dtype)
        np.testing.assert_allclose(o, t, rtol=2e-3 if single else 1e-9,
                                   atol=2e-4 if single else 1e-11)


# scipy computes these in double precision whatever the input; JAX and fungrad keep it
WIDENED_BY_SCIPY = {"scipy_expm_frechet"}
# eigenvalues of a general matrix come in LAPACK's order, compared sorted
UNORDERED = {"eigvals", "eig"}


def _sorted(w):
    return w[np.lexsort((np.round(w.imag, 3), np.round(w.real, 3)))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_jit_and_vmap_match_numpy_and_scipy(name, dtype):
    fn, make = CASES[name]
    stack = np.stack([make(dtype, 1), make(dtype, 2)])
    ours = lambda a: fn(fnp, SL, a)  # noqa: E731
    theirs = [fn(np, scipy_linalg, a) for a in stack]
    if name in WIDENED_BY_SCIPY:
        theirs = [fungrad.tree_util.tree_map(lambda t: np.asarray(t).astype(
            np.result_type(dtype, np.asarray(t).dtype.kind == "c" and np.complex64 or dtype)),
            t) for t in theirs]
    if name in UNORDERED:
        ours = (lambda f: lambda a: fungrad.tree_util.tree_leaves(f(a))[0])(ours)
        theirs = [_sorted(np.asarray(fungrad.tree_util.tree_leaves(t)[0])) for t in theirs]
        _assert_close(_sorted(np.asarray(fungrad.jit(ours)(stack[0]))), theirs[0], dtype)
        batched = np.asarray(fungrad.vmap(ours)(stack))
        for k in range(2):
            _assert_close(_sorted(batched[k]), theirs[k], dtype)
        return
    _assert_close(fungrad.jit(ours)(stack[0]), theirs[0], dtype)
    batched = fungrad.vmap(ours)(stack)
    for k in range(2):
        _assert_close(fungrad.tree_util.tree_map(lambda x: np.asarray(x)[k], batched),
                      theirs[k], dtype)


# ---------------------------------------------------------------------------------------------
# Second derivatives under jit and vmap: the Hessian-vector product of a scalar loss through
# each decomposition, jitted and mapped over a stack, against finite differences of the
# eager gradient (whose own derivatives the eager tests check)
# ---------------------------------------------------------------------------------------------

def _spd(seed):
    return hermitian_pd(np.float64, seed)


LOSSES = {
    "cholesky": (lambda a: fnp.sum(fnp.linalg.cholesky(a) ** 2 * np.arange(9.0).reshape(3, 3)),
                 _spd),
    "eigh": (lambda a: fnp.sum(fnp.linalg.eigh(a)[0] * np.arange(1.0, 4.0))
             + fnp.sum(fnp.linalg.eigh(a)[1] ** 2 * np.arange(9.0).reshape(3, 3)), _spd),
    "svd": (lambda a: fnp.sum(fnp.linalg.svdvals(a) ** 3), lambda k: general(np.float64, k)),
    "qr": (lambda a: fnp.sum(fnp.linalg.qr(a)[1] ** 2 * np.arange(9.0).reshape(3, 3)),
           lambda k: general(np.float64, k)),
    "solve": (lambda a: fnp.sum(fnp.linalg.solve(a, np.arange(3.0)) ** 2),
              lambda k: general(np.float64, k)),
    "slogdet": (lambda a: fnp.linalg.slogdet(a)[1], lambda k: general(np.float64, k)),
    # cho_factor reads one triangle; its derivative is JAX's symmetric one, so the loss
    # symmetrizes first to be a smooth function of every entry (as the Hessian assumes)
    "cho_solve": (lambda a: fnp.sum(SL.cho_solve(SL.cho_factor((a + a.T) / 2), np.ones(3)) ** 2),
                  _spd),
    "lu_solve": (lambda a: fnp.sum(SL.lu_solve(SL.lu_factor(a), np.ones(3)) ** 2),
                 lambda k: general(np.float64, k)),
    "expm": (lambda a: fnp.sum(SL.expm(0.2 * a) ** 2), lambda k: general(np.float64, k) / 6),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_second_derivatives_under_jit_and_vmap(name):
    loss, make = LOSSES[name]
    stack = np.stack([make(3), make(4)])
    direction = np.random.default_rng(5).normal(size=(3, 3))
    direction = direction + direction.T  # symmetric: the spd inputs stay spd

    def hvp(a):
        return fungrad.jvp(fungrad.grad(loss), (a,), (direction,))[1]

    eps = 1e-5
    expected = np.stack([(fungrad.grad(loss)(a + eps * direction)
                          - fungrad.grad(loss)(a - eps * direction)) / (2 * eps) for a in stack])
    np.testing.assert_allclose(fungrad.jit(hvp)(stack[0]), expected[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fungrad.vmap(hvp)(stack), expected, rtol=1e-5, atol=1e-6)
    rev_over_rev = fungrad.jit(fungrad.vmap(fungrad.grad(lambda a: fnp.vdot(
        fungrad.grad(loss)(a), direction))))(stack)
    np.testing.assert_allclose(rev_over_rev, expected, rtol=1e-5, atol=1e-6)


def test_float32_and_complex64_gradients_keep_their_precision():
    for dtype in (np.float32, np.complex64):
        a = hermitian_pd(dtype, 6)
        for loss in (lambda a: fnp.sum(fnp.abs(fnp.linalg.cholesky(a)) ** 2),
                     lambda a: fnp.sum(fnp.linalg.eigvalsh(a) ** 2),
                     lambda a: fnp.linalg.norm(a, "nuc"),
                     lambda a: fnp.sum(fnp.abs(SL.cho_solve(SL.cho_factor(a), np.ones(3)))),
                     lambda a: fnp.sum(fnp.abs(fnp.linalg.inv(a)) ** 2)):
            g = fungrad.jit(fungrad.grad(loss))(a)
            assert g.dtype == dtype, (g.dtype, dtype)
            wide = fungrad.grad(loss)(a.astype(np.complex128 if dtype == np.complex64
                                               else np.float64))
            np.testing.assert_allclose(g, wide, rtol=2e-3, atol=2e-3)


def test_derivatives_of_the_functions_without_eager_rows():
    # the functions the derivative tables of the other modules leave out
    a = general(np.float64, 7)
    assert_derivatives(lambda a: fnp.linalg.matrix_norm(a, ord=-1), (a,))
    assert_derivatives(lambda a: fnp.linalg.vector_norm(a, ord=-np.inf, axis=1), (a,))
    assert_derivatives(lambda a: fnp.linalg.eigh(a, UPLO="U")[0], (_spd(8),))
    assert_derivatives(lambda a: SL.solve(a, np.arange(3.0), assume_a="sym"), (a + a.T,))
    assert_derivatives(lambda a: SL.solve_triangular(a, np.ones(3), trans="C", lower=True),
                       (np.tril(a),))
    assert_derivatives(lambda a: tuple(SL.polar(a, "left")), (a,))
