"""i0 and the window functions against numpy and scipy: values over the whole range of i0
(both of its series and their seam), dtypes, derivatives (i0' = i1 from scipy, and
check_grads to second order), jit and vmap; kaiser's derivative in beta; bad input."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy
from numpy_table import table_tests

TABLE = [
    ("i0", lambda m, x: m.i0(x * 3.0), [((),), ((5,),), ((2, 3),), ((0,),)]),
    ("kaiser", lambda m, beta: m.kaiser(6, beta * 4.0), [((),)]),
    ("kaiser_odd", lambda m, beta: m.kaiser(5, beta), [((),)]),
]

test_values, test_trace_jit_vmap, test_derivatives = table_tests(TABLE)


def test_i0_over_its_range():
    x = np.concatenate([np.linspace(-40.0, 40.0, 801), [19.999, 20.0, 20.001, 100.0, 700.0]])
    np.testing.assert_allclose(fnp.i0(x), scipy.special.i0(x), rtol=2e-15)
    with np.errstate(over="ignore", invalid="ignore"):  # float32 overflows past x = 93
        np.testing.assert_allclose(fnp.i0(x.astype(np.float32)),
                                   scipy.special.i0(x).astype(np.float32), rtol=2e-6)
    # the derivative is i1, on both sides of the seam at |x| = 20
    g = fungrad.vmap(fungrad.grad(fnp.i0))(x[:-1])
    np.testing.assert_allclose(g, scipy.special.i1(x[:-1]), rtol=5e-15, atol=1e-300)
    assert_derivatives(fnp.i0, (np.array([-25.0, -19.5, 0.0, 0.3, 7.0, 20.5]),))
    assert_same_as_numpy(fnp.i0(np.array([np.inf, -np.inf, np.nan])),
                         np.array([np.inf, np.inf, np.nan]))
    assert np.isfinite(fnp.i0(712.0))  # finite to i0's own overflow (numpy's overflows)


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.bool_, np.float16, np.float32])
def test_i0_dtypes(dtype):
    x = np.array([0, 1, 3]).astype(dtype)
    assert_same_as_numpy(fnp.i0(x), np.i0(x), rtol=1e-3 if dtype == np.float16 else None)
    assert fungrad.jit(fnp.i0)(x).dtype == np.i0(x).dtype


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
def test_windows(name):
    for M in (0, 1, 2, 5, 8, np.int32(4)):
        assert_same_as_numpy(getattr(fnp, name)(M), getattr(np, name)(M))
    assert_same_as_numpy(fungrad.jit(lambda x: getattr(fnp, name)(4) * x)(2.0),
                         getattr(np, name)(4) * 2.0)
    with pytest.raises(TypeError, match=f"{name}: the window length M must be a concrete"):
        fungrad.jit(getattr(fnp, name))(3)
    with pytest.raises(TypeError, match=f"{name}: M must be an integer"):
        getattr(fnp, name)(2.5)


def test_kaiser():
    for M in (0, 1, 2, 7, 10):
        for beta in (0.0, 2.5, 14.0, 30.0):
            np.testing.assert_allclose(fnp.kaiser(M, beta), np.kaiser(M, beta), rtol=1e-14)
    assert fnp.kaiser(4, np.float32(2.0)).dtype == np.kaiser(4, np.float32(2.0)).dtype
    betas = np.array([1.0, 6.0, 25.0])
    batched = fungrad.vmap(lambda b: fnp.kaiser(7, b))(betas)
    for b, row in zip(betas, batched):
        np.testing.assert_allclose(row, np.kaiser(7, b), rtol=1e-14)
    assert_derivatives(lambda b: fnp.kaiser(7, b), (np.float64(25.0),))
    with pytest.raises(TypeError, match=r"kaiser: beta must be a real scalar, got f64\[2\]"):
        fnp.kaiser(4, np.ones(2))


def test_bad_inputs():
    with pytest.raises(TypeError, match=r"i0: x must be real, got c128\[1\]"):
        fnp.i0(np.array([1j]))
    assert_same_as_numpy(fnp.i0(0.0), np.i0(0.0))
