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
import functools
from typing import Any, Callable, Hashable, Iterable, NamedTuple, TypeVar

import numpy as np

from fungrad.tree_keys import (
    DictKey, FlattenedIndexKey, GetAttrKey, KeyEntry, KeyPath, SequenceKey, keystr,
)

__all__ = ["PyTreeDef", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves",
           "tree_structure", "register_pytree_node", "register_dataclass", "treedef_is_leaf",
           "register_pytree_node_class", "register_pytree_with_keys", "register_static",
           "tree_flatten_with_path", "tree_leaves_with_path", "tree_map_with_path", "keystr",
           "DictKey", "SequenceKey", "GetAttrKey", "FlattenedIndexKey", "Partial",
           "tree_reduce", "tree_transpose", "tree_all", "all_leaves", "treedef_children",
           "KeyEntry", "KeyPath", "default_registry", "PyTreeRegistry", "flatten_one_level",
           "flatten_one_level_with_keys", "is_tree_node", "register_pytree_with_keys_class",
           "tree_broadcast", "tree_reduce_associative", "treedef_tuple", "static"]


class _NodeType(NamedTuple):
    to_iterable: Callable[[Any], tuple[Iterable, Hashable]]
    from_iterable: Callable[[Hashable, Iterable], Any]
    # x -> (children's keys, for paths); None: FlattenedIndexKey(i)
    keys: Callable[[Any], Iterable] | None = None


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


def register_pytree_with_keys(nodetype: type, flatten_with_keys: Callable,
                              unflatten_func: Callable, flatten_func: Callable | None = None):
    """Register ``nodetype`` with named children: ``flatten_with_keys(x) -> (((key, child),
    ...), aux_data)``; paths then use those keys.

    >>> class Layer:
    ...     def __init__(self, w, b): self.w, self.b = w, b
    >>> register_pytree_with_keys(
    ...     Layer, lambda l: (((GetAttrKey("w"), l.w), (GetAttrKey("b"), l.b)), None),
    ...     lambda _, c: Layer(*c))
    >>> [keystr(p) for p, _ in tree_leaves_with_path(Layer(1.0, 2.0))]
    ['.w', '.b']
    """
    def flatten(x):
        pairs, aux = flatten_with_keys(x)
        return [c for _, c in pairs], aux

    def keys(x):
        return [k for k, _ in flatten_with_keys(x)[0]]

    _registry[nodetype] = _NodeType(flatten_func or flatten, unflatten_func, keys)


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: ``cls`` is a pytree through its ``tree_flatten(self) -> (children,
    aux)`` method and ``tree_unflatten(cls, aux, children)`` classmethod.

    >>> @register_pytree_node_class
    ... class Scaled:
    ...     def __init__(self, x, factor): self.x, self.factor = x, factor
    ...     def tree_flatten(self): return (self.x,), self.factor
    ...     @classmethod
    ...     def tree_unflatten(cls, factor, children): return cls(children[0], factor)
    >>> tree_map(lambda v: v + 1, Scaled(1.0, 3)).x
    2.0
    """
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_pytree_with_keys_class(cls: type) -> type:
    """Class decorator: ``cls`` is a pytree with named children through its
    ``tree_flatten_with_keys(self) -> (((key, child), ...), aux)`` method and
    ``tree_unflatten(cls, aux, children)`` classmethod (a ``tree_flatten`` method, if it has
    one, is used where keys are not needed).

    >>> @register_pytree_with_keys_class
    ... class Special:
    ...     def __init__(self, x, y): self.x, self.y = x, y
    ...     def tree_flatten_with_keys(self):
    ...         return ((GetAttrKey("x"), self.x), (GetAttrKey("y"), self.y)), None
    ...     @classmethod
    ...     def tree_unflatten(cls, aux, children): return cls(*children)
    >>> [(keystr(p), v) for p, v in tree_leaves_with_path(Special(1, [2, 3]))]
    [('.x', 1), ('.y[0]', 2), ('.y[1]', 3)]
    """
    if not isinstance(cls, type):
        raise TypeError(f"register_pytree_with_keys_class: expected a class, got "
                        f"{type(cls).__name__} {cls!r}")
    missing = [m for m in ("tree_flatten_with_keys", "tree_unflatten") if not hasattr(cls, m)]
    if missing:
        raise TypeError(f"register_pytree_with_keys_class: class {cls.__name__} has no "
                        f"{' or '.join(missing)} method; it needs tree_flatten_with_keys(self) "
                        f"and the classmethod tree_unflatten(cls, aux_data, children)")
    flatten = (lambda x: x.tree_flatten()) if hasattr(cls, "tree_flatten") else None
    register_pytree_with_keys(cls, lambda x: x.tree_flatten_with_keys(), cls.tree_unflatten,
                              flatten)
    return cls


def register_static(cls: type) -> type:
    """Make instances of ``cls`` empty pytrees: the whole object is static aux data (it must
    be hashable), so ``jit`` treats it as part of the signature.

    >>> @register_static
    ... class Config:
    ...     def __init__(self, n): self.n = n
    ...     def __hash__(self): return hash(self.n)
    ...     def __eq__(self, other): return isinstance(other, Config) and other.n == self.n
    >>> tree_leaves([1.0, Config(3)])
    [1.0]
    """
    register_pytree_node(cls, lambda x: ((), x), lambda x, _: x)
    return cls


def static(**kwargs: Any) -> Any:
    """A ``dataclasses.field(**kwargs)`` marked ``metadata["static"] = True``: a field that
    :func:`register_dataclass` (given no field lists) keeps as static aux data, not a leaf.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Op:
    ...     x: Any
    ...     kind: str = static(default="add")
    >>> tree_flatten(Op(1.0))
    ([1.0], PyTreeDef(Op(*)))
    >>> tree_structure(Op(1.0)) == tree_structure(Op(2.0, "mul"))
    False
    """
    metadata = {"static": True, **dict(kwargs.pop("metadata", None) or {})}
    return dataclasses.field(metadata=metadata, **kwargs)


def register_dataclass(nodetype: type, data_fields: list[str] | None = None,
                       meta_fields: list[str] | None = None):
    """Register a dataclass: ``data_fields`` are children, ``meta_fields`` static aux data.
    Given neither, the fields declared with :func:`static` are meta and the others data.

    >>> @dataclasses.dataclass
    ... class Params:
    ...     w: Any
    ...     name: str
    >>> _ = register_dataclass(Params, ["w"], ["name"])
    >>> tree_leaves(Params(w=1.0, name="layer"))
    [1.0]
    """
    if meta_fields is None:  # fields declared with ``static()`` are meta, as in JAX
        meta_fields = ([f.name for f in dataclasses.fields(nodetype)
                        if f.metadata.get("static", False)] if data_fields is None else [])
    meta_fields = list(meta_fields)
    if data_fields is None:  # the fields not listed in meta_fields are data
        data_fields = [f.name for f in dataclasses.fields(nodetype)
                       if f.name not in meta_fields]

    def flatten(x):
        return ([getattr(x, f) for f in data_fields],
                tuple(getattr(x, f) for f in meta_fields))

    def unflatten(meta, children):
        return nodetype(**dict(zip(data_fields, children)), **dict(zip(meta_fields, meta)))

    keys = [GetAttrKey(f) for f in data_fields]
    _registry[nodetype] = _NodeType(flatten, unflatten, lambda x: keys)
    return nodetype


def _sequence_keys(x):
    return [SequenceKey(i) for i in range(len(x))]


_registry[tuple] = _NodeType(lambda t: (t, None), lambda _, c: tuple(c), _sequence_keys)
_registry[list] = _NodeType(lambda t: (t, None), lambda _, c: list(c), _sequence_keys)
register_pytree_node(type(None), lambda _: ((), None), lambda _, c: None)


def _sorted_keys(d) -> list:
    """A dict's keys in sorted order (a pytree's structure must not depend on insertion
    order); keys with no order between them are a clear error, as in JAX."""
    try:
        return sorted(d)
    except TypeError as e:
        raise ValueError(f"pytree flattening sorts a dict's keys, and these cannot be "
                         f"sorted: {list(d)!r} ({e}). Use keys of one comparable type, or a "
                         f"collections.OrderedDict to keep insertion order.") from None


def _dict_flatten(d):
    keys = _sorted_keys(d)
    return tuple(map(d.__getitem__, keys)), tuple(keys)


_registry[dict] = _NodeType(_dict_flatten, lambda keys, c: dict(zip(keys, c)),
                           lambda d: [DictKey(k) for k in _sorted_keys(d)])
# an OrderedDict keeps its order; a defaultdict its default factory, as in JAX
_registry[collections.OrderedDict] = _NodeType(
    lambda d: (list(d.values()), tuple(d)),
    lambda keys, c: collections.OrderedDict(zip(keys, c)), lambda d: [DictKey(k) for k in d])
_registry[collections.defaultdict] = _NodeType(
    lambda d: ([d[k] for k in _sorted_keys(d)], (d.default_factory, tuple(_sorted_keys(d)))),
    lambda data, c: collections.defaultdict(data[0], zip(data[1], c)),
    lambda d: [DictKey(k) for k in _sorted_keys(d)])


def _node_type(x) -> _NodeType | None:
    t = type(x)
    node = _registry.get(t)
    if node is None and isinstance(x, tuple) and hasattr(x, "_fields"):  # namedtuple
        node = _NodeType(lambda nt: (tuple(nt), None),
                         lambda _, c, _t=t: _t(*c),
                         lambda nt: [GetAttrKey(f) for f in nt._fields])
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
        n = 1
        if node_type is not None:  # a loop, not sum() of a generator: no generator frame
            n = 0
            for c in children:
                n += c.num_leaves
        self.num_leaves = n

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


# types whose values _flatten takes as leaves without a call of its own (they are leaves
# unless someone registers one of them as a node, which _flatten checks)
_PLAIN_LEAF_TYPES = frozenset({np.ndarray, float, int, complex, bool, np.float64, np.float32,
                               np.float16, np.int64, np.int32, np.complex128, np.complex64,
                               np.bool_})


def _flatten(x, leaves: list, is_leaf) -> PyTreeDef:
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return _LEAF
    node = _registry.get(type(x)) or _node_type(x)
    if node is None:
        leaves.append(x)
        return _LEAF
    children, data = node.to_iterable(x)
    if is_leaf is not None:
        return PyTreeDef(type(x), data, tuple([_flatten(c, leaves, is_leaf) for c in children]))
    subtrees = []
    for c in children:
        t = type(c)
        # an array or scalar child is a leaf (unless registered as a node): one call
        # less per leaf of the usual dict or tuple of arrays
        if t in _PLAIN_LEAF_TYPES and t not in _registry:
            leaves.append(c)
            subtrees.append(_LEAF)
        else:
            subtrees.append(_flatten(c, leaves, None))
    return PyTreeDef(type(x), data, tuple(subtrees))


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
    children = []
    for c in td.children:
        if c.node_type is None:  # a leaf, taken here (one call less per leaf)
            i = position[0]
            position[0] = i + 1
            children.append(leaves[i])
        else:
            children.append(_build(c, leaves, position))
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
    """Apply ``f`` leafwise across trees: ``tree`` gives the structure, and each of ``rest``
    must have it or have it as a prefix (then ``f`` gets the whole subtree there).

    >>> tree_map(lambda x, y: x + y, {"a": 1, "b": 2}, {"a": 10, "b": 20})
    {'a': 11, 'b': 22}
    >>> tree_map(lambda x, y: [x] + y, [5, 6], [[7, 9], [1, 2]])
    [[5, 7, 9], [6, 1, 2]]
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r, is_leaf)
        if r_def != treedef:  # tree may be a prefix of r: f gets r's subtrees at its leaves
            r_leaves = _flatten_up_to(treedef, r, "tree_map")
        others.append(r_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


# ---------------------------------------------------------------------------------------------
# Paths, reductions, transposition
# ---------------------------------------------------------------------------------------------

def tree_flatten_with_path(tree: Any, is_leaf: Callable[[Any], bool] | None = None):
    """Like ``tree_flatten``, each leaf paired with its path (a tuple of keys).

    >>> pairs, _ = tree_flatten_with_path({"b": [1, 2], "a": 3})
    >>> [(keystr(p), leaf) for p, leaf in pairs]
    [("['a']", 3), ("['b'][0]", 1), ("['b'][1]", 2)]
    """
    pairs: list = []
    todo = [((), tree)]
    while todo:  # depth first, children in order
        path, x = todo.pop()
        if is_leaf is not None and is_leaf(x):
            pairs.append((path, x))
            continue
        node = _registry.get(type(x)) or _node_type(x)
        if node is None:
            pairs.append((path, x))
            continue
        keyed, _ = _keyed_children(node, x)
        todo.extend(reversed([(path + (k,), c) for k, c in keyed]))
    return pairs, tree_structure(tree, is_leaf)


def _keyed_children(node: _NodeType, x: Any) -> tuple[list, Hashable]:
    """The ``(key, child)`` pairs of the node ``x`` and its aux data."""
    children, data = node.to_iterable(x)
    children = list(children)
    keys = (list(node.keys(x)) if node.keys is not None
            else [FlattenedIndexKey(i) for i in range(len(children))])
    return list(zip(keys, children)), data


def tree_leaves_with_path(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """The ``(path, leaf)`` pairs of ``tree``.

    >>> [(keystr(p), x) for p, x in tree_leaves_with_path((1.0, {"k": 2.0}))]
    [('[0]', 1.0), ("[1]['k']", 2.0)]
    """
    return tree_flatten_with_path(tree, is_leaf)[0]


def tree_map_with_path(f: Callable, tree: Any, *rest: Any,
                       is_leaf: Callable | None = None) -> Any:
    """``tree_map`` whose ``f`` also receives each leaf's path first.

    >>> tree_map_with_path(lambda p, x: f"{keystr(p)}={x}", {"w": 1, "b": 2})
    {'b': "['b']=2", 'w': "['w']=1"}
    """
    pairs, treedef = tree_flatten_with_path(tree, is_leaf)
    others = [_leaves_like(treedef, r, is_leaf) for r in rest]
    return tree_unflatten(treedef, [f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)])


def _leaves_like(treedef: PyTreeDef, tree: Any, is_leaf) -> list:
    leaves, other = tree_flatten(tree, is_leaf)
    if other != treedef:
        raise ValueError(f"tree structures differ: {treedef} and {other}")
    return leaves


_NO_INITIAL = object()


def tree_reduce(function: Callable, tree: Any, initializer: Any = _NO_INITIAL,
                is_leaf: Callable | None = None) -> Any:
    """``functools.reduce(function, leaves[, initializer])`` over the leaves of ``tree``.

    >>> tree_reduce(lambda a, b: a + b, {"x": 1, "y": [2, 3]})
    6
    >>> tree_reduce(max, [], initializer=0)
    0
    """
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIAL:
        if not leaves:
            raise TypeError("tree_reduce() of a tree with no leaves and no initializer")
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree: Any, *, is_leaf: Callable | None = None) -> bool:
    """Are all leaves truthy?

    >>> tree_all([True, {"a": True}]), tree_all([True, (False,)])
    (True, False)
    """
    return all(tree_leaves(tree, is_leaf))


def all_leaves(iterable: Iterable, is_leaf: Callable | None = None) -> bool:
    """Is every element of ``iterable`` a leaf (no container)?

    >>> all_leaves([1.0, "a"]), all_leaves([1.0, (2.0,)])
    (True, False)
    """
    return all(treedef_is_leaf(tree_structure(x, is_leaf)) for x in iterable)


def treedef_children(treedef: PyTreeDef) -> list:
    """The structures of the children of the root node.

    >>> treedef_children(tree_structure((1, [2, 3])))
    [PyTreeDef(*), PyTreeDef([*, *])]
    """
    return list(treedef.children)


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
                   pytree_to_transpose: Any) -> Any:
    """Turn a tree of structure outer-of-inner into one of inner-of-outer.

    >>> tree_transpose(tree_structure([0, 0]), tree_structure((0, 0)), [(1, 2), (3, 4)])
    ([1, 3], [2, 4])
    """
    if inner_treedef is None:  # inferred from the first inner tree
        inner_treedef = tree_structure(_flatten_up_to(outer_treedef, pytree_to_transpose)[0])
    flat, treedef = tree_flatten(pytree_to_transpose)
    n_in, n_out = inner_treedef.num_leaves, outer_treedef.num_leaves
    if treedef.num_leaves != n_in * n_out:
        raise TypeError(f"tree_transpose: the tree has {treedef.num_leaves} leaves, expected "
                        f"{n_out} outer x {n_in} inner for {outer_treedef} of {inner_treedef}")
    rows = [flat[i * n_in:(i + 1) * n_in] for i in range(n_out)]
    columns = [tree_unflatten(outer_treedef, [row[j] for row in rows]) for j in range(n_in)]
    return tree_unflatten(inner_treedef, columns)


def _flatten_up_to(treedef: PyTreeDef, tree: Any, who: str = "tree_transpose") -> list:
    """The subtrees of ``tree`` at the leaves of ``treedef``, which must be a prefix of
    ``tree``'s structure; else a ValueError naming ``who`` and the path where they part."""
    subtrees: list = []
    todo = [((), treedef, tree)]
    while todo:
        path, td, x = todo.pop()
        if td.node_type is None:
            subtrees.append(x)
            continue
        where = f"at key path {keystr(path)!r}" if path else "at the root"
        if type(x) is not td.node_type:
            raise ValueError(f"{who}: pytree structure error {where}: the prefix tree has a "
                             f"{td.node_type.__name__} node but the full tree has "
                             f"{type(x).__name__} {x!r}")
        keyed, data = _keyed_children(_registry.get(type(x)) or _node_type(x), x)
        if len(keyed) != len(td.children):
            raise ValueError(f"{who}: pytree structure error {where}: the prefix tree's "
                             f"{td.node_type.__name__} has {len(td.children)} children, the "
                             f"full tree's has {len(keyed)}")
        if not _hashable(data) == _hashable(td.node_data):
            raise ValueError(f"{who}: pytree structure error {where}: the {td.node_type.__name__}"
                             f" nodes differ in metadata: {td.node_data!r} in the prefix tree,"
                             f" {data!r} in the full tree")
        todo.extend(reversed([(path + (k,), c_td, c)
                              for (k, c), c_td in zip(keyed, td.children)]))
    return subtrees


class Partial(functools.partial):
    """``functools.partial`` as a pytree: the bound arguments are its leaves, the function
    is static. So a partially applied function can be passed into and out of ``jit``.

    >>> import fungrad
    >>> scale = Partial(lambda factor, x: factor * x, 3.0)
    >>> tree_leaves(scale), scale(2.0)
    ([3.0], 6.0)
    >>> fungrad.jit(lambda f, x: f(x))(scale, 2.0)
    np.float64(6.0)
    """

    def __new__(cls, func: Callable, *args: Any, **kwargs: Any):
        if isinstance(func, functools.partial):  # flatten nesting, keeping the leaves visible
            args = func.args + args
            kwargs = {**func.keywords, **kwargs}
            func = func.func
        return super().__new__(cls, func, *args, **kwargs)


def _partial_flatten(p: Partial):
    keys = tuple(sorted(p.keywords))
    return (p.args, tuple(p.keywords[k] for k in keys)), (p.func, keys)


def _partial_unflatten(aux, children):
    func, keys = aux
    args, values = children
    return Partial(func, *args, **dict(zip(keys, values)))


_registry[Partial] = _NodeType(_partial_flatten, _partial_unflatten,
                               lambda p: [GetAttrKey("args"), GetAttrKey("keywords")])


# ---------------------------------------------------------------------------------------------
# One level at a time, prefixes, associative reductions
# ---------------------------------------------------------------------------------------------

def is_tree_node(typ: type) -> bool:
    """Is ``typ`` a pytree node type (a built-in container, a namedtuple or a registered
    class)? As in JAX 0.10 it takes a type, not an instance.

    >>> is_tree_node(dict), is_tree_node(type(None)), is_tree_node(float)
    (True, True, False)
    """
    if not isinstance(typ, type):
        raise TypeError(f"is_tree_node: expected a type, got {type(typ).__name__} {typ!r}; "
                        f"pass type(x) to ask about the value x")
    return typ in _registry or (issubclass(typ, tuple) and hasattr(typ, "_fields"))


def _node_of(tree: Any, who: str) -> _NodeType:
    node = _registry.get(type(tree)) or _node_type(tree)
    if node is None:
        raise ValueError(f"{who}: can't tree-flatten type: {type(tree)} (a leaf, not a "
                         f"built-in container or registered pytree node)")
    return node


def flatten_one_level(tree: Any) -> tuple[Iterable, Hashable]:
    """The children of the pytree node ``tree`` (not flattened further) and its aux data; a
    ValueError for a leaf.

    >>> flatten_one_level({"b": {"c": 3}, "a": [1, 2]})
    (([1, 2], {'c': 3}), ('a', 'b'))
    """
    return _node_of(tree, "flatten_one_level").to_iterable(tree)


def flatten_one_level_with_keys(tree: Any) -> tuple[list, Hashable]:
    """``flatten_one_level`` with each child paired with its key.

    >>> flatten_one_level_with_keys([5, 6])
    ([(SequenceKey(idx=0), 5), (SequenceKey(idx=1), 6)], None)
    """
    return _keyed_children(_node_of(tree, "flatten_one_level_with_keys"), tree)


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple whose children have the structures ``treedefs``.

    >>> treedef_tuple([tree_structure([1, 2]), tree_structure({"a": 0})])
    PyTreeDef(([*, *], {'a': *}))
    """
    if isinstance(treedefs, PyTreeDef):
        raise TypeError(f"treedef_tuple: expected an iterable of PyTreeDefs, got the single "
                        f"{treedefs}; wrap it in a list")
    treedefs = tuple(treedefs)
    for i, td in enumerate(treedefs):
        if not isinstance(td, PyTreeDef):
            raise TypeError(f"treedef_tuple: element {i} of treedefs is "
                            f"{type(td).__name__} {td!r}, expected a PyTreeDef")
    return PyTreeDef(tuple, None, treedefs)


def tree_broadcast(prefix_tree: Any, full_tree: Any,
                   is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """A tree of ``full_tree``'s structure in which every leaf is the leaf of ``prefix_tree``
    above it (``prefix_tree`` must be a prefix of ``full_tree``; ``is_leaf`` applies to it).

    >>> tree_broadcast((1, 2, 3), (0, {"a": 0, "b": 0}, (0, 0)))
    (1, {'a': 2, 'b': 2}, (3, 3))
    """
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
    subtrees = _flatten_up_to(prefix_def, full_tree, "tree_broadcast")
    leaves = [leaf for leaf, sub in zip(prefix_leaves, subtrees)
              for _ in range(tree_structure(sub).num_leaves)]
    return tree_unflatten(tree_structure(full_tree), leaves)


_T = TypeVar("_T")


def tree_reduce_associative(operation: Callable[[_T, _T], _T], tree: Any, *,
                            identity: Any = _NO_INITIAL,
                            is_leaf: Callable[[Any], bool] | None = None) -> _T:
    """Reduce the leaves of ``tree`` with the associative ``operation`` as a balanced tree
    (depth log n, the pairing JAX uses); ``identity`` is returned for a tree with no leaves.

    >>> import operator
    >>> tree_reduce_associative(operator.add, [1, (2, 3), [4, 5, 6]])
    21
    >>> tree_reduce_associative(lambda a, b: f"({a}{b})", list("abcde"))
    '((ab)(c(de)))'
    """
    leaves = tree_leaves(tree, is_leaf)
    if not leaves:
        if identity is _NO_INITIAL:
            raise TypeError("tree_reduce_associative: the tree has no leaves; must specify "
                            "identity for parallel reduction of empty sequence")
        return identity
    # each level pairs the halves [:n//2] and [n//2:] of a span, bottom up
    spans = [(0, len(leaves))]
    order = []
    while spans:
        lo, hi = spans.pop()
        order.append((lo, hi))
        if hi - lo > 1:
            spans.extend([(lo, (lo + hi) // 2), ((lo + hi) // 2, hi)])
    value = {}
    for lo, hi in reversed(order):
        value[lo, hi] = (leaves[lo] if hi - lo == 1 else
                         operation(value.pop((lo, (lo + hi) // 2)),
                                   value.pop(((lo + hi) // 2, hi))))
    return value[0, len(leaves)]


class PyTreeRegistry:
    """The registry of pytree node types: fungrad has one, ``default_registry``, shared by
    every function here (JAX's has the same methods; a leaf gives ``None`` from the
    ``flatten_one_level`` methods rather than an error).

    >>> default_registry.is_node(tuple), default_registry.flatten_one_level(1.0)
    (True, None)
    """

    def flatten(self, tree: Any, leaf_predicate: Callable[[Any], bool] | None = None):
        """``tree_flatten``.

        >>> default_registry.flatten({"b": 1, "a": 2})
        ([2, 1], PyTreeDef({'a': *, 'b': *}))
        """
        return tree_flatten(tree, leaf_predicate)

    def flatten_with_path(self, tree: Any):
        """``tree_flatten_with_path`` (JAX's ``leaf_predicate`` here is not supported).

        >>> default_registry.flatten_with_path([1])
        ([((SequenceKey(idx=0),), 1)], PyTreeDef([*]))
        """
        return tree_flatten_with_path(tree)

    def flatten_one_level(self, tree: Any):
        """``flatten_one_level``, or None for a leaf.

        >>> default_registry.flatten_one_level((1, 2))
        ((1, 2), None)
        """
        node = _registry.get(type(tree)) or _node_type(tree)
        return None if node is None else node.to_iterable(tree)

    def flatten_one_level_with_keys(self, tree: Any):
        """``flatten_one_level_with_keys``, or None for a leaf.

        >>> default_registry.flatten_one_level_with_keys(None)
        ([], None)
        """
        node = _registry.get(type(tree)) or _node_type(tree)
        return None if node is None else _keyed_children(node, tree)

    def is_node(self, type: type) -> bool:  # noqa: A002 (JAX's parameter name)
        """``is_tree_node``.

        >>> default_registry.is_node(list)
        True
        """
        return is_tree_node(type)

    def register_node(self, type: type, to_iterable: Callable,  # noqa: A002
                      from_iterable: Callable, to_iterable_with_keys: Callable | None = None):
        """``register_pytree_node``, or ``register_pytree_with_keys`` given
        ``to_iterable_with_keys``.

        >>> class Box:
        ...     def __init__(self, v): self.v = v
        >>> default_registry.register_node(Box, lambda b: ((b.v,), None), lambda _, c: Box(*c))
        >>> tree_leaves(Box(3.0))
        [3.0]
        """
        if to_iterable_with_keys is None:
            register_pytree_node(type, to_iterable, from_iterable)
        else:
            register_pytree_with_keys(type, to_iterable_with_keys, from_iterable, to_iterable)

    def register_dataclass_node(self, type: type, data_fields, meta_fields):  # noqa: A002
        """``register_dataclass``.

        >>> @dataclasses.dataclass
        ... class Cell:
        ...     h: Any
        >>> default_registry.register_dataclass_node(Cell, ["h"], [])
        >>> tree_leaves(Cell(h=2.0))
        [2.0]
        """
        register_dataclass(type, list(data_fields), list(meta_fields))

    def __repr__(self) -> str:
        return f"<fungrad PyTreeRegistry of {len(_registry)} node types>"


default_registry = PyTreeRegistry()
