"""``jax.example_libraries.stax``: neural networks as ``(init_fun, apply_fun)`` pairs.

``init_fun(rng, input_shape) -> (output_shape, params)`` builds the parameters for inputs of
``input_shape`` (a batch size of -1 means "any"); ``apply_fun(params, inputs, **kwargs)``
runs the layer (``rng=`` is a key for the layers that need one: ``Dropout``). Combinators
(``serial``, ``parallel``, ``FanOut``, ``FanInSum``, ``FanInConcat``, ``shape_dependent``)
build networks out of layers; parameters are plain tuples and lists.

>>> import numpy as np, fungrad
>>> init, apply = serial(Dense(4), Relu, Dense(2), LogSoftmax)
>>> out_shape, params = init(fungrad.random.key(0), (-1, 3))
>>> out_shape
(-1, 2)
>>> apply(params, np.ones((5, 3))).shape
(5, 2)
"""
from __future__ import annotations

import functools
import math

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax, random
from fungrad.core import ShapeDtypeStruct
from fungrad.nn import (elu, gelu, leaky_relu, log_softmax, relu, selu, sigmoid, softmax,
                        softplus, standardize)
from fungrad.nn.initializers import glorot_normal, normal, ones, zeros


def _shape_of(fn, input_shape, batch_in: int, batch_out: int, *operands) -> tuple:
    """The shape of ``fn(x, *operands)`` for x of ``input_shape``, found by tracing on shapes
    only; a batch size of -1 (any) at axis ``batch_in`` comes out as -1 at ``batch_out``."""
    from fungrad.api import make_jaxpr
    input_shape = tuple(input_shape)
    probe = tuple(1 if d == -1 else d for d in input_shape)
    specs = [ShapeDtypeStruct(probe, np.float64)]
    specs += [ShapeDtypeStruct(np.shape(o), np.float64) for o in operands]
    out = list(make_jaxpr(fn)(*specs).out_avals[0].shape)
    if input_shape[batch_in] == -1:
        out[batch_out] = -1
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Layers with parameters
# ---------------------------------------------------------------------------------------------

def Dense(out_dim: int, W_init=glorot_normal(), b_init=normal()):
    """A fully connected layer, ``inputs @ W + b``, with W of shape (in, out).

    >>> import fungrad
    >>> init, apply = Dense(3)
    >>> out_shape, (W, b) = init(fungrad.random.key(0), (-1, 2))
    >>> out_shape, W.shape, b.shape
    ((-1, 3), (2, 3), (3,))
    """
    def init_fun(rng, input_shape):
        output_shape = tuple(input_shape[:-1]) + (out_dim,)
        k1, k2 = random.split(rng)
        return output_shape, (W_init(k1, (input_shape[-1], out_dim)), b_init(k2, (out_dim,)))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return fnp.dot(inputs, W) + b

    return init_fun, apply_fun


def _kernel_shape(lhs_spec, rhs_spec, input_shape, out_chan, filter_shape):
    sizes = iter(filter_shape)
    return tuple(out_chan if c == "O" else input_shape[lhs_spec.index("C")] if c == "I"
                 else next(sizes) for c in rhs_spec)


def _conv_layer(op, dimension_numbers, out_chan, filter_shape, W_init, b_init):
    """The layer of a convolution ``op(x, W)``: its kernel shape, glorot-normal kernel over
    the kernel's I and O axes, a bias broadcasting over all but the output's C axis."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    W_init = W_init or glorot_normal(rhs_spec.index("I"), rhs_spec.index("O"))

    def init_fun(rng, input_shape):
        kernel_shape = _kernel_shape(lhs_spec, rhs_spec, input_shape, out_chan, filter_shape)
        output_shape = _shape_of(op, input_shape, lhs_spec.index("N"), out_spec.index("N"),
                                 np.empty(kernel_shape))
        bias_shape = tuple(out_chan if c == "C" else 1 for c in out_spec)
        k1, k2 = random.split(rng)
        return output_shape, (W_init(k1, kernel_shape), b_init(k2, bias_shape))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return op(inputs, W) + b

    return init_fun, apply_fun


def GeneralConv(dimension_numbers, out_chan: int, filter_shape, strides=None,
                padding="VALID", W_init=None, b_init=normal(1e-6)):
    """A convolution in any layout: ``dimension_numbers`` = (input, kernel, output) specs
    such as ``('NHWC', 'HWIO', 'NHWC')``; the kernel is glorot-normal initialized over its
    I and O axes, the bias broadcasts over all but the output's C axis.

    >>> import fungrad
    >>> init, apply = GeneralConv(('NCHW', 'OIHW', 'NCHW'), 4, (3, 3), padding='SAME')
    >>> out_shape, (W, b) = init(fungrad.random.key(0), (-1, 2, 8, 8))
    >>> out_shape, W.shape, b.shape
    ((-1, 4, 8, 8), (4, 2, 3, 3), (1, 4, 1, 1))
    """
    one = (1,) * len(filter_shape)
    strides = tuple(strides) if strides else one

    def conv(x, W):
        return lax.conv_general_dilated(x, W, strides, padding, one, one,
                                        dimension_numbers=dimension_numbers)

    return _conv_layer(conv, dimension_numbers, out_chan, filter_shape, W_init, b_init)


def Conv(out_chan: int, filter_shape, strides=None, padding="VALID", W_init=None,
         b_init=normal(1e-6)):
    """A 2-d convolution on NHWC inputs with an HWIO kernel (``GeneralConv`` in that layout).

    >>> import numpy as np, fungrad
    >>> init, apply = Conv(8, (3, 3), strides=(2, 2), padding='SAME')
    >>> out_shape, params = init(fungrad.random.key(0), (-1, 28, 28, 1))
    >>> out_shape, apply(params, np.zeros((2, 28, 28, 1))).shape
    ((-1, 14, 14, 8), (2, 14, 14, 8))
    """
    return GeneralConv(("NHWC", "HWIO", "NHWC"), out_chan, filter_shape, strides, padding,
                       W_init, b_init)


def GeneralConvTranspose(dimension_numbers, out_chan: int, filter_shape, strides=None,
                         padding="VALID", W_init=None, b_init=normal(1e-6)):
    """A transposed convolution (``lax.conv_transpose``) in any layout.

    >>> import fungrad
    >>> init, apply = GeneralConvTranspose(('NHWC', 'HWIO', 'NHWC'), 3, (2, 2), (2, 2))
    >>> init(fungrad.random.key(0), (-1, 4, 4, 5))[0]
    (-1, 8, 8, 3)
    """
    strides = tuple(strides) if strides else (1,) * len(filter_shape)

    def conv_transpose(x, W):
        return lax.conv_transpose(x, W, strides, padding, dimension_numbers=dimension_numbers)

    return _conv_layer(conv_transpose, dimension_numbers, out_chan, filter_shape, W_init,
                       b_init)


def ConvTranspose(out_chan: int, filter_shape, strides=None, padding="VALID", W_init=None,
                  b_init=normal(1e-6)):
    """A 2-d transposed convolution, NHWC inputs, HWIO kernel.

    >>> import fungrad
    >>> ConvTranspose(3, (3, 3), padding='SAME')[0](fungrad.random.key(0), (2, 5, 5, 1))[0]
    (2, 5, 5, 3)
    """
    return GeneralConvTranspose(("NHWC", "HWIO", "NHWC"), out_chan, filter_shape, strides,
                                padding, W_init, b_init)


def Conv1DTranspose(out_chan: int, filter_shape, strides=None, padding="VALID", W_init=None,
                    b_init=normal(1e-6)):
    """A 1-d transposed convolution, NHC inputs, HIO kernel.

    >>> import fungrad
    >>> Conv1DTranspose(3, (2,), (2,))[0](fungrad.random.key(0), (-1, 5, 4))[0]
    (-1, 10, 3)
    """
    return GeneralConvTranspose(("NHC", "HIO", "NHC"), out_chan, filter_shape, strides,
                                padding, W_init, b_init)


def BatchNorm(axis=(0, 1, 2), epsilon: float = 1e-5, center: bool = True, scale: bool = True,
              beta_init=zeros, gamma_init=ones):
    """Standardizes over the batch ``axis`` (statistics of the batch itself, as JAX's stax:
    there are no running averages), then ``gamma * z + beta`` per remaining position.

    >>> import numpy as np, fungrad
    >>> init, apply = BatchNorm(axis=0)
    >>> _, params = init(fungrad.random.key(0), (4, 2))
    >>> apply(params, np.array([[1.0, 0.0], [3.0, 0.0], [1.0, 2.0], [3.0, 2.0]]))
    array([[-0.999995, -0.999995],
           [ 0.999995, -0.999995],
           [-0.999995,  0.999995],
           [ 0.999995,  0.999995]])
    """
    axis = (axis,) if np.isscalar(axis) else tuple(axis)

    def init_fun(rng, input_shape):
        shape = tuple(d for i, d in enumerate(input_shape) if i not in axis)
        k1, k2 = random.split(rng)
        beta = beta_init(k1, shape) if center else ()
        gamma = gamma_init(k2, shape) if scale else ()
        return tuple(input_shape), (beta, gamma)

    def apply_fun(params, x, **kwargs):
        beta, gamma = params
        kept = tuple(1 if i in axis else d for i, d in enumerate(fnp.shape(x)))
        z = standardize(x, axis, epsilon=epsilon)
        if scale:
            z = fnp.reshape(gamma, kept) * z
        if center:
            z = z + fnp.reshape(beta, kept)
        return z

    return init_fun, apply_fun


# ---------------------------------------------------------------------------------------------
# Elementwise layers (no parameters)
# ---------------------------------------------------------------------------------------------

def elementwise(fun, **fun_kwargs):
    """A layer applying ``fun(inputs, **fun_kwargs)``; no parameters, shape unchanged.

    >>> import numpy as np
    >>> init, apply = elementwise(leaky_relu, negative_slope=0.5)
    >>> init(None, (2,)), apply((), np.array([-1.0, 2.0]))
    (((2,), ()), array([-0.5,  2. ]))
    """
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        return fun(inputs, **fun_kwargs)

    return init_fun, apply_fun


Tanh = elementwise(fnp.tanh)
Relu = elementwise(relu)
Exp = elementwise(fnp.exp)
LogSoftmax = elementwise(log_softmax, axis=-1)
Softmax = elementwise(softmax, axis=-1)
Softplus = elementwise(softplus)
Sigmoid = elementwise(sigmoid)
Elu = elementwise(elu)
LeakyRelu = elementwise(leaky_relu)
Selu = elementwise(selu)
Gelu = elementwise(gelu)


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------

def _pool_dims(window_shape, strides, spec):
    """Window and strides over all axes of the input: 1 on its batch and channel axes (NHWC
    by default, else where ``spec`` puts N and C)."""
    strides = tuple(strides) if strides else (1,) * len(window_shape)
    window_shape = tuple(window_shape)
    non_spatial = (0, len(window_shape) + 1) if spec is None else (spec.index("N"),
                                                                   spec.index("C"))
    for i in sorted(non_spatial):
        window_shape = window_shape[:i] + (1,) + window_shape[i:]
        strides = strides[:i] + (1,) + strides[i:]
    return window_shape, strides, non_spatial


def _pooling_layer(name: str, reduce, average: bool = False):
    def PoolingLayer(window_shape, strides=None, padding="VALID", spec=None):
        dims, all_strides, non_spatial = _pool_dims(window_shape, strides, spec)

        def pool(x):
            out = reduce(x, dims, all_strides, padding)
            if not average:
                return out
            # divide by the number of input elements each window covers (fewer at padding)
            spatial = tuple(d for i, d in enumerate(fnp.shape(x)) if i not in non_spatial)
            counts = lax.reduce_window(np.ones(spatial, fnp.result_type(x)), 0.0, lax.add,
                                       tuple(d for i, d in enumerate(dims)
                                             if i not in non_spatial),
                                       tuple(s for i, s in enumerate(all_strides)
                                             if i not in non_spatial), padding)
            for i in sorted(non_spatial):
                counts = fnp.expand_dims(counts, i)
            return out / counts

        def init_fun(rng, input_shape):
            batch = non_spatial[0]
            return _shape_of(pool, input_shape, batch, batch), ()

        def apply_fun(params, inputs, **kwargs):
            return pool(inputs)

        return init_fun, apply_fun

    PoolingLayer.__name__ = PoolingLayer.__qualname__ = name
    return PoolingLayer


def _max_window(x, dims, strides, padding):
    return lax.reduce_window(x, -np.inf, lax.max, dims, strides, padding)


def _sum_window(x, dims, strides, padding):
    return lax.reduce_window(x, 0.0, lax.add, dims, strides, padding)


_MaxPool = _pooling_layer("MaxPool", _max_window)
_SumPool = _pooling_layer("SumPool", _sum_window)
_AvgPool = _pooling_layer("AvgPool", _sum_window, average=True)


def MaxPool(window_shape, strides=None, padding="VALID", spec=None):
    """Max over windows of the spatial axes (NHWC unless ``spec`` says otherwise).

    >>> import numpy as np, fungrad
    >>> init, apply = MaxPool((2, 2), strides=(2, 2))
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> init(None, (-1, 4, 4, 1))[0], apply((), x)[0, :, :, 0]
    ((-1, 2, 2, 1), array([[ 5.,  7.],
           [13., 15.]]))
    """
    return _MaxPool(window_shape, strides, padding, spec)


def SumPool(window_shape, strides=None, padding="VALID", spec=None):
    """Sum over windows of the spatial axes.

    >>> import numpy as np
    >>> SumPool((2, 2), (2, 2))[1]((), np.ones((1, 4, 4, 1)))[0, :, :, 0]
    array([[4., 4.],
           [4., 4.]])
    """
    return _SumPool(window_shape, strides, padding, spec)


def AvgPool(window_shape, strides=None, padding="VALID", spec=None):
    """Mean over windows of the spatial axes; with ``'SAME'`` padding a window at the border
    averages only the input elements it covers.

    >>> import numpy as np
    >>> AvgPool((2, 2), padding='SAME')[1]((), np.ones((1, 3, 3, 1)))[0, :, :, 0]
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]])
    """
    return _AvgPool(window_shape, strides, padding, spec)


# ---------------------------------------------------------------------------------------------
# Shape plumbing
# ---------------------------------------------------------------------------------------------

def _flatten_layer():
    def init_fun(rng, input_shape):
        return (input_shape[0], math.prod(input_shape[1:])), ()

    def apply_fun(params, inputs, **kwargs):
        return fnp.reshape(inputs, (fnp.shape(inputs)[0], -1))

    return init_fun, apply_fun


Flatten = _flatten_layer()


def _identity_layer():
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        return inputs

    return init_fun, apply_fun


Identity = _identity_layer()


def FanOut(num: int):
    """A layer giving ``num`` copies of its input (a list), for ``parallel`` branches.

    >>> FanOut(2)[0](None, (3,)), FanOut(2)[1]((), 1.0)
    (([(3,), (3,)], ()), [1.0, 1.0])
    """
    def init_fun(rng, input_shape):
        return [input_shape] * num, ()

    def apply_fun(params, inputs, **kwargs):
        return [inputs] * num

    return init_fun, apply_fun


def _fan_in_sum_layer():
    def init_fun(rng, input_shape):
        return input_shape[0], ()

    def apply_fun(params, inputs, **kwargs):
        return functools.reduce(fnp.add, inputs)

    return init_fun, apply_fun


FanInSum = _fan_in_sum_layer()


def FanInConcat(axis: int = -1):
    """A layer concatenating its list of inputs along ``axis``.

    >>> import numpy as np
    >>> init, apply = FanInConcat()
    >>> init(None, [(2, 3), (2, 1)])[0], apply((), [np.ones((2, 3)), np.zeros((2, 1))]).shape
    ((2, 4), (2, 4))
    """
    def init_fun(rng, input_shape):
        ax = axis % len(input_shape[0])
        size = sum(shape[ax] for shape in input_shape)
        return tuple(input_shape[0][:ax]) + (size,) + tuple(input_shape[0][ax + 1:]), ()

    def apply_fun(params, inputs, **kwargs):
        return fnp.concatenate(inputs, axis)

    return init_fun, apply_fun


def Dropout(rate: float, mode: str = "train"):
    """In ``mode='train'``, keeps each input with probability ``rate`` (JAX's stax: ``rate``
    is the KEEP probability) and divides the kept ones by ``rate``; any other mode is the
    identity. ``apply_fun`` needs ``rng=`` in every mode, as in JAX.

    >>> import numpy as np, fungrad
    >>> init, apply = Dropout(0.5)
    >>> y = apply((), np.ones(1000), rng=fungrad.random.key(0))
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    >>> Dropout(0.5, mode='test')[1]((), np.ones(2), rng=fungrad.random.key(0))
    array([1., 1.])
    """
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.get("rng", None)
        if rng is None:
            raise ValueError("Dropout layer requires apply_fun to be called with a PRNG key "
                             "argument. That is, instead of `apply_fun(params, inputs)`, call "
                             "it like `apply_fun(params, inputs, rng=key)` where `key` is a "
                             "PRNG key (e.g. from `fungrad.random.key`).")
        if mode != "train":
            return inputs
        keep = random.bernoulli(rng, rate, fnp.shape(inputs))
        return fnp.where(keep, inputs / rate, 0)

    return init_fun, apply_fun


# ---------------------------------------------------------------------------------------------
# Combinators
# ---------------------------------------------------------------------------------------------

def serial(*layers):
    """Layers one after the other; params is the list of the layers' params, and ``rng=`` is
    split into one key per layer.

    >>> import numpy as np, fungrad
    >>> init, apply = serial(Dense(3), Tanh)
    >>> out_shape, params = init(fungrad.random.key(1), (2, 4))
    >>> out_shape, len(params), apply(params, np.zeros((2, 4))).shape
    ((2, 3), 2, (2, 3))
    """
    nlayers = len(layers)
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng, input_shape):
        params = []
        for layer_init in init_funs:
            rng, layer_rng = random.split(rng)
            input_shape, param = layer_init(layer_rng, input_shape)
            params.append(param)
        return input_shape, params

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.pop("rng", None)
        rngs = random.split(rng, nlayers) if rng is not None else (None,) * nlayers
        for fun, param, layer_rng in zip(apply_funs, params, rngs):
            inputs = fun(param, inputs, rng=layer_rng, **kwargs)
        return inputs

    return init_fun, apply_fun


def parallel(*layers):
    """Layers side by side, the i-th applied to the i-th of a list of inputs (often after
    ``FanOut``); params is the list of their params.

    >>> import numpy as np, fungrad
    >>> init, apply = parallel(Dense(2), Identity)
    >>> shapes, params = init(fungrad.random.key(0), [(5, 3), (5, 3)])
    >>> shapes, [y.shape for y in apply(params, [np.ones((5, 3)), np.ones((5, 3))])]
    (((5, 2), (5, 3)), [(5, 2), (5, 3)])
    """
    nlayers = len(layers)
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng, input_shape):
        rngs = random.split(rng, nlayers)
        results = [init(r, shape) for init, r, shape in zip(init_funs, rngs, input_shape)]
        return tuple(s for s, _ in results), tuple(p for _, p in results)

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.pop("rng", None)
        rngs = random.split(rng, nlayers) if rng is not None else (None,) * nlayers
        return [f(p, x, rng=r, **kwargs) for f, p, x, r in zip(apply_funs, params, inputs, rngs)]

    return init_fun, apply_fun


def shape_dependent(make_layer):
    """A layer built from the input shape: ``make_layer(input_shape) -> (init, apply)``.

    >>> import numpy as np, fungrad
    >>> init, apply = shape_dependent(lambda shape: Dense(shape[-1]))  # square weights
    >>> init(fungrad.random.key(0), (2, 5))[0]
    (2, 5)
    """
    def init_fun(rng, input_shape):
        return make_layer(input_shape)[0](rng, input_shape)

    def apply_fun(params, inputs, **kwargs):
        return make_layer(fnp.shape(inputs))[1](params, inputs, **kwargs)

    return init_fun, apply_fun


# JAX's other names
glorot = glorot_normal
randn = normal
logsoftmax = log_softmax
