"""The loop of a ``scan``, run: interpreted step by step, or generated as one Python function
around the compiled body (what ``scan``'s impl and its compiled form call).

>>> import numpy as np, fungrad
>>> body = fungrad.make_jaxpr(lambda c, x: (c + x, c * x))(0.0, 0.0)
>>> _scan_interpreted(np.float64(0.0), np.arange(3.0), jaxpr=body, length=3, reverse=False,
...                   num_consts=0, num_carry=1)
[3.0, array([0., 0., 2.])]
"""
from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Callable

import numpy as np

from fungrad.codegen import compiled_sub
from fungrad.core import ClosedJaxpr
from fungrad.interpreter import eval_jaxpr

__all__ = ["MAX_COMPILED_LOOPS"]


def _scan_interpreted(*args, jaxpr, length, reverse, num_consts, num_carry):
    """The general path: the body interpreted step by step through ``bind``."""
    consts = args[:num_consts]
    carry = list(args[num_consts:num_consts + num_carry])
    xs = args[num_consts + num_carry:]
    ys = []
    steps = range(length - 1, -1, -1) if reverse else range(length)
    for i in steps:
        outs = eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *consts, *carry, *[x[i] for x in xs])
        carry, y = outs[:num_carry], outs[num_carry:]
        ys.append(y)
    if reverse:
        ys.reverse()
    y_avals = jaxpr.out_avals[num_carry:]
    stacked = [np.stack([np.asarray(y[k]) for y in ys]) if ys else
               np.zeros((0,) + a.shape, a.dtype) for k, a in enumerate(y_avals)]
    return list(carry) + stacked


#: How many compiled scan loops are kept (the least recently used dropped first).
MAX_COMPILED_LOOPS = 256
_compiled_loops: OrderedDict = OrderedDict()  # (id(jaxpr), ...) -> (jaxpr, loop function)


def _scan_loop(jaxpr: ClosedJaxpr, length: int, reverse: bool, num_consts: int,
               num_carry: int, compile_now: bool = False) -> Callable:
    """The scan as one generated Python function: the body compiled once (as ``jit``
    compiles), the loop written out around it, each stacked output allocated once and
    filled step by step (no list of per-step values, no ``np.stack`` copy at the end).

    >>> import numpy as np, fungrad
    >>> body = fungrad.make_jaxpr(lambda c, x: (c + x, c * x))(0.0, 0.0)
    >>> loop = _scan_loop(body, 4, False, 0, 1)
    >>> print(loop.source)
    def scan_loop(k0, x0):
        y0 = _empty((4,), _dtype_y0)
        for i in range(4):
            k0, y0[i] = _body(k0, x0[i])
        return [k0, y0]
    >>> loop(np.float64(0.0), np.arange(4.0))
    [np.float64(6.0), array([0., 0., 2., 9.])]

    A loop of fewer steps over a body met for the first time is interpreted: compiling
    would cost more than it saves (unless ``compile_now``, as ``jit`` asks). Loops and
    bodies are cached by the body's identity, so a jitted function's scans are compiled
    once, whether first met when tracing or when compiling.
    """
    key = (id(jaxpr), length, reverse, num_consts, num_carry)
    entry = _compiled_loops.get(key)
    if entry is not None and entry[0] is jaxpr:
        try:
            _compiled_loops.move_to_end(key)
        except KeyError:  # another thread dropped it meanwhile: still usable
            pass
        return entry[1]
    body = compiled_sub(jaxpr, 4 if compile_now else length)
    if body is None:
        return functools.partial(_scan_interpreted, jaxpr=jaxpr, length=length,
                                 reverse=reverse, num_consts=num_consts, num_carry=num_carry)
    loop = _generate_loop(body, jaxpr, length, reverse, num_consts, num_carry)
    _compiled_loops[key] = (jaxpr, loop)
    while len(_compiled_loops) > MAX_COMPILED_LOOPS:
        try:
            _compiled_loops.popitem(last=False)
        except KeyError:  # emptied by another thread meanwhile
            break
    return loop


def _generate_loop(body: Callable, jaxpr: ClosedJaxpr, length: int, reverse: bool,
                   num_consts: int, num_carry: int) -> Callable:
    """The loop of ``_scan_loop`` around the compiled ``body``."""
    n_xs = len(jaxpr.in_avals) - num_consts - num_carry
    y_avals = jaxpr.out_avals[num_carry:]
    consts = [f"c{k}" for k in range(num_consts)]
    carry = [f"k{k}" for k in range(num_carry)]
    xs = [f"x{k}" for k in range(n_xs)]
    ys = [f"y{k}" for k in range(len(y_avals))]
    namespace: dict = {"_body": body, "_empty": np.empty}
    lines = [f"def scan_loop({', '.join(consts + carry + xs)}):"]
    for y, a in zip(ys, y_avals):
        namespace[f"_dtype_{y}"] = a.dtype
        lines.append(f"    {y} = _empty({(length,) + a.shape!r}, _dtype_{y})")
    steps = f"range({length - 1}, -1, -1)" if reverse else f"range({length})"
    targets = carry + [f"{y}[i]" for y in ys]
    lines.append(f"    for i in {steps}:")
    call = f"_body({', '.join(consts + carry + [f'{x}[i]' for x in xs])})"
    assign = f"{', '.join(targets)}{',' if len(targets) == 1 else ''} = " if targets else ""
    lines.append(f"        {assign}{call}")
    lines.append(f"    return [{', '.join(carry + ys)}]")
    source = "\n".join(lines)
    exec(compile(source, "<fungrad.scan>", "exec"), namespace)  # noqa: S102
    loop = namespace["scan_loop"]
    loop.source = source
    return loop
