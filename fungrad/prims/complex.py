"""Complex parts: ``real``, ``imag``, ``conj`` and ``complex`` (two reals into one complex).

fungrad differentiates complex functions as JAX does, by treating C as R^2. A tangent is a
complex number like the input; a cotangent ``c`` is paired with a tangent ``t`` by the
*bilinear* form ``Re(sum(c * t))`` (no conjugate), so a reverse-mode rule is the transpose of
the forward one, not its adjoint. For a holomorphic ``f`` the cotangent of ``g`` is
``g * f'(z)``, the rule real functions already have; a real-valued ``f`` of ``z = x + iy``
gets the gradient ``df/dx - i df/dy``. These four primitives are not holomorphic, so their
rules say it explicitly: ``real``'s transpose is ``g + 0j``, ``imag``'s is ``-1j * g``,
``conj``'s is ``conj(g)`` and ``complex``'s is ``(real(g), -imag(g))``.
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind, get_aval
from fungrad.prims.elementwise import (
    broadcast_shapes, convert_element_type, mul, neg,
)
from fungrad.prims.rules import batch_elementwise, defjvp, defvjp, deflinear, primitive

#: the real dtype of each complex dtype, and the complex dtype of each real one
REAL_OF = {np.dtype(np.complex64): np.dtype(np.float32),
           np.dtype(np.complex128): np.dtype(np.float64)}
COMPLEX_OF = {np.dtype(np.float16): np.dtype(np.complex64),
              np.dtype(np.float32): np.dtype(np.complex64),
              np.dtype(np.float64): np.dtype(np.complex128)}


def _complex_only(name: str):
    def abstract_eval(aval):
        if aval.dtype.kind != "c":
            raise TypeError(f"{name} takes a complex array, got {aval.str_short()}")
        dtype = REAL_OF[aval.dtype] if name != "conj" else aval.dtype
        return ShapedArray(aval.shape, dtype, aval.weak_type)
    return abstract_eval


real_p = primitive("real", np.real, _complex_only("real"))
imag_p = primitive("imag", np.imag, _complex_only("imag"))
conj_p = primitive("conj", np.conjugate, _complex_only("conj"))
for _p in (real_p, imag_p, conj_p):
    _p.weak_propagating = True
    batch_elementwise(_p)


def real(x):
    """The real part of a complex array (a real array with the same precision)."""
    return bind(real_p, x)


def imag(x):
    """The imaginary part of a complex array."""
    return bind(imag_p, x)


def conj(x):
    """The complex conjugate of a complex array."""
    return bind(conj_p, x)


def _dtype(x) -> np.dtype:
    return get_aval(x).dtype


deflinear(real_p, lambda g, x: convert_element_type(g, _dtype(x)))
deflinear(imag_p, lambda g, x: mul(convert_element_type(g, _dtype(x)), -1j))
deflinear(conj_p, lambda g, x: conj(g))


def _complex_abstract(x, y):
    for a in (x, y):
        if a.dtype.kind != "f":
            raise TypeError("complex takes two real floating-point arrays (real and imaginary "
                            f"parts), got {x.str_short()} and {y.str_short()}")
    if x.dtype != y.dtype:
        raise TypeError("complex: the real and imaginary parts must have the same dtype, got "
                        f"{x.str_short()} and {y.str_short()}")
    return ShapedArray(broadcast_shapes("complex", [x, y]), COMPLEX_OF[x.dtype],
                       x.weak_type and y.weak_type)


def _complex_impl(x, y):
    return np.add(x, np.multiply(y, 1j, dtype=COMPLEX_OF[np.result_type(x)]))


complex_p = primitive("complex", _complex_impl, _complex_abstract)
batch_elementwise(complex_p)


def make_complex(x, y):
    """``x + 1j * y`` from two real arrays of one dtype (lax.complex)."""
    _complex_abstract(get_aval(x), get_aval(y))  # eager binds skip the shape rule
    return bind(complex_p, x, y)


defjvp(complex_p, lambda t, ans, x, y: convert_element_type(t, _dtype(ans)),
       lambda t, ans, x, y: mul(convert_element_type(t, _dtype(ans)), 1j))
defvjp(complex_p, lambda g, ans, x, y: real(g), lambda g, ans, x, y: neg(imag(g)))
