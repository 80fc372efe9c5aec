"""Shared checks for the test suite: values against numpy, traced IR validity, derivatives
against finite differences. Every test module uses these instead of its own copies."""
from __future__ import annotations

import numpy as np

import fungrad
from fungrad import check_jaxpr
from fungrad.test_util import check_grads


def assert_same_as_numpy(ours, theirs, rtol=None, atol=0.0):
    """Same value, same dtype, same shape as numpy's result (float32 gets a looser rtol)."""
    ours_a, theirs_a = np.asarray(ours), np.asarray(theirs)
    assert ours_a.dtype == theirs_a.dtype, (ours_a.dtype, theirs_a.dtype)
    assert ours_a.shape == theirs_a.shape, (ours_a.shape, theirs_a.shape)
    if rtol is None:
        rtol = 1e-5 if ours_a.dtype in (np.float32, np.complex64) else 1e-12
    if ours_a.dtype.kind in "fc":
        np.testing.assert_allclose(ours_a, theirs_a, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(ours_a, theirs_a)


def assert_traces_and_replays(fn, args, new_args, rtol=1e-12):
    """``fn`` traces to a valid IR, and evaluating that IR on ``new_args`` gives what ``fn``
    gives on them eagerly."""
    closed = fungrad.make_jaxpr(fn)(*args)
    check_jaxpr(closed)
    flat_new = fungrad.tree_util.tree_leaves(tuple(new_args))
    replayed = fungrad.eval_jaxpr(closed.jaxpr, closed.consts, *flat_new)
    expected = fungrad.tree_util.tree_leaves(fn(*new_args))
    assert len(replayed) == len(expected)
    for r, e in zip(replayed, expected):
        assert_same_as_numpy(r, e, rtol=rtol)
    return closed


def assert_derivatives(fn, args, order=2, modes=("fwd", "rev"), **tols):
    """First- and second-order derivatives in both modes against central differences."""
    check_grads(fn, tuple(args), order=order, modes=modes, **tols)


def rand(shape, dtype=np.float64, seed=0, low=-2.0, high=2.0):
    """A reproducible random array (or scalar for shape ())."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=shape)
    return np.asarray(x, dtype=dtype)


def tutorial(a, m=None):
    """The autodiff tutorial's function, written against a numpy-like module ``m``
    (fungrad.numpy by default; numpy gives the reference): double b until its norm reaches
    1000, then keep it or multiply it by 100."""
    if m is None:
        import fungrad.numpy as m
    b = a * 2
    while m.linalg.norm(b) < 1000:
        b = b * 2
    c = b if m.sum(b) > 0 else 100 * b
    return c


def assert_float32_derivatives(f, x64, atol, elementwise=False):
    """float32 in, float32 derivatives out (grad and jvp), agreeing with float64's; for an
    elementwise ``f`` the jvp along ones is also the gradient of its sum. Then the float32
    derivatives against finite differences."""
    x32 = x64.astype(np.float32)
    g32 = fungrad.grad(lambda x: fungrad.numpy.sum(f(x)))(x32)
    g64 = fungrad.grad(lambda x: fungrad.numpy.sum(f(x)))(x64)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=atol)
    out, t = fungrad.jvp(f, (x32,), (np.ones(x32.shape, np.float32),))
    assert out.dtype == np.float32 and t.dtype == np.float32
    if elementwise:
        np.testing.assert_allclose(t, g64, rtol=1e-4, atol=atol)
    assert_derivatives(f, (x32,))
