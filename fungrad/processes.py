"""The processes and hosts of a computation: fungrad runs in one process on one host, so
``process_index()`` is 0 and ``process_count()`` is 1, as JAX answers on a single machine;
and ``print_environment_info``, the versions to quote in a bug report.
"""
from __future__ import annotations

import platform
import sys

__all__ = ["process_index", "process_count", "process_indices", "host_id", "host_count",
           "host_ids", "print_environment_info"]


def process_index(backend: str | None = None) -> int:
    """The index of this process among those of the computation: 0, the only one.

    >>> process_index()
    0
    """
    return 0


def process_count(backend: str | None = None) -> int:
    """The number of processes of the computation: 1.

    >>> process_count()
    1
    """
    return 1


def process_indices(backend: str | None = None) -> list[int]:
    """The indices of all processes: ``[0]``.

    >>> process_indices()
    [0]
    """
    return [0]


def host_id(backend: str | None = None) -> int:
    """JAX's older name for ``process_index``.

    >>> host_id()
    0
    """
    return process_index(backend)


def host_count(backend: str | None = None) -> int:
    """JAX's older name for ``process_count``.

    >>> host_count()
    1
    """
    return process_count(backend)


def host_ids(backend: str | None = None) -> list[int]:
    """JAX's older name for ``process_indices``.

    >>> host_ids()
    [0]
    """
    return process_indices(backend)


def print_environment_info(return_string: bool = False) -> str | None:
    """Print (or, with ``return_string``, return) fungrad's, numpy's and Python's versions
    and the platform: what a bug report should quote.

    >>> print_environment_info(return_string=True).splitlines()[0].split(":")[0]
    'fungrad'
    """
    import numpy as np
    import fungrad
    text = (f"fungrad:    {fungrad.__version__}\n"
            f"numpy:      {np.__version__}\n"
            f"python:     {sys.version}\n"
            f"device info: cpu-1, 1 local devices\n"
            f"process_count: {process_count()}\n"
            f"platform:   {platform.platform()}\n")
    if return_string:
        return text
    print(text, end="")
    return None
