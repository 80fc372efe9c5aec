"""The differentiation transforms: ``grad``, ``value_and_grad``, ``vjp``, ``jvp``,
``linearize``, ``jacfwd``, ``jacrev``, ``hessian``, ``linear_transpose`` and
``stop_gradient``; and, as the one place the public API is imported from, the staging
functions of ``fungrad.staging`` (``make_jaxpr``, ``eval_shape``, ``closure_convert``,
``ensure_compile_time_eval``) and the names of ``fungrad.name_stack`` (``named_scope``,
``named_call``). How a user's function is flattened and its arguments checked is
``fungrad.api_util``.

Each transform is the same three stages: trace the function (with the concrete inputs, so
Python control flow runs), transform the IR (``jvp_eval`` / ``backward_pass``), evaluate.
Like JAX without ``jit``, they retrace on every call, so they are always correct for the
inputs given.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Literal, Sequence, TypeVar, overload

from typing_extensions import ParamSpec

import numpy as np

from fungrad.api_util import (
    LEAF, _FlatFun, _arg_names, _check_complex, _check_inexact_inputs, _flatten_args,
    _numpy_leaves, _partial, _real_outputs_only, _split_argnums,
)
from fungrad.core import (
    ShapeDtypeStruct, ShapedArray, Tracer, any_tracer, bind, current_trace_level, get_aval,
    internal_evaluation, numpy_result, plain, trace_to_jaxpr,
)
from fungrad.jvp import jvp_eval
from fungrad.name_stack import named_call, named_scope
from fungrad.prims.elementwise import stop_gradient_p
from fungrad.staging import closure_convert, ensure_compile_time_eval, eval_shape, make_jaxpr
from fungrad.traceback_util import api_boundary
from fungrad.tree_util import Partial, PyTreeDef, tree_flatten, tree_map, tree_unflatten
from fungrad.vjp import backward_pass, eager_backward_pass, forward_env, read_outputs

__all__ = ["make_jaxpr", "grad", "value_and_grad", "vjp", "jvp", "linearize", "jacfwd",
           "jacrev", "jacobian", "hessian", "stop_gradient", "float0", "eval_shape",
           "linear_transpose", "closure_convert", "ensure_compile_time_eval", "named_scope",
           "named_call"]

P = ParamSpec("P")
R = TypeVar("R")
A = TypeVar("A")

#: The dtype of the (empty) gradient of an integer input, as in JAX.
float0 = np.dtype([("float0", np.void, 0)])


# ---------------------------------------------------------------------------------------------
# Reverse mode
# ---------------------------------------------------------------------------------------------

def _zeros_like_aval(aval: ShapedArray):
    if aval.dtype.kind not in "fc":
        return np.zeros(aval.shape, float0)
    return np.zeros(aval.shape, aval.dtype)


def _vjp_flat(what: str, fun: Callable, flat: list, in_tree: PyTreeDef, has_aux: bool,
              arg_names=None):
    """Trace ``fun`` at the flat primals; returns ``(out_leaves, out_tree, aux, pullback)``
    where ``pullback(ct_leaves, last_call=False)`` gives the flat input cotangents."""
    flat_fun = _FlatFun(fun, in_tree, has_aux, what)
    # with nothing outside being traced, this IR is only ever used at these values (for the
    # backward pass), so Python's decisions need no guards in it
    outermost = current_trace_level() == 0 and not any_tracer(flat)
    # outermost, the trace also records its structure key for the backward cache
    closed, _, values, *recorded = trace_to_jaxpr(
        flat_fun, flat, keep_values=True, description=f"{flat_fun.__name__} for {what}",
        arg_names=arg_names, record_guards=not outermost, differentiating=True,
        record_structure=outermost)
    structure = recorded[0] if recorded else None
    jaxpr = closed.jaxpr
    # outermost, the values recorded while tracing are the primal values (no outer trace
    # needs the forward pass recorded again: forward_env's own test, known here already)
    env = values if outermost else forward_env(closed, flat, values)
    outs = read_outputs(jaxpr, env)
    n_out = flat_fun.num_out
    aux = tree_unflatten(flat_fun.aux_tree, _numpy_leaves(outs[n_out:])) if has_aux else None
    # (each input variable's aval is its argument's, from the same get_aval)
    backward = _Backward(jaxpr, [v.aval.strip_weak() for v in jaxpr.invars],
                         len(jaxpr.outvars) - n_out, structure)
    env_box = [env]

    def pullback(ct_leaves: list, last_call: bool = False) -> list:
        # the backward pass frees each value once it is past it; it gets a copy of the
        # environment unless this is the only call (grad), so the pullback can be reused
        # without replaying the forward pass
        run_env = env_box[0] if last_call else dict(env_box[0])
        if last_call:
            env_box[0] = None
        return backward(run_env, ct_leaves, consume=last_call)

    pullback.env = env
    pullback.backward = backward
    return outs[:n_out], flat_fun.out_tree, aux, pullback


class _Backward:
    """The backward pass of one traced function: from an environment of primal values and
    the output cotangents to the input cotangents (numpy results, zeros where none flows)."""

    def __init__(self, jaxpr, in_avals: list, n_pad: int, structure: list | None = None):
        self.jaxpr = jaxpr
        self.in_avals = in_avals  # what each cotangent must look like
        self.n_pad = n_pad  # aux outputs get no cotangent
        self.structure = structure  # the structure key entries its trace recorded

    def __call__(self, env: dict, ct_leaves: list, consume: bool = False) -> list:
        with internal_evaluation():
            in_cts = eager_backward_pass(self.jaxpr, env, [True] * len(self.in_avals),
                                         [plain(c) for c in ct_leaves] + [None] * self.n_pad,
                                         self.structure, consume)
        return [_zeros_like_aval(a) if ct is None or a.dtype.kind not in "fc"
                else numpy_result(ct) for ct, a in zip(in_cts, self.in_avals)]


class _VjpFun:
    """The static part of ``vjp``'s pullback; the residuals (every primal value of the
    forward pass) are the leaves of the ``Partial`` that holds it, so the pullback is a
    pytree: it can be passed into and returned from jitted functions."""

    def __init__(self, backward: _Backward, keys: list, in_tree, out_tree, out_avals):
        self.backward, self.keys = backward, keys
        self.in_tree, self.out_tree, self.out_avals = in_tree, out_tree, out_avals
        self.__name__ = "vjp_fun"

    @api_boundary
    def __call__(self, residuals: list, cotangent: Any) -> tuple:
        ct_flat, ct_tree = tree_flatten(cotangent)
        if ct_tree != self.out_tree:
            raise ValueError("unexpected tree structure of argument to vjp function: got "
                             f"{ct_tree}, but expected to match {self.out_tree}")
        for ct, aval in zip(ct_flat, self.out_avals):
            ct_aval = get_aval(ct) if not isinstance(ct, ShapeDtypeStruct) else None
            if ct_aval is None or ct_aval.shape != aval.shape or (
                    ct_aval.dtype != aval.dtype and not (
                        ct_aval.weak_type and (ct_aval.dtype.kind == "c") ==
                        (aval.dtype.kind == "c"))):
                got = _long_type(ct_aval) if ct_aval is not None else repr(ct)
                raise ValueError(
                    "unexpected type (shape/dtype) for argument to vjp function: got "
                    f"{got}, but expected {_long_type(aval)} because the corresponding "
                    f"output of the differentiated function had type {_long_type(aval)}")
        env = dict(zip(self.keys, residuals))
        return tuple(tree_unflatten(self.in_tree, self.backward(env, ct_flat)))


def _long_type(aval) -> str:
    """``float64[3]``: the dtype spelled out, as JAX's vjp message does (``int64[]`` against
    ``float64[]`` says plainly that an int was given where a float was expected)."""
    return f"{aval.dtype.name}[{','.join(map(str, aval.shape))}]"


@overload
def vjp(fun: Callable[..., R], *primals: Any,
        has_aux: Literal[False] = False) -> tuple[R, Callable[[Any], tuple[Any, ...]]]: ...
@overload
def vjp(fun: Callable[..., tuple[R, A]], *primals: Any,
        has_aux: Literal[True]) -> tuple[R, Callable[[Any], tuple[Any, ...]], A]: ...


@api_boundary
def vjp(fun: Callable, *primals: Any, has_aux: bool = False) -> Any:
    """Reverse mode: ``(out, vjp_fn)`` where ``vjp_fn(ct)`` pulls a cotangent of the output
    back to one cotangent per primal (a tuple). With ``has_aux``: ``(out, vjp_fn, aux)``.

    >>> import numpy as np, fungrad
    >>> y, pullback = fungrad.vjp(lambda x: 2 * x, np.array([1.0, 2.0, 3.0]))
    >>> pullback(np.array([1.0, 0.0, 0.0]))
    (array([2., 0., 0.]),)

    ``vjp_fn`` is a pytree (a ``tree_util.Partial`` whose leaves are the residuals), so it can
    be passed into and returned from jitted functions:

    >>> fungrad.jit(lambda f, ct: f(ct))(pullback, np.ones(3))
    (array([2., 2., 2.]),)
    """
    flat, in_tree = _flatten_args("vjp", primals)
    outs, out_tree, aux, pullback = _vjp_flat(
        "vjp", fun, flat, in_tree, has_aux, _arg_names(fun, primals, range(len(primals))))
    out_avals = [get_aval(o).strip_weak() for o in outs]
    env = pullback.env
    vjp_fn = Partial(_VjpFun(pullback.backward, list(env), in_tree, out_tree, out_avals),
                     list(env.values()))
    out = tree_unflatten(out_tree, _numpy_leaves(outs))
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


@overload
def value_and_grad(fun: Callable[P, R], argnums: int | Sequence[int] = 0,
                   has_aux: Literal[False] = False, holomorphic: bool = False,
                   allow_int: bool = False) -> Callable[P, tuple[R, Any]]: ...
@overload
def value_and_grad(fun: Callable[P, tuple[R, A]], argnums: int | Sequence[int] = 0, *,
                   has_aux: Literal[True], holomorphic: bool = False,
                   allow_int: bool = False) -> Callable[P, tuple[tuple[R, A], Any]]: ...


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False, allow_int: bool = False) -> Any:
    """Like ``grad`` but returns ``(value, gradient)`` (``((value, aux), gradient)`` with
    ``has_aux``).

    >>> import fungrad, fungrad.numpy as fnp
    >>> fungrad.value_and_grad(lambda x: x ** 2)(3.0)
    (np.float64(9.0), np.float64(6.0))
    """
    one_argnum = type(argnums) is int

    @api_boundary
    @wraps(fun, updated=())
    def value_and_grad_fun(*args, **kwargs):
        if one_argnum and 0 <= argnums < len(args):  # _split_argnums's usual answer
            single, nums = True, (argnums,)
        else:
            single, nums = _split_argnums("grad", fun, args, argnums)
        dyn = tuple([args[n] for n in nums])
        flat, in_tree = _flatten_args("grad", dyn)
        if holomorphic:
            _check_complex("grad", "inputs", flat)
        elif not allow_int:
            _check_inexact_inputs("grad", flat)
        outs, out_tree, aux, pullback = _vjp_flat(
            "grad", _partial(fun, args, nums, kwargs), flat, in_tree, has_aux,
            _arg_names(fun, args, nums))
        out_aval = get_aval(outs[0]) if outs else None
        if out_tree.node_type is not None or out_aval.shape != ():
            shape = out_aval.shape if out_tree.node_type is None else f"a pytree {out_tree}"
            hint = ""
            if not has_aux and out_tree.node_type in (tuple, list) and \
                    len(out_tree.children) == 2 and out_tree.children[0].node_type is None \
                    and out_aval.shape == ():
                hint = (" The function returned a pair whose first element is a scalar: if "
                        "it returns (loss, aux), pass has_aux=True.")
            raise TypeError(
                "Gradient only defined for scalar-output functions. Output had shape: "
                f"{shape}. To get the gradient, reduce the output to a scalar with "
                "output.sum(), or use fungrad.jacrev (fungrad.jacobian) to differentiate a "
                f"function with a non-scalar output.{hint}")
        dtype = out_aval.dtype
        if holomorphic:
            _check_complex("grad", "outputs", outs[:1])
        elif dtype.kind == "c":
            _real_outputs_only("grad", dtype)
        if dtype.kind not in "fc":
            raise TypeError(f"grad requires a real-valued output, got {dtype.name}")
        cts = pullback([np.ones((), dtype)], last_call=True)
        if single and in_tree.children[0] is LEAF:  # one array: its gradient is the leaf
            g = cts[0]
        else:
            g = tree_unflatten(in_tree, cts)
            g = g[0] if single else tuple(g)
        out = numpy_result(outs[0])
        return ((out, aux), g) if has_aux else (out, g)

    return value_and_grad_fun


def grad(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False) -> Callable[P, Any]:
    """The gradient of a scalar-valued ``fun`` with respect to argument(s) ``argnums``.

    A real output of a complex input ``z = x + iy`` gets JAX's ``df/dx - i df/dy``; with
    ``holomorphic=True``, a complex output of complex inputs gets its complex derivative.

    >>> import fungrad, fungrad.numpy as fnp
    >>> fungrad.grad(lambda x: 2 * fnp.dot(x, x))(fnp.arange(4.0))
    array([ 0.,  4.,  8., 12.])
    >>> fungrad.grad(lambda z: fnp.abs(z) ** 2)(1.0 + 1.0j)  # 2x - 2iy
    np.complex128(2-2j)
    >>> fungrad.grad(lambda z: z ** 2, holomorphic=True)(1.0 + 1.0j)
    np.complex128(2+2j)
    """
    value_and_grad_fun = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    @api_boundary
    @wraps(fun, updated=())
    def grad_fun(*args, **kwargs):
        if has_aux:
            (_, aux), g = value_and_grad_fun(*args, **kwargs)
            return g, aux
        return value_and_grad_fun(*args, **kwargs)[1]

    return grad_fun


@api_boundary
def linear_transpose(fun: Callable, *primals: Any, reduce_axes: tuple = ()) -> Callable:
    """The transpose of a function ``fun`` promised to be linear, at inputs shaped like
    ``primals`` (arrays or ``ShapeDtypeStruct``): ``transpose(ct)`` returns a tuple with one
    cotangent per primal. (Evaluated as ``fun``'s pullback, which for a linear function is
    the same at every point.)

    >>> import fungrad, fungrad.numpy as fnp
    >>> t = fungrad.linear_transpose(lambda x: 2.0 * fnp.cumsum(x), np.zeros(3))
    >>> t(np.array([1.0, 0.0, 0.0]))
    (array([2., 0., 0.]),)
    """
    zeros = tree_map(lambda p: np.zeros(get_aval(p).shape, get_aval(p).dtype), primals)
    flat, _ = tree_flatten(zeros)
    for i, x in enumerate(flat):
        if get_aval(x).dtype.kind not in "fc":
            raise TypeError(f"linear_transpose: primal leaf {i} is {get_aval(x).str_short()}; "
                            "a linear function's inputs must be floating point")
    _, pullback = vjp(fun, *zeros)
    return pullback


# ---------------------------------------------------------------------------------------------
# Forward mode
# ---------------------------------------------------------------------------------------------

def _check_tangents(primals, tangents) -> tuple[list, list, PyTreeDef]:
    for name, x in (("primal", primals), ("tangent", tangents)):
        if not isinstance(x, (tuple, list)):
            raise TypeError("primal and tangent arguments to fungrad.jvp must be tuples or "
                            f"lists; found {type(x).__name__} for the {name}s.")
    flat_p, tree_p = _flatten_args("jvp", tuple(primals))
    flat_t, tree_t = tree_flatten(tuple(tangents))
    if tree_p != tree_t:
        raise TypeError("primal and tangent arguments to fungrad.jvp must have the same tree "
                        f"structure; primals have tree structure {tree_p} whereas tangents "
                        f"have tree structure {tree_t}.")
    clean_t = []
    for p, t in zip(flat_p, flat_t):
        pa = get_aval(p)
        ta = get_aval(t)
        if pa.dtype.kind not in "fc":
            clean_t.append(None)  # integer inputs carry no tangent (JAX's float0)
            continue
        if pa.shape != ta.shape:
            raise ValueError("jvp called with different primal and tangent shapes; Got "
                             f"primal shape {pa.shape} and tangent shape as {ta.shape}")
        # a weak (Python scalar) tangent may take the primal's precision, never its kind:
        # a complex tangent for a real primal has no meaning (JAX refuses it too)
        if pa.dtype != ta.dtype and (not (pa.weak_type or ta.weak_type) or
                                     ta.dtype.kind not in "iuf" + ("c" if pa.dtype.kind == "c"
                                                                   else "")):
            raise TypeError(
                "primal and tangent arguments to fungrad.jvp do not match; dtypes must be "
                f"equal. Got primal dtype {pa.dtype.name} and so expected tangent dtype "
                f"{pa.dtype.name}, but got tangent dtype {ta.dtype.name} instead.")
        clean_t.append(t)
    return flat_p, clean_t, tree_p


@overload
def jvp(fun: Callable[..., R], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[False] = False) -> tuple[R, R]: ...
@overload
def jvp(fun: Callable[..., tuple[R, A]], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[True]) -> tuple[R, R, A]: ...


@api_boundary
def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> Any:
    """Forward mode: ``(fun(*primals), J @ tangents)`` (and ``aux`` with ``has_aux``).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> fungrad.jvp(fnp.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
    """
    flat_p, flat_t, in_tree = _check_tangents(primals, tangents)
    flat_fun = _FlatFun(fun, in_tree, has_aux, "jvp")
    closed, _, values = trace_to_jaxpr(
        flat_fun, flat_p, description=f"{flat_fun.__name__} for jvp", keep_values=True,
        differentiating=True,
        arg_names=_arg_names(fun, tuple(primals), range(len(primals))))
    outer = any(isinstance(x, Tracer) for x in flat_p) or \
        any(isinstance(x, Tracer) for x in closed.consts)
    with internal_evaluation():
        outs, touts = jvp_eval(closed.jaxpr, closed.consts, flat_p, [plain(t) for t in flat_t],
                               values=None if outer else values)
    n = flat_fun.num_out
    touts = [_zeros_like_aval(get_aval(o).strip_weak()) if t is None else numpy_result(t)
             for o, t in zip(outs[:n], touts[:n])]
    out = tree_unflatten(flat_fun.out_tree, _numpy_leaves(outs[:n]))
    tout = tree_unflatten(flat_fun.out_tree, touts)
    if has_aux:
        return out, tout, tree_unflatten(flat_fun.aux_tree, _numpy_leaves(outs[n:]))
    return out, tout


@api_boundary
def linearize(fun: Callable, *primals: Any, has_aux: bool = False):
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the Jacobian-vector product at
    ``primals``, evaluated from a linear jaxpr (``f_jvp.jaxpr``) whose constants are the
    residuals: the primal work is done once (partial evaluation). With ``has_aux``:
    ``(out, f_jvp, aux)``.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> y, f_jvp = fungrad.linearize(fnp.sin, 0.0)
    >>> f_jvp(3.0)
    np.float64(3.0)
    """
    flat_p, in_tree = _flatten_args("linearize", primals)
    flat_fun = _FlatFun(fun, in_tree, has_aux, "linearize")
    closed, _ = trace_to_jaxpr(flat_fun, flat_p, description=f"{flat_fun.__name__} for "
                               "linearize", differentiating=True)
    jaxpr = closed.jaxpr
    n_out = flat_fun.num_out
    in_avals = [get_aval(p).strip_weak() for p in flat_p]
    primal_outs: list = []

    def tangent_fun(*flat_t):
        # The primal inputs are known values, so primal work runs eagerly (or in an outer
        # trace) while tracing this: only the tangent equations are recorded.
        outs, touts = jvp_eval(jaxpr, closed.consts, flat_p, flat_t)
        primal_outs[:] = outs
        return [_zeros_like_aval(get_aval(o).strip_weak()) if t is None else t
                for o, t in zip(outs[:n_out], touts[:n_out])]

    lin, _ = trace_to_jaxpr(tangent_fun, [ShapedArray(a.shape, a.dtype) for a in in_avals],
                            description="linearize")
    out = tree_unflatten(flat_fun.out_tree, _numpy_leaves(primal_outs[:n_out]))

    def f_jvp(*tangents):
        flat_t, t_tree = tree_flatten(tangents)
        if t_tree != in_tree:
            raise TypeError(f"linearize: tangents have tree structure {t_tree}, expected "
                            f"{in_tree}")
        for t, a in zip(flat_t, in_avals):
            if get_aval(t).shape != a.shape:
                raise ValueError(f"linearize: tangent {get_aval(t).str_short()} does not "
                                 f"match its primal {a.str_short()}")
        return tree_unflatten(flat_fun.out_tree, _numpy_leaves(lin(*flat_t)))

    f_jvp.jaxpr = lin
    if has_aux:
        return out, f_jvp, tree_unflatten(flat_fun.aux_tree, _numpy_leaves(primal_outs[n_out:]))
    return out, f_jvp


# ---------------------------------------------------------------------------------------------
# Jacobians
# ---------------------------------------------------------------------------------------------

def _identity_batch(avals: list, k: int) -> list:
    """The standard basis of leaf ``k``'s space as a batch (one basis element per example),
    with zeros for the other leaves: what vmap pushes through a jvp or a pullback."""
    n = avals[k].size
    return [np.eye(n, dtype=a.dtype).reshape((n,) + a.shape) if j == k else
            np.zeros((n,) + a.shape, a.dtype) for j, a in enumerate(avals)]


def _batched_map(flat_fn: Callable, batch: list, n: int, out_avals: list) -> list:
    """``vmap(flat_fn)`` over ``n`` examples (no examples: empty results, no trace)."""
    from fungrad.vmap import vmap
    if n == 0:
        return [np.zeros((0,) + a.shape, a.dtype) for a in out_avals]
    return vmap(lambda *leaves: flat_fn(list(leaves)))(*batch)


def _jacobian_inputs(what: str, fun: Callable, args: tuple, kwargs: dict, argnums,
                     holomorphic: bool):
    """What a Jacobian differentiates: ``(single, dyn, f, flat_in, in_tree)``, ``f`` being
    ``fun`` of the arguments ``dyn = args[argnums]`` alone (the others held fixed), with the
    leaves of ``dyn``; holomorphic differentiation takes complex inputs only."""
    single, nums = _split_argnums(what, fun, args, argnums)
    dyn = tuple(args[n] for n in nums)
    flat_in, in_tree = tree_flatten(dyn)
    if holomorphic:
        _check_complex(what, "inputs", flat_in)
    return single, dyn, _partial(fun, args, nums, kwargs), flat_in, in_tree


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False):
    """The Jacobian by forward mode: the JVP pushed through ``vmap`` over the standard basis
    of the inputs (cheap for few inputs). Shape ``out.shape + in.shape`` per leaf pair.
    Inputs are real unless ``holomorphic=True`` (complex inputs and outputs, the complex
    derivative of a holomorphic function).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> fungrad.jacfwd(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    import fungrad.numpy as fnp

    @api_boundary
    @wraps(fun, updated=())
    def jac_fun(*args, **kwargs):
        single, dyn, f, flat_in, in_tree = _jacobian_inputs("jacfwd", fun, args, kwargs,
                                                            argnums, holomorphic)
        if not holomorphic:
            for x in flat_in:
                dtype = get_aval(x).dtype
                if dtype.kind != "f":
                    raise TypeError(
                        "jacfwd requires real-valued inputs (input dtype that is a sub-dtype "
                        f"of np.floating), but got {dtype.name}. For holomorphic "
                        "differentiation, pass holomorphic=True. For differentiation of "
                        "non-holomorphic functions involving complex inputs or integer "
                        "inputs, use fungrad.jvp directly.")
        out, f_jvp, *aux = linearize(f, *dyn, has_aux=has_aux)
        out_flat, out_tree = tree_flatten(out)
        if holomorphic:
            _check_complex("jacfwd", "outputs", out_flat)
        in_avals = [get_aval(x).strip_weak() for x in flat_in]
        out_avals = [get_aval(y).strip_weak() for y in out_flat]

        def push(tangents: list) -> list:
            return tree_flatten(f_jvp(*tree_unflatten(in_tree, tangents)))[0]

        blocks = [[None] * len(in_avals) for _ in out_avals]  # [out leaf][in leaf]
        for i, a in enumerate(in_avals):
            columns = _batched_map(push, _identity_batch(in_avals, i), a.size, out_avals)
            for k, (col, o) in enumerate(zip(columns, out_avals)):
                # (in.size, *out.shape) -> out.shape + in.shape
                col = fnp.moveaxis(col, 0, -1) if o.shape else col
                blocks[k][i] = fnp.reshape(col, o.shape + a.shape)
        per_out = [tree_unflatten(in_tree, row) for row in blocks]
        result = tree_unflatten(out_tree, [p[0] if single else p for p in per_out])
        return (result, aux[0]) if has_aux else result

    return jac_fun


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, allow_int: bool = False):
    """The Jacobian by reverse mode: the pullback mapped with ``vmap`` over the standard
    basis of the outputs (cheap for few outputs). Shape ``out.shape + in.shape`` per leaf
    pair. Outputs are real unless ``holomorphic=True`` (complex inputs and outputs); a real
    output of a complex input ``z = x + iy`` gets ``df/dx - i df/dy``, as ``grad`` does.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> fungrad.jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    import fungrad.numpy as fnp

    @api_boundary
    @wraps(fun, updated=())
    def jac_fun(*args, **kwargs):
        single, dyn, f, flat_in, in_tree = _jacobian_inputs("jacrev", fun, args, kwargs,
                                                            argnums, holomorphic)
        if not holomorphic and not allow_int:
            _check_inexact_inputs("jacrev", flat_in)
        if has_aux:
            out, pullback, aux = vjp(f, *dyn, has_aux=True)
        else:
            out, pullback = vjp(f, *dyn)
        out_flat, out_tree = tree_flatten(out)
        if holomorphic:
            _check_complex("jacrev", "outputs", out_flat)
        else:
            for y in out_flat:
                if get_aval(y).dtype.kind == "c":
                    _real_outputs_only("jacrev", get_aval(y).dtype)
        in_avals = [get_aval(x).strip_weak() for x in flat_in]
        out_avals = [get_aval(y).strip_weak() for y in out_flat]

        def pull(cts: list) -> list:
            return tree_flatten(pullback(tree_unflatten(out_tree, cts)))[0]

        per_out = []
        for k, o in enumerate(out_avals):
            rows = _batched_map(pull, _identity_batch(out_avals, k), o.size, in_avals)
            # (out.size, *in.shape) -> out.shape + in.shape
            blocks = [fnp.reshape(r, o.shape + a.shape) for r, a in zip(rows, in_avals)]
            tree = tree_unflatten(in_tree, blocks)
            per_out.append(tree[0] if single else tree)
        result = tree_unflatten(out_tree, per_out)
        return (result, aux) if has_aux else result

    return jac_fun


jacobian = jacrev


def hessian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False):
    """The Hessian, as ``jacfwd(jacrev(fun))`` (forward-over-reverse).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> fungrad.hessian(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums,
                  has_aux=has_aux, holomorphic=holomorphic)


def stop_gradient(x: Any) -> Any:
    """The identity on a pytree, whose derivative is zero at every order (PyTorch's
    ``detach``). It shows in the IR as ``stop_gradient``.

    >>> import fungrad, fungrad.numpy as fnp
    >>> fungrad.grad(lambda x: x * fungrad.stop_gradient(x))(3.0)
    np.float64(3.0)
    """
    if type(x) is Tracer:  # the common case: one traced array
        return bind(stop_gradient_p, x)
    return tree_map(lambda leaf: bind(stop_gradient_p, leaf) if isinstance(leaf, Tracer)
                    else leaf, x)
