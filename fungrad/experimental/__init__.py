"""``fungrad.experimental`` (``jax.experimental``): ``io_callback``, a callback to impure
host code (reading files, a stateful random generator, logging) from traced functions.

Unlike ``pure_callback`` it is an effect: never removed as dead code nor merged with an
equal call, so it runs on every call of a jitted function, whether or not its result is
used. It has no derivative; under ``vmap`` it runs once per example, which an
``ordered=True`` callback refuses (its calls would have no single order).
"""
from __future__ import annotations

from typing import Any, Callable

from fungrad.core import Primitive, bind
from fungrad.debug import _pure_callback_impl, bind_callback

__all__ = ["io_callback"]

io_callback_p = Primitive("io_callback", multiple_results=True)
io_callback_p.effect = True


def _io_callback_impl(*args, callback, tree, out_tree, out_avals, ordered):
    return _pure_callback_impl(*args, callback=callback, tree=tree, out_tree=out_tree,
                               out_avals=out_avals, name="io_callback")


def _no_derivative() -> ValueError:
    return ValueError("io_callback: IO callbacks do not support JVP (the callback is opaque "
                      "to fungrad). Wrap the computation in fungrad.custom_jvp or "
                      "fungrad.custom_vjp to give it a derivative.")


def _io_callback_jvp(primals, tangents, **params):
    if any(t is not None for t in tangents):
        raise _no_derivative()
    outs = bind(io_callback_p, *primals, **params)
    return outs, [None] * len(outs)


def _io_callback_vjp(cts, primals, outs, needs, **params):
    if any(needs):
        raise _no_derivative()
    return [None] * len(primals)


def _io_callback_batch(args, batched, size, *, ordered, **params):
    if ordered:
        raise ValueError("io_callback: cannot vmap an ordered IO callback (its calls, one per "
                         "example, would have no single order); pass ordered=False.")
    return None  # the fallback: one call per example, in order


io_callback_p.impl = _io_callback_impl
io_callback_p.abstract_eval = lambda *avals, out_avals, **params: list(out_avals)
io_callback_p.jvp = _io_callback_jvp
io_callback_p.vjp = _io_callback_vjp
io_callback_p.batch = _io_callback_batch


def io_callback(callback: Callable[..., Any], result_shape_dtypes: Any, *args: Any,
                sharding: Any = None, ordered: bool = False, **kwargs: Any) -> Any:
    """Call an impure Python function ``callback(*args, **kwargs)`` on concrete numpy
    values, every time the traced code runs; ``result_shape_dtypes`` (a pytree of
    ``ShapeDtypeStruct`` or arrays, or None) declares what it returns. ``sharding`` is
    accepted for compatibility (fungrad has one device).

    >>> import numpy as np, fungrad
    >>> rng = np.random.default_rng(0)
    >>> draw = fungrad.jit(lambda x: io_callback(lambda x: rng.uniform(size=x.shape), x, x))
    >>> a, b = draw(np.zeros(2)), draw(np.zeros(2))  # runs on every call: new numbers
    >>> bool((a != b).all())
    True
    """
    return bind_callback(io_callback_p, callback, result_shape_dtypes, args, kwargs,
                         ordered=bool(ordered))
