"""The core of fungrad: primitives, ``bind``, tracers and the trace that records them.

Everything else is built on this module and it imports nothing from fungrad above it. It is
the trace machinery; the pieces it works with live beside it and are re-exported here, so
``fungrad.core.X`` names every one of them:

* ``fungrad.avals`` -- ``ShapedArray``, the abstract value (shape, dtype, weak_type) of an
  array, ``f64[3,4]``; ``get_aval`` of any value.
* ``fungrad.ir`` -- ``Var``, ``Literal``, ``Eqn``, ``Jaxpr`` / ``ClosedJaxpr``: the IR, plain
  data printed in JAX's format, and ``check_jaxpr``.
* ``fungrad.errors`` -- the errors a traced value raises where a concrete one was needed.
* ``fungrad.guards`` -- Python control flow on traced values, recorded as ``guard`` equations.

And here, in the order a computation meets them:

* ``Primitive`` -- one object per operation, holding all of its rules (impl, abstract_eval,
  jvp, vjp, batch, codegen). ``bind(prim, *args, **params)`` applies it: with no tracer among
  the arguments it just runs the numpy ``impl``; otherwise the innermost trace records it.
* ``JaxprTrace`` / ``Tracer`` -- tracing records one ``Eqn`` per ``bind`` into a ``Jaxpr``, and
  also computes every value when the inputs are concrete (so Python control flow can read them;
  such reads are recorded as ``guard`` equations).

A tiny example::

    >>> import numpy as np, fungrad.numpy as fnp
    >>> from fungrad.core import trace_to_jaxpr
    >>> closed, _ = trace_to_jaxpr(lambda x: [fnp.sin(x) * 2.0], [np.ones(3)])
    >>> print(closed)
    { lambda ; a:f64[3]. let b:f64[3] = sin a; c:f64[3] = mul b 2.0 in (c,) }
"""
from __future__ import annotations

import gc
import os
import sys
import threading
from contextlib import contextmanager
from importlib import import_module as _import_module
from typing import Any, Callable, Sequence

import numpy as np

from fungrad import allocator as _allocator
from fungrad import array as _array_module
from fungrad import avals as _avals
from fungrad import trace_keys as _trace_keys
from fungrad.array import Array, wrap
# re-exported: fungrad.core names the whole core (avals, IR, errors) as it always has
from fungrad.avals import (  # noqa: F401
    _NUMPY_SCALAR_AVALS, _PY_SCALAR_DTYPE, _SCALAR_AVALS, _SHORT_DTYPE, ShapeDtypeStruct,
    ShapedArray, get_aval, numpy_result, plain, short_dtype_name, value_aval,
)
from fungrad.errors import (  # noqa: F401
    ConcretizationTypeError, FungradTypeError, GuardFailure, TracerArrayConversionError,
    TracerBoolConversionError, UnexpectedTracerError,
)
from fungrad.ir import (  # noqa: F401
    ClosedJaxpr, DropVar, Eqn, Jaxpr, Literal, Var, _Namer, _pp_eqn, _var_names, check_jaxpr,
    pp_jaxpr, pp_literal,
)


def copy_name(wrapper: Any, fun: Any) -> Any:
    """Give ``wrapper`` the name, docstring and module of ``fun`` (what ``functools.wraps``
    does, minus copying ``fun.__dict__``: a wrapped wrapper would otherwise inherit the inner
    one's state, such as the function it calls). Works for any callable.

    >>> import functools
    >>> def f(x):
    ...     "Double."
    ...     return 2 * x
    >>> g = copy_name(lambda x: f(x), functools.partial(f))
    >>> g.__name__, g.__wrapped__.func is f
    ('partial', True)
    >>> copy_name(lambda x: x, f).__doc__
    'Double.'
    """
    name = getattr(fun, "__name__", None) or type(fun).__name__
    for attr, value in (("__name__", name), ("__qualname__", getattr(fun, "__qualname__", name)),
                        ("__doc__", getattr(fun, "__doc__", None)),
                        ("__module__", getattr(fun, "__module__", None)),
                        ("__wrapped__", fun)):
        try:
            setattr(wrapper, attr, value)
        except (AttributeError, TypeError):
            pass
    return wrapper



# ---------------------------------------------------------------------------------------------
# Primitives and bind
# ---------------------------------------------------------------------------------------------

class Primitive:
    """One operation and all of its rules, in one place.

    * ``impl(*vals, **params)``: the numpy implementation.
    * ``abstract_eval(*avals, **params)``: output aval(s); raises TypeError/ValueError on bad
      input, naming shapes and dtypes.
    * ``jvp(primals, tangents, **params) -> (primal_out, tangent_out)``: forward mode; a
      tangent of ``None`` is a symbolic zero. ``jvp_tangent(ans, primals, tangents,
      **params)``, where there is one, is the tangent alone given the primal output.
    * ``vjp(cts_out, primals, outs, needs, **params) -> cotangents``: reverse mode; ``needs[i]``
      says whether input ``i`` wants a cotangent (the rest come back as ``None``).
    * ``batch``: vmap rule (reserved; none are registered yet).
    * ``nondiff``: outputs carry no derivative (comparisons, argmax, ``stop_gradient``...).
    * ``effect``: never removed by dead-code elimination (``guard``).
    * ``symbolic_zero_cotangents`` (multiple results): ``vjp`` gets ``None`` for an output
      no cotangent reaches, not a zero array (``custom_vjp``, ``checkpoint``).
    * ``weak_propagating``: all-weak inputs give a weak result (elementwise math: Python
      scalars combine into Python scalars).
    * ``scalar_impl``: the same operation on Python floats (operators, ``math``), used on
      float64 scalars where a numpy call would cost ten times more.

    Rules are written with fungrad's own operations, so they trace, and derivatives of any
    order follow.

    >>> square_p = Primitive("square_it")
    >>> square_p.impl = lambda x: np.square(x)
    >>> square_p.abstract_eval = lambda aval: aval
    >>> square_p.jvp = lambda primals, tangents: (square_p.bind(primals[0]),
    ...                                           2.0 * primals[0] * tangents[0])
    >>> square_p.vjp = lambda g, primals, outs, needs: [2.0 * primals[0] * g]
    >>> square_p.bind(np.array([1.0, 3.0]))
    array([1., 9.])
    >>> import fungrad
    >>> fungrad.grad(square_p.bind)(3.0), fungrad.jvp(square_p.bind, (3.0,), (1.0,))
    (np.float64(6.0), (np.float64(9.0), np.float64(6.0)))
    >>> fungrad.grad(fungrad.grad(square_p.bind))(3.0)  # the rules trace: 2nd order works
    np.float64(2.0)
    """

    def __init__(self, name: str, multiple_results: bool = False):
        self.name = name
        self.multiple_results = multiple_results
        self.impl: Callable | None = None
        self.abstract_eval: Callable | None = None
        self.jvp: Callable | None = None
        self.jvp_tangent: Callable | None = None
        self.vjp: Callable | None = None
        self.batch: Callable | None = None
        self.nondiff = False
        self.effect = False
        self.symbolic_zero_cotangents = False
        self.weak_propagating = False
        self.scalar_impl: Callable | None = None

    def bind(self, *args, **params):
        """``bind(self, *args, **params)``: apply this primitive.

        >>> neg_p = Primitive("neg_it")
        >>> neg_p.impl = lambda x: -x
        >>> neg_p.abstract_eval = lambda aval: aval
        >>> neg_p.bind(np.array([1.0, 2.0]))
        array([-1., -2.])
        """
        return bind(self, *args, **params)

    def __repr__(self):
        return self.name


def bind(prim: Primitive, *args, **params):
    """Apply ``prim``: in the innermost trace among the arguments, or eagerly on numpy.

    >>> double_p = Primitive("double")
    >>> double_p.impl = lambda x: 2 * x
    >>> double_p.abstract_eval = lambda aval: aval
    >>> bind(double_p, np.array([1.0, 2.0]))  # no tracer: the numpy impl runs
    array([2., 4.])
    >>> import fungrad
    >>> print(fungrad.make_jaxpr(lambda x: bind(double_p, x))(np.ones(2)))  # a tracer: recorded
    { lambda ; a:f64[2]. let b:f64[2] = double a in (b,) }
    """
    trace = None
    for a in args:  # the innermost trace among the arguments (``_innermost_trace``, inlined)
        if type(a) is Tracer:
            t = a._trace
            if trace is None or t.level > trace.level:
                trace = t
    if trace is None:  # no tracer at all (the eager path, every rule of an eager backward pass)
        if prim.weak_propagating and _all_python_scalars(args):
            # weak in, weak out, as when traced: an IR evaluated eagerly (eval_jaxpr, vmap's
            # unbatched values, a backward pass) must give each value the dtype it was traced
            # with, so a Python-scalar result stays a Python scalar beside float32 arrays
            out = prim.impl(*args, **params)
            if _config["debug_nans"]:
                check_nans(prim, out)
            return out.item() if type(out) in _WEAK_RESULT_TYPES else out
        if _eager_mode[0] == 1:  # fungrad evaluating for itself: plain numpy, nothing more
            return prim.impl(*args, **params)
        return _eager_apply(prim, args, params)
    if not trace.active:
        raise UnexpectedTracerError(_leak_message(args))
    return trace.process(prim, args, params)


# eager calls free all their arrays on return: glibc should keep that memory for the next
# call rather than hand it back to the kernel and fault it in again (see fungrad.allocator)
_allocator.keep_freed_memory()

# value_aval's cache of (shape, dtype) -> aval: process reads it directly for numpy results
_aval_cache_get = _avals._aval_cache.get
_new = object.__new__
_number_of = _trace_keys.number_of
_param_ids_get = _trace_keys._param_ids.get  # (the table is cleared in place, never replaced)
# numpy scalar types a weak result may hold: those of Python's own scalars
_WEAK_RESULT_TYPES = (np.bool_, np.int64, np.float64, np.complex128)
_WEAK_DTYPES = tuple(_PY_SCALAR_DTYPE.values())


def _all_python_scalars(args: Sequence[Any]) -> bool:
    for a in args:
        if type(a) not in _PY_SCALAR_DTYPE:
            return False
    return True


def _eager_apply(prim: Primitive, args: Sequence[Any], params: dict) -> Any:
    """``prim`` applied eagerly for the user: on the plain arrays behind any Arrays (numpy
    is slower on subclasses), NaNs checked if asked, the result an immutable Array."""
    args = [a.view(np.ndarray) if type(a) is Array else a for a in args]
    out = prim.impl(*args, **params)
    if _config["debug_nans"]:
        check_nans(prim, out)
    if _internal_depth[0]:
        return out
    return [wrap(o) for o in out] if prim.multiple_results else wrap(out)


def eager_result(x: Any) -> Any:
    """An eagerly computed numpy value as the user receives it: an immutable Array, or the
    plain value while fungrad evaluates for itself.

    >>> type(eager_result(np.ones(2))).__name__
    'Array'
    """
    return x if _internal_depth[0] else wrap(x)


def check_nans(prim: Primitive, out: Any) -> None:
    """``jax_debug_nans`` / ``jax_debug_infs``: raise FloatingPointError if ``prim`` just
    produced a NaN (an inf), whichever of the two flags is set. (``_config["debug_nans"]`` is
    the switch that either flag turns on, so every place that checks stays one test.)"""
    for value in (out if prim.multiple_results else [out]):
        if isinstance(value, Tracer):
            value = value.val
        if value is None:
            continue
        arr = np.asarray(value)
        if arr.dtype.kind not in "fc":
            continue
        if _config["check_nans"] and np.isnan(arr).any():
            found, flag, what = "nan", "jax_debug_nans", "NaNs"
        elif _config["check_infs"] and np.isinf(arr).any():
            found, flag, what = "inf", "jax_debug_infs", "infs"
        else:
            continue
        where = _user_source_info()
        raise FloatingPointError(
            f"invalid value ({found}) encountered in {prim.name}"
            + (f" (called from {where})" if where else "")
            + f". fungrad.config.{flag} is set; unset it to let {what} through.")


def _innermost_trace(args: Sequence[Any]):
    """The trace of the innermost tracer among ``args`` (None: no tracer, run eagerly)."""
    trace = None
    for a in args:
        if type(a) is Tracer:
            t = a._trace
            if trace is None or t.level > trace.level:
                trace = t
    if trace is not None and not trace.active:
        raise UnexpectedTracerError(_leak_message(args))
    return trace


_FLOAT_SCALARS = (np.float64, float)


def _float_scalars(vals) -> bool:
    """Are these float64 scalars (numpy's or Python's), with at most Python ints besides?"""
    has_float = False
    for v in vals:
        t = type(v)
        if t is np.float64 or t is float:
            has_float = True
        elif t is not int:
            return False
    return has_float


def _scalar_apply(prim: Primitive, vals, params):
    """``prim`` on float64 scalars with Python arithmetic; numpy's result type, and numpy
    itself wherever Python raises (log(0), 1/0, overflow) so inf/nan semantics are kept."""
    try:
        out = prim.scalar_impl(*vals, **params)
    except (ArithmeticError, ValueError):
        return prim.impl(*vals, **params)
    t = type(out)
    return np.bool_(out) if t is bool or t is np.bool_ else np.float64(out)


def bind_known(prim: Primitive, args: Sequence[Any], params: dict, known: Any):
    """``bind`` when the result's value is already known (from the trace an IR came from):
    the trace records the equation without recomputing it; eagerly it is just ``known``."""
    trace = _innermost_trace(args)
    if trace is None:
        return known
    return trace.process(prim, args, params, known)


def _leak_message(args) -> str:
    leaked = next((a for a in args if isinstance(a, Tracer) and not a._trace.active),
                  next(a for a in args if isinstance(a, Tracer)))
    where = leaked._trace.description
    return (f"Encountered an unexpected tracer: {leaked.aval.str_short()}, created while "
            f"tracing {where}, is used after that trace ended. A traced value escaped "
            "(for example stored in a global or a closure, or returned through a side channel)."
            " Return it from the transformed function instead.")


# ---------------------------------------------------------------------------------------------
# Tracing
# ---------------------------------------------------------------------------------------------

class _TraceState(threading.local):
    def __init__(self):
        self.stack: list[JaxprTrace] = []
        # while an interpreter replays an equation, where that equation came from: the
        # equations its rules emit inherit it (with source info on)
        self.source: str | None = None


_state = _TraceState()

# > 0 while fungrad evaluates for itself (interpreters, backward passes): eager results stay
# plain numpy there; only what the user sees becomes an Array. A plain list, not part of the
# thread-local state: reading that costs more than the numpy call on a scalar. (Another
# thread's eager results may come back plain meanwhile: the same values, unwrapped.)
_internal_depth = [0]
# 1 when eager ``bind`` may run the impl and return: fungrad evaluating for itself, NaNs not
# checked (the one test that path makes); 0 otherwise
_eager_mode = [0]


def update_eager_mode() -> None:
    """Recompute ``_eager_mode`` after the NaN flag or the internal depth changed."""
    _eager_mode[0] = int(_internal_depth[0] > 0 and not _config["debug_nans"])


class internal_evaluation:
    """Within the block, eager ``bind`` results stay plain numpy (no Array wrapping): for
    fungrad's own interpreters and backward passes, whose results reach the user only
    through ``numpy_result``.

    >>> import fungrad.numpy as fnp
    >>> with internal_evaluation():
    ...     type(fnp.sin(np.ones(2))).__name__
    'ndarray'
    >>> type(fnp.sin(np.ones(2))).__name__
    'Array'
    """

    __slots__ = ()

    def __enter__(self):
        _internal_depth[0] += 1
        update_eager_mode()

    def __exit__(self, *exc):
        _internal_depth[0] -= 1
        update_eager_mode()


class collector_paused:
    """Pause Python's cyclic garbage collector while fungrad builds an IR from an IR (the
    transforms, simplification, code generation): that allocates many objects that all live
    on and form no garbage cycles, and each of the collector's full collections, which come
    geometrically often, walks every live object, adding a cost per equation that grows with
    the program. The user's code never runs paused: tracing it keeps the collector on.

    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """

    __slots__ = ("was_enabled",)

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        if self.was_enabled:
            gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()


def current_trace_level() -> int:
    return len(_state.stack)


# Where each equation came from: off by default (walking frames costs time per operation).
# The runtime flags of fungrad.config that this layer reads (config.py sets them).
_config = {"source_info": False, "debug_nans": False, "disable_jit": False,
           "log_compiles": False,
           # what check_nans looks for; "debug_nans" is on when either is
           "check_nans": False, "check_infs": False}


@contextmanager
def source_info(enabled: bool = True):
    """Record ``file:line`` of the user's code on every equation traced inside the block;
    print them with ``pp_jaxpr(jaxpr, show_source=True)``.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> with source_info():
    ...     closed = fungrad.make_jaxpr(fnp.sin)(np.ones(2))
    >>> closed.eqns[0].source_info is not None
    True
    """
    old = _config["source_info"]
    _config["source_info"] = enabled
    try:
        yield
    finally:
        _config["source_info"] = old


def tracking_source() -> bool:
    """Is source info being recorded? Interpreters then call ``replay_source`` per equation
    so the equations that replaying emits keep the location of the one they replay."""
    return _config["source_info"]


def replay_source(source: str | None) -> str | None:
    """Set the location equations recorded from now on inherit; returns the previous one."""
    old = _state.source
    _state.source = source
    return old


def trace_mark():
    """Where the innermost trace is now (it and its equation count), or None eagerly: an
    interpreter replaying an equation that carries a ``named_scope`` name marks before and
    names what the replay recorded (``inherit_names``)."""
    stack = _state.stack
    return (stack[-1], len(stack[-1].eqns)) if stack else None


def inherit_names(mark, name: str) -> None:
    """Give ``name`` to the equations recorded since ``mark`` that have none of their own."""
    if mark is not None:
        for eqn in mark[0].eqns[mark[1]:]:
            if eqn.name_stack is None:
                eqn.name_stack = name


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_source_info() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR):
            return f"{os.path.basename(filename)}:{frame.f_lineno}"
        frame = frame.f_back
    return None


class Tracer:
    """A value being traced: its abstract value, its variable in the trace, and its concrete
    value when tracing with known inputs (``None`` when tracing abstractly).

    Operators and array methods (``+``, ``@``, ``.sum()``, ``.T``, ``[...]``) are installed by
    ``fungrad.numpy`` at import time; ``bool()``, ``int()``, ``float()``... of a tracer by
    ``fungrad.guards`` (recorded as guards).

    >>> import fungrad
    >>> seen = []
    >>> fungrad.grad(lambda x: seen.append(x) or x * x)(3.0)
    np.float64(6.0)
    >>> seen  # what the function was called with: a tracer holding its value
    [Traced<f64[]>(value=array(3.))]
    >>> _ = fungrad.make_jaxpr(lambda x: seen.append(x) or x)(ShapeDtypeStruct((2,), "float32"))
    >>> seen[-1]  # abstract tracing: a shape and dtype, no value
    Traced<f32[2]>with<<lambda> for make_jaxpr>
    """

    __slots__ = ("_trace", "aval", "ir_var", "val", "__weakref__")
    __array_priority__ = 1000  # numpy defers ``ndarray + tracer`` to ``Tracer.__radd__``

    def __init__(self, trace: "JaxprTrace", aval: ShapedArray, var: Var, val: Any):
        self._trace = trace
        self.aval = aval
        self.ir_var = var
        self.val = val

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: len(self.aval.shape))
    size = property(lambda self: self.aval.size)

    def __repr__(self):
        if self.val is not None:
            return f"Traced<{self.aval.str_short()}>(value={np.asarray(self.val)!r})"
        return f"Traced<{self.aval.str_short()}>with<{self._trace.description}>"

    def __len__(self):
        if not self.aval.shape:
            raise TypeError(f"len() of unsized traced array {self.aval.str_short()}")
        return self.aval.shape[0]

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError(f"iteration over a 0-d traced array {self.aval.str_short()}")
        return (self[i] for i in range(self.aval.shape[0]))

    def __array__(self, dtype=None, copy=None):
        raise TracerArrayConversionError(
            f"A traced array {self.aval.str_short()} cannot become a numpy array inside a "
            f"transform ({self._trace.description}): np.asarray/np.array/a numpy function "
            "was called on it. Use the fungrad.numpy function instead (import fungrad.numpy "
            "as fnp), or move the numpy call outside the transformed function.")

    def __setitem__(self, idx, value):
        raise TypeError(
            "Traced arrays are immutable: `x[idx] = v` is not supported inside a transform. "
            "Use the functional update `x = x.at[idx].set(v)` (or `.add(v)`, `.multiply(v)`).")

    __hash__ = object.__hash__


_array_module.register(tracer_type=Tracer)
_avals.register_tracer_type(Tracer)


class JaxprTrace:
    """Records equations into a jaxpr, computing values too when the inputs are concrete."""

    def __init__(self, level: int, description: str = "a function", keep_values: bool = False):
        self.level = level
        self.description = description
        self.active = True
        self.eqns: list[Eqn] = []
        self.invars: list[Var] = []
        # names of the flat inputs, for error messages: a list, or a function computing it
        # (finding names inspects signatures, too slow to do on every call)
        self.arg_names: Any = None
        self.constvars: list[Var] = []
        self.consts: list[Any] = []
        self._const_ids: dict[int, Var] = {}
        self.values: dict[Var, Any] | None = {} if keep_values else None
        # with values kept, each variable is numbered by its place in them (Var.n); a trace
        # recording its structure also appends one structure-key entry per equation here
        # (None: not recorded, or something the key cannot hold: see fungrad.trace_keys)
        self.structure: list | None = None
        # guards let an IR be evaluated again on other inputs; an IR that is only used at
        # the values it was traced with (eager grad) may leave them out
        self.record_guards = True
        # a trace whose inputs are being differentiated (grad, vjp, jvp): converting a float
        # value to a Python number there would silently drop its derivative
        self.differentiating = False

    # -- inputs ----------------------------------------------------------------------------
    def new_arg(self, aval: ShapedArray, val: Any = None) -> Tracer:
        if type(val) is Array:
            val = val.view(np.ndarray)
        var = _new(Var)  # Var(aval) and Tracer(...) minus their __init__ frames, as in process
        var.aval = aval
        self.invars.append(var)
        values = self.values
        if values is not None:
            var.n = len(values)
            values[var] = val
        tracer = _new(Tracer)
        tracer._trace, tracer.aval, tracer.ir_var, tracer.val = self, aval, var, val
        return tracer

    def _const_var(self, x: Any, aval: ShapedArray) -> Var:
        var = self._const_ids.get(id(x))
        if var is None:
            var = _new(Var)
            var.aval = aval
            self._const_ids[id(x)] = var
            self.constvars.append(var)
            self.consts.append(x)  # keeps x alive, so its id stays unique
            values = self.values
            if values is not None:
                var.n = len(values)
                values[var] = x.val if isinstance(x, Tracer) else plain(x)
        return var

    def lift(self, x: Any):
        """The IR atom and concrete value for an argument of an equation."""
        if type(x) is Tracer:
            if x._trace is self:
                return x.ir_var, x.val
            if not x._trace.active or x._trace.level >= self.level:
                raise UnexpectedTracerError(_leak_message([x]))
            return self._const_var(x, x.aval), x.val
        aval = _SCALAR_AVALS.get(type(x))
        if aval is not None:
            return Literal(x, aval), x
        if isinstance(x, (np.ndarray, np.generic)):
            # numpy's own types share the cached avals; subclasses (Array) get their own
            aval = value_aval(x) if type(x) is np.ndarray or type(x) in _NUMPY_SCALAR_AVALS \
                else ShapedArray(x.shape, x.dtype)
            if x.ndim == 0:
                x = x[()] if type(x) is Array else x  # literals are numpy values
                return Literal(x, aval), x
            return self._const_var(x, aval), plain(x)
        return Literal(x, get_aval(x)), x  # raises the clear TypeError

    # -- equations -------------------------------------------------------------------------
    def process(self, prim: Primitive, args: Sequence[Any], params: dict, known: Any = None,
                evaluate: bool = True):
        """Record ``prim`` applied to ``args``; with concrete inputs also compute the value,
        unless it is ``known`` already (replaying an IR whose values were recorded), or
        ``evaluate`` is false (a value that has none here, as a collective over an axis that
        only the enclosing vmap resolves)."""
        atoms, vals = [], []
        concrete = evaluate
        weak = prim.weak_propagating
        for x in args:
            if type(x) is Tracer and x._trace is self:  # the common case, inlined
                atom, val = x.ir_var, x.val
            else:
                atom, val = self.lift(x)
            atoms.append(atom)
            vals.append(val)
            if val is None:
                concrete = False
            if weak and not atom.aval.weak_type:
                weak = False
        if concrete:
            # With values at hand the value's own shape and dtype are the output aval: numpy
            # has just done the shape/dtype work, so the abstract rule is only consulted to
            # explain an error (check_jaxpr keeps the two in agreement).
            if known is not None:
                out_val = known
            elif prim.scalar_impl is not None and type(vals[0]) is not np.ndarray and \
                    _float_scalars(vals):  # (an array operand: no need to look further)
                out_val = _scalar_apply(prim, vals, params)
            else:
                try:
                    out_val = prim.impl(*vals, **params)
                except (TypeError, ValueError):
                    prim.abstract_eval(*[a.aval for a in atoms], **params)
                    raise
            if prim.multiple_results:
                out_aval = [value_aval(v) for v in out_val]
            elif type(out_val) is np.ndarray:  # value_aval's first cases, inlined
                out_aval = _aval_cache_get((out_val.shape, out_val.dtype)) or \
                    value_aval(out_val)
            else:
                out_aval = _NUMPY_SCALAR_AVALS.get(type(out_val)) or value_aval(out_val)
        else:
            out_aval = prim.abstract_eval(*[a.aval for a in atoms], **params)
            out_val = None
        if concrete and _config["debug_nans"]:
            check_nans(prim, out_val)
        if weak and out_aval.dtype in _WEAK_DTYPES:
            # all inputs weak: the result stays a weak Python scalar (not where numpy picks a
            # narrower type of its own, as float16 for arccos(True))
            out_aval = ShapedArray(out_aval.shape, out_aval.dtype, True)
            if out_val is not None and hasattr(out_val, "item"):
                out_val = out_val.item()
        source = (_state.source or _user_source_info()) if _config["source_info"] else None
        if prim.multiple_results:
            outvars = [Var(a) for a in out_aval]
            self.eqns.append(Eqn(prim, atoms, params, outvars, source))
            out_vals = out_val if concrete else [None] * len(outvars)
            values = self.values
            if values is not None:
                for i, v in enumerate(outvars, len(values)):
                    v.n = i
                if self.structure is not None:
                    self._record(prim, params, atoms, outvars)
                values.update(zip(outvars, out_vals))
            return [Tracer(self, v.aval, v, x) for v, x in zip(outvars, out_vals)]
        # the one-output case builds its three records with object.__new__ and slot stores
        # (what Var(...), Eqn(...) and Tracer(...) do, minus three Python __init__ frames:
        # about a tenth of tracing's own cost per equation; test_eager_round5 compares them)
        outvar = _new(Var)
        outvar.aval = out_aval
        eqn = _new(Eqn)
        eqn.primitive, eqn.inputs, eqn.params, eqn.outvars = prim, atoms, params, [outvar]
        eqn.source_info = source
        eqn.name_stack = None
        self.eqns.append(eqn)
        values = self.values
        if values is not None:
            outvar.n = n = len(values)
            values[outvar] = out_val
            structure = self.structure
            if structure is not None:  # the structure key's entry (_record, inlined)
                if params:
                    try:
                        pid = _param_ids_get(tuple(params.items()))
                    except TypeError:  # an unhashable param: the key cannot hold it
                        pid = False
                    if pid is None:
                        pid = _trace_keys.params_id(tuple(params.items()))
                    if pid is False:
                        self.structure = None
                    else:
                        structure.append((prim, prim.vjp, pid, tuple(map(_number_of, atoms)),
                                          n))
                else:
                    structure.append((prim, prim.vjp, 0, tuple(map(_number_of, atoms)), n))
        tracer = _new(Tracer)
        tracer._trace, tracer.aval, tracer.ir_var, tracer.val = self, out_aval, outvar, out_val
        return tracer

    def _record(self, prim: Primitive, params: dict, atoms: list, outvars: list) -> None:
        """Append the structure-key entry of a multiple-results equation."""
        pid = _trace_keys.params_id(tuple(params.items())) if params else 0
        if pid is False or self.structure is None:
            self.structure = None
        else:
            self.structure.append((prim, prim.vjp, pid, tuple(map(_number_of, atoms)),
                                   tuple(map(_number_of, outvars))))

    def output_atom(self, x: Any):
        if isinstance(x, Tracer) and x._trace is self:
            return x.ir_var
        if isinstance(x, Tracer) and not x._trace.active:
            raise UnexpectedTracerError(_leak_message([x]))
        atom, _ = self.lift(x)
        return atom

    def to_jaxpr(self, outs: Sequence[Any]) -> ClosedJaxpr:
        outvars = [self.output_atom(x) for x in outs]
        jaxpr = Jaxpr(list(self.constvars), list(self.invars), self.eqns, outvars)
        return ClosedJaxpr(jaxpr, self.consts)

    # -- provenance, for error messages ------------------------------------------------------
    def input_names_behind(self, var: Var) -> list[str]:
        """Names of the traced arguments that ``var`` depends on."""
        wanted = {id(var)}
        for eqn in reversed(self.eqns):
            if any(id(v) in wanted for v in eqn.outvars):
                wanted.update(id(x) for x in eqn.inputs if isinstance(x, Var))
        names = self.arg_names() if callable(self.arg_names) else self.arg_names
        names = list(names or [])
        names += [""] * (len(self.invars) - len(names))
        return [name or f"argument {i}" for i, (v, name) in
                enumerate(zip(self.invars, names)) if id(v) in wanted]


class new_trace:
    """``with new_trace(...) as trace``: push a new innermost ``JaxprTrace``; always popped
    and deactivated on exit. (A class rather than a generator: it opens every eager call.)

    >>> with new_trace("an example") as trace:
    ...     current_trace_level() == trace.level
    True
    >>> trace.active
    False
    """

    __slots__ = ("trace",)

    def __init__(self, description: str = "a function", keep_values: bool = False):
        stack = _state.stack
        self.trace = trace = JaxprTrace(len(stack) + 1, description, keep_values)
        stack.append(trace)

    def __enter__(self) -> JaxprTrace:
        return self.trace

    def __exit__(self, *exc) -> None:
        trace = self.trace
        trace.active = False
        # pop down to (and including) this trace, whatever an exception left behind
        stack = _state.stack
        while stack:
            if stack.pop() is trace:
                break


def any_tracer(values: Sequence[Any]) -> bool:
    """Is any of ``values`` a tracer?

    >>> any_tracer([1.0, np.ones(2)])
    False
    """
    for x in values:
        if type(x) is Tracer:
            return True
    return False


def trace_to_jaxpr(fun: Callable, args: Sequence[Any], *, abstract: bool = False,
                   description: str | None = None, arg_names: Any = None,
                   keep_values: bool = False, record_guards: bool = True,
                   differentiating: bool = False, record_structure: bool = False):
    """Trace ``fun`` on flat ``args`` into a ``ClosedJaxpr``.

    ``args`` are arrays, scalars, tracers of outer traces, or ``ShapeDtypeStruct``/
    ``ShapedArray`` specs. With concrete inputs (and ``abstract=False``) every value is computed
    while tracing; ``keep_values`` returns them too, as a dict from ``Var`` to value.
    Returns ``(closed_jaxpr, outs)`` or ``(closed_jaxpr, outs, values)`` where ``outs`` are
    the raw outputs of ``fun`` (a flat list). ``record_guards=False`` leaves Python's
    decisions out of the IR: only for an IR that will never be evaluated on other inputs.
    ``differentiating`` marks a trace whose inputs are differentiated: ``float(x)`` of a
    value depending on them then raises rather than dropping the derivative.
    ``record_structure`` (with ``keep_values``) also returns the trace's structure-key
    entries, one per equation, recorded while tracing (None where the key cannot hold
    them): ``(closed_jaxpr, outs, values, structure)``, see ``fungrad.trace_keys``.

    >>> closed, outs = trace_to_jaxpr(lambda x: [x * 2.0], [np.ones(2)])
    >>> print(closed)
    { lambda ; a:f64[2]. let b:f64[2] = mul a 2.0 in (b,) }
    >>> outs
    [Traced<f64[2]>(value=array([2., 2.]))]
    """
    description = description or getattr(fun, "__name__", "a function")
    with new_trace(description, keep_values) as trace:
        trace.arg_names = arg_names
        trace.record_guards = record_guards
        trace.differentiating = differentiating
        if record_structure and keep_values:
            trace.structure = []
        in_tracers = []
        for x in args:
            t = type(x)
            if t is np.ndarray and not abstract:  # the usual eager argument
                aval, val = value_aval(x), x
            elif isinstance(x, ShapedArray):
                aval, val = x, None
            else:
                aval = get_aval(x)
                if isinstance(x, ShapeDtypeStruct) or abstract:
                    val = None
                elif t is Tracer:
                    val = x.val
                else:
                    val = x
            in_tracers.append(trace.new_arg(aval, val))
        outs = fun(*in_tracers)
        if not isinstance(outs, (list, tuple)):
            raise TypeError("trace_to_jaxpr expects the traced function to return a flat "
                            f"list of arrays, got {type(outs).__name__}")
        closed = trace.to_jaxpr(outs)
        if keep_values:
            if record_structure:
                return closed, list(outs), trace.values, trace.structure
            return closed, list(outs), trace.values
        return closed, list(outs)


def __getattr__(name: str):
    """``guard``, ``guard_p`` and ``_guard_holds`` live in fungrad.guards, which imports this module: they are
    looked up there on first use, whichever of the two modules was imported first."""
    if name in ("guard", "guard_p", "_guard_holds"):
        return getattr(_import_module("fungrad.guards"), name)
    raise AttributeError(f"module 'fungrad.core' has no attribute {name!r}")


# Tracers answer bool(), int(), float()... through guards: installed before any tracing.
_import_module("fungrad.guards")
# The runtime flags are set from the environment when fungrad.config is imported: whatever
# part of fungrad is imported first, that happens with its core.
# (By name: ``from fungrad import config`` would ask the package for its Config object.)
_import_module("fungrad.config")
