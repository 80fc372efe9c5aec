"""Reverse mode: pull cotangents back through a jaxpr, last equation first.

``backward_pass`` reads the primal value of every variable from an environment (the values
recorded while tracing, or the values of re-evaluating the IR inside an outer trace) and
applies each primitive's vjp rule. Only *active* variables -- those that depend on a
differentiated input -- get cotangents, so gradients nobody asked for (a loss's data inputs)
are never computed: dead-code elimination by construction.
"""
from __future__ import annotations

from collections import OrderedDict
from operator import itemgetter
from typing import Any, Sequence

import numpy as np

from fungrad.core import (
    ClosedJaxpr, Jaxpr, Literal, ShapedArray, Tracer, collector_paused, current_trace_level,
    get_aval, inherit_names, replay_source, trace_mark, trace_to_jaxpr, tracking_source,
)
from fungrad.core import _config as _flags
from fungrad.interpreter import eval_jaxpr_env, replay_known
from fungrad.jvp import differs_in_dtype
from fungrad.prims.elementwise import add, cast_derivative
from fungrad.prims.rules import is_float
from fungrad.prims.structural import sum_to_shape, zeros
from fungrad import trace_keys as _trace_keys
from fungrad.trace_keys import literal_key


def fit_cotangent(ct, aval: ShapedArray):
    """Make a rule's cotangent match its input's aval: sum broadcast dims away, cast dtype."""
    if getattr(ct, "shape", ()) != aval.shape:
        ct = sum_to_shape(ct, aval.shape)
    if differs_in_dtype(ct, aval):
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
                if not getattr(prim, "symbolic_zero_cotangents", False):
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
                mark = trace_mark() if eqn.name_stack is not None else None
                in_cts = prim.vjp(cts, primals, ans, needs, **eqn.params)
                if mark is not None:
                    inherit_names(mark, f"transpose(jvp({eqn.name_stack}))")
                for x, need, ct in zip(inputs, needs, in_cts):
                    if need and ct is not None:
                        aval = x.aval
                        if getattr(ct, "shape", None) != aval.shape or \
                                differs_in_dtype(ct, aval):
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


# ---------------------------------------------------------------------------------------------
# Eager backward passes, compiled by the forward trace's structure
# ---------------------------------------------------------------------------------------------
#
# An eager ``grad`` traces the function afresh on every call (Python control flow and closures
# may change), but the backward pass depends on the trace only through its structure: the
# primitives (and their vjp rules, which a test may swap), their params and literals, and the
# avals. The second time a structure is seen,
# its backward pass is traced once into a jaxpr of (residual values, output cotangents) ->
# input cotangents and compiled as ``jit`` compiles; later calls with that structure run the
# compiled code on the recorded values instead of interpreting each vjp rule again.

#: How many compiled backward passes are kept (the oldest dropped first).
MAX_COMPILED_BACKWARDS = 128
_compiled_backwards: dict = {}  # key -> _CompiledBackward, or None: it cannot be compiled
_seen_once: OrderedDict = OrderedDict()  # keys met once, not compiled yet


def structure_key(jaxpr: Jaxpr, differentiated: Sequence[bool], out_cts: Sequence[Any],
                  order: list | None = None):
    """``(key, variables in numbering order)`` for the forward trace ``jaxpr``, or
    ``(None, None)`` where it holds something the key cannot capture by value. ``order``
    numbers the variables (the inputs first; by default then the consts, then each
    equation's outputs); with the order of a trace's values it is the key that trace
    recorded while tracing (``recorded_key``).

    >>> import numpy as np, fungrad.numpy as fnp
    >>> def f(x):
    ...     return [fnp.sin(x) * 2.0]
    >>> a, _ = trace_to_jaxpr(f, [np.ones(2)])
    >>> b, _ = trace_to_jaxpr(f, [np.zeros(2)])
    >>> structure_key(a.jaxpr, [True], [None])[0] == structure_key(b.jaxpr, [True], [None])[0]
    True
    """
    invars = jaxpr.invars
    n_in = len(invars)
    if order is None:
        order = [*invars, *jaxpr.constvars]
        for eqn in jaxpr.eqns:
            order.extend(eqn.outvars)
    elif order[:n_in] != invars:  # (Vars compare by identity)
        return None, None
    number = _Numbering(zip(order, range(len(order))))
    key_of, entries, known_ids = number.__getitem__, [], _trace_keys._param_ids
    append = entries.append
    try:
        for eqn in jaxpr.eqns:
            params = eqn.params
            if params:
                items = tuple(params.items())
                pid = known_ids.get(items)  # (raises TypeError on an unhashable param)
                if pid is None:
                    pid = _trace_keys.params_id(items)
                if pid is False:
                    return None, None
            else:
                pid = 0
            prim, outvars = eqn.primitive, eqn.outvars
            ins = tuple(map(key_of, eqn.inputs))
            if prim.multiple_results:
                append((prim, prim.vjp, pid, ins, tuple(map(key_of, outvars))))
            else:
                append((prim, prim.vjp, pid, ins, key_of(outvars[0])))
        key = _trace_keys.make_key(n_in, tuple(map(key_of, jaxpr.constvars)), differentiated,
                                   out_cts, tuple(entries), tuple(map(key_of, jaxpr.outvars)),
                                   order)
    except (TypeError, KeyError):  # an unhashable literal, a variable from elsewhere
        return None, None
    return key, order


def recorded_key(jaxpr: Jaxpr, structure: list, env: dict, differentiated: Sequence[bool],
                 out_cts: Sequence[Any]):
    """``structure_key(jaxpr, differentiated, out_cts, list(env))`` from the entries its
    trace recorded while tracing (``trace_to_jaxpr(..., record_structure=True)``): no walk
    over the equations and no numbering dict. ``(None, None)`` where the recording does
    not match ``jaxpr`` and ``env`` (then ``structure_key`` decides)."""
    eqns = jaxpr.eqns
    order = list(env)
    if len(structure) != len(eqns):  # an equation recorded past the trace's process
        return None, None
    if eqns:  # env holds the trace's values, in the order that numbered them
        last = eqns[-1].outvars
        if last and (len(order) <= last[-1].n or order[last[-1].n] is not last[-1]):
            return None, None
    try:
        key = _trace_keys.make_key(len(jaxpr.invars), tuple(map(_number_of, jaxpr.constvars)),
                                   differentiated, out_cts, tuple(structure),
                                   tuple(map(_number_of, jaxpr.outvars)), order)
    except (TypeError, AttributeError):  # an unhashable literal, a variable not numbered
        return None, None
    return key, order


_number_of = _trace_keys.number_of


class _Numbering(dict):
    """Variable -> its number in a structure key; a literal (never a key here) -> its
    ``trace_keys.literal_key``. A variable from elsewhere is a KeyError."""

    __slots__ = ()

    def __missing__(self, x):
        if type(x) is Literal:
            return literal_key(x.val, x.aval)
        raise KeyError(x)


class _CompiledBackward:
    """One structure's backward pass: compiled code and which values it reads."""

    __slots__ = ("fn", "residuals", "read", "ct_args", "nonzero", "avals", "copied", "proven")

    def __init__(self, fn, residuals: list, ct_args: list, nonzero: list, avals: list,
                 copied: frozenset):
        self.fn, self.residuals, self.nonzero, self.avals = fn, residuals, nonzero, avals
        # the residuals picked out of the values in one C call (a tuple whatever their count)
        self.read = _picker(residuals)
        self.ct_args = _picker(ct_args)  # the output cotangents it takes (not zero, not one)
        self.copied = copied  # outputs that may alias a value it holds or is given
        self.proven = False  # has it run once without error? (then it may consume values)

    def __call__(self, vals: list, out_cts: Sequence[Any]) -> list:
        """The input cotangents from ``vals`` (every variable's value, in numbering
        order) and the output cotangents (None where zero). ``vals`` is emptied: held by
        nobody else, each residual is freed at its last use in the compiled code."""
        inputs = [*self.read(vals), *self.ct_args(out_cts)]
        vals.clear()
        outs = self.fn(inputs)
        for k in self.copied:  # (no other call may see the array it returns)
            if type(outs[k]) is np.ndarray:
                outs[k] = outs[k].copy()
        outs = iter(outs)
        result = []
        for nz, aval in zip(self.nonzero, self.avals):
            if not nz:
                result.append(None)
                continue
            ct = next(outs)
            if type(ct) is not np.ndarray and not isinstance(ct, np.generic):
                ct = np.asarray(ct, aval.dtype)[()]  # a Python scalar of the float path
            result.append(ct)
        return result


def _picker(indices: list):
    """``lambda xs: tuple(xs[i] for i in indices)``, in one C call where it can be."""
    if len(indices) > 1:
        return itemgetter(*indices)
    if indices:
        return lambda xs, i=indices[0]: (xs[i],)
    return lambda xs: ()


def _compile_backward(jaxpr: Jaxpr, order: list, differentiated: Sequence[bool],
                      out_cts: Sequence[Any]):
    """Trace the backward pass of ``jaxpr`` abstractly and compile it; None if its rules
    need concrete values (they then keep running eagerly)."""
    from fungrad.codegen import compile_jaxpr  # codegen sits above this module
    from fungrad.passes import simplify

    n = len(order)
    # a unit cotangent (grad's seed; its key says so) is held as a numpy scalar one: the
    # rules' products with it, and the broadcasts of it, fold away as they do under jit
    units = {i: get_aval(ct).dtype.type(1) for i, ct in enumerate(out_cts)
             if ct is not None and _trace_keys.is_unit_cotangent(ct)}
    ct_where = [i for i, ct in enumerate(out_cts) if ct is not None and i not in units]
    nonzero: list = []

    def fun(*args):
        env = dict(zip(order, args[:n]))
        cts = [units.get(i) for i in range(len(out_cts))]
        for i, ct in zip(ct_where, args[n:]):
            cts[i] = ct
        in_cts = backward_pass(jaxpr, env, differentiated, cts)
        nonzero[:] = [ct is not None for ct in in_cts]
        return [ct for ct in in_cts if ct is not None]

    avals = [v.aval for v in order] + [get_aval(out_cts[i]).strip_weak() for i in ct_where]
    try:
        with collector_paused():
            traced, _ = trace_to_jaxpr(fun, avals, abstract=True, description="backward pass")
            closed = simplify(traced)
            back = closed.jaxpr
            read = {x for e in back.eqns for x in e.inputs if type(x) is not Literal}
            read.update(x for x in back.outvars if type(x) is not Literal)
            residuals = [i for i, v in enumerate(back.invars[:n]) if v in read]
            pruned = Jaxpr(back.constvars, [back.invars[i] for i in residuals]
                           + back.invars[n:], back.eqns, back.outvars)
            fn = compile_jaxpr(ClosedJaxpr(pruned, closed.consts), consume_inputs=True)
    except (TypeError, ValueError, NotImplementedError):  # e.g. a rule reading a value
        return None
    return _CompiledBackward(fn, residuals, ct_where, nonzero,
                             [v.aval for v in jaxpr.invars], _may_alias_outputs(back))


def _may_alias_outputs(jaxpr: Jaxpr) -> frozenset:
    """Which outputs of ``jaxpr`` may share memory with its inputs, its constants or its
    literals (the same arrays on every call, or the caller's), so are copied out: those
    that are one, or come through equations that may return views of one (a reshape, a
    slice, a broadcast...). A fresh result (``codegen._is_fresh_eqn``) ends the alias."""
    from fungrad.codegen import _is_fresh_eqn

    aliasing = set(jaxpr.invars) | set(jaxpr.constvars)
    for eqn in jaxpr.eqns:
        if _is_fresh_eqn(eqn):
            continue
        ins = [x for x in eqn.inputs if type(x) is not Literal]
        if not ins or any(x in aliasing for x in ins):  # (no inputs: may be a cached array)
            aliasing.update(eqn.outvars)
    return frozenset(k for k, v in enumerate(jaxpr.outvars)
                     if type(v) is Literal or v in aliasing)


def _numpy_cotangents(out_cts: Sequence[Any]) -> bool:
    """Are the cotangents numpy values or None? (A Python scalar cotangent is weak: the
    rules decide what it becomes.)"""
    for ct in out_cts:
        if ct is not None and type(ct) is not np.ndarray and not isinstance(ct, np.generic):
            return False
    return True


def _traced_input(jaxpr: Jaxpr, env: dict) -> bool:
    for v in jaxpr.invars:
        if type(env[v]) is Tracer:
            return True
    return False


def eager_backward_pass(jaxpr: Jaxpr, env: dict, differentiated: Sequence[bool],
                        out_cts: Sequence[Any], structure: list | None = None,
                        consume: bool = False) -> list:
    """``backward_pass`` for an eager (outermost, concrete) ``grad``/``vjp``: the same
    cotangents, from compiled code once the forward trace's structure has been seen before.
    ``structure`` is what the trace recorded of it (``trace_to_jaxpr(...,
    record_structure=True)``), if it did: the key is then made without walking the IR.
    ``consume``: ``env`` is this backward pass's alone (grad's one call), so compiled code
    that has run before may empty it and free each value at its last use, for the jit's
    peak memory; the first run keeps ``env``, so that a failure can rerun the rules.

    >>> import numpy as np, fungrad.numpy as fnp
    >>> closed, _, env = trace_to_jaxpr(lambda x: [fnp.sin(x) * 2.0], [np.zeros(2)],
    ...                                 keep_values=True)
    >>> eager_backward_pass(closed.jaxpr, dict(env), [True], [np.ones(2)])
    [array([2., 2.])]
    """
    if _flags["source_info"] or _flags["debug_nans"] or current_trace_level() or \
            not _numpy_cotangents(out_cts) or _traced_input(jaxpr, env):
        return backward_pass(jaxpr, env, differentiated, out_cts)
    key = None
    if structure is not None:
        key, order = recorded_key(jaxpr, structure, env, differentiated, out_cts)
    recorded = key is not None
    if not recorded:
        key, order = structure_key(jaxpr, differentiated, out_cts)
    if key is None:
        return backward_pass(jaxpr, env, differentiated, out_cts)
    compiled = _compiled_backwards.get(key, False)
    if compiled is False:  # not compiled yet: the second sighting compiles
        if _seen_once.pop(key, None) is None:
            _seen_once[key] = True
            if len(_seen_once) > MAX_COMPILED_BACKWARDS:
                _seen_once.popitem(last=False)
            return backward_pass(jaxpr, env, differentiated, out_cts)
        compiled = _compile_backward(jaxpr, order, differentiated, out_cts)
        _compiled_backwards[key] = compiled
        if len(_compiled_backwards) > MAX_COMPILED_BACKWARDS:  # the oldest goes first
            del _compiled_backwards[next(iter(_compiled_backwards))]
    if compiled is None:
        return backward_pass(jaxpr, env, differentiated, out_cts)
    if consume and compiled.proven and recorded:
        # it has run on these avals: an error now would come from the values, as the
        # rules' would (the recorded key numbers the variables in env's own order)
        vals = list(env.values())
        env.clear()
        return compiled(vals, out_cts)
    try:
        vals = list(env.values()) if recorded else list(map(env.__getitem__, order))
        in_cts = compiled(vals, out_cts)
    except Exception:  # noqa: BLE001  (whatever went wrong, the rules give the answer or error)
        return backward_pass(jaxpr, env, differentiated, out_cts)
    compiled.proven = True
    return in_cts
