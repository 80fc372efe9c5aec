"""User-defined derivatives and rematerialization: ``custom_jvp``, ``custom_vjp``,
``checkpoint``; with ``symbolic_zeros=True`` their rules see ``SymbolicZero`` and
``CustomVJPPrimal`` (``fungrad.symbolic_zeros``); ``closure_convert`` hoists closed-over
traced values into arguments; ``linear_call`` (``fungrad.linear_call``) takes a custom
transpose.

Each wraps the user's function as a primitive whose body is a sub-jaxpr (evaluated by its
impl) and whose rules come from the user: a custom forward rule, a custom backward rule, or,
for ``checkpoint``, "recompute the body in the backward pass instead of keeping its values".

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> @fungrad.custom_jvp
... def log1pexp(x):
...     return fnp.log1p(fnp.exp(x))
>>> @log1pexp.defjvp
... def log1pexp_jvp(primals, tangents):
...     (x,), (t,) = primals, tangents
...     return log1pexp(x), t * fungrad.nn.sigmoid(x)  # stable where exp(x) overflows
>>> float(fungrad.grad(log1pexp)(50.0))
1.0
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from fungrad.control_flow import _as_strong
from fungrad.core import (
    ClosedJaxpr, ConcretizationTypeError, Jaxpr, Primitive, Tracer, _innermost_trace, bind, copy_name,
    current_trace_level, get_aval, trace_to_jaxpr,
)
from fungrad.passes import dce
from fungrad.interpreter import eval_jaxpr
from fungrad.jvp import jvp_jaxpr
from fungrad.prims.rules import is_float
from fungrad.prims.structural import zeros
from fungrad.symbolic_zeros import (
    CustomVJPPrimal, SymbolicZero, custom_vjp_primal_tree_values, is_symbolic_zero,
    zero_from_primal,
)
from fungrad.tree_util import tree_flatten, tree_unflatten
from fungrad.vjp import vjp_jaxpr

__all__ = ["custom_jvp", "custom_vjp", "custom_gradient", "checkpoint", "remat",
           "SymbolicZero", "CustomVJPPrimal", "zero_from_primal",
           "custom_vjp_primal_tree_values", "closure_convert", "linear_call"]


def _trace_body(fun: Callable, in_tree, flat: list, what: str):
    """The body as a closed sub-jaxpr over the flat arguments (the values it closes over
    become leading inputs), those values, and its output tree.

    With concrete inputs the body is traced with their values, so Python control flow in it
    works (recorded as guards, as everywhere); abstract inputs give an abstract trace."""
    from fungrad.control_flow import _as_strong, _trace_sub
    vals = [x.val if isinstance(x, Tracer) else x for x in flat]
    if any(v is None for v in vals):
        avals = [get_aval(x).strip_weak() for x in flat]
        return _trace_sub(fun, in_tree, avals, what)
    out_tree_box = []

    def flat_fun(*leaves):
        leaves_out, tree = tree_flatten(fun(*tree_unflatten(in_tree, leaves)))
        out_tree_box.append(tree)
        return [_as_strong(x) for x in leaves_out]

    closed, _ = trace_to_jaxpr(flat_fun, [np.asarray(v) for v in vals], description=what)
    jaxpr = closed.jaxpr
    converted = Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.eqns, jaxpr.outvars)
    return converted, list(closed.consts), out_tree_box[0]


def _split(args: tuple, nondiff_argnums: Sequence[int]):
    static = {i: args[i] for i in nondiff_argnums}
    dyn = tuple(a for i, a in enumerate(args) if i not in static)
    return static, dyn


def _merge(static: dict, dyn: Sequence[Any], n: int) -> list:
    it = iter(dyn)
    return [static[i] if i in static else next(it) for i in range(n)]


def _any_tracer(flat) -> bool:
    return any(isinstance(x, Tracer) for x in flat) or current_trace_level() > 0


def _trace_call(fun: Callable, args: tuple, static_argnums: Sequence[int], what: str):
    """Split off the static arguments and trace ``fun``'s body on the others; None when
    nothing is being traced (the function then simply runs). Returns ``(static, flat args,
    their tree, body jaxpr, its closed-over values, output tree)``."""
    static, dyn = _split(args, static_argnums)
    flat, in_tree = tree_flatten(dyn)
    if not _any_tracer(flat):
        return None
    n = len(args)
    body = lambda *d: fun(*_merge(static, d, n))  # noqa: E731
    jaxpr, consts, out_tree = _trace_body(body, in_tree, flat, what)
    return static, flat, in_tree, jaxpr, consts, out_tree


# ---------------------------------------------------------------------------------------------
# custom_jvp
# ---------------------------------------------------------------------------------------------

custom_jvp_call_p = Primitive("custom_jvp_call", multiple_results=True)
custom_jvp_call_p.impl = lambda *args, call_jaxpr, num_consts, jvp: \
    eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *args)
custom_jvp_call_p.abstract_eval = lambda *avals, call_jaxpr, num_consts, jvp: \
    call_jaxpr.out_avals


def _closure_error(kind: str) -> TypeError:
    return TypeError(f"a {kind} function closes over a value that is being differentiated; "
                     "its rule cannot see that dependence. Pass the value as an argument "
                     "instead.")


def _zero_tangents(args, tangents, symbolic: bool) -> list:
    """Tangents for the user's rule: ``None`` (a zero) becomes a ``SymbolicZero`` for rules
    defined with ``symbolic_zeros=True``, zeros otherwise."""
    if symbolic:
        return [t if t is not None else SymbolicZero.from_primal_value(a)
                for a, t in zip(args, tangents)]
    return [t if t is not None else zeros(get_aval(a).shape, get_aval(a).dtype)
            for a, t in zip(args, tangents)]


def _custom_jvp_rule(primals, tangents, call_jaxpr, num_consts, jvp):
    # the closed-over values (leading inputs) are constants to the user's rule
    if any(t is not None for t in tangents[:num_consts]):
        raise _closure_error("custom_jvp")
    args = primals[num_consts:]
    targs = _zero_tangents(args, tangents[num_consts:], jvp.symbolic_zeros)
    outs, touts = jvp(list(primals[:num_consts]), list(args), targs)
    return list(outs), [t if is_float(get_aval(o)) and not is_symbolic_zero(t) else None
                        for o, t in zip(outs, touts)]


def _custom_jvp_vjp(cts, primals, outs, needs, call_jaxpr, num_consts, jvp):
    """Reverse mode from the user's forward rule: the pullback of the (linear) tangent map
    at zero tangents is its transpose."""
    from fungrad.api import vjp as fungrad_vjp
    if any(needs[:num_consts]):
        raise _closure_error("custom_jvp")
    consts, args = list(primals[:num_consts]), list(primals[num_consts:])
    wanted = [i for i, need in enumerate(needs[num_consts:]) if need]

    def tangent_map(*ts):
        full = [None] * len(args)
        for i, t in zip(wanted, ts):
            full[i] = t
        touts = jvp(consts, args, _zero_tangents(args, full, jvp.symbolic_zeros))[1]
        return [np.zeros(get_aval(o).shape, get_aval(o).dtype) if is_symbolic_zero(t) else t
                for t, o in zip(touts, outs)]

    zero_t = [np.zeros(get_aval(args[i]).shape, get_aval(args[i]).dtype) for i in wanted]
    _, pullback = fungrad_vjp(tangent_map, *zero_t)
    cts = [c if c is not None else np.zeros(get_aval(o).shape, get_aval(o).dtype)
           for c, o in zip(cts, outs)]
    in_cts = pullback(list(cts))
    result = [None] * len(primals)
    for i, c in zip(wanted, in_cts):
        result[num_consts + i] = c
    return result


def _batched_body(call_jaxpr: ClosedJaxpr, args: list, batched: list, size: int):
    """The body of a custom call batched (every output batched, leading axis): the jaxpr
    over its new closed-over values and the arguments, and those values."""
    from fungrad.custom_batching import _repeat
    from fungrad.vmap import batch_eval

    def body(*xs):
        outs, flags = batch_eval(call_jaxpr.jaxpr, call_jaxpr.consts, list(xs), batched, size)
        return [_as_strong(o if b else _repeat(o, size)) for o, b in zip(outs, flags)]

    in_avals = [get_aval(a).strip_weak() for a in args]
    closed, _ = trace_to_jaxpr(body, in_avals, abstract=True, description="custom rule vmap")
    inner = closed.jaxpr
    return Jaxpr([], inner.constvars + inner.invars, inner.eqns, inner.outvars), \
        list(closed.consts)


def _custom_jvp_batch(args, batched, size, call_jaxpr, num_consts, jvp):
    """vmap of a custom_jvp call is a custom_jvp call of the batched body whose rule is the
    vmap of the rule (every output batched). Rules taking symbolic zeros are looped."""
    from fungrad.vmap import vmap
    if jvp.symbolic_zeros or any(batched[:num_consts]):
        return None
    n_out = len(call_jaxpr.out_avals)
    float_out = [is_float(a) for a in call_jaxpr.out_avals]
    body_jaxpr, new_consts = _batched_body(call_jaxpr, args, batched, size)
    k = len(new_consts)
    axes = [0 if b else None for b in batched]

    def batched_jvp(all_consts, primals, tangents):
        ins = list(all_consts[k:]) + list(primals)

        def one(*leaves):
            a, t = leaves[:len(ins)], leaves[len(ins):]
            outs, touts = jvp(list(a[:num_consts]), list(a[num_consts:]), list(t))
            return list(outs) + [t for t, f in zip(touts, float_out) if f]

        results = vmap(one, in_axes=tuple(axes + axes[num_consts:]))(*ins, *tangents)
        touts = iter(results[n_out:])
        return results[:n_out], [next(touts) if f else None for f in float_out]

    batched_jvp.symbolic_zeros = False
    outs = bind(custom_jvp_call_p, *new_consts, *args, call_jaxpr=ClosedJaxpr(body_jaxpr, []),
                num_consts=k + num_consts, jvp=batched_jvp)
    return outs, [True] * len(outs)


custom_jvp_call_p.jvp = _custom_jvp_rule
custom_jvp_call_p.vjp = _custom_jvp_vjp
custom_jvp_call_p.batch = _custom_jvp_batch


class custom_jvp:
    """A function with a custom forward-mode rule (and the reverse mode that follows from it).

    ``f = custom_jvp(fun, nondiff_argnums=())``; then ``@f.defjvp`` with
    ``jvp(primals, tangents) -> (primal_out, tangent_out)`` (the non-differentiable
    arguments first, as in JAX), or ``f.defjvps(*per_argument)``.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> @fungrad.custom_jvp
    ... def safe_sqrt(x):
    ...     return fnp.sqrt(x)
    >>> @safe_sqrt.defjvp
    ... def safe_sqrt_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     y = safe_sqrt(x)
    ...     return y, fnp.where(x > 0, t / (2.0 * fnp.where(x > 0, y, 1.0)), 0.0)
    >>> fungrad.grad(safe_sqrt)(4.0), fungrad.grad(safe_sqrt)(0.0)  # 0, not inf, at 0
    (np.float64(0.25), np.float64(0.0))
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp: Callable | None = None
        self.symbolic_zeros = False
        copy_name(self, fun)

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        """Register ``jvp(primals, tangents) -> (out, tangent_out)``; returns ``jvp``, so it
        works as a decorator.

        >>> import fungrad, fungrad.numpy as fnp
        >>> f = fungrad.custom_jvp(lambda x: fnp.sin(x))
        >>> _ = f.defjvp(lambda primals, tangents: (f(primals[0]), 10.0 * tangents[0]))
        >>> fungrad.jvp(f, (0.0,), (1.0,))
        (np.float64(0.0), np.float64(10.0))
        >>> fungrad.grad(f)(0.0)  # reverse mode follows from the forward rule
        np.float64(10.0)

        With ``symbolic_zeros=True`` the rule gets a ``SymbolicZero`` for each tangent known
        to be zero (an argument not differentiated), and may return one:

        >>> from fungrad.custom_derivatives import SymbolicZero
        >>> g = fungrad.custom_jvp(lambda x, y: x * y)
        >>> def g_jvp(primals, tangents):
        ...     (x, y), (tx, ty) = primals, tangents
        ...     print(type(tx).__name__, type(ty).__name__)
        ...     tout = 0.0 if type(tx) is SymbolicZero else tx * y
        ...     return x * y, tout if type(ty) is SymbolicZero else tout + x * ty
        >>> _ = g.defjvp(g_jvp, symbolic_zeros=True)
        >>> fungrad.grad(g, argnums=1)(2.0, 3.0)
        SymbolicZero Tracer
        np.float64(2.0)
        """
        self.jvp = jvp
        self.symbolic_zeros = bool(symbolic_zeros)
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        """One rule per argument, ``jvp_i(g, ans, *primals) -> tangent contribution``.

        >>> import fungrad
        >>> f = fungrad.custom_jvp(lambda x, y: x * y)
        >>> f.defjvps(lambda tx, ans, x, y: tx * y, lambda ty, ans, x, y: 100.0 * ty)
        >>> fungrad.grad(f, argnums=(0, 1))(2.0, 3.0)
        (np.float64(3.0), np.float64(100.0))
        """
        from fungrad.prims.elementwise import add

        def jvp(primals, tangents):
            ans = self.fun(*primals)
            out = None
            for rule, t in zip(jvps, tangents):
                if rule is None:
                    continue
                c = rule(t, ans, *primals)
                out = c if out is None else add(out, c)
            return ans, out if out is not None else zeros(get_aval(ans).shape,
                                                         get_aval(ans).dtype)
        self.jvp = jvp
        self.symbolic_zeros = False

    def _run_rule(self, nondiff: list, in_tree, flat_primals, flat_tangents):
        """The user's rule on flat primals and tangents: ``(out leaves, tangent leaves, out
        tree)``, the two trees checked to agree."""
        primals = tuple(tree_unflatten(in_tree, flat_primals))
        tangents = tuple(tree_unflatten(in_tree, flat_tangents))
        result = self.jvp(*nondiff, primals, tangents)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TypeError(f"custom_jvp rule of {self.__name__} must return a pair (out, "
                            f"tangent_out), got {type(result).__name__}")
        out_leaves, out_def = tree_flatten(result[0])
        t_leaves, t_def = tree_flatten(result[1])
        if out_def != t_def:
            raise TypeError(f"custom_jvp rule of {self.__name__} must produce primal and "
                            f"tangent outputs with equal container (pytree) structures, got "
                            f"{out_def} and {t_def}")
        for i, (o, t) in enumerate(zip(out_leaves, t_leaves)):
            if is_symbolic_zero(t):
                continue
            o_aval, t_aval = get_aval(o), get_aval(t)
            if tuple(t_aval.shape) != tuple(o_aval.shape) or \
                    (is_float(o_aval) and not is_float(t_aval)):
                raise ValueError(f"custom_jvp rule of {self.__name__} must produce primal and "
                                 f"tangent outputs with corresponding shapes and dtypes; "
                                 f"output leaf {i} is {o_aval.str_short()} but its tangent "
                                 f"is {t_aval.str_short()}")
        return out_leaves, t_leaves, out_def

    def __call__(self, *args):
        if self.jvp is None:
            raise TypeError(f"No JVP defined for custom_jvp function {self.__name__} using "
                            "defjvp.")
        static, dyn = _split(args, self.nondiff_argnums)
        flat, in_tree = tree_flatten(dyn)
        if not _any_tracer(flat):
            return self.fun(*args)  # nothing is being differentiated: just run it
        nondiff = [static[i] for i in self.nondiff_argnums]
        if not self.symbolic_zeros and _differentiated(flat):
            # as in JAX, a differentiated call runs the rule, not the function: the rule,
            # traced once here, gives both the primal body and the tangent map
            bound = self._bind_from_rule(nondiff, flat, in_tree)
            if bound is not None:
                return bound
        _, flat, in_tree, jaxpr, consts, out_tree = _trace_call(
            self.fun, args, self.nondiff_argnums, f"custom_jvp {self.__name__}")

        def flat_jvp(_consts, flat_primals, flat_tangents):
            out_leaves, t_leaves, out_def = self._run_rule(nondiff, in_tree, flat_primals,
                                                           flat_tangents)
            if out_def != out_tree:
                raise TypeError(f"custom_jvp rule of {self.__name__} must return (out, "
                                f"tangent_out) shaped like the function's output {out_tree}; "
                                f"got {out_def}")
            return out_leaves, t_leaves

        flat_jvp.symbolic_zeros = self.symbolic_zeros
        outs = bind(custom_jvp_call_p, *consts, *flat,
                    call_jaxpr=ClosedJaxpr(jaxpr, []), num_consts=len(consts), jvp=flat_jvp)
        return tree_unflatten(out_tree, outs)

    def _bind_from_rule(self, nondiff: list, flat: list, in_tree):
        """Trace the rule on the primals and (abstract) tangents of the float inputs into one
        jaxpr; its primal part is the body, all of it the tangent map. None if the primal
        part reads the tangents (an effect in the rule, say): then the function is traced."""
        n = len(flat)
        float_idx = [i for i, x in enumerate(flat) if is_float(get_aval(x))]
        box = []

        def rule_body(*leaves):
            ts = [zeros(get_aval(x).shape, get_aval(x).dtype) for x in leaves[:n]]
            for i, t in zip(float_idx, leaves[n:]):
                ts[i] = t
            out_leaves, t_leaves, out_def = self._run_rule(nondiff, in_tree, leaves[:n], ts)
            box.append(out_def)
            return [_as_strong(x) for x in out_leaves] + list(t_leaves)

        t_avals = [get_aval(flat[i]).strip_weak() for i in float_idx]
        try:
            jaxpr, consts = _trace_with_abstract_tail(rule_body, flat, t_avals,
                                                      f"custom_jvp rule of {self.__name__}")
        except ConcretizationTypeError:
            return None  # the rule branches on a tangent's value: call it with the values

        out_tree = box[0]
        n_out, nc = out_tree.num_leaves, len(consts)
        tangent_vars = {id(v) for v in jaxpr.invars[nc + n:]}
        primal = dce(Jaxpr([], jaxpr.invars[:nc + n], jaxpr.eqns, jaxpr.outvars[:n_out]))
        if any(id(x) in tangent_vars for e in primal.eqns for x in e.inputs) or \
                any(id(x) in tangent_vars for x in primal.outvars):
            return None

        def flat_jvp(rule_consts, flat_primals, flat_tangents):
            results = eval_jaxpr(jaxpr, [], *rule_consts, *flat_primals,
                                 *[flat_tangents[i] for i in float_idx])
            return results[:n_out], results[n_out:]

        flat_jvp.symbolic_zeros = False
        outs = bind(custom_jvp_call_p, *consts, *flat, call_jaxpr=ClosedJaxpr(primal, []),
                    num_consts=nc, jvp=flat_jvp)
        return tree_unflatten(out_tree, outs)


def _differentiated(flat: list) -> bool:
    """Are these arguments tracers of a trace whose inputs are differentiated?"""
    trace = _innermost_trace(flat)
    return trace is not None and trace.differentiating


def _trace_with_abstract_tail(fun: Callable, flat: list, tail_avals: list, what: str):
    """``fun`` traced on ``flat`` (with their values where all are known) followed by
    abstract inputs of ``tail_avals``; the closed-over values become leading inputs.
    Returns ``(jaxpr, consts)``."""
    vals = [x.val if isinstance(x, Tracer) else x for x in flat]
    if any(v is None for v in vals):
        head = [get_aval(x).strip_weak() for x in flat]
    else:
        head = [np.asarray(v) for v in vals]
    closed, _ = trace_to_jaxpr(fun, head + list(tail_avals), description=what)
    jaxpr = closed.jaxpr
    return Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.eqns, jaxpr.outvars), \
        list(closed.consts)


# ---------------------------------------------------------------------------------------------
# custom_vjp
# ---------------------------------------------------------------------------------------------

custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True)
# The body is the user's ``fwd``: its outputs are the function's outputs followed by the
# residuals (``num_res`` of them), so the forward rule runs once, in the forward pass, and
# the backward pass reads the residuals it saved.
custom_vjp_call_p.impl = lambda *args, call_jaxpr, num_consts, num_res, fwd, bwd: \
    eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *args)
custom_vjp_call_p.abstract_eval = lambda *avals, call_jaxpr, num_consts, num_res, fwd, bwd: \
    call_jaxpr.out_avals


def _custom_vjp_jvp(*args, **params):
    raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function; use "
                    "reverse mode (grad, vjp, jacrev), or define the rule with custom_jvp.")


def _custom_vjp_vjp(cts, primals, outs, needs, call_jaxpr, num_consts, num_res, fwd, bwd):
    if any(needs[:num_consts]):
        raise _closure_error("custom_vjp")
    args = list(primals[num_consts:])
    n_out = len(outs) - num_res
    if all(c is None for c in cts[:n_out]):  # only residuals are read (a higher order)
        in_cts = [None] * len(args)
    else:
        in_cts = bwd(args, list(cts[:n_out]), list(outs[:n_out]), list(outs[n_out:]),
                     list(needs[num_consts:]))
    # the backward pass hands multiple-result rules dense cotangents: residuals nobody read
    # come as concrete zeros, and differentiating fwd for them would be work for nothing
    # (or impossible, through a while_loop inside fwd)
    res_cts = [None if c is None or (not isinstance(c, Tracer) and not np.any(c)) else c
               for c in cts[n_out:]]
    if any(c is not None for c in res_cts):
        # a higher-order pass differentiates the residuals too: through fwd, by ordinary
        # reverse mode (the custom rule stands for the outputs only)
        in_cts = _add_residual_cts(in_cts, res_cts, primals[:num_consts], args, outs[n_out:],
                                   call_jaxpr, n_out)
    return [None] * num_consts + [c if need else None for c, need in
                                  zip(in_cts, needs[num_consts:])]


def _add_residual_cts(in_cts, res_cts, consts, args, residuals, call_jaxpr, n_out):
    from fungrad.api import vjp as fungrad_vjp
    from fungrad.prims.elementwise import add

    def residuals_of(*a):
        return eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *consts, *a)[n_out:]

    _, pullback = fungrad_vjp(residuals_of, *args)
    full = [c if c is not None else np.zeros(get_aval(r).shape, get_aval(r).dtype)
            for c, r in zip(res_cts, residuals)]
    extra = pullback(full)
    return [b if a is None else a if b is None or get_aval(b).dtype.kind not in "fc"
            else add(a, b) for a, b in zip(in_cts, extra)]


def _custom_vjp_batch(args, batched, size, call_jaxpr, num_consts, num_res, fwd, bwd):
    """vmap of a custom_vjp call is a custom_vjp call of the batched body (outputs and
    residuals batched) whose bwd is the vmap of bwd. Symbolic-zero rules are looped."""
    from fungrad.vmap import vmap
    if bwd.symbolic or any(batched[:num_consts]):
        return None
    body_jaxpr, new_consts = _batched_body(call_jaxpr, args, batched, size)
    axes = [0 if b else None for b in batched[num_consts:]]

    def batched_bwd(flat_primals, flat_cts, flat_outs, res_leaves, perturbed):
        from fungrad.numpy import zeros_like
        cts = [zeros(get_aval(o).shape, get_aval(o).dtype) if c is None else c
               for c, o in zip(flat_cts, flat_outs)]

        def one(p, c, o, r):
            in_cts = bwd(p, c, o, r, perturbed)
            return [zeros_like(x) if ct is None else ct for ct, x in zip(in_cts, p)]

        return vmap(one, in_axes=(axes, 0, 0, 0))(list(flat_primals), cts, list(flat_outs),
                                                  list(res_leaves))

    batched_bwd.symbolic = False
    outs = bind(custom_vjp_call_p, *new_consts, *args, call_jaxpr=ClosedJaxpr(body_jaxpr, []),
                num_consts=len(new_consts) + num_consts, num_res=num_res, fwd=fwd,
                bwd=batched_bwd)
    return outs, [True] * len(outs)


custom_vjp_call_p.jvp = _custom_vjp_jvp
custom_vjp_call_p.batch = _custom_vjp_batch
custom_vjp_call_p.vjp = _custom_vjp_vjp
# the backward pass may hand this rule None for an output nobody reads (it would otherwise
# instantiate zeros): symbolic_zeros=True rules see those as SymbolicZero
custom_vjp_call_p.symbolic_zero_cotangents = True


class custom_vjp:
    """A function with a custom reverse-mode rule.

    ``f = custom_vjp(fun, nondiff_argnums=())``; then ``f.defvjp(fwd, bwd)`` with
    ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, ct) -> tuple of cotangents, one
    per (differentiable) argument`` (non-differentiable arguments come first, as in JAX).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> @fungrad.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -1.0, 1.0),))
    >>> float(fungrad.grad(lambda x: 10.0 * clip_gradient(x))(2.0))
    1.0
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        self.symbolic_zeros = False
        self.optimize_remat = False
        self._in_fwd = False
        copy_name(self, fun)

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False,
               optimize_remat: bool = False) -> None:
        """Register ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, ct) -> cts``.

        >>> import fungrad
        >>> f = fungrad.custom_vjp(lambda x: x ** 3)
        >>> f.defvjp(lambda x: (x ** 3, x), lambda x, g: (3.0 * x ** 2 * g,))
        >>> fungrad.grad(f)(2.0)
        np.float64(12.0)

        With ``symbolic_zeros=True``, ``fwd`` gets each argument leaf as a
        ``CustomVJPPrimal(value, perturbed)`` (is it differentiated?) and ``bwd`` gets a
        ``SymbolicZero`` for the cotangent of an output nobody reads.
        ``optimize_remat`` (JAX's memory optimization of rerunning ``fwd``) is accepted and
        changes no value.

        >>> g = fungrad.custom_vjp(lambda x, y: x * y)
        >>> def g_fwd(x, y):
        ...     print(x.perturbed, y.perturbed)
        ...     return x.value * y.value, (x.value, y.value)
        >>> g.defvjp(g_fwd, lambda res, ct: (ct * res[1], ct * res[0]), symbolic_zeros=True)
        >>> fungrad.grad(g)(2.0, 3.0)
        True False
        np.float64(3.0)
        """
        self.fwd, self.bwd = fwd, bwd
        self.symbolic_zeros = bool(symbolic_zeros)
        self.optimize_remat = bool(optimize_remat)

    def __call__(self, *args):
        if self.fwd is None:
            raise TypeError(f"No VJP defined for custom_vjp function {self.__name__} using "
                            "defvjp.")
        static, dyn = _split(args, self.nondiff_argnums)
        flat, in_tree = tree_flatten(dyn)
        if not _any_tracer(flat):
            return self.fun(*args)
        n = len(args)
        nondiff = [static[i] for i in self.nondiff_argnums]
        user_fwd, user_bwd, name = self.fwd, self.bwd, self.__name__
        # fwd is the body (so it runs once, in the forward pass); residuals that are not
        # arrays (a function, a string) cannot be outputs: then the body is the function
        # itself and fwd reruns in the backward pass
        # inside its own fwd (``return f(x), res``) the call keeps its rule, for a higher
        # order that differentiates fwd, but its body is the function itself (tracing fwd
        # there would recurse): fwd reruns if that backward pass comes
        fwd_traced = None
        symbolic = self.symbolic_zeros
        # as in JAX, only a differentiated call runs fwd (jit, vmap, make_jaxpr run the
        # function: if a derivative is asked for later, fwd runs in its backward pass)
        if not self._in_fwd and not symbolic and _differentiated(flat):
            self._in_fwd = True
            try:
                fwd_traced = _trace_fwd(user_fwd, args, self.nondiff_argnums, name)
            finally:
                self._in_fwd = False
        res_tree = None
        if fwd_traced is not None:
            jaxpr, consts, pair_tree = fwd_traced
            if pair_tree.node_type is not tuple or len(pair_tree.children) != 2:
                raise TypeError(f"custom_vjp fwd rule of {name} must return a pair (out, "
                                f"residuals), got {pair_tree}")
            out_tree, res_tree = pair_tree.children
        else:
            _, flat, in_tree, jaxpr, consts, out_tree = _trace_call(
                self.fun, args, self.nondiff_argnums, f"custom_vjp {name}")
        num_res = res_tree.num_leaves if res_tree is not None else 0

        def flat_bwd(flat_primals, flat_cts, flat_outs, res_leaves, perturbed):
            primals = tree_unflatten(in_tree, flat_primals)
            if res_tree is not None:
                residuals = tree_unflatten(res_tree, res_leaves)
            elif symbolic:  # fwd sees which arguments are differentiated
                wrapped = tree_unflatten(in_tree, [CustomVJPPrimal(p, bool(d)) for p, d in
                                                   zip(flat_primals, perturbed)])
                _, residuals = user_fwd(*_merge(static, wrapped, n))
            else:
                _, residuals = user_fwd(*_merge(static, primals, n))
            if symbolic:
                flat_cts = [SymbolicZero.from_primal_value(o) if c is None else c
                            for c, o in zip(flat_cts, flat_outs)]
            else:
                flat_cts = [np.zeros(get_aval(o).shape, get_aval(o).dtype) if c is None
                            else c for c, o in zip(flat_cts, flat_outs)]
            ct = tree_unflatten(out_tree, flat_cts)
            in_cts = user_bwd(*nondiff, residuals, ct) if nondiff else user_bwd(residuals, ct)
            if not isinstance(in_cts, tuple) or len(in_cts) != len(primals):
                got = (f"a tuple of {len(in_cts)}: {tree_flatten(in_cts)[1]}"
                       if isinstance(in_cts, tuple) else
                       f"{type(in_cts).__name__} {tree_flatten(in_cts)[1]}")
                raise TypeError(f"custom_vjp bwd rule of {name} must return a tuple with one "
                                f"cotangent per differentiable argument ({len(primals)}, "
                                f"structured like {tree_flatten(tuple(primals))[1]}), got "
                                f"{got}")
            return _flat_cotangents(in_cts, primals, name)

        flat_bwd.symbolic = symbolic
        outs = bind(custom_vjp_call_p, *consts, *flat, call_jaxpr=ClosedJaxpr(jaxpr, []),
                    num_consts=len(consts), num_res=num_res, fwd=user_fwd, bwd=flat_bwd)
        return tree_unflatten(out_tree, outs[:len(outs) - num_res])


def _flat_cotangents(in_cts: tuple, primals: list, name: str) -> list:
    """The bwd rule's cotangents as one flat list aligned with the primal leaves.

    A None cotangent stands for zeros of its whole argument (or of the leaf it sits in), as
    in JAX; it becomes None here, which the reverse pass reads as a symbolic zero. Dropping
    it in a flatten would shift every later cotangent onto the wrong argument.
    """
    flat: list = []
    for i, (ct, primal) in enumerate(zip(in_cts, primals)):
        p_leaves, p_tree = tree_flatten(primal)
        if ct is None or is_symbolic_zero(ct):
            flat.extend([None] * len(p_leaves))
            continue
        c_leaves, c_tree = tree_flatten(ct, is_leaf=lambda x: x is None)
        c_leaves = [None if is_symbolic_zero(c) else c for c in c_leaves]
        if c_tree != p_tree:
            raise TypeError(f"custom_vjp bwd rule of {name} returned a cotangent for argument "
                            f"{i} structured like {c_tree}, but the argument is structured "
                            f"like {p_tree}")
        for c, p in zip(c_leaves, p_leaves):
            if c is not None and np.shape(c) != np.shape(p):
                raise ValueError(f"custom_vjp bwd rule of {name} returned a cotangent of "
                                 f"shape {np.shape(c)} for argument {i}, whose leaf has "
                                 f"shape {np.shape(p)}")
        flat.extend(c_leaves)
    return flat


def _trace_fwd(fwd: Callable, args: tuple, nondiff_argnums: Sequence[int], name: str):
    """``fwd`` traced as a body returning ``(out, residuals)``; None if its residuals are
    not all arrays."""
    static, dyn = _split(args, nondiff_argnums)
    flat, in_tree = tree_flatten(dyn)
    n = len(args)

    def body(*d):
        out, res = fwd(*_merge(static, d, n))
        for leaf in tree_flatten(res)[0]:
            try:
                get_aval(leaf)
            except TypeError:  # cannot be an IR value
                raise _NotArrayResidual from None
        return out, res

    try:
        return _trace_body(body, in_tree, flat, f"custom_vjp {name}")
    except _NotArrayResidual:
        return None


class _NotArrayResidual(Exception):
    pass


def custom_gradient(fun: Callable) -> Callable:
    """A function with its gradient written inline: ``fun(*args)`` returns ``(value,
    vjp_fn)`` where ``vjp_fn(ct)`` gives the cotangent(s) of the arguments.

    >>> import fungrad, fungrad.numpy as fnp
    >>> @fungrad.custom_gradient
    ... def clipped_square(x):
    ...     return x ** 2, lambda g: (fnp.clip(2.0 * x * g, -1.0, 1.0),)
    >>> clipped_square(3.0), fungrad.grad(clipped_square)(3.0)
    (9.0, np.float64(1.0))
    """
    def primal(*args):
        return fun(*args)[0]

    def fwd(*args):
        return fun(*args)

    def bwd(vjp_fn, ct):
        cts = vjp_fn(ct)
        return tuple(cts) if isinstance(cts, (tuple, list)) else (cts,)

    wrapped = custom_vjp(primal)
    wrapped.defvjp(fwd, bwd)
    copy_name(wrapped, fun)
    return wrapped


def closure_convert(fun: Callable, *example_args: Any) -> tuple[Callable, list]:
    """``fun`` with the values it closes over that may carry derivatives (the floating-point
    values of an enclosing trace) hoisted into explicit trailing arguments: returns
    ``(converted, consts)`` with ``converted(*args, *consts) == fun(*args)``, so a custom
    rule taking ``converted`` as a non-differentiable argument sees those values.
    ``fun`` is specialized to the types of ``example_args``, and must be pure.

    >>> import fungrad, fungrad.numpy as fnp
    >>> def outer(a):
    ...     converted, consts = closure_convert(lambda x: fnp.sin(x) * a, 1.0)
    ...     print(len(consts))
    ...     return converted(2.0, *consts)
    >>> outer(1.5) == fnp.sin(2.0) * 1.5  # a is a constant here: nothing hoisted
    0
    np.True_
    >>> fungrad.grad(outer)(1.5)  # under grad, a is a tracer: hoisted
    1
    np.float64(0.9092974268256817)
    """
    from fungrad.control_flow import _trace_sub
    flat, in_tree = tree_flatten(example_args)
    avals = [get_aval(x).strip_weak() for x in flat]
    jaxpr, consts, out_tree = _trace_sub(lambda *a: fun(*a), in_tree, avals,
                                         f"closure_convert {getattr(fun, '__name__', 'fun')}")
    hoist = [isinstance(c, Tracer) and is_float(get_aval(c)) for c in consts]
    hoisted = [c for c, h in zip(consts, hoist) if h]
    kept = [c for c, h in zip(consts, hoist) if not h]
    n_hoisted = len(hoisted)

    def converted(*args_and_consts):
        split = len(args_and_consts) - n_hoisted
        args, extra = args_and_consts[:split], args_and_consts[split:]
        leaves, tree = tree_flatten(tuple(args))
        if tree != in_tree or len(extra) != n_hoisted:
            raise TypeError(f"closure_convert: the converted function takes arguments "
                            f"structured like the examples, {in_tree}, then {n_hoisted} "
                            f"hoisted constants; got {tree} and {len(extra)}")
        kept_it, extra_it = iter(kept), iter(extra)
        all_consts = [next(extra_it) if h else next(kept_it) for h in hoist]
        return tree_unflatten(out_tree, eval_jaxpr(jaxpr, [], *all_consts, *leaves))

    copy_name(converted, fun)
    return converted, hoisted


# checkpoint (remat) lives in ad_checkpoint, with its policies; re-exported here as before
from fungrad.ad_checkpoint import checkpoint, remat  # noqa: E402,F401
from fungrad.linear_call import linear_call  # noqa: E402,F401
