"""``fungrad.scipy.optimize``: ``minimize(fun, x0, method="BFGS")``, as
``jax.scipy.optimize.minimize``, on fungrad's own gradients. BFGS steps along ``-H g`` with a
line search satisfying the strong Wolfe conditions (Nocedal & Wright, algorithms 3.5 and 3.6:
bracket, then zoom by safeguarded cubic / quadratic interpolation). Both loops are
``fungrad.lax.while_loop``s, so ``minimize`` runs under ``jit``.

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
    (0 converged, 1 maximum iterations reached, 3 the zoom failed, 5 the line search reached
    its maximum iterations, as JAX numbers them), the objective ``fun`` and gradient ``jac``
    at x, the inverse Hessian estimate ``hess_inv``, the evaluation counts ``nfev`` and
    ``njev``, and the iteration count ``nit``.

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


# ---------------------------------------------------------------------------------------------
# The line search: find t > 0 along p with (Armijo) phi(t) <= phi(0) + c1 t phi'(0) and
# (curvature) |phi'(t)| <= c2 |phi'(0)|, where phi(t) = f(x + t p).
# ---------------------------------------------------------------------------------------------
_BRACKETING, _ZOOMING, _DONE, _FAILED = 0, 1, 2, 3
_MAX_ZOOM = 30  # zoom steps before giving up, as scipy and JAX


class _Search(NamedTuple):
    phase: Any     # bracketing, zooming, done or failed
    i: Any         # bracketing steps taken
    j: Any         # zoom steps taken
    a_prev: Any    # the previous bracketing trial and its phi, phi'
    phi_prev: Any
    dphi_prev: Any
    a_next: Any    # the next bracketing trial
    a_lo: Any      # the zoom interval: lo satisfies Armijo with the lowest phi so far
    phi_lo: Any
    dphi_lo: Any
    a_hi: Any
    phi_hi: Any
    dphi_hi: Any
    a_rec: Any     # the previous end point dropped, for the cubic interpolant
    phi_rec: Any
    a_star: Any    # the step found, and phi and the gradient there
    phi_star: Any
    g_star: Any
    nfev: Any


def _safe_divide(numerator, denominator):
    """``numerator / denominator``, and whether it is defined (0 stands in where it is not,
    so that no inf or nan arises in a branch the caller drops)."""
    ok = denominator != 0
    return numerator / fnp.where(ok, denominator, 1.0), ok


def _cubic_minimizer(a, fa, fpa, b, fb, c, fc):
    """The minimizer of the cubic through (a, fa) with slope fpa at a, (b, fb) and (c, fc),
    and whether it exists (the caller falls back where it does not)."""
    db, dc = b - a, c - a
    rb, rc = fb - fa - fpa * db, fc - fa - fpa * dc
    A, ok_a = _safe_divide(dc ** 2 * rb - db ** 2 * rc, (db * dc) ** 2 * (db - dc))
    B, _ = _safe_divide(-dc ** 3 * rb + db ** 3 * rc, (db * dc) ** 2 * (db - dc))
    radical = B * B - 3.0 * A * fpa
    step, ok_step = _safe_divide(-B + fnp.sqrt(fnp.maximum(radical, 0.0)), 3.0 * A)
    return a + step, ok_a & ok_step & (radical >= 0)


def _quadratic_minimizer(a, fa, fpa, b, fb):
    """The minimizer of the parabola through (a, fa) with slope fpa at a, and (b, fb), and
    whether it exists."""
    db = b - a
    curvature, ok_db = _safe_divide(fb - fa - fpa * db, db ** 2)
    step, ok_curvature = _safe_divide(fpa, 2.0 * curvature)
    return a - step, ok_db & ok_curvature


def _zoom_trial(s: _Search):
    """The next trial inside [lo, hi]: the cubic's minimizer if it is well inside, else the
    parabola's, else the midpoint (the safeguards of scipy's zoom)."""
    width = s.a_hi - s.a_lo
    left, right = fnp.minimum(s.a_lo, s.a_hi), fnp.maximum(s.a_lo, s.a_hi)
    width = fnp.abs(width)
    cubic, cubic_ok = _cubic_minimizer(s.a_lo, s.phi_lo, s.dphi_lo, s.a_hi, s.phi_hi, s.a_rec,
                                       s.phi_rec)
    quadratic, quadratic_ok = _quadratic_minimizer(s.a_lo, s.phi_lo, s.dphi_lo, s.a_hi,
                                                   s.phi_hi)
    use_cubic = (cubic_ok & (s.j > 0) & (cubic > left + 0.2 * width)
                 & (cubic < right - 0.2 * width))
    use_quadratic = (quadratic_ok & (quadratic > left + 0.1 * width)
                     & (quadratic < right - 0.1 * width))
    middle = (s.a_lo + s.a_hi) / 2.0
    return fnp.where(use_cubic, cubic, fnp.where(use_quadratic, quadratic, middle))


def _pick(condition, new: dict, state: _Search) -> _Search:
    """``state`` with the fields in ``new`` replaced where ``condition`` holds."""
    return state._replace(**{k: fnp.where(condition, v, getattr(state, k))
                             for k, v in new.items()})


def _line_search(value_and_grad, x, p, f0, g0, f_before, maxiter, c1=1e-4, c2=0.9):
    """A step length along p satisfying the strong Wolfe conditions, as
    ``(t, f(x + t p), grad f(x + t p), evaluations, status)``; status 0 found, 3 the zoom
    failed (the interval shrank to nothing or 30 zoom steps), 5 ``maxiter`` bracketing
    steps without a bracket."""
    dtype = x.dtype
    dphi0 = fnp.dot(g0, p)

    def phi_and_grad(t):
        value, grad = value_and_grad(x + t * p)
        return value, fnp.dot(grad, p), grad

    def armijo_fails(t, phi):
        return phi > f0 + c1 * t * dphi0

    def curvature_holds(dphi):
        return fnp.abs(dphi) <= -c2 * dphi0

    # the first trial: the step that would repeat the last decrease, at most 1 (scipy's)
    start = fnp.minimum(1.01 * 2.0 * (f0 - f_before) / dphi0, 1.0)
    start = fnp.where(start > 0, start, 1.0).astype(dtype)
    zero = fnp.zeros((), dtype)
    init = _Search(phase=fnp.asarray(_BRACKETING), i=fnp.asarray(1), j=fnp.asarray(0),
                   a_prev=zero, phi_prev=f0, dphi_prev=dphi0, a_next=start,
                   a_lo=zero, phi_lo=f0, dphi_lo=dphi0, a_hi=zero, phi_hi=f0, dphi_hi=dphi0,
                   a_rec=zero, phi_rec=f0, a_star=zero, phi_star=f0, g_star=g0,
                   nfev=fnp.asarray(0))
    threshold = 1e-10 if np.dtype(dtype).itemsize >= 8 else 1e-5

    def cond(s):
        return s.phase < _DONE

    def body(s):
        bracketing = s.phase == _BRACKETING
        t = fnp.where(bracketing, s.a_next, _zoom_trial(s)).astype(dtype)
        phi, dphi, grad = phi_and_grad(t)
        s = s._replace(nfev=s.nfev + 1)
        found = dict(phase=_DONE, a_star=t, phi_star=phi, g_star=grad)
        # bracketing: t is too long (Armijo fails, or phi rose), acceptable, or past a minimum
        too_long = armijo_fails(t, phi) | ((phi >= s.phi_prev) & (s.i > 1))
        good = ~too_long & curvature_holds(dphi)
        past = ~too_long & ~good & (dphi >= 0)
        b = s
        b = _pick(too_long, dict(phase=_ZOOMING, a_lo=s.a_prev, phi_lo=s.phi_prev,
                                 dphi_lo=s.dphi_prev, a_hi=t, phi_hi=phi, dphi_hi=dphi,
                                 a_rec=s.a_prev, phi_rec=s.phi_prev), b)
        b = _pick(good, found, b)
        b = _pick(past, dict(phase=_ZOOMING, a_lo=t, phi_lo=phi, dphi_lo=dphi, a_hi=s.a_prev,
                             phi_hi=s.phi_prev, dphi_hi=s.dphi_prev, a_rec=s.a_prev,
                             phi_rec=s.phi_prev), b)
        onward = ~too_long & ~good & ~past
        b = _pick(onward, dict(a_prev=t, phi_prev=phi, dphi_prev=dphi, a_next=t * 2.0), b)
        b = b._replace(i=s.i + 1)
        b = _pick(onward & (b.i > maxiter), dict(phase=_FAILED + 2), b)  # 5: no bracket
        # zooming: t replaces hi (too long), or is acceptable, or becomes lo
        z = s
        high = armijo_fails(t, phi) | (phi >= s.phi_lo)
        good = ~high & curvature_holds(dphi)
        flip = ~high & ~good & (dphi * (s.a_hi - s.a_lo) >= 0)
        low = ~high & ~good
        z = _pick(high, dict(a_hi=t, phi_hi=phi, dphi_hi=dphi, a_rec=s.a_hi,
                             phi_rec=s.phi_hi), z)
        z = _pick(good, found, z)
        z = _pick(flip, dict(a_hi=s.a_lo, phi_hi=s.phi_lo, dphi_hi=s.dphi_lo, a_rec=s.a_hi,
                             phi_rec=s.phi_hi), z)
        z = _pick(low & ~flip, dict(a_rec=s.a_lo, phi_rec=s.phi_lo), z)
        z = _pick(low, dict(a_lo=t, phi_lo=phi, dphi_lo=dphi), z)
        z = z._replace(j=s.j + 1)
        stuck = (z.j >= _MAX_ZOOM) | (fnp.abs(z.a_hi - z.a_lo) <= threshold)
        z = _pick((z.phase == _ZOOMING) & stuck, dict(phase=_FAILED), z)
        return fungrad.tree_util.tree_map(lambda u, v: fnp.where(bracketing, u, v), b, z)

    s = while_loop(cond, body, init)
    status = fnp.where(s.phase == _DONE, 0, s.phase)  # 3: the zoom failed, 5: no bracket
    return s.a_star, s.phi_star, s.g_star, s.nfev, status


# ---------------------------------------------------------------------------------------------
# BFGS
# ---------------------------------------------------------------------------------------------
class _BFGS(NamedTuple):
    x: Any
    f: Any
    g: Any
    H: Any
    f_before: Any  # the previous value of f, for the line search's first trial
    nit: Any
    nfev: Any
    converged: Any
    status: Any    # the last line search's status


def minimize(fun: Callable, x0, args: tuple = (), *, method: str, tol: float | None = None,
             options: dict | None = None) -> OptimizeResults:
    """Minimize ``fun(x, *args)`` over a 1-D ``x0`` with BFGS (the one method JAX offers).

    ``options`` (JAX's): ``maxiter`` (default ``200 * x0.size``), ``gtol`` (default 1e-5;
    ``tol`` sets it too when gtol is not given), ``norm`` (default inf) for the gradient's norm
    at convergence, ``line_search_maxiter`` (default 10). The inverse-Hessian update is skipped
    where the curvature ``s.y`` gives no finite ``1/(s.y)``, as in JAX. Where JAX's zoom
    gives up early (it tests the signed width of the interval, which is negative once the
    ends swap: Rosenbrock from (-1.2, 1) stops at status 3), this one tests its absolute
    width and goes on.

    >>> res = minimize(lambda x, c: ((x - c) ** 2).sum() + (x ** 4).sum(), np.zeros(1),
    ...                args=(1.0,), method="BFGS")
    >>> round(float(res.x[0]), 4), int(res.status)  # the root of 2(x - 1) + 4x^3
    (0.5898, 0)
    """
    if method.lower() != "bfgs":
        raise ValueError(f"minimize: method must be 'BFGS' (as in JAX), got {method!r}")
    if not isinstance(args, tuple):
        raise TypeError(f"minimize: args must be a tuple, got {type(args).__name__}")
    options = dict(options or {})
    unknown = set(options) - {"maxiter", "gtol", "norm", "line_search_maxiter"}
    if unknown:
        raise ValueError(f"minimize: unknown options {sorted(unknown)}; BFGS takes maxiter, "
                         f"gtol, norm and line_search_maxiter")
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
    line_search_maxiter = int(options.get("line_search_maxiter", 10))
    value_and_grad = fungrad.value_and_grad(lambda x: fun(x, *args))

    def gradient_norm(g):
        return fnp.linalg.norm(g, ord=order)

    f0, g0 = value_and_grad(x0)
    eye = fnp.eye(n, dtype=x0.dtype)
    init = _BFGS(x=x0, f=f0, g=g0, H=eye, f_before=f0 + fnp.linalg.norm(g0) / 2.0,
                 nit=fnp.asarray(0), nfev=fnp.asarray(1), converged=gradient_norm(g0) < gtol,
                 status=fnp.asarray(0))

    def cond(s):
        return ~s.converged & (s.status == 0) & (s.nit < maxiter)

    def body(s):
        p = -(s.H @ s.g)
        t, f_new, g_new, evaluations, status = _line_search(
            value_and_grad, s.x, p, s.f, s.g, s.f_before, line_search_maxiter)
        step = t * p
        y = g_new - s.g
        rho, defined = _safe_divide(1.0, fnp.dot(y, step))
        left = eye - rho * fnp.outer(step, y)
        updated = left @ s.H @ left.T + rho * fnp.outer(step, step)
        H_new = fnp.where(defined & fnp.isfinite(rho), updated, s.H)
        return _BFGS(x=s.x + step, f=f_new, g=g_new, H=H_new, f_before=s.f, nit=s.nit + 1,
                     nfev=s.nfev + evaluations, converged=gradient_norm(g_new) < gtol,
                     status=status)

    s = while_loop(cond, body, init)
    status = fnp.where(s.converged, 0, fnp.where(s.status != 0, s.status,
                                                 fnp.where(s.nit >= maxiter, 1, -1)))
    return OptimizeResults(x=s.x, success=s.converged & (s.status == 0), status=status,
                           fun=s.f, jac=s.g, hess_inv=s.H, nfev=s.nfev, njev=s.nfev,
                           nit=s.nit)
