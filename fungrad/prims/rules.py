"""Helpers that register the common shapes of differentiation rules on a primitive.

Most primitives are differentiated one input at a time: the tangent of the output is a sum of
per-input contributions, and the cotangent of each input is a function of the output's
cotangent. ``defjvp`` / ``defvjp`` say exactly that, autograd style, so each rule is one line
beside its primitive. Zero tangents and cotangents are ``None`` (symbolic zeros): nothing is
computed for them.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from fungrad.core import Primitive, ShapedArray, bind


def primitive(name: str, impl: Callable, abstract_eval: Callable, *,
              multiple_results: bool = False, nondiff: bool = False) -> Primitive:
    """Create a primitive with its numpy ``impl`` and its shape/dtype rule."""
    prim = Primitive(name, multiple_results)
    prim.impl = impl
    prim.abstract_eval = abstract_eval
    prim.nondiff = nondiff
    return prim


def op(prim: Primitive) -> Callable:
    """``op(sin_p)(x)`` is ``bind(sin_p, x)``: the function form rules are written with."""
    return partial(bind, prim)


def defjvp(prim: Primitive, *contributions: Callable | None) -> None:
    """``contributions[i](t_i, ans, *primals, **params)``: input i's share of the tangent."""
    from fungrad.prims.elementwise import add

    def jvp_tangent(ans, primals, tangents, **params):
        out = None
        for fn, t in zip(contributions, tangents):
            if t is None or fn is None:
                continue
            c = fn(t, ans, *primals, **params)
            out = c if out is None else add(out, c)
        return out

    def jvp(primals, tangents, **params):
        ans = bind(prim, *primals, **params)
        return ans, jvp_tangent(ans, primals, tangents, **params)

    prim.jvp = jvp
    prim.jvp_tangent = jvp_tangent


def defvjp(prim: Primitive, *cotangents: Callable | None) -> None:
    """``cotangents[i](g, ans, *primals, **params)``: input i's cotangent from the output's.

    The backward pass sums broadcast dimensions away and casts to the input's dtype itself,
    so a rule may return a cotangent shaped like the output.
    """
    def vjp(g, primals, ans, needs, **params):
        return [fn(g, ans, *primals, **params) if need and fn is not None else None
                for fn, need in zip(cotangents, needs)]

    prim.vjp = vjp


def deflinear(prim: Primitive, transpose: Callable) -> None:
    """A primitive linear in its (single) input: its tangent is itself applied to the tangent,
    its cotangent is ``transpose(g, x, **params)``."""
    def jvp(primals, tangents, **params):
        return bind(prim, *primals, **params), bind(prim, tangents[0], **params)

    def vjp(g, primals, ans, needs, **params):
        return [transpose(g, primals[0], **params) if needs[0] else None]

    prim.jvp = jvp
    prim.jvp_tangent = lambda ans, primals, tangents, **params: \
        bind(prim, tangents[0], **params)
    prim.vjp = vjp


def is_float(aval: ShapedArray) -> bool:
    """Does this abstract value carry derivatives (inexact dtype)?"""
    return aval.dtype.kind in "fc"


def probe_value(aval: ShapedArray):
    """A stand-in with this dtype for asking numpy what dtype an operation returns.

    Weak-typed values are Python scalars, so numpy promotes them weakly (NEP 50)."""
    if aval.weak_type:
        return {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}[aval.dtype.kind]
    return np.empty((0,), aval.dtype)


# ---------------------------------------------------------------------------------------------
# Batching (vmap) rules: ``batch(args, batched, size, **params) -> (out, out_batched)``, where
# the batched arguments carry the batch as their leading axis.
# ---------------------------------------------------------------------------------------------

def _ndim(x) -> int:
    return len(getattr(x, "shape", ()))


def batch_elementwise(prim: Primitive) -> None:
    """Broadcasting operations: give each batched operand the output's rank after its batch
    axis (size-1 axes), so numpy's right-aligned broadcasting lines the examples up."""
    def batch(args, batched, size, **params):
        ranks = [_ndim(x) - b for x, b in zip(args, batched)]
        out_rank = max(ranks)
        lined_up = []
        for x, b, r in zip(args, batched, ranks):
            if b and r < out_rank:
                shape = tuple(x.shape)
                x = bind(_reshape_p(), x, new_sizes=shape[:1] + (1,) * (out_rank - r) + shape[1:])
            lined_up.append(x)
        return bind(prim, *lined_up, **params), True
    prim.batch = batch


def batch_shifting(prim: Primitive, *names: str) -> None:
    """Operations on one operand whose axis params move by one past the batch axis."""
    def shift(v):
        return tuple(a + 1 for a in v) if isinstance(v, tuple) else v + 1

    def batch(args, batched, size, **params):
        if not batched[0] or any(batched[1:]):
            return None  # the loop fallback
        new = {k: (shift(v) if k in names else v) for k, v in params.items()}
        return bind(prim, *args, **new), True
    prim.batch = batch


def _reshape_p():
    from fungrad.prims.structural import reshape_p
    return reshape_p
