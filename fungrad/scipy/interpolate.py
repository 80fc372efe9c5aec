"""``fungrad.scipy.interpolate``: ``RegularGridInterpolator``, as in ``jax.scipy.interpolate``.

Linear or nearest-neighbour interpolation on a rectangular grid, written as a composition of
fungrad operations (``searchsorted`` finds each query's cell, then the cell's corners are
gathered and weighted), so it differentiates in the values, the query points, the grid and
the fill value, and works under ``jit`` and ``vmap``. The interpolator is a pytree (grid,
values and fill value are its leaves; method and bounds_error its static data), as JAX
registers it, so it can be passed through transformed functions.

>>> grid = (np.array([0.0, 1.0, 2.0]),)
>>> RegularGridInterpolator(grid, np.array([0.0, 10.0, 40.0]))(np.array([[0.5], [1.5]]))
array([ 5., 25.])
"""
from __future__ import annotations

import itertools
from typing import Any, Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import Tracer
from fungrad.scipy._checks import describe, inexact_dtype, numeric_array
from fungrad.tree_util import register_pytree_node

__all__ = ["RegularGridInterpolator"]

_NAME = "fungrad.scipy.interpolate.RegularGridInterpolator"
_METHODS = ("linear", "nearest")


def _check_method(method):
    if method not in _METHODS:
        raise ValueError(f"{_NAME}: method must be one of {_METHODS}, got {method!r}")


def _check_axis(number: int, axis, values):
    """A grid axis: 1-D, as long as values' axis, at least two points, and (where its
    values are known now) strictly increasing, as JAX requires (a silent wrong answer
    otherwise)."""
    if axis.ndim != 1:
        raise ValueError(f"{_NAME}: points[{number}] must be 1-D, got {describe(axis)}")
    if axis.shape[0] != values.shape[number]:
        raise ValueError(f"{_NAME}: points[{number}] has {axis.shape[0]} points but values "
                         f"({describe(values)}) has {values.shape[number]} along axis "
                         f"{number}")
    if axis.shape[0] < 2:
        raise ValueError(f"{_NAME}: points[{number}] needs at least 2 points, got "
                         f"{describe(axis)}")
    if not isinstance(axis, Tracer) and not np.all(np.diff(np.asarray(axis)) > 0):
        raise ValueError(f"{_NAME}: the points in dimension {number} must be strictly "
                         f"ascending (reorder the grid and values' axis {number})")


class RegularGridInterpolator:
    """Interpolation on a regular grid in any number of dimensions.

    ``points``: one strictly increasing 1-D array per leading axis of ``values``;
    ``method``: ``'linear'`` or ``'nearest'``; ``bounds_error`` must be False (as in JAX:
    it cannot be checked under ``jit``); ``fill_value``: the result outside the grid
    (``None`` extrapolates). Calling it on ``xi`` of shape ``(..., ndim)`` (or a tuple of
    ``ndim`` coordinate arrays) gives shape ``xi.shape[:-1] + values.shape[ndim:]``.

    >>> points = (np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
    >>> values = np.array([[10.0, 20, 30], [40, 50, 60], [70, 80, 90]])
    >>> interpolate = RegularGridInterpolator(points, values)
    >>> interpolate(np.array([[1.5, 4.5], [2.2, 5.8]]))
    array([30., 64.])
    >>> interpolate(np.array([0.0, 5.0]))  # outside the grid
    array([nan])
    """

    def __init__(self, points: Sequence[Any], values, method: str = "linear",
                 bounds_error: bool = False, fill_value: Any = np.nan):
        _check_method(method)
        if bounds_error:
            raise NotImplementedError(f"{_NAME}: bounds_error=True is not supported (as in "
                                      "JAX, it cannot take effect under jit); pass "
                                      "bounds_error=False")
        values = numeric_array(_NAME, "values", values, "biufc")
        values = values.astype(inexact_dtype(values))
        if not isinstance(points, (list, tuple)):
            raise TypeError(f"{_NAME}: points must be a sequence of 1-D arrays, one per "
                            f"dimension, got {type(points).__name__}")
        if len(points) == 0 or len(points) > values.ndim:
            raise ValueError(f"{_NAME}: there are {len(points)} point arrays, but values "
                             f"({describe(values)}) has {values.ndim} dimensions; give "
                             f"between 1 and {values.ndim}")
        grid = tuple(numeric_array(_NAME, f"points[{i}]", p) for i, p in enumerate(points))
        for number, axis in enumerate(grid):
            _check_axis(number, axis, values)
        if fill_value is not None:
            fill_value = numeric_array(_NAME, "fill_value", fill_value, "biufc")
            if fill_value.ndim != 0 or not np.can_cast(fill_value.dtype, values.dtype,
                                                       casting="same_kind"):
                raise ValueError(f"{_NAME}: fill_value must be None or a scalar castable to "
                                 f"values' dtype {values.dtype}, got {describe(fill_value)}")
        self.method = method
        self.bounds_error = bounds_error
        self.grid = grid
        self.values = values
        self.fill_value = fill_value

    def __call__(self, xi, method: str | None = None):
        """Interpolate at ``xi`` (shape ``(..., ndim)``, or a tuple of ``ndim`` arrays).

        >>> f = RegularGridInterpolator((np.array([0.0, 1.0]),), np.array([0.0, 2.0]))
        >>> f(np.array([[0.25], [0.75]]), method="nearest")
        array([0., 2.])
        """
        method = self.method if method is None else method
        _check_method(method)
        ndim = len(self.grid)
        xi = self._points(xi, ndim)
        batch_shape = xi.shape[:-1]
        xi = fnp.reshape(xi, (-1, ndim))
        indices, fractions, outside = self._cells(xi)
        if method == "linear":
            result = self._linear(indices, fractions)
        else:
            result = self.values[tuple(fnp.where(t <= 0.5, i, i + 1)
                                       for i, t in zip(indices, fractions))]
        if self.fill_value is not None:
            mask = fnp.reshape(outside, outside.shape + (1,) * (result.ndim - 1))
            result = fnp.where(mask, self.fill_value.astype(result.dtype), result)
        return fnp.reshape(result, batch_shape + self.values.shape[ndim:])

    def _points(self, xi, ndim: int):
        """The query points as one ``(..., ndim)`` array."""
        if isinstance(xi, tuple) and len(xi) == 1:
            xi = xi[0]
        if isinstance(xi, tuple):
            parts = [numeric_array(_NAME, f"xi[{i}]", p) for i, p in enumerate(xi)]
            try:
                parts = fnp.broadcast_arrays(*parts)
            except ValueError:
                raise ValueError(f"{_NAME}: the coordinate arrays of xi must broadcast "
                                 f"together, got {[describe(p) for p in parts]}") from None
            xi = fnp.stack(parts, axis=-1)
        else:
            xi = numeric_array(_NAME, "xi", xi)
            if xi.ndim <= 1:
                xi = fnp.reshape(xi, (-1, ndim)) if xi.size % ndim == 0 else xi
        if xi.ndim == 0 or xi.shape[-1] != ndim:
            raise ValueError(f"{_NAME}: the sample points xi have dimension "
                             f"{xi.shape[-1] if xi.ndim else 0} ({describe(xi)}), but this "
                             f"interpolator has dimension {ndim}")
        if xi.dtype.kind in "biu":
            xi = xi.astype(np.float64)
        return xi

    def _cells(self, xi):
        """Per dimension: the lower corner of each point's cell, its fractional position in
        the cell, and whether the point lies outside the grid."""
        indices, fractions, outside = [], [], None
        for d, axis in enumerate(self.grid):
            x = xi[:, d]
            i = fnp.clip(fnp.searchsorted(axis, x) - 1, 0, axis.shape[0] - 2)
            indices.append(i)
            fractions.append((x - axis[i]) / (axis[i + 1] - axis[i]))
            out = (x < axis[0]) | (x > axis[-1])
            outside = out if outside is None else outside | out
        return indices, fractions, outside

    def _linear(self, indices, fractions):
        trailing = (slice(None),) + (None,) * (self.values.ndim - len(indices))
        result = None
        for uppers in itertools.product((False, True), repeat=len(indices)):
            corner = tuple(i + 1 if upper else i for upper, i in zip(uppers, indices))
            weight = None
            for upper, t in zip(uppers, fractions):
                w = t if upper else 1 - t
                weight = w if weight is None else weight * w
            term = self.values[corner] * weight[trailing]
            result = term if result is None else result + term
        return result


def _flatten(interpolator: RegularGridInterpolator):
    return ((interpolator.grid, interpolator.values, interpolator.fill_value),
            (interpolator.method, interpolator.bounds_error))


def _unflatten(aux, children) -> RegularGridInterpolator:
    # rebuilt without re-checking: the leaves may be tracers or placeholders here
    interpolator = object.__new__(RegularGridInterpolator)
    interpolator.grid, interpolator.values, interpolator.fill_value = children
    interpolator.method, interpolator.bounds_error = aux
    return interpolator


register_pytree_node(RegularGridInterpolator, _flatten, _unflatten)
