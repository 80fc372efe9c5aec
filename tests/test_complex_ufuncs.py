"""Every public elementwise function of fungrad.numpy on complex input: it agrees with numpy
(value and dtype), or, where numpy refuses complex numbers (floor, arctan2, logaddexp,
fmod, the bitwise functions, ...), it raises fungrad's own TypeError naming the function,
the argument, its dtype and what was expected -- the same eagerly and under jit -- and the
next call works.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp

Z = np.array([1.0 + 2.0j, -0.5 + 0.25j, 0.75 - 1.5j])
R = np.array([0.5, -2.0, 1.25])

# numpy's elementwise ufuncs that fungrad.numpy has (generalized ufuncs like matmul aside)
UFUNCS = sorted(name for name in dir(np) if isinstance(getattr(np, name), np.ufunc)
                and getattr(np, name).signature is None and hasattr(fnp, name))
# elementwise functions that are not ufuncs in numpy
OTHERS = {"round": 1, "around": 1, "sinc": 1, "angle": 1, "real_if_close": 1, "real": 1,
          "imag": 1, "isreal": 1, "iscomplex": 1, "nan_to_num": 1, "isneginf": 1,
          "isposinf": 1, "isclose": 2}


def _arity(name):
    return getattr(np, name).nin if name in UFUNCS else OTHERS[name]


def _cases():
    for name in UFUNCS + sorted(OTHERS):
        arity = _arity(name)
        operand_sets = [(Z,)] if arity == 1 else [(Z, Z), (Z, R), (R, Z)]
        for i, args in enumerate(operand_sets):
            yield pytest.param(name, args, id=f"{name}-{i}")


def _leaves(x):
    return [np.asarray(v) for v in (x if isinstance(x, tuple) else (x,))]


def test_the_sweep_covers_the_elementwise_namespace():
    assert len(UFUNCS) >= 90, UFUNCS  # numpy 2 has ~95 scalar ufuncs; fungrad lacks isnat
    assert {"floor", "arctan2", "logaddexp", "heaviside", "fmod", "remainder", "maximum",
            "float_power", "bitwise_and"} <= set(UFUNCS)


@pytest.mark.parametrize("name,args", list(_cases()))
def test_complex_input_agrees_with_numpy_or_raises_clearly(name, args):
    theirs = getattr(np, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = theirs(*args)
    except TypeError:
        expected = None
    for mode, fn in (("eager", getattr(fnp, name)), ("jit", fungrad.jit(getattr(fnp, name)))):
        if expected is None:
            with pytest.raises(TypeError) as info:
                fn(*args)
            message = str(info.value)
            own = getattr(fnp, name).__name__  # an alias (degrees) names its function (rad2deg)
            assert message.startswith((f"fungrad.numpy.{name}: argument x",
                                       f"fungrad.numpy.{own}: argument x")), (mode, message)
            # the first operand numpy has no loop for: complex, or a float for the bitwise ones
            assert re.search(r"\(dtype (complex128|float64)\).*expected", message), message
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = fn(*args)
        for o, t in zip(_leaves(got), _leaves(expected), strict=True):
            assert o.dtype == t.dtype and o.shape == t.shape, (mode, o.dtype, t.dtype)
            np.testing.assert_allclose(o, t, rtol=1e-12, atol=1e-15, equal_nan=True)
    np.testing.assert_array_equal(fnp.add(R, 1.0), R + 1.0)  # the next call works


def test_complex_error_under_grad_and_for_python_scalars():
    with pytest.raises(TypeError, match=r"fungrad.numpy.floor: argument x is c128\[\]"):
        fnp.floor(1 + 2j)
    with pytest.raises(TypeError, match=r"fungrad.numpy.arctan2: argument x1 is c128\[\]"):
        fnp.arctan2(1j, 1)
    with pytest.raises(TypeError, match=r"fungrad.numpy.logaddexp: argument x2 is c128\[3\]"):
        fungrad.grad(lambda x: fnp.sum(fnp.logaddexp(x, x * 1j).real))(R)
    assert fnp.maximum(1j, 1.0) == np.maximum(1j, 1.0)  # numpy orders complex numbers


def test_integer_only_functions_refuse_floats_clearly_too():
    with pytest.raises(TypeError, match="bitwise_and: argument x1 is f64.*integer or boolean"):
        fnp.bitwise_and(1.5, 2)


def test_nan_to_num_of_complex_replaces_each_part_as_numpy():
    z = np.array([complex(np.nan, np.inf), complex(-np.inf, np.nan), 1 - 2j])
    for kwargs in ({}, {"nan": 1.0, "posinf": 5.0, "neginf": -5.0}):
        got = fnp.nan_to_num(z, **kwargs)
        expected = np.nan_to_num(z, **kwargs)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(fungrad.jit(fnp.nan_to_num)(z), np.nan_to_num(z))


def test_float_power_of_complex_is_complex128_as_numpy():
    # it used to cast complex operands to float64, silently dropping the imaginary part
    for args in ((Z, R), (R, Z), (2, 1j)):
        got, expected = fnp.float_power(*args), np.float_power(*args)
        assert got.dtype == expected.dtype == np.complex128
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert fnp.float_power(np.float32(2), np.float32(3)).dtype == np.float64
