"""The matrix half of the epoch, computed a block of UIDs (columns) at a time.

Matrices keep subtensor's layout: ``weights[i, j]`` is the u16 weight validator row ``i`` gives
UID ``j``. Every step from row-normalised weights to the new bonds is independent across UIDs
except two sums over UIDs (validator trust, and the final ``bonds · incentive``), so the work
runs over blocks of columns small enough for the CPU cache — several times faster than
whole-matrix numpy temporaries. The arithmetic, hence the result, does not depend on the block
size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from noosphere.consensus._fixed import (
    FRAC_BITS,
    ONE,
    U16_MAX,
    Fixed,
    div_le,
    from_u16_proportion,
    max_upscale_lines,
    mul,
    nonzero_divisors,
    normalize_lines,
    reciprocal,
    to_u16_proportion,
)
from noosphere.consensus._inputs import Hyperparameters
from noosphere.consensus._liquid_alpha import ema_with_alphas, liquid_alphas
from noosphere.consensus._quantile import Vote, kappa_quantiles

BLOCK_CELLS = 1 << 16
"""Cells per block (validator rows x UIDs): 512 KiB per ``uint64`` temporary."""
SMALL_BLOCK_CELLS = 1 << 13
"""Cells per block of a matrix no larger than one block: 64 KiB temporaries, under glibc's
default 128 KiB mmap threshold, so they reuse heap memory instead of faulting in fresh pages
on every numpy operation (a 64 x 256 matrix would otherwise spend half its time faulting)."""


@dataclass(frozen=True)
class MatrixInputs:
    """What the matrix steps read: masked u16 weights and stored u16 bonds (one row per
    validator row), the active stake of each row, the voting rows and the hyperparameters."""

    weights: NDArray[np.uint16]
    bonds: NDArray[np.uint16]
    row_stake: Fixed
    voters: NDArray[np.intp] | None
    vote: Vote
    recent: NDArray[np.bool_]
    hyperparameters: Hyperparameters


@dataclass(frozen=True)
class MatrixOutcome:
    """Per UID: consensus and rank; per validator row: trust; per cell: the u16 bonds to
    store and the column-normalised bonds that dividends weigh by incentive."""

    consensus: Fixed
    ranks: Fixed
    trust: Fixed
    stored_bonds: NDArray[np.uint16]
    dividend_bonds: Fixed


def ema_rate(hp: Hyperparameters) -> int:
    """``1 - bonds_moving_average / 10**6`` in I32F32 (``compute_disabled_liquid_alpha``)."""
    return ONE - (hp.bonds_moving_average << FRAC_BITS) // 1_000_000


def bond_weights(weights: Fixed, clipped: Fixed, penalty: int) -> Fixed:
    """``W + β (W̄ - W)`` (``interpolate``); the product of a negative difference floors."""
    if penalty == 0:
        return weights
    if penalty == ONE:
        return clipped
    shortfall = np.uint64(penalty) * (weights - clipped)
    return weights - ((shortfall + np.uint64(ONE - 1)) >> np.uint64(FRAC_BITS))


def _blocks(columns: int, rows: int) -> list[tuple[int, int]]:
    budget = BLOCK_CELLS if columns * rows > BLOCK_CELLS else SMALL_BLOCK_CELLS
    step = max(1, budget // max(rows, 1))
    return [(lo, min(columns, lo + step)) for lo in range(0, columns, step)]


def run_matrix(inputs: MatrixInputs, *, liquid: bool) -> MatrixOutcome:
    """Weights → consensus → clipping → trust and ranks → bonds, block by block."""
    rows, uids = inputs.weights.shape
    divisor = nonzero_divisors(inputs.weights.sum(axis=1, dtype=np.uint64))[:, None]
    inverse = reciprocal(divisor)
    penalty = int(from_u16_proportion(inputs.hyperparameters.bonds_penalty))
    row_stake = inputs.row_stake[:, None]
    consensus = np.zeros(uids, dtype=np.uint64)
    ranks = np.zeros(uids, dtype=np.uint64)
    trust = np.zeros(rows, dtype=np.uint64)
    stored = np.empty((rows, uids), dtype=np.uint16)
    dividend_bonds = np.empty((rows, uids), dtype=np.uint64)
    for lo, hi in _blocks(uids, rows):
        weights = div_le(inputs.weights[:, lo:hi], divisor, a_max=U16_MAX, inverse=inverse)
        scores = weights if inputs.voters is None else weights[inputs.voters]
        block_consensus = kappa_quantiles(inputs.vote, scores)
        clipped = np.minimum(weights, block_consensus[None, :])
        trust += clipped.sum(axis=1, dtype=np.uint64)
        ranks[lo:hi] = mul(row_stake, clipped).sum(axis=0, dtype=np.uint64)
        consensus[lo:hi] = block_consensus
        for_bonds = bond_weights(weights, clipped, penalty)
        if inputs.hyperparameters.yuma_version == 3:
            stored[:, lo:hi], dividend_bonds[:, lo:hi] = _yuma3_block(
                inputs, lo, hi, for_bonds, block_consensus, liquid=liquid
            )
        else:
            stored[:, lo:hi], dividend_bonds[:, lo:hi] = _yuma2_block(inputs, lo, hi, for_bonds)
    return MatrixOutcome(consensus, ranks, trust, stored, dividend_bonds)


def _yuma3_block(
    inputs: MatrixInputs, lo: int, hi: int, for_bonds: Fixed, consensus: Fixed, *, liquid: bool
) -> tuple[NDArray[np.uint16], Fixed]:
    """Yuma 3: ``B = alpha W̃ + (1 - alpha) B_prev`` on bonds as proportions (``compute_bonds``)."""
    hp = inputs.hyperparameters
    bonds = from_u16_proportion(inputs.bonds[:, lo:hi])
    recent = inputs.recent[lo:hi]
    if recent.any():
        bonds[:, recent] = 0
    if liquid:
        alphas = liquid_alphas(
            for_bonds,
            bonds,
            consensus[None, :],
            alpha_low=int(from_u16_proportion(hp.alpha_low)),
            alpha_high=int(from_u16_proportion(hp.alpha_high)),
            steepness=hp.alpha_sigmoid_steepness,
        )
        ema = ema_with_alphas(for_bonds, bonds, alphas)
    else:
        rate = ema_rate(hp)
        ema = mul(np.uint64(rate), for_bonds)
        ema += mul(np.uint64(ONE - rate), bonds)
    return to_u16_proportion(ema, at_most_one=True), normalize_lines(ema, axis=0)


def _yuma2_block(
    inputs: MatrixInputs, lo: int, hi: int, for_bonds: Fixed
) -> tuple[NDArray[np.uint16], Fixed]:
    """Yuma 2: column-normalised EMA of ``S ⊙ W̃`` on column-normalised bonds."""
    bonds = inputs.bonds[:, lo:hi].astype(np.uint64)
    recent = inputs.recent[lo:hi]
    if recent.any():
        bonds[:, recent] = 0
    bonds = normalize_lines(bonds, axis=0, a_max=U16_MAX)
    delta = normalize_lines(mul(inputs.row_stake[:, None], for_bonds), axis=0)
    rate = ema_rate(inputs.hyperparameters)
    ema = mul(np.uint64(rate), delta)
    ema += mul(np.uint64(ONE - rate), bonds)
    ema = normalize_lines(ema, axis=0)
    return to_u16_proportion(max_upscale_lines(ema, axis=0), at_most_one=True), ema


def bonds_times_incentive(dividend_bonds: Fixed, incentive: Fixed) -> Fixed:
    """Per validator row, ``Σ_j floor(B_ij · I_j)`` (``mat_vec_mul`` then ``row_sum``)."""
    rows, uids = dividend_bonds.shape
    total = np.zeros(rows, dtype=np.uint64)
    for lo, hi in _blocks(uids, rows):
        block = mul(incentive[None, lo:hi], dividend_bonds[:, lo:hi])
        total += block.sum(axis=1, dtype=np.uint64)
    return total
