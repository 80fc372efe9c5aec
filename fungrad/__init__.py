"""fungrad: JAX's design -- trace, transform, interpret -- on plain numpy.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> fungrad.grad(lambda x: fnp.sum(x ** 2))(np.array([1.0, 2.0]))
array([2., 4.])
"""
from fungrad.core import (  # noqa: F401
    ClosedJaxpr, ConcretizationTypeError, Jaxpr, ShapeDtypeStruct, ShapedArray,
    TracerArrayConversionError, TracerBoolConversionError, UnexpectedTracerError, check_jaxpr,
)
from fungrad.interpreter import eval_jaxpr  # noqa: F401
from fungrad.api import (  # noqa: F401
    float0, grad, hessian, jacfwd, jacobian, jacrev, jvp, linearize, make_jaxpr,
    stop_gradient, value_and_grad, vjp,
)
from fungrad.jit import jit  # noqa: F401
from fungrad.vmap import vmap  # noqa: F401
from fungrad.custom_derivatives import checkpoint, custom_jvp, custom_vjp, remat  # noqa: F401
from fungrad import numpy, nn, tree_util, lax  # noqa: F401,E402
from fungrad import random  # noqa: F401,E402

__version__ = "0.1.0"
