"""Python control flow on traced values: guards.

When Python asks a concrete tracer for its value (``if``, ``while``, ``int()``, ``range(n)``,
indexing a Python list), the trace records ``guard[expect=...]`` and the IR is specialized to
the path taken: it gives the right answer on inputs taking the same path and raises
``GuardFailure`` on inputs taking another. Guards survive transforms and dead-code
elimination. On an abstract tracer there is no value: a ``ConcretizationTypeError`` explains
what to do instead, and the trace stack is clean afterwards."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import (
    ConcretizationTypeError, ShapeDtypeStruct, check_jaxpr, eval_jaxpr, grad, jit, jvp, lax,
    make_jaxpr,
)
from fungrad.core import GuardFailure, current_trace_level

from helpers import assert_same_as_numpy, tutorial


def _eval(closed, *args):
    return eval_jaxpr(closed.jaxpr, closed.consts, *args)


def _guards(text: str) -> list[str]:
    """The ``expect`` values of the guard equations printed in ``text`` (other params,
    such as the kind of conversion, may follow in the brackets)."""
    return re.findall(r"guard\[expect=([^\] ]+)[\] ]", text)


# ============================================================================ guard mechanisms

def _if(m):
    return lambda x, n: x * 2.0 if x > 0 else -x


def _while(m):
    def f(x, n):
        while x < 10.0:
            x = x * 3.0
        return x
    return f


def _int(m):
    return lambda x, n: x * int(n)


def _range(m):
    def f(x, n):
        for _ in range(n):
            x = m.sin(x) + 1.0
        return x
    return f


def _list_index(m):
    return lambda x, n: [m.sin, m.cos, m.exp][n](x)


def _float(m):
    return lambda x, n: m.sin(x) * float(n)


# (name, function of the module, traced at, same path, another path, guard text, #guards)
GUARD_CASES = [
    ("if", _if, (1.5, 0), (4.0, 0), (-2.0, 0), "True", 1),
    # 0.5 -> 1.5 -> 4.5 -> 13.5: three multiplications; 0.4 takes the same three; 5.0 one
    ("while", _while, (0.5, 0), (0.4, 0), (5.0, 0), "False", 4),
    ("int", _int, (1.5, np.int64(3)), (-7.0, np.int64(3)), (1.5, np.int64(4)),
     "3", 1),
    ("range", _range, (0.3, np.int64(3)), (2.0, np.int64(3)), (0.3, np.int64(2)),
     "3", 1),
    ("list index", _list_index, (0.3, np.int64(1)), (2.0, np.int64(1)), (0.3, np.int64(2)),
     "1", 1),
    ("float", _float, (0.3, np.float64(2.5)), (1.1, np.float64(2.5)),
     (0.3, np.float64(2.0)), "2.5", 1),
]


@pytest.mark.parametrize("case", GUARD_CASES, ids=[c[0] for c in GUARD_CASES])
def test_python_control_flow_records_guard_and_ir_is_path_specific(case):
    _, make, at, same, other, expect, n_guards = case
    f, ref = make(fnp), make(np)
    closed = make_jaxpr(f)(*at)
    check_jaxpr(closed)
    printed = str(closed)
    assert expect in _guards(printed), printed
    assert printed.count("guard[") == len(_guards(printed)) == n_guards
    # the IR gives the right answer on inputs taking the same path ...
    assert_same_as_numpy(_eval(closed, *map(np.asarray, same))[0],
                         np.asarray(ref(*same), np.float64))
    assert_same_as_numpy(closed(*map(np.asarray, at))[0], np.asarray(ref(*at), np.float64))
    # ... and refuses inputs taking another
    with pytest.raises(GuardFailure):
        _eval(closed, *map(np.asarray, other))
    assert current_trace_level() == 0
    # retracing on the other input records the other path
    closed_other = make_jaxpr(f)(*other)
    assert_same_as_numpy(_eval(closed_other, *map(np.asarray, other))[0],
                         np.asarray(ref(*other), np.float64))
    with pytest.raises(GuardFailure):
        _eval(closed_other, *map(np.asarray, at))


def test_guard_on_boolean_and_size_one_arrays():
    closed = make_jaxpr(lambda b, x: x * 2.0 if b else x)(np.bool_(True), 1.0)
    assert "guard[expect=True] a" in str(closed)
    assert_same_as_numpy(closed(np.bool_(True), np.float64(3.0))[0], np.float64(6.0))
    with pytest.raises(GuardFailure):
        closed(np.bool_(False), np.float64(3.0))
    # a size-1 array converts like numpy's does (reshaped to a scalar for the guard)
    x = np.array([[0.5]])
    assert bool(x > 0)
    closed = make_jaxpr(lambda x: x * 2.0 if x > 0 else -x)(x)
    assert "guard[expect=True]" in str(closed)
    check_jaxpr(closed)
    assert_same_as_numpy(closed(np.array([[3.0]]))[0], np.array([[6.0]]))
    with pytest.raises(GuardFailure):
        closed(np.array([[-3.0]]))


def test_int_of_float_traced_value_guards_on_the_converted_value():
    """``int(x)`` of a float tracer truncates, like Python: the path depends on int(x),
    so the guard must compare the truncated value (2.5 and 2.7 take the same path)."""
    def f(x):
        return x * int(x)

    closed = make_jaxpr(f)(2.5)
    assert "guard[" in str(closed)
    assert_same_as_numpy(closed(np.float64(2.5))[0], np.float64(2.5 * 2))
    assert_same_as_numpy(closed(np.float64(2.7))[0], np.float64(2.7 * 2))
    with pytest.raises(GuardFailure):
        closed(np.float64(3.5))
    assert current_trace_level() == 0


def test_float_of_nan_traced_value_does_not_fail_its_own_guard():
    """``math.isnan(x)`` calls ``float(x)``: with x = nan the guard must hold on nan."""
    def f(x):
        return x * 0.0 if math.isnan(x) else x * 2.0

    closed = make_jaxpr(f)(np.float64(np.nan))
    assert np.isnan(closed(np.float64(np.nan))[0])
    assert current_trace_level() == 0


# ============================================================================ transforms, DCE

def _branchy(x):
    if fnp.sum(x) > 0:
        return fnp.sum(fnp.sin(x) * x)
    return fnp.sum(x ** 3)


def test_guards_survive_grad_jvp_and_dce():
    x = np.array([0.5, 1.0, -0.2])
    g_ir = make_jaxpr(grad(_branchy))(x)
    check_jaxpr(g_ir)
    assert "guard[expect=True]" in str(g_ir)
    # the gradient IR on the same path gives the hand derivative, on another path refuses
    y = np.array([0.3, 0.2, 0.1])
    np.testing.assert_allclose(_eval(g_ir, y)[0], np.cos(y) * y + np.sin(y), rtol=1e-12)
    with pytest.raises(GuardFailure):
        _eval(g_ir, -y)
    g_ir2 = make_jaxpr(grad(_branchy))(-x)
    assert "guard[expect=False]" in str(g_ir2)
    np.testing.assert_allclose(_eval(g_ir2, -y)[0], 3 * y ** 2, rtol=1e-12)
    # second order and forward mode keep it too
    hv = make_jaxpr(lambda x: jvp(grad(_branchy), (x,), (np.ones(3),))[1])(x)
    assert "guard[expect=True]" in str(hv)
    check_jaxpr(hv)
    assert "guard[expect=True]" in str(make_jaxpr(fungrad.jacfwd(_branchy))(x))
    assert "guard[expect=True]" in str(make_jaxpr(fungrad.hessian(_branchy))(x))

    # a guard whose value nothing reads, in a function whose output is a constant
    def const_out(x):
        return 1.0 if x > 0 else 2.0

    closed = make_jaxpr(const_out)(1.0)
    assert "guard[expect=True]" in str(closed)
    with pytest.raises(GuardFailure):
        closed(np.float64(-1.0))
    closed = make_jaxpr(grad(lambda x: x * const_out(x)))(1.0)
    assert "guard[expect=True]" in str(closed)
    with pytest.raises(GuardFailure):
        closed(np.float64(-1.0))


def test_guard_on_closed_over_concrete_value_inside_cond_branch_goes_to_outer_ir():
    """A branch of lax.cond is traced abstractly, but a value it closes over from a concrete
    outer trace is known: its guard lands in the outer IR."""
    def f(x, s):
        return lax.cond(x > 0, lambda x: x * 2.0 if s > 0 else x, lambda x: -x, x)

    closed = make_jaxpr(f)(1.0, 2.0)
    text = str(closed)
    assert "guard[expect=True]" in text and "cond[" in text
    assert text.index("guard[") < text.index("cond[")  # not nested in a branch
    assert_same_as_numpy(closed(np.float64(-3.0), np.float64(1.0))[0], np.float64(3.0))
    assert_same_as_numpy(closed(np.float64(3.0), np.float64(1.0))[0], np.float64(6.0))
    with pytest.raises(GuardFailure):
        closed(np.float64(3.0), np.float64(-1.0))


# ============================================================================ abstract tracers

def _abstract_if(x, threshold):
    if threshold > 0:
        return x * threshold
    return x


def _abstract_while(x, threshold):
    while threshold < 10.0:
        threshold = threshold * 2.0
    return x * threshold


def _abstract_int(x, threshold):
    return x * int(threshold)


def _abstract_range(x, threshold):
    for _ in range(threshold):
        x = x * 2.0
    return x


def _abstract_index(x, threshold):
    return [x, -x, x * 2.0][threshold]


ABSTRACT_CASES = [
    ("if", _abstract_if, np.float64, "boolean conversion"),
    ("while", _abstract_while, np.float64, "boolean conversion"),
    ("int", _abstract_int, np.int64, "int()"),
    ("range", _abstract_range, np.int64, "index"),
    ("index", _abstract_index, np.int64, "index"),
]


@pytest.mark.parametrize("case", ABSTRACT_CASES, ids=[c[0] for c in ABSTRACT_CASES])
def test_guard_on_abstract_tracer_raises_concretization_error(case):
    _, f, dtype, what = case
    x_spec = ShapeDtypeStruct((2,), np.float64)
    t_spec = ShapeDtypeStruct((), dtype)
    with pytest.raises(ConcretizationTypeError) as info:
        make_jaxpr(f)(x_spec, t_spec)
    assert isinstance(info.value, TypeError)
    msg = str(info.value)
    assert what in msg
    # it names the argument responsible (and not the innocent one)
    assert "threshold" in msg
    assert "depends on the value of threshold" in msg
    # and says what to do instead
    assert "lax.cond" in msg and "lax.while_loop" in msg and "static_argnums" in msg
    assert current_trace_level() == 0
    # the next calls work: concretely (a guard) and abstractly without the control flow
    x = np.array([1.0, -2.0])
    t = np.asarray(2, dtype)
    closed = make_jaxpr(f)(x, t)
    assert "guard[" in str(closed)
    assert_same_as_numpy(closed(x, t)[0], np.asarray(f(x, t)))
    assert make_jaxpr(lambda x: x * 2.0)(x_spec).out_avals[0].shape == (2,)
    # marking it static is the documented way out
    closed = make_jaxpr(f, static_argnums=1)(x_spec, 2 if dtype == np.int64 else 2.0)
    assert "guard" not in str(closed)


@pytest.mark.parametrize("where, run", [
    ("branch", lambda: lax.cond(True, lambda x: x if x > 0 else -x, lambda x: x, 1.0)),
    ("branch", lambda: make_jaxpr(lambda y: lax.cond(y > 0, lambda x: x * int(x),
                                                     lambda x: x, y))(1.0)),
    ("switch", lambda: lax.switch(1, [lambda x: x, lambda x: x if x > 0 else -x], 1.0)),
    ("while_loop", lambda: lax.while_loop(lambda c: c < 3.0,
                                          lambda c: c + 1.0 if c > 0 else c + 2.0, 0.0)),
    ("while_loop", lambda: lax.while_loop(lambda c: bool(c < 3.0), lambda c: c + 1.0, 0.0)),
    ("scan", lambda: lax.scan(lambda c, x: (c * 2.0 if c > 0 else c, x), 1.0, np.ones(3))),
    ("scan", lambda: lax.fori_loop(0, 3, lambda i, c: c * float(i), 1.0)),
])
def test_guard_inside_lax_control_flow_raises_concretization_error(where, run):
    """Branches and loop bodies are traced abstractly (one IR for all values), even when
    the call itself has concrete inputs: Python control flow on their arguments fails."""
    with pytest.raises(ConcretizationTypeError) as info:
        run()
    msg = str(info.value)
    assert isinstance(info.value, TypeError)
    assert where in msg  # which sub-function was being traced
    assert "argument" in msg  # which of its values
    assert "lax.cond" in msg and "lax.while_loop" in msg and "static_argnums" in msg
    assert current_trace_level() == 0
    # the next call works
    assert_same_as_numpy(lax.cond(True, lambda x: x * 2.0, lambda x: x, 1.5),
                         np.float64(3.0))


# ============================================================================ non-scalar bool

@pytest.mark.parametrize("arg", [np.array([1.0, 2.0, 3.0]), ShapeDtypeStruct((3,),
                                                                             np.float64)])
def test_bool_of_non_scalar_traced_array_raises_type_error(arg):
    with pytest.raises(TypeError) as info:
        make_jaxpr(lambda x: x * 2.0 if x > 0 else x)(arg)
    msg = str(info.value)
    assert "f64[3]" in msg or "bool[3]" in msg
    assert "any()" in msg or ".any" in msg
    assert current_trace_level() == 0
    with pytest.raises(TypeError):
        grad(lambda x: fnp.sum(x) if x > 0 else 0.0)(np.ones(3))
    assert current_trace_level() == 0
    assert_same_as_numpy(grad(lambda x: fnp.sum(x * x))(np.ones(3)), np.full(3, 2.0))


# ============================================================================ the tutorial

def f_tutorial(a):
    return tutorial(a)


def f_tutorial_numpy(a):
    return tutorial(a, np)


def _tutorial_inputs(shape, n, seed):
    """Random magnitudes over six decades (many doubling counts), both signs."""
    rng = np.random.default_rng(seed)
    mags = 10.0 ** rng.uniform(-3, 3, size=(n,) + shape)
    signs = rng.choice([-1.0, 1.0], size=(n,) + shape)
    return mags * signs


@pytest.mark.parametrize("use_jit", [False, True])
def test_tutorial_gradient_scalar(use_jit):
    g = grad(lambda a: f_tutorial(a).sum())
    if use_jit:
        g = jit(g)
    inputs = _tutorial_inputs((), 100, seed=0)
    assert (inputs < 0).sum() > 20 and (inputs > 0).sum() > 20
    for a in inputs:
        expected = f_tutorial_numpy(a) / a
        np.testing.assert_allclose(g(a), expected, rtol=1e-12)
        assert np.asarray(g(a)).shape == ()
    if use_jit:
        assert g.trace_count < 100  # paths repeat: variants are reused


@pytest.mark.parametrize("use_jit", [False, True])
def test_tutorial_gradient_vector(use_jit):
    g = grad(lambda a: f_tutorial(a).sum())
    if use_jit:
        g = jit(g)
    inputs = _tutorial_inputs((3,), 100, seed=1) / 10.0
    n_negative_sum = 0
    for a in inputs:
        expected = f_tutorial_numpy(a) / a
        n_negative_sum += np.sum(a) < 0
        out = g(a)
        assert np.asarray(out).shape == (3,)
        np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert 20 < n_negative_sum < 80
