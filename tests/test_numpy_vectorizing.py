"""fungrad.numpy.vectorize, apply_along_axis, apply_over_axes: values against numpy's, jit,
derivatives through the vmapped function."""
from __future__ import annotations

import numpy as np
import pytest

import fungrad
import fungrad.numpy as fnp
from helpers import assert_derivatives, assert_same_as_numpy


def test_vectorize_elementwise_and_excluded():
    f = lambda a, b, scale: fnp.where(a > b, a * b, a - b) * scale  # noqa: E731
    g = lambda a, b, scale: (a * b if a > b else a - b) * scale  # noqa: E731
    x, y = np.array([[1.0, 4.0, 2.0]]), np.array([[3.0], [0.5]])
    want = np.vectorize(g, excluded={2})(x, y, 2.0)
    assert_same_as_numpy(fnp.vectorize(f, excluded={2})(x, y, 2.0), want)
    assert_same_as_numpy(fungrad.jit(fnp.vectorize(f, excluded={2}), static_argnums=2)(
        x, y, 2.0), want)
    assert_derivatives(lambda a: fnp.vectorize(f, excluded={2})(a, y, 2.0), (x + 0.1,))


def test_vectorize_signature():
    x, y = np.arange(12.0).reshape(4, 3), np.arange(3.0)
    dot = fnp.vectorize(fnp.dot, signature="(n),(n)->()")
    assert_same_as_numpy(dot(x, y), np.vectorize(np.dot, signature="(n),(n)->()")(x, y))
    outer = fnp.vectorize(fnp.outer, signature="(n),(m)->(n,m)")
    assert_same_as_numpy(outer(x, y[:2]), np.vectorize(np.outer, signature="(n),(m)->(n,m)")(
        x, y[:2]))
    both = fnp.vectorize(lambda v: (fnp.sum(v), fnp.max(v)), signature="(n)->(),()")
    got = both(x)
    assert_same_as_numpy(got[0], x.sum(1))
    assert_same_as_numpy(got[1], x.max(1))
    assert_derivatives(lambda a: dot(a, y), (x,))


def test_apply_along_and_over_axes():
    a = np.arange(24.0).reshape(2, 3, 4)
    for axis in (0, 1, -1):
        for f, nf in [(lambda v: fnp.sum(v * v), lambda v: np.sum(v * v)),
                      (lambda v: fnp.stack([v[0], v[-1]]), lambda v: np.stack([v[0], v[-1]])),
                      (lambda v: fnp.outer(v, v), lambda v: np.outer(v, v))]:
            assert_same_as_numpy(fnp.apply_along_axis(f, axis, a),
                                 np.apply_along_axis(nf, axis, a))
    assert_same_as_numpy(fnp.apply_over_axes(fnp.sum, a, [0, 2]),
                         np.apply_over_axes(np.sum, a, [0, 2]))
    assert_derivatives(lambda x: fnp.apply_along_axis(lambda v: fnp.sum(fnp.sin(v)), 1, x),
                       (a / 10.0,))


def test_bad_inputs():
    with pytest.raises(ValueError, match="vectorize: inconsistent size for core dimension"):
        fnp.vectorize(fnp.dot, signature="(n),(n)->()")(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="vectorize: not a valid signature"):
        fnp.vectorize(fnp.dot, signature="(n),(n)")(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="apply_over_axes: function is not returning"):
        fnp.apply_over_axes(lambda x, ax: fnp.sum(x), np.ones((2, 2, 2)), [0])
    assert fnp.vectorize(lambda a: a * 2.0)(np.ones(2)).tolist() == [2.0, 2.0]
