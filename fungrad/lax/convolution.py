"""Convolutions, ``jax.lax`` style: ``conv_general_dilated`` and its convenience forms
(``conv``, ``conv_with_general_padding``, ``conv_transpose``), over the one primitive in
``fungrad.prims.conv``.

>>> import numpy as np
>>> from fungrad import lax
>>> lax.conv(np.ones((1, 1, 4)), np.ones((1, 1, 2)), (1,), 'VALID')
array([[[2., 2., 2.]]])
"""
from __future__ import annotations

import math
import operator
from typing import Any, Sequence

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.lax.precision import check_precision
from fungrad.lax.shapes import int_tuple
from fungrad.prims.conv import (
    ConvDimensionNumbers, conv_dimension_numbers, conv_general_dilated_bind, dilate_dim,
    padtype_to_pads,
)
from fungrad.prims.structural import rev, transpose

__all__ = ["ConvDimensionNumbers", "conv", "conv_dimension_numbers", "conv_general_dilated",
           "conv_general_dilated_local", "conv_general_dilated_patches",
           "conv_general_permutations",
           "conv_general_shape_tuple", "conv_shape_tuple", "conv_transpose",
           "conv_transpose_shape_tuple",
           "conv_with_general_padding", "padtype_to_pads"]


def _operand(name: str, what: str, x):
    if isinstance(x, (Tracer, np.ndarray)):
        return x
    try:
        get_aval(x)
    except TypeError:
        x = np.asarray(x)
        if x.dtype.kind not in "biufc":
            raise TypeError(f"{name}: {what} must be a numeric array, got {x!r}") from None
    return x


def _ints(name: str, what: str, values, n: int, default: int = 1) -> tuple:
    if values is None:
        return (default,) * n
    return int_tuple(name, what, values, n, low=1)


def explicit_pads(name: str, padding, n: int) -> tuple:
    """Explicit (low, high) padding pairs, one per spatial axis, checked."""
    try:
        pads = tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: padding must be 'SAME', 'SAME_LOWER', 'VALID' or a "
                         f"sequence of (low, high) integer pairs, got {padding!r}") from None
    if len(pads) != n:
        raise ValueError(f"{name}: padding must have {n} (low, high) pairs (one per spatial "
                         f"axis), got {padding!r}")
    return pads


def conv_general_dilated(lhs: Any, rhs: Any, window_strides: Sequence[int], padding: Any,
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers: Any = None, feature_group_count: int = 1,
                         batch_group_count: int = 1, precision: Any = None,
                         preferred_element_type: Any = None) -> Any:
    """The general N-d convolution (XLA's ConvGeneralDilated), as in JAX.

    ``lhs`` is the input, ``rhs`` the kernel; ``dimension_numbers`` says where their batch,
    feature and spatial axes are (None: ``NCHW``/``OIHW``/``NCHW``; or strings such as
    ``('NHWC', 'HWIO', 'NHWC')``, spatial axes matched by letter, strides and the like given
    in the kernel string's order). ``padding`` is ``'SAME'``, ``'SAME_LOWER'``, ``'VALID'``
    or (low, high) pairs (negative crops). ``lhs_dilation`` puts holes between input
    elements (a transposed convolution), ``rhs_dilation`` between kernel taps (atrous).
    ``feature_group_count`` splits the features into independent groups (depthwise when it
    is the feature count), ``batch_group_count`` the batch. ``precision`` is accepted and
    ignored; ``preferred_element_type`` sets the result dtype. Dtypes promote as numpy's.

    >>> import numpy as np
    >>> x = np.arange(5.0).reshape(1, 1, 5)
    >>> conv_general_dilated(x, np.array([[[1.0, -1.0]]]), (2,), 'SAME')
    array([[[-1., -1., 4.]]])
    """
    name = "conv_general_dilated"
    lhs, rhs = _operand(name, "lhs", lhs), _operand(name, "rhs", rhs)
    lhs_aval, rhs_aval = get_aval(lhs), get_aval(rhs)
    dnums = conv_dimension_numbers(lhs_aval.shape, rhs_aval.shape, dimension_numbers)
    n = lhs_aval.ndim - 2
    window_strides = _ints(name, "window_strides", window_strides, n)
    lhs_dilation = _ints(name, "lhs_dilation", lhs_dilation, n)
    rhs_dilation = _ints(name, "rhs_dilation", rhs_dilation, n)
    check_precision(name, precision)
    if isinstance(padding, str):
        if any(d != 1 for d in lhs_dilation):
            raise ValueError(f"{name}: string padding ({padding!r}) is not implemented for "
                             "transposed convolution (lhs_dilation "
                             f"{lhs_dilation}); give explicit (low, high) pairs or use "
                             "conv_transpose")
        in_sp = [lhs_aval.shape[a] for a in dnums.lhs_spec[2:]]
        window = [dilate_dim(rhs_aval.shape[a], d)
                  for a, d in zip(dnums.rhs_spec[2:], rhs_dilation)]
        pads = padtype_to_pads(in_sp, window, window_strides, padding)
    else:
        pads = explicit_pads(name, padding, n)
    for what, v in (("feature_group_count", feature_group_count),
                    ("batch_group_count", batch_group_count)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name}: {what} must be a positive int, got {v!r}")
    return conv_general_dilated_bind(
        lhs, rhs, window_strides=window_strides, padding=pads, lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation, dimension_numbers=dnums,
        feature_group_count=int(feature_group_count),
        batch_group_count=int(batch_group_count), precision=None,
        preferred_element_type=None if preferred_element_type is None
        else np.dtype(preferred_element_type))


def conv(lhs: Any, rhs: Any, window_strides: Sequence[int], padding: str,
         precision: Any = None, preferred_element_type: Any = None) -> Any:
    """``conv_general_dilated`` in the ``NCHW``/``OIHW`` layout, without dilation.

    >>> import numpy as np
    >>> conv(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), (1, 1), 'VALID')[0, 0]
    array([[4., 4.],
           [4., 4.]])
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs: Any, rhs: Any, window_strides: Sequence[int],
                              padding: Any, lhs_dilation: Sequence[int] | None,
                              rhs_dilation: Sequence[int] | None, precision: Any = None,
                              preferred_element_type: Any = None) -> Any:
    """``conv_general_dilated`` in the ``NCHW``/``OIHW`` layout, with dilations.

    >>> import numpy as np
    >>> conv_with_general_padding(np.ones((1, 1, 4)), np.ones((1, 1, 2)), (1,), [(1, 0)],
    ...                           None, (2,))
    array([[[1., 2., 2.]]])
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                                rhs_dilation=rhs_dilation, precision=precision,
                                preferred_element_type=preferred_element_type)


def _conv_transpose_padding(k: int, s: int, padding) -> tuple:
    """The (low, high) padding of the fractionally strided convolution that undoes a
    forward convolution with kernel size ``k``, stride ``s`` and this padding."""
    if padding == "SAME":
        total = k + s - 2
        low = k - 1 if s > k - 1 else -(-total // 2)
    elif padding == "VALID":
        total = k + s - 2 + max(k - s, 0)
        low = k - 1
    else:
        low, high = k - padding[0] - 1, k - padding[1] - 1
        total = low + high
    return low, total - low


_TRANSPOSE_LAYOUTS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                      4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs: Any, rhs: Any, strides: Sequence[int], padding: Any,
                   rhs_dilation: Sequence[int] | None = None, dimension_numbers: Any = None,
                   transpose_kernel: bool = False, precision: Any = None,
                   preferred_element_type: Any = None,
                   use_consistent_padding: bool = False) -> Any:
    """The fractionally strided ("transposed", "deconvolution") convolution, as in JAX:
    ``strides`` become an input dilation. The default layout is TensorFlow's (``NHWC``,
    ``HWIO``). ``'SAME'``/``'VALID'`` (and, with ``use_consistent_padding``, explicit
    pairs) are the padding of the forward convolution being undone; otherwise explicit
    pairs pad the dilated input. ``transpose_kernel`` flips the kernel and exchanges its
    feature axes, giving exactly the gradient of the forward convolution.

    >>> import numpy as np
    >>> conv_transpose(np.ones((1, 2, 1)), np.ones((2, 1, 1)), (2,), 'VALID')[0, :, 0]
    array([1., 1., 1., 1.])
    """
    name = "conv_transpose"
    lhs, rhs = _operand(name, "lhs", lhs), _operand(name, "rhs", rhs)
    lhs_aval, rhs_aval = get_aval(lhs), get_aval(rhs)
    nd = lhs_aval.ndim
    if dimension_numbers is None:
        if nd not in _TRANSPOSE_LAYOUTS or rhs_aval.ndim != nd:
            raise ValueError(f"{name}: no default dimension_numbers for operands "
                             f"{lhs_aval.str_short()} and {rhs_aval.str_short()}; give them")
        dimension_numbers = _TRANSPOSE_LAYOUTS[nd]
    dnums = conv_dimension_numbers(lhs_aval.shape, rhs_aval.shape, dimension_numbers)
    n = nd - 2
    strides = _ints(name, "strides", strides, n)
    rhs_dilation = _ints(name, "rhs_dilation", rhs_dilation, n)
    k_sp = [dilate_dim(rhs_aval.shape[a], d) for a, d in zip(dnums.rhs_spec[2:], rhs_dilation)]
    if isinstance(padding, str):
        if padding not in ("SAME", "VALID"):
            raise ValueError(f"{name}: padding must be 'SAME', 'VALID' or (low, high) pairs, "
                             f"got {padding!r}")
        pads = tuple(_conv_transpose_padding(k, s, padding) for k, s in zip(k_sp, strides))
    elif use_consistent_padding:
        pads = tuple(_conv_transpose_padding(k, s, p)
                     for k, s, p in zip(k_sp, strides, explicit_pads(name, padding, n)))
    else:
        pads = explicit_pads(name, padding, n)
    if transpose_kernel:
        rs = dnums.rhs_spec
        rhs = rev(rhs, rs[2:])
        perm = list(range(nd))
        perm[rs[0]], perm[rs[1]] = rs[1], rs[0]
        rhs = transpose(rhs, perm)
    return conv_general_dilated(lhs, rhs, (1,) * n, pads, strides, rhs_dilation, dnums,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_general_dilated_patches(lhs: Any, filter_shape: Sequence[int],
                                 window_strides: Sequence[int], padding: Any,
                                 lhs_dilation: Sequence[int] | None = None,
                                 rhs_dilation: Sequence[int] | None = None,
                                 dimension_numbers: Any = None, precision: Any = None,
                                 preferred_element_type: Any = None) -> Any:
    """The patches (im2col) a convolution with a kernel of ``filter_shape`` would see: the
    output has ``C * prod(filter_shape)`` features, ordered channel-major then by position
    in the window, as in JAX. It is a depthwise convolution with one-hot kernels.

    >>> import numpy as np
    >>> conv_general_dilated_patches(np.arange(4.0).reshape(1, 1, 4), (2,), (1,), 'VALID')
    array([[[0., 1., 2.],
            [1., 2., 3.]]])
    """
    lhs = _operand("conv_general_dilated_patches", "lhs", lhs)
    aval = get_aval(lhs)
    filter_shape = tuple(int(k) for k in filter_shape)
    dnums = conv_dimension_numbers(aval.shape, (1, 1) + filter_shape, dimension_numbers)
    taps = int(math.prod(filter_shape))
    channels = aval.shape[dnums.lhs_spec[1]]
    dtype = aval.dtype if aval.dtype.kind in "fc" else np.float64
    one_hot = np.eye(taps, dtype=dtype).reshape((taps, 1) + filter_shape)
    canonical = np.tile(one_hot, (channels,) + (1,) * (one_hot.ndim - 1))
    rhs = np.transpose(canonical, np.argsort(dnums.rhs_spec))
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                dnums, feature_group_count=channels, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_general_permutations(dimension_numbers: Any) -> tuple:
    """The (lhs, rhs, out) axis permutations of three layout strings, each as (batch or
    out-feature, feature or in-feature, spatial in the kernel's order...).

    >>> conv_general_permutations(('NHWC', 'HWIO', 'NHWC'))
    ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    """
    lhs, rhs, out = dimension_numbers
    return tuple(conv_dimension_numbers((0,) * len(lhs), (0,) * len(rhs), dimension_numbers))


def conv_general_shape_tuple(lhs_shape: Sequence[int], rhs_shape: Sequence[int],
                             window_strides: Sequence[int], padding: Any,
                             dimension_numbers: Any) -> tuple:
    """The output shape of ``conv_general_dilated`` (no dilation) on these shapes.

    >>> conv_general_shape_tuple((1, 5, 5, 3), (3, 3, 3, 8), (2, 2), 'SAME',
    ...                          ('NHWC', 'HWIO', 'NHWC'))
    (1, 3, 3, 8)
    """
    return _out_shape(lambda a, b: conv_general_dilated(
        a, b, window_strides, padding, dimension_numbers=dimension_numbers),
        lhs_shape, rhs_shape)


def conv_shape_tuple(lhs_shape: Sequence[int], rhs_shape: Sequence[int],
                     strides: Sequence[int], pads: Any, batch_group_count: int = 1) -> tuple:
    """The output shape of a convolution in the ``NCHW``/``OIHW`` layout.

    >>> conv_shape_tuple((2, 3, 8, 8), (4, 3, 3, 3), (2, 2), [(1, 1), (1, 1)])
    (2, 4, 4, 4)
    """
    return _out_shape(lambda a, b: conv_general_dilated(
        a, b, strides, pads, batch_group_count=batch_group_count), lhs_shape, rhs_shape)


def _out_shape(fn, lhs_shape, rhs_shape) -> tuple:
    """The output shape of ``fn`` on operands of these shapes, traced abstractly."""
    from fungrad.api import make_jaxpr
    from fungrad.core import ShapeDtypeStruct
    closed = make_jaxpr(fn)(ShapeDtypeStruct(tuple(lhs_shape), np.float64),
                            ShapeDtypeStruct(tuple(rhs_shape), np.float64))
    return tuple(closed.jaxpr.outvars[0].aval.shape)


def conv_transpose_shape_tuple(lhs_shape: Sequence[int], rhs_shape: Sequence[int],
                               window_strides: Sequence[int], padding: Any,
                               dimension_numbers: Any) -> tuple:
    """The output shape of ``conv_transpose`` (no kernel dilation) on these shapes.

    >>> conv_transpose_shape_tuple((1, 4, 4, 3), (3, 3, 3, 8), (2, 2), 'SAME',
    ...                            ('NHWC', 'HWIO', 'NHWC'))
    (1, 8, 8, 8)
    """
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    lhs_t = [lhs_shape[a] for a in dn.lhs_spec]
    rhs_t = [rhs_shape[a] for a in dn.rhs_spec]
    if isinstance(padding, str):
        padding = [_conv_transpose_padding(k, s, padding)
                   for k, s in zip(rhs_t[2:], window_strides)]
    spatial = [(i - 1) * s - k + 2 + lo + hi
               for i, k, s, (lo, hi) in zip(lhs_t[2:], rhs_t[2:], window_strides, padding)]
    canonical = [lhs_t[0], rhs_t[0]] + spatial
    out = [0] * len(canonical)
    for axis, size in zip(dn.out_spec, canonical):
        out[axis] = size
    return tuple(out)


def conv_general_dilated_local(lhs: Any, rhs: Any, window_strides: Sequence[int],
                               padding: Any, filter_shape: Sequence[int],
                               lhs_dilation: Sequence[int] | None = None,
                               rhs_dilation: Sequence[int] | None = None,
                               dimension_numbers: Any = None, precision: Any = None) -> Any:
    """A locally connected ("unshared") convolution: every output position has its own
    kernel. ``rhs`` has the output's spatial sizes in its spatial axes and
    ``C * prod(filter_shape)`` input features (the order of
    ``conv_general_dilated_patches``). The patches contracted with ``rhs`` position by
    position, as in JAX.

    >>> import numpy as np
    >>> lhs = np.arange(4.0).reshape(1, 1, 4)
    >>> rhs = np.array([[[1.0, 10.0, 100.0], [0.0, 0.0, 0.0]]])  # O=1, I=2, 3 positions
    >>> conv_general_dilated_local(lhs, rhs, (1,), 'VALID', (2,))
    array([[[  0.,  10., 200.]]])
    """
    from fungrad.prims.structural import dot_general
    check_precision("conv_general_dilated_local", precision)
    lhs = _operand("conv_general_dilated_local", "lhs", lhs)
    rhs = _operand("conv_general_dilated_local", "rhs", rhs)
    patches = conv_general_dilated_patches(lhs, filter_shape, window_strides, padding,
                                           lhs_dilation, rhs_dilation, dimension_numbers)
    lhs_spec, rhs_spec, out_spec = conv_dimension_numbers(
        get_aval(lhs).shape, (1, 1) + tuple(filter_shape), dimension_numbers)
    # contract the features; the spatial axes are batch axes of the product
    out_b = list(out_spec[2:])
    rhs_b = list(rhs_spec[2:])
    order = sorted(range(len(out_b)), key=lambda k: out_b[k])
    rhs_b = [rhs_b[i] for i in order]
    out_b = sorted(out_b)
    out = dot_general(patches, rhs, (((out_spec[1],), (rhs_spec[1],)),
                                     (tuple(out_b), tuple(rhs_b))))
    nd = len(get_aval(out).shape)
    # (spatial..., batch, features) back to the output layout
    perm = [0] * nd
    spatial = iter(range(nd - 2))
    for axis in range(nd):
        perm[axis] = nd - 2 if axis == out_spec[0] else nd - 1 if axis == out_spec[1] \
            else next(spatial)
    return transpose(out, perm)
