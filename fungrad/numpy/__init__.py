"""``fungrad.numpy``: the numpy API, traceable and differentiable.

Eagerly, on numpy inputs, every function returns what numpy returns (same values, same dtypes:
numpy 2's NEP 50 promotion, float32 stays float32). Inside a transform, the same call records
primitives into the IR. The functions here are thin compositions of the primitives in
``fungrad.prims``: shape normalization, axis handling, numpy's argument conventions.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> fnp.sum(fnp.tanh(np.zeros(3)))
np.float64(0.0)
>>> fungrad.grad(lambda x: fnp.sum(fnp.tanh(x)))(np.zeros(3))
array([1., 1., 1.])

Derivatives: functions with a piecewise-constant or integer result (comparisons, ``sign``,
``floor``, ``ceil``, ``round``, ``argmax``, ``argsort``, logical operations...) have a zero
derivative everywhere, as in JAX.
"""
from __future__ import annotations

import builtins
import math
import operator
from typing import Any

import numpy as np

from fungrad.core import Tracer, bind, get_aval
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.structural import ARRAY, FungradIndexError, Indexer

# dtypes and constants, so ``fnp.float32`` and ``fnp.pi`` work as in numpy
from numpy import (  # noqa: F401
    bool_, complex64, complex128, dtype, e, euler_gamma, float16, float32, float64, inf,
    int8, int16, int32, int64, nan, newaxis, pi, uint8, uint16, uint32, uint64, iinfo, finfo,
    result_type, issubdtype, floating, integer, inexact, number, signedinteger,
)



# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

def _traced(*xs) -> bool:
    return builtins.any(isinstance(x, Tracer) for x in xs)


_PASS_THROUGH = (Tracer, np.ndarray, bool, int, float, complex)


def _arr(x):
    """An operand as a tracer, a numpy value or a Python scalar (kept weakly typed)."""
    if type(x) in _PASS_THROUGH or isinstance(x, (Tracer, np.ndarray, np.generic)):
        return x
    if isinstance(x, (list, tuple)):
        return array(x)
    return np.asarray(x)


def _shape(x) -> tuple:
    return get_aval(x).shape if not isinstance(x, (list, tuple)) else np.shape(x)


def _ndim(x) -> int:
    return len(_shape(x))


def _dtype(x) -> np.dtype:
    return get_aval(x).dtype


def _size(x) -> int:
    return int(np.prod(_shape(x), dtype=np.int64))


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


# ---------------------------------------------------------------------------------------------
# Elementwise functions
# ---------------------------------------------------------------------------------------------

def _unary(name: str, fn, doc: str):
    def f(x, /):
        return fn(_arr(x))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


def _binary(name: str, fn, doc: str):
    def f(x1, x2, /):
        return fn(_arr(x1), _arr(x2))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


_UNARY = {
    "exp": ew.exp, "exp2": ew.exp2, "log": ew.log, "log2": ew.log2, "log10": ew.log10,
    "log1p": ew.log1p, "expm1": ew.expm1, "sqrt": ew.sqrt, "cbrt": ew.cbrt,
    "square": ew.square, "reciprocal": ew.reciprocal, "sin": ew.sin, "cos": ew.cos,
    "tan": ew.tan, "arcsin": ew.arcsin, "arccos": ew.arccos, "arctan": ew.arctan,
    "sinh": ew.sinh, "cosh": ew.cosh, "tanh": ew.tanh, "arcsinh": ew.arcsinh,
    "arccosh": ew.arccosh, "arctanh": ew.arctanh, "absolute": ew.absolute, "abs": ew.absolute,
    "negative": ew.neg, "sinc": ew.sinc,
}
_UNARY_NONDIFF = {
    "sign": ew.sign, "floor": ew.floor, "ceil": ew.ceil, "rint": ew.rint, "trunc": ew.trunc,
    "isfinite": ew.isfinite, "isnan": ew.isnan, "isinf": ew.isinf,
    "logical_not": ew.logical_not, "invert": ew.bitwise_not, "bitwise_not": ew.bitwise_not,
}
_BINARY = {
    "add": ew.add, "subtract": ew.sub, "multiply": ew.mul, "divide": ew.div,
    "true_divide": ew.div, "maximum": ew.maximum, "minimum": ew.minimum,
    "arctan2": ew.arctan2, "hypot": ew.hypot, "logaddexp": ew.logaddexp,
    "logaddexp2": ew.logaddexp2, "fmod": ew.fmod, "mod": ew.mod, "remainder": ew.mod,
}
_BINARY_NONDIFF = {
    "floor_divide": ew.floor_divide, "equal": ew.eq, "not_equal": ew.ne, "less": ew.lt,
    "less_equal": ew.le, "greater": ew.gt, "greater_equal": ew.ge,
    "logical_and": ew.logical_and, "logical_or": ew.logical_or,
    "logical_xor": ew.logical_xor, "bitwise_and": ew.bitwise_and,
    "bitwise_or": ew.bitwise_or, "bitwise_xor": ew.bitwise_xor,
}

_EXAMPLE_INPUT = {"arccosh": "1.5", "invert": "2", "bitwise_not": "2",
                  "logical_not": "True"}
for _name, _fn in _UNARY.items():
    _x = _EXAMPLE_INPUT.get(_name, "0.5")
    globals()[_name] = _unary(_name, _fn, f"numpy.{_name}, elementwise and differentiable.\n\n"
                              f"    >>> {_name}({_x}) == np.{_name}({_x})\n    np.True_\n")
for _name, _fn in _UNARY_NONDIFF.items():
    _x = _EXAMPLE_INPUT.get(_name, "2.5")
    globals()[_name] = _unary(_name, _fn, f"numpy.{_name}, elementwise; its derivative is "
                              f"zero.\n\n    >>> {_name}({_x}) == np.{_name}({_x})\n"
                              "    np.True_\n")
for _name, _fn in _BINARY.items():
    globals()[_name] = _binary(_name, _fn, f"numpy.{_name}, elementwise with broadcasting, "
                               f"differentiable in both arguments.\n\n"
                               f"    >>> {_name}(3.0, 2.0) == np.{_name}(3.0, 2.0)\n"
                               "    np.True_\n")
for _name, _fn in _BINARY_NONDIFF.items():
    globals()[_name] = _binary(_name, _fn, f"numpy.{_name}, elementwise with broadcasting; "
                               f"its derivative is zero.\n\n"
                               f"    >>> {_name}(3, 2) == np.{_name}(3, 2)\n    np.True_\n")


def positive(x, /):
    """numpy.positive: ``+x`` (a copy).

    >>> positive(-1.0)
    np.float64(-1.0)
    """
    x = _arr(x)
    if _dtype(x) == np.bool_:  # as numpy: no unary + on booleans (add would give an int)
        raise TypeError("fungrad.numpy.positive does not support boolean operands (got "
                        f"{get_aval(x).str_short()}), like numpy.positive")
    return ew.add(x, 0)


def _float_result(x, ufunc):
    """``x`` cast to the float dtype numpy's ``ufunc`` computes in for it (for integers and
    booleans: float16 for 8-bit ones, float32 for 16-bit, float64 beyond, as numpy does)."""
    if _dtype(x).kind in "fc":
        return x
    return ew.convert_element_type(x, ufunc(ew.probe_value(get_aval(x))).dtype)


def fabs(x, /):
    """numpy.fabs: absolute value as a float.

    >>> fabs(-2)
    np.float64(2.0)
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(fabs(x)))(np.array([-3.0, 2.0]))
    array([-1.,  1.])
    """
    return ew.absolute(_float_result(_arr(x), np.fabs))


def power(x1, x2, /):
    """numpy.power, differentiable in base and exponent. A Python-int exponent records the
    exact ``integer_pow`` (derivative ``n x**(n-1)``, right at 0 and for negative x).

    >>> power(2.0, 3)
    np.float64(8.0)
    """
    x1, x2 = _arr(x1), _arr(x2)
    if type(x2) is int and isinstance(x1, Tracer) and _dtype(x1).kind in "fc":
        return ew.integer_pow(x1, x2)
    return ew.power(x1, x2)


pow = power  # noqa: A001  (numpy 2 has both names)


def float_power(x1, x2, /):
    """numpy.float_power: power computed in float64.

    >>> float_power(2, 3)
    np.float64(8.0)
    >>> import fungrad
    >>> fungrad.grad(float_power)(2.0, 3.0)  # d/dx x**3 at 2
    np.float64(12.0)
    """
    return ew.power(astype(_arr(x1), np.float64), astype(_arr(x2), np.float64))


def fmax(x1, x2, /):
    """numpy.fmax: elementwise maximum that ignores NaNs.

    >>> fmax(np.array([nan, 1.0, 5.0]), np.array([1.0, nan, 2.0]))
    array([1., 1., 5.])
    """
    x1, x2 = _arr(x1), _arr(x2)
    return where(isnan(x2), x1, where(isnan(x1), x2, maximum(x1, x2)))


def fmin(x1, x2, /):
    """numpy.fmin: elementwise minimum that ignores NaNs.

    >>> fmin(np.array([nan, 1.0, 5.0]), np.array([1.0, nan, 2.0]))
    array([1., 1., 2.])
    """
    x1, x2 = _arr(x1), _arr(x2)
    return where(isnan(x2), x1, where(isnan(x1), x2, minimum(x1, x2)))


def deg2rad(x, /):
    """Degrees to radians (also ``radians``).

    >>> deg2rad(180.0) == pi
    np.True_
    >>> deg2rad(np.array([0, 90, 180])) / pi
    array([0. , 0.5, 1. ])
    """
    return ew.mul(_float_result(_arr(x), np.deg2rad), math.pi / 180.0)


radians = deg2rad


def rad2deg(x, /):
    """Radians to degrees (also ``degrees``).

    >>> rad2deg(pi)
    np.float64(180.0)
    >>> import fungrad
    >>> fungrad.grad(rad2deg)(1.0) == 180.0 / pi
    np.True_
    """
    return ew.mul(_float_result(_arr(x), np.rad2deg), 180.0 / math.pi)


degrees = rad2deg


def round(a, decimals: int = 0, out=None):  # noqa: A001
    """numpy.round (half to even, also ``around``); zero derivative.

    >>> round(np.array([0.5, 1.5, 2.5]))
    array([0., 2., 2.])
    >>> round(1.23456, 2)
    np.float64(1.23)
    >>> import fungrad
    >>> fungrad.grad(lambda x: round(x) * x)(2.4)  # round(x) is a constant to grad
    np.float64(2.0)
    """
    _not_supported("round", "out", out)
    a = _arr(a)
    kind = _dtype(a).kind
    if kind in "iu" and decimals >= 0:  # integers stay integers, as in numpy
        return a
    if decimals == 0:
        return ew.rint(a)
    if kind == "b":
        raise TypeError(f"fungrad.numpy.round: decimals={decimals} is not supported for "
                        "boolean arrays (numpy cannot cast the result back to bool)")
    if decimals > 0:
        scale = 10.0 ** decimals
        return ew.div(ew.rint(ew.mul(a, scale)), scale)
    scale = 10.0 ** -decimals  # as numpy: divide by an exact power of ten, then multiply
    out = ew.mul(ew.rint(ew.div(a, scale)), scale)
    return ew.convert_element_type(out, _dtype(a)) if kind in "iu" else out


around = round


def real(x, /):
    """numpy.real (fungrad differentiates real arrays: the identity on them).

    >>> real(np.array([1.0, -2.0]))
    array([ 1., -2.])
    """
    x = _arr(x)
    if _dtype(x).kind == "c":
        raise NotImplementedError("fungrad.numpy.real of complex arrays is not supported")
    return x


def conjugate(x, /):
    """numpy.conjugate (also ``conj``): the identity on real arrays (booleans become int8,
    as in numpy, whose ufunc has no boolean loop).

    >>> conjugate(np.array([1.0, -2.0]))
    array([ 1., -2.])
    >>> conjugate(np.array([True, False])).dtype
    dtype('int8')
    """
    x = real(x)
    return ew.convert_element_type(x, np.int8) if _dtype(x) == np.bool_ else x


conj = conjugate


def where(condition, x=None, y=None, /):
    """numpy.where(condition, x, y): elementwise choice, differentiable in x and y.

    >>> where(np.array([True, False]), 1.0, 2.0)
    array([1., 2.])
    """
    if x is None or y is None:
        raise NotImplementedError("fungrad.numpy.where(condition) with one argument returns "
                                  "data-dependent shapes; use where(condition, x, y)")
    c = _arr(condition)
    if _dtype(c) != np.bool_:
        c = ew.ne(c, 0)
    return ew.select(c, _arr(x), _arr(y))


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):  # noqa: A002
    """numpy.clip: ``minimum(maximum(a, a_min), a_max)``.

    >>> clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0)
    array([0. , 0.5, 1. ])
    """
    _not_supported("clip", "out", out)
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    a = _arr(a)
    if lo is not None:
        a = ew.maximum(a, _arr(lo))
    if hi is not None:
        a = ew.minimum(a, _arr(hi))
    return a


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """numpy.isclose (no derivative).

    >>> isclose(1.0, 1.0 + 1e-9)
    np.True_
    >>> isclose(np.array([1.0, 2.0]), np.array([1.0, 2.1]))
    array([ True, False])
    """
    a, b = _arr(a), _arr(b)
    if type(b) in (bool, int):
        b = float(b)
    elif _dtype(b).kind not in "fc":  # as numpy: b in float, so |b| cannot overflow
        b = ew.convert_element_type(b, np.result_type(_dtype(b), 1.0))
    # infinities are close only to themselves: |inf - inf| is nan, and |x - inf| <= inf
    close = ew.logical_or(
        ew.logical_and(ew.le(absolute(ew.sub(a, b)), ew.add(atol, ew.mul(rtol, absolute(b)))),
                       isfinite(b)),
        ew.eq(a, b))
    if equal_nan:
        close = ew.logical_or(close, ew.logical_and(isnan(a), isnan(b)))
    return close


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """numpy.allclose; under tracing its ``bool()`` becomes a guard.

    >>> bool(allclose(np.ones(2), np.ones(2)))
    True
    """
    return all(isclose(a, b, rtol, atol, equal_nan))


def astype(x, dtype, /, *, copy: bool = True):
    """``x.astype(dtype)``; derivatives flow between float dtypes, not into integers.

    >>> astype(np.arange(2), np.float32)
    array([0., 1.], dtype=float32)
    """
    x = _arr(x)
    dtype = np.dtype(dtype)
    if isinstance(x, Tracer):
        return x if x.dtype == dtype and not x.aval.weak_type else \
            ew.convert_element_type(x, dtype)
    return np.asarray(x).astype(dtype, copy=copy)


# ---------------------------------------------------------------------------------------------
# Creation
# ---------------------------------------------------------------------------------------------

def array(object, dtype=None, copy: bool = True, ndmin: int = 0):  # noqa: A002
    """numpy.array; nested lists may contain traced values (they are stacked).

    >>> array([1.0, 2.0])
    array([1., 2.])
    """
    if isinstance(object, Tracer):
        out = object if dtype is None else astype(object, dtype)
    elif isinstance(object, (list, tuple)) and _contains_tracer(object):
        out = stack([array(o) for o in object])
        if dtype is not None:
            out = astype(out, dtype)
    else:
        return np.array(object, dtype=dtype, copy=copy, ndmin=ndmin)
    while _ndim(out) < ndmin:
        out = expand_dims(out, 0)
    return out


def _contains_tracer(obj) -> bool:
    stack_ = [obj]
    while stack_:
        x = stack_.pop()
        if isinstance(x, Tracer):
            return True
        if isinstance(x, (list, tuple)):
            stack_.extend(x)
    return False


def asarray(a, dtype=None):
    """numpy.asarray; traced values pass through (cast if ``dtype`` is given).

    >>> asarray([1, 2]).dtype
    dtype('int64')
    """
    if isinstance(a, Tracer) or (isinstance(a, (list, tuple)) and _contains_tracer(a)):
        return array(a, dtype)
    return np.asarray(a, dtype=dtype)


def zeros(shape, dtype=float64):
    """numpy.zeros (a constant).

    >>> zeros(2)
    array([0., 0.])
    >>> zeros((2, 3), np.int32).dtype
    dtype('int32')
    """
    return np.zeros(shape, dtype)


def ones(shape, dtype=float64):
    """numpy.ones (a constant).

    >>> ones(2)
    array([1., 1.])
    """
    return np.ones(shape, dtype)


def empty(shape, dtype=float64):
    """Like numpy.empty, but zero-filled (fungrad arrays are never uninitialized).

    >>> empty((2, 2))
    array([[0., 0.],
           [0., 0.]])
    """
    return np.zeros(shape, dtype)


def full(shape, fill_value, dtype=None):
    """numpy.full; a traced ``fill_value`` is broadcast.

    >>> full(2, 7.0)
    array([7., 7.])
    """
    if isinstance(fill_value, Tracer):
        v = fill_value if dtype is None else astype(fill_value, dtype)
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return broadcast_to(v, shape)
    return np.full(shape, fill_value, dtype)


def _like(a, dtype, shape):
    aval = get_aval(_arr(a))
    return (aval.shape if shape is None else shape,
            aval.dtype if dtype is None else np.dtype(dtype))


def zeros_like(a, dtype=None, shape=None):
    """numpy.zeros_like (a constant even for a traced ``a``: only its shape is used).

    >>> zeros_like(np.arange(3))
    array([0, 0, 0])
    """
    s, d = _like(a, dtype, shape)
    return np.zeros(s, d)


def ones_like(a, dtype=None, shape=None):
    """numpy.ones_like (a constant even for a traced ``a``).

    >>> ones_like(np.zeros((2, 2)), dtype=np.float32)
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    s, d = _like(a, dtype, shape)
    return np.ones(s, d)


def empty_like(a, dtype=None, shape=None):
    """Like numpy.empty_like, but zero-filled.

    >>> empty_like(np.arange(3.0))
    array([0., 0., 0.])
    """
    return zeros_like(a, dtype, shape)


def full_like(a, fill_value, dtype=None, shape=None):
    """numpy.full_like.

    >>> full_like(np.zeros(2), 3.0)
    array([3., 3.])
    """
    s, d = _like(a, dtype, shape)
    return full(s, fill_value, d)


def arange(start, stop=None, step=None, dtype=None):
    """numpy.arange (a constant).

    >>> arange(3.0)
    array([0., 1., 2.])
    >>> arange(1, 7, 2)
    array([1, 3, 5])
    """
    args = [a for a in (start, stop, step) if a is not None]
    args = [operator.index(a) if isinstance(a, Tracer) else a for a in args]
    return np.arange(*args, dtype=dtype)


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype=None, axis: int = 0):
    """numpy.linspace; differentiable in ``start`` and ``stop``.

    >>> linspace(0.0, 1.0, 3)
    array([0. , 0.5, 1. ])
    """
    if not _traced(start, stop):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
    if axis != 0 or retstep:
        raise NotImplementedError("fungrad.numpy.linspace with traced endpoints supports "
                                  "axis=0 and retstep=False only")
    div_ = (num - 1) if endpoint else num
    start, stop = _arr(start), _arr(stop)
    # numpy computes in result_type(start, stop, float(num)): float32 endpoints stay float32
    from fungrad.prims.rules import probe_value
    dt = np.result_type(probe_value(get_aval(start)), probe_value(get_aval(stop)), 0.0)
    steps = (np.arange(num, dtype=np.float64) / builtins.max(div_, 1)).astype(dt)
    shape = np.broadcast_shapes(_shape(start), _shape(stop))
    steps = steps.reshape((num,) + (1,) * len(shape))
    out = ew.add(start, ew.mul(steps, ew.sub(stop, start)))
    return out if dtype is None else astype(out, dtype)


def eye(N: int, M: int | None = None, k: int = 0, dtype=float64):
    """numpy.eye (a constant).

    >>> eye(2)
    array([[1., 0.],
           [0., 1.]])
    >>> eye(2, 3, k=1)
    array([[0., 1., 0.],
           [0., 0., 1.]])
    """
    return np.eye(N, M, k, dtype)


def identity(n: int, dtype=float64):
    """numpy.identity (a constant).

    >>> identity(2)
    array([[1., 0.],
           [0., 1.]])
    """
    return np.identity(n, dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype=float64):
    """numpy.tri (a constant).

    >>> tri(3)
    array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 1., 1.]])
    """
    return np.tri(N, M, k, dtype)


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------

def shape(a) -> tuple:
    """numpy.shape (static).

    >>> shape(np.zeros((2, 3)))
    (2, 3)
    """
    return _shape(_arr(a))


def ndim(a) -> int:
    """numpy.ndim (static).

    >>> ndim(np.zeros((2, 3)))
    2
    """
    return _ndim(_arr(a))


def size(a, axis=None) -> int:
    """numpy.size (static).

    >>> size(np.zeros((2, 3)))
    6
    >>> size(np.zeros((2, 3)), axis=1)
    3
    """
    s = _shape(_arr(a))
    return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]


def reshape(a, shape=None, order: str = "C", *, newshape=None):
    """numpy.reshape (C order; one -1 allowed).

    >>> reshape(np.arange(6), (2, -1)).shape
    (2, 3)
    >>> reshape(np.arange(6), (3, 2))
    array([[0, 1],
           [2, 3],
           [4, 5]])
    """
    if order != "C":
        raise NotImplementedError("fungrad.numpy.reshape supports order='C' only")
    shape = newshape if shape is None else shape
    a = _arr(a)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(
        operator.index(d) for d in shape)
    n = _size(a)
    if shape.count(-1) > 1:
        raise ValueError("fungrad.numpy.reshape: can only specify one unknown dimension")
    if -1 in shape:
        known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
        if known == 0 or n % known:
            raise ValueError(f"cannot reshape array of size {n} into shape {shape}")
        shape = tuple(n // known if d == -1 else d for d in shape)
    if int(np.prod(shape, dtype=np.int64)) != n:
        raise ValueError(f"cannot reshape array {get_aval(a).str_short()} of size {n} into "
                         f"shape {shape}")
    return st.reshape(a, shape)


def ravel(a, order: str = "C"):
    """numpy.ravel.

    >>> ravel(np.ones((2, 2))).shape
    (4,)
    >>> ravel(np.array([[1, 2], [3, 4]]))
    array([1, 2, 3, 4])
    """
    return reshape(a, (-1,), order)


def transpose(a, axes=None):
    """numpy.transpose.

    >>> transpose(np.ones((2, 3))).shape
    (3, 2)
    >>> transpose(np.zeros((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    a = _arr(a)
    nd = _ndim(a)
    if axes is None:
        axes = tuple(range(nd))[::-1]
    axes = tuple(_axis(x, nd, "transpose") for x in axes)
    if sorted(axes) != list(range(nd)):
        raise ValueError(f"fungrad.numpy.transpose: axes {axes} don't match array "
                         f"{get_aval(a).str_short()}")
    return st.transpose(a, axes)


def permute_dims(a, axes=None):
    """numpy.permute_dims (an alias of transpose).

    >>> permute_dims(np.zeros((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return transpose(a, axes)


def matrix_transpose(x, /):
    """Swap the last two axes.

    >>> matrix_transpose(np.ones((5, 2, 3))).shape
    (5, 3, 2)
    """
    return swapaxes(x, -1, -2)


def moveaxis(a, source, destination):
    """numpy.moveaxis.

    >>> moveaxis(np.ones((1, 2, 3)), 0, -1).shape
    (2, 3, 1)
    """
    a = _arr(a)
    nd = _ndim(a)
    src = _axes(source if isinstance(source, (tuple, list)) else (source,), nd, "moveaxis")
    dst = _axes(destination if isinstance(destination, (tuple, list)) else (destination,),
                nd, "moveaxis")
    if len(src) != len(dst):
        raise ValueError("fungrad.numpy.moveaxis: source and destination must have the same "
                         "number of elements")
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return st.transpose(a, order)


def swapaxes(a, axis1: int, axis2: int):
    """numpy.swapaxes.

    >>> swapaxes(np.ones((2, 3)), 0, 1).shape
    (3, 2)
    """
    a = _arr(a)
    nd = _ndim(a)
    perm = list(range(nd))
    i, j = _axis(axis1, nd, "swapaxes"), _axis(axis2, nd, "swapaxes")
    perm[i], perm[j] = perm[j], perm[i]
    return st.transpose(a, perm)


def expand_dims(a, axis):
    """numpy.expand_dims.

    >>> expand_dims(np.ones(2), 0).shape
    (1, 2)
    >>> expand_dims(np.ones(2), (0, 2)).shape
    (1, 2, 1)
    """
    a = _arr(a)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out_nd = _ndim(a) + len(axes)
    axes = sorted(_axis(x, out_nd, "expand_dims") for x in axes)
    shape = list(_shape(a))
    for x in axes:
        shape.insert(x, 1)
    return st.reshape(a, tuple(shape))


def squeeze(a, axis=None):
    """numpy.squeeze.

    >>> squeeze(np.ones((1, 2, 1))).shape
    (2,)
    >>> squeeze(np.ones((1, 2, 1)), axis=0).shape
    (2, 1)
    """
    a = _arr(a)
    s = _shape(a)
    if axis is None:
        axes = tuple(i for i, d in enumerate(s) if d == 1)
    else:
        axes = _axes(axis, len(s), "squeeze")
        for x in axes:
            if s[x] != 1:
                raise ValueError("cannot select an axis to squeeze out which has size not "
                                 f"equal to one (axis {x} of {get_aval(a).str_short()})")
    return st.reshape(a, tuple(d for i, d in enumerate(s) if i not in axes))


def broadcast_to(array, shape):  # noqa: A002
    """numpy.broadcast_to; its gradient sums over the broadcast axes.

    >>> broadcast_to(1.0, (2,))
    array([1., 1.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(broadcast_to(x, (2, 3))))(1.0)
    np.float64(6.0)
    """
    x = _arr(array)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    try:
        out = np.broadcast_shapes(_shape(x), shape)
    except ValueError:
        out = None
    if out != shape:
        raise ValueError(f"fungrad.numpy.broadcast_to: cannot broadcast "
                         f"{get_aval(x).str_short()} to shape {shape}")
    if not isinstance(x, Tracer):
        return np.broadcast_to(x, shape)
    return st.broadcast_to(x, shape)


def broadcast_arrays(*args):
    """numpy.broadcast_arrays.

    >>> a, b = broadcast_arrays(np.array([[1.0], [2.0]]), np.array([10.0, 20.0, 30.0]))
    >>> a.shape, b.shape
    ((2, 3), (2, 3))
    >>> a
    array([[1., 1., 1.],
           [2., 2., 2.]])
    """
    arrays = [_arr(a) for a in args]
    shape = np.broadcast_shapes(*[_shape(a) for a in arrays])
    return [broadcast_to(a, shape) for a in arrays]


def atleast_1d(*arys):
    """numpy.atleast_1d.

    >>> atleast_1d(1.0)
    array([1.])
    """
    res = [reshape(a, (1,)) if _ndim(_arr(a)) == 0 else _arr(a) for a in arys]
    return res[0] if len(res) == 1 else res


def atleast_2d(*arys):
    """numpy.atleast_2d.

    >>> atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    res = []
    for a in arys:
        a = _arr(a)
        nd = _ndim(a)
        res.append(reshape(a, (1, 1)) if nd == 0 else reshape(a, (1,) + _shape(a))
                   if nd == 1 else a)
    return res[0] if len(res) == 1 else res


def atleast_3d(*arys):
    """numpy.atleast_3d.

    >>> atleast_3d(np.ones(3)).shape
    (1, 3, 1)
    """
    res = []
    for a in arys:
        a = _arr(a)
        s = _shape(a)
        if len(s) == 0:
            a = reshape(a, (1, 1, 1))
        elif len(s) == 1:
            a = reshape(a, (1, s[0], 1))
        elif len(s) == 2:
            a = reshape(a, s + (1,))
        res.append(a)
    return res[0] if len(res) == 1 else res


def concatenate(arrays, axis: int | None = 0, dtype=None):
    """numpy.concatenate.

    >>> concatenate([np.ones(2), np.zeros(1)])
    array([1., 1., 0.])
    >>> concatenate([np.ones((1, 2)), np.zeros((1, 2))], axis=None)
    array([1., 1., 0., 0.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(concatenate([x, 2.0 * x])))(np.ones(2))
    array([3., 3.])
    """
    arrays = [_arr(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    if builtins.any(_ndim(a) == 0 for a in arrays):
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = _axis(axis, _ndim(arrays[0]), "concatenate")
    if dtype is not None:
        arrays = [astype(a, dtype) for a in arrays]
    if not _traced(*arrays):
        return np.concatenate(arrays, axis)
    return st.concatenate(arrays, axis)


def stack(arrays, axis: int = 0, dtype=None):
    """numpy.stack.

    >>> stack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    >>> stack([np.array([1.0, 2.0]), np.array([3.0, 4.0])], axis=1)
    array([[1., 3.],
           [2., 4.]])
    """
    arrays = [_arr(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {_shape(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"all input arrays must have the same shape, got {sorted(shapes)}")
    axis = _axis(axis, _ndim(arrays[0]) + 1, "stack")
    return concatenate([expand_dims(a, axis) for a in arrays], axis, dtype)


def hstack(tup, dtype=None):
    """numpy.hstack.

    >>> hstack([np.array([1.0, 2.0]), np.array([3.0])])
    array([1., 2., 3.])
    """
    arrs = [atleast_1d(a) for a in tup]
    return concatenate(arrs, 0 if _ndim(arrs[0]) == 1 else 1, dtype)


def vstack(tup, dtype=None):
    """numpy.vstack (also ``row_stack``).

    >>> vstack([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    array([[1., 2.],
           [3., 4.]])
    """
    return concatenate([atleast_2d(a) for a in tup], 0, dtype)


row_stack = vstack


def dstack(tup):
    """numpy.dstack.

    >>> dstack([np.ones((2, 2)), np.zeros((2, 2))]).shape
    (2, 2, 2)
    """
    return concatenate([atleast_3d(a) for a in tup], 2)


def column_stack(tup):
    """numpy.column_stack.

    >>> column_stack([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    array([[1., 3.],
           [2., 4.]])
    """
    cols = [reshape(_arr(a), (-1, 1)) if _ndim(_arr(a)) < 2 else _arr(a) for a in tup]
    return concatenate(cols, 1)


def _slice_along(a, axis: int, start: int, stop: int):
    return st.slice_axis(a, axis, start, stop) if isinstance(a, Tracer) else \
        np.take(a, np.arange(start, stop), axis)


def array_split(ary, indices_or_sections, axis: int = 0):
    """numpy.array_split: sections may be unequal.

    >>> array_split(np.arange(5.0), 2)
    [array([0., 1., 2.]), array([3., 4.])]
    """
    a = _arr(ary)
    axis = _axis(axis, _ndim(a), "array_split")
    n = _shape(a)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError("number sections must be larger than 0.")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        lo, hi, _ = slice(int(lo), int(hi)).indices(n)  # numpy slices a[lo:hi]
        pieces.append(_slice_along(a, axis, lo, builtins.max(lo, hi)))
    return pieces


def split(ary, indices_or_sections, axis: int = 0):
    """numpy.split: equal sections, or at the given indices.

    >>> split(np.arange(4.0), 2)
    [array([0., 1.]), array([2., 3.])]
    >>> split(np.arange(5.0), [1, 3])
    [array([0.]), array([1., 2.]), array([3., 4.])]
    """
    a = _arr(ary)
    if isinstance(indices_or_sections, (int, np.integer)):
        n = _shape(a)[_axis(axis, _ndim(a), "split")]
        if n % int(indices_or_sections):
            raise ValueError("array split does not result in an equal division: "
                             f"{n} into {indices_or_sections}")
    return array_split(a, indices_or_sections, axis)


def take(a, indices, axis: int | None = None, mode=None):
    """numpy.take (integer ``indices``; wrap/clip modes not supported).

    >>> take(np.array([10.0, 20.0, 30.0]), [2, 0])
    array([30., 10.])
    """
    _not_supported("take", "mode", mode)
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, _ndim(a), "take")
    idx = _arr(indices)
    items = [slice(None)] * axis + [ARRAY]
    return st.gather(a, idx, indexer=Indexer.from_numpy(items))


def take_along_axis(arr, indices, axis: int | None):
    """numpy.take_along_axis: differentiable in ``arr``.

    >>> x = np.array([[3.0, 1.0], [2.0, 4.0]])
    >>> take_along_axis(x, np.array([[1], [0]]), axis=1)
    array([[1.],
           [2.]])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(take_along_axis(x, np.array([[1], [1]]), axis=1)))(x)
    array([[0., 1.],
           [0., 1.]])
    """
    a = _arr(arr)
    idx = _arr(indices)
    if axis is None:
        a, axis = ravel(a), 0
    nd = _ndim(a)
    axis = _axis(axis, nd, "take_along_axis")
    if _ndim(idx) != nd:
        raise ValueError(f"take_along_axis: indices {get_aval(idx).str_short()} and arr "
                         f"{get_aval(a).str_short()} must have the same number of dimensions")
    out_shape = np.broadcast_shapes(
        tuple(d if i != axis else 1 for i, d in enumerate(_shape(a))),
        tuple(d if i != axis else 1 for i, d in enumerate(_shape(idx))))
    grids = []
    for i in range(nd):
        if i == axis:
            grids.append(idx)
        else:
            shp = [1] * nd
            shp[i] = out_shape[i]
            grids.append(np.arange(out_shape[i]).reshape(shp))
    return st.gather(a, *grids, indexer=Indexer([ARRAY] * nd))


def tile(A, reps):
    """numpy.tile.

    >>> tile(np.array([1.0, 2.0]), 2)
    array([1., 2., 1., 2.])
    >>> tile(np.array([1.0, 2.0]), (2, 1))
    array([[1., 2.],
           [1., 2.]])
    """
    a = _arr(A)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    nd = builtins.max(len(reps), _ndim(a))
    reps = (1,) * (nd - len(reps)) + reps
    s = (1,) * (nd - _ndim(a)) + _shape(a)
    a = reshape(a, tuple(x for d in s for x in (1, d)))
    a = broadcast_to(a, tuple(x for r, d in zip(reps, s) for x in (r, d)))
    return reshape(a, tuple(r * d for r, d in zip(reps, s)))


def repeat(a, repeats, axis: int | None = None):
    """numpy.repeat (static repeats); each copy sends its gradient back to its source.

    >>> repeat(np.array([1.0, 2.0]), 2)
    array([1., 1., 2., 2.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(repeat(x, 3) * np.arange(6.0)))(np.ones(2))  # 0+1+2, 3+4+5
    array([ 3., 12.])
    """
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, _ndim(a), "repeat")
    idx = np.repeat(np.arange(_shape(a)[axis]), repeats)
    return take(a, idx, axis)


def flip(m, axis=None):
    """numpy.flip.

    >>> flip(np.array([1.0, 2.0]))
    array([2., 1.])
    >>> flip(np.array([[1, 2], [3, 4]]), axis=1)
    array([[2, 1],
           [4, 3]])
    """
    m = _arr(m)
    return st.rev(m, _axes(axis, _ndim(m), "flip"))


def fliplr(m):
    """numpy.fliplr: flip axis 1.

    >>> fliplr(np.array([[1, 2], [3, 4]]))
    array([[2, 1],
           [4, 3]])
    """
    return flip(m, 1)


def flipud(m):
    """numpy.flipud: flip axis 0.

    >>> flipud(np.array([[1, 2], [3, 4]]))
    array([[3, 4],
           [1, 2]])
    """
    return flip(m, 0)


def roll(a, shift, axis=None):
    """numpy.roll.

    >>> roll(np.array([1.0, 2.0, 3.0]), 1)
    array([3., 1., 2.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(roll(x, 1) * np.arange(3.0)))(np.ones(3))
    array([1., 2., 0.])
    """
    a = _arr(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), _shape(a))
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, ax in zip(shifts, axes):
        ax = _axis(ax, _ndim(a), "roll")
        n = _shape(a)[ax]
        if n:
            a = take(a, (np.arange(n) - int(s)) % n, ax)
    return a


def rot90(m, k: int = 1, axes=(0, 1)):
    """numpy.rot90.

    >>> rot90(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
    """
    m = _arr(m)
    k %= 4
    a0, a1 = axes
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    if k == 1:
        return swapaxes(flip(m, a1), a0, a1)
    return flip(swapaxes(m, a0, a1), a1)


def pad(array, pad_width, mode: str = "constant", **kwargs):  # noqa: A002
    """numpy.pad: 'constant' (differentiable in the fill value too), and the index-based
    modes 'edge', 'reflect', 'symmetric', 'wrap'.

    >>> pad(np.array([1.0, 2.0]), 1)
    array([0., 1., 2., 0.])
    """
    a = _arr(array)
    nd = _ndim(a)
    if nd == 0:  # numpy: a 0-d array has no axes to pad, so it comes back as it is
        return a if _traced(a) else np.asarray(a)
    try:  # numpy's rule: n, (n,), (before, after), ((b0, a0), (b1, a1), ...), ((n0,), (n1,))
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (nd, 2))
    except ValueError:
        raise ValueError(f"fungrad.numpy.pad: pad_width {pad_width} does not fit an array "
                         f"{get_aval(a).str_short()}") from None
    if (widths < 0).any():
        raise ValueError(f"fungrad.numpy.pad: negative pad_width {pad_width}")
    if mode == "constant":
        value = kwargs.pop("constant_values", 0)
        if np.ndim(value) != 0:
            raise NotImplementedError("fungrad.numpy.pad: constant_values must be a scalar")
        if kwargs:
            raise TypeError(f"fungrad.numpy.pad: unexpected arguments {sorted(kwargs)}")
        if not _traced(a, value):
            return np.pad(a, widths, mode="constant", constant_values=value)
        return st.pad(a, astype(_arr(value), _dtype(a)), [tuple(w) for w in widths])
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise NotImplementedError(f"fungrad.numpy.pad: mode={mode!r} is not supported")
    for ax, (lo, hi) in enumerate(widths):
        if lo or hi:
            idx = np.pad(np.arange(_shape(a)[ax]), (int(lo), int(hi)), mode=mode, **kwargs)
            a = take(a, idx, ax)
    return a


def triu(m, k: int = 0):
    """numpy.triu: zero below the k-th diagonal (a 1-D ``m`` is a row of a square matrix).

    >>> triu(np.ones((3, 3)), k=1)
    array([[0., 1., 1.],
           [0., 0., 1.],
           [0., 0., 0.]])
    """
    m = _arr(m)
    s = _shape(m)
    mask = ~np.tri(*s[-2:], k=k - 1, dtype=bool)
    return ew.select(mask, m, np.zeros((), _dtype(m)))


def tril(m, k: int = 0):
    """numpy.tril: zero above the k-th diagonal (a 1-D ``m`` is a row of a square matrix).

    >>> tril(np.ones((3, 3)))
    array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 1., 1.]])
    >>> import fungrad
    >>> fungrad.grad(lambda m: sum(tril(m)))(np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    m = _arr(m)
    s = _shape(m)
    mask = np.tri(*s[-2:], k=k, dtype=bool)
    return ew.select(mask, m, np.zeros((), _dtype(m)))


def sort(a, axis: int | None = -1, kind=None, order=None, *, stable=None):
    """numpy.sort (stable); differentiable: the gradient follows the permutation.

    >>> sort(np.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    """
    _not_supported("sort", "order", order)
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    perm = argsort(a, axis)
    return take_along_axis(a, perm, axis)


def argsort(a, axis: int | None = -1, kind=None, order=None, *, stable=None):
    """numpy.argsort (stable); zero derivative.

    >>> argsort(np.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    """
    _not_supported("argsort", "order", order)
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    return st.argsort(a, _axis(axis, _ndim(a), "argsort"))


# ---------------------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------------------

def _keep(out, a_shape, axes, keepdims):
    if keepdims:
        return st.reshape(out, tuple(1 if i in axes else d for i, d in enumerate(a_shape)))
    return out


def sum(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
        where=None):  # noqa: A001
    """numpy.sum.

    >>> sum(np.ones((2, 3)), axis=0)
    array([2., 2., 2.])
    >>> sum(np.ones((2, 3)), axis=1, keepdims=True).shape
    (2, 1)
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(x * x))(np.array([1.0, 2.0]))
    array([2., 4.])
    """
    _not_supported("sum", "out", out)
    _not_supported("sum", "where", where)
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    axes = _axes(axis, _ndim(a), "sum")
    res = st.reduce_sum(a, axes, keepdims)
    if initial is not None:
        res = ew.add(res, initial)
    return res


def prod(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
         where=None):
    """numpy.prod; its gradient is right with zeros in ``a`` (no division).

    >>> prod(np.array([2.0, 3.0]))
    np.float64(6.0)
    """
    _not_supported("prod", "out", out)
    _not_supported("prod", "where", where)
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    axes = _axes(axis, _ndim(a), "prod")
    res = st.reduce_prod(a, axes, keepdims)
    if initial is not None:
        res = ew.mul(res, initial)
    return res


def _extremum(name, prim_fn, a, axis, out, keepdims, initial, where):
    _not_supported(name, "out", out)
    _not_supported(name, "where", where)
    a = _arr(a)
    axes = _axes(axis, _ndim(a), name)
    if builtins.any(_shape(a)[i] == 0 for i in axes):
        if initial is None:
            raise ValueError(f"zero-size array to reduction operation {name} which has no "
                             f"identity (array {get_aval(a).str_short()})")
        # nothing to reduce: every result is ``initial`` (the primitive has no identity)
        res = np.full(tuple(d for i, d in enumerate(_shape(a)) if i not in axes), initial,
                      _dtype(a))
        return _keep(res, _shape(a), axes, keepdims)
    res = prim_fn(a, axes, keepdims)
    if initial is not None:
        res = (ew.maximum if name in ("max", "amax") else ew.minimum)(res, initial)
    return res


def max(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):  # noqa
    """numpy.max; ties share the derivative evenly (as in JAX).

    >>> max(np.array([1.0, 3.0, 2.0]))
    np.float64(3.0)
    """
    return _extremum("max", st.reduce_max, a, axis, out, keepdims, initial, where)


def min(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):  # noqa
    """numpy.min; ties share the derivative evenly (as in JAX).

    >>> min(np.array([1.0, 3.0, 2.0]))
    np.float64(1.0)
    """
    return _extremum("min", st.reduce_min, a, axis, out, keepdims, initial, where)


amax = max
amin = min


def mean(a, axis=None, dtype=None, out=None, keepdims: bool = False, where=None):
    """numpy.mean (integers average in float64).

    >>> mean(np.array([1.0, 2.0]))
    np.float64(1.5)
    >>> mean(np.array([[1, 2], [3, 4]]), axis=0)
    array([2., 3.])
    >>> import fungrad
    >>> fungrad.grad(mean)(np.array([1.0, 2.0, 3.0, 4.0]))
    array([0.25, 0.25, 0.25, 0.25])
    """
    _not_supported("mean", "out", out)
    _not_supported("mean", "where", where)
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    elif _dtype(a).kind in "biu":
        a = astype(a, np.float64)
    axes = _axes(axis, _ndim(a), "mean")
    n = int(np.prod([_shape(a)[i] for i in axes], dtype=np.int64))
    return ew.div(st.reduce_sum(a, axes, keepdims), float(n) if n else np.nan)


def var(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False,
        where=None, mean=None, correction=None):  # noqa: A002
    """numpy.var.

    >>> var(np.array([1.0, 3.0]))
    np.float64(1.0)
    >>> var(np.array([1.0, 3.0]), ddof=1)
    np.float64(2.0)
    >>> import fungrad
    >>> fungrad.grad(var)(np.array([1.0, 3.0]))
    array([-1.,  1.])
    """
    _not_supported("var", "out", out)
    _not_supported("var", "where", where)
    _not_supported("var", "mean", mean)
    if correction is not None:
        ddof = correction
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    elif _dtype(a).kind in "biu":
        a = astype(a, np.float64)
    axes = _axes(axis, _ndim(a), "var")
    n = int(np.prod([_shape(a)[i] for i in axes], dtype=np.int64))
    centered = ew.sub(a, _mean_keep(a, axes))
    return ew.div(st.reduce_sum(ew.square(centered), axes, keepdims),
                  float(builtins.max(n - ddof, 0)))


def _mean_keep(a, axes):
    n = int(np.prod([_shape(a)[i] for i in axes], dtype=np.int64))
    return ew.div(st.reduce_sum(a, axes, True), float(n) if n else np.nan)


def std(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False,
        where=None, mean=None, correction=None):  # noqa: A002
    """numpy.std.

    >>> std(np.array([1.0, 3.0]))
    np.float64(1.0)
    >>> import fungrad
    >>> fungrad.grad(std)(np.array([1.0, 3.0]))
    array([-0.5,  0.5])
    """
    return ew.sqrt(var(a, axis, dtype, out, ddof, keepdims, where, mean, correction))


def _arg_extremum(name, prim_fn, a, axis, out, keepdims):
    _not_supported(name, "out", out)
    a = _arr(a)
    if axis is None:
        res = prim_fn(ravel(a), 0)
        return reshape(res, (1,) * _ndim(a)) if keepdims else res
    ax = _axis(axis, _ndim(a), name)
    return _keep(prim_fn(a, ax), _shape(a), (ax,), keepdims)


def argmax(a, axis=None, out=None, *, keepdims: bool = False):
    """numpy.argmax; zero derivative.

    >>> argmax(np.array([1.0, 3.0]))
    np.int64(1)
    >>> argmax(np.array([[1.0, 5.0], [4.0, 2.0]]), axis=1)
    array([1, 0])
    """
    return _arg_extremum("argmax", st.argmax, a, axis, out, keepdims)


def argmin(a, axis=None, out=None, *, keepdims: bool = False):
    """numpy.argmin; zero derivative.

    >>> argmin(np.array([1.0, 3.0]))
    np.int64(0)
    """
    return _arg_extremum("argmin", st.argmin, a, axis, out, keepdims)


def all(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """numpy.all; zero derivative.

    >>> all(np.array([True, False]))
    np.False_
    >>> all(np.array([[True, False], [True, True]]), axis=1)
    array([False,  True])
    """
    _not_supported("all", "out", out)
    _not_supported("all", "where", where)
    a = _arr(a)
    axes = _axes(axis, _ndim(a), "all")
    return st.reduce_and(a, axes, keepdims)


def any(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """numpy.any; zero derivative.

    >>> any(np.array([True, False]))
    np.True_
    >>> any(np.zeros((2, 2)), axis=0)
    array([False, False])
    """
    _not_supported("any", "out", out)
    _not_supported("any", "where", where)
    a = _arr(a)
    axes = _axes(axis, _ndim(a), "any")
    return st.reduce_or(a, axes, keepdims)


def count_nonzero(a, axis=None, *, keepdims: bool = False):
    """numpy.count_nonzero; zero derivative.

    >>> count_nonzero(np.array([0.0, 1.5, 0.0, 2.0]))
    np.int64(2)
    >>> count_nonzero(np.eye(2), axis=0)
    array([1, 1])
    """
    return sum(astype(ew.ne(_arr(a), 0), np.int64), axis=axis, keepdims=keepdims)


def cumsum(a, axis=None, dtype=None, out=None):
    """numpy.cumsum (also ``cumulative_sum``).

    >>> cumsum(np.array([1.0, 2.0, 3.0]))
    array([1., 3., 6.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(cumsum(x)))(np.ones(3))
    array([3., 2., 1.])
    """
    _not_supported("cumsum", "out", out)
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    if axis is None:
        a, axis = ravel(a), 0
    return st.cumsum(a, _axis(axis, _ndim(a), "cumsum"))


def cumprod(a, axis=None, dtype=None, out=None):
    """numpy.cumprod; its derivatives (of every order) are exact where ``a`` has zeros.

    >>> cumprod(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    _not_supported("cumprod", "out", out)
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    if axis is None:
        a, axis = ravel(a), 0
    return st.cumprod(a, _axis(axis, _ndim(a), "cumprod"))


cumulative_sum = cumsum
cumulative_prod = cumprod


# ---------------------------------------------------------------------------------------------
# Linear algebra
# ---------------------------------------------------------------------------------------------

def _describe(a, b) -> str:
    return f"{get_aval(a).str_short()} and {get_aval(b).str_short()}"


def _strong(x):
    """An operand of numpy's (non-ufunc) linear algebra: Python scalars become arrays there,
    so they promote strongly (``dot(x_f32, 2.0)`` is float64), unlike in ufuncs."""
    x = _arr(x)
    return np.asarray(x) if type(x) in (bool, int, float, complex) else x


def dot(a, b, out=None):
    """numpy.dot.

    >>> dot(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.float64(11.0)
    >>> dot(np.eye(2), np.array([3.0, 4.0]))
    array([3., 4.])
    >>> import fungrad
    >>> fungrad.grad(dot)(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    array([3., 4.])
    """
    _not_supported("dot", "out", out)
    a, b = _strong(a), _strong(b)
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return ew.mul(a, b)
    rc = 0 if nb == 1 else nb - 2
    if _shape(a)[-1] != _shape(b)[rc]:
        raise ValueError(f"dot: shapes {_describe(a, b)} not aligned: {_shape(a)[-1]} "
                         f"(dim {na - 1}) != {_shape(b)[rc]} (dim {rc})")
    return st.dot_general(a, b, (((na - 1,), (rc,)), ((), ())))


def matmul(x1, x2, /):
    """numpy.matmul (the ``@`` operator), with batch broadcasting.

    >>> matmul(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    """
    a, b = _arr(x1), _arr(x2)
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        raise ValueError(f"matmul: input operand does not have enough dimensions (operands "
                         f"{_describe(a, b)}); use * for scalars")
    ka = _shape(a)[-1]
    kb = _shape(b)[0] if nb == 1 else _shape(b)[-2]
    if ka != kb:
        raise ValueError(
            f"matmul: shapes {_describe(a, b)} are not aligned: the last dimension of the "
            f"first ({ka}) must equal the {'only' if nb == 1 else 'second-to-last'} dimension "
            f"of the second ({kb})")
    if na <= 2 and nb <= 2:
        return st.dot_general(a, b, (((na - 1,), (0 if nb == 1 else nb - 2,)), ((), ())))
    # stacks of matrices: vectors become matrices, batch dimensions broadcast
    a2 = expand_dims(a, 0) if na == 1 else a
    b2 = expand_dims(b, -1) if nb == 1 else b
    try:
        batch = np.broadcast_shapes(_shape(a2)[:-2], _shape(b2)[:-2])
    except ValueError:
        raise ValueError(f"matmul: the batch dimensions of {_describe(a, b)} do not "
                         "broadcast") from None
    a2 = broadcast_to(a2, batch + _shape(a2)[-2:])
    b2 = broadcast_to(b2, batch + _shape(b2)[-2:])
    nbatch = len(batch)
    bd = tuple(range(nbatch))
    res = st.dot_general(a2, b2, (((nbatch + 1,), (nbatch,)), (bd, bd)))
    if na == 1:
        res = squeeze(res, -2)
    if nb == 1:
        res = squeeze(res, -1)
    return res


def vdot(a, b, /):
    """numpy.vdot for real arrays: the dot product of the flattened inputs.

    >>> vdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2)))
    np.float64(10.0)
    """
    a, b = _arr(a), _arr(b)
    if _size(a) != _size(b):
        raise ValueError(f"vdot: {_describe(a, b)} have different sizes")
    return dot(ravel(a), ravel(b))


def vecdot(x1, x2, /, *, axis: int = -1):
    """numpy.vecdot for real arrays: sum of products over ``axis``, broadcasting the rest.

    >>> vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
    array([3., 7.])
    """
    return sum(ew.mul(_arr(x1), _arr(x2)), axis=axis)


def inner(a, b, /):
    """numpy.inner: contraction over the last axes.

    >>> inner(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.float64(11.0)
    >>> inner(np.ones((2, 3)), np.ones((4, 3))).shape
    (2, 4)
    """
    a, b = _strong(a), _strong(b)
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return ew.mul(a, b)
    if _shape(a)[-1] != _shape(b)[-1]:
        raise ValueError(f"inner: shapes {_describe(a, b)} not aligned in the last dimension")
    return st.dot_general(a, b, (((na - 1,), (nb - 1,)), ((), ())))


def outer(a, b, out=None):
    """numpy.outer.

    >>> outer(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
    array([[ 1., 10.],
           [ 2., 20.]])
    """
    _not_supported("outer", "out", out)
    return ew.mul(reshape(ravel(a), (-1, 1)), reshape(ravel(b), (1, -1)))


def tensordot(a, b, axes=2):
    """numpy.tensordot.

    >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), 1).shape
    (2, 4)
    >>> tensordot(np.ones((2, 3)), np.ones((3, 2)), axes=([0, 1], [1, 0]))
    array(6.)
    """
    a, b = _strong(a), _strong(b)
    na, nb = _ndim(a), _ndim(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        ax_a, ax_b = tuple(range(na - n, na)), tuple(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = (ax_a,) if isinstance(ax_a, int) else tuple(ax_a)
        ax_b = (ax_b,) if isinstance(ax_b, int) else tuple(ax_b)
    ax_a = tuple(_axis(x, na, "tensordot") for x in ax_a)
    ax_b = tuple(_axis(x, nb, "tensordot") for x in ax_b)
    if len(ax_a) != len(ax_b) or builtins.any(_shape(a)[i] != _shape(b)[j]
                                              for i, j in zip(ax_a, ax_b)):
        raise ValueError(f"tensordot: shape-mismatch for sum over axes {ax_a} and {ax_b} of "
                         f"{_describe(a, b)}")
    return st.dot_general(a, b, ((ax_a, ax_b), ((), ())))


def einsum(subscripts: str, *operands, optimize=None):
    """numpy.einsum (explicit labels, no ellipsis). Repeated labels within one operand
    take its diagonal first.

    >>> einsum("ij,j->i", np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    """
    ops = [_strong(x) for x in operands]
    terms, output = st.parse_einsum(subscripts, [_shape(x) for x in ops])
    terms = list(terms)
    for i, term in enumerate(terms):
        while len(set(term)) != len(term):
            c = next(ch for ch in term if term.count(ch) > 1)
            p = term.index(c)
            q = term.index(c, p + 1)
            ops[i] = diagonal(ops[i], 0, p, q)
            term = term[:p] + term[p + 1:q] + term[q + 1:] + c
        terms[i] = term
    if not _traced(*ops):
        return np.einsum(",".join(terms) + "->" + output, *ops)
    return st.einsum(tuple(terms), output, *ops)


def diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """numpy.diagonal: the diagonal goes to the last axis.

    >>> diagonal(np.arange(4.0).reshape(2, 2))
    array([0., 3.])
    """
    a = _arr(a)
    nd = _ndim(a)
    ax1, ax2 = _axis(axis1, nd, "diagonal"), _axis(axis2, nd, "diagonal")
    if ax1 == ax2:
        raise ValueError("diagonal: axis1 and axis2 cannot be the same")
    rest = [i for i in range(nd) if i not in (ax1, ax2)]
    moved = st.transpose(a, rest + [ax1, ax2])
    n1, n2 = _shape(a)[ax1], _shape(a)[ax2]
    if offset >= 0:
        n = builtins.max(0, builtins.min(n1, n2 - offset))
        rows, cols = np.arange(n), np.arange(n) + offset
    else:
        n = builtins.max(0, builtins.min(n1 + offset, n2))
        rows, cols = np.arange(n) - offset, np.arange(n)
    items = [slice(None)] * len(rest) + [ARRAY, ARRAY]
    if not isinstance(moved, Tracer):
        return np.asarray(moved)[tuple(Indexer.from_numpy(items).to_numpy([rows, cols]))]
    return st.gather(moved, rows, cols, indexer=Indexer.from_numpy(items))


def trace(a, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype=None, out=None):
    """numpy.trace.

    >>> trace(np.eye(3))
    np.float64(3.0)
    >>> import fungrad
    >>> fungrad.grad(trace)(np.ones((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    _not_supported("trace", "out", out)
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def diag(v, k: int = 0):
    """numpy.diag: the diagonal of a matrix, or a matrix with ``v`` on its diagonal.

    >>> diag(np.array([1.0, 2.0]))
    array([[1., 0.],
           [0., 2.]])
    """
    v = _arr(v)
    nd = _ndim(v)
    if nd == 2:
        return diagonal(v, k)
    if nd != 1:
        raise ValueError(f"diag: input must be 1-d or 2-d, got {get_aval(v).str_short()}")
    n = _shape(v)[0] + builtins.abs(k)
    idx = np.arange(_shape(v)[0])
    rows, cols = (idx, idx + k) if k >= 0 else (idx - k, idx)
    base = np.zeros((n, n), _dtype(v))
    if not isinstance(v, Tracer):
        base[rows, cols] = v
        return base
    return st.scatter(base, v, rows, cols, indexer=Indexer([ARRAY, ARRAY]))


def kron(a, b):
    """numpy.kron.

    >>> kron(np.eye(2), np.ones((1, 2))).shape
    (2, 4)
    >>> kron(np.array([1.0, 10.0]), np.array([1.0, 2.0]))
    array([ 1.,  2., 10., 20.])
    """
    a, b = _arr(a), _arr(b)
    nd = builtins.max(_ndim(a), _ndim(b))
    sa = (1,) * (nd - _ndim(a)) + _shape(a)
    sb = (1,) * (nd - _ndim(b)) + _shape(b)
    a2 = reshape(a, tuple(x for d in sa for x in (d, 1)))
    b2 = reshape(b, tuple(x for d in sb for x in (1, d)))
    return reshape(ew.mul(a2, b2), tuple(x * y for x, y in zip(sa, sb)))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """numpy.cross for 3-vectors along the last axis.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    if axis is not None or (axisa, axisb, axisc) != (-1, -1, -1):
        raise NotImplementedError("fungrad.numpy.cross supports the last axis only")
    a, b = _arr(a), _arr(b)
    if _shape(a)[-1] != 3 or _shape(b)[-1] != 3:
        raise ValueError(f"cross: expected 3-vectors, got {_describe(a, b)}")
    ax = [take(a, [i], -1) for i in range(3)]
    bx = [take(b, [i], -1) for i in range(3)]
    parts = [ew.sub(ew.mul(ax[1], bx[2]), ew.mul(ax[2], bx[1])),
             ew.sub(ew.mul(ax[2], bx[0]), ew.mul(ax[0], bx[2])),
             ew.sub(ew.mul(ax[0], bx[1]), ew.mul(ax[1], bx[0]))]
    return concatenate(parts, -1)


# ---------------------------------------------------------------------------------------------
# Indexing: x[idx] and x.at[idx].set(v)
# ---------------------------------------------------------------------------------------------

def _index_parts(x, idx) -> tuple[Indexer, list]:
    """Split a numpy index into its static part and its index-array operands."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    items, arrays = [], []
    has_mask = False
    for it in idx:
        if it is None or it is Ellipsis:
            items.append(it)
        elif isinstance(it, slice):
            items.append(slice(*[None if p is None else operator.index(p)
                                 for p in (it.start, it.stop, it.step)]))
        elif isinstance(it, (bool, np.bool_)):
            raise NotImplementedError("fungrad: indexing with a Python bool is not supported")
        elif isinstance(it, (int, np.integer)):
            items.append(int(it))
        elif isinstance(it, Tracer):
            if it.dtype == np.bool_:
                raise TypeError(
                    f"Array boolean indices must be concrete; got a traced mask "
                    f"{it.aval.str_short()}. Its result shape would depend on its values: "
                    "use fungrad.numpy.where(mask, x, 0) instead.")
            if it.dtype.kind not in "iu":
                raise FungradIndexError(f"only integers, slices, None, Ellipsis and integer or "
                                        f"boolean arrays are valid indices; got "
                                        f"{it.aval.str_short()}")
            items.append(ARRAY)
            arrays.append(it)
        else:
            arr = np.asarray(it)
            if arr.dtype == np.bool_:
                items.extend([ARRAY] * builtins.max(arr.ndim, 1))
                arrays.extend(np.nonzero(arr))
                has_mask = True
            elif arr.dtype.kind in "iu":
                items.append(ARRAY)
                arrays.append(arr)
            else:
                raise FungradIndexError(
                    "only integers, slices (`:`), ellipsis (`...`), None and integer or "
                    f"boolean arrays are valid indices; got {it!r} of dtype {arr.dtype}")
    if has_mask:  # a mask's shape must match the axes it indexes: numpy checks that
        probe = np.broadcast_to(np.empty((), np.int8), _shape(x))
        try:
            probe[tuple(np.zeros(it.shape, np.intp) if isinstance(it, Tracer) else it
                        for it in idx)]
        except IndexError as e:
            raise FungradIndexError(f"boolean index does not fit the array "
                                    f"{get_aval(x).str_short()}: {e}") from None
    return Indexer.from_numpy(items), arrays


def _getitem(x, idx):
    indexer, arrays = _index_parts(x, idx)
    if isinstance(x, Tracer) or _traced(*arrays):
        return st.gather(x, *arrays, indexer=indexer)
    return np.asarray(x)[indexer.to_numpy(arrays)]


class _IndexUpdateRef:
    """``x.at[idx]``: functional updates, as in JAX (returns a new array)."""

    __slots__ = ("x", "idx")

    def __init__(self, x, idx):
        self.x, self.idx = x, idx

    def get(self):
        """``x.at[idx].get()`` is ``x[idx]``."""
        return _getitem(self.x, self.idx)

    def set(self, values):
        """A copy of x with ``x[idx] = values``."""
        indexer, arrays = _index_parts(self.x, self.idx)
        return st.scatter(_arr(self.x), astype(_arr(values), _dtype(self.x)), *arrays,
                          indexer=indexer)

    def add(self, values):
        """A copy of x with ``x[idx] += values`` (repeated indices accumulate)."""
        indexer, arrays = _index_parts(self.x, self.idx)
        return st.scatter_add(_arr(self.x), astype(_arr(values), _dtype(self.x)), *arrays,
                              indexer=indexer)

    def subtract(self, values):
        """A copy of x with ``x[idx] -= values``."""
        return self.add(negative(values))

    def multiply(self, values):
        """A copy of x with ``x[idx] *= values`` (like numpy's in-place op: once per index)."""
        return self.set(multiply(self.get(), values))

    def divide(self, values):
        """A copy of x with ``x[idx] /= values``."""
        return self.set(divide(self.get(), values))

    def power(self, values):
        """A copy of x with ``x[idx] **= values``."""
        return self.set(power(self.get(), values))

    def min(self, values):
        """A copy of x with ``x[idx] = minimum(x[idx], values)``."""
        return self.set(minimum(self.get(), values))

    def max(self, values):
        """A copy of x with ``x[idx] = maximum(x[idx], values)``."""
        return self.set(maximum(self.get(), values))


class _IndexUpdateHelper:
    __slots__ = ("x",)

    def __init__(self, x):
        self.x = x

    def __getitem__(self, idx):
        return _IndexUpdateRef(self.x, idx)


# ---------------------------------------------------------------------------------------------
# Tracer operators and methods
# ---------------------------------------------------------------------------------------------

def _swap(fn):
    return lambda self, other: fn(other, self)


_DIRECT_OPERANDS = {Tracer, np.ndarray, float, int, bool, np.float64, np.float32}


def _operator(prim, fallback, swapped: bool = False):
    """A Tracer operator: straight to the primitive for the usual operands (the hot path of
    traced arithmetic), through the numpy function for anything else (lists, ...)."""
    if swapped:
        def op(self, other):
            if type(other) in _DIRECT_OPERANDS:
                return bind(prim, other, self)
            return fallback(other, self)
    else:
        def op(self, other):
            if type(other) in _DIRECT_OPERANDS:
                return bind(prim, self, other)
            return fallback(self, other)
    return op


def _method(fn):
    return lambda self, *args, **kwargs: fn(self, *args, **kwargs)


def _reshape_method(self, *shape, order="C"):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return reshape(self, shape, order)


def _transpose_method(self, *axes):
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]
    return transpose(self, axes or None)


def _item(self, *args):
    if args:
        return _getitem(self, args if len(args) > 1 else args[0]).item()
    if self.aval.size != 1:
        raise ValueError(f"can only convert an array of size 1 to a Python scalar, got "
                         f"{self.aval.str_short()}")
    kind = self.dtype.kind
    return bool(self) if kind == "b" else int(self) if kind in "iu" else float(self)


_TRACER_METHODS = {
    "__add__": _operator(ew.add_p, add), "__radd__": _operator(ew.add_p, add, True),
    "__sub__": _operator(ew.sub_p, subtract),
    "__rsub__": _operator(ew.sub_p, subtract, True),
    "__mul__": _operator(ew.mul_p, multiply),
    "__rmul__": _operator(ew.mul_p, multiply, True),
    "__truediv__": _operator(ew.div_p, divide),
    "__rtruediv__": _operator(ew.div_p, divide, True), "__floordiv__": floor_divide,
    "__rfloordiv__": _swap(floor_divide), "__mod__": mod, "__rmod__": _swap(mod),
    "__pow__": power, "__rpow__": _swap(power), "__matmul__": matmul,
    "__rmatmul__": _swap(matmul), "__neg__": negative, "__pos__": positive,
    "__abs__": absolute, "__invert__": invert, "__and__": bitwise_and,
    "__rand__": _swap(bitwise_and), "__or__": bitwise_or, "__ror__": _swap(bitwise_or),
    "__xor__": bitwise_xor, "__rxor__": _swap(bitwise_xor),
    "__eq__": _operator(ew.eq_p, equal), "__ne__": _operator(ew.ne_p, not_equal),
    "__lt__": _operator(ew.lt_p, less), "__le__": _operator(ew.le_p, less_equal),
    "__gt__": _operator(ew.gt_p, greater), "__ge__": _operator(ew.ge_p, greater_equal),
    "__getitem__": _getitem,
    "sum": _method(sum), "mean": _method(mean), "max": _method(max), "min": _method(min),
    "prod": _method(prod), "var": _method(var), "std": _method(std),
    "argmax": _method(argmax), "argmin": _method(argmin), "all": _method(all),
    "any": _method(any), "cumsum": _method(cumsum), "cumprod": _method(cumprod),
    "reshape": _reshape_method, "transpose": _transpose_method, "astype": _method(astype),
    "squeeze": _method(squeeze), "dot": _method(dot), "clip": _method(clip),
    "ravel": _method(ravel), "flatten": _method(ravel), "round": _method(round),
    "conj": _method(conjugate), "conjugate": _method(conjugate), "swapaxes": _method(swapaxes),
    "repeat": _method(repeat), "take": _method(take), "sort": _method(sort),
    "argsort": _method(argsort), "diagonal": _method(diagonal), "trace": _method(trace),
    "copy": lambda self: self, "item": _item,
}


def _install_tracer_methods() -> None:
    """Give ``Tracer`` numpy's operators and methods (registration: core imports nothing
    from here)."""
    for name, fn in _TRACER_METHODS.items():
        setattr(Tracer, name, fn)
    Tracer.T = property(lambda self: transpose(self))
    Tracer.mT = property(lambda self: swapaxes(self, -1, -2))
    Tracer.at = property(lambda self: _IndexUpdateHelper(self))
    Tracer.real = property(lambda self: real(self))


_install_tracer_methods()

# numpy.linalg last: it is written with the functions above
from fungrad.numpy import linalg  # noqa: E402,F401
