"""Argument handling shared by the ``fungrad.numpy`` modules: operands as tracers or numpy
values, shapes and dtypes of either, axis normalization, and the errors for what is not
supported.
"""
from __future__ import annotations

import builtins
import math
import operator
from typing import Any

import numpy as np

from fungrad.core import Tracer, _internal_depth, bind, eager_result, get_aval
from fungrad.array import wrap
from fungrad.traceback_util import in_module_of
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st


def _traced(*xs) -> bool:
    return builtins.any(isinstance(x, Tracer) for x in xs)


def _as_arrays(out):
    """numpy values in ``out`` (an array, or a tuple/list of them) as immutable fungrad
    Arrays, as ``bind`` returns them; tracers and Python scalars as they are."""
    t = type(out)
    if t is np.ndarray or isinstance(out, np.generic):
        return wrap(out)
    if t is tuple or t is list:
        return t(_as_arrays(x) for x in out)
    if isinstance(out, tuple) and hasattr(out, "_fields"):  # numpy's named results
        return t(*[_as_arrays(x) for x in out])
    return out


def _array_results(fun):
    """For a function whose eager shortcut computes with numpy directly: what it returns to
    the user is made of fungrad Arrays, like every other function's (inside fungrad's own
    evaluation, plain numpy, as ``bind`` gives there)."""
    return in_module_of(fun, _results_as_arrays(fun, _as_arrays, _internal_depth, np.ndarray,
                                                wrap))


def _results_as_arrays(fun, as_arrays, internal_depth, ndarray, wrap_array):
    def array_results(*args, **kwargs):
        out = fun(*args, **kwargs)
        if internal_depth[0]:
            return out
        return wrap_array(out) if type(out) is ndarray else as_arrays(out)
    return array_results


_PASS_THROUGH = (Tracer, np.ndarray, bool, int, float, complex)


def _arr(x):
    """An operand as a tracer, a numpy value or a Python scalar (kept weakly typed)."""
    if type(x) in _PASS_THROUGH or isinstance(x, (Tracer, np.ndarray, np.generic)):
        return x
    if isinstance(x, (list, tuple)):
        from fungrad.numpy.creation import array  # creation is built on this module
        return array(x)
    return np.asarray(x)


_PY_SCALARS = (bool, int, float, complex)


def _strong(x):
    """A result as numpy gives it: a function of Python scalars alone returns a strongly
    typed numpy value (``np.sin(2.0)`` is ``np.float64``, so ``np.sin(2.0) * x_f32`` is
    float64), where Python's own operators keep them weak (``(2.0 + 1.0) * x_f32`` is
    float32). Primitives keep weak inputs weak; the numpy functions end with this."""
    t = type(x)
    if t is Tracer:
        # weak_type=False spelled out, as JAX prints it: the cast changes only the weak flag
        return bind(ew.convert_element_type_p, x, new_dtype=x.aval.dtype, weak_type=False) \
            if x.aval.weak_type else x
    if t in _PY_SCALARS:
        return eager_result(np.asarray(x))
    if t is tuple or t is list:
        return t(_strong(v) for v in x)
    return x


def _numeric(x, func: str, arg: str):
    """``_arr(x)``, refusing what is not a number (None, strings, objects) for the functions
    that could otherwise hand such a value straight back."""
    x = _arr(x)
    dtype = get_aval(x).dtype if isinstance(x, Tracer) else np.asarray(x).dtype
    if dtype.kind not in "biufc":
        raise TypeError(f"fungrad.numpy.{func}: {arg} must be an array or a number, got "
                        f"{type(x).__name__} of dtype {dtype}")
    return x


def _shape(x) -> tuple:
    if type(x) is Tracer:  # the usual operand while tracing: its aval is at hand
        return x.aval.shape
    return get_aval(x).shape if not isinstance(x, (list, tuple)) else np.shape(x)


def _ndim(x) -> int:
    return len(x.aval.shape) if type(x) is Tracer else len(_shape(x))


def _dtype(x) -> np.dtype:
    return x.aval.dtype if type(x) is Tracer else get_aval(x).dtype


def _size(x) -> int:
    return int(math.prod(_shape(x)))


def _not_supported(func: str, arg: str, value: Any):
    if value is not None and value is not np._NoValue:
        raise NotImplementedError(f"fungrad.numpy.{func}: the argument {arg}= is not supported"
                                  f" (got {value!r})")


def _axis(axis, ndim: int, func: str) -> int:
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"fungrad.numpy.{func}: axis must be an integer, got {axis!r}") from None
    if not -ndim <= a < ndim:
        raise ValueError(f"fungrad.numpy.{func}: axis {a} is out of bounds for an array of "
                         f"dimension {ndim}")
    return a % ndim


def _axes(axis, ndim: int, func: str) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(_axis(a, ndim, func) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"fungrad.numpy.{func}: repeated axis in {axis}")
        return axes
    return (_axis(axis, ndim, func),)


def _float_result(x, ufunc):
    """``x`` cast to the float dtype numpy's ``ufunc`` computes in for it (for integers and
    booleans: float16 for 8-bit ones, float32 for 16-bit, float64 beyond, as numpy does)."""
    if _dtype(x).kind in "fc":
        return x
    return ew.convert_element_type(x, ufunc(ew.probe_value(get_aval(x))).dtype)


def _keep(out, a_shape, axes, keepdims):
    if keepdims:
        return st.reshape(out, tuple(1 if i in axes else d for i, d in enumerate(a_shape)))
    return out


class ContractionShapeError(ValueError, TypeError):
    """Operands whose contracted dimensions differ (``dot``, ``matmul``, ``tensordot``, ...):
    a ValueError, as numpy raises, and a TypeError, as JAX's dot_general does, so code
    written against either catches it."""


def _describe(a, b) -> str:
    return f"{get_aval(a).str_short()} and {get_aval(b).str_short()}"


def _strong_operand(x):
    """An operand of numpy's (non-ufunc) linear algebra: Python scalars become arrays there,
    so they promote strongly (``dot(x_f32, 2.0)`` is float64), unlike in ufuncs."""
    return _strong(_arr(x))


def _slice_along(a, axis: int, start: int, stop: int):
    """``a[..., start:stop, ...]`` along one axis (static bounds)."""
    return st.slice_axis(a, axis, start, stop) if isinstance(a, Tracer) else \
        np.take(a, np.arange(start, stop), axis)
