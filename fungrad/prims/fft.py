"""The discrete Fourier transform as one linear primitive, ``fft``, as in ``lax.fft``.

``fft[fft_type, fft_lengths]`` transforms the trailing ``len(fft_lengths)`` axes:

- ``fft`` / ``ifft``: complex to complex, unnormalized forward, ``1/N`` inverse;
- ``rfft``: real to complex, keeping the ``n//2 + 1`` non-negative frequencies of the last
  axis;
- ``irfft``: those back to real (the imaginary parts of the bins that must be real, DC and
  Nyquist, are ignored, as numpy does).

The transform is linear, so its tangent is itself on the tangent and its cotangent is its
transpose under the pairing ``Re(sum(c * t))`` (see ``fungrad.prims.complex``). The DFT matrix
is symmetric, so ``fft`` and ``ifft`` are their own transposes. ``rfft`` is ``fft`` of a real
input with the upper half of the bins dropped: its transpose zero-fills those bins, transforms
and keeps the real part. ``irfft`` counts each interior bin twice (it stands for itself and its
conjugate mirror), so its transpose is ``conj(rfft(g)) / N`` with those bins doubled. Rules are
written with these primitives, so derivatives of every order work.
"""
from __future__ import annotations

import numpy as np

from fungrad.core import ShapedArray, bind, get_aval
from fungrad.prims.complex import COMPLEX_OF, REAL_OF, conj, real
from fungrad.prims.elementwise import mul
from fungrad.prims.rules import deflinear, primitive
from fungrad.prims.structural import pad

FFT_TYPES = ("fft", "ifft", "rfft", "irfft")


def _fft_impl(x, fft_type, fft_lengths):
    axes = tuple(range(-len(fft_lengths), 0))
    transform = {"fft": np.fft.fftn, "ifft": np.fft.ifftn, "rfft": np.fft.rfftn,
                 "irfft": np.fft.irfftn}[fft_type]
    return transform(x, s=fft_lengths, axes=axes)


def _fft_abstract(aval, fft_type, fft_lengths):
    k = len(fft_lengths)
    if fft_type not in FFT_TYPES:
        raise ValueError(f"fft: unknown fft_type {fft_type!r}; expected one of {FFT_TYPES}")
    if not 1 <= k <= len(aval.shape):
        raise ValueError(f"fft: {k} fft_lengths for an operand {aval.str_short()}; expected "
                         f"between 1 and its rank {len(aval.shape)}")
    trailing = tuple(aval.shape[-k:])
    expected = tuple(fft_lengths)
    if fft_type == "irfft":
        expected = expected[:-1] + (fft_lengths[-1] // 2 + 1,)
    if trailing != expected:
        raise ValueError(f"fft: {fft_type} with fft_lengths={fft_lengths} needs trailing axes "
                         f"of sizes {expected}, got an operand {aval.str_short()}")
    if fft_type == "rfft":
        if aval.dtype not in COMPLEX_OF:
            raise TypeError(f"fft: rfft takes a real floating-point operand, got "
                            f"{aval.str_short()}")
        shape = aval.shape[:-1] + (fft_lengths[-1] // 2 + 1,)
        return ShapedArray(shape, COMPLEX_OF[aval.dtype])
    if aval.dtype.kind != "c":
        raise TypeError(f"fft: {fft_type} takes a complex operand, got {aval.str_short()}")
    if fft_type == "irfft":
        return ShapedArray(aval.shape[:-1] + (fft_lengths[-1],), REAL_OF[aval.dtype])
    return ShapedArray(aval.shape, aval.dtype)


fft_p = primitive("fft", _fft_impl, _fft_abstract)


def fft(x, fft_type: str, fft_lengths: tuple):
    """The DFT of ``x``'s trailing ``len(fft_lengths)`` axes (``lax.fft``)."""
    return bind(fft_p, x, fft_type=fft_type, fft_lengths=tuple(int(n) for n in fft_lengths))


def _irfft_weights(n: int, dtype) -> np.ndarray:
    """How many times irfft counts each of the ``n//2 + 1`` bins of a length-``n`` signal."""
    w = np.full(n // 2 + 1, 2.0, dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w


def _fft_transpose(g, x, fft_type, fft_lengths):
    if fft_type in ("fft", "ifft"):
        return fft(g, fft_type, fft_lengths)
    n = fft_lengths[-1]
    g_aval = get_aval(g)
    if fft_type == "rfft":
        widths = [(0, 0)] * (len(g_aval.shape) - 1) + [(0, n - (n // 2 + 1))]
        full = pad(g, np.zeros((), g_aval.dtype), tuple(widths))
        return real(fft(full, "fft", fft_lengths))
    # irfft
    scale = _irfft_weights(n, REAL_OF[get_aval(x).dtype]) / float(np.prod(fft_lengths))
    return mul(conj(fft(g, "rfft", fft_lengths)), scale)


deflinear(fft_p, _fft_transpose)


def _fft_batch(args, batched, size, fft_type, fft_lengths):
    # the transform reads trailing axes only: a leading batch axis passes through
    return fft(args[0], fft_type, fft_lengths), True


fft_p.batch = _fft_batch
