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
