"""``fungrad.viz.to_dot`` (checked on the DOT text itself) and ``python -m fungrad show``."""
from __future__ import annotations

import inspect
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections import Counter

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import core, lax, nn
from fungrad.cli import main, parse_specs
from fungrad.core import ClosedJaxpr, Eqn, Jaxpr, Literal, Primitive, ShapedArray, Var
from fungrad.viz import render, to_dot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOUR = os.path.join(ROOT, "examples", "autodiff_tour.py")


# ---------------------------------------------------------------------------------------------
# A small DOT reader: enough of the grammar to check what to_dot writes
# ---------------------------------------------------------------------------------------------

_QUOTED = r'"(?:[^"\\]|\\.)*"'
_ATTR = re.compile(rf'(\w+)=({_QUOTED}|[^\s\]]+)')


def _unquote(text: str) -> str:
    if text.startswith('"'):
        return re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], text[1:-1])
    return text


def parse_dot(dot: str):
    """(nodes: id -> attrs, edges: [(src, dst, attrs)]) of a digraph; asserts it is well
    formed: braces balanced outside strings, one statement per line, nodes declared once
    and before use, every edge endpoint a declared node."""
    outside = re.sub(_QUOTED, '""', dot)
    assert outside.count("{") == outside.count("}") == 1
    lines = dot.strip().splitlines()
    assert re.match(r"^digraph (\w+|" + _QUOTED + r") \{$", lines[0]), lines[0]
    assert lines[-1] == "}"
    nodes: dict[str, dict] = {}
    edges = []
    for line in lines[1:-1]:
        stmt = re.match(rf'^  (\w+)(?: -> (\w+))? \[((?:{_QUOTED}|[^"\]])*)\];$', line)
        if stmt is None:
            assert re.match(r'^  (rankdir=\w+|(node|edge) \[.*\]);$', line), line
            continue
        src, dst, attr_text = stmt.groups()
        attrs = {k: _unquote(v) for k, v in _ATTR.findall(attr_text)}
        if dst is None and src in ("node", "edge", "graph"):
            continue  # default attributes, not a node
        if dst is None:
            assert src not in nodes, f"node {src} declared twice"
            nodes[src] = attrs
        else:
            assert src in nodes and dst in nodes, f"edge {src} -> {dst}: undeclared node"
            edges.append((src, dst, attrs))
    return nodes, edges


def expected_edges(jaxpr: Jaxpr) -> Counter:
    """The IR's data flow: one (producer, consumer) pair per Var read."""
    where = {id(v): f"const{i}" for i, v in enumerate(jaxpr.constvars)}
    where.update({id(v): f"in{i}" for i, v in enumerate(jaxpr.invars)})
    flow = Counter()
    for i, eqn in enumerate(jaxpr.eqns):
        for x in eqn.inputs:
            if isinstance(x, Var):
                flow[where[id(x)], f"eqn{i}"] += 1
        for v in eqn.outvars:
            where[id(v)] = f"eqn{i}"
    for i, x in enumerate(jaxpr.outvars):
        if isinstance(x, Var):
            flow[where[id(x)], f"out{i}"] += 1
    return flow


def check_dot(closed, dot: str):
    """Everything to_dot promises, for this IR."""
    jaxpr = closed.jaxpr if isinstance(closed, ClosedJaxpr) else closed
    nodes, edges = parse_dot(dot)
    eqn_nodes = sorted((n for n in nodes if n.startswith("eqn")), key=lambda n: int(n[3:]))
    assert eqn_nodes == [f"eqn{i}" for i in range(len(jaxpr.eqns))]  # one node per equation
    assert {n for n in nodes if n.startswith("in")} == {f"in{i}" for i in
                                                          range(len(jaxpr.invars))}
    assert {n for n in nodes if n.startswith("const")} == {f"const{i}" for i in
                                                             range(len(jaxpr.constvars))}
    assert {n for n in nodes if n.startswith("out")} == {f"out{i}" for i in
                                                           range(len(jaxpr.outvars))}
    assert len(nodes) == len(jaxpr.eqns) + len(jaxpr.invars) + len(jaxpr.constvars) + len(
        jaxpr.outvars)  # no node for literals
    assert Counter((s, d) for s, d, _ in edges) == expected_edges(jaxpr)
    for i, eqn in enumerate(jaxpr.eqns):
        label = nodes[f"eqn{i}"]["label"].split("\n")
        assert label[0].split()[0] == eqn.primitive.name
        if eqn.outvars:
            assert ", ".join(v.aval.str_short() for v in eqn.outvars) in label
        for x in eqn.inputs:  # literals are folded into the label
            if isinstance(x, Literal):
                assert core.pp_literal(x) in label[0].split()[1:]
        is_guard = eqn.primitive.name == "guard"
        assert (nodes[f"eqn{i}"]["shape"] == "octagon") == is_guard
    for i in range(len(jaxpr.outvars)):
        assert nodes[f"out{i}"].get("peripheries") == "2"
    if shutil.which("dot"):  # Graphviz itself accepts it (skipped, alone, without Graphviz)
        proc = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert "<svg" in proc.stdout and proc.stderr == ""
    return nodes, edges


def _tutorial_f(a):
    b = a * 2
    while fnp.linalg.norm(b) < 1000:
        b = b * 2
    return b if fnp.sum(b) > 0 else 100 * b


W = np.array([[0.5, -1.0, 0.25], [1.0, 0.5, -0.5]])
B = np.array([0.1, -0.2])
X = np.array([1.0, 2.0, 3.0])


IRS = {
    "sin_mul": lambda: fungrad.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3)),
    "same_input_twice": lambda: fungrad.make_jaxpr(lambda x: x * x)(np.ones(2)),
    "guards": lambda: fungrad.make_jaxpr(_tutorial_f)(-150.0),
    "grad_with_consts": lambda: fungrad.make_jaxpr(
        fungrad.grad(lambda W, b: nn.relu(W @ X + b).sum(), argnums=(0, 1)))(W, B),
    "literal_and_input_outputs": lambda: fungrad.make_jaxpr(
        lambda x: (x, 1.0, x * 2))(np.ones(2)),
    "cond": lambda: fungrad.make_jaxpr(
        lambda x: lax.cond(fnp.sum(x) > 0, fnp.sin, lambda x: x * 2.0, x))(np.ones(3)),
    "scan_grad": lambda: fungrad.make_jaxpr(fungrad.grad(
        lambda x: fnp.sum(lax.scan(lambda c, x: (c * x, c), 1.0, x)[1])))(np.ones(3)),
}


@pytest.mark.parametrize("name", sorted(IRS))
def test_to_dot_matches_the_ir(name):
    closed = IRS[name]()
    check_dot(closed, to_dot(closed))


def test_to_dot_details():
    nodes, edges = check_dot(IRS["sin_mul"](), to_dot(IRS["sin_mul"]()))
    assert nodes["eqn0"]["label"] == "sin\nf64[3]"
    assert nodes["eqn1"]["label"] == "mul b 2.0\nf64[3]"
    assert nodes["eqn1"]["tooltip"] == "c:f64[3] = mul b 2.0"  # its line of the IR
    assert [e[2]["label"] for e in edges] == ["a", "b", "c"]  # names as print() gives them

    nodes, edges = check_dot(IRS["same_input_twice"](), to_dot(IRS["same_input_twice"]()))
    assert [(s, d) for s, d, _ in edges] == [("in0", "eqn0"), ("in0", "eqn0"), ("eqn0", "out0")]

    closed = IRS["guards"]()
    nodes, _ = check_dot(closed, to_dot(closed))
    guards = [n for n, a in nodes.items() if a.get("shape") == "octagon"]
    assert [nodes[g]["label"] for g in guards] == [
        "guard\n[expect=True]", "guard\n[expect=True]", "guard\n[expect=False]",
        "guard\n[expect=False]"]

    closed = IRS["grad_with_consts"]()
    nodes, _ = check_dot(closed, to_dot(closed))
    assert nodes["const0"]["label"].startswith("const a\nf64[3]")
    assert "dashed" in nodes["const0"]["style"]

    nodes, _ = check_dot(IRS["literal_and_input_outputs"](),
                         to_dot(IRS["literal_and_input_outputs"]()))
    assert nodes["out1"]["label"] == "out 1\n1.0"

    nodes, _ = check_dot(IRS["cond"](), to_dot(IRS["cond"]()))
    cond = next(a for a in nodes.values() if a["label"].startswith("cond"))
    assert "branches=(2 jaxprs: 1, 1 eqns)" in cond["label"]  # nested jaxprs summarized


def test_to_dot_hand_built_ir_with_multiple_results_and_awkward_params():
    """Multiple outputs feeding different consumers, a nested jaxpr param, a string param
    with quotes and backslashes, and an effect without outputs."""
    split = Primitive("split_two", multiple_results=True)
    effect = Primitive("log_effect", multiple_results=True)
    f64 = ShapedArray((3,), np.float64)
    x, p, q, r = Var(f64), Var(f64), Var(f64), Var(f64)
    inner_x = Var(f64)
    inner = Jaxpr([], [inner_x], [], [inner_x])
    eqns = [
        Eqn(split, [x], {"body": inner, "note": 'say "hi" \\ bye'}, [p, q]),
        Eqn(core.guard_p, [Var(ShapedArray((), np.bool_))], {"expect": True}, []),
        Eqn(effect, [q], {}, []),
        Eqn(split, [q, p, Literal(2.0, ShapedArray((), np.float64, True))], {}, [r, Var(f64)]),
    ]
    eqns[1].inputs = [p]  # a guard reading p (types do not matter to the drawing)
    jaxpr = Jaxpr([], [x], eqns, [r, q])
    dot = to_dot(jaxpr, name="hand built")
    assert dot.startswith('digraph "hand built" {')
    nodes, edges = check_dot(jaxpr, dot)
    assert nodes["eqn0"]["label"].split("\n")[1:] == [
        "[body={jaxpr: 0 eqns}", "note='say \"hi\" \\\\ bye']", "f64[3], f64[3]"]
    assert nodes["eqn2"]["shape"] == "hexagon"  # an effect: no outputs, not a guard
    assert nodes["eqn3"]["label"].startswith("split_two c b 2.0\n")
    assert [e[2]["label"] for e in edges if e[1] == "eqn3"] == ["c", "b"]


def test_to_dot_show_source():
    saved = core._config["source_info"]
    core._config["source_info"] = True
    try:
        closed = fungrad.make_jaxpr(lambda x: fnp.sin(x))(np.ones(2))
        line = inspect.currentframe().f_lineno - 1
    finally:
        core._config["source_info"] = saved
    here = f"{os.path.basename(__file__)}:{line}"
    assert here not in to_dot(closed)
    nodes, _ = check_dot(closed, to_dot(closed, show_source=True))
    assert nodes["eqn0"]["label"] == f"sin\nf64[2]\n{here}"


def test_render(tmp_path, monkeypatch):
    dot = to_dot(IRS["sin_mul"]())
    if shutil.which("dot"):
        assert render(dot, tmp_path / "g.svg") is True
        assert "<svg" in (tmp_path / "g.svg").read_text()
        with pytest.raises(RuntimeError, match="dot -Tsvg failed"):
            render("digraph { a -> }", tmp_path / "bad.svg")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert render(dot, tmp_path / "none.svg") is False
    assert not (tmp_path / "none.svg").exists()


# ---------------------------------------------------------------------------------------------
# python -m fungrad show
# ---------------------------------------------------------------------------------------------

def show(capsys, *argv):
    """(exit status, stdout, stderr) of ``main(["show", *argv])``."""
    status = main(["show", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def tour_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location("_tour_for_tests", TOUR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parse_specs():
    specs = parse_specs(" f64[4], f32[2, 3],i64[] ,bool[2],float32[1]")
    assert [(s.shape, s.dtype.name) for s in specs] == [
        ((4,), "float64"), ((2, 3), "float32"), ((), "int64"), ((2,), "bool"),
        ((1,), "float32")]


def test_show_prints_the_ir(capsys):
    status, out, err = show(capsys, f"{TOUR}:loss", "--args", "f64[4]")
    assert (status, err) == (0, "")
    tour = tour_module()
    assert out == str(fungrad.make_jaxpr(tour.loss)(np.zeros(4))) + "\n"
    assert out.startswith("{ lambda ; a:f64[4]. let") and out.endswith(" }\n")


def test_show_grad_jvp_vjp(capsys):
    tour = tour_module()
    status, out, err = show(capsys, f"{TOUR}:loss", "--args", "f64[4]", "--grad")
    assert (status, err) == (0, "")
    assert out == str(fungrad.make_jaxpr(fungrad.grad(tour.loss))(np.zeros(4))) + "\n"

    # jvp: inputs are the primal and the tangent, outputs the primal and tangent outputs
    status, out, _ = show(capsys, f"{TOUR}:double", "--args", "f64[3]", "--jvp")
    assert status == 0
    assert out.startswith("{ lambda ; a:f64[3] b:f64[3]. let")
    assert re.search(r"c:f64\[3\] = mul a 2", out) and re.search(r"d:f64\[3\] = mul b 2", out)
    assert out.rstrip().endswith("in (c d) }")

    # vjp: inputs are the primals and the output cotangent (a scalar here)
    status, out, _ = show(capsys, f"{TOUR}:relu_layer", "--args", "f64[2,3],f64[2]",
                          "--vjp")
    assert status == 0
    assert re.match(r"\{ lambda \w+:f64\[3\] ; (\w+):f64\[2,3\] (\w+):f64\[2\] (\w+):f64\[\]\.",
                    out)
    outs = out.rsplit("in (", 1)[1].split(")")[0].replace(",", " ").split()
    types = dict(re.findall(r"(\w+):(\S+) =", out))
    assert [types[o] for o in outs] == ["f64[2,3]", "f64[2]"]  # one cotangent per primal

    # argnums: the gradient with respect to b only
    status, out, _ = show(capsys, f"{TOUR}:relu_layer", "--args", "f64[2,3],f64[2]",
                          "--grad", "--argnums", "1")
    outs = out.rsplit("in (", 1)[1].split(")")[0].replace(",", " ").split()
    assert status == 0 and len(outs) == 1 and dict(re.findall(r"(\w+):(\S+) =", out))[
        outs[0]] == "f64[2]"


def test_show_repeated_args_equal_comma_separated(capsys):
    one = show(capsys, f"{TOUR}:linear", "--args", "f64[2,3],f64[2]", "--grad",
               "--argnums", "0,1")
    two = show(capsys, f"{TOUR}:linear", "--args", "f64[2,3]", "--args", "f64[2]", "--grad",
               "--argnums", "0,1")
    assert one == two and one[0] == 0


def test_show_control_flow_records_guards(capsys):
    status, out, _ = show(capsys, f"{TOUR}:f", "--args", "f64[]", "--grad")
    assert status == 0
    guards = re.findall(r"guard\[expect=(\w+)\]", out)
    # the seeded random input takes some doublings, then the if: all but the last loop test
    # are True
    assert guards[-2:] in (["False", "True"], ["False", "False"])
    assert set(guards[:-2]) == {"True"}
    # a different seed gives other values, hence possibly another path, but still guards
    status, out2, _ = show(capsys, f"{TOUR}:f", "--args", "f64[]", "--seed", "3")
    assert status == 0 and "guard[" in out2


def test_show_dot(capsys, tmp_path):
    status, out, _ = show(capsys, f"{TOUR}:relu_layer", "--args", "f64[2,3],f64[2]", "--grad",
                          "--argnums", "0,1", "--dot")
    assert status == 0
    closed = fungrad.make_jaxpr(fungrad.grad(tour_module().relu_layer, argnums=(0, 1)))(W, B)
    check_dot(closed, out)
    assert out == to_dot(closed)
    # -o writes the file; a .svg is rendered when Graphviz is there, else refused clearly
    target = tmp_path / "g.svg"
    status, out, err = show(capsys, f"{TOUR}:loss", "--args", "f64[4]", "--dot", "-o",
                            str(target))
    if shutil.which("dot"):
        assert (status, out, err) == (0, "", "") and "<svg" in target.read_text()
    else:
        assert status == 2 and "not installed" in err
    status, out, _ = show(capsys, f"{TOUR}:loss", "--args", "f64[4]", "-o",
                          str(tmp_path / "ir.txt"))
    assert (status, out) == (0, "") and (tmp_path / "ir.txt").read_text().startswith(
        "{ lambda ; a:f64[4]")


def test_show_source(capsys, tmp_path):
    assert core._config["source_info"] is False
    status, out, err = show(capsys, f"{TOUR}:relu_layer", "--args", "f64[2,3],f64[2]",
                            "--source")
    assert (status, err) == (0, "")
    assert core._config["source_info"] is False  # restored
    lines, start = inspect.getsourcelines(tour_module().relu_layer)
    body = range(start, start + len(lines))
    eqns = [ln for ln in out.splitlines() if " = " in ln]
    assert eqns
    for ln in eqns:
        where = re.search(r"  # autodiff_tour\.py:(\d+)$", ln)
        assert where and int(where[1]) in body, ln
    # lines in other files of the user's are kept
    (tmp_path / "layers_for_show.py").write_text(
        "import fungrad.numpy as fnp\n\ndef dense(x):\n    return fnp.tanh(x)\n")
    (tmp_path / "model.py").write_text(
        "import layers_for_show\n\ndef net(x):\n    return layers_for_show.dense(x) * 2.0\n")
    status, out, _ = show(capsys, f"{tmp_path / 'model.py'}:net", "--args", "f64[2]",
                          "--source")
    sys.modules.pop("layers_for_show", None)
    assert status == 0
    assert re.search(r"= tanh a  # layers_for_show\.py:4$", out, re.M)
    assert re.search(r"= mul b 2\.0  # model\.py:4$", out, re.M)
    # a transform's equations carry the line of the equation they differentiate
    status, out, err = show(capsys, f"{TOUR}:loss", "--args", "f64[4]", "--grad", "--source")
    assert status == 0 and err == ""
    loss_lines = _function_lines(TOUR, "loss")
    eqn_lines = [ln for ln in out.splitlines() if " = " in ln]
    assert eqn_lines
    for ln in eqn_lines:
        where = re.search(r"# autodiff_tour\.py:(\d+)$", ln)
        assert where and int(where[1]) in loss_lines, ln


def test_show_abstract(capsys):
    status, out, _ = show(capsys, f"{TOUR}:loss", "--args", "f64[4]", "--abstract")
    assert status == 0 and out == show(capsys, f"{TOUR}:loss", "--args", "f64[4]")[1]
    # Python control flow needs values: a clear error, exit 1, pointing at the user's line
    status, out, err = show(capsys, f"{TOUR}:f", "--args", "f64[]", "--abstract")
    line = inspect.getsource(tour_module().f).splitlines().index(
        "    while fnp.linalg.norm(b) < 1000:") + inspect.getsourcelines(tour_module().f)[1]
    assert status == 1 and out == ""
    assert err.startswith(f"fungrad: error: tracing f(f64[]) raised TracerBoolConversionError "
                          f"at autodiff_tour.py:{line}: ")


def test_show_integer_and_module_targets(capsys, tmp_path):
    src = tmp_path / "ints.py"
    src.write_text("def twice(n):\n    return n * 2\n")
    status, out, _ = show(capsys, f"{src}:twice", "--args", "i64[3]")
    assert status == 0 and out == "{ lambda ; a:i64[3]. let b:i64[3] = mul a 2 in (b,) }\n"
    status, out, _ = show(capsys, "fungrad.numpy:sin", "--args", "f32[2]")
    assert status == 0 and out == "{ lambda ; a:f32[2]. let b:f32[2] = sin a in (b,) }\n"


def test_show_does_not_run_main_block_and_allows_sibling_imports(capsys, tmp_path):
    (tmp_path / "helper_mod_for_show.py").write_text("SCALE = 3.0\n")
    src = tmp_path / "user.py"
    src.write_text(textwrap.dedent("""
        import helper_mod_for_show
        import fungrad.numpy as fnp

        def g(x):
            return fnp.sum(x) * helper_mod_for_show.SCALE

        if __name__ == "__main__":
            print("MAIN BLOCK RAN")
            raise SystemExit(7)
    """))
    status, out, err = show(capsys, f"{src}:g", "--args", "f64[2]")
    assert (status, err) == (0, "")
    assert "MAIN BLOCK RAN" not in out and "mul b 3.0" in out
    sys.modules.pop("helper_mod_for_show", None)


@pytest.mark.parametrize("argv, message", [
    (["nofile.py:f", "--args", "f64[3]"], "no such file: nofile.py"),
    ([f"{TOUR}:nope", "--args", "f64[3]"], "has no function 'nope'; it defines: "),
    ([f"{TOUR}:X", "--args", "f64[3]"], "is not a function (it is of type ndarray)"),
    ([f"{TOUR}:loss", "--args", "f64[a]"], "bad argument spec 'f64[a]': dimension 'a'"),
    ([f"{TOUR}:loss", "--args", "q32[3]"], "bad argument spec 'q32[3]': unknown dtype 'q32'"),
    ([f"{TOUR}:loss", "--args", "f64(3)"], "bad argument spec 'f64(3)': expected dtype[shape]"),
    ([f"{TOUR}:loss"], "no arguments given"),
    ([TOUR, "--args", "f64[3]"], "bad target"),
    ([f"{TOUR}:loss", "--args", "f64[4]", "--grad", "--argnums", "2"], "bad --argnums '2'"),
    ([f"{TOUR}:loss", "--args", "f64[4]", "--argnums", "0"], "--argnums needs --grad"),
    ([f"{TOUR}:loss", "--args", "f64[4]", "--grad", "--vjp"], "not allowed with argument"),
    (["no.such.module:f", "--args", "f64[3]"], "no such file or module: no.such.module"),
])
def test_show_usage_errors_are_one_line_exit_2(capsys, argv, message):
    status, out, err = show(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("fungrad: error: ") and message in err, err


def test_show_errors_in_user_code_exit_1(capsys, tmp_path):
    status, out, err = show(capsys, f"{TOUR}:double", "--args", "f64[3]", "--grad")
    assert status == 1 and out == ""
    assert err.startswith("fungrad: error: tracing grad of double(f64[3]) raised TypeError")
    assert "Gradient only defined for scalar-output functions" in err
    broken = tmp_path / "broken.py"
    broken.write_text("x = 1\ny = x / 0\n")
    status, out, err = show(capsys, f"{broken}:f", "--args", "f64[3]")
    assert status == 1 and err.count("\n") == 1
    assert f"importing {broken} raised ZeroDivisionError at broken.py:2" in err


def test_help_and_version(capsys):
    assert main(["show", "--help"]) == 0
    assert "FILE.py:FUNCTION" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"fungrad {fungrad.__version__}"
    assert main([]) == 2


def test_python_dash_m_fungrad():
    """The real command: exit statuses and no traceback."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def run(*argv):
        return subprocess.run([sys.executable, "-m", "fungrad", *argv], capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=60)

    ok = run("show", "examples/autodiff_tour.py:loss", "--args", "f64[4]", "--grad")
    assert ok.returncode == 0 and ok.stderr == ""
    assert ok.stdout.startswith("{ lambda ; a:f64[4]. let")
    bad = run("show", "examples/autodiff_tour.py:loss", "--args", "f64[a]")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def _function_lines(path, name):
    """The line numbers of function ``name``'s body in ``path``."""
    import ast
    tree = ast.parse(open(path).read())
    fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)
    return range(fn.body[0].lineno, fn.end_lineno + 1)
