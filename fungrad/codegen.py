"""Compiling the IR: a jaxpr becomes straight-line Python over numpy, one call per equation.

``compile_jaxpr`` writes the source of a function of the jaxpr's flat inputs: each equation
is its primitive's numpy impl (or the one-line expression its ``emit`` rule gives), guards are
checked inline and raise ``GuardFailure``, constants and params reach it through the
function's namespace (never pasted into the source), and a buffer whose last use has passed
is reused as a ufunc's ``out=``. Large temporaries that never leave the call are written
into buffers the compiled function keeps between calls (``_plan_buffers``, XLA's buffer
assignment in small), so a call need not fault in fresh pages for them. float64 0-d chains
are written as Python float arithmetic.
``jit`` (fungrad/jit.py) compiles each traced variant with it; control flow and checkpoint
compile their sub-jaxprs with ``compiled_sub``.

>>> import numpy as np, fungrad.numpy as fnp
>>> from fungrad.core import trace_to_jaxpr
>>> closed, _ = trace_to_jaxpr(lambda x: [fnp.sin(x) * 2.0], [np.ones(2)])
>>> compile_jaxpr(closed)(np.zeros(2))
[array([0., 0.])]
"""
from __future__ import annotations

import functools
import itertools
import math
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from fungrad.core import (
    ClosedJaxpr, GuardFailure, Literal, _guard_holds, _var_names, collector_paused, guard_p,
)
from fungrad.core import _config as _flags
from fungrad.interpreter import eval_jaxpr, last_uses
from fungrad.passes import inline_calls

__all__ = ["compile_jaxpr", "compiled_sub", "run_sub"]



def _impl_for(prim, params: dict) -> Callable:
    """The numpy callable for one equation: the impl itself, or the impl with its params
    bound. (A primitive may instead offer ``emit(in_avals, **params) -> (template, values)``,
    a one-call Python expression such as ``"{0}.reshape({shape})"``, or None to use this.)"""
    return functools.partial(prim.impl, **params) if params else prim.impl


def compile_jaxpr(closed: ClosedJaxpr, consume_inputs: bool = False) -> Callable:
    """Compile ``closed`` into a Python function of its flat inputs returning the flat list of
    outputs. Guards raise ``GuardFailure``. The generated source is on ``fn.source``.

    With ``consume_inputs`` the function takes one list of the inputs instead, and empties
    it: when the caller holds no other reference, each input is then freed at its last use
    (as temporaries are) rather than when the call returns. Eager grad's compiled backward
    pass is called so on the forward values, which nothing else needs afterwards.

    Where values are float64 scalars, the compiled code computes with Python floats and the
    ``math`` module (a numpy call on a 0-d value costs ten times more); should that raise
    (``math.log(0.0)``, ``1.0 / 0.0``), the all-numpy version runs instead, so results keep
    numpy's semantics (``-inf``, ``inf``, ``nan``). Single-use scalar values are written
    into the expression that reads them.

    A ufunc reading a temporary array for the last time writes its result over it (``out=``),
    when the temporary was made by a ufunc and only ufuncs read it (so no view shares it).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> fn = compile_jaxpr(fungrad.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.zeros(2)))
    >>> print(fn.source)
    def compiled(a):
        b = _sin(a)
        del a
        c = _mul(b, _lit0, out=b)
        del b
        return [c]
    >>> fn(np.zeros(2))
    [array([0., 0.])]
    """
    with collector_paused():
        closed = inline_calls(closed)  # checkpoint blocks: their equations, not a call
        plain_source, plain_ns = _generate(closed, False, consume_inputs)
        plain = _define(plain_source, plain_ns)
        if not any(_scalar_form(e) for e in closed.jaxpr.eqns):
            return plain
        fast_source, fast_ns = _generate(closed, True, consume_inputs)
        fast_ns["_plain"] = plain
        return _define(fast_source, fast_ns)


#: How many compiled sub-jaxprs (loop bodies, branches, checkpointed blocks) are kept.
MAX_COMPILED_SUBS = 512
_compiled_subs: OrderedDict = OrderedDict()  # id(closed) -> [closed, compiled fn or None]


def compiled_sub(closed: ClosedJaxpr, runs: int = 1) -> Callable | None:
    """The compiled form of a sub-jaxpr that an impl (``scan``, ``cond``, ``while``,
    ``checkpoint``) is about to evaluate ``runs`` times, cached by the jaxpr's identity (a
    jitted function's IR holds the same sub-jaxpr objects call after call), or None: compiling
    costs more than interpreting once, so a sub-jaxpr met for the first time and run only
    once is left to the interpreter; the second time it is compiled.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> closed = fungrad.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.zeros(2))
    >>> compiled_sub(closed) is None, compiled_sub(closed)(np.zeros(2))
    (True, [array([0., 0.])])
    """
    key = id(closed)
    entry = _compiled_subs.get(key)
    if entry is None or entry[0] is not closed:
        entry = _compiled_subs[key] = [closed, None]
        while len(_compiled_subs) > MAX_COMPILED_SUBS:
            try:
                _compiled_subs.popitem(last=False)
            except KeyError:  # emptied by another thread meanwhile
                break
        if runs < 4:
            return None
    else:
        try:
            _compiled_subs.move_to_end(key)
        except KeyError:  # another thread dropped it meanwhile: still usable
            pass
    if entry[1] is None:
        entry[1] = compile_jaxpr(closed)
    return entry[1]


def run_sub(closed: ClosedJaxpr, *args, runs: int = 1) -> list:
    """Evaluate a sub-jaxpr in an impl: compiled where that pays (``compiled_sub``),
    interpreted otherwise and under ``jax_debug_nans`` / ``jax_debug_infs`` (equation by
    equation, each result checked).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> closed = fungrad.make_jaxpr(lambda x: fnp.cos(x) + 1.0)(0.0)
    >>> run_sub(closed, 0.0), run_sub(closed, 0.0)  # interpreted, then compiled
    ([np.float64(2.0)], [np.float64(2.0)])
    """
    fn = None if _flags["debug_nans"] else compiled_sub(closed, runs)
    if fn is None:
        return eval_jaxpr(closed.jaxpr, closed.consts, *args)
    return fn(*args)


def _define(source: str, namespace: dict) -> Callable:
    exec(compile(source, "<fungrad.jit>", "exec"), namespace)  # noqa: S102
    fn = namespace["compiled"]
    fn.source = source
    return fn


_SCALAR_IN = (np.dtype(np.float64),)
_PY_SCALAR = {np.dtype(np.float64): np.float64, np.dtype(np.bool_): np.bool_}


def _scalar_form(eqn):
    """The Python-scalar form of an equation on float64 scalars, or None."""
    form = getattr(eqn.primitive, "scalar_emit", None)
    if form is None or eqn.primitive.multiple_results:
        return None
    out = eqn.outvars[0].aval
    if out.shape != () or out.dtype not in _PY_SCALAR:
        return None
    for x in eqn.inputs:
        a = x.aval
        if a.shape != () or not (a.dtype in _SCALAR_IN or (a.weak_type and a.dtype.kind in "if")):
            return None
    return form(**eqn.params)


def _generate(closed: ClosedJaxpr, scalar: bool, consume_inputs: bool = False) \
        -> tuple[str, dict]:
    """The source and namespace of the compiled function (see ``compile_jaxpr``)."""
    jaxpr = closed.jaxpr
    names: dict[int, str] = {}
    namespace: dict[str, Any] = {"GuardFailure": GuardFailure, "_guard_holds": _guard_holds}
    counter = itertools.count()
    gen_names = _identifiers()
    python_valued: dict[int, Any] = {}  # strong scalar vars held as Python scalars -> type
    # Python-scalar expressions read once, written into their reader instead of a variable
    # (pure float arithmetic: evaluating it later changes nothing; a failure anywhere reruns
    # the all-numpy version): id(var) -> (expression, nesting depth)
    pending: dict[int, tuple[str, int]] = {}
    uses = _use_counts(jaxpr) if scalar else {}

    def name_of(v) -> str:
        if type(v) is Literal:
            key = f"_lit{next(counter)}"
            namespace[key] = v.val
            return key
        inline = pending.pop(id(v), None)
        return inline[0] if inline is not None else names[id(v)]

    def materialize(v) -> None:
        """Bind a pending expression to a variable (its reader reads it more than once)."""
        inline = pending.pop(id(v), None)
        if inline is not None:
            lines.append(f"{pad}{bind_name(v)} = {inline[0]}")

    def numpy_arg(v) -> str:
        """A value for a numpy call: a strong scalar held as a Python one is made numpy
        again (numpy would take a Python float as weakly typed)."""
        to_numpy = python_valued.get(id(v))
        if to_numpy is None:
            return name_of(v)
        key = f"_{to_numpy.__name__}"
        namespace[key] = to_numpy
        return f"{key}({name_of(v)})"

    def bind_name(v) -> str:
        n = next(gen_names)
        names[id(v)] = n
        return n

    def fill(form, args: list, i: int) -> str:
        """A primitive's code template with its inputs' names; the values it needs go in the
        namespace under names unique to equation ``i``, never into the source text."""
        template, values = form
        keys = {}
        for k, val in values.items():
            keys[k] = f"_{k}{i}"
            namespace[keys[k]] = val
        return template.format(*args, **keys)

    for v, c in zip(jaxpr.constvars, closed.consts):
        n = bind_name(v)
        namespace[n] = c
    const_ids = {id(v) for v in jaxpr.constvars}
    params = [bind_name(v) for v in jaxpr.invars]
    keep = set(map(id, jaxpr.invars)) if scalar else set()  # the fallback needs the inputs
    pad = "        " if scalar else "    "
    lines = []
    frees = last_uses(jaxpr)
    reuse, slots, specs = _plan_buffers(jaxpr, frees)
    if specs:  # the temporaries' buffers: one set per running call, kept between calls
        namespace["_pool"], namespace["_new_buffers"] = [], _buffer_maker(specs)
        lines.append(f"{pad}_bufs = _pool.pop() if _pool else _new_buffers()")
    fn_names: dict[tuple, str] = {}
    for i, (eqn, dead) in enumerate(zip(jaxpr.eqns, frees)):
        prim = eqn.primitive
        form = _scalar_form(eqn) if scalar else None
        if prim is guard_p:
            arg = name_of(eqn.inputs[0])
            key = f"_expect{i}"
            namespace[key] = eqn.params["expect"]
            if "kind" not in eqn.params and isinstance(eqn.params["expect"], bool):
                lines.append(f"{pad}if {arg} != {key}:")
            else:
                namespace[f"_kind{i}"] = eqn.params.get("kind", "value")
                lines.append(f"{pad}if not _guard_holds({arg}, {key}, _kind{i}):")
            lines.append(f"{pad}    raise GuardFailure({i})")
        elif form is not None:
            out = eqn.outvars[0]
            for k, x in enumerate(eqn.inputs):
                if form[0].count(f"{{{k}}}") > 1:
                    materialize(x)
            depth = 1 + max([pending[id(x)][1] for x in eqn.inputs if id(x) in pending],
                            default=0)
            expr = fill(form, [name_of(x) for x in eqn.inputs], i)
            if uses.get(id(out)) == 1 and depth <= _MAX_INLINE_DEPTH:
                pending[id(out)] = (expr, depth)
            else:
                lines.append(f"{pad}{bind_name(out)} = {expr}")
            if not out.aval.weak_type:
                python_valued[id(out)] = _PY_SCALAR[out.aval.dtype]
        else:
            args = [numpy_arg(x) for x in eqn.inputs]
            emit = getattr(prim, "emit", None)
            direct = emit([x.aval for x in eqn.inputs], **eqn.params) if emit else None
            if direct is not None:  # the primitive's own one-call form: x.reshape(shape)
                call = fill(direct, args, i)
            else:
                fn = _eqn_ufunc(eqn)
                if fn is None:
                    fn = _impl_for(prim, eqn.params)
                fkey = (prim.name, id(fn))
                fname = fn_names.get(fkey)
                if fname is None:
                    # a leading underscore keeps them apart from the variables a, b, ..., sin
                    fname = f"_{fn.__name__}" if fn is not prim.impl and type(fn) is np.ufunc \
                        else f"_{prim.name}" if not eqn.params else f"_{prim.name}{i}"
                    if namespace.get(fname, fn) is not fn:
                        fname = f"_{prim.name}{i}"
                    fn_names[fkey] = fname
                    namespace[fname] = fn
                call = f"{fname}({', '.join(args)})"
                into = reuse.get(i)
                if into is not None:  # the ufunc writes over an input it is the last to read
                    call = f"{fname}({', '.join(args)}, out={names[id(into)]})"
                elif i in slots:  # a temporary: into its buffer from the pool
                    call = f"{fname}({', '.join(args)}, out=_bufs[{slots[i]}])"
            outs = [bind_name(v) for v in eqn.outvars]
            if prim.multiple_results:
                target = ", ".join(outs) + ("," if len(outs) == 1 else "")
                lines.append(f"{pad}{target} = {call}" if outs else f"{pad}{call}")
            elif eqn.outvars[0].aval.weak_type:  # weak scalars are Python scalars
                namespace["_python_scalar"] = _python_scalar
                lines.append(f"{pad}{outs[0]} = _python_scalar({call})")
            else:
                lines.append(f"{pad}{outs[0]} = {call}")
        # constants live in the namespace (globals of the function): only locals are freed
        # (0-d values are not worth a del; the scalar form's pending expressions read them)
        to_free = [names[id(v)] for v in dead if id(v) not in const_ids and id(v) not in keep
                   and not (scalar and v.aval.shape == ())]
        if to_free:
            lines.append(f"{pad}del {', '.join(to_free)}")
    if specs:
        lines.append(f"{pad}_pool.append(_bufs)")
    lines.append(f"{pad}return [{', '.join(numpy_arg(v) for v in jaxpr.outvars)}]")
    head = [f"def compiled({', '.join(params)}):"]
    fallback_args = ", ".join(params)
    if consume_inputs:
        head = ["def compiled(_inputs):"]
        if params:
            head += [f"    {', '.join(params)}, = _inputs", "    _inputs.clear()"]
        fallback_args = f"[{fallback_args}]"
    if scalar:
        lines = head + ["    try:"] + lines + [
            "    except (ArithmeticError, ValueError):  # numpy's inf/nan semantics instead",
            f"        return _plain({fallback_args})"]
    else:
        lines = head + lines
    return "\n".join(lines), namespace


def _python_scalar(value):
    """A weakly typed value as the interpreter holds it: a Python scalar (an impl may have
    returned one already)."""
    return value.item() if hasattr(value, "item") else value


def _eqn_ufunc(eqn):
    """The numpy ufunc an equation compiles to (its result a fresh array, never a view of
    an input), or None: the primitive's impl when that is a ufunc taking no params, or the
    ufunc its ``ufunc_form(in_avals, **params)`` names (``integer_pow[y=2]`` on floats is
    ``np.square``, the same numbers as ``np.power``)."""
    prim = eqn.primitive
    if prim.multiple_results:
        return None
    form = getattr(prim, "ufunc_form", None)
    if form is not None:
        return form([x.aval for x in eqn.inputs], **eqn.params)
    if type(prim.impl) is np.ufunc and prim.impl.nout == 1 and not eqn.params \
            and getattr(prim, "emit", None) is None:
        return prim.impl
    return None


def _is_ufunc_eqn(eqn) -> bool:
    """An equation compiled to a plain numpy ufunc call (``_eqn_ufunc``)."""
    return _eqn_ufunc(eqn) is not None


#: Primitives whose compiled call always returns newly allocated memory, never an input, a
#: view of one or a cached array: ``np.dot`` / ``matmul``, ``ufunc.reduce`` (a copy even
#: over no axes), ``np.power``, the chunked ``erf_inv``, ``random_bits`` (and any primitive
#: that says so with ``fresh_result``, e.g. a convolution). Their results may be written
#: over like a ufunc's, and reading a value through them makes no alias of it.
_FRESH_RESULTS = frozenset({"dot_general", "reduce_sum", "reduce_max", "reduce_min",
                            "reduce_prod", "integer_pow", "erf_inv", "random_bits"})


def _is_fresh_eqn(eqn) -> bool:
    """An equation whose single result shares memory with nothing else (see above)."""
    prim = eqn.primitive
    return _is_ufunc_eqn(eqn) or ((prim.name in _FRESH_RESULTS or
                                   getattr(prim, "fresh_result", False))
                                  and not prim.multiple_results)


#: Primitives whose compiled call returns a view of its input (or a copy), never one whose
#: elements alias each other (as a broadcast's do): the view of a fresh array nothing else
#: reads may be written over like the array itself.
_VIEWS_OR_COPIES = frozenset({"reshape", "transpose", "bitcast_convert_type"})


def _reusable_buffers(jaxpr) -> set:
    """ids of the variables whose buffer a ufunc may overwrite at their last use: arrays
    made fresh (by a ufunc or a ``_FRESH_RESULTS`` primitive: nothing else shares their
    memory), or a view (``_VIEWS_OR_COPIES``) of such an array that nothing else reads,
    and read only by fresh-result equations (so no view of them outlives them); never
    outputs, inputs or constants."""
    readers: dict = {}
    for e in jaxpr.eqns:
        for x in e.inputs:
            readers[id(x)] = readers.get(id(x), 0) + 1
    outputs = {id(x) for x in jaxpr.outvars}
    fresh = set()  # ids of variables sharing memory with no live value
    for e in jaxpr.eqns:
        if _is_fresh_eqn(e):
            fresh.add(id(e.outvars[0]))
        elif e.primitive.name in _VIEWS_OR_COPIES and len(e.inputs) == 1:
            x = e.inputs[0]
            if id(x) in fresh and readers[id(x)] == 1 and id(x) not in outputs:
                fresh.add(id(e.outvars[0]))
    read_elsewhere = {id(x) for e in jaxpr.eqns if not _is_fresh_eqn(e) for x in e.inputs}
    read_elsewhere |= outputs
    return {id(v) for e in jaxpr.eqns for v in e.outvars[:1] if id(v) in fresh
            and v.aval.shape and not v.aval.weak_type and id(v) not in read_elsewhere}


def _buffer_to_reuse(eqn, dead, reusable: set):
    """The input whose buffer ``eqn`` (a ufunc) can write its result into (numpy's
    ``out=``: one temporary fewer), or None: one it reads for the last time, of the
    result's shape and dtype."""
    if not _is_ufunc_eqn(eqn):
        return None
    out = eqn.outvars[0].aval
    dead_ids = {id(v) for v in dead}
    for x in eqn.inputs:
        if type(x) is not Literal and id(x) in reusable and id(x) in dead_ids \
                and x.aval.shape == out.shape and x.aval.dtype == out.dtype:
            return x
    return None


#: Temporaries at least this large get a buffer kept between calls (smaller ones come
#: cheaply from malloc's free lists); at most ``_POOL_MAX_BYTES`` of them per compiled function.
_POOL_MIN_BYTES = 1 << 16
_POOL_MAX_BYTES = 1 << 27


def _writes_into(eqn) -> bool:
    """Whether ``eqn``'s compiled call can write its result into a given buffer (``out=``):
    a ufunc whose result has an input's dtype (or is a comparison's bool: numpy's own result
    dtype, never a cast), or a primitive whose impl takes ``out`` (``accepts_out``)."""
    if getattr(eqn.primitive, "accepts_out", False):
        return not eqn.primitive.multiple_results
    if not _is_ufunc_eqn(eqn):
        return False
    out = eqn.outvars[0].aval.dtype
    return out == np.bool_ or any(type(x) is not Literal and x.aval.dtype == out
                                  for x in eqn.inputs)


def _plan_buffers(jaxpr, frees) -> tuple[dict, dict, list]:
    """Where each array result goes, as XLA's buffer assignment decides before running:
    ``(reuse, slots, specs)``. ``reuse[i]`` is the input equation ``i`` (a ufunc) writes over
    at its last use (``_buffer_to_reuse``). A large temporary made fresh by equation ``i``
    gets pool buffer ``slots[i]`` of shape and dtype ``specs[slots[i]]`` when neither it
    nor any value later written over it or viewing it (its *group*) leaves the call: none is
    an output, and only equations with fresh results (or the group's views) read them. A buffer serves the next group
    of its shape and dtype once its group is dead. Kept between calls, these buffers spare
    the allocations that, past malloc's mmap threshold, fault fresh pages in every call."""
    reusable = _reusable_buffers(jaxpr)
    reuse: dict = {}
    group: dict[int, int] = {}  # id(var) -> its buffer's group
    groups: list[list] = []  # group -> [allocating equation, members, last eqn reading one]
    for i, (eqn, dead) in enumerate(zip(jaxpr.eqns, frees)):
        into = _buffer_to_reuse(eqn, dead, reusable)
        out = eqn.outvars[0] if eqn.outvars else None
        if into is not None:
            reuse[i] = into
            if id(into) in group:
                group[id(out)] = group[id(into)]
                groups[group[id(out)]][1].append(out)
        elif eqn.primitive.name in _VIEWS_OR_COPIES and len(eqn.inputs) == 1 \
                and id(eqn.inputs[0]) in group:  # a view of the buffer (or a copy)
            group[id(out)] = group[id(eqn.inputs[0])]
            groups[group[id(out)]][1].append(out)
        elif out is not None and _writes_into(eqn) and not out.aval.weak_type \
                and math.prod(out.aval.shape) * out.aval.dtype.itemsize >= _POOL_MIN_BYTES:
            group[id(out)] = len(groups)
            groups.append([i, [out], None])
    if not groups:
        return reuse, {}, []
    death = {id(v): i for i, dead in enumerate(frees) for v in dead}
    leaks = set()  # groups whose memory something outside them may see
    for e in jaxpr.eqns:
        if not _is_fresh_eqn(e):
            for x in e.inputs:
                g = group.get(id(x))
                if g is not None and not (e.primitive.name in _VIEWS_OR_COPIES
                                          and group.get(id(e.outvars[0])) == g):
                    leaks.add(g)
    leaks.update(group[id(x)] for x in jaxpr.outvars if id(x) in group)
    for g in groups:  # a member never read is alive to the end
        g[2] = max(death.get(id(v), len(frees)) for v in g[1])
    slots: dict = {}
    specs: list = []  # (memory block, shape, dtype) of each buffer handed out
    sizes: list = []  # bytes of each memory block
    free: dict = {}  # bytes -> [(last reader, block)] of dead groups' memory
    for g, (start, members, end) in enumerate(groups):
        if g in leaks:
            continue  # an output, or a value that may share its memory, holds it
        aval = members[0].aval
        size = math.prod(aval.shape) * aval.dtype.itemsize
        ready = [(e, k) for e, k in free.get(size, ()) if e < start]
        if ready:
            free[size].remove(ready[0])
            block = ready[0][1]
        elif sum(sizes) + size > _POOL_MAX_BYTES:
            continue
        else:
            block = len(sizes)
            sizes.append(size)
        slots[start] = len(specs)
        specs.append((block, aval.shape, aval.dtype))
        free.setdefault(size, []).append((end, block))
    return reuse, slots, (sizes, specs) if specs else []


def _buffer_maker(plan: tuple) -> Callable:
    """A function making one fresh set of the pool's buffers: each a view, of its shape and
    dtype, of a memory block that groups living at different times share."""
    sizes, specs = plan

    def new_buffers():
        blocks = [np.empty(size, np.uint8) for size in sizes]
        return [blocks[k].view(dtype).reshape(shape) for k, shape, dtype in specs]
    return new_buffers


#: How deeply Python-scalar expressions nest before one is bound to a variable (Python's
#: parser limits nesting; a chain of hundreds of operations would exceed it).
_MAX_INLINE_DEPTH = 12


def _use_counts(jaxpr) -> dict:
    """id(var) -> how many times the equations and the outputs read it."""
    counts: dict[int, int] = {}
    for eqn in jaxpr.eqns:
        for x in eqn.inputs:
            if type(x) is not Literal:
                counts[id(x)] = counts.get(id(x), 0) + 1
    for x in jaxpr.outvars:
        if type(x) is not Literal:
            counts[id(x)] = counts.get(id(x), 0) + 1
    return counts


def _identifiers():
    """The jaxpr printer's names a, b, ..., z, ba, ... minus Python keywords (``as``, ``if``,
    ``in``, ``is``, ``or``), so the source reads like the printed IR."""
    import keyword
    return (name for name in _var_names() if not keyword.iskeyword(name))
