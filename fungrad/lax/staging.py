"""Hints JAX gives its compiler about the code it stages out: ``composite`` (an operation
named for the compiler, with a decomposition that defines it) and ``platform_dependent``
(one branch per hardware platform).

fungrad has one platform, the CPU, and no compiler that recognizes composites, so both
resolve while tracing: a composite is its decomposition, inlined into the IR (derivatives,
``jit`` and ``vmap`` are the decomposition's), and ``platform_dependent`` runs the ``cpu``
branch, or ``default``.

>>> from fungrad import lax
>>> platform_dependent(2.0, cpu=lambda x: x + 1.0, default=lambda x: x)
3.0
"""
from __future__ import annotations

import functools
from typing import Any, Callable

__all__ = ["composite", "platform_dependent"]

#: the platform fungrad computes on, as JAX names it
PLATFORM = "cpu"


def composite(decomposition: Callable, name: str, version: int = 0) -> Callable:
    """``decomposition`` as the composite operation ``name``: positional arguments are its
    inputs, keyword arguments its (static) attributes. The result computes
    ``decomposition(*args, **kwargs)``.

    >>> import numpy as np
    >>> from fungrad import lax
    >>> tangent = composite(lambda x: lax.sin(x) / lax.cos(x), name="my.tangent")
    >>> tangent(np.array([0.0, np.pi / 4])).round(6)
    array([0., 1.])
    """
    if not callable(decomposition):
        raise TypeError(f"composite: decomposition must be callable, got {decomposition!r}")
    if not isinstance(name, str) or not name:
        raise TypeError(f"composite: name must be a non-empty string, got {name!r}")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise TypeError(f"composite: version must be a non-negative int, got {version!r}")

    @functools.wraps(decomposition)
    def operation(*args: Any, **attributes: Any) -> Any:
        # JAX leaves out the attributes given as None
        return decomposition(*args, **{k: v for k, v in attributes.items() if v is not None})
    return operation


def platform_dependent(*args: Any, default: Callable | None = None,
                       **per_platform: Callable) -> Any:
    """``per_platform[platform](*args)`` for the platform the computation runs on, which for
    fungrad is always ``"cpu"``; ``default(*args)`` without a ``cpu`` branch.

    >>> platform_dependent(1.0, tpu=lambda x: x * 10.0, default=lambda x: x - 1.0)
    0.0
    """
    for platform, branch in per_platform.items():
        if not callable(branch):
            raise TypeError(f"platform_dependent: the branch for {platform!r} must be "
                            f"callable, got {branch!r}")
    if default is not None and not callable(default):
        raise TypeError(f"platform_dependent: default must be callable, got {default!r}")
    chosen = per_platform.get(PLATFORM, default)
    if chosen is None:
        raise ValueError(f"platform_dependent: no branch for the platform {PLATFORM!r} (the "
                         f"only one fungrad runs on) and no default; got branches for "
                         f"{sorted(per_platform)}")
    return chosen(*args)
