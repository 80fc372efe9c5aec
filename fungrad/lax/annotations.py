"""The type aliases JAX's lax signatures are written with, for annotating code that calls
them (they are typing constructs; nothing checks them at run time).

>>> DotDimensionNumbers
tuple[tuple[typing.Sequence[int], typing.Sequence[int]], tuple[typing.Sequence[int], typing.Sequence[int]]]
"""
from __future__ import annotations

from typing import Any, Sequence, Union

from fungrad.lax.convolution import ConvDimensionNumbers
from fungrad.lax.precision import Precision

__all__ = ["ConvGeneralDilatedDimensionNumbers", "DotDimensionNumbers", "PrecisionLike"]

#: ``((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))`` of ``dot_general``
DotDimensionNumbers = tuple[tuple[Sequence[int], Sequence[int]],
                            tuple[Sequence[int], Sequence[int]]]

#: what ``precision=`` takes: None, a ``Precision`` (or its name), or one per operand
PrecisionLike = Union[None, str, Precision, tuple[str, str], tuple[Precision, Precision], Any]

#: ``conv_general_dilated``'s ``dimension_numbers``: None, three layout strings such as
#: ``("NCHW", "OIHW", "NCHW")``, or a ``ConvDimensionNumbers``
ConvGeneralDilatedDimensionNumbers = Union[None, ConvDimensionNumbers, tuple[str, str, str]]
