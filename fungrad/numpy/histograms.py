"""Histograms: histogram_bin_edges, histogram, histogram2d, histogramdd.

A histogram is a scatter-add: each sample's bin is found by ``searchsorted`` on the edges (the
last bin closed on the right, samples outside every bin dropped), and its weight (1 without
weights) is added there. So it works under ``jit`` and ``vmap`` with traced samples, weights
and edges; the counts are differentiable in the weights, and, with ``density``, in the edges;
edges made from the data (an integer ``bins``) are differentiable in its extremes and in
``range``. The number of bins must be concrete, as in JAX. Dtypes are numpy's: integer
counts without weights, the weights' dtype with them, float64 densities.
"""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _arr, _dtype, _ndim, _shape
from fungrad.numpy.dtypes import astype
from fungrad.numpy.joining import concatenate
from fungrad.numpy.reductions import max, min, sum  # noqa: A004
from fungrad.numpy.searching import searchsorted
from fungrad.numpy.shapes import atleast_2d, ravel, reshape
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st
from fungrad.prims.structural import ARRAY, Indexer


def _bin_count(bins, func: str) -> int:
    if isinstance(bins, Tracer):
        raise TypeError(f"fungrad.numpy.{func}: the number of bins must be a concrete "
                        f"integer (it sets the result's shape), got traced "
                        f"{bins.aval.str_short()}")
    n = operator.index(bins)
    if n < 1:
        raise ValueError(f"fungrad.numpy.{func}: bins must be a positive integer, got {n}")
    return n


def _is_count(bins) -> bool:
    return isinstance(bins, (int, np.integer)) or (
        not isinstance(bins, (list, tuple)) and _ndim(_arr(bins)) == 0 and
        _dtype(_arr(bins)).kind in "iu")


def _uniform_edges(a, n: int, range, func: str, as_histogram: bool = True):
    """``n + 1`` equal bins over ``range`` (default: ``a``'s extremes; a width-0 range
    widened by 1/2 each way), computed as numpy's ``linspace`` does: ``k * step + first``,
    with the last edge exactly ``last``. ``histogramdd`` keeps linspace's dtype (not
    ``as_histogram``), which ``histogram`` casts to the samples' inexact dtype."""
    if range is None:
        if _shape(a)[0] == 0:
            first, last = 0.0, 1.0
        else:
            first, last = min(a), max(a)
    else:
        if len(range) != 2:
            raise ValueError(f"fungrad.numpy.{func}: range must be a pair (min, max), got "
                             f"{range!r}")
        first, last = range
        if not isinstance(first, Tracer) and not isinstance(last, Tracer):
            if not (np.isfinite(first) and np.isfinite(last)):
                raise ValueError(f"fungrad.numpy.{func}: range {range!r} is not finite")
            if first > last:
                raise ValueError(f"fungrad.numpy.{func}: max must be larger than min in the "
                                 f"range parameter, got {range!r}")
    # numpy's edges have dtype result_type(first, last, a) (Python numbers weak), made
    # inexact, but linspace computes them in result_type(first, last, 1.0) with Python
    # numbers strong: float64 for a Python range, even over float32 data
    dtype = np.result_type(*[f if isinstance(f, (int, float)) else np.empty(0, _dtype(f))
                             for f in (first, last)], np.empty(0, _dtype(a)))
    if dtype.kind in "biu":
        dtype = np.dtype(np.float64)
    compute = np.result_type(_dtype(_arr(first)), _dtype(_arr(last)), 1.0)
    first, last = astype(_arr(first), compute), astype(_arr(last), compute)
    same = ew.eq(first, last)
    first = ew.select(same, ew.sub(first, 0.5), first)
    last = ew.select(same, ew.add(last, 0.5), last)
    step = ew.div(ew.sub(last, first), np.asarray(n, compute))
    inner = ew.add(ew.mul(np.arange(n, dtype=compute), step), first)
    edges = concatenate([inner, reshape(last, (1,))])
    return astype(edges, dtype) if as_histogram else edges


def _edges(a, bins, range, func: str, as_histogram: bool = True):
    """The bin edges for the 1-D samples ``a``: ``bins`` itself when it is a sequence."""
    if isinstance(bins, str):
        raise NotImplementedError(f"fungrad.numpy.{func}: string values of bins ({bins!r}) "
                                  "are not supported (as in JAX); give a count or the edges")
    if _is_count(bins):
        return _uniform_edges(a, _bin_count(bins, func), range, func, as_histogram)
    edges = _arr(bins)
    if _ndim(edges) != 1 or _shape(edges)[0] < 2:
        raise ValueError(f"fungrad.numpy.{func}: bins must be a positive integer or a 1-D "
                         f"array of at least 2 edges, got {get_aval(edges).str_short()}")
    if not isinstance(edges, Tracer) and np.any(np.diff(np.asarray(edges)) < 0):
        raise ValueError(f"fungrad.numpy.{func}: bins must increase monotonically")
    return edges


def _bin_index(x, edges):
    """The bin of each sample (0 .. nbins - 1, the last bin closed), or ``nbins`` for the
    samples outside every bin (and NaNs)."""
    nbins = _shape(edges)[0] - 1
    idx = ew.sub(searchsorted(edges, x, "right"), 1)
    idx = ew.select(ew.eq(x, st.slice_axis(edges, 0, nbins, nbins + 1)[0]), nbins - 1, idx)
    return ew.select(ew.lt(idx, 0), nbins, idx)  # past the last edge (or NaN): nbins


def _counts(idx, size: int, weights, shape, func: str):
    """The sum of the weights (1 each without them) landing in each of ``size`` bins; the
    index ``size`` collects the dropped samples and is cut off."""
    if weights is None:
        w, dtype = np.ones((), np.int64), np.dtype(np.int64)
    else:
        w = _arr(weights)
        if _shape(w) != shape:
            raise ValueError(f"fungrad.numpy.{func}: weights {get_aval(w).str_short()} "
                             f"must have the samples' shape {shape}")
        dtype = _dtype(w)
        w = ravel(w if dtype.kind == "c" else astype(w, np.float64))  # summed as numpy does
    total = st.scatter_add(np.zeros(size + 1, _dtype(w)), w, idx, indexer=Indexer([ARRAY]))
    return astype(st.slice_axis(total, 0, 0, size), dtype)


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    """numpy.histogram_bin_edges: the edges ``histogram`` would use. An integer ``bins``
    gives that many equal bins over ``range`` (default: the data's extremes).

    >>> histogram_bin_edges(np.array([1.0, 2.0, 5.0]), bins=4)
    array([1., 2., 3., 4., 5.])
    """
    return _edges(ravel(_arr(a)), bins, range, "histogram_bin_edges")


def histogram(a, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """numpy.histogram: ``(counts, bin_edges)`` of the flattened ``a``. The last bin
    includes its right edge; samples outside the bins are not counted. ``density`` divides
    by the total and the bin widths.

    >>> histogram(np.array([1.0, 2.0, 2.0, 3.0, 5.0]), bins=2)
    (array([3, 2]), array([1., 3., 5.]))
    >>> histogram(np.array([1.0, 2.0, 5.0]), bins=np.array([0.0, 2.0, 6.0]),
    ...           weights=np.array([0.5, 1.0, 2.0]))
    (array([0.5, 3. ]), array([0., 2., 6.]))
    """
    a = ravel(_arr(a))
    edges = _edges(a, bins, range, "histogram")
    nbins = _shape(edges)[0] - 1
    counts = _counts(_bin_index(a, edges), nbins, weights if weights is None else
                     ravel(_arr(weights)), _shape(a), "histogram")
    if density:
        widths = astype(ew.sub(st.slice_axis(edges, 0, 1, nbins + 1),
                               st.slice_axis(edges, 0, 0, nbins)), np.float64)
        counts = ew.div(ew.div(counts, widths), sum(counts))
    return counts, edges


def histogramdd(sample, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """numpy.histogramdd: ``(counts, [edges per dimension])`` of ``N`` samples in ``D``
    dimensions (``sample`` of shape ``(N, D)``; 1-D means ``D = 1``). ``bins`` is a count,
    or one count or edge array per dimension; ``range`` one pair (or None) per dimension.
    The counts are float64, as numpy's.

    >>> counts, edges = histogramdd(np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]), bins=2)
    >>> counts
    array([[1., 0.],
           [1., 1.]])
    """
    if isinstance(sample, (list, tuple)):  # a sequence of 1-D arrays, one per dimension
        s = st.transpose(atleast_2d(_arr(sample)), (1, 0))
    else:
        s = _arr(sample)
        if _ndim(s) == 1:
            s = reshape(s, (-1, 1))
    if _ndim(s) != 2:
        raise ValueError(f"fungrad.numpy.histogramdd: sample must be (N, D), got "
                         f"{get_aval(s).str_short()}")
    n, d = _shape(s)
    per_dim = [bins] * d if _is_count(bins) else list(bins)
    if len(per_dim) != d:
        raise ValueError(f"fungrad.numpy.histogramdd: bins has {len(per_dim)} entries for "
                         f"{d} dimensions")
    ranges = [None] * d if range is None else list(range)
    if len(ranges) != d:
        raise ValueError(f"fungrad.numpy.histogramdd: range has {len(ranges)} entries for "
                         f"{d} dimensions")
    columns = [st.slice_axis(s, 1, i, i + 1)[:, 0] for i in builtins.range(d)]
    edges, flat, sizes = [], np.zeros((), np.int64), []
    for x, b, r in zip(columns, per_dim, ranges):
        e = _edges(x, b, r, "histogramdd", as_histogram=False)
        nb = _shape(e)[0] - 1
        idx = _bin_index(x, e)
        # bin nb means "dropped": it must survive the combination into one flat index
        flat = ew.select(ew.logical_or(ew.eq(flat, -1), ew.eq(idx, nb)), -1,
                         ew.add(ew.mul(flat, nb), idx))
        edges.append(e)
        sizes.append(nb)
    total = int(math.prod(sizes))
    flat = ew.select(ew.eq(flat, -1), total, flat)
    w = weights
    if w is not None:
        if _dtype(_arr(w)).kind == "c":
            raise TypeError(f"fungrad.numpy.histogramdd: weights must be real (the counts "
                            f"are float64), got {get_aval(_arr(w)).str_short()}")
        w = astype(_arr(w), np.float64)
    counts = astype(_counts(flat, total, w, (n,), "histogramdd"), np.float64)
    counts = reshape(counts, tuple(sizes))
    if density:
        whole = sum(counts)
        for i, e in enumerate(edges):
            shape = [1] * d
            shape[i] = sizes[i]
            widths = ew.sub(st.slice_axis(e, 0, 1, sizes[i] + 1), st.slice_axis(e, 0, 0, sizes[i]))
            counts = ew.div(counts, reshape(astype(widths, np.float64), tuple(shape)))
        counts = ew.div(counts, whole)
    return counts, edges


def histogram2d(x, y, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """numpy.histogram2d: ``(counts, xedges, yedges)`` of the points ``(x[i], y[i])``;
    ``bins`` is a count, ``[nx, ny]``, one edge array for both or ``[xedges, yedges]``.

    >>> counts, xe, ye = histogram2d(np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0, 0.0]),
    ...                              bins=2)
    >>> counts
    array([[1., 0.],
           [1., 1.]])
    """
    x, y = _arr(x), _arr(y)
    if _ndim(x) != 1 or _shape(x) != _shape(y):
        raise ValueError(f"fungrad.numpy.histogram2d: x and y must be 1-D of one length, got "
                         f"{get_aval(x).str_short()} and {get_aval(y).str_short()}")
    if not _is_count(bins) and not (isinstance(bins, (list, tuple)) and len(bins) == 2):
        bins = [bins, bins]  # one edge array for both
    sample = st.concatenate([reshape(x, (-1, 1)), reshape(y, (-1, 1))], 1)
    counts, (xedges, yedges) = histogramdd(sample, bins, range, weights, density)
    return counts, xedges, yedges
