"""Random bits: the threefry-2x32 hash and the key primitives built on it.

Threefry-2x32 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011) is a
counter-based generator: a keyed hash of a pair of uint32 counters. There is no state to
advance -- a key and a counter always give the same bits -- which is what makes random
numbers reproducible under ``jit``, ``vmap`` and ``grad``. The hash is 20 rounds of
add-rotate-xor on uint32 words with a key injection every four rounds, here in vectorised
numpy on whole arrays of counters at once.

Raw key data is a ``uint32[..., 2]`` array: the leading axes are a batch of keys. The key
primitives -- ``random_seed``, ``random_split``, ``random_fold_in``, ``random_bits`` -- work
on any such batch, so their vmap rule is the primitive itself on the batched keys. They
derive counters exactly as JAX 0.10 does by default (``jax_threefry_partitionable=True``):
the counters of an output of shape ``s`` are the 64-bit iota of ``prod(s)`` split into its
high and low words, so the same key gives the same bits as JAX.

>>> key = np.array([0, 42], np.uint32)
>>> random_bits(key, bit_width=32, shape=(3,))
array([2098992034, 2919706841, 2646866425], dtype=uint32)
"""
from __future__ import annotations

import math

import numpy as np

from fungrad.core import Primitive, ShapedArray, bind, get_aval
from fungrad.prims.rules import primitive
from fungrad.prims.structural import reshape

_U32 = np.dtype(np.uint32)
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)  # Threefish's key-schedule constant
# Hash this many counters at a time: the working set of one block stays in cache, which
# makes the twenty passes over it several times faster than passes over a large array.
_BLOCK = 1 << 15


def _block_size(n: int, most: int | None = None) -> int:
    """The size of each of the equal blocks (at most ``most``, default ``_BLOCK``) that
    ``n`` elements are processed in: 100,000 counters as four of 25,000 rather than three
    full blocks and a sliver that would cost the same hundred numpy calls for 1,696."""
    most = _BLOCK if most is None else most
    return -(-n // -(-n // most)) if n else 1


# ---------------------------------------------------------------------------- typed keys

class KeyAval(ShapedArray):
    """The aval of typed keys' data: ``uint32[*shape, 2]`` to every rule, printed as JAX
    prints typed keys, ``key<fry>[*shape]``.

    >>> KeyAval((3, 2), np.uint32)
    key<fry>[3]
    """

    __slots__ = ()

    def str_short(self) -> str:
        return f"key<fry>[{','.join(map(str, self.shape[:-1]))}]"

    __repr__ = str_short


class KeyData(np.ndarray):
    """Typed keys' data on its way into a trace: a ``uint32[..., 2]`` array whose aval is
    a ``KeyAval``; numpy operations on it give plain arrays.

    >>> from fungrad.core import get_aval
    >>> get_aval(np.zeros(2, np.uint32).view(KeyData))
    key<fry>[]
    """

    @staticmethod
    def fungrad_aval(x):
        return KeyAval(x.shape, x.dtype)

    def __array_wrap__(self, obj, context=None, return_scalar=False):
        obj = obj.view(np.ndarray)
        return obj[()] if return_scalar else obj


def _keyed(aval, shape, dtype=_U32):
    """An output aval that stays a typed key's when the input key was typed."""
    return (KeyAval if isinstance(aval, KeyAval) else ShapedArray)(shape, dtype)


def _wrap_abstract(aval):
    _check_key_data("random_wrap", aval)
    return KeyAval(aval.shape, aval.dtype)


def _unwrap_abstract(aval):
    _check_key_data("random_unwrap", aval)
    return ShapedArray(aval.shape, aval.dtype)


# typed keys from key data and back: the data unchanged, only the aval says "key"
random_wrap_p = primitive("random_wrap", lambda data: np.asarray(data, _U32).view(KeyData),
                          _wrap_abstract, nondiff=True)
random_unwrap_p = primitive("random_unwrap",
                            lambda keys: np.asarray(keys, _U32).view(np.ndarray),
                            _unwrap_abstract, nondiff=True)


def random_wrap(data):
    """Typed key data (aval ``key<fry>[...]``) from ``uint32[..., 2]`` key data.

    >>> random_wrap(np.array([0, 7], np.uint32)).dtype
    dtype('uint32')
    """
    _wrap_abstract(get_aval(data))
    return bind(random_wrap_p, data)


def random_unwrap(keys):
    """Plain ``uint32[..., 2]`` key data from typed key data.

    >>> random_unwrap(random_wrap(np.array([0, 7], np.uint32)))
    array([0, 7], dtype=uint32)
    """
    _unwrap_abstract(get_aval(keys))
    return bind(random_unwrap_p, keys)


# ---------------------------------------------------------------------------- threefry2x32

def _injections(k0, k1):
    """The key injections after each group of four rounds, as (add to x0, add to x1) pairs:
    the keys rotate through ``k0, k1, k2 = k0 ^ k1 ^ parity`` and the group's number is
    folded into the second word's addition (uint32 wrap-around), one pass instead of two.
    A single key's words come back as 0-d arrays (see ``_SHIFTS``)."""
    ks = (k0, k1, k0 ^ k1 ^ _PARITY)
    return [(np.asarray(ks[(i + 1) % 3]), np.asarray(np.add(ks[(i + 2) % 3], np.uint32(i + 1))))
            for i in range(5)]


# each group's four rotations as (r, 32 - r), as 0-d arrays: a ufunc takes those as they are,
# where it converts a numpy scalar operand into one on every call (0.58 -> 0.38 us a call
# on small blocks; 90 such operands per block)
_SHIFTS = [[(np.array(r, _U32), np.array(32 - r, _U32)) for r in _ROTATIONS[i % 2]]
           for i in range(5)]


def _hash_block(x0, x1, tmp, injections):
    """Threefry-2x32's twenty rounds in place on one block of counters ``x0, x1`` (uint32,
    equal shapes) that already hold the first key injection (``x0 + k0, x1 + k1``)."""
    add, xor, shl, shr, bit_or = np.add, np.bitwise_xor, np.left_shift, np.right_shift, \
        np.bitwise_or
    for shifts, (a, b) in zip(_SHIFTS, injections):
        for r, back in shifts:
            add(x0, x1, out=x0)
            shl(x1, r, out=tmp)     # rotate x1 left by r ...
            shr(x1, back, out=x1)
            bit_or(x1, tmp, out=x1)
            xor(x1, x0, out=x1)     # ... then mix it with x0
        add(x0, a, out=x0)
        add(x1, b, out=x1)


def _threefry2x32_impl(k0, k1, x0, x1):
    k0, k1, x0, x1 = (np.asarray(a, _U32) for a in (k0, k1, x0, x1))
    shape = np.broadcast_shapes(k0.shape, k1.shape, x0.shape, x1.shape)
    n = math.prod(shape)
    # one flat, writable copy of each word: the hash runs in place on it
    y0 = np.array(np.broadcast_to(x0, shape), _U32).reshape(-1)
    y1 = np.array(np.broadcast_to(x1, shape), _U32).reshape(-1)
    if k0.size == 1 and k1.size == 1:  # one key (the usual case): scalars, no broadcasting
        keys = [np.uint32(k0.reshape(-1)[0]), np.uint32(k1.reshape(-1)[0])]
    else:
        keys = [np.ascontiguousarray(np.broadcast_to(k, shape)).reshape(-1) for k in (k0, k1)]
    step = _block_size(n)
    for start in range(0, max(n, 1), step):
        block = slice(start, min(start + step, n))
        k0, k1 = (k if np.ndim(k) == 0 else k[block] for k in keys)
        a, b = y0[block], y1[block]
        a += k0
        b += k1
        _hash_block(a, b, np.empty_like(a), _injections(k0, k1))
    return [y0.reshape(shape), y1.reshape(shape)]


def _threefry2x32_abstract(*avals):
    if any(a.dtype != _U32 for a in avals):
        raise TypeError("threefry2x32: the key words and counters must be uint32, got "
                        + ", ".join(a.str_short() for a in avals))
    try:
        shape = np.broadcast_shapes(*[a.shape for a in avals])
    except ValueError:
        raise ValueError("threefry2x32: operands could not be broadcast together: "
                         + ", ".join(a.str_short() for a in avals)) from None
    return [ShapedArray(shape, _U32)] * 2


threefry2x32_p = primitive("threefry2x32", _threefry2x32_impl, _threefry2x32_abstract,
                           multiple_results=True, nondiff=True)


def _threefry2x32_batch(args, batched, size):
    # elementwise: give each batched operand the output's rank after its batch axis, so
    # numpy's right-aligned broadcasting lines the examples up
    shapes = [get_aval(a).shape for a in args]
    ranks = [len(s) - b for s, b in zip(shapes, batched)]
    rank = max(ranks)
    lined_up = [reshape(a, s[:1] + (1,) * (rank - r) + s[1:]) if b and r < rank else a
                for a, s, b, r in zip(args, shapes, batched, ranks)]
    return bind(threefry2x32_p, *lined_up), [True, True]


threefry2x32_p.batch = _threefry2x32_batch


def threefry2x32(k0, k1, x0, x1):
    """The threefry-2x32 hash of counters ``(x0, x1)`` under key ``(k0, k1)``: two uint32
    arrays, broadcast together.

    >>> threefry2x32(np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    [np.uint32(1797259609), np.uint32(2579123966)]
    """
    # checked here too: an eager bind runs the numpy impl without the shape rule
    _threefry2x32_abstract(*[get_aval(a) for a in (k0, k1, x0, x1)])
    return bind(threefry2x32_p, k0, k1, x0, x1)


def _iota_2x32(shape: tuple):
    """The high and low uint32 words of ``arange(prod(shape), dtype=uint64).reshape(shape)``."""
    n = math.prod(shape)
    if n <= 2 ** 32:  # the usual case: every high word is zero
        return np.zeros(shape, _U32), np.arange(n, dtype=_U32).reshape(shape)
    counts = np.arange(n, dtype=np.uint64).reshape(shape)
    return (counts >> np.uint64(32)).astype(_U32), counts.astype(_U32)


def _hash_iota_blocks(key, n: int):
    """For one key (``uint32[2]``), the threefry words of the counters ``0 .. n-1``, a block
    at a time: yields ``(block slice, x0, x1)``. The counters are made inside the block and
    the two buffers are reused, so a large draw touches its memory once, in cache."""
    k0, k1 = (np.uint32(w) for w in np.asarray(key, _U32).reshape(2))
    injections = _injections(k0, k1)
    step = _block_size(n)
    x0, x1, tmp = (np.empty(step, _U32) for _ in range(3))
    counts = np.arange(step, dtype=_U32)
    for start in range(0, n, step):
        size = min(step, n - start)
        a, b, t = x0[:size], x1[:size], tmp[:size]
        # the first key injection, made with the counters: (0 + k0, start + i + k1)
        a.fill(k0)  # (the high words of counters below 2**32 are zero)
        np.add(counts[:size], np.uint32((start + int(k1)) & 0xFFFFFFFF), out=b)
        _hash_block(a, b, t, injections)
        yield slice(start, start + size), a, b


def _hash_counters(keys, shape: tuple):
    """Both threefry words for every counter of ``shape``, under every key of ``keys``
    (``uint32[*batch, 2]``): two arrays of shape ``batch + shape``."""
    keys = np.asarray(keys, _U32)
    n = math.prod(shape)
    if keys.shape == (2,) and n <= 2 ** 32:  # one key: hash the counters block by block
        y0, y1 = np.empty(n, _U32), np.empty(n, _U32)
        for block, x0, x1 in _hash_iota_blocks(keys, n):
            y0[block], y1[block] = x0, x1
        return y0.reshape(shape), y1.reshape(shape)
    expand = keys.shape[:-1] + (1,) * len(shape)
    hi, lo = _iota_2x32(shape)
    return _threefry2x32_impl(keys[..., 0].reshape(expand), keys[..., 1].reshape(expand),
                              hi, lo)


def _check_key_data(name: str, aval: ShapedArray) -> None:
    if aval.dtype != _U32 or aval.ndim < 1 or aval.shape[-1] != 2:
        raise TypeError(f"{name}: key data must be uint32 with a last axis of 2 "
                        f"(threefry2x32 keys), got {aval.str_short()}")


def _keys_batch(prim: Primitive):
    """The key primitives work on any leading batch of keys: vmap is the primitive itself."""
    def batch(args, batched, size, **params):
        return bind(prim, *args, **params), True
    prim.batch = batch


# ---------------------------------------------------------------------------- random_seed

def _seed_impl(seeds):
    seeds = np.asarray(seeds)
    if seeds.dtype.itemsize > 4:  # a 64-bit seed gives both words
        bits = seeds.astype(np.int64).view(np.uint64) if seeds.dtype.kind == "i" else \
            seeds.astype(np.uint64)
        hi = (bits >> np.uint64(32)).astype(_U32)
    else:  # a 32-bit seed is padded with a zero high word (JAX's threefry_seed)
        bits = seeds.astype(np.int64).view(np.uint64)
        hi = np.zeros(seeds.shape, _U32)
    return np.stack([hi, (bits & np.uint64(0xFFFFFFFF)).astype(_U32)], axis=-1)


def _seed_abstract(aval):
    if aval.dtype.kind not in "iu":
        raise TypeError(f"random_seed: a seed must be an integer, got {aval.str_short()}")
    return ShapedArray(aval.shape + (2,), _U32)


random_seed_p = primitive("random_seed", _seed_impl, _seed_abstract, nondiff=True)
_keys_batch(random_seed_p)
_keys_batch(random_wrap_p)
_keys_batch(random_unwrap_p)


def random_seed(seeds):
    """Threefry key data from integer seeds: ``uint32[*seeds.shape, 2]``, the 64-bit seed's
    high and low words.

    >>> random_seed(np.int64(2**32 + 5))
    array([1, 5], dtype=uint32)
    """
    _seed_abstract(get_aval(seeds))
    return bind(random_seed_p, seeds)


# ---------------------------------------------------------------------------- random_split

def _as_typed_as(keys, out):
    """``out`` as typed key data when the input ``keys`` were (a trace's values carry it)."""
    return out.view(KeyData) if isinstance(keys, KeyData) else out


def _split_impl(keys, shape):
    b0, b1 = _hash_counters(keys, shape)
    return _as_typed_as(keys, np.stack([b0, b1], axis=-1))


def _split_abstract(aval, shape):
    _check_key_data("random_split", aval)
    return _keyed(aval, aval.shape[:-1] + tuple(shape) + (2,))


random_split_p = primitive("random_split", _split_impl, _split_abstract, nondiff=True)
_keys_batch(random_split_p)


def random_split(keys, shape: tuple):
    """New keys of shape ``shape`` from each key of ``keys`` (``uint32[..., 2]``).

    >>> random_split(np.array([0, 0], np.uint32), shape=(2,))
    array([[1797259609, 2579123966],
           [ 928981903, 3453687069]], dtype=uint32)
    """
    _split_abstract(get_aval(keys), tuple(shape))  # eager binds skip the shape rule
    return bind(random_split_p, keys, shape=tuple(shape))


# ---------------------------------------------------------------------------- random_fold_in

def _fold_in_impl(keys, msgs):
    # JAX: threefry_2x32(key, threefry_seed(msg)), the hash of the counter pair (0, msg)
    typed, keys = keys, np.asarray(keys, _U32)
    msgs = np.asarray(msgs).astype(_U32)
    b0, b1 = _threefry2x32_impl(keys[..., 0], keys[..., 1], np.zeros((), _U32), msgs)
    return _as_typed_as(typed, np.stack([b0, b1], axis=-1))


def _fold_in_abstract(key_aval, msg_aval):
    _check_key_data("random_fold_in", key_aval)
    if msg_aval.dtype.kind not in "iu":
        raise TypeError(f"random_fold_in: data must be an integer, got {msg_aval.str_short()}")
    try:
        shape = np.broadcast_shapes(key_aval.shape[:-1], msg_aval.shape)
    except ValueError:
        raise ValueError(f"random_fold_in: keys {key_aval.str_short()} and data "
                         f"{msg_aval.str_short()} do not broadcast together") from None
    return _keyed(key_aval, shape + (2,))


random_fold_in_p = primitive("random_fold_in", _fold_in_impl, _fold_in_abstract, nondiff=True)


def _fold_in_batch(args, batched, size):
    # the primitive broadcasts keys (less their last axis) against data, right-aligned:
    # give a batched operand of lower example rank unit axes after its batch axis, so the
    # batch axes line up (an unbatched operand lines up with the examples by itself)
    keys, msgs = args
    shapes = [get_aval(keys).shape[:-1], get_aval(msgs).shape]
    ranks = [len(s) - b for s, b in zip(shapes, batched)]
    rank = max(ranks)
    if batched[0] and ranks[0] < rank:
        shape = get_aval(keys).shape
        keys = reshape(keys, shape[:1] + (1,) * (rank - ranks[0]) + shape[1:])
    if batched[1] and ranks[1] < rank:
        msgs = reshape(msgs, shapes[1][:1] + (1,) * (rank - ranks[1]) + shapes[1][1:])
    return bind(random_fold_in_p, keys, msgs), True


random_fold_in_p.batch = _fold_in_batch


def random_fold_in(keys, msgs):
    """Keys derived from ``keys`` and integer data ``msgs`` (broadcast together).

    >>> random_fold_in(np.array([0, 0], np.uint32), np.uint32(3))
    array([2467461003, 3840466878], dtype=uint32)
    """
    _fold_in_abstract(get_aval(keys), get_aval(msgs))
    return bind(random_fold_in_p, keys, msgs)


# ---------------------------------------------------------------------------- random_bits

_UINTS = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: _U32, 64: np.dtype(np.uint64)}


def _bits_impl(keys, bit_width, shape, out=None):
    """(``out``: a contiguous buffer of the result's shape and dtype to write into, as
    compiled code passes one.)"""
    keys = np.asarray(keys, _U32)
    n = math.prod(shape)
    if keys.shape == (2,) and n <= 2 ** 32:  # one key: each block straight into the output
        result = out
        out = np.empty(n, _UINTS[bit_width]) if out is None else out.reshape(-1)
        if bit_width == 64:  # both words, high then low, into the halves of each uint64
            halves = out.view(_U32).reshape(n, 2)
            high, low = (1, 0) if np.little_endian else (0, 1)
        for block, x0, x1 in _hash_iota_blocks(keys, n):
            if bit_width == 64:
                halves[block, high], halves[block, low] = x0, x1
            else:
                x0 ^= x1
                out[block] = x0  # (narrower widths keep the low bits, as JAX's convert)
        return out.reshape(shape) if result is None else result
    b0, b1 = _hash_counters(keys, shape)
    if bit_width == 64:  # both words, high then low
        bits = b0.astype(np.uint64)
        bits <<= np.uint64(32)
        bits |= b1
    else:
        b0 ^= b1
        bits = b0 if bit_width == 32 else b0.astype(_UINTS[bit_width])
    if out is None:
        return bits
    out[...] = bits
    return out


def _bits_abstract(aval, bit_width, shape):
    _check_key_data("random_bits", aval)
    if bit_width not in _UINTS:
        raise TypeError(f"random_bits: bit_width must be 8, 16, 32 or 64, got {bit_width}")
    return ShapedArray(aval.shape[:-1] + tuple(shape), _UINTS[bit_width])


random_bits_p = primitive("random_bits", _bits_impl, _bits_abstract, nondiff=True)
random_bits_p.accepts_out = True  # compiled code may hand it a buffer (codegen's pool)
_keys_batch(random_bits_p)


def random_bits(keys, bit_width: int, shape: tuple):
    """Uniformly random unsigned integers of ``bit_width`` bits and shape ``shape``, for each
    key of ``keys`` (``uint32[..., 2]``): shape ``keys.shape[:-1] + shape``.

    >>> random_bits(np.array([0, 0], np.uint32), bit_width=32, shape=(2,))
    array([4070199207, 4202968722], dtype=uint32)
    """
    _bits_abstract(get_aval(keys), int(bit_width), tuple(shape))
    return bind(random_bits_p, keys, bit_width=int(bit_width), shape=tuple(shape))
