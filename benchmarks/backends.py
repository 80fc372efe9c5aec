"""Adapters that let one piece of loss code run on every autodiff library.

Each workload writes its loss once, against a numpy-like namespace `np` and a
small `nn` namespace (only `log_softmax(x, axis=-1)` is used).  A `Backend`
supplies those namespaces for its library plus the transforms the benchmark
needs, so fungrad is exercised through exactly the same code as jax (its API
twin), autograd and torch.

Every library but numpy is optional: `load_backends()` imports each one in a
try/except and returns a note for the ones that are missing.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import types
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from harness import package_version, tree_flatten, tree_map, tree_replace_leaves


def _identity(x):
    return x


@dataclass
class Backend:
    """One library's namespaces and transforms, in JAX's calling conventions."""

    name: str
    version: str
    np: Any  # numpy-like namespace the loss code is written against
    nn: Any  # namespace with log_softmax(x, axis=-1)
    value_and_grad: Callable  # loss -> fn(params, data) -> (loss, grads)
    hvp: Callable  # (f, x, v) -> Hessian of scalar f at x times v, forward-over-reverse
    jit: Optional[Callable] = None  # fn -> compiled fn, where the library has one
    grad: Optional[Callable] = None  # loss -> fn(params, data) -> grads (argnums 0)
    vmap: Optional[Callable] = None  # (fn, in_axes) -> batched fn, JAX's convention
    jacrev: Optional[Callable] = None  # f -> x -> reverse-mode Jacobian
    lax: Any = None  # namespace with scan(f, init, xs) -> (carry, ys)
    checkpoint: Optional[Callable] = None  # fn -> rematerialized fn
    make_jaxpr: Optional[Callable] = None
    # Whether `jit` accepts Python `while` / `if` on traced array values.
    # jax.jit refuses them (it traces abstract values); fungrad's jit is
    # documented to handle them.
    jit_allows_python_control_flow: bool = False
    prepare: Callable = None  # (params, data, transform) -> native (params, data), untimed
    sync: Callable = _identity  # waits for asynchronous results (jax)
    # (key, shape, dtype) -> standard normal draws from the library's own generator; key is
    # a raw threefry key (two uint32), which jax and fungrad use as it is and the others seed
    # their generators with
    random_normal: Optional[Callable] = None
    # () -> the small CNN's loss(params, data) of benchmarks/conv.py in this library
    cnn_loss: Optional[Callable] = None
    solve_triangular: Optional[Callable] = None  # (a, b, lower) -> a^-1 b for triangular a
    # why a transform or capability above is None, for the n/a row of the table
    missing: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.prepare is None:
            self.prepare = lambda params, data, transform: (params, data)


# --------------------------------------------------------------------------
# fungrad and jax share one adapter: fungrad's API is JAX's.
# --------------------------------------------------------------------------

def _jaxlike(name, version, module, np, nn, jit_allows_python_control_flow,
             prepare=None, sync=_identity, solve_triangular=None):
    def hvp(f, x, v):
        # forward-over-reverse: push the tangent v through the gradient.
        return module.jvp(module.grad(f), (x,), (v,))[1]

    def random_normal(key, shape, dtype):
        return module.random.normal(key, shape, dtype)

    def cnn_loss():
        import conv  # the network is benchmarks/conv.py's, written once for both
        return conv.jaxlike_models(module.lax, np, nn)[3]

    return Backend(
        name=name, version=version, np=np, nn=nn,
        value_and_grad=module.value_and_grad, hvp=hvp,
        # Optional, so that a fungrad still being written gets its eager rows;
        # a missing transform makes only the rows that need it report ERROR.
        jit=getattr(module, "jit", None), make_jaxpr=getattr(module, "make_jaxpr", None),
        jit_allows_python_control_flow=jit_allows_python_control_flow,
        grad=module.grad, vmap=getattr(module, "vmap", None),
        jacrev=getattr(module, "jacrev", None), lax=getattr(module, "lax", None),
        checkpoint=getattr(module, "checkpoint", None),
        prepare=prepare, sync=sync, random_normal=random_normal, cnn_loss=cnn_loss,
        solve_triangular=solve_triangular,
    )


def _load_fungrad():
    import fungrad
    import fungrad.nn as fnn
    import fungrad.numpy as fnp
    import fungrad.random  # noqa: F401  (random_normal)

    def solve_triangular(a, b, lower):
        import fungrad.scipy.linalg  # lazily: fungrad.scipy imports scipy
        return fungrad.scipy.linalg.solve_triangular(a, b, lower=lower)

    version = getattr(fungrad, "__version__", None) or package_version("fungrad") or "dev"
    return _jaxlike("fungrad", version, fungrad, fnp, fnn, jit_allows_python_control_flow=True,
                    solve_triangular=solve_triangular)


def _load_jax():
    import jax
    import jax.numpy as jnp
    import jax.random  # noqa: F401  (random_normal)
    import jax.scipy.linalg

    # The float64 workloads need real float64; float32 inputs stay float32.
    jax.config.update("jax_enable_x64", True)

    def prepare(params, data, transform):
        # Move inputs to the device once, outside the timed region, as a jax
        # user would; otherwise every call would pay numpy->jax conversion.
        return jax.device_put(params), jax.device_put(data)

    version = f"{jax.__version__} (jaxlib {package_version('jaxlib')})"
    return _jaxlike("jax", version, jax, jnp, jax.nn, jit_allows_python_control_flow=False,
                    prepare=prepare, sync=jax.block_until_ready,
                    solve_triangular=lambda a, b, lower: jax.scipy.linalg.solve_triangular(
                        a, b, lower=lower))


def python_scan(f, init, xs):
    """lax.scan as a Python loop over the leading axis, for libraries without one (their
    eager autodiff unrolls it, as theirs would); the stacked outputs are not needed."""
    carry = init
    for x in xs:
        carry, _ = f(carry, x)
    return carry, None


# --------------------------------------------------------------------------
# autograd: numpy-like, no nn module and no jit.
# --------------------------------------------------------------------------

def _load_autograd():
    import autograd
    import autograd.numpy as anp
    from autograd import make_jvp

    try:  # autograd's own logsumexp has a dedicated gradient; it needs scipy.
        from autograd.scipy.special import logsumexp
    except ImportError:
        def logsumexp(x, axis=-1, keepdims=False):
            shift = anp.max(x, axis=axis, keepdims=True)
            out = anp.log(anp.sum(anp.exp(x - shift), axis=axis, keepdims=True)) + shift
            return out if keepdims else anp.squeeze(out, axis=axis)

    nn = types.SimpleNamespace(
        log_softmax=lambda x, axis=-1: x - logsumexp(x, axis=axis, keepdims=True))

    def hvp(f, x, v):
        # autograd has forward mode (make_jvp), so forward-over-reverse works.
        return make_jvp(autograd.grad(f))(x)(v)[1]

    def random_normal(key, shape, dtype):
        # autograd has no generator of its own: the draws are numpy's, as the floor's are
        # (eps does not depend on the parameters, so nothing is traced through it)
        return np.random.default_rng(key).standard_normal(shape, dtype)

    try:  # a triangular solve with gradients in both arguments; it needs scipy
        from autograd.scipy.linalg import solve_triangular
    except ImportError:
        solve_triangular = None

    return Backend(
        name="autograd", version=package_version("autograd") or "?", np=anp, nn=nn,
        value_and_grad=autograd.value_and_grad, hvp=hvp,
        grad=autograd.grad, jacrev=autograd.jacobian,
        # no checkpoint: autograd.checkpoint inside the 1,000-step loop ran for minutes and
        # grew the process past 3 GB here, so its row is n/a
        lax=types.SimpleNamespace(scan=python_scan),
        random_normal=random_normal, solve_triangular=solve_triangular,
        missing={"cnn_loss": "autograd has no convolution or window max"},
    )


# --------------------------------------------------------------------------
# torch: eager tensors, loss.backward(); torch's namespace is numpy-like
# enough for the shared loss code (tanh, sum(axis=...), mean, linalg.norm).
# --------------------------------------------------------------------------

def _load_torch():
    import torch
    import torch.func
    import torch.utils.checkpoint

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only allowed before torch's first parallel work
        pass

    nn = types.SimpleNamespace(log_softmax=lambda x, axis=-1: torch.log_softmax(x, dim=axis))

    def prepare(params, data, transform):
        # as_tensor shares the numpy arrays' memory: no copy
        params, data = tree_map(torch.as_tensor, params), tree_map(torch.as_tensor, data)
        if transform == "value_and_grad":
            # Leaf tensors that record their gradient, made once like a
            # model's parameters; the hvp uses torch.func and needs none.
            params = tree_map(lambda t: t.requires_grad_(True), params)
        return params, data

    def value_and_grad(loss):
        def vg(params, data):
            leaves, _ = tree_flatten(params)
            for p in leaves:  # zero_grad(set_to_none=True), as a training loop does
                p.grad = None
            value = loss(params, data)
            value.backward()
            return value.detach(), tree_replace_leaves(params, [p.grad for p in leaves])
        return vg

    def hvp(f, x, v):
        return torch.func.jvp(torch.func.grad(f), (x,), (v,))[1]

    def random_normal(key, shape, dtype):
        # torch's own generator (Philox/MT, not threefry), seeded from the key every call
        generator = torch.Generator().manual_seed(int(key[0]) << 32 | int(key[1]))
        if not isinstance(dtype, torch.dtype):
            dtype = torch.from_numpy(np.empty(0, dtype)).dtype
        return torch.randn(shape, generator=generator, dtype=dtype)

    def cnn_loss():
        import conv
        return conv.torch_models(torch)[3]

    def solve_triangular(a, b, lower):
        return torch.linalg.solve_triangular(a, b, upper=not lower)

    def torch_vmap(fn, in_axes=0):
        return torch.func.vmap(fn, in_dims=in_axes)

    def checkpoint(fn):
        # recompute the step's activations in the backward pass, as jax.checkpoint does
        return lambda *args: torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False)

    return Backend(
        name="torch", version=torch.__version__, np=torch, nn=nn,
        value_and_grad=value_and_grad, hvp=hvp,
        grad=torch.func.grad, vmap=torch_vmap, jacrev=torch.func.jacrev,
        lax=types.SimpleNamespace(scan=python_scan), checkpoint=checkpoint,
        prepare=prepare, random_normal=random_normal, cnn_loss=cnn_loss,
        solve_triangular=solve_triangular,
    )


LOADERS = {
    "fungrad": _load_fungrad,
    "autograd": _load_autograd,
    "torch": _load_torch,
    "jax": _load_jax,
}


def load_backends(names=LOADERS):
    """Import each library that is installed.

    Returns (backends by name, notes): a library that fails to import is
    left out and explained in a note, never silently.
    """
    backends, notes = {}, []
    for name in names:
        try:
            backends[name] = LOADERS[name]()
        except Exception as exc:  # a half-written package may raise anything
            notes.append(f"{name} skipped: import failed ({type(exc).__name__}: {exc})")
    return backends, notes
