"""Reverse mode of a ``scan`` whose step is under ``checkpoint``: the backward loop reads the
carry each step returned (the next step's input carry, which the checkpoint keeps) instead of
recomputing the step, and stacks nothing more than the input carries. The gradients must be
those of the same scan without checkpoint (and of finite differences), eager and under jit,
forward and reversed, with several carries, with and without xs."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.partial_eval import keep_checkpointed_carries, merge_extended_scans
from tests.helpers import assert_derivatives, rand


def _rnn(checkpoint, reverse=False):
    """A tanh RNN over xs with two carries (the state and a running sum of it)."""
    def loss(w, u, h0, xs):
        def step(carry, x):
            h, s = carry
            h = fnp.tanh(x @ u + h @ w)
            return (h, s + h * h), fnp.sum(h)
        f = fungrad.checkpoint(step) if checkpoint else step
        (h, s), ys = lax.scan(f, (h0, fnp.zeros_like(h0)), xs, reverse=reverse)
        return fnp.sum(h ** 2) + 0.1 * fnp.sum(s) + 0.01 * fnp.sum(ys ** 2)
    return loss


def _no_xs(checkpoint, reverse=False):
    """A scan with no xs (length=): the carry is a matrix and a scalar."""
    def loss(a, h0):
        def step(carry, _):
            h, t = carry
            h = fnp.sin(h @ a) + t
            return (h, t * 0.9 + fnp.mean(h)), None
        f = fungrad.checkpoint(step) if checkpoint else step
        (h, t), _ = lax.scan(f, (h0, np.float64(0.5)), None, length=6, reverse=reverse)
        return fnp.sum(h * h) + t
    return loss


def _rnn_args(batch, hidden, inputs, steps, seed=0):
    return (rand((hidden, hidden), seed=seed, low=-0.5, high=0.5),
            rand((inputs, hidden), seed=seed + 1, low=-0.5, high=0.5),
            rand((batch, hidden), seed=seed + 2), rand((steps, batch, inputs), seed=seed + 3))


def _assert_close(ours, ref):
    for a, b in zip(fungrad.tree_util.tree_leaves(ours), fungrad.tree_util.tree_leaves(ref)):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", [(1, 3, 2, 4), (4, 5, 3, 7)])
@pytest.mark.parametrize("reverse", [False, True])
def test_rnn_gradients_match_the_scan_without_checkpoint(shape, reverse):
    args = _rnn_args(*shape)
    argnums = (0, 1, 2, 3)
    ref = fungrad.value_and_grad(_rnn(False, reverse), argnums)(*args)
    for transform in (lambda f: f, fungrad.jit):
        ours = transform(fungrad.value_and_grad(_rnn(True, reverse), argnums))(*args)
        _assert_close(ours, ref)


@pytest.mark.parametrize("reverse", [False, True])
def test_rnn_derivatives_against_finite_differences(reverse):
    assert_derivatives(_rnn(True, reverse), _rnn_args(2, 3, 2, 4), order=2, modes=("rev",))
    assert_derivatives(fungrad.jit(_rnn(True, reverse)), _rnn_args(1, 2, 2, 3), order=1,
                       modes=("rev",))


@pytest.mark.parametrize("reverse", [False, True])
def test_no_xs_gradients(reverse):
    args = (rand((3, 3), seed=4, low=-0.6, high=0.6), rand((2, 3), seed=5))
    ref = fungrad.value_and_grad(_no_xs(False, reverse), (0, 1))(*args)
    for transform in (lambda f: f, fungrad.jit):
        _assert_close(transform(fungrad.value_and_grad(_no_xs(True, reverse), (0, 1)))(*args),
                      ref)
    assert_derivatives(_no_xs(True, reverse), args, order=2, modes=("rev",))


def test_second_order_matches_the_scan_without_checkpoint():
    args = _rnn_args(2, 3, 2, 5)
    for reverse in (False, True):
        hess = [fungrad.jit(fungrad.hessian(_rnn(c, reverse)))(*args) for c in (False, True)]
        _assert_close(hess[1], hess[0])


def test_vmap_of_grad():
    w, u, h0, xs = _rnn_args(2, 3, 2, 4)
    ws = np.stack([w, 0.5 * w, -w])
    per = [fungrad.vmap(fungrad.grad(_rnn(c)), (0, None, None, None))(ws, u, h0, xs)
           for c in (False, True)]
    _assert_close(per[1], per[0])
    _assert_close(per[1][1], fungrad.grad(_rnn(True))(ws[1], u, h0, xs))


def test_policy_and_passthrough_carry():
    # a policy keeping the dots, and a carry the step returns unchanged (nothing to read)
    def loss(w, h0, xs):
        def step(carry, x):
            h, k = carry
            return (fnp.tanh(h @ w + x), k), fnp.sum(h * k)
        f = fungrad.checkpoint(step, policy=fungrad.checkpoint_policies.dots_saveable)
        (h, k), ys = lax.scan(f, (h0, h0 * 2.0), xs)
        return fnp.sum(h) + fnp.sum(ys)
    args = (rand((3, 3), seed=7, low=-0.5, high=0.5), rand((2, 3), seed=8),
            rand((4, 2, 3), seed=9))

    def plain(w, h0, xs):
        def step(carry, x):
            h, k = carry
            return (fnp.tanh(h @ w + x), k), fnp.sum(h * k)
        (h, k), ys = lax.scan(step, (h0, h0 * 2.0), xs)
        return fnp.sum(h) + fnp.sum(ys)
    ref = fungrad.value_and_grad(plain, (0, 1, 2))(*args)
    for transform in (lambda f: f, fungrad.jit):
        _assert_close(transform(fungrad.value_and_grad(loss, (0, 1, 2)))(*args), ref)


def _scans(closed):
    return [e for e in closed.jaxpr.eqns if e.primitive.name == "scan"]


def _primitives(closed):
    """The primitives a jaxpr runs, inside sub-jaxprs too."""
    names, todo = [], [closed.jaxpr]
    while todo:
        jaxpr = todo.pop()
        for eqn in jaxpr.eqns:
            names.append(eqn.primitive.name)
            todo.extend(p.jaxpr for p in eqn.params.values() if hasattr(p, "jaxpr"))
    return names


def test_backward_loop_does_not_recompute_the_step():
    args = _rnn_args(2, 3, 2, 5)
    closed = merge_extended_scans(fungrad.make_jaxpr(
        fungrad.value_and_grad(_rnn(True), (0, 1)))(*args))
    forward, backward = _scans(closed)  # one forward loop serves the primal and the residuals
    assert not backward.params["jaxpr"] is forward.params["jaxpr"]
    # the derivative of tanh reads the saved output: no tanh, and no more dots than the
    # backward loop of the scan without checkpoint runs (no forward dots)
    body = backward.params["jaxpr"]
    assert "tanh" not in _primitives(body)
    plain = merge_extended_scans(fungrad.make_jaxpr(
        fungrad.value_and_grad(_rnn(False), (0, 1)))(*args))
    plain_body = _scans(plain)[1].params["jaxpr"]
    assert _primitives(body).count("dot_general") == \
        _primitives(plain_body).count("dot_general") == 3  # dw, du, and dh of the step
    # the checkpoint keeps only the carries entering each step, as before: two carries in,
    # nothing stacked for the carries the step returns
    n_carry, n_ys = forward.params["num_carry"], 1
    stacked = forward.outvars[n_carry + n_ys:]
    assert [v.aval.shape for v in stacked] == [(5, 2, 3), (5, 2, 3)]


def test_output_carry_kept_once_without_checkpoint():
    # exp's derivative reads its output, the carry; the input carry is kept for w's
    # derivative: the output carry is handed over from it, not stacked a second time
    def loss(w, h0):
        h, _ = lax.scan(lambda h, _: (fnp.exp(h * w), None), h0, None, length=4)
        return fnp.sum(h)
    args = (np.array([0.3, -0.2]), np.array([0.1, 0.4]))
    closed = merge_extended_scans(fungrad.make_jaxpr(fungrad.grad(loss))(*args))
    forward, backward = _scans(closed)
    assert [v.aval.shape for v in forward.outvars[1:]] == [(4, 2)]
    assert_derivatives(loss, args, order=2, modes=("rev", "fwd"))
    assert_derivatives(fungrad.jit(loss), args, order=1, modes=("rev",))


def test_keep_checkpointed_carries_keeps_values_and_inputs():
    step = fungrad.checkpoint(lambda h, x: (fnp.tanh(h * x), fnp.sin(h)))
    body = fungrad.make_jaxpr(lambda h, x: step(h, x))(np.ones(2), np.ones(2))
    new, aliases = keep_checkpointed_carries(body, 1)
    assert new.jaxpr.invars == body.jaxpr.invars and len(aliases) == 1
    eqn = new.jaxpr.eqns[0]
    assert eqn.params["num_res"] == 1 and new.jaxpr.outvars[0] is eqn.outvars[2]
    x, h = rand((2,), seed=1), rand((2,), seed=2)
    for a, b in zip(new(h, x), body(h, x)):
        np.testing.assert_array_equal(a, b)
    # no checkpoint, or none returning a carry: the body itself
    plain = fungrad.make_jaxpr(lambda h, x: (fnp.tanh(h * x), h))(np.ones(2), np.ones(2))
    assert keep_checkpointed_carries(plain, 1) == (plain, [])
    assert keep_checkpointed_carries(body, 0) == (body, [])


def _counted(checkpoint, reverse):
    """A float carry and an int counter, both returned by the checkpointed step."""
    def loss(w, xs):
        def step(carry, x):
            h, n = carry
            h = fnp.tanh(h * w + x)
            return (h, n + 1), h * n
        f = fungrad.checkpoint(step) if checkpoint else step
        (h, n), ys = lax.scan(f, (fnp.zeros(3), np.int32(0)), xs, reverse=reverse)
        return fnp.sum(h) + fnp.sum(ys)
    return loss


def _nested(checkpoint):
    """A checkpointed step that runs a scan of its own."""
    def loss(w, xs):
        def step(h, x):
            g, _ = lax.scan(lambda g, _: (fnp.sin(g * w + x), None), h, None, length=3)
            return g, None
        h, _ = lax.scan(fungrad.checkpoint(step) if checkpoint else step, fnp.ones(3), xs)
        return fnp.sum(h ** 2)
    return loss


@pytest.mark.parametrize("make, reverses", [(_counted, (False, True)), (_nested, (None,))])
def test_int_carry_and_nested_scan(make, reverses):
    args = (np.array([0.3, -0.5, 0.8]), rand((5, 3), seed=11))
    for reverse in reverses:
        mk = (lambda c: make(c, reverse)) if reverse is not None else make
        ref = fungrad.value_and_grad(mk(False), (0, 1))(*args)
        for transform in (lambda f: f, fungrad.jit):
            _assert_close(transform(fungrad.value_and_grad(mk(True), (0, 1)))(*args), ref)
        _assert_close(fungrad.hessian(mk(True))(*args), fungrad.hessian(mk(False))(*args))
