"""Every sampler against its distribution: mean and variance within a few standard errors,
and a Kolmogorov-Smirnov (continuous) or chi-square (discrete) test that must not reject at
p = 1e-3, on a fixed key. scipy supplies the CDFs (a test dependency only)."""
import numpy as np
import pytest
from scipy import stats

import fungrad
import fungrad.random as random

N = 20000
KEY = random.PRNGKey(1234)


def check_moments(x, mean, var, sigmas=5.0):
    x = np.asarray(x, np.float64)
    n = x.size
    assert abs(x.mean() - mean) <= sigmas * np.sqrt(var / n), (x.mean(), mean)
    # the variance's standard error, from the fourth moment of the sample
    fourth = np.mean((x - x.mean()) ** 4)
    assert abs(x.var() - var) <= sigmas * np.sqrt(max(fourth - var ** 2, 1e-300) / n), \
        (x.var(), var)


def check_ks(x, dist):
    result = stats.kstest(np.asarray(x, np.float64).ravel(), dist.cdf)
    assert result.pvalue > 1e-3, result


CONTINUOUS = [
    ("uniform", lambda k: random.uniform(k, (N,), minval=-1.0, maxval=2.0), stats.uniform(-1, 3)),
    ("uniform32", lambda k: random.uniform(k, (N,), np.float32), stats.uniform()),
    ("normal", lambda k: random.normal(k, (N,)), stats.norm()),
    ("normal32", lambda k: random.normal(k, (N,), np.float32), stats.norm()),
    ("truncated_normal", lambda k: random.truncated_normal(k, -1.0, 2.0, (N,)),
     stats.truncnorm(-1.0, 2.0)),
    ("exponential", lambda k: random.exponential(k, (N,)), stats.expon()),
    ("laplace", lambda k: random.laplace(k, (N,)), stats.laplace()),
    ("logistic", lambda k: random.logistic(k, (N,)), stats.logistic()),
    ("gumbel", lambda k: random.gumbel(k, (N,)), stats.gumbel_r()),
    ("gumbel_high", lambda k: random.gumbel(k, (N,), mode="high"), stats.gumbel_r()),
    ("lognormal", lambda k: random.lognormal(k, 0.5, (N,)), stats.lognorm(0.5)),
    ("pareto", lambda k: random.pareto(k, 5.0, (N,)), stats.pareto(5.0)),
    ("weibull_min", lambda k: random.weibull_min(k, 1.5, 2.0, (N,)),
     stats.weibull_min(2.0, scale=1.5)),
    ("rayleigh", lambda k: random.rayleigh(k, 1.5, (N,)), stats.rayleigh(scale=1.5)),
    ("wald", lambda k: random.wald(k, 1.5, (N,)), stats.invgauss(1.5)),
    ("maxwell", lambda k: random.maxwell(k, (N,)), stats.maxwell()),
    ("triangular", lambda k: random.triangular(k, 0.0, 0.3, 1.0, (N,)), stats.triang(0.3)),
    ("gamma_small", lambda k: random.gamma(k, 0.4, (N,)), stats.gamma(0.4)),
    ("gamma", lambda k: random.gamma(k, 3.0, (N,)), stats.gamma(3.0)),
    ("gamma32", lambda k: random.gamma(k, 2.0, (N,), np.float32), stats.gamma(2.0)),
    ("beta", lambda k: random.beta(k, 2.0, 0.5, (N,)), stats.beta(2.0, 0.5)),
    ("chisquare", lambda k: random.chisquare(k, 3.0, (N,)), stats.chi2(3.0)),
    ("t", lambda k: random.t(k, 5.0, (N,)), stats.t(5.0)),
    ("f", lambda k: random.f(k, 4.0, 9.0, (N,)), stats.f(4.0, 9.0)),
    ("generalized_normal", lambda k: random.generalized_normal(k, 1.5, (N,)),
     stats.gennorm(1.5)),
]


@pytest.mark.parametrize("name,draw,dist", CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
def test_continuous_sampler_distribution(name, draw, dist):
    x = draw(KEY)
    assert x.shape == (N,)
    check_ks(x, dist)
    mean, var = dist.stats("mv")
    check_moments(x, float(mean), float(var))


def test_heavy_tailed_and_derived_distributions():
    check_ks(random.cauchy(KEY, (N,)), stats.cauchy())  # no moments: the KS test alone
    check_ks(np.exp(random.loggamma(KEY, 0.3, (N,))), stats.gamma(0.3))
    x = random.double_sided_maxwell(KEY, 0.5, 2.0, (N,))
    check_ks(np.abs(x - 0.5) / 2.0, stats.maxwell())
    check_moments(x, 0.5, 4.0 * 3.0)  # a symmetric maxwell has E[X^2] = 3
    alpha = np.array([0.5, 1.0, 2.5])
    d = random.dirichlet(KEY, alpha, (N,))
    np.testing.assert_allclose(d.sum(-1), 1.0, rtol=1e-12)
    for i in range(3):
        check_ks(d[:, i], stats.beta(alpha[i], alpha.sum() - alpha[i]))
    b = random.ball(KEY, 3, 2, (N,))
    r = np.linalg.norm(b, axis=-1)
    check_ks(r ** 3, stats.uniform())  # uniform in the ball: r^d is uniform
    check_ks(b[:, 0] / r, stats.uniform(-1, 2))  # directions uniform: cos is uniform in 3d


def chi_square_fit(samples, probabilities):
    counts = np.bincount(np.asarray(samples).ravel().astype(np.int64),
                         minlength=len(probabilities))
    expected = np.asarray(probabilities) * counts.sum()
    keep = expected > 5
    observed = np.append(counts[keep], counts[~keep].sum())
    expected = np.append(expected[keep], expected[~keep].sum())
    if expected[-1] == 0:
        observed, expected = observed[:-1], expected[:-1]
    result = stats.chisquare(observed, expected * observed.sum() / expected.sum())
    assert result.pvalue > 1e-3, result


def test_discrete_samplers_distribution():
    x = random.randint(KEY, (N,), 3, 13)
    assert x.dtype == np.int64 and x.min() >= 3 and x.max() < 13
    chi_square_fit(x - 3, np.full(10, 0.1))
    b = random.bernoulli(KEY, 0.3, (N,))
    assert b.dtype == np.bool_
    check_moments(b, 0.3, 0.21)
    r = random.rademacher(KEY, (N,))
    assert set(np.unique(r)) == {-1.0, 1.0}
    check_moments(r, 0.0, 1.0)
    g = random.geometric(KEY, 0.3, (N,))
    chi_square_fit(g, stats.geom(0.3).pmf(np.arange(60)))
    check_moments(g, *map(float, stats.geom(0.3).stats("mv")))
    for lam in (3.5, 40.0):
        p = random.poisson(KEY, lam, (N,))
        chi_square_fit(p, stats.poisson(lam).pmf(np.arange(200)))
        check_moments(p, lam, lam)
    for n, prob in ((8, 0.3), (300, 0.4), (50, 0.9)):
        x = random.binomial(KEY, float(n), prob, (N,))
        chi_square_fit(x, stats.binom(n, prob).pmf(np.arange(n + 1)))
        check_moments(x, n * prob, n * prob * (1 - prob))
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    chi_square_fit(random.categorical(KEY, np.log(probs), shape=(N,)), probs)
    chi_square_fit(random.choice(KEY, 4, (N,), p=probs), probs)
    chi_square_fit(random.choice(KEY, 6, (N,)), np.full(6, 1 / 6))
    m = random.multinomial(KEY, 30.0, probs, shape=(N, 4))
    np.testing.assert_array_equal(m.sum(-1), 30.0)
    for i in range(4):
        check_moments(m[:, i], 30 * probs[i], 30 * probs[i] * (1 - probs[i]))


def test_permutations_are_uniform():
    keys = random.split(KEY, 3000)
    perms = fungrad.vmap(lambda k: random.permutation(k, 5))(keys[:1500])
    assert all(sorted(p) == list(range(5)) for p in perms)
    chi_square_fit(np.argmax(perms == 0, axis=1), np.full(5, 0.2))  # where 0 lands
    picks = fungrad.vmap(lambda k: random.choice(k, 6, (3,), replace=False))(keys[1500:])
    assert all(len(set(p)) == 3 for p in picks)
    chi_square_fit(picks.ravel(), np.full(6, 1 / 6))


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_moments_and_marginals(method):
    mean = np.array([1.0, -2.0, 0.5])
    cov = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])
    x = random.multivariate_normal(KEY, mean, cov, (N,), method=method)
    assert x.shape == (N, 3)
    for i in range(3):
        check_ks(x[:, i], stats.norm(mean[i], np.sqrt(cov[i, i])))
    np.testing.assert_allclose(np.cov(x.T), cov, atol=5 * np.sqrt(2 * 4.0 / N))
    # whitened samples are standard normal in every direction
    z = np.linalg.solve(np.linalg.cholesky(cov), (x - mean).T).T
    check_ks(z @ np.array([0.6, -0.8, 0.0]), stats.norm())


def test_orthogonal_is_orthogonal_and_haar():
    q = random.orthogonal(KEY, 3, (4000,))
    np.testing.assert_allclose(q @ np.swapaxes(q, -1, -2), np.broadcast_to(np.eye(3), q.shape),
                               atol=1e-12)
    # Haar measure: the first column is uniform on the sphere, so its entries are
    # distributed as a coordinate of a uniform point on S^2, uniform on [-1, 1]
    check_ks(q[:, 0, 0], stats.uniform(-1, 2))
    wide = random.orthogonal(KEY, 2, (), m=4)
    np.testing.assert_allclose(wide @ wide.T, np.eye(2), atol=1e-12)
