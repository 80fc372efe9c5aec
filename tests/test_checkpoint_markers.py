"""Policy answers Saveable / Recompute / Offloadable(...) and the policies that give them
(save_and_offload_only_these_names, offload_dot_with_no_batch_dims,
save_anything_except_these_names): what checkpoint keeps, and unchanged derivatives."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.ad_checkpoint import (
    Offloadable, Recompute, Saveable, checkpoint_name, saved_residuals,
)
from fungrad.test_util import check_grads

from helpers import assert_same_as_numpy

P = fungrad.checkpoint_policies


def f(x):
    a = checkpoint_name(fnp.sin(x), "a")
    b = checkpoint_name(fnp.cos(a), "b")
    c = checkpoint_name(fnp.sin(b), "c")
    return fnp.sum(c * x)


def df(x):
    b = np.cos(np.sin(x))
    return np.sin(b) + x * np.cos(b) * -np.sin(np.sin(x)) * np.cos(x)


def _names(policy, x):
    return sorted(why.split("'")[1] for _, why in saved_residuals(
        fungrad.checkpoint(f, policy=policy), x) if "named" in why)


@pytest.mark.parametrize("policy, kept", [
    (P.save_and_offload_only_these_names(
        names_which_can_be_saved=["a"], names_which_can_be_offloaded=["b"],
        offload_src="device", offload_dst="pinned_host"), ["a", "b"]),
    (P.save_anything_except_these_names("a"), ["b", "c"]),
    (lambda *_, **__: Saveable, ["a", "b", "c"]),
    (lambda *_, **__: Recompute, []),
    (lambda prim, *_, **params: Offloadable("device", "pinned_host")
     if params.get("name") == "c" else Recompute, ["c"]),
    (P.save_from_both_policies(lambda *_, **p: Saveable if p.get("name") == "a" else Recompute,
                               P.save_only_these_names("c")), ["a", "c"]),
])
def test_markers_decide_what_is_kept_and_derivatives_do_not_change(policy, kept):
    x = np.array([0.3, -1.2, 2.0])
    assert _names(policy, x) == kept
    g = fungrad.checkpoint(f, policy=policy)
    assert_same_as_numpy(fungrad.grad(g)(x), df(x))
    assert_same_as_numpy(fungrad.jit(fungrad.grad(g))(x), df(x))
    check_grads(g, (x,), order=2, modes=("fwd", "rev"))


def test_offload_dot_policy_and_marker_reprs():
    from fungrad.prims.structural import dot_general_p
    policy = P.offload_dot_with_no_batch_dims("device", "pinned_host")
    assert policy(dot_general_p, dimension_numbers=(((1,), (0,)), ((), ()))) == \
        Offloadable(src="device", dst="pinned_host")
    assert policy(dot_general_p, dimension_numbers=(((2,), (1,)), ((0,), (0,)))) is Recompute
    w = np.arange(6.0).reshape(2, 3) / 7
    g = fungrad.checkpoint(lambda x: fnp.sum(fnp.tanh(fnp.tanh(x @ w) @ w.T)), policy=policy)
    check_grads(g, (np.ones((4, 2)),), order=2, modes=("fwd", "rev"))
    assert [repr(Saveable), repr(Recompute)] == ["Saveable", "Recompute"]


def test_bad_policy_answers_and_overlapping_names():
    with pytest.raises(TypeError, match="instantiated `Offloadable"):
        fungrad.grad(fungrad.checkpoint(f, policy=lambda *_, **__: Offloadable))(np.ones(2))
    with pytest.raises(TypeError, match="Got 3 of type int"):
        fungrad.grad(fungrad.checkpoint(f, policy=lambda *_, **__: 3))(np.ones(2))
    with pytest.raises(ValueError, match=r"both hold \['a'\]"):
        P.save_and_offload_only_these_names(names_which_can_be_saved=["a"],
                                            names_which_can_be_offloaded=["a"],
                                            offload_src="device", offload_dst="pinned_host")
    assert_same_as_numpy(fungrad.grad(fungrad.checkpoint(f))(np.ones(2)), df(np.ones(2)))
