"""Structure keys of eager traces: what the backward cache (``fungrad.vjp``) is keyed by.

A key says everything the backward pass of a trace depends on besides its values: each
equation's primitive (and vjp rule, which a test may swap), params, inputs and the avals of
every variable. Variables are numbered in the order the trace created them (the order of
its values dict), so an eager ``grad`` trace records its key while it traces
(``JaxprTrace.process`` appends one entry per equation) and ``vjp.structure_key`` computes
the same key afterwards from any jaxpr and that order.

>>> import numpy as np, fungrad.numpy as fnp
>>> from fungrad.core import trace_to_jaxpr
>>> closed, _, values, recorded = trace_to_jaxpr(lambda x: [fnp.sin(x) * 2.0], [np.ones(2)],
...                                              keep_values=True, record_structure=True)
>>> [(prim.name, ins, out) for prim, _vjp, _params, ins, out in recorded]
[('sin', (0,), 1), ('mul', (1, (2.0, ShapedArray(float64[], weak_type=True))), 2)]
"""
from __future__ import annotations

from operator import attrgetter

import numpy as np

from fungrad.avals import get_aval

_PLAIN_PARAM_TYPES = (bool, int, float, complex, str, type(None), np.dtype, type,
                      type(Ellipsis))
# Tuple subclasses (a NamedTuple of axes, the static part of an index) and singletons that
# are values and nothing more, registered by the module that defines them. Each is the only
# form its primitive's param takes (the rules read its fields), so a plain tuple equal to it
# can never stand for the same param.
_PLAIN_TUPLE_TYPES: set = {tuple}
_PLAIN_VALUE_TYPES: set = set()

# Each distinct params tuple met in a key gets a number (False: it cannot be keyed by value),
# so a key holds one int per equation instead of its params: hashing and comparing a key
# then costs nothing per param. Numbers are never reused (the table may be cleared when it
# grows, the counter goes on), so a key can never come to mean another structure.
MAX_PARAM_IDS = 4096
_param_ids: dict = {}
_next_param_id = [0]


def plain_param(p) -> bool:
    """A param the key can hold by value: no functions or jaxprs (whose rules may run the
    user's code, which must run on every call) and nothing mutable.

    >>> plain_param((1, "a")), plain_param(lambda: 0)
    (True, False)
    """
    kind = type(p)
    if kind in _PLAIN_TUPLE_TYPES:
        return all(plain_param(q) for q in p)
    return isinstance(p, _PLAIN_PARAM_TYPES) or kind in _PLAIN_VALUE_TYPES


def register_plain_param_type(cls: type) -> type:
    """Let params of type ``cls`` be keyed by value: a tuple subclass whose items are plain
    params, or an immutable value type compared by ``==``. Without it an equation with such
    a param makes its trace's backward pass run the rules again on every call.

    >>> class Axes(tuple): pass
    >>> before = plain_param(Axes((0, 1)))
    >>> before, register_plain_param_type(Axes) is Axes, plain_param(Axes((0, 1)))
    (False, True, True)
    """
    (_PLAIN_TUPLE_TYPES if issubclass(cls, tuple) else _PLAIN_VALUE_TYPES).add(cls)
    return cls


def params_id(items: tuple):
    """The number of a params tuple (``tuple(params.items())``), or False if not plain.

    >>> params_id((("axes", (0,)),)) == params_id((("axes", (0,)),))
    True
    """
    try:
        pid = _param_ids.get(items)
    except TypeError:  # an unhashable param: not plain
        return False
    if pid is None:
        pid = False
        if all(plain_param(v) for _, v in items):
            pid = _next_param_id[0] = _next_param_id[0] + 1
        if len(_param_ids) >= MAX_PARAM_IDS:
            _param_ids.clear()
        _param_ids[items] = pid
    return pid


def literal_key(val, aval) -> tuple:
    """A literal's stand-in for a variable number: its value and aval, and a zero by its
    text too, since -0.0 == 0.0 but x * -0.0 and x * 0.0 have cotangents of opposite sign.

    >>> from fungrad.avals import ShapedArray
    >>> literal_key(-0.0, ShapedArray((), np.float64, True))[0]
    '-0.0'
    """
    return (val, aval) if val else (repr(val), aval)


class Key:
    """A structure key hashed once (a tuple rehashes every element at each lookup). Only
    ``parts`` is hashed (ints, primitives, functions: hashed in C); ``avals`` (every
    variable's aval, in numbering order) is compared, not hashed: hashing an aval is a
    Python call, comparing two of the same (shared) aval is an identity test."""

    __slots__ = ("parts", "avals", "hash")

    def __init__(self, parts: tuple, avals: tuple):
        self.parts, self.avals, self.hash = parts, avals, hash(parts)

    def __hash__(self):
        return self.hash

    def __eq__(self, other):
        return self.hash == other.hash and self.parts == other.parts and \
            self.avals == other.avals


_new = object.__new__
aval_of = attrgetter("aval")
number_of = attrgetter("n")  # a Var's number in its trace; a Literal's literal_key
shape_of = attrgetter("aval.shape")


def is_unit_cotangent(ct) -> bool:
    """Is ``ct`` a floating scalar equal to one, as grad's seed is? The compiled backward
    pass then holds it as a literal, so the rules' products with it fold away.

    >>> is_unit_cotangent(np.ones(())), is_unit_cotangent(np.float32(2.0))
    (True, False)
    """
    return _is_unit(ct, get_aval(ct))


def _is_unit(ct, aval) -> bool:
    return aval.shape == () and aval.dtype.kind in "fc" and bool(ct == 1)


def cotangent_key(ct):
    """An output cotangent's part of a key: None where it is zero, its aval, or the aval
    and 1 for a unit cotangent (``is_unit_cotangent``), which is compiled in."""
    if ct is None:
        return None
    aval = get_aval(ct)
    return (aval, 1) if _is_unit(ct, aval) else aval


def make_key(n_in: int, consts: tuple, differentiated, out_cts, entries: tuple, outs: tuple,
             order: list) -> Key:
    """The key from its pieces (``Key(...)`` without the Python ``__init__`` frame): the
    number of inputs (numbered first), the const variables' numbers, which inputs are
    differentiated, the cotangents (their avals; None where zero), one entry per equation,
    the outputs' numbers and every variable in numbering order. Raises TypeError on an
    unhashable literal.
    """
    key = _new(Key)
    key.parts = parts = (
        n_in, consts, tuple(differentiated), tuple(map(cotangent_key, out_cts)), entries,
        outs, tuple(map(shape_of, order[:n_in])))
    key.avals = tuple(map(aval_of, order))
    key.hash = hash(parts)
    return key
