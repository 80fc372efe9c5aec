"""Regression tests for the root causes issue 16 (the fuzzer) listed and found, one test per
cause, named after it.

The central one is weak typing. numpy (NEP 50) treats a Python scalar weakly beside an array
(``x_f32 * 2.0`` is float32), Python's own operators keep Python scalars Python scalars
(``(2.0 + 1.0) * x_f32`` is float32), but a numpy function of Python scalars alone returns a
strong numpy value (``np.sin(2.0) * x_f32`` is float64). fungrad follows numpy on every path:
eagerly, traced (``make_jaxpr``), under ``jit``, ``vmap`` and ``grad``.
"""
from __future__ import annotations

import importlib
import inspect
import warnings

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
import fungrad.test_util
from fungrad import lax
from fungrad.core import Var
from fungrad.tree_util import tree_leaves

X32 = np.array([1.0, 2.0, 3.0], np.float32)


def _dtypes_on_every_path(f, x, s):
    """The result dtype of ``f(x, s)`` eagerly, under jit, vmap over x, and make_jaxpr."""
    eager = np.asarray(f(x, s)).dtype
    jitted = np.asarray(fungrad.jit(f)(x, s)).dtype
    vmapped = np.asarray(fungrad.vmap(f, (0, None))(x[None], s)).dtype
    traced = fungrad.make_jaxpr(f)(x, s).jaxpr.outvars[0].aval.dtype
    return eager, jitted, vmapped, traced


@pytest.mark.parametrize("f, np_f", [
    (lambda x, s: fnp.sin(s) * x, lambda x, s: np.sin(s) * x),
    (lambda x, s: fnp.add(s, 1.0) * x, lambda x, s: np.add(s, 1.0) * x),
    (lambda x, s: fnp.sqrt(s * s + 1.0) * x, lambda x, s: np.sqrt(s * s + 1.0) * x),
    (lambda x, s: fnp.sum(s) * x, lambda x, s: np.sum(s) * x),
    (lambda x, s: fnp.reshape(s, ()) * x, lambda x, s: np.reshape(s, ()) * x),
    (lambda x, s: fnp.broadcast_to(s, (3,)) + 0 * x,
     lambda x, s: np.broadcast_to(s, (3,)) + 0 * x),
    (lambda x, s: fnp.tensordot(x, s, axes=0), lambda x, s: np.tensordot(x, s, axes=0)),
])
def test_numpy_function_of_a_python_float_is_strong(f, np_f):
    want = np_f(X32, 2.0).dtype
    assert want == np.float64
    assert _dtypes_on_every_path(f, X32, 2.0) == (want,) * 4


@pytest.mark.parametrize("f", [
    lambda x, s: (s + 1.0) * x, lambda x, s: (-s) * x, lambda x, s: (s ** 2) * x,
    lambda x, s: abs(s) * x, lambda x, s: (+s) * x, lambda x, s: (s // 2) * x,
    lambda x, s: (s % 1.5) * x, lambda x, s: (2.0 ** s) * x, lambda x, s: x / (s * 0.5),
    lambda x, s: fnp.where(x > s, x, s * 0.5), lambda x, s: fnp.multiply(x, s),
    lambda x, s: fnp.concatenate([x, s], axis=None),
    lambda x, s: lax.sin(s) * x,  # lax keeps JAX's weak types
])
def test_python_operators_keep_python_floats_weak(f):
    assert _dtypes_on_every_path(f, X32, 2.0) == (np.dtype(np.float32),) * 4


def test_numpy_agrees_on_the_weak_cases():
    assert ((2.0 + 1.0) * X32).dtype == np.float32
    assert np.where(X32 > 2.0, X32, 1.0).dtype == np.float32
    assert np.concatenate([X32, 1.5], axis=None).dtype == np.float32


def test_gradient_through_weak_and_strong_scalars():
    f = lambda s: fnp.sum(fnp.sin(s) * X32 + (s * 0.5) * X32)  # noqa: E731
    want = np.sum(np.cos(2.0) * X32.astype(np.float64) + 0.5 * X32)
    for g in (fungrad.grad(f), fungrad.jit(fungrad.grad(f))):
        assert np.isclose(g(2.0), want) and np.asarray(g(2.0)).dtype == np.float64


def test_vmap_of_an_unbatched_python_float_keeps_its_weak_type():
    # seed 2405: the unbatched `s * 0.5` was evaluated as a strong numpy scalar
    f = lambda x, s: fnp.where(x > s, x, s * 0.5)  # noqa: E731
    out = fungrad.vmap(f, (0, None))(np.ones((2, 1), np.float32), 1.5)
    assert out.dtype == np.float32


def test_broadcast_of_a_weak_scalar_is_not_dropped_before_promotion():
    # seed 3474: the clean-up pass read the weak scalar behind broadcast_to, changing dtype
    f = lambda x, s: fnp.broadcast_to(s, x.shape) + 0 * x  # noqa: E731
    closed = fungrad.make_jaxpr(f)(np.ones((4, 3), np.float32), 1.5)
    fungrad.check_jaxpr(closed)
    assert closed.jaxpr.outvars[0].aval.dtype == np.float64 == f(np.ones((4, 3), np.float32),
                                                                 1.5).dtype


def test_eval_jaxpr_replays_weak_types():
    closed = fungrad.make_jaxpr(lambda x, s: (s * 0.5) * x + fnp.cos(s) * x)(X32, 2.0)
    out = fungrad.eval_jaxpr(closed.jaxpr, closed.consts, X32, 2.0)[0]
    assert out.dtype == np.float64 and np.allclose(out, X32 + np.cos(2.0) * X32)


def test_all_and_any_of_float_scalars_are_booleans():
    # reducing over no axes was the identity: fnp.all(np.float64(0.5)) returned 0.5
    for x in (0.5, np.float64(0.0), np.array(2.0), np.float32(0.0)):
        for f, np_f in ((fnp.all, np.all), (fnp.any, np.any)):
            for got in (f(x), fungrad.jit(f)(x)):
                assert np.asarray(got).dtype == np.bool_ and bool(got) == bool(np_f(x))


# ---------------------------------------------------------------- a sweep over the namespaces
_ARGSETS = [(0.5,), (0.5, 0.25), (0.5, 0.25, 0.75), (2,), (2, 3), (True,)]
_PY_SCALARS = (bool, int, float, complex)


_GLOBAL_STATE = {"set_printoptions", "printoptions", "seterr", "errstate", "save", "savez",
                 "load", "fromfile", "savetxt", "loadtxt", "genfromtxt"}


def _public(module):
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    for name in sorted(names):
        if name in _GLOBAL_STATE:  # they change numpy's process-wide state or touch files
            continue
        f = getattr(module, name, None)
        if callable(f) and not inspect.isclass(f) and not inspect.ismodule(f):
            yield name, f


def _first_call(f):
    """The first argument set (Python scalars only) the function accepts eagerly."""
    for args in _ARGSETS:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                out = f(*args)
        except Exception:  # noqa: BLE001 -- the function wants other arguments
            continue
        leaves = tree_leaves(out)
        if leaves and all(isinstance(v, (np.ndarray, np.generic) + _PY_SCALARS) for v in leaves):
            return args, leaves
    return None, None


@pytest.mark.parametrize("module_name, reference", [
    ("numpy", "numpy"), ("numpy.linalg", "numpy.linalg"), ("numpy.fft", "numpy.fft"),
    ("scipy.special", "scipy.special")])
def test_numpy_functions_of_python_scalars_return_what_numpy_returns(module_name, reference):
    """Every public function called on Python scalars: where numpy returns a numpy value,
    fungrad returns an Array eagerly, a strong value when traced, and jit's dtype is eager's."""
    module = importlib.import_module(f"fungrad.{module_name}")
    reference = importlib.import_module(reference)
    checked, problems = 0, []
    printing, errors = np.get_printoptions(), np.geterr()
    for name, f in _public(module):
        args, leaves = _first_call(f)
        ref_f = getattr(reference, name, None)
        if args is None or ref_f is None:
            continue
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                ref = tree_leaves(ref_f(*args))
        except Exception:  # noqa: BLE001 -- numpy refuses these arguments
            continue
        if any(type(v) in _PY_SCALARS for v in ref):
            continue  # numpy itself answers with a Python scalar (ndim, isscalar...)
        checked += 1
        if any(type(v) in _PY_SCALARS for v in leaves):
            problems.append(f"{name}{args}: eager Python scalar")
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                closed = fungrad.make_jaxpr(f)(*args)
                jitted = tree_leaves(fungrad.jit(f)(*args))
        except Exception:  # noqa: BLE001 -- value-dependent shapes cannot be traced
            continue
        if any(type(v) is Var and v.aval.weak_type for v in closed.jaxpr.outvars):
            problems.append(f"{name}{args}: weak when traced")
        if [np.asarray(v).dtype for v in jitted] != [np.asarray(v).dtype for v in leaves]:
            problems.append(f"{name}{args}: jit dtype differs from eager")
    assert np.get_printoptions() == printing and np.geterr() == errors
    assert checked > (100 if module_name == "numpy" else 0)
    assert not problems, problems


# ---------------------------------------------------------------- the other repros
def test_linspace_with_negative_num_raises_under_jit():
    with pytest.raises(ValueError, match="must be non-negative"):
        fungrad.jit(lambda s: fnp.linspace(0.0, s, -1))(1.0)
    assert fungrad.jit(lambda s: fnp.linspace(0.0, s, 3))(1.0).tolist() == [0.0, 0.5, 1.0]


def test_jit_static_argnums_out_of_range_raises():
    with pytest.raises(ValueError, match=r"static_argnums=\(3,\), but only accepts 1"):
        fungrad.jit(lambda x: x, static_argnums=3)
    assert fungrad.jit(lambda *xs: xs[0], static_argnums=3)(1.0, 2, 3, 4) == 1.0


def test_jacrev_of_an_integer_input_raises_like_grad():
    with pytest.raises(TypeError, match="jacrev requires real- or complex-valued inputs"):
        fungrad.jacrev(lambda x: x * 2)(np.arange(3))
    assert fungrad.jacrev(lambda x: x * 2, allow_int=True)(np.arange(3)).dtype == fungrad.float0


def test_integer_cotangent_message_says_int_and_float():
    _, pullback = fungrad.vjp(lambda x: x * 2.0, 1.0)
    with pytest.raises(ValueError, match=r"got int64\[\], but expected float64\[\]"):
        pullback(np.int64(1))
    assert pullback(1.0) == (2.0,)


def test_at_multiply_with_repeated_indices_applies_each_update():
    assert fnp.ones(3).at[np.array([0, 0])].multiply(3.0).tolist() == [9.0, 1.0, 1.0]


def test_hypot_derivative_at_the_origin_is_jaxs():
    # JAX: d/dx hypot(x, x) at 0 is 1 (as abs'(0)), each partial 1/2; no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fungrad.grad(lambda x: fnp.hypot(x, x))(0.0) == 1.0
        assert fungrad.grad(lambda x: fnp.hypot(x, 0.0))(0.0) == 0.5
        assert fungrad.grad(lambda x: fnp.hypot(x, x))(np.float32(0)).dtype == np.float32
    fungrad.test_util.check_grads(lambda x, y: fnp.hypot(x, y), (3.0, -4.0), order=2,
                                  modes=("fwd", "rev"))


@pytest.mark.parametrize("transform", ["grad", "jit", "jvp", "vmap"])
def test_python_float_indexed_under_a_transform(transform):
    f = lambda x: x[None].sum() * 2.0  # noqa: E731
    if transform == "grad":
        assert fungrad.grad(f)(1.5) == 2.0
    elif transform == "jit":
        assert fungrad.jit(lambda x: x[None])(1.5).tolist() == [1.5]
    elif transform == "jvp":
        out, t = fungrad.jvp(lambda x: x[None], (1.5,), (1.0,))
        assert out.tolist() == [1.5] and t.tolist() == [1.0]
    else:
        assert fungrad.vmap(lambda x, s: x + s[None], (0, None))(np.ones((2, 1)), 1.5).shape \
            == (2, 1)


def test_zero_dimensional_results_are_arrays():
    r = fnp.reshape(1.5, ())
    assert isinstance(r, fungrad.Array) and r.shape == () and r[None].tolist() == [1.5]
    t = fnp.tensordot(np.array(2.0), np.array(3.0), axes=0)
    assert isinstance(t, fungrad.Array) and t.dot(2.0) == 12.0


def test_pad_of_a_zero_dimensional_array():
    assert fnp.pad(np.array(1.5), 1).shape == np.pad(np.array(1.5), 1).shape == ()
    assert fungrad.grad(lambda x: fnp.pad(x, 1).sum())(np.array(1.5)) == 1.0


def test_jit_of_a_non_callable_raises_type_error():
    with pytest.raises(TypeError, match="expected a callable"):
        fungrad.jit(3)


def test_norm_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="out of bounds"):
        fnp.linalg.norm(np.ones((2, 3, 4)), axis=4)
    with pytest.raises(ValueError, match="out of bounds"):
        fnp.linalg.norm(np.arange(3.0), axis=1)


def test_debug_nans_sees_functions_of_python_scalars():
    fungrad.config.update("jax_debug_nans", True)
    try:
        with pytest.raises(FloatingPointError, match="nan"), np.errstate(invalid="ignore"):
            fnp.log(-1.0)
    finally:
        fungrad.config.update("jax_debug_nans", False)
    assert np.isclose(fnp.log(2.0), np.log(2.0))
