"""Robustness probes (issue 16): repeated transforms do not grow memory, threads tracing at
once agree with serial runs, and a jitted function's caches stay bounded under many shapes."""
from __future__ import annotations

import gc
import sys
import threading
import tracemalloc

import numpy as np

import fungrad
import fungrad.numpy as fnp


def _loss(w, x):
    return fnp.sum(fnp.tanh(x @ w) ** 2)


W, X = np.linspace(-1.0, 1.0, 12).reshape(4, 3), np.linspace(0.0, 2.0, 8).reshape(2, 4)


def _growth_per_call(fn, calls: int = 2000) -> float:
    """Bytes still allocated per call after ``calls`` calls (after a warm-up that fills the
    caches, so what is measured is what each further call leaves behind). A full collection
    first empties Python's free lists, which tracemalloc would otherwise count."""
    for _ in range(50):
        fn()
    tracemalloc.start()
    try:
        fn()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(calls):
            fn()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / calls


def test_repeated_grad_does_not_grow_memory():
    g = fungrad.grad(_loss)
    assert _growth_per_call(lambda: g(W, X)) < 16  # bytes per call: no leak of traces


def test_repeated_jit_of_grad_does_not_grow_memory():
    g = fungrad.jit(fungrad.grad(_loss))
    assert _growth_per_call(lambda: g(W, X)) < 16


def _work(k: int):
    """Different functions per thread: trace, jit, differentiate, vmap."""
    scale = 1.0 + k
    f = lambda w: _loss(w * scale, X) + fnp.sum(fnp.sin(w) * k)  # noqa: E731
    closed = fungrad.make_jaxpr(f)(W)
    return (str(closed), fungrad.grad(f)(W), fungrad.jit(fungrad.grad(f))(W),
            fungrad.vmap(fungrad.grad(f))(np.stack([W, 2 * W])),
            fungrad.jvp(f, (W,), (np.ones_like(W),))[1])


def test_eight_threads_agree_with_serial_results():
    serial = [_work(k) for k in range(8)]
    results: dict = {}
    errors: list = []

    def run(k):
        try:
            for _ in range(10):
                results[k] = _work(k)
        except Exception as e:  # noqa: BLE001 -- reported below with its thread
            errors.append((k, e))
    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, mid-trace, to interleave them
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    for k in range(8):
        want, got = serial[k], results[k]
        assert got[0] == want[0]  # the same IR
        for a, b in zip(got[1:], want[1:]):
            np.testing.assert_allclose(a, b, rtol=1e-13)
    assert fungrad.grad(_loss)(W, X).shape == W.shape  # nothing left on the trace stack


def test_jit_cache_stays_bounded_under_many_shapes():
    f = fungrad.jit(lambda x: fnp.sum(x * x), max_signatures=16)
    for n in range(1, 301):
        x = np.arange(float(n))
        assert f(x) == np.sum(x * x)
    assert len(f._cache) <= 16 and len(f._fast) <= 64
    assert f(np.arange(3.0)) == 5.0  # evicted signatures trace again, correctly


def test_compiled_backward_cache_stays_bounded():
    vjp_module = sys.modules["fungrad.vjp"]  # (fungrad.vjp, the attribute, is the function)
    for n in range(1, 200):  # a new structure per size, each seen twice
        g = fungrad.grad(lambda x: fnp.sum(fnp.sin(x) * x))
        x = np.arange(float(n))
        g(x)
        np.testing.assert_allclose(g(x), np.sin(x) + x * np.cos(x))
    assert len(vjp_module._compiled_backwards) <= vjp_module.MAX_COMPILED_BACKWARDS
    assert len(vjp_module._seen_once) <= vjp_module.MAX_COMPILED_BACKWARDS
