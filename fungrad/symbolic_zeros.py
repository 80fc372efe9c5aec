"""What custom rules see with ``symbolic_zeros=True``: ``SymbolicZero`` for a tangent (or
cotangent) that is known to be zero without being an array, and ``CustomVJPPrimal`` for the
arguments of a ``custom_vjp`` forward rule, saying which are differentiated.

A rule can then skip the work for what is not differentiated. ``SymbolicZero`` has the
tangent's ``aval`` (and through it ``shape``, ``dtype``, ``ndim``): ``float0`` for integer
primals, as in JAX.

>>> import numpy as np
>>> z = SymbolicZero.from_primal_value(np.ones((2, 3), np.float32))
>>> z, z.shape, z.dtype
(SymbolicZero, (2, 3), dtype('float32'))
>>> zero_from_primal({"a": 1.0, "b": np.int32(3)})["b"].dtype
dtype([('float0', 'V')])
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from fungrad.avals import ShapedArray
from fungrad.core import get_aval
from fungrad.tree_util import tree_map

__all__ = ["SymbolicZero", "CustomVJPPrimal", "zero_from_primal",
           "custom_vjp_primal_tree_values"]


def tangent_aval(x: Any) -> ShapedArray:
    """The type of a tangent of ``x``: its own for inexact dtypes, ``float0`` otherwise.

    >>> tangent_aval(np.arange(3.0)), tangent_aval(np.arange(3)).dtype.names
    (ShapedArray(float64[3]), ('float0',))
    """
    from fungrad.api import float0
    aval = get_aval(x)
    if aval.dtype.kind in "fc":
        return ShapedArray(tuple(aval.shape), aval.dtype)
    return ShapedArray(tuple(aval.shape), float0)


class SymbolicZero:
    """A zero (co)tangent of type ``aval``, passed to rules defined with
    ``symbolic_zeros=True`` in place of an array of zeros.

    >>> z = SymbolicZero(ShapedArray((3,), np.dtype("float64")))
    >>> z.shape, z.ndim
    ((3,), 1)
    """

    def __init__(self, aval: ShapedArray) -> None:
        self.aval = aval

    def __repr__(self) -> str:
        return "SymbolicZero"

    def __getattr__(self, name: str) -> Any:
        if name == "aval":  # not set yet (copying, unpickling): no recursion through here
            raise AttributeError(name)
        if name == "ndim":
            return len(self.aval.shape)
        if name == "size":
            return int(math.prod(self.aval.shape))
        try:
            return getattr(self.aval, name)
        except AttributeError:
            raise AttributeError(f"SymbolicZero has no attribute {name}") from None

    @staticmethod
    def from_primal_value(val: Any) -> "SymbolicZero":
        """The symbolic zero tangent of the primal ``val``.

        >>> SymbolicZero.from_primal_value(1.0).aval
        ShapedArray(float64[])
        """
        return SymbolicZero(tangent_aval(val))


def zero_from_primal(val: Any, symbolic_zeros: bool = False) -> Any:
    """Zero tangents for a pytree of primals: arrays of zeros (``float0`` ones for
    integer leaves), or ``SymbolicZero`` objects with ``symbolic_zeros=True``.

    >>> zero_from_primal((np.ones(2), 3.0))
    (array([0., 0.]), array(0.))
    >>> zero_from_primal(np.ones(2), symbolic_zeros=True)
    SymbolicZero
    """
    def zero(x):
        aval = tangent_aval(x)
        return SymbolicZero(aval) if symbolic_zeros else np.zeros(aval.shape, aval.dtype)
    return tree_map(zero, val)


def is_symbolic_zero(x: Any) -> bool:
    """Whether ``x`` is a ``SymbolicZero``.

    >>> is_symbolic_zero(SymbolicZero.from_primal_value(1.0)), is_symbolic_zero(0.0)
    (True, False)
    """
    return type(x) is SymbolicZero


@dataclasses.dataclass(slots=True)
class CustomVJPPrimal:
    """An argument of a ``custom_vjp`` forward rule defined with ``symbolic_zeros=True``:
    the primal ``value``, and whether it is ``perturbed`` (differentiated).

    >>> CustomVJPPrimal(2.0, True)
    CustomVJPPrimal(value=2.0, perturbed=True)
    """
    value: Any
    perturbed: bool


def custom_vjp_primal_tree_values(tree: Any) -> Any:
    """The values inside a tree of ``CustomVJPPrimal`` records (what a forward rule with
    ``symbolic_zeros=True`` receives), in the same structure.

    >>> custom_vjp_primal_tree_values((CustomVJPPrimal(1.0, True),
    ...                                {"a": CustomVJPPrimal(2.0, False)}))
    (1.0, {'a': 2.0})
    """
    def value(leaf):
        if type(leaf) is not CustomVJPPrimal:
            raise TypeError(f"custom_vjp_primal_tree_values: unexpected leaf type "
                            f"{type(leaf).__name__}; expected CustomVJPPrimal (the arguments "
                            "of a forward rule defined with symbolic_zeros=True)")
        return leaf.value
    return tree_map(value, tree)
