r"""Draw the IR as a graph: Graphviz DOT text for a jaxpr.

The tutorial's picture of autodiff is the *computational graph*: a DAG whose nodes are
operations and whose edges are data dependencies. A jaxpr is exactly that graph written as
text, one equation per node. ``to_dot`` turns it back into a picture description::

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> from fungrad.viz import to_dot
    >>> closed = fungrad.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3))
    >>> dot = to_dot(closed)
    >>> print("\n".join(line for line in dot.splitlines() if "->" in line))
      in0 -> eqn0 [label="a"];
      eqn0 -> eqn1 [label="b"];
      eqn1 -> out0 [label="c"];
    >>> print(dot.splitlines()[5])  # doctest: +ELLIPSIS
      eqn0 [label="sin\nf64[3]" tooltip="b:f64[3] = sin a" ...];

Save the text as ``graph.dot`` and render it with ``dot -Tsvg graph.dot -o graph.svg``, or call
``render(dot_text, "graph.svg")``, which does that when the Graphviz program is installed.
Nothing here needs Graphviz itself: the DOT is plain text.

What the drawing shows:

* inputs (blue ellipses) and constants (grey, dashed), named as ``print(jaxpr)`` names them;
* one box per equation, labelled by primitive name, params and output type (``sin`` /
  ``f64[3]``); scalar literals are folded into the label (``mul b 2.0``) instead of
  becoming nodes;
* one edge per variable read by an equation, labelled with the variable's name;
* guard equations (Python control flow recorded while tracing) as red octagons: the IR is
  specialized to the path taken, and the drawing says so;
* outputs as double ellipses; nested jaxprs (branches, loop bodies) summarized in the label.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from typing import Union

import numpy as np

from fungrad.core import (
    ClosedJaxpr, DropVar, Eqn, Jaxpr, Literal, Var, _Namer, _pp_eqn, pp_literal,
)

__all__ = ["to_dot", "render"]

_MAX_LABEL_PARAM_CHARS = 40

# Graphviz styles, one per kind of node. Kept together so the legend is easy to read.
_STYLE = {
    "input": 'shape=ellipse style=filled fillcolor="#dbe9f6"',
    "const": 'shape=ellipse style="filled,dashed" fillcolor="#eeeeee"',
    "eqn": 'shape=box style="rounded,filled" fillcolor="#ffffff"',
    "guard": 'shape=octagon style=filled fillcolor="#fde0dc" color="#c62828"',
    "effect": 'shape=hexagon style=filled fillcolor="#fff3c4"',
    "output": 'shape=ellipse peripheries=2 style=filled fillcolor="#e3f4e1"',
}


def _quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as ``\\n``."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'


def _short_param(key: str, value) -> str:
    """One param for a node label: nested jaxprs are summarized, long values shortened."""
    if isinstance(value, (Jaxpr, ClosedJaxpr)):
        jaxpr = value.jaxpr if isinstance(value, ClosedJaxpr) else value
        return f"{key}={{jaxpr: {len(jaxpr.eqns)} eqns}}"
    if isinstance(value, tuple) and value and all(isinstance(v, (Jaxpr, ClosedJaxpr))
                                                  for v in value):
        sizes = ", ".join(str(len((v.jaxpr if isinstance(v, ClosedJaxpr) else v).eqns))
                          for v in value)
        return f"{key}=({len(value)} jaxprs: {sizes} eqns)"
    if isinstance(value, np.dtype):
        text = value.name
    elif isinstance(value, np.ndarray):
        text = f"<array {value.dtype.name}{list(value.shape)}>"
    else:
        text = repr(value)
    if len(text) > _MAX_LABEL_PARAM_CHARS:
        text = text[:_MAX_LABEL_PARAM_CHARS - 3] + "..."
    return f"{key}={text}"


def _eqn_label(eqn: Eqn, namer: _Namer, show_source: bool) -> str:
    """``prim`` (with its arguments when a literal is among them), its params packed a few
    per line, then the output types, then (optionally) the source line."""
    head = eqn.primitive.name
    if any(isinstance(x, Literal) for x in eqn.inputs):
        # Literals get no node of their own: they are written where they are used.
        head += " " + " ".join(namer.use(x) for x in eqn.inputs)
    lines = [head]
    params = [_short_param(k, v) for k, v in sorted(eqn.params.items())]
    if params:
        params[0] = "[" + params[0]
        params[-1] = params[-1] + "]"
        row = params[0]
        for p in params[1:]:
            if len(row) + 1 + len(p) > _MAX_LABEL_PARAM_CHARS:
                lines.append(row)
                row = p
            else:
                row += " " + p
        lines.append(row)
    if eqn.outvars:
        lines.append(", ".join(v.aval.str_short() for v in eqn.outvars))
    if show_source and eqn.source_info:
        lines.append(eqn.source_info)
    return "\n".join(lines)


def to_dot(closed_jaxpr: Union[ClosedJaxpr, Jaxpr], show_source: bool = False, *,
           name: str = "jaxpr") -> str:
    """Graphviz DOT text drawing ``closed_jaxpr`` as a data-flow graph.

    Node ids are ``in<i>`` (inputs), ``const<i>``, ``eqn<i>`` (equation ``i``, in order) and
    ``out<i>``; each node's tooltip is its line of the printed IR. ``show_source`` adds each
    equation's ``file:line`` (recorded when ``fungrad.core._config["source_info"]`` was on
    while tracing).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> dot = to_dot(fungrad.make_jaxpr(lambda x: x * x)(np.ones(2)))
    >>> dot.count("->")   # x feeds mul twice, mul feeds the output
    3
    """
    jaxpr = closed_jaxpr.jaxpr if isinstance(closed_jaxpr, ClosedJaxpr) else closed_jaxpr
    consts = closed_jaxpr.consts if isinstance(closed_jaxpr, ClosedJaxpr) else [None] * len(
        jaxpr.constvars)
    namer = _Namer()  # the printer's own namer, so names here match print(jaxpr)
    graph_name = name if name.isidentifier() else _quote(name)
    lines = [f"digraph {graph_name} {{",
             "  rankdir=TB;",
             '  node [fontname="Courier" fontsize=11];',
             '  edge [fontname="Courier" fontsize=9];']
    producer: dict[int, str] = {}  # id(Var) -> node id of whatever defines it

    # Binders first, in the printer's order: constvars, then invars.
    for i, (v, c) in enumerate(zip(jaxpr.constvars, consts)):
        name_, aval = namer.binder(v).split(":", 1)
        label = f"const {name_}\n{aval}"
        if isinstance(c, np.ndarray) and c.size <= 4:
            label += "\n" + np.array2string(c, separator=", ", precision=4)
        producer[id(v)] = f"const{i}"
        lines.append(f"  const{i} [label={_quote(label)} {_STYLE['const']}];")
    for i, v in enumerate(jaxpr.invars):
        name_, aval = namer.binder(v).split(":", 1)
        producer[id(v)] = f"in{i}"
        label = f"{name_}\n{aval}"
        lines.append(f"  in{i} [label={_quote(label)} {_STYLE['input']}];")

    # One node per equation; one edge per variable it reads.
    for i, eqn in enumerate(jaxpr.eqns):
        node = f"eqn{i}"
        # The labels read the names of the inputs, which are known already; _pp_eqn then
        # names this equation's outputs (and any nested jaxpr's binders) exactly as
        # pp_jaxpr does, and its text becomes the tooltip.
        label = _eqn_label(eqn, namer, show_source)
        edges = [f"  {producer.get(id(x), '?')} -> {node} [label={_quote(namer.use(x))}];"
                 for x in eqn.inputs if isinstance(x, Var)]
        text = _pp_eqn(eqn, namer, 0, show_source)
        if eqn.primitive.name == "guard":
            style = _STYLE["guard"]
        elif not eqn.outvars:
            style = _STYLE["effect"]
        else:
            style = _STYLE["eqn"]
        lines.append(f"  {node} [label={_quote(label)} tooltip={_quote(text)} {style}];")
        lines.extend(edges)
        for v in eqn.outvars:
            if not isinstance(v, DropVar):
                producer[id(v)] = node

    # Outputs: their own nodes, fed by whatever computes them (literals are written inside).
    for i, x in enumerate(jaxpr.outvars):
        shown = pp_literal(x) if isinstance(x, Literal) else x.aval.str_short()
        label = f"out {i}\n{shown}"
        lines.append(f"  out{i} [label={_quote(label)} {_STYLE['output']}];")
        if isinstance(x, Literal):
            continue
        lines.append(f"  {producer.get(id(x), '?')} -> out{i} "
                     f"[label={_quote(namer.use(x))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot_text: str, path: Union[str, os.PathLike], fmt: str | None = None) -> bool:
    """Render DOT text to ``path`` (format from its suffix: ``.svg``, ``.png``, ``.pdf``) with
    the Graphviz ``dot`` program. Returns False, writing nothing, when ``dot`` is not
    installed; raises ``RuntimeError`` with Graphviz's message when it rejects the input.
    For example ``render(to_dot(closed), "grad.svg")``.

    >>> import os, tempfile, numpy as np, fungrad, fungrad.numpy as fnp
    >>> dot_text = to_dot(fungrad.make_jaxpr(fnp.sin)(np.ones(2)))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "sin.svg")
    ...     rendered = render(dot_text, path)  # False, and no file, without Graphviz
    ...     print(rendered == os.path.exists(path))
    True
    """
    exe = shutil.which("dot")
    if exe is None:
        return False
    fmt = fmt or os.path.splitext(os.fspath(path))[1].lstrip(".") or "svg"
    proc = subprocess.run([exe, f"-T{fmt}", "-o", os.fspath(path)], input=dot_text,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"dot -T{fmt} failed: {proc.stderr.strip()}")
    return True
