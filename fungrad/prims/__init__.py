"""fungrad's primitives: one object per operation, each holding all of its rules.

``elementwise`` (math, comparisons, select, casts), ``bits`` (shifts, bit counts, bitcasts),
the structural families ``shapes`` (broadcast, reshape, transpose, rev), ``indexing``
(gather, scatter), ``joining`` (concatenate, pad), ``reductions`` (sums, extrema,
arg-reductions, cumulative ops) and ``contractions`` (dot_general, einsum), re-exported
together by ``structural``; ``slicing`` (dynamic slices, scatter combinations), ``ordering``
(sort permutations, running extrema), ``conv`` (convolution), ``windowed`` (windows for
pooling), ``linalg`` (inv, solve, slogdet, triangular_solve), ``decompositions`` (cholesky,
qr, eigh, svd, eig, lu, det, expm), ``matrix_forms`` (schur, hessenberg, sqrtm: values only)
and ``special`` (erf, erfc, erf_inv). Control-flow primitives (cond, while, scan) live in
``fungrad.control_flow``; ``guard`` lives in ``fungrad.core``.
"""
from fungrad.prims import (  # noqa: F401
    bits, contractions, conv, decompositions, elementwise, indexing, joining, linalg,
    matrix_forms, ordering, reductions, shapes, slicing, special, structural, windowed,
)
