"""checkpoint (remat) with policies: the policy decides which intermediates reverse mode
keeps; everything else is recomputed in the backward pass. Values and derivatives never
depend on the policy; what is saved (``saved_residuals``) and recomputed does."""
import numpy as np
import pytest

import fungrad as jax
import fungrad.numpy as jnp
from fungrad.ad_checkpoint import checkpoint_name, print_saved_residuals, saved_residuals
from helpers import assert_derivatives, rand

P = jax.checkpoint_policies


def layer(w, x):
    h = checkpoint_name(jnp.sin(jnp.dot(w, x)), "h")
    return jnp.sum(jnp.tanh(jnp.dot(w, h)) * x)


def batched(w, xs):  # a dot with a batch dimension, and one without
    y = jnp.einsum("bij,bj->bi", w, xs)
    return jnp.sum(jnp.sin(jnp.dot(y, np.ones((3, 3)))))


POLICIES = {
    "none": None,
    "nothing": P.nothing_saveable,
    "dots": P.dots_saveable,
    "dots_no_batch": P.dots_with_no_batch_dims_saveable,
    "only_h": P.save_only_these_names("h"),
    "all_but_h": P.save_any_names_but_these("h"),
    "both": P.save_from_both_policies(P.dots_saveable, P.save_only_these_names("h")),
    "everything": P.everything_saveable,
}

W, X = rand((3, 3), seed=1), rand((3,), seed=2)


@pytest.mark.parametrize("name", POLICIES)
def test_values_and_derivatives_do_not_depend_on_the_policy(name):
    f = jax.checkpoint(layer, policy=POLICIES[name])
    np.testing.assert_allclose(f(W, X), layer(W, X), rtol=1e-13)
    expected = jax.grad(layer, argnums=(0, 1))(W, X)
    for got in (jax.grad(f, argnums=(0, 1))(W, X), jax.jit(jax.grad(f, argnums=(0, 1)))(W, X)):
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-12)
    np.testing.assert_allclose(jax.hessian(f, argnums=1)(W, X), jax.hessian(layer, 1)(W, X),
                               rtol=1e-11)
    ws = np.stack([W, 2 * W])
    np.testing.assert_allclose(jax.vmap(jax.grad(f), in_axes=(0, None))(ws, X),
                               jax.vmap(jax.grad(layer), in_axes=(0, None))(ws, X), rtol=1e-12)
    assert_derivatives(lambda x: f(W, x), (X,))


def _saved(fun, *args):
    return [f"{aval.str_short()} {why}" for aval, why in saved_residuals(fun, *args)]


def test_the_saved_residuals_follow_the_policy():
    args = ["f64[3,3] from the argument w", "f64[3] from the argument x"]
    saved = {name: _saved(jax.checkpoint(layer, policy=p), W, X)
             for name, p in POLICIES.items() if name != "everything"}
    assert saved["none"] == saved["nothing"] == args
    # both matrix products are kept: their results are read by sin's and tanh's derivatives
    assert saved["dots"] == saved["dots_no_batch"] == args + ["f64[3] output of dot_general"] * 2
    assert saved["only_h"] == args + ["f64[3] named 'h'"]
    assert saved["all_but_h"] == args  # no other name: nothing else may be kept
    assert saved["both"] == args + ["f64[3] output of dot_general", "f64[3] named 'h'",
                                    "f64[3] output of dot_general"]
    # a saveable value that no derivative reads is not kept: the sum's input here
    assert _saved(jax.checkpoint(lambda x: jnp.sum(checkpoint_name(x * 2.0, "s")),
                                 policy=P.save_only_these_names("s")), X) == \
        ["f64[3] from the argument x"]
    # batch dimensions: the einsum's dot_general has one, the second dot does not
    ws, xs = rand((2, 3, 3), seed=3), rand((2, 3), seed=4)
    inputs = ["f64[3,3] a constant", "f64[2,3,3] from the argument w",
              "f64[2,3] from the argument xs"]
    assert _saved(jax.checkpoint(batched, policy=P.dots_with_no_batch_dims_saveable), ws, xs) \
        == inputs + ["f64[2,3] output of dot_general"]
    assert _saved(jax.checkpoint(batched, policy=P.dots_saveable), ws, xs) == inputs + [
        "f64[2,3] output of einsum", "f64[2,3] output of dot_general"]
    np.testing.assert_allclose(
        jax.grad(jax.checkpoint(batched, policy=P.dots_with_no_batch_dims_saveable))(ws, xs),
        jax.grad(batched)(ws, xs), rtol=1e-12)


def _backward_eqns(fun, *args):
    """The primitives the backward pass of ``fun`` runs (the checkpoint equation that the
    forward one's vjp emits)."""
    closed = jax.make_jaxpr(jax.grad(fun))(*args)
    bwd = [e for e in closed.eqns if e.primitive.name == "checkpoint"][-1]
    return [e.primitive.name for e in bwd.params["jaxpr"].eqns]


def test_the_backward_pass_recomputes_only_what_was_not_saved():
    def f(x):
        return jnp.sum(jnp.exp(checkpoint_name(jnp.sin(x), "s")))

    nothing = _backward_eqns(jax.checkpoint(f), X)
    only_s = _backward_eqns(jax.checkpoint(f, policy=P.save_only_these_names("s")), X)
    assert "sin" in nothing and "sin" not in only_s  # sin(x) kept, not recomputed
    assert "exp" in only_s  # exp(s) was not kept: recomputed for its derivative
    assert nothing.count("cos") == only_s.count("cos") == 1  # sin's derivative still needed
    g = jax.grad(jax.checkpoint(f, policy=P.save_only_these_names("s")))(X)
    np.testing.assert_allclose(g, np.exp(np.sin(X)) * np.cos(X), rtol=1e-13)


def test_print_saved_residuals_shows_the_policy(capsys):
    print_saved_residuals(jax.checkpoint(layer, policy=P.save_only_these_names("h")), W, X)
    assert capsys.readouterr().out.splitlines() == [
        "f64[3,3] from the argument w", "f64[3] from the argument x", "f64[3] named 'h'"]


def test_policies_print_by_name_in_the_ir():
    text = str(jax.make_jaxpr(jax.checkpoint(layer, policy=P.save_only_these_names("h")))(W, X))
    assert "policy=save_only_these_names('h')" in text and "num_res=1" in text
    text = str(jax.make_jaxpr(jax.checkpoint(layer, policy=P.dots_saveable))(W, X))
    assert "policy=checkpoint_policies.dots_saveable" in text and " at 0x" not in text


def test_checkpoint_with_closed_over_values_static_arguments_and_float32():
    w32 = W.astype(np.float32)

    def f(n, x):
        return jnp.sum(jnp.sin(jnp.dot(w32, x)) ** n)

    g = jax.checkpoint(f, static_argnums=(0,), policy=P.dots_saveable)
    x32 = X.astype(np.float32)
    out = jax.grad(g, argnums=1)(3, x32)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, jax.grad(f, argnums=1)(3, x32), rtol=1e-5)


def test_checkpoint_inside_scan_and_inside_a_larger_function():
    def step(c, x):
        return jnp.sin(c * x) + c, None

    xs = np.arange(1.0, 4.0)
    expected = jax.grad(lambda c: jax.lax.scan(step, c, xs)[0])(0.5)
    for policy in (None, P.nothing_saveable, P.dots_saveable):
        body = jax.checkpoint(step, policy=policy)
        f = lambda c: jax.lax.scan(body, c, xs)[0]  # noqa: E731
        np.testing.assert_allclose(jax.grad(f)(0.5), expected, rtol=1e-13)
        np.testing.assert_allclose(jax.jit(jax.grad(f))(0.5), expected, rtol=1e-13)
    inner = jax.checkpoint(lambda w, x: jnp.tanh(jnp.dot(w, x)), policy=P.dots_saveable)
    assert _saved(lambda w, x: jnp.sum(jnp.sin(inner(w, x)) * x), W, X) == [
        "f64[3,3] from the argument w", "f64[3] from the argument x",
        "f64[3] output of dot_general",  # what the checkpoint keeps
        "f64[3] output of checkpoint", "f64[3] output of sin", "f64[3] output of mul"]
