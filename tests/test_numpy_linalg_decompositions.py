"""fungrad.numpy.linalg's factorizations and the functions built on them: values against
numpy (float64, float32, complex, stacked), derivatives of first and second order in both
modes against finite differences on well-conditioned inputs, jit and vmap, and errors.

Eigen- and singular vectors are defined up to sign (phase), so derivative checks go through
quantities the sign does not change (``v * v[0]``-style products, reconstructions) or
through the vectors themselves, whose sign LAPACK keeps under a small perturbation.
"""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, rand

L = fnp.linalg


def orthogonal(n, seed):
    q, _ = np.linalg.qr(rand((n, n), seed=seed))
    return q


def spd(n, seed=0, batch=()):
    """Symmetric positive definite with well-separated eigenvalues 1, 2, ..., n."""
    mats = [orthogonal(n, seed + i) @ np.diag(np.arange(1.0, n + 1)) @ orthogonal(n, seed + i).T
            for i in range(int(np.prod(batch)))]
    return np.array(mats).reshape(batch + (n, n))


def distinct_sv(m, n, seed=0):
    """An m x n matrix with singular values 3, 2, 1, ... (well separated, none zero)."""
    k = min(m, n)
    s = np.zeros((m, n))
    s[range(k), range(k)] = np.arange(k, 0, -1) + 1.0
    return orthogonal(m, seed) @ s @ orthogonal(n, seed + 50)


def general(n, seed=0):
    return rand((n, n), seed=seed) + n * np.eye(n)


def sym(x):
    return (x + fnp.swapaxes(x, -1, -2)) / 2


def sign_fixed(v):
    """Eigen/singular vectors with the sign of each column fixed by its first entry."""
    return v * fnp.sign(v[..., :1, :])


# ---------------------------------------------------------------------------------------------
# Values against numpy
# ---------------------------------------------------------------------------------------------

VALUE_CASES = [
    ("cholesky", lambda m, a: m.linalg.cholesky(a), lambda: spd(3)),
    ("cholesky_batched", lambda m, a: m.linalg.cholesky(a), lambda: spd(3, batch=(2, 2))),
    ("cholesky_upper", lambda m, a: m.linalg.cholesky(a, upper=True), lambda: spd(3)),
    ("qr", lambda m, a: tuple(m.linalg.qr(a)), lambda: rand((4, 3))),
    ("qr_wide", lambda m, a: tuple(m.linalg.qr(a)), lambda: rand((2, 4, 5))),
    ("qr_complete", lambda m, a: tuple(m.linalg.qr(a, "complete")), lambda: rand((4, 3))),
    ("qr_r", lambda m, a: m.linalg.qr(a, "r"), lambda: rand((4, 3))),
    ("eigh", lambda m, a: tuple(m.linalg.eigh(a)), lambda: spd(3, batch=(2,))),
    ("eigh_upper", lambda m, a: tuple(m.linalg.eigh(a, UPLO="U")), lambda: spd(3)),
    ("eigvalsh", lambda m, a: m.linalg.eigvalsh(a), lambda: spd(4)),
    ("svd", lambda m, a: tuple(m.linalg.svd(a)), lambda: rand((2, 4, 3))),
    ("svd_reduced", lambda m, a: tuple(m.linalg.svd(a, full_matrices=False)),
     lambda: rand((3, 5))),
    ("svd_values", lambda m, a: m.linalg.svd(a, compute_uv=False), lambda: rand((3, 5))),
    ("svd_hermitian_values", lambda m, a: m.linalg.svd(a, hermitian=True)[1],
     lambda: spd(3) - 2 * np.eye(3)),
    ("svdvals", lambda m, a: m.linalg.svdvals(a), lambda: rand((2, 3, 2))),
    ("pinv", lambda m, a: m.linalg.pinv(a), lambda: rand((2, 4, 3))),
    ("matrix_power_5", lambda m, a: m.linalg.matrix_power(a, 5), lambda: rand((3, 3))),
    ("matrix_power_0", lambda m, a: m.linalg.matrix_power(a, 0), lambda: rand((2, 3, 3))),
    ("matrix_power_neg", lambda m, a: m.linalg.matrix_power(a, -2), lambda: general(3)),
    ("matrix_rank", lambda m, a: m.linalg.matrix_rank(a), lambda: np.outer([1., 2, 3], [1., 1])),
    ("matrix_rank_stack", lambda m, a: m.linalg.matrix_rank(a), lambda: rand((2, 3, 3))),
    ("cond", lambda m, a: m.linalg.cond(a), lambda: general(3)),
    ("cond_neg2", lambda m, a: m.linalg.cond(a, -2), lambda: general(3)),
    ("cond_fro", lambda m, a: m.linalg.cond(a, "fro"), lambda: general(3)),
    ("cond_inf", lambda m, a: m.linalg.cond(a, np.inf), lambda: general(3)),
    ("slogdet", lambda m, a: tuple(m.linalg.slogdet(a)), lambda: rand((2, 3, 3))),
    ("tensorinv", lambda m, a: m.linalg.tensorinv(a, 1), lambda: general(6).reshape(6, 2, 3)),
    ("tensorsolve", lambda m, a: m.linalg.tensorsolve(a, np.ones((2, 3))),
     lambda: general(6).reshape(2, 3, 6)),
    ("multi_dot", lambda m, a: m.linalg.multi_dot([a, a.T, a, np.ones(3)]),
     lambda: rand((4, 3))),
    ("norm_nuc", lambda m, a: m.linalg.norm(a, "nuc"), lambda: rand((3, 4))),
    ("norm_2", lambda m, a: m.linalg.norm(a, 2), lambda: rand((3, 4))),
    ("norm_neg2", lambda m, a: m.linalg.norm(a, -2), lambda: rand((3, 4))),
    ("norm_2_axes_keep", lambda m, a: m.linalg.norm(a, 2, axis=(0, 2), keepdims=True),
     lambda: rand((3, 2, 4))),
    ("matrix_norm", lambda m, a: m.linalg.matrix_norm(a, ord="nuc"), lambda: rand((2, 3, 4))),
    ("matrix_norm_keep", lambda m, a: m.linalg.matrix_norm(a, keepdims=True),
     lambda: rand((2, 3, 4))),
    ("vector_norm", lambda m, a: m.linalg.vector_norm(a, ord=3, axis=(0, 2)),
     lambda: rand((2, 3, 4))),
    ("vector_norm_all", lambda m, a: m.linalg.vector_norm(a, keepdims=True),
     lambda: rand((2, 3))),
    ("vector_norm_inf", lambda m, a: m.linalg.vector_norm(a, ord=np.inf, axis=1),
     lambda: rand((2, 3))),
    ("trace", lambda m, a: m.linalg.trace(a, offset=1), lambda: rand((2, 3, 3))),
    ("diagonal", lambda m, a: m.linalg.diagonal(a), lambda: rand((2, 3, 4))),
    ("matrix_transpose", lambda m, a: m.linalg.matrix_transpose(a), lambda: rand((2, 3, 4))),
    ("outer", lambda m, a: m.linalg.outer(a, a[::-1]), lambda: rand((3,))),
    ("cross", lambda m, a: m.linalg.cross(a, a[::-1]), lambda: rand((2, 3))),
    ("cross_axis", lambda m, a: m.linalg.cross(a, a[:, ::-1], axis=0), lambda: rand((3, 2))),
    ("tensordot", lambda m, a: m.linalg.tensordot(a, a, axes=1), lambda: rand((3, 3))),
    ("vecdot", lambda m, a: m.linalg.vecdot(a, a), lambda: rand((2, 3))),
    ("matmul", lambda m, a: m.linalg.matmul(a, a), lambda: rand((2, 3, 3))),
]


def _leaves(x):
    return [np.asarray(v) for v in fungrad.tree_util.tree_leaves(x)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fn,make", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_values_match_numpy(name, fn, make, dtype):
    a = make().astype(dtype)
    ours, theirs = _leaves(fn(fnp, a)), _leaves(fn(np, a))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.shape == t.shape and o.dtype == t.dtype, (o.shape, o.dtype, t.shape, t.dtype)
        np.testing.assert_allclose(o, t, rtol=1e-4 if dtype == np.float32 else 1e-9,
                                   atol=1e-4 if dtype == np.float32 else 1e-10)


def test_lstsq_matches_numpy():
    a, b = rand((5, 3), seed=1), rand((5, 2), seed=2)
    for ours, theirs in zip(L.lstsq(a, b, numpy_resid=True), np.linalg.lstsq(a, b)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    x, resid, rank, s = L.lstsq(a, b[:, 0])  # JAX's residuals: |b - a x|^2
    np.testing.assert_allclose(resid, np.sum((b[:, 0] - a @ x) ** 2), rtol=1e-10)
    x, resid, rank, _ = L.lstsq(np.outer([1.0, 2, 3], [1.0, 1.0]), np.ones(3),
                                numpy_resid=True)
    ref = np.linalg.lstsq(np.outer([1.0, 2, 3], [1.0, 1.0]), np.ones(3))
    np.testing.assert_allclose(x, ref[0], rtol=1e-10)
    assert rank == ref[2] == 1 and resid.shape == ref[1].shape == (0,)


def test_eig_is_complex_and_reconstructs():
    a = rand((2, 3, 3), seed=3)
    w, v = L.eig(a)
    assert w.dtype == v.dtype == np.complex128
    np.testing.assert_allclose(np.sort_complex(w.ravel()),
                               np.sort_complex(np.linalg.eigvals(a).ravel()), rtol=1e-10)
    np.testing.assert_allclose(a @ v, v * w[..., None, :], atol=1e-10)
    w32 = L.eigvals(a.astype(np.float32))
    assert w32.dtype == np.complex64


def test_complex_values():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(2, 3, 3)) + 1j * rng.normal(size=(2, 3, 3))
    h = z @ np.conj(np.swapaxes(z, -1, -2)) + 3 * np.eye(3)
    # symmetrize_input=False: the primitives alone, without fungrad.numpy.conj
    np.testing.assert_allclose(L.cholesky(h, symmetrize_input=False), np.linalg.cholesky(h),
                               rtol=1e-10)
    w, v = L.eigh(h, symmetrize_input=False)
    assert w.dtype == np.float64 and v.dtype == np.complex128
    np.testing.assert_allclose(w, np.linalg.eigvalsh(h), rtol=1e-10)
    np.testing.assert_allclose(L.svd(z, compute_uv=False), np.linalg.svdvals(z), rtol=1e-10)
    q, r = L.qr(z)
    np.testing.assert_allclose(q @ r, z, atol=1e-12)
    sign, logabsdet = L.slogdet(z)
    ref_sign, ref_log = np.linalg.slogdet(z)
    np.testing.assert_allclose(sign, ref_sign, rtol=1e-10)
    np.testing.assert_allclose(logabsdet, ref_log, rtol=1e-10)
    np.testing.assert_allclose(L.inv(z), np.linalg.inv(z), rtol=1e-10)
    assert L.cholesky(h.astype(np.complex64), symmetrize_input=False).dtype == np.complex64


def test_norm_of_complex_input_is_real():
    x = np.array([1j, 1 + 1j, 2.0])
    out = L.norm(x)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, np.linalg.norm(x), rtol=1e-12)
    m = np.array([[1j, 2.0], [3.0, -4j]])
    for ord_ in (None, "fro", "nuc", 2, 1, np.inf):
        got = L.norm(m, ord_)
        assert got.dtype == np.float64, ord_
        np.testing.assert_allclose(got, np.linalg.norm(m, ord_), rtol=1e-12)
    assert L.norm(x.astype(np.complex64)).dtype == np.float32


def test_not_positive_definite_cholesky_is_nan_as_jax():
    out = L.cholesky(np.stack([np.eye(2), -np.eye(2)]))
    np.testing.assert_array_equal(out[0], np.eye(2))
    assert np.isnan(out[1]).all()


# ---------------------------------------------------------------------------------------------
# Derivatives: first and second order, both modes
# ---------------------------------------------------------------------------------------------

DERIVATIVE_CASES = [
    ("cholesky", lambda a: L.cholesky(a), lambda: spd(3)),
    ("cholesky_batched", lambda a: L.cholesky(a), lambda: spd(2, batch=(2,))),
    ("cholesky_upper", lambda a: L.cholesky(a, upper=True), lambda: spd(3)),
    ("qr_tall", lambda a: tuple(L.qr(a)), lambda: rand((4, 3), seed=5)),
    ("qr_square_batched", lambda a: tuple(L.qr(a)), lambda: rand((2, 3, 3), seed=6)),
    ("qr_wide", lambda a: tuple(L.qr(a)), lambda: rand((2, 4), seed=7)),
    ("qr_r", lambda a: L.qr(a, "r"), lambda: rand((3, 2), seed=8)),
    ("qr_complete_tall", lambda a: tuple(L.qr(a, "complete")), lambda: rand((5, 3), seed=40)),
    ("qr_complete_tall_batched", lambda a: tuple(L.qr(a, "complete")),
     lambda: rand((2, 3, 1), seed=41)),
    ("qr_complete_wide", lambda a: tuple(L.qr(a, "complete")), lambda: rand((2, 3), seed=42)),
    ("qr_complete_empty", lambda a: tuple(L.qr(a, "complete")), lambda: rand((3, 0), seed=43)),
    ("eigh", lambda a: (L.eigh(a)[0], sign_fixed(L.eigh(a)[1])), lambda: spd(3, seed=9)),
    ("eigh_batched_symmetrized", lambda a: tuple(L.eigh(a)),
     lambda: spd(3, seed=10, batch=(2,)) + 0.1 * rand((2, 3, 3), seed=11)),
    ("eigvalsh", lambda a: L.eigvalsh(a), lambda: spd(4, seed=12)),
    ("svd_tall", lambda a: tuple(L.svd(a, full_matrices=False)), lambda: distinct_sv(4, 3)),
    ("svd_wide", lambda a: tuple(L.svd(a, full_matrices=False)), lambda: distinct_sv(2, 4, 1)),
    ("svd_square", lambda a: tuple(L.svd(a)), lambda: distinct_sv(3, 3, 2)),
    ("svdvals", lambda a: L.svdvals(a), lambda: distinct_sv(3, 2, 3)),
    ("svd_hermitian", lambda a: L.svd(a, hermitian=True, compute_uv=False),
     lambda: spd(3, seed=13) - 2.2 * np.eye(3)),
    ("pinv_tall", lambda a: L.pinv(a), lambda: distinct_sv(4, 2, 4)),
    ("lstsq", lambda a, b: L.lstsq(a, b)[0], lambda: (distinct_sv(4, 2, 5), rand((4,), seed=15))),
    ("matrix_power", lambda a: L.matrix_power(a, 3), lambda: rand((2, 2), seed=16)),
    ("matrix_power_neg", lambda a: L.matrix_power(a, -2), lambda: general(3, seed=17)),
    ("cond", lambda a: L.cond(a), lambda: distinct_sv(3, 3, 6)),
    ("cond_1", lambda a: L.cond(a, 1), lambda: general(3, seed=18)),
    ("slogdet", lambda a: L.slogdet(a)[1], lambda: rand((2, 3, 3), seed=19)),
    ("tensorsolve", lambda a, b: L.tensorsolve(a, b),
     lambda: (general(4, seed=20).reshape(2, 2, 4), rand((2, 2), seed=21))),
    ("tensorinv", lambda a: L.tensorinv(a), lambda: general(4, seed=22).reshape(2, 2, 2, 2)),
    ("multi_dot", lambda a, b, c: L.multi_dot([a, b, c]),
     lambda: (rand((2, 3), seed=23), rand((3, 4), seed=24), rand((4,), seed=25))),
    ("norm_nuc", lambda a: L.norm(a, "nuc"), lambda: distinct_sv(3, 2, 7)),
    ("norm_2", lambda a: L.norm(a, 2), lambda: distinct_sv(2, 3, 8)),
    ("norm_neg2_axes", lambda a: L.norm(a, -2, axis=(0, 2)),
     lambda: np.stack([distinct_sv(3, 2, 9), distinct_sv(3, 2, 10)], 1)),
    ("matrix_norm_inf", lambda a: L.matrix_norm(a, ord=np.inf), lambda: rand((2, 3, 3), seed=1)),
    ("vector_norm_p", lambda a: L.vector_norm(a, ord=3, axis=(0, 1)), lambda: rand((2, 2, 3))),
]


@pytest.mark.parametrize("name,fn,make", DERIVATIVE_CASES, ids=[c[0] for c in DERIVATIVE_CASES])
def test_derivatives(name, fn, make):
    args = make()
    args = args if isinstance(args, tuple) else (args,)
    assert_derivatives(fn, args)


def test_known_gradients():
    a = spd(3, seed=30)
    # d log det A = A^-T; through the Cholesky factor: 2 sum log diag L
    g = fungrad.grad(lambda a: 2 * fnp.sum(fnp.log(fnp.diagonal(L.cholesky(a)))))(a)
    np.testing.assert_allclose(g, np.linalg.inv(a).T, rtol=1e-9)
    # the sum of eigenvalues is the trace; the largest singular value's gradient is u v^T
    np.testing.assert_allclose(fungrad.grad(lambda a: fnp.sum(L.eigvalsh(a)))(a), np.eye(3),
                               atol=1e-12)
    b = distinct_sv(3, 3, 31)
    u, s, vh = np.linalg.svd(b)
    np.testing.assert_allclose(fungrad.grad(lambda b: L.norm(b, 2))(b),
                               np.outer(u[:, 0], vh[0]), atol=1e-10)
    # the nuclear norm's gradient is u vh
    np.testing.assert_allclose(fungrad.grad(lambda b: L.norm(b, "nuc"))(b), u @ vh, atol=1e-10)


def test_pinv_derivative_at_rank_deficient_matrix_is_jaxs():
    # the fixed-rank derivative (finite differences would see the rank jump); JAX 0.10 gives
    # -1/6 everywhere for this gradient
    g = fungrad.grad(lambda a: fnp.sum(L.pinv(a)))(np.ones((3, 2)))
    np.testing.assert_allclose(g, np.full((3, 2), -1.0 / 6.0), rtol=1e-10)


def test_repeated_eigenvalues_behave_as_jax():
    # eigenvalue derivatives stay finite, eigenvector derivatives are undefined (NaN)
    eye = np.eye(3)
    np.testing.assert_allclose(fungrad.grad(lambda a: fnp.sum(L.eigvalsh(a)))(eye), eye)
    np.testing.assert_allclose(fungrad.grad(lambda a: fnp.sum(L.svdvals(a)))(eye), eye)
    # an eigen/singular-vector output nobody reads adds nothing (JAX's symbolic zero)
    np.testing.assert_allclose(fungrad.grad(lambda a: fnp.sum(L.eigh(a)[0]))(eye), eye)
    np.testing.assert_allclose(fungrad.grad(lambda a: fnp.sum(L.svd(a)[1]))(eye), eye)
    np.testing.assert_allclose(fungrad.grad(lambda a: L.norm(a, 2))(np.diag([3.0, 1, 1])),
                               np.diag([1.0, 0, 0]), atol=1e-12)  # JAX 0.10's value
    with np.errstate(divide="ignore", invalid="ignore"):  # 1 / (w_j - w_i) = inf, as JAX
        assert np.isnan(fungrad.grad(lambda a: fnp.sum(L.eigh(a)[1]))(eye)).all()


def test_eigvals_forward_derivative():
    a = rand((3, 3), seed=32)
    t = rand((3, 3), seed=33)
    eps = 1e-6
    _, tw = fungrad.jvp(L.eigvals, (a,), (t,))
    w = np.linalg.eigvals(a)
    order = np.argsort(w.real + 1e-3 * w.imag)
    w_plus = np.linalg.eigvals(a + eps * t)
    w_minus = np.linalg.eigvals(a - eps * t)
    np.testing.assert_allclose(tw[order], ((w_plus - w_minus) / (2 * eps))[order], rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(NotImplementedError, match="eigenvectors"):
        fungrad.jvp(lambda a: L.eig(a)[1], (a,), (t,))


def test_full_matrices_svd_derivative_refuses_as_jax():
    with pytest.raises(NotImplementedError, match="full matrices"):
        fungrad.grad(lambda a: fnp.sum(L.svd(a)[0]))(rand((3, 2)))


def test_float32_derivatives_stay_float32():
    a = spd(3).astype(np.float32)
    for f in (lambda a: fnp.sum(L.cholesky(a)), lambda a: fnp.sum(L.eigvalsh(a)),
              lambda a: L.norm(a, "nuc"), lambda a: fnp.sum(L.qr(a)[1]),
              lambda a: fnp.sum(L.pinv(a))):
        g = fungrad.grad(f)(a)
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, fungrad.grad(f)(a.astype(np.float64)), rtol=2e-3,
                                   atol=2e-3)


# ---------------------------------------------------------------------------------------------
# jit and vmap
# ---------------------------------------------------------------------------------------------

TRANSFORM_CASES = [
    ("cholesky", lambda a: L.cholesky(a)),
    ("qr", lambda a: L.qr(a)[1]),
    ("eigh", lambda a: L.eigh(a)[0]),
    ("svd", lambda a: L.svd(a)[1]),
    ("slogdet", lambda a: L.slogdet(a)[1]),
    ("inv", lambda a: L.inv(a)),
    ("solve", lambda a: L.solve(a, np.arange(3.0))),
    ("pinv", lambda a: L.pinv(a)),
    ("eigvals", lambda a: L.eigvals(a)),
    ("norm_nuc", lambda a: L.norm(a, "nuc")),
    ("grad_cholesky", fungrad.grad(lambda a: fnp.sum(L.cholesky(a) ** 2))),
    ("grad_eigh", fungrad.grad(lambda a: fnp.sum(L.eigh(a)[1][0] ** 2))),
    ("grad_qr_complete_tall", fungrad.grad(
        lambda a: fnp.sum(L.qr(a[:, :2], "complete")[0] * np.arange(3.0)))),
]


@pytest.mark.parametrize("name,fn", TRANSFORM_CASES, ids=[c[0] for c in TRANSFORM_CASES])
def test_jit_and_vmap(name, fn):
    stack = spd(3, seed=40, batch=(2,))
    expected = np.stack([np.asarray(fn(a)) for a in stack])
    np.testing.assert_allclose(fungrad.jit(fn)(stack[0]), expected[0], rtol=1e-10)
    np.testing.assert_allclose(fungrad.vmap(fn)(stack), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fungrad.vmap(fn, in_axes=2)(np.moveaxis(stack, 0, 2)),
                               expected, rtol=1e-9, atol=1e-12)


def test_vmap_of_gradient_of_batched_decompositions():
    stack = spd(3, seed=41, batch=(2, 2))
    f = fungrad.grad(lambda a: fnp.sum(L.svdvals(a) ** 3) + fnp.sum(L.qr(a)[1]))
    got = fungrad.vmap(f)(stack)
    expected = np.stack([f(a) for a in stack])
    np.testing.assert_allclose(got, expected, rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call,shape,dtype", [
    (L.cholesky, (2, 3), np.float64), (L.eigh, (3,), np.float64), (L.eigvalsh, (2, 3), None),
    (L.inv, (2, 3), np.float64), (L.det, (3,), np.float64), (L.eig, (2, 3), np.float64),
    (L.qr, (3,), np.float64), (L.svd, (3,), np.float64), (L.slogdet, (4, 3), np.float64),
    (L.pinv, (3,), np.float64), (lambda a: L.matrix_power(a, 2), (2, 3), np.float64),
])
def test_bad_shapes_name_function_argument_and_shape(call, shape, dtype):
    a = np.ones(shape)
    for f in (call, lambda a: fungrad.make_jaxpr(call)(a)):
        with pytest.raises(ValueError) as info:
            f(a)
        msg = str(info.value)
        assert "f64[" + ",".join(map(str, shape)) + "]" in msg, msg
        assert "argument a" in msg or "matrix_power" in msg, msg
    assert np.allclose(L.inv(np.eye(2)), np.eye(2))  # the next call works


@pytest.mark.parametrize("call", [
    lambda: L.norm(np.ones(3), axis=1), lambda: L.norm(np.ones((2, 3)), axis=(0, 2)),
    lambda: L.norm(np.ones((2, 3)), axis=-3), lambda: L.norm(np.ones((2, 3)), axis=(1, 1)),
    lambda: L.vector_norm(np.ones((2, 3)), axis=2), lambda: L.norm(np.ones((2, 3)), "bad"),
    lambda: L.norm(np.ones(3), "fro"), lambda: L.qr(np.ones((2, 2)), "raw"),
    lambda: L.eigh(np.eye(2), UPLO="X"), lambda: L.outer(np.ones((2, 2)), np.ones(2)),
    lambda: L.cross(np.ones(2), np.ones(2)), lambda: L.matrix_norm(np.ones(3)),
])
def test_bad_arguments_raise_value_errors(call):
    with pytest.raises(ValueError):
        call()


def test_integer_input_is_float64_and_matrix_power_needs_integer():
    assert L.cholesky(np.array([[4, 2], [2, 2]])).dtype == np.float64
    with pytest.raises(TypeError, match="integer"):
        L.matrix_power(np.eye(2), 1.5)
    with pytest.raises(TypeError, match=r"cholesky: argument a .*i64\[2,2\]"):
        fungrad.make_jaxpr(fungrad.prims.decompositions.cholesky)(np.ones((2, 2), np.int64))


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0)])
@pytest.mark.parametrize("name", ["cholesky", "eigh", "svd", "qr", "inv", "slogdet", "pinv",
                                  "det", "eigvalsh"])
def test_empty_matrices(name, shape):
    a = np.zeros(shape)
    ours, theirs = getattr(L, name)(a), getattr(np.linalg, name)(a)
    assert [np.shape(x) for x in _leaves(ours)] == [np.shape(x) for x in _leaves(theirs)]
    g = fungrad.grad(lambda a: sum(fnp.sum(x) for x in fungrad.tree_util.tree_leaves(
        getattr(L, name)(a))))(a)
    assert g.shape == shape


def cofactors(a):
    n = a.shape[0]
    return np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1))
                      for j in range(n)] for i in range(n)])


@pytest.mark.parametrize("a", [np.zeros((3, 3)), np.outer([1.0, 2, 3], [1.0, -1, 2]),
                               np.outer([1.0, 2, 3], [1.0, -1, 2]) + np.outer([0.0, 1, 1],
                                                                             [1.0, 0, 0])],
                         ids=["zero", "rank1", "rank2"])
def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix(a):
    # as JAX: finite, the cofactors (where det(A) inv(A)^T has no value)
    np.testing.assert_allclose(fungrad.grad(L.det)(a), cofactors(a), atol=1e-12)
    _, t = fungrad.jvp(L.det, (a,), (np.ones((3, 3)),))
    np.testing.assert_allclose(t, np.sum(cofactors(a)), atol=1e-12)


def test_det_second_derivatives_at_the_identity():
    with np.errstate(all="ignore"):  # the SVD branch, not taken, divides by gaps of 0
        assert_derivatives(L.det, (np.eye(3),))


# ---------------------------------------------------------------------------------------------
# cholesky's reverse rule, one primitive exploiting the triangular factors
# ---------------------------------------------------------------------------------------------

def _cholesky_cotangent_reference(l, g):
    """``L^-T Phi(L^T G) conj(L)^-1`` by plain numpy solves."""
    n = l.shape[-1]
    phi = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
    lt = np.swapaxes(l, -1, -2)
    return np.swapaxes(np.linalg.solve(np.conj(lt), np.swapaxes(
        np.linalg.solve(lt, (lt @ g) * phi), -1, -2)), -1, -2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
@pytest.mark.parametrize("shape", [(1, 1), (5, 5), (2, 40, 40), (0, 0)])
def test_cholesky_cotangent_values(shape, dtype):
    from fungrad.prims.decompositions import cholesky_cotangent
    rng = np.random.default_rng(60)
    z = rng.normal(size=shape) + (1j * rng.normal(size=shape) if np.dtype(dtype).kind == "c"
                                  else 0)
    a = z @ np.conj(np.swapaxes(z, -1, -2)) + shape[-1] * np.eye(shape[-1])
    l = np.linalg.cholesky(a).astype(dtype)
    g = rng.normal(size=shape).astype(dtype)
    want = _cholesky_cotangent_reference(l.astype(np.complex128), g.astype(np.complex128))
    single = np.dtype(dtype) in (np.float32, np.complex64)
    for got in (cholesky_cotangent(l, g), fungrad.jit(cholesky_cotangent)(l, g),
                cholesky_cotangent(l + np.triu(np.ones(shape, dtype), 1), g)):  # upper unread
        assert got.dtype == dtype and got.shape == shape
        np.testing.assert_allclose(got, want, rtol=1e-4 if single else 1e-10,
                                   atol=1e-5 if single else 1e-12)


@pytest.mark.parametrize("name", ["cholesky_cotangent", "cholesky_cotangent_hermitian"])
def test_cholesky_cotangents_derivatives_and_vmap(name):
    from fungrad.prims import decompositions
    rule = getattr(decompositions, name)
    rng = np.random.default_rng(61)
    for kind in ("real", "complex"):
        z = rng.normal(size=(3, 3)) + (1j * rng.normal(size=(3, 3)) if kind == "complex" else 0)
        l = np.linalg.cholesky(z @ np.conj(z.T) + 3 * np.eye(3))
        g = rng.normal(size=(3, 3)) * (1 - 0.5j if kind == "complex" else 1)
        assert_derivatives(rule, (l, g))
    ls = np.linalg.cholesky(spd(3, seed=62, batch=(2,)))
    gs = rng.normal(size=(2, 3, 3))
    want = np.stack([rule(a, b) for a, b in zip(ls, gs)])
    np.testing.assert_allclose(fungrad.vmap(rule)(ls, gs), want, rtol=1e-12)
    np.testing.assert_allclose(fungrad.vmap(rule, (None, 0))(ls[0], gs),
                               np.stack([rule(ls[0], b) for b in gs]), rtol=1e-12)


def _hermitian_part(x):
    return (x + np.conj(np.swapaxes(x, -1, -2))) / 2


# n = 70 and 33 are not multiples of the sweep's block (32), 64 is; 0 and 1 are the edges
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
@pytest.mark.parametrize("shape", [(0, 0), (1, 1), (5, 5), (2, 33, 33), (64, 64), (70, 70),
                                   (3, 0, 0)])
def test_cholesky_cotangent_hermitian_is_the_hermitian_part_of_the_formula(shape, dtype):
    from fungrad.prims.decompositions import cholesky_cotangent_hermitian
    rng = np.random.default_rng(63)
    cplx = np.dtype(dtype).kind == "c"
    z = rng.normal(size=shape) + (1j * rng.normal(size=shape) if cplx else 0)
    a = z @ np.conj(np.swapaxes(z, -1, -2)) / max(shape[-1], 1) + np.eye(shape[-1])
    l = np.linalg.cholesky(a).astype(dtype)
    g = (rng.normal(size=shape) + (1j * rng.normal(size=shape) if cplx else 0)).astype(dtype)
    wide = np.complex128 if cplx else np.float64
    want = _hermitian_part(_cholesky_cotangent_reference(l.astype(wide), g.astype(wide)))
    single = np.dtype(dtype) in (np.float32, np.complex64)
    upper = np.triu(np.full(shape, 7.0), 1).astype(dtype)
    for got in (cholesky_cotangent_hermitian(l, g),
                fungrad.jit(cholesky_cotangent_hermitian)(l, g),
                cholesky_cotangent_hermitian(l + upper, g)):  # l's upper triangle unread
        assert got.dtype == dtype and got.shape == shape
        np.testing.assert_allclose(got, want, rtol=1e-4 if single else 1e-10,
                                   atol=1e-4 if single else 1e-12)


def test_cholesky_cotangent_hermitian_mixed_dtypes_and_singular_factor():
    from fungrad.prims.decompositions import cholesky_cotangent, cholesky_cotangent_hermitian
    l = np.linalg.cholesky(spd(40, seed=64))
    g = rand((40, 40), seed=65)
    got = cholesky_cotangent_hermitian(l.astype(np.float32), g)  # promotes, as h does
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, _hermitian_part(cholesky_cotangent(l.astype(np.float32), g)),
                               rtol=1e-10, atol=1e-12)
    # an exactly singular factor takes h's general solves: the same infs and NaNs
    l[3, 3] = 0.0
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(cholesky_cotangent_hermitian(l, g),
                                      _hermitian_part(cholesky_cotangent(l, g)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
@pytest.mark.parametrize("shape", [(1, 1), (3, 5, 5), (7, 32, 32), (2, 3, 12, 12)])
def test_lower_inverses_by_doubling_against_numpy_inv(shape, dtype):
    from fungrad.prims.decompositions import _lower_inverses
    rng = np.random.default_rng(70)
    cplx = np.dtype(dtype).kind == "c"
    z = rng.normal(size=shape) + (1j * rng.normal(size=shape) if cplx else 0)
    d = np.linalg.cholesky(z @ np.conj(np.swapaxes(z, -1, -2)) / shape[-1] + np.eye(shape[-1]))
    got = _lower_inverses(d.astype(dtype))
    assert got.dtype == dtype and got.shape == shape
    single = np.dtype(dtype) in (np.float32, np.complex64)
    np.testing.assert_allclose(got, np.linalg.inv(d), rtol=0, atol=1e-5 if single else 1e-13)
    d[(0,) * (len(shape) - 2) + (shape[-1] - 1, shape[-1] - 1)] = 0
    assert _lower_inverses(d.astype(dtype)) is None  # a zero on a diagonal: no inverses


@pytest.mark.parametrize("kind", ["real", "complex"])
def test_symmetrizing_cholesky_primitive_differentiates_its_hermitian_part(kind):
    # a non-Hermitian input: the value, and so every derivative, is that of (a + a^H) / 2
    from fungrad.prims.decompositions import cholesky
    rng = np.random.default_rng(68)
    z = rng.normal(size=(3, 3)) + (1j * rng.normal(size=(3, 3)) if kind == "complex" else 0)
    a = spd(3, seed=69) + 0.3 * z
    np.testing.assert_allclose(cholesky(a, symmetrize_input=True),
                               np.linalg.cholesky(_hermitian_part(a)), rtol=1e-12)
    assert_derivatives(lambda a: cholesky(a, symmetrize_input=True), (a,))
    grad = fungrad.grad(lambda a: fnp.real(fnp.sum(cholesky(a, symmetrize_input=True))))(a)
    np.testing.assert_allclose(grad, _hermitian_part(grad), atol=1e-12)  # Hermitian


def test_exactly_singular_inv_and_solve_give_jaxs_infs():
    # numpy.linalg raises LinAlgError; JAX returns LAPACK's getrf/trsm infs and NaNs (values
    # of JAX 0.10.2 on these inputs), and so a singular matrix no longer stops a whole stack
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    with np.errstate(all="ignore"):
        jax_inv = np.array([[-np.inf, np.inf], [np.inf, -np.inf]])
        for f in (L.inv, fungrad.jit(L.inv), lambda a: L.matrix_power(a, -1)):
            np.testing.assert_array_equal(f(sing), jax_inv)
        np.testing.assert_array_equal(L.inv(np.zeros((2, 2))),
                                      np.array([[np.nan, np.nan], [np.nan, np.inf]]))
        np.testing.assert_array_equal(L.solve(sing, np.ones(2)), [-np.inf, np.inf])
        stack = np.stack([sing, np.eye(2)])
        for f in (L.inv, fungrad.vmap(L.inv)):
            got = f(stack)
            np.testing.assert_array_equal(got[0], jax_inv)
            np.testing.assert_array_equal(got[1], np.eye(2))
        np.testing.assert_array_equal(L.solve(stack, np.ones((2, 2, 1)))[1], np.ones((2, 1)))
        assert L.inv(sing.astype(np.complex64)).dtype == np.complex64
        # cond: numpy's and JAX's inf for a singular matrix in every norm
        for p in (None, 1, -1, np.inf, -np.inf, "fro", 2, -2):
            want = np.linalg.cond(sing, p)  # inf, or ~1e16 (~1e-17 for -2) through the svd
            got = fungrad.jit(lambda a: L.cond(a, p))(sing)
            np.testing.assert_allclose(got, want, rtol=1e-6)
            np.testing.assert_allclose(L.cond(np.zeros((2, 2)), p), np.inf)
