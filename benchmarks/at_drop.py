"""``x.at[i].<op>(v)`` under jit with a traced index: JAX's default drop against
``mode='clip'`` and against the general drop (pad x by one slot, scatter, slice it off,
which was the default before the fast paths), in one process, round-robin.

    python benchmarks/at_drop.py [--n 1000000] [--repeat 31] [--only add,set]

Prints the median per call and its ratio to clip.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse
import time

import numpy as np

import fungrad
import fungrad.numpy as fnp


def general(x, i, v, method):
    """The padded drop, as the default was before."""
    ref, padded, _, _ = fnp.asarray(x).at[i]._in_bounds(None, method, True)
    if not padded:
        return getattr(ref, "_" + method)(v)
    return ref._padded_update(method, padded, v)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=10 ** 6)
    p.add_argument("--repeat", type=int, default=31)
    p.add_argument("--only", default="add,multiply,max,set,power")
    args = p.parse_args()
    n = args.n
    x = np.random.default_rng(0).uniform(0.5, 2.0, n)
    cases = []
    for method in args.only.split(","):
        scalar = method in ("multiply", "min", "max")  # traced arrays: NotImplementedError
        for where, idx in (("in", [5, n - 3, 7]), ("out", [5, n + 3, 7])):
            i = np.array(idx[1] if scalar else idx)
            v = np.array(1.5) if scalar else np.array([1.5, 2.0, 2.5])
            fns = {
                "drop": fungrad.jit(lambda x, i, v, m=method: getattr(x.at[i], m)(v)),
                "clip": fungrad.jit(lambda x, i, v, m=method: getattr(x.at[i], m)(
                    v, mode="clip")),
                "padded": fungrad.jit(lambda x, i, v, m=method: general(x, i, v, m)),
            }
            want = np.asarray(fns["padded"](x, i, v))
            np.testing.assert_array_equal(fns["drop"](x, i, v), want)
            cases.append((f"{method} idx {where}", fns, (x, i, v)))
    times = {(c, k): [] for c, fns, _ in cases for k in fns}
    for _ in range(args.repeat):
        for c, fns, a in cases:
            for k, f in fns.items():
                t = time.perf_counter()
                f(*a)
                times[(c, k)].append(time.perf_counter() - t)
    print(f"n = {n}, median of {args.repeat} round-robin calls (ms), ratio to clip")
    print("| case | drop (new default) | padded (old default) | clip |")
    print("|---|---|---|---|")
    for c, fns, _ in cases:
        med = {k: 1e3 * np.median(times[(c, k)]) for k in fns}
        print(f"| {c} | {med['drop']:.2f} ({med['drop'] / med['clip']:.2f}x) | "
              f"{med['padded']:.2f} ({med['padded'] / med['clip']:.2f}x) | {med['clip']:.2f} |")


if __name__ == "__main__":
    main()
