"""``fungrad.scipy.fft``: the discrete cosine transform, as in ``jax.scipy.fft``: ``dct``,
``idct``, ``dctn``, ``idctn``.

As in JAX, only the type-2 DCT (and its inverse) is implemented; types 1, 3 and 4 raise
NotImplementedError, and ``norm`` is None (``"backward"``) or ``"ortho"``.

The DCT-II of a length-``N`` signal is computed from one length-``N`` FFT (Makhoul, "A Fast
Cosine Transform in One and Two Dimensions", 1980): reorder the signal as its even entries
followed by its odd entries reversed, transform, turn each bin ``k`` by ``exp(-i pi k / 2N)``
and keep twice the real part. The inverse runs those steps backwards. Every step is a fungrad
operation (a gather, ``fft``, a complex scale, ``real``), all linear with transpose rules, so
the transforms are differentiable to every order in both modes and work under ``jit`` and
``vmap``. The transforms are real-linear: a complex input is transformed as its real and
imaginary parts.

>>> import numpy as np
>>> dct(np.array([1.0, 2.0, 3.0])).round(12) + 0.0  # + 0.0: no negative zeros
array([12.        , -3.46410162,  0.        ])
>>> idct(dct(np.array([1.0, 2.0, 3.0]))).round(12)
array([1., 2., 3.])
"""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.core import get_aval

__all__ = ["dct", "dctn", "idct", "idctn"]

_NORMS = (None, "backward", "ortho")


def _check_type_and_norm(func: str, type, norm):
    if type in (1, 3, 4):
        raise NotImplementedError(f"fungrad.scipy.fft.{func}: only DCT type 2 is implemented "
                                  f"(as in JAX), got type={type!r}")
    if type != 2:
        raise ValueError(f"fungrad.scipy.fft.{func}: type must be 1, 2, 3 or 4 (and only 2 is "
                         f"implemented), got type={type!r}")
    if norm not in _NORMS:
        raise ValueError(f"fungrad.scipy.fft.{func}: norm={norm!r} is not implemented; "
                         "expected None, 'backward' or 'ortho'")


def _operand(func: str, x):
    """``x`` as an inexact array of at least one dimension (integers become float64)."""
    x = fnp.asarray(x)
    aval = get_aval(x)
    if aval.dtype.kind not in "biufc":
        raise TypeError(f"fungrad.scipy.fft.{func}: expected a numeric array, got "
                        f"{aval.str_short()}")
    if not aval.shape:
        raise ValueError(f"fungrad.scipy.fft.{func}: x must have at least one dimension, got "
                         f"{aval.str_short()}")
    if aval.dtype.kind in "biu":
        x = x.astype(np.float64)
    return x


def _axis(func: str, x, axis) -> int:
    ndim = x.ndim
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"fungrad.scipy.fft.{func}: axis must be an integer, got "
                        f"{axis!r}") from None
    if not -ndim <= axis < ndim:
        raise ValueError(f"fungrad.scipy.fft.{func}: axis {axis} is out of bounds for x of "
                         f"shape {x.shape} ({x.dtype})")
    return axis % ndim


def _resize(func: str, x, n, axis: int):
    """``x`` cut or zero-padded to ``n`` entries along ``axis`` (``n=None`` keeps it)."""
    size = x.shape[axis]
    if n is None:
        n = size
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"fungrad.scipy.fft.{func}: the length n must be an integer, got "
                        f"{n!r}") from None
    if n < 1:
        raise ValueError(f"fungrad.scipy.fft.{func}: invalid number of data points ({n}) "
                         f"for x of shape {x.shape} along axis {axis}; expected at least 1")
    if n < size:
        return lax.slice_in_dim(x, 0, n, axis=axis)
    if n > size:
        widths = [(0, 0)] * x.ndim
        widths[axis] = (0, n - size)
        return fnp.pad(x, widths)
    return x


def _along(values: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    """A 1-D constant shaped to broadcast along ``axis`` of an ``ndim``-array."""
    shape = [1] * ndim
    shape[axis] = values.shape[0]
    return values.reshape(shape)


def _interleaving(n: int) -> np.ndarray:
    """Makhoul's order: the even entries, then the odd ones reversed."""
    return np.concatenate([np.arange(0, n, 2), np.arange(1, n, 2)[::-1]])


def _ortho_scale(n: int, dtype) -> np.ndarray:
    """What ``norm='ortho'`` multiplies the unnormalized DCT-II's bins by."""
    scale = np.full(n, 1.0 / np.sqrt(2.0 * n))
    scale[0] = 1.0 / np.sqrt(4.0 * n)
    return scale.astype(dtype)


def _split_complex(transform, x, *args):
    """A real-linear transform of a complex ``x``: its real and imaginary parts apart."""
    return lax.complex(transform(fnp.real(x), *args), transform(fnp.imag(x), *args))


def _dct_axis(x, axis: int, ortho: bool):
    """The DCT-II of a real ``x`` along ``axis``."""
    if x.dtype.kind == "c":
        return _split_complex(_dct_axis, x, axis, ortho)
    n = x.shape[axis]
    spectrum = fnp.fft.fft(fnp.take(x, _interleaving(n), axis=axis), axis=axis)
    turn = np.exp(-0.5j * np.pi * np.arange(n) / n).astype(spectrum.dtype)
    out = 2.0 * fnp.real(spectrum * _along(turn, x.ndim, axis))
    if ortho:
        out = out * _along(_ortho_scale(n, out.dtype), x.ndim, axis)
    return out


def _idct_axis(x, axis: int, ortho: bool):
    """The inverse of ``_dct_axis``: the DCT-III, scaled by ``1 / 2N``."""
    if x.dtype.kind == "c":
        return _split_complex(_idct_axis, x, axis, ortho)
    n = x.shape[axis]
    # undo the normalization, halve bin 0 (it stands alone in the cosine sum), unturn
    weights = np.ones(n)
    weights[0] = 0.5
    if ortho:
        weights = weights / _ortho_scale(n, np.float64)
    complex_dtype = np.result_type(x.dtype, np.complex64)
    unturn = (weights * np.exp(0.5j * np.pi * np.arange(n) / n)).astype(complex_dtype)
    reordered = fnp.real(fnp.fft.ifft(x * _along(unturn, x.ndim, axis), axis=axis))
    return fnp.take(reordered, np.argsort(_interleaving(n)), axis=axis)


def _along_axes(func: str, one_axis, x, type, s, axes, norm):
    """``one_axis`` (the DCT-II or its inverse) along each of ``axes``, after cutting or
    zero-padding ``x`` there to the lengths ``s``."""
    _check_type_and_norm(func, type, norm)
    x = _operand(func, x)
    axes, lengths = _axes_and_lengths(func, x, s, axes)
    for axis, n in zip(axes, lengths):
        x = one_axis(_resize(func, x, n, axis), axis, norm == "ortho")
    return x


def dct(x, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The discrete cosine transform of ``x`` along ``axis`` (``scipy.fft.dct``): for the
    type-2 DCT, ``y[k] = 2 sum_n x[n] cos(pi k (2n + 1) / 2N)``.

    ``n`` cuts or zero-pads ``x`` to that length first; ``norm='ortho'`` makes the
    transform orthonormal. Only ``type=2`` is implemented, as in JAX.

    >>> import numpy as np
    >>> dct(np.array([1.0, 1.0, 1.0, 1.0]))
    array([8., 0., 0., 0.])
    >>> dct(np.array([1.0, 1.0, 1.0, 1.0]), norm="ortho")
    array([2., 0., 0., 0.])
    """
    return _along_axes("dct", _dct_axis, x, type, (n,), (axis,), norm)


def idct(x, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The inverse discrete cosine transform (``scipy.fft.idct``): ``idct(dct(x)) == x``
    for the same ``norm``. Only ``type=2`` is implemented, as in JAX.

    >>> import numpy as np
    >>> idct(np.array([8.0, 0.0, 0.0, 0.0]))
    array([1., 1., 1., 1.])
    """
    return _along_axes("idct", _idct_axis, x, type, (n,), (axis,), norm)


def _axes_and_lengths(func: str, x, s, axes):
    """scipy's rules: ``s`` alone means the last ``len(s)`` axes, ``axes`` alone (or
    neither) keeps the lengths; an integer stands for a one-entry sequence."""
    ndim = x.ndim
    if s is not None:
        if isinstance(s, (int, np.integer)):
            s = (s,)
        s = tuple(s)
        if len(s) > ndim:
            raise ValueError(f"fungrad.scipy.fft.{func}: s must have at most x.ndim ({ndim}) "
                             f"entries, got s={s} for x of shape {x.shape}")
    if axes is None:
        axes = tuple(range(ndim - (len(s) if s is not None else ndim), ndim))
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    axes = tuple(_axis(func, x, ax) for ax in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"fungrad.scipy.fft.{func}: repeated axes {axes} for x of shape "
                         f"{x.shape}")
    if s is None:
        s = (None,) * len(axes)
    elif len(s) != len(axes):
        raise ValueError(f"fungrad.scipy.fft.{func}: s={s} and axes={axes} must have the same "
                         "length")
    return axes, s


def dctn(x, type: int = 2, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None):
    """The multidimensional discrete cosine transform (``scipy.fft.dctn``): ``dct`` along
    each of ``axes`` (all of them by default), each cut or zero-padded to ``s``.

    >>> import numpy as np
    >>> dctn(np.ones((2, 2)))
    array([[16.,  0.],
           [ 0.,  0.]])
    """
    return _along_axes("dctn", _dct_axis, x, type, s, axes, norm)


def idctn(x, type: int = 2, s: Sequence[int] | None = None,
          axes: Sequence[int] | None = None, norm: str | None = None):
    """The multidimensional inverse discrete cosine transform (``scipy.fft.idctn``):
    ``idctn(dctn(x)) == x``.

    >>> import numpy as np
    >>> idctn(np.array([[16.0, 0.0], [0.0, 0.0]]))
    array([[1., 1.],
           [1., 1.]])
    """
    return _along_axes("idctn", _idct_axis, x, type, s, axes, norm)
