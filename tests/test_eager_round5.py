"""Round five of the eager fast paths: each compared with the general path it shortcuts."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.core import Eqn, Tracer, Var, current_trace_level, trace_to_jaxpr
from fungrad.test_util import check_grads


_UNSET = object()


def _slots(obj):
    # (a slot left unset, as Var.n outside a trace that keeps values, compares as unset)
    return {name: getattr(obj, name, _UNSET) for name in type(obj).__slots__
            if name != "__weakref__"}


def test_records_of_one_output_equation_match_their_constructors():
    # process builds Var, Eqn and Tracer by object.__new__: every slot set, as __init__ sets
    closed, outs = trace_to_jaxpr(lambda x: [fnp.sin(x) * 2.0], [np.ones(3)])
    for eqn in closed.eqns:
        ref = Eqn(eqn.primitive, eqn.inputs, eqn.params, eqn.outvars, eqn.source_info)
        assert _slots(eqn) == _slots(ref)
        (v,) = eqn.outvars
        assert type(v) is Var and _slots(v) == _slots(Var(v.aval))
    (t,) = outs
    assert type(t) is Tracer
    ref = Tracer(t._trace, t.aval, t.ir_var, t.val)
    assert _slots(t).keys() == _slots(ref).keys()
    assert t.aval == t.ir_var.aval and np.array_equal(t.val, 2 * np.sin(np.ones(3)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grad_values_and_dtypes_under_changing_control_flow(dtype):
    def f(x):
        y = fnp.tanh(x) * 3.0
        if fnp.sum(y) > 0:  # the branch taken changes between calls
            y = fnp.exp(y) + 0.1
        return fnp.sum(y * y)

    def by_hand(x):
        t = np.tanh(x) * 3.0
        dt = 3.0 * (1 - np.tanh(x) ** 2)
        if t.sum() > 0:
            e = np.exp(t)
            return 2 * (e + 0.1) * e * dt
        return 2 * t * dt

    vg = fungrad.value_and_grad(f)
    for x in [np.array([0.3, -0.1], dtype), np.array([-0.5, -0.2], dtype)] * 2:
        value, g = vg(x)
        assert g.dtype == dtype and np.asarray(value).dtype == dtype
        np.testing.assert_allclose(g, by_hand(x.astype(np.float64)),
                                   rtol=1e-5 if dtype == np.float32 else 1e-12)
    check_grads(f, (np.array([0.3, -0.1]),), order=2, modes=("fwd", "rev"))


def test_bad_input_error_leaves_no_trace_and_next_call_works():
    vg = fungrad.value_and_grad(lambda x: fnp.sum(fnp.dot(x, np.ones((3, 2)))))
    with pytest.raises(TypeError, match="dot_general|shape"):
        vg(np.ones((2, 4)))
    assert current_trace_level() == 0
    value, g = vg(np.ones((2, 3)))
    assert value == 12.0 and np.array_equal(g, np.full((2, 3), 2.0))
