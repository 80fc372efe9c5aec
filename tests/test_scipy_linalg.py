"""fungrad.scipy.linalg against scipy.linalg: values (float64, float32, complex, stacked),
order-2 derivatives in both modes against finite differences, jit and vmap, errors."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

scipy_linalg = pytest.importorskip("scipy.linalg")  # the optional extra (in `test`)

import fungrad  # noqa: E402
import fungrad.numpy as fnp  # noqa: E402
import fungrad.scipy.linalg as L  # noqa: E402
from helpers import assert_derivatives, rand  # noqa: E402
from test_numpy_linalg_decompositions import general, spd  # noqa: E402


def upper(n, seed=0):
    return np.triu(rand((n, n), seed=seed)) + n * np.eye(n)


def lower(n, seed=0):
    return np.tril(rand((n, n), seed=seed)) + n * np.eye(n)


VALUE_CASES = [
    ("cholesky", lambda m, a: m.cholesky(a), lambda: spd(3)),
    ("cholesky_lower", lambda m, a: m.cholesky(a, lower=True), lambda: spd(3)),
    ("cho_solve", lambda m, a: m.cho_solve(m.cho_factor(a), np.arange(3.0)), lambda: spd(3)),
    ("cho_solve_lower", lambda m, a: m.cho_solve(m.cho_factor(a, lower=True), np.ones((3, 2))),
     lambda: spd(3)),
    ("solve_triangular", lambda m, a: m.solve_triangular(a, np.ones((3, 2)), lower=True),
     lambda: lower(3)),
    ("solve_triangular_T", lambda m, a: m.solve_triangular(a, np.ones(3), trans="T"),
     lambda: upper(3)),
    ("solve_triangular_C_unit", lambda m, a: m.solve_triangular(a, np.ones(3), trans=2,
                                                                 lower=True,
                                                                 unit_diagonal=True),
     lambda: rand((3, 3))),
    ("lu", lambda m, a: m.lu(a), lambda: rand((3, 3))),
    ("lu_tall", lambda m, a: m.lu(a), lambda: rand((4, 2))),
    ("lu_wide_permute_l", lambda m, a: m.lu(a, permute_l=True), lambda: rand((2, 4))),
    ("lu_factor", lambda m, a: m.lu_factor(a), lambda: rand((4, 4))),
    ("lu_factor_wide", lambda m, a: m.lu_factor(a), lambda: rand((2, 4))),
    ("lu_factor_tall", lambda m, a: m.lu_factor(a), lambda: rand((4, 3))),
    ("lu_solve", lambda m, a: m.lu_solve(m.lu_factor(a), np.arange(3.0)), lambda: general(3)),
    ("lu_solve_T", lambda m, a: m.lu_solve(m.lu_factor(a), np.ones((3, 2)), trans=1),
     lambda: general(3)),
    ("solve_gen", lambda m, a: m.solve(a, np.arange(3.0)), lambda: general(3)),
    ("solve_pos", lambda m, a: m.solve(a, np.ones((3, 2)), assume_a="pos"), lambda: spd(3)),
    ("solve_sym_lower", lambda m, a: m.solve(a, np.ones(3), assume_a="sym", lower=True),
     lambda: spd(3)),
    ("inv", lambda m, a: m.inv(a), lambda: general(3)),
    ("det", lambda m, a: m.det(a), lambda: general(3)),
    ("eigh", lambda m, a: _sign_fixed(m.eigh(a)), lambda: spd(3)),
    ("eigh_values", lambda m, a: m.eigh(a, eigvals_only=True, lower=False), lambda: spd(4)),
    ("svd", lambda m, a: m.svd(a), lambda: rand((4, 3))),
    ("svd_values", lambda m, a: m.svd(a, compute_uv=False), lambda: rand((2, 3))),
    ("qr", lambda m, a: m.qr(a), lambda: rand((4, 3))),
    ("qr_economic", lambda m, a: m.qr(a, mode="economic"), lambda: rand((4, 3))),
    ("qr_r", lambda m, a: m.qr(a, mode="r"), lambda: rand((3, 4))),
    ("polar", lambda m, a: m.polar(a), lambda: general(3)),
    ("polar_left", lambda m, a: m.polar(a, "left"), lambda: rand((3, 2))),
    ("expm", lambda m, a: m.expm(a), lambda: rand((3, 3))),
    ("expm_frechet", lambda m, a: m.expm_frechet(a, a.T), lambda: rand((3, 3))),
    ("block_diag", lambda m, a: m.block_diag(a, a[:2], np.ones(2), 3.0), lambda: rand((3, 2))),
    ("toeplitz", lambda m, a: m.toeplitz(a, a[::-1] * 2), lambda: rand((4,))),
    ("toeplitz_symmetric", lambda m, a: m.toeplitz(a), lambda: rand((3,))),
]


def _sign_fixed(wv):
    """Eigenvectors with each column's sign fixed (scipy's LAPACK driver may pick another)."""
    w, v = wv
    return w, v * np.sign(np.asarray(v)[..., :1, :])


# scipy widens these to float64; fungrad keeps float32 in, float32 out
WIDENED_BY_SCIPY = {"det", "expm_frechet"}


def _leaves(x):
    return [np.asarray(v) for v in fungrad.tree_util.tree_leaves(x)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fn,make", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_values_match_scipy(name, fn, make, dtype):
    a = make().astype(dtype)
    ours, theirs = fn(L, a), fn(scipy_linalg, a)
    assert isinstance(ours, tuple) == isinstance(theirs, tuple)
    ours, theirs = _leaves(ours), _leaves(theirs)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.shape == t.shape, (o.shape, t.shape)
        if t.dtype.kind in "fc" and name not in WIDENED_BY_SCIPY:
            assert o.dtype == t.dtype, (o.dtype, t.dtype)
        np.testing.assert_allclose(o, t, rtol=2e-4 if dtype == np.float32 else 1e-9,
                                   atol=2e-4 if dtype == np.float32 else 1e-10)


def test_hilbert_and_stacked_solves():
    np.testing.assert_allclose(L.hilbert(3), scipy_linalg.hilbert(3), rtol=1e-15)
    a = np.stack([spd(3, seed=1), spd(3, seed=2)])
    b = rand((2, 3, 2), seed=3)
    expected = np.linalg.solve(a, b)
    np.testing.assert_allclose(L.cho_solve(L.cho_factor(a), b), expected, rtol=1e-10)
    np.testing.assert_allclose(L.lu_solve(L.lu_factor(a), b), expected, rtol=1e-10)
    np.testing.assert_allclose(L.solve(a, b, assume_a="pos"), expected, rtol=1e-10)
    tri = np.stack([lower(3, 4), lower(3, 5)])
    np.testing.assert_allclose(L.solve_triangular(tri, b, lower=True),
                               np.linalg.solve(tri, b), rtol=1e-10)
    # a single matrix against a stack of right-hand sides broadcasts
    np.testing.assert_allclose(L.solve_triangular(tri[0], b, lower=True),
                               np.linalg.solve(tri[0], b), rtol=1e-10)
    p, l_, u = L.lu(a)
    np.testing.assert_allclose(p @ l_ @ u, a, atol=1e-12)
    np.testing.assert_allclose(L.expm(a * 0.1), np.stack([scipy_linalg.expm(x * 0.1)
                                                          for x in a]), rtol=1e-10)


def test_complex_values():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3)) + 3 * np.eye(3)
    b = rng.normal(size=(3, 2)) + 1j * rng.normal(size=(3, 2))
    for trans in (0, 1, 2):
        np.testing.assert_allclose(
            L.solve_triangular(z, b, trans=trans, lower=True),
            scipy_linalg.solve_triangular(z, b, trans=trans, lower=True), rtol=1e-10)
        np.testing.assert_allclose(L.lu_solve(L.lu_factor(z), b, trans=trans),
                                   scipy_linalg.lu_solve(scipy_linalg.lu_factor(z), b,
                                                         trans=trans), rtol=1e-10)
    np.testing.assert_allclose(L.expm(z * 0.3), scipy_linalg.expm(z * 0.3), rtol=1e-10)
    h = z @ np.conj(z.T)
    np.testing.assert_allclose(L.cholesky(h, lower=True),
                               scipy_linalg.cholesky(h, lower=True), rtol=1e-10)
    assert L.expm(z.astype(np.complex64)).dtype == np.complex64


DERIVATIVE_CASES = [
    ("cholesky", lambda a: L.cholesky((a + a.T) / 2), lambda: (spd(3),)),
    ("cho_solve", lambda a, b: L.cho_solve(L.cho_factor((a + a.T) / 2, lower=True), b),
     lambda: (spd(3, seed=1), rand((3, 2), seed=2))),
    # the factorizations read one triangle: derivatives along symmetric directions
    ("cho_solve_upper", lambda a, b: L.cho_solve(L.cho_factor((a + a.T) / 2), b),
     lambda: (spd(3, seed=3), rand((3,), seed=4))),
    ("solve_triangular", lambda a, b: L.solve_triangular(a, b, lower=True),
     lambda: (lower(3, 5), rand((3, 2), seed=6))),
    ("solve_triangular_T_unit", lambda a, b: L.solve_triangular(a, b, trans=1,
                                                                 unit_diagonal=True),
     lambda: (upper(3, 7), rand((3,), seed=8))),
    ("lu", lambda a: L.lu(a)[1:], lambda: (general(3, seed=9),)),
    ("lu_factor", lambda a: L.lu_factor(a)[0], lambda: (general(3, seed=10),)),
    ("lu_tall", lambda a: L.lu(a)[1:], lambda: (rand((4, 2), seed=11),)),
    ("lu_wide", lambda a: L.lu(a)[1:], lambda: (rand((2, 3), seed=12),)),
    ("lu_factor_wide_batched", lambda a: L.lu_factor(a)[0], lambda: (rand((2, 2, 3), seed=13),)),
    ("lu_factor_tall", lambda a: L.lu_factor(a)[0], lambda: (rand((3, 2), seed=14),)),
    ("lu_empty", lambda a: L.lu(a)[1:], lambda: (rand((0, 2), seed=15),)),
    ("lu_solve", lambda a, b: L.lu_solve(L.lu_factor(a), b),
     lambda: (general(3, seed=11), rand((3, 2), seed=12))),
    ("lu_solve_T", lambda a, b: L.lu_solve(L.lu_factor(a), b, trans=1),
     lambda: (general(3, seed=13), rand((3,), seed=14))),
    ("solve_pos", lambda a, b: L.solve((a + a.T) / 2, b, assume_a="pos"),
     lambda: (spd(3, seed=15), rand((3,), seed=16))),
    ("det", lambda a: L.det(a), lambda: (general(3, seed=17),)),
    ("eigh", lambda a: L.eigh((a + a.T) / 2, eigvals_only=True), lambda: (spd(3, seed=18),)),
    ("qr", lambda a: L.qr(a, mode="economic"), lambda: (rand((4, 3), seed=19),)),
    ("polar", lambda a: L.polar(a), lambda: (general(3, seed=20),)),
    ("expm", lambda a: L.expm(a), lambda: (rand((3, 3), seed=21, low=-1, high=1),)),
    ("expm_batched", lambda a: L.expm(a), lambda: (rand((2, 2, 2), seed=22, low=-1, high=1),)),
    ("expm_frechet", lambda a, e: L.expm_frechet(a, e),
     lambda: (rand((2, 2), seed=23, low=-1, high=1), rand((2, 2), seed=24))),
    ("block_diag", lambda a, b: L.block_diag(a, b), lambda: (rand((2, 2)), rand((1, 3)))),
    ("toeplitz", lambda c, r: L.toeplitz(c, r), lambda: (rand((3,)), rand((4,), seed=1))),
]


@pytest.mark.parametrize("name,fn,make", DERIVATIVE_CASES, ids=[c[0] for c in DERIVATIVE_CASES])
def test_derivatives(name, fn, make):
    assert_derivatives(fn, make())


def test_expm_gradient_is_the_transposed_frechet_derivative():
    a, g = rand((3, 3), seed=30, low=-1, high=1), rand((3, 3), seed=31)
    grad = fungrad.grad(lambda a: fnp.sum(L.expm(a) * g))(a)
    np.testing.assert_allclose(grad, scipy_linalg.expm_frechet(a.T, g, compute_expm=False),
                               rtol=1e-9)


@pytest.mark.parametrize("fn", [
    lambda a: L.cho_solve(L.cho_factor(a), np.ones(3)),
    lambda a: L.solve_triangular(a, np.ones((3, 2)), lower=True),
    lambda a: L.lu_solve(L.lu_factor(a), np.ones(3)),
    lambda a: L.lu(a)[2],
    lambda a: L.expm(a * 0.1),
    fungrad.grad(lambda a: fnp.sum(L.lu_solve(L.lu_factor(a), np.ones(3)))),
    fungrad.grad(lambda a: fnp.sum(L.expm(a * 0.1))),
    fungrad.grad(lambda a: fnp.sum(L.lu(a[:2])[2] ** 2) + fnp.sum(L.lu(a[:, :2])[1] ** 2)),
], ids=["cho_solve", "solve_triangular", "lu_solve", "lu", "expm", "grad_lu_solve",
        "grad_expm", "grad_lu_rectangular"])
def test_jit_and_vmap(fn):
    stack = np.stack([spd(3, seed=40), spd(3, seed=41)])
    expected = np.stack([np.asarray(fn(a)) for a in stack])
    np.testing.assert_allclose(fungrad.jit(fn)(stack[1]), expected[1], rtol=1e-10)
    np.testing.assert_allclose(fungrad.vmap(fn)(stack), expected, rtol=1e-9, atol=1e-12)


def test_vmap_with_an_unbatched_matrix():
    a = lower(3, 42)
    bs = rand((4, 3), seed=43)
    got = fungrad.vmap(lambda b: L.solve_triangular(a, b, lower=True))(bs)
    np.testing.assert_allclose(got, np.linalg.solve(a, bs.T).T, rtol=1e-10)


@pytest.mark.parametrize("call,text", [
    (lambda: L.cholesky(np.ones((2, 3))), "f64[2,3]"),
    (lambda: L.solve_triangular(np.eye(3), np.ones(4)), "f64[4]"),
    (lambda: L.solve_triangular(np.eye(3), np.ones(3), trans=3), "trans"),
    (lambda: L.cho_solve((np.eye(3), False), np.ones((2, 2))), "f64[2,2]"),
    (lambda: L.lu_solve(L.lu_factor(np.eye(2)), np.ones(3)), "f64[3]"),
    (lambda: L.lu_factor(np.ones(3)), "f64[3]"),
    (lambda: L.solve(np.eye(2), np.ones(2), assume_a="tri"), "assume_a"),
    (lambda: L.expm(np.ones((2, 3))), "f64[2,3]"),
    (lambda: L.expm_frechet(np.eye(2), np.eye(3)), "f64[3,3]"),
    (lambda: L.qr(np.eye(2), mode="raw"), "mode"),
    (lambda: L.polar(np.eye(2), side="up"), "side"),
    (lambda: L.block_diag(np.ones((2, 2, 2))), "f64[2,2,2]"),
])
def test_errors_name_the_problem(call, text):
    with pytest.raises(ValueError, match=text.replace("[", r"\[").replace("]", r"\]")):
        call()


def test_unsupported_cases_raise():
    with pytest.raises(NotImplementedError, match="b=None"):  # as jax.scipy.linalg.eigh
        L.eigh(np.eye(2), np.eye(2))
    with pytest.raises(NotImplementedError, match="type=1"):
        L.eigh(np.eye(2), type=2)
    with pytest.raises(NotImplementedError, match="subset_by_index"):
        L.eigh(np.eye(2), subset_by_index=(0, 0))


def test_generalized_eigh_by_the_documented_reduction():
    # what eigh's docstring tells a user to write for a v = w b v: scipy's values, and
    # derivatives of both orders in both modes through the composition
    a, b = spd(3, seed=50), spd(3, seed=51)

    def generalized(a, b):
        l = L.cholesky(b, lower=True)
        c = L.solve_triangular(l, fnp.conj(L.solve_triangular(l, a, lower=True)).T, lower=True)
        w, y = L.eigh(c)
        return w, L.solve_triangular(l, y, lower=True, trans="C")

    w, v = generalized(a, b)
    w_ref, v_ref = scipy_linalg.eigh(a, b)
    np.testing.assert_allclose(w, w_ref, rtol=1e-10)
    np.testing.assert_allclose(np.abs(v), np.abs(v_ref), rtol=1e-8, atol=1e-10)
    assert_derivatives(lambda a, b: generalized((a + a.T) / 2, (b + b.T) / 2)[0], (a, b))
    with pytest.raises(NotImplementedError, match="pivoting"):
        L.qr(np.eye(2), pivoting=True)


def test_import_fungrad_does_not_import_scipy():
    code = ("import sys, fungrad, fungrad.numpy, numpy as np\n"
            "fungrad.numpy.linalg.cholesky(np.eye(2)); fungrad.numpy.linalg.svd(np.eye(2))\n"
            "L = fungrad.numpy.linalg.cholesky  # its derivatives: numpy's triangular solves\n"
            "fungrad.jit(fungrad.grad(lambda a: L(a).sum()))(np.eye(40) * 2)\n"
            "assert 'scipy' not in sys.modules, 'scipy was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name,ours,theirs", [
    ("schur", lambda a: L.schur(a), lambda a: scipy_linalg.schur(a)),
    ("schur_complex", lambda a: L.schur(a, "complex"), lambda a: scipy_linalg.schur(a, "complex")),
    ("hessenberg", lambda a: L.hessenberg(a, calc_q=True),
     lambda a: scipy_linalg.hessenberg(a, calc_q=True)),
    ("sqrtm", lambda a: L.sqrtm(a @ a.T), lambda a: scipy_linalg.sqrtm(a @ a.T)),
    ("rsf2csf", lambda a: L.rsf2csf(*L.schur(a)),
     lambda a: scipy_linalg.rsf2csf(*scipy_linalg.schur(a))),
    ("funm", lambda a: L.funm(a, np.cos), lambda a: scipy_linalg.funm(a, np.cos)),
    ("eigh_tridiagonal", lambda a: L.eigh_tridiagonal(a[0], a[1, :3], eigvals_only=True),
     lambda a: scipy_linalg.eigh_tridiagonal(a[0], a[1, :3], eigvals_only=True)),
])
def test_values_only_forms(name, ours, theirs):
    a = rand((4, 4), seed=50)
    o, t = _leaves(ours(a)), _leaves(theirs(a))
    assert len(o) == len(t)
    for x, y in zip(o, t):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)
    stacked = np.stack([a, a.T])  # batched by vmap, and stacked directly
    via_vmap = _leaves(fungrad.vmap(ours)(stacked))
    for k, leaf in enumerate(via_vmap):
        np.testing.assert_allclose(leaf, np.stack([_leaves(theirs(m))[k] for m in stacked]),
                                   rtol=1e-9, atol=1e-12)
    with pytest.raises(NotImplementedError, match="no derivative"):
        fungrad.grad(lambda a: fnp.sum(fnp.abs(_first(ours(a)))))(a)


def _first(x):
    return x[0] if isinstance(x, tuple) else x


def test_sqrtm_is_complex_as_jax_and_schur_dtypes():
    assert L.sqrtm(np.eye(2)).dtype == np.complex128
    assert L.sqrtm(np.eye(2, dtype=np.float32)).dtype == np.complex64
    t, z = L.schur(np.eye(2, dtype=np.float32))
    assert t.dtype == z.dtype == np.float32
    with pytest.raises(ValueError, match="output"):
        L.schur(np.eye(2), output="bad")
    with pytest.raises(NotImplementedError, match="eigvals_only"):
        L.eigh_tridiagonal(np.ones(2), np.ones(1))


@pytest.mark.parametrize("assume_a", ["sym", "her"])
@pytest.mark.parametrize("lower", [True, False])
def test_solve_sym_and_her_read_one_triangle_as_scipy(assume_a, lower):
    # the other triangle held junk that fungrad used to read (JAX reads it too); scipy's
    # sysv/hesv never do, and hesv takes the diagonal as real
    rng = np.random.default_rng(70)
    z = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3)) + 3 * np.eye(3)
    junk = 7 * np.triu(np.ones((3, 3)), 1) + 0.5j * np.eye(3)
    for a in (np.tril(z) + junk, np.tril(z.real) + junk.real):
        a = a if lower else a.T
        b = rng.normal(size=(3, 2))
        want = scipy_linalg.solve(a, b, assume_a=assume_a, lower=lower)
        for f in (L.solve, fungrad.jit(L.solve, static_argnames=("assume_a", "lower"))):
            got = f(a, b, assume_a=assume_a, lower=lower)
            assert got.dtype == want.dtype
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    # a smooth function of every entry of a: its derivatives follow the triangle read
    assert_derivatives(lambda a: L.solve(a, np.arange(3.0), assume_a=assume_a, lower=lower),
                       (np.tril(z) + junk,))
