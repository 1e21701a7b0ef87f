"""The governor's governance-only setters: only a proposal executed through the timelock may call.

Voting delay, voting period, proposal threshold, quorum numerator (checkpointed) and timelock.
"""

from __future__ import annotations

import boa
import pytest

pytest.register_assert_rewrite("tests.contracts.conftest_governance")
from tests.contracts._boa_helpers import block_number, events, mine  # noqa: E402
from tests.contracts.conftest_governance import (  # noqa: E402
    FOR,
    QUORUM,
    SUCCEEDED,
    TREASURY,
    UNIT,
    VOTING_DELAY,
    VOTING_PERIOD,
    ZERO_ADDRESS,
    Proposal,
    calldata,
    enact,
    governor_proposal,
    pass_proposal,
    propose,
    queue_and_wait,
    to_active,
    to_end,
    transfer_proposal,
    vote,
)

pytest_plugins = ["tests.contracts.conftest_governance"]

SETTERS = [
    ("setVotingDelay", 5),
    ("setVotingPeriod", 20),
    ("setProposalThreshold", 7),
    ("updateQuorumNumerator", 10),
]


def test_set_voting_period_through_a_proposal(governor, gov_token, grant, alice):
    # A proposal open before the change keeps its deadline; later ones use the new period.
    open_id = propose(governor, grant, alice.address)
    deadline = governor.proposalDeadline(open_id)
    change = governor_proposal(governor, "setVotingPeriod", 250, "Longer votes")
    enact(governor, change, alice.address, {alice.address: FOR})
    (event,) = events(governor, "VotingPeriodSet")
    assert (event.oldVotingPeriod, event.newVotingPeriod) == (VOTING_PERIOD, 250)
    assert governor.votingPeriod() == 250
    assert governor.proposalDeadline(open_id) == deadline

    later = transfer_proposal(gov_token, alice.address, 1, "after the change")
    later_id = propose(governor, later, alice.address)
    assert governor.proposalDeadline(later_id) == block_number() + VOTING_DELAY + 250


def test_all_setters_in_one_proposal(governor, alice, outsider):
    actions = [calldata(governor, name, value) for name, value in SETTERS]
    proposal = Proposal((governor.address,) * 4, (0,) * 4, tuple(actions), "Retune")
    enact(governor, proposal, alice.address, {alice.address: FOR})
    assert [e.newVotingDelay for e in events(governor, "VotingDelaySet")] == [5]
    assert [e.newProposalThreshold for e in events(governor, "ProposalThresholdSet")] == [7]
    (quorum,) = events(governor, "QuorumNumeratorUpdated")
    assert (quorum.oldQuorumNumerator, quorum.newQuorumNumerator) == (4, 10)
    assert governor.votingDelay() == 5
    assert governor.votingPeriod() == 20
    assert governor.proposalThreshold() == 7
    assert governor.quorumNumerator() == 10


def test_the_same_call_twice_in_one_proposal(governor, alice):
    action = calldata(governor, "setVotingDelay", 3)
    proposal = Proposal((governor.address,) * 2, (0, 0), (action, action), "Twice")
    enact(governor, proposal, alice.address, {alice.address: FOR})
    assert len(events(governor, "VotingDelaySet")) == 2


@pytest.mark.parametrize(("setter", "value"), [*SETTERS, ("updateTimelock", ZERO_ADDRESS)])
def test_setters_reject_direct_calls(governor, alice, setter, value):
    with boa.reverts("governor: caller is not the timelock"), boa.env.prank(alice.address):
        getattr(governor, setter)(value)


def test_relay_recovers_tokens_sent_to_the_governor(governor, gov_token, timelock, alice):
    with boa.env.prank(alice.address):
        gov_token.transfer(governor.address, 5 * UNIT)  # by mistake
    transfer = calldata(gov_token, "transfer", timelock.address, 5 * UNIT)
    proposal = Proposal(
        (governor.address,),
        (0,),
        (calldata(governor, "relay", gov_token.address, 0, transfer),),
        "Recover 5 NOOS",
    )
    enact(governor, proposal, alice.address, {alice.address: FOR})
    assert gov_token.balanceOf(governor.address) == 0
    assert gov_token.balanceOf(timelock.address) == TREASURY + 5 * UNIT


def test_relay_bubbles_up_a_revert(governor, gov_token, timelock, alice):
    transfer = calldata(gov_token, "transfer", timelock.address, UNIT)  # the governor has none
    relay = calldata(governor, "relay", gov_token.address, 0, transfer)
    proposal = Proposal((governor.address,), (0,), (relay,), "Relay a failing call")
    pass_proposal(governor, proposal, alice.address, {alice.address: FOR})
    queue_and_wait(governor, proposal)
    with boa.reverts("erc20: transfer amount exceeds balance"):
        governor.execute(*proposal.args)


def test_relay_is_governance_only(governor, gov_token, timelock, alice):
    with boa.reverts("governor: caller is not the timelock"), boa.env.prank(alice.address):
        governor.relay(gov_token.address, 0, b"")
    with (
        boa.reverts("governor: call not authorised by a proposal"),
        boa.env.prank(timelock.address),
    ):
        governor.relay(gov_token.address, 0, b"")


@pytest.mark.parametrize(("setter", "value"), [*SETTERS, ("updateTimelock", ZERO_ADDRESS)])
def test_setters_reject_the_timelock_outside_a_proposal(governor, timelock, setter, value):
    # Another proposer of the timelock could not change the governor without a vote.
    with (
        boa.reverts("governor: call not authorised by a proposal"),
        boa.env.prank(timelock.address),
    ):
        getattr(governor, setter)(value)


def test_authorisation_ends_with_the_execution(governor, timelock, alice):
    enact(
        governor,
        governor_proposal(governor, "setVotingDelay", 2, "Delay 2"),
        alice.address,
        {alice.address: FOR},
    )
    with (
        boa.reverts("governor: call not authorised by a proposal"),
        boa.env.prank(timelock.address),
    ):
        governor.setVotingDelay(2)


def test_setter_calldata_must_be_exact(governor, alice):
    # A setter's calldata is 36 bytes; with a trailing byte the call is not authorised (a
    # stricter rule than OpenZeppelin's hash of the raw calldata, see docs/governance.md).
    action = calldata(governor, "setVotingDelay", 4) + b"\x00"
    proposal = Proposal((governor.address,), (0,), (action,), "Trailing byte")
    pass_proposal(governor, proposal, alice.address, {alice.address: FOR})
    queue_and_wait(governor, proposal)
    with boa.reverts("governor: call not authorised by a proposal"):
        governor.execute(*proposal.args)


@pytest.mark.parametrize(
    ("setter", "value", "reason"),
    [
        ("setVotingPeriod", 0, "governor: voting period is zero"),
        ("setProposalThreshold", 2**128, "governor: threshold exceeds uint128"),
        ("updateQuorumNumerator", 101, "governor: quorum numerator over denominator"),
    ],
)
def test_invalid_settings_revert_the_execution(governor, alice, setter, value, reason):
    proposal = governor_proposal(governor, setter, value, f"bad {setter}")
    pass_proposal(governor, proposal, alice.address, {alice.address: FOR})
    queue_and_wait(governor, proposal)
    with boa.reverts(reason):
        governor.execute(*proposal.args)


def test_threshold_zero_lets_anyone_propose(governor, grant, alice, outsider):
    enact(
        governor,
        governor_proposal(governor, "setProposalThreshold", 0, "Open proposing"),
        alice.address,
        {alice.address: FOR},
    )
    assert propose(governor, grant, outsider.address) == grant.id


def test_quorum_numerator_is_checkpointed(governor, grant, alice, dave):
    # A proposal keeps the quorum of its snapshot when the numerator changes during its vote.
    open_id = propose(governor, grant, alice.address)
    to_active(governor, open_id)
    vote(governor, open_id, dave.address, FOR)  # exactly 4 %
    before = block_number() - 1
    enact(
        governor,
        governor_proposal(governor, "updateQuorumNumerator", 50, "Quorum 50 %"),
        alice.address,
        {alice.address: FOR},
    )
    changed_at = block_number()
    mine()
    assert governor.quorumNumerator() == 50
    assert governor.quorumNumerator(before) == 4
    assert governor.quorumNumerator(changed_at) == 50
    assert governor.quorumNumerator(2**256 - 1) == 50
    assert governor.quorum(governor.proposalSnapshot(open_id)) == QUORUM
    to_end(governor, open_id)
    assert governor.state(open_id) == SUCCEEDED


def test_update_timelock(governor, gov_token, timelock, timelock_deployer, alice, outsider):
    new_timelock = timelock_deployer.deploy(3_600, [governor.address], [ZERO_ADDRESS], ZERO_ADDRESS)
    # The treasury moves in the same proposal, as the timelock changes.
    proposal = Proposal(
        (gov_token.address, governor.address),
        (0, 0),
        (
            calldata(gov_token, "transfer", new_timelock.address, TREASURY),
            calldata(governor, "updateTimelock", new_timelock.address),
        ),
        "Move to a new timelock",
    )
    enact(governor, proposal, alice.address, {alice.address: FOR})
    (change,) = events(governor, "TimelockChange")
    assert (change.oldTimelock, change.newTimelock) == (timelock.address, new_timelock.address)
    assert governor.timelock() == new_timelock.address
    assert gov_token.balanceOf(new_timelock.address) == TREASURY

    grant = transfer_proposal(gov_token, outsider.address, UNIT, "Grant from the new timelock")
    pass_proposal(governor, grant, alice.address, {alice.address: FOR})
    governor.queue(*grant.args)
    boa.env.time_travel(seconds=3_600)
    governor.execute(*grant.args)
    assert gov_token.balanceOf(outsider.address) == UNIT
