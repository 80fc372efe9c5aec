"""fungrad.numpy linear algebra (dot, matmul, einsum, ..., and fungrad.numpy.linalg): values
and dtypes against numpy, traced IR, derivatives against finite differences (table rows as
described in ``numpy_table.py``); shape errors under tracing."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_traces_and_replays, rand
from numpy_table import (
    FLOATS, check_derivatives, check_float32_grad_dtype, check_trace, check_value, table_params,
)


def wc(a):
    """A well-conditioned (stack of) square matrices: ``a + n I`` in ``a``'s dtype."""
    n = a.shape[-1]
    return a + np.eye(n, dtype=a.dtype) * n


def neg_det(a):
    """``wc(a)`` with its first two rows swapped: a negative determinant."""
    b = wc(a)
    order = np.arange(b.shape[-2])
    order[[0, 1]] = [1, 0]
    return b[..., order, :]


def _quiet(fun, *args, **kwargs):
    """numpy 2 warns that 2-vector cross products are deprecated; fungrad (as JAX) keeps them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return fun(*args, **kwargs)


PRODUCTS = [
    # dot in every numpy rank combination
    ("dot", lambda m, a, b: m.dot(a, b), [
        ((), ()), ((), (3,)), ((2, 3), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
        ((2, 3), (3, 4)), ((2, 3, 4), (4,)), ((4,), (2, 4, 3)), ((2, 3, 4), (4, 5)),
        ((2, 3), (4, 3, 5)), ((2, 3, 4), (5, 4, 2)), ((0, 3), (3, 2)), ((2, 0), (0, 3))]),
    ("dot_method", lambda m, a, b: a.dot(b), [((2, 3), (3,))]),
    # numpy's linear algebra turns Python scalars into (float64) arrays: no weak typing
    ("dot_python_scalar", lambda m, a: m.dot(a, 2.0) + m.dot(3, a), [((3,),), ((2, 3),)]),
    ("inner_python_scalar", lambda m, a: m.inner(2.0, a), [((3,),)]),
    ("tensordot_python_scalar", lambda m, a: m.tensordot(a, 2.0, 0), [((3,),)]),
    ("einsum_python_scalar", lambda m, a: m.einsum("i,->i", a, 2.0), [((3,),)]),
    # matmul: 1-D operands, batches, broadcast batch dimensions
    ("matmul", lambda m, a, b: m.matmul(a, b), [
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)),
        ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)),
        ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((1, 2, 3), (4, 3, 1)), ((0, 2, 3), (3, 4)),
        ((2, 0), (0, 3))]),
    ("matmul_op", lambda m, a, b: a @ b, [((2, 3), (3, 4)), ((3,), (3,)), ((4, 2, 3), (3,))]),
    ("matmul_rop", lambda m, a, b: np.ones((2, 3), a.dtype) @ a @ b, [((3, 4), (4,))]),
    ("vdot", lambda m, a, b: m.vdot(a, b), [((3,), (3,)), ((2, 3), (3, 2)), ((1,), (1,))]),
    ("vecdot", lambda m, a, b: m.vecdot(a, b), [((3,), (3,)), ((2, 3), (3,)),
                                                ((2, 1, 3), (4, 3)), ((2, 0), (2, 0))]),
    ("vecdot_axis", lambda m, a, b: m.vecdot(a, b, axis=0), [((3, 2), (3, 2)), ((3, 2), (3, 1))]),
    ("inner", lambda m, a, b: m.inner(a, b), [((), (3,)), ((3,), ()), ((3,), (3,)),
                                              ((2, 3), (4, 3)), ((2, 3, 4), (4,)),
                                              ((4,), (2, 3, 4))]),
    ("outer", lambda m, a, b: m.outer(a, b), [((3,), (4,)), ((2, 2), (3,)), ((), (3,)),
                                              ((0,), (3,))]),
    ("tensordot", lambda m, a, b: m.tensordot(a, b), [((2, 3, 4), (3, 4, 5)), ((3, 4), (3, 4))]),
    ("tensordot_1", lambda m, a, b: m.tensordot(a, b, 1), [((2, 3), (3, 4)),
                                                           ((2, 3, 4), (4, 2))]),
    ("tensordot_0", lambda m, a, b: m.tensordot(a, b, axes=0), [((2,), (3,)), ((2, 2), (3,))]),
    ("tensordot_pairs", lambda m, a, b: m.tensordot(a, b, axes=([1, 0], [0, 1])),
     [((3, 4, 5), (4, 3))]),
    ("tensordot_int_pair", lambda m, a, b: m.tensordot(a, b, axes=(0, -1)),
     [((3, 4), (2, 3))]),
    ("tensordot_neg_pairs", lambda m, a, b: m.tensordot(a, b, axes=((-1, 0), (0, 2))),
     [((2, 3, 4), (4, 5, 2))]),
    # einsum
    ("einsum_matmul", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [((2, 3), (3, 4))]),
    ("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), [((2, 3), (3, 4))]),
    ("einsum_implicit_order", lambda m, a: m.einsum("ba", a), [((2, 3),)]),
    ("einsum_implicit_sum", lambda m, a, b: m.einsum("i,i", a, b), [((3,), (3,))]),
    ("einsum_diag", lambda m, a: m.einsum("ii->i", a), [((3, 3),)]),
    ("einsum_trace", lambda m, a: m.einsum("ii", a), [((3, 3),)]),
    ("einsum_diag_batch", lambda m, a: m.einsum("bii->bi", a), [((2, 3, 3),)]),
    ("einsum_repeat_with_other", lambda m, a, b: m.einsum("iij,j->i", a, b),
     [((3, 3, 2), (2,))]),
    ("einsum_transpose", lambda m, a: m.einsum("ijk->kij", a), [((2, 3, 4),)]),
    ("einsum_sum_all", lambda m, a: m.einsum("ij->", a), [((2, 3),)]),
    ("einsum_sum_axis", lambda m, a: m.einsum("ij->j", a), [((2, 3),), ((0, 3),)]),
    ("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), [((2,), (3,))]),
    ("einsum_hadamard", lambda m, a, b: m.einsum("ij,ij->ij", a, b), [((2, 3), (2, 3))]),
    ("einsum_batched", lambda m, a, b: m.einsum("bij,bjk->bik", a, b),
     [((4, 2, 3), (4, 3, 2))]),
    ("einsum_three", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c),
     [((2, 3), (3, 4), (4, 2))]),
    ("einsum_three_implicit", lambda m, a, b, c: m.einsum("i,ij,j", a, b, c),
     [((2,), (2, 3), (3,))]),
    ("einsum_unshared", lambda m, a, b: m.einsum("ij,k->i", a, b), [((2, 3), (4,))]),
    ("einsum_spaces", lambda m, a, b: m.einsum("ij, jk -> ki", a, b), [((2, 3), (3, 4))]),
    # diagonals and traces
    ("trace", lambda m, a: m.trace(a), [((3, 3),), ((2, 4),), ((2, 3, 4),), ((0, 0),)]),
    ("trace_offset", lambda m, a: m.trace(a, 1), [((3, 3),), ((2, 4),)]),
    ("trace_neg_offset", lambda m, a: m.trace(a, -1), [((3, 3),), ((4, 2),)]),
    ("trace_axes", lambda m, a: m.trace(a, 0, 1, 2), [((2, 3, 3),)]),
    ("trace_method", lambda m, a: a.trace(), [((3, 3),)]),
    ("diagonal", lambda m, a: m.diagonal(a), [((3, 3),), ((2, 4),), ((4, 2),), ((0, 3),)]),
    ("diagonal_offset", lambda m, a: m.diagonal(a, 2), [((3, 3),), ((2, 4),)]),
    ("diagonal_neg_offset", lambda m, a: m.diagonal(a, -1), [((3, 3),), ((4, 2),)]),
    ("diagonal_far_offset", lambda m, a: m.diagonal(a, 5), [((3, 3),)]),
    ("diagonal_axes", lambda m, a: m.diagonal(a, 0, 1, 2), [((2, 3, 4),)]),
    ("diagonal_neg_axes", lambda m, a: m.diagonal(a, 1, -1, 0), [((3, 2, 4),)]),
    ("diagonal_method", lambda m, a: a.diagonal(1), [((3, 3),)]),
    ("diag_extract", lambda m, a: m.diag(a), [((3, 3),), ((2, 4),)]),
    ("diag_extract_k", lambda m, a: m.diag(a, 1), [((3, 3),)]),
    ("diag_extract_neg_k", lambda m, a: m.diag(a, -2), [((4, 3),)]),
    ("diag_build", lambda m, v: m.diag(v), [((3,),), ((1,),), ((0,),)]),
    ("diag_build_k", lambda m, v: m.diag(v, 1), [((3,),)]),
    ("diag_build_neg_k", lambda m, v: m.diag(v, -2), [((2,),)]),
    # products of other kinds
    ("kron", lambda m, a, b: m.kron(a, b), [((2,), (3,)), ((2, 2), (2, 3)), ((2,), (2, 3)),
                                            ((2, 1, 2), (3, 2)), ((), (3,))]),
    ("cross", lambda m, a, b: m.cross(a, b), [((3,), (3,)), ((4, 3), (3,)),
                                              ((2, 1, 3), (4, 3)), ((0, 3), (3,))]),
    ("cross_axes", lambda m, a, b: m.cross(a, b, axisa=0, axisb=1, axisc=0),
     [((3, 4), (4, 3)), ((3, 2, 1), (2, 3))]),
    ("cross_axis", lambda m, a, b: m.cross(a, b, axis=0), [((3, 2), (3, 1)), ((3,), (3,))]),
    # 2-vectors (numpy 2 deprecates them but computes them; JAX keeps them): the missing
    # third component is 0, and two 2-vectors give the scalar z-component
    ("cross_2d", lambda m, a, b: _quiet(m.cross, a, b), [((2,), (2,)), ((4, 2), (2,))]),
    ("cross_2d_3d", lambda m, a, b: _quiet(m.cross, a, b, axisc=0), [((4, 2), (4, 3)),
                                                                     ((3,), (2,))]),
    # fungrad.numpy.linalg
    ("norm", lambda m, x: m.linalg.norm(x), [((),), ((4,),), ((2, 3),), ((2, 3, 4),)]),
    ("norm_empty", lambda m, x: m.linalg.norm(x), [((0,),), ((2, 0),)]),
    ("norm_keepdims", lambda m, x: m.linalg.norm(x, keepdims=True), [((4,),), ((2, 3),)]),
    ("norm_ord2", lambda m, x: m.linalg.norm(x, 2), [((4,),)]),
    ("norm_ord1", lambda m, x: m.linalg.norm(x, 1), [((4,),), ((2, 3),)]),
    ("norm_ord_inf", lambda m, x: m.linalg.norm(x, np.inf), [((4,),), ((2, 3),)]),
    ("norm_ord_neg_inf", lambda m, x: m.linalg.norm(x, -np.inf), [((4,),), ((2, 3),)]),
    ("norm_ord0", lambda m, x: m.linalg.norm(x, 0), [((4,),)]),
    ("norm_ord3", lambda m, x: m.linalg.norm(x, 3), [((4,),)]),
    ("norm_ord_half", lambda m, x: m.linalg.norm(x, 0.5), [((4,),)]),
    ("norm_ord_neg1", lambda m, x: m.linalg.norm(x, -1), [((4,),)]),
    ("norm_fro", lambda m, x: m.linalg.norm(x, "fro"), [((2, 3),)]),
    ("norm_mat_neg1", lambda m, x: m.linalg.norm(x, -1), [((2, 3),)]),
    ("norm_axis", lambda m, x: m.linalg.norm(x, axis=1), [((2, 3),), ((2, 3, 4),)]),
    ("norm_axis_neg_keep", lambda m, x: m.linalg.norm(x, axis=-1, keepdims=True),
     [((2, 3),)]),
    ("norm_axis_ord1", lambda m, x: m.linalg.norm(x, 1, axis=0), [((2, 3),)]),
    ("norm_axis_ord_inf", lambda m, x: m.linalg.norm(x, np.inf, axis=-1), [((2, 3),)]),
    ("norm_axis_ord3", lambda m, x: m.linalg.norm(x, 3, axis=0), [((2, 3),)]),
    ("norm_mat_axes", lambda m, x: m.linalg.norm(x, axis=(1, 2)), [((2, 3, 4),)]),
    ("norm_mat_axes_fro_keep", lambda m, x: m.linalg.norm(x, "fro", (0, 2), keepdims=True),
     [((2, 3, 4),)]),
    ("norm_mat_axes_ord1", lambda m, x: m.linalg.norm(x, 1, axis=(-1, -2)), [((2, 3, 4),)]),
    ("norm_mat_axes_ord_neg_inf_keep",
     lambda m, x: m.linalg.norm(x, -np.inf, axis=(2, 1), keepdims=True), [((2, 3, 4),)]),
    ("norm_mat_axes_ord_inf", lambda m, x: m.linalg.norm(x, np.inf, axis=(0, 1)),
     [((3, 4),)]),
    ("det", lambda m, a: m.linalg.det(wc(a)), [((1, 1),), ((3, 3),), ((2, 3, 3),)]),
    ("det_negative", lambda m, a: m.linalg.det(neg_det(a)), [((3, 3),)]),
    ("det_empty", lambda m, a: m.linalg.det(a), [((0, 0),), ((2, 0, 0),)]),
    ("slogdet", lambda m, a: tuple(m.linalg.slogdet(wc(a))), [((3, 3),), ((2, 3, 3),)]),
    ("slogdet_negative", lambda m, a: tuple(m.linalg.slogdet(neg_det(a))), [((3, 3),),
                                                                             ((2, 3, 3),)]),
    ("inv", lambda m, a: m.linalg.inv(wc(a)), [((1, 1),), ((3, 3),), ((2, 3, 3),)]),
    ("solve_vector", lambda m, a, b: m.linalg.solve(wc(a), b), [((3, 3), (3,))]),
    ("solve_matrix", lambda m, a, b: m.linalg.solve(wc(a), b), [((3, 3), (3, 2)),
                                                                ((3, 3), (3, 1))]),
    ("solve_stacked", lambda m, a, b: m.linalg.solve(wc(a), b), [((2, 3, 3), (2, 3, 2)),
                                                                 ((2, 3, 3), (2, 3, 1))]),
    ("solve_stacked_vector", lambda m, a, b: m.linalg.solve(wc(a), b), [((2, 3, 3), (3,))]),
    ("solve_broadcast", lambda m, a, b: m.linalg.solve(wc(a), b), [((2, 3, 3), (3, 2)),
                                                                   ((3, 3), (2, 3, 2)),
                                                                   ((2, 1, 3, 3), (4, 3, 1))]),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn,specs", table_params(PRODUCTS))
def test_value_matches_numpy(fn, specs, dtype):
    check_value(fn, specs, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn,specs", table_params(PRODUCTS))
def test_traces_and_replays(fn, specs, dtype):
    check_trace(fn, specs, dtype)


# ord=0 counts nonzeros: piecewise constant, its derivative is zero (finite differences
# agree). The 2-norm is not differentiable at 0, the norm of an empty array.
NOT_DIFFERENTIABLE = {"norm_empty"}


@pytest.mark.parametrize("fn,specs", table_params(PRODUCTS, skip=NOT_DIFFERENTIABLE))
def test_derivatives(fn, specs):
    check_derivatives(fn, specs)


@pytest.mark.parametrize("fn,specs", table_params(PRODUCTS, skip=NOT_DIFFERENTIABLE))
def test_float32_gradients_stay_float32(fn, specs):
    check_float32_grad_dtype(fn, specs)


# ---------------------------------------------------------------------------------------------
# Known derivatives
# ---------------------------------------------------------------------------------------------

def test_matrix_derivative_identities():
    a = wc(rand((3, 3), seed=1))
    b = rand((3,), seed=2)
    ainv = np.linalg.inv(a)
    np.testing.assert_allclose(fungrad.grad(fnp.linalg.det)(a),
                               np.linalg.det(a) * ainv.T, rtol=1e-10)
    np.testing.assert_allclose(fungrad.grad(lambda a: fnp.linalg.slogdet(a)[1])(a), ainv.T,
                               rtol=1e-10)
    np.testing.assert_allclose(fungrad.grad(lambda a: fnp.trace(fnp.linalg.inv(a)))(a),
                               -(ainv @ ainv).T, rtol=1e-10)
    x = np.linalg.solve(a, b)
    ga, gb = fungrad.grad(lambda a, b: fnp.sum(fnp.linalg.solve(a, b)), argnums=(0, 1))(a, b)
    lam = np.linalg.solve(a.T, np.ones(3))
    np.testing.assert_allclose(gb, lam, rtol=1e-10)
    np.testing.assert_allclose(ga, -np.outer(lam, x), rtol=1e-10)


def test_matmul_gradients():
    a, b = rand((2, 3), seed=1), rand((3, 4), seed=2)
    ga, gb = fungrad.grad(lambda a, b: fnp.sum(a @ b), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, np.ones((2, 4)) @ b.T, rtol=1e-12)
    np.testing.assert_allclose(gb, a.T @ np.ones((2, 4)), rtol=1e-12)
    # a broadcast batch dimension sums the cotangent over the batch
    a3 = rand((5, 2, 3), seed=3)
    gb3 = fungrad.grad(lambda b: fnp.sum(a3 @ b))(b)
    np.testing.assert_allclose(gb3, a3.sum(0).T @ np.ones((2, 4)), rtol=1e-12)


def test_norm_gradients():
    x = np.array([3.0, -4.0])
    np.testing.assert_allclose(fungrad.grad(fnp.linalg.norm)(x), x / 5.0, rtol=1e-12)
    np.testing.assert_allclose(fungrad.grad(lambda x: fnp.linalg.norm(x, 1))(x), [1.0, -1.0])
    np.testing.assert_allclose(fungrad.grad(lambda x: fnp.linalg.norm(x, np.inf))(x),
                               [0.0, -1.0])


def test_einsum_repeated_label_gradient():
    a = rand((3, 3), seed=5)
    np.testing.assert_array_equal(fungrad.grad(lambda a: fnp.einsum("ii", a))(a), np.eye(3))
    w = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(
        fungrad.grad(lambda a: fnp.sum(fnp.einsum("ii->i", a) * w))(a), np.diag(w))


def test_diag_roundtrip_gradients():
    v = rand((3,), seed=6)
    # diag(v) then its diagonal is v again; the other entries of diag(v) don't depend on v
    np.testing.assert_array_equal(fungrad.grad(lambda v: fnp.sum(fnp.diag(v, 1)))(v),
                                  np.ones(3))
    a = rand((3, 4), seed=7)
    g = fungrad.grad(lambda a: fnp.sum(fnp.diagonal(a, -1)))(a)
    np.testing.assert_array_equal(g, np.eye(3, 4, -1))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call,shapes", [
    (lambda a, b: fnp.matmul(a, b), ((2, 3), (4, 5))),
    (lambda a, b: a @ b, ((2, 3), (2, 3))),
    (lambda a, b: a @ b, ((3,), (4,))),
    (lambda a, b: fnp.matmul(a, b), ((5, 2, 3), (4, 3, 2))),   # batch dims don't broadcast
    (lambda a, b: fnp.dot(a, b), ((2, 3), (2, 3))),
    (lambda a, b: fnp.inner(a, b), ((2, 3), (2, 4))),
    (lambda a, b: fnp.tensordot(a, b, 1), ((2, 3), (4, 2))),
    (lambda a, b: fnp.einsum("ij,jk->ik", a, b), ((2, 3), (4, 5))),
    (lambda a, b: fnp.vdot(a, b), ((2, 3), (5,))),
])
def test_mismatched_shapes_under_tracing_name_both_shapes(call, shapes):
    a, b = rand(shapes[0]), rand(shapes[1])
    with pytest.raises((ValueError, TypeError)) as info:
        fungrad.make_jaxpr(call)(a, b)
    msg = str(info.value)
    for s in shapes:
        dims = ",".join(map(str, s))
        assert f"[{dims}]" in msg or str(s) in msg, (s, msg)
    # also under grad, and the next call works
    with pytest.raises((ValueError, TypeError)):
        fungrad.grad(lambda a, b: fnp.sum(call(a, b)))(a, b)
    good = (rand((2, 3)), rand((3, 4)))
    assert_traces_and_replays(lambda a, b: a @ b, good, (rand((2, 3), seed=1),
                                                         rand((3, 4), seed=2)))


@pytest.mark.parametrize("call", [
    lambda a: fnp.matmul(a, 2.0), lambda a: fnp.linalg.inv(a[:, :2]),
    lambda a: fnp.linalg.det(a[0]), lambda a: fnp.linalg.solve(a, a[:2]),
    lambda a: fnp.cross(a[:, :1], a), lambda a: fnp.cross(a[0, 0], a),
    lambda a: fnp.cross(a, a, axisa=2), lambda a: fnp.diag(a[None]),
    lambda a: fnp.einsum("ij->k", a), lambda a: fnp.einsum("ijk", a),
])
def test_linalg_bad_arguments_raise(call):
    a = rand((3, 3))
    with pytest.raises((ValueError, TypeError)):
        call(a)
    with pytest.raises((ValueError, TypeError)):
        fungrad.make_jaxpr(call)(a)


# ---------------------------------------------------------------------------------------------
# triangular_solve: numpy's block substitution (no scipy), every op, across several blocks
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("n", [1, 32, 70])
def test_triangular_solve_block_substitution_against_numpy(n, dtype):
    import itertools

    from fungrad.prims.linalg import triangular_solve
    rng = np.random.default_rng(n)
    a = rng.standard_normal((2, n, n)) / np.sqrt(n) + 2 * np.eye(n)
    b = rng.standard_normal((2, n, 3))
    if np.dtype(dtype).kind == "c":
        a, b = a + 1j * rng.standard_normal(a.shape) / np.sqrt(n), b + 1j
    a, b = a.astype(dtype), b.astype(dtype)
    for lower, transpose_a, conjugate_a, unit in itertools.product([True, False], repeat=4):
        x = triangular_solve(a, b, lower=lower, transpose_a=transpose_a,
                             conjugate_a=conjugate_a, unit_diagonal=unit)
        assert x.dtype == dtype and x.shape == b.shape
        m = np.tril(a) if lower else np.triu(a)
        if unit:
            m = m - m * np.eye(n) + np.eye(n)
        m = np.conj(m) if conjugate_a else m
        m = np.swapaxes(m, -1, -2) if transpose_a else m
        expected = np.linalg.solve(m.astype(np.complex128), b.astype(np.complex128))
        np.testing.assert_allclose(x, expected, rtol=1e-4 if dtype == np.float32 else 1e-11,
                                   atol=1e-4 if dtype == np.float32 else 1e-12)


def test_triangular_solve_singular_gives_lapacks_infs():
    from fungrad.prims.linalg import triangular_solve
    a = np.eye(40)
    a[35, 35] = 0.0  # a zero pivot in the second block: inf there, then inf - inf = nan
    with np.errstate(invalid="ignore"):
        x = triangular_solve(a, np.ones((40, 1)), lower=True)
    np.testing.assert_array_equal(x[:35], 1.0)
    assert np.isinf(x[35, 0]) and np.isnan(x[36:]).all()


def test_triangular_solve_mixed_precision_solves_in_the_result_dtype():
    from fungrad.prims.linalg import triangular_solve
    rng = np.random.default_rng(7)
    a = (np.tril(rng.standard_normal((50, 50))) / 7 + np.eye(50)).astype(np.float32)
    b = rng.standard_normal((50, 2))
    x = triangular_solve(a, b)
    assert x.dtype == np.float64  # float32 a, float64 b: float64 throughout, not float32 inverses
    np.testing.assert_allclose(x, np.linalg.solve(a.astype(np.float64), b), rtol=1e-12,
                               atol=1e-13)
    assert triangular_solve(a, b.astype(np.float32)).dtype == np.float32
