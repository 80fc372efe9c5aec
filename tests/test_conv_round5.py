"""Winograd's F(4, 3) along rows inside ``conv_general_dilated``: the same results as the
direct convolution (float32 and float64, many shapes, paddings and kernel widths, any
operand strides), chosen only where it applies and the measured rule says it wins, and the
primitive's jit, derivatives and vmap unchanged by it."""
from __future__ import annotations

import re

import numpy as np
import pytest

import fungrad
from fungrad import lax
from fungrad.prims import conv, winograd
from fungrad.prims.conv import _conv_general, conv_dimension_numbers, conv_plan, im2col_plan
from fungrad.prims.winograd import A_T, B_T, G, winograd_plan, winograd_rows
from helpers import assert_same_as_numpy, rand

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


def _params(lhs_shape, rhs_shape, padding, layouts=None, strides=None, lhs_dilation=None,
            rhs_dilation=None, groups=1, batch_groups=1, preferred=None):
    nsp = len(lhs_shape) - 2
    return dict(window_strides=strides or (1,) * nsp, padding=padding,
                lhs_dilation=lhs_dilation or (1,) * nsp, rhs_dilation=rhs_dilation or (1,) * nsp,
                dimension_numbers=conv_dimension_numbers(lhs_shape, rhs_shape, layouts),
                feature_group_count=groups, batch_group_count=batch_groups,
                preferred_element_type=preferred)


def _is_winograd(plan) -> bool:
    return getattr(plan, "algorithm", None) == "winograd"


@pytest.fixture
def always_winograd(monkeypatch):
    """Plans made while this is active take F(4, 3) wherever it applies, however small."""
    for name in ("MIN_DEPTH", "MIN_OUT_FEATURES", "MIN_OUT_SIZE", "MIN_MULTIPLY_ADDS"):
        monkeypatch.setattr(winograd, name, 0)
    winograd_plan.cache_clear()
    yield
    winograd_plan.cache_clear()


def test_the_transforms_compute_a_three_tap_correlation():
    """y = A^T [(G g) * (B^T d)]: four outputs of correlating six inputs with three taps."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        d, g = rng.standard_normal(6), rng.standard_normal(3)
        expected = np.correlate(d, g, mode="valid")
        np.testing.assert_allclose(A_T @ ((G @ g) * (B_T @ d)), expected, rtol=1e-13,
                                   atol=1e-13)


ROWS_CASES = [
    # (lhs shape, rhs shape OIHW, padding): out rows a multiple of 4 or not, kernels 1-4
    # columns wide, asymmetric and zero padding, one row of output, images over blocks
    ((3, 2, 5, 7), (4, 2, 3, 3), ((1, 1), (1, 1))),
    ((5, 3, 9, 4), (2, 3, 3, 1), ((0, 0), (0, 2))),
    ((2, 4, 1, 6), (3, 4, 3, 2), ((2, 0), (1, 0))),
    ((7, 1, 13, 3), (1, 1, 3, 3), ((3, 4), (2, 2))),
    ((1, 2, 4, 4), (2, 2, 3, 4), ((1, 1), (2, 1))),
    ((4, 3, 12, 10), (5, 3, 3, 3), ((0, 0), (0, 0))),
    ((2, 5, 6, 2), (3, 5, 3, 2), ((0, 5), (0, 0))),
]


@pytest.mark.parametrize("case", ROWS_CASES)
@pytest.mark.parametrize("block_elements", [1, winograd.BLOCK_ELEMENTS])
def test_winograd_rows_matches_the_direct_convolution(case, block_elements, monkeypatch):
    """In float64 to 1e-12 (the algorithm is exact in exact arithmetic), in float32 within a
    few roundings of the largest output; one image per block or all in one."""
    monkeypatch.setattr(winograd, "BLOCK_ELEMENTS", block_elements)
    lhs_shape, rhs_shape, padding = case
    params = _params(lhs_shape, rhs_shape, padding)
    x, w = rand(lhs_shape) * 3, rand(rhs_shape, seed=1)
    expected = _conv_general(x, w, **params)
    run = winograd_rows(lhs_shape, rhs_shape, padding, F64)
    assert run.block == (1 if block_elements == 1 else lhs_shape[0])
    out = run(x, w)
    assert out.shape == expected.shape and out.dtype == F64
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    x32, w32 = x.astype(F32), w.astype(F32)
    expected32 = _conv_general(x32.astype(F64), w32.astype(F64), **params)
    out32 = winograd_rows(lhs_shape, rhs_shape, padding, F32)(x32, w32)
    assert out32.dtype == F32 and out32.flags.c_contiguous and out32.flags.writeable
    assert np.abs(out32 - expected32).max() <= 4e-6 * np.abs(expected32).max()


def test_winograd_reads_any_strides_and_kernel_layouts(always_winograd):
    """Fortran-ordered and sliced inputs, reversed and HWIO kernels, through conv_plan."""
    x, w = rand((3, 4, 11, 9), F32), rand((6, 4, 3, 3), F32, seed=1)
    wider = np.zeros((3, 4, 11, 12), F32)
    wider[..., 2:-1] = x
    for layouts, kernel in [(None, w), (("NCHW", "HWIO", "NCHW"), w.transpose(2, 3, 1, 0)),
                            (("NCHW", "IOHW", "NCHW"), w.transpose(1, 0, 2, 3))]:
        params = _params(x.shape, kernel.shape, ((1, 1), (1, 0)), layouts)
        plan = conv_plan(x.shape, kernel.shape, F32, F32, **params)
        assert _is_winograd(plan)
        for a, b in [(x, kernel), (np.asfortranarray(x), kernel[::-1]), (wider[..., 2:-1],
                                                                          np.asfortranarray(kernel))]:
            expected = _conv_general(a.astype(F64), b.astype(F64), **params)
            out = plan(a, b)
            assert out.dtype == F32 and not np.shares_memory(out, a)
            assert np.abs(out - expected).max() <= 4e-6 * np.abs(expected).max()


def test_winograd_is_chosen_for_the_benchmark_layers():
    """The unpatched rule: the 16 -> 32 channel 28x28 SAME layer, its input's cotangent
    (32 -> 16 channels) and the CNN's 14x14 layer take F(4, 3); their float64 twins and the
    CNN's one-channel first layer keep the direct im2col."""
    chosen = [((32, 16, 28, 28), (32, 16, 3, 3)), ((32, 32, 28, 28), (16, 32, 3, 3)),
              ((32, 16, 14, 14), (32, 16, 3, 3)), ((32, 32, 14, 14), (16, 32, 3, 3))]
    for lhs_shape, rhs_shape in chosen:
        params = _params(lhs_shape, rhs_shape, ((1, 1), (1, 1)))
        assert _is_winograd(conv_plan(lhs_shape, rhs_shape, F32, F32, **params))
        assert not _is_winograd(conv_plan(lhs_shape, rhs_shape, F64, F64, **params))
    params = _params((32, 1, 28, 28), (16, 1, 3, 3), ((1, 1), (1, 1)))
    assert not _is_winograd(conv_plan((32, 1, 28, 28), (16, 1, 3, 3), F32, F32, **params))


LAYER = ((32, 16, 28, 28), (32, 16, 3, 3), ((1, 1), (1, 1)))
NOT_WINOGRAD = [  # (lhs shape, rhs shape, dtypes, other params): where F(4, 3) must not run
    (LAYER[0], LAYER[1], (F64, F64), {}),
    (LAYER[0], LAYER[1], (F32, F64), {}),
    (LAYER[0], LAYER[1], (np.dtype(np.float16),) * 2, {}),
    (LAYER[0], LAYER[1], (np.dtype(np.complex64),) * 2, {}),
    (LAYER[0], LAYER[1], (np.dtype(np.int32),) * 2, {}),
    (LAYER[0], LAYER[1], (F32, F32), dict(preferred=np.float64)),
    (LAYER[0], LAYER[1], (F32, F32), dict(strides=(2, 1))),
    (LAYER[0], LAYER[1], (F32, F32), dict(strides=(1, 2))),
    (LAYER[0], LAYER[1], (F32, F32), dict(lhs_dilation=(2, 1))),
    (LAYER[0], LAYER[1], (F32, F32), dict(rhs_dilation=(1, 2))),
    (LAYER[0], LAYER[1], (F32, F32), dict(padding=((-1, 1), (1, 1)))),
    (LAYER[0], (32, 16, 2, 3), (F32, F32), {}),
    (LAYER[0], (32, 16, 5, 5), (F32, F32), {}),
    (LAYER[0], (32, 16, 3, 1), (F32, F32), {}),            # depth 16 < 32
    (LAYER[0], (8, 16, 3, 3), (F32, F32), {}),             # 8 output features
    ((32, 16, 7, 7), LAYER[1], (F32, F32), {}),            # 7 x 7 output
    ((2, 16, 12, 12), LAYER[1], (F32, F32), {}),           # 2.65M multiply-adds
    (LAYER[0], (32, 8, 3, 3), (F32, F32), dict(groups=2)),
    ((32, 16, 28, 28), (32, 16, 3, 3), (F32, F32), dict(batch_groups=2)),
    ((32, 28, 28, 16), (3, 3, 16, 32), (F32, F32),
     dict(layouts=("NHWC", "HWIO", "NHWC"))),
    (LAYER[0], LAYER[1], (F32, F32), dict(layouts=("NCHW", "OIHW", "NHWC"))),
    ((32, 16, 784), (32, 16, 3), (F32, F32), dict(padding=((1, 1),))),
    ((4, 16, 28, 28, 3), (32, 16, 3, 3, 1), (F32, F32), dict(padding=((1, 1),) * 3)),
]


@pytest.mark.parametrize("case", range(len(NOT_WINOGRAD)))
def test_winograd_is_not_chosen_where_it_does_not_apply_or_win(case):
    lhs_shape, rhs_shape, (lhs_dtype, rhs_dtype), extra = NOT_WINOGRAD[case]
    extra = dict(extra)
    padding = extra.pop("padding", ((1, 1),) * (len(lhs_shape) - 2))
    params = _params(lhs_shape, rhs_shape, padding, **extra)
    assert winograd_plan(lhs_shape, rhs_shape, lhs_dtype, rhs_dtype, **params) is None
    plan = conv_plan(lhs_shape, rhs_shape, lhs_dtype, rhs_dtype, **params)
    assert not _is_winograd(plan)
    if extra.get("groups", 1) == 1 and extra.get("batch_groups", 1) == 1:
        assert plan is im2col_plan(lhs_shape, rhs_shape, lhs_dtype, rhs_dtype, **params)


def test_the_forced_rule_still_refuses_what_f43_cannot_compute(always_winograd):
    """With the size thresholds at zero only the applicability conditions remain."""
    for case in [0, 6, 8, 9, 10, 11, 17, 19]:
        lhs_shape, rhs_shape, (lhs_dtype, rhs_dtype), extra = NOT_WINOGRAD[case]
        extra = dict(extra)
        padding = extra.pop("padding", ((1, 1),) * (len(lhs_shape) - 2))
        params = _params(lhs_shape, rhs_shape, padding, **extra)
        assert not _is_winograd(conv_plan(lhs_shape, rhs_shape, lhs_dtype, rhs_dtype,
                                          **params)), case
    params = _params((2, 1, 5, 5), (1, 1, 3, 3), ((1, 1), (1, 1)))
    assert _is_winograd(conv_plan((2, 1, 5, 5), (1, 1, 3, 3), F32, F32, **params))


def test_bad_shapes_raise_the_shape_rule_errors_first():
    params = _params(LAYER[0], (32, 8, 3, 3), ((1, 1), (1, 1)))
    with pytest.raises(ValueError, match="conv_general_dilated: the lhs feature size"):
        conv_plan(LAYER[0], (32, 8, 3, 3), F32, F32, **params)
    x, w = np.ones(LAYER[0], F32), np.ones((32, 8, 3, 3), F32)
    with pytest.raises(ValueError, match="conv_general_dilated"):
        lax.conv_general_dilated(x, w, (1, 1), "SAME")
    assert lax.conv_general_dilated(x[:2], np.ones((32, 16, 3, 3), F32), (1, 1),
                                    "SAME").shape == (2, 32, 28, 28)


def _direct(monkeypatch):
    """Plans made from now on take the direct im2col everywhere."""
    monkeypatch.setattr(conv, "winograd_plan", lambda *args, **params: None)


@pytest.mark.parametrize("padding", ["SAME", "VALID", ((2, 0), (0, 1))])
def test_jit_derivatives_and_vmap_agree_with_the_direct_path(always_winograd, monkeypatch,
                                                             padding):
    """float32 forward, value_and_grad in both operands (whose input cotangent is a
    Winograd convolution too), jvp and vmap, under jit and eagerly, against the same
    computations planned without Winograd."""
    x, w = rand((3, 4, 10, 9), F32), rand((5, 4, 3, 3), F32, seed=1)
    f = lambda x, w: lax.conv_general_dilated(x, w, (1, 1), padding)  # noqa: E731
    loss = lambda x, w: fungrad.numpy.sum(fungrad.numpy.tanh(f(x, w)) ** 2)  # noqa: E731
    jitted = fungrad.jit(f)
    vg = fungrad.jit(fungrad.value_and_grad(loss, argnums=(0, 1)))
    batched = fungrad.vmap(f, in_axes=(0, None))
    tangent = fungrad.jit(lambda x, w: fungrad.jvp(f, (x, w), (x, w))[1])
    xs = np.stack([x, -x])
    assert _is_winograd(conv_plan(x.shape, w.shape, F32, F32, **_params(
        x.shape, w.shape, conv.padtype_to_pads((10, 9), (3, 3), (1, 1), padding)
        if isinstance(padding, str) else padding)))
    results = [jitted(x, w), f(x, w), *vg(x, w)[1], batched(xs, w), tangent(x, w),
               vg(x, w)[0]]
    assert re.search(r"= _conv\d+\(", jitted.sources()[0])
    _direct(monkeypatch)
    assert not _is_winograd(conv_plan(x.shape, w.shape, F32, F32, **_params(
        x.shape, w.shape, ((1, 1), (1, 1)))))
    references = [fungrad.jit(f)(x, w), f(x, w),
                  *fungrad.jit(fungrad.value_and_grad(loss, argnums=(0, 1)))(x, w)[1],
                  fungrad.vmap(f, in_axes=(0, None))(xs, w),
                  fungrad.jit(lambda x, w: fungrad.jvp(f, (x, w), (x, w))[1])(x, w),
                  fungrad.value_and_grad(loss, argnums=(0, 1))(x, w)[0]]
    for ours, theirs in zip(results, references):
        theirs = np.asarray(theirs)
        assert np.asarray(ours).dtype == F32 and np.asarray(ours).shape == theirs.shape
        assert_same_as_numpy(np.asarray(ours), theirs,
                             atol=1e-5 * max(float(np.abs(theirs).max()), 1.0))


def test_jit_bias_add_writes_over_a_winograd_result(always_winograd):
    """The result is fresh (``fresh_result``): under jit the bias add writes over it."""
    x, w, b = rand((2, 4, 9, 8), F32), rand((6, 4, 3, 3), F32, seed=1), rand((6,), F32)
    layer = fungrad.jit(lambda x, w, b: lax.conv_general_dilated(x, w, (1, 1), "SAME")
                        + b[:, None, None])
    x0, w0 = x.copy(), w.copy()
    expected = _conv_general(x.astype(F64), w.astype(F64), **_params(
        x.shape, w.shape, ((1, 1), (1, 1)))) + b[:, None, None]
    for _ in range(2):
        out = layer(x, w, b)
        assert np.abs(out - expected).max() <= 1e-5 * np.abs(expected).max()
    assert re.search(r"= _add\((\w+), \w+, out=\1\)", layer.sources()[0])
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)


def test_scratch_arrays_kept_between_calls_leave_no_trace(monkeypatch):
    """Calls reuse their thread's scratch arrays (two geometries alternating, more
    geometries than are kept, a last smaller block, other threads): every result is the
    direct convolution's, and each call's own."""
    import threading
    monkeypatch.setattr(winograd, "SCRATCH_GEOMETRIES", 2)
    monkeypatch.setattr(winograd, "BLOCK_ELEMENTS", 4000)
    cases = ROWS_CASES[:4]
    runs = [winograd_rows(l, r, p, F64) for l, r, p in cases]
    assert runs[0].block == 2  # blocks of 2 for 3 images: the last one smaller
    inputs = [(rand(l, seed=i) * 3, rand(r, seed=10 + i)) for i, (l, r, _) in
              enumerate(cases)]
    expected = [_conv_general(x, w, **_params(l, r, p))
                for (x, w), (l, r, p) in zip(inputs, cases)]
    results = {}

    def work(name, order):
        results[name] = [(i, runs[i](*inputs[i])) for i in order]

    order = [0, 1, 0, 2, 3, 1, 0, 3, 3, 2, 0]
    threads = [threading.Thread(target=work, args=(t, order[t:] + order[:t])) for t in (1, 2)]
    for t in threads:
        t.start()
    work(0, order)
    for t in threads:
        t.join()
    assert len(results) == 3
    for outs in results.values():
        for i, out in outs:
            np.testing.assert_allclose(out, expected[i], rtol=1e-12,
                                       atol=1e-12 * np.abs(expected[i]).max())
    first, second = runs[0](*inputs[0]), runs[0](*inputs[0])
    assert not np.shares_memory(first, second)


def test_scratch_too_big_to_keep_is_made_per_call(monkeypatch):
    monkeypatch.setattr(winograd, "SCRATCH_KEPT_BYTES", 0)
    monkeypatch.setattr(winograd._scratch, "kept", {}, raising=False)
    lhs_shape, rhs_shape, padding = ROWS_CASES[0]
    x, w = rand(lhs_shape, seed=4), rand(rhs_shape, seed=5)
    expected = _conv_general(x, w, **_params(lhs_shape, rhs_shape, padding))
    run = winograd_rows(lhs_shape, rhs_shape, padding, F64)
    for _ in range(2):
        np.testing.assert_allclose(run(x, w), expected, rtol=1e-12,
                                   atol=1e-12 * np.abs(expected).max())
    assert len(winograd._scratch.kept) == 0
