"""``jax.example_libraries.optimizers``: optimizers as ``(init_fun, update_fun, get_params)``
triples over any pytree of parameters.

``init_fun(params) -> opt_state``; ``update_fun(step, grads, opt_state) -> opt_state``;
``get_params(opt_state) -> params``. Each optimizer is written for one array and lifted to
pytrees by the ``@optimizer`` decorator; the state is an ``OptimizerState`` pytree, so it
passes through ``jit``. The update rules are JAX's, step for step (step counter from 0,
epsilon outside the square root for adam), so a script gives the same parameters.

>>> import numpy as np, fungrad
>>> init, update, get_params = adam(0.1)
>>> state = init({"w": np.array([1.0, -2.0])})
>>> grad = fungrad.grad(lambda p: fungrad.numpy.sum(p["w"] ** 2))
>>> for i in range(3):
...     state = update(i, grad(get_params(state)), state)
>>> get_params(state)["w"]  # what jax.example_libraries.optimizers gives
array([ 0.70158627, -1.70062339])
"""
from __future__ import annotations

import functools
from collections import namedtuple
from typing import Any, Callable, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad import tree_util

Schedule = Callable[[Any], Any]

OptimizerState = namedtuple("OptimizerState", ["packed_state", "tree_def", "subtree_defs"])
OptimizerState.__doc__ = """The state of a pytree optimizer: the flat list of per-leaf states
(the pytree's children), with the parameters' tree structure and each leaf state's
structure (static data).

>>> init, update, get_params = sgd(0.5)
>>> state = init((1.0, 2.0))
>>> len(tree_util.tree_leaves(state))
2
"""
tree_util.register_pytree_node(
    OptimizerState,
    lambda s: ((s.packed_state,), (s.tree_def, s.subtree_defs)),
    lambda data, children: OptimizerState(children[0], data[0], data[1]))


class Optimizer(NamedTuple):
    """An ``(init_fn, update_fn, params_fn)`` triple, unpacked as ``init, update, get``.

    >>> opt = sgd(0.5)
    >>> float(opt.params_fn(opt.update_fn(0, 2.0, opt.init_fn(3.0))))
    2.0
    """
    init_fn: Callable
    update_fn: Callable
    params_fn: Callable


def _flatten_states(states):
    flat, defs = [], []
    for state in states:
        leaves, treedef = tree_util.tree_flatten(state)
        flat.append(leaves)
        defs.append(treedef)
    return flat, tuple(defs)


def optimizer(opt_maker: Callable) -> Callable[..., Optimizer]:
    """Decorator: lift an optimizer written for one array (``init(x0) -> state``,
    ``update(i, g, state) -> state``, ``get_params(state) -> x``) to pytrees of them.

    >>> @optimizer
    ... def halve(step_size):
    ...     return (lambda x0: x0), (lambda i, g, x: x - step_size * g), (lambda x: x)
    >>> init, update, get_params = halve(0.5)
    >>> get_params(update(0, {"a": 2.0}, init({"a": 1.0})))
    {'a': 0.0}
    """
    @functools.wraps(opt_maker)
    def tree_opt_maker(*args, **kwargs):
        init, update, get_params = opt_maker(*args, **kwargs)

        @functools.wraps(init)
        def tree_init(x0_tree):
            x0_flat, tree = tree_util.tree_flatten(x0_tree)
            states_flat, subtrees = _flatten_states([init(x0) for x0 in x0_flat])
            return OptimizerState(states_flat, tree, subtrees)

        @functools.wraps(update)
        def tree_update(i, grad_tree, opt_state):
            states_flat, tree, subtrees = opt_state
            grad_flat, tree2 = tree_util.tree_flatten(grad_tree)
            if tree2 != tree:
                raise TypeError("optimizer update function was passed a gradient tree that did "
                                "not match the parameter tree structure with which it was "
                                f"initialized: parameter tree {tree} and grad tree {tree2}.")
            states = [tree_util.tree_unflatten(d, s) for d, s in zip(subtrees, states_flat)]
            new_states = [update(i, g, s) for g, s in zip(grad_flat, states)]
            new_flat, subtrees2 = _flatten_states(new_states)
            for subtree, subtree2 in zip(subtrees, subtrees2):
                if subtree2 != subtree:
                    raise TypeError("optimizer update function produced an output structure "
                                    "that did not match its input structure: input "
                                    f"{subtree} and output {subtree2}.")
            return OptimizerState(new_flat, tree, subtrees)

        @functools.wraps(get_params)
        def tree_get_params(opt_state):
            states_flat, tree, subtrees = opt_state
            states = [tree_util.tree_unflatten(d, s) for d, s in zip(subtrees, states_flat)]
            return tree_util.tree_unflatten(tree, [get_params(s) for s in states])

        return Optimizer(tree_init, tree_update, tree_get_params)

    return tree_opt_maker


# ---------------------------------------------------------------------------------------------
# Optimizers
# ---------------------------------------------------------------------------------------------

def _init_with_zeros(n: int) -> Callable:
    """init(x0) -> (x0, and n zero arrays like it): the state of most optimizers."""
    def init(x0):
        return (x0,) + tuple(fnp.zeros_like(x0) for _ in range(n))
    return init


def _params(state):
    """The parameters: the first entry of a state tuple."""
    return state[0]


@optimizer
def sgd(step_size):
    """Stochastic gradient descent: x <- x - step_size(i) g.

    >>> init, update, get_params = sgd(0.1)
    >>> get_params(update(0, np.array([1.0, 2.0]), init(np.zeros(2))))
    array([-0.1, -0.2])
    """
    step_size = make_schedule(step_size)

    def init(x0):
        return x0

    def update(i, g, x):
        return x - step_size(i) * g

    def get_params(x):
        return x

    return Optimizer(init, update, get_params)


@optimizer
def momentum(step_size, mass: float):
    """Heavy-ball momentum: v <- mass v + g; x <- x - step_size(i) v.

    >>> init, update, get_params = momentum(0.1, mass=0.9)
    >>> state = update(1, 1.0, update(0, 1.0, init(0.0)))
    >>> round(float(get_params(state)), 12)  # -0.1 (1) - 0.1 (1.9)
    -0.29
    """
    step_size = make_schedule(step_size)

    init = _init_with_zeros(1)

    def update(i, g, state):
        x, velocity = state
        velocity = mass * velocity + g
        return x - step_size(i) * velocity, velocity

    return init, update, _params


@optimizer
def nesterov(step_size, mass: float):
    """Nesterov momentum: v <- mass v + g; x <- x - step_size(i) (mass v + g).

    >>> init, update, get_params = nesterov(0.1, mass=0.9)
    >>> round(float(get_params(update(0, 1.0, init(0.0)))), 12)
    -0.19
    """
    step_size = make_schedule(step_size)

    init = _init_with_zeros(1)

    def update(i, g, state):
        x, velocity = state
        velocity = mass * velocity + g
        return x - step_size(i) * (mass * velocity + g), velocity

    return init, update, _params


@optimizer
def adagrad(step_size, momentum: float = 0.9):
    """Adagrad with momentum: G <- G + g^2; m <- (1 - momentum) g / sqrt(G) + momentum m
    (a zero G gives a zero step); x <- x - step_size(i) m.

    >>> init, update, get_params = adagrad(1.0)
    >>> round(float(get_params(update(0, 4.0, init(0.0)))), 12)  # -(0.1 * 4 / 4)
    -0.1
    """
    step_size = make_schedule(step_size)

    init = _init_with_zeros(2)

    def update(i, g, state):
        x, g_sq, m = state
        g_sq = g_sq + fnp.square(g)
        positive = fnp.greater(g_sq, 0)
        g_sq_inv_sqrt = fnp.where(positive, 1.0 / fnp.sqrt(fnp.where(positive, g_sq, 1.0)), 0.0)
        m = (1.0 - momentum) * (g * g_sq_inv_sqrt) + momentum * m
        return x - step_size(i) * m, g_sq, m

    return init, update, _params


@optimizer
def rmsprop(step_size, gamma: float = 0.9, eps: float = 1e-8):
    """RMSProp: r <- gamma r + (1 - gamma) g^2; x <- x - step_size(i) g / sqrt(r + eps).

    >>> init, update, get_params = rmsprop(0.1, eps=0.0)
    >>> round(float(get_params(update(0, 2.0, init(0.0)))), 12)  # -0.1 * 2 / sqrt(0.4)
    -0.316227766017
    """
    step_size = make_schedule(step_size)

    init = _init_with_zeros(1)

    def update(i, g, state):
        x, avg_sq_grad = state
        avg_sq_grad = avg_sq_grad * gamma + fnp.square(g) * (1.0 - gamma)
        return x - step_size(i) * g / fnp.sqrt(avg_sq_grad + eps), avg_sq_grad

    return init, update, _params


@optimizer
def rmsprop_momentum(step_size, gamma: float = 0.9, eps: float = 1e-8,
                     momentum: float = 0.9):
    """RMSProp with momentum: r as rmsprop; m <- momentum m + step_size(i) g / sqrt(r + eps);
    x <- x - m.

    >>> init, update, get_params = rmsprop_momentum(0.1, eps=0.0)
    >>> round(float(get_params(update(0, 2.0, init(0.0)))), 12)
    -0.316227766017
    """
    step_size = make_schedule(step_size)

    init = _init_with_zeros(2)

    def update(i, g, state):
        x, avg_sq_grad, mom = state
        avg_sq_grad = avg_sq_grad * gamma + fnp.square(g) * (1.0 - gamma)
        mom = momentum * mom + step_size(i) * g / fnp.sqrt(avg_sq_grad + eps)
        return x - mom, avg_sq_grad, mom

    return init, update, _params


@optimizer
def adam(step_size, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """Adam: m, v the moving averages of g and g^2, bias-corrected by 1 - b^(i+1);
    x <- x - step_size(i) mhat / (sqrt(vhat) + eps).

    >>> init, update, get_params = adam(0.1)
    >>> float(get_params(update(0, 3.0, init(1.0))))  # the first step is step_size * sign(g)
    0.9000000003333333
    """
    step_size = make_schedule(step_size)

    init = _init_with_zeros(2)

    def update(i, g, state):
        x, m, v = state
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * fnp.square(g) + b2 * v
        dtype = fnp.result_type(m)
        mhat = m / (1 - fnp.asarray(b1, dtype) ** (i + 1))
        vhat = v / (1 - fnp.asarray(b2, dtype) ** (i + 1))
        return x - step_size(i) * mhat / (fnp.sqrt(vhat) + eps), m, v

    return init, update, _params


@optimizer
def adamax(step_size, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """Adamax (Adam with the infinity norm): u <- max(b2 u, |g|);
    x <- x - step_size(i) / (1 - b1^(i+1)) m / (u + eps).

    >>> init, update, get_params = adamax(0.1, eps=0.0)
    >>> round(float(get_params(update(0, 3.0, init(1.0)))), 12)
    0.9
    """
    step_size = make_schedule(step_size)

    init = _init_with_zeros(2)

    def update(i, g, state):
        x, m, u = state
        m = (1 - b1) * g + b1 * m
        u = fnp.maximum(b2 * u, fnp.abs(g))
        correction = 1 - fnp.asarray(b1, fnp.result_type(m)) ** (i + 1)
        return x - step_size(i) / correction * m / (u + eps), m, u

    return init, update, _params


@optimizer
def sm3(step_size, momentum: float = 0.9):
    """SM3 (memory-efficient adaptive): one accumulator per axis of each parameter; the
    accumulator of an entry is the min over its axes' accumulators, plus g^2.

    >>> init, update, get_params = sm3(1.0)
    >>> get_params(update(0, np.array([[3.0, 4.0]]), init(np.zeros((1, 2)))))
    array([[-0.1, -0.1]])
    """
    step_size = make_schedule(step_size)

    def broadcast_into(ndim, v, axis):
        return fnp.reshape(v, tuple(-1 if a == axis else 1 for a in range(ndim)))

    def init(x0):
        x_shape = fnp.shape(x0)
        x0 = fnp.atleast_1d(x0)
        vs = [fnp.zeros(size, dtype=fnp.result_type(x0)) for size in fnp.shape(x0)]
        return x0, fnp.zeros_like(x0), vs, x_shape

    def update(i, g, state):
        x, m, vs, x_shape = state
        g = fnp.reshape(g, fnp.shape(x))
        ndim = len(fnp.shape(x))
        vs = [broadcast_into(ndim, v, axis) for axis, v in enumerate(vs)]
        accum = functools.reduce(fnp.minimum, vs) + fnp.square(g)
        positive = fnp.greater(accum, 0)
        accum_inv_sqrt = fnp.where(positive, 1.0 / fnp.sqrt(fnp.where(positive, accum, 1.0)),
                                   0.0)
        m = (1.0 - momentum) * (g * accum_inv_sqrt) + momentum * m
        x = x - step_size(i) * m
        vs = [fnp.max(accum, axis=tuple(a for a in range(ndim) if a != j)) if ndim > 1
              else accum for j in range(ndim)]
        return x, m, vs, x_shape

    def get_params(state):
        x, _, _, x_shape = state
        return fnp.reshape(x, x_shape)

    return init, update, get_params


# ---------------------------------------------------------------------------------------------
# Learning-rate schedules: functions of the step number i
# ---------------------------------------------------------------------------------------------

def constant(step_size) -> Schedule:
    """The same step size at every step.

    >>> constant(0.1)(1000)
    0.1
    """
    def schedule(i):
        return step_size
    return schedule


def exponential_decay(step_size, decay_steps, decay_rate) -> Schedule:
    """step_size * decay_rate ** (i / decay_steps).

    >>> exponential_decay(1.0, 10, 0.5)(20)
    0.25
    """
    def schedule(i):
        return step_size * decay_rate ** (i / decay_steps)
    return schedule


def inverse_time_decay(step_size, decay_steps, decay_rate, staircase: bool = False) -> Schedule:
    """step_size / (1 + decay_rate * i / decay_steps), with ``staircase`` floor(i / steps).

    >>> inverse_time_decay(1.0, 10, 1.0)(5), float(inverse_time_decay(1.0, 10, 1.0, True)(5))
    (0.6666666666666666, 1.0)
    """
    if staircase:
        def schedule(i):
            return step_size / (1 + decay_rate * fnp.floor(fnp.divide(i, decay_steps)))
    else:
        def schedule(i):
            return step_size / (1 + decay_rate * i / decay_steps)
    return schedule


def polynomial_decay(step_size, decay_steps, final_step_size, power: float = 1.0) -> Schedule:
    """From step_size to final_step_size over decay_steps as (1 - i / decay_steps) ** power,
    then constant.

    >>> float(polynomial_decay(1.0, 10, 0.0)(5)), float(polynomial_decay(1.0, 10, 0.0)(50))
    (0.5, 0.0)
    """
    def schedule(step_num):
        step_num = fnp.minimum(step_num, decay_steps)
        step_mult = (1 - step_num / decay_steps) ** power
        return step_mult * (step_size - final_step_size) + final_step_size
    return schedule


def piecewise_constant(boundaries: Any, values: Any) -> Schedule:
    """values[k] for steps in (boundaries[k-1], boundaries[k]].

    >>> schedule = piecewise_constant([10, 20], [1.0, 0.5, 0.1])
    >>> float(schedule(10)), float(schedule(11)), float(schedule(100))
    (1.0, 0.5, 0.1)
    """
    boundaries = np.array(boundaries)
    values = np.array(values)
    if not boundaries.ndim == values.ndim == 1:
        raise ValueError("piecewise_constant: boundaries and values must be sequences, got "
                         f"shapes {boundaries.shape} and {values.shape}")
    if not boundaries.shape[0] == values.shape[0] - 1:
        raise ValueError("piecewise_constant: boundaries length must be one shorter than "
                         f"values length, got {boundaries.shape[0]} and {values.shape[0]}")

    def schedule(i):
        return fnp.asarray(values)[fnp.sum(fnp.greater(i, boundaries))]
    return schedule


def make_schedule(scalar_or_schedule) -> Schedule:
    """A schedule as it is, a scalar as a constant schedule.

    >>> make_schedule(0.1)(5), make_schedule(lambda i: 1.0 / (i + 1))(3)
    (0.1, 0.25)
    """
    if callable(scalar_or_schedule):
        return scalar_or_schedule
    if np.ndim(scalar_or_schedule) == 0:
        return constant(scalar_or_schedule)
    raise TypeError(f"make_schedule: expected a scalar step size or a function of the step, "
                    f"got {type(scalar_or_schedule).__name__} of shape "
                    f"{np.shape(scalar_or_schedule)}")


# ---------------------------------------------------------------------------------------------
# Gradient utilities and state (un)packing
# ---------------------------------------------------------------------------------------------

def l2_norm(tree):
    """The l2 norm of all the leaves of a pytree taken together.

    >>> float(l2_norm({"a": np.array([3.0]), "b": np.array([[4.0]])}))
    5.0
    """
    leaves = tree_util.tree_leaves(tree)
    return fnp.sqrt(sum(fnp.vdot(x, x) for x in leaves))


def clip_grads(grad_tree, max_norm):
    """Scale a gradient pytree down to l2 norm ``max_norm`` if its norm exceeds it.

    >>> clip_grads([np.array([3.0, 4.0])], 1.0)
    [array([0.6, 0.8])]
    """
    norm = l2_norm(grad_tree)

    def normalize(g):
        return fnp.where(fnp.less(norm, max_norm), g, g * (max_norm / norm))

    return tree_util.tree_map(normalize, grad_tree)


class JoinPoint:
    """Marks the boundary between the parameters' tree and one leaf's optimizer state (a leaf
    of the tree ``unpack_optimizer_state`` returns).

    >>> list(JoinPoint((1.0, 2.0)))
    [(1.0, 2.0)]
    """

    def __init__(self, subtree):
        self.subtree = subtree

    def __iter__(self):
        yield self.subtree


def unpack_optimizer_state(opt_state):
    """The optimizer state as the parameters' pytree with a ``JoinPoint`` (holding that
    leaf's state) at each leaf, e.g. to pickle it.

    >>> init, update, get_params = momentum(0.1, 0.9)
    >>> marked = unpack_optimizer_state(init({"w": 1.0}))
    >>> marked["w"].subtree
    (1.0, np.float64(0.0))
    """
    states_flat, tree_def, subtree_defs = opt_state
    subtrees = [tree_util.tree_unflatten(d, s) for d, s in zip(subtree_defs, states_flat)]
    return tree_util.tree_unflatten(tree_def, [JoinPoint(s) for s in subtrees])


def pack_optimizer_state(marked_pytree):
    """Inverse of ``unpack_optimizer_state``.

    >>> init, update, get_params = momentum(0.1, 0.9)
    >>> state = init({"w": 1.0})
    >>> get_params(pack_optimizer_state(unpack_optimizer_state(state)))
    {'w': 1.0}
    """
    sentinels, tree_def = tree_util.tree_flatten(marked_pytree)
    if not all(isinstance(s, JoinPoint) for s in sentinels):
        bad = next(type(s).__name__ for s in sentinels if not isinstance(s, JoinPoint))
        raise TypeError("pack_optimizer_state: every leaf must be a JoinPoint (as made by "
                        f"unpack_optimizer_state), got a {bad}")
    states_flat, subtree_defs = _flatten_states([s.subtree for s in sentinels])
    return OptimizerState(states_flat, tree_def, subtree_defs)
