"""Partial evaluation of a loop body's reverse pass: what the forward loop can compute and
keep (the *residuals*), and what the backward loop must compute from them.

A body's vjp jaxpr takes ``(*primals, *output cotangents)``. Its equations that read no
cotangent (the forward recomputation, and whatever of the derivative depends on the primals
alone, such as ``1 - tanh(x)**2``) are *known* when the forward loop runs; the others need the
cotangents and run backward. ``split_vjp`` cuts the vjp there: the forward body gains the known
equations and returns, per step, the known values the backward equations read; the backward
body reads them instead of recomputing them. That is how JAX's reverse-mode ``scan`` works
(partial evaluation of the body's linearization) and what makes ``checkpoint`` inside a scan
body mean something: a ``checkpoint`` equation's backward reads only its inputs, so they are
the only residuals, and everything inside is recomputed.

A residual that is a carry the step returns needs no stack of its own: step ``t``'s output
carry is step ``t + 1``'s input carry, which is stacked already when the backward pass reads
it, so the backward loop carries it along from one step to the next (``SplitVjp.carried``).
``keep_checkpointed_carries`` makes that worth having for a ``checkpoint``-ed step: its
backward pass reads the carry it returned instead of recomputing the whole step.

``merge_extended_scans`` then lets one forward loop serve both the primal outputs and the
residuals: reverse mode binds a second forward scan whose body extends the first one's.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> def loss(w, xs):
...     h, _ = fungrad.lax.scan(lambda h, x: (fnp.tanh(h * w + x), None), 0.0, xs)
...     return h
>>> closed = merge_extended_scans(fungrad.make_jaxpr(fungrad.grad(loss))(0.5, np.ones(3)))
>>> [e.primitive.name for e in closed.eqns]  # one forward scan, one backward scan
['scan', 'scan']
"""
from __future__ import annotations

from typing import Sequence

from fungrad.core import ClosedJaxpr, DropVar, Eqn, Jaxpr, Literal, ShapedArray, Var
from fungrad.passes import _atom_key, _params_key

__all__ = ["split_vjp", "keep_checkpointed_carries", "merge_extended_scans"]


class SplitVjp:
    """The two halves of a body's vjp (see ``split_vjp``).

    * ``forward``: the body, then the residuals: ``(*ins) -> (*outs, *residuals)``;
    * ``residual_avals``: their abstract values (each stacked along the loop by the scan);
    * ``backward``: ``(*consts, *residuals, *carried, *xs, *cts) -> (*input cotangents)``, a
      Jaxpr whose constants are ``backward_consts``;
    * ``carried``: one ``(k, s)`` per ``carried`` input of ``backward``: the step's output
      carry ``k``, which is not stacked but is the next step's input carry ``k``, the
      residual ``s`` (the backward loop starts it at the final carry and passes each step's
      residual ``s`` on to the step before).
    """

    __slots__ = ("forward", "residual_avals", "backward", "backward_consts", "carried")

    def __init__(self, forward, residual_avals, backward, backward_consts, carried=()):
        self.forward = forward
        self.residual_avals = residual_avals
        self.backward = backward
        self.backward_consts = backward_consts
        self.carried = list(carried)


def split_vjp(body: ClosedJaxpr, vjp: ClosedJaxpr, num_consts: int, num_carry: int,
              num_xs: int, aliases: Sequence = ()) -> SplitVjp | None:
    """Split ``vjp`` (``vjp_jaxpr`` of ``body``, whose inputs are ``num_consts`` loop
    constants, ``num_carry`` carries and ``num_xs`` per-step inputs) into the forward body
    with residuals and the backward body reading them. The loop constants and the per-step
    inputs are available to the backward loop anyway and are never residuals; an output
    carry whose input carry is a residual is not stacked either (``SplitVjp.carried``).
    ``aliases`` (from ``keep_checkpointed_carries``, when ``vjp`` is of the body it
    returned): ``(equation, variables of body)`` pairs, each equation computing what those
    variables of ``body`` hold, so the forward body computes it once.

    Returns None where the residuals cannot be stacked faithfully (a weakly typed one, which
    a stacked array would make strong): the caller then recomputes the whole forward pass in
    the backward loop.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> from fungrad.vjp import vjp_jaxpr
    >>> body = fungrad.make_jaxpr(lambda h, x: fnp.tanh(h * x))(np.ones(2), np.ones(2))
    >>> split = split_vjp(body, vjp_jaxpr(body, [True, False]), 0, 1, 1)
    >>> print(split.forward)  # 1 - tanh**2 is computed forward and kept
    { lambda ; a:f64[2] b:f64[2]. let
        c:f64[2] = mul a b
        d:f64[2] = tanh c
        e:f64[2] = square d
        f:f64[2] = sub 1.0 e
      in (d f) }
    >>> print(split.backward)  # (residual, x, cotangent) -> the carry's cotangent
    { lambda ; a:f64[2] b:f64[2] c:f64[2]. let
        d:f64[2] = mul c a
        e:f64[2] = mul d b
      in (e,) }
    """
    v = vjp.jaxpr
    n_primal = num_consts + num_carry + num_xs
    primal_in, ct_in = v.invars[:n_primal], v.invars[n_primal:]
    unknown = {id(x) for x in ct_in}
    known_eqns, unknown_eqns = [], []
    for eqn in v.eqns:
        # an effect (a debug callback) stays where the vjp put it, in the backward pass
        if eqn.primitive.effect or any(type(x) is not Literal and id(x) in unknown
                                       for x in eqn.inputs):
            unknown_eqns.append(eqn)
            unknown.update(id(o) for o in eqn.outvars)
        else:
            known_eqns.append(eqn)
    consts_in, xs_in = primal_in[:num_consts], primal_in[num_consts + num_carry:]
    available = {id(x) for x in list(consts_in) + list(xs_in) + list(v.constvars)} | unknown
    residuals, seen = [], set()
    read = [x for e in unknown_eqns for x in e.inputs] + list(v.outvars)
    for x in read:
        if type(x) is Literal or id(x) in available or id(x) in seen:
            continue
        if x.aval.weak_type:
            return None
        seen.add(id(x))
        residuals.append(x)

    fwd = body.jaxpr
    forward_eqns, out_of = _extend_without_repeats(fwd.eqns, known_eqns,
                                                   dict(zip(map(id, primal_in), fwd.invars)),
                                                   aliases)
    kept = [out_of(r) for r in residuals]
    # an output carry kept as a residual is the next step's input carry: where that is
    # kept too, the backward loop passes it on instead of a second stack of the same values
    carry_out = {id(x): k for k, x in reversed(list(enumerate(fwd.outvars[:num_carry])))}
    ins = {id(x) for x in fwd.invars}
    position = {id(r): i for i, r in enumerate(residuals)}
    carried = {}  # index in residuals -> (output carry, index in residuals of its input)
    for i, x in enumerate(kept):
        k = carry_out.get(id(x))
        if k is not None and id(x) not in ins:
            s = position.get(id(primal_in[num_consts + k]))
            if s is not None:
                carried[i] = (k, s)
    stacked = [i for i in range(len(residuals)) if i not in carried]
    index = {i: n for n, i in enumerate(stacked)}
    forward = ClosedJaxpr(
        Jaxpr(list(fwd.constvars) + list(v.constvars), fwd.invars, forward_eqns,
              list(fwd.outvars) + [kept[i] for i in stacked]),
        list(body.consts) + list(vjp.consts))
    backward = Jaxpr(v.constvars, list(consts_in) + [residuals[i] for i in stacked]
                     + [residuals[i] for i in carried] + list(xs_in) + list(ct_in),
                     unknown_eqns, v.outvars)
    return SplitVjp(forward, [ShapedArray(residuals[i].aval.shape, residuals[i].aval.dtype)
                              for i in stacked],
                    backward, list(vjp.consts),
                    [(k, index[s]) for k, s in carried.values()])


def keep_checkpointed_carries(body: ClosedJaxpr, num_carry: int) -> tuple[ClosedJaxpr, list]:
    """``body`` (a scan's step) with each ``checkpoint`` equation that computes an output
    carry also keeping that value as a residual (one more output, which the carry now is):
    its backward pass then reads the carry instead of recomputing the block, and
    ``split_vjp`` hands the residual over from the next step's input carry, which the
    checkpoint keeps anyway, so nothing more is stacked. Returns the new body (the same
    inputs and values) and the ``aliases`` that ``split_vjp`` takes.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> step = fungrad.checkpoint(lambda h, x: fnp.tanh(h * x))
    >>> body = fungrad.make_jaxpr(lambda h, x: (step(h, x), None))(np.ones(2), np.ones(2))
    >>> new, aliases = keep_checkpointed_carries(body, 1)
    >>> new.jaxpr.eqns[0].params["num_res"], len(new.jaxpr.eqns[0].outvars), len(aliases)
    (1, 2, 1)
    >>> np.array_equal(new(np.ones(2), np.ones(2))[0], body(np.ones(2), np.ones(2))[0])
    True
    """
    from fungrad.ad_checkpoint import remat_p  # checkpoint sits above this module
    jaxpr = body.jaxpr
    carry_out = {id(x) for x in jaxpr.outvars[:num_carry] if type(x) is not Literal}
    if not carry_out or not any(e.primitive is remat_p for e in jaxpr.eqns):
        return body, []
    outvars = list(jaxpr.outvars)
    eqns, aliases = [], []
    for eqn in jaxpr.eqns:
        if eqn.primitive is not remat_p or not any(id(o) in carry_out for o in eqn.outvars):
            eqns.append(eqn)
            continue
        inner = eqn.params["jaxpr"].jaxpr
        num_res = eqn.params["num_res"]
        n_out = len(eqn.outvars) - num_res
        defined = {id(o) for e in inner.eqns for o in e.outvars}
        taken = {id(o) for o in inner.outvars[n_out:]}
        keep = []
        for j in range(n_out):
            x = inner.outvars[j]
            # a value computed inside (an input passed through is no recomputation), once
            if id(eqn.outvars[j]) in carry_out and type(x) is not Literal \
                    and id(x) in defined and id(x) not in taken:
                taken.add(id(x))
                keep.append(j)
        if not keep:
            eqns.append(eqn)
            continue
        copies = [Var(eqn.outvars[j].aval) for j in keep]
        new_inner = ClosedJaxpr(Jaxpr(inner.constvars, inner.invars, inner.eqns,
                                      list(inner.outvars) + [inner.outvars[j] for j in keep]),
                                eqn.params["jaxpr"].consts)
        params = dict(eqn.params, jaxpr=new_inner, num_res=num_res + len(keep))
        new = Eqn(remat_p, eqn.inputs, params, list(eqn.outvars) + copies, eqn.source_info,
                  eqn.name_stack)
        eqns.append(new)
        aliases.append((new, list(eqn.outvars) + [eqn.outvars[j] for j in keep]))
        for j, copy in zip(keep, copies):
            outvars[:num_carry] = [copy if o is eqn.outvars[j] else o
                                   for o in outvars[:num_carry]]
    if not aliases:
        return body, []
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, outvars), body.consts), aliases


def _extend_without_repeats(eqns: Sequence[Eqn], extra: Sequence[Eqn], subst: dict,
                            aliases: Sequence = ()):
    """``eqns`` followed by the ``extra`` equations (their inputs renamed by ``subst``, id ->
    var), leaving out each extra equation that repeats one already there (the vjp's
    recomputation of the forward pass repeats the body) or one of the ``aliases``
    (``(equation, the variables holding its results)``). Returns the equations and the
    renaming of the extra equations' variables."""
    def key(eqn, inputs):
        return (eqn.primitive, tuple(_atom_key(x) for x in inputs), _params_key(eqn.params))

    def rename(x):
        return x if type(x) is Literal else subst.get(id(x), x)

    table = {key(e, e.inputs): e.outvars for e in eqns if not e.primitive.effect}
    table.update((key(e, e.inputs), outs) for e, outs in aliases)
    result = list(eqns)
    for eqn in extra:
        inputs = [rename(x) for x in eqn.inputs]
        k = key(eqn, inputs)
        same = table.get(k)
        if same is not None:
            subst.update((id(o), s) for o, s in zip(eqn.outvars, same))
            continue
        new = Eqn(eqn.primitive, inputs, eqn.params, eqn.outvars, eqn.source_info,
                  eqn.name_stack)
        result.append(new)
        table[k] = eqn.outvars
    return result, rename


def merge_extended_scans(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Run once what reverse mode computes twice: a ``scan`` whose body extends an earlier
    ``scan``'s on the same inputs (the same equations, then more, returning the same outputs
    and then more -- the forward scan that keeps residuals) replaces the earlier one, and
    its first outputs stand for the earlier one's. Other equations are untouched.

    (See the module's example.)
    """
    from fungrad.control_flow import scan_p
    jaxpr = closed.jaxpr
    scans = [e for e in jaxpr.eqns if e.primitive is scan_p]
    if len(scans) < 2:
        return closed
    earlier: dict = {}  # the key of a scan's inputs and loop -> its index in `eqns`
    eqns: list = []
    subst: dict = {}  # id(var) -> the var that now holds its value

    def read(x):
        return x if type(x) is Literal else subst.get(id(x), x)

    for eqn in jaxpr.eqns:
        inputs = [read(x) for x in eqn.inputs]
        if eqn.primitive is scan_p:
            p = eqn.params
            key = (tuple(id(x) if type(x) is not Literal else object() for x in inputs),
                   p["length"], p["reverse"], p["num_consts"], p["num_carry"])
            i = earlier.get(key)
            if i is not None and _extends(p["jaxpr"], eqns[i].params["jaxpr"]):
                first = eqns[i]
                n = len(first.outvars)
                outs = [a if not isinstance(a, DropVar) else b
                        for a, b in zip(first.outvars, eqn.outvars[:n])]
                subst.update((id(b), o) for b, o in zip(eqn.outvars[:n], outs) if b is not o)
                eqns[i] = Eqn(scan_p, first.inputs, p, outs + list(eqn.outvars[n:]),
                              first.source_info, first.name_stack)
                earlier[key] = i
                continue
            earlier[key] = len(eqns)
        if any(a is not b for a, b in zip(inputs, eqn.inputs)):
            eqn = Eqn(eqn.primitive, inputs, eqn.params, eqn.outvars, eqn.source_info,
                      eqn.name_stack)
        eqns.append(eqn)
    if len(eqns) == len(jaxpr.eqns):
        return closed
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, eqns,
                             [read(x) for x in jaxpr.outvars]), closed.consts)


def _extends(longer: ClosedJaxpr, shorter: ClosedJaxpr) -> bool:
    """Whether ``longer`` computes what ``shorter`` does (the very same equations and
    variables) and then more."""
    a, b = longer.jaxpr, shorter.jaxpr

    def prefix(xs, ys) -> bool:
        return len(xs) >= len(ys) and all(x is y for x, y in zip(xs, ys))

    return (len(a.invars) == len(b.invars) and prefix(a.invars, b.invars)
            and prefix(a.eqns, b.eqns) and prefix(a.outvars, b.outvars)
            and prefix(a.constvars, b.constvars) and prefix(longer.consts, shorter.consts))
