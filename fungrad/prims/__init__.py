"""fungrad's primitives: one object per operation, each holding all of its rules.

``elementwise`` (math, comparisons, select, casts), ``structural`` (shapes, reductions,
contractions, indexing) and ``linalg`` (inv, solve, det, slogdet, triangular_solve) and
``decompositions`` (cholesky, qr, eigh, svd, eig, lu, expm). Control-flow primitives (cond,
while, scan) live in ``fungrad.control_flow``; ``guard`` lives in ``fungrad.core``.
"""
from fungrad.prims import decompositions, elementwise, linalg, structural  # noqa: F401
