"""fungrad.lax.reduce_window (pooling) and lax.pad: values and vjps against JAX's recorded
ones, derivatives of order 2 in both modes, jit, vmap, bad input."""
from __future__ import annotations

import json
import operator
from pathlib import Path

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import lax
from helpers import assert_derivatives, assert_same_as_numpy, rand

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "lax_windowed.npz")
META = json.loads(str(FIXTURE["meta"]))
OPS = {"add": lax.add, "max": lax.max, "min": lax.min, "mul": lax.mul}


def _case(i):
    monoid, init, kw = META[i]
    kw = dict(kw)
    if isinstance(kw["padding"], list):
        kw["padding"] = [tuple(p) for p in kw["padding"]]
    return (lambda x: lax.reduce_window(x, init, OPS[monoid], **kw)), FIXTURE[f"{i}_x"]


@pytest.mark.parametrize("i", range(len(META)))
def test_reduce_window_against_jax(i):
    f, x = _case(i)
    assert_same_as_numpy(f(x), FIXTURE[f"{i}_out"], rtol=1e-12, atol=1e-14)
    assert_same_as_numpy(fungrad.jit(f)(x), FIXTURE[f"{i}_out"], rtol=1e-12, atol=1e-14)
    if f"{i}_g" in FIXTURE:
        g = fungrad.vjp(f, x)[1](FIXTURE[f"{i}_ct"])[0]
        np.testing.assert_allclose(g, FIXTURE[f"{i}_g"], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("i", range(len(META)))
def test_reduce_window_second_order(i):
    f, x = _case(i)  # random normal inputs: no ties in max/min
    assert_derivatives(f, (x,))


def test_monoid_spellings():
    x = rand((6,))
    expected = lax.reduce_window_sum(x, (2,))
    for comp in (lax.add, fnp.add, operator.add, lambda a, b: a + b):
        assert_same_as_numpy(lax.reduce_window(x, 0.0, comp, (2,)), expected)
    assert_same_as_numpy(lax.reduce_window(x, -np.inf, fnp.maximum, (3,), (3,)),
                         x.reshape(2, 3).max(1))
    assert_same_as_numpy(lax.reduce_window(x, np.inf, lax.min, (3,), (3,)),
                         x.reshape(2, 3).min(1))
    assert_same_as_numpy(lax.reduce_window_prod(x, (3,), (3,)), x.reshape(2, 3).prod(1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.bool_])
def test_memoized_monoids_of_fungrads_functions_are_the_traced_ones(dtype):
    from fungrad.lax.windowed import _OWN_MONOIDS, _monoid_of, _traced_monoid
    own = (lax.add, lax.mul, lax.max, lax.min, fnp.add, fnp.maximum, fnp.minimum,
           fnp.multiply) + ((lax.sub, fnp.subtract) if dtype != np.bool_ else ())
    for comp in own:
        traced = _traced_monoid(comp, np.dtype(dtype))
        assert _monoid_of(comp, dtype, strict=False) == traced
        assert _OWN_MONOIDS[(comp, np.dtype(dtype))] == traced
        assert _monoid_of(comp, dtype, strict=False) == traced  # the memo's answer
    # a user's function is traced on every call: what it computes may change
    mode = ["add"]

    def user(a, b):
        return a + b if mode[0] == "add" else fnp.maximum(a, b)

    assert _monoid_of(user, dtype) == "add"
    mode[0] = "max"
    assert _monoid_of(user, dtype) == "max"
    assert not any(key[0] is user for key in _OWN_MONOIDS)
    # nor is a fungrad object made per call around one of fungrad's functions (a Partial):
    # the memo holds a fixed set of module-level functions, however many calls are made
    size = len(_OWN_MONOIDS)
    for _ in range(3):
        assert _monoid_of(fungrad.tree_util.Partial(lax.max), dtype) == \
            _traced_monoid(lax.max, np.dtype(dtype))
    assert len(_OWN_MONOIDS) == size
    # and what is not a monoid stays an error, memoized or not
    for _ in range(2):
        if dtype == np.bool_:  # lax.sub takes no booleans: the trace's error, each time
            with pytest.raises(TypeError, match="could not be traced on two scalars"):
                _monoid_of(lax.sub, dtype)
        else:
            with pytest.raises(NotImplementedError, match="is not one of the monoids"):
                _monoid_of(lax.sub, dtype)


def test_pooling_values_and_dtypes():
    x = rand((2, 3, 4, 6), np.float32)
    pooled = lax.reduce_window_max(x, (1, 1, 2, 2), (1, 1, 2, 2))
    assert pooled.dtype == np.float32
    assert_same_as_numpy(pooled, x.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5)))
    mean = lax.reduce_window_sum(x, (1, 1, 2, 3), (1, 1, 2, 3)) / 6
    assert_same_as_numpy(mean, x.reshape(2, 3, 2, 2, 2, 3).mean(axis=(3, 5)), rtol=1e-6)
    ints = np.arange(12).reshape(3, 4)
    assert_same_as_numpy(lax.reduce_window_max(ints, (3, 2), (1, 2)), np.array([[9, 11]]))
    assert_same_as_numpy(lax.reduce_window_sum(ints, (1, 2), (1, 2), "SAME"),
                         ints.reshape(3, 2, 2).sum(2))
    bools = np.array([True, False, False, True])
    assert_same_as_numpy(lax.reduce_window_max(bools, (2,), (2,)), np.array([True, True]))
    assert_same_as_numpy(lax.reduce_window_min(bools, (2,), (2,)), np.array([False, False]))
    assert lax.reduce_window_sum(np.ones((0, 3)), (1, 2)).shape == (0, 2)
    assert_same_as_numpy(lax.reduce_window_sum(np.ones(3), (0,)), np.zeros(4))
    assert_same_as_numpy(lax.reduce_window_max(np.float64(2.0), ()), np.float64(2.0))


def test_max_pool_gradient_picks_one_element_per_window():
    x = np.zeros((2, 4))  # every window a tie: JAX gives its whole gradient to one element
    g = fungrad.grad(lambda x: fnp.sum(lax.reduce_window_max(x, (2, 2), (2, 2))))(x)
    assert_same_as_numpy(g, np.array([[1.0, 0, 1, 0], [0, 0, 0, 0]]))
    t = fungrad.jvp(lambda x: lax.reduce_window_max(x, (2, 2), (2, 2)), (x,),
                    (np.arange(8.0).reshape(2, 4),))[1]
    assert_same_as_numpy(t, np.array([[0.0, 2.0]]))


def test_float32_derivatives():
    x = rand((2, 5, 4), np.float32)
    f = lambda x: lax.reduce_window_max(x, (1, 2, 2), (1, 1, 2), "SAME")  # noqa: E731
    g = fungrad.grad(lambda x: fnp.sum(f(x)))(x)
    assert g.dtype == np.float32
    assert_derivatives(lambda x: lax.reduce_window_sum(x, (2, 2, 1), (1, 2, 1)), (x,))


def test_vmap_and_jit_of_gradients():
    xs = rand((3, 2, 5, 6))
    pool = lambda x: lax.reduce_window_max(x, (1, 2, 2), (1, 2, 2), "SAME")  # noqa: E731
    assert_same_as_numpy(fungrad.vmap(pool)(xs), np.stack([pool(x) for x in xs]))
    loss = lambda x: fnp.sum(lax.reduce_window_sum(x, (2, 3, 1), (1, 2, 2)) ** 2)  # noqa
    per = fungrad.vmap(fungrad.grad(loss))(xs)
    assert_same_as_numpy(per, np.stack([fungrad.grad(loss)(x) for x in xs]))
    assert_same_as_numpy(fungrad.jit(fungrad.grad(loss))(xs[0]), fungrad.grad(loss)(xs[0]))
    assert_same_as_numpy(fungrad.vmap(fungrad.grad(lambda x: fnp.sum(pool(x))))(xs),
                         np.stack([fungrad.grad(lambda x: fnp.sum(pool(x)))(x) for x in xs]))


def test_traced_init_value():
    x = rand((5,))
    f = lambda x, init: lax.reduce_window(x, init, lax.add, (2,))  # noqa: E731
    assert_same_as_numpy(fungrad.jit(f)(x, 1.5), x[:-1] + x[1:] + 1.5)
    assert_derivatives(f, (x, 0.3))


def test_reduce_window_bad_input():
    x = np.ones((4, 4))
    with pytest.raises(ValueError, match="reduce_window.*window_dimensions must have 2"):
        lax.reduce_window(x, 0.0, lax.add, (2,))
    with pytest.raises(ValueError, match="window_strides"):
        lax.reduce_window_sum(x, (2, 2), (0, 1))
    with pytest.raises(ValueError, match="padding"):
        lax.reduce_window_sum(x, (2, 2), padding="FULL")
    with pytest.raises(ValueError, match="crops"):
        lax.reduce_window_sum(x, (2, 2), padding=((-3, -2), (0, 0)))
    with pytest.raises(TypeError, match="init_value must be a scalar"):
        lax.reduce_window(x, np.zeros(2), lax.add, (2, 2))
    with pytest.raises(ValueError, match="same structure"):
        lax.reduce_window((x, x), 0.0, lax.add, (2, 2))
    with pytest.raises(TypeError, match="computation must return a pytree like"):
        lax.reduce_window((x, x), (0.0, 0.0), lambda a, b: a[0], (2, 2))
    assert lax.reduce_window_sum(x, (2, 2)).shape == (3, 3)


PADS = [
    ((5,), [(1, 2, 0)]), ((5,), [(-1, 2, 1)]), ((4,), [(0, -2, 2)]), ((3, 4), [(1, -1, 1),
                                                                            (-2, 0, 0)]),
    ((), []), ((0, 2), [(1, 1, 3), (0, 1, 1)]), ((2, 3), [(0, 0, 0), (-3, 1, 0)]),
]


def _numpy_pad(x, value, config):
    """lax.pad by hand: dilate into a full array, then pad or crop each side."""
    for axis, (lo, hi, interior) in enumerate(config):
        n = x.shape[axis]
        size = 0 if n == 0 else n + (n - 1) * interior
        shape = list(x.shape)
        shape[axis] = size
        out = np.full(shape, value, x.dtype)
        idx = [slice(None)] * x.ndim
        idx[axis] = slice(0, size, interior + 1)
        out[tuple(idx)] = x
        widths = [(0, 0)] * x.ndim
        widths[axis] = (max(lo, 0), max(hi, 0))
        out = np.pad(out, widths, constant_values=value)
        idx[axis] = slice(max(-lo, 0), out.shape[axis] - max(-hi, 0))
        x = out[tuple(idx)]
    return x


@pytest.mark.parametrize("shape,config", PADS)
def test_pad(shape, config):
    x = rand(shape)
    assert_same_as_numpy(lax.pad(x, -1.5, config), _numpy_pad(x, -1.5, config))
    assert_same_as_numpy(lax.pad(x.astype(np.float32), 2.0, config),
                         _numpy_pad(x.astype(np.float32), 2.0, config))
    assert_same_as_numpy(fungrad.jit(lambda x, v: lax.pad(x, v, config))(x, 0.5),
                         _numpy_pad(x, 0.5, config))
    assert_derivatives(lambda x, v: lax.pad(x, v, config), (x, 0.7))
    xs = rand((2,) + shape)
    assert_same_as_numpy(fungrad.vmap(lambda x: lax.pad(x, 0.0, config))(xs),
                         np.stack([_numpy_pad(x, 0.0, config) for x in xs]))


def test_pad_bad_input():
    with pytest.raises(ValueError, match="pad: padding_config needs one"):
        lax.pad(np.ones(3), 0.0, [(1, 1, 0), (0, 0, 0)])
    with pytest.raises(ValueError, match="interior padding must be non-negative"):
        lax.pad(np.ones(3), 0.0, [(1, 1, -1)])
    with pytest.raises(TypeError, match="padding_value must be a scalar"):
        lax.pad(np.ones(3), np.zeros(2), [(1, 1, 0)])
    with pytest.raises(ValueError, match="crops more"):
        lax.pad(np.ones(3), 0.0, [(-2, -2, 0)])
    with pytest.raises(TypeError, match="triples"):
        lax.pad(np.ones(3), 0.0, [(1, 1)])


def test_reduce_window_shape_tuple():
    # recorded from jax 0.10.2
    assert lax.reduce_window_shape_tuple((1, 28, 27, 3), (1, 3, 2, 1), (1, 2, 2, 1),
                                         [(0, 0), (1, 1), (0, 1), (0, 0)], (1, 2, 1, 1),
                                         (1, 1, 2, 1)) == (1, 28, 13, 3)
    x = rand((2, 7, 6))
    pads = lax.padtype_to_pads(x.shape, (1, 3, 2), (1, 2, 2), "SAME")
    assert lax.reduce_window_shape_tuple(x.shape, (1, 3, 2), (1, 2, 2), pads) == \
        lax.reduce_window_sum(x, (1, 3, 2), (1, 2, 2), "SAME").shape


def test_reduce_window_any_computation():
    x = np.arange(6.0)
    # recorded from jax 0.10.2
    assert_same_as_numpy(lax.reduce_window(x, -np.inf, fnp.logaddexp, (2,), (1,), "SAME"),
                         np.array([1.31326169, 2.31326169, 3.31326169, 4.31326169,
                                   5.31326169, 5.0]), rtol=1e-8)
    pair = lax.reduce_window((x, x), (0.0, -np.inf),
                             lambda a, b: (a[0] + b[0], fnp.maximum(a[1], b[1])), (3,), (2,),
                             "SAME")
    assert_same_as_numpy(pair[0], np.array([3.0, 9.0, 9.0]))
    assert_same_as_numpy(pair[1], np.array([2.0, 4.0, 5.0]))
    square_sum = lambda a, b: a + b * b  # noqa: E731
    m = x.reshape(2, 3)
    assert_same_as_numpy(lax.reduce_window(m, 1.0, square_sum, (2, 2), (1, 1),
                                           ((1, 0), (0, 1))),
                         np.array([[2.0, 6.0, 5.0], [27.0, 47.0, 30.0]]))
    f = lambda m: lax.reduce_window(m, 1.0, square_sum, (2, 2), (1, 1), "SAME")  # noqa
    assert_derivatives(f, (rand((3, 4)),))
    assert_same_as_numpy(fungrad.jit(f)(m), f(m))
    assert_same_as_numpy(fungrad.vmap(f)(np.stack([m, 2 * m])), np.stack([f(m), f(2 * m)]))


# ---------------------------------------------------------------------------------------------
# Pooling (windows apart): pool / pool_gather / pool_scatter against the general path, the
# windows view reduced by window_max / window_min, on the same inputs
# ---------------------------------------------------------------------------------------------

POOL_CASES = [  # (shape, window, strides, dilation)
    ((2, 6, 4, 3), (1, 2, 2, 1), (1, 2, 2, 1), (1, 1, 1, 1)),   # NHWC 2x2 pooling
    ((2, 3, 7, 5), (1, 1, 3, 2), (1, 1, 3, 2), (1, 1, 1, 1)),   # leftover rows and columns
    ((9,), (2,), (4,), (1,)),                                   # gaps between windows
    ((3, 8), (1, 2), (1, 4), (1, 2)),                           # dilated windows, still apart
    ((2, 4, 4, 2), (2, 2, 2, 1), (2, 2, 2, 1), (1, 1, 1, 1)),   # windows over the batch too
    ((5, 7, 6), (1, 3, 2), (2, 3, 2), (1, 1, 1)),               # a stride with a window of 1
    ((4, 6, 8), (2, 1, 2), (3, 1, 3), (1, 1, 2)),               # leftovers, 1 and dilation
]


def _general_pool(which, x, dims, strides, dilation):
    from fungrad.prims.windowed import window_max, window_min, windows
    w = windows(x, window_dimensions=dims, window_strides=strides, window_dilation=dilation)
    return (window_max if which == "max" else window_min)(w, len(dims))


@pytest.mark.parametrize("case", range(len(POOL_CASES)))
@pytest.mark.parametrize("which", ["max", "min"])
def test_pool_matches_the_general_path(case, which):
    from fungrad.prims.windowed import pool
    shape, dims, strides, dilation = POOL_CASES[case]
    fast = lambda x: pool(x, which, window_dimensions=dims, window_strides=strides,  # noqa
                          window_dilation=dilation)
    general = lambda x: _general_pool(which, x, dims, strides, dilation)  # noqa: E731
    x = rand(shape, seed=case)
    # ties (relu's zeros: the first element of a window takes the gradient) and a NaN
    ties = np.where(x < 0.5, 0.0, x)
    ties.flat[1] = np.nan
    for dtype in (np.float64, np.float32):
        for value in (x, ties):
            v = value.astype(dtype)
            assert_same_as_numpy(fast(v), general(v))
            ct = rand(general(v).shape, dtype, seed=7)
            assert_same_as_numpy(fungrad.vjp(fast, v)[1](ct)[0],
                                 fungrad.vjp(general, v)[1](ct)[0])
            t = rand(shape, dtype, seed=8)
            assert_same_as_numpy(fungrad.jvp(fast, (v,), (t,))[1],
                                 fungrad.jvp(general, (v,), (t,))[1])
    ints = (x * 10).astype(np.int64)
    assert_same_as_numpy(fast(ints), general(ints))
    assert_derivatives(fast, (x,))
    assert_same_as_numpy(fungrad.jit(fast)(x), general(x))
    loss = lambda f: lambda x: fnp.sum(f(x) ** 2)  # noqa: E731
    assert_same_as_numpy(fungrad.jit(fungrad.grad(loss(fast)))(x),
                         fungrad.grad(loss(general))(x))
    xs = np.stack([x, ties, -x])
    assert_same_as_numpy(fungrad.vmap(fast)(xs), np.stack([general(v) for v in xs]))
    assert_same_as_numpy(fungrad.vmap(fungrad.grad(loss(fast)))(xs),
                         np.stack([fungrad.grad(loss(general))(v) for v in xs]))
    # per-example cotangents and a shared operand: the gather and scatter batch rules
    cts = rand((3,) + general(x).shape, seed=9)
    assert_same_as_numpy(fungrad.vmap(lambda c: fungrad.vjp(fast, x)[1](c)[0])(cts),
                         np.stack([fungrad.vjp(general, x)[1](c)[0] for c in cts]))


def test_reduce_window_pools_with_the_fast_path_and_its_errors():
    from fungrad.prims.windowed import pool
    x = rand((2, 5, 6, 3), np.float32)
    f = lambda x: lax.reduce_window(x, -np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1),  # noqa
                                    "SAME")
    names = [e.primitive.name for e in fungrad.make_jaxpr(fungrad.grad(
        lambda x: fnp.sum(f(x))))(x).jaxpr.eqns]
    assert "pool" in names and "pool_scatter" in names and "windows" not in names
    padded = np.pad(x, ((0, 0), (0, 1), (0, 0), (0, 0)), constant_values=-np.inf)
    assert_same_as_numpy(f(x), _general_pool("max", padded, (1, 2, 2, 1), (1, 2, 2, 1),
                                             (1, 1, 1, 1)))
    # overlapping windows keep the general path
    names = [e.primitive.name for e in fungrad.make_jaxpr(
        lambda x: lax.reduce_window_max(x, (1, 3, 3, 1), (1, 2, 2, 1)))(x).jaxpr.eqns]
    assert "window_max" in names and "pool" not in names
    with pytest.raises(ValueError, match="pool: windows .* overlap"):
        pool(x, "max", window_dimensions=(1, 3, 3, 1), window_strides=(1, 2, 2, 1),
             window_dilation=(1, 1, 1, 1))
    with pytest.raises(ValueError, match="reduce_window_max: window_dimensions must have one entry"):
        pool(x, "max", window_dimensions=(2, 2), window_strides=(2, 2), window_dilation=(1, 1))
    assert_same_as_numpy(f(x), f(x))  # the next call works
