"""fungrad.Array: a numpy array with JAX's surface (immutability, .at, traced indexing,
the runtime methods), what every eager result and transform output is."""
import copy
import math
import pickle

import numpy as np
import pytest

import fungrad as jax
import fungrad.numpy as jnp
from fungrad import Array, lax


def arr(values):
    return jax.device_put(np.asarray(values, dtype=float))


# --------------------------------------------------------------------------- what is an Array

def test_results_are_arrays_and_numpy_arrays():
    x = np.arange(3.0)
    results = [jnp.sin(x), jax.grad(lambda v: jnp.sum(v ** 2))(x), jax.jit(jnp.cos)(x),
               jax.vmap(jnp.sin)(x), jax.jvp(jnp.sin, (x,), (x,))[1],
               jax.vjp(jnp.sin, x)[1](x)[0], jax.grad(lambda v: v * v)(3.0)]
    for r in results:
        assert type(r) is Array and isinstance(r, np.ndarray) and isinstance(r, jax.Array)
        assert not r.flags.writeable
    np.testing.assert_allclose(results[1], 2 * x)


def test_wrapping_is_a_view_and_asarray_is_free():
    base = np.arange(4.0)
    wrapped = jax.device_put(base)
    assert np.shares_memory(wrapped, base) and wrapped.base is base
    assert np.shares_memory(np.asarray(wrapped), base)
    assert type(np.asarray(wrapped)) is np.ndarray


def test_numpy_and_scipy_accept_it():
    import scipy.special
    x = arr([0.0, 1.0, 2.0])
    np.testing.assert_allclose(scipy.special.expit(x), 1 / (1 + np.exp(-np.arange(3.0))))
    np.testing.assert_array_equal(np.pad(x, 1), [0.0, 0.0, 1.0, 2.0, 0.0])  # writes inside
    assert np.sort(x[::-1]).tolist() == [0.0, 1.0, 2.0]
    assert np.linalg.norm(x) == math.sqrt(5.0)


# --------------------------------------------------------------------------- immutability

def test_item_assignment_points_to_at():
    x = arr([1.0, 2.0])
    with pytest.raises(TypeError, match=r"immutable.*x\.at\[idx\]\.set"):
        x[0] = 10.0
    assert x.tolist() == [1.0, 2.0]


def test_in_place_operators_rebind_and_aliases_keep_their_value():
    a = arr([10.0, 20.0])
    b = a
    b += 10
    b *= 2
    assert a.tolist() == [10.0, 20.0] and b.tolist() == [40.0, 60.0]
    g = jax.grad(lambda v: jnp.sum(v ** 2))(np.ones(2))
    alias = g
    g -= 1.0
    assert alias.tolist() == [2.0, 2.0] and g.tolist() == [1.0, 1.0]


def test_numpy_out_cannot_write_into_an_array():
    x = arr([1.0, 2.0])
    with pytest.raises(ValueError, match="read-only"):
        np.add(x, 1.0, out=x)
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(x)[0] = 5.0
    assert x.tolist() == [1.0, 2.0]
    mutable = np.array(x)  # an explicit copy is an ordinary numpy array
    mutable[0] = 5.0
    assert mutable.tolist() == [5.0, 2.0] and x.tolist() == [1.0, 2.0]


def test_copies_are_arrays_and_pickle_round_trips():
    x = arr([1.0, 2.0])
    for c in (x.copy(), copy.copy(x), copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        assert type(c) is Array and c.tolist() == [1.0, 2.0] and not np.shares_memory(c, x)
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)


# --------------------------------------------------------------------------- scalars

def test_zero_d_results_work_as_numbers_and_as_arrays():
    g = jax.grad(lambda x: x ** 3)(3.0)
    assert g.block_until_ready() is g and type(g) is Array and g.shape == ()
    assert float(g) == 27.0 and int(g) == 27 and f"{g:.1f}" == "27.0" and "%d" % g == "27"
    assert g > 26 and g == 27.0 and math.sqrt(g) == math.sqrt(27.0)
    assert g.item() == 27.0 and type(g.item()) is float and g.tolist() == 27.0
    assert repr(g) == "np.float64(27.0)" and str(g) == "27.0"
    assert [1, 2, 3][jax.jit(lambda i: i + 1)(np.int64(1))] == 3  # an index
    assert jax.grad(lambda x: x * 2.0)(np.float32(1.0)).dtype == np.float32


# --------------------------------------------------------------------------- .at and indexing

def test_at_on_arrays_made_outside_a_trace():
    x = jax.jit(lambda v: v * 1.0)(np.zeros(3))
    assert x.at[1].set(5.0).tolist() == [0.0, 5.0, 0.0]
    assert x.at[np.array([0, 0, 2])].add(1.0).tolist() == [2.0, 0.0, 1.0]
    assert x.tolist() == [0.0, 0.0, 0.0]
    g = jax.grad(lambda v: jnp.sum(x.at[0].set(v) ** 2))(3.0)
    assert g == 6.0
    jitted = jax.jit(lambda v: x.at[1].add(v))(2.0)
    assert jitted.tolist() == [0.0, 2.0, 0.0]
    batched = jax.vmap(lambda v: x.at[2].set(v))(np.array([1.0, 2.0]))
    assert batched.tolist() == [[0.0, 0.0, 1.0], [0.0, 0.0, 2.0]]


def test_indexing_an_array_by_traced_values():
    table = jax.jit(lambda: jnp.arange(10.0) * 1.0)()
    assert lax.fori_loop(0, 10, lambda i, s: s + table[i], 0.0) == 45.0
    assert jax.vmap(lambda i: table[i])(np.arange(3)).tolist() == [0.0, 1.0, 2.0]
    assert jax.jit(lambda i: table[i])(np.int64(4)) == 4.0
    grid = jax.device_put(np.arange(12.0).reshape(3, 4))
    assert jax.vmap(lambda i: grid[i, 1])(np.array([0, 2])).tolist() == [1.0, 9.0]
    # the derivative flows through the gathered value
    assert jax.grad(lambda w, i: jnp.sum(w * table[i]))(2.0, np.array([1, 3])) == 4.0


def test_tracers_are_arrays_inside_transforms():
    seen = []
    jax.grad(lambda x: seen.append(isinstance(x, jax.Array)) or x * x)(1.0)
    jax.vmap(lambda x: seen.append(isinstance(x, jax.Array)) or x)(np.ones(2))
    assert seen == [True, True]
    assert not isinstance(np.ones(2), jax.Array) and not isinstance(1.0, jax.Array)


# --------------------------------------------------------------------------- runtime surface

def test_devices_and_transfers():
    x = arr([1.0])
    (device,) = jax.devices()
    assert x.devices() == {device} and x.device == device and device.platform == "cpu"
    assert jax.default_backend() == "cpu" and jax.device_count() == 1
    tree = jax.device_put({"a": np.ones(2), "b": [1.0, 2]}, device)
    assert all(type(leaf) is Array for leaf in jax.tree_util.tree_leaves(tree))
    host = jax.device_get(tree)
    assert type(host["a"]) is np.ndarray and type(host["b"][0]) is np.float64
    assert jax.block_until_ready(tree) is tree
    with pytest.raises(ValueError, match="unknown device 'gpu:0'"):
        jax.device_put(np.ones(1), "gpu:0")
    with pytest.raises(RuntimeError, match="unknown backend 'gpu'"):
        jax.devices("gpu")


def test_jax_idioms_on_created_arrays():
    assert jnp.zeros(3).at[0].set(1.0).tolist() == [1.0, 0.0, 0.0]
    for made in (jnp.zeros(2), jnp.ones(2), jnp.array([1.0]), jnp.asarray([1.0]),
                 jnp.arange(3.0), jnp.linspace(0.0, 1.0, 3), jnp.eye(2), jnp.full(2, 3.0)):
        assert isinstance(made, jnp.ndarray) and type(made) is Array
    assert jnp.ndarray is jax.Array
    arange = jnp.arange(10.0)
    assert lax.fori_loop(0, 10, lambda i, s: s + arange[i], 0.0) == 45.0
    assert jax.vmap(lambda i: arange[i])(jnp.arange(3)).tolist() == [0.0, 1.0, 2.0]


def test_repeated_indices_accumulate_in_multiply_min_max():
    idx = np.array([0, 2, 0, 0])
    base = jnp.array([1.0, 2.0, 3.0])
    v = np.array([2.0, 5.0, 3.0, -1.0])
    expected_mul, expected_min, expected_max = (np.array(base) for _ in range(3))
    np.multiply.at(expected_mul, idx, v)
    np.minimum.at(expected_min, idx, v)
    np.maximum.at(expected_max, idx, v)
    np.testing.assert_array_equal(base.at[idx].multiply(v), expected_mul)
    np.testing.assert_array_equal(base.at[idx].min(v), expected_min)
    np.testing.assert_array_equal(base.at[idx].max(v), expected_max)
    np.testing.assert_array_equal(jax.jit(lambda b, w: b.at[idx].multiply(w))(base, v),
                                  expected_mul)
    # derivatives of the accumulated product in both arguments, both modes, second order
    from helpers import assert_derivatives
    assert_derivatives(lambda b, w: jnp.asarray(b).at[idx].multiply(w), (np.asarray(base), v))
    assert_derivatives(lambda b, w: jnp.asarray(b).at[(np.array([0, 0]), slice(None))].max(w),
                       (np.arange(6.0).reshape(2, 3), np.array([[1.0, 9.0, 2.5],
                                                                [4.0, 0.5, 7.0]])))
    batched = jax.vmap(lambda w: base.at[idx].multiply(w))(np.stack([v, 2 * v]))
    np.testing.assert_array_equal(batched[0], expected_mul)
    # a traced integer-array index may repeat unseen: every value is still multiplied in
    np.testing.assert_array_equal(
        jax.vmap(lambda i: base.at[i].multiply(2.0))(np.array([[0, 0], [2, 1]])),
        [[4.0, 2.0, 3.0], [1.0, 4.0, 6.0]])
    assert jax.vmap(lambda i: base.at[i].multiply(2.0))(np.array([0, 2]))[1].tolist() == \
        [1.0, 2.0, 6.0]  # a traced scalar index cannot repeat


# --------------------------------------------------------------------------- every function

def _sweep_inputs():
    """Simple inputs to try every public fungrad.numpy function on, and the functions that
    need particular ones."""
    v, m = np.array([0.5, 1.5, 2.5]), np.array([[1.0, 2.0], [3.0, 4.0]])
    generic = [v, m, 0.5, np.array([1, 2, 3]), np.array([True, False])]
    special = {
        "apply_along_axis": (jnp.sum, 0, m), "apply_over_axes": (jnp.sum, m, [0]),
        "argpartition": (v, 1), "astype": (v, np.float32),
        "choose": (np.array([0, 1]), [np.ones(2), np.zeros(2)]), "dsplit": (np.ones((1, 2, 2)), 2),
        "einsum": ("ij->j", m), "expand_dims": (v, 0), "eye": (2,), "identity": (2,),
        "fill_diagonal": (m, 0.0), "fromfunction": (lambda i, j: i + j, (2, 2)),
        "fromiter": (iter([1.0, 2.0]), float), "moveaxis": (m, 0, 1), "partition": (v, 1),
        "polyfit": (v, v, 1), "put_along_axis": (m, np.array([[0], [1]]), 9.0, 1),
        "ravel_multi_index": ((np.array([1, 0]), np.array([1, 1])), (2, 2)),
        "reshape": (m, (4,)), "rollaxis": (m, 1), "select": ([v > 1], [v]),
        "swapaxes": (m, 0, 1), "take_along_axis": (m, np.array([[0], [1]]), 1),
        "vsplit": (m, 2), "bartlett": (5,), "blackman": (5,), "hamming": (5,),
        "hanning": (5,), "kaiser": (5, 2.0), "mask_indices": (3, jnp.triu),
        "place": (v, v > 1, np.array([9.0])), "put": (v, np.array([0]), np.array([9.0])),
        "unpackbits": (np.array([3], np.uint8),),
        "take": (np.arange(3.0), np.array([0, 2])),
    }
    keywords = {"fill_diagonal": {"inplace": False}, "put_along_axis": {"inplace": False},
                "place": {"inplace": False}, "put": {"inplace": False},
                "fromstring": {"sep": " "}}
    special["fromstring"] = ("1 2", float)
    return generic, special, keywords


# no array comes back from these (files, dtypes, an einsum plan), or they are numpy's own
NOT_ARRAY_FUNCTIONS = {"save", "savez", "load", "fromfile", "einsum_path", "frompyfunc",
                       "issubdtype"}


def test_every_fungrad_numpy_function_returns_fungrad_arrays():
    import inspect
    import warnings

    from fungrad.tree_util import tree_leaves
    generic, special, keywords = _sweep_inputs()
    tried, plain, failed = 0, [], []
    for name in sorted(n for n in dir(jnp) if not n.startswith("_")):
        f = getattr(jnp, name)
        if name in NOT_ARRAY_FUNCTIONS or not callable(f) or inspect.isclass(f) or \
                getattr(f, "__module__", "").split(".")[0] != "fungrad":
            continue
        calls = [special[name]] if name in special else \
            [(x,) * arity for arity in (1, 2, 3) for x in generic]
        for args in calls:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = f(*args, **keywords.get(name, {}))
            except Exception:  # not a valid call for this function: try the next inputs
                continue
            tried += 1
            leaves = [x for x in tree_leaves(out) if isinstance(x, (np.ndarray, np.generic))]
            plain += [f"{name}: {type(x).__name__}" for x in leaves if type(x) is not Array]
            break
        else:
            failed.append(name)
    assert failed == [] and plain == []
    assert tried > 300  # the sweep reached (nearly) the whole namespace


def test_jax_array_methods_on_arrays_and_tracers():
    x = np.array([3.0, -1.0, 2.0, 5.0])
    keep = np.array([True, False, True, False])

    def methods(t):
        return (t.ptp(), t.argpartition(1)[:1], t.sort().searchsorted(2.5), t.compress(keep),
                t.nonzero(size=2)[0], t.clone(), t.itemsize, t.nbytes)

    expected = (6.0, [1], 2, [3.0, 2.0], [0, 1], x, 8, 32)
    for got in (jax.jit(methods)(x), methods(jnp.asarray(x))):  # tracer, then Array
        for value, want in zip(got, expected):
            np.testing.assert_array_equal(np.asarray(value), np.asarray(want))
    assert jax.grad(lambda t: t.ptp())(x).tolist() == [0.0, -1.0, 0.0, 1.0]
    shifted = jax.jit(lambda i: (i << 2, 1 << i, i >> 1))(np.array([1, 2]))
    assert [s.tolist() for s in shifted] == [[4, 8], [2, 4], [0, 1]]
    chosen = jax.jit(lambda t: t.choose([np.arange(3.0), np.arange(3.0) * 10]))
    assert chosen(np.array([0, 1, 1])).tolist() == [0.0, 10.0, 20.0]
    assert jax.grad(lambda t: t.sum() if 5.0 in t else 0.0)(x).tolist() == [1.0] * 4
    assert jax.grad(lambda t: t.sum() if 7.0 in t else 0.0)(x).tolist() == [0.0] * 4
    assert jnp.ones(3).at[1].mul(2.0).tolist() == [1.0, 2.0, 1.0]
    held = jnp.asarray(x)
    assert held.sort().tolist() == [-1.0, 2.0, 3.0, 5.0] and held.tolist() == x.tolist()
    assert np.sort(held).tolist() == [-1.0, 2.0, 3.0, 5.0]  # numpy's in-place sort of a copy
    concrete = jax.device_put(np.ones((2, 3)))
    assert concrete.aval.shape == (2, 3) and concrete.aval.dtype == np.float64
    assert concrete.weak_type is False
