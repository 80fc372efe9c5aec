"""Which public ``jax.lax`` names ``fungrad.lax`` lacks, each with the reason it is left out.

    /opt/jaxenv/bin/python benchmarks/lax_coverage.py

Needs jax (the ``bench`` extra). A name missing here and absent from ``LEFT_OUT`` is a gap
nobody has decided about: the script lists those separately, and exits non-zero if any.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# name -> why fungrad does not have it
_COLLECTIVES = ("a point-to-point send/receive, a ragged exchange or a device-varying type "
                "cast: fungrad's named-axis collectives under vmap(axis_name=) are the "
                "reductions, all_gather, psum_scatter, ppermute/pshuffle, all_to_all/"
                "pswapaxes, pbroadcast, axis_index and axis_size")
_INTERNAL = "a primitive for a JAX-internal rule or lowering, not an operation of its own"
_XLA = "XLA/compiler machinery with no meaning for numpy"
LEFT_OUT = {
    **{n: _COLLECTIVES for n in (
        "precv", "psend", "ragged_all_to_all", "ragged_all_to_all_p")},
    "axis_index_p": ("fungrad's axis_index is no primitive: vmap(axis_name=) feeds each example "
                     "its number as a hidden input, and axis_index returns that"),
    **{n: _INTERNAL for n in (
        "select_and_gather_add_p", "select_and_scatter_add_p", "select_and_scatter_p",
        "eq_to_p", "le_to_p", "lt_to_p", "dce_sink", "dce_sink_p", "copy_p", "device_put_p",
        "sharding_constraint_p", "stage", "stage_p")},
    "linear_solve_p": ("JAX's primitive behind custom_linear_solve, whose operands are jaxprs; "
                       "fungrad's (fungrad.lax.implicit.linear_solve_p) takes Python solvers, "
                       "so it is not exported under JAX's name"),
    **{n: _XLA for n in (
        "after_all", "after_all_p", "create_token", "create_token_p", "AccuracyMode",
        "DotAlgorithm", "DotAlgorithmPreset", "Tolerance", "shape_as_value")},
    **{n: ("XLA's stateful or algorithm-specific random bits (threefry/philox as XLA lowers "
           "them): fungrad.random has its own threefry keys") for n in (
        "RandomAlgorithm", "rng_bit_generator", "rng_bit_generator_p", "rng_uniform",
        "rng_uniform_p")},
    "optimization_barrier_p": ("lax.optimization_barrier exists (the identity); no primitive, "
                               "as numpy has no compiler to keep from reordering"),
    **{n: ("fungrad implements this operation as a composition (the lax function exists), "
           "not as a primitive of this name") for n in (
        "broadcast_in_dim_p", "clamp_p", "cumlogsumexp_p", "cummax_p", "cummin_p", "gather_p",
        "iota_p", "pad_p", "reduce_p", "reduce_window_max_p", "reduce_window_min_p",
        "reduce_window_p", "reduce_window_sum_p", "round_p", "rsqrt_p", "scatter_add_p",
        "scatter_max_p", "scatter_min_p", "scatter_mul_p", "scatter_p", "scatter_sub_p",
        "select_n_p", "slice_p", "sort_p", "split_p", "squeeze_p", "top_k_p", "tile_p",
        "stack_p", "unstack_p", "approx_top_k_p")},
    "ragged_dot_general": ("the general ragged contraction (ragged batch or contracting "
                           "dimensions): not written; lax.ragged_dot covers the grouped matmul"),
    "RaggedDotDimensionNumbers": "a typing alias for ragged_dot_general, which is not written",
    "scaled_dot": "block-scaled low-precision matmul: accelerator formats numpy lacks",
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
