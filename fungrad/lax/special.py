"""Special functions, ``jax.lax`` style: the gamma family, Hurwitz zeta, scaled Bessel
functions and the regularized incomplete gamma and beta functions.

Each is one of fungrad's special-function primitives (``fungrad/prims/special.py``, whose
values come from scipy.special, imported only when one is first evaluated), with lax's names
and lax's same-dtype and same-rank rules for the operands. Derivatives are those of the
primitives: in every argument JAX differentiates, except the first argument of
``igamma``/``igammac``, which fungrad refuses with a clear error; ``igamma_grad_a`` computes
that derivative as a function.

>>> import numpy as np
>>> float(lgamma(5.0)), float(igamma(1.0, 1.0))
(3.1780538303479458, 0.6321205588285577)
"""
from __future__ import annotations

from typing import Any

from fungrad.core import bind
from fungrad.lax.dtypes import (check_abstract, check_same_dtypes, check_same_ranks,
                                 operand_avals)
from fungrad.prims import igamma_grad as igg
from fungrad.prims import special as sp

__all__ = ["lgamma", "digamma", "polygamma", "zeta", "bessel_i0e", "bessel_i1e", "igamma",
           "igammac", "igamma_grad_a", "random_gamma_grad", "betainc"]

Array = Any

# JAX's primitive names for the primitives fungrad has under scipy's names
lgamma_p = sp.gammaln_p
digamma_p = sp.digamma_p
polygamma_p = sp.polygamma_p
zeta_p = sp.zeta_p
bessel_i0e_p = sp.i0e_p
bessel_i1e_p = sp.i1e_p
igamma_p = sp.gammainc_p
igammac_p = sp.gammaincc_p
regularized_incomplete_beta_p = sp.betainc_p
erf_p, erfc_p, erf_inv_p = sp.erf_p, sp.erfc_p, sp.erf_inv_p
igamma_grad_a_p = igg.igamma_grad_a_p


def _apply(prim, name: str, **operands):
    """``bind(prim, *operands)``, with the primitive's dtype rule and lax's rank rule checked
    first (an eager call runs the numpy impl directly)."""
    check_same_ranks(name, operands)
    check_abstract(prim, *operand_avals(name, operands))
    return bind(prim, *operands.values())


def lgamma(x: Array) -> Array:
    """``log |Gamma(x)|``, the log of the absolute value of the gamma function.

    >>> import numpy as np
    >>> lgamma(np.array([1.0, 3.0, -0.5]))
    array([0.        , 0.69314718, 1.26551212])
    """
    return _apply(lgamma_p, "lgamma", x=x)


def digamma(x: Array) -> Array:
    """``psi(x) = d/dx log Gamma(x)``.

    >>> float(digamma(1.0))  # minus the Euler-Mascheroni constant
    -0.5772156649015329
    """
    return _apply(digamma_p, "digamma", x=x)


def polygamma(m: Array, x: Array) -> Array:
    """The ``m``-th derivative of ``digamma`` (``m`` a non-negative integer, given in
    ``x``'s dtype); differentiable in ``x`` only.

    >>> round(float(polygamma(1.0, 1.0)), 12)  # pi^2 / 6
    1.644934066848
    """
    check_same_dtypes("polygamma", {"m": m, "x": x})
    return _apply(polygamma_p, "polygamma", m=m, x=x)


def zeta(x: Array, q: Array) -> Array:
    """The Hurwitz zeta function ``sum_k (k + q) ** -x``; differentiable in ``q`` only.

    >>> round(float(zeta(2.0, 1.0)), 12)  # the Riemann zeta at 2: pi^2 / 6
    1.644934066848
    """
    check_same_dtypes("zeta", {"x": x, "q": q})
    return _apply(zeta_p, "zeta", x=x, q=q)


def bessel_i0e(x: Array) -> Array:
    """The exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I0(x)``.

    >>> float(bessel_i0e(0.0)), float(bessel_i0e(1.0))
    (1.0, 0.46575960759364043)
    """
    return _apply(bessel_i0e_p, "bessel_i0e", x=x)


def bessel_i1e(x: Array) -> Array:
    """The exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I1(x)``.

    >>> float(bessel_i1e(1.0))
    0.2079104153497085
    """
    return _apply(bessel_i1e_p, "bessel_i1e", x=x)


def igamma(a: Array, x: Array) -> Array:
    """The regularized lower incomplete gamma function ``P(a, x)``; differentiable in ``x``.

    >>> float(igamma(2.0, 1.0))  # 1 - 2/e
    0.2642411176571153
    """
    check_same_dtypes("igamma", {"a": a, "x": x})
    return _apply(igamma_p, "igamma", a=a, x=x)


def igammac(a: Array, x: Array) -> Array:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``;
    differentiable in ``x``.

    >>> round(float(igammac(1.0, 1.0)), 12)  # 1/e
    0.367879441171
    """
    check_same_dtypes("igammac", {"a": a, "x": x})
    return _apply(igammac_p, "igammac", a=a, x=x)


def igamma_grad_a(a: Array, x: Array) -> Array:
    """``dP(a, x)/da``, the derivative of ``igamma`` in its first argument (not itself
    differentiable).

    >>> round(float(igamma_grad_a(1.0, 1.0)), 12)
    -0.431729710635
    """
    check_same_dtypes("igamma_grad_a", {"a": a, "x": x})
    return _apply(igamma_grad_a_p, "igamma_grad_a", a=a, x=x)


def random_gamma_grad(a: Array, x: Array) -> Array:
    """The derivative in ``a`` of a Gamma(a, 1) sample ``x`` at a fixed quantile:
    ``-(dP/da) / (dP/dx)``, the reparameterization gradient of ``jax.random.gamma``.

    >>> round(float(random_gamma_grad(1.0, 1.0)), 12)
    1.173563027225
    """
    check_same_dtypes("random_gamma_grad", {"a": a, "x": x})
    return _apply(igg.random_gamma_grad_p, "random_gamma_grad", a=a, x=x)


def betainc(a: Array, b: Array, x: Array) -> Array:
    """The regularized incomplete beta function ``I_x(a, b)``; differentiable in ``x``.

    >>> float(betainc(2.0, 3.0, 0.5))
    0.6875
    """
    check_same_dtypes("betainc", {"a": a, "b": b, "x": x})
    return _apply(regularized_incomplete_beta_p, "betainc", a=a, b=b, x=x)
