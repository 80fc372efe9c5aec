"""Spectral analysis for ``fungrad.scipy.signal``, as in ``jax.scipy.signal``: ``detrend``,
the short-time Fourier transform ``stft`` and its inverse ``istft``, and Welch's averaged
periodograms ``csd`` (cross spectral density) and ``welch`` (power spectral density).

A signal is cut into overlapping segments of ``nperseg`` samples, ``nperseg - noverlap``
apart (one gather with a constant index); each segment is detrended, windowed and
transformed. ``istft`` adds the windowed inverse transforms back where they came from (the
transpose of that gather, a scatter-add) and divides by the summed squared window. The window
and the segment layout are constants computed with numpy (named windows other than ``'hann'``
come from ``scipy.signal.get_window``); an array window may be traced. Everything applied to
the signal is a fungrad operation, so all of it is differentiable to every order.

>>> import numpy as np
>>> f, pxx = welch(np.array([1.0, -1.0] * 8), nperseg=4)
>>> f
array([0.  , 0.25, 0.5 ])
>>> pxx.round(12)
array([0.        , 1.33333333, 2.66666667])
"""
from __future__ import annotations

import operator
import warnings
from typing import Callable, Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.core import get_aval


def _inexact(func: str, arg: str, x):
    """``x`` as an inexact array (integers and booleans become float64)."""
    x = fnp.asarray(x)
    if x.dtype.kind not in "biufc":
        raise TypeError(f"{func}: {arg} must be numeric, got shape {x.shape} ({x.dtype})")
    return x.astype(np.float64) if x.dtype.kind in "biu" else x


def _index(func: str, arg: str, value) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{func}: {arg} must be an integer, got {value!r}") from None


def _axis(func: str, arg: str, axis, x) -> int:
    axis = _index(func, arg, axis)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{func}: {arg}={axis} is out of bounds for an input of shape "
                         f"{x.shape} ({x.dtype})")
    return axis % x.ndim


def _real_dtype(dtype) -> np.dtype:
    return np.dtype(np.float32) if dtype in (np.float16, np.float32, np.complex64) else \
        np.dtype(np.float64)


# ---- detrending


def _fit_residual(npts: int) -> np.ndarray:
    """``I - P`` for the projection ``P`` onto the lines ``a + b t`` on ``npts`` points."""
    design = np.stack([np.ones(npts), np.arange(1, npts + 1) / npts], axis=1)
    return np.eye(npts) - design @ np.linalg.pinv(design)


def detrend(data, axis: int = -1, type: str = "linear", bp: int | Sequence[int] = 0,
            overwrite_data: None = None):
    """The data with its trend along ``axis`` removed (``scipy.signal.detrend``):
    ``type='constant'`` subtracts the mean; ``'linear'`` subtracts the least-squares line,
    piecewise between the breakpoints ``bp`` (indices along ``axis``). Linear in the data.

    >>> import numpy as np
    >>> detrend(np.array([1.0, 4.0, 8.0, 8.0, 9.0])).round(12) + 0.0  # no negative zeros
    array([-1.,  0.,  2.,  0., -1.])
    >>> detrend(np.array([1.0, 4.0, 8.0, 8.0, 9.0]), type="constant")
    array([-5., -2.,  2.,  2.,  3.])
    """
    if overwrite_data is not None:
        raise NotImplementedError("detrend: the overwrite_data argument is not supported "
                                  "(fungrad arrays are immutable)")
    if type not in ("linear", "constant"):
        raise ValueError(f"detrend: type must be 'linear' or 'constant', got {type!r}")
    data = _inexact("detrend", "data", data)
    if data.ndim == 0:
        raise ValueError(f"detrend: data must have at least one dimension, got shape () "
                         f"({data.dtype})")
    axis = _axis("detrend", "axis", axis, data)
    if type == "constant":
        return data - fnp.mean(data, axis=axis, keepdims=True)
    n = data.shape[axis]
    try:
        points = np.asarray(bp, dtype=np.int64).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"detrend: bp must be an integer or a sequence of integers, got "
                        f"{bp!r}") from None
    breaks = np.unique(np.concatenate([[0], points, [n]]))
    if breaks[0] < 0 or breaks[-1] > n:
        raise ValueError(f"detrend: the breakpoints bp={bp!r} must lie in [0, {n}], the "
                         f"length of data (shape {data.shape}) along axis {axis}")
    moved = fnp.moveaxis(data, axis, -1)
    pieces = []
    for start, stop in zip(breaks[:-1], breaks[1:]):
        residual = _fit_residual(int(stop - start)).astype(_real_dtype(data.dtype))
        pieces.append(fnp.matmul(moved[..., start:stop], residual.T))
    out = pieces[0] if len(pieces) == 1 else fnp.concatenate(pieces, axis=-1)
    return fnp.moveaxis(out, -1, axis)


# ---- windows and segments


def _window(func: str, window, nperseg: int | None, input_length: int, dtype):
    """The window as an array, and the segment length: a name or a tuple is made
    ``nperseg`` long (default: the input's length, as in JAX; at most that long); an array
    gives the length itself."""
    if isinstance(window, (str, tuple)):
        nperseg = input_length if nperseg is None else nperseg
        if nperseg > input_length:
            warnings.warn(f"{func}: nperseg={nperseg} is greater than input_length="
                          f"{input_length}, using nperseg={input_length}", stacklevel=3)
            nperseg = input_length
        if window == "hann":
            values = np.ones(1) if nperseg == 1 else \
                np.sin(np.linspace(0, np.pi, nperseg, endpoint=False)) ** 2
        else:
            from scipy.signal import get_window
            values = get_window(window, nperseg)
        return values.astype(dtype), nperseg
    win = fnp.asarray(window)
    if win.ndim != 1:
        raise ValueError(f"{func}: window must be 1-D, got shape {win.shape} ({win.dtype})")
    if nperseg is not None and nperseg != win.shape[0]:
        raise ValueError(f"{func}: nperseg={nperseg} is different from the length of window "
                         f"(shape {win.shape})")
    if input_length < win.shape[0]:
        raise ValueError(f"{func}: window (shape {win.shape}) is longer than the input "
                         f"signal ({input_length} samples)")
    return win.astype(dtype), win.shape[0]


def _segment_index(length: int, nperseg: int, step: int) -> np.ndarray:
    """``index[s, j]``: the sample of segment ``s`` at offset ``j``."""
    starts = np.arange(0, length - nperseg + 1, step)
    return starts[:, None] + np.arange(nperseg)[None, :]


def _odd_extension(x, n: int):
    """``x`` extended by ``n`` points at each end of its last axis, odd about the ends."""
    if n < 1:
        return x
    if n > x.shape[-1] - 1:
        raise ValueError(f"the odd extension length n ({n}) is too big: it must not exceed "
                         f"x.shape[-1] - 1 = {x.shape[-1] - 1}")
    left = 2 * x[..., :1] - x[..., n:0:-1]
    right = 2 * x[..., -1:] - x[..., -2:-n - 2:-1]
    return fnp.concatenate([left, x, right], axis=-1)


def _extend(x, boundary, n: int):
    if boundary is None:
        return x
    if boundary == "odd":
        return _odd_extension(x, n)
    widths = [(0, 0)] * (x.ndim - 1) + [(n, n)]
    mode = {"even": "reflect", "constant": "edge", "zeros": "constant"}[boundary]
    return fnp.pad(x, widths, mode=mode)


_BOUNDARIES = ("even", "odd", "constant", "zeros", None)


def _detrend_function(func: str, detrend_type, axis: int) -> Callable:
    if isinstance(detrend_type, str):
        return lambda d: detrend(d, axis=-1, type=detrend_type)
    if callable(detrend_type):
        if axis == -1:
            return detrend_type

        def moved(d):  # scipy's convention: the samples sit on the user's axis
            return fnp.moveaxis(detrend_type(fnp.moveaxis(d, -1, axis)), axis, -1)
        return moved
    if detrend_type is False or detrend_type is None:
        return lambda d: d
    raise ValueError(f"{func}: unsupported detrend={detrend_type!r}; expected False, "
                     "'constant', 'linear' or a function")


def _windowed_spectra(x, win, detrend_func, nperseg: int, step: int, nfft: int,
                      onesided: bool):
    """The spectra of the detrended, windowed segments: ``(..., segments, frequencies)``."""
    segments = x[..., _segment_index(x.shape[-1], nperseg, step)]
    segments = detrend_func(segments) * win
    if onesided:
        return fnp.fft.rfft(fnp.real(segments), n=nfft)
    return fnp.fft.fft(segments, n=nfft)


def _spectral_helper(func: str, x, y, fs, window, nperseg, noverlap, nfft, detrend_type,
                     return_onesided: bool, scaling: str, axis, mode: str, boundary=None,
                     padded: bool = False):
    """scipy's ``_spectral_helper``: ``(frequencies, times, spectra)``, the spectra with
    frequencies on ``axis`` and segments last. ``y=None``: the auto-spectrum of ``x``."""
    if boundary not in _BOUNDARIES:
        raise ValueError(f"{func}: unknown boundary={boundary!r}; expected one of "
                         f"{_BOUNDARIES}")
    if scaling not in ("density", "spectrum"):
        raise ValueError(f"{func}: unknown scaling={scaling!r}; expected 'density' or "
                         "'spectrum'")
    x = _inexact(func, "x", x)
    if x.ndim == 0:
        raise ValueError(f"{func}: x must have at least one dimension, got shape () "
                         f"({x.dtype})")
    axis = _axis(func, "axis", axis, x)
    if y is None:
        outer = x.shape[:axis] + x.shape[axis + 1:]
    else:
        y = _inexact(func, "y", y)
        dtype = np.result_type(x.dtype, y.dtype)
        x, y = x.astype(dtype), y.astype(dtype)
        if x.ndim != y.ndim:
            raise ValueError(f"{func}: x and y must have the same rank, got shapes {x.shape} "
                             f"and {y.shape}")
        try:
            outer = np.broadcast_shapes(x.shape[:axis] + x.shape[axis + 1:],
                                        y.shape[:axis] + y.shape[axis + 1:])
        except ValueError:
            raise ValueError(f"{func}: x (shape {x.shape}) and y (shape {y.shape}) cannot be "
                             f"broadcast together outside axis {axis}") from None
    complex_dtype = np.result_type(x.dtype, np.complex64)
    real_dtype = _real_dtype(complex_dtype)
    if nperseg is not None:
        nperseg = _index(func, "nperseg", nperseg)
        if nperseg < 1:
            raise ValueError(f"{func}: nperseg must be a positive integer, got {nperseg}")
    win, nperseg = _window(func, window, nperseg, x.shape[axis], real_dtype)
    noverlap = nperseg // 2 if noverlap is None else _index(func, "noverlap", noverlap)
    nfft = nperseg if nfft is None else _index(func, "nfft", nfft)
    if x.size == 0 or (y is not None and y.size == 0):
        shape = x.shape if y is None else \
            outer[:axis] + (min(x.shape[axis], y.shape[axis]),) + outer[axis:]
        return (fnp.zeros(shape, real_dtype), fnp.zeros(shape, real_dtype),
                fnp.zeros(shape, complex_dtype if y is not None or mode == "stft" else
                          real_dtype))
    if nfft < nperseg:
        raise ValueError(f"{func}: nfft ({nfft}) must be greater than or equal to nperseg "
                         f"({nperseg})")
    if not 0 <= noverlap < nperseg:
        raise ValueError(f"{func}: noverlap ({noverlap}) must be non-negative and less than "
                         f"nperseg ({nperseg})")
    step = nperseg - noverlap
    x = fnp.moveaxis(x, axis, -1)
    if y is not None:
        y = fnp.moveaxis(y, axis, -1)
        # the shorter signal is zero-padded to the longer one
        length = max(x.shape[-1], y.shape[-1])
        x = fnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, length - x.shape[-1])])
        y = fnp.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, length - y.shape[-1])])
    signals = [x] if y is None else [x, y]
    signals = [_extend(s, boundary, nperseg // 2) for s in signals]
    if padded:  # whole segments: the length becomes nperseg + k * step
        extra = (-(signals[0].shape[-1] - nperseg) % step) % nperseg
        signals = [fnp.pad(s, [(0, 0)] * (s.ndim - 1) + [(0, extra)]) for s in signals]
    length = signals[0].shape[-1]
    detrend_func = _detrend_function(func, detrend_type, axis if axis != x.ndim - 1 else -1)

    onesided = bool(return_onesided)
    if onesided and complex_dtype == x.dtype:
        warnings.warn(f"{func}: input data is complex, switching to return_onesided=False",
                      stacklevel=3)
        onesided = False
    frequencies = fnp.fft.rfftfreq if onesided else fnp.fft.fftfreq
    freqs = frequencies(nfft, fnp.divide(1.0, fs), dtype=real_dtype)
    if scaling == "density":
        scale = 1.0 / (fs * fnp.sum(win * win))
    else:
        scale = 1.0 / fnp.sum(win) ** 2
    if mode == "stft":
        scale = fnp.sqrt(scale)

    spectra = [_windowed_spectra(s, win, detrend_func, nperseg, step, nfft, onesided)
               for s in signals]
    if mode == "stft":
        result = spectra[0]
    else:
        result = fnp.conj(spectra[0]) * spectra[-1]
        if y is None:
            result = fnp.real(result)
    result = result * fnp.asarray(scale).astype(real_dtype)
    if onesided and mode == "psd":  # each interior bin also stands for its negative
        doubled = np.full(result.shape[-1], 2.0, real_dtype)
        doubled[0] = 1.0
        if nfft % 2 == 0:
            doubled[-1] = 1.0
        result = result * doubled
    offsets = np.arange(nperseg / 2, length - nperseg / 2 + 1, step)
    if boundary is not None:
        offsets = offsets - nperseg / 2
    times = fnp.asarray(offsets.astype(real_dtype)) / fs
    return freqs, times, fnp.moveaxis(result, -1, axis)


_AVERAGES = ("mean", "median")


def _median_bias(n: int) -> float:
    """The median of ``n`` exponential periodograms over their mean (Allen et al. 2012)."""
    even = np.arange(2.0, n, 2)
    return 1.0 + float(np.sum(1.0 / (even + 1) - 1.0 / even))


def _welch_average(func: str, x, y, fs, window, nperseg, noverlap, nfft, detrend,
                   return_onesided, scaling, axis, average):
    """The periodograms of ``_spectral_helper`` averaged over the segments."""
    if average not in _AVERAGES:
        raise ValueError(f"{func}: average must be 'mean' or 'median', got {average!r}")
    freqs, _, pxy = _spectral_helper(func, x, y, fs, window, nperseg, noverlap, nfft,
                                     detrend, return_onesided, scaling, axis, mode="psd")
    if y is not None and pxy.dtype.kind != "c":
        pxy = lax.complex(pxy, fnp.zeros_like(pxy))
    if pxy.ndim >= 2 and pxy.size > 0:
        if pxy.shape[-1] > 1 and average == "median":
            bias = _median_bias(pxy.shape[-1])
            if pxy.dtype.kind == "c":
                pxy = lax.complex(fnp.median(fnp.real(pxy), axis=-1),
                                  fnp.median(fnp.imag(pxy), axis=-1))
            else:
                pxy = fnp.median(pxy, axis=-1)
            pxy = pxy / np.asarray(bias, _real_dtype(pxy.dtype))
        elif pxy.shape[-1] > 1:
            pxy = fnp.mean(pxy, axis=-1)
        else:
            pxy = pxy[..., 0]
    return freqs, pxy


def csd(x, y, fs=1.0, window="hann", nperseg: int | None = None,
        noverlap: int | None = None, nfft: int | None = None, detrend="constant",
        return_onesided: bool = True, scaling: str = "density", axis: int = -1,
        average: str = "mean"):
    """The cross power spectral density of ``x`` and ``y`` by Welch's method
    (``scipy.signal.csd``): ``conj(X) Y`` over windowed segments, averaged. Returns
    ``(f, Pxy)``. ``y=None`` gives the power spectral density of ``x``. As in JAX,
    ``nperseg`` defaults to the signal's length.

    >>> import numpy as np
    >>> f, pxy = csd(np.array([1.0, -1.0] * 4), np.array([1.0, -1.0] * 4), nperseg=4)
    >>> pxy.round(12)
    array([0.        +0.j, 1.33333333+0.j, 2.66666667+0.j])
    """
    return _welch_average("csd", x, y, fs, window, nperseg, noverlap, nfft, detrend,
                          return_onesided, scaling, axis, average)


def welch(x, fs=1.0, window="hann", nperseg: int | None = None, noverlap: int | None = None,
          nfft: int | None = None, detrend="constant", return_onesided: bool = True,
          scaling: str = "density", axis: int = -1, average: str = "mean"):
    """The power spectral density of ``x`` by Welch's method (``scipy.signal.welch``):
    ``|X|^2`` over windowed segments, averaged. Returns ``(f, Pxx)``. As in JAX,
    ``nperseg`` defaults to the signal's length.

    >>> import numpy as np
    >>> f, pxx = welch(np.cos(np.pi * np.arange(8) / 2), nperseg=4, window="boxcar")
    >>> pxx.round(12)
    array([0., 2., 0.])
    """
    freqs, pxx = _welch_average("welch", x, None, fs, window, nperseg, noverlap, nfft, detrend,
                                return_onesided, scaling, axis, average)
    return freqs, fnp.real(pxx)


def stft(x, fs=1.0, window="hann", nperseg: int = 256, noverlap: int | None = None,
         nfft: int | None = None, detrend=False, return_onesided: bool = True,
         boundary: str | None = "zeros", padded: bool = True, axis: int = -1):
    """The short-time Fourier transform of ``x`` (``scipy.signal.stft``): the spectra of
    windowed segments, scaled by ``1 / sum(window)``. Returns ``(f, t, Zxx)``, ``Zxx`` with
    frequencies on ``axis`` and segment times last.

    >>> import numpy as np
    >>> f, t, zxx = stft(np.ones(4), nperseg=2, window="boxcar", boundary=None)
    >>> t
    array([1., 2., 3.])
    >>> zxx
    array([[1.+0.j, 1.+0.j, 1.+0.j],
           [0.+0.j, 0.+0.j, 0.+0.j]])
    """
    return _spectral_helper("stft", x, None, fs, window, nperseg, noverlap, nfft, detrend,
                            return_onesided, "spectrum", axis, mode="stft",
                            boundary=boundary, padded=padded)


def _overlap_add(frames, step: int):
    """The segments ``(..., segments, nperseg)`` added into one signal, ``step`` apart: the
    transpose of cutting a signal into segments."""
    count, nperseg = frames.shape[-2:]
    length = nperseg + step * (count - 1)
    out = fnp.zeros(frames.shape[:-2] + (length,), frames.dtype)
    return out.at[..., _segment_index(length, nperseg, step)].add(frames)


def istft(Zxx, fs=1.0, window="hann", nperseg: int | None = None,
          noverlap: int | None = None, nfft: int | None = None, input_onesided: bool = True,
          boundary: bool = True, time_axis: int = -1, freq_axis: int = -2):
    """The inverse short-time Fourier transform (``scipy.signal.istft``): each segment's
    inverse transform, windowed and overlap-added, divided by the overlap-added squared
    window. Returns ``(t, x)``; ``istft(stft(x)[2])`` recovers ``x`` for a window that
    satisfies the NOLA condition.

    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 3.0, 2.0, 1.0, 0.0, 1.0, 2.0])
    >>> t, y = istft(stft(x, nperseg=4)[2])
    >>> y.round(12) + 0.0
    array([1., 2., 3., 2., 1., 0., 1., 2.])
    """
    Zxx = fnp.asarray(Zxx)
    if Zxx.dtype.kind not in "biufc":
        raise TypeError(f"istft: Zxx must be numeric, got shape {Zxx.shape} ({Zxx.dtype})")
    if Zxx.ndim < 2:
        raise ValueError(f"istft: Zxx must be at least 2-D, got shape {Zxx.shape} "
                         f"({Zxx.dtype})")
    freq_axis = _axis("istft", "freq_axis", freq_axis, Zxx)
    time_axis = _axis("istft", "time_axis", time_axis, Zxx)
    if freq_axis == time_axis:
        raise ValueError(f"istft: time_axis and freq_axis must differ, got both {time_axis}")
    complex_dtype = np.result_type(Zxx.dtype, np.complex64)
    Zxx = Zxx.astype(complex_dtype)
    n_default = 2 * (Zxx.shape[freq_axis] - 1) if input_onesided else Zxx.shape[freq_axis]
    nperseg = n_default if nperseg is None else _index("istft", "nperseg", nperseg)
    if nperseg < 1:
        raise ValueError(f"istft: nperseg must be a positive integer, got {nperseg}")
    if nfft is None:
        nfft = nperseg if input_onesided and nperseg == n_default + 1 else n_default
    else:
        nfft = _index("istft", "nfft", nfft)
    if nfft < nperseg:
        raise ValueError(f"istft: nfft ({nfft}) must be greater than or equal to nperseg "
                         f"({nperseg})")
    noverlap = nperseg // 2 if noverlap is None else _index("istft", "noverlap", noverlap)
    if not 0 <= noverlap < nperseg:
        raise ValueError(f"istft: noverlap ({noverlap}) must be non-negative and less than "
                         f"nperseg ({nperseg})")
    step = nperseg - noverlap
    outer = [d for d in range(Zxx.ndim) if d not in (freq_axis, time_axis)]
    Zxx = fnp.transpose(Zxx, outer + [time_axis, freq_axis])  # (..., segments, freqs)
    inverse = fnp.fft.irfft if input_onesided else fnp.fft.ifft
    segments = inverse(Zxx, n=nfft, axis=-1)[..., :nperseg]
    real_dtype = _real_dtype(complex_dtype)
    if isinstance(window, (str, tuple)):
        win, _ = _window("istft", window, nperseg, nperseg, real_dtype)
    else:
        win = fnp.asarray(window)
        if win.ndim != 1 or win.shape[0] != nperseg:
            raise ValueError(f"istft: window must be 1-D of length nperseg={nperseg}, got "
                             f"shape {win.shape} ({win.dtype})")
        win = win.astype(real_dtype)
    # the stft divided by sum(win); the overlap-added squared window normalizes
    x = _overlap_add(segments * (fnp.sum(win) * win), step)
    norm = _overlap_add(fnp.broadcast_to(win * win, (Zxx.shape[-2], nperseg)), step)
    if boundary:
        cut = nperseg // 2
        x, norm = x[..., cut:x.shape[-1] - cut], norm[..., cut:norm.shape[-1] - cut]
    x = x / fnp.where(norm > 1e-10, norm, 1.0)
    if x.ndim > 1 and time_axis != Zxx.ndim - 1:
        x = fnp.moveaxis(x, -1, time_axis - 1 if freq_axis < time_axis else time_axis)
    times = fnp.asarray(np.arange(x.shape[0], dtype=real_dtype)) / fs
    return times, x
