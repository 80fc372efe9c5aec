"""Pytrees: flatten/unflatten/map over the built-in containers and registered classes, and
transforms that take and return pytrees."""
from __future__ import annotations

import collections
import dataclasses
from typing import Any

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.tree_util import (
    PyTreeDef, register_dataclass, register_pytree_node, tree_flatten, tree_leaves, tree_map,
    tree_structure, tree_unflatten, treedef_is_leaf,
)

from helpers import assert_derivatives, assert_same_as_numpy, rand

Point = collections.namedtuple("Point", ["x", "y"])


class Pair:
    """A user class registered as a pytree node."""

    def __init__(self, first, second):
        self.first, self.second = first, second


register_pytree_node(Pair, lambda p: ((p.first, p.second), None),
                     lambda _, children: Pair(*children))


@dataclasses.dataclass
class Layer:
    w: Any
    b: Any
    activation: str = "tanh"


register_dataclass(Layer, data_fields=["w", "b"], meta_fields=["activation"])


# ------------------------------------------------------------------- flatten

@pytest.mark.parametrize("tree, leaves", [
    (None, []),
    ((), []),
    ([], []),
    ({}, []),
    (1.0, [1.0]),
    ((1, 2), [1, 2]),
    ([1, [2, 3]], [1, 2, 3]),
    ({"b": 1, "a": 2, "c": 3}, [2, 1, 3]),  # dict leaves in sorted key order
    (Point(1, 2), [1, 2]),
    ((1, None, [2, None]), [1, 2]),  # None is an empty node, not a leaf
    ({"z": [1, None, (2, 3)], "a": Point(4, {"q": 5})}, [4, 5, 1, 2, 3]),
])
def test_flatten_unflatten_round_trip(tree, leaves):
    flat, treedef = tree_flatten(tree)
    assert flat == leaves
    assert tree_leaves(tree) == leaves
    assert tree_structure(tree) == treedef
    assert treedef.num_leaves == len(leaves)
    rebuilt = tree_unflatten(treedef, flat)
    assert rebuilt == tree and type(rebuilt) is type(tree)


def test_unflatten_rebuilds_container_types():
    tree = {"z": [1, None, (2, 3)], "a": Point(4, {"q": 5})}
    leaves, treedef = tree_flatten(tree)
    out = tree_unflatten(treedef, [10 * v for v in leaves])
    assert out == {"a": Point(40, {"q": 50}), "z": [10, None, (20, 30)]}
    assert type(out["a"]) is Point and type(out["z"]) is list and type(out["z"][2]) is tuple
    assert list(out) == ["a", "z"]  # keys come back sorted


def test_structures_distinguish_container_types_and_keys():
    assert tree_structure((1, 2)) != tree_structure([1, 2])
    assert tree_structure((1, 2)) != tree_structure(Point(1, 2))
    assert tree_structure({"a": 1}) != tree_structure({"b": 1})
    assert tree_structure((1, (2, 3))) != tree_structure((1, 2, 3))
    assert tree_structure({"b": 1, "a": 2}) == tree_structure({"a": 5, "b": 6})
    assert (hash(tree_structure({"b": 1, "a": (2,)}))
            == hash(tree_structure({"a": (0,), "b": 1})))
    assert treedef_is_leaf(tree_structure(np.ones(3)))
    assert not treedef_is_leaf(tree_structure((np.ones(3),)))
    assert isinstance(tree_structure(None), PyTreeDef)


def test_arrays_are_leaves():
    x = np.ones((2, 3))
    leaves, treedef = tree_flatten({"w": x, "s": np.float32(2.0)})
    assert leaves[1] is x
    assert treedef.num_leaves == 2


def test_unflatten_with_wrong_number_of_leaves_raises_value_error():
    treedef = tree_structure({"a": (1, 2), "b": 3})
    with pytest.raises(ValueError):
        tree_unflatten(treedef, [1, 2, 3, 4])
    with pytest.raises(ValueError):
        tree_unflatten(treedef, [1, 2])


def test_is_leaf_stops_flattening():
    tree = [1, (2, 3), {"k": (4,)}]
    leaves = tree_leaves(tree, is_leaf=lambda x: isinstance(x, tuple))
    assert leaves == [1, (2, 3), (4,)]
    out = tree_map(lambda t: len(t) if isinstance(t, tuple) else t, tree,
                   is_leaf=lambda x: isinstance(x, tuple))
    assert out == [1, 2, {"k": 1}]


# ------------------------------------------------------------------- tree_map

def test_tree_map_single_and_several_trees():
    a = {"w": [1.0, 2.0], "b": (3.0, None)}
    b = {"w": [10.0, 20.0], "b": (30.0, None)}
    c = {"w": [100.0, 200.0], "b": (300.0, None)}
    assert tree_map(lambda x: -x, a) == {"b": (-3.0, None), "w": [-1.0, -2.0]}
    assert tree_map(lambda x, y, z: x + y + z, a, b, c) == {"b": (333.0, None),
                                                            "w": [111.0, 222.0]}
    assert tree_map(lambda x: x, None) is None


@pytest.mark.parametrize("other", [
    (1, 2, 3),            # arity
    [1, 2],               # list vs tuple
    {"a": 1, "b": 2},     # node type
])
def test_tree_map_structure_mismatch_raises(other):
    with pytest.raises(ValueError, match="structure"):
        tree_map(lambda x, y: x + y, (1, 2), other)


def test_tree_map_node_where_the_other_has_a_leaf_raises():
    # the other way round, (1, 2) against (1, (2, 3)), is a prefix: JAX allows it
    with pytest.raises(ValueError, match="structure"):
        tree_map(lambda x, y: x + y, (1, (2, 3)), (1, 2))


def test_tree_map_dict_key_mismatch_raises():
    with pytest.raises(ValueError):
        tree_map(lambda x, y: x + y, {"a": 1}, {"b": 1})


# ------------------------------------------------------------------- registration

def test_register_pytree_node():
    p = Pair(np.ones(2), (3.0, Pair(4.0, None)))
    leaves, treedef = tree_flatten(p)
    assert len(leaves) == 3 and leaves[1:] == [3.0, 4.0]
    out = tree_map(lambda x: x * 2, p)
    assert isinstance(out, Pair) and isinstance(out.second[1], Pair)
    np.testing.assert_array_equal(out.first, np.full(2, 2.0))
    assert out.second[0] == 6.0 and out.second[1].first == 8.0 and out.second[1].second is None
    assert tree_structure(Pair(1, 2)) != tree_structure((1, 2))


def test_register_dataclass_data_and_meta_fields():
    layer = Layer(np.ones((2, 3)), np.zeros(3), "relu")
    leaves, treedef = tree_flatten(layer)
    assert len(leaves) == 2 and leaves[0] is layer.w and leaves[1] is layer.b
    out = tree_unflatten(treedef, [np.full((2, 3), 5.0), np.full(3, 6.0)])
    assert isinstance(out, Layer) and out.activation == "relu"
    np.testing.assert_array_equal(out.b, np.full(3, 6.0))
    # meta fields are part of the structure
    assert tree_structure(Layer(1, 2, "relu")) != tree_structure(Layer(1, 2, "tanh"))
    assert tree_structure(Layer(1, 2, "relu")) == tree_structure(Layer(3, 4, "relu"))


def test_register_dataclass_defaults_and_decorator_use():
    @dataclasses.dataclass
    class AllData:
        a: Any
        b: Any

    assert register_dataclass(AllData) is AllData
    assert tree_leaves(AllData(1, (2, 3))) == [1, 2, 3]

    @dataclasses.dataclass
    class WithMeta:
        a: Any
        tag: str = "x"

    register_dataclass(WithMeta, meta_fields=["tag"])  # data fields: the others
    assert tree_leaves(WithMeta(1.0, "y")) == [1.0]
    assert tree_map(lambda v: v + 1, WithMeta(1.0, "y")) == WithMeta(2.0, "y")


# ------------------------------------------------------------------- transforms

def _mlp_loss(params, x):
    h = fnp.tanh(x @ params["layer"]["w"] + params["layer"]["b"])
    return fnp.sum(h ** 2) * params["scale"]


def _mlp_grad_by_hand(params, x):
    w, b, s = params["layer"]["w"], params["layer"]["b"], params["scale"]
    h = np.tanh(x @ w + b)
    dz = s * 2 * h * (1 - h ** 2)
    return {"layer": {"w": x.T @ dz, "b": dz.sum(0)}, "scale": np.sum(h ** 2)}


def test_grad_of_dict_params_returns_same_structure():
    params = {"layer": {"w": rand((3, 4), seed=1), "b": rand(4, seed=2)}, "scale": 0.5}
    x = rand((5, 3), seed=3)
    g = fungrad.grad(_mlp_loss)(params, x)
    assert tree_structure(g) == tree_structure(params)
    expected = _mlp_grad_by_hand(params, x)
    for got, want in zip(tree_leaves(g), tree_leaves(expected)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert_derivatives(lambda p: _mlp_loss(p, x), (params,), order=1)


def test_value_and_grad_with_registered_nodes():
    layer = Layer(rand((2, 2), seed=4), rand(2, seed=5), "tanh")
    x = rand(2, seed=6)

    def loss(layer, pair):
        y = fnp.tanh(layer.w @ x + layer.b) * pair.first
        return fnp.sum(y) + pair.second[0] * 2.0

    value, (g_layer, g_pair) = fungrad.value_and_grad(loss, argnums=(0, 1))(
        layer, Pair(3.0, (1.5,)))
    z = layer.w @ x + layer.b
    assert_same_as_numpy(value, np.sum(np.tanh(z) * 3.0) + 3.0)
    assert isinstance(g_layer, Layer) and g_layer.activation == "tanh"
    dz = 3.0 * (1 - np.tanh(z) ** 2)
    np.testing.assert_allclose(g_layer.w, np.outer(dz, x), rtol=1e-12)
    np.testing.assert_allclose(g_layer.b, dz, rtol=1e-12)
    assert isinstance(g_pair, Pair) and isinstance(g_pair.second, tuple)
    np.testing.assert_allclose(g_pair.first, np.sum(np.tanh(z)), rtol=1e-12)
    np.testing.assert_allclose(g_pair.second[0], 2.0)


def test_vjp_with_pytree_inputs_and_outputs():
    def f(p):
        return {"prod": p["a"] * p["b"], "pt": Point(fnp.sin(p["a"]), p["b"] * 2.0)}

    p = {"a": rand(3, seed=7), "b": rand(3, seed=8)}
    out, pullback = fungrad.vjp(f, p)
    assert tree_structure(out) == tree_structure({"prod": 0, "pt": Point(0, 0)})
    ct = {"prod": np.ones(3), "pt": Point(np.full(3, 2.0), np.full(3, 3.0))}
    (g,) = pullback(ct)
    assert tree_structure(g) == tree_structure(p)
    np.testing.assert_allclose(g["a"], p["b"] + 2.0 * np.cos(p["a"]), rtol=1e-12)
    np.testing.assert_allclose(g["b"], p["a"] + 6.0, rtol=1e-12)
    with pytest.raises(ValueError, match="tree structure"):
        pullback({"prod": np.ones(3), "pt": (np.ones(3), np.ones(3))})


def test_jvp_with_pytree_primals_and_tangents():
    def f(p, q):
        return [p["a"] * q.x, {"s": fnp.sum(q.y)}]

    p = {"a": rand(2, seed=9)}
    q = Point(rand(2, seed=10), rand(2, seed=11))
    tp = {"a": np.ones(2)}
    tq = Point(np.zeros(2), np.full(2, 2.0))
    out, tangent = fungrad.jvp(f, (p, q), (tp, tq))
    assert tree_structure(out) == tree_structure(tangent) == tree_structure([0, {"s": 0}])
    np.testing.assert_allclose(tangent[0], q.x, rtol=1e-12)
    np.testing.assert_allclose(tangent[1]["s"], 4.0)
    with pytest.raises(TypeError, match="tree structure"):
        fungrad.jvp(f, (p, q), (tp, (np.zeros(2), np.zeros(2))))


# --------------------------------------------------------------------------- paths, jax.tree

def test_paths_name_every_leaf():
    from fungrad.tree_util import keystr, tree_flatten_with_path, tree_map_with_path

    @dataclasses.dataclass
    class Layer:
        w: Any
        b: Any

    fungrad.tree_util.register_dataclass(Layer, ["w", "b"], [])
    tree = {"layers": [Layer(1.0, 2.0)], "p": Point(3.0, 4.0), "pair": Pair(5.0, 6.0)}
    pairs, treedef = tree_flatten_with_path(tree)
    assert [keystr(p) for p, _ in pairs] == [
        "['layers'][0].w", "['layers'][0].b", "['p'].x", "['p'].y",
        "['pair'][<flat index 0>]", "['pair'][<flat index 1>]"]
    assert [x for _, x in pairs] == tree_leaves(tree) and treedef == tree_structure(tree)
    doubled = tree_map_with_path(lambda p, x: x * len(p), tree)
    assert doubled["p"] == Point(6.0, 8.0)


def test_jax_tree_namespace_and_reductions():
    t = fungrad.tree
    assert t.map(lambda x, y: x * y, [1, (2,)], [3, (4,)]) == [3, (8,)]
    leaves, treedef = t.flatten({"a": 1, "b": [2, 3]})
    assert t.unflatten(treedef, [x + 1 for x in leaves]) == {"a": 2, "b": [3, 4]}
    assert t.reduce(lambda a, b: a + b, {"a": 1, "b": [2, 3]}) == 6
    assert t.reduce(lambda a, b: a + b, [], 10) == 10
    with pytest.raises(TypeError, match="no leaves and no initializer"):
        t.reduce(lambda a, b: a + b, [])
    assert t.all([True, {"x": 1}]) and not t.all([True, (0,)])
    assert t.transpose(t.structure([0, 0, 0]), t.structure((0, 0)),
                       [(1, 2), (3, 4), (5, 6)]) == ([1, 3, 5], [2, 4, 6])
    assert t.transpose(t.structure((0, 0)), None, ({"a": 1}, {"a": 2})) == {"a": (1, 2)}
    assert [str(k[0]) for k, _ in t.leaves_with_path((1, 2))] == ["[0]", "[1]"]
    assert fungrad.tree_util.treedef_children(t.structure((1, [2]))) == \
        [t.structure(1), t.structure([2])]
    assert fungrad.tree_util.all_leaves([1.0, np.ones(2)])
    assert not fungrad.tree_util.all_leaves([1.0, [2.0]])


def test_class_registration_styles():
    from fungrad.tree_util import (
        GetAttrKey, keystr, register_pytree_node_class, register_pytree_with_keys,
        register_static, tree_leaves_with_path,
    )

    @register_pytree_node_class
    class Scaled:
        def __init__(self, x, factor):
            self.x, self.factor = x, factor

        def tree_flatten(self):
            return (self.x,), self.factor

        @classmethod
        def tree_unflatten(cls, factor, children):
            return cls(children[0], factor)

    f = fungrad.jit(lambda s: s.x * s.factor)
    assert f(Scaled(2.0, 3)) == 6.0 and f(Scaled(4.0, 3)) == 12.0 and f.trace_count == 1

    class Named:
        def __init__(self, a, b):
            self.a, self.b = a, b

    register_pytree_with_keys(
        Named, lambda n: (((GetAttrKey("a"), n.a), (GetAttrKey("b"), n.b)), None),
        lambda _, c: Named(*c))
    assert [keystr(p) for p, _ in tree_leaves_with_path(Named(1, 2))] == [".a", ".b"]
    assert tree_map(lambda x: x * 10, Named(1, 2)).b == 20

    @register_static
    class Options:
        def __init__(self, n):
            self.n = n

        def __hash__(self):
            return hash(self.n)

        def __eq__(self, other):
            return isinstance(other, Options) and other.n == self.n

    g = fungrad.jit(lambda x, opt: x * opt.n)
    assert tree_leaves([1.0, Options(2)]) == [1.0]
    assert g(2.0, Options(3)) == 6.0 and g(2.0, Options(4)) == 8.0 and g.trace_count == 2


def test_partial_is_a_pytree_through_jit():
    from fungrad.tree_util import Partial
    scale = Partial(lambda factor, x, shift=0.0: factor * x + shift, np.float64(3.0), shift=1.0)
    assert tree_leaves(scale) == [3.0, 1.0] and scale(2.0) == 7.0
    bigger = tree_map(lambda v: v * 2, scale)
    assert isinstance(bigger, Partial) and bigger(2.0) == 14.0
    apply = fungrad.jit(lambda f, x: f(x))
    assert apply(scale, 2.0) == 7.0 and apply(bigger, 2.0) == 14.0 and apply.trace_count == 1
    nested = Partial(Partial(lambda a, b, c: a + b + c, 1.0), 2.0)
    assert nested(3.0) == 6.0 and tree_leaves(nested) == [1.0, 2.0]


def test_vjp_pullback_passes_through_jit():
    x = np.array([1.0, 2.0])
    y, pullback = fungrad.vjp(lambda v: fnp.sin(v) * v, x)
    expected = np.cos(x) * x + np.sin(x)
    apply = fungrad.jit(lambda f, ct: f(ct)[0])
    np.testing.assert_allclose(apply(pullback, np.ones(2)), expected, rtol=1e-12)
    np.testing.assert_allclose(pullback(np.ones(2))[0], expected, rtol=1e-12)  # reusable
    made = fungrad.jit(lambda v: fungrad.vjp(fnp.exp, v)[1])(x)  # returned from jit
    np.testing.assert_allclose(made(np.ones(2))[0], np.exp(x), rtol=1e-12)
    with pytest.raises(ValueError, match="expected float64\\[2\\]"):
        pullback(np.ones(3))


def test_ravel_pytree_round_trip_and_derivatives():
    from fungrad.flatten_util import ravel_pytree
    tree = {"w": rand((2, 3)), "b": np.float32(1.5), "n": [rand((0,))]}
    flat, unravel = ravel_pytree(tree)
    assert flat.shape == (7,) and flat.dtype == np.float64
    back = unravel(flat)
    assert tree_structure(back) == tree_structure(tree) and back["b"].dtype == np.float32
    np.testing.assert_array_equal(back["w"], tree["w"])
    flat64, unravel64 = ravel_pytree({"w": rand((2, 3)), "b": 1.5})
    assert_derivatives(lambda v: fnp.sum(unravel64(v)["w"] ** 3) * unravel64(v)["b"],
                       (np.asarray(flat64),))
    with pytest.raises(ValueError, match=r"shape \(7,\), got f64\[6\]"):
        unravel(np.ones(6))
    empty, unravel_empty = ravel_pytree(())
    assert empty.shape == (0,) and unravel_empty(empty) == ()
