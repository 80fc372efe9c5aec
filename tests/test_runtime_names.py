"""named_scope and named_call: names on the equations of the IR, printed as JAX prints
them (``pretty_print(name_stack=True)``), at no cost per operation."""
import numpy as np
import pytest

import fungrad as jax
import fungrad.numpy as jnp


def _stacks(closed):
    return [(e.primitive.name, e.name_stack) for e in closed.eqns]


def mlp(w, x):
    with jax.named_scope("dense"):
        h = jnp.dot(w, x)
        with jax.named_scope("act"):
            h = jnp.tanh(h)
    return jnp.sum(h)


def test_named_scope_names_the_equations_inside_it():
    w, x = np.ones((2, 3)), np.ones(3)
    closed = jax.make_jaxpr(mlp)(w, x)
    assert _stacks(closed) == [("dot_general", "dense"), ("tanh", "dense/act"),
                               ("reduce_sum", None)]
    assert closed.pretty_print(name_stack=True).splitlines() == [
        "{ lambda ; a:f64[2,3] b:f64[3]. let",
        "    c:f64[2] = dot_general[dimension_numbers=(((1,), (0,)), ((), ()))] a b # [dense]",
        "    d:f64[2] = tanh c                                                      # [dense/act]",
        "    e:f64[] = reduce_sum[axes=(0,)] d                                      # []",
        "  in (e,) }"]
    assert "#" not in str(closed)  # the default print is JAX's default: no names
    # the value and the derivatives are those of the function without names
    np.testing.assert_allclose(jax.grad(mlp)(w, x), jax.grad(
        lambda w, x: jnp.sum(jnp.tanh(jnp.dot(w, x))))(w, x))
    assert mlp(w, x) == np.sum(np.tanh(w @ x))  # eagerly: nothing to name


def test_names_reach_jit_and_sub_jaxprs():
    def f(x):
        with jax.named_scope("branchy"):
            y = jax.lax.cond(x > 0, jnp.sin, jnp.cos, x)
        return y * 2.0

    closed = jax.make_jaxpr(f)(np.float64(1.0))
    cond = [e for e in closed.eqns if e.primitive.name == "cond"][0]
    assert cond.name_stack == "branchy"
    assert {e.name_stack for b in cond.params["branches"] for e in b.eqns} == {"branchy"}
    text = closed.pretty_print(name_stack=True)
    lines = text.splitlines()
    assert [line for line in lines if "= mul " in line][0].endswith("# []")
    assert [line for line in lines if "= sin " in line][0].endswith("# [branchy]")
    jitted = jax.jit(mlp)
    assert jitted(np.ones((2, 3)), np.ones(3)) == mlp(np.ones((2, 3)), np.ones(3))
    assert ("tanh", "dense/act") in _stacks(jitted.variants()[0])


def test_named_call_and_the_decorator_form():
    def softplus(x):
        return jnp.log1p(jnp.exp(x))

    named = jax.named_call(softplus)
    renamed = jax.named_call(softplus, name="sp")
    assert named.__name__ == "softplus"
    pair = jax.make_jaxpr(lambda x, y: named(x) + renamed(y))(np.float64(0.0), np.float64(1.0))
    assert _stacks(pair) == [
        ("exp", "softplus"), ("log1p", "softplus"), ("exp", "sp"), ("log1p", "sp"),
        ("add", None)]
    assert np.isclose(jax.grad(named)(0.0), 0.5)

    @jax.named_scope("outer")
    def g(x):
        return named(x) * 2.0

    assert _stacks(jax.make_jaxpr(g)(np.float64(0.0))) == [
        ("exp", "outer/softplus"), ("log1p", "outer/softplus"), ("mul", "outer")]
    with pytest.raises(TypeError, match="named_scope: the name must be a string, got int 3"):
        jax.named_scope(3)


def test_a_scope_left_by_an_exception_still_names_and_the_next_trace_is_clean():
    def bad(x):
        with jax.named_scope("oops"):
            y = jnp.sin(x)
            raise RuntimeError("inside the scope")
        return y

    with pytest.raises(RuntimeError, match="inside the scope"):
        jax.make_jaxpr(bad)(np.float64(1.0))
    assert _stacks(jax.make_jaxpr(jnp.sin)(np.float64(1.0))) == [("sin", None)]


def test_names_survive_simplification():
    def f(x):
        with jax.named_scope("s"):
            return jax.lax.cond(x > 0, lambda v: v * 1.0 + 0.0, jnp.cos, x)

    closed = jax.make_jaxpr(f)(np.float64(2.0))  # simplified: the branches were rewritten
    assert [e.name_stack for e in closed.eqns if e.primitive.name == "cond"] == ["s"]


def test_derivatives_carry_the_names_as_jax_prints_them():
    g = jax.named_call(lambda x: jnp.sin(x) + 1.0, name="myfun")
    closed = jax.make_jaxpr(jax.grad(lambda x: g(x) * 3.0), simplify=False,
                            dce=False)(np.float64(1.0))
    assert _stacks(closed) == [
        ("sin", "jvp(myfun)"), ("add", "jvp(myfun)"), ("mul", None),
        ("cos", "transpose(jvp(myfun))"), ("mul", "transpose(jvp(myfun))")]
    f = jax.jit(jax.grad(lambda w, x: mlp(w, x)))
    np.testing.assert_allclose(f(np.ones((2, 3)), np.ones(3)),
                               jax.grad(mlp)(np.ones((2, 3)), np.ones(3)))
    names = {name for _, name in _stacks(f.variants()[0])}
    assert {"transpose(jvp(dense))", "transpose(jvp(dense/act))"} <= names
