"""fungrad's primitives: one object per operation, each holding all of its rules.

``elementwise`` (math, comparisons, select, casts), ``structural`` (shapes, reductions,
contractions, indexing) and ``linalg`` (inv, solve, slogdet, triangular_solve),
``decompositions`` (cholesky, qr, eigh, svd, eig, lu, det, expm) and ``matrix_forms``
(schur, hessenberg, sqrtm: values only), ``special`` (erf, erfc, erf_inv). Control-flow
primitives (cond, while, scan) live in ``fungrad.control_flow``; ``guard`` lives in
``fungrad.core``.
"""
from fungrad.prims import (  # noqa: F401
    decompositions, elementwise, linalg, matrix_forms, special, structural,
)
