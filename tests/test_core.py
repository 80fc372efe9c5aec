"""The core: abstract values, the IR and how it prints, validation, evaluation and tracing
(guards, concretization errors, leaked tracers, weak types, a clean trace stack)."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import (
    ClosedJaxpr, ConcretizationTypeError, Jaxpr, ShapeDtypeStruct, ShapedArray,
    UnexpectedTracerError, check_jaxpr, eval_jaxpr, grad, make_jaxpr,
)
from fungrad.core import (
    DropVar, Eqn, GuardFailure, Literal, Primitive, Tracer, Var, bind, current_trace_level,
)

from helpers import assert_same_as_numpy, assert_traces_and_replays, rand


def _names(n):
    """The first n variable names JAX uses: a..z, then ba, bb, ... (written out by hand)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return (list(letters) + ["b" + c for c in letters])[:n]


# ------------------------------------------------------------------- abstract values

@pytest.mark.parametrize("shape, dtype, text", [
    ((3, 4), np.float64, "f64[3,4]"),
    ((), np.float32, "f32[]"),
    ((2,), np.int64, "i64[2]"),
    ((), np.bool_, "bool[]"),
    ((1, 0, 5), np.int32, "i32[1,0,5]"),
])
def test_shaped_array_prints_as_jax_does(shape, dtype, text):
    aval = ShapedArray(shape, dtype)
    assert aval.str_short() == text  # jaxprs print the short dtype names, as JAX's do
    long_name = np.dtype(dtype).name
    assert str(aval) == long_name + text[text.index("["):]  # JAX's str: float64[3,4]
    assert repr(aval) == f"ShapedArray({aval})"
    weak = ShapedArray(shape, dtype, weak_type=True)
    assert (str(weak), repr(weak)) == ("~" + str(aval), f"ShapedArray({aval}, weak_type=True)")
    assert aval.shape == shape and aval.dtype == np.dtype(dtype)


def test_shaped_array_equality_and_hash_include_weak_type():
    a = ShapedArray((2,), np.float64)
    assert a == ShapedArray([2], "float64")
    assert hash(a) == hash(ShapedArray((2,), np.float64))
    assert a != ShapedArray((2,), np.float64, weak_type=True)
    assert a != ShapedArray((3,), np.float64)
    assert a != ShapedArray((2,), np.float32)


# ------------------------------------------------------------------- printing

def test_exact_print_of_a_small_jaxpr():
    closed = make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3))
    assert str(closed) == ("{ lambda ; a:f64[3]. let b:f64[3] = sin a; c:f64[3] = mul b 2.0 "
                           "in (c,) }")
    assert isinstance(closed, ClosedJaxpr) and isinstance(closed.jaxpr, Jaxpr)
    assert repr(closed) == str(closed)


def test_long_jaxpr_prints_one_equation_per_line():
    closed = make_jaxpr(lambda x: fnp.cos(fnp.sin(x) * 2.0) + x)(np.ones(3))
    assert str(closed) == (
        "{ lambda ; a:f64[3]. let\n"
        "    b:f64[3] = sin a\n"
        "    c:f64[3] = mul b 2.0\n"
        "    d:f64[3] = cos c\n"
        "    e:f64[3] = add d a\n"
        "  in (e,) }")


def test_multiple_outputs_print_without_trailing_comma():
    closed = make_jaxpr(lambda x: (fnp.sin(x), fnp.cos(x)))(np.ones(2))
    assert str(closed) == ("{ lambda ; a:f64[2]. let b:f64[2] = sin a; c:f64[2] = cos a "
                           "in (b c) }")


def test_variable_names_run_a_to_z_then_ba_bb():
    def chain(x):
        for _ in range(28):
            x = fnp.sin(x)
        return x

    text = str(make_jaxpr(chain)(np.ones(2)))
    names = _names(29)
    lines = text.splitlines()
    assert lines[0] == "{ lambda ; a:f64[2]. let"
    expected_eqns = [f"    {names[i + 1]}:f64[2] = sin {names[i]}" for i in range(28)]
    assert lines[1:-1] == expected_eqns
    assert lines[-1] == "  in (bc,) }"
    assert "    ba:f64[2] = sin z" in lines and "    bb:f64[2] = sin ba" in lines


def test_params_print_sorted_in_brackets():
    # a primitive defined right here: impl and shape rule are all it needs to trace and print
    scale_p = Primitive("scale_shift")
    scale_p.impl = lambda x, zeta, alpha: x * alpha + zeta
    scale_p.abstract_eval = lambda aval, zeta, alpha: aval
    closed = make_jaxpr(lambda x: bind(scale_p, x, zeta=1, alpha=2))(np.ones(2))
    assert str(closed) == ("{ lambda ; a:f64[2]. let b:f64[2] = scale_shift[alpha=2 zeta=1] a "
                           "in (b,) }")
    # and a real primitive with a param
    closed = make_jaxpr(lambda x: fnp.sum(x, axis=0))(np.ones((3, 4)))
    assert str(closed) == ("{ lambda ; a:f64[3,4]. let b:f64[4] = reduce_sum[axes=(0,)] a "
                           "in (b,) }")


def test_array_constants_become_constvars():
    const = np.arange(3.0)
    closed = make_jaxpr(lambda x: x + const)(np.ones(3))
    assert str(closed) == "{ lambda a:f64[3] ; b:f64[3]. let c:f64[3] = add b a in (c,) }"
    assert len(closed.consts) == 1
    np.testing.assert_array_equal(closed.consts[0], const)
    assert_same_as_numpy(closed(np.full(3, 5.0))[0], np.full(3, 5.0) + const)


def test_scalar_literals_are_inline_and_f32_literals_show_their_type():
    # a Python float is weak: it prints bare and the f32 array stays f32
    closed = make_jaxpr(lambda x: x * 2.0)(np.ones(3, np.float32))
    assert str(closed) == "{ lambda ; a:f32[3]. let b:f32[3] = mul a 2.0 in (b,) }"
    assert closed.consts == []
    # a numpy float32 scalar is a strongly typed f32 literal
    closed = make_jaxpr(lambda x: x * np.float32(2.0))(np.ones(3, np.float32))
    assert str(closed) == "{ lambda ; a:f32[3]. let b:f32[3] = mul a 2.0:f32[] in (b,) }"
    assert closed.consts == []
    # a numpy float64 scalar is strong (NEP 50): f32 * f64 scalar is f64, as in numpy
    closed = make_jaxpr(lambda x: x * np.float64(2.0))(np.ones(3, np.float32))
    assert closed.out_avals[0].dtype == (np.ones(3, np.float32) * np.float64(2.0)).dtype
    assert closed.consts == []


def test_unused_outputs_print_as_underscore():
    # no traced primitive drops outputs yet, so build the IR by hand: a two-output equation
    # whose second output nobody reads
    split_p = Primitive("split_halves", multiple_results=True)
    split_p.impl = lambda x: [x[:1], x[1:]]
    split_p.abstract_eval = lambda a: [ShapedArray((1,), a.dtype), ShapedArray((1,), a.dtype)]
    a = Var(ShapedArray((2,), np.float64))
    b = Var(ShapedArray((1,), np.float64))
    dropped = DropVar(ShapedArray((1,), np.float64))
    jaxpr = Jaxpr([], [a], [Eqn(split_p, [a], {}, [b, dropped])], [b])
    assert str(jaxpr) == "{ lambda ; a:f64[2]. let b:f64[1] _ = split_halves a in (b,) }"
    check_jaxpr(jaxpr)
    assert_same_as_numpy(eval_jaxpr(jaxpr, [], np.array([3.0, 4.0]))[0], np.array([3.0]))


def test_shape_dtype_struct_traces_abstractly():
    spec = ShapeDtypeStruct((2, 3), np.float32)
    closed = make_jaxpr(fnp.sin)(spec)
    assert str(closed) == "{ lambda ; a:f32[2,3]. let b:f32[2,3] = sin a in (b,) }"
    seen = []

    def f(x, y):
        seen.append((x.val, y.val))
        return fnp.dot(x, y)

    closed = make_jaxpr(f)(ShapeDtypeStruct((2, 3)), ShapeDtypeStruct((3,)))
    assert seen == [(None, None)]  # nothing computed: shapes only
    assert closed.out_avals == [ShapedArray((2,), np.float64)]
    closed, shape = make_jaxpr(f, return_shape=True)(ShapeDtypeStruct((4, 3)),
                                                     ShapeDtypeStruct((3,)))
    assert shape.shape == (4,) and shape.dtype == np.float64


# ------------------------------------------------------------------- check_jaxpr

def test_check_jaxpr_accepts_traced_ir():
    check_jaxpr(make_jaxpr(lambda x, y: fnp.tanh(x @ y).sum() * 3.0)(rand((2, 3)), rand(3)))
    check_jaxpr(make_jaxpr(lambda x: x + np.arange(3.0))(np.ones(3)))
    check_jaxpr(make_jaxpr(lambda x: x + np.arange(3.0))(np.ones(3)).jaxpr)


def test_check_jaxpr_rejects_variable_used_before_definition():
    closed = make_jaxpr(lambda x: fnp.cos(fnp.sin(x)))(np.ones(3))
    sin_eqn, cos_eqn = closed.jaxpr.eqns
    broken = Jaxpr(closed.jaxpr.constvars, closed.jaxpr.invars, [cos_eqn, sin_eqn],
                   closed.jaxpr.outvars)
    with pytest.raises(ValueError, match="not defined"):
        check_jaxpr(broken)
    # an output that no equation defines
    stray = Var(ShapedArray((3,), np.float64))
    broken = Jaxpr([], closed.jaxpr.invars, closed.jaxpr.eqns, [stray])
    with pytest.raises(ValueError, match="not defined"):
        check_jaxpr(broken)


def test_check_jaxpr_rejects_wrong_output_aval():
    closed = make_jaxpr(lambda x: fnp.sin(x))(np.ones(3))
    (eqn,) = closed.jaxpr.eqns
    wrong = Var(ShapedArray((4,), np.float64))  # sin of f64[3] is not f64[4]
    broken = Jaxpr([], closed.jaxpr.invars, [Eqn(eqn.primitive, eqn.inputs, eqn.params,
                                                 [wrong])], [wrong])
    with pytest.raises(ValueError, match=r"f64\[4\].*f64\[3\]"):
        check_jaxpr(broken)
    wrong_dtype = Var(ShapedArray((3,), np.float32))
    broken = Jaxpr([], closed.jaxpr.invars, [Eqn(eqn.primitive, eqn.inputs, eqn.params,
                                                 [wrong_dtype])], [wrong_dtype])
    with pytest.raises(ValueError, match=r"f32\[3\]"):
        check_jaxpr(broken)


def test_check_jaxpr_rejects_double_definition_and_bad_operands():
    closed = make_jaxpr(lambda x: fnp.sin(x))(np.ones(3))
    (eqn,) = closed.jaxpr.eqns
    (a,) = closed.jaxpr.invars
    # the equation redefines its own input
    broken = Jaxpr([], [a], [Eqn(eqn.primitive, [a], {}, [a])], [a])
    with pytest.raises(ValueError, match="defined twice"):
        check_jaxpr(broken)
    # an add of f64[3] and f64[4] fails its shape rule: reported as ValueError
    add_p = make_jaxpr(lambda x, y: x + y)(np.ones(3), np.ones(3)).jaxpr.eqns[0].primitive
    b = Var(ShapedArray((4,), np.float64))
    out = Var(ShapedArray((3,), np.float64))
    broken = Jaxpr([], [a, b], [Eqn(add_p, [a, b], {}, [out])], [out])
    with pytest.raises(ValueError, match="add"):
        check_jaxpr(broken)
    # a ClosedJaxpr with the wrong number of constants
    closed = make_jaxpr(lambda x: x + np.arange(3.0))(np.ones(3))
    with pytest.raises(ValueError):
        check_jaxpr(ClosedJaxpr(closed.jaxpr, []))


# ------------------------------------------------------------------- eval_jaxpr

def test_eval_jaxpr_evaluates_on_new_inputs():
    assert_traces_and_replays(lambda x, y: fnp.sin(x) * y + np.arange(3.0),
                              (np.ones(3), 2.0), (rand(3, seed=1), 0.5))
    closed = make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.zeros(2))
    out = eval_jaxpr(closed.jaxpr, closed.consts, np.array([0.0, np.pi / 2]))
    assert isinstance(out, list) and len(out) == 1
    assert_same_as_numpy(out[0], np.sin(np.array([0.0, np.pi / 2])) * 2.0)
    with pytest.raises(TypeError, match="arguments"):
        eval_jaxpr(closed.jaxpr, closed.consts)


def test_eval_jaxpr_is_traceable_and_differentiable():
    closed = make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3))

    def via_ir(x):
        return eval_jaxpr(closed.jaxpr, closed.consts, x)[0] + 1.0

    traced = make_jaxpr(via_ir)(np.ones(3))
    assert str(traced) == ("{ lambda ; a:f64[3]. let\n"
                           "    b:f64[3] = sin a\n"
                           "    c:f64[3] = mul b 2.0\n"
                           "    d:f64[3] = add c 1.0\n"
                           "  in (d,) }")
    x = rand(3, seed=2)
    assert_same_as_numpy(grad(lambda x: fnp.sum(via_ir(x)))(x), 2.0 * np.cos(x))


# ------------------------------------------------------------------- long traces

N_STEPS = 33_334  # three equations per step: just over 100,000 equations


def _long_chain(x):
    for _ in range(N_STEPS):
        x = x + fnp.sin(x) * 1e-5
    return x


def _long_chain_reference(x):
    """Value and derivative (elementwise) of ``_long_chain`` by hand, in numpy."""
    d = np.ones_like(x)
    for _ in range(N_STEPS):
        d = d * (1.0 + 1e-5 * np.cos(x))
        x = x + np.sin(x) * 1e-5
    return x, d


def test_100k_equations_trace_print_check_evaluate_and_differentiate():
    x0 = np.array([0.5, 1.0, 2.0])
    closed = make_jaxpr(_long_chain)(x0)
    assert len(closed.eqns) == 3 * N_STEPS >= 100_000
    text = str(closed)  # printing walks the IR without recursion
    lines = text.splitlines()
    assert len(lines) == len(closed.eqns) + 2
    assert lines[1] == "    b:f64[3] = sin a" and lines[-1].startswith("  in (")
    check_jaxpr(closed)
    x1 = np.array([-1.0, 0.1, 3.0])
    value, derivative = _long_chain_reference(x1)
    assert_same_as_numpy(closed(x1)[0], value, rtol=1e-10)
    g = grad(lambda x: fnp.sum(_long_chain(x)))(x1)
    assert_same_as_numpy(g, derivative, rtol=1e-10)
    assert current_trace_level() == 0


# ------------------------------------------------------------------- tracing

def test_concrete_tracing_computes_values_and_tracer_repr_shows_aval():
    seen = {}

    def f(x):
        y = fnp.sin(x) * 2.0
        seen["x_val"], seen["y_val"] = x.val, y.val
        seen["repr"] = repr(y)
        seen["is_tracer"] = isinstance(y, Tracer)
        return y

    x = np.array([0.0, 1.0, 2.0])
    make_jaxpr(f)(x)
    assert seen["is_tracer"]
    np.testing.assert_array_equal(seen["x_val"], x)
    assert_same_as_numpy(seen["y_val"], np.sin(x) * 2.0)
    assert "f64[3]" in seen["repr"]
    make_jaxpr(f)(ShapeDtypeStruct((3,), np.float64))
    assert seen["y_val"] is None
    assert "f64[3]" in seen["repr"]


def test_python_if_on_concrete_tracer_records_guard():
    def f(x):
        if x > 0.0:
            return x * 2.0
        return -x

    closed = make_jaxpr(f)(np.float64(1.0))
    assert str(closed) == ("{ lambda ; a:f64[]. let\n"
                           "    b:bool[] = gt a 0.0\n"
                           "    guard[expect=True] b\n"
                           "    c:f64[] = mul a 2.0\n"
                           "  in (c,) }")
    other = make_jaxpr(f)(np.float64(-1.0))
    assert "guard[expect=False]" in str(other) and "neg" in str(other)
    check_jaxpr(closed)
    # the IR is specialized to the path taken: its guard stops another path
    assert_same_as_numpy(closed(np.float64(3.0))[0], np.float64(6.0))
    with pytest.raises(GuardFailure):
        closed(np.float64(-3.0))
    # guards survive dead-code elimination even though nothing reads their result
    closed = make_jaxpr(lambda x: 1.0 if x > 0.0 else 2.0)(1.0)
    assert "guard[expect=True]" in str(closed)


def test_range_over_traced_int_records_guard():
    def f(x, n):
        for _ in range(n):
            x = x * 2.0
        return x

    closed = make_jaxpr(f)(1.0, np.int64(3))
    text = str(closed)
    assert "guard[expect=3]" in text
    assert text.count("mul") == 3


def test_bool_of_abstract_tracer_raises_concretization_error():
    def f(scale, threshold):
        if threshold > 0.0:
            return scale * threshold
        return scale

    spec = ShapeDtypeStruct((), np.float64)
    with pytest.raises(ConcretizationTypeError) as info:
        make_jaxpr(f)(spec, spec)
    assert isinstance(info.value, TypeError)
    msg = str(info.value)
    assert "threshold" in msg and "scale" not in msg.split("depends on")[1].split(".")[0]
    assert "lax.cond" in msg and "static_argnums" in msg
    assert "bool[]" in msg
    assert current_trace_level() == 0
    # the next call works, concretely and abstractly
    assert str(make_jaxpr(f)(2.0, 3.0)).count("guard[expect=True]") == 1
    assert make_jaxpr(lambda s: s * 2.0)(spec).out_avals == [ShapedArray((), np.float64)]


def test_int_and_float_of_abstract_tracer_raise_concretization_error():
    spec = ShapeDtypeStruct((), np.float64)
    with pytest.raises(ConcretizationTypeError, match="value of x"):
        make_jaxpr(lambda x: float(x))(spec)
    with pytest.raises(ConcretizationTypeError):
        make_jaxpr(lambda x: x[int(fnp.argmax(x))])(ShapeDtypeStruct((3,), np.float64))
    assert current_trace_level() == 0


def test_numpy_conversion_of_tracer_raises_type_error():
    with pytest.raises(TypeError, match="cannot become a numpy array"):
        make_jaxpr(lambda x: np.asarray(x))(np.ones(3))
    with pytest.raises(TypeError, match="cannot become a numpy array"):
        grad(lambda x: np.sum(np.sin(x)))(np.ones(3))
    assert current_trace_level() == 0
    assert_same_as_numpy(grad(lambda x: fnp.sum(fnp.sin(x)))(np.zeros(3)), np.ones(3))


def test_leaked_tracer_raises_when_used_later():
    leaked = []

    def leaky_function(x):
        leaked.append(x * 2.0)
        return x

    make_jaxpr(leaky_function)(np.ones(3))
    (tracer,) = leaked
    with pytest.raises(UnexpectedTracerError, match="leaky_function") as info:
        fnp.sin(tracer)
    assert isinstance(info.value, TypeError)
    assert "f64[3]" in str(info.value)
    # leaked from grad's trace, too
    def leaky_loss(x):
        return fnp.sum(leaky_function(x))

    grad(leaky_loss)(np.ones(3))
    with pytest.raises(UnexpectedTracerError, match="leaky_loss"):
        leaked[-1] * 3.0
    with pytest.raises(UnexpectedTracerError):
        tracer + 1.0
    # used inside a later transform, as the first operand
    with pytest.raises(UnexpectedTracerError):
        make_jaxpr(lambda x: tracer + x)(np.ones(3))
    with pytest.raises(UnexpectedTracerError):
        grad(lambda x: fnp.sum(tracer * x))(np.ones(3))
    # returned from a later transform
    with pytest.raises(UnexpectedTracerError):
        make_jaxpr(lambda x: tracer)(np.ones(3))
    assert current_trace_level() == 0


def test_leaked_tracer_used_as_second_operand_in_a_later_trace_raises():
    # The later trace has the same level as the dead one; the dead tracer must not be
    # silently captured as a constant of the new IR.
    leaked = []
    make_jaxpr(lambda x: leaked.append(x * 2.0) or x)(np.ones(3))
    (tracer,) = leaked
    with pytest.raises(UnexpectedTracerError):
        make_jaxpr(lambda x: x + tracer)(np.ones(3))
    assert current_trace_level() == 0


def test_weak_types_follow_numpy():
    # a Python float input stays weak: f32 array * that input is f32, as in numpy
    closed = make_jaxpr(lambda x, s: x * s)(np.ones(3, np.float32), 2.0)
    assert closed.in_avals[1].weak_type
    assert closed.out_avals[0].dtype == (np.ones(3, np.float32) * 2.0).dtype == np.float32
    assert_same_as_numpy(closed(np.ones(3, np.float32), 3.0)[0], np.full(3, 3.0, np.float32))
    # a numpy float64 array input is strong: promotes to f64
    closed = make_jaxpr(lambda x, s: x * s)(np.ones(3, np.float32), np.ones(3))
    assert closed.out_avals[0].dtype == np.float64
    # a weak Python scalar result alone stays float64 when it meets nothing else
    closed = make_jaxpr(lambda s: s * 2.0)(2.0)
    assert closed.out_avals[0].dtype == np.float64


def test_weak_type_survives_arithmetic_with_python_scalars():
    # Eagerly, (s + 1.0) with s a Python float is a Python float, so x_f32 * (s + 1.0) is
    # float32 (NEP 50). Traced with s a weak input, the IR must agree with eager numpy.
    x32 = np.ones(3, np.float32)
    for f in (lambda x, s: x * (s + 1.0), lambda x, s: x * (s * s), lambda x, s: x - 2.0 * s):
        eager = f(x32, 2.0)
        assert eager.dtype == np.float32
        closed = make_jaxpr(f)(x32, 2.0)
        assert closed.out_avals[0].dtype == eager.dtype, str(closed)
        assert_same_as_numpy(closed(x32, 2.0)[0], eager)


def test_next_call_works_after_exceptions_inside_traces():
    def boom(x):
        fnp.sin(x)
        raise RuntimeError("user error inside a trace")

    def bad_shapes(x):
        return fnp.sum(x + np.ones(4))

    def inner_fails(x):
        return grad(lambda y: boom(y * x))(x)

    x = np.ones(3)
    for fun, exc in [(lambda: make_jaxpr(boom)(x), RuntimeError),
                     (lambda: grad(boom)(1.0), RuntimeError),
                     (lambda: grad(bad_shapes)(x), ValueError),
                     (lambda: fungrad.jvp(bad_shapes, (x,), (x,)), ValueError),
                     (lambda: grad(inner_fails)(1.0), RuntimeError),
                     (lambda: make_jaxpr(bad_shapes)(ShapeDtypeStruct((3,))), ValueError)]:
        with pytest.raises(exc):
            fun()
        assert current_trace_level() == 0
        assert_same_as_numpy(grad(lambda y: fnp.sum(fnp.sin(y) * 2.0))(x), 2.0 * np.cos(x))
        assert str(make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3))) == (
            "{ lambda ; a:f64[3]. let b:f64[3] = sin a; c:f64[3] = mul b 2.0 in (c,) }")


def test_literal_and_var_are_plain_data():
    closed = make_jaxpr(lambda x: fnp.sin(x) * 2.0)(np.ones(3))
    sin_eqn, mul_eqn = closed.eqns
    assert sin_eqn.primitive.name == "sin" and mul_eqn.primitive.name == "mul"
    assert mul_eqn.inputs[0] is sin_eqn.outvars[0]
    lit = mul_eqn.inputs[1]
    assert isinstance(lit, Literal) and lit.val == 2.0 and lit.aval.shape == ()
    assert closed.in_avals == [ShapedArray((3,), np.float64)]
    assert closed.out_avals == [ShapedArray((3,), np.float64)]
