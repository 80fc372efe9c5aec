"""Peak memory of one call of a workload's transform: the 784-256-10 MLP's value_and_grad
(float64) and the 1,000-step scan RNN's, without and with checkpoint.

    python benchmarks/memory.py [--only NAME,...]

Measured with tracemalloc, which sees numpy's array buffers (numpy reports
them to it) and Python objects, so it covers the numpy floor, fungrad and
autograd, which all compute with numpy.  torch and jax allocate outside
Python's allocator, invisible to tracemalloc, and are left out.

Each function is called three times before measuring, so one-time costs (lazy
imports, a jit's trace and compile, caches; eager grad compiles its backward
pass on the second call and runs it once keeping every forward value, in case
it must fall back to the rules) are not counted: the number is
the steady-state peak of a training step, above what was allocated before
the call, including the returned loss and gradients.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse
import functools
import gc
import tracemalloc

from backends import load_backends
from harness import compare, environment, markdown_table, print_environment, tolerance, tree_flatten
from workloads import WORKLOADS, implementations

DEFAULT_WORKLOADS = ("mlp_784_256_10_f64", "scan_rnn_1000", "scan_rnn_1000_checkpoint")
# Libraries whose arrays are numpy arrays, so tracemalloc sees all they allocate.
MEASURABLE = ("numpy", "fungrad eager", "fungrad jit", "autograd")


def peak_bytes(call):
    """Peak bytes allocated during call() above the allocation before it."""
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        out = call()  # noqa: F841  (kept alive: the result is part of the peak)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def megabytes(n_bytes):
    return f"{n_bytes / 2**20:.2f}"


def measure(workload, backends):
    """Print the peak-memory table of every measurable implementation on `workload`."""
    params, data = workload.make_inputs()
    input_bytes = sum(a.nbytes for a in tree_flatten((params, data))[0])
    reference = workload.numpy_impl(params, data)
    output_bytes = sum(a.nbytes for a in tree_flatten(reference)[0])

    rows, floor = [], None
    for impl in implementations(backends):
        if impl.name not in MEASURABLE or not impl.applies(workload):
            continue
        reason = impl.skip_reason(workload)
        if reason:
            rows.append([impl.name, reason, ""])
            continue
        try:
            p, d = impl.prepare(params, data, workload)
            fn = impl.build(workload)
            ok, message = compare(fn(p, d), reference, tolerance(workload.dtype))  # also the warm-up
            if not ok:
                print(f"FAIL: {impl.name}: {message}; not measured")
                continue
            for _ in range(2):  # (the rest of the warm-up: see the module docstring)
                fn(p, d)
            peak = peak_bytes(functools.partial(fn, p, d))
        except Exception as exc:  # report and go on with the others
            print(f"ERROR: {impl.name}: {type(exc).__name__}: {exc}".splitlines()[0])
            continue
        if peak < output_bytes:  # the returned gradients alone take output_bytes
            print(f"WARNING: {impl.name}: peak {megabytes(peak)} MB is below the size of the "
                  f"gradients; it allocates where tracemalloc cannot see")
        floor = floor or peak
        rows.append([impl.name, megabytes(peak), f"{peak / floor:.2f}x"])

    print(f"\n## Peak memory of one {workload.transform} call: {workload.name} "
          f"({workload.description})\n")
    print(f"inputs (params + data): {megabytes(input_bytes)} MB, not counted; "
          f"outputs: {megabytes(output_bytes)} MB, counted\n")
    print(markdown_table(["impl", "peak MB", "ratio to numpy"], rows))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(DEFAULT_WORKLOADS),
                        help="comma-separated workload names (default: %(default)s)")
    args = parser.parse_args(argv)
    by_name = {w.name: w for w in WORKLOADS}
    wanted = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}")

    backends, notes = load_backends(["fungrad", "autograd"])
    print_environment(environment(backends.values()))
    for note in notes:
        print(f"note: {note}")
    for name in wanted:
        measure(by_name[name], backends)


if __name__ == "__main__":
    main()
