"""``map`` and ``associative_scan``: loops over an axis built from the structured control
flow and from slicing.

>>> import numpy as np
>>> from fungrad import lax
>>> lax.associative_scan(lax.add, np.arange(1.0, 6.0))
array([ 1.,  3.,  6., 10., 15.])
"""
from __future__ import annotations

from typing import Any, Callable

from fungrad.control_flow import scan
from fungrad.core import get_aval
from fungrad.lax.shapes import _axis, as_array
from fungrad.prims import structural as st
from fungrad.tree_util import tree_flatten, tree_map, tree_unflatten

__all__ = ["associative_scan", "map"]


def map(f: Callable, xs: Any, *, batch_size: int | None = None) -> Any:  # noqa: A001
    """``f`` applied to each slice of ``xs`` (a pytree) along its leading axis, results
    stacked: a ``scan`` without a carry. With ``batch_size``, ``vmap`` of ``f`` over
    chunks of that many slices (the remainder one by one).

    >>> import numpy as np
    >>> map(lambda x: x.sum(), np.arange(6.0).reshape(3, 2))
    array([1., 5., 9.])
    """
    leaves, _ = tree_flatten(xs)
    if not leaves:
        raise ValueError("map: xs must hold at least one array")
    n = get_aval(leaves[0]).shape[0] if get_aval(leaves[0]).shape else None
    if n is None or any(get_aval(x).shape[:1] != (n,) for x in leaves):
        raise ValueError("map: every array in xs needs the same leading axis size")
    if batch_size is None or batch_size >= n or n == 0:
        return scan(lambda carry, x: (carry, f(x)), (), xs)[1]
    from fungrad.vmap import vmap
    if batch_size < 1:
        raise ValueError(f"map: batch_size must be positive, got {batch_size}")
    chunks, rest = divmod(n, batch_size)
    head = tree_map(lambda x: st.reshape(st.slice_axis(x, 0, 0, chunks * batch_size),
                                         (chunks, batch_size) + tuple(x.shape[1:])), xs)
    out = scan(lambda carry, x: (carry, vmap(f)(x)), (), head)[1]
    out = tree_map(lambda y: st.reshape(y, (chunks * batch_size,) + tuple(y.shape[2:])), out)
    if rest:
        tail = tree_map(lambda x: st.slice_axis(x, 0, chunks * batch_size, n), xs)
        tail_out = scan(lambda carry, x: (carry, f(x)), (), tail)[1]
        out = tree_map(lambda a, b: st.concatenate([a, b], 0), out, tail_out)
    return out


def associative_scan(fn: Callable, elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """All prefix combinations ``fn(...fn(fn(e0, e1), e2)..., ei)`` along ``axis`` for an
    associative ``fn`` of two pytrees of arrays (applied elementwise over slices), by
    log-depth doubling: step ``d`` combines each slice with the one ``d`` places before.
    ``reverse`` scans from the end.

    >>> import numpy as np
    >>> from fungrad import lax
    >>> associative_scan(lax.max, np.array([1.0, 3.0, 2.0, 5.0]), reverse=True)
    array([5., 5., 5., 5.])
    """
    leaves, tree = tree_flatten(elems)
    if not leaves:
        raise ValueError("associative_scan: elems must hold at least one array")
    leaves = [as_array(x) for x in leaves]
    nd = len(leaves[0].shape)
    axis = _axis("associative_scan", axis, nd)
    n = leaves[0].shape[axis]
    if any(len(x.shape) != nd or x.shape[axis] != n for x in leaves):
        raise ValueError("associative_scan: every array in elems needs the same size along "
                         f"axis {axis}")
    if reverse:
        leaves = [st.rev(x, (axis,)) for x in leaves]

    def combine(a, b):
        out = fn(tree_unflatten(tree, a), tree_unflatten(tree, b))
        out_leaves, out_tree = tree_flatten(out)
        if out_tree != tree:
            raise TypeError("associative_scan: fn must return a pytree like elems, got "
                            f"{out_tree} for {tree}")
        return out_leaves

    d = 1
    while d < n:
        earlier = [st.slice_axis(x, axis, 0, n - d) for x in leaves]
        later = [st.slice_axis(x, axis, d, n) for x in leaves]
        combined = combine(earlier, later)
        leaves = [st.concatenate([st.slice_axis(x, axis, 0, d), c], axis)
                  for x, c in zip(leaves, combined)]
        d *= 2
    if reverse:
        leaves = [st.rev(x, (axis,)) for x in leaves]
    return tree_unflatten(tree, leaves)
