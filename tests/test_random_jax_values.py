"""fungrad.random against JAX 0.10's recorded values (tests/fixtures/random_jax.npz, made by
tests/fixtures/make_random.py): bit for bit for keys, bits and the samplers built from bits
by exact arithmetic; to a few ulp where a transcendental function (erf_inv, log, tan) of
numpy and of XLA round differently."""
import ast
import os

import numpy as np
import pytest

import fungrad.random as random

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "random_jax.npz"))
SEEDS = [0, 1, 42, 2**31 - 1, 2**32 + 5]
SHAPES = [(), (3,), (2, 5), (1000,)]
SMALL = [(), (3,), (2, 5)]
WORLDS = [("x64", np.float64, np.int64), ("x32", np.float32, np.int32)]


def raw_key(seed):
    return np.array([seed >> 32, seed & 0xFFFFFFFF], np.uint32)


def expected(name):
    return FIXTURE[name]


def assert_bits_equal(got, want):
    got = np.asarray(got)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


def assert_close_ulp(got, want, ulps):
    """Within ``ulps`` units in the last place of JAX's value (or of the dtype's tiny)."""
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    spacing = np.spacing(np.maximum(np.abs(want), np.finfo(want.dtype).tiny).astype(want.dtype))
    err = np.abs(got.astype(np.float64) - want) / spacing
    assert np.all(err <= ulps), float(err.max())


@pytest.mark.parametrize("seed", SEEDS)
def test_keys_bit_for_bit(seed):
    assert_bits_equal(random.PRNGKey(seed), expected(f"PRNGKey/{seed}"))
    assert_bits_equal(random.key_data(random.key(seed)), expected(f"key_data/{seed}"))
    k = raw_key(seed)
    for world in ("x64", "x32"):  # splitting does not depend on JAX's x64 flag
        assert_bits_equal(random.split(k), expected(f"split/{seed}/2/{world}"))
        assert_bits_equal(random.split(k, (2, 3)), expected(f"split/{seed}/(2, 3)/{world}"))
        for d in (0, 7, 2**31 + 3):
            assert_bits_equal(random.fold_in(k, d), expected(f"fold_in/{seed}/{d}/{world}"))
    # typed keys give the same data
    typed = random.split(random.key(seed), (2, 3))
    assert typed.shape == (2, 3)
    assert_bits_equal(random.key_data(typed), expected(f"split/{seed}/(2, 3)/x64"))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_bits_uniform_randint_bit_for_bit(seed, shape):
    k = raw_key(seed)
    for bd in ("uint8", "uint16", "uint32", "uint64"):
        assert_bits_equal(random.bits(k, shape, bd), expected(f"bits/{seed}/{shape}/{bd}"))
    for world, fdt, idt in WORLDS:
        base = f"{seed}/{shape}/{world}"
        assert_bits_equal(random.uniform(k, shape, fdt), expected(f"uniform/{base}"))
        assert_bits_equal(random.randint(k, shape, -5, 1000, idt), expected(f"randint/{base}"))
        if shape in SMALL:
            assert_bits_equal(random.uniform(k, shape, fdt, -2.0, 3.0),
                              expected(f"uniform_range/{base}"))
            assert_bits_equal(random.randint(k, shape, -2**31 + 7, 2**31 - 1, idt),
                              expected(f"randint_big/{base}"))
            assert_bits_equal(random.bernoulli(k, fdt(0.3), shape),
                              expected(f"bernoulli/{base}"))


@pytest.mark.parametrize("seed", SEEDS)
def test_permutation_and_choice_bit_for_bit(seed):
    k = raw_key(seed)
    for world, fdt, idt in WORLDS:
        x = np.arange(12, dtype=idt).reshape(3, 4)
        for n in (10, 1000):
            got = random.permutation(k, n)
            assert_bits_equal(got.astype(idt), expected(f"permutation/{seed}/{n}/{world}"))
        assert_bits_equal(random.permutation(k, x, axis=1),
                          expected(f"permutation_axis1/{seed}/{world}"))
        assert_bits_equal(random.permutation(k, x, axis=1, independent=True),
                          expected(f"permutation_independent/{seed}/{world}"))
        assert_bits_equal(random.choice(k, 10, (4,), replace=False).astype(idt),
                          expected(f"choice_noreplace/{seed}/{world}"))
        logits = np.log(np.array([0.1, 0.2, 0.3, 0.4], fdt))
        assert_bits_equal(random.categorical(k, logits, shape=(20,)).astype(idt),
                          expected(f"categorical/{seed}/{world}"))
        assert_bits_equal(random.choice(k, 4, (20,), p=np.exp(logits)).astype(idt),
                          expected(f"choice_p/{seed}/{world}"))
    x = np.arange(12).reshape(3, 4)  # choice with replacement draws int64 indices (x64 world)
    assert_bits_equal(random.choice(k, x, (2,), axis=1), expected(f"choice_array/{seed}/x64"))
    for shape in SMALL:
        assert_bits_equal(random.choice(k, 7, shape),
                          expected(f"choice_replace/{seed}/{shape}/x64"))


# samplers that are transcendental functions of uniform samples: (name, call, ulps allowed
# in float32, or None where JAX's float32 world draws differently). fungrad evaluates
# float32 log, log1p and exp as XLA's CPU code does (fungrad.prims.xla_float32), so most
# are JAX's bits exactly; tan (cauchy) is glibc's in JAX and a sum of squares (maxwell) adds
# in another order: an ulp. float64: 1e-13 relative (numpy's and XLA's log, tan, erf_inv
# differ by an ulp or so).
TRANSFORMS = [
    ("normal", lambda k, s, d: random.normal(k, s, d), 0),
    ("exponential", lambda k, s, d: random.exponential(k, s, d), 0),
    ("laplace", lambda k, s, d: random.laplace(k, s, d), 0),
    ("logistic", lambda k, s, d: random.logistic(k, s, d), 0),
    ("gumbel", lambda k, s, d: random.gumbel(k, s, d), 0),
    ("cauchy", lambda k, s, d: random.cauchy(k, s, d), 1),
    ("maxwell", lambda k, s, d: random.maxwell(k, s, d), 1),
    ("truncated_normal", lambda k, s, d: random.truncated_normal(k, d(-1.5), d(0.5), s, d),
     0),
    ("lognormal", lambda k, s, d: random.lognormal(k, d(0.5), s, d), 0),
    ("pareto", lambda k, s, d: random.pareto(k, d(2.0), s, d), 0),
    ("weibull_min", lambda k, s, d: random.weibull_min(k, d(1.5), d(2.0), s, d), 0),
    ("rayleigh", lambda k, s, d: random.rayleigh(k, d(1.5), s, d), 0),
    ("triangular", lambda k, s, d: random.triangular(k, d(0.0), d(0.3), d(1.0), s, d), 0),
    # its random sign is bernoulli(0.5): a float64 uniform here, float32 in JAX's x32 world
    ("double_sided_maxwell",
     lambda k, s, d: random.double_sided_maxwell(k, d(0.5), d(2.0), s, d), None),
]


@pytest.mark.parametrize("name,call,ulp32", TRANSFORMS, ids=[t[0] for t in TRANSFORMS])
def test_transformed_samplers_close_to_jax(name, call, ulp32):
    for seed in SEEDS:
        k = raw_key(seed)
        for shape in SMALL:
            want = expected(f"{name}/{seed}/{shape}/x64")
            got = call(k, shape, np.float64)
            assert got.dtype == np.float64
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
            want32 = expected(f"{name}/{seed}/{shape}/x32")
            if ulp32 is not None:
                assert_close_ulp(call(k, shape, np.float32), want32, ulp32)


def test_normal_large_close_to_jax():
    for seed in SEEDS:
        for world, fdt, _ in WORLDS:
            want = expected(f"normal/{seed}/(1000,)/{world}")
            got = random.normal(raw_key(seed), (1000,), fdt)
            if fdt is np.float64:
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
            else:
                assert_bits_equal(got, want)  # XLA's float32 log1p and erf_inv, exactly


@pytest.mark.parametrize("name", ["log", "log1p", "exp"])
def test_xla_float32_functions_equal_jax(name):
    """XLA's float32 log, log1p and exp, bit for bit, on normal and special inputs (XLA's
    answer for a subnormal input depends on the kernel it compiles: left out)."""
    from fungrad.prims import xla_float32
    x, want = expected(f"xla32/{name}/x"), expected(f"xla32/{name}/y")
    normal = ~(np.abs(x) < np.finfo(np.float32).tiny) | (x == 0)
    x, want = x[normal], want[normal]
    function = {"log": xla_float32.log32, "log1p": xla_float32.log1p32,
                "exp": xla_float32.exp32}[name]
    with np.errstate(invalid="ignore"):
        assert_bits_equal(function(x), want)
        assert_bits_equal(xla_float32.in_chunks(function, np.tile(x, 4)), np.tile(want, 4))


def test_wald_equals_jax_in_float32():
    """wald's ``mean + mean^2 y / 2 - mean / 2 sqrt(...)`` cancels, so its low bits are those
    of XLA's fused multiply-adds, which fungrad copies -- and, for a one-element draw, of
    XLA's simplification of sqrt(2)'s powers (a scalar draw was up to 128 ulp away before
    fungrad followed it): float32 agrees bit for bit at every shape."""
    for seed in SEEDS:
        k = raw_key(seed)
        for shape in SMALL:
            got = random.wald(k, np.float64(1.5), shape, np.float64)
            np.testing.assert_allclose(got, expected(f"wald/{seed}/{shape}/x64"), rtol=1e-13)
            got32 = random.wald(k, np.float32(1.5), shape, np.float32)
            assert_bits_equal(got32, expected(f"wald/{seed}/{shape}/x32"))
    one = [random.wald(raw_key(s), np.float32(1.5), (), np.float32) for s in range(40)]
    assert_bits_equal(np.stack(one), expected("wald_one/x32"))
    one = [random.wald(raw_key(s), np.float64(1.5), (), np.float64) for s in range(40)]
    np.testing.assert_allclose(np.stack(one), expected("wald_one/x64"), rtol=1e-13)


@pytest.mark.parametrize("seed", SEEDS)
def test_discrete_transforms_equal_jax(seed):
    k = raw_key(seed)
    for shape in SMALL:
        base = f"{seed}/{shape}/x64"
        assert_bits_equal(random.geometric(k, 0.3, shape), expected(f"geometric/{base}"))
        assert_bits_equal(random.rademacher(k, shape), expected(f"rademacher/{base}"))


# rejection samplers: JAX's algorithm and key schedule, so JAX's values; in float32 JAX's
# bits (XLA's log and exp, and the multiply-add XLA fuses in the proposal) where the
# proposal's scale c = (1/3) / sqrt(d) rounds as fungrad's does. XLA rewrites it as
# (1/3) * rsqrt(d), with rsqrt the CPU's approximate instruction refined by Newton steps
# (xla/codegen/intrinsic/rsqrt.cc), whose values differ between CPU makes: for a = 0.7
# it is one ulp above the correctly rounded c here, which moves a quarter of the samples
# by up to 13 ulp (given JAX's c, fungrad's samples are JAX's bit for bit).
GAMMA_FAMILY = [
    ("gamma", lambda k, s, d: random.gamma(k, d(0.7), s, d), 16),
    ("gamma3", lambda k, s, d: random.gamma(k, d(3.0), s, d), 0),
    ("loggamma", lambda k, s, d: random.loggamma(k, d(0.3), s, d), 0),
    ("beta", lambda k, s, d: random.beta(k, d(2.0), d(0.5), s, d), 0),
    ("chisquare", lambda k, s, d: random.chisquare(k, d(3.0), s, d), 0),
    ("t", lambda k, s, d: random.t(k, d(4.0), s, d), 0),
]


@pytest.mark.parametrize("name,call,ulp32", GAMMA_FAMILY, ids=[g[0] for g in GAMMA_FAMILY])
def test_gamma_family_matches_jax(name, call, ulp32):
    for seed in SEEDS:
        k = raw_key(seed)
        for shape in SMALL:
            got = call(k, shape, np.float64)
            assert got.dtype == np.float64
            np.testing.assert_allclose(got, expected(f"{name}/{seed}/{shape}/x64"), rtol=1e-13)
            assert_close_ulp(call(k, shape, np.float32), expected(f"{name}/{seed}/{shape}/x32"),
                             ulp32)


@pytest.mark.parametrize("seed", SEEDS)
def test_counts_and_dirichlet_match_jax(seed):
    k = raw_key(seed)
    for shape in SMALL:
        for world, fdt, idt in WORLDS:
            base = f"{seed}/{shape}/{world}"
            assert_bits_equal(random.poisson(k, 3.5, shape, idt), expected(f"poisson/{base}"))
            assert_bits_equal(random.poisson(k, 40.0, shape, idt),
                              expected(f"poisson_big/{base}"))
            assert_bits_equal(random.binomial(k, 8.0, fdt(0.3), shape),
                              expected(f"binomial/{base}"))
            assert_bits_equal(random.binomial(k, 300.0, fdt(0.4), shape),
                              expected(f"binomial_big/{base}"))
    for world, fdt, _ in WORLDS:
        got = random.dirichlet(k, np.array([0.5, 1.0, 2.0], fdt), (3,), fdt)
        if fdt is np.float64:
            np.testing.assert_allclose(got, expected(f"dirichlet/{seed}/{world}"), rtol=1e-13,
                                       atol=1e-15)
        else:  # the normalising sum adds in another order: an ulp
            assert_close_ulp(got, expected(f"dirichlet/{seed}/{world}"), 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_multivariate_samplers_match_jax(seed):
    k = raw_key(seed)
    for world, fdt, _ in WORLDS:
        mean = np.array([1.0, -2.0, 0.5], fdt)
        cov = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]], fdt)
        tol = dict(rtol=1e-12, atol=1e-14) if fdt is np.float64 else dict(rtol=2e-5, atol=1e-6)
        for method in ("cholesky", "eigh", "svd"):
            got = random.multivariate_normal(k, mean, cov, (4,), fdt, method)
            assert got.dtype == fdt
            np.testing.assert_allclose(got, expected(f"multivariate_normal/{seed}/{method}/{world}"),
                                       **tol)
        np.testing.assert_allclose(random.orthogonal(k, 3, (2,), fdt),
                                   expected(f"orthogonal/{seed}/{world}"), **tol)


@pytest.mark.parametrize("seed", SEEDS)
def test_sampler_modes_and_variants_match_jax(seed):
    k = raw_key(seed)
    for world, fdt, idt in WORLDS:
        lg = np.log(np.array([0.1, 0.2, 0.3, 0.25, 0.15], fdt))
        # (JAX returns top_k's int32 indices here even in x64; fungrad, numpy's int64)
        assert_bits_equal(random.categorical(k, lg, shape=(3,), replace=False).astype(np.int32),
                          expected(f"categorical_noreplace/{seed}/{world}"))
        assert_bits_equal(random.categorical(k, np.stack([lg, lg[::-1]]), axis=-1,
                                             shape=(4, 2)).astype(idt),
                          expected(f"categorical_batch/{seed}/{world}"))
        assert_bits_equal(random.bernoulli(k, fdt(0.3), (4,), mode="high"),
                          expected(f"bernoulli_high/{seed}/{world}"))
        assert_bits_equal(random.choice(k, 5, (3,), replace=False, p=np.exp(lg)).astype(idt),
                          expected(f"choice_p_noreplace/{seed}/{world}"))
        assert_bits_equal(random.multinomial(k, 10.0, np.exp(lg[:3])),
                          expected(f"multinomial/{seed}/{world}"))
        np.testing.assert_allclose(random.gumbel(k, (3,), fdt, mode="high"),
                                   expected(f"gumbel_high/{seed}/{world}"),
                                   rtol=1e-13 if fdt is np.float64 else 2e-6)
    np.testing.assert_allclose(random.normal(k, (3,), np.complex128),
                               expected(f"normal_complex/{seed}/x64"), rtol=1e-13)
    assert_bits_equal(random.randint(k, (4,), -3, 100, np.int8),
                      expected(f"randint_int8/{seed}/x64"))
    assert_bits_equal(random.randint(k, (4,), 0, 2**63 - 1), expected(f"randint_wide/{seed}/x64"))
