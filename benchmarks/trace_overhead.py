"""Per-operation overhead of tracing and of eager autodiff, in microseconds.

    python benchmarks/trace_overhead.py [--repeat N]

A chain of 1,000 elementwise ops (the scalar_chain cycle of sin, cos, tanh,
exp, *, +) on a small array makes the cost of the arithmetic negligible, so
time / 1,000 is what the library spends per operation:

  * numpy: the same 1,000 plain numpy calls (the floor);
  * make_jaxpr (fungrad, jax): tracing the chain to a jaxpr, no evaluation;
  * value_and_grad (every library): evaluating the chain plus the sum that
    makes it a scalar, and its gradient; this is forward + backward per op.

Candidates are timed round-robin like run.py; gradients are checked against
the hand-written numpy chain rule first.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse

import numpy as np

from backends import load_backends
from harness import Candidate, compare, environment, markdown_table, print_environment, time_interleaved
from workloads import apply_chain, chain_ops, scalar_chain_numpy

CHAIN_LENGTH = 1000
ARRAY_SIZE = 8  # small: per-op bookkeeping, not arithmetic, dominates


def trace_candidate(backend, x, ops, **options):
    """make_jaxpr of the chain; a fresh function each call so no trace cache can hit."""
    def call():
        return backend.make_jaxpr(lambda a: apply_chain(backend.np, a, ops), **options)(x)
    label = f"{backend.name} make_jaxpr" + ("" if not options else
                                            " " + ",".join(f"{k}={v}" for k, v in options.items()))
    return Candidate(label, call)


def grad_candidate(backend, x, ops, **_):
    """value_and_grad of sum(chain(x)), with inputs converted once, untimed."""
    vg = backend.value_and_grad(lambda a, data: backend.np.sum(apply_chain(backend.np, a, ops)))
    params, data = backend.prepare(x, None, "value_and_grad")
    return Candidate(f"{backend.name} value_and_grad", lambda: backend.sync(vg(params, data)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=11, help="samples per candidate")
    args = parser.parse_args(argv)

    backends, notes = load_backends()
    print_environment(environment(backends.values()))
    for note in notes:
        print(f"note: {note}")

    ops = chain_ops(CHAIN_LENGTH)
    x = np.linspace(0.1, 0.9, ARRAY_SIZE)
    out, grad = scalar_chain_numpy(CHAIN_LENGTH, x, None)  # elementwise, so any shape works
    reference = (np.sum(out), grad)

    cands = [Candidate("numpy", lambda: apply_chain(np, x, ops))]
    kinds = {"numpy": f"{CHAIN_LENGTH} plain calls"}
    for backend in backends.values():
        builders = [(grad_candidate, {}, "forward + backward")]
        if backend.make_jaxpr is not None:
            builders.insert(0, (trace_candidate, {}, "trace (+ clean-up passes)"))
            if backend.name == "fungrad":  # fungrad's make_jaxpr also simplifies the IR
                builders.insert(0, (trace_candidate, {"simplify": False}, "trace only"))
        for build, options, kind in builders:
            try:
                cand = build(backend, x, ops, **options)
                out = cand.call()
                if build is grad_candidate:
                    ok, message = compare(out, reference, rtol=1e-6)
                    if not ok:
                        print(f"FAIL: {cand.name}: {message}; not timed")
                        continue
            except Exception as exc:  # report and go on with the others
                print(f"ERROR: {backend.name} ({kind}): {type(exc).__name__}: {exc}".splitlines()[0])
                continue
            cands.append(cand)
            kinds[cand.name] = kind

    time_interleaved(cands, args.repeat, target=0.05)
    floor = cands[0].median / CHAIN_LENGTH
    rows = [[c.name, kinds[c.name], f"{c.median / CHAIN_LENGTH * 1e6:.2f}",
             f"{c.median / CHAIN_LENGTH / floor:.1f}x"] for c in cands]
    print(f"\n## Overhead per operation ({CHAIN_LENGTH}-op elementwise chain, "
          f"float64 array of {ARRAY_SIZE})\n")
    print(markdown_table(["impl", "measures", "µs per op", "ratio to numpy"], rows))


if __name__ == "__main__":
    main()
