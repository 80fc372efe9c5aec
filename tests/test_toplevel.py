"""The top-level ``jax`` namespace: jax.ops, jax.image, jax.dtypes, jax.typing, the config
flags as functions, pmap on one device, process information, lazy submodules.

Values are JAX's, recorded by ``tests/fixtures/make_toplevel.py``, or numpy's; derivatives
are checked against finite differences in both modes to second order.
"""
import json
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from fungrad import dtypes, image, ops
from fixtures.make_toplevel import SEGMENT_DATA, SEGMENT_IDS, image_input
from tests.helpers import assert_derivatives, assert_same_as_numpy, rand

ROOT = pathlib.Path(__file__).resolve().parents[1]
JAX = json.loads((ROOT / "tests" / "fixtures" / "toplevel.json").read_text())


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd=str(ROOT))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# ----------------------------------------------------------------------------- jax.ops

SEGMENT_FNS = {"segment_sum": (ops.segment_sum, np.add, 0.0),
               "segment_prod": (ops.segment_prod, np.multiply, 1.0),
               "segment_max": (ops.segment_max, np.maximum, -np.inf),
               "segment_min": (ops.segment_min, np.minimum, np.inf)}


def numpy_segment(ufunc, identity, data, ids, n):
    out = np.full((n,) + data.shape[ids.ndim:], identity, data.dtype)
    keep = (ids >= 0) & (ids < n)
    ufunc.at(out, ids[keep], data[keep])
    return out


@pytest.mark.parametrize("name", sorted(SEGMENT_FNS))
@pytest.mark.parametrize("mode", [None, "clip"])
def test_segment_values_are_jaxs(name, mode):
    fn = SEGMENT_FNS[name][0]
    out = fn(SEGMENT_DATA, SEGMENT_IDS, num_segments=4, mode=mode)
    np.testing.assert_array_equal(out, np.array(JAX["segment"][f"{name}-{mode}"]))


@pytest.mark.parametrize("name", sorted(SEGMENT_FNS))
def test_segments_match_numpy_on_rows_and_keep_the_dtype(name):
    fn, ufunc, identity = SEGMENT_FNS[name]
    ids = np.array([[0, 2, 2], [4, 0, 1]])
    data = rand((2, 3, 2), seed=1)
    assert_same_as_numpy(fn(data, ids, 5), numpy_segment(ufunc, identity, data, ids, 5))
    data32 = data.astype(np.float32)
    assert fn(data32, ids, 5).dtype == np.float32
    ints = np.arange(6).reshape(2, 3)
    big = np.iinfo(np.int64)
    int_identity = {"segment_sum": 0, "segment_prod": 1, "segment_max": big.min,
                    "segment_min": big.max}[name]
    assert_same_as_numpy(fn(ints, ids, 5), numpy_segment(ufunc, int_identity, ints, ids, 5))
    # no num_segments: the largest id + 1; size 0 data gives identities
    assert fn(data, ids).shape == (5, 2)
    assert_same_as_numpy(fn(np.zeros((0, 2)), np.zeros(0, int), 3),
                         np.full((3, 2), identity))


@pytest.mark.parametrize("name", sorted(SEGMENT_FNS))
def test_segment_derivatives_jit_and_vmap(name):
    fn = SEGMENT_FNS[name][0]
    ids = np.array([0, 2, 2, 1, 0, 5])  # 5 is dropped; no ties among the values below
    data = np.array([0.5, -1.2, 0.9, 1.7, -0.4, 2.2])
    assert_derivatives(lambda d: fn(d, ids, num_segments=3), (data,))
    assert_derivatives(lambda d: fn(d, ids, num_segments=3, mode="clip"), (data,))
    jitted = fungrad.jit(lambda d, i: fn(d, i, num_segments=3))
    np.testing.assert_array_equal(jitted(data, ids), fn(data, ids, num_segments=3))
    assert_derivatives(lambda d: jitted(d, ids), (data,))  # traced ids: the masked path
    batch = np.stack([data, -data, 2 * data])
    np.testing.assert_array_equal(
        fungrad.vmap(lambda d: fn(d, ids, num_segments=3))(batch),
        np.stack([fn(row, ids, num_segments=3) for row in batch]))
    id_batch = np.stack([ids, ids[::-1]])
    np.testing.assert_array_equal(
        fungrad.vmap(lambda i: fn(data, i, num_segments=3))(id_batch),
        np.stack([fn(data, i, num_segments=3) for i in id_batch]))


def test_segment_max_shares_the_derivative_among_ties():
    g = fungrad.grad(lambda d: fnp.sum(ops.segment_max(d, np.array([0, 0, 1]), 2)))(
        np.array([3.0, 3.0, 1.0]))
    np.testing.assert_allclose(g, [0.5, 0.5, 1.0])


def test_graph_message_passing_as_jax_code_writes_it():
    # the idiom of JAX graph libraries: gather by senders, segment_sum into receivers
    import fungrad as jax
    import fungrad.numpy as jnp
    senders, receivers = np.array([0, 1, 2, 2, 3]), np.array([1, 2, 0, 3, 3])
    x, w = jnp.asarray(rand((4, 3), seed=5)), rand((3, 2), seed=6)

    @jax.jit
    def loss(w, senders, receivers):
        messages = jnp.tanh(x[senders] @ w)
        return jnp.sum(jax.ops.segment_sum(messages, receivers, num_segments=4) ** 2)

    expected = np.zeros((4, 2))
    np.add.at(expected, receivers, np.tanh(x[senders] @ w))
    np.testing.assert_allclose(loss(w, senders, receivers), np.sum(expected ** 2), rtol=1e-12)
    assert_derivatives(lambda w: loss(w, senders, receivers), (w,))


def test_lax_scatter_max_into_infinities_gives_the_values_not_nans():
    # the identity a segment maximum starts from is -inf: lax's scatter_max gave NaN there
    dn = fungrad.lax.ScatterDimensionNumbers((), (0,), (0,))
    idx = np.array([[0], [2], [0]])
    out = fungrad.lax.scatter_max(np.full(3, -np.inf), idx, np.array([1.0, 2.0, 5.0]), dn)
    np.testing.assert_array_equal(out, [5.0, -np.inf, 2.0])
    out = fungrad.lax.scatter_min(np.full(3, np.inf), idx, np.array([1.0, 2.0, 5.0]), dn)
    np.testing.assert_array_equal(out, [1.0, np.inf, 2.0])
    g = fungrad.grad(lambda u: fungrad.lax.scatter_max(np.full(3, -np.inf), idx, u, dn)[
        np.array([0, 2])].sum())(np.array([1.0, 2.0, 5.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0])


def test_segment_errors_name_the_function_and_argument():
    with pytest.raises(TypeError, match="segment_sum: segment_ids must be integers.*float64"):
        ops.segment_sum(np.ones(3), np.ones(3), 2)
    with pytest.raises(ValueError, match="segment_max: segment_ids int64\\[2\\] must match"):
        ops.segment_max(np.ones(3), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="num_segments must be >= 0"):
        ops.segment_min(np.ones(2), np.array([0, 1]), -1)
    with pytest.raises(TypeError, match="segment_max: data must be real.*complex128"):
        ops.segment_max(np.ones(2, complex), np.array([0, 1]), 2)
    assert ops.segment_sum(np.ones(2), np.array([0, 0]), 1).tolist() == [2.0]


# ----------------------------------------------------------------------------- jax.image

def _image_case_id(case):
    return f"{case['fn']}-{case['method']}-{case['antialias']}-{case['shape_in']}"


def _run_image_case(case, x):
    if case["fn"] == "resize":
        return image.resize(x, case["shape_out"], case["method"], antialias=case["antialias"])
    return image.scale_and_translate(x, case["shape_out"], case["spatial_dims"],
                                     np.array(case["scale"]), np.array(case["translation"]),
                                     case["method"], antialias=case["antialias"])


@pytest.mark.parametrize("case", JAX["image"], ids=_image_case_id)
def test_image_values_are_jaxs(case):
    out = _run_image_case(case, image_input(tuple(case["shape_in"])))
    np.testing.assert_allclose(out, np.array(case["out"]), rtol=1e-12, atol=1e-14)
    assert out.shape == tuple(case["shape_out"])


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "area", "cubic-pytorch"])
def test_resize_derivatives_jit_vmap_and_float32(method):
    x = rand((4, 3), seed=2)
    for antialias in (True, False):
        assert_derivatives(lambda v: image.resize(v, (2, 5), method, antialias=antialias), (x,))
    jitted = fungrad.jit(lambda v: image.resize(v, (2, 5), method))
    np.testing.assert_allclose(jitted(x), image.resize(x, (2, 5), method), rtol=1e-13)
    batch = np.stack([x, 2 * x])
    np.testing.assert_allclose(fungrad.vmap(lambda v: image.resize(v, (2, 5), method))(batch),
                               image.resize(batch, (2, 2, 5), method), rtol=1e-13)
    assert image.resize(x.astype(np.float32), (2, 5), method).dtype == np.float32
    assert image.resize(np.ones((3, 3), np.uint8), (2, 5), method).dtype == np.float32


def test_scale_and_translate_differentiates_in_scale_and_translation():
    x = rand((5,), seed=3)
    for method in ("linear", "cubic"):
        f = lambda s, t: image.scale_and_translate(x, (7,), (0,), s, t, method)  # noqa: E731
        assert_derivatives(f, (np.array([1.3]), np.array([0.37])))
        assert_derivatives(lambda v: image.scale_and_translate(
            v, (7,), (0,), np.array([0.6]), np.array([0.2]), method), (x,))


def test_resize_nearest_keeps_the_dtype_and_identity_is_free():
    x = np.arange(12).reshape(3, 4)
    out = image.resize(x, (5, 2), "nearest")
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(out, x[[0, 0, 1, 2, 2]][:, [1, 3]])
    np.testing.assert_array_equal(image.resize(x * 1.0, (3, 4), "cubic"), x * 1.0)
    assert image.resize(np.ones((2, 3)), (0, 3), "linear").shape == (0, 3)


def test_resize_method_names_and_errors():
    R = image.ResizeMethod
    assert [R.from_string(s) for s in ("bilinear", "triangle", "bicubic", "lanczos5")] == \
        [R.LINEAR, R.LINEAR, R.CUBIC, R.LANCZOS5]
    with pytest.raises(ValueError, match='Unknown resize method "bogus"'):
        image.resize(np.ones(3), (2,), "bogus")
    with pytest.raises(ValueError, match="resize: shape must have length equal"):
        image.resize(np.ones((3, 2)), (2,), "linear")
    with pytest.raises(ValueError, match="scale_and_translate: nearest"):
        image.scale_and_translate(np.ones(3), (2,), (0,), np.ones(1), np.zeros(1), "nearest")
    with pytest.raises(ValueError, match="one entry per spatial dimension"):
        image.scale_and_translate(np.ones(3), (2,), (0,), np.ones(2), np.zeros(1), "linear")
    with pytest.raises(TypeError, match="method must be a ResizeMethod"):
        image.resize(np.ones(3), (2,), 3)
    assert image.resize(np.ones(3), (2,), R.LINEAR).shape == (2,)


# ----------------------------------------------------------------------------- jax.dtypes

def test_dtypes_answers():
    assert dtypes.canonicalize_dtype(int) == np.int64
    assert dtypes.canonicalize_dtype(fnp.float32) == np.float32
    assert dtypes.issubdtype(fnp.float32, np.floating)
    assert not dtypes.issubdtype(dtypes.float0, np.number)
    assert dtypes.issubdtype(dtypes.float0, dtypes.float0)
    assert dtypes.result_type(np.float32, 1.0) == np.float32
    assert dtypes.result_type(fnp.ones(2, np.int32), np.int64) == np.int64
    assert dtypes.result_type(1.0, return_weak_type_flag=True) == (np.float64, True)
    assert dtypes.result_type(np.ones(2), 1j, return_weak_type_flag=True) == \
        (np.complex128, False)
    assert [dtypes.scalar_type_of(v) for v in (True, np.int8(1), 1.0, fnp.ones(2, complex))] \
        == [bool, int, float, complex]
    assert dtypes.itemsize_bits(np.float16) == 16
    key_dtype = fungrad.random.key(0).dtype
    assert dtypes.issubdtype(key_dtype, dtypes.prng_key)
    assert dtypes.issubdtype(key_dtype, dtypes.extended)
    assert not dtypes.issubdtype(key_dtype, np.number)
    assert not dtypes.issubdtype(np.uint32, dtypes.prng_key)
    # jnp.issubdtype is the same function, as in JAX
    assert fnp.issubdtype(key_dtype, dtypes.prng_key) and fnp.issubdtype(np.int8, np.integer)
    assert not fnp.issubdtype(np.float64, dtypes.prng_key)
    assert dtypes.finfo(np.float32).eps == np.finfo(np.float32).eps
    assert fungrad.grad(lambda x: (x * 2.0).sum())(fnp.ones(2)).dtype == \
        dtypes.canonicalize_dtype(float)
    with pytest.raises(AttributeError, match="bfloat16: it is an ml_dtypes type"):
        dtypes.bfloat16  # noqa: B018
    with pytest.raises(TypeError, match="canonicalize_dtype: 'nope' is not a dtype"):
        dtypes.canonicalize_dtype("nope")


def test_typing_names_annotate():
    from fungrad import typing as ft

    def f(x: ft.ArrayLike, dtype: ft.DTypeLike = None) -> ft.ArrayLike:
        return fnp.asarray(x, dtype)
    assert f([1, 2], np.float32).dtype == np.float32
    assert fungrad.Array in ft.ArrayLike.__args__ and np.dtype in ft.DTypeLike.__args__
    assert repr(ft.DeprecatedArg()) == "Deprecated"


# ----------------------------------------------------------------------------- flags

ACCEPTED = [("enable_x64", True), ("check_tracer_leaks", True), ("enable_checks", True),
            ("log_compiles", True), ("explain_cache_misses", True), ("debug_key_reuse", False),
            ("threefry_partitionable", True), ("default_matmul_precision", "tensorfloat32"),
            ("default_device", "cpu"), ("default_prng_impl", "threefry2x32"),
            ("softmax_custom_jvp", True), ("transfer_guard_host_to_device", "disallow"),
            ("transfer_guard_device_to_host", "log"),
            ("transfer_guard_device_to_device", "allow"),
            ("numpy_rank_promotion", "allow"), ("numpy_dtype_promotion", "standard")]


@pytest.mark.parametrize("name, value", ACCEPTED)
def test_flag_functions_set_inside_the_block_and_restore(name, value):
    state = getattr(fungrad, name)
    before = state.value
    with state(value):
        assert state.value == value
        assert fungrad.config.read("jax_" + name) == value
        assert fungrad.grad(lambda x: x * x)(3.0) == 6.0  # fungrad works as before
    assert state.value == before


@pytest.mark.parametrize("name, value, error", [
    ("debug_key_reuse", True, NotImplementedError),
    ("threefry_partitionable", False, NotImplementedError),
    ("numpy_rank_promotion", "rasie", ValueError),
    ("default_device", "gpu", ValueError),
    ("default_prng_impl", "rbg", ValueError),
    ("default_matmul_precision", "double", ValueError),
    ("transfer_guard_host_to_device", "forbid", ValueError),
])
def test_flags_fungrad_cannot_honour_are_refused_clearly(name, value, error):
    state = getattr(fungrad, name)
    before = state.value
    with pytest.raises(error, match="jax_" + name if error is NotImplementedError else name):
        with state(value):
            pass  # pragma: no cover
    assert state.value == before  # and nothing changed


def test_enable_x64_false_warns_and_transfer_guard_sets_all_three():
    with pytest.warns(UserWarning, match="jax_enable_x64=False has no effect"):
        with fungrad.enable_x64(False):
            assert fnp.ones(1).dtype == np.float64
    with fungrad.transfer_guard("disallow"):
        assert {fungrad.transfer_guard_host_to_device.value,
                fungrad.transfer_guard_device_to_host.value,
                fungrad.transfer_guard_device_to_device.value} == {"disallow"}
    assert fungrad.transfer_guard_host_to_device.value is None
    with fungrad.checking_leaks():
        assert fungrad.check_tracer_leaks.value is True
    with fungrad.default_device(fungrad.devices()[0]), \
            fungrad.default_matmul_precision(fungrad.lax.Precision.HIGHEST):
        assert (fungrad.default_device.value, fungrad.default_matmul_precision.value) == \
            ("cpu", "highest")


def test_log_compiles_logs_each_trace(caplog):
    f = fungrad.jit(lambda x: x + 1.0)
    with fungrad.log_compiles(True), caplog.at_level("WARNING", logger="fungrad.jit"):
        f(np.ones(2))
    assert caplog.records, "log_compiles(True) logged nothing"


# ----------------------------------------------------------------------------- pmap

def test_pmap_is_vmap_over_an_axis_of_one_device():
    x = rand((1, 3), seed=4)
    out = fungrad.pmap(lambda v: fnp.sin(v) * 2.0)(x)
    assert_same_as_numpy(out, np.sin(x) * 2.0)
    out = fungrad.pmap(lambda v, w: v + w, in_axes=(0, None))(x, np.ones(3))
    assert_same_as_numpy(out, x + 1.0)
    out = fungrad.pmap(lambda v, n: v * n, axis_name="i", static_broadcasted_argnums=1)(x, 3)
    assert_same_as_numpy(out, x * 3)
    out = fungrad.pmap(lambda v: v.sum(), out_axes=0)(np.ones((1, 4)))
    assert_same_as_numpy(out, np.array([4.0]))
    assert_derivatives(lambda v: fungrad.pmap(lambda r: fnp.tanh(r) ** 2)(v), (x,))
    assert fungrad.pmap(lambda v: v)(np.ones((0, 2))).shape == (0, 2)


def test_pmap_refuses_more_slices_than_devices():
    with pytest.raises(ValueError, match="mapped axis has size 2, but there is only 1 device"):
        fungrad.pmap(lambda v: v)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="backend must be 'cpu'"):
        fungrad.pmap(lambda v: v, backend="gpu")
    assert fungrad.pmap(lambda v: v + 1)(np.ones((1, 2))).shape == (1, 2)


# ----------------------------------------------------------------------------- the rest

def test_processes_and_environment_info(capsys):
    assert (fungrad.process_index(), fungrad.process_count(), fungrad.process_indices()) == \
        (0, 1, [0])
    assert (fungrad.host_id(), fungrad.host_count(), fungrad.host_ids()) == (0, 1, [0])
    fungrad.print_environment_info()
    printed = capsys.readouterr().out
    assert f"fungrad:    {fungrad.__version__}" in printed and np.__version__ in printed
    assert fungrad.print_environment_info(return_string=True) == printed
    assert fungrad.version.__version__ == fungrad.__version__


def test_scalar_types_answer_issubclass_as_jax_does():
    assert issubclass(fnp.float32, fnp.float32) and not issubclass(fnp.float32, np.floating)
    assert isinstance(fnp.float32, type) and isinstance(np.float32(1), fnp.float32)
    assert fnp.float32 == np.float32 and fnp.float32 != np.float64 and \
        hash(fnp.float32) == hash(np.float32)
    assert fnp.zeros(2, fnp.int32).dtype == np.int32 and fnp.issubdtype(fnp.int8, np.integer)


def test_submodules_are_lazy_attributes_and_import_stays_cheap():
    out = run_python(
        "import sys, time\n"
        "t = time.perf_counter(); import numpy; t_numpy = time.perf_counter() - t\n"
        "t = time.perf_counter(); import fungrad; t_fungrad = time.perf_counter() - t\n"
        "print(sorted(m for m in sys.modules if m.startswith('fungrad')), 'scipy' in "
        "sys.modules, t_fungrad < t_numpy + 0.05)\n"
        "mods = [fungrad.ops, fungrad.image, fungrad.dtypes, fungrad.typing, fungrad.stages,\n"
        "        fungrad.experimental, fungrad.errors, fungrad.version, fungrad.pmap]\n"
        "import fungrad.pmap\n"  # the module must not shadow the function
        "print('scipy' in sys.modules, fungrad.ops.segment_sum.__module__, "
        "type(fungrad.pmap).__name__)\n"
        "fungrad.scipy.special.erf\n"
        "print('scipy' in sys.modules, 'scipy' in dir(fungrad))")
    first, second, third = out.splitlines()
    assert first == "['fungrad'] False True"
    assert second == "False fungrad.ops function"
    assert third == "True True"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fungrad.image.resize is image.resize and fungrad.dtypes is dtypes
