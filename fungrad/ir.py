"""The IR: variables, literals, equations, jaxprs; printing them as JAX does; validating them.

``Jaxpr(constvars, invars, eqns, outvars)`` is plain data. Variables are identities (names
``a, b, ..., z, ba, ...`` are given only when printing); scalar constants are ``Literal``s
written inline; an ``Eqn`` applies a ``Primitive`` with hashable params. A ``ClosedJaxpr``
pairs a jaxpr with the values of its constvars.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> print(fungrad.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3)))
{ lambda ; a:f64[3]. let b:f64[3] = sin a; c:f64[3] = mul b 2.0 in (c,) }
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from fungrad.avals import ShapedArray

if TYPE_CHECKING:
    from fungrad.core import Primitive

class Var:
    """A variable of the IR. Identity is the variable; names are given only when printing.
    A trace that keeps values also numbers its variables (``n``, in the order it created
    them) for the structure keys of ``fungrad.trace_keys``."""

    __slots__ = ("aval", "n")

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

    @property
    def n(self) -> tuple:
        """What stands in a structure key where a variable has its number: see
        ``fungrad.trace_keys.literal_key`` (inlined: one frame less per literal)."""
        val = self.val
        return (val, self.aval) if val else (repr(val), self.aval)


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
    (cos, ShapedArray(float64[]))

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
        [ShapedArray(float64[2,3]), ShapedArray(float64[3])]
        """
        return [v.aval for v in self.jaxpr.invars]

    @property
    def out_avals(self):
        """The abstract values of the outputs.

        >>> import fungrad, fungrad.numpy as fnp
        >>> fungrad.make_jaxpr(fnp.dot)(np.ones((2, 3)), np.ones(3)).out_avals
        [ShapedArray(float64[2])]
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
