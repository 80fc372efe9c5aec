"""``fungrad.scipy.spatial.transform``: ``Rotation`` and ``Slerp`` against scipy on generic
rotations, and against JAX's recorded values where the conventions are JAX's (the sign of
quaternions with w = 0, Euler angles wrapped to [-pi, pi), gimbal lock); derivatives of every
representation (at the identity too); pytrees through jit and vmap; float32 kept; errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation as ScipyRotation
from scipy.spatial.transform import Slerp as ScipySlerp

import fungrad
from fungrad.scipy.spatial.transform import Rotation, Slerp

from helpers import assert_derivatives

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "scipy_scimods.npz")
EULER_SEQS = ("xyz", "zyx", "xzx", "zxz", "XYZ", "ZYX", "YXY", "ZXZ", "yzx", "XZY")
QUAT = FIXTURE["rot_quat"]          # 12 random unit quaternions, then 8 special ones
GENERIC = QUAT[:12]


def close(ours, theirs, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=rtol, atol=atol)


def test_representations_against_jax():
    r = Rotation.from_quat(QUAT)
    close(r.as_quat(canonical=True), FIXTURE["rot_canonical"])
    close(r.as_quat(scalar_first=True), FIXTURE["rot_scalar_first"])
    close(r.as_matrix(), FIXTURE["rot_matrix"])
    close(r.as_rotvec(), FIXTURE["rot_rotvec"])
    close(r.as_rotvec(degrees=True), FIXTURE["rot_rotvec_deg"])
    close(r.as_mrp(), FIXTURE["rot_mrp"])
    close(r.magnitude(), FIXTURE["rot_magnitude"])
    close(Rotation.from_matrix(FIXTURE["rot_matrix"]).as_quat(), FIXTURE["rot_from_matrix"])
    close(Rotation.from_rotvec(FIXTURE["rot_rotvec"]).as_quat(), FIXTURE["rot_from_rotvec"])
    close(Rotation.from_mrp(FIXTURE["rot_mrp"]).as_quat(), FIXTURE["rot_from_mrp"])
    close(r.inv().as_quat(), FIXTURE["rot_inv"])
    close(r.apply(FIXTURE["rot_vectors"]), FIXTURE["rot_apply"])
    close(r.apply(FIXTURE["rot_vectors"], inverse=True), FIXTURE["rot_apply_inverse"])
    close((r * r[::-1]).as_quat(), FIXTURE["rot_compose"])
    # the mean quaternion is an eigenvector: its sign is arbitrary, its rotation is not
    close(r.mean().as_matrix(), Rotation.from_quat(FIXTURE["rot_mean"]).as_matrix())
    close(r.mean(FIXTURE["rot_weights"]).as_matrix(),
          Rotation.from_quat(FIXTURE["rot_mean_weighted"]).as_matrix())


@pytest.mark.parametrize("seq", EULER_SEQS)
def test_euler_against_jax_and_scipy(seq):
    r, angles = Rotation.from_quat(QUAT), FIXTURE["rot_angles"]
    close(r.as_euler(seq), FIXTURE[f"euler_{seq}"])
    close(r.as_euler(seq, degrees=True), FIXTURE[f"euler_{seq}_deg"], rtol=1e-9)
    close(Rotation.from_quat(FIXTURE["rot_gimbal"]).as_euler(seq),
          FIXTURE[f"euler_{seq}_gimbal"], atol=1e-7)
    close(Rotation.from_euler(seq, angles).as_quat(), FIXTURE[f"from_euler_{seq}"])
    close(Rotation.from_euler(seq, np.rad2deg(angles), degrees=True).as_quat(),
          FIXTURE[f"from_euler_{seq}_deg"])
    # scipy agrees away from the conventions (generic rotations: no angle at +-pi)
    close(Rotation.from_quat(GENERIC).as_euler(seq), ScipyRotation.from_quat(GENERIC).as_euler(seq))
    close(Rotation.from_euler(seq, angles).as_matrix(),
          ScipyRotation.from_euler(seq, angles).as_matrix())
    # the round trip, and the ranges: first and third in [-pi, pi), the middle in [0, pi]
    # or [-pi/2, pi/2]
    back = Rotation.from_quat(GENERIC).as_euler(seq)
    close(Rotation.from_euler(seq, back).as_matrix(), Rotation.from_quat(GENERIC).as_matrix())
    assert np.all(back >= -np.pi) and np.all(back < np.pi)
    low, high = (0, np.pi) if seq[0].lower() == seq[2].lower() else (-np.pi / 2, np.pi / 2)
    assert np.all(back[:, 1] >= low - 1e-12) and np.all(back[:, 1] <= high + 1e-12)


def test_against_scipy():
    r, s = Rotation.from_quat(GENERIC), ScipyRotation.from_quat(GENERIC)
    close(r.as_quat(canonical=True), s.as_quat(canonical=True))
    close(r.as_quat(scalar_first=True), s.as_quat(scalar_first=True))
    close(r.as_quat(True, True), s.as_quat(True, scalar_first=True))  # JAX: positional too
    close(Rotation.from_quat(r.as_quat(scalar_first=True), scalar_first=True).as_quat(),
          s.as_quat())
    for name in ("as_matrix", "as_rotvec", "as_mrp", "magnitude"):
        close(getattr(r, name)(), getattr(s, name)())
    close(Rotation.from_matrix(s.as_matrix()).as_matrix(), s.as_matrix())
    close(Rotation.from_rotvec(s.as_rotvec(), degrees=False).as_matrix(), s.as_matrix())
    close(Rotation.from_rotvec(s.as_rotvec(degrees=True), degrees=True).as_matrix(),
          s.as_matrix())
    vectors = FIXTURE["rot_vectors"][:12]
    close(r[0].apply(vectors), s[0].apply(vectors))       # one rotation, many vectors
    close(r.apply(vectors[0]), s.apply(vectors[0]))       # many rotations, one vector
    close((r[3] * r).as_matrix(), (s[3] * s).as_matrix())
    close(r.mean(FIXTURE["rot_weights"][:12]).as_matrix(),
          s.mean(FIXTURE["rot_weights"][:12]).as_matrix())
    close(Rotation.concatenate([r[0], r[1:4]]).as_quat(),
          ScipyRotation.concatenate([s[0], s[1:4]]).as_quat())
    # single rotations and stacks
    assert r[0].single and not r.single and len(r) == 12 and len(r[2:5]) == 3
    assert Rotation.identity(4).as_quat().shape == (4, 4)
    empty = Rotation.from_quat(np.zeros((0, 4)))  # size 0 stacks flow through
    assert len(empty) == 0 and empty.as_euler("xyz").shape == (0, 3)
    assert empty.apply(np.ones(3)).shape == (0, 3) and empty.as_matrix().shape == (0, 3, 3)
    close(Rotation.identity().as_matrix(), np.eye(3))
    close(Rotation.from_euler("z", 0.4).as_quat(), FIXTURE["from_euler_z_scalar"])
    close(Rotation.from_euler("xy", [0.4, -1.1]).as_quat(), FIXTURE["from_euler_xy_single"])


def test_slerp_against_jax_and_scipy():
    keys, times = FIXTURE["slerp_key_times"], FIXTURE["slerp_times"]
    slerp = Slerp.init(keys, Rotation.from_quat(QUAT[:4]))
    close(slerp(times).as_quat(), FIXTURE["slerp"])
    single = slerp(1.7)
    assert single.single
    close(single.as_quat(), FIXTURE["slerp_single"])
    theirs = ScipySlerp(keys, ScipyRotation.from_quat(QUAT[:4]))(times)
    close(slerp(times).as_matrix(), theirs.as_matrix())


def test_random_rotations():
    r = Rotation.random(fungrad.random.key(3), 2000)
    close(np.linalg.norm(r.as_quat(), axis=-1), np.ones(2000))
    # uniform on SO(3): the rotation angle has density (1 - cos t) / pi on [0, pi], mean
    # pi/2 + 2/pi; the axis has no preferred direction
    angles = np.asarray(r.magnitude())
    assert abs(angles.mean() - (np.pi / 2 + 2 / np.pi)) < 0.05
    assert np.all(np.abs(np.asarray(r.as_rotvec()).mean(axis=0)) < 0.1)
    assert Rotation.random(fungrad.random.key(0)).single
    close(Rotation.random(fungrad.random.key(1), 3).as_quat(),
          Rotation.random(fungrad.random.key(1), 3).as_quat())


def test_derivatives():
    rng = np.random.default_rng(0)
    q, rotvec, vectors = rng.normal(size=(3, 4)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    for name in ("as_matrix", "as_rotvec", "as_mrp", "magnitude"):
        assert_derivatives(lambda q: getattr(Rotation.from_quat(q), name)(), (q,))
    for seq in ("xyz", "ZXZ"):
        assert_derivatives(lambda q: Rotation.from_quat(q).as_euler(seq), (q,))
        assert_derivatives(lambda a: Rotation.from_euler(seq, a).as_quat(), (rotvec,))
    assert_derivatives(lambda v: Rotation.from_rotvec(v).as_quat(), (rotvec,))
    assert_derivatives(lambda m: Rotation.from_mrp(m).as_quat(), (rotvec,))
    matrices = np.asarray(Rotation.from_quat(q).as_matrix())
    assert_derivatives(lambda m: Rotation.from_matrix(m).as_quat(), (matrices,))
    assert_derivatives(lambda q, v: Rotation.from_quat(q).apply(v, inverse=True), (q, vectors))
    assert_derivatives(lambda p, q: (Rotation.from_quat(p) * Rotation.from_quat(q)).as_quat(),
                       (q, q[::-1]))
    assert_derivatives(lambda q, w: Rotation.from_quat(q).mean(w).as_matrix(),
                       (q, np.array([1.0, 2.0, 0.5])))
    # at (and next to) the identity, where |rotvec| has no derivative: finite
    for at in (np.zeros(3), np.array([1e-5, 0.0, -2e-5])):
        assert_derivatives(lambda v: Rotation.from_rotvec(v).as_rotvec(), (at,))
    assert_derivatives(lambda q: Rotation.from_quat(q).as_rotvec(), (np.array([0, 0, 0, 1.0]),))
    keys = np.array([0.0, 1.0, 2.5])
    assert_derivatives(lambda q, t: Slerp.init(keys, Rotation.from_quat(q))(t).as_quat(),
                       (q, np.array([0.3, 1.2, 2.2])))
    assert_derivatives(lambda k: Slerp.init(k, Rotation.from_quat(q))(np.array([0.3, 1.2]))
                       .as_quat(), (keys,))


def test_pytrees_jit_vmap_and_float32():
    rng = np.random.default_rng(1)
    q, vectors = rng.normal(size=(3, 4)), rng.normal(size=(3, 3))
    r = Rotation.from_quat(q)
    leaves, _ = fungrad.tree_util.tree_flatten(r)
    assert len(leaves) == 1 and leaves[0] is r.quat
    close(fungrad.jit(lambda r, v: r.apply(v))(r, vectors), r.apply(vectors))
    close(fungrad.jit(lambda r: r.as_euler("zyx"))(r), r.as_euler("zyx"))
    out = fungrad.jit(lambda q: Rotation.from_quat(q).inv())(q)
    assert isinstance(out, Rotation)
    close(out.as_quat(), r.inv().as_quat())
    close(fungrad.vmap(lambda q: Rotation.from_quat(q).as_euler("XZY"))(q), r.as_euler("XZY"))
    close(fungrad.vmap(lambda r: r.as_matrix())(r), r.as_matrix())
    matrices = np.asarray(r.as_matrix())
    close(fungrad.vmap(lambda m: Rotation.from_matrix(m).as_quat())(matrices),
          Rotation.from_matrix(matrices).as_quat())
    slerp, times = Slerp.init(np.array([0.0, 1.0, 2.5]), r), np.array([0.3, 1.2, 2.5])
    close(fungrad.jit(lambda s, t: s(t).as_quat())(slerp, times), slerp(times).as_quat())
    close(fungrad.vmap(lambda t: slerp(t).as_quat())(times), slerp(times).as_quat())
    grad = fungrad.grad(lambda r: r.magnitude().sum())(r)
    assert isinstance(grad, Rotation) and grad.quat.shape == (3, 4)

    f32 = np.float32
    r32 = Rotation.from_quat(q.astype(f32))
    for value in (r32.quat, r32.as_matrix(), r32.as_rotvec(), r32.as_mrp(), r32.magnitude(),
                  r32.as_euler("xyz"), r32.apply(vectors.astype(f32)), r32.mean().quat,
                  Rotation.from_rotvec(vectors.astype(f32)).quat,
                  Rotation.from_euler("xyz", vectors.astype(f32)).quat,
                  Rotation.from_mrp(vectors.astype(f32)).quat,
                  Rotation.from_matrix(matrices.astype(f32)).quat,
                  Slerp.init(np.array([0.0, 1.0, 2.5], f32), r32)(f32(0.5)).quat,
                  Rotation.identity(dtype=f32).quat,
                  Rotation.random(fungrad.random.key(0), 2, f32).quat):
        assert value.dtype == np.float32
    close(r32.as_euler("xyz"), r.as_euler("xyz"), rtol=1e-4, atol=1e-5)


def test_errors():
    name = "spatial.transform.Rotation"
    r = Rotation.from_quat(GENERIC[:3])
    with pytest.raises(ValueError, match=fr"{name}.from_quat: quat must have shape \(4,\)"):
        Rotation.from_quat(np.ones(3))
    with pytest.raises(ValueError, match="zero-norm quaternions"):
        Rotation.from_quat(np.zeros(4))
    with pytest.raises(ValueError, match=r"from_matrix: matrix must have shape \(3, 3\)"):
        Rotation.from_matrix(np.eye(4))
    with pytest.raises(ValueError, match="from_rotvec: rotvec must have shape"):
        Rotation.from_rotvec(np.ones((2, 2, 3)))
    with pytest.raises(TypeError, match="from_mrp: mrp must be an array of real numbers"):
        Rotation.from_mrp(np.ones(3, complex))
    with pytest.raises(ValueError, match="consecutive axes must differ"):
        Rotation.from_euler("xxy", np.zeros(3))
    with pytest.raises(ValueError, match="not both"):
        Rotation.from_euler("xYz", np.zeros(3))
    with pytest.raises(ValueError, match="seq must be a string of 1 or 2 or 3 axes"):
        Rotation.from_euler("xyzx", np.zeros(4))
    with pytest.raises(ValueError, match=r"angles for the 3 axes 'xyz' must have shape"):
        Rotation.from_euler("xyz", np.zeros(2))
    with pytest.raises(ValueError, match="as_euler: seq must be a string of 3 axes"):
        r.as_euler("xy")
    with pytest.raises(ValueError, match="apply: expected as many vectors as rotations"):
        r.apply(np.ones((2, 3)))
    with pytest.raises(ValueError, match="cannot be composed"):
        r * Rotation.identity(2)
    with pytest.raises(TypeError):
        r * 2.0
    with pytest.raises(TypeError, match="single rotation is not subscriptable"):
        r[0][0]
    with pytest.raises(TypeError, match="single rotation has no len"):
        len(r[0])
    with pytest.raises(ValueError, match=r"mean: weights must have shape \(3,\)"):
        r.mean(np.ones(2))
    with pytest.raises(ValueError, match="mean: needs a non-empty stack"):
        r[0].mean()
    with pytest.raises(ValueError, match="mean: needs a non-empty stack"):
        r[:0].mean()
    with pytest.raises(TypeError, match=r"concatenate: rotations\[1\] must be a Rotation"):
        Rotation.concatenate([r, GENERIC])
    with pytest.raises(TypeError, match="Slerp.init: rotations must be a Rotation"):
        Slerp.init([0.0, 1.0], GENERIC[:2])
    with pytest.raises(ValueError, match="at least 2 rotations"):
        Slerp.init([0.0], r[:1])
    with pytest.raises(ValueError, match="one time per rotation"):
        Slerp.init([0.0, 1.0], r)
    with pytest.raises(ValueError, match="strictly increasing"):
        Slerp.init([0.0, 2.0, 1.0], r)
    slerp = Slerp.init([0.0, 1.0, 2.0], r)
    with pytest.raises(ValueError, match=r"within the key times \[0.0, 2.0\]"):
        slerp(np.array([0.5, 2.5]))
    with pytest.raises(ValueError, match="scalar or 1-D"):
        slerp(np.ones((2, 2)))
    assert len(slerp(np.array([0.5, 1.5]))) == 2  # and the next call works
