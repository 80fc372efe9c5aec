"""Matrix forms with values only: the Schur and Hessenberg forms, the matrix square root,
the real-to-complex Schur conversion and tridiagonal eigenvalues, from scipy's LAPACK.

JAX gives none of these a derivative, and neither does fungrad: differentiating one raises
NotImplementedError (a zero derivative would be a silent wrong answer). They batch over
leading dimensions like the other linear-algebra primitives.
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.linalg import batch_stacked, flat_stack, inexact, square_matrices
from fungrad.prims.rules import primitive


def _no_derivative(name: str):
    message = (f"{name} has no derivative (nor has it in JAX); compute it outside the "
               "differentiated function or wrap it in stop_gradient")

    def jvp(primals, tangents, **params):
        raise NotImplementedError(message)

    def vjp(cts, primals, ans, needs, **params):
        raise NotImplementedError(message)
    return jvp, vjp


def _stacked(one, n_out: int):
    """An impl applying ``one`` (matrices in, ``n_out`` arrays out) to every matrix of a
    stack (an empty stack asks ``one`` of a zero matrix for its output types)."""
    def impl(*args, **params):
        args = [np.asarray(a) for a in args]
        batch = args[0].shape[:-2]
        flats = [flat_stack(a) for a in args]
        results = [one(*items, **params) for items in zip(*flats)]
        if not results:
            probe = one(*[np.zeros(a.shape[-2:], a.dtype) for a in args], **params)
            return [np.zeros(batch + np.shape(p), np.asarray(p).dtype) for p in probe]
        return [np.stack([r[k] for r in results]).reshape(batch + np.shape(results[0][k]))
                for k in range(n_out)]
    return impl


def _values_primitive(name, one, abstract, n_out, core_ranks):
    prim = primitive(name, _stacked(one, n_out), abstract, multiple_results=True)
    prim.jvp, prim.vjp = _no_derivative(name)
    batch_stacked(prim, core_ranks)
    return prim


def _complex_of(dtype) -> np.dtype:
    return np.result_type(dtype, np.complex64)


# ----------------------------------------------------------------------------- schur
def _schur_one(a, output):
    from scipy.linalg import schur
    t, z = schur(a, output=output)
    dtype = _complex_of(a.dtype) if output == "complex" else a.dtype
    return t.astype(dtype, copy=False), z.astype(dtype, copy=False)


def _schur_abstract(a, output):
    square_matrices("schur", a)
    dtype = _complex_of(a.dtype) if output == "complex" else a.dtype
    return [ShapedArray(a.shape, dtype), ShapedArray(a.shape, dtype)]


schur_p = _values_primitive("schur", _schur_one, _schur_abstract, 2, (2,))


def schur(a, output: str = "real"):
    """``[t, z]``: ``a = z t z^H`` with ``t`` quasi-upper (real) or upper (complex)
    triangular."""
    return bind(schur_p, a, output=output)


# ----------------------------------------------------------------------------- hessenberg
def _hessenberg_one(a):
    from scipy.linalg import hessenberg
    h, q = hessenberg(a, calc_q=True)
    return h.astype(a.dtype, copy=False), q.astype(a.dtype, copy=False)


def _hessenberg_abstract(a):
    square_matrices("hessenberg", a)
    return [a.strip_weak(), a.strip_weak()]


hessenberg_p = _values_primitive("hessenberg", _hessenberg_one, _hessenberg_abstract, 2, (2,))


def hessenberg(a):
    """``[h, q]``: ``a = q h q^H`` with ``h`` upper Hessenberg."""
    return bind(hessenberg_p, a)


# ----------------------------------------------------------------------------- sqrtm
def _sqrtm_one(a):
    from scipy.linalg import sqrtm
    return (np.asarray(sqrtm(a)).astype(_complex_of(a.dtype), copy=False),)


def _sqrtm_abstract(a):
    square_matrices("sqrtm", a)
    return [ShapedArray(a.shape, _complex_of(a.dtype))]


sqrtm_p = _values_primitive("sqrtm", _sqrtm_one, _sqrtm_abstract, 1, (2,))


def sqrtm(a):
    """The principal matrix square root (complex, as JAX's)."""
    return bind(sqrtm_p, a)[0]


# ----------------------------------------------------------------------------- funm
def _funm_one(a, func):
    from scipy.linalg import funm
    out = np.asarray(funm(a, func, disp=True))
    return (out.astype(_complex_of(a.dtype) if out.dtype.kind == "c" else a.dtype,
                       copy=False),)


def _funm_abstract(a, func):
    square_matrices("funm", a)
    return [ShapedArray(a.shape, _complex_of(a.dtype))]


def _funm_impl(a, func):
    (out,) = _stacked(_funm_one, 1)(a, func=func)
    return [out.astype(_complex_of(out.dtype), copy=False)]


funm_p = primitive("funm", _funm_impl, _funm_abstract, multiple_results=True)
funm_p.jvp, funm_p.vjp = _no_derivative("funm")
batch_stacked(funm_p, (2,))


def funm(a, func):
    """The matrix function of ``func`` (applied to numpy arrays) by Schur-Parlett; complex,
    as the Schur form it goes through."""
    return bind(funm_p, a, func=func)[0]


# ----------------------------------------------------------------------------- rsf2csf
def _rsf2csf_one(t, z):
    from scipy.linalg import rsf2csf
    tc, zc = rsf2csf(t, z)
    dtype = _complex_of(np.result_type(t.dtype, z.dtype))
    return tc.astype(dtype, copy=False), zc.astype(dtype, copy=False)


def _rsf2csf_abstract(t, z):
    square_matrices("rsf2csf", t, "T")
    square_matrices("rsf2csf", z, "Z")
    if t.shape != z.shape:
        raise ValueError(f"rsf2csf: T {t.str_short()} and Z {z.str_short()} must have the "
                         "same shape")
    dtype = _complex_of(np.result_type(t.dtype, z.dtype))
    return [ShapedArray(t.shape, dtype), ShapedArray(t.shape, dtype)]


rsf2csf_p = _values_primitive("rsf2csf", _rsf2csf_one, _rsf2csf_abstract, 2, (2, 2))


def rsf2csf(t, z):
    """``[t, z]`` of a real Schur form converted to the complex one."""
    return bind(rsf2csf_p, t, z)


# ----------------------------------------------------------------------------- tridiagonal
def _eigh_tridiagonal_one(d, e):
    from scipy.linalg import eigh_tridiagonal
    return (eigh_tridiagonal(d, e, eigvals_only=True).astype(d.dtype, copy=False),)


def _eigh_tridiagonal_abstract(d, e):
    inexact("eigh_tridiagonal", d, "d")
    inexact("eigh_tridiagonal", e, "e")
    if d.ndim < 1 or e.ndim != d.ndim or e.shape[:-1] != d.shape[:-1] or \
            e.shape[-1] != max(d.shape[-1] - 1, 0):
        raise ValueError(f"eigh_tridiagonal: the off-diagonal e {e.str_short()} must be one "
                         f"shorter than the diagonal d {d.str_short()}")
    return [ShapedArray(d.shape, d.dtype)]


def _eigh_tridiagonal_impl(d, e):
    d, e = np.asarray(d), np.asarray(e)
    out = np.empty(d.shape, d.dtype)
    for di, ei, oi in zip(flat_stack(d, 1), flat_stack(e, 1), flat_stack(out, 1)):
        oi[...] = _eigh_tridiagonal_one(di, ei)[0]
    return [out]


eigh_tridiagonal_p = primitive("eigh_tridiagonal", _eigh_tridiagonal_impl,
                               _eigh_tridiagonal_abstract, multiple_results=True)
eigh_tridiagonal_p.jvp, eigh_tridiagonal_p.vjp = _no_derivative("eigh_tridiagonal")
batch_stacked(eigh_tridiagonal_p, (1, 1))


def eigh_tridiagonal(d, e):
    """The ascending eigenvalues of the symmetric tridiagonal matrix with diagonal ``d`` and
    off-diagonal ``e``."""
    return bind(eigh_tridiagonal_p, d, e)[0]
