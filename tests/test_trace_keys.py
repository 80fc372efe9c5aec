"""The structure key an eager trace records while tracing (``trace_to_jaxpr(...,
record_structure=True)``, issue 15) against the key computed afterwards from the jaxpr
(``vjp.structure_key``, the general path): equal where the structures are equal, different
where anything the backward pass depends on differs, and the cached backward pass it finds
gives the general path's values and dtypes."""
import sys
from collections import OrderedDict

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import api, trace_keys
from fungrad.core import trace_to_jaxpr
from fungrad.vjp import recorded_key, structure_key

vjp_module = sys.modules["fungrad.vjp"]  # (fungrad.vjp the name is the function)


def _keys(fun, *args, cts=(np.float64(1.0),)):
    """(recorded key, general key with the trace's order, general key in default order)."""
    closed, _, values, recorded = trace_to_jaxpr(fun, list(args), keep_values=True,
                                                 record_structure=True)
    diff = [True] * len(args)
    fast, fast_order = recorded_key(closed.jaxpr, recorded, values, diff, list(cts))
    general, general_order = structure_key(closed.jaxpr, diff, list(cts), list(values))
    default, _ = structure_key(closed.jaxpr, diff, list(cts))
    assert fast_order == general_order == list(values)
    return fast, general, default


W = np.linspace(-1.0, 1.0, 3)

FUNCTIONS = [
    (lambda x: [fnp.sum(fnp.sin(x) * 2.0)], (np.linspace(0, 1, 3),)),
    (lambda x: [fnp.sum(x * W + W)], (np.linspace(0, 1, 3),)),  # a const between equations
    (lambda x, y: [fnp.sum(x @ y, axis=0).sum()], (np.ones((2, 3)), np.ones((3, 4)))),
    (lambda x: [fnp.sum(x * -0.0 + 3)], (np.ones(2, np.float32),)),
    (lambda x: [fnp.linalg.slogdet(x)[1]], (np.eye(2) * 2.0,)),  # multiple results
    (lambda x: [2.0], (np.ones(2),)),  # an output that is a literal
    (lambda x: [fnp.sum(fnp.cumsum(x) ** 2), fnp.max(x)], (np.linspace(0, 1, 4),)),
]


@pytest.mark.parametrize("fun, args", FUNCTIONS)
def test_recorded_key_is_the_general_key(fun, args):
    fast, general, default = _keys(fun, *args, cts=[np.float64(1.0)] * 2)
    assert fast is not None and default is not None
    assert fast == general and hash(fast) == hash(general)
    again, _, _ = _keys(fun, *[np.asarray(a) + 0.25 for a in args], cts=[np.float64(1.0)] * 2)
    assert again == fast  # other values, same structure


def _key(fun, *args):
    return _keys(fun, *args)[0]


def test_recorded_keys_differ_where_the_backward_pass_does():
    x = np.linspace(0.1, 0.9, 3)
    base = _key(lambda a: [fnp.sum(a * 2.0)], x)
    assert base == _key(lambda a: [fnp.sum(a * 2.0)], x)
    assert base != _key(lambda a: [fnp.sum(a * 3.0)], x)  # a literal
    assert base != _key(lambda a: [fnp.sum(a * np.float32(2.0))], x)  # its dtype
    assert base != _key(lambda a: [fnp.sum(a * 2)], x)  # a weak int literal
    assert base != _key(lambda a: [fnp.sum(2.0 * a)], x)  # the order of the inputs
    assert base != _key(lambda a: [fnp.sum(a * 2.0)], x.astype(np.float32))  # input dtype
    assert base != _key(lambda a: [fnp.sum(a * 2.0)], np.linspace(0, 1, 4))  # its shape
    assert base != _key(lambda a: [fnp.sum(a * 2.0)], 0.5)  # a weak (Python) input
    assert _key(lambda a: [a * 0.0], 1.0) != _key(lambda a: [a * -0.0], 1.0)
    m = np.ones((2, 3))
    assert _key(lambda a: [fnp.sum(fnp.sum(a, axis=0))], m) != \
        _key(lambda a: [fnp.sum(fnp.sum(a, axis=1))], m)  # params
    # a const where an input was, and where it is created between the equations
    assert _key(lambda a: [fnp.sum(a * a)], x) != _key(lambda a: [fnp.sum(a * W)], x)
    assert _key(lambda a: [fnp.sum(fnp.sin(a) + W)], x) != \
        _key(lambda a: [fnp.sum(W + fnp.sin(a))], x)


def test_a_key_with_unkeyable_params_is_not_recorded():
    fn = fungrad.custom_jvp(fnp.sin)
    fn.defjvp(lambda p, t: (fnp.sin(p[0]), fnp.cos(p[0]) * t[0]))
    _, _, _, recorded = trace_to_jaxpr(lambda a: [fnp.sum(fn(a))], [np.ones(2)],
                                       keep_values=True, record_structure=True)
    assert recorded is None


def test_a_recording_that_does_not_match_its_jaxpr_is_refused():
    closed, _, values, recorded = trace_to_jaxpr(lambda a: [fnp.sum(fnp.sin(a))], [np.ones(2)],
                                                 keep_values=True, record_structure=True)
    assert recorded_key(closed.jaxpr, recorded[:-1], values, [True], [np.float64(1.0)]) == \
        (None, None)
    shuffled = dict(reversed(list(values.items())))  # not the order that numbered them
    assert recorded_key(closed.jaxpr, recorded, shuffled, [True], [np.float64(1.0)]) == \
        (None, None)


@pytest.fixture
def fresh_cache(monkeypatch):
    monkeypatch.setattr(vjp_module, "_compiled_backwards", {})
    monkeypatch.setattr(vjp_module, "_seen_once", OrderedDict())


def _general(vg, *args):
    """vg(*args) with every vjp rule interpreted (no cache)."""
    saved = api.eager_backward_pass
    api.eager_backward_pass = lambda j, e, d, c, structure=None, consume=False: \
        vjp_module.backward_pass(j, e, d, c)
    try:
        return vg(*args)
    finally:
        api.eager_backward_pass = saved


def _same(fast, slow):
    for a, b in zip(fungrad.tree_util.tree_leaves(fast), fungrad.tree_util.tree_leaves(slow)):
        assert type(a) is type(b) and a.dtype == b.dtype and np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [
    lambda c: (lambda a: fnp.sum(a * c)),  # a literal that changes
    lambda c: (lambda a: fnp.sum(fnp.sum(a.reshape(2, 2), axis=int(c) % 2))),  # params
    lambda c: (lambda a: fnp.sum(a * np.float32(c))),  # a float32 literal
    lambda c: (lambda a: fnp.sum(a * np.full(4, c))),  # a closed-over array
])
def test_the_cache_never_answers_for_another_structure(fresh_cache, make):
    # the same function shape with what it closes over changing between calls: each call's
    # gradient is the general path's, however the calls interleave
    for c in (2.0, 3.0, 2.0, 2.0, 3.0, 5.0, 3.0):
        for x in (np.linspace(0.1, 0.4, 4), np.linspace(0.1, 0.4, 4).astype(np.float32)):
            vg = fungrad.value_and_grad(make(c))
            _same(vg(x), _general(vg, x))
    assert any(c is not None for c in vjp_module._compiled_backwards.values())


def test_bad_input_is_the_general_paths_error(fresh_cache):
    vg = fungrad.value_and_grad(lambda a: fnp.sum(fnp.sin(a) * 2.0))
    for _ in range(3):
        vg(np.ones(2))
    with pytest.raises(TypeError) as fast:
        vg(np.ones(2, np.int32))
    with pytest.raises(TypeError) as general:
        _general(vg, np.ones(2, np.int32))
    assert str(fast.value) == str(general.value)


def test_params_ids_are_shared_by_the_trace_and_the_general_key():
    items = (("axes", (0,)), ("keepdims", False))
    pid = trace_keys.params_id(items)
    assert trace_keys._param_ids.get(items) == pid and pid is not False


def test_variables_are_numbered_by_their_place_in_the_values():
    w = np.ones(3)
    closed, outs, values = trace_to_jaxpr(
        lambda x, y: [fnp.sum(fnp.sin(x) * w + y), x * 2.0], [np.ones(3), 0.5],
        keep_values=True)
    assert [v.n for v in values] == list(range(len(values)))
    every = [*closed.jaxpr.invars, *closed.jaxpr.constvars,
             *(v for e in closed.jaxpr.eqns for v in e.outvars)]
    assert sorted(v.n for v in every) == list(range(len(values)))
    assert all(outs[i].ir_var is v for i, v in enumerate(closed.jaxpr.outvars))


@pytest.mark.parametrize("val", [2.0, -0.0, 0.0, 3, 0, True, False, np.float32(1.5),
                                 np.float32(-0.0), 1j, float("inf")])
def test_a_literals_number_is_its_literal_key(val):
    from fungrad.avals import get_aval
    from fungrad.ir import Literal
    lit = Literal(val, get_aval(val))
    assert lit.n == trace_keys.literal_key(val, lit.aval)
    assert type(lit.n[0]) is type(trace_keys.literal_key(val, lit.aval)[0])
