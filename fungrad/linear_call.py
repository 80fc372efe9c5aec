"""``linear_call``: a function linear in some of its inputs, with the user's own transpose.

``linear_call(fun, fun_transpose, residual_args, linear_args)`` is ``fun(residual_args,
linear_args)``, promised linear in ``linear_args``. Its tangent is the same call on the
tangents, and its transpose (what reverse mode and ``linear_transpose`` use) is a
``linear_call`` of ``fun_transpose(residual_args, cotangents)``, whose own transpose is
``fun`` again. The residual arguments are not differentiable, as in JAX.

>>> import fungrad
>>> def div_add(x, denom):
...     return x + linear_call(lambda r, x: x / r, lambda r, t: t / r, denom, x)
>>> div_add(9.0, 3.0), fungrad.grad(div_add)(9.0, 3.0)
(12.0, np.float64(1.3333333333333333))
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from fungrad.core import ClosedJaxpr, Primitive, bind, get_aval
from fungrad.interpreter import eval_jaxpr
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["linear_call"]


class _LinearPair:
    """The user's function and its transpose, with the trees of their arguments: a
    hashable parameter printed by the function's name."""

    def __init__(self, fun: Callable, transpose: Callable, res_tree, lin_tree, out_tree):
        self.fun, self.transpose = fun, transpose
        self.res_tree, self.lin_tree, self.out_tree = res_tree, lin_tree, out_tree

    def __repr__(self) -> str:
        return getattr(self.fun, "__name__", "fun")


linear_call_p = Primitive("linear_call", multiple_results=True)
linear_call_p.impl = lambda *args, callee, num_consts, num_res, pair: \
    eval_jaxpr(callee.jaxpr, callee.consts, *args)
linear_call_p.abstract_eval = lambda *avals, callee, num_consts, num_res, pair: \
    callee.out_avals


def _residual_error() -> ValueError:
    return ValueError("linear_call: the residual arguments (and values fun closes over) are "
                      "not differentiable; only linear_args carry derivatives. Pass what "
                      "must be differentiated among linear_args, or give the outer function "
                      "a custom_jvp/custom_vjp.")


def _linear_call_jvp(primals, tangents, callee, num_consts, num_res, pair):
    k = num_consts + num_res
    if any(t is not None for t in tangents[:k]):
        raise _residual_error()
    params = dict(callee=callee, num_consts=num_consts, num_res=num_res, pair=pair)
    outs = bind(linear_call_p, *primals, **params)
    if all(t is None for t in tangents[k:]):
        return outs, [None] * len(outs)
    lin_t = [t if t is not None else np.zeros(get_aval(p).shape, get_aval(p).dtype)
             for p, t in zip(primals[k:], tangents[k:])]
    return outs, bind(linear_call_p, *primals[:k], *lin_t, **params)


def _linear_call_vjp(cts, primals, outs, needs, callee, num_consts, num_res, pair):
    k = num_consts + num_res
    if any(needs[:k]):
        raise _residual_error()
    residuals = tree_unflatten(pair.res_tree, list(primals[num_consts:k]))
    cts = [c if c is not None else np.zeros(get_aval(o).shape, get_aval(o).dtype)
           for c, o in zip(cts, outs)]
    ct = tree_unflatten(pair.out_tree, cts)
    lin_ct = linear_call(pair.transpose, pair.fun, residuals, ct)
    leaves, tree = tree_flatten(lin_ct)
    if tree != pair.lin_tree:
        raise TypeError(f"linear_call: transpose output pytree structure must match that of "
                        f"linear inputs, got output structure {tree} and input structure "
                        f"{pair.lin_tree}")
    for i, (c, p) in enumerate(zip(leaves, primals[k:])):
        if np.shape(c) != get_aval(p).shape:
            raise ValueError(f"linear_call: transpose output leaf {i} has shape "
                             f"{np.shape(c)}, but the linear input it transposes to has type "
                             f"{get_aval(p).str_short()}")
    return [None] * k + leaves


linear_call_p.jvp = _linear_call_jvp
linear_call_p.vjp = _linear_call_vjp


def linear_call(fun: Callable, fun_transpose: Callable, residual_args: Any,
                linear_args: Any) -> Any:
    """``fun(residual_args, linear_args)``, linear in ``linear_args``, transposed by
    ``fun_transpose(residual_args, cotangent)`` (see the module's docstring).

    >>> import fungrad
    >>> def custom_id(x):
    ...     return linear_call(lambda _, x: x, lambda _, t: 7.0, (), x)
    >>> transposed = fungrad.linear_transpose(custom_id, 1.0)
    >>> custom_id(1.0), transposed(1.0)
    (1.0, (np.float64(7.0),))
    >>> fungrad.linear_transpose(lambda y: transposed(y)[0], 1.0)(1.0)  # fun again
    (np.float64(1.0),)
    """
    from fungrad.custom_derivatives import _any_tracer, _trace_body
    res_leaves, res_tree = tree_flatten(residual_args)
    lin_leaves, lin_tree = tree_flatten(linear_args)
    flat = res_leaves + lin_leaves
    if not _any_tracer(flat):  # nothing is being traced: just run it
        return fun(residual_args, linear_args)
    in_tree = tree_flatten((residual_args, linear_args))[1]
    jaxpr, consts, out_tree = _trace_body(fun, in_tree, flat,
                                          f"linear_call {getattr(fun, '__name__', 'fun')}")
    pair = _LinearPair(fun, fun_transpose, res_tree, lin_tree, out_tree)
    outs = bind(linear_call_p, *consts, *flat, callee=ClosedJaxpr(jaxpr, []),
                num_consts=len(consts), num_res=len(res_leaves), pair=pair)
    return tree_unflatten(out_tree, outs)
