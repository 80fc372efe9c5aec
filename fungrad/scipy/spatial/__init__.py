"""``fungrad.scipy.spatial``: ``transform`` (``Rotation``, ``Slerp``), as ``jax.scipy.spatial``.

>>> from fungrad.scipy.spatial.transform import Rotation
>>> Rotation.identity().as_quat()
array([0., 0., 0., 1.])
"""
from __future__ import annotations

from fungrad.scipy.spatial import transform

__all__ = ["transform"]
