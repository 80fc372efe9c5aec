"""fungrad.allocator: after ``import fungrad.core``, glibc keeps the memory that a call's
freed arrays held, so the next call does not fault it in from the kernel again."""
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from fungrad import allocator

# A fresh interpreter: three 1 MB arrays made and freed per call, as an eager call's values
# are; prints the page faults per call once the heap has settled.
_CALLS = textwrap.dedent("""
    import resource, sys
    import numpy as np
    if sys.argv[1] == "import":
        import fungrad.core
    def faults():
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    def call():
        a = np.ones(1 << 17)
        b = a + 1.0
        c = a * b
        return float(c[-1])
    for _ in range(3):
        call()
    before = faults()
    for _ in range(20):
        call()
    print((faults() - before) / 20)
""")


def _faults_per_call(importing: bool, **env) -> float:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith("MALLOC_") and k != "FUNGRAD_KEEP_FREED_MEMORY"}
    environ.update(env)
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [
        os.path.dirname(os.path.dirname(allocator.__file__)), environ.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, "-c", _CALLS, "import" if importing else "plain"],
                         env=environ, capture_output=True, text=True, check=True)
    return float(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc"
                    or "LD_PRELOAD" in os.environ,
                    reason="the trim threshold is glibc malloc's")
def test_freed_arrays_stay_with_the_process():
    # without fungrad, glibc hands the 3 MB back after every call: ~750 faults a call
    assert _faults_per_call(False) > 300
    assert _faults_per_call(True) < 30
    # the opt-out leaves the allocator as it was
    assert _faults_per_call(True, FUNGRAD_KEEP_FREED_MEMORY="0") > 300


@pytest.mark.parametrize("setting", ["0", "false", "No", " off "])
def test_opt_out(setting):
    assert allocator.keep_freed_memory({"FUNGRAD_KEEP_FREED_MEMORY": setting}) is False


@pytest.mark.parametrize("environ", [{}, {"FUNGRAD_KEEP_FREED_MEMORY": "1"}])
def test_opt_in_by_default(environ):
    assert allocator.keep_freed_memory(environ) is True
