"""fungrad.numpy creation and shape functions: values and dtypes against numpy, traced IR,
derivatives against finite differences (table rows as described in ``numpy_table.py``)."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy, assert_traces_and_replays, rand
from numpy_table import (
    FLOATS, check_derivatives, check_float32_grad_dtype, check_trace, check_value, table_params,
)

I2 = np.array([2, 0, 1, 0])          # a constant integer index array (with a repeat)
I2x2 = np.array([[0, -1], [1, 0]])   # negative and 2-D indices

SHAPES = [
    # reshape / ravel
    ("reshape", lambda m, x: m.reshape(x, (2, -1)), [((6,),), ((3, 2),), ((2, 0),)]),
    ("reshape_flat", lambda m, x: m.reshape(x, -1), [((),), ((2, 3),)]),
    ("reshape_3d", lambda m, x: m.reshape(x, (3, 1, -1)), [((2, 3),), ((0, 3),)]),
    ("reshape_scalar", lambda m, x: m.reshape(x, (1, 1)), [((),)]),
    ("reshape_method", lambda m, x: x.reshape(3, 2).reshape((6,)), [((2, 3),)]),
    ("ravel", lambda m, x: m.ravel(x), [((),), ((4,),), ((2, 3),), ((2, 0, 3),)]),
    # axes permutations
    ("transpose", lambda m, x: m.transpose(x), [((),), ((3,),), ((2, 3),), ((2, 3, 4),)]),
    ("transpose_axes", lambda m, x: m.transpose(x, (1, -1, 0)), [((2, 3, 4),), ((2, 0, 3),)]),
    ("T", lambda m, x: x.T, [((2, 3),)]),
    ("permute_dims", lambda m, x: m.permute_dims(x, (2, 0, 1)), [((2, 3, 4),)]),
    ("matrix_transpose", lambda m, x: m.matrix_transpose(x), [((2, 3),), ((4, 2, 3),)]),
    ("moveaxis", lambda m, x: m.moveaxis(x, 0, -1), [((2, 3, 4),), ((2, 3),)]),
    ("moveaxis_multi", lambda m, x: m.moveaxis(x, (0, 1), (-1, -3)), [((2, 3, 4, 5),)]),
    ("swapaxes", lambda m, x: m.swapaxes(x, 0, 2), [((2, 3, 4),)]),
    ("swapaxes_neg", lambda m, x: m.swapaxes(x, -1, 0), [((2, 3),), ((0, 3),)]),
    # adding / removing unit axes
    ("expand_dims", lambda m, x: m.expand_dims(x, 0), [((),), ((3,),), ((2, 3),)]),
    ("expand_dims_neg", lambda m, x: m.expand_dims(x, -1), [((3,),), ((2, 3),)]),
    ("expand_dims_tuple", lambda m, x: m.expand_dims(x, (0, 2)), [((3,),), ((2, 3),)]),
    ("squeeze", lambda m, x: m.squeeze(x), [((1, 3, 1),), ((1,),), ((1, 0),)]),
    ("squeeze_axis", lambda m, x: m.squeeze(x, axis=0), [((1, 3, 1),)]),
    ("squeeze_neg", lambda m, x: m.squeeze(x, axis=-1), [((1, 3, 1),)]),
    ("squeeze_tuple", lambda m, x: m.squeeze(x, axis=(0, 2)), [((1, 3, 1),)]),
    # broadcasting
    ("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3)), [((),), ((3,),), ((2, 1),)]),
    ("broadcast_to_0", lambda m, x: m.broadcast_to(x, (0, 3)), [((3,),)]),
    ("broadcast_arrays", lambda m, x, y: m.broadcast_arrays(x, y),
     [((3,), (2, 1)), ((), (2, 3)), ((2, 3), (2, 3))]),
    ("atleast_1d", lambda m, x: m.atleast_1d(x), [((),), ((3,),), ((2, 3),)]),
    ("atleast_2d", lambda m, x: m.atleast_2d(x), [((),), ((3,),), ((2, 3),), ((2, 3, 4),)]),
    ("atleast_3d", lambda m, x: m.atleast_3d(x), [((),), ((3,),), ((2, 3),), ((2, 3, 4),)]),
    ("atleast_2d_many", lambda m, x, y: m.atleast_2d(x, y), [((), (3,))]),
    # joining
    ("concatenate", lambda m, x, y: m.concatenate([x, y]), [((2,), (3,)), ((2, 3), (1, 3)),
                                                            ((0, 3), (2, 3))]),
    ("concatenate_axis1", lambda m, x, y: m.concatenate((x, y), axis=-1),
     [((2, 3), (2, 1)), ((2, 0), (2, 2))]),
    ("concatenate_none", lambda m, x, y: m.concatenate([x, y], axis=None),
     [((2, 3), (4,)), ((), (2,))]),
    ("concatenate_three", lambda m, x, y, z: m.concatenate([x, y, z], 1),
     [((2, 1), (2, 2), (2, 3))]),
    ("concatenate_mixed", lambda m, x: m.concatenate([x, np.ones((1, 2))]), [((2, 2),)]),
    ("hstack_int", lambda m, x: m.hstack([x, np.arange(2)]), [((3,),)]),
    ("stack_scalars", lambda m, x: m.stack([x, 1.0, x * 2.0]), [((),)]),
    ("stack", lambda m, x, y: m.stack([x, y]), [((), ()), ((3,), (3,)), ((2, 3), (2, 3))]),
    ("stack_axis", lambda m, x, y: m.stack([x, y], axis=-1), [((3,), (3,)), ((2, 3), (2, 3))]),
    ("stack_axis1", lambda m, x, y, z: m.stack((x, y, z), axis=1), [((2, 3),) * 3]),
    ("hstack", lambda m, x, y: m.hstack([x, y]), [((), ()), ((2,), (3,)), ((2, 1), (2, 3))]),
    ("vstack", lambda m, x, y: m.vstack([x, y]), [((), ()), ((3,), (3,)), ((1, 3), (2, 3))]),
    ("dstack", lambda m, x, y: m.dstack([x, y]), [((3,), (3,)), ((2, 3), (2, 3))]),
    ("column_stack", lambda m, x, y: m.column_stack([x, y]), [((3,), (3,)), ((3, 2), (3,))]),
    # splitting
    ("split", lambda m, x: m.split(x, 3), [((6,),), ((3, 2),)]),
    ("array_split_neg_indices", lambda m, x: m.array_split(x, [-1, 1]), [((3,),), ((4, 2),)]),
    ("array_split_far_indices", lambda m, x: m.array_split(x, [2, 10, -10]), [((3,),)]),
    ("split_indices", lambda m, x: m.split(x, [1, 3], axis=1), [((2, 5),), ((2, 2),)]),
    ("array_split", lambda m, x: m.array_split(x, 3), [((7,),), ((2,),), ((5, 2),)]),
    ("array_split_axis", lambda m, x: m.array_split(x, 2, axis=-1), [((2, 5),)]),
    # gathering
    ("take", lambda m, x, i: m.take(x, i), [((5,), I2), ((2, 3), I2x2)]),
    ("take_axis", lambda m, x, i: m.take(x, i, axis=1), [((2, 3), I2), ((2, 3, 2), I2x2)]),
    ("take_axis_neg", lambda m, x, i: m.take(x, i, axis=-1), [((2, 3), I2x2)]),
    ("take_along_axis", lambda m, x, i: m.take_along_axis(x, i, axis=1),
     [((2, 3), np.array([[2, 0, 0, 1], [1, 1, 2, 0]])), ((3, 3), np.array([[0], [2], [1]]))]),
    ("take_along_axis0", lambda m, x, i: m.take_along_axis(x, i, axis=0),
     [((3, 2), np.array([[2, 0], [1, 1]]))]),
    ("take_along_none", lambda m, x, i: m.take_along_axis(x, i, axis=None),
     [((2, 3), np.array([5, 0, 3]))]),
    ("tile", lambda m, x: m.tile(x, 2), [((),), ((3,),), ((2, 3),)]),
    ("tile_tuple", lambda m, x: m.tile(x, (2, 1, 2)), [((3,),), ((2, 3),)]),
    ("repeat", lambda m, x: m.repeat(x, 2), [((),), ((3,),), ((2, 3),)]),
    ("repeat_axis", lambda m, x: m.repeat(x, [1, 0, 3], axis=1), [((2, 3),)]),
    ("repeat_axis0", lambda m, x: m.repeat(x, 2, axis=0), [((2, 3),), ((0, 3),)]),
    # flips and rolls
    ("flip", lambda m, x: m.flip(x), [((),), ((4,),), ((2, 3),)]),
    ("flip_axis", lambda m, x: m.flip(x, 1), [((2, 3),), ((2, 3, 4),)]),
    ("flip_axes", lambda m, x: m.flip(x, (0, -1)), [((2, 3, 4),)]),
    ("fliplr", lambda m, x: m.fliplr(x), [((2, 3),)]),
    ("flipud", lambda m, x: m.flipud(x), [((3,),), ((2, 3),)]),
    ("roll", lambda m, x: m.roll(x, 1), [((4,),), ((2, 3),)]),
    ("roll_neg_axis", lambda m, x: m.roll(x, -2, axis=1), [((2, 3),), ((2, 0),)]),
    ("roll_big", lambda m, x: m.roll(x, 7, axis=0), [((3, 2),)]),
    ("roll_multi", lambda m, x: m.roll(x, (1, -1), axis=(0, 1)), [((2, 3),)]),
    ("rot90", lambda m, x: m.rot90(x), [((2, 3),), ((2, 3, 2),)]),
    ("rot90_k2", lambda m, x: m.rot90(x, 2), [((2, 3),)]),
    ("rot90_k3", lambda m, x: m.rot90(x, 3), [((2, 3),)]),
    ("rot90_kneg", lambda m, x: m.rot90(x, -1, axes=(1, 2)), [((2, 3, 4),)]),
    # padding
    ("pad", lambda m, x: m.pad(x, 1), [((3,),), ((2, 3),), ((0, 2),)]),
    ("pad_widths", lambda m, x: m.pad(x, ((1, 2), (0, 1))), [((2, 3),)]),
    ("pad_per_axis", lambda m, x: m.pad(x, ((1,), (2,))), [((2, 3),)]),
    ("pad_one_pair", lambda m, x: m.pad(x, ((2, 1),)), [((3,),), ((2, 3),)]),
    ("pad_singleton", lambda m, x: m.pad(x, (1,)), [((3,),), ((2, 3),)]),
    ("pad_value", lambda m, x: m.pad(x, (2, 1), constant_values=1.5), [((3,),), ((2, 2),)]),
    ("pad_edge", lambda m, x: m.pad(x, ((1, 2), (2, 0)), mode="edge"), [((2, 3),)]),
    ("pad_reflect", lambda m, x: m.pad(x, 2, mode="reflect"), [((4,),), ((3, 4),)]),
    ("pad_symmetric", lambda m, x: m.pad(x, ((1, 2),), mode="symmetric"), [((4,),),
                                                                             ((3, 4),)]),
    ("pad_wrap", lambda m, x: m.pad(x, (3, 1), mode="wrap"), [((3,),), ((2, 3),)]),
    # triangles
    ("triu", lambda m, x: m.triu(x), [((3,),), ((3, 3),), ((2, 4),), ((2, 3, 3),)]),
    ("triu_k", lambda m, x: m.triu(x, 1), [((3, 3),), ((4, 2),)]),
    ("tril", lambda m, x: m.tril(x), [((3,),), ((3, 3),), ((2, 4),), ((2, 3, 3),)]),
    ("tril_k", lambda m, x: m.tril(x, -1), [((3,),), ((3, 3),), ((2, 4),)]),
    # sorting
    ("sort", lambda m, x: m.sort(x), [((5,),), ((3, 4),), ((0,),)]),
    ("sort_axis0", lambda m, x: m.sort(x, axis=0), [((3, 4),)]),
    ("sort_none", lambda m, x: m.sort(x, axis=None), [((3, 4),)]),
    ("argsort", lambda m, x: m.argsort(x), [((5,),), ((3, 4),), ((0,),)]),
    ("argsort_axis0", lambda m, x: m.argsort(x, axis=0), [((3, 4),)]),
    ("argsort_none", lambda m, x: m.argsort(x, axis=None), [((3, 4),)]),
    # creation from traced values
    ("array_of_traced", lambda m, x: m.array([x[0], 2.0 * x[1], x[2]]), [((3,),)]),
    ("array_nested", lambda m, x: m.array([[x[0], x[1]], [x[1], x[0]]]), [((2,),),
                                                                            ((2, 3),)]),
    ("array_traced_and_const", lambda m, x: m.array([x[0], 1.0]), [((2,),)]),
    ("array_dtype", lambda m, x: m.array([x[0], x[1]], dtype=np.float64), [((2,),)]),
    ("asarray", lambda m, x: m.asarray(x) * 2.0, [((3,),)]),
    ("asarray_list", lambda m, x: m.asarray([x, x * x]), [((3,),)]),
    ("full_traced", lambda m, v: m.full((2, 3), v), [((),), ((3,),)]),
    ("full_traced_int_shape", lambda m, v: m.full(4, v), [((),)]),
    ("full_like_traced", lambda m, x, v: m.full_like(x, v) * x, [((2, 3), ())]),
    ("zeros_ones_like", lambda m, x: m.ones_like(x) * x + m.zeros_like(x),
     [((),), ((2, 3),)]),
    ("constants_in_trace", lambda m, x: x @ (m.eye(3, dtype=x.dtype) + m.identity(3, x.dtype)
                                             + m.tri(3, k=-1, dtype=x.dtype))
     + m.arange(3, dtype=x.dtype) + m.linspace(0, 1, 3, dtype=x.dtype)
     + m.full(3, 2.0, x.dtype) + m.zeros(3, x.dtype) * m.ones((1, 3), x.dtype),
     [((2, 3),), ((3,),)]),
    ("linspace_traced", lambda m, a, b: m.linspace(a, b, 5), [((), ()), ((3,), (3,)),
                                                               ((2,), ())]),
    ("linspace_open", lambda m, a, b: m.linspace(a, b, 4, endpoint=False), [((), ())]),
    ("linspace_num1", lambda m, a, b: m.linspace(a, b, 1), [((), ())]),
]

# rows whose outputs are integers (no derivative to check)
NONDIFF = {"argsort", "argsort_axis0", "argsort_none"}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn,specs", table_params(SHAPES))
def test_value_matches_numpy(fn, specs, dtype):
    check_value(fn, specs, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn,specs", table_params(SHAPES))
def test_traces_and_replays(fn, specs, dtype):
    check_trace(fn, specs, dtype)


@pytest.mark.parametrize("fn,specs", table_params(SHAPES, skip=NONDIFF))
def test_derivatives(fn, specs):
    check_derivatives(fn, specs)


@pytest.mark.parametrize("fn,specs", table_params(SHAPES, skip=NONDIFF))
def test_float32_gradients_stay_float32(fn, specs):
    check_float32_grad_dtype(fn, specs)


# ---------------------------------------------------------------------------------------------
# Creation of constants
# ---------------------------------------------------------------------------------------------

CREATION = [
    ("array", lambda m, d: m.array([[1.0, 2.0], [3.0, 4.0]], dtype=d)),
    ("array_ndmin", lambda m, d: m.array([1.0, 2.0], dtype=d, ndmin=3)),
    ("array_default", lambda m, d: m.array([1, 2.5]).astype(d)),
    ("asarray", lambda m, d: m.asarray([1, 2, 3], dtype=d)),
    ("zeros", lambda m, d: m.zeros((2, 3), d)),
    ("zeros_int_shape", lambda m, d: m.zeros(3, dtype=d)),
    ("zeros_0", lambda m, d: m.zeros((0, 2), d)),
    ("ones", lambda m, d: m.ones((3,), d)),
    ("ones_scalar", lambda m, d: m.ones((), d)),
    ("full", lambda m, d: m.full((2, 2), 7.5, d)),
    ("full_infer", lambda m, d: m.full(3, d(2.0))),
    ("zeros_like", lambda m, d: m.zeros_like(np.ones((2, 3), d))),
    ("ones_like", lambda m, d: m.ones_like(np.ones((2, 3), d))),
    ("ones_like_dtype", lambda m, d: m.ones_like(np.ones(3, np.int64), dtype=d)),
    ("full_like", lambda m, d: m.full_like(np.ones((2, 3), d), 3.25)),
    ("arange", lambda m, d: m.arange(5, dtype=d)),
    ("arange_start_stop_step", lambda m, d: m.arange(1, 2, 0.25, dtype=d)),
    ("arange_float", lambda m, d: m.arange(d(3.0))),
    ("arange_empty", lambda m, d: m.arange(3, 1, dtype=d)),
    ("linspace", lambda m, d: m.linspace(0.0, 1.0, 5, dtype=d)),
    ("linspace_endpoint", lambda m, d: m.linspace(d(-1.0), d(2.0), 4, endpoint=False)),
    ("linspace_0", lambda m, d: m.linspace(0.0, 1.0, 0, dtype=d)),
    ("eye", lambda m, d: m.eye(3, dtype=d)),
    ("eye_rect_k", lambda m, d: m.eye(2, 4, k=1, dtype=d)),
    ("eye_neg_k", lambda m, d: m.eye(3, k=-2, dtype=d)),
    ("identity", lambda m, d: m.identity(3, dtype=d)),
    ("tri", lambda m, d: m.tri(3, dtype=d)),
    ("tri_rect_k", lambda m, d: m.tri(2, 4, k=1, dtype=d)),
]


@pytest.mark.parametrize("dtype", FLOATS + [np.int64])
@pytest.mark.parametrize("name,fn", CREATION, ids=[c[0] for c in CREATION])
def test_creation_matches_numpy(name, fn, dtype):
    assert_same_as_numpy(fn(fnp, dtype), fn(np, dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_creation_defaults_are_float64(dtype):
    for ours, theirs in [(fnp.zeros(2), np.zeros(2)), (fnp.ones((2, 1)), np.ones((2, 1))),
                         (fnp.eye(2), np.eye(2)), (fnp.identity(2), np.identity(2)),
                         (fnp.tri(2), np.tri(2)), (fnp.arange(3), np.arange(3)),
                         (fnp.full(2, 1), np.full(2, 1)), (fnp.linspace(0, 1, 3),
                                                           np.linspace(0, 1, 3))]:
        assert_same_as_numpy(ours, theirs)


@pytest.mark.parametrize("dtype", FLOATS)
def test_empty_has_numpy_shape_and_dtype(dtype):
    for ours, theirs in [(fnp.empty((2, 3), dtype), np.empty((2, 3), dtype)),
                         (fnp.empty(0, dtype), np.empty(0, dtype)),
                         (fnp.empty_like(np.ones((3, 1), dtype)), np.ones((3, 1), dtype))]:
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype


def test_creation_under_trace_uses_traced_shape_and_dtype():
    def f(x):
        z = fnp.zeros_like(x) + fnp.ones(x.shape, x.dtype) + fnp.full_like(x, 2.0)
        return z * x + fnp.eye(x.shape[0], dtype=x.dtype) @ x
    for dtype in FLOATS:
        x = rand((3, 3), dtype)
        ours = fungrad.make_jaxpr(f)(x)
        fungrad.check_jaxpr(ours)
        assert ours.out_avals[0].dtype == dtype
        got = fungrad.eval_jaxpr(ours.jaxpr, ours.consts, x)[0]
        theirs = 3.0 * x + np.eye(3, dtype=dtype) @ x
        assert_same_as_numpy(got, theirs.astype(dtype))


def test_full_traced_fill_value_gradient():
    # d/dv sum(full((2, 3), v) * w) = sum(w)
    w = rand((2, 3), seed=3)
    g = fungrad.grad(lambda v: fnp.sum(fnp.full((2, 3), v) * w))(np.float64(0.7))
    np.testing.assert_allclose(g, w.sum(), rtol=1e-12)


def test_linspace_traced_endpoint_gradients():
    # linspace(a, b, n)[k] = a + k/(n-1) (b - a)
    w = rand((5,), seed=4)
    t = np.arange(5) / 4.0
    ga, gb = fungrad.grad(lambda a, b: fnp.sum(fnp.linspace(a, b, 5) * w), argnums=(0, 1))(
        np.float64(-1.0), np.float64(2.0))
    np.testing.assert_allclose(ga, np.sum(w * (1 - t)), rtol=1e-12)
    np.testing.assert_allclose(gb, np.sum(w * t), rtol=1e-12)


def test_array_of_traced_values_gradient():
    g = fungrad.grad(lambda x: fnp.sum(fnp.array([x[0] * x[1], x[1], 3.0]) ** 2))(
        np.array([2.0, 5.0]))
    # f = (x0 x1)^2 + x1^2 + 9
    np.testing.assert_allclose(g, [2 * 2.0 * 5.0 ** 2, 2 * 2.0 ** 2 * 5.0 + 2 * 5.0])


# ---------------------------------------------------------------------------------------------
# Specific behaviours
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_pad_constant_value_is_differentiable(dtype):
    def f(x, v):
        return fnp.pad(x, ((1, 0), (2, 1)), constant_values=v)
    x, v = rand((2, 3), dtype), rand((), dtype, seed=1)
    assert_same_as_numpy(f(x, v), np.pad(x, ((1, 0), (2, 1)), constant_values=v))
    assert_traces_and_replays(f, (x.astype(np.float64), np.float64(v)),
                              (rand((2, 3), seed=5), np.float64(-0.3)))
    assert_derivatives(f, (x.astype(np.float64), np.float64(v)))
    # the value shows up at the 3*6 - 2*3 = 12 padded positions
    gv = fungrad.grad(lambda v: fnp.sum(f(x, v)))(v)
    assert np.asarray(gv).dtype == dtype
    np.testing.assert_allclose(gv, 12.0, rtol=1e-6)


def test_sort_gradient_follows_the_permutation():
    x = np.array([3.0, 1.0, 2.0])
    w = np.array([10.0, 20.0, 30.0])
    g = fungrad.grad(lambda x: fnp.sum(fnp.sort(x) * w))(x)
    np.testing.assert_array_equal(g, [30.0, 10.0, 20.0])


def test_take_with_traced_indices():
    x = rand((5,), seed=2)

    def f(x, i):
        return fnp.take(x, i) * 2.0
    i = np.array([4, 0, 4])
    assert_traces_and_replays(f, (x, i), (rand((5,), seed=9), np.array([1, 2, -1])))
    g = fungrad.grad(lambda x: fnp.sum(f(x, i)))(x)
    np.testing.assert_array_equal(g, [2.0, 0, 0, 0, 4.0])


def test_split_pieces_have_independent_gradients():
    def f(x):
        a, b, c = fnp.split(x, [1, 3])
        return fnp.sum(a) + 2.0 * fnp.sum(b) + 3.0 * fnp.sum(c)
    g = fungrad.grad(f)(rand((5,)))
    np.testing.assert_array_equal(g, [1.0, 2.0, 2.0, 3.0, 3.0])


@pytest.mark.parametrize("fn,exc", [
    (lambda x: fnp.reshape(x, (4, -1)), ValueError),
    (lambda x: fnp.reshape(x, (-1, -1)), ValueError),
    (lambda x: fnp.reshape(x, (5,)), ValueError),
    (lambda x: fnp.transpose(x, (0, 0)), ValueError),
    (lambda x: fnp.squeeze(x, 0), ValueError),
    (lambda x: fnp.broadcast_to(x, (3, 2)), ValueError),
    (lambda x: fnp.concatenate([x, fnp.ones((2, 2))]), ValueError),
    (lambda x: fnp.stack([x, fnp.ones((3, 2))]), ValueError),
    (lambda x: fnp.split(x, 4, axis=1), ValueError),
    (lambda x: fnp.swapaxes(x, 0, 2), ValueError),
])
def test_shape_errors_under_tracing(fn, exc):
    x = rand((2, 3))
    with pytest.raises(exc, match=r"\S"):
        fungrad.make_jaxpr(fn)(x)
    # and the next trace works
    assert_traces_and_replays(lambda x: fnp.reshape(x, (3, 2)), (x,), (rand((2, 3), seed=1),))


def test_argsort_has_a_zero_derivative():
    # argsort's result is an integer permutation: no tangent flows through it (JAX's float0),
    # and reverse mode through a sort follows the permutation only
    x = np.array([3.0, 1.0, 2.0])
    out, tangent = fungrad.jvp(fnp.argsort, (x,), (np.ones(3),))
    np.testing.assert_array_equal(out, np.argsort(x))
    assert tangent.dtype == fungrad.float0 and tangent.shape == (3,)
    g = fungrad.grad(lambda x: fnp.sum(x[fnp.argsort(x)] * np.arange(3.0)))(x)
    np.testing.assert_array_equal(g, [2.0, 0.0, 1.0])
