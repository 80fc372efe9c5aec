"""User-defined ufuncs as JAX has them: ``ufunc`` wraps a scalar function, ``frompyfunc``
makes one.

Calling one maps the scalar function over its broadcast arguments with ``vectorize`` (that
is, ``vmap``). The methods of a binary, single-output ufunc fold the function along an axis
with ``lax.scan`` (``reduce``, ``accumulate``, ``reduceat``) or over the indices with a loop
(``at``), so they trace to one loop whatever the length, and they are differentiable like the
function. ``outer`` maps it over every pair. The control flow lives above this layer, so it
is imported when first needed. numpy's binary ufuncs (``add``, ``multiply``, ``maximum``, ...)
stay plain functions but carry these methods, as attributes, as they do in JAX.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np

from fungrad.core import Tracer, get_aval
from fungrad.numpy._util import _arr, _axis, _dtype, _ndim, _shape
from fungrad.numpy.dtypes import astype
from fungrad.numpy.indexing import _IndexUpdateRef, take
from fungrad.numpy.reductions import all, any, cumprod, cumsum, max, min, prod, sum  # noqa: A004
from fungrad.numpy.shapes import broadcast_to, expand_dims, moveaxis, ravel, reshape
from fungrad.numpy.ufuncs import (
    add, bitwise_and, bitwise_or, bitwise_xor, logical_and, logical_or, logical_xor, maximum,
    minimum, multiply, subtract,
)
from fungrad.numpy.vectorizing import vectorize
from fungrad.prims import elementwise as ew
from fungrad.prims import structural as st


class ufunc:
    """jax.numpy.ufunc: a scalar function ``func`` of ``nin`` arguments and ``nout``
    results, applied elementwise with broadcasting, with numpy's ufunc methods (``reduce``,
    ``accumulate``, ``reduceat``, ``outer``, ``at``) for binary single-output ones.
    ``call``, ``reduce``, ... replace the generic implementations.

    >>> import fungrad.numpy as fnp
    >>> hypot = ufunc(lambda x, y: fnp.sqrt(x * x + y * y), 2, 1, name="hypot")
    >>> hypot(np.array([3.0, 5.0]), 4.0)
    array([5.        , 6.40312424])
    >>> hypot.reduce(np.array([3.0, 4.0, 12.0]))
    np.float64(13.0)
    """

    def __init__(self, func: Callable, /, nin: int, nout: int, *, name: str | None = None,
                 nargs: int | None = None, identity: Any = None, call: Callable | None = None,
                 reduce: Callable | None = None, accumulate: Callable | None = None,
                 at: Callable | None = None, reduceat: Callable | None = None):
        if not callable(func):
            raise TypeError(f"fungrad.numpy.ufunc: func must be callable, got {func!r}")
        self.nin, self.nout = operator.index(nin), operator.index(nout)
        if self.nin < 1 or self.nout < 1:
            raise ValueError(f"fungrad.numpy.ufunc: nin and nout must be positive, got "
                             f"{nin} and {nout}")
        self._func = func
        self.__name__ = name or getattr(func, "__name__", "ufunc")
        self.nargs = self.nin if nargs is None else operator.index(nargs)
        self.identity = identity
        self._call, self._reduce, self._accumulate = call, reduce, accumulate
        self._at, self._reduceat = at, reduceat

    def __repr__(self) -> str:
        return f"<jnp.ufunc '{self.__name__}'>"

    def __call__(self, *args, out=None, where=None):
        if out is not None or where is not None:
            raise NotImplementedError(f"fungrad.numpy.ufunc {self.__name__}: out= and "
                                      "where= are not supported (as in JAX)")
        if len(args) != self.nin:
            raise TypeError(f"fungrad.numpy.ufunc {self.__name__}: takes {self.nin} "
                            f"argument(s), got {len(args)}")
        if self._call is not None:
            return self._call(*args)
        return vectorize(self._func)(*[_arr(a) for a in args])

    def _binary(self, method: str) -> None:
        if self.nin != 2 or self.nout != 1:
            raise ValueError(f"fungrad.numpy.ufunc {self.__name__}.{method} is only for "
                             f"binary ufuncs with one output, this one has nin={self.nin}, "
                             f"nout={self.nout}")

    def _operand(self, method: str, a, dtype, out):
        """A method's array operand, cast to ``dtype`` (``out=`` is refused, as in JAX)."""
        self._binary(method)
        if out is not None:
            raise NotImplementedError(f"fungrad.numpy.ufunc {self.__name__}.{method}: out= "
                                      "is not supported (as in JAX)")
        a = _arr(a)
        return a if dtype is None else astype(a, dtype)

    def _fold(self, init, xs, keep_all: bool):
        """Fold ``func`` along the leading axis of ``xs`` from ``init`` (elementwise over
        the other axes): the final value, or every intermediate one."""
        from fungrad.control_flow import scan  # above this layer: see the module docstring
        step = vectorize(self._func)

        def body(carry, x):
            new = astype(step(carry, x), _dtype(carry))
            return new, (new if keep_all else None)
        return scan(body, init, xs)

    def reduce(self, a, axis: int | None = 0, dtype=None, out=None, keepdims: bool = False,
               initial=None, where=None):
        """numpy's ``ufunc.reduce``: ``func`` folded along ``axis`` (all axes, flattened,
        when None), from ``initial`` if given (else from the first element; an empty axis
        needs ``initial`` or the ufunc's ``identity``). ``where`` masks elements out,
        which needs one of them too.

        >>> mul_add = frompyfunc(lambda x, y: x * y + 1, 2, 1)
        >>> mul_add.reduce(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), axis=1)
        array([ 10., 127.])
        """
        if self._reduce is not None:
            self._binary("reduce")
            return self._reduce(a, axis=axis, dtype=dtype, keepdims=keepdims,
                                initial=initial, where=where)
        a = self._operand("reduce", a, dtype, out)
        shape = _shape(a)
        if isinstance(axis, (tuple, list)):
            raise NotImplementedError(f"fungrad.numpy.ufunc {self.__name__}.reduce: a tuple "
                                      "of axes is not supported (as in JAX)")
        if axis is None:
            a, ax = ravel(a), 0
        else:
            ax = _axis(axis, _ndim(a), f"ufunc {self.__name__}.reduce")
        start = initial if initial is not None else self.identity
        if where is not None:
            if start is None:
                raise ValueError(f"fungrad.numpy.ufunc {self.__name__}.reduce: where= needs "
                                 "initial= or an identity for the masked-out elements")
            mask = broadcast_to(_arr(where), shape)
            a = ew.select(mask if axis is not None else ravel(mask), a,
                          astype(_arr(start), _dtype(a)))
        xs = moveaxis(a, ax, 0)
        rest = _shape(xs)[1:]
        if initial is None and where is None:
            if _shape(xs)[0] == 0:
                if self.identity is None:
                    raise ValueError(f"zero-size array to reduction operation "
                                     f"{self.__name__} which has no identity")
                init, xs = broadcast_to(astype(_arr(self.identity), _dtype(a)), rest), xs
            else:
                init, xs = xs[0], st.slice_axis(xs, 0, 1, _shape(xs)[0])
        else:
            init = broadcast_to(astype(_arr(start), _dtype(a)), rest)
        result, _ = self._fold(init, xs, False)
        if keepdims:
            result = reshape(result, (1,) * len(shape)) if axis is None else \
                expand_dims(result, ax)
        return result

    def accumulate(self, a, axis: int = 0, dtype=None, out=None):
        """numpy's ``ufunc.accumulate``: every partial fold along ``axis``.

        >>> mul_add = frompyfunc(lambda x, y: x * y + 1, 2, 1)
        >>> mul_add.accumulate(np.array([1.0, 2.0, 3.0]))
        array([ 1.,  3., 10.])
        """
        if self._accumulate is not None:
            self._binary("accumulate")
            return self._accumulate(a, axis=axis, dtype=dtype)
        a = self._operand("accumulate", a, dtype, out)
        ax = _axis(axis, _ndim(a), f"ufunc {self.__name__}.accumulate")
        xs = moveaxis(a, ax, 0)
        n = _shape(xs)[0]
        if n == 0:
            return a
        first = xs[0]
        _, partial = self._fold(first, st.slice_axis(xs, 0, 1, n), True)
        return moveaxis(st.concatenate([expand_dims(first, 0), partial], 0), 0, ax)

    def reduceat(self, a, indices, axis: int = 0, dtype=None, out=None):
        """numpy's ``ufunc.reduceat``: ``reduce`` over each slice ``indices[i]:indices[i+1]``
        along ``axis`` (just ``a[indices[i]]`` where the next index is not larger; the last
        slice runs to the end). ``indices`` must be concrete.

        >>> add = frompyfunc(lambda x, y: x + y, 2, 1, identity=0)
        >>> add.reduceat(np.arange(8.0), np.array([0, 4, 1, 5]))
        array([ 6.,  4., 10., 18.])
        """
        if self._reduceat is not None:
            self._binary("reduceat")
            return self._reduceat(a, indices, axis=axis, dtype=dtype)
        a = self._operand("reduceat", a, dtype, out)
        if isinstance(indices, Tracer):
            raise TypeError(f"fungrad.numpy.ufunc {self.__name__}.reduceat: indices must be "
                            f"concrete (the slices' lengths), got traced "
                            f"{indices.aval.str_short()}")
        ax = _axis(axis, _ndim(a), f"ufunc {self.__name__}.reduceat")
        idx = np.asarray(indices)
        n = _shape(a)[ax]
        if idx.ndim != 1 or idx.dtype.kind not in "iu" or np.any((idx < 0) | (idx >= n)):
            raise ValueError(f"fungrad.numpy.ufunc {self.__name__}.reduceat: indices must be "
                             f"1-D integers in [0, {n}), got {indices!r}")
        stops = list(idx[1:]) + [n]
        parts = []
        for start, stop in zip(idx, stops):
            piece = st.slice_axis(a, ax, int(start), int(stop) if stop > start else
                                  int(start) + 1)
            parts.append(expand_dims(self.reduce(piece, axis=ax), ax))
        return st.concatenate(parts, ax)

    def outer(self, A, B, /):
        """numpy's ``ufunc.outer``: ``func(A[i...], B[j...])`` for every pair, shape
        ``A.shape + B.shape``.

        >>> sub = frompyfunc(lambda x, y: x - y, 2, 1)
        >>> sub.outer(np.array([10.0, 20.0]), np.array([1.0, 2.0, 3.0]))
        array([[ 9.,  8.,  7.],
               [19., 18., 17.]])
        """
        self._binary("outer")
        A, B = _arr(A), _arr(B)
        return self(reshape(A, _shape(A) + (1,) * _ndim(B)), B)

    def at(self, a, indices, b=None, /, *, inplace: bool = True):
        """numpy's ``ufunc.at`` as JAX has it (pass ``inplace=False``; the result is a
        copy): ``a[i] = func(a[i], b)`` for each index in turn, so repeated indices apply
        again (for unary ufuncs ``func(a[i])``, without ``b``).

        >>> mul_add = frompyfunc(lambda x, y: x * y + 1, 2, 1)
        >>> mul_add.at(np.zeros(4), np.array([0, 0, 2]), np.array([1.0, 2.0, 3.0]),
        ...            inplace=False)
        array([3., 0., 1., 0.])
        """
        if inplace:
            raise ValueError(f"fungrad.numpy.ufunc {self.__name__}.at cannot modify arrays "
                             "in-place, because fungrad arrays are immutable. Pass "
                             "inplace=False to instead return an updated array.")
        if self.nout != 1 or self.nin not in (1, 2) or (self.nin == 2) != (b is not None):
            raise ValueError(f"fungrad.numpy.ufunc {self.__name__}.at takes b for binary "
                             f"ufuncs and no b for unary ones, with one output (this one: "
                             f"nin={self.nin}, nout={self.nout})")
        if self._at is not None:
            return self._at(a, indices, b)
        from fungrad.control_flow import fori_loop  # see the module docstring
        a = _arr(a)
        parts = indices if isinstance(indices, tuple) else (indices,)
        parts = [_arr(p) for p in parts]
        for p in parts:
            if _dtype(p).kind not in "iu":
                raise TypeError(f"fungrad.numpy.ufunc {self.__name__}.at: indices must be "
                                f"integer arrays, got {get_aval(p).str_short()}")
        index_shape = np.broadcast_shapes(*[_shape(p) for p in parts])
        flat = [ravel(broadcast_to(p, index_shape)) for p in parts]
        count = int(math.prod(index_shape))
        item_shape = index_shape + _shape(a)[len(parts):]
        values = None if b is None else reshape(
            broadcast_to(astype(_arr(b), _dtype(a)), item_shape),
            (count,) + _shape(a)[len(parts):])
        step = vectorize(self._func)

        def body(i, x):
            where = tuple(take(f, i) for f in flat)  # take: f may be a numpy array
            current = x[where]
            new = step(current) if values is None else step(current, take(values, i, 0))
            return x.at[where].set(astype(new, _dtype(x)))
        return fori_loop(0, count, body, a)


def frompyfunc(func: Callable, /, nin: int, nout: int, *, identity: Any = None) -> ufunc:
    """numpy.frompyfunc as JAX has it: a ``ufunc`` from a scalar function (its results have
    their natural dtypes, not numpy's object dtype).

    >>> add = frompyfunc(lambda x, y: x + y, 2, 1, identity=0)
    >>> add.accumulate(np.array([1, 2, 3]))
    array([1, 3, 6])
    """
    return ufunc(func, nin, nout, identity=identity)


# ---------------------------------------------------------------------------------------------
# numpy's binary ufuncs carry the methods too: ``fnp.add.at(x, i, v, inplace=False)``,
# ``fnp.maximum.reduce(x)``, ``fnp.multiply.outer(a, b)``. The functions stay plain functions
# (no call overhead on ``x + y``); each gets the bound methods of a ufunc that calls it, with
# the fast reduction or scatter where fungrad has one.
# ---------------------------------------------------------------------------------------------

def _reduction(fn):
    """``fn`` (sum, prod, ...) with ufunc.reduce's signature (axis 0 by default)."""
    def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        if where is not None:
            raise NotImplementedError(f"fungrad.numpy.{fn.__name__} (as a ufunc's reduce): "
                                      "where= is not supported")
        kwargs = {} if dtype is None else {"dtype": dtype}
        if initial is not None:
            kwargs["initial"] = initial
        return fn(a, axis=axis, keepdims=keepdims, **kwargs)
    return reduce


def _scatter_add_at(a, indices, b):
    return _IndexUpdateRef(_arr(a), indices).add(b)  # x.at[indices].add(b), for numpy x too


def _give_ufunc_methods(fn, identity=None, reduce=None, accumulate=None, at=None):
    u = ufunc(fn, 2, 1, name=fn.__name__, identity=identity, call=fn,
              reduce=None if reduce is None else _reduction(reduce),
              accumulate=None if accumulate is None else
              (lambda a, axis=0, dtype=None: accumulate(a, axis=axis, dtype=dtype)), at=at)
    fn.nin, fn.nout, fn.nargs, fn.identity = 2, 1, 2, identity
    fn.reduce, fn.accumulate, fn.reduceat = u.reduce, u.accumulate, u.reduceat
    fn.outer, fn.at = u.outer, u.at


_give_ufunc_methods(add, 0, sum, cumsum, _scatter_add_at)
_give_ufunc_methods(multiply, 1, prod, cumprod)
_give_ufunc_methods(maximum, None, max)
_give_ufunc_methods(minimum, None, min)
_give_ufunc_methods(subtract)
_give_ufunc_methods(logical_and, True, all)
_give_ufunc_methods(logical_or, False, any)
_give_ufunc_methods(logical_xor, False)
_give_ufunc_methods(bitwise_and, -1)
_give_ufunc_methods(bitwise_or, 0)
_give_ufunc_methods(bitwise_xor, 0)
