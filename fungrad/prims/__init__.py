"""fungrad's primitives: one object per operation, each holding all of its rules.

``elementwise`` (math, comparisons, select, casts), ``structural`` (shapes, reductions,
contractions, indexing) and ``linalg`` (inv, solve, det). Control-flow primitives (cond,
while, scan) live in ``fungrad.control_flow``; ``guard`` lives in ``fungrad.core``.
"""
from fungrad.prims import (  # noqa: F401
    bits, conv, elementwise, linalg, ordering, slicing, structural, windowed,
)
