"""Collectives over named axes (``lax.psum`` and the rest under ``vmap(axis_name=)``): values
against numpy and JAX's recorded results, derivatives of the mapped function against finite
differences, nesting, jit, pmap and the errors."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import lax
from helpers import assert_derivatives, assert_same_as_numpy, rand

X = np.arange(6.0).reshape(3, 2)


def named(f, **kwargs):
    return fungrad.vmap(f, axis_name="i", **kwargs)


def test_reductions_over_the_named_axis():
    assert_same_as_numpy(named(lambda v: lax.psum(v, "i"))(X), np.broadcast_to(X.sum(0), X.shape))
    assert_same_as_numpy(named(lambda v: lax.pmean(v, "i"))(X),
                         np.broadcast_to(X.mean(0), X.shape))
    assert_same_as_numpy(named(lambda v: lax.pmax(v, "i"))(X), np.broadcast_to(X.max(0), X.shape))
    assert_same_as_numpy(named(lambda v: lax.pmin(v, "i"))(X), np.broadcast_to(X.min(0), X.shape))
    tree = named(lambda v: lax.psum({"a": v, "b": 2 * v}, "i"))(X)
    assert_same_as_numpy(tree["b"], np.broadcast_to(2 * X.sum(0), X.shape))
    # a value that does not vary over the axis: the count of examples times it (JAX: [3 3 3])
    assert named(lambda v: lax.psum(1, "i"))(X).tolist() == [3, 3, 3]
    assert named(lambda v: v * lax.axis_size("i"))(X).tolist() == (3 * X).tolist()
    unbatched = fungrad.vmap(lambda v: lax.psum(v, "i"), in_axes=None, axis_size=3,
                             axis_name="i")(np.ones(2))
    assert_same_as_numpy(unbatched, np.full((3, 2), 3.0))
    assert named(lambda v: lax.psum(v, "i"))(X.astype(np.float32)).dtype == np.float32


def test_all_gather_and_axis_index():
    assert_same_as_numpy(named(lambda v: lax.all_gather(v, "i"))(X),
                         np.broadcast_to(X, (3, 3, 2)))
    assert named(lambda v: lax.all_gather(v, "i", tiled=True))(X).shape == (3, 6)
    assert named(lambda v: lax.all_gather(v[None], "i", axis=1, tiled=True))(X).shape == (3, 1, 6)
    assert_same_as_numpy(named(lambda v: lax.all_gather(v, "i", axis=1))(X)[0], X.T)
    assert_same_as_numpy(named(lambda v: lax.axis_index("i") * v)(X), X * np.arange(3.0)[:, None])
    assert named(lambda v: lax.axis_index("i"))(X).dtype == np.int32


def test_nested_named_axes():
    # JAX 0.10.2: the outer axis 'i' runs over rows, the inner 'j' over columns
    nested = fungrad.vmap(fungrad.vmap(lambda v: lax.psum(v, "i"), axis_name="j"), axis_name="i")
    assert nested(X).tolist() == [[6.0, 9.0]] * 3
    both = fungrad.vmap(fungrad.vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"),
                        axis_name="i")
    assert both(X).tolist() == [[15.0, 15.0]] * 3
    inner = fungrad.vmap(fungrad.vmap(lambda v: lax.pmax(v, "j"), axis_name="j"), axis_name="i")
    assert_same_as_numpy(inner(X), np.broadcast_to(X.max(1, keepdims=True), X.shape))


def test_derivatives_inside_the_map_match_jax():
    # JAX 0.10.2 values: the transpose of psum is psum (every example reads the total)
    per_example = named(fungrad.grad(lambda v: lax.psum(fnp.sum(v ** 2), "i")))(X)
    assert per_example.tolist() == [[0.0, 6.0], [12.0, 18.0], [24.0, 30.0]]
    per_example = named(fungrad.grad(lambda v: fnp.sum(v * lax.psum(v, "i"))))(X)
    assert per_example.tolist() == [[12.0, 18.0]] * 3
    gathered = named(fungrad.grad(lambda v: fnp.sum(lax.all_gather(v, "i")[0])))(X)
    assert gathered.tolist() == [[3.0, 3.0], [0.0, 0.0], [0.0, 0.0]]
    tiled = named(fungrad.grad(lambda v: fnp.sum(lax.all_gather(v, "i", tiled=True)[1:3] ** 2)))
    assert tiled(X).tolist() == [[0.0, 6.0], [12.0, 0.0], [0.0, 0.0]]
    value, tangent = named(lambda v: fungrad.jvp(lambda u: lax.psum(u ** 2, "i"), (v,),
                                                 (np.ones(2),)))(X)
    assert value.tolist() == [[20.0, 35.0]] * 3 and tangent.tolist() == [[12.0, 18.0]] * 3


@pytest.mark.parametrize("body", [
    lambda v: v / lax.psum(v, "i"),
    lambda v: (v - lax.pmean(v, "i")) ** 2,
    lambda v: fnp.sin(lax.all_gather(v, "i", axis=1)) * v[:, None],
    lambda v: lax.all_gather(v ** 2, "i", tiled=True) * lax.axis_index("i"),
])
def test_the_mapped_function_differentiates(body):
    x = rand((3, 2), low=0.5, high=2.0)
    assert_derivatives(named(body), (x,))
    assert_same_as_numpy(fungrad.jit(named(body))(x), named(body)(x))
    assert_same_as_numpy(named(fungrad.jit(body))(x), named(body)(x))


def test_pmap_names_its_axis():
    assert fungrad.pmap(lambda v: lax.psum(v, "d"), axis_name="d")(np.ones((1, 3))).tolist() == \
        [[1.0, 1.0, 1.0]]


def test_errors():
    with pytest.raises(NameError, match="unbound axis name: k. To fix this, please call psum"):
        lax.psum(1.0, "k")
    with pytest.raises(NameError, match="unbound axis name: k.*names in scope: \\['i'\\]"):
        named(lambda v: lax.psum(v, "k"))(X)
    with pytest.raises(NotImplementedError, match="Differentiation rule for 'pmax'"):
        named(fungrad.grad(lambda v: fnp.sum(lax.pmax(v, "i"))))(X)
    with pytest.raises(ValueError, match="axis_index_groups must cover all indices"):
        named(lambda v: lax.psum(v, "i", axis_index_groups=[[0, 1]]))(X)
    with pytest.raises(ValueError, match="all_gather: axis 3 is out of bounds"):
        named(lambda v: lax.all_gather(v, "i", axis=3))(X)
    assert named(lambda v: lax.psum(v, "i"))(X)[0].tolist() == [6.0, 9.0]  # the next call works
