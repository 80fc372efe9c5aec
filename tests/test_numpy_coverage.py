"""The coverage script (benchmarks/coverage.py) against the recorded list of JAX's names."""
from __future__ import annotations

import importlib.util
import inspect
import json
import pathlib

import fungrad.lax
import fungrad.numpy as fnp

ROOT = pathlib.Path(__file__).resolve().parent.parent
JAX_NAMES = json.loads((ROOT / "tests" / "fixtures" / "jax_names.json").read_text())

# fungrad.numpy's public names that jax.numpy does not have: numpy names JAX dropped
NUMPY_ONLY = {"row_stack", "real_if_close"}  # real_if_close: asked for by issue 11


def _coverage_module():
    spec = importlib.util.spec_from_file_location("coverage_script",
                                                  ROOT / "benchmarks" / "coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_reports_the_missing_count(capsys):
    script = _coverage_module()
    report = script.main(["--list"])
    out = capsys.readouterr().out
    for namespace, module in (("jax.numpy", fnp), ("jax.lax", fungrad.lax)):
        names = JAX_NAMES[namespace]["names"]
        cov = report[namespace]
        missing = [n for n in names if not hasattr(module, n)]
        assert cov["missing"] == missing
        assert sorted(cov["present"] + cov["missing"]) == sorted(names)
        assert (f"{namespace}: fungrad has {len(names) - len(missing)} of {len(names)} names; "
                f"{len(missing)} missing") in out
        for name in missing:
            assert f"    {name}" in out


def test_left_out_names_are_jax_names_fungrad_lacks():
    script = _coverage_module()
    names = set(JAX_NAMES["jax.numpy"]["names"])
    for name, reason in script.LEFT_OUT.items():
        assert name in names and not hasattr(fnp, name), name
        assert reason.strip(), name


def test_fungrad_numpy_names_are_jax_numpy_names():
    # nothing fungrad.numpy exports under a name jax.numpy lacks, except numpy names JAX
    # dropped: a misspelt or invented name would show here
    jax_names = set(JAX_NAMES["jax.numpy"]["names"]) | set(JAX_NAMES["jax.numpy"]["modules"])
    public = {n for n, v in vars(fnp).items() if not n.startswith("_")
              and not (inspect.ismodule(v) and v.__name__.startswith("fungrad.numpy."))}
    assert public - jax_names == NUMPY_ONLY


def test_every_missing_numpy_name_has_a_reason():
    script = _coverage_module()
    missing = script.coverage("jax.numpy")["missing"]
    assert sorted(missing) == sorted(script.LEFT_OUT)
