"""``fungrad.nn``: the usual neural-network functions, as compositions of fungrad.numpy.

>>> import numpy as np
>>> from fungrad import nn
>>> nn.softmax(np.array([0.0, 0.0]))
array([0.5, 0.5])
"""
from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad.api import stop_gradient
from fungrad.prims import elementwise as ew


def relu(x):
    """max(x, 0); its derivative at 0 is 0, as in JAX.

    >>> relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: fnp.sum(relu(x)))(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    x = fnp.asarray(x)
    # x <= 0 (not x > 0) picks the zero, so a NaN stays NaN as in max(x, 0)
    return fnp.where(fnp.less_equal(x, 0), fnp.zeros((), fnp.result_type(x)), x)


def relu6(x):
    """min(max(x, 0), 6); its derivative at 0 and at 6 is 0, as in JAX.

    >>> relu6(np.array([-1.0, 3.0, 7.0]))
    array([0., 3., 6.])
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.greater_equal(x, 6), 6.0, relu(x))


def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), accurate in both tails.

    >>> sigmoid(0.0)
    np.float64(0.5)
    >>> import fungrad
    >>> fungrad.grad(sigmoid)(0.0)
    np.float64(0.25)
    """
    return ew.logistic(fnp.asarray(x))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x).

    >>> log_sigmoid(0.0) == -np.log(2.0)
    np.True_
    >>> log_sigmoid(-1000.0)  # no log(0) in the tail
    np.float64(-1000.0)
    """
    return fnp.negative(softplus(fnp.negative(x)))


def softplus(x):
    """log(1 + exp(x)), computed stably.

    >>> softplus(0.0) == np.log(2.0)
    np.True_
    >>> softplus(1000.0)  # exp(1000) would overflow
    np.float64(1000.0)
    >>> import fungrad
    >>> fungrad.grad(softplus)(0.0)
    np.float64(0.5)
    """
    return fnp.logaddexp(x, 0.0)


def silu(x):
    """x * sigmoid(x) (also called swish).

    >>> silu(0.0)
    np.float64(0.0)
    >>> import fungrad
    >>> fungrad.grad(silu)(0.0)
    np.float64(0.5)
    """
    return fnp.multiply(x, sigmoid(x))


swish = silu


def gelu(x, approximate: bool = True):
    """The GELU activation; ``approximate=True`` (JAX's default) uses the tanh form.

    >>> gelu(np.array([0.0, 10.0]))
    array([ 0., 10.])
    >>> import fungrad
    >>> fungrad.grad(gelu)(0.0)
    np.float64(0.5)
    """
    x = fnp.asarray(x)
    if not approximate:
        raise NotImplementedError("fungrad.nn.gelu(approximate=False) needs erf, which "
                                  "fungrad does not implement; use approximate=True")
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + fnp.tanh(c * (x + 0.044715 * x ** 3)))


def elu(x, alpha: float = 1.0):
    """x for x > 0, alpha (exp(x) - 1) otherwise.

    >>> elu(np.array([-np.inf, 0.0, 2.0]))
    array([-1.,  0.,  2.])
    >>> import fungrad
    >>> fungrad.grad(elu)(-1.0) == np.exp(-1.0)
    np.True_
    """
    x = fnp.asarray(x)
    safe = fnp.where(fnp.greater(x, 0), 0.0, x)  # no overflow in the unused branch
    return fnp.where(fnp.greater(x, 0), x, alpha * fnp.expm1(safe))


def leaky_relu(x, negative_slope: float = 0.01):
    """x for x >= 0, negative_slope * x otherwise.

    >>> leaky_relu(np.array([-2.0, 3.0]), negative_slope=0.5)
    array([-1.,  3.])
    >>> import fungrad
    >>> fungrad.grad(leaky_relu)(-1.0)
    np.float64(0.01)
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.greater_equal(x, 0), x, negative_slope * x)


def hard_tanh(x):
    """clip(x, -1, 1); its derivative at -1 and 1 is 1, as in JAX (not 1/2, as clip's).

    >>> hard_tanh(np.array([-2.0, 0.5, 2.0]))
    array([-1. ,  0.5,  1. ])
    >>> import fungrad
    >>> fungrad.grad(lambda x: fnp.sum(hard_tanh(x)))(np.array([-2.0, -1.0, 1.0, 2.0]))
    array([0., 1., 1., 0.])
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.greater(x, 1), 1, fnp.where(fnp.less(x, -1), -1, x))


def _shift(x, axis):
    """The max along ``axis`` (dims kept) with its derivative stopped: subtracted before exp so
    it cannot overflow. Over an empty axis it is -inf (as JAX), not an error."""
    initial = -np.inf if 0 in x.shape and x.dtype.kind == "f" else None
    return stop_gradient(fnp.max(x, axis=axis, keepdims=True, initial=initial))


def logsumexp(a, axis=None, keepdims: bool = False, b=None, return_sign: bool = False):
    """log(sum(exp(a))) along ``axis``, shifted by the (constant) max for stability.

    >>> float(logsumexp(np.array([0.0, 0.0])))  # log 2
    0.6931471805599453
    >>> import fungrad
    >>> fungrad.grad(logsumexp)(np.array([0.0, 0.0]))  # the gradient is softmax
    array([0.5, 0.5])
    """
    if b is not None or return_sign:
        raise NotImplementedError("fungrad.nn.logsumexp: b= and return_sign= are not "
                                  "supported")
    a = fnp.asarray(a)
    m = _shift(a, axis)
    m = fnp.where(fnp.isfinite(m), m, 0.0)
    out = fnp.log(fnp.sum(fnp.exp(a - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = fnp.squeeze(out, axis) if axis is not None else fnp.reshape(out, ())
    return out


def log_softmax(x, axis: int = -1):
    """x - logsumexp(x), stably. Rows of exp(log_softmax(x)) sum to 1.

    >>> log_softmax(np.array([0.0, 0.0])) == -np.log(2.0)
    array([ True,  True])
    >>> np.exp(log_softmax(np.array([[1.0, 2.0], [3.0, 3.0]]))).sum(axis=-1)
    array([1., 1.])
    """
    x = fnp.asarray(x)
    shifted = x - _shift(x, axis)
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True))


def softmax(x, axis: int = -1):
    """exp(x) / sum(exp(x)), stably.

    >>> softmax(np.array([1.0, 1.0, 1.0]))
    array([0.33333333, 0.33333333, 0.33333333])
    >>> import fungrad
    >>> fungrad.grad(lambda x: softmax(x)[0])(np.array([0.0, 0.0]))
    array([ 0.25, -0.25])
    """
    x = fnp.asarray(x)
    unnormalized = fnp.exp(x - _shift(x, axis))
    return unnormalized / fnp.sum(unnormalized, axis=axis, keepdims=True)


def one_hot(x, num_classes: int, dtype=np.float64, axis: int = -1):
    """One-hot encoding of integer labels; zero derivative.

    >>> one_hot(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    x = fnp.asarray(x)
    classes = np.arange(num_classes)
    out = fnp.equal(fnp.expand_dims(x, -1), classes)
    if axis != -1:
        out = fnp.moveaxis(out, -1, axis)
    return fnp.astype(out, dtype)


def standardize(x, axis=-1, epsilon: float = 1e-5):
    """(x - mean) / sqrt(var + epsilon) along ``axis``.

    >>> standardize(np.array([1.0, 3.0]), epsilon=0.0)
    array([-1.,  1.])
    """
    x = fnp.asarray(x)
    mu = fnp.mean(x, axis=axis, keepdims=True)
    return (x - mu) / fnp.sqrt(fnp.var(x, axis=axis, keepdims=True) + epsilon)
