"""``fungrad.lax``: JAX's ``jax.lax``, the namespace over fungrad's primitives
(``fungrad/prims/``) and structured control flow (``cond``, ``switch``, ``while_loop``,
``fori_loop``, ``scan``, whose branches and bodies stay in the IR as sub-jaxprs).

>>> import fungrad
>>> fungrad.lax.cond(True, lambda x: x + 1.0, lambda x: x - 1.0, 1.0)
np.float64(2.0)
"""
from fungrad.api import stop_gradient  # noqa: F401
from fungrad.control_flow import cond, fori_loop, scan, switch, while_loop  # noqa: F401
from fungrad.lax.convolution import (  # noqa: F401
    ConvDimensionNumbers, conv, conv_dimension_numbers, conv_general_dilated, conv_transpose,
    conv_with_general_padding, padtype_to_pads,
)
from fungrad.lax.precision import Precision  # noqa: F401
from fungrad.prims.conv import conv_general_dilated_p  # noqa: F401
from fungrad.lax.shapes import pad  # noqa: F401
from fungrad.lax.windowed import (  # noqa: F401
    reduce_window, reduce_window_max, reduce_window_min, reduce_window_prod, reduce_window_sum,
)
from fungrad.prims.elementwise import add, maximum as max, minimum as min, mul  # noqa: F401,A004
