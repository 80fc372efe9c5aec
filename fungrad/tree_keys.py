"""Keys: how a pytree path names a child (``jax.tree_util``'s key classes). A path is a
tuple of keys; ``fungrad.tree_util`` re-exports every name here.

>>> keystr((DictKey("layers"), SequenceKey(0), GetAttrKey("w")))
"['layers'][0].w"
"""
from __future__ import annotations

import dataclasses
from typing import Hashable, TypeVar

__all__ = ["SequenceKey", "DictKey", "GetAttrKey", "FlattenedIndexKey", "KeyEntry", "KeyPath",
           "keystr"]


@dataclasses.dataclass(frozen=True)
class SequenceKey:
    """The ``idx``-th element of a tuple or list; prints ``[idx]``.

    >>> str(SequenceKey(2))
    '[2]'
    """

    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"


@dataclasses.dataclass(frozen=True)
class DictKey:
    """The entry ``key`` of a dict; prints ``['key']``.

    >>> str(DictKey("w"))
    "['w']"
    """

    key: Hashable

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    """The attribute ``name`` (namedtuples, dataclasses); prints ``.name``.

    >>> str(GetAttrKey("bias"))
    '.bias'
    """

    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class FlattenedIndexKey:
    """The ``key``-th child of a node registered without keys; prints ``[<flat index key>]``.

    >>> str(FlattenedIndexKey(1))
    '[<flat index 1>]'
    """

    key: int

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


# A key is any of the classes above (or a user's own hashable key); a path is a tuple of them.
KeyEntry = TypeVar("KeyEntry", bound=Hashable)
KeyPath = tuple[KeyEntry, ...]


def keystr(keys: tuple, *, simple: bool = False, separator: str = "") -> str:
    """A path as text, as JAX prints it: each key's ``str`` joined by ``separator``; with
    ``simple=True`` each key is just its name or index (compact, but ``0`` may then be a
    list position or a dict key).

    >>> keystr((DictKey("layers"), SequenceKey(0), GetAttrKey("w")))
    "['layers'][0].w"
    >>> keystr((DictKey("layers"), SequenceKey(0), GetAttrKey("w")), simple=True, separator="/")
    'layers/0/w'
    """
    if not isinstance(separator, str):
        raise TypeError(f"keystr: separator must be a str, got {type(separator).__name__} "
                        f"{separator!r}")
    if not simple:
        return separator.join(str(k) for k in keys)
    return separator.join(_simple_key(k) for k in keys)


def _simple_key(k) -> str:
    # the bare name or index each key class holds; a user's own key prints as it likes
    if isinstance(k, DictKey):
        return str(k.key)
    if isinstance(k, SequenceKey):
        return str(k.idx)
    if isinstance(k, GetAttrKey):
        return k.name
    if isinstance(k, FlattenedIndexKey):
        return str(k.key)
    return str(k)
