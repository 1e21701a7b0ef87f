"""The governor against a Python model of OpenZeppelin's ``state()``, over random proposals.

A fresh DAO per example (NOOS, timelock, governor with short periods); rules propose, vote
(including invalid supports and second ballots), move votes between voters, mint supply, cancel,
queue, execute and advance blocks and time. The model keeps every block's votes and supply, so
a proposal's tallies are the sums of its voters' votes at its snapshot, computed independently
of the token; every rule predicts success or the exact revert reason. Invariants compare
``state``, ``proposalVotes`` and ``proposalEta`` of every proposal with the model after each
step; ``hasVoted`` is checked before and after every ballot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import boa
import pytest
from eth_utils import keccak
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

pytest.register_assert_rewrite("tests.contracts.conftest_governance")
from tests.contracts.conftest_governance import deployer_of  # noqa: E402

DEPLOYER = "0x" + "d0" * 20
VOTERS = ["0x" + f"{n:02x}" * 20 for n in (0x11, 0x22, 0x33, 0x44)]
ZERO_ADDRESS = "0x" + "00" * 20
DELAY, PERIOD, THRESHOLD, NUMERATOR, TIMELOCK_DELAY = 1, 8, 100, 20, 100
MAX_PROPOSALS = 4  # per example, so that proposals live through their whole lifecycle
UNDELEGATED = 500  # the deployer's share of the initial supply
PENDING, ACTIVE, CANCELED, DEFEATED, SUCCEEDED, QUEUED, EXPIRED, EXECUTED = range(8)
STATE_REASONS = {
    PENDING: "governor: proposal is pending",
    ACTIVE: "governor: proposal is active",
    CANCELED: "governor: proposal is canceled",
    DEFEATED: "governor: proposal is defeated",
    SUCCEEDED: "governor: proposal is not queued",
    QUEUED: "governor: proposal is already queued",
    EXECUTED: "governor: proposal is already executed",
}

voters = st.sampled_from(VOTERS)
# Mostly "for", so that proposals pass; 3 is invalid.
supports = st.sampled_from([0, 1, 1, 1, 2, 3])
# Proposals are picked from the most recent ones.
recent = st.integers(min_value=0, max_value=3)


@dataclass
class ModelProposal:
    """What the model knows of one proposal."""

    args: tuple
    proposer: str
    snapshot: int
    deadline: int
    ballots: dict[str, tuple[int, int]] = field(default_factory=dict)  # voter -> support, weight
    canceled: bool = False
    eta: int = 0
    executed: bool = False

    def tally(self) -> tuple[int, int, int]:
        counts = [0, 0, 0]
        for support, weight in self.ballots.values():
            counts[support] += weight
        return counts[0], counts[1], counts[2]


class GovernorModel(RuleBasedStateMachine):
    """Drives one fresh DAO per example; titanoboa reverts it afterwards."""

    @initialize(balances=st.lists(st.integers(50, 1_000), min_size=4, max_size=4))
    def deploy(self, balances: list[int]) -> None:
        """NOOS shared by self-delegated voters and the (undelegated) deployer."""
        supply = sum(balances) + UNDELEGATED
        with boa.env.prank(DEPLOYER):
            self.token = deployer_of("noos").deploy("Noosphere", "NOOS", 10**9, DEPLOYER, supply)
            self.timelock = deployer_of("timelock").deploy(
                TIMELOCK_DELAY, [], [ZERO_ADDRESS], DEPLOYER
            )
            self.governor = deployer_of("governor").deploy(
                "G", self.token.address, self.timelock.address, DELAY, PERIOD, THRESHOLD, NUMERATOR
            )
            self.timelock.grantRole(self.timelock.PROPOSER_ROLE(), self.governor.address)
            self.timelock.grantRole(self.timelock.CANCELLER_ROLE(), self.governor.address)
            for voter, amount in zip(VOTERS, balances, strict=True):
                self.token.transfer(voter, amount)
        for voter in VOTERS:
            with boa.env.prank(voter):
                self.token.delegate(voter)
        self.votes = dict(zip(VOTERS, balances, strict=True))
        self.supply = supply
        self.history: dict[int, tuple[dict[str, int], int]] = {}
        self.proposals: list[ModelProposal] = []
        self.ids: list[int] = []
        self._record()
        self._advance(1)

    # --- the model's clock and history ----------------------------------------------------------

    def _block(self) -> int:
        return int(boa.env.evm.patch.block_number)

    def _record(self) -> None:
        self.history[self._block()] = (dict(self.votes), self.supply)

    def _advance(self, blocks: int, seconds: int = 0) -> None:
        if seconds:
            boa.env.time_travel(seconds=seconds)  # also moves blocks (one per 12 s)
        if blocks:
            boa.env.time_travel(blocks=blocks)
        self._record()

    def _at(self, block: int) -> tuple[dict[str, int], int]:
        return self.history[max(b for b in self.history if b <= block)]

    def _state(self, proposal: ModelProposal) -> int:
        """OpenZeppelin's ``GovernorTimelockControl.state`` (no operation leaves the timelock)."""
        now = self._block()
        if proposal.executed:
            return EXECUTED
        if proposal.canceled:
            return CANCELED
        if proposal.snapshot >= now:
            return PENDING
        if proposal.deadline >= now:
            return ACTIVE
        against, for_, abstain = proposal.tally()
        quorum = self._at(proposal.snapshot)[1] * NUMERATOR // 100
        if quorum > for_ + abstain or for_ <= against:
            return DEFEATED
        return SUCCEEDED if proposal.eta == 0 else QUEUED

    def _pick(self, index: int, prefer: int | None = None) -> tuple[ModelProposal, int]:
        """The ``index``-th most recent proposal (wrapping around) and its id; among those in
        state ``prefer`` if there are some, so that rules mostly act where they can succeed."""
        positions = list(range(len(self.proposals)))[::-1]
        if prefer is not None:
            positions = [
                p for p in positions if self._state(self.proposals[p]) == prefer
            ] or positions
        position = positions[index % len(positions)]
        return self.proposals[position], self.ids[position]

    # --- rules ----------------------------------------------------------------------------------

    @precondition(lambda self: len(self.proposals) < MAX_PROPOSALS)
    @rule(proposer=voters, actions=st.integers(1, 3))
    def propose(self, proposer: str, actions: int) -> None:
        description = f"Proposal {len(self.proposals)} by {proposer}"
        args = ([VOTERS[0]] * actions, [0] * actions, [b""] * actions, description)
        if self._at(self._block() - 1)[0][proposer] < THRESHOLD:
            with boa.reverts("governor: proposer votes below threshold"), boa.env.prank(proposer):
                self.governor.propose(*args)
            return
        with boa.env.prank(proposer):
            proposal_id = self.governor.propose(*args)
        snapshot = self._block() + DELAY
        queue_args = (*args[:3], keccak(text=description))
        self.proposals.append(ModelProposal(queue_args, proposer, snapshot, snapshot + PERIOD))
        self.ids.append(proposal_id)

    @rule(blocks=st.integers(1, 6))
    def advance(self, blocks: int) -> None:
        self._advance(blocks)

    @precondition(lambda self: self.proposals)
    @rule(index=recent, point=st.sampled_from(["snapshot", "start", "deadline", "end"]))
    def advance_to(self, index: int, point: str) -> None:
        """Advance to a boundary of a proposal: its last pending, first or last active block, or
        the first block after its vote."""
        proposal, _ = self._pick(index)
        target = {
            "snapshot": proposal.snapshot,
            "start": proposal.snapshot + 1,
            "deadline": proposal.deadline,
            "end": proposal.deadline + 1,
        }[point]
        if target > self._block():
            self._advance(target - self._block())

    @rule(source=voters, recipient=voters, share=st.integers(0, 100))
    def move_votes(self, source: str, recipient: str, share: int) -> None:
        amount = self.votes[source] * share // 100
        with boa.env.prank(source):
            self.token.transfer(recipient, amount)
        self.votes[source] -= amount
        self.votes[recipient] += amount
        self._record()

    @rule(amount=st.integers(1, 1_000))
    def mint(self, amount: int) -> None:
        """Supply that nobody delegates: it raises the quorum of later snapshots."""
        with boa.env.prank(DEPLOYER):
            self.token.mint(DEPLOYER, amount)
        self.supply += amount
        self._record()

    @precondition(lambda self: self.proposals)
    @rule(index=recent, ballots=st.lists(st.tuples(voters, supports), min_size=1, max_size=4))
    def vote(self, index: int, ballots: list[tuple[str, int]]) -> None:
        """Several voters vote on one proposal (mostly an active one), in the same block."""
        proposal, proposal_id = self._pick(index, ACTIVE)
        for voter, support in ballots:
            self._vote(proposal, proposal_id, voter, support)

    def _vote(self, proposal: ModelProposal, proposal_id: int, voter: str, support: int) -> None:
        assert self.governor.hasVoted(proposal_id, voter) == (voter in proposal.ballots)
        state = self._state(proposal)
        reason = None
        if state == CANCELED:
            reason = "governor: proposal is canceled"
        elif state == PENDING:
            reason = "governor: voting has not started"
        elif state != ACTIVE:
            reason = "governor: voting is closed"
        elif voter in proposal.ballots:
            reason = "governor: vote already cast"
        elif support > 2:
            reason = "governor: invalid vote type"
        if reason is not None:
            with boa.reverts(reason), boa.env.prank(voter):
                self.governor.castVote(proposal_id, support)
            return
        weight = self._at(proposal.snapshot)[0][voter]
        with boa.env.prank(voter):
            assert self.governor.castVote(proposal_id, support) == weight
        proposal.ballots[voter] = (support, weight)
        assert self.governor.hasVoted(proposal_id, voter)

    @precondition(lambda self: self.proposals)
    @rule(index=recent, caller=voters)
    def cancel(self, index: int, caller: str) -> None:
        proposal, _ = self._pick(index, PENDING)
        if self._state(proposal) != PENDING:
            reason = "governor: only a pending proposal can be canceled"
        elif caller != proposal.proposer:
            reason = "governor: caller is not the proposer"
        else:
            with boa.env.prank(caller):
                self.governor.cancel(*proposal.args)
            proposal.canceled = True
            return
        with boa.reverts(reason), boa.env.prank(caller):
            self.governor.cancel(*proposal.args)

    @precondition(lambda self: self.proposals)
    @rule(index=recent)
    def queue(self, index: int) -> None:
        self._queue(self._pick(index, SUCCEEDED)[0])

    @precondition(lambda self: self.proposals)
    @rule(index=recent, wait=st.booleans())
    def execute(self, index: int, wait: bool) -> None:
        self._execute(self._pick(index, QUEUED)[0], wait)

    @precondition(lambda self: self.proposals)
    @rule(
        index=recent,
        ballots=st.lists(st.tuples(voters, supports), min_size=1, max_size=4),
        wait=st.booleans(),
    )
    def campaign(self, index: int, ballots: list[tuple[str, int]], wait: bool) -> None:
        """A proposal's whole life at once: its vote from the first block, then (whatever the
        outcome) the end of the vote, queueing and execution."""
        proposal, proposal_id = self._pick(index, PENDING)
        if proposal.snapshot + 1 > self._block():
            self._advance(proposal.snapshot + 1 - self._block())
        for voter, support in ballots:
            self._vote(proposal, proposal_id, voter, support)
        if proposal.deadline + 1 > self._block():
            self._advance(proposal.deadline + 1 - self._block())
        self._queue(proposal)
        self._execute(proposal, wait)

    def _queue(self, proposal: ModelProposal) -> None:
        state = self._state(proposal)
        if state != SUCCEEDED:
            with boa.reverts(STATE_REASONS[state]):
                self.governor.queue(*proposal.args)
            return
        self.governor.queue(*proposal.args)
        proposal.eta = int(boa.env.evm.patch.timestamp) + TIMELOCK_DELAY

    def _execute(self, proposal: ModelProposal, wait: bool) -> None:
        if wait and proposal.eta:
            self._advance(0, seconds=TIMELOCK_DELAY)
        state = self._state(proposal)
        if state != QUEUED:
            with boa.reverts(STATE_REASONS[state]):
                self.governor.execute(*proposal.args)
        elif boa.env.evm.patch.timestamp < proposal.eta:
            with boa.reverts("governor: proposal is not ready (before its eta)"):
                self.governor.execute(*proposal.args)
        else:
            self.governor.execute(*proposal.args)
            proposal.executed = True

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def states_and_tallies_match(self) -> None:
        for proposal_id, proposal in zip(self.ids, self.proposals, strict=True):
            assert self.governor.state(proposal_id) == self._state(proposal)
            assert self.governor.proposalVotes(proposal_id) == proposal.tally()
            assert self.governor.proposalEta(proposal_id) == proposal.eta


GovernorModel.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestGovernorModel = GovernorModel.TestCase
