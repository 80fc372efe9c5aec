"""Regressions found by running JAX's own tutorials on fungrad (`import fungrad as jax`).

Each test is a tutorial cell's computation, checked against the value JAX gives (recorded
by running the same cell with JAX in float64) or against its closed form."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import custom_vjp, grad, jit, vjp, vmap
from fungrad.lax import while_loop
from helpers import assert_derivatives


# --- advanced-autodiff: gradient clipping, a custom_vjp whose bwd returns None ----------------

@custom_vjp
def clip_gradient(lo, hi, x):
    return x


clip_gradient.defvjp(lambda lo, hi, x: (x, (lo, hi)),
                     lambda res, g: (None, None, fnp.clip(g, *res)))


def clip_sin(x):
    return fnp.sin(clip_gradient(-0.75, 0.75, x))


def test_custom_vjp_none_cotangents_keep_their_places():
    # None stands for the zero cotangent of lo and hi; dropping it gave x's cotangent to lo
    # (every gradient was 0.0)
    t = np.linspace(0.0, 10.0, 7)
    expected = np.clip(np.cos(t), -0.75, 0.75)
    np.testing.assert_allclose(vmap(grad(clip_sin))(t), expected, rtol=1e-12)
    np.testing.assert_allclose(jit(vmap(grad(clip_sin)))(t), expected, rtol=1e-12)
    assert float(grad(clip_sin)(0.5)) == 0.75


def test_custom_vjp_none_for_a_whole_pytree_argument():
    @custom_vjp
    def scale(params, x):
        return params["w"] * x

    scale.defvjp(lambda p, x: (scale(p, x), p), lambda p, g: (None, p["w"] * g))
    g = grad(lambda x: scale({"w": 3.0, "b": 1.0}, x))(2.0)
    assert float(g) == 3.0
    gp = grad(lambda p: scale(p, 2.0))({"w": 3.0, "b": 1.0})
    assert float(gp["w"]) == 0.0 and float(gp["b"]) == 0.0


def test_custom_vjp_bwd_cotangent_of_the_wrong_structure_or_shape_is_an_error():
    @custom_vjp
    def f(pair, x):
        return pair[0] * x

    f.defvjp(lambda pair, x: (f(pair, x), None), lambda _, g: ([g, g], g))
    with pytest.raises(TypeError, match="custom_vjp bwd rule of f .*argument 0"):
        grad(lambda x: f((1.0, 2.0), x))(1.0)

    @custom_vjp
    def h(x):
        return x.sum()

    h.defvjp(lambda x: (h(x), None), lambda _, g: (g,))
    with pytest.raises(ValueError, match=r"shape \(\) for argument 0.*shape \(3,\)"):
        grad(h)(np.ones(3))
    assert float(grad(clip_sin)(0.5)) == 0.75  # and the next call works


# --- advanced-autodiff: implicit differentiation of a while_loop fixed point -----------------

def _fixed_point_loop(f, a, x_guess):
    def cond_fun(carry):
        x_prev, x = carry
        return fnp.abs(x_prev - x) > 1e-10

    def body_fun(carry):
        _, x = carry
        return x, f(a, x)

    return while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))[1]


fixed_point = custom_vjp(_fixed_point_loop, nondiff_argnums=(0,))


def _fixed_point_fwd(f, a, x_init):
    x_star = fixed_point(f, a, x_init)
    return x_star, (a, x_star)


def _rev_iter(f, packed, u):
    a, x_star, x_star_bar = packed
    _, vjp_x = vjp(lambda x: f(a, x), x_star)
    return x_star_bar + vjp_x(u)[0]


def _fixed_point_rev(f, res, x_star_bar):
    a, x_star = res
    _, vjp_a = vjp(lambda a: f(a, x_star), a)
    a_bar, = vjp_a(fixed_point(lambda p, u: _rev_iter(f, p, u), (a, x_star, x_star_bar),
                               x_star_bar))
    return a_bar, fnp.zeros_like(x_star)


fixed_point.defvjp(_fixed_point_fwd, _fixed_point_rev)


def newton_sqrt(a):
    return fixed_point(lambda a, x: 0.5 * (x + a / x), a, a)


def test_custom_vjp_around_a_while_loop_differentiates_at_first_and_second_order():
    # the first order failed (unread residuals were differentiated through fwd's loop), the
    # second one too (the nested call inside fwd had lost its rule)
    np.testing.assert_allclose(grad(newton_sqrt)(2.0), 0.5 / np.sqrt(2.0), rtol=1e-9)
    np.testing.assert_allclose(grad(grad(newton_sqrt))(2.0), -0.25 * 2.0 ** -1.5, rtol=1e-7)
    a = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(jit(vmap(grad(newton_sqrt)))(a), 0.5 / np.sqrt(a), rtol=1e-9)


def test_custom_vjp_unread_residuals_are_not_differentiated():
    @custom_vjp
    def f(a, x):
        return a * x

    f.defvjp(lambda a, x: (a * x, (a, a * x)), lambda res, g: (3.0 * g, fnp.zeros_like(g)))
    closed = fungrad.make_jaxpr(grad(lambda a: f(a, 2 * a)))(2.0)
    assert closed.jaxpr.eqns == []  # only the rule's constant 3.0: nothing through fwd
    assert float(grad(lambda a: f(a, 2 * a))(2.0)) == 3.0

    @custom_vjp
    def mul(a, x):
        return a * x

    # a true rule, whose residuals a second order does read
    mul.defvjp(lambda a, x: (a * x, (a, x, a * x)), lambda r, g: (r[1] * g, r[0] * g))
    assert_derivatives(lambda a: mul(a, fnp.sin(a)) * a, (1.5,), modes=("rev",))


# --- 101/arrays, 101/transformations, 101/random: jax.typeof ---------------------------------

def test_typeof_is_the_abstract_type_a_transform_sees():
    from fungrad import ShapedArray
    x = fnp.arange(9.0).reshape(3, 3)
    assert fungrad.typeof(x) == ShapedArray((3, 3), np.float64)
    assert fungrad.typeof(np.float32(1.0)) == ShapedArray((), np.float32)
    assert fungrad.typeof(2) == ShapedArray((), np.int64, weak_type=True)
    seen = []
    fungrad.vmap(lambda v: seen.append(fungrad.typeof(v)) or v * 2)(fnp.arange(3))
    fungrad.jit(lambda v: seen.append(fungrad.typeof(v)) or v)(np.ones((2, 5), np.float32))
    assert seen == [ShapedArray((), np.int64), ShapedArray((2, 5), np.float32)]
    keys = fungrad.typeof(fungrad.random.split(fungrad.random.key(42), 4))
    assert (str(keys), repr(keys)) == ("key<fry>[4]", "ShapedArray(key<fry>[4])")  # JAX's
    with pytest.raises(TypeError, match="typeof: expected an array.*list"):
        fungrad.typeof([1, 2])


# --- 101/arrays: .at[...] modes (JAX's explicit out-of-bounds behaviours) ------------------
# (values recorded from JAX 0.10.2 in float64 running the same expressions)

def test_at_modes_match_jax():
    x = fnp.arange(10)
    np.testing.assert_array_equal(x.at[np.array([1, 11])].get(mode="fill", fill_value=-1),
                                  [1, -1])
    np.testing.assert_array_equal(x.at[11].set(5, mode="clip"), [0, 1, 2, 3, 4, 5, 6, 7, 8, 5])
    np.testing.assert_array_equal(x.at[np.array([-1, -12])].get(mode="clip"), [9, 0])
    np.testing.assert_array_equal(x.at[11].set(99, mode="drop"), np.arange(10))
    np.testing.assert_array_equal(x.at[np.array([3, 11, -11, -1])].add(100, mode="drop"),
                                  [0, 1, 2, 103, 4, 5, 6, 7, 8, 109])
    assert np.isnan(fnp.ones((2, 3)).at[:, 5].get(mode="fill")).all()
    assert fnp.arange(3).at[7].get(mode="fill") == np.iinfo(np.int64).min
    np.testing.assert_array_equal(
        fnp.ones((2, 3)).at[..., np.array([0, 3])].set(7.0, mode="drop"),
        [[7.0, 1.0, 1.0], [7.0, 1.0, 1.0]])
    np.testing.assert_array_equal(x.at[np.array([2, 20])].multiply(3, mode="drop"),
                                  [0, 1, 6, 3, 4, 5, 6, 7, 8, 9])
    np.testing.assert_array_equal(x.at[np.array([2, 20])].max(50, mode="clip"),
                                  [0, 1, 50, 3, 4, 5, 6, 7, 8, 50])
    with pytest.raises(ValueError, match="mode must be one of"):
        x.at[3].set(5, mode="bogus")
    # without a mode, JAX clamps out-of-bounds reads and drops out-of-bounds updates
    assert x.at[11].get() == 9 and x.at[-12].get() == 0
    np.testing.assert_array_equal(x.at[11].set(5), np.arange(10))


def test_at_modes_under_transforms_and_derivatives():
    def read(x, i):
        return fnp.asarray(x).at[i].get(mode="fill", fill_value=0.0) * x[0]

    def write(x, v):
        return fnp.asarray(x).at[np.array([0, 5, 2])].set(v, mode="drop") ** 2

    x, i = fnp.arange(1.0, 5.0), np.array([1, 9, -1, -7])
    expected = np.array([2.0, 0.0, 4.0, 0.0])
    np.testing.assert_array_equal(read(x, i), expected)
    np.testing.assert_array_equal(jit(read)(x, i), expected)
    np.testing.assert_array_equal(vmap(read, (None, 0))(x, i), expected)
    np.testing.assert_array_equal(jit(vmap(read, (None, 0)))(x, i), expected)
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(write(x, v), [1.0, 4.0, 9.0, 16.0])
    assert_derivatives(lambda x: read(x, i), (x,))
    assert_derivatives(lambda x, v: write(x, v), (x, v))
    np.testing.assert_array_equal(
        grad(lambda x, v: write(x, v).sum(), (0, 1))(x, v)[0], [0.0, 4.0, 0.0, 8.0])


def test_at_divide_of_integers_gives_floats_as_in_jax():
    # it was cast back to the integers: 3 / 2 became 1 without a word
    out = fnp.arange(10).at[2:4].divide(2)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [0.0, 1.0, 1.0, 1.5, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    f32 = fnp.ones(3, np.float32).at[1].divide(2)
    assert f32.dtype == np.float32 and float(f32[1]) == 0.5


# --- 101/pytrees: dict keys that cannot be sorted ------------------------------------------

def test_unsortable_dict_keys_are_a_clear_value_error():
    from fungrad import tree_util
    with pytest.raises(ValueError, match=r"cannot be sorted: \[1, 'y'\]"):
        tree_util.tree_map(lambda x: x + 1, {1: 7, "y": 42})
    with pytest.raises(ValueError, match="cannot be sorted"):
        tree_util.tree_flatten_with_path({1: 7, "y": 42})
    assert tree_util.tree_map(lambda x: x + 1, {"a": 1, "b": 2}) == {"a": 2, "b": 3}


# --- 301/cookbook: complex cotangents given as Python scalars ------------------------------

def _u(x, y):
    return x ** 2 + fnp.sin(y)


def _nonholomorphic(z):
    x, y = fnp.real(z), fnp.imag(z)
    return _u(x, y) + x * y * 1j


def test_python_complex_cotangent_reaching_a_real_input_keeps_only_its_real_part():
    # numpy's dtype compares equal to None, so a Python complex cotangent looked like a
    # float64 one and reached real(z)'s input whole: the vjp was silently wrong
    z, w = 1.5 + 0.5j, -0.2 + 1.1j
    x, y = z.real, z.imag
    # the bilinear-pairing VJP of f = u + i v, from the real Jacobian (du/dx, du/dy, ...)
    jac = np.array([[2 * x, np.cos(y)], [y, x]])
    ct = jac.T @ np.array([w.real, -w.imag])
    expected = ct[0] - 1j * ct[1]
    for cotangent in (w, np.complex128(w), fnp.asarray(w)):
        got, = vjp(_nonholomorphic, z)[1](cotangent)
        np.testing.assert_allclose(got, expected, rtol=1e-14)
    got, = vjp(lambda z: fnp.real(z) + fnp.imag(z) * 1j, 1.5 + 0.5j)[1](w)
    np.testing.assert_allclose(got, w, rtol=1e-15)  # the identity's VJP is the identity
    got, = jit(lambda z, w: vjp(_nonholomorphic, z)[1](w))(z, w)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    with pytest.raises(ValueError, match="expected float64"):  # a real output: as JAX
        vjp(lambda z: fnp.real(z) + fnp.imag(z), z)[1](w)


def test_python_complex_tangent_of_a_real_input_is_refused_or_projected_like_jax():
    # jvp keeps a tangent of the primal's own type: a real primal with a complex
    # tangent is an error in both
    with pytest.raises((TypeError, ValueError)):
        fungrad.jvp(fnp.sin, (1.0,), (1j,))


# --- thinking_in_jax: a traced boolean mask ------------------------------------------------

def test_traced_boolean_mask_is_an_index_error_as_in_jax():
    def get_negatives(x):
        return x[x < 0]

    x = np.array([1.0, -2.0, 3.0, -4.0])
    np.testing.assert_array_equal(get_negatives(fnp.asarray(x)), [-2.0, -4.0])
    for exc in (IndexError, TypeError):  # JAX's NonConcreteBooleanIndexError is an IndexError
        with pytest.raises(exc, match="boolean indices must be concrete"):
            jit(get_negatives)(x)
    np.testing.assert_array_equal(jit(lambda x: fnp.where(x < 0, x, 0.0))(x),
                                  [0.0, -2.0, 0.0, -4.0])


# --- 201/debugging: debug_nans as a context manager, effects_barrier ------------------------

@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_debug_nans_context_manager_scopes_the_flag():
    def f(x):
        return fnp.log(-3 * fnp.square(x))

    assert np.isnan(f(5.0))
    with fungrad.debug_nans(True):
        for g in (f, jit(f), grad(f)):
            with pytest.raises(FloatingPointError, match="log"):
                g(5.0)
    assert fungrad.config.jax_debug_nans is False and np.isnan(jit(f)(5.0))
    fungrad.config.update("jax_debug_nans", True)
    try:
        with fungrad.debug_nans(False):  # lets NaNs through where the flag is set globally
            assert np.isnan(jit(f)(5.0))
        assert fungrad.config.jax_debug_nans is True
    finally:
        fungrad.config.update("jax_debug_nans", False)


def test_effects_barrier_after_jitted_prints(capsys):
    f = jit(lambda x: fungrad.debug.print("x: {}", x) or x * 2)
    assert float(f(2.0)) == 4.0
    assert fungrad.effects_barrier() is None
    assert capsys.readouterr().out == "x: 2.0\n"


# --- Neural_Network_and_Data_Loading: `except TypeError` around a shape mismatch ----------

@pytest.mark.parametrize("product, a, b", [
    (fnp.dot, (32, 64), (10, 64)),
    (fnp.matmul, (2, 3), (2, 3)),
    (fnp.matmul, (2, 2, 3), (3, 3, 4)),
    (fnp.inner, (2,), (3,)),
    (fnp.vdot, (2,), (3,)),
    (lambda a, b: fnp.tensordot(a, b, 1), (2, 3), (2, 3)),
])
def test_contraction_shape_mismatch_is_both_numpy_and_jax_error(product, a, b):
    # numpy raises ValueError, JAX TypeError (the tutorial catches TypeError): both work
    for exc in (TypeError, ValueError):
        with pytest.raises(exc, match="not aligned|different sizes|shape-mismatch|broadcast"):
            product(np.ones(a), np.ones(b))
    with pytest.raises(TypeError):
        jit(product)(np.ones(a), np.ones(b))
    with pytest.raises(TypeError):
        vmap(lambda x: product(x, np.ones(b)))(np.ones((2,) + a))


# --- 201/callbacks: ShapeDtypeStruct.like, callbacks get arrays, io_callback ---------------

def test_shape_dtype_struct_like():
    s = fungrad.ShapeDtypeStruct.like(np.ones((2, 3), np.float32))
    assert (s.shape, s.dtype) == ((2, 3), np.float32)
    assert fungrad.ShapeDtypeStruct.like(2.0).shape == ()


def test_pure_callback_with_custom_jvp_gets_numpy_arrays():
    # the tutorial's Bessel function: inside the jvp rule the callback was handed a Python
    # float (from a literal) and .astype on scipy's result failed
    import scipy.special

    @fungrad.custom_jvp
    def jv(v, z):
        v, z = fnp.asarray(v), fnp.asarray(z).astype(float)
        return fungrad.pure_callback(
            lambda v, z: scipy.special.jv(v, z).astype(z.dtype),
            fungrad.ShapeDtypeStruct(fnp.broadcast_shapes(v.shape, z.shape), z.dtype), v, z,
            vmap_method="broadcast_all")

    @jv.defjvp
    def _jv_jvp(primals, tangents):
        v, z = primals
        dz = fnp.where(v == 0, -jv(v + 1, z), 0.5 * (jv(v - 1, z) - jv(v + 1, z)))
        return jv(v, z), tangents[1] * dz

    x = np.linspace(-5.0, 5.0, 11)
    expected = 0.5 * (scipy.special.jv(0, x) - scipy.special.jv(2, x))
    np.testing.assert_allclose(grad(lambda z: jv(1, z))(2.0), expected[7], rtol=1e-12)
    np.testing.assert_allclose(vmap(grad(lambda z: jv(1, z)))(x), expected, rtol=1e-12)
    np.testing.assert_allclose(jit(vmap(grad(lambda z: jv(1, z))))(x), expected, rtol=1e-12)
    second = 0.25 * (scipy.special.jv(-1, 2.0) - 2 * scipy.special.jv(1, 2.0)
                     + scipy.special.jv(3, 2.0))
    np.testing.assert_allclose(fungrad.hessian(lambda z: jv(1, z))(2.0), second, rtol=1e-12)


def test_io_callback_runs_every_call_and_refuses_what_jax_refuses(capsys):
    from fungrad.experimental import io_callback
    rng = np.random.default_rng(0)

    def host_random_like(x):
        print(f"generating {x.dtype}{list(x.shape)}")
        return rng.uniform(size=x.shape).astype(x.dtype)

    draw = jit(lambda x: io_callback(host_random_like, x, x))
    a, b = draw(np.zeros(3)), draw(np.zeros(3))
    assert a.shape == (3,) and (a != b).all()
    ref = np.random.default_rng(0).uniform(size=6)
    np.testing.assert_array_equal(np.concatenate([a, b]), ref)
    assert capsys.readouterr().out == "generating float64[3]\n" * 2

    @jit
    def unused(x):  # an effect: kept although its result is not used
        io_callback(lambda: print("hello"), None)
        return x

    assert float(grad(unused)(1.0)) == 1.0 and float(unused(2.0)) == 2.0
    assert capsys.readouterr().out == "hello\nhello\n"
    out = vmap(lambda x: io_callback(host_random_like, x, x))(np.zeros(2))
    assert out.shape == (2,) and capsys.readouterr().out == "generating float64[]\n" * 2
    with pytest.raises(ValueError, match="cannot vmap an ordered"):
        vmap(lambda x: io_callback(host_random_like, x, x, ordered=True))(np.zeros(2))
    with pytest.raises(ValueError, match="do not support JVP"):
        grad(lambda x: io_callback(host_random_like, x, x).sum())(np.zeros(2))
    with pytest.raises(ValueError, match="do not support JVP"):
        fungrad.jvp(lambda x: io_callback(host_random_like, x, x), (1.0,), (1.0,))
