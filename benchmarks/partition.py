"""Partial sorts: fungrad.numpy.partition / argpartition against a full sort, numpy and JAX.

    /opt/jaxenv/bin/python benchmarks/partition.py [--size 1000000] [--kth 10] [--repeat 5]

fungrad's argpartition is a selection (numpy's introselect for the pivot, then only the
``kth + 1`` smallest are sorted) in JAX's order; its partition also sorts the top part,
largest first, because JAX's order asks for it. Side by side in one process, round-robin
(harness.time_interleaved): fungrad's argpartition, partition, argsort and sort; numpy's
argpartition (unordered parts) and sort; JAX's jitted argpartition and partition (two
``top_k`` calls). Prints a markdown table of medians and ratios to fungrad's full argsort.
"""
import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse

import numpy as np

from harness import Candidate, markdown_table, time_interleaved


def candidates(x: np.ndarray, kth: int) -> list:
    import fungrad.numpy as fnp
    out = [
        Candidate("fungrad argsort (full sort)", lambda: fnp.argsort(x)),
        Candidate("fungrad argpartition", lambda: fnp.argpartition(x, kth)),
        Candidate("fungrad sort (full sort)", lambda: fnp.sort(x)),
        Candidate("fungrad partition", lambda: fnp.partition(x, kth)),
        Candidate("numpy argpartition (no order)", lambda: np.argpartition(x, kth)),
        Candidate("numpy sort", lambda: np.sort(x)),
    ]
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        jx = jnp.asarray(x)
        j_arg = jax.jit(lambda v: jnp.argpartition(v, kth))
        j_part = jax.jit(lambda v: jnp.partition(v, kth))
        out += [Candidate("jax jit(argpartition)", lambda: j_arg(jx).block_until_ready()),
                Candidate("jax jit(partition)", lambda: j_part(jx).block_until_ready())]
        # the same order as JAX's
        np.testing.assert_array_equal(np.asarray(j_arg(jx)), fnp.argpartition(x, kth))
        np.testing.assert_array_equal(np.asarray(j_part(jx)), fnp.partition(x, kth))
    except ImportError:
        pass
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10**6)
    parser.add_argument("--kth", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--target", type=float, default=0.3, help="seconds per sample")
    args = parser.parse_args(argv)
    x = np.random.default_rng(0).normal(size=args.size)
    cands = candidates(x, args.kth)
    time_interleaved(cands, args.repeat, args.target)
    base = cands[0].median
    rows = [[c.name, f"{c.median * 1e3:.1f}", f"{c.median / base:.2f}x"] for c in cands]
    print(f"## {args.size:,} float64, kth={args.kth}: median ms, ratio to fungrad's argsort\n")
    print(markdown_table(["implementation", "ms", "vs full argsort"], rows))


if __name__ == "__main__":
    main()
