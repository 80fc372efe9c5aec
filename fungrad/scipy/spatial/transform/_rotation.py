"""``Rotation``: rotations in 3 dimensions, as ``jax.scipy.spatial.transform.Rotation``.

A rotation (or a stack of them) is held as unit quaternions, scalar-last, in ``quat``; the
class is a pytree with ``quat`` its one leaf, so rotations pass through ``jit``, ``vmap``
and ``grad`` like arrays. The arithmetic lives in ``_quaternions``.
"""
from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import Tracer
from fungrad.scipy._checks import describe, numeric_array
from fungrad.scipy.spatial.transform import _quaternions as quaternions
from fungrad.tree_util import register_pytree_node

_NAME = "fungrad.scipy.spatial.transform.Rotation"
_AXES = {"x": 0, "y": 1, "z": 2}


def _float_array(method: str, arg: str, x, last: tuple):
    """``x`` as a float array whose trailing dimensions are ``last``, with at most one
    leading (stacking) dimension, as scipy takes them."""
    x = numeric_array(f"{_NAME}.{method}", arg, x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    if x.shape[x.ndim - len(last):] != last or x.ndim > len(last) + 1:
        shapes = " or ".join(str(s) for s in [last, ("N",) + last])
        raise ValueError(f"{_NAME}.{method}: {arg} must have shape {shapes}, got "
                         f"{describe(x)}")
    return x


def _degrees(values, degrees: bool):
    return fnp.deg2rad(values) if degrees else values


def _sequence(method: str, seq, lengths: tuple) -> tuple[tuple, bool]:
    """The axis indices of an Euler sequence, and whether it is intrinsic (upper case)."""
    if not isinstance(seq, str) or len(seq) not in lengths:
        raise ValueError(f"{_NAME}.{method}: seq must be a string of "
                         f"{' or '.join(map(str, lengths))} axes, got {seq!r}")
    intrinsic = re.fullmatch(r"[XYZ]+", seq) is not None
    if not intrinsic and re.fullmatch(r"[xyz]+", seq) is None:
        raise ValueError(f"{_NAME}.{method}: seq must use axes from 'xyz' (extrinsic) or "
                         f"'XYZ' (intrinsic), not both, got {seq!r}")
    if any(a == b for a, b in zip(seq, seq[1:])):
        raise ValueError(f"{_NAME}.{method}: consecutive axes must differ, got {seq!r}")
    return tuple(_AXES[a] for a in seq.lower()), intrinsic


class Rotation:
    """Rotation(s) in 3 dimensions, held as unit quaternions (scalar-last) in ``quat``.

    Build one with a ``from_*`` constructor, compose with ``*``, apply to vectors with
    ``apply``. A stack of ``N`` rotations has ``quat`` of shape ``(N, 4)``, a length and
    indexing; a single one has shape ``(4,)``.

    >>> r = Rotation.from_euler("z", 90, degrees=True)
    >>> np.round(r.apply(np.array([1.0, 0.0, 0.0])), 6) + 0.0
    array([0., 1., 0.])
    >>> r2 = Rotation.from_euler("x", 90, degrees=True)
    >>> np.round((r * r2).as_matrix(), 6) + 0.0
    array([[0., 0., 1.],
           [1., 0., 0.],
           [0., 1., 0.]])
    """

    def __init__(self, quat):
        self.quat = quat

    def __repr__(self) -> str:
        return f"Rotation(quat={self.quat!r})"

    # -- constructors ------------------------------------------------------------------

    @classmethod
    def from_quat(cls, quat, *, scalar_first: bool = False) -> "Rotation":
        """From quaternions ``(x, y, z, w)`` (``(w, x, y, z)`` with ``scalar_first``), shape
        ``(4,)`` or ``(N, 4)``; they are normalized. Zero quaternions (known now) refuse.

        >>> Rotation.from_quat(np.array([0.0, 0.0, 2.0, 0.0])).as_quat()
        array([0., 0., 1., 0.])
        """
        quat = _float_array("from_quat", "quat", quat, (4,))
        if scalar_first:
            quat = fnp.roll(quat, -1, axis=-1)
        if not isinstance(quat, Tracer) and np.any(np.sum(np.asarray(quat) ** 2, -1) == 0):
            raise ValueError(f"{_NAME}.from_quat: found zero-norm quaternions in quat "
                             f"({describe(quat)})")
        return cls(quaternions.normalize(quat))

    @classmethod
    def from_matrix(cls, matrix) -> "Rotation":
        """From rotation matrices, shape ``(3, 3)`` or ``(N, 3, 3)``, taken to be
        orthogonal, as JAX takes them (scipy instead finds the rotation nearest to a
        matrix that is not: orthogonalize such a matrix first).

        >>> Rotation.from_matrix(np.eye(3)).as_quat()
        array([0., 0., 0., 1.])
        """
        return cls(quaternions.from_matrix(_float_array("from_matrix", "matrix", matrix,
                                                        (3, 3))))

    @classmethod
    def from_rotvec(cls, rotvec, degrees: bool = False) -> "Rotation":
        """From rotation vectors (axis times angle, in radians or ``degrees``), shape
        ``(3,)`` or ``(N, 3)``.

        >>> np.round(Rotation.from_rotvec(np.array([0.0, 0.0, np.pi])).as_quat(), 6) + 0.0
        array([0., 0., 1., 0.])
        """
        rotvec = _float_array("from_rotvec", "rotvec", rotvec, (3,))
        return cls(quaternions.from_rotvec(_degrees(rotvec, degrees)))

    @classmethod
    def from_mrp(cls, mrp) -> "Rotation":
        """From modified Rodrigues parameters ``axis * tan(angle / 4)``, shape ``(3,)`` or
        ``(N, 3)``.

        >>> Rotation.from_mrp(np.array([0.0, 0.0, 1.0])).as_quat()
        array([0., 0., 1., 0.])
        """
        return cls(quaternions.from_mrp(_float_array("from_mrp", "mrp", mrp, (3,))))

    @classmethod
    def from_euler(cls, seq: str, angles, degrees: bool = False) -> "Rotation":
        """From Euler angles about 1 to 3 axes: ``'xyz'``-style (lower case) about fixed
        axes (extrinsic), ``'XYZ'``-style about the rotating body's axes (intrinsic).
        ``angles`` has shape ``(len(seq),)`` or ``(N, len(seq))`` (for one axis, a scalar
        is a single angle, as in JAX; ``N`` angles about one axis are shape ``(N, 1)``).

        >>> np.round(Rotation.from_euler("XZ", [90, 90], degrees=True).as_matrix(), 6) + 0.0
        array([[ 0., -1.,  0.],
               [ 0.,  0., -1.],
               [ 1.,  0.,  0.]])
        """
        axes, intrinsic = _sequence("from_euler", seq, (1, 2, 3))
        angles = numeric_array(f"{_NAME}.from_euler", "angles", angles)
        if angles.dtype.kind != "f":
            angles = angles.astype(np.float64)
        if angles.ndim == 0:
            angles = angles[None]
        if angles.ndim not in (1, 2) or angles.shape[-1] != len(axes):
            raise ValueError(f"{_NAME}.from_euler: angles for the {len(axes)} axes {seq!r} "
                             f"must have shape ({len(axes)},) or (N, {len(axes)}), got "
                             f"{describe(angles)}")
        return cls(quaternions.from_euler(axes, _degrees(angles, degrees), intrinsic))

    @classmethod
    def identity(cls, num: int | None = None, dtype: Any = float) -> "Rotation":
        """The identity rotation (``num`` of them, stacked, if given).

        >>> Rotation.identity().as_quat()
        array([0., 0., 0., 1.])
        >>> len(Rotation.identity(3))
        3
        """
        quat = np.array([0.0, 0.0, 0.0, 1.0], dtype=dtype)
        if num is not None:
            if not isinstance(num, (int, np.integer)) or num < 0:
                raise ValueError(f"{_NAME}.identity: num must be None or a non-negative "
                                 f"integer, got {num!r}")
            quat = np.tile(quat, (int(num), 1))
        return cls(fnp.asarray(quat))

    @classmethod
    def random(cls, random_key, num: int | None = None, dtype: Any = float) -> "Rotation":
        """Rotations drawn uniformly (Haar measure) from ``random_key``: a normalized
        standard normal 4-vector is uniform on the quaternion sphere.

        >>> import fungrad
        >>> r = Rotation.random(fungrad.random.key(0), 5)
        >>> len(r), bool(np.allclose(np.linalg.norm(r.as_quat(), axis=-1), 1.0))
        (5, True)
        """
        from fungrad import random  # the samplers sit above this layer
        shape = (4,) if num is None else (num, 4)
        return cls(quaternions.normalize(random.normal(random_key, shape, dtype)))

    @classmethod
    def concatenate(cls, rotations: Sequence["Rotation"]) -> "Rotation":
        """One stack from a sequence of rotations (single ones count as one each).

        >>> len(Rotation.concatenate([Rotation.identity(), Rotation.identity(2)]))
        3
        """
        for n, r in enumerate(rotations):
            if not isinstance(r, Rotation):
                raise TypeError(f"{_NAME}.concatenate: rotations[{n}] must be a Rotation, "
                                f"got {type(r).__name__}")
        if not rotations:
            raise ValueError(f"{_NAME}.concatenate: rotations must not be empty")
        return cls(fnp.concatenate([fnp.reshape(r.quat, (-1, 4)) for r in rotations]))

    # -- representations ---------------------------------------------------------------

    def as_quat(self, canonical: bool = False, scalar_first: bool = False):
        """The quaternions, ``(x, y, z, w)`` (``(w, x, y, z)`` with ``scalar_first``);
        ``canonical`` picks the sign with ``w > 0`` (or the first nonzero entry positive).

        >>> r = Rotation.from_quat(np.array([0.0, 0.0, 0.6, -0.8]))
        >>> r.as_quat(canonical=True) + 0.0
        array([ 0. ,  0. , -0.6,  0.8])
        >>> r.as_quat(scalar_first=True)
        array([-0.8,  0. ,  0. ,  0.6])
        """
        quat = quaternions.canonical(self.quat) if canonical else self.quat
        return fnp.roll(quat, 1, axis=-1) if scalar_first else quat

    def as_matrix(self):
        """The rotation matrices, shape ``(3, 3)`` or ``(N, 3, 3)``.

        >>> Rotation.identity().as_matrix()
        array([[1., 0., 0.],
               [0., 1., 0.],
               [0., 0., 1.]])
        """
        return quaternions.to_matrix(self.quat)

    def as_rotvec(self, degrees: bool = False):
        """The rotation vectors: the axis times the angle, in ``[0, pi]`` (or degrees).

        >>> np.round(Rotation.from_euler("y", 30, degrees=True).as_rotvec(degrees=True), 6)
        array([ 0., 30.,  0.])
        """
        rotvec = quaternions.to_rotvec(self.quat)
        return fnp.rad2deg(rotvec) if degrees else rotvec

    def as_mrp(self):
        """The modified Rodrigues parameters, ``axis * tan(angle / 4)``, angle in
        ``[0, pi]``.

        >>> np.round(Rotation.from_euler("x", 180, degrees=True).as_mrp(), 6)
        array([1., 0., 0.])
        """
        return quaternions.to_mrp(self.quat)

    def as_euler(self, seq: str, degrees: bool = False):
        """Euler angles about three axes (``'xyz'`` extrinsic, ``'XYZ'`` intrinsic; the
        first and last may repeat, as in ``'zxz'``). The first and third are in
        ``[-pi, pi)``; the middle in ``[0, pi]`` for repeated sequences, else in
        ``[-pi/2, pi/2]``. In gimbal lock the third angle is 0, as in scipy and JAX.

        >>> r = Rotation.from_euler("zyx", [30, 20, 10], degrees=True)
        >>> np.round(r.as_euler("zyx", degrees=True), 6)
        array([30., 20., 10.])
        """
        axes, intrinsic = _sequence("as_euler", seq, (3,))
        angles = quaternions.to_euler(self.quat, axes, extrinsic=not intrinsic)
        return fnp.rad2deg(angles) if degrees else angles

    # -- operations --------------------------------------------------------------------

    def apply(self, vectors, inverse: bool = False):
        """Rotate ``vectors`` (shape ``(3,)`` or ``(N, 3)``; single rotations and single
        vectors broadcast), or rotate them back with ``inverse``.

        >>> r = Rotation.from_rotvec(np.array([0.0, 0.0, np.pi / 2]))
        >>> np.round(r.apply(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), inverse=True), 6)
        array([[ 0., -1.,  0.],
               [ 1.,  0.,  0.]])
        """
        vectors = _float_array("apply", "vectors", vectors, (3,))
        matrix = self.as_matrix()
        if self.quat.ndim == 2 and vectors.ndim == 2 and \
                vectors.shape[0] != self.quat.shape[0]:
            raise ValueError(f"{_NAME}.apply: expected as many vectors as rotations "
                             f"({self.quat.shape[0]}), or one, got {describe(vectors)}")
        transposed = fnp.swapaxes(matrix, -1, -2)
        if isinstance(inverse, (bool, np.bool_)):
            matrix = transposed if inverse else matrix
        else:
            matrix = fnp.where(inverse, transposed, matrix)
        return fnp.matmul(matrix, vectors[..., None])[..., 0]

    def inv(self) -> "Rotation":
        """The inverse rotation(s).

        >>> r = Rotation.from_euler("x", 0.5)
        >>> bool(np.allclose((r * r.inv()).as_matrix(), np.eye(3)))
        True
        """
        return Rotation(quaternions.conjugate(self.quat))

    def magnitude(self):
        """The rotation angle(s), in ``[0, pi]``.

        >>> float(Rotation.from_rotvec(np.array([0.0, -0.5, 0.0])).magnitude())
        0.5
        """
        return quaternions.magnitude(self.quat)

    def mean(self, weights=None) -> "Rotation":
        """The (weighted) mean rotation of a stack, minimizing the weighted sum of squared
        chordal distances: the leading eigenvector of ``sum_i w_i q_i q_i^T``.

        >>> r = Rotation.from_euler("z", [[-10.0], [10.0], [30.0]], degrees=True)
        >>> np.round(r.mean().as_euler("zyx", degrees=True), 6) + 0.0
        array([10.,  0.,  0.])
        """
        if self.single or self.quat.shape[0] == 0:
            raise ValueError(f"{_NAME}.mean: needs a non-empty stack of rotations, got quat "
                             f"{describe(self.quat)}")
        quat = self.quat
        if weights is None:
            weights = fnp.ones(quat.shape[0], quat.dtype)
        else:
            weights = numeric_array(f"{_NAME}.mean", "weights", weights).astype(quat.dtype)
            if weights.shape != (quat.shape[0],):
                raise ValueError(f"{_NAME}.mean: weights must have shape ({quat.shape[0]},), "
                                 f"one per rotation, got {describe(weights)}")
        moments = fnp.matmul(weights[None, :] * fnp.swapaxes(quat, 0, 1), quat)
        return Rotation(fnp.linalg.eigh(moments)[1][:, -1])

    def __mul__(self, other: "Rotation") -> "Rotation":
        """``self * other``: ``other`` first, then ``self`` (stacks pair up or broadcast).

        >>> r = Rotation.from_euler("z", 0.25) * Rotation.from_euler("z", 0.5)
        >>> round(float(r.magnitude()), 12)
        0.75
        """
        if not isinstance(other, Rotation):
            return NotImplemented
        if self.quat.ndim == 2 and other.quat.ndim == 2 and \
                self.quat.shape[0] != other.quat.shape[0]:
            raise ValueError(f"{_NAME}.__mul__: stacks of {self.quat.shape[0]} and "
                             f"{other.quat.shape[0]} rotations cannot be composed; give "
                             "equal numbers, or one of them single")
        return Rotation(quaternions.normalize(quaternions.compose(self.quat, other.quat)))

    def __getitem__(self, index) -> "Rotation":
        """The rotation(s) at ``index`` of a stack.

        >>> Rotation.identity(3)[1:].as_quat().shape
        (2, 4)
        """
        if self.single:
            raise TypeError(f"{_NAME}: a single rotation is not subscriptable")
        return Rotation(self.quat[index])

    def __len__(self) -> int:
        """The number of rotations in a stack.

        >>> len(Rotation.from_euler("x", [[0.1], [0.2]]))
        2
        """
        if self.single:
            raise TypeError(f"{_NAME}: a single rotation has no len()")
        return self.quat.shape[0]

    @property
    def single(self) -> bool:
        """Whether this is one rotation rather than a stack.

        >>> Rotation.identity().single, Rotation.identity(1).single
        (True, False)
        """
        return self.quat.ndim == 1


register_pytree_node(Rotation, lambda r: ((r.quat,), None),
                     lambda _, children: Rotation(*children))
