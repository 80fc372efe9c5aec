"""``fungrad.flatten_util`` (``jax.flatten_util``): a pytree of arrays as one flat vector.

>>> import numpy as np
>>> flat, unravel = ravel_pytree({"w": np.ones((2, 2)), "b": np.zeros(2)})
>>> flat
array([0., 0., 1., 1., 1., 1.])
>>> unravel(flat)["w"].shape
(2, 2)
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from fungrad.core import get_aval
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Flatten a pytree of arrays into one 1-D array (in leaf order, promoted to a common
    dtype), and the function ``unravel(flat)`` that rebuilds the pytree (each leaf back in
    its own shape and dtype). Differentiable both ways, usable inside transforms.

    >>> import fungrad, fungrad.numpy as fnp
    >>> flat, unravel = ravel_pytree((np.float32(1.0), np.arange(3.0)))
    >>> flat, unravel(flat)[0].dtype
    (array([1., 0., 1., 2.]), dtype('float32'))
    >>> fungrad.grad(lambda v: fnp.sum(unravel(v)[1] ** 2))(flat)
    array([0., 0., 2., 4.])
    """
    import fungrad.numpy as fnp
    leaves, treedef = tree_flatten(pytree)
    avals = [get_aval(x) for x in leaves]
    sizes = [a.size for a in avals]
    dtype = np.result_type(*[a.dtype for a in avals]) if avals else np.dtype(np.float64)
    if leaves:
        flat = fnp.concatenate([fnp.ravel(fnp.asarray(x, dtype=dtype)) for x in leaves])
    else:
        flat = fnp.zeros(0, dtype)
    ends = np.cumsum(sizes).tolist()
    starts = [0] + ends[:-1]

    def unravel(flat_vector: Any) -> Any:
        aval = get_aval(flat_vector)
        if aval.shape != (sum(sizes),):
            raise ValueError(f"ravel_pytree's unravel: expected a flat vector of shape "
                             f"({sum(sizes)},), got {aval.str_short()}")
        parts = [fnp.reshape(flat_vector[s:e], a.shape).astype(a.dtype)
                 for s, e, a in zip(starts, ends, avals)]
        return tree_unflatten(treedef, parts)

    return flat, unravel
