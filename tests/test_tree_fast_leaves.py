"""tree_flatten/tree_unflatten take array and scalar children of a node without a call of
their own: checked against the general path (an ``is_leaf`` that never fires takes it) on
the same trees, and through value_and_grad where a changed structure must give a fresh
result."""
import collections

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import tree_util
from fungrad.tree_util import tree_flatten, tree_unflatten

TREES = [
    {"W": np.ones((2, 3)), "b": np.zeros(3, np.float32)},
    (np.ones(2), 1.0, 2, True, 1j, np.float32(3.0), np.int32(4), np.bool_(False)),
    [{"a": np.ones(1)}, (np.float64(2.0), None), [np.float16(1.0), np.complex64(1j)]],
    collections.OrderedDict(z=np.ones(2), a=(3.0, "leaf string")),
    {"nested": {"deep": (np.arange(3), [np.eye(2)])}, "x": 5},
    (),
    {},
]


@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_fast_flatten_matches_the_general_path(tree):
    leaves, treedef = tree_flatten(tree)
    general_leaves, general_def = tree_flatten(tree, is_leaf=lambda x: False)
    assert treedef == general_def
    assert len(leaves) == len(general_leaves) == treedef.num_leaves
    for a, b in zip(leaves, general_leaves):
        assert a is b  # the same objects, in the same order
    rebuilt = tree_unflatten(treedef, leaves)
    assert tree_flatten(rebuilt)[1] == treedef
    for a, b in zip(tree_flatten(rebuilt)[0], leaves):
        assert a is b
    assert type(rebuilt) is type(tree)


def test_unflatten_with_the_wrong_number_of_leaves_still_raises():
    _, treedef = tree_flatten({"a": np.ones(2), "b": (1.0, 2.0)})
    with pytest.raises(ValueError, match="has 3 leaves, got 2"):
        tree_unflatten(treedef, [1, 2])


def test_a_plain_leaf_type_registered_as_a_node_is_flattened_as_one():
    # the fast path must not take a type someone registered as a node for a leaf
    class Wrapped(float):
        pass

    assert Wrapped not in tree_util._PLAIN_LEAF_TYPES
    saved = tree_util._registry.get(np.float16)
    tree_util.register_pytree_node(np.float16, lambda x: ((float(x),), None),
                                   lambda _, c: np.float16(c[0]))
    try:
        leaves, treedef = tree_flatten({"h": np.float16(1.5), "x": 2.0})
        assert leaves == [1.5, 2.0] and type(leaves[0]) is float
        assert type(tree_unflatten(treedef, leaves)["h"]) is np.float16
    finally:
        if saved is None:
            del tree_util._registry[np.float16]
        else:
            tree_util._registry[np.float16] = saved
    leaves, _ = tree_flatten({"h": np.float16(1.5)})
    assert type(leaves[0]) is np.float16


def test_value_and_grad_of_a_dict_matches_the_leaf_by_leaf_gradient():
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2).astype(np.float32)}
    x = rng.normal(size=(4, 3))

    def loss(p, x):
        return fnp.sum(fnp.tanh(x @ p["W"] + p["b"]) ** 2)

    for _ in range(3):  # the later calls run the compiled backward pass
        val, g = fungrad.value_and_grad(loss)(params, x)
        gw = fungrad.grad(lambda w: loss({"W": w, "b": params["b"]}, x))(params["W"])
        gb = fungrad.grad(lambda b: loss({"W": params["W"], "b": b}, x))(params["b"])
        assert sorted(g) == ["W", "b"]
        np.testing.assert_allclose(g["W"], gw, rtol=1e-12)
        np.testing.assert_allclose(g["b"], gb, rtol=1e-6)
        assert g["W"].dtype == np.float64 and g["b"].dtype == np.float32
        np.testing.assert_allclose(val, np.sum(np.tanh(x @ params["W"] + params["b"]) ** 2))
    # a changed structure (another key, other shapes) gives a fresh, correct result
    bigger = {"W": rng.normal(size=(3, 5)), "b": rng.normal(size=5), "c": np.float64(2.0)}
    val, g = fungrad.value_and_grad(
        lambda p, x: fnp.sum(fnp.tanh(x @ p["W"] + p["b"]) ** 2) * p["c"])(bigger, x)
    t = np.tanh(x @ bigger["W"] + bigger["b"])
    np.testing.assert_allclose(g["c"], np.sum(t ** 2), rtol=1e-12)
    np.testing.assert_allclose(g["b"], (2 * t * (1 - t ** 2)).sum(0) * 2.0, rtol=1e-12)
    assert g["W"].shape == (3, 5)


def test_a_non_array_leaf_in_the_arguments_is_still_refused():
    with pytest.raises(TypeError, match="argument leaf 1"):
        fungrad.grad(lambda p: fnp.sum(p["a"]))({"a": np.ones(2), "b": "text"})
