"""Behaviour of the epoch: determinism, masks, fallbacks, permits, bonds, the row subset."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import noosphere.consensus as consensus
import noosphere.consensus._columns as columns
from noosphere.consensus import ONE, EpochInputs, EpochResult, Hyperparameters, run_epoch
from noosphere.errors import ConsensusError

U16 = 65_535


def make_inputs(**overrides: Any) -> EpochInputs:
    """Two validators (UIDs 0, 1; stake 3:1) weighting three miners (UIDs 2-4)."""
    n = 5
    weights = np.zeros((n, n), dtype=np.uint16)
    weights[0, 2:] = [U16, U16 // 2, 0]
    weights[1, 2:] = [U16 // 2, U16, U16 // 4]
    fields: dict[str, Any] = {
        "stake": np.array([3_000, 1_000, 0, 0, 0], dtype=np.uint64),
        "weights": weights,
        "bonds": np.zeros((n, n), dtype=np.uint16),
        "last_update": np.full(n, 100, dtype=np.uint64),
        "block_at_registration": np.zeros(n, dtype=np.uint64),
        "validator_permit": np.array([True, True, False, False, False]),
        "current_block": 101,
        "tempo": 10,
        "emission": 1_000_000_000,
        "hyperparameters": Hyperparameters(max_allowed_validators=2),
    }
    fields.update(overrides)
    return EpochInputs(**fields)


def random_inputs(seed: int, n: int = 64, validators: int = 12, **hp: Any) -> EpochInputs:
    rng = np.random.default_rng(seed)
    stake = np.zeros(n, dtype=np.uint64)
    stake[:validators] = rng.integers(10**9, 10**13, validators)
    weights = rng.integers(0, 65536, (n, n)).astype(np.uint16)
    weights[validators:] = 0
    bonds = rng.integers(0, 65536, (n, n)).astype(np.uint16)
    bonds[validators:] = 0
    return EpochInputs(
        stake=stake,
        weights=weights,
        bonds=bonds,
        last_update=rng.integers(900, 1000, n).astype(np.uint64),
        block_at_registration=rng.integers(0, 950, n).astype(np.uint64),
        validator_permit=np.arange(n) < validators,
        current_block=1000,
        tempo=20,
        emission=10**9,
        hyperparameters=Hyperparameters(max_allowed_validators=validators, **hp),
    )


def assert_identical(a: EpochResult, b: EpochResult) -> None:
    for name in ("consensus", "incentive", "dividends", "validator_trust", "stake"):
        left, right = getattr(a, name), getattr(b, name)
        assert left.dtype == right.dtype == np.uint64
        assert np.array_equal(left, right), name
    assert np.array_equal(a.bonds, b.bonds)
    assert np.array_equal(a.validator_permit, b.validator_permit)
    assert a.miner_emission == b.miner_emission
    assert a.validator_emission == b.validator_emission


def test_public_surface_is_pinned() -> None:
    assert consensus.__all__ == [
        "FRAC_BITS",
        "ONE",
        "EpochInputs",
        "EpochResult",
        "Hyperparameters",
        "MerkleTreeError",
        "StandardMerkleTree",
        "case_from_dict",
        "from_u16_proportion",
        "hash_pair",
        "leaf_hash",
        "load_case",
        "parse_case_text",
        "process_proof",
        "result_to_json",
        "run_epoch",
        "to_float",
        "to_u16_proportion",
        "verify",
    ]


@pytest.mark.parametrize("hp", [{}, {"yuma_version": 2}, {"liquid_alpha_enabled": True}])
def test_same_inputs_give_bit_identical_results(hp: dict[str, Any]) -> None:
    first = run_epoch(random_inputs(7, **hp))
    second = run_epoch(random_inputs(7, **hp))
    assert_identical(first, second)


@pytest.mark.parametrize("cells", [1, 50, 1000, 1 << 20])
def test_block_size_does_not_change_a_bit(cells: int, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = random_inputs(3, liquid_alpha_enabled=True)
    expected = run_epoch(inputs)
    monkeypatch.setattr(columns, "BLOCK_CELLS", cells)
    monkeypatch.setattr(columns, "SMALL_BLOCK_CELLS", max(1, cells // 3))
    assert_identical(run_epoch(inputs), expected)


def test_two_validators_agreeing_partly() -> None:
    result = run_epoch(make_inputs())
    # Consensus (κ ≈ 0.5 of stake 3:1) follows the big validator where they disagree.
    weights0 = np.array([U16, U16 // 2, 0]) / (U16 + U16 // 2)
    np.testing.assert_allclose(result.as_float("consensus")[2:], weights0, atol=1e-9)
    assert result.incentive.sum() <= ONE and result.incentive.sum() >= ONE - 5
    assert result.incentive[:2].tolist() == [0, 0]
    assert result.as_float("validator_trust")[0] == pytest.approx(1.0, abs=1e-9)
    assert result.as_float("validator_trust")[1] < 1.0  # clipped where it overweighted
    assert result.dividends[2:].tolist() == [0, 0, 0]
    assert sum(result.miner_emission) + sum(result.validator_emission) <= 10**9


def test_no_weights_fall_back_to_active_stake() -> None:
    result = run_epoch(make_inputs(weights=np.zeros((5, 5), dtype=np.uint16)))
    assert result.incentive.tolist() == [0] * 5
    assert result.miner_emission == (0,) * 5
    assert result.validator_emission == (750_000_000, 250_000_000, 0, 0, 0)


def test_no_active_stake_falls_back_to_stake() -> None:
    # Nobody set weights within the activity cutoff: emission follows plain stake.
    inputs = make_inputs(
        weights=np.zeros((5, 5), dtype=np.uint16),
        last_update=np.zeros(5, dtype=np.uint64),
        current_block=10_000,
    )
    result = run_epoch(inputs)
    assert result.active_stake.tolist() == [0] * 5
    assert result.validator_emission == (750_000_000, 250_000_000, 0, 0, 0)


def test_single_validator_sets_consensus_alone() -> None:
    weights = np.zeros((4, 4), dtype=np.uint16)
    weights[0, 1:] = [U16, U16 // 3, 0]
    result = run_epoch(
        make_inputs(
            stake=np.array([10, 0, 0, 0], dtype=np.uint64),
            weights=weights,
            bonds=np.zeros((4, 4), dtype=np.uint16),
            last_update=np.full(4, 100, dtype=np.uint64),
            block_at_registration=np.zeros(4, dtype=np.uint64),
            validator_permit=np.array([True, False, False, False]),
        )
    )
    row = [0, U16, U16 // 3, 0]
    assert result.consensus.tolist() == [(w << 32) // sum(row) for w in row]
    assert np.abs(result.incentive.astype(np.int64) - result.consensus.astype(np.int64)).max() <= 2
    assert result.dividends.tolist() == [ONE, 0, 0, 0]
    assert result.validator_trust[0] >= ONE - 4


def test_inactive_validator_does_not_vote() -> None:
    # Validator 0 (the big one) last set weights beyond the activity cutoff (5000 blocks).
    inputs = make_inputs(
        last_update=np.array([10, 5990, 5990, 5990, 5990], dtype=np.uint64), current_block=6000
    )
    result = run_epoch(inputs)
    assert result.active_stake.tolist() == [0, ONE, 0, 0, 0]
    weights1 = np.array([U16 // 2, U16, U16 // 4]) / (U16 // 2 + U16 + U16 // 4)
    np.testing.assert_allclose(result.as_float("consensus")[2:], weights1, atol=1e-9)
    assert result.dividends[0] == 0


def test_self_weights_are_dropped_except_the_owner() -> None:
    weights = np.zeros((5, 5), dtype=np.uint16)
    weights[0, 0] = U16  # validator 0 weights only itself
    weights[1, 2] = U16
    result = run_epoch(make_inputs(weights=weights))
    assert result.consensus[0] == 0 and result.incentive[0] == 0
    assert result.validator_trust[0] == 0
    owned = run_epoch(make_inputs(weights=weights, hyperparameters=Hyperparameters(owner_uid=0)))
    assert owned.validator_trust[0] > 0


def test_weights_set_before_registration_are_dropped() -> None:
    # UID 4 re-registered at block 100; validator 0's weights date from block 100 too.
    weights = np.zeros((5, 5), dtype=np.uint16)
    weights[:2, 4] = U16
    weights[:2, 3] = U16
    inputs = make_inputs(
        weights=weights,
        last_update=np.array([100, 101, 0, 0, 0], dtype=np.uint64),
        block_at_registration=np.array([0, 0, 0, 0, 100], dtype=np.uint64),
        current_block=102,
    )
    result = run_epoch(inputs)
    # Only validator 1 (updated at 101) still weights UID 4; it holds 1/4 of the stake.
    assert result.consensus[4] == 0 and result.incentive[4] == 0
    assert result.incentive[3] > 0


def test_newly_registered_columns_start_with_zero_bonds() -> None:
    bonds = np.zeros((5, 5), dtype=np.uint16)
    bonds[:2, 2:] = 40_000
    old = run_epoch(make_inputs(bonds=bonds))
    fresh = run_epoch(
        make_inputs(bonds=bonds, block_at_registration=np.array([0, 0, 0, 0, 95], dtype=np.uint64))
    )
    # UID 4 registered within the last tempo: its old bonds are ignored, others decay alike.
    assert fresh.bonds[:2, 4].tolist() != old.bonds[:2, 4].tolist()
    assert fresh.bonds[0, 4] == 0  # validator 0 gives UID 4 no weight: nothing to build on
    assert np.array_equal(fresh.bonds[:2, 2:4], old.bonds[:2, 2:4])


def test_losing_the_permit_wipes_the_bond_row() -> None:
    bonds = np.zeros((5, 5), dtype=np.uint16)
    bonds[:2, 2:] = 30_000
    # Only one validator permit now: validator 1 (less stake) loses its permit.
    result = run_epoch(
        make_inputs(bonds=bonds, hyperparameters=Hyperparameters(max_allowed_validators=1))
    )
    assert result.validator_permit.tolist() == [True, False, False, False, False]
    assert result.bonds[1].tolist() == [0] * 5
    assert result.bonds[0, 2] > 0


def test_rows_without_permit_keep_their_stored_bonds() -> None:
    bonds = np.zeros((5, 5), dtype=np.uint16)
    bonds[4, 2] = 123  # a miner row (never permitted) is left as stored, as subtensor does
    assert run_epoch(make_inputs(bonds=bonds)).bonds[4, 2] == 123


def test_yuma2_and_yuma3_bonds_differ_but_both_pay_dividends() -> None:
    three = run_epoch(random_inputs(5))
    two = run_epoch(random_inputs(5, yuma_version=2))
    assert not np.array_equal(three.bonds, two.bonds)
    for result in (two, three):
        assert ONE - 64 <= int(result.dividends.sum()) <= ONE
        assert np.array_equal(result.incentive, three.incentive)  # bonds don't change incentive


def test_yuma2_stores_column_max_upscaled_bonds() -> None:
    result = run_epoch(random_inputs(11, yuma_version=2))
    columns_with_bonds = result.bonds[:12].max(axis=0)
    assert set(columns_with_bonds[columns_with_bonds > 0].tolist()) == {U16}


def test_row_subset_gives_the_same_result_as_the_full_matrix() -> None:
    full = random_inputs(9, liquid_alpha_enabled=True)
    rows = np.arange(12)
    subset = replace(full, weights=full.weights[:12], bonds=full.bonds[:12], rows=rows)
    a, b = run_epoch(full), run_epoch(subset)
    assert np.array_equal(a.bonds[:12], b.bonds)
    for name in ("consensus", "incentive", "dividends", "validator_trust"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert a.miner_emission == b.miner_emission


def test_a_voter_missing_from_the_rows_counts_as_zero_weights() -> None:
    full = random_inputs(4)
    weights = full.weights.copy()
    weights[3] = 0
    bonds = full.bonds.copy()
    bonds[3] = 0
    rows = np.array([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11])
    zeroed = replace(full, weights=weights, bonds=bonds)
    subset = replace(full, weights=weights[rows], bonds=bonds[rows], rows=rows)
    a, b = run_epoch(zeroed), run_epoch(subset)
    assert np.array_equal(a.consensus, b.consensus)
    assert np.array_equal(a.dividends, b.dividends)
    assert np.array_equal(a.bonds[rows], b.bonds)


def test_emission_of_any_size_is_exact() -> None:
    big = 7 * 10**30
    result = run_epoch(make_inputs(emission=big))
    total = sum(result.miner_emission) + sum(result.validator_emission)
    assert big - 10 * (big >> 32) - 10 <= total <= big
    small = run_epoch(make_inputs(emission=10**9))
    assert result.miner_emission[2] // 7 // 10**21 == pytest.approx(small.miner_emission[2], abs=1)


def test_as_float_rejects_unknown_names() -> None:
    with pytest.raises(ConsensusError, match="not a fixed-point vector"):
        run_epoch(make_inputs()).as_float("bonds")


def test_liquid_alpha_without_consensus_uses_the_fixed_rate() -> None:
    # No weights at all: consensus is zero, subtensor falls back to the non-liquid EMA.
    bonds = np.zeros((5, 5), dtype=np.uint16)
    bonds[:2, 2:] = 50_000
    liquid = run_epoch(
        make_inputs(
            weights=np.zeros((5, 5), dtype=np.uint16),
            bonds=bonds,
            hyperparameters=Hyperparameters(liquid_alpha_enabled=True, max_allowed_validators=2),
        )
    )
    fixed = run_epoch(make_inputs(weights=np.zeros((5, 5), dtype=np.uint16), bonds=bonds))
    assert np.array_equal(liquid.bonds, fixed.bonds)
    assert liquid.bonds[0, 2] == 44_999  # 0.9 x 50000, floored twice
