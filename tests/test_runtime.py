"""The runtime around the transforms: wrappers that nest, config flags, the jit cache, and
the once-silent bugs (each test here failed, or gave a wrong answer, before its fix)."""
import functools
import logging
import warnings

import numpy as np
import pytest

import fungrad as jax
import fungrad.numpy as jnp
from fungrad import ConcretizationTypeError, tree_util
from fungrad.core import current_trace_level


# --------------------------------------------------------------------------- nested wrappers

def test_jit_of_grad_of_jit_differentiates():
    assert np.isclose(jax.jit(jax.grad(jax.jit(jnp.sin)))(1.0), np.cos(1.0))
    value, g = jax.jit(jax.value_and_grad(jax.jit(lambda x: x ** 3)))(2.0)
    assert (value, g) == (8.0, 12.0)
    assert np.isclose(jax.grad(jax.jit(jax.grad(jax.jit(jnp.sin))))(1.0), -np.sin(1.0))


def test_jit_of_grad_of_custom_jvp_uses_the_rule():
    f = jax.custom_jvp(jnp.sin)
    f.defjvp(lambda p, t: (f(p[0]), 10.0 * t[0]))
    assert jax.jit(jax.grad(f))(1.0) == 10.0
    assert jax.jit(jax.grad(jax.jit(f)))(1.0) == 10.0


def test_jit_of_partial_and_of_a_non_callable():
    f = jax.jit(functools.partial(lambda a, x: a * x, 2.0))
    assert f(3.0) == 6.0 and f.__name__ == "partial"
    with pytest.raises(TypeError, match="jit: expected a callable value, got int 3"):
        jax.jit(3)


def test_pytree_with_dict_aux_data_is_a_jit_argument():
    class Box:
        def __init__(self, meta, x):
            self.meta, self.x = meta, x

    tree_util.register_pytree_node(Box, lambda b: ((b.x,), b.meta), lambda m, c: Box(m, c[0]))
    f = jax.jit(lambda b: b.x * b.meta["scale"])
    assert f(Box({"scale": 3}, 2.0)) == 6.0
    assert f(Box({"scale": 3}, 5.0)) == 15.0
    assert f.trace_count == 1
    assert f(Box({"scale": 4}, 5.0)) == 20.0  # other aux data: another signature
    assert f.trace_count == 2


# --------------------------------------------------------------------------- float() in grad

def test_float_of_a_differentiated_value_raises():
    with pytest.raises(ConcretizationTypeError, match=r"float\(\) conversion.*depends on x"):
        jax.grad(lambda x: x * float(x))(3.0)
    with pytest.raises(ConcretizationTypeError, match="lose"):
        jax.jvp(lambda x: x * x.item(), (3.0,), (1.0,))
    assert current_trace_level() == 0
    assert jax.grad(lambda x: x * x)(3.0) == 6.0  # the next call works
    # float() of what does not depend on the differentiated input is fine
    assert jax.grad(lambda x, n: x * float(n), argnums=0)(3.0, 2.0) == 2.0
    # and under jit alone it is a guard, as before
    assert jax.jit(lambda x: x * float(x))(3.0) == 9.0


def test_a_retrace_storm_warns_once():
    f = jax.jit(lambda x: x * float(x))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(12):
            assert f(float(i)) == i * i
    storms = [w for w in caught if "traced 8 times" in str(w.message)]
    assert len(storms) == 1 and storms[0].filename == __file__
    assert "guard[expect=" in str(storms[0].message)


def test_legitimate_control_paths_do_not_warn():
    f = jax.jit(lambda x, n: x * 2 if n > 5 else x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(12):
            f(1.0, float(i))


# --------------------------------------------------------------------------- custom rules

def test_custom_jvp_with_python_control_flow():
    @jax.custom_jvp
    def f(x):
        if x > 0:
            return x
        return -x

    f.defjvp(lambda p, t: (f(p[0]), 5.0 * t[0]))
    assert jax.grad(f)(2.0) == 5.0 and jax.grad(f)(-2.0) == 5.0
    assert jax.jit(f)(-3.0) == 3.0 and jax.jit(f)(3.0) == 3.0
    assert jax.jit(jax.value_and_grad(f))(-3.0) == (3.0, 5.0)


def test_custom_vjp_runs_fwd_once_in_the_forward_pass():
    calls = []

    @jax.custom_vjp
    def f(x):
        calls.append("f")
        return jnp.sin(x)

    def fwd(x):
        calls.append("fwd")
        return jnp.sin(x), jnp.cos(x)

    def bwd(cos_x, g):
        calls.append("bwd")
        return (g * cos_x,)

    f.defvjp(fwd, bwd)
    y, pullback = jax.vjp(f, 1.0)
    calls.append("|")
    (g,) = pullback(1.0)
    assert calls == ["fwd", "|", "bwd"]
    assert np.isclose(y, np.sin(1.0)) and np.isclose(g, np.cos(1.0))
    # residuals are differentiated through fwd at second order
    assert np.isclose(jax.grad(jax.grad(f))(1.0), -np.sin(1.0))


def test_custom_vjp_with_python_control_flow_and_itself_in_fwd():
    @jax.custom_vjp
    def f(x):
        if x > 0:
            return x
        return -x

    f.defvjp(lambda x: (f(x), None), lambda _, g: (3.0 * g,))
    assert jax.grad(f)(2.0) == 3.0 and jax.grad(f)(-2.0) == 3.0
    assert jax.jit(jax.grad(f))(-2.0) == 3.0 and jax.jit(f)(-2.0) == 2.0


def test_custom_vjp_with_non_array_residuals_still_works():
    @jax.custom_vjp
    def f(x):
        return x * 2.0

    f.defvjp(lambda x: (x * 2.0, "hello"), lambda r, g: (g * len(r),))
    assert jax.grad(f)(2.0) == 5.0


def test_custom_vjp_bad_bwd_shows_both_structures():
    f = jax.custom_vjp(lambda x, y: x * y)
    f.defvjp(lambda x, y: (x * y, (x, y)), lambda r, g: (g,))
    with pytest.raises(TypeError, match=r"\(2, structured like PyTreeDef\(\(\*, \*\)\)\).*"
                                        r"a tuple of 1: PyTreeDef\(\(\*,\)\)"):
        jax.grad(f)(1.0, 2.0)


# --------------------------------------------------------------------------- jit options

def test_jit_cache_belongs_to_the_function():
    def step(x):
        return x + 1.0

    for i in range(3):
        assert jax.jit(step)(float(i)) == i + 1.0
    assert jax.jit(step).trace_count == 1
    assert jax.jit(step, static_argnums=()) is jax.jit(step)
    assert jax.jit(step, donate_argnums=0, inline=True)(1.0) == 2.0


def test_disable_jit_and_config_flags():
    f = jax.jit(lambda x: x * 2.0)
    with jax.disable_jit():
        assert jax.config.jax_disable_jit
        assert f(1.0) == 2.0
    assert f.trace_count == 0 and not jax.config.jax_disable_jit
    assert f(1.0) == 2.0 and f.trace_count == 1
    jax.config.update("jax_enable_x64", True)
    assert jax.config.read("jax_enable_x64")
    with pytest.warns(UserWarning, match="no effect"):
        jax.config.update("jax_enable_x64", False)
    jax.config.update("jax_enable_x64", True)
    with pytest.raises(AttributeError, match="no flag 'jax_nope'"):
        jax.config.update("jax_nope", True)
    with pytest.raises(TypeError, match="expected a bool"):
        jax.config.update("jax_debug_nans", "yes")


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_debug_nans_names_the_primitive_and_the_line():
    jax.config.update("jax_debug_nans", True)
    try:
        with pytest.raises(FloatingPointError, match=r"nan\) encountered in log .*test_runtime"):
            jnp.log(-np.ones(2))
        with pytest.raises(FloatingPointError, match="in log"):
            jax.grad(lambda x: jnp.log(x))(-1.0)
        with pytest.raises(FloatingPointError, match="in sqrt"):
            jax.jit(lambda x: jnp.sqrt(x) * 2.0)(-1.0)
        assert current_trace_level() == 0
        assert jnp.log(1.0) == 0.0
    finally:
        jax.config.update("jax_debug_nans", False)
    assert np.isnan(jax.jit(lambda x: jnp.sqrt(x) * 2.0)(-1.0))


def test_log_compiles_says_why(caplog):
    f = jax.jit(lambda x: x * 2.0 if x > 0 else x)
    jax.config.update("jax_log_compiles", True)
    try:
        with caplog.at_level(logging.WARNING, logger="fungrad.jit"):
            f(1.0)
            f(2.0)  # cached: nothing logged
            f(-1.0)
            f(np.float32(1.0))
    finally:
        jax.config.update("jax_log_compiles", False)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3
    assert "first trace" in messages[0]
    assert "new control path" in messages[1] and "guard[expect=True]" in messages[1]
    assert "leaf 0: f32[] (was f64[] weak)" in messages[2]


# --------------------------------------------------------------------------- runtime pieces

def test_eval_shape_computes_nothing():
    calls = []

    def f(x, y):
        calls.append(1)
        return {"z": jnp.dot(x, y), "n": jnp.sum(y, axis=0)}

    out = jax.eval_shape(f, jax.ShapeDtypeStruct((2, 3), np.float32), np.ones((3, 4)))
    assert (out["z"].shape, out["z"].dtype) == ((2, 4), np.float64)
    assert (out["n"].shape, out["n"].dtype) == ((4,), np.float64)
    assert calls == [1]


def test_linear_transpose_matches_the_matrix_transpose():
    m = np.arange(6.0).reshape(2, 3)
    (t,) = jax.linear_transpose(lambda x: jnp.dot(m, x), jax.ShapeDtypeStruct((3,), "float64"))(
        np.array([1.0, -1.0]))
    np.testing.assert_allclose(t, m.T @ np.array([1.0, -1.0]))
    with pytest.raises(TypeError, match="must be floating point"):
        jax.linear_transpose(lambda n: n, np.int64(1))


def test_closure_convert_makes_closed_over_values_arguments():
    w = np.array([1.0, 2.0])
    converted, consts = jax.closure_convert(lambda x: jnp.sum(w * jnp.sin(x)), np.ones(2))
    assert len(consts) == 1
    np.testing.assert_array_equal(consts[0], w)
    x = np.array([0.3, 0.7])
    np.testing.assert_allclose(converted(x, *consts), np.sum(w * np.sin(x)))
    np.testing.assert_allclose(jax.grad(converted, argnums=1)(x, *consts), np.sin(x))


def test_custom_gradient():
    @jax.custom_gradient
    def f(x):
        return jnp.sin(x), lambda g: g * 100.0

    assert np.isclose(f(1.0), np.sin(1.0))
    assert jax.grad(f)(1.0) == 100.0 and jax.jit(jax.grad(f))(2.0) == 100.0


def test_pure_callback_under_jit_and_vmap():
    calls = []

    def host(x):
        calls.append(np.shape(x))
        return np.cumsum(x)

    def f(x):
        return jax.pure_callback(host, jax.ShapeDtypeStruct(x.shape, x.dtype), x) * 2.0

    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(jax.jit(f)(x), 2 * np.cumsum(x))
    np.testing.assert_array_equal(jax.jit(f)(x + 1), 2 * np.cumsum(x + 1))
    np.testing.assert_array_equal(jax.vmap(f)(np.stack([x, x])), [2 * np.cumsum(x)] * 2)
    with pytest.raises(TypeError, match="no derivative"):
        jax.grad(lambda v: jnp.sum(f(v)))(x)
    bad = jax.jit(lambda v: jax.pure_callback(lambda a: a[:2], jax.ShapeDtypeStruct((3,),
                                                                                  "float64"), v))
    with pytest.raises(ValueError, match=r"shape \(2,\).*f64\[3\]"):
        bad(x)
    assert current_trace_level() == 0


def test_debug_print_and_callback_run_on_every_call(capsys):
    seen = []

    @jax.jit
    def f(x):
        jax.debug.print("x={} y={y}", x, y=x * 2)
        jax.debug.callback(lambda v: seen.append(float(v)), x)
        return x + 1.0

    f(1.0)
    f(2.0)
    assert f.trace_count == 1 and seen == [1.0, 2.0]
    assert capsys.readouterr().out == "x=1.0 y=2.0\nx=2.0 y=4.0\n"
    assert jax.grad(lambda x: jax.debug.print("{}", x) or x * x)(3.0) == 6.0
    assert capsys.readouterr().out == "3.0\n"
    jax.vmap(lambda x: jax.debug.print("v={}", x) or x)(np.array([5.0, 6.0]))
    assert capsys.readouterr().out == "v=5.0\nv=6.0\n"


def test_ensure_compile_time_eval_is_accepted():
    with jax.ensure_compile_time_eval():
        assert jax.jit(lambda x: x * 2.0)(3.0) == 6.0


def test_public_names_are_listed_and_exist():
    assert len(jax.__all__) == len(set(jax.__all__))
    for name in jax.__all__:
        assert hasattr(jax, name), name
    for name in ("Array", "jit", "grad", "vjp", "tree", "config", "devices", "debug"):
        assert name in jax.__all__


def test_messages_that_name_what_went_wrong():
    with pytest.raises(ValueError, match=r"argument 1 is list \[1, 2\]"):
        jax.jit(lambda x, cfg: x, static_argnums=1)(1.0, [1, 2])
    with pytest.raises(TypeError, match=r"argument at opts\['name'\] is str 'relu'"):
        jax.jit(lambda x, opts: x)(1.0, {"name": "relu"})
    with pytest.raises(TypeError, match=r"argument at kwargs\['act'\] is str"):
        jax.jit(lambda x, act=None: x)(1.0, act="relu")
    with pytest.raises(TypeError, match="pass has_aux=True"):
        jax.grad(lambda x: (x * x, {"n": 1}))(1.0)
    assert jax.grad(lambda x: (x * x, {"n": 1}), has_aux=True)(1.0) == (2.0, {"n": 1})
    assert current_trace_level() == 0


# --------------------------------------------------------------------------- ad_checkpoint

def test_checkpoint_name_is_an_identity_with_derivatives():
    from fungrad.ad_checkpoint import checkpoint_name
    from helpers import assert_derivatives
    f = lambda x: jnp.sum(checkpoint_name(jnp.sin(x), "h") ** 2)  # noqa: E731
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(f(x), np.sum(np.sin(x) ** 2))
    assert_derivatives(f, (x,))
    np.testing.assert_allclose(jax.jit(f)(x), f(x))
    np.testing.assert_allclose(jax.vmap(lambda v: checkpoint_name(v * 2.0, "h"))(x), 2 * x)
    assert "name[name='h']" in str(jax.make_jaxpr(f)(x))


def test_checkpoint_policies():
    from fungrad.ad_checkpoint import checkpoint_name
    policies = jax.checkpoint_policies

    def block(x):
        return jnp.sin(checkpoint_name(jnp.dot(x, x), "d")) * x

    x = np.array([0.5, 1.5])
    expected = jax.grad(lambda v: jnp.sum(block(v)))(x)
    for policy in (None, policies.nothing_saveable, policies.everything_saveable,
                   policies.dots_saveable, policies.dots_with_no_batch_dims_saveable,
                   policies.save_only_these_names("d"), policies.save_any_names_but_these("d"),
                   policies.save_from_both_policies(policies.dots_saveable,
                                                    policies.nothing_saveable)):
        g = jax.grad(lambda v: jnp.sum(jax.checkpoint(block, policy=policy)(v)))(x)
        np.testing.assert_allclose(g, expected, rtol=1e-12)
    with pytest.raises(TypeError, match="policy must be a function"):
        jax.checkpoint(block, policy="dots")


def test_print_saved_residuals(capsys):
    from fungrad.ad_checkpoint import print_saved_residuals
    print_saved_residuals(lambda x, w: jnp.sum(jnp.tanh(x * w)), np.ones(3), 2.0)
    assert capsys.readouterr().out.splitlines() == [
        "f64[3] from the argument x", "f64[] from the argument w", "f64[3] output of mul",
        "f64[3] output of tanh"]
