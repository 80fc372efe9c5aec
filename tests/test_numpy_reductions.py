"""fungrad.numpy reductions: values and dtypes against numpy for every axis form (None, int,
negative, tuple) and keepdims, traced IR, derivatives against finite differences (table rows
as described in ``numpy_table.py``); zeros in prod, ties in max/min, empty reductions."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy, assert_traces_and_replays, rand
from numpy_table import (
    FLOATS, check_derivatives, check_float32_grad_dtype, check_trace, check_value, table_params,
)

S = [((),), ((4,),), ((2, 3),), ((2, 3, 4),)]   # axis=None works on all of these
S_AX = [((4,),), ((2, 3),), ((2, 3, 4),)]       # axis 0 / -1
S_3D = [((2, 3, 4),), ((2, 0, 3),)]             # tuple axes; one with a size-0 axis


def _axis_rows(name, fn, s_all=S):
    """One row per axis form, each with and without keepdims."""
    rows = []
    for kd in (False, True):
        k = "-keepdims" if kd else ""
        rows += [
            (f"{name}-none{k}", lambda m, x, kd=kd: fn(m, x, axis=None, keepdims=kd), s_all),
            (f"{name}-0{k}", lambda m, x, kd=kd: fn(m, x, axis=0, keepdims=kd), S_AX),
            (f"{name}-neg{k}", lambda m, x, kd=kd: fn(m, x, axis=-1, keepdims=kd), S_AX),
            (f"{name}-tuple{k}", lambda m, x, kd=kd: fn(m, x, axis=(0, -1), keepdims=kd),
             [((2, 3, 4),)]),
        ]
    return rows


REDUCTIONS = (
    _axis_rows("sum", lambda m, x, **kw: m.sum(x, **kw))
    + _axis_rows("prod", lambda m, x, **kw: m.prod(x, **kw))
    + _axis_rows("mean", lambda m, x, **kw: m.mean(x, **kw))
    + _axis_rows("max", lambda m, x, **kw: m.max(x, **kw))
    + _axis_rows("min", lambda m, x, **kw: m.min(x, **kw))
    + _axis_rows("var", lambda m, x, **kw: m.var(x, **kw), [((4,),), ((2, 3),)])
    + _axis_rows("std", lambda m, x, **kw: m.std(x, **kw), [((4,),), ((2, 3),)])
    + [
        # reductions over a size-0 axis where numpy gives a value (sum 0, prod 1)
        ("sum-empty", lambda m, x: m.sum(x, axis=1), S_3D),
        ("sum-empty-all", lambda m, x: m.sum(x), [((0,),), ((2, 0),)]),
        ("prod-empty", lambda m, x: m.prod(x, axis=(0, 1)), S_3D),
        ("mean-keep-empty", lambda m, x: m.mean(x, axis=2), [((2, 0, 3),)]),
        ("max-keep-empty", lambda m, x: m.max(x, axis=(0, 2)), [((2, 0, 3),)]),
        ("sum-tuple3", lambda m, x: m.sum(x, axis=(2, 0, 1)), [((2, 3, 4),)]),
        ("amax", lambda m, x: m.amax(x, axis=1), [((2, 3),)]),
        ("amin", lambda m, x: m.amin(x, axis=(1,), keepdims=True), [((2, 3),)]),
        ("max-initial", lambda m, x: m.max(x, axis=0, initial=0.5), [((3, 2),)]),
        ("min-initial", lambda m, x: m.min(x, initial=-0.5), [((3, 2),)]),
        ("sum-initial", lambda m, x: m.sum(x, axis=1, initial=2.0), [((3, 2),)]),
        ("prod-initial", lambda m, x: m.prod(x, initial=2.0), [((3, 2),)]),
        ("sum-dtype", lambda m, x: m.sum(x, axis=0, dtype=np.float64), [((3, 2),)]),
        ("mean-dtype", lambda m, x: m.mean(x, dtype=np.float64), [((3, 2),)]),
        ("var-ddof1", lambda m, x: m.var(x, ddof=1), [((4,),), ((2, 3),)]),
        ("var-ddof1-axis", lambda m, x: m.var(x, axis=0, ddof=1, keepdims=True), [((3, 2),)]),
        ("std-ddof1", lambda m, x: m.std(x, axis=-1, ddof=1), [((4,),), ((2, 3),)]),
        ("std-ddof2-tuple", lambda m, x: m.std(x, axis=(0, 2), ddof=2), [((2, 3, 4),)]),
        ("var-correction", lambda m, x: m.var(x, correction=1), [((5,),)]),
        ("cumsum", lambda m, x: m.cumsum(x), [((),), ((4,),), ((2, 3),), ((0,),)]),
        ("cumsum-0", lambda m, x: m.cumsum(x, axis=0), [((4,),), ((2, 3),)]),
        ("cumsum-neg", lambda m, x: m.cumsum(x, axis=-1), [((2, 3),), ((2, 3, 4),)]),
        ("cumsum-dtype", lambda m, x: m.cumsum(x, 1, dtype=np.float64), [((2, 3),)]),
        ("cumprod", lambda m, x: m.cumprod(x), [((),), ((4,),), ((2, 3),), ((0,),)]),
        ("cumprod-0", lambda m, x: m.cumprod(x, axis=0), [((4,),), ((2, 3),)]),
        ("cumprod-neg", lambda m, x: m.cumprod(x, axis=-1), [((2, 3),), ((2, 3, 4),)]),
        # the array methods
        ("method-sum", lambda m, x: x.sum(axis=0) + x.sum(), [((2, 3),)]),
        ("method-mean", lambda m, x: x.mean(-1, keepdims=True), [((2, 3),)]),
        ("method-max-min", lambda m, x: x.max(axis=1) - x.min(axis=0).sum(), [((2, 3),)]),
        ("method-prod", lambda m, x: x.prod(axis=(0, 1)), [((2, 3),)]),
        ("method-var-std", lambda m, x: x.var(axis=0) + x.std(ddof=1), [((2, 3),)]),
        ("method-cum", lambda m, x: x.cumsum(axis=0) + x.cumprod(axis=1), [((2, 3),)]),
        # broadcasting inside a reduction
        ("sum-broadcast", lambda m, x, y: m.sum(x * y, axis=0), [((3, 1), (4,)),
                                                                ((), (2, 3))]),
        ("mean-broadcast", lambda m, x, y: m.mean(x + y, axis=(0, 1)), [((2, 1, 3), (4, 3))]),
    ]
)

# rows whose results are integers or booleans: values and traces only
NONDIFF_ROWS = [
    ("argmax", lambda m, x: m.argmax(x), [((),), ((4,),), ((2, 3),)]),
    ("argmax-0", lambda m, x: m.argmax(x, axis=0), [((4,),), ((2, 3),)]),
    ("argmax-neg-keep", lambda m, x: m.argmax(x, axis=-1, keepdims=True), [((2, 3),),
                                                                           ((2, 3, 4),)]),
    ("argmax-none-keep", lambda m, x: m.argmax(x, keepdims=True), [((2, 3),)]),
    ("argmax-empty-other", lambda m, x: m.argmax(x, axis=1), [((0, 3),)]),
    ("argmin", lambda m, x: m.argmin(x), [((),), ((4,),), ((2, 3),)]),
    ("argmin-1", lambda m, x: m.argmin(x, axis=1), [((2, 3),), ((2, 3, 4),)]),
    ("argmin-neg-keep", lambda m, x: m.argmin(x, axis=-2, keepdims=True), [((2, 3, 4),)]),
    ("method-argmax", lambda m, x: x.argmax(axis=0) + x.argmin(), [((2, 3),)]),
    ("all", lambda m, x: m.all(x > -1.0), [((),), ((4,),), ((2, 3),), ((0,),)]),
    ("all-axis", lambda m, x: m.all(x > -1.0, axis=0), [((2, 3),)]),
    ("all-tuple-keep", lambda m, x: m.all(x > 0, axis=(0, 2), keepdims=True),
     [((2, 3, 4),)]),
    ("all-float", lambda m, x: m.all(x), [((2, 3),)]),
    ("any", lambda m, x: m.any(x > 1.0), [((),), ((4,),), ((2, 3),), ((0,),)]),
    ("any-neg-keep", lambda m, x: m.any(x > 1.0, axis=-1, keepdims=True), [((2, 3),)]),
    ("any-tuple", lambda m, x: m.any(x > 1.0, axis=(1, 2)), [((2, 3, 4),)]),
    ("method-all-any", lambda m, x: (x > 0).all(axis=1) | (x > 1).any(axis=1), [((2, 3),)]),
    ("count_nonzero", lambda m, x: m.count_nonzero(m.floor(x)), [((),), ((4,),), ((2, 3),),
                                                                 ((0,),)]),
    ("count_nonzero-axis", lambda m, x: m.count_nonzero(m.floor(x), axis=1),
     [((2, 3),), ((2, 3, 4),)]),
    ("count_nonzero-tuple-keep", lambda m, x: m.count_nonzero(m.floor(x), axis=(0, -1),
                                                              keepdims=True), [((2, 3, 4),)]),
    ("count_nonzero-bool", lambda m, x: m.count_nonzero(x > 0, axis=0), [((2, 3),)]),
]

ALL = REDUCTIONS + NONDIFF_ROWS
NONDIFF = {name for name, _, _ in NONDIFF_ROWS}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn,specs", table_params(ALL))
def test_value_matches_numpy(fn, specs, dtype):
    check_value(fn, specs, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn,specs", table_params(ALL))
def test_traces_and_replays(fn, specs, dtype):
    check_trace(fn, specs, dtype)


@pytest.mark.parametrize("fn,specs", table_params(REDUCTIONS))
def test_derivatives(fn, specs):
    check_derivatives(fn, specs)


@pytest.mark.parametrize("fn,specs", table_params(REDUCTIONS))
def test_float32_gradients_stay_float32(fn, specs):
    check_float32_grad_dtype(fn, specs)


# ---------------------------------------------------------------------------------------------
# Integer and boolean inputs
# ---------------------------------------------------------------------------------------------

INT_INPUT = [
    ("sum", lambda m, x: m.sum(x, axis=0)), ("prod", lambda m, x: m.prod(x)),
    ("mean", lambda m, x: m.mean(x, axis=1)), ("var", lambda m, x: m.var(x)),
    ("std", lambda m, x: m.std(x, axis=0, ddof=1)), ("max", lambda m, x: m.max(x, axis=1)),
    ("min", lambda m, x: m.min(x)), ("argmax", lambda m, x: m.argmax(x, axis=0)),
    ("cumsum", lambda m, x: m.cumsum(x)), ("cumprod", lambda m, x: m.cumprod(x, axis=1)),
    ("count_nonzero", lambda m, x: m.count_nonzero(x, axis=1)),
    ("any", lambda m, x: m.any(x)), ("all", lambda m, x: m.all(x, axis=0)),
]


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_])
@pytest.mark.parametrize("name,fn", INT_INPUT, ids=[r[0] for r in INT_INPUT])
def test_integer_and_bool_inputs(name, fn, dtype):
    x = np.array([[0, 3, -2], [1, 1, 4]]).astype(dtype)
    theirs = fn(np, x)
    assert_same_as_numpy(fn(fnp, x), theirs)
    closed = fungrad.make_jaxpr(lambda x: fn(fnp, x))(x)
    fungrad.check_jaxpr(closed)
    assert closed.out_avals[0].dtype == np.asarray(theirs).dtype
    assert_same_as_numpy(fungrad.eval_jaxpr(closed.jaxpr, closed.consts, x)[0], theirs)


# ---------------------------------------------------------------------------------------------
# prod with zeros
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("x,expected", [
    # d prod / d x_i = product of the others
    (np.array([2.0, 0.0, 3.0, 4.0]), np.array([0.0, 24.0, 0.0, 0.0])),
    (np.array([0.0, 5.0, 0.0, 4.0]), np.zeros(4)),
    (np.array([0.0]), np.ones(1)),
    (np.array([0.0, 0.0]), np.zeros(2)),
])
def test_prod_gradient_with_zeros(x, expected):
    for dtype in FLOATS:
        g = fungrad.grad(fnp.prod)(x.astype(dtype))
        assert g.dtype == dtype
        np.testing.assert_allclose(g, expected, rtol=1e-6)
    # forward mode: the tangent along each basis vector
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = 1.0
        _, t = fungrad.jvp(fnp.prod, (x,), (e,))
        np.testing.assert_allclose(t, expected[i], rtol=1e-12)
    # second order at the zeros, both modes (prod is a polynomial: differences are exact)
    assert_derivatives(fnp.prod, (x,))


def test_prod_hessian_with_one_and_two_zeros():
    # H_ij = product of all but x_i and x_j (i != j), 0 on the diagonal
    def expected_hessian(x):
        n = x.size
        h = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                if i != j:
                    h[i, j] = np.prod(np.delete(x, [i, j]))
        return h
    for x in (np.array([2.0, 0.0, 3.0, 4.0]), np.array([0.0, 5.0, 0.0, 4.0])):
        np.testing.assert_allclose(fungrad.hessian(fnp.prod)(x), expected_hessian(x),
                                   rtol=1e-12)
        np.testing.assert_allclose(fungrad.jacfwd(fungrad.grad(fnp.prod))(x),
                                   expected_hessian(x), rtol=1e-12)


def test_prod_axis_gradient_with_zeros():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 3.0]])
    w = np.array([1.0, 10.0, 100.0])

    def f(x):
        return fnp.sum(fnp.prod(x, axis=1) * w)
    expected = np.array([[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [6.0, 3.0, 2.0]]) * w[:, None]
    np.testing.assert_allclose(fungrad.grad(f)(x), expected, rtol=1e-12)
    np.testing.assert_allclose(fungrad.grad(lambda x: fnp.sum(fnp.prod(x, axis=0)))(x.T),
                               expected.T / w[None, :], rtol=1e-12)
    assert_derivatives(lambda x: fnp.prod(x, axis=(0, 1)), (x,))
    assert_derivatives(lambda x: fnp.prod(x, axis=-1, keepdims=True), (x,))


# ---------------------------------------------------------------------------------------------
# max / min ties: the derivative is shared evenly among the tied elements (JAX's convention)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["max", "amax", "min", "amin"])
def test_extremum_ties_share_the_gradient(name):
    fn = getattr(fnp, name)
    sgn = 1.0 if "max" in name else -1.0
    x = sgn * np.array([1.0, 3.0, 3.0, -2.0])
    for dtype in FLOATS:
        g = fungrad.grad(fn)(x.astype(dtype))
        assert g.dtype == dtype
        np.testing.assert_array_equal(g, [0.0, 0.5, 0.5, 0.0])
    _, t = fungrad.jvp(fn, (x,), (np.array([1.0, 4.0, 8.0, 16.0]),))
    assert t == 6.0  # the mean of the tied tangents
    # along an axis: three-way tie in row 0, none in row 1
    x2 = sgn * np.array([[2.0, 2.0, 2.0], [1.0, 5.0, 0.0]])
    g2 = fungrad.grad(lambda x: fnp.sum(fn(x, axis=1) * np.array([3.0, 1.0])))(x2)
    np.testing.assert_allclose(g2, [[1.0, 1.0, 1.0], [0.0, 1.0, 0.0]], rtol=1e-15)
    g3 = fungrad.grad(lambda x: fnp.sum(fn(x, axis=0, keepdims=True)))(x2)
    np.testing.assert_array_equal(g3, [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


def test_max_hessian_with_ties_is_zero():
    x = np.array([1.0, 3.0, 3.0])
    np.testing.assert_array_equal(fungrad.hessian(fnp.max)(x), np.zeros((3, 3)))


# ---------------------------------------------------------------------------------------------
# Known derivatives and special values
# ---------------------------------------------------------------------------------------------

def test_mean_var_std_gradients():
    x = rand((5,), seed=3)
    n = x.size
    np.testing.assert_allclose(fungrad.grad(fnp.mean)(x), np.full(5, 1 / n), rtol=1e-12)
    np.testing.assert_allclose(fungrad.grad(fnp.var)(x), 2 * (x - x.mean()) / n, rtol=1e-12)
    np.testing.assert_allclose(fungrad.grad(lambda x: fnp.var(x, ddof=1))(x),
                               2 * (x - x.mean()) / (n - 1), rtol=1e-12)
    np.testing.assert_allclose(fungrad.grad(lambda x: fnp.std(x, ddof=1))(x),
                               (x - x.mean()) / ((n - 1) * x.std(ddof=1)), rtol=1e-12)


def test_cumsum_cumprod_gradients():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    # sum(cumsum(x)) = 4 x0 + 3 x1 + 2 x2 + x3
    np.testing.assert_array_equal(fungrad.grad(lambda x: fnp.sum(fnp.cumsum(x)))(x),
                                  [4.0, 3.0, 2.0, 1.0])
    # cumprod(x)[-1] = prod(x)
    np.testing.assert_allclose(fungrad.grad(lambda x: fnp.cumprod(x)[-1])(x),
                               [24.0, 12.0, 8.0, 6.0], rtol=1e-12)


def test_argmax_and_boolean_reductions_have_zero_derivative():
    x = rand((2, 3))

    def f(x):
        i = fnp.argmax(x, axis=1)
        c = fnp.count_nonzero(x > 0) + fnp.sum(fnp.any(x > 1.0, axis=0))
        return fnp.sum(x * 2.0) + fnp.sum(i) + c + fnp.all(x > -5)
    np.testing.assert_array_equal(fungrad.grad(f)(x), np.full((2, 3), 2.0))
    assert_derivatives(f, (x,))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda x: fnp.max(x), lambda x: fnp.min(x, axis=0), lambda x: fnp.amax(x, axis=(0, 1)),
    lambda x: fnp.amin(x, axis=-2, keepdims=True), lambda x: fnp.argmax(x, axis=0),
    lambda x: fnp.argmin(x),
])
def test_max_min_over_empty_axis_raise_value_error(call):
    x = np.zeros((0, 3))
    with pytest.raises(ValueError, match="zero-size|empty"):
        call(x)
    with pytest.raises(ValueError, match="zero-size|empty"):
        fungrad.make_jaxpr(call)(x)
    # the next trace works
    assert_traces_and_replays(lambda x: fnp.max(x, axis=1), (x,), (np.ones((0, 3)),))


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_over_empty_axis_with_initial(name):
    x = np.zeros((0, 3))
    theirs = getattr(np, name)(x, axis=0, initial=2.0)
    assert_same_as_numpy(getattr(fnp, name)(x, axis=0, initial=2.0), theirs)
    assert_traces_and_replays(lambda x: getattr(fnp, name)(x, axis=0, initial=2.0), (x,),
                              (np.ones((0, 3)),))


@pytest.mark.parametrize("call", [
    lambda x: fnp.sum(x, axis=2), lambda x: fnp.mean(x, axis=-3),
    lambda x: fnp.max(x, axis=(0, 0)), lambda x: fnp.cumsum(x, axis=5),
    lambda x: fnp.argmax(x, axis=2), lambda x: fnp.var(x, axis=(1, -1)),
])
def test_bad_axes_raise_value_error(call):
    x = rand((2, 3))
    with pytest.raises(ValueError, match="axis"):
        call(x)
    with pytest.raises(ValueError, match="axis"):
        fungrad.make_jaxpr(call)(x)
