"""``jax.dtypes``: questions about dtypes, answered with numpy's dtypes and fungrad's rules
(64-bit always: what JAX gives with ``jax_enable_x64``).

>>> import numpy as np
>>> canonicalize_dtype(int), result_type(np.float32, 1.0), scalar_type_of(np.ones(2))
(dtype('int64'), dtype('float32'), <class 'float'>)

``bfloat16`` and the other ml_dtypes types are not numpy dtypes and not here: asking for one
raises an AttributeError that says so.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy import finfo, iinfo  # noqa: F401  (JAX's are numpy's, extended to ml_dtypes)

from fungrad.api import float0
from fungrad.promotion import TypePromotionError, check_binary, checking as _promotion_checking

__all__ = ["canonicalize_dtype", "float0", "issubdtype", "result_type", "scalar_type_of",
           "finfo", "iinfo", "itemsize_bits", "TypePromotionError", "extended", "prng_key"]

_ML_DTYPES = frozenset({
    "bfloat16", "float4_e2m1fn", "float6_e2m3fn", "float6_e3m2fn", "float8_e3m4",
    "float8_e4m3", "float8_e4m3b11fnuz", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2",
    "float8_e5m2fnuz", "float8_e8m0fnu", "int2", "int4", "uint2", "uint4"})




def canonicalize_dtype(dtype: Any, allow_extended_dtype: bool = False) -> np.dtype:
    """The numpy dtype fungrad computes ``dtype`` in: the dtype itself (fungrad keeps 64-bit
    types, as JAX does with x64 enabled); a Python type gives numpy's default for it.

    >>> canonicalize_dtype(float), canonicalize_dtype("float32")
    (dtype('float64'), dtype('float32'))
    """
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"fungrad.dtypes.canonicalize_dtype: {dtype!r} is not a dtype") from None


class extended:
    """The abstract type of the dtypes that are not numpy's: typed PRNG keys (``key<fry>``).

    >>> import fungrad
    >>> issubdtype(fungrad.random.key(0).dtype, extended), issubdtype(np.float32, extended)
    (True, False)
    """


class prng_key(extended):
    """The abstract type of the dtypes of typed PRNG keys (``fungrad.random.key``).

    >>> import fungrad
    >>> issubdtype(fungrad.random.key(0).dtype, prng_key)
    True
    """


def _is_key_dtype(dtype: Any) -> bool:
    if isinstance(dtype, (np.dtype, type, str)) or dtype is None:
        return False
    from fungrad.random.keys import KeyDtype  # only asked about a non-numpy dtype
    return isinstance(dtype, KeyDtype)


def issubdtype(a: Any, b: Any) -> bool:
    """numpy's ``issubdtype``, with fungrad's scalar types (``fnp.float32``), ``float0`` and
    the key dtypes (subtypes of ``prng_key`` and ``extended``, of no numpy type).

    >>> import fungrad.numpy as fnp
    >>> issubdtype(fnp.float32, fnp.floating), issubdtype(float0, np.number)
    (True, False)
    """
    if _is_key_dtype(a):
        return _is_key_dtype(b) or (isinstance(b, type) and issubclass(b, extended))
    if isinstance(b, type) and issubclass(b, extended):
        return False
    if a is float0 or (isinstance(a, np.dtype) and a == float0):
        return b is float0 or (isinstance(b, np.dtype) and b == float0)
    return bool(np.issubdtype(a, b))


def _dtype_and_weak(x: Any) -> tuple[Any, bool]:
    """What one argument of ``result_type`` stands for: a dtype (weak for Python scalars)."""
    from fungrad.core import Tracer, get_aval
    if isinstance(x, (bool, int, float, complex)):
        return x, True
    if isinstance(x, (Tracer, np.ndarray, np.generic)):
        aval = get_aval(x)
        return (aval.dtype.type(0) if aval.weak_type else aval.dtype), aval.weak_type
    return canonicalize_dtype(x), False


def _representative(dtype: Any, weak: bool) -> Any:
    """A value that promotes as ``(dtype, weak)`` does: a Python scalar, or a 0-d array."""
    if weak:
        return np.asarray(dtype).dtype.type(0).item()
    return np.zeros((), dtype)


def result_type(*args: Any, return_weak_type_flag: bool = False) -> Any:
    """The dtype of an operation on ``args`` (arrays, scalars or dtypes), by numpy's NEP 50
    rules: Python scalars are weak (``float32`` and ``1.0`` give float32). With
    ``return_weak_type_flag``, also whether the result is weak (all inputs were).

    >>> result_type(np.float32, 1.0), result_type(1, 2.0, return_weak_type_flag=True)
    (dtype('float32'), (dtype('float64'), True))
    """
    if not args:
        raise ValueError("fungrad.dtypes.result_type: at least one argument is required")
    if _promotion_checking[0] and len(args) > 1:  # strict promotion refuses here too, as in JAX
        check_binary("result_type", *[_representative(*p) for p in map(_dtype_and_weak, args)],
                     ranks=False)
    parts = [_dtype_and_weak(a) for a in args]
    weak = all(w for _, w in parts)
    if weak:  # all Python scalars: the highest kind's default type
        dtype = np.result_type(*[np.asarray(p).dtype for p, _ in parts])
    else:
        dtype = np.result_type(*[p for p, _ in parts])
    return (dtype, weak) if return_weak_type_flag else dtype


def scalar_type_of(x: Any) -> type:
    """The Python scalar type (bool, int, float or complex) of ``x``'s dtype.

    >>> scalar_type_of(np.float32(1)), scalar_type_of(np.arange(3)), scalar_type_of(True)
    (<class 'float'>, <class 'int'>, <class 'bool'>)
    """
    dtype = _dtype_and_weak(x)[0]
    kind = np.asarray(dtype).dtype.kind if not isinstance(dtype, np.dtype) else dtype.kind
    types = {"b": bool, "i": int, "u": int, "f": float, "c": complex}
    if kind not in types:
        raise TypeError(f"fungrad.dtypes.scalar_type_of: {x!r} has no Python scalar type")
    return types[kind]


def itemsize_bits(dtype: Any) -> int:
    """The size of one element of ``dtype`` in bits.

    >>> itemsize_bits(np.float32), itemsize_bits(bool)
    (32, 8)
    """
    return canonicalize_dtype(dtype).itemsize * 8


def __getattr__(name: str) -> Any:
    if name in _ML_DTYPES:
        raise AttributeError(f"fungrad.dtypes has no {name}: it is an ml_dtypes type, not a "
                             "numpy dtype, and fungrad computes with numpy dtypes only")
    raise AttributeError(f"module 'fungrad.dtypes' has no attribute {name!r}")
