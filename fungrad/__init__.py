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
    closure_convert, ensure_compile_time_eval, eval_shape, float0, grad, hessian, jacfwd,
    jacobian, jacrev, jvp, linear_transpose, linearize, make_jaxpr, named_call, named_scope,
    stop_gradient, value_and_grad, vjp,
)
from fungrad.jit import jit  # noqa: F401
from fungrad.vmap import vmap  # noqa: F401
from fungrad.custom_derivatives import (  # noqa: F401
    checkpoint, custom_gradient, custom_jvp, custom_vjp, remat,
)
from fungrad import numpy, nn, tree_util, lax, tree, flatten_util, debug  # noqa: F401,E402
from fungrad.debug import pure_callback  # noqa: F401,E402
from fungrad import ad_checkpoint  # noqa: F401,E402
from fungrad.ad_checkpoint import checkpoint_policies  # noqa: F401,E402
from fungrad.array import (  # noqa: F401,E402
    Array, Device, block_until_ready, default_backend, device_count, device_get, device_put,
    devices, local_device_count, local_devices,
)
from fungrad import array as _array  # noqa: E402

# Array indexing by traced values and .at[] are fungrad.numpy's
_array.register(getitem=numpy.indexing._getitem, at=numpy.indexing._IndexUpdateHelper)
# the Config object shadows its module's name, as jax.config does
from fungrad.config import config, disable_jit  # noqa: F401,E402
from fungrad import random  # noqa: F401,E402

__version__ = "0.1.0"

__all__ = [
    # the array type and where it lives
    "Array", "Device", "devices", "local_devices", "device_count", "local_device_count",
    "default_backend", "device_put", "device_get", "block_until_ready",
    # transforms
    "grad", "value_and_grad", "vjp", "jvp", "linearize", "linear_transpose", "jacfwd",
    "jacrev", "jacobian", "hessian", "vmap", "jit", "make_jaxpr", "eval_shape",
    "stop_gradient", "closure_convert", "ensure_compile_time_eval", "disable_jit",
    "named_scope", "named_call",
    # user-defined derivatives and rematerialization
    "custom_jvp", "custom_vjp", "custom_gradient", "checkpoint", "remat",
    # callbacks, configuration
    "pure_callback", "config", "checkpoint_policies",
    # the IR and its errors
    "ClosedJaxpr", "Jaxpr", "ShapedArray", "ShapeDtypeStruct", "check_jaxpr", "eval_jaxpr",
    "float0", "ConcretizationTypeError", "TracerArrayConversionError",
    "TracerBoolConversionError", "UnexpectedTracerError",
    # namespaces
    "numpy", "nn", "lax", "random", "tree_util", "tree", "flatten_util", "debug", "ad_checkpoint",
]
