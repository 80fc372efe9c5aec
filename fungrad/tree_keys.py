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


def keystr(keys: tuple) -> str:
    """A path as text, as JAX prints it.

    >>> keystr((DictKey("layers"), SequenceKey(0), GetAttrKey("w")))
    "['layers'][0].w"
    """
    return "".join(str(k) for k in keys)
