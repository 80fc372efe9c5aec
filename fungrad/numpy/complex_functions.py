"""Complex numbers: parts, conjugate, angle and the tests of complexness.

Derivatives follow JAX's convention (``fungrad.prims.complex``): a real-valued function of
``z = x + iy`` has the gradient ``df/dx - i df/dy``, e.g. ``grad(abs)(3+4j) = 0.6-0.8j``.

>>> import numpy as np, fungrad
>>> fungrad.grad(lambda z: real(z * z))(1.0 + 2.0j)
np.complex128(2+4j)
"""
from __future__ import annotations

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _arr, _dtype, _numeric, _shape, _strong
from fungrad.numpy.dtypes import astype
from fungrad.numpy.sorting import sort
from fungrad.prims import complex as cx
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st


def _is_complex(x) -> bool:
    return _dtype(x).kind == "c"


def real(x, /):
    """numpy.real: the real part (the array itself for real input).

    >>> real(np.array([1.0 + 2.0j, -3.0]))
    array([ 1., -3.])
    """
    x = _arr(x)
    return cx.real(x) if _is_complex(x) else x


def imag(x, /):
    """numpy.imag: the imaginary part (zeros of the input's dtype for real input).

    >>> imag(np.array([1.0 + 2.0j, -3.0]))
    array([2., 0.])
    >>> import fungrad
    >>> fungrad.grad(imag)(1.0 + 2.0j)  # d/dx - i d/dy of y
    np.complex128(-1j)
    """
    x = _arr(x)
    if _is_complex(x):
        return cx.imag(x)
    if not isinstance(x, Tracer):
        return np.imag(x)
    return st.zeros(_shape(x), _dtype(x))


def conjugate(x, /):
    """numpy.conjugate (also ``conj``): the complex conjugate; the identity on real arrays
    (booleans become int8, as in numpy, whose ufunc has no boolean loop).

    >>> conjugate(np.array([1.0 + 2.0j, 3.0]))
    array([1.-2.j, 3.-0.j])
    >>> conjugate(np.array([True, False])).dtype
    dtype('int8')
    """
    x = _numeric(x, "conjugate", "x")
    if _is_complex(x):
        return _strong(cx.conj(x))
    return _strong(ew.convert_element_type(x, np.int8) if _dtype(x) == np.bool_ else x)


conj = conjugate


def angle(z, deg: bool = False):
    """numpy.angle: the argument of ``z`` in radians (degrees with ``deg``), real.

    >>> angle(np.array([1.0j, -1.0, 1.0]))
    array([1.57079633, 3.14159265, 0.        ])
    >>> angle(1.0 + 1.0j, deg=True)
    np.float64(45.0)
    """
    z = _numeric(z, "angle", "z")
    if _is_complex(z):
        out = ew.arctan2(cx.imag(z), cx.real(z))
    else:
        if _dtype(z).kind not in "f":
            z = astype(z, np.float64)
        # 0 or pi (a +0.0 numerator: atan2(-0.0, -1) would be -pi), zero derivative
        out = ew.arctan2(st.zeros(_shape(z), _dtype(z)), z)
    return _strong(ew.mul(out, 180.0 / np.pi) if deg else out)


def real_if_close(a, tol=100):
    """numpy.real_if_close: the real part if every imaginary part is below ``tol`` machine
    epsilons (``tol`` > 1) or ``tol`` itself; else ``a`` unchanged. The decision reads the
    values (under ``jit`` it is specialized to the path taken, with a guard).

    >>> real_if_close(np.array([2.1 + 4e-14j, 5.2 + 3e-15j]), tol=1000)
    array([2.1, 5.2])
    >>> real_if_close(np.array([2.1 + 4e-13j]), tol=1000).dtype
    dtype('complex128')
    """
    a = _arr(a)
    if not _is_complex(a):
        return _strong(a)
    threshold = tol * np.finfo(_dtype(a)).eps if tol > 1 else tol
    small = st.reduce_and(ew.lt(ew.absolute(cx.imag(a)), threshold),
                          tuple(range(len(_shape(a)))))
    return _strong(cx.real(a) if bool(small) else a)


def iscomplex(x):
    """numpy.iscomplex: elementwise, is the imaginary part nonzero?

    >>> iscomplex(np.array([1.0 + 1.0j, 1.0 + 0.0j, 2.0]))
    array([ True, False, False])
    """
    return _compare_imag(x, ew.ne)


def isreal(x):
    """numpy.isreal: elementwise, is the imaginary part zero?

    >>> isreal(np.array([1.0 + 1.0j, 1.0 + 0.0j, 2.0]))
    array([False,  True,  True])
    """
    return _compare_imag(x, ew.eq)


def _compare_imag(x, compare):
    """``compare(imag(x), 0)`` elementwise; a real ``x``'s imaginary part is 0, known."""
    x = _arr(x)
    if not _is_complex(x):
        return np.full(_shape(x), bool(compare(0, 0)))
    return compare(cx.imag(x), 0)


def iscomplexobj(x) -> bool:
    """numpy.iscomplexobj: does ``x`` have a complex dtype (whatever its values)?

    >>> iscomplexobj(np.array([1.0 + 0.0j])), iscomplexobj(1.0)
    (True, False)
    """
    return get_aval(_arr(x)).dtype.kind == "c"


def isrealobj(x) -> bool:
    """numpy.isrealobj: not ``iscomplexobj``.

    >>> isrealobj(np.array([1.0])), isrealobj(1j)
    (True, False)
    """
    return not iscomplexobj(x)


def sort_complex(a):
    """numpy.sort_complex: sorted by real part, then imaginary part, as a complex array
    (complex64 for 8- and 16-bit integers, complex128 for the rest, as numpy).

    >>> sort_complex(np.array([1.0 + 2.0j, 1.0 - 1.0j, 0.5]))
    array([0.5+0.j, 1. -1.j, 1. +2.j])
    """
    a = sort(_arr(a))
    dtype = _dtype(a)
    if dtype.kind == "c":
        return a
    small = dtype.kind in "iu" and dtype.itemsize <= 2
    return astype(a, np.complex64 if small else np.complex128)
