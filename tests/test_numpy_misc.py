"""fungrad.numpy's remaining small functions: logspace, geomspace, copy, matvec, vecmat,
array_equal, array_equiv, isscalar, iterable, broadcast_shapes, the from* constructors,
save/savez/load and the dtype names."""
from __future__ import annotations

import io

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_same_as_numpy
from numpy_table import table_tests

TABLE = [
    ("logspace", lambda m, a, b: m.logspace(a, b, 5), [((), ()), ((2,), (2,))]),
    ("logspace_base", lambda m, a: m.logspace(a, 1.0, 4, endpoint=False, base=2.0), [((),)]),
    ("geomspace", lambda m, a, b: m.geomspace(a * a + 0.5, b * b + 1.0, 4), [((), ()),
                                                                              ((3,), ())]),
    ("geomspace_neg", lambda m, a: m.geomspace(-a * a - 0.5, -3.0, 5, endpoint=False),
     [((),)]),
    ("copy", lambda m, a: m.copy(a) * 2.0, [((),), ((2, 3),)]),
    ("matvec", lambda m, a, v: m.matvec(a, v), [((2, 3), (3,)), ((4, 2, 3), (3,)),
                                               ((2, 3), (4, 3))]),
    ("vecmat", lambda m, v, a: m.vecmat(v, a), [((2,), (2, 3)), ((4, 2), (4, 2, 3))]),
]


test_values, test_trace_jit_vmap, test_derivatives = table_tests(TABLE)


def test_equality_predicates_eager_and_traced():
    a = np.array([1.0, np.nan, 3.0])
    cases = [(a, a, False), (a, a, True), (a, np.array([1.0, np.nan]), False),
             (np.array([1, 2]), np.array([1.0, 2.0]), False)]
    for x, y, equal_nan in cases:
        assert fnp.array_equal(x, y, equal_nan) == np.array_equal(x, y, equal_nan)
    assert bool(fungrad.jit(lambda x: fnp.array_equal(x, x, equal_nan=True))(a))
    for x, y in [(np.array([1, 2]), np.array([[1, 2], [1, 2]])),
                 (np.array([1, 2]), np.array([[1, 2], [1, 3]])),
                 (np.array([1, 2]), np.array([1, 2, 3]))]:
        assert fnp.array_equiv(x, y) == np.array_equiv(x, y)


def test_scalar_and_iterable():
    for x in (1.0, 2, True, 1j, np.float32(1.0), np.array(3.0)):
        assert fnp.isscalar(x)
    for x in (np.ones(2), [1.0], "a", None):
        assert not fnp.isscalar(x)
    assert fungrad.jit(lambda x: fnp.isscalar(x) * 1.0)(2.0) == 1.0  # same under jit
    assert fnp.iterable([1]) and fnp.iterable(np.ones(2)) and not fnp.iterable(1.0)
    seen = []
    fungrad.jit(lambda x: seen.append((fnp.iterable(x), fnp.iterable(x[0]))) or x)(np.ones(2))
    assert seen == [(True, False)]


def test_dtype_names_and_rules():
    assert fnp.float_ is fnp.float64 == np.float64
    assert fnp.complex_ is fnp.complex128 == np.complex128
    assert fnp.int_ is fnp.int64 == np.int64 and fnp.bool is fnp.bool_ == np.bool_
    assert fnp.promote_types(np.float32, np.int64) == np.float64
    assert fnp.can_cast(np.int32, np.float64) and not fnp.can_cast(np.float64, np.int32)
    assert fnp.isdtype(np.float32, "real floating")
    assert fnp.issubdtype(fnp.float32, fnp.floating)


def test_constructors():
    assert_same_as_numpy(fnp.fromfunction(lambda i, j: i * j, (2, 3), dtype=np.int64),
                         np.fromfunction(lambda i, j: i * j, (2, 3), dtype=np.int64))
    assert_same_as_numpy(fnp.frombuffer(np.arange(3.0).tobytes()), np.arange(3.0))
    assert_same_as_numpy(fnp.fromiter(iter([1, 2]), np.int32), np.array([1, 2], np.int32))
    assert_same_as_numpy(fnp.fromstring("1,2", sep=","), np.array([1.0, 2.0]))
    assert fnp.broadcast_shapes((2, 1), (1, 3), ()) == (2, 3)
    with pytest.raises(ValueError, match="broadcast_shapes: shapes"):
        fnp.broadcast_shapes((2,), (3,))


def test_save_and_load_round_trip():
    buf = io.BytesIO()
    fnp.save(buf, fungrad.jit(lambda x: x * 2.0)(np.arange(3.0)))
    buf.seek(0)
    assert_same_as_numpy(fnp.load(buf), np.arange(3.0) * 2.0)
    buf = io.BytesIO()
    fnp.savez(buf, np.ones(2), b=np.zeros(1, np.int32))
    buf.seek(0)
    loaded = fnp.load(buf)
    assert_same_as_numpy(loaded["arr_0"], np.ones(2))
    assert_same_as_numpy(loaded["b"], np.zeros(1, np.int32))
    with pytest.raises(TypeError, match="save: cannot save a traced array"):
        fungrad.jit(lambda x: fnp.save(io.BytesIO(), x) or x)(np.ones(2))


def test_bad_inputs():
    with pytest.raises(ValueError, match="matvec: needs a matrix and a vector"):
        fnp.matvec(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="vecmat: needs a vector and a matrix"):
        fnp.vecmat(np.ones(3), np.ones(3))
    assert_same_as_numpy(fnp.logspace(0, 1, 2), np.logspace(0, 1, 2))


BITS = np.random.default_rng(2).integers(0, 2, (3, 11))


@pytest.mark.parametrize("a", [BITS.astype(bool), BITS * 3 - 1, BITS[0].astype(np.uint8),
                               np.zeros((2, 0), bool), np.array(1)], ids=range(5))
def test_packbits_like_numpy(a):
    for axis in [None] + list(range(a.ndim)):
        for order in ("big", "little"):
            expected = np.packbits(a, axis=axis, bitorder=order)
            assert_same_as_numpy(fnp.packbits(a, axis, order), expected)
            assert_same_as_numpy(fungrad.jit(lambda a: fnp.packbits(a, axis, order))(a),
                                 expected)


def test_unpackbits_like_numpy():
    packed = np.packbits(BITS, axis=1)
    for a in (packed, packed[0], np.uint8(7), np.zeros(0, np.uint8)):
        for axis in [None] + list(range(np.ndim(a))):
            # numpy pads an empty input with uninitialised bytes: a positive count there
            # compares against zeros
            counts = (None, 0, 3, -2, 20) if np.size(a) else (None, 0)
            for count in counts:
                for order in ("big", "little"):
                    expected = np.unpackbits(a, axis=axis, count=count, bitorder=order)
                    assert_same_as_numpy(fnp.unpackbits(a, axis, count, order), expected)
    assert_same_as_numpy(fnp.unpackbits(np.zeros(0, np.uint8), count=3), np.zeros(3, np.uint8))
    round_trip = fungrad.vmap(lambda b: fnp.unpackbits(fnp.packbits(b), count=11))(BITS)
    assert_same_as_numpy(round_trip, BITS.astype(np.uint8))
    with pytest.raises(TypeError, match=r"packbits: expected an array of integer or boolean "
                                        r"data type, got f64\[2\]"):
        fnp.packbits(np.ones(2))
    with pytest.raises(TypeError, match=r"unpackbits: expected an input array of unsigned "
                                        r"byte data type \(uint8\), got i64\[2\]"):
        fnp.unpackbits(np.ones(2, np.int64))
    with pytest.raises(ValueError, match="unpackbits: -count .9. is larger than"):
        fnp.unpackbits(np.ones(1, np.uint8), count=-9)
    with pytest.raises(ValueError, match="bitorder must be 'big' or 'little'"):
        fnp.packbits(BITS, bitorder="middle")


def test_text_files_and_dlpack(tmp_path):
    a = np.array([[1.0, 2.5], [3.0, -4.0]])
    assert fnp.array_repr(a) == np.array_repr(a)
    assert fnp.array_str(a, precision=1) == np.array_str(a, precision=1)
    assert fnp.array_repr(fungrad.jit(lambda x: x * 2)(a)) == np.array_repr(a * 2)
    with pytest.raises(TypeError, match=r"array_str: cannot print a traced array f64\[2,2\]"):
        fungrad.jit(lambda x: fnp.array_str(x) and x)(a)
    path = tmp_path / "a.bin"
    a.tofile(path)
    loaded = fnp.fromfile(path).reshape(2, 2)
    assert_same_as_numpy(loaded, a)
    assert isinstance(fnp.fromfile(path), fungrad.Array)
    shared = fnp.from_dlpack(a)
    assert_same_as_numpy(shared, a)
    assert isinstance(shared, fungrad.Array) and np.shares_memory(shared, a)
    with pytest.raises(ValueError, match="from_dlpack: fungrad runs on the CPU only"):
        fnp.from_dlpack(a, device="gpu")
    assert fnp.ComplexWarning is np.exceptions.ComplexWarning
