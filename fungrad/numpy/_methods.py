"""``Tracer``'s numpy surface: its operators and array methods, installed at import time (core
imports nothing from ``fungrad.numpy``)."""
from __future__ import annotations

import operator

import numpy as np

from fungrad.array import Array
from fungrad.core import Tracer, bind
from fungrad.numpy.dtypes import astype
from fungrad.numpy.indexing import _getitem, _IndexUpdateHelper, diagonal, take
from fungrad.numpy.joining import repeat
from fungrad.numpy.products import dot, matmul, trace
from fungrad.numpy.reductions import all, any, argmax, argmin, cumprod, cumsum, max, min, prod, \
    ptp, sum
from fungrad.numpy.shapes import ravel, reshape, squeeze, swapaxes, transpose
from fungrad.numpy.searching import choose, compress, nonzero, searchsorted
from fungrad.numpy.sorting import argpartition, argsort, sort
from fungrad.numpy.statistics import mean, std, var
from fungrad.numpy.complex_functions import conjugate, imag, real
from fungrad.numpy.ufuncs import _positive, _power, add, bitwise_and, bitwise_or, bitwise_xor, \
    clip, divide, equal, floor_divide, greater, greater_equal, left_shift, less, less_equal, \
    mod, multiply, not_equal, right_shift, round, subtract
from fungrad.prims import elementwise as ew


def _swap(fn):
    return lambda self, other: fn(other, self)


_DIRECT_OPERANDS = {Tracer, np.ndarray, float, int, bool, np.float64, np.float32}


def _operator(prim, fallback, swapped: bool = False):
    """A Tracer operator: straight to the primitive for the usual operands (the hot path of
    traced arithmetic), through the numpy function for anything else (lists, ...). The
    primitive keeps Python-scalar operands weak, as Python's own operators do (``s // 2`` of
    a traced Python float stays Python-float-like), where the numpy function of the same
    name gives numpy's strong result."""
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


def _divmod(self, other):
    """``divmod(x, y)``: ``(x // y, x % y)``, as ``numpy.divmod``."""
    return self // other, self % other


def _rdivmod(self, other):
    return other // self, other % self


def _round_operator(self, ndigits=None):
    """``round(x[, ndigits])`` with numpy's scalar semantics: a 0-d real value rounds (half
    to even) to a Python int, or with ``ndigits`` to the same dtype; bool and complex have
    no ``round``. numpy arrays have none either: for them it is JAX's, ``round(x, ndigits or
    0)`` elementwise. A traced 0-d value gives its int through a guard (Python's int()).
    """
    kind = self.dtype.kind
    if kind not in "iuf":
        raise TypeError(f"round() of a {self.dtype.name} array of shape {self.shape} is not "
                        "defined (numpy rounds real numbers only); round the real and "
                        "imaginary parts, or cast booleans to a number first.")
    if ndigits is None:
        if self.ndim:
            return round(self)
        return int(self) if kind in "iu" else int(round(self))
    return round(self, operator.index(ndigits))


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
    "__rtruediv__": _operator(ew.div_p, divide, True),
    "__floordiv__": _operator(ew.floor_divide_p, floor_divide),
    "__rfloordiv__": _operator(ew.floor_divide_p, floor_divide, True),
    "__mod__": _operator(ew.mod_p, mod), "__rmod__": _operator(ew.mod_p, mod, True),
    "__divmod__": _divmod, "__rdivmod__": _rdivmod, "__round__": _round_operator,
    "__pow__": _power, "__rpow__": _swap(_power), "__matmul__": matmul,
    "__rmatmul__": _swap(matmul), "__neg__": lambda self: ew.neg(self),
    "__pos__": _positive, "__abs__": lambda self: ew.absolute(self),
    "__invert__": lambda self: ew.bitwise_not(self),
    "__and__": _operator(ew.and_p, bitwise_and),
    "__rand__": _operator(ew.and_p, bitwise_and, True),
    "__or__": _operator(ew.or_p, bitwise_or),
    "__ror__": _operator(ew.or_p, bitwise_or, True),
    "__xor__": _operator(ew.xor_p, bitwise_xor),
    "__rxor__": _operator(ew.xor_p, bitwise_xor, True),
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
    "copy": lambda self: self, "item": _item, "clone": lambda self: self,
    "ptp": _method(ptp), "nonzero": _method(nonzero), "argpartition": _method(argpartition),
    "searchsorted": _method(searchsorted), "choose": _method(choose),
    # numpy's method order: x.compress(condition, axis) is compress(condition, x, axis)
    "compress": lambda self, condition, *args, **kwargs: compress(condition, self, *args,
                                                                  **kwargs),
    "__lshift__": _method(left_shift), "__rlshift__": _swap(left_shift),
    "__rshift__": _method(right_shift), "__rrshift__": _swap(right_shift),
    "__contains__": lambda self, value: any(equal(self, value)),
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
    Tracer.imag = property(lambda self: imag(self))
    Tracer.itemsize = property(lambda self: self.aval.dtype.itemsize)
    Tracer.nbytes = property(lambda self: self.aval.dtype.itemsize * self.aval.size)
    # numpy gives its arrays no round(); fungrad's Array, which stands for numpy's scalars
    # too (a 0-d result), has numpy scalars' round()
    Array.__round__ = _round_operator


_install_tracer_methods()
