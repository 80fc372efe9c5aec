"""Which public ``jax.lax`` names ``fungrad.lax`` lacks, each with the reason it is left out.

    /opt/jaxenv/bin/python benchmarks/lax_coverage.py

Needs jax (the ``bench`` extra). A name missing here and absent from ``LEFT_OUT`` is a gap
nobody has decided about: the script lists those separately, and exits non-zero if any.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# name -> why fungrad does not have it
_COLLECTIVES = "multi-device collective (pmap/shard_map axis): fungrad runs on one CPU"
_COMPLEX = "complex numbers: fungrad differentiates real arrays only"
_SPECIAL = "special function: belongs to fungrad/prims/special.py (the scipy work)"
_INTERNAL = "a primitive for a JAX-internal rule or lowering, not an operation of its own"
_XLA = "XLA/compiler machinery with no meaning for numpy"
LEFT_OUT = {
    **{n: _COLLECTIVES for n in (
        "all_gather", "all_gather_p", "all_to_all", "all_to_all_p", "axis_index",
        "axis_index_p", "axis_size", "pbroadcast", "pcast", "pmax", "pmax_p", "pmean", "pmin",
        "pmin_p", "ppermute", "ppermute_p", "precv", "psend", "pshuffle", "psum", "psum_p",
        "psum_scatter", "pswapaxes", "ragged_all_to_all", "ragged_all_to_all_p")},
    **{n: _COMPLEX for n in ("complex", "complex_p", "conj", "conj_p", "imag", "imag_p", "real",
                             "real_p")},
    **{n: _SPECIAL for n in (
        "bessel_i0e", "bessel_i0e_p", "bessel_i1e", "bessel_i1e_p", "betainc", "digamma",
        "digamma_p", "erf", "erf_inv", "erf_inv_p", "erf_p", "erfc", "erfc_p", "igamma",
        "igamma_grad_a", "igamma_grad_a_p", "igamma_p", "igammac", "igammac_p", "lgamma",
        "lgamma_p", "polygamma", "polygamma_p", "random_gamma_grad",
        "regularized_incomplete_beta_p", "zeta", "zeta_p")},
    **{n: _INTERNAL for n in (
        "select_and_gather_add_p", "select_and_scatter_add_p", "select_and_scatter_p",
        "eq_to_p", "le_to_p", "lt_to_p", "dce_sink", "dce_sink_p", "copy_p", "device_put_p",
        "sharding_constraint_p", "linear_solve_p", "stage", "stage_p")},
    **{n: _XLA for n in (
        "after_all", "after_all_p", "create_token", "create_token_p", "composite",
        "optimization_barrier_p", "platform_dependent", "reduce_precision",
        "reduce_precision_p", "with_sharding_constraint", "AccuracyMode", "DotAlgorithm",
        "DotAlgorithmPreset", "Tolerance", "shape_as_value", "RandomAlgorithm",
        "rng_bit_generator", "rng_bit_generator_p", "rng_uniform", "rng_uniform_p")},
    **{n: ("fungrad implements this operation as a composition (the lax function exists), "
           "not as a primitive of this name") for n in (
        "broadcast_in_dim_p", "clamp_p", "cumlogsumexp_p", "cummax_p", "cummin_p", "gather_p",
        "iota_p", "pad_p", "reduce_p", "reduce_window_max_p", "reduce_window_min_p",
        "reduce_window_p", "reduce_window_sum_p", "round_p", "rsqrt_p", "scatter_add_p",
        "scatter_max_p", "scatter_min_p", "scatter_mul_p", "scatter_p", "scatter_sub_p",
        "select_n_p", "slice_p", "sort_p", "split_p", "squeeze_p", "top_k_p", "tile_p",
        "stack_p", "unstack_p")},
    "fft_p": "belongs to the fft work (fungrad.numpy.fft)",
    "approx_top_k_p": "approximate top-k: an accelerator algorithm; lax.top_k is exact",
    "ragged_dot_general": "ragged (grouped) matmul: not written yet",
    "approx_max_k": "approximate top-k: an accelerator algorithm; lax.top_k is exact",
    "approx_min_k": "approximate top-k: an accelerator algorithm; lax.top_k is exact",
    "ragged_dot": "ragged (grouped) matmul: not written yet",
    "scaled_dot": "block-scaled low-precision matmul: accelerator formats numpy lacks",
    "fft": "belongs to the fft work (fungrad.numpy.fft)",
    "FftType": "belongs to the fft work (fungrad.numpy.fft)",
    "linalg": "lax.linalg belongs to the linalg work",
    "custom_linear_solve": "custom derivative rules for solvers: not written yet",
    "custom_root": "custom derivative rules for root finders: not written yet",
    "scatter_apply": "scatter with an arbitrary function: not written yet",
    "dtype": "JAX's dtype canonicalization helper (fungrad keeps numpy's dtypes)",
    "ConvGeneralDilatedDimensionNumbers": "a typing alias",
    "DotDimensionNumbers": "a typing alias",
    "PrecisionLike": "a typing alias",
    "RaggedDotDimensionNumbers": "a typing alias (ragged_dot is not written)",
}


def main():
    import jax.lax
    import fungrad.lax
    names = sorted(n for n in dir(jax.lax) if not n.startswith("_"))
    missing = [n for n in names if not hasattr(fungrad.lax, n)]
    undecided = [n for n in missing if n not in LEFT_OUT]
    print(f"jax.lax has {len(names)} public names; fungrad.lax has "
          f"{len(names) - len(missing)} of them, lacks {len(missing)}.\n")
    by_reason: dict = {}
    for n in missing:
        by_reason.setdefault(LEFT_OUT.get(n, "UNDECIDED"), []).append(n)
    for reason, group in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(group):3d}  {reason}:\n     {' '.join(group)}\n")
    return 1 if undecided else 0


if __name__ == "__main__":
    sys.exit(main())
