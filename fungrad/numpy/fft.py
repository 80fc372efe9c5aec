"""``fungrad.numpy.fft``: numpy's discrete Fourier transforms, differentiable.

Every transform is one ``fft`` primitive (``fungrad.prims.fft``) on the trailing axes: the
requested axes are moved to the end, the input is cut or zero-padded to the lengths ``n`` /
``s``, and ``norm`` (``"backward"``, ``"ortho"``, ``"forward"``) is a scale. Derivatives are
exact in both modes, including through the real transforms' doubled bins.

>>> import numpy as np
>>> from fungrad.numpy import fft
>>> fft.rfft(np.array([1.0, 2.0, 3.0, 4.0]))
array([10.+0.j, -2.+2.j, -2.+0.j])
"""
from __future__ import annotations

import math
import operator
from typing import Sequence

import numpy as np

from fungrad.core import get_aval
from fungrad.numpy import asarray, roll
from fungrad.prims import complex as cx
from fungrad.prims import elementwise as ew
from fungrad.prims import fft as fft_prims
from fungrad.prims import structural as st

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2",
           "irfft2", "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift",
           "ifftshift"]

_NORMS = (None, "backward", "ortho", "forward")


def _operand(func: str, a, real: bool):
    """``a`` as an array of the dtype the transform computes in: complex (complex64 for
    float16/float32 and complex64, complex128 otherwise), or real floating for ``rfft``."""
    a = asarray(a)
    aval = get_aval(a)
    if not aval.shape:
        raise ValueError(f"fungrad.numpy.fft.{func}: the input must have at least one "
                         f"dimension, got {aval.str_short()}")
    if aval.dtype.kind not in "biufc":
        raise TypeError(f"fungrad.numpy.fft.{func}: expected a numeric array, got "
                        f"{aval.str_short()}")
    if real:
        if aval.dtype.kind == "c":
            raise TypeError(f"fungrad.numpy.fft.{func} takes a real input, got "
                            f"{aval.str_short()}")
        dtype = np.dtype(np.float32) if aval.dtype in (np.float16, np.float32) else \
            np.dtype(np.float64)
    else:
        dtype = np.dtype(np.complex64) if aval.dtype in (np.float16, np.float32,
                                                         np.complex64) else \
            np.dtype(np.complex128)
    if aval.dtype != dtype or aval.weak_type:
        a = ew.convert_element_type(a, dtype)
    return a


def _check_norm(func: str, norm) -> str:
    if norm not in _NORMS:
        raise ValueError(f"fungrad.numpy.fft.{func}: invalid norm={norm!r}; expected None, "
                         "'backward', 'ortho' or 'forward'")
    return "backward" if norm is None else norm


def _axes_and_lengths(func: str, shape: tuple, s, axes, inverse_real: bool):
    """numpy's rules for ``s`` and ``axes``: both given must match; ``s`` alone means the
    last ``len(s)`` axes; ``axes`` alone (or neither) takes the input's lengths (for
    ``irfft``, the last length is ``2 * (m - 1)``)."""
    ndim = len(shape)
    if axes is None:
        axes = tuple(range(ndim - (len(s) if s is not None else ndim), ndim))
    try:
        axes = tuple(operator.index(ax) for ax in axes)
    except TypeError:
        raise TypeError(f"fungrad.numpy.fft.{func}: axes must be integers, got "
                        f"{axes!r}") from None
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ValueError(f"fungrad.numpy.fft.{func}: axis {ax} is out of bounds for an "
                             f"input of shape {shape}")
    axes = tuple(ax % ndim for ax in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"fungrad.numpy.fft.{func} does not support repeated axes, got "
                         f"{axes}")
    if not axes:
        raise ValueError(f"fungrad.numpy.fft.{func}: no axes to transform")
    if s is None:
        s = [shape[ax] for ax in axes]
        if inverse_real:
            s[-1] = 2 * (s[-1] - 1)
    else:
        try:
            s = [operator.index(n) for n in s]
        except TypeError:
            raise TypeError(f"fungrad.numpy.fft.{func}: s must be integers, got "
                            f"{s!r}") from None
        if len(s) != len(axes):
            raise ValueError(f"fungrad.numpy.fft.{func}: s={tuple(s)} and axes={axes} must "
                             "have the same length")
    for n in s:
        if n < 1:
            raise ValueError(f"fungrad.numpy.fft.{func}: invalid number of FFT data points "
                             f"({n}) specified; the lengths must be at least 1 "
                             f"(input shape {shape}, axes {axes})")
    return axes, tuple(s)


def _resize(a, axis: int, n: int):
    """Cut ``a`` to ``n`` entries along ``axis``, or zero-pad it to ``n``."""
    size = get_aval(a).shape[axis]
    if size > n:
        return st.slice_axis(a, axis, 0, n)
    if size < n:
        widths = [(0, 0)] * len(get_aval(a).shape)
        widths[axis] = (0, n - size)
        return st.pad(a, np.zeros((), get_aval(a).dtype), widths)
    return a


def _transform(func: str, fft_type: str, a, s, axes, norm):
    norm = _check_norm(func, norm)
    a = _operand(func, a, real=fft_type == "rfft")
    shape = get_aval(a).shape
    axes, lengths = _axes_and_lengths(func, shape, s, axes, fft_type == "irfft")
    for i, (ax, n) in enumerate(zip(axes, lengths)):
        last = i == len(axes) - 1
        a = _resize(a, ax, n // 2 + 1 if fft_type == "irfft" and last else n)
    ndim = len(shape)
    rest = [d for d in range(ndim) if d not in axes]
    perm = tuple(rest + list(axes))
    moved = perm != tuple(range(ndim))
    if moved:
        a = st.transpose(a, perm)
    out = fft_prims.fft(a, fft_type, lengths)
    if moved:
        out = st.transpose(out, tuple(np.argsort(perm)))
    size = math.prod(lengths)
    forward = fft_type in ("fft", "rfft")
    scale = {"backward": 1.0, "ortho": 1.0 / math.sqrt(size), "forward": 1.0 / size}[norm] \
        if forward else {"backward": 1.0, "ortho": math.sqrt(size), "forward": float(size)}[norm]
    return out if scale == 1.0 else ew.mul(out, scale)


def _one_axis(n, axis) -> tuple:
    return (None if n is None else (n,)), (axis,)


def fft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """numpy.fft.fft: the one-dimensional DFT along ``axis``, the input cut or zero-padded
    to ``n``.

    >>> import numpy as np
    >>> fft(np.array([1.0, 0.0, -1.0, 0.0]))
    array([0.+0.j, 2.+0.j, 0.+0.j, 2.+0.j])
    """
    s, axes = _one_axis(n, axis)
    return _transform("fft", "fft", a, s, axes, norm)


def ifft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """numpy.fft.ifft: the inverse of ``fft``.

    >>> import numpy as np
    >>> ifft(np.array([0.0, 2.0, 0.0, 2.0]))
    array([ 1.+0.j,  0.+0.j, -1.+0.j,  0.+0.j])
    """
    s, axes = _one_axis(n, axis)
    return _transform("ifft", "ifft", a, s, axes, norm)


def rfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """numpy.fft.rfft: the DFT of a real input, its ``n//2 + 1`` non-negative frequencies.

    >>> import numpy as np
    >>> rfft(np.array([1.0, 0.0, -1.0, 0.0]))
    array([0.+0.j, 2.+0.j, 0.+0.j])
    """
    s, axes = _one_axis(n, axis)
    return _transform("rfft", "rfft", a, s, axes, norm)


def irfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """numpy.fft.irfft: the real signal of length ``n`` (default ``2 * (m - 1)``) whose
    ``rfft`` is ``a``.

    >>> import numpy as np
    >>> irfft(np.array([0.0, 2.0, 0.0]))
    array([ 1.,  0., -1.,  0.])
    """
    s, axes = _one_axis(n, axis)
    return _transform("irfft", "irfft", a, s, axes, norm)


_SWAPPED = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def _conj(x):
    return cx.conj(x) if get_aval(x).dtype.kind == "c" else x


def hfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """numpy.fft.hfft: the DFT of a Hermitian-symmetric signal given by its first half (a
    real spectrum): ``irfft(conj(a), n)`` with the opposite normalization.

    >>> import numpy as np
    >>> hfft(np.array([1.0, 2.0, 3.0]))
    array([ 8., -2.,  0., -2.])
    """
    _check_norm("hfft", norm)
    a = _operand("hfft", a, real=False)
    return irfft(_conj(a), n, axis, _SWAPPED[norm])


def ihfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """numpy.fft.ihfft: the inverse of ``hfft``, ``conj(rfft(a, n))`` with the opposite
    normalization.

    >>> import numpy as np
    >>> ihfft(np.array([8.0, -2.0, 0.0, -2.0]))
    array([1.-0.j, 2.-0.j, 3.-0.j])
    """
    _check_norm("ihfft", norm)
    return _conj(rfft(a, n, axis, _SWAPPED[norm]))


def fftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None):
    """numpy.fft.fftn: the DFT over ``axes`` (all of them by default).

    >>> import numpy as np
    >>> fftn(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[10.+0.j, -2.+0.j],
           [-4.+0.j,  0.+0.j]])
    """
    return _transform("fftn", "fft", a, s, axes, norm)


def ifftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
    """numpy.fft.ifftn: the inverse of ``fftn``.

    >>> import numpy as np
    >>> ifftn(np.array([[10.0, -2.0], [-4.0, 0.0]])).real
    array([[1., 2.],
           [3., 4.]])
    """
    return _transform("ifftn", "ifft", a, s, axes, norm)


def rfftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
    """numpy.fft.rfftn: the DFT of a real input over ``axes``, halved along the last one.

    >>> import numpy as np
    >>> rfftn(np.ones((2, 4))).shape
    (2, 3)
    """
    return _transform("rfftn", "rfft", a, s, axes, norm)


def irfftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: str | None = None):
    """numpy.fft.irfftn: the inverse of ``rfftn`` (pass ``s`` for an odd last length).

    >>> import numpy as np
    >>> irfftn(rfftn(np.array([[1.0, 2.0, 3.0]])), s=(1, 3))
    array([[1., 2., 3.]])
    """
    return _transform("irfftn", "irfft", a, s, axes, norm)


def fft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
         norm: str | None = None):
    """numpy.fft.fft2: ``fftn`` over the last two axes.

    >>> import numpy as np
    >>> fft2(np.eye(2))
    array([[2.+0.j, 0.+0.j],
           [0.+0.j, 2.+0.j]])
    """
    return _transform("fft2", "fft", a, s, axes, norm)


def ifft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
    """numpy.fft.ifft2: ``ifftn`` over the last two axes.

    >>> import numpy as np
    >>> ifft2(np.array([[2.0, 0.0], [0.0, 2.0]])).real
    array([[1., 0.],
           [0., 1.]])
    """
    return _transform("ifft2", "ifft", a, s, axes, norm)


def rfft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
    """numpy.fft.rfft2: ``rfftn`` over the last two axes.

    >>> import numpy as np
    >>> rfft2(np.ones((2, 2)))
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """
    return _transform("rfft2", "rfft", a, s, axes, norm)


def irfft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
           norm: str | None = None):
    """numpy.fft.irfft2: ``irfftn`` over the last two axes.

    >>> import numpy as np
    >>> irfft2(np.array([[4.0, 0.0], [0.0, 0.0]]))
    array([[1., 1.],
           [1., 1.]])
    """
    return _transform("irfft2", "irfft", a, s, axes, norm)


def _frequency_grid(func: str, n, d, values: np.ndarray, dtype):
    denominator = ew.mul(d, float(n)) if get_aval(d).shape == () else None
    if denominator is None:
        raise ValueError(f"fungrad.numpy.fft.{func}: the sample spacing d must be a scalar, "
                         f"got {get_aval(d).str_short()}")
    out = ew.div(values, denominator)
    if dtype is not None:
        out = ew.convert_element_type(out, np.dtype(dtype))
    return out


def _length(func: str, n) -> int:
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"fungrad.numpy.fft.{func}: n must be an integer, got {n!r}") from None
    if n < 1:
        raise ValueError(f"fungrad.numpy.fft.{func}: n must be positive, got {n}")
    return n


def fftfreq(n: int, d=1.0, *, dtype=None, device=None):
    """numpy.fft.fftfreq: the sample frequencies of an ``n``-point DFT with spacing ``d``
    (``d`` may be traced: the result is differentiable in it).

    >>> fftfreq(4, 0.5)
    array([ 0. ,  0.5, -1. , -0.5])
    """
    n = _length("fftfreq", n)
    k = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return _frequency_grid("fftfreq", n, d, k.astype(np.float64), dtype)


def rfftfreq(n: int, d=1.0, *, dtype=None, device=None):
    """numpy.fft.rfftfreq: the non-negative sample frequencies of an ``n``-point ``rfft``.

    >>> rfftfreq(4, 0.5)
    array([0. , 0.5, 1. ])
    """
    n = _length("rfftfreq", n)
    return _frequency_grid("rfftfreq", n, d, np.arange(n // 2 + 1, dtype=np.float64), dtype)


def _shift_axes(x, axes):
    ndim = len(get_aval(x).shape)
    if axes is None:
        return tuple(range(ndim))
    return (axes,) if isinstance(axes, int) else tuple(axes)


def fftshift(x, axes: int | Sequence[int] | None = None):
    """numpy.fft.fftshift: the zero frequency moved to the centre.

    >>> fftshift(fftfreq(4))
    array([-0.5 , -0.25,  0.  ,  0.25])
    """
    x = asarray(x)
    axes = _shift_axes(x, axes)
    if not axes:
        return x
    shape = get_aval(x).shape
    return roll(x, tuple(shape[ax] // 2 for ax in axes), axes)


def ifftshift(x, axes: int | Sequence[int] | None = None):
    """numpy.fft.ifftshift: the inverse of ``fftshift``.

    >>> ifftshift(fftshift(fftfreq(5)))
    array([ 0. ,  0.2,  0.4, -0.4, -0.2])
    """
    x = asarray(x)
    axes = _shift_axes(x, axes)
    if not axes:
        return x
    shape = get_aval(x).shape
    return roll(x, tuple(-(shape[ax] // 2) for ax in axes), axes)
