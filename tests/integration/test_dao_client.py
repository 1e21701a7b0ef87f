"""The DAO client on anvil: a fresh protocol handed over to the DAO with devnet periods
(voting delay 1 block, period 20 blocks, timelock 10 s), then every path of a proposal's life.

The deployment is made once per module (``_dao_helpers``); each test runs in a snapshot.
Voters: alice and bob 100,000 NOOS each, carol 20,000, all self-delegated; the quorum is 4 %
of the 1,000,000 supply (40,000); the threshold 1 NOOS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.dao import Dao
from noosphere.chain.dao_actions import Action, parse_action
from noosphere.chain.data import DataMarket
from noosphere.chain.deploy import DeployParams
from noosphere.chain.manifest import Manifest
from noosphere.errors import (
    AlreadyVotedError,
    BelowProposalThresholdError,
    DaoError,
    InputError,
    InvalidBallotSignatureError,
    NotDataOwnerError,
    ProposalStateError,
)

pytest_plugins = ["tests.integration._dao_helpers"]
pytestmark = pytest.mark.anvil
NOOS = 10**18
METADATA = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
CONTENT = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
REASON = "QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB"


@dataclass
class World:
    chain: Chain
    manifest: Manifest
    dao: Dao
    alice: LocalAccount
    bob: LocalAccount
    carol: LocalAccount
    poor: LocalAccount  # 0.5 NOOS, self-delegated: below the 1 NOOS threshold

    def actions(self, *texts: str) -> list[Action]:
        return [parse_action(t, self.manifest) for t in texts]

    def propose(self, description: str, *texts: str, by: LocalAccount | None = None) -> int:
        pid, _ = self.dao.propose(by or self.alice, self.actions(*texts), description)
        return pid

    def to_active(self, pid: int) -> None:
        self.chain.mine(self.dao.proposal(pid).snapshot + 1 - self.chain.block_number)

    def to_end(self, pid: int) -> None:
        self.chain.mine(self.dao.proposal(pid).deadline + 1 - self.chain.block_number)

    def wait(self, seconds: int) -> None:
        self.chain.rpc("evm_increaseTime", [seconds])
        self.chain.mine(1)

    def passed(self, description: str, *texts: str) -> int:
        pid = self.propose(description, *texts)
        self.to_active(pid)
        self.dao.cast_vote(self.alice, pid, "for")
        self.dao.cast_vote(self.carol, pid, "abstain")
        self.to_end(pid)
        return pid

    def view(self, name: str, fn: str, *args: object) -> object:
        contract = self.chain.contract(name, self.manifest.address(name))
        return self.chain.call(getattr(contract.functions, fn)(*args))


@pytest.fixture(scope="module")
def voters(dao_deployment: tuple[Chain, Path, Manifest]) -> Manifest:
    """The handed-over deployment with alice, bob, carol and poor funded and self-delegated."""
    chain, _, manifest = dao_deployment
    token = Dao(chain, manifest).token
    for i, amount in ((1, 100_000), (2, 100_000), (3, 20_000), (4, 0.5)):
        token.transfer(dev_account(0), dev_account(i).address, int(amount * NOOS))
        token.delegate(dev_account(i), dev_account(i).address)
    chain.mine(1)
    return manifest


@pytest.fixture
def world(chain: Chain, voters: Manifest) -> World:
    alice, bob, carol, poor = (dev_account(i) for i in (1, 2, 3, 4))
    return World(chain, voters, Dao(chain, voters), alice, bob, carol, poor)


def test_full_lifecycle_changes_the_data_fee_and_an_emission_share(world: World) -> None:
    w, dao = world, world.dao
    pid = w.propose("# Fees and subnet 1\n\nraise the fee", "licences.set_fee(250)",
                    "emitter.set_share(1, 2_500)")  # fmt: skip
    proposal = dao.proposal(pid)
    assert proposal.title == "Fees and subnet 1" and proposal.proposer == w.alice.address
    assert dao.state(pid) == "Pending"
    w.to_active(pid)
    assert dao.state(pid) == "Active"
    dao.cast_vote(w.alice, pid, "for", reason="cheaper than the alternatives")
    dao.cast_vote(w.bob, pid, "against")
    dao.cast_vote(w.carol, pid, "for")
    tally = dao.votes(pid)
    assert (tally.for_votes, tally.against, tally.abstain) == (120_000 * NOOS, 100_000 * NOOS, 0)
    assert dao.has_voted(pid, w.bob.address) and dao.quorum(proposal.snapshot) == 40_000 * NOOS
    assert dao.ballot(proposal, w.alice.address) == (
        "for",
        100_000 * NOOS,
        "cheaper than the alternatives",
    )
    assert dao.ballot(proposal, w.poor.address) is None
    w.to_end(pid)
    assert dao.state(pid) == "Succeeded"
    dao.queue(w.bob, proposal)  # anyone may queue
    assert dao.state(pid) == "Queued" and dao.eta(pid) >= dao.now()
    with pytest.raises(ProposalStateError, match="before its ETA"):
        dao.execute(w.bob, proposal)
    w.wait(11)
    dao.execute(w.carol, proposal)
    assert dao.state(pid) == "Executed"
    assert w.view("licences", "fee_bps") == 250
    assert w.view("emitter", "share_of", 1) == 2_500


def test_treasury_params_and_voting_power(world: World) -> None:
    params = world.dao.params()
    assert (params.voting_delay, params.voting_period, params.timelock_delay) == (1, 20, 10)
    assert params.proposal_threshold == NOOS and params.quorum_numerator == 4
    assert world.dao.treasury() == (DeployParams().dao_treasury, 0)
    balance, votes, delegate = world.dao.voting_power(world.carol.address)
    assert balance == votes == 20_000 * NOOS and delegate == world.carol.address


def test_treasury_pays_out_through_a_proposal(world: World) -> None:
    w = world
    pid = w.passed("grant", f"noos.transfer({w.poor.address}, 1.5 NOOS)")
    w.dao.queue(w.alice, w.dao.proposal(pid))
    w.wait(11)
    w.dao.execute(w.alice, w.dao.proposal(pid))
    assert w.dao.token.balance_of(w.poor.address) == 2 * NOOS
    assert w.dao.treasury()[0] == DeployParams().dao_treasury - 3 * NOOS // 2


def test_defeat_by_quorum_and_queueing_it_is_refused(world: World) -> None:
    w = world
    pid = w.propose("too few voters", "licences.set_fee(300)")
    w.to_active(pid)
    w.dao.cast_vote(w.carol, pid, "for")  # 20,000 < 40,000
    w.to_end(pid)
    assert w.dao.state(pid) == "Defeated"
    with pytest.raises(ProposalStateError, match="it is Defeated") as info:
        w.dao.queue(w.alice, w.dao.proposal(pid))
    assert "cannot be queued" in str(info.value)
    with pytest.raises(ProposalStateError, match="Defeated"):
        w.dao.execute(w.alice, w.dao.proposal(pid))


def test_a_tie_is_defeated(world: World) -> None:
    w = world
    pid = w.propose("a tie", "licences.set_fee(300)")
    w.to_active(pid)
    w.dao.cast_vote(w.alice, pid, "for")
    w.dao.cast_vote(w.bob, pid, "against")
    w.to_end(pid)
    tally = w.dao.votes(pid)
    assert tally.for_votes == tally.against and w.dao.state(pid) == "Defeated"


def test_cancel_while_pending_only_by_the_proposer(world: World) -> None:
    w = world
    pid = w.propose("withdrawn", "licences.set_fee(300)")
    proposal = w.dao.proposal(pid)
    with pytest.raises(DaoError, match="only the proposer"):
        w.dao.cancel(w.bob, proposal)
    w.dao.cancel(w.alice, proposal)
    assert w.dao.state(pid) == "Canceled"
    with pytest.raises(ProposalStateError, match="closed"):
        w.dao.cast_vote(w.bob, pid, "for")
    late = w.propose("too late to cancel", "licences.set_fee(300)")
    w.to_active(late)
    with pytest.raises(ProposalStateError, match="it is Active"):
        w.dao.cancel(w.alice, w.dao.proposal(late))


def test_vote_by_signature_counts_once(world: World) -> None:
    w, dao = world, world.dao
    pid = w.propose("signed ballots", "licences.set_fee(300)")
    w.to_active(pid)
    signature = dao.sign_ballot(w.bob, pid, "against")
    dao.cast_vote_by_sig(w.carol, pid, "against", w.bob.address, signature)  # carol pays
    assert dao.votes(pid).against == 100_000 * NOOS and dao.has_voted(pid, w.bob.address)
    with pytest.raises(AlreadyVotedError):
        dao.cast_vote_by_sig(w.carol, pid, "against", w.bob.address, signature)
    other = w.propose("another", "licences.set_fee(301)")
    w.to_active(other)
    stale = dao.sign_ballot(w.bob, other, "for", nonce=0)  # nonce 0 was spent: a replay
    with pytest.raises(InvalidBallotSignatureError):
        dao.cast_vote_by_sig(w.carol, other, "for", w.bob.address, stale)
    forged = dao.sign_ballot(w.carol, other, "for", nonce=1)  # carol's key, bob named as voter
    with pytest.raises(InvalidBallotSignatureError):
        dao.cast_vote_by_sig(w.carol, other, "for", w.bob.address, forged)
    with pytest.raises(InvalidBallotSignatureError):
        dao.cast_vote_by_sig(w.carol, other, "for", w.bob.address, b"\x01" * 64)
    assert not dao.has_voted(other, w.bob.address)


def test_vote_twice_before_start_and_after_deadline(world: World) -> None:
    w, dao = world, world.dao
    pid = w.propose("timing", "licences.set_fee(300)")
    with pytest.raises(ProposalStateError, match="has not started: it opens at block"):
        dao.cast_vote(w.alice, pid, "for")
    w.to_active(pid)
    dao.cast_vote(w.alice, pid, "for")
    with pytest.raises(AlreadyVotedError):
        dao.cast_vote(w.alice, pid, "against")
    fn = dao.governor.functions.castVote(pid, 0)  # past the client's check: the contract says so
    with pytest.raises(AlreadyVotedError):
        dao._send(w.alice, fn)
    w.to_end(pid)
    with pytest.raises(ProposalStateError, match="closed"):
        dao.cast_vote(w.bob, pid, "against")
    with pytest.raises(InputError, match="not one of for, against, abstain"):
        dao.cast_vote(w.bob, pid, "maybe")


def test_bad_proposals_are_refused_before_sending(world: World) -> None:
    w, dao = world, world.dao
    block = w.chain.block_number
    with pytest.raises(InputError, match="at least one action"):
        dao.propose(w.alice, [], "nothing")
    with pytest.raises(BelowProposalThresholdError, match="below the proposal threshold") as info:
        w.propose("poor", "licences.set_fee(300)", by=w.poor)
    assert "0.5 votes" in str(info.value)
    with pytest.raises(BelowProposalThresholdError, match="delegate to yourself"):
        w.propose("undelegated", "licences.set_fee(300)", by=dev_account(0))
    assert w.chain.block_number == block
    w.propose("once", "licences.set_fee(300)")
    with pytest.raises(DaoError, match="already exists"):
        w.propose("once", "licences.set_fee(300)")
    target = w.manifest.address("licences")
    mismatched = dao.governor.functions.propose([target], [0, 0], [b"\x00"], "mismatched")
    with pytest.raises(DaoError, match="invalid proposal length"):
        dao._send(w.alice, mismatched)
    below = dao.governor.functions.propose([target], [0], [b"\x00"], "poor again")
    with pytest.raises(BelowProposalThresholdError):
        dao._send(w.poor, below)


def test_queued_proposal_never_expires(world: World) -> None:
    w = world
    pid = w.passed("slow executor", "licences.set_fee(0)")
    w.dao.queue(w.alice, w.dao.proposal(pid))
    w.wait(10 * 365 * 86_400)  # OpenZeppelin v5's timelock has no grace period
    assert w.dao.state(pid) == "Queued"
    w.dao.execute(w.alice, w.dao.proposal(pid))
    assert w.view("licences", "fee_bps") == 0


def test_ethics_delist_a_dataset_through_the_dao(world: World) -> None:
    w = world
    market = DataMarket(w.chain, w.manifest)
    data_id = market.publish(w.bob, METADATA, CONTENT, "https://provider.example", 5 * NOOS)
    action = f'datanft.delist({data_id}, "{REASON}")'
    with pytest.raises(NotDataOwnerError, match="governed by the DAO") as info:
        market.check_admin(dev_account(0).address, action)
    assert f"noos dao propose --title '…' --action '{action}'" in str(info.value)
    pid = w.passed("delist", f'datanft.delist({data_id}, "{REASON}")')
    w.dao.queue(w.alice, w.dao.proposal(pid))
    w.wait(11)
    w.dao.execute(w.alice, w.dao.proposal(pid))
    dataset = market.dataset(data_id)
    assert dataset.delisted and dataset.delist_reason == REASON


def test_ids_resolve_by_prefix_and_actions_decode(world: World) -> None:
    w = world
    pid = w.propose("prefix", "licences.set_fee(300)")
    proposal = w.dao.proposal(pid)
    assert w.dao.resolve_id(proposal.short_id) == proposal
    assert w.dao.resolve_id(str(pid)) == proposal and w.dao.resolve_id(hex(pid)) == proposal
    assert w.dao.resolve_id(str(pid)[:12]) == proposal
    with pytest.raises(DaoError, match="no proposal id starts with"):
        w.dao.resolve_id("0x" + ("0" if proposal.short_id[2] != "0" else "1"))
    with pytest.raises(InputError, match="not a number"):
        w.dao.resolve_id("abc!")
