"""Collectives over named axes: ``psum``, ``pmean``, ``pmax``, ``pmin``, ``all_gather``,
``axis_index`` and ``axis_size``, as ``jax.lax`` has them under ``vmap(..., axis_name=)``
(and ``pmap``, which is a ``vmap`` on fungrad's one device).

Inside a function mapped with ``axis_name='i'``, each example sees one slice; a collective
combines the slices of all examples along the axis named ``'i'``. A collective is a primitive
like any other while the function is traced; ``vmap`` resolves it while batching: the value
is batched along the named axis there, so ``psum`` is a sum over the batch axis, ``all_gather``
is the batch itself, ``axis_index`` the example numbers. Names of outer mapped axes pass
through to the ``vmap`` that owns them, so nested maps combine along the axis asked for.

>>> import numpy as np, fungrad
>>> fungrad.vmap(lambda x: x / psum(x, "i"), axis_name="i")(np.array([1.0, 3.0]))
array([0.25, 0.75])
"""
from __future__ import annotations

from typing import Any, Hashable

import numpy as np

from fungrad.core import ShapedArray, Tracer, bind, get_aval
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.rules import primitive

__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "axis_index", "axis_size"]

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


def _names(axis_name, func: str) -> tuple:
    """``axis_name`` as a tuple of names, each bound by an enclosing mapped axis."""
    names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
    bound = {n for n, _, _ in _AXES}
    for name in names:
        if name not in bound:
            raise NameError(f"{func}: unbound axis name: {name!r}. Collectives need an "
                            "enclosing vmap(..., axis_name=...) or pmap(..., axis_name=...) "
                            "naming it" + (f" (names in scope: {sorted(map(str, bound))})"
                                           if bound else ""))
    return names


def axis_size(axis_name) -> int:
    """The size of the mapped axis (or the product over several names).

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: x * axis_size("i"), axis_name="i")(np.ones(3))
    array([3., 3., 3.])
    """
    names = _names(axis_name, "axis_size")
    size = 1
    for name in names:
        size *= next(s for n, s, _ in reversed(_AXES) if n == name)
    return size


def _unbound_impl(name: str):
    def impl(*args, **params):
        raise NameError(f"{name}: unbound axis name {params.get('axes')!r}: a collective runs "
                        "only inside the vmap or pmap that names its axis (a collective "
                        "inside lax control flow under vmap is not supported)")
    return impl


def _same_aval(x, axes):
    return ShapedArray(x.shape, x.dtype)


def _resolve(prim, rule_for_own_axis):
    """The batching rule of a one-operand collective: over the axis this batch is for, the
    rule given; over other names, the collective again on the batched value (it acts slice
    by slice along this batch axis)."""
    def batch(args, batched, size, axes, **params):
        (x,), (b,) = args, batched
        own = _BATCHING[-1] if _BATCHING else None
        if own not in axes:
            return bind(prim, x, axes=axes, **params), b
        out, out_b = rule_for_own_axis(x, b, size, **params)
        rest = tuple(n for n in axes if n != own)
        if rest:
            out = bind(prim, out, axes=rest, **params)
        return out, out_b
    return batch


# ----------------------------------------------------------------------------- psum


def _psum_own(x, b, size):
    if b:
        return st.reduce_sum(x, (0,)), False
    if get_aval(x).dtype == np.bool_:  # counts, as the sum over the batch gives
        x = ew.convert_element_type(x, np.int64)
    return ew.mul(x, size), False


psum_p = primitive("psum", _unbound_impl("psum"), _same_aval)
psum_p.batch = _resolve(psum_p, _psum_own)
# linear: its tangent is the psum of the tangent, and (every example reading the total) its
# transpose is the psum of the cotangents, as in JAX
psum_p.jvp = lambda primals, tangents, axes: (_apply(psum_p, primals[0], axes),
                                              _apply(psum_p, tangents[0], axes))
psum_p.vjp = lambda g, primals, ans, needs, axes: [_apply(psum_p, g, axes)
                                                   if needs[0] else None]


def psum(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The sum over the mapped axis ``axis_name`` (a name, or a tuple of names) of ``x``,
    every example getting the total; applied to every leaf of a pytree.

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: psum(x, "i"), axis_name="i")(np.array([1.0, 2.0, 4.0]))
    array([7., 7., 7.])
    """
    return _tree_collective("psum", psum_p, x, axis_name, axis_index_groups)


def pmean(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The mean over the mapped axis ``axis_name`` of ``x``.

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: pmean(x, "i"), axis_name="i")(np.array([1.0, 2.0, 6.0]))
    array([3., 3., 3.])
    """
    from fungrad.tree_util import tree_map
    total = psum(x, axis_name, axis_index_groups=axis_index_groups)
    n = axis_size(axis_name)
    return tree_map(lambda t: ew.div(t, float(n)), total)


def _tree_collective(func, prim, x, axis_name, axis_index_groups, **params):
    from fungrad.tree_util import tree_map
    if axis_index_groups is not None:
        raise NotImplementedError(f"fungrad.lax.{func}: axis_index_groups is not supported")
    names = _names(axis_name, func)
    return tree_map(lambda leaf: _apply(prim, leaf, names, **params), x)


def _apply(prim, x, axes, **params):
    """The collective on ``x``; a value that is no tracer (a constant, a backward pass's
    seed) is the same in every example, so its answer is known at once."""
    if isinstance(x, Tracer):
        return bind(prim, x, axes=axes, **params)
    x = np.asarray(x)
    if prim is psum_p:
        return x * axis_size(axes)
    if prim is all_gather_p:
        size, axis = params["size_"], params["axis"]
        return np.concatenate([x] * size, axis=axis) if params["tiled"] else \
            np.stack([x] * size, axis=axis)
    return x


# ----------------------------------------------------------------------------- pmax, pmin


def _extremum_own(reduce):
    def own(x, b, size):
        return (reduce(x, (0,)), False) if b else (x, False)
    return own


def _no_derivative(name):
    def jvp(*args, **params):
        raise NotImplementedError(f"Differentiation rule for '{name}' not implemented (as in "
                                  "JAX)")
    return jvp


pmax_p = primitive("pmax", _unbound_impl("pmax"), _same_aval)
pmax_p.batch = _resolve(pmax_p, _extremum_own(st.reduce_max))
pmin_p = primitive("pmin", _unbound_impl("pmin"), _same_aval)
pmin_p.batch = _resolve(pmin_p, _extremum_own(st.reduce_min))
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


def _gathered_shape(shape, size, axis, tiled):
    if tiled:
        if not shape:
            raise ValueError("all_gather: tiled=True needs an operand with at least one axis")
        return shape[:axis] + (shape[axis] * size,) + shape[axis + 1:]
    return shape[:axis] + (size,) + shape[axis:]


def _all_gather_abstract(x, axes, size_, axis, tiled):
    return ShapedArray(_gathered_shape(tuple(x.shape), size_, axis, tiled), x.dtype)


def _all_gather_own(x, b, size, *, size_, axis, tiled):
    shape = tuple(get_aval(x).shape)
    if b:
        shape = shape[1:]
    else:  # every example holds the same value: the gather repeats it
        x = st.broadcast_to(st.reshape(x, (1,) + shape), (size,) + shape)
    order = list(range(1, axis + 1)) + [0] + list(range(axis + 1, len(shape) + 1))
    out = st.transpose(x, tuple(order)) if order != sorted(order) else x
    if tiled:  # the gathered axis merges into the operand's axis ``axis``
        out = st.reshape(out, _gathered_shape(shape, size, axis, True))
    return out, False


def _all_gather_batch(args, batched, size, axes, size_, axis, tiled):
    (x,), (b,) = args, batched
    own = _BATCHING[-1] if _BATCHING else None
    if own not in axes:  # an outer axis: gather slice by slice, past this batch axis
        return bind(all_gather_p, x, axes=axes, size_=size_, axis=axis + 1 if b else axis,
                    tiled=tiled), b
    return _all_gather_own(x, b, size, size_=size_, axis=axis, tiled=tiled)


def _all_gather_vjp(g, primals, ans, needs, axes, size_, axis, tiled):
    """Example i's operand lands in slot i of every example's result: its cotangent is
    slot i of the sum of their cotangents."""
    if not needs[0]:
        return [None]
    from fungrad import lax
    total = _apply(psum_p, g, axes)
    me = axis_index(axes[0])
    if tiled:
        chunk = get_aval(primals[0]).shape[axis]
        return [lax.dynamic_slice_in_dim(total, ew.mul(me, chunk), chunk, axis)]
    return [lax.dynamic_index_in_dim(total, me, axis, keepdims=False)]


all_gather_p = primitive("all_gather", _unbound_impl("all_gather"), _all_gather_abstract)
all_gather_p.batch = _all_gather_batch
all_gather_p.jvp = lambda primals, tangents, axes, **params: (
    _apply(all_gather_p, primals[0], axes, **params),
    _apply(all_gather_p, tangents[0], axes, **params))
all_gather_p.vjp = _all_gather_vjp


def all_gather(x: Any, axis_name: Any, *, axis_index_groups: Any = None, axis: int = 0,
               tiled: bool = False) -> Any:
    """Every example's ``x`` along the mapped axis ``axis_name``, stacked as a new axis
    ``axis`` (or, ``tiled``, concatenated along it), every example getting all of them.

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: all_gather(x, "i"), axis_name="i")(np.array([1.0, 2.0]))
    array([[1., 2.],
           [1., 2.]])
    """
    from fungrad.tree_util import tree_map
    if axis_index_groups is not None:
        raise NotImplementedError("fungrad.lax.all_gather: axis_index_groups is not supported")
    names = _names(axis_name, "all_gather")
    if len(names) != 1:
        raise NotImplementedError("fungrad.lax.all_gather: one axis name at a time")
    size = axis_size(names)

    def gather(leaf):
        nd = len(get_aval(leaf).shape)
        limit = nd if tiled else nd + 1
        if not -limit <= axis < limit:
            raise ValueError(f"fungrad.lax.all_gather: axis {axis} is out of bounds for an "
                             f"operand of type {get_aval(leaf).str_short()}")
        return _apply(all_gather_p, leaf, names, size_=size, axis=axis % limit,
                      tiled=bool(tiled))
    return tree_map(gather, x)


def axis_index(axis_name: Any) -> Any:
    """The index of the current example along the mapped axis ``axis_name`` (int32, as in
    JAX).

    >>> import numpy as np, fungrad
    >>> fungrad.vmap(lambda x: x * axis_index("i"), axis_name="i")(np.ones(3))
    array([0., 1., 2.])
    """
    (name,) = _names(axis_name if not isinstance(axis_name, (tuple, list)) or
                     len(axis_name) == 1 else _one_name(axis_name), "axis_index")
    return next(index for n, _, index in reversed(_AXES) if n == name)


def _one_name(names):
    raise NotImplementedError(f"fungrad.lax.axis_index: one axis name at a time, got {names}")


COLLECTIVES = frozenset({psum_p, pmax_p, pmin_p, all_gather_p})
"""The primitives ``vmap`` hands to their batching rule even when no operand is batched
(the count of examples depends on the mapped axis all the same)."""
