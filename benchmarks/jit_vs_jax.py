"""fungrad's jit against JAX's jit, side by side in one process, on every workload of run.py.

    python benchmarks/jit_vs_jax.py [--only NAME,...] [--repeat N]

The same workloads, checks and round-robin timing as run.py, restricted to the numpy
floor, fungrad jit and jax jit, so a before/after comparison of the compiler is quick.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import sys

import run
from backends import load_backends
from harness import markdown_table
from workloads import implementations

IMPLS = ("numpy", "fungrad jit", "jax jit")


def main(argv=None):
    args = run.parse_args(argv)
    settings = dict(run.SETTINGS["full"])
    if args.repeat is not None:
        settings["repeat"] = args.repeat
    backends, _ = load_backends(["fungrad", "jax"])
    impls = [i for i in implementations(backends) if i.name in IMPLS]
    table = []
    for workload in args.workloads:
        rows = {r["impl"]: r for r in run.bench_workload(
            workload, impls, settings["repeat"], settings["target_sample_s"])}
        ours, theirs = rows.get("fungrad jit"), rows.get("jax jit")
        ratio = (f"{ours['median_s'] / theirs['median_s']:.2f}x"
                 if ours and theirs and ours["median_s"] and theirs["median_s"] else "")
        table.append([workload.name] + [run.table_row(rows[n])[2] if n in rows else ""
                                        for n in IMPLS]
                     + [ratio, run.table_row(ours)[4] if ours else ""])
        print(f"ran {workload.name}", file=sys.stderr, flush=True)
    print(markdown_table(["workload", *IMPLS, "fungrad jit / jax jit", "fungrad first call"],
                         table))


if __name__ == "__main__":
    main()
