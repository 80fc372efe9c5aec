"""lax's shape rule for elementwise operations: one rank (size-1 axes stretch) or scalars,
as JAX 0.10 has it; fungrad.numpy keeps numpy's broadcasting. The error texts are JAX's
(recorded with /opt/jaxenv/bin/python: ``lax.add(jnp.ones(3), jnp.ones((2, 3)))`` raises
``TypeError: add: arrays must have the same number of dimensions, got {1, 2}``, and
``lax.add(jnp.ones(3), jnp.ones(4))`` ``add got incompatible shapes for broadcasting: (3,),
(4,).``)."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import lax
from helpers import rand

FLOAT_BINARY = ["add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "nextafter",
                "eq", "ne", "lt", "le", "gt", "ge", "complex", "igamma", "igammac", "zeta",
                "polygamma", "igamma_grad_a", "random_gamma_grad"]
INT_BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "shift_left",
              "shift_right_arithmetic", "shift_right_logical", "mulhi"]


def _operands(name, *shapes):
    if name in INT_BINARY:
        return [np.ones(s, np.int32) for s in shapes]
    return [rand(s, seed=i, low=1.0, high=2.0) for i, s in enumerate(shapes)]


@pytest.mark.parametrize("name", FLOAT_BINARY + INT_BINARY)
def test_binary_ops_refuse_numpy_broadcasting(name):
    f = getattr(lax, name)
    x, y = _operands(name, (3,), (2, 3))
    for a, b in ((x, y), (y, x)):
        with pytest.raises(TypeError, match=rf"{name}: arrays must have the same number of "
                                            r"dimensions, got \{1, 2\}"):
            f(a, b)
        with pytest.raises(TypeError, match="same number of dimensions"):
            fungrad.jit(f)(a, b)
    a, b = _operands(name, (3,), (4,))
    with pytest.raises(TypeError, match=rf"{name} got incompatible shapes for broadcasting: "
                                        r"\(3,\), \(4,\)"):
        f(a, b)
    # what lax does broadcast: scalars of every kind, and size-1 axes of one rank
    a, b = _operands(name, (2, 3), (1, 3))
    assert f(a, b).shape == (2, 3) and f(b, a).shape == (2, 3)
    zero_d = _operands(name, ())[0]
    assert f(a, zero_d).shape == (2, 3) and f(zero_d, a).shape == (2, 3)
    assert f(a, zero_d[()]).shape == (2, 3)  # a numpy scalar
    # after the errors the next call works, traced too
    assert fungrad.jit(f)(a, b).shape == (2, 3)


def test_python_scalars_broadcast():
    x = rand((2, 3))
    np.testing.assert_array_equal(lax.add(x, 2.0), x + 2.0)
    np.testing.assert_array_equal(lax.mul(3.0, x), 3.0 * x)
    np.testing.assert_array_equal(lax.shift_left(np.ones((2, 2), np.int32), 3),
                                  np.full((2, 2), 8, np.int32))
    np.testing.assert_array_equal(lax.betainc(2.0, 3.0, np.full((2, 1), 0.5)),
                                  np.full((2, 1), 0.6875))


def test_betainc_ranks():
    a3, a23 = rand((3,), low=1.0, high=2.0), rand((2, 3), low=1.0, high=2.0)
    with pytest.raises(TypeError, match=r"betainc: arrays must have the same number of "
                                        r"dimensions, got \{1, 2\}"):
        lax.betainc(a3, a23, 0.5)
    assert lax.betainc(a23[:1], a23, 0.5).shape == (2, 3)


def test_select_and_clamp_need_equal_shapes():
    x, row = rand((2, 3)), rand((1, 3))
    pred = x > 0
    with pytest.raises(TypeError, match="select: on_true and on_false must have the same "
                                        r"shape, got f64\[2,3\] and f64\[1,3\]"):
        lax.select(pred, x, row)
    with pytest.raises(TypeError, match=r"select: pred must be a scalar or have the shape "
                                        r"of on_true \(2, 3\), got bool\[1,3\]"):
        lax.select(pred[:1], x, x)
    with pytest.raises(TypeError, match="select: on_true and on_false"):
        lax.select(pred, x, 0.0)  # JAX: select cases must have the same shapes
    np.testing.assert_array_equal(lax.select(True, x, -x), x)
    with pytest.raises(TypeError, match=r"select_n: which must be a scalar or have the shape"):
        lax.select_n(pred[0], x, x)
    with pytest.raises(TypeError, match=r"select_n: cases\[0\] and cases\[2\] must have"):
        lax.select_n(np.int64(0), x, x, row)
    np.testing.assert_array_equal(lax.select_n(np.int64(1), x, -x), -x)
    with pytest.raises(TypeError, match=r"clamp: min must be a scalar or have the shape of x "
                                        r"\(2, 3\), got f64\[1,3\]"):
        lax.clamp(row, x, 1.0)
    with pytest.raises(TypeError, match=r"clamp: max must be a scalar"):
        lax.clamp(0.0, x, np.ones(3))
    np.testing.assert_array_equal(lax.clamp(np.zeros((2, 3)), x, 0.5), np.clip(x, 0, 0.5))


def test_vmap_checks_each_example():
    # the rule applies to the example shapes: an unbatched (3,) meets batched (3,) examples
    x, y = rand((2, 3)), rand((3,), seed=1)
    np.testing.assert_allclose(fungrad.vmap(lax.add, in_axes=(0, None))(x, y), x + y)
    np.testing.assert_allclose(fungrad.vmap(lax.add)(x, rand((2,), seed=2)),
                               x + rand((2,), seed=2)[:, None])
    with pytest.raises(TypeError, match="same number of dimensions"):
        fungrad.vmap(lax.add, in_axes=(0, None))(x, rand((2, 3)))


def test_numpy_keeps_numpy_broadcasting():
    x, y = rand((3,)), rand((2, 3), seed=1)
    np.testing.assert_array_equal(fnp.add(x, y), x + y)
    np.testing.assert_array_equal(fnp.where(x > 0, x, y), np.where(x > 0, x, y))
    np.testing.assert_array_equal(fnp.clip(y, x[:1], 0.5), np.clip(y, x[:1], 0.5))
    g = fungrad.grad(lambda a: fnp.sum(fnp.multiply(a, y)))(x)
    np.testing.assert_allclose(g, y.sum(0))
