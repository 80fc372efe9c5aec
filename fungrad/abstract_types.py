"""``typeof``: the abstract type of a value, what tracing knows of it (shape, dtype, weak).

JAX prints it everywhere a value is traced (``jax.typeof(x)`` inside a ``vmap`` shows the
per-example type); fungrad's is the same ``ShapedArray`` its jaxprs print.
"""
from __future__ import annotations

from typing import Any

from fungrad.core import ShapedArray, get_aval

__all__ = ["typeof", "KeyType"]


class KeyType:
    """The abstract type of an array of typed PRNG keys: its shape and key dtype.

    >>> import fungrad
    >>> print(typeof(fungrad.random.split(fungrad.random.key(0), 3)))
    key<fry>[3]
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: tuple, dtype: Any):
        self.shape, self.dtype = tuple(shape), dtype

    @property
    def ndim(self) -> int:
        """The number of dimensions.

        >>> KeyType((2, 3), "key<fry>").ndim
        2
        """
        return len(self.shape)

    def __str__(self) -> str:
        return f"{self.dtype}[{','.join(map(str, self.shape))}]"

    def __repr__(self) -> str:  # as JAX prints it
        return f"ShapedArray({self})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, KeyType) and (self.shape, str(self.dtype)) == \
            (other.shape, str(other.dtype))

    def __hash__(self) -> int:
        return hash((self.shape, str(self.dtype)))


def typeof(x: Any) -> ShapedArray | KeyType:
    """The abstract type of ``x`` (an array, a Python or numpy scalar, or a tracer), as
    ``jax.typeof``: shape, dtype and weak type, without the values.

    Inside a transform it is the type the function sees, e.g. one example's under ``vmap``.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> print(typeof(fnp.ones((3, 3))), typeof(1.0), typeof(np.int32(2)))
    float64[3,3] ~float64[] int32[]
    >>> typeof(fnp.ones((3, 3)))
    ShapedArray(float64[3,3])
    >>> fungrad.vmap(lambda v: print(typeof(v)) or v)(fnp.arange(3.0))
    float64[]
    array([0., 1., 2.])
    """
    dtype = getattr(x, "dtype", None)
    if dtype is not None and type(dtype).__name__ == "KeyDtype":
        return KeyType(x.shape, dtype)
    try:
        return get_aval(x)
    except TypeError:
        raise TypeError(f"typeof: expected an array, a scalar or a tracer, got "
                        f"{type(x).__name__}: {x!r}") from None
