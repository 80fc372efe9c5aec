"""Structured control flow: ``lax.cond``/``switch``/``while_loop``/``fori_loop``/``scan``.

Each one is checked for its value against a plain-Python reference (written with numpy),
for first and second derivatives against finite differences (both modes, including with
respect to values the branches/bodies close over), for its printed IR (nested jaxprs,
indented), for the validity of its IR and of its gradient's IR, for its type errors, and for
serving every input value from one IR (no guards: ``jit`` traces once)."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import ShapeDtypeStruct, check_jaxpr, grad, jit, jvp, lax, make_jaxpr, vjp
from fungrad.core import current_trace_level

from helpers import assert_derivatives, assert_same_as_numpy, rand


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _line_with(text: str, needle: str, start: int = 0) -> int:
    """Index of the first line (from ``start``) containing ``needle``."""
    lines = text.splitlines()
    for i in range(start, len(lines)):
        if needle in lines[i]:
            return i
    raise AssertionError(f"{needle!r} not found in\n{text}")


def _assert_valid_with_grad_ir(fn, args, argnums=0):
    """The IR of ``fn`` and of its gradient both pass check_jaxpr, and neither has a guard
    (structured control flow keeps every path in the IR)."""
    closed = make_jaxpr(fn)(*args)
    check_jaxpr(closed)
    g = make_jaxpr(grad(fn, argnums=argnums))(*args)
    check_jaxpr(g)
    assert "guard" not in str(closed) and "guard" not in str(g)
    return closed, g


# ============================================================================ cond

def _cond_fn(m, cond):
    """``(sin(x) * w, x * y)`` if p > 0 else ``(x ** 2, tanh(y) + w)``, summed; ``w`` is
    closed over by the branches. ``m`` is numpy (reference) or fungrad.numpy."""
    def f(p, x, y, w):
        out = cond(p > 0, lambda x, y: (m.sin(x) * w, x * y),
                   lambda x, y: (x ** 2, m.tanh(y) + w), x, y)
        return m.sum(out[0]) + m.sum(out[1] * out[0])
    return f


def _py_cond(pred, t, f, *ops):
    return t(*ops) if pred else f(*ops)


@pytest.mark.parametrize("p", [0.7, -0.3])
def test_cond_value_and_derivatives(p):
    x, y, w = rand((3,), seed=1), rand((3,), seed=2), rand((3,), seed=3)
    f = _cond_fn(fnp, lax.cond)
    ref = _cond_fn(np, _py_cond)
    assert_same_as_numpy(f(p, x, y, w), ref(p, x, y, w))
    # derivatives with respect to the operands and to the closed-over w
    assert_derivatives(lambda x, y, w: f(p, x, y, w), (x, y, w), order=2)
    # the predicate's value flows through too (its derivative is zero)
    assert_derivatives(f, (p, x, y, w), order=2)


def test_cond_gradient_matches_hand_derivative():
    x = rand((4,), seed=5)
    w = rand((4,), seed=6)

    def f(p, x):
        return fnp.sum(lax.cond(p, lambda x: fnp.sin(x) * w, lambda x: x ** 3, x))

    np.testing.assert_allclose(grad(f, argnums=1)(True, x), np.cos(x) * w, rtol=1e-12)
    np.testing.assert_allclose(grad(f, argnums=1)(False, x), 3 * x ** 2, rtol=1e-12)


def test_cond_one_ir_serves_both_predicates_and_prints_nested():
    x, y, w = rand((3,), seed=1), rand((3,), seed=2), rand((3,), seed=3)
    f = _cond_fn(fnp, lax.cond)
    ref = _cond_fn(np, _py_cond)
    closed = make_jaxpr(f)(0.5, x, y, w)
    for p in (2.0, -2.0, 0.0):
        assert_same_as_numpy(fungrad.eval_jaxpr(closed.jaxpr, closed.consts, p, x, y, w)[0],
                             ref(p, x, y, w))
    text = str(closed)
    assert text.count("cond[") == 1
    i = _line_with(text, "cond[")
    j = _line_with(text, "branches=(", i)
    k = _line_with(text, "{ lambda", j)
    k2 = _line_with(text, "{ lambda", k + 1)
    assert _indent(text.splitlines()[j]) > _indent(text.splitlines()[i])
    assert _indent(text.splitlines()[k]) > _indent(text.splitlines()[j])
    assert _indent(text.splitlines()[k2]) == _indent(text.splitlines()[k])
    assert "sin" in text and "tanh" in text  # both branches are in the IR
    _assert_valid_with_grad_ir(f, (0.5, x, y, w), argnums=(1, 2, 3))


@pytest.mark.parametrize("pred, expected", [
    (True, 1.0), (False, -1.0), (0, -1.0), (3, 1.0), (-1, 1.0), (np.int32(-2), 1.0),
    (np.uint8(0), -1.0), (np.bool_(True), 1.0),
])
def test_cond_predicate_truthiness_like_python(pred, expected):
    """Any nonzero integer predicate is true, as for Python's ``if`` and JAX's cond."""
    assert _py_cond(pred, lambda: 1.0, lambda: -1.0) == expected
    out = lax.cond(pred, lambda x: x + 1.0, lambda x: x - 1.0, 0.0)
    assert_same_as_numpy(out, np.float64(expected))
    if not isinstance(pred, bool):
        arr = np.asarray(pred)
        closed = make_jaxpr(lambda p: lax.cond(p, lambda x: x + 1.0, lambda x: x - 1.0,
                                               0.0))(np.zeros((), arr.dtype))
        assert_same_as_numpy(closed(arr)[0], np.float64(expected))


def test_cond_on_abstract_values_and_non_scalar_predicate():
    spec = ShapeDtypeStruct((3,), np.float64)
    closed = make_jaxpr(lambda x: lax.cond(fnp.sum(x) > 0, fnp.sin, fnp.cos, x))(spec)
    x = rand((3,), seed=9)
    assert_same_as_numpy(closed(x)[0], np.sin(x) if x.sum() > 0 else np.cos(x))
    assert_same_as_numpy(closed(-x)[0], np.sin(-x) if -x.sum() > 0 else np.cos(-x))
    with pytest.raises(TypeError, match="scalar"):
        make_jaxpr(lambda x: lax.cond(x > 0, fnp.sin, fnp.cos, x))(spec)
    assert current_trace_level() == 0


@pytest.mark.parametrize("t, f, types", [
    (lambda x: x, lambda x: x.astype(np.float32), ("f64[2]", "f32[2]")),
    (lambda x: x, lambda x: fnp.sum(x), ("f64[2]", "f64[]")),
    (lambda x: (x, x), lambda x: [x, x], ("(*, *)", "[*, *]")),
    (lambda x: x, lambda x: (x, x), ("f64[2]", "f64[2], f64[2]")),
])
def test_cond_branch_mismatch_raises_type_error_naming_both(t, f, types):
    with pytest.raises(TypeError) as info:
        lax.cond(True, t, f, np.ones(2))
    msg = str(info.value)
    assert "branch" in msg
    for ty in types:
        assert ty in msg, (ty, msg)
    assert current_trace_level() == 0
    with pytest.raises(TypeError):  # also when traced, and the trace stack is clean after
        make_jaxpr(lambda x: lax.cond(x[0] > 0, t, f, x))(np.ones(2))
    assert current_trace_level() == 0


# ============================================================================ switch

_SWITCH_BRANCHES = [
    lambda m, x, w: x * w,
    lambda m, x, w: m.sin(x) + w,
    lambda m, x, w: m.exp(x) * m.cos(w),
]


def _switch_fn(i, x, w):
    return fnp.sum(lax.switch(i, [lambda x, b=b: b(fnp, x, w) for b in _SWITCH_BRANCHES], x))


def _switch_ref(i, x, w):
    return np.sum(_SWITCH_BRANCHES[min(max(int(i), 0), 2)](np, x, w))


@pytest.mark.parametrize("i", [-5, -1, 0, 1, 2, 3, 100])
def test_switch_clamps_index_concrete_and_traced(i):
    x, w = rand((3,), seed=11), rand((3,), seed=12)
    assert_same_as_numpy(_switch_fn(i, x, w), _switch_ref(i, x, w))
    assert_same_as_numpy(_switch_fn(np.int64(i), x, w), _switch_ref(i, x, w))
    # one IR traced at index 0 serves every index, clamped at run time
    closed = make_jaxpr(_switch_fn)(np.int64(0), x, w)
    assert "guard" not in str(closed)
    assert_same_as_numpy(closed(np.int64(i), x, w)[0], _switch_ref(i, x, w))


@pytest.mark.parametrize("i", [0, 1, 2])
def test_switch_derivatives_including_closed_over(i):
    x, w = rand((3,), seed=13), rand((3,), seed=14)
    assert_derivatives(lambda x, w: _switch_fn(i, x, w), (x, w), order=2)
    _assert_valid_with_grad_ir(lambda x, w: _switch_fn(np.int64(i), x, w), (x, w),
                               argnums=(0, 1))


def test_switch_with_boolean_index():
    x = np.array([0.5, -2.0, 3.0])
    branches = [lambda x: -x, lambda x: x * 3.0]
    assert_same_as_numpy(lax.switch(True, branches, x), x * 3.0)
    assert_same_as_numpy(lax.switch(False, branches, x), -x)
    f = lambda x: lax.switch(fnp.sum(x) > 0, branches, x)
    closed = make_jaxpr(f)(x)
    assert "guard" not in str(closed)
    assert_same_as_numpy(closed(x)[0], x * 3.0)
    assert_same_as_numpy(closed(-x)[0], x)
    np.testing.assert_allclose(grad(lambda x: fnp.sum(f(x) ** 2))(x), 18.0 * x, rtol=1e-12)
    np.testing.assert_allclose(grad(lambda x: fnp.sum(f(x) ** 2))(-x), -2.0 * x, rtol=1e-12)


def test_switch_errors():
    with pytest.raises(ValueError):
        lax.switch(0, [], 1.0)
    with pytest.raises(TypeError):
        lax.switch(0.5, [lambda x: x, lambda x: -x], 1.0)
    with pytest.raises(TypeError) as info:
        lax.switch(0, [lambda x: x, lambda x: x, lambda x: fnp.sum(x)], np.ones(3))
    assert "f64[3]" in str(info.value) and "f64[]" in str(info.value)
    assert "branch 2" in str(info.value)  # names the offending branch
    assert current_trace_level() == 0


# ============================================================================ fori_loop

def _fori_body(m, w):
    return lambda i, c: c * w + m.sin(c) * i


def _fori_ref(lo, hi, x, w):
    c = x
    for i in range(lo, hi):
        c = _fori_body(np, w)(i, c)
    return c


@pytest.mark.parametrize("lo, hi", [(0, 3), (1, 4), (2, 2), (5, 2)])
def test_fori_loop_static_bounds_is_a_scan(lo, hi):
    x, w = rand((3,), seed=21), rand((3,), seed=22)
    f = lambda x, w: fnp.sum(lax.fori_loop(lo, hi, _fori_body(fnp, w), x))
    assert_same_as_numpy(f(x, w), np.sum(_fori_ref(lo, hi, x, w)))
    closed, _ = _assert_valid_with_grad_ir(f, (x, w), argnums=(0, 1))
    assert "scan[" in str(closed) and "while[" not in str(closed)
    assert f"length={max(hi - lo, 0)}" in str(closed)
    assert_derivatives(f, (x, w), order=2)


def test_fori_loop_traced_bounds_is_a_while():
    x, w = rand((3,), seed=23), rand((3,), seed=24)

    def f(x, w, lo, hi):
        return fnp.sum(lax.fori_loop(lo, hi, _fori_body(fnp, w), x))

    closed = make_jaxpr(f)(x, w, np.int64(0), np.int64(3))
    text = str(closed)
    assert "while[" in text and "scan[" not in text and "guard" not in text
    check_jaxpr(closed)
    for lo, hi in [(0, 3), (1, 5), (0, 0), (4, 1)]:  # one IR serves any trip count
        assert_same_as_numpy(closed(x, w, np.int64(lo), np.int64(hi))[0],
                             np.sum(_fori_ref(lo, hi, x, w)))
    # forward mode works through the while, to second order
    assert_derivatives(lambda x, w, hi: f(x, w, np.int64(1), hi), (x, w, np.int64(4)),
                       order=2, modes=("fwd",))
    # reverse mode through traced bounds is refused with a pointer to what works
    with pytest.raises(ValueError) as info:
        make_jaxpr(grad(f))(x, w, np.int64(0), np.int64(3))
    assert "scan" in str(info.value) and "fori_loop" in str(info.value)
    assert current_trace_level() == 0


# ============================================================================ while_loop

def _while_fn(m, while_loop):
    """Doubles-and-bends ``x`` until the counter reaches 4 or the accumulated ``s``
    passes ``t``; ``w`` is closed over by the body, ``t`` by the condition."""
    def f(x, w, t):
        def cond(c):
            return (c[0] < 4) & (c[2] < t)

        def body(c):
            return c[0] + 1, m.sin(c[1]) * w + c[1], c[2] + 1.0

        _, y, s = while_loop(cond, body, (0, x, 0.0))
        return m.sum(y) * s
    return f


def _py_while(cond, body, c):
    while cond(c):
        c = body(c)
    return c


@pytest.mark.parametrize("t", [2.5, 10.0, -1.0])
def test_while_loop_value_and_forward_derivatives(t):
    x, w = rand((3,), seed=31), rand((3,), seed=32)
    f = _while_fn(fnp, lax.while_loop)
    assert_same_as_numpy(f(x, w, t), _while_fn(np, _py_while)(x, w, t))
    # t is kept off the trip-count boundaries, so finite differences are smooth
    assert_derivatives(f, (x, w, t), order=2, modes=("fwd",))


def test_while_loop_tangent_of_data_dependent_trip_count():
    def f(x):
        return lax.while_loop(lambda c: c < 10.0, lambda c: c * 1.5, x)

    for x0 in (1.0, 0.3, 7.0, 12.0):
        k, c = 0, x0
        while c < 10.0:
            c, k = c * 1.5, k + 1
        out, t = jvp(f, (x0,), (1.0,))
        assert_same_as_numpy(out, np.float64(c))
        np.testing.assert_allclose(t, 1.5 ** k, rtol=1e-12)


def test_while_loop_reverse_mode_raises_value_error():
    x, w = rand((3,), seed=33), rand((3,), seed=34)
    f = _while_fn(fnp, lax.while_loop)
    for attempt in (lambda: grad(f)(x, w, 2.5),
                    lambda: vjp(lambda x: f(x, w, 2.5), x)[1](1.0),
                    lambda: make_jaxpr(grad(f, argnums=1))(x, w, 2.5)):
        with pytest.raises(ValueError) as info:
            attempt()
        msg = str(info.value)
        assert "while_loop" in msg and "scan" in msg and "fori_loop" in msg and "static" in msg
        assert current_trace_level() == 0
    # reverse mode with respect to something the loop does not see still works
    assert_same_as_numpy(grad(lambda a: a * 2.0 + lax.while_loop(
        lambda c: c < 3.0, lambda c: c + 1.0, 0.0))(1.0), np.float64(2.0))


def test_while_loop_prints_nested_jaxprs_and_checks():
    x, w = rand((3,), seed=35), rand((3,), seed=36)
    f = _while_fn(fnp, lax.while_loop)
    closed = make_jaxpr(f)(x, w, 2.5)
    check_jaxpr(closed)
    text = str(closed)
    assert "guard" not in text
    i = _line_with(text, "while[")
    lines = text.splitlines()
    for key in ("body_jaxpr=", "cond_jaxpr="):
        j = _line_with(text, key, i)
        assert _indent(lines[j]) > _indent(lines[i]) and "{ lambda" in lines[j]
    # the jvp IR is valid too
    jv = make_jaxpr(lambda x, w, tx: jvp(lambda x: f(x, w, 2.5), (x,), (tx,))[1])(x, w, x)
    check_jaxpr(jv)
    assert "while[" in str(jv)
    # one IR serves every value
    for t in (10.0, -1.0, 1.5):
        assert_same_as_numpy(closed(x, w, t)[0], _while_fn(np, _py_while)(x, w, t))


@pytest.mark.parametrize("cond, body, init, types", [
    (lambda c: c[0] < 3, lambda c: (c[0] + 1, fnp.sum(c[1])), (0, np.ones(2)),
     ("f64[2]", "f64[]")),
    (lambda c: c < 3, lambda c: c + 1.0, 0, ("i64[]", "f64[]")),
    (lambda c: c[0] < 3, lambda c: [c[0] + 1, c[1]], (0, np.ones(2)), ("(*, *)", "[*, *]")),
])
def test_while_loop_carry_mismatch_raises_type_error_naming_both(cond, body, init, types):
    with pytest.raises(TypeError) as info:
        lax.while_loop(cond, body, init)
    for ty in types:
        assert ty in str(info.value), (ty, str(info.value))
    assert current_trace_level() == 0


def test_while_loop_condition_must_be_boolean_scalar():
    with pytest.raises(TypeError, match="boolean"):
        lax.while_loop(lambda c: c, lambda c: c + 1.0, 0.0)
    with pytest.raises(TypeError):
        lax.while_loop(lambda c: c < 1.0, lambda c: c + 1.0, np.zeros(2))
    assert current_trace_level() == 0


# ============================================================================ scan

def _scan_ref(f, init, xs, length=None, reverse=False):
    """Plain Python scan over the leading axis of the leaves of dict/tuple/array ``xs``."""
    def index(tree, i):
        if tree is None:
            return None
        if isinstance(tree, dict):
            return {k: index(v, i) for k, v in tree.items()}
        if isinstance(tree, (tuple, list)):
            return type(tree)(index(v, i) for v in tree)
        return tree[i]

    def stack(items):
        first = items[0]
        if isinstance(first, dict):
            return {k: stack([it[k] for it in items]) for k in first}
        if isinstance(first, (tuple, list)):
            return type(first)(stack([it[j] for it in items]) for j in range(len(first)))
        return np.stack([np.asarray(it) for it in items])

    n = length if xs is None else len(np.asarray(
        next(iter(xs.values())) if isinstance(xs, dict) else
        (xs[0] if isinstance(xs, tuple) else xs)))
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, [None] * n
    for i in order:
        carry, ys[i] = f(carry, index(xs, i))
    return carry, stack(ys)


def _tree_sum(m, tree):
    return sum(m.sum(leaf) for leaf in fungrad.tree_util.tree_leaves(tree))


def _scan_cases():
    """(name, body(m, w), init, xs, kwargs): bodies take the module (np / fnp) and the
    closed-over ``w``."""
    T, n = 4, 3
    return [
        ("arrays", lambda m, w: lambda c, x: (m.sin(c) * x + w, c * x),
         rand((n,), seed=41), rand((T, n), seed=42), {}),
        ("reverse", lambda m, w: lambda c, x: (m.sin(c) * x + w, c * x),
         rand((n,), seed=41), rand((T, n), seed=42), {"reverse": True}),
        ("xs pytree, ys pytree", lambda m, w: lambda c, x: (
            (c[0] * m.cos(x["a"]) + x["b"], c[1] + c[0] * w),
            {"p": c[0] * c[1], "q": (m.tanh(x["a"]), x["b"] * 2.0)}),
         (rand((n,), seed=43), rand((n,), seed=44)),
         {"a": rand((T, n), seed=45), "b": rand((T,), seed=46)}, {}),
        ("xs pytree reverse", lambda m, w: lambda c, x: (
            (c[0] * m.cos(x["a"]) + x["b"], c[1] + c[0] * w),
            {"p": c[0] * c[1], "q": (m.tanh(x["a"]), x["b"] * 2.0)}),
         (rand((n,), seed=43), rand((n,), seed=44)),
         {"a": rand((T, n), seed=45), "b": rand((T,), seed=46)}, {"reverse": True}),
        ("xs None", lambda m, w: lambda c, _: (m.sin(c) * w, c ** 2),
         rand((n,), seed=47), None, {"length": 5}),
        ("xs None reverse", lambda m, w: lambda c, _: (m.sin(c) * w, c ** 2),
         rand((n,), seed=47), None, {"length": 5, "reverse": True}),
    ]


_CASES = _scan_cases()
_OUTER = rand((3,), seed=49)  # a closed-over numpy constant


@pytest.mark.parametrize("case", _CASES, ids=[c[0] for c in _CASES])
def test_scan_value_matches_python_loop(case):
    _, body, init, xs, kw = case
    w = rand((3,), seed=48)
    carry, ys = lax.scan(body(fnp, w * _OUTER), init, xs, **kw)
    ref_carry, ref_ys = _scan_ref(body(np, w * _OUTER), init, xs, **kw)
    assert fungrad.tree_util.tree_structure(carry) == \
        fungrad.tree_util.tree_structure(ref_carry)
    assert fungrad.tree_util.tree_structure(ys) == fungrad.tree_util.tree_structure(ref_ys)
    for a, b in zip(fungrad.tree_util.tree_leaves((carry, ys)),
                    fungrad.tree_util.tree_leaves((ref_carry, ref_ys))):
        assert_same_as_numpy(a, b)


@pytest.mark.parametrize("case", _CASES, ids=[c[0] for c in _CASES])
def test_scan_derivatives_including_closed_over_traced_value(case):
    _, body, init, xs, kw = case
    w = rand((3,), seed=48)

    def f(init, xs, w):
        # the body closes over a traced value (w) and an outer numpy array (_OUTER)
        carry, ys = lax.scan(body(fnp, w * _OUTER), init, xs, **kw)
        return _tree_sum(fnp, carry) + _tree_sum(fnp, ys)

    if xs is None:
        assert_derivatives(lambda init, w: f(init, None, w), (init, w), order=2)
    else:
        assert_derivatives(f, (init, xs, w), order=2)


def test_scan_gradient_of_closed_over_value_by_hand():
    xs = rand((5,), seed=50)

    def f(w):  # c_{k+1} = c_k * w + x_k, c_0 = 1; returns c_T
        return lax.scan(lambda c, x: (c * w + x, c), 1.0, xs)[0]

    w = 0.7
    # c_T = w^T + sum_k x_k w^(T-1-k); its derivative, term by term
    T = len(xs)
    expected = T * w ** (T - 1) + sum(xs[k] * (T - 1 - k) * w ** (T - 2 - k)
                                      for k in range(T - 1))
    np.testing.assert_allclose(grad(f)(w), expected, rtol=1e-12)
    expected2 = T * (T - 1) * w ** (T - 2) + sum(
        xs[k] * (T - 1 - k) * (T - 2 - k) * w ** (T - 3 - k) for k in range(T - 2))
    np.testing.assert_allclose(grad(grad(f))(w), expected2, rtol=1e-12)


def test_scan_prints_nested_jaxpr_and_ir_is_valid():
    w = rand((3,), seed=51)
    xs = rand((4, 3), seed=52)

    def f(c, xs, w):
        carry, ys = lax.scan(lambda c, x: (fnp.sin(c) * x + w, c * x), c, xs)
        return fnp.sum(carry) + fnp.sum(ys)

    c = rand((3,), seed=53)
    closed, g = _assert_valid_with_grad_ir(f, (c, xs, w), argnums=(0, 1, 2))
    text = str(closed)
    i = _line_with(text, "scan[")
    j = _line_with(text, "jaxpr=", i)
    lines = text.splitlines()
    assert _indent(lines[j]) > _indent(lines[i]) and "{ lambda" in lines[j]
    assert "length=4" in text and "reverse=False" in text
    assert "scan[" in str(g)
    # one IR for all values
    for seed in (1, 2):
        c2, xs2 = rand((3,), seed=seed), rand((4, 3), seed=seed + 10)
        rc, rys = _scan_ref(lambda c, x: (np.sin(c) * x + w, c * x), c2, xs2)
        assert_same_as_numpy(closed(c2, xs2, w)[0], np.sum(rc) + np.sum(rys))
    # xs=None with length, reverse: printed params
    text2 = str(make_jaxpr(lambda c: lax.scan(lambda c, _: (c * 2.0, c), c, None, length=3,
                                              reverse=True))(c))
    assert "length=3" in text2 and "reverse=True" in text2


def test_scan_errors():
    with pytest.raises(TypeError) as info:
        lax.scan(lambda c, x: (fnp.sum(c), x), np.ones(2), np.ones((3, 2)))
    assert "f64[2]" in str(info.value) and "f64[]" in str(info.value)
    with pytest.raises(TypeError) as info:
        lax.scan(lambda c, x: (c * x, x), np.ones(2, np.float32), np.ones((3, 2)))
    assert "f32[2]" in str(info.value) and "f64[2]" in str(info.value)
    with pytest.raises(TypeError) as info:
        lax.scan(lambda c, x: ([c[0], c[1]], x), (1.0, 2.0), np.ones(3))
    assert "(*, *)" in str(info.value) and "[*, *]" in str(info.value)
    with pytest.raises(TypeError, match="pair"):
        lax.scan(lambda c, x: c, np.ones(2), np.ones((3, 2)))
    with pytest.raises(ValueError, match="length"):
        lax.scan(lambda c, x: (c, x), 0.0, None)
    with pytest.raises(ValueError):
        lax.scan(lambda c, x: (c, x), 0.0, {"a": np.ones(3), "b": np.ones(4)})
    with pytest.raises(ValueError):
        lax.scan(lambda c, x: (c, x), 0.0, np.ones(3), length=4)
    assert current_trace_level() == 0


def test_scan_of_length_zero():
    carry, ys = lax.scan(lambda c, x: (c + x, c * x), np.ones(2), np.zeros((0, 2)))
    assert_same_as_numpy(carry, np.ones(2))
    assert_same_as_numpy(ys, np.zeros((0, 2)))


# ============================================================================ nesting

def test_cond_inside_scan_and_scan_inside_cond():
    xs = rand((4, 2), seed=61)

    def inner(c, x, w):
        return lax.cond(fnp.sum(x) > 0, lambda c: c * fnp.sin(x) + w, lambda c: c - x * w, c)

    def f(c, xs, w):
        carry, ys = lax.scan(lambda c, x: (inner(c, x, w), fnp.sum(c)), c, xs)
        return fnp.sum(carry) + fnp.sum(ys)

    def ref(c, xs, w):
        ys = []
        for x in xs:
            ys.append(np.sum(c))
            c = c * np.sin(x) + w if np.sum(x) > 0 else c - x * w
        return np.sum(c) + np.sum(ys)

    c, w = rand((2,), seed=62), rand((2,), seed=63)
    assert_same_as_numpy(f(c, xs, w), ref(c, xs, w))
    assert_derivatives(f, (c, xs, w), order=2)
    _assert_valid_with_grad_ir(f, (c, xs, w), argnums=(0, 1, 2))

    def g(p, c, w):
        return fnp.sum(lax.cond(p > 0, lambda c: lax.scan(lambda c, x: (c * w + x, c), c,
                                                           xs)[0],
                                lambda c: c * 2.0, c))

    def g_ref(p, c, w):
        if p > 0:
            for x in xs:
                c = c * w + x
            return np.sum(c)
        return np.sum(c * 2.0)

    for p in (1.0, -1.0):
        assert_same_as_numpy(g(p, c, w), g_ref(p, c, w))
        assert_derivatives(lambda c, w, p=p: g(p, c, w), (c, w), order=2)
    closed = make_jaxpr(g)(1.0, c, w)
    check_jaxpr(closed)
    text = str(closed)
    # the scan sits inside the cond, indented further
    assert _indent(text.splitlines()[_line_with(text, "scan[")]) > \
        _indent(text.splitlines()[_line_with(text, "cond[")])


# ============================================================================ jit

def test_jit_of_lax_control_flow_traces_once_for_all_values():
    w = rand((3,), seed=71)

    @jit
    def f(p, x, i, n):
        a = lax.cond(p > 0, lambda x: fnp.sin(x) * w, lambda x: x ** 2, x)
        b = lax.switch(i, [lambda x: x + 1.0, lambda x: x * 3.0, fnp.cos], a)
        c = lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 0.5 + 1.0),
                           (0, b))[1]
        carry, ys = lax.scan(lambda c, x: (c + x, c * x), c, fnp.stack([a, b, c]))
        d = lax.fori_loop(0, 3, lambda k, v: v * 0.9 + k, carry)
        return fnp.sum(d) + fnp.sum(ys)

    def ref(p, x, i, n):
        a = np.sin(x) * w if p > 0 else x ** 2
        b = [lambda x: x + 1.0, lambda x: x * 3.0, np.cos][min(max(i, 0), 2)](a)
        k, c = 0, b
        while k < n:
            k, c = k + 1, c * 0.5 + 1.0
        carry, ys = c, []
        for x_ in (a, b, c):
            carry, y = carry + x_, carry * x_
            ys.append(y)
        d = carry
        for k in range(3):
            d = d * 0.9 + k
        return np.sum(d) + np.sum(ys)

    rng = np.random.default_rng(0)
    for _ in range(30):
        p, x = rng.normal(), rng.normal(size=3)
        i, n = int(rng.integers(-2, 5)), int(rng.integers(0, 6))
        assert_same_as_numpy(f(p, x, np.int64(i), np.int64(n)), ref(p, x, i, n))
    assert f.trace_count == 1
    (ir,) = f.variants()
    assert "guard" not in str(ir)
    for name in ("cond[", "while[", "scan["):
        assert name in str(ir)
    check_jaxpr(ir)


def test_jit_of_grad_through_scan_and_cond_traces_once():
    xs = rand((5,), seed=72)

    def loss(w, p):
        c, _ = lax.scan(lambda c, x: (lax.cond(p > 0, lambda c: c * w + x,
                                               lambda c: c * w - x, c), c), 1.0, xs)
        return c

    def ref_grad(w, p):  # d/dw of c_T with c_{k+1} = c_k w +- x_k, by forward recursion
        c, dc = 1.0, 0.0
        for x in xs:
            c, dc = (c * w + x if p > 0 else c * w - x), dc * w + c
        return dc

    g = jit(grad(loss))
    rng = np.random.default_rng(1)
    for _ in range(20):
        w, p = rng.uniform(-1.5, 1.5), rng.normal()
        np.testing.assert_allclose(g(w, p), ref_grad(w, p), rtol=1e-10, atol=1e-12)
    assert g.trace_count == 1
    check_jaxpr(g.variants()[0])


# ============================================================================ zero tangents

def test_derivatives_when_some_outputs_carry_no_tangent():
    """Outputs that do not depend on the differentiated input get instantiated zero tangents
    inside the transformed branches/bodies; those zeros must reach the evaluation."""
    x = np.array([0.5, 0.2])
    xs = rand((3, 2), seed=81)
    t = np.array([1.0, -2.0])

    def cond_f(c):
        return lax.cond(True, lambda c: (c * 2.0, np.ones(2)), lambda c: (c, c), c)

    out, tan = jvp(cond_f, (x,), (t,))
    assert_same_as_numpy(out[0], x * 2.0)
    assert_same_as_numpy(tan[0], t * 2.0)
    assert_same_as_numpy(tan[1], np.zeros(2))

    def scan_f(c):
        return lax.scan(lambda c, x: (c * 2.0, x * 3.0), c, xs)

    out, tan = jvp(scan_f, (x,), (t,))
    assert_same_as_numpy(out[1], xs * 3.0)
    assert_same_as_numpy(tan[0], t * 8.0)
    assert_same_as_numpy(tan[1], np.zeros((3, 2)))

    def while_f(c):
        return lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * 2.0, c[2] + 1.0),
                              (0, c, np.ones(2)))

    out, tan = jvp(while_f, (x,), (t,))
    assert_same_as_numpy(out[1], x * 8.0)
    assert_same_as_numpy(tan[1], t * 8.0)
    assert_same_as_numpy(tan[2], np.zeros(2))
    # and second order through the same situation
    assert_derivatives(lambda c: fnp.sum(cond_f(c)[0] ** 2) + fnp.sum(cond_f(c)[1]), (x,),
                       order=2)
    assert_derivatives(lambda c: fnp.sum(scan_f(c)[0] ** 2) + fnp.sum(scan_f(c)[1]), (x,),
                       order=2)
    assert_derivatives(lambda c: fnp.sum(while_f(c)[1] ** 2) + fnp.sum(while_f(c)[2]), (x,),
                       order=2, modes=("fwd",))


def test_fori_loop_index_is_weakly_typed_like_range():
    """``for i in range(...)`` gives Python ints, which leave a float32 carry float32."""
    c = np.ones(2, np.float32)
    ref = c.copy()
    for i in range(1, 4):
        ref = ref * np.float32(0.5) + i
    out = lax.fori_loop(1, 4, lambda i, c: c * np.float32(0.5) + i, c)
    assert_same_as_numpy(out, ref)
    assert_same_as_numpy(jit(lambda c: lax.fori_loop(1, 4, lambda i, c: c * np.float32(0.5)
                                                     + i, c))(c), ref)


def test_scan_over_integer_xs_and_nested_scans():
    x, w = np.array([0.3, -0.7]), np.array([1.2, 0.4])
    idx = np.array([1, 0, 1, 1])

    def f(c, w):  # integer xs index a closed-over traced array; integer ys are stacked
        return lax.scan(lambda c, i: (c * fnp.take(w, i) + fnp.sin(c), i * 2), c, idx)

    c_ref, ys_ref = x, []
    for i in idx:
        c_ref, ys_ref = c_ref * w[i] + np.sin(c_ref), ys_ref + [i * 2]
    carry, ys = f(x, w)
    assert_same_as_numpy(carry, c_ref)
    assert_same_as_numpy(ys, np.array(ys_ref))
    assert_derivatives(lambda c, w: fnp.sum(f(c, w)[0]), (x, w), order=2)

    def g(c, w):
        def outer(c, x):
            inner, _ = lax.scan(lambda d, y: (fnp.sin(d) * y + w, d), c, fnp.stack([x, x * 2]))
            return inner, c
        return fnp.sum(lax.scan(outer, c, fnp.stack([w, c, w]))[0])

    def g_ref(c, w):
        c0 = c
        for x in (w, c0, w):
            for y in (x, x * 2):
                c = np.sin(c) * y + w
        return np.sum(c)

    assert_same_as_numpy(g(x, w), g_ref(x, w))
    assert_derivatives(g, (x, w), order=2)
    closed, _ = _assert_valid_with_grad_ir(g, (x, w), argnums=(0, 1))
    assert str(closed).count("scan[") == 2
