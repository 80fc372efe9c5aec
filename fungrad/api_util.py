"""What every transform does with a user's function before tracing it: flatten its
arguments and results to leaves (checking that each leaf is an array), hold the arguments
that are not differentiated fixed, name the arguments for error messages, and check that
the dtypes asked to be differentiated can be.

These are helpers of ``fungrad.api`` and ``fungrad.staging``; nothing here is public.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

import numpy as np

from fungrad.array import Array
from fungrad.core import Tracer, get_aval, numpy_result
from fungrad.tree_util import PyTreeDef, tree_flatten, tree_unflatten

#: The structure of a single leaf.
LEAF = tree_flatten(0)[1]
# leaves every check accepts without asking: numpy arrays (and Arrays) and tracers have avals
_ARRAY_TYPES = (np.ndarray, Array, Tracer)


# ---------------------------------------------------------------------------------------------
# Flattening functions and naming their arguments
# ---------------------------------------------------------------------------------------------

class _FlatFun:
    """``fun`` as a function of flat leaves returning flat leaves; remembers the output tree
    (and, with ``has_aux``, the aux tree, whose leaves are appended to the outputs)."""

    def __init__(self, fun: Callable, in_tree: PyTreeDef, has_aux: bool = False,
                 what: str = "function"):
        self.fun = fun
        self.in_tree = in_tree
        self.has_aux = has_aux
        self.what = what
        self.out_tree: PyTreeDef | None = None
        self.aux_tree: PyTreeDef | None = None
        self.num_out = 0
        self.__name__ = getattr(fun, "__name__", "function")
        # the usual ``f(x, y)``: a tuple of leaves needs no rebuilding, the leaves are the
        # arguments (a namedtuple is a node type of its own, so it is rebuilt)
        self.leaf_args = in_tree.node_type is tuple and all(
            c.node_type is None for c in in_tree.children)
        # a traced array returned: a single leaf, no flattening (False: always flatten)
        self.leaf_output = True

    def __call__(self, *flat_args):
        out = self.fun(*flat_args) if self.leaf_args else \
            self.fun(*tree_unflatten(self.in_tree, flat_args))
        if self.leaf_output and not self.has_aux and type(out) is Tracer:  # a single leaf
            self.out_tree = LEAF
            self.num_out = 1
            return [out]
        if self.has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"{self.what} with has_aux=True requires the function to "
                                "return a pair (output, aux), got "
                                f"{type(out).__name__}")
            out, aux = out
            aux_leaves, self.aux_tree = tree_flatten(aux)
        else:
            aux_leaves = []
        out_leaves, self.out_tree = tree_flatten(out)
        for leaf in out_leaves:
            _check_leaf(leaf, f"{self.what}: the output of {self.__name__}")
        self.num_out = len(out_leaves)
        return out_leaves + aux_leaves


def _numpy_leaves(leaves: Sequence[Any]) -> list:
    return [numpy_result(x) for x in leaves]


def _check_leaf(x: Any, where: str) -> None:
    try:
        get_aval(x)
    except TypeError:
        raise TypeError(f"{where} contains a value of type {type(x).__name__} ({x!r:.60}); "
                        "expected numpy arrays, numpy scalars or Python scalars (in tuples, "
                        "lists, dicts or registered pytrees).") from None


def _arg_names(fun: Callable, args: Sequence[Any], positions: Sequence[int]):
    """Readable names for the flat leaves of ``args[positions]``, for error messages; lazy
    (a function), since only an error needs them."""
    return lambda: _find_arg_names(fun, args, positions)


def _find_arg_names(fun: Callable, args: Sequence[Any], positions: Sequence[int]) -> list[str]:
    try:
        params = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        params = []
    names = []
    for i in positions:
        base = params[i] if i < len(params) else f"args[{i}]"
        leaves = tree_flatten(args[i])[0]
        names.extend([base] if len(leaves) == 1 else [f"{base}[{j}]" for j in range(len(leaves))])
    return names


def _flatten_args(what: str, args: tuple) -> tuple[list, PyTreeDef]:
    flat, tree = tree_flatten(args)
    for i, x in enumerate(flat):
        if type(x) not in _ARRAY_TYPES:
            _check_leaf(x, f"{what}: argument leaf {i}")
    return flat, tree


def _split_argnums(what: str, fun: Callable, args: tuple, argnums):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for n in nums:
        if not isinstance(n, int) or not -len(args) <= n < len(args):
            raise ValueError(f"{what}: argnums={argnums!r} is out of range for a call with "
                             f"{len(args)} positional argument(s)")
    nums = tuple(n % len(args) for n in nums)
    return single, nums


def _partial(fun: Callable, args: tuple, nums: tuple, kwargs: dict) -> Callable:
    """``fun`` as a function of ``args[nums]`` only (the others and kwargs held fixed)."""
    if len(nums) == len(args) and not kwargs:
        return fun

    def partial_fun(*dyn):
        full = list(args)
        for n, x in zip(nums, dyn):
            full[n] = x
        return fun(*full, **kwargs)
    partial_fun.__name__ = getattr(fun, "__name__", "function")
    return partial_fun



# ---------------------------------------------------------------------------------------------
# Which dtypes may be differentiated
# ---------------------------------------------------------------------------------------------

def _check_inexact_inputs(what: str, flat: Sequence[Any]) -> None:
    """Differentiating with respect to an integer or boolean input is a mistake (JAX's
    TypeError), unless ``allow_int`` asks for its float0 zero."""
    for x in flat:
        dtype = x.dtype if type(x) in _ARRAY_TYPES else get_aval(x).dtype
        if dtype.kind not in "fc":
            raise TypeError(
                f"{what} requires real- or complex-valued inputs (input dtype that is a "
                f"sub-dtype of np.inexact), but got {dtype.name}. If you want to use "
                "Boolean- or integer-valued inputs, use vjp or set allow_int to True.")



def _check_complex(what: str, which: str, leaves: Sequence[Any]) -> None:
    """holomorphic=True differentiates complex functions of complex inputs only."""
    for x in leaves:
        dtype = get_aval(x).dtype
        if dtype.kind != "c":
            raise TypeError(f"{what} with holomorphic=True requires {which} with complex "
                            f"dtype, but got {dtype.name}.")


def _real_outputs_only(what: str, dtype: np.dtype) -> None:
    raise TypeError(f"{what} requires real-valued outputs (output dtype that is a sub-dtype "
                    f"of np.floating), but got {dtype.name}. For holomorphic "
                    "differentiation, pass holomorphic=True. For differentiation of "
                    "non-holomorphic functions involving complex outputs, use fungrad.vjp "
                    "directly.")

