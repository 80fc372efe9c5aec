"""fungrad.numpy.einsum's spellings (explicit, implicit, '...', sublists) and einsum_path:
values against numpy, IR, jit and vmap, derivatives against finite differences."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from numpy_table import table_tests

TABLE = [
    ("explicit", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [((2, 3), (3, 4))]),
    ("implicit", lambda m, a, b: m.einsum("ij,jk", a, b), [((2, 3), (3, 4))]),
    ("implicit_sorted", lambda m, a, b: m.einsum("ba,ac", a, b), [((2, 3), (3, 4))]),
    ("ellipsis_batch", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b),
     [((5, 2, 3), (5, 3, 4)), ((2, 3), (3, 4)), ((5, 1, 2, 3), (4, 3, 2))]),
    ("ellipsis_broadcast", lambda m, a, b: m.einsum("...ij,jk", a, b),
     [((5, 2, 3), (3, 4)), ((3, 1, 2, 3), (3, 2))]),
    ("ellipsis_middle", lambda m, a: m.einsum("i...j->j...i", a), [((2, 3, 4),), ((2, 4),)]),
    ("ellipsis_sum", lambda m, a: m.einsum("...i->...", a), [((3, 4),), ((4,),)]),
    ("ellipsis_implicit_1", lambda m, a, b: m.einsum("...i,...i", a, b),
     [((3, 4), (1, 4)), ((4,), (4,))]),
    ("sublist", lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]), [((2, 3), (3, 4))]),
    ("sublist_implicit", lambda m, a, b: m.einsum(a, [1, 0], b, [0]), [((2, 3), (3,))]),
    ("sublist_ellipsis", lambda m, a, b: m.einsum(a, [Ellipsis, 0], b, [0, 1],
                                                  [Ellipsis, 1]), [((5, 2, 3), (3, 4))]),
    ("trace_diag", lambda m, a: m.einsum("ii->i", a), [((3, 3),)]),
    ("optimize", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c, optimize="greedy"),
     [((2, 3), (3, 4), (4, 2))]),
    ("three_ellipsis", lambda m, a, b, c: m.einsum("...a,...a,...a->...", a, b, c),
     [((2, 3), (3,), (1, 3))]),
]


test_values, test_trace_jit_vmap, test_derivatives = table_tests(TABLE, nondiff={"trace_diag"})


def test_integer_operands():
    a, b = np.arange(6).reshape(2, 3), np.arange(3)
    assert fnp.einsum("...j,j", a, b).tolist() == np.einsum("...j,j", a, b).tolist()
    assert fnp.einsum(a, [0, 1], b, [1]).dtype == np.einsum(a, [0, 1], b, [1]).dtype


def test_einsum_path_matches_numpy_and_takes_traced_operands():
    shapes = [(2, 3), (3, 4), (4, 5)]
    ops = [np.ones(s) for s in shapes]
    assert fnp.einsum_path("ij,jk,kl->il", *ops)[0] == \
        np.einsum_path("ij,jk,kl->il", *ops, optimize="greedy")[0]
    seen = []
    fungrad.jit(lambda a: seen.append(fnp.einsum_path("ij,jk", a, ops[1])[0]) or a)(ops[0])
    assert seen == [np.einsum_path("ij,jk", ops[0], ops[1], optimize="greedy")[0]]


def test_bad_inputs():
    with pytest.raises(ValueError, match="einsum: the ellipsis dimensions"):
        fnp.einsum("...i,...i", np.ones((2, 3)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="einsum: operand subscripts"):
        fnp.einsum("...ijk", np.ones((2, 3)))
    with pytest.raises(TypeError, match="einsum: sublist entries must be integers"):
        fnp.einsum(np.ones(2), ["a"])
    with pytest.raises(ValueError, match="einsum: subscripts"):
        fnp.einsum("ij,jk", np.ones((2, 2)))
    with pytest.raises(ValueError, match="einsum: size of label"):
        fnp.einsum("ij,jk", np.ones((2, 2)), np.ones((3, 2)))
    assert fnp.einsum("i,i", np.ones(2), np.ones(2)) == 2.0
