"""Liquid alpha: a per-cell bond EMA rate from a sigmoid, in exact I32F32 integer arithmetic.

subtensor (``alpha_sigmoid``) computes, for the bond of validator ``i`` on UID ``j``::

    diff  = clamp(W̃_ij - C_j, 0, 1)   if W̃_ij ≥ B_ij   (buying: weight above consensus)
          = clamp(B_ij - W̃_ij, 0, 1)   otherwise        (selling: bond above weight)
    x     = (steepness / -100) · (diff - 0.5)
    alpha_ij  = clamp(alpha_low + (alpha_high - alpha_low) / (1 + exp(x)), alpha_low, alpha_high)

with ``substrate_fixed``'s ``exp``: 30 Taylor terms (``i = 2 … 31``), each term floored after
the multiply and after the division by ``i``, ``1 / exp(|x|)`` for negative ``x``, and 0 when any
step overflows I32F32. This module reproduces that arithmetic bit for bit with ``numpy``
integers (signed steps in ``int64``, with operands split into 32-bit halves so no product leaves
64 bits), so the rate — and therefore the bonds — agree across machines without any float.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from noosphere.consensus._fixed import FRAC_BITS, ONE, Fixed, mul

_HALF = ONE >> 1
_I64_MAX = (1 << 63) - 1
_MASK32 = np.uint64(ONE - 1)
_SHIFT = np.uint64(FRAC_BITS)
# substrate_fixed's e: the I9F23 constant floor(e · 2**23) = 22802600, widened to 32 bits.
_E = 22_802_600 << 9
_TAYLOR_TERMS = range(2, FRAC_BITS)
_NO_OVERFLOW = 20 * ONE


def _checked_mul(term: Fixed, operand: Fixed) -> tuple[Fixed, NDArray[np.bool_]]:
    """``floor(t · y / 2**32)`` for raw values below 2**63, and where it overflows I32F32."""
    t_high, t_low = term >> _SHIFT, term & _MASK32
    y_high, y_low = operand >> _SHIFT, operand & _MASK32
    top = t_high * y_high
    overflow = top >= np.uint64(1 << 31)
    limit = np.uint64(_I64_MAX)
    total = np.where(overflow, np.uint64(0), top << _SHIFT)
    for part in (t_high * y_low, t_low * y_high, (t_low * y_low) >> _SHIFT):
        total = total + part  # both addends are below 2**63, so the sum fits in uint64
        overflow |= total > limit
        total = np.where(overflow, np.uint64(0), total)
    return total, overflow


def _mul_small(term: Fixed, operand: Fixed) -> Fixed:
    """``floor(t · y / 2**32)`` when the result is known to stay below 2**63."""
    t_high, t_low = term >> _SHIFT, term & _MASK32
    y_high, y_low = operand >> _SHIFT, operand & _MASK32
    return term * y_high + t_high * y_low + ((t_low * y_low) >> _SHIFT)


def fixed_exp(x: NDArray[np.int64]) -> NDArray[np.int64]:
    """``substrate_fixed::transcendental::exp`` on I32F32 raw values, 0 where it errs.

    ``safe_exp`` semantics: an overflow anywhere in the series gives 0. For ``|x| ≤ 20`` no
    step can overflow (each product ``term · |x|`` is at most ``20**20 / 19! ≈ 8.6e8`` and each
    partial sum at most ``e**20 ≈ 4.9e8``, both below 2**31), so the checks are skipped there.
    """
    magnitude = np.abs(x).astype(np.uint64)
    result = magnitude + np.uint64(ONE)
    term = magnitude.copy()
    failed = magnitude > np.uint64(_I64_MAX - ONE)
    checked = bool(magnitude.size) and int(magnitude.max()) > _NO_OVERFLOW
    for i in _TAYLOR_TERMS:
        if checked:
            term, overflow = _checked_mul(term, magnitude)
            failed |= overflow
        else:
            term = _mul_small(term, magnitude)
        term //= np.uint64(i)
        result = result + term
        if checked:
            failed |= result > np.uint64(_I64_MAX)
            result = np.where(failed, np.uint64(ONE), result)
            term = np.where(failed, np.uint64(0), term)
    negative = x < 0
    if negative.any():
        # 1 / result = floor(2**64 / result); result ≥ ONE, so the quotient is at most ONE.
        inverse = _two_pow_64_div(result)
        result = np.where(negative, inverse, result)
    out = result.astype(np.int64)
    out[x == 0] = ONE
    out[x == ONE] = _E
    out[failed] = 0
    return out


def _two_pow_64_div(divisor: Fixed) -> Fixed:
    """``floor(2**64 / d)`` for ``d ≥ 1`` in ``uint64`` (2**64 itself does not fit)."""
    top = np.uint64((1 << 64) - 1)
    quotient = top // divisor
    quotient += (top - quotient * divisor) == divisor - np.uint64(1)
    return quotient


def _exponent(combined_diff: Fixed, steepness: int) -> NDArray[np.int64]:
    """``(steepness / -100) · (diff - 0.5)`` with subtensor's rounding (truncating divide,
    flooring multiply)."""
    magnitude = (abs(steepness) << FRAC_BITS) // 100
    slope = -magnitude if steepness > 0 else magnitude
    centered = combined_diff.astype(np.int64) - _HALF
    slope_high, slope_low = slope >> FRAC_BITS, slope & (ONE - 1)
    return slope_high * centered + ((slope_low * centered) >> FRAC_BITS)


def liquid_alphas(
    weights: Fixed,
    bonds: Fixed,
    consensus: Fixed,
    *,
    alpha_low: int,
    alpha_high: int,
    steepness: int,
) -> Fixed:
    """The matrix of per-cell EMA rates alpha (I32F32); ``alpha_low ≤ alpha_high`` are raw.

    ``consensus`` broadcasts against ``weights`` (one value per UID). The exponential is
    evaluated once per distinct exponent (cells often share one).
    """
    zero = np.uint64(0)
    diff_buy = np.where(weights > consensus, weights - consensus, zero)
    diff_sell = np.where(bonds > weights, bonds - weights, zero)
    combined = np.where(weights >= bonds, diff_buy, diff_sell)
    exponent = _exponent(combined, steepness)
    distinct, where = np.unique(exponent, return_inverse=True)
    exp_values = fixed_exp(distinct).astype(np.uint64)
    denominator = np.minimum(exp_values, np.uint64(_I64_MAX - ONE)) + np.uint64(ONE)
    sigmoid = _two_pow_64_div(denominator)
    alpha = np.uint64(alpha_low) + mul(sigmoid, np.uint64(alpha_high - alpha_low))
    alpha = np.clip(alpha, np.uint64(alpha_low), np.uint64(alpha_high))
    return alpha[where.reshape(exponent.shape)]


def ema_with_alphas(new: Fixed, old: Fixed, alphas: Fixed) -> Fixed:
    """``min((1 - alpha) · old + alpha · new, 1)`` per cell (subtensor's ``mat_ema_alpha``)."""
    decayed = mul(np.uint64(ONE) - alphas, old)
    increment = mul(alphas, new)
    return np.minimum(decayed + increment, np.uint64(ONE))
