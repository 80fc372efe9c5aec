"""The compiled paths of loops and sub-jaxprs (issue 15, jit): each is compared with the general
path it stands in for on the same inputs -- values, dtypes and the error for bad input.

* a ``scan``'s impl runs its body compiled inside a generated loop that fills preallocated
  stacked outputs (general path: ``eval_jaxpr`` step by step, then ``np.stack``);
* ``cond``, ``while`` and ``checkpoint`` impls run their sub-jaxprs compiled once seen twice;
* reverse mode of ``scan`` keeps the body's residuals from the forward loop (partial
  evaluation) instead of recomputing the forward pass in the backward loop; under
  ``checkpoint`` only the checkpointed block's inputs are kept;
* ``jit`` merges the forward scan that keeps residuals with the primal scan.
"""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import control_flow, lax
from fungrad.control_flow import _scan_interpreted, _scan_loop, scan_p
from fungrad.interpreter import eval_jaxpr
from fungrad.jit import compile_jaxpr
from fungrad.partial_eval import merge_extended_scans
from fungrad.test_util import check_grads
from helpers import rand


def _scan_params(f, init, xs):
    """The scan equation ``lax.scan(f, init, xs)`` records: its params and flat inputs."""
    closed = fungrad.make_jaxpr(lambda c, x: lax.scan(f, c, x))(init, xs)
    (eqn,) = [e for e in closed.eqns if e.primitive is scan_p]
    return eqn.params


def _rnn_step(h, x):
    return fnp.tanh(h * 0.9 + x), h * x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reverse", [False, True])
def test_compiled_scan_loop_matches_the_interpreted_loop(dtype, reverse):
    h0, xs = rand((3,), dtype), rand((5, 3), dtype, seed=1)
    params = _scan_params(_rnn_step, h0, xs)
    loop = _scan_loop(params["jaxpr"], 5, reverse, params["num_consts"], params["num_carry"])
    fast = loop(h0, xs)
    slow = _scan_interpreted(h0, xs, **{**params, "reverse": reverse})
    assert len(fast) == len(slow) == 2
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype == dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def test_compiled_scan_loop_with_scalar_steps_and_no_outputs():
    # 0-d carries and per-step values (the Python-float fast path of the body), and a
    # scan without ys or xs
    f = lambda c, x: (c * x + 1.0, (c, -x))  # noqa: E731
    xs = np.arange(1.0, 5.0)
    params = _scan_params(f, 0.5, xs)
    fast = _scan_loop(params["jaxpr"], 4, False, 0, 1)(np.float64(0.5), xs)
    slow = _scan_interpreted(np.float64(0.5), xs, **params)
    for a, b in zip(fast, slow):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_array_equal(a, b)
    only_carry = lax.scan(lambda c, _: (c + 1.0, None), 0.0, None, length=6)
    assert only_carry[0] == 6.0 and only_carry[1] is None


def test_scan_impl_agrees_with_debug_nans_path_and_empty_scans():
    h0, xs = rand((3,)), rand((4, 3), seed=2)
    fast = lax.scan(_rnn_step, h0, xs)
    with _debug_nans():
        slow = lax.scan(_rnn_step, h0, xs)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])
    carry, ys = lax.scan(_rnn_step, h0, xs[:0])
    np.testing.assert_array_equal(carry, h0)
    assert ys.shape == (0, 3) and ys.dtype == np.float64


class _debug_nans:
    """Under jax_debug_nans impls interpret their sub-jaxprs: the general path."""

    def __enter__(self):
        fungrad.config.update("jax_debug_nans", True)

    def __exit__(self, *exc):
        fungrad.config.update("jax_debug_nans", False)


def test_scan_bad_input_errors_are_unchanged_and_the_next_call_works():
    h0, xs = rand((3,)), rand((4, 3))
    with pytest.raises(ValueError, match="xs leaves have different leading lengths"):
        lax.scan(_rnn_step, h0, (xs, xs[:2]))
    with pytest.raises(TypeError, match="the carry f returns and init"):
        lax.scan(lambda c, x: (c[:2], x), h0, xs)
    jitted = fungrad.jit(lambda h, xs: lax.scan(_rnn_step, h, xs)[0])
    with pytest.raises(ValueError, match=r"add: operands could not be broadcast.*f64\[3\], f64\[2\]"):
        jitted(h0, rand((4, 2)))
    np.testing.assert_array_equal(jitted(h0, xs), lax.scan(_rnn_step, h0, xs)[0])


def test_weak_typed_scan_values_keep_weak_semantics_when_compiled():
    # fori_loop's index reaches the body as a weak integer: an impl may return it as a
    # Python scalar already (the compiled code used to call .item() on it)
    out = lax.fori_loop(0, 6, lambda i, x: x + i, np.float32(0.0))
    assert out == 15.0 and out.dtype == np.float32
    jitted = fungrad.jit(lambda x: lax.fori_loop(0, 6, lambda i, x: x * 1.5 + i, x))
    x = np.float32(1.0)
    assert jitted(x).dtype == np.float32
    np.testing.assert_allclose(jitted(x), lax.fori_loop(0, 6, lambda i, x: x * 1.5 + i, x),
                               rtol=1e-6)


# ----------------------------------------------------------------- cond, while, checkpoint

def test_compiled_cond_while_and_checkpoint_match_the_interpreter():
    def f(x):
        y = lax.cond(fnp.sum(x) > 0, lambda v: fnp.sin(v) * 2.0, lambda v: -v, x)
        z = lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * 1.1), (0, y))[1]
        return fungrad.checkpoint(lambda v: fnp.tanh(v) * v)(z)

    jitted = fungrad.jit(f)
    for x in (rand((3,)), -np.abs(rand((3,), seed=3)), rand((3,), np.float32, seed=4)):
        with _debug_nans():
            slow = f(x)
        first, second = jitted(x), jitted(x)  # interpreted, then compiled sub-jaxprs
        for fast in (first, second):
            assert fast.dtype == slow.dtype == x.dtype
            np.testing.assert_allclose(fast, slow, rtol=1e-6 if x.dtype == np.float32
                                       else 1e-15)


# ------------------------------------------------------------ reverse mode: residuals kept

def _loss(w, xs, step_wrapper=lambda f: f):
    def step(h, x):
        return fnp.tanh(h @ w + x), fnp.sum(h * x)
    h, ys = lax.scan(step_wrapper(step), fnp.zeros(w.shape[0], w.dtype), xs)
    return fnp.sum(h ** 2) + fnp.sum(ys)


def _saving_scan_outputs(closed):
    """The outputs of the forward scans of a gradient's IR, by shape."""
    return [[v.aval.shape for v in e.outvars] for e in closed.eqns
            if e.primitive is scan_p and not e.params["reverse"]]


@pytest.mark.parametrize("wrap", [lambda f: f, fungrad.checkpoint], ids=["plain", "checkpoint"])
def test_scan_gradients_with_residuals_match_finite_differences(wrap):
    w, xs = rand((3, 3), seed=5) * 0.5, rand((4, 3), seed=6)
    check_grads(lambda w, xs: _loss(w, xs, wrap), (w, xs), order=2, modes=("fwd", "rev"))
    eager = fungrad.grad(_loss, argnums=(0, 1))(w, xs, wrap)
    jitted = fungrad.jit(fungrad.grad(lambda w, xs: _loss(w, xs, wrap), argnums=(0, 1)))(w, xs)
    for a, b in zip(eager, jitted):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_scan_vjp_matches_the_recomputing_fallback(monkeypatch):
    # the general path (no residuals: the backward loop recomputes every step's forward
    # pass from the saved carry) gives the same gradients, in float32 too
    for dtype, rtol in ((np.float64, 1e-13), (np.float32, 1e-5)):
        w, xs = rand((3, 3), dtype, seed=7) * 0.5, rand((4, 3), dtype, seed=8)
        fast = fungrad.grad(_loss, argnums=(0, 1))(w, xs)
        monkeypatch.setattr(control_flow, "split_vjp", lambda *a: None)
        slow = fungrad.grad(_loss, argnums=(0, 1))(w, xs)
        monkeypatch.undo()
        for a, b in zip(fast, slow):
            assert a.dtype == b.dtype == dtype
            np.testing.assert_allclose(a, b, rtol=rtol)


def test_checkpoint_in_a_scan_keeps_only_the_carries():
    w, xs = rand((3, 3), seed=9), rand((4, 3), seed=10)
    plain = fungrad.make_jaxpr(fungrad.grad(_loss))(w, xs)
    remat = fungrad.make_jaxpr(fungrad.grad(lambda w, xs: _loss(w, xs, fungrad.checkpoint)))(
        w, xs)
    # the plain forward keeps the carries and 1 - tanh**2 (and the ys), per step
    stacked_plain = [s for outs in _saving_scan_outputs(plain) for s in outs if s == (4, 3)]
    stacked_remat = [s for outs in _saving_scan_outputs(remat) for s in outs if s == (4, 3)]
    assert len(stacked_remat) < len(stacked_plain)
    assert len(stacked_remat) == 1  # the carry entering every step, nothing else


def test_jit_compiles_each_scan_body_and_checkpoint_block_once(monkeypatch):
    """Tracing runs the scans compiled (cached by body); compiling the jitted IR reuses those
    loops and bodies instead of compiling them again: same values as eager, fewer compiles."""
    from fungrad import codegen
    w, xs = rand((3, 3), seed=11), rand((6, 3), seed=12)
    loss = lambda w, xs: _loss(w, xs, fungrad.checkpoint)
    compiled = []
    real = codegen.compile_jaxpr
    monkeypatch.setattr(codegen, "compile_jaxpr", lambda c: compiled.append(c) or real(c))
    g = fungrad.jit(fungrad.value_and_grad(loss))
    (v1, g1), (v2, g2) = g(w, xs), g(w, xs)
    bodies = [c for c in compiled if c is not compiled[-1]]
    assert len({id(c) for c in bodies}) == len(bodies)  # none compiled twice
    v, grad = fungrad.value_and_grad(loss)(w, xs)
    for a, b in ((v1, v), (v2, v), (g1, grad), (g2, grad)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-13)
    with pytest.raises(TypeError, match="scan: the carry"):
        g(w, rand((6, 3, 3), seed=13))
    np.testing.assert_allclose(g(w, xs)[1], grad, rtol=1e-13)  # and the next call works


def test_weak_residuals_fall_back_to_recomputing():
    # the body's weak index (fori_loop) is read by the derivative: it cannot be stacked
    # faithfully, so the backward loop recomputes the forward pass; values are unchanged
    def f(x):
        return lax.fori_loop(0, 4, lambda i, c: fnp.sin(c * i), x)
    check_grads(f, (np.float64(0.7),), order=2, modes=("fwd", "rev"))
    g32 = fungrad.grad(f)(np.float32(0.7))
    assert g32.dtype == np.float32


def test_jit_runs_one_forward_scan_for_value_and_residuals():
    w, xs = rand((3, 3), seed=11) * 0.5, rand((4, 3), seed=12)
    fn = fungrad.value_and_grad(_loss)
    closed = fungrad.make_jaxpr(fn)(w, xs)
    merged = merge_extended_scans(closed)
    assert len(_saving_scan_outputs(closed)) == 2 and len(_saving_scan_outputs(merged)) == 1
    jitted = fungrad.jit(fn)
    (value, grad), (value_j, grad_j) = fn(w, xs), jitted(w, xs)
    assert len(_saving_scan_outputs(jitted.variants()[0])) == 1
    np.testing.assert_allclose(value, value_j, rtol=1e-14)
    np.testing.assert_allclose(grad, grad_j, rtol=1e-13)
    # the merged IR evaluates as the original does
    a = eval_jaxpr(closed.jaxpr, closed.consts, w, xs)
    b = compile_jaxpr(merged)(w, xs)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_merge_leaves_unrelated_scans_alone():
    def f(xs):
        a = lax.scan(lambda c, x: (c + x, None), 0.0, xs)[0]
        b = lax.scan(lambda c, x: (c * x, None), 1.0, xs)[0]
        return a + b
    closed = fungrad.make_jaxpr(f)(np.arange(1.0, 4.0))
    assert merge_extended_scans(closed) is closed
    assert fungrad.jit(f)(np.arange(1.0, 4.0)) == 6.0 + 6.0


# ------------------------------------------- Python-scalar code: expressions written inline

def _scalar_chain(x, n=300):
    ops = (fnp.sin, lambda v: v * 3.0, fnp.cos, lambda v: v + 0.1, fnp.tanh,
           lambda v: v * v - 0.5, fnp.exp, lambda v: fnp.square(v) + v)
    for k in range(n):
        x = ops[k % len(ops)](x)
    return x


def _fast_and_plain(f, *args):
    closed = fungrad.make_jaxpr(f)(*args)
    fast = compile_jaxpr(closed)
    plain = fast.__globals__["_plain"]  # the all-numpy version of the same IR
    return fast, plain, closed


def test_inlined_scalar_expressions_match_the_numpy_version():
    f = fungrad.value_and_grad(_scalar_chain)
    fast, plain, closed = _fast_and_plain(f, 0.3)
    assert "del" not in fast.source and fast.source.count("\n") < len(closed.eqns) // 2
    for x in (np.float64(0.3), np.float64(-1.2), np.asarray(0.05)):
        a, b = fast(x), plain(x)
        ref = eval_jaxpr(closed.jaxpr, closed.consts, x)
        for u, v, w in zip(a, b, ref):
            assert type(u) is type(v) is np.float64
            np.testing.assert_allclose(u, v, rtol=1e-13)
            np.testing.assert_allclose(u, w, rtol=1e-13)


def test_long_single_use_chains_are_cut_into_bounded_expressions():
    def f(x):
        for _ in range(400):  # 800 nested operations: beyond what Python's parser can nest
            x = x * 1.0001 + 0.5
        return x
    fast, plain, _ = _fast_and_plain(f, 0.1)
    assert max(line.count("(") for line in fast.source.splitlines()) < 60
    np.testing.assert_allclose(fast(np.float64(0.1)), plain(np.float64(0.1)), rtol=1e-13)


def test_inlined_scalar_code_falls_back_to_numpys_inf_and_nan():
    f = lambda x: fnp.log(x * 0.0) + fnp.sqrt(x - 10.0)  # noqa: E731
    fast, plain, _ = _fast_and_plain(f, 1.0)
    with np.errstate(all="ignore"):
        a, b = fast(np.float64(1.0))[0], plain(np.float64(1.0))[0]
    assert np.isnan(a) and np.isnan(b) and type(a) is type(b)
    g = fungrad.jit(lambda x: fnp.log(x * 0.0))
    with np.errstate(all="ignore"):
        assert g(np.float64(2.0)) == -np.inf


def test_inlined_scalars_keep_float32_and_weak_types():
    # float32 scalars never take the Python-float form (its rounding is float64's)
    f = fungrad.jit(lambda x: fnp.sin(x * 3.0) * 2.0 + 1.0)
    y = f(np.float32(0.7))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, np.sin(np.float32(0.7) * np.float32(3.0)) * np.float32(2.0)
                                  + np.float32(1.0))
    with pytest.raises(TypeError):
        fungrad.jit(lambda x: fnp.sin(x) * 2.0)("a string")


@pytest.mark.parametrize("length", [0, 1, 5])
def test_jitted_scan_loops_match_eager_scans(length):
    # under jit a scan is a call of its generated loop (the emit rule); eagerly, its impl
    h0, xs = rand((3,)), rand((length, 3), seed=13)
    for reverse in (False, True):
        f = lambda h, xs: lax.scan(_rnn_step, h, xs, reverse=reverse)  # noqa: E731
        fast, slow = fungrad.jit(f)(h0, xs), f(h0, xs)
        for a, b in zip(fast, slow):
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


# ----------------------------------------------- out=: ufuncs writing over dead temporaries

def _compiled_against_interpreter(fun, *args):
    """Compile ``fun``'s IR, run it on ``args`` and check it against the interpreter (values,
    dtypes, shapes) and that no input was written over: returns the function and outputs."""
    closed = fungrad.make_jaxpr(fun)(*args)
    fn = compile_jaxpr(closed)
    saved = [a.copy() for a in args]
    fast = fn(*args)
    for a, a0 in zip(args, saved):
        np.testing.assert_array_equal(a, a0)
    for a, b in zip(fast, eval_jaxpr(closed.jaxpr, closed.consts, *args)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    return fn, fast


def _views_and_temporaries(x, y):
    a = fnp.sin(x) * 2.0           # a temporary, then overwritten by the multiply
    t = a.T                        # a view of a temporary that outlives it
    b = fnp.exp(a) + y             # a's last reader: a ufunc, but t still shares a's memory
    c = (b * 3.0).reshape(-1)      # a ufunc result read by a reshape (a view)
    d = fnp.tanh(b) - 1.0          # b's last reader
    e = (d > 0.0) | (d < -0.5)     # bool results: dtype differs, never written over d
    f = fnp.where(e, d, 0.0) + x.astype(np.float32)
    return t, c, d, f, x * 1.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_buffer_reuse_matches_the_interpreter_and_leaves_inputs_alone(dtype):
    x, y = rand((3, 4), dtype, seed=14), rand((4,), dtype, seed=15)
    fn, fast = _compiled_against_interpreter(_views_and_temporaries, x, y)
    assert "out=" in fn.source
    # an output is never written over, even by a later call
    again = fn(x, y)
    for a, b in zip(fast, again):
        np.testing.assert_array_equal(a, b)


def _fresh_producers(x, w):
    h = x @ w
    a = x @ (w * 3.0) + 1.0        # np.dot: fresh, written over by the add
    s = fnp.sum(h * h, axis=1, keepdims=True) + 1.0   # a reduction's result written over
    p = (h ** 2) - s               # integer_pow: fresh
    v = (x @ (w - 1.0)).reshape(-1)  # a fresh dot read by a reshape (a view): never reused
    q = x @ (w + 2.0)              # a fresh dot returned, and read by a ufunc
    e = fungrad.lax.erf_inv(fnp.tanh(p) * 0.5) * 2.0
    return a, p, v + 1.0, q, fnp.tanh(q), e


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fresh_results_are_reused_like_ufunc_temporaries(dtype):
    x, w = rand((3, 4), dtype, seed=18), rand((4, 5), dtype, seed=19)
    fn, fast = _compiled_against_interpreter(_fresh_producers, x, w)
    assert fn.source.count("out=") >= 5
    assert all(a.dtype == dtype for a in fast)
    assert not any(np.shares_memory(a, b) for i, a in enumerate(fast) for b in fast[i + 1:])
    # under jit and grad the same numbers, and a bad shape is still the general error
    f = fungrad.jit(lambda x, w: sum(fnp.sum(o) for o in _fresh_producers(x, w)))
    np.testing.assert_allclose(fungrad.grad(f)(x, w),
                               fungrad.grad(lambda x, w: sum(fnp.sum(o) for o in
                                                             _fresh_producers(x, w)))(x, w),
                               rtol=1e-5 if dtype == np.float32 else 1e-12)
    with pytest.raises(ValueError, match="matmul"):
        f(x, rand((3, 5), dtype))


def _views_of_fresh_arrays(x):
    a = (fnp.sin(x) * 2.0).reshape(-1) + 1.0    # a view nothing else reads: written over
    b = fnp.exp(x)
    c = b.T * 3.0                               # b is read again below: c is a new array
    bits = fungrad.lax.bitcast_convert_type(fnp.abs(x) + 1.0, np.int64 if x.dtype ==
                                            np.float64 else np.int32)
    d = fnp.right_shift(bits, 3)                # the view of a dead temporary, written over
    return a, c, b, d, fnp.broadcast_to(x[0] * 2.0, x.shape) + 1.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_views_of_dead_temporaries_are_written_over(dtype):
    x = rand((3, 4), dtype, seed=22)
    fn, fast = _compiled_against_interpreter(_views_of_fresh_arrays, x)
    source = fn.source
    assert not any(np.shares_memory(a, b) for i, a in enumerate(fast) for b in fast[i + 1:])
    lines = source.splitlines()
    assert any("_right_shift" in line and "out=" in line for line in lines)  # bitcast view
    reshaped = [line.split(" = ")[0].strip() for line in lines if ".reshape(" in line]
    transposed = [line.split(" = ")[0].strip() for line in lines if ".transpose(" in line]
    assert any(f"out={reshaped[0]})" in line for line in lines)  # its base was dead
    assert not any(f"out={transposed[0]})" in line for line in lines)  # its base is returned


def test_buffer_reuse_under_jit_and_grad_keeps_values_and_errors():
    def loss(w, x):
        h = fnp.tanh(x @ w + 1.0)
        return fnp.sum(h * h - h)
    w, x = rand((4, 3), seed=16), rand((5, 4), seed=17)
    g = fungrad.jit(fungrad.value_and_grad(loss))
    (v1, g1), (v2, g2) = g(w, x), fungrad.value_and_grad(loss)(w, x)
    np.testing.assert_allclose(v1, v2, rtol=1e-14)
    np.testing.assert_allclose(g1, g2, rtol=1e-14)
    with pytest.raises(ValueError, match=r"matmul: shapes f64\[5,3\] and f64\[4,3\]"):
        g(w, rand((5, 3)))
    np.testing.assert_allclose(g(w, x)[1], g2, rtol=1e-14)


def test_compiled_caches_stay_bounded_and_agree_across_threads(monkeypatch):
    import sys
    import threading
    monkeypatch.setattr(sys.modules["fungrad.codegen"], "MAX_COMPILED_SUBS", 3)
    monkeypatch.setattr(sys.modules["fungrad.scan_loop"], "MAX_COMPILED_LOOPS", 3)
    xs = rand((6, 3), seed=18)
    expected = [lax.scan(lambda c, x, k=k: (fnp.sin(c * k) + x, None), xs[0], xs)[0]
                for k in range(8)]
    errors, results = [], {}

    def work(k):
        try:
            for _ in range(5):
                results[k] = lax.scan(lambda c, x: (fnp.sin(c * k) + x, None), xs[0], xs)[0]
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(8):
        np.testing.assert_array_equal(results[k], expected[k])
    assert len(control_flow._compiled_loops) <= 3 + 8  # bounded (a race may overshoot briefly)


def test_residual_scans_with_integer_carries_nesting_and_vmap():
    def counted(w):
        def step(c, _):
            i, h = c
            return (i + 1, fnp.sin(h * w) + i), h * 2.0
        (_, h), ys = lax.scan(step, (np.int64(0), fnp.ones(2)), None, length=5)
        return fnp.sum(h) + fnp.sum(ys ** 2)
    check_grads(counted, (np.array([0.3, 0.7]),), order=2, modes=("fwd", "rev"))

    def nested(w, xs):
        def outer(c, x):
            inner, _ = lax.scan(lambda d, y: (fnp.tanh(d * w + y), None), c, x)
            return inner, fnp.sum(inner)
        h, ys = lax.scan(outer, fnp.zeros(3), xs)
        return fnp.sum(h) + fnp.sum(ys)
    xs = rand((3, 4, 3), seed=19)
    check_grads(nested, (0.5, xs), order=2, modes=("fwd", "rev"))
    grad = fungrad.grad(nested)
    np.testing.assert_allclose(fungrad.jit(grad)(0.5, xs), grad(0.5, xs), rtol=1e-13)
    batched = fungrad.vmap(grad, in_axes=(None, 0))(0.5, np.stack([xs, xs * 0.5]))
    np.testing.assert_allclose(batched, [grad(0.5, xs), grad(0.5, xs * 0.5)], rtol=1e-13)


# ----------------------------------------------- checkpoint blocks inlined in compiled code

def _nested_blocks(x, w):
    inner = fungrad.checkpoint(lambda h: (fnp.tanh(h @ w), h))   # a constant-free block
    outer = fungrad.checkpoint(lambda h: inner(h * 2.0)[0] + w[0])  # nests the other
    a, same = inner(x)      # an output that is the block's input
    b = outer(a)
    c, _ = inner(b)         # the same block again, one output unused
    return c * 3.0, same, b


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_inlined_checkpoint_blocks_match_the_interpreter(dtype):
    from fungrad.passes import inline_calls
    x, w = rand((2, 3), dtype, seed=20), rand((3, 3), dtype, seed=21)
    closed = fungrad.make_jaxpr(_nested_blocks)(x, w)
    assert "checkpoint" in [e.primitive.name for e in closed.eqns]
    flat = inline_calls(closed)
    assert "checkpoint" not in [e.primitive.name for e in flat.eqns]
    names = [v for e in flat.eqns for v in e.outvars]
    assert len({id(v) for v in names}) == len(names)  # still single-assignment
    fn = compile_jaxpr(closed)
    assert "checkpoint" not in fn.source
    for got, want in zip(fn(x, w), eval_jaxpr(closed.jaxpr, closed.consts, x, w)):
        assert got.dtype == want.dtype == dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    # jitted gradients (the backward pass recomputes the blocks) are the eager ones
    loss = lambda x, w: sum(fnp.sum(o ** 2) for o in _nested_blocks(x, w))
    g = fungrad.jit(fungrad.grad(loss, argnums=(0, 1)))
    for got, want in zip(g(x, w), fungrad.grad(loss, argnums=(0, 1))(x, w)):
        assert got.dtype == want.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-13)
    with pytest.raises(ValueError, match="matmul"):
        g(x, rand((4, 3), dtype))


def test_blocks_whose_types_differ_from_the_call_stay_calls():
    from fungrad.passes import inline_calls
    closed = fungrad.make_jaxpr(fungrad.checkpoint(lambda x: fnp.sin(x) * 2.0))(1.0)
    assert inline_calls(closed) is closed  # a weak Python float entering a strong block
    fn = compile_jaxpr(closed)
    assert fn(1.0) == eval_jaxpr(closed.jaxpr, closed.consts, 1.0)
