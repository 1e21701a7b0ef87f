"""Stake-weighted κ-quantile of many columns at once: the consensus weight of each UID.

subtensor's ``weighted_median_col`` finds, per column, the score ``v`` whose stake interval
contains the minority point ``m = Σs - κ`` (``Σs`` being the renormalised stake of the voting
validators): ``stake(score < v) ≤ m < stake(score ≤ v)``. That is the smallest score whose
cumulative stake, scores taken in ascending order, exceeds ``m`` — or the largest score when none
does, and the smallest when ``m < 0``. Equivalently ``C = max{w : stake(score ≥ w) ≥ κ}``.

Here the scores of each UID are sorted once (one ``numpy`` sort of ``(score << b) | voter``
keys, so equal scores need no tie rule: the result is a value, not a voter), the stake of each
sorted voter is accumulated with exact integer sums, and the answer is read at the first
position past ``m``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from noosphere.consensus._fixed import Fixed, normalize

_SPLIT_CELLS = 1 << 15
"""Below this many cells, sorting wide and narrow columns separately costs more than it saves."""


@dataclass(frozen=True)
class Vote:
    """The voters of a consensus: their renormalised stake and the minority point ``m``."""

    stake: Fixed
    minority: int

    @classmethod
    def of(cls, stake: Fixed, kappa: int) -> Vote:
        """Voters with (positive) ``stake``; ``kappa`` is I32F32 raw."""
        voter_stake = normalize(stake)
        return cls(voter_stake, int(voter_stake.sum(dtype=np.uint64)) - kappa)


def kappa_quantiles(vote: Vote, scores: Fixed) -> Fixed:
    """The κ-quantile of each column of ``scores`` (one row per voter, one column per UID).

    Scores are I32F32 raw values of at most ONE. With no voters every consensus is zero.
    Columns whose keys fit in 32 bits (the usual case: a UID's weights are far below ONE) are
    sorted as ``uint32``, several times faster; the others as ``int64``. Both are exact.
    """
    voters, uids = scores.shape
    if voters == 0:
        return np.zeros(uids, dtype=np.uint64)
    if vote.minority < 0:
        return scores.min(axis=0)
    if voters == 1:
        return scores[0].copy()
    bits = (voters - 1).bit_length()
    narrow = scores.max(axis=0) < np.uint64(1 << (32 - bits))
    if narrow.all():
        return _quantiles(vote, scores, bits, np.uint32)
    if not narrow.any() or scores.size < _SPLIT_CELLS:
        return _quantiles(vote, scores, bits, np.int64)
    out = np.empty(uids, dtype=np.uint64)
    out[narrow] = _quantiles(vote, scores[:, narrow], bits, np.uint32)
    out[~narrow] = _quantiles(vote, scores[:, ~narrow], bits, np.int64)
    return out


def _quantiles(vote: Vote, scores: Fixed, bits: int, key_type: type) -> Fixed:
    """Sort ``(score << bits) | voter`` keys of ``key_type`` per UID and read the quantile."""
    voters = scores.shape[0]
    keys: NDArray[np.integer[Any]] = scores.T.astype(key_type, order="C")  # one UID per row
    keys <<= key_type(bits)
    keys |= np.arange(voters, dtype=key_type)
    keys.sort(axis=1)
    order = keys & key_type((1 << bits) - 1)
    cumulative = np.cumsum(vote.stake[order], axis=1, dtype=np.uint64)
    position = np.count_nonzero(cumulative <= np.uint64(vote.minority), axis=1)
    np.minimum(position, voters - 1, out=position)
    chosen = keys[np.arange(keys.shape[0]), position]
    return (chosen >> key_type(bits)).astype(np.uint64)
