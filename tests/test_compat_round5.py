"""JAX programs that use the promotion-checking modes, ``sign`` of signed zeros, the
single-device sharding API and the remaining lax names, against JAX's recorded behaviour
(tests/fixtures/compat_round5.json, made by make_compat_round5.py)."""
from __future__ import annotations

import json
import operator
import pathlib
import re
import warnings

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.array import Array
from fungrad.core import Tracer
from tests.helpers import assert_derivatives

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "compat_round5.json")
                     .read_text())
OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "//": operator.floordiv, "%": operator.mod, "**": operator.pow,
             "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
             "==": operator.eq, "!=": operator.ne, "&": operator.and_, "|": operator.or_,
             "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift}
PY_SCALARS = {"py_bool": True, "py_int": 2, "py_float": 2.0, "py_complex": 2.0 + 1.0j}


def _op(name):
    return OPERATORS.get(name) or getattr(fnp, name)


def _outcome(fn):
    """What a call did, in the fixture's terms: its dtype and shape, or the error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn()
            result = {"dtype": str(np.asarray(out).dtype), "shape": list(np.shape(out))}
        except (TypeError, ValueError) as e:
            result = {"error": type(e).__name__, "message": str(e)}
    result["warnings"] = [str(w.message) for w in caught if "rank promotion" in str(w.message)]
    return result


def _same_outcome(ours, jax_, case):
    if jax_.get("error") == "TypeError":  # refused by numpy's and JAX's rules alike
        assert ours.get("error") == "TypeError", (case, ours)
        return
    assert ours.get("error") == jax_.get("error"), (case, ours, jax_)
    if "error" in jax_:
        if jax_["error"] == "TypePromotionError":  # JAX lists the dtypes in a set's order
            names = re.compile(r"Input dtypes \((.*?)\) have")
            assert set(names.search(ours["message"]).group(1).split(", ")) == \
                set(names.search(jax_["message"]).group(1).split(", ")), (case, ours)
            assert names.sub("", ours["message"]) == names.sub("", jax_["message"])
        else:
            assert ours["message"] == jax_["message"], case
    else:
        assert ours["shape"] == jax_["shape"], (case, ours, jax_)
        if jax_["dtype"] is not None:
            assert ours["dtype"] == jax_["dtype"], (case, ours, jax_)
    assert ours["warnings"] == jax_["warnings"], (case, ours, jax_)


# ------------------------------------------------------------------------ rank promotion
def test_rank_promotion_modes_raise_and_warn_where_jax_does():
    cases = FIXTURE["promotion"]["rank"]
    assert len(cases) > 400
    for case in cases:
        op = _op(case["op"])
        x, y = (fnp.full(tuple(s), 2, case["dtype"]) for s in case["shapes"])
        with fungrad.numpy_rank_promotion(case["mode"]):
            traced = _outcome(lambda: fungrad.jit(lambda a, b: op(a, b))(x, y))
            eager = _outcome(lambda: op(x, y))
        _same_outcome(traced, case, case)
        _same_outcome(eager, case, case)


def test_rank_promotion_checks_the_users_shapes_not_fungrads_own_rules():
    jax_ = FIXTURE["promotion"]["rank_transforms"]
    m, v = fnp.ones((2, 3), np.float32), fnp.ones(3, np.float32)
    with fungrad.numpy_rank_promotion("raise"):
        ours = {
            "vmap_same_rank": _outcome(lambda: fungrad.vmap(lambda a, b: a + b, (0, None))(m, v)),
            "vmap_promoting": _outcome(lambda: fungrad.vmap(lambda a, b: a * b, (0, None))(m, m)),
            "grad": _outcome(lambda: fungrad.grad(lambda a: (a * a + 1.0).sum())(m)),
            "grad_promoting": _outcome(lambda: fungrad.grad(lambda a: (a * v).sum())(m)),
            "where": _outcome(lambda: fnp.where(v > 0, v, m)),
            "matmul": _outcome(lambda: v @ m.T),
        }
        # fungrad's own rules broadcast freely: second derivatives, jvp, jacobians, jit
        h = fungrad.hessian(lambda a: fnp.sum(fnp.sin(a) * a))(np.ones(3))
        np.testing.assert_allclose(np.diag(h), 2 * np.cos(1.0) - np.sin(1.0))
        assert_derivatives(lambda a: fnp.sum(fnp.tanh(a) ** 2), (np.linspace(-1, 1, 4),))
    for name in jax_:
        _same_outcome(ours[name], jax_[name], name)


def test_rank_promotion_warning_points_at_the_users_line_and_modes_reset():
    x, y = fnp.ones(3), fnp.ones((2, 3))
    with fungrad.numpy_rank_promotion("warn"):
        with pytest.warns(UserWarning, match="rank promotion for add") as caught:
            x + y
    assert caught[0].filename == __file__
    # back to "allow": no check remains on the operators, and the next call just broadcasts
    assert "__add__" not in Array.__dict__ and Tracer.__add__.__module__ != "fungrad.promotion"
    assert (x + y).shape == (2, 3)
    fungrad.config.update("jax_numpy_rank_promotion", "raise")
    try:
        with pytest.raises(ValueError, match="jax_numpy_rank_promotion='raise'"):
            fnp.maximum(x, y)
        assert fnp.maximum(x, 2.0).shape == (3,)  # after the error the next call works
    finally:
        fungrad.config.update("jax_numpy_rank_promotion", "allow")
    assert fungrad.config.jax_numpy_rank_promotion == "allow"


def test_a_jitted_function_is_retraced_under_a_new_mode():
    f = fungrad.jit(lambda a, b: a + b)
    x, y = fnp.ones(3), fnp.ones((2, 3))
    assert f(x, y).shape == (2, 3)
    with fungrad.numpy_rank_promotion("raise"):
        with pytest.raises(ValueError, match="for add on shapes"):
            f(x, y)
    assert f(x, y).shape == (2, 3)


# ----------------------------------------------------------------------- dtype promotion
def _operand(spec):
    if spec in PY_SCALARS:
        return PY_SCALARS[spec]
    if spec == "np_float64":
        return np.float64(2.0)
    return fnp.full((3,), 2, dtype=spec)


def _with_fungrads_dtype(case):
    """fungrad's dtypes are numpy's where JAX's differ: int32 with float32 is float64 in
    numpy (float32 in JAX); a power of booleans has no one answer (JAX int32, numpy int8,
    fungrad int64), so only whether it is refused is compared."""
    a, b = case["operands"]
    if case["op"] in ("**", "power") and a == "bool":
        return {**case, "dtype": None}
    if {a, b} == {"int32", "float32"} and case["dtype"] != "bool":
        return {**case, "dtype": "float64"}
    return case


def test_strict_dtype_promotion_matches_jax_lattice():
    cases = FIXTURE["promotion"]["dtype"]
    assert sum(c.get("error") == "TypePromotionError" for c in cases) > 50
    for case in cases:
        op = _op(case["op"])
        a, b = case["operands"]
        x, y = _operand(a), _operand(b)
        if a in PY_SCALARS and b in PY_SCALARS:
            x = fnp.asarray(x)
            continue  # a weak array is JAX's, fungrad's asarray is strongly typed
        if "error" not in case:
            case = _with_fungrads_dtype(case)
        with fungrad.numpy_dtype_promotion(case["mode"]):
            if a in PY_SCALARS:
                ours = _outcome(lambda: op(x, y))
            else:
                ours = _outcome(lambda: fungrad.jit(lambda u: op(u, y))(x))
                _same_outcome(_outcome(lambda: op(x, y)), case, case)  # eagerly too
        _same_outcome(ours, case, case)


def test_strict_dtype_promotion_beyond_operators():
    jax_ = FIXTURE["promotion"]["dtype_other"]
    v = fnp.ones(3, np.float32)
    with fungrad.numpy_dtype_promotion("strict"):
        ours = {"grad": _outcome(lambda: fungrad.grad(lambda a: (a * a).sum())(v)),
                "matmul": _outcome(lambda: v @ fnp.ones(3, np.float64)),
                "where": _outcome(lambda: fnp.where(v > 0, v, fnp.ones(3, np.float64)))}
        with pytest.raises(fungrad.dtypes.TypePromotionError) as e:
            fungrad.dtypes.result_type(np.float32, np.float64)
        _same_outcome({"error": "TypePromotionError", "message": str(e.value), "warnings": []},
                      {"error": "TypePromotionError", "warnings": [],
                       "message": jax_["result_type"].split(": ", 1)[1]}, "result_type")
        assert str(fungrad.dtypes.result_type(np.float32, 1.0)) == jax_["result_type_weak"]
        with pytest.raises(fungrad.dtypes.TypePromotionError):
            fnp.dot(v, fnp.ones(3))
        assert (v == None).shape == (3,)  # noqa: E711  (not a promotion of numbers)
    for name in ("grad", "matmul", "where"):
        _same_outcome(ours[name], jax_[name], name)
    assert (v + fnp.ones(3)).dtype == np.float64  # "standard" again


# ------------------------------------------------------------------------------- sign
def test_sign_keeps_the_sign_of_zero_as_jax_does():
    rec = FIXTURE["sign"]
    reals = [float(r) for r in rec["inputs_real"]]
    complexes = [complex(re_, im) for re_, im in rec["inputs_complex"]]
    for dtype in ("float64", "float32"):
        x = np.array(reals, dtype)
        for name, f in (("jnp", fnp.sign), ("lax", lax.sign)):
            want = rec[f"{name}_{dtype}"]
            for got in (f(x), fungrad.jit(f)(x), fungrad.vmap(f)(x)):
                got = np.asarray(got)
                assert got.dtype == want["dtype"]
                assert [repr(float(v)) for v in got] == want["values"]
                assert np.signbit(got).tolist() == want["signbit"]
    for dtype in ("complex128", "complex64"):
        z = np.array(complexes, dtype)
        for name, f in (("jnp", fnp.sign), ("lax", lax.sign)):
            want = rec[f"{name}_{dtype}"]
            for got in (np.asarray(f(z)), np.asarray(fungrad.jit(f)(z))):
                assert got.dtype == want["dtype"]
                np.testing.assert_allclose(got.real, want["real"], rtol=1e-6)
                np.testing.assert_allclose(got.imag, want["imag"], rtol=1e-6)
                assert np.signbit(got.real).tolist() == want["signbit_real"]
                assert np.signbit(got.imag).tolist() == want["signbit_imag"]
    assert repr(float(lax.sign(-0.0))) == rec["scalar_lax"]
    assert repr(float(fnp.sign(-0.0))) == rec["scalar_jnp"]
    assert fnp.sign(np.array([-3, 0, 4])).tolist() == [-1, 0, 1]
    # the derivative stays zero on the reals, at the zeros too
    assert float(fungrad.grad(fnp.sign)(-0.0)) == 0.0
    assert_derivatives(lambda x: fnp.sign(x) * x, (np.array([-1.5, 2.0]),))
