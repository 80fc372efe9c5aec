"""Which public names of ``jax``, ``jax.numpy`` and ``jax.lax`` fungrad lacks.

    python benchmarks/coverage.py [--list]

Reads JAX's names from ``tests/fixtures/jax_names.json`` (recorded from JAX by
``tests/fixtures/make_jax_names.py``), so it needs no jax. A name counts as present when
``fungrad.numpy`` (or ``fungrad.lax``, or ``fungrad`` itself for ``jax``, whose submodules count
too) has an attribute of that name. Names fungrad leaves out on purpose are listed in
``LEFT_OUT`` / ``LEFT_OUT_JAX`` with the reason; they still count as missing.
"""
from __future__ import annotations

import argparse
import importlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "jax_names.json"

# jax.numpy names fungrad does not provide on purpose, with the reason.
LEFT_OUT: dict[str, str] = {
    'bfloat16': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float4_e2m1fn': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float6_e2m3fn': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float6_e3m2fn': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float8_e3m4': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float8_e4m3': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float8_e4m3b11fnuz': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float8_e4m3fn': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float8_e4m3fnuz': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float8_e5m2': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float8_e5m2fnuz': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'float8_e8m0fnu': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'int1': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'int2': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'int4': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'uint1': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'uint2': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
    'uint4': 'ml_dtypes type: not a numpy dtype, and ml_dtypes is not a dependency',
}


_SHARDING = "sharding/meshes across devices: fungrad computes on one CPU"
_XLA = "XLA runtime or compiler interface: fungrad has no XLA"
_REFS = "mutable array references (jax.Ref): fungrad arrays are immutable numpy arrays"
# top-level jax names (and submodules) fungrad does not provide on purpose, with the reason
LEFT_OUT_JAX: dict[str, str] = {
    **{n: _SHARDING for n in ("Shard", "smap", "distributed", "auto_pcast",
                              "remove_size_one_mesh_axis_from_type")},
    **{n: _XLA for n in ("copy_to_host_async", "live_arrays", "memory", "dlpack", "export",
                         "ffi", "lib", "profiler", "monitoring", "interpreters", "ad",
                         "make_user_context", "no_execution", "no_tracing", "thread_guard",
                         "array_garbage_collection_guard", "allow_f16_reductions",
                         "jax2tf_associative_scan_reductions", "ds")},
    **{n: _REFS for n in ("Ref", "ref", "new_ref", "empty_ref", "free_ref", "freeze")},
    "enable_custom_prng": "fungrad's keys are JAX's default typed threefry keys only",
    "legacy_prng_key": "fungrad's keys are JAX's default typed threefry keys only",
    "custom_batching": "custom_vmap is not implemented",
    "fwd_and_bwd": "not implemented",
}


def coverage(namespace: str) -> dict:
    """``{"jax": [...], "present": [...], "missing": [...]}`` for ``"jax"``, ``"jax.numpy"``
    or ``"jax.lax"`` (public non-module names, and for ``"jax"`` its submodules too; a name
    counts once)."""
    sys.path.insert(0, str(ROOT))
    recorded = json.loads(FIXTURE.read_text())[namespace]
    if namespace == "jax":  # the top level: its submodules are names too
        module = importlib.import_module("fungrad")
        names = recorded["names"] + recorded["modules"]
    else:
        module = importlib.import_module("fungrad." + namespace.split(".", 1)[1])
        names = recorded["names"]
    present = [n for n in names if hasattr(module, n)]
    return {"jax": names, "present": present,
            "missing": [n for n in names if not hasattr(module, n)]}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every missing name")
    args = parser.parse_args(argv)
    report = {}
    for namespace in ("jax", "jax.numpy", "jax.lax"):
        cov = coverage(namespace)
        report[namespace] = cov
        missing = cov["missing"]
        print(f"{namespace}: fungrad has {len(cov['present'])} of {len(cov['jax'])} names; "
              f"{len(missing)} missing")
        if args.list:
            for name in missing:
                reason = {"jax.numpy": LEFT_OUT, "jax": LEFT_OUT_JAX}.get(namespace, {}).get(name)
                print(f"    {name}" + (f"  -- left out: {reason}" if reason else ""))
    return report


if __name__ == "__main__":
    main()
