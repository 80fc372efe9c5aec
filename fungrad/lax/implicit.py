"""Implicit differentiation: ``custom_root``, a root finder whose derivative comes from the
implicit function theorem instead of from the solver's own steps, and ``custom_linear_solve``,
the same for a matrix-free linear solve.

If ``x*(theta)`` solves ``f(x, theta) = 0``, differentiating the equation gives
``df/dx . dx* + df/dtheta . dtheta = 0``, so ``dx* = -(df/dx)^-1 (df/dtheta . dtheta)``: one
linear solve (the user's ``tangent_solve``) with ``f`` linearized at the root. The solver
itself (Newton steps, bisection in a ``while_loop``...) is never differentiated. The
parameters ``theta`` are whatever ``f`` closes over; ``fungrad.closure_convert`` makes them
explicit arguments of a ``custom_jvp`` function, whose forward rule is the formula above and
whose reverse mode is that rule transposed.

>>> import fungrad
>>> def sqrt(a):  # the positive root of x^2 - a, by Newton's method
...     newton = lambda f, x0: fungrad.lax.fori_loop(0, 30, lambda i, x: x - f(x) / (2 * x), x0)
...     return custom_root(lambda x: x * x - a, 1.0, newton, lambda g, y: y / g(1.0))
>>> round(float(sqrt(2.0)), 12), round(float(fungrad.grad(sqrt)(4.0)), 12)
(1.414213562373, 0.25)
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from fungrad.core import get_aval
from fungrad.prims import elementwise as ew
from fungrad.prims.rules import is_float, primitive
from fungrad.tree_util import tree_flatten, tree_map, tree_structure

__all__ = ["custom_root", "custom_linear_solve"]


def custom_root(f: Callable, initial_guess: Any, solve: Callable, tangent_solve: Callable,
                has_aux: bool = False) -> Any:
    """``solve(f, initial_guess)``, a root of ``f`` (a function from a pytree to a pytree of
    the same structure), differentiable with respect to the values ``f`` closes over by the
    implicit function theorem; ``initial_guess`` gets no derivative. ``tangent_solve(g, y)``
    solves the linear ``g(x) = y`` for ``g`` the linearization of ``f`` at the root (for a
    scalar, ``lambda g, y: y / g(1.0)``). With ``has_aux``, ``solve`` returns
    ``(root, aux)`` and so does ``custom_root`` (``aux`` without derivatives).

    >>> import fungrad, fungrad.numpy as fnp
    >>> def cube_root(c):  # Newton's method until converged: a while_loop, not differentiable
    ...     newton = lambda f, x0: fungrad.lax.while_loop(
    ...         lambda x: fnp.abs(f(x)) > 1e-12, lambda x: x - f(x) / (3 * x * x), x0)
    ...     return custom_root(lambda x: x ** 3 - c, 1.0, newton, lambda g, y: y / g(1.0))
    >>> round(float(cube_root(8.0)), 9), round(float(fungrad.grad(cube_root)(8.0)), 9)
    (2.0, 0.083333333)
    """
    from fungrad.api import closure_convert, jvp, stop_gradient
    from fungrad.custom_derivatives import custom_jvp
    if not callable(f) or not callable(solve) or not callable(tangent_solve):
        raise TypeError("custom_root: f, solve and tangent_solve must be callables, got "
                        f"{type(f).__name__}, {type(solve).__name__} and "
                        f"{type(tangent_solve).__name__}")
    guess = tree_map(stop_gradient, initial_guess)
    f_explicit, consts = closure_convert(f, guess)
    # only float constants carry derivatives; the others stay closed over
    diff = [i for i, c in enumerate(consts) if is_float(get_aval(c))]

    def with_params(params):
        full = list(consts)
        for i, p in zip(diff, params):
            full[i] = p
        return full

    def f_at(x, params):
        return f_explicit(x, *with_params(params))

    def solve_with(guess, *params):
        out = solve(lambda x: f_at(x, params), guess)
        _check_structure(out[0] if has_aux else out, guess)
        return out

    root = custom_jvp(solve_with)

    @root.defjvp
    def root_jvp(primals, tangents):
        guess, params = primals[0], primals[1:]
        out = root(guess, *params)
        x = out[0] if has_aux else out
        _, moved = jvp(lambda *p: f_at(x, p), tuple(params), tuple(tangents[1:]))

        def linearized(v):
            return jvp(lambda x_: f_at(x_, params), (x,), (v,))[1]
        dx = tree_map(ew.neg, tangent_solve(linearized, moved))
        if has_aux:
            return out, (dx, tree_map(lambda a: np.zeros(np.shape(a), get_aval(a).dtype),
                                      out[1]))
        return out, dx

    return root(guess, *[consts[i] for i in diff])


def _check_structure(solution, guess) -> None:
    if tree_structure(solution) != tree_structure(guess):
        raise TypeError(f"custom_root: solve must return a root shaped like initial_guess "
                        f"{tree_structure(guess)}, got {tree_structure(solution)}")
    for s, g in zip(tree_flatten(solution)[0], tree_flatten(guess)[0]):
        if get_aval(s).shape != get_aval(g).shape:
            raise TypeError(f"custom_root: solve returned a leaf {get_aval(s).str_short()} "
                            f"where initial_guess has {get_aval(g).str_short()}")


# ---------------------------------------------------------------------------------------------
# custom_linear_solve: x = A^-1 b for a matrix-free A (``matvec``), by the user's ``solve``.
# One primitive, ``custom_linear_solve``, whose operands are the flat leaves of b, the float
# values matvec closes over (theta, the parameters), and the values the solver itself closes
# over (constants: the solver is not differentiated). Its derivatives never look inside it:
#   forward:  dx = A^-1 (db - dA x)          (dA x: matvec's jvp in theta, at x)
#   reverse:  ct_b = A^-T g  (``transpose_solve`` on matvec's transpose),
#             ct_theta = -(d/dtheta matvec(x; theta))^T ct_b
# and A^-1, A^-T are this same primitive again (solve and transpose_solve swapped for A^-T),
# so every order of derivatives works. vmap runs it once per example.
# ---------------------------------------------------------------------------------------------

def _as_tree(tree, leaves):
    from fungrad.tree_util import tree_unflatten
    return tree_unflatten(tree, list(leaves))


def _split(args, p):
    """(b leaves, parameters, solver constants, transposed-solver constants)."""
    i, j = p["n_b"], p["n_b"] + p["n_params"]
    k = j + p["n_solver"]
    return args[:i], args[i:j], args[j:k], args[k:]


def _linear_solve_impl(*args, **p):
    b, params, solver_consts, _ = _split(args, p)
    out = p["solver"](_as_tree(p["b_tree"], b), *params, *solver_consts)
    x, aux = out if p["has_aux"] else (out, ())
    x_leaves, x_tree = tree_flatten(x)
    if x_tree != p["b_tree"]:
        raise TypeError(f"custom_linear_solve: solve must return a solution shaped like b "
                        f"{p['b_tree']}, got {x_tree}")
    return list(x_leaves) + list(tree_flatten(aux)[0])


def _linear_solve_abstract(*avals, **p):
    from fungrad.api import eval_shape
    from fungrad.core import ShapedArray
    if not p["has_aux"]:
        return [a.strip_weak() for a in avals[:p["n_b"]]]
    shapes = eval_shape(lambda *a: _linear_solve_impl(*a, **p), *avals)
    return [ShapedArray(s.shape, s.dtype) for s in shapes]


def _transpose_of(matvec: Callable) -> Callable:
    """``vecmat(y, *params)``: the transpose of the linear ``matvec(., *params)``."""
    def vecmat(y, *params):
        from fungrad.api import linear_transpose
        return linear_transpose(lambda x: matvec(x, *params), y)(y)[0]
    return vecmat


def _solver(solve: Callable | None, matvec: Callable, b, params) -> tuple:
    """``solve`` applied with ``matvec`` at the parameters, traced now (while every value it
    closes over is alive): ``(solver(b, *params, *consts), consts)``."""
    from fungrad.api import closure_convert
    if solve is None:
        return None, []
    return closure_convert(lambda b, *params: solve(lambda x: matvec(x, *params), b), b,
                           *params)


def _transposed(p: dict) -> dict:
    """The params of ``A^-T`` (their operands: b, parameters, then the two solvers'
    constants swapped)."""
    return dict(p, matvec=_transpose_of(p["matvec"]), solver=p["transposed_solver"],
                transposed_solver=p["solver"], n_solver=p["n_transposed"],
                n_transposed=p["n_solver"])


def _bind_solve(b_leaves, params, solver_consts, transposed_consts, p):
    return linear_solve_p.bind(*b_leaves, *params, *solver_consts, *transposed_consts, **p)


def _matvec_in_params(p: dict, x_leaves):
    """``theta -> matvec(x; theta)`` (flat output leaves), at the solution ``x``."""
    x = _as_tree(p["b_tree"], x_leaves)
    return lambda *theta: tree_flatten(p["matvec"](x, *theta))[0]


def _zeros_for(values, tangents) -> list:
    return [t if t is not None else np.zeros(get_aval(v).shape, get_aval(v).dtype)
            for v, t in zip(values, tangents)]


def _linear_solve_jvp(primals, tangents, **p):
    from fungrad.api import jvp
    b, params, solver_consts, transposed_consts = _split(primals, p)
    db, dparams, _, _ = _split(tangents, p)
    outs = linear_solve_p.bind(*primals, **p)
    x = outs[:p["n_b"]]
    rhs = _zeros_for(x, db)
    if any(t is not None for t in dparams):
        _, moved = jvp(_matvec_in_params(p, x), tuple(params),
                       tuple(_zeros_for(params, dparams)))
        rhs = [ew.sub(r, m) for r, m in zip(rhs, moved)]
    dx = _bind_solve(rhs, params, solver_consts, transposed_consts, p)[:p["n_b"]]
    return outs, list(dx) + [None] * (len(outs) - p["n_b"])


def _linear_solve_vjp(cts, primals, outs, needs, **p):
    from fungrad.api import vjp
    if p["transposed_solver"] is None:
        raise TypeError("custom_linear_solve: reverse-mode differentiation needs "
                        "transpose_solve (or symmetric=True, when matvec is symmetric)")
    b, params, solver_consts, transposed_consts = _split(primals, p)
    ct_b = _bind_solve(cts[:p["n_b"]], params, transposed_consts, solver_consts,
                       _transposed(p))[:p["n_b"]]
    in_cts = list(ct_b) + [None] * (len(primals) - p["n_b"])
    if any(needs[p["n_b"]:p["n_b"] + p["n_params"]]):
        _, pullback = vjp(_matvec_in_params(p, outs[:p["n_b"]]), *params)
        for i, c in enumerate(pullback(list(ct_b))):
            in_cts[p["n_b"] + i] = ew.neg(c)
    return in_cts


linear_solve_p = primitive("custom_linear_solve", _linear_solve_impl, _linear_solve_abstract,
                           multiple_results=True)
linear_solve_p.jvp = _linear_solve_jvp
linear_solve_p.vjp = _linear_solve_vjp


def custom_linear_solve(matvec: Callable, b: Any, solve: Callable,
                        transpose_solve: Callable | None = None, symmetric: bool = False,
                        has_aux: bool = False) -> Any:
    """``solve(matvec, b)``: the solution ``x`` of the linear equation ``matvec(x) = b``
    (``matvec`` a linear function of a pytree like ``b``), with derivatives from the
    equation, not from the solver's steps: in ``b``, and in the values ``matvec`` closes
    over (what ``solve`` itself closes over gets none). Reverse mode solves the transposed
    equation with ``transpose_solve(vecmat, g)`` (``vecmat``, matvec's transpose, is
    derived), or with ``solve`` when ``symmetric``. With ``has_aux``, the solvers return
    ``(x, aux)``, and so does this function.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> def solve_diagonal(d, b):  # matvec is d * x; solved by 40 Jacobi sweeps
    ...     jacobi = lambda mv, b: fungrad.lax.fori_loop(
    ...         0, 40, lambda i, x: x + (b - mv(x)) / d, fnp.zeros_like(b))
    ...     return custom_linear_solve(lambda x: d * x, b, jacobi, symmetric=True)
    >>> d, b = np.array([2.0, 4.0]), np.array([1.0, 1.0])
    >>> solve_diagonal(d, b), fungrad.grad(lambda d: fnp.sum(solve_diagonal(d, b)))(d)
    (array([0.5 , 0.25]), array([-0.25  , -0.0625]))
    """
    from fungrad.api import closure_convert
    if not callable(matvec) or not callable(solve):
        raise TypeError("custom_linear_solve: matvec and solve must be callables, got "
                        f"{type(matvec).__name__} and {type(solve).__name__}")
    if transpose_solve is None and symmetric:
        transpose_solve = solve
    b_leaves, b_tree = tree_flatten(b)
    for i, leaf in enumerate(b_leaves):
        if not is_float(get_aval(leaf)):
            raise TypeError(f"custom_linear_solve: b's leaves must be float arrays, leaf {i} "
                            f"is {get_aval(leaf).str_short()}")
    explicit, consts = closure_convert(matvec, b)
    diff = [i for i, c in enumerate(consts) if is_float(get_aval(c))]
    fixed = {i: c for i, c in enumerate(consts) if i not in diff}

    def matvec_of_params(x, *params):  # only the float constants are parameters
        full, it = [], iter(params)
        for i in range(len(consts)):
            full.append(fixed[i] if i in fixed else next(it))
        return explicit(x, *full)

    params = [consts[i] for i in diff]
    solver, solver_consts = _solver(solve, matvec_of_params, b, params)
    transposed, transposed_consts = _solver(transpose_solve, _transpose_of(matvec_of_params),
                                            b, params)
    outs = _bind_solve(b_leaves, params, solver_consts, transposed_consts, dict(
        matvec=matvec_of_params, solver=solver, transposed_solver=transposed, b_tree=b_tree,
        n_b=len(b_leaves), n_params=len(params), n_solver=len(solver_consts),
        n_transposed=len(transposed_consts), has_aux=bool(has_aux)))
    x = _as_tree(b_tree, outs[:len(b_leaves)])
    if not has_aux:
        return x
    return x, outs[len(b_leaves):]
