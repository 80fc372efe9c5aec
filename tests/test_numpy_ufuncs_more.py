"""fungrad.numpy's float-part and integer ufuncs made by composition (ldexp, frexp, modf,
divmod, isneginf, isposinf, nan_to_num): values against numpy, IR, jit, vmap, derivatives."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy
from numpy_table import table_tests

E = np.array([2, -1, 0, 3])
WITH_INF = np.array([1.5, -np.inf, np.inf, np.nan, -0.0, 2.0])

TABLE = [
    ("ldexp", lambda m, x: m.ldexp(x, E), [((4,),), ((2, 4),)]),
    ("ldexp_scalar", lambda m, x: m.ldexp(x, 3), [((),), ((0,),)]),
    ("frexp", lambda m, x: m.frexp(x), [((),), ((3,),), ((2, 3),), ((0,),)]),
    ("modf", lambda m, x: m.modf(x * 3.0), [((),), ((3,),), ((2, 3),), ((0,),)]),
    ("divmod", lambda m, x, y: m.divmod(x * 3.0, y + 3.0), [((3,), (3,)), ((2, 3), ())]),
    ("nan_to_num", lambda m, x: m.nan_to_num(x), [((),), ((3,),), ((0,),)]),
    ("nan_to_num_inf", lambda m, x: m.nan_to_num(x * WITH_INF, nan=1.0, posinf=5.0),
     [((6,),), ((2, 6),)]),
    ("isposinf", lambda m, x: m.isposinf(x * WITH_INF), [((6,),)]),
    ("isneginf", lambda m, x: m.isneginf(x * WITH_INF), [((6,),)]),
]
NONDIFF = {"divmod", "isposinf", "isneginf"}


test_values, test_trace_jit_vmap, test_derivatives = table_tests(
    TABLE, nondiff=NONDIFF | {"nan_to_num_inf"})


def test_nan_to_num_derivative_is_one_where_finite():
    g = fungrad.grad(lambda x: fnp.sum(fnp.nan_to_num(x) * 3.0))(WITH_INF)
    assert_same_as_numpy(g, np.where(np.isfinite(WITH_INF), 3.0, 0.0))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_and_bool_inputs(dtype):
    x = np.array([0, 1, 3]).astype(dtype)
    for name in ("frexp", "modf", "nan_to_num", "isposinf", "isneginf"):
        ours, theirs = getattr(fnp, name)(x), getattr(np, name)(x)
        for o, t in zip(fungrad.tree_util.tree_leaves(ours),
                        fungrad.tree_util.tree_leaves(theirs)):
            assert_same_as_numpy(o, t)
    assert_same_as_numpy(fnp.ldexp(x, 2), np.ldexp(x, 2))


def test_copysign_heaviside_nextafter_derivatives():
    assert_derivatives(lambda x, y: fnp.copysign(x, y), (np.array([1.5, -2.0]),
                                                         np.array([-1.0, 3.0])))
    assert_derivatives(lambda y: fnp.heaviside(np.array([0.0, -2.0, 1.0]), y),
                       (np.array([0.3, 0.7, 0.1]),))  # the x1 == 0 entry takes y
    assert_derivatives(lambda x: fnp.heaviside(x, 0.5), (np.array([0.5, -2.0, 1.0]),))
    g = fungrad.grad(lambda x: fnp.nextafter(x, 5.0))(1.0)
    assert g == 1.0
    assert fnp.nextafter(np.inf, 0.0) == np.nextafter(np.inf, 0.0)


@pytest.mark.parametrize("x1, x2", [
    (np.array([-1.0, 0.0, 2.0, np.nan]), 0.5),
    (np.array([-1.0, 0.0, np.nan], np.float32), np.float32(0.3)),
    (np.array([-1, 0, 3]), 2),
    (np.array([np.nan, 0.0]), np.array([np.nan, 1.0])),
])
def test_heaviside_matches_numpy_including_nan(x1, x2):
    assert_same_as_numpy(fnp.heaviside(x1, x2), np.heaviside(x1, x2))
    assert_same_as_numpy(fungrad.jit(fnp.heaviside)(x1, x2), np.heaviside(x1, x2))


def test_bad_inputs():
    with pytest.raises(TypeError, match=r"ldexp: argument x2 is f64\[2\].*expected an integer"):
        fnp.ldexp(np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="gcd"):
        fnp.gcd(np.ones(2), 2)
    assert fnp.gcd(np.array([12, 18]), 8).tolist() == [4, 2]  # works after the error
