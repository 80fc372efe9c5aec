"""Windowed reductions, ``jax.lax`` style: ``reduce_window`` (pooling) and its monoid forms.

The operand is padded (the padding and the holes of ``base_dilation`` hold the monoid's
identity: they take no part, as in JAX, and the initial value joins each window's result
once), its windows laid out as trailing axes (``fungrad.prims.windowed``), and reduced
there. Sums and products differentiate through
their reductions; max and min pick the first extremal element of each window, as JAX's
select-and-scatter does, so the gradient of a max pool goes to one element per window.

>>> import numpy as np
>>> from fungrad import lax
>>> lax.reduce_window(np.arange(6.0), -np.inf, lax.max, (2,), (2,), 'VALID')
array([1., 3., 5.])
"""
from __future__ import annotations

import itertools
import math
import operator
import sys
import types
from typing import Any, Callable, Sequence

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.lax.convolution import explicit_pads
from fungrad.lax.shapes import as_array, int_tuple, pad_general
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.conv import dilate_dim, padtype_to_pads
from fungrad.prims.windowed import (
    pool, window_max, window_min, window_total, windows, windows_overlap,
)
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["reduce_window", "reduce_window_max", "reduce_window_min", "reduce_window_prod",
           "reduce_window_shape_tuple", "reduce_window_sum"]

_MONOID_PRIMS = {ew.add_p: "add", ew.mul_p: "mul", ew.max_p: "max", ew.min_p: "min"}


def _identity(monoid: str, dtype: np.dtype):
    if monoid == "add":
        return np.zeros((), dtype)
    if monoid == "mul":
        return np.ones((), dtype)
    if dtype.kind == "f":
        return np.array(-np.inf if monoid == "max" else np.inf, dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.array(info.min if monoid == "max" else info.max, dtype)
    return np.array(monoid == "min", dtype)  # bool: max is any, min is all


# (fungrad's own function, dtype) -> the monoid its IR showed: each pooling layer's call
# would otherwise trace lax.max again (28 us; JAX caches its reducer's jaxpr too). Only the
# module-level functions of fungrad's modules are memoized: a fixed set that lives as long
# as the modules, with nothing closed over that could change what they compute (a
# closure or a Partial made per call would grow the memo without end).
_OWN_MONOIDS: dict[tuple[Callable, np.dtype], str | None] = {}


def _fungrad_module_function(f: Callable) -> bool:
    """Is ``f`` a plain function defined at the top level of a fungrad module?"""
    module = getattr(f, "__module__", None)
    return type(f) is types.FunctionType and isinstance(module, str) and \
        module.startswith("fungrad.") and \
        getattr(sys.modules.get(module), f.__name__, None) is f


def _monoid_of(computation: Callable, dtype: np.dtype, strict: bool = True) -> str | None:
    """Which of add / mul / max / min ``computation`` is, read from its traced IR (so
    ``lax.add``, ``jnp.add``, ``operator.add`` and ``lambda a, b: a + b`` all count)."""
    known = {operator.add: "add", operator.mul: "mul", max: "max", min: "min"}
    if computation in known:
        return known[computation]
    own = _fungrad_module_function(computation)
    key = (computation, np.dtype(dtype))
    if own and key in _OWN_MONOIDS:
        monoid = _OWN_MONOIDS[key]
    else:
        monoid = _traced_monoid(computation, dtype)
        if own:
            _OWN_MONOIDS[key] = monoid
    if monoid is not None or not strict:
        return monoid
    raise NotImplementedError(
        f"reduce_window: computation {computation!r} is not one of the monoids fungrad "
        "reduces windows with (add, mul, max, min, e.g. lax.add or lax.max)")


def _traced_monoid(computation: Callable, dtype: np.dtype) -> str | None:
    """The monoid ``computation``'s IR on two scalars of ``dtype`` is, or None."""
    from fungrad.api import make_jaxpr
    scalar = np.zeros((), dtype)
    try:
        closed = make_jaxpr(computation)(scalar, scalar)
    except Exception as e:  # noqa: BLE001 -- whatever it raised, say what was expected
        raise TypeError(f"reduce_window: computation {computation!r} could not be traced on "
                        f"two scalars ({type(e).__name__}: {e})") from None
    jaxpr = closed.jaxpr
    eqns = [e for e in jaxpr.eqns if e.primitive.name != "convert_element_type"]
    if len(eqns) == 1 and eqns[0].primitive in _MONOID_PRIMS and len(jaxpr.outvars) == 1:
        return _MONOID_PRIMS[eqns[0].primitive]
    return None


def _window_args(name, aval, window_dimensions, window_strides, padding, base_dilation,
                 window_dilation):
    nd = aval.ndim
    per = f"axis of the operand {aval.str_short()}"  # (once: each call checks four tuples)

    def ints(what, v, default, low):
        return (default,) * nd if v is None else int_tuple(name, what, v, nd, low, per)

    dims = ints("window_dimensions", window_dimensions, None, 0)
    strides = ints("window_strides", window_strides, 1, 1)
    base = ints("base_dilation", base_dilation, 1, 1)
    wdil = ints("window_dilation", window_dilation, 1, 1)
    if isinstance(padding, str):
        pads = padtype_to_pads(aval.shape, [dilate_dim(k, r) for k, r in zip(dims, wdil)],
                               strides, padding)
    else:
        pads = explicit_pads(name, padding, nd)
    for d, (lo, hi), b in zip(aval.shape, pads, base):
        if dilate_dim(d, b) + lo + hi < 0:
            raise ValueError(f"{name}: padding {pads} crops more than the operand "
                             f"{aval.str_short()} has")
    return dims, strides, pads, base, wdil


def _reduce_each_window(monoid: str, w, nd: int, identity):
    """The monoid over the trailing ``nd`` window axes of the windows ``w``."""
    dtype = identity.dtype
    axes = tuple(range(nd, 2 * nd))
    if 0 in tuple(w.shape[nd:]):
        return st.broadcast_to(identity, tuple(w.shape[:nd]))
    if monoid == "add" and dtype.kind in "fc":
        return window_total(w, nd)
    if monoid == "add":
        return st.reduce_sum(w, axes)  # numpy's integer widening
    if monoid == "mul":
        return st.reduce_prod(w, axes)
    if dtype.kind == "b":
        return (st.reduce_or if monoid == "max" else st.reduce_and)(w, axes)
    return (window_max if monoid == "max" else window_min)(w, nd)


def _reduce_windows(name: str, monoid: str, operand, init, window_dimensions, window_strides,
                    padding, base_dilation, window_dilation):
    operand = as_array(operand)
    aval = get_aval(operand)
    if aval.dtype.kind not in "biufc":
        raise TypeError(f"{name}: the operand must be numeric, got {aval.str_short()}")
    dims, strides, pads, base, wdil = _window_args(name, aval, window_dimensions,
                                                   window_strides, padding, base_dilation,
                                                   window_dilation)
    dtype = aval.dtype
    identity = _identity(monoid, dtype)
    if init is None:
        init = identity
    init_aval = get_aval(init)
    if init_aval.shape != ():
        raise TypeError(f"{name}: init_value must be a scalar, got {init_aval.str_short()}")
    if init_aval.dtype != dtype or init_aval.weak_type:
        init = ew.convert_element_type(init, dtype)
    # padding and dilation holes take no part (the identity); the init joins once, after
    x = pad_general(operand, identity,
                    tuple((lo, hi, b - 1) for (lo, hi), b in zip(pads, base)))
    if monoid in ("max", "min") and dtype.kind != "b" and 0 not in dims and \
            not windows_overlap(dims, strides, wdil):
        # windows apart (pooling layers): no windows-shaped arrays at all
        reduced = pool(x, monoid, window_dimensions=dims, window_strides=strides,
                       window_dilation=wdil)
    else:
        w = windows(x, window_dimensions=dims, window_strides=strides, window_dilation=wdil)
        reduced = _reduce_each_window(monoid, w, aval.ndim, identity)
    concrete_identity = not isinstance(init, Tracer) and \
        np.array_equal(np.asarray(init), identity)
    if concrete_identity:
        return reduced
    combine = {"add": ew.add, "mul": ew.mul, "max": ew.maximum, "min": ew.minimum}[monoid]
    if dtype.kind == "b":
        combine = ew.bitwise_or if monoid == "max" else ew.bitwise_and
    return combine(init, reduced)


def reduce_window(operand: Any, init_value: Any, computation: Callable,
                  window_dimensions: Sequence[int], window_strides: Sequence[int] | None = None,
                  padding: Any = "VALID", base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None) -> Any:
    """Reduce every window of ``operand`` with ``computation``, starting from
    ``init_value``; the padding and the holes of ``base_dilation`` take no part.
    ``padding`` is ``'VALID'``, ``'SAME'``, ``'SAME_LOWER'`` or (low, high) pairs.

    The monoids add, mul, max and min (``lax.add``, ``jnp.maximum``, ``lambda a, b: a +
    b``, ...) reduce each window at once (max and min differentiate JAX's way, to one
    element per window). Any other computation -- also over pytrees of operands and
    initial values -- is applied once per window offset to all windows together, in
    row-major window order (XLA leaves the order unspecified).

    >>> import numpy as np
    >>> from fungrad import lax
    >>> reduce_window(np.arange(10.0), 1.0, lax.mul, (2,), (2,))
    array([ 0.,  6., 20., 42., 72.])
    """
    if not isinstance(operand, (tuple, list, dict)):
        dtype = get_aval(as_array(operand)).dtype
        monoid = _monoid_of(computation, dtype, strict=False)
        if monoid is not None:
            return _reduce_windows("reduce_window", monoid, operand, init_value,
                                   window_dimensions, window_strides, padding, base_dilation,
                                   window_dilation)
    return _fold_windows(operand, init_value, computation, window_dimensions, window_strides,
                         padding, base_dilation, window_dilation)


def _fold_windows(operands, init_values, computation, window_dimensions, window_strides,
                  padding, base_dilation, window_dilation):
    """Any computation (over pytrees of operands too): the running result combined with
    each window offset in turn, all windows at once; padding and dilation holes take no
    part. Derivatives are the computation's own."""
    name = "reduce_window"
    flat, tree = tree_flatten(operands)
    inits, init_tree = tree_flatten(init_values)
    if not flat or len(flat) != len(inits) or tree != init_tree:
        raise ValueError(f"{name}: operands and init_values must be pytrees of the same "
                         f"structure, got {tree} and {init_tree}")
    flat = [as_array(x) for x in flat]
    avals = [get_aval(x) for x in flat]
    if any(a.shape != avals[0].shape for a in avals):
        raise ValueError(f"{name}: every operand must have the same shape, got "
                         + ", ".join(a.str_short() for a in avals))
    dims, strides, pads, base, wdil = _window_args(name, avals[0], window_dimensions,
                                                   window_strides, padding, base_dilation,
                                                   window_dilation)
    config = tuple((lo, hi, b - 1) for (lo, hi), b in zip(pads, base))
    params = dict(window_dimensions=dims, window_strides=strides, window_dilation=wdil)
    inits = [ew.convert_element_type(v, a.dtype) for v, a in zip(inits, avals)]
    ws = [windows(pad_general(x, v, config), **params) for x, v in zip(flat, inits)]
    # where a window offset lands on the operand itself (not padding): known in advance
    real = windows(pad_general(np.ones(avals[0].shape, bool), np.False_, config), **params)
    nd = avals[0].ndim
    out_shape = tuple(ws[0].shape[:nd])
    acc = [st.broadcast_to(v, out_shape) for v in inits]
    for k in itertools.product(*(range(d) for d in dims)):
        keep = np.asarray(real[(Ellipsis,) + k])
        if not keep.any():
            continue
        taps = [st.gather(w, indexer=st.Indexer.from_numpy((Ellipsis,) + k)) for w in ws]
        new, new_tree = tree_flatten(computation(tree_unflatten(tree, acc),
                                                 tree_unflatten(tree, taps)))
        if new_tree != tree:
            raise TypeError(f"{name}: computation must return a pytree like the operands "
                            f"({tree}), got {new_tree}")
        new = [n if get_aval(n).dtype == a.dtype else ew.convert_element_type(n, a.dtype)
               for n, a in zip(new, avals)]
        acc = new if keep.all() else [ew.select(keep, n, o) for n, o in zip(new, acc)]
    return tree_unflatten(tree, acc)


def reduce_window_sum(operand: Any, window_dimensions: Sequence[int],
                      window_strides: Sequence[int] | None = None, padding: Any = "VALID",
                      base_dilation: Sequence[int] | None = None,
                      window_dilation: Sequence[int] | None = None) -> Any:
    """The sum of every window (sum pooling; divide by the window size for mean pooling).

    >>> import numpy as np
    >>> reduce_window_sum(np.arange(4.0), (2,))
    array([1., 3., 5.])
    """
    return _reduce_windows("reduce_window_sum", "add", operand, None, window_dimensions,
                           window_strides, padding, base_dilation, window_dilation)


def reduce_window_prod(operand: Any, window_dimensions: Sequence[int],
                       window_strides: Sequence[int] | None = None, padding: Any = "VALID",
                       base_dilation: Sequence[int] | None = None,
                       window_dilation: Sequence[int] | None = None) -> Any:
    """The product of every window.

    >>> import numpy as np
    >>> reduce_window_prod(np.arange(1.0, 5.0), (2,))
    array([ 2.,  6., 12.])
    """
    return _reduce_windows("reduce_window_prod", "mul", operand, None, window_dimensions,
                           window_strides, padding, base_dilation, window_dilation)


def reduce_window_max(operand: Any, window_dimensions: Sequence[int],
                      window_strides: Sequence[int] | None = None, padding: Any = "VALID",
                      base_dilation: Sequence[int] | None = None,
                      window_dilation: Sequence[int] | None = None) -> Any:
    """The maximum of every window (max pooling); padding counts as ``-inf``.

    >>> import numpy as np
    >>> reduce_window_max(np.array([[1.0, 5.0], [3.0, 2.0]]), (2, 2))
    array([[5.]])
    """
    return _reduce_windows("reduce_window_max", "max", operand, None, window_dimensions,
                           window_strides, padding, base_dilation, window_dilation)


def reduce_window_min(operand: Any, window_dimensions: Sequence[int],
                      window_strides: Sequence[int] | None = None, padding: Any = "VALID",
                      base_dilation: Sequence[int] | None = None,
                      window_dilation: Sequence[int] | None = None) -> Any:
    """The minimum of every window; padding counts as ``+inf``.

    >>> import numpy as np
    >>> reduce_window_min(np.array([3.0, 1.0, 2.0]), (2,), padding='SAME')
    array([1., 1., 2.])
    """
    return _reduce_windows("reduce_window_min", "min", operand, None, window_dimensions,
                           window_strides, padding, base_dilation, window_dilation)


def reduce_window_shape_tuple(operand_shape: Sequence[int], window_dimensions: Sequence[int],
                              window_strides: Sequence[int], padding: Sequence[Any],
                              base_dilation: Sequence[int] | None = None,
                              window_dilation: Sequence[int] | None = None) -> tuple:
    """The output shape of ``reduce_window`` with explicit (low, high) ``padding``.

    >>> reduce_window_shape_tuple((1, 28, 28, 3), (1, 2, 2, 1), (1, 2, 2, 1),
    ...                           [(0, 0)] * 4)
    (1, 14, 14, 3)
    """
    from fungrad.core import ShapedArray
    from fungrad.prims.windowed import window_positions
    aval = ShapedArray(tuple(operand_shape), np.float64)
    dims, strides, pads, base, wdil = _window_args(
        "reduce_window_shape_tuple", aval, window_dimensions, window_strides, padding,
        base_dilation, window_dilation)
    padded = [dilate_dim(d, b) + lo + hi for d, b, (lo, hi) in zip(aval.shape, base, pads)]
    return window_positions(padded, dims, strides, wdil)
