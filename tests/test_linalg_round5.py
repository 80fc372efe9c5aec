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
