"""Round five's compiled fast paths, each against the general (interpreted) path on the same
inputs: the pooled temporaries of codegen's buffer plan, the ``out=`` forms of random_bits
and erf_inv, and ``x ** 2`` compiled as ``np.square``."""
import threading

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
import fungrad.random as frandom
from fungrad import codegen
from fungrad.interpreter import eval_jaxpr, last_uses
from fungrad.prims import random_bits as rb
from fungrad.prims import special

BIG = 20_000  # float64 temporaries of 160 kB: past codegen's pooling threshold


def _interpreted(fn, *args):
    closed = fungrad.make_jaxpr(fn)(*args)
    return closed, eval_jaxpr(closed.jaxpr, closed.consts, *fungrad.tree_util.tree_leaves(args))


def _assert_bitwise(ours, theirs):
    for a, b in zip(ours, theirs):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def _chain(x, y):
    # temporaries of two dtypes, a view (reshape) in the middle, two array outputs
    t = fnp.sin(x) * 3.0 + y
    u = (t ** 2).reshape(2, -1) - 1.0
    return fnp.sum(u * fnp.cos(t).reshape(2, -1)), fnp.exp(u), t > 0


def test_pooled_temporaries_match_the_interpreter_bitwise():
    x = np.linspace(-3, 3, BIG)
    y = np.cos(x)
    closed, expected = _interpreted(_chain, x, y)
    fn = codegen.compile_jaxpr(closed)
    assert "_bufs[" in fn.source  # the pool is in play
    for _ in range(3):  # the second and third calls run on the buffers of the first
        _assert_bitwise(fn(x, y), expected)


def test_outputs_never_share_the_pool():
    # a result handed back must not be overwritten by the next call
    x = np.linspace(-3, 3, BIG)
    f = fungrad.jit(_chain)
    first = [np.array(a) for a in f(x, x)]
    kept = f(x, x)
    f(x + 1.0, x - 1.0)
    _assert_bitwise(kept, first)
    for a in kept:
        assert not np.shares_memory(a, f(x, x)[0])


def test_values_read_by_views_are_not_pooled():
    # e's buffer is returned reshaped: e may not be a pooled temporary
    def f(x):
        e = fnp.exp(x) * 2.0
        return e.reshape(2, -1)
    x = np.linspace(0, 1, BIG)
    closed, expected = _interpreted(f, x)
    fn = codegen.compile_jaxpr(closed)
    assert "_bufs[" not in fn.source
    out = fn(x)
    _assert_bitwise(fn(x), expected)
    fn(x + 1.0)
    _assert_bitwise([out[0]], expected)


def test_memory_is_shared_only_by_values_living_at_different_times():
    def f(x):
        a = fnp.sum(fnp.sin(x) * 2.0)  # sin's buffer is dead after the sum ...
        b = fnp.cos(x) * 3.0           # ... so cos may take it, while b lives on
        return a, fnp.sum(b * fnp.tanh(b))
    x = np.linspace(-1, 1, BIG)
    closed, expected = _interpreted(f, x)
    sizes, specs = codegen._plan_buffers(closed.jaxpr, last_uses(closed.jaxpr))[2]
    blocks = [k for k, _, _ in specs]
    assert blocks[0] == blocks[1] and len(set(blocks)) == len(sizes) == 2  # tanh's is new
    fn = codegen.compile_jaxpr(closed)
    for _ in range(2):
        _assert_bitwise(fn(x), expected)


def test_each_thread_gets_its_own_buffers():
    x = np.linspace(-3, 3, BIG)
    f = fungrad.jit(_chain)
    expected = {s: [np.array(a) for a in _chain(x * s, x)] for s in range(1, 5)}
    errors = []

    def work(scale):
        for _ in range(20):
            got = f(x * scale, x)
            try:
                for a, b in zip(got, expected[scale]):
                    np.testing.assert_allclose(a, b, rtol=1e-14)
            except AssertionError as e:
                errors.append(e)
    threads = [threading.Thread(target=work, args=(s,)) for s in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_a_guard_failure_after_pooling_still_retraces_correctly():
    def f(x):
        y = fnp.sin(x) * 2.0
        return y + 1.0 if fnp.sum(y) > 0 else y - 1.0
    x = np.linspace(0.1, 1, BIG)
    jf = fungrad.jit(f)
    for arg in (x, -x, x, -x):
        np.testing.assert_array_equal(jf(arg), f(arg))
    assert jf.trace_count == 2


def test_the_pool_is_bounded(monkeypatch):
    monkeypatch.setattr(codegen, "_POOL_MAX_BYTES", BIG * 8)  # room for one buffer
    x = np.linspace(-3, 3, BIG)
    closed, expected = _interpreted(_chain, x, x)
    sizes, _ = codegen._plan_buffers(closed.jaxpr, last_uses(closed.jaxpr))[2]
    assert sum(sizes) <= BIG * 8
    _assert_bitwise(codegen.compile_jaxpr(closed)(x, x), expected)


@pytest.mark.parametrize("bit_width", [8, 16, 32, 64])
@pytest.mark.parametrize("keys", [np.array([0, 42], np.uint32),
                                  np.array([[1, 2], [3, 4]], np.uint32)])
def test_random_bits_into_a_buffer_gives_the_same_bits(bit_width, keys):
    shape = (3, 5)
    expected = rb._bits_impl(keys, bit_width, shape)
    out = np.full(expected.shape, 7, expected.dtype)
    assert rb._bits_impl(keys, bit_width, shape, out=out) is out
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_erf_inv_into_a_buffer_gives_the_same_values(dtype):
    x = np.array([-1.0, -0.999999, -0.5, 0.0, 0.3, 0.99999999, 1.0, 1.5, np.nan], dtype)
    x = np.tile(x, (2, 1))
    expected = special._erf_inv_impl(x)
    out = np.empty_like(x)
    assert special._erf_inv_impl(x, out=out) is out
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == dtype


def test_normal_draws_under_jit_are_the_eager_draws():
    key = frandom.PRNGKey(3)
    f = fungrad.jit(lambda k, mu: mu + 0.5 * frandom.normal(k, (BIG,)))
    eager = 0.25 + 0.5 * frandom.normal(key, (BIG,))
    for _ in range(3):
        got = f(key, 0.25)
        assert got.dtype == eager.dtype == np.float64
        np.testing.assert_array_equal(got, eager)
    source = f.sources()[0]
    assert "_random_bits0(b, out=_bufs[" in source or "out=_bufs[" in source


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64, np.complex128])
def test_square_form_of_integer_pow_matches_the_interpreter(dtype):
    x = (np.linspace(-3, 3, 64) + (1j if dtype == np.complex128 else 0)).astype(dtype)
    closed, expected = _interpreted(lambda x: x ** 2, x)
    fn = codegen.compile_jaxpr(closed)
    assert ("_square(" in fn.source) == (np.dtype(dtype).kind == "f")
    _assert_bitwise(fn(x), expected)
    np.testing.assert_array_equal(fn(x)[0], np.power(x, 2))


def test_square_form_keeps_a_python_float_weak():
    f = fungrad.jit(lambda x: x ** 2 * np.float32(2))
    out = f(np.float32(3))
    assert out.dtype == np.float32 and out == 18


def test_bad_input_to_a_pooled_function_raises_the_same_error():
    f = fungrad.jit(lambda x, y: fnp.sin(x) * 2.0 + y)
    x = np.ones(BIG)
    f(x, x)
    with pytest.raises((TypeError, ValueError)) as jitted:
        f(x, np.ones(3))
    with pytest.raises((TypeError, ValueError)) as eager:
        fnp.sin(x) * 2.0 + np.ones(3)
    assert type(jitted.value) is type(eager.value)
    np.testing.assert_array_equal(f(x, x), np.sin(x) * 2.0 + x)  # the next call works


@pytest.mark.parametrize("x", [np.linspace(0.5, 2.0, 5), np.float64(0.5), np.float64(0.0)])
def test_consuming_inputs_empties_the_list_and_computes_the_same(x):
    # (a float64 scalar takes the Python-float form; at 0.0 math.log raises and the numpy
    # fallback must get the inputs back as a list)
    closed = fungrad.make_jaxpr(lambda a, b: fnp.log(a) * b + a)(x, 3.0)
    positional = codegen.compile_jaxpr(closed)
    consuming = codegen.compile_jaxpr(closed, consume_inputs=True)
    inputs = [x, 3.0]
    with np.errstate(divide="ignore"):
        got, = consuming(inputs)
        expected, = positional(x, 3.0)
    assert inputs == []
    assert type(got) is type(expected) and np.shape(got) == np.shape(x)
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError):  # a list of the wrong length is Python's unpacking error
        consuming([x])


def test_consuming_inputs_frees_each_at_its_last_use():
    import weakref
    # (array code: the Python-float form keeps its inputs until the end, for its fallback)
    closed = fungrad.make_jaxpr(lambda a, b: fnp.sin(a) * b)(np.ones(4), np.ones(4))
    fn = codegen.compile_jaxpr(closed, consume_inputs=True)
    assert "    del a\n" in fn.source  # released after its last use
    inputs = [np.ones(4), np.full(4, 2.0)]
    first = weakref.ref(inputs[0])
    out, = fn(inputs)
    assert first() is None  # the caller's list (still alive here) let go of it too
    np.testing.assert_array_equal(out, np.sin(np.ones(4)) * 2.0)
