"""``fungrad.scipy.signal``, as in ``jax.scipy.signal``: convolutions (``convolve``,
``correlate``, ``convolve2d``, ``correlate2d``, real or complex, ``fftconvolve``), ``detrend``,
and spectral analysis (``stft``, ``istft``, ``csd``, ``welch``, in ``_spectral.py``).

Everything is a composition of fungrad operations, so it is differentiable in every array
argument: the direct convolution gathers, for every output position, the input entries each
kernel entry meets (masked outside the input), then contracts with the kernel;
``fftconvolve`` multiplies spectra.

>>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
array([0. , 1. , 2.5, 4. , 1.5])
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "detrend",
           "stft", "istft", "csd", "welch"]

_MODES = ("full", "same", "valid")


def _check(name: str, in1, in2, mode: str, ndim: int | None):
    in1, in2 = fnp.asarray(in1), fnp.asarray(in2)
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be one of {_MODES}, got {mode!r}")
    if ndim is not None and (in1.ndim != ndim or in2.ndim != ndim):
        raise ValueError(f"{name}: inputs must be {ndim}-D, got shapes {in1.shape} ({in1.dtype}) "
                         f"and {in2.shape} ({in2.dtype})")
    if in1.ndim != in2.ndim:
        raise ValueError(f"{name}: in1 and in2 must have the same number of dimensions, got "
                         f"shapes {in1.shape} and {in2.shape}")
    if in1.ndim == 0:
        raise ValueError(f"{name}: inputs must have at least one dimension, got shapes "
                         f"{in1.shape} ({in1.dtype}) and {in2.shape} ({in2.dtype})")
    for arg, x in (("in1", in1), ("in2", in2)):
        if x.dtype.kind not in "biufc":
            raise TypeError(f"{name}: {arg} must be numeric, got shape {x.shape} ({x.dtype})")
    if in1.size == 0 or in2.size == 0:
        raise ValueError(f"{name}: inputs must not be empty, got shapes {in1.shape} and "
                         f"{in2.shape}")
    if mode == "valid":
        bigger = all(a >= b for a, b in zip(in1.shape, in2.shape))
        smaller = all(a <= b for a, b in zip(in1.shape, in2.shape))
        if not (bigger or smaller):
            raise ValueError(f"{name}: in mode 'valid' one input must be at least as large as "
                             f"the other in every dimension, got {in1.shape} and {in2.shape}")
    return in1, in2


def _full(in1, in2):
    """The full convolution, ``out[k] = sum_j in1[k - j] in2[j]`` in every dimension."""
    index, valid = [], np.ones((), bool)
    ndim = in1.ndim
    for d in range(ndim):
        n, m = in1.shape[d], in2.shape[d]
        k = np.arange(n + m - 1)[:, None] - np.arange(m)[None, :]  # (out_d, kernel_d)
        shape = [1] * (2 * ndim)
        shape[d], shape[ndim + d] = n + m - 1, m
        index.append(np.clip(k, 0, n - 1).reshape(shape))
        valid = valid & ((k >= 0) & (k < n)).reshape(shape)
    gathered = fnp.where(valid, in1[tuple(index)], 0.0)
    return fnp.tensordot(gathered, in2, axes=ndim)


def _crop(full, in1, in2, mode: str, late_same: bool = False):
    """The centered part of the full result; ``late_same``: scipy's correlate2d centers an
    even-sized kernel one step later in mode 'same' than convolve does."""
    if mode == "full":
        return full
    index = []
    for d in range(in1.ndim):
        n, m, length = in1.shape[d], in2.shape[d], full.shape[d]
        size = n if mode == "same" else abs(n - m) + 1
        start = m // 2 if mode == "same" and late_same else (length - size) // 2
        index.append(slice(start, start + size))
    return full[tuple(index)]


_METHODS = ("auto", "direct", "fft")


def _convolve(name, in1, in2, mode, ndim=None, late_same=False, method="auto"):
    if method not in _METHODS:
        raise ValueError(f"{name}: method must be one of {_METHODS}, got {method!r}")
    in1, in2 = _check(name, in1, in2, mode, ndim)
    if method == "fft":  # the same centering rules, so the same result up to rounding
        return fftconvolve(in1, in2, mode)
    return _crop(_full(in1, in2), in1, in2, mode, late_same)


def _conj(x):
    return fnp.conj(x) if x.dtype.kind == "c" else x


def _flipped(x):
    x = fnp.asarray(x)
    return x[(slice(None, None, -1),) * x.ndim]


def convolve(in1, in2, mode: str = "full", method: str = "auto", precision=None):
    """N-dimensional convolution of ``in1`` with ``in2``: direct
    (``method`` ``'auto'`` or ``'direct'``) or through the FFT (``'fft'``). ``precision`` is
    accepted for JAX's signature; numpy computes at the inputs' precision.

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0]), mode="valid")
    array([3., 5.])
    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0]), method="fft").round(12)
    array([1., 3., 5., 3.])
    """
    return _convolve("convolve", in1, in2, mode, method=method)


def correlate(in1, in2, mode: str = "full", method: str = "auto", precision=None):
    """Cross-correlation: ``convolve(in1, conj(in2) reversed)``.

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0]), mode="valid")
    array([1., 2.])
    """
    in1, in2 = fnp.asarray(in1), fnp.asarray(in2)
    if mode == "valid" and all(a < b for a, b in zip(in1.shape, in2.shape)):
        # scipy swaps the operands here: corr(in1, in2) is corr(in2, in1) conjugated, reversed
        return _flipped(_convolve("correlate", _conj(in2), _flipped(in1), mode, method=method))
    return _convolve("correlate", in1, _flipped(_conj(in2)), mode, method=method)


def convolve2d(in1, in2, mode: str = "full", boundary: str = "fill", fillvalue=0,
               precision=None):
    """2-D convolution (zero ``fill`` boundary only).

    >>> convolve2d(np.ones((2, 2)), np.ones((2, 2)))
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError("convolve2d: only boundary='fill' with fillvalue=0 is "
                                  "supported (as in JAX)")
    return _convolve("convolve2d", in1, in2, mode, ndim=2)


def correlate2d(in1, in2, mode: str = "full", boundary: str = "fill", fillvalue=0,
                precision=None):
    """2-D cross-correlation (zero ``fill`` boundary only).

    >>> correlate2d(np.eye(2), np.array([[1.0, 0.0], [0.0, 0.0]]), mode="valid")
    array([[1.]])
    """
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError("correlate2d: only boundary='fill' with fillvalue=0 is "
                                  "supported (as in JAX)")
    in1, in2 = fnp.asarray(in1), fnp.asarray(in2)
    if mode == "valid" and all(a <= b for a, b in zip(in1.shape, in2.shape)) and \
            in1.shape != in2.shape:
        # scipy swaps the operands here (reversing, but not conjugating, the result)
        return _flipped(_convolve("correlate2d", in2, _flipped(_conj(in1)), mode, ndim=2))
    return _convolve("correlate2d", in1, _flipped(_conj(in2)), mode, ndim=2, late_same=True)


def _conv_axes(in1, in2, axes) -> tuple:
    """``fftconvolve``'s axes: all by default; the others must agree in size (JAX maps over
    them)."""
    ndim = in1.ndim
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, (int, np.integer)):
        axes = (axes,)
    out = []
    for ax in axes:
        if not isinstance(ax, (int, np.integer)) or not -ndim <= ax < ndim:
            raise ValueError(f"fftconvolve: axis {ax!r} is not an axis of inputs of shapes "
                             f"{in1.shape} and {in2.shape}")
        out.append(int(ax) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"fftconvolve: repeated axes {tuple(out)}")
    for d in range(ndim):
        if d not in out and in1.shape[d] != in2.shape[d]:
            raise ValueError(f"fftconvolve: the axes not convolved must have the same size, got "
                             f"shapes {in1.shape} and {in2.shape} with axes={tuple(out)}")
    return tuple(out)


def fftconvolve(in1, in2, mode: str = "full", axes=None):
    """Convolution of two N-dimensional arrays through the FFT (``scipy.signal.fftconvolve``):
    the product of their spectra, zero-padded to the full size, transformed back, then cut
    to ``mode``. ``axes`` convolves along those axes only; along the others the inputs must
    have the same size and are paired entry by entry (as in JAX).

    >>> import numpy as np
    >>> fftconvolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])).round(12) + 0.0
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> fftconvolve(np.array([1.0, 2.0, 3.0, 2.0, 1.0]), np.ones(3), mode="valid").round(12)
    array([6., 7., 6.])
    """
    in1, in2 = fnp.asarray(in1), fnp.asarray(in2)
    for arg, x in (("in1", in1), ("in2", in2)):
        if x.dtype.kind not in "biufc":
            raise TypeError(f"fftconvolve: {arg} must be numeric, got shape {x.shape} "
                            f"({x.dtype})")
    dtype = np.result_type(in1.dtype, in2.dtype, np.float16)
    dtype = np.dtype(np.float64) if dtype.kind in "biu" else dtype
    in1, in2 = in1.astype(dtype), in2.astype(dtype)
    if in1.ndim != in2.ndim:
        raise ValueError(f"fftconvolve: in1 and in2 must have the same number of dimensions, "
                         f"got shapes {in1.shape} and {in2.shape}")
    if mode not in _MODES:
        raise ValueError(f"fftconvolve: mode must be one of {_MODES}, got {mode!r}")
    if in1.size == 0 or in2.size == 0:
        raise ValueError(f"fftconvolve: inputs must not be empty, got shapes {in1.shape} and "
                         f"{in2.shape}")
    if in1.ndim == 0:
        return in1 * in2
    axes = _conv_axes(in1, in2, axes)
    shape1 = [in1.shape[d] for d in axes]
    shape2 = [in2.shape[d] for d in axes]
    if mode == "valid":
        if all(a <= b for a, b in zip(shape1, shape2)) and shape1 != shape2:
            in1, in2, shape1, shape2 = in2, in1, shape2, shape1
        elif not all(a >= b for a, b in zip(shape1, shape2)):
            raise ValueError(f"fftconvolve: in mode 'valid' one input must be at least as "
                             f"large as the other in every convolved dimension, got shapes "
                             f"{in1.shape} and {in2.shape}")
    full = [a + b - 1 for a, b in zip(shape1, shape2)]
    if all(a == 1 or b == 1 for a, b in zip(shape1, shape2)):
        conv = in1 * in2  # no overlap to sum over: the full convolution is a product
    elif dtype.kind == "c":
        conv = fnp.fft.ifftn(fnp.fft.fftn(in1, full, axes) * fnp.fft.fftn(in2, full, axes),
                             full, axes)
    else:
        conv = fnp.fft.irfftn(fnp.fft.rfftn(in1, full, axes) * fnp.fft.rfftn(in2, full, axes),
                              full, axes)
    sizes = {"full": full, "same": shape1, "valid": [a - b + 1 for a, b in zip(shape1, shape2)]}
    index = [slice(None)] * in1.ndim
    for d, length, size in zip(axes, full, sizes[mode]):
        start = (length - size) // 2
        index[d] = slice(start, start + size)
    return conv[tuple(index)]


from fungrad.scipy._spectral import csd, detrend, istft, stft, welch  # noqa: E402,F401
