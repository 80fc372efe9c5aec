"""``fungrad.numpy``: the numpy API, traceable and differentiable.

Eagerly, on numpy inputs, every function returns what numpy returns (same values, same dtypes:
numpy 2's NEP 50 promotion, float32 stays float32). Inside a transform, the same call records
primitives into the IR. The functions are thin compositions of the primitives in
``fungrad.prims``: shape normalization, axis handling, numpy's argument conventions. They live
in one module per concept (``ufuncs``, ``creation``, ``shapes``, ``joining``, ``rearranging``,
``indexing``, ``updating`` (place, put), ``sorting``, ``searching``, ``reductions``,
``nanfunctions``, ``statistics``, ``quantiles``, ``histograms``, ``differences``, ``products``,
``einsums``, ``polynomial``, ``sets``, ``index_tricks``, ``packing`` (packbits),
``window_functions`` (and i0), ``vectorizing``, ``ufunc_objects`` (ufunc, frompyfunc),
``npyio``, ``dtypes``, ``complex_functions``) and are all re-exported here; ``linalg`` and
``fft`` are namespaces.

>>> import numpy as np, fungrad, fungrad.numpy as fnp
>>> fnp.sum(fnp.tanh(np.zeros(3)))
np.float64(0.0)
>>> fungrad.grad(lambda x: fnp.sum(fnp.tanh(x)))(np.zeros(3))
array([1., 1., 1.])

Derivatives: functions with a piecewise-constant or integer result (comparisons, ``sign``,
``floor``, ``ceil``, ``round``, ``argmax``, ``argsort``, logical operations...) have a zero
derivative everywhere, as in JAX.
"""
from fungrad.array import Array as ndarray  # noqa: F401  (jnp.ndarray is fungrad.Array)
from fungrad.numpy.dtypes import (  # noqa: F401,A004
    ComplexWarning, astype, bool, bool_, can_cast, cdouble, character, complex128, complex64,
    complex_, complexfloating, csingle, double, dtype, e, euler_gamma, finfo, flexible,
    float16, float32, float64, float_, floating, generic, get_printoptions, iinfo, inexact,
    inf, int16, int32, int64, int8, int_, integer, isdtype, isscalar, issubdtype, iterable,
    nan, newaxis, number, object_, pi, printoptions, promote_types, result_type,
    set_printoptions, signedinteger, single, uint, uint16, uint32, uint64, uint8,
    unsignedinteger,
)
from fungrad.numpy.ufuncs import (  # noqa: F401,A004
    abs, absolute, acos, acosh, add, allclose, arccos, arccosh, arcsin, arcsinh, arctan,
    arctan2, arctanh, around, array_equal, array_equiv, asin, asinh, atan, atan2, atanh,
    bitwise_and, bitwise_count, bitwise_invert, bitwise_left_shift, bitwise_not, bitwise_or,
    bitwise_right_shift, bitwise_xor, cbrt, ceil, clip, copysign, cos, cosh,
    deg2rad, degrees, divide, divmod, equal, exp, exp2, expm1, fabs, float_power, floor,
    floor_divide, fmax, fmin, fmod, frexp, gcd, greater, greater_equal, heaviside, hypot,
    invert, isclose, isfinite, isinf, isnan, isneginf, isposinf, lcm, ldexp, left_shift, less,
    less_equal, log, log10, log1p, log2, logaddexp, logaddexp2, logical_and, logical_not,
    logical_or, logical_xor, maximum, minimum, mod, modf, multiply, nan_to_num, negative,
    nextafter, not_equal, positive, pow, power, rad2deg, radians, reciprocal, remainder,
    right_shift, rint, round, sign, signbit, sin, sinc, sinh, spacing, sqrt, square, subtract,
    tan, tanh, true_divide, trunc, where,
)
from fungrad.numpy.complex_functions import (  # noqa: F401
    angle, conj, conjugate, imag, iscomplex, iscomplexobj, isreal, isrealobj, real,
    real_if_close, sort_complex,
)
from fungrad.numpy.creation import (  # noqa: F401,A004
    arange, array, asarray, copy, diag, empty, empty_like, eye, frombuffer, fromfunction,
    fromiter, fromstring, full, full_like, geomspace, identity, linspace, logspace, ones,
    ones_like, tri, tril, triu, zeros, zeros_like,
)
from fungrad.numpy.shapes import (  # noqa: F401,A004
    atleast_1d, atleast_2d, atleast_3d, broadcast_arrays, broadcast_shapes, broadcast_to,
    expand_dims, matrix_transpose, moveaxis, ndim, permute_dims, ravel, reshape, rollaxis,
    shape, size, squeeze, swapaxes, transpose,
)
from fungrad.numpy.joining import (  # noqa: F401,A004
    append, array_split, block, column_stack, concat, concatenate, delete, dsplit, dstack,
    hsplit, hstack, insert, repeat, resize, row_stack, split, stack, tile, unstack, vsplit,
    vstack,
)
from fungrad.numpy.rearranging import (  # noqa: F401,A004
    flip, fliplr, flipud, pad, roll, rot90,
)
from fungrad.numpy.indexing import (  # noqa: F401,A004
    diagonal, put_along_axis, take, take_along_axis,
)
from fungrad.numpy.sorting import (  # noqa: F401,A004
    argpartition, argsort, lexsort, partition, sort,
)
from fungrad.numpy.reductions import (  # noqa: F401,A004
    all, amax, amin, any, argmax, argmin, count_nonzero, cumprod, cumsum, cumulative_prod,
    cumulative_sum, max, min, prod, ptp, sum,
)
from fungrad.numpy.statistics import (  # noqa: F401,A004
    average, corrcoef, cov, mean, std, var,
)
from fungrad.numpy.products import (  # noqa: F401,A004
    cross, dot, inner, kron, matmul, matvec, outer, tensordot, trace, vdot, vecdot, vecmat,
)
from fungrad.numpy.einsums import (  # noqa: F401,A004
    einsum, einsum_path,
)
from fungrad.numpy.searching import (  # noqa: F401,A004
    argwhere, bincount, choose, compress, digitize, extract, flatnonzero, nonzero,
    piecewise, searchsorted, select,
)
from fungrad.numpy.differences import (  # noqa: F401,A004
    diff, ediff1d, gradient, interp, trapezoid, unwrap,
)
from fungrad.numpy.quantiles import (  # noqa: F401,A004
    median, nanmedian, nanpercentile, nanquantile, percentile, quantile,
)
from fungrad.numpy.nanfunctions import (  # noqa: F401,A004
    nanargmax, nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmin, nanprod, nanstd,
    nansum, nanvar,
)
from fungrad.numpy.index_tricks import (  # noqa: F401,A004
    c_, diag_indices, diag_indices_from, diagflat, fill_diagonal, index_exp, indices, ix_,
    mask_indices, meshgrid, mgrid, ogrid, r_, ravel_multi_index, s_, tril_indices,
    tril_indices_from, triu_indices, triu_indices_from, unravel_index, vander,
)
from fungrad.numpy.polynomial import (  # noqa: F401,A004
    convolve, correlate, poly, polyadd, polyder, polydiv, polyfit, polyint, polymul, polysub,
    polyval, roots, trim_zeros,
)
from fungrad.numpy.sets import (  # noqa: F401,A004
    intersect1d, isin, setdiff1d, setxor1d, union1d, unique, unique_all, unique_counts,
    unique_inverse, unique_values,
)
from fungrad.numpy.histograms import (  # noqa: F401,A004
    histogram, histogram2d, histogram_bin_edges, histogramdd,
)
from fungrad.numpy.packing import (  # noqa: F401
    packbits, unpackbits,
)
from fungrad.numpy.window_functions import (  # noqa: F401
    bartlett, blackman, hamming, hanning, i0, kaiser,
)
from fungrad.numpy.updating import (  # noqa: F401
    place, put,
)
from fungrad.numpy.npyio import (  # noqa: F401,A004
    array_repr, array_str, from_dlpack, fromfile, load, save, savez,
)
from fungrad.numpy.vectorizing import (  # noqa: F401,A004
    apply_along_axis, apply_over_axes, vectorize,
)
from fungrad.numpy.ufunc_objects import (  # noqa: F401
    frompyfunc, ufunc,
)

# Tracer operators and array methods (x + y, x.sum(), x.at[...]) are installed on import
from fungrad.numpy import _methods  # noqa: E402,F401
from fungrad.numpy._util import _arr  # noqa: F401  (fungrad.numpy.linalg uses it)

# numpy.linalg last: it is written with the functions above
from fungrad.numpy import linalg  # noqa: E402,F401
from fungrad.numpy import fft  # noqa: E402,F401

# Array indexing by traced values and .at[] are this namespace's
from fungrad import array as _array_module  # noqa: E402
_array_module.register(getitem=indexing._getitem, at=indexing._IndexUpdateHelper)
