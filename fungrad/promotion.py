"""JAX's checks of implicit promotion: ``jax_numpy_rank_promotion`` (``"allow"``, ``"warn"``,
``"raise"``) and ``jax_numpy_dtype_promotion`` (``"standard"``, ``"strict"``).

fungrad broadcasts and promotes as numpy does. With a checking mode set, a binary operation
the user writes -- an operator on arrays or tracers (``x + y``, ``x < y``, ``x @ y``) or a
binary function of ``fungrad.numpy`` (``add``, ``arctan2``, ``maximum``, ``power``, ``where``,
...) -- is checked before it promotes, with JAX's rules and messages:

* rank promotion: operands of different ranks, when at least two of them are not scalars
  (``x[3] + y[2, 3]``; ``x[3] + 1.0`` and ``x[3] + y[]`` are fine). ``"raise"`` raises
  ValueError, ``"warn"`` warns (at the user's line);
* strict dtype promotion: operands of different dtypes raise ``TypePromotionError`` (a
  ValueError), except a Python scalar (weakly typed) beside an array of a kind it fits in:
  an int beside any integer, float or complex array, a float beside floating or complex, a
  complex beside complex (``x_f32 * 2`` is fine, ``x_i32 * 2.0`` and ``x_f32 + x_f64`` are
  not). Python's ``bool`` is a strong bool, as in JAX.

Only the user's own calls are checked: fungrad's internals (derivative and batching rules
that broadcast a cotangent, the numpy functions built of other numpy functions) broadcast on
as they must, as JAX's internals do through ``lax``, which never promotes implicitly. That is
decided by the caller's file, and only once a check has failed, so the checked path costs
nothing more until it matters. With both modes at their defaults nothing is checked at all:
the operator checks are installed on ``Array`` and ``Tracer`` only while a mode is set, and
the numpy functions test one flag.

>>> import numpy as np, fungrad
>>> with fungrad.numpy_rank_promotion("raise"):
...     try:
...         fungrad.numpy.add(np.ones(3), np.ones((2, 3)))
...     except ValueError as e:
...         print(str(e).split(" and with")[0])
Operands could not be broadcast together for add on shapes (3,) (2, 3)
"""
from __future__ import annotations

import os
import sys
import warnings
from typing import Any, Callable

import numpy as np

__all__ = ["TypePromotionError", "check_binary", "checking", "set_mode"]


class TypePromotionError(ValueError):
    """JAX's error for an implicit dtype promotion refused under
    ``jax_numpy_dtype_promotion="strict"`` (``fungrad.dtypes.TypePromotionError``).

    >>> issubclass(TypePromotionError, ValueError)
    True
    """


#: the two modes, as ``fungrad.config`` sets them
modes = {"rank": "allow", "dtype": "standard"}
#: ``checking[0]``: is either mode set? The one test the numpy functions make.
checking = [False]

_FUNGRAD_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_DOCS = "https://docs.jax.dev/en/latest/rank_promotion_warning.html"
_PY_WEAK = {int: "i", float: "f", complex: "c"}  # (bool is a strong bool in JAX)
# what a weak scalar of each kind may join: the kinds of array it takes the dtype of
_WEAK_JOINS = {"i": "iufc", "f": "fc", "c": "c"}


def _from_user(depth: int) -> bool:
    """Was the public function ``depth`` frames up called by the user's code (not fungrad's
    own: its rules, its numpy functions built of others)? Doctests count as the user's."""
    frame = sys._getframe(depth + 1)
    return not frame.f_code.co_filename.startswith(_FUNGRAD_DIR)


def _shape(x: Any) -> tuple:
    from fungrad.core import Tracer  # (imported here: config imports this module early)
    if isinstance(x, (Tracer, np.ndarray, np.generic)):
        return x.shape
    return np.shape(x)


def _node(x: Any) -> tuple[Any, str | None]:
    """The dtype ``x`` stands for in promotion, and its weak kind (None: strongly typed)."""
    from fungrad.core import Tracer, get_aval
    kind = _PY_WEAK.get(type(x))
    if kind is not None:
        return type(x), kind
    if isinstance(x, (Tracer, np.ndarray, np.generic)):
        aval = get_aval(x)
        if aval.weak_type and aval.dtype.kind in "iufc":
            return {"i": int, "u": int, "f": float, "c": complex}[aval.dtype.kind], \
                "i" if aval.dtype.kind in "iu" else aval.dtype.kind
        return aval.dtype, None
    return np.asarray(x).dtype, None


def _strict_refuses(operands: tuple) -> tuple | None:
    """The dtypes (as JAX names them) of operands strict promotion refuses, or None."""
    nodes = [_node(x) for x in operands]
    if any(weak is None and dtype.kind not in "biufc" for dtype, weak in nodes):
        return None  # not numbers (``x == None``): not a promotion
    strong = {dtype for dtype, weak in nodes if weak is None}
    if len(strong) <= 1 and all(weak is None or not strong
                                or next(iter(strong)).kind in _WEAK_JOINS[weak]
                                for _, weak in nodes):
        return None
    names: list[str] = []
    for dtype, weak in nodes:
        name = str(dtype)
        if name not in names:
            names.append(name)
    return tuple(names)


def check_binary(fun_name: str, *operands: Any, ranks: bool = True, depth: int = 1) -> None:
    """The checks of the modes set on the operands of ``fun_name`` (the numpy name, as JAX's
    messages say), if the call came from the user: ``depth`` counts the frames from the
    public function to this one (1: it calls this directly). ``ranks=False``: a function
    that promotes dtypes but not ranks (``where``, ``matmul``).

    >>> import numpy as np
    >>> check_binary("add", np.ones(3), np.ones((2, 3)))  # "allow": nothing is checked
    """
    if ranks and modes["rank"] != "allow":
        shapes = [_shape(x) for x in operands]
        ndim = len(shapes[0])
        if any(len(s) != ndim for s in shapes) \
                and len({len(s) for s in shapes if s}) > 1 and _from_user(depth + 1):
            _rank_promoted(fun_name, shapes, depth + 2)
    if modes["dtype"] == "strict" and not (fun_name == "power"
                                           and _concrete_integer(operands[1])):
        refused = _strict_refuses(operands)
        if refused is not None and _from_user(depth + 1):
            raise TypePromotionError(
                f"Input dtypes {refused} have no available implicit dtype promotion path "
                "when jax_numpy_dtype_promotion=strict. Try explicitly casting inputs to the "
                "desired output type, or set jax_numpy_dtype_promotion=standard.")


def _concrete_integer(x: Any) -> bool:
    """``x ** n`` with a known integer ``n`` (a Python or numpy integer or bool, a 0-d
    integer array) is an integer power in JAX, with no dtype promotion to check."""
    if isinstance(x, (int, np.integer, np.bool_)):
        return True
    return isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "biu"


def _rank_promoted(fun_name: str, shapes: list, stacklevel: int) -> None:
    shown = " ".join(map(str, shapes))
    if modes["rank"] == "warn":
        warnings.warn(f"Following NumPy automatic rank promotion for {fun_name} on shapes "
                      f"{shown}. Set the jax_numpy_rank_promotion config option to 'allow' "
                      f"to disable this warning; for more information, see {_DOCS}.",
                      stacklevel=stacklevel + 1)
    else:
        raise ValueError(f"Operands could not be broadcast together for {fun_name} on shapes "
                         f"{shown} and with the config option jax_numpy_rank_promotion="
                         f"'raise'. For more information, see {_DOCS}.")


# ----------------------------------------------------------------------------- the operators
# operator method -> the numpy function JAX's operator is (its name is in the messages)
_OPERATORS = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
              "floordiv": "floor_divide", "mod": "remainder", "pow": "power",
              "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
              "lshift": "left_shift", "rshift": "right_shift", "matmul": "matmul"}
_COMPARISONS = {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
                "eq": "equal", "ne": "not_equal"}
_installed: dict[tuple[type, str], Any] = {}  # (class, method) -> its own attribute, or None


def _checked(method: Callable, fun_name: str, reflected: bool, cls: type) -> Callable:
    from fungrad.core import Tracer
    ranks = fun_name != "matmul"

    def op(self, other):
        # an Array meeting a tracer defers to the tracer's operator, which checks
        if cls is Tracer or type(other) is not Tracer:
            if reflected:
                check_binary(fun_name, other, self, ranks=ranks)
            else:
                check_binary(fun_name, self, other, ranks=ranks)
        return method(self, other)
    op.__name__ = op.__qualname__ = method.__name__
    op.__doc__ = method.__doc__
    return op


def _operator_methods():
    for short, fun_name in _OPERATORS.items():
        yield f"__{short}__", fun_name, False
        yield f"__r{short}__", fun_name, True
        yield f"__i{short}__", fun_name, False
    for short, fun_name in _COMPARISONS.items():
        yield f"__{short}__", fun_name, False


def _install_operator_checks(on: bool) -> None:
    """Wrap (``on``) or unwrap the binary operators of ``Array`` and ``Tracer`` in checks."""
    from fungrad.array import Array
    from fungrad.core import Tracer
    if on == bool(_installed):
        return
    for cls in (Array, Tracer):
        for name, fun_name, reflected in _operator_methods():
            if on:
                method = getattr(cls, name, None)
                if method is None:
                    continue
                _installed[cls, name] = cls.__dict__.get(name)
                setattr(cls, name, _checked(method, fun_name, reflected, cls))
            elif (cls, name) in _installed:
                own = _installed.pop((cls, name))
                if own is None:
                    delattr(cls, name)
                else:
                    setattr(cls, name, own)


def set_mode(kind: str, value: str) -> None:
    """Set the ``"rank"`` or ``"dtype"`` promotion mode (``fungrad.config`` calls this).
    Compiled functions are forgotten, as JAX retraces under a new mode: their traces were
    checked under the old one.

    >>> set_mode("rank", "allow"); modes["rank"]
    'allow'
    """
    if modes[kind] == value:
        return
    modes[kind] = value
    checking[0] = modes["rank"] != "allow" or modes["dtype"] != "standard"
    _install_operator_checks(checking[0])
    jit = sys.modules.get("fungrad.jit")
    if jit is not None:
        jit.clear_caches()
