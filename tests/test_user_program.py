"""A JAX user's training script, run unchanged on fungrad: a causal-attention language model
(``tests/attention_lm.py``) must follow JAX's loss trajectory."""
import numpy as np

import fungrad
import fungrad.numpy as fnp
from attention_lm import train

# JAX 0.10.2, x64 (tests/fixtures/make_attention_lm.py)
JAX_LOSSES = [2.3978952728, 1.8144366809, 1.363126027, 1.0150858417, 0.6837653805,
              0.5158006657, 0.3664628735, 0.2314658246, 0.2080661616, 0.1750398036,
              0.1250720878, 0.1088337164, 0.0947727754, 0.0899838512, 0.0707607937,
              0.0659387221, 0.0537696524, 0.0485531739, 0.0467096031, 0.0407709991,
              0.0410335302, 0.0429095259, 0.0329713634, 0.0378335229, 0.0315301329,
              0.0312082336, 0.0269343321, 0.0264765003, 0.0263535852, 0.0228017228]


def test_attention_language_model_trains_as_on_jax():
    np.testing.assert_allclose(train(fungrad, fnp), JAX_LOSSES, rtol=1e-7)
