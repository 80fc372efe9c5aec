"""``pmap`` on fungrad's one device: ``vmap`` over a leading axis of size at most 1.

JAX's ``pmap`` runs one copy of the function per device along the mapped axis, so that axis
can be no longer than the number of devices. fungrad has one device, the CPU, so a mapped
axis has size 1 (or 0) and the map is a ``vmap`` over it; a longer axis is refused with the
device count. ``axis_name`` names the mapped axis as in JAX (fungrad has no collectives, so
nothing reads it).
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Sequence

from fungrad.array import local_device_count
from fungrad.avals import get_aval
from fungrad.tree_util import tree_flatten
from fungrad.vmap import _axes_for, vmap

__all__ = ["pmap"]


def pmap(fun: Callable, axis_name: Any = None, *, in_axes: Any = 0, out_axes: Any = 0,
         static_broadcasted_argnums: int | Sequence[int] = (), devices: Any = None,
         backend: str | None = None, axis_size: int | None = None,
         donate_argnums: int | Sequence[int] = (), global_arg_shapes: Any = None) -> Callable:
    """Map ``fun`` over the leading axis (``in_axes``) of its arguments, one slice per device:
    on fungrad's one CPU device that axis has size 1, and the result is ``vmap``'s.

    ``static_broadcasted_argnums`` are passed to every copy unmapped (as Python values);
    ``devices``, ``backend`` and ``donate_argnums`` are accepted (one CPU, no buffers to
    donate).

    >>> import numpy as np, fungrad
    >>> fungrad.pmap(lambda x, n: x * n, static_broadcasted_argnums=1)(np.ones((1, 2)), 3.0)
    array([[3., 3.]])
    >>> fungrad.pmap(lambda x: x)(np.ones((2, 3)))
    Traceback (most recent call last):
    ...
    ValueError: pmap: the mapped axis has size 2, but there is only 1 device (fungrad computes on one CPU); the mapped axis of pmap must be no longer than the device count
    """
    statics = ((static_broadcasted_argnums,) if isinstance(static_broadcasted_argnums, int)
               else tuple(static_broadcasted_argnums))
    if backend not in (None, "cpu"):
        raise ValueError(f"pmap: backend must be 'cpu' (fungrad's only one), got {backend!r}")
    if global_arg_shapes is not None:
        raise ValueError("pmap: global_arg_shapes is not supported (as in current JAX)")

    @wraps(fun)
    def mapped(*args: Any, **kwargs: Any) -> Any:
        n = len(args)
        static_pos = sorted({i % n for i in statics if -n <= i < n})
        if len(static_pos) != len(statics):
            raise ValueError(f"pmap: static_broadcasted_argnums {statics} out of range for "
                             f"{n} positional arguments")
        dynamic = [a for i, a in enumerate(args) if i not in static_pos]
        axes = in_axes
        if isinstance(in_axes, (tuple, list)) and len(in_axes) == n and static_pos:
            axes = type(in_axes)(a for i, a in enumerate(in_axes) if i not in static_pos)
        if isinstance(axes, list):
            axes = tuple(axes)
        leaves = tree_flatten(tuple(dynamic))[0]
        sizes = {get_aval(x).shape[ax] for x, ax in
                 zip(leaves, _axes_for(axes, tuple(dynamic), "in_axes"))
                 if ax is not None and get_aval(x).ndim}
        sizes |= {get_aval(x).shape[0] for x in tree_flatten(kwargs)[0] if get_aval(x).ndim}
        if axis_size is not None:
            sizes.add(axis_size)
        devices_count = len(devices) if devices is not None else local_device_count()
        for size in sizes:
            if size > devices_count:
                raise ValueError(
                    f"pmap: the mapped axis has size {size}, but there is only "
                    f"{devices_count} device (fungrad computes on one CPU); the mapped axis "
                    f"of pmap must be no longer than the device count")

        def one_copy(*dyn: Any, **kw: Any) -> Any:
            full, it = [], iter(dyn)
            for i in range(n):
                full.append(args[i] if i in static_pos else next(it))
            return fun(*full, **kw)

        return vmap(one_copy, in_axes=axes, out_axes=out_axes,
                    axis_size=axis_size)(*dynamic, **kwargs)

    return mapped
