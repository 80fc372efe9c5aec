"""``lax.fft``: the discrete Fourier transform of an array's trailing axes, over fungrad's
linear ``fft`` primitive (``fungrad/prims/fft.py``), with its derivatives of every order.

>>> import numpy as np
>>> fft(np.array([1.0, 2.0, 3.0]), FftType.RFFT, (3,)).round(6)
array([ 6. +0.j      , -1.5+0.866025j])
"""
from __future__ import annotations

import enum
from typing import Any, Sequence

from fungrad.core import get_aval
from fungrad.lax.dtypes import check_abstract
from fungrad.lax.shapes import as_array, int_tuple
from fungrad.prims import fft as fft_prims

__all__ = ["FftType", "fft"]

fft_p = fft_prims.fft_p


class FftType(enum.IntEnum):
    """Which transform ``fft`` computes: ``FFT`` (complex to complex), ``IFFT`` (its
    inverse, scaled by ``1/N``), ``RFFT`` (real to the ``N//2 + 1`` non-negative frequencies)
    and ``IRFFT`` (those back to real).

    >>> FftType["RFFT"].value
    2
    """
    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3


def fft(x: Any, fft_type: FftType | str, fft_lengths: Sequence[int]) -> Any:
    """The ``fft_type`` transform of ``x``'s trailing ``len(fft_lengths)`` axes, of the given
    lengths (for ``IRFFT``, the lengths of the real output).

    >>> import numpy as np
    >>> fft(np.array([1.0, 0.0, 0.0, 0.0]) + 0j, "fft", (4,))
    array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    if isinstance(fft_type, str):
        try:
            fft_type = FftType[fft_type.upper()]
        except KeyError:
            raise ValueError(f"lax.fft: unknown fft_type {fft_type!r}; expected one of "
                             f"{[t.name for t in FftType]}") from None
    fft_type = FftType(fft_type)
    lengths = int_tuple("lax.fft", "fft_lengths", fft_lengths)
    x = as_array(x)
    name = fft_type.name.lower()
    check_abstract(fft_p, get_aval(x), fft_type=name, fft_lengths=lengths)
    return fft_prims.fft(x, name, lengths)
