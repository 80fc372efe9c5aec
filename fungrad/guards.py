"""Python control flow on traced values: guards.

When Python asks a concrete tracer for ``bool()``, an ``int``, an index, a ``float`` or a
``complex`` (``if``, ``while``, ``range(n)``), the trace records a ``guard`` equation with the
value observed and answers with it: the IR is specialized to the path taken. Evaluating that
IR on other inputs checks every guard; a failed one raises ``GuardFailure`` and the caller
(``jit``) retraces. An abstract tracer has no value to give: a clear concretization error.

This module installs those conversions on ``Tracer`` (fungrad.core imports it).

>>> import numpy as np, fungrad
>>> print(fungrad.make_jaxpr(lambda x: x if x > 0 else -x)(2.0))
{ lambda ; a:f64[]. let b:bool[] = gt a 0; guard[expect=True] b in (a,) }
"""
from __future__ import annotations

import numpy as np

from fungrad.core import Primitive, Tracer, _config, _state, _user_source_info, bind
from fungrad.errors import ConcretizationTypeError, GuardFailure, TracerBoolConversionError
from fungrad.ir import Eqn

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
    if not tracer._trace.record_guards:  # an IR used only at these values (eager grad)
        return value
    x = tracer if aval.shape == () else tracer.reshape(())
    kind = "int" if kind == "index" else kind
    if _CONVERSION_KEEPS_VALUE[kind](aval.dtype):
        params = {"expect": value}
    else:  # the path depends on the converted value: int(2.5) and int(2.7) agree
        params = {"expect": value, "kind": kind}
    # recorded directly: the value it checks is the one it was just read from
    source = (_state.source or _user_source_info()) if _config["source_info"] else None
    x._trace.eqns.append(Eqn(guard_p, [x.ir_var], params, [], source))
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



# Python asks a concrete value of a tracer: guard on it (or explain why it cannot be had).
def _tracer_bool(self):
    return bool(guard(self, "bool"))


def _tracer_int(self):
    return int(guard(self, "int"))


def _tracer_index(self):
    return int(guard(self, "index"))


def _tracer_float(self):
    return float(guard(self, "float"))


def _tracer_complex(self):
    return complex(guard(self, "complex"))


Tracer.__bool__ = _tracer_bool
Tracer.__int__ = _tracer_int
Tracer.__index__ = _tracer_index
Tracer.__float__ = _tracer_float
Tracer.__complex__ = _tracer_complex
