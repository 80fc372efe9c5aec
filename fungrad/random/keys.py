"""PRNG keys: making them, splitting them, folding data into them, and raw bits from them.

A key is threefry-2x32 key data, two uint32 words. ``PRNGKey(seed)`` returns that data as a
plain ``uint32[2]`` array (a *raw* key, JAX's legacy form); ``key(seed)`` returns a *typed*
key, a ``PRNGKeyArray`` of shape ``()`` that wraps the same data and refuses arithmetic.
Both are accepted everywhere a key is. A typed key is a registered pytree whose one leaf is
its data, so it passes through ``jit``, ``vmap``, ``scan`` carries and containers as the
data would.

>>> import fungrad.random as random
>>> k = random.PRNGKey(0)
>>> k
array([0, 0], dtype=uint32)
>>> random.split(k)
array([[1797259609, 2579123966],
       [ 928981903, 3453687069]], dtype=uint32)
"""
from __future__ import annotations

import math
import operator
from typing import Any, Sequence

import numpy as np

from fungrad.array import Array
from fungrad.core import Tracer, get_aval
from fungrad.prims import random_bits as rb
from fungrad.tree_util import register_pytree_node

__all__ = ["PRNGKeyArray", "PRNGKey", "key", "key_data", "wrap_key_data", "key_impl",
           "key_dtype", "split", "fold_in", "bits", "clone"]

_IMPL = "threefry2x32"


class KeyDtype:
    """The dtype of typed keys: ``key<fry>``, the threefry-2x32 implementation."""

    name = "key<fry>"

    def __repr__(self):
        return self.name

    def __eq__(self, other):
        return isinstance(other, KeyDtype) or other == self.name

    def __hash__(self):
        return hash(self.name)


_KEY_DTYPE = KeyDtype()


class PRNGKeyArray:
    """An array of typed PRNG keys: shape ``data.shape[:-1]``, dtype ``key<fry>``.

    It holds the ``uint32[..., 2]`` key data (a numpy array, or a tracer while tracing) and
    exposes array structure (shape, indexing, iteration, reshape) but no arithmetic: keys are
    consumed by the ``fungrad.random`` functions, and ``key_data`` gives the bits.

    >>> import fungrad.random as random
    >>> keys = random.split(random.key(0), 3)
    >>> keys.shape, keys.dtype
    ((3,), key<fry>)
    >>> random.key_data(keys[1])
    array([ 928981903, 3453687069], dtype=uint32)
    """

    __slots__ = ("_data",)
    __array_priority__ = 100  # numpy defers to this class (so ``==`` comes here)

    def __init__(self, data):
        self._data = data

    @property
    def shape(self) -> tuple:
        return tuple(get_aval(self._data).shape[:-1])

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(math.prod(self.shape))

    @property
    def dtype(self) -> KeyDtype:
        return _KEY_DTYPE

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object: a single PRNG key")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __getitem__(self, idx):
        if not self.shape:
            raise IndexError("too many indices for a single PRNG key (shape ())")
        idx = idx if isinstance(idx, tuple) else (idx,)
        if any(i is Ellipsis for i in idx):
            raise IndexError("PRNG key arrays: indexing with ... is not supported")
        return PRNGKeyArray(self._data[idx])

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        from fungrad.numpy import reshape
        return PRNGKeyArray(reshape(self._data, tuple(shape) + (2,)))

    def __eq__(self, other):
        from fungrad.numpy import all as all_
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return all_(self._data == other._data, axis=-1)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else ~eq

    __hash__ = None  # mutable-looking array semantics, as numpy arrays have

    def __repr__(self):
        data = self._data
        body = repr(data) if isinstance(data, Tracer) else np.array2string(np.asarray(data))
        return f"Array({self.shape}, dtype={self.dtype}) overlaying:\n{body}"


def _flatten_key(keys: PRNGKeyArray):
    # a trace started on typed keys sees key<fry> avals (its jaxpr prints them, as JAX's)
    data = keys._data
    if type(data) is np.ndarray or type(data) is Array:
        data = data.view(rb.KeyData)
    return (data,), None


def _unflatten_key(_, children) -> PRNGKeyArray:
    data = children[0]
    return PRNGKeyArray(data.view(np.ndarray) if isinstance(data, rb.KeyData) else data)


register_pytree_node(PRNGKeyArray, _flatten_key, _unflatten_key)


# ---------------------------------------------------------------------------- checking

def describe(x) -> str:
    """``f64[3]``-style description of a value for an error message."""
    try:
        return get_aval(x).str_short()
    except TypeError:
        return type(x).__name__


def check_key(name: str, key, allow_batched: bool = False) -> tuple[Any, bool]:
    """The key data of ``key`` (raw or typed) and whether it was typed; a clear error for
    anything else. ``allow_batched``: any leading shape of keys, else a single key."""
    if isinstance(key, PRNGKeyArray):
        data, typed = key._data, True
    else:
        typed = False
        data = key
        try:
            aval = get_aval(key)
        except TypeError:
            raise TypeError(f"{name}: key must be a PRNG key (from fungrad.random.key or "
                            f"PRNGKey), got {type(key).__name__}") from None
        if aval.dtype != np.uint32:
            raise TypeError(f"{name}: key must be a PRNG key (from fungrad.random.key or "
                            f"PRNGKey): raw key data is uint32 of shape (2,), got "
                            f"{aval.str_short()}")
        if aval.ndim < 1 or aval.shape[-1] != 2:
            raise ValueError(f"{name}: raw key data must have shape (..., 2) (threefry2x32 "
                             f"keys are two uint32 words), got {aval.str_short()}")
    shape = get_aval(data).shape[:-1]
    if not allow_batched and shape:
        raise ValueError(f"{name} accepts a single key, but was given a key array of shape "
                         f"{shape} != (). Use fungrad.vmap for batching.")
    return data, typed


def scalar_integer(name: str, what: str, value, expected: str):
    """``value`` as an integer scalar (numpy or traced), or a clear error."""
    if not isinstance(value, Tracer):
        value = np.asarray(value)
    aval = get_aval(value)
    if aval.ndim:
        raise TypeError(f"{name} accepts {expected}, but was given an array of shape "
                        f"{aval.shape} != (). Use fungrad.vmap for batching.")
    if aval.dtype.kind not in "iu":
        raise TypeError(f"{name}: {what} must be an integer, got {aval.str_short()}")
    return value


def _rewrap(data, typed: bool):
    return PRNGKeyArray(data) if typed else data


def canonical_shape(name: str, shape, what: str = "shape") -> tuple:
    """``shape`` as a tuple of non-negative Python ints, or a clear error."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{name}: {what} must be a tuple of non-negative integers, got "
                        f"{shape!r}")
    out = []
    for d in shape:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"{name}: {what} must be a tuple of non-negative integers, got "
                            f"{tuple(shape)!r} (an entry of type {type(d).__name__})")
        if d < 0:
            raise ValueError(f"{name}: {what} must be non-negative, got {tuple(shape)!r}")
        out.append(operator.index(d))
    return tuple(out)


# ---------------------------------------------------------------------------- keys

def _seed_data(name: str, seed):
    if isinstance(seed, PRNGKeyArray):
        raise TypeError(f"{name} accepts a scalar seed, but was given a PRNG key.")
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"{name}: the seed must be an integer, got the bool {seed!r}")
    if isinstance(seed, int):
        try:
            seed = np.int64(seed)
        except OverflowError:
            raise ValueError(f"{name}: the seed {seed} does not fit in 64 bits") from None
    seed = scalar_integer(name, "the seed", seed, "a scalar seed")
    return rb.random_seed(seed)


def PRNGKey(seed) -> Any:
    """A raw threefry-2x32 key from an integer seed: ``uint32[2]``, the seed's high and low
    32-bit words (JAX's ``PRNGKey``, with 64-bit seeds as in JAX's x64 mode).

    >>> PRNGKey(42), PRNGKey(2**32 + 5)
    (array([ 0, 42], dtype=uint32), array([1, 5], dtype=uint32))
    """
    return _seed_data("PRNGKey", seed)


def key(seed, *, impl: str | None = None) -> PRNGKeyArray:
    """A typed key (shape ``()``, dtype ``key<fry>``) from an integer seed.

    >>> key(0)
    Array((), dtype=key<fry>) overlaying:
    [0 0]
    """
    _check_impl("key", impl)
    return PRNGKeyArray(rb.random_wrap(_seed_data("key", seed)))


def _check_impl(name: str, impl) -> None:
    if impl is not None and impl != _IMPL and not isinstance(impl, KeyDtype):
        raise ValueError(f"{name}: unsupported PRNG implementation {impl!r}; fungrad "
                         f"implements {_IMPL!r}")


def key_data(keys) -> Any:
    """The ``uint32[..., 2]`` data of typed keys (raw keys are returned as they are).

    >>> key_data(key(7))
    array([0, 7], dtype=uint32)
    """
    data, typed = check_key("key_data", keys, allow_batched=True)
    return rb.random_unwrap(data) if typed else data


def wrap_key_data(key_bits_array, *, impl: str | None = None,
                  dtype: Any = None) -> PRNGKeyArray:
    """Typed keys from ``uint32[..., 2]`` key data. The implementation may be named by
    ``impl`` or by a key ``dtype`` (``key.dtype``), not both, as in JAX.

    >>> wrap_key_data(np.array([[0, 1], [0, 2]], np.uint32)).shape
    (2,)
    >>> wrap_key_data(np.array([0, 42], np.uint32), dtype=key(42).dtype).dtype
    key<fry>
    """
    if impl is not None and dtype is not None:
        raise ValueError("Cannot specify both `impl` and `dtype` arguments to "
                         "jax.random.wrap_key_data")
    if dtype is not None and not isinstance(dtype, KeyDtype):
        raise ValueError(f"wrap_key_data: dtype must be a key dtype such as key(0).dtype "
                         f"({_KEY_DTYPE!r}), got {dtype!r}")
    _check_impl("wrap_key_data", impl)
    if isinstance(key_bits_array, PRNGKeyArray):
        raise TypeError("wrap_key_data: the argument is already a typed key array")
    if isinstance(key_bits_array, (list, tuple)):
        key_bits_array = np.asarray(key_bits_array, np.uint32)
    data, _ = check_key("wrap_key_data", key_bits_array, allow_batched=True)
    return PRNGKeyArray(rb.random_wrap(data))


def key_impl(keys) -> str:
    """The name of the keys' PRNG implementation.

    >>> key_impl(key(0))
    'threefry2x32'
    """
    check_key("key_impl", keys, allow_batched=True)
    return _IMPL


def key_dtype(impl: str | None = None) -> KeyDtype:
    """The dtype of typed keys of an implementation (only threefry2x32 here).

    >>> key_dtype()
    key<fry>
    """
    _check_impl("key_dtype", impl)
    return _KEY_DTYPE


def split(key, num: int | Sequence[int] = 2) -> Any:
    """``num`` new keys (or an array of keys of shape ``num``) from one key.

    >>> split(PRNGKey(0), 3).shape
    (3, 2)
    """
    data, typed = check_key("split", key)
    shape = canonical_shape("split", num if isinstance(num, (tuple, list)) else (num,), "num")
    return _rewrap(rb.random_split(data, shape), typed)


def fold_in(key, data) -> Any:
    """A new key from ``key`` and a 32-bit integer ``data``.

    >>> fold_in(PRNGKey(0), 3)
    array([2467461003, 3840466878], dtype=uint32)
    """
    key_words, typed = check_key("fold_in", key)
    if isinstance(data, (bool, np.bool_)):
        raise TypeError(f"fold_in: data must be an integer, got the bool {data!r}")
    if isinstance(data, int):
        data = np.asarray(data % 2**32, np.uint32)  # JAX takes data as uint32
    data = scalar_integer("fold_in", "data", data, "a scalar")
    return _rewrap(rb.random_fold_in(key_words, data), typed)


def unsigned_dtype(name: str, dtype) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name}: {dtype!r} is not a dtype") from None
    if dtype.kind != "u":
        raise ValueError(f"dtype argument to `{name}` must be an unsigned int dtype, "
                         f"got {dtype}")
    return dtype


def bits(key, shape: Sequence[int] = (), dtype=None) -> Any:
    """Uniformly random unsigned integers (default ``uint64``, numpy's world being JAX's
    x64 mode).

    >>> bits(PRNGKey(0), (2,), np.uint32)
    array([4070199207, 4202968722], dtype=uint32)
    """
    data, _ = check_key("bits", key)
    dtype = unsigned_dtype("bits", np.uint64 if dtype is None else dtype)
    return rb.random_bits(data, dtype.itemsize * 8, canonical_shape("bits", shape))


def clone(key) -> Any:
    """A copy of a key (keys are immutable values here, so it is the key itself).

    >>> clone(PRNGKey(1))
    array([0, 1], dtype=uint32)
    """
    check_key("clone", key, allow_batched=True)
    return key
