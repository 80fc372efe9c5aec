"""fungrad.lax convolutions: values and vjps against JAX's recorded ones, derivatives of
order 2 in both modes against finite differences, jit, vmap, and bad input."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import fungrad
from fungrad import lax
from helpers import assert_derivatives, assert_same_as_numpy, rand

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "lax_conv.npz")
META = json.loads(str(FIXTURE["meta"]))


def _kwargs(kw):
    kw = dict(kw)
    if isinstance(kw["padding"], list):
        kw["padding"] = [tuple(p) for p in kw["padding"]]
    if "dimension_numbers" in kw:
        kw["dimension_numbers"] = tuple(kw["dimension_numbers"])
    return kw


@pytest.mark.parametrize("i", range(len(META)))
def test_conv_against_jax(i):
    kw = _kwargs(META[i])
    lhs, rhs, ct = FIXTURE[f"{i}_lhs"], FIXTURE[f"{i}_rhs"], FIXTURE[f"{i}_ct"]
    f = lambda a, b: lax.conv_general_dilated(a, b, **kw)  # noqa: E731
    assert_same_as_numpy(f(lhs, rhs), FIXTURE[f"{i}_out"], rtol=1e-10, atol=1e-12)
    out, pullback = fungrad.vjp(f, lhs, rhs)
    g_lhs, g_rhs = pullback(ct)
    np.testing.assert_allclose(g_lhs, FIXTURE[f"{i}_g_lhs"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_rhs, FIXTURE[f"{i}_g_rhs"], rtol=1e-10, atol=1e-12)
    assert_same_as_numpy(fungrad.jit(f)(lhs, rhs), FIXTURE[f"{i}_out"], rtol=1e-10,
                         atol=1e-12)


# a few cases for second-order derivatives (each check traces its rules twice over)
SECOND_ORDER = [0, 4, 6, 7, 9, 11]


@pytest.mark.parametrize("i", SECOND_ORDER)
def test_conv_second_order(i):
    kw = _kwargs(META[i])
    lhs, rhs = FIXTURE[f"{i}_lhs"][:2], FIXTURE[f"{i}_rhs"]
    if kw.get("batch_group_count", 1) > 1:
        lhs = FIXTURE[f"{i}_lhs"]
    assert_derivatives(lambda a, b: lax.conv_general_dilated(a, b, **kw), (lhs, rhs))


def test_conv_float32_stays_float32():
    x, w = rand((2, 3, 5, 5), np.float32), rand((4, 3, 3, 3), np.float32, seed=1)
    out = lax.conv(x, w, (1, 1), "SAME")
    assert out.dtype == np.float32 and out.shape == (2, 4, 5, 5)
    ref = lax.conv(x.astype(np.float64), w.astype(np.float64), (1, 1), "SAME")
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    g = fungrad.grad(lambda w: fungrad.numpy.sum(lax.conv(x, w, (1, 1), "SAME") ** 2))(w)
    assert g.dtype == np.float32
    assert lax.conv(x, w, (1, 1), "SAME", preferred_element_type=np.float64).dtype == \
        np.float64


def test_conv_integer_and_size_zero():
    x, w = np.arange(12).reshape(1, 2, 6), np.ones((1, 2, 2), np.int64)
    out = lax.conv(x, w, (1,), "VALID")
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out[0, 0], x[0, 0, :-1] + x[0, 0, 1:] + x[0, 1, :-1]
                                  + x[0, 1, 1:])
    empty = lax.conv(np.ones((0, 2, 6)), np.ones((3, 2, 2)), (1,), "VALID")
    assert empty.shape == (0, 3, 5)
    short = lax.conv(np.ones((1, 2, 2)), np.ones((3, 2, 3)), (1,), "VALID")
    assert short.shape == (1, 3, 0)
    g = fungrad.grad(lambda w: fungrad.numpy.sum(lax.conv(np.ones((0, 2, 6)), w, (1,),
                                                          "VALID")))(np.ones((3, 2, 2)))
    np.testing.assert_array_equal(g, np.zeros((3, 2, 2)))


def test_conv_wrappers():
    x, w = rand((2, 3, 6, 5)), rand((4, 3, 3, 2), seed=1)
    full = lax.conv_general_dilated(x, w, (1, 2), "SAME")
    assert_same_as_numpy(lax.conv(x, w, (1, 2), "SAME"), full)
    assert_same_as_numpy(
        lax.conv_with_general_padding(x, w, (1, 1), [(1, 0), (0, 2)], (1, 1), (2, 1)),
        lax.conv_general_dilated(x, w, (1, 1), [(1, 0), (0, 2)], rhs_dilation=(2, 1)))
    dn = lax.conv_dimension_numbers(x.shape, w.shape, ("NCHW", "OIHW", "NCHW"))
    assert dn == lax.ConvDimensionNumbers((0, 1, 2, 3), (0, 1, 2, 3), (0, 1, 2, 3))
    assert_same_as_numpy(lax.conv_general_dilated(x, w, (1, 2), "SAME",
                                                  dimension_numbers=dn), full)


TRANSPOSE_META = json.loads(str(FIXTURE["transpose_meta"]))


@pytest.mark.parametrize("i", range(len(TRANSPOSE_META)))
def test_conv_transpose_against_jax(i):
    kw = _kwargs(TRANSPOSE_META[i])
    lhs, rhs = FIXTURE[f"t{i}_lhs"], FIXTURE[f"t{i}_rhs"]
    assert_same_as_numpy(lax.conv_transpose(lhs, rhs, **kw), FIXTURE[f"t{i}_out"],
                         rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("padding", ["SAME", "VALID", ((1, 2), (0, 1))])
def test_conv_transpose_is_the_gradient(padding):
    """With transpose_kernel and consistent padding, conv_transpose is the forward
    convolution's input gradient (sizes that round-trip through the strides)."""
    dn = ("NHWC", "HWIO", "NHWC")
    x, w = rand((2, 8, 9, 3)), rand((3, 2, 3, 4), seed=1)
    strides = (2, 3) if padding == "SAME" else (1, 1)
    fwd = lambda x: lax.conv_general_dilated(x, w, strides, padding,  # noqa: E731
                                             dimension_numbers=dn)
    y, pullback = fungrad.vjp(fwd, x)
    g = rand(y.shape, seed=2)
    out = lax.conv_transpose(g, w, strides, padding, dimension_numbers=dn,
                             transpose_kernel=True, use_consistent_padding=True)
    np.testing.assert_allclose(out, pullback(g)[0], rtol=1e-10)


def test_conv_transpose_default_layout_matches_dilated_conv():
    x, w = rand((2, 4, 3)), rand((3, 3, 5), seed=1)  # NHC, HIO
    out = lax.conv_transpose(x, w, (2,), "SAME")
    assert out.shape == (2, 8, 5)
    ref = lax.conv_general_dilated(x, w, (1,), [(2, 1)], lhs_dilation=(2,),
                                   dimension_numbers=("NHC", "HIO", "NHC"))
    assert_same_as_numpy(out, ref)
    assert_derivatives(lambda x, w: lax.conv_transpose(x, w, (2,), "VALID"), (x, w))


def test_conv_vmap():
    xs, ws = rand((3, 2, 2, 5)), rand((3, 4, 2, 2), seed=1)
    f = lambda x, w: lax.conv(x, w, (1,), "SAME")  # noqa: E731
    for in_axes in [(0, 0), (0, None), (None, 0)]:
        got = fungrad.vmap(f, in_axes=in_axes)(xs if in_axes[0] == 0 else xs[0],
                                               ws if in_axes[1] == 0 else ws[0])
        expected = np.stack([f(xs[i] if in_axes[0] == 0 else xs[0],
                               ws[i] if in_axes[1] == 0 else ws[0]) for i in range(3)])
        assert_same_as_numpy(got, expected)
    # grouped: the loop fallback, still right
    xg, wg = rand((3, 1, 4, 5)), rand((3, 4, 2, 2), seed=1)
    g = lambda x, w: lax.conv_general_dilated(x, w, (1,), "VALID",  # noqa: E731
                                              feature_group_count=2)
    assert_same_as_numpy(fungrad.vmap(g)(xg, wg), np.stack([g(xg[i], wg[i]) for i in range(3)]))
    # per-example gradients of a convolution
    per_example = fungrad.vmap(fungrad.grad(lambda w, x: fungrad.numpy.sum(f(x, w) ** 2)),
                               in_axes=(None, 0))(ws[0], xs)
    expected = np.stack([fungrad.grad(lambda w: fungrad.numpy.sum(f(xs[i], w) ** 2))(
        ws[0]) for i in range(3)])
    np.testing.assert_allclose(per_example, expected, rtol=1e-12)


def test_conv_bad_input():
    x, w = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3))
    with pytest.raises(ValueError, match="conv_general_dilated.*feature"):
        lax.conv(np.ones((1, 4, 5, 5)), w, (1, 1), "SAME")
    with pytest.raises(ValueError, match="window_strides must have 2"):
        lax.conv(x, w, (1,), "SAME")
    with pytest.raises(ValueError, match="padding must be"):
        lax.conv(x, w, (1, 1), "FULL")
    with pytest.raises(ValueError, match="padding must have 2"):
        lax.conv_general_dilated(x, w, (1, 1), [(1, 1)])
    with pytest.raises(ValueError, match="positive"):
        lax.conv(x, w, (0, 1), "SAME")
    with pytest.raises(TypeError, match="same rank"):
        lax.conv(x, np.ones((3, 2, 3)), (1, 1), "SAME")
    with pytest.raises(TypeError, match="layout"):
        lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                 dimension_numbers=("NCHW", "OIHW", "NCHX"))
    with pytest.raises(ValueError, match="transposed convolution"):
        lax.conv_general_dilated(x, w, (1, 1), "SAME", lhs_dilation=(2, 1))
    with pytest.raises(ValueError, match="batch_group_count"):
        lax.conv_general_dilated(np.ones((3, 2, 5)), np.ones((4, 2, 2)), (1,), "SAME",
                                 batch_group_count=2)
    with pytest.raises(TypeError, match="numeric"):
        lax.conv(x.astype(bool), w, (1, 1), "SAME")
    with pytest.raises(ValueError, match="precision"):
        lax.conv(x, w, (1, 1), "SAME", precision="fast please")
    assert lax.conv(x, w, (1, 1), "SAME", precision=lax.Precision.HIGHEST).shape == \
        (1, 3, 5, 5)


def test_patches_and_shape_helpers():
    x = rand((2, 3, 5, 4))
    patches = lax.conv_general_dilated_patches(x, (2, 3), (1, 1), "VALID")
    assert patches.shape == (2, 3 * 6, 4, 2)
    # feature c * 6 + k is channel c at window position k (row-major), as in JAX
    np.testing.assert_allclose(patches[:, 1 * 6 + 1 * 3 + 2], x[:, 1, 1:5, 2:4], rtol=1e-15)
    w = rand((4, 3, 2, 3), seed=1)
    direct = lax.conv(x, w, (1, 1), "VALID")
    via = np.einsum("nfhw,of->nohw", patches, w.reshape(4, 18))
    np.testing.assert_allclose(via, direct, rtol=1e-12)
    assert_derivatives(lambda x: lax.conv_general_dilated_patches(x, (2, 2), (2, 1), "SAME"),
                       (x[:1],))
    assert lax.conv_general_permutations(("NHWC", "HWIO", "NHWC")) == \
        ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    assert lax.conv_general_shape_tuple((1, 5, 5, 3), (3, 3, 3, 8), (2, 2), "SAME",
                                        ("NHWC", "HWIO", "NHWC")) == (1, 3, 3, 8)
    assert lax.conv_shape_tuple((2, 3, 8, 8), (4, 3, 3, 3), (2, 2), [(1, 1), (1, 1)]) == \
        (2, 4, 4, 4)


def test_conv_jit_of_gradients_and_hessian_vector_products():
    x, w = rand((2, 3, 6, 5)), rand((4, 3, 3, 3), seed=1)
    loss = lambda w, x: fungrad.numpy.sum(  # noqa: E731
        fungrad.numpy.tanh(lax.conv_general_dilated(x, w, (2, 1), "SAME")) ** 2)
    g = fungrad.grad(loss)(w, x)
    assert_same_as_numpy(fungrad.jit(fungrad.grad(loss))(w, x), g, rtol=1e-12)
    v = rand(w.shape, seed=2)
    hvp = lambda w: fungrad.jvp(lambda w: fungrad.grad(loss)(w, x), (w,), (v,))[1]  # noqa
    eps = 1e-5
    fd = (fungrad.grad(loss)(w + eps * v, x) - fungrad.grad(loss)(w - eps * v, x)) / (2 * eps)
    np.testing.assert_allclose(fungrad.jit(hvp)(w), fd, rtol=1e-6, atol=1e-8)
    # vmap with both operands batched and feature groups: the per-example loop, still right
    xs, ws = rand((2, 1, 4, 5)), rand((2, 4, 2, 3), seed=3)
    f = lambda x, w: lax.conv_general_dilated(x, w, (1,), "SAME",  # noqa: E731
                                              feature_group_count=2)
    assert_same_as_numpy(fungrad.vmap(f)(xs, ws), np.stack([f(xs[i], ws[i]) for i in range(2)]))


def test_errors_leave_the_next_call_working():
    f = fungrad.jit(lambda x, w: lax.conv(x, w, (1,), "SAME"))
    with pytest.raises(ValueError, match="conv_general_dilated"):
        f(np.ones((1, 3, 5)), np.ones((2, 2, 3)))
    assert f(np.ones((1, 2, 5)), np.ones((2, 2, 3))).shape == (1, 2, 5)
    g = fungrad.grad(lambda w: fungrad.numpy.sum(lax.reduce_window_max(
        lax.conv(np.ones((1, 2, 5)), w, (1,), "SAME"), (1, 1, 2), (1, 1, 2))))
    with pytest.raises(ValueError, match="reduce_window"):
        fungrad.grad(lambda w: fungrad.numpy.sum(lax.reduce_window_max(w, (2,))))(np.ones((2, 2, 3)))
    assert g(np.ones((2, 2, 3))).shape == (2, 2, 3)


def test_conv_transpose_shape_tuple():
    dn = ("NHWC", "HWIO", "NHWC")
    # recorded from jax 0.10.2
    assert lax.conv_transpose_shape_tuple((1, 4, 4, 3), (3, 3, 3, 8), (2, 2), "SAME", dn) == \
        (1, 8, 8, 8)
    assert lax.conv_transpose_shape_tuple((2, 5, 4, 3), (3, 2, 3, 8), (2, 3), "VALID", dn) == \
        (2, 11, 12, 8)
    assert lax.conv_transpose_shape_tuple((2, 5, 4, 3), (3, 2, 3, 8), (2, 3),
                                          ((1, 2), (0, 1)), dn) == (2, 10, 10, 8)
    x, w = rand((2, 5, 4, 3)), rand((3, 2, 3, 8), seed=1)
    assert lax.conv_transpose(x, w, (2, 3), "VALID", dimension_numbers=dn).shape == \
        (2, 11, 12, 8)


def test_conv_general_dilated_local_against_jax():
    x, w = FIXTURE["local_x"], FIXTURE["local_w"]
    f = lambda x, w: lax.conv_general_dilated_local(  # noqa: E731
        x, w, (2, 2), "SAME", (2, 2), dimension_numbers=("NHWC", "HWIO", "NHWC"))
    assert_same_as_numpy(f(x, w), FIXTURE["local_out"], rtol=1e-10, atol=1e-12)
    gx, gw = fungrad.vjp(f, x, w)[1](FIXTURE["local_ct"])
    np.testing.assert_allclose(gx, FIXTURE["local_gx"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gw, FIXTURE["local_gw"], rtol=1e-10, atol=1e-12)
    assert_derivatives(f, (x[:1], w))
    assert_same_as_numpy(fungrad.jit(f)(x, w), FIXTURE["local_out"], rtol=1e-10, atol=1e-12)


def test_vmap_over_no_examples():
    w = np.ones((3, 2, 2))
    out = fungrad.vmap(lambda x: lax.conv(x, w, (1,), "SAME"))(np.ones((0, 1, 2, 5)))
    assert out.shape == (0, 1, 3, 5)
    pooled = fungrad.vmap(lambda x: lax.reduce_window_max(x, (2,), (2,)))(np.ones((0, 4)))
    assert pooled.shape == (0, 2)


# ---------------------------------------------------------------------------------------------
# The planned im2col (ungrouped convolutions) against the general path, on the same inputs
# ---------------------------------------------------------------------------------------------

PLAN_CASES = [
    # (lhs shape, rhs shape, layouts, strides, padding, lhs dilation, rhs dilation)
    ((2, 3, 7, 6), (4, 3, 3, 2), None, (1, 1), ((1, 1), (0, 1)), (1, 1), (1, 1)),
    ((2, 7, 6, 3), (3, 2, 3, 4), ("NHWC", "HWIO", "NHWC"), (2, 1), ((1, 1), (1, 0)), (1, 1),
     (1, 2)),
    ((3, 6, 2, 3), (2, 3, 2, 4), ("HWNC", "OIHW", "CNHW"), (1, 2), ((0, 0), (2, 1)),
     (2, 1), (1, 1)),
    ((2, 3, 9), (5, 3, 2), ("NCH", "OIH", "NHC"), (3,), ((-1, 2),), (1,), (2,)),
    ((1, 2, 4, 3, 5), (3, 2, 2, 1, 2), None, (1, 1, 2), ((1, 0), (0, 0), (1, 1)), (1, 2, 1),
     (1, 1, 1)),
    ((4, 1, 1, 2), (3, 2, 1, 1), ("NHWC", "OIHW", "NHWC"), (1, 1), ((0, 0), (0, 0)), (1, 1),
     (1, 1)),
]


def _plan_case(case, dtype):
    """(params, lhs, rhs) of an ungrouped convolution ``case`` of PLAN_CASES' form."""
    lhs_shape, rhs_shape, layouts, strides, padding, lhs_dil, rhs_dil = case
    dn = lax.conv_dimension_numbers(lhs_shape, rhs_shape, layouts)
    params = dict(window_strides=strides, padding=padding, lhs_dilation=lhs_dil,
                  rhs_dilation=rhs_dil, dimension_numbers=dn, feature_group_count=1,
                  batch_group_count=1)
    lhs, rhs = rand(lhs_shape) * 3, rand(rhs_shape, seed=1) * 3
    return params, lhs.astype(dtype), rhs.astype(dtype)


@pytest.mark.parametrize("case", range(len(PLAN_CASES)))
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.complex128])
def test_planned_im2col_matches_the_general_path(case, dtype):
    from fungrad.prims.conv import _conv_general, _conv_impl, im2col_plan
    params, lhs, rhs = _plan_case(PLAN_CASES[case], dtype)
    lhs_shape, _, _, strides, padding, lhs_dil, rhs_dil = PLAN_CASES[case]
    dn = params["dimension_numbers"]
    if dtype == np.complex128:
        lhs = lhs + 1j * rand(lhs_shape, seed=2)
    assert im2col_plan(lhs.shape, rhs.shape, lhs.dtype, rhs.dtype, **params) is not None
    expected = _conv_general(lhs, rhs, **params)
    # float32 sums in another order: cancellation needs an absolute tolerance
    tol = dict(atol=1e-5 * float(np.abs(expected).max())) if dtype == np.float32 else {}
    # contiguous operands, transposed views and flipped views: the plan reads any strides
    for a, b in [(lhs, rhs), (np.asfortranarray(lhs), rhs[::-1]), (lhs, np.asfortranarray(rhs))]:
        ref = expected if b is rhs or b.base is not rhs else _conv_general(a, b, **params)
        assert_same_as_numpy(_conv_impl(a, b, **params), ref, **tol)
    jitted = fungrad.jit(lambda a, b: lax.conv_general_dilated(a, b, strides, padding, lhs_dil,
                                                               rhs_dil, dimension_numbers=dn))
    assert_same_as_numpy(jitted(lhs, rhs), expected, **tol)
    # jit calls the plan made when compiling (``_conv3(a, b)``), not the primitive's impl
    assert re.search(r"= _conv\d+\(", jitted.sources()[0])


def test_planned_im2col_dtypes_derivatives_and_errors():
    from fungrad.prims.conv import _conv_general, im2col_plan
    x32, w32 = rand((2, 6, 5, 3), np.float32), rand((3, 3, 3, 4), np.float32, seed=1)
    dn = ("NHWC", "HWIO", "NHWC")
    f = lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "SAME",  # noqa: E731
                                              dimension_numbers=dn)
    out = f(x32, w32)
    assert out.dtype == np.float32
    # mixed operands and preferred_element_type: the general path's dtype and values
    params = dict(window_strides=(1, 1), padding=((1, 1), (1, 1)), lhs_dilation=(1, 1),
                  rhs_dilation=(1, 1), dimension_numbers=lax.conv_dimension_numbers(
                      x32.shape, w32.shape, dn), feature_group_count=1, batch_group_count=1)
    for lhs, rhs, pet in [(x32, w32.astype(np.float64), None), (x32, w32, np.float64),
                          (x32.astype(np.int32), w32.astype(np.int32), None)]:
        plan = im2col_plan(lhs.shape, rhs.shape, lhs.dtype, rhs.dtype,
                           **dict(params, preferred_element_type=pet))
        assert_same_as_numpy(plan(lhs, rhs), _conv_general(lhs, rhs, **dict(
            params, preferred_element_type=pet)))
    # gradients of every order run the planned path in each of its layouts
    x, w = rand((2, 5, 4, 3)), rand((3, 2, 3, 2), seed=2)
    g = lambda x, w: lax.conv_general_dilated(x, w, (2, 1), [(1, 2), (0, 1)],  # noqa: E731
                                              rhs_dilation=(1, 2), dimension_numbers=dn)
    assert_derivatives(g, (x, w))
    gx, gw = fungrad.jit(fungrad.grad(lambda x, w: fungrad.numpy.sum(g(x, w) ** 2),
                                      argnums=(0, 1)))(x, w)
    ex, ew_ = fungrad.grad(lambda x, w: fungrad.numpy.sum(g(x, w) ** 2), argnums=(0, 1))(x, w)
    assert_same_as_numpy(gx, ex)
    assert_same_as_numpy(gw, ew_)
    assert_same_as_numpy(fungrad.vmap(g, in_axes=(0, None))(np.stack([x, 2 * x]), w),
                         np.stack([g(x, w), g(2 * x, w)]))
    # the plan raises the shape rule's errors (and is not made for a bad call)
    with pytest.raises(ValueError, match="conv_general_dilated.*feature size"):
        im2col_plan((2, 6, 5, 2), w32.shape, x32.dtype, w32.dtype, **params)
    assert im2col_plan((2, 6, 5, 3), w32.shape, x32.dtype, w32.dtype,
                       **dict(params, feature_group_count=3)) is None
    assert_same_as_numpy(f(x32, w32), out)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128, np.int64])
def test_planned_kernel_gradient_sums_one_product_per_feature(dtype):
    """The kernel's gradient of an NCHW convolution (batch and features exchanged, the output
    cotangent as the kernel): one product per input feature, summed -- against the general
    path."""
    from fungrad.prims.conv import _conv_general, im2col_plan
    x = (rand((24, 2, 9, 9)) * 3).astype(dtype)      # the forward input: N=24, C=2
    g = (rand((24, 3, 9, 9), seed=1) * 3).astype(dtype)  # the output cotangent: O=3
    params = dict(window_strides=(1, 1), padding=((1, 1), (1, 1)), lhs_dilation=(1, 1),
                  rhs_dilation=(1, 1), feature_group_count=1, batch_group_count=1,
                  dimension_numbers=lax.ConvDimensionNumbers((1, 0, 2, 3), (1, 0, 2, 3),
                                                             (1, 0, 2, 3)))
    plan = im2col_plan(x.shape, g.shape, x.dtype, g.dtype, **params)
    assert plan.layout[0] == "split"
    expected = _conv_general(x, g, **params)
    assert expected.shape == (3, 2, 3, 3)
    tol = dict(atol=1e-5 * float(np.abs(expected).max())) if dtype == np.float32 else {}
    assert_same_as_numpy(plan(x, g), expected, **tol)
    assert_same_as_numpy(plan(x[:, :, ::-1], np.asfortranarray(g)),
                         _conv_general(x[:, :, ::-1], np.asfortranarray(g), **params), **tol)


@pytest.fixture
def products_by_row(monkeypatch):
    """Plans made while this fixture is active multiply every image (or, in a kernel's
    gradient, every feature) from its own in-cache patch buffer, however small."""
    from fungrad.prims import conv
    monkeypatch.setattr(conv, "ROW_IN_CACHE", 1)
    conv.im2col_plan.cache_clear()
    yield
    conv.im2col_plan.cache_clear()


@pytest.fixture
def whole_rows(products_by_row, monkeypatch):
    """As ``products_by_row``, and each image's patches read whole input rows wherever those
    are at most 1.25x as wide as the output's rows (small images pad relatively more)."""
    from fungrad.prims import conv
    monkeypatch.setattr(conv, "ROW_PITCH_SLACK", 1.25)
    conv.im2col_plan.cache_clear()
    yield
    conv.im2col_plan.cache_clear()


BY_ROW_CASES = [  # layouts planned as one product per image
    ((3, 2, 12, 12), (4, 2, 3, 3), None, (1, 1), ((1, 1), (1, 1)), (1, 1), (1, 1)),
    ((2, 3, 20, 16), (4, 3, 3, 2), None, (2, 1), ((1, 0), (0, 1)), (1, 1), (1, 2)),
    ((2, 3, 12, 10), (4, 3, 2, 2), None, (1, 1), ((1, 1), (0, 1)), (2, 1), (1, 1)),
    ((2, 2, 6, 8, 7), (4, 2, 2, 2, 2), None, (1, 1, 1), ((0, 0), (1, 1), (0, 1)), (1, 1, 1),
     (1, 1, 1)),
    ((2, 3, 14, 13), (5, 3, 3, 3), None, (1, 1), ((-1, 1), (1, 1)), (1, 1), (1, 1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.complex128])
def test_products_by_row_match_the_general_path(products_by_row, dtype):
    from fungrad.prims.conv import _conv_general, im2col_plan
    rows = 0
    for case in BY_ROW_CASES:
        params, lhs, rhs = _plan_case(case, dtype)
        plan = im2col_plan(lhs.shape, rhs.shape, lhs.dtype, rhs.dtype, **params)
        rows += plan.by_row
        for a, b in [(lhs, rhs), (lhs, rhs[::-1, ::-1])]:  # a reversed kernel too
            expected = _conv_general(a, b, **params)
            tol = dict(atol=1e-5 * float(np.abs(expected).max())) if dtype == np.float32 \
                else {}
            out = plan(a, b)
            assert out.dtype == expected.dtype
            assert_same_as_numpy(out, expected, **tol)
    assert rows == len(BY_ROW_CASES)


def test_products_by_row_under_transforms(products_by_row):
    """A NCHW layer whose forward, input cotangent and kernel cotangent (the per-feature
    sum) all run by row: values and derivatives against the general path's, jit and vmap."""
    from fungrad.prims.conv import _conv_general, im2col_plan
    x, w = rand((3, 2, 12, 12)), rand((4, 2, 3, 3), seed=1)
    f = lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "SAME")  # noqa: E731
    params = dict(window_strides=(1, 1), padding=((1, 1), (1, 1)), lhs_dilation=(1, 1),
                  rhs_dilation=(1, 1), dimension_numbers=lax.conv_dimension_numbers(
                      x.shape, w.shape, None), feature_group_count=1, batch_group_count=1)
    assert im2col_plan(x.shape, w.shape, x.dtype, w.dtype, **params).by_row
    kernel_grad = im2col_plan(x.shape, (3, 4, 12, 12), x.dtype, x.dtype, **dict(
        params, dimension_numbers=lax.ConvDimensionNumbers((1, 0, 2, 3), (1, 0, 2, 3),
                                                           (1, 0, 2, 3))))
    assert kernel_grad.layout[0] == "split" and kernel_grad.by_row
    assert_same_as_numpy(fungrad.jit(f)(x, w), _conv_general(x, w, **params))
    assert_derivatives(f, (x[:1, :, :5, :6], w))
    loss = lambda x, w: fungrad.numpy.sum(f(x, w) ** 2)  # noqa: E731
    gx, gw = fungrad.jit(fungrad.grad(loss, argnums=(0, 1)))(x, w)
    # the kernel's gradient as numpy's correlation sum: 2 y[n,o,h,w] x_pad[n,c,i+h,j+w]
    y = _conv_general(x, w, **params)
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (12, 12), axis=(2, 3))
    assert_same_as_numpy(gw, np.einsum("nohw,ncijhw->ocij", 2 * y, windows))
    # and the input's: 2 y convolved with the flipped, transposed kernel
    flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    assert_same_as_numpy(gx, _conv_general(2 * y, flipped, **params))
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    assert fungrad.jit(f)(x32, w32).dtype == np.float32
    assert fungrad.jit(fungrad.grad(loss, argnums=1))(x32, w32).dtype == np.float32
    assert_same_as_numpy(fungrad.vmap(f, in_axes=(0, None))(np.stack([x, -x]), w),
                         np.stack([f(x, w), f(-x, w)]))


# ---------------------------------------------------------------------------------------------
# A convolution's result is a fresh array: under jit the bias add writes over it
# ---------------------------------------------------------------------------------------------

FRESH_CASES = PLAN_CASES + [  # and the general path: feature and batch groups, sizes 0
    ((2, 4, 7, 6), (6, 2, 3, 2), None, (1, 1), ((1, 1), (0, 1)), (1, 1), (1, 1)),
    ((0, 3, 5, 5), (4, 3, 3, 3), None, (1, 1), ((1, 1), (1, 1)), (1, 1), (1, 1)),
    ((2, 3, 2, 2), (4, 3, 3, 3), None, (1, 1), ((0, 0), (0, 0)), (1, 1), (1, 1)),
]


@pytest.mark.parametrize("case", range(len(FRESH_CASES)))
def test_conv_results_share_no_memory_with_their_operands(case):
    """What ``conv_general_dilated_p.fresh_result`` promises jit: every path (planned, by
    row, grouped, empty) returns a new writeable array, never a view of an operand."""
    from fungrad.prims.conv import _conv_impl
    params, lhs, rhs = _plan_case(FRESH_CASES[case], np.float64)
    if case == len(PLAN_CASES):
        params = dict(params, feature_group_count=2)
    for a, b in [(lhs, rhs), (np.asfortranarray(lhs), rhs[::-1])]:
        out = _conv_impl(a, b, **params)
        assert out.flags.writeable
        assert not np.shares_memory(out, a) and not np.shares_memory(out, b)
        assert not np.shares_memory(_conv_impl(a, b, **params), out)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128, np.int64])
@pytest.mark.parametrize("layout", ["NCHW", "NHWC", "grouped"])
def test_jit_bias_add_writes_over_the_conv_result(dtype, layout):
    dn = ("NHWC", "HWIO", "NHWC") if layout == "NHWC" else None
    groups = 2 if layout == "grouped" else 1
    x = rand((3, 10, 9, 4) if layout == "NHWC" else (3, 4, 10, 9)) * 3
    w = rand((3, 3, 4, 6) if layout == "NHWC" else (6, 4 // groups, 3, 3), seed=1) * 3
    b = rand((6,), seed=2) * 3
    x, w, b = x.astype(dtype), w.astype(dtype), b.astype(dtype)
    bias = b if layout == "NHWC" else b[:, None, None]

    def layer(x, w, b):
        y = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=dn,
                                     feature_group_count=groups)
        return y + (b if layout == "NHWC" else b[:, None, None])

    def kept(x, w, b):  # the conv's result is an output too: never written over
        y = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=dn,
                                     feature_group_count=groups)
        return y, y + (b if layout == "NHWC" else b[:, None, None])

    jitted, jitted_kept = fungrad.jit(layer), fungrad.jit(kept)
    x0, w0, b0 = x.copy(), w.copy(), b.copy()
    conv = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=dn,
                                    feature_group_count=groups)
    expected = conv + bias
    tol = dict(atol=1e-5 * float(np.abs(expected).max())) if dtype == np.float32 else {}
    assert_same_as_numpy(jitted(x, w, b), expected, **tol)
    assert re.search(r"= _add\((\w+), \w+, out=\1\)", jitted.sources()[0])
    y, z = jitted_kept(x, w, b)
    assert "out=" not in jitted_kept.sources()[0]
    assert_same_as_numpy(y, conv, **tol)
    assert_same_as_numpy(z, expected, **tol)
    for before, after in [(x0, x), (w0, w), (b0, b)]:  # the operands are left alone
        np.testing.assert_array_equal(before, after)
    assert_same_as_numpy(jitted(x, w, b), expected, **tol)  # and the next call agrees
    if dtype == np.float64:  # the value_and_grad of a loss over it, against eager
        loss = lambda w, b: fungrad.numpy.mean(layer(x, w, b) ** 2)  # noqa: E731
        fast = fungrad.jit(fungrad.value_and_grad(loss, argnums=(0, 1)))(w, b)
        slow = fungrad.value_and_grad(loss, argnums=(0, 1))(w, b)
        for a, e in zip(fungrad.tree_util.tree_leaves(fast), fungrad.tree_util.tree_leaves(slow)):
            assert_same_as_numpy(a, e)


# ---------------------------------------------------------------------------------------------
# Whole input rows: the output's rows read as one run over the padded input's rows
# ---------------------------------------------------------------------------------------------

PITCH_CASES = [  # (case, whether the plan reads whole rows)
    (((2, 3, 12, 10), (4, 3, 3, 3), None, (1, 1), ((1, 1), (1, 1)), (1, 1), (1, 1)), True),
    (((2, 3, 9, 12), (4, 3, 2, 3), None, (1, 1), ((0, 0), (0, 0)), (1, 1), (1, 1)), True),
    (((2, 3, 14, 13), (5, 3, 3, 3), None, (1, 1), ((-1, 1), (1, 1)), (1, 1), (1, 1)), True),
    (((2, 3, 7, 10), (4, 3, 2, 3), None, (1, 1), ((1, 0), (1, 1)), (2, 1), (2, 1)), True),
    (((2, 3, 12, 10), (4, 3, 3, 3), None, (1, 2), ((1, 1), (1, 1)), (1, 1), (1, 1)), True),
    (((2, 3, 12, 10), (4, 3, 3, 3), None, (2, 1), ((1, 1), (1, 1)), (1, 1), (1, 1)), False),
    (((2, 3, 12, 10), (4, 3, 3, 3), None, (1, 1), ((1, 1), (1, 1)), (1, 1), (1, 2)), False),
    (((2, 12, 10, 3), (3, 3, 3, 4), ("NHWC", "HWIO", "NHWC"), (1, 1), ((1, 1), (1, 1)),
      (1, 1), (1, 1)), False),
    (((2, 3, 12), (4, 3, 3), None, (1,), ((1, 1),), (1,), (1,)), False),
]


def _pitch_operands(lhs, rhs):
    """The operands as given, then with other strides: Fortran order (no whole rows to read
    when nothing is padded), a row-sliced view of a wider array, a reversed kernel."""
    wider = np.zeros(lhs.shape[:-1] + (lhs.shape[-1] + 3,), lhs.dtype)
    wider[..., 1:-2] = lhs
    return [(lhs, rhs), (np.asfortranarray(lhs), rhs), (wider[..., 1:-2], rhs[:, ::-1])]


@pytest.mark.parametrize("by_row", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.complex128])
def test_whole_row_patches_match_the_general_path(request, by_row, dtype):
    from fungrad.prims.conv import _conv_general, im2col_plan
    if by_row:
        request.getfixturevalue("whole_rows")
    for case, reads_rows in PITCH_CASES:
        params, lhs, rhs = _plan_case(case, dtype)
        if dtype == np.complex128:
            lhs = lhs + 1j * rand(lhs.shape, seed=3)
        plan = im2col_plan(lhs.shape, rhs.shape, lhs.dtype, rhs.dtype, **params)
        # only an image's own product reads whole rows (these small ones are one product)
        assert (plan.pitch is not None) == (reads_rows and by_row), case
        for a, b in _pitch_operands(lhs, rhs):
            expected = _conv_general(a, b, **params)
            tol = dict(atol=1e-5 * float(np.abs(expected).max())) if dtype == np.float32 \
                else {}
            out = plan(a, b)
            assert out.dtype == expected.dtype and out.shape == expected.shape
            assert_same_as_numpy(out, expected, **tol)
            assert not np.shares_memory(out, a) and out.flags.writeable
            if plan.pitch is not None:  # the dropped columns leave no gaps behind
                assert out.flags.c_contiguous


def test_whole_row_patches_under_transforms(whole_rows):
    """The 28x28 SAME layer's plan reads whole rows; its jit, derivatives (whose input
    cotangent reads whole rows too) and vmap agree with the general path and with eager."""
    from fungrad.prims.conv import _conv_general, im2col_plan
    params = dict(window_strides=(1, 1), padding=((1, 1), (1, 1)), lhs_dilation=(1, 1),
                  rhs_dilation=(1, 1), dimension_numbers=lax.conv_dimension_numbers(
                      (4, 16, 28, 28), (32, 16, 3, 3), None), feature_group_count=1,
                  batch_group_count=1)
    layer = im2col_plan((4, 16, 28, 28), (32, 16, 3, 3), np.dtype(np.float32),
                        np.dtype(np.float32), **params)
    assert layer.pitch == 30 and layer.by_row
    x, w = rand((4, 16, 28, 28), np.float32), rand((32, 16, 3, 3), np.float32, seed=1)
    f = lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "SAME")  # noqa: E731
    expected = _conv_general(x, w, **params)
    assert_same_as_numpy(fungrad.jit(f)(x, w), expected, atol=1e-5 * np.abs(expected).max())
    xs, ws = rand((2, 2, 6, 8)), rand((3, 2, 3, 3), seed=2)
    assert im2col_plan(xs.shape, ws.shape, xs.dtype, ws.dtype, **dict(
        params, dimension_numbers=lax.conv_dimension_numbers(xs.shape, ws.shape, None))).pitch
    assert_derivatives(f, (xs, ws))
    loss = lambda x, w: fungrad.numpy.sum(f(x, w) ** 2)  # noqa: E731
    for fast, slow in zip(fungrad.jit(fungrad.grad(loss, argnums=(0, 1)))(xs, ws),
                          fungrad.grad(loss, argnums=(0, 1))(xs, ws)):
        assert_same_as_numpy(fast, slow)
    assert_same_as_numpy(fungrad.vmap(f, in_axes=(0, None))(np.stack([xs, -xs]), ws),
                         np.stack([f(xs, ws), f(-xs, ws)]))


def test_whole_rows_by_default_only_where_little_is_padded():
    """Unpatched constants: the 28x28 SAME layer (rows padded 28 -> 30) reads whole rows,
    the 14x14 one (14 -> 16, measured slower) copies its rows one by one."""
    from fungrad.prims.conv import im2col_plan
    for size, pitch in [(28, 30), (14, None)]:
        shape = (32, 16, size, size)
        plan = im2col_plan(shape, (32, 16, 3, 3), np.dtype(np.float32), np.dtype(np.float32),
                           window_strides=(1, 1), padding=((1, 1), (1, 1)),
                           lhs_dilation=(1, 1), rhs_dilation=(1, 1),
                           dimension_numbers=lax.conv_dimension_numbers(shape, (32, 16, 3, 3),
                                                                        None),
                           feature_group_count=1, batch_group_count=1)
        assert plan.by_row and plan.pitch == pitch
