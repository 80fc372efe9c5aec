"""Clean-up passes over the IR. Each takes a ``Jaxpr`` and returns a new one, walking the
equations iteratively (a 100,000-equation IR is fine). Guards are effects: never dropped.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> closed = fungrad.make_jaxpr(lambda x: (fnp.sin(x), fnp.cos(x))[0], dce=False)(np.ones(2))
>>> len(closed.eqns), len(dce(closed.jaxpr).eqns)
(2, 1)
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ClosedJaxpr, DropVar, Eqn, Jaxpr, Literal, Var, collector_paused


def dce(jaxpr: Jaxpr) -> Jaxpr:
    """Dead-code elimination: drop equations none of whose outputs is needed (unless they
    are effects such as guards). Sub-jaxprs (branches, loop bodies) are cleaned too, keeping
    their signatures.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> closed = fungrad.make_jaxpr(lambda x: (fnp.sin(x), fnp.cos(x))[0], dce=False)(np.ones(2))
    >>> print(closed.jaxpr)
    { lambda ; a:f64[2]. let b:f64[2] = sin a; _ = cos a in (b,) }
    >>> print(dce(closed.jaxpr))
    { lambda ; a:f64[2]. let b:f64[2] = sin a in (b,) }
    """
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
    if not eqn.params or not any(isinstance(v, (ClosedJaxpr, tuple)) for v in
                                 eqn.params.values()):
        return eqn
    params = {k: _dce_sub(v) for k, v in eqn.params.items()}
    if all(params[k] is v for k, v in eqn.params.items()):
        return eqn
    return Eqn(eqn.primitive, eqn.inputs, params, eqn.outvars, eqn.source_info, eqn.name_stack)


def dce_closed(closed: ClosedJaxpr) -> ClosedJaxpr:
    """``dce`` and drop the constants of unread constvars.

    >>> import numpy as np, fungrad
    >>> w = np.arange(3.0)
    >>> closed = fungrad.make_jaxpr(lambda x: (x * w, x + 1.0)[1], dce=False)(np.ones(3))
    >>> len(closed.consts), len(dce_closed(closed).consts)
    (1, 0)
    >>> print(dce_closed(closed))
    { lambda ; a:f64[3]. let b:f64[3] = add a 1.0 in (b,) }
    """
    jaxpr = dce(closed.jaxpr)
    live = {id(x) for e in jaxpr.eqns for x in e.inputs} | {id(v) for v in jaxpr.outvars}
    pairs = [(v, c) for v, c in zip(jaxpr.constvars, closed.consts) if id(v) in live]
    if len(pairs) == len(jaxpr.constvars) and jaxpr is closed.jaxpr:
        return closed
    new = Jaxpr([v for v, _ in pairs], jaxpr.invars, jaxpr.eqns, jaxpr.outvars)
    return ClosedJaxpr(new, [c for _, c in pairs])


# ---------------------------------------------------------------------------------------------
# simplify: algebraic rules, constant folding, common subexpressions
# ---------------------------------------------------------------------------------------------

def _atom_key(x):
    if type(x) is Literal:
        val = x.val
        if type(val) in (bool, int, float, complex):
            return ("lit", type(val), val)
        return ("lit", x.aval.dtype, x.aval.weak_type, np.asarray(val).tobytes())
    return id(x)


def _params_key(params: dict):
    if not params:
        return ()
    try:
        key = tuple(sorted(params.items()))
        hash(key)
        return key
    except TypeError:  # an unhashable param: never merged
        return object()


class _SimplifyContext:
    """What a primitive's simplify rule may ask about its inputs."""

    __slots__ = ("_producers", "_known")

    def __init__(self, producers: dict, known: dict):
        self._producers, self._known = producers, known

    def producer(self, x):
        """The (already simplified) equation that computed ``x``, or None."""
        return self._producers.get(x)

    def value(self, x):
        """``x``'s value if it is a literal or a known constant, else None."""
        if type(x) is Literal:
            return x.val
        return self._known.get(x)


def simplify(closed: ClosedJaxpr, fold_constants: bool = True) -> ClosedJaxpr:
    """One forward sweep of clean-ups, then dead-code elimination:

    * each primitive's own ``simplify(inputs, params, ctx, out_aval)`` rule (``reshape``
      of a ``reshape``, ``mul`` by one, an elementwise op reading a ``broadcast_to`` it would
      broadcast itself, ...): it returns an atom to use instead of the output, new
      ``(inputs, params)``, or None; ``ctx.producer(x)`` is the equation that made ``x``
      and ``ctx.value(x)`` its value when it is a known constant;
    * constant folding: an equation whose inputs are all known values is evaluated now;
    * common-subexpression elimination: a second identical equation reuses the first.

    Guards and other effects are never folded, merged or dropped.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> f = lambda x: fnp.sin(x) + fnp.sin(x) * 1.0
    >>> print(simplify(fungrad.make_jaxpr(f)(np.zeros(2))))
    { lambda ; a:f64[2]. let b:f64[2] = sin a; c:f64[2] = add b b in (c,) }
    """
    with collector_paused():
        return _simplify(closed, fold_constants)


def _simplify(closed: ClosedJaxpr, fold_constants: bool) -> ClosedJaxpr:
    jaxpr = closed.jaxpr
    known = dict(zip(jaxpr.constvars, closed.consts))  # constvar -> value
    subst: dict = {}
    producers: dict = {}
    seen: dict = {}
    eqns: list = []
    new_consts: list = []

    def read(x):
        return subst.get(x, x) if type(x) is not Literal else x

    ctx = _SimplifyContext(producers, known)

    for eqn in jaxpr.eqns:
        prim, params = eqn.primitive, eqn.params
        inputs = [read(x) for x in eqn.inputs]
        rule = getattr(prim, "simplify", None)
        if rule is not None and not prim.multiple_results:
            result = rule(inputs, params, ctx, eqn.outvars[0].aval)
            if isinstance(result, (Var, Literal)):
                subst[eqn.outvars[0]] = result
                continue
            if result is not None:  # the same primitive on other inputs/params
                inputs, params = result
        if fold_constants and not prim.effect and inputs and \
                all(type(x) is Literal or x in known for x in inputs):
            vals = [x.val if type(x) is Literal else known[x] for x in inputs]
            out = prim.impl(*vals, **params)
            outs = out if prim.multiple_results else [out]
            for v, val in zip(eqn.outvars, outs):
                if getattr(val, "ndim", 0) == 0 and not v.aval.weak_type:
                    subst[v] = Literal(val, v.aval)
                else:
                    c = Var(v.aval)
                    known[c] = val
                    new_consts.append((c, val))
                    subst[v] = c
            continue
        key = None if prim.effect else \
            (prim, tuple(_atom_key(x) for x in inputs), _params_key(params))
        if key is not None and key in seen:
            for v, w in zip(eqn.outvars, seen[key]):
                subst[v] = w
            continue
        new = Eqn(prim, inputs, params, eqn.outvars, eqn.source_info, eqn.name_stack)
        eqns.append(new)
        for v in eqn.outvars:
            producers[v] = new
        if key is not None:
            seen[key] = eqn.outvars
    outvars = [read(x) for x in jaxpr.outvars]
    constvars = list(jaxpr.constvars) + [c for c, _ in new_consts]
    consts = list(closed.consts) + [val for _, val in new_consts]
    return dce_closed(ClosedJaxpr(Jaxpr(constvars, jaxpr.invars, eqns, outvars), consts))


# ---------------------------------------------------------------------------------------------
# inline_calls: the equations of called sub-jaxprs in place of the call
# ---------------------------------------------------------------------------------------------

def _called(eqn):
    """The sub-jaxpr ``eqn`` evaluates on its inputs, as its primitive's ``call_jaxpr(params)``
    says (``checkpoint``), when its avals are the call's own; else None."""
    rule = getattr(eqn.primitive, "call_jaxpr", None)
    sub = rule(eqn.params) if rule is not None else None
    if sub is None or len(sub.jaxpr.invars) != len(eqn.inputs) or any(
            v.aval != x.aval or v.aval.weak_type != x.aval.weak_type
            for v, x in zip(sub.jaxpr.invars, eqn.inputs)):
        return None
    return sub


def inline_calls(closed: ClosedJaxpr) -> ClosedJaxpr:
    """``closed`` with each call of a sub-jaxpr (a ``checkpoint`` block: in code that is only
    run, never differentiated again, it merely groups equations) replaced by the sub-jaxpr's
    equations, on fresh variables (a block inlined twice stays single-assignment); calls
    inside inlined blocks too. Compiled, the block then costs no function call, and its
    temporaries join the caller's buffer reuse. ``closed`` itself when it has none.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> f = fungrad.checkpoint(lambda x: fnp.sin(x) * 2.0)
    >>> closed = fungrad.make_jaxpr(f)(np.ones(2))
    >>> [e.primitive.name for e in closed.eqns]
    ['checkpoint']
    >>> print(inline_calls(closed))
    { lambda ; a:f64[2]. let b:f64[2] = sin a; c:f64[2] = mul b 2.0 in (c,) }
    """
    jaxpr = closed.jaxpr
    if not any(_called(e) is not None for e in jaxpr.eqns):
        return closed
    constvars, consts = list(jaxpr.constvars), list(closed.consts)
    # var -> the atom that now holds its value; keyed by the variables themselves, never by
    # id(): a nested block's outputs are dropped once read, and a new variable may get its id
    subst: dict = {}

    def read(x):
        while type(x) is not Literal and x in subst:  # an inner block's output: chained
            x = subst[x]
        return x

    todo = list(reversed(jaxpr.eqns))  # a stack: an inlined block's equations are pushed
    eqns: list = []
    while todo:
        eqn = todo.pop()
        inputs = [read(x) for x in eqn.inputs]
        sub = _called(eqn)
        if sub is None:
            if any(a is not b for a, b in zip(inputs, eqn.inputs)):
                eqn = Eqn(eqn.primitive, inputs, eqn.params, eqn.outvars, eqn.source_info,
                          eqn.name_stack)
            eqns.append(eqn)
            continue
        inner = sub.jaxpr
        names: dict = {}  # inner var -> the outer atom: a constant, an input, a fresh var
        for v, c in zip(inner.constvars, sub.consts):
            names[v] = fresh = Var(v.aval)
            constvars.append(fresh)
            consts.append(c)
        names.update(zip(inner.invars, inputs))

        def rename(x):
            return x if type(x) is Literal else names[x]

        block = []
        for e in inner.eqns:
            outs = [o if isinstance(o, DropVar) else Var(o.aval) for o in e.outvars]
            names.update(zip(e.outvars, outs))
            block.append(Eqn(e.primitive, [rename(x) for x in e.inputs], e.params, outs,
                             e.source_info, e.name_stack))
        subst.update((o, rename(x)) for o, x in zip(eqn.outvars, inner.outvars)
                     if not isinstance(o, DropVar))
        todo.extend(reversed(block))
    return ClosedJaxpr(Jaxpr(constvars, jaxpr.invars, eqns, [read(x) for x in jaxpr.outvars]),
                       consts)
