"""Gradients through jax.scipy's interpolation and rotations, fungrad beside JAX.

    /opt/jaxenv/bin/python benchmarks/scipy_interp_rotation.py [--repeat N] [--points N]

Two losses, each timed as value_and_grad (eager and jit for fungrad, jit for JAX):
``warp``: sample an image at rotated, shifted points with ``map_coordinates`` (order 1) and
measure the squared difference to a target, differentiated in the rotation angle and shift;
``pose``: rotate points by ``Rotation.from_rotvec`` (a stack of rotations), compare with
targets and with ``as_euler`` of the rotations, differentiated in the rotation vectors.
Gradients are checked against each other before timing; the table gives milliseconds and
each one's ratio to JAX's jit.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse

import numpy as np

from harness import Candidate, markdown_table, time_interleaved


def warp_loss(fnp, map_coordinates, image, points, target):
    def loss(params):
        angle, shift = params[0], params[1:]
        c, s = fnp.cos(angle), fnp.sin(angle)
        rows = c * points[:, 0] - s * points[:, 1] + shift[0]
        cols = s * points[:, 0] + c * points[:, 1] + shift[1]
        sampled = map_coordinates(image, [rows, cols], order=1, mode="nearest")
        return fnp.sum((sampled - target) ** 2)
    return loss


def pose_loss(fnp, Rotation, vectors, targets):
    def loss(rotvecs):
        r = Rotation.from_rotvec(rotvecs)
        moved = r.apply(vectors)
        return fnp.sum((moved - targets) ** 2) + 1e-3 * fnp.sum(r.as_euler("zyx") ** 2)
    return loss


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--points", type=int, default=2000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    image = rng.standard_normal((64, 64))
    points = rng.uniform(5, 58, (args.points, 2))
    target = rng.standard_normal(args.points)
    warp0 = np.array([0.1, 0.5, -0.3])
    vectors, targets = rng.standard_normal((args.points, 3)), rng.standard_normal((args.points, 3))
    rotvecs0 = rng.normal(size=(args.points, 3))

    import fungrad
    import fungrad.numpy as fnp
    from fungrad.scipy.ndimage import map_coordinates
    from fungrad.scipy.spatial.transform import Rotation
    libs = {"fungrad": (fungrad, fnp, map_coordinates, Rotation, np.asarray)}
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        from jax.scipy.ndimage import map_coordinates as jax_map_coordinates
        from jax.scipy.spatial.transform import Rotation as JaxRotation
        libs["jax"] = (jax, jnp, jax_map_coordinates, JaxRotation, jnp.asarray)
    except ImportError:
        print("note: jax not installed; fungrad alone")

    rows, cands, grads = [], [], {}
    for workload in ("warp", "pose"):
        for name, (lib, m, mc, rot, conv) in libs.items():
            if workload == "warp":
                loss = warp_loss(m, mc, conv(image), conv(points), conv(target))
                x = conv(warp0)
            else:
                loss = pose_loss(m, rot, conv(vectors), conv(targets))
                x = conv(rotvecs0)
            vg = lib.value_and_grad(loss)
            modes = [("eager", vg), ("jit", lib.jit(vg))] if name == "fungrad" else \
                [("jit", lib.jit(vg))]
            for mode, fn in modes:
                sync = (lambda v: v.block_until_ready()) if name == "jax" else (lambda v: v)
                grads[(workload, name, mode)] = np.asarray(fn(x)[1])
                cand = Candidate(f"{workload} {name} {mode}",
                                 lambda f=fn, s=sync, a=x: s(f(a)[1]))
                cands.append(cand)
                rows.append((workload, f"{name} {mode}", cand))
    for (workload, name, mode), g in grads.items():
        reference = grads[(workload, "fungrad", "eager")]
        if not np.allclose(g, reference, rtol=1e-8, atol=1e-8 * np.abs(reference).max()):
            raise SystemExit(f"FAIL: {workload} {name} {mode}'s gradient differs")
    time_interleaved(cands, args.repeat, target=0.05)
    jax_time = {w: c.median for w, label, c in rows if label == "jax jit"}
    table = [[w, label, f"{c.median * 1e3:.2f}",
              f"{c.median / jax_time[w]:.2f}x" if w in jax_time else "n/a"]
             for w, label, c in rows]
    print(f"\n## value_and_grad through map_coordinates and Rotation ({args.points} points, "
          "float64)\n")
    print(markdown_table(["workload", "impl", "ms", "vs jax jit"], table))


if __name__ == "__main__":
    main()
