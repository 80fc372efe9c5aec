"""Forward mode: push tangents through a jaxpr alongside the primal values.

``jvp_eval`` walks the equations once; for each it calls the primitive's jvp rule, which is
written with fungrad operations and so goes through ``bind``. Inside a trace that records a new
IR (``jvp_jaxpr``); eagerly it computes numbers. Tangents of ``None`` are symbolic zeros: an
equation none of whose inputs carries a tangent costs only its primal evaluation.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from fungrad.core import (
    ClosedJaxpr, Jaxpr, Literal, ShapedArray, bind, collector_paused, replay_source,
    trace_to_jaxpr, tracking_source,
)
from fungrad.interpreter import _weak, last_uses
from fungrad.prims.elementwise import cast_derivative
from fungrad.prims.rules import is_float
from fungrad.prims.structural import broadcast_to, zeros



def differs_in_dtype(x, aval: ShapedArray) -> bool:
    """Whether ``x`` needs a cast to ``aval``'s dtype. A Python scalar has no dtype, and
    ``getattr(x, "dtype", None) != dtype`` would say it fits a float64 (numpy's dtype compares
    equal to None): a complex cotangent then reached a real input whole.

    >>> f64 = ShapedArray((), np.float64)
    >>> differs_in_dtype(1j, f64), differs_in_dtype(np.float64(1.0), f64)
    (True, False)
    """
    dtype = getattr(x, "dtype", None)
    return dtype is None or dtype != aval.dtype


def fit_tangent(t, aval: ShapedArray):
    """Make a rule's tangent match its output's aval (broadcast shape, cast dtype)."""
    if not is_float(aval):
        return None
    if getattr(t, "shape", ()) != aval.shape:
        t = broadcast_to(t, aval.shape)
    if differs_in_dtype(t, aval):
        t = cast_derivative(t, aval.dtype)
    return t


def jvp_eval(jaxpr: Jaxpr, consts: Sequence[Any], primals: Sequence[Any],
             tangents: Sequence[Any], values: dict | None = None) -> tuple[list, list]:
    """Evaluate ``jaxpr`` and its directional derivative: ``(primal_outs, tangent_outs)``.

    ``tangents[i] is None`` means input ``i`` is not differentiated; outputs that do not
    depend on a differentiated input come back with a ``None`` tangent. ``values``, the
    primal values recorded while tracing (eagerly, nothing outside being traced), spares
    recomputing them: only the tangent work is done.
    """
    if values is not None:
        env: dict = dict(values)
    else:
        env = dict(zip(jaxpr.constvars, consts))
        env.update(zip(jaxpr.invars, primals))
    tenv: dict = {v: t for v, t in zip(jaxpr.invars, tangents)
                  if t is not None and is_float(v.aval)}
    track = tracking_source()
    outer = replay_source(None) if track else None
    try:
        _jvp_eqns(jaxpr, env, tenv, track, outer, values is not None)
    finally:
        if track:
            replay_source(outer)
    outs = [x.val if type(x) is Literal else env[x] for x in jaxpr.outvars]
    touts = [None if type(x) is Literal else tenv.get(x) for x in jaxpr.outvars]
    return outs, touts


def _jvp_eqns(jaxpr: Jaxpr, env: dict, tenv: dict, track: bool, outer,
              known_values: bool) -> None:
    frees = last_uses(jaxpr) if not known_values else [()] * len(jaxpr.eqns)
    for eqn, dead in zip(jaxpr.eqns, frees):
        if track:  # equations the rules emit keep the location of the one they replay
            replay_source(eqn.source_info or outer)
        tins = [None if type(x) is Literal else tenv.get(x) for x in eqn.inputs]
        prim = eqn.primitive
        known = known_values and not prim.multiple_results
        if prim.nondiff or all(t is None for t in tins):
            if known:  # the value is already there; nothing to do for this equation
                continue
            invals = [x.val if type(x) is Literal else env[x] for x in eqn.inputs]
            out = bind(prim, *invals, **eqn.params)
            touts = None
        else:
            invals = [x.val if type(x) is Literal else env[x] for x in eqn.inputs]
            if known and prim.jvp_tangent is not None:
                out = env[eqn.outvars[0]]
                touts = prim.jvp_tangent(out, invals, tins, **eqn.params)
            else:
                if prim.jvp is None:
                    raise NotImplementedError(f"Forward-mode differentiation of {prim.name} "
                                              "is not implemented")
                out, touts = prim.jvp(invals, tins, **eqn.params)
        if prim.multiple_results:
            env.update(zip(eqn.outvars, out))
            if touts is not None:
                for v, t in zip(eqn.outvars, touts):
                    if t is not None:
                        t = fit_tangent(t, v.aval)
                        if t is not None:
                            tenv[v] = t
        else:
            v = eqn.outvars[0]
            env[v] = _weak(out, v)
            if touts is not None:
                touts = fit_tangent(touts, v.aval)
                if touts is not None:
                    tenv[v] = touts
        for v in dead:
            env.pop(v, None)
            tenv.pop(v, None)


def jvp_jaxpr(closed: ClosedJaxpr, nonzero: Sequence[bool],
              instantiate: bool = False) -> tuple[ClosedJaxpr, list[bool]]:
    """The IR -> IR forward-mode transform.

    The new jaxpr takes ``(*primals, *tangents for the nonzero inputs)`` and returns
    ``(*primal_outs, *tangent_outs that are nonzero)``; the second result says which tangent
    outputs are nonzero (the others are symbolic zeros and not returned). With
    ``instantiate``, every floating-point output gets a tangent (zeros where none flows), so
    the output layout does not depend on the rules (what control-flow branches need).
    """
    jaxpr = closed.jaxpr
    n = len(jaxpr.invars)
    tangent_avals = [v.aval.strip_weak() for v, nz in zip(jaxpr.invars, nonzero) if nz]
    out_nonzero: list[bool] = []

    def fun(*args):
        primals, tangents_in = args[:n], iter(args[n:])
        tangents = [next(tangents_in) if nz else None for nz in nonzero]
        outs, touts = jvp_eval(jaxpr, closed.consts, primals, tangents)
        if instantiate:
            touts = [(zeros(v.aval.shape, v.aval.dtype) if t is None else t)
                     if is_float(v.aval) else None for v, t in zip(jaxpr.outvars, touts)]
        out_nonzero[:] = [t is not None for t in touts]
        return list(outs) + [t for t in touts if t is not None]

    in_avals = [v.aval for v in jaxpr.invars] + tangent_avals
    with collector_paused():
        new, _ = trace_to_jaxpr(fun, in_avals, abstract=True, description="jvp")
    return new, out_nonzero
