"""Derivatives of complex linear algebra, where the linear-algebra rules alone decide them
(conjugate transposes, JAX's transpose convention): order 2 in both modes against finite
differences in complex directions, for complex inputs.

These need fungrad's complex primitives (``fungrad.prims.complex``: conj, real), which come
with complex support; on a build without them the module is skipped as a whole.
"""
from __future__ import annotations

import numpy as np
import pytest

complex_prims = pytest.importorskip("fungrad.prims.complex")

import fungrad.numpy as fnp  # noqa: E402
import fungrad.scipy.linalg as SL  # noqa: E402
from fungrad.prims import linalg as la  # noqa: E402
from fungrad.test_util import check_grads  # noqa: E402

L = fnp.linalg
real, conj = complex_prims.real, complex_prims.conj


def cplx(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def well_conditioned(n=3, seed=0):
    return cplx(n, n, seed=seed) + n * np.eye(n)


def hermitian_pd(n=3, seed=0):
    z = well_conditioned(n, seed)
    return z @ z.conj().T


def modulus2(x):
    """``|x|^2`` elementwise: invariant to the phase of eigen- and singular vectors."""
    return real(x * conj(x))


def hermitian_part(a):
    return (a + la.hermitian(a)) / 2


CASES = [
    ("cholesky", lambda a: L.cholesky(a), lambda: (hermitian_pd(),)),
    ("triangular_solve_h", lambda a, b: la.triangular_solve(a, b, lower=True, transpose_a=True,
                                                            conjugate_a=True),
     lambda: (np.tril(well_conditioned(seed=1)), cplx(3, 2, seed=2))),
    ("triangular_solve_conj", lambda a, b: la.triangular_solve(a, b, lower=False,
                                                               conjugate_a=True),
     lambda: (np.triu(well_conditioned(seed=3)), cplx(3, 2, seed=4))),
    ("qr_tall", lambda a: tuple(L.qr(a)), lambda: (cplx(4, 3, seed=5),)),
    ("qr_wide", lambda a: tuple(L.qr(a)), lambda: (cplx(2, 3, seed=6),)),
    ("qr_complete_tall", lambda a: tuple(L.qr(a, "complete")), lambda: (cplx(4, 2, seed=40),)),
    ("eigvalsh", lambda a: L.eigvalsh(a), lambda: (hermitian_pd(seed=7),)),
    ("eigh_vectors", lambda a: modulus2(L.eigh(a)[1]), lambda: (hermitian_pd(seed=8),)),
    ("svdvals", lambda a: L.svdvals(a), lambda: (cplx(4, 3, seed=9),)),
    ("svd_tall", lambda a: (lambda u, s, vh: (modulus2(u), s, modulus2(vh)))(
        *L.svd(a, full_matrices=False)), lambda: (cplx(4, 3, seed=10),)),
    ("svd_wide", lambda a: (lambda u, s, vh: (modulus2(u), s, modulus2(vh)))(
        *L.svd(a, full_matrices=False)), lambda: (cplx(2, 4, seed=11),)),
    ("svd_reconstruction", lambda a: (lambda u, s, vh: u @ (s[:, None] * vh))(
        *L.svd(a, full_matrices=False)), lambda: (cplx(3, 3, seed=12),)),
    ("slogdet", lambda a: tuple(L.slogdet(a)), lambda: (well_conditioned(seed=13),)),
    ("det", lambda a: L.det(a), lambda: (well_conditioned(seed=14),)),
    ("inv", lambda a: L.inv(a), lambda: (well_conditioned(seed=15),)),
    ("solve", lambda a, b: L.solve(a, b), lambda: (well_conditioned(seed=16), cplx(3, seed=17))),
    ("pinv", lambda a: L.pinv(a), lambda: (cplx(3, 2, seed=18),)),
    ("norm_nuc", lambda a: L.norm(a, "nuc"), lambda: (cplx(3, 2, seed=19),)),
    ("lu", lambda a: SL.lu(a)[1:], lambda: (well_conditioned(seed=20),)),
    ("lu_tall", lambda a: SL.lu(a)[1:], lambda: (cplx(3, 2, seed=41),)),
    ("lu_wide", lambda a: SL.lu_factor(a)[0], lambda: (cplx(2, 3, seed=42),)),
    ("expm", lambda a: SL.expm(a * 0.3), lambda: (well_conditioned(seed=21),)),
    ("cho_solve", lambda a, b: SL.cho_solve(SL.cho_factor(hermitian_part(a), lower=True), b),
     lambda: (hermitian_pd(seed=22), cplx(3, seed=23))),
    # compositions whose complex derivatives combine several rules
    ("eigh_values_and_vectors", lambda a: (L.eigh(a)[0], modulus2(L.eigh(a)[1])),
     lambda: (hermitian_pd(seed=80),)),
    ("lstsq", lambda a, b: L.lstsq(a, b)[0], lambda: (cplx(4, 2, seed=81), cplx(4, seed=82))),
    ("matrix_power_neg", lambda a: L.matrix_power(a, -2), lambda: (well_conditioned(seed=83),)),
    ("cond", lambda a: L.cond(a), lambda: (well_conditioned(seed=84),)),
    ("scipy_solve_her", lambda a, b: SL.solve(hermitian_part(a), b, assume_a="her"),
     lambda: (hermitian_pd(seed=85), cplx(3, seed=86))),
    ("scipy_lu_solve_C", lambda a, b: SL.lu_solve(SL.lu_factor(a), b, trans=2),
     lambda: (well_conditioned(seed=87), cplx(3, 2, seed=88))),
    ("scipy_polar", lambda a: SL.polar(a), lambda: (well_conditioned(seed=89),)),
]


@pytest.mark.parametrize("name,fn,make", CASES, ids=[c[0] for c in CASES])
def test_complex_derivatives(name, fn, make):
    check_grads(fn, make(), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("a", [np.random.default_rng(24).normal(size=(3, 3)),
                               well_conditioned(seed=25)], ids=["real", "complex"])
def test_eigvals_first_derivatives(a):
    # JAX has no second derivative here either: it needs eigenvector derivatives
    check_grads(L.eigvals, (a,), order=1, modes=("fwd", "rev"))


def _fixture_module():
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures",
                        "make_linalg_complex_grads.py")
    spec = importlib.util.spec_from_file_location("make_linalg_complex_grads", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _numpy_namespace():
    """fungrad.numpy with the complex parts from fungrad's complex primitives."""
    import types
    ns = types.SimpleNamespace(**{k: getattr(fnp, k) for k in dir(fnp) if not k.startswith("_")})
    ns.real, ns.conj, ns.imag = real, conj, complex_prims.imag
    return ns


FIXTURE = _fixture_module()
RECORDED = np.load(FIXTURE.PATH)


@pytest.mark.parametrize("name", sorted(FIXTURE.losses(np, None)))
def test_gradients_match_jax_recorded(name):
    import fungrad
    arg, loss = FIXTURE.losses(_numpy_namespace(), SL)[name]
    got = fungrad.grad(loss)(RECORDED[arg], RECORDED["w"])
    np.testing.assert_allclose(got, RECORDED[name], rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------------------------
# Values on complex input (complex128 and complex64) against numpy and scipy, and the
# primitives under jit and vmap with complex stacks
# ---------------------------------------------------------------------------------------------

def _leaves(x):
    import fungrad
    return [np.asarray(v) for v in fungrad.tree_util.tree_leaves(x)]


def _scipy():
    return pytest.importorskip("scipy.linalg")


def _sorted_eigenvalues(w):
    return w[..., np.lexsort((np.round(w.imag, 8), np.round(w.real, 8)))]


# name -> (call with a numpy-like module m and its scipy.linalg s, the input's maker)
COMPLEX_VALUES = {
    "cholesky": (lambda m, s, a: m.linalg.cholesky(a), lambda: hermitian_pd(3, 30)),
    "qr": (lambda m, s, a: tuple(m.linalg.qr(a)), lambda: cplx(4, 3, seed=31)),
    "qr_complete": (lambda m, s, a: tuple(m.linalg.qr(a, "complete")),
                    lambda: cplx(4, 2, seed=32)),
    "eigvalsh": (lambda m, s, a: m.linalg.eigvalsh(a), lambda: hermitian_pd(3, 33)),
    "svdvals": (lambda m, s, a: m.linalg.svd(a, compute_uv=False), lambda: cplx(2, 3, 4, seed=34)),
    "eigvals": (lambda m, s, a: _sorted_eigenvalues(np.asarray(m.linalg.eigvals(a))),
                lambda: well_conditioned(3, 35)),
    "pinv": (lambda m, s, a: m.linalg.pinv(a), lambda: cplx(4, 3, seed=36)),
    "lstsq": (lambda m, s, a: m.linalg.lstsq(a, a[:, 0])[0], lambda: cplx(4, 3, seed=37)),
    "matrix_power_neg": (lambda m, s, a: m.linalg.matrix_power(a, -2),
                         lambda: well_conditioned(3, 38)),
    "matrix_rank": (lambda m, s, a: m.linalg.matrix_rank(a), lambda: cplx(2, 3, 3, seed=39)),
    "cond": (lambda m, s, a: m.linalg.cond(a), lambda: well_conditioned(3, 40)),
    "det": (lambda m, s, a: m.linalg.det(a), lambda: cplx(2, 3, 3, seed=41)),
    "slogdet": (lambda m, s, a: tuple(m.linalg.slogdet(a)), lambda: cplx(3, 3, seed=42)),
    "inv": (lambda m, s, a: m.linalg.inv(a), lambda: well_conditioned(3, 43)),
    "solve": (lambda m, s, a: m.linalg.solve(a, a[..., 0:2]), lambda: well_conditioned(3, 44)),
    "tensorinv": (lambda m, s, a: m.linalg.tensorinv(a.reshape(2, 2, 4), 2),
                  lambda: well_conditioned(4, 45)),
    "multi_dot": (lambda m, s, a: m.linalg.multi_dot([a, a.T, a]), lambda: cplx(3, 2, seed=46)),
    "norm_2": (lambda m, s, a: m.linalg.norm(a, 2), lambda: cplx(3, 2, seed=47)),
    "vecdot": (lambda m, s, a: m.linalg.vecdot(a, a[::-1]), lambda: cplx(2, 3, seed=48)),
    "scipy_solve_her": (lambda m, s, a: s.solve(a, a[:, 0], assume_a="her"),
                        lambda: hermitian_pd(3, 49)),
    "scipy_solve_pos": (lambda m, s, a: s.solve(a, a[:, :2], assume_a="pos"),
                        lambda: hermitian_pd(3, 50)),
    "scipy_solve_triangular_C": (lambda m, s, a: s.solve_triangular(a, a[:, 1], trans="C"),
                                 lambda: well_conditioned(3, 51)),
    "scipy_lu": (lambda m, s, a: tuple(s.lu(a)), lambda: cplx(3, 4, seed=52)),
    "scipy_lu_factor": (lambda m, s, a: tuple(s.lu_factor(a)), lambda: cplx(4, 3, seed=53)),
    "scipy_cho_solve": (lambda m, s, a: s.cho_solve(s.cho_factor(a), a[:, 0]),
                        lambda: hermitian_pd(3, 54)),
    "scipy_expm": (lambda m, s, a: s.expm(0.3 * a), lambda: cplx(3, 3, seed=55)),
    "scipy_det": (lambda m, s, a: s.det(a), lambda: cplx(3, 3, seed=56)),
    "scipy_schur": (lambda m, s, a: tuple(s.schur(a, "complex")), lambda: cplx(3, 3, seed=57)),
    "scipy_hessenberg": (lambda m, s, a: tuple(s.hessenberg(a, calc_q=True)),
                         lambda: cplx(4, 4, seed=58)),
    "scipy_sqrtm": (lambda m, s, a: s.sqrtm(a), lambda: hermitian_pd(3, 59)),
    "scipy_funm": (lambda m, s, a: s.funm(a, np.exp), lambda: cplx(3, 3, seed=60)),
    "scipy_polar": (lambda m, s, a: tuple(s.polar(a)), lambda: well_conditioned(3, 61)),
}


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("name", sorted(COMPLEX_VALUES))
def test_complex_values_match_numpy_and_scipy(name, dtype):
    scipy_linalg = _scipy()
    fn, make = COMPLEX_VALUES[name]
    a = make().astype(dtype)
    ours, theirs = _leaves(fn(fnp, SL, a)), _leaves(fn(np, scipy_linalg, a))
    assert len(ours) == len(theirs)
    single = dtype == np.complex64
    for o, t in zip(ours, theirs):
        if name in ("scipy_lu", "scipy_lu_factor") and t.dtype.kind == "i":
            t = t.astype(o.dtype)  # scipy's pivots are int32 or int64 by platform; JAX's int32
        if name == "scipy_det":
            t = t.astype(dtype)  # scipy computes complex64 in complex128; JAX keeps complex64
        assert o.shape == t.shape and o.dtype == t.dtype, (o.shape, o.dtype, t.shape, t.dtype)
        np.testing.assert_allclose(o, t, rtol=1e-3 if single else 1e-9,
                                   atol=1e-4 if single else 1e-11)


PRIMITIVES_ON_COMPLEX_STACKS = [
    ("cholesky", lambda a: L.cholesky(a)),
    ("qr_r", lambda a: modulus2(L.qr(a)[1])),
    ("eigvalsh", lambda a: L.eigvalsh(a)),
    ("svdvals", lambda a: L.svdvals(a)),
    ("slogdet", lambda a: L.slogdet(a)[1]),
    ("det", lambda a: L.det(a)),
    ("inv", lambda a: L.inv(a)),
    ("solve", lambda a: L.solve(a, a[:, 0])),
    ("triangular_solve", lambda a: la.triangular_solve(a, a, lower=True, conjugate_a=True)),
    ("eigvals_sum", lambda a: fnp.sum(L.eigvals(a))),
    ("lu", lambda a: SL.lu_factor(a)[0]),
    ("expm", lambda a: SL.expm(0.2 * a)),
    ("grad_cholesky", lambda a: _grad(lambda a: fnp.sum(modulus2(L.cholesky(a))), a)),
    ("grad_eigh", lambda a: _grad(lambda a: fnp.sum(modulus2(L.eigh(a)[1][0])), a)),
    ("grad_svd", lambda a: _grad(lambda a: fnp.sum(L.svdvals(a) * np.arange(1.0, 4.0)), a)),
]


def _grad(f, a):
    import fungrad
    return fungrad.grad(f)(a)


@pytest.mark.parametrize("name,fn", PRIMITIVES_ON_COMPLEX_STACKS,
                         ids=[c[0] for c in PRIMITIVES_ON_COMPLEX_STACKS])
def test_complex_primitives_under_jit_and_vmap(name, fn):
    import fungrad
    stack = np.stack([hermitian_pd(3, 70), hermitian_pd(3, 71)])
    expected = np.stack([np.asarray(fn(a)) for a in stack])
    assert expected.dtype.kind == ("f" if name in ("eigvalsh", "svdvals", "slogdet", "qr_r")
                                   else "c")
    np.testing.assert_allclose(fungrad.jit(fn)(stack[1]), expected[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fungrad.vmap(fn)(stack), expected, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(fungrad.vmap(fn, in_axes=2)(np.moveaxis(stack, 0, 2)),
                               expected, rtol=1e-9, atol=1e-11)
