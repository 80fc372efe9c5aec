"""JAX tutorial cells about jit's API: ``jit(f).trace / .lower / .compile``, ``clear_caches``,
``unroll`` of ``scan``/``fori_loop``, the ``jax_debug_infs`` flag. Expected values and error
types were recorded from JAX 0.10 by ``fixtures/make_jit_api.py``."""
import importlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

import fungrad as jax
import fungrad.numpy as jnp
from fungrad import lax
from helpers import assert_same_as_numpy

JAX = json.loads((Path(__file__).parent / "fixtures" / "jit_api.json").read_text())
ERRORS = {"TypeError": TypeError, "ValueError": ValueError,
          "FloatingPointError": FloatingPointError}


def _raises_as_jax(recorded, fn):
    """``fn()`` raises what JAX raised (the recorded type name), or succeeds where JAX did."""
    if recorded is None:
        fn()
    else:
        with pytest.raises(ERRORS[recorded]):
            fn()


# -- 1. trace / lower / compile --------------------------------------------------------------

def test_trace_jaxpr_matches_jax_and_make_jaxpr():
    def f(x):
        return jnp.sin(x) * 2.0
    traced = jax.jit(f).trace(np.ones(3))
    # newer JAX prints a literal's type after it (2.0:f64[]); fungrad prints the value only
    assert str(traced.jaxpr) == re.sub(r":f64\[\]", "", JAX["trace_jaxpr"])
    assert str(traced.jaxpr) == str(jax.make_jaxpr(f)(np.ones(3)))
    assert isinstance(traced.jaxpr, jax.ClosedJaxpr)
    assert traced.out_info.shape == tuple(JAX["trace_out_shape"])
    assert traced.out_info.dtype == np.dtype(JAX["trace_out_dtype"])
    assert traced.fun_name == "f"
    assert jax.jit(lambda x: x).trace(1.0).fun_name == JAX["trace_fun_name"]
    args, kwargs = traced.args_info
    assert kwargs == {} and args[0].shape == (3,) and args[0].dtype == np.float64
    assert args[0].donated is False


def test_trace_output_tree_and_keyword_args():
    traced = jax.jit(lambda d, y=1.0: {"a": d["x"] * y, "b": (d["x"].sum(),)}).trace(
        {"x": np.ones(2, np.float32)}, y=2.0)
    out = traced.out_info
    assert (out["a"].shape, out["a"].dtype) == ((2,), np.float32)
    assert (out["b"][0].shape, out["b"][0].dtype) == ((), np.float32)
    assert set(traced.args_info[1]) == {"y"}


def test_compile_runs_and_matches_jax():
    compiled = jax.jit(lambda x: jnp.sin(x) * 2.0).trace(np.ones(3)).lower().compile()
    out = compiled(np.full(3, 0.5))
    assert_same_as_numpy(out, np.full(3, JAX["compiled_sin2_at_0_5"]))
    assert float(jax.jit(lambda x: x + 1).lower(1.0).compile()(3.0)) == \
        JAX["lower_compile_x_plus_1_at_3"]


def test_compile_with_static_args_takes_dynamic_args_only():
    f = jax.jit(lambda x, n: x * n, static_argnums=1)
    compiled = f.lower(1.0, 3).compile()
    assert float(compiled(2.0)) == JAX["compiled_static_x_times_3_at_2"]
    _raises_as_jax(JAX["compiled_static_passed_again"], lambda: compiled(2.0, 3))
    assert float(compiled(5.0)) == 15.0  # the next call works


def test_compiled_rejects_other_types_and_works_after():
    compiled = jax.jit(lambda x: x * 2).lower(jnp.ones(3)).compile()
    _raises_as_jax(JAX["compiled_wrong_shape"], lambda: compiled(jnp.ones(4)))
    with pytest.raises(TypeError, match=r"compiled with float64\[3\] and called with float64\[4\]"):
        compiled(np.ones(4))
    with pytest.raises(TypeError, match="not an array"):
        compiled("x")
    assert_same_as_numpy(compiled(np.arange(3.0)), np.arange(3.0) * 2)


def test_compiled_with_guards_takes_other_paths_correctly():
    compiled = jax.jit(lambda x: x * 2.0 if x > 0 else -x).lower(1.0).compile()
    assert float(compiled(3.0)) == 6.0
    assert float(compiled(-3.0)) == 3.0  # another path: traced by the jitted function


def test_lower_as_text_is_the_generated_source():
    f = jax.jit(lambda x: jnp.cos(x) + 1.0)
    lowered = f.lower(np.ones(2))
    text = lowered.as_text()
    assert text.startswith("def compiled(a):") and "_cos" in text
    assert lowered.compile().as_text() == text
    assert lowered.out_info.shape == (2,)


def test_trace_on_shape_specs_is_abstract():
    traced = jax.jit(lambda x: x * 2).trace(jax.ShapeDtypeStruct((2,), np.float32))
    assert str(traced.jaxpr) == "{ lambda ; a:f32[2]. let b:f32[2] = mul a 2 in (b,) }"
    assert_same_as_numpy(traced.lower().compile()(np.ones(2, np.float32)),
                         np.full(2, 2.0, np.float32))
    with pytest.raises(jax.ConcretizationTypeError):  # no values: Python `if` cannot decide
        jax.jit(lambda x: x if x > 0 else -x).trace(jax.ShapeDtypeStruct((), np.float64))


def test_trace_bad_argument_names_it():
    with pytest.raises(TypeError, match="not an array"):
        jax.jit(lambda x: x).trace("abc")


# -- 2. clear_caches -------------------------------------------------------------------------

def test_clear_caches_empties_every_compiled_cache():
    jit_module = importlib.import_module("fungrad.jit")
    codegen = importlib.import_module("fungrad.codegen")
    loops = importlib.import_module("fungrad.control_flow")._compiled_loops
    backwards = importlib.import_module("fungrad.vjp")._compiled_backwards

    def body(c, x):
        return c + x, c
    f = jax.jit(lambda xs: lax.scan(body, 0.0, xs))
    standalone = jit_module.Jitted(lambda x: x + 1.0)  # not in jit's per-function cache
    for _ in range(3):
        f(np.ones(8))
        standalone(1.0)
        jax.grad(lambda x: jnp.sum(jnp.sin(x) * x))(np.ones(3))
    assert f.variants() and standalone.variants()
    assert loops and backwards and codegen._compiled_subs
    assert repr(jax.clear_caches()) == JAX["clear_caches"]
    assert not f.variants() and not standalone.variants()
    assert not loops and not backwards and not codegen._compiled_subs
    count = f.trace_count
    assert float(f(np.ones(8))[0]) == 8.0 and f.trace_count == count + 1  # traces again
    assert_same_as_numpy(jax.grad(lambda x: jnp.sum(jnp.sin(x) * x))(np.ones(3)),
                         np.sin(1.0) + np.cos(1.0) * np.ones(3))


# -- 3. unroll -------------------------------------------------------------------------------

def test_scan_unroll_values_match_jax():
    def body(c, x):
        return c + x, c + x
    for unroll in (2, 1, True, False, 10):
        carry, ys = lax.scan(body, 0.0, jnp.arange(1.0, 5.0), unroll=unroll)
        assert float(carry) == JAX["scan_unroll2_carry"]
        assert_same_as_numpy(ys, np.array(JAX["scan_unroll2_ys"]))
    carry, _ = lax.scan(body, 0.0, jnp.arange(1.0, 5.0), _split_transpose=True)
    assert float(carry) == JAX["scan_unroll2_carry"]


def test_scan_unroll_under_jit_grad_vmap():
    def loss(x):
        return lax.scan(lambda c, xi: (c * xi, c), 1.0, x, unroll=3)[0]
    x = np.array([1.5, 2.0, -0.5, 3.0])
    assert float(jax.jit(loss)(x)) == pytest.approx(np.prod(x))
    assert_same_as_numpy(jax.grad(loss)(x), np.prod(x) / x)
    assert_same_as_numpy(jax.vmap(loss)(np.stack([x, 2 * x])), np.array([np.prod(x),
                                                                         np.prod(2 * x)]))


def test_scan_bad_unroll_raises_as_jax():
    for text, recorded in JAX["scan_bad_unroll"].items():
        unroll = eval(text)  # noqa: S307 -- the recorded Python literals
        _raises_as_jax(recorded, lambda: lax.scan(lambda c, x: (c + x, c), 0.0,
                                                  jnp.arange(3.0), unroll=unroll))
    with pytest.raises(ValueError, match="`unroll` must be a `bool` or a non-negative `int`"):
        lax.scan(lambda c, x: (c + x, c), 0.0, jnp.arange(3.0), unroll=-1)
    with pytest.raises(TypeError, match="scan: `unroll`"):
        lax.scan(lambda c, x: (c + x, c), 0.0, jnp.arange(3.0), unroll="2")


def test_fori_loop_unroll_matches_jax():
    assert float(lax.fori_loop(0, 5, lambda i, x: x * 2, 1.0, unroll=True)) == \
        JAX["fori_unroll_true"]
    assert float(lax.fori_loop(0, 5, lambda i, x: x * 2, 1.0, unroll=2)) == \
        JAX["fori_unroll_true"]
    with pytest.raises(ValueError, match="non-negative"):
        lax.fori_loop(0, 5, lambda i, x: x * 2, 1.0, unroll=-2)


def test_fori_loop_unroll_with_traced_bounds_as_jax():
    for text, recorded in JAX["fori_traced_bounds_unroll"].items():
        unroll = eval(text)  # noqa: S307 -- the recorded Python literals

        def run():
            out = jax.jit(lambda n: lax.fori_loop(0, n, lambda i, x: x * 2, 1.0,
                                                  unroll=unroll))(5)
            assert float(out) == 32.0
        _raises_as_jax(recorded, run)
    with pytest.raises(ValueError, match="statically known"):
        jax.jit(lambda n: lax.fori_loop(0, n, lambda i, x: x, 1.0, unroll=4))(3)


# -- 4. jax_debug_infs -----------------------------------------------------------------------

@pytest.fixture
def debug_infs():
    jax.config.update("jax_debug_infs", True)
    try:
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            yield
    finally:
        jax.config.update("jax_debug_infs", False)


def test_debug_infs_eager_jit_grad_as_jax(debug_infs):
    recorded = JAX["debug_infs"]
    with pytest.raises(FloatingPointError, match=r"invalid value \(inf\) encountered in log"):
        jnp.log(0.0)
    _raises_as_jax(recorded["eager_log0"], lambda: jnp.log(0.0))
    _raises_as_jax(recorded["jit_log0"], lambda: jax.jit(jnp.log)(0.0))
    _raises_as_jax(recorded["grad_log_at_0"], lambda: jax.grad(jnp.log)(0.0))
    # the inf only in the backward pass: 0.5 / sqrt(0)
    _raises_as_jax(recorded["grad_sqrt_at_0"], lambda: jax.grad(jnp.sqrt)(0.0))
    assert float(jnp.log(1.0)) == recorded["log1_after"]  # the next call works
    assert float(jax.jit(jnp.log)(1.0)) == 0.0
    # NaNs are jax_debug_nans' business, not this flag's
    assert np.isnan(jnp.sqrt(-1.0))


def test_debug_infs_inside_scan_under_jit(debug_infs):
    f = jax.jit(lambda xs: lax.scan(lambda c, x: (c / x, c), 1.0, xs))
    assert float(f(np.array([1.0, 2.0]))[0]) == 0.5
    with pytest.raises(FloatingPointError, match="div"):
        f(np.array([1.0, 0.0]))
    assert float(f(np.array([2.0, 2.0]))[0]) == 0.25


def test_debug_infs_off_lets_infs_through():
    with np.errstate(divide="ignore"):
        assert float(jnp.log(0.0)) == JAX["debug_infs"]["off_log0"]
        assert float(jax.jit(jnp.log)(0.0)) == -np.inf
        assert float(jax.grad(jnp.sqrt)(0.0)) == np.inf
    assert jax.config.jax_debug_infs is False


def test_debug_infs_context_manager_and_both_flags():
    with jax.debug_infs(), np.errstate(divide="ignore", invalid="ignore"):
        assert jax.config.jax_debug_infs is True
        with pytest.raises(FloatingPointError, match=r"\(inf\)"):
            jnp.exp(1000.0)
        with jax.debug_nans():
            with pytest.raises(FloatingPointError, match=r"\(nan\)"):
                jnp.sqrt(-1.0)
            with pytest.raises(FloatingPointError, match=r"\(inf\)"):
                jnp.log(0.0)
        assert np.isnan(jnp.sqrt(-1.0))  # debug_nans back off, debug_infs still on
    assert jax.config.jax_debug_infs is False
    with np.errstate(divide="ignore"):
        assert float(jnp.log(0.0)) == -np.inf
    with pytest.raises(TypeError, match="jax_debug_infs"):
        jax.config.update("jax_debug_infs", "yes")
