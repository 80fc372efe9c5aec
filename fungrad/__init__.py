"""fungrad: JAX's design -- trace, transform, interpret -- on plain numpy.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> fungrad.grad(lambda x: fnp.sum(x ** 2))(np.array([1.0, 2.0]))
array([2., 4.])

The public names are loaded on first use (``fungrad/_namespace.py`` imports them): ``import
fungrad`` stays as cheap as ``import numpy`` however large the package grows, and nothing of
it (nor scipy) is imported until something is used.
"""
import importlib as _importlib
import sys as _sys
import types as _types
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what type checkers and editors see; at run time _namespace provides it
    from fungrad._namespace import *  # noqa: F401,F403
    from fungrad._namespace import config, jit, jvp, vjp, vmap  # noqa: F401

__version__ = "0.1.0"

__all__ = [
    # the array type and where it lives
    "Array", "Device", "devices", "local_devices", "device_count", "local_device_count",
    "default_backend", "device_put", "device_get", "block_until_ready",
    # transforms
    "grad", "value_and_grad", "vjp", "jvp", "linearize", "linear_transpose", "jacfwd",
    "jacrev", "jacobian", "hessian", "vmap", "jit", "make_jaxpr", "eval_shape", "typeof",
    "stop_gradient", "closure_convert", "ensure_compile_time_eval", "disable_jit",
    "clear_caches",
    "named_call", "named_scope",
    # user-defined derivatives and rematerialization
    "custom_jvp", "custom_vjp", "custom_gradient", "checkpoint", "remat",
    # callbacks, configuration
    "pure_callback", "effects_barrier", "config", "debug_nans", "debug_infs",
    "checkpoint_policies",
    # JAX's flags as functions: with fungrad.numpy_rank_promotion("raise"): ...
    "enable_x64", "numpy_rank_promotion", "numpy_dtype_promotion", "check_tracer_leaks",
    "checking_leaks", "enable_checks", "log_compiles", "explain_cache_misses",
    "debug_key_reuse", "threefry_partitionable", "default_matmul_precision", "default_device",
    "default_prng_impl", "softmax_custom_jvp", "transfer_guard",
    "transfer_guard_host_to_device", "transfer_guard_device_to_host",
    "transfer_guard_device_to_device",
    # one process, one device
    "pmap", "shard_map", "make_mesh", "set_mesh", "reshard", "NamedSharding", "P",
    "make_array_from_callback", "make_array_from_single_device_arrays",
    "make_array_from_process_local_data",
    "process_index", "process_count", "process_indices", "host_id", "host_count",
    "host_ids", "print_environment_info",
    # the IR and its errors
    "ClosedJaxpr", "Jaxpr", "ShapedArray", "ShapeDtypeStruct", "check_jaxpr", "eval_jaxpr",
    "float0", "ConcretizationTypeError", "TracerArrayConversionError",
    "TracerBoolConversionError", "UnexpectedTracerError",
    # namespaces
    "numpy", "nn", "lax", "random", "tree_util", "tree", "flatten_util", "debug", "ad_checkpoint",
]

# Public names that are also submodule names: importing the submodule (fungrad.jit, the
# module) must not replace the public object (fungrad.jit, the function) on the package.
_SHADOWED_BY_SUBMODULES = frozenset({"config", "jit", "jvp", "vjp", "vmap", "pmap",
                                     "shard_map"})

# JAX's other namespaces, reachable as attributes (``fungrad.scipy.special``) but imported
# only when used: not in ``__all__``, so loading the public names never imports them (nor
# scipy)
_LAZY_SUBMODULES = frozenset({"scipy", "stages", "experimental", "dtypes", "image", "ops",
                              "typing", "errors", "custom_derivatives", "version", "core",
                              "api_util", "test_util", "custom_batching",
                              "sharding"})


# The namespaces among the public names: each is imported on its own when first used.
_SUBPACKAGES = frozenset({"numpy", "nn", "lax", "random", "tree_util", "tree", "flatten_util",
                          "debug", "ad_checkpoint"})
_loading = [False]


def _load():
    """Import the whole public namespace and bind it on the package."""
    _loading[0] = True
    try:
        from fungrad import _namespace
    finally:
        _loading[0] = False
    package = _sys.modules[__name__]
    for name in __all__:
        _types.ModuleType.__setattr__(package, name, getattr(_namespace, name))


def __getattr__(name):
    if name in _SUBPACKAGES or name in _LAZY_SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    if name in __all__ and not _loading[0]:  # (while loading, the import system is asking)
        _load()
        return globals()[name]
    raise AttributeError(f"module 'fungrad' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _LAZY_SUBMODULES)


class _Package(_types.ModuleType):
    def __setattr__(self, name, value):
        if name in _SHADOWED_BY_SUBMODULES and isinstance(value, _types.ModuleType):
            return  # the import system binding a submodule: the public object keeps the name
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
