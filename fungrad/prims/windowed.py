"""Windows of an array: the primitive under ``reduce_window`` (pooling).

``windows`` gives every window of an (already padded) array as extra trailing axes --
``x[..., i + k, ...]`` at ``out[..., i, ..., k]`` with strides and window dilation -- a
strided view of ``sliding_window_view``, copied only when a later operation needs it.
It is linear; its transpose, ``window_sum``, adds each window back where it came from
(one vectorized add per window offset, or per window when there are fewer windows than
offsets: never a loop over pixels). Each is the other's transpose, so derivatives of every
order are these two again. ``reduce_window`` is then a reduction over the window axes,
its derivatives the reductions' own.

>>> import numpy as np
>>> windows(np.arange(5.0), window_dimensions=(2,), window_strides=(2,),
...         window_dilation=(1,))
array([[0., 1.],
       [2., 3.]])
"""
from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from fungrad.core import ShapedArray, bind, value_aval
from fungrad.prims.masking import keep_array
from fungrad.prims.rules import deflinear, primitive
from fungrad.prims.structural import reshape


def window_positions(shape, window_dimensions, window_strides, window_dilation) -> tuple:
    """How many windows fit along each axis."""
    out = []
    for d, k, s, r in zip(shape, window_dimensions, window_strides, window_dilation):
        span = 0 if k == 0 else 1 + r * (k - 1)
        out.append(0 if d < span else (d - span) // s + 1)
    return tuple(out)


def _check(name, aval, window_dimensions, window_strides, window_dilation):
    for what, v, low in (("window_dimensions", window_dimensions, 0),
                         ("window_strides", window_strides, 1),
                         ("window_dilation", window_dilation, 1)):
        if len(v) != aval.ndim or any(d < low for d in v):
            raise ValueError(f"{name}: {what} must have one entry of at least {low} per axis "
                             f"of the operand {aval.str_short()}, got {v}")


def _windows_abstract(aval, *, window_dimensions, window_strides, window_dilation):
    _check("reduce_window", aval, window_dimensions, window_strides, window_dilation)
    out = window_positions(aval.shape, window_dimensions, window_strides, window_dilation)
    return ShapedArray(out + tuple(window_dimensions), aval.dtype)


def _windows_impl(x, *, window_dimensions, window_strides, window_dilation):
    x = np.asarray(x)
    _check("reduce_window", value_aval(x), window_dimensions, window_strides, window_dilation)
    out = window_positions(x.shape, window_dimensions, window_strides, window_dilation)
    if 0 in out or 0 in window_dimensions:
        return np.zeros(out + tuple(window_dimensions), x.dtype)
    span = tuple(1 + r * (k - 1) for k, r in zip(window_dimensions, window_dilation))
    view = sliding_window_view(x, span)
    return view[tuple(slice(0, o * s, s) for o, s in zip(out, window_strides))
                + tuple(slice(None, None, r) for r in window_dilation)]


windows_p = primitive("windows", _windows_impl, _windows_abstract)


def _windows_emit(avals, *, window_dimensions, window_strides, window_dilation):
    """Under jit, the view made directly: window ``k`` of position ``i`` along an axis is
    element ``i * stride + k * dilation``, so each axis gives two strides of the view."""
    shape = _windows_abstract(avals[0], window_dimensions=window_dimensions,
                              window_strides=window_strides,
                              window_dilation=window_dilation).shape
    if 0 in shape:
        return None
    steps = tuple(window_strides) + tuple(window_dilation)
    nd = len(window_dimensions)

    def view(x):
        x = np.asarray(x)
        st = x.strides
        return as_strided(x, shape, tuple(st[i % nd] * k for i, k in enumerate(steps)),
                          writeable=False)
    return "{view}({0})", {"view": view}


windows_p.emit = _windows_emit


def windows(x, *, window_dimensions, window_strides, window_dilation):
    """Every window of ``x`` (no padding: pad first), as trailing axes."""
    return bind(windows_p, x, window_dimensions=tuple(window_dimensions),
                window_strides=tuple(window_strides), window_dilation=tuple(window_dilation))


def _window_sum_abstract(aval, *, operand_shape, window_dimensions, window_strides,
                         window_dilation):
    return ShapedArray(operand_shape, aval.dtype)


def _window_sum_impl(g, *, operand_shape, window_dimensions, window_strides,
                     window_dilation):
    g = np.asarray(g)
    nd = len(operand_shape)
    out = g.shape[:nd]
    acc = np.zeros(operand_shape, g.dtype)
    if 0 in g.shape:
        return acc
    if math.prod(out) >= math.prod(window_dimensions):
        # one strided add per window offset, over all windows at once
        for k in itertools.product(*(range(w) for w in window_dimensions)):
            where = tuple(_offset_slice(i, r, o, s)
                          for i, r, o, s in zip(k, window_dilation, out, window_strides))
            acc[where] += g[(Ellipsis,) + k]
    else:
        # few windows, each big: one add per window
        for p in itertools.product(*(range(o) for o in out)):
            where = tuple(slice(i * s, i * s + (w - 1) * r + 1, r)
                          for i, s, w, r in zip(p, window_strides, window_dimensions,
                                                window_dilation))
            acc[where] += g[p]
    return acc


window_sum_p = primitive("window_sum", _window_sum_impl, _window_sum_abstract)


def window_sum(g, operand_shape, *, window_dimensions, window_strides, window_dilation):
    """The transpose of ``windows``: each window of ``g`` added back into an array shaped
    like the operand."""
    return bind(window_sum_p, g, operand_shape=tuple(operand_shape),
                window_dimensions=tuple(window_dimensions),
                window_strides=tuple(window_strides), window_dilation=tuple(window_dilation))


deflinear(windows_p, lambda g, x, **params: window_sum(g, x.shape, **params))
deflinear(window_sum_p, lambda g, x, operand_shape, **params: windows(g, **params))


def _batch_windows(args, batched, size, **params):
    x = args[0]
    new = {k: (1,) + v for k, v in params.items()}
    out = windows(x, **new)
    nd = len(params["window_dimensions"])
    # (B, positions..., 1, window...): drop the batch axis's own window of one
    shape = tuple(out.shape)
    return reshape(out, shape[:nd + 1] + shape[nd + 2:]), True


def _batch_window_sum(args, batched, size, operand_shape, **params):
    g = args[0]
    nd = len(operand_shape)
    shape = tuple(g.shape)
    g = reshape(g, shape[:nd + 1] + (1,) + shape[nd + 1:])
    new = {k: (1,) + v for k, v in params.items()}
    return window_sum(g, (size,) + tuple(operand_shape), **new), True


windows_p.batch = _batch_windows
window_sum_p.batch = _batch_window_sum


# ----------------------------------------------------------------------------- max and min
def _first_hit_impl(w, ans, *, nd):
    """Where each window of ``w`` first equals its reduced value ``ans`` (NaN matching NaN):
    one pass per window offset, each over all windows."""
    w, ans = np.asarray(w), np.asarray(ans)
    mask = np.zeros(w.shape, bool)
    found = np.zeros(ans.shape, bool)
    nan = np.isnan(ans) if ans.dtype.kind in "fc" else None
    if nan is not None and not nan.any():
        nan = None
    for k in itertools.product(*(range(d) for d in w.shape[w.ndim - nd:])):
        tap = w[(Ellipsis,) + k]
        hit = tap == ans
        if nan is not None:
            hit |= nan & np.isnan(tap)
        hit &= ~found
        found |= hit
        mask[(Ellipsis,) + k] = hit
    return mask


first_hit_p = primitive("first_hit", _first_hit_impl,
                        lambda w, ans, *, nd: ShapedArray(w.shape, np.bool_), nondiff=True)
first_hit_p.batch = lambda args, batched, size, nd: (
    bind(first_hit_p, args[0] if batched[0] else _lead(args[0], size),
         args[1] if batched[1] else _lead(args[1], size), nd=nd), True)


def _lead(x, size):
    from fungrad.prims.structural import broadcast_to
    return broadcast_to(x, (size,) + tuple(x.shape))


def first_extremum_mask(w, ans, nd: int):
    """Boolean, shaped like ``w``: where each window (its last ``nd`` axes) first attains
    its max (min) ``ans``. The derivative of a max pool goes there only, one element per
    window, as JAX's select-and-scatter sends it."""
    return bind(first_hit_p, w, ans, nd=int(nd))


def fold_windows(ufunc, w, nd: int) -> np.ndarray:
    """``ufunc.reduce`` over the trailing ``nd`` axes of ``w``, a strided view of windows.

    Few taps (pooling): one elementwise ``ufunc`` per window offset over all the windows,
    each a strided view -- numpy's own reduce over several strided axes is ten times
    slower there. Many taps: a reduce over a contiguous copy."""
    w = np.asarray(w)
    window = w.shape[w.ndim - nd:]
    offsets = itertools.product(*(range(k) for k in window))
    if math.prod(window) > 64 or w.dtype.kind not in "biufc":
        return ufunc.reduce(np.ascontiguousarray(w), axis=tuple(range(w.ndim - nd, w.ndim)))
    acc = np.array(w[(Ellipsis,) + next(offsets)], copy=True)
    for k in offsets:
        ufunc(acc, w[(Ellipsis,) + k], out=acc)
    return acc


def _chooser(name: str, which: str):
    ufunc = np.maximum if which == "max" else np.minimum

    def impl(w, *, nd):
        return fold_windows(ufunc, w, nd)

    def abstract_eval(aval, *, nd):
        if nd > aval.ndim or 0 in aval.shape[aval.ndim - nd:]:
            raise ValueError(f"{name}: windows {aval.str_short()} must have {nd} non-empty "
                             "trailing window axes")
        return ShapedArray(aval.shape[:aval.ndim - nd], aval.dtype)

    prim = primitive(name, impl, abstract_eval)

    def jvp(primals, tangents, *, nd):
        from fungrad.prims.masking import keep
        from fungrad.prims.structural import reduce_sum
        w, = primals
        t, = tangents
        ans = bind(prim, w, nd=nd)
        if t is None:
            return ans, None
        n = len(w.shape)
        return ans, reduce_sum(keep(first_extremum_mask(w, ans, nd), t),
                               tuple(range(n - nd, n)))

    def vjp(g, primals, ans, needs, *, nd):
        from fungrad.prims.masking import keep
        w, = primals
        if not needs[0]:
            return [None]
        g = reshape(g, tuple(g.shape) + (1,) * nd)
        return [keep(first_extremum_mask(w, ans, nd), g)]

    prim.jvp, prim.vjp = jvp, vjp
    prim.batch = lambda args, batched, size, nd: (bind(prim, args[0], nd=nd), True)
    return prim


def _window_total_abstract(aval, *, nd):
    if nd > aval.ndim:
        raise ValueError(f"window_total: {aval.str_short()} has no {nd} window axes")
    return ShapedArray(aval.shape[:aval.ndim - nd], aval.dtype)


window_total_p = primitive("window_total",
                           lambda w, *, nd: fold_windows(np.add, w, nd) if math.prod(
                               np.shape(w)[np.ndim(w) - nd:]) else
                           np.zeros(np.shape(w)[:np.ndim(w) - nd], np.asarray(w).dtype),
                           _window_total_abstract)


def window_total(w, nd: int):
    """The sum over the trailing ``nd`` window axes of ``w`` (linear: its transpose
    broadcasts the cotangent over the window)."""
    return bind(window_total_p, w, nd=int(nd))


def _window_total_transpose(g, w, *, nd):
    from fungrad.prims.structural import broadcast_to
    return broadcast_to(reshape(g, tuple(g.shape) + (1,) * nd), tuple(w.shape))


deflinear(window_total_p, _window_total_transpose)
window_total_p.batch = lambda args, batched, size, nd: (window_total(args[0], nd), True)

window_max_p = _chooser("window_max", "max")
window_min_p = _chooser("window_min", "min")


def window_max(w, nd: int):
    """The maximum over the trailing ``nd`` window axes of ``w``."""
    return bind(window_max_p, w, nd=int(nd))


def window_min(w, nd: int):
    """The minimum over the trailing ``nd`` window axes of ``w``."""
    return bind(window_min_p, w, nd=int(nd))


# ----------------------------------------------------------------------------- pooling
# Max (min) pooling over windows that do not overlap -- a stride at least each window's span,
# what pooling layers use -- as three primitives on the (padded) operand itself, as JAX's
# reduce_window_max, select_and_gather_add and select_and_scatter_add: the pool folds one
# strided slice per window offset; its derivatives find the first extremal element of each
# window offset by offset and move the tangent from there (gather) or the cotangent to there
# (scatter). Each of those two is linear in what it moves and the other's transpose, so
# derivatives of every order are these again, and no windows-shaped array is ever made.

def windows_overlap(window_dimensions, window_strides, window_dilation) -> bool:
    """Do neighbouring windows share elements along some axis?"""
    return any(s < 1 + r * (k - 1) for k, s, r in zip(window_dimensions, window_strides,
                                                        window_dilation))


def _offset_slice(i: int, dilation: int, count: int, stride: int) -> slice:
    """Along one axis, the strided slice holding offset ``i`` of each of ``count`` windows."""
    return slice(i * dilation, i * dilation + (count - 1) * stride + 1, stride)


def _offset_slices(out_shape, window_dimensions, window_strides, window_dilation):
    """For each window offset (row-major), the strided slice of the operand holding that
    element of every window."""
    for k in itertools.product(*(range(d) for d in window_dimensions)):
        yield tuple(_offset_slice(i, r, o, s)
                    for i, r, o, s in zip(k, window_dilation, out_shape, window_strides))


def _first_hits(x, ans, params):
    """(slice, mask) per window offset: where that offset holds its window's first extremum
    ``ans`` (NaN matching NaN)."""
    found = None
    nan = np.isnan(ans) if ans.dtype.kind in "fc" else None
    if nan is not None and not nan.any():
        nan = None
    slices = list(_offset_slices(ans.shape, **params))
    for j, where in enumerate(slices):
        tap = x[where]
        hit = tap == ans
        if nan is not None:
            hit |= nan & np.isnan(tap)
        if found is not None:
            np.greater(hit, found, out=hit)  # hit and not found: one pass
        if j + 1 < len(slices):
            found = hit.copy() if found is None else np.logical_or(found, hit, out=found)
        yield where, hit


def _pool_abstract(aval, *, window_dimensions, window_strides, window_dilation, which):
    _check(f"reduce_window_{which}", aval, window_dimensions, window_strides, window_dilation)
    if 0 in window_dimensions:
        raise ValueError(f"reduce_window_{which}: windows must not be empty, got "
                         f"{window_dimensions}")
    return ShapedArray(window_positions(aval.shape, window_dimensions, window_strides,
                                        window_dilation), aval.dtype)


def _pool_impl(x, *, which, **params):
    x = np.asarray(x)
    out_shape = _pool_abstract(value_aval(x), which=which, **params).shape
    if 0 in out_shape:
        return np.zeros(out_shape, x.dtype)
    ufunc = np.maximum if which == "max" else np.minimum
    # one axis at a time (the extremum of a box is the extremum over one axis of those over
    # the others), outer axes first: a 2x2 pool then folds whole contiguous rows before the
    # strided pass over the last axis, a quarter faster than folding the four strided taps
    acc = x
    for axis, (k, s, r, o) in enumerate(zip(params["window_dimensions"],
                                            params["window_strides"],
                                            params["window_dilation"], out_shape)):
        if k == 1 and s == 1 and acc.shape[axis] == o:
            continue
        before = (slice(None),) * axis
        taps = [acc[before + (_offset_slice(j, r, o, s),)] for j in range(k)]
        if k == 1:
            acc = taps[0]  # a stride without a window: a view, copied at the end
            continue
        acc = ufunc(taps[0], taps[1])
        for tap in taps[2:]:
            ufunc(acc, tap, out=acc)
    return np.array(acc, copy=True) if acc.base is not None or acc is x else acc


pool_p = primitive("pool", _pool_impl, _pool_abstract)


def _gather_impl(t, x, ans, *, which, **params):
    t, x, ans = np.asarray(t), np.asarray(x), np.asarray(ans)
    out = np.zeros(ans.shape, t.dtype)
    if out.size:
        for where, hit in _first_hits(x, ans, params):
            out += keep_array(hit, t[where])  # one hit per window: the sum is exact
    return out


def _tiles(shape, window_dimensions, window_strides, window_dilation) -> bool:
    """Do the windows cover every element of ``shape`` (each axis cut into whole windows
    side by side, as a 2x2 pool of an even image)?"""
    return all(k == s and r == 1 and d % k == 0 for d, k, s, r in
               zip(shape, window_dimensions, window_strides, window_dilation))


def _scatter_impl(g, x, ans, *, which, **params):
    g, x, ans = np.asarray(g), np.asarray(x), np.asarray(ans)
    # every element is written below when the windows tile x: no zeros to write first
    out = (np.empty if _tiles(x.shape, **params) else np.zeros)(x.shape, g.dtype)
    if g.size:
        for where, hit in _first_hits(x, ans, params):
            keep_array(hit, g, out=out[where])  # windows apart: each element written once
    return out


pool_gather_p = primitive("pool_gather", _gather_impl,
                          lambda t, x, ans, **params: ShapedArray(ans.shape, t.dtype))
pool_scatter_p = primitive("pool_scatter", _scatter_impl,
                           lambda g, x, ans, **params: ShapedArray(x.shape, g.dtype))


def pool(x, which: str, *, window_dimensions, window_strides, window_dilation):
    """The max (``which='max'``) or min of every window of ``x`` (no padding: pad first);
    the windows must not overlap."""
    params = dict(window_dimensions=tuple(window_dimensions),
                  window_strides=tuple(window_strides), window_dilation=tuple(window_dilation))
    if windows_overlap(**params):
        raise ValueError(f"pool: windows {params} overlap; use windows and window_{which}")
    return bind(pool_p, x, which=which, **params)


def _pool_jvp(primals, tangents, **params):
    x, = primals
    ans = bind(pool_p, x, **params)
    t, = tangents
    return ans, None if t is None else bind(pool_gather_p, t, x, ans, **params)


def _pool_vjp(g, primals, ans, needs, **params):
    return [bind(pool_scatter_p, g, primals[0], ans, **params) if needs[0] else None]


def _moved_jvp(prim, transpose):
    """Rules of gather and scatter: linear in the moved operand (the first), the position
    operands (x, ans) without derivatives."""
    def jvp(primals, tangents, **params):
        t, x, ans = primals
        out = bind(prim, t, x, ans, **params)
        return out, None if tangents[0] is None else bind(prim, tangents[0], x, ans, **params)

    def vjp(g, primals, out, needs, **params):
        _, x, ans = primals
        return [bind(transpose, g, x, ans, **params) if needs[0] else None, None, None]
    return jvp, vjp


pool_p.jvp, pool_p.vjp = _pool_jvp, _pool_vjp
pool_gather_p.jvp, pool_gather_p.vjp = _moved_jvp(pool_gather_p, pool_scatter_p)
pool_scatter_p.jvp, pool_scatter_p.vjp = _moved_jvp(pool_scatter_p, pool_gather_p)


def _with_batch_window(params):
    """The params with the batch axis as one more axis of windows of one."""
    return {k: ((1,) + v if isinstance(v, tuple) else v) for k, v in params.items()}


def _batch_pool(args, batched, size, **params):
    return bind(pool_p, args[0], **_with_batch_window(params)), True


def _batch_moved(prim):
    def batch(args, batched, size, **params):
        args = [a if b else _lead(a, size) for a, b in zip(args, batched)]
        return bind(prim, *args, **_with_batch_window(params)), True
    return batch


pool_p.batch = _batch_pool
pool_gather_p.batch = _batch_moved(pool_gather_p)
pool_scatter_p.batch = _batch_moved(pool_scatter_p)
