"""The core of fungrad: abstract values, the IR, primitives, ``bind`` and tracing.

Everything else is built on this module and it imports nothing from fungrad above it.
The pieces, in the order a computation meets them:

* ``ShapedArray`` -- the abstract value (shape, dtype, weak_type) of an array, ``f64[3,4]``.
* ``Primitive`` -- one object per operation, holding all of its rules (impl, abstract_eval,
  jvp, vjp, batch, codegen). ``bind(prim, *args, **params)`` applies it: with no tracer among
  the arguments it just runs the numpy ``impl``; otherwise the innermost trace records it.
* ``JaxprTrace`` / ``Tracer`` -- tracing records one ``Eqn`` per ``bind`` into a ``Jaxpr``, and
  also computes every value when the inputs are concrete (so Python control flow can read them;
  such reads are recorded as ``guard`` equations).
* ``Jaxpr`` / ``ClosedJaxpr`` -- the IR: plain data, printed in JAX's format.

A tiny example::

    >>> import numpy as np, fungrad.numpy as fnp
    >>> from fungrad.core import trace_to_jaxpr
    >>> closed, _ = trace_to_jaxpr(lambda x: [fnp.sin(x) * 2.0], [np.ones(3)])
    >>> print(closed)
    { lambda ; a:f64[3]. let b:f64[3] = sin a; c:f64[3] = mul b 2.0 in (c,) }
"""
from __future__ import annotations

import gc
import math
import os
import sys
import threading
from contextlib import contextmanager
from importlib import import_module as _import_module
from typing import Any, Callable, Sequence

import numpy as np

from fungrad import array as _array_module
from fungrad.array import Array, wrap

# ---------------------------------------------------------------------------------------------
# Abstract values
# ---------------------------------------------------------------------------------------------

_SHORT_DTYPE = {
    "float64": "f64", "float32": "f32", "float16": "f16",
    "int64": "i64", "int32": "i32", "int16": "i16", "int8": "i8",
    "uint64": "u64", "uint32": "u32", "uint16": "u16", "uint8": "u8",
    "bool": "bool", "complex128": "c128", "complex64": "c64",
}


def short_dtype_name(dtype: np.dtype) -> str:
    """``float64 -> 'f64'``, ``bool -> 'bool'``: the dtype names jaxprs print.

    >>> short_dtype_name(np.float32), short_dtype_name(bool)
    ('f32', 'bool')
    """
    return _SHORT_DTYPE.get(np.dtype(dtype).name, np.dtype(dtype).name)


class ShapedArray:
    """The abstract value of an array: what tracing knows about it without its contents.

    ``weak_type`` marks a value that came from a Python scalar: like numpy (NEP 50) it adopts
    the dtype of the array it meets (``x_f32 * 2.0`` stays float32).

    >>> ShapedArray((3, 4), np.float64)
    f64[3,4]
    """

    __slots__ = ("shape", "dtype", "weak_type", "_hash")

    def __init__(self, shape: Sequence[int], dtype: Any, weak_type: bool = False):
        self.shape = tuple(shape)
        self.dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
        self.weak_type = weak_type
        self._hash = None

    @property
    def ndim(self) -> int:
        """The number of dimensions.

        >>> ShapedArray((2, 3), np.float32).ndim
        2
        """
        return len(self.shape)

    @property
    def size(self) -> int:
        """The number of elements.

        >>> ShapedArray((2, 3), np.float32).size
        6
        """
        return math.prod(self.shape)

    def str_short(self) -> str:
        """The type as jaxprs print it (also the ``repr``).

        >>> ShapedArray((2, 3), np.float32).str_short()
        'f32[2,3]'
        """
        return f"{short_dtype_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    __repr__ = str_short

    def strip_weak(self) -> "ShapedArray":
        """The same shape and dtype, strongly typed.

        >>> weak = ShapedArray((), np.float64, weak_type=True)
        >>> weak.strip_weak().weak_type, weak.strip_weak() == ShapedArray((), np.float64)
        (False, True)
        """
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def __eq__(self, other):
        return (isinstance(other, ShapedArray) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        h = self._hash
        if h is None:  # computed once: structure keys hash every aval of a trace
            h = self._hash = hash((self.shape, self.dtype, self.weak_type))
        return h


class ShapeDtypeStruct:
    """A shape and dtype standing in for an array, for abstract tracing.

    >>> import fungrad
    >>> import fungrad.numpy as fnp
    >>> print(fungrad.make_jaxpr(fnp.sin)(fungrad.ShapeDtypeStruct((2,), "float32")))
    { lambda ; a:f32[2]. let b:f32[2] = sin a in (b,) }
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: Sequence[int], dtype: Any = np.float64):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"

    @classmethod
    def like(cls, x: Any) -> "ShapeDtypeStruct":
        """The shape and dtype of ``x`` (an array, scalar or tracer).

        >>> ShapeDtypeStruct.like(np.ones((2, 3), np.float32))
        ShapeDtypeStruct(shape=(2, 3), dtype=float32)
        """
        aval = get_aval(x)
        return cls(aval.shape, aval.dtype)


_PY_SCALAR_DTYPE = {bool: np.dtype(bool), int: np.dtype(np.int64),
                    float: np.dtype(np.float64), complex: np.dtype(np.complex128)}
_SCALAR_AVALS = {t: ShapedArray((), d, True) for t, d in _PY_SCALAR_DTYPE.items()}


def get_aval(x: Any) -> ShapedArray:
    """The abstract value of a tracer, a numpy array/scalar or a Python scalar.

    >>> get_aval(np.ones((2, 3), np.float32))
    f32[2,3]
    >>> get_aval(1.0), get_aval(1.0).weak_type  # Python scalars are weakly typed
    (f64[], True)
    >>> get_aval(ShapeDtypeStruct((4,), "int32"))
    i32[4]
    """
    if type(x) is np.ndarray or type(x) is Array:
        return value_aval(x)
    if isinstance(x, Tracer):
        return x.aval
    aval = _SCALAR_AVALS.get(type(x))
    if aval is not None:
        return aval
    if isinstance(x, (np.ndarray, np.generic)):
        own_aval = getattr(type(x), "fungrad_aval", None)  # e.g. typed PRNG key data
        return own_aval(x) if own_aval else ShapedArray(x.shape, x.dtype)
    if isinstance(x, ShapeDtypeStruct):
        return ShapedArray(x.shape, x.dtype)
    raise TypeError(f"Value {x!r} of type {type(x).__name__} is not a valid fungrad array: "
                    "expected a numpy array, a numpy scalar or a Python bool/int/float/complex.")


def value_aval(x: Any) -> ShapedArray:
    """The aval of a computed value: what a primitive's numpy impl returned. Numpy values are
    strongly typed; a Python scalar is weakly typed (only a weak cast returns one).

    >>> value_aval(np.float32(1.0)), value_aval(2.0).weak_type
    (f32[], True)
    """
    if not isinstance(x, (np.ndarray, np.generic)):
        weak = _SCALAR_AVALS.get(type(x))
        if weak is not None:
            return weak
        x = np.asarray(x)
    elif type(x) is not np.ndarray and hasattr(type(x), "fungrad_aval"):
        return type(x).fungrad_aval(x)  # an array type with its own aval (typed key data)
    key = (x.shape, x.dtype)
    aval = _aval_cache.get(key)
    if aval is None:  # avals are immutable, so one per (shape, dtype) serves every value
        if len(_aval_cache) > 4096:
            _aval_cache.clear()
        aval = _aval_cache[key] = ShapedArray(x.shape, x.dtype)
    return aval


_aval_cache: dict = {}


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


def numpy_result(x: Any) -> Any:
    """A value handed back to the user: an immutable ``fungrad.Array`` (a view, no copy), 0-d
    for a scalar.

    >>> numpy_result(2.0), type(numpy_result(np.ones(2))).__name__
    (np.float64(2.0), 'Array')
    """
    t = type(x)
    if t is np.ndarray or t in _PY_SCALAR_DTYPE or isinstance(x, np.generic):
        return wrap(x)
    return x  # an Array already, or a tracer of an outer transform


def plain(x: Any) -> Any:
    """The numpy array behind an Array (a view), for computing: numpy is slower on
    subclasses. Anything else is returned as it is.

    >>> type(plain(numpy_result(np.ones(2)))).__name__
    'ndarray'
    """
    return x.view(np.ndarray) if type(x) is Array else x


# ---------------------------------------------------------------------------------------------
# The IR
# ---------------------------------------------------------------------------------------------

class Var:
    """A variable of the IR. Identity is the variable; names are given only when printing."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written inline in the IR (``mul b 2.0``)."""

    __slots__ = ("val", "aval")

    def __init__(self, val: Any, aval: ShapedArray):
        self.val = val
        self.aval = aval

    def __repr__(self):
        return f"Literal({self.val!r})"


class Eqn:
    """One equation ``outvars = primitive[params] inputs``."""

    __slots__ = ("primitive", "inputs", "params", "outvars", "source_info", "name_stack")

    def __init__(self, primitive: "Primitive", inputs: list, params: dict, outvars: list,
                 source_info: str | None = None, name_stack: str | None = None):
        self.primitive = primitive
        self.inputs = inputs
        self.params = params
        self.outvars = outvars
        self.source_info = source_info
        self.name_stack = name_stack  # "outer/inner" of fungrad.named_scope, set on its exit

    def __repr__(self):
        return f"Eqn({self.primitive.name}, {len(self.inputs)} inputs)"


class Jaxpr:
    """A function in the IR: ``{ lambda constvars ; invars. let eqns in (outvars) }``.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> jaxpr = fungrad.make_jaxpr(lambda x: fnp.cos(x) * x)(np.float64(0.5)).jaxpr
    >>> jaxpr
    { lambda ; a:f64[]. let b:f64[] = cos a; c:f64[] = mul b a in (c,) }
    >>> len(jaxpr.invars), len(jaxpr.eqns), len(jaxpr.outvars)
    (1, 2, 1)
    >>> jaxpr.eqns[0].primitive, jaxpr.eqns[0].outvars[0].aval
    (cos, f64[])

    A Python float argument is weakly typed, as numpy sees it (``x * 0.5`` keeps a float32
    ``x`` float32); a numpy function of it returns numpy's strong float64, and the IR says
    so with a cast that changes only the weak flag:

    >>> print(fungrad.make_jaxpr(lambda x: fnp.cos(x) * x)(0.5))
    { lambda ; a:f64[]. let
        b:f64[] = cos a
        c:f64[] = convert_element_type[new_dtype=float64 weak_type=False] b
        d:f64[] = mul c a
      in (d,) }
    """

    __slots__ = ("constvars", "invars", "eqns", "outvars", "_last_use")

    def __init__(self, constvars: list, invars: list, eqns: list, outvars: list):
        self.constvars = constvars
        self.invars = invars
        self.eqns = eqns
        self.outvars = outvars
        self._last_use = None

    def __str__(self):
        return pp_jaxpr(self)

    __repr__ = __str__

    def pretty_print(self, *, source_info: bool = False, name_stack: bool = False) -> str:
        """The IR as text; ``source_info`` adds where each equation was traced (when
        recorded), ``name_stack`` the ``named_scope`` names around it, as JAX prints them.

        >>> import fungrad, fungrad.numpy as fnp
        >>> def f(x):
        ...     with fungrad.named_scope("layer"):
        ...         return fnp.sin(x) * 2.0
        >>> print(fungrad.make_jaxpr(f)(np.float64(1.0)).jaxpr.pretty_print(name_stack=True))
        { lambda ; a:f64[]. let
            b:f64[] = sin a     # [layer]
            c:f64[] = mul b 2.0 # [layer]
          in (c,) }
        """
        return pp_jaxpr(self, show_source=source_info, name_stack=name_stack)


class ClosedJaxpr:
    """A ``Jaxpr`` together with the values of its constvars; ``str()`` prints the IR.

    Call it like the function it was traced from (flat arguments, a list of flat outputs).

    >>> import fungrad, fungrad.numpy as fnp
    >>> closed = fungrad.make_jaxpr(lambda x, y: fnp.sin(x) * y)(np.ones(2), 2.0)
    >>> closed
    { lambda ; a:f64[2] b:f64[]. let c:f64[2] = sin a; d:f64[2] = mul c b in (d,) }
    >>> closed(np.array([0.0, np.pi / 2]), 3.0)
    [array([0., 3.])]
    """

    __slots__ = ("jaxpr", "consts")

    def __init__(self, jaxpr: Jaxpr, consts: Sequence[Any]):
        self.jaxpr = jaxpr
        self.consts = list(consts)

    @property
    def eqns(self):
        """The equations of the jaxpr.

        >>> import fungrad, fungrad.numpy as fnp
        >>> [e.primitive.name for e in fungrad.make_jaxpr(lambda x: fnp.sin(x) * x)(np.ones(2)).eqns]
        ['sin', 'mul']
        """
        return self.jaxpr.eqns

    @property
    def in_avals(self):
        """The abstract values of the inputs.

        >>> import fungrad, fungrad.numpy as fnp
        >>> fungrad.make_jaxpr(fnp.dot)(np.ones((2, 3)), np.ones(3)).in_avals
        [f64[2,3], f64[3]]
        """
        return [v.aval for v in self.jaxpr.invars]

    @property
    def out_avals(self):
        """The abstract values of the outputs.

        >>> import fungrad, fungrad.numpy as fnp
        >>> fungrad.make_jaxpr(fnp.dot)(np.ones((2, 3)), np.ones(3)).out_avals
        [f64[2]]
        """
        return [v.aval for v in self.jaxpr.outvars]

    def __call__(self, *args):
        from fungrad.interpreter import eval_jaxpr  # wired late: the interpreter sits above
        return eval_jaxpr(self.jaxpr, self.consts, *args)

    def __str__(self):
        return pp_jaxpr(self.jaxpr)

    __repr__ = __str__

    def pretty_print(self, *, source_info: bool = False, name_stack: bool = False) -> str:
        """``self.jaxpr.pretty_print(...)``: the IR with source lines and/or name stacks.

        >>> import fungrad, fungrad.numpy as fnp
        >>> g = fungrad.named_call(fnp.sin, name="activation")
        >>> print(fungrad.make_jaxpr(lambda x: g(x) + 1.0)(np.float64(1.0)).pretty_print(name_stack=True))
        { lambda ; a:f64[]. let
            b:f64[] = sin a     # [activation]
            c:f64[] = add b 1.0 # []
          in (c,) }
        """
        return self.jaxpr.pretty_print(source_info=source_info, name_stack=name_stack)

    def _repr_pretty_(self, p, cycle):  # IPython
        p.text(str(self))


# ----------------------------------------------------------------------------- printing

def _var_names():
    """a, b, ..., z, ba, bb, ... as JAX names them."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    i = 0
    while True:
        n, name = i, ""
        while True:
            name = letters[n % 26] + name
            n //= 26
            if n == 0:
                break
        yield name
        i += 1


class _Namer:
    def __init__(self, name_stack: bool = False):
        self.names: dict[int, str] = {}
        self.gen = _var_names()
        self.name_stack = name_stack  # print each equation's named_scope names

    def new(self, v: Var) -> str:
        name = next(self.gen)
        self.names[id(v)] = name
        return name

    def binder(self, v: Var) -> str:
        return f"{self.new(v)}:{v.aval.str_short()}"

    def use(self, x) -> str:
        if isinstance(x, Literal):
            return pp_literal(x)
        return self.names.get(id(x), "?")


def pp_literal(lit: Literal) -> str:
    val = lit.val
    if isinstance(val, np.ndarray):
        val = val.item()
    if isinstance(val, np.generic):
        val = val.item()
    text = repr(val)
    if lit.aval.weak_type or lit.aval.dtype == np.float64:
        return text
    return f"{text}:{lit.aval.str_short()}"


_MAX_PARAM_CHARS = 60


def _pp_param_value(value, namer: _Namer, indent: int) -> str:
    if isinstance(value, (Jaxpr, ClosedJaxpr)):
        jaxpr = value.jaxpr if isinstance(value, ClosedJaxpr) else value
        return _pp_jaxpr_text(jaxpr, namer, indent)
    if isinstance(value, tuple) and value and all(isinstance(v, (Jaxpr, ClosedJaxpr))
                                                  for v in value):
        pad = " " * (indent + 2)
        inner = "\n".join(pad + _pp_param_value(v, namer, indent + 2) for v in value)
        return "(\n" + inner + "\n" + " " * indent + ")"
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return np.array2string(value, separator=", ")
        return f"<{ShapedArray(value.shape, value.dtype).str_short()} constant>"
    text = repr(value)
    if len(text) > _MAX_PARAM_CHARS and not isinstance(value, (tuple, list)):
        return text[:_MAX_PARAM_CHARS - 3] + "..."
    return text


def _pp_eqn(eqn: Eqn, namer: _Namer, indent: int, show_source: bool,
            used: set | None = None) -> str:
    """One equation; ``indent`` is the column it starts at (nested jaxprs indent from it).
    Outputs not in ``used`` (ids of the variables something reads) print as ``_``."""
    args = " ".join(namer.use(x) for x in eqn.inputs)
    outs = " ".join(namer.binder(v) if _used(v) and (used is None or id(v) in used) else "_"
                    for v in eqn.outvars)
    params = ""
    if eqn.params:
        parts = [f"{k}={_pp_param_value(v, namer, indent + 2)}"
                 for k, v in sorted(eqn.params.items())]
        if any("\n" in p for p in parts) or len(" ".join(parts)) + len(outs) + indent > 90:
            pad = " " * (indent + 2)
            params = "[\n" + "\n".join(pad + p for p in parts) + "\n" + " " * indent + "]"
        else:
            params = "[" + " ".join(parts) + "]"
    lhs = f"{outs} = " if eqn.outvars else ""
    text = f"{lhs}{eqn.primitive.name}{params} {args}".rstrip()
    if show_source and eqn.source_info:
        text += f"  # {eqn.source_info}"
    return text


def _used(v) -> bool:
    return not isinstance(v, DropVar)


class DropVar(Var):
    """An output nobody reads, printed ``_``."""

    __slots__ = ()


def _pp_jaxpr_text(jaxpr: Jaxpr, namer: _Namer, indent: int, show_source: bool = False) -> str:
    """The jaxpr starting at column ``indent``: one line if it fits, else its equations on
    lines indented 4 past it and ``in (...)`` 2 past it, as JAX prints."""
    consts = " ".join(namer.binder(v) for v in jaxpr.constvars)
    ins = " ".join(namer.binder(v) for v in jaxpr.invars)
    head = f"{{ lambda {consts}{' ' if consts else ''}; {ins}. let"
    used = {id(x) for e in jaxpr.eqns for x in e.inputs} | {id(v) for v in jaxpr.outvars}
    eqn_texts = [_pp_eqn(e, namer, indent + 4, show_source, used) for e in jaxpr.eqns]
    if namer.name_stack and eqn_texts:  # comments aligned past the longest line, as JAX's
        width = max(len(t.rsplit("\n", 1)[-1]) for t in eqn_texts)
        eqn_texts = [(t if "\n" in t else t.ljust(width)) + f" # [{e.name_stack or ''}]"
                     for t, e in zip(eqn_texts, jaxpr.eqns)]
    outs = " ".join(namer.use(v) for v in jaxpr.outvars)
    tail = f"in ({outs}{',' if len(jaxpr.outvars) == 1 else ''}) }}"
    one_line = f"{head} {'; '.join(eqn_texts)}{' ' if eqn_texts else ''}{tail}"
    if len(one_line) + indent <= 80 and not any("\n" in t for t in eqn_texts) \
            and not (show_source and any(e.source_info for e in jaxpr.eqns)) \
            and not (namer.name_stack and eqn_texts):
        return one_line
    pad = " " * (indent + 4)
    body = "\n".join(pad + t for t in eqn_texts)
    return f"{head}\n{body}\n{' ' * (indent + 2)}{tail}"


def pp_jaxpr(jaxpr: Jaxpr, show_source: bool = False, name_stack: bool = False) -> str:
    """The jaxpr as text in JAX's format; ``show_source`` adds ``# file:line`` comments,
    ``name_stack`` the ``named_scope`` names of each equation (``# [outer/inner]``).

    >>> import fungrad, fungrad.numpy as fnp
    >>> closed = fungrad.make_jaxpr(lambda x: fnp.exp(x) + 1.0)(np.zeros(2))
    >>> print(pp_jaxpr(closed.jaxpr))
    { lambda ; a:f64[2]. let b:f64[2] = exp a; c:f64[2] = add b 1.0 in (c,) }
    """
    return _pp_jaxpr_text(jaxpr, _Namer(name_stack), 0, show_source)


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
    for a in args:
        if type(a) is Tracer:
            break
    else:  # no tracer at all (the eager path, and every rule of an eager backward pass)
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
    return _innermost_trace(args).process(prim, args, params)


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
    """``jax_debug_nans``: raise FloatingPointError if ``prim`` just produced a NaN."""
    for value in (out if prim.multiple_results else [out]):
        if isinstance(value, Tracer):
            value = value.val
        if value is None:
            continue
        arr = np.asarray(value)
        if arr.dtype.kind in "fc" and np.isnan(arr).any():
            where = _user_source_info()
            raise FloatingPointError(
                f"invalid value (nan) encountered in {prim.name}"
                + (f" (called from {where})" if where else "")
                + ". fungrad.config.jax_debug_nans is set; unset it to let NaNs through.")


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


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

class FungradTypeError(TypeError):
    """Base of fungrad's own TypeErrors."""


class ConcretizationTypeError(FungradTypeError):
    """Python needed the value of an abstract traced array (``if``, ``while``, ``int()``...).

    >>> import fungrad
    >>> try:
    ...     fungrad.make_jaxpr(lambda n: int(n))(ShapeDtypeStruct((), "int64"))
    ... except ConcretizationTypeError as e:
    ...     print(str(e).splitlines()[0])
    Attempted int() conversion of traced array with shape i64[].
    """


class TracerBoolConversionError(ConcretizationTypeError):
    """``bool()`` of an abstract traced array.

    >>> import fungrad
    >>> def f(x):
    ...     return x if x > 0 else -x
    >>> try:
    ...     fungrad.make_jaxpr(f)(ShapeDtypeStruct((), "float64"))
    ... except TracerBoolConversionError as e:
    ...     print(str(e).splitlines()[0])
    Attempted boolean conversion of traced array with shape bool[].

    With a concrete input the same ``if`` works, recorded as a guard:

    >>> print(fungrad.make_jaxpr(f)(2.0))
    { lambda ; a:f64[]. let b:bool[] = gt a 0; guard[expect=True] b in (a,) }
    """


class TracerArrayConversionError(FungradTypeError):
    """``np.asarray`` of a traced array.

    >>> import fungrad
    >>> try:
    ...     fungrad.grad(lambda x: np.sin(x))(1.0)  # np.sin, not fungrad.numpy.sin
    ... except TracerArrayConversionError as e:
    ...     print(str(e).split(":")[0])
    A traced array f64[] cannot become a numpy array inside a transform (<lambda> for grad)
    """


class UnexpectedTracerError(FungradTypeError):
    """A traced value escaped the function that was being traced and was used later.

    >>> import fungrad
    >>> leaked = []
    >>> _ = fungrad.grad(lambda x: leaked.append(x) or x)(1.0)
    >>> try:
    ...     fungrad.grad(lambda y: y * leaked[0])(2.0)
    ... except UnexpectedTracerError as e:
    ...     print(str(e).split(",")[0])
    Encountered an unexpected tracer: f64[]
    """


class GuardFailure(Exception):
    """A guard of a specialized IR saw a different value: the caller must retrace.

    Internal control signal, caught by ``jit``; it never reaches a user unless they evaluate a
    guarded jaxpr by hand on inputs that take another path.
    """


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
           "log_compiles": False}


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
    ``fungrad.numpy`` at import time.

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

    # Python asks for a concrete value: guard on it (or explain why it cannot be had).
    def __bool__(self):
        return bool(guard(self, "bool"))

    def __int__(self):
        return int(guard(self, "int"))

    def __index__(self):
        return int(guard(self, "index"))

    def __float__(self):
        return float(guard(self, "float"))

    def __complex__(self):
        return complex(guard(self, "complex"))

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
        var = Var(aval)
        self.invars.append(var)
        if self.values is not None:
            self.values[var] = val
        return Tracer(self, aval, var, val)

    def _const_var(self, x: Any, aval: ShapedArray) -> Var:
        var = self._const_ids.get(id(x))
        if var is None:
            var = Var(aval)
            self._const_ids[id(x)] = var
            self.constvars.append(var)
            self.consts.append(x)  # keeps x alive, so its id stays unique
            if self.values is not None:
                self.values[var] = x.val if isinstance(x, Tracer) else plain(x)
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
            aval = ShapedArray(x.shape, x.dtype)
            if x.ndim == 0:
                x = x[()] if type(x) is Array else x  # literals are numpy values
                return Literal(x, aval), x
            return self._const_var(x, aval), plain(x)
        return Literal(x, get_aval(x)), x  # raises the clear TypeError

    # -- equations -------------------------------------------------------------------------
    def process(self, prim: Primitive, args: Sequence[Any], params: dict, known: Any = None):
        """Record ``prim`` applied to ``args``; with concrete inputs also compute the value,
        unless it is ``known`` already (replaying an IR whose values were recorded)."""
        atoms, vals = [], []
        concrete = True
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
            elif prim.scalar_impl is not None and _float_scalars(vals):
                out_val = _scalar_apply(prim, vals, params)
            else:
                try:
                    out_val = prim.impl(*vals, **params)
                except (TypeError, ValueError):
                    prim.abstract_eval(*[a.aval for a in atoms], **params)
                    raise
            out_aval = [value_aval(v) for v in out_val] if prim.multiple_results \
                else value_aval(out_val)
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
            if self.values is not None:
                self.values.update(zip(outvars, out_vals))
            return [Tracer(self, v.aval, v, x) for v, x in zip(outvars, out_vals)]
        outvar = Var(out_aval)
        self.eqns.append(Eqn(prim, atoms, params, [outvar], source))
        if self.values is not None:
            self.values[outvar] = out_val
        return Tracer(self, out_aval, outvar, out_val)

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


@contextmanager
def new_trace(description: str = "a function", keep_values: bool = False):
    """Push a new innermost ``JaxprTrace``; always popped and deactivated on exit."""
    trace = JaxprTrace(len(_state.stack) + 1, description, keep_values)
    _state.stack.append(trace)
    try:
        yield trace
    finally:
        trace.active = False
        # pop down to (and including) this trace, whatever an exception left behind
        while _state.stack:
            if _state.stack.pop() is trace:
                break


def trace_to_jaxpr(fun: Callable, args: Sequence[Any], *, abstract: bool = False,
                   description: str | None = None, arg_names: Any = None,
                   keep_values: bool = False, record_guards: bool = True,
                   differentiating: bool = False):
    """Trace ``fun`` on flat ``args`` into a ``ClosedJaxpr``.

    ``args`` are arrays, scalars, tracers of outer traces, or ``ShapeDtypeStruct``/
    ``ShapedArray`` specs. With concrete inputs (and ``abstract=False``) every value is computed
    while tracing; ``keep_values`` returns them too, as a dict from ``Var`` to value.
    Returns ``(closed_jaxpr, outs)`` or ``(closed_jaxpr, outs, values)`` where ``outs`` are
    the raw outputs of ``fun`` (a flat list). ``record_guards=False`` leaves Python's
    decisions out of the IR: only for an IR that will never be evaluated on other inputs.
    ``differentiating`` marks a trace whose inputs are differentiated: ``float(x)`` of a
    value depending on them then raises rather than dropping the derivative.

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
        in_tracers = []
        for i, x in enumerate(args):
            if isinstance(x, ShapedArray):
                aval, val = x, None
            else:
                aval = get_aval(x)
                if isinstance(x, ShapeDtypeStruct) or abstract:
                    val = None
                elif isinstance(x, Tracer):
                    val = x.val
                    aval = aval
                else:
                    val = x
            in_tracers.append(trace.new_arg(aval, val))
        outs = fun(*in_tracers)
        if not isinstance(outs, (list, tuple)):
            raise TypeError("trace_to_jaxpr expects the traced function to return a flat "
                            f"list of arrays, got {type(outs).__name__}")
        closed = trace.to_jaxpr(outs)
        if keep_values:
            return closed, list(outs), trace.values
        return closed, list(outs)


# ---------------------------------------------------------------------------------------------
# Guards: Python control flow on traced values
# ---------------------------------------------------------------------------------------------

guard_p = Primitive("guard", multiple_results=True)
guard_p.effect = True
guard_p.nondiff = True


def _guard_holds(x, expect, kind: str = "value") -> bool:
    """Does the value Python saw (``x`` itself, or ``bool(x)``, ``int(x)``... where that
    conversion changes it) equal the recorded one? NaN sees NaN as the same path."""
    value = x.item() if hasattr(x, "item") else x
    if kind != "value":
        value = _CONVERT[kind](value)
    return value == expect or (value != value and expect != expect)


def _guard_impl(x, expect, kind="value"):
    if not _guard_holds(x, expect, kind):
        raise GuardFailure(f"guard expected {expect!r}, got {x!r}")
    return []


def _guard_abstract_eval(aval, expect, kind="value"):
    return []


guard_p.impl = _guard_impl
guard_p.abstract_eval = _guard_abstract_eval


def _guard_jvp(primals, tangents, **params):
    return bind(guard_p, primals[0], **params), []


def _guard_vjp(cts, primals, outs, needs, **params):
    return [None]


guard_p.jvp = _guard_jvp
guard_p.vjp = _guard_vjp

_CONVERT = {"bool": bool, "int": int, "index": int, "float": float, "complex": complex}


def guard(tracer: Tracer, kind: str):
    """Answer Python's request for a concrete value of ``tracer`` and record a guard."""
    aval = tracer.aval
    if aval.shape != () and aval.size != 1:
        raise TypeError(
            f"The truth value of an array with more than one element is ambiguous: {kind}() "
            f"of a traced array {aval.str_short()}. Use .any() or .all(), or "
            "fungrad.numpy.where for an elementwise choice.")
    if kind == "index" and not np.issubdtype(aval.dtype, np.integer):
        raise TypeError(f"A traced array {aval.str_short()} cannot be used as an index: only "
                        "integer scalar arrays can be converted to an index.")
    if tracer.val is None:
        raise _concretization_error(tracer, kind)
    if kind in ("float", "complex") and aval.dtype.kind in "fc" and \
            tracer._trace.differentiating:
        names = tracer._trace.input_names_behind(tracer.ir_var)
        if names:
            raise ConcretizationTypeError(
                f"Attempted {kind}() conversion of traced array with shape "
                f"{aval.str_short()} while differentiating {tracer._trace.description}: it "
                f"depends on {', '.join(names)}, and a Python number carries no derivative, "
                f"so the result would silently lose it. Keep the value as an array (write "
                f"`x * y`, not `x * float(y)`); use `fungrad.lax.stop_gradient(y)` if the "
                f"derivative through it is meant to be zero.")
    val = tracer.val
    value = _CONVERT[kind](val.item() if hasattr(val, "item") else val)
    x = tracer if aval.shape == () else tracer.reshape(())
    kind = "int" if kind == "index" else kind
    if _CONVERSION_KEEPS_VALUE[kind](aval.dtype):
        params = {"expect": value}
    else:  # the path depends on the converted value: int(2.5) and int(2.7) agree
        params = {"expect": value, "kind": kind}
    # recorded directly: the value it checks is the one it was just read from
    trace = x._trace
    if trace.record_guards:
        source = (_state.source or _user_source_info()) if _config["source_info"] else None
        trace.eqns.append(Eqn(guard_p, [x.ir_var], params, [], source))
    return value


# when is Python's conversion of a value of this dtype the value itself?
_CONVERSION_KEEPS_VALUE = {
    "bool": lambda d: d.kind == "b", "int": lambda d: d.kind in "iu",
    "float": lambda d: d.kind == "f", "complex": lambda d: d.kind == "c",
}


def _concretization_error(tracer: Tracer, kind: str) -> ConcretizationTypeError:
    trace = tracer._trace
    names = trace.input_names_behind(tracer.ir_var)
    culprits = (f"because it depends on the value of {', '.join(names)}" if names
                else "because it is traced abstractly")
    what = {"bool": "Attempted boolean conversion of",
            "int": "Attempted int() conversion of", "index": "Attempted to use as an index",
            "float": "Attempted float() conversion of",
            "complex": "Attempted complex() conversion of"}[kind]
    cls = TracerBoolConversionError if kind == "bool" else ConcretizationTypeError
    return cls(
        f"{what} traced array with shape {tracer.aval.str_short()}.\n"
        f"The error occurred while tracing {trace.description}. This concrete value was not "
        f"available in Python {culprits}.\n"
        "Python control flow on traced values works when fungrad traces with concrete inputs "
        "(grad, jit, make_jaxpr on arrays); here only shapes are known. Use "
        "fungrad.lax.cond / fungrad.lax.while_loop / fungrad.numpy.where to keep the choice "
        "in the IR, or mark the argument static (static_argnums).")


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

def _same_type(a: ShapedArray, b: ShapedArray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype


def check_jaxpr(jaxpr: Jaxpr | ClosedJaxpr) -> None:
    """Validate an IR: every variable defined once before use, every equation's outputs equal
    to its primitive's abstract evaluation, nested jaxprs valid too. Raises ``ValueError``.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> check_jaxpr(fungrad.make_jaxpr(fnp.tanh)(np.ones(2)))
    """
    if isinstance(jaxpr, ClosedJaxpr):
        if len(jaxpr.consts) != len(jaxpr.jaxpr.constvars):
            raise ValueError(f"ClosedJaxpr has {len(jaxpr.consts)} consts for "
                             f"{len(jaxpr.jaxpr.constvars)} constvars")
        jaxpr = jaxpr.jaxpr
    todo = [jaxpr]
    while todo:  # nested jaxprs are checked iteratively, not recursively
        jx = todo.pop()
        defined: set[int] = set()

        def define(v, where):
            if id(v) in defined:
                raise ValueError(f"check_jaxpr: variable {v} defined twice ({where})")
            defined.add(id(v))

        for v in jx.constvars + jx.invars:
            define(v, "binder")
        for i, eqn in enumerate(jx.eqns):
            for x in eqn.inputs:
                if isinstance(x, Var) and id(x) not in defined:
                    raise ValueError(f"check_jaxpr: equation {i} ({eqn.primitive.name}) reads "
                                     f"a variable {x} that is not defined before it")
            try:
                out = eqn.primitive.abstract_eval(*[x.aval for x in eqn.inputs], **eqn.params)
            except (TypeError, ValueError) as e:
                raise ValueError(f"check_jaxpr: equation {i} ({eqn.primitive.name}) fails its "
                                 f"abstract evaluation: {e}") from None
            out = out if eqn.primitive.multiple_results else [out]
            if len(out) != len(eqn.outvars):
                raise ValueError(f"check_jaxpr: equation {i} ({eqn.primitive.name}) has "
                                 f"{len(eqn.outvars)} outputs, its rule gives {len(out)}")
            for v, a in zip(eqn.outvars, out):
                if not _same_type(v.aval, a):
                    raise ValueError(
                        f"check_jaxpr: equation {i} ({eqn.primitive.name}) output is "
                        f"{v.aval.str_short()} but its rule gives {a.str_short()}")
                define(v, f"equation {i}")
            for p in eqn.params.values():
                for sub in (p if isinstance(p, tuple) else (p,)):
                    if isinstance(sub, ClosedJaxpr):
                        todo.append(sub.jaxpr)
                    elif isinstance(sub, Jaxpr):
                        todo.append(sub)
        for x in jx.outvars:
            if isinstance(x, Var) and id(x) not in defined:
                raise ValueError(f"check_jaxpr: output {x} is not defined")


# The runtime flags are set from the environment when fungrad.config is imported: whatever
# part of fungrad is imported first, that happens with its core.
# (By name: ``from fungrad import config`` would ask the package for its Config object.)
_import_module("fungrad.config")
