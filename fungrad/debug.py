"""``fungrad.debug`` (``jax.debug``): looking at values from inside transformed functions, and
``pure_callback`` for calling plain Python/numpy code on traced values.

``debug.print`` and ``debug.callback`` are recorded in the IR as an effect (never removed as
dead code), so they run every time the function runs -- each call of a jitted function
included -- with the concrete values of that call.

>>> import fungrad, fungrad.numpy as fnp
>>> @fungrad.jit
... def f(x):
...     fungrad.debug.print("x is {}", x)
...     return x * 2.0
>>> _ = f(1.0)
x is 1.0
>>> _ = f(3.0)  # no retrace, and the print still runs
x is 3.0
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from fungrad.core import Primitive, ShapedArray, bind, get_aval
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["print", "callback", "pure_callback", "effects_barrier",
           "visualize_array_sharding", "inspect_array_sharding"]

_builtin_print = print


# ---------------------------------------------------------------------------------------------
# an effect: call a Python function on the values, produce nothing
# ---------------------------------------------------------------------------------------------

debug_callback_p = Primitive("debug_callback", multiple_results=True)
debug_callback_p.effect = True
debug_callback_p.nondiff = True


def _as_arrays(args) -> list:
    """What a callback is given: numpy arrays, as JAX gives them (a Python scalar reaching
    the impl from a literal would otherwise arrive as it is)."""
    return [a if isinstance(a, np.ndarray) else np.asarray(a) for a in args]


def _debug_callback_impl(*args, callback, tree):
    callback(*tree_unflatten(tree, _as_arrays(args)))
    return []


debug_callback_p.impl = _debug_callback_impl
debug_callback_p.abstract_eval = lambda *avals, callback, tree: []
debug_callback_p.jvp = lambda primals, tangents, **params: (
    bind(debug_callback_p, *primals, **params), [])
debug_callback_p.vjp = lambda cts, primals, outs, needs, **params: [None] * len(primals)


def callback(callback: Callable[..., Any], *args: Any, ordered: bool = False,
             **kwargs: Any) -> None:
    """Call ``callback(*args, **kwargs)`` with the concrete values, wherever this runs:
    eagerly, inside ``grad`` (on the primal values), and on every call of a jitted function.

    >>> import fungrad
    >>> seen = []
    >>> f = fungrad.jit(lambda x: fungrad.debug.callback(seen.append, x) or x + 1.0)
    >>> _ = f(1.0), f(2.0)
    >>> [float(v) for v in seen]
    [1.0, 2.0]
    """
    leaves, tree = tree_flatten((args, kwargs))

    def call(args_, kwargs_):
        callback(*args_, **kwargs_)

    bind(debug_callback_p, *leaves, callback=call, tree=tree)


def print(fmt: str, *args: Any, ordered: bool = False, **kwargs: Any) -> None:  # noqa: A001
    """``print(fmt.format(*args, **kwargs))`` with the concrete values, from inside any
    transform (a plain ``print`` there shows a tracer).

    >>> import fungrad, fungrad.numpy as fnp
    >>> _ = fungrad.grad(lambda x: fungrad.debug.print("x={x:.2f}", x=x) or x ** 2)(1.5)
    x=1.50
    """
    callback(lambda *a, **k: _builtin_print(fmt.format(*a, **k)), *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# pure_callback: a Python function as a primitive with a declared result type
# ---------------------------------------------------------------------------------------------

pure_callback_p = Primitive("pure_callback", multiple_results=True)


def _pure_callback_impl(*args, callback, tree, out_tree, out_avals, name="pure_callback"):
    out = callback(*tree_unflatten(tree, _as_arrays(args)))
    leaves, got_tree = tree_flatten(out)
    if got_tree != out_tree:
        raise TypeError(f"{name}: the callback returned a {got_tree}, but "
                        f"result_shape_dtypes declared {out_tree}")
    results = []
    for i, (leaf, aval) in enumerate(zip(leaves, out_avals)):
        arr = np.asarray(leaf)
        if arr.shape != aval.shape:
            raise ValueError(f"{name}: result {i} of the callback has shape {arr.shape}, "
                             f"but result_shape_dtypes declared {aval.str_short()}")
        results.append(arr.astype(aval.dtype, copy=False))
    return results


def _pure_callback_jvp(primals, tangents, **params):
    raise TypeError("pure_callback: the callback is opaque to fungrad, so it has no "
                    "derivative. Wrap it in fungrad.custom_jvp or fungrad.custom_vjp to give it "
                    "one.")


pure_callback_p.impl = _pure_callback_impl
pure_callback_p.abstract_eval = lambda *avals, callback, tree, out_tree, out_avals: \
    list(out_avals)
pure_callback_p.jvp = _pure_callback_jvp
pure_callback_p.vjp = lambda cts, primals, outs, needs, **params: _pure_callback_jvp(primals, None)


def pure_callback(callback: Callable[..., Any], result_shape_dtypes: Any, *args: Any,
                  vmap_method: str | None = None, **kwargs: Any) -> Any:
    """Call a pure Python function ``callback(*args, **kwargs)`` on concrete numpy values
    from traced code; ``result_shape_dtypes`` (a pytree of ``ShapeDtypeStruct`` or arrays)
    declares what it returns. Under ``vmap`` it is called once per example. It has no
    derivative (give it one with ``custom_jvp``).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> def host_sin(x):
    ...     return np.sin(x)
    >>> f = fungrad.jit(lambda x: fungrad.pure_callback(
    ...     host_sin, fungrad.ShapeDtypeStruct(x.shape, x.dtype), x) * 2.0)
    >>> f(np.zeros(2))
    array([0., 0.])
    """
    return bind_callback(pure_callback_p, callback, result_shape_dtypes, args, kwargs)


def bind_callback(prim, callback: Callable[..., Any], result_shape_dtypes: Any, args: Any,
                  kwargs: Any, **params: Any) -> Any:
    """Bind a host-callback primitive: the flat arguments, the callback taking them back as
    ``(args, kwargs)``, and the declared result's avals (shared by pure and io callbacks)."""
    out_leaves, out_tree = tree_flatten(result_shape_dtypes)
    out_avals = tuple(ShapedArray(get_aval(s).shape, get_aval(s).dtype) for s in out_leaves)
    leaves, tree = tree_flatten((args, kwargs))

    def call(args_, kwargs_):
        return callback(*args_, **kwargs_)

    outs = bind(prim, *leaves, callback=call, tree=tree, out_tree=out_tree,
                out_avals=out_avals, **params)
    return tree_unflatten(out_tree, outs)


def effects_barrier() -> None:
    """Wait until every effect issued so far (``debug.print``, ``debug.callback``) has run,
    as ``jax.effects_barrier``. fungrad runs them synchronously, in program order, so each
    has run by the time its call returns: there is nothing to wait for.

    >>> import fungrad
    >>> _ = fungrad.jit(lambda x: fungrad.debug.print("x: {}", x) or x)(2.0)
    x: 2.0
    >>> fungrad.effects_barrier()
    """


# the sharding views (one device holds everything), as jax.debug has them
from fungrad.sharding import inspect_array_sharding, visualize_array_sharding  # noqa: E402,F401
