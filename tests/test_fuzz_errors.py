"""The error-path fuzz profile: every public ``fungrad.numpy`` function that numpy also has is
fed invalid shapes, axes, dtypes and values, eagerly and under ``jit`` and ``grad``.

Wherever numpy raises, fungrad must raise too (never a silent answer), and with a
TypeError, ValueError or IndexError carrying a message -- never an AttributeError, KeyError,
AssertionError or RecursionError from inside fungrad. After every error the next
differentiation works (no trace is left on the stack).
"""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp

ALLOWED = (TypeError, ValueError, IndexError, NotImplementedError)

# Functions whose numpy counterpart accepts what JAX refuses, or that take no arrays: the
# comparison with numpy does not apply to them.
NOT_COMPARED = {
    "array", "asarray", "dtype", "finfo", "iinfo", "issubdtype", "result_type", "ndim",
    "shape", "size", "astype", "empty", "empty_like", "zeros", "ones", "full", "eye",
    "identity", "arange", "linspace", "tri", "zeros_like", "ones_like", "full_like",
    "allclose", "isclose", "isscalar", "iterable", "promote_types", "can_cast", "save",
    "load", "array_equal", "array_equiv",
    # they write files: savez("abc") is valid, and would leave abc.npz behind
    "savez", "savez_compressed", "savetxt",
}


def _public_functions():
    names = []
    for name in sorted(dir(fnp)):
        if name.startswith("_") or name in NOT_COMPARED:
            continue
        ours, theirs = getattr(fnp, name), getattr(np, name, None)
        if not callable(ours) or theirs is None or isinstance(ours, type) or \
                inspect.ismodule(ours) or not callable(theirs) or isinstance(theirs, type):
            continue
        names.append(name)
    return names


def _takes(fn, param):
    try:
        return param in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _bad_calls(name):
    """(description, args, kwargs) triples that numpy may refuse."""
    ours = getattr(fnp, name)
    x = np.arange(6.0).reshape(2, 3)
    calls = [("a string", ("abc",), {}), ("None", (None,), {}),
             ("an object", (object(),), {}), ("a ragged list", ([[1.0, 2.0], [3.0]],), {})]
    if _takes(ours, "axis"):
        calls += [("axis=5 on a 2-d array", (x,), {"axis": 5}),
                  ("axis=-3 on a 2-d array", (x,), {"axis": -3}),
                  ("axis=1.5", (x,), {"axis": 1.5}),
                  ("axis=1 on a 1-d array", (np.arange(3.0),), {"axis": 1})]
    try:
        n_params = len([p for p in inspect.signature(ours).parameters.values()
                        if p.default is inspect.Parameter.empty and
                        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        n_params = 1
    if n_params >= 2:
        calls += [("shapes (2,3) and (4,5)", (x, np.ones((4, 5))), {}),
                  ("a string second operand", (x, "abc"), {})]
    return calls


def _numpy_raises(name, args, kwargs) -> bool:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            getattr(np, name)(*args, **kwargs)
        except Exception:
            return True
    return False


def _run(how, name, args, kwargs):
    fn = getattr(fnp, name)
    if how == "eager":
        return fn(*args, **kwargs)
    arrays = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]
    if not arrays:
        return fn(*args, **kwargs)

    def with_traced(a):
        full = list(args)
        full[arrays[0]] = a
        return fn(*full, **kwargs)
    a0 = args[arrays[0]]
    if how == "jit":
        return fungrad.jit(with_traced)(a0)
    return fungrad.grad(lambda a: fnp.sum(fnp.asarray(with_traced(a), dtype=float)))(a0)


CASES = [(name, desc, args, kwargs) for name in _public_functions()
         for desc, args, kwargs in _bad_calls(name) if _numpy_raises(name, args, kwargs)]


def _still_works():
    assert float(fungrad.grad(lambda t: t * t)(3.0)) == 6.0
    assert float(fungrad.jit(lambda t: t + 1.0)(1.0)) == 2.0


@pytest.mark.parametrize("how", ["eager", "jit", "grad"])
def test_bad_input_raises_clearly(how):
    findings = []
    for name, desc, args, kwargs in CASES:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                out = _run(how, name, args, kwargs)
        except ALLOWED as exc:
            if not str(exc).strip():
                findings.append(f"{name}({desc}) [{how}]: {type(exc).__name__} with no message")
        except Exception as exc:  # the wrong kind of error
            findings.append(f"{name}({desc}) [{how}]: {type(exc).__name__}: {exc}")
        else:
            findings.append(f"{name}({desc}) [{how}]: numpy raises, fungrad returned "
                            f"{type(out).__name__} {getattr(out, 'shape', '')}")
        _still_works()
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(findings)


def test_the_profile_covers_the_namespace():
    assert len(_public_functions()) > 100
    assert len(CASES) > 300
