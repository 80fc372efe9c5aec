"""Shape and slicing operations, ``jax.lax`` style, over the structural primitives.

>>> import numpy as np
>>> from fungrad import lax
>>> lax.pad(np.array([1.0, 2.0, 3.0]), 0.0, [(-1, 2, 1)])
array([0., 2., 0., 3., 0., 0.])
"""
from __future__ import annotations

import builtins
import math
import operator
from typing import Any, Sequence

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.lax.dtypes import check_same_dtypes, check_same_shapes
from fungrad.prims import bits
from fungrad.prims import complex as cx
from fungrad.prims import elementwise as ew
from fungrad.prims import slicing
from fungrad.prims import structural as st
from fungrad.prims.elementwise import convert_element_type

__all__ = [
    "bitcast_convert_type", "broadcast", "broadcast_in_dim", "broadcasted_iota", "concatenate",
    "convert_element_type", "dynamic_index_in_dim", "dynamic_slice", "dynamic_slice_in_dim",
    "dynamic_update_index_in_dim", "dynamic_update_slice", "dynamic_update_slice_in_dim",
    "expand_dims", "full", "full_like", "index_in_dim", "iota", "pad", "reshape", "rev",
    "select", "select_n", "slice", "slice_in_dim", "squeeze", "transpose", "broadcast_shapes",
    "broadcast_to_rank", "collapse", "tile", "split", "optimization_barrier", "stack",
    "unstack", "empty", "broadcast_like",
]


def as_array(x):
    """Tracers and arrays as they are; Python scalars and lists as numpy arrays (what a lax
    function reads ``.shape`` from)."""
    return x if isinstance(x, (Tracer, np.ndarray)) else np.asarray(x)


def _aval(name: str, what: str, x):
    try:
        return get_aval(x)
    except TypeError:
        raise TypeError(f"{name}: {what} must be an array or a scalar, got {x!r}") from None


def pad(operand: Any, padding_value: Any, padding_config: Sequence[tuple[int, int, int]]):
    """Pad each axis with ``(low, high, interior)`` elements of ``padding_value``: ``low``
    before, ``high`` after, ``interior`` between neighbours; negative ``low``/``high``
    crop.

    >>> import numpy as np
    >>> pad(np.array([[1, 2], [3, 4]]), 0, [(0, 0, 0), (1, -1, 1)])
    array([[0, 1, 0],
           [0, 3, 0]])
    """
    name = "pad"
    check_same_dtypes(name, {"operand": operand, "padding_value": padding_value})
    x_aval = _aval(name, "operand", operand)
    operand = as_array(operand)
    v_aval = _aval(name, "padding_value", padding_value)
    if v_aval.shape != ():
        raise TypeError(f"{name}: padding_value must be a scalar, got {v_aval.str_short()}")
    try:
        config = tuple((operator.index(lo), operator.index(hi), operator.index(i))
                       for lo, hi, i in padding_config)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: padding_config must be (low, high, interior) integer "
                        f"triples, got {padding_config!r}") from None
    if len(config) != x_aval.ndim:
        raise ValueError(f"{name}: padding_config needs one (low, high, interior) triple per "
                         f"axis of the operand {x_aval.str_short()}, got {len(config)}")
    if any(i < 0 for _, _, i in config):
        raise ValueError(f"{name}: interior padding must be non-negative, got {config}")
    for d, (lo, hi, i) in zip(x_aval.shape, config):
        if _dilated(d, i + 1) + lo + hi < 0:
            raise ValueError(f"{name}: padding_config {config} crops more than the operand "
                             f"{x_aval.str_short()} has")
    if v_aval.dtype != x_aval.dtype or v_aval.weak_type:
        padding_value = convert_element_type(padding_value, x_aval.dtype)
    return pad_general(operand, padding_value, config)


def _dilated(d: int, factor: int) -> int:
    return 0 if d == 0 else 1 + factor * (d - 1)


def pad_general(x, value, config: tuple):
    """``lax.pad`` on checked arguments, as a composition of linear primitives: interior
    padding is a pad on a new unit axis and a reshape, negative padding a slice."""
    shape = list(x.shape)
    for axis, (lo, hi, interior) in enumerate(config):
        n = shape[axis]
        if interior and n > 1:
            split = tuple(shape[:axis + 1]) + (1,) + tuple(shape[axis + 1:])
            widths = [(0, 0)] * len(split)
            widths[axis + 1] = (0, interior)
            x = st.pad(st.reshape(x, split), value, widths)
            shape[axis] = n * (interior + 1)
            x = st.reshape(x, tuple(shape))
            x = st.slice_axis(x, axis, 0, _dilated(n, interior + 1))
            shape[axis] = _dilated(n, interior + 1)
        if lo < 0 or hi < 0:
            n = shape[axis]
            x = st.slice_axis(x, axis, max(-lo, 0), n - max(-hi, 0))
            shape[axis] = n - max(-lo, 0) - max(-hi, 0)
        if lo > 0 or hi > 0:
            widths = [(0, 0)] * len(shape)
            widths[axis] = (max(lo, 0), max(hi, 0))
            x = st.pad(x, value, widths)
            shape[axis] += max(lo, 0) + max(hi, 0)
    return x


def _axis(name: str, axis, ndim: int) -> int:
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name}: axis must be an integer, got {axis!r}") from None
    if not -ndim <= a < builtins.max(ndim, 1) or ndim == 0:
        raise ValueError(f"{name}: axis {axis} is out of bounds for rank {ndim}")
    return a % ndim


def _ints(name: str, what: str, values) -> tuple:
    return int_tuple(name, what, values)


def int_tuple(name: str, what: str, values, n: int | None = None, low: int | None = None,
              per: str = "spatial axis") -> tuple:
    """``values`` as a tuple of Python ints, checked: ``n`` of them (one per ``per``) if
    given, each at least ``low`` if given; the errors name the function and argument."""
    try:
        values = tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{name}: {what} must be a sequence of integers, got "
                        f"{values!r}") from None
    if n is not None and len(values) != n:
        raise ValueError(f"{name}: {what} must have {n} entries (one per {per}), got "
                         f"{values!r}")
    if low is not None and any(v < low for v in values):
        kind = "positive integers" if low == 1 else f"integers of at least {low}"
        raise ValueError(f"{name}: {what} must be {kind}, got {values!r}")
    return values


# ----------------------------------------------------------------------------- casts
def convert_element_type(operand: Any, new_dtype: Any) -> Any:
    """``operand`` as ``new_dtype``. Floats to integers truncate toward zero and, as XLA
    converts them, saturate at the integer type's range, with NaN going to 0 (numpy's own
    cast leaves those cases undefined).

    >>> import numpy as np
    >>> convert_element_type(np.array([1.7, -1.7]), np.int32)
    array([ 1, -1], dtype=int32)
    >>> convert_element_type(np.array([np.nan, 1e30, -1.0]), np.uint8)
    array([  0, 255,   0], dtype=uint8)
    """
    operand, new_dtype = as_array(operand), np.dtype(new_dtype)
    source = get_aval(operand).dtype
    if new_dtype.kind in "iu" and source.kind in "fc":
        return _saturating_cast(cx.real(operand) if source.kind == "c" else operand, new_dtype)
    return ew.convert_element_type(operand, new_dtype)


def _saturating_cast(x, int_dtype: np.dtype):
    """Float ``x`` to ``int_dtype`` as XLA converts: clamped to the type's range (the
    exact extremes, even where the float type cannot hold them), NaN as 0."""
    float_dtype = get_aval(x).dtype
    info = np.iinfo(int_dtype)
    low, high = np.array(info.min, float_dtype), np.array(info.max, float_dtype)
    if int(high) > info.max:  # the type's maximum rounds up in this float type
        high = np.nextafter(high, np.array(0, float_dtype))
    inside = ew.minimum(ew.maximum(x, low), high)
    out = ew.convert_element_type(ew.select(ew.isnan(x), np.zeros((), float_dtype), inside),
                                  int_dtype)
    return ew.select(ew.gt(x, high), np.array(info.max, int_dtype), out)


def bitcast_convert_type(operand: Any, new_dtype: Any) -> Any:
    """The bits of ``operand`` read as ``new_dtype``; a narrower type adds a trailing axis,
    a wider one consumes the last.

    >>> import numpy as np
    >>> bitcast_convert_type(np.array([1.0], np.float32), np.int32)
    array([1065353216], dtype=int32)
    """
    return bits.bitcast_convert_type(as_array(operand), new_dtype)


# ----------------------------------------------------------------------------- shapes
def broadcast(operand: Any, sizes: Sequence[int]) -> Any:
    """``operand`` repeated over new leading axes of the given sizes.

    >>> import numpy as np
    >>> broadcast(np.array([1.0, 2.0]), (2,))
    array([[1., 2.],
           [1., 2.]])
    """
    operand = as_array(operand)
    sizes = _ints("broadcast", "sizes", sizes)
    return st.broadcast_to(operand, sizes + tuple(operand.shape))


def broadcast_in_dim(operand: Any, shape: Sequence[int],
                     broadcast_dimensions: Sequence[int]) -> Any:
    """``operand`` broadcast to ``shape``, its axis i becoming axis
    ``broadcast_dimensions[i]`` (of the same size, or 1).

    >>> import numpy as np
    >>> broadcast_in_dim(np.array([1.0, 2.0]), (2, 3), (0,))
    array([[1., 1., 1.],
           [2., 2., 2.]])
    >>> broadcast_in_dim(np.arange(6.0).reshape(2, 3), (3, 2), (1, 0))  # out of order
    array([[0., 3.],
           [1., 4.],
           [2., 5.]])
    """
    name = "broadcast_in_dim"
    operand = as_array(operand)
    shape = _ints(name, "shape", shape)
    dims = _ints(name, "broadcast_dimensions", broadcast_dimensions)
    aval = get_aval(operand)
    if len(dims) != aval.ndim or len(set(dims)) != len(dims) or \
            any(not 0 <= d < len(shape) for d in dims) or \
            any(s not in (1, shape[d]) for s, d in zip(aval.shape, dims)):
        raise TypeError(f"{name}: cannot put the axes of {aval.str_short()} at "
                        f"broadcast_dimensions {dims} of shape {shape} (one distinct "
                        "dimension per axis, each of the same size or 1)")
    if list(dims) != sorted(dims):  # out of order, as JAX allows: a transpose first
        order = sorted(range(len(dims)), key=dims.__getitem__)
        operand = st.transpose(operand, tuple(order))
        aval = get_aval(operand)
        dims = tuple(dims[i] for i in order)
    kept = [1] * len(shape)
    for s, d in zip(aval.shape, dims):
        kept[d] = s
    return st.broadcast_to(st.reshape(operand, tuple(kept)), shape)


def reshape(operand: Any, new_sizes: Sequence[int],
            dimensions: Sequence[int] | None = None) -> Any:
    """``operand`` reshaped to ``new_sizes`` (no -1), after transposing its axes into the
    order ``dimensions`` if given.

    >>> import numpy as np
    >>> reshape(np.arange(6.0).reshape(2, 3), (3, 2), dimensions=(1, 0))
    array([[0., 3.],
           [1., 4.],
           [2., 5.]])
    """
    operand = as_array(operand)
    new_sizes = _ints("reshape", "new_sizes", new_sizes)
    if dimensions is not None:
        operand = transpose(operand, dimensions)
    return st.reshape(operand, new_sizes)


def transpose(operand: Any, permutation: Sequence[int]) -> Any:
    """The axes of ``operand`` permuted: result axis i is ``operand``'s axis
    ``permutation[i]``.

    >>> import numpy as np
    >>> transpose(np.zeros((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    operand = as_array(operand)
    return st.transpose(operand, _ints("transpose", "permutation", permutation))


def squeeze(array: Any, dimensions: Sequence[int]) -> Any:  # noqa: A002
    """``array`` without the given size-1 axes.

    >>> import numpy as np
    >>> squeeze(np.zeros((1, 3, 1)), (0, -1)).shape
    (3,)
    """
    array = as_array(array)
    shape = tuple(array.shape)
    dims = {_axis("squeeze", d, len(shape)) for d in _ints("squeeze", "dimensions", dimensions)}
    for d in dims:
        if shape[d] != 1:
            raise ValueError(f"squeeze: axis {d} of {get_aval(array).str_short()} has size "
                             f"{shape[d]}, not 1")
    return st.reshape(array, tuple(s for i, s in enumerate(shape) if i not in dims))


def expand_dims(array: Any, dimensions: Sequence[int]) -> Any:  # noqa: A002
    """``array`` with size-1 axes inserted at ``dimensions`` (of the result).

    >>> import numpy as np
    >>> expand_dims(np.zeros(3), (0, 2)).shape
    (1, 3, 1)
    """
    array = as_array(array)
    shape = list(array.shape)
    ndim = len(shape) + len(dimensions)
    dims = sorted(_axis("expand_dims", d, ndim)
                  for d in _ints("expand_dims", "dimensions", dimensions))
    if len(set(dims)) != len(dims):
        raise ValueError(f"expand_dims: repeated dimensions {tuple(dimensions)}")
    for d in dims:
        shape.insert(d, 1)
    return st.reshape(array, tuple(shape))


def rev(operand: Any, dimensions: Sequence[int]) -> Any:
    """``operand`` reversed along ``dimensions``.

    >>> import numpy as np
    >>> rev(np.arange(3.0), (0,))
    array([2., 1., 0.])
    """
    operand = as_array(operand)
    nd = len(operand.shape)
    dims = tuple(_axis("rev", d, nd) for d in _ints("rev", "dimensions", dimensions))
    if len(set(dims)) != len(dims):
        raise ValueError(f"rev: repeated dimensions {tuple(dimensions)}")
    return st.rev(operand, dims) if dims else operand


def concatenate(operands: Sequence[Any], dimension: int) -> Any:
    """The operands joined along axis ``dimension``.

    >>> import numpy as np
    >>> concatenate([np.zeros(2), np.ones(1)], 0)
    array([0., 0., 1.])
    """
    if not operands:
        raise ValueError("concatenate: needs at least one operand")
    check_same_dtypes("concatenate", {f"operands[{i}]": x for i, x in enumerate(operands)},
                      "concatenate")
    operands = [as_array(x) for x in operands]
    nd = len(operands[0].shape)
    return st.concatenate(operands, _axis("concatenate", dimension, nd))


# ----------------------------------------------------------------------------- static slices
def slice(operand: Any, start_indices: Sequence[int], limit_indices: Sequence[int],  # noqa
          strides: Sequence[int] | None = None) -> Any:
    """``operand[start:limit:stride, ...]``, every index static and inside the operand.

    >>> import numpy as np
    >>> slice(np.arange(6.0), (1,), (6,), (2,))
    array([1., 3., 5.])
    """
    name = "slice"
    operand = as_array(operand)
    shape = tuple(operand.shape)
    starts = _ints(name, "start_indices", start_indices)
    limits = _ints(name, "limit_indices", limit_indices)
    steps = (1,) * len(shape) if strides is None else _ints(name, "strides", strides)
    if not len(starts) == len(limits) == len(steps) == len(shape):
        raise TypeError(f"{name}: start_indices, limit_indices and strides need one entry per "
                        f"axis of {get_aval(operand).str_short()}")
    for b, e, k, d in zip(starts, limits, steps, shape):
        if not 0 <= b <= e <= d or k < 1:
            raise ValueError(f"{name}: start {starts}, limit {limits}, strides {steps} do not "
                             f"fit {get_aval(operand).str_short()} (0 <= start <= limit <= "
                             "size, strides positive)")
    items = [builtins.slice(b, e, k) for b, e, k in zip(starts, limits, steps)]
    return st.gather(operand, indexer=st.Indexer.from_numpy(items))


def slice_in_dim(operand: Any, start_index: int | None, limit_index: int | None,
                 stride: int = 1, axis: int = 0) -> Any:
    """``slice`` along one axis; None and negative indices count as in Python.

    >>> import numpy as np
    >>> slice_in_dim(np.arange(6.0).reshape(2, 3), 1, None, axis=1)
    array([[1., 2.],
           [4., 5.]])
    """
    operand = as_array(operand)
    shape = tuple(operand.shape)
    axis = _axis("slice_in_dim", axis, len(shape))
    start, stop, _ = builtins.slice(start_index, limit_index).indices(shape[axis])
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, builtins.max(start, stop), stride
    return slice(operand, starts, limits, strides)


def index_in_dim(operand: Any, index: int, axis: int = 0, keepdims: bool = True) -> Any:
    """The ``index``-th entry along ``axis`` (negative counts from the end), keeping the
    axis as size 1 unless ``keepdims`` is False.

    >>> import numpy as np
    >>> index_in_dim(np.arange(6.0).reshape(2, 3), -1, axis=1, keepdims=False)
    array([2., 5.])
    """
    operand = as_array(operand)
    shape = tuple(operand.shape)
    axis = _axis("index_in_dim", axis, len(shape))
    i = operator.index(index)
    if not -shape[axis] <= i < shape[axis]:
        raise ValueError(f"index_in_dim: index {index} is out of bounds for axis {axis} of "
                         f"{get_aval(operand).str_short()}")
    i %= shape[axis]
    out = slice_in_dim(operand, i, i + 1, axis=axis)
    return out if keepdims else squeeze(out, (axis,))


# ----------------------------------------------------------------------------- dynamic slices
def _starts(name: str, indices, shape, allow_negative_indices=True):
    """The start indices as integer scalars, a negative one counting from the end of its
    axis as JAX's lax does unless ``allow_negative_indices`` (one flag, or one per axis)
    says not (the primitive then clamps, as XLA does)."""
    indices = list(indices)
    if len(indices) != len(shape):
        raise TypeError(f"{name}: needs one start index per axis of the operand of shape "
                        f"{tuple(shape)}, got {len(indices)}")
    wrap = [allow_negative_indices] * len(shape) if isinstance(allow_negative_indices, bool) \
        else list(allow_negative_indices)
    if len(wrap) != len(shape):
        raise ValueError(f"{name}: allow_negative_indices needs one flag per axis of the "
                         f"operand of shape {tuple(shape)}, got {len(wrap)}")
    starts = []
    for index, dim, wraps in zip(indices, shape, wrap):
        aval = get_aval(index)
        if aval.shape != () or aval.dtype.kind not in "iu":
            raise TypeError(f"{name}: start indices must be integer scalars, got "
                            f"{aval.str_short()}")
        if isinstance(index, (int, np.integer)):
            if index < 0 and not wraps:
                raise ValueError(f"{name}: index {index} is out of bounds for dimension "
                                 f"{dim} with allow_negative_indices=False")
            starts.append(np.int64(index + dim if index < 0 else index))
        elif aval.dtype.kind == "i" and wraps:
            starts.append(ew.select(ew.lt(index, 0), ew.add(index, dim), index))
        else:
            starts.append(index)
    return starts


def dynamic_slice(operand: Any, start_indices: Sequence[Any], slice_sizes: Sequence[int], *,
                  allow_negative_indices: bool | Sequence[bool] = True) -> Any:
    """The block of ``slice_sizes`` at ``start_indices``, which may be traced; a negative
    start counts from the end of its axis, and each start is then clamped so the block lies
    inside the operand (as JAX and XLA do).

    >>> import numpy as np
    >>> dynamic_slice(np.arange(6.0).reshape(2, 3), (1, 5), (1, 2))
    array([[4., 5.]])
    >>> dynamic_slice(np.arange(6.0), (-2,), (2,))
    array([4., 5.])
    """
    operand = as_array(operand)
    starts = _starts("dynamic_slice", start_indices, get_aval(operand).shape,
                     allow_negative_indices)
    return slicing.dynamic_slice(operand, starts, _ints("dynamic_slice", "slice_sizes",
                                                        slice_sizes))


def dynamic_slice_in_dim(operand: Any, start_index: Any, slice_size: int, axis: int = 0, *,
                         allow_negative_indices: bool = True) -> Any:
    """``dynamic_slice`` along one axis.

    >>> import numpy as np
    >>> dynamic_slice_in_dim(np.arange(5.0), 1, 3)
    array([1., 2., 3.])
    """
    operand = as_array(operand)
    shape = tuple(operand.shape)
    axis = _axis("dynamic_slice_in_dim", axis, len(shape))
    starts = [np.int64(0)] * len(shape)
    starts[axis] = start_index
    sizes = list(shape)
    sizes[axis] = slice_size
    return dynamic_slice(operand, starts, sizes,
                         allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand: Any, index: Any, axis: int = 0, keepdims: bool = True, *,
                         allow_negative_indices: bool = True) -> Any:
    """The ``index``-th entry along ``axis`` (possibly traced; negative counts from the end,
    out of range is clamped).

    >>> import numpy as np
    >>> dynamic_index_in_dim(np.arange(5.0), 7, keepdims=False)
    np.float64(4.0)
    >>> dynamic_index_in_dim(np.arange(5.0), -1, keepdims=False)
    np.float64(4.0)
    """
    out = dynamic_slice_in_dim(operand, index, 1, axis,
                               allow_negative_indices=allow_negative_indices)
    return out if keepdims else squeeze(out, (axis,))


def dynamic_update_slice(operand: Any, update: Any, start_indices: Sequence[Any], *,
                         allow_negative_indices: bool | Sequence[bool] = True) -> Any:
    """``operand`` with ``update`` written at ``start_indices`` (possibly traced; negative
    counts from the end, then clamped so the update lies inside).

    >>> import numpy as np
    >>> dynamic_update_slice(np.zeros(4), np.ones(2), (3,))
    array([0., 0., 1., 1.])
    """
    check_same_dtypes("dynamic_update_slice", {"operand": operand, "update": update})
    operand, update = as_array(operand), as_array(update)
    starts = _starts("dynamic_update_slice", start_indices, get_aval(operand).shape,
                     allow_negative_indices)
    o, u = get_aval(operand), get_aval(update)
    if u.dtype != o.dtype:  # a weak Python scalar update
        update = ew.convert_element_type(update, o.dtype)
    return slicing.dynamic_update_slice(operand, update, starts)


def dynamic_update_slice_in_dim(operand: Any, update: Any, start_index: Any, axis: int, *,
                                allow_negative_indices: bool = True) -> Any:
    """``dynamic_update_slice`` at ``start_index`` along one axis (0 along the others).

    >>> import numpy as np
    >>> dynamic_update_slice_in_dim(np.zeros((2, 3)), np.ones((2, 1)), 1, axis=1)
    array([[0., 1., 0.],
           [0., 1., 0.]])
    """
    operand = as_array(operand)
    nd = len(operand.shape)
    axis = _axis("dynamic_update_slice_in_dim", axis, nd)
    starts = [np.int64(0)] * nd
    starts[axis] = start_index
    return dynamic_update_slice(operand, update, starts,
                                allow_negative_indices=allow_negative_indices)


def dynamic_update_index_in_dim(operand: Any, update: Any, index: Any, axis: int, *,
                                allow_negative_indices: bool = True) -> Any:
    """``update`` (with or without the indexed axis) written at ``index`` along ``axis``.

    >>> import numpy as np
    >>> dynamic_update_index_in_dim(np.zeros((2, 2)), np.ones(2), 0, axis=0)
    array([[1., 1.],
           [0., 0.]])
    """
    operand, update = as_array(operand), as_array(update)
    nd = len(operand.shape)
    axis = _axis("dynamic_update_index_in_dim", axis, nd)
    if len(update.shape) == nd - 1:
        update = expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)


# ----------------------------------------------------------------------------- select
def select(pred: Any, on_true: Any, on_false: Any) -> Any:
    """``on_true`` where ``pred`` (boolean) holds, else ``on_false``.

    >>> import numpy as np
    >>> select(np.array([True, False]), np.ones(2), np.zeros(2))
    array([1., 0.])
    """
    check_same_dtypes("select", {"on_true": on_true, "on_false": on_false}, "where")
    check_same_shapes("select", {"on_true": on_true, "on_false": on_false}, {"pred": pred})
    p_aval = _aval("select", "pred", pred)
    if p_aval.dtype != np.bool_:
        raise TypeError(f"select: pred must be boolean, got {p_aval.str_short()}")
    return ew.select(pred, on_true, on_false)


def select_n(which: Any, *cases: Any) -> Any:
    """``cases[which]`` elementwise: ``which`` is boolean (two cases: False picks the
    first) or an integer below ``len(cases)``.

    >>> import numpy as np
    >>> select_n(np.array([2, 0, 1]), np.zeros(3), np.ones(3), np.full(3, 2.0))
    array([2., 0., 1.])
    """
    if not cases:
        raise ValueError("select_n: needs at least one case")
    check_same_dtypes("select_n", {f"cases[{i}]": c for i, c in enumerate(cases)}, "select")
    check_same_shapes("select_n", {f"cases[{i}]": c for i, c in enumerate(cases)},
                      {"which": which})
    aval = get_aval(which)
    if aval.dtype == np.bool_:
        if len(cases) != 2:
            raise ValueError(f"select_n: a boolean which selects between two cases, got "
                             f"{len(cases)}")
        return ew.select(which, cases[1], cases[0])
    if aval.dtype.kind not in "iu":
        raise TypeError(f"select_n: which must be boolean or integer, got {aval.str_short()}")
    out = cases[0]
    for i, case in enumerate(cases[1:], 1):
        out = ew.select(ew.eq(which, i), case, out)
    return out


# ----------------------------------------------------------------------------- creation
def iota(dtype: Any, size: int) -> Any:
    """``0, 1, ..., size - 1`` as ``dtype``.

    >>> iota(np.int32, 3)
    array([0, 1, 2], dtype=int32)
    """
    return np.arange(operator.index(size), dtype=np.dtype(dtype))


def broadcasted_iota(dtype: Any, shape: Sequence[int], dimension: int) -> Any:
    """An array of ``shape`` whose entries count along axis ``dimension``.

    >>> broadcasted_iota(np.int32, (2, 3), 1)
    array([[0, 1, 2],
           [0, 1, 2]], dtype=int32)
    """
    shape = _ints("broadcasted_iota", "shape", shape)
    dimension = _axis("broadcasted_iota", dimension, len(shape))
    kept = [1] * len(shape)
    kept[dimension] = shape[dimension]
    return np.broadcast_to(iota(dtype, shape[dimension]).reshape(kept), shape).copy()


def full(shape: Sequence[int], fill_value: Any, dtype: Any = None) -> Any:
    """An array of ``shape`` filled with the scalar ``fill_value`` (possibly traced).

    >>> full((2,), 3.0, np.float32)
    array([3., 3.], dtype=float32)
    """
    shape = _ints("full", "shape", shape)
    aval = _aval("full", "fill_value", fill_value)
    if aval.shape != ():
        raise TypeError(f"full: fill_value must be a scalar, got {aval.str_short()}")
    dtype = aval.dtype if dtype is None else np.dtype(dtype)
    value = ew.convert_element_type(fill_value, dtype)
    out = st.broadcast_to(value, shape)
    return out.copy() if isinstance(out, np.ndarray) else out


def full_like(x: Any, fill_value: Any, dtype: Any = None, shape: Any = None) -> Any:
    """An array like ``x`` (its shape and dtype, unless given) filled with ``fill_value``.

    >>> full_like(np.zeros((2,), np.int8), 7)
    array([7, 7], dtype=int8)
    """
    aval = _aval("full_like", "x", x)
    return full(aval.shape if shape is None else shape, fill_value,
                aval.dtype if dtype is None else dtype)


def broadcast_shapes(*shapes: Sequence[int]) -> tuple:
    """The shape that numpy-style broadcasting of these shapes gives.

    >>> broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    try:
        return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError:
        raise ValueError(f"broadcast_shapes: incompatible shapes for broadcasting: "
                         f"{', '.join(str(tuple(s)) for s in shapes)}") from None


def broadcast_to_rank(x: Any, rank: int) -> Any:
    """``x`` with leading size-1 axes added up to ``rank``.

    >>> broadcast_to_rank(np.ones(3), 3).shape
    (1, 1, 3)
    """
    x = as_array(x)
    nd = len(x.shape)
    if rank < nd:
        raise ValueError(f"broadcast_to_rank: rank {rank} is below the rank {nd} of x")
    return st.reshape(x, (1,) * (rank - nd) + tuple(x.shape))


def collapse(operand: Any, start_dimension: int, stop_dimension: int | None = None) -> Any:
    """Axes ``start_dimension`` up to (not including) ``stop_dimension`` merged into one.

    >>> collapse(np.zeros((2, 3, 4)), 1).shape
    (2, 12)
    """
    operand = as_array(operand)
    shape = tuple(operand.shape)
    start, stop, _ = builtins.slice(start_dimension, stop_dimension).indices(len(shape))
    if start > stop:
        raise ValueError(f"collapse: start_dimension {start_dimension} is after "
                         f"stop_dimension {stop_dimension} for shape {shape}")
    size = int(math.prod(shape[start:stop]))
    return st.reshape(operand, shape[:start] + (size,) + shape[stop:])


def tile(operand: Any, reps: Sequence[int]) -> Any:
    """``operand`` repeated ``reps[i]`` times along each axis (same rank).

    >>> tile(np.array([1, 2]), (2,))
    array([1, 2, 1, 2])
    """
    operand = as_array(operand)
    reps = _ints("tile", "reps", reps)
    shape = tuple(operand.shape)
    if len(reps) != len(shape):
        raise ValueError(f"tile: reps {reps} needs one entry per axis of shape {shape}")
    spread = tuple(d for pair in zip(reps, shape) for d in pair)
    lined = st.reshape(operand, tuple(d for s in shape for d in (1, s)))
    return st.reshape(st.broadcast_to(lined, spread), tuple(r * s for r, s in zip(reps, shape)))


def split(operand: Any, sizes: Sequence[int], axis: int = 0) -> list:
    """``operand`` cut along ``axis`` into pieces of the given sizes (which add up to the
    axis).

    >>> [p.tolist() for p in split(np.arange(5), (2, 3))]
    [[0, 1], [2, 3, 4]]
    """
    operand = as_array(operand)
    sizes = _ints("split", "sizes", sizes)
    shape = tuple(operand.shape)
    axis = _axis("split", axis, len(shape))
    if sum(sizes) != shape[axis] or any(s < 0 for s in sizes):
        raise ValueError(f"split: sizes {sizes} must be non-negative and add up to "
                         f"{shape[axis]}, the size of axis {axis}")
    out, start = [], 0
    for s in sizes:
        out.append(st.slice_axis(operand, axis, start, start + s))
        start += s
    return out


def optimization_barrier(operand: Any) -> Any:
    """The identity (XLA uses it to keep computations apart; numpy has nothing to move).

    >>> optimization_barrier(1.0)
    1.0
    """
    return operand


def stack(operands: Sequence[Any], axis: int = 0) -> Any:
    """The operands (of one shape) joined along a new axis ``axis``.

    >>> stack([np.zeros(2), np.ones(2)], axis=1)
    array([[0., 1.],
           [0., 1.]])
    """
    operands = [as_array(x) for x in operands]
    if not operands:
        raise ValueError("stack: needs at least one operand")
    nd = len(operands[0].shape) + 1
    axis = _axis("stack", axis, nd)
    return concatenate([expand_dims(x, (axis,)) for x in operands], axis)


def unstack(x: Any, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple.

    >>> unstack(np.arange(4.0).reshape(2, 2), axis=1)
    (array([0., 2.]), array([1., 3.]))
    """
    x = as_array(x)
    nd = len(x.shape)
    axis = _axis("unstack", axis, nd)
    return tuple(index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis]))


def empty(shape: Sequence[int], dtype: Any) -> Any:
    """An array of ``shape`` and ``dtype`` whose values are not to be relied on (zeros).

    >>> empty((2,), np.int32).shape
    (2,)
    """
    return np.zeros(_ints("empty", "shape", shape), np.dtype(dtype))


def broadcast_like(arr: Any, like_arr: Any) -> Any:
    """``arr`` broadcast (numpy style) to the shape of ``like_arr``.

    >>> broadcast_like(np.ones(2), np.zeros((3, 2))).shape
    (3, 2)
    """
    arr = as_array(arr)
    return st.broadcast_to(arr, tuple(get_aval(like_arr).shape))
