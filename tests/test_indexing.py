"""Indexing traced arrays (``x[idx]``, ``len``, iteration) and functional updates
(``x.at[idx].set/add/...``): values and dtypes against numpy, traced IR, derivatives against
finite differences (w.r.t. both ``x`` and the update values), errors.

Each row's function is written once in index syntax. Eagerly on numpy arrays it *is* numpy
(indexing; ``at(x)`` falls back to ``NumpyAt``, a reference written with numpy's in-place
operations and ``ufunc.at``), so comparing the traced IR's replay with the eager call compares
fungrad with numpy.
"""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.core import Tracer
from helpers import assert_derivatives, assert_traces_and_replays, rand
from numpy_table import FLOATS, float_args_only, leaves, make_args


class _NumpyAtRef:
    def __init__(self, x, idx):
        self.x, self.idx = x, idx

    def _apply(self, ufunc, v):
        out = np.array(self.x, copy=True)
        ufunc.at(out, self.idx, np.asarray(v).astype(out.dtype))
        return out

    def get(self):
        return self.x[self.idx]

    def set(self, v):
        out = np.array(self.x, copy=True)
        out[self.idx] = v
        return out

    def add(self, v):
        return self._apply(np.add, v)

    def subtract(self, v):
        return self._apply(np.subtract, v)

    def multiply(self, v):
        return self._apply(np.multiply, v)

    def divide(self, v):
        return self._apply(np.divide, v)

    def min(self, v):
        return self._apply(np.minimum, v)

    def max(self, v):
        return self._apply(np.maximum, v)


class NumpyAt:
    """numpy reference for ``x.at``."""

    def __init__(self, x):
        self.x = x

    def __getitem__(self, idx):
        return _NumpyAtRef(self.x, idx)


def at(x):
    return x.at if isinstance(x, Tracer) else NumpyAt(x)


M23 = np.array([[True, False, True], [False, False, True]])
ROWS3 = np.array([True, False, True])
IDX = np.array([2, 0, -1])
IDX2D = np.array([[0, 1], [2, 0]])

GET = [
    ("int", lambda x: x[1], [((3,),), ((3, 4),)]),
    ("neg_int", lambda x: x[-1], [((3,),), ((3, 4),)]),
    ("two_ints", lambda x: x[1, -2], [((3, 4),)]),
    ("int_method_item", lambda x: x[2, 1] * 2.0, [((3, 4),)]),
    ("slice", lambda x: x[1:], [((4,),), ((3, 4),)]),
    ("slice_stop", lambda x: x[:-1], [((4,),)]),
    ("slice_step", lambda x: x[::2], [((5,),), ((5, 2),)]),
    ("slice_neg_step", lambda x: x[::-1], [((4,),), ((3, 4),)]),
    ("slice_neg_step_bounds", lambda x: x[3:0:-2], [((5,),)]),
    ("slice_neg_start", lambda x: x[-2::-1], [((5,),)]),
    ("slice_2d", lambda x: x[1:3, ::-2], [((3, 5),)]),
    ("slice_empty", lambda x: x[5:10], [((3,),)]),
    ("slice_keep_axis", lambda x: x[:, 1:2], [((3, 4),)]),
    ("slice_all", lambda x: x[:], [((3,),)]),
    ("none", lambda x: x[None], [((),), ((3,),)]),
    ("none_middle", lambda x: x[:, None], [((3, 4),)]),
    ("none_mixed", lambda x: x[None, 1, ..., None], [((3, 4),)]),
    ("ellipsis_last", lambda x: x[..., 0], [((3, 4),), ((2, 3, 4),)]),
    ("ellipsis_first", lambda x: x[0, ...], [((3, 4),)]),
    ("ellipsis_only", lambda x: x[...], [((),), ((3,),)]),
    ("ellipsis_slice_none", lambda x: x[..., 1:, None], [((2, 3),)]),
    ("int_array", lambda x: x[IDX], [((4,),), ((4, 2),)]),
    ("int_list", lambda x: x[[0, -1, 0]], [((3,),)]),
    ("int_array_2d", lambda x: x[IDX2D], [((3,),), ((3, 2),)]),
    ("int_array_pair", lambda x: x[IDX, np.array([1, 0, 1])], [((3, 2),)]),
    ("int_array_broadcast", lambda x: x[np.array([[0], [2]]), np.array([0, 1, 1])],
     [((3, 2),)]),
    ("int_array_empty", lambda x: x[np.array([], dtype=np.int64)], [((3,),)]),
    ("int_array_scalar", lambda x: x[np.int64(1)], [((3, 2),)]),
    ("bool_mask_full", lambda x: x[M23], [((2, 3),)]),
    ("bool_mask_rows", lambda x: x[ROWS3], [((3,),), ((3, 2),)]),
    ("bool_mask_cols", lambda x: x[:, ROWS3], [((2, 3),)]),
    ("bool_mask_3d", lambda x: x[M23], [((2, 3, 2),)]),
    ("bool_mask_none_true", lambda x: x[np.zeros(3, bool)], [((3,),)]),
    ("mixed_slice_array", lambda x: x[1:, [0, 2]], [((3, 4),)]),
    ("mixed_array_slice", lambda x: x[[0, 1], ::-1], [((3, 4),)]),
    ("mixed_separated", lambda x: x[[0, 1], :, [1, 2]], [((2, 3, 4),)]),
    ("mixed_int_slice_array", lambda x: x[0, :, [1, 2]], [((2, 3, 4),)]),
    ("mixed_none_array", lambda x: x[None, [0, 1], 1:], [((2, 3),)]),
    ("mixed_ellipsis_array", lambda x: x[..., [0, 0, 2]], [((2, 3),)]),
    ("mixed_mask_slice", lambda x: x[ROWS3, 1:], [((3, 4),)]),
    ("len_iter", lambda x: [row * float(k) for k, row in enumerate(x)] + [x * len(x)],
     [((3,),), ((3, 2),)]),
    ("getitem_method", lambda x: x.at[1:].get() if isinstance(x, Tracer) else x[1:],
     [((3,),)]),
    # traced integer index arrays and scalars (integer arguments are traced too)
    ("traced_index", lambda x, i: x[i], [((4,), np.array([3, 0, 0])), ((4, 2), np.int64(2)),
                                         ((4, 2), np.array([[1], [-1]]))]),
    ("traced_index_mixed", lambda x, i: x[1:, i], [((3, 4), np.array([0, 3]))]),
    ("traced_index_pair", lambda x, i, j: x[i, j], [((3, 4), np.array([0, 2]),
                                                     np.array([3, 1]))]),
]

SETS = [
    ("set_int", lambda x, v: at(x)[1].set(v), [((3,), ()), ((3, 2), (2,)), ((3, 2), ())]),
    ("set_neg", lambda x, v: at(x)[-1].set(v), [((3,), ())]),
    ("set_slice", lambda x, v: at(x)[::2].set(v), [((5,), (3,)), ((5, 2), (1, 2))]),
    ("set_rev_slice", lambda x, v: at(x)[:, ::-1].set(v), [((2, 3), (3,))]),
    ("set_array", lambda x, v: at(x)[IDX].set(v), [((4,), (3,)), ((4, 2), (3, 1))]),
    ("set_mask", lambda x, v: at(x)[M23].set(v), [((2, 3), (3,)), ((2, 3), ())]),
    ("set_none_ellipsis", lambda x, v: at(x)[None, ..., 1].set(v), [((3, 2), (3,))]),
    ("set_python_scalar", lambda x: at(x)[0].set(2.5), [((3,),)]),
    ("add_int", lambda x, v: at(x)[1].add(v), [((3,), ()), ((3, 2), (2,))]),
    ("add_slice", lambda x, v: at(x)[1:, :1].add(v), [((3, 2), (2, 1))]),
    ("add_repeated", lambda x, v: at(x)[np.array([0, 2, 0, 0])].add(v), [((3,), (4,)),
                                                                        ((3, 2), (4, 2)),
                                                                        ((3, 2), ())]),
    ("add_repeated_pairs", lambda x, v: at(x)[np.array([0, 1, 0]), np.array([1, 1, 1])].add(v),
     [((2, 2), (3,))]),
    ("add_mask", lambda x, v: at(x)[ROWS3].add(v), [((3, 2), (2,))]),
    ("subtract", lambda x, v: at(x)[np.array([1, 1])].subtract(v), [((3,), (2,))]),
    ("subtract_slice", lambda x, v: at(x)[1:].subtract(v), [((3, 2), ())]),
    ("multiply", lambda x, v: at(x)[1:].multiply(v), [((3,), (2,)), ((3, 2), (2,))]),
    ("multiply_array", lambda x, v: at(x)[IDX].multiply(v), [((4,), (3,))]),
    ("divide", lambda x, v: at(x)[0].divide(v), [((3,), ())]),
    ("divide_array", lambda x, v: at(x)[IDX].divide(v), [((4, 2), (2,))]),
    ("min", lambda x, v: at(x)[:2].min(v), [((3,), (2,)), ((3, 2), ())]),
    ("min_array", lambda x, v: at(x)[IDX].min(v), [((4,), (3,))]),
    ("max", lambda x, v: at(x)[1:].max(v), [((3,), (2,)), ((3, 2), (2,))]),
    ("max_mask", lambda x, v: at(x)[M23].max(v), [((2, 3), (3,))]),
    ("get", lambda x: at(x)[IDX2D].get(), [((3,),)]),
    ("traced_index_set", lambda x, v, i: at(x)[i].set(v), [((4,), (2,), np.array([3, 1]))]),
    ("traced_index_add", lambda x, v, i: at(x)[i].add(v), [((4,), (3,), np.array([3, 1, 3]))]),
    ("chain", lambda x, v: at(at(x)[0].set(v[0]))[1:].add(v[1:] * x[1:]), [((3,), (3,))]),
]

TABLE = GET + SETS


def params(table):
    out = []
    for name, fn, spec_list in table:
        for specs in spec_list:
            ident = "x".join(str(s) if isinstance(s, tuple) else f"i{np.shape(s)}"
                             for s in specs)
            out.append(pytest.param(fn, specs, id=f"{name}-{ident}"))
    return out


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn,specs", params(TABLE))
def test_traced_value_matches_numpy(fn, specs, dtype):
    """The IR evaluated on the traced inputs and on new ones gives numpy's values and
    dtypes (the eager call of each row is plain numpy)."""
    args = make_args(specs, dtype)
    closed = assert_traces_and_replays(fn, args, args,
                                       rtol=1e-6 if dtype == np.float32 else 1e-12)
    assert [a.dtype for a in closed.out_avals] == [np.asarray(t).dtype for t in leaves(fn(*args))]
    assert_traces_and_replays(fn, args, make_args(specs, dtype, 100),
                              rtol=1e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("fn,specs", params(TABLE))
def test_derivatives(fn, specs):
    """W.r.t. ``x`` and the update values (integer indices are closed over)."""
    args = make_args(specs, np.float64)
    f, fargs = float_args_only(lambda m, *a: fn(*a), args)
    assert_derivatives(f, fargs)


@pytest.mark.parametrize("fn,specs", params(TABLE))
def test_float32_gradients_stay_float32(fn, specs):
    f, args = float_args_only(lambda m, *a: fn(*a), make_args(specs, np.float32))
    out, pullback = fungrad.vjp(f, *args)
    ct = fungrad.tree_util.tree_map(lambda o: np.ones(np.shape(o), np.asarray(o).dtype), out)
    for a, c in zip(args, pullback(ct)):
        assert c.dtype == np.float32 and c.shape == a.shape


# ---------------------------------------------------------------------------------------------
# Gradients with known values
# ---------------------------------------------------------------------------------------------

def test_getitem_gradient_accumulates_repeated_indices():
    x = rand((4,))
    g = fungrad.grad(lambda x: fnp.sum(x[np.array([0, 2, 0, 0])] * np.array([1., 2., 3., 4.])))(x)
    np.testing.assert_array_equal(g, [8.0, 0.0, 2.0, 0.0])


def test_set_gradients():
    x, v = rand((4,)), rand((2,), seed=1)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    gx, gv = fungrad.grad(lambda x, v: fnp.sum(x.at[np.array([3, 1])].set(v) * w),
                          argnums=(0, 1))(x, v)
    np.testing.assert_array_equal(gx, [1.0, 0.0, 3.0, 0.0])  # overwritten places get none
    np.testing.assert_array_equal(gv, [4.0, 2.0])


def test_add_repeated_indices_gradients():
    x, v = rand((3,)), rand((4,), seed=1)
    w = np.array([1.0, 10.0, 100.0])
    idx = np.array([0, 2, 0, 0])
    out = fungrad.make_jaxpr(lambda x, v: x.at[idx].add(v))(x, v)
    expected = x.copy()
    np.add.at(expected, idx, v)
    np.testing.assert_allclose(fungrad.eval_jaxpr(out.jaxpr, out.consts, x, v)[0], expected)
    gx, gv = fungrad.grad(lambda x, v: fnp.sum(x.at[idx].add(v) * w), argnums=(0, 1))(x, v)
    np.testing.assert_array_equal(gx, w)
    np.testing.assert_array_equal(gv, [1.0, 100.0, 1.0, 1.0])
    # forward mode: the tangents of the repeated updates add up too
    _, t = fungrad.jvp(lambda x, v: x.at[idx].add(v), (x, v),
                       (np.zeros(3), np.array([1.0, 2.0, 4.0, 8.0])))
    np.testing.assert_array_equal(t, [13.0, 0.0, 2.0])


def test_multiply_min_max_gradients():
    x = np.array([1.0, 2.0, 3.0])
    gx, gv = fungrad.grad(lambda x, v: fnp.sum(x.at[1:].multiply(v)), argnums=(0, 1))(
        x, np.array([5.0, 7.0]))
    np.testing.assert_array_equal(gx, [1.0, 5.0, 7.0])
    np.testing.assert_array_equal(gv, [2.0, 3.0])
    gx, gv = fungrad.grad(lambda x, v: fnp.sum(x.at[:].min(v)), argnums=(0, 1))(
        x, np.array([0.0, 5.0, 2.0]))
    np.testing.assert_array_equal(gx, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(gv, [1.0, 0.0, 1.0])
    gx, gv = fungrad.grad(lambda x, v: fnp.sum(x.at[:].max(v)), argnums=(0, 1))(
        x, np.array([0.0, 5.0, 2.0]))
    np.testing.assert_array_equal(gx, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gv, [0.0, 1.0, 0.0])


def test_iteration_and_len():
    def f(x):
        assert len(x) == 3
        total = 0.0
        for k, row in enumerate(x):
            total = total + (k + 1) * fnp.sum(row)
        return total
    x = rand((3, 2))
    np.testing.assert_array_equal(fungrad.grad(f)(x), [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    assert_traces_and_replays(f, (x,), (rand((3, 2), seed=1),))


def test_len_and_iteration_of_0d_tracer_raise_type_error():
    def f(x):
        return len(x)
    with pytest.raises(TypeError, match="len"):
        fungrad.make_jaxpr(f)(np.float64(1.0))
    with pytest.raises(TypeError, match="iteration"):
        fungrad.make_jaxpr(lambda x: list(x))(np.float64(1.0))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

def _next_call_works():
    x = rand((3,))
    assert_traces_and_replays(lambda x: x[1:] * 2.0, (x,), (rand((3,), seed=1),))


def test_item_assignment_on_tracer_points_to_at():
    def f(x):
        x[0] = 1.0
        return x
    with pytest.raises(TypeError, match=r"\.at\["):
        fungrad.make_jaxpr(f)(rand((3,)))
    with pytest.raises(TypeError, match=r"\.at\["):
        fungrad.grad(lambda x: fnp.sum(f(x)))(rand((3,)))
    _next_call_works()


def test_traced_boolean_mask_raises_type_error():
    with pytest.raises(TypeError, match="mask|boolean"):
        fungrad.make_jaxpr(lambda x: x[x > 0])(rand((3,)))
    with pytest.raises(TypeError, match="mask|boolean"):
        fungrad.make_jaxpr(lambda x: x.at[x > 0].set(0.0))(rand((3,)))
    with pytest.raises(TypeError, match="mask|boolean"):
        fungrad.grad(lambda x: fnp.sum(x[x > 0]))(rand((3,)))
    _next_call_works()


@pytest.mark.parametrize("shape,index", [
    ((3,), 5), ((3,), -4), ((3, 2), (0, 2)), ((3, 2), np.array([0, 3])),
    ((3, 2), np.array([[-4]])), ((3, 2), (slice(None), np.array([1, 7]))),
    ((3, 2), (1, 1, 0)), ((3, 2), np.array([True, False])),
    ((3, 2), (slice(None), np.array([True, False, True]))),
])
def test_out_of_bounds_index_raises(shape, index):
    x = rand(shape)
    with pytest.raises((IndexError, ValueError), match="index|bound") as info:
        fungrad.make_jaxpr(lambda x: x[index])(x)
    assert "index" in str(info.value).lower()
    if isinstance(index, tuple) and len(index) > len(shape) or \
            np.asarray(index[-1] if isinstance(index, tuple) else index).dtype == np.bool_:
        # too many indices, or a mask of the wrong shape: .at refuses them too
        with pytest.raises((IndexError, ValueError), match="index|bound"):
            fungrad.make_jaxpr(lambda x: x.at[index].set(1.0))(x)
    else:  # an out-of-bounds integer index: JAX's .at drops the update (mode='drop')
        want = x.copy()
        parts = index if isinstance(index, tuple) else (index,)
        kept = tuple(p if isinstance(p, slice) else
                     np.asarray(p)[(np.asarray(p) >= -n) & (np.asarray(p) < n)]
                     for p, n in zip(parts, shape))
        want[kept] = 1.0  # numpy on the in-bounds indices alone
        np.testing.assert_array_equal(fungrad.jit(lambda x: x.at[index].set(1.0))(x), want)
        np.testing.assert_array_equal(fnp.asarray(x).at[index].set(1.0), want)
    _next_call_works()


def test_traced_index_out_of_bounds_at_replay_raises():
    x = rand((3,))
    closed = fungrad.make_jaxpr(lambda x, i: x[i])(x, np.array([0, 2]))
    with pytest.raises((IndexError, ValueError), match="out of bounds"):
        fungrad.eval_jaxpr(closed.jaxpr, closed.consts, x, np.array([0, 3]))
    _next_call_works()


@pytest.mark.parametrize("index", [1.5, np.array([0.0, 1.0]), "a"])
def test_non_integer_index_raises(index):
    with pytest.raises((IndexError, TypeError, ValueError)):
        fungrad.make_jaxpr(lambda x: x[index])(rand((3,)))
    _next_call_works()


def test_traced_float_index_array_raises():
    with pytest.raises((IndexError, TypeError)):
        fungrad.make_jaxpr(lambda x, i: x[i])(rand((3,)), np.array([0.0, 1.0]))
    _next_call_works()


def test_update_values_of_wrong_shape_raise_value_error():
    with pytest.raises(ValueError, match="broadcast"):
        fungrad.make_jaxpr(lambda x, v: x.at[1:].set(v))(rand((4,)), rand((2,)))
    _next_call_works()


# ---- .at[] out-of-bounds modes, as JAX has them ---------------------------------------------

NAN = np.nan
AT_II = np.array([-7, -5, -1, 0, 4, 5, 9])
# JAX 0.10.2 (x64): jnp.arange(5.).at[AT_II].get(...)
AT_GET_JAX = [
    ({}, [0, 0, 4, 0, 4, 4, 4]),
    ({"wrap_negative_indices": False}, [0, 0, 0, 0, 4, 4, 4]),
    ({"mode": "promise_in_bounds"}, [0, 0, 4, 0, 4, 4, 4]),
    ({"mode": "clip", "wrap_negative_indices": False}, [0, 0, 0, 0, 4, 4, 4]),
    ({"mode": "fill"}, [NAN, 0, 4, 0, 4, NAN, NAN]),
    ({"mode": "drop"}, [NAN, 0, 4, 0, 4, NAN, NAN]),
    ({"mode": "fill", "wrap_negative_indices": False}, [NAN, NAN, NAN, 0, 4, NAN, NAN]),
]
# JAX 0.10.2 (x64): jnp.arange(5.).at[AT_II].add(10., ...)
AT_ADD_JAX = [
    ({}, [20, 1, 2, 3, 24]),
    ({"wrap_negative_indices": False}, [10, 1, 2, 3, 14]),
    ({"mode": "fill"}, [20, 1, 2, 3, 24]),
    ({"mode": "promise_in_bounds"}, [20, 1, 2, 3, 24]),
    ({"mode": "drop", "wrap_negative_indices": False}, [10, 1, 2, 3, 14]),
    ({"mode": "clip"}, [30, 1, 2, 3, 44]),
    ({"mode": "clip", "wrap_negative_indices": False}, [40, 1, 2, 3, 34]),
]


@pytest.mark.parametrize("kwargs, want", AT_GET_JAX)
def test_at_get_out_of_bounds_modes_as_in_jax(kwargs, want):
    x = np.arange(5.0)
    want = np.array(want, float)
    np.testing.assert_array_equal(fnp.asarray(x).at[AT_II].get(**kwargs), want)
    np.testing.assert_array_equal(fungrad.jit(lambda x, i: x.at[i].get(**kwargs))(x, AT_II),
                                  want)
    # one index at a time, concrete (the scalar path) and batched
    np.testing.assert_array_equal([fnp.asarray(x).at[int(i)].get(**kwargs) for i in AT_II],
                                  want)
    np.testing.assert_array_equal(fungrad.vmap(lambda i: fnp.asarray(x).at[i].get(**kwargs))(
        AT_II), want)


@pytest.mark.parametrize("kwargs, want", AT_ADD_JAX)
def test_at_add_out_of_bounds_modes_as_in_jax(kwargs, want):
    x = np.arange(5.0)
    want = np.array(want, float)
    np.testing.assert_array_equal(fnp.asarray(x).at[AT_II].add(10.0, **kwargs), want)
    np.testing.assert_array_equal(
        fungrad.jit(lambda x, i: x.at[i].add(10.0, **kwargs))(x, AT_II), want)
    if kwargs.get("mode") == "clip":
        return  # -1 and 5 both clip to 4: set's winner is not add's sum
    # set with one value per index agrees with add on zeros where no index repeats
    one = AT_II[[2, 5]]  # -1 and 5: the first wraps (or drops), the second drops
    got = fnp.zeros(5).at[one].set(np.array([7.0, 8.0]), **kwargs)
    np.testing.assert_array_equal(got, fnp.zeros(5).at[one].add(np.array([7.0, 8.0]),
                                                                **kwargs))


def test_at_dropped_updates_and_filled_reads_have_zero_derivative():
    x = rand((4, 3))
    i = np.array([0, 5, -1, -9])
    v = rand((4, 3), seed=2)
    # dropped updates: the rows 5 and -9 contribute nothing (values nor x)
    assert_derivatives(lambda x, v: fnp.asarray(x).at[i].add(v * v), (x, v))
    assert_derivatives(lambda x, v: fnp.asarray(x).at[i].set(v), (x, v))
    assert_derivatives(lambda x, v: fnp.asarray(x).at[i].set(v, wrap_negative_indices=False),
                       (x, v))
    g = fungrad.grad(lambda v: fnp.sum(fnp.asarray(x).at[i].set(v) ** 2))(v)
    np.testing.assert_array_equal(g[[1, 3]], 0.0)
    assert np.all(g[[0, 2]] != 0.0)
    # filled reads, and clipped ones
    assert_derivatives(lambda x: fnp.asarray(x).at[i].get(mode="fill", fill_value=0.5), (x,))
    assert_derivatives(lambda x: fnp.asarray(x).at[i].get(), (x,))
    g = fungrad.grad(lambda x: fnp.sum(fnp.asarray(x).at[i].get(mode="fill")))(x)  # NaN fills too
    np.testing.assert_array_equal(g, np.array([[1.0] * 3, [0] * 3, [0] * 3, [1.0] * 3]))
    # under jit and vmap, with traced indices
    rows = fungrad.vmap(lambda j: fnp.asarray(x).at[j].add(1.0))(i)
    want = np.stack([x + (np.arange(4)[:, None] == (j % 4)) * (-4 <= j < 4) for j in i])
    np.testing.assert_allclose(rows, want)
    jitted = fungrad.jit(lambda x, j: x.at[j].set(0.0, mode="clip"))(x, i)
    want = x.copy()
    want[np.clip(np.where(i < 0, i + 4, i), 0, 3)] = 0.0
    np.testing.assert_array_equal(jitted, want)


def test_at_bad_modes():
    x = fnp.arange(3.0)
    with pytest.raises(ValueError, match=r"x.at\[...\].get: mode must be one of None, "
                                         r"'promise_in_bounds', 'clip', 'drop' or 'fill', got "
                                         r"'wrap'"):
        x.at[0].get(mode="wrap")
    with pytest.raises(ValueError, match=r"x.at\[...\].set: mode must be one of"):
        x.at[0].set(1.0, mode="raise")
    with pytest.raises(TypeError, match="mask|boolean"):
        fungrad.jit(lambda x: x.at[x > 0].set(0.0, mode="clip"))(x)


# ---- dropped updates without the padding: the fast paths against the general one ----------

def _general(x, idx, method, values, wrap=True):
    """The general drop: out-of-bounds entries land in a padding slot, then cut off."""
    ref, padded, _, _ = fnp.asarray(x).at[idx]._in_bounds(None, method, wrap)
    if not padded:
        return getattr(ref, "_" + method)(values)
    return ref._padded_update(method, padded, values)


DROP_DTYPES = [np.float64, np.float32, np.int64, np.int32, np.uint8, np.bool_, np.complex128]
# (index, values' shape) over a (5, 3) x: duplicates in bounds, negative, beyond both ends,
# all out, empty, two array axes, slices, None, Ellipsis, a mask beside, a scalar
DROP_INDICES = [
    (np.array([0, 2, 2, 7, -1, -6, 4, 2]), (8, 3)),
    (np.array([5, 9, -6]), (3, 3)),
    (np.array([], np.int64), (0, 3)),
    ((np.array([[0], [5], [-1]]), np.array([1, 1, 3, -4])), (3, 4)),
    ((slice(1, None), np.array([2, 3, -1, 2])), (4, 4)),
    ((Ellipsis, None, np.array([0, 3, 0])), (5, 1, 3)),
    ((np.array([True, False, True, False, True]), np.array([0, 1, 5])), (3,)),
    ((np.array([1, 6]), slice(None), None), (2, 3, 1)),
    ((7, np.array([1, 2])), (2,)),
    (-6, (3,)),
]


def _drop_values(dtype, shape, seed):
    v = rand(shape, seed=seed, low=-3, high=3)
    if np.dtype(dtype).kind == "c":
        return (v + 1j * rand(shape, seed=seed + 1)).astype(dtype)
    if np.dtype(dtype).kind in "iub":
        return (np.abs(v) if np.dtype(dtype).kind == "u" else v).round().astype(dtype)
    return v.astype(dtype)


@pytest.mark.parametrize("method", ["add", "subtract", "multiply", "min", "max", "set",
                                    "divide", "power"])
@pytest.mark.parametrize("dtype", DROP_DTYPES)
@pytest.mark.parametrize("case", range(len(DROP_INDICES)))
def test_dropped_update_matches_the_general_path(method, dtype, case):
    idx, vshape = DROP_INDICES[case]
    kind = np.dtype(dtype).kind
    x = _drop_values(dtype, (5, 3), 0)
    v = _drop_values(dtype, vshape, 3)
    if kind == "b" and method == "subtract":  # numpy refuses negative bools too
        with pytest.raises(TypeError):
            getattr(fnp.asarray(x).at[idx], method)(v)
        with pytest.raises(TypeError):
            _general(x, idx, method, -v if method == "subtract" else v)
        return
    if method == "power" and kind in "iu":
        v = np.abs(v)  # numpy refuses negative integer powers
    if method == "divide":
        v = np.where(v == 0, 1, v).astype(dtype)
    general_method = {"subtract": "add"}.get(method, method)
    general_v = -v if method == "subtract" else v
    want = _general(x, idx, general_method, general_v)
    got = getattr(fnp.asarray(x).at[idx], method)(v)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    # traced indices (the path the speed is for), under jit
    arrays = [i for i, it in enumerate(idx if isinstance(idx, tuple) else (idx,))
              if isinstance(it, np.ndarray) and it.dtype != np.bool_
              or isinstance(it, int) and not isinstance(it, bool)]
    parts = list(idx) if isinstance(idx, tuple) else [idx]

    def f(x, v, *traced):
        items = list(parts)
        for k, t in zip(arrays, traced):
            items[k] = t
        return getattr(x.at[tuple(items) if isinstance(idx, tuple) else items[0]], method)(v)

    traced_args = [np.asarray(parts[k]) for k in arrays]
    got = fungrad.jit(f)(x, v, *traced_args)
    assert got.dtype == want.dtype
    if kind in "fc" and method in ("divide", "power", "multiply"):
        # a traced index's repeats are unseen: its values are multiplied together first
        # (numpy's multiply.at, whose scalar complex loop may also round differently), then
        # into x, where the concrete path multiplies them into x one by one
        np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-13,
                                   atol=0)  # (power amplifies it)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("method", ["add", "multiply", "min", "max"])
@pytest.mark.parametrize("dtype", DROP_DTYPES)
def test_dropped_update_is_the_identity_on_its_clamped_target(method, dtype):
    """The clamped targets of dropped entries keep their exact value (-0.0, NaN, the
    dtype's extremes), traced scalar index, jit."""
    kind = np.dtype(dtype).kind
    if kind in "fc":
        x = np.array([-0.0, np.nan, 1.5, -np.inf, np.inf], dtype)
    elif kind == "b":
        x = np.array([True, False, True, False, True])
    else:
        info = np.iinfo(dtype)
        x = np.array([info.min, info.max, 0, 1, info.max], dtype)
    v = np.array(1 if kind != "b" else True, dtype)
    f = fungrad.jit(lambda x, i, v: getattr(x.at[i], method)(v))
    for i in (-6, -100, 5, 100):
        got = np.asarray(f(x, i, v))
        np.testing.assert_array_equal(got, x)
        if kind in "fc":  # -0.0 stays -0.0
            np.testing.assert_array_equal(np.signbit(got.real), np.signbit(x.real))
    for wrapped in (-5, -1):  # a negative index past wrap_negative_indices=False
        g = fungrad.jit(lambda x, i, v: getattr(x.at[i], method)(
            v, wrap_negative_indices=False))
        np.testing.assert_array_equal(g(x, wrapped, v), x)


def test_dropped_set_takes_the_plain_scatter_unless_an_index_is_out():
    x = rand((6,))
    v = rand((3,), seed=1)
    f = fungrad.jit(lambda x, i, v: x.at[i].set(v))
    for i in (np.array([0, 5, -1]), np.array([0, 6, -7]), np.array([9, 6, -7])):
        np.testing.assert_array_equal(f(x, i, v), _general(x, i, "set", v))
    text = str(fungrad.make_jaxpr(lambda x, i, v: x.at[i].set(v))(x, np.array([0, 1, 2]), v))
    assert "cond" in text
    text = str(fungrad.make_jaxpr(lambda x, i, v: x.at[i].add(v))(x, np.array([0, 1, 2]), v))
    assert "pad" not in text and "cond" not in text


@pytest.mark.parametrize("method", ["add", "subtract", "set", "apply", "power", "divide"])
def test_dropped_update_derivatives(method):
    x = rand((5,), low=0.5, high=2.0)
    v = rand((4,), seed=1, low=0.5, high=2.0)
    i = np.array([1, 7, -6, 1]) if method in ("add", "subtract") else np.array([1, 7, -6, 3])

    def f(x, v, i):
        if method == "apply":
            return fnp.asarray(x).at[i].apply(fnp.sqrt) * fnp.sum(v)
        return getattr(fnp.asarray(x).at[i], method)(v)

    assert_derivatives(lambda x, v: f(x, v, i), (x, v))
    assert_derivatives(lambda x, v: fungrad.jit(f)(x, v, i), (x, v))
    # the dropped values get no cotangent, the in-bounds ones what the general path gives
    if method not in ("apply",):
        gm = "add" if method == "subtract" else method
        sign = -1 if method == "subtract" else 1
        ref = fungrad.grad(lambda x, v: fnp.sum(_general(x, i, gm, sign * v) ** 2),
                           argnums=(0, 1))(x, v)
        got = fungrad.grad(lambda x, v: fnp.sum(fungrad.jit(f)(x, v, i) ** 2),
                           argnums=(0, 1))(x, v)
        np.testing.assert_allclose(got[0], ref[0], rtol=1e-12)
        np.testing.assert_allclose(got[1], ref[1], rtol=1e-12)
        assert got[1][1] == 0 and got[1][2] == 0


@pytest.mark.parametrize("method", ["multiply", "min", "max"])
def test_dropped_scalar_update_derivatives(method):
    x = rand((5,), low=0.5, high=2.0)
    for i in (2, 5, -6):
        f = fungrad.jit(lambda x, v, i: getattr(fnp.asarray(x).at[i], method)(v))
        assert_derivatives(lambda x, v: f(x, v, i), (x, 1.3))
        g = fungrad.grad(lambda x, v: fnp.sum(f(x, v, i) ** 2), argnums=(0, 1))(x, 1.3)
        ref = fungrad.grad(lambda x, v: fnp.sum(_general(x, i, method, v) ** 2),
                           argnums=(0, 1))(x, 1.3)
        np.testing.assert_allclose(g[0], ref[0], rtol=1e-12)
        np.testing.assert_allclose(g[1], ref[1], rtol=1e-12)


@pytest.mark.parametrize("method", ["add", "set", "multiply", "max"])
def test_dropped_update_under_vmap(method):
    x = rand((3, 5))
    v = rand((3,), seed=1)
    ii = np.array([0, 5, -9]) if method in ("multiply", "max") else np.array(
        [[0, 5], [-1, -9], [7, 2]])
    vv = v if method in ("multiply", "max") else rand((3, 2), seed=2)
    got = fungrad.vmap(lambda x, i, v: getattr(x.at[i], method)(v))(x, ii, vv)
    want = np.stack([np.asarray(_general(x[k], ii[k], method, vv[k])) for k in range(3)])
    np.testing.assert_array_equal(got, want)


def test_dropped_update_bad_input_errors_match_the_general_path():
    x = rand((4,))
    i = np.array([0, 9])
    for method in ("add", "set", "max"):
        with pytest.raises(ValueError, match="broadcast"):
            fungrad.jit(lambda x, i: getattr(x.at[i], method)(np.ones(3)))(x, i)
        with pytest.raises(ValueError, match="broadcast"):
            _general(x, i, method, np.ones(3))
        with pytest.raises(ValueError, match="mode must be one of"):
            getattr(fnp.asarray(x).at[i], method)(1.0, mode="wrap")
    with pytest.raises(IndexError, match="only integers"):
        fungrad.jit(lambda x, i: x.at[i].add(1.0))(x, np.array([0.5]))
    _next_call_works()
