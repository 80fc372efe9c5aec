"""``fungrad.lax``: JAX's ``jax.lax``, the namespace over fungrad's primitives
(``fungrad/prims/``) and structured control flow (``cond``, ``switch``, ``while_loop``,
``fori_loop``, ``scan``, whose branches and bodies stay in the IR as sub-jaxprs).

>>> import fungrad
>>> fungrad.lax.cond(True, lambda x: x + 1.0, lambda x: x - 1.0, 1.0)
np.float64(2.0)
"""
from fungrad.api import stop_gradient  # noqa: F401
from fungrad.control_flow import cond, fori_loop, scan, switch, while_loop  # noqa: F401
from fungrad.lax.convolution import (  # noqa: F401
    ConvDimensionNumbers, conv, conv_dimension_numbers, conv_general_dilated, conv_transpose,
    conv_with_general_padding, padtype_to_pads,
)
from fungrad.lax.precision import Precision  # noqa: F401
from fungrad.prims.conv import conv_general_dilated_p  # noqa: F401
from fungrad.lax.shapes import (  # noqa: F401,A004
    bitcast_convert_type, broadcast, broadcast_in_dim, broadcasted_iota, concatenate,
    convert_element_type, dynamic_index_in_dim, dynamic_slice, dynamic_slice_in_dim,
    dynamic_update_index_in_dim, dynamic_update_slice, dynamic_update_slice_in_dim,
    expand_dims, full, full_like, index_in_dim, iota, pad, reshape, rev, select, select_n,
    slice, slice_in_dim, squeeze, transpose,
)
from fungrad.lax.windowed import (  # noqa: F401
    reduce_window, reduce_window_max, reduce_window_min, reduce_window_prod, reduce_window_sum,
)
from fungrad.lax.ops import (  # noqa: F401,A004
    RoundingMethod, abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, bitwise_and,
    bitwise_not, bitwise_or, bitwise_xor, cbrt, ceil, clamp, clz, cos, cosh, div, eq, exp, exp2,
    expm1, floor, ge, gt, integer_pow, is_finite, le, log, log1p, logistic, lt, max, min, mul, ne,
    neg, nextafter, population_count, pow, rem, round, rsqrt, shift_left, shift_right_arithmetic,
    shift_right_logical, sign, sin, sinh, sqrt, square, sub, tan, tanh,
)
from fungrad.lax.reductions import (  # noqa: F401
    argmax, argmin, batch_matmul, cumlogsumexp, cummax, cummin, cumprod, cumsum, dot,
    dot_general, reduce, reduce_and, reduce_max, reduce_min, reduce_or, reduce_prod, reduce_sum,
    sort, sort_key_val, top_k,
)
from fungrad.lax.loops import associative_scan, map  # noqa: F401,A004
from fungrad.lax.indexing import (  # noqa: F401
    GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers, gather, scatter,
    scatter_add, scatter_max, scatter_min, scatter_mul,
)
