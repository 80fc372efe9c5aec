"""``fungrad.scipy.stats``: every method against scipy.stats with broadcasting over variate and
parameters in float64 and float32, derivatives of order 2 in both modes in the variate and the
continuous parameters, jit and vmap, and the tails."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import fungrad
import fungrad.numpy as fnp
from fungrad.scipy import stats

from helpers import assert_derivatives, rand

# (fungrad method, scipy method, domains of (variate, *parameters), differentiable positions)
METHODS = {
    "norm.logpdf": (stats.norm.logpdf, st.norm.logpdf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "norm.pdf": (stats.norm.pdf, st.norm.pdf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "norm.cdf": (stats.norm.cdf, st.norm.cdf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "norm.logcdf": (stats.norm.logcdf, st.norm.logcdf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "norm.sf": (stats.norm.sf, st.norm.sf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "norm.logsf": (stats.norm.logsf, st.norm.logsf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "norm.ppf": (stats.norm.ppf, st.norm.ppf, [(0.05, 0.95), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "norm.isf": (stats.norm.isf, st.norm.isf, [(0.05, 0.95), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "expon.logpdf": (stats.expon.logpdf, st.expon.logpdf, [(0.1, 3), (-1, 0), (0.5, 2)], (0, 2)),
    "expon.pdf": (stats.expon.pdf, st.expon.pdf, [(0.1, 3), (-1, 0), (0.5, 2)], (0, 2)),
    "expon.cdf": (stats.expon.cdf, st.expon.cdf, [(0.1, 3), (-1, 0), (0.5, 2)], (0, 2)),
    "expon.sf": (stats.expon.sf, st.expon.sf, [(0.1, 3), (-1, 0), (0.5, 2)], (0, 2)),
    "expon.ppf": (stats.expon.ppf, st.expon.ppf, [(0.05, 0.95), (-1, 0), (0.5, 2)], (0, 2)),
    "expon.logcdf": (stats.expon.logcdf, st.expon.logcdf, [(0.1, 3), (-1, 0), (0.5, 2)],
                     (0, 2)),
    "expon.logsf": (stats.expon.logsf, st.expon.logsf, [(0.1, 3), (-1, 0), (0.5, 2)], (0, 2)),
    "gamma.logpdf": (stats.gamma.logpdf, st.gamma.logpdf, [(0.2, 4), (0.5, 4)], (0, 1)),
    "gamma.pdf": (stats.gamma.pdf, st.gamma.pdf, [(0.2, 4), (0.5, 4)], (0, 1)),
    "gamma.cdf": (stats.gamma.cdf, st.gamma.cdf, [(0.2, 4), (0.5, 4)], (0, 1)),
    "gamma.sf": (stats.gamma.sf, st.gamma.sf, [(0.2, 4), (0.5, 4)], (0, 1)),
    "gamma.logcdf": (stats.gamma.logcdf, st.gamma.logcdf, [(0.2, 4), (0.5, 4), (-0.1, 0.1),
                                                           (0.5, 2)], (0, 1, 2, 3)),
    "gamma.logsf": (stats.gamma.logsf, st.gamma.logsf, [(0.2, 4), (0.5, 4)], (0, 1)),
    "t.logpdf": (stats.t.logpdf, st.t.logpdf, [(-3, 3), (0.5, 10), (-1, 1), (0.5, 2)],
                 (0, 1, 2, 3)),
    "t.pdf": (stats.t.pdf, st.t.pdf, [(-3, 3), (0.5, 10)], (0, 1)),
    "poisson.logpmf": (stats.poisson.logpmf, st.poisson.logpmf, [(0, 0), (0.5, 5)], (1,)),
    "poisson.pmf": (stats.poisson.pmf, st.poisson.pmf, [(0, 0), (0.5, 5)], (1,)),
    "poisson.cdf": (stats.poisson.cdf, st.poisson.cdf, [(0, 0), (0.5, 5)], (1,)),
    "laplace.logpdf": (stats.laplace.logpdf, st.laplace.logpdf, [(0.1, 3), (-1, 0), (0.5, 2)],
                       (0, 1, 2)),
    "laplace.cdf": (stats.laplace.cdf, st.laplace.cdf, [(0.1, 3), (-1, 0), (0.5, 2)], (0, 1, 2)),
    "logistic.logpdf": (stats.logistic.logpdf, st.logistic.logpdf, [(-3, 3), (-1, 1), (0.5, 2)],
                        (0, 1, 2)),
    "logistic.cdf": (stats.logistic.cdf, st.logistic.cdf, [(-3, 3), (-1, 1), (0.5, 2)],
                     (0, 1, 2)),
    "logistic.sf": (stats.logistic.sf, st.logistic.sf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "logistic.ppf": (stats.logistic.ppf, st.logistic.ppf, [(0.05, 0.95), (-1, 1), (0.5, 2)],
                     (0, 1, 2)),
    "logistic.isf": (stats.logistic.isf, st.logistic.isf, [(0.05, 0.95), (-1, 1), (0.5, 2)],
                     (0, 1, 2)),
    "cauchy.logpdf": (stats.cauchy.logpdf, st.cauchy.logpdf, [(-3, 3), (-1, 1), (0.5, 2)],
                      (0, 1, 2)),
    "cauchy.cdf": (stats.cauchy.cdf, st.cauchy.cdf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "cauchy.ppf": (stats.cauchy.ppf, st.cauchy.ppf, [(0.05, 0.95), (-1, 1), (0.5, 2)],
                   (0, 1, 2)),
    "cauchy.isf": (stats.cauchy.isf, st.cauchy.isf, [(0.05, 0.95), (-1, 1), (0.5, 2)],
                   (0, 1, 2)),
    "cauchy.sf": (stats.cauchy.sf, st.cauchy.sf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "cauchy.logcdf": (stats.cauchy.logcdf, st.cauchy.logcdf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "cauchy.logsf": (stats.cauchy.logsf, st.cauchy.logsf, [(-3, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "uniform.logpdf": (stats.uniform.logpdf, st.uniform.logpdf, [(0.1, 0.9), (-0.1, 0), (1, 2)],
                       (2,)),
    "uniform.cdf": (stats.uniform.cdf, st.uniform.cdf, [(0.1, 0.9), (-0.1, 0), (1, 2)],
                    (0, 1, 2)),
    "uniform.ppf": (stats.uniform.ppf, st.uniform.ppf, [(0.1, 0.9), (-1, 1), (1, 2)],
                    (0, 1, 2)),
    "chi2.logpdf": (stats.chi2.logpdf, st.chi2.logpdf, [(0.2, 4), (1, 5)], (0, 1)),
    "chi2.cdf": (stats.chi2.cdf, st.chi2.cdf, [(0.2, 4), (1, 5)], (0, 1)),
    "chi2.sf": (stats.chi2.sf, st.chi2.sf, [(0.2, 4), (1, 5), (-0.1, 0.1), (0.5, 2)],
                (0, 1, 2, 3)),
    "chi2.logcdf": (stats.chi2.logcdf, st.chi2.logcdf, [(0.2, 4), (1, 5)], (0, 1)),
    "chi2.logsf": (stats.chi2.logsf, st.chi2.logsf, [(0.2, 4), (1, 5)], (0, 1)),
    "beta.logpdf": (stats.beta.logpdf, st.beta.logpdf, [(0.1, 0.9), (0.5, 4), (0.5, 4)],
                    (0, 1, 2)),
    "beta.pdf": (stats.beta.pdf, st.beta.pdf, [(0.1, 0.9), (0.5, 4), (0.5, 4)], (0, 1, 2)),
    "beta.cdf": (stats.beta.cdf, st.beta.cdf, [(0.1, 0.9), (0.5, 4), (0.5, 4)], (0, 1, 2)),
    "beta.sf": (stats.beta.sf, st.beta.sf, [(0.1, 0.9), (0.5, 4), (0.5, 4), (-0.05, 0),
                                            (1.05, 1.2)], (0, 1, 2, 3, 4)),
    "beta.logcdf": (stats.beta.logcdf, st.beta.logcdf, [(0.1, 0.9), (0.5, 4), (0.5, 4)], (0, 1, 2)),
    "beta.logsf": (stats.beta.logsf, st.beta.logsf, [(0.1, 0.9), (0.5, 4), (0.5, 4)], (0, 1, 2)),
    "bernoulli.logpmf": (stats.bernoulli.logpmf, st.bernoulli.logpmf, [(0, 0), (0.1, 0.9)],
                         (1,)),
    "bernoulli.cdf": (stats.bernoulli.cdf, st.bernoulli.cdf, [(0, 0), (0.1, 0.9)], (1,)),
    "bernoulli.ppf": (stats.bernoulli.ppf, st.bernoulli.ppf, [(0.01, 0.99), (0.1, 0.9)], ()),
    "geom.logpmf": (stats.geom.logpmf, st.geom.logpmf, [(0, 0), (0.1, 0.9)], (1,)),
    "binom.logpmf": (stats.binom.logpmf, st.binom.logpmf, [(0, 0), (6, 6), (0.1, 0.9)], (2,)),
    "binom.pmf": (stats.binom.pmf, st.binom.pmf, [(0, 0), (6, 6), (0.1, 0.9)], (2,)),
    "pareto.logpdf": (stats.pareto.logpdf, st.pareto.logpdf, [(1.5, 4), (0.5, 3)], (0, 1)),
    "pareto.cdf": (stats.pareto.cdf, st.pareto.cdf, [(1.5, 4), (0.5, 3), (-0.2, 0.2), (0.5, 1)], (0, 1, 2, 3)),
    "pareto.sf": (stats.pareto.sf, st.pareto.sf, [(1.5, 4), (0.5, 3), (-0.2, 0.2), (0.5, 1)], (0, 1, 2, 3)),
    "pareto.logcdf": (stats.pareto.logcdf, st.pareto.logcdf, [(1.5, 4), (0.5, 3), (-0.2, 0.2), (0.5, 1)], (0, 1, 2, 3)),
    "pareto.logsf": (stats.pareto.logsf, st.pareto.logsf, [(1.5, 4), (0.5, 3), (-0.2, 0.2), (0.5, 1)], (0, 1, 2, 3)),
    "pareto.ppf": (stats.pareto.ppf, st.pareto.ppf, [(0.05, 0.95), (0.5, 3), (-0.2, 0.2),
                                                     (0.5, 1)], (0, 1, 2, 3)),
    "gumbel_r.logpdf": (stats.gumbel_r.logpdf, st.gumbel_r.logpdf, [(-2, 3), (-1, 1), (0.5, 2)],
                        (0, 1, 2)),
    "gumbel_r.cdf": (stats.gumbel_r.cdf, st.gumbel_r.cdf, [(-2, 3), (-1, 1), (0.5, 2)],
                     (0, 1, 2)),
    "gumbel_l.logpdf": (stats.gumbel_l.logpdf, st.gumbel_l.logpdf, [(-2, 3), (-1, 1), (0.5, 2)],
                        (0, 1, 2)),
    "gumbel_l.cdf": (stats.gumbel_l.cdf, st.gumbel_l.cdf, [(-2, 3), (-1, 1), (0.5, 2)],
                     (0, 1, 2)),
    "gumbel_l.sf": (stats.gumbel_l.sf, st.gumbel_l.sf, [(-2, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "gumbel_l.logcdf": (stats.gumbel_l.logcdf, st.gumbel_l.logcdf, [(-2, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "gumbel_l.logsf": (stats.gumbel_l.logsf, st.gumbel_l.logsf, [(-2, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "gumbel_r.sf": (stats.gumbel_r.sf, st.gumbel_r.sf, [(-2, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "gumbel_r.logcdf": (stats.gumbel_r.logcdf, st.gumbel_r.logcdf, [(-2, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "gumbel_r.logsf": (stats.gumbel_r.logsf, st.gumbel_r.logsf, [(-2, 3), (-1, 1), (0.5, 2)], (0, 1, 2)),
    "gumbel_l.ppf": (stats.gumbel_l.ppf, st.gumbel_l.ppf, [(0.05, 0.95), (-1, 1), (0.5, 2)],
                     (0, 1, 2)),
    "gumbel_r.ppf": (stats.gumbel_r.ppf, st.gumbel_r.ppf, [(0.05, 0.95), (-1, 1), (0.5, 2)],
                     (0, 1, 2)),
    "vonmises.logpdf": (stats.vonmises.logpdf, st.vonmises.logpdf, [(-3, 3), (0.5, 5)], (0, 1)),
    "nbinom.logpmf": (stats.nbinom.logpmf, st.nbinom.logpmf, [(0, 0), (1, 4), (0.1, 0.9)],
                      (1, 2)),
    "betabinom.logpmf": (stats.betabinom.logpmf, st.betabinom.logpmf,
                         [(0, 0), (6, 6), (0.5, 3), (0.5, 3)], (2, 3)),
    "wrapcauchy.logpdf": (stats.wrapcauchy.logpdf, st.wrapcauchy.logpdf, [(0.1, 6), (0.1, 0.9)],
                          (0, 1)),
    "gennorm.logpdf": (stats.gennorm.logpdf, st.gennorm.logpdf, [(0.2, 2), (1, 3)], (0, 1)),
    "gennorm.cdf": (stats.gennorm.cdf, st.gennorm.cdf, [(0.2, 2), (1, 3)], (0, 1)),
    "truncnorm.logpdf": (stats.truncnorm.logpdf, st.truncnorm.logpdf,
                         [(-0.9, 0.9), (-2, -1), (1, 2), (-0.1, 0.1), (0.8, 1.2)],
                         (0, 1, 2, 3, 4)),
    "truncnorm.cdf": (stats.truncnorm.cdf, st.truncnorm.cdf, [(-0.9, 0.9), (-2, -1), (1, 2), (-0.1, 0.1), (0.8, 1.2)], (0, 1, 2, 3, 4)),
    "truncnorm.logcdf": (stats.truncnorm.logcdf, st.truncnorm.logcdf, [(-0.9, 0.9), (-2, -1), (1, 2), (-0.1, 0.1), (0.8, 1.2)], (0, 1, 2, 3, 4)),
    "truncnorm.sf": (stats.truncnorm.sf, st.truncnorm.sf, [(-0.9, 0.9), (-2, -1), (1, 2), (-0.1, 0.1), (0.8, 1.2)], (0, 1, 2, 3, 4)),
    "truncnorm.logsf": (stats.truncnorm.logsf, st.truncnorm.logsf, [(-0.9, 0.9), (-2, -1), (1, 2), (-0.1, 0.1), (0.8, 1.2)], (0, 1, 2, 3, 4)),
}
SHAPES = [(3, 1), (4,), (1, 4), (4,), (1, 1)]


def make_args(name, domains, shapes, dtype=np.float64, seed=0):
    args = [rand(s, dtype, seed + i, lo, hi) for i, ((lo, hi), s) in
            enumerate(zip(domains, shapes))]
    if name.startswith(("poisson", "geom", "binom", "nbinom", "betabinom")):  # counts
        args[0] = np.arange(np.prod(shapes[0])).reshape(shapes[0]).astype(dtype)
    if name.startswith("bernoulli") and name != "bernoulli.ppf":  # ppf takes probabilities
        args[0] = (np.arange(np.prod(shapes[0])).reshape(shapes[0]) % 3).astype(dtype)
    return args


@pytest.mark.parametrize("name", sorted(METHODS))
def test_values_broadcast(name):
    ours, theirs, domains, _ = METHODS[name]
    args = make_args(name, domains, SHAPES[:len(domains)])
    expected = theirs(*args)
    out = ours(*args)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-300)
    out32 = ours(*[a.astype(np.float32) for a in args])
    assert out32.dtype == np.float32, name
    np.testing.assert_allclose(out32, expected, rtol=2e-5, atol=1e-30)
    scalar_args = [a.reshape(-1)[0] for a in args]
    np.testing.assert_allclose(ours(*scalar_args), theirs(*scalar_args), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_derivatives_jit_vmap(name):
    ours, _, domains, positions = METHODS[name]
    args = make_args(name, domains, [(3,)] * len(domains), seed=3)
    if name.startswith(("bernoulli.log", "bernoulli.pmf", "bernoulli.cdf", "geom")):
        # inside the support, where it is smooth
        args[0] = args[0] % 2 if name.startswith("bernoulli") else args[0] + 1
    for i in positions:
        def along(v, i=i):
            full = list(args)
            full[i] = v
            return ours(*full)
        assert_derivatives(along, (args[i],))
    np.testing.assert_allclose(fungrad.jit(ours)(*args), ours(*args), rtol=1e-13)
    np.testing.assert_allclose(fungrad.vmap(ours)(*args), ours(*args), rtol=1e-13)


def test_tails_and_supports():
    np.testing.assert_allclose(stats.norm.logcdf(np.array([-40.0, -1e3])),
                               st.norm.logcdf([-40.0, -1e3]), rtol=1e-13)
    np.testing.assert_allclose(stats.norm.logsf(np.array([40.0])), st.norm.logsf([40.0]))
    g = fungrad.grad(stats.norm.logcdf)(-40.0)
    assert np.isfinite(g) and abs(g - 40.0) < 0.1
    assert float(stats.expon.logpdf(-1.0)) == -np.inf
    assert float(stats.gamma.logpdf(-1.0, 2.0)) == -np.inf
    assert float(stats.poisson.logpmf(1.5, 2.0)) == -np.inf
    assert float(stats.poisson.pmf(0, 0.0)) == 1.0
    assert np.isfinite(fungrad.grad(lambda mu: stats.poisson.logpmf(0.0, mu))(1.0))
    with pytest.raises(TypeError, match="gammainc is not differentiable .*a third time"):
        fungrad.grad(fungrad.grad(fungrad.grad(lambda a: stats.gamma.cdf(1.0, a))))(2.0)


# (method, variates, parameters): far tails, support edges and outside, against scipy
TAILS = [
    ("gumbel_l.logcdf", [-40.0, 0.0, 5.0, 40.0], ()),
    ("gumbel_r.logsf", [40.0, 0.0, -5.0], ()),
    ("gumbel_r.logcdf", [-5.0, 0.0, 40.0], ()),
    ("gumbel_l.logsf", [-40.0, 0.0, 5.0], ()),
    ("cauchy.cdf", [-1e10, -1e3, 0.0, 1e10], ()),
    ("cauchy.logsf", [1e10, 1e3, -1e10], ()),
    ("cauchy.isf", [1e-10, 0.9], ()),
    ("expon.logcdf", [1e-10, 40.0, 1e3, -1.0, 0.0], ()),
    ("expon.logsf", [1e3, -1.0], ()),
    ("expon.ppf", [0.0, 1.0, 1.5], ()),
    ("gamma.logsf", [100.0, 1e-3, -1.0], (2.0,)),
    ("gamma.logcdf", [1e-20, 100.0, -1.0], (2.0,)),
    ("chi2.logsf", [300.0, 1e-6], (3.0,)),
    ("beta.logsf", [0.999999, 1e-9, 1.5], (2.0, 3.0)),
    ("beta.logcdf", [1e-9, 0.999999, -0.5], (2.0, 3.0)),
    ("pareto.logcdf", [1.0 + 1e-12, 1e6, 0.5], (2.0,)),
    ("pareto.logsf", [1e6, 0.5], (2.0,)),
    ("pareto.ppf", [0.0, 0.999999, 1.0, 1.5], (2.0,)),
    ("truncnorm.logcdf", [30.2, 30.9999, 29.0, 32.0], (30.0, 31.0)),
    ("truncnorm.logsf", [30.2, 30.0001], (30.0, 31.0)),
    ("truncnorm.logcdf", [-30.9, -30.1], (-31.0, -30.0)),
    ("truncnorm.cdf", [-0.5, 0.5, 2.0, -2.0], (-1.0, 1.0)),
    ("truncnorm.sf", [-0.5, 3.0], (-np.inf, 1.0)),
    ("gennorm.cdf", [-1.5, -0.3, 0.0, 4.0], (1.5,)),
    ("logistic.isf", [1e-10, 0.5], ()),
    ("gumbel_l.ppf", [1e-10, 0.5, 1 - 1e-10], ()),
    ("gumbel_r.ppf", [1e-10, 0.5, 1 - 1e-10], ()),
]


@pytest.mark.parametrize("name, variates, params", TAILS)
def test_tails_of_the_distribution_functions(name, variates, params):
    family, method = name.split(".")
    ours = getattr(getattr(stats, family), method)
    x = np.array(variates)
    np.testing.assert_allclose(ours(x, *params), getattr(getattr(st, family), method)(x, *params),
                               rtol=1e-9, atol=1e-300)
    gradient = fungrad.vmap(fungrad.grad(lambda v: ours(v, *params)))(x)
    finite = np.isfinite(np.asarray(ours(x, *params)))
    inside = finite & np.isfinite(x)
    assert not np.any(np.isnan(np.asarray(gradient)[inside])), (name, gradient)


def test_log_distribution_functions_past_scipy_underflow():
    # logcdf of gumbel_l is z where exp(z) underflows; scipy's own formula gives -inf there
    assert float(stats.gumbel_l.logcdf(-800.0)) == -800.0
    assert float(stats.gumbel_r.logsf(800.0)) == -800.0
    assert float(fungrad.grad(stats.gumbel_l.logcdf)(-800.0)) == 1.0
    # derivatives in the shapes: d/da of gamma.cdf and of beta.cdf against central differences
    h = 1e-6
    np.testing.assert_allclose(fungrad.grad(stats.gamma.cdf, 1)(3.0, 2.5),
                               (st.gamma.cdf(3.0, 2.5 + h) - st.gamma.cdf(3.0, 2.5 - h)) / (2 * h),
                               rtol=1e-7)
    np.testing.assert_allclose(fungrad.grad(stats.beta.sf, 2)(0.3, 2.0, 3.0),
                               (st.beta.sf(0.3, 2.0, 3 + h) - st.beta.sf(0.3, 2.0, 3 - h)) / (2 * h),
                               rtol=1e-7)


def test_maximum_likelihood_gradient_is_zero_at_the_sample_moments():
    x = rand((50,), np.float64, 12, -1, 3)
    def nll(mu, sigma):
        return -fnp.sum(stats.norm.logpdf(x, mu, sigma))
    gm, gs = fungrad.grad(nll, argnums=(0, 1))(np.mean(x), np.std(x))
    assert abs(gm) < 1e-10 and abs(gs) < 1e-10


def test_multivariate_normal_and_dirichlet():
    rng = np.random.default_rng(13)
    a = rng.normal(size=(3, 3))
    cov = a @ a.T + 3 * np.eye(3)
    mean = rng.normal(size=3)
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(stats.multivariate_normal.logpdf(x, mean, cov),
                               st.multivariate_normal.logpdf(x, mean, cov), rtol=1e-12)
    np.testing.assert_allclose(stats.multivariate_normal.pdf(x[0], mean, cov),
                               st.multivariate_normal.pdf(x[0], mean, cov), rtol=1e-12)
    assert_derivatives(lambda v, m: stats.multivariate_normal.logpdf(v, m, cov), (x, mean))
    assert_derivatives(lambda c: stats.multivariate_normal.logpdf(x[0], mean, c @ c.T),
                       (a + 2 * np.eye(3),))
    with pytest.raises(ValueError, match="last axis must have size 3"):
        stats.multivariate_normal.logpdf(np.zeros(2), mean, cov)
    alpha = np.array([2.0, 3.0, 1.5])
    p = rng.dirichlet(alpha, size=4).T  # components first, as scipy and JAX take it
    np.testing.assert_allclose(stats.dirichlet.logpdf(p, alpha), st.dirichlet.logpdf(p, alpha),
                               rtol=1e-12)
    assert_derivatives(lambda al: stats.dirichlet.logpdf(p[:, 0], al), (alpha,))
    assert float(stats.dirichlet.logpdf(np.array([0.5, 0.6, 0.1]), alpha)) == -np.inf


def test_multinomial_and_truncnorm_tail():
    p = np.array([0.2, 0.3, 0.5])
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 6.0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(stats.multinomial.logpmf(x[:2], 6, p),
                               st.multinomial.logpmf(x[:2], 6, p), rtol=1e-12)
    assert float(stats.multinomial.logpmf(x[2], 6, p)) == -np.inf
    assert_derivatives(lambda q: stats.multinomial.logpmf(x[0], 6, q), (p,))
    far = stats.truncnorm.logpdf(np.array([10.5, 30.5]), np.array([10.0, 30.0]),
                                 np.array([11.0, 31.0]))
    np.testing.assert_allclose(far, st.truncnorm.logpdf([10.5, 30.5], [10.0, 30.0],
                                                        [11.0, 31.0]), rtol=1e-9)
    assert np.all(np.isfinite(fungrad.vmap(fungrad.grad(
        lambda v: stats.truncnorm.logpdf(v, 30.0, 31.0)))(np.array([30.2, 30.7]))))


def test_sem():
    a = rand((4, 3), np.float64, 14)
    for axis in (0, 1, None):
        np.testing.assert_allclose(stats.sem(a, axis=axis), st.sem(a, axis=axis), rtol=1e-13)
    np.testing.assert_allclose(stats.sem(a, ddof=0), st.sem(a, ddof=0), rtol=1e-13)
    assert stats.sem(a.astype(np.float32)).dtype == np.float32
    assert_derivatives(lambda v: stats.sem(v, axis=1), (a,))


def test_gaussian_kde_against_scipy():
    rng = np.random.default_rng(15)
    data, weights, points = rng.normal(size=(2, 30)), rng.uniform(size=30), rng.normal(size=(2, 5))
    for bw in (None, "silverman", 0.3):
        ours = stats.gaussian_kde(data, bw, weights)
        theirs = st.gaussian_kde(data, bw, weights)
        np.testing.assert_allclose(ours.evaluate(points), theirs.evaluate(points), rtol=1e-12)
        np.testing.assert_allclose(ours.logpdf(points), theirs.logpdf(points), rtol=1e-12)
    np.testing.assert_allclose(stats.gaussian_kde(data[0]).pdf(points[0]),
                               st.gaussian_kde(data[0]).pdf(points[0]), rtol=1e-12)
    assert_derivatives(lambda p: stats.gaussian_kde(data[0]).logpdf(p), (points[0],))
    assert_derivatives(lambda d: stats.gaussian_kde(d, 0.5).logpdf(points[0]), (data[0, :6],))
    with pytest.raises(ValueError, match="bw_method must be"):
        stats.gaussian_kde(data, "wide")


@pytest.mark.parametrize("method", ["average", "min", "max", "dense", "ordinal"])
def test_rankdata(method):
    a = np.array([[3.0, 1.0, 3.0, 2.0], [5.0, 5.0, 5.0, 0.0], [1.0, 2.0, 1.0, 2.0]])
    np.testing.assert_array_equal(stats.rankdata(a, method), st.rankdata(a, method))
    for axis in (0, 1):
        np.testing.assert_array_equal(stats.rankdata(a, method, axis=axis),
                                      st.rankdata(a, method, axis=axis))
    np.testing.assert_array_equal(fungrad.jit(lambda v: stats.rankdata(v, method))(a[0]),
                                  st.rankdata(a[0], method))


def test_rankdata_bad_method():
    with pytest.raises(ValueError, match="rankdata: method must be"):
        stats.rankdata(np.ones(3), "median")


def test_mode():
    a = np.array([[3.0, 1.0, 3.0, 2.0], [5.0, 5.0, 0.0, 0.0], [1.0, 2.0, 1.0, 2.0]])
    for axis in (0, 1, None):
        for keepdims in (False, True):
            ours = stats.mode(a, axis=axis, keepdims=keepdims)
            theirs = st.mode(a, axis=axis, keepdims=keepdims)
            np.testing.assert_array_equal(ours.mode, theirs.mode)
            np.testing.assert_array_equal(ours.count, theirs.count)


def test_poisson_entropy():
    mu = np.array([0.0, 1e-3, 0.5, 3.0, 20.0, 150.0, 299.0, 301.0, 1000.0])
    np.testing.assert_allclose(stats.poisson.entropy(mu), st.poisson.entropy(mu), rtol=1e-11,
                               atol=1e-14)
    grid = np.array([[1.0], [40.0]])
    np.testing.assert_allclose(stats.poisson.entropy(grid, np.zeros(3)),
                               st.poisson.entropy(grid, np.zeros(3)), rtol=1e-12)
    assert stats.poisson.entropy(np.float32(2.0)).dtype == np.float32
    assert_derivatives(stats.poisson.entropy, (np.array([0.5, 3.0, 20.0, 500.0]),))
    np.testing.assert_allclose(fungrad.jit(stats.poisson.entropy)(mu),
                               stats.poisson.entropy(mu), rtol=1e-14)
    np.testing.assert_allclose(fungrad.vmap(stats.poisson.entropy)(mu),
                               stats.poisson.entropy(mu), rtol=1e-14)


EDGE_PARAMETERS = {"gamma": (2.0,), "chi2": (3.0,), "beta": (2.0, 3.0), "cauchy": (),
                   "expon": (), "gumbel_l": (), "gumbel_r": (), "pareto": (2.0,),
                   "truncnorm": (-1.0, 1.0), "gennorm": (1.5,), "logistic": (), "norm": (),
                   "uniform": (), "laplace": (), "t": (3.0,), "vonmises": (2.0,),
                   "wrapcauchy": (0.5,)}
EDGE_METHODS = [(family, method) for family in sorted(EDGE_PARAMETERS)
                for method in ("logpdf", "pdf", "cdf", "sf", "logcdf", "logsf", "ppf", "isf")
                if hasattr(getattr(stats, family), method)]


@pytest.mark.parametrize("family, method", EDGE_METHODS)
def test_nan_inf_and_outside_the_support_like_scipy(family, method):
    ours = getattr(getattr(stats, family), method)
    theirs = getattr(getattr(st, family), method)
    quantile = method in ("ppf", "isf")
    x = (np.array([np.nan, 0.0, 1.0, 0.5, -0.1, 1.1]) if quantile else
         np.array([np.nan, np.inf, -np.inf, 0.0, 7.0, -0.5]))
    params = EDGE_PARAMETERS[family]
    np.testing.assert_allclose(ours(x, *params), theirs(x, *params), rtol=1e-9, atol=1e-15)
