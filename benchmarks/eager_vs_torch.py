"""fungrad eager against torch eager, side by side: the eager rows of run.py only.

    python benchmarks/eager_vs_torch.py [--only NAME,...] [--repeat N] [--statistic min]

The same workloads, checks and round-robin timing as run.py, but only the numpy floor,
fungrad eager and torch are built and timed, so a before/after comparison of fungrad's
eager overhead takes a minute rather than ten. The last column is fungrad eager / torch.
``--statistic min`` reports the fastest sample instead of the median: on a machine shared
with other work, the sample least disturbed by it (use many short samples).
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse
import sys

from backends import load_backends
from harness import format_seconds, markdown_table
from run import bench_workload
from workloads import WORKLOADS, implementations

EAGER_ROWS = ("numpy", "fungrad eager", "torch")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated workload names")
    parser.add_argument("--repeat", type=int, default=11, help="samples per implementation")
    parser.add_argument("--sample", type=float, default=0.03, help="seconds per sample")
    parser.add_argument("--statistic", choices=("median", "min"), default="median")
    args = parser.parse_args(argv)
    workloads = WORKLOADS
    if args.only:
        wanted = {n.strip() for n in args.only.split(",")}
        workloads = [w for w in WORKLOADS if w.name in wanted]
    backends, notes = load_backends(("fungrad", "torch"))
    for note in notes:
        print(f"note: {note}")
    impls = [i for i in implementations(backends) if i.name in EAGER_ROWS]
    table = []
    for workload in workloads:
        rows = {r["impl"]: r for r in bench_workload(workload, impls, args.repeat, args.sample)}
        if args.statistic == "min":
            for r in rows.values():
                if r["median_s"]:
                    r["median_s"] = min(r["samples_s"])
        fg, torch = rows.get("fungrad eager"), rows.get("torch")
        ratio = ""
        if fg and torch and fg["median_s"] and torch["median_s"]:
            ratio = f"{fg['median_s'] / torch['median_s']:.2f}"
        cell = lambda r: format_seconds(r["median_s"]) if r and r["median_s"] else (
            r["status"] + " " + r["detail"] if r else "")
        table.append([workload.name, cell(rows.get("numpy")), cell(fg), cell(torch), ratio])
        print(f"ran {workload.name}", file=sys.stderr, flush=True)
    print(f"{args.statistic} of {args.repeat} samples of ~{format_seconds(args.sample)} per "
          "implementation, interleaved round-robin\n")
    print(markdown_table(["workload", "numpy", "fungrad eager", "torch", "fungrad/torch"], table))


if __name__ == "__main__":
    sys.exit(main())
