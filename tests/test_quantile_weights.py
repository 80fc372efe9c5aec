"""Weighted quantiles (numpy 2's ``weights=`` with ``method='inverted_cdf'``, as JAX has them),
against numpy; derivatives against finite differences; under jit and vmap."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as jnp
from fungrad.test_util import check_grads

CASES = [((7,), None), ((4, 5), 1), ((4, 5), 0), ((3, 4, 5), (0, 2)), ((4, 5), None)]


@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("name", ["quantile", "nanquantile", "percentile", "nanpercentile"])
def test_values_match_numpy(shape, axis, name):
    rng = np.random.default_rng(len(shape) + len(name))
    scale = 100 if "percent" in name else 1
    for _ in range(4):
        a = rng.normal(size=shape)
        w = rng.integers(0, 4, size=shape).astype(float)
        w.flat[0] = 1.0  # at least one positive weight per reduction is not guaranteed else
        if name.startswith("nan"):
            a.flat[rng.integers(a.size)] = np.nan
        for q in [0.0, 0.3, 0.5, 1.0, np.array([0.1, 0.9])]:
            for keepdims in (False, True):
                want = getattr(np, name)(a, q * scale, axis=axis, weights=w,
                                         method="inverted_cdf", keepdims=keepdims)
                got = getattr(jnp, name)(a, q * scale, axis=axis, weights=w,
                                         method="inverted_cdf", keepdims=keepdims)
                assert np.shape(got) == np.shape(want)
                np.testing.assert_allclose(got, want)


def test_one_d_weights_along_an_axis():
    rng = np.random.default_rng(1)
    a, w = rng.normal(size=(3, 6)), rng.random(6)
    want = np.quantile(a, 0.4, axis=1, weights=w, method="inverted_cdf")
    np.testing.assert_allclose(jnp.quantile(a, 0.4, axis=1, weights=w, method="inverted_cdf"),
                               want)


def test_nan_propagates_without_nan_variant():
    a, w = np.array([1.0, np.nan, 3.0]), np.ones(3)
    assert np.isnan(jnp.quantile(a, 0.5, weights=w, method="inverted_cdf"))
    assert jnp.nanquantile(a, 0.5, weights=w, method="inverted_cdf") == \
        np.nanquantile(a, 0.5, weights=w, method="inverted_cdf")


def test_derivatives_jit_vmap():
    rng = np.random.default_rng(2)
    a, w = rng.normal(size=(6,)), rng.random(6)

    def f(x):
        return jnp.quantile(x, 0.4, weights=w, method="inverted_cdf")
    check_grads(f, (a,), order=2, modes=("fwd", "rev"))
    g = fungrad.grad(f)(a)
    want_index = np.argsort(a)[np.searchsorted(np.cumsum(w[np.argsort(a)]), 0.4 * w.sum())]
    np.testing.assert_array_equal(g, np.eye(6)[want_index])
    np.testing.assert_allclose(fungrad.jit(f)(a), f(a))
    batch = np.stack([a, a[::-1] * 2])
    np.testing.assert_allclose(fungrad.vmap(f)(batch), [f(b) for b in batch])


def test_bad_input():
    a = np.arange(4.0)
    with pytest.raises(ValueError, match="inverted_cdf"):
        jnp.quantile(a, 0.5, weights=np.ones(4))
    with pytest.raises(ValueError, match="weights must have a's shape"):
        jnp.quantile(a, 0.5, weights=np.ones(3), method="inverted_cdf")
    with pytest.raises(ValueError, match="non-negative"):
        jnp.quantile(a, 0.5, weights=-np.ones(4), method="inverted_cdf")
    # q out of range is refused with weights too, as numpy does (it used to pick the last)
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        jnp.quantile(a, 1.5, weights=np.ones(4), method="inverted_cdf")
    with pytest.raises(ValueError, match=r"percentiles in \[0, 100\]"):
        jnp.percentile(a, 150, weights=np.ones(4), method="inverted_cdf")
    with pytest.raises(TypeError, match="weights must be real"):
        jnp.quantile(a, 0.5, weights=np.ones(4) * 1j, method="inverted_cdf")
    with pytest.raises(TypeError, match="a must be real"):
        jnp.quantile(a * 1j, 0.5, weights=np.ones(4), method="inverted_cdf")
    # the next call after an error works
    assert float(jnp.quantile(a, 0.5, weights=np.ones(4), method="inverted_cdf")) == 1.0
