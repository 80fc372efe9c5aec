"""``jit``: one trace per signature and control path, compiled to straight-line numpy.

Results equal the un-jitted function's; ``trace_count`` grows only on a new signature
(tree structure, shapes, dtypes, weak types, static values) or a new path through Python
control flow; the cache is bounded (LRU); ``variants()`` / ``sources()`` show the cached IRs
(with their guards) and the generated code (constants reach it by namespace, never as text);
jit composes with grad/vjp/jvp both ways, and an exception leaves the trace stack clean."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import check_jaxpr, grad, jit, jvp, lax, make_jaxpr, vjp
from fungrad.core import current_trace_level
from fungrad.jit import DEFAULT_MAX_VARIANTS, Jitted

from helpers import assert_derivatives, assert_same_as_numpy, rand, tutorial


def _piecewise(m):
    """Three paths chosen by Python ``if`` on a traced value."""
    def f(x):
        s = m.sum(x)
        if s < -1.0:
            return m.exp(x) * 2.0
        if s < 1.0:
            return m.sin(x) * x
        return x ** 2 - 1.0
    return f


# ============================================================================ same results

def test_jit_matches_unjitted_and_numpy_on_many_inputs():
    f_ref = _piecewise(np)
    f = _piecewise(fnp)
    jf = jit(f)
    rng = np.random.default_rng(0)
    for _ in range(200):
        x = rng.normal(scale=1.5, size=3)
        expected = f_ref(x)
        assert_same_as_numpy(jf(x), expected)
        assert_same_as_numpy(f(x), expected)
    assert jf.trace_count == 3
    assert len(jf.variants()) == 3


def test_tutorial_trace_count_equals_distinct_control_paths():
    f = tutorial

    def path_and_grad(a):
        """The control path (doublings, sign branch) and gradient, computed in numpy."""
        b, k = a * 2, 0
        while np.linalg.norm(b) < 1000:
            b, k = b * 2, k + 1
        positive = bool(np.sum(b) > 0)
        return (k, positive), (b if positive else 100 * b) / a

    jitted = jit(grad(lambda a: f(a).sum()))
    rng = np.random.default_rng(42)
    inputs = rng.choice([-1.0, 1.0], size=1000) * 10.0 ** rng.uniform(-2, 3, size=1000)
    paths = set()
    for a in inputs:
        path, expected = path_and_grad(a)
        paths.add(path)
        np.testing.assert_allclose(jitted(a), expected, rtol=1e-12)
    assert 10 < len(paths) < DEFAULT_MAX_VARIANTS  # many paths, none evicted
    assert jitted.trace_count == len(paths)
    # every variant carries its guards
    variants = jitted.variants()
    assert len(variants) == len(paths)
    assert all("guard[expect=False]" in str(v) for v in variants)
    for v in variants[:3]:
        check_jaxpr(v)

    # vector inputs: the path is (doublings, sign of the sum)
    jitted_v = jit(grad(lambda a: f(a).sum()))
    xs = rng.normal(size=(300, 3)) * 10.0 ** rng.uniform(-2, 2, size=(300, 1))
    paths = set()
    for a in xs:
        path, expected = path_and_grad(a)
        paths.add(path)
        np.testing.assert_allclose(jitted_v(a), expected, rtol=1e-12)
    assert jitted_v.trace_count == len(paths)


def test_trace_count_grows_only_on_new_signature_or_path():
    jf = jit(_piecewise(fnp))
    x = np.array([0.1, 0.2, 0.3])
    jf(x)
    assert jf.trace_count == 1
    jf(x * 0.5)
    jf(-x)
    assert jf.trace_count == 1  # same path
    jf(x * 10.0)
    assert jf.trace_count == 2  # new path
    jf(x * 10.0 + 1.0)
    jf(x)
    assert jf.trace_count == 2  # both cached
    jf(np.array([0.1, 0.2]))
    assert jf.trace_count == 3  # new shape


# ============================================================================ signatures

def test_shapes_dtypes_weak_types_give_separate_signatures():
    calls = []

    def f(x, y):
        calls.append(1)
        return x * y

    jf = jit(f)
    x32 = np.ones(2, np.float32)
    cases = [
        ((np.ones(2), 2.0), np.float64),
        ((np.ones(3), 2.0), np.float64),                    # shape
        ((x32, 2.0), np.float32),                           # dtype; weak 2.0 keeps float32
        ((x32, np.float64(2.0)), np.float64),               # strong float64 scalar promotes
        ((x32, np.float32(2.0)), np.float32),
        ((np.ones(2, np.int64), 2), np.int64),
        ((np.ones(2, np.int64), 2.0), np.float64),
    ]
    for i, (args, dtype) in enumerate(cases, 1):
        out = jf(*args)
        expected = np.asarray(args[0]) * args[1]
        assert expected.dtype == dtype  # numpy's own rule (NEP 50)
        assert_same_as_numpy(out, expected)
        assert jf.trace_count == i
        # the second call with the same signature reuses the variant
        assert_same_as_numpy(jf(*args), expected)
        assert jf.trace_count == i
    assert len(calls) == len(cases)
    assert len(jf.variants()) == len(cases)


def test_static_argnums_and_static_argnames():
    calls = []

    def f(x, n, mode):
        calls.append((n, mode))
        for _ in range(n):
            x = fnp.sin(x) if mode == "sin" else fnp.cos(x)
        return x

    def ref(x, n, mode):
        for _ in range(n):
            x = np.sin(x) if mode == "sin" else np.cos(x)
        return x

    x = rand((3,), seed=1)
    jf = jit(f, static_argnums=(1, 2))
    for n, mode in [(2, "sin"), (3, "sin"), (2, "cos"), (2, "sin")]:
        assert_same_as_numpy(jf(x, n, mode), ref(x, n, mode))
    assert jf.trace_count == 3
    for ir in jf.variants():  # static values are baked in: no guards
        assert "guard" not in str(ir)

    jg = jit(f, static_argnames=("n", "mode"))
    assert_same_as_numpy(jg(x, n=2, mode="sin"), ref(x, 2, "sin"))
    assert_same_as_numpy(jg(x, n=2, mode="sin"), ref(x, 2, "sin"))
    assert_same_as_numpy(jg(x, n=3, mode="cos"), ref(x, 3, "cos"))
    assert jg.trace_count == 2

    # a static argument stays static whether passed by position or by name (as in JAX)
    jh = jit(f, static_argnames="mode")
    assert_same_as_numpy(jh(x, np.int64(2), "cos"), ref(x, 2, "cos"))
    jn = jit(f, static_argnums=2)
    assert_same_as_numpy(jn(x, np.int64(2), mode="cos"), ref(x, 2, "cos"))
    # negative static_argnums count from the end
    jm = jit(f, static_argnums=(-2, -1))
    assert_same_as_numpy(jm(x, 3, "sin"), ref(x, 3, "sin"))
    assert "guard" not in str(jm.variants()[0])


def test_non_hashable_static_argument_gives_clear_error():
    jf = jit(lambda x, opts: x * len(opts), static_argnums=1)
    with pytest.raises(ValueError) as info:
        jf(np.ones(2), [1, 2])
    msg = str(info.value)
    assert "hashable" in msg and "static" in msg and "list" in msg
    assert current_trace_level() == 0
    assert_same_as_numpy(jf(np.ones(2), (1, 2)), np.full(2, 2.0))


@pytest.mark.parametrize("bad", ["relu", object(), lambda x: x])
def test_non_array_argument_without_static_gives_clear_type_error(bad):
    jf = jit(lambda x, act: x)
    with pytest.raises(TypeError) as info:
        jf(np.ones(2), bad)
    msg = str(info.value)
    assert type(bad).__name__ in msg
    assert "static_argnums" in msg
    assert current_trace_level() == 0
    assert_same_as_numpy(jit(lambda x, act: x, static_argnums=1)(np.ones(2), bad),
                         np.ones(2))


# ============================================================================ the cache

def test_max_variants_evicts_least_recently_used_and_keeps_working():
    f_ref = _piecewise(np)
    jf = jit(_piecewise(fnp), max_variants=2)
    a, b, c = np.full(2, -3.0), np.full(2, 0.1), np.full(2, 3.0)  # three paths

    def call(x, expected_count):
        assert_same_as_numpy(jf(x), f_ref(x))
        assert jf.trace_count == expected_count
        assert len(jf.variants()) <= 2

    call(a, 1)
    call(b, 2)
    call(a, 2)  # hit: a becomes most recently used
    call(c, 3)  # evicts b (least recently used), not a
    call(a, 3)
    call(c, 3)
    call(b, 4)  # b was evicted: retrace, evicting a (c was used more recently)
    call(c, 4)
    call(a, 5)
    for _ in range(3):  # and it keeps working on every path
        for x in (a, b, c):
            assert_same_as_numpy(jf(x * 1.1), f_ref(x * 1.1))


def test_max_signatures_bounds_the_cache():
    jf = jit(lambda x: x * 2.0, max_signatures=2)
    for n in (1, 2, 3):
        jf(np.ones(n))
    assert jf.trace_count == 3
    jf(np.ones(3))
    jf(np.ones(2))
    assert jf.trace_count == 3
    assert_same_as_numpy(jf(np.ones(1)), np.full(1, 2.0))  # evicted: traced again
    assert jf.trace_count == 4
    assert len(jf.variants()) == 2


def test_variants_show_guards_and_clear_cache():
    jf = jit(_piecewise(fnp))
    jf(np.full(2, 3.0))
    jf(np.full(2, -3.0))
    irs = jf.variants()
    assert len(irs) == 2
    texts = [str(ir) for ir in irs]
    assert all(isinstance(ir, fungrad.ClosedJaxpr) for ir in irs)
    assert all("guard[expect=" in t for t in texts)
    assert any("guard[expect=True]" in t and "exp" in t for t in texts)
    assert any("integer_pow" in t or "pow" in t or "mul" in t for t in texts)
    for ir in irs:
        check_jaxpr(ir)
    assert len(jf.sources()) == 2
    assert all("GuardFailure" in s for s in jf.sources())
    jf.clear_cache()
    assert jf.variants() == [] and jf.sources() == []
    assert jf.trace_count == 2
    assert_same_as_numpy(jf(np.full(2, 3.0)), np.full(2, 8.0))
    assert jf.trace_count == 3
    assert len(jf.variants()) == 1


def test_sources_reach_constants_through_the_namespace():
    big = np.linspace(7777.0, 8888.0, 1000)
    jf = jit(lambda x: fnp.sum(x * big, axis=0) * 3.14159)
    x = rand((1000,), seed=3)
    assert_same_as_numpy(jf(x), np.sum(x * big, axis=0) * 3.14159)
    assert_same_as_numpy(jf(x + 1.0), np.sum((x + 1.0) * big, axis=0) * 3.14159)
    assert jf.trace_count == 1
    (src,) = jf.sources()
    assert src.startswith("def ")
    assert "7777" not in src and "8888" not in src and "e+03" not in src
    assert "3.14159" not in src  # scalar literals too
    assert "(0,)" not in src and "axis=" not in src  # params reach it by name too
    assert len(src) < 400  # a few lines, not a thousand numbers
    # the IR shows the constant as a constvar, not as text either
    assert "7777" not in str(jf.variants()[0])


# ============================================================================ composition

def _smooth(m):
    def f(x, w):
        h = m.tanh(x * w)
        if m.sum(h) > 0:
            return m.sum(h ** 2) + m.sum(x)
        return m.sum(m.sin(h))
    return f


def _smooth_grad_x(x, w):
    h = np.tanh(x * w)
    dh = (1 - h ** 2) * w
    if np.sum(h) > 0:
        return 2 * h * dh + 1.0
    return np.cos(h) * dh


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_jit_composes_with_grad_vjp_jvp_both_ways(sign):
    f = _smooth(fnp)
    x, w = sign * np.abs(rand((3,), seed=5)), np.abs(rand((3,), seed=6)) + 0.1
    expected = _smooth_grad_x(x, w)
    t = rand((3,), seed=7)

    jg = jit(grad(f))
    np.testing.assert_allclose(jg(x, w), expected, rtol=1e-12)
    np.testing.assert_allclose(jg(x * 0.9, w), _smooth_grad_x(x * 0.9, w), rtol=1e-12)
    assert jg.trace_count == 1

    np.testing.assert_allclose(grad(jit(f))(x, w), expected, rtol=1e-12)
    jf = jit(f)
    np.testing.assert_allclose(grad(jf)(x, w), expected, rtol=1e-12)
    # second order through the jitted function, against finite differences
    assert_derivatives(lambda x: jf(x, w), (x,), order=2)

    out, t_out = jvp(jf, (x, w), (t, np.zeros(3)))
    assert_same_as_numpy(out, _smooth(np)(x, w))
    np.testing.assert_allclose(t_out, expected @ t, rtol=1e-12)

    jj = jit(lambda x, w, t: jvp(lambda x: f(x, w), (x,), (t,)))
    out, t_out = jj(x, w, t)
    assert_same_as_numpy(out, _smooth(np)(x, w))
    np.testing.assert_allclose(t_out, expected @ t, rtol=1e-12)
    assert jj.trace_count == 1

    out, pullback = vjp(jf, x, w)
    np.testing.assert_allclose(pullback(2.0)[0], 2.0 * expected, rtol=1e-12)
    jv = jit(lambda x, w, ct: vjp(f, x, w)[1](ct)[0])
    np.testing.assert_allclose(jv(x, w, 2.0), 2.0 * expected, rtol=1e-12)

    # jit is transparent inside other traces
    closed = make_jaxpr(lambda x: jf(x, w) * 2.0)(x)
    assert "guard[" in str(closed)
    check_jaxpr(closed)


def test_jit_inside_grad_closing_over_the_differentiated_value():
    """A jitted function called with plain arrays but closing over a traced value must not
    bake that value into a cached variant (nor lose its derivative)."""
    def outer(w):
        scale = jit(lambda x: x * w)
        return fnp.sum(scale(np.arange(3.0)))

    for w in (2.0, -1.0):
        np.testing.assert_allclose(grad(outer)(w), 3.0, rtol=1e-12)
        assert_same_as_numpy(outer(w), np.float64(3.0 * w))

    g = jit(lambda x: x * 2.0)

    def uses_global_jit(w):
        return fnp.sum(g(np.ones(2)) * w)

    np.testing.assert_allclose(grad(uses_global_jit)(3.0), 4.0, rtol=1e-12)
    np.testing.assert_allclose(grad(uses_global_jit)(5.0), 4.0, rtol=1e-12)
    assert current_trace_level() == 0


def test_jit_returning_pytrees():
    @jit
    def f(d):
        return {"double": d["x"] * 2.0,
                "pair": (d["y"] + 1.0, [d["x"] * d["y"], fnp.sum(d["x"])]),
                "const": 7.0}

    for seed in (1, 2):
        x, y = rand((2,), seed=seed), rand((), seed=seed + 5)
        out = f({"x": x, "y": y})
        assert set(out) == {"double", "pair", "const"}
        assert isinstance(out["pair"], tuple) and isinstance(out["pair"][1], list)
        assert_same_as_numpy(out["double"], x * 2.0)
        assert_same_as_numpy(out["pair"][0], y + 1.0)
        assert_same_as_numpy(out["pair"][1][0], x * y)
        assert_same_as_numpy(out["pair"][1][1], np.sum(x))
        assert float(out["const"]) == 7.0
    assert f.trace_count == 1

    g = jit(lambda x: (x, None, ()))
    assert g(np.ones(2))[1:] == (None, ())
    assert_same_as_numpy(g(np.ones(2))[0], np.ones(2))


def test_jit_as_decorator_with_and_without_arguments():
    @fungrad.jit
    def plain(x):
        return x * 3.0

    @fungrad.jit(static_argnums=1)
    def powered(x, n):
        return x ** n

    @fungrad.jit(static_argnames="n", max_variants=1)
    def named(x, n=2):
        return x * n

    assert isinstance(plain, Jitted) and isinstance(powered, Jitted)
    assert plain.__name__ == "plain"
    assert_same_as_numpy(plain(np.ones(2)), np.full(2, 3.0))
    assert_same_as_numpy(powered(np.full(2, 2.0), 3), np.full(2, 8.0))
    assert_same_as_numpy(powered(np.full(2, 2.0), 2), np.full(2, 4.0))
    assert powered.trace_count == 2
    assert_same_as_numpy(named(np.ones(2)), np.full(2, 2.0))
    assert_same_as_numpy(named(np.ones(2), n=5), np.full(2, 5.0))


def test_jit_keyword_arguments_are_traced():
    @jit
    def f(x, *, scale):
        return x * scale

    assert_same_as_numpy(f(np.ones(2), scale=3.0), np.full(2, 3.0))
    assert_same_as_numpy(f(np.ones(2), scale=4.0), np.full(2, 4.0))
    assert f.trace_count == 1


# ============================================================================ errors

def test_exception_inside_jitted_function_leaves_trace_stack_clean():
    def f(x):
        if fnp.sum(x) > 0:
            raise RuntimeError("user error on the positive path")
        return x * 2.0

    jf = jit(f)
    assert_same_as_numpy(jf(-np.ones(2)), -np.full(2, 2.0))  # a variant exists
    with pytest.raises(RuntimeError, match="positive path"):
        jf(np.ones(2))  # its guard fails, the retrace raises
    assert current_trace_level() == 0
    assert_same_as_numpy(jf(-np.ones(2) * 3.0), -np.full(2, 6.0))
    assert jf.trace_count == 1

    jb = jit(lambda x: fnp.dot(x, np.ones(3)))
    with pytest.raises((TypeError, ValueError)):
        jb(np.ones(2))  # a shape error while tracing
    assert current_trace_level() == 0
    assert_same_as_numpy(jb(np.ones(3)), np.float64(3.0))

    jg = jit(grad(lambda x: fnp.sum(f(x))))
    with pytest.raises(RuntimeError):
        jg(np.ones(2))
    assert current_trace_level() == 0
    assert_same_as_numpy(jg(-np.ones(2)), np.full(2, 2.0))

    with pytest.raises(fungrad.ConcretizationTypeError):  # abstract branch inside jit
        jit(lambda x: lax.cond(True, lambda y: y if y > 0 else -y, lambda y: y, x))(1.0)
    assert current_trace_level() == 0


def test_converted_value_guards_reuse_variants():
    """A variant's guard compares what Python saw: int(2.7) takes int(2.5)'s path, and a
    NaN seen by float() is the same path as the NaN it was traced with."""
    jf = jit(lambda x: x * int(x))
    for x, expected_count in [(2.5, 1), (2.7, 1), (2.0, 1), (3.5, 2), (2.2, 2), (-0.5, 3)]:
        assert_same_as_numpy(jf(np.float64(x)), np.float64(x * int(x)))
        assert jf.trace_count == expected_count

    import math
    jn = jit(lambda x: x * 0.0 if math.isnan(x) else x * 2.0)
    for _ in range(3):
        assert np.isnan(jn(np.float64(np.nan)))
    assert jn.trace_count == 1
    # float() specializes on the exact value: a new value is a new path
    assert_same_as_numpy(jn(np.float64(1.5)), np.float64(3.0))
    assert_same_as_numpy(jn(np.float64(1.5)), np.float64(3.0))
    assert jn.trace_count == 2
    assert_same_as_numpy(jn(np.float64(2.5)), np.float64(5.0))
    assert jn.trace_count == 3


def test_fast_path_takes_registered_pytrees_and_keys_them_by_structure():
    from collections import namedtuple

    from fungrad.example_libraries import optimizers
    Pair = namedtuple("Pair", ["a", "b"])
    f = fungrad.jit(lambda p, s: p.a * s + p.b)
    x = np.arange(3.0)
    assert np.array_equal(f(Pair(x, 1.0), 2.0), 2 * x + 1)  # traced: the slow path
    assert len(f._fast) == 1
    assert np.array_equal(f(Pair(x + 1, 2.0), 3.0), 3 * (x + 1) + 2)  # the fast path
    init, update, get_params = optimizers.sgd(0.5)
    step = fungrad.jit(lambda i, state: update(i, {"w": 1.0}, state))
    state = init({"w": np.ones(2)})
    for i in range(3):
        state = step(i, state)
    assert np.allclose(get_params(state)["w"], 1.0 - 3 * 0.5)
    other = init((np.ones(2),))  # another structure (aux data): traced anew, not confused
    with pytest.raises(TypeError, match="did not match the parameter tree"):
        step(0, other)  # a new aux: traced again, where update sees the mismatch
    assert np.allclose(get_params(step(3, state))["w"], -1.0)
