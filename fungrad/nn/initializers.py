"""``jax.nn.initializers``: functions ``init(key, shape, dtype=None) -> array`` for parameters,
as compositions of ``fungrad.random`` (so the same key gives JAX's values), float64 unless a
dtype is given.

The variance-scaling family draws with variance ``scale / n``, n from the fans of ``shape``:
``fan_in`` = ``shape[in_axis]`` times the receptive field (the product of the other,
non-batch, non-output axes), ``fan_out`` likewise with ``out_axis``.

>>> import fungrad
>>> from fungrad.nn import initializers
>>> initializers.zeros(None, (2,))
array([0., 0.])
>>> initializers.glorot_normal()(fungrad.random.key(0), (3, 4)).shape
(3, 4)
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad import random

Initializer = Callable[..., Any]


def _float_dtype(dtype):
    return np.dtype(np.float64 if dtype is None else dtype)


def _shape(name: str, shape) -> tuple:
    try:
        return tuple(int(d) for d in ((shape,) if np.ndim(shape) == 0 else shape))
    except (TypeError, ValueError):
        raise TypeError(f"fungrad.nn.initializers.{name}: shape must be a sequence of ints, got "
                        f"{shape!r}") from None


# ---------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------

def zeros(key, shape, dtype=None):
    """An array of zeros (the key is unused).

    >>> zeros(None, (2, 1), np.float32)
    array([[0.],
           [0.]], dtype=float32)
    """
    return np.zeros(_shape("zeros", shape), _float_dtype(dtype))


def ones(key, shape, dtype=None):
    """An array of ones (the key is unused).

    >>> ones(None, 3)
    array([1., 1., 1.])
    """
    return np.ones(_shape("ones", shape), _float_dtype(dtype))


def constant(value, dtype=None) -> Initializer:
    """An initializer filling the array with ``value``.

    >>> constant(-7.0)(None, (2,))
    array([-7., -7.])
    """
    def init(key, shape, dtype=dtype):
        return np.full(_shape("constant", shape), value, _float_dtype(dtype))
    return init


# ---------------------------------------------------------------------------------------------
# Plain distributions
# ---------------------------------------------------------------------------------------------

def uniform(scale: float = 1e-2, dtype=None) -> Initializer:
    """Uniform on [0, scale).

    >>> import fungrad
    >>> w = uniform(2.0)(fungrad.random.key(0), (1000,))
    >>> bool(w.min() >= 0 and w.max() < 2.0)
    True
    """
    def init(key, shape, dtype=dtype):
        dtype = _float_dtype(dtype)
        return (random.uniform(key, _shape("uniform", shape), dtype)
                * np.asarray(scale, dtype))
    return init


def normal(stddev: float = 1e-2, dtype=None) -> Initializer:
    """Normal with mean 0 and standard deviation ``stddev``.

    >>> import fungrad
    >>> normal(1.0)(fungrad.random.key(0), (2, 3)).shape
    (2, 3)
    """
    def init(key, shape, dtype=dtype):
        dtype = _float_dtype(dtype)
        return random.normal(key, _shape("normal", shape), dtype) * np.asarray(stddev, dtype)
    return init


def truncated_normal(stddev: float = 1e-2, dtype=None, lower: float = -2.0,
                     upper: float = 2.0) -> Initializer:
    """``stddev`` times a standard normal truncated to [lower, upper] (so its standard
    deviation is below ``stddev``).

    >>> import fungrad
    >>> w = truncated_normal(1.0)(fungrad.random.key(0), (1000,))
    >>> bool(np.abs(w).max() <= 2.0)
    True
    """
    def init(key, shape, dtype=dtype):
        dtype = _float_dtype(dtype)
        return (random.truncated_normal(key, lower, upper, _shape("truncated_normal", shape),
                                           dtype) * np.asarray(stddev, dtype))
    return init


# ---------------------------------------------------------------------------------------------
# Variance scaling and its named forms
# ---------------------------------------------------------------------------------------------

def _axes_size(shape, axes) -> int:
    if isinstance(axes, (int, np.integer)):
        return shape[axes]
    return math.prod(shape[i] for i in axes)


def _compute_fans(shape: Sequence[int], in_axis=-2, out_axis=-1, batch_axis=()):
    """(fan_in, fan_out) of a weight shape, as JAX computes them."""
    if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
        raise ValueError(f"fungrad.nn.initializers: can't compute input and output sizes of a "
                         f"{len(shape)}-dimensional weights tensor (shape {tuple(shape)}) with "
                         "the default in_axis; it must be at least 2-d, or give in_axis")
    in_size = _axes_size(shape, in_axis)
    out_size = _axes_size(shape, out_axis)
    batch_size = _axes_size(shape, batch_axis)
    receptive_field = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive_field, out_size * receptive_field


# The standard deviation of a standard normal truncated to [-2, 2]: dividing by it makes the
# truncated draw's variance the one promised.
_TRUNCATED_STDDEV = 0.87962566103423978


def variance_scaling(scale: float, mode: str, distribution: str, in_axis=-2, out_axis=-1,
                     batch_axis=(), dtype=None) -> Initializer:
    """Draws with variance ``scale / n``: n is fan_in, fan_out, their mean (``fan_avg``) or
    geometric mean (``fan_geo_avg``); ``distribution`` is ``truncated_normal`` (rescaled so
    the variance holds), ``normal`` or ``uniform`` (on [-sqrt(3 var), sqrt(3 var))).

    >>> import fungrad
    >>> init = variance_scaling(2.0, "fan_in", "normal")
    >>> w = init(fungrad.random.key(0), (200, 300))
    >>> bool(abs(w.var() - 2.0 / 200) < 1e-3)
    True
    """
    if mode not in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg"):
        raise ValueError(f"fungrad.nn.initializers.variance_scaling: invalid mode {mode!r}; "
                         "expected 'fan_in', 'fan_out', 'fan_avg' or 'fan_geo_avg'")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError(f"fungrad.nn.initializers.variance_scaling: invalid distribution "
                         f"{distribution!r}; expected 'truncated_normal', 'normal' or "
                         "'uniform'")

    def init(key, shape, dtype=dtype):
        shape = _shape("variance_scaling", shape)
        dtype = _float_dtype(dtype)
        if dtype.kind != "f":
            raise NotImplementedError(f"fungrad.nn.initializers.variance_scaling: dtype "
                                      f"{dtype} is not supported (real floats only)")
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        denominator = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
                       "fan_geo_avg": (fan_in * fan_out) ** 0.5}[mode]
        variance = np.asarray(scale / denominator, dtype)
        if distribution == "truncated_normal":
            stddev = np.sqrt(variance) / np.asarray(_TRUNCATED_STDDEV, dtype)
            return random.truncated_normal(key, -2, 2, shape, dtype) * stddev
        if distribution == "normal":
            return random.normal(key, shape, dtype) * np.sqrt(variance)
        return random.uniform(key, shape, dtype, -1) * np.sqrt(3 * variance)

    return init


def glorot_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """variance_scaling(1, "fan_avg", "uniform") (also ``xavier_uniform``).

    >>> import fungrad
    >>> bool(np.abs(glorot_uniform()(fungrad.random.key(0), (3, 5))).max() <= np.sqrt(6 / 8))
    True
    """
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis, dtype)


def glorot_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """variance_scaling(1, "fan_avg", "truncated_normal") (also ``xavier_normal``).

    >>> import fungrad
    >>> glorot_normal()(fungrad.random.key(0), (3, 5), np.float32).dtype
    dtype('float32')
    """
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


def lecun_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """variance_scaling(1, "fan_in", "uniform").

    >>> import fungrad
    >>> bool(np.abs(lecun_uniform()(fungrad.random.key(0), (3, 5))).max() <= 1.0)
    True
    """
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def lecun_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """variance_scaling(1, "fan_in", "truncated_normal").

    >>> import fungrad
    >>> lecun_normal()(fungrad.random.key(0), (3, 5)).shape
    (3, 5)
    """
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


def he_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """variance_scaling(2, "fan_in", "uniform") (also ``kaiming_uniform``).

    >>> import fungrad
    >>> bool(np.abs(he_uniform()(fungrad.random.key(0), (6, 5))).max() <= 1.0)
    True
    """
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def he_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """variance_scaling(2, "fan_in", "truncated_normal") (also ``kaiming_normal``).

    >>> import fungrad
    >>> he_normal()(fungrad.random.key(0), (3, 3, 2, 4)).shape
    (3, 3, 2, 4)
    """
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal


# ---------------------------------------------------------------------------------------------
# Orthogonal
# ---------------------------------------------------------------------------------------------

def orthogonal(scale: float = 1.0, column_axis: int = -1, dtype=None) -> Initializer:
    """``scale`` times a uniformly random orthogonal matrix: the array, with ``column_axis``
    last and the other axes flattened into rows, has orthonormal columns (or rows, if there
    are fewer rows than columns).

    >>> import fungrad
    >>> w = orthogonal()(fungrad.random.key(0), (4, 3))
    >>> np.allclose(w.T @ w, np.eye(3))
    True
    """
    def init(key, shape, dtype=dtype):
        shape = _shape("orthogonal", shape)
        dtype = _float_dtype(dtype)
        if len(shape) < 2:
            raise ValueError(f"fungrad.nn.initializers.orthogonal requires at least a 2-d "
                             f"shape, got {shape}")
        if 0 in shape:
            return np.zeros(shape, dtype)
        n_rows, n_cols = math.prod(shape) // shape[column_axis], shape[column_axis]
        q = random.orthogonal(key, n_rows, (), dtype, n_cols)
        q = fnp.reshape(q, tuple(np.delete(shape, column_axis)) + (shape[column_axis],))
        return np.asarray(scale, dtype) * fnp.moveaxis(q, -1, column_axis)
    return init


def delta_orthogonal(scale: float = 1.0, column_axis: int = -1, dtype=None) -> Initializer:
    """For 3-, 4- and 5-d convolution kernels (spatial axes first, then in, out): zeros but
    for an orthogonal (in, out) matrix at the spatial centre, so the convolution starts as an
    orthogonal map (Xiao et al., 2018).

    >>> import fungrad
    >>> w = delta_orthogonal()(fungrad.random.key(0), (3, 3, 2, 2))
    >>> float(np.abs(w).sum(axis=(2, 3))[0, 0]), np.allclose(w[1, 1].T @ w[1, 1], np.eye(2))
    (0.0, True)
    """
    def init(key, shape, dtype=dtype):
        shape = _shape("delta_orthogonal", shape)
        dtype = _float_dtype(dtype)
        if len(shape) not in (3, 4, 5):
            raise ValueError("fungrad.nn.initializers.delta_orthogonal requires a 3-d, 4-d or "
                             f"5-d shape, got {shape}")
        if shape[-1] < shape[-2]:
            raise ValueError("fungrad.nn.initializers.delta_orthogonal: fan_in (shape[-2] = "
                             f"{shape[-2]}) must be less than or equal to fan_out (shape[-1] "
                             f"= {shape[-1]})")
        matrix = orthogonal(scale=scale, column_axis=column_axis, dtype=dtype)(key, shape[-2:])
        # the matrix at the centre tap, zeros around it (a pad, so a traced key works too)
        spatial = shape[:-2]
        matrix = fnp.reshape(matrix, (1,) * len(spatial) + shape[-2:])
        pads = [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in spatial] + [(0, 0), (0, 0)]
        return fnp.pad(matrix, pads)
    return init
