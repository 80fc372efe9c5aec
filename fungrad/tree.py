"""``fungrad.tree`` (``jax.tree``): the pytree functions under short names.

>>> import fungrad
>>> fungrad.tree.map(lambda x: x * 2, {"a": 1, "b": (2, 3)})
{'a': 2, 'b': (4, 6)}
>>> fungrad.tree.leaves([1, None, (2,)])
[1, 2]
"""
from __future__ import annotations

from typing import Any, Callable

from fungrad import tree_util
from fungrad.tree_util import PyTreeDef

__all__ = ["all", "broadcast", "flatten", "flatten_with_path", "leaves", "leaves_with_path",
           "map", "map_with_path", "reduce", "reduce_associative", "static", "structure",
           "transpose", "unflatten"]


def map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None) -> Any:  # noqa: A001
    """``tree_util.tree_map``.

    >>> map(lambda x, y: x + y, [1, 2], [10, 20])
    [11, 22]
    """
    return tree_util.tree_map(f, tree, *rest, is_leaf=is_leaf)


def leaves(tree: Any, is_leaf: Callable | None = None) -> list:
    """``tree_util.tree_leaves``.

    >>> leaves({"b": 2, "a": 1})
    [1, 2]
    """
    return tree_util.tree_leaves(tree, is_leaf)


def structure(tree: Any, is_leaf: Callable | None = None) -> PyTreeDef:
    """``tree_util.tree_structure``.

    >>> structure((1, [2]))
    PyTreeDef((*, [*]))
    """
    return tree_util.tree_structure(tree, is_leaf)


def flatten(tree: Any, is_leaf: Callable | None = None) -> tuple[list, PyTreeDef]:
    """``tree_util.tree_flatten``.

    >>> flatten([1, (2, 3)])
    ([1, 2, 3], PyTreeDef([*, (*, *)]))
    """
    return tree_util.tree_flatten(tree, is_leaf)


def unflatten(treedef: PyTreeDef, leaves: Any) -> Any:  # noqa: F811
    """``tree_util.tree_unflatten``.

    >>> unflatten(structure((0, 0)), [5, 6])
    (5, 6)
    """
    return tree_util.tree_unflatten(treedef, leaves)


def reduce(function: Callable, tree: Any, initializer: Any = tree_util._NO_INITIAL,
           is_leaf: Callable | None = None) -> Any:
    """``tree_util.tree_reduce``.

    >>> reduce(lambda a, b: a * b, [2, (3, 4)])
    24
    """
    return tree_util.tree_reduce(function, tree, initializer, is_leaf)


def transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
              pytree_to_transpose: Any) -> Any:
    """``tree_util.tree_transpose``.

    >>> transpose(structure([0, 0]), None, [{"a": 1}, {"a": 2}])
    {'a': [1, 2]}
    """
    return tree_util.tree_transpose(outer_treedef, inner_treedef, pytree_to_transpose)


def all(tree: Any, *, is_leaf: Callable | None = None) -> bool:  # noqa: A001
    """``tree_util.tree_all``.

    >>> all([1, (True,)]), all([1, 0])
    (True, False)
    """
    return tree_util.tree_all(tree, is_leaf=is_leaf)


def flatten_with_path(tree: Any, is_leaf: Callable | None = None):
    """``tree_util.tree_flatten_with_path``.

    >>> [tree_util.keystr(p) for p, _ in flatten_with_path({"w": [0.5]})[0]]
    ["['w'][0]"]
    """
    return tree_util.tree_flatten_with_path(tree, is_leaf)


def leaves_with_path(tree: Any, is_leaf: Callable | None = None) -> list:
    """``tree_util.tree_leaves_with_path``.

    >>> [(tree_util.keystr(p), x) for p, x in leaves_with_path((7,))]
    [('[0]', 7)]
    """
    return tree_util.tree_leaves_with_path(tree, is_leaf)


def map_with_path(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None) -> Any:
    """``tree_util.tree_map_with_path``.

    >>> map_with_path(lambda p, x: len(p) * x, [1, [2]])
    [1, [4]]
    """
    return tree_util.tree_map_with_path(f, tree, *rest, is_leaf=is_leaf)


def broadcast(prefix_tree: Any, full_tree: Any, is_leaf: Callable | None = None) -> Any:
    """``tree_util.tree_broadcast``.

    >>> broadcast({"a": 1, "b": 2}, {"a": [0, 0], "b": (0,)})
    {'a': [1, 1], 'b': (2,)}
    """
    return tree_util.tree_broadcast(prefix_tree, full_tree, is_leaf)


def reduce_associative(operation: Callable, tree: Any, *,
                       identity: Any = tree_util._NO_INITIAL,
                       is_leaf: Callable | None = None) -> Any:
    """``tree_util.tree_reduce_associative``.

    >>> reduce_associative(lambda a, b: a * b, {"a": 2, "b": [3, 4]})
    24
    """
    return tree_util.tree_reduce_associative(operation, tree, identity=identity,
                                             is_leaf=is_leaf)


def static(**kwargs: Any) -> Any:
    """``tree_util.static``: a dataclass field kept as static aux data.

    >>> static(default="add").metadata["static"]
    True
    """
    return tree_util.static(**kwargs)
