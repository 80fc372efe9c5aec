"""``Precision``: the matmul/convolution precision hint, accepted and ignored (numpy computes
in the operands' own dtype, the highest precision there is).

>>> from fungrad.lax import Precision
>>> Precision.HIGHEST, Precision("highest") is Precision.HIGHEST
(<Precision.HIGHEST: 2>, True)
"""
from __future__ import annotations

import enum


class Precision(enum.Enum):
    """JAX's precision levels: ``DEFAULT``, ``HIGH``, ``HIGHEST`` (also by name, as strings
    such as ``'highest'``, ``'float32'`` or ``'bfloat16_3x'``).

    >>> Precision.DEFAULT.name
    'DEFAULT'
    """
    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value):
        names = {"default": cls.DEFAULT, "bfloat16": cls.DEFAULT, "fastest": cls.DEFAULT,
                 "high": cls.HIGH, "bfloat16_3x": cls.HIGH, "tensorfloat32": cls.HIGH,
                 "highest": cls.HIGHEST, "float32": cls.HIGHEST}
        if isinstance(value, str) and value.lower() in names:
            return names[value.lower()]
        return None


def check_precision(name: str, precision) -> None:
    """Accept what JAX accepts (None, a Precision or its name, or a pair of them); raise a
    clear error for anything else. The value itself changes nothing here."""
    items = precision if isinstance(precision, (tuple, list)) else (precision,)
    if isinstance(precision, (tuple, list)) and len(precision) != 2:
        raise ValueError(f"{name}: precision must be None, a Precision or a pair of them, "
                         f"got {precision!r}")
    for p in items:
        if p is None or isinstance(p, Precision):
            continue
        try:
            Precision(p)
        except ValueError:
            raise ValueError(f"{name}: precision must be None, a lax.Precision or one of "
                             f"its names ('default', 'high', 'highest'), got {p!r}") from None
