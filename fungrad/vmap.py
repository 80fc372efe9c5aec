"""``vmap``: vectorize a function over a batch axis, as an IR transform.

The function is traced once on the shape of *one* example; ``batch_eval`` then walks that IR
with every batched value carrying the batch as its leading axis, applying each primitive's
batching rule (``reduce_sum`` over axis 0 of an example is ``reduce_sum`` over axis 1 of the
batch, ``dot_general`` gains a batch dimension, ...). A primitive with no rule is run once
per example and the results stacked: slower, never wrong.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> fungrad.vmap(fnp.dot)(np.ones((3, 2)), np.arange(6.0).reshape(3, 2))
array([1., 5., 9.])
>>> fungrad.vmap(fungrad.grad(lambda x: fnp.sum(x ** 3)))(np.array([[1.0], [2.0]]))
array([[ 3.],
       [12.]])
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Sequence

import numpy as np

from fungrad.collectives import COLLECTIVES, batching_for, named_axis
from fungrad.core import (
    ClosedJaxpr, Jaxpr, Literal, ShapedArray, bind, get_aval, numpy_result, trace_to_jaxpr,
)
from fungrad.prims.structural import (
    Indexer, broadcast_to, concatenate, gather, reshape, transpose,
)
from fungrad.traceback_util import api_boundary
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["vmap", "batch_eval", "batch_jaxpr", "broadcast_batch"]


def _move_axis(x, source: int, destination: int):
    nd = len(get_aval(x).shape)
    order = [i for i in range(nd) if i != source]
    order.insert(destination, source)
    return transpose(x, order) if order != list(range(nd)) else x


def _example(x, i: int):
    """The ``i``-th example of a batched value."""
    return gather(x, indexer=Indexer((i,)))


def _stack(xs: list):
    return concatenate([reshape(x, (1,) + tuple(get_aval(x).shape)) for x in xs], 0)


def broadcast_batch(x, size: int):
    """``x``, the same for every example, repeated along a new leading batch axis.

    >>> broadcast_batch(np.array([1.0, 2.0]), 2)
    array([[1., 2.],
           [1., 2.]])
    """
    shape = tuple(get_aval(x).shape)
    return broadcast_to(reshape(x, (1,) + shape), (size,) + shape)


def holds_collective(params: dict) -> bool:
    """Does a sub-jaxpr among ``params`` (a cond's branches, a loop's body, at any depth)
    hold a collective? Such an equation must be batched even when no operand is: the
    collective's value depends on the mapped axis all the same.

    >>> import fungrad
    >>> body = fungrad.make_jaxpr(lambda x: x + 1.0)(0.0)
    >>> holds_collective({"jaxpr": body, "length": 3})
    False
    """
    pending = list(params.values())
    while pending:
        value = pending.pop()
        if isinstance(value, tuple):
            pending.extend(value)
        elif isinstance(value, (ClosedJaxpr, Jaxpr)):
            jaxpr = value.jaxpr if isinstance(value, ClosedJaxpr) else value
            for eqn in jaxpr.eqns:
                if eqn.primitive in COLLECTIVES:
                    return True
                pending.extend(eqn.params.values())
    return False


def batch_jaxpr(closed: ClosedJaxpr, batched: Sequence[bool], size: int,
                instantiate: Sequence[bool] | bool = False) -> tuple[ClosedJaxpr, list]:
    """``closed`` (traced on one example) as a jaxpr on batched inputs: the inputs flagged
    in ``batched`` carry the batch as their leading axis. Returns the new jaxpr and which of
    its outputs are batched; those flagged in ``instantiate`` are batched whether or not
    they depend on the batch (a loop's carry must keep one type). Collectives inside
    resolve against the axis being batched, as in ``batch_eval``: this is how the rules
    of ``cond``, ``while`` and ``scan`` batch their sub-jaxprs.

    >>> import numpy as np, fungrad
    >>> closed = fungrad.make_jaxpr(lambda x, y: (x * y, y))(1.0, 2.0)
    >>> new, out_batched = batch_jaxpr(closed, [True, False], 3)
    >>> print(new)
    { lambda ; a:f64[3] b:f64[]. let c:f64[3] = mul a b in (c b) }
    >>> out_batched
    [True, False]
    """
    if isinstance(instantiate, bool):
        instantiate = [instantiate] * len(closed.out_avals)
    in_avals = [ShapedArray((size,) + a.shape, a.dtype, a.weak_type) if b else a
                for a, b in zip(closed.in_avals, batched)]
    flags_box = []

    def batched_fun(*args):
        outs, out_batched = batch_eval(closed.jaxpr, closed.consts, args, batched, size)
        outs = [broadcast_batch(o, size) if force and not b else o
                for o, b, force in zip(outs, out_batched, instantiate)]
        flags_box.append([b or force for b, force in zip(out_batched, instantiate)])
        return outs

    new, _ = trace_to_jaxpr(batched_fun, in_avals, abstract=True,
                            description="a sub-jaxpr for vmap")
    return new, flags_box[0]


def _loop(prim, args, batched, size, params):
    """The fallback batching rule: one application per example, results stacked."""
    per_example = []
    for i in range(size):
        ins = [_example(x, i) if b else x for x, b in zip(args, batched)]
        per_example.append(bind(prim, *ins, **params))
    if prim.multiple_results:
        n = len(per_example[0]) if per_example else 0
        return [_stack([out[k] for out in per_example]) for k in range(n)], [True] * n
    return _stack(per_example), True


def batch_eval(jaxpr, consts: Sequence[Any], args: Sequence[Any], batched: Sequence[bool],
               size: int) -> tuple[list, list]:
    """Evaluate ``jaxpr`` (traced on one example) on batched ``args``: returns the outputs
    and whether each is batched (batched ones carry the batch as their leading axis).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> closed = fungrad.make_jaxpr(lambda x, y: fnp.sum(x) * y)(np.ones(3), 2.0)
    >>> xs = np.arange(6.0).reshape(2, 3)  # two examples of x
    >>> batch_eval(closed.jaxpr, closed.consts, [xs, 2.0], [True, False], 2)
    ([array([ 6., 24.])], [True])
    """
    env: dict = dict(zip(jaxpr.constvars, consts))
    benv: dict = {}
    for v, x, b in zip(jaxpr.invars, args, batched):
        env[v] = x
        if b:
            benv[v] = True
    for eqn in jaxpr.eqns:
        ins = [x.val if type(x) is Literal else env[x] for x in eqn.inputs]
        flags = [type(x) is not Literal and x in benv for x in eqn.inputs]
        prim = eqn.primitive
        if not any(flags) and prim not in COLLECTIVES and not (
                eqn.params and holds_collective(eqn.params)):
            out, out_b = bind(prim, *ins, **eqn.params), False
            if prim.multiple_results:
                out_b = [False] * len(out)
        else:
            rule = prim.batch
            result = rule(ins, flags, size, **eqn.params) if rule is not None else None
            if result is None and size == 0:  # no examples to loop over: empty results
                empty = [np.zeros((0,) + v.aval.shape, v.aval.dtype) for v in eqn.outvars]
                result = (empty, [True] * len(empty)) if prim.multiple_results else \
                    (empty[0], True)
            out, out_b = result if result is not None else \
                _loop(prim, ins, flags, size, eqn.params)
        if prim.multiple_results:
            for v, o, b in zip(eqn.outvars, out, out_b):
                env[v] = o
                if b:
                    benv[v] = True
        else:
            env[eqn.outvars[0]] = out
            if out_b:
                benv[eqn.outvars[0]] = True
    outs = [x.val if type(x) is Literal else env[x] for x in jaxpr.outvars]
    out_batched = [type(x) is not Literal and x in benv for x in jaxpr.outvars]
    return outs, out_batched


def _axes_for(axes, tree, what: str) -> list:
    """Per-leaf axes from ``in_axes``/``out_axes``: an int or None for all leaves, or a
    pytree prefix of ``tree``'s structure (tuples and lists interchangeable)."""
    treedef = tree_flatten(tree)[1]
    out: list = []

    def walk(ax, td) -> bool:
        if isinstance(ax, bool):
            raise TypeError(f"vmap {what} must be ints or None, got the bool {ax!r}")
        if ax is None or isinstance(ax, int):
            out.extend([ax] * td.num_leaves)
            return True
        if td.node_type is None:
            return False
        kids, ax_def = tree_flatten(ax, is_leaf=lambda a: a is not ax)
        same = ax_def.node_type == td.node_type or \
            {ax_def.node_type, td.node_type} == {tuple, list}
        if not same or ax_def.node_data != td.node_data or len(kids) != len(td.children):
            return False
        return all(walk(a, c) for a, c in zip(kids, td.children))

    if not walk(axes, treedef):
        raise ValueError(f"vmap {what} must be an int, None, or a tree matching the arguments' "
                         f"structure {treedef}; got {axes!r}")
    return out


def _size_mismatch(fun: Callable, args: tuple, kwargs: dict, axes: list,
                   axis_size: int | None) -> str:
    """JAX's message for mapped axes of different sizes: each axis, grouped by size, with the
    argument (and its path inside a pytree) it belongs to."""
    import inspect

    from fungrad.tree_util import keystr, tree_flatten_with_path
    try:
        params = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        params = []
    where = []
    for i, arg in enumerate(args):
        base = params[i] if i < len(params) else f"args[{i}]"
        where += [base + keystr(path) for path, _ in tree_flatten_with_path(arg)[0]]
    for name, arg in kwargs.items():
        where += [name + keystr(path) for path, _ in tree_flatten_with_path(arg)[0]]
    by_size: dict = {}
    for (leaf, ax, name) in zip(tree_flatten((args, kwargs))[0], axes, where):
        if ax is None:
            continue
        aval = get_aval(leaf)
        ax %= aval.ndim
        shape = ",".join(str(d) for d in aval.shape)
        by_size.setdefault(aval.shape[ax], []).append(
            f"axis {ax} of argument {name} of type {aval.dtype.name}[{shape}]")
    lines = []
    if axis_size is not None:
        lines.append(f"  * the `axis_size` argument was {axis_size}")
    groups = sorted(by_size.items(), key=lambda item: -len(item[1]))
    for k, (size, axes_here) in enumerate(groups):
        if len(axes_here) == 1:
            lines.append(f"  * one axis had size {size}: {axes_here[0]}")
        else:
            most = "most axes" if k == 0 and len(axes_here) > len(groups[1][1]) \
                else f"{len(axes_here)} axes"
            lines.append(f"  * {most} ({len(axes_here)} of them) had size {size}, e.g. "
                         f"{axes_here[0]}")
    return ("vmap got inconsistent sizes for array axes to be mapped:\n"
            + ";\n".join(lines))


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_name: Any = None,
         axis_size: int | None = None, spmd_axis_name: Any = None) -> Callable:
    """Vectorize ``fun`` over axis ``in_axes`` of its arguments (None: not batched), putting
    the batch at ``out_axes`` of its results. Composes with the other transforms:
    ``vmap(grad(f))`` gives per-example gradients, ``jacfwd``-style Jacobians are
    ``vmap`` of ``jvp``. ``axis_name`` names the mapped axis for the collectives
    (``lax.psum``, ``pmean``, ``all_gather``, ``axis_index``, ...); ``spmd_axis_name`` is
    accepted (one device).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> fungrad.vmap(lambda x, y: x * y, in_axes=(0, None))(np.arange(3.0), 2.0)
    array([0., 2., 4.])
    >>> fungrad.vmap(lambda x: x - fungrad.lax.pmean(x, "i"), axis_name="i")(np.arange(3.0))
    array([-1.,  0.,  1.])
    """
    @api_boundary
    @wraps(fun)
    def batched_fun(*args, **kwargs):
        # keyword arguments are mapped over their leading axis, as in JAX
        flat, in_tree = tree_flatten((args, kwargs))
        axes = _axes_for(in_axes, args, "in_axes") + [0] * len(tree_flatten(kwargs)[0])
        sizes = set()
        moved, flags, example_avals = [], [], []
        for i, (x, ax) in enumerate(zip(flat, axes)):
            aval = get_aval(x)
            if ax is None:
                moved.append(x)
                flags.append(False)
                example_avals.append(aval)
                continue
            if not -aval.ndim <= ax < max(aval.ndim, 1) or aval.ndim == 0:
                raise ValueError(f"vmap: in_axes {ax} is out of bounds for argument leaf {i} "
                                 f"of type {aval.str_short()}")
            ax %= aval.ndim
            sizes.add(aval.shape[ax])
            moved.append(_move_axis(x, ax, 0))
            flags.append(True)
            example_avals.append(ShapedArray(aval.shape[:ax] + aval.shape[ax + 1:],
                                             aval.dtype))
        if axis_size is not None:
            sizes.add(axis_size)
        if len(sizes) != 1:
            if not sizes:
                raise ValueError("vmap needs at least one batched argument, or axis_size")
            raise ValueError(_size_mismatch(fun, args, kwargs, axes, axis_size))
        size = sizes.pop()
        out_box = []

        if axis_name is not None:  # the example's number, for axis_index: a hidden input
            moved.append(np.arange(size, dtype=np.int32))
            flags.append(True)
            example_avals.append(ShapedArray((), np.dtype(np.int32)))

        def example_fun(*leaves):
            if axis_name is None:
                ex_args, ex_kwargs = tree_unflatten(in_tree, leaves)
                out = fun(*ex_args, **ex_kwargs)
            else:
                ex_args, ex_kwargs = tree_unflatten(in_tree, leaves[:-1])
                with named_axis(axis_name, size, leaves[-1]):
                    out = fun(*ex_args, **ex_kwargs)
            out_leaves, out_tree = tree_flatten(out)
            out_box.append(out_tree)
            return out_leaves

        closed, _ = trace_to_jaxpr(example_fun, example_avals, abstract=True,
                                   description=f"{getattr(fun, '__name__', 'function')} "
                                   "for vmap")
        with batching_for(axis_name):
            outs, out_flags = batch_eval(closed.jaxpr, closed.consts, moved, flags, size)
        out_tree = out_box[0]
        o_axes = _axes_for(out_axes, tree_unflatten(out_tree, outs), "out_axes")
        results = []
        for o, b, ax in zip(outs, out_flags, o_axes):
            if ax is None:
                if b:
                    raise ValueError("vmap: out_axes=None for an output that depends on the "
                                     "batched inputs")
                results.append(o)
                continue
            if not b:  # the same for every example: repeat it along the batch
                o = broadcast_batch(o, size)
            nd = len(get_aval(o).shape)
            if not -nd <= ax < nd:
                raise ValueError(f"vmap: out_axes {ax} is out of bounds for an output of type "
                                 f"{get_aval(o).str_short()} (the batch axis included)")
            results.append(_move_axis(o, 0, ax % nd))
        # eager results are immutable fungrad Arrays (tracers of an outer transform pass)
        results = [numpy_result(r) for r in results]
        return tree_unflatten(out_tree, results)

    return batched_fun

