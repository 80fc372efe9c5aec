"""``fungrad.example_libraries.optimizers``: three steps of each optimizer on a quadratic
against a hand-written numpy version of the documented update (and JAX's recorded
parameters), under ``jit``, with schedules; the pytree machinery and its errors."""
from __future__ import annotations

import os

import numpy as np
import pytest

import fungrad
from fungrad.example_libraries import optimizers
from fungrad import tree_util

from fixtures.make_optimizer_fixtures import A, B, OPTIMIZERS, X0

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


# ---------------------------------------------------------------------------------------------
# The updates, by hand, in numpy: (init(x0) -> state, update(i, g, state) -> state, x of state)
# ---------------------------------------------------------------------------------------------

def np_sgd(lr):
    return (lambda x: x), (lambda i, g, x: x - lr * g), (lambda x: x)


def np_momentum(lr, mass, nesterov=False):
    def update(i, g, s):
        x, v = s
        v = mass * v + g
        return x - lr * ((mass * v + g) if nesterov else v), v
    return (lambda x: (x, np.zeros_like(x))), update, (lambda s: s[0])


def np_adagrad(lr, momentum=0.9):
    def update(i, g, s):
        x, gsq, m = s
        gsq = gsq + g ** 2
        with np.errstate(divide="ignore"):
            inv = np.where(gsq > 0, 1 / np.sqrt(gsq), 0.0)
        m = (1 - momentum) * g * inv + momentum * m
        return x - lr * m, gsq, m
    return (lambda x: (x, np.zeros_like(x), np.zeros_like(x))), update, (lambda s: s[0])


def np_rmsprop(lr, gamma=0.9, eps=1e-8, momentum=None):
    def update(i, g, s):
        x, r, mom = s
        r = gamma * r + (1 - gamma) * g ** 2
        if momentum is None:
            return x - lr * g / np.sqrt(r + eps), r, mom
        mom = momentum * mom + lr * g / np.sqrt(r + eps)
        return x - mom, r, mom
    return (lambda x: (x, np.zeros_like(x), np.zeros_like(x))), update, (lambda s: s[0])


def np_adam(lr, b1=0.9, b2=0.999, eps=1e-8):
    def update(i, g, s):
        x, m, v = s
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * g ** 2 + b2 * v
        mhat, vhat = m / (1 - b1 ** (i + 1)), v / (1 - b2 ** (i + 1))
        return x - lr * mhat / (np.sqrt(vhat) + eps), m, v
    return (lambda x: (x, np.zeros_like(x), np.zeros_like(x))), update, (lambda s: s[0])


def np_adamax(lr, b1=0.9, b2=0.999, eps=1e-8):
    def update(i, g, s):
        x, m, u = s
        m = (1 - b1) * g + b1 * m
        u = np.maximum(b2 * u, np.abs(g))
        return x - lr / (1 - b1 ** (i + 1)) * m / (u + eps), m, u
    return (lambda x: (x, np.zeros_like(x), np.zeros_like(x))), update, (lambda s: s[0])


def np_sm3(lr, momentum=0.9):
    """One accumulator per row and per column (2-d) or per entry (1-d)."""
    def init(x):
        return x, np.zeros_like(x), [np.zeros(n) for n in x.shape]

    def update(i, g, s):
        x, m, vs = s
        if x.ndim == 2:
            accum = np.minimum(vs[0][:, None], vs[1][None, :]) + g ** 2
            new_vs = [accum.max(axis=1), accum.max(axis=0)]
        else:
            accum = vs[0] + g ** 2
            new_vs = [accum]
        with np.errstate(divide="ignore"):
            inv = np.where(accum > 0, 1 / np.sqrt(accum), 0.0)
        m = (1 - momentum) * g * inv + momentum * m
        return x - lr * m, m, new_vs
    return init, update, (lambda s: s[0])


NUMPY = {
    "sgd": lambda: np_sgd(0.1),
    "momentum": lambda: np_momentum(0.1, 0.9),
    "nesterov": lambda: np_momentum(0.1, 0.9, nesterov=True),
    "adagrad": lambda: np_adagrad(0.3),
    "rmsprop": lambda: np_rmsprop(0.05),
    "rmsprop_momentum": lambda: np_rmsprop(0.05, momentum=0.9),
    "adam": lambda: np_adam(0.1),
    "adamax": lambda: np_adamax(0.1),
    "sm3": lambda: np_sm3(0.3),
}


def quadratic_grads(params):
    return {"w": A * params["w"] + B, "v": A[0] * params["v"] + B[0]}


def run_numpy(name, steps=3):
    out = {}
    for key, x0, a, b in (("w", X0, A, B), ("v", X0[0], A[0], B[0])):
        init, update, get = NUMPY[name]()
        state = init(x0)
        for i in range(steps):
            state = update(i, a * get(state) + b, state)
        out[key] = get(state)
    return out


def make(name):
    maker, args, kwargs = OPTIMIZERS[name]
    return getattr(optimizers, maker)(*args, **kwargs)


def run_fungrad(name, steps=3, jit=False):
    init, update, get_params = make(name)
    if jit:
        update = fungrad.jit(update)
    state = init({"w": X0, "v": X0[0]})
    for i in range(steps):
        state = update(i, quadratic_grads(get_params(state)), state)
    return get_params(state)


def test_every_optimizer_is_checked():
    assert set(NUMPY) == set(OPTIMIZERS)
    assert all(callable(getattr(optimizers, n)) for n in NUMPY)


@pytest.mark.parametrize("name", sorted(NUMPY))
def test_three_steps_match_numpy_and_jax(name):
    ours = run_fungrad(name)
    expected = run_numpy(name)
    jax_values = np.load(os.path.join(FIXTURES, "optimizers.npz"))
    for key in ("w", "v"):
        assert ours[key].shape == expected[key].shape and ours[key].dtype == np.float64
        np.testing.assert_allclose(ours[key], expected[key], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(ours[key], jax_values[f"{name}/{key}"], rtol=1e-12,
                                   atol=1e-14)
        assert not np.allclose(ours[key], X0 if key == "w" else X0[0])  # it moved


@pytest.mark.parametrize("name", sorted(NUMPY))
def test_under_jit(name):
    ours = run_fungrad(name, jit=True)
    expected = run_numpy(name)
    for key in ("w", "v"):
        np.testing.assert_allclose(ours[key], expected[key], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["sgd", "adam", "sm3"])
def test_float32_stays_float32(name):
    init, update, get_params = make(name)
    x = X0.astype(np.float32)
    state = init(x)
    for i in range(2):
        state = update(i, (A * get_params(state) + B).astype(np.float32), state)
    assert get_params(state).dtype == np.float32
    floats = [leaf for leaf in tree_util.tree_leaves(state)  # (sm3 keeps the shape's ints)
              if np.asarray(leaf).dtype.kind == "f"]
    assert floats and all(np.asarray(leaf).dtype == np.float32 for leaf in floats)


def test_scalar_parameters_and_sm3_shapes():
    for name in NUMPY:
        init, update, get_params = make(name)
        state = update(0, 2.0, init(1.5))
        assert np.shape(get_params(state)) == ()
    init, update, get_params = optimizers.sm3(0.1)
    state = update(0, np.ones((2, 3, 4)), init(np.zeros((2, 3, 4))))
    assert get_params(state).shape == (2, 3, 4)
    assert [v.shape for v in state.packed_state[0][2:5]] == [(2,), (3,), (4,)]


# ---------------------------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------------------------

def test_schedules():
    steps = np.arange(0, 40, 3)
    s = optimizers.exponential_decay(0.5, 10, 0.3)
    np.testing.assert_allclose([s(i) for i in steps], 0.5 * 0.3 ** (steps / 10), rtol=1e-14)
    s = optimizers.inverse_time_decay(0.5, 10, 2.0)
    np.testing.assert_allclose([s(i) for i in steps], 0.5 / (1 + 2.0 * steps / 10), rtol=1e-14)
    s = optimizers.inverse_time_decay(0.5, 10, 2.0, staircase=True)
    np.testing.assert_allclose([s(i) for i in steps], 0.5 / (1 + 2.0 * (steps // 10)),
                               rtol=1e-14)
    s = optimizers.polynomial_decay(0.5, 20, 0.1, power=2.0)
    np.testing.assert_allclose([s(i) for i in steps],
                               (1 - np.minimum(steps, 20) / 20) ** 2 * 0.4 + 0.1, rtol=1e-14)
    s = optimizers.piecewise_constant([5, 20], [1.0, 0.5, 0.25])
    np.testing.assert_array_equal([s(i) for i in steps],
                                  np.where(steps <= 5, 1.0, np.where(steps <= 20, 0.5, 0.25)))
    assert optimizers.constant(0.3)(7) == 0.3
    # a traced step number works (inside jit)
    np.testing.assert_allclose(fungrad.jit(optimizers.piecewise_constant([5], [1.0, 2.0]))(9),
                               2.0)
    np.testing.assert_allclose(fungrad.jit(optimizers.exponential_decay(1.0, 2, 0.5))(4), 0.25)


def test_a_schedule_drives_the_step_size():
    schedule = optimizers.exponential_decay(0.2, 1, 0.5)
    init, update, get_params = optimizers.sgd(schedule)
    state = init(X0)
    x = X0
    for i in range(3):
        g = A * get_params(state) + B
        state = update(i, g, state)
        x = x - 0.2 * 0.5 ** i * (A * x + B)
    np.testing.assert_allclose(get_params(state), x, rtol=1e-14)


def test_schedule_errors():
    with pytest.raises(ValueError, match="one shorter"):
        optimizers.piecewise_constant([1, 2], [1.0, 2.0])
    with pytest.raises(ValueError, match="sequences"):
        optimizers.piecewise_constant(1, [1.0, 2.0])
    with pytest.raises(TypeError, match="make_schedule"):
        optimizers.sgd(np.ones(3))


# ---------------------------------------------------------------------------------------------
# Gradient utilities, the state pytree and its errors
# ---------------------------------------------------------------------------------------------

def test_l2_norm_and_clip_grads():
    tree = {"a": np.array([1.0, -2.0]), "b": (np.array([[3.0]]), np.array(4.0))}
    norm = np.sqrt(1 + 4 + 9 + 16)
    np.testing.assert_allclose(optimizers.l2_norm(tree), norm, rtol=1e-15)
    clipped = optimizers.clip_grads(tree, 1.0)
    for c, t in zip(tree_util.tree_leaves(clipped), tree_util.tree_leaves(tree)):
        np.testing.assert_allclose(c, t / norm, rtol=1e-15)
    kept = optimizers.clip_grads(tree, 100.0)
    for c, t in zip(tree_util.tree_leaves(kept), tree_util.tree_leaves(tree)):
        np.testing.assert_array_equal(c, t)
    # differentiable: d|x| / dx = x / |x|
    x = np.array([3.0, 4.0])
    np.testing.assert_allclose(fungrad.grad(optimizers.l2_norm)(x), x / 5.0, rtol=1e-15)


def test_state_is_a_pytree_and_packs():
    init, update, get_params = optimizers.adam(0.1)
    params = {"w": X0, "v": [X0[0], 2.0]}
    state = init(params)
    assert isinstance(state, optimizers.OptimizerState)
    leaves, treedef = tree_util.tree_flatten(state)
    assert len(leaves) == 3 * 3  # (x, m, v) for each of the three parameters
    again = tree_util.tree_unflatten(treedef, leaves)
    assert tree_util.tree_structure(get_params(again)) == tree_util.tree_structure(params)
    marked = optimizers.unpack_optimizer_state(state)
    assert isinstance(marked["w"], optimizers.JoinPoint)
    np.testing.assert_array_equal(marked["w"].subtree[0], X0)
    repacked = optimizers.pack_optimizer_state(marked)
    assert tree_util.tree_structure(repacked) == treedef
    with pytest.raises(TypeError, match="JoinPoint"):
        optimizers.pack_optimizer_state({"w": 1.0})
    # jit passes the state through, and returns the same structure
    grads = tree_util.tree_map(np.ones_like, params)
    new = fungrad.jit(update)(0, grads, state)
    assert tree_util.tree_structure(new) == treedef


def test_gradient_tree_must_match():
    init, update, get_params = optimizers.momentum(0.1, 0.9)
    state = init({"w": np.ones(2)})
    with pytest.raises(TypeError, match="did not match the parameter tree"):
        update(0, {"b": np.ones(2)}, state)
    # and the next call works
    np.testing.assert_allclose(get_params(update(0, {"w": np.ones(2)}, state))["w"], 0.9)


def test_training_a_model_end_to_end():
    """Adam minimizes a least-squares fit: the loss falls by a factor of 100."""
    rng = np.random.default_rng(0)
    X, w_true = rng.normal(size=(50, 3)), np.array([1.0, -2.0, 0.5])
    y = X @ w_true

    def loss(w):
        return fungrad.numpy.mean((X @ w - y) ** 2)

    init, update, get_params = optimizers.adam(0.1)
    state = init(np.zeros(3))
    step = fungrad.jit(lambda i, s: update(i, fungrad.grad(loss)(get_params(s)), s))
    for i in range(200):
        state = step(i, state)
    assert loss(get_params(state)) < loss(np.zeros(3)) / 100
