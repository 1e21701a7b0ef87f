"""From an epoch's Yuma result to the payouts that its Merkle root commits to.

The rules (docs/subnets-protocol.md, "Amounts"): the subnet owner gets 18 % of the epoch's
emission; the other 82 % is Yuma's ``E``. A miner's incentive part goes to its coldkey. A
validator's dividend part ``D`` is split: ``take · D / 10_000`` to the validator's coldkey,
the rest to the stakers of its hotkey pro rata to their stake at the epoch block, each share
floored; what flooring leaves over goes to the validator's coldkey. Amounts of one account are
summed into one leaf. Everything is integer arithmetic, so every node computes the same leaves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eth_utils import to_checksum_address

from noosphere.errors import ConsensusError

BPS = 10_000
OWNER_SHARE_BPS = 1_800


@dataclass(frozen=True)
class UidAccounts:
    """Who is paid for one UID: the coldkey of its hotkey, its take and its stakers."""

    coldkey: str
    take_bps: int = 0
    stakers: Mapping[str, int] | None = None  # staker -> stake at the epoch block


def split_owner(epoch_emission: int) -> tuple[int, int]:
    """``(owner_amount, yuma_emission)`` of an epoch's emission (18 % / 82 %)."""
    if epoch_emission < 0:
        raise ConsensusError(f"epoch emission {epoch_emission} is negative")
    owner = epoch_emission * OWNER_SHARE_BPS // BPS
    return owner, epoch_emission - owner


def payouts(
    owner: str,
    owner_amount: int,
    miner_emission: Sequence[int],
    validator_emission: Sequence[int],
    accounts: Sequence[UidAccounts],
) -> dict[str, int]:
    """Per-account amounts (EIP-55 checksummed accounts, zero amounts dropped) of one epoch."""
    n = len(accounts)
    if len(miner_emission) != n or len(validator_emission) != n:
        raise ConsensusError(
            f"emission vectors have {len(miner_emission)} and {len(validator_emission)} "
            f"entries for {n} UIDs"
        )
    totals: dict[str, int] = {}

    def pay(account: str, amount: int) -> None:
        if amount < 0:
            raise ConsensusError(f"negative payout {amount} to {account}")
        if amount:
            key = account.lower()
            totals[key] = totals.get(key, 0) + amount

    pay(owner, owner_amount)
    for uid, who in enumerate(accounts):
        pay(who.coldkey, int(miner_emission[uid]))
        dividends = int(validator_emission[uid])
        if not dividends:
            continue
        if not 0 <= who.take_bps <= BPS:
            raise ConsensusError(f"take of UID {uid} is {who.take_bps} bps, outside 0..10000")
        take = dividends * who.take_bps // BPS
        rest = dividends - take
        stakers = {k: v for k, v in (who.stakers or {}).items() if v > 0}
        total_stake = sum(stakers.values())
        paid = 0
        if total_stake:
            for staker in sorted(stakers):
                share = rest * stakers[staker] // total_stake
                pay(staker, share)
                paid += share
        pay(who.coldkey, take + rest - paid)
    return {to_checksum_address(account): amount for account, amount in totals.items()}
