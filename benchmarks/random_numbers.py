"""Random numbers: fungrad.random against numpy's Generator and JAX on the CPU.

    /opt/jaxenv/bin/python benchmarks/random_numbers.py [--size 1000000] [--repeat 7]

Times uniform and normal draws of ``--size`` float64 (and float32) samples, side by side in
one process, round-robin (harness.time_interleaved): fungrad eagerly and under jit, numpy's
``default_rng().random`` / ``standard_normal`` (PCG64; normal by ziggurat), and JAX's jitted
``jax.random`` (threefry, as fungrad). Prints a markdown table of medians and ratios to
numpy. fungrad and JAX draw the same numbers for the same key; numpy's are another stream.
"""
import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse

import numpy as np

from harness import Candidate, markdown_table, time_interleaved


def candidates(size: int, dtype) -> dict:
    import fungrad
    import fungrad.random as frandom
    key = frandom.PRNGKey(0)
    rng = np.random.default_rng(0)
    shape = (size,)
    out = {
        "uniform": [
            Candidate("numpy Generator.random", lambda: rng.random(size, dtype)),
            Candidate("fungrad.random.uniform", lambda: frandom.uniform(key, shape, dtype)),
        ],
        "normal": [
            Candidate("numpy Generator.standard_normal",
                      lambda: rng.standard_normal(size, dtype)),
            Candidate("fungrad.random.normal", lambda: frandom.normal(key, shape, dtype)),
        ],
    }
    jit_uniform = fungrad.jit(lambda k: frandom.uniform(k, shape, dtype))
    jit_normal = fungrad.jit(lambda k: frandom.normal(k, shape, dtype))
    out["uniform"].append(Candidate("fungrad jit(uniform)", lambda: jit_uniform(key)))
    out["normal"].append(Candidate("fungrad jit(normal)", lambda: jit_normal(key)))
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        from jax import random as jrandom
        jkey = jrandom.PRNGKey(0)
        j_uniform = jax.jit(lambda k: jrandom.uniform(k, shape, dtype))
        j_normal = jax.jit(lambda k: jrandom.normal(k, shape, dtype))
        out["uniform"].append(Candidate("jax jit(uniform)",
                                        lambda: j_uniform(jkey).block_until_ready()))
        out["normal"].append(Candidate("jax jit(normal)",
                                       lambda: j_normal(jkey).block_until_ready()))
        # the same numbers (to an ulp or so where numpy's and XLA's log1p round apart)
        np.testing.assert_array_equal(np.asarray(j_uniform(jkey)), jit_uniform(key))
        np.testing.assert_allclose(np.asarray(j_normal(jkey)), jit_normal(key),
                                   rtol=1e-12 if dtype == np.float64 else 1e-6, atol=1e-12)
    except ImportError:
        pass
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10**6)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--target", type=float, default=0.2, help="seconds per sample")
    args = parser.parse_args(argv)
    rows = []
    for dtype in (np.float64, np.float32):
        for what, cands in candidates(args.size, dtype).items():
            time_interleaved(cands, args.repeat, args.target)
            base = cands[0].median
            for c in cands:
                rows.append([what, np.dtype(dtype).name, c.name, f"{c.median * 1e3:.2f}",
                             f"{c.median / base:.2f}x"])
    print(f"## {args.size:,} samples, median ms per draw, ratio to numpy's Generator\n")
    print(markdown_table(["draw", "dtype", "implementation", "ms", "vs numpy"], rows))


if __name__ == "__main__":
    main()
