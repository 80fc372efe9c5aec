"""Which public names of ``jax.numpy`` and ``jax.lax`` fungrad lacks.

    python benchmarks/coverage.py [--list]

Reads JAX's names from ``tests/fixtures/jax_names.json`` (recorded from JAX by
``tests/fixtures/make_jax_names.py``), so it needs no jax. A name counts as present when
``fungrad.numpy`` (or ``fungrad.lax``) has an attribute of that name. Names fungrad leaves out on
purpose are listed in ``LEFT_OUT`` with the reason; they still count as missing.
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


def coverage(namespace: str) -> dict:
    """``{"jax": [...], "present": [...], "missing": [...]}`` for ``"jax.numpy"`` or
    ``"jax.lax"`` (public non-module names; a name counts once)."""
    sys.path.insert(0, str(ROOT))
    recorded = json.loads(FIXTURE.read_text())[namespace]
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
    for namespace in ("jax.numpy", "jax.lax"):
        cov = coverage(namespace)
        report[namespace] = cov
        missing = cov["missing"]
        print(f"{namespace}: fungrad has {len(cov['present'])} of {len(cov['jax'])} names; "
              f"{len(missing)} missing")
        if args.list:
            for name in missing:
                reason = LEFT_OUT.get(name) if namespace == "jax.numpy" else None
                print(f"    {name}" + (f"  -- left out: {reason}" if reason else ""))
    return report


if __name__ == "__main__":
    main()
