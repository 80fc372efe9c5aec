"""``jax.image``: resizing images (any array: every dimension may be resized) by
interpolation with a kernel, antialiased when downsampling.

Each resized dimension is a matrix product: output sample ``j`` sits at input coordinate
``(j + 0.5) / scale - translation / scale - 0.5`` and takes the kernel-weighted average of the
input samples around it (the weights of each output sample normalized to sum to 1, those
falling outside the input zeroed). Downsampling with ``antialias`` widens the kernel by
``1 / scale``, so that it averages over the input pixels an output pixel covers. The weights
are computed with ``fungrad.numpy``, so the result differentiates in the image and, for
``scale_and_translate``, in ``scale`` and ``translation``; it jits and vmaps.

>>> import numpy as np
>>> resize(np.array([0.0, 1.0]), (4,), "linear")
array([0.  , 0.25, 0.75, 1.  ])
"""
from __future__ import annotations

import enum
import operator
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["ResizeMethod", "resize", "scale_and_translate"]


class ResizeMethod(enum.Enum):
    """How ``resize`` interpolates: ``NEAREST`` (nearest neighbour), ``LINEAR`` (the
    triangle kernel), ``LANCZOS3`` / ``LANCZOS5`` (Lanczos kernels of radius 3 and 5),
    ``CUBIC`` (Keys' cubic kernel, a = -0.5), ``CUBIC_PYTORCH`` (OpenCV's and PyTorch's cubic,
    a = -0.75, edges repeated when not antialiased) and ``AREA`` (the average over each output
    pixel's area).

    >>> ResizeMethod.from_string("bilinear")
    <ResizeMethod.LINEAR: 1>
    """

    NEAREST = 0
    LINEAR = 1
    LANCZOS3 = 2
    LANCZOS5 = 3
    CUBIC = 4
    CUBIC_PYTORCH = 5
    AREA = 6

    @staticmethod
    def from_string(s: str) -> "ResizeMethod":
        """The method a name stands for (``"linear"``, ``"bilinear"``, ``"trilinear"``,
        ``"triangle"``, ``"cubic"``, ``"bicubic"``, ``"tricubic"``, ``"lanczos3"``, ...).

        >>> ResizeMethod.from_string("tricubic")
        <ResizeMethod.CUBIC: 4>
        """
        for method, names in _NAMES.items():
            if s in names:
                return method
        raise ValueError(f'Unknown resize method "{s}"')


_NAMES = {
    ResizeMethod.NEAREST: ("nearest",),
    ResizeMethod.LINEAR: ("linear", "bilinear", "trilinear", "triangle"),
    ResizeMethod.LANCZOS3: ("lanczos3",),
    ResizeMethod.LANCZOS5: ("lanczos5",),
    ResizeMethod.CUBIC: ("cubic", "bicubic", "tricubic"),
    ResizeMethod.CUBIC_PYTORCH: ("cubic-pytorch", "bicubic-pytorch"),
    ResizeMethod.AREA: ("area",),
}


# ----------------------------------------------------------------------------- kernels
# Each maps distances |x| >= 0 (in input samples) to weights.

def _triangle(x):
    import fungrad.numpy as fnp
    return fnp.maximum(0.0, 1.0 - x)


def _lanczos(radius: float) -> Callable:
    def kernel(x):
        import fungrad.numpy as fnp
        y = radius * fnp.sin(np.pi * x) * fnp.sin(np.pi * x / radius)
        # sin(pi x) sin(pi x / r) / (pi^2 x^2 / r) -> 1 at 0; the guarded denominator keeps
        # the unused branch (and its derivative) finite there
        safe = fnp.where(x > 1e-3, np.pi ** 2 * x ** 2, 1.0)
        out = fnp.where(x > 1e-3, y / safe, 1.0)
        return fnp.where(x > radius, 0.0, out)
    return kernel


def _cubic(a: float) -> Callable:
    def kernel(x):
        import fungrad.numpy as fnp
        inner = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
        outer = ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
        return fnp.where(x >= 2.0, 0.0, fnp.where(x >= 1.0, outer, inner))
    return kernel


_AREA = "area"  # not a kernel of distance: the overlap of pixel intervals

_KERNELS: dict[ResizeMethod, tuple[int, Any]] = {
    ResizeMethod.LINEAR: (1, _triangle),
    ResizeMethod.LANCZOS3: (3, _lanczos(3.0)),
    ResizeMethod.LANCZOS5: (5, _lanczos(5.0)),
    ResizeMethod.CUBIC: (2, _cubic(-0.5)),
    ResizeMethod.CUBIC_PYTORCH: (2, _cubic(-0.75)),
    ResizeMethod.AREA: (1, _AREA),
}


def _weights(input_size: int, output_size: int, scale: Any, translation: Any, kernel: Any,
             antialias: bool, edge_padding: bool, radius: int) -> Any:
    """The (input_size, output_size) matrix taking one dimension of the input to the
    output: column ``j`` holds the normalized kernel weights of output sample ``j``."""
    import fungrad.numpy as fnp
    dtype = np.result_type(fnp.asarray(scale).dtype, fnp.asarray(translation).dtype)
    inv_scale = 1.0 / scale
    kernel_scale = fnp.maximum(inv_scale, 1.0) if antialias else 1.0
    out_index = fnp.arange(output_size, dtype=dtype)
    sample = (out_index + 0.5) * inv_scale - translation * inv_scale - 0.5
    pad = 0
    if edge_padding:  # input samples beyond the edges, each repeating the edge one
        pad = radius
        if antialias:
            pad = int(np.ceil(radius * max(1.0 / float(scale), 1.0)))
    in_index = fnp.arange(-pad, input_size + pad, dtype=dtype)
    if kernel is _AREA:  # overlap of output pixel [L_i, R_i) with input pixel [j, j + 1)
        left = out_index * inv_scale - translation * inv_scale
        right = left + inv_scale
        weights = fnp.maximum(0.0, fnp.minimum(right[None, :], in_index[:, None] + 1.0)
                              - fnp.maximum(left[None, :], in_index[:, None]))
    else:
        weights = kernel(fnp.abs(sample[None, :] - in_index[:, None]) / kernel_scale)
    if edge_padding:  # fold the padding rows onto the edge samples they repeat
        rows = np.clip(np.arange(-pad, input_size + pad), 0, input_size - 1)
        fold = np.zeros((input_size, rows.size), dtype)
        fold[rows, np.arange(rows.size)] = 1.0
        weights = fnp.matmul(fold, weights)
    total = fnp.sum(weights, axis=0, keepdims=True)
    # columns whose weights (nearly) cancel give 0, not a blown-up quotient
    keep = fnp.abs(total) > 1000.0 * float(np.finfo(np.float32).eps)
    weights = fnp.where(keep, weights / fnp.where(total != 0, total, 1.0), 0.0)
    if not edge_padding:  # output samples outside the input get nothing
        inside = (sample >= -0.5) & (sample <= input_size - 0.5)
        weights = fnp.where(inside[None, :], weights, 0.0)
    return weights


def _inexact(image: Any) -> Any:
    """The image in a floating dtype: integers and bools of up to 32 bits become float32,
    64-bit ones float64 (JAX's choice)."""
    if image.dtype.kind in "fc":
        return image
    return image.astype(np.float64 if image.dtype.itemsize == 8 else np.float32)


def _check_shape(name: str, image: Any, shape: Sequence[int]) -> tuple[int, ...]:
    try:
        shape = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(f"fungrad.image.{name}: shape must be a sequence of ints, got "
                        f"{shape!r}") from None
    if len(shape) != image.ndim:
        raise ValueError(f"fungrad.image.{name}: shape must have length equal to the number "
                         f"of dimensions of x; {shape} vs {tuple(image.shape)}")
    if any(d < 0 for d in shape):
        raise ValueError(f"fungrad.image.{name}: shape {shape} has a negative dimension")
    return shape


def _method(name: str, method: Any) -> ResizeMethod:
    if isinstance(method, str):
        return ResizeMethod.from_string(method)
    if not isinstance(method, ResizeMethod):
        raise TypeError(f"fungrad.image.{name}: method must be a ResizeMethod or its name, "
                        f"got {method!r}")
    return method


def _apply(image: Any, shape: tuple, dims: Sequence[int], scales: Sequence[Any],
           translations: Sequence[Any], method: ResizeMethod, antialias: bool) -> Any:
    """The image with each of ``dims`` resampled by its weight matrix (one einsum)."""
    import fungrad.numpy as fnp
    if not dims:
        return image
    if method is ResizeMethod.CUBIC_PYTORCH and antialias:
        method = ResizeMethod.CUBIC
    radius, kernel = _KERNELS[method]
    edge_padding = method is ResizeMethod.CUBIC_PYTORCH and not antialias
    operands: list = [image, list(range(image.ndim))]
    out_axes = list(range(image.ndim))
    for i, d in enumerate(dims):
        w = _weights(image.shape[d], shape[d], scales[i], translations[i], kernel, antialias,
                     edge_padding, radius)
        operands += [fnp.asarray(w).astype(image.dtype), [d, image.ndim + i]]
        out_axes[d] = image.ndim + i
    return fnp.einsum(*operands, out_axes)


def _resize_nearest(image: Any, shape: tuple) -> Any:
    # the source of output sample j is floor((j + 0.5) * m / n), computed in float32 as JAX
    # does so that the same samples are picked
    for d, (m, n) in enumerate(zip(image.shape, shape)):
        if m == n:
            continue
        offsets = (np.arange(n, dtype=np.float32) + np.float32(0.5)) * np.float32(m) \
            / np.float32(n)
        index: list[Any] = [slice(None)] * image.ndim
        index[d] = np.floor(offsets).astype(np.int32)
        image = image[tuple(index)]
    return image


def resize(image: Any, shape: Sequence[int], method: str | ResizeMethod,
           antialias: bool = True, precision: Any = None) -> Any:
    """``image`` resampled to ``shape`` (one entry per dimension; leave batch and channel
    dimensions unchanged) by ``method`` (a ``ResizeMethod`` or its name). Downsampling with
    ``antialias`` averages over the input an output pixel covers. The result is floating
    (integer images become float32, or float64 for 64-bit ones), except with ``"nearest"``,
    which keeps the dtype. ``precision`` is accepted (numpy's matmul is full precision).

    >>> import numpy as np
    >>> resize(np.array([[0.0, 1.0], [2.0, 3.0]]), (2, 3), "linear")
    array([[0. , 0.5, 1. ],
           [2. , 2.5, 3. ]])
    >>> x = np.arange(4.0)  # downsampled: antialiasing averages wider than interpolation
    >>> resize(x, (2,), "linear"), resize(x, (2,), "linear", antialias=False)
    (array([0.71428571, 2.28571429]), array([0.5, 2.5]))
    >>> resize(np.arange(3), (5,), "nearest")
    array([0, 0, 1, 2, 2])
    """
    import fungrad.numpy as fnp
    image = fnp.asarray(image)
    shape = _check_shape("resize", image, shape)
    method = _method("resize", method)
    if method is ResizeMethod.NEAREST:
        return _resize_nearest(image, shape)
    image = _inexact(image)
    dims = [d for d in range(image.ndim) if image.shape[d] != shape[d]]
    scales = [1.0 if shape[d] == 0 else shape[d] / image.shape[d] for d in dims]
    return _apply(image, shape, dims, scales, [0.0] * len(dims), method, antialias)


def scale_and_translate(image: Any, shape: Sequence[int], spatial_dims: Sequence[int],
                        scale: Any, translation: Any, method: str | ResizeMethod,
                        antialias: bool = True, precision: Any = None) -> Any:
    """``image`` resampled into ``shape`` by the map ``output = input * scale +
    translation`` along each of ``spatial_dims`` (``scale`` and ``translation`` hold one entry
    per spatial dimension, and may be traced: the result differentiates in them). Pixel
    centers sit at half-integers; output samples that land outside the input are 0.

    >>> import numpy as np
    >>> scale_and_translate(np.array([0.0, 1.0, 2.0, 3.0]), (4,), (0,), np.array([1.0]),
    ...                     np.array([1.0]), "linear")
    array([0., 0., 1., 2.])
    """
    import fungrad.numpy as fnp
    image = fnp.asarray(image)
    shape = _check_shape("scale_and_translate", image, shape)
    method = _method("scale_and_translate", method)
    if method is ResizeMethod.NEAREST:
        raise ValueError("fungrad.image.scale_and_translate: nearest neighbor resampling is "
                         "not supported (as in JAX); use resize")
    if any(not -image.ndim <= operator.index(d) < image.ndim for d in spatial_dims):
        raise ValueError(f"fungrad.image.scale_and_translate: spatial_dims {spatial_dims} "
                         f"out of range for an image of {image.ndim} dimensions")
    dims = [operator.index(d) % image.ndim for d in spatial_dims]
    scale, translation = fnp.asarray(scale), fnp.asarray(translation)
    if scale.shape != (len(dims),) or translation.shape != (len(dims),):
        raise ValueError(f"fungrad.image.scale_and_translate: scale and translation need one "
                         f"entry per spatial dimension ({len(dims)}), got shapes "
                         f"{tuple(scale.shape)} and {tuple(translation.shape)}")
    if scale.dtype.kind not in "fc":
        scale = scale.astype(np.float64)
    if translation.dtype.kind not in "fc":
        translation = translation.astype(np.float64)
    image = _inexact(image)
    return _apply(image, shape, dims, [scale[i] for i in range(len(dims))],
                  [translation[i] for i in range(len(dims))], method, antialias)
