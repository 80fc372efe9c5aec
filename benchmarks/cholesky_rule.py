"""cholesky's reverse rule, three ways, side by side in one process: the
cholesky_cotangent_hermitian primitive (Murray's blocked reverse sweep, the rule in use),
the Hermitian part of the cholesky_cotangent primitive (the formula L^-T Phi(L^T G)
conj(L)^-1 with triangular shortcuts, the rule before), and that formula composed of
general operations (a full matrix product and two full triangular solves).

    /opt/jaxenv/bin/python benchmarks/cholesky_rule.py [--n 200] [--repeat 9]

Each rule is swapped into the cholesky primitive in turn; value_and_grad of
``sum(cholesky(a) * c)`` (which symmetrizes its input, as JAX) is timed jitted and eagerly,
as a ratio to the jitted forward call.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse

import numpy as np

from harness import Candidate, compare, markdown_table, time_interleaved


def formula_rule(g, primals, ans, needs, symmetrize_input):
    """The rule before the sweep: the Hermitian part of cholesky_cotangent's h."""
    from fungrad.prims import decompositions as dec
    return [dec._hermitian_part(dec.cholesky_cotangent(ans, g))]


def composed_rule(g, primals, ans, needs, symmetrize_input):
    """The rule before cholesky_cotangent: L^-T Phi(L^T G) conj(L)^-1 in general ops."""
    from fungrad.prims import decompositions as dec
    from fungrad.prims.linalg import matmul, matrix_transpose, solve_right, triangular_solve
    p = dec._skew_phi(matmul(matrix_transpose(ans), g))
    s = triangular_solve(ans, p, lower=True, transpose_a=True)
    return [dec._hermitian_part(solve_right(ans, s, lower=True, conjugate_a=True))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    import fungrad
    import fungrad.numpy as fnp
    from fungrad.prims import decompositions as dec

    rng = np.random.default_rng(0)
    a = rng.standard_normal((args.n, args.n))
    spd = a @ a.T / args.n + np.eye(args.n)
    c = rng.standard_normal((args.n, args.n))

    def loss(a):
        return fnp.sum(fnp.linalg.cholesky(a) * c)

    rules = {"hermitian sweep": dec.cholesky_p.vjp, "formula": formula_rule,
             "composed": composed_rule}

    def timed(rule, jit):
        vg = fungrad.value_and_grad(loss)
        vg = fungrad.jit(vg) if jit else vg

        def run():
            dec.cholesky_p.vjp = rule
            return vg(spd)
        return run

    forward = fungrad.jit(fnp.linalg.cholesky)
    cands = [Candidate("forward (jit)", lambda: forward(spd))]
    grads = {}
    for name, rule in rules.items():
        for mode in ("jit", "eager"):
            run = timed(rule, mode == "jit")
            grads[(name, mode)] = np.asarray(run()[1])
            cands.append(Candidate(f"{name} {mode}", run))
    reference = grads[("composed", "eager")]
    for key, g in grads.items():
        ok, message = compare(g, reference, rtol=1e-9)
        if not ok:
            print(f"WARNING: {key} gradient differs: {message}")
    try:
        time_interleaved(cands, args.repeat, target=0.05)
    finally:
        dec.cholesky_p.vjp = rules["hermitian sweep"]
    f = cands[0].median
    rows = [[c.name, f"{c.median * 1e3:.2f}", f"{c.median / f:.2f}x"] for c in cands]
    print(f"\n## cholesky value_and_grad by rule, {args.n}x{args.n} float64, one BLAS thread\n")
    print(markdown_table(["rule", "ms", "ratio to forward"], rows))


if __name__ == "__main__":
    main()
