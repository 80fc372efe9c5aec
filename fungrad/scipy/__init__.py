"""``fungrad.scipy``: JAX's ``jax.scipy`` -- special functions and probability distributions
that fungrad can differentiate. Their values come from scipy (an optional extra: ``pip install
fungrad[scipy]``), imported here and never by ``import fungrad``. Submodules load on first use.

>>> import fungrad.scipy
>>> float(fungrad.scipy.special.gammaln(4.0))  # log(3!)
1.791759469228055
"""
from __future__ import annotations

import importlib

try:
    import scipy.special  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError("fungrad.scipy needs scipy, which is an optional dependency of fungrad: "
                      "install it with `pip install fungrad[scipy]` (or `pip install "
                      "scipy>=1.11`)") from error

_SUBMODULES = ("special", "stats", "linalg", "signal", "fft", "integrate", "optimize",
               "ndimage", "interpolate", "cluster", "spatial")


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"fungrad.scipy.{name}")
    raise AttributeError(f"module 'fungrad.scipy' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
