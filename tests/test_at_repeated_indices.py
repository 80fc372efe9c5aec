"""x.at[idx].divide / power / apply with an index that repeats: every occurrence takes part,
as in JAX (and numpy's ufunc.at), not once per position.

The JAX values were recorded with jax 0.10.2 (float64), from
``jnp.arange(1., 6.).at[np.array([4, 4, 1])]`` and the calls named in each test.
"""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad.test_util import check_grads

X = np.arange(1.0, 6.0)
IDX = np.array([4, 4, 1])
Y = np.array([2.0, 4.0, 3.0])
P = np.array([2.0, 3.0, 2.0])

JAX = {  # recorded
    "divide": [1.0, 0.6666666666666666, 3.0, 4.0, 0.625],
    "power": [1.0, 4.0, 3.0, 4.0, 15625.0],
    "apply": [1.0, 5.0, 3.0, 4.0, 23.0],
    "int_divide": [1.0, 1.0, 3.0, 4.0, 1.25],
    "grad_divide": [1.0, 0.3333333333333333, 1.0, 1.0, 0.125],
    "grad_power": [1.0, 4.0, 1.0, 1.0, 18750.0],
}


def _ufunc_at(ufunc, x, idx, values):
    out = np.array(x, dtype=np.result_type(x, 1.0))
    ufunc.at(out, idx, values)
    return out


def _updates(x, idx):
    return (x.at[idx].divide(Y), x.at[idx].power(P), x.at[idx].apply(lambda v: 2 * v + 1))


@pytest.mark.parametrize("how", ["eager", "jit_traced_index", "jit_concrete_index"])
def test_values_match_jax_and_numpy(how):
    if how == "eager":
        got = _updates(fnp.asarray(X), IDX)
    elif how == "jit_traced_index":
        got = fungrad.jit(_updates)(X, IDX)
    else:
        got = fungrad.jit(lambda x: _updates(x, IDX))(X)
    for name, value in zip(("divide", "power", "apply"), got):
        np.testing.assert_allclose(value, JAX[name], rtol=1e-14, err_msg=name)
    np.testing.assert_allclose(got[0], _ufunc_at(np.divide, X, IDX, Y), rtol=1e-14)
    np.testing.assert_allclose(got[1], _ufunc_at(np.power, X, IDX, P), rtol=1e-14)


def test_integer_divide_promotes_and_divides_by_every_value():
    got = fnp.arange(1, 6).at[IDX].divide(2)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, JAX["int_divide"])
    traced = fungrad.jit(lambda x, i: x.at[i].divide(2))(np.arange(1, 6), IDX)
    np.testing.assert_array_equal(traced, JAX["int_divide"])


@pytest.mark.parametrize("jit", [False, True])
def test_gradients_in_x_match_jax(jit):
    def gd(x, i):
        return fungrad.grad(lambda x: fnp.sum(x.at[i].divide(Y)))(x)

    def gp(x, i):
        return fungrad.grad(lambda x: fnp.sum(x.at[i].power(P)))(x)
    if jit:
        gd, gp = fungrad.jit(gd), fungrad.jit(gp)
    np.testing.assert_allclose(gd(X, IDX), JAX["grad_divide"], rtol=1e-14)
    np.testing.assert_allclose(gp(X, IDX), JAX["grad_power"], rtol=1e-14)


def test_finite_differences_with_a_concrete_repeated_index():
    # x and the values are both differentiated: a concrete index is per occurrence
    check_grads(lambda x, y: fnp.asarray(x).at[IDX].divide(y), (X, Y), order=2)
    check_grads(lambda x, y: fnp.asarray(x).at[IDX].power(y), (X, np.array([1.5, 2.0, 0.5])),
                order=2)
    check_grads(lambda x: fnp.asarray(x).at[IDX].apply(fnp.sin), (X,), order=2)
    check_grads(lambda x: fnp.asarray(x).at[np.array([[0, 0], [2, 0]])].apply(fnp.exp), (X,),
                order=2)


def test_traced_index_differentiates_x_everywhere_and_refuses_values_like_jax():
    # the entries no index reaches are untouched: derivative 1, also at 0 for power
    x = np.array([0.0, 2.0, 0.0, 3.0])
    check_grads(lambda x: fungrad.jit(lambda x, i: x.at[i].power(P))(x, np.array([1, 1, 3])),
                (x,), order=2)
    check_grads(lambda x: fungrad.jit(lambda x, i: x.at[i].divide(Y))(x, np.array([3, 1, 3])),
                (x,), order=2)
    f = fungrad.jit(fungrad.grad(lambda y, i: fnp.sum(fnp.asarray(X).at[i].divide(y))))
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        f(Y, IDX)
    # after the error the next call works, and unique_indices=True gives the derivative
    g = fungrad.jit(fungrad.grad(
        lambda y, i: fnp.sum(fnp.asarray(X).at[i].divide(y, unique_indices=True))))
    np.testing.assert_allclose(g(Y, np.array([0, 4, 1])), -X[[0, 4, 1]] / Y ** 2, rtol=1e-14)


def test_unique_indices_keeps_once_per_position():
    # JAX's promise: with it, a repeated index acts once (the old reading)
    x = fnp.asarray(X)
    np.testing.assert_allclose(x.at[np.array([4, 4])].power(2.0, unique_indices=True)[4], 25.0)
    np.testing.assert_allclose(x.at[np.array([4, 4])].apply(fnp.sqrt, unique_indices=True)[4],
                               np.sqrt(5.0))
    np.testing.assert_allclose(x.at[np.array([4, 4])].divide(2.0, unique_indices=True)[4], 2.5)


def test_unique_indices_take_the_plain_path():
    # without repeats the per-occurrence paths give exactly what the plain update gives
    x = fnp.asarray(X)
    i = np.array([3, 0, 4])
    for name, arg in (("divide", Y), ("power", P), ("apply", fnp.cos)):
        plain = getattr(x.at[i], name)(arg, unique_indices=True)
        every = getattr(x.at[i], name)(arg)
        traced = fungrad.jit(lambda x, i, name=name, arg=arg: getattr(x.at[i], name)(arg))(X, i)
        np.testing.assert_array_equal(every, plain)
        np.testing.assert_array_equal(traced, plain)


def test_apply_counts_occurrences_under_jit_and_retraces():
    f = fungrad.jit(lambda x, i: x.at[i].apply(lambda v: 2 * v))
    np.testing.assert_array_equal(f(np.ones(3), np.array([0, 0, 0])), [8.0, 1.0, 1.0])
    np.testing.assert_array_equal(f(np.ones(3), np.array([0, 1, 2])), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(f(np.ones(3), np.array([2, 2, 1])), [1.0, 2.0, 4.0])


def test_modes_and_vmap_with_repeats():
    x = fnp.asarray(X)
    i = np.array([4, 7, 4])  # 7 is out of bounds: dropped by default, clamped to 4 by clip
    np.testing.assert_allclose(x.at[i].divide(Y)[4], 5.0 / (2.0 * 3.0))
    np.testing.assert_allclose(x.at[i].divide(Y, mode="clip")[4], 5.0 / (2.0 * 4.0 * 3.0))
    np.testing.assert_allclose(
        fungrad.jit(lambda x, i: x.at[i].divide(Y))(X, i)[4], 5.0 / 6.0)
    xs = np.stack([X, 2 * X])
    got = fungrad.vmap(lambda x: x.at[IDX].divide(Y))(xs)
    np.testing.assert_allclose(got, [_ufunc_at(np.divide, r, IDX, Y) for r in xs], rtol=1e-14)
    got = fungrad.vmap(lambda x: x.at[IDX].apply(lambda v: 2 * v + 1))(xs)
    np.testing.assert_allclose(got[0], JAX["apply"])


def test_empty_index_and_bad_func():
    x = fnp.asarray(X)
    empty = np.array([], dtype=np.int64)
    np.testing.assert_array_equal(x.at[empty].apply(fnp.sin), X)
    np.testing.assert_array_equal(x.at[empty].divide(np.array([])), X)
    with pytest.raises(TypeError):
        x.at[IDX].apply(3.0)


@pytest.mark.parametrize("name,ufunc", [("multiply", np.multiply), ("min", np.minimum),
                                        ("max", np.maximum)])
def test_multiply_min_max_with_a_traced_repeated_index(name, ufunc):
    # they raised NotImplementedError; JAX combines every value (scatter_mul/min/max)
    f = fungrad.jit(lambda x, i, y: getattr(x.at[i], name)(y))
    want = _ufunc_at(ufunc, X, IDX, Y)
    np.testing.assert_allclose(f(X, IDX, Y), want, rtol=1e-15)
    np.testing.assert_array_equal(getattr(fnp.asarray(X).at[IDX], name)(Y), want)
    ints = fungrad.jit(lambda x, i: getattr(x.at[i], name)(np.array([3, -2, 5])))(
        np.arange(1, 6), IDX)
    assert ints.dtype == np.int64
    np.testing.assert_array_equal(ints, _ufunc_at(ufunc, np.arange(1, 6), IDX, [3, -2, 5])
                                  .astype(np.int64))
    # x is differentiated through op; the values, as in JAX, only with unique_indices
    check_grads(lambda x: f(x, IDX, Y), (X + 0.25,), order=2)
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        fungrad.jit(fungrad.grad(lambda y, i: fnp.sum(getattr(fnp.asarray(X).at[i], name)(y))))(
            Y, IDX)
    g = fungrad.jit(fungrad.grad(lambda y, i: fnp.sum(
        getattr(fnp.asarray(X).at[i], name)(y, unique_indices=True))))
    unique = np.array([0, 4, 1])
    eager = fungrad.grad(lambda y: fnp.sum(getattr(fnp.asarray(X).at[unique], name)(y)))
    np.testing.assert_allclose(g(Y, unique), eager(Y), rtol=1e-15)
