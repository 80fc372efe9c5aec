"""Bits to bytes and back: packbits, unpackbits (uint8 results, no derivative).

Both are arithmetic on whole arrays (a weighted sum of eight bits, or eight shifts and
masks), so they work under ``jit`` and ``vmap``.
"""
from __future__ import annotations

import numpy as np

from fungrad.core import get_aval
from fungrad.numpy._util import _arr, _axis, _dtype, _ndim, _shape
from fungrad.numpy.dtypes import astype
from fungrad.numpy.reductions import sum  # noqa: A004
from fungrad.numpy.shapes import moveaxis, ravel, reshape
from fungrad.numpy.ufuncs import bitwise_and, right_shift
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st


def _bit_weights(bitorder: str, func: str) -> np.ndarray:
    """The value of each of a byte's eight bits, in the order they are laid out."""
    if bitorder not in ("big", "little"):
        raise ValueError(f"fungrad.numpy.{func}: bitorder must be 'big' or 'little', got "
                         f"{bitorder!r}")
    weights = 2 ** np.arange(8, dtype=np.uint8)
    return weights[::-1].copy() if bitorder == "big" else weights


def _along_last(a, axis, func: str):
    """``a`` flattened (``axis`` None) or with ``axis`` moved last, and the axis."""
    if axis is None:
        return ravel(a), None
    axis = _axis(axis, _ndim(a), func)
    return moveaxis(a, axis, -1), axis


def packbits(a, axis: int | None = None, bitorder: str = "big"):
    """numpy.packbits: each run of eight elements along ``axis`` (flattened when None) as
    the bits of one uint8, zero-padded at the end; nonzero elements are 1 bits.

    >>> packbits(np.array([1, 0, 1, 1, 0, 0, 0, 0, 1]))
    array([176, 128], dtype=uint8)
    >>> packbits(np.array([True, False, True]), bitorder="little")
    array([5], dtype=uint8)
    """
    a = _arr(a)
    if _dtype(a).kind not in "biu":
        raise TypeError(f"fungrad.numpy.packbits: expected an array of integer or boolean "
                        f"data type, got {get_aval(a).str_short()}")
    weights = _bit_weights(bitorder, "packbits")
    bits, axis = _along_last(astype(ew.ne(a, 0), np.uint8), axis, "packbits")
    *lead, n = _shape(bits)
    pad = -n % 8
    if pad:
        bits = st.concatenate([bits, np.zeros((*lead, pad), np.uint8)], len(lead))
    groups = reshape(bits, (*lead, (n + pad) // 8, 8))
    packed = astype(sum(ew.mul(groups, weights), axis=-1), np.uint8)
    return packed if axis is None else moveaxis(packed, -1, axis)


def unpackbits(a, axis: int | None = None, count: int | None = None, bitorder: str = "big"):
    """numpy.unpackbits: each uint8 of ``a`` as eight 0/1 uint8 elements along ``axis``
    (flattened when None); ``count`` keeps that many (zero-padded if more, dropping
    ``-count`` from the end if negative).

    >>> unpackbits(np.array([3, 255], np.uint8), count=-3)
    array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1], dtype=uint8)
    >>> unpackbits(np.array([5], np.uint8), bitorder="little", count=4)
    array([1, 0, 1, 0], dtype=uint8)
    """
    a = _arr(a)
    if _dtype(a) != np.uint8:
        raise TypeError(f"fungrad.numpy.unpackbits: expected an input array of unsigned byte "
                        f"data type (uint8), got {get_aval(a).str_short()}")
    shifts = np.log2(_bit_weights(bitorder, "unpackbits")).astype(np.uint8)
    a, axis = _along_last(a, axis, "unpackbits")
    *lead, n = _shape(a)
    bits = bitwise_and(right_shift(reshape(a, (*lead, n, 1)), shifts), np.uint8(1))
    bits = reshape(bits, (*lead, 8 * n))
    if count is not None:
        keep = count if count >= 0 else 8 * n + count
        if keep < 0:
            raise ValueError(f"fungrad.numpy.unpackbits: -count ({-count}) is larger than "
                             f"the number of bits ({8 * n})")
        if keep <= 8 * n:
            bits = st.slice_axis(bits, len(lead), 0, keep)
        else:
            bits = st.concatenate([bits, np.zeros((*lead, keep - 8 * n), np.uint8)], len(lead))
    return bits if axis is None else moveaxis(bits, -1, axis)
