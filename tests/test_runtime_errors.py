"""What a user sees when something goes wrong: JAX's messages (vmap sizes, cond branches),
tracebacks without fungrad's frames, numpy warnings at the user's own line."""
import numpy as np
import pytest

import fungrad as jax
import fungrad.numpy as jnp
from fungrad.core import current_trace_level


# --------------------------------------------------------------------------- messages

def test_vmap_size_mismatch_lists_every_axis():
    with pytest.raises(ValueError) as info:
        jax.vmap(lambda a, b: a + b["k"], in_axes=(1, 0))(np.ones((2, 3)),
                                                          {"k": np.ones((4, 5))})
    assert str(info.value).splitlines() == [
        "vmap got inconsistent sizes for array axes to be mapped:",
        "  * one axis had size 3: axis 1 of argument a of type float64[2,3];",
        "  * one axis had size 4: axis 0 of argument b['k'] of type float64[4,5]"]
    with pytest.raises(ValueError) as info:
        jax.vmap(lambda x, y, z: x + y + z)(np.ones(2), np.ones(2), z=np.ones(3))
    assert str(info.value).splitlines()[1:] == [
        "  * most axes (2 of them) had size 2, e.g. axis 0 of argument x of type float64[2];",
        "  * one axis had size 3: axis 0 of argument z of type float64[3]"]
    with pytest.raises(ValueError, match=r"the `axis_size` argument was 5;\n  \* one axis "
                                         r"had size 3: axis 0 of argument v"):
        jax.vmap(lambda v: v, axis_size=5)(np.ones(3))
    assert current_trace_level() == 0
    np.testing.assert_array_equal(jax.vmap(lambda v: v * 2.0)(np.ones(2)), [2.0, 2.0])


def _true(x):
    return x


def _false_pair(x):
    return x, x


def _false_vector(x):
    return jnp.ones(3) * x


def test_cond_branch_mismatch_names_true_fun_and_false_fun():
    with pytest.raises(TypeError) as info:
        jax.lax.cond(True, _true, _false_pair, 1.0)
    lines = str(info.value).splitlines()
    assert lines[0] == ("cond branch outputs must have the same pytree structure, but they "
                        "differ:")
    assert lines[2] == f"true_fun is _true at {__file__}:{_true.__code__.co_firstlineno}"
    assert lines[3].startswith("false_fun is _false_pair at ")
    assert lines[5] == ("true_fun output is a pytree leaf, PyTreeDef(*) of types (f64[]), but "
                        "false_fun output is a <class 'tuple'>, PyTreeDef((*, *)) of types "
                        "(f64[], f64[]).")
    with pytest.raises(TypeError) as info:
        jax.jit(lambda x: jax.lax.cond(x > 0, _true, _false_vector, x))(1.0)
    msg = str(info.value)
    assert msg.startswith("cond branches must have equal output types but they differ.")
    assert ("The output of true_fun has type f64[] but the corresponding output of false_fun "
            "has type f64[3], so the shapes do not match") in msg
    assert current_trace_level() == 0
    assert jax.lax.cond(False, _true, lambda x: -x, 2.0) == -2.0
