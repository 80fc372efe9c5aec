"""Collectives over named axes, as ``jax.lax`` has them under ``vmap(..., axis_name=)`` (and
``pmap``, which is a ``vmap`` on fungrad's one device): the reductions ``psum``, ``pmean``,
``pmax``, ``pmin``; the moves ``all_gather``, ``psum_scatter``, ``ppermute`` (and
``pshuffle``), ``all_to_all`` (and ``pswapaxes``), ``pbroadcast``; and ``axis_index``,
``axis_size``.

Inside a function mapped with ``axis_name='i'``, each example sees one slice; a collective
combines the slices of all examples along the axis named ``'i'``. A collective is a primitive
like any other while the function is traced; ``vmap`` resolves it while batching: the value
is batched along the named axis there, so ``psum`` is a sum over the batch axis, ``all_gather``
is the batch itself, ``ppermute`` a gather of examples, ``axis_index`` the example numbers.
Names of outer mapped axes pass through to the ``vmap`` that owns them, so nested maps
combine along the axis asked for. ``axis_index_groups`` splits the axis into groups that
combine among themselves (JAX accepts it under ``pmap``; fungrad also under ``vmap``).

Each is differentiable as JAX defines it: they are linear, and the transpose of ``psum`` is
``psum``, of ``all_gather`` ``psum_scatter`` (and back), of ``ppermute`` the inverse
permutation, of ``all_to_all`` the ``all_to_all`` with split and concat axes swapped.

>>> import numpy as np, fungrad
>>> fungrad.vmap(lambda x: x / psum(x, "i"), axis_name="i")(np.array([1.0, 3.0]))
array([0.25, 0.75])
"""
from __future__ import annotations

import operator
from typing import Any, Hashable

import numpy as np

from fungrad.core import ShapedArray, Tracer, bind, get_aval
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.rules import primitive

__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "psum_scatter", "ppermute",
           "pshuffle", "all_to_all", "pswapaxes", "pbroadcast", "axis_index", "axis_size"]

# The named axes in scope, innermost last: (name, size, index) pushed by
# ``vmap(axis_name=...)`` while it traces its function; ``index`` is the example's number, a
# hidden input that vmap feeds with 0, 1, ..., size - 1.
_AXES: list[tuple[Hashable, int, Any]] = []
# What the innermost running batch is for: the axis name of its vmap, or None (an unnamed
# vmap, or a batching of a transform's own, such as jacfwd).
_BATCHING: list[Hashable | None] = []


class named_axis:
    """``with named_axis(name, size, index):`` the scope in which collectives may name
    ``name``; ``index`` is what ``axis_index(name)`` gives there."""

    def __init__(self, name: Hashable, size: int, index: Any):
        self.name, self.size, self.index = name, size, index

    def __enter__(self):
        _AXES.append((self.name, self.size, self.index))

    def __exit__(self, *exc):
        _AXES.pop()


class batching_for:
    """``with batching_for(name):`` collectives met while batching resolve ``name``."""

    def __init__(self, name: Hashable | None):
        self.name = name

    def __enter__(self):
        _BATCHING.append(self.name)

    def __exit__(self, *exc):
        _BATCHING.pop()


# ----------------------------------------------------------------------------- names, groups


def _unbound(name, func: str) -> NameError:
    """JAX's error for a collective naming no enclosing mapped axis."""
    bound = sorted({str(n) for n, _, _ in _AXES})
    return NameError(f"Found an unbound axis name: {name}. To fix this, please call {func} "
                     f"under `fungrad.vmap(..., axis_name={name!r})` or "
                     f"`fungrad.pmap(..., axis_name={name!r})`"
                     + (f" (names in scope: {bound})" if bound else "") + ".")


def _names(axis_name, func: str) -> tuple:
    """``axis_name`` as a tuple of names, each bound by an enclosing mapped axis."""
    names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
    bound = {n for n, _, _ in _AXES}
    for name in names:
        if name not in bound:
            raise _unbound(name, func)
    return names


def _one_name(axis_name, func: str) -> tuple:
    names = _names(axis_name, func)
    if len(names) != 1:
        raise NotImplementedError(f"fungrad.lax.{func}: one axis name at a time, got {names}")
    return names


def _size_of(names) -> int:
    size = 1
    for name in names:
        size *= next(s for n, s, _ in reversed(_AXES) if n == name)
    return size


def axis_size(axis_name) -> int:
    """The size of the mapped axis (or the product over several names).

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: x * axis_size("i"), axis_name="i")(np.ones(3))
    array([3., 3., 3.])
    """
    return _size_of(_names(axis_name, "axis_size"))


def _groups(axis_index_groups, names, func: str, same_size: bool):
    """``axis_index_groups`` checked and made hashable (a tuple of tuples), or None."""
    if axis_index_groups is None:
        return None
    if len(names) != 1:
        raise NotImplementedError(f"fungrad.lax.{func}: axis_index_groups over one axis name "
                                  f"at a time, got {names}")
    try:
        groups = tuple(tuple(operator.index(i) for i in g) for g in axis_index_groups)
    except TypeError:
        raise TypeError(f"fungrad.lax.{func}: axis_index_groups must be a list of lists of "
                        f"ints, got {axis_index_groups!r}") from None
    n = _size_of(names)
    if sorted(i for g in groups for i in g) != list(range(n)):
        raise ValueError(f"fungrad.lax.{func}: axis_index_groups must cover all indices "
                         f"exactly once (0 to {n - 1} along the axis {names[0]!r} of size "
                         f"{n}), got {axis_index_groups!r}")
    if same_size and len({len(g) for g in groups}) != 1:
        raise ValueError(f"fungrad.lax.{func}: all groups of axis_index_groups must be the "
                         f"same size, got sizes {[len(g) for g in groups]}")
    return groups


def _group_tables(groups, size: int):
    """For each example: the members of its group (in the group's order), and its place in
    that group. No groups: one group of every example."""
    groups = groups or (tuple(range(size)),)
    members, place = [()] * size, np.zeros(size, np.int64)
    for group in groups:
        for k, i in enumerate(group):
            members[i], place[i] = group, k
    return members, place


def _group_size(groups, names) -> int:
    return len(groups[0]) if groups else _size_of(names)


def _one_axis_in_groups(axis_name, axis_index_groups, func: str) -> tuple:
    """The one name of a collective that moves slices, its groups (of one size), and the
    number of examples each example combines with (its group's, or the axis size)."""
    names = _one_name(axis_name, func)
    groups = _groups(axis_index_groups, names, func, same_size=True)
    return names, groups, _group_size(groups, names)


def _with_groups(params: dict, groups) -> dict:
    """The params, with ``axis_index_groups`` only where given (the IR prints as before)."""
    return dict(params, axis_index_groups=groups) if groups is not None else params


# ----------------------------------------------------------------------------- machinery


def _unbound_impl(name: str):
    def impl(*args, axes, **params):
        raise _unbound(axes[0], name)
    return impl


def _same_aval(x, axes, axis_index_groups=None, **params):
    return ShapedArray(x.shape, x.dtype)


def _take(x, index):
    """``x[index]`` along the leading axis, ``index`` a static integer array."""
    return st.gather(x, np.asarray(index), indexer=st.Indexer((st.ARRAY,)))


def _per_example(x, index):
    """``x[i, index[i]]`` for each example ``i`` of batched ``x``."""
    n = get_aval(x).shape[0]
    return st.gather(x, np.arange(n), np.asarray(index), indexer=st.Indexer((st.ARRAY, st.ARRAY)))


def _move(x, source: int, destination: int):
    from fungrad.vmap import _move_axis
    return _move_axis(x, source, destination)


def _batched(x, size: int):
    from fungrad.vmap import broadcast_batch
    return broadcast_batch(x, size)


def _apply(prim, x, axes, **params):
    """The collective on ``x``. A value that is no tracer (a constant, a backward pass's
    seed) is the same in every example: where the answer is known at once it is given,
    otherwise the collective is recorded for vmap to resolve."""
    if isinstance(x, Tracer):
        return bind(prim, x, axes=axes, **params)
    constant = _CONSTANT.get(prim)
    if constant is not None and params.get("axis_index_groups") is None:
        return constant(np.asarray(x), axes, **params)
    # recorded, unevaluated (it has no value outside the batch), where the mapped axis is
    # being traced (its example number is an input there): inner traces see the result as
    # a value they close over
    index = next((i for n, _, i in reversed(_AXES) if n == axes[0]), None)
    if not isinstance(index, Tracer) or not index._trace.active:
        raise _unbound(axes[0], prim.name)
    return index._trace.process(prim, [x], dict(params, axes=axes), evaluate=False)


def _resolve(prim, rule_for_own_axis, shifted=None):
    """The batching rule of a one-operand collective: over the axis this batch is for, the
    rule given; over other names, the collective again on the batched value (it acts slice
    by slice along this batch axis; ``shifted`` moves its positional params past it)."""
    def batch(args, batched, size, axes, **params):
        (x,), (b,) = args, batched
        own = _BATCHING[-1] if _BATCHING else None
        if own not in axes:
            return _apply(prim, x, axes, **(shifted(params) if b and shifted else params)), b
        out, out_b = rule_for_own_axis(x, b, size, **params)
        rest = tuple(n for n in axes if n != own)
        if rest:  # only the reductions take several names; they have no positional params
            out = _apply(prim, out, rest, **params)
        return out, out_b
    return batch


def _linear(prim, transpose):
    """``prim`` is linear: its tangent is itself on the tangent, its cotangent
    ``transpose(g, x, axes, **params)``."""
    prim.jvp = lambda primals, tangents, axes, **params: (
        _apply(prim, primals[0], axes, **params), _apply(prim, tangents[0], axes, **params))
    prim.vjp = lambda g, primals, ans, needs, axes, **params: [
        transpose(g, primals[0], axes, **params) if needs[0] else None]


def _tree_collective(func, prim, x, axis_name, axis_index_groups, same_size=False):
    from fungrad.tree_util import tree_map
    names = _names(axis_name, func)
    groups = _groups(axis_index_groups, names, func, same_size)
    return tree_map(lambda leaf: _apply(prim, leaf, names, **_with_groups({}, groups)), x)


# ----------------------------------------------------------------------------- reductions


def _grouped(reduce, x, groups):
    """Each example of batched ``x`` gets the reduction over its group."""
    shape = tuple(get_aval(x).shape[1:])
    parts = [st.reshape(reduce(_take(x, list(g)), (0,)), (1,) + shape) for g in groups]
    which = np.zeros(sum(len(g) for g in groups), np.int64)
    for k, g in enumerate(groups):
        which[list(g)] = k
    return _take(st.concatenate(parts, 0), which)


def _reduction_own(reduce, scale):
    def own(x, b, size, axis_index_groups=None):
        if axis_index_groups is not None:
            return _grouped(reduce, x if b else _batched(x, size), axis_index_groups), True
        return (reduce(x, (0,)), False) if b else (scale(x, size), False)
    return own


def _sum_own(x, b, size, axis_index_groups=None):
    if get_aval(x).dtype == np.bool_:  # counts, as the sum over the batch gives
        x = ew.convert_element_type(x, np.int64)
    return _reduction_own(st.reduce_sum, ew.mul)(x, b, size, axis_index_groups)


psum_p = primitive("psum", _unbound_impl("psum"), _same_aval)
psum_p.batch = _resolve(psum_p, _sum_own)
# linear, and (every example reading the total) its own transpose, as in JAX
_linear(psum_p, lambda g, x, axes, **params: _apply(psum_p, g, axes, **params))


def psum(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The sum over the mapped axis ``axis_name`` (a name, or a tuple of names) of ``x``,
    every example getting the total (with ``axis_index_groups``, its group's total);
    applied to every leaf of a pytree.

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: psum(x, "i"), axis_name="i")(np.array([1.0, 2.0, 4.0]))
    array([7., 7., 7.])
    >>> fungrad.vmap(lambda x: psum(x, "i", axis_index_groups=[[0, 2], [1]]),
    ...              axis_name="i")(np.array([1.0, 2.0, 4.0]))
    array([5., 2., 5.])
    """
    return _tree_collective("psum", psum_p, x, axis_name, axis_index_groups)


def pmean(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The mean over the mapped axis ``axis_name`` of ``x`` (with ``axis_index_groups``,
    over each example's group; the groups must have one size).

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: pmean(x, "i"), axis_name="i")(np.array([1.0, 2.0, 6.0]))
    array([3., 3., 3.])
    """
    from fungrad.tree_util import tree_map
    names = _names(axis_name, "pmean")
    groups = _groups(axis_index_groups, names, "pmean", same_size=True)
    total = psum(x, axis_name, axis_index_groups=groups)
    n = _group_size(groups, names)
    return tree_map(lambda t: ew.div(t, float(n)), total)


pmax_p = primitive("pmax", _unbound_impl("pmax"), _same_aval)
pmax_p.batch = _resolve(pmax_p, _reduction_own(st.reduce_max, lambda x, size: x))
pmin_p = primitive("pmin", _unbound_impl("pmin"), _same_aval)
pmin_p.batch = _resolve(pmin_p, _reduction_own(st.reduce_min, lambda x, size: x))


def _no_derivative(name):
    def jvp(*args, **params):
        raise NotImplementedError(f"Differentiation rule for '{name}' not implemented (as in "
                                  "JAX)")
    return jvp


for _p in (pmax_p, pmin_p):
    _p.jvp = _no_derivative(_p.name)
    _p.vjp = _no_derivative(_p.name)


def pmax(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The maximum over the mapped axis ``axis_name`` of ``x`` (not differentiable, as in
    JAX).

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: pmax(x, "i"), axis_name="i")(np.array([1.0, 5.0, 2.0]))
    array([5., 5., 5.])
    """
    return _tree_collective("pmax", pmax_p, x, axis_name, axis_index_groups)


def pmin(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The minimum over the mapped axis ``axis_name`` of ``x`` (not differentiable, as in
    JAX).

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: pmin(x, "i"), axis_name="i")(np.array([1.0, 5.0, 2.0]))
    array([1., 1., 1.])
    """
    return _tree_collective("pmin", pmin_p, x, axis_name, axis_index_groups)


# ----------------------------------------------------------------------------- all_gather


def _merge_axis(x, axis: int):
    """Axes ``axis`` and ``axis + 1`` of ``x`` merged into one."""
    shape = tuple(get_aval(x).shape)
    return st.reshape(x, shape[:axis] + (shape[axis] * shape[axis + 1],) + shape[axis + 2:])


def _gathered_shape(shape, size, axis, tiled):
    if tiled:
        return shape[:axis] + (shape[axis] * size,) + shape[axis + 1:]
    return shape[:axis] + (size,) + shape[axis:]


def _all_gather_abstract(x, axes, axis_size, axis, tiled, axis_index_groups=None):
    return ShapedArray(_gathered_shape(tuple(x.shape), axis_size, axis, tiled), x.dtype)


def _all_gather_own(x, b, size, *, axis_size, axis, tiled, axis_index_groups=None):
    if axis_index_groups is None:
        if not b:  # every example holds the same value: the gather repeats it
            x = _batched(x, size)
        out, lead = _move(x, 0, axis), 0
    else:  # each example gathers its own group: a batched result
        members, _ = _group_tables(axis_index_groups, size)
        gathered = _take(x if b else _batched(x, size), np.array(members))
        out, lead = _move(gathered, 1, axis + 1), 1
    if tiled:  # the gathered axis merges into the operand's axis ``axis``
        out = _merge_axis(out, axis + lead)
    return out, bool(lead)


all_gather_p = primitive("all_gather", _unbound_impl("all_gather"), _all_gather_abstract)
all_gather_p.batch = _resolve(all_gather_p, _all_gather_own,
                              lambda p: dict(p, axis=p["axis"] + 1))
# example i's operand lands in slot i of every example's result: its cotangent is slot i of
# the sum of theirs, a psum_scatter
_linear(all_gather_p, lambda g, x, axes, axis_size, axis, tiled, **groups: _apply(
    psum_scatter_p, g, axes, axis_size=axis_size, scatter_dimension=axis, tiled=tiled,
    **groups))


def _repeat(x, axes, axis_size, axis, tiled):
    return np.concatenate([x] * axis_size, axis=axis) if tiled else \
        np.stack([x] * axis_size, axis=axis)


def all_gather(x: Any, axis_name: Any, *, axis_index_groups: Any = None, axis: int = 0,
               tiled: bool = False) -> Any:
    """Every example's ``x`` along the mapped axis ``axis_name``, stacked as a new axis
    ``axis`` (or, ``tiled``, concatenated along it), every example getting all of them
    (with ``axis_index_groups``, those of its group; the groups must have one size).

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: all_gather(x, "i"), axis_name="i")(np.array([1.0, 2.0]))
    array([[1., 2.],
           [1., 2.]])
    """
    from fungrad.tree_util import tree_map
    names, groups, size = _one_axis_in_groups(axis_name, axis_index_groups, "all_gather")

    def gather(leaf):
        aval = get_aval(leaf)
        nd = len(aval.shape)
        limit = nd if tiled else nd + 1
        if not -limit <= axis < limit:
            raise ValueError(f"fungrad.lax.all_gather: axis {axis} is out of bounds for an "
                             f"operand of type {aval.str_short()}"
                             + (" (tiled=True needs an existing axis)" if tiled else ""))
        return _apply(all_gather_p, leaf, names, **_with_groups(
            dict(axis_size=size, axis=axis % limit, tiled=bool(tiled)), groups))
    return tree_map(gather, x)


# ----------------------------------------------------------------------------- psum_scatter


def _scattered_shape(shape, axis_size, scatter_dimension, tiled):
    if tiled:
        return shape[:scatter_dimension] + (shape[scatter_dimension] // axis_size,) + \
            shape[scatter_dimension + 1:]
    return shape[:scatter_dimension] + shape[scatter_dimension + 1:]


def _psum_scatter_abstract(x, axes, axis_size, scatter_dimension, tiled,
                           axis_index_groups=None):
    return ShapedArray(_scattered_shape(tuple(x.shape), axis_size, scatter_dimension, tiled),
                       x.dtype)


def _psum_scatter_own(x, b, size, *, axis_size, scatter_dimension, tiled,
                      axis_index_groups=None):
    total, total_b = _sum_own(x, b, size, axis_index_groups)
    _, place = _group_tables(axis_index_groups, size)
    lead = int(total_b)
    d = scatter_dimension + lead
    if tiled:  # the scatter dimension in axis_size chunks, the chunk number first
        shape = tuple(get_aval(total).shape)
        total = st.reshape(total, shape[:d] + (axis_size, shape[d] // axis_size) +
                           shape[d + 1:])
    # each example keeps the part at its place in the group
    if total_b:
        return _per_example(_move(total, d, 1), place), True
    return _take(_move(total, d, 0), place), True


psum_scatter_p = primitive("psum_scatter", _unbound_impl("psum_scatter"),
                           _psum_scatter_abstract)
psum_scatter_p.batch = _resolve(psum_scatter_p, _psum_scatter_own,
                                lambda p: dict(p, scatter_dimension=p["scatter_dimension"] + 1))
_linear(psum_scatter_p, lambda g, x, axes, axis_size, scatter_dimension, tiled, **groups:
        _apply(all_gather_p, g, axes, axis_size=axis_size, axis=scatter_dimension,
               tiled=tiled, **groups))


def psum_scatter(x: Any, axis_name: Any, *, scatter_dimension: int = 0,
                 axis_index_groups: Any = None, tiled: bool = False) -> Any:
    """``psum(x, axis_name)`` with each example keeping only its part: the total's slice
    ``axis_index(axis_name)`` along ``scatter_dimension`` (whose size must be the axis
    size), or, ``tiled``, its chunk of that dimension (then a multiple of the axis size).
    The transpose of ``all_gather``.

    >>> import numpy as np, fungrad
    >>> x = np.arange(4.0).reshape(2, 2)  # example i holds row i
    >>> fungrad.vmap(lambda v: psum_scatter(v, "i"), axis_name="i")(x)  # column sums
    array([2., 4.])
    """
    from fungrad.tree_util import tree_map
    names, groups, size = _one_axis_in_groups(axis_name, axis_index_groups, "psum_scatter")

    def scatter(leaf):
        aval = get_aval(leaf)
        nd = len(aval.shape)
        if not -nd <= scatter_dimension < max(nd, 1) or nd == 0:
            raise ValueError(f"fungrad.lax.psum_scatter: scatter_dimension {scatter_dimension}"
                             f" is out of bounds for an operand of type {aval.str_short()}")
        d = scatter_dimension % nd
        n = aval.shape[d]
        if tiled and n % size:
            raise ValueError(f"fungrad.lax.psum_scatter: tiled, the scatter dimension {d} of "
                             f"the operand {aval.str_short()} (size {n}) must be divisible by "
                             f"the size {size} of the mapped axis {names[0]!r}")
        if not tiled and n != size:
            raise ValueError(f"fungrad.lax.psum_scatter: the scatter dimension {d} of the "
                             f"operand {aval.str_short()} (size {n}) must match the size "
                             f"{size} of the mapped axis {names[0]!r}")
        return _apply(psum_scatter_p, leaf, names, **_with_groups(
            dict(axis_size=size, scatter_dimension=d, tiled=bool(tiled)), groups))
    return tree_map(scatter, x)


# ----------------------------------------------------------------------------- ppermute


def _ppermute_own(x, b, size, *, perm):
    source = np.full(size, size, np.int64)  # slot ``size``: a zero, for unreached examples
    for src, dst in perm:
        source[dst] = src
    reached_all = len(perm) == size
    if not b:
        if reached_all:  # every example receives the same value it sent
            return x, False
        x = _batched(x, size)
    if not reached_all:
        shape = tuple(get_aval(x).shape[1:])
        x = st.concatenate([x, st.zeros((1,) + shape, get_aval(x).dtype)], 0)
    return _take(x, source), True


ppermute_p = primitive("ppermute", _unbound_impl("ppermute"), _same_aval)
ppermute_p.batch = _resolve(ppermute_p, _ppermute_own)
# what went from i to j comes back from j to i
_linear(ppermute_p, lambda g, x, axes, perm: _apply(
    ppermute_p, g, axes, perm=tuple((dst, src) for src, dst in perm)))


def _check_perm(perm, names, func: str) -> tuple:
    """``perm`` as a tuple of (source, destination) pairs, each index in the axis and used
    at most once as a source and once as a destination."""
    try:
        pairs = tuple((operator.index(src), operator.index(dst)) for src, dst in perm)
    except (TypeError, ValueError):
        raise ValueError(f"fungrad.lax.{func}: perm must be a sequence of (source_index, "
                         f"destination_index) pairs of ints, got {perm!r}") from None
    n = _size_of(names)
    for pair in pairs:
        if not all(0 <= i < n for i in pair):
            raise ValueError(f"fungrad.lax.{func}: perm pair {pair} is out of range for the "
                             f"mapped axis {names[0]!r} of size {n} (indices must be in "
                             f"[0, {n}))")
    sources, destinations = [s for s, _ in pairs], [d for _, d in pairs]
    if len(set(sources)) != len(sources) or len(set(destinations)) != len(destinations):
        raise ValueError(f"fungrad.lax.{func}: perm sources and destinations must be unique, "
                         f"got {perm!r}")
    return pairs


def ppermute(x: Any, axis_name: Any, perm: Any) -> Any:
    """Send each example's ``x`` along the mapped axis ``axis_name`` as ``perm``, a list of
    ``(source_index, destination_index)`` pairs, says; an example no pair sends to gets
    zeros.

    >>> import numpy as np, fungrad
    >>> shift = lambda v: ppermute(v, "i", perm=[(0, 1), (1, 2), (2, 0)])
    >>> fungrad.vmap(shift, axis_name="i")(np.array([1.0, 2.0, 3.0]))
    array([3., 1., 2.])
    >>> fungrad.vmap(lambda v: ppermute(v, "i", [(0, 1)]), axis_name="i")(np.array([1.0, 2.0]))
    array([0., 1.])
    """
    from fungrad.tree_util import tree_map
    names = _one_name(axis_name, "ppermute")
    pairs = _check_perm(perm, names, "ppermute")
    return tree_map(lambda leaf: _apply(ppermute_p, leaf, names, perm=pairs), x)


def pshuffle(x: Any, axis_name: Any, perm: Any) -> Any:
    """``ppermute`` with the permutation given by sources: example ``i`` gets the ``x`` of
    example ``perm[i]``.

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda v: pshuffle(v, "i", [2, 0, 1]), axis_name="i")(np.array([1.0, 2.0, 3.0]))
    array([3., 1., 2.])
    """
    try:
        perm = [operator.index(i) for i in perm]
    except TypeError:
        raise ValueError(f"fungrad.lax.pshuffle: perm must be a list of ints, got "
                         f"{perm!r}") from None
    if set(perm) != set(range(len(perm))):
        raise ValueError(f"fungrad.lax.pshuffle: `perm` does not represent a permutation: "
                         f"{perm}")
    return ppermute(x, axis_name, list(zip(perm, range(len(perm)))))


# ----------------------------------------------------------------------------- all_to_all


def _all_to_all_abstract(x, axes, split_axis, concat_axis, axis_size, axis_index_groups=None):
    shape = list(x.shape)
    shape[split_axis] //= axis_size
    shape[concat_axis] *= axis_size
    return ShapedArray(tuple(shape), x.dtype)


def _all_to_all_own(x, b, size, *, split_axis, concat_axis, axis_size,
                    axis_index_groups=None):
    """The tiled form: example i's result concatenates, along ``concat_axis``, chunk
    (i's place in its group) of ``split_axis`` of each member of its group."""
    x = x if b else _batched(x, size)
    shape = tuple(get_aval(x).shape[1:])
    chunk = shape[split_axis] // axis_size
    pieces = st.reshape(x, (size,) + shape[:split_axis] + (axis_size, chunk) +
                        shape[split_axis + 1:])
    pieces = _move(pieces, split_axis + 1, 1)  # [sender, chunk number, the rest]
    members, place = _group_tables(axis_index_groups, size)
    senders = np.array(members)
    received = st.gather(pieces, senders, np.broadcast_to(place[:, None], senders.shape),
                         indexer=st.Indexer((st.ARRAY, st.ARRAY)))  # [example, sender, rest]
    return _merge_axis(_move(received, 1, concat_axis + 1), concat_axis + 1), True


all_to_all_p = primitive("all_to_all", _unbound_impl("all_to_all"), _all_to_all_abstract)
all_to_all_p.batch = _resolve(all_to_all_p, _all_to_all_own, lambda p: dict(
    p, split_axis=p["split_axis"] + 1, concat_axis=p["concat_axis"] + 1))
_linear(all_to_all_p, lambda g, x, axes, split_axis, concat_axis, **params: _apply(
    all_to_all_p, g, axes, split_axis=concat_axis, concat_axis=split_axis, **params))


def all_to_all(x: Any, axis_name: Any, split_axis: int, concat_axis: int, *,
               axis_index_groups: Any = None, tiled: bool = False) -> Any:
    """Swap the mapped axis ``axis_name`` with the operand's axis ``split_axis``: example i
    gets slice i of ``split_axis`` from every example, stacked along ``concat_axis`` of the
    result (which has the operand's shape with ``split_axis`` removed and the axis size
    inserted at ``concat_axis``). ``tiled`` splits ``split_axis`` into chunks and
    concatenates them along ``concat_axis`` instead, keeping the rank.

    >>> import numpy as np, fungrad
    >>> x = np.arange(4.0).reshape(2, 2)  # example i holds row i
    >>> fungrad.vmap(lambda v: all_to_all(v, "i", 0, 0), axis_name="i")(x)  # the transpose
    array([[0., 2.],
           [1., 3.]])
    """
    from fungrad.tree_util import tree_map
    names, groups, size = _one_axis_in_groups(axis_name, axis_index_groups, "all_to_all")

    def exchange(leaf):
        aval = get_aval(leaf)
        nd = len(aval.shape)
        for what, ax in (("split_axis", split_axis), ("concat_axis", concat_axis)):
            if not -nd <= ax < nd:
                raise ValueError(f"fungrad.lax.all_to_all: {what} {ax} is out of bounds for "
                                 f"an operand of type {aval.str_short()}")
        split, concat = split_axis % nd, concat_axis % nd
        n = aval.shape[split]
        if tiled and n % size:
            raise ValueError(f"fungrad.lax.all_to_all: the size of split_axis ({n}) has to be "
                             f"divisible by the size of the named axis {names[0]!r} ({size})")
        if not tiled and n != size:
            raise ValueError(f"fungrad.lax.all_to_all requires the size of the mapped axis "
                             f"axis_name to equal x.shape[split_axis], but they are {size} "
                             f"and {n} respectively")
        if not tiled and split != concat:
            # a new axis at concat_axis (counted without split_axis) receives the examples,
            # as JAX does it: the exchange is then the tiled one
            if split < concat:
                concat += 1
            else:
                split += 1
            leaf = st.reshape(leaf, aval.shape[:concat] + (1,) + aval.shape[concat:])
        out = _apply(all_to_all_p, leaf, names, **_with_groups(
            dict(split_axis=split, concat_axis=concat, axis_size=size), groups))
        if not tiled and split != concat:  # the split axis is left with size 1: drop it
            shape = tuple(get_aval(out).shape)
            out = st.reshape(out, shape[:split] + shape[split + 1:])
        return out
    return tree_map(exchange, x)


def pswapaxes(x: Any, axis_name: Any, axis: int, *, axis_index_groups: Any = None) -> Any:
    """Swap the mapped axis ``axis_name`` with the operand's axis ``axis`` (whose size must
    be the axis size): ``all_to_all(x, axis_name, axis, axis)``.

    >>> import numpy as np, fungrad
    >>> x = np.arange(12.0).reshape(2, 2, 3)  # example i holds x[i], of shape (2, 3)
    >>> y = fungrad.vmap(lambda v: pswapaxes(v, "i", 0), axis_name="i")(x)
    >>> bool(np.array_equal(y, x.transpose(1, 0, 2)))  # example i gets x[:, i]
    True
    """
    return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)


# ----------------------------------------------------------------------------- pbroadcast


def _pbroadcast_own(x, b, size, *, source):
    return (st.gather(x, indexer=st.Indexer((source,))) if b else x), False


pbroadcast_p = primitive("pbroadcast", _unbound_impl("pbroadcast"), _same_aval)
pbroadcast_p.batch = _resolve(pbroadcast_p, _pbroadcast_own)
# every example's result is the source's operand: the source's cotangent is the sum of all
# of theirs, the others' zero
_linear(pbroadcast_p, lambda g, x, axes, source: _apply(
    ppermute_p, _apply(psum_p, g, axes), axes, perm=((source, source),)))


def pbroadcast(x: Any, axis_name: Any, source: int) -> Any:
    """Every example along the mapped axis ``axis_name`` gets the ``x`` of example
    ``source``.

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda v: pbroadcast(v, "i", 2), axis_name="i")(np.array([1.0, 2.0, 3.0]))
    array([3., 3., 3.])
    """
    from fungrad.tree_util import tree_map
    names = _one_name(axis_name, "pbroadcast")
    n = _size_of(names)
    try:
        source = operator.index(source)
    except TypeError:
        raise TypeError(f"fungrad.lax.pbroadcast: source must be an int, got "
                        f"{source!r}") from None
    if not 0 <= source < n:
        raise ValueError(f"fungrad.lax.pbroadcast: source {source} is out of range for the "
                         f"mapped axis {names[0]!r} of size {n}")
    return tree_map(lambda leaf: _apply(pbroadcast_p, leaf, names, source=source), x)


# ----------------------------------------------------------------------------- axis_index


def axis_index(axis_name: Any) -> Any:
    """The index of the current example along the mapped axis ``axis_name`` (int32, as in
    JAX); for a tuple of names, the index into their product, the first name major.

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: x * axis_index("i"), axis_name="i")(np.ones(3))
    array([0., 1., 2.])
    """
    names = _names(axis_name, "axis_index")
    index, inner = None, 1
    for name in reversed(names):
        mine = next(i for n, _, i in reversed(_AXES) if n == name)
        term = mine if inner == 1 else ew.mul(mine, np.int32(inner))
        index = term if index is None else ew.add(index, term)
        inner *= _size_of((name,))
    return index


_CONSTANT = {
    psum_p: lambda x, axes: x * _size_of(axes),
    pmax_p: lambda x, axes: x,
    pmin_p: lambda x, axes: x,
    all_gather_p: _repeat,
    pbroadcast_p: lambda x, axes, source: x,
}
"""What a collective gives for an operand that is the same in every example, where that
needs no trace."""

COLLECTIVES = frozenset({psum_p, pmax_p, pmin_p, all_gather_p, psum_scatter_p, ppermute_p,
                         all_to_all_p, pbroadcast_p})
"""The primitives ``vmap`` hands to their batching rule even when no operand is batched
(the count of examples depends on the mapped axis all the same)."""
