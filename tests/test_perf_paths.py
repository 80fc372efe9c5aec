"""The performance paths of issue 15: the lazy package namespace and the paused collector.

Each is checked against the general path it stands in for: the lazily bound names are the
very objects the modules define, and IR transforms give the same IR with the collector
paused as with it running.
"""
import gc
import subprocess
import sys

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.core import ShapedArray, collector_paused, trace_to_jaxpr
from fungrad.jit import compile_jaxpr
from fungrad.jvp import jvp_jaxpr
from fungrad.passes import simplify
from fungrad.vjp import vjp_jaxpr


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter from the repository root; returns its stdout."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd=str(__import__("pathlib").Path(__file__).parents[1]))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# ----------------------------------------------------------------------------- lazy namespace

def test_import_fungrad_loads_nothing_until_a_name_is_used():
    out = run_python(
        "import sys, fungrad\n"
        "print(sorted(m for m in sys.modules if m.startswith('fungrad')), 'scipy' in sys.modules)\n"
        "fungrad.grad\n"
        "print('fungrad.api' in sys.modules, 'fungrad.numpy' in sys.modules, "
        "'scipy' in sys.modules)")
    first, second = out.splitlines()
    assert first == "['fungrad'] False"
    assert second == "True True False"


def test_submodule_import_does_not_shadow_the_public_name():
    # importing the module fungrad.<name> first used to be harmless only because the
    # package's own import rebound the name afterwards; the lazy package must keep it bound
    names = ["jit", "jvp", "vjp", "vmap", "config"]
    out = run_python("".join(f"import fungrad.{n}\n" for n in names) +
                     "import fungrad\n" +
                     "".join(f"print(type(fungrad.{n}).__name__)\n" for n in names))
    assert out.split() == ["function"] * 4 + ["Config"]


def test_lazy_names_are_the_defining_modules_objects():
    from fungrad import api, custom_derivatives
    fungrad.grad  # noqa: B018  (loads the namespace)
    modules = {n: sys.modules[f"fungrad.{n}"] for n in ("jit", "vmap", "config")}
    assert fungrad.grad is api.grad and fungrad.jvp is api.jvp and fungrad.vjp is api.vjp
    assert fungrad.jit is modules["jit"].jit and fungrad.vmap is modules["vmap"].vmap
    assert fungrad.config is modules["config"].config
    assert fungrad.checkpoint is custom_derivatives.checkpoint
    assert fungrad.numpy is fnp
    assert set(fungrad.__all__) <= set(dir(fungrad))


def test_unknown_attribute_is_a_clear_attribute_error():
    with pytest.raises(AttributeError, match="module 'fungrad' has no attribute 'gradd'"):
        fungrad.gradd  # noqa: B018
    assert fungrad.grad(lambda x: x * x)(3.0) == 6.0  # and the next use works


def test_indexing_helpers_are_wired_with_fungrad_numpy_alone():
    out = run_python("import fungrad.numpy as fnp\n"
                     "x = fnp.arange(3.0)\n"
                     "print(x.at[1].set(7.0).tolist())")
    assert out == "[0.0, 7.0, 2.0]"


def test_config_flags_from_the_environment_apply_whatever_is_imported_first():
    code = ("import fungrad.numpy as fnp\n"
            "try:\n"
            "    fnp.log(fnp.array([-1.0]))\n"
            "    print('no error')\n"
            "except FloatingPointError:\n"
            "    print('FloatingPointError')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**__import__("os").environ, "JAX_DEBUG_NANS": "1"},
                          cwd=str(__import__("pathlib").Path(__file__).parents[1]))
    assert done.stdout.strip() == "FloatingPointError", done.stderr


# ----------------------------------------------------------------------------- paused collector

def test_collector_paused_restores_the_collector_state():
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with collector_paused():
            assert not gc.isenabled()
            raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a collector the caller turned off stays off
    finally:
        gc.enable()


def _chain(x):
    for i in range(30):
        x = fnp.sin(x) * 1.5 + 0.1 if i % 2 else fnp.tanh(x) * x
    return [x]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_transforms_under_paused_collector_match_the_collected_path(dtype):
    spec = [ShapedArray((3,), dtype)]
    closed, _ = trace_to_jaxpr(_chain, spec, abstract=True)
    x = np.linspace(0.1, 0.7, 3).astype(dtype)
    ct = np.ones(3, dtype)
    results = []
    for paused in (False, True):
        gc.enable() if not paused else None
        back = vjp_jaxpr(closed, [True])
        fwd, nonzero = jvp_jaxpr(closed, [True])
        simple = simplify(back)
        fn = compile_jaxpr(back)
        results.append((str(back), str(fwd), nonzero, str(simple),
                        fn(x, ct)[0], fungrad.eval_jaxpr(back.jaxpr, back.consts, x, ct)[0]))
        assert gc.isenabled()
    (b0, f0, n0, s0, c0, e0), (b1, f1, n1, s1, c1, e1) = results
    assert (b0, f0, n0, s0) == (b1, f1, n1, s1)
    assert c0.dtype == e0.dtype == np.dtype(dtype)
    np.testing.assert_allclose(c0, e0, rtol=1e-6 if dtype == np.float32 else 1e-13)
    np.testing.assert_array_equal(c0, c1)


def test_bad_input_to_a_paused_transform_raises_and_resumes_the_collector():
    closed, _ = trace_to_jaxpr(lambda x: [fnp.sin(x)], [ShapedArray((2,), np.float64)],
                               abstract=True)
    fn = compile_jaxpr(vjp_jaxpr(closed, [True]))
    with pytest.raises((TypeError, ValueError)):
        fn(np.ones(2))  # one argument short: the cotangent is missing
    assert gc.isenabled()
    np.testing.assert_allclose(fn(np.zeros(2), np.ones(2))[0], np.ones(2))
