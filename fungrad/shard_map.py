"""``fungrad.shard_map`` (``jax.shard_map``): run a function on each shard of its arguments,
with collectives over the mesh's axis names, on fungrad's one device.

``shard_map(f, mesh=mesh, in_specs=P('x'), out_specs=P())`` splits each argument over the
mesh axes its spec names, runs ``f`` once per device on its shard, and puts the results
together as ``out_specs`` says; inside ``f`` the collectives (``psum``, ``all_gather``,
``ppermute``, ``axis_index``, ...) combine along the named mesh axes. With one device every
mesh axis has size 1, so each shard is the whole argument and each named axis is a mapped
axis of size 1: ``f`` runs under ``vmap(axis_name=name, axis_size=1)`` per manual axis, which
is where fungrad's collectives live, and so composes with ``jit``, ``grad`` and ``vmap``.

>>> import numpy as np, fungrad
>>> from fungrad.sharding import PartitionSpec as P
>>> mesh = fungrad.make_mesh((1,), ("x",))
>>> f = fungrad.shard_map(lambda a: fungrad.lax.psum(a, "x"), mesh=mesh, in_specs=P("x"),
...                       out_specs=P())
>>> f(np.arange(4.0))
array([0., 1., 2., 3.])
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from fungrad.sharding import (AbstractMesh, Mesh, PartitionSpec, _EMPTY_MESH, _MESH,
                              _broadcast_prefix)
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["shard_map", "Infer", "pcast"]


class _InferFromArgs:
    def __repr__(self) -> str:
        return "jax.sharding.Infer"


# ``in_specs`` left out: each argument keeps its own sharding (unsplit, on one device)
Infer = _InferFromArgs()


def _is_spec(s: Any) -> bool:
    return s is None or isinstance(s, PartitionSpec)


def _spec_leaves(specs: Any, tree: Any, name: str, fname: str) -> list:
    """``specs`` (a tree prefix of ``tree``) repeated over ``tree``'s leaves."""
    leaves = _broadcast_prefix(specs, tree, f"shard_map of {fname!r}", name, is_leaf=_is_spec)
    for s in leaves:
        if not _is_spec(s):
            raise TypeError(f"shard_map {name}: each spec must be a PartitionSpec or None, "
                            f"got {type(s).__name__}: {s!r}")
    return leaves


def _check_spec(spec: Any, shape: tuple, mesh: Any, manual: frozenset, name: str,
                fname: str, where: str) -> None:
    if spec is None:
        return
    for axis in spec._axes():
        if axis not in manual:
            raise ValueError(f"shard_map {name} argument must refer to an axis marked as "
                             f"manual ({frozenset(manual)}), but:\n\n  {name} refers to {axis!r}"
                             f"\n\nCheck the {name} values passed to shard_map.")
    if len(spec) > len(shape):
        raise ValueError(f"shard_map applied to the function {fname!r} was given an {name} "
                         f"entry which is too long to be compatible with the corresponding "
                         f"{where} value from the function:\n\n{name} is {spec} which has "
                         f"length {len(spec)}, but the {where} has shape {shape}")
    for i, p in enumerate(spec):
        if p is None:
            continue
        axes = p if isinstance(p, tuple) else (p,)
        size = int(np.prod([mesh.shape[a] for a in axes]))
        if shape[i] % size:
            raise ValueError(f"shard_map applied to the function {fname!r} was given {name} "
                             f"{spec}: dimension {i} of the {where} (shape {shape}) is split "
                             f"over mesh axes {axes} of total size {size}, which does not "
                             f"divide {shape[i]}")


def _shard_map(f: Callable, mesh: Any, in_specs: Any, out_specs: Any, axis_names: Any,
               check: bool) -> Callable:
    from fungrad import numpy as fnp
    from fungrad.vmap import vmap
    fname = getattr(f, "__name__", repr(f))

    @functools.wraps(f)
    def wrapped(*args: Any) -> Any:
        m = mesh if mesh is not None else _MESH[0]
        if m is None or m is _EMPTY_MESH or m.empty:
            raise ValueError("The context mesh cannot be empty. Use `jax.set_mesh(mesh)` to "
                             "enter into a mesh context (or pass shard_map a `mesh`)")
        if not isinstance(m, (Mesh, AbstractMesh)):
            raise TypeError(f"shard_map requires mesh to be a Mesh or AbstractMesh, got "
                            f"{type(m).__name__}: {m!r}")
        manual = frozenset(axis_names) if axis_names else frozenset(m.axis_names)
        for a in manual:
            if a not in m.axis_names:
                raise ValueError(f"shard_map: axis_names {set(manual)} must be axes of the "
                                 f"mesh, whose axis names are {m.axis_names}")
        flat, treedef = tree_flatten(args)
        shapes = [tuple(np.shape(x)) for x in flat]
        if in_specs is not Infer:
            specs = _spec_leaves(in_specs if isinstance(in_specs, tuple) or len(args) != 1
                                 else (in_specs,), args, "in_specs", fname)
            for x, s in zip(shapes, specs):
                _check_spec(s, x, m, manual, "in_specs", fname, "input")
        out_tree: list = []

        def body(*leaves: Any) -> Any:
            outs = f(*tree_unflatten(treedef, list(leaves)))
            out_leaves, tree = tree_flatten(outs)
            out_tree.append((tree, outs))
            return out_leaves

        # each manual mesh axis is a mapped axis of size 1: the collectives naming it resolve
        # there; the innermost is the mesh's last axis, as nested maps would be
        run: Callable = body
        for name in reversed([a for a in m.axis_names if a in manual]):
            run = vmap(run, in_axes=None, out_axes=0, axis_name=name, axis_size=1)
        depth = sum(1 for a in m.axis_names if a in manual)
        outs = run(*flat)
        outs = [fnp.reshape(o, np.shape(o)[depth:]) for o in outs]
        tree, _ = out_tree[-1]
        out_specs_leaves = _spec_leaves(out_specs, tree_unflatten(tree, outs), "out_specs",
                                        fname)
        for o, s in zip(outs, out_specs_leaves):
            _check_spec(s, tuple(np.shape(o)), m, manual, "out_specs", fname, "output")
        return tree_unflatten(tree, outs)

    return wrapped


def shard_map(f: Callable | None = None, /, *, out_specs: Any, in_specs: Any = Infer,
              mesh: Any = None, axis_names: Any = frozenset(), check_vma: bool = True) -> Any:
    """Map ``f`` over the shards of its arguments: ``in_specs`` / ``out_specs`` (a
    ``PartitionSpec`` or a tree of them, a prefix of the arguments / results) say how each is
    split over ``mesh`` (default: the one set with ``set_mesh``); ``axis_names`` are the
    mesh axes ``f`` is manual over (default: all). On one device each shard is the whole
    array; collectives over the axis names work as on a mesh of size 1. ``check_vma`` is
    accepted (fungrad does not track which values vary over which axes). Usable as a
    decorator: ``@shard_map(out_specs=P(), mesh=mesh)``.

    >>> import numpy as np, fungrad
    >>> from fungrad.sharding import PartitionSpec as P
    >>> mesh = fungrad.make_mesh((1, 1), ("a", "b"))
    >>> @fungrad.shard_map(mesh=mesh, in_specs=P("a", "b"), out_specs=P("a", None))
    ... def f(block):
    ...     return fungrad.lax.psum(block, "b") * fungrad.lax.axis_index("a")
    >>> f(np.ones((2, 2)))
    array([[0., 0.],
           [0., 0.]])
    """
    if f is None:
        return lambda g: shard_map(g, out_specs=out_specs, in_specs=in_specs, mesh=mesh,
                                   axis_names=axis_names, check_vma=check_vma)
    if not callable(f):
        raise TypeError(f"shard_map requires a callable for its first argument, but got "
                        f"{f!r} of type {type(f).__name__}.")
    return _shard_map(f, mesh, in_specs, out_specs, axis_names, check_vma)


_PCAST_TO = ("varying", "reduced", "unreduced")


def pcast(x: Any, axis_name: Any, *, to: str) -> Any:
    """Recast ``x`` (a pytree) inside ``shard_map`` as varying (or reduced, unreduced) over
    the mesh axes ``axis_name``: a change of type only, no communication. fungrad does not
    track which values vary, and a size-1 axis has one value, so it returns ``x``; its
    derivative, JAX's ``psum`` over the axis, is the identity there too.

    >>> import numpy as np, fungrad
    >>> from fungrad.sharding import PartitionSpec as P
    >>> mesh = fungrad.make_mesh((1,), ("i",))
    >>> fungrad.shard_map(lambda a: pcast(a, "i", to="varying"), mesh=mesh, in_specs=P(),
    ...                   out_specs=P("i"))(np.arange(3.0))
    array([0., 1., 2.])
    """
    from fungrad.collectives import _AXES
    if to not in _PCAST_TO:
        raise ValueError(f"Got unexpected `to` value. Allowed `to` values are: "
                         f"{set(_PCAST_TO)}")
    names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
    bound = {name for name, _, _ in _AXES}
    for name in names:
        if name not in bound:
            raise ValueError(f"pcast should be called under jax.shard_map (the mesh axis "
                             f"{name!r} is not bound here; bound: {sorted(map(str, bound))})")
    return x
