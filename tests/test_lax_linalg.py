"""fungrad.lax.linalg, approx_max_k/approx_min_k, ragged_dot (against JAX's recorded values),
composite and platform_dependent, and the coverage script's reason table."""
from __future__ import annotations

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.lax import linalg
from helpers import assert_derivatives, assert_same_as_numpy, rand

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURE = np.load(ROOT / "tests" / "fixtures" / "lax_extras.npz")


def _spd(n, seed=0, batch=()):
    a = rand(batch + (n, n), seed=seed)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


# ----------------------------------------------------------------------------- lax.linalg
def test_cholesky():
    x = _spd(3, batch=(2,))
    l = linalg.cholesky(x)
    assert_same_as_numpy(l, np.linalg.cholesky(x))
    # symmetrize_input reads (x + x^T) / 2; without it only the lower triangle counts
    skew = x + np.triu(np.ones((3, 3)), 1)
    assert_same_as_numpy(linalg.cholesky(skew), np.linalg.cholesky((skew + np.swapaxes(
        skew, -1, -2)) / 2))
    assert_same_as_numpy(linalg.cholesky(skew, symmetrize_input=False), np.linalg.cholesky(x))
    assert_same_as_numpy(fungrad.jit(linalg.cholesky)(x), np.linalg.cholesky(x))
    assert_same_as_numpy(fungrad.vmap(linalg.cholesky)(x), np.linalg.cholesky(x))
    assert linalg.cholesky(x.astype(np.float32)).dtype == np.float32
    assert_derivatives(linalg.cholesky, (x[0],))
    with pytest.raises(TypeError, match=r"lax\.linalg\.cholesky: x must be a \(stack of\) "
                                        r"square float or complex matrices, got f64\[2,3\]"):
        linalg.cholesky(np.ones((2, 3)))


def test_eigh_and_svd():
    x = _spd(4, seed=1)
    v, w = linalg.eigh(x)
    assert_same_as_numpy(w, np.linalg.eigvalsh(x))
    np.testing.assert_allclose(v @ np.diag(w) @ v.T, x, rtol=1e-12, atol=1e-12)
    v2, w2 = linalg.eigh(x, subset_by_index=(1, 3))
    assert_same_as_numpy(w2, np.linalg.eigvalsh(x)[1:3])
    assert v2.shape == (4, 2)
    assert_derivatives(lambda x: linalg.eigh(x)[1], (x,))
    a = rand((4, 3), seed=2)
    u, s, vh = linalg.svd(a)
    assert u.shape == (4, 4) and vh.shape == (3, 3)  # full_matrices=True, as in lax
    assert_same_as_numpy(s, np.linalg.svd(a, compute_uv=False))
    np.testing.assert_allclose(u[:, :3] * s @ vh, a, rtol=1e-12, atol=1e-12)
    assert_same_as_numpy(linalg.svd(a, compute_uv=False, subset_by_index=(0, 2)),
                         np.linalg.svd(a, compute_uv=False)[:2])
    assert_same_as_numpy(fungrad.vmap(lambda m: linalg.svd(m, compute_uv=False))(
        np.stack([a, 2 * a])), np.linalg.svd(np.stack([a, 2 * a]), compute_uv=False))
    assert_derivatives(lambda a: linalg.svd(a, compute_uv=False), (a,))
    with pytest.raises(ValueError, match=r"subset_by_index \(2, 5\) must satisfy"):
        linalg.svd(a, subset_by_index=(2, 5))


def test_qr_lu_and_permutations():
    a = rand((4, 3), seed=3)
    q, r = linalg.qr(a)
    assert q.shape == (4, 4) and r.shape == (4, 3)
    np.testing.assert_allclose(q @ r, a, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.tril(r, -1), 0, atol=1e-14)
    q, r = linalg.qr(a, full_matrices=False)
    assert_derivatives(lambda a: linalg.qr(a, full_matrices=False)[1], (a,))
    with pytest.raises(NotImplementedError, match="column pivoting"):
        linalg.qr(a, pivoting=True)
    m = rand((3, 3), seed=4)
    packed, pivots, perm = linalg.lu(m)
    l, u = np.tril(packed, -1) + np.eye(3), np.triu(packed)
    np.testing.assert_allclose(m[perm], l @ u, rtol=1e-12, atol=1e-12)
    assert pivots.dtype == np.int32 and perm.dtype == np.int32
    assert_same_as_numpy(linalg.lu_pivots_to_permutation(pivots, 3), perm)
    assert_derivatives(lambda m: linalg.lu(m)[0], (m,))
    with pytest.raises(TypeError, match="pivots must be an integer array"):
        linalg.lu_pivots_to_permutation(np.array([1.0]), 2)


@pytest.mark.parametrize("left_side", [True, False])
@pytest.mark.parametrize("lower,transpose_a", [(True, False), (False, True), (True, True)])
def test_triangular_solve(left_side, lower, transpose_a):
    a = np.tril(rand((3, 3), seed=5)) + 3 * np.eye(3)
    a = a if lower else a.T
    b = rand((3, 2) if left_side else (2, 3), seed=6)
    op = a.T if transpose_a else a
    x = linalg.triangular_solve(a, b, left_side=left_side, lower=lower,
                                transpose_a=transpose_a)
    expected = np.linalg.solve(op, b) if left_side else np.linalg.solve(op.T, b.T).T
    assert_same_as_numpy(x, expected, rtol=1e-10)
    f = fungrad.jit(lambda a, b: linalg.triangular_solve(
        a, b, left_side=left_side, lower=lower, transpose_a=transpose_a))
    assert_same_as_numpy(f(a, b), expected, rtol=1e-10)
    assert_derivatives(lambda a, b: linalg.triangular_solve(
        a, b, left_side=left_side, lower=lower, transpose_a=transpose_a), (a, b))


def test_triangular_solve_bad_input():
    a = np.eye(3)
    with pytest.raises(TypeError, match=r"b f64\[3,2\] must be a stack of matrices like a "
                                        r"f64\[3,3\] with 3 columns"):
        linalg.triangular_solve(a, np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"lax\.linalg\.triangular_solve requires arguments to "
                                        "have the same dtypes"):
        linalg.triangular_solve(a, np.ones((2, 3), np.float32))


def test_tridiagonal_solve_and_schur():
    rng = np.random.default_rng(7)
    dl, d, du = rng.uniform(-1, 1, (2, 4)), rng.uniform(3, 4, (2, 4)), rng.uniform(-1, 1, (2, 4))
    dl[:, 0] = du[:, -1] = 0.0
    b = rng.uniform(-1, 1, (2, 4, 3))
    dense = np.stack([np.diag(d[i]) + np.diag(dl[i, 1:], -1) + np.diag(du[i, :-1], 1)
                      for i in range(2)])
    assert_same_as_numpy(linalg.tridiagonal_solve(dl, d, du, b), np.linalg.solve(dense, b),
                         rtol=1e-10)
    assert_same_as_numpy(fungrad.vmap(linalg.tridiagonal_solve)(dl, d, du, b),
                         np.linalg.solve(dense, b), rtol=1e-10)
    assert_derivatives(linalg.tridiagonal_solve, (dl[0], d[0], du[0], b[0]))
    with pytest.raises(TypeError, match="dl, d and du must be float arrays of one shape"):
        linalg.tridiagonal_solve(dl[0], d[0], du[0, :3], b[0])
    m = rand((3, 3), seed=8)
    t, q = linalg.schur(m)
    np.testing.assert_allclose(q @ t @ q.T, m, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(q @ q.T, np.eye(3), atol=1e-12)


# ----------------------------------------------------------------------------- approx top-k
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_approx_max_and_min_k(dtype):
    x = (rand((3, 5, 4), seed=9) * 10).astype(dtype)
    for dim in (-1, 1, 0):
        for k in (0, 2):
            vmax, imax = lax.approx_max_k(x, k, reduction_dimension=dim)
            vmin, imin = lax.approx_min_k(x, k, reduction_dimension=dim)
            ordered = np.sort(x, axis=dim)
            n = x.shape[dim]
            assert_same_as_numpy(vmax, np.flip(np.take(ordered, range(n - k, n), axis=dim),
                                               axis=dim))
            assert_same_as_numpy(vmin, np.take(ordered, range(k), axis=dim))
            assert imax.dtype == imin.dtype == np.int32
            assert_same_as_numpy(np.take_along_axis(x, imax, dim), vmax)
            assert_same_as_numpy(np.take_along_axis(x, imin, dim), vmin)
    v, i = fungrad.jit(lambda x: lax.approx_max_k(x, 2, 1))(x)
    assert_same_as_numpy(v, lax.approx_max_k(x, 2, 1)[0])
    v, i = fungrad.vmap(lambda x: lax.approx_min_k(x, 1))(x)
    assert_same_as_numpy(v, np.sort(x, -1)[..., :1])


def test_approx_k_derivatives_and_errors():
    x = rand((2, 5), seed=10)
    assert_derivatives(lambda x: lax.approx_max_k(x, 3)[0], (x,))
    assert_derivatives(lambda x: lax.approx_min_k(x, 2, reduction_dimension=0)[0], (x,))
    with pytest.raises(ValueError, match="approx_min_k: k must be between 0 and the reduced "
                                         "axis size 5, got 6"):
        lax.approx_min_k(x, 6)
    with pytest.raises(ValueError, match="top_k: k must be between"):
        lax.approx_max_k(x, -1)
    with pytest.raises(ValueError, match="approx_max_k: the operand must have at least one"):
        lax.approx_max_k(1.0, 1)


# ----------------------------------------------------------------------------- ragged_dot
def test_ragged_dot_against_jax():
    lhs, rhs, sizes = FIXTURE["ragged_lhs"], FIXTURE["ragged_rhs"], FIXTURE["ragged_sizes"]
    assert_same_as_numpy(lax.ragged_dot(lhs, rhs, sizes), FIXTURE["ragged_out"])
    out, pullback = fungrad.vjp(lambda a, b: lax.ragged_dot(a, b, sizes), lhs, rhs)
    g_lhs, g_rhs = pullback(FIXTURE["ragged_ct"])
    assert_same_as_numpy(g_lhs, FIXTURE["ragged_g_lhs"])
    assert_same_as_numpy(g_rhs, FIXTURE["ragged_g_rhs"])
    # group sizes may be traced: one compiled function serves other groupings
    f = fungrad.jit(lax.ragged_dot)
    assert_same_as_numpy(f(lhs, rhs, sizes), FIXTURE["ragged_out"])
    other = np.array([3, 3, 1], np.int32)
    starts = np.concatenate([[0], np.cumsum(other)])
    expected = np.concatenate([lhs[starts[g]:starts[g + 1]] @ rhs[g] for g in range(3)])
    assert_same_as_numpy(f(lhs, rhs, other), expected)
    assert_same_as_numpy(fungrad.vmap(lambda a: lax.ragged_dot(a, rhs, other))(
        np.stack([lhs, 2 * lhs])), np.stack([expected, 2 * expected]))
    assert_derivatives(lambda a, b: lax.ragged_dot(a, b, other), (lhs, rhs))
    assert lax.ragged_dot(lhs.astype(np.float32), rhs.astype(np.float32),
                          sizes).dtype == np.float32
    assert lax.ragged_dot(np.zeros((0, 3)), rhs, np.zeros(3, np.int32)).shape == (0, 2)


def test_ragged_dot_bad_input():
    with pytest.raises(TypeError, match=r"ragged_dot: expected lhs \(m, k\), rhs \(g, k, n\) "
                                        r"and integer group_sizes \(g,\), got lhs f64\[4,3\], "
                                        r"rhs f64\[2,2,2\]"):
        lax.ragged_dot(np.ones((4, 3)), np.ones((2, 2, 2)), np.array([2, 2]))
    with pytest.raises(TypeError, match="group_sizes"):
        lax.ragged_dot(np.ones((4, 3)), np.ones((2, 3, 2)), np.array([2.0, 2.0]))
    with pytest.raises(NotImplementedError, match="group_offset"):
        lax.ragged_dot(np.ones((4, 3)), np.ones((2, 3, 2)), np.array([2, 2]),
                       group_offset=np.array([0]))


# ----------------------------------------------------------------------------- staging hints
def test_composite_is_its_decomposition():
    scale = lax.composite(lambda x, *, n: x * n, name="my.scale")
    x = rand((3,))
    assert_same_as_numpy(scale(x, n=3.0), 3.0 * x)
    assert_same_as_numpy(fungrad.jit(lambda x: scale(x, n=2.0))(x), 2.0 * x)
    assert_same_as_numpy(fungrad.vmap(lambda x: scale(x, n=2.0))(x), 2.0 * x)
    tangent = lax.composite(lambda x: lax.sin(x) / lax.cos(x), name="my.tangent")
    assert_derivatives(tangent, (rand((3,), low=-1, high=1),))
    assert_same_as_numpy(fungrad.grad(lambda x: fnp.sum(tangent(x)))(x), 1 / np.cos(x) ** 2)
    assert scale.__name__ == "<lambda>" and tangent(0.5) == pytest.approx(np.tan(0.5))
    with pytest.raises(TypeError, match="composite: decomposition must be callable"):
        lax.composite(3, name="x")
    with pytest.raises(TypeError, match="composite: version must be a non-negative int"):
        lax.composite(lambda x: x, name="x", version=-1)


def test_platform_dependent_takes_the_cpu_branch():
    x = rand((3,))
    f = lambda x: lax.platform_dependent(x, cpu=lambda v: 2.0 * v, tpu=lambda v: 3.0 * v)
    assert_same_as_numpy(f(x), 2.0 * x)
    assert_same_as_numpy(fungrad.jit(f)(x), 2.0 * x)
    assert_same_as_numpy(fungrad.grad(lambda x: fnp.sum(f(x)))(x), np.full(3, 2.0))
    assert_same_as_numpy(lax.platform_dependent(x, cuda=np.sin, default=np.cos), np.cos(x))
    with pytest.raises(ValueError, match="no branch for the platform 'cpu'"):
        lax.platform_dependent(x, tpu=np.sin)
    with pytest.raises(TypeError, match="the branch for 'cpu' must be callable"):
        lax.platform_dependent(x, cpu=1.0)


# ----------------------------------------------------------------------------- coverage table
def test_every_missing_lax_name_has_a_reason():
    spec = importlib.util.spec_from_file_location("lax_coverage",
                                                  ROOT / "benchmarks" / "lax_coverage.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)  # the table only: main() is what needs jax
    recorded = json.loads((ROOT / "tests" / "fixtures" / "jax_names.json").read_text())
    names = recorded["jax.lax"]["names"] + recorded["jax.lax"]["modules"]
    missing = {n for n in names if not hasattr(lax, n)}
    assert missing == set(script.LEFT_OUT), (missing - set(script.LEFT_OUT),
                                             set(script.LEFT_OUT) - missing)
    assert all(reason.strip() for reason in script.LEFT_OUT.values())
    assert len(names) - len(missing) >= 277


LINALG_CASES = [  # (name, function of one stack of matrices, input maker)
    ("cholesky", linalg.cholesky, lambda: _spd(3, seed=11, batch=(2,))),
    ("eigh", lambda x: linalg.eigh(x)[1], lambda: _spd(3, seed=12, batch=(2,))),
    ("svd", lambda x: linalg.svd(x, compute_uv=False), lambda: rand((2, 4, 3), seed=13)),
    ("qr", lambda x: fnp.abs(linalg.qr(x, full_matrices=False)[1]),
     lambda: rand((2, 4, 3), seed=14)),
    ("lu", lambda x: linalg.lu(x)[0], lambda: rand((2, 3, 3), seed=15)),
    ("triangular_solve", lambda x: linalg.triangular_solve(
        x, fnp.ones_like(x[..., :2]), left_side=True, lower=True),
     lambda: np.tril(rand((2, 3, 3), seed=16)) + 3 * np.eye(3)),
    ("schur", lambda x: fnp.diagonal(linalg.schur(x)[0], axis1=-2, axis2=-1),
     lambda: _spd(3, seed=17, batch=(2,))),
]


@pytest.mark.parametrize("name,f,make", LINALG_CASES, ids=[c[0] for c in LINALG_CASES])
def test_linalg_under_jit_and_vmap_and_float32(name, f, make):
    x = make()
    eager = f(x)
    assert_same_as_numpy(fungrad.jit(f)(x), eager, rtol=1e-10)
    assert_same_as_numpy(fungrad.vmap(f)(x), eager, rtol=1e-10)
    out32 = np.asarray(f(x.astype(np.float32)))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, eager, rtol=2e-4, atol=2e-5)


def test_lax_linalg_functions_have_checked_examples():
    for name in linalg.__all__:
        assert ">>>" in (getattr(linalg, name).__doc__ or ""), name


def test_cholesky_update_and_symmetric_product():
    a = _spd(3, seed=18)
    r, w = np.linalg.cholesky(a).T, rand((3,), seed=19)
    assert_same_as_numpy(linalg.cholesky_update(r, w),
                         np.linalg.cholesky(a + np.outer(w, w)).T, rtol=1e-10)
    assert_derivatives(lambda w: linalg.cholesky_update(r, w), (w,))
    assert_same_as_numpy(fungrad.jit(linalg.cholesky_update)(r, w),
                         np.linalg.cholesky(a + np.outer(w, w)).T, rtol=1e-10)
    with pytest.raises(TypeError, match=r"expected an \(n, n\) r_matrix and an \(n,\) "
                                        r"w_vector, got f64\[3,3\] and f64\[2\]"):
        linalg.cholesky_update(r, w[:2])
    m, c = rand((2, 3, 2), seed=20), rand((2, 3, 3), seed=21)
    expected = 2.0 * m @ np.swapaxes(m, -1, -2) + 0.5 * c
    assert_same_as_numpy(linalg.symmetric_product(m, c, alpha=2.0, beta=0.5), expected)
    lower = np.tril(expected)
    assert_same_as_numpy(linalg.symmetric_product(m, c, alpha=2.0, beta=0.5,
                                                  symmetrize_output=True),
                         lower + np.swapaxes(np.tril(expected, -1), -1, -2))
    assert_derivatives(lambda m, c: linalg.symmetric_product(m, c, alpha=2.0, beta=0.5),
                       (m, c))
    assert_same_as_numpy(fungrad.vmap(lambda m, c: linalg.symmetric_product(m, c))(m, c),
                         m @ np.swapaxes(m, -1, -2))
    with pytest.raises(TypeError, match=r"c_matrix must be \(2, 3, 3\)"):
        linalg.symmetric_product(m, c[:, :2, :2])
