"""Reverse mode: pull cotangents back through a jaxpr, last equation first.

``backward_pass`` reads the primal value of every variable from an environment (the values
recorded while tracing, or the values of re-evaluating the IR inside an outer trace) and
applies each primitive's vjp rule. Only *active* variables -- those that depend on a
differentiated input -- get cotangents, so gradients nobody asked for (a loss's data inputs)
are never computed: dead-code elimination by construction.
"""
from __future__ import annotations

from collections import OrderedDict
from operator import attrgetter
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
_PLAIN_PARAM_TYPES = (bool, int, float, complex, str, type(None), np.dtype, type)
_compiled_backwards: dict = {}  # key -> _CompiledBackward, or None: it cannot be compiled
_seen_once: OrderedDict = OrderedDict()  # keys met once, not compiled yet


def _plain_param(p) -> bool:
    """A param the key can hold by value: no functions or jaxprs (whose rules may run the
    user's code, which must run on every call) and nothing mutable."""
    if type(p) is tuple:
        return all(_plain_param(q) for q in p)
    return isinstance(p, _PLAIN_PARAM_TYPES)


# Each distinct params tuple met in a key gets a number (False: it cannot be keyed by value),
# so a key holds one int per equation instead of its params: hashing and comparing a key
# then costs nothing per param. Numbers are never reused (the table may be cleared when it
# grows, the counter goes on), so a key can never come to mean another structure.
MAX_PARAM_IDS = 4096
_param_ids: dict = {}
_next_param_id = [0]


def _params_id(items: tuple):
    """The number of a params tuple (``tuple(params.items())``), or False if not plain."""
    try:
        pid = _param_ids.get(items)
    except TypeError:  # an unhashable param: not plain
        return False
    if pid is None:
        pid = False
        if all(_plain_param(v) for _, v in items):
            pid = _next_param_id[0] = _next_param_id[0] + 1
        if len(_param_ids) >= MAX_PARAM_IDS:
            _param_ids.clear()
        _param_ids[items] = pid
    return pid


def structure_key(jaxpr: Jaxpr, differentiated: Sequence[bool], out_cts: Sequence[Any]):
    """``(key, variables in numbering order)`` for the forward trace ``jaxpr``, or
    ``(None, None)`` where it holds something the key cannot capture by value.

    >>> import numpy as np, fungrad.numpy as fnp
    >>> def f(x):
    ...     return [fnp.sin(x) * 2.0]
    >>> a, _ = trace_to_jaxpr(f, [np.ones(2)])
    >>> b, _ = trace_to_jaxpr(f, [np.zeros(2)])
    >>> structure_key(a.jaxpr, [True], [None])[0] == structure_key(b.jaxpr, [True], [None])[0]
    True
    """
    order: list = [*jaxpr.constvars, *jaxpr.invars]
    number = _Numbering(zip(order, range(len(order))))
    parts = [tuple(map(_aval_of, order)), len(jaxpr.constvars), tuple(differentiated),
             tuple([None if ct is None else get_aval(ct) for ct in out_cts])]
    append, add_var, known_ids, key_of = parts.append, order.append, _param_ids, \
        number.__getitem__
    n = len(order)
    try:
        for eqn in jaxpr.eqns:
            params = eqn.params
            if params:
                items = tuple(params.items())
                pid = known_ids.get(items)  # (raises TypeError on an unhashable param)
                if pid is None:
                    pid = _params_id(items)
                if pid is False:
                    return None, None
            else:
                pid = 0
            ins = tuple(map(key_of, eqn.inputs))
            prim = eqn.primitive
            outvars = eqn.outvars
            if len(outvars) == 1:
                v = outvars[0]
                number[v] = n
                n += 1
                add_var(v)
                append((prim, prim.vjp, pid, ins, v.aval))
                continue
            outs = []
            for v in outvars:
                number[v] = n
                n += 1
                add_var(v)
                outs.append(v.aval)
            append((prim, prim.vjp, pid, ins, tuple(outs)))
        append(tuple(map(key_of, jaxpr.outvars)))
        key = _Key(tuple(parts))
    except (TypeError, KeyError):  # an unhashable literal, a variable from elsewhere
        return None, None
    return key, order


_aval_of = attrgetter("aval")


class _Numbering(dict):
    """Variable -> its number in a structure key; a literal (never a key here) -> its value,
    and a zero by its text too, since -0.0 == 0.0 but x * -0.0 and x * 0.0 have cotangents
    of opposite sign. A variable from elsewhere is a KeyError."""

    __slots__ = ()

    def __missing__(self, x):
        if type(x) is Literal:
            val = x.val
            return (val, x.aval) if val else (repr(val), x.aval)
        raise KeyError(x)


class _Key:
    """A structure key hashed once (a tuple rehashes every element at each lookup)."""

    __slots__ = ("parts", "hash")

    def __init__(self, parts: tuple):
        self.parts = parts
        self.hash = hash(parts)

    def __hash__(self):
        return self.hash

    def __eq__(self, other):
        return self.hash == other.hash and self.parts == other.parts


class _CompiledBackward:
    """One structure's backward pass: compiled code and which values it reads."""

    __slots__ = ("fn", "residuals", "nonzero", "avals")

    def __init__(self, fn, residuals: list, nonzero: list, avals: list):
        self.fn, self.residuals, self.nonzero, self.avals = fn, residuals, nonzero, avals

    def __call__(self, order: list, env: dict, out_cts: Sequence[Any]) -> list:
        outs = iter(self.fn(*[env[order[i]] for i in self.residuals],
                            *[ct for ct in out_cts if ct is not None]))
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


def _compile_backward(jaxpr: Jaxpr, order: list, differentiated: Sequence[bool],
                      out_cts: Sequence[Any]):
    """Trace the backward pass of ``jaxpr`` abstractly and compile it; None if its rules
    need concrete values (they then keep running eagerly)."""
    from fungrad.codegen import compile_jaxpr  # codegen sits above this module
    from fungrad.passes import dce

    n = len(order)
    ct_where = [i for i, ct in enumerate(out_cts) if ct is not None]
    nonzero: list = []

    def fun(*args):
        env = dict(zip(order, args[:n]))
        cts = [None] * len(out_cts)
        for i, ct in zip(ct_where, args[n:]):
            cts[i] = ct
        in_cts = backward_pass(jaxpr, env, differentiated, cts)
        nonzero[:] = [ct is not None for ct in in_cts]
        return [ct for ct in in_cts if ct is not None]

    avals = [v.aval for v in order] + [get_aval(out_cts[i]).strip_weak() for i in ct_where]
    try:
        with collector_paused():
            closed, _ = trace_to_jaxpr(fun, avals, abstract=True, description="backward pass")
            back = dce(closed.jaxpr)
            read = {x for e in back.eqns for x in e.inputs if type(x) is not Literal}
            read.update(x for x in back.outvars if type(x) is not Literal)
            residuals = [i for i, v in enumerate(back.invars[:n]) if v in read]
            pruned = Jaxpr(back.constvars, [back.invars[i] for i in residuals]
                           + back.invars[n:], back.eqns, back.outvars)
            fn = compile_jaxpr(ClosedJaxpr(pruned, closed.consts))
    except (TypeError, ValueError, NotImplementedError):  # e.g. a rule reading a value
        return None
    return _CompiledBackward(fn, residuals, nonzero, [v.aval for v in jaxpr.invars])


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
                        out_cts: Sequence[Any]) -> list:
    """``backward_pass`` for an eager (outermost, concrete) ``grad``/``vjp``: the same
    cotangents, from compiled code once the forward trace's structure has been seen before.

    >>> import numpy as np, fungrad.numpy as fnp
    >>> closed, _, env = trace_to_jaxpr(lambda x: [fnp.sin(x) * 2.0], [np.zeros(2)],
    ...                                 keep_values=True)
    >>> eager_backward_pass(closed.jaxpr, dict(env), [True], [np.ones(2)])
    [array([2., 2.])]
    """
    if _flags["source_info"] or _flags["debug_nans"] or current_trace_level() or \
            not _numpy_cotangents(out_cts) or _traced_input(jaxpr, env):
        return backward_pass(jaxpr, env, differentiated, out_cts)
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
    try:
        return compiled(order, env, out_cts)
    except Exception:  # noqa: BLE001  (whatever went wrong, the rules give the answer or error)
        return backward_pass(jaxpr, env, differentiated, out_cts)
