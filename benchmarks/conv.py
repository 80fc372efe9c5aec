"""Convolution speed: a conv layer and a small CNN, fungrad against torch and JAX.

    python benchmarks/conv.py [--dtype float64|float32] [--repeat N] [--cpu-time]

Workloads (NCHW, batch 32, single-threaded):
  * conv layer: 16 -> 32 channels, 28x28, 3x3 kernel, SAME padding, plus a bias;
    forward, and value_and_grad of mean(y ** 2) in the kernel and the bias;
  * small CNN: conv(1->16)-relu-maxpool2-conv(16->32)-relu-maxpool2-dense(1568->10) with a
    softmax cross-entropy loss; forward (the logits), and value_and_grad in all parameters
    (relu is ``nn.relu`` in fungrad and JAX, ``F.relu`` in torch).

Rows: fungrad eager and jit, torch eager, jax jit. Every result is checked against torch's
before timing; times are medians of round-robin samples, ratios against torch eager.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse
import time

import numpy as np

from harness import (
    Candidate, compare, format_seconds, markdown_table, time_interleaved, to_numpy,
)

BATCH = 32


def make_inputs(dtype):
    rng = np.random.default_rng(0)
    layer = dict(w=rng.standard_normal((32, 16, 3, 3)) * 0.1, b=rng.standard_normal(32) * 0.1)
    layer_x = rng.standard_normal((BATCH, 16, 28, 28))
    cnn = dict(w1=rng.standard_normal((16, 1, 3, 3)) * 0.3, b1=np.zeros(16),
               w2=rng.standard_normal((32, 16, 3, 3)) * 0.1, b2=np.zeros(32),
               w3=rng.standard_normal((32 * 7 * 7, 10)) * 0.03, b3=np.zeros(10))
    cnn_x = rng.standard_normal((BATCH, 1, 28, 28))
    labels = np.eye(10)[rng.integers(0, 10, BATCH)]
    cast = lambda t: {k: v.astype(dtype) for k, v in t.items()}  # noqa: E731
    return (cast(layer), layer_x.astype(dtype)), (cast(cnn), (cnn_x.astype(dtype),
                                                               labels.astype(dtype)))


# ----------------------------------------------------------------------------- jax-likes
def jaxlike_models(lax, jnp, nn):
    def layer(p, x):
        y = lax.conv_general_dilated(x, p["w"], (1, 1), "SAME")
        return y + p["b"][None, :, None, None]

    def layer_loss(p, x):
        return jnp.mean(layer(p, x) ** 2)

    def pool(x):
        return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def cnn(p, data):
        x, _ = data
        h = pool(nn.relu(lax.conv_general_dilated(x, p["w1"], (1, 1), "SAME")
                         + p["b1"][None, :, None, None]))
        h = pool(nn.relu(lax.conv_general_dilated(h, p["w2"], (1, 1), "SAME")
                         + p["b2"][None, :, None, None]))
        return jnp.dot(h.reshape(h.shape[0], -1), p["w3"]) + p["b3"]

    def cnn_loss(p, data):
        return -jnp.mean(jnp.sum(nn.log_softmax(cnn(p, data), axis=-1) * data[1], axis=-1))

    return layer, layer_loss, cnn, cnn_loss


# ----------------------------------------------------------------------------- torch
def torch_models(torch):
    F = torch.nn.functional

    def layer(p, x):
        return F.conv2d(x, p["w"], p["b"], padding=1)

    def layer_loss(p, x):
        return torch.mean(layer(p, x) ** 2)

    def cnn(p, data):
        x, _ = data
        h = F.max_pool2d(F.relu(F.conv2d(x, p["w1"], p["b1"], padding=1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, p["w2"], p["b2"], padding=1)), 2)
        return h.reshape(h.shape[0], -1) @ p["w3"] + p["b3"]

    def cnn_loss(p, data):
        return -torch.mean(torch.sum(F.log_softmax(cnn(p, data), dim=-1) * data[1], dim=-1))

    return layer, layer_loss, cnn, cnn_loss


def torch_candidates(torch, workloads):
    layer, layer_loss, cnn, cnn_loss = torch_models(torch)
    t = lambda tree: {k: torch.from_numpy(v) for k, v in tree.items()}  # noqa: E731

    def value_and_grad(loss, params, data):
        ps = {k: v.detach().requires_grad_(True) for k, v in params.items()}

        def call():
            for v in ps.values():
                v.grad = None
            out = loss(ps, data)
            out.backward()
            return out.detach(), {k: v.grad for k, v in ps.items()}
        return call

    (lp, lx), (cp, (cx, cy)) = workloads
    lp, cp = t(lp), t(cp)
    lx, cdata = torch.from_numpy(lx), (torch.from_numpy(cx), torch.from_numpy(cy))

    def no_grad(fn, *args):
        def call():
            with torch.no_grad():
                return fn(*args)
        return call
    return {"conv layer forward": no_grad(layer, lp, lx),
            "conv layer value_and_grad": value_and_grad(layer_loss, lp, lx),
            "CNN forward": no_grad(cnn, cp, cdata),
            "CNN value_and_grad": value_and_grad(cnn_loss, cp, cdata)}


def jaxlike_candidates(module, lax, jnp, nn, workloads, jit, prepare=lambda x: x,
                       sync=lambda x: x):
    layer, layer_loss, cnn, cnn_loss = jaxlike_models(lax, jnp, nn)
    (lp, lx), (cp, cdata) = prepare(workloads)
    wrap = module.jit if jit else (lambda f: f)
    fns = {"conv layer forward": (wrap(layer), lp, lx),
           "conv layer value_and_grad": (wrap(module.value_and_grad(layer_loss)), lp, lx),
           "CNN forward": (wrap(cnn), cp, cdata),
           "CNN value_and_grad": (wrap(module.value_and_grad(cnn_loss)), cp, cdata)}
    return {k: (lambda f=f, p=p, d=d: sync(f(p, d))) for k, (f, p, d) in fns.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--repeat", type=int, default=7, help="samples per candidate")
    parser.add_argument("--target", type=float, default=0.2, help="seconds per sample")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time by this process's CPU time, not wall time (on a machine "
                             "other processes load, wall time counts their turns too)")
    args = parser.parse_args(argv)
    clock = time.process_time if args.cpu_time else time.perf_counter
    dtype = np.dtype(args.dtype)
    workloads = make_inputs(dtype)

    import fungrad
    import fungrad.nn
    import fungrad.numpy as fnp
    rows = {"fungrad eager": jaxlike_candidates(fungrad, fungrad.lax, fnp, fungrad.nn,
                                                workloads, jit=False),
            "fungrad jit": jaxlike_candidates(fungrad, fungrad.lax, fnp, fungrad.nn,
                                              workloads, jit=True)}
    try:
        import torch
        torch.set_num_threads(1)
        rows["torch eager"] = torch_candidates(torch, workloads)
    except ImportError:
        print("note: torch is not installed")
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        rows["jax jit"] = jaxlike_candidates(jax, jax.lax, jnp, jax.nn, workloads, jit=True,
                                             prepare=jax.device_put,
                                             sync=jax.block_until_ready)
    except ImportError:
        print("note: jax is not installed")

    names = list(next(iter(rows.values())))
    table = []
    for name in names:
        cands = [Candidate(impl, fns[name]) for impl, fns in rows.items()]
        reference = rows["torch eager"][name]() if "torch eager" in rows else cands[0].call()
        ref_leaves = to_numpy_tree(reference)
        rtol = 1e-4 if dtype == np.float32 else 1e-9
        for cand in cands:
            ok, message = compare(to_numpy_tree(cand.call()), ref_leaves, rtol)
            if not ok:
                raise SystemExit(f"{cand.name} {name}: result differs from torch's: "
                                 f"{message}")
        time_interleaved(cands, args.repeat, args.target, clock=clock)
        base = next((c.median for c in cands if c.name == "torch eager"), None)
        for cand in cands:
            ratio = f"{cand.median / base:.2f}x" if base else ""
            table.append([name, cand.name, format_seconds(cand.median), ratio])
    print(f"\n{args.dtype}, batch {BATCH}, one thread, {'CPU' if args.cpu_time else 'wall'} "
          "time; ratio = time / torch eager time\n")
    print(markdown_table(["workload", "implementation", "median time", "vs torch eager"],
                         table))


def to_numpy_tree(out):
    """A result (array, or (loss, grads dict)) as a flat list of numpy arrays, dict keys
    sorted."""
    if isinstance(out, tuple):
        value, grads = out
        return [to_numpy(value)] + [to_numpy(grads[k]) for k in sorted(grads)]
    return [to_numpy(out)]


if __name__ == "__main__":
    main()
