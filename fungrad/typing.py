"""``jax.typing``: the type annotations of array-accepting code.

``ArrayLike`` is what fungrad's functions take as an array (a fungrad Array, a numpy array or
scalar, a Python number); ``DTypeLike`` what they take as a dtype.

>>> import numpy as np
>>> def norm(x: ArrayLike) -> float:
...     return float(np.sqrt(np.sum(np.square(x))))
>>> norm([3.0, 4.0])
5.0
"""
from __future__ import annotations

from typing import Any, Protocol, Union

import numpy as np

from fungrad.array import Array

__all__ = ["ArrayLike", "DTypeLike", "DeprecatedArg"]


class _SupportsDType(Protocol):
    @property
    def dtype(self) -> np.dtype: ...


ArrayLike = Union[Array, np.ndarray, np.bool_, np.number, bool, int, float, complex]
DTypeLike = Union[str, type[Any], np.dtype, _SupportsDType]


class DeprecatedArg:
    """The default of an argument JAX deprecated: passing anything else warns.

    >>> DeprecatedArg()
    Deprecated
    """

    def __repr__(self) -> str:
        return "Deprecated"
