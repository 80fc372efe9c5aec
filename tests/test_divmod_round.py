"""divmod() and round() of traced values and of Arrays, with numpy's semantics."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy, rand

# operands away from the jumps of // and % (finite differences straddle no discontinuity)
X = np.array([[7.3, -7.6, 2.2], [-3.4, 5.7, 0.4]])
Y = np.array([2.1, -1.7, 0.7])


@pytest.mark.parametrize("x, y", [
    (X, Y), (X[0, 0], Y[1]), (X, 2.0), (3.5, Y), (X.astype(np.float32), Y.astype(np.float32)),
    (np.arange(-5, 6), np.int64(3)), (np.zeros((0, 3)), Y),
])
def test_divmod_matches_numpy_eager_jit_and_vmap(x, y):
    expected = np.divmod(x, y)
    for fn in (lambda a, b: divmod(fnp.asarray(a), b), lambda a, b: divmod(a, fnp.asarray(b)),
               fungrad.jit(lambda a, b: divmod(a, b))):
        q, r = fn(x, y)
        assert_same_as_numpy(q, expected[0])
        assert_same_as_numpy(r, expected[1])
    if np.ndim(x):
        q, r = fungrad.vmap(lambda a: divmod(a, y))(np.asarray(x))
        assert_same_as_numpy(q, expected[0])
        assert_same_as_numpy(r, expected[1])


def test_rdivmod_of_a_tracer():
    q, r = fungrad.jit(lambda b: divmod(7.5, b))(Y)
    assert_same_as_numpy(q, np.floor_divide(7.5, Y))
    assert_same_as_numpy(r, np.mod(7.5, Y))
    q, r = fungrad.jit(lambda b: divmod(X, b))(Y)  # a numpy array on the left defers to it
    assert_same_as_numpy(r, np.mod(X, Y))


@pytest.mark.parametrize("x, y", [(X, Y), (X[1, 1], Y[0]), (X[0], 2.5)])
def test_divmod_derivatives(x, y):
    # d(x % y) = dx - floor(x / y) dy; the quotient is piecewise constant
    assert_derivatives(lambda a, b: divmod(a, b)[1] * a, (x, y))
    assert_derivatives(lambda a, b: divmod(b, a)[1] * a + divmod(a, b)[0], (x, y))
    g = fungrad.grad(lambda a: fnp.sum(divmod(a, y)[0] * a))(x)
    assert_same_as_numpy(g, np.floor_divide(x, y))


def test_divmod_bad_operand_names_the_operation():
    with pytest.raises(TypeError, match="floor_divide|int.*str|unsupported"):
        fungrad.jit(lambda a: divmod(a, "2"))(X)
    assert fungrad.jit(lambda a: divmod(a, 2.0))(X)[1].shape == X.shape  # the next call works


@pytest.mark.parametrize("value", [2.5, 3.5, -2.5, 2.51, np.float32(1.5), np.int64(15)])
def test_round_of_a_scalar_is_numpys_python_int(value):
    expected = round(value if isinstance(value, np.generic) else np.float64(value))
    eager = round(fnp.asarray(value))
    assert type(eager) is int and eager == expected
    traced = fungrad.jit(lambda a: round(a))(value)  # jit returns the int as an array
    assert_same_as_numpy(traced, np.int64(expected))


@pytest.mark.parametrize("value, ndigits", [
    (np.float64(2.567), 1), (np.float32(2.567), 2), (np.float64(1234.5), -2),
    (np.int64(15), -1), (np.int32(15), 0),
])
def test_round_with_ndigits_keeps_numpys_dtype(value, ndigits):
    expected = round(value, ndigits)
    assert_same_as_numpy(round(fnp.asarray(value), ndigits), expected)
    assert_same_as_numpy(fungrad.jit(lambda a: round(a, ndigits))(value), expected)


def test_round_of_arrays_is_elementwise_like_jax():
    x = rand((3, 4), seed=1) * 10
    for ndigits in (None, 0, 1, -1):
        expected = np.round(x, ndigits or 0)
        assert_same_as_numpy(round(fnp.asarray(x), ndigits), expected)
        assert_same_as_numpy(fungrad.jit(lambda a: round(a, ndigits))(x), expected)
        assert_same_as_numpy(fungrad.vmap(lambda a: round(a, ndigits))(x), expected)
    assert_same_as_numpy(round(fnp.asarray(x.astype(np.float32)), 1),
                         np.round(x.astype(np.float32), 1))
    assert round(fnp.asarray(np.zeros((0, 2)))).shape == (0, 2)


def test_round_has_a_zero_derivative():
    x = np.array([0.31, -1.27, 2.44])
    assert_derivatives(lambda a: round(fnp.asarray(a), 1) * a, (x,))  # numpy arrays: none
    assert_same_as_numpy(fungrad.grad(lambda a: fnp.sum(round(a, 1) * a))(x), np.round(x, 1))
    # round() to an int under grad: the int is a constant (its derivative is zero anyway)
    assert fungrad.grad(lambda a: round(a) * a)(2.4) == 2.0


def test_round_errors():
    for value in (np.complex128(1.5 + 2j), np.bool_(True)):
        for fn in (round, fungrad.jit(lambda a: round(a, 1))):
            with pytest.raises(TypeError, match=r"round\(\) of a (complex128|bool) array"):
                fn(fnp.asarray(value))
    with pytest.raises(TypeError, match="integer"):
        round(fnp.asarray(2.5), 1.5)
    # abstract tracing has no value to make a Python int of
    with pytest.raises(fungrad.ConcretizationTypeError, match="int"):
        fungrad.make_jaxpr(lambda a: round(a))(fungrad.ShapeDtypeStruct((), "float64"))
    assert round(fnp.asarray(2.5)) == 2  # the next call works
