"""``fungrad.ad_checkpoint`` (``jax.ad_checkpoint``): naming values for rematerialization
policies, and seeing what reverse mode keeps.

``checkpoint_name(x, name)`` is the identity, recorded in the IR as ``name[name='...']`` so a
policy (``fungrad.checkpoint_policies``) can refer to it. ``print_saved_residuals(f, *args)``
lists the values the backward pass of ``f`` reads (what ``vjp`` keeps alive between the
forward and the backward pass).

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> print(fungrad.make_jaxpr(lambda x: checkpoint_name(fnp.sin(x), "hidden"))(np.float64(1.0)))
{ lambda ; a:f64[]. let
    b:f64[] = sin a
    c:f64[] = name[name='hidden'] b
  in (c,) }
"""
from __future__ import annotations

from typing import Any, Callable


from fungrad.core import Literal, Var, bind
from fungrad.prims.rules import batch_elementwise, primitive

__all__ = ["checkpoint_name", "print_saved_residuals", "saved_residuals", "checkpoint",
           "checkpoint_policies"]

name_p = primitive("name", lambda x, name: x, lambda aval, name: aval)
# compiled code: the value itself
name_p.emit = lambda avals, name: ("{0}", {})
name_p.jvp = lambda primals, tangents, name: (bind(name_p, primals[0], name=name), tangents[0])
name_p.vjp = lambda ct, primals, out, needs, name: [ct]
batch_elementwise(name_p)


def checkpoint_name(x: Any, name: str) -> Any:
    """``x`` itself, tagged ``name`` in the IR (for ``save_only_these_names`` and the like).

    >>> import fungrad
    >>> fungrad.grad(lambda x: checkpoint_name(x * x, "sq"))(3.0)
    np.float64(6.0)
    """
    from fungrad.tree_util import tree_map
    return tree_map(lambda leaf: bind(name_p, leaf, name=name), x)


def saved_residuals(fun: Callable, *args: Any, **kwargs: Any) -> list[tuple[Any, str]]:
    """``(aval, where it comes from)`` for every value the backward pass of ``fun`` at
    ``args`` may read: the inputs and results of every operation on the path of the derivative
    (fungrad's reverse mode keeps each of them until the backward pass is past it).

    >>> import numpy as np, fungrad.numpy as fnp
    >>> [(a, why) for a, why in saved_residuals(lambda x: fnp.sum(fnp.sin(x) ** 2),
    ...                                         np.ones(3))]
    [(f64[3], 'from the argument x'), (f64[3], 'output of sin'), (f64[3], 'output of integer_pow')]
    """
    import inspect

    from fungrad.api import make_jaxpr
    from fungrad.tree_util import tree_flatten
    from fungrad.vjp import active_vars
    closed = make_jaxpr(lambda *a: fun(*a, **kwargs))(*args)
    jaxpr = closed.jaxpr
    active = active_vars(jaxpr, [True] * len(jaxpr.invars))
    try:
        params = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        params = []
    names: dict = {}
    flat_i = 0
    for i, arg in enumerate(args):
        base = params[i] if i < len(params) else f"args[{i}]"
        n = len(tree_flatten(arg)[0])
        for j in range(n):
            names[jaxpr.invars[flat_i]] = base if n == 1 else f"{base}[{j}]"
            flat_i += 1
    origin: dict = {v: f"from the argument {names.get(v, '')}".rstrip() for v in jaxpr.invars}
    origin.update({v: "a constant" for v in jaxpr.constvars})
    for eqn in jaxpr.eqns:
        for v in eqn.outvars:
            origin[v] = f"output of {eqn.primitive.name}"
    saved: list = []
    seen: set = set()
    for eqn in jaxpr.eqns:
        if eqn.primitive.nondiff or not any(isinstance(x, Var) and x in active
                                            for x in eqn.inputs):
            continue
        # what its rule is given: the inputs and the results (a linear operation on a
        # differentiated value needs neither it nor its result)
        linear = eqn.primitive.name in _LINEAR_IN_ACTIVE
        for x in list(eqn.inputs) + ([] if linear else list(eqn.outvars)):
            if isinstance(x, Literal) or x in seen or x.aval.dtype.kind not in "fc":
                continue
            if linear and x in active:
                continue
            seen.add(x)
            saved.append((x.aval, origin.get(x, "an intermediate")))
    return saved


# operations whose derivative does not read the differentiated operand itself
_LINEAR_IN_ACTIVE = {"add", "sub", "neg", "reduce_sum", "broadcast_in_dim", "reshape",
                     "transpose", "squeeze", "convert_element_type", "name", "concatenate",
                     "slice", "pad", "rev", "gather", "copy"}


def print_saved_residuals(fun: Callable, *args: Any, **kwargs: Any) -> None:
    """Print ``saved_residuals(fun, *args)``, one line per value.

    >>> import numpy as np, fungrad.numpy as fnp
    >>> print_saved_residuals(lambda x: fnp.sum(fnp.exp(x) * x), np.ones(2))
    f64[2] from the argument x
    f64[2] output of exp
    f64[2] output of mul
    """
    for aval, why in saved_residuals(fun, *args, **kwargs):
        print(f"{aval.str_short()} {why}")


# ---------------------------------------------------------------------------------------------
# Policies: which values a checkpointed function may keep
# ---------------------------------------------------------------------------------------------

class checkpoint_policies:
    """JAX's rematerialization policies, by name. A policy is called as
    ``policy(primitive, *avals, **params) -> bool`` (may this value be saved?).

    fungrad's ``checkpoint`` with ``everything_saveable`` keeps every value (no
    rematerialization); with any other policy it recomputes every intermediate of the
    checkpointed function in the backward pass (the values are the same either way; only
    memory and compute differ).

    >>> import fungrad
    >>> from fungrad.prims.structural import dot_general_p
    >>> policies = checkpoint_policies
    >>> policies.nothing_saveable(dot_general_p), policies.dots_saveable(dot_general_p)
    (False, True)
    >>> checkpoint_policies.save_only_these_names("h")(name_p, name="h")
    True
    """

    @staticmethod
    def everything_saveable(prim: Any, *avals: Any, **params: Any) -> bool:
        """Every value may be saved.

        >>> checkpoint_policies.everything_saveable(name_p)
        True
        """
        return True

    @staticmethod
    def nothing_saveable(prim: Any, *avals: Any, **params: Any) -> bool:
        """No value may be saved: recompute everything.

        >>> checkpoint_policies.nothing_saveable(name_p)
        False
        """
        return False

    @staticmethod
    def dots_saveable(prim: Any, *avals: Any, **params: Any) -> bool:
        """Results of matrix products may be saved.

        >>> from fungrad.prims.structural import dot_general_p
        >>> policy = checkpoint_policies.dots_saveable
        >>> policy(dot_general_p), policy(name_p)
        (True, False)
        """
        return getattr(prim, "name", "") == "dot_general"

    checkpoint_dots = dots_saveable

    @staticmethod
    def dots_with_no_batch_dims_saveable(prim: Any, *avals: Any, **params: Any) -> bool:
        """Results of matrix products without batch dimensions may be saved.

        >>> from fungrad.prims.structural import dot_general_p
        >>> policy = checkpoint_policies.dots_with_no_batch_dims_saveable
        >>> policy(dot_general_p, dimension_numbers=(((1,), (0,)), ((), ())))
        True
        >>> policy(dot_general_p, dimension_numbers=(((2,), (1,)), ((0,), (0,))))
        False
        """
        if getattr(prim, "name", "") != "dot_general":
            return False
        dims = params.get("dimension_numbers")
        batch = dims[1] if dims is not None else ((), ())
        return not any(batch)

    checkpoint_dots_with_no_batch_dims = dots_with_no_batch_dims_saveable

    @staticmethod
    def save_only_these_names(*names: str) -> Callable[..., bool]:
        """Only values tagged with one of ``names`` (``checkpoint_name``) may be saved.

        >>> policy = checkpoint_policies.save_only_these_names("h")
        >>> policy(name_p, name="h"), policy(name_p, name="other")
        (True, False)
        """
        wanted = set(names)
        return lambda prim, *avals, **params: prim is name_p and params.get("name") in wanted

    @staticmethod
    def save_any_names_but_these(*names: str) -> Callable[..., bool]:
        """Values tagged with any name but ``names`` may be saved.

        >>> policy = checkpoint_policies.save_any_names_but_these("h")
        >>> policy(name_p, name="h"), policy(name_p, name="other")
        (False, True)
        """
        unwanted = set(names)
        return lambda prim, *avals, **params: (prim is name_p
                                               and params.get("name") not in unwanted)

    @staticmethod
    def save_from_both_policies(a: Callable, b: Callable) -> Callable[..., bool]:
        """Saveable if either policy says so.

        >>> both = checkpoint_policies.save_from_both_policies(
        ...     checkpoint_policies.nothing_saveable, checkpoint_policies.everything_saveable)
        >>> both(name_p)
        True
        """
        return lambda prim, *avals, **params: bool(a(prim, *avals, **params)
                                                   or b(prim, *avals, **params))


def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy: Any = None,
               static_argnums: tuple = ()) -> Callable:
    """``fungrad.checkpoint`` (see there), as ``jax.ad_checkpoint.checkpoint``.

    >>> import fungrad.numpy as fnp, fungrad
    >>> float(fungrad.grad(checkpoint(fnp.sin))(0.0))
    1.0
    """
    from fungrad.custom_derivatives import checkpoint as _checkpoint
    return _checkpoint(fun, prevent_cse=prevent_cse, policy=policy,
                       static_argnums=static_argnums)


