"""examples/fit_distribution.py: the gradient-descent fit reaches scipy's own maximum-likelihood
estimate (scipy.stats.gamma.fit with the location fixed at 0) on the same data."""
from __future__ import annotations

import re

import numpy as np
import scipy.stats as st

import fungrad

from test_examples import run_example


def test_fit_distribution_reaches_scipys_mle():
    out, _ = run_example("fit_distribution.py")
    values = dict(re.findall(r"^(\w[\w ]*?) = (\S+)$", out, re.M))
    data = 2.0 * np.asarray(fungrad.random.gamma(fungrad.random.key(0), 3.0, (500,)))
    shape, _, scale = st.gamma.fit(data, floc=0)
    np.testing.assert_allclose(float(values["shape"]), shape, rtol=1e-5)
    np.testing.assert_allclose(float(values["scale"]), scale, rtol=1e-5)
    nll = -np.mean(st.gamma.logpdf(data, shape, scale=scale))
    np.testing.assert_allclose(float(values["nll"]), nll, rtol=1e-7)
    assert float(values["gradient norm"]) < 1e-6
