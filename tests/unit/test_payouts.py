"""Payout splitting: owner share, miners to coldkeys, dividends through take and stakers."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from noosphere.consensus.payouts import UidAccounts, payouts, split_owner
from noosphere.errors import ConsensusError

A, B, C, D, OWNER = (to_checksum_address("0x" + c * 40) for c in "abcde")


def test_owner_share_is_eighteen_percent() -> None:
    assert split_owner(1_000_000) == (180_000, 820_000)
    assert sum(split_owner(999_999)) == 999_999
    with pytest.raises(ConsensusError):
        split_owner(-1)


def test_split_through_take_and_stakers() -> None:
    accounts = [
        UidAccounts(coldkey=A, take_bps=1_800, stakers={A: 600, B: 300, C: 100}),
        UidAccounts(coldkey=D),
    ]
    result = payouts(
        OWNER, 180, miner_emission=[0, 400], validator_emission=[1_000, 0], accounts=accounts
    )
    # take 180; rest 820 -> A 492, B 246, C 82
    assert result == {OWNER: 180, A: 180 + 492, B: 246, C: 82, D: 400}


def test_rounding_remainder_goes_to_validator() -> None:
    accounts = [UidAccounts(coldkey=A, take_bps=0, stakers={B: 1, C: 1, D: 1})]
    result = payouts(OWNER, 0, [0], [100], accounts)
    assert result == {B: 33, C: 33, D: 33, A: 1}


def test_same_account_summed_and_zero_dropped() -> None:
    accounts = [UidAccounts(coldkey=A), UidAccounts(coldkey=A.upper().replace("0X", "0x"))]
    assert payouts(OWNER, 0, [5, 7], [0, 0], accounts) == {A: 12}


@pytest.mark.parametrize(
    ("miner", "validator", "accounts", "fragment"),
    [
        ([1], [1, 2], [UidAccounts(A)], "entries"),
        ([0], [5], [UidAccounts(A, take_bps=10_001)], "take"),
        ([-1], [0], [UidAccounts(A)], "negative"),
    ],
)
def test_bad_inputs(
    miner: list[int], validator: list[int], accounts: list[UidAccounts], fragment: str
) -> None:
    with pytest.raises(ConsensusError, match=fragment):
        payouts(OWNER, 0, miner, validator, accounts)


@settings(max_examples=200, deadline=None)
@given(
    emission=st.integers(0, 10**27),
    miners=st.lists(st.integers(0, 10**24), min_size=1, max_size=6),
    take=st.integers(0, 10_000),
    stakes=st.lists(st.integers(0, 10**24), min_size=0, max_size=5),
    dividend=st.integers(0, 10**24),
)
def test_payouts_conserve_every_unit(
    emission: int, miners: list[int], take: int, stakes: list[int], dividend: int
) -> None:
    owner, _ = split_owner(emission)
    stakers = {to_checksum_address(f"0x{i:040x}"): s for i, s in enumerate(stakes, start=1)}
    accounts = [
        UidAccounts(coldkey=f"0x{0xF0 + i:040x}", take_bps=take, stakers=stakers)
        for i in range(len(miners))
    ]
    validators = [dividend] + [0] * (len(miners) - 1)
    result = payouts(OWNER, owner, miners, validators, accounts)
    assert sum(result.values()) == owner + sum(miners) + dividend
    assert all(v > 0 for v in result.values())
