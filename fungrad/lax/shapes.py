"""Shape and slicing operations, ``jax.lax`` style, over the structural primitives.

>>> import numpy as np
>>> from fungrad import lax
>>> lax.pad(np.array([1.0, 2.0, 3.0]), 0.0, [(-1, 2, 1)])
array([0., 2., 0., 3., 0., 0.])
"""
from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.prims import structural as st
from fungrad.prims.elementwise import convert_element_type

__all__ = ["pad"]


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
