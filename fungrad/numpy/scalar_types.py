"""Scalar types that convert arrays: ``fnp.float32(x)`` as JAX has it.

numpy's ``np.float32(x)`` turns an array into a numpy array, so it fails on a traced value
(under ``grad`` or ``jit``) and forgets that a value is an Array. JAX's ``jnp.float32`` is
therefore not numpy's type but a stand-in that behaves like it where types are asked about
(``np.dtype(jnp.float32)``, ``x.dtype == jnp.float32``, ``isinstance(np.float32(1),
jnp.float32)``, ``np.zeros(2, jnp.float32)``) and, called, casts like ``asarray(x, float32)``.
These are fungrad's: each is a class (made by the metaclass ``ScalarType``, as JAX's are)
holding numpy's type and its dtype, and numpy reads the ``dtype`` attribute wherever it accepts
a dtype.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class ScalarType(type):
    """The metaclass of fungrad's scalar types: ``fnp.float32`` is a class (as JAX's is) whose
    call casts arrays, traced ones too, and which compares, hashes and answers ``isinstance``
    as numpy's ``np.float32`` does.

    >>> import fungrad, fungrad.numpy as fnp
    >>> fnp.float32(np.array([1.5, 2.5]))
    array([1.5, 2.5], dtype=float32)
    >>> fungrad.grad(lambda x: fnp.float64(x) ** 2)(3.0)
    np.float64(6.0)
    >>> np.dtype(fnp.int32), fnp.float32 == np.float32, isinstance(np.float32(1), fnp.float32)
    (dtype('int32'), True, True)
    >>> isinstance(fnp.float32, type), issubclass(fnp.float32, np.floating)  # as in JAX
    (True, False)
    """

    dtype: np.dtype
    type: type

    def __call__(cls, x: Any) -> Any:
        from fungrad.numpy.creation import asarray
        return asarray(x, dtype=cls.dtype)

    # compared, hashed and asked about as numpy's own type is
    def __eq__(cls, other: object) -> bool:
        return other is cls or cls.type == other

    def __ne__(cls, other: object) -> bool:
        return not cls == other

    def __hash__(cls) -> int:
        return hash(cls.type)

    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, cls.type)


def _scalar_type(numpy_type: type[np.generic], name: str | None = None) -> ScalarType:
    """A fungrad scalar type standing for ``numpy_type`` (a class made by ``ScalarType``)."""
    name = name or numpy_type.__name__
    doc = (f"The scalar type {name}: numpy's ``np.{name}`` where a type or dtype is asked "
           f"for; called, it casts like ``asarray(x, dtype={name})``, traced values too.\n\n"
           f"    >>> {name}.dtype\n    dtype('{np.dtype(numpy_type).name}')\n")
    return ScalarType(name, (), {"dtype": np.dtype(numpy_type), "type": numpy_type,
                                 "__module__": "fungrad.numpy", "__doc__": doc})


bool_ = _scalar_type(np.bool_, "bool_")
int8, int16, int32, int64 = (_scalar_type(t) for t in (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = (_scalar_type(t) for t in (np.uint8, np.uint16, np.uint32,
                                                          np.uint64))
float16, float32, float64 = (_scalar_type(t) for t in (np.float16, np.float32, np.float64))
complex64, complex128 = _scalar_type(np.complex64), _scalar_type(np.complex128)

# numpy's other names for them, and numpy 1's ``float_``/``complex_`` that JAX keeps
int_, uint = int64, uint64
single, double = float32, float64
csingle, cdouble = complex64, complex128
float_, complex_ = float64, complex128
