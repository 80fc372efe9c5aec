"""``fungrad.random``: JAX's functional random numbers, the same bits as JAX.

There is no hidden state: every sampler takes a key, and the same key always gives the same
numbers -- under ``jit``, ``vmap`` and ``grad`` alike. New keys come from ``split`` and
``fold_in``. The generator is threefry-2x32 (``fungrad.prims.random_bits``), deriving keys
and bits as JAX 0.10 does by default, so a key gives the values JAX gives for it. dtypes
follow numpy's world: samplers return float64 (and integers int64) unless asked otherwise.

>>> import fungrad.random as random
>>> key = random.key(0)
>>> key, subkey = random.split(key)
>>> random.normal(subkey, (3,))
array([-1.4008841,  1.432145 ,  0.6248107])
"""
from fungrad.random.keys import (  # noqa: F401
    PRNGKey, PRNGKeyArray, bits, clone, fold_in, key, key_data, key_dtype, key_impl, split,
    wrap_key_data,
)
from fungrad.random.continuous import (  # noqa: F401
    cauchy, double_sided_maxwell, exponential, gumbel, laplace, logistic, lognormal, maxwell,
    normal, pareto, rayleigh, triangular, truncated_normal, uniform, wald, weibull_min,
)
from fungrad.random.discrete import (  # noqa: F401
    bernoulli, categorical, choice, geometric, permutation, rademacher, randint,
)
from fungrad.random.gamma import (  # noqa: F401
    ball, beta, chisquare, dirichlet, f, gamma, generalized_normal, loggamma, random_gamma_p, t,
)
from fungrad.random.counts import binomial, multinomial, poisson  # noqa: F401
from fungrad.random.multivariate import multivariate_normal, orthogonal  # noqa: F401
