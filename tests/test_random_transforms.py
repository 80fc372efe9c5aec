"""fungrad.random under the transforms: keys through jit, vmap, scan and fori_loop carries
and pytrees; random_bits in the IR; gradients through reparameterised samples; errors."""
import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
import fungrad.random as random
from tests.helpers import assert_derivatives


@pytest.mark.parametrize("make_key", [random.PRNGKey, random.key], ids=["raw", "typed"])
def test_jit_gives_the_eager_values(make_key):
    k = make_key(3)
    f = fungrad.jit(lambda k: (random.normal(k, (4,)), random.uniform(k, (2,), minval=-1.0),
                               random.randint(k, (3,), 0, 9), random.split(k)))
    for got, want in zip(f(k), (random.normal(k, (4,)), random.uniform(k, (2,), minval=-1.0),
                                random.randint(k, (3,), 0, 9), random.split(k))):
        np.testing.assert_array_equal(random.key_data(got) if isinstance(got, random.PRNGKeyArray)
                                      else got,
                                      random.key_data(want) if isinstance(want, random.PRNGKeyArray)
                                      else want)
    # a new key, the same compiled function
    np.testing.assert_array_equal(f(make_key(4))[0], random.normal(make_key(4), (4,)))


def test_jit_of_key_construction_from_a_traced_seed():
    f = fungrad.jit(lambda s: random.PRNGKey(s))
    np.testing.assert_array_equal(f(np.int64(2**32 + 5)), [1, 5])
    np.testing.assert_array_equal(f(np.int64(7)), [0, 7])


@pytest.mark.parametrize("make_key", [random.PRNGKey, random.key], ids=["raw", "typed"])
def test_vmap_over_a_batch_of_keys_equals_stacking(make_key):
    keys = random.split(make_key(0), 4)
    batched = fungrad.vmap(lambda k: random.normal(k, (3,)))(keys)
    stacked = np.stack([random.normal(k, (3,)) for k in keys])
    np.testing.assert_array_equal(batched, stacked)
    splits = fungrad.vmap(random.split)(keys)
    data = random.key_data(splits) if isinstance(splits, random.PRNGKeyArray) else splits
    np.testing.assert_array_equal(data, np.stack([random.key_data(random.split(k)) if
                                                  isinstance(k, random.PRNGKeyArray) else
                                                  random.split(k) for k in keys]))
    folded = fungrad.vmap(lambda d: random.fold_in(make_key(1), d))(np.arange(3, dtype=np.uint32))
    want = np.stack([random.key_data(random.fold_in(make_key(1), d)) for d in range(3)])
    np.testing.assert_array_equal(random.key_data(folded), want)


def test_vmap_of_samplers_with_keys_and_parameters():
    keys = random.split(random.PRNGKey(2), 3)
    mus = np.array([0.0, 1.0, 2.0])
    out = fungrad.vmap(lambda k, m: m + random.uniform(k, (2,), minval=-1.0, maxval=1.0))(keys, mus)
    want = np.stack([m + random.uniform(k, (2,), minval=-1.0, maxval=1.0)
                     for k, m in zip(keys, mus)])
    np.testing.assert_array_equal(out, want)
    perms = fungrad.vmap(lambda k: random.permutation(k, 6))(keys)
    np.testing.assert_array_equal(perms, np.stack([random.permutation(k, 6) for k in keys]))


def test_nested_vmap_of_fold_in_over_keys_and_data_is_the_outer_product():
    """The outer vmap batches keys against data the inner one batched: the batch axes
    must not line up with the data's (they did, silently giving 4 keys for 16)."""
    keys = random.split(random.PRNGKey(0), 4)
    data = np.arange(4, dtype=np.uint32) + 7
    got = fungrad.vmap(fungrad.vmap(random.fold_in, (None, 0)), (0, None))(keys, data)
    want = [[random.fold_in(k, d) for d in data] for k in keys]
    np.testing.assert_array_equal(got, np.array(want))
    got = fungrad.vmap(fungrad.vmap(random.fold_in, (0, None)), (None, 0))(keys, data)
    np.testing.assert_array_equal(got, np.array(want).transpose(1, 0, 2))


@pytest.mark.parametrize("make_key", [random.PRNGKey, random.key], ids=["raw", "typed"])
def test_keys_as_scan_and_fori_loop_carries(make_key):
    def step(k, _):
        k, sub = random.split(k)
        return k, random.normal(sub, ())
    final, draws = fungrad.lax.scan(step, make_key(5), None, length=4)
    k, want = make_key(5), []
    for _ in range(4):
        k, sub = random.split(k)
        want.append(random.normal(sub, ()))
    np.testing.assert_array_equal(draws, np.array(want))
    np.testing.assert_array_equal(random.key_data(final), random.key_data(k))

    def body(i, carry):
        k, total = carry
        k, sub = random.split(k)
        return k, total + random.uniform(sub, ())
    k_out, total = fungrad.lax.fori_loop(0, 3, body, (make_key(5), 0.0))
    k, want_total = make_key(5), 0.0
    for _ in range(3):
        k, sub = random.split(k)
        want_total = want_total + random.uniform(sub, ())
    np.testing.assert_allclose(total, want_total, rtol=1e-15)


def test_typed_keys_in_pytrees():
    tree = {"a": random.key(0), "b": [random.split(random.key(1), 2)]}
    leaves, treedef = fungrad.tree_util.tree_flatten(tree)
    assert [leaf.shape for leaf in leaves] == [(2,), (2, 2)]
    rebuilt = fungrad.tree_util.tree_unflatten(treedef, leaves)
    assert isinstance(rebuilt["a"], random.PRNGKeyArray) and rebuilt["b"][0].shape == (2,)
    out = fungrad.jit(lambda t: random.normal(t["b"][0][1], (2,)))(tree)
    np.testing.assert_array_equal(out, random.normal(tree["b"][0][1], (2,)))
    assert bool(random.key(3) == random.wrap_key_data(random.key_data(random.key(3))))
    assert random.key_impl(random.key(0)) == "threefry2x32"


def test_ir_shows_random_bits():
    text = str(fungrad.make_jaxpr(lambda k: random.normal(k, (3,)))(random.PRNGKey(0)))
    assert "random_bits[bit_width=64 shape=(3,)]" in text and "erf_inv" in text
    text = str(fungrad.make_jaxpr(random.split)(random.PRNGKey(0)))
    assert "random_split[shape=(2,)]" in text
    from fungrad.prims.random_bits import threefry2x32
    text = str(fungrad.make_jaxpr(threefry2x32)(*[np.zeros(3, np.uint32)] * 4))
    assert "threefry2x32" in text


def test_gradients_through_reparameterised_samples():
    k = random.PRNGKey(0)
    eps = random.normal(k, (5,))
    g = fungrad.grad(lambda mu, sigma: fnp.sum(mu + sigma * random.normal(k, (5,))),
                     argnums=(0, 1))(1.0, 2.0)
    np.testing.assert_allclose(g[0], 5.0)
    np.testing.assert_allclose(g[1], np.sum(eps), rtol=1e-14)
    assert_derivatives(lambda lo, hi: random.uniform(k, (3,), minval=lo, maxval=hi), (-1.0, 2.0))
    assert_derivatives(lambda s: random.lognormal(k, s, (3,)), (0.7,))
    assert_derivatives(lambda lo: random.truncated_normal(k, lo, 2.0, (3,)), (-0.5,),
                       rtol=1e-4, atol=1e-6)
    assert_derivatives(lambda b: random.pareto(k, b, (3,)), (2.5,))
    assert_derivatives(lambda m: random.wald(k, m, (3,)), (1.5,))


@pytest.mark.parametrize("call,error,words", [
    (lambda: random.normal(np.array([0.0, 1.0]), (2,)), TypeError, "uint32"),
    (lambda: random.normal(np.zeros(3, np.uint32)), ValueError, "(..., 2)"),
    (lambda: random.normal(random.split(random.PRNGKey(0)), (2,)), ValueError, "single key"),
    (lambda: random.normal("key"), TypeError, "PRNG key"),
    (lambda: random.normal(random.PRNGKey(0), (2.5,)), TypeError, "shape"),
    (lambda: random.uniform(random.PRNGKey(0), (-1,)), ValueError, "non-negative"),
    (lambda: random.bernoulli(random.PRNGKey(0), 1.5, (2,)), ValueError, "[0, 1]"),
    (lambda: random.choice(random.PRNGKey(0), 3, (5,), replace=False), ValueError, "larger"),
    (lambda: random.choice(random.PRNGKey(0), 3, (2,), p=np.array([0.5, -0.1, 0.6])),
     ValueError, "[0, 1]"),
    (lambda: random.uniform(random.PRNGKey(0), (2,), np.int32), ValueError, "float dtype"),
    (lambda: random.randint(random.PRNGKey(0), (2,), 0, 3, np.float64), TypeError, "integer"),
    (lambda: random.PRNGKey(1.5), TypeError, "integer"),
    (lambda: random.PRNGKey(np.arange(2)), TypeError, "scalar seed"),
    (lambda: random.PRNGKey(2**70), ValueError, "64 bits"),
    (lambda: random.fold_in(random.PRNGKey(0), 1.5), TypeError, "integer"),
    (lambda: random.bits(random.PRNGKey(0), (2,), np.int32), ValueError, "unsigned"),
    (lambda: random.uniform(random.PRNGKey(0), (2,), minval=np.zeros(3)), ValueError, "shape"),
])
def test_clear_errors_and_the_next_call_works(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)
    assert random.normal(random.PRNGKey(0), ()).shape == ()


def test_gamma_implicit_reparameterisation_gradient():
    from scipy import special
    k = random.PRNGKey(7)
    a = np.array([0.3, 1.0, 2.5, 10.0])
    x = random.gamma(k, a)
    g = fungrad.vjp(lambda a: random.gamma(k, a), a)[1](np.ones(4))[0]
    h = 1e-6  # dx/da = -(dP/da) / pdf at fixed CDF P(a, x)
    dP = (special.gammainc(a + h, x) - special.gammainc(a - h, x)) / (2 * h)
    pdf = np.exp((a - 1) * np.log(x) - x - special.gammaln(a))
    np.testing.assert_allclose(g, -dP / pdf, rtol=1e-6)
    _, forward = fungrad.jvp(lambda a: random.gamma(k, a), (a,), (np.ones(4),))
    np.testing.assert_allclose(forward, g, rtol=1e-14)
    # loggamma's gradient is the gamma gradient over the sample; through beta and dirichlet
    gl = fungrad.grad(lambda a: fnp.sum(random.loggamma(k, a)))(a)
    np.testing.assert_allclose(gl, g / x, rtol=1e-10)
    # (finite differences are no check here: a step in a can flip a rejection.) Through
    # dirichlet, forward and reverse mode agree
    alpha = np.array([0.5, 1.5, 3.0])
    jac_fwd = fungrad.jacfwd(lambda al: random.dirichlet(k, al))(alpha)
    jac_rev = fungrad.jacrev(lambda al: random.dirichlet(k, al))(alpha)
    np.testing.assert_allclose(jac_fwd, jac_rev, rtol=1e-12)
    np.testing.assert_allclose(jac_fwd.sum(0), 0.0, atol=1e-12)  # the samples sum to 1


def test_gamma_batches_over_keys_and_shapes():
    keys = random.split(random.PRNGKey(0), 3)
    out = fungrad.vmap(lambda k, a: random.gamma(k, a, (2,)))(keys, np.array([0.5, 1.0, 4.0]))
    want = np.stack([random.gamma(k, a, (2,)) for k, a in zip(keys, [0.5, 1.0, 4.0])])
    np.testing.assert_allclose(out, want, rtol=1e-15)
    jitted = fungrad.jit(lambda k: random.gamma(k, 2.0, (3,)))
    np.testing.assert_array_equal(jitted(keys[0]), random.gamma(keys[0], 2.0, (3,)))
    assert "random_gamma" in str(fungrad.make_jaxpr(lambda k: random.gamma(k, 2.0))(keys[0]))


def test_typed_keys_print_as_key_avals_in_the_ir():
    """A jaxpr of typed keys shows JAX's ``key<fry>[...]`` avals; key data is unwrapped
    into uint32 by ``random_unwrap``, and raw keys stay ``u32[2]``."""
    def f(k):
        k1, k2 = random.split(k)
        return random.uniform(k1), random.key_data(k2)
    text = str(fungrad.make_jaxpr(f)(random.key(0)))
    assert "a:key<fry>[]" in text
    assert "key<fry>[2] = random_split[shape=(2,)] a" in text
    assert "u32[2] = random_unwrap" in text
    assert "key<fry>" not in str(fungrad.make_jaxpr(f)(random.PRNGKey(0)))
    seeded = str(fungrad.make_jaxpr(lambda s: random.key(s))(3))
    assert "key<fry>[] = random_wrap" in seeded
    batched = str(fungrad.make_jaxpr(fungrad.vmap(lambda k: random.normal(k)))(
        random.split(random.key(0), 3)))
    assert "a:key<fry>[3]" in batched
    # the values behind the avals are the plain ones, under jit too
    u, data = fungrad.jit(f)(random.key(0))
    assert type(data) is type(random.key_data(random.key(0)))
    np.testing.assert_array_equal(data, random.key_data(random.split(random.key(0))[1]))
    np.testing.assert_array_equal(u, random.uniform(random.split(random.key(0))[0]))


def test_typed_key_scan_carry_prints_and_runs():
    def step(k, _):
        k, sub = random.split(k)
        return k, random.normal(sub)
    text = str(fungrad.make_jaxpr(lambda k: fungrad.lax.scan(step, k, None, length=3))(
        random.key(2)))
    assert "a:key<fry>[]" in text
    final, draws = fungrad.jit(lambda k: fungrad.lax.scan(step, k, None, length=3))(
        random.key(2))
    k, want = random.key(2), []
    for _ in range(3):
        k, sub = random.split(k)
        want.append(random.normal(sub))
    np.testing.assert_array_equal(draws, want)
    assert bool(final == k)


def test_vmap_of_count_samplers_is_one_batched_loop_with_the_loop_of_calls_values():
    keys = random.split(random.key(7), 5)
    rates = np.array([0.5, 3.0, 12.0, 40.0, 0.0])  # Knuth's loop and the rejection loop
    draw = lambda k, lam: random.poisson(k, lam, (3,))
    got = fungrad.vmap(draw)(keys, rates)
    want = np.stack([draw(k, lam) for k, lam in zip(keys, rates)])
    np.testing.assert_array_equal(got, want)
    text = str(fungrad.make_jaxpr(fungrad.vmap(draw))(keys, rates))
    assert text.count("random_poisson") == 1 and "while" not in text
    # a batch of keys with one rate, and one key with a batch of rates
    np.testing.assert_array_equal(fungrad.vmap(lambda k: draw(k, 40.0))(keys),
                                  np.stack([draw(k, 40.0) for k in keys]))
    np.testing.assert_array_equal(fungrad.vmap(lambda lam: draw(keys[0], lam))(rates),
                                  np.stack([draw(keys[0], lam) for lam in rates]))
    trials = lambda k, n, p: random.binomial(k, n, p, (4,))
    counts, probs = np.array([5.0, 300.0, 40.0, 1000.0, 8.0]), np.array([.3, .4, .9, .2, .5])
    got = fungrad.vmap(trials)(keys, counts, probs)
    want = np.stack([trials(k, n, p) for k, n, p in zip(keys, counts, probs)])
    np.testing.assert_array_equal(got, want)
    text = str(fungrad.make_jaxpr(fungrad.vmap(trials))(keys, counts, probs))
    assert text.count("random_binomial") == 1
    # nested vmap: a grid of keys
    grid = random.split(random.key(1), (2, 3))
    nested = fungrad.vmap(fungrad.vmap(lambda k: draw(k, 25.0)))(grid)
    np.testing.assert_array_equal(nested[1, 2], draw(grid[1, 2], 25.0))


def test_wrap_key_data_takes_a_key_dtype_as_jax_does():
    k = random.key(42)
    again = random.wrap_key_data(random.key_data(k), dtype=k.dtype)
    assert again.dtype == k.dtype and bool(again == k)
    # JAX's message when both name the implementation
    with pytest.raises(ValueError, match="Cannot specify both `impl` and `dtype`"):
        random.wrap_key_data(random.key_data(k), dtype=k.dtype, impl="threefry2x32")
    with pytest.raises(ValueError, match="dtype must be a key dtype"):
        random.wrap_key_data(random.key_data(k), dtype="float32")
    # under jit the data is traced; the typed key still draws the same numbers
    draw = fungrad.jit(lambda d: random.normal(random.wrap_key_data(d, dtype=k.dtype), (3,)))
    np.testing.assert_array_equal(draw(random.key_data(k)), random.normal(k, (3,)))
