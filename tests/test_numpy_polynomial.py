"""fungrad.numpy convolution and polynomial functions: values against numpy, IR, jit and
vmap, derivatives against finite differences."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy
from numpy_table import table_tests

X8 = np.linspace(-1.0, 2.0, 8)

TABLE = [
    ("convolve", lambda m, a, v: m.convolve(a, v), [((4,), (3,)), ((2,), (5,)), ((1,), (1,))]),
    ("convolve_same", lambda m, a, v: m.convolve(a, v, "same"), [((5,), (3,)), ((2,), (4,)),
                                                                 ((4,), (4,))]),
    ("convolve_valid", lambda m, a, v: m.convolve(a, v, mode="valid"), [((5,), (3,)),
                                                                        ((3,), (4,))]),
    ("correlate", lambda m, a, v: m.correlate(a, v), [((5,), (3,)), ((3,), (4,))]),
    ("correlate_full", lambda m, a, v: m.correlate(a, v, "full"), [((4,), (3,)),
                                                                   ((2,), (3,))]),
    ("correlate_same", lambda m, a, v: m.correlate(a, v, "same"), [((4,), (3,)),
                                                                   ((3,), (4,)),
                                                                   ((2,), (5,))]),
    ("polyval", lambda m, p, x: m.polyval(p, x), [((3,), ()), ((4,), (5,)), ((1,), (2, 3)),
                                                 ((3,), (0,))]),
    ("polyadd", lambda m, a, b: m.polyadd(a, b), [((2,), (4,)), ((3,), (3,)), ((3,), ())]),
    ("polysub", lambda m, a, b: m.polysub(a, b), [((4,), (2,))]),
    ("polymul", lambda m, a, b: m.polymul(a, b), [((2,), (3,))]),
    ("polyder", lambda m, p: m.polyder(p), [((4,),), ((1,),)]),
    ("polyder2", lambda m, p: m.polyder(p, 2), [((5,),), ((2,),)]),
    ("polyint", lambda m, p: m.polyint(p), [((3,),)]),
    ("polyint_k", lambda m, p: m.polyint(p, 2, [1.5, -1.0]), [((3,),)]),
    ("poly", lambda m, z: m.poly(z), [((3,),), ((1,),)]),
    ("polydiv_q", lambda m, u, v: m.polydiv(u, v)[0], [((5,), (3,)), ((3,), (3,))]),
]


test_values, test_trace_jit_vmap, test_derivatives = table_tests(TABLE)


def test_polydiv_remainder_and_trim():
    u, v = np.array([3.0, 1.0, -2.0, 5.0, 1.0]), np.array([2.0, -1.0, 1.0])
    q, r = fnp.polydiv(u, v, trim_leading_zeros=True)
    nq, nr = np.polydiv(u, v)
    assert_same_as_numpy(q, nq)
    assert_same_as_numpy(r, nr)
    _, r_full = fungrad.jit(fnp.polydiv)(u, v)  # JAX's default: untrimmed remainder
    np.testing.assert_allclose(np.asarray(r_full)[-nr.size:], nr, rtol=1e-12)
    assert_derivatives(lambda u, v: fnp.polydiv(u, v)[1], (u, v))


@pytest.mark.parametrize("deg", [0, 1, 3])
def test_polyfit(deg):
    y = np.sin(X8) + 0.1 * X8 ** 2
    want = np.polyfit(X8, y, deg)
    np.testing.assert_allclose(fnp.polyfit(X8, y, deg), want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fungrad.jit(lambda x, y: fnp.polyfit(x, y, deg))(X8, y), want,
                               rtol=1e-9, atol=1e-12)
    w = np.linspace(0.5, 1.5, 8)
    np.testing.assert_allclose(fnp.polyfit(X8, y, deg, w=w), np.polyfit(X8, y, deg, w=w),
                               rtol=1e-9, atol=1e-12)
    y2 = np.stack([y, np.cos(X8)], 1)
    np.testing.assert_allclose(fnp.polyfit(X8, y2, deg), np.polyfit(X8, y2, deg), rtol=1e-9,
                               atol=1e-12)
    assert_derivatives(lambda x, y: fnp.polyfit(x, y, deg), (X8, y), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_and_bool_inputs(dtype):
    a = (np.array([1, 0, 2, 1]) % (2 if dtype is np.bool_ else 5)).astype(dtype)
    b = a[:3]
    for f in (lambda m: m.convolve(a, b), lambda m: m.correlate(a, b, "full"),
              lambda m: m.polyval(a, b), lambda m: m.polyadd(a, b),
              lambda m: m.polyder(a), lambda m: m.polyint(a), lambda m: m.poly(a)):
        try:
            want = f(np)
        except TypeError:  # numpy refuses some boolean arithmetic: so must fungrad
            with pytest.raises(TypeError):
                f(fnp)
            continue
        assert_same_as_numpy(f(fnp), want)
    assert_same_as_numpy(fungrad.jit(lambda a, b: fnp.convolve(a, b))(a, b), np.convolve(a, b))


def test_trim_zeros():
    for trim in ("fb", "f", "b"):
        assert_same_as_numpy(fnp.trim_zeros(np.array([0, 0, 1, 2, 0]), trim),
                             np.trim_zeros(np.array([0, 0, 1, 2, 0]), trim))


def test_bad_inputs():
    with pytest.raises(ValueError, match="convolve: v cannot be empty"):
        fnp.convolve(np.ones(3), np.ones(0))
    with pytest.raises(ValueError, match="convolve: mode must be one of"):
        fnp.convolve(np.ones(3), np.ones(2), "circular")
    with pytest.raises(ValueError, match="polyval: p must be one-dimensional"):
        fnp.polyval(np.ones((2, 2)), 1.0)
    with pytest.raises(TypeError, match="polyfit: expected a 1-D or 2-D y"):
        fnp.polyfit(np.ones(3), np.ones(4), 1)
    with pytest.raises(TypeError, match="trim_zeros: the result's length"):
        fungrad.jit(fnp.trim_zeros)(np.ones(3))
    with pytest.raises(ValueError, match="poly: input must be 1-D or a non-empty square"):
        fnp.poly(np.ones((2, 3)))
    assert fnp.polyval([1.0, 2.0], 2.0) == 4.0


def test_roots():
    rng = np.random.default_rng(5)
    jitted_roots = fungrad.jit(fnp.roots)
    for p in [np.array([1.0, -3.0, 2.0]), rng.normal(size=6), np.array([0.0, 0.0, 1.0, 2.0, 0.0]),
              np.array([2.0, 0.0, 1.0]), np.array([3.0]), np.array([0.0, 0.0]), np.array([2, 1]),
              rng.normal(size=5).astype(np.float32), np.array([1.0 + 1j, 2.0, -1j])]:
        ours, theirs = fnp.roots(p), np.roots(p)
        expected = theirs.astype(np.result_type(theirs, np.complex64))  # JAX: always complex
        assert_same_as_numpy(np.sort_complex(ours), np.sort_complex(expected),
                             rtol=1e-5 if p.dtype == np.float32 else 1e-10, atol=1e-12)
        jitted = jitted_roots(p)  # strip_zeros reads the zeros through guards: one jit
        assert_same_as_numpy(np.sort_complex(jitted), np.sort_complex(ours))  # retraces
    # traceable form: a NaN per leading zero, placed last
    p = np.array([0.0, 1.0, -6.0, 11.0, -6.0])
    ours = fungrad.jit(lambda p: fnp.roots(p, strip_zeros=False))(p)
    assert np.isnan(ours[-1]) and np.allclose(np.sort_complex(ours[:3]), [1.0, 2.0, 3.0])
    batched = fungrad.vmap(lambda p: fnp.roots(p, strip_zeros=False))(
        np.array([[1.0, -3.0, 2.0], [0.0, 1.0, -4.0]]))
    assert np.allclose(np.sort_complex(batched[0]), [1.0, 2.0])
    assert batched[1, 0] == 4.0 and np.isnan(batched[1, 1])
    # first-order derivatives (those of eigvals, as in JAX); the roots here are simple
    check = lambda p: fnp.real(fnp.sum(fnp.roots(p) ** 2))  # noqa: E731
    assert_derivatives(check, (np.array([1.0, -3.0, 2.5, 0.3]),), order=1)
    assert_derivatives(lambda p: fnp.abs(fnp.roots(p, strip_zeros=False)),
                       (np.array([2.0, -3.0, 2.5, 0.3]),), order=1)
    # sum of the roots is -p1/p0 for any p
    g = fungrad.grad(lambda p: fnp.real(fnp.sum(fnp.roots(p))))(np.array([2.0, 3.0, 1.0]))
    assert_same_as_numpy(g, np.array([3.0 / 4.0, -0.5, 0.0]), atol=1e-15)
    with pytest.raises(ValueError, match=r"roots: p must be 1-D, got f64\[2,2\]"):
        fnp.roots(np.ones((2, 2)))
    with pytest.raises(TypeError, match="roots: p must be an array or a number"):
        fnp.roots("x")
    with pytest.raises(TypeError, match="boolean conversion of traced array"):
        fungrad.make_jaxpr(fnp.roots)(fungrad.ShapeDtypeStruct((3,), np.float64))


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_nan_and_inf_reach_only_numpys_outputs_under_jit(mode):
    # the traced path sums products inside the overlap only: 0 * nan in the padding spread a
    # NaN to every output under jit while eager (numpy) kept them local
    a = np.array([1.0, np.nan, 3.0, 4.0, 5.0, 2.0])
    v = np.array([1.0, np.inf, 2.0])
    with np.errstate(invalid="ignore"):
        for x, y in ((a, v), (v, a), (a, np.array([0.5, -1.0]))):
            for name in ("convolve", "correlate"):
                want = getattr(np, name)(x, y, mode)
                jitted = fungrad.jit(getattr(fnp, name), static_argnums=2)
                assert_same_as_numpy(jitted(x, y, mode), want)
                assert_same_as_numpy(getattr(fnp, name)(x, y, mode), want)


def test_correlate_conjugates_a_complex_v():
    rng = np.random.default_rng(3)
    a = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    v = rng.standard_normal(3) - 1j * rng.standard_normal(3)
    for x, y in ((a, v), (v, a), (a.real, v), (a, v.real), (a.astype(np.complex64), v.real)):
        for mode in ("full", "same", "valid"):
            want = np.correlate(x, y, mode)
            assert_same_as_numpy(fnp.correlate(x, y, mode), want)
            assert_same_as_numpy(fungrad.jit(fnp.correlate, static_argnums=2)(x, y, mode), want)
    assert_derivatives(lambda a, v: fnp.correlate(a, v, "full"), (a, v))
