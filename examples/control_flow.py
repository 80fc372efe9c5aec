"""Control flow in fungrad: Python ``if``/``while`` with guards, ``jit`` variants, and ``lax``.

Run: ``python examples/control_flow.py`` (``FUNGRAD_EXAMPLE_SMALL=1`` for fewer calls).

1. Python control flow on traced values works: tracing with concrete inputs follows the path
   the values take and records each decision as a ``guard`` equation. The IR is specialized
   to that path, and says so.
2. ``jit`` caches one compiled variant per path: a call runs the first variant whose guards
   hold, and traces a new one only for a path it has not seen.
3. ``lax.cond`` / ``lax.while_loop`` / ``lax.fori_loop`` / ``lax.scan`` keep every branch and
   the loop body in the IR instead, so one IR serves all values (and works on shapes alone).
"""
from __future__ import annotations

import os

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad import lax

SMALL = os.environ.get("FUNGRAD_EXAMPLE_SMALL") == "1"


def tutorial(a):
    """The autodiff tutorial's function: double until the norm reaches 1000, then branch."""
    b = a * 2
    while fnp.linalg.norm(b) < 1000:
        b = b * 2
    c = b if fnp.sum(b) > 0 else 100 * b
    return c


def paths_and_guards() -> None:
    print("== 1. Python control flow is recorded as guards")
    a = 1.5
    closed = fungrad.make_jaxpr(tutorial)(a)
    n_guards = sum(e.primitive.name == "guard" for e in closed.eqns)
    print(f"IR of tutorial at a={a}: {len(closed.eqns)} equations, {n_guards} guards")
    print(closed)
    # f is linear along the path taken, so its derivative is f(a) / a
    g = fungrad.grad(lambda a: tutorial(a).sum())(a)
    print(f"grad at a={a}: {g} ; f(a)/a = {tutorial(a) / a}")
    try:
        closed(-1.5)  # another path: the first guard that disagrees stops the evaluation
    except fungrad.core.GuardFailure as e:
        print("evaluating that IR at a=-1.5 fails a guard:", e)


def jit_variants() -> None:
    print("== 2. jit keeps one compiled variant per control path")
    grad_f = fungrad.jit(fungrad.grad(lambda a: tutorial(a).sum()))
    calls = 100 if SMALL else 1000
    inputs = fungrad.random.normal(fungrad.random.key(0), (calls,))
    worst = max(abs(grad_f(a) - tutorial(a) / a) for a in inputs)
    print(f"{calls} calls, {grad_f.trace_count} traces (one per distinct path), "
          f"max |grad - f(a)/a| = {worst:.1e}")
    source = grad_f.sources()[0].splitlines()
    print(f"one variant's generated Python ({len(source)} lines; guards checked inline):")
    print("\n".join(source[:12] + ["    ..."] + source[-3:]))


def structured() -> None:
    print("== 3. lax keeps both branches / the loop body in the IR")

    def f(x):
        return lax.cond(fnp.sum(x) > 0, lambda y: fnp.sin(y) * 2.0, lambda y: y ** 3, x)

    spec = fungrad.ShapeDtypeStruct((3,), np.float64)
    print("cond traced from a shape alone:")
    print(fungrad.make_jaxpr(f)(spec))
    x = np.array([0.5, -0.2, 0.1])
    print("grad of sum(cond(...)) at", x, "=", fungrad.grad(lambda x: f(x).sum())(x))

    def power_sum(x):  # scan: carry a running product, emit every partial product
        return lax.scan(lambda c, xi: (c * xi, c * xi), 1.0, x)

    total, partial = power_sum(np.array([1.0, 2.0, 3.0]))
    print("scan running product:", partial, "final", total)
    print("grad of the final product:",
          fungrad.grad(lambda x: power_sum(x)[0])(np.array([1.0, 2.0, 3.0])))

    def doubling(x):
        return lax.while_loop(lambda v: fnp.sum(v) < 100.0, lambda v: v * 2.0, x)

    y, t = fungrad.jvp(doubling, (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    print("while_loop forward mode: value", y, "tangent", t)
    try:
        fungrad.grad(lambda x: doubling(x).sum())(np.array([1.0, 2.0]))
    except ValueError as e:
        print("reverse mode through while_loop is refused:", e)
    print("fori_loop with Python-int bounds is a scan, so reverse mode works:",
          fungrad.grad(lambda x: lax.fori_loop(0, 3, lambda i, v: v * x, 1.0))(2.0))


if __name__ == "__main__":
    paths_and_guards()
    jit_variants()
    structured()
