"""Implicit differentiation: ``custom_root``, a root finder whose derivative comes from the
implicit function theorem instead of from the solver's own steps.

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
from fungrad.prims.rules import is_float
from fungrad.tree_util import tree_flatten, tree_map, tree_structure

__all__ = ["custom_root"]


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
