"""``fungrad.ad_checkpoint`` (``jax.ad_checkpoint``): naming values for rematerialization
policies, and seeing what reverse mode keeps.

``checkpoint_name(x, name)`` is the identity, recorded in the IR as ``name[name='...']`` so a
policy (``fungrad.checkpoint_policies``) can refer to it. ``print_saved_residuals(f, *args)``
lists the values the backward pass of ``f`` reads (what ``vjp`` keeps alive between the
forward and the backward pass).

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> print(fungrad.make_jaxpr(lambda x: checkpoint_name(fnp.sin(x), "hidden"))(np.float64(1.0)))
{ lambda ; a:f64[]. let
    b:f64[] = sin a
    c:f64[] = name[name='hidden'] b
  in (c,) }
"""
from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from fungrad.core import (
    ClosedJaxpr, DropVar, Jaxpr, Literal, Primitive, Var, bind, trace_to_jaxpr,
)
from fungrad.interpreter import eval_jaxpr_env
from fungrad.codegen import run_sub
from fungrad.jvp import jvp_jaxpr
from fungrad.passes import dce_closed
from fungrad.prims.rules import batch_elementwise, is_float, primitive
from fungrad.prims.structural import zeros
from fungrad.tree_util import tree_unflatten
from fungrad.vjp import backward_pass

__all__ = ["Offloadable", "Recompute", "Saveable", "checkpoint_name", "print_saved_residuals", "saved_residuals", "checkpoint",
           "remat", "checkpoint_policies"]

name_p = primitive("name", lambda x, name: x, lambda aval, name: aval)
# compiled code: the value itself
name_p.emit = lambda avals, name: ("{0}", {})
name_p.jvp = lambda primals, tangents, name: (bind(name_p, primals[0], name=name), tangents[0])
name_p.vjp = lambda ct, primals, out, needs, name: [ct]
batch_elementwise(name_p)


def checkpoint_name(x: Any, name: str) -> Any:
    """``x`` itself, tagged ``name`` in the IR (for ``save_only_these_names`` and the like).

    >>> import fungrad
    >>> fungrad.grad(lambda x: checkpoint_name(x * x, "sq"))(3.0)
    np.float64(6.0)
    """
    from fungrad.tree_util import tree_map
    return tree_map(lambda leaf: bind(name_p, leaf, name=name), x)


def saved_residuals(fun: Callable, *args: Any, **kwargs: Any) -> list[tuple[Any, str]]:
    """``(aval, where it comes from)`` for every value the backward pass of ``fun`` at
    ``args`` may read: the inputs and results of every operation on the path of the derivative
    (fungrad's reverse mode keeps each of them until the backward pass is past it).

    >>> import numpy as np, fungrad.numpy as fnp
    >>> [(a, why) for a, why in saved_residuals(lambda x: fnp.sum(fnp.sin(x) ** 2),
    ...                                         np.ones(3))]
    [(ShapedArray(float64[3]), 'from the argument x'), (ShapedArray(float64[3]), 'output of sin'), (ShapedArray(float64[3]), 'output of integer_pow')]
    """
    import inspect

    from fungrad.api import make_jaxpr
    from fungrad.tree_util import tree_flatten
    from fungrad.vjp import active_vars
    closed = make_jaxpr(lambda *a: fun(*a, **kwargs))(*args)
    jaxpr = closed.jaxpr
    active = active_vars(jaxpr, [True] * len(jaxpr.invars))
    try:
        params = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        params = []
    names: dict = {}
    flat_i = 0
    for i, arg in enumerate(args):
        base = params[i] if i < len(params) else f"args[{i}]"
        n = len(tree_flatten(arg)[0])
        for j in range(n):
            names[jaxpr.invars[flat_i]] = base if n == 1 else f"{base}[{j}]"
            flat_i += 1
    origin: dict = {v: f"from the argument {names.get(v, '')}".rstrip() for v in jaxpr.invars}
    origin.update({v: "a constant" for v in jaxpr.constvars})
    for eqn in jaxpr.eqns:
        for v in eqn.outvars:
            origin[v] = f"output of {eqn.primitive.name}"
    saved: list = []
    seen: set = set()
    for eqn in jaxpr.eqns:
        if eqn.primitive.nondiff or not any(isinstance(x, Var) and x in active
                                            for x in eqn.inputs):
            continue
        residuals = getattr(eqn.primitive, "residuals", None)
        if residuals is not None:  # an equation that says what it keeps (checkpoint)
            for x, why in residuals(eqn):
                if isinstance(x, Literal) or x in seen or x.aval.dtype.kind not in "fc":
                    continue
                seen.add(x)
                saved.append((x.aval, why or origin.get(x, "an intermediate")))
            continue
        # what its rule is given: the inputs and the results (a linear operation on a
        # differentiated value needs neither it nor its result)
        linear = eqn.primitive.name in _LINEAR_IN_ACTIVE
        for x in list(eqn.inputs) + ([] if linear else list(eqn.outvars)):
            if isinstance(x, Literal) or x in seen or x.aval.dtype.kind not in "fc":
                continue
            if linear and x in active:
                continue
            seen.add(x)
            saved.append((x.aval, origin.get(x, "an intermediate")))
    return saved


# operations whose derivative does not read the differentiated operand itself
_LINEAR_IN_ACTIVE = {"add", "sub", "neg", "reduce_sum", "broadcast_in_dim", "reshape",
                     "transpose", "squeeze", "convert_element_type", "name", "concatenate",
                     "slice", "pad", "rev", "gather", "copy"}


def print_saved_residuals(fun: Callable, *args: Any, **kwargs: Any) -> None:
    """Print ``saved_residuals(fun, *args)``, one line per value.

    >>> import numpy as np, fungrad.numpy as fnp
    >>> print_saved_residuals(lambda x: fnp.sum(fnp.exp(x) * x), np.ones(2))
    f64[2] from the argument x
    f64[2] output of exp
    f64[2] output of mul
    """
    for aval, why in saved_residuals(fun, *args, **kwargs):
        print(f"{aval.str_short()} {why}")


# ---------------------------------------------------------------------------------------------
# Policies: which values a checkpointed function may keep
# ---------------------------------------------------------------------------------------------

class RecomputeType:
    """The type of ``Recompute``, a policy's answer "recompute this value".

    >>> Recompute, isinstance(Recompute, RecomputeType)
    (Recompute, True)
    """

    def __repr__(self) -> str:
        return "Recompute"


class SaveableType:
    """The type of ``Saveable``, a policy's answer "keep this value".

    >>> Saveable, isinstance(Saveable, SaveableType)
    (Saveable, True)
    """

    def __repr__(self) -> str:
        return "Saveable"


Recompute = RecomputeType()
Saveable = SaveableType()


class Offloadable(NamedTuple):
    """A policy's answer "keep this value in memory ``dst`` (moved from ``src``)". On
    numpy every value lives in host memory already, so it is kept, as ``Saveable``.

    >>> Offloadable(src="device", dst="pinned_host")
    Offloadable(src='device', dst='pinned_host')
    """
    src: Any
    dst: Any


def _saves(answer: Any) -> bool:
    """A policy's answer as "keep it?": a bool, ``Saveable``, ``Recompute`` or an
    ``Offloadable(...)``, as in JAX.

    >>> _saves(True), _saves(Recompute), _saves(Saveable), _saves(Offloadable("a", "b"))
    (True, False, True, True)
    """
    if isinstance(answer, (bool, np.bool_)):
        return bool(answer)
    if answer is Saveable or isinstance(answer, Offloadable):
        return True
    if answer is Recompute:
        return False
    hint = (" Did you return `Offloadable` instead of an instantiated `Offloadable(...)`?"
            if answer is Offloadable else "")
    raise TypeError("checkpoint: the value returned by a remat policy should be a bool or "
                    "`ad_checkpoint.Recompute`, `ad_checkpoint.Saveable` or "
                    f"`ad_checkpoint.Offloadable(...)`. Got {answer!r} of type "
                    f"{type(answer).__name__}.{hint}")


class _Policy:
    """A policy as a parameter of the IR: hashable, and printed by name (a function's repr
    carries its address, which would make two prints of the same IR differ)."""

    __slots__ = ("fn", "name")

    def __init__(self, fn: Callable, name: str):
        self.fn, self.name = fn, name

    def __call__(self, prim: Any, *avals: Any, **params: Any) -> Any:
        return self.fn(prim, *avals, **params)

    def __repr__(self) -> str:
        return self.name


def _policy_name(policy: Callable) -> str:
    return repr(policy) if isinstance(policy, _Policy) else \
        getattr(policy, "__qualname__", None) or repr(policy)


def _as_policy(policy: Any) -> _Policy | None:
    if policy is None or isinstance(policy, _Policy):
        return policy
    return _Policy(policy, _policy_name(policy))


def _is_dot(prim: Any, params: dict) -> bool:
    """A matrix product: ``dot_general``, or an ``einsum`` of two or more operands."""
    name = getattr(prim, "name", "")
    return name == "dot_general" or (name == "einsum" and len(params.get("operands", ())) > 1)


class checkpoint_policies:
    """JAX's rematerialization policies, by name. A policy is called as
    ``policy(primitive, *avals, **params) -> bool`` (may this value be saved?).

    ``checkpoint(f, policy=...)`` keeps the results of the equations the policy accepts
    (when the backward pass reads them) and recomputes the rest of ``f`` in the backward
    pass; ``everything_saveable`` keeps every value (no rematerialization). The values and
    derivatives are the same whatever the policy; only memory and compute differ.

    >>> import fungrad
    >>> from fungrad.prims.structural import dot_general_p
    >>> policies = checkpoint_policies
    >>> policies.nothing_saveable(dot_general_p), policies.dots_saveable(dot_general_p)
    (False, True)
    >>> checkpoint_policies.save_only_these_names("h")(name_p, name="h")
    True
    """

    @staticmethod
    def everything_saveable(prim: Any, *avals: Any, **params: Any) -> bool:
        """Every value may be saved.

        >>> checkpoint_policies.everything_saveable(name_p)
        True
        """
        return True

    @staticmethod
    def nothing_saveable(prim: Any, *avals: Any, **params: Any) -> bool:
        """No value may be saved: recompute everything.

        >>> checkpoint_policies.nothing_saveable(name_p)
        False
        """
        return False

    @staticmethod
    def dots_saveable(prim: Any, *avals: Any, **params: Any) -> bool:
        """Results of matrix products may be saved.

        >>> from fungrad.prims.structural import dot_general_p
        >>> policy = checkpoint_policies.dots_saveable
        >>> policy(dot_general_p), policy(name_p)
        (True, False)
        """
        return _is_dot(prim, params)

    checkpoint_dots = dots_saveable

    @staticmethod
    def dots_with_no_batch_dims_saveable(prim: Any, *avals: Any, **params: Any) -> bool:
        """Results of matrix products without batch dimensions may be saved.

        >>> from fungrad.prims.structural import dot_general_p
        >>> policy = checkpoint_policies.dots_with_no_batch_dims_saveable
        >>> policy(dot_general_p, dimension_numbers=(((1,), (0,)), ((), ())))
        True
        >>> policy(dot_general_p, dimension_numbers=(((2,), (1,)), ((0,), (0,))))
        False
        """
        if not _is_dot(prim, params):
            return False
        if prim.name == "einsum":  # a batch index: in every operand and in the output
            common = set.intersection(*[set(o) for o in params["operands"]])
            return not common & set(params["output"])
        dims = params.get("dimension_numbers")
        batch = dims[1] if dims is not None else ((), ())
        return not any(batch)

    checkpoint_dots_with_no_batch_dims = dots_with_no_batch_dims_saveable

    @staticmethod
    def save_only_these_names(*names: str) -> Callable[..., bool]:
        """Only values tagged with one of ``names`` (``checkpoint_name``) may be saved.

        >>> policy = checkpoint_policies.save_only_these_names("h")
        >>> policy(name_p, name="h"), policy(name_p, name="other")
        (True, False)
        """
        wanted = set(names)
        return _Policy(lambda prim, *avals, **params: prim is name_p
                       and params.get("name") in wanted,
                       f"save_only_these_names({', '.join(map(repr, names))})")

    @staticmethod
    def save_any_names_but_these(*names: str) -> Callable[..., bool]:
        """Values tagged with any name but ``names`` may be saved.

        >>> policy = checkpoint_policies.save_any_names_but_these("h")
        >>> policy(name_p, name="h"), policy(name_p, name="other")
        (False, True)
        """
        unwanted = set(names)
        return _Policy(lambda prim, *avals, **params: prim is name_p
                       and params.get("name") not in unwanted,
                       f"save_any_names_but_these({', '.join(map(repr, names))})")

    @staticmethod
    def save_from_both_policies(a: Callable, b: Callable) -> Callable[..., bool]:
        """Saveable if either policy says so.

        >>> both = checkpoint_policies.save_from_both_policies(
        ...     checkpoint_policies.nothing_saveable, checkpoint_policies.everything_saveable)
        >>> both(name_p)
        True
        """
        return _Policy(lambda prim, *avals, **params: _saves(a(prim, *avals, **params))
                       or _saves(b(prim, *avals, **params)),
                       f"save_from_both_policies({_policy_name(a)}, {_policy_name(b)})")


    @staticmethod
    def save_anything_except_these_names(*names: str) -> Callable[..., bool]:
        """Any value may be saved (named or not) except those tagged with ``names``.

        >>> policy = checkpoint_policies.save_anything_except_these_names("h")
        >>> from fungrad.prims.elementwise import neg_p
        >>> policy(name_p, name="h"), policy(name_p, name="g"), policy(neg_p)
        (False, True, True)
        """
        unwanted = set(names)
        return _Policy(lambda prim, *avals, **params: not (prim is name_p and
                                                           params.get("name") in unwanted),
                       f"save_anything_except_these_names({', '.join(map(repr, names))})")

    @staticmethod
    def save_and_offload_only_these_names(*, names_which_can_be_saved: Sequence[str],
                                          names_which_can_be_offloaded: Sequence[str],
                                          offload_src: Any, offload_dst: Any) -> Callable:
        """``save_only_these_names``, with a second list of names answered
        ``Offloadable(offload_src, offload_dst)`` (kept: on numpy all memory is host
        memory); everything else is ``Recompute``. The two lists must not share a name.

        >>> policy = checkpoint_policies.save_and_offload_only_these_names(
        ...     names_which_can_be_saved=["a"], names_which_can_be_offloaded=["b"],
        ...     offload_src="device", offload_dst="pinned_host")
        >>> policy(name_p, name="a"), policy(name_p, name="b"), policy(name_p, name="c")
        (Saveable, Offloadable(src='device', dst='pinned_host'), Recompute)
        """
        saved, offloaded = set(names_which_can_be_saved), set(names_which_can_be_offloaded)
        both = saved & offloaded
        if both:
            raise ValueError("save_and_offload_only_these_names: the names should be "
                             "exclusive and should not intersect in names_which_can_be_saved "
                             f"and names_which_can_be_offloaded; both hold {sorted(both)}")
        offload = Offloadable(src=offload_src, dst=offload_dst)

        def policy(prim, *avals, **params):
            if prim is name_p and params.get("name") in saved:
                return Saveable
            if prim is name_p and params.get("name") in offloaded:
                return offload
            return Recompute
        return _Policy(policy, f"save_and_offload_only_these_names({sorted(saved)}, "
                               f"{sorted(offloaded)})")

    @staticmethod
    def offload_dot_with_no_batch_dims(offload_src: Any, offload_dst: Any) -> Callable:
        """``dots_with_no_batch_dims_saveable`` answering ``Offloadable(offload_src,
        offload_dst)`` for those products and ``Recompute`` for the rest.

        >>> from fungrad.prims.structural import dot_general_p
        >>> policy = checkpoint_policies.offload_dot_with_no_batch_dims("device", "host")
        >>> policy(dot_general_p, dimension_numbers=(((1,), (0,)), ((), ()))), policy(name_p)
        (Offloadable(src='device', dst='host'), Recompute)
        """
        offload = Offloadable(src=offload_src, dst=offload_dst)
        no_batch = checkpoint_policies.dots_with_no_batch_dims_saveable
        return _Policy(lambda prim, *avals, **params: offload
                       if no_batch(prim, *avals, **params) else Recompute,
                       f"offload_dot_with_no_batch_dims({offload_src!r}, {offload_dst!r})")


# ---------------------------------------------------------------------------------------------
# checkpoint (remat): recompute in the backward pass what the policy does not let us keep
# ---------------------------------------------------------------------------------------------

remat_p = Primitive("checkpoint", multiple_results=True)
remat_p.impl = lambda *args, jaxpr, num_res, policy, prevent_cse: run_sub(jaxpr, *args)
remat_p.abstract_eval = lambda *avals, jaxpr, num_res, policy, prevent_cse: jaxpr.out_avals


def _remat_emit(avals, jaxpr, num_res, policy, prevent_cse):
    """Compiled, the block is a call of its own compiled body (no per-call dispatch)."""
    from fungrad.codegen import compiled_sub  # compiled once per block, however often met
    args = ", ".join(f"{{{k}}}" for k in range(len(avals)))
    return f"{{body}}({args})", {"body": compiled_sub(jaxpr, runs=4)}


remat_p.emit = _remat_emit
# compiled code runs the block's equations in place of the call (fungrad.passes.inline_calls)
remat_p.call_jaxpr = lambda params: params["jaxpr"]


def _saveable(closed: ClosedJaxpr, policy: _Policy | None) -> list:
    """The intermediates of ``closed`` the policy lets reverse mode keep (floating-point
    results of the equations it accepts; inputs and outputs are kept anyway)."""
    if policy is None:
        return []
    jaxpr = closed.jaxpr
    kept = {id(v) for v in jaxpr.invars + jaxpr.constvars} | {id(v) for v in jaxpr.outvars}
    saved = []
    for eqn in jaxpr.eqns:
        if eqn.primitive.effect or not _saves(policy(eqn.primitive,
                                                     *[x.aval for x in eqn.inputs],
                                                     **eqn.params)):
            continue
        for v in eqn.outvars:
            if is_float(v.aval) and id(v) not in kept and not isinstance(v, DropVar):
                kept.add(id(v))
                saved.append(v)
    return saved


def _backward_jaxpr(closed: ClosedJaxpr, saved: list, n_out: int, needs: list,
                    nonzero: Sequence[bool] | None = None) -> ClosedJaxpr:
    """The backward pass of ``closed``'s first ``n_out`` outputs as a jaxpr taking
    ``(*inputs, *saved values, *their cotangents)``: it recomputes every value that was not
    saved (an equation whose results were all saved is not run again) and returns the
    cotangents of the inputs ``needs`` asks for. (The saved values are outputs of the forward
    equation too: a second derivative sends cotangents to them.) Only the cotangents of the
    outputs ``nonzero`` marks (all by default) are inputs; the others are zero."""
    nonzero = [True] * n_out if nonzero is None else list(nonzero)
    jaxpr = closed.jaxpr
    saved_ids = {id(v) for v in saved}
    rerun = [e for e in jaxpr.eqns if not all(id(v) in saved_ids for v in e.outvars)]
    forward = Jaxpr(jaxpr.constvars, list(jaxpr.invars) + list(saved), rerun, jaxpr.outvars)
    body = Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.eqns, jaxpr.outvars[:n_out])
    n_in, n_saved = len(jaxpr.invars), len(saved)
    out_avals = [v.aval for v in jaxpr.outvars[:n_out]]
    diff_avals = [v.aval.strip_weak() for v, need in zip(jaxpr.invars, needs) if need]

    def backward(*args):
        ins, given = args[:n_in + n_saved], iter(args[n_in + n_saved:])
        cts = [next(given) if nz else None for nz in nonzero]
        env = eval_jaxpr_env(forward, closed.consts, ins)
        in_cts = backward_pass(body, env, needs, cts)
        in_cts = [ct for ct, need in zip(in_cts, needs) if need]
        return [zeros(a.shape, a.dtype) if ct is None else ct
                for ct, a in zip(in_cts, diff_avals)]

    in_avals = [v.aval for v in jaxpr.invars] + [v.aval for v in saved] + \
        [a.strip_weak() for a, nz in zip(out_avals, nonzero) if nz]
    bwd, _ = trace_to_jaxpr(backward, in_avals, abstract=True, description="checkpoint vjp")
    return dce_closed(bwd)


def _with_residuals(closed: ClosedJaxpr, policy: _Policy | None) -> tuple[ClosedJaxpr, int]:
    """``closed`` returning, after its outputs, the values the policy saves and its backward
    pass reads (a saveable value nobody's derivative reads is not kept)."""
    saved = _saveable(closed, policy)
    if not saved:
        return closed, 0
    n_out, n_in = len(closed.jaxpr.outvars), len(closed.jaxpr.invars)
    needs = [is_float(v.aval) for v in closed.jaxpr.invars]
    bwd = _backward_jaxpr(closed, saved, n_out, needs)
    read = {id(x) for e in bwd.jaxpr.eqns for x in e.inputs} | \
        {id(v) for v in bwd.jaxpr.outvars}
    saved = [v for v, inv in zip(saved, bwd.jaxpr.invars[n_in:]) if id(inv) in read]
    jaxpr = closed.jaxpr
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.eqns,
                             list(jaxpr.outvars) + saved), closed.consts), len(saved)


def _remat_jvp(primals, tangents, jaxpr, num_res, policy, prevent_cse):
    nonzero = [t is not None for t in tangents]
    new, _ = jvp_jaxpr(jaxpr, nonzero, instantiate=True)
    outs = bind(remat_p, *primals, *[t for t in tangents if t is not None], jaxpr=new,
                num_res=0, policy=policy, prevent_cse=prevent_cse)
    n = len(jaxpr.out_avals)
    touts = iter(outs[n:])
    return outs[:n], [next(touts) if is_float(a) else None for a in jaxpr.out_avals]


def _remat_vjp(cts, primals, outs, needs, jaxpr, num_res, policy, prevent_cse):
    # the backward pass recomputes the body's values from its inputs and the residuals the
    # policy saved (the extra outputs of the forward equation)
    n_out = len(jaxpr.out_avals) - num_res
    saved = jaxpr.jaxpr.outvars[n_out:]
    # a float output no cotangent reaches (remat_p.symbolic_zero_cotangents) adds nothing:
    # it is left out rather than a zero array added in
    cts = [c if c is not None or is_float(a) else zeros(a.shape, a.dtype)
           for c, a in zip(cts, jaxpr.out_avals)]
    nonzero = [c is not None for c in cts]
    bwd = _backward_jaxpr(jaxpr, list(saved), len(cts), list(needs), nonzero)
    in_cts = iter(bind(remat_p, *primals, *outs[n_out:], *[c for c in cts if c is not None],
                       jaxpr=bwd, num_res=0, policy=policy, prevent_cse=prevent_cse))
    return [next(in_cts) if need else None for need in needs]


def _remat_batch(args, batched, size, jaxpr, **params):
    # the block batched as a whole (not example by example), so collectives inside it see
    # the whole mapped axis
    from fungrad.vmap import batch_jaxpr  # the transform sits above this module
    new, out_batched = batch_jaxpr(jaxpr, batched, size)
    return bind(remat_p, *args, jaxpr=new, **params), out_batched


remat_p.jvp = _remat_jvp
remat_p.vjp = _remat_vjp
remat_p.symbolic_zero_cotangents = True  # _remat_vjp takes None for a zero cotangent
remat_p.batch = _remat_batch


def _remat_residuals(eqn) -> list:
    """What reverse mode keeps of a ``checkpoint`` equation: its inputs and the residuals
    the policy saved (``saved_residuals`` asks), with where each comes from."""
    closed = eqn.params["jaxpr"]
    n_res = eqn.params["num_res"]
    n_out = len(eqn.outvars) - n_res
    producer = {id(v): e for e in closed.jaxpr.eqns for v in e.outvars}
    kept = [(x, None) for x in eqn.inputs]
    for v, inner in zip(eqn.outvars[n_out:], closed.jaxpr.outvars[n_out:]):
        e = producer.get(id(inner))
        why = None if e is None else (f"named {e.params['name']!r}" if e.primitive is name_p
                                      else f"output of {e.primitive.name}")
        kept.append((v, why))
    return kept


remat_p.residuals = _remat_residuals


def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy: Any = None,
               static_argnums: Sequence[int] = ()) -> Callable:
    """Rematerialization (``jax.checkpoint``, alias ``remat``): reverse mode keeps ``fun``'s
    inputs and, with a ``policy`` (``fungrad.checkpoint_policies``), the intermediates the
    policy accepts and the backward pass reads; everything else is recomputed in the
    backward pass (less memory, more compute, the same values). Without a policy nothing
    else is kept; ``everything_saveable`` keeps every value (no rematerialization).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> def layer(w, x):
    ...     return fnp.sin(fnp.dot(w, x))
    >>> w, x = np.ones((2, 2)), np.ones(2)
    >>> print_saved_residuals(fungrad.checkpoint(layer), w, x)
    f64[2,2] from the argument w
    f64[2] from the argument x
    >>> policy = fungrad.checkpoint_policies.dots_saveable
    >>> print_saved_residuals(fungrad.checkpoint(layer, policy=policy), w, x)
    f64[2,2] from the argument w
    f64[2] from the argument x
    f64[2] output of dot_general
    >>> g = fungrad.grad(lambda x: fnp.sum(fungrad.checkpoint(layer, policy=policy)(w, x)))
    >>> np.allclose(g(x), fungrad.grad(lambda x: fnp.sum(layer(w, x)))(x))
    True
    """
    from fungrad.custom_derivatives import _trace_call
    static_argnums = tuple(static_argnums)
    if policy is not None and not callable(policy):
        raise TypeError(f"checkpoint: policy must be a function (prim, *avals, **params) -> "
                        f"bool, such as fungrad.checkpoint_policies.nothing_saveable; got "
                        f"{type(policy).__name__} {policy!r:.60}")
    if policy is checkpoint_policies.everything_saveable or \
            getattr(policy, "__name__", "") == "everything_saveable":
        return fun  # keeping every value is what reverse mode does without checkpoint
    policy = _as_policy(policy)

    @functools.wraps(fun, updated=())
    def wrapped(*args):
        traced = _trace_call(fun, args, static_argnums, "checkpoint")
        if traced is None:
            return fun(*args)
        _, flat, in_tree, jaxpr, consts, out_tree = traced
        body, num_res = _with_residuals(ClosedJaxpr(jaxpr, []), policy)
        # the closed-over values become leading inputs of the body
        outs = bind(remat_p, *consts, *flat, jaxpr=body, num_res=num_res, policy=policy,
                    prevent_cse=prevent_cse)
        return tree_unflatten(out_tree, outs[:len(outs) - num_res])

    return wrapped


remat = checkpoint
