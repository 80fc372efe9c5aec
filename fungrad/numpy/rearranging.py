"""Rearranging elements: flip, roll, rot90, pad."""
from __future__ import annotations

import numpy as np

from fungrad.core import get_aval, numpy_result
from fungrad.numpy._util import (
    _arr, _axes, _axis, _dtype, _ndim, _shape, _size, _slice_along, _strong, _traced,
)
from fungrad.numpy.dtypes import astype
from fungrad.numpy.indexing import take
from fungrad.numpy.joining import concatenate
from fungrad.numpy.products import tensordot
from fungrad.numpy.quantiles import median
from fungrad.numpy.reductions import any as any_, max as amax, min as amin
from fungrad.numpy.reductions import sum  # noqa: F401  (the examples use it)
from fungrad.numpy.shapes import moveaxis, ravel, reshape, swapaxes
from fungrad.numpy.statistics import mean
from fungrad.numpy.ufuncs import floor, round as around
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st


def flip(m, axis=None):
    """numpy.flip.

    >>> flip(np.array([1.0, 2.0]))
    array([2., 1.])
    >>> flip(np.array([[1, 2], [3, 4]]), axis=1)
    array([[2, 1],
           [4, 3]])
    """
    m = _arr(m)
    return st.rev(m, _axes(axis, _ndim(m), "flip"))


def fliplr(m):
    """numpy.fliplr: flip axis 1.

    >>> fliplr(np.array([[1, 2], [3, 4]]))
    array([[2, 1],
           [4, 3]])
    """
    return flip(m, 1)


def flipud(m):
    """numpy.flipud: flip axis 0.

    >>> flipud(np.array([[1, 2], [3, 4]]))
    array([[3, 4],
           [1, 2]])
    """
    return flip(m, 0)


def roll(a, shift, axis=None):
    """numpy.roll.

    >>> roll(np.array([1.0, 2.0, 3.0]), 1)
    array([3., 1., 2.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(roll(x, 1) * np.arange(3.0)))(np.ones(3))
    array([1., 2., 0.])
    """
    a = _arr(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), _shape(a))
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, ax in zip(shifts, axes):
        ax = _axis(ax, _ndim(a), "roll")
        n = _shape(a)[ax]
        if n:
            a = take(a, (np.arange(n) - int(s)) % n, ax)
    return a


def rot90(m, k: int = 1, axes=(0, 1)):
    """numpy.rot90.

    >>> rot90(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
    """
    m = _arr(m)
    k %= 4
    a0, a1 = axes
    if k == 0:
        return _strong(m)
    if k == 2:
        return _strong(flip(flip(m, a0), a1))
    if k == 1:
        return _strong(swapaxes(flip(m, a1), a0, a1))
    return _strong(flip(swapaxes(m, a0, a1), a1))


_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")  # padding that only copies elements
_STAT_MODES = {"maximum": "max", "minimum": "min", "median": "median", "mean": "mean"}
_MODE_KWARGS = {"constant": {"constant_values"}, "empty": set(), "edge": set(),
                "wrap": set(), "reflect": {"reflect_type"}, "symmetric": {"reflect_type"},
                "mean": {"stat_length"}, "median": {"stat_length"},
                "maximum": {"stat_length"}, "minimum": {"stat_length"},
                "linear_ramp": {"end_values"}}


def pad(array, pad_width, mode: str = "constant", **kwargs):  # noqa: A002
    """numpy.pad, every mode: 'constant' (differentiable in the fill values too), 'empty'
    (zeros, as in JAX), 'edge', 'reflect' and 'symmetric' (``reflect_type`` 'even' or
    'odd'), 'wrap', 'linear_ramp', and the statistics 'maximum', 'minimum', 'mean',
    'median' (``stat_length``). Axes are padded in order, as numpy pads them.

    ``mode`` may be a function, numpy's protocol as JAX reads it: ``a`` is zero-padded, then
    for each axis in turn ``mode(vector, (before, after), axis, kwargs)`` gets every 1-D
    slice along that axis and returns it filled in (fungrad's arrays are immutable, so the
    function returns the vector, e.g. with ``vector.at[:before].set(...)``, rather than
    writing into it as numpy's may); the result keeps ``a``'s dtype, as numpy's does.

    >>> pad(np.array([1.0, 2.0]), 1)
    array([0., 1., 2., 0.])
    >>> pad(np.array([1.0, 2.0, 4.0]), (2, 1), mode="reflect", reflect_type="odd")
    array([-2.,  0.,  1.,  2.,  4.,  6.])
    >>> pad(np.array([1.0, 5.0]), 2, mode="linear_ramp", end_values=(0.0, 1.0))
    array([0. , 0.5, 1. , 5. , 3. , 1. ])
    """
    a = _arr(array)
    nd = _ndim(a)
    if callable(mode):
        if nd == 0:
            return _strong(a if _traced(a) else numpy_result(a))
        widths = _per_axis_pairs(pad_width, nd, "pad_width", a, np.int64)
        if (widths < 0).any():
            raise ValueError(f"fungrad.numpy.pad: negative pad_width {pad_width}")
        return _strong(_pad_with_function(a, widths, mode, kwargs))
    if mode not in _MODE_KWARGS:
        raise ValueError(f"fungrad.numpy.pad: mode must be one of {sorted(_MODE_KWARGS)}, "
                         f"got {mode!r}")
    unexpected = set(kwargs) - _MODE_KWARGS[mode]
    if unexpected:
        raise TypeError(f"fungrad.numpy.pad: unsupported keyword arguments for mode "
                        f"{mode!r}: {sorted(unexpected)}")
    if nd == 0:  # numpy: a 0-d array has no axes to pad, so it comes back as it is
        return _strong(a if _traced(a) else numpy_result(a))
    widths = _per_axis_pairs(pad_width, nd, "pad_width", a, np.int64)
    if (widths < 0).any():
        raise ValueError(f"fungrad.numpy.pad: negative pad_width {pad_width}")
    if mode in ("constant", "empty"):
        return _strong(_pad_constant(a, widths, kwargs.get("constant_values", 0)))
    reflect_type = kwargs.get("reflect_type", "even")
    if reflect_type not in ("even", "odd"):
        raise ValueError(f"fungrad.numpy.pad: reflect_type must be 'even' or 'odd', got "
                         f"{reflect_type!r}")
    stat_length = kwargs.get("stat_length")
    if stat_length is not None:
        stat_length = _per_axis_pairs(stat_length, nd, "stat_length", a, np.int64)
        if (stat_length < 0).any():
            raise ValueError(f"fungrad.numpy.pad: negative stat_length {kwargs['stat_length']}")
    end_values = _per_axis_pairs(kwargs.get("end_values", 0), nd, "end_values", a, None)
    for ax, (lo, hi) in enumerate(widths):
        if (lo or hi) and _shape(a)[ax] == 0:
            raise ValueError(f"fungrad.numpy.pad: can't extend empty axis {ax} of "
                             f"{get_aval(a).str_short()} using mode {mode!r}")
    if not _traced(a):  # numpy's own pad is the reference
        return _strong(numpy_result(np.pad(a, widths, mode, **kwargs)))
    for ax, (lo, hi) in enumerate(widths):
        lo, hi = int(lo), int(hi)
        if not (lo or hi):
            continue
        n = _shape(a)[ax]
        if mode in _INDEX_MODES and reflect_type == "even":
            a = take(a, np.pad(np.arange(n), (lo, hi), mode=mode), ax)
        elif mode in _STAT_MODES:
            a = _pad_statistic(a, ax, lo, hi, _STAT_MODES[mode],
                               None if stat_length is None else stat_length[ax])
        elif mode == "linear_ramp":
            a = _pad_ramp(a, ax, lo, hi, end_values[ax])
        else:
            a = _pad_odd_reflection(a, ax, lo, hi, mode)
    return _strong(a)


def _pad_with_function(a, widths, func, kwargs):
    """pad with a callable mode: zero padding, then ``func`` over the 1-D slices of each axis
    (all slices at once, with ``vmap``)."""
    from fungrad.numpy.vectorizing import apply_along_axis  # vectorizing uses vmap, built later
    a = _pad_constant(a, widths, 0)
    for ax, (lo, hi) in enumerate(widths):
        n = _shape(a)[ax]
        width = (int(lo), int(hi))

        def fill(vector, ax=ax, width=width, n=n):
            name = getattr(func, "__name__", repr(func))
            out = func(vector, width, ax, kwargs)
            if out is None:
                raise TypeError(f"fungrad.numpy.pad: the mode function {name} returned "
                                "None; fungrad's arrays are immutable, so it must return the "
                                "padded vector (as in JAX), e.g. vector.at[:before].set(v)")
            out = _arr(out)
            if _shape(out) != (n,):
                raise ValueError(f"fungrad.numpy.pad: the mode function {name} must return "
                                 f"a vector of the padded length {n} along axis {ax}, got "
                                 f"{get_aval(out).str_short()}")
            return astype(out, _dtype(a))
        if _size(a) == 0:  # no element to fill (numpy calls func on no slice either)
            continue
        a = apply_along_axis(fill, ax, a)
    return a


def _per_axis_pairs(value, nd, name, a, dtype):
    """numpy's rule for per-axis (before, after) pairs: n, (n,), (before, after),
    ((b0, a0), (b1, a1), ...) or ((n0,), (n1,), ...), as an (nd, 2) array."""
    try:
        return np.broadcast_to(np.asarray(value, dtype=dtype), (nd, 2))
    except (ValueError, TypeError):
        raise ValueError(f"fungrad.numpy.pad: {name} {value!r} does not fit an array "
                         f"{get_aval(a).str_short()}") from None


def _pad_constant(a, widths, value):
    """'constant': one fill value (which may be traced) everywhere, or a (before, after)
    pair per axis, the later axes' values taking the corners, as in numpy."""
    if _traced(value) or np.ndim(value) == 0:
        if not _traced(a, value):
            return numpy_result(np.pad(a, widths, mode="constant", constant_values=value))
        return st.pad(a, astype(_arr(value), _dtype(a)), [tuple(w) for w in widths])
    values = _per_axis_pairs(value, len(widths), "constant_values", a, None)
    for ax, ((lo, hi), (before, after)) in enumerate(zip(widths, values)):
        for width, fill in ((int(lo), 0), (int(hi), 1)):
            if width:
                config = [(0, 0)] * len(widths)
                config[ax] = (width, 0) if fill == 0 else (0, width)
                a = st.pad(_arr(a), astype(_arr((before, after)[fill]), _dtype(a)), config)
    return a


def _with_sides(a, ax, lo, hi, side_block):
    """``a`` with ``side_block(side, width)`` joined before it (side 0, ``lo`` wide) and after
    it (side 1, ``hi`` wide) along ``ax``, each side only where its width is not 0."""
    before = [side_block(0, lo)] if lo else []
    after = [side_block(1, hi)] if hi else []
    return concatenate(before + [a] + after, axis=ax)


def _pad_statistic(a, ax, lo, hi, stat: str, stat_length):
    """'maximum', 'minimum', 'mean', 'median': each side repeats a statistic of the first
    (last) ``stat_length`` elements along ``ax`` (all of them when None)."""
    reduce = {"max": amax, "min": amin, "median": median, "mean": mean}[stat]
    n = _shape(a)[ax]

    def side_block(side, width):
        k = n if stat_length is None else max(1, min(int(stat_length[side]), n))
        region = _slice_along(a, ax, 0, k) if side == 0 else _slice_along(a, ax, n - k, n)
        value = reduce(region, axis=ax, keepdims=True)
        if stat in ("mean", "median") and _dtype(a).kind in "iub":  # numpy rounds them
            value = around(value)
        shape = list(_shape(a))
        shape[ax] = width
        return st.broadcast_to(astype(value, _dtype(a)), tuple(shape))
    return _with_sides(a, ax, lo, hi, side_block)


def _pad_odd_reflection(a, ax, lo, hi, mode):
    """'reflect'/'symmetric' with reflect_type='odd' (2 * edge - mirror image): a fixed
    linear map of the axis, which numpy's own padding of the identity matrix gives; it is
    applied as a product, so derivatives follow."""
    n = _shape(a)[ax]
    matrix = np.pad(np.eye(n), ((lo, hi), (0, 0)), mode=mode, reflect_type="odd")
    dtype = _dtype(a)
    work = a if dtype.kind in "fc" else astype(a, np.float64)  # exact: integer weights
    out = moveaxis(tensordot(astype(matrix, _dtype(work).type(0).real.dtype), work,
                             axes=([1], [ax])), 0, ax)
    return out if dtype.kind in "fc" else astype(around(out), dtype)


def _pad_ramp(a, ax, lo, hi, end_pair):
    """'linear_ramp': each side runs from its end value towards the edge element, computed
    step for step as numpy's ``linspace`` computes it (so integer ramps floor alike)."""
    dtype = _dtype(a)
    work = np.complex128 if dtype.kind == "c" else np.float64  # numpy's linspace dtype
    n = _shape(a)[ax]

    def side_block(side, width):
        edge = _slice_along(a, ax, 0, 1) if side == 0 else _slice_along(a, ax, n - 1, n)
        end = np.asarray(end_pair[side]).astype(work)
        delta = ew.sub(astype(edge, work), end)
        shape = [1] * _ndim(a)
        shape[ax] = width
        steps = np.arange(width, dtype=work).reshape(shape)
        step = ew.div(delta, float(width))
        # numpy's linspace scales differently when some step is exactly zero
        ramp = ew.add(ew.select(any_(ew.eq(step, 0)), ew.mul(steps / width, delta),
                                ew.mul(steps, step)), end)
        ramp = astype(floor(ramp) if dtype.kind in "iu" else ramp, dtype)
        return ramp if side == 0 else st.rev(ramp, (ax,))
    return _with_sides(a, ax, lo, hi, side_block)
