"""``fungrad.scipy.fft``: dct/idct/dctn/idctn against scipy.fft (every length 1..9, n cut
and padded, each axis, norm None/'backward'/'ortho', several axes with s) and JAX's recorded
values; dtypes (float32 stays float32, complex, integers); derivatives of both orders in both
modes; jit and vmap; errors, including JAX's NotImplementedError for types 1, 3 and 4."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest
import scipy.fft as sf

import fungrad
import fungrad.numpy as fnp
from fungrad.scipy import fft as ff

from helpers import assert_derivatives, assert_same_as_numpy, rand

FIXTURE = np.load(pathlib.Path(__file__).parent / "fixtures" / "scipy_signal.npz")
NORMS = [None, "backward", "ortho"]


@pytest.mark.parametrize("name", ["dct", "idct"])
@pytest.mark.parametrize("norm", NORMS)
def test_one_axis_against_scipy(name, norm):
    ours, theirs = getattr(ff, name), getattr(sf, name)
    for length in range(1, 10):
        x = rand((2, length), seed=length)
        for n in (None, 1, length + 3, max(length - 1, 1)):
            assert_same_as_numpy(ours(x, n=n, norm=norm), theirs(x, n=n, norm=norm),
                                 atol=1e-13)
        assert_same_as_numpy(ours(x.T, axis=0, norm=norm), theirs(x.T, axis=0, norm=norm),
                             atol=1e-13)


@pytest.mark.parametrize("name", ["dctn", "idctn"])
@pytest.mark.parametrize("norm", NORMS)
def test_several_axes_against_scipy(name, norm):
    ours, theirs = getattr(ff, name), getattr(sf, name)
    x = rand((3, 4, 5), seed=3)
    for s, axes in [(None, None), ((2, 6), (0, 2)), ((3,), None), (None, (1,)),
                    (None, (-1, 0)), ((7, 2, 1), None), (4, 1)]:
        assert_same_as_numpy(ours(x, s=s, axes=axes, norm=norm),
                             theirs(x, s=s, axes=axes, norm=norm), atol=1e-12)


def test_inverse_and_jax_values():
    x = FIXTURE["x"]
    np.testing.assert_allclose(ff.dct(x), FIXTURE["dct"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ff.dct(x, n=4, axis=0, norm="ortho"),
                               FIXTURE["dct_n4_axis0_ortho"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ff.idct(x, n=12), FIXTURE["idct_n12"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ff.dctn(x, s=(2, 6)), FIXTURE["dctn_s"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ff.idctn(x, norm="ortho"), FIXTURE["idctn_ortho"], rtol=1e-12,
                               atol=1e-12)
    for norm in NORMS:
        np.testing.assert_allclose(ff.idctn(ff.dctn(x, norm=norm), norm=norm), x, atol=1e-13)


def test_dtypes():
    x = rand((3, 6), np.float32, 1)
    for name in ("dct", "idct", "dctn", "idctn"):
        out = getattr(ff, name)(x)
        assert out.dtype == np.float32
        assert_same_as_numpy(out, getattr(sf, name)(x), rtol=2e-5, atol=1e-5)
        z = x + 1j * x[::-1]
        for dtype in (np.complex64, np.complex128):
            got = getattr(ff, name)(z.astype(dtype), norm="ortho")
            assert_same_as_numpy(got, getattr(sf, name)(z.astype(dtype), norm="ortho"),
                                 rtol=2e-5 if dtype == np.complex64 else 1e-12, atol=1e-5)
        ints = np.arange(6)
        assert_same_as_numpy(getattr(ff, name)(ints), getattr(sf, name)(ints.astype(float)))


def test_derivatives():
    x = rand((2, 5), seed=2)
    assert_derivatives(lambda a: ff.dct(a, n=7), (x,))
    assert_derivatives(lambda a: ff.idct(a, n=3, axis=0, norm="ortho"), (x,))
    assert_derivatives(lambda a: ff.dctn(a, s=(3, 4), norm="ortho"), (x,))
    assert_derivatives(lambda a: ff.idctn(a), (x,))
    assert_derivatives(lambda a: ff.dct(a * (1 + 2j)), (x[0],))  # complex intermediate
    assert_derivatives(lambda a: ff.dct(a), (rand((1,), seed=4),))
    # reverse mode through a loss: the transpose of the orthonormal DCT is its inverse
    g = fungrad.grad(lambda a: fnp.vdot(ff.dct(a, norm="ortho"), x[1]))(x[0])
    np.testing.assert_allclose(g, sf.idct(x[1], norm="ortho"), atol=1e-13)


def test_jit_and_vmap():
    xs = rand((4, 3, 6), seed=5)
    np.testing.assert_allclose(fungrad.vmap(ff.dctn)(xs), np.stack([sf.dctn(x) for x in xs]),
                               atol=1e-12)
    np.testing.assert_allclose(fungrad.vmap(lambda a: ff.idct(a, axis=0), in_axes=2)(xs),
                               np.stack([sf.idct(xs[..., i], axis=0) for i in range(6)]),
                               atol=1e-12)
    jitted = fungrad.jit(lambda a: ff.idctn(ff.dctn(a, norm="ortho") * 2.0, norm="ortho"))
    np.testing.assert_allclose(jitted(xs), 2.0 * xs, atol=1e-12)
    np.testing.assert_allclose(jitted(xs[::-1]), 2.0 * xs[::-1], atol=1e-12)


def test_errors():
    x = np.ones((2, 3))
    for type_ in (1, 3, 4):
        with pytest.raises(NotImplementedError, match="only DCT type 2"):
            ff.dct(x, type=type_)
    with pytest.raises(ValueError, match="idctn: type must be 1, 2, 3 or 4"):
        ff.idctn(x, type=5)
    with pytest.raises(ValueError, match="dct: norm='forward' is not implemented"):
        ff.dct(x, norm="forward")
    with pytest.raises(ValueError, match=r"idct: axis 2 is out of bounds for x of shape \(2, 3\)"):
        ff.idct(x, axis=2)
    with pytest.raises(ValueError, match=r"dct: invalid number of data points \(0\)"):
        ff.dct(x, n=0)
    with pytest.raises(ValueError, match=r"dct: invalid number of data points \(0\)"):
        ff.dct(np.ones((2, 0)))
    with pytest.raises(TypeError, match="dct: the length n must be an integer"):
        ff.dct(x, n=2.5)
    with pytest.raises(ValueError, match="dct: x must have at least one dimension"):
        ff.dct(3.0)
    with pytest.raises(TypeError, match="dct: expected a numeric array"):
        ff.dct(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="dctn: repeated axes"):
        ff.dctn(x, axes=(0, 0))
    with pytest.raises(ValueError, match="idctn: s must have at most x.ndim"):
        ff.idctn(x, s=(1, 2, 3))
    with pytest.raises(ValueError, match="dctn: s=.* and axes=.* must have the same length"):
        ff.dctn(x, s=(2, 2), axes=(1,))
    np.testing.assert_allclose(ff.dct(x), sf.dct(x))  # the next call works
