"""JAX's "Custom derivative rules" tutorial examples (log1pexp, defjvps, Python control flow
in rules, clip_gradient, the fixed-point solver with nondiff_argnums, jacfwd/jacrev/hessian,
checkpoint, custom_gradient) print what JAX 0.10.2 printed
(tests/fixtures/custom_tutorial_jax.txt, recorded by tests/fixtures/make_custom_tutorial.py)."""
import pathlib
import subprocess
import sys

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def test_tutorial_examples_print_what_jax_printed():
    out = subprocess.run([sys.executable, str(FIXTURES / "make_custom_tutorial.py"), "fungrad"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    expected = (FIXTURES / "custom_tutorial_jax.txt").read_text().splitlines()
    assert out.stdout.splitlines() == expected
