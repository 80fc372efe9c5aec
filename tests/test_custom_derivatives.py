"""custom_jvp, custom_vjp and checkpoint: values, derivatives at every order, errors."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import check_jaxpr, custom_jvp, custom_vjp, checkpoint, grad, jvp, make_jaxpr
from fungrad.core import current_trace_level
from helpers import assert_derivatives, assert_same_as_numpy, rand


@custom_jvp
def softplus(x):
    return fnp.log1p(fnp.exp(x))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t * fungrad.nn.sigmoid(x)


def test_custom_jvp_value_and_rule_are_used():
    x = rand((4,), seed=1)
    assert_same_as_numpy(softplus(x), np.log1p(np.exp(x)))
    # the rule (sigmoid) is what differentiation uses: exact where the naive form overflows
    with np.errstate(over="ignore"):
        assert float(grad(softplus)(800.0)) == 1.0
    np.testing.assert_allclose(grad(lambda x: softplus(x).sum())(x), 1 / (1 + np.exp(-x)),
                               rtol=1e-12)
    assert_derivatives(softplus, (x,))


def test_custom_jvp_with_two_arguments_and_second_order():
    @custom_jvp
    def f(x, y):
        return fnp.sin(x) * y

    @f.defjvp
    def f_jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return f(x, y), fnp.cos(x) * y * tx + fnp.sin(x) * ty

    x, y = rand((3,), seed=2), rand((3,), seed=3)
    assert_derivatives(f, (x, y))
    hess = fungrad.hessian(lambda x: f(x, y).sum())(x)
    np.testing.assert_allclose(hess, np.diag(-np.sin(x) * y), rtol=1e-10, atol=1e-12)
    closed = make_jaxpr(grad(lambda x: f(x, y).sum()))(x)
    check_jaxpr(closed)


def test_custom_jvp_defjvps_and_nondiff_argnums():
    @custom_jvp
    def cube(x):
        return x ** 3
    cube.defjvps(lambda t, ans, x: 3.0 * x ** 2 * t)
    assert_same_as_numpy(grad(cube)(2.0), np.float64(12.0))

    def scaled(n, x):
        return x * n

    scaled = custom_jvp(scaled, nondiff_argnums=(0,))

    @scaled.defjvp
    def scaled_jvp(n, primals, tangents):
        return scaled(n, primals[0]), tangents[0] * n

    assert_same_as_numpy(grad(lambda x: scaled(3.0, x))(1.5), np.float64(3.0))


def test_custom_jvp_without_rule_and_closure_errors():
    bare = custom_jvp(lambda x: x * 2.0)
    with pytest.raises(TypeError, match="No JVP defined"):
        grad(bare)(1.0)

    def outer(w):
        @custom_jvp
        def uses_w(x):
            return x * w

        uses_w.defjvp(lambda p, t: (uses_w(p[0]), t[0] * w))
        return uses_w(2.0)

    with pytest.raises(TypeError, match="closes over a value that is being differentiated"):
        grad(outer)(3.0)
    assert current_trace_level() == 0
    assert_same_as_numpy(grad(softplus)(0.0), np.float64(0.5))  # next call works


def test_custom_vjp_rule_is_used_and_forward_mode_refused():
    @custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -1.0, 1.0),))
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(grad(lambda x: (10.0 * clip_gradient(x)).sum())(x),
                                  [1.0, 1.0])
    assert_same_as_numpy(clip_gradient(x), x)
    with pytest.raises(TypeError, match="forward-mode"):
        jvp(clip_gradient, (x,), (x,))
    assert current_trace_level() == 0


def test_custom_vjp_residuals_and_second_order_reverse():
    @custom_vjp
    def expm(x):
        return fnp.exp(x)

    expm.defvjp(lambda x: (fnp.exp(x), fnp.exp(x)), lambda r, ct: (r * ct,))
    x = rand((3,), seed=4)
    assert_derivatives(expm, (x,), modes=("rev",))
    np.testing.assert_allclose(grad(grad(expm))(0.5), np.exp(0.5), rtol=1e-12)


def test_custom_vjp_bad_bwd_result():
    @custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, (x, y)), lambda r, ct: ct)  # not a tuple per argument
    with pytest.raises(TypeError, match="one cotangent per differentiable argument"):
        grad(f)(1.0, 2.0)
    assert current_trace_level() == 0


def test_checkpoint_recomputes_and_matches():
    def block(x):
        return fnp.sin(fnp.cos(x)) * x

    f = checkpoint(block)
    x = rand((4,), seed=5)
    assert_same_as_numpy(f(x), block(x))
    assert_derivatives(f, (x,))
    np.testing.assert_allclose(grad(lambda x: f(x).sum())(x), grad(lambda x: block(x).sum())(x),
                               rtol=1e-12)
    closed = make_jaxpr(grad(lambda x: f(x).sum()))(x)
    check_jaxpr(closed)
    # the backward pass reruns the body inside one checkpoint equation
    assert [e.primitive.name for e in closed.eqns] == ["checkpoint"]
    body = closed.eqns[0].params["jaxpr"].jaxpr
    assert {"sin", "cos"} <= {e.primitive.name for e in body.eqns}


def test_checkpoint_static_argnums_and_policy():
    f = checkpoint(lambda n, x: x ** n, static_argnums=(0,))
    assert_same_as_numpy(grad(lambda x: f(3, x))(2.0), np.float64(12.0))
    with pytest.raises(TypeError, match="policy must be a function"):
        checkpoint(lambda x: x, policy=object())


def test_vmap_of_custom_jvp_batches_the_body_and_the_rule():
    @fungrad.custom_jvp
    def softclip(x, c):
        return c * fnp.tanh(x / c)

    @softclip.defjvp
    def softclip_jvp(primals, tangents):
        (x, c), (tx, tc) = primals, tangents
        y = softclip(x, c)
        s = 1.0 - fnp.tanh(x / c) ** 2
        return y, s * tx + (fnp.tanh(x / c) - x / c * s) * tc
    xs = np.array([[0.3, -1.5], [2.0, 0.1], [-0.7, 4.0]])
    cs = np.array([1.0, 2.0, 0.5])
    batched = fungrad.vmap(softclip, in_axes=(0, 0))
    np.testing.assert_allclose(batched(xs, cs[:, None] * np.ones(2)),
                               cs[:, None] * np.tanh(xs / cs[:, None]), rtol=1e-12)
    fungrad.test_util.check_grads(lambda x: fungrad.vmap(softclip, (0, None))(x, 1.5), (xs,),
                                  order=2, modes=("fwd", "rev"))
    fungrad.test_util.check_grads(fungrad.vmap(softclip, (None, 0)), (0.4, cs), order=2,
                                  modes=("fwd", "rev"))
    g = fungrad.vmap(fungrad.grad(softclip, argnums=(0, 1)))(xs[:, 0], cs)
    np.testing.assert_allclose(g[0], 1.0 - np.tanh(xs[:, 0] / cs) ** 2, rtol=1e-12)
    per_example = [fungrad.grad(softclip, argnums=1)(x, c) for x, c in zip(xs[:, 0], cs)]
    np.testing.assert_allclose(g[1], per_example, rtol=1e-12)
    jitted = fungrad.jit(fungrad.vmap(fungrad.grad(lambda x: softclip(x, 2.0))))
    np.testing.assert_allclose(jitted(xs[:, 1]), 1.0 - np.tanh(xs[:, 1] / 2.0) ** 2,
                               rtol=1e-12)


def test_vmap_of_custom_vjp_batches_the_body_and_bwd():
    seen = []

    @fungrad.custom_vjp
    def clipped_sin(x, lo):
        return fnp.sin(x) + 0.0 * lo

    def fwd(x, lo):
        return clipped_sin(x, lo), (fnp.cos(x), lo)

    def bwd(res, g):
        seen.append(np.shape(g))
        cos_x, lo = res
        return fnp.clip(cos_x * g, lo, 1.0), None
    clipped_sin.defvjp(fwd, bwd)
    xs = np.array([0.3, 2.0, -1.0, 3.0])
    expected = np.clip(np.cos(xs), -0.5, 1.0)
    np.testing.assert_allclose(fungrad.vmap(clipped_sin, (0, None))(xs, -0.5), np.sin(xs))
    g = fungrad.grad(lambda x: fungrad.vmap(clipped_sin, (0, None))(x, -0.5).sum())(xs)
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    assert seen[-1] == ()  # bwd ran on examples, under a vmap
    g = fungrad.jit(fungrad.vmap(fungrad.grad(clipped_sin)))(xs, np.full(4, -0.5))
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    # one batched call, not one per example
    fn = fungrad.grad(lambda x: fungrad.vmap(clipped_sin, (0, None))(x, -0.5).sum())
    sizes = {len(fungrad.make_jaxpr(fn)(np.ones(n)).jaxpr.eqns) for n in (2, 7)}
    assert len(sizes) == 1, sizes


def test_rule_branching_on_a_tangent_value_still_works_in_eager_jvp():
    # JAX's eager jvp hands the rule concrete tangents, so Python may branch on them
    f = fungrad.custom_jvp(lambda x: x * 2.0)
    f.defjvp(lambda p, t: (p[0] * 2.0, t[0] * 2.0 if t[0] > 0 else t[0] * 5.0))
    assert fungrad.jvp(f, (1.0,), (1.0,))[1] == 2.0
    assert fungrad.jvp(f, (1.0,), (-1.0,))[1] == -5.0
    assert fungrad.jvp(f, (1.0,), (3.0,))[1] == 6.0
