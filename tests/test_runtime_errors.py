"""What a user sees when something goes wrong: JAX's messages (vmap sizes, cond branches),
tracebacks without fungrad's frames, numpy warnings at the user's own line."""
import sys
import traceback
import warnings

import numpy as np
import pytest

import fungrad as jax
import fungrad.numpy as jnp
from fungrad.core import current_trace_level
from fungrad.traceback_util import UnfilteredStackTrace, is_internal_filename


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


# --------------------------------------------------------------------------- tracebacks

def _frames(exc):
    return [(frame.f_code.co_filename, frame.f_code.co_name)
            for frame, _ in traceback.walk_tb(exc.__traceback__)]


def _internal(exc):
    return [f for f in _frames(exc) if is_internal_filename(f[0])]


def _bad_loss(x):
    return jnp.sum(jnp.dot(x, jnp.ones(4)))


@pytest.mark.parametrize("transform", [
    jax.grad, jax.jit, lambda f: jax.jit(jax.grad(f)),
    lambda f: (lambda x: jax.vmap(jax.grad(f))(np.stack([x, x]))),
    lambda f: (lambda x: jax.vjp(f, x)), lambda f: (lambda x: jax.jvp(f, (x,), (x,))),
    lambda f: jax.make_jaxpr(jax.jacrev(f)),
    lambda f: (lambda x: jax.lax.scan(lambda c, v: (c + f(x), v), 0.0, x)),
], ids=["grad", "jit", "jit_grad", "vmap_grad", "vjp", "jvp", "make_jaxpr_jacrev", "scan"])
def test_errors_leave_without_fungrad_frames(transform):
    x = np.ones(3)
    with pytest.raises(ValueError, match="not aligned") as info:
        transform(_bad_loss)(x)
    frames = _frames(info.value)
    assert _internal(info.value) == []
    assert frames[0][1] == "test_errors_leave_without_fungrad_frames"  # the caller's line
    assert frames[-1][1] == "_bad_loss"  # ... down to the user's own line
    assert any("FUNGRAD_TRACEBACK_FILTERING=off" in note for note in info.value.__notes__)
    assert current_trace_level() == 0
    assert jax.grad(lambda v: jnp.sum(v * v))(np.ones(3)).tolist() == [2.0, 2.0, 2.0]


def test_traceback_filtering_modes():
    try:
        jax.config.update("jax_traceback_filtering", "off")
        with pytest.raises(ValueError) as info:
            jax.grad(_bad_loss)(np.ones(3))
        assert len(_internal(info.value)) > 3 and not getattr(info.value, "__notes__", [])
        jax.config.update("jax_traceback_filtering", "remove_frames")
        with pytest.raises(ValueError) as info:
            jax.jit(_bad_loss)(np.ones(3))
        assert _internal(info.value) == []
        cause = info.value.__cause__
        assert isinstance(cause, UnfilteredStackTrace) and len(_internal(cause)) > 3
        assert "not aligned" in str(cause)
        jax.config.update("jax_traceback_filtering", "tracebackhide")
        with pytest.raises(ValueError) as info:
            jax.grad(_bad_loss)(np.ones(3))
        tb = info.value.__traceback__
        hidden = [frame.f_locals.get("__tracebackhide__") for frame, _ in traceback.walk_tb(tb)
                  if is_internal_filename(frame.f_code.co_filename)]
        assert hidden and all(hidden)
        with pytest.raises(ValueError, match="jax_traceback_filtering must be one of auto"):
            jax.config.update("jax_traceback_filtering", "sometimes")
    finally:
        jax.config.update("jax_traceback_filtering", "auto")
    assert jax.config.jax_traceback_filtering == "auto"


def test_traceback_filtering_is_read_from_the_environment(monkeypatch):
    from fungrad.config import _env_flag
    monkeypatch.delenv("FUNGRAD_TRACEBACK_FILTERING", raising=False)
    monkeypatch.delenv("JAX_TRACEBACK_FILTERING", raising=False)
    assert _env_flag("jax_traceback_filtering", "auto") == "auto"
    monkeypatch.setenv("JAX_TRACEBACK_FILTERING", "off")
    assert _env_flag("jax_traceback_filtering", "auto") == "off"
    monkeypatch.setenv("FUNGRAD_TRACEBACK_FILTERING", "Remove_Frames")  # fungrad's own first
    assert _env_flag("jax_traceback_filtering", "auto") == "remove_frames"


# --------------------------------------------------------------------------- warnings

def _record(fun, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fun(*args)
    return out, [(str(w.message), w.filename, w.lineno) for w in caught]


def _log(x):
    return jnp.log(x)  # the line the warnings name


LOG_LINE = _log.__code__.co_firstlineno + 1
CALL_LINE = _record.__code__.co_firstlineno + 3  # fun(*args) in _record


def test_numpy_warnings_point_at_the_users_line():
    g, seen = _record(jax.grad(_log), 0.0)
    assert g == np.inf
    assert seen[0] == ("divide by zero encountered in log", __file__, LOG_LINE)
    # the backward pass runs after the function returned: it names the line calling grad
    assert seen[1:] == [("divide by zero encountered in reciprocal", __file__, CALL_LINE)]
    f = jax.jit(_log)
    out, seen = _record(f, 0.0)  # traced: the line inside the function
    assert out == -np.inf and seen == [("divide by zero encountered in log", __file__, LOG_LINE)]
    out, seen = _record(f, 0.0)  # compiled: the line calling it
    assert seen == [("divide by zero encountered in log", __file__, CALL_LINE)]
    out, seen = _record(jax.vmap(_log), np.zeros(2))  # traced abstractly, run batched
    assert [s[1:] for s in seen] == [(__file__, CALL_LINE)]
    out, seen = _record(_log, 0.0)  # eagerly too
    assert [s[1:] for s in seen] == [(__file__, LOG_LINE)]
    out, seen = _record(np.log, 0.0)  # numpy's own warnings are left as numpy made them
    assert [s[1:] for s in seen] == [(__file__, CALL_LINE)]


def test_a_warning_shows_once_per_user_line_not_once_per_fungrad_line():
    def first(x):
        return jnp.log(x)

    def second(x):
        return jnp.log(x)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for _ in range(3):
            first(0.0)
            second(0.0)
    assert [w.lineno for w in caught] == [first.__code__.co_firstlineno + 1,
                                          second.__code__.co_firstlineno + 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="divide by zero") as info:
            jax.grad(_log)(0.0)
        assert _internal(info.value) == []


def test_errstate_and_ignore_filters_still_apply():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(divide="ignore"):
            jax.grad(_log)(0.0)
        warnings.filterwarnings("ignore", message="divide by zero")
        jax.jit(_log)(0.0)
    assert caught == []
