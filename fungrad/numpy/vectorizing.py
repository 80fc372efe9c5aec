"""Lifting functions over arrays: vectorize (on ``vmap``, with ``excluded`` and numpy's
``signature``), apply_along_axis and apply_over_axes.

``vmap`` lives above this layer (fungrad.vmap is built on fungrad.numpy), so it is imported
when first called, not at import time.
"""
from __future__ import annotations

import functools
import math
import re

import numpy as np

from fungrad.numpy._util import _arr, _axis, _ndim, _shape
from fungrad.numpy.shapes import broadcast_to, expand_dims, moveaxis, reshape

_DIMS = re.compile(r"\(([^()]*)\)")


def _parse_signature(signature: str):
    try:
        ins, outs = signature.replace(" ", "").split("->")
    except ValueError:
        raise ValueError(f"fungrad.numpy.vectorize: not a valid signature: {signature!r}") \
            from None
    parse = lambda part: [tuple(d for d in m.split(",") if d)  # noqa: E731
                          for m in _DIMS.findall(part)]
    return parse(ins), parse(outs), outs.count("(") > 1 or outs.startswith("(") and \
        outs.count("(") != 1


def vectorize(pyfunc, *, excluded=frozenset(), signature: str | None = None):
    """numpy.vectorize as JAX does it: ``pyfunc`` mapped with ``vmap`` over the broadcast
    loop dimensions (``signature`` names core dimensions, e.g. ``'(n),(n)->()'``);
    ``excluded`` positions or keywords are passed through unmapped.

    >>> import fungrad.numpy as fnp
    >>> vectorize(lambda a, b: fnp.where(a > b, a + b, a - b))(np.array([1.0, 5.0]), 3.0)
    array([-2.,  8.])
    >>> vectorize(fnp.dot, signature="(n),(n)->()")(np.ones((4, 3)), np.ones(3))
    array([3., 3., 3., 3.])
    """
    sig = None if signature is None else _parse_signature(signature)

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        from fungrad.vmap import vmap  # see the module docstring
        mapped = [i for i in range(len(args)) if i not in excluded]
        fixed_kwargs = {k: v for k, v in kwargs.items() if k in excluded}
        if [k for k in kwargs if k not in excluded]:
            raise TypeError("fungrad.numpy.vectorize: pass mapped arguments by position "
                            f"(or list {sorted(k for k in kwargs if k not in excluded)} in "
                            "excluded)")
        arrays = [_arr(args[i]) for i in mapped]
        if sig is None:
            cores = [()] * len(arrays)
        else:
            if len(sig[0]) != len(arrays):
                raise TypeError(f"fungrad.numpy.vectorize: signature {signature!r} has "
                                f"{len(sig[0])} inputs, got {len(arrays)} mapped arguments")
            cores = sig[0]
        sizes: dict = {}
        loops = []
        for x, core in zip(arrays, cores):
            shape = _shape(x)
            if len(shape) < len(core):
                raise ValueError(f"fungrad.numpy.vectorize: input of shape {shape} has fewer "
                                 f"dimensions than its core dimensions {core}")
            for name, d in zip(core, shape[len(shape) - len(core):]):
                if sizes.setdefault(name, d) != d:
                    raise ValueError(f"fungrad.numpy.vectorize: inconsistent size for core "
                                     f"dimension {name!r}: {sizes[name]} and {d}")
            loops.append(shape[:len(shape) - len(core)])
        loop = np.broadcast_shapes(*loops) if loops else ()
        n = int(math.prod(loop))
        flat = [reshape(broadcast_to(x, loop + _shape(x)[len(s):]), (n,) + _shape(x)[len(s):])
                for x, s in zip(arrays, loops)]

        def one(*mapped_args):
            full = list(args)
            for i, a in zip(mapped, mapped_args):
                full[i] = a
            return pyfunc(*full, **fixed_kwargs)

        if n == 0:
            raise ValueError("fungrad.numpy.vectorize: cannot map over size-0 loop "
                             "dimensions")
        out = vmap(one)(*flat) if flat else one()
        if isinstance(out, tuple):
            return tuple(reshape(o, loop + _shape(o)[1:]) for o in out)
        return reshape(out, loop + _shape(out)[1:])

    return wrapped


def apply_along_axis(func1d, axis: int, arr, *args, **kwargs):
    """numpy.apply_along_axis: ``func1d`` on every 1-D slice along ``axis`` (with ``vmap``);
    its result's dimensions replace that axis.

    >>> apply_along_axis(lambda v: v[0] + v[-1], 1, np.arange(6.0).reshape(2, 3))
    array([2., 8.])
    """
    from fungrad.vmap import vmap  # see the module docstring
    a = _arr(arr)
    nd = _ndim(a)
    axis = _axis(axis, nd, "apply_along_axis")
    moved = moveaxis(a, axis, -1)
    lead = _shape(moved)[:-1]
    flat = reshape(moved, (int(math.prod(lead)), _shape(moved)[-1]))
    out = vmap(lambda v: func1d(v, *args, **kwargs))(flat)
    out = reshape(out, lead + _shape(out)[1:])
    extra = _ndim(out) - len(lead)
    # numpy puts the result's own dimensions where axis was
    return moveaxis(out, tuple(range(len(lead), len(lead) + extra)),
                    tuple(range(axis, axis + extra))) if extra else out


def apply_over_axes(func, a, axes):
    """numpy.apply_over_axes: ``a = func(a, axis)`` for each axis in turn, keeping the
    dimensions.

    >>> import fungrad.numpy as fnp
    >>> apply_over_axes(fnp.sum, np.ones((2, 3, 4)), [0, 2])
    array([[[8.],
            [8.],
            [8.]]])
    """
    val = _arr(a)
    nd = _ndim(val)
    for ax in (axes if isinstance(axes, (list, tuple)) else [axes]):
        ax = _axis(ax, nd, "apply_over_axes")
        res = func(val, ax)
        if _ndim(res) == nd:
            val = res
        elif _ndim(res) == nd - 1:
            val = expand_dims(res, ax)
        else:
            raise ValueError("fungrad.numpy.apply_over_axes: function is not returning an "
                             "array of the correct shape")
    return val
