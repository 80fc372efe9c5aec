"""``fungrad.lax``: lax-level functions -- ``stop_gradient`` and structured control flow
(``cond``, ``switch``, ``while_loop``, ``fori_loop``, ``scan``) whose branches and bodies stay
in the IR as sub-jaxprs, so one IR serves every input value.

>>> import fungrad
>>> fungrad.lax.cond(True, lambda x: x + 1.0, lambda x: x - 1.0, 1.0)
np.float64(2.0)
"""
from fungrad.api import stop_gradient  # noqa: F401
from fungrad.control_flow import cond, fori_loop, scan, switch, while_loop  # noqa: F401
from fungrad.prims.special import erf, erf_inv, erfc  # noqa: F401
