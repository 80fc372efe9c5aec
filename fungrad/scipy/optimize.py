"""``fungrad.scipy.optimize``: ``minimize(fun, x0, method="BFGS")``, as
``jax.scipy.optimize.minimize``, on fungrad's own gradients and written as one
``fungrad.lax.while_loop``, so that it runs under ``jit``.

>>> res = minimize(lambda x: ((x - 3.0) ** 2).sum(), np.zeros(2), method="BFGS")
>>> bool(res.success), np.round(res.x, 6).tolist()
(True, [3.0, 3.0])
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad.control_flow import while_loop


class OptimizeResults(NamedTuple):
    """What ``minimize`` returns (JAX's fields): the solution ``x``, ``success``, ``status``
    (0 converged, 1 maximum iterations reached, 3 line search failed), the objective ``fun``
    and gradient ``jac`` at x, the inverse Hessian estimate ``hess_inv``, the evaluation
    counts ``nfev`` and ``njev``, and the iteration count ``nit``.

    >>> OptimizeResults._fields[:3]
    ('x', 'success', 'status')
    """
    x: Any
    success: Any
    status: Any
    fun: Any
    jac: Any
    hess_inv: Any
    nfev: Any
    njev: Any
    nit: Any


def _backtracking(value_and_grad, x, f, g, p, max_halvings=30):
    """A step along p meeting Armijo's sufficient-decrease condition (halving from 1)."""
    slope = fnp.dot(g, p)

    def cond(state):
        t, f_new, _, k = state
        return (f_new > f + 1e-4 * t * slope) & (k < max_halvings)

    def body(state):
        t, _, _, k = state
        t = t * 0.5
        f_new, g_new = value_and_grad(x + t * p)
        return t, f_new, g_new, k + 1

    f1, g1 = value_and_grad(x + p)
    t, f_new, g_new, k = while_loop(cond, body, (fnp.asarray(1.0, x.dtype), f1, g1, 0))
    ok = (f_new <= f + 1e-4 * t * slope) & fnp.all(fnp.isfinite(g_new))
    return t, f_new, g_new, k + 1, ok


def minimize(fun: Callable, x0, args: tuple = (), *, method: str, tol: float | None = None,
             options: dict | None = None) -> OptimizeResults:
    """Minimize ``fun(x, *args)`` over a 1-D ``x0`` with BFGS (the one method JAX offers).

    ``options``: ``maxiter`` (default ``200 * x0.size``), ``gtol`` (default 1e-5; ``tol`` sets
    it too), ``norm`` (default inf) for the gradient's norm at convergence. The line search is
    backtracking (Armijo), and the inverse-Hessian update is skipped when the curvature
    ``s.y`` is not positive.

    >>> res = minimize(lambda x, c: ((x - c) ** 4).sum(), np.zeros(1), args=(1.0,),
    ...                method="BFGS")
    >>> round(float(res.x[0]), 2)
    1.0
    """
    if method.lower() != "bfgs":
        raise ValueError(f"minimize: method must be 'BFGS' (as in JAX), got {method!r}")
    options = dict(options or {})
    unknown = set(options) - {"maxiter", "gtol", "norm", "line_search_maxiter"}
    if unknown:
        raise ValueError(f"minimize: unknown options {sorted(unknown)}")
    x0 = fnp.asarray(x0)
    if x0.ndim != 1:
        raise ValueError(f"minimize: x0 must be one-dimensional, got shape {x0.shape} "
                         f"({x0.dtype})")
    if x0.dtype.kind != "f":
        x0 = fnp.asarray(x0, dtype=np.float64)
    n = x0.shape[0]
    maxiter = int(options.get("maxiter", 200 * n))
    gtol = float(options.get("gtol", tol if tol is not None else 1e-5))
    order = options.get("norm", np.inf)
    value_and_grad = fungrad.value_and_grad(lambda x: fun(x, *args))

    def gradient_norm(g):
        return fnp.linalg.norm(g, ord=order)

    f0, g0 = value_and_grad(x0)
    eye = fnp.eye(n, dtype=x0.dtype)
    init = (x0, f0, g0, eye, 0, 1, 1, 0)  # x, f, g, H, nit, nfev, njev, status

    def cond(state):
        x, f, g, H, nit, nfev, njev, status = state
        return (status == 0) & (gradient_norm(g) > gtol) & (nit < maxiter)

    def body(state):
        x, f, g, H, nit, nfev, njev, status = state
        p = -(H @ g)
        t, f_new, g_new, evaluations, ok = _backtracking(value_and_grad, x, f, g, p)
        s = t * p
        y = g_new - g
        sy = fnp.dot(s, y)
        rho = fnp.where(sy > 0, 1.0 / fnp.where(sy > 0, sy, 1.0), 0.0)
        left = eye - rho * fnp.outer(s, y)
        updated = left @ H @ left.T + rho * fnp.outer(s, s)
        H_new = fnp.where(sy > 0, updated, H)
        x_new = fnp.where(ok, x + s, x)
        f_out, g_out = fnp.where(ok, f_new, f), fnp.where(ok, g_new, g)
        return (x_new, f_out, g_out, fnp.where(ok, H_new, H), nit + 1, nfev + evaluations,
                njev + evaluations, fnp.where(ok, 0, 3))

    x, f, g, H, nit, nfev, njev, status = while_loop(cond, body, init)
    converged = gradient_norm(g) <= gtol
    status = fnp.where(converged, 0, fnp.where(status == 3, 3, 1))
    return OptimizeResults(x=x, success=converged, status=status, fun=f, jac=g, hess_inv=H,
                           nfev=nfev, njev=njev, nit=nit)
