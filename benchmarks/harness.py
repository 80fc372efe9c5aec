"""Shared plumbing for the benchmark scripts: thread pinning, pytrees, timing, checks.

Import this module FIRST in every benchmark script: the BLAS / XLA thread
settings below are only honoured if they are in the environment before numpy,
torch or jax are imported for the first time.
"""

import gc
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

# One BLAS thread for every library, so that a comparison measures the
# autodiff machinery rather than how many cores each library grabs.  These
# must be set before the first `import numpy` anywhere in the process.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_var] = "1"
# XLA reads its flags once, when jax is first imported.
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
# Recent jaxlib still runs jitted code on a pool of one thread per usable CPU
# despite those flags (measured here: ~1.3 CPUs busy on the 784-256-10 MLP);
# jax sizes that pool from the process's CPU affinity (jax issue #1539), so
# restrict the whole process to one CPU, before jax is imported, to hold every
# library to a single core.  Python itself only ever runs on one anyway.
if hasattr(os, "sched_setaffinity"):  # Linux
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})

import numpy as np  # noqa: E402  (only after the environment above is set)

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# `python benchmarks/run.py` puts benchmarks/ (not the repo root) on sys.path;
# add the root so the in-tree `fungrad` imports without `pip install -e .`.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(1, str(REPO_ROOT))


# --------------------------------------------------------------------------
# Pytrees (dicts / lists / tuples / None), enough to compare outputs of every
# library with the same rules as JAX: dict keys in sorted order, None is an
# empty subtree, anything else is a leaf.
# --------------------------------------------------------------------------

def tree_flatten(tree):
    """Return (leaves, structure); `structure` compares equal for equal shapes of tree."""
    if tree is None:
        return [], None
    if isinstance(tree, dict):
        keys = sorted(tree)
        leaves, subs = [], []
        for k in keys:
            sub_leaves, sub = tree_flatten(tree[k])
            leaves += sub_leaves
            subs.append(sub)
        return leaves, ("dict", tuple(keys), tuple(subs))
    if isinstance(tree, (list, tuple)):
        leaves, subs = [], []
        for item in tree:
            sub_leaves, sub = tree_flatten(item)
            leaves += sub_leaves
            subs.append(sub)
        # JAX treats list and tuple as different node types; so do we.
        return leaves, (type(tree).__name__, len(tree), tuple(subs))
    return [tree], "*"


def tree_map(fn, tree):
    """Apply `fn` to every leaf, keeping dict / list / tuple containers."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {k: tree_map(fn, v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(tree_map(fn, v) for v in tree)
    return fn(tree)


def tree_replace_leaves(tree, leaves):
    """`tree` with its leaves replaced, in `tree_flatten` order, by `leaves`."""
    it = iter(leaves)

    def rebuild(node):
        if node is None:
            return None
        if isinstance(node, dict):
            return {k: rebuild(node[k]) for k in sorted(node)}
        if isinstance(node, (list, tuple)):
            return type(node)(rebuild(n) for n in node)
        return next(it)

    return rebuild(tree)


def to_numpy(leaf):
    """Any library's array (numpy, torch, jax, fungrad) as a numpy array."""
    if hasattr(leaf, "detach"):  # torch.Tensor: may carry a graph / require grad
        leaf = leaf.detach().cpu()
    return np.asarray(leaf)


# --------------------------------------------------------------------------
# Correctness check against the numpy reference.
# --------------------------------------------------------------------------

def tolerance(dtype):
    """Relative tolerance used to accept a result in the given float dtype."""
    return 1e-3 if np.dtype(dtype) == np.float32 else 1e-6


def compare(out, ref, rtol):
    """Compare two output pytrees.

    Returns (ok, message).  Each leaf must have the reference's shape and
    dtype (a float32 workload silently computed in float64 would be timed
    unfairly) and satisfy |out - ref| <= rtol * |ref| + rtol * max|ref|
    elementwise: the absolute term, scaled to the leaf, keeps gradient
    entries that are nearly zero from failing on round-off alone.  The
    message gives the worst max|out - ref| / max|ref| over all leaves.
    """
    out_leaves, out_struct = tree_flatten(out)
    ref_leaves, ref_struct = tree_flatten(ref)
    if out_struct != ref_struct:
        return False, f"tree structure {out_struct} != reference {ref_struct}"
    worst, ok = 0.0, True
    for i, (o, r) in enumerate(zip(out_leaves, ref_leaves, strict=True)):
        o, r = to_numpy(o), to_numpy(r)
        if o.shape != r.shape or o.dtype != r.dtype:
            return False, f"leaf {i}: {o.dtype}{list(o.shape)} != reference {r.dtype}{list(r.shape)}"
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        if not np.all(np.isfinite(o)):
            return False, f"leaf {i}: non-finite values"
        err = float(np.max(np.abs(o.astype(np.float64) - r))) if r.size else 0.0
        worst = max(worst, err / scale if scale else err)
        if not np.allclose(o, r, rtol=rtol, atol=rtol * scale):
            ok = False
    return ok, f"max rel err {worst:.1e}"


# --------------------------------------------------------------------------
# Timing.
# --------------------------------------------------------------------------

@dataclass
class Candidate:
    """One implementation to time: `call()` runs it once, synchronously."""

    name: str
    call: Callable[[], Any]
    number: int = 1  # calls per sample, set by `calibrate`
    samples: list = field(default_factory=list)  # seconds per call, one per sample

    @property
    def median(self):
        return statistics.median(self.samples)


def collect_garbage():
    """Run a full garbage collection, then freeze the survivors.

    Frozen objects (numpy, torch and jax's modules and everything else alive
    now) are skipped by later collections, which makes the collection before
    each sample cost microseconds instead of ~0.1 s, and keeps any automatic
    collection inside a timed call from walking the whole heap of imported
    libraries, which would bill one library for another's size.
    """
    gc.collect()
    gc.freeze()


def first_call(build, run):
    """Time building a fresh function object plus its first call.

    `build()` returns the function (so the transform, e.g. jit, is created
    fresh and its caches are empty); `run(fn)` calls it once and waits for
    the result.  Returns (fn, output of the first call, seconds).
    """
    collect_garbage()
    start = time.perf_counter()
    fn = build()
    out = run(fn)
    return fn, out, time.perf_counter() - start


def calibrate(cand, target, max_calls=10_000, clock=time.perf_counter):
    """Warm `cand` up and choose how many calls make one ~`target`-second sample.

    Calls are repeated until `target` seconds have passed (at least twice, so
    a jit's second-call path is warm too); the per-call estimate from that
    run sets `cand.number`.
    """
    calls, start = 0, clock()
    while True:
        cand.call()
        calls += 1
        elapsed = clock() - start
        if (calls >= 2 and elapsed >= target) or calls >= max_calls:
            break
    per_call = elapsed / calls
    cand.number = max(1, round(target / per_call))


def time_interleaved(cands, repeat, target, clock=time.perf_counter):
    """Fill each candidate's `samples` with `repeat` per-call times, read off
    `clock` (wall time; `time.process_time` counts only this process's CPU
    time, which other processes holding the core do not inflate).

    Candidates run round-robin (A, B, C, A, B, C, ...) so that slow drift of
    the machine (frequency scaling, other load) hits all of them alike; the
    starting candidate rotates each round so none always runs right after
    the same neighbour.  The garbage collector is left on (the libraries'
    garbage is part of their cost) but a collection runs before each sample,
    so nobody pays for the previous candidate's garbage.
    """
    if not cands:
        return
    collect_garbage()
    for cand in cands:
        calibrate(cand, target, clock=clock)
    for rnd in range(repeat):
        shift = rnd % len(cands)
        for cand in cands[shift:] + cands[:shift]:
            gc.collect()
            call, number = cand.call, cand.number
            start = clock()
            for _ in range(number):
                call()
            cand.samples.append((clock() - start) / number)


def format_seconds(seconds):
    """Human-readable duration with a unit suited to its size."""
    if seconds is None:
        return ""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def markdown_table(header, rows):
    """Render rows (lists of strings) as a GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Environment report.
# --------------------------------------------------------------------------

def package_version(name):
    """Installed version of a distribution, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def environment(backends):
    """Facts that a reader of the numbers needs: versions, CPUs, thread pins."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:  # the layout of show_config is not a stable API
        blas = "unknown"
    try:  # the kernel OpenBLAS runs: OPENBLAS_CORETYPE can force an older, slower one
        import threadpoolctl
        blas += " kernel " + ",".join(
            str(info.get("architecture")) for info in threadpoolctl.threadpool_info()
            if info.get("internal_api") == "openblas")
    except ImportError:
        pass
    try:
        pinned = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux: no pinning
        pinned = "all"
    env = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "pinned_to_cpus": pinned,
        "numpy": np.__version__,
        "blas": blas,
        "threads": {v: os.environ.get(v) for v in
                    ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "XLA_FLAGS",
                     "OPENBLAS_CORETYPE")},
    }
    for b in backends:
        env[b.name] = b.version
    return env


def print_environment(env):
    print("## Environment\n")
    for key, value in env.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        print(f"- {key}: {value}")
    print()
