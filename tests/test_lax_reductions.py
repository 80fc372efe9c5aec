"""fungrad.lax reductions, cumulative operations, sorting, contractions, map and
associative_scan: values against numpy, derivatives of order 2 in both modes, jit, vmap,
bad input."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import lax
from helpers import assert_derivatives, assert_same_as_numpy, rand

CASES = [  # (name, lax function of x, numpy reference, shape, differentiable)
    ("reduce_sum", lambda x: lax.reduce_sum(x, (0, 2)), lambda x: x.sum((0, 2)), (2, 3, 4), True),
    ("reduce_sum_none", lambda x: lax.reduce_sum(x, ()), lambda x: x, (3,), True),
    ("reduce_sum_empty", lambda x: lax.reduce_sum(x, (0,)), lambda x: x.sum(0), (0, 3), True),
    ("reduce_prod", lambda x: lax.reduce_prod(x, (1,)), lambda x: x.prod(1), (2, 3), True),
    ("reduce_max", lambda x: lax.reduce_max(x, (-1,)), lambda x: x.max(-1), (2, 3), True),
    ("reduce_min", lambda x: lax.reduce_min(x, (0, 1)), lambda x: x.min((0, 1)), (2, 3), True),
    ("reduce_add", lambda x: lax.reduce(x, 0.0, lax.add, (1,)), lambda x: x.sum(1), (2, 3),
     True),
    ("reduce_mul_init", lambda x: lax.reduce(x, 2.0, operator.mul, (0,)),
     lambda x: 2.0 * x.prod(0), (3, 2), True),
    ("reduce_max_init", lambda x: lax.reduce(x, 0.5, fnp.maximum, (0,)),
     lambda x: np.maximum(0.5, x.max(0)), (3, 2), True),
    ("cumsum", lambda x: lax.cumsum(x, 1), lambda x: np.cumsum(x, 1), (2, 4), True),
    ("cumsum_rev", lambda x: lax.cumsum(x, 0, reverse=True),
     lambda x: np.cumsum(x[::-1], 0)[::-1], (3, 2), True),
    ("cumprod", lambda x: lax.cumprod(x, -1), lambda x: np.cumprod(x, -1), (2, 4), True),
    ("cummax", lambda x: lax.cummax(x, 1), lambda x: np.maximum.accumulate(x, 1), (3, 5), True),
    ("cummax_rev", lambda x: lax.cummax(x, 0, reverse=True),
     lambda x: np.maximum.accumulate(x[::-1], 0)[::-1], (5, 2), True),
    ("cummin", lambda x: lax.cummin(x), lambda x: np.minimum.accumulate(x, 0), (6,), True),
    ("cummin_rev", lambda x: lax.cummin(x, 1, True),
     lambda x: np.minimum.accumulate(x[:, ::-1], 1)[:, ::-1], (2, 4), True),
    ("cumlogsumexp", lambda x: lax.cumlogsumexp(x, 1),
     lambda x: np.logaddexp.accumulate(x, 1), (2, 4), True),
    ("cumlogsumexp_rev", lambda x: lax.cumlogsumexp(x, reverse=True),
     lambda x: np.logaddexp.accumulate(x[::-1])[::-1], (5,), True),
    ("sort", lambda x: lax.sort(x), lambda x: np.sort(x, -1), (3, 4), True),
    ("sort_dim0", lambda x: lax.sort(x, 0), lambda x: np.sort(x, 0), (4, 3), True),
    ("top_k", lambda x: lax.top_k(x, 2)[0], lambda x: -np.sort(-x, -1)[..., :2], (3, 5), True),
    ("argmax", lambda x: lax.argmax(x, 1, np.int32), lambda x: np.argmax(x, 1).astype(np.int32),
     (3, 4), False),
    ("argmin", lambda x: lax.argmin(x, 0, np.int64), lambda x: np.argmin(x, 0), (3, 4), False),
    ("associative_scan", lambda x: lax.associative_scan(lax.add, x),
     lambda x: np.cumsum(x, 0), (7, 2), True),
    ("associative_scan_axis_rev", lambda x: lax.associative_scan(lax.mul, x, True, 1),
     lambda x: np.cumprod(x[:, ::-1], 1)[:, ::-1], (2, 5), True),
    ("associative_scan_max", lambda x: lax.associative_scan(lax.max, x),
     lambda x: np.maximum.accumulate(x), (6,), True),
    ("map", lambda x: lax.map(lambda r: fnp.sin(r) * r.sum(), x),
     lambda x: np.stack([np.sin(r) * r.sum() for r in x]), (4, 3), True),
    ("map_batch", lambda x: lax.map(lambda r: r ** 2, x, batch_size=3),
     lambda x: x ** 2, (7, 2), True),
]


@pytest.mark.parametrize("name,f,ref,shape,diff", CASES, ids=[c[0] for c in CASES])
def test_reductions(name, f, ref, shape, diff):
    x = rand(shape)
    assert_same_as_numpy(f(x), ref(x))
    assert_same_as_numpy(f(x.astype(np.float32)), ref(x.astype(np.float32)), rtol=2e-6)
    assert_same_as_numpy(fungrad.jit(f)(x), ref(x))
    xs = rand((2,) + shape, seed=1)
    assert_same_as_numpy(fungrad.vmap(f)(xs), np.stack([ref(v) for v in xs]))
    if diff and x.size:
        assert_derivatives(f, (x,))


def test_sort_several_operands_and_keys():
    k1 = np.array([2, 1, 2, 1, 0])
    k2 = np.array([0.5, 0.1, -0.5, 0.3, 9.0])
    v = rand((5,))
    s1, s2, sv = lax.sort((k1, k2, v), num_keys=2)
    order = np.lexsort((k2, k1))
    assert_same_as_numpy(s1, k1[order])
    assert_same_as_numpy(s2, k2[order])
    assert_same_as_numpy(sv, v[order])
    # one key: ties keep their order (stable)
    _, sv1 = lax.sort((k1, v), num_keys=1)
    assert_same_as_numpy(sv1, v[np.argsort(k1, kind="stable")])
    keys, vals = lax.sort_key_val(k2, v)
    assert_same_as_numpy(vals, v[np.argsort(k2)])
    assert_derivatives(lambda v: lax.sort_key_val(k2, v)[1], (v,))
    assert_same_as_numpy(fungrad.jit(lambda a, b: lax.sort((a, b), num_keys=2)[1])(k1, k2),
                         k2[order])
    nan = np.array([1.0, np.nan, -1.0])
    assert_same_as_numpy(lax.sort(nan), np.sort(nan))


def test_top_k_ties_and_indices():
    x = np.array([[1.0, 4.0, 2.0, 4.0], [0.0, -1.0, 0.0, 3.0]])
    values, idx = lax.top_k(x, 3)
    assert_same_as_numpy(values, np.array([[4.0, 4.0, 2.0], [3.0, 0.0, 0.0]]))
    assert_same_as_numpy(idx, np.array([[1, 3, 2], [3, 0, 2]], np.int32))
    ints = np.array([3, 1, 3, 7])
    assert_same_as_numpy(lax.top_k(ints, 2)[0], np.array([7, 3]))
    with pytest.raises(ValueError, match="top_k: k must be"):
        lax.top_k(x, 5)


def test_contractions():
    a, b = rand((2, 3, 4)), rand((2, 4, 5), seed=1)
    dims = (((2,), (1,)), ((0,), (0,)))
    assert_same_as_numpy(lax.dot_general(a, b, dims), np.matmul(a, b))
    assert_same_as_numpy(lax.batch_matmul(a, b), np.matmul(a, b))
    assert_derivatives(lambda a, b: lax.dot_general(a, b, dims), (a, b))
    m, v = rand((3, 4)), rand((4,), seed=2)
    assert_same_as_numpy(lax.dot(m, v), m @ v)
    assert_same_as_numpy(lax.dot(v, v), v @ v)
    assert_same_as_numpy(lax.dot(m, m.T, precision=lax.Precision.HIGHEST), m @ m.T)
    assert lax.dot(m, m.T, preferred_element_type=np.float32).dtype == np.float32
    assert_same_as_numpy(fungrad.vmap(lambda a, b: lax.dot(a, b))(a, b), np.matmul(a, b))
    with pytest.raises(TypeError, match="dot: operands must be vectors or matrices"):
        lax.dot(a, b)
    with pytest.raises(TypeError, match="batch_matmul"):
        lax.batch_matmul(m, b)
    with pytest.raises(TypeError, match="dot_general: dimension_numbers"):
        lax.dot_general(m, m, ((1,), (1,)))


def test_reduction_dtypes_and_bad_input():
    ints = np.arange(6).reshape(2, 3)
    assert_same_as_numpy(lax.reduce_sum(ints, (1,)), ints.sum(1))
    assert_same_as_numpy(lax.reduce_max(ints, (0,)), ints.max(0))
    b = ints > 2
    assert_same_as_numpy(lax.reduce_and(b, (1,)), b.all(1))
    assert_same_as_numpy(lax.reduce_or(b, (1,)), b.any(1))
    assert_same_as_numpy(lax.reduce(b, False, lax.max, (1,)), b.any(1))
    assert_same_as_numpy(lax.reduce(np.ones((0, 2)), -np.inf, lax.max, (0,)),
                         np.full(2, -np.inf))
    assert_same_as_numpy(lax.cummax(ints, 1), np.maximum.accumulate(ints, 1))
    nan = np.array([1.0, np.nan, 3.0])
    assert_same_as_numpy(lax.cummax(nan), np.maximum.accumulate(nan))
    with pytest.raises(ValueError, match="reduce_sum: axis 2"):
        lax.reduce_sum(ints, (2,))
    with pytest.raises(ValueError, match="repeated axes"):
        lax.reduce_max(ints, (0, 0))
    with pytest.raises(ValueError, match="same structure"):
        lax.reduce((ints, ints), 0, lax.add, (0,))
    with pytest.raises(ValueError, match="num_keys"):
        lax.sort((ints, ints), num_keys=3)
    with pytest.raises(ValueError, match="sort: operands must have at least one axis"):
        lax.sort(np.float64(1.0))
    with pytest.raises(ValueError, match="map: every array"):
        lax.map(lambda x: x, (np.ones(2), np.ones(3)))
    with pytest.raises(TypeError, match="associative_scan: fn must return"):
        lax.associative_scan(lambda a, b: (a, b), np.ones(3))


def test_cumulative_extrema_derivative_goes_to_one_place():
    x = np.array([1.0, 3.0, 2.0, 3.0])
    g = fungrad.grad(lambda x: lax.cummax(x).sum())(x)
    # running max: 1, 3, 3, 3 (the last from x[3], attained again there)
    assert_same_as_numpy(g, np.array([1.0, 2.0, 0.0, 1.0]))


def test_reduce_xor():
    x = np.random.default_rng(0).integers(-100, 100, (3, 4))
    assert_same_as_numpy(lax.reduce_xor(x, (1,)), np.bitwise_xor.reduce(x, 1))
    b = x > 0
    assert_same_as_numpy(lax.reduce_xor(b, (0, 1)), np.logical_xor.reduce(b.ravel()))
    assert_same_as_numpy(fungrad.jit(lambda x: lax.reduce_xor(x, (0,)))(x),
                         np.bitwise_xor.reduce(x, 0))
    assert_same_as_numpy(fungrad.vmap(lambda x: lax.reduce_xor(x, (0,)))(x),
                         np.bitwise_xor.reduce(x, 1))
    with pytest.raises(TypeError, match="reduce_xor: the operand must be boolean or integer"):
        lax.reduce_xor(np.ones(3), (0,))


def test_reduce_any_associative_computation():
    x = rand((5, 3))
    out = lax.reduce(x, -np.inf, fnp.logaddexp, (0,))
    assert_same_as_numpy(out, np.logaddexp.reduce(x, 0), rtol=1e-12)
    assert_derivatives(lambda x: lax.reduce(x, -np.inf, fnp.logaddexp, (0, 1)), (x,))
    # a variadic argmax: (value, index) pairs, the larger value (then the smaller index) wins
    def pick(a, b):
        take_b = (b[0] > a[0]) | ((b[0] == a[0]) & (b[1] < a[1]))
        return fnp.where(take_b, b[0], a[0]), fnp.where(take_b, b[1], a[1])
    idx = np.broadcast_to(np.arange(5)[:, None], (5, 3))
    values, where = lax.reduce((x, idx), (-np.inf, 0), pick, (0,))
    assert_same_as_numpy(values, x.max(0))
    assert_same_as_numpy(where, x.argmax(0))
    assert_same_as_numpy(fungrad.jit(lambda x: lax.reduce((x, idx), (-np.inf, 0), pick,
                                                          (0,))[1])(x), x.argmax(0))
    empty = lax.reduce(np.ones((0, 2)), 1.5, fnp.logaddexp, (0,))
    assert_same_as_numpy(empty, np.full(2, 1.5))
