"""fungrad's own errors: the ones a user meets when a traced value is used as a concrete one.

>>> issubclass(TracerBoolConversionError, TypeError)
True
"""
from __future__ import annotations


class FungradTypeError(TypeError):
    """Base of fungrad's own TypeErrors."""


class ConcretizationTypeError(FungradTypeError):
    """Python needed the value of an abstract traced array (``if``, ``while``, ``int()``...).

    >>> import fungrad
    >>> try:
    ...     fungrad.make_jaxpr(lambda n: int(n))(fungrad.ShapeDtypeStruct((), "int64"))
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
    ...     fungrad.make_jaxpr(f)(fungrad.ShapeDtypeStruct((), "float64"))
    ... except TracerBoolConversionError as e:
    ...     print(str(e).splitlines()[0])
    Attempted boolean conversion of traced array with shape bool[].

    With a concrete input the same ``if`` works, recorded as a guard:

    >>> print(fungrad.make_jaxpr(f)(2.0))
    { lambda ; a:f64[]. let b:bool[] = gt a 0; guard[expect=True] b in (a,) }
    """


class TracerArrayConversionError(FungradTypeError):
    """``np.asarray`` of a traced array.

    >>> import numpy as np, fungrad
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

