"""Contraction primitives: ``dot_general`` (lax's batched tensor contraction) and
``einsum`` (with ``parse_einsum``). Both are bilinear: each operand's cotangent contracts the
output's cotangent with the other operands.
"""
from __future__ import annotations

import math
import string

import numpy as np

from fungrad.core import ShapedArray, bind
from fungrad.prims.elementwise import add, mul
from fungrad.prims.rules import defjvp, defvjp, primitive, probe_value
from fungrad.prims.shapes import _shape_of, broadcast_to, reshape, transpose


# ----------------------------------------------------------------------------- dot_general
def _dot_general_abstract(x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    for name, aval, dims in (("lhs", x, lc + lb), ("rhs", y, rc + rb)):
        if any(not 0 <= d < aval.ndim for d in dims) or len(set(dims)) != len(dims):
            raise ValueError(f"dot_general: invalid dimensions {dims} for the {name} "
                             f"{aval.str_short()}")
    if len(lc) != len(rc) or any(x.shape[a] != y.shape[b] for a, b in zip(lc, rc)):
        raise TypeError(
            "dot_general requires contracting dimensions to have the same shape, got "
            f"{tuple(x.shape[a] for a in lc)} and {tuple(y.shape[b] for b in rc)} "
            f"(operands {x.str_short()} and {y.str_short()})")
    if len(lb) != len(rb) or any(x.shape[a] != y.shape[b] for a, b in zip(lb, rb)):
        raise TypeError(
            "dot_general requires batch dimensions to have the same shape, got "
            f"{tuple(x.shape[a] for a in lb)} and {tuple(y.shape[b] for b in rb)} "
            f"(operands {x.str_short()} and {y.str_short()})")
    x_free = [d for d in range(x.ndim) if d not in lc and d not in lb]
    y_free = [d for d in range(y.ndim) if d not in rc and d not in rb]
    shape = tuple(x.shape[d] for d in lb) + tuple(x.shape[d] for d in x_free) + \
        tuple(y.shape[d] for d in y_free)
    dtype = np.multiply(probe_value(x), probe_value(y)).dtype
    return ShapedArray(shape, dtype)


def _dot_general_impl(x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    if not lb:
        # the common cases are one BLAS call; tensordot covers the rest
        xn = x.ndim if type(x) is np.ndarray else np.ndim(x)
        yn = y.ndim if type(y) is np.ndarray else np.ndim(y)
        if lc == (xn - 1,) and rc == (0,) and xn <= 2 and yn <= 2:
            return np.dot(x, y)
        if lc == (0,) and rc == (0,) and xn == 2 and 1 <= yn <= 2:
            return np.dot(x.T, y)
        if lc == (1,) and rc == (1,) and xn == 2 and yn == 2:
            return np.dot(x, y.T)
        if lc == (0,) and rc == (1,) and xn == 2 and yn == 2:  # (y x)^T, as jacrev makes
            return np.dot(x.T, y.T)
        if lc == (0,) and rc == (1,) and xn == 1 and yn == 2:
            return np.dot(y, x)
        return np.tensordot(x, y, (lc, rc))
    x, y = np.asarray(x), np.asarray(y)
    x_free = [d for d in range(x.ndim) if d not in lc and d not in lb]
    y_free = [d for d in range(y.ndim) if d not in rc and d not in rb]
    batch = [x.shape[d] for d in lb]
    xf, yf = [x.shape[d] for d in x_free], [y.shape[d] for d in y_free]
    c = int(math.prod([x.shape[d] for d in lc]))
    b = int(math.prod(batch))
    xt = np.transpose(x, list(lb) + x_free + list(lc)).reshape(
        b, int(math.prod(xf)), c)
    yt = np.transpose(y, list(rb) + list(rc) + y_free).reshape(
        b, c, int(math.prod(yf)))
    return np.matmul(xt, yt).reshape(batch + xf + yf)


dot_general_p = primitive("dot_general", _dot_general_impl, _dot_general_abstract)


def _dot_general_emit(avals, dimension_numbers):
    """The common contractions as one ``np.dot`` (transposes are free views)."""
    (lc, rc), (lb, rb) = dimension_numbers
    nx, ny = avals[0].ndim, avals[1].ndim
    if lb or any(a.weak_type for a in avals):
        return None
    if lc == (nx - 1,) and rc == (0,) and 1 <= nx <= 2 and 1 <= ny <= 2:
        return "{dot}({0}, {1})", {"dot": np.dot}
    if nx == 2 and 1 <= ny <= 2 and lc == (0,) and rc == (0,):
        return "{dot}({0}.T, {1})", {"dot": np.dot}
    if nx == 2 and ny == 2 and lc == (1,) and rc == (1,):
        return "{dot}({0}, {1}.T)", {"dot": np.dot}
    if nx == 2 and ny == 2 and lc == (0,) and rc == (1,):  # tensordot would copy both
        return "{dot}({0}.T, {1}.T)", {"dot": np.dot}
    if nx == 1 and ny == 2 and lc == (0,) and rc == (1,):
        return "{dot}({1}, {0})", {"dot": np.dot}
    return None


dot_general_p.emit = _dot_general_emit


def dot_general(x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    if not lc and not lb and (not _shape_of(x) or not _shape_of(y)):
        return mul(x, y)  # no contraction with a scalar: a product (what rules often make)
    return bind(dot_general_p, x, y, dimension_numbers=_int_dims(dimension_numbers))


def _int_dims(dimension_numbers):
    """Dimension numbers as tuples of Python ints (hashable, comparable params); most
    callers already pass exactly that, which is checked cheaply first."""
    (lc, rc), (lb, rb) = dimension_numbers
    if type(lc) is tuple and type(rc) is tuple and type(lb) is tuple and type(rb) is tuple \
            and all(type(d) is int for d in lc + rc + lb + rb):
        return dimension_numbers
    return ((tuple(int(d) for d in lc), tuple(int(d) for d in rc)),
            (tuple(int(d) for d in lb), tuple(int(d) for d in rb)))


def _dot_general_ct_lhs(g, x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    x_nd, y_nd = len(_shape_of(x)), len(_shape_of(y))
    x_free = [d for d in range(x_nd) if d not in lc and d not in lb]
    y_free = [d for d in range(y_nd) if d not in rc and d not in rb]
    nb = len(lb)
    g_y_free = tuple(range(nb + len(x_free), nb + len(x_free) + len(y_free)))
    ct = dot_general(g, y, ((g_y_free, tuple(y_free)), (tuple(range(nb)), rb)))
    # ct's dims stand for x's: batch, free, then lc ordered as rc sorts
    x_dims = list(lb) + x_free + [lc[i] for i in np.argsort(rc)]
    return transpose(ct, np.argsort(x_dims))


def _dot_general_ct_rhs(g, x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    x_nd, y_nd = len(_shape_of(x)), len(_shape_of(y))
    x_free = [d for d in range(x_nd) if d not in lc and d not in lb]
    nb = len(lb)
    g_x_free = tuple(range(nb, nb + len(x_free)))
    ct = dot_general(x, g, ((tuple(x_free), g_x_free), (lb, tuple(range(nb)))))
    y_free = [d for d in range(y_nd) if d not in rc and d not in rb]
    y_dims = list(rb) + [rc[i] for i in np.argsort(lc)] + y_free
    return transpose(ct, np.argsort(y_dims))


defjvp(dot_general_p,
       lambda t, ans, x, y, dimension_numbers: dot_general(t, y, dimension_numbers),
       lambda t, ans, x, y, dimension_numbers: dot_general(x, t, dimension_numbers))
defvjp(dot_general_p,
       lambda g, ans, x, y, dimension_numbers: _dot_general_ct_lhs(g, x, y, dimension_numbers),
       lambda g, ans, x, y, dimension_numbers: _dot_general_ct_rhs(g, x, y, dimension_numbers))


def _batch_dot_general(args, batched, size, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    x, y = args
    up = lambda dims: tuple(d + 1 for d in dims)  # noqa: E731
    if batched[0] and batched[1]:  # the examples pair up: one more batch dimension
        return dot_general(x, y, ((up(lc), up(rc)), ((0,) + up(lb), (0,) + up(rb)))), True
    if batched[0]:  # x's batch axis is a free axis: it lands after the batch dimensions
        out = dot_general(x, y, ((up(lc), rc), (up(lb), rb)))
        where = len(lb)
    else:  # y's batch axis lands after the batch dimensions and x's free axes
        out = dot_general(x, y, ((lc, up(rc)), (lb, up(rb))))
        where = len(lb) + len(_shape_of(x)) - len(lc) - len(lb)
    nd = len(_shape_of(out))
    perm = (where,) + tuple(i for i in range(nd) if i != where)
    return transpose(out, perm), True


dot_general_p.batch = _batch_dot_general


# ----------------------------------------------------------------------------- einsum
def parse_einsum(subscripts: str, shapes) -> tuple:
    """Normalize ``'ij,jk'`` to ``(('ij', 'jk'), 'ik')``, checking it against the shapes."""
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise NotImplementedError("fungrad.numpy.einsum: ellipsis ('...') in subscripts is "
                                  "not supported; write the dimensions out")
    if "->" in spec:
        ins, out = spec.split("->")
    else:
        ins = spec
        letters = ins.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    operands = tuple(ins.split(","))
    if len(operands) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(operands)} operands, "
                         f"got {len(shapes)}")
    sizes: dict = {}
    for term, shape in zip(operands, shapes):
        if len(term) != len(shape):
            raise ValueError(f"einsum: operand subscripts {term!r} do not match its shape "
                             f"{tuple(shape)}")
        for c, d in zip(term, shape):
            if c not in string.ascii_letters:
                raise ValueError(f"einsum: invalid subscript {c!r} in {subscripts!r}")
            if sizes.setdefault(c, d) != d:
                raise ValueError(f"einsum: size of label {c!r} differs: {sizes[c]} and {d} "
                                 f"in {subscripts!r} for operands of shapes "
                                 + " and ".join(str(tuple(s)) for s in shapes))
    for c in out:
        if c not in sizes:
            raise ValueError(f"einsum: output label {c!r} appears in no operand")
    return operands, out


def _einsum_abstract(*avals, operands, output):
    sizes = {}
    for term, a in zip(operands, avals):
        sizes.update(zip(term, a.shape))
    dtype = np.result_type(*[probe_value(a) for a in avals])
    return ShapedArray(tuple(sizes[c] for c in output), dtype)


einsum_p = primitive("einsum", lambda *xs, operands, output: np.einsum(
    ",".join(operands) + "->" + output, *xs), _einsum_abstract)


def einsum(operands: tuple, output: str, *xs):
    return bind(einsum_p, *xs, operands=tuple(operands), output=output)


def _einsum_jvp(primals, tangents, operands, output):
    ans = einsum(operands, output, *primals)
    out = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        args = list(primals)
        args[i] = t
        c = einsum(operands, output, *args)
        out = c if out is None else add(out, c)
    return ans, out


def _einsum_vjp(g, primals, ans, needs, operands, output):
    cts = []
    for i, need in enumerate(needs):
        if not need:
            cts.append(None)
            continue
        term = operands[i]
        if len(set(term)) != len(term):
            raise NotImplementedError(
                f"reverse-mode einsum with a repeated label in one operand ({term!r}) is not "
                "supported; use fungrad.numpy.diagonal / trace for that operand")
        others = [t for j, t in enumerate(operands) if j != i] + [output]
        known = set("".join(others))
        reachable = "".join(c for c in term if c in known)
        args = [p for j, p in enumerate(primals) if j != i] + [g]
        ct = einsum(tuple(others), reachable, *args)
        if reachable != term:  # labels only this operand has: its cotangent is constant there
            shape_i = _shape_of(primals[i])
            kept = tuple(d if c in known else 1 for c, d in zip(term, shape_i))
            ct = broadcast_to(reshape(ct, kept), shape_i)
        cts.append(ct)
    return cts


einsum_p.jvp = _einsum_jvp
einsum_p.vjp = _einsum_vjp


def _batch_einsum(args, batched, size, operands, output):
    letter = next(c for c in string.ascii_letters if c not in "".join(operands) + output)
    terms = tuple(letter + t if b else t for t, b in zip(operands, batched))
    return einsum(terms, letter + output, *args), True


einsum_p.batch = _batch_einsum
