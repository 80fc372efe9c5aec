"""``fungrad.nn.initializers``: shapes and dtypes, the variance each promises (statistically,
with fixed keys), orthogonality, JAX's values for fixed keys (recorded by
tests/fixtures/make_nn_initializers.py), and errors."""
from __future__ import annotations

import os

import numpy as np
import pytest

import fungrad
from fungrad import random
from fungrad.nn import initializers as init

from fixtures.make_nn_initializers import CASES, SEEDS

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
KEY = random.key(0)


def make(name):
    factory, kwargs, shape = CASES[name]
    return getattr(init, factory)(**kwargs), shape


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_are_jaxs(name):
    data = np.load(os.path.join(FIXTURES, "nn_initializers.npz"))
    fn, shape = make(name)
    for seed in SEEDS:
        for dtype in (np.float64, np.float32):
            ours = fn(random.key(seed), shape, dtype)
            theirs = data[f"{name}/{seed}/{np.dtype(dtype).name}"]
            assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
            # float32: the QR of the orthogonal ones rounds differently in LAPACK and XLA
            rtol, atol = (1e-12, 1e-15) if dtype == np.float64 else (1e-5, 1e-6)
            np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol,
                                       err_msg=f"{name} seed {seed} {dtype}")


def test_constants():
    for f, value in ((init.zeros, 0.0), (init.ones, 1.0), (init.constant(2.5), 2.5)):
        for shape in [(), (3,), (2, 0), (2, 3)]:
            out = f(KEY, shape)
            assert out.shape == shape and out.dtype == np.float64
            np.testing.assert_array_equal(out, np.full(shape, value))
        assert f(KEY, (2,), np.float32).dtype == np.float32
    assert init.constant(3, dtype=np.float32)(KEY, (2,)).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_and_dtypes(dtype):
    for name in CASES:
        fn, shape = make(name)
        out = fn(KEY, shape, dtype)
        assert out.shape == shape and out.dtype == dtype, name
        assert np.all(np.isfinite(out))
    # a dtype given to the factory is the default of the initializer
    assert init.normal(dtype=np.float32)(KEY, (3,)).dtype == np.float32
    assert init.glorot_uniform(dtype=np.float32)(KEY, (3, 2)).dtype == np.float32


def fans(shape):
    receptive = np.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


VARIANCES = {  # initializer -> (variance it promises for a shape, support bound or None)
    "glorot_uniform": (lambda fi, fo: 2 / (fi + fo), lambda v: np.sqrt(3 * v)),
    "glorot_normal": (lambda fi, fo: 2 / (fi + fo), lambda v: 2 * np.sqrt(v) / 0.8796256610),
    "lecun_uniform": (lambda fi, fo: 1 / fi, lambda v: np.sqrt(3 * v)),
    "lecun_normal": (lambda fi, fo: 1 / fi, lambda v: 2 * np.sqrt(v) / 0.8796256610),
    "he_uniform": (lambda fi, fo: 2 / fi, lambda v: np.sqrt(3 * v)),
    "he_normal": (lambda fi, fo: 2 / fi, lambda v: 2 * np.sqrt(v) / 0.8796256610),
}


@pytest.mark.parametrize("name", sorted(VARIANCES))
@pytest.mark.parametrize("shape", [(300, 200), (3, 3, 40, 60)])
def test_promised_variance(name, shape):
    variance, bound = VARIANCES[name]
    w = getattr(init, name)()(random.key(1), shape)
    v = variance(*fans(shape))
    n = w.size
    # the sample variance is within ~5 standard errors of the promised one
    assert abs(w.var() - v) < 5 * v * np.sqrt(2 / n), (w.var(), v)
    assert abs(w.mean()) < 5 * np.sqrt(v / n)
    assert np.abs(w).max() <= bound(v) * (1 + 1e-12)


def test_variance_scaling_modes_and_distributions():
    shape = (200, 300)
    fi, fo = fans(shape)
    for mode, n in [("fan_in", fi), ("fan_out", fo), ("fan_avg", (fi + fo) / 2),
                    ("fan_geo_avg", np.sqrt(fi * fo))]:
        for distribution in ("normal", "uniform", "truncated_normal"):
            w = init.variance_scaling(3.0, mode, distribution)(random.key(2), shape)
            assert abs(w.var() - 3.0 / n) < 5 * (3.0 / n) * np.sqrt(2 / w.size), \
                (mode, distribution)
    # explicit axes: fan_in = shape[0], fan_out = shape[1] * shape[2]
    w = init.variance_scaling(1.0, "fan_out", "normal", in_axis=0, out_axis=(1, 2))(
        random.key(3), (50, 20, 30))
    assert abs(w.var() - 1 / 600) < 5 * (1 / 600) * np.sqrt(2 / w.size)
    # the uniform's support
    w = init.variance_scaling(1.0, "fan_in", "uniform")(random.key(4), (100, 10))
    assert np.abs(w).max() <= np.sqrt(3 / 100)
    # the plain distributions
    assert abs(init.normal(2.0)(random.key(5), (100000,)).std() - 2.0) < 0.03
    u = init.uniform(3.0)(random.key(6), (100000,))
    assert u.min() >= 0 and u.max() < 3.0 and abs(u.mean() - 1.5) < 0.03
    t = init.truncated_normal(1.0)(random.key(7), (100000,))
    assert np.abs(t).max() <= 2.0 and abs(t.std() - 0.8796256610) < 0.01


@pytest.mark.parametrize("shape,column_axis", [((5, 3), -1), ((3, 5), -1), ((4, 4), -1),
                                               ((2, 3, 4), -1), ((4, 2, 3), 0)])
def test_orthogonal(shape, column_axis):
    w = init.orthogonal(scale=1.5, column_axis=column_axis)(random.key(8), shape)
    assert w.shape == shape
    m = np.moveaxis(w, column_axis, -1).reshape(-1, shape[column_axis])
    if m.shape[0] >= m.shape[1]:
        np.testing.assert_allclose(m.T @ m, 1.5 ** 2 * np.eye(m.shape[1]), atol=1e-12)
    else:
        np.testing.assert_allclose(m @ m.T, 1.5 ** 2 * np.eye(m.shape[0]), atol=1e-12)
    assert init.orthogonal()(KEY, (3, 0)).shape == (3, 0)
    assert init.orthogonal()(KEY, (4, 3), np.float32).dtype == np.float32


def test_delta_orthogonal():
    for shape in [(3, 2, 4), (3, 3, 2, 4), (2, 3, 3, 3, 3)]:
        w = init.delta_orthogonal(scale=2.0)(random.key(9), shape)
        assert w.shape == shape
        centre = tuple((k - 1) // 2 for k in shape[:-2])
        m = w[centre]
        np.testing.assert_allclose(m @ m.T, 4.0 * np.eye(shape[-2]), atol=1e-12)
        rest = w.copy()
        rest[centre] = 0.0
        np.testing.assert_array_equal(rest, 0.0)  # zero away from the centre tap


def test_errors():
    with pytest.raises(ValueError, match="at least 2-d"):
        init.glorot_normal()(KEY, (5,))
    with pytest.raises(ValueError, match="invalid mode"):
        init.variance_scaling(1.0, "fan_max", "normal")
    with pytest.raises(ValueError, match="invalid distribution"):
        init.variance_scaling(1.0, "fan_in", "cauchy")
    with pytest.raises(ValueError, match="orthogonal requires at least a 2-d"):
        init.orthogonal()(KEY, (3,))
    with pytest.raises(ValueError, match="3-d, 4-d or 5-d"):
        init.delta_orthogonal()(KEY, (3, 3))
    with pytest.raises(ValueError, match="fan_in"):
        init.delta_orthogonal()(KEY, (3, 3, 4, 2))
    with pytest.raises(TypeError, match="shape must be a sequence of ints"):
        init.normal()(KEY, ("a",))
    # 1-d shapes work where no fans are needed
    assert init.normal()(KEY, (4,)).shape == (4,)
    assert init.lecun_normal(in_axis=0, out_axis=0)(KEY, (4,)).shape == (4,)


def test_under_jit():
    f = fungrad.jit(lambda key: init.he_normal()(key, (3, 4)))
    np.testing.assert_allclose(f(random.key(11)), init.he_normal()(random.key(11), (3, 4)),
                               rtol=1e-14)
    # orthogonal (a QR inside) and delta_orthogonal too
    for make, shape in ((init.orthogonal, (4, 3)), (init.delta_orthogonal, (3, 2, 2))):
        f = fungrad.jit(lambda key, make=make, shape=shape: make()(key, shape))
        np.testing.assert_allclose(f(random.key(12)), make()(random.key(12), shape),
                                   rtol=1e-12, atol=1e-15)


def test_reachable_as_jax_nn_initializers():
    import fungrad.nn
    assert fungrad.nn.initializers is init
    assert init.xavier_uniform is init.glorot_uniform and init.kaiming_normal is init.he_normal
