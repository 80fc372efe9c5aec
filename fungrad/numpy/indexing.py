"""Indexing: ``take``, ``take_along_axis``, ``diagonal``, ``x[idx]`` and ``x.at[idx]`` updates."""
from __future__ import annotations

import builtins
import operator

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.errors import ConcretizationTypeError
from fungrad.numpy._util import (
    _array_results, _arr, _axis, _dtype, _ndim, _not_supported, _shape, _traced,
)
from fungrad.numpy.dtypes import astype
from fungrad.numpy.reductions import sum  # noqa: F401  (the examples use it)
from fungrad.numpy.shapes import broadcast_to, ravel, reshape
from fungrad.numpy.ufuncs import (
    clip, divide, maximum, minimum, multiply, negative, power, remainder, where,
)
from fungrad.prims import structural as st
from fungrad.prims.structural import ARRAY, FungradIndexError, Indexer


def take(a, indices, axis: int | None = None, out=None, mode: str | None = None,
         unique_indices: bool = False, indices_are_sorted: bool = False, fill_value=None):
    """numpy.take with JAX's out-of-bounds modes: ``a``'s elements at integer ``indices``
    along ``axis`` (of the flattened ``a`` when None); differentiable in ``a``.

    ``mode='fill'``, the default (as in JAX), reads ``fill_value`` where an index is out of
    bounds (a negative one in ``[-n, 0)`` counts from the end): by default NaN for floats
    and complex, the most negative value for signed integers, the largest for unsigned
    ones, True for bools; it is cast to ``a``'s dtype, and its entries have zero
    derivative. ``mode='wrap'`` reduces indices modulo the axis length, ``mode='clip'``
    clamps them into ``[0, n - 1]`` (a negative index becomes 0, as in numpy);
    ``fill_value`` is ignored for both. numpy's default 'raise' is not supported (as in JAX).

    >>> take(np.array([10.0, 20.0, 30.0]), [2, 0])
    array([30., 10.])
    >>> take(np.array([10.0, 20.0, 30.0]), [3, -1])
    array([nan, 30.])
    >>> take(np.array([10.0, 20.0, 30.0]), [4, -1], mode="wrap")
    array([20., 30.])
    >>> take(np.array([10.0, 20.0, 30.0]), [3, 0], fill_value=0.0)
    array([ 0., 10.])
    """
    _not_supported("take", "out", out)
    if mode not in (None, "wrap", "clip", "fill"):
        if mode == "raise":
            raise NotImplementedError("fungrad.numpy.take: mode='raise' is not supported (as "
                                      "in JAX); the default mode='fill' reads fill_value for "
                                      "out-of-bounds indices")
        raise ValueError(f"fungrad.numpy.take: mode must be one of None, 'fill', 'wrap' or "
                         f"'clip', got {mode!r}")
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, _ndim(a), "take")
    idx = _arr(indices)
    if _dtype(idx).kind not in "iu":
        raise TypeError(f"fungrad.numpy.take: indices must be integers, got "
                        f"{get_aval(idx).str_short()}")
    items = [slice(None)] * axis + [ARRAY]
    n = _shape(a)[axis]
    if mode in ("wrap", "clip"):
        if n == 0:
            raise ValueError(f"fungrad.numpy.take: cannot {mode} indices along an axis of "
                             f"length 0 (a {get_aval(a).str_short()}, axis {axis})")
        # numpy's clip clamps a negative index to 0 (it does not count from the end)
        idx = remainder(idx, n) if mode == "wrap" else clip(idx, 0, n - 1)
        return st.gather(a, idx, indexer=Indexer.from_numpy(items))
    return _gather_filled(a, idx, axis, n, fill_value, "take")


def _gather_filled(a, idx, axis: int, n: int, fill_value, func: str):
    """``take(a, idx, axis)`` reading ``fill_value`` (JAX's default fill when None) where
    ``idx`` is outside ``[-n, n)``. Indices known to be in bounds take the plain gather."""
    indexer = Indexer.from_numpy([slice(None)] * axis + [ARRAY])
    if isinstance(idx, Tracer):
        inside = (idx >= -n) & (idx < n)
    else:
        idx = np.asarray(idx)
        inside = (idx >= -n) & (idx < n)
        if inside.all():  # the common case, fungrad's own callers' too: nothing to fill
            return st.gather(a, idx, indexer=indexer)
    if n == 0:
        raise FungradIndexError(f"fungrad.numpy.{func}: cannot take {get_aval(idx).str_short()} "
                                f"indices from an empty axis {axis} of "
                                f"{get_aval(a).str_short()} (every entry would be a fill)")
    got = st.gather(a, where(inside, idx, 0), indexer=indexer)
    dtype = _dtype(a)
    fill = astype(_arr(st.default_fill(dtype) if fill_value is None else fill_value), dtype)
    # the mask over the result: idx's axes where axis was, a's other axes broadcast
    rest = _ndim(a) - axis - 1
    inside = reshape(inside, (1,) * axis + _shape(inside) + (1,) * rest)
    return where(inside, got, fill)


def take_along_axis(arr, indices, axis: int | None = -1, mode: str | None = None,
                    fill_value=None, *, wrap_negative_indices: bool | None = None):
    """numpy.take_along_axis with JAX's out-of-bounds modes; differentiable in ``arr``.

    ``mode='fill'`` (the default, as in JAX; 'drop' is the same) reads ``fill_value``
    (NaN for floats, the dtype's extreme integer, True; see ``take``) where an index is out
    of bounds; filled entries have zero derivative. ``mode='clip'`` clamps indices into
    bounds; ``'promise_in_bounds'`` clamps too. A negative index counts from the end unless
    ``wrap_negative_indices=False`` (then it is out of bounds); left as None it wraps in every
    mode but 'promise_in_bounds', as in JAX.

    >>> x = np.array([[3.0, 1.0], [2.0, 4.0]])
    >>> take_along_axis(x, np.array([[1], [0]]), axis=1)
    array([[1.],
           [2.]])
    >>> take_along_axis(x, np.array([[5], [-1]]), axis=1)
    array([[nan],
           [ 4.]])
    >>> take_along_axis(x, np.array([[5], [-1]]), axis=1, mode="fill", fill_value=0.0)
    array([[0.],
           [4.]])
    >>> import fungrad
    >>> fungrad.grad(lambda x: sum(take_along_axis(x, np.array([[1], [1]]), axis=1)))(x)
    array([[0., 1.],
           [0., 1.]])
    """
    if mode not in _MODES:
        raise ValueError(f"fungrad.numpy.take_along_axis: mode must be one of None, "
                         f"'promise_in_bounds', 'clip', 'drop' or 'fill', got {mode!r}")
    a, grids = _along_axis(arr, indices, axis, "take_along_axis")
    if _dtype(_arr(indices)).kind not in "iu":
        raise TypeError(f"fungrad.numpy.take_along_axis: indices must be integers, got "
                        f"{get_aval(_arr(indices)).str_short()}")
    if wrap_negative_indices is None:
        wrap_negative_indices = mode != "promise_in_bounds"
    k = 0 if axis is None else _axis(axis, _ndim(a), "take_along_axis")
    n = _shape(a)[k]
    gather = Indexer([ARRAY] * len(grids))
    if mode in ("clip", "promise_in_bounds"):
        if n == 0:
            raise ValueError(f"fungrad.numpy.take_along_axis: cannot clip indices along an "
                             f"axis of length 0 (a {get_aval(a).str_short()}, axis {k})")
        i = grids[k]
        # unwrapped, a negative index is below the axis: it clamps to 0
        grids[k] = clip(where(i < 0, i + n, i) if wrap_negative_indices else i, 0, n - 1)
        return st.gather(a, *grids, indexer=gather)
    if not wrap_negative_indices:  # a negative index is then out of bounds
        grids[k] = where(grids[k] < 0, builtins.max(n, 1), grids[k])
    if not isinstance(grids[k], Tracer) and np.all((grids[k] >= -n) & (grids[k] < n)):
        return st.gather(a, *grids, indexer=gather)  # nothing to fill
    return _IndexUpdateRef(a, tuple(grids)).get(mode="fill", fill_value=fill_value)


def _along_axis(arr, indices, axis, func: str):
    """``arr`` (flattened if ``axis`` is None) and one index array per axis: ``indices``
    along ``axis``, broadcast aranges along the others."""
    a = _arr(arr)
    idx = _arr(indices)
    if axis is None:
        a, axis = ravel(a), 0
    nd = _ndim(a)
    axis = _axis(axis, nd, func)
    if _ndim(idx) != nd:
        raise ValueError(f"{func}: indices {get_aval(idx).str_short()} and arr "
                         f"{get_aval(a).str_short()} must have the same number of dimensions")
    out_shape = np.broadcast_shapes(
        tuple(d if i != axis else 1 for i, d in enumerate(_shape(a))),
        tuple(d if i != axis else 1 for i, d in enumerate(_shape(idx))))
    grids = []
    for i in range(nd):
        if i == axis:
            grids.append(idx)
        else:
            shp = [1] * nd
            shp[i] = out_shape[i]
            grids.append(np.arange(out_shape[i]).reshape(shp))
    return a, grids


@_array_results
def diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """numpy.diagonal: the diagonal goes to the last axis.

    >>> diagonal(np.arange(4.0).reshape(2, 2))
    array([0., 3.])
    """
    a = _arr(a)
    nd = _ndim(a)
    ax1, ax2 = _axis(axis1, nd, "diagonal"), _axis(axis2, nd, "diagonal")
    if ax1 == ax2:
        raise ValueError("diagonal: axis1 and axis2 cannot be the same")
    rest = [i for i in range(nd) if i not in (ax1, ax2)]
    moved = st.transpose(a, rest + [ax1, ax2])
    n1, n2 = _shape(a)[ax1], _shape(a)[ax2]
    if offset >= 0:
        n = builtins.max(0, builtins.min(n1, n2 - offset))
        rows, cols = np.arange(n), np.arange(n) + offset
    else:
        n = builtins.max(0, builtins.min(n1 + offset, n2))
        rows, cols = np.arange(n) - offset, np.arange(n)
    items = [slice(None)] * len(rest) + [ARRAY, ARRAY]
    if not isinstance(moved, Tracer):
        return np.asarray(moved)[tuple(Indexer.from_numpy(items).to_numpy([rows, cols]))]
    return st.gather(moved, rows, cols, indexer=Indexer.from_numpy(items))


class NonConcreteBooleanIndexError(IndexError, TypeError):
    """A boolean mask index whose values are traced: the result's shape would depend on
    them. An IndexError, as JAX's error of this name is, and a TypeError, as fungrad's
    errors about traced values are."""


def _index_parts(x, idx) -> tuple[Indexer, list]:
    """Split a numpy index into its static part and its index-array operands."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    items, arrays = [], []
    has_mask = False
    for it in idx:
        if it is None or it is Ellipsis:
            items.append(it)
        elif isinstance(it, slice):
            items.append(slice(*[None if p is None else operator.index(p)
                                 for p in (it.start, it.stop, it.step)]))
        elif isinstance(it, (bool, np.bool_)):
            raise NotImplementedError("fungrad: indexing with a Python bool is not supported")
        elif isinstance(it, (int, np.integer)):
            items.append(int(it))
        elif isinstance(it, Tracer):
            if it.dtype == np.bool_:
                raise NonConcreteBooleanIndexError(
                    f"Array boolean indices must be concrete; got a traced mask "
                    f"{it.aval.str_short()}. Its result shape would depend on its values: "
                    "use fungrad.numpy.where(mask, x, 0) instead.")
            if it.dtype.kind not in "iu":
                raise FungradIndexError(f"only integers, slices, None, Ellipsis and integer or "
                                        f"boolean arrays are valid indices; got "
                                        f"{it.aval.str_short()}")
            items.append(ARRAY)
            arrays.append(it)
        else:
            arr = np.asarray(it)
            if arr.dtype == np.bool_:
                items.extend([ARRAY] * builtins.max(arr.ndim, 1))
                arrays.extend(np.nonzero(arr))
                has_mask = True
            elif arr.dtype.kind in "iu":
                items.append(ARRAY)
                arrays.append(arr)
            else:
                raise FungradIndexError(
                    "only integers, slices (`:`), ellipsis (`...`), None and integer or "
                    f"boolean arrays are valid indices; got {it!r} of dtype {arr.dtype}")
    if has_mask:  # a mask's shape must match the axes it indexes: numpy checks that
        probe = np.broadcast_to(np.empty((), np.int8), _shape(x))
        try:
            probe[tuple(np.zeros(it.shape, np.intp) if isinstance(it, Tracer) else it
                        for it in idx)]
        except IndexError as e:
            raise FungradIndexError(f"boolean index does not fit the array "
                                    f"{get_aval(x).str_short()}: {e}") from None
    return Indexer.from_numpy(items), arrays


def _getitem(x, idx):
    indexer, arrays = _index_parts(x, idx)
    if isinstance(x, Tracer) or _traced(*arrays):
        return st.gather(x, *arrays, indexer=indexer)
    return np.asarray(x)[indexer.to_numpy(arrays)]


_MODES = (None, "promise_in_bounds", "clip", "drop", "fill")
_IDENTITY = ("add", "multiply", "min", "max")  # the updates a dropped entry can leave as is


def _identity(method: str, dtype):
    """The value that ``method`` combines with any x to give x back exactly: -0.0 (so
    that -0.0 stays -0.0) or False for add, 1 for multiply, the dtype's largest value
    for min and its smallest for max (complex ones order by real part first)."""
    dtype = np.dtype(dtype)
    if method == "add":
        return False if dtype == np.bool_ else (-0.0 if dtype.kind in "fc" else 0)
    if method == "multiply":
        return 1
    top = method == "min"
    if dtype == np.bool_:
        return top
    if dtype.kind in "fc":
        inf = np.inf if top else -np.inf
        return complex(inf, inf) if dtype.kind == "c" else inf
    info = np.iinfo(dtype)
    return info.max if top else info.min


class _IndexUpdateRef:
    """``x.at[idx]``: functional updates, as in JAX (returns a new array).

    Out-of-bounds integer indices follow JAX's modes: ``get()`` clamps them by default
    (``mode=None``, 'promise_in_bounds' and 'clip'), and ``mode='fill'`` (or 'drop') reads
    ``fill_value`` there (NaN, the dtype's extreme integer, True by default); the updates
    (set, add, ...) drop them by default (``mode=None``, 'promise_in_bounds', 'drop',
    'fill'), and ``mode='clip'`` clamps them. A negative index counts from the end unless
    ``wrap_negative_indices=False``, which makes it out of bounds. Filled reads and dropped
    updates have zero derivative.

    >>> import fungrad.numpy as fnp
    >>> x = fnp.arange(5)
    >>> x.at[7].get(), x.at[np.array([1, 7])].get(mode="fill", fill_value=-1)
    (np.int64(4), array([ 1, -1]))
    >>> x.at[7].set(9), x.at[7].set(9, mode="clip")
    (array([0, 1, 2, 3, 4]), array([0, 1, 2, 3, 9]))
    >>> x.at[-1].add(10, wrap_negative_indices=False)
    array([0, 1, 2, 3, 4])
    """

    __slots__ = ("x", "idx")

    def __init__(self, x, idx):
        self.x, self.idx = x, idx

    def _in_bounds(self, mode, func: str, wrap_negative_indices: bool = True):
        """``(ref, padded_axes, clamped, inside)``: ``ref``'s integer indices are all in
        bounds under JAX's ``mode`` for ``func``: clamped ('clip'), or sent to one extra slot
        appended to their axis ('fill' for get, 'drop' for updates), which the caller fills
        or slices off. Indices that are concrete and in bounds are left as they are.

        For a drop, ``clamped`` is the same index clamped into bounds (None when an axis has
        length 0) and ``inside`` lists ``(item, axis, flag)`` for each changed item: its
        position in the index, the axis of x it indexes and whether each of its entries is
        in bounds (a bool or a bool array), so that an update can be redirected to a valid
        position carrying a value that leaves it as it was (see ``_dropped``)."""
        if mode not in _MODES:
            raise ValueError(f"x.at[...].{func}: mode must be one of None, "
                             f"'promise_in_bounds', 'clip', 'drop' or 'fill', got {mode!r}")
        if func == "get":
            mode = "fill" if mode in ("fill", "drop") else "clip"
        else:
            mode = "clip" if mode == "clip" else "drop"
        idx = self.idx if isinstance(self.idx, tuple) else (self.idx,)
        shape = _shape(self.x)

        def width(it):  # how many axes of x an index item consumes
            if it is None or it is Ellipsis:
                return 0
            if not isinstance(it, (slice, Tracer)) and np.asarray(it).dtype == np.bool_:
                return builtins.max(np.ndim(it), 1)
            return 1

        low = -1 if wrap_negative_indices else 0  # the lowest valid index, per axis length
        explicit = builtins.sum(width(it) for it in idx)
        items, padded, axis, changed = [], [], 0, False
        clamped: list | None = [] if mode == "drop" else None
        inside: list = []
        for it in idx:
            if it is Ellipsis:
                axis += len(shape) - explicit
            integer = not (it is None or it is Ellipsis or isinstance(it, slice)) and \
                (it.dtype.kind in "iu" if isinstance(it, Tracer) else
                 np.asarray(it).dtype.kind in "iu")
            if not integer or axis >= len(shape):  # the indexing itself says what is wrong
                items.append(it)
                if clamped is not None:
                    clamped.append(it)
                axis += width(it)
                continue
            n = shape[axis]
            lowest = low * n
            if not isinstance(it, Tracer):
                concrete = np.asarray(it)
                if np.all((concrete >= lowest) & (concrete < n)):
                    items.append(it)  # in bounds: as it is (a negative one wraps as usual)
                    if clamped is not None:
                        clamped.append(it)
                    axis += 1
                    continue
            changed = True
            if not isinstance(it, Tracer) and np.ndim(it) == 0:
                i = operator.index(it)
                wrapped = i + n if (i < 0 and wrap_negative_indices) else i
                if mode == "clip":
                    items.append(builtins.min(builtins.max(wrapped, 0), n - 1))
                else:
                    items.append(wrapped if 0 <= wrapped < n else n)
                    flag = 0 <= wrapped < n
                    low_high = builtins.min(builtins.max(wrapped, 0), n - 1)
            else:
                it = it if isinstance(it, Tracer) else np.asarray(it)
                wrapped = where(it < 0, it + n, it) if wrap_negative_indices else it
                if mode == "clip":
                    items.append(clip(wrapped, 0, n - 1))
                else:
                    flag = (wrapped >= 0) & (wrapped < n)
                    items.append(where(flag, wrapped, n))
                    low_high = clip(wrapped, 0, n - 1)
            if mode != "clip":
                padded.append(axis)
                inside.append((len(items) - 1, axis, flag))
                if clamped is not None:
                    clamped.append(low_high)
                    if n == 0:  # nowhere to clamp to: only the padding can take them
                        clamped = None
            axis += 1
        if not changed:
            return self, [], None, []
        return (_IndexUpdateRef(self.x, tuple(items)), padded,
                None if clamped is None else _IndexUpdateRef(self.x, tuple(clamped)), inside)

    def _padded(self, padded, fill):
        from fungrad.numpy.rearranging import pad
        widths = [(0, 1 if a in padded else 0) for a in range(len(_shape(self.x)))]
        return _IndexUpdateRef(pad(_arr(self.x), widths, constant_values=fill), self.idx)

    def _update(self, method: str, mode, wrap_negative_indices: bool, *args):
        """Apply the update ``method`` under ``mode``.

        Dropped entries cost no copy of x beyond the scatter's own: an accumulating update
        (add, multiply, min, max) sends them to a clamped position with the operation's
        identity as value; the others (set, divide, power, apply) cannot (a clamped entry
        would overwrite a kept one there), so, when the indices are traced, they take the
        plain update unless some index is out of bounds at run time (a ``cond``), and only
        then the general path: out-of-bounds positions land in one padding slot per
        axis, which is then cut off."""
        ref, padded, clamped, inside = self._in_bounds(mode, method.removesuffix("_once"),
                                                       wrap_negative_indices)
        if not padded:
            return getattr(ref, "_" + method)(*args)
        if clamped is not None and method.removesuffix("_once") in _IDENTITY and not (
                method.startswith("multiply") and _dtype(self.x).kind == "c"):  # (inf+0j)*1 has NaN
            # for its imaginary part: complex products take the cond below
            return clamped._dropped(method, inside, args[0])
        if clamped is not None and _traced(*[flag for _, _, flag in inside]):
            from fungrad.control_flow import cond
            from fungrad.numpy.reductions import all as all_
            flags = [all_(flag) for _, _, flag in inside]
            every = flags[0]
            for f in flags[1:]:
                every = every & f
            # the branches take every traced value as an operand: one they closed over
            # would be computed outside the cond, both branches' work done every time
            items = [ref.idx, clamped.idx]
            traced = [it for group in items for it in group if isinstance(it, Tracer)]
            given = [a for a in args if not callable(a)]

            def branch(use_clamped):
                def run(x, *ops):
                    ops_it = iter(ops[len(given):])
                    new = [tuple(next(ops_it) if isinstance(it, Tracer) else it for it in g)
                           for g in items]
                    vals = iter(ops[:len(given)])
                    call = [a if callable(a) else next(vals) for a in args]
                    if use_clamped:
                        return getattr(_IndexUpdateRef(x, new[1]), "_" + method)(*call)
                    return _IndexUpdateRef(x, new[0])._padded_update(method, padded, *call)
                return run
            return cond(every, branch(True), branch(False), _arr(self.x), *given, *traced)
        return ref._padded_update(method, padded, *args)

    def _padded_update(self, method: str, padded, *args):
        # a padding of ones: the slot's derivatives stay finite through power, divide, a
        # sqrt or log applied (a zero there would give 0 * inf = NaN cotangents)
        out = getattr(self._padded(padded, 1), "_" + method)(*args)
        return out[tuple(slice(0, n) for n in _shape(self.x))]

    def _dropped(self, method: str, inside, values):
        """The accumulating update ``method`` at this (clamped) index, where the entries
        that ``inside`` marks out of bounds carry the operation's identity, so they leave
        their (clamped) position as it was: no padding, and no derivative flows through
        them (the values there are a constant)."""
        dtype = _dtype(self.x)
        values = astype(_arr(values), dtype)
        # the mask in the layout of x[idx]: the same index applied to a tiny array of x's
        # rank, two entries (out, in) along each changed axis and one along the others, so
        # that slices, None, Ellipsis and numpy's moves of the array axes come out alike
        idx = self.idx if isinstance(self.idx, tuple) else (self.idx,)
        changed = {item: (axis, flag) for item, axis, flag in inside}
        tiny_shape = [1] * len(_shape(self.x))
        for axis, _ in changed.values():
            tiny_shape[axis] = 2
        tiny = np.zeros(tiny_shape, np.bool_)
        tiny[tuple(tiny_shape[a] - 1 for a in range(len(tiny_shape)))] = True
        probe: list = []
        for k, it in enumerate(idx):
            if k in changed:
                flag = changed[k][1]
                probe.append(int(flag) if isinstance(flag, (bool, np.bool_)) else
                             astype(flag, np.intp))
            elif it is None or it is Ellipsis:
                probe.append(it)
            elif isinstance(it, slice):
                probe.append(slice(None))
            elif isinstance(it, Tracer):
                probe.append(np.zeros(it.shape, np.intp))
            else:
                arr = np.asarray(it)
                if arr.dtype == np.bool_:  # numpy reads a mask as its nonzero() arrays
                    count = int(np.count_nonzero(arr))
                    probe.extend([np.zeros(count, np.intp)] * builtins.max(arr.ndim, 1))
                elif arr.ndim == 0:
                    probe.append(0)
                else:
                    probe.append(np.zeros(arr.shape, np.intp))
        mask = _getitem(tiny, tuple(probe))
        kept = where(mask, values,
                     np.asarray(_identity(method.removesuffix("_once"), dtype), dtype))
        return getattr(self, "_" + method)(kept)

    def get(self, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None, fill_value=None, wrap_negative_indices: bool = True):
        """``x.at[idx].get()`` is ``x[idx]`` with out-of-bounds indices clamped (JAX's
        default); ``mode='fill'`` reads ``fill_value`` (NaN, or the dtype's extreme
        integer, by default) there instead."""
        ref, padded, _, _ = self._in_bounds(mode, "get", wrap_negative_indices)
        if padded:
            fill = st.default_fill(_dtype(self.x)) if fill_value is None else fill_value
            return _getitem(ref._padded(padded, fill).x, ref.idx)
        return _getitem(ref.x, ref.idx)

    def _get(self):
        return _getitem(self.x, self.idx)

    def set(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None, wrap_negative_indices: bool = True):
        """A copy of x with ``x[idx] = values``."""
        return self._update("set", mode, wrap_negative_indices, values)

    def _set(self, values):
        indexer, arrays = _index_parts(self.x, self.idx)
        return st.scatter(_arr(self.x), astype(_arr(values), _dtype(self.x)), *arrays,
                          indexer=indexer)

    def add(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None, wrap_negative_indices: bool = True):
        """A copy of x with ``x[idx] += values`` (repeated indices accumulate)."""
        return self._update("add", mode, wrap_negative_indices, values)

    def _add(self, values):
        indexer, arrays = _index_parts(self.x, self.idx)
        return st.scatter_add(_arr(self.x), astype(_arr(values), _dtype(self.x)), *arrays,
                              indexer=indexer)

    def subtract(self, values, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None,
            wrap_negative_indices: bool = True):
        """A copy of x with ``x[idx] -= values``."""
        return self._update("add", mode, wrap_negative_indices, negative(values))

    def multiply(self, values, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None,
            wrap_negative_indices: bool = True):
        """A copy of x with ``x[idx] *= values`` (repeated indices multiply in every value,
        as in JAX; for a traced index array the values then get no derivative unless
        ``unique_indices=True``, JAX's rule, and the same holds for ``min`` and ``max``).

        >>> import fungrad.numpy as fnp
        >>> fnp.zeros(3).at[np.array([1, 1])].add(1.0).at[np.array([1, 1])].multiply(3.0)
        array([ 0., 18.,  0.])
        """
        return self._update("multiply_once" if unique_indices else "multiply", mode,
                            wrap_negative_indices, values)

    mul = multiply  # JAX's short name for it

    def _multiply(self, values):
        return self._accumulate(multiply, values)

    def _multiply_once(self, values):
        return self._set(multiply(self._get(), values))

    def _min_once(self, values):
        return self._set(minimum(self._get(), values))

    def _max_once(self, values):
        return self._set(maximum(self._get(), values))

    def divide(self, values, *, indices_are_sorted: bool = False,
               unique_indices: bool = False, mode: str | None = None,
            wrap_negative_indices: bool = True):
        """A copy of x with ``x[idx] /= values``: a repeated index divides by every value it
        is given (by their product, as in JAX). With a traced index array that product has
        no derivative in ``values`` (JAX's rule) unless ``unique_indices=True`` promises
        that no index repeats.

        >>> import fungrad.numpy as fnp
        >>> fnp.full(3, 8.0).at[np.array([1, 1, 2])].divide(np.array([2.0, 4.0, 2.0]))
        array([8., 1., 4.])
        """
        return self._update("divide_once" if unique_indices else "divide", mode,
                            wrap_negative_indices, values)

    def _divide(self, values):
        positions = self._repeats()
        if positions is None:
            return self._divide_once(values)
        dtype = _dtype(divide(self._get(), values))
        ref = self if dtype == _dtype(self.x) else \
            _IndexUpdateRef(astype(_arr(self.x), dtype), self.idx)
        return ref._by_every_value(divide, values, positions)

    def _divide_once(self, values):
        quotient = divide(self._get(), values)
        if _dtype(quotient) != _dtype(self.x):  # integers divide to floats, as in JAX:
            # casting the quotient back would truncate it silently
            return _IndexUpdateRef(astype(_arr(self.x), _dtype(quotient)), self.idx)._set(
                quotient)
        return self._set(quotient)

    def power(self, values, *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: str | None = None,
              wrap_negative_indices: bool = True):
        """A copy of x with ``x[idx] **= values``: a repeated index is raised to the product
        of every value it is given, as in JAX (and with JAX's derivative rule for a traced
        index array, as in ``divide``).

        >>> import fungrad.numpy as fnp
        >>> fnp.full(3, 2.0).at[np.array([0, 0])].power(np.array([2.0, 3.0]))
        array([64.,  2.,  2.])
        """
        return self._update("power_once" if unique_indices else "power", mode,
                            wrap_negative_indices, values)

    def _power(self, values):
        positions = self._repeats()
        if positions is None:
            return self._power_once(values)
        return self._by_every_value(power, values, positions)

    def _power_once(self, values):
        return self._set(power(self._get(), values))

    def _by_every_value(self, op, values, positions):
        """``x[idx] = op(x[idx], p)`` with ``p`` the product of the values each position is
        given, so that a repeated index takes all of its values (``positions``: what
        ``_repeats`` found). The product is a multiply-update of ones: per occurrence (and
        differentiable) for a concrete index; for a traced index array, one scatter_combine,
        whose derivative in the values JAX does not define either. It is applied with a
        select, not a scatter of ``op(x[idx], ...)``: a repeated index there would send its
        cotangent back once per occurrence; the entries no index reaches are 1 inside ``op``
        (so ``0 ** 1`` gives no NaN derivative)."""
        dtype = _dtype(self.x)
        ones = st.broadcast_to(np.ones((), dtype), _shape(self.x))
        if positions is _TRACED:
            products = self._combine_values("multiply", values)
        else:
            products = _IndexUpdateRef(ones, self.idx)._rounds(multiply, values, positions)
        reached = self._counts() > 0
        x = _arr(self.x)
        return where(reached, astype(op(where(reached, x, ones), products), dtype), x)

    def _counts(self):
        """How many times the index reaches each entry of x (int64, x's shape)."""
        zeros = st.broadcast_to(np.zeros((), np.int64), _shape(self.x))
        return _IndexUpdateRef(zeros, self.idx)._add(1)

    def min(self, values, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | None = None,
            wrap_negative_indices: bool = True):
        """A copy of x with ``x[idx] = minimum(x[idx], values)`` (over every value a repeated
        index is given).

        >>> import fungrad.numpy as fnp
        >>> fnp.zeros(2).at[np.array([0, 0])].min(np.array([-1.0, -3.0]))
        array([-3.,  0.])
        """
        return self._update("min_once" if unique_indices else "min", mode,
                            wrap_negative_indices, values)

    def _min(self, values):
        return self._accumulate(minimum, values)

    def max(self, values, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: str | None = None,
            wrap_negative_indices: bool = True):
        """A copy of x with ``x[idx] = maximum(x[idx], values)`` (over every value a repeated
        index is given).

        >>> import fungrad.numpy as fnp
        >>> fnp.zeros(2).at[np.array([1, 1])].max(np.array([3.0, 2.0]))
        array([0., 3.])
        """
        return self._update("max_once" if unique_indices else "max", mode,
                            wrap_negative_indices, values)

    def _max(self, values):
        return self._accumulate(maximum, values)

    def apply(self, func, *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: str | None = None,
              wrap_negative_indices: bool = True):
        """A copy of x with ``x[idx] = func(x[idx])``, ``func`` elementwise and applied once
        per occurrence of an index, as in JAX (``unique_indices=True``: once per index).

        >>> import fungrad.numpy as fnp
        >>> fnp.zeros(3).at[1:].add(4.0).at[1].apply(fnp.sqrt)
        array([0., 2., 4.])
        >>> fnp.ones(3).at[np.array([0, 0, 2])].apply(lambda v: 2 * v)
        array([4., 1., 2.])
        """
        return self._update("apply_once" if unique_indices else "apply", mode,
                            wrap_negative_indices, func)

    def _apply_once(self, func):
        return self._set(func(self._get()))

    def _apply(self, func):
        # a concrete index: in rounds over distinct positions (as _accumulate). A traced
        # one: in rounds of selects over x, round k applying func where the index occurs
        # more than k times (a scatter of func(x[idx]) would send a repeated index's
        # cotangent back once per occurrence); its count is read as a guard, retraced if a
        # call needs more rounds.
        positions = self._repeats()
        if positions is None:
            return self._apply_once(func)
        if positions is not _TRACED:
            return self._rounds(lambda old, _: func(old), np.zeros((), _dtype(self.x)),
                                positions)
        counts = self._counts()
        gathered = ravel(self._get())
        if 0 in _shape(counts) or not _shape(gathered)[0]:
            return _arr(self.x)
        most = st.reduce_max(counts, tuple(range(_ndim(counts))))
        dtype = _dtype(self.x)

        def round_(k, out):
            live = counts > k
            # the entries left as they are still go through func: give it a value it is
            # applied to anyway (where a NaN derivative there would survive the select)
            return where(live, astype(func(where(live, out, gathered[0])), dtype), out)
        try:
            times = int(most)
        except ConcretizationTypeError:  # only shapes known (inside a cond's branch, say):
            from fungrad.control_flow import while_loop  # a loop in the IR
            return while_loop(lambda c: c[0] < most, lambda c: (c[0] + 1, round_(*c)),
                              (np.int64(0), _arr(self.x)))[1]
        out = _arr(self.x)
        for k in range(times):
            out = round_(k, out)
        return out

    def _combine_values(self, method: str, values):
        """Every value combined per position of x by ``method`` (multiply, min, max) in one
        scatter_combine seeded with its identity: what a traced index array, whose repeats
        no one can see, gives each position. No derivative in the values (JAX's rule)."""
        from fungrad.prims.slicing import scatter_combine
        dtype = _dtype(self.x)
        seed = st.broadcast_to(np.asarray(_identity(method, dtype), dtype), _shape(self.x))
        indexer, arrays = _index_parts(self.x, self.idx)
        given = st.broadcast_to(astype(_arr(values), dtype), _shape(self._get()))
        return scatter_combine(seed, given, arrays, indexer,
                               {"multiply": "mul"}.get(method, method))

    def _repeats(self):
        """None where no entry of x can be reached twice (the plain update is exact); else
        the flat positions ``x[idx]`` reaches (a concrete index) or ``_TRACED``."""
        positions = _flat_positions(self.x, self.idx)
        if positions is None or (positions is not _TRACED
                                 and np.unique(positions).size == positions.size):
            return None
        return positions

    def _accumulate(self, op, values):
        """``x[idx] = op(x[idx], v)`` applied once per value, so that repeated indices
        combine all of theirs. A traced index array: the values combined first
        (``_combine_values``), then ``op`` with x where the index reaches; x is
        differentiated through ``op``, the values only with ``unique_indices=True``."""
        positions = self._repeats()
        if positions is None:
            return self._set(op(self._get(), values))
        if positions is _TRACED:
            method = {multiply: "multiply", minimum: "min", maximum: "max"}[op]
            x = _arr(self.x)
            return where(self._counts() > 0, op(x, self._combine_values(method, values)), x)
        return self._rounds(op, values, positions)

    def _rounds(self, op, values, positions):
        """``x[idx] = op(x[idx], v)`` once per value at the concrete flat ``positions``: in
        rounds, each updating the k-th occurrence of every position (a set of distinct
        positions, where a gather and a scatter are exact)."""
        flat_x = ravel(_arr(self.x))
        flat_v = ravel(st.broadcast_to(astype(_arr(values), _dtype(self.x)), positions.shape))
        flat_p = positions.ravel()
        order = np.argsort(flat_p, kind="stable")
        sorted_p = flat_p[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_p)) + 1]
        rank = np.empty_like(order)
        rank[order] = np.arange(flat_p.size) - np.repeat(starts, np.diff(np.r_[starts,
                                                                             flat_p.size]))
        for k in range(int(rank.max()) + 1):
            chosen = np.flatnonzero(rank == k)
            ref = _IndexUpdateRef(flat_x, flat_p[chosen])
            flat_x = ref._set(op(ref._get(), _getitem(flat_v, chosen)))
        return flat_x.reshape(_shape(self.x))


_TRACED = object()  # _flat_positions' answer for a traced index array


def _flat_positions(x, idx):
    """The flat position in ``x`` of every element of ``x[idx]`` (None: no position can
    repeat; ``_TRACED``: a traced integer array, which could repeat values no one can see)."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    repeatable = [p for p in parts if not isinstance(p, (slice, type(None), type(Ellipsis)))
                  and np.ndim(p if not isinstance(p, Tracer) else np.empty(p.shape)) > 0]
    if not repeatable:  # ints, slices, None, Ellipsis: every position at most once
        return None
    if any(isinstance(p, Tracer) for p in parts):
        return _TRACED
    try:
        return np.arange(int(np.prod(_shape(x)))).reshape(_shape(x))[idx]
    except (IndexError, TypeError):
        return None  # not an index numpy takes: set() raises the clear error


class _IndexUpdateHelper:
    __slots__ = ("x",)

    def __init__(self, x):
        self.x = x

    def __getitem__(self, idx):
        return _IndexUpdateRef(self.x, idx)


def put_along_axis(arr, indices, values, axis: int | None, inplace: bool = True, *,
                   mode=None):
    """numpy.put_along_axis as JAX has it: arrays are immutable, so pass ``inplace=False``
    and use the returned copy. Differentiable in ``arr`` and ``values``.

    >>> put_along_axis(np.zeros((2, 2)), np.array([[1], [0]]), 5.0, axis=1, inplace=False)
    array([[0., 5.],
           [5., 0.]])
    """
    if inplace:
        raise NotImplementedError("fungrad.numpy.put_along_axis: arrays are immutable; call "
                                  "it with inplace=False and use the result, as in JAX")
    _not_supported("put_along_axis", "mode", mode)
    shape = _shape(_arr(arr))
    a, grids = _along_axis(arr, indices, axis, "put_along_axis")
    nd = len(grids)
    full = np.broadcast_shapes(*[np.shape(g) if not isinstance(g, Tracer) else _shape(g)
                                 for g in grids])
    v = broadcast_to(astype(_arr(values), _dtype(a)), full)
    out = st.scatter(a, v, *grids, indexer=Indexer([ARRAY] * nd))
    return reshape(out, shape) if _ndim(out) != len(shape) else out
