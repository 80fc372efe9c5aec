"""``check_grads``: compare fungrad's derivatives with finite differences, as JAX's does.

>>> import numpy as np, fungrad.numpy as fnp
>>> check_grads(fnp.sin, (np.array([0.5, 1.0]),), order=2)
"""
from __future__ import annotations


from typing import Any, Callable, Sequence

import numpy as np

from fungrad.api import jvp, vjp
from fungrad.tree_util import tree_flatten, tree_map

_DEFAULT_TOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 2e-2,
                np.dtype(np.float16): 1e-1, np.dtype(np.complex128): 1e-5,
                np.dtype(np.complex64): 2e-2}
_DEFAULT_EPS = {np.dtype(np.float64): 1e-4, np.dtype(np.float32): 1e-2,
                np.dtype(np.float16): 1e-1, np.dtype(np.complex128): 1e-4,
                np.dtype(np.complex64): 1e-2}


def _dtype(x) -> np.dtype:
    return np.asarray(x).dtype


def _f64(x) -> np.ndarray:
    """As float64 (complex128) for comparing; an integer input's (float0) cotangent counts as
    zeros."""
    x = np.asarray(x)
    if x.dtype.kind == "V":
        return np.zeros(x.shape)
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def _differentiable(x) -> bool:
    return _dtype(x).kind in "fc"


def _tol(tol, leaves) -> float:
    if tol is not None:
        return tol
    dts = [_dtype(x) for x in leaves if _differentiable(x)]
    return max((_DEFAULT_TOL.get(d, 1e-5) for d in dts), default=1e-5)


def _random_like(x, rng):
    x = np.asarray(x)
    if x.dtype.kind == "V":  # float0: the cotangent of an integer input
        return np.zeros(x.shape, x.dtype)
    if x.dtype.kind == "c":  # a random direction in the real and the imaginary parts
        return (rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)).astype(
            x.dtype)
    if x.dtype.kind != "f":
        return np.zeros(x.shape, x.dtype)
    return rng.standard_normal(x.shape).astype(x.dtype)


def _add(tree, other, scale):
    return tree_map(lambda x, t: (np.asarray(x) + scale * np.asarray(t)).astype(_dtype(x))
                    if _differentiable(x) else x, tree, other)


def _inner(a, b) -> float:
    """The pairing of cotangents with tangents: ``Re(sum(a * b))``, bilinear (no conjugate),
    the convention under which a vjp is the transpose of the jvp (JAX's)."""
    la, lb = tree_flatten(a)[0], tree_flatten(b)[0]
    return float(sum(np.real(np.sum(_f64(x) * _f64(y))) for x, y in zip(la, lb)))


def _assert_close(what, expected, got, atol, rtol):
    le, lg = tree_flatten(expected)[0], tree_flatten(got)[0]
    for e, g in zip(le, lg):
        e, g = _f64(e), _f64(g)
        if e.shape != g.shape or not np.allclose(e, g, atol=atol, rtol=rtol, equal_nan=True):
            raise AssertionError(f"{what} mismatch (atol={atol}, rtol={rtol}):\n"
                                 f"expected {e!r}\ngot      {g!r}")


def check_jvp(f: Callable, args: Sequence[Any], atol=None, rtol=None, eps=None, rng=None):
    """One JVP in a random direction against a central difference; raises AssertionError on
    a mismatch.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> check_jvp(fnp.tanh, (np.array([0.5, 1.0]),))
    >>> wrong = fungrad.custom_jvp(fnp.sin)
    >>> _ = wrong.defjvp(lambda p, t: (fnp.sin(p[0]), t[0]))  # should be cos(x) * t
    >>> try:
    ...     check_jvp(wrong, (np.array([1.0, 2.0]),))
    ... except AssertionError as e:
    ...     print(str(e).splitlines()[0])
    JVP mismatch (atol=1e-05, rtol=1e-05):
    """
    rng = rng or np.random.default_rng(0)
    tol, tangent, numeric = _central_difference(f, args, atol, eps, rng)
    out, t_out = jvp(f, tuple(args), tangent)
    _assert_close("JVP", numeric, t_out, tol, rtol if rtol is not None else tol)


def _central_difference(f, args, atol, eps, rng):
    """A random tangent and the central-difference directional derivative along it, with
    the tolerance and step suited to the arguments' dtypes."""
    leaves = tree_flatten(args)[0]
    eps = eps or max((_DEFAULT_EPS.get(_dtype(x), 1e-4) for x in leaves
                      if _differentiable(x)), default=1e-4)
    tangent = tree_map(lambda x: _random_like(x, rng), tuple(args))
    plus = f(*_add(tuple(args), tangent, eps))
    minus = f(*_add(tuple(args), tangent, -eps))
    numeric = tree_map(lambda p, m: (_f64(p) - _f64(m)) / (2 * eps), plus, minus)
    return _tol(atol, leaves), tangent, numeric


def check_vjp(f: Callable, args: Sequence[Any], atol=None, rtol=None, eps=None, rng=None):
    """<vjp(ct), t> must equal <ct, jvp(t)>, with the JVP by central differences.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> check_vjp(lambda x, y: fnp.sum(x * y), (np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    >>> wrong = fungrad.custom_vjp(lambda x: x * x)
    >>> wrong.defvjp(lambda x: (x * x, x), lambda x, g: (x * g,))  # should be 2 * x * g
    >>> try:
    ...     check_vjp(wrong, (np.array([1.0, 2.0]),))
    ... except AssertionError as e:
    ...     print(str(e).splitlines()[0])
    VJP mismatch (atol=1e-05, rtol=1e-05):
    """
    rng = rng or np.random.default_rng(1)
    out, pullback = vjp(f, *args)
    ct = tree_map(lambda y: _random_like(y, rng), out)
    tol, tangent, numeric_t = _central_difference(f, args, atol, eps, rng)
    cts_in = pullback(ct)
    lhs = _inner(tree_map(lambda c, x: c if _differentiable(x) else np.zeros(()),
                          tuple(cts_in), tuple(args)),
                 tree_map(lambda t, x: t if _differentiable(x) else np.zeros(()),
                          tangent, tuple(args)))
    rhs = _inner(ct, numeric_t)
    _assert_close("VJP", np.float64(rhs), np.float64(lhs), tol, rtol if rtol is not None
                  else tol)


def check_grads(f: Callable, args: Sequence[Any], order: int, modes=("fwd", "rev"),
                atol=None, rtol=None, eps=None) -> None:
    """Check ``f``'s derivatives up to ``order`` against central finite differences in random
    directions, in forward (``"fwd"``) and reverse (``"rev"``) mode; higher orders check the
    derivative functions themselves (forward of forward, reverse of reverse, and mixed).
    Raises AssertionError on a mismatch. Complex inputs are perturbed in random complex
    directions (their real and imaginary parts at once).

    >>> import numpy as np, fungrad.numpy as fnp
    >>> check_grads(lambda x: fnp.sum(x ** 3), (np.array([1.0, 2.0]),), order=3)
    >>> check_grads(lambda z: fnp.abs(z) ** 2, (np.array([1.0 + 2.0j]),), order=2)
    """
    args = tuple(args)
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise ValueError(f"check_grads: unknown mode {mode!r}; expected 'fwd' or 'rev'")

    def check(fun, fargs, level):
        if level > order:
            return
        for mode in modes:
            if mode == "fwd":
                check_jvp(fun, fargs, atol, rtol, eps)
                tangent = tree_map(lambda x: _random_like(x, np.random.default_rng(level)),
                                   fargs)

                def fwd(*primals, _fun=fun, _t=tangent):
                    return jvp(_fun, primals, _t)[1]
                check(fwd, fargs, level + 1)
            else:
                check_vjp(fun, fargs, atol, rtol, eps)
                out = fun(*fargs)
                ct = tree_map(lambda y: _random_like(y, np.random.default_rng(level + 7)), out)

                def rev(*primals, _fun=fun, _ct=ct):
                    return vjp(_fun, *primals)[1](_ct)
                check(rev, fargs, level + 1)

    check(f, args, 1)



