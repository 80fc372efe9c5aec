"""dtypes: numpy's dtype objects, dtype rules and constants (so ``fnp.float32``,
``fnp.promote_types`` and ``fnp.pi`` work as in numpy), ``astype``, and the questions about
values that need no arithmetic: ``isscalar``, ``iterable``.
"""
from __future__ import annotations

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _array_results, _arr
from fungrad.prims import elementwise as ew

# dtype objects, abstract scalar types and constants, so ``fnp.pi`` and ``fnp.floating``
# work as in numpy
from numpy import (  # noqa: F401
    dtype, e, euler_gamma, inf, nan, newaxis, pi, iinfo, finfo,
    result_type, floating, integer, inexact, number, signedinteger,
    character, flexible, generic,
    complexfloating, unsignedinteger, object_, promote_types, can_cast, isdtype,
)
from numpy import get_printoptions, printoptions, set_printoptions  # noqa: F401

from fungrad.dtypes import issubdtype  # noqa: F401,E402  (numpy's, knowing key dtypes too)
from numpy.exceptions import ComplexWarning  # noqa: F401  (JAX re-exports numpy's)

# the concrete scalar types are JAX's kind: ``fnp.float32(x)`` casts traced values too
from fungrad.numpy.scalar_types import (  # noqa: F401
    bool_, complex64, complex128, complex_, float16, float32, float64, float_, int8, int16,
    int32, int64, uint8, uint16, uint32, uint64, int_, uint, double, single, cdouble, csingle,
)
bool = bool_  # noqa: A001  (numpy 2's name for numpy.bool_)


@_array_results
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


def isscalar(element) -> bool:
    """jax.numpy.isscalar: True for Python and numpy scalars and for 0-d arrays (traced ones
    too), so the answer does not change under ``jit`` (numpy says False for 0-d arrays).

    >>> isscalar(1.0), isscalar(np.array(2)), isscalar(np.ones(2)), isscalar("a")
    (True, True, False, False)
    """
    if isinstance(element, (Tracer, np.ndarray, np.generic)):
        return get_aval(element).ndim == 0
    return isinstance(element, (int, float, complex))  # Python's bool is an int


def iterable(y) -> bool:
    """numpy.iterable: can ``y`` be iterated over? (A traced array of 1 or more dimensions
    can; a 0-d one cannot.)

    >>> iterable([1, 2]), iterable(np.ones(2)), iterable(3.0)
    (True, True, False)
    """
    if isinstance(y, Tracer):
        return y.aval.ndim > 0
    return np.iterable(y)
