"""dtypes: numpy's dtype objects and constants (so ``fnp.float32`` and ``fnp.pi`` work as in
numpy), and ``astype``.
"""
from __future__ import annotations

import numpy as np

from fungrad.core import Tracer
from fungrad.numpy._util import _arr
from fungrad.prims import elementwise as ew

# dtypes and constants, so ``fnp.float32`` and ``fnp.pi`` work as in numpy
from numpy import (  # noqa: F401
    bool_, complex64, complex128, dtype, e, euler_gamma, float16, float32, float64, inf,
    int8, int16, int32, int64, nan, newaxis, pi, uint8, uint16, uint32, uint64, iinfo, finfo,
    result_type, issubdtype, floating, integer, inexact, number, signedinteger,
)


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
