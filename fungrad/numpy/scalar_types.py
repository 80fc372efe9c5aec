"""Scalar types that convert arrays: ``fnp.float32(x)`` as JAX has it.

numpy's ``np.float32(x)`` turns an array into a numpy array, so it fails on a traced value
(under ``grad`` or ``jit``) and forgets that a value is an Array. JAX's ``jnp.float32`` is
therefore not numpy's type but a stand-in that behaves like it where types are asked about
(``np.dtype(jnp.float32)``, ``x.dtype == jnp.float32``, ``isinstance(np.float32(1),
jnp.float32)``, ``np.zeros(2, jnp.float32)``) and, called, casts like ``asarray(x, float32)``.
These are fungrad's: each holds numpy's type and its dtype, and numpy reads the ``dtype``
attribute wherever it accepts a dtype.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class ScalarType:
    """A numpy scalar type whose call casts arrays, traced ones too (JAX's ``jnp.float32``).

    >>> import fungrad, fungrad.numpy as fnp
    >>> fnp.float32(np.array([1.5, 2.5]))
    array([1.5, 2.5], dtype=float32)
    >>> fungrad.grad(lambda x: fnp.float64(x) ** 2)(3.0)
    np.float64(6.0)
    >>> np.dtype(fnp.int32), fnp.float32 == np.float32, isinstance(np.float32(1), fnp.float32)
    (dtype('int32'), True, True)
    """

    __slots__ = ("dtype", "type", "__name__", "__qualname__")

    def __init__(self, scalar_type: type[np.generic], name: str | None = None) -> None:
        self.type = scalar_type
        self.dtype = np.dtype(scalar_type)
        self.__name__ = self.__qualname__ = name or scalar_type.__name__

    def __call__(self, x: Any) -> Any:
        from fungrad.numpy.creation import asarray
        return asarray(x, dtype=self.dtype)

    # compared, hashed and asked about as numpy's own type is
    def __eq__(self, other: object) -> bool:
        return other is self or self.type == other

    def __hash__(self) -> int:
        return hash(self.type)

    def __instancecheck__(self, instance: object) -> bool:
        return isinstance(instance, self.type)

    def __subclasscheck__(self, subclass: type) -> bool:
        return issubclass(subclass, self.type)

    def __repr__(self) -> str:
        return f"<class 'fungrad.numpy.{self.__name__}'>"

    def __reduce__(self) -> str:  # pickled by name, as a module-level singleton
        return self.__name__


bool_ = ScalarType(np.bool_, "bool_")
int8, int16, int32, int64 = (ScalarType(t) for t in (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = (ScalarType(t) for t in (np.uint8, np.uint16, np.uint32,
                                                          np.uint64))
float16, float32, float64 = (ScalarType(t) for t in (np.float16, np.float32, np.float64))
complex64, complex128 = ScalarType(np.complex64), ScalarType(np.complex128)

# numpy's other names for them, and numpy 1's ``float_``/``complex_`` that JAX keeps
int_, uint = int64, uint64
single, double = float32, float64
csingle, cdouble = complex64, complex128
float_, complex_ = float64, complex128
