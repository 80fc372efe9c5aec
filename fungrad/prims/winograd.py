"""Winograd's minimal filtering along image rows: F(4, 3) for kernels three rows high.

A 3-tap correlation gives four outputs from six inputs with six multiplies instead of twelve
(Winograd 1980; Lavin & Gray 2015, "Fast Algorithms for Convolutional Neural Networks"):

    y = A^T [(G g) * (B^T d)]        d: 6 inputs, g: 3 taps, y: 4 outputs

``B^T`` (6 x 6), ``G`` (6 x 3) and ``A^T`` (4 x 6) are fixed small matrices, the Cook-Toom
construction on the points 0, 1, -1, 2, -2 and infinity. Here the transforms run along the
image's rows only: the input's rows, six at a time with a step of four, become six
transformed row sets, and each is convolved with its transformed kernel row by an ordinary
im2col product over the channels and the kernel's columns. That is six products of depth
``C * kw`` for every four output rows where the direct im2col does four of depth ``3 * C *
kw``: half the multiplies, on products deep enough for BLAS to run near its peak (a 2-D
F(4x4, 3x3) saves more multiplies but leaves products of depth ``C`` and a transform along
the columns, whose stride-4 tiles numpy copies slowly).

Each transform is one small matrix product over a long contiguous axis and every copy
moves whole rows, a few images at a time so that the transformed values stay in the core's
cache. The transforms' entries are small integers and the kernel's are computed in float64,
so the result differs from the direct convolution's by a few float32 roundings of the
largest output (about 2e-6 of it, against 5e-7 for the direct sum).

This is an implementation choice inside ``conv_general_dilated``'s impl (``fungrad.prims.conv``,
``conv_plan``), made per shape by a measured rule (``winograd_plan``); the primitive, its
derivatives (convolutions themselves, which the same rule plans) and its batching are the
convolution's own.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict

import numpy as np
from numpy.lib.stride_tricks import as_strided

# F(4, 3) on the points 0, 1, -1, 2, -2, infinity: the rows of B^T give the six transformed
# inputs, those of G the six transformed taps, those of A^T the four outputs
B_T = np.array([[4, 0, -5, 0, 1, 0],
                [0, -4, -4, 1, 1, 0],
                [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0],
                [0, 2, -1, -2, 1, 0],
                [0, 4, 0, -5, 0, 1]], dtype=np.float64)
G = np.array([[1 / 4, 0, 0],
              [-1 / 6, -1 / 6, -1 / 6],
              [-1 / 6, 1 / 6, -1 / 6],
              [1 / 24, 1 / 12, 1 / 6],
              [1 / 24, -1 / 12, 1 / 6],
              [0, 0, 1]], dtype=np.float64)
A_T = np.array([[1, 1, 1, 1, 1, 0],
                [0, 1, -1, 2, -2, 0],
                [0, 1, 1, 4, 4, 0],
                [0, 1, -1, 8, -8, 1]], dtype=np.float64)
TILE, TAPS, POINTS = 4, 3, 6  # output rows per tile, kernel rows, input rows a tile reads

# elements of buffers (transformed inputs, patches, products) per block of images: about
# 2 MB of float32, what the measured block sizes (2-4 images of the 16 -> 32 channel 28x28
# layer) come to
BLOCK_ELEMENTS = 1 << 19
# the measured rule (float32, one core; the table is in benchmarks/results/conv.md): where
# F(4, 3) beat the direct im2col, the products were at least this deep (input features
# times kernel columns) and this wide (output features), the output at least this many rows
# and columns, and the direct product this many multiply-adds; below, the transforms' passes
# and fixed costs outweigh the multiplies saved
MIN_DEPTH = 32
MIN_OUT_FEATURES = 16
MIN_OUT_SIZE = 8
MIN_MULTIPLY_ADDS = 4_000_000


@functools.lru_cache(maxsize=512)
def winograd_plan(lhs_shape, rhs_shape, lhs_dtype, rhs_dtype, *, window_strides, padding,
                  lhs_dilation, rhs_dilation, dimension_numbers, feature_group_count,
                  batch_group_count, precision=None, preferred_element_type=None):
    """``winograd_rows`` for this convolution where F(4, 3) applies and the measured rule
    says it is faster than the direct im2col, else None. It applies to float32 NCHW
    operands and output, an ungrouped kernel three rows high (any layout), stride 1, no
    dilation and no negative padding. (The caller has checked the shapes.)

    >>> params = dict(window_strides=(1, 1), padding=((1, 1), (1, 1)), lhs_dilation=(1, 1),
    ...               rhs_dilation=(1, 1), dimension_numbers=((0, 1, 2, 3),) * 3,
    ...               feature_group_count=1, batch_group_count=1)
    >>> f32 = np.dtype(np.float32)
    >>> winograd_plan((32, 16, 28, 28), (32, 16, 3, 3), f32, f32, **params) is not None
    True
    >>> winograd_plan((2, 3, 8, 8), (4, 3, 3, 3), f32, f32, **params) is None  # too small
    True
    """
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    f32 = np.dtype(np.float32)
    if (len(lhs_shape) != 4 or tuple(lhs_spec) != (0, 1, 2, 3)
            or tuple(out_spec) != (0, 1, 2, 3)
            or np.dtype(lhs_dtype) != f32 or np.dtype(rhs_dtype) != f32
            or (preferred_element_type is not None
                and np.dtype(preferred_element_type) != f32)
            or feature_group_count != 1 or batch_group_count != 1
            or any(s != 1 for s in tuple(window_strides) + tuple(lhs_dilation)
                   + tuple(rhs_dilation))
            or any(p < 0 for pair in padding for p in pair)):
        return None
    n, c, h, w = lhs_shape
    o, _, kh, kw = (rhs_shape[a] for a in rhs_spec)
    (top, bottom), (left, right) = padding
    out_h, out_w = top + h + bottom - kh + 1, left + w + right - kw + 1
    if (kh != TAPS or c * kw < MIN_DEPTH or o < MIN_OUT_FEATURES
            or min(out_h, out_w) < MIN_OUT_SIZE
            or n * o * c * kh * kw * out_h * out_w < MIN_MULTIPLY_ADDS):
        return None
    return winograd_rows(lhs_shape, rhs_shape, padding, f32, rhs_spec)


# Each call's transformed values live in scratch arrays kept between calls (per thread, for
# the last few geometries): allocating ~3 MB of them afresh each call measured 1600 page
# faults and twice the time of the whole convolution in a process whose allocator returns
# freed memory to the system
SCRATCH_GEOMETRIES = 4
SCRATCH_KEPT_BYTES = 1 << 25  # bigger scratch (huge images) is made per call, not kept
_scratch = threading.local()


def _scratch_buffers(key, make):
    """This thread's scratch arrays for ``key``, made by ``make()`` the first time."""
    kept = getattr(_scratch, "kept", None)
    if kept is None:
        kept = _scratch.kept = OrderedDict()
    buffers = kept.pop(key, None)
    if buffers is None:
        buffers = make()
        if sum(b.nbytes for b in buffers if b.base is None) > SCRATCH_KEPT_BYTES:
            return buffers
    kept[key] = buffers
    while len(kept) > SCRATCH_GEOMETRIES:
        kept.popitem(last=False)
    return buffers


def winograd_rows(lhs_shape, rhs_shape, padding, dtype, rhs_spec=(0, 1, 2, 3)):
    """The function computing ``conv_general_dilated`` by F(4, 3) along rows, for an NCHW
    input of ``lhs_shape``, a kernel of ``rhs_shape`` (its axes (O, I, H, W) at ``rhs_spec``)
    three rows high, stride 1, no dilation and the given non-negative ``padding`` ((top,
    bottom), (left, right)), in ``dtype``. It takes the operands (any strides) and returns a
    new NCHW array.

    >>> run = winograd_rows((1, 1, 4, 3), (1, 1, 3, 1), ((1, 1), (0, 0)), np.float64)
    >>> run(np.arange(12.0).reshape(1, 1, 4, 3), np.ones((1, 1, 3, 1)))[0, 0]
    array([[ 3.,  5.,  7.],
           [ 9., 12., 15.],
           [18., 21., 24.],
           [15., 17., 19.]])
    """
    n, c, h, w = lhs_shape
    o, _, kh, kw = (rhs_shape[a] for a in rhs_spec)
    if kh != TAPS:
        raise ValueError(f"winograd_rows: the kernel must be {TAPS} rows high, got shape "
                         f"{tuple(rhs_shape)} with spec {tuple(rhs_spec)}")
    (top, bottom), (left, right) = padding
    dtype = np.dtype(dtype)
    out_h, out_w = top + h + bottom - TAPS + 1, left + w + right - kw + 1
    tiles = -(-out_h // TILE)
    rows, pitch = TILE * tiles + TAPS - 1, left + w + right  # padded rows beyond: zeros
    # each image's output rows computed as one run over whole padded rows (as the im2col
    # plan's whole-row patches): ``span`` columns, the ``pitch - out_w`` between rows dropped
    span = (tiles - 1) * pitch + out_w
    length = tiles * pitch
    per_image = POINTS * (c * length * (2 + kw) + o * length) + TILE * o * length
    block = max(1, min(n, BLOCK_ELEMENTS // per_image))
    full, rest = divmod(out_h, TILE)
    b_t, a_t = B_T.astype(dtype), A_T.astype(dtype)

    geometry = (c, h, w, o, kw, tuple(map(tuple, padding)), dtype)

    def buffers(m):
        """The scratch arrays for blocks of ``m`` images; the padded input's borders and
        the products' dropped columns stay zero from one block (and call) to the next."""
        return _scratch_buffers(geometry + (m,), lambda: make_buffers(m))

    def make_buffers(m):
        padded = np.zeros((m, c, rows, pitch), dtype)
        st = padded.strides
        gather = as_strided(padded, (POINTS, m, c, tiles, pitch),
                            (st[2], st[0], st[1], TILE * st[2], st[3]), writeable=False)
        d = np.empty((POINTS, m, c, tiles, pitch), dtype)
        v = np.empty((POINTS, m, c, length), dtype)
        sv = v.strides
        patches_view = as_strided(v, (POINTS, m, c, kw, span),
                                  (sv[0], sv[1], sv[2], sv[3], sv[3]), writeable=False)
        patches = np.empty((POINTS, m, c * kw, span), dtype)
        products = np.zeros((POINTS, m, o, length), dtype)
        y = np.empty((TILE, m, o, tiles, pitch), dtype)
        return (padded[:, :, top:top + h, left:left + w], gather, d, v, patches_view,
                patches, products, y)

    def run(lhs, rhs):
        # the kernel's rows transformed in float64: u[xi, o, (c, kw)]
        g = np.transpose(np.asarray(rhs, np.float64), rhs_spec)
        g = g.transpose(2, 0, 1, 3).reshape(TAPS, -1)
        u = (G @ g).astype(dtype).reshape(POINTS, 1, o, c * kw)
        out = np.empty((n, o, out_h, out_w), dtype)
        blocks = buffers(block)
        for start in range(0, n, block):
            m = min(block, n - start)
            if m < block:  # the last, smaller block
                blocks = buffers(m)
            inner, gather, d, v, patches_view, patches, products, y = blocks
            np.copyto(inner, lhs[start:start + m])
            np.copyto(d, gather)
            np.matmul(b_t, d.reshape(POINTS, -1), out=v.reshape(POINTS, -1))
            np.copyto(patches.reshape(patches_view.shape), patches_view)
            np.matmul(u, patches, out=products[..., :span])
            np.matmul(a_t, products.reshape(POINTS, -1), out=y.reshape(TILE, -1))
            block_out = out[start:start + m]
            if full:
                np.copyto(block_out[:, :, :TILE * full].reshape(m, o, full, TILE, out_w)
                          .transpose(3, 0, 1, 2, 4), y[:, :, :, :full, :out_w])
            if rest:
                np.copyto(block_out[:, :, TILE * full:].transpose(2, 0, 1, 3),
                          y[:rest, :, :, full, :out_w])
        return out

    run.block = block
    run.algorithm = "winograd"
    return run
