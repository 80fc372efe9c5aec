"""A small causal-attention language model written for JAX, as a function of the library it
runs on: ``train(jax, jnp)`` returns the loss after every step. The test runs it on fungrad;
``python tests/fixtures/make_attention_lm.py`` (with JAX 0.10.2 installed, x64 on) prints
JAX's losses, recorded in ``tests/test_user_program.py``."""


def train(jax, jnp, steps=30):
    vocab, width, length, batch = 11, 16, 8, 4
    k1, k2, k3, k4 = jax.random.split(jax.random.key(0), 4)
    params = {
        "emb": jax.random.normal(k1, (vocab, width)) * 0.1,
        "wq": jax.random.normal(k2, (width, width)) / jnp.sqrt(width),
        "wk": jax.random.normal(k3, (width, width)) / jnp.sqrt(width),
        "wv": jax.random.normal(k4, (width, width)) / jnp.sqrt(width),
        "ln": {"g": jnp.ones(width), "b": jnp.zeros(width)},
        "out": jnp.zeros((width, vocab)),
    }

    def layer_norm(x, p):
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / jnp.sqrt(var + 1e-5) * p["g"] + p["b"]

    def model(p, tokens):
        x = p["emb"][tokens]  # (length, width)
        q, k, v = (x @ p[w] for w in ("wq", "wk", "wv"))
        heads = [t[None, :, None, :] for t in (q, k, v)]  # (batch, length, heads, width)
        att = jax.nn.dot_product_attention(*heads, is_causal=True)[0, :, 0, :]
        return layer_norm(x + att, p["ln"]) @ p["out"]

    def loss(p, tokens):
        logits = jax.vmap(model, in_axes=(None, 0))(p, tokens[:, :-1])
        targets = jax.nn.one_hot(tokens[:, 1:], vocab)
        return -jnp.mean(jnp.sum(jax.nn.log_softmax(logits) * targets, -1))

    @jax.jit
    def step(p, tokens, lr):
        value, grads = jax.value_and_grad(loss)(p, tokens)
        grads = jax.tree.map(lambda g: jnp.clip(g, -1.0, 1.0), grads)
        return jax.tree.map(lambda a, g: a - lr * g, p, grads), value

    data_key, losses = jax.random.key(1), []
    for _ in range(steps):
        data_key, sub = jax.random.split(data_key)
        start = jax.random.randint(sub, (batch, 1), 0, vocab)
        tokens = (start + jnp.arange(length + 1)) % vocab  # counting sequences
        params, value = step(params, tokens, 0.5)
        losses.append(float(value))
    return losses
