"""fungrad.prims.xla_float32: the primitives random's float32 samplers use. float32 values
are checked against JAX's in test_random_jax_values.py; here float64 (numpy's functions),
derivatives, shapes, dtypes, jit and vmap."""
import numpy as np
import pytest

import fungrad
from fungrad.prims import xla_float32 as xf
from tests.helpers import assert_derivatives, assert_same_as_numpy, rand

FUNCTIONS = [(xf.xla_log, np.log, 0.2, 3.0), (xf.xla_log1p, np.log1p, -0.8, 3.0),
             (xf.xla_exp, np.exp, -3.0, 3.0)]


@pytest.mark.parametrize("ours,theirs,low,high", FUNCTIONS, ids=["log", "log1p", "exp"])
def test_values_derivatives_and_transforms(ours, theirs, low, high):
    for shape in [(), (3,), (2, 4), (0,)]:
        x = rand(shape, low=low, high=high)
        assert_same_as_numpy(ours(x), theirs(x))
        x32 = x.astype(np.float32)
        assert_same_as_numpy(ours(x32), theirs(x32), rtol=3e-7)  # XLA's, within an ulp
        if x.size:
            assert_derivatives(ours, (x,))
        assert_same_as_numpy(fungrad.jit(ours)(x), theirs(x))
    batch = rand((3, 2), low=low, high=high)
    assert_same_as_numpy(fungrad.vmap(ours)(batch), theirs(batch))
    assert_same_as_numpy(fungrad.vmap(ours)(batch.astype(np.float32)),
                         theirs(batch.astype(np.float32)), rtol=3e-7)


def test_float32_stays_float32_and_special_values():
    x = np.float32([0.0, -1.0, np.inf, np.nan, 1.0])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(xf.xla_log(x), np.log(x))
        np.testing.assert_array_equal(xf.xla_log1p(x - np.float32(1)), np.log1p(x - 1))
        np.testing.assert_array_equal(xf.xla_exp(np.float32([-np.inf, 0.0, np.inf, 100.0])),
                                      np.float32([0.0, 1.0, np.inf, np.inf]))
    assert xf.xla_log(np.float32(2.0)).dtype == np.float32
    with pytest.raises(TypeError, match="xla_log"):
        xf.xla_log(np.array(["a"]))
