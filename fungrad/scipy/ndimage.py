"""``fungrad.scipy.ndimage``: ``map_coordinates``, as ``jax.scipy.ndimage.map_coordinates``.

Interpolation of order 0 (nearest) and 1 (linear), written as a composition of fungrad
operations: each coordinate gives one or two integer indices with weights, the indices are
folded back into the array by the edge ``mode``, and the result is the weighted sum of the
gathered corners. It is therefore differentiable in the input values (a linear gather) and,
for ``order=1``, in the coordinates (the weights are linear in them, piecewise).

The edge modes follow scipy's *documentation* of them, as JAX does: ``'wrap'`` is scipy's
``'grid-wrap'`` and ``'constant'`` is scipy's ``'grid-constant'`` (each corner outside the
array counts as ``cval``).

>>> image = np.arange(12.0).reshape(3, 4)
>>> map_coordinates(image, [np.array([0.5, 1.5]), np.array([1.5, 2.5])], order=1)
array([3.5, 8.5])
"""
from __future__ import annotations

import functools
import itertools
import operator
from typing import Any, Callable, Sequence

import numpy as np

import fungrad.lax as lax
import fungrad.numpy as fnp
from fungrad.scipy._checks import describe, numeric_array

__all__ = ["map_coordinates"]

_FUNC = "fungrad.scipy.ndimage.map_coordinates"


def _mirror(index, size: int):
    """Reflect about the edge samples (``d c b | a b c d | c b a``): a triangular wave of
    period ``2 (size - 1)``."""
    if size == 1:
        return fnp.zeros_like(index)
    half = size - 1
    return fnp.abs((index + half) % (2 * half) - half)


def _reflect(index, size: int):
    """Reflect about the edges themselves (``d c b a | a b c d | d c b a``): the mirror
    wave of the half-integer grid, mapped back to integers."""
    return fnp.floor_divide(_mirror(2 * index + 1, 2 * size + 1) - 1, 2)


_INDEX_FOLDS: dict[str, Callable[[Any, int], Any]] = {
    "constant": lambda index, size: fnp.clip(index, 0, size - 1),  # masked to cval below
    "nearest": lambda index, size: fnp.clip(index, 0, size - 1),
    "wrap": lambda index, size: index % size,
    "mirror": _mirror,
    "reflect": _reflect,
}


def _nearest_nodes(coordinate):
    """One node, the rounded coordinate (halves away from zero, as JAX and scipy)."""
    if coordinate.dtype.kind in "iu":
        return [(coordinate, None)]
    return [(lax.round(coordinate).astype(np.int64), None)]


def _linear_nodes(coordinate):
    """The two nodes around the coordinate, weighted by closeness."""
    lower = fnp.floor(coordinate)
    upper_weight = coordinate - lower
    index = lower.astype(np.int64)
    return [(index, 1 - upper_weight), (index + 1, upper_weight)]


def _check(input, coordinates, order, mode):
    input = numeric_array(_FUNC, "input", input, "biufc")
    if order not in (0, 1) or isinstance(order, bool):
        raise NotImplementedError(f"{_FUNC}: order must be 0 (nearest) or 1 (linear), as in "
                                  f"JAX, got order={order!r}")
    if mode not in _INDEX_FOLDS:
        raise ValueError(f"{_FUNC}: mode must be one of {tuple(_INDEX_FOLDS)}, got {mode!r}")
    if not isinstance(coordinates, (list, tuple)):
        coordinates = numeric_array(_FUNC, "coordinates", coordinates)
        if coordinates.ndim == 0:
            raise ValueError(f"{_FUNC}: coordinates must be a sequence of input.ndim "
                             f"arrays, got a scalar {describe(coordinates)}")
        coordinates = [coordinates[i] for i in range(coordinates.shape[0])]
    coordinates = [numeric_array(_FUNC, f"coordinates[{i}]", c)
                   for i, c in enumerate(coordinates)]
    if len(coordinates) != input.ndim:
        raise ValueError(f"{_FUNC}: coordinates must be a sequence of input.ndim = "
                         f"{input.ndim} arrays (input {describe(input)}), got "
                         f"{len(coordinates)}")
    try:
        np.broadcast_shapes(*[c.shape for c in coordinates])
    except ValueError:
        raise ValueError(f"{_FUNC}: the coordinate arrays must broadcast together, got "
                         f"{[describe(c) for c in coordinates]}") from None
    if input.size == 0:
        raise ValueError(f"{_FUNC}: input must not be empty, got {describe(input)}")
    return input, coordinates


def map_coordinates(input, coordinates: Sequence[Any], order: int, mode: str = "constant",
                    cval: Any = 0.0):
    """The values of ``input`` at fractional index ``coordinates`` (one array per axis of
    ``input``), by nearest-neighbour (``order=0``) or linear (``order=1``) interpolation.

    Points outside the array follow ``mode``: ``'constant'`` (corners outside count as
    ``cval``), ``'nearest'`` (the edge value), ``'wrap'`` (periodic), ``'mirror'``
    (reflected about the edge samples) or ``'reflect'`` (reflected about the edges). The
    result has the broadcast shape of the coordinates and the dtype of ``input`` (integer
    inputs are rounded, halves away from zero).

    >>> x = np.array([1.0, 2.0, 4.0])
    >>> map_coordinates(x, [np.array([0.25, 1.5, 2.5])], order=1)
    array([1.25, 3.  , 2.  ])
    >>> map_coordinates(x, [np.array([-1.0, 3.0])], order=0, mode="wrap")
    array([4., 1.])
    """
    input, coordinates = _check(input, coordinates, order, mode)
    fold = _INDEX_FOLDS[mode]
    nodes = _nearest_nodes if order == 0 else _linear_nodes
    per_axis = []
    for coordinate, size in zip(coordinates, input.shape):
        if order == 1 and coordinate.dtype.kind in "biu":
            coordinate = coordinate.astype(np.float64)
        axis_nodes = []
        for index, weight in nodes(coordinate):
            inside = (index >= 0) & (index < size) if mode == "constant" else None
            axis_nodes.append((fold(index, size), inside, weight))
        per_axis.append(axis_nodes)

    cval = fnp.asarray(cval).astype(input.dtype)
    terms = []
    for corner in itertools.product(*per_axis):
        indices, insides, weights = zip(*corner)
        value = input[indices]
        insides = [m for m in insides if m is not None]
        if insides:
            value = fnp.where(functools.reduce(operator.and_, insides), value, cval)
        weights = [w for w in weights if w is not None]
        if weights:
            value = functools.reduce(operator.mul, weights) * value
        terms.append(value)
    result = functools.reduce(operator.add, terms)
    if input.dtype.kind in "biu":
        result = lax.round(result) if result.dtype.kind in "fc" else result
    return result.astype(input.dtype)
