"""``fungrad.custom_batching`` (``jax.custom_batching``): functions with their own ``vmap``.

``custom_vmap(fun)`` behaves as ``fun`` everywhere except under ``vmap``, where the rule
given with ``def_vmap`` runs instead, as ``rule(axis_size, in_batched, *args) -> (out,
out_batched)``: batched arguments carry the batch as their leading axis, ``in_batched`` is a
list with one tree of booleans per argument, and ``out_batched`` says, leaf by leaf, which
outputs the rule returns batched. ``sequential_vmap(fun)`` is the rule "loop over the
examples".

Forward mode differentiates ``fun`` outside ``vmap`` and the rule inside it (the tangent of
a ``custom_vmap`` is again a ``custom_vmap``, whose rule is the ``jvp`` of the user's rule),
as in JAX. Reverse mode through a ``custom_vmap`` is refused, as in JAX: wrap it in
``custom_vjp`` to give it a gradient.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> @custom_vmap
... def f(x, y):
...     return x + y
>>> @f.def_vmap
... def f_vmap_rule(axis_size, in_batched, xs, ys):
...     return xs * ys, True
>>> f(2.0, 3.0), fungrad.vmap(f)(np.arange(3.0), np.arange(1.0, 4.0))
(5.0, array([0., 2., 6.]))
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from fungrad.core import ClosedJaxpr, Primitive, bind, copy_name, get_aval
from fungrad.interpreter import eval_jaxpr
from fungrad.prims.rules import is_float
from fungrad.prims.structural import broadcast_to, reshape
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["custom_vmap", "sequential_vmap"]


custom_vmap_call_p = Primitive("custom_vmap_call", multiple_results=True)
# outside vmap the primitive is its body, the user's function
custom_vmap_call_p.impl = lambda *args, call_jaxpr, num_consts, rule: \
    eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *args)
custom_vmap_call_p.abstract_eval = lambda *avals, call_jaxpr, num_consts, rule: \
    call_jaxpr.out_avals


def _custom_vmap_batch(args, batched, size, call_jaxpr, num_consts, rule):
    if any(batched[:num_consts]):
        raise ValueError(f"custom_vmap function {rule.name} closes over a value that is "
                         "being vmapped; its vmap rule cannot see that batch. Pass the value "
                         "as an argument instead.")
    return rule(size, list(batched[num_consts:]), list(args[num_consts:]))


def _repeat(x, size: int):
    """``x`` repeated ``size`` times along a new leading axis."""
    shape = tuple(get_aval(x).shape)
    return broadcast_to(reshape(x, (1,) + shape), (size,) + shape)


def _custom_vmap_jvp(primals, tangents, call_jaxpr, num_consts, rule):
    """The tangent of a ``custom_vmap`` is a ``custom_vmap`` of ``jvp(fun)`` whose vmap rule
    is the ``jvp`` of the user's rule."""
    from fungrad.api import jvp
    if any(t is not None for t in tangents[:num_consts]):
        raise TypeError(f"custom_vmap function {rule.name} closes over a value that is being "
                        "differentiated; its vmap rule cannot see that dependence. Pass the "
                        "value as an argument instead.")
    consts, args = list(primals[:num_consts]), list(primals[num_consts:])
    moving = [i for i, t in enumerate(tangents[num_consts:]) if t is not None]
    n, k = len(args), len(moving)
    float_out = [is_float(a) for a in call_jaxpr.out_avals]

    def with_moving(base: list, moved) -> list:
        full = list(base)
        for i, m in zip(moving, moved):
            full[i] = m
        return full

    def jvp_fun(*leaves):
        base, ts = list(leaves[:n]), leaves[n:]
        outs, touts = jvp(lambda *m: eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *consts,
                                                *with_moving(base, m)),
                          [base[i] for i in moving], list(ts))
        return list(outs) + [t for t, f in zip(touts, float_out) if f]

    def jvp_rule(size, in_batched, leaves):
        base, ts = list(leaves[:n]), list(leaves[n:])
        flags = list(in_batched[:n])
        # a primal and its tangent must be batched alike for the jvp of the rule
        for j, i in enumerate(moving):
            if flags[i] and not in_batched[n + j]:
                ts[j] = _repeat(ts[j], size)
            elif in_batched[n + j] and not flags[i]:
                base[i], flags[i] = _repeat(base[i], size), True
        box = []

        def primal_rule(*m):
            outs, out_b = rule(size, flags, with_moving(base, m))
            box.append(out_b)
            return outs

        outs, touts = jvp(primal_rule, [base[i] for i in moving], ts)
        out_b = box[0]
        return (list(outs) + [t for t, f in zip(touts, float_out) if f],
                list(out_b) + [b for b, f in zip(out_b, float_out) if f])

    out_avals = call_jaxpr.out_avals
    t_avals = [a for a, f in zip(out_avals, float_out) if f]
    inner = custom_vmap(jvp_fun)
    inner.__name__ = f"jvp({rule.name})"
    flat_rule = _FlatRule(jvp_rule, inner.__name__, list(out_avals) + t_avals)
    leaves = list(args) + [tangents[num_consts + i] for i in moving]
    results = inner._bind(leaves, flat_rule, tree_flatten(tuple(leaves))[1])
    outs, touts = results[:len(out_avals)], iter(results[len(out_avals):])
    return outs, [next(touts) if f else None for f in float_out]


def _custom_vmap_vjp(cts, primals, outs, needs, call_jaxpr, num_consts, rule):
    raise ValueError(f"reverse-mode differentiation (grad, vjp) of custom_vmap function "
                     f"{rule.name} is not supported, as in JAX; forward mode (jvp) works. To "
                     "customize both vmap and reverse mode, wrap it in custom_vjp.")


custom_vmap_call_p.batch = _custom_vmap_batch
custom_vmap_call_p.jvp = _custom_vmap_jvp
custom_vmap_call_p.vjp = _custom_vmap_vjp


class _FlatRule:
    """A vmap rule on flat leaves, checking what it returns against the function's output:
    ``(size, in_batched_leaves, arg_leaves) -> (out_leaves, out_batched_leaves)``. A
    hashable parameter printed by the rule's name."""

    def __init__(self, fn: Callable, name: str, out_avals: list, out_tree=None):
        self.fn, self.name, self.out_avals, self.out_tree = fn, name, out_avals, out_tree

    def __repr__(self) -> str:
        return self.name

    def __call__(self, size: int, in_batched: list, leaves: list) -> tuple[list, list]:
        result = self.fn(size, in_batched, leaves)
        if self.out_tree is None:  # an internal rule, already flat
            return result
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TypeError(f"custom vmap rule {self.name} must return a pair (out, "
                            f"out_batched), got {type(result).__name__}")
        out, out_batched = result
        out_leaves, out_tree = tree_flatten(out)
        if out_tree != self.out_tree:
            raise ValueError(f"structure of output returned by custom vmap rule {self.name} "
                             "does not match that of original custom-vmapped function. "
                             f"Original output: {self.out_tree}; rule output: {out_tree}")
        flags, flags_tree = tree_flatten(out_batched)
        if flags_tree != out_tree:
            raise ValueError(f"structure of output value and output batching specification "
                             f"returned by custom vmap rule {self.name} do not match. Output "
                             f"values: {out_tree}; batching spec: {flags_tree}")
        for i, (o, b, aval) in enumerate(zip(out_leaves, flags, self.out_avals)):
            if not isinstance(b, (bool, np.bool_)):
                raise TypeError(f"custom vmap rule {self.name} must give a bool per output "
                                f"leaf in out_batched, got {b!r} for leaf {i}")
            want = ((size,) if b else ()) + tuple(aval.shape)
            got = get_aval(o)
            if tuple(got.shape) != want or got.dtype != aval.dtype:
                batched = "batched" if b else "unbatched"
                raise ValueError(f"custom vmap rule {self.name} returned output leaf {i} of "
                                 f"type {got.str_short()}, but as a {batched} output of the "
                                 f"function (type {aval.str_short()}) with axis_size {size} "
                                 f"it must have shape {want} and dtype {aval.dtype}")
        return out_leaves, [bool(b) for b in flags]


class custom_vmap:
    """``fun`` with a custom ``vmap`` rule (see the module's docstring).

    >>> import numpy as np, fungrad
    >>> f = custom_vmap(lambda x: x * 2.0)
    >>> _ = f.def_vmap(lambda axis_size, in_batched, xs: (xs * 10.0, in_batched[0]))
    >>> f(1.0), fungrad.vmap(f)(np.array([1.0, 2.0]))
    (2.0, array([10., 20.]))
    """

    def __init__(self, fun: Callable):
        self.fun = fun
        self.vmap_rule: Callable | None = None
        copy_name(self, fun)

    def def_vmap(self, vmap_rule: Callable) -> Callable:
        """Register ``vmap_rule(axis_size, in_batched, *args) -> (out, out_batched)``;
        returns it unchanged, so it works as a decorator.

        >>> import numpy as np, fungrad
        >>> f = custom_vmap(lambda x: x + 1.0)
        >>> @f.def_vmap
        ... def rule(axis_size, in_batched, xs):
        ...     return xs + 2.0, True
        >>> fungrad.vmap(f)(np.zeros(2))
        array([2., 2.])
        """
        self.vmap_rule = vmap_rule
        return vmap_rule

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.vmap_rule is None:
            raise AttributeError(f"No batching rule defined for custom_vmap function "
                                 f"{self.__name__} using def_vmap.")
        if kwargs:  # JAX resolves keywords against the signature
            args = inspect.signature(self.fun).bind(*args, **kwargs).args
        from fungrad.custom_derivatives import _any_tracer
        flat, in_tree = tree_flatten(args)
        if not _any_tracer(flat):
            return self.fun(*args)
        user_rule = self.vmap_rule

        def rule(size, in_batched, leaves):
            return user_rule(size, list(tree_unflatten(in_tree, in_batched)),
                             *tree_unflatten(in_tree, leaves))

        return self._bind(flat, rule, in_tree)

    def _bind(self, flat: list, rule: Callable, in_tree) -> Any:
        """Trace the function on the flat arguments and bind the primitive with ``rule``:
        a rule on trees (wrapped here to check what it returns) or an internal
        ``_FlatRule``."""
        from fungrad.custom_derivatives import _trace_body
        jaxpr, consts, out_tree = _trace_body(self.fun, in_tree, flat,
                                              f"custom_vmap {self.__name__}")
        call = ClosedJaxpr(jaxpr, [])
        if not isinstance(rule, _FlatRule):
            rule = _FlatRule(rule, self.__name__, list(call.out_avals), out_tree)
        outs = bind(custom_vmap_call_p, *consts, *flat, call_jaxpr=call,
                    num_consts=len(consts), rule=rule)
        return tree_unflatten(out_tree, outs)


def sequential_vmap(f: Callable) -> custom_vmap:
    """``f`` as a ``custom_vmap`` whose rule runs it once per example (a ``lax.map``), for
    functions that cannot be batched otherwise; unbatched arguments are passed as they are.

    >>> import numpy as np, fungrad
    >>> g = sequential_vmap(lambda x: x + 1.0)
    >>> fungrad.vmap(g)(np.arange(3.0))
    array([1., 2., 3.])
    """
    wrapped = custom_vmap(f)

    def rule(axis_size, in_batched, *args):
        from fungrad.lax.loops import map as lax_map
        flat, tree = tree_flatten(args)
        flags = tree_flatten(in_batched)[0]
        batched = [x for x, b in zip(flat, flags) if b]

        def one(example):
            it = iter(example)
            leaves = [next(it) if b else x for x, b in zip(flat, flags)]
            return f(*tree_unflatten(tree, leaves))

        out = lax_map(one, batched)
        return out, tree_unflatten(tree_flatten(out)[1], [True] * len(tree_flatten(out)[0]))

    wrapped.def_vmap(rule)
    return wrapped
