"""numpy's in-place writers as JAX has them: ``place`` and ``put`` return an updated copy.

numpy's versions modify their argument; fungrad's arrays are immutable, so, as in JAX, both
take ``inplace`` and refuse its default ``True``: passing ``inplace=False`` says the caller uses
the result. Both are differentiable in the array and in the values, and work under ``jit`` and
``vmap`` with traced masks and indices.

Both write through one flat scatter with every target position distinct, so that each value's
derivative reaches only the position it ends up in: values that numpy would overwrite (a
repeated index: the last one wins) or that have nowhere to go are sent to a spare slot past
the end, which is cut off afterwards.
"""
from __future__ import annotations

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _arr, _dtype, _shape, _size
from fungrad.numpy.dtypes import astype
from fungrad.numpy.searching import nonzero
from fungrad.numpy.shapes import ravel, reshape
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.structural import ARRAY, Indexer


def _refuse_inplace(func: str, inplace) -> None:
    if inplace:
        raise ValueError(f"fungrad.numpy.{func} cannot modify arrays in-place, because "
                         "fungrad arrays are immutable. Pass inplace=False to instead return "
                         "an updated array.")


def _cycled(values, count: int, dtype, func: str):
    """``values`` (flattened) repeated or cut to ``count`` entries, as numpy cycles them."""
    v = ravel(astype(_arr(values), dtype))
    n = _shape(v)[0]
    if n == 0:
        if count:
            raise ValueError(f"fungrad.numpy.{func}: cannot place into {count} positions "
                             f"from an empty array of values")
        return v
    return st.gather(v, np.arange(count) % n, indexer=Indexer([ARRAY]))


def _scatter_distinct(arr, positions, values):
    """``arr.ravel()`` with ``values`` written at ``positions`` (int64, distinct wherever they
    are below ``arr.size``; the others are dropped), reshaped back."""
    a = _arr(arr)
    n = _size(a)
    padded = st.concatenate([ravel(a), np.zeros(1, _dtype(a))], 0)
    written = st.scatter(padded, values, ew.minimum(positions, n), indexer=Indexer([ARRAY]))
    return reshape(st.slice_axis(written, 0, 0, n), _shape(a))


def _overwritten(idx, count: int):
    """Which entries of ``idx`` a later equal entry overwrites (numpy: the last one wins).
    After a stable sort equal indices are neighbours, in their order: all but the last of
    each run are overwritten."""
    if count == 0:
        return np.zeros(0, bool)
    order = st.argsort(idx, 0)
    ranked = st.gather(idx, order, indexer=Indexer([ARRAY]))
    repeated = ew.eq(st.slice_axis(ranked, 0, 0, count - 1), st.slice_axis(ranked, 0, 1, count))
    repeated = st.concatenate([repeated, np.zeros(1, bool)], 0)
    return st.scatter(np.zeros(count, bool), repeated, order, indexer=Indexer([ARRAY]))


def place(arr, mask, vals, *, inplace: bool = True):
    """numpy.place as JAX has it: a copy of ``arr`` whose elements where ``mask`` is true
    are ``vals``, in order, cycled as needed. Pass ``inplace=False`` (the default ``True``
    raises, as in JAX).

    >>> place(np.arange(5.0), np.arange(5) % 2 == 0, np.array([10.0, 20.0]), inplace=False)
    array([10.,  1., 20.,  3., 10.])
    """
    _refuse_inplace("place", inplace)
    a, m = _arr(arr), _arr(mask)
    if _shape(m) != _shape(a):
        raise ValueError(f"fungrad.numpy.place: mask {get_aval(m).str_short()} must have the "
                         f"shape of arr {get_aval(a).str_short()}")
    n = _size(a)
    if _size(_arr(vals)) == 0:
        if isinstance(m, Tracer) or np.any(m):
            raise ValueError("fungrad.numpy.place: cannot place into the true positions of "
                             "mask from an empty array of values")
        return a
    (positions,) = nonzero(ravel(m), size=n, fill_value=n)  # the unused ones fall off the end
    return _scatter_distinct(a, positions, _cycled(vals, n, _dtype(a), "place"))


def put(a, ind, v, mode: str | None = None, *, inplace: bool = True):
    """numpy.put as JAX has it: a copy of ``a`` with ``a.ravel()[ind] = v`` (``v`` cycled
    to the length of ``ind``; of repeated indices the last wins). ``mode`` is ``'clip'``
    (the default: negative indices count from the end, then out-of-range ones are clipped)
    or ``'wrap'``; numpy's ``'raise'`` is not supported, as in JAX. Pass ``inplace=False``.

    >>> put(np.zeros(5), np.array([0, 2, 9]), np.array([1.0, 2.0, 3.0]), inplace=False)
    array([1., 0., 2., 0., 3.])
    """
    _refuse_inplace("put", inplace)
    x, idx = _arr(a), ravel(_arr(ind))
    if _dtype(idx).kind not in "iub":
        raise TypeError(f"fungrad.numpy.put: ind must be integers, got "
                        f"{get_aval(idx).str_short()}")
    n, count = _size(x), _shape(idx)[0]
    if mode not in (None, "clip", "wrap"):
        if mode == "raise":
            raise NotImplementedError("fungrad.numpy.put: the 'raise' mode is not supported "
                                      "(as in JAX); use 'clip' or 'wrap'")
        raise ValueError(f"fungrad.numpy.put: mode must be 'clip' or 'wrap', got {mode!r}")
    if n == 0:
        if count:
            raise ValueError(f"fungrad.numpy.put: cannot put into an empty array "
                             f"{get_aval(x).str_short()}")
        return x
    idx = astype(idx, np.int64)
    if mode == "wrap":
        idx = ew.mod(idx, n)
    else:
        idx = ew.select(ew.lt(idx, 0), ew.add(idx, n), idx)
        idx = ew.maximum(ew.minimum(idx, n - 1), 0)
    positions = ew.select(_overwritten(idx, count), np.int64(n), idx)
    return _scatter_distinct(x, positions, _cycled(v, count, _dtype(x), "put"))
