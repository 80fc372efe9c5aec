"""Pytrees: nested containers (tuples, lists, dicts, namedtuples, None, registered classes)
whose leaves are arrays. Every transform flattens its inputs and outputs with these.

>>> leaves, treedef = tree_flatten({"b": (1, 2), "a": [3]})
>>> leaves
[3, 1, 2]
>>> tree_unflatten(treedef, [x * 10 for x in leaves])
{'a': [30], 'b': (10, 20)}
"""
from __future__ import annotations

import collections
import dataclasses
from typing import Any, Callable, Hashable, Iterable, NamedTuple

__all__ = ["PyTreeDef", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves",
           "tree_structure", "register_pytree_node", "register_dataclass", "treedef_is_leaf"]


class _NodeType(NamedTuple):
    to_iterable: Callable[[Any], tuple[Iterable, Hashable]]
    from_iterable: Callable[[Hashable, Iterable], Any]


_registry: dict[type, _NodeType] = {}


def register_pytree_node(nodetype: type, flatten_func: Callable, unflatten_func: Callable):
    """Make ``nodetype`` a pytree node: ``flatten_func(x) -> (children, aux_data)`` and
    ``unflatten_func(aux_data, children) -> x``.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    >>> tree_leaves(Pair(1, (2, 3)))
    [1, 2, 3]
    """
    _registry[nodetype] = _NodeType(flatten_func, unflatten_func)


def register_dataclass(nodetype: type, data_fields: list[str] | None = None,
                       meta_fields: list[str] | None = None):
    """Register a dataclass: ``data_fields`` are children, ``meta_fields`` static aux data.

    >>> @dataclasses.dataclass
    ... class Params:
    ...     w: Any
    ...     name: str
    >>> _ = register_dataclass(Params, ["w"], ["name"])
    >>> tree_leaves(Params(w=1.0, name="layer"))
    [1.0]
    """
    meta_fields = list(meta_fields or [])
    if data_fields is None:  # the fields not listed in meta_fields are data
        data_fields = [f.name for f in dataclasses.fields(nodetype)
                       if f.name not in meta_fields]

    def flatten(x):
        return ([getattr(x, f) for f in data_fields],
                tuple(getattr(x, f) for f in meta_fields))

    def unflatten(meta, children):
        return nodetype(**dict(zip(data_fields, children)), **dict(zip(meta_fields, meta)))

    register_pytree_node(nodetype, flatten, unflatten)
    return nodetype


register_pytree_node(tuple, lambda t: (t, None), lambda _, c: tuple(c))
register_pytree_node(list, lambda t: (t, None), lambda _, c: list(c))
register_pytree_node(type(None), lambda _: ((), None), lambda _, c: None)


def _dict_flatten(d):
    keys = sorted(d)
    return [d[k] for k in keys], tuple(keys)


register_pytree_node(dict, _dict_flatten, lambda keys, c: dict(zip(keys, c)))
# an OrderedDict keeps its order; a defaultdict its default factory, as in JAX
register_pytree_node(collections.OrderedDict, lambda d: (list(d.values()), tuple(d)),
                     lambda keys, c: collections.OrderedDict(zip(keys, c)))
register_pytree_node(
    collections.defaultdict,
    lambda d: ([d[k] for k in sorted(d)], (d.default_factory, tuple(sorted(d)))),
    lambda data, c: collections.defaultdict(data[0], zip(data[1], c)))


def _node_type(x) -> _NodeType | None:
    t = type(x)
    node = _registry.get(t)
    if node is None and isinstance(x, tuple) and hasattr(x, "_fields"):  # namedtuple
        node = _NodeType(lambda nt: (tuple(nt), None),
                         lambda _, c, _t=t: _t(*c))
        _registry[t] = node
    return node


class PyTreeDef:
    """The structure of a pytree (its containers), without the leaves.

    >>> treedef = tree_structure({"w": [1.0, 2.0], "b": None})
    >>> treedef
    PyTreeDef({'b': None, 'w': [*, *]})
    >>> treedef.num_leaves
    2
    >>> treedef == tree_structure({"w": [0, 0], "b": None})
    True
    """

    __slots__ = ("node_type", "node_data", "children", "num_leaves")

    def __init__(self, node_type, node_data, children):
        self.node_type = node_type
        self.node_data = node_data
        self.children = children
        self.num_leaves = 1 if node_type is None else sum(c.num_leaves for c in children)

    def __eq__(self, other):
        return (isinstance(other, PyTreeDef) and self.node_type == other.node_type
                and self.node_data == other.node_data and self.children == other.children)

    def __hash__(self):
        return hash((self.node_type, _hashable(self.node_data), tuple(self.children)))

    def __repr__(self):
        return f"PyTreeDef({self._str()})"

    def _str(self) -> str:
        if self.node_type is None:
            return "*"
        kids = ", ".join(c._str() for c in self.children)
        if self.node_type is tuple:
            return f"({kids}{',' if len(self.children) == 1 else ''})"
        if self.node_type is list:
            return f"[{kids}]"
        if self.node_type is dict:
            return "{" + ", ".join(f"{k!r}: {c._str()}"
                                   for k, c in zip(self.node_data, self.children)) + "}"
        if self.node_type is type(None):
            return "None"
        return f"{self.node_type.__name__}({kids})"


_LEAF = PyTreeDef(None, None, ())


def _hashable(data: Any) -> Any:
    """``data`` itself if it hashes, else a hashable stand-in equal for equal data (aux data
    may be a dict or a list: such a tree is still a valid ``jit`` argument)."""
    try:
        hash(data)
        return data
    except TypeError:
        pass
    if isinstance(data, dict):
        return (dict, tuple((_hashable(k), _hashable(v)) for k, v in data.items()))
    if isinstance(data, (list, tuple)):
        return (type(data), tuple(_hashable(v) for v in data))
    if isinstance(data, (set, frozenset)):
        return (frozenset, frozenset(_hashable(v) for v in data))
    return (type(data), id(data))  # equal only to itself: at worst a retrace


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Is ``treedef`` the structure of a single leaf (no container)?

    >>> treedef_is_leaf(tree_structure(1.0)), treedef_is_leaf(tree_structure([1.0]))
    (True, False)
    """
    return treedef.node_type is None


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None):
    """Split ``tree`` into its list of leaves and its structure.

    >>> tree_flatten((1, [2, None]))
    ([1, 2], PyTreeDef((*, [*, None])))
    """
    leaves: list = []
    return leaves, _flatten(tree, leaves, is_leaf)


def _flatten(x, leaves: list, is_leaf) -> PyTreeDef:
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return _LEAF
    node = _registry.get(type(x)) or _node_type(x)
    if node is None:
        leaves.append(x)
        return _LEAF
    children, data = node.to_iterable(x)
    return PyTreeDef(type(x), data, tuple([_flatten(c, leaves, is_leaf) for c in children]))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable) -> Any:
    """Rebuild a pytree of structure ``treedef`` from ``leaves``.

    >>> tree_unflatten(tree_structure((0, 0)), ["a", "b"])
    ('a', 'b')
    """
    leaves = leaves if isinstance(leaves, (list, tuple)) else list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"tree_unflatten: {treedef} has {treedef.num_leaves} leaves, got "
                         f"{len(leaves)}")
    if treedef.node_type is None:
        return leaves[0]
    return _build(treedef, leaves, [0])


def _build(td: PyTreeDef, leaves, position: list):
    if td.node_type is None:
        i = position[0]
        position[0] = i + 1
        return leaves[i]
    children = [_build(c, leaves, position) for c in td.children]
    # every node type met by tree_flatten is in the registry (namedtuples included)
    return _registry[td.node_type].from_iterable(td.node_data, children)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """The leaves of ``tree`` in order (``None`` is an empty node, not a leaf).

    >>> tree_leaves({'a': 1, 'b': (2,)})
    [1, 2]
    >>> tree_leaves([1, None, (2, 3)])
    [1, 2, 3]
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """The structure of ``tree``.

    >>> tree_structure((1, 2))
    PyTreeDef((*, *))
    """
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None) -> Any:
    """Apply ``f`` leafwise across trees of the same structure.

    >>> tree_map(lambda x, y: x + y, {"a": 1, "b": 2}, {"a": 10, "b": 20})
    {'a': 11, 'b': 22}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r, is_leaf)
        if r_def != treedef:
            raise ValueError(f"tree_map: tree structures differ: {treedef} and {r_def}")
        others.append(r_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])
