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
