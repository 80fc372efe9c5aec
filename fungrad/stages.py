"""Ahead-of-time stages of ``jit``, as in JAX: ``jit(f).trace(*args)`` -> ``Traced``,
``.lower()`` -> ``Lowered``, ``.compile()`` -> ``Compiled``.

JAX lowers a jaxpr to StableHLO and compiles that with XLA. fungrad has no such language: its
"lowering" is the Python source ``jit`` generates from the IR (one numpy call per equation),
and compiling is executing that source. So ``Lowered.as_text()`` returns the generated Python
source: an honest stand-in for JAX's StableHLO text, not the same thing.

>>> import fungrad, fungrad.numpy as fnp
>>> traced = fungrad.jit(lambda x: fnp.sin(x) * 2.0).trace(1.0)
>>> compiled = traced.lower().compile()
>>> float(compiled(0.0)), traced.fun_name
(0.0, '<lambda>')
"""
from __future__ import annotations

from typing import Any, Callable

from fungrad.core import ClosedJaxpr, GuardFailure, ShapeDtypeStruct, ShapedArray, get_aval
from fungrad.jit import _output_builder, compile_jaxpr
from fungrad.partial_eval import merge_extended_scans
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["ArgInfo", "Traced", "Lowered", "Compiled"]


class ArgInfo:
    """The abstract value of one argument of a traced function (``donated`` is always False:
    numpy has no buffers to donate).

    >>> import fungrad
    >>> fungrad.jit(lambda x: x).trace(1.0).args_info
    ((ArgInfo(f64[], weak_type=True, donated=False),), {})
    """

    __slots__ = ("aval", "donated")

    def __init__(self, aval: ShapedArray, donated: bool = False):
        self.aval = aval
        self.donated = donated

    @property
    def shape(self) -> tuple:
        return self.aval.shape

    @property
    def dtype(self):
        return self.aval.dtype

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.aval.weak_type else ""
        return f"ArgInfo({self.aval.str_short()}{weak}, donated={self.donated})"


def _shape_struct(aval: ShapedArray) -> ShapeDtypeStruct:
    return ShapeDtypeStruct(aval.shape, aval.dtype)


class _Stage:
    """What every stage knows: the name, the input and output trees and avals."""

    def __init__(self, fun_name: str, closed: ClosedJaxpr, in_tree, in_avals: list,
                 out_tree, call_jitted: Callable):
        self.fun_name = fun_name
        self._closed = closed
        self.in_tree = in_tree
        self.in_avals = list(in_avals)
        self.out_tree = out_tree
        self._call_jitted = call_jitted

    @property
    def out_info(self) -> Any:
        """The outputs as a pytree of ``ShapeDtypeStruct``."""
        return tree_unflatten(self.out_tree, [_shape_struct(a) for a in self._closed.out_avals])

    @property
    def args_info(self) -> Any:
        """The dynamic arguments ``(args, kwargs)`` as a pytree of ``ArgInfo``."""
        return tree_unflatten(self.in_tree, [ArgInfo(a) for a in self.in_avals])


class Traced(_Stage):
    """A function traced at some argument types: ``jaxpr`` (the ``ClosedJaxpr``, printed as
    ``make_jaxpr`` prints it), ``out_info``, ``args_info``, ``fun_name``; ``lower()``.

    >>> import fungrad
    >>> traced = fungrad.jit(lambda x, y: (x + y, x * y)).trace(1.0, 2.0)
    >>> traced.out_info
    (ShapeDtypeStruct(shape=(), dtype=float64), ShapeDtypeStruct(shape=(), dtype=float64))
    """

    @property
    def jaxpr(self) -> ClosedJaxpr:
        return self._closed

    def lower(self) -> "Lowered":
        """The lowered form: the Python source ``jit`` generates for this IR.

        >>> import fungrad
        >>> import numpy as np
        >>> print(fungrad.jit(lambda x: x * 2.0).trace(np.ones(2)).lower().as_text())
        def compiled(a):
            b = _mul(a, _lit0)
            del a
            return [b]
        """
        return Lowered(self.fun_name, self._closed, self.in_tree, self.in_avals,
                       self.out_tree, self._call_jitted)


class Lowered(_Stage):
    """A traced function lowered to fungrad's target, Python source over numpy (JAX's is
    StableHLO): ``as_text()`` shows it, ``compile()`` makes it callable.

    >>> import fungrad
    >>> lowered = fungrad.jit(lambda x: x - 1.0).lower(1.0)
    >>> lowered.compile()(5.0)
    np.float64(4.0)
    """

    def __init__(self, *args: Any):
        super().__init__(*args)
        self._fn = compile_jaxpr(merge_extended_scans(self._closed))

    def as_text(self) -> str:
        """The generated Python source (where JAX returns StableHLO text).

        >>> import fungrad, fungrad.numpy as fnp
        >>> import numpy as np
        >>> print(fungrad.jit(fnp.negative).lower(np.ones(2)).as_text().splitlines()[1])
            b = _neg(a)
        """
        return self._fn.source

    def compile(self) -> "Compiled":
        """The compiled function, called with the dynamic arguments only.

        >>> import fungrad
        >>> fungrad.jit(lambda x, n: x * n, static_argnums=1).lower(1.0, 3).compile()(2.0)
        np.float64(6.0)
        """
        return Compiled(self)


class Compiled:
    """A compiled function: call it with the dynamic arguments (static ones were fixed when
    tracing), of the types it was traced for; other types raise TypeError. Where the trace
    recorded guards (Python control flow on values) and a call takes another path, the call
    runs through the jitted function, which traces that path: never a wrong answer.

    >>> import fungrad
    >>> compiled = fungrad.jit(lambda x: x * 2.0 if x > 0 else -x).lower(1.0).compile()
    >>> compiled(3.0), compiled(-3.0)
    (np.float64(6.0), np.float64(3.0))
    """

    def __init__(self, lowered: Lowered):
        self._lowered = lowered
        self.fun_name = lowered.fun_name
        self.in_tree = lowered.in_tree
        self.in_avals = lowered.in_avals
        self.out_tree = lowered.out_tree
        self._build = _output_builder(lowered.out_tree)

    out_info = _Stage.out_info
    args_info = _Stage.args_info

    @property
    def _closed(self) -> ClosedJaxpr:
        return self._lowered._closed

    def as_text(self) -> str:
        """The generated Python source that runs (see ``Lowered.as_text``).

        >>> import fungrad
        >>> "def compiled(a):" in fungrad.jit(lambda x: x + 1.0).lower(1.0).compile().as_text()
        True
        """
        return self._lowered.as_text()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        flat, tree = tree_flatten((args, kwargs))
        if tree != self.in_tree:
            raise TypeError(f"compiled {self.fun_name}: called with arguments structured as "
                            f"{tree}, but it was compiled for {self.in_tree} (the dynamic "
                            "arguments only: static arguments were fixed when tracing)")
        names = [str(a) for a in self.in_avals]
        got = []
        for x in flat:
            try:
                got.append(get_aval(x))
            except TypeError:
                raise TypeError(f"compiled {self.fun_name}: an argument is "
                                f"{type(x).__name__} {x!r:.60}, not an array") from None
        bad = [(i, want, have) for i, (want, have) in enumerate(zip(self.in_avals, got))
               if want.strip_weak() != have.strip_weak()]
        if bad:
            raise TypeError(
                f"compiled {self.fun_name}: argument types differ from the types it was "
                "compiled for: " + "; ".join(f"argument {i} compiled with {names[i]} and "
                                             f"called with {have}" for i, _, have in bad))
        try:
            outs = self._lowered._fn(*flat)
        except GuardFailure:  # another control path: the jitted function traces it
            return self._lowered._call_jitted(*tree_unflatten(self.in_tree, flat))
        return self._build(outs)
