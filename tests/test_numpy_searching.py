"""fungrad.numpy searching, choosing, differences and interpolation: values against numpy,
traced IR, jit and vmap, derivatives against finite differences (rows as in numpy_table.py)."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy
from numpy_table import table_tests

SORTED = np.array([-1.5, -0.5, -0.5, 0.25, 1.0, 1.75])
XP = np.array([-2.0, -1.0, 0.5, 1.0, 2.5])
MASK = np.array([True, False, True, True])
MASK2 = np.array([[True, False, True], [False, False, True]])

TABLE = [
    # differences
    ("diff", lambda m, x: m.diff(x), [((4,),), ((2, 3),), ((0,),), ((1,),)]),
    ("diff_n2_axis0", lambda m, x: m.diff(x, n=2, axis=0), [((4, 2),), ((2, 3),)]),
    ("diff_edges", lambda m, x, p: m.diff(x, prepend=p, append=1.5), [((3,), ()),
                                                                         ((2, 3), (2, 1))]),
    ("ediff1d", lambda m, x: m.ediff1d(x, to_begin=[1.0, 2.0], to_end=3.0), [((2, 3),),
                                                                             ((0,),)]),
    ("ediff1d_plain", lambda m, x: m.ediff1d(x), [((5,),), ((1,),)]),
    ("gradient", lambda m, x: m.gradient(x), [((5,),), ((3, 4),)]),
    ("gradient_edge2", lambda m, x: m.gradient(x, 0.5, edge_order=2), [((5,),), ((3, 4),)]),
    ("gradient_axis", lambda m, x: m.gradient(x, 2.0, axis=-1), [((3, 4),)]),
    ("gradient_coords", lambda m, x: m.gradient(x, XP), [((5,),)]),
    ("trapezoid", lambda m, y: m.trapezoid(y), [((4,),), ((2, 3),), ((0,),)]),
    ("trapezoid_x", lambda m, y: m.trapezoid(y, x=XP, axis=0), [((5,),), ((5, 2),)]),
    ("trapezoid_dx", lambda m, y: m.trapezoid(y, dx=0.3), [((2, 3),)]),
    # interpolation
    ("interp", lambda m, x, fp: m.interp(x * 2.0, XP, fp), [((7,), (5,)), ((), (5,)),
                                                            ((2, 3), (5,)), ((0,), (5,))]),
    ("interp_xp", lambda m, x, xp: m.interp(x, m.sort(xp * 3.0), XP), [((6,), (5,))]),
    ("interp_ends", lambda m, x: m.interp(x * 3.0, XP, XP ** 2, left=-1.0, right=7.0),
     [((9,),)]),
    ("interp_period", lambda m, x: m.interp(x * 5.0, XP, XP ** 2, period=4.0), [((9,),)]),
    # searching (integer results)
    ("searchsorted", lambda m, v: m.searchsorted(SORTED, v), [((5,),), ((),), ((2, 3),)]),
    ("searchsorted_right", lambda m, v: m.searchsorted(SORTED, m.round(v), side="right"),
     [((7,),)]),
    ("searchsorted_ties", lambda m, v: m.searchsorted(SORTED, SORTED + 0 * v[0], side="left"),
     [((1,),)]),
    ("searchsorted_sorter", lambda m, a: m.searchsorted(a, a[:2], sorter=m.argsort(a)),
     [((6,),)]),
    ("digitize", lambda m, x: m.digitize(x, XP), [((7,),), ((2, 3),)]),
    ("digitize_right", lambda m, x: m.digitize(m.round(x), XP, right=True), [((7,),)]),
    ("digitize_decreasing", lambda m, x: m.digitize(x, XP[::-1]), [((7,),)]),
    # choosing
    ("select", lambda m, x, y: m.select([x > 0, y > 0.5], [x, y * 2.0], default=-1.0),
     [((5,), (5,)), ((2, 3), (3,)), ((), ())]),
    ("choose", lambda m, x, y, z: m.choose(np.array([0, 2, 1, 0]), [x, y, z]),
     [((4,), (4,), (4,)), ((4,), (), (1, 4))]),
    ("choose_clip", lambda m, x, y: m.choose(np.array([-1, 5, 1]), [x, y], mode="clip"),
     [((3,), (3,))]),
    ("compress", lambda m, x: m.compress(MASK, x, axis=0), [((4,),), ((4, 2),)]),
    ("compress_none", lambda m, x: m.compress(MASK[:3], x), [((2, 2),)]),
    ("extract", lambda m, x: m.extract(MASK2, x), [((2, 3),)]),
    ("nonzero", lambda m, x: m.nonzero(m.round(x)), [((6,),), ((2, 3),)]),
    ("flatnonzero", lambda m, x: m.flatnonzero(m.round(x)), [((2, 3),)]),
    ("argwhere", lambda m, x: m.argwhere(m.round(x)), [((2, 3),), ((4,),)]),
]
NONDIFF = {"searchsorted", "searchsorted_right", "searchsorted_ties", "searchsorted_sorter",
           "digitize", "digitize_right", "digitize_decreasing", "nonzero", "flatnonzero",
           "argwhere"}
# the data-dependent shapes: no trace without size= (tested below with it)
EAGER_ONLY = {"nonzero", "flatnonzero", "argwhere"}


test_values, test_trace_jit_vmap, test_derivatives = table_tests(
    TABLE, eager_only=EAGER_ONLY, nondiff=NONDIFF)


def _numpy_padded(x, size, fill):
    hits = np.nonzero(x)
    return tuple(np.concatenate([h, np.full(size, f)])[:size] for h, f in zip(hits, fill))


@pytest.mark.parametrize("size", [0, 2, 7])
def test_size_argument_under_jit_and_vmap(size):
    x = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, 3.0]])
    want = _numpy_padded(x, size, (-1, -2))
    for got in (fnp.nonzero(x, size=size, fill_value=(-1, -2)),
                fungrad.jit(lambda a: fnp.nonzero(a, size=size, fill_value=(-1, -2)))(x)):
        for g, w in zip(got, want):
            assert_same_as_numpy(g, w)
    flat = fungrad.vmap(lambda r: fnp.flatnonzero(r, size=size, fill_value=9))(x)
    for row, f in zip(x, flat):
        assert_same_as_numpy(f, _numpy_padded(row, size, (9,))[0])
    rows = fungrad.jit(lambda a: fnp.argwhere(a, size=size, fill_value=-1))(x)
    assert_same_as_numpy(rows, np.stack(_numpy_padded(x, size, (-1, -1)), -1).reshape(size, 2))
    kept = fungrad.jit(lambda a: fnp.compress(a[0] > 0, a, axis=1, size=2, fill_value=0.5))(x)
    assert_same_as_numpy(kept, np.array([[1.5, 0.5], [0.0, 0.5]]))
    assert_derivatives(lambda a: fnp.extract(x > 0, a, size=size), (x,))


def test_traced_fill_value():
    # fill_value as a jit argument is traced (JAX's nonzero docstring passes len(x)); under
    # vmap it is batched; the traced path gives what the eager one does
    x = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, 3.0]])
    want = _numpy_padded(x, 5, (6, 6))
    nonzero = fungrad.jit(fnp.nonzero, static_argnames="size")
    for got in (nonzero(x, size=5, fill_value=6), fnp.nonzero(x, size=5, fill_value=6),
                fungrad.jit(lambda f: fnp.where(x, size=5, fill_value=f))(6),
                fungrad.jit(lambda f, g: fnp.nonzero(x, size=5, fill_value=(f, g)))(6, 6)):
        for g, w in zip(got, want):
            assert_same_as_numpy(g, w)
    assert_same_as_numpy(fungrad.jit(lambda f: fnp.argwhere(x, size=5, fill_value=f))(6),
                         np.stack(want, -1))
    assert_same_as_numpy(fungrad.jit(lambda f: fnp.flatnonzero(x, size=5, fill_value=f))(6),
                         _numpy_padded(x.ravel(), 5, (6,))[0])
    rows = fungrad.vmap(lambda f: fnp.flatnonzero(x, size=4, fill_value=f))(np.array([7, 8]))
    assert_same_as_numpy(rows, np.array([[1, 3, 5, 7], [1, 3, 5, 8]]))
    # a float fill gives float indices, as in JAX
    got = fungrad.jit(lambda f: fnp.nonzero(x, size=4, fill_value=f))(2.5)
    assert_same_as_numpy(got[1], np.array([1.0, 0.0, 2.0, 2.5]))
    # a 0-d array has no axes: size rows of nothing (JAX), one row if nonzero (numpy)
    assert fnp.argwhere(np.array(3.0), size=2, fill_value=7).shape == (2, 0)
    assert fnp.argwhere(np.array(3.0)).shape == np.argwhere(np.array(3.0)).shape
    with pytest.raises(ValueError, match=r"nonzero: fill_value must be a scalar or a tuple of "
                                         r"length 2 \(one per axis of a\), got 3 values"):
        fnp.nonzero(x, size=3, fill_value=(1, 2, 3))
    with pytest.raises(ValueError, match=r"fill_value must be a scalar or a tuple of length 2 "
                                         r"\(one per axis of a\), got i64\[2\]"):
        fungrad.jit(lambda f: fnp.nonzero(x, size=3, fill_value=f))(np.array([1, 2]))
    with pytest.raises(TypeError, match=r"nonzero: fill_value must be a real number, got c128"):
        fnp.nonzero(x, size=3, fill_value=1j)


def test_interp_derivative_in_all_arguments():
    assert_derivatives(lambda x, xp, fp: fnp.interp(x, xp, fp),
                       (np.array([-0.7, 0.3, 1.9]), XP, np.cos(XP)))


def test_interp_extrapolate_matches_jax():
    # values and the gradient recorded from jax 0.10.2 (x64) on these points
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([1.0, 3.0, 2.0])
    x = np.array([-1.0, 0.5, 2.0, 4.0, 5.0])
    both = fnp.interp(x, xp, fp, left="extrapolate", right="extrapolate")
    assert_same_as_numpy(both, np.array([-1.0, 2.0, 2.5, 1.5, 1.0]))
    assert_same_as_numpy(fnp.interp(x, xp, fp, left="extrapolate"),
                         np.array([-1.0, 2.0, 2.5, 2.0, 2.0]))
    assert_same_as_numpy(fnp.interp(x, xp, fp, left=-7.0, right="extrapolate"),
                         np.array([-7.0, 2.0, 2.5, 1.5, 1.0]))
    assert_same_as_numpy(fungrad.grad(lambda v: fnp.interp(v, xp, fp, left="extrapolate")
                                      .sum())(x), np.array([2.0, 2.0, -0.5, 0.0, 0.0]))
    # a period wraps x, so there is nothing to extrapolate (JAX ignores left/right too)
    wrapped = np.array([0.0, 1.0, 2.5])
    assert_same_as_numpy(fnp.interp(x, wrapped, fp, left="extrapolate", right="extrapolate",
                                    period=3.0), np.interp(x, wrapped, fp, period=3.0))
    jitted = fungrad.jit(lambda v: fnp.interp(v, xp, fp, left="extrapolate",
                                              right="extrapolate"))
    assert_same_as_numpy(jitted(x), both)
    rows = np.stack([x, x + 0.25])
    assert_same_as_numpy(fungrad.vmap(lambda v: fnp.interp(v, xp, fp, right="extrapolate"))(rows),
                         np.stack([fnp.interp(r, xp, fp, right="extrapolate") for r in rows]))
    assert_derivatives(lambda v, p, f: fnp.interp(v, p, f, left="extrapolate",
                                                  right="extrapolate"), (x, xp, fp))
    # a numeric left/right stays differentiable (and may be traced): d/dleft counts the
    # points left of xp, d/dright those right of it
    assert fungrad.grad(lambda lo: fnp.interp(x, xp, fp, left=lo).sum())(-7.0) == 1.0
    assert fungrad.grad(lambda hi: fnp.interp(x, xp, fp, left="extrapolate",
                                              right=hi).sum())(0.5) == 2.0
    with pytest.raises(ValueError, match="the only valid string value of `left` is "
                                         "'extrapolate', but got: 'foo'"):
        fnp.interp(x, xp, fp, left="foo")


@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_integer_and_bool_inputs(dtype):
    x = (np.array([0, 3, 1, 1, 0]) % (2 if dtype is np.bool_ else 5)).astype(dtype)
    if dtype is np.bool_:
        with pytest.raises(TypeError, match="gradient: boolean"):
            fnp.gradient(x)
    else:
        assert_same_as_numpy(fnp.gradient(x), np.gradient(x))
    for name, f in [("diff", lambda m: m.diff(x)),
                    ("trapezoid", lambda m: m.trapezoid(x)),
                    ("searchsorted", lambda m: m.searchsorted(np.sort(x), x)),
                    ("nonzero", lambda m: m.nonzero(x)[0]),
                    ("interp", lambda m: m.interp(x, np.arange(5), x))]:
        assert_same_as_numpy(f(fnp), f(np)), name


def test_searchsorted_nan_sorts_last():
    a = np.array([0.0, 1.0, np.nan])
    v = np.array([np.nan, 2.0, 0.5])
    for side in ("left", "right"):
        want = np.searchsorted(a, v, side)
        assert_same_as_numpy(fungrad.jit(lambda v: fnp.searchsorted(a, v, side))(v), want)


def test_bad_inputs():
    with pytest.raises(TypeError, match="nonzero.*size="):
        fungrad.jit(fnp.nonzero)(np.ones(3))
    with pytest.raises(ValueError, match="searchsorted: a must be 1-D"):
        fnp.searchsorted(np.ones((2, 2)), 1.0)
    with pytest.raises(ValueError, match="interp: xp and fp"):
        fnp.interp(1.0, np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="diff: order must be non-negative"):
        fnp.diff(np.ones(3), n=-1)
    with pytest.raises(ValueError, match="digitize: bins must be monotonic"):
        fnp.digitize(1.0, np.array([1.0, 0.0, 2.0]))
    with pytest.raises(ValueError, match="select: condlist"):
        fnp.select([np.ones(2) > 0], [np.ones(2), np.ones(2)])
    with pytest.raises(TypeError, match="choose: a must be integers"):
        fnp.choose(np.ones(2), [np.ones(2)])
    assert fnp.diff(np.array([1.0, 3.0])).tolist() == [2.0]  # fine after the errors


def test_bincount():
    x = np.array([0, 1, 1, 3, 1])
    w = np.array([0.5, 1.0, 2.0, -1.0, 0.25])
    assert_same_as_numpy(fnp.bincount(x), np.bincount(x))
    assert_same_as_numpy(fnp.bincount(x, minlength=6), np.bincount(x, minlength=6))
    assert_same_as_numpy(fnp.bincount(x, w), np.bincount(x, w))
    assert_same_as_numpy(fnp.bincount(x.astype(np.int32), w.astype(np.float32)),
                         np.bincount(x.astype(np.int32), w.astype(np.float32)))
    assert_same_as_numpy(fnp.bincount(np.zeros(0, np.int64)), np.bincount(np.zeros(0, int)))
    got = fungrad.jit(lambda x, w: fnp.bincount(x, w, length=3))(x, w)
    assert_same_as_numpy(got, np.bincount(x, w)[:3])
    batched = fungrad.vmap(lambda r: fnp.bincount(r, length=4))(np.stack([x, x[::-1]]))
    assert_same_as_numpy(batched[1], np.bincount(x[::-1], minlength=4))
    assert_derivatives(lambda w: fnp.bincount(x, w), (w,))
    with pytest.raises(TypeError, match="bincount: the result's length"):
        fungrad.jit(fnp.bincount)(x)
    # negative values count as 0, as in JAX (numpy raises), eagerly and under jit
    assert_same_as_numpy(fnp.bincount(np.array([-1, 2, -3])), np.bincount([0, 2, 0]))
    assert_same_as_numpy(fungrad.jit(lambda x: fnp.bincount(x, length=2))(np.array([-1, 2])),
                         np.array([1, 0]))
    with pytest.raises(TypeError, match="bincount: x must be a 1-D array"):
        fnp.bincount(np.ones(3))


@pytest.mark.parametrize("axis", [0, 1, None])
def test_put_along_axis(axis):
    a = np.arange(6.0).reshape(2, 3)
    idx = np.array([[2, 0, 1], [1, 0, 2]]) if axis is not None else np.array([4, 0])
    idx = idx[:1] if axis == 0 else idx
    idx = np.array([[1, 0, 1]]) if axis == 0 else idx
    want = a.copy()
    np.put_along_axis(want, idx, -5.0, axis)
    assert_same_as_numpy(fnp.put_along_axis(a, idx, -5.0, axis, inplace=False), want)
    assert_same_as_numpy(fungrad.jit(lambda a, v: fnp.put_along_axis(a, idx, v, axis,
                                                                     inplace=False))(a, -5.0),
                         want)
    assert_derivatives(lambda a, v: fnp.put_along_axis(a, idx, v, axis, inplace=False),
                       (a, np.array(1.5)))
    with pytest.raises(NotImplementedError, match="inplace=False"):
        fnp.put_along_axis(a, idx, 1.0, axis)


def test_interp_refuses_complex_points_as_numpy_does():
    # numpy raises for complex x or xp (only fp may be complex); fungrad used to drop the
    # imaginary part and answer
    with pytest.raises(TypeError):
        np.interp(0.5j, [0.0, 1.0], [0.0, 1.0])
    with pytest.raises(TypeError, match=r"interp: x must be real, got c128\[\]"):
        fnp.interp(0.5j, XP, XP)
    with pytest.raises(TypeError, match=r"interp: xp must be real, got c64\[5\]"):
        fnp.interp(0.5, XP.astype(np.complex64), XP)
    with pytest.raises(TypeError, match="interp: x must be real"):
        fungrad.jit(fnp.interp)(np.array([0.5j]), XP, XP)
    fp = np.cos(XP) + 1j * np.sin(XP)  # complex values are fine
    assert_same_as_numpy(fnp.interp(np.array([0.1, 0.7]), XP, fp),
                         np.interp(np.array([0.1, 0.7]), XP, fp))
