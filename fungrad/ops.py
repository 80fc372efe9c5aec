"""``jax.ops``: segment reductions, the sums, products, maxima and minima of the rows of
``data`` that share a segment id.

Each is one scatter into an array of ``num_segments`` rows filled with the reduction's
identity (0 for sums, 1 for products, -inf / the smallest integer for maxima, ...), so a
segment nobody writes to holds that identity, as in JAX. They are compositions of
``fungrad.numpy``'s ``.at[...]`` updates: they differentiate (maxima and minima share the
derivative among tied winners), jit and vmap as those do. Where the ids themselves are traced
(a ``jit`` argument, ``vmap`` over ids), products, maxima and minima reduce a masked copy of
``data`` per segment instead, with the same values.

>>> import numpy as np
>>> segment_sum(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 0, 1, 2]), num_segments=3)
array([3., 3., 4.])
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from fungrad.core import Tracer

__all__ = ["segment_sum", "segment_prod", "segment_max", "segment_min"]


def _identity(name: str, dtype: np.dtype, combine: str) -> Any:
    """The value a segment with no data holds: the identity of ``combine`` in ``dtype``."""
    from fungrad.numpy.indexing import _identity as update_identity
    if combine == "add":
        return 0  # (not the -0.0 of .at[].add: a segment with no data sums to 0.0, as in JAX)
    if combine == "multiply" or dtype.kind in "biuf":
        return update_identity(combine, dtype)
    raise TypeError(f"fungrad.ops.{name}: data must be real (numbers have no order in "
                    f"{dtype.name})")


def _segment_reduce(name: str, combine: str, data: Any, segment_ids: Any,
                    num_segments: int | None, bucket_size: int | None, mode: Any) -> Any:
    import fungrad.numpy as fnp
    from fungrad.lax.indexing import GatherScatterMode
    data, ids = fnp.asarray(data), fnp.asarray(segment_ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"fungrad.ops.{name}: segment_ids must be integers, got "
                        f"{ids.dtype.name}{list(ids.shape)}")
    if tuple(data.shape[:ids.ndim]) != tuple(ids.shape):
        raise ValueError(f"fungrad.ops.{name}: segment_ids {ids.dtype.name}{list(ids.shape)} "
                         f"must match the leading dimensions of data "
                         f"{data.dtype.name}{list(data.shape)}")
    if bucket_size is not None:  # JAX's way to split a large scatter: the same result here
        operator.index(bucket_size)
    if num_segments is None:  # as in JAX, the largest id + 1 (it needs a known value)
        num_segments = int(fnp.max(ids)) + 1 if ids.size else 0
    try:
        num_segments = operator.index(num_segments)
    except TypeError:
        raise TypeError(f"fungrad.ops.{name}: num_segments must be an int, got "
                        f"{type(num_segments).__name__}") from None
    if num_segments < 0:
        raise ValueError(f"fungrad.ops.{name}: num_segments must be >= 0, got {num_segments}")
    if GatherScatterMode.from_any(mode) is GatherScatterMode.CLIP:
        ids = fnp.clip(ids, 0, max(num_segments - 1, 0))  # (not numpy's negative indexing)
    else:  # ids outside [0, num_segments), negative ones too, are dropped
        ids = fnp.where(ids < 0, num_segments, ids)
    identity = _identity(name, np.dtype(data.dtype), combine)
    if combine != "add" and isinstance(ids, Tracer):
        return _one_hot_reduce(combine, data, ids, num_segments, identity)
    out = fnp.full((num_segments,) + tuple(data.shape[ids.ndim:]), identity, data.dtype)
    return getattr(out.at[ids], combine)(data, mode="drop")


def _one_hot_reduce(combine: str, data: Any, ids: Any, num_segments: int,
                    identity: Any) -> Any:
    """The reduction with traced ids: ``.at[...]`` multiply/max/min needs to see repeated
    indices, so each segment reduces its own masked copy of ``data`` instead (memory
    ``len(ids) * num_segments``; the derivatives are those of ``prod``/``max``/``min``)."""
    import fungrad.numpy as fnp
    rest = data.ndim - ids.ndim
    # member[k, i...] is True where row i... belongs to segment k
    member = fnp.arange(num_segments).reshape((num_segments,) + (1,) * ids.ndim) == ids
    member = member.reshape(member.shape + (1,) * rest)
    masked = fnp.where(member, data, fnp.asarray(identity, data.dtype))
    axes = tuple(range(1, ids.ndim + 1))
    reduce = getattr(fnp, {"multiply": "prod", "max": "max", "min": "min"}[combine])
    if ids.size == 0:
        return fnp.full((num_segments,) + tuple(data.shape[ids.ndim:]), identity, data.dtype)
    return reduce(masked, axis=axes)


def segment_sum(data: Any, segment_ids: Any, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode: Any = None) -> Any:
    """The sum of the rows of ``data`` in each segment: ``out[k] = sum(data[segment_ids ==
    k])``, ``num_segments`` rows (default ``max(segment_ids) + 1``, which needs known ids).

    ``segment_ids`` matches the leading dimensions of ``data``; ids outside
    ``[0, num_segments)`` are dropped (``mode="clip"`` moves them to the first or last
    segment). ``indices_are_sorted``, ``unique_indices`` and ``bucket_size`` are XLA hints:
    the result is the same without them.

    >>> import numpy as np
    >>> segment_sum(np.arange(6.0), np.array([0, 0, 1, 3, -1, 7]), num_segments=5)
    array([1., 2., 0., 3., 0.])
    >>> segment_sum(np.ones((4, 2)), np.array([0, 1, 1, 0]), 2)
    array([[2., 2.],
           [2., 2.]])
    """
    return _segment_reduce("segment_sum", "add", data, segment_ids, num_segments,
                           bucket_size, mode)


def segment_prod(data: Any, segment_ids: Any, num_segments: int | None = None,
                 indices_are_sorted: bool = False, unique_indices: bool = False,
                 bucket_size: int | None = None, mode: Any = None) -> Any:
    """The product of the rows of ``data`` in each segment (1 for an empty one); arguments
    as ``segment_sum``.

    >>> import numpy as np
    >>> segment_prod(np.array([2.0, 3.0, 4.0]), np.array([0, 0, 2]), num_segments=3)
    array([6., 1., 4.])
    """
    return _segment_reduce("segment_prod", "multiply", data, segment_ids, num_segments,
                           bucket_size, mode)


def segment_max(data: Any, segment_ids: Any, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode: Any = None) -> Any:
    """The maximum of the rows of ``data`` in each segment (-inf, or the dtype's smallest
    value, for an empty one); tied maxima share the derivative. Arguments as ``segment_sum``.

    >>> import numpy as np
    >>> segment_max(np.array([1.0, 5.0, 2.0]), np.array([0, 0, 2]), num_segments=3)
    array([  5., -inf,   2.])
    """
    return _segment_reduce("segment_max", "max", data, segment_ids, num_segments,
                           bucket_size, mode)


def segment_min(data: Any, segment_ids: Any, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode: Any = None) -> Any:
    """The minimum of the rows of ``data`` in each segment (inf, or the dtype's largest
    value, for an empty one); tied minima share the derivative. Arguments as ``segment_sum``.

    >>> import numpy as np
    >>> segment_min(np.array([1.0, 5.0, 2.0]), np.array([0, 0, 2]), num_segments=3)
    array([ 1., inf,  2.])
    """
    return _segment_reduce("segment_min", "min", data, segment_ids, num_segments,
                           bucket_size, mode)
