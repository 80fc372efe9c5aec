"""Reductions, cumulative operations, sorting and contractions, ``jax.lax`` style.

>>> import numpy as np
>>> from fungrad import lax
>>> lax.reduce_sum(np.ones((2, 3)), (1,)), lax.cummax(np.array([1.0, 3.0, 2.0]))
(array([3., 3.]), array([1., 3., 3.]))
"""
from __future__ import annotations

import builtins
import math
import operator
from typing import Any, Callable, Sequence

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.lax.precision import check_precision
from fungrad.lax.shapes import _axis, as_array
from fungrad.prims import elementwise as ew
from fungrad.prims import ordering
from fungrad.prims import structural as st
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = [
    "argmax", "argmin", "batch_matmul", "cumlogsumexp", "cummax", "cummin", "cumprod",
    "cumsum", "dot", "dot_general", "reduce", "reduce_and", "reduce_max", "reduce_min",
    "reduce_or", "reduce_prod", "reduce_sum", "reduce_xor", "sort", "sort_key_val", "top_k",
]


def _axes(name: str, operand, axes) -> tuple:
    nd = len(operand.shape)
    try:
        axes = tuple(operator.index(a) for a in axes)
    except TypeError:
        raise TypeError(f"{name}: axes must be a sequence of integers, got {axes!r}") from None
    out = tuple(sorted(_axis(name, a, nd) for a in axes))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axes {axes}")
    return out


# ----------------------------------------------------------------------------- reductions
def reduce_sum(operand: Any, axes: Sequence[int]) -> Any:
    """The sum over ``axes``.

    >>> import numpy as np
    >>> reduce_sum(np.arange(6.0).reshape(2, 3), (0,))
    array([3., 5., 7.])
    """
    operand = as_array(operand)
    return st.reduce_sum(operand, _axes("reduce_sum", operand, axes))


def reduce_prod(operand: Any, axes: Sequence[int]) -> Any:
    """The product over ``axes``.

    >>> import numpy as np
    >>> reduce_prod(np.arange(1.0, 5.0), (0,))
    np.float64(24.0)
    """
    operand = as_array(operand)
    return st.reduce_prod(operand, _axes("reduce_prod", operand, axes))


def reduce_max(operand: Any, axes: Sequence[int]) -> Any:
    """The maximum over ``axes`` (ties share the derivative).

    >>> import numpy as np
    >>> reduce_max(np.array([[1.0, 5.0], [3.0, 2.0]]), (1,))
    array([5., 3.])
    """
    operand = as_array(operand)
    return st.reduce_max(operand, _axes("reduce_max", operand, axes))


def reduce_min(operand: Any, axes: Sequence[int]) -> Any:
    """The minimum over ``axes`` (ties share the derivative).

    >>> import numpy as np
    >>> reduce_min(np.array([[1.0, 5.0], [3.0, 2.0]]), (1,))
    array([1., 2.])
    """
    operand = as_array(operand)
    return st.reduce_min(operand, _axes("reduce_min", operand, axes))


def reduce_and(operand: Any, axes: Sequence[int]) -> Any:
    """Whether all are true over ``axes``.

    >>> import numpy as np
    >>> reduce_and(np.array([[True, False], [True, True]]), (1,))
    array([False,  True])
    """
    operand = as_array(operand)
    return st.reduce_and(operand, _axes("reduce_and", operand, axes))


def reduce_or(operand: Any, axes: Sequence[int]) -> Any:
    """Whether any is true over ``axes``.

    >>> import numpy as np
    >>> reduce_or(np.array([[True, False], [False, False]]), (1,))
    array([ True, False])
    """
    operand = as_array(operand)
    return st.reduce_or(operand, _axes("reduce_or", operand, axes))


def reduce_xor(operand: Any, axes: Sequence[int]) -> Any:
    """The bitwise (for booleans, logical) exclusive or over ``axes``.

    >>> import numpy as np
    >>> reduce_xor(np.array([[1, 2], [3, 3]]), (1,))
    array([3, 0])
    """
    from fungrad.prims import bits
    operand = as_array(operand)
    return bits.reduce_xor(operand, _axes("reduce_xor", operand, axes))


def reduce(operands: Any, init_values: Any, computation: Callable,
           dimensions: Sequence[int]) -> Any:
    """Reduce over ``dimensions`` with ``computation``, starting from ``init_values``.

    The monoids add, mul, max, min (``lax.add``, ``jnp.maximum``, ``lambda a, b: a * b``,
    ...) are one reduction each. Any other computation -- which XLA requires to be
    associative, and may be over pytrees of operands and initial values -- is folded in
    log-depth rounds of pairs, then combined with the initial values.

    >>> import numpy as np
    >>> from fungrad import lax
    >>> reduce(np.arange(4.0), 10.0, lax.add, (0,))
    np.float64(16.0)
    """
    from fungrad.lax.windowed import _identity, _monoid_of
    flat, tree = tree_flatten(operands)
    inits, init_tree = tree_flatten(init_values)
    if not flat or len(flat) != len(inits) or tree != init_tree:
        raise ValueError(f"reduce: operands and init_values must be pytrees of the same "
                         f"structure, got {tree} and {init_tree}")
    operand = as_array(flat[0])
    aval = get_aval(operand)
    monoid = None if len(flat) > 1 else _monoid_of(computation, aval.dtype, strict=False)
    if monoid is None:
        return _fold(flat, inits, tree, computation, dimensions)
    axes = _axes("reduce", operand, dimensions)
    if aval.dtype == np.bool_ and monoid in ("max", "min"):
        monoid = {"max": "or", "min": "and"}[monoid]
    reducer = {"add": st.reduce_sum, "mul": st.reduce_prod, "max": st.reduce_max,
               "min": st.reduce_min, "or": st.reduce_or, "and": st.reduce_and}[monoid]
    init = inits[0]
    if get_aval(init).shape != ():
        raise TypeError(f"reduce: init_values must be scalars, got {get_aval(init).str_short()}")
    out = reducer(operand, axes) if builtins.all(aval.shape[a] for a in axes) or \
        monoid in ("add", "mul", "or", "and") else None
    identity = _identity({"or": "max", "and": "min"}.get(monoid, monoid), aval.dtype)
    if out is None:  # max/min over an empty axis: just the initial value
        kept = tuple(d for i, d in enumerate(aval.shape) if i not in axes)
        return tree_unflatten(tree, [st.broadcast_to(ew.convert_element_type(init, aval.dtype),
                                                     kept)])
    if not isinstance(init, Tracer) and np.array_equal(np.asarray(init), identity):
        return tree_unflatten(tree, [out])
    combine = {"add": ew.add, "mul": ew.mul, "max": ew.maximum, "min": ew.minimum,
               "or": ew.bitwise_or, "and": ew.bitwise_and}[monoid]
    return tree_unflatten(tree, [combine(ew.convert_element_type(init, aval.dtype), out)])


def _fold(flat, inits, tree, computation, dimensions):
    """``reduce`` with an arbitrary associative computation: the reduced axes flattened into
    one, halved by combining pairs until one element is left, then joined to the inits."""
    flat = [as_array(x) for x in flat]
    avals = [get_aval(x) for x in flat]
    if any(a.shape != avals[0].shape for a in avals):
        raise ValueError("reduce: every operand must have the same shape, got "
                         + ", ".join(a.str_short() for a in avals))
    axes = _axes("reduce", flat[0], dimensions)
    shape = avals[0].shape
    kept = [i for i in range(len(shape)) if i not in axes]
    kept_shape = tuple(shape[i] for i in kept)
    n = int(math.prod([shape[a] for a in axes]))
    xs = [st.reshape(st.transpose(x, list(axes) + kept), (n,) + kept_shape) for x in flat]
    inits = [st.broadcast_to(ew.convert_element_type(v, a.dtype), kept_shape)
             for v, a in zip(inits, avals)]

    def combine(a, b):
        out, out_tree = tree_flatten(computation(tree_unflatten(tree, a),
                                                 tree_unflatten(tree, b)))
        if out_tree != tree:
            raise TypeError(f"reduce: computation must return a pytree like the operands "
                            f"({tree}), got {out_tree}")
        return [o if get_aval(o).dtype == a.dtype else ew.convert_element_type(o, a.dtype)
                for o, a in zip(out, avals)]

    while n > 1:
        half = n // 2
        paired = combine([st.slice_axis(x, 0, 0, half) for x in xs],
                         [st.slice_axis(x, 0, half, 2 * half) for x in xs])
        if n % 2:  # the odd one out waits for the next round
            paired = [st.concatenate([p, st.slice_axis(x, 0, n - 1, n)], 0)
                      for p, x in zip(paired, xs)]
        xs, n = paired, half + n % 2
    if n == 0:
        return tree_unflatten(tree, inits)
    return tree_unflatten(tree, combine(inits, [st.reshape(x, kept_shape) for x in xs]))


def argmax(operand: Any, axis: int, index_dtype: Any) -> Any:
    """The index of the first maximum along ``axis``, as ``index_dtype``.

    >>> import numpy as np
    >>> argmax(np.array([[1.0, 5.0], [3.0, 2.0]]), 1, np.int32)
    array([1, 0], dtype=int32)
    """
    operand = as_array(operand)
    axis = _axis("argmax", axis, len(operand.shape))
    return ew.convert_element_type(st.argmax(operand, axis), np.dtype(index_dtype))


def argmin(operand: Any, axis: int, index_dtype: Any) -> Any:
    """The index of the first minimum along ``axis``, as ``index_dtype``.

    >>> import numpy as np
    >>> argmin(np.array([[1.0, 5.0], [3.0, 2.0]]), 1, np.int32)
    array([0, 1], dtype=int32)
    """
    operand = as_array(operand)
    axis = _axis("argmin", axis, len(operand.shape))
    return ew.convert_element_type(st.argmin(operand, axis), np.dtype(index_dtype))


# ----------------------------------------------------------------------------- cumulative
def cumsum(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running sums along ``axis`` (from the end if ``reverse``).

    >>> import numpy as np
    >>> cumsum(np.arange(4.0), reverse=True)
    array([6., 6., 5., 3.])
    """
    operand = as_array(operand)
    return st.cumsum(operand, _axis("cumsum", axis, len(operand.shape)), reverse)


def cumprod(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running products along ``axis`` (from the end if ``reverse``).

    >>> import numpy as np
    >>> cumprod(np.arange(1.0, 5.0))
    array([ 1.,  2.,  6., 24.])
    """
    operand = as_array(operand)
    return st.cumprod(operand, _axis("cumprod", axis, len(operand.shape)), reverse)


def _running(name: str, which: str, operand, axis, reverse):
    import fungrad.numpy as fnp
    operand = as_array(operand)
    axis = _axis(name, axis, len(operand.shape))
    index = ordering.running_extremum_index(operand, axis, reverse, which)
    # the value gathered from where it was attained: its derivative goes there
    return fnp.take_along_axis(operand, index, axis)


def cummax(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running maxima along ``axis``; the derivative goes to where each was (last)
    attained.

    >>> import numpy as np
    >>> cummax(np.array([1.0, 3.0, 2.0, 4.0]))
    array([1., 3., 3., 4.])
    """
    return _running("cummax", "max", operand, axis, reverse)


def cummin(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running minima along ``axis``; the derivative goes to where each was (last)
    attained.

    >>> import numpy as np
    >>> cummin(np.array([3.0, 1.0, 2.0]), reverse=True)
    array([1., 1., 2.])
    """
    return _running("cummin", "min", operand, axis, reverse)


def cumlogsumexp(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running ``log(sum(exp(x)))`` along ``axis``, shifted by the maximum for range.

    >>> import numpy as np
    >>> cumlogsumexp(np.log(np.array([1.0, 2.0, 3.0])))
    array([0.        , 1.09861229, 1.79175947])
    """
    operand = as_array(operand)
    axis = _axis("cumlogsumexp", axis, len(operand.shape))
    if get_aval(operand).dtype.kind not in "fc":
        operand = ew.convert_element_type(operand, np.float64)
    top = st.reduce_max(operand, (axis,), keepdims=True) if operand.shape[axis] else \
        np.zeros((), get_aval(operand).dtype)
    shift = ew.stop_gradient_p.bind(ew.select(ew.isfinite(top), top, 0.0))
    return ew.add(ew.log(st.cumsum(ew.exp(ew.sub(operand, shift)), axis, reverse)), shift)


# ----------------------------------------------------------------------------- sorting
def sort(operand: Any, dimension: int = -1, is_stable: bool = True,
         num_keys: int = 1) -> Any:
    """Sort along ``dimension``: one array, or a sequence of same-shaped arrays ordered
    together by the first ``num_keys`` of them (lexicographically; NaNs last).

    >>> import numpy as np
    >>> sort((np.array([2, 1, 2]), np.array([0.0, 1.0, -1.0])), num_keys=2)
    (array([1, 2, 2]), array([ 1., -1.,  0.]))
    """
    import fungrad.numpy as fnp
    single = not isinstance(operand, (tuple, list))
    operands = [as_array(operand)] if single else [as_array(x) for x in operand]
    if not operands:
        raise ValueError("sort: needs at least one operand")
    if isinstance(num_keys, bool) or not 1 <= operator.index(num_keys) <= len(operands):
        raise ValueError(f"sort: num_keys must be between 1 and the number of operands "
                         f"({len(operands)}), got {num_keys!r}")
    nd = len(operands[0].shape)
    if nd == 0:
        raise ValueError("sort: operands must have at least one axis, got a scalar")
    dimension = _axis("sort", dimension, nd)
    perm = ordering.sort_permutation(operands[:num_keys], dimension)
    out = [fnp.take_along_axis(x, perm, dimension) for x in operands]
    return out[0] if single else tuple(out)


def sort_key_val(keys: Any, values: Any, dimension: int = -1,
                 is_stable: bool = True) -> tuple:
    """``keys`` sorted along ``dimension``, and ``values`` in the same order.

    >>> import numpy as np
    >>> sort_key_val(np.array([3, 1, 2]), np.array([0.0, 1.0, 2.0]))
    (array([1, 2, 3]), array([1., 2., 0.]))
    """
    return sort((keys, values), dimension, is_stable, num_keys=1)


def top_k(operand: Any, k: int, *, axis: int = -1) -> tuple:
    """The ``k`` largest entries along ``axis`` (the last by default), largest first (ties:
    lower index first), and their indices (int32, as JAX's).

    >>> import numpy as np
    >>> top_k(np.array([1.0, 4.0, 2.0, 4.0]), 3)
    (array([4., 4., 2.]), array([1, 3, 2], dtype=int32))
    >>> top_k(np.array([[1.0, 5.0], [3.0, 2.0]]), 1, axis=0)[1]
    array([[1, 0]], dtype=int32)
    """
    import fungrad.numpy as fnp
    operand = as_array(operand)
    shape = tuple(operand.shape)
    if not shape:
        raise ValueError("top_k: the operand must have at least one axis, got a scalar")
    axis = _axis("top_k", axis, len(shape))
    if axis != len(shape) - 1:  # along the last axis, then back
        values, index = top_k(fnp.moveaxis(operand, axis, -1), k)
        return fnp.moveaxis(values, -1, axis), fnp.moveaxis(index, -1, axis)
    if isinstance(k, bool) or not 0 <= operator.index(k) <= shape[-1]:
        raise ValueError(f"top_k: k must be between 0 and the last axis size {shape[-1]}, "
                         f"got {k!r}")
    n = shape[-1]
    # a stable ascending sort of the reversed axis, read backwards: descending, ties in
    # their original order
    flipped = st.rev(operand, (len(shape) - 1,))
    order = ordering.sort_permutation([flipped], len(shape) - 1)
    order = st.rev(ew.sub(n - 1, order), (len(shape) - 1,))
    index = st.slice_axis(order, len(shape) - 1, 0, k)
    return fnp.take_along_axis(operand, index, -1), ew.convert_element_type(index, np.int32)



def _k_extremes(name: str, operand: Any, k: int, reduction_dimension: int,
                largest: bool) -> tuple:
    """The ``k`` largest (or smallest) entries along ``reduction_dimension`` and their int32
    indices, through ``top_k`` on that axis moved last."""
    operand = as_array(operand)
    nd = len(operand.shape)
    if nd == 0:
        raise ValueError(f"{name}: the operand must have at least one axis, got a scalar")
    axis = _axis(name, reduction_dimension, nd)
    moved = st.transpose(operand, [d for d in range(nd) if d != axis] + [axis])
    if largest:
        values, index = top_k(moved, k)
    else:
        n = moved.shape[-1]
        if isinstance(k, bool) or not 0 <= operator.index(k) <= n:
            raise ValueError(f"{name}: k must be between 0 and the reduced axis size {n}, "
                             f"got {k!r}")
        import fungrad.numpy as fnp
        order = ordering.sort_permutation([moved], nd - 1)  # stable: ties lower index first
        index = st.slice_axis(order, nd - 1, 0, operator.index(k))
        values = fnp.take_along_axis(moved, index, -1)
        index = ew.convert_element_type(index, np.int32)
    back = list(range(nd - 1))
    back.insert(axis, nd - 1)
    return st.transpose(values, back), st.transpose(index, back)


def approx_max_k(operand: Any, k: int, reduction_dimension: int = -1,
                 recall_target: float = 0.95, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True) -> tuple:
    """The ``k`` largest entries along ``reduction_dimension`` and their indices. fungrad
    gives the exact answer (recall 1, which meets any ``recall_target``; the approximate
    algorithm is a TPU one, and JAX's CPU answer is exact too), largest first, ties and NaN
    ordered as ``top_k`` orders them.

    >>> import numpy as np
    >>> approx_max_k(np.array([[1.0, 5.0, 3.0], [0.0, -1.0, 2.0]]), 2)
    (array([[5., 3.],
           [2., 0.]]), array([[1, 2],
           [2, 0]], dtype=int32))
    """
    return _k_extremes("approx_max_k", operand, k, reduction_dimension, largest=True)


def approx_min_k(operand: Any, k: int, reduction_dimension: int = -1,
                 recall_target: float = 0.95, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True) -> tuple:
    """The ``k`` smallest entries along ``reduction_dimension`` and their indices, smallest
    first (exactly, as ``approx_max_k``; ties lower index first, NaN last).

    >>> import numpy as np
    >>> approx_min_k(np.array([4.0, 1.0, 3.0, 1.0]), 3)
    (array([1., 1., 3.]), array([1, 3, 2], dtype=int32))
    """
    return _k_extremes("approx_min_k", operand, k, reduction_dimension, largest=False)


# ----------------------------------------------------------------------------- contractions
def dot_general(lhs: Any, rhs: Any, dimension_numbers: Any, precision: Any = None,
                preferred_element_type: Any = None) -> Any:
    """The general contraction: ``dimension_numbers`` is
    ``((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))``; the result has the
    batch axes, then ``lhs``'s free axes, then ``rhs``'s.

    >>> import numpy as np
    >>> dot_general(np.ones((2, 3, 4)), np.ones((2, 4, 5)), (((2,), (1,)), ((0,), (0,)))).shape
    (2, 3, 5)
    """
    check_precision("dot_general", precision)
    lhs, rhs = as_array(lhs), as_array(rhs)
    try:
        (lc, rc), (lb, rb) = dimension_numbers
        dims = ((tuple(operator.index(d) for d in lc), tuple(operator.index(d) for d in rc)),
                (tuple(operator.index(d) for d in lb), tuple(operator.index(d) for d in rb)))
    except (TypeError, ValueError):
        raise TypeError("dot_general: dimension_numbers must be ((lhs_contracting, "
                        "rhs_contracting), (lhs_batch, rhs_batch)) of integer sequences, got "
                        f"{dimension_numbers!r}") from None
    out = st.dot_general(lhs, rhs, dims)
    if preferred_element_type is not None:
        out = ew.convert_element_type(out, np.dtype(preferred_element_type))
    return out


def dot(lhs: Any, rhs: Any, precision: Any = None, preferred_element_type: Any = None) -> Any:
    """Vector-vector, matrix-vector or matrix-matrix product (the last axis of ``lhs``
    with the first of ``rhs``).

    >>> import numpy as np
    >>> dot(np.ones((2, 3)), np.arange(3.0))
    array([3., 3.])
    """
    lhs, rhs = as_array(lhs), as_array(rhs)
    ln, rn = len(lhs.shape), len(rhs.shape)
    if ln not in (1, 2) or rn not in (1, 2):
        raise TypeError(f"dot: operands must be vectors or matrices, got "
                        f"{get_aval(lhs).str_short()} and {get_aval(rhs).str_short()}")
    return dot_general(lhs, rhs, (((ln - 1,), (0,)), ((), ())), precision,
                       preferred_element_type)


def batch_matmul(lhs: Any, rhs: Any, precision: Any = None) -> Any:
    """Matrix products over matching leading batch axes: ``(..., m, k) @ (..., k, n)``.

    >>> import numpy as np
    >>> batch_matmul(np.ones((4, 2, 3)), np.ones((4, 3, 5))).shape
    (4, 2, 5)
    """
    lhs, rhs = as_array(lhs), as_array(rhs)
    n = len(lhs.shape)
    if n < 2 or len(rhs.shape) != n or tuple(lhs.shape[:-2]) != tuple(rhs.shape[:-2]):
        raise TypeError(f"batch_matmul: operands must have the same rank (at least 2) and "
                        f"batch axes, got {get_aval(lhs).str_short()} and "
                        f"{get_aval(rhs).str_short()}")
    batch = tuple(range(n - 2))
    return dot_general(lhs, rhs, (((n - 1,), (n - 2,)), (batch, batch)), precision)


def ragged_dot(lhs: Any, rhs: Any, group_sizes: Any, precision: Any = None,
               preferred_element_type: Any = None, group_offset: Any = None) -> Any:
    """The grouped matrix product of mixture-of-experts layers: ``lhs`` ``(m, k)``'s rows
    are cut into consecutive groups of ``group_sizes`` ``(g,)`` rows, and group ``i`` is
    multiplied by ``rhs[i]`` (``rhs`` is ``(g, k, n)``); rows past ``sum(group_sizes)`` give
    zeros. Differentiable in ``lhs`` and ``rhs``; ``group_sizes`` may be traced.

    >>> import numpy as np
    >>> rhs = np.stack([np.eye(2), 10 * np.eye(2)])
    >>> ragged_dot(np.ones((3, 2)), rhs, np.array([1, 2], np.int32))
    array([[ 1.,  1.],
           [10., 10.],
           [10., 10.]])
    """
    check_precision("ragged_dot", precision)
    if group_offset is not None:
        raise NotImplementedError("ragged_dot: group_offset (a sharded-group option of JAX, "
                                  "for groups split over devices) is not supported")
    lhs, rhs, group_sizes = as_array(lhs), as_array(rhs), as_array(group_sizes)
    la, ra, ga = get_aval(lhs), get_aval(rhs), get_aval(group_sizes)
    if la.ndim != 2 or ra.ndim != 3 or ga.ndim != 1 or ga.dtype.kind not in "iu" or \
            la.shape[1] != ra.shape[1] or ga.shape[0] != ra.shape[0]:
        raise TypeError(f"ragged_dot: expected lhs (m, k), rhs (g, k, n) and integer "
                        f"group_sizes (g,), got lhs {la.str_short()}, rhs {ra.str_short()}, "
                        f"group_sizes {ga.str_short()}")
    # membership[i, r]: does row r belong to group i (between the group's cumulative bounds)
    ends = st.cumsum(group_sizes, 0)
    starts = ew.sub(ends, group_sizes)
    rows = np.arange(la.shape[0]).reshape(1, -1)
    member = ew.logical_and(ew.ge(rows, st.reshape(starts, (-1, 1))),
                            ew.lt(rows, st.reshape(ends, (-1, 1))))
    dtype = np.result_type(la.dtype, ra.dtype)
    grouped = ew.mul(st.reshape(ew.convert_element_type(member, dtype), ga.shape + la.shape[:1]
                                + (1,)), st.reshape(lhs, (1,) + la.shape))
    out = st.reduce_sum(st.dot_general(grouped, rhs, (((2,), (1,)), ((0,), (0,)))), (0,))
    if preferred_element_type is not None:
        out = ew.convert_element_type(out, np.dtype(preferred_element_type))
    return out
