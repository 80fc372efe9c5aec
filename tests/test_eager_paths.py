"""The shortcuts of eager ``value_and_grad`` (issue 15), each against the general path it
stands in for, on the same inputs: the same values and dtypes, and the same error for bad
input."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import api, api_util
from fungrad.array import wrap
from fungrad.core import ShapedArray, any_tracer, current_trace_level, new_trace, \
    trace_to_jaxpr
from fungrad.ir import Jaxpr, Literal, Var
from fungrad.tree_util import tree_flatten, tree_leaves, tree_structure
from fungrad.vjp import structure_key


def _same(a, b):
    """Same structure, and leaf by leaf the same type, dtype, shape and values (exactly:
    both paths do the same arithmetic)."""
    assert tree_structure(a) == tree_structure(b)
    for x, y in zip(tree_leaves(a), tree_leaves(b)):
        assert type(x) is type(y)
        assert x.dtype == y.dtype and np.shape(x) == np.shape(y)
        np.testing.assert_array_equal(x, y)


def _loss(x, y=2.0):
    return fnp.sum(fnp.tanh(x) * y) + 0.5 * fnp.sum(x * x)


INPUTS = [0.3, np.float32(0.3), np.linspace(-1, 1, 5), np.linspace(-1, 1, 6).reshape(2, 3),
          np.linspace(-1, 1, 4).astype(np.float32), np.zeros((0, 2)), wrap(np.ones(3))]


# ------------------------------------------------------------ _FlatFun: leaves as arguments

@pytest.mark.parametrize("x", INPUTS)
def test_leaf_arguments_and_single_output_match_the_rebuilt_tree(x):
    results = []
    for shortcut in (True, False):
        flat, in_tree = tree_flatten((x, 3.0))
        flat_fun = api_util._FlatFun(_loss, in_tree, what="grad")
        assert flat_fun.leaf_args
        # False: unflatten the arguments, flatten the output
        flat_fun.leaf_args = flat_fun.leaf_output = shortcut
        closed, outs = trace_to_jaxpr(flat_fun, flat)
        results.append((str(closed), flat_fun.out_tree, flat_fun.num_out,
                        [o.val for o in outs]))
    (j0, t0, n0, v0), (j1, t1, n1, v1) = results
    assert (j0, t0, n0) == (j1, t1, n1) and t0 == api_util.LEAF and n0 == 1
    _same(v0, v1)


def test_structured_arguments_are_rebuilt():
    flat, in_tree = tree_flatten(({"a": np.ones(2)}, (np.ones(2),)))
    assert not api_util._FlatFun(lambda p, q: p["a"], in_tree).leaf_args
    results = []
    for shortcut in (True, False):  # the output shortcut alone, on rebuilt arguments
        flat_fun = api_util._FlatFun(lambda p, q: fnp.sum(p["a"] * q[0]), in_tree)
        flat_fun.leaf_output = shortcut
        closed, outs = trace_to_jaxpr(flat_fun, flat)
        results.append((str(closed), flat_fun.out_tree, flat_fun.num_out, outs[0].val))
    assert results[0][:3] == results[1][:3]
    _same(results[0][3], results[1][3])
    vg = fungrad.value_and_grad(lambda p, q: fnp.sum(p["a"] * q[0]), argnums=(0, 1))
    (value, (gp, gq)) = vg({"a": np.ones(2)}, (np.full(2, 3.0),))
    assert value == 6.0
    np.testing.assert_array_equal(gp["a"], np.full(2, 3.0))
    np.testing.assert_array_equal(gq[0], np.ones(2))


@pytest.mark.parametrize("bad", [lambda x: "text", lambda x: [x, object()]])
def test_bad_outputs_raise_the_general_error(bad):
    flat, in_tree = tree_flatten((np.ones(2),))
    messages = []
    for shortcut in (True, False):
        flat_fun = api_util._FlatFun(bad, in_tree, what="grad")
        flat_fun.leaf_args = flat_fun.leaf_output = shortcut
        with pytest.raises(TypeError) as err:
            trace_to_jaxpr(flat_fun, flat)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "grad: the output of <lambda> contains" in messages[0]
    assert current_trace_level() == 0


# ---------------------------------------------------- value_and_grad: one int argnum, one leaf

@pytest.mark.parametrize("x", INPUTS)
def test_one_int_argnum_matches_the_general_argnums(x):
    fast = fungrad.value_and_grad(_loss)(x, 3.0)
    value, (g,) = fungrad.value_and_grad(_loss, argnums=(0,))(x, 3.0)
    _same(fast, (value, g))
    _same(fast, fungrad.value_and_grad(_loss, argnums=-2)(x, 3.0))  # negative: general
    expected = np.asarray(x).dtype if np.asarray(x).dtype != np.float64 or \
        not isinstance(x, float) else np.float64
    assert fast[1].dtype == expected


def test_one_int_argnum_of_a_pytree_argument():
    params = {"w": np.arange(3.0), "b": np.float64(0.5)}
    fast = fungrad.value_and_grad(lambda p: fnp.sum(p["w"] * p["b"]))(params)
    general = fungrad.value_and_grad(lambda p: fnp.sum(p["w"] * p["b"]), argnums=(0,))(params)
    _same(fast, (general[0], general[1][0]))


@pytest.mark.parametrize("argnums", [1, -2, 5])
def test_argnums_out_of_range_is_the_general_error(argnums):
    with pytest.raises(ValueError) as fast:
        fungrad.value_and_grad(_loss, argnums=argnums)(np.ones(2))
    with pytest.raises(ValueError) as general:
        fungrad.value_and_grad(_loss, argnums=(argnums,))(np.ones(2))
    assert str(fast.value) == str(general.value).replace(f"({argnums},)", str(argnums))
    assert "out of range for a call with 1 positional argument" in str(fast.value)


@pytest.mark.parametrize("bad, message", [
    (np.arange(3), "grad requires real- or complex-valued inputs"),
    (wrap(np.arange(3)), "grad requires real- or complex-valued inputs"),
    ("text", "grad: argument leaf 0 contains a value of type str"),
    (np.ones(3, bool), "grad requires real- or complex-valued inputs"),
])
def test_bad_inputs_raise_the_general_errors(bad, message):
    errors = []
    for argnums in (0, (0,)):
        with pytest.raises(TypeError) as err:
            fungrad.value_and_grad(_loss, argnums=argnums)(bad)
        errors.append(str(err.value))
    assert errors[0] == errors[1] and message in errors[0]
    assert fungrad.grad(_loss)(np.zeros(2)).tolist() == [2.0, 2.0]  # the next call works


# ------------------------------------------------------------- the outermost trace's values

@pytest.mark.parametrize("x", INPUTS[:5])
def test_outermost_values_match_the_forward_environment(monkeypatch, x):
    fast = fungrad.value_and_grad(_loss)(x)
    ct = np.ones((), fast[0].dtype)
    vjp_fast = fungrad.vjp(_loss, x)[1](ct)
    # a trace level above zero takes the general path: forward_env and recorded guards
    monkeypatch.setattr(api, "current_trace_level", lambda: 1)
    general = fungrad.value_and_grad(_loss)(x)
    _same(fast, general)
    _same(vjp_fast, fungrad.vjp(_loss, x)[1](ct))


def test_outermost_shortcut_under_an_outer_trace_is_not_taken():
    # grad of grad: the inner call sees tracers and replays its forward pass into the outer
    np.testing.assert_allclose(fungrad.grad(fungrad.grad(lambda x: fnp.sin(x) * x))(0.7),
                               2 * np.cos(0.7) - 0.7 * np.sin(0.7), rtol=1e-14)


# ----------------------------------------------------------- trace_to_jaxpr and new_trace

@pytest.mark.parametrize("x", [np.linspace(0, 1, 3), np.float64(2.0), np.zeros(0),
                               np.ones((2, 2), np.float32)])
def test_numpy_arguments_trace_as_the_general_avals(x):
    fast, _, values = trace_to_jaxpr(lambda a: [fnp.sin(a) * 2.0], [x], keep_values=True)
    general, _, general_values = trace_to_jaxpr(lambda a: [fnp.sin(a) * 2.0], [wrap(x)],
                                                keep_values=True)
    assert str(fast) == str(general)
    assert fast.jaxpr.invars[0].aval == fungrad.core.get_aval(x)
    _same([values[v] for v in fast.jaxpr.outvars],
          [general_values[v] for v in general.jaxpr.outvars])
    abstract, _ = trace_to_jaxpr(lambda a: [fnp.sin(a) * 2.0], [x], abstract=True)
    assert str(abstract) == str(fast)


def test_aval_specs_still_trace_abstractly():
    closed, outs = trace_to_jaxpr(lambda a: [a * 2.0], [ShapedArray((2,), np.float32)])
    assert outs[0].val is None and str(closed) == \
        "{ lambda ; a:f32[2]. let b:f32[2] = mul a 2.0 in (b,) }"


def test_new_trace_is_popped_after_an_error():
    with pytest.raises(ZeroDivisionError):
        with new_trace("outer") as outer:
            with new_trace("inner") as inner:
                assert current_trace_level() == 2 and inner.level == outer.level + 1
                raise ZeroDivisionError
    assert current_trace_level() == 0 and not outer.active and not inner.active


def test_any_tracer():
    seen = []
    fungrad.grad(lambda x: seen.append(any_tracer([1.0, x])) or x * x)(2.0)
    assert seen == [True] and not any_tracer([np.ones(2), 1.0, wrap(np.ones(1))])


# ----------------------------------------------------------------------- structure keys

def _key(fun, x):
    closed, _ = trace_to_jaxpr(fun, [x])
    return structure_key(closed.jaxpr, [True], [np.float64(1.0)])[0]


def test_structure_keys_with_and_without_literals():
    x = np.linspace(0, 1, 3)
    assert _key(lambda a: [fnp.sum(a * a)], x) == _key(lambda a: [fnp.sum(a * a)], x + 1)
    assert _key(lambda a: [fnp.sum(a * a)], x) != _key(lambda a: [fnp.sum(a * a * a)], x)
    assert _key(lambda a: [fnp.sum(a * 2.0)], x) == _key(lambda a: [fnp.sum(a * 2.0)], x)
    assert _key(lambda a: [fnp.sum(a * 2.0)], x) != _key(lambda a: [fnp.sum(a * 3.0)], x)
    assert _key(lambda a: [fnp.sum(a * 2.0)], x) != _key(lambda a: [fnp.sum(2.0 * a)], x)
    assert _key(lambda a: [a * 0.0], 1.0) != _key(lambda a: [a * -0.0], 1.0)
    assert _key(lambda a: [2.0], x) == _key(lambda a: [2.0], x) != _key(lambda a: [3.0], x)


def test_structure_key_of_a_variable_from_elsewhere_is_none():
    closed, _ = trace_to_jaxpr(lambda a: [fnp.sin(a)], [np.ones(2)])
    stray = Var(ShapedArray((2,), np.float64))
    eqn = closed.jaxpr.eqns[0]
    broken = Jaxpr([], closed.jaxpr.invars, [type(eqn)(eqn.primitive, [stray], eqn.params,
                                                       eqn.outvars)], closed.jaxpr.outvars)
    assert structure_key(broken, [True], [np.ones(2)]) == (None, None)
    with_literal = Jaxpr([], closed.jaxpr.invars, [type(eqn)(
        fungrad.prims.elementwise.mul_p, [stray, Literal(2.0, ShapedArray((), np.float64,
                                                                         True))],
        {}, eqn.outvars)], closed.jaxpr.outvars)
    assert structure_key(with_literal, [True], [np.ones(2)]) == (None, None)
    outside = Jaxpr([], closed.jaxpr.invars, closed.jaxpr.eqns, [stray])
    assert structure_key(outside, [True], [np.ones(2)]) == (None, None)


# --------------------------------------------------------------- broadcast_to's generated code

@pytest.mark.parametrize("x, shape", [(np.arange(3.0), (2, 3)), (np.float32(1.5), (2,)),
                                      (np.arange(6.0).reshape(2, 3).T, (4, 3, 2)),
                                      (np.arange(2.0).reshape(2, 1), (2, 5))])
def test_compiled_broadcast_matches_numpy(x, shape):
    fast = fungrad.jit(lambda a: fnp.broadcast_to(a, shape))(x)
    expected = np.broadcast_to(x, shape)
    assert fast.dtype == expected.dtype and fast.shape == expected.shape
    np.testing.assert_array_equal(fast, expected)
    g = fungrad.jit(fungrad.grad(lambda a: fnp.sum(fnp.broadcast_to(a, shape) ** 2)))(x)
    np.testing.assert_allclose(g, 2 * x * (np.prod(shape) / np.size(x)), rtol=1e-6)


def test_compiled_broadcast_of_a_bad_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="broadcast"):
        fungrad.jit(lambda a: fnp.broadcast_to(a, (2, 4)))(np.arange(3.0))


def test_typed_key_arguments_keep_their_own_aval():
    key = fungrad.random.key(0)  # a pytree over its key data, an array type with its own aval
    np.testing.assert_array_equal(fungrad.jit(lambda k: fungrad.random.normal(k, (2,)))(key),
                                  fungrad.random.normal(key, (2,)))
    g = fungrad.grad(lambda s, k: fnp.sum(s * fungrad.random.normal(k, (3,))))(2.0, key)
    np.testing.assert_array_equal(g, np.sum(fungrad.random.normal(key, (3,))))


@pytest.mark.parametrize("x", [np.linspace(0, 1, 3), np.float64(0.5), np.float32(0.5),
                               np.arange(4, dtype=np.int32), np.ones((2, 0)), 0.5, True,
                               np.complex64(1 + 2j)])
def test_recorded_avals_are_the_general_avals_of_the_values(x):
    from fungrad.avals import value_aval

    def f(a):
        return [a + a, a * 2, fnp.sum(a), a > 0, fnp.sort(fnp.reshape(a, (-1,)))]
    closed, _, values = trace_to_jaxpr(f, [x], keep_values=True)
    for eqn in closed.jaxpr.eqns:
        for v in eqn.outvars:
            assert v.aval == value_aval(values[v]) or (
                v.aval.weak_type and v.aval.strip_weak() == value_aval(np.asarray(values[v])))
