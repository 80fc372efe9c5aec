"""Names in the IR: ``named_scope`` and ``named_call`` put a name on the name stack of the
equations traced inside them, as JAX's do, so that a printed IR shows where each equation
came from.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from typing_extensions import ParamSpec

__all__ = ["named_scope", "named_call"]

P = ParamSpec("P")
R = TypeVar("R")


class named_scope:
    """Within the block, every equation traced gets ``name`` on its name stack (nested scopes
    join as ``outer/inner``), shown by ``pretty_print(name_stack=True)`` as JAX shows it.
    Nothing is done per operation: on exit the scope names the equations recorded since its
    entry (in every active trace, and inside their sub-jaxprs); eagerly it does nothing.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> def f(x):
    ...     with fungrad.named_scope("layer1"):
    ...         y = fnp.sin(x)
    ...         with fungrad.named_scope("inner"):
    ...             y = y * 2.0
    ...     return fnp.cos(y)
    >>> print(fungrad.make_jaxpr(f)(np.float64(1.0)).pretty_print(name_stack=True))
    { lambda ; a:f64[]. let
        b:f64[] = sin a     # [layer1]
        c:f64[] = mul b 2.0 # [layer1/inner]
        d:f64[] = cos c     # []
      in (d,) }
    """

    def __init__(self, name: str):
        if not isinstance(name, str):
            raise TypeError(f"named_scope: the name must be a string, got "
                            f"{type(name).__name__} {name!r:.60}")
        self.name = name
        self._entries: list = []  # per (re-)entry: (trace, equations it had) for each trace

    def __enter__(self) -> None:
        from fungrad.core import _state
        self._entries.append([(trace, len(trace.eqns)) for trace in _state.stack])

    def __exit__(self, *exc: Any) -> None:
        for trace, start in self._entries.pop():
            _name_equations(trace.eqns[start:], self.name)

    def __call__(self, fun: Callable) -> Callable:
        """As a decorator: ``fun`` runs inside the scope.

        >>> import numpy as np, fungrad, fungrad.numpy as fnp
        >>> @fungrad.named_scope("block")
        ... def f(x):
        ...     return fnp.exp(x)
        >>> print(fungrad.make_jaxpr(f)(np.float64(0.0)).pretty_print(name_stack=True))
        { lambda ; a:f64[]. let
            b:f64[] = exp a # [block]
          in (b,) }
        """
        @wraps(fun)
        def scoped(*args, **kwargs):
            with self:
                return fun(*args, **kwargs)
        return scoped


def _name_equations(eqns: list, name: str) -> None:
    """Prefix ``name`` to the name stack of ``eqns`` and of the equations of their
    sub-jaxprs (cond branches, loop bodies), iteratively."""
    from fungrad.core import ClosedJaxpr, Jaxpr
    todo = [list(eqns)]
    while todo:
        for eqn in todo.pop():
            eqn.name_stack = name if not eqn.name_stack else f"{name}/{eqn.name_stack}"
            for value in eqn.params.values():
                for sub in (value if isinstance(value, tuple) else (value,)):
                    if isinstance(sub, (ClosedJaxpr, Jaxpr)):
                        todo.append((sub.jaxpr if isinstance(sub, ClosedJaxpr) else sub).eqns)


def named_call(fun: Callable[P, R], *, name: str | None = None) -> Callable[P, R]:
    """``fun`` run inside ``named_scope(name)`` (``fun.__name__`` if no name is given), so
    the equations it traces carry that name.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> def softplus(x):
    ...     return fnp.log1p(fnp.exp(x))
    >>> f = fungrad.named_call(softplus)
    >>> print(fungrad.make_jaxpr(lambda x: f(x) * 3.0)(np.float64(0.0)).pretty_print(name_stack=True))
    { lambda ; a:f64[]. let
        b:f64[] = exp a     # [softplus]
        c:f64[] = log1p b   # [softplus]
        d:f64[] = mul c 3.0 # []
      in (d,) }
    >>> float(f(0.0))
    0.6931471805599453
    """
    return named_scope(name if name is not None else getattr(fun, "__name__", "fun"))(fun)
