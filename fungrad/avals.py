"""Abstract values: what tracing knows about an array without its contents.

* ``ShapedArray(shape, dtype, weak_type)`` -- the abstract value, printed ``float64[3,4]`` (``f64[3,4]`` in jaxprs);
  ``weak_type`` marks a Python scalar's value, which adopts the dtype it meets (NEP 50).
* ``ShapeDtypeStruct`` -- a shape and dtype standing in for an argument.
* ``get_aval`` / ``value_aval`` -- the abstract value of any value fungrad accepts.
* ``numpy_result`` / ``plain`` -- the two views of a computed value: the immutable
  ``fungrad.Array`` the user receives, the plain ndarray fungrad computes with.

>>> get_aval(np.ones((2, 3), np.float32)), get_aval(1.0).weak_type
(ShapedArray(float32[2,3]), True)
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from fungrad.array import Array, wrap

# The tracer type, registered by fungrad.core when it defines it (tracing sits above avals):
# a tracer's abstract value is its own.
_tracer_type: type = type(None)


def register_tracer_type(cls: type) -> None:
    """Tell ``get_aval`` which type is a tracer (called once, by ``fungrad.core``).

    >>> import fungrad
    >>> from fungrad.core import Tracer
    >>> register_tracer_type(Tracer)  # what fungrad.core did when it defined Tracer
    >>> seen = []
    >>> _ = fungrad.make_jaxpr(lambda x: seen.append(get_aval(x)) or x)(np.ones(2))
    >>> seen  # a tracer's abstract value is its own
    [ShapedArray(float64[2])]
    """
    global _tracer_type
    _tracer_type = cls


_SHORT_DTYPE = {
    "float64": "f64", "float32": "f32", "float16": "f16",
    "int64": "i64", "int32": "i32", "int16": "i16", "int8": "i8",
    "uint64": "u64", "uint32": "u32", "uint16": "u16", "uint8": "u8",
    "bool": "bool", "complex128": "c128", "complex64": "c64",
}


def short_dtype_name(dtype: np.dtype) -> str:
    """``float64 -> 'f64'``, ``bool -> 'bool'``: the dtype names jaxprs print.

    >>> short_dtype_name(np.float32), short_dtype_name(bool)
    ('f32', 'bool')
    """
    return _SHORT_DTYPE.get(np.dtype(dtype).name, np.dtype(dtype).name)


class ShapedArray:
    """The abstract value of an array: what tracing knows about it without its contents.

    ``weak_type`` marks a value that came from a Python scalar: like numpy (NEP 50) it adopts
    the dtype of the array it meets (``x_f32 * 2.0`` stays float32).

    >>> ShapedArray((3, 4), np.float64)
    ShapedArray(float64[3,4])
    >>> print(ShapedArray((3, 4), np.float64)), print(ShapedArray((), np.float32, weak_type=True))
    float64[3,4]
    ~float32[]
    (None, None)
    """

    __slots__ = ("shape", "dtype", "weak_type", "_hash")

    def __init__(self, shape: Sequence[int], dtype: Any, weak_type: bool = False):
        self.shape = tuple(shape)
        self.dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
        self.weak_type = weak_type
        self._hash = None

    @property
    def ndim(self) -> int:
        """The number of dimensions.

        >>> ShapedArray((2, 3), np.float32).ndim
        2
        """
        return len(self.shape)

    @property
    def size(self) -> int:
        """The number of elements.

        >>> ShapedArray((2, 3), np.float32).size
        6
        """
        return math.prod(self.shape)

    def str_short(self) -> str:
        """The type as jaxprs print it, with short dtype names.

        >>> ShapedArray((2, 3), np.float32).str_short()
        'f32[2,3]'
        """
        return f"{short_dtype_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def __str__(self) -> str:
        # JAX's str: full dtype names, ``~`` marking a weak type (jaxprs keep the short form)
        weak = "~" if self.weak_type else ""
        return f"{weak}{self.dtype.name}[{','.join(map(str, self.shape))}]"

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.dtype.name}[{','.join(map(str, self.shape))}]{weak})"

    @property
    def sharding(self) -> Any:
        """``jax.typeof(x).sharding``: unsplit over the empty abstract mesh (one device).

        >>> ShapedArray((2, 3), np.float64).sharding.spec
        P(None, None)
        """
        from fungrad.sharding import unsharded
        return unsharded(len(self.shape))

    def strip_weak(self) -> "ShapedArray":
        """The same shape and dtype, strongly typed.

        >>> weak = ShapedArray((), np.float64, weak_type=True)
        >>> weak.strip_weak().weak_type, weak.strip_weak() == ShapedArray((), np.float64)
        (False, True)
        """
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def __eq__(self, other):
        return (isinstance(other, ShapedArray) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        h = self._hash
        if h is None:  # computed once: structure keys hash every aval of a trace
            h = self._hash = hash((self.shape, self.dtype, self.weak_type))
        return h


class ShapeDtypeStruct:
    """A shape and dtype standing in for an array, for abstract tracing.

    >>> import fungrad
    >>> import fungrad.numpy as fnp
    >>> print(fungrad.make_jaxpr(fnp.sin)(fungrad.ShapeDtypeStruct((2,), "float32")))
    { lambda ; a:f32[2]. let b:f32[2] = sin a in (b,) }
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: Sequence[int], dtype: Any = np.float64):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"

    @classmethod
    def like(cls, x: Any) -> "ShapeDtypeStruct":
        """The shape and dtype of ``x`` (an array, scalar or tracer).

        >>> ShapeDtypeStruct.like(np.ones((2, 3), np.float32))
        ShapeDtypeStruct(shape=(2, 3), dtype=float32)
        """
        aval = get_aval(x)
        return cls(aval.shape, aval.dtype)


_PY_SCALAR_DTYPE = {bool: np.dtype(bool), int: np.dtype(np.int64),
                    float: np.dtype(np.float64), complex: np.dtype(np.complex128)}
_SCALAR_AVALS = {t: ShapedArray((), d, True) for t, d in _PY_SCALAR_DTYPE.items()}


def get_aval(x: Any) -> ShapedArray:
    """The abstract value of a tracer, a numpy array/scalar or a Python scalar.

    >>> get_aval(np.ones((2, 3), np.float32))
    ShapedArray(float32[2,3])
    >>> get_aval(1.0), get_aval(1.0).weak_type  # Python scalars are weakly typed
    (ShapedArray(float64[], weak_type=True), True)
    >>> get_aval(ShapeDtypeStruct((4,), "int32"))
    ShapedArray(int32[4])
    """
    if type(x) is np.ndarray or type(x) is Array:
        return value_aval(x)
    if isinstance(x, _tracer_type):
        return x.aval
    aval = _SCALAR_AVALS.get(type(x))
    if aval is not None:
        return aval
    if isinstance(x, (np.ndarray, np.generic)):
        own_aval = getattr(type(x), "fungrad_aval", None)  # e.g. typed PRNG key data
        return own_aval(x) if own_aval else ShapedArray(x.shape, x.dtype)
    if isinstance(x, ShapeDtypeStruct):
        return ShapedArray(x.shape, x.dtype)
    raise TypeError(f"Value {x!r} of type {type(x).__name__} is not a valid fungrad array: "
                    "expected a numpy array, a numpy scalar or a Python bool/int/float/complex.")


def value_aval(x: Any) -> ShapedArray:
    """The aval of a computed value: what a primitive's numpy impl returned. Numpy values are
    strongly typed; a Python scalar is weakly typed (only a weak cast returns one).

    >>> value_aval(np.float32(1.0)), value_aval(2.0).weak_type
    (ShapedArray(float32[]), True)
    """
    t = type(x)
    if t is np.ndarray:
        aval = _aval_cache.get((x.shape, x.dtype))
        if aval is not None:
            return aval
    else:
        aval = _NUMPY_SCALAR_AVALS.get(t)  # numpy's own scalars: the type is the aval
        if aval is not None:
            return aval
    if not isinstance(x, (np.ndarray, np.generic)):
        weak = _SCALAR_AVALS.get(type(x))
        if weak is not None:
            return weak
        x = np.asarray(x)
    elif type(x) is not np.ndarray and hasattr(type(x), "fungrad_aval"):
        return type(x).fungrad_aval(x)  # an array type with its own aval (typed key data)
    key = (x.shape, x.dtype)
    aval = _aval_cache.get(key)
    if aval is None:  # avals are immutable, so one per (shape, dtype) serves every value
        if len(_aval_cache) > 4096:
            _aval_cache.clear()
        aval = _aval_cache[key] = ShapedArray(x.shape, x.dtype)
    return aval


_aval_cache: dict = {}
# numpy's scalar types (exactly these types: a subclass may carry its own aval)
_NUMPY_SCALAR_AVALS = {t: ShapedArray((), np.dtype(t)) for t in (
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.float16, np.float32, np.float64, np.complex64, np.complex128)}


def numpy_result(x: Any) -> Any:
    """A value handed back to the user: an immutable ``fungrad.Array`` (a view, no copy), 0-d
    for a scalar.

    >>> numpy_result(2.0), type(numpy_result(np.ones(2))).__name__
    (np.float64(2.0), 'Array')
    """
    t = type(x)
    if t is np.ndarray or t in _PY_SCALAR_DTYPE or isinstance(x, np.generic):
        return wrap(x)
    return x  # an Array already, or a tracer of an outer transform


def plain(x: Any) -> Any:
    """The numpy array behind an Array (a view), for computing: numpy is slower on
    subclasses. Anything else is returned as it is.

    >>> type(plain(numpy_result(np.ones(2)))).__name__
    'ndarray'
    """
    return x.view(np.ndarray) if type(x) is Array else x
