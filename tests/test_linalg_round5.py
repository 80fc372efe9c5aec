"""Round five of the linear-algebra speed work (issue 11): the cholesky reverse sweep that
folds its diagonal blocks' ``D^H G[c, c] / 2`` into one batched product and takes conj(L)
a panel at a time, checked against the formula it stands for, ``(h + h^H) / 2`` with
``h = L^-T Phi(L^T G) conj(L)^-1`` by plain numpy solves, on the same inputs (real and
complex, mixed dtypes, stacks, sizes across several 32-column blocks).
"""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.prims import decompositions as dec


def _formula(l, g):
    """``(h + h^H) / 2``, ``h = L^-T Phi(L^T G) conj(L)^-1``, by numpy's general solves."""
    n = l.shape[-1]
    phi = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
    lt = np.swapaxes(l, -1, -2)
    h = np.swapaxes(np.linalg.solve(np.conj(lt), np.swapaxes(
        np.linalg.solve(lt, (lt @ g) * phi), -1, -2)), -1, -2)
    return (h + np.conj(np.swapaxes(h, -1, -2))) / 2


def _factor_and_cotangent(shape, l_complex, g_complex, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape) + (1j * rng.normal(size=shape) if l_complex else 0)
    a = z @ np.conj(np.swapaxes(z, -1, -2)) / shape[-1] + np.eye(shape[-1])
    g = rng.normal(size=shape) + (1j * rng.normal(size=shape) if g_complex else 0)
    return np.linalg.cholesky(a), g


# 200 = six whole blocks and one of 8; 96 = three whole blocks; 100 a batch with a partial one
@pytest.mark.parametrize("shape", [(200, 200), (96, 96), (2, 100, 100)])
@pytest.mark.parametrize("l_complex,g_complex", [(False, False), (True, True), (False, True),
                                                 (True, False)])
def test_sweep_matches_the_formula_it_replaces(shape, l_complex, g_complex):
    l, g = _factor_and_cotangent(shape, l_complex, g_complex, seed=500)
    got = dec.cholesky_cotangent_hermitian(l, g)
    want = _formula(l.astype(np.complex128), g.astype(np.complex128))
    if not (l_complex or g_complex):
        assert got.dtype == np.float64
        want = want.real
    else:
        assert got.dtype == np.complex128
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11 * np.abs(want).max())
    np.testing.assert_allclose(got, np.conj(np.swapaxes(got, -1, -2)), atol=1e-12 *
                               np.abs(want).max())  # Hermitian, as the cotangent must be


def test_sweep_reads_only_the_lower_triangle_of_l():
    # the panels read L's columns below each block and the diagonal blocks are masked
    l, g = _factor_and_cotangent((70, 70), True, True, seed=501)
    junk = np.triu(np.full((70, 70), 5.0 - 3.0j), 1)
    np.testing.assert_allclose(dec.cholesky_cotangent_hermitian(l + junk, g), _formula(l, g),
                               rtol=1e-9, atol=1e-11)


def test_float32_sweep_keeps_float32_and_agrees_with_float64():
    l, g = _factor_and_cotangent((3, 65, 65), False, False, seed=502)
    got = dec.cholesky_cotangent_hermitian(l.astype(np.float32), g.astype(np.float32))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _formula(l, g).real, rtol=2e-3, atol=2e-4)


def test_diagonal_products_against_a_loop_over_blocks():
    rng = np.random.default_rng(503)
    for n in (64, 70, 5):
        m = rng.normal(size=(2, n, n)) + 1j * rng.normal(size=(2, n, n))
        starts = list(range(0, n, 32))
        width = min(32, n)
        left = rng.normal(size=(2, len(starts), width, width))
        got = dec._diagonal_products(left, m, starts)
        for j, s in enumerate(starts):
            e = min(s + width, n)
            np.testing.assert_allclose(got[:, j, :e - s, :e - s],
                                       left[:, j, :e - s, :e - s] @ m[:, s:e, s:e],
                                       rtol=1e-12, atol=1e-12)


def test_value_and_grad_of_cholesky_eager_and_jit_match_the_formula():
    # the path the benchmark times: symmetrized cholesky, a dense loss, both modes
    l, c = _factor_and_cotangent((120, 120), False, False, seed=504)
    a = l @ l.T

    def loss(x):
        return fnp.sum(fnp.linalg.cholesky(x) * c)

    want = _formula(l, np.tril(c)).real
    for vg in (fungrad.value_and_grad(loss), fungrad.jit(fungrad.value_and_grad(loss))):
        for _ in range(3):  # the eager backward is compiled from the second call on
            value, grad = vg(a)
            np.testing.assert_allclose(value, np.sum(l * c), rtol=1e-10)
            np.testing.assert_allclose(grad, want, rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------------------------
# triangular_solve's diagonal blocks inverted by doubling (upper ones through the transpose)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,k", [(200, 3), (70, 70), (20, 1)])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32])
def test_triangular_solve_against_numpy_solve_every_flag(n, k, dtype):
    from fungrad.prims.linalg import triangular_solve
    rng = np.random.default_rng(510)
    cplx = np.dtype(dtype).kind == "c"
    a = rng.normal(size=(n, n)) + (1j * rng.normal(size=(n, n)) if cplx else 0)
    a = (a / np.sqrt(n) + 3 * np.eye(n)).astype(dtype)
    b = (rng.normal(size=(n, k)) + (1j * rng.normal(size=(n, k)) if cplx else 0)).astype(dtype)
    single = dtype == np.float32
    for lower in (True, False):
        for transpose_a in (False, True):
            for conjugate_a in (False, True):
                for unit in (False, True):
                    t = np.tril(a) if lower else np.triu(a)
                    if unit:
                        t = t - np.diag(np.diag(t)) + np.eye(n, dtype=dtype)
                    op = t.T if transpose_a else t
                    op = np.conj(op) if conjugate_a else op
                    got = triangular_solve(a, b, lower=lower, transpose_a=transpose_a,
                                           conjugate_a=conjugate_a, unit_diagonal=unit)
                    assert got.dtype == dtype
                    want = np.linalg.solve(op.astype(np.complex128), b.astype(np.complex128))
                    np.testing.assert_allclose(got, want if cplx else want.real,
                                               rtol=1e-4 if single else 1e-10,
                                               atol=1e-5 if single else 1e-12)


def test_triangular_solve_exactly_singular_upper_block_substitutes_as_lapack():
    # a zero on the diagonal: no inverse by doubling, so substitution, whose inf/nan pattern
    # is back substitution's (the rows above the zero pivot are polluted, those below not)
    from fungrad.prims.linalg import triangular_solve
    n = 40
    u = np.triu(np.ones((n, n))) + np.eye(n)
    u[35, 35] = 0.0
    b = np.ones((n, 2))
    with np.errstate(all="ignore"):
        got = np.asarray(triangular_solve(u, b, lower=False))
    np.testing.assert_allclose(got[36:], np.linalg.solve(u[36:, 36:], b[36:]), rtol=1e-12)
    assert not np.isfinite(got[35]).any() and not np.isfinite(got[:35]).any()


# ---------------------------------------------------------------------------------------------
# fresh results: compiled code may write a ufunc's result over a factor or a solve's result
# ---------------------------------------------------------------------------------------------

def test_jit_writes_over_fresh_factors_and_never_over_inputs():
    from fungrad.codegen import compile_jaxpr
    from fungrad.prims import decompositions as dec
    from fungrad.prims.linalg import triangular_solve
    rng = np.random.default_rng(520)
    z = rng.normal(size=(6, 6))
    a = z @ z.T + 6 * np.eye(6)
    b, c = rng.normal(size=(6, 2)), rng.normal(size=(6, 6))
    kept_a, kept_b = a.copy(), b.copy()

    def f(a, b):
        l = dec.cholesky(a)  # no symmetrization: numpy's cholesky reads a directly
        x = triangular_solve(l, b, lower=True) * 2.0
        h = dec.cholesky_cotangent_hermitian(l, c) * 3.0
        return fnp.sum(l * c) + fnp.sum(x) + fnp.sum(h)

    source = compile_jaxpr(fungrad.make_jaxpr(f)(a, b)).source
    assert source.count(", out=") >= 2  # over the solve's result and the cotangent's
    l = np.linalg.cholesky(a)
    want = (np.sum(l * c) + 2 * np.sum(np.linalg.solve(l, b))
            + 3 * np.sum(_formula(l, c)))
    for _ in range(2):
        np.testing.assert_allclose(fungrad.jit(f)(a, b), want, rtol=1e-10)
        np.testing.assert_array_equal(a, kept_a)  # the inputs are never written over
        np.testing.assert_array_equal(b, kept_b)
