"""``fungrad.Array`` (``jax.Array``, ``jnp.ndarray``): what fungrad returns eagerly.

An ``Array`` is a numpy array -- a subclass of ``np.ndarray``, so numpy and scipy take it
as it is and ``np.asarray`` is free -- with JAX's surface on top:

* immutable, as JAX's arrays are: item assignment raises a TypeError pointing to ``.at``,
  in-place operators (``+=``) return a new Array and leave every alias unchanged, and the
  buffer is read-only, so numpy's ``out=`` cannot write into it either;
* functional updates ``x.at[idx].set(v)`` (``add``, ``multiply``, ``min``, ``max``, ...);
* indexing by traced values (``arr[i]`` inside ``fori_loop`` or ``vmap``) records a gather;
* ``block_until_ready()``, ``devices()``, ``device``, ``copy()``, ``item()``, ``tolist()``.

Wrapping a result is a view (``O(1)``, no copy). A 0-d result is a 0-d Array: it works
wherever a number does (``float``, ``format``, comparisons, ``math``) and prints as the
numpy scalar it holds. Arrays print as numpy prints them.

    >>> import fungrad, fungrad.numpy as fnp
    >>> x = fungrad.grad(lambda x: fnp.sum(x ** 2))(fnp.arange(3.0))
    >>> x, isinstance(x, fungrad.Array), isinstance(x, np.ndarray)
    (array([0., 2., 4.]), True, True)
    >>> x.at[0].set(10.0)
    array([10.,  2.,  4.])
    >>> y = x
    >>> y += 1.0  # rebinds y; x is unchanged
    >>> x, y
    (array([0., 2., 4.]), array([1., 3., 5.]))

This module sits below ``core``: it knows nothing of tracing; ``core`` registers its
``Tracer`` type and ``fungrad.numpy`` its indexing functions here at import time.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from fungrad.tree_util import tree_map

__all__ = ["Array", "Device", "wrap", "devices", "local_devices", "device_count",
           "local_device_count", "default_backend", "device_put", "device_get",
           "block_until_ready"]


class Device:
    """A device arrays live on. fungrad computes with numpy on the CPU: there is one.

    >>> import fungrad
    >>> fungrad.devices()
    [CpuDevice(id=0)]
    >>> fungrad.devices()[0].platform
    'cpu'
    """

    __slots__ = ("id",)
    platform = "cpu"
    device_kind = "cpu"
    process_index = 0

    def __init__(self, id: int = 0):  # noqa: A002
        self.id = id

    def __repr__(self) -> str:
        return f"CpuDevice(id={self.id})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("cpu", self.id))


CPU = Device(0)

# registered from above: the Tracer type, x[traced index], and the .at helper
_registry: dict[str, Any] = {"tracer": None, "getitem": None, "at": None}


def register(tracer_type: Any = None, getitem: Callable | None = None,
             at: Callable | None = None) -> None:
    """Wire in the pieces of the layers above (called at their import)."""
    for key, value in (("tracer", tracer_type), ("getitem", getitem), ("at", at)):
        if value is not None:
            _registry[key] = value


class _ArrayMeta(type):
    """``isinstance(tracer, Array)`` is True inside transforms, as with ``jax.Array``."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return type.__instancecheck__(cls, obj) or (
            cls is Array and _registry["tracer"] is not None
            and isinstance(obj, _registry["tracer"]))


_setflags = np.ndarray.setflags
_view = np.ndarray.view
_base_getitem = np.ndarray.__getitem__
_base_setitem = np.ndarray.__setitem__

_IMMUTABLE = ("fungrad Arrays are immutable: `x[idx] = y` is not supported. Use the "
              "functional update `x = x.at[idx].set(y)` (or `.add(y)`, `.multiply(y)`, ...), "
              "or `np.array(x)` for a mutable numpy copy.")


def _immutable(self: "Array") -> bool:
    return not self.flags.writeable


def _in_place(name: str) -> Callable:
    binary = getattr(np.ndarray, f"__{name}__")

    def op(self, other):
        # JAX's semantics for every Array, also the writeable ones numpy's operators make
        # (``x + 1``): a new array, so aliases (a list of iterates) keep the old value
        return binary(self, other)
    op.__name__ = f"__i{name}__"
    return op


class Array(np.ndarray, metaclass=_ArrayMeta):
    """fungrad's array type: a read-only ``np.ndarray`` with JAX's methods (see the module
    docstring). ``jax.Array`` and ``jnp.ndarray`` are this class.

    >>> import fungrad, fungrad.numpy as fnp
    >>> g = fungrad.grad(lambda x: x ** 3)(2.0)
    >>> g, float(g), f"{g:.1f}", g > 1.0, g.block_until_ready()
    (np.float64(12.0), 12.0, '12.0', np.True_, np.float64(12.0))
    >>> type(g).__name__, g.shape, g.devices()
    ('Array', (), {CpuDevice(id=0)})
    """

    __slots__ = ()

    # -- immutability ------------------------------------------------------------------------
    def __setitem__(self, idx, value):
        if _immutable(self):
            raise TypeError(_IMMUTABLE)
        _base_setitem(self, idx, value)

    __iadd__ = _in_place("add")
    __isub__ = _in_place("sub")
    __imul__ = _in_place("mul")
    __itruediv__ = _in_place("truediv")
    __ifloordiv__ = _in_place("floordiv")
    __imod__ = _in_place("mod")
    __ipow__ = _in_place("pow")
    __imatmul__ = _in_place("matmul")
    __iand__ = _in_place("and")
    __ior__ = _in_place("or")
    __ixor__ = _in_place("xor")
    __ilshift__ = _in_place("lshift")
    __irshift__ = _in_place("rshift")

    # -- indexing ------------------------------------------------------------------------------
    def __getitem__(self, idx):
        tracer = _registry["tracer"]
        if type(idx) is tracer or (type(idx) is tuple and any(type(i) is tracer for i in idx)):
            return _registry["getitem"](self, idx)  # a gather in the trace
        return _base_getitem(self, idx)

    @property
    def at(self):
        """Functional updates: ``x.at[idx].set(v)``, ``.add``, ``.subtract``, ``.multiply``,
        ``.divide``, ``.power``, ``.min``, ``.max``, ``.apply``, ``.get``; each returns a new
        array. Repeated indices accumulate for ``add``, ``multiply``, ``min`` and ``max``.

        >>> import fungrad, fungrad.numpy as fnp
        >>> x = fungrad.device_put(np.zeros(3))
        >>> x.at[np.array([0, 0, 2])].add(1.0)
        array([2., 0., 1.])
        """
        return _registry["at"](self)

    # -- JAX's runtime surface ---------------------------------------------------------------
    def block_until_ready(self) -> "Array":
        """Wait for the value to be computed: numpy computes eagerly, so it is.

        >>> import fungrad
        >>> fungrad.device_put(np.ones(2)).block_until_ready()
        array([1., 1.])
        """
        return self

    @property
    def sharding(self) -> Any:
        """How the array is laid out: the sharding it was put with (``device_put``,
        ``reshard``), else ``SingleDeviceSharding`` (see ``fungrad.sharding``).

        >>> import fungrad
        >>> fungrad.device_put(np.ones(2)).sharding
        SingleDeviceSharding(device=CpuDevice(id=0), memory_kind=device)
        """
        from fungrad.sharding import sharding_of
        return sharding_of(self)

    def devices(self) -> set[Device]:
        """The devices holding the array: ``{CpuDevice(id=0)}``.

        >>> import fungrad
        >>> fungrad.device_put(np.ones(2)).devices()
        {CpuDevice(id=0)}
        """
        return {CPU}

    @property
    def device(self) -> Device:
        """The device holding the array.

        >>> import fungrad
        >>> fungrad.device_put(np.ones(2)).device
        CpuDevice(id=0)
        """
        return CPU

    @property
    def is_fully_addressable(self) -> bool:
        """Always True: one process, one device.

        >>> import fungrad
        >>> fungrad.device_put(np.ones(2)).is_fully_addressable
        True
        """
        return True

    def copy(self, order: str = "C") -> "Array":  # type: ignore[override]
        """A copy, itself an immutable Array.

        >>> import fungrad
        >>> x = fungrad.device_put(np.ones(2))
        >>> x.copy() is x, type(x.copy()).__name__
        (False, 'Array')
        """
        return wrap(np.ndarray.copy(self, order))

    def clone(self) -> "Array":
        """A copy (JAX's name for it).

        >>> import fungrad
        >>> fungrad.device_put(np.ones(2)).clone()
        array([1., 1.])
        """
        return self.copy()

    @property
    def weak_type(self) -> bool:
        """False: a concrete array has a definite dtype (Python scalars are the weak ones).

        >>> import fungrad
        >>> fungrad.device_put(np.ones(2)).weak_type
        False
        """
        return False

    @property
    def aval(self) -> Any:
        """The abstract value: shape and dtype, as a tracer of this array would have.

        >>> import fungrad
        >>> fungrad.device_put(np.ones((2, 3))).aval.shape
        (2, 3)
        """
        from fungrad.avals import ShapedArray
        return ShapedArray(self.shape, self.dtype)

    def ptp(self, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
        """The range, max - min, along ``axis`` (numpy.ptp as a method, as in JAX).

        >>> import fungrad
        >>> fungrad.device_put(np.array([3.0, -1.0, 2.0])).ptp()
        np.float64(4.0)
        """
        from fungrad.numpy import ptp
        return ptp(self, axis=axis, out=out, keepdims=keepdims)

    def sort(self, axis: int | None = -1, *, kind: Any = None, order: Any = None,  # type: ignore[override]
             stable: bool = True, descending: bool = False) -> "Array":
        """A sorted copy, as JAX's ``Array.sort`` returns (numpy's sorts in place, which an
        immutable array cannot).

        >>> import fungrad
        >>> fungrad.device_put(np.array([3.0, 1.0, 2.0])).sort()
        array([1., 2., 3.])
        """
        if not _immutable(self):  # a writeable copy numpy made (np.sort): numpy's in-place
            return np.ndarray.sort(self, axis, kind, order)  # type: ignore[func-returns-value]
        from fungrad.numpy import sort
        return sort(self, axis, kind, order, stable=stable, descending=descending)

    def nonzero(self, *, size: int | None = None, fill_value: Any = None) -> Any:  # type: ignore[override]
        """The indices of the nonzero elements, with JAX's ``size``/``fill_value``.

        >>> import fungrad
        >>> fungrad.device_put(np.array([0.0, 2.0, 3.0])).nonzero(size=3, fill_value=-1)
        (array([ 1,  2, -1]),)
        """
        from fungrad.numpy import nonzero
        return nonzero(self, size=size, fill_value=fill_value)

    def __copy__(self) -> "Array":
        return self.copy()

    def __deepcopy__(self, memo: Any) -> "Array":
        return self.copy()

    def __reduce__(self):  # pickles as a numpy array, unpickles as an Array
        return (wrap, (np.asarray(self),))

    # -- printing: as numpy prints the same values -------------------------------------------
    def __repr__(self) -> str:
        base = _view(self, np.ndarray)
        return repr(base[()]) if base.ndim == 0 else repr(base)

    def __str__(self) -> str:
        return str(_view(self, np.ndarray))

    def __hash__(self):  # arrays are unhashable, as in numpy and JAX
        raise TypeError("unhashable type: 'Array'")


def wrap(x: Any) -> Array:
    """``x`` (a numpy array or scalar, or a Python scalar) as a read-only Array: a view, no
    copy, for an ndarray.

    >>> a = np.arange(3.0)
    >>> w = wrap(a)
    >>> type(w).__name__, np.shares_memory(w, a), w.flags.writeable
    ('Array', True, False)
    >>> wrap(2.5) + 1.0
    np.float64(3.5)
    """
    t = type(x)
    if t is Array:
        return x
    if t is not np.ndarray:
        x = np.asarray(x)
    out = _view(x, Array)
    _setflags(out, write=False)
    return out


def devices(backend: str | None = None) -> list[Device]:
    """The devices fungrad computes on: one CPU.

    >>> import fungrad
    >>> fungrad.devices(), fungrad.device_count()
    ([CpuDevice(id=0)], 1)
    """
    if backend not in (None, "cpu"):
        raise RuntimeError(f"fungrad.devices: unknown backend {backend!r}; fungrad computes "
                           "with numpy on the CPU (backend 'cpu')")
    return [CPU]


def local_devices(process_index: int | None = None, backend: str | None = None) -> list[Device]:
    """The devices of this process: one CPU.

    >>> import fungrad
    >>> fungrad.local_devices()
    [CpuDevice(id=0)]
    """
    return devices(backend)


def device_count(backend: str | None = None) -> int:
    """How many devices: 1.

    >>> import fungrad
    >>> fungrad.device_count()
    1
    """
    return len(devices(backend))


def local_device_count(backend: str | None = None) -> int:
    """How many devices this process has: 1.

    >>> import fungrad
    >>> fungrad.local_device_count()
    1
    """
    return len(devices(backend))


def default_backend() -> str:
    """The backend arrays are computed on: ``'cpu'``.

    >>> import fungrad
    >>> fungrad.default_backend()
    'cpu'
    """
    return "cpu"


def _is_array_leaf(x: Any) -> bool:
    return isinstance(x, (np.ndarray, np.generic, bool, int, float, complex))


def device_put(x: Any, device: Any = None, *, src: Any = None, donate: bool = False,
               may_alias: bool | None = None) -> Any:
    """Put a pytree of arrays on ``device`` (the CPU): each array leaf becomes an immutable
    Array (a view of a numpy array; a copy of anything else array-like).

    >>> import fungrad
    >>> x = fungrad.device_put({"w": np.ones(2), "n": 3})
    >>> x["w"], type(x["w"]).__name__, x["n"]
    (array([1., 1.]), 'Array', np.int64(3))
    """
    if device is not None and not (isinstance(device, Device) or device == "cpu"):
        from fungrad.sharding import device_put_sharded, is_sharding_tree
        if is_sharding_tree(device):  # a Sharding, a PartitionSpec, or a tree of them
            return device_put_sharded(x, device)
        raise ValueError(f"device_put: unknown device {device!r}; fungrad has one, "
                         f"{CPU!r} (fungrad.devices())")
    tracer = _registry["tracer"]
    return tree_map(lambda leaf: leaf if tracer is not None and isinstance(leaf, tracer)
                    else wrap(np.array(leaf) if isinstance(leaf, (list, tuple)) else leaf), x)


def device_get(x: Any) -> Any:
    """Fetch a pytree of Arrays to the host: each becomes a numpy array (for a 0-d one, a
    numpy scalar); other leaves are kept.

    >>> import fungrad
    >>> out = fungrad.device_get({"a": fungrad.device_put(np.ones(2)), "b": "text"})
    >>> type(out["a"]).__name__, out["b"]
    ('ndarray', 'text')
    """
    def get(leaf: Any) -> Any:
        if type(leaf) is Array:
            base = _view(leaf, np.ndarray)
            return base[()] if base.ndim == 0 else base
        return leaf
    return tree_map(get, x)


def block_until_ready(x: Any) -> Any:
    """Wait until every array in the pytree ``x`` is computed (numpy computes eagerly, so
    they are) and return ``x``.

    >>> import fungrad
    >>> fungrad.block_until_ready((1.0, [np.ones(1)]))
    (1.0, [array([1.])])
    """
    return x
