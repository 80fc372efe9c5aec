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
from fungrad.test_util import check_grads
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


# ----------------------------------------------------------------------------- compiled backward

vjp_module = sys.modules["fungrad.vjp"]


@pytest.fixture
def general_path(monkeypatch):
    """A context in which eager grad interprets every vjp rule (the general path); the
    compiled passes start from an empty cache, so that what a test compiles is seen."""
    from collections import OrderedDict
    from contextlib import contextmanager

    from fungrad import api

    monkeypatch.setattr(vjp_module, "_compiled_backwards", {})
    monkeypatch.setattr(vjp_module, "_seen_once", OrderedDict())

    @contextmanager
    def general():
        with monkeypatch.context() as m:
            m.setattr(api, "eager_backward_pass",
                      lambda jaxpr, env, diff, cts, structure=None, consume=False:
                      vjp_module.backward_pass(jaxpr, env, diff, cts))
            yield
    return general


def _fast_and_general(general, fn, *args, calls=3):
    """fn(*args) from the compiled backward pass (after enough calls to compile it) and from
    the general one; asserts the compiled one was really used."""
    before = sum(c is not None for c in vjp_module._compiled_backwards.values())
    fast = [fn(*args) for _ in range(calls)][-1]
    compiled = sum(c is not None for c in vjp_module._compiled_backwards.values())
    with general():
        slow = fn(*args)
    return fast, slow, compiled > before


def _assert_same(fast, slow, rtol=1e-13):
    fast_leaves, slow_leaves = fungrad.tree_util.tree_leaves(fast), \
        fungrad.tree_util.tree_leaves(slow)
    assert len(fast_leaves) == len(slow_leaves)
    for a, b in zip(fast_leaves, slow_leaves):
        assert type(a) is type(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0)


def _chain_loss(x):
    for i in range(12):
        x = (fnp.sin(x) * 3.0, fnp.cos(x) + 0.1, fnp.tanh(x) * 0.5, fnp.exp(x) - 1.0)[i % 4]
    return fnp.sum(x)


@pytest.mark.parametrize("x", [0.3, np.float64(0.3), np.float32(0.3), np.linspace(0.1, 0.5, 4),
                               np.linspace(0.1, 0.5, 4).astype(np.float32), np.zeros((0, 3))])
def test_compiled_backward_matches_general_path(general_path, x):
    fast, slow, used = _fast_and_general(general_path, fungrad.value_and_grad(_chain_loss), x)
    assert used
    _assert_same(fast, slow, rtol=1e-6 if np.asarray(x).dtype == np.float32 else 1e-13)


def _mlp_loss(params, batch):
    x, y = batch
    h = fnp.tanh(x @ params["W1"] + params["b1"])  # b1 broadcasts over the batch
    logits = h @ params["W2"] + params["b2"]
    return -fnp.mean(fnp.sum(y * fungrad.nn.log_softmax(logits), axis=-1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_backward_of_an_mlp_with_broadcasting(general_path, dtype):
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(5, 7)), "b1": rng.normal(size=7),
              "W2": rng.normal(size=(7, 3)), "b2": rng.normal(size=3)}
    params = {k: v.astype(dtype) for k, v in params.items()}
    batch = (rng.normal(size=(4, 5)).astype(dtype), np.eye(3, dtype=dtype)[[0, 2, 1, 0]])
    fast, slow, used = _fast_and_general(general_path, fungrad.value_and_grad(_mlp_loss),
                                         params, batch)
    assert used
    _assert_same(fast, slow, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_compiled_backward_reads_this_calls_closure_and_literals():
    # the same structure with other closed-over arrays: the compiled pass must use today's
    rng = np.random.default_rng(1)
    x = rng.normal(size=3)
    for _ in range(4):
        w = rng.normal(size=3)
        g = fungrad.grad(lambda a: fnp.sum(fnp.sin(a * w)))(x)
        np.testing.assert_allclose(g, w * np.cos(x * w), rtol=1e-13)
    for c in (2.0, 3.0, 2.0, 5.0):  # a literal is part of the structure
        np.testing.assert_allclose(fungrad.grad(lambda a: fnp.sum(a * c))(x), np.full(3, c))


def test_python_scalar_cotangents_of_a_reused_pullback(general_path):
    _, pullback = fungrad.vjp(lambda x: x * (1 + 2j), 2.0)
    for ct in (np.complex128(1.0), np.complex128(1.0), 1.0 + 0j, np.complex128(2.0), 1j):
        fast = pullback(ct)
        with general_path():
            slow = pullback(ct)
        _assert_same(fast, slow)


def test_compiled_backward_keeps_the_sign_of_a_zero_literal():
    for c in (0.0, 0.0, 0.0, -0.0, 0.0, -0.0):
        g = fungrad.grad(lambda a: a * c)(1.5)
        assert g == 0.0 and np.signbit(g) == np.signbit(c)


def _compiled_sources():
    return [c.fn.source for c in vjp_module._compiled_backwards.values() if c is not None]


def test_grads_seed_is_compiled_in_and_folds_away(general_path):
    c = np.array([1.0, -2.0, 3.0])
    grad = fungrad.grad(lambda a: fnp.sum(a * c))
    fast, slow, used = _fast_and_general(general_path, grad, np.ones(3))
    assert used
    _assert_same(fast, slow)
    # sum's cotangent broadcast from the seed and multiplied by c is c itself: no equation
    # is left, and no cotangent argument
    (source,) = _compiled_sources()
    assert "_mul" not in source and "_broadcast" not in source


@pytest.mark.parametrize("cts", [
    [1.0, 1.0, 2.0, 1.0, 2.0],
    [np.float64(1.0), np.float64(1.0), np.float64(0.5), np.float64(1.0)],
    [np.ones(()), np.ones(()), -np.ones(()), np.ones(()), np.full((), np.nan)],
])
def test_unit_and_other_cotangents_of_one_structure_differ(general_path, cts):
    # a unit cotangent compiles its own pass: another value of the same aval must not reuse it
    _, pullback = fungrad.vjp(lambda x: fnp.sin(x) * 3.0, np.float64(0.3))
    for ct in cts:
        fast = pullback(ct)
        with general_path():
            slow = pullback(ct)
        _assert_same(fast, slow)


@pytest.mark.parametrize("x, kw", [(np.float32(0.7), {}),
                                   (np.linspace(0.1, 1, 3, dtype=np.float32), {}),
                                   (np.complex128(0.3 + 0.2j), {"holomorphic": True})])
def test_unit_seed_keeps_the_gradients_dtype(general_path, x, kw):
    loss = (lambda z: fnp.sum(fnp.sin(z) * z)) if not kw else (lambda z: fnp.sin(z) * z)
    fast, slow, used = _fast_and_general(general_path, fungrad.grad(loss, **kw), x)
    assert used
    _assert_same(fast, slow, rtol=1e-6 if np.asarray(x).dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("loss", [lambda a: fnp.sum(a * _CLOSED), lambda a: fnp.sum(a),
                                  lambda a: fnp.vdot(a, _CLOSED), lambda a: a[0] * 1.0,
                                  lambda a: fnp.sum(fnp.reshape(a, (3, 1)) * _CLOSED[:, None]),
                                  lambda a: fnp.sum(fnp.transpose(a[None] * _CLOSED[None]))])
def test_gradients_never_alias_a_closure_or_each_other(loss):
    # folded into a constant, one of the inputs, or a view of one: each call must still hand
    # out its own array, never the closure's or the previous call's
    x = np.ones(3)
    grads = [fungrad.grad(loss)(x) for _ in range(4)]
    for g in grads:
        assert not np.shares_memory(g, _CLOSED)
    for g, h in zip(grads, grads[1:]):
        assert not np.shares_memory(g, h)
        np.testing.assert_array_equal(g, h)
    np.testing.assert_array_equal(_CLOSED, [1.0, -2.0, 3.0])


_CLOSED = np.array([1.0, -2.0, 3.0])


def test_compiled_backward_follows_python_control_flow():
    def f(x):
        return fnp.sum(fnp.sin(x)) if fnp.sum(x) > 0 else fnp.sum(x ** 3)
    for sign in (1, 1, -1, 1, -1, -1):
        x = sign * np.array([0.5, 1.5])
        expected = np.cos(x) if sign > 0 else 3 * x ** 2
        np.testing.assert_allclose(fungrad.grad(f)(x), expected, rtol=1e-13)


def _indexing_loss(x):
    # basic indices (ints, slices, None, Ellipsis) and an index array: each a gather whose
    # static part (an Indexer of _Slice items and array slots) is a param of the key
    return (fnp.sum(x[1:, ::2] ** 2) + fnp.sum(x[..., None, 0] * x[0])
            + fnp.sum(fnp.sin(x[np.array([2, 0, 2])])))


def _conv_loss(w, x):
    y = fungrad.lax.conv_general_dilated(x, w, (1, 1), "SAME")
    return fnp.mean(fnp.tanh(y) ** 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_backward_of_indexing_and_conv(general_path, dtype):
    # Indexer and ConvDimensionNumbers params used to make these traces unkeyable, so their
    # backward passes were never compiled
    rng = np.random.default_rng(2)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    x = rng.normal(size=(3, 4)).astype(dtype)
    fast, slow, used = _fast_and_general(general_path, fungrad.value_and_grad(_indexing_loss), x)
    assert used
    _assert_same(fast, slow, rtol=rtol)
    w = rng.normal(size=(2, 3, 3, 3)).astype(dtype)
    img = rng.normal(size=(2, 3, 6, 5)).astype(dtype)
    fast, slow, used = _fast_and_general(
        general_path, fungrad.value_and_grad(_conv_loss, argnums=(0, 1)), w, img)
    assert used
    _assert_same(fast, slow, rtol=rtol)


def test_compiled_backward_tells_indexers_apart():
    # x[i] for each i in turn, and slices that differ in one bound or step: a key that
    # confused two indexers would route one's cotangent to the other's position
    x = np.arange(1.0, 6.0)
    for i in (0, 0, 1, 0, 3, 3, -1, 1):
        np.testing.assert_array_equal(fungrad.grad(lambda a: a[i] * 2.0)(x),
                                      2.0 * (np.arange(5) == i % 5))
    for sl in (slice(1, 3), slice(1, 3), slice(1, 4), slice(1, 4, 2), slice(1, 3), slice(None)):
        expected = np.zeros(5)
        expected[sl] = 1.0
        np.testing.assert_array_equal(fungrad.grad(lambda a: fnp.sum(a[sl]))(x), expected)


def test_registered_param_types_are_plain():
    from fungrad.prims.conv import ConvDimensionNumbers
    from fungrad.prims.indexing import ARRAY, Indexer
    from fungrad.trace_keys import params_id, plain_param
    index = Indexer.from_numpy((1, slice(None, 3), None, Ellipsis, ARRAY))
    assert plain_param(index) and plain_param(ConvDimensionNumbers((0, 1, 2), (0, 1, 2), (0, 1, 2)))
    assert params_id((("indexer", index),)) == params_id((("indexer", index),))
    assert params_id((("indexer", index),)) != params_id(
        (("indexer", Indexer.from_numpy((1, slice(None, 4), None, Ellipsis, ARRAY))),))

    class Unregistered(tuple):
        pass
    assert not plain_param(Unregistered((1, 2)))
    # (a value no other test keys: the table is looked up by ==, before plain_param runs)
    assert params_id((("unregistered_param", Unregistered((1, 2))),)) is False


def test_user_backward_rules_run_on_every_call():
    calls = []

    @fungrad.custom_vjp
    def f(x):
        return fnp.sin(x)

    def f_fwd(x):
        return fnp.sin(x), fnp.cos(x)

    def f_bwd(cos_x, g):
        calls.append(1)
        return (2.0 * cos_x * g,)

    f.defvjp(f_fwd, f_bwd)
    for _ in range(3):
        assert fungrad.grad(lambda x: f(x) * 1.0)(0.0) == 2.0
    assert len(calls) == 3


def _traced_peak(fn, *args):
    """fn(*args) and the peak of the memory numpy and Python allocated during the call."""
    import tracemalloc
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        out = fn(*args)
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_grads_compiled_backward_frees_forward_values_it_does_not_need(general_path):
    # the forward's three arrays (x + 1, its product by 3, and by 0.5) are values no rule
    # reads (the products are by literals): once the compiled code has run once (call two),
    # grad lets them go before it allocates the gradient, so the backward pass adds nothing
    # to the forward's peak of three arrays (keeping them, it was four)
    n = 200_000
    x = np.linspace(-1.0, 1.0, n)
    vg = fungrad.value_and_grad(lambda x: fnp.sum(((x + 1.0) * 3.0) * 0.5))
    vg(x)  # seen once: the rules run
    _, keeping = _traced_peak(vg, x)  # compiled, first run: env kept for a fallback
    compiled = [c for c in vjp_module._compiled_backwards.values() if c is not None]
    assert len(compiled) == 1 and compiled[0].proven
    out, consuming = _traced_peak(vg, x)
    assert consuming < 3.5 * x.nbytes and consuming < keeping - 0.75 * x.nbytes, \
        (keeping / x.nbytes, consuming / x.nbytes)
    with general_path():
        expected = vg(x)
    assert out[0] == expected[0]
    np.testing.assert_array_equal(out[1], expected[1])
    assert out[1].dtype == expected[1].dtype and out[1].shape == (n,)


def test_consumed_values_leave_what_the_caller_holds_alone(general_path):
    # the inputs, the closure and the returned value are not grad's to free or change: a
    # chain whose backward reads the input, an output and a closed-over array, called often
    w = np.linspace(0.5, 1.5, 6)
    w_copy = w.copy()

    def loss(x):
        y = fnp.tanh(x * w)
        return fnp.sum(y * y), y

    vg = fungrad.value_and_grad(loss, has_aux=True)
    x = np.linspace(-2.0, 2.0, 6)
    x_copy = x.copy()
    results = [vg(x) for _ in range(5)]
    with general_path():
        (expected, aux), grad = vg(x)
    for (value, y), g in results:
        assert value == expected
        np.testing.assert_array_equal(y, aux)
        np.testing.assert_array_equal(g, grad)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(w, w_copy)
    # vjp's pullback may be called again: its values are never consumed
    _, pullback, _ = fungrad.vjp(loss, x, has_aux=True)
    first = [pullback(np.float64(1.0))[0] for _ in range(4)]
    for g in first:
        np.testing.assert_array_equal(g, grad)


def test_bad_input_errors_are_the_general_paths(general_path):
    vg = fungrad.value_and_grad(lambda x: fnp.sum(fnp.sin(x)))
    for _ in range(3):
        vg(np.ones(2))
    with general_path():
        with pytest.raises(TypeError) as general:
            vg(np.ones(2, np.int64))
    with pytest.raises(TypeError) as fast:
        vg(np.ones(2, np.int64))
    assert str(fast.value) == str(general.value)
    with pytest.raises(TypeError, match="Gradient only defined for scalar-output"):
        fungrad.grad(lambda x: fnp.sin(x))(np.ones(2))
    np.testing.assert_allclose(vg(np.zeros(2))[1], np.ones(2))  # and the next call works


def test_debug_nans_and_nested_transforms_take_the_general_path():
    # the forward pass is finite, its backward pass makes 0 * inf = nan in sqrt's rule
    f = fungrad.grad(lambda x: fnp.sum(fnp.sqrt(x) * 0.0))
    for _ in range(3):  # compiled by now, where NaNs are not checked
        assert np.isnan(f(np.zeros(2))).all()
    with _debug_nans():
        with pytest.raises(FloatingPointError, match="nan"):
            f(np.zeros(2))
    hess = fungrad.grad(lambda x: fnp.sum(fungrad.grad(lambda y: fnp.sum(fnp.sin(y) ** 2))(x)))
    x = np.array([0.3, 0.7])
    for _ in range(3):
        np.testing.assert_allclose(hess(x), 2 * np.cos(2 * x), rtol=1e-13)


class _debug_nans:
    def __enter__(self):
        fungrad.config.update("jax_debug_nans", True)

    def __exit__(self, *exc):
        fungrad.config.update("jax_debug_nans", False)


# ----------------------------------------------------------------------------- eager round 3

@pytest.mark.parametrize("value", [np.float64(1.5), np.float32(1.5), np.float16(1.5),
                                   np.int8(3), np.int64(3), np.uint32(3), np.bool_(True),
                                   np.complex64(1j), np.complex128(1j), np.ones((2, 3)),
                                   np.ones(0, np.float32), np.array(2.0)])
def test_value_aval_fast_path_is_the_general_aval(value):
    from fungrad.avals import value_aval
    aval = value_aval(value)
    assert aval == ShapedArray(np.shape(value), np.asarray(value).dtype)  # strong, as before
    assert value_aval(value) is aval  # one cached aval serves every value of that type


def test_value_aval_keeps_its_general_cases():
    from fungrad.avals import value_aval
    assert value_aval(2.0) == ShapedArray((), np.float64, weak_type=True)
    assert value_aval([1, 2]) == ShapedArray((2,), np.int64)  # anything else via np.asarray
    from fungrad.prims.random_bits import KeyAval, KeyData
    key_data = np.zeros(2, np.uint32).view(KeyData)  # typed key data has an aval of its own
    assert type(value_aval(key_data)) is KeyAval


def test_structure_keys_number_params_by_value():
    from fungrad.vjp import structure_key

    def key_of(fn, x):
        closed, _ = trace_to_jaxpr(lambda a: [fn(a)], [x])
        return structure_key(closed.jaxpr, [True], [np.float64(1.0)])[0]

    x = np.ones((2, 3))
    same = [key_of(lambda a: fnp.sum(a, axis=1), x) for _ in range(2)]
    assert same[0] == same[1] and hash(same[0]) == hash(same[1])
    assert key_of(lambda a: fnp.sum(a, axis=0), x) != same[0]  # other params, other key
    assert key_of(lambda a: fnp.sum(a, axis=1) * 2.0, x) != same[0]


def test_params_numbers_are_never_reused(monkeypatch):
    # the table may be cleared when it fills; a number once given keeps its meaning, so a
    # compiled backward pass can never be found by another structure's key
    # (the table is emptied in place: the trace reads it through a bound get)
    from fungrad import trace_keys
    monkeypatch.setattr(trace_keys, "MAX_PARAM_IDS", 2)
    saved = dict(trace_keys._param_ids)
    trace_keys._param_ids.clear()
    try:
        first = trace_keys.params_id((("axes", (0,)),))
        others = [trace_keys.params_id((("axes", (i,)),)) for i in range(1, 5)]
        again = trace_keys.params_id((("axes", (0,)),))
        assert len({first, *others, again}) == 6
        x = np.linspace(0.1, 0.9, 3)
        for _ in range(3):  # results stay right however often the table is cleared
            np.testing.assert_allclose(fungrad.grad(lambda a: fnp.sum(fnp.cumsum(a) ** 2))(x),
                                       np.cumsum(2 * np.cumsum(x)[::-1])[::-1], rtol=1e-13)
    finally:
        trace_keys._param_ids.clear()
        trace_keys._param_ids.update(saved)


def test_params_that_cannot_be_keyed_take_the_general_path():
    from fungrad.trace_keys import params_id
    assert params_id((("fn", lambda: 0),)) is False
    assert params_id((("table", np.ones(2)),)) is False  # unhashable
    assert params_id((("shape", (2, 3)), ("dtype", np.dtype("float32")))) > 0


@pytest.mark.parametrize("const", [np.full(2, 1.5, np.float32), np.float32(2.0), np.int64(3),
                                   fnp.asarray(np.full(2, 1.5)), fnp.asarray(np.float32(2.0))])
def test_constants_of_a_trace_get_the_general_aval(const):
    closed = fungrad.make_jaxpr(lambda x: x * const)(np.ones(2, np.float32))
    eqn = closed.jaxpr.eqns[-1]
    assert eqn.inputs[1].aval == ShapedArray(np.shape(const), np.asarray(const).dtype)
    np.testing.assert_array_equal(closed(np.ones(2, np.float32))[0],
                                  np.ones(2, np.float32) * np.asarray(const))


def test_eager_grad_reads_python_control_flow_without_recording_guards():
    # eager grad's trace keeps no guards (its IR is used only at these values); jit's does
    def f(x):
        s = fnp.sum(x, keepdims=True)  # a size-1 array of shape (1,)
        return fnp.sum(fnp.sin(x)) if s > 0 else fnp.sum(x ** 3)
    for sign in (1.0, -1.0):
        x = sign * np.array([0.5, 1.5])
        expected = np.cos(x) if sign > 0 else 3 * x ** 2
        np.testing.assert_allclose(fungrad.grad(f)(x), expected, rtol=1e-13)
        np.testing.assert_allclose(fungrad.jit(fungrad.grad(f))(x), expected, rtol=1e-13)
    text = str(fungrad.make_jaxpr(f)(np.array([0.5, 1.5])))
    assert "guard[expect=True]" in text and "reshape" in text
    with pytest.raises(TypeError, match="ambiguous"):  # the checks come before the shortcut
        fungrad.grad(lambda x: fnp.sum(x) if x > 0 else 0.0)(np.ones(2))


# ------------------------------------------------------------------- dot_general fast paths

@pytest.mark.parametrize("x_shape,y_shape,contract", [
    ((4, 3), (3, 5), ((1,), (0,))), ((3,), (3, 5), ((0,), (0,))), ((4, 3), (3,), ((1,), (0,))),
    ((3, 4), (3, 5), ((0,), (0,))), ((3, 4), (3,), ((0,), (0,))), ((4, 3), (5, 3), ((1,), (1,))),
    ((3, 4), (5, 3), ((0,), (1,))), ((3,), (5, 3), ((0,), (1,))), ((2, 3, 4), (4, 3), ((1,), (1,))),
])
def test_dot_general_one_blas_call_equals_tensordot(x_shape, y_shape, contract):
    # each contraction that runs as one np.dot (eagerly and in jit's generated code) against
    # tensordot, the general path, on float64 and float32 and with derivatives
    from fungrad.prims.contractions import dot_general
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        x = rng.standard_normal(x_shape).astype(dtype)
        y = rng.standard_normal(y_shape).astype(dtype)
        expected = np.tensordot(x, y, contract)
        f = lambda x, y: dot_general(x, y, (contract, ((), ())))  # noqa: E731
        for got in (f(x, y), fungrad.jit(f)(x, y)):
            assert got.dtype == expected.dtype and got.shape == expected.shape
            np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-13)
    x, y = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
    check_grads(fungrad.jit(f), (x, y), order=2, modes=("fwd", "rev"))
    bad_shape = list(y_shape)
    bad_shape[contract[1][0]] += 1  # the contracted sizes no longer agree
    with pytest.raises(TypeError, match="contracting dimensions"):
        fungrad.jit(f)(x, np.ones(bad_shape))


SQUARE_INPUTS = np.array([-3.5, -0.0, 0.0, 1e-200, 1e-160, 1e200, 7.25, np.inf, -np.inf,
                          np.nan])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (10,), (2, 5), (0,)])
def test_eager_square_is_numpys_power_bit_for_bit(dtype, shape):
    # integer_pow's impl squares real floats with np.square: the same bits as np.power,
    # under and overflow, signed zeros and NaN included, and the same dtype and 0-d type
    size = int(np.prod(shape))
    with np.errstate(over="ignore", under="ignore"):
        x = np.resize(SQUARE_INPUTS, size).astype(dtype).reshape(shape)
        want = np.power(x, 2)
        got = fungrad.lax.integer_pow(x, 2)
        got_op = fnp.asarray(x) ** 2
    for value in (got, got_op):
        assert np.asarray(value).dtype == want.dtype and np.shape(value) == shape
        np.testing.assert_array_equal(np.signbit(value), np.signbit(want))
        np.testing.assert_array_equal(value, want)


@pytest.mark.parametrize("x", [np.arange(-3, 4), np.array([1 + 2j, -0.5j]), 3.0, 2])
def test_integer_pow_by_two_of_other_kinds_is_still_power(x):
    np.testing.assert_array_equal(fungrad.lax.integer_pow(x, 2), np.power(x, 2))
    assert np.result_type(fungrad.lax.integer_pow(x, 2)) == np.result_type(np.power(x, 2))


def test_square_path_derivatives_and_transforms():
    x = np.array([-1.5, 0.25, 2.0])
    check_grads(lambda x: x ** 2, (x,), order=2, modes=("fwd", "rev"))
    np.testing.assert_array_equal(fungrad.grad(lambda x: fnp.sum(x ** 2))(x), 2 * x)
    np.testing.assert_array_equal(fungrad.vmap(lambda x: x ** 2)(x), np.power(x, 2))
    np.testing.assert_array_equal(fungrad.jit(lambda x: x ** 2)(x), np.power(x, 2))
