"""Convolution: ``conv_general_dilated``, XLA's one convolution, and its rules.

One primitive covers every convolution JAX offers: any number of spatial dimensions, any
layout (``dimension_numbers``), strides, explicit padding (negative too), input ("lhs") and
kernel ("rhs") dilation, feature groups (depthwise convolutions) and batch groups (which the
kernel's gradient of a grouped convolution needs).

The numpy implementation is an im2col: the padded input's windows, a strided view, are
copied once into a patch matrix and contracted with the kernel by one ``matmul`` (BLAS); no
Python loop touches a pixel. An ungrouped convolution is planned once per shapes, dtypes
and params (``im2col_plan``, which ``jit`` calls directly): the patch matrix is laid out in
the order that copies fastest from the operand's own layout and the product lands in the
output's layout, so NHWC and NCHW alike skip the transposes to a canonical layout. Where the
product is one per image, each image's patches are copied into a buffer the product reads
from the cache, each patch row one run over whole input rows (the output computed on the
padded width, its extra columns dropped). The result is always a fresh array, so under
``jit`` a bias add writes over it. For float32 kernels three rows high at stride 1,
``conv_plan`` chooses Winograd's F(4, 3) along the rows instead (``fungrad.prims.winograd``:
half the multiplies) where a measured rule says it is faster. Grouped convolutions take the
general path (``_conv_general``). The
derivatives are convolutions again, as in JAX: the convolution is linear in each operand, the input's
cotangent is the output's cotangent convolved with the flipped kernel (the forward stride
becoming an input dilation), and the kernel's cotangent is the input convolved with the
output's cotangent (batch and feature roles exchanged). So derivatives of every order, and
``vmap`` of them, are convolutions too.
"""
from __future__ import annotations

import functools
import math
from typing import NamedTuple, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from fungrad.core import ShapedArray, bind
from fungrad.prims.rules import defjvp, defvjp, primitive, probe_value
from fungrad.prims.structural import reshape, rev, transpose
from fungrad.prims.winograd import winograd_plan
from fungrad.trace_keys import register_plain_param_type


@register_plain_param_type  # the backward cache keys a conv by its layout
class ConvDimensionNumbers(NamedTuple):
    """Where the batch, feature and spatial axes of each operand are: ``lhs_spec`` is
    (batch, feature, spatial...), ``rhs_spec`` (out feature, in feature, spatial...),
    ``out_spec`` (batch, feature, spatial...), as axis indices.

    >>> ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2)).lhs_spec
    (0, 3, 1, 2)
    """
    lhs_spec: tuple
    rhs_spec: tuple
    out_spec: tuple


def _spec_from_string(name: str, spec: str, first: str, second: str, spatial: str) -> tuple:
    """Axis indices (``first``, ``second``, spatial in the kernel's order) of a layout string
    such as ``'NHWC'``."""
    return (spec.index(first), spec.index(second)) + tuple(spec.index(c) for c in spatial)


def conv_dimension_numbers(lhs_shape: Sequence[int], rhs_shape: Sequence[int],
                           dimension_numbers) -> ConvDimensionNumbers:
    """The ``ConvDimensionNumbers`` for operands of these shapes: ``dimension_numbers`` may be
    None (the ``NCHW``/``OIHW`` layout, any rank), a triple of layout strings such as
    ``('NHWC', 'HWIO', 'NHWC')`` or a ``ConvDimensionNumbers``.

    >>> conv_dimension_numbers((1, 5, 5, 3), (2, 2, 3, 4), ('NHWC', 'HWIO', 'NHWC'))
    ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    """
    nd = len(lhs_shape)
    if len(rhs_shape) != nd:
        raise TypeError(f"conv_general_dilated: lhs and rhs must have the same rank, got "
                        f"shapes {tuple(lhs_shape)} and {tuple(rhs_shape)}")
    if nd < 2:
        raise TypeError(f"conv_general_dilated: operands need at least a batch and a feature "
                        f"axis, got rank {nd} (shape {tuple(lhs_shape)})")
    if dimension_numbers is None:
        default = tuple(range(nd))
        return ConvDimensionNumbers(default, default, default)
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        specs = dimension_numbers
    elif isinstance(dimension_numbers, (tuple, list)) and len(dimension_numbers) == 3 and \
            all(isinstance(s, str) for s in dimension_numbers):
        lhs, rhs, out = dimension_numbers
        for what, s, pair in (("lhs", lhs, "NC"), ("rhs", rhs, "OI"), ("out", out, "NC")):
            if len(s) != nd or len(set(s)) != nd or any(c not in s for c in pair):
                raise TypeError(f"conv_general_dilated: the {what} layout {s!r} must name "
                                f"{nd} distinct axes including {pair[0]!r} and {pair[1]!r}")
        spatial = "".join(c for c in rhs if c not in "OI")
        for what, s in (("lhs", lhs), ("out", out)):
            if sorted(c for c in s if c not in "NC") != sorted(spatial):
                raise TypeError(f"conv_general_dilated: the {what} layout {s!r} and the rhs "
                                f"layout {rhs!r} must name the same spatial axes")
        specs = ConvDimensionNumbers(_spec_from_string("lhs", lhs, "N", "C", spatial),
                                     _spec_from_string("rhs", rhs, "O", "I", spatial),
                                     _spec_from_string("out", out, "N", "C", spatial))
    elif isinstance(dimension_numbers, (tuple, list)) and len(dimension_numbers) == 3:
        specs = ConvDimensionNumbers(*(tuple(int(d) for d in s) for s in dimension_numbers))
    else:
        raise TypeError("conv_general_dilated: dimension_numbers must be None, a "
                        "ConvDimensionNumbers or three layout strings such as "
                        f"('NCHW', 'OIHW', 'NCHW'), got {dimension_numbers!r}")
    for what, spec in zip(("lhs", "rhs", "out"), specs):
        if sorted(spec) != list(range(nd)):
            raise TypeError(f"conv_general_dilated: dimension_numbers {what} spec {spec} is "
                            f"not a permutation of the {nd} axes")
    return ConvDimensionNumbers(*(tuple(int(d) for d in s) for s in specs))


def dilate_dim(d: int, dilation: int) -> int:
    """The size of ``d`` elements with ``dilation - 1`` holes between neighbours."""
    return 0 if d == 0 else 1 + dilation * (d - 1)


def padtype_to_pads(in_shape, window_shape, window_strides, padding: str) -> tuple:
    """Explicit (low, high) padding for ``'SAME'``, ``'SAME_LOWER'`` or ``'VALID'``.

    ``'SAME'`` pads so the output has ``ceil(in / stride)`` elements, the odd element at the
    end; ``'SAME_LOWER'`` puts it at the start.

    >>> padtype_to_pads((5, 6), (3, 2), (1, 2), 'SAME')
    ((1, 1), (0, 0))
    """
    kind = padding.upper()
    if kind == "VALID":
        return tuple((0, 0) for _ in in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise ValueError(f"padding must be 'SAME', 'SAME_LOWER', 'VALID' or a sequence of "
                         f"(low, high) pairs, got {padding!r}")
    pads = []
    for d, k, s in zip(in_shape, window_shape, window_strides):
        out = -(-d // s)
        total = max((out - 1) * s + k - d, 0)
        small = total // 2
        pads.append((small, total - small) if kind == "SAME" else (total - small, small))
    return tuple(pads)


# ----------------------------------------------------------------------------- shape rule
def _conv_abstract(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                   dimension_numbers, feature_group_count, batch_group_count,
                   precision=None, preferred_element_type=None):
    name = "conv_general_dilated"
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    if lhs.ndim != len(lhs_spec) or rhs.ndim != len(rhs_spec):
        raise TypeError(f"{name}: operands {lhs.str_short()} and {rhs.str_short()} do not "
                        f"match the dimension numbers {dimension_numbers}")
    for a in (lhs, rhs):
        if a.dtype.kind not in "iufc":
            raise TypeError(f"{name}: operands must be numeric, got {lhs.str_short()} and "
                            f"{rhs.str_short()}")
    nsp = lhs.ndim - 2
    for what, v in (("window_strides", window_strides), ("lhs_dilation", lhs_dilation),
                    ("rhs_dilation", rhs_dilation)):
        if len(v) != nsp or any(d < 1 for d in v):
            raise ValueError(f"{name}: {what} must be {nsp} positive integers (one per "
                             f"spatial axis), got {v}")
    if len(padding) != nsp:
        raise ValueError(f"{name}: padding must have {nsp} (low, high) pairs, got {padding}")
    n, c = lhs.shape[lhs_spec[0]], lhs.shape[lhs_spec[1]]
    o, i = rhs.shape[rhs_spec[0]], rhs.shape[rhs_spec[1]]
    g, b = feature_group_count, batch_group_count
    if g < 1 or b < 1 or (g > 1 and b > 1):
        raise ValueError(f"{name}: feature_group_count ({g}) and batch_group_count ({b}) "
                         "must be positive, and at most one of them above 1")
    if c != i * g:
        raise ValueError(f"{name}: the lhs feature size ({c}, of {lhs.str_short()}) must be "
                         f"the rhs input feature size ({i}, of {rhs.str_short()}) times "
                         f"feature_group_count ({g})")
    if o % g or o % b:
        raise ValueError(f"{name}: the rhs output feature size ({o}, of {rhs.str_short()}) "
                         f"must be a multiple of feature_group_count ({g}) and "
                         f"batch_group_count ({b})")
    if n % b:
        raise ValueError(f"{name}: the lhs batch size ({n}, of {lhs.str_short()}) must be a "
                         f"multiple of batch_group_count ({b})")
    spatial = []
    for k in range(nsp):
        d = dilate_dim(lhs.shape[lhs_spec[2 + k]], lhs_dilation[k])
        padded = d + padding[k][0] + padding[k][1]
        window = dilate_dim(rhs.shape[rhs_spec[2 + k]], rhs_dilation[k])
        spatial.append(max(0, (padded - window) // window_strides[k] + 1)
                       if padded >= window else 0)
    canonical = (n // b, o) + tuple(spatial)
    shape = [0] * lhs.ndim
    for axis, size in zip(out_spec, canonical):
        shape[axis] = size
    if preferred_element_type is not None:
        dtype = np.dtype(preferred_element_type)
    else:
        dtype = np.multiply(probe_value(lhs), probe_value(rhs)).dtype
    return ShapedArray(tuple(shape), dtype)


# ----------------------------------------------------------------------------- numpy impl
def _dilate_and_pad(x: np.ndarray, lhs_dilation, padding) -> np.ndarray:
    """The spatial axes (2, 3, ...) of ``x`` dilated, then padded with zeros (negative
    padding crops)."""
    if all(d == 1 for d in lhs_dilation) and all(lo == hi == 0 for lo, hi in padding):
        return x
    sizes = [dilate_dim(d, k) for d, k in zip(x.shape[2:], lhs_dilation)]
    grown = [max(lo, 0) + s + max(hi, 0) for s, (lo, hi) in zip(sizes, padding)]
    out = np.zeros(x.shape[:2] + tuple(grown), x.dtype)
    where = tuple(slice(max(lo, 0), max(lo, 0) + s, k)
                  for s, (lo, hi), k in zip(sizes, padding, lhs_dilation))
    out[(slice(None), slice(None)) + where] = x
    crop = tuple(slice(-min(lo, 0), g - (-min(hi, 0))) for g, (lo, hi) in zip(grown, padding))
    return out[(slice(None), slice(None)) + crop]


def _conv_impl(lhs, rhs, **params):
    lhs, rhs = np.asarray(lhs), np.asarray(rhs)
    plan = conv_plan(lhs.shape, rhs.shape, lhs.dtype, rhs.dtype, **params)
    if plan is not None:
        return plan(lhs, rhs)
    return _conv_general(lhs, rhs, **params)


def _conv_general(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                  dimension_numbers, feature_group_count, batch_group_count,
                  precision=None, preferred_element_type=None):
    """Every convolution, groups included: both operands moved to the canonical layout,
    windows copied into one patch matrix per group and contracted by a batched matmul."""
    lhs, rhs = np.asarray(lhs), np.asarray(rhs)
    params = dict(window_strides=window_strides, padding=padding, lhs_dilation=lhs_dilation,
                  rhs_dilation=rhs_dilation, dimension_numbers=dimension_numbers,
                  feature_group_count=feature_group_count,
                  batch_group_count=batch_group_count,
                  preferred_element_type=preferred_element_type)
    out_aval = _conv_abstract(ShapedArray(lhs.shape, lhs.dtype),
                              ShapedArray(rhs.shape, rhs.dtype), **params)
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    dtype = out_aval.dtype
    # the canonical layout: lhs (N, C, spatial...), rhs (O, I, kernel...), out (N, O, ...)
    x = np.transpose(lhs, lhs_spec).astype(dtype, copy=False)
    w = np.transpose(rhs, rhs_spec).astype(dtype, copy=False)
    canonical_out = tuple(out_aval.shape[a] for a in out_spec)
    nsp = x.ndim - 2
    out_sp = canonical_out[2:]
    kernel = w.shape[2:]
    if 0 in canonical_out or 0 in kernel or x.shape[1] == 0:
        return np.zeros(out_aval.shape, dtype)
    x = _dilate_and_pad(x, lhs_dilation, padding)
    window = tuple(dilate_dim(k, d) for k, d in zip(kernel, rhs_dilation))
    views = sliding_window_view(x, window, axis=tuple(range(2, 2 + nsp)))
    # (N, C, positions..., window...): every stride-th position, every dilation-th tap
    views = views[(slice(None), slice(None))
                  + tuple(slice(0, o * s, s) for o, s in zip(out_sp, window_strides))
                  + tuple(slice(None, None, d) for d in rhs_dilation)]
    out = _contract(views, w, feature_group_count, batch_group_count)
    out = out.reshape(canonical_out)
    return np.transpose(out, np.argsort(out_spec))


def _contract(views: np.ndarray, w: np.ndarray, groups: int, batch_groups: int) -> np.ndarray:
    """``out[n, o, l] = sum_{c, k} views[n, c, l, k] w[o, c, k]`` within each group, as a
    batched matmul over one patch matrix. Returns (N / batch_groups, O, L) with the
    positions L flattened."""
    n, c = views.shape[:2]
    nsp = (views.ndim - 2) // 2
    positions = math.prod(views.shape[2:2 + nsp])
    taps = math.prod(views.shape[2 + nsp:])
    o = w.shape[0]
    b, g = batch_groups, groups
    nb, cg, og = n // b, c // g, o // (b * g)
    split = views.reshape((b, nb, g, cg) + views.shape[2:])
    sp = tuple(range(4, 4 + nsp))
    kp = tuple(range(4 + nsp, 4 + 2 * nsp))
    w_groups = w.reshape(b, g, og, cg * taps)
    if positions >= taps:
        # patches (B, Nb, G, Cg*K, L): the copy runs along the last position axis, and each
        # example is one (Og x CgK) @ (CgK x L) product
        patches = np.ascontiguousarray(split.transpose((0, 1, 2, 3) + kp + sp))
        if b == 1 and g == 1:  # the common case: a plain (O x CK) @ (N, CK, L) batch
            patches = patches.reshape(nb, cg * taps, positions)
            return np.matmul(np.ascontiguousarray(w_groups[0, 0]), patches)
        patches = patches.reshape(b, nb, g, cg * taps, positions)
        out = np.matmul(w_groups[:, None], patches)            # (B, Nb, G, Og, L)
        return out.transpose(1, 0, 2, 3, 4).reshape(nb, o, positions)
    # few positions and big windows (the kernel's gradient): patches (B, G, Nb*L, Cg*K),
    # the copy running along the window, one tall (Nb*L x CgK) @ (CgK x Og) per group
    patches = np.ascontiguousarray(split.transpose((0, 2, 1) + sp + (3,) + kp))
    patches = patches.reshape(b, g, nb * positions, cg * taps)
    out = np.matmul(patches, w_groups.transpose(0, 1, 3, 2))    # (B, G, Nb*L, Og)
    out = out.reshape(b, g, nb, positions, og)
    return out.transpose(2, 0, 1, 4, 3).reshape(nb, o, positions)



# ----------------------------------------------------------------------------- planned im2col
# An ungrouped convolution is one matrix product: the patch matrix (the windows of the padded
# input, one row per output position) times the kernel as a matrix. Its axes take five roles:
# the kept ones, b (batch) and p (output positions), the contracted ones, f (input features)
# and k (kernel taps), and the kernel's own, o (output features). The plan below is made once
# per shapes, dtypes and params: it lays the patch matrix out in the order that copies fastest
# from wherever the operand keeps its axes (the channels of NHWC innermost, the image rows of
# NCHW) and makes the product land in the output's own layout, so neither operand is
# transposed to a canonical layout and back.

def _coalesced_run(axes) -> tuple:
    """(elements per contiguous run, whether the run has unit stride) when copying a strided
    view of these (size, stride) axes in row-major order."""
    axes = [(n, s) for n, s in axes if n != 1]
    if not axes:
        return 1, True
    run, inner = axes[-1]
    unit = inner == 1
    for n, s in reversed(axes[:-1]):
        if s != inner * run:
            break
        run *= n
    return run, unit


def _copy_cost(axes) -> float:
    """A rough cost (in element copies) of copying a strided view of these axes into a
    contiguous array: every element, slower off unit stride, plus a fixed cost per run."""
    size = math.prod(n for n, _ in axes)
    run, unit = _coalesced_run(axes)
    return size * (1.0 if unit else 2.0) + 10.0 * size / run


def _c_strides(shape) -> list:
    strides, step = [0] * len(shape), 1
    for axis in range(len(shape) - 1, -1, -1):
        strides[axis] = step
        step *= shape[axis]
    return strides


@functools.lru_cache(maxsize=512)
def im2col_plan(lhs_shape, rhs_shape, lhs_dtype, rhs_dtype, *, window_strides, padding,
                lhs_dilation, rhs_dilation, dimension_numbers, feature_group_count,
                batch_group_count, precision=None, preferred_element_type=None):
    """The function computing this ungrouped convolution (its operands' shapes and dtypes and
    its params fixed) as one patch copy and one matrix product; None for feature or batch
    groups (the general path). Raises the shape rule's errors.

    >>> dn = conv_dimension_numbers((2, 5, 5, 3), (3, 3, 3, 4), ('NHWC', 'HWIO', 'NHWC'))
    >>> run = im2col_plan((2, 5, 5, 3), (3, 3, 3, 4), np.dtype('float32'),
    ...                   np.dtype('float32'), window_strides=(1, 1), padding=((1, 1), (1, 1)),
    ...                   lhs_dilation=(1, 1), rhs_dilation=(1, 1), dimension_numbers=dn,
    ...                   feature_group_count=1, batch_group_count=1)
    >>> y = run(np.ones((2, 5, 5, 3), np.float32), np.ones((3, 3, 3, 4), np.float32))
    >>> y.shape, y.dtype, y[0, 0, 0, 0], y[0, 2, 2, 0]
    ((2, 5, 5, 4), dtype('float32'), np.float32(12.0), np.float32(27.0))
    """
    if feature_group_count != 1 or batch_group_count != 1:
        return None
    params = dict(window_strides=window_strides, padding=padding, lhs_dilation=lhs_dilation,
                  rhs_dilation=rhs_dilation, dimension_numbers=dimension_numbers,
                  feature_group_count=1, batch_group_count=1,
                  preferred_element_type=preferred_element_type)
    out_aval = _conv_abstract(ShapedArray(tuple(lhs_shape), lhs_dtype),
                              ShapedArray(tuple(rhs_shape), rhs_dtype), **params)
    dtype, out_shape = out_aval.dtype, out_aval.shape
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    nd, nsp = len(lhs_shape), len(lhs_shape) - 2
    kernel = tuple(rhs_shape[a] for a in rhs_spec[2:])
    if 0 in out_shape or 0 in kernel or lhs_shape[lhs_spec[1]] == 0:
        return lambda lhs, rhs: np.zeros(out_shape, dtype)

    # the input padded and dilated in its own layout (holes and padding zero, negative
    # padding cropping)
    grown, interior, crop = list(lhs_shape), [slice(None)] * nd, [slice(None)] * nd
    for i, axis in enumerate(lhs_spec[2:]):
        (lo, hi), d = padding[i], dilate_dim(lhs_shape[axis], lhs_dilation[i])
        grown[axis] = max(lo, 0) + d + max(hi, 0)
        interior[axis] = slice(max(lo, 0), max(lo, 0) + d, lhs_dilation[i])
        crop[axis] = slice(-min(lo, 0), grown[axis] + min(hi, 0))
    needs_pad = any(d != 1 for d in lhs_dilation) or any(p != (0, 0) for p in padding)
    cropped = needs_pad and any(lo < 0 or hi < 0 for lo, hi in padding)
    grown, interior, crop = tuple(grown), tuple(interior), tuple(crop)

    # each role: (size, operand axis, stride multiplier); the patch view is made of them
    out_sp = tuple(out_shape[a] for a in out_spec[2:])
    roles = {"b": (lhs_shape[lhs_spec[0]], lhs_spec[0], 1),
             "f": (lhs_shape[lhs_spec[1]], lhs_spec[1], 1)}
    for i, axis in enumerate(lhs_spec[2:]):
        roles[f"p{i}"] = (out_sp[i], axis, window_strides[i])
        roles[f"k{i}"] = (kernel[i], axis, rhs_dilation[i])
    sizes = {r: n for r, (n, _, _) in roles.items()}
    sizes["o"] = rhs_shape[rhs_spec[0]]
    source = _c_strides(grown)
    stride = {r: source[axis] * step for r, (_, axis, step) in roles.items()}

    def by_source(names):  # outermost first, as the operand holds them
        return sorted(names, key=lambda r: (sizes[r] != 1, -stride[r]))

    out_roles = [""] * nd
    out_roles[out_spec[0]], out_roles[out_spec[1]] = "b", "o"
    for i, axis in enumerate(out_spec[2:]):
        out_roles[axis] = f"p{i}"
    split = out_roles.index("o")
    kept_out = [r for r in out_roles if r != "o"]
    kept_src = by_source(["b"] + [f"p{i}" for i in range(nsp)])
    contracted = by_source(["f"] + [f"k{i}" for i in range(nsp)])
    # candidates (before, after): the patch matrix is [before][contracted][after]
    candidates = [(kept_out, []), (kept_src, []), ([], kept_out), ([], kept_src)]
    if 0 < split < nd - 1:
        candidates.append((out_roles[:split], out_roles[split + 1:]))
    w_roles = {"o": rhs_spec[0], "f": rhs_spec[1],
               **{f"k{i}": a for i, a in enumerate(rhs_spec[2:])}}
    w_strides = _c_strides(rhs_shape)
    out_size = math.prod(out_shape)

    taps = [f"k{i}" for i in range(nsp)]

    def w_cost(w_order):
        """A copy of the kernel unless its matrix is a strided view already."""
        w_axes = [(sizes[r], w_strides[w_roles[r]]) for r in w_order]
        run, unit = _coalesced_run(w_axes[:-1] if w_order[-1] == "o" else w_axes[1:])
        if unit and run == math.prod(n for n, _ in w_axes) // sizes["o"]:
            return 0.0
        return _copy_cost(w_axes)

    def by_rows(before, after) -> bool:
        """Whether the plan makes one product per row of ``before`` (see below)."""
        return bool(before and after) and \
            math.prod(sizes[r] for r in contracted + after) >= ROW_IN_CACHE

    def whole_rows(before, after):
        """The pitch at which each row's patches read whole input rows, or None."""
        return _row_pitch(after, sizes, stride) if by_rows(before, after) else None

    def cost(before, after):
        if before == "split":  # one product per input feature, summed
            total = _copy_cost([(sizes[r], stride[r]) for r in ["f"] + after + taps])
            total += w_cost(taps + ["o"]) + sizes["f"] * (1000.0 + out_size)
            return total + (0.0 if after + ["o"] == out_roles else 2.0 * out_size)
        axes = [(sizes[r], stride[r]) for r in before + contracted + after]
        pitch = whole_rows(before, after)
        if pitch is not None:  # the copy made: one run over whole input rows
            rows, width = sizes[after[0]], sizes[after[1]]
            axes[-2:] = [((rows - 1) * pitch + width, stride[after[1]])]
        total = _copy_cost(axes)
        if before and after:  # one product per row of ``before``
            total += 1000.0 * math.prod(sizes[r] for r in before)
        total += w_cost(contracted + ["o"] if not after else ["o"] + contracted)
        result = before + ["o"] + after
        if result != out_roles:
            total += 2.0 * out_size  # a layout the next operation copies from
        return total

    # or, when the input features are many (a kernel's gradient: they are the batch), one
    # product per feature over [f][kept][taps] and the kernel's [f][taps][o], then a sum
    candidates += [("split", kept_out), ("split", kept_src)]
    before, after = min(candidates, key=lambda c: cost(*c))
    if before == "split":
        return _split_plan(after, taps, sizes, roles, w_roles, out_roles, needs_pad, grown,
                           interior, crop, cropped, dtype)
    order = before + contracted + after
    view_shape = tuple(sizes[r] for r in order)
    view_axes = tuple((roles[r][1], roles[r][2]) for r in order)
    n_before = math.prod(sizes[r] for r in before)
    n_contracted = math.prod(sizes[r] for r in contracted)
    n_after = math.prod(sizes[r] for r in after)
    result = before + ["o"] + after
    result_shape = tuple(sizes[r] for r in result)
    to_out = tuple(result.index(r) for r in out_roles)
    if not after:
        patch_shape, w_order = (n_before, n_contracted), contracted + ["o"]
    elif not before:
        patch_shape, w_order = (n_contracted, n_after), ["o"] + contracted
    else:
        patch_shape, w_order = (n_before, n_contracted, n_after), ["o"] + contracted
    w_perm = tuple(w_roles[r] for r in w_order)
    w_shape = (n_contracted, sizes["o"]) if not after else (sizes["o"], n_contracted)
    kernel_on_right = not after

    pad = (needs_pad, grown, interior, crop, cropped, dtype)
    # one product per row of ``before`` (an image): each row's patches are copied into one
    # buffer and multiplied while they are in the core's cache, rather than all copied first
    # and read back from memory (8-10% of a 16 -> 32 channel 28x28 layer); worth its Python
    # loop only for big rows
    by_row = by_rows(before, after)
    pitch = whole_rows(before, after)
    if pitch is not None:  # the output rows as one run over whole input rows, see run
        merged = (sizes[after[0]] - 1) * pitch + sizes[after[1]]
        merged_shape = view_shape[:-2] + (merged,)

    def run(lhs, rhs):
        x = _padded(lhs, *pad)
        st = x.strides
        strides = tuple(st[a] * k for a, k in view_axes)
        w = rhs if rhs.dtype == dtype else rhs.astype(dtype)
        w = w.transpose(w_perm).reshape(w_shape)
        out = np.empty((n_before, sizes["o"], n_after), dtype) if by_row else None
        if pitch is not None and strides[-2] == pitch * strides[-1]:
            # output row i, column j is element i * pitch + j of one axis running over whole
            # input rows: each patch row is one long contiguous slice of the input instead of
            # ``rows`` short ones (a 28-wide row padded to 30). The columns between the rows
            # are computed too and dropped as each image's product is copied out of cache
            view = as_strided(x, merged_shape, strides[:-2] + strides[-1:], writeable=False)
            _products_by_row(w, view, len(before), (n_contracted, merged), out,
                             (sizes[after[0]], pitch, sizes[after[1]]))
            return out.reshape(result_shape).transpose(to_out)
        view = as_strided(x, view_shape, strides, writeable=False)
        if by_row:
            _products_by_row(w, view, len(before), (n_contracted, n_after), out)
        else:
            patches = view.reshape(patch_shape)
            out = np.matmul(patches, w) if kernel_on_right else np.matmul(w, patches)
        return out.reshape(result_shape).transpose(to_out)

    run.layout = (tuple(before), tuple(contracted), tuple(after))  # for tests and tuning
    run.by_row = by_row
    run.pitch = pitch
    return run


def conv_plan(lhs_shape, rhs_shape, lhs_dtype, rhs_dtype, **params):
    """The function computing this ungrouped convolution (shapes, dtypes and params fixed):
    Winograd's F(4, 3) along the rows (``fungrad.prims.winograd``) where it applies and a
    measured rule says it is faster, else the planned im2col; None for groups (the general
    path). Both give the same results within float32 rounding. Raises the shape rule's
    errors. (Both plans are cached, so this costs two cache look-ups.)

    >>> dn = conv_dimension_numbers((32, 16, 28, 28), (32, 16, 3, 3), None)
    >>> params = dict(window_strides=(1, 1), padding=((1, 1), (1, 1)), lhs_dilation=(1, 1),
    ...               rhs_dilation=(1, 1), dimension_numbers=dn, feature_group_count=1,
    ...               batch_group_count=1)
    >>> f32, f64 = np.dtype('float32'), np.dtype('float64')
    >>> conv_plan((32, 16, 28, 28), (32, 16, 3, 3), f32, f32, **params).algorithm
    'winograd'
    >>> conv_plan((32, 16, 28, 28), (32, 16, 3, 3), f64, f64, **params).layout[0]
    ('b',)
    """
    plan = im2col_plan(lhs_shape, rhs_shape, lhs_dtype, rhs_dtype, **params)
    if plan is None:
        return None
    return winograd_plan(lhs_shape, rhs_shape, lhs_dtype, rhs_dtype, **params) or plan


ROW_IN_CACHE = 16384  # patch elements per row from which _products_by_row pays its loop
# how much wider than an output row whole input rows may be read: a 28-wide row padded to 30
# gains (7% more product for much longer copies); 14 padded to 16 (14% more) measured slower
ROW_PITCH_SLACK = 1.1


def _row_pitch(after: list, sizes: dict, stride: dict) -> int | None:
    """When the columns of each image's patch matrix are an output's (row, column)
    positions, row i starting ``pitch`` columns after row i - 1 in the (padded, C-ordered)
    input: that ``pitch``, if reading whole input rows computes at most ``ROW_PITCH_SLACK``
    times the output's columns; otherwise None."""
    if len(after) != 2 or not all(r.startswith("p") for r in after):
        return None
    (outer, inner), width = after, sizes[after[1]]
    if sizes[outer] < 2 or stride[inner] <= 0 or stride[outer] % stride[inner]:
        return None
    pitch = stride[outer] // stride[inner]
    return pitch if width < pitch <= ROW_PITCH_SLACK * width else None


def _products_by_row(w, view, n_lead: int, patch_shape: tuple, out,
                     pitched: tuple | None = None) -> np.ndarray:
    """``w @ patches[i]`` for each index ``i`` of the first ``n_lead`` axes of the patch
    ``view``, written into ``out[i]`` (``out`` is (rows, w rows, columns)): each row's
    patches are copied into one reused buffer, which the product reads from the cache.
    With ``pitched = (rows, pitch, width)`` the patch columns run over whole rows of
    ``pitch``: each product lands in a scratch matrix, whose first ``width`` columns of
    each row are copied to ``out[i]``."""
    rows = view.shape[:n_lead]
    w = np.ascontiguousarray(w)  # a reversed kernel's negative strides would miss BLAS
    buffer = np.empty(view.shape[n_lead:], out.dtype)
    matrix = buffer.reshape(patch_shape)
    if pitched is not None:
        n_rows, pitch, width = pitched
        scratch = np.empty((w.shape[0], n_rows * pitch), out.dtype)
        product = scratch[:, :patch_shape[1]]
        kept = scratch.reshape(w.shape[0], n_rows, pitch)[:, :, :width]
    for i, index in enumerate(np.ndindex(*rows)):
        np.copyto(buffer, view[index])
        if pitched is None:
            np.matmul(w, matrix, out=out[i])
        else:
            np.matmul(w, matrix, out=product)
            np.copyto(out[i].reshape(kept.shape), kept)
    return out


def _padded(x, needs_pad, grown, interior, crop, cropped, dtype):
    """The input in the plan's dtype, padded and dilated in its own layout."""
    x = x if x.dtype == dtype else x.astype(dtype)
    if not needs_pad:
        return x
    padded = np.zeros(grown, dtype)
    padded[interior] = x
    return padded[crop] if cropped else padded


def _split_plan(kept, taps, sizes, roles, w_roles, out_roles, *pad):
    """The plan with one product per input feature: patches [f][kept][taps] times the
    kernel's [f][taps][o] (a strided view when the kernel is a cotangent laid out
    (f, o, taps...), so nothing of it is copied), summed over f."""
    order = ["f"] + kept + taps
    view_shape = tuple(sizes[r] for r in order)
    view_axes = tuple((roles[r][1], roles[r][2]) for r in order)
    n_kept, n_taps = math.prod(sizes[r] for r in kept), math.prod(sizes[r] for r in taps)
    patch_shape = (sizes["f"], n_kept, n_taps)
    w_perm = tuple(w_roles[r] for r in ["f"] + taps + ["o"])
    w_shape = (sizes["f"], n_taps, sizes["o"])
    result = kept + ["o"]
    result_shape = tuple(sizes[r] for r in result)
    to_out = tuple(result.index(r) for r in out_roles)
    by_feature = n_kept * n_taps >= ROW_IN_CACHE

    def run(lhs, rhs):
        x = _padded(lhs, *pad)
        st = x.strides
        view = as_strided(x, view_shape, tuple(st[a] * k for a, k in view_axes),
                          writeable=False)
        w = rhs if rhs.dtype == pad[-1] else rhs.astype(pad[-1])
        w = w.transpose(w_perm).reshape(w_shape)
        if by_feature:  # as _products_by_row: each feature's patches multiplied in cache
            out = np.zeros((n_kept, sizes["o"]), pad[-1])
            term = np.empty_like(out)
            buffer = np.empty(view_shape[1:], pad[-1])
            matrix = buffer.reshape(n_kept, n_taps)
            for f in range(sizes["f"]):
                np.copyto(buffer, view[f])
                np.add(out, np.matmul(matrix, w[f], out=term), out=out)
        else:
            out = np.add.reduce(np.matmul(view.reshape(patch_shape), w), axis=0)
        return out.reshape(result_shape).transpose(to_out)

    run.layout = ("split", ("f",) + tuple(taps), tuple(kept))
    run.by_row = by_feature
    return run


conv_general_dilated_p = primitive("conv_general_dilated", _conv_impl, _conv_abstract)
# every path ends in a new array (a matrix product's, or zeros), never a view of an operand:
# under jit the ufunc reading it last (a bias add) may write over it instead of allocating
conv_general_dilated_p.fresh_result = True


def conv_general_dilated_bind(lhs, rhs, **params):
    """``conv_general_dilated`` on normalized params (what the rules call)."""
    return bind(conv_general_dilated_p, lhs, rhs, **params)


# ----------------------------------------------------------------------------- derivatives
def _spec_transpose(spec: tuple) -> tuple:
    """The same layout with the two non-spatial roles exchanged."""
    return (spec[1], spec[0]) + tuple(spec[2:])


def _split_axis(x, axis: int, parts: int):
    """Axis ``axis`` of size ``parts * m`` as two axes (parts, m), in place."""
    shape = tuple(x.shape)
    return reshape(x, shape[:axis] + (parts, shape[axis] // parts) + shape[axis + 1:])


def _merge_axis_into(x, src: int, dst: int):
    """Axis ``src`` merged into axis ``dst`` (numbered with ``src`` removed) as its major
    part."""
    shape = tuple(x.shape)
    order = [i for i in range(len(shape)) if i != src]
    order.insert(dst, src)
    moved = transpose(x, order)
    rest = [d for i, d in enumerate(shape) if i != src]
    rest[dst] *= shape[src]
    return reshape(moved, tuple(rest))


def _dilated_sizes(g, lhs, rhs, dimension_numbers, window_strides, padding, lhs_dilation,
                   rhs_dilation):
    """Per spatial axis: the dilated input, dilated kernel and stride-dilated output sizes,
    with the forward low padding -- what both cotangents' paddings are made of."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    for i in range(len(lhs_spec) - 2):
        yield (dilate_dim(lhs.shape[lhs_spec[2 + i]], lhs_dilation[i]),
               dilate_dim(rhs.shape[rhs_spec[2 + i]], rhs_dilation[i]),
               dilate_dim(g.shape[out_spec[2 + i]], window_strides[i]), padding[i][0])


def _transpose_lhs(g, ans, lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                   dimension_numbers, feature_group_count, batch_group_count,
                   precision=None, preferred_element_type=None):
    """The input's cotangent: ``g`` convolved with the spatially flipped kernel, input and
    output features exchanged, the forward stride becoming an input dilation."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    groups = feature_group_count
    if feature_group_count > 1 or batch_group_count > 1:
        # each group's kernel block moves from the output features to the input features
        parts = max(feature_group_count, batch_group_count)
        rhs = _merge_axis_into(_split_axis(rhs, rhs_spec[0], parts), rhs_spec[0], rhs_spec[1])
        groups = parts
    pads = []
    for d, k, o, lo in _dilated_sizes(g, lhs, rhs, dimension_numbers, window_strides,
                                      padding, lhs_dilation, rhs_dilation):
        before = k - lo - 1
        pads.append((before, d + k - 1 - o - before))
    out = conv_general_dilated_bind(
        g, rev(rhs, rhs_spec[2:]), window_strides=tuple(lhs_dilation), padding=tuple(pads),
        lhs_dilation=tuple(window_strides), rhs_dilation=tuple(rhs_dilation),
        dimension_numbers=ConvDimensionNumbers(out_spec, _spec_transpose(rhs_spec), lhs_spec),
        feature_group_count=groups, batch_group_count=1, precision=precision,
        preferred_element_type=preferred_element_type)
    if batch_group_count > 1:
        # the groups were split over the batch: move them back from the features
        out = _merge_axis_into(_split_axis(out, lhs_spec[1], batch_group_count),
                               lhs_spec[1], lhs_spec[0])
    return out


def _transpose_rhs(g, ans, lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                   dimension_numbers, feature_group_count, batch_group_count,
                   precision=None, preferred_element_type=None):
    """The kernel's cotangent: the input convolved with ``g``, batch and features exchanged
    (feature groups become batch groups and back), the forward stride becoming a kernel
    dilation."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    pads = [(lo, o - d + k - lo - 1) for d, k, o, lo in _dilated_sizes(
        g, lhs, rhs, dimension_numbers, window_strides, padding, lhs_dilation, rhs_dilation)]
    return conv_general_dilated_bind(
        lhs, g, window_strides=tuple(rhs_dilation), padding=tuple(pads),
        lhs_dilation=tuple(lhs_dilation), rhs_dilation=tuple(window_strides),
        dimension_numbers=ConvDimensionNumbers(_spec_transpose(lhs_spec),
                                               _spec_transpose(out_spec),
                                               _spec_transpose(rhs_spec)),
        feature_group_count=batch_group_count, batch_group_count=feature_group_count,
        precision=precision, preferred_element_type=preferred_element_type)


defjvp(conv_general_dilated_p,
       lambda t, ans, lhs, rhs, **params: conv_general_dilated_bind(t, rhs, **params),
       lambda t, ans, lhs, rhs, **params: conv_general_dilated_bind(lhs, t, **params))
defvjp(conv_general_dilated_p, _transpose_lhs, _transpose_rhs)


# ----------------------------------------------------------------------------- batching
def _move_into(x, src: int, dst: int):
    """The batch axis ``src`` merged into axis ``dst`` of the example as its major part (the
    example's axes are numbered without the batch axis)."""
    return _merge_axis_into(x, src, dst)


def _move_out(x, axis: int, parts: int):
    """Axis ``axis`` split into (parts, rest), the ``parts`` axis moved to the front."""
    x = _split_axis(x, axis, parts)
    nd = len(x.shape)
    return transpose(x, (axis,) + tuple(i for i in range(nd) if i != axis))


def _conv_batch(args, batched, size, **params):
    lhs, rhs = args
    lhs_spec, rhs_spec, out_spec = params["dimension_numbers"]
    groups, batch_groups = params["feature_group_count"], params["batch_group_count"]
    if size == 0:
        return None  # no examples: vmap makes the empty result itself
    if batched[0] and not batched[1] and batch_groups == 1:
        # more examples in the convolution's own batch
        out = conv_general_dilated_bind(_move_into(lhs, 0, lhs_spec[0]), rhs, **params)
        return _move_out(out, out_spec[0], size), True
    if batched[1] and not batched[0] and groups == 1 and batch_groups == 1:
        # more output features: one block of them per example's kernel
        out = conv_general_dilated_bind(lhs, _move_into(rhs, 0, rhs_spec[0]), **params)
        return _move_out(out, out_spec[1], size), True
    if batched[0] and batched[1] and groups == 1 and batch_groups == 1:
        # each example its own input and kernel: a grouped convolution, one group each
        new = dict(params, feature_group_count=size)
        out = conv_general_dilated_bind(_move_into(lhs, 0, lhs_spec[1]),
                                        _move_into(rhs, 0, rhs_spec[0]), **new)
        return _move_out(out, out_spec[1], size), True
    return None  # grouped convolutions with batched operands: one per example


conv_general_dilated_p.batch = _conv_batch


def _conv_emit(avals, **params):
    """Under jit, the plan made once when compiling: the call costs one patch copy and one
    matrix product, nothing of the planning."""
    lhs, rhs = avals
    plan = conv_plan(lhs.shape, rhs.shape, lhs.dtype, rhs.dtype, **params)
    return None if plan is None else ("{conv}({0}, {1})", {"conv": plan})


conv_general_dilated_p.emit = _conv_emit
