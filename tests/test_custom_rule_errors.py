"""Bad custom_jvp rules raise a clear TypeError/ValueError naming the function, in every
mode (grad, jvp, jit), and the next call works."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp

from helpers import assert_same_as_numpy

MODES = {
    "grad": lambda f: fungrad.grad(lambda x: f(x).sum())(np.ones(3)),
    "jvp": lambda f: fungrad.jvp(f, (np.ones(3),), (np.ones(3),)),
    "jit_grad": lambda f: fungrad.jit(fungrad.grad(lambda x: f(x).sum()))(np.ones(3)),
}


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("rule, error, match", [
    (lambda p, t: ((p[0], p[0]), t[0]), TypeError, "equal container"),
    (lambda p, t: (p[0] * 2, fnp.ones(5)), ValueError, r"leaf 0 is f64\[3\] but its tangent "
                                                       r"is f64\[5\]"),
    (lambda p, t: (p[0] * 2, t[0].astype(np.int32)), ValueError, r"tangent is i32\[3\]"),
    (lambda p, t: p[0], TypeError, "must return a pair"),
])
def test_bad_custom_jvp_rules(mode, rule, error, match):
    def scale(x):
        return x * 2.0
    f = fungrad.custom_jvp(scale)
    f.defjvp(rule)
    with pytest.raises(error, match=match) as info:
        MODES[mode](f)
    assert "scale" in str(info.value)
    f.defjvp(lambda p, t: (p[0] * 2.0, t[0] * 2.0))
    assert_same_as_numpy(fungrad.grad(lambda x: f(x).sum())(np.ones(3)), np.full(3, 2.0))
