"""Table-driven checks of ``fungrad.numpy`` functions against numpy, built on the shared
helpers in ``helpers.py``.

A table row is ``(name, fn, spec_lists)``: ``fn(m, *args)`` is called with ``m = fungrad.numpy``
and with ``m = numpy``. Each spec list gives the arguments of one case: a shape tuple becomes a
random float array of the dtype under test, anything else (integer index arrays...) is passed
as is.
"""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy, assert_traces_and_replays, rand

FLOATS = [np.float32, np.float64]


def make_args(specs, dtype, seed=0):
    return tuple(rand(s, dtype, seed=seed + i) if isinstance(s, tuple) else s
                 for i, s in enumerate(specs))


def leaves(x):
    return fungrad.tree_util.tree_leaves(x)


def _spec_id(s):
    return str(s) if isinstance(s, tuple) else f"i{np.shape(s)}"


def table_params(table, skip=()):
    """One ``pytest.param(fn, specs)`` per case of every row (rows named in ``skip`` left
    out)."""
    return [pytest.param(fn, specs, id=f"{name}-{'x'.join(map(_spec_id, specs))}")
            for name, fn, spec_list in table if name not in skip for specs in spec_list]


def check_value(fn, specs, dtype):
    """Eager result: same structure, values, shapes and dtypes as numpy's."""
    args = make_args(specs, dtype)
    ours, theirs = fn(fnp, *args), fn(np, *args)
    assert isinstance(ours, (list, tuple)) == isinstance(theirs, (list, tuple))
    ours_l, theirs_l = leaves(ours), leaves(theirs)
    assert len(ours_l) == len(theirs_l)
    for o, t in zip(ours_l, theirs_l):
        assert_same_as_numpy(o, t)


def check_trace(fn, specs, dtype):
    """The IR is valid and replays on new inputs; the traced outputs have numpy's shapes and
    dtypes (the eager values are checked against numpy separately)."""
    f = lambda *a: fn(fnp, *a)  # noqa: E731
    new = make_args(specs, dtype, 100)
    closed = assert_traces_and_replays(f, make_args(specs, dtype, 0), new,
                                       rtol=1e-6 if dtype == np.float32 else 1e-12)
    theirs = leaves(fn(np, *new))
    assert [a.dtype for a in closed.out_avals] == [np.asarray(t).dtype for t in theirs]
    assert [a.shape for a in closed.out_avals] == [np.shape(t) for t in theirs]


def float_args_only(fn, args):
    """``fn(fnp, ...)`` as a function of its float arguments alone (others closed over)."""
    pos = [i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]

    def f(*fargs):
        full = list(args)
        for i, a in zip(pos, fargs):
            full[i] = a
        return fn(fnp, *full)
    return f, tuple(args[i] for i in pos)


def check_derivatives(fn, specs, **tols):
    """First and second order, forward and reverse, against finite differences (float64)."""
    assert_derivatives(*float_args_only(fn, make_args(specs, np.float64)), **tols)


def check_float32_grad_dtype(fn, specs):
    """Reverse mode on float32 inputs gives float32 cotangents of the inputs' shapes."""
    f, args = float_args_only(fn, make_args(specs, np.float32))
    out, pullback = fungrad.vjp(f, *args)
    ct = fungrad.tree_util.tree_map(lambda o: np.ones(np.shape(o), np.asarray(o).dtype), out)
    for a, c in zip(args, pullback(ct)):
        assert np.asarray(c).dtype == np.float32, (np.asarray(c).dtype, a.dtype)
        assert np.shape(c) == np.shape(a)


def check_jit_vmap(fn, specs, dtype):
    """Under ``jit`` the value is numpy's; under ``vmap`` over a batch of 2 of every float
    argument, each slice is numpy's value on that slice."""
    args = make_args(specs, dtype)
    jitted = fungrad.jit(lambda *a: fn(fnp, *a))(*args)
    for o, t in zip(leaves(jitted), leaves(fn(np, *args))):
        assert_same_as_numpy(o, t)
    pos = [i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]
    if not pos:
        return
    batches = [np.stack([args[i], make_args(specs, dtype, 7)[i]]) for i in pos]

    def per_example(*fargs):
        full = list(args)
        for i, a in zip(pos, fargs):
            full[i] = a
        return fn(fnp, *full)
    batched = fungrad.vmap(per_example)(*batches)
    for k in range(2):
        full = list(args)
        for i, b in zip(pos, batches):
            full[i] = b[k]
        for o, t in zip(leaves(batched), leaves(fn(np, *full))):
            assert_same_as_numpy(np.asarray(o)[k], t)


def table_tests(table, *, eager_only=(), nondiff=()):
    """The standard tests of a table, for a test module to bind at its top level:

        test_values, test_trace_jit_vmap, test_derivatives = table_tests(TABLE, ...)

    values against numpy for every row (float32 and float64); the traced IR, ``jit`` and
    ``vmap`` for the rows not in ``eager_only``; derivatives (and float32 cotangents) for
    the rows not in ``nondiff``. numpy's floating-point warnings are silenced: the cases
    with infinities and NaNs are there on purpose."""
    @pytest.mark.parametrize("dtype", FLOATS)
    @pytest.mark.parametrize("fn,specs", table_params(table))
    def test_values(fn, specs, dtype):
        with np.errstate(all="ignore"):
            check_value(fn, specs, dtype)

    @pytest.mark.parametrize("dtype", FLOATS)
    @pytest.mark.parametrize("fn,specs", table_params(table, skip=eager_only))
    def test_trace_jit_vmap(fn, specs, dtype):
        with np.errstate(all="ignore"):
            check_trace(fn, specs, dtype)
            check_jit_vmap(fn, specs, dtype)

    @pytest.mark.parametrize("fn,specs", table_params(table, skip=set(nondiff)))
    def test_derivatives(fn, specs):
        check_derivatives(fn, specs)
        check_float32_grad_dtype(fn, specs)

    return test_values, test_trace_jit_vmap, test_derivatives
