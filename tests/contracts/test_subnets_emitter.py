"""Emitter: the halving schedule (closed form against a block-by-block model), shares, minting."""

from __future__ import annotations

from itertools import pairwise

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.register_assert_rewrite("tests.contracts.conftest_subnets_settlement")
from tests.contracts._boa_helpers import (  # noqa: E402
    block_number,
    events,
    mine,
)
from tests.contracts.conftest_subnets_settlement import (  # noqa: E402
    CAP,
    HALVING_INTERVAL,
    INITIAL_SUPPLY,
)

pytest_plugins = ["tests.contracts.conftest_subnets_settlement"]

BUDGET = CAP - INITIAL_SUPPLY
RATE = BUDGET // (2 * HALVING_INTERVAL)
MISSING_ROLE = "access_control: account is missing role"


def model_cumulative(start: int, interval: int, rate: int, block: int) -> int:
    """Emission of blocks ``[start, block)``, period by period (no closed form)."""
    total, period = 0, 0
    while True:
        first = start + period * interval
        if first >= block or rate >> period == 0:
            return total
        total += (min(block, first + interval) - first) * (rate >> period)
        period += 1


def model_emission(emitter, from_block: int, to_block: int) -> int:
    start, interval = emitter.start_block(), emitter.halving_interval()
    rate = emitter.initial_rate()
    return model_cumulative(start, interval, rate, to_block) - model_cumulative(
        start, interval, rate, from_block
    )


@pytest.fixture
def settlement(emitter, deployer) -> str:
    """An account holding the emitter's SETTLEMENT_ROLE (standing in for epochs.vy)."""
    account = boa.env.generate_address("settlement")
    with boa.env.prank(deployer):
        emitter.grantRole(emitter.SETTLEMENT_ROLE(), account)
    return account


# --- deployment ----------------------------------------------------------------------------


def test_deployment_fixes_the_schedule(emitter, token, deployer):
    assert emitter.token() == token.address
    assert emitter.budget() == BUDGET
    assert emitter.halving_interval() == HALVING_INTERVAL
    assert emitter.initial_rate() == RATE
    assert emitter.start_block() <= block_number()
    assert emitter.hasRole(emitter.DEFAULT_ADMIN_ROLE(), deployer)
    assert emitter.total_share() == 0
    assert emitter.BPS() == 10_000


@pytest.mark.parametrize(
    ("interval", "reason"),
    [(0, "emitter: zero halving interval"), (2**48, "emitter: halving interval too long")],
)
def test_deployment_rejects_bad_halving_interval(emitter_deployer, token, interval, reason):
    with boa.reverts(reason):
        emitter_deployer.deploy(token.address, interval)


# --- schedule --------------------------------------------------------------------------------


def test_halvings_are_exact(emitter):
    start = emitter.start_block()
    assert emitter.rate_at(start - 1) == 0
    for k in range(0, 170):
        first = start + k * HALVING_INTERVAL
        assert emitter.rate_at(first) == RATE >> k
        assert emitter.rate_at(first + HALVING_INTERVAL - 1) == RATE >> k
        assert emitter.emission(first, first + HALVING_INTERVAL) == HALVING_INTERVAL * (RATE >> k)


def test_whole_schedule_stays_within_the_budget(emitter):
    start = emitter.start_block()
    end = start + 300 * HALVING_INTERVAL
    total = emitter.emission(0, end)
    assert total == model_emission(emitter, 0, end)
    assert total == HALVING_INTERVAL * (2 * RATE - bin(RATE).count("1"))
    assert total <= BUDGET
    # Nothing is lost but rounding: at most one unit per bit per block of a period.
    assert BUDGET - total < 2 * HALVING_INTERVAL + HALVING_INTERVAL * 160
    assert emitter.emission(end, end + 10**9) == 0


@given(
    a=st.integers(min_value=0, max_value=200 * HALVING_INTERVAL),
    b=st.integers(min_value=0, max_value=200 * HALVING_INTERVAL),
)
@settings(max_examples=200, deadline=None)
def test_emission_matches_the_block_by_block_model(emitter, a, b):
    start = emitter.start_block()
    lo, hi = sorted((max(0, start - 50 + a), max(0, start - 50 + b)))
    assert emitter.emission(lo, hi) == model_emission(emitter, lo, hi)


@given(
    interval=st.integers(min_value=1, max_value=50),
    budget=st.integers(min_value=1, max_value=2**160 - 1),
    cuts=st.lists(st.integers(min_value=0, max_value=20_000), min_size=1, max_size=20),
)
@settings(max_examples=60, deadline=None)
def test_any_partition_of_blocks_sums_within_the_budget(
    emitter_deployer, noos_deployer, interval, budget, cuts
):
    # Deploy a token whose cap leaves exactly `budget` to the emitter, halving quickly.
    token = noos_deployer.deploy("Noosphere", "NOOS", 2**160 - 1, boa.env.eoa, 2**160 - 1 - budget)
    emitter = emitter_deployer.deploy(token.address, interval)
    rate = budget // (2 * interval)
    assert emitter.initial_rate() == rate
    start = emitter.start_block()
    points = sorted({start + c for c in cuts} | {start, start + 20_001})
    parts = [emitter.emission(x, y) for x, y in pairwise(points)]
    assert sum(parts) == emitter.emission(start, start + 20_001)
    assert sum(parts) == model_cumulative(start, interval, rate, start + 20_001)
    assert sum(parts) <= budget


def test_emission_rejects_a_reversed_range(emitter):
    assert emitter.emission(5, 5) == 0
    with boa.reverts("emitter: bad block range"):
        emitter.emission(6, 5)


# --- shares ----------------------------------------------------------------------------------


def test_set_share_checkpoints_every_change(emitter, deployer):
    with boa.env.prank(deployer):
        emitter.set_share(1, 4_000)
    (event,) = events(emitter, "ShareSet")
    assert (event.netuid, event.previous_share, event.new_share, event.total_share) == (
        1,
        0,
        4_000,
        4_000,
    )
    first = block_number()
    mine(3)
    with boa.env.prank(deployer):
        emitter.set_share(2, 6_000)
        emitter.set_share(1, 1_000)
        emitter.set_share(1, 2_500)  # the last change of a block wins
    second = block_number()
    mine()
    assert emitter.share_at(1, first - 1) == 0
    assert emitter.share_at(1, first) == 4_000
    assert emitter.share_at(1, second - 1) == 4_000
    assert emitter.share_at(1, second) == 2_500
    assert emitter.share_at(2, second) == 6_000
    assert emitter.share_of(1) == 2_500
    assert emitter.total_share() == 8_500


def test_set_share_rejects_a_total_above_10_000(emitter, deployer):
    with boa.env.prank(deployer):
        emitter.set_share(1, 7_000)
        with boa.reverts("emitter: shares exceed 10_000 bps"):
            emitter.set_share(2, 3_001)
        emitter.set_share(2, 3_000)
        emitter.set_share(1, 0)
        emitter.set_share(3, 7_000)
    assert emitter.total_share() == 10_000


def test_set_share_is_admin_only(emitter, alice):
    with boa.env.prank(alice.address), boa.reverts(MISSING_ROLE):
        emitter.set_share(1, 1)


def test_share_at_rejects_the_current_block(emitter):
    with boa.reverts("emitter: future lookup"):
        emitter.share_at(1, block_number())


@given(
    changes=st.lists(
        st.tuples(st.integers(min_value=0, max_value=3), st.integers(0, 10_000)),
        min_size=1,
        max_size=25,
    )
)
@settings(max_examples=25, deadline=None)
def test_share_history_matches_a_model(emitter, deployer, changes):
    history: dict[int, int] = {}
    current = 0
    blocks = []
    for gap, share in changes:
        mine(gap)
        total = emitter.total_share() - current + share
        with boa.env.prank(deployer):
            if total > 10_000:
                with boa.reverts("emitter: shares exceed 10_000 bps"):
                    emitter.set_share(1, share)
                continue
            emitter.set_share(1, share)
        current = share
        history[block_number()] = share
        blocks.append(block_number())
    mine()
    for block in range(blocks[0] - 1 if blocks else block_number() - 1, block_number()):
        known = [b for b in history if b <= block]
        expected = history[max(known)] if known else 0
        assert emitter.share_at(1, block) == expected


# --- mint_epoch ------------------------------------------------------------------------------


def test_mint_epoch_mints_the_share_of_the_range_once(emitter, token, deployer, settlement):
    with boa.env.prank(deployer):
        emitter.set_share(1, 2_500)
    start = block_number()
    mine(30)
    with boa.env.prank(deployer):
        emitter.set_share(1, 10_000)  # later changes do not affect the epoch
    mine()
    expected = emitter.emission(start, start + 10) * 2_500 // 10_000
    supply = token.totalSupply()
    with boa.env.prank(settlement):
        assert emitter.mint_epoch(1, 7, start, start + 10) == expected
    (event,) = events(emitter, "EpochMinted")
    assert (event.netuid, event.epoch, event.receiver, event.amount) == (1, 7, settlement, expected)
    assert (event.from_block, event.to_block) == (start, start + 10)
    assert token.balanceOf(settlement) == expected
    assert token.totalSupply() == supply + expected
    assert emitter.minted() == expected
    assert emitter.minted_for(1, 7) == expected
    assert emitter.is_minted(1, 7)
    with boa.env.prank(settlement), boa.reverts("emitter: epoch already minted"):
        emitter.mint_epoch(1, 7, start + 10, start + 20)


def test_mint_epoch_of_a_subnet_without_share_mints_nothing(emitter, token, settlement):
    start = block_number()
    mine(11)
    with boa.env.prank(settlement):
        assert emitter.mint_epoch(9, 0, start, start + 10) == 0
    assert emitter.is_minted(9, 0)
    assert token.balanceOf(settlement) == 0


def test_mint_epoch_is_settlement_only(emitter, alice, deployer):
    mine(11)
    for account in (alice.address, deployer):
        with boa.env.prank(account), boa.reverts(MISSING_ROLE):
            emitter.mint_epoch(1, 0, 1, 2)


def test_mint_epoch_rejects_bad_ranges(emitter, settlement):
    now = block_number()
    with boa.env.prank(settlement):
        with boa.reverts("emitter: bad block range"):
            emitter.mint_epoch(1, 0, now - 1, now - 1)
        with boa.reverts("emitter: future block range"):
            emitter.mint_epoch(1, 0, now - 1, now + 1)
        emitter.mint_epoch(1, 0, now - 1, now)


def test_mint_epoch_never_exceeds_the_budget(emitter_deployer, noos_deployer):
    token = noos_deployer.deploy("Noosphere", "NOOS", 10**24, boa.env.eoa, 0)
    emitter = emitter_deployer.deploy(token.address, 1)
    token.set_minter(emitter.address, True)
    emitter.grantRole(emitter.SETTLEMENT_ROLE(), boa.env.eoa)
    emitter.set_share(1, 10_000)
    start = emitter.start_block()
    mine(200)
    minted = emitter.mint_epoch(1, 0, start, start + 200)
    assert minted == emitter.emission(start, start + 200) <= 10**24
    # A caller minting overlapping ranges cannot go past the budget either.
    with boa.reverts("emitter: budget exceeded"):
        emitter.mint_epoch(1, 1, start, start + 200)
    assert token.totalSupply() == minted
