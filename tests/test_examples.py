"""Run every example as a script (small sizes) and check what it prints.

The numbers are checked against expectations computed here with numpy, not against fungrad.
For the tour, every ``name = value`` line it prints must be checked by some test: each section
test takes its lines out of the parsed output and finally asserts none is left.
"""
from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import fungrad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")


def run_example(name: str, *args: str, small: bool = True, cwd: str | None = None):
    """Run examples/<name> in a fresh interpreter; returns (stdout, seconds)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    if small:
        env["FUNGRAD_EXAMPLE_SMALL"] = "1"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, name), *args],
                          capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=120)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    assert proc.stderr == "", proc.stderr
    return proc.stdout, elapsed


def import_example(name: str):
    """The example as a module (its main() is not run), to reuse its data generators."""
    path = os.path.join(EXAMPLES, name)
    spec = importlib.util.spec_from_file_location(f"_example_{name[:-3]}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_is_tested():
    """Every example file is run by some test: its name appears in a test module."""
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    text = "".join(open(os.path.join(tests_dir, f)).read()
                   for f in os.listdir(tests_dir) if f.endswith(".py"))
    present = {f for f in os.listdir(EXAMPLES) if f.endswith(".py")}
    untested = sorted(f for f in present if f'"{f}"' not in text)
    assert not untested, f"examples no test runs: {untested}"


# ---------------------------------------------------------------------------------------------
# The tour: parse its output into sections of `name = value` lines and IR blocks
# ---------------------------------------------------------------------------------------------

class Section:
    def __init__(self, title: str):
        self.title = title
        self.values: list[tuple[str, object]] = []
        self.irs: list[str] = []

    def take(self, name: str):
        """The value printed for ``name`` (the first not yet taken); it is then checked."""
        for i, (key, value) in enumerate(self.values):
            if key == name:
                del self.values[i]
                return value
        raise AssertionError(f"section {self.title!r} printed no {name!r}; it has "
                             f"{[k for k, _ in self.values]}")

    def assert_all_checked(self):
        assert not self.values, f"unchecked numbers in {self.title!r}: {self.values}"


def parse_tour(text: str) -> dict[int, Section]:
    sections: dict[int, Section] = {}
    current = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        head = re.match(r"^== (\d+)\. (.*)$", line)
        if head:
            current = sections[int(head[1])] = Section(head[2])
        elif line.lstrip().startswith("{ lambda"):
            # an IR block: up to the line that closes its brace
            block, depth = [line], line.count("{") - line.count("}")
            while depth > 0:
                i += 1
                block.append(lines[i])
                depth += lines[i].count("{") - lines[i].count("}")
            current.irs.append(textwrap.dedent("\n".join(block)))
        elif re.match(r"^  \S", line) and " = " in line:
            # a `name = value` line: the value must be a Python literal
            key, value = line[2:].split(" = ", 1)
            current.values.append((key.strip(), ast.literal_eval(value.strip())))
        i += 1
    return sections


@pytest.fixture(scope="module")
def tour():
    out, elapsed = run_example("autodiff_tour.py", small=False)
    return parse_tour(out), out, elapsed


def ir_eqn_lines(ir: str) -> list[str]:
    """The equation lines of a printed IR (multi-line or one-line form)."""
    body = ir.split(". let", 1)[1].rsplit(" in (", 1)[0]
    if "\n" not in body.strip():
        return [e.strip() for e in body.split(";") if e.strip()]
    return [ln.strip() for ln in body.strip().splitlines() if ln.strip()]


def ir_binders(ir: str) -> tuple[list[str], list[str]]:
    """(constvar types, invar types) of a printed IR's first line."""
    head = ir.split(". let", 1)[0]
    consts, ins = head[len("{ lambda"):].split(";")
    return re.findall(r":(\S+)", consts), re.findall(r":(\S+)", ins)


def ir_outputs(ir: str) -> list[str]:
    return ir.rsplit(" in (", 1)[1].rsplit(")", 1)[0].rstrip(",").split()


def test_tour_runs_fast_and_in_order(tour):
    sections, out, elapsed = tour
    assert elapsed < 10.0
    assert sorted(sections) == list(range(1, 11))


def test_tour_1_gradient_is_4x(tour):
    sec = tour[0][1]
    x = np.arange(4.0)
    np.testing.assert_array_equal(sec.take("x"), x)
    assert sec.take("y") == 2 * x @ x == 28.0
    np.testing.assert_allclose(sec.take("grad(loss)(x)"), 4 * x)
    np.testing.assert_allclose(sec.take("4 * x"), 4 * x)
    (ir,) = sec.irs
    assert ir_binders(ir) == ([], ["f64[4]"])
    assert len(ir_outputs(ir)) == 1
    assert ir_eqn_lines(ir)[-1].startswith(ir_outputs(ir)[0] + ":f64[4] =")
    sec.assert_all_checked()


def test_tour_2_no_accumulation(tour):
    sec = tour[0][2]
    x = np.arange(4.0)
    np.testing.assert_array_equal(sec.take("grad(total)(x)"), np.ones(4))
    np.testing.assert_array_equal(sec.take("grad(total)(x), again"), np.ones(4))
    np.testing.assert_allclose(sec.take("grad(loss)(x), again"), 4 * x)
    np.testing.assert_allclose(sec.take("torch without zero_() would give"), 4 * x + 1)
    sec.assert_all_checked()


def test_tour_3_stop_gradient_is_detach(tour):
    sec = tour[0][3]
    x = np.arange(4.0)
    np.testing.assert_array_equal(sec.take("u"), x * x)
    np.testing.assert_allclose(sec.take("grad(detached)(x)"), x * x)
    np.testing.assert_allclose(sec.take("without stop_gradient: 3 x^2"), 3 * x ** 2)
    (ir,) = sec.irs
    prims = [re.split(r"[\s\[]", e.split(" = ")[1])[0] for e in ir_eqn_lines(ir)]
    assert prims.count("stop_gradient") == 1
    sec.assert_all_checked()


def _tutorial_f(a: float) -> tuple[float, int, bool]:
    """The tutorial's f in plain numpy: (value, loop iterations, took the if branch)."""
    b, n = a * 2, 0
    while abs(b) < 1000:
        b, n = b * 2, n + 1
    return (b, n, True) if b > 0 else (100 * b, n, False)


def test_tour_4_control_flow(tour):
    sec = tour[0][4]
    for _ in range(2):
        a = sec.take("a")
        value, _, _ = _tutorial_f(a)
        np.testing.assert_allclose(sec.take("f(a)"), value, rtol=1e-6)
        # on the path taken f(a) = k a, so the gradient is k = f(a) / a
        np.testing.assert_allclose(sec.take("grad(f)(a)"), value / a, rtol=1e-9)
        np.testing.assert_allclose(sec.take("f(a) / a"), value / a, rtol=1e-9)
    # the IR printed is grad(f) at a = -150: two doublings, then the else branch
    value, loops, positive = _tutorial_f(-150.0)
    assert (loops, positive) == (2, False)
    (ir,) = sec.irs
    guards = [e for e in ir_eqn_lines(ir) if e.startswith("guard")]
    assert sec.take("guards in the IR of grad(f) at -150") == len(guards) == loops + 2
    expected = ["True"] * loops + ["False", str(positive)]
    assert [re.search(r"expect=(\w+)", g)[1] for g in guards] == expected
    assert ir_outputs(ir) == [repr(value / -150.0)]  # the gradient, a literal on this path
    sec.assert_all_checked()


def test_tour_5_inner_product(tour):
    sec = tour[0][5]
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(sec.take("x"), x)
    np.testing.assert_allclose(sec.take("grad(inner)(x)"), [2.0, 4.0, 6.0])
    sec.assert_all_checked()


def test_tour_6_gradient_shape_is_parameter_shape(tour):
    sec = tour[0][6]
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(sec.take("x"), x)
    assert sec.take("dW.shape") == (2, 3)
    assert sec.take("db.shape") == (2,)
    np.testing.assert_allclose(sec.take("dW"), np.stack([x, x]))
    np.testing.assert_allclose(sec.take("db"), np.ones(2))
    sec.assert_all_checked()


def test_tour_7_relu_layer_backward(tour):
    sec = tour[0][7]
    # the layer's constants, as written in the tour
    W = np.array([[0.5, -1.0, 0.25], [1.0, 0.5, -0.5]])
    b = np.array([0.1, -0.2])
    x = np.array([1.0, 2.0, 3.0])
    pre = W @ x + b
    mask = (pre > 0).astype(float)
    np.testing.assert_allclose(sec.take("W @ x + b"), pre, atol=1e-6)
    np.testing.assert_array_equal(sec.take("mask (W @ x + b > 0)"), mask)
    np.testing.assert_allclose(sec.take("dW"), np.outer(mask, x))
    np.testing.assert_allclose(sec.take("db"), mask)
    (ir,) = sec.irs
    _, ins = ir_binders(ir)
    assert ins == ["f64[2,3]", "f64[2]"]
    prims = [re.split(r"[\s\[]", e.split(" = ")[1])[0] for e in ir_eqn_lines(ir)]
    assert {"select", "keep"} & set(prims) and {"gt", "ge", "lt", "le"} & set(prims)
    types = dict(re.findall(r"(\w+):(\S+) =", ir))
    assert [types[o] for o in ir_outputs(ir)] == ["f64[2,3]", "f64[2]"]  # dW, db
    sec.assert_all_checked()


def test_tour_8_vjp(tour):
    sec = tour[0][8]
    np.testing.assert_array_equal(sec.take("v"), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(sec.take("vjp(double, x)[1](v)"), [2.0, 0.0, 0.0])
    (ir,) = sec.irs
    assert ir_binders(ir) == ([], ["f64[3]", "f64[3]"])
    assert len(ir_eqn_lines(ir)) == 1 and " mul " in " " + ir_eqn_lines(ir)[0]
    sec.assert_all_checked()


def test_tour_9_forward_versus_reverse(tour):
    sec = tour[0][9]
    wide_fwd, wide_rev, tall_fwd, tall_rev, pullback = sec.irs
    x, t, k = np.linspace(0.0, 1.0, 3), 0.5, np.arange(1.0, 4.0)
    for key in ("wide, forward mode", "wide, reverse mode", "jacfwd(wide)(x)",
                "jacrev(wide)(x)"):
        np.testing.assert_allclose(sec.take(key), np.sin(x) + x * np.cos(x), atol=1e-6)
    for key in ("tall, forward mode", "tall, reverse mode", "jacfwd(tall)(0.5)",
                "jacrev(tall)(0.5)"):
        np.testing.assert_allclose(sec.take(key), k * np.cos(k * t), atol=1e-6)
    count = {}
    for what in ("wide n", "tall m"):
        for size in (3, 10, 100):
            for mode in ("forward", "reverse"):
                count[what[0], size, mode] = sec.take(f"{what}={size} {mode} equations")
    # the printed counts are those of the printed IRs
    assert count["w", 3, "forward"] == len(ir_eqn_lines(wide_fwd))
    assert count["w", 3, "reverse"] == len(ir_eqn_lines(wide_rev))
    assert count["t", 3, "forward"] == len(ir_eqn_lines(tall_fwd))
    assert count["t", 3, "reverse"] == len(ir_eqn_lines(tall_rev))
    # the IRs take the input(s) and give a gradient shaped like x, a derivative like f(t)
    assert ir_binders(wide_fwd)[1] == ir_binders(wide_rev)[1] == ["f64[3]"]
    assert ir_binders(tall_fwd)[1] == ir_binders(tall_rev)[1] == ["f64[]"]
    # one pass per input in forward mode, one per output in reverse mode: for wide each JVP
    # ends in its own reduce_sum (of a tangent); for tall each VJP in its own reduce_sum
    # (the cotangent summed back onto the scalar t)
    def reduce_sums(ir):
        return sum("reduce_sum" in e for e in ir_eqn_lines(ir))
    assert (reduce_sums(wide_fwd), reduce_sums(wide_rev)) == (3, 0)
    assert (reduce_sums(tall_fwd), reduce_sums(tall_rev)) == (0, 3)
    # cost: linear in n for forward mode on the wide function, constant for reverse mode;
    # and the other way round on the tall one
    for grows, flat in ((("w", "forward"), ("w", "reverse")),
                        (("t", "reverse"), ("t", "forward"))):
        c = [count[grows[0], n, grows[1]] for n in (3, 10, 100)]
        assert c[0] < c[1] < c[2]
        assert (c[1] - c[0]) * 90 == (c[2] - c[1]) * 7  # exactly linear in the size
        assert len({count[flat[0], n, flat[1]] for n in (3, 10, 100)}) == 1
    # memory: the pullback of a depth-3 chain receives 3 stored arrays of the input's shape
    consts, ins = ir_binders(pullback)
    assert consts == ["f64[5]"] * 3 and ins == ["f64[]"]
    live_fwd, live_rev = [], []
    for depth in (2, 4, 8, 16):
        assert sec.take(f"depth {depth}: stored for reverse") == depth
        live_fwd.append(sec.take(f"depth {depth}: peak live arrays, jvp"))
        live_rev.append(sec.take(f"depth {depth}: peak live arrays, vjp"))
    assert len(set(live_fwd)) == 1  # forward mode: constant memory in the depth
    assert np.all(np.diff(live_rev) == np.diff([2, 4, 8, 16]))  # reverse: one more per step
    sec.assert_all_checked()


def test_tour_10_gradient_check(tour):
    sec = tour[0][10]
    eps = 1e-5
    numeric = ((3.0 + eps) ** 2 - (3.0 - eps) ** 2) / (2 * eps)
    assert sec.take("analytic") == 6.0
    assert sec.take("numeric") == numeric
    assert sec.take("|analytic - numeric|") == abs(6.0 - numeric)
    assert abs(6.0 - numeric) < 1e-6
    assert sec.take("check_grads(order=2) passed") is True
    sec.assert_all_checked()


# ---------------------------------------------------------------------------------------------
# The other examples
# ---------------------------------------------------------------------------------------------

def _floats(text: str) -> np.ndarray:
    """The numbers in a printed numpy array like ``[0.  0.72686198 0.63970001]``."""
    return np.array(text.strip().strip("[]").split(), dtype=float)


def test_quickstart():
    out, _ = run_example("quickstart.py")
    lines = out.splitlines()
    x = np.array([0.0, 0.5, 1.0])
    assert lines[0].startswith("f(x)    =")
    np.testing.assert_allclose(float(lines[0].split("=")[1]), np.sum(np.tanh(x) ** 2))
    assert lines[1].startswith("grad(f) =")
    t = np.tanh(x)
    np.testing.assert_allclose(_floats(lines[1].split("=")[1]), 2 * t * (1 - t ** 2),
                               rtol=1e-7)
    ir = "\n".join(lines[2:])
    assert ir.startswith("{ lambda") and ir.rstrip().endswith("}")
    assert ir_binders(ir)[1] == ["f64[3]"]
    assert any(" tanh " in f" {e} " for e in ir_eqn_lines(ir))


def test_linear_regression():
    out, _ = run_example("linear_regression.py")
    steps = re.findall(r"^step +(\d+)  loss (\S+)$", out, re.M)
    assert [int(s) for s, _ in steps] == list(range(0, 61, 10))
    losses = [float(v) for _, v in steps]
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    module = import_example("linear_regression.py")
    X, y, true_w, true_b = module.make_data(100, 3)
    assert losses[0] == pytest.approx(np.mean(y ** 2), abs=1e-6)  # w = 0, b = 0
    exact = np.linalg.lstsq(np.hstack([X, np.ones((100, 1))]), y, rcond=None)[0]
    assert losses[-1] == pytest.approx(np.mean((X @ exact[:-1] + exact[-1] - y) ** 2),
                                       abs=1e-5)

    def numbers(label):
        line = next(ln for ln in out.splitlines() if ln.startswith(label))
        w_text, b_text = line.split("=", 1)[1].rsplit("=", 1)
        return np.array(ast.literal_eval(w_text.rsplit("]", 1)[0] + "]")), float(b_text)

    w, b = numbers("true w")
    np.testing.assert_allclose(w, true_w, atol=1e-4)
    assert b == true_b
    for label in ("learned w", "lstsq w"):
        w, b = numbers(label)
        np.testing.assert_allclose(w, exact[:-1], atol=2e-4)
        assert b == pytest.approx(exact[-1], abs=2e-4)


def test_mlp_classifier():
    out, _ = run_example("mlp_classifier.py")
    epochs = re.findall(r"^epoch +(\d+)  loss (\S+)  accuracy (\S+)$", out, re.M)
    assert [int(e) for e, _, _ in epochs] == list(range(21))
    losses = [float(v) for _, v, _ in epochs]
    accs = [float(a) for _, _, a in epochs]
    # epoch 0 is the untrained network: recompute its loss and accuracy in numpy
    module = import_example("mlp_classifier.py")
    import fungrad.random as random
    k_train, _, k_init, _ = random.split(random.key(0), 4)
    X, y = module.moons(200, k_train)
    params = module.init_params([2, 16, 16, 2], k_init)
    h = X
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    logits = h @ params[-1][0] + params[-1][1]
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    assert losses[0] == pytest.approx(-np.mean(logp[np.arange(200), y]), abs=1e-4)
    assert accs[0] == pytest.approx(np.mean(np.argmax(logits, axis=1) == y), abs=1e-3)
    # training works
    assert losses[-1] < 0.5 * losses[0]
    train = float(re.search(r"^final train accuracy (\S+)$", out, re.M)[1])
    test = float(re.search(r"^final test accuracy (\S+)$", out, re.M)[1])
    assert train == accs[-1]
    assert train >= 0.85 and test >= 0.85


def test_newton():
    out, _ = run_example("newton.py")
    rosen_part, logistic_part = out.split("Logistic regression")
    # the Hessian of Rosenbrock at (x, y) is [[1200x^2 - 400y + 2, -400x], [-400x, 200]]
    x, y = -1.2, 1.0
    hess = ast.literal_eval(re.search(r"hessian at start = (.*)", rosen_part)[1])
    np.testing.assert_allclose(hess, [[1200 * x * x - 400 * y + 2, -400 * x],
                                      [-400 * x, 200.0]])
    steps = re.findall(r"step +(\d+)  f (\S+)  \|grad\| (\S+)", rosen_part)
    assert float(steps[0][1]) == pytest.approx(100 * (y - x * x) ** 2 + (1 - x) ** 2)
    assert len(steps) <= 10 and float(steps[-1][2]) < 1e-8
    np.testing.assert_allclose(
        ast.literal_eval(re.search(r"minimum found at = (.*)", rosen_part)[1]), [1.0, 1.0])

    assert logistic_part.startswith(", 60 samples, 3 features")
    steps = re.findall(r"step +(\d+)  f (\S+)  \|grad\| (\S+)", logistic_part)
    f_values = [float(f) for _, f, _ in steps]
    assert f_values[0] == pytest.approx(np.log(2.0))  # w = 0: every probability is 1/2
    assert all(b <= a + 1e-12 for a, b in zip(f_values, f_values[1:]))
    assert len(steps) <= 8 and float(steps[-1][2]) < 1e-8
    # the printed weights are a stationary point of the loss, by a numpy gradient
    w = np.array(ast.literal_eval(re.search(r"weights = (.*)", logistic_part)[1]))
    X, labels = import_example("newton.py").make_data(60, 3)
    p = 1.0 / (1.0 + np.exp(-X @ w))
    assert np.linalg.norm(X.T @ (p - labels) / 60 + 0.1 * w) < 1e-6


def test_graph(tmp_path):
    out, _ = run_example("graph.py", str(tmp_path))
    reports = re.findall(r"^(\w+): (\d+) equations \((\d+) guards\), (\d+) edges -> (\S+)$",
                         out, re.M)
    assert [r[0] for r in reports] == ["control_flow", "relu_layer_grad"]
    for name, n_eqns, n_guards, n_edges, path in reports:
        dot = open(path).read()
        assert dot.startswith(f"digraph {name} {{") and dot.rstrip().endswith("}")
        nodes = re.findall(r"^  (eqn\d+) \[label=\"([^\"\\]*(?:\\.[^\"\\]*)*)\"(.*)\];$",
                           dot, re.M)
        assert len(nodes) == int(n_eqns)
        assert sum("shape=octagon" in attrs for _, _, attrs in nodes) == int(n_guards)
        assert sum(label.startswith("guard") for _, label, _ in nodes) == int(n_guards)
        assert len(re.findall(r"^  \w+ -> \w+ ", dot, re.M)) == int(n_edges)
    assert [r[2] for r in reports] == ["4", "0"]
    svgs = sorted(p.name for p in tmp_path.glob("*.svg"))
    if shutil.which("dot"):
        assert svgs == ["control_flow.svg", "relu_layer_grad.svg"]
        assert out.count("rendered ->") == 2
    else:
        assert svgs == [] and "not installed" in out


def test_control_flow():
    out, _ = run_example("control_flow.py")
    part1, part2, part3 = re.split(r"^== \d\. .*$", out, flags=re.M)[1:]

    # 1. the IR at a = 1.5 follows the path numpy takes: one guard per loop test and the if
    value, loops, positive = _tutorial_f(1.5)
    head = re.search(r"IR of tutorial at a=1.5: (\d+) equations, (\d+) guards", part1)
    ir = part1[part1.index("{ lambda"):part1.index("}\n") + 1]
    assert int(head[1]) == len(ir_eqn_lines(ir))
    guards = re.findall(r"guard\[expect=(\w+)\]", ir)
    assert int(head[2]) == len(guards) == loops + 2
    assert guards == ["True"] * loops + ["False", str(positive)]
    grad_line = re.search(r"grad at a=1.5: (\S+) ; f\(a\)/a = (\S+)", part1)
    assert float(grad_line[1]) == float(grad_line[2]) == value / 1.5
    assert "at a=-1.5 fails a guard" in part1

    # 2. jit traces once per distinct path among the inputs
    inputs = np.asarray(fungrad.random.normal(fungrad.random.key(0), (100,)))
    paths = {_tutorial_f(a)[1:] for a in inputs}
    stats = re.search(r"(\d+) calls, (\d+) traces .* max \|grad - f\(a\)/a\| = (\S+)", part2)
    assert (int(stats[1]), int(stats[2])) == (100, len(paths))
    assert float(stats[3]) < 1e-6
    assert "raise GuardFailure" in part2

    # 3. lax: numbers against numpy
    assert "cond[" in part3 and part3.count("{ lambda") == 3  # the IR and its two branches
    x = np.array([0.5, -0.2, 0.1])  # sum > 0: the sin branch, derivative 2 cos x
    grad_cond = _floats(re.search(r"grad of sum\(cond\(\.\.\.\)\) at .* = (\[.*\])", part3)[1])
    np.testing.assert_allclose(grad_cond, 2 * np.cos(x), rtol=1e-7)
    scan = re.search(r"scan running product: (\[.*\]) final (\S+)", part3)
    np.testing.assert_array_equal(_floats(scan[1]), np.cumprod([1.0, 2.0, 3.0]))
    assert float(scan[2]) == 6.0
    np.testing.assert_array_equal(
        _floats(re.search(r"grad of the final product: (\[.*\])", part3)[1]), [6.0, 3.0, 2.0])
    loop = re.search(r"while_loop forward mode: value (\[.*\]) tangent (\[.*\])", part3)
    v, t = np.array([1.0, 2.0]), np.array([1.0, 0.0])
    while v.sum() < 100.0:
        v, t = v * 2, t * 2
    np.testing.assert_array_equal(_floats(loop[1]), v)
    np.testing.assert_array_equal(_floats(loop[2]), t)
    assert "reverse mode through while_loop is refused: Reverse-mode" in part3
    assert float(re.search(r"reverse mode works: (\S+)", part3)[1]) == 3 * 2.0 ** 2
