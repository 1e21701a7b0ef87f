"""The fixed-point format of the epoch: subtensor's I32F32, vectorised over numpy integers.

Format
------
A real number ``x`` is held as the integer ``raw = x · 2**32`` (32 fractional bits), exactly as
subtensor's ``substrate_fixed::I32F32`` holds it, so every intermediate value of the epoch can be
compared bit for bit with the chain's. ``ONE`` (``1 << 32``) is 1.0. Every quantity of the epoch
is non-negative, so arrays carry the raw bits as ``numpy.uint64`` (the only signed arithmetic, in
the liquid-alpha sigmoid, uses ``int64``; see ``_liquid_alpha``). Stored weights and bonds are
``uint16``; stake is a ``uint64`` amount of base units.

Rounding (all of it is floor, as in ``substrate_fixed``; no float takes part in any result)
--------------------------------------------------------------------------------------------
================================  ==========================================================
operation                         integer definition
================================  ==========================================================
``mul(a, b)``                     ``floor(a · b / 2**32)``  (I32F32 multiply)
``div(a, d)``, ``div_le(a, d)``   ``floor(a · 2**32 / d)``  (I32F32 divide)
``normalize(x)``                  ``div(x_i, Σx)``; unchanged when ``Σx = 0``
``normalize_lines(m, axis)``      ``div(m_ij, Σ of its row or column)``; zero lines unchanged
``max_upscale_lines(m, axis)``    ``div(m_ij, max of its row or column)``; zero lines unchanged
``from_u16_proportion(b)``        ``floor(b · 2**32 / 65535)``  (``b = 65535`` gives ONE)
``to_u16_proportion(x)``          ``min(floor(x · 65535 / 2**32), 65535)``
``scale_amount(x, E)``            ``floor(x · E / 2**32)``  (a share of an emission)
================================  ==========================================================

Products are formed in ``uint64`` only where they provably fit (each helper states its bounds
and splits an operand into 32-bit halves where they would not); numpy's wrap-around is used on
purpose in one place (a remainder known to lie in ``[0, 3d)``). Divisions of whole matrices use a
per-line integer reciprocal followed by an exact remainder correction, which is several times
faster than ``numpy``'s element-wise integer division and gives the same quotient.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

FRAC_BITS = 32
ONE = 1 << FRAC_BITS
U16_MAX = 65_535
_MASK32 = ONE - 1
_U64_MAX = (1 << 64) - 1

Fixed: TypeAlias = NDArray[np.uint64]
"""An array of non-negative I32F32 raw values."""


def as_fixed(values: ArrayLike) -> Fixed:
    """``values`` as a ``uint64`` array of raw I32F32 bits (no scaling; a view when possible)."""
    return np.asarray(values, dtype=np.uint64)


def from_u16_proportion(values: ArrayLike) -> Fixed:
    """u16 proportions as I32F32: ``floor(b · 2**32 / 65535)``, exact.

    Uses ``2**32 = 65535 · 65537 + 1``: the quotient is ``b · 65537`` plus one when ``b = 65535``.
    """
    b = np.asarray(values, dtype=np.uint16)
    out = np.left_shift(b, np.uint64(16), dtype=np.uint64)  # b · 65537 = (b << 16) + b
    out += b
    out += b == U16_MAX
    return out


def to_u16_proportion(values: Fixed, *, at_most_one: bool = False) -> NDArray[np.uint16]:
    """I32F32 proportions as u16: ``min(floor(x · 65535 / 2**32), 65535)`` (values below 2**47).

    ``at_most_one`` promises ``x ≤ ONE``, where the minimum is not needed.
    """
    x = as_fixed(values)
    scaled = x << np.uint64(16)  # x · 65535 = (x << 16) - x
    scaled -= x
    scaled >>= np.uint64(FRAC_BITS)
    if not at_most_one:
        np.minimum(scaled, np.uint64(U16_MAX), out=scaled)
    return scaled.astype(np.uint16)


def to_float(values: Fixed) -> NDArray[np.float64]:
    """I32F32 raw values as float64 (``raw / 2**32``; exact below 2**53). Presentation only."""
    return as_fixed(values).astype(np.float64) / float(ONE)


def mul(a: ArrayLike, b: ArrayLike) -> Fixed:
    """I32F32 product ``floor(a · b / 2**32)`` of non-negative raw values, broadcast.

    ``b`` must be a proportion (``b ≤ ONE``); ``a`` may be any value below 2**63. Pass the
    smaller array (a scalar or a vector) as ``a``: its range decides whether ``a`` is split into
    32-bit halves, so that no product leaves ``uint64``.
    """
    a64 = as_fixed(a)
    b64 = as_fixed(b)
    if a64.size == 0 or int(a64.max()) < ONE:
        return (a64 * b64) >> np.uint64(FRAC_BITS)
    high = a64 >> np.uint64(FRAC_BITS)
    low = a64 & np.uint64(_MASK32)
    return high * b64 + ((low * b64) >> np.uint64(FRAC_BITS))


def div(a: ArrayLike, d: ArrayLike) -> Fixed:
    """I32F32 quotient ``floor(a · 2**32 / d)`` of non-negative raw values, broadcast, exact.

    Long division: the integer part, then the 32 fractional bits in chunks as wide as the
    largest divisor leaves room for (one chunk when ``d ≤ 2**32``); meant for vectors.
    Requires ``a, d < 2**63`` and a quotient below 2**63. A zero divisor gives zero.
    """
    if np.ndim(d) == 0:
        divisor = int(d)  # type: ignore[arg-type]
        if divisor == 0:
            return np.zeros(np.shape(a), dtype=np.uint64)
        return _long_division(as_fixed(a), np.uint64(divisor), divisor)
    a64, d64 = np.broadcast_arrays(as_fixed(a), as_fixed(d))
    safe = np.where(d64 == 0, np.uint64(1), d64)
    largest = int(safe.max()) if safe.size else 1
    return np.where(d64 == 0, np.uint64(0), _long_division(a64, safe, largest))


def _long_division(a: Fixed, d: Fixed | np.uint64, largest: int) -> Fixed:
    """``floor(a · 2**32 / d)`` for ``d ≥ 1``, ``largest`` being the largest divisor."""
    quotient = a // d
    remainder = a - quotient * d
    step = min(FRAC_BITS, max(1, 64 - largest.bit_length()))
    left = FRAC_BITS
    while left:
        bits = min(step, left)
        shift = np.uint64(bits)
        remainder = remainder << shift
        digits = remainder // d
        remainder -= digits * d
        quotient = (quotient << shift) | digits
        left -= bits
    return quotient


def reciprocal(d: ArrayLike) -> Fixed:
    """``floor((2**64 - 1) / d)``: the multiplier :func:`div_le` uses for divisor ``d``."""
    return np.uint64(_U64_MAX) // as_fixed(d)


def div_le(a: ArrayLike, d: ArrayLike, *, a_max: int = ONE, inverse: Fixed | None = None) -> Fixed:
    """``floor(a · 2**32 / d)`` for ``0 ≤ a ≤ d``, ``a ≤ a_max ≤ ONE``, ``1 ≤ d < 2**62``.

    The normalising division of whole matrices (``d`` is broadcast per line; ``inverse``, if
    given, is ``reciprocal(d)`` computed once; ``a_max`` is a bound the caller knows, which
    spares a scan of ``a``). With ``m = floor((2**64 - 1) / d)`` the estimate
    ``q = floor(a · m / 2**32)`` fits in ``uint64`` (``a · m < 2**64`` because ``a ≤ d``) and,
    since ``a · m / 2**32 > a · 2**32 / d - (a + 1) / 2**32``, falls short of the true
    quotient by at most one — two where ``a = ONE`` — and only where the estimate's fraction
    is within ``(a + 1) / 2**32`` of the next integer (checked first; usually nowhere).
    Otherwise each correction step adds one where the exact remainder ``a · 2**32 - q · d``
    (computed modulo 2**64, and known to lie in ``[0, 3d)``) is still ``≥ d``. The result is
    the exact floor.
    """
    a64 = np.asarray(a)
    if a64.dtype not in (np.uint16, np.uint32, np.uint64):
        a64 = as_fixed(a64)
    d64 = as_fixed(d)
    m = reciprocal(d64) if inverse is None else inverse
    product = np.multiply(a64, m, dtype=np.uint64)
    quotient = product >> np.uint64(FRAC_BITS)
    # The estimate a·m / 2**32 lies less than (a + 1) / 2**32 below the true quotient, so its
    # floor can fall short only where its own fraction f exceeds 1 - (a + 1) / 2**32, that is
    # where f + a ≥ 2**32 (in raw units). Usually no element is that close: nothing to correct.
    product &= np.uint64(_MASK32)
    if a_max < ONE // 2:
        close = product > np.uint64(_MASK32 - a_max - 1)
    else:
        product += a64
        close = product >= np.uint64(_MASK32)
    if not close.any():
        return quotient
    remainder = np.left_shift(a64, np.uint64(FRAC_BITS), dtype=np.uint64)
    remainder -= quotient * d64
    corrections = 2 if a_max >= ONE and int(a64.max(initial=0)) >= ONE else 1
    for step in range(corrections):
        over = remainder >= d64
        quotient += over
        if step + 1 < corrections:
            remainder -= over * d64
    return quotient


def normalize(values: ArrayLike) -> Fixed:
    """``x / Σx`` in I32F32 (subtensor's ``normalize``); an all-zero vector is returned as is."""
    x = as_fixed(values)
    total = int(x.sum(dtype=np.uint64))
    if total == 0:
        return x.copy()
    return div(x, total)


def nonzero_divisors(sums: Fixed) -> Fixed:
    """Divisors for a line-wise normalisation: zero sums become 1 (their lines are all zero)."""
    return np.maximum(sums, np.uint64(1))


def normalize_lines(matrix: Fixed, axis: int, *, a_max: int = ONE) -> Fixed:
    """Each line along ``axis`` divided by its sum (I32F32); lines summing to zero stay zero.

    ``axis=0`` normalises columns, ``axis=1`` rows (subtensor's ``inplace_col_normalize`` and
    ``inplace_row_normalize``).
    """
    sums = matrix.sum(axis=axis, dtype=np.uint64, keepdims=True)
    return div_le(matrix, nonzero_divisors(sums), a_max=a_max)


def max_upscale_lines(matrix: Fixed, axis: int) -> Fixed:
    """Each line along ``axis`` divided by its maximum, so its largest entry becomes ONE."""
    if matrix.size == 0:
        return matrix.copy()
    maxima = matrix.max(axis=axis, keepdims=True)
    return div_le(matrix, nonzero_divisors(maxima))


def scale_amount(shares: Fixed, amount: int) -> list[int]:
    """``floor(x · amount / 2**32)`` for each share ``x ≤ ONE``: a part of a token amount.

    Exact for any non-negative ``amount``: in ``uint64`` below 2**64 (``amount`` split into
    32-bit halves), with Python integers above.
    """
    x = as_fixed(shares)
    if amount < 1 << 64:
        high, low = np.uint64(amount >> FRAC_BITS), np.uint64(amount & _MASK32)
        scaled = x * high + ((x * low) >> np.uint64(FRAC_BITS))
        values: list[int] = scaled.tolist()
        return values
    return [(int(v) * amount) >> FRAC_BITS for v in x.tolist()]


def top_k_nonzero(values: Fixed, k: int) -> NDArray[np.bool_]:
    """True where a value is non-zero and among the ``k`` largest (subtensor's permit rule).

    A stable ascending sort decides ties: of equal values the lower index is cleared first.
    """
    keep = values != 0
    n = values.size
    if n < k:
        return keep
    order = np.argsort(values, kind="stable")
    keep[order[: n - k]] = False
    return keep
