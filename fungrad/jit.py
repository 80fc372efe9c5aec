"""``jit``: trace once per control path, compile the IR to straight-line Python over numpy.

A jitted function keeps a cache keyed on the call's *signature* (argument tree structure,
shapes, dtypes, weak types and static argument values). Each entry holds a bounded list of
*variants*: IRs traced with concrete values, so Python ``if``/``while`` on traced values were
recorded as ``guard`` equations. A call runs the first variant whose guards all hold; when
none does, it traces a new variant. So a function with Python control flow is traced once
per path taken, not once per call -- something neither JAX's jit (which refuses such code)
nor autograd (which retraces every call) does.

Each variant is compiled into a Python function, one numpy call per equation, guards checked
inline (``fungrad.codegen`` writes it); constants and params reach it through its namespace,
never pasted into the source.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> @fungrad.jit
... def f(x):
...     return x * 2.0 if fnp.sum(x) > 0 else -x
>>> f(np.ones(2)), f(-np.ones(2)), f(np.ones(2) * 3.0)
(array([2., 2.]), array([1., 1.]), array([6., 6.]))
>>> f.trace_count  # two paths, two traces
2
"""
from __future__ import annotations

import functools
import importlib
import inspect
import itertools
import logging
import warnings
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, Generic, Sequence, TypeVar, overload

from typing_extensions import ParamSpec

if TYPE_CHECKING:
    from fungrad.stages import Lowered, Traced

import numpy as np

from fungrad.core import (
    ClosedJaxpr, GuardFailure, ShapedArray, ShapeDtypeStruct, Tracer,
    copy_name, current_trace_level, get_aval, guard_p, numpy_result, trace_to_jaxpr,
)
from fungrad.array import Array
from fungrad.core import _config as _flags
from fungrad import codegen
from fungrad.codegen import compile_jaxpr, compiled_sub, run_sub  # noqa: F401  (re-exported)
from fungrad.interpreter import eval_jaxpr
from fungrad.partial_eval import merge_extended_scans
from fungrad.passes import simplify
from fungrad.traceback_util import filter_exception, register_boundary
from fungrad.tree_util import _registry as _pytree_registry
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["jit", "Jitted", "clear_caches", "compile_jaxpr", "compiled_sub", "run_sub",
           "DEFAULT_MAX_VARIANTS", "DEFAULT_MAX_SIGNATURES"]

#: How many guarded variants one signature keeps (least recently used dropped first).
DEFAULT_MAX_VARIANTS = 64
#: How many signatures (shapes/dtypes/static values) one jitted function keeps.
DEFAULT_MAX_SIGNATURES = 64
#: How many variants of one signature make a "retrace storm" worth a warning.
RETRACE_STORM = 8

_log = logging.getLogger("fungrad.jit")


def _hashable(value) -> bool:
    try:
        hash(value)
        return True
    except TypeError:
        return False


def _describe_avals(avals) -> str:
    return "(" + ", ".join(_aval_text(a) for a in avals) + ")"


def _aval_text(aval) -> str:
    return aval.str_short() + (" weak" if aval.weak_type else "")


def _signature_change(old_key, new_key) -> str:
    """What differs between two cache keys (tree, avals, static values), in words."""
    old_tree, old_avals, old_static = old_key
    new_tree, new_avals, new_static = new_key
    if old_tree != new_tree:
        return f"argument structure {new_tree} (was {old_tree})"
    changed = [f"leaf {i}: {_aval_text(a)} (was {_aval_text(b)})"
               for i, (a, b) in enumerate(zip(new_avals, old_avals)) if a != b]
    if old_static != new_static:
        changed.append(f"static arguments {new_static!r} (were {old_static!r})")
    return "; ".join(changed) or "a new signature"


def _value_guards(variant) -> list:
    """The guards on a float's value (``float(x)``, ``x.item()``): a new value is a new
    path, so they fail for almost every new input (unlike an ``if``'s True/False)."""
    return [e for e in variant.jaxpr.jaxpr.eqns if e.primitive is guard_p
            and type(e.params["expect"]) in (float, complex)]


def _guard_summary(variant, guards: list | None = None) -> str:
    """The guards of a variant, as the printed IR shows them, with their source lines."""
    if guards is None:
        guards = [e for e in variant.jaxpr.jaxpr.eqns if e.primitive is guard_p]
    parts = [f"guard[{' '.join(f'{k}={v!r}' for k, v in sorted(e.params.items()))}]"
             + (f" at {e.source_info}" if e.source_info else "") for e in guards[:3]]
    return ", ".join(parts) + (", ..." if len(guards) > 3 else "") if parts else "no guards"


# ---------------------------------------------------------------------------------------------
# The cache of guarded variants
# ---------------------------------------------------------------------------------------------

class Variant:
    """One traced path: its IR (guards included), the compiled function, and the function
    that builds the output pytree from its flat outputs."""

    __slots__ = ("jaxpr", "fn", "out_tree", "build", "hits")

    def __init__(self, jaxpr: ClosedJaxpr, fn: Callable, out_tree):
        self.jaxpr = jaxpr
        self.fn = fn
        self.out_tree = out_tree
        self.build = _output_builder(out_tree)
        self.hits = 0


class _Unusual(Exception):
    """A call the fast signature does not cover (custom pytrees, tracers, odd leaves)."""


_LEAF_TYPES = (bool, int, float, complex)


def _signature(x, leaves: list):
    """A hashable summary of ``x``'s tree structure and its leaves' types, shapes and dtypes,
    collecting the leaves: the cache key of a call, computed without building a treedef."""
    t = type(x)
    if t is np.ndarray:
        leaves.append(x)
        return (x.shape, x.dtype)
    if t is Array:  # computed on as plain numpy (faster than on the subclass)
        leaves.append(x.view(np.ndarray))
        return (x.shape, x.dtype)
    if t is tuple or t is list:
        return (t,) + tuple([_signature(c, leaves) for c in x])
    if x is None:  # an empty subtree
        return None
    if t is dict:
        keys = sorted(x)
        return (dict, tuple(keys)) + tuple([_signature(x[k], leaves) for k in keys])
    if t in _LEAF_TYPES:
        leaves.append(x)
        return t
    if isinstance(x, np.generic):
        leaves.append(x)
        return (t, x.dtype)
    node = _pytree_registry.get(t)
    if node is not None:  # a registered pytree (an optimizer's state, a namedtuple...)
        children, aux = node.to_iterable(x)
        try:
            hash(aux)
        except TypeError:
            raise _Unusual from None
        return (t, aux) + tuple([_signature(c, leaves) for c in children])
    raise _Unusual


def _output_builder(out_tree) -> Callable:
    """A compiled function building the output pytree from the flat outputs (builtin
    containers; any other tree is rebuilt with tree_unflatten), each leaf an ordinary numpy
    value (``numpy_result``)."""
    namespace: dict = {"_result": numpy_result}
    counter = itertools.count()

    def expr(td) -> str:
        if td.node_type is None:
            i = next(counter)
            return f"_result(o[{i}])"
        kids = [expr(c) for c in td.children]
        if td.node_type is tuple:
            return "(" + "".join(k + ", " for k in kids) + ")"
        if td.node_type is list:
            return "[" + ", ".join(kids) + "]"
        if td.node_type is dict:
            name = f"_keys{len(namespace)}"
            namespace[name] = td.node_data
            return "{" + ", ".join(f"{name}[{j}]: {k}" for j, k in enumerate(kids)) + "}"
        if td.node_type is type(None):
            return "None"
        raise _Unusual

    try:
        source = f"def build(o):\n    return {expr(out_tree)}"
    except _Unusual:
        return lambda outs: tree_unflatten(out_tree, [numpy_result(o) for o in outs])
    exec(compile(source, "<fungrad.jit outputs>", "exec"), namespace)  # noqa: S102
    return namespace["build"]


P = ParamSpec("P")
R = TypeVar("R")


def _check_static_argnums(signature: inspect.Signature, static_argnums: tuple) -> None:
    """A static position the function cannot take is a mistake, reported as JAX does."""
    params = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return
    n = sum(p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            for p in params)
    for i in static_argnums:
        if not -n <= i < n:
            raise ValueError(f"Jitted function has static_argnums={static_argnums}, but only "
                             f"accepts {n} positional arguments.")


class Jitted(Generic[P, R]):
    """A jitted function: call it like the original. ``trace_count`` says how many times it
    traced; ``variants()`` lists the cached IRs (with their guards); ``clear_cache()`` empties
    the cache. ``max_variants`` / ``max_signatures`` bound the cache.

    >>> import fungrad, fungrad.numpy as fnp
    >>> f = fungrad.jit(lambda x: fnp.sum(x ** 2))
    >>> f(np.array([1.0, 2.0])), f(np.array([3.0, 4.0]))
    (np.float64(5.0), np.float64(25.0))
    >>> f  # same shapes, no Python control flow: one trace serves both calls
    <jit <lambda>: 1 traces, 1 variants cached>
    """

    def __init__(self, fun: Callable, static_argnums: Sequence[int] = (),
                 static_argnames: Sequence[str] = (), max_variants: int = DEFAULT_MAX_VARIANTS,
                 max_signatures: int = DEFAULT_MAX_SIGNATURES):
        self.fun = fun
        self.static_argnums = tuple(static_argnums)
        self.static_argnames = tuple(static_argnames)
        self.max_variants = max_variants
        self.max_signatures = max_signatures
        self.trace_count = 0
        self._cache: OrderedDict = OrderedDict()
        # fast signature of positional args -> the variants list of its self._cache entry
        # (cleared whenever an entry leaves the cache, so it never holds an evicted list)
        self._fast: dict = {}
        self._storm_warned = False
        try:
            self._signature = inspect.signature(fun)
        except (TypeError, ValueError):
            self._signature = None
        if self._signature is not None:
            _check_static_argnums(self._signature, self.static_argnums)
            # as in JAX, a static argument is static whether passed by position or by name
            named = [p.name for p in self._signature.parameters.values()
                     if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
            self.static_argnums += tuple(named.index(n) for n in self.static_argnames
                                         if n in named and named.index(n)
                                         not in self.static_argnums)
            self.static_argnames += tuple(named[i] for i in self.static_argnums
                                          if 0 <= i < len(named)
                                          and named[i] not in self.static_argnames)
        copy_name(self, fun)
        _LIVE_JITTED.add(self)

    # -- the call ------------------------------------------------------------------------
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if _flags["disable_jit"]:
            return self.fun(*args, **kwargs)
        # the fast path: positional array arguments in builtin containers, a seen signature
        if not kwargs and not self.static_argnums and not current_trace_level() \
                and not _flags["debug_nans"]:
            leaves: list = []
            try:
                sig = _signature(args, leaves)
            except _Unusual:
                sig = None
            variants = self._fast.get(sig) if sig is not None else None
            if variants:
                for k, variant in enumerate(variants):
                    try:
                        outs = variant.fn(*leaves)
                    except GuardFailure:
                        continue
                    except Exception as e:  # an API boundary: fungrad's frames filtered
                        filter_exception(e)
                        raise
                    variant.hits += 1
                    if k:
                        variants.insert(0, variants.pop(k))
                    return variant.build(outs)
        try:
            return self._call_slow(args, kwargs)
        except Exception as e:
            filter_exception(e)
            raise

    def _split(self, args, kwargs) -> tuple:
        """``(static_pos, dyn_pos, dynamic, flat, in_tree)``: the positions of the static
        arguments, those of the dynamic ones, the dynamic ``(args, kwargs)`` and its leaves."""
        static_pos = {i % len(args) for i in self.static_argnums if -len(args) <= i < len(args)}
        dyn_pos = tuple(i for i in range(len(args)) if i not in static_pos)
        dyn_kw = tuple(sorted(k for k in kwargs if k not in self.static_argnames))
        dynamic = (tuple(args[i] for i in dyn_pos), {k: kwargs[k] for k in dyn_kw})
        flat, in_tree = tree_flatten(dynamic)
        return static_pos, dyn_pos, dynamic, flat, in_tree

    def _avals(self, flat, dynamic, dyn_pos) -> list:
        avals = []
        for i, x in enumerate(flat):
            try:
                avals.append(get_aval(x))
            except TypeError:
                raise TypeError(f"jit of {self.__name__}: the argument at "
                                f"{self._leaf_path(dynamic, dyn_pos, i)} is "
                                f"{type(x).__name__} {x!r:.60}, not an array; mark non-array "
                                "arguments static (static_argnums / static_argnames)") from None
        return avals

    def _call_slow(self, args, kwargs):
        static_pos, dyn_pos, dynamic, flat, in_tree = self._split(args, kwargs)
        if current_trace_level() or any(isinstance(x, Tracer) for x in flat):
            # inside another transform: jit is transparent, the outer trace records the body
            # (also when only a closed-over value is traced: a variant must not keep it)
            return self.fun(*args, **kwargs)
        avals = self._avals(flat, dynamic, dyn_pos)
        static = tuple((i, args[i]) for i in sorted(static_pos)) + \
            tuple((k, kwargs[k]) for k in sorted(kwargs) if k in self.static_argnames)
        key = (in_tree, tuple(avals), static)
        try:
            variants = self._cache.get(key)
        except TypeError:
            bad = [(k, v) for k, v in static if not _hashable(v)]
            raise ValueError(
                f"jit of {self.__name__}: static arguments must be hashable; "
                + ", ".join(f"argument {k!r} is {type(v).__name__} {v!r:.60}" for k, v in bad)
                + ". Pass a tuple instead of a list, or make the value hashable.") from None
        if variants is None:
            if _flags["log_compiles"]:
                self._log_new_signature(key)
            variants = self._cache[key] = []
            while len(self._cache) > self.max_signatures:
                self._cache.popitem(last=False)
                self._fast.clear()
        else:
            self._cache.move_to_end(key)
        if not kwargs and not static_pos:
            leaves = []
            if len(self._fast) >= 4 * self.max_signatures:  # a shortcut only: keep it bounded
                self._fast.clear()
            try:
                self._fast[_signature(args, leaves)] = variants
            except _Unusual:
                pass
        for k, variant in enumerate(variants):
            try:
                if _flags["debug_nans"]:  # equation by equation, each result checked
                    outs = eval_jaxpr(variant.jaxpr.jaxpr, variant.jaxpr.consts, *flat)
                else:
                    outs = variant.fn(*flat)
            except GuardFailure:
                continue
            variant.hits += 1
            if k:  # most recently used first: the next call probably takes the same path
                variants.insert(0, variants.pop(k))
            return variant.build(outs)
        if variants:
            self._path_retrace(variants, key)
        return self._trace_new(variants, args, kwargs, dyn_pos, flat, in_tree)

    def _log_new_signature(self, key) -> None:
        if not self._cache:
            _log.warning("jit: tracing %s for %s (%s)", self.__name__, _describe_avals(key[1]),
                         "first trace" if not self.trace_count else "the cache was emptied")
        else:
            _log.warning("jit: tracing %s for a new signature: %s", self.__name__,
                         _signature_change(next(reversed(self._cache)), key))

    def _path_retrace(self, variants: list, key) -> None:
        """Every cached variant's guards failed: log why (the flag) and warn once when the
        variants of one signature keep piling up (a retrace on every call)."""
        if _flags["log_compiles"]:
            _log.warning("jit: retracing %s for %s: a new control path (a guard failed in "
                         "each of the %d cached variants: %s)", self.__name__,
                         _describe_avals(key[1]), len(variants), _guard_summary(variants[0]))
        if len(variants) + 1 == RETRACE_STORM and not self._storm_warned \
                and _value_guards(variants[0]):
            self._storm_warned = True
            warnings.warn(
                f"jit: {self.__name__} has been traced {RETRACE_STORM} times for the same "
                f"argument shapes ({_describe_avals(key[1])}): a Python conversion of a traced "
                f"value ({_guard_summary(variants[0], _value_guards(variants[0]))}) sees a "
                "different value on (almost) every call, so every call retraces and jit only slows it down. Keep the "
                "value as an array (no float()/int()/.item()), use lax.cond / "
                "fungrad.numpy.where for the choice, or mark the argument static "
                "(static_argnums). Set fungrad.config.update('jax_log_compiles', True) to "
                "see every retrace.", RuntimeWarning, stacklevel=4)

    def _trace_new(self, variants, args, kwargs, dyn_pos, flat, in_tree):
        closed, outs, out_tree = self._trace(args, kwargs, dyn_pos, flat, in_tree)
        closed = merge_extended_scans(closed)
        variant = Variant(closed, compile_jaxpr(closed), out_tree)
        variants.insert(0, variant)
        del variants[self.max_variants:]
        return variant.build([x.val if isinstance(x, Tracer) else x for x in outs])

    def _trace(self, args, kwargs, dyn_pos, flat, in_tree, abstract: bool = False):
        """Trace ``self.fun`` at the call's arguments: ``(simplified IR, raw flat outputs,
        output tree)``."""
        out_tree_box = []

        def flat_fun(*leaves):
            dyn_args, dyn_kwargs = tree_unflatten(in_tree, leaves)
            full = list(args)
            for i, x in zip(dyn_pos, dyn_args):
                full[i] = x
            out = self.fun(*full, **{**kwargs, **dyn_kwargs})
            out_leaves, out_tree = tree_flatten(out)
            out_tree_box.append(out_tree)
            return out_leaves

        closed, outs = trace_to_jaxpr(flat_fun, flat, description=f"{self.__name__} for jit",
                                      arg_names=lambda: self._arg_names(len(flat)),
                                      abstract=abstract)
        self.trace_count += 1
        return simplify(closed), outs, out_tree_box[0]

    def _leaf_path(self, dynamic, dyn_pos, i: int) -> str:
        """Where flat leaf ``i`` of the dynamic arguments is, e.g. ``args[1]['name']``."""
        from fungrad.tree_util import keystr, tree_flatten_with_path
        path = tree_flatten_with_path(dynamic)[0][i][0]
        if len(path) >= 2 and path[0].idx == 0:  # positional: args[position]...
            head = f"args[{dyn_pos[path[1].idx]}]"
            names = list(self._signature.parameters) if self._signature else []
            if dyn_pos[path[1].idx] < len(names):
                head = names[dyn_pos[path[1].idx]]
            return head + keystr(path[2:])
        return f"kwargs{keystr(path[1:])}"

    def _arg_names(self, n: int) -> list[str]:
        if self._signature is None:
            return []
        names = list(self._signature.parameters)
        return names if len(names) == n else []

    # -- ahead of time: trace, lower, compile (JAX's stages) ---------------------------------
    def trace(self, *args: P.args, **kwargs: P.kwargs) -> "Traced":
        """Trace at these arguments (arrays or ``ShapeDtypeStruct`` specs) without running:
        a ``fungrad.stages.Traced`` with the ``jaxpr``, ``out_info``, ``lower()``. With
        arrays the trace is concrete, so Python control flow is recorded as guards.

        >>> import fungrad, fungrad.numpy as fnp
        >>> traced = fungrad.jit(lambda x: fnp.sin(x) * 2.0).trace(np.ones(3))
        >>> print(traced.jaxpr)
        { lambda ; a:f64[3]. let b:f64[3] = sin a; c:f64[3] = mul b 2.0 in (c,) }
        >>> traced.out_info
        ShapeDtypeStruct(shape=(3,), dtype=float64)
        """
        from fungrad.stages import Traced
        static_pos, dyn_pos, dynamic, flat, in_tree = self._split(args, kwargs)
        if any(isinstance(x, Tracer) for x in flat):
            raise TypeError(f"jit({self.__name__}).trace: an argument is a tracer of an outer "
                            "transform; trace ahead of time outside of transforms")
        avals = self._avals(flat, dynamic, dyn_pos)
        abstract = any(isinstance(x, (ShapeDtypeStruct, ShapedArray)) for x in flat)
        closed, _, out_tree = self._trace(args, kwargs, dyn_pos, flat, in_tree, abstract)

        def call_jitted(dyn_args: tuple, dyn_kwargs: dict):  # the full call, statics put back
            full = list(args)
            for i, x in zip(dyn_pos, dyn_args):
                full[i] = x
            return self(*full, **{**kwargs, **dyn_kwargs})

        return Traced(self.__name__, closed, in_tree, avals, out_tree, call_jitted)

    def lower(self, *args: P.args, **kwargs: P.kwargs) -> "Lowered":
        """``trace(*args, **kwargs).lower()``: then ``.compile()`` gives the compiled
        function of the dynamic arguments.

        >>> import fungrad
        >>> fungrad.jit(lambda x: x + 1.0).lower(1.0).compile()(3.0)
        np.float64(4.0)
        """
        return self.trace(*args, **kwargs).lower()

    # -- inspection -------------------------------------------------------------------------
    def variants(self) -> list[ClosedJaxpr]:
        """The cached IRs, most recently used signature last, guards included.

        >>> import fungrad
        >>> f = fungrad.jit(lambda x: x * 2.0 if x > 0 else -x)
        >>> f(1.0), f(-1.0), f(5.0)
        (np.float64(2.0), np.float64(1.0), np.float64(10.0))
        >>> for closed in f.variants():  # one per path, the last one taken first
        ...     print(closed)
        { lambda ; a:f64[]. let
            b:bool[] = gt a 0
            guard[expect=True] b
            c:f64[] = mul a 2.0
          in (c,) }
        { lambda ; a:f64[]. let
            b:bool[] = gt a 0
            guard[expect=False] b
            c:f64[] = neg a
          in (c,) }
        """
        return [v.jaxpr for vs in self._cache.values() for v in vs]

    def sources(self) -> list[str]:
        """The generated Python source of every cached variant.

        >>> import fungrad, fungrad.numpy as fnp
        >>> f = fungrad.jit(lambda x: fnp.sin(x) * 2.0)
        >>> _ = f(np.zeros(3))
        >>> print(f.sources()[0].splitlines()[1])  # one numpy call per equation
            b = _sin(a)
        """
        return [v.fn.source for vs in self._cache.values() for v in vs]

    def clear_cache(self) -> None:
        """Forget every variant (the trace count is kept).

        >>> import fungrad
        >>> f = fungrad.jit(lambda x: x + 1.0)
        >>> _ = f(1.0)
        >>> f.clear_cache()
        >>> f.variants(), f.trace_count
        ([], 1)
        >>> _ = f(1.0)  # traces again
        >>> f.trace_count
        2
        """
        self._cache.clear()
        self._fast.clear()

    def __repr__(self):
        return f"<jit {self.__name__}: {self.trace_count} traces, " \
               f"{sum(len(v) for v in self._cache.values())} variants cached>"

    def __get__(self, obj, objtype=None):  # so @jit works on methods
        return self if obj is None else functools.partial(self, obj)


@overload
def jit(fun: Callable[P, R], static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), donate_argnums: int | Sequence[int] = (),
        donate_argnames: str | Sequence[str] = (), inline: bool = False, *,
        in_shardings: Any = None, out_shardings: Any = None,
        max_variants: int = ..., max_signatures: int = ...) -> Jitted[P, R]: ...
@overload
def jit(fun: None = None, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), donate_argnums: int | Sequence[int] = (),
        donate_argnames: str | Sequence[str] = (), inline: bool = False, *,
        in_shardings: Any = None, out_shardings: Any = None, max_variants: int = ...,
        max_signatures: int = ...) -> Callable[[Callable[P, R]], Jitted[P, R]]: ...


def jit(fun: Callable | None = None, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), donate_argnums: int | Sequence[int] = (),
        donate_argnames: str | Sequence[str] = (), inline: bool = False, *,
        in_shardings: Any = None, out_shardings: Any = None,
        max_variants: int = DEFAULT_MAX_VARIANTS,
        max_signatures: int = DEFAULT_MAX_SIGNATURES) -> Any:
    """Trace ``fun`` once per signature and control path, and run the compiled IR after.

    Usable as ``jit(f)``, ``@jit`` or ``@jit(static_argnums=1)``. Composes with the other
    transforms both ways: ``jit(grad(f))`` compiles the gradient; ``grad(jit(f))``
    differentiates through it. ``donate_argnums`` / ``donate_argnames`` and ``inline`` are
    accepted for JAX compatibility: numpy has no buffers to donate, and inside another trace
    a jitted function is always inlined. ``in_shardings`` / ``out_shardings`` (shardings,
    PartitionSpecs, or trees of them) are checked against the arguments and results when
    traced (rank, mesh axes); on one device they lay nothing out.

    The compiled variants belong to ``fun`` (held weakly), not to the wrapper: ``jit(f)(x)``
    written inside a loop traces once, as in JAX.

    >>> import fungrad, fungrad.numpy as fnp
    >>> g = fungrad.jit(fungrad.grad(lambda x: fnp.sin(x) * x))
    >>> float(g(0.0)), g.trace_count
    (0.0, 1)
    >>> def step(x):
    ...     return x + 1.0
    >>> for _ in range(3):
    ...     y = fungrad.jit(step)(1.0)
    >>> fungrad.jit(step).trace_count
    1
    """
    static_argnums = (static_argnums,) if isinstance(static_argnums, int) else static_argnums
    static_argnames = (static_argnames,) if isinstance(static_argnames, str) else \
        static_argnames
    if fun is not None and not callable(fun):
        raise TypeError(f"jit: expected a callable value, got {type(fun).__name__} {fun!r}")
    options = (tuple(static_argnums), tuple(static_argnames), max_variants, max_signatures)
    if in_shardings is not None or out_shardings is not None:
        from fungrad.sharding import jit_sharding_checks
        if fun is None:
            return lambda f: _jitted(jit_sharding_checks(f, in_shardings, out_shardings),
                                     options)
        fun = jit_sharding_checks(fun, in_shardings, out_shardings)
    if fun is None:
        return lambda f: _jitted(f, options)
    return _jitted(fun, options)


# fun -> {options: Jitted}: the cache lives as long as the function does
_JITTED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
# every Jitted alive (however made), for clear_caches
_LIVE_JITTED: "weakref.WeakSet" = weakref.WeakSet()


def clear_caches() -> None:
    """Forget every compiled thing, as ``jax.clear_caches`` does: the variants of every
    live jitted function, the compiled sub-jaxprs (loop bodies, branches), the compiled scan
    loops and the compiled eager backward passes. Later calls trace and compile again.

    >>> import fungrad
    >>> f = fungrad.jit(lambda x: x * 3.0)
    >>> _ = f(1.0)
    >>> fungrad.clear_caches()
    >>> f.variants(), float(f(2.0)), f.trace_count
    ([], 6.0, 2)
    """
    for jitted in list(_LIVE_JITTED):
        jitted.clear_cache()
    codegen._compiled_subs.clear()
    # modules using this one (import_module: the package's ``vjp`` name is the function)
    loops = importlib.import_module("fungrad.control_flow")._compiled_loops
    backward = importlib.import_module("fungrad.vjp")
    loops.clear()
    backward._compiled_backwards.clear()
    backward._seen_once.clear()


register_boundary(Jitted.__call__)


def _jitted(fun: Callable, options: tuple) -> Jitted:
    try:
        per_fun = _JITTED.get(fun)
    except TypeError:  # neither hashable nor weakly referenceable: a cache of its own
        return Jitted(fun, *options)
    if per_fun is None:
        try:
            per_fun = _JITTED[fun] = {}
        except TypeError:
            return Jitted(fun, *options)
    jitted = per_fun.get(options)
    if jitted is None:
        try:
            jitted = per_fun[options] = Jitted(fun, *options)
        except TypeError:  # unhashable options (a list of static argnums)
            return Jitted(fun, *options)
    return jitted
