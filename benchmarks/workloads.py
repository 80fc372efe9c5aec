"""The benchmark workloads: inputs, hand-written numpy floors, library-neutral losses.

Each workload has
  * `make_inputs()`: (params, data) as numpy arrays, from a fixed seed;
  * `numpy_impl(params, data)`: the hand-written forward + backward pass in
    plain numpy, the floor every library is compared to and the reference
    its results are checked against;
  * `make_loss(np, nn)`: the same loss written once against a numpy-like
    namespace, returning a FRESH function object each call (so a jit's
    caches, which key on the function, start empty when it is measured).

An `Impl` is one row of the results: the numpy floor, or one library (see
backends.py) in one mode (eager or jit); `Impl.build` turns a workload into
the function that is timed.  `selftest` checks every numpy floor against
central finite differences.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import functools
import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from backends import Backend
from harness import tree_flatten, tree_map, tree_replace_leaves


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    dtype: type
    make_inputs: Callable  # () -> (params, data), numpy arrays
    numpy_impl: Callable  # (params, data) -> output, hand-written
    make_loss: Callable  # (np, nn) -> loss(params, data) -> scalar
    # "value_and_grad": output is (loss, grads w.r.t. params);
    # "hvp": params is W1 and data is (v, other params, batch); output is H v;
    # "per_example_grad": vmap(grad(loss), in_axes=(None, 0)): one gradient per example of
    #   the batch `data`, stacked on a leading axis;
    # "jacrev": the reverse-mode Jacobian of loss(params, data) w.r.t. params.
    transform: str = "value_and_grad"
    # Backend attributes make_loss takes as keywords besides (np, nn), e.g. ("lax",); a
    # library without one of them gets an n/a row.
    needs: tuple = ()
    # The loss branches on array values in Python (`while`, `if`), which a
    # tracing jit such as jax.jit refuses.
    python_control_flow: bool = False
    # Tolerance against the numpy floor when it is not the dtype's (tolerance(dtype)): the
    # random workload's libraries draw from different generators, so their results agree
    # with numpy's only in distribution, to a statistical tolerance.
    reference_rtol: Optional[float] = None
    # Libraries that draw the SAME numbers (fungrad and jax: threefry, one key): each of
    # their rows is also compared with the first of them at the dtype's tolerance.
    same_stream: tuple = ()
    # A float32 workload without a float64 twin in WORKLOADS: the self-test runs its floor
    # on float64 copies of the inputs (finite differences need float64).
    float64_selftest: bool = False
    # The self-test's finite-difference step, where selftest's default is too long (a
    # piecewise-linear net's step must cross no relu or max-pool kink).
    fd_step: Optional[float] = None


NO_PYTHON_CONTROL_FLOW = "n/a (refuses Python control flow)"


@dataclass
class Impl:
    """One way to run a workload: the numpy floor (backend None) or a library in some mode."""

    name: str
    backend: Optional[Backend] = None
    jit: bool = False
    # A Python loop of grad over the examples instead of vmap: a row of the
    # per-example workloads only.
    loop: bool = False

    def applies(self, workload):
        """Does this impl have a row for `workload` at all?"""
        return not self.loop or workload.transform == "per_example_grad"

    def skip_reason(self, workload):
        """Why this impl cannot run `workload` by design, or None."""
        if self.backend is None:
            return None
        if self.jit and workload.python_control_flow and not self.backend.jit_allows_python_control_flow:
            return NO_PYTHON_CONTROL_FLOW
        needed = workload.needs + {"per_example_grad": ("vmap",) if not self.loop else (),
                                   "jacrev": ("jacrev",)}.get(workload.transform, ())
        missing = [self.backend.missing.get(n, f"no {n}") for n in needed
                   if getattr(self.backend, n) is None]
        if missing:
            return f"n/a ({', '.join(missing)})"
        return None

    def prepare(self, params, data, workload):
        if self.backend is None:
            return params, data
        return self.backend.prepare(params, data, workload.transform)

    def build(self, workload):
        """The function to time: fn(params, data) -> output.

        Everything is created fresh here (loss closure, transform, jit
        wrapper), so the first call of the result measures tracing and
        compilation rather than a cache hit.
        """
        if self.backend is None:
            return workload.numpy_impl
        backend = self.backend
        if self.jit and backend.jit is None:
            raise NotImplementedError(f"{backend.name} has no jit")
        loss = workload.make_loss(backend.np, backend.nn,
                                  **{n: getattr(backend, n) for n in workload.needs})
        if workload.transform == "value_and_grad":
            fn = backend.value_and_grad(loss)
        elif workload.transform == "per_example_grad":
            fn = (per_example_loop(backend, backend.grad(loss)) if self.loop
                  else backend.vmap(backend.grad(loss), in_axes=(None, 0)))
        elif workload.transform == "jacrev":
            fn = backend.jacrev(loss)
        else:
            def fn(w1, data):
                v, rest, batch = data
                return backend.hvp(lambda w: loss({**rest, "W1": w}, batch), w1, v)
        return backend.jit(fn) if self.jit else fn

    def sync(self, out):
        return out if self.backend is None else self.backend.sync(out)


def per_example_loop(backend, grad_fn):
    """Per-example gradients by a Python loop over the batch, stacked like vmap's."""
    def fn(params, data):
        grads = [grad_fn(params, example) for example in zip(*data)]
        return {k: backend.np.stack([g[k] for g in grads]) for k in grads[0]}
    return fn


def implementations(backends):
    """Rows in table order; libraries that failed to import have none."""
    impls = [Impl("numpy")]
    modes = {"fungrad": [("fungrad eager", False), ("fungrad jit", True)],
             "autograd": [("autograd", False)],
             "torch": [("torch", False)],
             "jax": [("jax", False), ("jax jit", True)]}
    for lib, rows in modes.items():
        if lib in backends:
            impls += [Impl(name, backends[lib], jit) for name, jit in rows]
    if "fungrad" in backends:
        impls.append(Impl("fungrad grad loop", backends["fungrad"], loop=True))
    return impls


# --------------------------------------------------------------------------
# MLP: tanh hidden layer, softmax cross-entropy, mean over the batch.
# --------------------------------------------------------------------------

def mlp_inputs(n_in, n_hidden, n_out, batch, dtype, seed=0):
    """Params {W1, b1, W2, b2} and data (x, y_onehot); float64 draws cast to dtype."""
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.normal(size=(n_in, n_hidden)) / np.sqrt(n_in),
        "b1": 0.1 * rng.normal(size=n_hidden),
        "W2": rng.normal(size=(n_hidden, n_out)) / np.sqrt(n_hidden),
        "b2": 0.1 * rng.normal(size=n_out),
    }
    x = rng.normal(size=(batch, n_in))
    y = np.eye(n_out)[rng.integers(n_out, size=batch)]
    return {k: v.astype(dtype) for k, v in params.items()}, (x.astype(dtype), y.astype(dtype))


def mlp_loss(np, nn):
    def loss(params, data):
        x, y = data
        h = np.tanh(x @ params["W1"] + params["b1"])
        logits = h @ params["W2"] + params["b2"]
        return -np.mean(np.sum(y * nn.log_softmax(logits), axis=-1))
    return loss


def _mlp_numpy_pass(params, x, y):
    """Forward pass and the backward pass down to the hidden layer.

    Returns (loss, h, p, dz, dh): hidden activations, softmax probabilities
    and the loss's gradients w.r.t. the logits and the hidden activations.
    Shared by the gradient floor and the Hessian-vector product.
    """
    n = x.shape[0]
    h = np.tanh(x @ params["W1"] + params["b1"])
    z = h @ params["W2"] + params["b2"]
    z = z - z.max(axis=1, keepdims=True)  # max shift: exp cannot overflow
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    p = e / s
    loss = -np.sum(y * (z - np.log(s))) / n
    dz = (p - y) / n  # d loss / d logits; uses that each row of y sums to 1
    dh = dz @ params["W2"].T
    return loss, h, p, dz, dh


def mlp_numpy(params, data):
    x, y = data
    loss, h, _, dz, dh = _mlp_numpy_pass(params, x, y)
    da = dh * (1 - h * h)  # through tanh
    grads = {"W1": x.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dz, "b2": dz.sum(axis=0)}
    return loss, grads


# --------------------------------------------------------------------------
# HVP of the small MLP's loss w.r.t. W1, by the R-operator (Pearlmutter):
# differentiate every line of the gradient computation in direction v.
# --------------------------------------------------------------------------

def hvp_inputs(seed=0):
    params, batch = mlp_inputs(16, 32, 4, 8, np.float64, seed)
    v = np.random.default_rng(seed + 1).normal(size=params["W1"].shape)
    w1 = params.pop("W1")
    return w1, (v, params, batch)


def mlp_hvp_numpy(w1, data):
    v, rest, (x, y) = data
    params = {**rest, "W1": w1}
    _, h, p, _, dh = _mlp_numpy_pass(params, x, y)
    dtanh = 1 - h * h
    r_h = dtanh * (x @ v)  # R{h} = tanh'(a) R{a},  R{a} = x v
    r_z = r_h @ params["W2"]
    r_p = p * (r_z - np.sum(p * r_z, axis=1, keepdims=True))  # softmax's JVP
    r_dh = (r_p / x.shape[0]) @ params["W2"].T  # R{dz} = R{p} / n
    r_da = r_dh * dtanh - 2 * h * r_h * dh  # product rule on da = dh * (1 - h^2)
    return x.T @ r_da


# --------------------------------------------------------------------------
# A scalar pushed through 200 elementwise ops: pure per-op overhead.
# --------------------------------------------------------------------------

# One cycle of the chain.  The constants keep the value bounded and the
# derivative of a whole cycle near +-1, so that the gradient neither
# vanishes nor explodes however long the chain (and finite differences can
# check it).
CHAIN_CYCLE = (("sin", None), ("mul", 3.0), ("cos", None), ("add", 0.1),
               ("tanh", None), ("mul", 0.5), ("exp", None), ("add", -1.0))


def chain_ops(length):
    return [CHAIN_CYCLE[i % len(CHAIN_CYCLE)] for i in range(length)]


def apply_op(np, x, op, c):
    """One chain step with namespace `np` (numpy, fnp, jnp, torch, ...)."""
    if op == "mul":
        return x * c
    if op == "add":
        return x + c
    return getattr(np, op)(x)


def apply_chain(np, x, ops):
    for op, c in ops:
        x = apply_op(np, x, op, c)
    return x


def _op_derivative(op, c, x, y):
    """dy/dx of one chain step y = op(x)."""
    if op == "sin":
        return np.cos(x)
    if op == "cos":
        return -np.sin(x)
    if op == "tanh":
        return 1 - y * y
    if op == "exp":
        return y
    if op == "mul":
        return c
    return 1.0  # add


def scalar_chain_inputs():
    return np.asarray(0.3), None


def scalar_chain_loss(length, np, nn):
    ops = chain_ops(length)

    def loss(x, data):
        return apply_chain(np, x, ops)
    return loss


def scalar_chain_numpy(length, x, data):
    tape = []  # (op, c, input, output) of every step, for the backward sweep
    for op, c in chain_ops(length):
        y = apply_op(np, x, op, c)
        tape.append((op, c, x, y))
        x = y
    grad = 1.0
    for op, c, xi, yi in reversed(tape):
        grad = grad * _op_derivative(op, c, xi, yi)
    return x, np.asarray(grad)


# --------------------------------------------------------------------------
# Tanh RNN unrolled in a Python loop.
# --------------------------------------------------------------------------

def rnn_inputs(steps=50, hidden=64, n_in=32, batch=16, n_out=8, seed=0):
    """Params {Wx, Wh, b, Wo}; data (tuple of per-step inputs, h0)."""
    rng = np.random.default_rng(seed)
    params = {
        "Wx": rng.normal(size=(n_in, hidden)) / np.sqrt(n_in),
        # spectral radius ~0.9: the state neither dies out nor saturates
        "Wh": 0.9 * rng.normal(size=(hidden, hidden)) / np.sqrt(hidden),
        "b": 0.1 * rng.normal(size=hidden),
        "Wo": rng.normal(size=(hidden, n_out)) / np.sqrt(hidden),
    }
    xs = tuple(rng.normal(size=(batch, n_in)) for _ in range(steps))
    return params, (xs, np.zeros((batch, hidden)))


def rnn_loss(np, nn):
    def loss(params, data):
        xs, h = data
        for x in xs:
            h = np.tanh(x @ params["Wx"] + h @ params["Wh"] + params["b"])
        return np.mean((h @ params["Wo"]) ** 2)
    return loss


def rnn_numpy(params, data):
    xs, h0 = data
    Wx, Wh, b, Wo = params["Wx"], params["Wh"], params["b"], params["Wo"]
    hs = [h0]
    for x in xs:
        hs.append(np.tanh(x @ Wx + hs[-1] @ Wh + b))
    out = hs[-1] @ Wo
    loss = np.mean(out ** 2)
    dout = 2 * out / out.size
    grads = {"Wx": np.zeros_like(Wx), "Wh": np.zeros_like(Wh), "b": np.zeros_like(b),
             "Wo": hs[-1].T @ dout}
    dh = dout @ Wo.T
    for t in reversed(range(len(xs))):  # backpropagation through time
        da = dh * (1 - hs[t + 1] ** 2)
        grads["Wx"] += xs[t].T @ da
        grads["Wh"] += hs[t].T @ da
        grads["b"] += da.sum(axis=0)
        dh = da @ Wh.T
    return loss, grads


# --------------------------------------------------------------------------
# The tutorial function: a value-dependent Python `while` and `if`.
# --------------------------------------------------------------------------

def tutorial_inputs(size=1000, seed=0):
    return np.random.default_rng(seed).normal(size=size), None


def tutorial_loss(np, nn):
    def f(a):
        b = a * 2
        while np.linalg.norm(b) < 1000:
            b = b * 2
        c = b if np.sum(b) > 0 else 100 * b
        return c

    def loss(a, data):
        return np.sum(f(a))
    return loss


def tutorial_numpy(a, data):
    # Same control flow; f(a) = scale * a, so the gradient is `scale` everywhere.
    b, scale = a * 2, 2.0
    while np.linalg.norm(b) < 1000:
        b, scale = b * 2, scale * 2
    if np.sum(b) > 0:
        c = b
    else:
        c, scale = 100 * b, scale * 100
    return np.sum(c), np.full_like(a, scale)


# --------------------------------------------------------------------------
# Per-example gradients of the MLP (one gradient per example, as DP-SGD's
# clipping needs): vmap(grad(loss of one example)).
# --------------------------------------------------------------------------

def per_example_numpy(params, data):
    """The gradient of each example's loss, batched by hand (outer products by einsum)."""
    x, y = data
    h = np.tanh(x @ params["W1"] + params["b1"])
    z = h @ params["W2"] + params["b2"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    dz = e / e.sum(axis=1, keepdims=True) - y  # one example's loss: no 1/n
    da = (dz @ params["W2"].T) * (1 - h * h)
    return {"W1": np.einsum("bi,bj->bij", x, da), "b1": da,
            "W2": np.einsum("bi,bj->bij", h, dz), "b2": dz}


# --------------------------------------------------------------------------
# A tanh RNN over 1,000 steps as one lax.scan (libraries without scan run
# it as a Python loop), optionally with each step rematerialized.
# --------------------------------------------------------------------------

def scan_rnn_inputs(steps=1000):
    params, (xs, h0) = rnn_inputs(steps=steps)
    return params, (np.stack(xs), h0)


def scan_rnn_loss(np, nn, lax, checkpoint=None):
    def loss(params, data):
        xs, h0 = data

        def step(h, x):
            return np.tanh(x @ params["Wx"] + h @ params["Wh"] + params["b"]), None
        h, _ = lax.scan(checkpoint(step) if checkpoint else step, h0, xs)
        return np.mean((h @ params["Wo"]) ** 2)
    return loss


# --------------------------------------------------------------------------
# The Jacobian of f(x) = tanh(W x) * x, 100 -> 100, in reverse mode.
# --------------------------------------------------------------------------

def jacrev_inputs(n=100, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), rng.normal(size=(n, n)) / np.sqrt(n)


def jacrev_loss(np, nn):
    def f(x, w):
        return np.tanh(w @ x) * x
    return f


def jacrev_numpy(x, w):
    t = np.tanh(w @ x)
    return (x * (1 - t * t))[:, None] * w + np.diag(t)


# --------------------------------------------------------------------------
# The reparameterization trick: x = mu + sigma * eps with eps ~ N(0, 1) drawn
# inside the loss from each library's own generator.
# --------------------------------------------------------------------------

REPARAM_SAMPLES = 100_000


def reparam_inputs():
    """Params {mu, log_sigma} (0-d); data: the raw threefry key of PRNGKey(0)."""
    params = {"mu": np.asarray(0.5), "log_sigma": np.asarray(np.log(0.8))}
    return params, np.array([0, 0], np.uint32)


def reparam_loss(np, nn, random_normal):
    def loss(params, key):
        eps = random_normal(key, (REPARAM_SAMPLES,), params["mu"].dtype)
        return np.mean((params["mu"] + np.exp(params["log_sigma"]) * eps) ** 2)
    return loss


def reparam_numpy(params, key):
    eps = np.random.default_rng(key).standard_normal(REPARAM_SAMPLES)
    sigma_eps = np.exp(params["log_sigma"]) * eps
    x = params["mu"] + sigma_eps
    dx = 2 * x / x.size
    return np.mean(x * x), {"mu": np.sum(dx), "log_sigma": np.sum(dx * sigma_eps)}


# --------------------------------------------------------------------------
# The small CNN of benchmarks/conv.py (NCHW, SAME 3x3 convs, 2x2 max pools):
# the floor is im2col by sliding_window_view, contractions by tensordot.
# --------------------------------------------------------------------------

def cnn_inputs(dtype=np.float32):
    import conv
    return conv.make_inputs(dtype)[1]


def _im2col(x):
    """(N, C, H, W) -> (N*H*W, C*9): each pixel's zero-padded 3x3 neighbourhood, one row."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * w, c * 9)


def _conv_relu_pool(x, w, b):
    """Forward of SAME conv + bias, relu, 2x2 max pool; returns (out, what backward needs)."""
    n, _, h, wd = x.shape
    cols = _im2col(x)
    a = np.tensordot(cols, w.reshape(len(w), -1), axes=(1, 1)) + b  # (N*H*W, O)
    r = np.maximum(a, 0).reshape(n, h // 2, 2, wd // 2, 2, len(w))
    out = r.max(axis=(2, 4))  # (N, H/2, W/2, O)
    # ties in a block are zeros of the relu, whose gradient the relu mask drops anyway
    argmax = r == out[:, :, None, :, None]
    return out.transpose(0, 3, 1, 2), (cols, w, a, argmax)


def _conv_relu_pool_grad(dout, saved, input_grad=True):
    """Backward of _conv_relu_pool: (d input or None, d kernel, d bias)."""
    cols, w, a, argmax = saved
    dpool = dout.transpose(0, 2, 3, 1)[:, :, None, :, None]
    da = (argmax * dpool).reshape(a.shape) * (a > 0)  # (N*H*W, O)
    dw = np.tensordot(da, cols, axes=(0, 0)).reshape(w.shape)
    if not input_grad:
        return None, dw, da.sum(axis=0)
    # the input's gradient is the SAME convolution of da with the flipped, transposed kernel
    n, _, h2, w2 = dout.shape
    da_nchw = da.reshape(n, 2 * h2, 2 * w2, -1).transpose(0, 3, 1, 2)
    flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(w.shape[1], -1)
    dx = np.tensordot(_im2col(da_nchw), flipped, axes=(1, 1))
    return dx.reshape(n, 2 * h2, 2 * w2, -1).transpose(0, 3, 1, 2), dw, da.sum(axis=0)


def cnn_numpy(p, data):
    x, y = data
    h1, saved1 = _conv_relu_pool(x, p["w1"], p["b1"])
    h2, saved2 = _conv_relu_pool(h1, p["w2"], p["b2"])
    flat = h2.reshape(len(x), -1)
    z = flat @ p["w3"] + p["b3"]
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    loss = -np.sum(y * (z - np.log(s))) / len(x)
    dz = (e / s - y) / len(x)
    dh1, dw2, db2 = _conv_relu_pool_grad((dz @ p["w3"].T).reshape(h2.shape), saved2)
    _, dw1, db1 = _conv_relu_pool_grad(dh1, saved1, input_grad=False)
    grads = {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2, "w3": flat.T @ dz, "b3": dz.sum(axis=0)}
    return loss.astype(x.dtype), grads


def cnn_loss(np, nn, cnn_loss):
    return cnn_loss()


# --------------------------------------------------------------------------
# A Gaussian process's negative log marginal likelihood in its 3 log
# hyperparameters: squared-exponential kernel plus noise, by Cholesky.
# --------------------------------------------------------------------------

def gp_inputs(n=200, seed=0):
    """theta = log (lengthscale, signal variance, noise variance); data (squared distances,
    targets as a column)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=(n, 2))
    y = np.sin(x[:, 0]) * np.cos(x[:, 1]) + 0.1 * rng.normal(size=n)
    sqdist = np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
    return np.log(np.array([1.0, 0.5, 0.05])), (sqdist, y[:, None])


def _gp_kernel(np, theta, sqdist):
    """(K, its squared-exponential part)."""
    se = np.exp(theta[1]) * np.exp(-0.5 * sqdist / np.exp(2 * theta[0]))
    return se + np.exp(theta[2]) * np.eye(sqdist.shape[0], dtype=sqdist.dtype), se


def gp_loss(np, nn, solve_triangular):
    def loss(theta, data):
        sqdist, y = data
        chol = np.linalg.cholesky(_gp_kernel(np, theta, sqdist)[0])
        z = solve_triangular(chol, y, lower=True)
        return (0.5 * np.sum(z ** 2) + np.sum(np.log(np.diag(chol)))
                + 0.5 * y.shape[0] * math.log(2 * math.pi))
    return loss


def gp_numpy(theta, data):
    from scipy.linalg import cho_factor, cho_solve  # lazily: only this floor needs scipy
    sqdist, y = data
    k, se = _gp_kernel(np, theta, sqdist)
    factor = cho_factor(k, lower=True)
    alpha = cho_solve(factor, y)
    loss = (0.5 * np.sum(y * alpha) + np.sum(np.log(np.diag(factor[0])))
            + 0.5 * len(y) * math.log(2 * math.pi))
    # d loss / d theta_i = 0.5 tr((K^-1 - alpha alpha^T) dK/dtheta_i), all dK symmetric
    inner = cho_solve(factor, np.eye(len(y))) - alpha @ alpha.T
    dk = [se * sqdist / np.exp(2 * theta[0]), se]
    grad = [0.5 * np.sum(inner * d) for d in dk] + [0.5 * np.exp(theta[2]) * np.trace(inner)]
    return loss, np.array(grad)


# --------------------------------------------------------------------------
# The list run.py iterates over.
# --------------------------------------------------------------------------

def _mlp_workload(n_in, n_hidden, n_out, batch, dtype):
    bits = np.dtype(dtype).itemsize * 8
    return Workload(
        name=f"mlp_{n_in}_{n_hidden}_{n_out}_f{bits}",
        description=f"{n_in}-{n_hidden}-{n_out} tanh MLP, softmax cross-entropy, batch {batch}",
        dtype=dtype,
        make_inputs=functools.partial(mlp_inputs, n_in, n_hidden, n_out, batch, dtype),
        numpy_impl=mlp_numpy,
        make_loss=mlp_loss,
    )


WORKLOADS = [
    _mlp_workload(784, 256, 10, 128, np.float64),
    _mlp_workload(784, 256, 10, 128, np.float32),
    _mlp_workload(16, 32, 4, 8, np.float64),
    _mlp_workload(16, 32, 4, 8, np.float32),
    Workload(
        name="scalar_chain_200",
        description="one float64 scalar through 200 elementwise ops (sin, cos, tanh, exp, *, +)",
        dtype=np.float64,
        make_inputs=scalar_chain_inputs,
        numpy_impl=functools.partial(scalar_chain_numpy, 200),
        make_loss=functools.partial(scalar_chain_loss, 200),
    ),
    Workload(
        name="rnn_tanh_50",
        description="tanh RNN, 50 steps in a Python loop, hidden 64, input 32, batch 16",
        dtype=np.float64,
        make_inputs=rnn_inputs,
        numpy_impl=rnn_numpy,
        make_loss=rnn_loss,
    ),
    Workload(
        name="tutorial_while_if",
        description="tutorial f(a): Python while/if on array values, a of size 1000",
        dtype=np.float64,
        make_inputs=tutorial_inputs,
        numpy_impl=tutorial_numpy,
        make_loss=tutorial_loss,
        python_control_flow=True,
    ),
    Workload(
        name="hvp",
        description="Hessian-vector product of the 16-32-4 MLP loss w.r.t. W1 (fwd-over-rev)",
        dtype=np.float64,
        make_inputs=hvp_inputs,
        numpy_impl=mlp_hvp_numpy,
        make_loss=mlp_loss,
        transform="hvp",
    ),
    Workload(
        name="per_example_grad_256",
        description="per-example gradients, vmap(grad) of a 784-128-10 tanh MLP's loss on each "
                    "of 256 examples, float32",
        dtype=np.float32,
        make_inputs=functools.partial(mlp_inputs, 784, 128, 10, 256, np.float32),
        numpy_impl=per_example_numpy,
        make_loss=mlp_loss,
        transform="per_example_grad",
    ),
    Workload(
        name="scan_rnn_1000",
        description="tanh RNN as one lax.scan over 1,000 steps, hidden 64, input 32, batch 16",
        dtype=np.float64,
        make_inputs=scan_rnn_inputs,
        numpy_impl=rnn_numpy,
        make_loss=scan_rnn_loss,
        needs=("lax",),
    ),
    Workload(
        name="scan_rnn_1000_checkpoint",
        description="the same scan with its step under checkpoint (recomputed in the backward "
                    "pass)",
        dtype=np.float64,
        make_inputs=scan_rnn_inputs,
        numpy_impl=rnn_numpy,
        make_loss=scan_rnn_loss,
        needs=("lax", "checkpoint"),
    ),
    Workload(
        name="jacrev_100",
        description="jacrev of f(x) = tanh(W x) * x, 100 -> 100",
        dtype=np.float64,
        make_inputs=jacrev_inputs,
        numpy_impl=jacrev_numpy,
        make_loss=jacrev_loss,
        transform="jacrev",
    ),
    Workload(
        name="reparam_normal_100k",
        description="mean((mu + exp(log_sigma) * eps) ** 2), eps = 100,000 normal draws inside "
                    "the loss, grad in (mu, log_sigma)",
        dtype=np.float64,
        make_inputs=reparam_inputs,
        numpy_impl=reparam_numpy,
        make_loss=reparam_loss,
        needs=("random_normal",),
        # Each library draws eps from its own generator (numpy's PCG64 floor and autograd,
        # torch's, threefry for fungrad and jax), so against the floor the loss and both
        # gradients agree only in distribution: the sample means of 100,000 draws have
        # relative standard errors near 0.5 %, so 3 % is a ~6-sigma statistical check.
        # fungrad and jax share the key and must agree to round-off (same_stream).
        reference_rtol=0.03,
        same_stream=("fungrad", "jax"),
    ),
    Workload(
        name="cnn_small_f32",
        description="benchmarks/conv.py's CNN: conv 1->16, relu, maxpool 2, conv 16->32, relu, "
                    "maxpool 2, dense 1568->10, softmax cross-entropy; batch 32 of 28x28, float32",
        dtype=np.float32,
        make_inputs=cnn_inputs,
        numpy_impl=cnn_numpy,
        make_loss=cnn_loss,
        needs=("cnn_loss",),
        float64_selftest=True,
        fd_step=1e-7,
    ),
    Workload(
        name="gp_cholesky_200",
        description="GP negative log marginal likelihood on 200 points (squared-exponential "
                    "kernel + noise: cholesky, triangular solve, logdet), grad in 3 log "
                    "hyperparameters",
        dtype=np.float64,
        make_inputs=gp_inputs,
        numpy_impl=gp_numpy,
        make_loss=gp_loss,
        needs=("solve_triangular",),
    ),
]


# --------------------------------------------------------------------------
# Self-test of the numpy floors against central finite differences.
# --------------------------------------------------------------------------

def _finite_difference(fn, x, direction, eps):
    """Central difference of fn (a pytree-valued function) at pytree x along direction."""
    def shifted(step):
        leaves = zip(tree_flatten(x)[0], tree_flatten(direction)[0], strict=True)
        return tree_replace_leaves(x, [a + step * d for a, d in leaves])
    plus, minus = tree_flatten(fn(shifted(eps)))[0], tree_flatten(fn(shifted(-eps)))[0]
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus, strict=True)]


def _to_float64(a):
    return a.astype(np.float64) if np.issubdtype(a.dtype, np.floating) else a


def _numpy_loss(numpy_impl, params, data):
    return numpy_impl(params, data)[0]


def _numpy_grad_w1(w1, rest, batch):
    return mlp_numpy({**rest, "W1": w1}, batch)[1]["W1"]


def selftest(rtol=1e-6, eps=1e-5):
    """Check each float64 numpy floor with finite differences.

    value_and_grad workloads: the directional derivative of the loss along
    a random direction against <grad, direction>.  hvp: the change of the
    numpy gradient along v against the R-operator's H v.
    Returns a list of (workload name, ok, message).
    """
    rng = np.random.default_rng(123)
    results = []
    for w in WORKLOADS:
        if w.transform == "per_example_grad":  # against the checked batch gradient, per example
            params, (x, y) = w.make_inputs()
            params = {k: v.astype(np.float64) for k, v in params.items()}
            x, y = x.astype(np.float64), y.astype(np.float64)
            batched = w.numpy_impl(params, (x, y))
            err = max(np.max(np.abs(batched[k][i] - g)) / np.max(np.abs(g))
                      for i in range(3) for k, g in mlp_numpy(params, (x[i:i + 1], y[i:i + 1]))[1].items())
            results.append((w.name, bool(err <= rtol), f"rel err to per-example mlp_numpy {err:.1e}"))
            continue
        if w.dtype != np.float64 and not w.float64_selftest:
            continue  # the float32 variants run the same code
        params, data = w.make_inputs()
        if w.float64_selftest:
            params, data = tree_map(_to_float64, params), tree_map(_to_float64, data)
        if w.transform == "value_and_grad":
            leaves, _ = tree_flatten(params)
            steps = [rng.normal(size=np.shape(a)) for a in leaves]
            norm = np.sqrt(sum(np.sum(d * d) for d in steps))  # unit direction: eps is a step length
            direction = tree_replace_leaves(params, [d / norm for d in steps])
            _, grads = w.numpy_impl(params, data)
            exact = sum(float(np.sum(g * d)) for g, d in
                        zip(tree_flatten(grads)[0], tree_flatten(direction)[0], strict=True))
            loss_only = functools.partial(_numpy_loss, w.numpy_impl, data=data)
            approx = float(_finite_difference(loss_only, params, direction, w.fd_step or eps)[0])
        elif w.transform == "jacrev":
            direction = rng.normal(size=params.shape)
            exact = w.numpy_impl(params, data) @ direction
            approx = _finite_difference(lambda x: [jacrev_loss(np, None)(x, data)], params,
                                        direction, eps)[0]
        else:
            v, rest, batch = data
            grad_w1 = functools.partial(_numpy_grad_w1, rest=rest, batch=batch)
            approx = _finite_difference(grad_w1, params, v, eps)[0]
            exact = w.numpy_impl(params, data)
        err = np.max(np.abs(np.asarray(exact) - approx)) / np.max(np.abs(approx))
        results.append((w.name, bool(err <= rtol), f"finite-difference rel err {err:.1e}"))
    return results
