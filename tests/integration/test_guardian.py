"""The emergency guardian on anvil through the Subnets client: a pause stops a real epoch's
claims until it ends, the DAO (the settlement's admin) voids a root the guardian froze after its
challenge window, and the guardian trying anything but pause gets a clear error.

The session's deployment keeps ``dev_account(0)`` as admin (it stands for the DAO's timelock);
the guardian is ``dev_account(7)``, granted ``GUARDIAN_ROLE`` per test.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Subnets
from noosphere.errors import GuardianError, SubnetPausedError, TransactionRevertedError
from tests.integration._epoch_helpers import ClosedEpoch, closed_epoch

pytestmark = pytest.mark.anvil
ADMIN = dev_account(0)
GUARDIAN = dev_account(7)
REASON_CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"


@dataclass
class Frozen:
    """A finalized epoch (challenge window 5 blocks) and a guardian."""

    closed: ClosedEpoch
    subnets: Subnets

    @property
    def netuid(self) -> int:
        return self.closed.netuid

    def claim_first(self) -> None:
        """Claim the first payee's leaf of the finalized epoch."""
        outcome = self.closed.outcome
        account = next(iter(outcome.payouts))
        amount, proof = outcome.proof(account)
        self.subnets.claim(ADMIN, self.netuid, self.closed.epoch, account, amount, proof)

    def travel(self, seconds: int) -> None:
        """Move the chain's clock forward and mine a block."""
        self.subnets.chain.rpc("evm_increaseTime", [seconds])
        self.subnets.chain.mine(1)


@pytest.fixture
def frozen(protocol: Protocol) -> Frozen:
    closed = closed_epoch(protocol)
    for validator in closed.validators:
        closed.attest(validator)
    out = closed.outcome
    subnets = closed.subnets
    subnets.finalize(ADMIN, closed.netuid, closed.epoch, out.payouts_root, out.aux_hash)
    role = subnets.chain.call(subnets.epochs.functions.GUARDIAN_ROLE())
    subnets.chain.transact(ADMIN, subnets.epochs.functions.grantRole(role, GUARDIAN.address))
    return Frozen(closed, subnets)


def test_a_pause_stops_claims_until_it_ends(frozen: Frozen) -> None:
    s, netuid = frozen.subnets, frozen.netuid
    s.chain.mine(6)  # the challenge window is over
    assert not s.pause_state(netuid).paused
    state = s.check_can_pause(GUARDIAN.address, netuid, 3_600)
    s.pause(GUARDIAN, netuid, 3_600)
    until = s.paused_until(netuid)
    assert state.now < until <= s.now() + 3_600
    assert s.pause_state(netuid).paused
    with pytest.raises(SubnetPausedError, match="paused the claims of subnet") as caught:
        frozen.claim_first()
    assert caught.value.reason == "epochs: subnet paused"
    assert isinstance(caught.value, TransactionRevertedError)  # engines' handlers still apply
    frozen.travel(3_600)
    assert s.paused_until(netuid) == 0
    frozen.claim_first()


def test_the_dao_voids_a_root_the_guardian_froze(frozen: Frozen) -> None:
    s, netuid, epoch = frozen.subnets, frozen.netuid, frozen.closed.epoch
    s.pause(GUARDIAN, netuid, 7_200)  # within the challenge window
    s.chain.mine(20)  # the window is over; the DAO is still voting
    with pytest.raises(GuardianError, match="only the DAO may void"):
        s.void(GUARDIAN, netuid, epoch, REASON_CID)
    s.void(ADMIN, netuid, epoch, REASON_CID)
    status = s.status(netuid, epoch)
    assert (status.finalized, status.voided, status.unclaimed) == (True, True, 0)
    assert epoch not in s.finalized_epochs(netuid)
    s.unpause(ADMIN, netuid)
    assert not s.pause_state(netuid).paused


def test_the_guardian_cannot_do_anything_but_pause(frozen: Frozen) -> None:
    s, netuid = frozen.subnets, frozen.netuid
    s.pause(GUARDIAN, netuid, 600)
    with pytest.raises(GuardianError, match="only the DAO may do this"):
        s.unpause(GUARDIAN, netuid)
    with pytest.raises(TransactionRevertedError, match="missing role"):
        s.set_share(GUARDIAN, netuid, 0)
    set_windows = s.epochs.functions.set_windows(1, 1)
    with pytest.raises(TransactionRevertedError, match="missing role"):
        s.chain.transact(GUARDIAN, set_windows)
    with pytest.raises(GuardianError, match="only the DAO may void"):
        s.void(GUARDIAN, netuid, frozen.closed.epoch, REASON_CID)
    assert s.windows()[0] == 5 and s.share_of(netuid) == 10_000


def test_pause_checks_name_the_problem_before_sending(frozen: Frozen) -> None:
    s, netuid = frozen.subnets, frozen.netuid
    stranger = dev_account(8).address
    with pytest.raises(GuardianError, match="does not hold GUARDIAN_ROLE"):
        s.check_can_pause(stranger, netuid, 60)
    longest = s.pause_state(netuid).max_pause
    with pytest.raises(GuardianError, match="max_pause"):
        s.check_can_pause(GUARDIAN.address, netuid, longest + 1)
    s.pause(GUARDIAN, netuid, 600)
    frozen.travel(10)
    with pytest.raises(GuardianError, match=r"extend the pause .* only up to"):
        s.check_can_pause(GUARDIAN.address, netuid, longest)
    with pytest.raises(GuardianError, match="pause would exceed max_pause"):
        s.pause(GUARDIAN, netuid, longest)  # the chain says the same
    frozen.travel(590)
    with pytest.raises(GuardianError, match="again only from"):
        s.check_can_pause(GUARDIAN.address, netuid, 60)
    with pytest.raises(GuardianError, match="guardian cooldown not over"):
        s.pause(GUARDIAN, netuid, 60)
    s.check_can_pause(ADMIN.address, netuid, 60)  # the DAO has no cooldown


def test_the_dao_replaces_the_guardian(frozen: Frozen) -> None:
    s, netuid = frozen.subnets, frozen.netuid
    successor = dev_account(9)
    role = s.chain.call(s.epochs.functions.GUARDIAN_ROLE())
    s.chain.transact(ADMIN, s.epochs.functions.revokeRole(role, GUARDIAN.address))
    s.chain.transact(ADMIN, s.epochs.functions.grantRole(role, successor.address))
    assert not s.is_guardian(GUARDIAN.address) and s.is_guardian(successor.address)
    with pytest.raises(GuardianError, match="only the guardian or the DAO may pause"):
        s.pause(GUARDIAN, netuid, 60)
    s.pause(successor, netuid, 60)
    assert s.pause_state(netuid).paused
