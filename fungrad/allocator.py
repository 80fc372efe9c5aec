"""What fungrad asks of the C library's memory allocator: keep freed memory for reuse.

An eager call (``grad(f)(x)`` without ``jit``) makes fresh numpy arrays for its values and
frees them all when it returns; a jitted call reuses the same buffers every time. glibc's
``malloc`` hands the free memory at the top of its heap back to the kernel as soon as more
than its *trim threshold* lies there, so on arrays of a few megabytes each eager call gets
its memory back from the kernel page by page, and each page costs a fault and a zero-fill.
On ``benchmarks/run.py``'s reparam workload (100,000 float64 normal draws) that is 728 page
faults a call, 40% of the eager gradient's time.

glibc raises the threshold by itself, to twice the size of the largest block it had mapped
on its own and then freed (up to 32 MB): a program that ever frees a 16 MB array gets that
behaviour. ``keep_freed_memory`` frees one such block (its pages are never touched, so it
costs a map and an unmap, about 90 us) when fungrad's core is imported, so that every call
gets it, not only those after some large array. The cost is memory: the process may keep
up to 32 MB of freed heap instead of returning it. Other allocators (macOS, Windows, musl,
jemalloc) ignore the block, and an allocator tuned with glibc's ``MALLOC_*`` variables keeps
its settings (they turn glibc's own adjustment off). ``FUNGRAD_KEEP_FREED_MEMORY=0`` in the
environment leaves the allocator alone.
"""
from __future__ import annotations

import os

import numpy as np

__all__ = ["keep_freed_memory"]

#: The block freed: its size, doubled, becomes glibc's trim threshold.
BLOCK_BYTES = 16 << 20


def keep_freed_memory(environ=os.environ) -> bool:
    """Free a ``BLOCK_BYTES`` block that ``malloc`` maps on its own, which raises glibc's
    trim threshold to twice its size; False (nothing done) where
    ``FUNGRAD_KEEP_FREED_MEMORY`` is ``0``, ``false``, ``no`` or ``off``.

    >>> keep_freed_memory({"FUNGRAD_KEEP_FREED_MEMORY": "0"})
    False
    """
    setting = environ.get("FUNGRAD_KEEP_FREED_MEMORY", "1").strip().lower()
    if setting in ("0", "false", "no", "off"):
        return False
    block = np.empty(BLOCK_BYTES, np.uint8)  # (numpy's malloc; never written, never paged in)
    del block
    return True
