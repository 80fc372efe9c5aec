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
shift_left_p, left_shift = elementwise("shift_left", np.left_shift, nondiff=True)
shift_right_p, right_shift = elementwise("shift_right", np.right_shift, nondiff=True)
bitwise_count_p, bitwise_count = elementwise("bitwise_count", np.bitwise_count,
                                                nondiff=True)
signbit_p, signbit = elementwise("signbit", np.signbit, nondiff=True)
spacing_p, spacing = elementwise("spacing", np.spacing, nondiff=True)
nextafter_p, nextafter = elementwise("nextafter", np.nextafter, nondiff=True)
frexp_exponent_p, frexp_exponent = elementwise("frexp_exponent", _frexp_exponent,
                                               nondiff=True)
