"""Structured control flow: ``cond``/``switch``, ``while_loop``/``fori_loop`` and ``scan``.

Unlike Python ``if``/``while`` on traced values (which fungrad records as guards, specializing
the IR to the path taken), these keep every branch and the loop body in the IR as sub-jaxprs,
so one IR serves all values. Each primitive carries its own rules, written as IR -> IR
transforms of its sub-jaxprs: the jvp of a ``cond`` is a ``cond`` of jvp'd branches, the
reverse of a ``scan`` is a reversed ``scan`` of the body's vjp.

>>> import numpy as np, fungrad
>>> fungrad.lax.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(3.0))
(np.float64(3.0), array([0., 0., 2.]))
"""
from __future__ import annotations

import operator
from typing import Any, Callable, Sequence

import numpy as np

from fungrad.core import (
    ClosedJaxpr, Jaxpr, Primitive, ShapedArray, Tracer, Var, bind, get_aval, trace_to_jaxpr,
)
from fungrad.core import _config as _flags
from fungrad.interpreter import eval_jaxpr
from fungrad.codegen import run_sub
from fungrad.jvp import jvp_jaxpr
from fungrad.partial_eval import keep_checkpointed_carries, split_vjp
from fungrad.prims.elementwise import (
    add, convert_element_type, eq, maximum, minimum, ne, select, stop_gradient_p,
)
from fungrad.prims.rules import is_float
from fungrad.prims.structural import reduce_or, reshape, zeros
from fungrad.traceback_util import api_boundary
from fungrad.tree_util import tree_flatten, tree_unflatten
from fungrad.vjp import vjp_jaxpr
from fungrad.vmap import _move_axis, batch_jaxpr, broadcast_batch, holds_collective
# the scan's loop, run (re-exported: the caches are cleared and bounded from here too)
from fungrad.scan_loop import (  # noqa: F401
    MAX_COMPILED_LOOPS, _compiled_loops, _scan_interpreted, _scan_loop,
)

__all__ = ["cond", "switch", "while_loop", "fori_loop", "scan"]


# ---------------------------------------------------------------------------------------------
# Tracing the sub-functions
# ---------------------------------------------------------------------------------------------

def _as_strong(x):
    """Loop carries get a fixed dtype: a Python scalar becomes a numpy value."""
    return np.asarray(x) if type(x) in (bool, int, float, complex) else x


def _trace_sub(fun: Callable, in_tree, in_avals: Sequence[ShapedArray], what: str):
    """Trace ``fun`` on abstract values; returns (jaxpr whose consts became leading invars,
    the consts, the output tree)."""
    out_tree_box = []

    def flat_fun(*flat):
        out = fun(*tree_unflatten(in_tree, flat))
        leaves, tree = tree_flatten(out)
        out_tree_box.append(tree)
        return [_as_strong(x) for x in leaves]

    closed, _ = trace_to_jaxpr(flat_fun, list(in_avals), abstract=True, description=what)
    jaxpr = closed.jaxpr
    # closure conversion: the values the function closed over become explicit inputs, so
    # the enclosing trace sees them flow in (and transforms differentiate through them)
    converted = Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.eqns, jaxpr.outvars)
    return converted, list(closed.consts), out_tree_box[0]


def _types(avals) -> str:
    return "(" + ", ".join(a.str_short() for a in avals) + ")"


def _same_types(a: Sequence[ShapedArray], b: Sequence[ShapedArray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and x.dtype == y.dtype
                                    for x, y in zip(a, b))


def _check_same(what: str, first: str, tree_a, avals_a, second: str, tree_b, avals_b):
    """A TypeError naming both sides when two sub-functions' outputs do not agree."""
    if tree_a != tree_b or not _same_types(avals_a, avals_b):
        raise TypeError(f"{what} must have the same tree structure, shapes and dtypes: "
                        f"{first} is {tree_a} with types {_types(avals_a)} but {second} is "
                        f"{tree_b} with types {_types(avals_b)}")


def _with_extra_invars(jaxpr: Jaxpr, before: Sequence[ShapedArray] = (),
                       after: Sequence[ShapedArray] = ()) -> Jaxpr:
    """The same jaxpr taking extra (unused) inputs before and after its own."""
    return Jaxpr(jaxpr.constvars,
                 [Var(a) for a in before] + jaxpr.invars + [Var(a) for a in after],
                 jaxpr.eqns, jaxpr.outvars)


def _closed(jaxpr: Jaxpr) -> ClosedJaxpr:
    return ClosedJaxpr(jaxpr, [])


def _zeros_for(aval: ShapedArray):
    return zeros(aval.shape, aval.dtype)


# ---------------------------------------------------------------------------------------------
# cond / switch
# ---------------------------------------------------------------------------------------------

cond_p = Primitive("cond", multiple_results=True)


def _cond_impl(index, *args, branches, summed=False):
    i = int(np.clip(int(index), 0, len(branches) - 1))
    return run_sub(branches[i], *args)


def _cond_abstract(index, *avals, branches, summed=False):
    if index.dtype.kind not in "iu" or index.shape != ():
        raise TypeError(f"cond: the branch index must be an integer scalar, got "
                        f"{index.str_short()}")
    return branches[0].out_avals


cond_p.impl = _cond_impl
cond_p.abstract_eval = _cond_abstract


def _fun_where(fun: Callable) -> str:
    """``name at file:line`` of a user's function, as JAX's messages name them."""
    code = getattr(fun, "__code__", None)
    name = getattr(fun, "__name__", type(fun).__name__)
    return f"{name} at {code.co_filename}:{code.co_firstlineno}" if code else name


def _branch_mismatch(what: str, names: Sequence[str], funs: Sequence[Callable], ref: int,
                     i: int, trees, avals) -> str | None:
    """JAX's message when branch ``i``'s outputs differ from branch ``ref``'s: both
    functions named, and how the structures or the types differ (None: they agree)."""
    a, b = names[ref], names[i]
    intro = f"{a} is {_fun_where(funs[ref])}\n{b} is {_fun_where(funs[i])}\n\n"
    if trees[ref] != trees[i]:
        def kind(tree):
            return "a pytree leaf" if tree.node_type is None else f"a {tree.node_type}"
        return (f"{what} branch outputs must have the same pytree structure, but they "
                f"differ:\n\n{intro}{a} output is {kind(trees[ref])}, {trees[ref]} of types "
                f"{_types(avals[ref])}, but {b} output is {kind(trees[i])}, {trees[i]} of "
                f"types {_types(avals[i])}."
                f"\n\nRevise {a} and/or {b} so that they have the same pytree structure.")
    for k, (x, y) in enumerate(zip(avals[ref], avals[i])):
        if x.shape != y.shape or x.dtype != y.dtype:
            differ = "shapes" if x.shape != y.shape else "dtypes"
            return (f"{what} branches must have equal output types but they differ.\n\n"
                    f"{intro}The output of {a} has type {x.str_short()} but the "
                    f"corresponding output of {b} has type {y.str_short()}, so the {differ} "
                    f"do not match (output {k}; all outputs: {a} gives {_types(avals[ref])}, "
                    f"{b} gives {_types(avals[i])}).\n\nRevise {a} and/or {b} so that all "
                    "output types match.")
    return None


@api_boundary
def switch(index, branches: Sequence[Callable], *operands):
    """Apply ``branches[index](*operands)``, the index clamped to the valid range; every
    branch is traced and kept in the IR.

    >>> import fungrad
    >>> fungrad.lax.switch(5, [lambda x: x + 1.0, lambda x: x * 10.0], 2.0)
    np.float64(20.0)
    """
    return _switch(index, list(branches), operands, "switch",
                   [f"branch {i}" for i in range(len(branches))])


def _switch(index, branches: list, operands: tuple, what: str, names: Sequence[str],
            ref: int = 0):
    if not branches:
        raise ValueError("switch: need at least one branch")
    flat, in_tree = tree_flatten(operands)
    flat = [_as_strong(x) for x in flat]
    avals = [get_aval(x) for x in flat]
    traced = [_trace_sub(b, in_tree, avals, f"branch {i} of switch/cond")
              for i, b in enumerate(branches)]
    out_tree = traced[0][2]
    trees = [tree for _, _, tree in traced]
    all_avals = [[v.aval for v in jx.outvars] for jx, _, _ in traced]
    for i in range(len(traced)):
        problem = i != ref and _branch_mismatch(what, names, branches, ref, i, trees,
                                                all_avals)
        if problem:
            raise TypeError(problem)
    # every branch takes every branch's closed-over values, then the operands
    all_consts = [c for _, consts, _ in traced for c in consts]
    const_avals = [[get_aval(c) for c in consts] for _, consts, _ in traced]
    jaxprs = []
    for i, (jx, _, _) in enumerate(traced):
        before = [a for avals_ in const_avals[:i] for a in avals_]
        after_consts = [a for avals_ in const_avals[i + 1:] for a in avals_]
        own = jx.invars[:len(const_avals[i])]
        rest = jx.invars[len(const_avals[i]):]
        invars = [Var(a) for a in before] + own + [Var(a) for a in after_consts] + rest
        jaxprs.append(_closed(Jaxpr([], invars, jx.eqns, jx.outvars)))
    index = _as_index(index)
    outs = bind(cond_p, index, *all_consts, *flat, branches=tuple(jaxprs))
    return tree_unflatten(out_tree, outs)


def _as_index(index):
    if isinstance(index, Tracer):
        if index.dtype.kind == "b":
            return convert_element_type(index, np.int32)
        if index.dtype.kind not in "iu":
            raise TypeError(f"switch: the index must be an integer, got {index.aval.str_short()}")
        return index
    arr = np.asarray(index)
    if arr.shape != () or arr.dtype.kind not in "biu":
        raise TypeError(f"switch/cond: the index/predicate must be a boolean or integer scalar,"
                        f" got {arr.dtype}{list(arr.shape)}")
    return np.int32(arr)


@api_boundary
def cond(pred, true_fun: Callable, false_fun: Callable, *operands):
    """``true_fun(*operands) if pred else false_fun(*operands)``, with both branches kept
    in the IR (so it works on abstract values, and one IR serves both outcomes).

    >>> import fungrad
    >>> fungrad.lax.cond(False, lambda x: x + 1.0, lambda x: x - 1.0, 1.0)
    np.float64(0.0)
    """
    if isinstance(pred, Tracer) and (pred.shape != () or pred.dtype != np.bool_):
        if pred.shape != ():
            raise TypeError(f"cond: the predicate must be a scalar, got {pred.aval.str_short()}")
    if np.dtype(getattr(pred, "dtype", type(pred))).kind in "iu":
        pred = ne(pred, 0)  # any nonzero integer is true (a plain index would clamp -1 to 0)
    # branch 0 is taken for False; true_fun is the one the messages start from, as JAX's
    return _switch(pred, [false_fun, true_fun], operands, "cond", ["false_fun", "true_fun"],
                   ref=1)


def _summed(summed: bool) -> dict:
    """The ``summed`` param of a cond, present only where true (see ``_cond_vjp``)."""
    return {"summed": True} if summed else {}


def _cond_jvp(primals, tangents, branches, summed=False):
    index, *args = primals
    nonzero = [t is not None for t in tangents[1:]]
    new = [jvp_jaxpr(b, nonzero, instantiate=True)[0] for b in branches]
    tangent_args = [t for t in tangents[1:] if t is not None]
    outs = bind(cond_p, index, *args, *tangent_args, branches=tuple(new), **_summed(summed))
    n = len(branches[0].out_avals)
    primal_out, tangent_out = outs[:n], iter(outs[n:])
    return primal_out, [next(tangent_out) if is_float(a) else None
                        for a in branches[0].out_avals]


def _cond_vjp(cts, primals, ans, needs, branches, summed=False):
    index, *args = primals
    differentiated = list(needs[1:])
    if not any(differentiated):
        return [None] * len(primals)
    cts = [ct if ct is not None else _zeros_for(a) for ct, a in zip(cts, branches[0].out_avals)]
    new = [vjp_jaxpr(b, differentiated) for b in branches]
    if not summed and holds_collective({"branches": branches}):
        # Under vmap with a batched index every branch runs on every example, and through
        # its collectives the examples taking a branch depend on those that do not: the
        # cotangent of an example is the sum of what every branch gives it. So each
        # backward branch keeps only its own examples' output cotangents (a no-op unbatched,
        # where one branch runs for all), and the backward cond is ``summed``: batched, its
        # branches' results add up instead of one being selected per example. (A summed
        # cond's own backward pass is the sum of its branches' and needs no masking.)
        new = [_masking_cotangents(b, i, len(cts), get_aval(index).strip_weak())
               for i, b in enumerate(new)]
        args = [_clamp_index(index, len(branches))] + list(args)
        summed = True
    in_cts = iter(bind(cond_p, index, *args, *cts, branches=tuple(new), **_summed(summed)))
    return [None] + [next(in_cts) if d else None for d in differentiated]


def _masking_cotangents(backward: ClosedJaxpr, i: int, n_cts: int,
                        index_aval: ShapedArray) -> ClosedJaxpr:
    """Backward branch ``i`` taking the clamped branch index first, its last ``n_cts``
    inputs (the cotangents) zeroed unless that index is ``i``."""
    avals = backward.in_avals
    n_args = len(avals) - n_cts

    def masked(index, *flat):
        taken = eq(index, i)
        cts = [select(taken, ct, _zeros_for(a)) for ct, a in zip(flat[n_args:], avals[n_args:])]
        return eval_jaxpr(backward.jaxpr, backward.consts, *flat[:n_args], *cts)

    closed, _ = trace_to_jaxpr(masked, [index_aval] + list(avals),
                               abstract=True, description="a backward branch of cond")
    return closed


cond_p.jvp = _cond_jvp
cond_p.vjp = _cond_vjp


# ---------------------------------------------------------------------------------------------
# while_loop / fori_loop
# ---------------------------------------------------------------------------------------------

while_p = Primitive("while", multiple_results=True)


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cond_consts = args[:cond_nconsts]
    body_consts = args[cond_nconsts:cond_nconsts + body_nconsts]
    carry = list(args[cond_nconsts + body_nconsts:])
    while run_sub(cond_jaxpr, *cond_consts, *carry, runs=4)[0]:
        carry = run_sub(body_jaxpr, *body_consts, *carry, runs=4)
    return carry


def _while_abstract(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    return body_jaxpr.out_avals


while_p.impl = _while_impl
while_p.abstract_eval = _while_abstract


@api_boundary
def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any):
    """``while cond_fun(val): val = body_fun(val)``, kept in the IR as one ``while``.
    Differentiable in forward mode; reverse mode needs a bounded loop (``scan`` or a
    ``fori_loop`` with Python-int bounds).

    >>> import fungrad
    >>> fungrad.lax.while_loop(lambda x: x < 10.0, lambda x: x * 2.0, 1.0)
    np.float64(16.0)
    """
    flat, in_tree = tree_flatten(init_val)
    args_tree = tree_flatten((init_val,))[1]  # the sub-functions take the carry as one arg
    flat = [_as_strong(x) for x in flat]
    avals = [get_aval(x).strip_weak() for x in flat]
    cond_jx, cond_consts, cond_tree = _trace_sub(cond_fun, args_tree, avals, "cond_fun of "
                                                 "while_loop")
    out_avals = [v.aval for v in cond_jx.outvars]
    if len(out_avals) != 1 or out_avals[0].shape != () or out_avals[0].dtype != np.bool_:
        raise TypeError(f"while_loop: cond_fun must return a boolean scalar, got "
                        f"{_types(out_avals)}")
    body_jx, body_consts, body_tree = _trace_sub(body_fun, args_tree, avals, "body_fun of "
                                                 "while_loop")
    _check_same("while_loop: body_fun's output and the carry", "the carry", in_tree, avals,
                "body_fun's output", body_tree, [v.aval for v in body_jx.outvars])
    outs = bind(while_p, *cond_consts, *body_consts, *flat, cond_jaxpr=_closed(cond_jx),
                body_jaxpr=_closed(body_jx), cond_nconsts=len(cond_consts),
                body_nconsts=len(body_consts))
    return tree_unflatten(in_tree, outs)


def _while_jvp(primals, tangents, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    nc, nb = cond_nconsts, body_nconsts
    cond_consts, body_consts = primals[:nc], primals[nc:nc + nb]
    carry = primals[nc + nb:]
    body_const_t = tangents[nc:nc + nb]
    carry_avals = body_jaxpr.out_avals
    float_carry = [is_float(a) for a in carry_avals]
    const_nz = [t is not None for t in body_const_t]
    # every float carry gets a tangent (a zero one if none came in): the loop's fixed point
    carry_t = [(t if t is not None else _zeros_for(a)) for t, a, f in
               zip(tangents[nc + nb:], carry_avals, float_carry) if f]
    body_jvp, _ = jvp_jaxpr(body_jaxpr, const_nz + float_carry, instantiate=True)
    # jvp_jaxpr's inputs are (consts, carry, const tangents, carry tangents): reorder them to
    # the while's (consts + const tangents, carry + carry tangents)
    jx = body_jvp.jaxpr
    n_ct = sum(const_nz)
    ins = jx.invars
    reordered = ins[:nb] + ins[nb + len(carry):nb + len(carry) + n_ct] + \
        ins[nb:nb + len(carry)] + ins[nb + len(carry) + n_ct:]
    # transformed sub-jaxprs may hold constants (instantiated zeros): keep them
    new_body = ClosedJaxpr(Jaxpr(jx.constvars, reordered, jx.eqns, jx.outvars), body_jvp.consts)
    new_cond = _with_extra_invars(cond_jaxpr.jaxpr,
                                  after=[a.strip_weak() for a, f in zip(carry_avals, float_carry)
                                         if f])
    const_t = [t for t in body_const_t if t is not None]
    outs = bind(while_p, *cond_consts, *body_consts, *const_t, *carry, *carry_t,
                cond_jaxpr=ClosedJaxpr(new_cond, cond_jaxpr.consts), body_jaxpr=new_body,
                cond_nconsts=nc, body_nconsts=nb + n_ct)
    n = len(carry)
    out_t = iter(outs[n:])
    return outs[:n], [next(out_t) if f else None for f in float_carry]


def _while_vjp(*args, **params):
    raise ValueError(
        "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with "
        "dynamic start/stop values. Try using lax.scan, or using fori_loop with static "
        "start/stop (Python ints), or forward mode (jvp, jacfwd).")


while_p.jvp = _while_jvp
while_p.vjp = _while_vjp


@api_boundary
def fori_loop(lower, upper, body_fun: Callable, init_val: Any, *,
              unroll: int | bool | None = None):
    """``for i in range(lower, upper): val = body_fun(i, val)``. With Python-int bounds it
    is a ``scan`` (reverse-differentiable); with traced bounds a ``while_loop``.

    ``unroll`` is accepted as in JAX (validated like ``scan``'s; with traced bounds only
    ``None``, ``False``, ``True`` or 1): in JAX it is a performance hint for XLA, and fungrad
    runs the same loop whatever its value, so results never depend on it.

    >>> import fungrad
    >>> fungrad.lax.fori_loop(0, 4, lambda i, x: x + i, 0.0)
    np.float64(6.0)
    >>> fungrad.lax.fori_loop(0, 5, lambda i, x: x * 2, 1.0, unroll=True)
    np.float64(32.0)
    """
    if not isinstance(lower, Tracer) and not isinstance(upper, Tracer):
        _check_unroll("fori_loop", 1 if unroll is None else unroll)
        lo, hi = int(lower), int(upper)

        def step(carry, _):
            i, val = carry
            # the index is weakly typed, like range()'s Python ints: a float32 carry
            # plus i stays float32
            return (i + 1, body_fun(convert_element_type(i, np.int64, weak_type=True), val)), None

        (_, val), _ = scan(step, (np.int64(lo), init_val), None, length=max(hi - lo, 0))
        return val

    def body(carry):
        i, val = carry
        return i + 1, body_fun(i, val)

    if unroll is not None and unroll is not False and unroll != 1:
        raise ValueError("Can only use `unroll` in `fori_loop` if the loop bounds are "
                         f"statically known; got unroll={unroll!r} with traced bounds.")
    start = lower if isinstance(lower, Tracer) else np.int64(lower)
    _, val = while_loop(lambda c: c[0] < upper, body, (start, init_val))
    return val


# ---------------------------------------------------------------------------------------------
# scan
# ---------------------------------------------------------------------------------------------

scan_p = Primitive("scan", multiple_results=True)


def _scan_impl(*args, jaxpr, length, reverse, num_consts, num_carry):
    if _flags["debug_nans"] or length == 0:  # equation by equation, each result checked
        return _scan_interpreted(*args, jaxpr=jaxpr, length=length, reverse=reverse,
                                 num_consts=num_consts, num_carry=num_carry)
    return _scan_loop(jaxpr, length, reverse, num_consts, num_carry)(*args)


def _scan_abstract(*avals, jaxpr, length, reverse, num_consts, num_carry):
    outs = jaxpr.out_avals
    for a in avals[num_consts + num_carry:]:
        if not a.shape or a.shape[0] != length:
            raise ValueError(f"scan: every xs leaf needs leading axis of length {length}, "
                             f"got {a.str_short()}")
    return outs[:num_carry] + [ShapedArray((length,) + a.shape, a.dtype)
                               for a in outs[num_carry:]]


scan_p.impl = _scan_impl


def _scan_emit(avals, jaxpr, length, reverse, num_consts, num_carry):
    """Compiled, a scan is a call of its generated loop (see ``_scan_loop``)."""
    if length < 1:
        return None
    args = ", ".join(f"{{{k}}}" for k in range(len(avals)))
    return f"{{loop}}({args})", {"loop": _scan_loop(jaxpr, length, reverse, num_consts,
                                                    num_carry, compile_now=True)}


scan_p.emit = _scan_emit
scan_p.abstract_eval = _scan_abstract


def _check_unroll(what: str, unroll: Any) -> None:
    """JAX's check of ``unroll``: a bool or a non-negative int."""
    if isinstance(unroll, (bool, np.bool_)):
        return
    try:
        unroll = operator.index(unroll)
    except TypeError:
        raise TypeError(f"{what}: `unroll` must be a `bool` or a non-negative `int`, got "
                        f"{type(unroll).__name__} {unroll!r}") from None
    if unroll < 0:
        raise ValueError(f"{what}: `unroll` must be a `bool` or a non-negative `int`, got "
                         f"{unroll}.")


@api_boundary
def scan(f: Callable, init: Any, xs: Any = None, length: int | None = None,
         reverse: bool = False, unroll: int | bool = 1, _split_transpose: bool = False):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``, stacking the ``y``s:
    returns ``(final carry, stacked ys)``. Kept in the IR as one ``scan``; reverse mode saves
    the carry of every step.

    ``unroll`` (a bool or a non-negative int, checked as JAX checks it) and
    ``_split_transpose`` are accepted for JAX compatibility: in JAX they are performance
    hints for XLA; fungrad runs the same loop whatever their values, so results never depend
    on them (and the IR does not record them).

    >>> import numpy as np, fungrad
    >>> fungrad.lax.scan(lambda c, x: (c * x, c), 1.0, np.array([2.0, 3.0]))
    (np.float64(6.0), array([1., 2.]))
    >>> fungrad.lax.scan(lambda c, x: (c + x, c + x), 0.0, np.arange(1.0, 5.0), unroll=2)
    (np.float64(10.0), array([ 1.,  3.,  6., 10.]))
    """
    _check_unroll("scan", unroll)
    xs_flat, xs_tree = tree_flatten(xs)
    lengths = {get_aval(x).shape[0] for x in xs_flat if get_aval(x).shape}
    if any(get_aval(x).shape == () for x in xs_flat):
        raise ValueError("scan: xs leaves must have a leading axis to scan over, got a scalar")
    if length is None:
        if not lengths:
            raise ValueError("scan: give length= when xs is None")
        if len(lengths) > 1:
            raise ValueError(f"scan: xs leaves have different leading lengths {sorted(lengths)}")
        length = lengths.pop()
    elif lengths and lengths != {length}:
        raise ValueError(f"scan: length={length} does not match the xs leading lengths "
                         f"{sorted(lengths)}")
    length = int(length)
    carry_flat, carry_tree = tree_flatten(init)
    carry_flat = [_as_strong(c) for c in carry_flat]
    carry_avals = [get_aval(c).strip_weak() for c in carry_flat]
    x_avals = [ShapedArray(get_aval(x).shape[1:], get_aval(x).dtype) for x in xs_flat]
    n_carry = len(carry_flat)

    def flat_body(*flat):
        carry = tree_unflatten(carry_tree, flat[:n_carry])
        x = tree_unflatten(xs_tree, flat[n_carry:])
        return f(carry, x)

    jx, consts, out_tree = _trace_sub(flat_body, _flat_tree(n_carry + len(xs_flat)),
                                      carry_avals + x_avals, "the body of scan")
    if out_tree.node_type is not tuple or len(out_tree.children) != 2:
        raise TypeError(f"scan: f must return a pair (carry, y), got {out_tree}")
    new_carry_tree = out_tree.children[0]
    out_avals = [v.aval for v in jx.outvars]
    _check_same("scan: the carry f returns and init", "init", carry_tree, carry_avals,
                "the carry f returns", new_carry_tree, out_avals[:n_carry])
    outs = bind(scan_p, *consts, *carry_flat, *xs_flat, jaxpr=_closed(jx), length=length,
                reverse=bool(reverse), num_consts=len(consts), num_carry=n_carry)
    carry_out = tree_unflatten(carry_tree, outs[:n_carry])
    ys = tree_unflatten(out_tree.children[1], outs[n_carry:])
    return carry_out, ys


def _flat_tree(n: int):
    """The tree of a flat tuple of ``n`` leaves (the body is traced on flat arguments)."""
    return tree_flatten(tuple(range(n)))[1]


def _scan_jvp(primals, tangents, jaxpr, length, reverse, num_consts, num_carry):
    nc, nk = num_consts, num_carry
    consts, carry, xs = primals[:nc], primals[nc:nc + nk], primals[nc + nk:]
    const_t, carry_t_in, xs_t = tangents[:nc], tangents[nc:nc + nk], tangents[nc + nk:]
    carry_avals = jaxpr.out_avals[:nk]
    float_carry = [is_float(a) for a in carry_avals]
    const_nz = [t is not None for t in const_t]
    xs_nz = [t is not None for t in xs_t]
    body_jvp, _ = jvp_jaxpr(jaxpr, const_nz + float_carry + xs_nz, instantiate=True)
    jx = body_jvp.jaxpr
    nx = len(xs)
    n_ct, n_kt = sum(const_nz), sum(float_carry)
    ins = jx.invars
    p_consts, p_carry, p_xs = ins[:nc], ins[nc:nc + nk], ins[nc + nk:nc + nk + nx]
    t = ins[nc + nk + nx:]
    t_consts, t_carry, t_xs = t[:n_ct], t[n_ct:n_ct + n_kt], t[n_ct + n_kt:]
    outs = jx.outvars
    n_out = len(jaxpr.out_avals)
    p_out, t_out = outs[:n_out], outs[n_out:]
    float_out = [is_float(a) for a in jaxpr.out_avals]
    n_ykt = sum(float_out[:nk])
    new = Jaxpr(jx.constvars, list(p_consts) + list(t_consts) + list(p_carry) + list(t_carry) +
                list(p_xs) + list(t_xs),
                jx.eqns, list(p_out[:nk]) + list(t_out[:n_ykt]) + list(p_out[nk:]) +
                list(t_out[n_ykt:]))
    carry_t = [(ti if ti is not None else _zeros_for(a)) for ti, a, f in
               zip(carry_t_in, carry_avals, float_carry) if f]
    results = bind(scan_p, *consts, *[x for x in const_t if x is not None], *carry, *carry_t,
                   *xs, *[x for x in xs_t if x is not None],
                   jaxpr=ClosedJaxpr(new, body_jvp.consts), length=length,
                   reverse=reverse, num_consts=nc + n_ct, num_carry=nk + n_kt)
    carry_out, carry_t_out = results[:nk], iter(results[nk:nk + n_kt])
    ys = results[nk + n_kt:nk + n_kt + (n_out - nk)]
    ys_t = iter(results[nk + n_kt + (n_out - nk):])
    primal_out = list(carry_out) + list(ys)
    tangent_out = [next(carry_t_out) if f else None for f in float_carry] + \
        [next(ys_t) if f else None for f in float_out[nk:]]
    return primal_out, tangent_out


def _scan_vjp(cts, primals, ans, needs, jaxpr, length, reverse, num_consts, num_carry):
    nc, nk = num_consts, num_carry
    consts, carry, xs = primals[:nc], primals[nc:nc + nk], primals[nc + nk:]
    nx = len(xs)
    carry_avals = jaxpr.out_avals[:nk]
    y_avals = jaxpr.out_avals[nk:]
    diff_consts = [bool(n) for n in needs[:nc]]
    diff_carry = [is_float(a) for a in carry_avals]
    diff_xs = [bool(n) for n in needs[nc + nk:]]
    # a checkpointed step's backward pass reads the carry it returned (the next step's
    # input carry, kept anyway) rather than recomputing the step to get it
    kept_body, aliases = keep_checkpointed_carries(jaxpr, nk)
    body_vjp = vjp_jaxpr(kept_body, diff_consts + diff_carry + diff_xs)
    # 1. forward again, keeping per step what the backward pass reads (partial evaluation:
    # the body's own values and the parts of its derivative that need no cotangent); where
    # that cannot be done, keep the carry entering every step and recompute the rest
    split = split_vjp(jaxpr, body_vjp, nc, nk, nx, aliases)
    carried: list = []  # (output carry, residual holding it one step later)
    if split is None:
        fwd = jaxpr.jaxpr
        saving = ClosedJaxpr(Jaxpr(fwd.constvars, fwd.invars, fwd.eqns,
                                   fwd.outvars + fwd.invars[nc:nc + nk]), jaxpr.consts)
        bwd_part, bwd_consts = body_vjp.jaxpr, body_vjp.consts
        res_avals = [ShapedArray(a.shape, a.dtype) for a in carry_avals]
    else:
        saving, res_avals = split.forward, split.residual_avals
        bwd_part, bwd_consts = split.backward, split.backward_consts
        carried = split.carried
    fwd_out = bind(scan_p, *consts, *carry, *xs, jaxpr=saving, length=length,
                   reverse=reverse, num_consts=nc, num_carry=nk)
    saved = fwd_out[nk + len(y_avals):]
    # 2. backward: a reversed scan of the rest of the body's vjp, accumulating the consts'
    # cotangents
    const_avals = [get_aval(c).strip_weak() for c, d in zip(consts, diff_consts) if d]
    n_dc, n_dk, n_res, n_cr = len(const_avals), sum(diff_carry), len(res_avals), len(carried)

    def backward_step(*args):
        it = iter(args)
        cs = [next(it) for _ in range(nc)]
        acc = [next(it) for _ in range(n_dc)]
        ct_carry = [next(it) for _ in range(n_dk)]
        later = [next(it) for _ in range(n_cr)]  # the carries this step returned
        res = [next(it) for _ in range(n_res)]
        x = [next(it) for _ in range(nx)]
        ct_y = [next(it) for _ in range(len(y_avals))]
        ct_carry_full = iter(ct_carry)
        ct_carry_dense = [next(ct_carry_full) if d else _zeros_for(a)
                          for d, a in zip(diff_carry, carry_avals)]
        in_cts = eval_jaxpr(bwd_part, bwd_consts, *cs, *res, *later, *x, *ct_carry_dense,
                            *ct_y)
        d_consts, rest = in_cts[:n_dc], in_cts[n_dc:]
        d_carry, d_xs = rest[:n_dk], rest[n_dk:]
        # what this step received is what the step before it returned
        return [add(a, d) for a, d in zip(acc, d_consts)] + list(d_carry) + \
            [res[s] for _, s in carried] + list(d_xs)

    x_avals = [ShapedArray(get_aval(x).shape[1:], get_aval(x).dtype) for x in xs]
    ct_carry_avals = [a.strip_weak() for a, d in zip(carry_avals, diff_carry) if d]
    in_avals = ([get_aval(c) for c in consts] + const_avals + ct_carry_avals
                + [res_avals[s] for _, s in carried] + res_avals
                + x_avals + [a.strip_weak() for a in y_avals])
    bwd_closed, _ = trace_to_jaxpr(backward_step, in_avals, abstract=True,
                                   description="the backward pass of scan")
    bwd = bwd_closed.jaxpr
    bwd = Jaxpr([], bwd.constvars + bwd.invars, bwd.eqns, bwd.outvars)
    ct_carry_in = [ct if ct is not None else _zeros_for(a)
                   for ct, a, d in zip(cts[:nk], carry_avals, diff_carry) if d]
    ct_ys = [ct if ct is not None else zeros((length,) + a.shape, a.dtype)
             for ct, a in zip(cts[nk:], y_avals)]
    acc0 = [_zeros_for(a) for a in const_avals]
    last = [fwd_out[k] for k, _ in carried]  # what the last step returned: the final carry
    outs = bind(scan_p, *bwd_closed.consts, *consts, *acc0, *ct_carry_in, *last, *saved, *xs,
                *ct_ys, jaxpr=_closed(bwd), length=length, reverse=not reverse,
                num_consts=len(bwd_closed.consts) + nc, num_carry=n_dc + n_dk + n_cr)
    d_consts, d_carry, d_xs = outs[:n_dc], iter(outs[n_dc:n_dc + n_dk]), \
        iter(outs[n_dc + n_dk + n_cr:])
    d_consts = iter(d_consts)
    result = [next(d_consts) if d else None for d in diff_consts]
    result += [next(d_carry) if d else None for d in diff_carry]
    result += [next(d_xs) if d else None for d in diff_xs]
    return [r if n else None for r, n in zip(result, needs)]


scan_p.jvp = _scan_jvp
scan_p.vjp = _scan_vjp


# ---------------------------------------------------------------------------------------------
# Batching (vmap): the sub-jaxprs are batched, not the loop run once per example
# ---------------------------------------------------------------------------------------------
# A rule batches the branches or the body with ``batch_jaxpr`` and binds the primitive once
# on the batched operands. That keeps the collectives inside (``psum`` in a loop body under
# ``vmap(axis_name=)``) seeing every example at once, which a loop over examples cannot.

def _leading(x, size: int, batched: bool):
    """``x`` with the batch as its leading axis, repeating it if it is not batched."""
    return x if batched else broadcast_batch(x, size)


def _batch_dims_like(pred, x):
    """A batched ``(size,)`` predicate reshaped to broadcast against batched ``x``."""
    nd = len(get_aval(x).shape)
    return reshape(pred, (get_aval(pred).shape[0],) + (1,) * (nd - 1))


def _cond_batch(args, batched, size, branches, summed=False):
    index, *ops = args
    index_b, *ops_b = batched
    if not index_b:
        # one branch for every example: batch each, each output batched if any branch's is
        out_b = [False] * len(branches[0].out_avals)
        for _ in range(2):
            news = [batch_jaxpr(b, ops_b, size, out_b) for b in branches]
            out_b = [any(flags) for flags in zip(*(f for _, f in news))]
        outs = bind(cond_p, index, *ops, branches=tuple(new for new, _ in news),
                    **_summed(summed))
        return outs, out_b
    # examples take different branches: every branch runs on every example, then each
    # example's result is selected (as JAX does; a collective inside sees all examples),
    # or, for a summed cond, the branches' results are added
    ops = [_leading(x, size, b) for x, b in zip(ops, ops_b)]
    index = _clamp_index(index, len(branches))
    results = []
    for i, branch in enumerate(branches):
        new, _ = batch_jaxpr(branch, [True] * len(ops), size, True)
        guarded = ops
        if not summed and not holds_collective({"branch": branch}):
            # the examples not taking branch i give it operands with no derivative, so its
            # derivative (perhaps infinite where the branch is not meant to run) cannot leak
            # in. Not where a collective combines the examples: their values reach the
            # examples taking the branch, and so must their derivatives (JAX guards there
            # too, and its derivatives then disagree with finite differences)
            taken = eq(index, i)
            guarded = [select(_batch_dims_like(taken, x), x, bind(stop_gradient_p, x))
                       if is_float(get_aval(x)) else x for x in ops]
        results.append(eval_jaxpr(new.jaxpr, new.consts, *guarded))
    outs = []
    for k in range(len(results[0])):
        out = results[0][k]
        for i in range(1, len(branches)):
            out = add(out, results[i][k]) if summed else \
                select(_batch_dims_like(eq(index, i), out), results[i][k], out)
        outs.append(out)
    return outs, [True] * len(outs)


def _clamp_index(index, n: int):
    """A branch index clamped to ``[0, n - 1]``, as ``switch`` clamps it."""
    return minimum(maximum(index, np.zeros((), get_aval(index).dtype)),
                   np.asarray(n - 1, get_aval(index).dtype))


cond_p.batch = _cond_batch


def _while_batch(args, batched, size, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    nc, nb = cond_nconsts, body_nconsts
    cc_b, bc_b, carry_b = batched[:nc], batched[nc:nc + nb], list(batched[nc + nb:])
    # the batched carries: those batched on entry, those the body makes batched, and all of
    # them once the predicate is batched (examples then stop at different steps)
    while True:
        new_cond, (pred_b,) = batch_jaxpr(cond_jaxpr, cc_b + carry_b, size)
        new_body, out_b = batch_jaxpr(body_jaxpr, bc_b + carry_b, size, carry_b)
        grown = [a or b or pred_b for a, b in zip(carry_b, out_b)]
        if grown == carry_b:
            break
        carry_b = grown
    cond_consts, body_consts = args[:nc], args[nc:nc + nb]
    carry = [_leading(x, size, b) if want else x
             for x, b, want in zip(args[nc + nb:], batched[nc + nb:], carry_b)]
    if not pred_b:
        outs = bind(while_p, *cond_consts, *body_consts, *carry, cond_jaxpr=new_cond,
                    body_jaxpr=new_body, cond_nconsts=nc, body_nconsts=nb)
        return outs, carry_b
    # run while any example's predicate holds; an example whose predicate fails keeps its
    # carry (the body still runs on it, so collectives inside see every example, as in JAX)
    n_carry = len(carry)
    carry_avals = [v.aval for v in new_body.jaxpr.outvars]
    cond_avals = [get_aval(c) for c in cond_consts]
    body_avals = [get_aval(c) for c in body_consts]

    def any_pred(*flat):
        (pred,) = eval_jaxpr(new_cond.jaxpr, new_cond.consts, *flat)
        return [reduce_or(pred, (0,))]

    def masked_body(*flat):
        cs, bs, old = flat[:nc], flat[nc:nc + nb], flat[nc + nb:]
        (pred,) = eval_jaxpr(new_cond.jaxpr, new_cond.consts, *cs, *old)
        new = eval_jaxpr(new_body.jaxpr, new_body.consts, *bs, *old)
        return [select(_batch_dims_like(pred, n), n, o) for n, o in zip(new, old)]

    any_closed, _ = trace_to_jaxpr(any_pred, cond_avals + carry_avals, abstract=True,
                                   description="the batched predicate of while_loop")
    body_closed, _ = trace_to_jaxpr(masked_body, cond_avals + body_avals + carry_avals,
                                    abstract=True, description="the batched body of while_loop")
    outs = bind(while_p, *cond_consts, *cond_consts, *body_consts, *carry,
                cond_jaxpr=any_closed, body_jaxpr=body_closed, cond_nconsts=nc,
                body_nconsts=nc + nb)
    return outs, [True] * n_carry


while_p.batch = _while_batch


def _scan_batch(args, batched, size, jaxpr, length, reverse, num_consts, num_carry):
    nc, nk = num_consts, num_carry
    const_b, carry_b, xs_b = batched[:nc], list(batched[nc:nc + nk]), batched[nc + nk:]
    n_ys = len(jaxpr.out_avals) - nk
    while True:  # a carry is batched if it enters batched or the body makes it so
        new, out_b = batch_jaxpr(jaxpr, const_b + carry_b + xs_b, size, carry_b + [False] * n_ys)
        grown = [a or b for a, b in zip(carry_b, out_b[:nk])]
        if grown == carry_b:
            break
        carry_b = grown
    consts = args[:nc]
    carry = [_leading(x, size, b) if want else x
             for x, b, want in zip(args[nc:nc + nk], batched[nc:nc + nk], carry_b)]
    # the loop runs over the leading axis of xs and ys: the batch goes second there
    xs = [_move_axis(x, 0, 1) if b else x for x, b in zip(args[nc + nk:], xs_b)]
    outs = bind(scan_p, *consts, *carry, *xs, jaxpr=new, length=length, reverse=reverse,
                num_consts=nc, num_carry=nk)
    ys = [_move_axis(y, 1, 0) if b else y for y, b in zip(outs[nk:], out_b[nk:])]
    return list(outs[:nk]) + ys, carry_b + list(out_b[nk:])


scan_p.batch = _scan_batch
