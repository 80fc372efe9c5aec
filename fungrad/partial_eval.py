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

from fungrad.core import ClosedJaxpr, DropVar, Eqn, Jaxpr, Literal, ShapedArray
from fungrad.passes import _atom_key, _params_key

__all__ = ["split_vjp", "merge_extended_scans"]


class SplitVjp:
    """The two halves of a body's vjp (see ``split_vjp``).

    * ``forward``: the body, then the residuals: ``(*ins) -> (*outs, *residuals)``;
    * ``residual_avals``: their abstract values (each stacked along the loop by the scan);
    * ``backward``: ``(*consts, *residuals, *xs, *cts) -> (*input cotangents)``, a Jaxpr whose
      constants are ``backward_consts``.
    """

    __slots__ = ("forward", "residual_avals", "backward", "backward_consts")

    def __init__(self, forward, residual_avals, backward, backward_consts):
        self.forward = forward
        self.residual_avals = residual_avals
        self.backward = backward
        self.backward_consts = backward_consts


def split_vjp(body: ClosedJaxpr, vjp: ClosedJaxpr, num_consts: int, num_carry: int,
              num_xs: int) -> SplitVjp | None:
    """Split ``vjp`` (``vjp_jaxpr`` of ``body``, whose inputs are ``num_consts`` loop
    constants, ``num_carry`` carries and ``num_xs`` per-step inputs) into the forward body
    with residuals and the backward body reading them. The loop constants and the per-step
    inputs are available to the backward loop anyway and are never residuals.

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
                                                   dict(zip(map(id, primal_in), fwd.invars)))
    forward = ClosedJaxpr(
        Jaxpr(list(fwd.constvars) + list(v.constvars), fwd.invars, forward_eqns,
              list(fwd.outvars) + [out_of(r) for r in residuals]),
        list(body.consts) + list(vjp.consts))
    backward = Jaxpr(v.constvars, list(consts_in) + residuals + list(xs_in) + list(ct_in),
                     unknown_eqns, v.outvars)
    return SplitVjp(forward, [ShapedArray(r.aval.shape, r.aval.dtype) for r in residuals],
                    backward, list(vjp.consts))


def _extend_without_repeats(eqns: Sequence[Eqn], extra: Sequence[Eqn], subst: dict):
    """``eqns`` followed by the ``extra`` equations (their inputs renamed by ``subst``, id ->
    var), leaving out each extra equation that repeats one already there (the vjp's
    recomputation of the forward pass repeats the body). Returns the equations and the
    renaming of the extra equations' variables."""
    def key(eqn, inputs):
        return (eqn.primitive, tuple(_atom_key(x) for x in inputs), _params_key(eqn.params))

    def rename(x):
        return x if type(x) is Literal else subst.get(id(x), x)

    table = {key(e, e.inputs): e.outvars for e in eqns if not e.primitive.effect}
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
