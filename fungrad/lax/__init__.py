"""``fungrad.lax``: JAX's ``jax.lax``, the namespace over fungrad's primitives
(``fungrad/prims/``) and structured control flow (``cond``, ``switch``, ``while_loop``,
``fori_loop``, ``scan``, whose branches and bodies stay in the IR as sub-jaxprs).

>>> import fungrad
>>> fungrad.lax.cond(True, lambda x: x + 1.0, lambda x: x - 1.0, 1.0)
np.float64(2.0)
"""
from fungrad.api import stop_gradient  # noqa: F401
from fungrad.collectives import (  # noqa: F401
    all_gather, all_gather_p, axis_index, axis_size, pmax, pmax_p, pmean, pmin,
    pmin_p, psum, psum_p,
    all_to_all, all_to_all_p, pbroadcast, ppermute, ppermute_p, pshuffle, psum_scatter,
    pswapaxes,
)
from fungrad.sharding import with_sharding_constraint  # noqa: F401
from fungrad.shard_map import pcast  # noqa: F401
from fungrad.control_flow import cond, fori_loop, scan, switch, while_loop  # noqa: F401
from fungrad.lax.convolution import (  # noqa: F401
    ConvDimensionNumbers, conv, conv_dimension_numbers, conv_general_dilated,
    conv_general_dilated_local, conv_general_dilated_patches, conv_general_permutations, conv_general_shape_tuple,
    conv_shape_tuple, conv_transpose, conv_transpose_shape_tuple, conv_with_general_padding,
    padtype_to_pads,
)
from fungrad.lax.precision import Precision  # noqa: F401
from fungrad.lax.shapes import (  # noqa: F401,A004
    bitcast_convert_type, broadcast, broadcast_in_dim, broadcasted_iota, concatenate,
    convert_element_type, dynamic_index_in_dim, dynamic_slice, dynamic_slice_in_dim,
    dynamic_update_index_in_dim, dynamic_update_slice, dynamic_update_slice_in_dim,
    expand_dims, full, full_like, index_in_dim, iota, pad, reshape, rev, select, select_n,
    slice, slice_in_dim, squeeze, transpose, broadcast_shapes, broadcast_to_rank, collapse,
    optimization_barrier, split, tile, broadcast_like, empty, stack, unstack,
)
from fungrad.lax.windowed import (  # noqa: F401
    reduce_window, reduce_window_max, reduce_window_min, reduce_window_prod,
    reduce_window_shape_tuple, reduce_window_sum,
)
from fungrad.lax.ops import (  # noqa: F401,A004
    RoundingMethod, abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, bitwise_and,
    bitwise_not, bitwise_or, bitwise_xor, cbrt, ceil, clamp, clz, cos, cosh, div, eq, exp, exp2,
    expm1, floor, ge, gt, integer_pow, is_finite, le, log, log1p, logistic, lt, max, min, mul,
    mulhi, ne,
    neg, nextafter, population_count, pow, reciprocal, rem, round, rsqrt, shift_left, shift_right_arithmetic,
    shift_right_logical, sign, sin, sinh, sqrt, square, sub, tan, tanh,
    complex, conj, imag, real, reduce_precision,
)
from fungrad.lax.special import (  # noqa: F401
    bessel_i0e, bessel_i1e, betainc, digamma, igamma, igamma_grad_a, igammac, lgamma,
    polygamma, random_gamma_grad, zeta,
)
from fungrad.lax.dtypes import dtype  # noqa: F401
from fungrad.lax.annotations import (  # noqa: F401
    ConvGeneralDilatedDimensionNumbers, DotDimensionNumbers, PrecisionLike,
)
from fungrad.lax.fourier import FftType, fft  # noqa: F401
from fungrad.lax.staging import composite, platform_dependent  # noqa: F401
from fungrad.lax.implicit import custom_linear_solve, custom_root  # noqa: F401
from fungrad.lax import linalg  # noqa: F401
from fungrad.lax.reductions import (  # noqa: F401
    approx_max_k, approx_min_k, ragged_dot,
    argmax, argmin, batch_matmul, cumlogsumexp, cummax, cummin, cumprod, cumsum, dot,
    dot_general, reduce, reduce_and, reduce_max, reduce_min, reduce_or, reduce_prod, reduce_sum,
    reduce_xor, sort, sort_key_val, top_k,
)
from fungrad.lax.loops import associative_scan, map  # noqa: F401,A004
from fungrad.lax.indexing import (  # noqa: F401
    GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers, gather, index_take,
    scatter, scatter_add, scatter_apply, scatter_max, scatter_min, scatter_mul, scatter_sub,
)

# The primitive objects, where fungrad has the primitive JAX's name stands for (same
# operands and params; the lax functions above are how to call them).
from fungrad.control_flow import cond_p, scan_p, while_p  # noqa: F401,E402
from fungrad.prims.bits import (  # noqa: F401,E402
    bitcast_convert_type_p, clz_p, mulhi_p, nextafter_p, population_count_p, reduce_xor_p,
    shift_left_p,
    shift_right_arithmetic_p, shift_right_logical_p,
)
from fungrad.prims.conv import conv_general_dilated_p  # noqa: F401,E402
from fungrad.prims.elementwise import (  # noqa: F401,E402
    abs_p, acos_p, acosh_p, add_p, and_p, asin_p, asinh_p, atan2_p, atan_p, atanh_p, cbrt_p,
    ceil_p, convert_element_type_p, cos_p, cosh_p, div_p, eq_p, exp2_p, exp_p, expm1_p,
    floor_p, ge_p, gt_p, integer_pow_p, is_finite_p, le_p, log1p_p, log_p, logistic_p, lt_p,
    max_p, min_p, mul_p, ne_p, neg_p, not_p, or_p, pow_p, rem_p, sign_p, sin_p, sinh_p,
    sqrt_p, square_p, stop_gradient_p, sub_p, tan_p, tanh_p, xor_p,
)
from fungrad.prims.slicing import dynamic_slice_p, dynamic_update_slice_p  # noqa: F401,E402
from fungrad.prims.structural import (  # noqa: F401,E402
    argmax_p, argmin_p, concatenate_p, cumprod_p, cumsum_p, dot_general_p, reduce_and_p,
    reduce_max_p, reduce_min_p, reduce_or_p, reduce_prod_p, reduce_sum_p, reshape_p, rev_p,
    transpose_p,
)
from fungrad.prims.special import erf, erf_inv, erfc  # noqa: F401,E402
from fungrad.prims.complex import complex_p, conj_p, imag_p, real_p  # noqa: F401,E402
from fungrad.prims.precision import reduce_precision_p  # noqa: F401,E402
from fungrad.lax.fourier import fft_p  # noqa: F401,E402
from fungrad.lax.special import (  # noqa: F401,E402
    bessel_i0e_p, bessel_i1e_p, digamma_p, erf_inv_p, erf_p, erfc_p, igamma_grad_a_p, igamma_p,
    igammac_p,
    lgamma_p, polygamma_p, regularized_incomplete_beta_p, zeta_p,
)
