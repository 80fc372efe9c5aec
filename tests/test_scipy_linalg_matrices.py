"""fungrad.scipy.linalg's special matrices against scipy.linalg: values (float64, float32,
complex, stacked), order-2 derivatives of the ones built from arrays, jit and vmap, errors."""
from __future__ import annotations

import numpy as np
import pytest

scipy_linalg = pytest.importorskip("scipy.linalg")  # the optional extra (in `test`)

import fungrad  # noqa: E402
import fungrad.scipy.linalg as L  # noqa: E402
from helpers import assert_derivatives, assert_same_as_numpy, rand  # noqa: E402


def poly(n, dtype=np.float64, seed=0):
    """Coefficients with a leading one well away from zero."""
    a = rand((n,), dtype, seed=seed)
    a[..., 0] = 1.5
    return a


def distinct(n, dtype=np.float64, seed=0):
    """Well separated entries, so |a_i - a_j| is smooth off the diagonal."""
    return (np.arange(n) * 1.5 + rand((n,), seed=seed, low=0, high=0.5)).astype(dtype)


def _fiedler_ref(a):
    """scipy's, but (0, 0) for an empty ``a`` (scipy: (0,)) and in ``a``'s dtype for sizes 0
    and 1 (scipy: float64), as JAX."""
    f = scipy_linalg.fiedler(a).reshape(a.shape[-1], a.shape[-1])
    return f.astype(a.dtype) if a.size <= 1 else f


def _fiedler_companion_ref(a):
    return scipy_linalg.fiedler_companion(a).reshape(a.shape[-1] - 1, a.shape[-1] - 1)


# (name, fungrad function, scipy function, argument makers by size)
ARRAY_CASES = [
    ("circulant", L.circulant, scipy_linalg.circulant, lambda n, d: (rand((n,), d),), (0, 1, 4)),
    ("companion", L.companion, scipy_linalg.companion, lambda n, d: (poly(n, d),), (2, 3, 5)),
    ("convolution_full", lambda a: L.convolution_matrix(a, 4),
     lambda a: scipy_linalg.convolution_matrix(a, 4), lambda n, d: (rand((n,), d),), (1, 3, 6)),
    ("convolution_same", lambda a: L.convolution_matrix(a, 4, "same"),
     lambda a: scipy_linalg.convolution_matrix(a, 4, "same"), lambda n, d: (rand((n,), d),),
     (1, 3, 6)),
    ("convolution_valid", lambda a: L.convolution_matrix(a, 3, mode="valid"),
     lambda a: scipy_linalg.convolution_matrix(a, 3, mode="valid"),
     lambda n, d: (rand((n,), d),), (1, 3, 6)),
    ("convolution_n1", lambda a: L.convolution_matrix(a, 1, "same"),
     lambda a: scipy_linalg.convolution_matrix(a, 1, "same"), lambda n, d: (rand((n,), d),),
     (1, 4)),
    ("fiedler", L.fiedler, _fiedler_ref, lambda n, d: (distinct(n, d),), (0, 1, 4)),
    ("fiedler_companion", L.fiedler_companion, _fiedler_companion_ref,
     lambda n, d: (poly(n, d),), (1, 2, 3, 4, 5, 6, 7)),
    ("hankel", L.hankel, scipy_linalg.hankel, lambda n, d: (rand((n,), d),), (0, 1, 4)),
    ("hankel_r", L.hankel, scipy_linalg.hankel,
     lambda n, d: (rand((n,), d), rand((3,), d, seed=1)), (1, 4)),
    ("hankel_r1", L.hankel, scipy_linalg.hankel,
     lambda n, d: (rand((n,), d), rand((1,), d, seed=1)), (1, 3)),
    ("leslie", L.leslie, scipy_linalg.leslie,
     lambda n, d: (rand((n,), d), rand((n - 1,), d, seed=1)), (2, 4)),
]
VALUE_PARAMS = [(name, ours, ref, make, n, dtype)
                for name, ours, ref, make, sizes in ARRAY_CASES for n in sizes
                for dtype in (np.float64, np.float32)]


@pytest.mark.parametrize("name,ours,ref,make,n,dtype", VALUE_PARAMS,
                         ids=[f"{p[0]}-{p[4]}-{np.dtype(p[5]).name}" for p in VALUE_PARAMS])
def test_values_match_scipy(name, ours, ref, make, n, dtype):
    args = make(n, dtype)
    assert_same_as_numpy(ours(*args), ref(*args))


@pytest.mark.parametrize("name,ours,ref,make,sizes", ARRAY_CASES, ids=[c[0] for c in ARRAY_CASES])
def test_complex_values_match_scipy(name, ours, ref, make, sizes):
    args = [a + 1j * rand(a.shape, seed=7) for a in make(sizes[-1], np.float64)]
    want = ref(*args)
    if name == "fiedler":  # |a_i - a_j| of complex numbers is real in both
        assert want.dtype == np.float64
    assert_same_as_numpy(ours(*args), want)


@pytest.mark.parametrize("name,ours,ref,make,sizes", ARRAY_CASES, ids=[c[0] for c in ARRAY_CASES])
def test_leading_axes_are_a_batch(name, ours, ref, make, sizes):
    n = sizes[-1]
    rows = [make(n, np.float64) for _ in range(1)] + [
        tuple(a * (k + 2.0) for a in make(n, np.float64)) for k in range(2)]
    stacked = [np.stack(parts) for parts in zip(*rows)]
    want = np.stack([np.asarray(ref(*parts)) for parts in rows])
    assert_same_as_numpy(ours(*stacked), want)


def test_hankel_and_leslie_broadcast_their_leading_axes():
    c, r = rand((2, 3)), rand((4,), seed=1)
    want = np.stack([scipy_linalg.hankel(ci, r) for ci in c])
    assert_same_as_numpy(L.hankel(c, r), want)
    f, s = rand((3,)), rand((2, 1, 2), seed=2)
    want = np.stack([scipy_linalg.leslie(f, si[0]) for si in s])[:, None]
    assert_same_as_numpy(L.leslie(f, s), want)
    assert L.hankel(rand((2, 0))).shape == (2, 0, 0)


def test_dtypes_follow_scipy():
    ints = np.array([2, -3, 4])
    assert_same_as_numpy(L.circulant(ints), scipy_linalg.circulant(ints))
    assert_same_as_numpy(L.convolution_matrix(ints, 2), scipy_linalg.convolution_matrix(ints, 2))
    assert_same_as_numpy(L.fiedler(ints), scipy_linalg.fiedler(ints))
    assert_same_as_numpy(L.companion(ints), scipy_linalg.companion(ints))  # float64
    assert_same_as_numpy(L.fiedler_companion(ints), scipy_linalg.fiedler_companion(ints))
    assert_same_as_numpy(L.leslie(ints, np.array([0.5, 0.25], np.float32)),
                         scipy_linalg.leslie(ints, np.array([0.5, 0.25], np.float32)))
    assert L.circulant(np.float32(3.0)).dtype == np.float32  # a 0-d input is a length-1 vector


DERIVATIVE_CASES = [
    ("circulant", L.circulant, (rand((4,)),)),
    ("circulant_batch", L.circulant, (rand((2, 3)),)),
    ("companion", L.companion, (poly(4),)),
    ("companion_batch", L.companion, (np.stack([poly(3), poly(3, seed=1)]),)),
    ("convolution_full", lambda a: L.convolution_matrix(a, 3), (rand((3,)),)),
    ("convolution_same", lambda a: L.convolution_matrix(a, 5, "same"), (rand((2, 3)),)),
    ("convolution_valid", lambda a: L.convolution_matrix(a, 2, "valid"), (rand((4,)),)),
    ("fiedler", L.fiedler, (distinct(4),)),
    ("fiedler_companion", L.fiedler_companion, (poly(6),)),
    ("fiedler_companion_2", L.fiedler_companion, (poly(2),)),
    ("hankel", L.hankel, (rand((3,)),)),
    ("hankel_r", L.hankel, (rand((2, 3)), rand((4,), seed=1))),
    ("leslie", L.leslie, (rand((3,)), rand((2,), seed=1))),
    ("leslie_batch", L.leslie, (rand((2, 3)), rand((2,), seed=1))),
]


@pytest.mark.parametrize("name,fn,args", DERIVATIVE_CASES, ids=[c[0] for c in DERIVATIVE_CASES])
def test_derivatives(name, fn, args):
    assert_derivatives(fn, args)


@pytest.mark.parametrize("name,fn,args", DERIVATIVE_CASES, ids=[c[0] for c in DERIVATIVE_CASES])
def test_jit_and_vmap(name, fn, args):
    stacks = [np.stack([a, a * 1.25 + 0.5]) for a in args]
    want = np.stack([np.asarray(fn(*[s[k] for s in stacks])) for k in range(2)])
    np.testing.assert_allclose(fungrad.jit(fn)(*args), fn(*args), rtol=1e-14)
    np.testing.assert_allclose(fungrad.vmap(fn)(*stacks), want, rtol=1e-14)
    # a batched second argument beside an unbatched first, where there are two
    if len(args) == 2:
        got = fungrad.vmap(fn, in_axes=(None, 0))(args[0], stacks[1])
        want = np.stack([np.asarray(fn(args[0], s)) for s in stacks[1]])
        np.testing.assert_allclose(got, want, rtol=1e-14)


@pytest.mark.parametrize("n", [0, 1, 2, 5])
@pytest.mark.parametrize("scale", [None, "sqrtn", "n"])
def test_dft(n, scale):
    if n == 0:
        assert L.dft(0, scale).shape == (0, 0) and L.dft(0).dtype == np.complex128
        return
    assert_same_as_numpy(L.dft(n, scale), scipy_linalg.dft(n, scale))
    assert_same_as_numpy(L.dft(n, scale, dtype=np.complex64),
                         scipy_linalg.dft(n, scale).astype(np.complex64))


@pytest.mark.parametrize("n", [1, 2, 8])
def test_hadamard(n):
    assert_same_as_numpy(L.hadamard(n), scipy_linalg.hadamard(n))
    assert_same_as_numpy(L.hadamard(n, np.float32), scipy_linalg.hadamard(n, np.float32))


@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("full", [False, True])
def test_helmert(n, full):
    assert_same_as_numpy(L.helmert(n, full), scipy_linalg.helmert(n, full))


@pytest.mark.parametrize("n", [1, 2, 4, 12])
def test_invhilbert(n):
    assert_same_as_numpy(L.invhilbert(n), scipy_linalg.invhilbert(n))
    np.testing.assert_allclose(np.asarray(L.invhilbert(4)) @ np.asarray(L.hilbert(4)), np.eye(4),
                               atol=1e-9)


@pytest.mark.parametrize("n", [1, 2, 4, 10])
@pytest.mark.parametrize("kind", [None, "lower", "upper", "symmetric"])
def test_pascal_and_invpascal(n, kind):
    skind = "symmetric" if kind is None else kind
    assert_same_as_numpy(L.pascal(n, kind), scipy_linalg.pascal(n, skind, exact=False))
    assert_same_as_numpy(L.invpascal(n, kind),
                         scipy_linalg.invpascal(n, skind, exact=True).astype(np.float64))
    np.testing.assert_allclose(np.asarray(L.pascal(n, kind)) @ np.asarray(L.invpascal(n, kind)),
                               np.eye(n), atol=1e-12)


def test_constant_matrices_of_order_zero_are_empty():
    for m in (L.invhilbert(0), L.pascal(0), L.invpascal(0, "lower")):
        assert m.shape == (0, 0) and m.dtype == np.float64


def test_constant_matrices_under_jit():
    x = rand((4,))
    got = fungrad.jit(lambda x: L.hadamard(4, np.float64) @ x + L.pascal(4) @ x)(x)
    np.testing.assert_allclose(got, scipy_linalg.hadamard(4) @ x + scipy_linalg.pascal(4) @ x,
                               rtol=1e-14)


@pytest.mark.parametrize("call,error,text", [
    (lambda: L.companion(np.ones(1)), ValueError, r"companion: .* a f64\[1\]"),
    (lambda: L.convolution_matrix(np.ones(3), 0), ValueError, "argument n"),
    (lambda: L.convolution_matrix(np.ones(3), 2.5), TypeError, "argument n"),
    (lambda: L.convolution_matrix(np.ones(3), 2, "circular"), ValueError, "argument mode"),
    (lambda: L.convolution_matrix(np.ones(0), 2), ValueError, r"argument a f64\[0\]"),
    (lambda: L.dft(3, "unitary"), ValueError, "argument scale"),
    (lambda: L.dft(3, dtype=np.float64), ValueError, "argument dtype"),
    (lambda: L.dft(3.0), TypeError, "argument n"),
    (lambda: L.fiedler_companion(np.ones(0)), ValueError, r"argument a f64\[0\]"),
    (lambda: L.hadamard(3), ValueError, "power of 2"),
    (lambda: L.hadamard(0), ValueError, "power of 2"),
    (lambda: L.hadamard("4"), TypeError, "argument n"),
    (lambda: L.helmert(0), ValueError, "argument n"),
    (lambda: L.hankel(np.ones((2, 3)), np.ones((3, 3))), ValueError, r"c f64\[2,3\]"),
    (lambda: L.leslie(np.ones(1), np.ones(0)), ValueError, r"argument f f64\[1\]"),
    (lambda: L.leslie(np.ones(3), np.ones(3)), ValueError, r"argument s f64\[3\]"),
    (lambda: L.leslie(np.ones((2, 3)), np.ones((3, 2))), ValueError, "do not broadcast"),
    (lambda: L.pascal(3, "diagonal"), ValueError, "argument kind"),
    (lambda: L.invpascal(3, "diagonal"), ValueError, "argument kind"),
    (lambda: L.invhilbert(None), TypeError, "argument n"),
])
def test_errors_name_the_problem(call, error, text):
    with pytest.raises(error, match=text):
        call()
    assert_same_as_numpy(L.circulant(np.ones(2)), scipy_linalg.circulant(np.ones(2)))


QR_MULTIPLY_CASES = [((m, n), mode, cshape)
                     for m, n in [(4, 2), (2, 4), (3, 3)]
                     for mode, cshape in [("left", (min(m, n), 3)), ("left", (min(m, n),)),
                                          ("right", (2, m)), ("right", (m,))]]


@pytest.mark.parametrize("shape,mode,cshape", QR_MULTIPLY_CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_qr_multiply_matches_scipy(shape, mode, cshape, dtype):
    a, c = rand(shape, seed=3).astype(dtype), rand(cshape, seed=4).astype(dtype)
    if dtype == np.complex128:
        a, c = a + 1j * rand(shape, seed=5), c - 1j * rand(cshape, seed=6)
    for conjugate in (False, True):
        ours = L.qr_multiply(a, c, mode, conjugate=conjugate)
        theirs = scipy_linalg.qr_multiply(a, c, mode, conjugate=conjugate)
        for x, y in zip(ours, theirs):
            assert_same_as_numpy(x, y, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-12)


@pytest.mark.parametrize("mode,cshape", [("left", (3, 2)), ("right", (4,))])
def test_qr_multiply_derivatives_jit_and_vmap(mode, cshape):
    a, c = rand((4, 3), seed=8), rand(cshape, seed=9)

    def f(a, c):
        return L.qr_multiply(a, c, mode)

    assert_derivatives(f, (a, c))
    for x, y in zip(fungrad.jit(f)(a, c), f(a, c)):
        np.testing.assert_allclose(x, y, rtol=1e-13)
    stack = np.stack([a, a + 0.5 * np.eye(4, 3)])
    got = fungrad.vmap(f, in_axes=(0, None))(stack, c)
    for k in range(2):
        for x, y in zip(got, scipy_linalg.qr_multiply(stack[k], c, mode)):
            np.testing.assert_allclose(x[k], y, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("call,error,text", [
    (lambda: L.qr_multiply(np.ones((3, 2)), np.ones(3), "left"), ValueError, r"c f64\[3\]"),
    (lambda: L.qr_multiply(np.ones((3, 2)), np.ones((2, 2)), "right"), ValueError,
     r"c f64\[2,2\]"),
    (lambda: L.qr_multiply(np.ones((3, 2)), np.ones(3), "middle"), ValueError, "argument mode"),
    (lambda: L.qr_multiply(np.ones(3), np.ones(3)), ValueError, r"f64\[3\]"),
    (lambda: L.qr_multiply(np.ones((3, 2)), np.ones(3), pivoting=True), NotImplementedError,
     "pivoting"),
])
def test_qr_multiply_errors(call, error, text):
    with pytest.raises(error, match=text):
        call()
