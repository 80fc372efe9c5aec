"""Staging a function out into the IR without differentiating it: ``make_jaxpr`` (the
printable IR), ``eval_shape`` (only the output shapes), ``closure_convert`` (the closed-over
arrays made arguments) and ``ensure_compile_time_eval``.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Sequence

from fungrad.api_util import _FlatFun, _arg_names, _flatten_args, _numpy_leaves, _partial
from fungrad.core import ShapeDtypeStruct, copy_name, trace_to_jaxpr
from fungrad.passes import dce_closed, simplify as simplify_pass
from fungrad.traceback_util import api_boundary
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["make_jaxpr", "eval_shape", "closure_convert", "ensure_compile_time_eval"]


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = (),
               return_shape: bool = False, *, abstract: bool = False, dce: bool = True,
               simplify: bool = True):
    """A function returning the ``ClosedJaxpr`` (printable IR) of ``fun`` at the given
    arguments. Arguments may be arrays or ``ShapeDtypeStruct`` specs; with arrays, tracing
    is concrete and Python control flow is recorded as guards. ``dce`` removes equations
    whose results are never used (guards always stay); ``simplify`` also applies the
    algebraic clean-ups, constant folding and common-subexpression elimination of
    ``fungrad.passes.simplify`` (what ``jit`` compiles).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> print(fungrad.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3)))
    { lambda ; a:f64[3]. let b:f64[3] = sin a; c:f64[3] = mul b 2.0 in (c,) }
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @api_boundary
    @wraps(fun, updated=())
    def make(*args, **kwargs):
        dyn_nums = tuple(i for i in range(len(args)) if i not in static)
        dyn = tuple(args[i] for i in dyn_nums)
        flat, in_tree = _flatten_args("make_jaxpr", dyn)
        flat_fun = _FlatFun(_partial(fun, args, dyn_nums, kwargs), in_tree,
                            what="make_jaxpr")
        closed, _ = trace_to_jaxpr(flat_fun, flat, abstract=abstract,
                                   description=f"{flat_fun.__name__} for make_jaxpr",
                                   arg_names=_arg_names(fun, args, dyn_nums))
        if simplify and dce:
            closed = simplify_pass(closed)
        elif dce:
            closed = dce_closed(closed)
        if return_shape:
            shapes = [ShapeDtypeStruct(a.shape, a.dtype) for a in closed.out_avals]
            return closed, tree_unflatten(flat_fun.out_tree, shapes)
        return closed
    return make


@api_boundary
def eval_shape(fun: Callable, *args: Any, **kwargs: Any) -> Any:
    """The shapes and dtypes ``fun(*args, **kwargs)`` would return, as a pytree of
    ``ShapeDtypeStruct``, traced abstractly (nothing is computed). Arguments may be arrays
    or ``ShapeDtypeStruct`` specs.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> fungrad.eval_shape(lambda x, y: {"z": fnp.dot(x, y)},
    ...                    fungrad.ShapeDtypeStruct((2, 3), "float32"), np.ones((3, 4)))
    {'z': ShapeDtypeStruct(shape=(2, 4), dtype=float64)}
    """
    _, shapes = make_jaxpr(lambda *a: fun(*a, **kwargs), return_shape=True,
                           abstract=True)(*args)
    return shapes



def closure_convert(fun: Callable, *example_args: Any) -> tuple[Callable, list]:
    """Hoist the arrays ``fun`` closes over into explicit arguments: returns
    ``(converted, consts)`` with ``converted(*args, *consts) == fun(*args)``. Useful with
    ``custom_vjp``, whose rules must see every differentiated value as an argument.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> w = np.array([1.0, 2.0])
    >>> converted, consts = fungrad.closure_convert(lambda x: fnp.sum(w * x), np.ones(2))
    >>> consts, converted(np.ones(2), *consts)
    ([array([1., 2.])], np.float64(3.0))
    """
    closed, out_shape = make_jaxpr(fun, return_shape=True, simplify=False)(*example_args)
    in_tree = tree_flatten(example_args)[1]
    out_tree = tree_flatten(out_shape)[1]
    n_consts = len(closed.consts)

    def converted(*args_and_consts):
        args, consts = args_and_consts[:len(args_and_consts) - n_consts], \
            args_and_consts[len(args_and_consts) - n_consts:]
        flat, tree = tree_flatten(tuple(args))
        if tree != in_tree:
            raise TypeError(f"closure_convert: the converted function takes arguments shaped "
                            f"like {in_tree} followed by {n_consts} constants; got {tree}")
        from fungrad.interpreter import eval_jaxpr
        outs = eval_jaxpr(closed.jaxpr, list(consts), *flat)
        return tree_unflatten(out_tree, _numpy_leaves(outs))

    copy_name(converted, fun)
    return converted, list(closed.consts)


class ensure_compile_time_eval:
    """Compute on concrete values while tracing, as JAX's context manager does. fungrad
    already evaluates eagerly everything that does not depend on a traced input (and traces
    ``jit`` with concrete values), so inside the block nothing changes: it is accepted so
    that JAX code runs.

    >>> import fungrad, fungrad.numpy as fnp
    >>> @fungrad.jit
    ... def f(x):
    ...     with fungrad.ensure_compile_time_eval():
    ...         table = fnp.arange(3.0) * 2.0  # computed now, a constant of the IR
    ...     return x + table
    >>> f(1.0)
    array([1., 3., 5.])
    """

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None
