"""fungrad.lax shape, slicing, dynamic slicing, select and creation functions: values
against numpy, derivatives of order 2 in both modes, jit, vmap, bad input."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
from fungrad import lax
from helpers import assert_derivatives, assert_same_as_numpy, rand

CASES = [  # (name, lax function of x, numpy reference, shape)
    ("broadcast", lambda x: lax.broadcast(x, (2,)), lambda x: np.broadcast_to(x, (2,) + x.shape),
     (3,)),
    ("broadcast_scalar", lambda x: lax.broadcast(x, (2, 1)), lambda x: np.full((2, 1), x), ()),
    ("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 4, 3), (0, 2)),
     lambda x: np.broadcast_to(x[:, None, :], (2, 4, 3)), (2, 3)),
    ("broadcast_in_dim_out_of_order", lambda x: lax.broadcast_in_dim(x, (3, 2, 4), (1, 0)),
     lambda x: np.broadcast_to(x.T[:, :, None], (3, 2, 4)), (2, 3)),
    ("broadcast_in_dim_ones", lambda x: lax.broadcast_in_dim(x, (2, 3), (1,)),
     lambda x: np.broadcast_to(x, (2, 3)), (1,)),
    ("reshape", lambda x: lax.reshape(x, (3, 2)), lambda x: x.reshape(3, 2), (2, 3)),
    ("reshape_dims", lambda x: lax.reshape(x, (6,), (1, 0)), lambda x: x.T.reshape(6), (2, 3)),
    ("reshape_empty", lambda x: lax.reshape(x, (3, 0)), lambda x: x.reshape(3, 0), (0, 3)),
    ("transpose", lambda x: lax.transpose(x, (2, 0, 1)), lambda x: x.transpose(2, 0, 1),
     (2, 3, 4)),
    ("squeeze", lambda x: lax.squeeze(x, (0, -1)), lambda x: x[0, :, 0], (1, 3, 1)),
    ("expand_dims", lambda x: lax.expand_dims(x, (0, -1)), lambda x: x[None, :, None], (3,)),
    ("rev", lambda x: lax.rev(x, (0, 1)), lambda x: x[::-1, ::-1], (2, 3)),
    ("concatenate", lambda x: lax.concatenate([x, 2 * x], 1),
     lambda x: np.concatenate([x, 2 * x], 1), (2, 3)),
    ("slice", lambda x: lax.slice(x, (0, 1), (2, 5), (1, 2)), lambda x: x[0:2, 1:5:2],
     (3, 5)),
    ("slice_in_dim", lambda x: lax.slice_in_dim(x, -3, None, 2, axis=1),
     lambda x: x[:, -3::2], (2, 5)),
    ("index_in_dim", lambda x: lax.index_in_dim(x, 1, axis=1), lambda x: x[:, 1:2], (2, 3)),
    ("index_in_dim_drop", lambda x: lax.index_in_dim(x, -1, 0, keepdims=False),
     lambda x: x[-1], (2, 3)),
    ("dynamic_slice", lambda x: lax.dynamic_slice(x, (1, 2), (2, 2)), lambda x: x[1:3, 2:4],
     (3, 5)),
    ("dynamic_slice_clamped", lambda x: lax.dynamic_slice(x, (-4, 9), (2, 2)),
     lambda x: x[0:2, 3:5], (3, 5)),
    ("dynamic_slice_in_dim", lambda x: lax.dynamic_slice_in_dim(x, 1, 2, axis=1),
     lambda x: x[:, 1:3], (2, 4)),
    ("dynamic_index_in_dim", lambda x: lax.dynamic_index_in_dim(x, 5, 0, keepdims=False),
     lambda x: x[-1], (3, 2)),
    ("dynamic_update_slice", lambda x: lax.dynamic_update_slice(x, x[:1, :2] * 3, (2, 4)),
     lambda x: _updated(x, (slice(2, 3), slice(3, 5)), x[:1, :2] * 3), (3, 5)),
    ("dynamic_update_slice_in_dim",
     lambda x: lax.dynamic_update_slice_in_dim(x, x[:, :1] ** 2, 2, axis=1),
     lambda x: _updated(x, (slice(None), slice(2, 3)), x[:, :1] ** 2), (2, 4)),
    ("dynamic_update_index_in_dim",
     lambda x: lax.dynamic_update_index_in_dim(x, x[0] * 2, 1, axis=0),
     lambda x: _updated(x, (1,), x[0] * 2), (3, 2)),
]


def _updated(x, where, update):
    out = x.copy()
    out[where] = update
    return out


@pytest.mark.parametrize("name,f,ref,shape", CASES, ids=[c[0] for c in CASES])
def test_shape_functions(name, f, ref, shape):
    x = rand(shape)
    assert_same_as_numpy(f(x), ref(x))
    assert_same_as_numpy(f(x.astype(np.float32)), ref(x.astype(np.float32)))
    assert_same_as_numpy(fungrad.jit(f)(x), ref(x))
    xs = rand((2,) + shape, seed=1)
    assert_same_as_numpy(fungrad.vmap(f)(xs), np.stack([ref(v) for v in xs]))
    if x.size:
        assert_derivatives(f, (x,))


def test_dynamic_slices_with_traced_starts():
    x = rand((4, 5))
    f = lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 3))  # noqa: E731
    jf = fungrad.jit(f)
    for i, j in [(0, 0), (1, 2), (3, 4), (-1, 7), (-3, -2), (-9, -5)]:
        # as in JAX: a negative start counts from the end, then the start is clamped
        i, j = (i + 4 if i < 0 else i), (j + 5 if j < 0 else j)
        ci, cj = min(max(i, 0), 2), min(max(j, 0), 2)
        assert_same_as_numpy(jf(x, i, j), x[ci:ci + 2, cj:cj + 3])
    assert_derivatives(lambda x: f(x, np.int64(1), np.int64(1)), (x,))
    # a different start per example: vmap over the starts
    starts = np.array([0, 1, 2, 5])
    got = fungrad.vmap(lambda i: lax.dynamic_slice_in_dim(x, i, 2))(starts)
    assert_same_as_numpy(got, np.stack([x[min(i, 2):min(i, 2) + 2] for i in starts]))
    # JAX 0.10.2: vmap(lambda i: dynamic_slice_in_dim(arange(5.), i, 2))([-1, -2, 0, 9])
    got = fungrad.vmap(lambda i: lax.dynamic_slice_in_dim(np.arange(5.0), i, 2))(
        np.array([-1, -2, 0, 9]))
    assert got.tolist() == [[3.0, 4.0], [3.0, 4.0], [0.0, 1.0], [3.0, 4.0]]
    assert lax.dynamic_index_in_dim(np.arange(5.0), -1, keepdims=False) == 4.0
    assert lax.dynamic_update_index_in_dim(np.arange(5.0), 9.0, -7, 0).tolist() == \
        [9.0, 1.0, 2.0, 3.0, 4.0]
    g = fungrad.jit(lambda x, u, i: lax.dynamic_update_slice(x, u, (i, np.int64(0))))
    u = rand((1, 5), seed=2)
    assert_same_as_numpy(g(x, u, 3), _updated(x, (slice(3, 4),), u))
    assert_same_as_numpy(g(x, u, 9), _updated(x, (slice(3, 4),), u))
    assert_derivatives(lambda x, u: lax.dynamic_update_slice(x, u, (1, 0)), (x, u))
    # inside a loop: the classic use
    def body(i, acc):
        return lax.dynamic_update_index_in_dim(acc, lax.dynamic_index_in_dim(x, i, 0,
                                                                             False) * i, i, 0)
    out = lax.fori_loop(0, 4, body, np.zeros((4, 5)))
    assert_same_as_numpy(out, x * np.arange(4.0)[:, None])


def test_select_and_select_n():
    p = np.array([True, False, True])
    a, b = rand((3,)), rand((3,), seed=1)
    assert_same_as_numpy(lax.select(p, a, b), np.where(p, a, b))
    assert_same_as_numpy(lax.select_n(p, a, b), np.where(p, b, a))
    which = np.array([2, 0, 1], np.int32)
    c = rand((3,), seed=2)
    assert_same_as_numpy(lax.select_n(which, a, b, c), np.choose(which, [a, b, c]))
    assert_derivatives(lambda a, b, c: lax.select_n(which, a, b, c), (a, b, c))
    assert_same_as_numpy(fungrad.jit(lambda w, a, b, c: lax.select_n(w, a, b, c))(which, a, b, c),
                         np.choose(which, [a, b, c]))
    assert_same_as_numpy(fungrad.vmap(lambda w, a, b: lax.select_n(w, a, b))(p, a, b),
                         np.where(p, b, a))
    with pytest.raises(TypeError, match="select_n: which must be"):
        lax.select_n(np.array([0.5]), a, b)
    with pytest.raises(ValueError, match="two cases"):
        lax.select_n(p, a, b, c)


def test_casts_and_creation():
    x = np.array([1.7, -1.7, 0.0])
    assert_same_as_numpy(lax.convert_element_type(x, np.int32), x.astype(np.int32))
    assert_same_as_numpy(lax.convert_element_type(x, bool), x.astype(bool))
    g = fungrad.grad(lambda x: lax.convert_element_type(x, np.float32).sum())(x)
    assert g.dtype == np.float64
    assert_derivatives(lambda x: lax.convert_element_type(x, np.float32).astype(np.float64),
                       (x,), atol=1e-3, rtol=1e-3)
    f32 = np.array([1.0, -2.5], np.float32)
    assert_same_as_numpy(lax.bitcast_convert_type(f32, np.int32), f32.view(np.int32))
    assert_same_as_numpy(lax.bitcast_convert_type(f32, np.uint8),
                         f32.view(np.uint8).reshape(2, 4))
    assert_same_as_numpy(lax.bitcast_convert_type(f32.view(np.uint8).reshape(2, 4),
                                                  np.float32), f32)
    with pytest.raises(TypeError, match="bitcast_convert_type.*last axis of 4"):
        lax.bitcast_convert_type(np.zeros(3, np.uint8), np.float32)
    assert_same_as_numpy(lax.iota(np.float32, 4), np.arange(4, dtype=np.float32))
    assert_same_as_numpy(lax.broadcasted_iota(np.int64, (2, 3), 0),
                         np.repeat(np.arange(2)[:, None], 3, 1))
    assert_same_as_numpy(lax.full((2, 2), 1.5), np.full((2, 2), 1.5))
    assert_same_as_numpy(lax.full_like(np.zeros(3, np.int32), 2.7), np.full(3, 2, np.int32))
    assert_same_as_numpy(lax.full_like(np.zeros(3), 1, shape=(1,), dtype=np.int8),
                         np.ones(1, np.int8))
    assert_same_as_numpy(fungrad.grad(lambda v: lax.full((3,), v).sum())(2.0), np.float64(3.0))


def test_shape_bad_input():
    x = np.ones((2, 3))
    with pytest.raises(TypeError, match="broadcast_in_dim"):
        lax.broadcast_in_dim(x, (2, 3), (1, 0))
    with pytest.raises(TypeError, match="one distinct dimension per axis"):
        lax.broadcast_in_dim(x, (3, 2, 4), (1, 1))
    with pytest.raises(ValueError, match="squeeze: axis 1"):
        lax.squeeze(x, (1,))
    with pytest.raises(ValueError, match="out of bounds"):
        lax.expand_dims(x, (5,))
    with pytest.raises(ValueError, match="slice: start"):
        lax.slice(x, (0, 2), (2, 1))
    with pytest.raises(TypeError, match="one entry per axis"):
        lax.slice(x, (0,), (2,))
    with pytest.raises(TypeError, match="dynamic_slice: start indices must be integer"):
        lax.dynamic_slice(x, (0.5, 0), (1, 1))
    with pytest.raises(TypeError, match="slice_sizes"):
        lax.dynamic_slice(x, (0, 0), (3, 1))
    with pytest.raises(TypeError, match="one start index per axis"):
        lax.dynamic_slice(x, (0,), (1, 1))
    with pytest.raises(TypeError, match="must have the operand's rank and fit"):
        lax.dynamic_update_slice(x, np.ones((3, 1)), (0, 0))
    with pytest.raises(ValueError, match="index_in_dim: index 2"):
        lax.index_in_dim(x, 2)
    with pytest.raises(ValueError, match="reshape"):
        lax.reshape(x, (4,))
    with pytest.raises(TypeError, match="full: fill_value must be a scalar"):
        lax.full((2,), np.ones(2))
    assert lax.slice(x, (0, 0), (1, 1)).shape == (1, 1)


def test_small_shape_helpers():
    x = rand((2, 3, 4))
    assert lax.broadcast_shapes((2, 1), (3,), ()) == (2, 3)
    with pytest.raises(ValueError, match="broadcast_shapes"):
        lax.broadcast_shapes((2,), (3,))
    assert_same_as_numpy(lax.broadcast_to_rank(x, 4), x[None])
    assert_same_as_numpy(lax.collapse(x, 0, 2), x.reshape(6, 4))
    assert_same_as_numpy(lax.collapse(x, 1), x.reshape(2, 12))
    assert_same_as_numpy(lax.tile(x, (2, 1, 3)), np.tile(x, (2, 1, 3)))
    assert_derivatives(lambda x: lax.tile(x, (2, 1, 2)), (x,))
    parts = lax.split(x, (1, 0, 2), axis=1)
    for got, want in zip(parts, np.split(x, [1, 1], axis=1)):
        assert_same_as_numpy(got, want)
    assert_derivatives(lambda x: lax.split(x, (3, 1), axis=-1)[1], (x,))
    with pytest.raises(ValueError, match="split: sizes"):
        lax.split(x, (1, 1), axis=1)
    assert_same_as_numpy(lax.optimization_barrier(x), x)
    assert_same_as_numpy(lax.reciprocal(x), 1 / x)
    # recorded from jax 0.10.2
    assert_same_as_numpy(lax.index_take(np.arange(24.0).reshape(2, 3, 4),
                                        [np.array([1, 0]), np.array([2, 3])], [1, 2]),
                         np.array([[6.0, 18.0], [3.0, 15.0]]))
    assert_same_as_numpy(fungrad.vmap(lambda x: lax.tile(x, (2, 1)))(x),
                         np.tile(x, (1, 2, 1)))


def test_stack_unstack_empty_broadcast_like():
    a, b = rand((2, 3)), rand((2, 3), seed=1)
    assert_same_as_numpy(lax.stack([a, b], axis=-1), np.stack([a, b], -1))
    assert_derivatives(lambda a, b: lax.stack([a, b], 1), (a, b))
    for got, want in zip(lax.unstack(a, 1), [a[:, i] for i in range(3)]):
        assert_same_as_numpy(got, want)
    assert_derivatives(lambda a: lax.unstack(a)[1], (a,))
    assert lax.empty((2, 0), np.float32).shape == (2, 0)
    assert lax.empty((3,), np.int8).dtype == np.int8
    assert_same_as_numpy(lax.broadcast_like(a[0], b), np.broadcast_to(a[0], (2, 3)))
    assert_same_as_numpy(fungrad.vmap(lambda a, b: lax.stack([a, b]))(a, b), np.stack([a, b], 1))
    with pytest.raises(ValueError, match="stack: needs"):
        lax.stack([])


def test_vmap_over_dynamic_starts_is_one_gather():
    x = rand((4, 5))
    starts = np.array([0, 2, 3, -1])
    f = lambda i, j: lax.dynamic_slice(x, (i, j), (2, 3))  # noqa: E731
    got = fungrad.vmap(f)(starts, starts[::-1])
    want = np.stack([f(i, j) for i, j in zip(starts, starts[::-1])])
    assert_same_as_numpy(got, want)
    closed = fungrad.make_jaxpr(fungrad.vmap(f))(starts, starts)
    assert "dynamic_slice" not in str(closed) and "gather" in str(closed)
    xs = rand((4, 3, 5), seed=1)
    g = lambda x, i: lax.dynamic_slice_in_dim(x, i, 2, axis=1)  # noqa: E731
    assert_same_as_numpy(fungrad.vmap(g)(xs, starts),
                         np.stack([g(a, i) for a, i in zip(xs, starts)]))
    assert_derivatives(lambda xs: fungrad.vmap(g)(xs, starts), (xs,))
    u = rand((4, 3, 2), seed=2)
    h = lambda x, u, i: lax.dynamic_update_slice(x, u, (np.int64(0), i))  # noqa: E731
    assert_same_as_numpy(fungrad.vmap(h)(xs, u, starts),
                         np.stack([h(a, b, i) for a, b, i in zip(xs, u, starts)]))
    assert_same_as_numpy(fungrad.vmap(h, in_axes=(None, 0, 0))(xs[0], u, starts),
                         np.stack([h(xs[0], b, i) for b, i in zip(u, starts)]))
    assert_derivatives(lambda xs, u: fungrad.vmap(h)(xs, u, starts), (xs, u))


def test_allow_negative_indices_and_top_k_axis():
    x = np.arange(5.0)
    with pytest.raises(ValueError, match="index -2 is out of bounds for dimension 5 with "
                                         "allow_negative_indices=False"):
        lax.dynamic_slice(x, (-2,), (2,), allow_negative_indices=False)
    # traced and not wrapped: clamped to 0 as XLA clamps
    f = fungrad.jit(lambda i: lax.dynamic_update_slice(x, np.ones(1), (i,),
                                                       allow_negative_indices=[False]))
    assert f(-1).tolist() == [1.0, 1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="needs one flag per axis"):
        lax.dynamic_slice(x, (1,), (2,), allow_negative_indices=[True, False])
    # JAX 0.10.2: top_k([[1, 5], [3, 2]], 1, axis=0) -> ([[3, 5]], [[1, 0]])
    values, index = lax.top_k(np.array([[1.0, 5.0], [3.0, 2.0]]), 1, axis=0)
    assert values.tolist() == [[3.0, 5.0]] and index.tolist() == [[1, 0]]
    cube = rand((2, 3, 4))
    values, index = lax.top_k(cube, 2, axis=1)
    assert_same_as_numpy(values, -np.sort(-cube, axis=1)[:, :2])
    assert_derivatives(lambda c: lax.top_k(c, 2, axis=1)[0], (cube,))


def test_float_to_integer_conversion_saturates_as_xla():
    # JAX 0.10.2 values: NaN -> 0, out of range -> the type's extremes (exactly)
    x = np.array([np.nan, 1e30, -1e30, 2.7, -2.7])
    assert lax.convert_element_type(x, np.int32).tolist() == [0, 2147483647, -2147483648, 2, -2]
    assert lax.convert_element_type(np.array([-1.0, 300.0, 255.9]), np.uint8).tolist() == \
        [0, 255, 255]
    big = lax.convert_element_type(np.array([np.nan, 1e300, -1e300, 9.3e18]), np.int64)
    assert big.tolist() == [0, 2**63 - 1, -2**63, 2**63 - 1]
    assert lax.convert_element_type(np.array([1e10, -5.0], np.float32), np.int32).tolist() == \
        [2147483647, -5]
    assert lax.convert_element_type(np.array([3.7 + 2j]), np.int16).tolist() == [3]
    traced = fungrad.jit(lambda x: lax.convert_element_type(x, np.int8))
    assert traced(np.array([np.nan, 200.0, -200.5, 5.5])).tolist() == [0, 127, -128, 5]
    batched = fungrad.vmap(lambda x: lax.convert_element_type(x, np.uint16))
    assert batched(np.array([[-3.0, 7e4]])).tolist() == [[0, 65535]]
    assert lax.convert_element_type(np.array([300]), np.int8).tolist() == [44]  # ints wrap
