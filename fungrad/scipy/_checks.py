"""Argument checks shared by the ``fungrad.scipy`` modules: an argument becomes an array of
numbers, or the call stops with a TypeError that names the function, the argument, its
shape and dtype, and what was expected."""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import get_aval


def describe(x) -> str:
    """``f64[3,4]``-style shape and dtype of an array or tracer."""
    return get_aval(x).str_short()


def numeric_array(func: str, arg: str, x, kinds: str = "biuf"):
    """``x`` as a fungrad array whose dtype kind is one of ``kinds`` (numpy's letters: b
    bool, i/u integers, f floats, c complex)."""
    try:
        array = fnp.asarray(x)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{func}: {arg} must be an array of numbers, got "
                        f"{type(x).__name__} ({error})") from None
    if array.dtype.kind not in kinds:
        wanted = {"biuf": "real numbers", "biufc": "numbers", "f": "floats",
                  "fc": "floats or complex numbers", "iu": "integers"}.get(kinds, kinds)
        raise TypeError(f"{func}: {arg} must be an array of {wanted}, got "
                        f"{describe(array)} (dtype {array.dtype})")
    return array


def inexact_dtype(*arrays) -> np.dtype:
    """The floating (or complex) dtype the arrays promote to, as JAX's
    ``promote_dtypes_inexact``: integers and bools give float64 (numpy's default)."""
    dtype = np.result_type(*[a.dtype for a in arrays])
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)
