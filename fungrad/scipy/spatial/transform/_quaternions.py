"""Unit-quaternion arithmetic behind ``Rotation``: conversions to and from matrices, rotation
vectors, modified Rodrigues parameters and Euler angles, and composition.

Quaternions are stored scalar-last, ``(x, y, z, w)``, as scipy and JAX store them, in arrays
of shape ``(..., 4)``; every function here works on any leading shape, so ``vmap`` and
stacks of rotations need no special code. Everything is a composition of fungrad
operations. Where a formula divides by a norm that can vanish (the identity rotation), the
small case takes a Taylor series in the *squared* norm, selected with the "double where",
so first and second derivatives stay finite there.
"""
from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp

# below this squared rotation angle the Taylor series are exact to double precision
_SMALL_ANGLE2 = 1e-6


def parts(quat):
    """The vector and scalar parts ``(x, y, z), w`` of ``(..., 4)`` quaternions."""
    return quat[..., :3], quat[..., 3]


def join(vector, scalar):
    """A ``(..., 4)`` quaternion from a ``(..., 3)`` vector part and a ``(...)`` scalar."""
    vector, scalar = fnp.asarray(vector), fnp.asarray(scalar)
    shape = np.broadcast_shapes(vector.shape[:-1], scalar.shape)
    return fnp.concatenate([fnp.broadcast_to(vector, shape + (3,)),
                            fnp.broadcast_to(scalar, shape)[..., None]], axis=-1)


def squared_norm(vector):
    return fnp.sum(vector * vector, axis=-1)


def normalize(quat):
    return quat / fnp.sqrt(squared_norm(quat))[..., None]


def compose(p, q):
    """The Hamilton product ``p q``: the rotation ``q`` followed by ``p``."""
    pv, pw = parts(p)
    qv, qw = parts(q)
    vector = pw[..., None] * qv + qw[..., None] * pv + fnp.cross(pv, qv)
    return join(vector, pw * qw - fnp.sum(pv * qv, axis=-1))


def conjugate(quat):
    vector, scalar = parts(quat)
    return join(-vector, scalar)


def canonical(quat):
    """The sign of ``quat`` (``q`` and ``-q`` are one rotation) whose first nonzero entry,
    in the order w, x, y, z, is positive."""
    x, y, z, w = (quat[..., i] for i in range(4))
    negative = (w < 0) | ((w == 0) & ((x < 0) | ((x == 0) & ((y < 0) | ((y == 0) & (z < 0))))))
    return fnp.where(negative[..., None], -quat, quat)


def to_matrix(quat):
    x, y, z, w = (quat[..., i] for i in range(4))
    xx, yy, zz, ww = x * x, y * y, z * z, w * w
    xy, zw, xz, yw, yz, xw = x * y, z * w, x * z, y * w, y * z, x * w
    rows = [[xx - yy - zz + ww, 2 * (xy - zw), 2 * (xz + yw)],
            [2 * (xy + zw), -xx + yy - zz + ww, 2 * (yz - xw)],
            [2 * (xz - yw), 2 * (yz + xw), -xx - yy + zz + ww]]
    return fnp.stack([fnp.stack(row, axis=-1) for row in rows], axis=-2)


def from_matrix(matrix):
    """The quaternion of a rotation matrix, by the largest of the diagonal and the trace
    (the numerically stable choice, as scipy and JAX make it), normalized."""
    m = lambda i, j: matrix[..., i, j]  # noqa: E731
    trace = m(0, 0) + m(1, 1) + m(2, 2)
    decision = fnp.stack([m(0, 0), m(1, 1), m(2, 2), trace], axis=-1)
    choice = fnp.argmax(decision, axis=-1)
    candidates = []
    for i in range(3):
        j, k = (i + 1) % 3, (i + 2) % 3
        entries = [None] * 4
        entries[i] = 1 - trace + 2 * m(i, i)
        entries[j] = m(j, i) + m(i, j)
        entries[k] = m(k, i) + m(i, k)
        entries[3] = m(k, j) - m(j, k)
        candidates.append(fnp.stack(entries, axis=-1))
    candidates.append(fnp.stack([m(2, 1) - m(1, 2), m(0, 2) - m(2, 0), m(1, 0) - m(0, 1),
                                 1 + trace], axis=-1))
    quat = candidates[3]
    for c in range(3):
        quat = fnp.where((choice == c)[..., None], candidates[c], quat)
    return normalize(quat)


def from_rotvec(rotvec):
    """``(sin(t/2) r/t, cos(t/2))`` for the rotation by ``t = |r|`` about ``r``."""
    angle2 = squared_norm(rotvec)
    small = angle2 <= _SMALL_ANGLE2
    angle = fnp.sqrt(fnp.where(small, 1.0, angle2))
    scale = fnp.where(small, 0.5 - angle2 / 48 + angle2 * angle2 / 3840,
                      fnp.sin(angle / 2) / angle)
    scalar = fnp.where(small, 1 - angle2 / 8 + angle2 * angle2 / 384, fnp.cos(angle / 2))
    return join(scale[..., None] * rotvec, scalar)


def to_rotvec(quat):
    """The rotation vector (angle in [0, pi] times the unit axis): ``2 atan2(|v|, w) v/|v|``
    with ``w >= 0``."""
    quat = fnp.where((quat[..., 3] < 0)[..., None], -quat, quat)
    vector, w = parts(quat)
    norm2 = squared_norm(vector)
    small = norm2 <= _SMALL_ANGLE2 * w * w
    norm = fnp.sqrt(fnp.where(small, 1.0, norm2))
    safe_w = fnp.where(small, w, 1.0)
    ratio2 = norm2 / (safe_w * safe_w)  # tan(t/2)^2, small
    # 2 atan(s)/s = 2 (1 - s^2/3 + s^4/5 - ...), with s = |v|/w
    scale = fnp.where(small, 2 / safe_w * (1 - ratio2 / 3 + ratio2 * ratio2 / 5),
                      2 * fnp.arctan2(norm, w) / norm)
    return scale[..., None] * vector


def from_mrp(mrp):
    norm2 = squared_norm(mrp)
    return join(2 * mrp, 1 - norm2) / (1 + norm2)[..., None]


def to_mrp(quat):
    """``v / (1 + w)`` with ``w >= 0`` (rotation angles up to pi: MRPs of norm at most 1)."""
    vector, w = parts(quat)
    sign = fnp.where(w < 0, -1.0, 1.0).astype(quat.dtype)
    return sign[..., None] * vector / (1 + sign * w)[..., None]


def magnitude(quat):
    vector, w = parts(quat)
    return 2 * fnp.arctan2(fnp.sqrt(squared_norm(vector)), fnp.abs(w))


def elementary(axis: int, angle):
    """The rotation by ``angle`` about coordinate axis ``axis`` (0, 1, 2 for x, y, z)."""
    half = angle / 2
    zero = fnp.zeros_like(half)
    vector = [zero, zero, zero]
    vector[axis] = fnp.sin(half)
    return fnp.stack(vector + [fnp.cos(half)], axis=-1)


def from_euler(axes: tuple, angles, intrinsic: bool):
    """Compose the elementary rotations: extrinsic (fixed axes) multiplies each later one
    on the left, intrinsic (moving axes) on the right."""
    quat = elementary(axes[0], angles[..., 0])
    for n in range(1, len(axes)):
        step = elementary(axes[n], angles[..., n])
        quat = compose(quat, step) if intrinsic else compose(step, quat)
    return quat


def to_euler(quat, axes: tuple, extrinsic: bool):
    """Euler angles of ``quat`` about ``axes`` by the method of Bernardes and Viollet (2022),
    as scipy and JAX compute them: the first and third angles in [-pi, pi), the middle one
    in [0, pi] (symmetric sequences such as zxz) or [-pi/2, pi/2] (Tait-Bryan, such as
    xyz). In gimbal lock (middle angle 0 or pi, or +-pi/2), the third angle is set to 0."""
    if not extrinsic:
        axes = axes[::-1]
    i, j, k = axes
    symmetric = i == k
    if symmetric:
        k = 3 - i - j
    sign = (i - j) * (j - k) * (k - i) // 2  # +1 for an even permutation of (0, 1, 2)
    q = [quat[..., n] for n in range(4)]
    if symmetric:
        a, b, c, d = q[3], q[i], q[j], q[k] * sign
    else:
        a, b, c, d = q[3] - q[j], q[i] + q[k] * sign, q[j] + q[3], q[k] * sign - q[i]
    middle = 2 * fnp.arctan2(fnp.hypot(c, d), fnp.hypot(a, b))
    eps = 1e-7
    at_zero = fnp.abs(middle) <= eps
    at_pi = fnp.abs(middle - np.pi) <= eps
    degenerate = at_zero | at_pi
    half_sum, half_diff = fnp.arctan2(b, a), fnp.arctan2(d, c)
    locked_first = fnp.where(at_zero, 2 * half_sum, 2 * half_diff * (-1 if extrinsic else 1))
    third_sign = 1 if symmetric else sign
    if extrinsic:
        first = fnp.where(degenerate, locked_first, half_sum - half_diff)
        third = fnp.where(degenerate, 0.0, half_sum + half_diff) * third_sign
    else:  # the angles were computed for the reversed sequence: its third comes first
        first = fnp.where(degenerate, locked_first, half_sum + half_diff) * third_sign
        third = fnp.where(degenerate, 0.0, half_sum - half_diff)
    if not symmetric:
        middle = middle - np.pi / 2
    angles = fnp.stack([first, middle, third], axis=-1)
    return (angles + np.pi) % (2 * np.pi) - np.pi
