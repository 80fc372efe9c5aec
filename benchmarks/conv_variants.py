"""Ways to compute the float32 conv layer's forward pass, measured against fungrad's plan.

    /opt/jaxenv/bin/python benchmarks/conv_variants.py [--dtype float32] [--repeat N]
    /opt/jaxenv/bin/python benchmarks/conv_variants.py --rule [--dtype float32|float64]

The layer of ``benchmarks/conv.py`` (batch 32, 16 -> 32 channels, 28x28, 3x3, SAME, NCHW),
without the bias. Candidates, all single-threaded, timed round-robin against torch eager:

  * ``fungrad jit``: what ``conv_plan`` chooses for this layer in float32 since round five,
    Winograd's F(4, 3) along the rows (``fungrad/prims/winograd.py``), in float64 the
    planned im2col;
  * ``direct im2col plan``: the planned im2col (``fungrad/prims/conv.py``): per image, its patches
    copied into one reused buffer, each patch row one run of 838 floats over whole padded
    rows (the output computed on the 30-wide padded grid, its 2 extra columns dropped), and
    one product (32 x 144) @ (144 x 838) while they are in cache;
  * ``one big GEMM``: (32 x 144) @ (144 x 32*784) over the whole batch, patches laid out
    (C, kh, kw, N, H, W) so the product is (O, N, H*W): returned as a transposed view, so no
    copy follows;
  * ``per-image, in cache``: each image's patches (144 x 784, 450 kB) copied into one reused
    buffer and multiplied at once, while they are in the core's cache;
  * ``Winograd F(2x2,3x3)`` (Lavin & Gray 2015): 2.25x fewer multiplies, as 16 batched
    (32 x 16) @ (16 x tiles) products; the input tiles are gathered from a parity-split copy
    of the padded input (so every elementwise step runs over long contiguous rows), the
    transforms are products with the 16 x 16 and 4 x 16 Kronecker matrices; the time of each
    stage is printed;
  * ``float64 BLAS``: the im2col product in float64, rounded back to float32.

``--rule`` times the direct im2col plan against F(4, 3) along rows on a list of shapes (3-row
kernels, stride 1, SAME): the measurements behind ``winograd_plan``'s thresholds, with what
the rule chooses for each.

Each result's error is printed as max |result - exact| / max |exact|, ``exact`` computed in
float64. ``--gemm-only`` times the bare im2col product, to compare BLAS core types
(``OPENBLAS_CORETYPE=SkylakeX``) in separate processes.
"""

import harness  # noqa: F401  (pins BLAS threads; must precede numpy)

import argparse
import time

import numpy as np
from numpy.lib.stride_tricks import as_strided

from harness import Candidate, format_seconds, markdown_table, time_interleaved

N, C, O, H, K = 32, 16, 32, 28, 3


def padded(x):
    p = np.zeros((N, C, H + 2, H + 2), x.dtype)
    p[:, :, 1:-1, 1:-1] = x
    return p


def big_gemm(x, w):
    p = padded(x)
    s = p.strides
    view = as_strided(p, (C, K, K, N, H, H), (s[1], s[2], s[3], s[0], s[2], s[3]))
    out = w.reshape(O, C * K * K) @ view.reshape(C * K * K, N * H * H)
    return out.reshape(O, N, H, H).transpose(1, 0, 2, 3)


def per_image(x, w):
    p = padded(x)
    s = p.strides
    buffer = np.empty((C, K, K, H, H), x.dtype)
    out = np.empty((N, O, H * H), x.dtype)
    kernel = w.reshape(O, C * K * K)
    for n in range(N):
        np.copyto(buffer, as_strided(p[n], (C, K, K, H, H), (s[1], s[2], s[3], s[2], s[3])))
        np.matmul(kernel, buffer.reshape(C * K * K, H * H), out=out[n])
    return out.reshape(N, O, H, H)


def float64_blas(x, w):
    p = padded(x).astype(np.float64)
    s = p.strides
    view = as_strided(p, (N, C, K, K, H, H), (s[0], s[1], s[2], s[3], s[2], s[3]))
    out = np.matmul(w.reshape(O, C * K * K).astype(np.float64),
                    view.reshape(N, C * K * K, H * H))
    return out.reshape(N, O, H, H).astype(x.dtype)


# Winograd F(2x2, 3x3): Y = A^T [(G g G^T) * (B^T d B)] A per 4x4 input tile d, 2x2 output
B_T = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], float)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
A_T = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], float)
TILES = H // 2          # 14 x 14 output tiles of 2 x 2
GRID = TILES + 1        # tile rows in the parity-split input (one row of slack)
LENGTH = N * GRID * GRID
STAGES: dict = {}


def _tick(stage, start):
    now = time.perf_counter()
    STAGES[stage] = STAGES.get(stage, 0.0) + now - start
    return now


def winograd(x, w):
    dtype = x.dtype
    start = time.perf_counter()
    u = np.einsum("ai,ocij,bj->aboc", G, w, G, optimize=True).reshape(16, O, C).astype(dtype)
    start = _tick("kernel transform", start)
    # split the padded input by row and column parity: tile (i, j)'s element (r, s) is
    # split[r % 2, s % 2, c, n, i + r // 2, j + s // 2], so each of the 16 tile elements over
    # all tiles is one contiguous slice of the flattened (n, i, j) axis
    split = np.zeros((2, 2, C, LENGTH + GRID + 2), dtype)
    grid = split[..., :LENGTH].reshape(2, 2, C, N, GRID, GRID)
    x6 = x.reshape(N, C, TILES, 2, TILES, 2)
    for p in range(2):
        for q in range(2):
            rows = slice(1, GRID) if p == 0 else slice(0, TILES)
            cols = slice(1, GRID) if q == 0 else slice(0, TILES)
            grid[p, q][:, :, rows, cols] = x6[:, :, :, 1 - p, :, 1 - q].transpose(1, 0, 2, 3)
    start = _tick("parity split", start)
    d = np.empty((16, C, LENGTH), dtype)
    for r in range(4):
        for s in range(4):
            offset = (r // 2) * GRID + s // 2
            d[4 * r + s] = split[r % 2, s % 2, :, offset:offset + LENGTH]
    start = _tick("tile gather", start)
    v = (np.kron(B_T, B_T).astype(dtype) @ d.reshape(16, C * LENGTH)).reshape(16, C, LENGTH)
    start = _tick("input transform", start)
    m = np.matmul(u, v)
    start = _tick("16 products", start)
    y = (np.kron(A_T, A_T).astype(dtype) @ m.reshape(16, O * LENGTH))
    y = y.reshape(2, 2, O, N, GRID, GRID)
    start = _tick("output transform", start)
    out = np.empty((N, O, TILES, 2, TILES, 2), dtype)
    out.transpose(3, 5, 1, 0, 2, 4)[...] = y[:, :, :, :, :TILES, :TILES]
    _tick("interleave to NCHW", start)
    return out.reshape(N, O, H, H)


def exact(x, w):
    return float64_blas(x.astype(np.float64), w.astype(np.float64))


RULE_SHAPES = [  # (batch, in features, rows, columns, out features, kernel columns)
    (32, 16, 28, 28, 32, 3), (32, 32, 28, 28, 16, 3), (32, 1, 28, 28, 16, 3),
    (32, 16, 14, 14, 32, 3), (32, 32, 14, 14, 16, 3), (4, 8, 8, 8, 8, 3), (8, 3, 32, 32, 16, 3),
    (2, 64, 7, 7, 64, 3), (1, 16, 56, 56, 16, 3), (16, 4, 28, 28, 4, 3), (8, 16, 10, 10, 16, 3),
    (32, 8, 28, 28, 8, 3), (4, 32, 16, 16, 32, 3), (2, 3, 64, 64, 8, 3),
    (32, 16, 28, 28, 32, 1), (32, 16, 28, 28, 32, 5),
]


def rule_table(dtype, repeat, target):
    """Direct im2col plan against F(4, 3) along rows, shape by shape (CPU time)."""
    from fungrad.prims.conv import conv_dimension_numbers, im2col_plan
    from fungrad.prims.winograd import winograd_plan, winograd_rows
    rng = np.random.default_rng(0)
    rows = []
    for n, c, h, w, o, kw in RULE_SHAPES:
        x = rng.standard_normal((n, c, h, w)).astype(dtype)
        k = rng.standard_normal((o, c, 3, kw)).astype(dtype)
        params = dict(window_strides=(1, 1), padding=((1, 1), (kw // 2, (kw - 1) // 2)),
                      lhs_dilation=(1, 1), rhs_dilation=(1, 1),
                      dimension_numbers=conv_dimension_numbers(x.shape, k.shape, None),
                      feature_group_count=1, batch_group_count=1)
        direct = im2col_plan(x.shape, k.shape, x.dtype, k.dtype, **params)
        rows_plan = winograd_rows(x.shape, k.shape, params["padding"], dtype)
        cands = [Candidate("direct", lambda: direct(x, k)),
                 Candidate("F(4,3) rows", lambda: rows_plan(x, k))]
        time_interleaved(cands, repeat, target, clock=time.process_time)
        chosen = winograd_plan(x.shape, k.shape, x.dtype, k.dtype, **params) is not None
        macs = n * o * c * 3 * kw * h * w
        rows.append([f"{n}x{c}x{h}x{w} -> {o}, 3x{kw}", str(c * kw), f"{macs / 1e6:.1f}M",
                     format_seconds(cands[0].median), format_seconds(cands[1].median),
                     f"{cands[1].median / cands[0].median:.2f}",
                     "F(4,3)" if chosen else "direct"])
    print(f"\n{np.dtype(dtype).name}, one thread, CPU time; ratio = F(4,3) / direct\n")
    print(markdown_table(["NCHW input -> out features, kernel", "depth C*kw",
                          "multiply-adds", "direct", "F(4,3) rows", "ratio", "rule chooses"],
                         rows))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--target", type=float, default=0.2)
    parser.add_argument("--gemm-only", action="store_true")
    parser.add_argument("--rule", action="store_true")
    args = parser.parse_args(argv)
    dtype = np.dtype(args.dtype)
    if args.rule:
        return rule_table(dtype, args.repeat, args.target)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, H)).astype(dtype)
    w = (rng.standard_normal((O, C, K, K)) * 0.1).astype(dtype)
    if args.gemm_only:
        a, b = w.reshape(O, -1), rng.standard_normal((N, C * K * K, H * H)).astype(dtype)
        cand = Candidate("im2col product", lambda: np.matmul(a, b))
        time_interleaved([cand], args.repeat, args.target)
        print(f"im2col product (32 x 144) @ (32, 144, 784), {args.dtype}: "
              f"{format_seconds(cand.median)}")
        return

    import torch
    import fungrad
    from fungrad import lax
    torch.set_num_threads(1)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)

    def torch_conv():
        with torch.no_grad():
            return torch.nn.functional.conv2d(tx, tw, padding=1)
    from fungrad.prims.conv import conv_dimension_numbers, im2col_plan
    fungrad_jit = fungrad.jit(lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "SAME"))
    direct = im2col_plan(x.shape, w.shape, x.dtype, w.dtype, window_strides=(1, 1),
                         padding=((1, 1), (1, 1)), lhs_dilation=(1, 1), rhs_dilation=(1, 1),
                         dimension_numbers=conv_dimension_numbers(x.shape, w.shape, None),
                         feature_group_count=1, batch_group_count=1)
    candidates = {"torch eager": torch_conv, "fungrad jit": lambda: fungrad_jit(x, w),
                  "direct im2col plan": lambda: direct(x, w),
                  "one big GEMM": lambda: big_gemm(x, w),
                  "per-image, in cache": lambda: per_image(x, w),
                  "Winograd F(2x2,3x3)": lambda: winograd(x, w),
                  "float64 BLAS": lambda: float64_blas(x, w)}
    truth = exact(x, w)
    scale = np.abs(truth).max()
    errors = {}
    for name, call in candidates.items():
        out = np.asarray(call())
        assert out.dtype == dtype and out.shape == truth.shape, (name, out.dtype, out.shape)
        errors[name] = np.abs(out.astype(np.float64) - truth).max() / scale
    cands = [Candidate(name, call) for name, call in candidates.items()]
    STAGES.clear()
    time_interleaved(cands, args.repeat, args.target)
    base = cands[0].median
    rows = [[c.name, format_seconds(c.median), f"{c.median / base:.2f}x",
             f"{errors[c.name]:.1e}"] for c in cands]
    print(f"\n{args.dtype} conv layer forward (no bias), one thread\n")
    print(markdown_table(["variant", "median time", "vs torch eager", "max rel error"], rows))
    print("\nWinograd: share of its time per stage")
    total = sum(STAGES.values())
    for stage, seconds in STAGES.items():
        print(f"  {stage:20s} {seconds / total:6.1%}")


if __name__ == "__main__":
    main()
