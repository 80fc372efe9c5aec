"""Elementwise primitives on the bits and integers of numbers: ``gcd``, ``lcm``, shifts,
``signbit``, ``spacing``, ``nextafter`` and the exponent of ``frexp``.

Their results are integers, booleans or step functions of their inputs, so their derivatives
are zero (``nondiff``), as in JAX.
"""
from __future__ import annotations

import numpy as np

from fungrad.prims.elementwise import elementwise


def _frexp_exponent(x):
    return np.frexp(x)[1]


gcd_p, gcd = elementwise("gcd", np.gcd, nondiff=True)
lcm_p, lcm = elementwise("lcm", np.lcm, nondiff=True)
# numpy's shifts, named as numpy names them: lax's shift_left (prims/bits.py) differs where
# the shift is out of range, so the two must not share a name in the printed IR
left_shift_p, left_shift = elementwise("left_shift", np.left_shift, nondiff=True)
right_shift_p, right_shift = elementwise("right_shift", np.right_shift, nondiff=True)
bitwise_count_p, bitwise_count = elementwise("bitwise_count", np.bitwise_count,
                                                nondiff=True)
signbit_p, signbit = elementwise("signbit", np.signbit, nondiff=True)
spacing_p, spacing = elementwise("spacing", np.spacing, nondiff=True)
nextafter_p, nextafter = elementwise("nextafter", np.nextafter, nondiff=True)
frexp_exponent_p, frexp_exponent = elementwise("frexp_exponent", _frexp_exponent,
                                               nondiff=True)
