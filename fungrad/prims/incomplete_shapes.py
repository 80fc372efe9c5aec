"""Derivatives of the regularized incomplete gamma and beta functions in their shapes, in
plain numpy (the kernels behind ``prims.special``'s ``igamma_grad_a`` and ``betainc_grad_*``).

No closed form exists. As XLA does for JAX's ``igamma_grad_a``, each derivative is carried
through the recurrence that computes the function itself (forward mode by hand), here to
second order so that Hessians in the shapes work:

- ``P(a, x)`` by its power series where ``x <= max(a, 1)``,
  ``P = x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n))``;
- ``Q(a, x) = 1 - P`` beyond, by its continued fraction (Cephes' igamc recurrence);
- ``I_x(a, b)`` by its continued fraction (Numerical Recipes' betacf, Wallis' recurrence for
  the convergents) below the mean, and through ``I_x(a, b) = 1 - I_(1-x)(b, a)`` above it.

Every function takes flat float64 arrays and ``special(name)``, which returns a
``scipy.special`` function (scipy is imported by the caller, lazily).
Entries that do not converge within ``MAX_TERMS`` steps give nan, never a guess.
"""
from __future__ import annotations

import numpy as np

_EPS = np.finfo(np.float64).eps
# converged: a step changes the value by a few ulps, and each derivative by a few ulps of the
# value or of itself (a derivative that is 0, e.g. in a at integer b, has only rounding left)
_TOL = 4 * _EPS
MAX_TERMS = 20000  # enough for shapes up to ~1e7
_BIG = 2.0 ** 256


def _settled(change, value, scale):
    return np.abs(change) <= _TOL * (np.abs(value) + np.abs(scale))


def _rescale(rows_of, arrays) -> None:
    """Scale the convergents of the rows whose size left [2^-256, 2^256] back into it (the
    recurrences are homogeneous: only ratios count)."""
    for rows, factor in ((rows_of(lambda v: v > _BIG), 1 / _BIG),
                         (rows_of(lambda v: v < 1 / _BIG), _BIG)):
        if rows.size:
            for v in arrays:
                v[rows] *= factor


def _igamma_series(a, x, special):
    """(dP/da, d2P/da2) from the power series of P."""
    zero = np.zeros_like(x)
    term, d1, d2 = np.ones_like(x), zero.copy(), zero.copy()
    total, total1, total2 = term.copy(), zero.copy(), zero.copy()
    live = np.arange(x.size)
    for n in range(1, MAX_TERMS):
        if not live.size:
            break
        an = a[live] + n
        r = x[live] / an  # term_n = term_(n-1) r, with r' = -r/(a+n), r'' = 2r/(a+n)^2
        r1, r2 = -r / an, 2 * r / (an * an)
        t, t1, t2 = term[live], d1[live], d2[live]
        term[live], d1[live], d2[live] = t * r, t1 * r + t * r1, t2 * r + 2 * t1 * r1 + t * r2
        total[live] += term[live]
        total1[live] += d1[live]
        total2[live] += d2[live]
        done = (_settled(term[live], total[live], 0)
                & _settled(d1[live], total1[live], total[live])
                & _settled(d2[live], total2[live], total[live]))
        live = live[~done]
    total1[live] = total2[live] = np.nan
    log_prefix = a * np.log(x) - x - special("gammaln")(a + 1.0)
    L1 = np.log(x) - special("psi")(a + 1.0)
    L2 = -special("polygamma")(1, a + 1.0)
    prefix = np.exp(log_prefix)
    return (prefix * (L1 * total + total1),
            prefix * ((L1 * L1 + L2) * total + 2 * L1 * total1 + total2))


def _igammac_fraction(a, x, special):
    """(dQ/da, d2Q/da2) from the continued fraction of Q: the convergents p/q follow
    ``p_k = p_(k-1) z - p_(k-2) y c`` (and q alike), with dz/da = dy/da = -1."""
    zero = np.zeros_like(x)
    y, z, c = 1.0 - a, x + 2.0 - a, zero.copy()
    p2, q2, p1, q1 = np.ones_like(x), x.copy(), x + 1.0, z * x
    dp2, dq2, dp1, dq1 = zero.copy(), zero.copy(), zero.copy(), -x
    ep2, eq2, ep1, eq1 = zero.copy(), zero.copy(), zero.copy(), zero.copy()  # second order
    ans = p1 / q1
    ans1 = (dp1 - ans * dq1) / q1
    ans2 = (ep1 - 2 * ans1 * dq1 - ans * eq1) / q1
    live = np.arange(x.size)
    for _ in range(MAX_TERMS):
        if not live.size:
            break
        c[live] += 1.0
        y[live] += 1.0
        z[live] += 2.0
        yc, dyc, zl = y[live] * c[live], -c[live], z[live]

        def step(v2, v1, d2, d1, e2, e1):
            value = v1 * zl - v2 * yc
            first = d1 * zl - v1 - d2 * yc - v2 * dyc
            second = e1 * zl - 2 * d1 - e2 * yc - 2 * d2 * dyc
            return value, first, second

        pk, dpk, epk = step(p2[live], p1[live], dp2[live], dp1[live], ep2[live], ep1[live])
        qk, dqk, eqk = step(q2[live], q1[live], dq2[live], dq1[live], eq2[live], eq1[live])
        r = pk / qk
        r1 = (dpk - r * dqk) / qk
        r2 = (epk - 2 * r1 * dqk - r * eqk) / qk
        done = (_settled(ans[live] - r, r, 0) & _settled(ans1[live] - r1, r1, r)
                & _settled(ans2[live] - r2, r2, r))
        ans[live], ans1[live], ans2[live] = r, r1, r2
        for old, older, new in ((p1, p2, pk), (q1, q2, qk), (dp1, dp2, dpk), (dq1, dq2, dqk),
                                (ep1, ep2, epk), (eq1, eq2, eqk)):
            older[live] = old[live]
            old[live] = new
        _rescale(lambda test: live[test(np.abs(qk))],
                 (p2, q2, p1, q1, dp2, dq2, dp1, dq1, ep2, eq2, ep1, eq1))
        live = live[~done]
    ans1[live] = ans2[live] = np.nan
    log_prefix = a * np.log(x) - x - special("gammaln")(a)
    M1 = np.log(x) - special("psi")(a)
    M2 = -special("polygamma")(1, a)
    prefix = np.exp(log_prefix)
    return (prefix * (M1 * ans + ans1),
            prefix * ((M1 * M1 + M2) * ans + 2 * M1 * ans1 + ans2))


def igamma_shape_derivatives(a, x, special):
    """(dP/da, d2P/da2) of the regularized lower incomplete gamma function P(a, x).

    >>> import scipy.special
    >>> d1, d2 = igamma_shape_derivatives(np.array([2.0]), np.array([1.5]),
    ...                                   lambda name: getattr(scipy.special, name))
    >>> round(float(d1[0]), 12)  # JAX's grad of gammainc in a: -0.3134886378250792
    -0.313488637825
    """
    d1, d2 = np.full_like(x, np.nan), np.full_like(x, np.nan)
    valid = (a > 0) & (x >= 0)
    edge = valid & ((x == 0) | np.isinf(x))  # P is 0 or 1 there, whatever a
    d1[edge] = d2[edge] = 0.0
    series = valid & ~edge & ((x <= 1) | (x <= a))
    fraction = valid & ~edge & ~series
    d1[series], d2[series] = _igamma_series(a[series], x[series], special)
    q1, q2 = _igammac_fraction(a[fraction], x[fraction], special)
    d1[fraction], d2[fraction] = -q1, -q2
    return d1, d2


_PAIRS = ((0, 0), (0, 1), (1, 1))  # the second derivatives: aa, ab, bb


def _fraction_terms(n, a, b, x):
    """The n-th partial numerator d_n of betacf's fraction, its gradient (da, db) and its
    second derivatives (aa, ab, bb)."""
    m = n // 2
    if n % 2:  # d = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)): through log|d|
        d = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        ga = 1 / (a + m) + 1 / (a + b + m) - 1 / (a + 2 * m) - 1 / (a + 2 * m + 1)
        gb = 1 / (a + b + m)
        gab = -gb * gb
        gaa = -1 / (a + m) ** 2 + gab + 1 / (a + 2 * m) ** 2 + 1 / (a + 2 * m + 1) ** 2
        grad = (d * ga, d * gb)
        hess = (d * (ga * ga + gaa), d * (ga * gb + gab), d * (gb * gb + gab))
    else:  # d = s (b - m), s = m x / ((a+2m-1)(a+2m)) (b - m may be 0: no log here)
        s = m * x / ((a + 2 * m - 1) * (a + 2 * m))
        h = -1 / (a + 2 * m - 1) - 1 / (a + 2 * m)
        h1 = 1 / (a + 2 * m - 1) ** 2 + 1 / (a + 2 * m) ** 2
        sa, saa = s * h, s * (h * h + h1)
        d = s * (b - m)
        grad = ((b - m) * sa, s)
        hess = ((b - m) * saa, sa, np.zeros_like(s))
    return d, grad, hess


def _betainc_fraction(a, b, x, special):
    """The gradient (da, db) and second derivatives (aa, ab, bb) of I_x(a, b) for x below the
    mean, from ``I = x^a (1-x)^b / (a B(a, b)) * B_n/A_n`` where Wallis' recurrence
    ``A_n = A_(n-1) + d_n A_(n-2)`` (and B alike) gives the convergents."""
    one, zero = np.ones_like(x), np.zeros_like(x)
    # value, gradient (2) and second derivatives (3) of A_(n-2), B_(n-2), A_(n-1), B_(n-1)
    A2, B2, A1, B1 = one.copy(), zero.copy(), one.copy(), one.copy()
    gA2, gB2, gA1, gB1 = ([zero.copy() for _ in range(2)] for _ in range(4))
    hA2, hB2, hA1, hB1 = ([zero.copy() for _ in range(3)] for _ in range(4))
    f, gf, hf = one.copy(), [zero.copy() for _ in range(2)], [zero.copy() for _ in range(3)]
    live = np.arange(x.size)
    for n in range(1, 2 * MAX_TERMS):
        if not live.size:
            break
        d, gd, hd = _fraction_terms(n, a[live], b[live], x[live])
        a2, a1, b2, b1 = A2[live], A1[live], B2[live], B1[live]
        ga2, ga1 = [v[live] for v in gA2], [v[live] for v in gA1]
        gb2, gb1 = [v[live] for v in gB2], [v[live] for v in gB1]
        A, B = a1 + d * a2, b1 + d * b2
        gA = [ga1[i] + gd[i] * a2 + d * ga2[i] for i in range(2)]
        gB = [gb1[i] + gd[i] * b2 + d * gb2[i] for i in range(2)]
        hA, hB = [], []
        for k, (i, j) in enumerate(_PAIRS):
            hA.append(hA1[k][live] + hd[k] * a2 + gd[i] * ga2[j] + gd[j] * ga2[i]
                      + d * hA2[k][live])
            hB.append(hB1[k][live] + hd[k] * b2 + gd[i] * gb2[j] + gd[j] * gb2[i]
                      + d * hB2[k][live])
        f_new = B / A  # B = f A, differentiated once and twice
        g_new = [(gB[i] - f_new * gA[i]) / A for i in range(2)]
        h_new = [(hB[k] - g_new[i] * gA[j] - g_new[j] * gA[i] - f_new * hA[k]) / A
                 for k, (i, j) in enumerate(_PAIRS)]
        done = _settled(f_new - f[live], f_new, 0)
        for old, new in zip(gf + hf, g_new + h_new):
            done &= _settled(new - old[live], new, f_new)
            old[live] = new
        f[live] = f_new
        shifts = [(A2, A1, A), (B2, B1, B)]
        shifts += [(gA2[i], gA1[i], gA[i]) for i in range(2)]
        shifts += [(gB2[i], gB1[i], gB[i]) for i in range(2)]
        shifts += [(hA2[k], hA1[k], hA[k]) for k in range(3)]
        shifts += [(hB2[k], hB1[k], hB[k]) for k in range(3)]
        for older, old, new in shifts:
            older[live] = old[live]
            old[live] = new
        _rescale(lambda test: live[test(np.abs(A))], [v for triple in shifts for v in triple[:2]])
        live = live[~done]
    for v in gf + hf:
        v[live] = np.nan
    psi, trigamma = special("psi"), lambda v: special("polygamma")(1, v)
    prefix = np.exp(a * np.log(x) + b * np.log1p(-x) - np.log(a) - special("betaln")(a, b))
    gL = (np.log(x) - 1.0 / a - psi(a) + psi(a + b), np.log1p(-x) - psi(b) + psi(a + b))
    shared = trigamma(a + b)
    hL = (1.0 / (a * a) - trigamma(a) + shared, shared, shared - trigamma(b))
    grad = tuple(prefix * (gL[i] * f + gf[i]) for i in range(2))
    hess = tuple(prefix * ((gL[i] * gL[j] + hL[k]) * f + gL[i] * gf[j] + gL[j] * gf[i] + hf[k])
                 for k, (i, j) in enumerate(_PAIRS))
    return grad + hess


def betainc_shape_derivatives(a, b, x, special):
    """(d/da, d/db, d2/da2, d2/dadb, d2/db2) of I_x(a, b); above the mean through
    ``I_x(a, b) = 1 - I_(1-x)(b, a)`` (a and b trade places, and every sign turns).

    >>> import scipy.special
    >>> da, db, *_ = betainc_shape_derivatives(np.array([1.0]), np.array([1.0]),
    ...                                        np.array([0.5]),
    ...                                        lambda name: getattr(scipy.special, name))
    >>> round(float(da[0]), 12), round(float(db[0]), 12)  # I = x^a for b = 1: log(x) x^a
    (-0.34657359028, 0.34657359028)
    """
    out = [np.full_like(x, np.nan) for _ in range(5)]
    valid = (a > 0) & (b > 0) & (x >= 0) & (x <= 1)
    edge = valid & ((x == 0) | (x == 1))  # I is 0 or 1 there, whatever the shapes
    low = valid & ~edge & (x < (a + 1) / (a + b + 2))
    high = valid & ~edge & ~low
    for v in out:
        v[edge] = 0.0
    for v, w in zip(out, _betainc_fraction(a[low], b[low], x[low], special)):
        v[low] = w
    db, da, dbb, dab, daa = _betainc_fraction(b[high], a[high], 1.0 - x[high], special)
    for v, w in zip(out, (da, db, daa, dab, dbb)):
        v[high] = -w
    return out
