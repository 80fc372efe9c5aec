"""The rest of jax.tree_util / jax.tree: one-level flattening, node-type checks, tuple
treedefs, prefix broadcasting, associative reductions, classes registered with keys, static
dataclass fields and the registry object.

Expected values written as literals below were recorded by running JAX 0.10.2 once
(``/opt/jaxenv/bin/python``) on the same inputs; fungrad never computes its own expectations.
"""
from __future__ import annotations

import collections
import dataclasses
import operator
from typing import Any

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import tree
from fungrad.tree_util import (
    DictKey, FlattenedIndexKey, GetAttrKey, KeyEntry, KeyPath, PyTreeDef, SequenceKey,
    default_registry, flatten_one_level, flatten_one_level_with_keys, is_tree_node, keystr,
    register_dataclass, register_pytree_node, register_pytree_with_keys_class, static,
    tree_broadcast, tree_flatten, tree_leaves, tree_leaves_with_path, tree_map,
    tree_reduce_associative, tree_structure, tree_transpose, tree_unflatten, treedef_tuple,
)

from helpers import assert_derivatives

Point = collections.namedtuple("Point", ["a", "b"])


class Foo:
    """Registered without keys: its children get FlattenedIndexKeys."""

    def __init__(self, a, b):
        self.a, self.b = a, b


register_pytree_node(Foo, lambda f: ((f.a, f.b), "aux"), lambda aux, c: Foo(*c))


@register_pytree_with_keys_class
class Special:
    """JAX's docstring example for register_pytree_with_keys_class."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def tree_flatten_with_keys(self):
        return ((GetAttrKey("x"), self.x), (GetAttrKey("y"), self.y)), None

    @classmethod
    def tree_unflatten(cls, aux_data, children):
        return cls(*children)


@register_pytree_with_keys_class
class Scaled:
    """Keys, a static factor in aux, and its own (faster) tree_flatten."""

    def __init__(self, w, factor):
        self.w, self.factor = w, factor

    def tree_flatten_with_keys(self):
        return ((GetAttrKey("w"), self.w),), self.factor

    def tree_flatten(self):
        return (self.w,), self.factor

    @classmethod
    def tree_unflatten(cls, factor, children):
        return cls(children[0], factor)


# ------------------------------------------------------------------ is_tree_node

def test_is_tree_node_matches_jax():
    # JAX 0.10.2: True for tuple, list, dict, NoneType, a namedtuple, OrderedDict,
    # defaultdict; False for int and float
    for typ in (tuple, list, dict, type(None), Point, collections.OrderedDict,
                collections.defaultdict, Foo, Special):
        assert is_tree_node(typ) is True, typ
    for typ in (int, float, str, np.ndarray):
        assert is_tree_node(typ) is False, typ


def test_is_tree_node_wants_a_type():
    with pytest.raises(TypeError, match=r"is_tree_node: expected a type, got tuple"):
        is_tree_node((1, 2))
    assert is_tree_node(type((1, 2)))  # the next call works


# ------------------------------------------------------------------ flatten_one_level

@pytest.mark.parametrize("node, children, aux", [
    # recorded from jax.tree_util.flatten_one_level
    ({"a": [1, 2], "b": {"c": 3}}, [[1, 2], {"c": 3}], ("a", "b")),
    ((1, [2]), [1, [2]], None),
    ([1, 2], [1, 2], None),
    (None, [], None),
    (collections.OrderedDict([("b", 1), ("a", 2)]), [1, 2], ("b", "a")),
])
def test_flatten_one_level_matches_jax(node, children, aux):
    kids, data = flatten_one_level(node)
    assert list(kids) == children and data == aux


def test_flatten_one_level_custom_and_namedtuple():
    kids, data = flatten_one_level(Foo(1, (2, 3)))
    assert list(kids) == [1, (2, 3)] and data == "aux"  # JAX: ((1, 2), 'aux') for Foo(1, 2)
    assert list(flatten_one_level(Point(1, 2))[0]) == [1, 2]
    assert list(flatten_one_level(Special(1, 2))[0]) == [1, 2]  # JAX: ([1, 2], None)


@pytest.mark.parametrize("leaf", [1.0, 3, "s", np.ones(2)])
def test_flatten_one_level_of_a_leaf_is_a_value_error(leaf):
    # JAX: ValueError: can't tree-flatten type: <class 'float'>
    with pytest.raises(ValueError, match=r"flatten_one_level: can't tree-flatten type"):
        flatten_one_level(leaf)
    with pytest.raises(ValueError, match=r"flatten_one_level_with_keys: can't tree-flatten"):
        flatten_one_level_with_keys(leaf)


def test_flatten_one_level_with_keys_matches_jax():
    pairs, aux = flatten_one_level_with_keys({"b": 1, "a": (2,)})
    assert list(pairs) == [(DictKey("a"), (2,)), (DictKey("b"), 1)] and aux == ("a", "b")
    pairs, aux = flatten_one_level_with_keys([5, 6])
    assert list(pairs) == [(SequenceKey(0), 5), (SequenceKey(1), 6)] and aux is None
    assert list(flatten_one_level_with_keys(None)[0]) == []
    pairs, aux = flatten_one_level_with_keys(Foo(1, 2))
    assert list(pairs) == [(FlattenedIndexKey(0), 1), (FlattenedIndexKey(1), 2)]
    assert aux == "aux"
    pairs, _ = flatten_one_level_with_keys(Special(1, 2))
    assert list(pairs) == [(GetAttrKey("x"), 1), (GetAttrKey("y"), 2)]
    # JAX 0.10.2 names both namedtuple fields GetAttrKey('a') (a JAX bug); we give a and b,
    # the keys tree_flatten_with_path uses for it in both libraries
    pairs, _ = flatten_one_level_with_keys(Point(1, 2))
    assert list(pairs) == [(GetAttrKey("a"), 1), (GetAttrKey("b"), 2)]


def test_key_aliases():
    path: KeyPath = (DictKey("w"), SequenceKey(0))
    assert keystr(path) == "['w'][0]"
    assert KeyPath == tuple[KeyEntry, ...]


# ------------------------------------------------------------------ treedef_tuple

def test_treedef_tuple_matches_jax():
    x, y = tree_structure([1, 2, 3]), tree_structure({"a": 4, "b": 5})
    xy = treedef_tuple([x, y])
    assert xy == tree_structure(([1, 2, 3], {"a": 4, "b": 5}))
    assert repr(xy) == "PyTreeDef(([*, *, *], {'a': *, 'b': *}))"  # JAX's repr
    assert repr(treedef_tuple([])) == "PyTreeDef(())"
    assert repr(treedef_tuple(iter([x]))) == "PyTreeDef(([*, *, *],))"
    assert tree_unflatten(xy, range(5)) == ([0, 1, 2], {"a": 3, "b": 4})


def test_treedef_tuple_bad_input():
    with pytest.raises(TypeError, match=r"treedef_tuple: element 1 of treedefs is int"):
        treedef_tuple([tree_structure(1), 2])
    with pytest.raises(TypeError, match=r"treedef_tuple: expected an iterable of PyTreeDefs"):
        treedef_tuple(tree_structure([1]))


# ------------------------------------------------------------------ broadcast

@pytest.mark.parametrize("prefix, full, expected", [
    # recorded from jax.tree.broadcast
    ((1, 2, 3), (0, {"a": 0, "b": 0}, (0, 0)), (1, {"a": 2, "b": 2}, (3, 3))),
    (1, {"a": [0, 0], "b": None}, {"a": [1, 1], "b": None}),
    ({"a": 1, "b": 2}, {"a": [0, 0], "b": (0,)}, {"a": [1, 1], "b": (2,)}),
])
def test_broadcast_matches_jax(prefix, full, expected):
    for fn in (tree_broadcast, tree.broadcast):
        out = fn(prefix, full)
        assert out == expected and tree_structure(out) == tree_structure(expected)


def test_broadcast_is_leaf_applies_to_the_prefix():
    # JAX: ((1, 1), 2): is_leaf stops the prefix; the full tree's subtrees expand as usual
    is_pair = lambda x: isinstance(x, tuple) and x == (0, 0)  # noqa: E731
    assert tree_broadcast((1, 2), ((0, 0), 0), is_leaf=is_pair) == ((1, 1), 2)
    # and a prefix leaf by is_leaf fills a whole subtree (JAX: [(((5, 6), (5, 6)), (5, 6)), 7])
    out = tree_broadcast([(5, 6), 7], [((0, 0), 0), 0], is_leaf=lambda x: x == (5, 6))
    assert out == [(((5, 6), (5, 6)), (5, 6)), 7]


@pytest.mark.parametrize("prefix, full, message", [
    # JAX raises ValueError "pytree structure error: ..." for each of these
    ((1, 2), (0, 0, 0), r"at the root: the prefix tree's tuple has 2 children, the full "
                        r"tree's has 3"),
    ([1, 2], (0, 0), r"at the root: the prefix tree has a list node but the full tree has "
                     r"tuple"),
    ({"a": 1}, {"b": 0}, r"at the root: the dict nodes differ in metadata: \('a',\)"),
    ((1, (2, 3)), (0, 0), r"at key path '\[1\]': the prefix tree has a tuple node but the "
                          r"full tree has int 0"),
    (None, (0, 0), r"at the root: the prefix tree has a NoneType node but the full tree has tuple"),
    ((None, 1), ((0, 0), 0), r"at key path '\[0\]': the prefix tree has a NoneType node"),
])
def test_broadcast_structure_errors(prefix, full, message):
    with pytest.raises(ValueError, match=r"tree_broadcast: pytree structure error " + message):
        tree_broadcast(prefix, full)
    assert tree_broadcast(1, full) == tree_map(lambda _: 1, full)  # the next call works


def test_broadcast_result_under_jit_and_vmap():
    scales = {"w": 2.0, "b": 3.0}
    params = {"w": [np.ones(3), np.ones(2)], "b": np.arange(3.0)}

    def scaled(params, scales):
        return tree_map(operator.mul, tree_broadcast(scales, params), params)

    out = fungrad.jit(scaled)(params, scales)
    np.testing.assert_allclose(out["w"][1], 2.0 * np.ones(2))
    np.testing.assert_allclose(out["b"], 3.0 * np.arange(3.0))
    batched = fungrad.vmap(lambda x: tree_broadcast(x, (0, [0, 0])))(np.arange(3.0))
    for leaf in tree_leaves(batched):
        np.testing.assert_allclose(leaf, np.arange(3.0))


def test_transpose_checks_the_outer_structure():
    assert tree_transpose(tree_structure([0, 0]), tree_structure((0, 0)),
                          [(1, 2), (3, 4)]) == ([1, 3], [2, 4])
    with pytest.raises(ValueError, match=r"tree_transpose: pytree structure error at the "
                                         r"root: the prefix tree has a list node"):
        tree_transpose(tree_structure([0, 0]), None, ((1, 2), (3, 4)))


# ------------------------------------------------------------------ reduce_associative

@pytest.mark.parametrize("operation, tree_, kwargs, expected", [
    # recorded from jax.tree.reduce_associative
    (operator.add, [1, (2, 3), [4, 5, 6]], {}, 21),
    (operator.add, [], {"identity": 0}, 0),
    (operator.add, [None, ()], {"identity": 7}, 7),
    (operator.add, [4], {"identity": 7}, 4),
    (lambda a, b: f"({a}{b})", list("abcde"), {}, "((ab)(c(de)))"),
    (lambda a, b: f"({a}{b})", list("abcdefg"), {}, "((a(bc))((de)(fg)))"),
    (operator.add, [(1, 2), (3,)], {"is_leaf": lambda x: isinstance(x, tuple)}, (1, 2, 3)),
    (operator.mul, {"a": 2, "b": [3, 4]}, {}, 24),
])
def test_reduce_associative_matches_jax(operation, tree_, kwargs, expected):
    assert tree_reduce_associative(operation, tree_, **kwargs) == expected
    assert tree.reduce_associative(operation, tree_, **kwargs) == expected


def test_reduce_associative_pairing_is_balanced():
    # each leaf sits at depth floor/ceil(log2 n), as in JAX's parallel reduction
    pairs = tree_reduce_associative(lambda a, b: (a, b), list(range(8)))
    assert pairs == (((0, 1), (2, 3)), ((4, 5), (6, 7)))


def test_reduce_associative_of_an_empty_tree_needs_identity():
    # JAX: TypeError: Must specify identity for parallel reduction of empty sequence.
    for empty in ([], {}, (None,)):
        with pytest.raises(TypeError, match=r"tree_reduce_associative: the tree has no "
                                            r"leaves; must specify identity"):
            tree_reduce_associative(operator.add, empty)
    assert tree_reduce_associative(operator.add, [1, 2]) == 3


def test_reduce_associative_differentiates():
    def total(x):
        return tree_reduce_associative(operator.add, {"a": x * x, "b": [fnp.sin(x), x]})

    x = np.array([0.3, -1.2])
    np.testing.assert_allclose(fungrad.jit(total)(x), x * x + np.sin(x) + x)
    assert_derivatives(lambda x: fnp.sum(total(x)), (x,))


# ------------------------------------------------------------------ classes with keys

def test_keys_class_paths_and_structure_match_jax():
    # JAX: [('.x', 1), ('.y[0]', 2), ('.y[1]', 3)]
    got = [(keystr(p), v) for p, v in tree_leaves_with_path(Special(1, [2, 3]))]
    assert got == [(".x", 1), (".y[0]", 2), (".y[1]", 3)]
    leaves, treedef = tree_flatten(Special(1, 2))
    out = tree_unflatten(treedef, [10, 20])
    assert leaves == [1, 2] and isinstance(out, Special) and (out.x, out.y) == (10, 20)


def test_keys_class_flows_through_jit_grad_and_vmap():
    def loss(s):
        return s.factor * fnp.sum(s.w ** 2)

    s = Scaled(np.array([1.0, -2.0, 0.5]), 3.0)
    g = fungrad.jit(fungrad.grad(loss))(s)
    assert isinstance(g, Scaled) and g.factor == 3.0
    np.testing.assert_allclose(g.w, 6.0 * s.w)
    out = fungrad.vmap(lambda sp: Special(sp.x * 2.0, sp.y + 1.0))(
        Special(np.arange(3.0), np.ones(3)))
    np.testing.assert_allclose(out.x, 2.0 * np.arange(3.0))
    np.testing.assert_allclose(out.y, 2.0 * np.ones(3))
    assert_derivatives(lambda w: loss(Scaled(w, 3.0)), (s.w,))


def test_keys_class_bad_input():
    class NoUnflatten:
        def tree_flatten_with_keys(self):
            return (), None

    with pytest.raises(TypeError, match=r"register_pytree_with_keys_class: class NoUnflatten "
                                        r"has no tree_unflatten method"):
        register_pytree_with_keys_class(NoUnflatten)
    with pytest.raises(TypeError, match=r"register_pytree_with_keys_class: expected a class, "
                                        r"got int"):
        register_pytree_with_keys_class(3)
    assert not is_tree_node(NoUnflatten)  # a failed registration leaves no trace


# ------------------------------------------------------------------ static fields

@register_dataclass
@dataclasses.dataclass
class MyOp:
    """JAX's docstring example for jax.tree.static."""

    x: Any
    y: Any
    op: str = tree.static(default="add")


def test_static_field_is_aux_data_as_in_jax():
    # JAX: ([1.0, 2.0], PyTreeDef(CustomNode(MyOp[('add',)], [*, *])))
    leaves, treedef = tree_flatten(MyOp(1.0, 2.0))
    assert leaves == [1.0, 2.0] and treedef.node_data == ("add",)
    assert tree_unflatten(treedef, [3.0, 4.0]) == MyOp(3.0, 4.0, "add")
    # JAX: metadata mappingproxy({'static': True, 'a': 1}) for static(metadata={'a': 1})
    field = static(default=1, metadata={"a": 1})
    assert dict(field.metadata) == {"static": True, "a": 1} and field.default == 1


def test_static_field_is_part_of_the_jit_signature():
    traces = []

    @fungrad.jit
    def apply(m):
        traces.append(m.op)
        return m.x + m.y if m.op == "add" else m.x * m.y

    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(apply(MyOp(x, y)), x + y)
    np.testing.assert_allclose(apply(MyOp(x, y, "mul")), x * y)
    np.testing.assert_allclose(apply(MyOp(y, x)), x + y)
    assert traces == ["add", "mul"]  # the op string is static: one trace per value
    g = fungrad.grad(lambda m: fnp.sum(m.x * m.y))(MyOp(x, y, "mul"))
    assert g.op == "mul"
    np.testing.assert_allclose(g.x, y)


# ------------------------------------------------------------------ the registry

def test_default_registry_matches_jax():
    # JAX's default_registry: flatten({'b':1,'a':2}) -> ([2, 1], PyTreeDef({'a': *, 'b': *}));
    # flatten_one_level -> ((2, 1), ('a', 'b')); None for a leaf; is_node(tuple) True
    leaves, treedef = default_registry.flatten({"b": 1, "a": 2})
    assert leaves == [2, 1] and repr(treedef) == "PyTreeDef({'a': *, 'b': *})"
    kids, aux = default_registry.flatten_one_level({"b": 1, "a": 2})
    assert list(kids) == [2, 1] and aux == ("a", "b")
    assert default_registry.flatten_one_level(1.0) is None
    assert default_registry.flatten_one_level_with_keys(1.0) is None
    assert default_registry.is_node(tuple) and not default_registry.is_node(float)
    pairs, _ = default_registry.flatten_with_path([1, (2,)])
    assert pairs == [((SequenceKey(0),), 1), ((SequenceKey(1), SequenceKey(0)), 2)]
    assert isinstance(treedef, PyTreeDef)


def test_default_registry_registers_for_every_function():
    class Box:
        def __init__(self, v):
            self.v = v

    default_registry.register_node(Box, lambda b: ((b.v,), None), lambda _, c: Box(*c),
                                   lambda b: (((GetAttrKey("v"), b.v),), None))
    assert is_tree_node(Box)
    assert [keystr(p) for p, _ in tree_leaves_with_path(Box(1.0))] == [".v"]
    out = fungrad.jit(lambda b: Box(b.v * 2.0))(Box(np.array(1.5)))
    assert isinstance(out, Box) and float(out.v) == 3.0


def test_keystr_simple_and_separator_match_jax():
    # strings recorded from jax 0.10.2's keystr on the same path
    from fungrad.tree_util import DictKey, FlattenedIndexKey, GetAttrKey, SequenceKey
    path = (DictKey("a"), DictKey(0), SequenceKey(1), GetAttrKey("w"), FlattenedIndexKey(2),
            DictKey("x y"))
    assert keystr(path, simple=True) == "a01w2x y"
    assert keystr(path, simple=True, separator="/") == "a/0/1/w/2/x y"
    assert keystr(path, separator="/") == "['a']/[0]/[1]/.w/[<flat index 2>]/['x y']"
    assert keystr(("plain", 3), simple=True, separator=".") == "plain.3"
    assert keystr((), simple=True) == ""
    params = {"foo": {"bar": {"baz": 1, "bat": [2, 3]}}}
    assert [keystr(p, simple=True, separator="/") for p, _ in tree_leaves_with_path(params)] \
        == ["foo/bar/bat/0", "foo/bar/bat/1", "foo/bar/baz"]
    with pytest.raises(TypeError, match="separator must be a str"):
        keystr(path, separator=1)


def test_tree_map_takes_the_first_tree_as_a_prefix_of_the_rest():
    # JAX's docstring example (tree.map), and its errors when the first tree is no prefix
    assert fungrad.tree.map(lambda x, y: [x] + y, [5, 6], [[7, 9], [1, 2]]) == \
        [[5, 7, 9], [6, 1, 2]]
    # the same structure still pairs leaf with leaf; a prefix pairs a leaf with a subtree
    assert fungrad.tree_util.tree_map(lambda x, y: (x, y), {"a": 1}, {"a": {"b": 2}}) == \
        {"a": (1, {"b": 2})}
    with pytest.raises(ValueError, match="tree_map: pytree structure error at the root: the "
                                         "prefix tree's list has 2 children"):
        fungrad.tree.map(lambda x, y: x, [5, 6], [[7, 9]])
    with pytest.raises(ValueError, match="prefix tree has a list node but the full tree has"):
        fungrad.tree.map(lambda x, y: x, [5, 6], {"a": 1})
    with pytest.raises(ValueError, match="differ in metadata"):
        fungrad.tree.map(lambda x, y: x, {"a": 1, "b": 2}, {"a": 1, "c": 2})
    # under a transform the leaves are tracers; the prefix form flattens the same way
    got = fungrad.grad(lambda w: fungrad.tree.map(lambda a, b: a * b[0] * b[1], w,
                                                  [(2.0, 3.0)])[0])([1.5])
    assert got == [6.0]
