"""Before/after table of two run.py result files: fungrad's ratios to numpy, torch and JAX.

    python benchmarks/compare.py BEFORE.json AFTER.json [AFTER2.json ...]

For each workload: fungrad eager's time over the numpy floor and over torch eager, and
fungrad jit's over JAX's jit, each before -> after (every ratio from one run, side by side
in one process, so the machine's load cancels as far as it can).  Several AFTER files are
merged (a later file's workload wins), for runs split by --only.
"""

import json
import sys

from harness import markdown_table


def ratios(path):
    """{workload: {impl: median seconds}} of one results file."""
    table = {}
    for row in json.loads(open(path).read())["results"]:
        if row["status"] == "ok":
            table.setdefault(row["workload"], {})[row["impl"]] = row["median_s"]
    return table


def ratio(times, num, den):
    if times is None or num not in times or den not in times:
        return None
    return times[num] / times[den]


def cell(before, after):
    fmt = lambda r: "-" if r is None else f"{r:.2f}x"  # noqa: E731
    return f"{fmt(before)} -> {fmt(after)}"


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    before = ratios(argv[0])
    after = {}
    for path in argv[1:]:
        after.update(ratios(path))
    rows = []
    for workload in list(before) + [w for w in after if w not in before]:
        b, a = before.get(workload), after.get(workload)
        rows.append([workload] + [cell(ratio(b, num, den), ratio(a, num, den)) for num, den in
                                  (("fungrad eager", "numpy"), ("fungrad eager", "torch"),
                                   ("fungrad jit", "numpy"), ("fungrad jit", "jax jit"))])
    print(markdown_table(["workload", "eager / numpy", "eager / torch", "jit / numpy",
                          "jit / jax jit"], rows))


if __name__ == "__main__":
    main(sys.argv[1:])
