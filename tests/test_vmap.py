"""``fungrad.vmap``: vectorizing a function over a batch axis, checked the way a JAX user
relies on it.

Every expected value is numpy's: the function applied to each example with numpy (or a
formula written out by hand), stacked along the output batch axis. The function tables are
the ones the other test modules check eagerly (shapes, reductions, linear algebra, indexing,
elementwise math, ``fungrad.nn``); here each row runs under ``vmap`` over a batch of
``B`` examples, with the batch on the leading axis, on a later axis, and moved on output, in
float64 and float32. Then: batched and unbatched arguments mixed, composition with the other
transforms (grad, jvp, vjp, jit, nested vmap), primitives without a batching rule (run once
per example), the ``in_axes``/``out_axes``/``axis_size`` forms and their errors, and the
printed IR of a batched function.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import check_jaxpr, grad, jacrev, jit, jvp, lax, make_jaxpr, nn, vjp, vmap
from fungrad.core import current_trace_level
from fungrad.test_util import check_grads

from helpers import assert_same_as_numpy, rand
from numpy_table import FLOATS, leaves, make_args, table_params
from test_indexing import TABLE as INDEXING
from test_nn import ACTIVATIONS, AXES, NORMALIZERS, np_logsumexp, np_one_hot, np_softmax, sample
from test_numpy_elementwise import (
    ALL_BINARY, ALL_UNARY, BINARY, BINARY_SHAPES, UNARY, _fnp, _ints_if_needed, _np,
    sample_pair,
)
from test_numpy_linalg import NOT_DIFFERENTIABLE as LINALG_NONDIFF, PRODUCTS
from test_numpy_reductions import ALL as REDUCTIONS, NONDIFF as REDUCTIONS_NONDIFF
from test_numpy_shapes import NONDIFF as SHAPES_NONDIFF, SHAPES

B = 3  # examples per batch


# ---------------------------------------------------------------------------------------------
# The check: vmap of f on stacked examples == numpy's ref on each example, stacked
# ---------------------------------------------------------------------------------------------

def _atol(dtype) -> float:
    """Room for cancellation (sums of mixed signs near zero); rtol is assert_same_as_numpy's."""
    return 1e-6 if np.dtype(dtype) == np.float32 else 1e-12


def stack_args(examples, in_axes):
    """Argument i of every example stacked along ``in_axes[i]``; an unbatched (None)
    argument is example 0's, shared by all."""
    return tuple(examples[0][i] if ax is None else
                 np.stack([np.asarray(ex[i]) for ex in examples], axis=ax)
                 for i, ax in enumerate(in_axes))


def check_vmap(f, ref, examples, in_axes, out_axes=0, atol=0.0):
    """``vmap(f, in_axes, out_axes)`` on the stacked examples gives ``ref`` applied (with
    numpy) to each example, stacked along ``out_axes``: same structure, values, shapes and
    dtypes, as numpy arrays."""
    args = stack_args(examples, in_axes)
    with np.errstate(all="ignore"):
        ours = vmap(f, in_axes=tuple(in_axes), out_axes=out_axes)(*args)
        theirs = [ref(*(examples[0][i] if ax is None else ex[i]
                        for i, ax in enumerate(in_axes))) for ex in examples]
    assert isinstance(ours, (list, tuple)) == isinstance(theirs[0], (list, tuple))
    ours_l, theirs_l = leaves(ours), [leaves(t) for t in theirs]
    assert len(ours_l) == len(theirs_l[0])
    for j, o in enumerate(ours_l):
        assert isinstance(o, np.ndarray), type(o)
        assert_same_as_numpy(o, np.stack([np.asarray(t[j]) for t in theirs_l], axis=out_axes),
                             atol=atol)
    assert current_trace_level() == 0
    return ours


def _out_ranks(ref, examples):
    with np.errstate(all="ignore"):
        return [np.ndim(o) for o in leaves(ref(*examples[0]))]


# ---------------------------------------------------------------------------------------------
# The numpy tables: shapes, reductions, linear algebra, indexing
# ---------------------------------------------------------------------------------------------

def _prefixed(tag, table):
    return [pytest.param(*p.values, id=f"{tag}-{p.id}") for p in table_params(table)]


# indexing rows are written once in index syntax (no module argument): numpy on arrays
INDEXING_ROWS = [(name, (lambda m, *a, fn=fn: fn(*a)), specs) for name, fn, specs in INDEXING]
TABLES = (_prefixed("shapes", SHAPES) + _prefixed("reductions", REDUCTIONS)
          + _prefixed("linalg", PRODUCTS) + _prefixed("indexing", INDEXING_ROWS))


def _float_axes(specs, pick):
    """``pick(shape)`` for each random float argument; None (shared) for the others (index
    arrays and constants)."""
    return tuple(pick(s) if isinstance(s, tuple) else None for s in specs)


def _table_examples(specs, dtype):
    return [make_args(specs, dtype, seed=10 * k) for k in range(B)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn,specs", TABLES)
def test_table_row_under_vmap(fn, specs, dtype):
    """Batch leading, batch on axis 1 (where the rank allows) put back last, and batch on
    the last axis put at output axis 1."""
    f, ref = (lambda *a: fn(fnp, *a)), (lambda *a: fn(np, *a))
    examples = _table_examples(specs, dtype)
    atol = _atol(dtype)
    check_vmap(f, ref, examples, _float_axes(specs, lambda s: 0), 0, atol)
    check_vmap(f, ref, examples, _float_axes(specs, lambda s: 1 if s else 0), -1, atol)
    out_axes = 1 if min(_out_ranks(ref, examples), default=0) >= 1 else -1
    check_vmap(f, ref, examples, _float_axes(specs, lambda s: -1), out_axes, atol)


def _multi_arg(params):
    return [p for p in params if sum(isinstance(s, tuple) for s in p.values[1]) >= 2]


LINALG_FNS = {fn for _, fn, _ in PRODUCTS}


def _combinations(specs, with_later_axes):
    """Every assignment of an in_axis to each float argument but all-None: 0 or None, and
    also 1 and -1 where the rank allows."""
    choices = [([0, None] + ([1, -1] if with_later_axes and s else [])) if isinstance(s, tuple)
               else [None] for s in specs]
    return [c for c in itertools.product(*choices) if any(a is not None for a in c)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn,specs", _multi_arg(TABLES))
def test_table_row_with_batched_and_unbatched_arguments(fn, specs, dtype):
    """Every combination of batched and unbatched arguments; for the products (dot, matmul,
    tensordot, einsum, inner, outer, kron, solve, ...) also every batch position."""
    f, ref = (lambda *a: fn(fnp, *a)), (lambda *a: fn(np, *a))
    examples = _table_examples(specs, dtype)
    for in_axes in _combinations(specs, with_later_axes=fn in LINALG_FNS):
        check_vmap(f, ref, examples, in_axes, 0, _atol(dtype))


def _index_rows(params):
    return [p for p in params if any(isinstance(s, (np.ndarray, np.integer))
                                     and np.asarray(s).dtype.kind == "i" for s in p.values[1])]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn,specs", _index_rows(TABLES))
def test_table_row_with_batched_index_arrays(fn, specs, dtype):
    """take / take_along_axis / x[i] / x.at[i].set(...) with a different index array per
    example (each a permutation of the row's valid indices), the data batched or shared."""
    f, ref = (lambda *a: fn(fnp, *a)), (lambda *a: fn(np, *a))
    examples = []
    for k in range(B):
        ex = list(make_args(specs, dtype, seed=10 * k))
        for i, s in enumerate(specs):
            if not isinstance(s, tuple):
                s = np.asarray(s)
                ex[i] = np.roll(s.ravel(), k).reshape(s.shape) if s.ndim else s - k
        examples.append(tuple(ex))
    for data_axis in (0, None, -1):
        in_axes = tuple(data_axis if isinstance(s, tuple) else 0 for s in specs)
        check_vmap(f, ref, examples, in_axes, 0, _atol(dtype))


def _differentiable(tag, table, nondiff):
    return _prefixed(tag, [row for row in table if row[0] not in nondiff])


DIFF_TABLES = (_differentiable("shapes", SHAPES, SHAPES_NONDIFF)
               + _differentiable("reductions", REDUCTIONS, REDUCTIONS_NONDIFF)
               + _differentiable("linalg", PRODUCTS, LINALG_NONDIFF)
               + _differentiable("indexing", INDEXING_ROWS, ()))


def check_per_example_gradients(f, examples, in_axes):
    """``vmap(grad(loss))``, where ``loss`` weighs each output of ``f`` by a per-example
    (batched) cotangent, against a loop of ``grad`` over the examples: the transposes of
    every primitive, batched."""
    floats = [i for i, a in enumerate(examples[0]) if np.asarray(a).dtype.kind == "f"]
    with np.errstate(all="ignore"):
        outs = leaves(f(*examples[0]))
    cts = [tuple(rand(np.shape(o), seed=100 + 7 * k + j) for j, o in enumerate(outs))
           for k in range(len(examples))]

    def loss(ct, *args):
        return sum(fnp.sum(o * c) for o, c in zip(leaves(f(*args)), ct))

    g = grad(loss, argnums=tuple(1 + i for i in floats))
    ours = vmap(g, in_axes=(0,) + tuple(in_axes))(
        tuple(np.stack(c) for c in zip(*cts)), *stack_args(examples, in_axes))
    looped = [g(ct, *(examples[0][i] if ax is None else ex[i]
                      for i, ax in enumerate(in_axes))) for ct, ex in zip(cts, examples)]
    for j, i in enumerate(floats):
        # (a shared argument too gets one gradient per example)
        assert_same_as_numpy(ours[j], np.stack([lp[j] for lp in looped]), atol=1e-12)


@pytest.mark.parametrize("fn,specs", DIFF_TABLES)
def test_table_row_per_example_gradients(fn, specs):
    def f(*a):
        return fn(fnp, *a)

    examples = _table_examples(specs, np.float64)
    check_per_example_gradients(f, examples, _float_axes(specs, lambda s: 0))
    if sum(isinstance(s, tuple) for s in specs) >= 2:  # the first argument shared
        first = [isinstance(s, tuple) for s in specs].index(True)
        check_per_example_gradients(f, examples, tuple(
            None if i == first else ax for i, ax in enumerate(_float_axes(specs, lambda s: 0))))


# ---------------------------------------------------------------------------------------------
# Elementwise functions of fungrad.numpy
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(ALL_UNARY))
def test_unary_under_vmap(name, dtype):
    f, ref, dom = _fnp(name), _np(name), ALL_UNARY[name]
    for shape, in_axis, out_axis in [((), 0, 0), ((2, 3), 0, 0), ((0,), 0, 0), ((2, 3), 1, -1),
                                     ((2, 3), -1, 1), ((), 0, -1)]:
        examples = [(_ints_if_needed(name, dom(shape, dtype, seed=k)),) for k in range(B)]
        check_vmap(f, ref, examples, (in_axis,), out_axis)
    if name in UNARY and dtype == np.float64:
        examples = [(dom((2, 3), dtype, seed=k),) for k in range(B)]
        check_per_example_gradients(f, examples, (0,))


def _binary_examples(name, shapes, dtype):
    return [tuple(_ints_if_needed(name, a) for a in sample_pair(ALL_BINARY[name], shapes,
                                                                 dtype, seed=50 * k))
            for k in range(B)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(ALL_BINARY))
def test_binary_under_vmap(name, dtype):
    """Both batched, one batched and the other shared (in_axes=(0, None) and (None, 0)),
    broadcasting between them; batch on later axes; a Python scalar partner (weakly typed:
    float32 stays float32)."""
    f, ref = _fnp(name), _np(name)
    for shapes in BINARY_SHAPES:
        examples = _binary_examples(name, shapes, dtype)
        for in_axes in [(0, 0), (0, None), (None, 0)]:
            check_vmap(f, ref, examples, in_axes)
    examples = _binary_examples(name, ((2, 3), (3,)), dtype)
    check_vmap(f, ref, examples, (1, 0), -1)
    check_vmap(f, ref, examples, (-1, None), 1)
    check_vmap(f, ref, examples, (None, -1), 2)
    c = 3 if np.asarray(examples[0][0]).dtype.kind == "i" else 1.5
    check_vmap(lambda x: f(x, c), lambda x: ref(x, c), [e[:1] for e in examples], (0,))
    check_vmap(lambda y: f(c, y), lambda y: ref(c, y), [e[1:] for e in examples], (0,))
    if name in BINARY and dtype == np.float64:
        for in_axes in [(0, 0), (0, None), (None, 0)]:
            check_per_example_gradients(f, examples, in_axes)


# ---------------------------------------------------------------------------------------------
# fungrad.nn
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_under_vmap(name, dtype):
    f, ref, kinks = ACTIVATIONS[name]
    for shape, in_axis, out_axis in [((), 0, 0), ((2, 3), 0, 0), ((2, 3), 1, -1),
                                     ((4,), -1, 1)]:
        examples = [(sample(shape, dtype, seed=k, kinks=kinks),) for k in range(B)]
        check_vmap(f, ref, examples, (in_axis,), out_axis)
    if dtype == np.float64:
        examples = [(sample((2, 3), dtype, seed=k, kinks=kinks),) for k in range(B)]
        check_per_example_gradients(f, examples, (0,))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(NORMALIZERS))
def test_normalizer_under_vmap(name, dtype):
    """The axis argument means an axis of one example."""
    f, ref = NORMALIZERS[name]
    for shape, axis in AXES + [((2, 3), None)]:
        examples = [(rand(shape, dtype, seed=k, low=-3.0, high=3.0),) for k in range(B)]
        ours, theirs = (lambda x, a=axis: f(x, a)), (lambda x, a=axis: ref(x, a))
        check_vmap(ours, theirs, examples, (0,), 0, _atol(dtype))
        check_vmap(ours, theirs, examples, (1,), -1, _atol(dtype))
        if dtype == np.float64:
            check_per_example_gradients(ours, examples, (0,))


def test_normalizers_under_vmap_with_infinities_in_one_example():
    """Each example is shifted by its own max: an all -inf row gives -inf (not nan) without
    disturbing the others."""
    x = np.array([[0.0, 1.0], [-np.inf, -np.inf], [np.inf, 1.0]])
    with np.errstate(all="ignore"):
        expected = np.array([np_logsumexp(r) for r in x])
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(vmap(nn.logsumexp)(x), expected)
    x = np.array([[0.0, 1.0], [1000.0, 0.0], [-1000.0, -1000.0]])
    shifted = np.exp(x - np.max(x, axis=1, keepdims=True))  # exp(1000) would overflow
    np.testing.assert_allclose(vmap(nn.softmax)(x), shifted / shifted.sum(axis=1, keepdims=True),
                               rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.bool_])
def test_one_hot_under_vmap(dtype):
    """Integer labels batched (and the one-hot axis counted per example)."""
    examples = [(np.array([k, 3, 1 - k]),) for k in range(B)]
    for axis, out_axes in [(-1, 0), (0, 0), (0, -1), (1, 1)]:
        check_vmap(lambda lab, a=axis: nn.one_hot(lab, 4, dtype=dtype, axis=a),
                   lambda lab, a=axis: np_one_hot(lab, 4, dtype, a), examples, (0,), out_axes)


# ---------------------------------------------------------------------------------------------
# Composition with the other transforms
# ---------------------------------------------------------------------------------------------

XS = rand((B, 4), seed=1)  # a batch of examples
W = rand((4, 2), seed=2)
LABELS = np.array([1.0, -1.0, 1.0])


def np_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def logistic_loss(w, x, y):
    return fnp.log1p(fnp.exp(-y * fnp.dot(x, w)))


def np_logistic_grad(w, x, y):
    """d/dw log(1 + exp(-y x.w)) = -y x sigmoid(-y x.w)."""
    return -y * x * np_sigmoid(-y * (x @ w))


def test_vmap_of_grad_gives_per_example_gradients():
    w = rand(4, seed=3)
    per = vmap(grad(logistic_loss), in_axes=(None, 0, 0))(w, XS, LABELS)
    expected = np.stack([np_logistic_grad(w, x, y) for x, y in zip(XS, LABELS)])
    np.testing.assert_allclose(per, expected, rtol=1e-13)
    # and the same as a loop of grad, example by example
    np.testing.assert_allclose(per, np.stack([grad(logistic_loss)(w, x, y)
                                              for x, y in zip(XS, LABELS)]), rtol=1e-13)

    def f(x):
        return fnp.sum(fnp.tanh(x @ W) ** 2)

    looped = np.stack([grad(f)(x) for x in XS])
    np.testing.assert_allclose(vmap(grad(f))(XS), looped, rtol=1e-13)
    t = np.tanh(XS @ W)
    np.testing.assert_allclose(vmap(grad(f))(XS), (2 * t * (1 - t ** 2)) @ W.T, rtol=1e-13)
    # float32 in, float32 per-example gradients out
    g32 = vmap(grad(f))(XS.astype(np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, looped, rtol=1e-4, atol=1e-5)


def test_vmap_of_grad_with_several_argnums_and_aux():
    gx, gy = vmap(grad(lambda a, b: fnp.sum(a * b ** 2), argnums=(0, 1)))(XS, 2 * XS)
    np.testing.assert_allclose(gx, 4 * XS ** 2, rtol=1e-14)
    np.testing.assert_allclose(gy, 4 * XS * XS, rtol=1e-14)
    (vals, aux), g = vmap(fungrad.value_and_grad(lambda a: (fnp.sum(a ** 2), a[0]),
                                                 has_aux=True))(XS)
    np.testing.assert_allclose(vals, np.sum(XS ** 2, axis=1), rtol=1e-14)
    np.testing.assert_array_equal(aux, XS[:, 0])
    np.testing.assert_allclose(g, 2 * XS, rtol=1e-14)


def test_grad_of_a_function_using_vmap_inside():
    w = rand(4, seed=3)

    def mean_loss(w):
        return fnp.mean(vmap(logistic_loss, in_axes=(None, 0, 0))(w, XS, LABELS))

    expected = np.mean([np_logistic_grad(w, x, y) for x, y in zip(XS, LABELS)], axis=0)
    np.testing.assert_allclose(grad(mean_loss)(w), expected, rtol=1e-13)
    # the batched function closing over the differentiated variable
    s = 1.5
    g = grad(lambda s: fnp.sum(vmap(lambda x: fnp.sin(x * s))(XS)))(s)
    np.testing.assert_allclose(g, np.sum(np.cos(XS * s) * XS), rtol=1e-13)
    # an output that does not depend on the batch, broadcast along it: d/ds sum_k s = B
    assert grad(lambda s: fnp.sum(vmap(lambda x: s)(XS)))(2.0) == B
    # the gradient w.r.t. the batched argument itself, batch on axis 1
    g = grad(lambda x: fnp.sum(vmap(lambda r: fnp.sum(r ** 3), in_axes=1)(x)))(XS.T)
    np.testing.assert_allclose(g, 3 * XS.T ** 2, rtol=1e-14)


def test_nested_vmap():
    a, b = rand((B, 2, 4), seed=4), rand((B, 2, 4), seed=5)

    def f(x, y):
        return x * y + fnp.sum(x)

    expected = a * b + np.sum(a, axis=2, keepdims=True)
    np.testing.assert_allclose(vmap(vmap(f))(a, b), expected, rtol=1e-14)
    # outer over a's rows, inner over b's rows: every pair
    x, y = rand((B, 4), seed=6), rand((5, 4), seed=7)
    pairs = vmap(lambda r: vmap(lambda c: fnp.dot(r, c))(y))(x)
    np.testing.assert_allclose(pairs, x @ y.T, rtol=1e-13)
    pairs = vmap(vmap(fnp.dot, in_axes=(None, 0)), in_axes=(0, None))(x, y)
    np.testing.assert_allclose(pairs, x @ y.T, rtol=1e-13)
    # the inner batch taken from axis 1 of each example and put back there
    out = vmap(vmap(lambda r: r * 2.0, in_axes=1, out_axes=-1))(a)
    np.testing.assert_array_equal(out, 2.0 * a)
    # outer batch: a's axis 2 (size 4), put at output axis 1; inner: axis 1 of what is left
    # (a's axis 1, size 2), put first; each example is a[:, j, m], summed
    out = vmap(vmap(fnp.sum, in_axes=1), in_axes=2, out_axes=1)(a)
    np.testing.assert_allclose(out, np.sum(a, axis=0), rtol=1e-14)


def test_jit_of_vmap_and_vmap_of_jit():
    def f(x):
        return fnp.sum(fnp.tanh(x @ W) ** 2)

    expected = np.sum(np.tanh(XS @ W) ** 2, axis=1)
    jf = jit(vmap(f))
    np.testing.assert_allclose(jf(XS), expected, rtol=1e-13)
    np.testing.assert_allclose(jf(2 * XS), np.sum(np.tanh(2 * XS @ W) ** 2, axis=1),
                               rtol=1e-13)  # the cached variant on new values
    np.testing.assert_allclose(jf(XS[:2]), expected[:2], rtol=1e-13)  # a new batch size
    np.testing.assert_allclose(vmap(jit(f))(XS), expected, rtol=1e-13)
    np.testing.assert_allclose(jit(lambda s, x: vmap(lambda r: r * s)(x))(2.0, XS), 2 * XS,
                               rtol=0)
    t = np.tanh(XS @ W)
    np.testing.assert_allclose(jit(vmap(grad(f)))(XS), (2 * t * (1 - t ** 2)) @ W.T,
                               rtol=1e-13)


def test_vmap_of_jvp():
    def f(x):
        return fnp.sin(x) * x

    tangents = rand(XS.shape, seed=8)
    out, t = vmap(lambda x, v: jvp(f, (x,), (v,)))(XS, tangents)
    np.testing.assert_allclose(out, np.sin(XS) * XS, rtol=1e-14)
    np.testing.assert_allclose(t, (np.cos(XS) * XS + np.sin(XS)) * tangents, rtol=1e-13)
    # one shared tangent
    out, t = vmap(lambda x, v: jvp(f, (x,), (v,)), in_axes=(0, None))(XS, tangents[0])
    np.testing.assert_allclose(t, (np.cos(XS) * XS + np.sin(XS)) * tangents[0], rtol=1e-13)
    # one primal point, a batch of tangents: the columns of the Jacobian (jacfwd)
    x0 = XS[0]
    cols = vmap(lambda v: jvp(lambda x: fnp.sin(W.T @ x), (x0,), (v,))[1], out_axes=1)(
        np.eye(4))
    np.testing.assert_allclose(cols, np.cos(W.T @ x0)[:, None] * W.T, rtol=1e-13)


def test_jacobian_as_vmap_of_the_pullback_equals_jacrev():
    def g(x):
        return fnp.sin(W.T @ x) * fnp.sum(x)

    x0 = XS[1]
    y, pullback = vjp(g, x0)
    rows, = vmap(pullback)(np.eye(y.size))
    s, z = np.sum(x0), W.T @ x0
    by_hand = np.cos(z)[:, None] * W.T * s + np.sin(z)[:, None] * np.ones((1, 4))
    np.testing.assert_allclose(rows, by_hand, rtol=1e-13)
    np.testing.assert_allclose(rows, jacrev(g)(x0), rtol=1e-14)
    # per-example Hessians: vmap of hessian, and hessian through a vmap
    h = vmap(fungrad.hessian(lambda r: fnp.sum(r ** 3)))(XS)
    np.testing.assert_allclose(h, np.stack([np.diag(6 * r) for r in XS]), rtol=1e-14)
    x = XS[:2, :3]
    h = fungrad.hessian(lambda x: fnp.sum(vmap(lambda r: fnp.sum(r ** 3) * r[0])(x)))(x)
    by_hand = np.zeros((2, 3, 2, 3))  # d2/dr2 of r0 sum(r^3), per example (rows independent)
    for k, r in enumerate(x):
        hk = np.diag(6 * r * r[0])
        hk[0, :] += 3 * r ** 2
        hk[:, 0] += 3 * r ** 2
        by_hand[k, :, k, :] = hk
    np.testing.assert_allclose(h, by_hand, rtol=1e-13)


CHECK_GRADS_FNS = {
    "sin_times_x": lambda r: fnp.sum(fnp.sin(r) * r),
    "matmul_tanh": lambda r: fnp.tanh(r @ W),
    "softmax": lambda r: nn.softmax(r) * r,
    "cond": lambda r: lax.cond(fnp.sum(r) > 0.0, lambda y: y ** 3, lambda y: fnp.exp(y), r),
    "solve": lambda r: fnp.linalg.solve(fnp.eye(4) * 3.0 + fnp.outer(r, r) * 0.1, r),
}


@pytest.mark.parametrize("name", sorted(CHECK_GRADS_FNS))
def test_derivatives_of_vmap_against_finite_differences(name):
    f = CHECK_GRADS_FNS[name]
    check_grads(lambda x: vmap(f)(x), (XS,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: vmap(f, in_axes=1)(x), (XS.T.copy(),), order=2, modes=("fwd", "rev"))


def test_custom_derivatives_and_checkpoint_under_vmap():
    """The user's rules, not the function's own derivative, apply to every example."""
    @fungrad.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        return fnp.sin(primals[0]), 2.0 * primals[0] * tangents[0]

    @fungrad.custom_vjp
    def g(x):
        return fnp.sin(x)

    g.defvjp(lambda x: (fnp.sin(x), x), lambda x, ct: (3.0 * x * ct,))
    np.testing.assert_allclose(vmap(f)(XS), np.sin(XS), rtol=1e-15)
    np.testing.assert_allclose(vmap(g)(XS), np.sin(XS), rtol=1e-15)
    for loss, expected in [(lambda r: fnp.sum(f(r)), 2.0 * XS),
                           (lambda r: fnp.sum(g(r)), 3.0 * XS)]:
        np.testing.assert_allclose(vmap(grad(loss))(XS), expected, rtol=1e-15)
        np.testing.assert_allclose(grad(lambda x, h=loss: fnp.sum(vmap(h)(x)))(XS), expected,
                                   rtol=1e-15)
    _, t = vmap(lambda x, v: jvp(f, (x,), (v,)))(XS, np.ones_like(XS))
    np.testing.assert_allclose(t, 2.0 * XS, rtol=1e-15)
    h = fungrad.checkpoint(lambda r: fnp.sin(r) * r)
    np.testing.assert_allclose(vmap(h)(XS), np.sin(XS) * XS, rtol=1e-15)
    np.testing.assert_allclose(vmap(grad(lambda r: fnp.sum(h(r))))(XS),
                               np.cos(XS) * XS + np.sin(XS), rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# Primitives without a batching rule: run once per example, results stacked
# ---------------------------------------------------------------------------------------------

def test_cond_and_switch_with_batched_predicates():
    x = np.array([[1.0, 2.0], [-3.0, 1.0], [0.5, -0.1]])
    f = vmap(lambda r: lax.cond(fnp.sum(r) > 0, lambda y: y * 2.0, lambda y: -y, r))
    expected = np.where(np.sum(x, axis=1, keepdims=True) > 0, 2 * x, -x)
    np.testing.assert_array_equal(f(x), expected)
    out = f(x.astype(np.float32))
    assert out.dtype == np.float32
    # a shared predicate, a batched operand
    g = vmap(lambda p, r: lax.cond(p, lambda y: y + 1.0, lambda y: y - 1.0, r),
             in_axes=(None, 0))
    np.testing.assert_array_equal(g(True, x), x + 1.0)
    np.testing.assert_array_equal(g(False, x), x - 1.0)
    # switch: the index clamped per example
    branches = [lambda y: y, lambda y: -y, lambda y: y * 10.0]
    idx = np.array([-4, 1, 7])
    out = vmap(lambda i, r: lax.switch(i, branches, r))(idx, x)
    np.testing.assert_array_equal(out, np.stack([x[0], -x[1], 10.0 * x[2]]))
    # batch on axis 1 in and out
    out = vmap(lambda r: lax.cond(r[0] > 0, lambda y: y * 2.0, lambda y: -y, r), in_axes=1,
               out_axes=1)(x.T)
    np.testing.assert_array_equal(out, np.where(x[:, :1] > 0, 2 * x, -x).T)


def test_scan_while_and_fori_loops():
    x = np.array([[1.0, 2.0, 3.0], [4.0, -1.0, 0.5], [0.0, 0.0, 2.0]])
    carry, ys = vmap(lambda r: lax.scan(lambda c, e: (c + e, c * e), 0.0, r))(x)
    np.testing.assert_array_equal(carry, x.sum(axis=1))
    before = np.cumsum(x, axis=1) - x
    np.testing.assert_array_equal(ys, before * x)
    carry, ys = vmap(lambda r: lax.scan(lambda c, e: (c + e, c), 1.0, r, reverse=True))(x)
    np.testing.assert_array_equal(ys, 1.0 + np.cumsum(x[:, ::-1], axis=1)[:, ::-1] - x)
    # a different number of iterations per example
    start = np.array([1.0, 3.0, 20.0])

    def np_while(v):
        n = 0
        while v < 10.0:
            v, n = v * 2.0, n + 1
        return n, v

    n, v = vmap(lambda s: lax.while_loop(lambda c: c[1] < 10.0,
                                         lambda c: (c[0] + 1, c[1] * 2.0), (0, s)))(start)
    np.testing.assert_array_equal(n, [np_while(s)[0] for s in start])
    np.testing.assert_array_equal(v, [np_while(s)[1] for s in start])
    out = vmap(lambda r: lax.fori_loop(0, 3, lambda i, c: c * r + i, r))(x)
    ref = x.copy()
    for i in range(3):
        ref = ref * x + i
    np.testing.assert_allclose(out, ref, rtol=1e-14)


def test_index_updates():
    x = np.arange(12.0).reshape(B, 4)
    v = np.array([10.0, 20.0, 30.0])
    ref = x.copy()
    ref[:, 1] = 7.0
    np.testing.assert_array_equal(vmap(lambda r: r.at[1].set(7.0))(x), ref)
    ref = x.copy()
    ref[:, 1] = v
    np.testing.assert_array_equal(vmap(lambda r, u: r.at[1].set(u))(x, v), ref)
    # a shared array updated with per-example values
    ref = np.tile(x[0], (B, 1))
    ref[:, 2] += v
    np.testing.assert_array_equal(vmap(lambda r, u: r.at[2].add(u), in_axes=(None, 0))(x[0], v),
                                  ref)
    # repeated indices accumulate, per example
    idx = np.array([0, 0, 3])
    ref = x.copy()
    for k in range(B):
        np.add.at(ref[k], idx, x[k, :3])
    np.testing.assert_array_equal(vmap(lambda r: r.at[idx].add(r[:3]))(x), ref)
    # a different index per example
    i = np.array([3, 0, 2])
    ref = x.copy()
    ref[np.arange(B), i] = -1.0
    np.testing.assert_array_equal(vmap(lambda r, j: r.at[j].set(-1.0))(x, i), ref)


def test_gather_with_batched_index_arrays():
    table = np.arange(15.0).reshape(5, 3)
    ids = np.array([[0, 4], [2, 2], [4, 1]])
    # an embedding lookup: one shared table, per-example ids
    np.testing.assert_array_equal(vmap(lambda i: fnp.take(table, i, axis=0))(ids),
                                  table[ids])
    np.testing.assert_array_equal(vmap(lambda t, i: t[i], in_axes=(None, 0))(table, ids),
                                  table[ids])
    # per-example data and indices
    data = np.arange(B * 5.0).reshape(B, 5)
    np.testing.assert_array_equal(vmap(lambda d, i: d[i])(data, ids),
                                  np.take_along_axis(data, ids, axis=1))
    np.testing.assert_array_equal(vmap(lambda d, i: fnp.take(d, i))(data, ids),
                                  np.stack([d[i] for d, i in zip(data, ids)]))
    # a scalar index per example, the batch of the data on axis 1
    np.testing.assert_array_equal(vmap(lambda d, i: d[i], in_axes=(1, 0))(data.T, ids[:, 0]),
                                  data[np.arange(B), ids[:, 0]])


def test_linalg_solve():
    a = rand((B, 3, 3), seed=9) + 4 * np.eye(3)
    b = rand((B, 3), seed=10)
    expected = np.stack([np.linalg.solve(a[k], b[k]) for k in range(B)])
    np.testing.assert_allclose(vmap(fnp.linalg.solve)(a, b), expected, rtol=1e-13)
    np.testing.assert_allclose(vmap(fnp.linalg.solve, in_axes=(None, 0))(a[0], b),
                               np.linalg.solve(a[0], b.T).T, rtol=1e-13)
    np.testing.assert_allclose(vmap(fnp.linalg.solve, in_axes=(0, None))(a, b[0]),
                               np.stack([np.linalg.solve(a[k], b[0]) for k in range(B)]),
                               rtol=1e-13)
    out = vmap(fnp.linalg.solve)(a.astype(np.float32), b.astype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-4)


def test_fallback_with_an_empty_batch():
    """No examples: empty results of the right shape and dtype (nothing to loop over)."""
    x = np.zeros((0, 4), np.float32)
    out = vmap(lambda r: lax.cond(fnp.sum(r) > 0, lambda y: y * 2.0, lambda y: -y, r))(x)
    assert out.shape == (0, 4) and out.dtype == np.float32
    out = vmap(fnp.linalg.solve)(np.zeros((0, 2, 2)), np.zeros((0, 2)))
    assert out.shape == (0, 2) and out.dtype == np.float64
    carry, ys = vmap(lambda r: lax.scan(lambda c, e: (c + e, c * e), 0.0, r))(np.zeros((0, 3)))
    assert carry.shape == (0,) and ys.shape == (0, 3)
    assert vmap(fnp.sum)(np.zeros((0, 4))).shape == (0,)


def test_derivatives_through_the_fallback():
    x = np.array([[1.0, 2.0], [-3.0, 1.0], [0.5, -0.1]])

    def f(r):
        return fnp.sum(lax.cond(fnp.sum(r) > 0, lambda y: y ** 2, lambda y: -y, r))

    positive = np.sum(x, axis=1, keepdims=True) > 0
    expected = np.where(positive, 2 * x, -1.0)
    np.testing.assert_array_equal(vmap(grad(f))(x), expected)
    np.testing.assert_array_equal(grad(lambda x: fnp.sum(vmap(f)(x)))(x), expected)
    # grad of a scan under vmap: d/dx sum_t cumsum(x)_t = (n, n-1, ..., 1)
    g = grad(lambda x: fnp.sum(vmap(lambda r: lax.scan(lambda c, e: (c + e, c + e), 0.0,
                                                         r)[1])(x)))(x)
    np.testing.assert_array_equal(g, np.tile([2.0, 1.0], (B, 1)))
    # x.at[...] under vmap of grad: d/dr sum((r with r[1] = r[0]^2)^2) = (2 r0 + 4 r0^3, 0)
    g = vmap(grad(lambda r: fnp.sum(r.at[1].set(r[0] ** 2) ** 2)))(x)
    np.testing.assert_allclose(g, np.stack([2 * x[:, 0] + 4 * x[:, 0] ** 3, np.zeros(B)],
                                           axis=1), rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# in_axes / out_axes / axis_size
# ---------------------------------------------------------------------------------------------

X3 = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("in_axes,axis", [(0, 0), (1, 1), (2, 2), (-1, 2), (-2, 1), (-3, 0),
                                          ((1,), 1), ([2], 2), ((-1,), 2)])
def test_int_and_negative_in_axes(in_axes, axis):
    out = vmap(lambda m: fnp.sum(m * m, axis=0), in_axes=in_axes)(X3)
    expected = np.stack([np.sum(e * e, axis=0) for e in np.moveaxis(X3, axis, 0)])
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("out_axes", [0, 1, 2, -1, -2, -3])
def test_int_and_negative_out_axes(out_axes):
    out = vmap(lambda m: m * 2.0, out_axes=out_axes)(X3)
    np.testing.assert_array_equal(out, np.moveaxis(X3 * 2.0, 0, out_axes))


def test_per_argument_and_nested_in_axes():
    x, v = np.arange(12.0).reshape(3, 4), np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(vmap(lambda a, b: a * b, in_axes=(0, None))(x, v), x * v)
    np.testing.assert_array_equal(vmap(lambda a, b: a * b, in_axes=(1, 0))(x, v),
                                  (x * v).T)
    np.testing.assert_array_equal(vmap(lambda a, b: a * b, in_axes=(None, 0))(v, x), x * v)
    # a tuple argument with its own per-leaf axes; a Python scalar shared
    out = vmap(lambda p, s: p[0] * p[1] + s, in_axes=((0, 1), None))((x, x.T), 0.5)
    np.testing.assert_array_equal(out, x * x + 0.5)
    # one axis for a whole tuple argument
    out = vmap(lambda p: p[0] - p[1], in_axes=(1,))((x, 2 * x))
    np.testing.assert_array_equal(out, -x.T)


def test_dict_in_axes_and_out_axes():
    x, b = np.arange(12.0).reshape(3, 4), np.array([1.0, -1.0, 2.0, 0.5])
    params = {"w": x, "b": b}
    out = vmap(lambda p: p["w"] + p["b"], in_axes=({"w": 0, "b": None},))(params)
    np.testing.assert_array_equal(out, x + b)
    out = vmap(lambda p: p["w"] * p["b"], in_axes=({"b": None, "w": 1},))({"w": x.T, "b": b})
    np.testing.assert_array_equal(out, x * b)
    # a dict entry standing for a whole subtree (a prefix of the argument's structure)
    out = vmap(lambda p: p["pair"][0] * p["pair"][1] + p["b"],
               in_axes=({"pair": 0, "b": None},))({"pair": (x, x), "b": b})
    np.testing.assert_array_equal(out, x * x + b)
    out = vmap(lambda a: {"x": a, "s": fnp.sum(a), "keep": (a, a)},
               out_axes={"x": 1, "s": 0, "keep": -1})(x)
    np.testing.assert_array_equal(out["x"], x.T)
    np.testing.assert_array_equal(out["s"], x.sum(axis=1))
    np.testing.assert_array_equal(out["keep"][0], x.T)
    np.testing.assert_array_equal(out["keep"][1], x.T)
    out = vmap(lambda a: (a, (a, fnp.sum(a))), out_axes=(1, 0))(x)
    np.testing.assert_array_equal(out[0], x.T)
    np.testing.assert_array_equal(out[1][0], x)
    np.testing.assert_array_equal(out[1][1], x.sum(axis=1))


def test_unbatched_outputs():
    x, v = np.arange(12.0).reshape(3, 4), np.array([1.0, 2.0])
    # out_axes=None for an output independent of the batch: returned once
    a, c = vmap(lambda r, u: (r * 2.0, u * 3.0), in_axes=(0, None), out_axes=(0, None))(x, v)
    np.testing.assert_array_equal(a, 2 * x)
    np.testing.assert_array_equal(c, 3 * v)
    # otherwise it is repeated along the batch, as an immutable Array
    a, c = vmap(lambda r, u: (r, u), in_axes=(0, None), out_axes=(0, 1))(x, v)
    np.testing.assert_array_equal(c, np.tile(v[:, None], (1, 3)))
    with pytest.raises(TypeError, match="immutable"):
        c[0, 0] = 100.0
    assert v[0] == 1.0 and v.flags.writeable  # the input is left as it was
    out = vmap(lambda r: 1.5)(x)
    np.testing.assert_array_equal(out, np.full(3, 1.5))
    assert isinstance(out, np.ndarray)
    out = vmap(lambda r: 1.5, out_axes=None)(x)  # a 0-d Array, as every transform returns
    assert isinstance(out, fungrad.Array) and out.shape == () and out.dtype == np.float64
    assert out == 1.5


def test_axis_size_with_no_batched_argument():
    v = np.array([1.0, 2.0])
    out = vmap(lambda u: u * 2.0, in_axes=None, axis_size=4)(v)
    np.testing.assert_array_equal(out, np.tile(2 * v, (4, 1)))
    out = vmap(lambda u: fnp.sum(u), in_axes=(None,), axis_size=3, out_axes=0)(v)
    np.testing.assert_array_equal(out, np.full(3, 3.0))
    # axis_size agreeing with the batched arguments is accepted
    np.testing.assert_array_equal(vmap(lambda u: u + 1.0, axis_size=2)(v), v + 1.0)


def test_dtypes_under_vmap():
    """numpy 2 / NEP 50 promotion, per example: Python scalars weak, numpy scalars not."""
    x32 = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    assert vmap(lambda r: r * 2.0 + 1)(x32).dtype == np.float32
    assert vmap(lambda r, c: r * c, in_axes=(0, None))(x32, 2.0).dtype == np.float32
    assert vmap(lambda r, c: r * c, in_axes=(0, None))(x32, np.float64(2.0)).dtype == \
        np.float64
    assert vmap(lambda i: i * 2)(np.arange(3)).dtype == np.arange(3).dtype
    np.testing.assert_array_equal(vmap(lambda r: r > 2.0)(x32), x32 > 2.0)
    assert vmap(lambda r: fnp.argmax(r))(x32).dtype == np.int64


# ---------------------------------------------------------------------------------------------
# Errors, and the next call works
# ---------------------------------------------------------------------------------------------

def _next_call_works():
    assert current_trace_level() == 0
    np.testing.assert_array_equal(vmap(fnp.sum)(np.ones((3, 2))), [2.0, 2.0, 2.0])


ERRORS = {  # id -> (call, what the message says)
    "sizes": (lambda: vmap(lambda a, b: a + b)(np.ones(3), np.ones(4)),
              r"(?s)inconsistent sizes.*\b3\b.*\b4\b"),
    "sizes_axis1": (lambda: vmap(lambda a, b: a + b, in_axes=(0, 1))(np.ones((3, 2)),
                                                                    np.ones((3, 2))),
                    r"(?s)inconsistent sizes.*\b2\b.*\b3\b"),
    "axis_size": (lambda: vmap(lambda a: a, axis_size=5)(np.ones(3)),
                  r"(?s)inconsistent sizes.*\b5\b.*\b3\b"),
    "scalar_float": (lambda: vmap(lambda a: a)(1.0), r"out of bounds"),
    "scalar_numpy": (lambda: vmap(lambda a: a)(np.float32(1.0)), r"out of bounds"),
    "scalar_second": (lambda: vmap(lambda a, b: a * b, in_axes=(0, 0))(np.ones(3), 2.0),
                      r"out of bounds"),
    "in_axes_2": (lambda: vmap(lambda a: a, in_axes=2)(np.ones((3, 2))), r"out of bounds"),
    "in_axes_-3": (lambda: vmap(lambda a: a, in_axes=-3)(np.ones((3, 2))), r"out of bounds"),
    "out_none": (lambda: vmap(lambda a: a * 2.0, out_axes=None)(np.ones(3)), r"out_axes"),
    "out_axes_1": (lambda: vmap(lambda a: a, out_axes=1)(np.ones(3)),
                   r"out_axes.*out of bounds"),
    "out_axes_-3": (lambda: vmap(lambda a: a, out_axes=-3)(np.ones((3, 2))),
                    r"out_axes.*out of bounds"),
    "in_axes_too_long": (lambda: vmap(lambda a, b: a + b, in_axes=(0, 0, 0))(np.ones(3),
                                                                            np.ones(3)),
                         r"in_axes"),
    "in_axes_too_short": (lambda: vmap(lambda a, b: a + b, in_axes=(0,))(np.ones(3),
                                                                        np.ones(3)),
                          r"in_axes"),
    "in_axes_str": (lambda: vmap(lambda a: a, in_axes="0")(np.ones(3)), r"in_axes"),
    "in_axes_float": (lambda: vmap(lambda a: a, in_axes=1.0)(np.ones(3)), r"in_axes"),
    "in_axes_dict_keys": (lambda: vmap(lambda d: d["a"], in_axes=({"a": 0, "c": 0},))(
        {"a": np.ones(3), "b": np.ones(3)}), r"in_axes"),
    "out_axes_too_long": (lambda: vmap(lambda a: (a, a), out_axes=(0, 0, 0))(np.ones(3)),
                          r"out_axes"),
    "nothing_batched": (lambda: vmap(lambda a: a, in_axes=None)(np.ones(3)), r"axis_size"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_value_errors_and_the_next_call_works(name):
    call, match = ERRORS[name]
    with pytest.raises(ValueError, match=match):
        call()
    _next_call_works()


def test_errors_inside_the_batched_function_and_the_next_call_works():
    # a shape error while tracing one example names the shapes of one example
    with pytest.raises((TypeError, ValueError), match=r"\(2, 3\)|\[2,3\]"):
        vmap(lambda a, b: a @ b)(np.ones((3, 2, 3)), np.ones((3, 2, 3)))
    _next_call_works()
    # Python control flow on a batched value: a concretization error (a TypeError)
    with pytest.raises(fungrad.TracerBoolConversionError):
        vmap(lambda r: r if fnp.sum(r) > 0 else -r)(np.ones((3, 2)))
    _next_call_works()
    # errors from inside other transforms
    with pytest.raises(ValueError, match=r"inconsistent sizes"):
        jit(vmap(lambda a, b: a + b))(np.ones(3), np.ones(4))
    _next_call_works()
    with pytest.raises(ValueError, match=r"inconsistent sizes"):
        grad(lambda s: fnp.sum(vmap(lambda a, b: a * b * s)(np.ones(3), np.ones(2))))(1.0)
    _next_call_works()
    with pytest.raises(ValueError, match=r"out_axes"):
        grad(lambda x: fnp.sum(vmap(lambda r: r, out_axes=None)(x)))(np.ones(3))
    _next_call_works()


# ---------------------------------------------------------------------------------------------
# The IR of a batched function
# ---------------------------------------------------------------------------------------------

def _jaxpr(f, *args):
    closed = make_jaxpr(f)(*args)
    check_jaxpr(closed)
    return closed, str(closed)


def test_ir_shows_the_batched_primitives():
    closed, text = _jaxpr(vmap(fnp.sum), np.ones((3, 4)))
    assert text == "{ lambda ; a:f64[3,4]. let b:f64[3] = reduce_sum[axes=(1,)] a in (b,) }"
    # a batched matmul is one dot_general with a batch dimension
    a, b = rand((3, 2, 4)), rand((3, 4, 5), seed=1)
    closed, text = _jaxpr(vmap(fnp.matmul), a, b)
    assert "dot_general[dimension_numbers=(((2,), (1,)), ((0,), (0,)))] a b" in text
    assert len(closed.jaxpr.eqns) == 1
    np.testing.assert_allclose(closed(a, b)[0], a @ b, rtol=1e-14)
    # a shared matrix: no batch dimension, no per-example loop
    closed, text = _jaxpr(vmap(fnp.matmul, in_axes=(0, None)), a, b[0])
    assert "dot_general[dimension_numbers=(((2,), (0,)), ((), ()))] a b" in text
    assert [e.primitive.name for e in closed.jaxpr.eqns] == ["dot_general"]
    np.testing.assert_allclose(closed(a, b[0])[0], a @ b[0], rtol=1e-14)
    # elementwise math, reductions and a batched dot in one function: all vectorized (no
    # gather of single examples, no concatenation of per-example results)
    w = rand((4,), seed=2)

    def f(x, y):
        return nn.softmax(x) @ y + fnp.max(fnp.sin(x) * w)

    x, y = rand((3, 4), seed=3), rand((3, 4), seed=4)
    closed, text = _jaxpr(vmap(f), x, y)
    names = [e.primitive.name for e in closed.jaxpr.eqns]
    assert "gather" not in names and "concatenate" not in names
    assert "reduce_max[axes=(1,)]" in text and "sin" in names
    expected = np.stack([np_softmax(x[k], -1) @ y[k] + np.max(np.sin(x[k]) * w)
                         for k in range(3)])
    np.testing.assert_allclose(closed(x, y)[0], expected, rtol=1e-13)
    np.testing.assert_allclose(closed(y, x)[0],  # the IR is not specialized to the values
                               [np_softmax(y[k], -1) @ x[k] + np.max(np.sin(y[k]) * w)
                                for k in range(3)], rtol=1e-13)


def test_ir_of_batched_fallbacks_and_compositions_is_valid():
    def np_grad(x):
        t = np.tanh(x @ W)
        return (2 * t * (1 - t ** 2)) @ W.T

    def np_set(x):
        out = x.copy()
        out[:, 1] = x[:, 0]
        return out

    x = rand((3, 4))
    for f, ref in [
            (vmap(lambda r: lax.cond(fnp.sum(r) > 0, lambda y: y * 2.0, lambda y: -y, r)),
             lambda x: np.where(np.sum(x, axis=1, keepdims=True) > 0, 2 * x, -x)),
            (vmap(grad(lambda r: fnp.sum(fnp.tanh(r @ W) ** 2))), np_grad),
            (vmap(lambda r: r.at[1].set(r[0])), np_set),
            (vmap(vmap(lambda e: e * 2.0), in_axes=1), lambda x: 2 * x.T)]:
        closed, _ = _jaxpr(f, x)
        for new in (x, 2 * x - 1, -x):
            np.testing.assert_allclose(closed(new)[0], ref(new), rtol=1e-14)
    closed, _ = _jaxpr(grad(lambda x: fnp.sum(vmap(lambda r: fnp.sin(r) ** 2)(x))), x)
    np.testing.assert_allclose(closed(x)[0], 2 * np.sin(x) * np.cos(x), rtol=1e-14)


def test_keyword_arguments_are_mapped_over_their_leading_axis():
    x, y = rand((3, 2), seed=11), rand((3, 2), seed=12)
    out = fungrad.vmap(lambda a, b: a * b + 1.0)(x, b=y)
    assert_same_as_numpy(out, x * y + 1.0)


def test_bool_axes_are_rejected():
    with pytest.raises(TypeError, match="bool"):
        fungrad.vmap(lambda a: a, in_axes=True)(np.ones((2, 2)))
    assert fungrad.core.current_trace_level() == 0
