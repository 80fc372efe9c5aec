"""XLA's gather and scatter, ``jax.lax`` style, with their dimension numbers.

Both are written as one numpy-style advanced index: for every operand axis, an index
array broadcast over (batch positions..., window offsets...) -- the clamped start from
``start_indices`` plus the offset in the window -- so a gather is fungrad's ``gather``
primitive and a scatter-add its ``scatter_add`` (whose derivatives are each other).
``scatter_mul``, ``scatter_min`` and ``scatter_max`` add a derivative around the
combined values: ``x * P`` for products, and the average over the tied winners for
extrema (as JAX does).

>>> import numpy as np
>>> from fungrad import lax
>>> dn = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,),
...                                 start_index_map=(0,))
>>> lax.gather(np.array([10.0, 11.0, 12.0]), np.array([[2], [0]]), dn, (1,))
array([12., 10.])
"""
from __future__ import annotations

import enum
import operator
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from fungrad.core import get_aval
from fungrad.lax.dtypes import check_same_dtypes
from fungrad.lax.shapes import as_array, int_tuple
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.slicing import scatter_combine
from fungrad.prims.structural import ARRAY, Indexer

__all__ = ["GatherDimensionNumbers", "GatherScatterMode", "ScatterDimensionNumbers", "gather",
           "index_take", "scatter", "scatter_add", "scatter_max", "scatter_min", "scatter_mul",
           "scatter_sub", "scatter_apply"]


class GatherDimensionNumbers(NamedTuple):
    """How a gather reads its operand (XLA's, with the index vector always last):
    ``offset_dims`` (output axes holding window axes), ``collapsed_slice_dims`` (size-1
    window axes dropped), ``start_index_map`` (the operand axis each index component
    addresses), and matching batching axes of the operand and the indices.

    >>> GatherDimensionNumbers((1,), (0,), (0,)).start_index_map
    (0,)
    """
    offset_dims: tuple
    collapsed_slice_dims: tuple
    start_index_map: tuple
    operand_batching_dims: tuple = ()
    start_indices_batching_dims: tuple = ()


class ScatterDimensionNumbers(NamedTuple):
    """How a scatter writes into its operand: ``update_window_dims`` (axes of the updates
    that are window axes), ``inserted_window_dims`` (size-1 window axes of the operand the
    updates lack), ``scatter_dims_to_operand_dims`` (the operand axis each index component
    addresses), and matching batching axes.

    >>> ScatterDimensionNumbers((), (0,), (0,)).inserted_window_dims
    (0,)
    """
    update_window_dims: tuple
    inserted_window_dims: tuple
    scatter_dims_to_operand_dims: tuple
    operand_batching_dims: tuple = ()
    scatter_indices_batching_dims: tuple = ()


class GatherScatterMode(enum.Enum):
    """Out-of-bounds windows: ``CLIP`` clamps the start, ``FILL_OR_DROP`` fills a gathered
    window (with ``fill_value``) or drops a scattered one, ``PROMISE_IN_BOUNDS`` is XLA's
    behaviour (a gather clamps, a scatter drops).

    >>> GatherScatterMode.from_any("clip")
    <GatherScatterMode.CLIP: 1>
    """
    CLIP = 1
    FILL_OR_DROP = 2
    PROMISE_IN_BOUNDS = 3

    @staticmethod
    def from_any(mode: Any) -> "GatherScatterMode":
        """The mode named by a string, a mode, or None (PROMISE_IN_BOUNDS).

        >>> GatherScatterMode.from_any(None)
        <GatherScatterMode.PROMISE_IN_BOUNDS: 3>
        """
        if isinstance(mode, GatherScatterMode):
            return mode
        if mode is None:
            return GatherScatterMode.PROMISE_IN_BOUNDS
        if isinstance(mode, str) and mode.upper() in GatherScatterMode.__members__:
            return GatherScatterMode[mode.upper()]
        raise ValueError(f"unknown gather/scatter mode {mode!r}: expected 'clip', "
                         "'fill', 'drop' ('fill_or_drop') or 'promise_in_bounds'")


def _mode(mode) -> GatherScatterMode:
    if isinstance(mode, str) and mode.lower() in ("fill", "drop"):
        return GatherScatterMode.FILL_OR_DROP
    return GatherScatterMode.from_any(mode)


def _tuple(name: str, what: str, v) -> tuple:
    try:
        return tuple(operator.index(d) for d in v)
    except TypeError:
        raise TypeError(f"{name}: {what} must be a sequence of integers, got {v!r}") from None


def _window_index(name, operand_shape, indices, window, index_map, operand_batching,
                  indices_batching, clip):
    """One index array per operand axis, broadcast to (batch..., window...), and whether
    each batch position's window lies inside the operand."""
    nd = len(operand_shape)
    batch_shape = tuple(indices.shape[:-1])
    nb = len(batch_shape)
    arrays, inside = [], None
    for d in range(nd):
        if d in index_map:
            start = st.gather(indices, indexer=Indexer.from_numpy(
                (Ellipsis, index_map.index(d))))
            start = ew.convert_element_type(start, np.int64)
            high = operand_shape[d] - window[d]
            ok = ew.logical_and(ew.ge(start, 0), ew.le(start, high))
            inside = ok if inside is None else ew.logical_and(inside, ok)
            if clip:
                start = ew.minimum(ew.maximum(start, 0), max(high, 0))
        elif d in operand_batching:
            b = indices_batching[operand_batching.index(d)]
            shape = [1] * nb
            shape[b] = batch_shape[b]
            start = np.arange(batch_shape[b]).reshape(shape)
        else:
            start = np.zeros((1,) * nb, np.int64)
        start = st.reshape(start, tuple(np.shape(start) if not hasattr(start, "aval")
                                        else start.shape) + (1,) * nd)
        offset = np.arange(window[d]).reshape((1,) * nb + tuple(
            window[d] if i == d else 1 for i in range(nd)))
        arrays.append(ew.add(start, offset))
    return arrays, inside


def gather(operand: Any, start_indices: Any, dimension_numbers: GatherDimensionNumbers,
           slice_sizes: Sequence[int], *, unique_indices: bool = False,
           indices_are_sorted: bool = False, mode: Any = None, fill_value: Any = None) -> Any:
    """XLA's gather: a window of ``slice_sizes`` from ``operand`` at every start in
    ``start_indices`` (its last axis the index vector), laid out by ``dimension_numbers``.

    >>> import numpy as np
    >>> dn = GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
    ...                             start_index_map=(0,))
    >>> gather(np.arange(6.0).reshape(3, 2), np.array([[2], [1]]), dn, (1, 2))
    array([[4., 5.],
           [2., 3.]])
    """
    name = "gather"
    operand, start_indices = as_array(operand), as_array(start_indices)
    o_aval, i_aval = get_aval(operand), get_aval(start_indices)
    dn = dimension_numbers
    if not isinstance(dn, GatherDimensionNumbers):
        raise TypeError(f"{name}: dimension_numbers must be a GatherDimensionNumbers, got "
                        f"{dn!r}")
    offset, collapsed, index_map, o_batch, i_batch = (
        _tuple(name, f, getattr(dn, f)) for f in GatherDimensionNumbers._fields)
    sizes = _tuple(name, "slice_sizes", slice_sizes)
    nd = o_aval.ndim
    if i_aval.dtype.kind not in "iu" or i_aval.ndim < 1:
        raise TypeError(f"{name}: start_indices must be an integer array with the index "
                        f"vector as its last axis, got {i_aval.str_short()}")
    if len(sizes) != nd or any(not 0 <= k <= d for k, d in zip(sizes, o_aval.shape)):
        raise TypeError(f"{name}: slice_sizes {sizes} must give one size per axis of the "
                        f"operand {o_aval.str_short()}, each within the axis")
    if len(index_map) != i_aval.shape[-1] or len(o_batch) != len(i_batch):
        raise TypeError(f"{name}: start_index_map {index_map} must have one entry per index "
                        f"component ({i_aval.shape[-1]} in {i_aval.str_short()})")
    for d in collapsed + o_batch:
        if not 0 <= d < nd or sizes[d] != 1:
            raise TypeError(f"{name}: collapsed and batching axes need slice size 1, got "
                            f"axis {d} with slice_sizes {sizes}")
    windows = [d for d in range(nd) if d not in collapsed and d not in o_batch]
    out_rank = i_aval.ndim - 1 + len(windows)
    if len(offset) != len(windows) or any(not 0 <= d < out_rank for d in offset) or \
            list(offset) != sorted(set(offset)):
        raise TypeError(f"{name}: offset_dims {offset} must be {len(windows)} increasing "
                        f"output axes (one per window axis kept)")
    m = _mode(mode)
    # out-of-bounds windows read clamped places (and are filled after, with FILL_OR_DROP)
    arrays, inside = _window_index(name, o_aval.shape, start_indices, sizes, index_map,
                                   o_batch, i_batch, clip=True)
    picked = st.gather(operand, *arrays, indexer=Indexer([ARRAY] * nd))
    nb = i_aval.ndim - 1
    if m == GatherScatterMode.FILL_OR_DROP and inside is not None:
        if fill_value is None:
            fill_value = st.default_fill(o_aval.dtype)
        keep = st.reshape(inside, tuple(inside.shape) + (1,) * nd)
        picked = ew.select(keep, picked, np.asarray(fill_value, o_aval.dtype))
    shape = tuple(picked.shape)
    picked = st.reshape(picked, shape[:nb] + tuple(sizes[d] for d in windows))
    # batch axes fill the output axes that are not offset axes, in order
    batch_iter = iter(range(nb))
    window_iter = iter(range(nb, nb + len(windows)))
    perm = [next(window_iter) if p in offset else next(batch_iter) for p in range(out_rank)]
    return st.transpose(picked, perm)


def _scatter(name: str, operand, scatter_indices, updates, dimension_numbers, mode,
             combine: str, unique_indices: bool):
    check_same_dtypes(name, {"operand": operand, "updates": updates})
    operand = as_array(operand)
    scatter_indices, updates = as_array(scatter_indices), as_array(updates)
    if combine == "sub":  # scatter_add of the negated updates
        updates, combine = ew.neg(updates), "add"
    o_aval, i_aval, u_aval = get_aval(operand), get_aval(scatter_indices), get_aval(updates)
    dn = dimension_numbers
    if not isinstance(dn, ScatterDimensionNumbers):
        raise TypeError(f"{name}: dimension_numbers must be a ScatterDimensionNumbers, got "
                        f"{dn!r}")
    window_dims, inserted, index_map, o_batch, i_batch = (
        _tuple(name, f, getattr(dn, f)) for f in ScatterDimensionNumbers._fields)
    nd = o_aval.ndim
    if i_aval.dtype.kind not in "iu" or i_aval.ndim < 1:
        raise TypeError(f"{name}: scatter_indices must be an integer array with the index "
                        f"vector as its last axis, got {i_aval.str_short()}")
    if len(index_map) != i_aval.shape[-1] or len(o_batch) != len(i_batch):
        raise TypeError(f"{name}: scatter_dims_to_operand_dims {index_map} must have one "
                        f"entry per index component ({i_aval.shape[-1]})")
    windows = [d for d in range(nd) if d not in inserted and d not in o_batch]
    nb = i_aval.ndim - 1
    scatter_axes = [a for a in range(u_aval.ndim) if a not in window_dims]
    if len(window_dims) != len(windows) or len(scatter_axes) != nb or \
            tuple(u_aval.shape[a] for a in scatter_axes) != tuple(i_aval.shape[:-1]):
        raise TypeError(f"{name}: updates {u_aval.str_short()} do not match the indices "
                        f"{i_aval.str_short()} and update_window_dims {window_dims} "
                        f"(operand {o_aval.str_short()})")
    window = [1] * nd
    for d, a in zip(windows, window_dims):
        window[d] = u_aval.shape[a]
        if window[d] > o_aval.shape[d]:
            raise TypeError(f"{name}: the update window along operand axis {d} "
                            f"({window[d]}) is larger than the axis ({o_aval.shape[d]})")
    m = _mode(mode)
    if m == GatherScatterMode.PROMISE_IN_BOUNDS:
        m = GatherScatterMode.FILL_OR_DROP  # XLA drops out-of-bounds windows
    arrays, inside = _window_index(name, o_aval.shape, scatter_indices, tuple(window),
                                   index_map, o_batch, i_batch, clip=True)
    u = st.transpose(updates, scatter_axes + list(window_dims))
    u = st.reshape(u, tuple(i_aval.shape[:-1]) + tuple(window))
    if u_aval.dtype != o_aval.dtype:
        u = ew.convert_element_type(u, o_aval.dtype)
    indexer = Indexer([ARRAY] * nd)
    if m == GatherScatterMode.FILL_OR_DROP and inside is not None:
        keep = st.reshape(inside, tuple(inside.shape) + (1,) * nd)
        # dropped windows become updates that change nothing, at clamped places
        neutral = {"add": 0, "mul": 1, "min": _extreme(o_aval.dtype, True),
                   "max": _extreme(o_aval.dtype, False)}.get(combine)
        if neutral is None:  # replacing: write back what is there
            neutral = st.gather(operand, *arrays, indexer=indexer)
        u = ew.select(keep, u, neutral if not isinstance(neutral, (int, float)) else
                      np.asarray(neutral, o_aval.dtype))
    if combine == "add":
        return st.scatter_add(operand, u, *arrays, indexer=indexer)
    if combine == "set":
        return st.scatter(operand, u, *arrays, indexer=indexer)
    if combine == "mul":
        if unique_indices:  # each place takes one update: replace ones, differentiably
            factors = st.scatter(st.broadcast_to(np.ones((), o_aval.dtype), o_aval.shape), u,
                                 *arrays, indexer=indexer)
        else:
            factors = scatter_combine(st.broadcast_to(np.ones((), o_aval.dtype), o_aval.shape),
                                      u, arrays, indexer, "mul")
        return ew.mul(operand, factors)
    # min / max: the combined value, plus a zero whose derivative is the tied winners' mean
    sg = ew.stop_gradient_p.bind
    value = scatter_combine(sg(operand), sg(u), arrays, indexer, combine)
    if o_aval.dtype.kind not in "fc":
        return value
    won_x = ew.convert_element_type(ew.eq(operand, value), o_aval.dtype)
    won_u = ew.convert_element_type(ew.eq(u, st.gather(value, *arrays, indexer=indexer)),
                                    o_aval.dtype)
    count = ew.add(won_x, st.scatter_add(st.zeros(o_aval.shape, o_aval.dtype), won_u, *arrays,
                                         indexer=indexer))
    count = sg(ew.select(ew.eq(count, 0), 1.0, count))
    def zero(v):  # 0 carrying v's derivative; v - v would be NaN at an infinite v, which
        # carries none (its value is still right)
        finite = ew.select(ew.isfinite(sg(v)), v, np.zeros((), o_aval.dtype))
        return ew.sub(finite, sg(finite))
    moved = ew.add(ew.mul(won_x, zero(operand)),
                   st.scatter_add(st.zeros(o_aval.shape, o_aval.dtype),
                                  ew.mul(won_u, zero(u)), *arrays, indexer=indexer))
    return ew.add(value, ew.div(moved, count))


def _extreme(dtype: np.dtype, largest: bool):
    if dtype.kind == "f":
        return np.inf if largest else -np.inf
    info = np.iinfo(dtype)
    return info.max if largest else info.min


def _scatter_function(name: str, combine: str, doc: str) -> Callable[..., Any]:
    """The lax function ``name``: XLA's scatter combining with ``combine`` (add, sub, set,
    mul, min, max), with JAX's signature."""
    def scatter_function(operand: Any, scatter_indices: Any, updates: Any,
                         dimension_numbers: ScatterDimensionNumbers, *,
                         indices_are_sorted: bool = False, unique_indices: bool = False,
                         mode: Any = None) -> Any:
        return _scatter(name, operand, scatter_indices, updates, dimension_numbers, mode,
                        combine, unique_indices)
    scatter_function.__name__ = scatter_function.__qualname__ = name
    scatter_function.__doc__ = doc
    return scatter_function


scatter_add = _scatter_function("scatter_add", "add", """XLA's scatter with addition: every
    window of ``updates`` added into ``operand`` at its start in ``scatter_indices`` (repeats
    all add); out-of-bounds windows are dropped (or, with ``mode='clip'``, moved inside).

    >>> import numpy as np
    >>> dn = ScatterDimensionNumbers((), (0,), (0,))
    >>> scatter_add(np.zeros(3), np.array([[0], [2], [0]]), np.array([1.0, 2.0, 3.0]), dn)
    array([4., 0., 2.])
    """)


scatter_sub = _scatter_function("scatter_sub", "sub", """XLA's scatter with subtraction:
    ``scatter_add`` of the negated updates.

    >>> import numpy as np
    >>> dn = ScatterDimensionNumbers((), (0,), (0,))
    >>> scatter_sub(np.zeros(2), np.array([[1], [1]]), np.array([1.0, 2.0]), dn)
    array([ 0., -3.])
    """)


def index_take(src: Any, idxs: Sequence[Any], axes: Sequence[int]) -> Any:
    """``src`` indexed by the integer arrays ``idxs`` along ``axes`` (broadcast together,
    their shape leading the result, then the remaining axes).

    >>> import numpy as np
    >>> index_take(np.arange(6.0).reshape(2, 3), [np.array([1, 0])], [1])
    array([[1., 4.],
           [0., 3.]])
    """
    import fungrad.numpy as fnp
    src = as_array(src)
    nd = len(src.shape)
    axes = [operator.index(a) % nd for a in axes]
    if len(idxs) != len(axes) or len(set(axes)) != len(axes):
        raise ValueError("index_take: needs one index array per distinct axis, got "
                         f"{len(idxs)} arrays for axes {axes}")
    rest = [a for a in range(nd) if a not in axes]
    moved = st.transpose(src, axes + rest)
    return fnp.asarray(moved)[tuple(as_array(i) for i in idxs)]


scatter = _scatter_function("scatter", "set", """XLA's scatter that replaces: each window of
    ``updates`` written at its start (with repeated indices, which write wins is unspecified, as
    in XLA).

    >>> import numpy as np
    >>> dn = ScatterDimensionNumbers((), (0,), (0,))
    >>> scatter(np.zeros(3), np.array([[1]]), np.array([5.0]), dn)
    array([0., 5., 0.])
    """)


scatter_mul = _scatter_function("scatter_mul", "mul", """XLA's scatter with multiplication.
    Differentiable in ``operand``; in ``updates`` only with ``unique_indices=True`` (as in JAX).

    >>> import numpy as np
    >>> dn = ScatterDimensionNumbers((), (0,), (0,))
    >>> scatter_mul(np.ones(3), np.array([[0], [0]]), np.array([2.0, 3.0]), dn)
    array([6., 1., 1.])
    """)


scatter_min = _scatter_function("scatter_min", "min", """XLA's scatter keeping the minimum; the
    derivative is shared among tied winners.

    >>> import numpy as np
    >>> dn = ScatterDimensionNumbers((), (0,), (0,))
    >>> scatter_min(np.zeros(2), np.array([[1], [1]]), np.array([-1.0, 2.0]), dn)
    array([ 0., -1.])
    """)


scatter_max = _scatter_function("scatter_max", "max", """XLA's scatter keeping the maximum; the
    derivative is shared among tied winners.

    >>> import numpy as np
    >>> dn = ScatterDimensionNumbers((), (0,), (0,))
    >>> scatter_max(np.zeros(2), np.array([[1], [1]]), np.array([-1.0, 2.0]), dn)
    array([0., 2.])
    """)

def scatter_apply(operand: Any, scatter_indices: Any, func: Callable,
                  dimension_numbers: ScatterDimensionNumbers, *, update_shape: Sequence[int] = (),
                  indices_are_sorted: bool = False, unique_indices: bool = False,
                  mode: Any = None) -> Any:
    """``operand`` with the scalar function ``func`` applied at every element the scatter
    windows (of ``update_shape``, placed by ``scatter_indices`` and ``dimension_numbers`` as in
    ``scatter``) reach; an element reached ``k`` times gets ``func`` applied ``k`` times, as in
    XLA. Differentiable in ``operand`` through ``func`` (JAX defines no derivative here).

    >>> import numpy as np
    >>> dn = ScatterDimensionNumbers((), (0,), (0,))
    >>> scatter_apply(np.arange(5.0), np.array([[1], [3], [1]]), lambda x: 2 * x + 1, dn,
    ...               update_shape=(3,))
    array([0., 7., 2., 7., 4.])
    """
    from fungrad.vmap import vmap
    if not callable(func):
        raise TypeError(f"scatter_apply: func must be a callable, got {func!r}")
    operand = as_array(operand)
    o_aval = get_aval(operand)
    update_shape = int_tuple("scatter_apply", "update_shape", update_shape)
    counts = _scatter("scatter_apply", np.zeros(o_aval.shape, np.int32), scatter_indices,
                      np.ones(update_shape, np.int32), dimension_numbers, mode, "add",
                      unique_indices)
    if unique_indices:
        times = 1
    elif o_aval.size == 0:
        times = 0
    else:  # a traced count is read as a guard (retraced if another call needs more)
        times = int(st.reduce_max(counts, tuple(range(o_aval.ndim))))

    def apply_everywhere(x):
        flat = st.reshape(x, (o_aval.size,))
        out = vmap(func)(flat)
        o = get_aval(out)
        if o.shape != (o_aval.size,) or o.dtype != o_aval.dtype:
            raise TypeError(f"scatter_apply: func must map a scalar of the operand's dtype "
                            f"{o_aval.dtype.name} to one, got {o.str_short()} for "
                            f"{o_aval.size} scalars")
        return st.reshape(out, o_aval.shape)
    out = operand
    for k in range(times):
        out = ew.select(ew.gt(counts, k), apply_everywhere(out), out)
    return out
