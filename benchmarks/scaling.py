"""Per-equation cost of fungrad's pipeline as programs grow, 10^2 .. 10^5 equations.

    python benchmarks/scaling.py [--max-exp 5] [--plot PATH]

Each program is the scalar_chain cycle (sin, *, cos, +, tanh, *, exp, +) on a float64
vector of 4, N operations long, as `fungrad.numpy` code.  Every stage of the pipeline is
timed on it separately:

  * trace: tracing the Python function to a jaxpr with abstract inputs (no arithmetic);
  * simplify: the clean-up passes jit and make_jaxpr run (CSE, constant folding, DCE);
  * vjp: the IR -> IR reverse-mode transform (`fungrad.vjp.vjp_jaxpr`), which traces the
    backward pass into a jaxpr of its own;
  * jvp: the IR -> IR forward-mode transform (`fungrad.jvp.jvp_jaxpr`);
  * compile: jit's code generation (Python source + `compile`) of the vjp jaxpr;
  * compile scalars: the same on a float64 scalar, where the code is Python-float
    expressions (single-use values written into their reader);
  * eager grad: `fungrad.grad` of the chain's sum on concrete values, end to end.

Time is divided by the number of equations of the stage's input program, so a stage that is
linear in the program's size shows a flat line.  A stage whose cost per equation at the
largest size exceeds FLAT_TOLERANCE times its cost at 10^3 is reported as superlinear (the
smallest programs are dominated by fixed per-call costs and are left out of the check).
The table goes to stdout, the plot (matplotlib) to benchmarks/results/scaling.png.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse
import gc
import sys
import time

import numpy as np

from harness import BENCH_DIR, environment, markdown_table, print_environment
from workloads import apply_chain, chain_ops

FLAT_TOLERANCE = 2.0
VECTOR = 4
MIN_SECONDS = 0.2  # repeat small programs until a measurement lasts this long


def best_time(fn, min_seconds=MIN_SECONDS, max_repeat=50):
    """The shortest of several runs of fn() (one run if it alone takes min_seconds), in CPU
    seconds of this process: on a machine shared with other work, wall time measures the
    others' load, while everything timed here runs on this one thread."""
    best, total, runs = float("inf"), 0.0, 0
    while runs < max_repeat and (runs < 2 or total < min_seconds):
        gc.collect()
        start = time.process_time()
        fn()
        elapsed = time.process_time() - start
        best, total, runs = min(best, elapsed), total + elapsed, runs + 1
        if elapsed > min_seconds:
            break
    return best


def stages(n):
    """{stage: (seconds, equations it processed)} for a chain of n operations."""
    import fungrad
    import fungrad.numpy as fnp
    from fungrad.core import ShapedArray, trace_to_jaxpr
    from fungrad.jit import compile_jaxpr
    from fungrad.jvp import jvp_jaxpr
    from fungrad.passes import simplify
    from fungrad.vjp import vjp_jaxpr

    ops = chain_ops(n)

    def chain(x):
        return [apply_chain(fnp, x, ops)]

    spec = [ShapedArray((VECTOR,), np.float64)]
    closed, _ = trace_to_jaxpr(chain, spec, abstract=True)
    n_eqns = len(closed.eqns)
    backward = vjp_jaxpr(closed, [True])
    x = np.linspace(0.1, 0.9, VECTOR)
    grad = fungrad.grad(lambda a: fnp.sum(apply_chain(fnp, a, ops)))
    scalar, _ = trace_to_jaxpr(chain, [ShapedArray((), np.float64)], abstract=True)
    scalar_backward = vjp_jaxpr(scalar, [True])

    return {
        "trace": (best_time(lambda: trace_to_jaxpr(chain, spec, abstract=True)), n_eqns),
        "simplify": (best_time(lambda: simplify(closed)), n_eqns),
        "vjp": (best_time(lambda: vjp_jaxpr(closed, [True])), n_eqns),
        "jvp": (best_time(lambda: jvp_jaxpr(closed, [True])), n_eqns),
        "compile": (best_time(lambda: compile_jaxpr(backward)), len(backward.eqns)),
        "compile scalars": (best_time(lambda: compile_jaxpr(scalar_backward)),
                            len(scalar_backward.eqns)),
        "eager grad": (best_time(lambda: grad(x)), n_eqns),
    }


def check_flat(per_eqn, sizes):
    """Stages whose cost per equation grows: [(stage, ratio of largest size to 10^3)]."""
    base = 1000 if 1000 in sizes else sizes[0]
    grown = []
    for stage, costs in per_eqn.items():
        ratio = costs[sizes[-1]] / costs[base]
        grown.append((stage, ratio, ratio <= FLAT_TOLERANCE))
    return base, grown


def plot(per_eqn, sizes, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for stage, costs in per_eqn.items():
        ax.plot(sizes, [costs[n] * 1e6 for n in sizes], marker="o", label=stage)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("equations in the program")
    ax.set_ylabel("µs per equation")
    ax.set_title("fungrad: cost per equation by program size (flat = linear)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-exp", type=int, default=5, help="largest program: 10^max_exp ops")
    parser.add_argument("--plot", default=str(BENCH_DIR / "results" / "scaling.png"))
    args = parser.parse_args(argv)
    print_environment(environment([]))
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))  # nothing here may recurse deeper

    sizes = [10 ** e for e in range(2, args.max_exp + 1)]
    per_eqn, rows = {}, []
    for n in sizes:
        start = time.perf_counter()
        for stage, (seconds, eqns) in stages(n).items():
            per_eqn.setdefault(stage, {})[n] = seconds / eqns
            rows.append([f"{n:,}", stage, f"{eqns:,}", f"{seconds * 1e3:.1f}",
                         f"{seconds / eqns * 1e6:.2f}"])
        print(f"measured {n:,} ops in {time.perf_counter() - start:.1f} s", file=sys.stderr,
              flush=True)

    print("## Cost per equation\n")
    print(markdown_table(["ops", "stage", "equations", "ms", "µs per equation"], rows))
    base, grown = check_flat(per_eqn, sizes)
    print(f"\n## Linearity: µs per equation at {sizes[-1]:,} ops over {base:,} ops "
          f"(flat if <= {FLAT_TOLERANCE})\n")
    print(markdown_table(["stage", "ratio", "verdict"],
                         [[s, f"{r:.2f}", "flat" if ok else "SUPERLINEAR"] for s, r, ok in grown]))
    try:
        plot(per_eqn, sizes, args.plot)
        print(f"\nwrote {args.plot}")
    except ImportError:
        print("\nmatplotlib is not installed: no plot (it is in the bench environment)")
    return 0 if all(ok for _, _, ok in grown) else 1


if __name__ == "__main__":
    sys.exit(main())
