"""``Slerp``: spherical linear interpolation of rotations, as
``jax.scipy.spatial.transform.Slerp``.

Between two key rotations ``p`` (time ``t0``) and ``q`` (``t1``) the interpolant at ``t`` is
``p * exp(alpha log(p^-1 q))`` with ``alpha = (t - t0) / (t1 - t0)``: a constant angular
velocity about one axis. The relative rotation vectors are computed once, in ``init``.
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import Tracer
from fungrad.scipy._checks import describe, numeric_array
from fungrad.scipy.spatial.transform._rotation import Rotation
from fungrad.tree_util import register_pytree_node

_NAME = "fungrad.scipy.spatial.transform.Slerp"


class Slerp:
    """Spherical linear interpolation between key rotations at increasing key times.

    Build it with ``Slerp.init(times, rotations)`` (as in JAX), then call it on times
    within the key times' range.

    >>> keys = Rotation.from_euler("z", [[0.0], [90.0]], degrees=True)
    >>> slerp = Slerp.init(np.array([0.0, 1.0]), keys)
    >>> np.round(slerp(np.array([0.5, 1.0])).as_euler("zyx", degrees=True), 6) + 0.0
    array([[45.,  0.,  0.],
           [90.,  0.,  0.]])
    """

    def __init__(self, times, timedelta, rotations: Rotation, rotvecs):
        self.times, self.timedelta = times, timedelta
        self.rotations, self.rotvecs = rotations, rotvecs

    @classmethod
    def init(cls, times, rotations: Rotation) -> "Slerp":
        """The interpolator through ``rotations`` (a stack of at least 2) at ``times``
        (1-D, strictly increasing, one per rotation).

        >>> slerp = Slerp.init([0.0, 2.0], Rotation.from_rotvec(np.array([[0, 0, 0],
        ...                                                                [0, 0, 1.0]])))
        >>> np.round(slerp(1.0).as_rotvec(), 6)
        array([0. , 0. , 0.5])
        """
        if not isinstance(rotations, Rotation):
            raise TypeError(f"{_NAME}.init: rotations must be a Rotation, got "
                            f"{type(rotations).__name__}")
        if rotations.single or len(rotations) < 2:
            raise ValueError(f"{_NAME}.init: rotations must be a stack of at least 2 "
                             f"rotations, got quat {describe(rotations.quat)}")
        times = numeric_array(f"{_NAME}.init", "times", times).astype(rotations.quat.dtype)
        if times.ndim != 1 or times.shape[0] != len(rotations):
            raise ValueError(f"{_NAME}.init: times must be 1-D with one time per rotation "
                             f"({len(rotations)}), got {describe(times)}")
        if not isinstance(times, Tracer) and not np.all(np.diff(np.asarray(times)) > 0):
            raise ValueError(f"{_NAME}.init: times must be strictly increasing, got "
                             f"{np.asarray(times)}")
        starts = rotations[:-1]
        rotvecs = (starts.inv() * rotations[1:]).as_rotvec()
        return cls(times, times[1:] - times[:-1], starts, rotvecs)

    def __call__(self, times) -> Rotation:
        """The interpolated rotation(s) at ``times`` (a scalar gives a single rotation).
        Times outside the key range (known now) refuse, as in scipy; traced ones
        extrapolate from the nearest key interval.

        >>> slerp = Slerp.init([0.0, 1.0], Rotation.from_euler("x", [[0.0], [1.0]]))
        >>> float(slerp(0.25).magnitude())
        0.25
        """
        times = numeric_array(f"{_NAME}.__call__", "times", times).astype(self.times.dtype)
        if times.ndim > 1:
            raise ValueError(f"{_NAME}.__call__: times must be a scalar or 1-D, got "
                             f"{describe(times)}")
        if not isinstance(times, Tracer) and not isinstance(self.times, Tracer):
            t, keys = np.asarray(times), np.asarray(self.times)
            if np.any((t < keys[0]) | (t > keys[-1])):
                raise ValueError(f"{_NAME}.__call__: times must lie within the key times "
                                 f"[{keys[0]}, {keys[-1]}], got {t}")
        single = times.ndim == 0
        times = fnp.atleast_1d(times)
        interval = fnp.clip(fnp.searchsorted(self.times, times) - 1, 0,
                            self.timedelta.shape[0] - 1)
        alpha = (times - self.times[interval]) / self.timedelta[interval]
        step = Rotation.from_rotvec(self.rotvecs[interval] * alpha[:, None])
        result = self.rotations[interval] * step
        return result[0] if single else result


register_pytree_node(
    Slerp, lambda s: ((s.times, s.timedelta, s.rotations, s.rotvecs), None),
    lambda _, children: Slerp(*children))
