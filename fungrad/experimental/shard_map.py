"""``fungrad.experimental.shard_map`` (``jax.experimental.shard_map``): the legacy
``shard_map(f, mesh, in_specs, out_specs, check_rep=True, auto=frozenset())``, the
positional form of ``fungrad.shard_map`` (``check_rep`` is the old ``check_vma``; ``auto``
lists the mesh axes left automatic, the others being manual).

>>> import numpy as np, fungrad
>>> from fungrad.sharding import PartitionSpec as P
>>> mesh = fungrad.make_mesh((1,), ("i",))
>>> shard_map(lambda a: fungrad.lax.pmean(a, "i"), mesh, P("i"), P())(np.ones(2))
array([1., 1.])
"""
from __future__ import annotations

from typing import Any, Callable

from fungrad.shard_map import shard_map as _shard_map

__all__ = ["shard_map"]


def shard_map(f: Callable, mesh: Any, in_specs: Any, out_specs: Any, check_rep: bool = True,
              auto: Any = frozenset()) -> Callable:
    """``fungrad.shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs)`` over the
    mesh axes not in ``auto``.

    >>> import numpy as np, fungrad
    >>> from fungrad.sharding import PartitionSpec as P
    >>> mesh = fungrad.make_mesh((1,), ("i",))
    >>> shard_map(lambda a: a * 2, mesh, P("i"), P("i"))(np.ones(2))
    array([2., 2.])
    """
    manual = frozenset(a for a in mesh.axis_names if a not in frozenset(auto))
    return _shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs,
                      axis_names=manual, check_vma=check_rep)
