"""Continuous samplers: uniform floats from random bits, then transforms of them.

``uniform`` keeps the top ``nmant`` bits of a word as the mantissa of a float in [1, 2) and
subtracts 1 -- JAX's construction (a shift, an or, a bitcast and a subtraction). Every other sampler here is JAX's transform of uniform (or normal)
samples: inverse CDFs (exponential, laplace, logistic, gumbel, cauchy, weibull, rayleigh),
``normal = sqrt(2) erf_inv(u)``, and short compositions. Being compositions of primitives,
they trace, batch and differentiate: ``mu + sigma * normal(key)`` has gradients in mu and
sigma, and ``uniform``'s bounds and the distribution parameters are differentiable too.

>>> import fungrad.random as random
>>> random.uniform(random.PRNGKey(0), (3,))
array([0.41845711, 0.21629545, 0.96532146])
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import Tracer, eager_result, get_aval
from fungrad.prims import random_bits as rb
from fungrad.prims import special
from fungrad.prims import numeric
from fungrad.prims.bits import bitcast_convert_type
from fungrad.prims import xla_float32
from fungrad.random.keys import canonical_shape, check_key

__all__ = ["uniform", "normal", "truncated_normal", "exponential", "laplace", "logistic",
           "gumbel", "cauchy", "lognormal", "pareto", "weibull_min", "rayleigh", "wald",
           "maxwell", "double_sided_maxwell", "triangular"]


def _rounded_as_jax(xla_version, numpy_version):
    """The function as JAX rounds it: float32 through XLA's algorithm (numpy's float32
    log is up to 4 ulp off, and elsewhere than XLA's), other dtypes through numpy's."""
    def function(x):
        return xla_version(x) if get_aval(x).dtype == np.float32 else numpy_version(x)
    function.__name__ = numpy_version.__name__
    return function


log = _rounded_as_jax(xla_float32.xla_log, fnp.log)
log1p = _rounded_as_jax(xla_float32.xla_log1p, fnp.log1p)
exp = _rounded_as_jax(xla_float32.xla_exp, fnp.exp)


def float_dtype(name: str, dtype) -> np.dtype:
    """The sampler's float dtype: float64 by default (numpy's), a clear error if not float."""
    try:
        dtype = np.dtype(np.float64 if dtype is None else dtype)
    except TypeError:
        raise TypeError(f"{name}: {dtype!r} is not a dtype") from None
    if dtype.kind != "f":
        raise ValueError(f"dtype argument to `{name}` must be a float dtype, got {dtype}")
    return dtype


def shape_of(x) -> tuple:
    return tuple(get_aval(x).shape) if not isinstance(x, (list, tuple)) else np.shape(x)


def result_shape(name: str, shape, *params) -> tuple:
    """``shape`` checked against the parameters' shapes (they must broadcast to it), or the
    parameters' broadcast shape when ``shape`` is None."""
    param_shapes = [shape_of(p) for p in params]
    try:
        broadcast = np.broadcast_shapes(*param_shapes) if param_shapes else ()
    except ValueError:
        raise ValueError(f"{name}: the parameter shapes {param_shapes} do not broadcast "
                         "together") from None
    if shape is None:
        return broadcast
    shape = canonical_shape(name, shape)
    try:
        ok = np.broadcast_shapes(shape, *param_shapes) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name}: parameter shapes {param_shapes} must be broadcast-"
                         f"compatible with shape argument {shape}, and broadcast to it")
    return shape


def cast(x, dtype):
    return fnp.astype(fnp.asarray(x), dtype) if not isinstance(x, (int, float)) else \
        np.asarray(x, dtype)


def prepare(name: str, key, dtype, shape, *params):
    """The common first lines of a sampler: key data, float dtype and result shape."""
    data, _ = check_key(name, key)
    return data, float_dtype(name, dtype), result_shape(name, shape, *params)


def unit_floats(data, shape: tuple, dtype: np.dtype):
    """Uniform [0, 1) samples from key data, as JAX makes them: the top ``nmant`` bits of
    a word as the mantissa of a float in [1, 2), less 1."""
    if not isinstance(data, Tracer):
        return eager_result(_unit_floats_now(data, shape, dtype))
    info = np.finfo(dtype)
    uint = np.dtype(f"uint{info.bits}")
    one = np.array(1, dtype).view(uint)  # the exponent (and zero mantissa) of 1.0
    bits = rb.random_bits(data, info.bits, shape)
    in_one_two = fnp.bitwise_or(fnp.right_shift(bits, uint.type(info.bits - info.nmant)), one)
    return fnp.subtract(bitcast_convert_type(in_one_two, dtype), dtype.type(1))


def _unit_floats_now(data, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """``unit_floats`` of concrete key data, computed now: the same steps in place on the
    freshly drawn bits (a new array of the draw's size would be new memory to fault in, for
    each step), the bitcast a view. A writable numpy array."""
    info = np.finfo(dtype)
    uint = np.dtype(f"uint{info.bits}")
    words = rb.random_bits_p.impl(data, bit_width=info.bits, shape=shape)
    words >>= uint.type(info.bits - info.nmant)
    words |= np.array(1, dtype).view(uint)
    floats = words.view(dtype)
    floats -= dtype.type(1)
    return floats


def uniform_floats(data, shape: tuple, dtype: np.dtype, minval=0.0, maxval=1.0):
    """Uniform samples in [minval, maxval) from key data: JAX's ``_uniform``."""
    if _is_value(minval, 0.0) and _is_value(maxval, 1.0):
        return unit_floats(data, shape, dtype)  # floats * 1 + 0, exactly
    minval, maxval = cast(minval, dtype), cast(maxval, dtype)
    span = maxval - minval
    if _is_power_of_two(span):  # floats * span is exact: one rounding either way
        if not isinstance(data, Tracer) and _is_scalar_constant(minval):
            samples = _unit_floats_now(data, shape, dtype)  # eagerly: in place again
            samples *= span
            samples += minval
            return eager_result(np.maximum(samples, minval, out=samples))
        return fnp.maximum(minval, unit_floats(data, shape, dtype) * span + minval)
    floats = unit_floats(data, shape, dtype)
    return fnp.maximum(minval, fused_multiply_add(floats, span, minval))


def _is_scalar_constant(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic)) and np.ndim(x) == 0


def _is_power_of_two(x) -> bool:
    """Is ``x`` a known (untraced) scalar power of two, times which products are exact?"""
    if not isinstance(x, (np.ndarray, np.generic)) or np.ndim(x) != 0:
        return False
    mantissa, _ = np.frexp(x)
    return bool(mantissa == 0.5)


def _is_value(x, value: float) -> bool:
    return isinstance(x, (int, float)) and x == value


_SPLITTER = float(2 ** 27 + 1)  # Veltkamp's constant: splits a double into two halves


def _two_product_error(a, b, p):
    """The rounding error of ``p = a * b`` (Dekker), exactly: ``a * b - p``."""
    def halves(x):
        big = x * _SPLITTER
        high = big - (big - x)
        return high, x - high
    a_hi, a_lo = halves(a)
    b_hi, b_lo = halves(b)
    return ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def fused_multiply_add(a, b, c):
    """``a * b + c`` rounded once, as XLA's CPU code computes ``floats * span + minval``
    (it fuses the two), so uniform samples on a range keep JAX's exact bits. float32 goes
    through float64, where the product is exact; float64 adds the product's and the sum's
    rounding errors back (Dekker's and Knuth's error-free transformations)."""
    dtype = get_aval(a).dtype
    if dtype == np.float32:
        wide = [fnp.astype(x, np.float64) for x in (a, b, c)]
        return fnp.astype(wide[0] * wide[1] + wide[2], np.float32)
    if dtype != np.float64:
        return a * b + c
    p = a * b
    s = p + c
    virtual = s - p
    sum_error = (p - (s - virtual)) + (c - virtual)
    return s + (sum_error + _two_product_error(a, b, p))


def uniform(key, shape: Sequence[int] = (), dtype=None, minval=0.0, maxval=1.0) -> Any:
    """Uniform samples in ``[minval, maxval)``; the bounds broadcast against ``shape``.

    >>> import fungrad.random as random
    >>> random.uniform(random.PRNGKey(0), (2,), minval=-1.0, maxval=1.0)
    array([-0.16308578, -0.56740909])
    """
    data, _ = check_key("uniform", key)
    dtype = float_dtype("uniform", dtype)
    shape = canonical_shape("uniform", shape)
    result_shape("uniform", shape, minval, maxval)
    return uniform_floats(data, shape, dtype, minval, maxval)


def normal_floats(data, shape: tuple, dtype: np.dtype):
    sqrt2 = dtype.type(math.sqrt(2))
    u = _symmetric_uniform(data, shape, dtype)
    if not isinstance(u, Tracer):  # eagerly, in place on erf_inv's fresh result
        x = special.erf_inv_p.impl(u)
        return eager_result(np.multiply(x, sqrt2, out=x))
    return fnp.multiply(sqrt2, special.erf_inv(u))


def _symmetric_uniform(data, shape: tuple, dtype: np.dtype):
    """Uniform samples in (-1, 1), whose erf_inv times sqrt(2) is normal."""
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype))
    return uniform_floats(data, shape, dtype, lo, np.array(1.0, dtype))


def normal(key, shape: Sequence[int] = (), dtype=None) -> Any:
    """Standard normal samples (``sqrt(2) erf_inv(u)``, u uniform in (-1, 1)).

    >>> import fungrad.random as random
    >>> random.normal(random.PRNGKey(0), (3,))
    array([-0.20584214, -0.78476578,  1.81608667])
    """
    data, _ = check_key("normal", key)
    dtype = np.dtype(np.float64 if dtype is None else dtype)
    if dtype.kind == "c":  # real and imaginary parts from two keys, unit total variance
        real = np.finfo(dtype).dtype
        k_re, k_im = _two_keys(data)
        re = normal_floats(k_re, canonical_shape("normal", shape), real)
        im = normal_floats(k_im, canonical_shape("normal", shape), real)
        return fnp.astype(re + 1j * im, dtype) / dtype.type(math.sqrt(2))
    dtype = float_dtype("normal", dtype)
    return normal_floats(data, canonical_shape("normal", shape), dtype)


def truncated_normal(key, lower, upper, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Standard normal samples truncated to ``(lower, upper)``.

    >>> import fungrad.random as random
    >>> x = random.truncated_normal(random.PRNGKey(0), -1.0, 1.0, (1000,))
    >>> bool(x.min() > -1.0 and x.max() < 1.0)
    True
    """
    data, dtype, shape = prepare("truncated_normal", key, dtype, shape, lower, upper)
    sqrt2 = dtype.type(math.sqrt(2))
    lower, upper = cast(lower, dtype), cast(upper, dtype)
    # x / sqrt2 as XLA computes it: times the rounded reciprocal of the constant
    inv_sqrt2 = dtype.type(1) / sqrt2
    a = special.erf(lower * inv_sqrt2)
    b = special.erf(upper * inv_sqrt2)
    u = uniform_floats(data, shape, dtype, a, b)
    out = sqrt2 * special.erf_inv(u)
    # the open interval: clip to the floats just inside the bounds
    lo = numeric.nextafter(lower, dtype.type(np.inf))
    hi = numeric.nextafter(upper, dtype.type(-np.inf))
    return fnp.clip(out, lo, hi)


def _unit(name: str, key, shape, dtype, minval=0.0, maxval=1.0):
    data, _ = check_key(name, key)
    dtype = float_dtype(name, dtype)
    return uniform_floats(data, canonical_shape(name, shape), dtype, minval, maxval), dtype


def exponential(key, shape: Sequence[int] = (), dtype=None) -> Any:
    """Exponential samples with rate 1: ``-log1p(-u)``.

    >>> import fungrad.random as random
    >>> random.exponential(random.PRNGKey(0), (2,))
    array([0.54207056, 0.24372319])
    """
    u, _ = _unit("exponential", key, shape, dtype)
    return -log1p(-u)


def laplace(key, shape: Sequence[int] = (), dtype=None) -> Any:
    """Laplace samples (location 0, scale 1): ``sign(u) log1p(-|u|)``, u in (-1, 1).

    >>> import fungrad.random as random
    >>> random.laplace(random.PRNGKey(0), (2,))
    array([0.17803369, 0.83796278])
    """
    dt = float_dtype("laplace", dtype)
    u, _ = _unit("laplace", key, shape, dt, -1.0 + np.finfo(dt).epsneg, 1.0)
    return fnp.sign(u) * log1p(-fnp.abs(u))


def logistic(key, shape: Sequence[int] = (), dtype=None) -> Any:
    """Standard logistic samples: ``log(u) - log1p(-u)``.

    >>> import fungrad.random as random
    >>> random.logistic(random.PRNGKey(0), (2,))
    array([-0.32911032, -1.28738678])
    """
    dt = float_dtype("logistic", dtype)
    u, _ = _unit("logistic", key, shape, dt, np.finfo(dt).tiny, 1.0)
    return log(u) - log1p(-u)


def gumbel(key, shape: Sequence[int] = (), dtype=None, mode: str | None = None) -> Any:
    """Standard Gumbel samples: ``-log(-log(u))``. ``mode="high"`` spends two uniforms per
    sample for accuracy in the far tail (JAX's modes; "low" is the default).

    >>> import fungrad.random as random
    >>> random.gumbel(random.PRNGKey(0), (2,))
    array([ 0.13790566, -0.42599294])
    """
    data, _ = check_key("gumbel", key)
    dtype = float_dtype("gumbel", dtype)
    shape = canonical_shape("gumbel", shape)
    mode = "low" if mode is None else mode
    if mode not in ("low", "high", "highest"):
        raise ValueError(f"gumbel: mode must be 'low', 'high' or 'highest', got {mode!r}")
    return gumbel_floats(data, shape, dtype, mode)


def gumbel_floats(data, shape: tuple, dtype: np.dtype, mode: str = "low"):
    info = np.finfo(dtype)
    if mode == "low":
        return -log(-log(uniform_floats(data, shape, dtype, info.tiny, 1.0)))
    if mode == "highest" and dtype == np.float32:
        raise NotImplementedError("gumbel: mode='highest' in float32 is not implemented; "
                                  "use mode='high'")
    both = uniform_floats(data, (2,) + shape, dtype, 0.0, 1.0)
    high, low = both[0], both[1]
    x = fnp.where(high >= 0.5, high, high + dtype.type(2.0 ** -info.nmant) * low + info.tiny)
    return -log(-log1p(-x))


def cauchy(key, shape: Sequence[int] = (), dtype=None) -> Any:
    """Standard Cauchy samples: ``tan(pi (u - 1/2))``.

    >>> import fungrad.random as random
    >>> random.cauchy(random.PRNGKey(0), (2,))
    array([-0.26192951, -1.23784602])
    """
    dt = float_dtype("cauchy", dtype)
    u, dt = _unit("cauchy", key, shape, dt, np.finfo(dt).eps, 1.0)
    return fnp.tan(dt.type(np.pi) * (u - dt.type(0.5)))


def lognormal(key, sigma=1.0, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Log-normal samples: ``exp(sigma * normal)``.

    >>> import fungrad.random as random
    >>> random.lognormal(random.PRNGKey(0), 0.5, (2,))
    array([0.90219818, 0.67544544])
    """
    data, dtype, shape = prepare("lognormal", key, dtype, shape, sigma)
    return exp(normal_floats(data, shape, dtype) * cast(sigma, dtype))


def pareto(key, b, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Pareto samples with shape ``b`` (support [1, inf)): ``exp(e / b)``, e exponential.

    >>> import fungrad.random as random
    >>> random.pareto(random.PRNGKey(0), 2.0, (2,))
    array([1.31132133, 1.12959775])
    """
    data, dtype, shape = prepare("pareto", key, dtype, shape, b)
    e = -log1p(-uniform_floats(data, shape, dtype))
    return exp(e / cast(b, dtype))


def weibull_min(key, scale, concentration, shape: Sequence[int] = (), dtype=None) -> Any:
    """Weibull samples: ``scale * (-log1p(-u)) ** (1 / concentration)``.

    >>> import fungrad.random as random
    >>> random.weibull_min(random.PRNGKey(0), 1.0, 2.0, (2,))
    array([0.73625441, 0.49368328])
    """
    data, dtype, shape = prepare("weibull_min", key, dtype, shape, scale, concentration)
    u = uniform_floats(data, shape, dtype)
    return fnp.power(-log1p(-u), 1.0 / cast(concentration, dtype)) * cast(scale, dtype)


def rayleigh(key, scale=1.0, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Rayleigh samples: ``scale * sqrt(-2 log u)``.

    >>> import fungrad.random as random
    >>> random.rayleigh(random.PRNGKey(0), 1.0, (2,))
    array([1.31998551, 1.74991998])
    """
    data, dtype, shape = prepare("rayleigh", key, dtype, shape, scale)
    u = uniform_floats(data, shape, dtype)
    scale = fnp.broadcast_to(cast(scale, dtype), shape)
    return scale * fnp.sqrt(log(u) * dtype.type(-2))


def wald(key, mean, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Wald (inverse Gaussian) samples with mean ``mean`` and shape 1.

    >>> import fungrad.random as random
    >>> random.wald(random.PRNGKey(0), 1.0, (2,))
    array([0.18700294, 1.61073217])
    """
    data, dtype, shape = prepare("wald", key, dtype, shape, mean)
    k1, k2 = _two_keys(data)
    mean = fnp.broadcast_to(cast(mean, dtype), shape)
    z = uniform_floats(k2, shape, dtype)
    mean_sq = mean * mean
    # XLA's CPU code fuses a product into each sum here (FMAs); so does fungrad, for its bits
    if math.prod(shape) == 1:
        # In a one-element draw XLA's simplifier also moves the constant of the normal
        # sample v = sqrt(2) e out of its powers: y = v^2 = e^2 * rounded(sqrt(2)^2), and
        # y^2 = (e^2)^2 * rounded(sqrt(2)^4). These roundings cancel in x, so follow them.
        e_sq = fnp.square(special.erf_inv(_symmetric_uniform(k1, shape, dtype)))
        two = dtype.type(math.sqrt(2)) * dtype.type(math.sqrt(2))
        y = e_sq * two
        y_sq_mean_sq = mean_sq * ((e_sq * e_sq) * (two * two))
        sqrt_term = fnp.sqrt(fused_multiply_add(mean * e_sq, 4 * two, y_sq_mean_sq))
    else:
        v = normal_floats(k1, shape, dtype)
        y = v * v
        sqrt_term = fnp.sqrt(fused_multiply_add(4 * mean, y, mean_sq * (y * y)))
    x = fused_multiply_add(-(mean / 2), sqrt_term, mean + mean_sq * y / 2)
    return fnp.where(z <= mean / (mean + x), x, mean_sq / x)


def _two_keys(data):
    keys = rb.random_split(data, (2,))
    return keys[0], keys[1]


def maxwell(key, shape: Sequence[int] = (), dtype=None) -> Any:
    """Maxwell samples: the norm of three standard normals.

    >>> import fungrad.random as random
    >>> random.maxwell(random.PRNGKey(0), (2,))
    array([1.98906991, 0.42460738])
    """
    data, _ = check_key("maxwell", key)
    dtype = float_dtype("maxwell", dtype)
    shape = canonical_shape("maxwell", shape)
    n = normal_floats(data, shape + (3,), dtype)
    return fnp.sqrt(fnp.sum(n * n, axis=-1))


def double_sided_maxwell(key, loc, scale, shape: Sequence[int] = (), dtype=None) -> Any:
    """Double-sided Maxwell samples: a Maxwell sample with a random sign, scaled and
    shifted. The output shape is ``shape + broadcast(loc, scale).shape``.

    >>> import fungrad.random as random
    >>> random.double_sided_maxwell(random.PRNGKey(0), 0.0, 1.0, (2,))
    array([ 1.98461204, -2.4782074 ])
    """
    from fungrad.random.discrete import bernoulli_draws
    data, _ = check_key("double_sided_maxwell", key)
    dtype = float_dtype("double_sided_maxwell", dtype)
    params = np.broadcast_shapes(shape_of(loc), shape_of(scale))
    shape = canonical_shape("double_sided_maxwell", shape)
    shape = (shape or params) + params if shape else params
    k_maxwell, k_sign = _two_keys(data)
    n = normal_floats(k_maxwell, shape + (3,), dtype)
    magnitude = fnp.sqrt(fnp.sum(n * n, axis=-1))
    sign = 2 * fnp.astype(bernoulli_draws(k_sign, 0.5, shape), dtype) - 1
    return fnp.astype(sign, dtype) * magnitude * cast(scale, dtype) + cast(loc, dtype)


def triangular(key, left, mode, right, shape: Sequence[int] | None = None, dtype=None) -> Any:
    """Triangular samples on ``[left, right]`` with peak at ``mode`` (inverse CDF).

    >>> import fungrad.random as random
    >>> random.triangular(random.PRNGKey(0), 0.0, 0.5, 1.0, (2,))
    array([0.45741508, 0.32885822])
    """
    data, dtype, shape = prepare("triangular", key, dtype, shape, left, mode, right)
    left, mode, right = (fnp.broadcast_to(cast(v, dtype), shape) for v in (left, mode, right))
    fc = (mode - left) / (right - left)
    u = uniform_floats(data, shape, dtype)
    out1 = left + fnp.sqrt(u * (right - left) * (mode - left))
    out2 = right - fnp.sqrt((1 - u) * (right - left) * (right - mode))
    return fnp.where(u < fc, out1, out2)
