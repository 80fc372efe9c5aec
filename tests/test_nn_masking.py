"""The fast forms behind ``nn.relu`` and the pooling derivatives (``fungrad.prims.masking``):
``keep(mask, x)`` against ``select(mask, x, 0)`` (numpy's ``where``), bit for bit, and the
``relu`` primitive against the ``where`` formula it replaced -- values, dtypes, derivatives
of order 2 in both modes, jit, vmap, and bad input."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.prims import elementwise as ew
from fungrad.prims.masking import keep, relu

from helpers import assert_derivatives, assert_same_as_numpy, rand


def where_relu(x):
    """The general path: relu as a select (what nn.relu computed before its primitive)."""
    x = fnp.asarray(x)
    return fnp.where(fnp.less_equal(x, 0), fnp.zeros((), fnp.result_type(x)), x)


def _bytes(a):
    return np.atleast_1d(np.asarray(a)).view(np.uint8)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (0, 3)])
def test_keep_is_select_against_zero_bit_for_bit(dtype, shape):
    rng = np.random.default_rng(0)
    x = rand(shape, dtype, seed=1)
    if x.size:  # the values a multiplication by the mask gets wrong
        x.flat[:3] = np.array([np.inf, -np.inf, np.nan][:x.size], dtype)
    mask = rng.uniform(size=shape) < 0.5
    ours = np.asarray(keep(mask, x))
    theirs = np.where(mask, x, np.zeros((), dtype))
    assert ours.dtype == dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(_bytes(ours), _bytes(theirs))
    np.testing.assert_array_equal(_bytes(fungrad.jit(keep)(mask, x)), _bytes(theirs))


def test_keep_broadcasts_and_falls_back_for_other_dtypes():
    mask = np.array([[True], [False]])
    x = rand((2, 3), np.float32)
    assert_same_as_numpy(keep(mask, x), np.where(mask, x, np.float32(0)))
    assert_same_as_numpy(keep(mask, np.float64(2.5)), np.where(mask, 2.5, 0.0))
    ints = np.arange(6).reshape(2, 3)
    assert_same_as_numpy(keep(mask, ints), np.where(mask, ints, 0))
    z = rand((2, 3)) + 1j * rand((2, 3), seed=1)
    assert_same_as_numpy(keep(mask, z), np.where(mask, z, 0j))


def test_keep_derivatives_jit_vmap_and_errors():
    mask = np.array([True, False, True, True])
    x = rand((4,))
    assert_derivatives(lambda x: keep(mask, x) * x, (x,))
    g = fungrad.grad(lambda x: fnp.sum(keep(mask, x) ** 2))(x)
    np.testing.assert_allclose(g, np.where(mask, 2 * x, 0.0), rtol=1e-15)
    masks = np.array([[True, False, True, False], [False, False, True, True]])
    xs = rand((2, 4), seed=2)
    assert_same_as_numpy(fungrad.vmap(keep)(masks, xs), np.where(masks, xs, 0.0))
    assert_same_as_numpy(fungrad.vmap(keep, in_axes=(0, None))(masks, x),
                         np.where(masks, x, 0.0))
    with pytest.raises(TypeError, match="keep: the mask must be boolean.*f64"):
        keep(np.ones(4), x)
    with pytest.raises(ValueError, match="keep: operands could not be broadcast"):
        keep(np.ones(3, bool), x)
    assert_same_as_numpy(keep(mask, x), np.where(mask, x, 0.0))  # and the next call works


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_primitive_matches_the_where_formula(dtype):
    x = np.array([-2.0, -0.0, 0.0, 1e-30, 3.0, np.inf, -np.inf, np.nan], dtype)
    assert_same_as_numpy(nn.relu(x), where_relu(x))
    assert_same_as_numpy(relu(x), np.maximum(x, 0).astype(dtype))
    grad = lambda f: fungrad.grad(lambda x: fnp.sum(f(x) * np.arange(8.0, dtype=dtype)))  # noqa
    g_fast, g_where = grad(nn.relu)(x), grad(where_relu)(x)
    assert g_fast.dtype == dtype
    assert_same_as_numpy(g_fast[:7], g_where[:7])  # 0 at the kink, as JAX
    # at NaN, JAX's relu (select(x > 0, g, 0)) passes nothing; the where formula passed g
    assert g_fast[7] == 0.0 and g_where[7] == 7.0
    t_fast = fungrad.jvp(nn.relu, (x,), (np.ones(8, dtype),))[1]
    assert_same_as_numpy(t_fast, np.array([0, 0, 0, 1, 1, 1, 0, 0], dtype))


@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_relu_derivatives_jit_and_vmap(shape):
    x = rand(shape, seed=3)
    x = np.where(np.abs(x) < 0.1, 0.5, x)  # away from the kink for finite differences
    assert_derivatives(nn.relu, (x,))
    assert_derivatives(lambda x: nn.relu(x) ** 2 * x, (x,))
    assert_same_as_numpy(fungrad.jit(nn.relu)(x), np.maximum(x, 0.0))
    xs = rand((3,) + shape, seed=4)
    assert_same_as_numpy(fungrad.vmap(nn.relu)(xs), np.maximum(xs, 0.0))
    per_example = fungrad.vmap(fungrad.grad(lambda x: fnp.sum(nn.relu(x) ** 2)))(xs)
    assert_same_as_numpy(per_example, 2 * np.maximum(xs, 0.0))
    jitted = fungrad.jit(fungrad.grad(lambda x: fnp.sum(nn.relu(x) ** 2)))
    assert_same_as_numpy(jitted(x), 2 * np.maximum(x, 0.0))


def test_relu_of_other_dtypes_and_bad_input():
    assert_same_as_numpy(nn.relu(np.array([-2, 0, 3])), np.array([0, 0, 3]))
    assert_same_as_numpy(nn.relu(np.array([True, False])), np.array([True, False]))
    assert_same_as_numpy(nn.relu(2.0), np.float64(2.0))
    with pytest.raises(TypeError, match="relu: the operand must be a real float.*i64"):
        relu(np.array([1, 2]))
    with pytest.raises(TypeError, match="relu: the operand must be a real float.*c128"):
        relu(np.array([1j]))
    assert_same_as_numpy(relu(np.array([-1.0, 1.0])), np.array([0.0, 1.0]))
    # the select it replaces, for the record: the same result on the same inputs
    x = rand((3, 3), np.float32, seed=5)
    assert_same_as_numpy(relu(x), ew.select(x <= 0, np.float32(0), x))


def test_keep_array_writes_into_a_strided_view():
    from fungrad.prims.masking import keep_array
    mask = np.array([[True, False], [False, True]])
    for x in (np.array([[1.5, np.inf], [np.nan, -2.0]], np.float32), np.arange(4).reshape(2, 2)):
        out = np.full((2, 4), 7, x.dtype)
        assert keep_array(mask, x, out=out[:, ::2]).base is out
        assert_same_as_numpy(out[:, ::2], np.where(mask, x, np.zeros((), x.dtype)))
        assert_same_as_numpy(out[:, 1::2], np.full((2, 2), 7, x.dtype))  # untouched
