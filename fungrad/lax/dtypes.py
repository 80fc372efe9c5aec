"""lax's operand rules: operands of one dtype, and of one rank.

``jax.lax`` does no type promotion: ``lax.add(x_f32, y_f64)`` is a TypeError, and the numpy
functions (``fungrad.numpy.add``) are the ones that promote. fungrad keeps that rule, with
numpy's (NEP 50) weak Python scalars: a Python ``bool``/``int``/``float``/``complex`` (or a
value computed only from such) takes the dtype of the other operands where that changes no
kind, so ``lax.mul(x_f32, 2.0)`` stays float32, while ``lax.add(x_i32, 2.5)`` is refused.

Shapes follow lax too, not numpy: the operands of an elementwise operation have one rank
(``lax.add(x[3], y[2, 3])`` is a TypeError; numpy would prepend axes), their sizes agreeing
or 1, and a scalar (rank 0) goes with any shape.

>>> import numpy as np
>>> dtype(np.ones(2, np.float32)), dtype(1.0)
(dtype('float32'), dtype('float64'))
"""
from __future__ import annotations

from typing import Any, Callable, cast

import numpy as np

from fungrad.core import get_aval
from fungrad.prims.rules import probe_value

__all__ = ["dtype"]


def dtype(x: Any, *, canonicalize: bool = False) -> np.dtype:
    """The dtype of a value (array, scalar, tracer) or of a dtype-like (``np.float32``,
    ``"int8"``). fungrad keeps numpy's dtypes, so ``canonicalize`` changes nothing.

    >>> import numpy as np
    >>> dtype("int8"), dtype(np.float32), dtype(3)
    (dtype('int8'), dtype('float32'), dtype('int64'))
    """
    if isinstance(x, (np.dtype, type, str)):
        try:
            return np.dtype(x)
        except TypeError:
            raise TypeError(f"lax.dtype: cannot read a dtype from {x!r}") from None
    try:
        return get_aval(x).dtype
    except TypeError:
        raise TypeError(f"lax.dtype: cannot read a dtype from {x!r} of type "
                        f"{type(x).__name__}: expected an array, a scalar or a dtype") from None


def operand_avals(name: str, operands: dict) -> list:
    """The abstract values of ``{argument name: value}``, with a TypeError naming the lax
    function and argument for what is not an array."""
    avals = []
    for arg, x in operands.items():
        try:
            avals.append(get_aval(x))
        except TypeError:
            raise TypeError(f"lax.{name}: argument {arg} must be an array or a scalar, got "
                            f"{x!r} of type {type(x).__name__}") from None
    return avals


def check_same_dtypes(name: str, operands: dict, numpy_name: str | None = None) -> None:
    """Raise JAX's TypeError unless the operands ``{argument name: value}`` share one dtype.
    Weak (Python-scalar) operands are allowed where they take the others' dtype unchanged
    (numpy's NEP 50 promotion gives that dtype back); with only weak operands, their dtypes
    must agree among themselves.

    >>> import numpy as np
    >>> check_same_dtypes("add", {"x": np.ones(2, np.float32), "y": 2.0})
    >>> check_same_dtypes("add", {"x": np.ones(2, np.float32), "y": np.ones(2)}, "add")
    Traceback (most recent call last):
    ...
    TypeError: lax.add requires arguments to have the same dtypes, got float32, float64 (x: f32[2], y: f64[2]). (Tip: fungrad.numpy.add is a similar function that does automatic type promotion on inputs.)
    """
    avals = operand_avals(name, operands)
    strong = [a.dtype for a in avals if not a.weak_type]
    target = strong[0] if strong else avals[0].dtype
    if strong:
        agree = all(d == target for d in strong) and all(
            np.result_type(target, probe_value(a)) == target for a in avals if a.weak_type)
    else:
        agree = all(a.dtype == target for a in avals)
    if agree:
        return
    described = ", ".join(f"{arg}: {a.str_short()}" for arg, a in zip(operands, avals))
    tip = (f" (Tip: fungrad.numpy.{numpy_name} is a similar function that does automatic type "
           "promotion on inputs.)") if numpy_name else ""
    raise TypeError(f"lax.{name} requires arguments to have the same dtypes, got "
                    f"{', '.join(a.dtype.name for a in avals)} ({described}).{tip}")


def check_same_ranks(name: str, operands: dict) -> None:
    """Raise JAX's TypeError unless the operands ``{argument name: value}`` broadcast as lax
    broadcasts them: scalars (rank 0) with anything, the rest of one rank, each axis of one
    size or 1 (numpy's rule without its new leading axes).

    >>> import numpy as np
    >>> check_same_ranks("add", {"x": np.ones((1, 3)), "y": np.ones((2, 3)), "z": 2.0})
    >>> check_same_ranks("add", {"x": np.ones(3), "y": np.ones((2, 3))})
    Traceback (most recent call last):
    ...
    TypeError: lax.add: arrays must have the same number of dimensions, got {1, 2} (x: f64[3], y: f64[2,3]). (Tip: fungrad.numpy functions broadcast as numpy does.)
    """
    avals = operand_avals(name, operands)
    shaped = [(arg, a) for arg, a in zip(operands, avals) if a.ndim]
    if not shaped:
        return
    described = ", ".join(f"{arg}: {a.str_short()}" for arg, a in zip(operands, avals))
    ranks = {a.ndim for _, a in shaped}
    if len(ranks) > 1:
        raise TypeError(f"lax.{name}: arrays must have the same number of dimensions, got "
                        f"{{{', '.join(str(r) for r in sorted(ranks))}}} ({described}). (Tip: "
                        "fungrad.numpy functions broadcast as numpy does.)")
    for sizes in zip(*(a.shape for _, a in shaped)):
        if len(set(sizes) - {1}) > 1:
            raise TypeError(f"lax.{name} got incompatible shapes for broadcasting: "
                            f"{', '.join(str(a.shape) for _, a in shaped)} ({described}).")


def check_same_shapes(name: str, operands: dict, scalars: dict | None = None) -> None:
    """Raise JAX's TypeError unless the ``operands`` all have one shape and each of the
    ``scalars`` (both ``{argument name: value}``) has it too or is a scalar (``select``'s and
    ``clamp``'s rule: no broadcasting of size-1 axes).

    >>> import numpy as np
    >>> check_same_shapes("select", {"on_true": np.ones(2), "on_false": np.ones((1, 2))})
    Traceback (most recent call last):
    ...
    TypeError: lax.select: on_true and on_false must have the same shape, got f64[2] and f64[1,2]
    """
    avals = operand_avals(name, operands)
    first = avals[0]
    for arg, a in zip(list(operands)[1:], avals[1:]):
        if a.shape != first.shape:
            raise TypeError(f"lax.{name}: {next(iter(operands))} and {arg} must have the same "
                            f"shape, got {first.str_short()} and {a.str_short()}")
    for arg, a in zip(scalars or {}, operand_avals(name, scalars or {})):
        if a.ndim and a.shape != first.shape:
            raise TypeError(f"lax.{name}: {arg} must be a scalar or have the shape of "
                            f"{next(iter(operands))} {first.shape}, got {a.str_short()}")


def check_abstract(prim: Any, *avals: Any, **params: Any) -> None:
    """Run ``prim``'s shape/dtype rule on ``avals`` now: an eager call binds straight to the
    numpy impl, which would skip it (and its clear errors)."""
    cast(Callable, prim.abstract_eval)(*avals, **params)
