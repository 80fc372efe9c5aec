"""Named-axis collectives, complete: ppermute, pshuffle, all_to_all, pswapaxes, psum_scatter,
pbroadcast and axis_index_groups, and every collective inside lax control flow (scan,
fori_loop, while_loop, cond, switch, lax.map) under vmap, nested over two axis names, under
jit, pmap and the derivatives. Values against JAX 0.10.2's recorded results
(``fixtures/make_collectives_round5.py``), derivatives against finite differences."""
import pathlib
import sys

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import lax
from helpers import assert_derivatives, assert_same_as_numpy, rand

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "fixtures"))
from collectives_cases import CASES, GROUPS, RING  # noqa: E402

JAX = np.load(pathlib.Path(__file__).resolve().parent / "fixtures" / "collectives_round5.npz")


def named(f, **kwargs):
    return fungrad.vmap(f, axis_name="i", **kwargs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_jax(name):
    call, args = CASES[name]
    leaves = fungrad.tree_util.tree_leaves(call(fungrad, fungrad.vmap, *args))
    assert len(leaves) == len([k for k in JAX.files if k.rsplit("/", 1)[0] == name])
    for k, leaf in enumerate(leaves):
        assert_same_as_numpy(leaf, JAX[f"{name}/{k}"])


X = rand((4, 2, 4), low=0.5, high=2.0)


@pytest.mark.parametrize("body", [
    lambda v: fnp.sin(lax.ppermute(v * v, "i", [(0, 2), (3, 1), (1, 0)])) * v,
    lambda v: lax.pshuffle(v ** 3, "i", [2, 0, 3, 1]) * v,
    lambda v: lax.all_to_all(v ** 2, "i", 1, 0) * v[0, 0],
    lambda v: lax.all_to_all(v ** 2, "i", 1, 0, tiled=True, axis_index_groups=GROUPS) * v.T,
    lambda v: fnp.cos(lax.pswapaxes(v ** 2, "i", 1)) * v,
    lambda v: lax.psum_scatter(v ** 2, "i", scatter_dimension=1) * v[:, 0],
    lambda v: lax.psum_scatter(v ** 2, "i", scatter_dimension=1, tiled=True,
                               axis_index_groups=GROUPS) * v[0, :2],
    lambda v: lax.all_gather(v ** 2, "i", axis=1, axis_index_groups=GROUPS).sum(1) * v,
    lambda v: lax.pbroadcast(v ** 2, "i", 1) * fnp.sin(v),
    lambda v: lax.psum(v ** 2, "i", axis_index_groups=[[0, 1, 3], [2]]) * v,
], ids=["ppermute", "pshuffle", "all_to_all", "all_to_all_groups", "pswapaxes",
        "psum_scatter", "psum_scatter_groups", "all_gather_groups", "pbroadcast",
        "psum_groups"])
def test_collectives_differentiate_and_jit(body):
    mapped = named(body)
    assert_derivatives(mapped, (X,))
    assert_same_as_numpy(fungrad.jit(mapped)(X), mapped(X))
    assert_same_as_numpy(named(fungrad.jit(body))(X), mapped(X))
    # Differentiated inside the map, the collectives' own jvp and transpose rules run (outside
    # it, their batched forms are differentiated): per-example derivatives, orders 1 and 2,
    # forward and reverse, must add up to those of the mapped sum.
    w = rand(mapped(X).shape, seed=3)
    t = rand(X.shape, seed=4)

    def g(v, w_i):
        return fnp.sum(body(v) * w_i)

    def total(x):
        return fnp.sum(named(g)(x, w))

    grad_g = fungrad.grad(g)
    assert_same_as_numpy(named(grad_g)(X, w), fungrad.grad(total)(X))
    per_example = named(lambda v, w_i, t_i: fungrad.jvp(lambda u: g(u, w_i), (v,), (t_i,))[1])
    assert_same_as_numpy(np.sum(per_example(X, w, t)), fungrad.jvp(total, (X,), (t,))[1])
    assert_same_as_numpy(named(lambda v, w_i, t_i: fungrad.jvp(lambda u: grad_g(u, w_i), (v,),
                                                               (t_i,))[1])(X, w, t),
                         fungrad.jvp(fungrad.grad(total), (X,), (t,))[1])
    assert_same_as_numpy(named(fungrad.grad(lambda v, w_i, t_i: fnp.sum(grad_g(v, w_i) * t_i)))(
        X, w, t), fungrad.grad(lambda x: fnp.sum(fungrad.grad(total)(x) * t))(X))


ROW = np.array([1.0, 3.0, 5.0, 2.0])


@pytest.mark.parametrize("body, scalar", [
    (lambda v: lax.scan(lambda c, y: (fnp.sin(c) * lax.psum(c, "i") * y, c ** 2), v,
                        np.array([0.5, 1.5]))[1], False),
    (lambda v: lax.fori_loop(0, 2, lambda k, c: fnp.sin(lax.ppermute(c, "i", RING)) * c, v),
     True),
    (lambda v: lax.cond(v > 2.5, lambda u: fnp.sin(u) * lax.psum(u, "i"),
                        lambda u: u ** 2 * lax.pmean(u, "i"), v), True),
    (lambda v: lax.switch(fnp.int32(v) % 3, [lambda u: lax.psum(u ** 2, "i"), lambda u: -u,
                                             lambda u: lax.all_gather(u, "i")[1] * u], v),
     True),
    (lambda v: lax.map(lambda u: u * lax.psum_scatter(fnp.stack([u] * 4), "i"),
                       fnp.stack([v, 2 * v])), False),
], ids=["scan", "fori_loop", "cond", "switch", "map"])
def test_control_flow_with_collectives_differentiates(body, scalar):
    x = ROW + 0.1
    assert_derivatives(named(body), (x,))
    if scalar:  # per-example gradients transpose the collectives: the gradient of the sum
        summed = fungrad.grad(lambda y: fnp.sum(named(body)(y)))(x)
        assert_same_as_numpy(named(fungrad.grad(body))(x), summed)
    assert_same_as_numpy(fungrad.jit(named(body))(x), named(body)(x))


def test_while_loop_forward_mode_and_nested_names():
    body = named(lambda v: lax.while_loop(lambda c: c < 20.0,
                                          lambda c: c * 1.5 + lax.psum(c, "i") * 0.1, v))
    assert_derivatives(body, (ROW,), order=2, modes=("fwd",))
    nested = fungrad.vmap(fungrad.vmap(lambda v: lax.fori_loop(
        0, 2, lambda k, c: fnp.sin(c) * lax.psum(c, "i") + lax.pmean(c, "j"), v),
        axis_name="j"), axis_name="i")
    assert_derivatives(nested, (rand((2, 3), low=0.5, high=1.5),))


def test_pmap_on_one_device():
    x = np.arange(3.0).reshape(1, 3)
    out = fungrad.pmap(lambda v: lax.ppermute(v, "i", [(0, 0)]) + lax.pbroadcast(v, "i", 0),
                       axis_name="i")(x)
    assert_same_as_numpy(out, 2 * x)
    with pytest.raises(ValueError, match="only 1 device"):
        fungrad.pmap(lambda v: lax.ppermute(v, "i", [(0, 1), (1, 0)]), axis_name="i")(
            np.ones((2, 3)))


def test_dtypes_and_constants():
    x32 = X.astype(np.float32)
    assert named(lambda v: lax.ppermute(v, "i", RING))(x32).dtype == np.float32
    assert named(lambda v: lax.all_to_all(v, "i", 1, 1, tiled=True))(x32).dtype == np.float32
    # an operand the same in every example (not traced): JAX's values
    assert named(lambda v: lax.ppermute(2.0, "i", [(0, 1)]))(ROW).tolist() == [0.0, 2.0, 0.0, 0.0]
    assert named(lambda v: lax.psum_scatter(np.arange(4.0), "i"))(ROW).tolist() == \
        [0.0, 4.0, 8.0, 12.0]
    assert named(lambda v: lax.psum(1, "i", axis_index_groups=[[0, 1, 3], [2]]))(ROW).tolist() \
        == [3, 3, 1, 3]
    grads = named(fungrad.grad(lambda v: lax.all_gather(v, "i")[2]))(ROW)
    assert grads.tolist() == [0.0, 0.0, 4.0, 0.0]  # every example's slot 2 is example 2's


def test_bad_input():
    with pytest.raises(NameError, match="unbound axis name: i. To fix this, please call "
                                        "ppermute"):
        lax.ppermute(np.ones(2), "i", [(0, 1)])
    with pytest.raises(NameError, match="unbound axis name: j.*names in scope: \\['i'\\]"):
        named(lambda v: lax.all_to_all(v, "j", 0, 0))(X)
    with pytest.raises(NameError, match="unbound axis name: k"):
        named(lambda v: lax.scan(lambda c, y: (lax.psum(c, "k"), None), v, None, length=2))(X)
    with pytest.raises(ValueError, match="ppermute: perm pair \\(0, 4\\) is out of range"):
        named(lambda v: lax.ppermute(v, "i", [(0, 4)]))(X)
    with pytest.raises(ValueError, match="ppermute: perm sources and destinations must be "
                                         "unique"):
        named(lambda v: lax.ppermute(v, "i", [(0, 1), (0, 2)]))(X)
    with pytest.raises(ValueError, match="ppermute: perm must be a sequence of"):
        named(lambda v: lax.ppermute(v, "i", [1, 0, 2, 3]))(X)
    with pytest.raises(ValueError, match="pshuffle: `perm` does not represent a permutation"):
        named(lambda v: lax.pshuffle(v, "i", [0, 0, 1, 2]))(X)
    with pytest.raises(ValueError, match="all_to_all requires the size of the mapped axis"):
        named(lambda v: lax.all_to_all(v, "i", 0, 0))(X)
    with pytest.raises(ValueError, match="all_to_all: the size of split_axis \\(2\\) has to be "
                                         "divisible"):
        named(lambda v: lax.all_to_all(v, "i", 0, 1, tiled=True))(X)
    with pytest.raises(ValueError, match="all_to_all: concat_axis 3 is out of bounds"):
        named(lambda v: lax.all_to_all(v, "i", 1, 3))(X)
    with pytest.raises(ValueError, match="psum_scatter: the scatter dimension 0 .* must match"):
        named(lambda v: lax.psum_scatter(v, "i"))(X)
    with pytest.raises(ValueError, match="pbroadcast: source 4 is out of range"):
        named(lambda v: lax.pbroadcast(v, "i", 4))(X)
    with pytest.raises(ValueError, match="axis_index_groups must cover all indices"):
        named(lambda v: lax.psum(v, "i", axis_index_groups=[[0, 1], [1, 2, 3]]))(X)
    with pytest.raises(ValueError, match="groups of axis_index_groups must be the same size"):
        named(lambda v: lax.all_gather(v, "i", axis_index_groups=[[0, 1, 2], [3]]))(X)
    with pytest.raises(NotImplementedError, match="Differentiation rule for 'pmax'"):
        named(fungrad.grad(lambda v: lax.fori_loop(0, 2, lambda k, c: lax.pmax(c, "i"), v)))(ROW)
    # after the errors, the next call works
    assert named(lambda v: lax.pshuffle(v, "i", [1, 2, 3, 0]))(ROW).tolist() == [3.0, 5.0, 2.0, 1.0]
