"""Structural primitives, one module per family, re-exported here as one namespace
(``from fungrad.prims import structural as st``; ``st.reshape``, ``st.gather``, ...):

- ``shapes``: ``broadcast_to`` (with ``sum_to_shape``, ``zeros``), ``reshape``,
  ``transpose``, ``rev``;
- ``indexing``: ``gather``, ``scatter_add``, ``scatter``, ``slice_axis``, and the
  ``Indexer`` param of a static numpy index;
- ``joining``: ``concatenate``, ``pad``;
- ``reductions``: ``reduce_sum``/``max``/``min``/``prod``/``and``/``or``, ``argmax``,
  ``argmin``, ``argsort``, ``cumsum``, ``cumprod``;
- ``contractions``: ``dot_general``, ``einsum``.

Like the elementwise ones, each primitive's rules sit right beside it. Most of these are
linear, so their derivatives are themselves or their transposes (``reduce_sum`` and
``broadcast_to``, ``gather`` and ``scatter_add``, ``concatenate`` and slicing). Their batch
rules (vmap) take the batch as the leading axis of every batched operand; a primitive
without one (or a rule returning None) is batched by a loop over the examples.
"""
from fungrad.prims.shapes import (  # noqa: F401
    broadcast_to, broadcast_to_p, reshape, reshape_p, rev, rev_p, sum_to_shape, transpose,
    transpose_p, zeros,
)
from fungrad.prims.indexing import (  # noqa: F401
    ARRAY, FungradIndexError, Indexer, default_fill, gather, gather_p, scatter, scatter_add,
    scatter_add_p, scatter_p, slice_axis,
)
from fungrad.prims.joining import concatenate, concatenate_p, pad, pad_p  # noqa: F401
from fungrad.prims.reductions import (  # noqa: F401
    _prod_others, argmax, argmax_p, argmin, argmin_p, argsort, argsort_p, cumprod, cumprod_p,
    cumsum, cumsum_p, expand_reduced, reduce_and, reduce_and_p, reduce_max, reduce_max_p,
    reduce_min, reduce_min_p, reduce_or, reduce_or_p, reduce_prod, reduce_prod_p, reduce_sum,
    reduce_sum_p,
)
from fungrad.prims.contractions import (  # noqa: F401
    dot_general, dot_general_p, einsum, einsum_p, parse_einsum,
)
