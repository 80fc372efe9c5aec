"""Convolution: ``conv_general_dilated``, XLA's one convolution, and its rules.

One primitive covers every convolution JAX offers: any number of spatial dimensions, any
layout (``dimension_numbers``), strides, explicit padding (negative too), input ("lhs") and
kernel ("rhs") dilation, feature groups (depthwise convolutions) and batch groups (which the
kernel's gradient of a grouped convolution needs).

The numpy implementation is an im2col: the padded input's windows, a strided view from
``sliding_window_view``, are copied once into a patch matrix and contracted with the kernel
by one batched ``matmul`` (BLAS); no Python loop touches a pixel. The derivatives are
convolutions again, as in JAX: the convolution is linear in each operand, the input's
cotangent is the output's cotangent convolved with the flipped kernel (the forward stride
becoming an input dilation), and the kernel's cotangent is the input convolved with the
output's cotangent (batch and feature roles exchanged). So derivatives of every order, and
``vmap`` of them, are convolutions too.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from fungrad.core import ShapedArray, bind
from fungrad.prims.rules import defjvp, defvjp, primitive, probe_value
from fungrad.prims.structural import reshape, rev, transpose


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


def _conv_impl(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               dimension_numbers, feature_group_count, batch_group_count,
               precision=None, preferred_element_type=None):
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


conv_general_dilated_p = primitive("conv_general_dilated", _conv_impl, _conv_abstract)


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
