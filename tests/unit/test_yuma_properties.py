"""Invariants of the epoch on random subnets (hypothesis): sums, bounds, rounding, clipping."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noosphere.consensus import ONE, EpochInputs, Hyperparameters, run_epoch


@st.composite
def subnets(draw: st.DrawFn) -> EpochInputs:
    n = draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    validators = draw(st.integers(1, n))
    stake = np.zeros(n, dtype=np.uint64)
    stake[:validators] = rng.integers(0, 10 ** draw(st.integers(1, 15)), validators)
    density = draw(st.floats(0, 1))
    weights = rng.integers(0, 65536, (n, n)) * (rng.random((n, n)) < density)
    bonds = rng.integers(0, 65536, (n, n)) * (rng.random((n, n)) < draw(st.floats(0, 1)))
    block = draw(st.integers(0, 10_000))
    low = draw(st.integers(0, 65535))
    return EpochInputs(
        stake=stake,
        weights=weights.astype(np.uint16),
        bonds=bonds.astype(np.uint16),
        last_update=rng.integers(0, block + 1, n).astype(np.uint64),
        block_at_registration=rng.integers(0, block + 1, n).astype(np.uint64),
        validator_permit=rng.random(n) < 0.7,
        current_block=block,
        tempo=draw(st.integers(0, 400)),
        emission=draw(st.one_of(st.integers(0, 10**12), st.integers(0, 2**80))),
        hyperparameters=Hyperparameters(
            kappa=draw(st.integers(0, 65535)),
            bonds_penalty=draw(st.integers(0, 65535)),
            bonds_moving_average=draw(st.integers(0, 1_000_000)),
            liquid_alpha_enabled=draw(st.booleans()),
            alpha_low=low,
            alpha_high=draw(st.integers(low, 65535)),
            max_allowed_validators=draw(st.integers(0, n + 2)),
            activity_cutoff=draw(st.integers(0, 10_000)),
            yuma_version=draw(st.sampled_from([2, 3])),
        ),
    )


def normalised_weights(inputs: EpochInputs) -> np.ndarray:
    """Masked, row-normalised weights computed with Python integers (for bounds only)."""
    n = inputs.n
    w = inputs.weights.astype(object)
    for i in range(n):
        for j in range(n):
            stale = int(inputs.last_update[i]) <= int(inputs.block_at_registration[j])
            if not inputs.validator_permit[i] or i == j or stale:
                w[i, j] = 0
        total = sum(w[i])
        if total:
            w[i] = [(v << 32) // total for v in w[i]]
    return w


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subnets())
def test_epoch_invariants(inputs: EpochInputs) -> None:
    n = inputs.n
    result = run_epoch(inputs)
    again = run_epoch(inputs)
    assert np.array_equal(result.bonds, again.bonds)
    assert np.array_equal(result.dividends, again.dividends)

    for name in ("incentive", "dividends"):
        total = int(getattr(result, name).sum())
        assert total == 0 or ONE - n <= total <= ONE, name  # normalised, each floor loses < 1
    for name in ("consensus", "incentive", "dividends", "validator_trust", "active_stake"):
        assert int(getattr(result, name).max(initial=0)) <= ONE, name

    weights = normalised_weights(inputs)
    column_max = [max((int(v) for v in weights[:, j]), default=0) for j in range(n)]
    assert all(int(c) <= m for c, m in zip(result.consensus, column_max, strict=True))
    row_sum = [sum(int(v) for v in weights[i]) for i in range(n)]
    # Clipping never raises a weight: trust is at most the validator's own weight sum.
    assert all(int(t) <= s for t, s in zip(result.validator_trust, row_sum, strict=True))

    emission = inputs.emission
    paid = sum(result.miner_emission) + sum(result.validator_emission)
    if not result.stake.any():
        assert paid == 0  # no stake, no weights: nobody to pay (as in subtensor)
    else:
        # Each of at most 2n shares loses < 1 raw unit (2**-32 of E) and < 1 base unit.
        assert emission - 2 * n * ((emission >> 32) + 1) - 2 * n <= paid <= emission
    assert all(v >= 0 for v in result.miner_emission + result.validator_emission)

    assert result.bonds.dtype == np.uint16
    lost = inputs.validator_permit & ~result.validator_permit
    assert not result.bonds[lost].any()  # a permit lost wipes the row
    kept_rows = ~inputs.validator_permit & ~result.validator_permit
    assert np.array_equal(result.bonds[kept_rows], inputs.bonds[kept_rows])
    assert int(result.validator_permit.sum()) <= inputs.hyperparameters.max_allowed_validators
    assert not (result.validator_permit & (result.stake == 0)).any()
