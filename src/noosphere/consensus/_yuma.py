"""One Yuma epoch, following subtensor's ``epoch`` (``run_epoch.rs``) step for step.

The vector steps (stake, activity, permits, incentive, dividends, emission) are here; the matrix
steps (weights, consensus, clipping, bonds) are in ``_columns``. All arithmetic is the I32F32
integer arithmetic of ``_fixed`` (floor everywhere), so results are bit-identical across runs
and machines. The matrices are cut down to the rows that matter — UIDs holding or gaining a
validator permit, or holding bonds — which keeps a 4096-UID subnet with 256 validators a
256 x 4096 problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from noosphere.consensus._columns import MatrixInputs, bonds_times_incentive, run_matrix
from noosphere.consensus._fixed import (
    Fixed,
    div,
    from_u16_proportion,
    mul,
    normalize,
    scale_amount,
    to_float,
    top_k_nonzero,
)
from noosphere.consensus._inputs import EpochInputs
from noosphere.consensus._quantile import Vote
from noosphere.errors import ConsensusError

_ZERO = np.uint64(0)
_FIXED_VECTORS = ("stake", "active_stake", "consensus", "incentive", "dividends", "validator_trust")


@dataclass(frozen=True)
class EpochResult:
    """What one epoch produces. Vectors are I32F32 raw (``uint64``, ONE = 2**32) per UID.

    ``stake`` and ``active_stake`` are the normalised stake and the stake of active permitted
    validators; ``bonds`` are the u16 bonds to store, aligned with ``rows`` (the rows of the
    inputs); ``validator_permit`` is the permit vector for the next epoch; the emissions are
    amounts of the epoch's emission (base units): ``miner_emission[j]`` for UID ``j``'s
    incentive, ``validator_emission[i]`` for UID ``i``'s dividends.
    """

    rows: NDArray[np.int64]
    stake: Fixed
    active_stake: Fixed
    consensus: Fixed
    incentive: Fixed
    dividends: Fixed
    validator_trust: Fixed
    bonds: NDArray[np.uint16]
    validator_permit: NDArray[np.bool_]
    miner_emission: tuple[int, ...]
    validator_emission: tuple[int, ...]

    def as_float(self, name: str) -> NDArray[np.float64]:
        """One I32F32 vector (``consensus``, ``incentive``, …) as floats in [0, 1]."""
        if name not in _FIXED_VECTORS:
            known = ", ".join(_FIXED_VECTORS)
            raise ConsensusError(f"{name!r} is not a fixed-point vector (one of {known})")
        values: Fixed = getattr(self, name)
        return to_float(values)


def _masked_weights(
    inputs: EpochInputs, rows: NDArray[np.int64], weights: NDArray[np.uint16]
) -> NDArray[np.uint16]:
    """u16 weights after subtensor's masks: rows without a permit, self-weights (except the
    owner's), and weights set before their target registered (``last_update ≤ registered``)."""
    owner = inputs.hyperparameters.owner_uid
    masked = weights.copy()
    masked[~inputs.validator_permit[rows]] = 0
    self_rows = np.flatnonzero(rows != owner) if owner is not None else np.arange(rows.size)
    masked[self_rows, rows[self_rows]] = 0
    updated = inputs.last_update[rows]
    registered = inputs.block_at_registration
    if updated.size:
        late = np.flatnonzero(registered >= updated.min())  # the only columns that can be stale
        if late.size:
            stale = updated[:, None] <= registered[None, late]
            masked[:, late] = np.where(stale, np.uint16(0), masked[:, late])
    return masked


def run_epoch(inputs: EpochInputs) -> EpochResult:
    """Run one Yuma epoch (Yuma 3, or Yuma 2 bonds when ``yuma_version`` is 2).

    Deterministic: integer arithmetic only, so equal inputs give bit-identical results.
    """
    hp = inputs.hyperparameters
    n = inputs.n
    given = inputs.rows if inputs.rows is not None else np.arange(n, dtype=np.int64)

    # Activity, stake, permits (``inactive``, ``inplace_normalize_64``, ``is_topk_nonzero``).
    inactive = inputs.last_update + np.uint64(hp.activity_cutoff) < np.uint64(inputs.current_block)
    stake = normalize(np.where(inputs.stake < hp.stake_threshold, _ZERO, inputs.stake))
    permit = inputs.validator_permit
    permit_new = top_k_nonzero(stake, hp.max_allowed_validators)
    active_stake = normalize(np.where(inactive | ~permit, _ZERO, stake))

    # The rows that matter: permits old or new, stored bonds, and every voter.
    holders = permit[given] | permit_new[given]
    others = np.flatnonzero(~holders)
    if others.size:
        holders[others[inputs.bonds[others].any(axis=1)]] = True
    kept = np.flatnonzero(holders)
    listed = np.zeros(n, dtype=np.bool_)
    listed[given] = True
    extra = np.flatnonzero((active_stake > 0) & ~listed)
    rows = np.concatenate([given[kept], extra.astype(np.int64)])
    everything = kept.size == given.size
    weights = inputs.weights if everything else inputs.weights[kept]
    bonds = inputs.bonds if everything else inputs.bonds[kept]
    if extra.size:
        pad = np.zeros((extra.size, n), dtype=np.uint16)
        weights, bonds = np.concatenate([weights, pad]), np.concatenate([bonds, pad])
    row_stake = active_stake[rows]
    voting = row_stake > 0
    last_tempo = max(inputs.current_block - inputs.tempo, 0)
    matrix = MatrixInputs(
        weights=_masked_weights(inputs, rows, weights),
        bonds=bonds,
        row_stake=row_stake,
        voters=None if bool(voting.all()) else np.flatnonzero(voting),
        vote=Vote.of(row_stake[voting], int(from_u16_proportion(hp.kappa))),
        recent=np.uint64(last_tempo) <= inputs.block_at_registration,
        hyperparameters=hp,
    )
    outcome = run_matrix(matrix, liquid=hp.liquid_alpha_enabled)
    if hp.liquid_alpha_enabled and not outcome.consensus.any():
        outcome = run_matrix(matrix, liquid=False)  # subtensor's fallback to the fixed rate

    incentive = normalize(outcome.ranks)
    validator_trust = np.zeros(n, dtype=np.uint64)
    validator_trust[rows] = outcome.trust
    held = bonds_times_incentive(outcome.dividend_bonds, incentive)
    dividends = np.zeros(n, dtype=np.uint64)
    dividends[rows] = mul(held, row_stake) if hp.yuma_version == 3 else held
    dividends = normalize(dividends)

    # Emission: incentive and dividends normalised over their joint sum, else stake.
    total = int(incentive.sum(dtype=np.uint64)) + int(dividends.sum(dtype=np.uint64))
    if total:
        miner_share, validator_share = div(incentive, total), div(dividends, total)
    else:
        miner_share = np.zeros(n, dtype=np.uint64)
        validator_share = active_stake if active_stake.any() else stake

    # Bonds rows: new values for permit holders, wiped for permits lost, others untouched.
    gaining = permit_new[given[kept]]
    losing = ~gaining & permit[given[kept]]
    if everything and gaining.all():
        bonds_out = outcome.stored_bonds[: kept.size]
    else:
        bonds_out = inputs.bonds.copy()
        bonds_out[kept[gaining]] = outcome.stored_bonds[: kept.size][gaining]
    bonds_out[kept[losing]] = 0

    return EpochResult(
        rows=given,
        stake=stake,
        active_stake=active_stake,
        consensus=outcome.consensus,
        incentive=incentive,
        dividends=dividends,
        validator_trust=validator_trust,
        bonds=bonds_out,
        validator_permit=permit_new,
        miner_emission=tuple(scale_amount(miner_share, inputs.emission)),
        validator_emission=tuple(scale_amount(validator_share, inputs.emission)),
    )
