"""One training step of examples/cnn_classifier.py's CNN: forward, backward, adam update.

    python benchmarks/cnn_step.py [--repeat N] [--batch B]

The network (stax: conv 3x3x8, relu, maxpool 2x2, conv 3x3x16, relu, maxpool 2x2, dense 32,
relu, dense 4, log-softmax; mean cross-entropy) on a batch of 12x12 images, float32, from
the same initial parameters in every library:

  * fungrad jit: ``fungrad.jit`` of value_and_grad plus ``optimizers.adam``'s update, the
    example's step;
  * torch eager: the same network with ``torch.nn.functional``, ``loss.backward()`` and
    ``torch.optim.Adam`` (the same update rule as JAX's adam);
  * jax jit: ``jax.jit`` of the same stax network and ``jax.example_libraries`` adam.

Each step's loss and updated parameters are first checked against JAX's; then all rows run
round-robin in one process (harness.py) and the table gives the median time per step.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse
import importlib.util

import numpy as np

from harness import (REPO_ROOT, Candidate, environment, markdown_table, package_version,
                     print_environment, time_interleaved)

LR = 1e-2


def load_example():
    path = REPO_ROOT / "examples" / "cnn_classifier.py"
    spec = importlib.util.spec_from_file_location("cnn_classifier", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def initial_params(rng):
    """The stax parameter tree (list per layer) with numpy values, NHWC/HWIO, float32."""
    def w(*shape):
        return (rng.standard_normal(shape) / np.sqrt(np.prod(shape[:-1]))).astype(np.float32)

    def b(*shape):
        return np.zeros(shape, np.float32)

    return [(w(3, 3, 1, 8), b(1, 1, 1, 8)), (), (), (w(3, 3, 8, 16), b(1, 1, 1, 16)), (), (),
            (), (w(144, 32), b(32)), (), (w(32, 4), b(4)), ()]


def leaves(params):
    return [a for layer in params for a in layer]


def fungrad_step(example, params, images, labels):
    from fungrad.example_libraries import optimizers
    _, apply_fun = example.network()
    opt_init, opt_update, get_params = optimizers.adam(LR)
    step = example.make_train_step(apply_fun, opt_update, get_params)
    state = opt_init(params)

    def call():
        new_state, loss = step(0, state, images, labels)
        return float(loss), [np.asarray(a) for a in leaves(get_params(new_state))]
    return call


def jax_step(params, images, labels):
    import jax
    import jax.numpy as jnp
    from jax.example_libraries import optimizers, stax
    _, apply_fun = stax.serial(
        stax.Conv(8, (3, 3), padding="SAME"), stax.Relu, stax.MaxPool((2, 2), (2, 2)),
        stax.Conv(16, (3, 3), padding="SAME"), stax.Relu, stax.MaxPool((2, 2), (2, 2)),
        stax.Flatten, stax.Dense(32), stax.Relu, stax.Dense(4), stax.LogSoftmax)
    opt_init, opt_update, get_params = optimizers.adam(LR)

    def loss(p, x, y):
        return -jnp.mean(jnp.sum(apply_fun(p, x) * jax.nn.one_hot(y, 4), axis=1))

    @jax.jit
    def step(i, state, x, y):
        value, grads = jax.value_and_grad(loss)(get_params(state), x, y)
        return opt_update(i, grads, state), value

    state = opt_init(jax.tree_util.tree_map(jnp.asarray, params))
    x, y = jnp.asarray(images), jnp.asarray(labels)

    def call():
        new_state, value = step(0, state, x, y)
        value.block_until_ready()
        return float(value), [np.asarray(a) for a in leaves(get_params(new_state))]
    return call


def torch_step(params, images, labels):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(1)
    (w1, b1), _, _, (w2, b2), _, _, _, (w3, b3), _, (w4, b4), _ = params
    # torch's layout: NCHW images, OIHW kernels; the flattened features are taken in NHWC
    # order (as stax's Flatten of NHWC does), so dense 1 sees the same inputs
    x = torch.tensor(images).permute(0, 3, 1, 2).contiguous()
    y = torch.tensor(labels)

    def start():
        kernels = [torch.tensor(k.transpose(3, 2, 0, 1).copy()) for k in (w1, w2)]
        rest = [torch.tensor(a.reshape(-1) if a.ndim == 4 else a) for a in (b1, b2, w3, b3,
                                                                          w4, b4)]
        order = [kernels[0], rest[0], kernels[1], rest[1], *rest[2:]]
        return [t.requires_grad_() for t in order]

    def forward(t):
        k1, c1, k2, c2, d1, e1, d2, e2 = t
        h = F.max_pool2d(F.relu(F.conv2d(x, k1, c1, padding=1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, k2, c2, padding=1)), 2)
        h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)
        h = F.relu(h @ d1 + e1)
        return F.nll_loss(F.log_softmax(h @ d2 + e2, dim=1), y)

    tensors = start()
    opt = torch.optim.Adam(tensors, lr=LR, eps=1e-8)

    def call():
        opt.zero_grad()
        value = forward(tensors)
        value.backward()
        opt.step()
        return value.item(), tensors

    def check():
        fresh = start()
        optimizer = torch.optim.Adam(fresh, lr=LR, eps=1e-8)
        value = forward(fresh)
        value.backward()
        optimizer.step()
        k1, c1, k2, c2, d1, e1, d2, e2 = [t.detach().numpy() for t in fresh]
        back = [k1.transpose(2, 3, 1, 0), c1.reshape(1, 1, 1, -1), k2.transpose(2, 3, 1, 0),
                c2.reshape(1, 1, 1, -1), d1, e1, d2, e2]
        return value.item(), back
    return call, check


def agree(name, result, reference):
    loss, params = result
    ref_loss, ref_params = reference
    ok = abs(loss - ref_loss) <= 1e-4 * abs(ref_loss) and all(
        np.allclose(a, b, rtol=1e-3, atol=1e-5) for a, b in zip(params, ref_params))
    print(f"check {name}: loss {loss:.6f} vs jax {ref_loss:.6f}: {'ok' if ok else 'FAIL'}")
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=11, help="samples per candidate")
    parser.add_argument("--batch", type=int, default=32, help="images per step")
    args = parser.parse_args(argv)

    example = load_example()
    rng = np.random.default_rng(0)
    images, labels = example.strokes(args.batch, rng)
    images = images.astype(np.float32)
    params = initial_params(rng)

    versions = {name: package_version(name) for name in ("jax", "torch")}
    env = environment([])
    env.update({k: v for k, v in versions.items() if v})
    print_environment(env)

    reference = jax_step(params, images, labels)()
    cands = []
    fg = fungrad_step(example, params, images, labels)
    if agree("fungrad jit", fg(), reference):
        cands.append(Candidate("fungrad jit", fg))
    torch_call, torch_check = torch_step(params, images, labels)
    if agree("torch eager", torch_check(), reference):
        cands.append(Candidate("torch eager", torch_call))
    cands.append(Candidate("jax jit", jax_step(params, images, labels)))

    time_interleaved(cands, args.repeat, target=0.2)
    base = next((c.median for c in cands if c.name == "torch eager"), cands[0].median)
    rows = [[c.name, f"{c.median * 1e3:.2f}", f"{c.median / base:.2f}x"] for c in cands]
    print(f"\n## One CNN training step (forward + backward + adam), batch {args.batch} of "
          "12x12x1, float32\n")
    print(markdown_table(["impl", "ms per step", "ratio to torch eager"], rows))


if __name__ == "__main__":
    main()
