"""fungrad's primitives: one object per operation, each holding all of its rules.

``elementwise`` (math, comparisons, select, casts), ``bits`` (shifts, bit counts, bitcasts),
``structural`` (shapes, reductions, contractions, indexing), ``slicing`` (dynamic slices,
scatter combinations), ``ordering`` (sort permutations, running extrema), ``conv``
(convolution), ``windowed`` (windows for pooling), ``linalg`` (inv, solve, slogdet,
triangular_solve), ``decompositions`` (cholesky, qr, eigh, svd, eig, lu, det, expm),
``matrix_forms`` (schur, hessenberg, sqrtm: values only) and ``special`` (erf, erfc,
erf_inv). Control-flow primitives (cond, while, scan) live in ``fungrad.control_flow``;
``guard`` lives in ``fungrad.core``.
"""
from fungrad.prims import (  # noqa: F401
    bits, conv, decompositions, elementwise, linalg, matrix_forms, ordering, slicing, special,
    structural, windowed,
)
