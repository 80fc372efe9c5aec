"""``fungrad.scipy.spatial.transform``: ``Rotation`` and ``Slerp``, as in
``jax.scipy.spatial.transform``: rotations in 3 dimensions as pytrees of unit quaternions,
differentiable in every representation.

>>> r = Rotation.from_rotvec(np.array([0.0, 0.0, np.pi / 2]))
>>> np.round(r.as_euler("xyz", degrees=True), 6) + 0.0
array([ 0.,  0., 90.])
"""
from __future__ import annotations

import numpy as np  # noqa: F401  (the doctests use it)

from fungrad.scipy.spatial.transform._rotation import Rotation
from fungrad.scipy.spatial.transform._slerp import Slerp

__all__ = ["Rotation", "Slerp"]
