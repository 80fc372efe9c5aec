"""``fungrad.scipy.cluster``: vector quantization (``vq``), as ``jax.scipy.cluster``.

>>> from fungrad.scipy.cluster import vq
>>> vq.vq(np.array([0.9, 4.2]), np.array([1.0, 4.0]))[0]
array([0, 1])
"""
from __future__ import annotations

import numpy as np  # noqa: F401  (the doctests use it)

from fungrad.scipy.cluster import vq

__all__ = ["vq"]
