"""Reverse-mode cost of a spectral loss, as a ratio to its forward call, fungrad beside JAX.

    /opt/jaxenv/bin/python benchmarks/fft_grad.py [--repeat N] [--size N]

The loss filters a real image in the frequency domain and measures the result's energy,
``sum(irfft2(rfft2(x) * H) ** 2)``: two real transforms forward, their transposes (with the
doubled bins of the half spectrum) backward. The cheap-gradient principle allows a gradient
at a small constant multiple of the forward cost; the ratio shows how close each library
gets. Gradients are checked against each other before timing.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse

import numpy as np

from harness import Candidate, markdown_table, time_interleaved


def make_loss(fnp, H, shape):
    def loss(x):
        y = fnp.fft.irfft2(fnp.fft.rfft2(x) * H, s=shape)
        return fnp.sum(y ** 2)
    return loss


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args(argv)
    n = args.size
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, n))
    H = np.exp(-np.add.outer(np.fft.fftfreq(n) ** 2, np.fft.rfftfreq(n) ** 2) * 20)
    H = H * np.exp(1j * rng.uniform(0, 2 * np.pi, H.shape))

    import fungrad
    import fungrad.numpy as fnp
    libs = {"fungrad": (fungrad, fnp, x, H)}
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        libs["jax"] = (jax, jnp, jnp.asarray(x), jnp.asarray(H))
    except ImportError:
        print("note: jax not installed; fungrad alone")

    grads, cands, pairs = {}, [], []
    for name, (lib, m, xv, Hv) in libs.items():
        loss = make_loss(m, Hv, (n, n))
        modes = [("eager", loss, lib.value_and_grad(loss))] if name == "fungrad" else []
        modes.append(("jit", lib.jit(loss), lib.jit(lib.value_and_grad(loss))))
        for mode, fwd, vg in modes:
            sync = (lambda v: v.block_until_ready()) if name == "jax" else (lambda v: v)
            grads[f"{name} {mode}"] = np.asarray(vg(xv)[1])
            f_c = Candidate(f"{name} {mode} forward", lambda f=fwd, s=sync, a=xv: s(f(a)))
            g_c = Candidate(f"{name} {mode} value_and_grad",
                            lambda f=vg, s=sync, a=xv: s(f(a)[1]))
            cands += [f_c, g_c]
            pairs.append((f"{name} {mode}", f_c, g_c))
    reference = grads["fungrad eager"]
    for key, g in grads.items():
        if not np.allclose(g, reference, rtol=1e-9, atol=1e-9 * np.abs(reference).max()):
            raise SystemExit(f"FAIL: {key}'s gradient differs from fungrad eager's")
    time_interleaved(cands, args.repeat, target=0.05)
    rows = [[label, f"{f.median * 1e3:.2f}", f"{g.median * 1e3:.2f}",
             f"{g.median / f.median:.2f}x"] for label, f, g in pairs]
    print(f"\n## Spectral loss on a {n}x{n} float64 image: gradient cost / forward cost\n")
    print(markdown_table(["impl", "forward ms", "value_and_grad ms", "ratio"], rows))


if __name__ == "__main__":
    main()
