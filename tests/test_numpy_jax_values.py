"""fungrad.numpy against JAX's recorded results where JAX's conventions go beyond numpy's
(the order of partition's parts, argpartition's ties, put's index modes, roots'
NaNs for leading zeros...): ``fixtures/make_numpy_jax_values.py`` recorded them."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from numpy_jax_cases import CASES  # noqa: E402

RECORDED = np.load(Path(__file__).parent / "fixtures" / "numpy_jax_values.npz")
PARAMS = [pytest.param(name, i, call, args, id=f"{name}-{i}")
          for name, cases in CASES.items() for i, (call, args) in enumerate(cases)]


@pytest.mark.parametrize("name,i,call,args", PARAMS)
def test_matches_jax(name, i, call, args):
    for j, a in enumerate(args):  # the cases still are the recorded ones
        np.testing.assert_array_equal(RECORDED[f"{name}/{i}/arg{j}"], a)
    expected = RECORDED[f"{name}/{i}/out"]
    for ours in (call(fnp, *args), fungrad.jit(lambda *a: call(fnp, *a))(*args)):
        ours = np.asarray(ours)
        assert ours.shape == expected.shape
        if name == "roots":  # eigenvalues come in LAPACK's order: compare as sets
            ours, expected = np.sort_complex(ours), np.sort_complex(expected)
        np.testing.assert_allclose(ours, expected, rtol=1e-13, atol=1e-14, equal_nan=True)
