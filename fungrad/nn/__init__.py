"""``fungrad.nn`` (``jax.nn``): activations, softmax and friends, one-hot encoding, attention,
and the parameter initializers (``fungrad.nn.initializers``).

>>> import numpy as np
>>> from fungrad import nn
>>> nn.softmax(np.array([0.0, 0.0]))
array([0.5, 0.5])
>>> nn.relu(np.array([-1.0, 2.0]))
array([0., 2.])
"""
from fungrad.nn.functions import (  # noqa: F401
    celu, elu, gelu, glu, hard_sigmoid, hard_silu, hard_swish, hard_tanh, identity,
    leaky_relu, log1mexp, log_sigmoid, log_softmax, logmeanexp, logsumexp, mish, one_hot,
    relu, relu6, selu, sigmoid, silu, soft_sign, softmax, softplus, sparse_plus,
    sparse_sigmoid, squareplus, standardize, swish,
)
from fungrad.nn.attention import dot_product_attention  # noqa: F401
from fungrad.numpy import tanh  # noqa: F401  (jax.nn.tanh is jax.numpy.tanh)
from fungrad.nn import initializers  # noqa: F401,E402

__all__ = [
    "celu", "dot_product_attention", "elu", "gelu", "glu", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "identity", "leaky_relu", "log1mexp", "log_sigmoid",
    "log_softmax", "logmeanexp", "logsumexp", "mish", "one_hot", "relu", "relu6", "selu",
    "sigmoid", "silu", "soft_sign", "softmax", "softplus", "sparse_plus", "sparse_sigmoid",
    "squareplus", "standardize", "swish", "tanh",
]
