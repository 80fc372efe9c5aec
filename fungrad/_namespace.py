"""Everything ``fungrad`` exports, imported for real: the package loads this module the first
time one of its public names is used, so that ``import fungrad`` itself costs next to nothing.
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
from fungrad.jit import clear_caches, jit  # noqa: F401
from fungrad.vmap import vmap  # noqa: F401
from fungrad.custom_derivatives import (  # noqa: F401
    checkpoint, custom_gradient, custom_jvp, custom_vjp, remat,
)
from fungrad import numpy, nn, tree_util, lax, tree, flatten_util, debug  # noqa: F401,E402
from fungrad.debug import effects_barrier, pure_callback  # noqa: F401,E402
from fungrad import ad_checkpoint  # noqa: F401,E402
from fungrad.ad_checkpoint import checkpoint_policies  # noqa: F401,E402
from fungrad.array import (  # noqa: F401,E402
    Array, Device, block_until_ready, default_backend, device_count, device_get, device_put,
    devices, local_device_count, local_devices,
)
# the Config object shadows its module's name, as jax.config does
from fungrad.config import config, debug_infs, debug_nans, disable_jit  # noqa: F401,E402
from fungrad.config import (  # noqa: F401,E402
    check_tracer_leaks, checking_leaks, debug_key_reuse, default_device,
    default_matmul_precision, default_prng_impl, enable_checks, enable_x64,
    explain_cache_misses, log_compiles, numpy_dtype_promotion, numpy_rank_promotion,
    softmax_custom_jvp, threefry_partitionable, transfer_guard, transfer_guard_device_to_device,
    transfer_guard_device_to_host, transfer_guard_host_to_device,
)
from fungrad.pmap import pmap  # noqa: F401,E402
from fungrad.shard_map import shard_map  # noqa: F401,E402
from fungrad.sharding import (  # noqa: F401,E402
    NamedSharding, P, make_array_from_callback, make_array_from_process_local_data,
    make_array_from_single_device_arrays, make_mesh, reshard, set_mesh,
)
from fungrad.processes import (  # noqa: F401,E402
    host_count, host_id, host_ids, print_environment_info, process_count, process_index,
    process_indices,
)
from fungrad import random  # noqa: F401,E402
from fungrad.abstract_types import typeof  # noqa: F401,E402
