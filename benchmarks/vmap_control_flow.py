"""vmap of lax control flow: the batched rules of ``scan``/``while``/``cond`` (one loop over
batched sub-jaxprs) against the per-example loop vmap used before them (the primitive run
once per example and the results stacked), side by side in one process.

    /opt/jaxenv/bin/python benchmarks/vmap_control_flow.py

The per-example loop is what vmap falls back to for a primitive without a batching rule, so
it is measured by taking the rule away for that candidate's calls. Prints per-call times and
the ratio old / new (above 1: the batched rule is faster).
"""
import harness  # noqa: F401  (first: thread settings)

import statistics
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad import control_flow, lax


@dataclass
class Candidate:
    call: Callable
    number: int = 1
    samples: list = field(default_factory=list)


def without_rule(prim, fn):
    def call():
        rule, prim.batch = prim.batch, None
        try:
            return fn()
        finally:
            prim.batch = rule
    return call


def main(batch: int = 64, repeat: int = 5, target: float = 0.2) -> None:
    rng = np.random.default_rng(0)
    xs = rng.uniform(0.5, 1.5, (batch, 8))
    workloads = {
        "scan (20 steps)": (control_flow.scan_p, fungrad.vmap(lambda x: lax.scan(
            lambda c, y: (fnp.sin(c) * y + c, c.sum()), x, fnp.linspace(0.0, 1.0, 20))[0])),
        "fori_loop, static bounds (20)": (control_flow.scan_p, fungrad.vmap(
            lambda x: lax.fori_loop(0, 20, lambda i, c: fnp.cos(c) + c * 0.5, x))),
        "while_loop, batched predicate": (control_flow.while_p, fungrad.vmap(
            lambda x: lax.while_loop(lambda c: c.sum() < 40.0, lambda c: c * 1.1 + 0.1, x))),
        "cond, batched predicate": (control_flow.cond_p, fungrad.vmap(
            lambda x: lax.cond(x.sum() > 8.0, fnp.sin, fnp.cos, x))),
    }
    rows = []
    for name, (prim, fn) in workloads.items():
        new = Candidate(lambda fn=fn: fn(xs))
        old = Candidate(without_rule(prim, lambda fn=fn: fn(xs)))
        np.testing.assert_allclose(new.call(), old.call(), rtol=1e-12)
        harness.time_interleaved([new, old], repeat, target)
        t_new, t_old = statistics.median(new.samples), statistics.median(old.samples)
        rows.append([name, harness.format_seconds(t_new), harness.format_seconds(t_old),
                     f"{t_old / t_new:.1f}x"])
    print(f"vmap over {batch} examples, median of {repeat} interleaved samples")
    print(harness.markdown_table(["workload", "batched rule", "per-example loop",
                                  "old / new"], rows))


if __name__ == "__main__":
    main()
