"""Side-by-side benchmark of fungrad against a numpy floor and its peers.

    python benchmarks/run.py [--quick] [--only NAME,...] [--repeat N] [--selftest]

For every workload (see workloads.py) each implementation is built fresh and
called once (the "first call": trace + transform + compile), its output is
checked against the hand-written numpy floor, and then all implementations
that passed are timed round-robin in this one process.  The table gives the
median time per call and its ratio to the numpy floor; the same numbers go
to benchmarks/results/latest.json.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse
import functools
import json
import sys
import time
from textwrap import shorten

from backends import load_backends
from harness import (BENCH_DIR, Candidate, compare, environment, first_call, format_seconds,
                     markdown_table, print_environment, tolerance)
from workloads import WORKLOADS, implementations, selftest

# Samples per implementation and the length of one sample, in seconds.
# --quick keeps a full run well under a minute.
SETTINGS = {
    "full": {"repeat": 21, "target_sample_s": 0.05},
    "quick": {"repeat": 5, "target_sample_s": 0.002},
}
RESULTS_FILE = BENCH_DIR / "results" / "latest.json"


def _runner(impl, params, data):
    """run(fn): call fn on this impl's inputs and wait for the result."""
    return lambda fn: impl.sync(fn(params, data))


def bench_workload(workload, impls, repeat, target):
    """Check, then time, every implementation on one workload; returns result rows."""
    params, data = workload.make_inputs()
    rtol = workload.reference_rtol or tolerance(workload.dtype)
    rows, timed, reference = [], [], None  # timed: (Candidate, its row) pairs
    stream_reference = None  # (row name, output): the first row of workload.same_stream
    for impl in [i for i in impls if i.applies(workload)]:
        row = {"workload": workload.name, "impl": impl.name, "status": "ok",
               "detail": "", "median_s": None, "ratio": None, "first_call_s": None}
        rows.append(row)
        reason = impl.skip_reason(workload)
        if reason:
            row.update(status="n/a", detail=reason)
            continue
        try:
            run = _runner(impl, *impl.prepare(params, data, workload))
            fn, out, row["first_call_s"] = first_call(functools.partial(impl.build, workload), run)
        except Exception as exc:  # report and go on with the other rows
            row.update(status="ERROR", detail=f"{type(exc).__name__}: {exc}".splitlines()[0])
            continue
        if impl.backend is None:  # the numpy floor comes first and is the reference
            reference, row["detail"] = out, "reference"
        else:
            ok, row["detail"] = compare(out, reference, rtol)
            if ok and impl.backend.name in workload.same_stream:
                if stream_reference is None:
                    stream_reference = (impl.name, out)
                else:  # the same numbers drawn: round-off agreement, not statistical
                    ok, detail = compare(out, stream_reference[1], tolerance(workload.dtype))
                    row["detail"] += f"; vs {stream_reference[0]} {detail}"
            if not ok:
                row["status"] = "FAIL"
                continue
        timed.append((Candidate(impl.name, functools.partial(run, fn)), row))

    harness.time_interleaved([cand for cand, _ in timed], repeat, target)
    floor = timed[0][0].median if timed and timed[0][0].name == "numpy" else None
    for cand, row in timed:
        row.update(median_s=cand.median, samples_s=cand.samples, calls_per_sample=cand.number)
        if floor:
            row["ratio"] = cand.median / floor
    return rows


def table_row(row):
    """Table cells for one result row; problems replace the time with what went wrong."""
    if row["status"] == "ok":
        median = format_seconds(row["median_s"])
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] is not None else ""
    elif row["status"] == "n/a":
        median, ratio = row["detail"], ""
    else:
        median, ratio = f"{row['status']}: {shorten(row['detail'], 100)}", ""
    return [row["workload"], row["impl"], median, ratio, format_seconds(row["first_call_s"])]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="few, short samples: all workloads in under a minute")
    parser.add_argument("--only", help="comma-separated workload names to run")
    parser.add_argument("--repeat", type=int, help="samples per implementation (default: 21, quick: 5)")
    parser.add_argument("--selftest", action="store_true",
                        help="check the numpy floors against finite differences and exit")
    args = parser.parse_args(argv)
    names = [w.name for w in WORKLOADS]
    args.workloads = WORKLOADS
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(names)}")
        args.workloads = [w for w in WORKLOADS if w.name in wanted]
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def run_selftest():
    failed = 0
    for name, ok, message in selftest():
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {message}")
        failed += not ok
    return 1 if failed else 0


def main(argv=None):
    args = parse_args(argv)
    if args.selftest:
        return run_selftest()
    settings = dict(SETTINGS["quick" if args.quick else "full"])
    if args.repeat is not None:
        settings["repeat"] = args.repeat

    backends, notes = load_backends()
    env = environment(backends.values())
    print_environment(env)
    for note in notes:
        print(f"note: {note}")
    print(f"settings: {settings['repeat']} samples of ~{format_seconds(settings['target_sample_s'])} "
          "per implementation, interleaved round-robin\n", flush=True)

    impls = implementations(backends)
    rows = []
    for workload in args.workloads:
        start = time.perf_counter()
        rows += bench_workload(workload, impls, settings["repeat"], settings["target_sample_s"])
        print(f"ran {workload.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)

    print("## Results\n")
    print(markdown_table(["workload", "impl", "median per call", "ratio to numpy", "first call"],
                         [table_row(r) for r in rows]))
    print("\nWorkloads:")
    for w in args.workloads:
        print(f"- {w.name}: {w.description}")
    problems = [r for r in rows if r["status"] in ("FAIL", "ERROR")]
    for r in problems:
        print(f"{r['status']}: {r['workload']} / {r['impl']}: {r['detail']}")

    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(
        {"environment": env, "notes": notes, "settings": settings, "results": rows}, indent=1))
    print(f"\nwrote {RESULTS_FILE.relative_to(harness.REPO_ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
