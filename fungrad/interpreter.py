"""Evaluate a jaxpr by ``bind``-ing each equation.

Because every equation goes through ``bind``, evaluating an IR while an outer trace is active
records it into that trace: that is how transforms compose (``grad(grad(f))``).

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> closed = fungrad.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.zeros(2))
>>> eval_jaxpr(closed.jaxpr, closed.consts, np.array([0.0, np.pi / 2]))
[array([0., 2.])]
"""
from __future__ import annotations

from typing import Any, Sequence

from fungrad.core import (
    Jaxpr, Literal, Tracer, bind, bind_known, internal_evaluation, replay_source, tracking_source,
)


def last_uses(jaxpr: Jaxpr) -> list[list]:
    """For each equation, the variables whose last reader it is (freed right after it).

    Computed once per jaxpr and cached on it; the IR is immutable once built.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> jaxpr = fungrad.make_jaxpr(lambda x: fnp.sin(x) * x)(np.ones(2)).jaxpr
    >>> print(jaxpr)
    { lambda ; a:f64[2]. let b:f64[2] = sin a; c:f64[2] = mul b a in (c,) }
    >>> [len(dead) for dead in last_uses(jaxpr)]  # a and b are both last read by mul
    [0, 2]
    """
    if jaxpr._last_use is not None:
        return jaxpr._last_use
    keep = {id(v) for v in jaxpr.outvars}
    seen: set[int] = set(keep)
    result: list[list] = [[] for _ in jaxpr.eqns]
    for i in range(len(jaxpr.eqns) - 1, -1, -1):
        for x in jaxpr.eqns[i].inputs:
            if not isinstance(x, Literal) and id(x) not in seen:
                seen.add(id(x))
                result[i].append(x)
    jaxpr._last_use = result
    return result


def _weak(out, var):
    """A weakly typed variable holds a Python scalar (as tracing computed it), so numpy keeps
    promoting it weakly when the IR is evaluated again."""
    if var.aval.weak_type and not isinstance(out, Tracer) and hasattr(out, "item"):
        return out.item()
    return out


def eval_jaxpr(jaxpr: Jaxpr, consts: Sequence[Any], *args: Any) -> list:
    """Evaluate ``jaxpr`` on ``consts`` and flat ``args``; returns the flat list of outputs.

    Each value is dropped after its last use, so a long computation holds only what is live.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> closed = fungrad.make_jaxpr(lambda x, y: (x + y, x * y))(1.0, 2.0)
    >>> eval_jaxpr(closed.jaxpr, closed.consts, 3.0, 4.0)
    [7.0, 12.0]
    >>> fungrad.grad(lambda x: eval_jaxpr(closed.jaxpr, closed.consts, x, 4.0)[1])(3.0)
    np.float64(4.0)
    """
    if len(args) != len(jaxpr.invars):
        raise TypeError(f"eval_jaxpr: the jaxpr takes {len(jaxpr.invars)} arguments, "
                        f"got {len(args)}")
    env: dict = {}
    env.update(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    frees = last_uses(jaxpr)
    with internal_evaluation():  # the values are fungrad's own until the caller hands them out
        _run(jaxpr, env, frees)
    return [x.val if type(x) is Literal else env[x] for x in jaxpr.outvars]


def _run(jaxpr: Jaxpr, env: dict, frees) -> None:
    if tracking_source():  # the slow path: equations recorded keep their origin
        outer = replay_source(None)
        try:
            for eqn, dead in zip(jaxpr.eqns, frees):
                replay_source(eqn.source_info or outer)
                _run_eqn(eqn, env, dead)
        finally:
            replay_source(outer)
        return
    for eqn, dead in zip(jaxpr.eqns, frees):
        _run_eqn(eqn, env, dead)


def _run_eqn(eqn, env: dict, dead) -> None:
    invals = [x.val if type(x) is Literal else env[x] for x in eqn.inputs]
    out = bind(eqn.primitive, *invals, **eqn.params)
    if eqn.primitive.multiple_results:
        env.update(zip(eqn.outvars, out))
    else:
        env[eqn.outvars[0]] = _weak(out, eqn.outvars[0])
    for v in dead:
        env.pop(v, None)


def eval_jaxpr_env(jaxpr: Jaxpr, consts: Sequence[Any], args: Sequence[Any]) -> dict:
    """Like ``eval_jaxpr`` but keeps every value: the environment a backward pass reads.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> jaxpr = fungrad.make_jaxpr(lambda x: fnp.exp(x) * 2.0)(np.float64(0.0)).jaxpr
    >>> env = eval_jaxpr_env(jaxpr, [], [np.float64(0.0)])
    >>> len(env), [env[eqn.outvars[0]] for eqn in jaxpr.eqns]  # the input and both results
    (3, [np.float64(1.0), np.float64(2.0)])
    """
    env: dict = {}
    env.update(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    _run(jaxpr, env, [()] * len(jaxpr.eqns))
    return env


def replay_known(jaxpr: Jaxpr, consts: Sequence[Any], args: Sequence[Any],
                 values: dict) -> dict:
    """Like ``eval_jaxpr_env``, for an IR whose every value was recorded while tracing
    (``values``): an outer trace records each equation again without recomputing it.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> from fungrad.core import trace_to_jaxpr
    >>> closed, _, values = trace_to_jaxpr(lambda x: [fnp.sin(x)], [np.float64(0.5)],
    ...                                    keep_values=True)
    >>> outer = fungrad.make_jaxpr(
    ...     lambda x: [replay_known(closed.jaxpr, closed.consts, [x], values)[v]
    ...                for v in closed.jaxpr.outvars])(np.float64(0.5))
    >>> print(outer)
    { lambda ; a:f64[]. let b:f64[] = sin a in (b,) }
    """
    env: dict = {}
    env.update(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    track = tracking_source()
    outer = replay_source(None) if track else None
    try:
        for eqn in jaxpr.eqns:
            if track:
                replay_source(eqn.source_info or outer)
            invals = [x.val if type(x) is Literal else env[x] for x in eqn.inputs]
            if eqn.primitive.multiple_results:
                known = [values.get(v) for v in eqn.outvars]
                known = None if any(k is None for k in known) else known
                env.update(zip(eqn.outvars,
                               bind_known(eqn.primitive, invals, eqn.params, known)))
            else:
                v = eqn.outvars[0]
                env[v] = bind_known(eqn.primitive, invals, eqn.params, values.get(v))
    finally:
        if track:
            replay_source(outer)
    return env
