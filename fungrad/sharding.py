"""``fungrad.sharding`` (``jax.sharding``): meshes, partition specs and shardings, on the one
CPU device fungrad computes on.

JAX lays an array out over a ``Mesh`` of devices, each mesh axis named; a ``PartitionSpec``
says which mesh axes split which array dimension, and a ``NamedSharding`` pairs the two. On
one device every mesh axis has size 1, so every shard is the whole array: the objects here
carry JAX's names, reprs, checks and errors (a spec naming an axis the mesh lacks, a spec
longer than the array's rank, a mesh larger than the devices), and laying data out is free.

>>> import numpy as np, fungrad
>>> from fungrad.sharding import NamedSharding, PartitionSpec as P
>>> mesh = fungrad.make_mesh((1,), ("x",))
>>> x = fungrad.device_put(np.arange(4.0), NamedSharding(mesh, P("x")))
>>> x.sharding
NamedSharding(mesh=Mesh('x': 1, axis_types=(Explicit,)), spec=P('x',), memory_kind=device)
>>> x.sharding.shard_shape(x.shape)
(4,)

Arrays remember the sharding they were put with (``device_put``, ``reshard``); any other
Array has JAX's default, a ``SingleDeviceSharding``. Shardings are accepted, checked and
otherwise no-ops inside traced code (``with_sharding_constraint``, jit's ``in_shardings``).
"""
from __future__ import annotations

import enum
import functools
import math
import weakref
from collections import OrderedDict
from typing import Any, Iterable, Sequence

import numpy as np

from fungrad.array import CPU, Array, Device, devices as _devices

__all__ = ["AbstractDevice", "AbstractMesh", "AxisType", "Mesh", "NamedSharding",
           "PartitionSpec", "Sharding", "SingleDeviceSharding", "auto_axes", "explicit_axes",
           "get_abstract_mesh", "get_mesh", "make_single_device_sharding", "reshard",
           "set_mesh", "use_abstract_mesh", "make_mesh", "with_sharding_constraint"]


class AxisType(enum.Enum):
    """How a mesh axis is sharded: ``Auto`` (the compiler chooses), ``Explicit`` (part of
    the array's type), ``Manual`` (inside ``shard_map``). On one device all behave alike.

    >>> AxisType.Explicit, list(AxisType)
    (Explicit, [Auto, Explicit, Manual])
    """
    Auto = enum.auto()
    Explicit = enum.auto()
    Manual = enum.auto()

    def __repr__(self) -> str:
        return self.name


class AbstractDevice:
    """A device described by its kind only (what an ``AbstractMesh`` knows).

    >>> AbstractDevice("cpu")
    AbstractDevice(device_kind=cpu, num_cores=None)
    """

    def __init__(self, device_kind: str, num_cores: int | None = None):
        self.device_kind, self.num_cores = device_kind, num_cores

    def __repr__(self) -> str:
        return f"AbstractDevice(device_kind={self.device_kind}, num_cores={self.num_cores})"


# ----------------------------------------------------------------------------- PartitionSpec


class _Unconstrained:
    def __repr__(self) -> str:
        return "UNCONSTRAINED"


class PartitionSpec:
    """How each dimension of an array is split over mesh axes: an entry per dimension, each
    None (not split), an axis name, or a tuple of names. Trailing dimensions not listed are
    not split. Tuple-like (``len``, indexing, iteration) and hashable, but, as in JAX, not
    equal to a plain tuple.

    >>> P = PartitionSpec
    >>> P("x", None), P(("x", "y"),), len(P("x", None)), P("x") == P("x"), P("x") == ("x",)
    (P('x', None), P(('x', 'y'),), 2, True, False)
    """

    UNCONSTRAINED = _Unconstrained()
    __slots__ = ("_partitions", "unreduced", "reduced")

    def __init__(self, *partitions: Any, unreduced: Iterable = frozenset(),
                 reduced: Iterable = frozenset()):
        parts = []
        for p in partitions:
            if isinstance(p, list):
                p = tuple(p)
            if isinstance(p, (set, frozenset, dict, PartitionSpec)):
                raise TypeError(f"PartitionSpec: each entry must be None, a mesh axis name or "
                                f"a tuple of names, got {p!r}")
            parts.append(p)
        self._partitions = tuple(parts)
        self.unreduced = frozenset(unreduced)
        self.reduced = frozenset(reduced)
        named = {n for n in self._axes()}
        overlap = named & self.unreduced
        if overlap:
            raise ValueError(f"partitions cannot overlap with unreduced axes passed to "
                             f"PartitionSpec. Got partitions: {self._partitions} and unreduced "
                             f"axes: {self.unreduced}")

    def _axes(self) -> list:
        """The mesh axis names the spec uses, in order (with repeats)."""
        out: list = []
        for p in self._partitions:
            if p is None or p is PartitionSpec.UNCONSTRAINED:
                continue
            out.extend(p if isinstance(p, tuple) else (p,))
        return out

    @property
    def partitions(self) -> tuple:
        """The entries, a tuple.

        >>> PartitionSpec("x", None).partitions
        ('x', None)
        """
        return self._partitions

    def __repr__(self) -> str:
        inner = ", ".join(repr(p) for p in self._partitions)
        if len(self._partitions) == 1:
            inner += ","
        extra = ""
        if self.unreduced:
            extra += f", unreduced={set(self.unreduced)!r}"
        if self.reduced:
            extra += f", reduced={set(self.reduced)!r}"
        return f"P({inner}{extra})"

    __str__ = __repr__

    def __len__(self) -> int:
        return len(self._partitions)

    def __getitem__(self, i: Any) -> Any:
        return self._partitions[i]

    def __iter__(self):
        return iter(self._partitions)

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, PartitionSpec) and other._partitions == self._partitions
                and other.unreduced == self.unreduced and other.reduced == self.reduced)

    def __hash__(self) -> int:
        return hash(("PartitionSpec", self._partitions, self.unreduced, self.reduced))

    def __add__(self, other: Any) -> "PartitionSpec":
        other_parts = other._partitions if isinstance(other, PartitionSpec) else tuple(other)
        return PartitionSpec(*self._partitions, *other_parts, unreduced=self.unreduced,
                             reduced=self.reduced)

    def count(self, value: Any) -> int:
        """How many entries equal ``value``.

        >>> PartitionSpec("x", None, None).count(None)
        2
        """
        return self._partitions.count(value)

    def index(self, value: Any) -> int:
        """The position of the first entry equal to ``value``.

        >>> PartitionSpec(None, "x").index("x")
        1
        """
        return self._partitions.index(value)

    def update(self, **kwargs: Any) -> "PartitionSpec":
        """A copy with ``partitions``, ``unreduced`` or ``reduced`` replaced.

        >>> PartitionSpec("x").update(partitions=("x", None))
        P('x', None)
        """
        return PartitionSpec(*kwargs.get("partitions", self._partitions),
                             unreduced=kwargs.get("unreduced", self.unreduced),
                             reduced=kwargs.get("reduced", self.reduced))


P = PartitionSpec


# ----------------------------------------------------------------------------- meshes


def _check_types(axis_types: Any, n: int, default: AxisType) -> tuple:
    if axis_types is None:
        return (default,) * n
    if isinstance(axis_types, AxisType):
        axis_types = (axis_types,) * n
    axis_types = tuple(axis_types)
    if len(axis_types) != n or not all(isinstance(t, AxisType) for t in axis_types):
        raise ValueError(f"Number of axis names should match the number of axis_types. Got "
                         f"axis_names={n} and axis_types={axis_types}")
    return axis_types


def _names_tuple(axis_names: Any) -> tuple:
    return (axis_names,) if isinstance(axis_names, str) else tuple(axis_names)


class _MeshBase:
    """What ``Mesh`` and ``AbstractMesh`` share: named axes with sizes and types."""

    axis_names: tuple
    axis_sizes: tuple
    axis_types: tuple

    @property
    def shape(self) -> "OrderedDict[Any, int]":
        """``{axis name: size}``, in mesh order."""
        return OrderedDict(zip(self.axis_names, self.axis_sizes))

    @property
    def shape_tuple(self) -> tuple:
        return tuple(zip(self.axis_names, self.axis_sizes))

    @property
    def size(self) -> int:
        return math.prod(self.axis_sizes)

    @property
    def empty(self) -> bool:
        return not self.axis_names

    @property
    def is_scalar(self) -> bool:
        return self.size == 1 and not self.empty

    def _of(self, kind: AxisType) -> tuple:
        return tuple(n for n, t in zip(self.axis_names, self.axis_types) if t is kind)

    @property
    def auto_axes(self) -> tuple:
        return self._of(AxisType.Auto)

    @property
    def explicit_axes(self) -> tuple:
        return self._of(AxisType.Explicit)

    @property
    def manual_axes(self) -> tuple:
        return self._of(AxisType.Manual)

    @property
    def are_all_axes_auto(self) -> bool:
        return all(t is AxisType.Auto for t in self.axis_types)

    @property
    def are_all_axes_explicit(self) -> bool:
        return all(t is AxisType.Explicit for t in self.axis_types)

    @property
    def are_all_axes_manual(self) -> bool:
        return all(t is AxisType.Manual for t in self.axis_types)

    def _body(self) -> str:
        if self.empty:
            return "(), axis_types=()"
        axes = ", ".join(f"{n!r}: {s}" for n, s in zip(self.axis_names, self.axis_sizes))
        return f"{axes}, axis_types={self.axis_types}"

    def _key(self) -> tuple:
        return (self.axis_names, self.axis_sizes, self.axis_types)


class Mesh(_MeshBase):
    """An array of devices with a name per axis: ``Mesh(devices, axis_names, axis_types=)``
    (axis types default to ``Auto``; ``make_mesh``'s to ``Explicit``). As a context manager
    it is the mesh ``shard_map`` and ``PartitionSpec`` shardings use (``set_mesh`` too).

    >>> import numpy as np, fungrad
    >>> mesh = Mesh(np.array(fungrad.devices()).reshape(1, 1), ("a", "b"))
    >>> mesh
    Mesh(axis_sizes=(1, 1), axis_names=('a', 'b'), axis_types=(Auto, Auto))
    >>> dict(mesh.shape), mesh.size, mesh.devices.shape
    ({'a': 1, 'b': 1}, 1, (1, 1))
    """

    def __init__(self, devices: Any, axis_names: Any, axis_types: Any = None):
        if isinstance(devices, Device):
            devices = [devices]
        arr = np.empty(np.shape(np.asarray(devices, dtype=object)), dtype=object)
        arr[...] = np.asarray(devices, dtype=object)
        names = _names_tuple(axis_names)
        if arr.ndim != len(names):
            raise ValueError(f"Mesh requires the ndim of its first argument (`devices`) to "
                             f"equal the length of its second argument (`axis_names`), but "
                             f"got devices.ndim == {arr.ndim} and len(axis_names) == "
                             f"{len(names)}.")
        if len(set(names)) != len(names):
            raise ValueError(f"Mesh: axis_names must be distinct, got {names}")
        if names and arr.size == 0:
            raise ValueError(f"Mesh: devices is empty (shape {arr.shape}); fungrad has one "
                             f"device, fungrad.devices() == {_devices()}")
        for d in (arr.flat if names else ()):  # (the empty mesh holds no device)
            if not isinstance(d, Device):
                raise TypeError(f"Mesh: devices must be fungrad devices (fungrad.devices()), "
                                f"got {d!r}")
        ids = [d.id for d in arr.flat] if names else []
        if len(set(ids)) != len(ids):
            raise ValueError(f"Mesh: a device appears more than once in devices: {arr!r}")
        arr.setflags(write=False)
        self.devices = arr
        self.axis_names = names
        self.axis_sizes = tuple(arr.shape)
        self.axis_types = _check_types(axis_types, len(names), AxisType.Auto)
        self._previous: list = []

    @property
    def device_ids(self) -> np.ndarray:
        return np.array(self._ids(), dtype=int).reshape(self.devices.shape) \
            if self.axis_names else np.zeros((), int)

    @property
    def local_devices(self) -> list:
        return list(self.devices.flat) if self.axis_names else []

    @property
    def local_mesh(self) -> "Mesh":
        return self

    @property
    def is_multi_process(self) -> bool:
        return False

    @property
    def abstract_mesh(self) -> "AbstractMesh":
        return AbstractMesh(self.axis_sizes, self.axis_names, axis_types=self.axis_types)

    def update(self, devices: Any = None, axis_names: Any = None,
               axis_types: Any = None) -> "Mesh":
        """A copy with the given fields replaced."""
        return Mesh(self.devices if devices is None else devices,
                    self.axis_names if axis_names is None else axis_names,
                    self.axis_types if axis_types is None else axis_types)

    def __repr__(self) -> str:
        if self.empty:
            return "Mesh(axis_sizes=(), axis_names=(), axis_types=())"
        return (f"Mesh(axis_sizes={self.axis_sizes}, axis_names={self.axis_names}, "
                f"axis_types={self.axis_types})")

    def __str__(self) -> str:
        return f"Mesh({self._body()})"

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, Mesh) and other._key() == self._key()
                and other._ids() == self._ids())

    def __hash__(self) -> int:
        return hash(("Mesh", self._key(), self._ids()))

    def _ids(self) -> tuple:
        return tuple(d.id for d in self.devices.flat) if self.axis_names else ()

    def __enter__(self) -> "Mesh":
        self._previous.append(_MESH[0])
        _MESH[0] = self
        return self

    def __exit__(self, *exc: Any) -> None:
        _MESH[0] = self._previous.pop()


class AbstractMesh(_MeshBase):
    """A mesh's axis names, sizes and types without its devices (what a traced function
    may know): ``AbstractMesh(axis_sizes, axis_names, axis_types=None)``.

    >>> AbstractMesh((1,), ("x",))
    AbstractMesh('x': 1, axis_types=(Auto,), device_kind=cpu, num_cores=None, platform=cpu)
    """

    def __init__(self, axis_sizes: Sequence[int], axis_names: Any, axis_types: Any = None):
        self.axis_sizes = tuple(int(s) for s in axis_sizes)
        self.axis_names = _names_tuple(axis_names)
        if len(self.axis_sizes) != len(self.axis_names):
            raise ValueError(f"AbstractMesh: axis_sizes {self.axis_sizes} and axis_names "
                             f"{self.axis_names} must have the same length")
        self.axis_types = _check_types(axis_types, len(self.axis_names), AxisType.Auto)

    @property
    def abstract_mesh(self) -> "AbstractMesh":
        return self

    def update(self, axis_sizes: Any = None, axis_names: Any = None,
               axis_types: Any = None) -> "AbstractMesh":
        """A copy with the given fields replaced."""
        return AbstractMesh(self.axis_sizes if axis_sizes is None else axis_sizes,
                            self.axis_names if axis_names is None else axis_names,
                            self.axis_types if axis_types is None else axis_types)

    def __repr__(self) -> str:
        if self.empty:
            return f"AbstractMesh({self._body()})"
        return (f"AbstractMesh({self._body()}, device_kind=cpu, num_cores=None, "
                f"platform=cpu)")

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, AbstractMesh) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(("AbstractMesh", self._key()))


_EMPTY_MESH = Mesh(np.empty((), dtype=object), ())
# the mesh set by ``set_mesh`` or ``with mesh:``
_MESH: list = [_EMPTY_MESH]


def make_mesh(axis_shapes: Sequence[int], axis_names: Sequence[Any],
              axis_types: Any = None, *, devices: Sequence[Device] | None = None) -> Mesh:
    """A mesh of ``axis_shapes`` over ``devices`` (default: all of them) with the given
    axis names; axis types default to ``Explicit``, as in JAX 0.10. fungrad has one
    device, so every axis size must be 1.

    >>> import fungrad
    >>> fungrad.make_mesh((1, 1), ("data", "model"))
    Mesh(axis_sizes=(1, 1), axis_names=('data', 'model'), axis_types=(Explicit, Explicit))
    """
    shape = tuple(int(s) for s in axis_shapes)
    names = _names_tuple(axis_names)
    if len(shape) != len(names):
        raise ValueError(f"Mesh requires the ndim of its first argument (`devices`) to equal "
                         f"the length of its second argument (`axis_names`), but got "
                         f"devices.ndim == {len(shape)} and len(axis_names) == {len(names)}.")
    devs = list(_devices() if devices is None else devices)
    if len(devs) < math.prod(shape):
        raise ValueError(f"Number of devices {len(devs)} must be >= the product of "
                         f"mesh_shape {shape}")
    devs = devs[:math.prod(shape)]
    arr = np.empty(len(devs), dtype=object)
    arr[:] = devs
    return Mesh(arr.reshape(shape), names, _check_types(axis_types, len(names),
                                                         AxisType.Explicit))


class set_mesh:
    """Make ``mesh`` the current mesh: at once (a global setter) and, used as ``with
    set_mesh(mesh):``, until the block ends.

    >>> import fungrad
    >>> mesh = fungrad.make_mesh((1,), ("x",))
    >>> with fungrad.set_mesh(mesh):
    ...     get_mesh().axis_names
    ('x',)
    >>> get_mesh().empty
    True
    """

    def __init__(self, mesh: Mesh | None):
        if mesh is not None and not isinstance(mesh, Mesh):
            raise ValueError(f"Expected mesh of type `jax.sharding.Mesh`. Got {type(mesh)}")
        self.previous = _MESH[0]
        _MESH[0] = _EMPTY_MESH if mesh is None else mesh

    def __enter__(self) -> "set_mesh":
        return self

    def __exit__(self, *exc: Any) -> None:
        _MESH[0] = self.previous


class use_abstract_mesh(set_mesh):
    """``with use_abstract_mesh(mesh):`` as ``set_mesh`` (fungrad's one device makes the
    concrete and the abstract mesh the same thing).

    >>> with use_abstract_mesh(AbstractMesh((1,), ("x",))):
    ...     get_abstract_mesh().axis_names
    ('x',)
    """

    def __init__(self, mesh: Any):
        self.previous = _MESH[0]
        _MESH[0] = mesh


def get_mesh() -> Mesh:
    """The current mesh (an empty one outside ``set_mesh``).

    >>> get_mesh().empty
    True
    """
    return _MESH[0]


def get_abstract_mesh() -> AbstractMesh:
    """The current mesh's ``AbstractMesh``.

    >>> get_abstract_mesh()
    AbstractMesh((), axis_types=())
    """
    return _MESH[0].abstract_mesh


def _context_mesh(func: str) -> Any:
    mesh = _MESH[0]
    if mesh.empty:
        raise ValueError(f"The context mesh cannot be empty. Use `jax.set_mesh(mesh)` to "
                         f"enter into a mesh context (in {func})")
    return mesh


# ----------------------------------------------------------------------------- shardings


class Sharding:
    """The base of shardings: which devices hold which part of an array.

    >>> import fungrad
    >>> isinstance(SingleDeviceSharding(fungrad.devices()[0]), Sharding)
    True
    """

    memory_kind = "device"

    @property
    def device_set(self) -> set:
        return {CPU}

    @property
    def addressable_devices(self) -> set:
        return self.device_set

    @property
    def num_devices(self) -> int:
        return len(self.device_set)

    @property
    def is_fully_addressable(self) -> bool:
        return True

    @property
    def is_fully_replicated(self) -> bool:
        return True  # one device holds everything

    @property
    def has_addressable_devices(self) -> bool:
        return True

    def shard_shape(self, global_shape: Sequence[int]) -> tuple:
        """The shape of each device's shard of an array of ``global_shape``."""
        return tuple(global_shape)

    def devices_indices_map(self, global_shape: Sequence[int]) -> dict:
        """``{device: index}``: the part of the array each device holds (all of it)."""
        return {CPU: (slice(None),) * len(global_shape)}

    addressable_devices_indices_map = devices_indices_map

    def is_equivalent_to(self, other: "Sharding", ndim: int) -> bool:
        return isinstance(other, Sharding)

    def with_memory_kind(self, kind: str) -> "Sharding":
        return self

    def _check_rank(self, ndim: int, what: str) -> None:
        pass


class SingleDeviceSharding(Sharding):
    """The whole array on one device: what an Array has unless put otherwise.

    >>> import fungrad
    >>> SingleDeviceSharding(fungrad.devices()[0])
    SingleDeviceSharding(device=CpuDevice(id=0), memory_kind=device)
    """

    def __init__(self, device: Device, *, memory_kind: str | None = None):
        if not isinstance(device, Device):
            raise TypeError(f"SingleDeviceSharding: expected a device (fungrad.devices()), "
                            f"got {device!r}")
        self._device = device

    @property
    def device_set(self) -> set:
        return {self._device}

    def __repr__(self) -> str:
        return f"SingleDeviceSharding(device={self._device!r}, memory_kind=device)"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, SingleDeviceSharding) and other._device == self._device

    def __hash__(self) -> int:
        return hash(("SingleDeviceSharding", self._device))


def make_single_device_sharding(device: Device) -> SingleDeviceSharding:
    """``SingleDeviceSharding(device)``.

    >>> import fungrad
    >>> make_single_device_sharding(fungrad.devices()[0]).num_devices
    1
    """
    return SingleDeviceSharding(device)


class DuplicateSpecError(ValueError):
    """A spec maps one mesh axis to two array dimensions."""


def _check_spec(mesh: Any, spec: PartitionSpec, func: str = "NamedSharding") -> None:
    used = spec._axes()
    for name in used:
        if name not in mesh.axis_names:
            raise ValueError(f"Resource axis: {name} of {spec} is not found in mesh: "
                             f"{mesh.axis_names}.")
    for name in set(used):
        if used.count(name) > 1:
            raise DuplicateSpecError(
                f"A single NamedSharding spec specification can map every mesh axis to at "
                f"most one positional dimension, but {spec} has duplicate entries for "
                f"`{name}`")


class NamedSharding(Sharding):
    """An array laid out over ``mesh`` as ``spec`` says: dimension ``i`` split over the
    mesh axes ``spec[i]`` names. On one device the split is into one piece.

    >>> import fungrad
    >>> s = NamedSharding(fungrad.make_mesh((1,), ("x",)), PartitionSpec("x", None))
    >>> s.spec, s.shard_shape((4, 3)), s.is_fully_replicated, s.num_devices
    (P('x', None), (4, 3), True, 1)
    """

    def __init__(self, mesh: Any, spec: PartitionSpec, *, memory_kind: str | None = None):
        if not isinstance(mesh, (Mesh, AbstractMesh)):
            raise TypeError(f"NamedSharding: mesh must be a Mesh or an AbstractMesh, got "
                            f"{type(mesh).__name__}: {mesh!r}")
        if not isinstance(spec, PartitionSpec):
            if isinstance(spec, (tuple, list)) or spec is None:
                spec = PartitionSpec(*(spec or ()))
            else:
                raise TypeError(f"NamedSharding: spec must be a PartitionSpec, got "
                                f"{type(spec).__name__}: {spec!r}")
        _check_spec(mesh, spec)
        self.mesh, self.spec = mesh, spec

    @property
    def replicated_axes(self) -> frozenset:
        """The mesh axes the spec does not split over (each holds a full copy).

        >>> import fungrad
        >>> NamedSharding(fungrad.make_mesh((1, 1), ("a", "b")), P("a")).replicated_axes
        frozenset({'b'})
        """
        return frozenset(set(self.mesh.axis_names) - set(self.spec._axes()))

    def shard_shape(self, global_shape: Sequence[int]) -> tuple:
        """The shape of each device's shard: each dimension divided by the product of the
        sizes of the mesh axes splitting it (1 each here).

        >>> import fungrad
        >>> NamedSharding(fungrad.make_mesh((1,), ("x",)), P("x")).shard_shape((4, 2))
        (4, 2)
        """
        shape = list(global_shape)
        for i, p in enumerate(self.spec):
            if i >= len(shape) or p is None or p is PartitionSpec.UNCONSTRAINED:
                continue
            size = math.prod(self.mesh.shape[n] for n in (p if isinstance(p, tuple) else (p,)))
            if shape[i] % size:
                raise ValueError(f"Sharding {self} implies that array axis {i} is partitioned "
                                 f"{size} times, but the dimension size is {shape[i]} "
                                 f"(full shape: {tuple(global_shape)}, per-dimension tiling "
                                 f"factors: {size} should evenly divide the shape)")
            shape[i] //= size
        return tuple(shape)

    def _check_rank(self, ndim: int, what: str) -> None:
        if len(self.spec) > ndim:
            raise ValueError(f"One of {what} is incompatible with its sharding annotation "
                             f"{self}: Sharding {self} is only valid for values of rank at "
                             f"least {len(self.spec)}, but was applied to a value of rank "
                             f"{ndim}.")

    def update(self, **kwargs: Any) -> "NamedSharding":
        """A copy with ``mesh`` or ``spec`` replaced.

        >>> import fungrad
        >>> NamedSharding(fungrad.make_mesh((1,), ("x",)), P("x")).update(spec=P()).spec
        P()
        """
        return NamedSharding(kwargs.get("mesh", self.mesh), kwargs.get("spec", self.spec))

    def __repr__(self) -> str:
        if isinstance(self.mesh, AbstractMesh):  # (an abstract value's: no memory)
            return f"NamedSharding(mesh={self.mesh}, spec={self.spec})"
        return f"NamedSharding(mesh={self.mesh}, spec={self.spec}, memory_kind=device)"

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, NamedSharding) and other.mesh == self.mesh
                and other.spec == self.spec)

    def __hash__(self) -> int:
        return hash(("NamedSharding", self.mesh, self.spec))


def _as_sharding(s: Any, func: str) -> Sharding:
    """A Sharding from what JAX accepts in its place: a Sharding, a device, or a
    PartitionSpec (over the context mesh)."""
    if isinstance(s, Sharding):
        return s
    if isinstance(s, Device):
        return SingleDeviceSharding(s)
    if isinstance(s, PartitionSpec):
        return NamedSharding(_context_mesh(func), s)
    raise TypeError(f"{func}: expected a Sharding, a PartitionSpec or a device, got "
                    f"{type(s).__name__}: {s!r}")


# ----------------------------------------------------------------------------- arrays


# id(array) -> (weakref to it, sharding): what ``device_put`` / ``reshard`` put an Array with
# (an ndarray subclass has no room for an attribute; the weakref drops the entry with it)
_PUT: dict[int, tuple] = {}


def _forget_ref(key: int, _ref: Any) -> None:
    _PUT.pop(key, None)


def _remember(x: Any, sharding: Sharding) -> None:
    if type(x) is Array and not isinstance(sharding, SingleDeviceSharding):
        key = id(x)
        _PUT[key] = (weakref.ref(x, functools.partial(_forget_ref, key)), sharding)


def sharding_of(x: Any) -> Sharding:
    """``x.sharding``: what ``x`` was put with, else ``SingleDeviceSharding``."""
    entry = _PUT.get(id(x))
    if entry is not None and entry[0]() is x:
        return entry[1]
    return SingleDeviceSharding(CPU)


def is_sharding_tree(s: Any) -> bool:
    """Whether ``s`` is a Sharding, a PartitionSpec, or a pytree of them (and None)."""
    from fungrad.tree_util import tree_leaves
    leaves = tree_leaves(s, is_leaf=_is_spec_leaf)
    return bool(leaves) and all(_is_spec_leaf(leaf) for leaf in leaves) and any(
        isinstance(leaf, (Sharding, PartitionSpec)) for leaf in leaves)


def unsharded(ndim: int) -> NamedSharding:
    """The sharding of an abstract value: unsplit over the empty abstract mesh."""
    return NamedSharding(AbstractMesh((), ()), PartitionSpec(*([None] * ndim)))


def _is_spec_leaf(s: Any) -> bool:
    return s is None or isinstance(s, (Sharding, PartitionSpec, Device))


def _broadcast_prefix(prefix: Any, tree: Any, func: str, what: str,
                      is_leaf: Any = None) -> list:
    """The leaves of ``prefix`` repeated over the subtrees of ``tree`` they stand for."""
    from fungrad.tree_util import _flatten_up_to, tree_flatten, tree_structure
    leaves, treedef = tree_flatten(prefix, is_leaf=is_leaf or _is_spec_leaf)
    try:
        subtrees = _flatten_up_to(treedef, tree, func)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{func}: {what} {prefix!r} must be a tree prefix of the "
                         f"{'results' if 'out' in what else 'arguments'}, whose structure is "
                         f"{tree_structure(tree)} ({e})") from None
    return [leaf for leaf, sub in zip(leaves, subtrees)
            for _ in range(tree_structure(sub).num_leaves)]


def _put_one(leaf: Any, sharding: Any, func: str) -> Any:
    from fungrad.array import device_put as _plain_put
    if sharding is None:
        return _plain_put(leaf)
    s = _as_sharding(sharding, func)
    out = _plain_put(leaf)
    s._check_rank(np.ndim(out), f"{func} args")
    if isinstance(s, NamedSharding):
        s.shard_shape(np.shape(out))
    _remember(out, s)
    return out


def device_put_sharded(x: Any, device: Any, func: str = "device_put") -> Any:
    """``device_put(x, device)`` where ``device`` is a Sharding, a PartitionSpec, or a tree
    of them (a prefix of ``x``'s)."""
    from fungrad.tree_util import tree_flatten, tree_unflatten
    leaves, treedef = tree_flatten(x)
    specs = _broadcast_prefix(device, x, func, "the shardings")
    return tree_unflatten(treedef, [_put_one(leaf, s, func) for leaf, s in zip(leaves, specs)])


def reshard(xs: Any, out_shardings: Any) -> Any:
    """Lay ``xs`` out as ``out_shardings`` (a Sharding, a PartitionSpec over the current
    mesh, or a tree of them): on one device, the same values with the new sharding.

    >>> import numpy as np, fungrad
    >>> mesh = fungrad.make_mesh((1,), ("x",))
    >>> reshard(np.arange(3.0), NamedSharding(mesh, P("x"))).sharding.spec
    P('x',)
    """
    from fungrad.array import _registry
    from fungrad.tree_util import tree_flatten, tree_unflatten
    leaves, treedef = tree_flatten(xs)
    specs = _broadcast_prefix(out_shardings, xs, "reshard", "out_shardings")
    tracer = _registry["tracer"]
    out = []
    for leaf, s in zip(leaves, specs):
        if tracer is not None and isinstance(leaf, tracer):
            _as_sharding(s, "reshard")._check_rank(np.ndim(leaf), "reshard args")
            out.append(leaf)
        else:
            s = _as_sharding(s, "reshard")
            if isinstance(s, NamedSharding) and len(s.spec) < np.ndim(leaf):
                # JAX gives the result's type a spec entry per dimension
                s = s.update(spec=s.spec.update(partitions=tuple(s.spec) + (None,) * (
                    np.ndim(leaf) - len(s.spec))))
            out.append(_put_one(leaf, s, "reshard"))
    return tree_unflatten(treedef, out)


def with_sharding_constraint(x: Any, shardings: Any) -> Any:
    """Ask that ``x`` (a pytree) be laid out as ``shardings`` inside a traced function:
    checked against each leaf's rank and the mesh, and otherwise the identity here.

    >>> import numpy as np, fungrad
    >>> mesh = fungrad.make_mesh((1,), ("x",), axis_types=(AxisType.Auto,))
    >>> fungrad.jit(lambda v: with_sharding_constraint(v * 2, NamedSharding(mesh, P("x"))))(
    ...     np.ones(2))
    array([2., 2.])
    """
    from fungrad.tree_util import tree_leaves
    leaves = tree_leaves(x)
    specs = _broadcast_prefix(shardings, x, "with_sharding_constraint", "shardings")
    for leaf, s in zip(leaves, specs):
        if s is None:
            continue
        sharding = _as_sharding(s, "with_sharding_constraint")
        sharding._check_rank(np.ndim(leaf), "with_sharding_constraint arguments")
        if isinstance(sharding, NamedSharding):
            sharding.shard_shape(np.shape(leaf))
    return x


def _assemble(shape: Sequence[int], sharding: Any, data: Any, dtype: Any,
              func: str) -> Any:
    from fungrad.array import wrap
    sharding = _as_sharding(sharding, func)
    shape = tuple(int(d) for d in shape)
    expected = sharding.shard_shape(shape)
    arr = np.asarray(data, dtype=dtype)
    if arr.shape != expected:
        raise ValueError(f"{func}: expected shard shape {expected} doesn't match the single "
                         f"device array shape {arr.shape}. Shape of Array is {shape} with "
                         f"sharding {sharding}")
    out = wrap(np.array(arr))
    _remember(out, sharding)
    return out


def make_array_from_callback(shape: Sequence[int], sharding: Any, data_callback: Any,
                             dtype: Any = None) -> Any:
    """The Array of ``shape`` laid out as ``sharding`` whose each shard is
    ``data_callback(index)`` (``index`` a tuple of slices): one call on one device, for the
    whole array.

    >>> import numpy as np, fungrad
    >>> s = NamedSharding(fungrad.make_mesh((1,), ("x",)), P("x"))
    >>> fungrad.make_array_from_callback((3,), s, lambda idx: np.arange(3.0)[idx])
    array([0., 1., 2.])
    """
    index = tuple(slice(None) for _ in shape)
    return _assemble(shape, sharding, data_callback(index), dtype, "make_array_from_callback")


def make_array_from_single_device_arrays(shape: Sequence[int], sharding: Any,
                                         arrays: Sequence[Any], *, dtype: Any = None) -> Any:
    """The Array of ``shape`` laid out as ``sharding`` from its shards, one per device (one
    here).

    >>> import numpy as np, fungrad
    >>> s = NamedSharding(fungrad.make_mesh((1,), ("x",)), P("x"))
    >>> fungrad.make_array_from_single_device_arrays((2,), s, [np.ones(2)])
    array([1., 1.])
    """
    arrays = list(arrays)
    if len(arrays) != 1:
        raise ValueError(f"make_array_from_single_device_arrays: expected one array per "
                         f"device (1 device), got {len(arrays)}")
    return _assemble(shape, sharding, arrays[0], dtype, "make_array_from_single_device_arrays")


def make_array_from_process_local_data(sharding: Any, local_data: Any,
                                       global_shape: Sequence[int] | None = None) -> Any:
    """The global Array from this process's data: with one process, the data itself, laid
    out as ``sharding``.

    >>> import numpy as np, fungrad
    >>> s = NamedSharding(fungrad.make_mesh((1,), ("x",)), P("x"))
    >>> fungrad.make_array_from_process_local_data(s, np.ones(2)).sharding.spec
    P('x',)
    """
    shape = np.shape(local_data) if global_shape is None else global_shape
    return _assemble(shape, sharding, local_data, None, "make_array_from_process_local_data")


def inspect_array_sharding(value: Any, *, callback: Any) -> None:
    """Call ``callback(sharding)`` with the sharding of each array in ``value`` (a pytree);
    inside traced code, the sharding of its type.

    >>> import numpy as np
    >>> inspect_array_sharding(np.ones(2), callback=print)
    SingleDeviceSharding(device=CpuDevice(id=0), memory_kind=device)
    """
    from fungrad.array import _registry, wrap
    from fungrad.tree_util import tree_leaves
    tracer = _registry["tracer"]
    for leaf in tree_leaves(value):
        if tracer is not None and isinstance(leaf, tracer):
            callback(unsharded(np.ndim(leaf)))
        else:
            callback(sharding_of(leaf if type(leaf) is Array else wrap(np.asarray(leaf))))


def visualize_array_sharding(arr: Any, **kwargs: Any) -> None:
    """Print which device holds which part of ``arr`` (at most 2-d): one box, ``CPU 0``,
    since fungrad's one device holds all of it. (JAX draws with ``rich``; this is text.)

    >>> import numpy as np
    >>> visualize_array_sharding(np.ones((4, 4)))
    ┌───────┐
    │ CPU 0 │
    └───────┘
    """
    if np.ndim(arr) > 2:
        raise ValueError(f"visualize_array_sharding only supports arrays of rank 0, 1 or 2, "
                         f"got shape {np.shape(arr)}")
    label = " CPU 0 "
    print("\u250c" + "\u2500" * len(label) + "\u2510")
    print("\u2502" + label + "\u2502")
    print("\u2514" + "\u2500" * len(label) + "\u2518")


def _axes_decorator(name: str, key: str):
    """``auto_axes`` / ``explicit_axes``: ``key`` (``out_sharding`` / ``in_sharding``) is
    given when decorating or when calling, as in JAX."""
    def decorator(fun: Any = None, /, *, axes: Any = None, **given: Any) -> Any:
        unknown = set(given) - {key}
        if unknown:
            raise TypeError(f"{name}() got an unexpected keyword argument {unknown.pop()!r}")
        if fun is None:
            return lambda f: decorator(f, axes=axes, **given)

        @functools.wraps(fun)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            sharding = kwargs.pop(key, given.get(key))
            if key == "in_sharding" and sharding is not None:
                args = reshard(args, sharding if len(args) != 1 or isinstance(
                    sharding, tuple) else (sharding,))
            out = fun(*args, **kwargs)
            if key == "out_sharding" and sharding is not None:
                out = reshard(out, sharding)
            return out
        return wrapped
    decorator.__name__ = name
    decorator.__doc__ = (f"``{name}(f, axes=..., {key}=...)``: run ``f`` with the mesh axes "
                         f"``axes`` of another type (``{key}`` also at the call). On one "
                         f"device the axis type changes nothing: ``f`` itself, with "
                         f"{'its results' if key == 'out_sharding' else 'its arguments'} "
                         f"resharded to ``{key}``.\n\n    >>> {name}(lambda x: x + 1)(1.0)"
                         f"\n    2.0\n")
    return decorator


auto_axes = _axes_decorator("auto_axes", "out_sharding")
explicit_axes = _axes_decorator("explicit_axes", "in_sharding")


# fun -> {(in_shardings, out_shardings): checked fun}: one wrapper per function, so jit's
# cache (keyed by the function) still traces once
_CHECKED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def jit_sharding_checks(fun: Any, in_shardings: Any, out_shardings: Any) -> Any:
    """``fun`` checking its arguments and results against jit's ``in_shardings`` /
    ``out_shardings`` while it is traced (rank, divisibility, mesh axes)."""
    import functools
    key = (_freeze(in_shardings), _freeze(out_shardings))
    try:
        cached = _CHECKED.setdefault(fun, {}).get(key)
    except TypeError:
        cached = None
    if cached is not None:
        return cached

    @functools.wraps(fun)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if in_shardings is not None:
            _check_tree(args, in_shardings, "pjit arguments", "in_shardings")
        out = fun(*args, **kwargs)
        if out_shardings is not None:
            _check_tree(out, out_shardings, "pjit outputs", "out_shardings")
        return out
    try:
        _CHECKED[fun][key] = checked
    except (TypeError, KeyError):
        pass
    return checked


def _freeze(tree: Any) -> Any:
    from fungrad.tree_util import tree_flatten
    leaves, treedef = tree_flatten(tree, is_leaf=_is_spec_leaf)
    try:
        hash(tuple(leaves))
    except TypeError:
        return id(tree)
    return (treedef, tuple(leaves))


def _check_tree(tree: Any, shardings: Any, what: str, name: str) -> None:
    from fungrad.tree_util import tree_leaves
    if isinstance(shardings, list):
        shardings = tuple(shardings)
    if isinstance(shardings, tuple) and isinstance(tree, tuple) \
            and len(shardings) != len(tree):
        raise ValueError(f"pjit {name} specification must be a tree prefix of the positional "
                         f"arguments tuple. In particular, pjit {name} must either be a "
                         f"Sharding, a PartitionSpec, or a tuple of length equal to the number "
                         f"of positional arguments. But pjit {name} is the wrong length: got "
                         f"a tuple or list of length {len(shardings)} for an args tuple of "
                         f"length {len(tree)}.")
    specs = _broadcast_prefix(shardings, tree, "jit", name)
    for leaf, s in zip(tree_leaves(tree), specs):
        if s is None:
            continue
        sharding = _as_sharding(s, "jit")
        sharding._check_rank(np.ndim(leaf), what)
        if isinstance(sharding, NamedSharding):
            sharding.shard_shape(np.shape(leaf))

