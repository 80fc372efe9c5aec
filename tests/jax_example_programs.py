"""Short programs on the API paths of JAX's examples/ (hmm_em.py: grad through scan, EM in
fori_loop, categorical sampling; kernel_lsq.py: vmap Gram matrix, momentum optimizer under
jit), written as functions of the library they run on. The test runs them on fungrad;
tests/fixtures/make_jax_examples.py records JAX's results (JAX 0.10.2, x64)."""


def hmm_em(jax, jnp):
    from functools import partial
    lax, random = jax.lax, jax.random
    logsumexp = jax.scipy.special.logsumexp
    seq = jnp.array([0, 1, 2, 1, 0, 3, 3, 1, 2, 0, 1, 1])

    def log_normalizer(params, seq):
        log_pi, log_A, log_B = params

        def marginalize(log_alpha, obs):
            return logsumexp(log_alpha[:, None] + log_A, axis=0) + log_B[:, obs], None
        log_alpha, _ = lax.scan(marginalize, log_pi, seq)
        return logsumexp(log_alpha)

    @jax.jit
    def em(params, seq, num_steps):
        def update(i, params):
            moments = jax.grad(log_normalizer)(params, seq)
            return [jnp.log(x / x.sum(-1, keepdims=True)) for x in moments]
        return lax.fori_loop(0, num_steps, update, params)

    @partial(jax.jit, static_argnums=(2,))
    def sample(key, params, length):
        log_pi, log_A, log_B = params

        def sample_one(state, key):
            k1, k2 = random.split(key)
            return random.categorical(k2, log_A[state]), random.categorical(k1, log_B[state])
        k1, k2 = random.split(key)
        _, out = lax.scan(sample_one, random.categorical(k1, log_pi), random.split(k2, length))
        return out

    keys = [random.PRNGKey(i) for i in range(4)]
    params = [random.normal(keys[0], (3,)), random.normal(keys[1], (3, 3)),
              random.normal(keys[2], (3, 4))]
    new = em(params, seq, 5)
    return {"lognorm": log_normalizer(params, seq), "log_pi": new[0], "log_A": new[1],
            "log_B": new[2], "sample": sample(keys[3], new, 20)}


def kernel_lsq(jax, jnp):
    import importlib
    import numpy as np
    optimizers = importlib.import_module(jax.__name__ + ".example_libraries.optimizers")
    rs = np.random.RandomState(0)
    xs, truth = rs.randn(20, 5), rs.randn(5)
    ys = xs @ truth
    kernel = lambda x, y: jnp.dot(x, y)
    gram = jax.jit(lambda xs: jax.vmap(lambda x: jax.vmap(lambda y: kernel(x, y))(xs))(xs))(xs)
    objective = lambda v: .5 * jnp.sum((gram @ v - ys) ** 2.0) + 0.01 * jnp.sum(v ** 2.0)
    opt_init, opt_update, get_params = optimizers.momentum(1e-3, 0.9)

    @jax.jit
    def update(i, state):
        return opt_update(i, jax.grad(objective)(get_params(state)), state)
    state = opt_init(jnp.zeros(20))
    for i in range(30):
        state = update(i, state)
    v = get_params(state)
    pred = jax.jit(jax.vmap(lambda x: jnp.sum(v * jax.vmap(lambda x_: kernel(x, x_))(xs))))(xs)
    return {"v": v, "pred": pred}


PROGRAMS = {"hmm_em": hmm_em, "kernel_lsq": kernel_lsq}
