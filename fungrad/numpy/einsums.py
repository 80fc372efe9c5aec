"""einsum: Einstein summation, in numpy's three spellings (explicit labels, implicit output,
and the sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``), with ``...`` for broadcast
dimensions; and einsum_path.

Everything is normalized here to explicit single-letter labels; the ``einsum`` primitive
(fungrad.prims.contractions) then contracts, with its own derivative rules.
"""
from __future__ import annotations

import string

import numpy as np

from fungrad.numpy._util import _array_results, _shape, _strong, _strong_operand, _traced
from fungrad.numpy.indexing import diagonal
from fungrad.numpy.shapes import broadcast_to
from fungrad.prims import structural as st

_LETTERS = string.ascii_letters


def _from_sublists(args) -> tuple[str, list]:
    """``(op, sublist, op, sublist, ..., [output])`` as a subscripts string and operands."""
    args = list(args)
    output = args.pop() if len(args) % 2 == 1 else None
    operands, terms = args[0::2], args[1::2]

    def labels(sub) -> str:
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            else:
                try:
                    i = int(s)
                except (TypeError, ValueError):
                    raise TypeError(f"fungrad.numpy.einsum: sublist entries must be integers "
                                    f"or Ellipsis, got {s!r}") from None
                if not 0 <= i < len(_LETTERS):
                    raise ValueError(f"fungrad.numpy.einsum: sublist label {i} is out of "
                                     f"range [0, {len(_LETTERS)})")
                out.append(_LETTERS[i])
        return "".join(out)

    spec = ",".join(labels(t) for t in terms)
    if output is not None:
        spec += "->" + labels(output)
    return spec, operands


def _expand_ellipsis(spec: str, ops: list) -> tuple[str, list]:
    """Write each ``...`` as letters no operand uses, broadcasting the operands' ellipsis
    dimensions against each other (numpy's rule, right-aligned)."""
    ins, arrow, out = spec.partition("->")
    terms = ins.split(",")
    if len(terms) != len(ops):
        raise ValueError(f"fungrad.numpy.einsum: subscripts {spec!r} name {len(terms)} "
                         f"operands, got {len(ops)}")
    used = set(spec) - set(".,->")
    free = [c for c in _LETTERS if c not in used]
    ell_shapes = []
    for term, x in zip(terms, ops):
        if "..." in term:
            if term.count("...") > 1 or term.replace("...", "").count(".") > 0:
                raise ValueError(f"fungrad.numpy.einsum: invalid ellipsis in {term!r}")
            k = len(_shape(x)) - (len(term) - 3)
            if k < 0:
                raise ValueError(f"fungrad.numpy.einsum: operand subscripts {term!r} do not "
                                 f"match its shape {_shape(x)}")
            start = term.index("...")
            ell_shapes.append(_shape(x)[start:start + k])
        elif "." in term:
            raise ValueError(f"fungrad.numpy.einsum: invalid subscripts {term!r}")
        else:
            ell_shapes.append(None)
    given = [s for s in ell_shapes if s is not None]
    try:
        ell = np.broadcast_shapes(*given) if given else ()
    except ValueError:
        raise ValueError(f"fungrad.numpy.einsum: the ellipsis dimensions "
                         f"{' and '.join(map(str, given))} do not broadcast") from None
    ell_letters = "".join(free[:len(ell)])
    new_terms, new_ops = [], []
    for term, x, es in zip(terms, ops, ell_shapes):
        if es is None:
            new_terms.append(term)
            new_ops.append(x)
            continue
        mine = ell_letters[len(ell) - len(es):]
        start = term.index("...")
        shape = _shape(x)
        target = shape[:start] + ell[len(ell) - len(es):] + shape[start + len(es):]
        new_ops.append(x if target == shape else broadcast_to(x, target))
        new_terms.append(term.replace("...", mine))
    if arrow:
        out = out.replace("...", ell_letters)
        if "." in out:
            raise ValueError(f"fungrad.numpy.einsum: invalid output subscripts in {spec!r}")
    else:  # numpy's implicit output: broadcast dimensions first, then the lone labels sorted
        letters = "".join(t.replace(ell_letters, "") for t in new_terms) if ell_letters else \
            "".join(new_terms)
        singles = sorted(c for c in set(letters) if letters.count(c) == 1)
        out = ell_letters + "".join(singles)
    return ",".join(new_terms) + "->" + out, new_ops


def _normalize(subscripts, operands):
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists((subscripts,) + tuple(operands))
    ops = [_strong_operand(x) for x in operands]
    spec = subscripts.replace(" ", "")
    if "." in spec:
        spec, ops = _expand_ellipsis(spec, ops)
    return spec, ops


@_array_results
def einsum(subscripts, /, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None, _dot_general=None):
    """numpy.einsum: explicit or implicit labels, ``...`` for broadcast dimensions, or the
    sublist form; repeated labels within one operand take its diagonal first.
    ``optimize`` is accepted (the contraction is done by numpy's einsum eagerly and by one
    primitive when traced).

    >>> einsum("ij,j->i", np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    >>> einsum("...ij,...jk", np.ones((5, 2, 3)), np.ones((3, 4))).shape
    (5, 2, 4)
    >>> einsum(np.ones((2, 3)), [0, 1], np.ones(3), [1], [0])
    array([3., 3.])
    """
    if out is not None:
        raise NotImplementedError("fungrad.numpy.einsum: out= is not supported (arrays are "
                                  "immutable)")
    spec, ops = _normalize(subscripts, operands)
    terms, output = st.parse_einsum(spec, [_shape(x) for x in ops])
    terms = list(terms)
    for i, term in enumerate(terms):
        while len(set(term)) != len(term):
            c = next(ch for ch in term if term.count(ch) > 1)
            p = term.index(c)
            q = term.index(c, p + 1)
            ops[i] = diagonal(ops[i], 0, p, q)
            term = term[:p] + term[p + 1:q] + term[q + 1:] + c
        terms[i] = term
    if not _traced(*ops):
        # JAX's default 'auto' is numpy's default order (no reordering)
        plan = False if optimize in (None, "auto") else optimize
        return np.einsum(",".join(terms) + "->" + output, *ops, optimize=plan)
    return st.einsum(tuple(terms), output, *ops)


def einsum_path(subscripts, /, *operands, optimize="greedy"):
    """numpy.einsum_path: numpy's contraction order for these shapes (only shapes are
    used, so traced operands are fine).

    >>> path, report = einsum_path("ij,jk,kl->il", np.ones((2, 3)), np.ones((3, 4)),
    ...                            np.ones((4, 5)))
    >>> path
    ['einsum_path', (1, 2), (0, 1)]
    """
    spec, ops = _normalize(subscripts, operands)
    # numpy plans from shapes alone: stand-ins of the same shapes (views of one zero)
    stand_ins = [np.broadcast_to(np.zeros((), np.float64), _shape(x)) for x in ops]
    return np.einsum_path(spec, *stand_ins, optimize=optimize)
