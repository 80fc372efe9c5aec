"""Reverse mode: pull cotangents back through a jaxpr, last equation first.

``backward_pass`` reads the primal value of every variable from an environment (the values
recorded while tracing, or the values of re-evaluating the IR inside an outer trace) and
applies each primitive's vjp rule. Only *active* variables -- those that depend on a
differentiated input -- get cotangents, so gradients nobody asked for (a loss's data inputs)
are never computed: dead-code elimination by construction.
"""
from __future__ import annotations

from typing import Any, Sequence

from fungrad.core import (
    ClosedJaxpr, Jaxpr, Literal, ShapedArray, collector_paused, replay_source,
    trace_to_jaxpr, tracking_source,
)
from fungrad.interpreter import eval_jaxpr_env, replay_known
from fungrad.prims.elementwise import add, cast_derivative
from fungrad.prims.rules import is_float
from fungrad.prims.structural import sum_to_shape, zeros


def fit_cotangent(ct, aval: ShapedArray):
    """Make a rule's cotangent match its input's aval: sum broadcast dims away, cast dtype."""
    if getattr(ct, "shape", ()) != aval.shape:
        ct = sum_to_shape(ct, aval.shape)
    if getattr(ct, "dtype", None) != aval.dtype:
        ct = cast_derivative(ct, aval.dtype)
    return ct


def active_vars(jaxpr: Jaxpr, differentiated: Sequence[bool]) -> set:
    """The variables that depend on a differentiated input through differentiable operations
    (float dtype, not ``stop_gradient`` or a comparison). Vars hash by identity."""
    active = {v for v, d in zip(jaxpr.invars, differentiated) if d and is_float(v.aval)}
    add_active = active.add
    for eqn in jaxpr.eqns:
        if eqn.primitive.nondiff:
            continue
        for x in eqn.inputs:
            if x in active:
                for v in eqn.outvars:
                    if v.aval.dtype.kind in "fc":
                        add_active(v)
                break
    return active


def backward_pass(jaxpr: Jaxpr, env: dict, differentiated: Sequence[bool],
                  out_cts: Sequence[Any]) -> list:
    """Cotangents of the differentiated inputs (``None`` where zero) given the cotangents of
    the outputs. ``env`` maps every variable to its primal value and is consumed."""
    track = tracking_source()
    outer = replay_source(None) if track else None
    try:
        return _backward(jaxpr, env, differentiated, out_cts, track, outer)
    finally:
        if track:
            replay_source(outer)


def _backward(jaxpr: Jaxpr, env: dict, differentiated: Sequence[bool], out_cts: Sequence[Any],
              track: bool, outer) -> list:
    active = active_vars(jaxpr, differentiated)
    ct_env: dict = {}
    for v, ct in zip(jaxpr.outvars, out_cts):
        if ct is not None and v in active:
            old = ct_env.get(v)
            ct_env[v] = ct if old is None else add(old, ct)

    pop_ct, pop_value = ct_env.pop, env.pop
    for eqn in reversed(jaxpr.eqns):
        outvars = eqn.outvars
        prim = eqn.primitive
        if not prim.multiple_results:
            cts = pop_ct(outvars[0], None)
            if cts is None:  # nothing flows back through here: just free its value
                pop_value(outvars[0], None)
                continue
        else:
            cts = [ct_env.pop(v, None) for v in outvars]
            if any(c is not None for c in cts):  # such rules get dense cotangents
                cts = [zeros(v.aval.shape, v.aval.dtype) if c is None and is_float(v.aval)
                       else c for v, c in zip(outvars, cts)]
            else:
                cts = None
        if cts is not None:
            inputs = eqn.inputs
            needs = [x in active for x in inputs]
            if True in needs:
                if prim.vjp is None:
                    raise NotImplementedError(f"Reverse-mode differentiation of {prim.name} "
                                              "is not implemented")
                primals = [x.val if type(x) is Literal else env[x] for x in inputs]
                ans = [env[v] for v in outvars] if prim.multiple_results else env[outvars[0]]
                if track:  # the backward equations point at the forward one's source line
                    replay_source(eqn.source_info or outer)
                in_cts = prim.vjp(cts, primals, ans, needs, **eqn.params)
                for x, need, ct in zip(inputs, needs, in_cts):
                    if need and ct is not None:
                        aval = x.aval
                        if getattr(ct, "shape", None) != aval.shape or \
                                getattr(ct, "dtype", None) != aval.dtype:
                            ct = fit_cotangent(ct, aval)
                        old = ct_env.get(x)
                        ct_env[x] = ct if old is None else add(old, ct)
        for v in outvars:  # the backward pass is past this value's definition: free it
            env.pop(v, None)
    return [ct_env.get(v) if d else None for v, d in zip(jaxpr.invars, differentiated)]


def forward_env(closed: ClosedJaxpr, args: Sequence[Any], values: dict | None) -> dict:
    """Primal values of every variable: reuse the ones recorded while tracing when nothing
    outside is being traced, otherwise re-evaluate so an outer trace records the forward pass
    (that is what makes ``grad(grad(f))`` see the whole computation)."""
    from fungrad.core import Tracer
    outer = any(isinstance(x, Tracer) for x in args) or \
        any(isinstance(x, Tracer) for x in closed.consts)
    if values is None:
        return eval_jaxpr_env(closed.jaxpr, closed.consts, args)
    if not outer:
        return values
    return replay_known(closed.jaxpr, closed.consts, args, values)


def read_outputs(jaxpr: Jaxpr, env: dict) -> list:
    return [x.val if type(x) is Literal else env[x] for x in jaxpr.outvars]


def vjp_jaxpr(closed: ClosedJaxpr, differentiated: Sequence[bool]) -> ClosedJaxpr:
    """The IR -> IR reverse-mode transform: a jaxpr taking ``(*primals, *out_cts)`` and
    returning the cotangents of the differentiated inputs (zeros where none flows)."""
    jaxpr = closed.jaxpr
    n = len(jaxpr.invars)
    diff_avals = [v.aval.strip_weak() for v, d in zip(jaxpr.invars, differentiated) if d]

    def fun(*args):
        primals, cts = args[:n], args[n:]
        env = eval_jaxpr_env(jaxpr, closed.consts, primals)
        in_cts = backward_pass(jaxpr, env, differentiated, list(cts))
        result = [ct for ct, d in zip(in_cts, differentiated) if d]
        return [zeros(a.shape, a.dtype) if ct is None else ct
                for ct, a in zip(result, diff_avals)]

    in_avals = [v.aval for v in jaxpr.invars] + [v.aval.strip_weak() for v in jaxpr.outvars]
    with collector_paused():
        new, _ = trace_to_jaxpr(fun, in_avals, abstract=True, description="vjp")
    return new
