"""``fungrad.scipy.stats``: JAX's ``jax.scipy.stats`` distributions, one module per family,
each a namespace of functions (``norm.logpdf(x, loc, scale)``) broadcasting over the variate
and the parameters, differentiable in the variate and in the continuous parameters.

>>> from fungrad.scipy import stats
>>> float(stats.norm.pdf(0.0))
0.3989422804014327
"""
from fungrad.scipy.stats import (  # noqa: F401
    bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet, expon, gamma, gennorm, geom,
    gumbel_l, gumbel_r, laplace, logistic, multinomial, multivariate_normal, nbinom, norm,
    pareto, poisson, t, truncnorm, uniform, vonmises, wrapcauchy,
)
from fungrad.scipy.stats.descriptive import ModeResult, mode, rankdata, sem  # noqa: F401
from fungrad.scipy.stats.kde import gaussian_kde  # noqa: F401
