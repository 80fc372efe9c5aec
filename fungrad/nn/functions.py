"""``jax.nn``'s functions: activations, normalizations and encodings, as compositions of
fungrad.numpy (attention lives in ``attention.py``).

Derivatives at kinks follow JAX: ``relu'(0) = 0``, ``relu6'(0) = relu6'(6) = 0``,
``hard_tanh'(+-1) = 1``, ``leaky_relu'(0) = elu'(0) = 1``; where JAX uses ``maximum``,
``minimum`` or ``clip`` (``celu``, ``sparse_sigmoid``) a tie shares the derivative evenly.

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
from fungrad.core import Tracer
from fungrad.custom_derivatives import custom_jvp
from fungrad.prims import elementwise as ew
from fungrad.prims import masking

# ---------------------------------------------------------------------------------------------
# Piecewise-linear activations
# ---------------------------------------------------------------------------------------------


def identity(x):
    """Returns ``x`` unchanged, as an array.

    >>> identity(np.array([-1.0, 2.0]))
    array([-1.,  2.])
    """
    return fnp.asarray(x)


def relu(x):
    """max(x, 0); its derivative at 0 is 0, as in JAX.

    >>> relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    >>> import fungrad
    >>> fungrad.grad(lambda x: fnp.sum(relu(x)))(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    x = fnp.asarray(x)
    if fnp.result_type(x).kind == "f":  # one maximum; the derivative keeps g where x > 0
        return masking.relu(x)
    # x <= 0 (not x > 0) picks the zero, so a NaN stays NaN as in max(x, 0)
    return fnp.where(fnp.less_equal(x, 0), fnp.zeros((), fnp.result_type(x)), x)


def relu6(x):
    """min(max(x, 0), 6); its derivative at 0 and at 6 is 0, as in JAX.

    >>> relu6(np.array([-1.0, 3.0, 7.0]))
    array([0., 3., 6.])
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.greater_equal(x, 6), 6.0, relu(x))


def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between (derivative 0 at -3 and 3).

    >>> hard_sigmoid(np.array([-4.0, 0.0, 1.5, 4.0]))
    array([0.  , 0.5 , 0.75, 1.  ])
    """
    return relu6(fnp.add(x, 3.0)) / 6.0


def hard_silu(x):
    """x * hard_sigmoid(x) (also called hard_swish).

    >>> hard_silu(np.array([-4.0, 1.5, 4.0]))
    array([-0.   ,  1.125,  4.   ])
    """
    x = fnp.asarray(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


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


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 between, x for x >= 1: a smooth-at-the-joins softplus.

    >>> sparse_plus(np.array([-2.0, 0.0, 2.0]))
    array([0.  , 0.25, 2.  ])
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.less_equal(x, -1.0), 0.0,
                     fnp.where(fnp.greater_equal(x, 1.0), x, (x + 1.0) ** 2 / 4))


def sparse_sigmoid(x):
    """clip(x + 1, 0, 2) / 2, the derivative of sparse_plus; at -1 and 1 the derivative is
    1/4 (the clip's tie shares it), as in JAX.

    >>> sparse_sigmoid(np.array([-2.0, 0.0, 0.5, 2.0]))
    array([0.  , 0.5 , 0.75, 1.  ])
    """
    return 0.5 * fnp.clip(fnp.add(x, 1.0), 0.0, 2.0)


# ---------------------------------------------------------------------------------------------
# Smooth activations
# ---------------------------------------------------------------------------------------------

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


def soft_sign(x):
    """x / (|x| + 1).

    >>> soft_sign(np.array([-3.0, 0.0, 1.0]))
    array([-0.75,  0.  ,  0.5 ])
    """
    x = fnp.asarray(x)
    return x / (fnp.abs(x) + 1)


def squareplus(x, b: float = 4):
    """(x + sqrt(x^2 + b)) / 2, a smooth relu.

    >>> squareplus(np.array([0.0, 3.0]), b=16.0)
    array([2., 4.])
    """
    x = fnp.asarray(x)
    return (x + fnp.sqrt(fnp.square(x) + b)) / 2


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


def mish(x):
    """x * tanh(softplus(x)).

    >>> bool(mish(1.0) == np.tanh(np.log1p(np.e)))
    True
    """
    x = fnp.asarray(x)
    return x * fnp.tanh(softplus(x))


def gelu(x, approximate: bool = True):
    """The GELU activation x Phi(x); ``approximate=True`` (JAX's default) uses the tanh form,
    ``approximate=False`` the exact normal CDF, through erfc.

    >>> gelu(np.array([0.0, 10.0]))
    array([ 0., 10.])
    >>> float(gelu(1.0, approximate=False))  # Phi(1) = 0.8413...
    0.841344746068543
    >>> import fungrad
    >>> fungrad.grad(gelu)(0.0)
    np.float64(0.5)
    """
    x = fnp.asarray(x)
    if not approximate:
        special = _special_module()
        if hasattr(special, "erfc"):  # erfc(-x / sqrt 2) stays accurate for x << 0
            return 0.5 * x * special.erfc(-x * math.sqrt(0.5))
        return 0.5 * x * (1.0 + special.erf(x * math.sqrt(0.5)))
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + fnp.tanh(c * (x + 0.044715 * x ** 3)))


def _special_module():
    """``fungrad.prims.special`` (where the error functions live), or a clear error while
    this build of fungrad lacks it."""
    try:
        from fungrad.prims import special
    except ImportError:
        special = None
    if not hasattr(special, "erf") and not hasattr(special, "erfc"):
        raise NotImplementedError("fungrad.nn.gelu(approximate=False) needs erf, which this "
                                  "build of fungrad lacks; use approximate=True")
    return special


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


def celu(x, alpha: float = 1.0):
    """max(x, 0) + alpha (exp(min(x, 0) / alpha) - 1): a continuously differentiable elu.

    >>> celu(np.array([-np.inf, 0.0, 2.0]), alpha=2.0)
    array([-2.,  0.,  2.])
    """
    x = fnp.asarray(x)
    return fnp.maximum(x, 0.0) + alpha * fnp.expm1(fnp.minimum(x, 0.0) / alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    """scale * elu(x, alpha) with the self-normalizing constants (alpha ~ 1.6733,
    scale ~ 1.0507).

    >>> selu(np.array([0.0, 1.0]))
    array([0.        , 1.05070099])
    """
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def glu(x, axis: int = -1):
    """The gated linear unit: the first half of ``x`` along ``axis`` times the sigmoid of the
    second half.

    >>> glu(np.array([2.0, 4.0, 0.0, 0.0]))
    array([1., 2.])
    """
    x = fnp.asarray(x)
    size = fnp.shape(x)[_axis("glu", x, axis)]
    if size % 2:
        raise ValueError(f"fungrad.nn.glu: the size of axis {axis} of x (shape "
                         f"{fnp.shape(x)}) must be divisible by 2, got {size}")
    x1, x2 = fnp.split(x, 2, axis)
    return x1 * sigmoid(x2)


def log1mexp(x):
    """log(1 - exp(-x)) for x > 0, accurate near 0 and for large x (two formulas, switched at
    log 2); its derivative is 1 / expm1(x), as in JAX.

    >>> log1mexp(np.array([1e-20, np.log(2.0), 50.0]))
    array([-4.60517019e+01, -6.93147181e-01, -1.92874985e-22])
    """
    return _log1mexp(fnp.asarray(x))


@custom_jvp
def _log1mexp(x):
    near_zero = fnp.less(x, math.log(2.0))
    # each formula only sees the inputs it is accurate (and finite) for
    small = fnp.where(near_zero, x, 1.0)
    large = fnp.where(near_zero, 1.0, x)
    return fnp.where(near_zero, fnp.log(-fnp.expm1(-small)), fnp.log1p(-fnp.exp(-large)))


_log1mexp.defjvps(lambda t, ans, x: t / fnp.expm1(x))


# ---------------------------------------------------------------------------------------------
# Reductions along axes: logsumexp, softmax, standardize (each with JAX's ``where=``)
# ---------------------------------------------------------------------------------------------

def _axis(name: str, x, axis: int) -> int:
    ndim = fnp.ndim(x)
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"fungrad.nn.{name}: axis {axis!r} is out of bounds for x of shape "
                         f"{fnp.shape(x)}")
    return int(axis) % ndim


def _mask(name: str, x, where):
    """``where`` as a bool array broadcastable to ``x``, or None."""
    if where is None:
        return None
    where = fnp.asarray(where)
    if fnp.result_type(where) != np.bool_:
        raise TypeError(f"fungrad.nn.{name}: where must be a boolean array, got "
                        f"{fnp.result_type(where)}[{','.join(map(str, fnp.shape(where)))}]")
    try:
        np.broadcast_shapes(fnp.shape(where), fnp.shape(x))
    except ValueError:
        raise ValueError(f"fungrad.nn.{name}: where of shape {fnp.shape(where)} does not "
                         f"broadcast to x of shape {fnp.shape(x)}") from None
    return fnp.broadcast_to(where, fnp.shape(x))


def _shift(x, axis, where=None):
    """The max along ``axis`` (dims kept, masked entries left out) with its derivative
    stopped: subtracted before exp so it cannot overflow. It is -inf over an empty or fully
    masked axis, as in JAX."""
    if where is not None:
        x = fnp.where(where, x, -np.inf)
    initial = -np.inf if 0 in fnp.shape(x) and fnp.result_type(x).kind == "f" else None
    return stop_gradient(fnp.max(x, axis=axis, keepdims=True, initial=initial))


def _masked_sum(x, axis, where, keepdims=True):
    if where is not None:
        x = fnp.where(where, x, 0)
    return fnp.sum(x, axis=axis, keepdims=keepdims)


def _drop_axes(out, axis, keepdims):
    if keepdims:
        return out
    return fnp.squeeze(out, axis) if axis is not None else fnp.reshape(out, ())


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False,
              where=None):
    """log(sum(b * exp(a))) along ``axis``, shifted by the (constant) max for stability;
    with ``return_sign`` it returns (log|sum|, sign(sum)), else a negative sum gives NaN.

    >>> float(logsumexp(np.array([0.0, 0.0])))  # log 2
    0.6931471805599453
    >>> value, sign = logsumexp(np.array([0.0, 0.0]), b=np.array([1.0, -3.0]), return_sign=True)
    >>> float(value), float(sign)  # log|1 - 3|, and the sum is negative
    (0.6931471805599453, -1.0)
    >>> import fungrad
    >>> fungrad.grad(logsumexp)(np.array([0.0, 0.0]))  # the gradient is softmax
    array([0.5, 0.5])
    """
    a = fnp.asarray(a)
    where = _mask("logsumexp", a, where)
    if b is not None:
        a, b = fnp.broadcast_arrays(a, b)
        a = fnp.where(fnp.not_equal(b, 0), a, -np.inf)  # a zero weight drops its term
        if where is not None:
            where = fnp.broadcast_to(where, fnp.shape(a))
        if fnp.result_type(a).kind not in "fc":
            a = fnp.astype(a, fnp.result_type(a, b, 1.0))
    complex_input = fnp.result_type(a).kind == "c"
    m = _shift(fnp.real(a) if complex_input else a, axis, where)  # complex: the largest real part
    m = fnp.where(fnp.isfinite(m), m, 0.0)
    terms = fnp.exp(a - m)
    if b is not None:
        terms = terms * b
    total = _masked_sum(terms, axis, where)
    if complex_input:  # the principal logarithm; the sign is the phase total / |total|
        if not return_sign:
            return _drop_axes(fnp.log(total) + m, axis, keepdims)
        magnitude = fnp.abs(total)
        sign = total / fnp.where(magnitude == 0, 1.0, magnitude)
    else:
        sign = fnp.sign(total)
    out = _drop_axes(fnp.log(fnp.abs(total)) + m, axis, keepdims)
    if return_sign:
        return out, _drop_axes(sign, axis, keepdims)
    if b is not None:
        out = fnp.where(fnp.less(_drop_axes(sign, axis, keepdims), 0), np.nan, out)
    return out


def logmeanexp(x, axis=None, where=None, keepdims: bool = False):
    """log(mean(exp(x))) = logsumexp(x) - log(n), n the number of (unmasked) terms.

    >>> float(logmeanexp(np.array([0.0, np.log(3.0)])))  # log 2
    0.6931471805599453
    """
    x = fnp.asarray(x)
    lse = logsumexp(x, axis=axis, keepdims=keepdims, where=where)
    mask = _mask("logmeanexp", x, where)
    if mask is None:
        axes = range(fnp.ndim(x)) if axis is None else np.atleast_1d(axis)
        count = float(np.prod([fnp.shape(x)[int(i)] for i in axes]))
    else:
        count = fnp.astype(fnp.sum(mask, axis=axis, keepdims=keepdims), fnp.result_type(lse))
    return lse - (math.log(count) if isinstance(count, float) else fnp.log(count))


def log_softmax(x, axis: int | tuple | None = -1, where=None):
    """x - logsumexp(x), stably; masked entries (``where`` False) give -inf and take no part.

    >>> log_softmax(np.array([0.0, 0.0])) == -np.log(2.0)
    array([ True,  True])
    >>> np.exp(log_softmax(np.array([[1.0, 2.0], [3.0, 3.0]]))).sum(axis=-1)
    array([1., 1.])
    >>> log_softmax(np.array([0.0, 5.0, 0.0]), where=np.array([True, False, True]))
    array([-0.69314718,        -inf, -0.69314718])
    """
    x = fnp.asarray(x)
    where = _mask("log_softmax", x, where)
    shifted = x - _shift(x, axis, where)
    out = shifted - fnp.log(_masked_sum(fnp.exp(shifted), axis, where))
    return out if where is None else fnp.where(where, out, -np.inf)


def softmax(x, axis: int | tuple | None = -1, where=None):
    """exp(x) / sum(exp(x)), stably; masked entries (``where`` False) give 0.

    >>> softmax(np.array([1.0, 1.0, 1.0]))
    array([0.33333333, 0.33333333, 0.33333333])
    >>> softmax(np.array([0.0, 5.0, 0.0]), where=np.array([True, False, True]))
    array([0.5, 0. , 0.5])
    >>> import fungrad
    >>> fungrad.grad(lambda x: softmax(x)[0])(np.array([0.0, 0.0]))
    array([ 0.25, -0.25])
    """
    x = fnp.asarray(x)
    where = _mask("softmax", x, where)
    if where is None:
        unnormalized = fnp.exp(x - _shift(x, axis))
        return unnormalized / fnp.sum(unnormalized, axis=axis, keepdims=True)
    m = _shift(x, axis, where)
    m = fnp.where(fnp.isfinite(m), m, 0.0)  # a fully masked row: zeros, not NaN
    unnormalized = fnp.where(where, fnp.exp(fnp.where(where, x, m) - m), 0.0)
    total = _masked_sum(unnormalized, axis, where)
    return unnormalized / fnp.where(fnp.equal(total, 0), 1.0, total)


def _masked_mean(x, axis, where):
    if where is None:
        return fnp.mean(x, axis=axis, keepdims=True)
    count = fnp.sum(where, axis=axis, keepdims=True)
    return _masked_sum(x, axis, where) / count


def standardize(x, axis: int | tuple | None = -1, mean=None, variance=None,
                epsilon: float = 1e-5, where=None, *, algorithm: str = "fast"):
    """(x - mean) / sqrt(variance + epsilon) along ``axis``; the mean and variance are
    computed (over the ``where`` entries) unless given. ``algorithm="fast"`` (JAX's default)
    takes the variance as mean(x^2) - mean^2 (clipped at 0), ``"stable"`` as
    mean((x - mean)^2).

    >>> standardize(np.array([1.0, 3.0]), epsilon=0.0)
    array([-1.,  1.])
    """
    if algorithm not in ("fast", "stable"):
        raise ValueError(f"fungrad.nn.standardize: unknown algorithm {algorithm!r}; expected "
                         "'fast' or 'stable'")
    x = fnp.asarray(x)
    where = _mask("standardize", x, where)
    if mean is None:
        mean = _masked_mean(x, axis, where)
    if variance is None:
        if algorithm == "stable":
            variance = _masked_mean(fnp.square(x - mean), axis, where)
        else:
            variance = fnp.maximum(_masked_mean(fnp.square(x), axis, where)
                                   - fnp.square(mean), 0.0)
    return (x - mean) / fnp.sqrt(variance + epsilon)


# ---------------------------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------------------------

def one_hot(x, num_classes: int, *, dtype=None, axis: int = -1):
    """One-hot encoding of integer labels along a new ``axis`` (float64 unless ``dtype``);
    labels outside [0, num_classes) give all-zero rows; zero derivative.

    >>> one_hot(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    >>> one_hot(np.array([0, 2]), 3, axis=0, dtype=np.int32)
    array([[1, 0],
           [0, 0],
           [0, 1]], dtype=int32)
    """
    if isinstance(num_classes, Tracer) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(f"fungrad.nn.one_hot: num_classes must be a concrete int, got "
                        f"{type(num_classes).__name__} {num_classes!r}")
    x = fnp.asarray(x)
    ndim = fnp.ndim(x) + 1
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"fungrad.nn.one_hot: axis {axis!r} is out of bounds for the output "
                         f"of {ndim} dimensions (x of shape {fnp.shape(x)})")
    axis = int(axis) % ndim
    classes_shape = [1] * fnp.ndim(x)
    classes_shape.insert(axis, int(num_classes))
    classes = np.arange(int(num_classes)).reshape(classes_shape)
    out = fnp.equal(fnp.expand_dims(x, axis), classes)
    return fnp.astype(out, np.float64 if dtype is None else dtype)
