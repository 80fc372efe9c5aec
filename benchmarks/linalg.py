"""Reverse-mode cost of the matrix factorizations, as a ratio to the forward call.

    /opt/jaxenv/bin/python benchmarks/linalg.py [--n 200] [--repeat 7] [--ops cholesky,svd]

For cholesky, eigh, svd and solve on an n x n float64 matrix (default 200), each library
times the forward call and ``value_and_grad`` of a scalar loss that reads every output
(a random weighting of it, so every cotangent is dense). The cheap-gradient principle
allows reverse mode a small constant multiple of the forward cost; the goal is at most 3x.
fungrad and JAX run side by side, both jitted (and eagerly for fungrad), one BLAS thread,
timed round-robin. Gradients are checked against each other before timing.

cholesky is the hard case: its forward call is LAPACK's potrf alone (n^3/3 flops), with
the symmetrization (a + a^H) / 2 that JAX does too. fungrad's reverse rule is one
primitive, cholesky_cotangent_hermitian: the symmetrization is inside the cholesky
primitive, so the cotangent wanted is Hermitian, and Murray's (2016) blocked reverse sweep
computes it with the factorization's own products transposed, about 2 n^3 / 3 flops (twice
potrf's) plus a small unblocked rule per 32-column block, with the diagonal blocks
inverted by doubling in batched products (numpy has no trsm or trtri). At n=200 it is
bounded by its ~140 numpy calls more than by flops. JAX's ratio is lower partly because
its forward call costs more, so compare the absolute value_and_grad times too.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse
import resource
import time

import numpy as np

from harness import Candidate, compare, markdown_table, time_interleaved


def problems(n, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n))
    spd = a @ a.T / n + np.eye(n)
    b = rng.standard_normal((n, 3))
    weights = {"l": rng.standard_normal((n, n)), "w": rng.standard_normal(n),
               "v": rng.standard_normal((n, n)), "s": rng.standard_normal(n),
               "u": rng.standard_normal((n, n)), "vh": rng.standard_normal((n, n)),
               "x": rng.standard_normal((n, 3))}
    return spd, a, b, weights


def losses(np_, linalg, c):
    """Each factorization and a loss reading all of its outputs, for one library."""
    def cholesky(a):
        return np_.sum(linalg.cholesky(a) * c["l"])

    def eigh(a):
        w, v = linalg.eigh(a)
        return np_.sum(w * c["w"]) + np_.sum(v * v * c["v"])  # sign-invariant in v

    def svd(a):
        u, s, vh = linalg.svd(a, full_matrices=False)
        return np_.sum(s * c["s"]) + np_.sum(u * vh.T * c["u"])  # invariant to signs

    def solve(a, b):
        return np_.sum(linalg.solve(a, b) * c["x"])

    forwards = {"cholesky": linalg.cholesky, "eigh": linalg.eigh,
                "svd": lambda a: linalg.svd(a, full_matrices=False), "solve": linalg.solve}
    return {"cholesky": cholesky, "eigh": eigh, "svd": svd, "solve": solve}, forwards


def faults_interleaved(cands, rounds=3):
    """Minor page faults per call of each candidate (``getrusage``), run in the timing's
    round-robin pattern (each candidate's calibrated number of calls in turn), since the
    allocator's state, and so whether a large temporary faults, depends on what ran before.
    Unlike time, the count is free of the other processes' noise: a large fresh temporary
    that glibc serves by regrowing a trimmed heap top costs one fault per 4 KB page."""
    counts = {c.name: [0, 0] for c in cands}
    for rnd in range(rounds):
        shift = rnd % len(cands)
        for cand in cands[shift:] + cands[:shift]:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            for _ in range(cand.number):
                cand.call()
            counts[cand.name][0] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
            counts[cand.name][1] += cand.number
    return {name: faults / calls for name, (faults, calls) in counts.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--ops", default="cholesky,eigh,svd,solve",
                        help="comma-separated subset of cholesky,eigh,svd,solve")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: this process's CPU time (time.process_time), which the "
                             "other processes sharing the core do not inflate")
    args = parser.parse_args(argv)
    spd, a, b, weights = problems(args.n)
    inputs = {"cholesky": (spd,), "eigh": (spd,), "svd": (a,), "solve": (a, b)}

    libs = {}
    import fungrad
    import fungrad.numpy as fnp
    libs["fungrad"] = (fungrad, fnp, lambda x: x, lambda x: x)
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        libs["jax"] = (jax, jnp, jnp.asarray, lambda x: jax.block_until_ready(x))
    except ImportError:
        print("note: jax is not installed; fungrad only")

    rows = []
    for op in args.ops.split(","):
        cands, grads = [], {}
        for name, (lib, np_, convert, sync) in libs.items():
            loss_fns, forwards = losses(np_, np_.linalg, {k: convert(v) for k, v in
                                                          weights.items()})
            xs = tuple(convert(x) for x in inputs[op])
            argnums = tuple(range(len(xs)))
            modes = [("jit", lib.jit)] + ([("eager", lambda f: f)] if name == "fungrad" else [])
            for mode, wrap in modes:
                fwd = wrap(forwards[op])
                vg = wrap(lib.value_and_grad(loss_fns[op], argnums=argnums))
                grads[f"{name} {mode}"] = sync(vg(*xs))[1]
                cands.append(Candidate(f"{name} {mode} forward",
                                       lambda fwd=fwd, xs=xs, sync=sync: sync(fwd(*xs))))
                cands.append(Candidate(f"{name} {mode} value_and_grad",
                                       lambda vg=vg, xs=xs, sync=sync: sync(vg(*xs))))
        reference = grads.get("jax jit")
        for label, g in grads.items():
            if reference is not None and label != "jax jit":
                ok, message = compare(g, reference, rtol=1e-6)
                if not ok:
                    print(f"WARNING: {op}: {label} gradient differs from jax's: {message}")
        clock = time.process_time if args.clock == "cpu" else time.perf_counter
        time_interleaved(cands, args.repeat, target=0.05, clock=clock)
        by_name = {c.name: c.median for c in cands}
        faults = faults_interleaved(cands)
        for label in grads:
            f, r = by_name[f"{label} forward"], by_name[f"{label} value_and_grad"]
            rows.append([op, label, f"{f * 1e3:.2f}", f"{r * 1e3:.2f}", f"{r / f:.2f}x",
                         f"{faults[f'{label} forward']:.1f}",
                         f"{faults[f'{label} value_and_grad']:.1f}"])

    print(f"\n## Reverse mode / forward, {args.n}x{args.n} float64, one BLAS thread, "
          f"{args.clock} time\n")
    print(markdown_table(["op", "impl", "forward ms", "value_and_grad ms", "ratio",
                          "forward faults/call", "value_and_grad faults/call"], rows))


if __name__ == "__main__":
    main()
