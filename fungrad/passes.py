"""Clean-up passes over the IR. Each takes a ``Jaxpr`` and returns a new one, walking the
equations iteratively (a 100,000-equation IR is fine). Guards are effects: never dropped.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> closed = fungrad.make_jaxpr(lambda x: (fnp.sin(x), fnp.cos(x))[0], dce=False)(1.0)
>>> len(closed.eqns), len(dce(closed.jaxpr).eqns)
(2, 1)
"""
from __future__ import annotations

from fungrad.core import ClosedJaxpr, Eqn, Jaxpr, Literal


def dce(jaxpr: Jaxpr) -> Jaxpr:
    """Dead-code elimination: drop equations none of whose outputs is needed (unless they
    are effects such as guards). Sub-jaxprs (branches, loop bodies) are cleaned too, keeping
    their signatures."""
    live = {id(v) for v in jaxpr.outvars if type(v) is not Literal}
    kept = []
    changed = False
    for eqn in reversed(jaxpr.eqns):
        if eqn.primitive.effect or any(id(v) in live for v in eqn.outvars):
            new_eqn = _dce_params(eqn)
            changed |= new_eqn is not eqn
            kept.append(new_eqn)
            live.update(id(x) for x in eqn.inputs if type(x) is not Literal)
    kept.reverse()
    if len(kept) == len(jaxpr.eqns) and not changed:
        return jaxpr
    return Jaxpr(jaxpr.constvars, jaxpr.invars, kept, jaxpr.outvars)


def _dce_sub(value):
    if isinstance(value, ClosedJaxpr):
        inner = dce(value.jaxpr)
        return value if inner is value.jaxpr else ClosedJaxpr(inner, value.consts)
    if isinstance(value, tuple) and value and all(isinstance(v, ClosedJaxpr) for v in value):
        new = tuple(_dce_sub(v) for v in value)
        return value if all(a is b for a, b in zip(new, value)) else new
    return value


def _dce_params(eqn: Eqn) -> Eqn:
    params = {k: _dce_sub(v) for k, v in eqn.params.items()}
    if all(params[k] is v for k, v in eqn.params.items()):
        return eqn
    return Eqn(eqn.primitive, eqn.inputs, params, eqn.outvars, eqn.source_info)


def dce_closed(closed: ClosedJaxpr) -> ClosedJaxpr:
    """``dce`` and drop the constants of unread constvars."""
    jaxpr = dce(closed.jaxpr)
    live = {id(x) for e in jaxpr.eqns for x in e.inputs} | {id(v) for v in jaxpr.outvars}
    pairs = [(v, c) for v, c in zip(jaxpr.constvars, closed.consts) if id(v) in live]
    if len(pairs) == len(jaxpr.constvars) and jaxpr is closed.jaxpr:
        return closed
    new = Jaxpr([v for v, _ in pairs], jaxpr.invars, jaxpr.eqns, jaxpr.outvars)
    return ClosedJaxpr(new, [c for _, c in pairs])
