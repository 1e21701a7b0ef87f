"""The governor's proposal lifecycle: propose, states and their boundaries, queue, execute, cancel.

Votes and signatures are in ``test_governor_votes.py``, the governance-only setters in
``test_governor_settings.py``, the timelock in ``test_governor_timelock.py`` and a model-based
check of states and tallies in ``test_governor_state.py``.
"""

from __future__ import annotations

import boa
import pytest
from eth.exceptions import Revert
from eth_utils import keccak

pytest.register_assert_rewrite("tests.contracts.conftest_governance")
from tests.contracts._boa_helpers import block_number, events, mine, mine_to  # noqa: E402
from tests.contracts.conftest_governance import (  # noqa: E402
    ABSTAIN,
    ACTIVE,
    AGAINST,
    CANCELED,
    DEFEATED,
    EXECUTED,
    FOR,
    GOVERNOR_NAME,
    PENDING,
    QUEUED,
    QUORUM,
    QUORUM_NUMERATOR,
    REVERTER_SOURCE,
    SUCCEEDED,
    SUPPLY,
    THRESHOLD,
    TIMELOCK_DELAY,
    TREASURY,
    UNIT,
    VOTING_DELAY,
    VOTING_PERIOD,
    ZERO_ADDRESS,
    Proposal,
    calldata,
    enact,
    pass_proposal,
    propose,
    queue_and_wait,
    timelock_salt,
    to_active,
    to_end,
    transfer_proposal,
    vote,
)

pytest_plugins = ["tests.contracts.conftest_governance"]

GRANT = 1_000 * UNIT

# A token whose clock is a timestamp, which the governor refuses.
TIMESTAMP_TOKEN = """
# pragma version ~=0.4.3
@external
@view
def CLOCK_MODE() -> String[64]:
    return "mode=timestamp"
"""


# --- deployment and metadata ---------------------------------------------------------------


def test_metadata(governor, gov_token, timelock):
    assert governor.name() == GOVERNOR_NAME
    assert governor.version() == "1"
    assert governor.COUNTING_MODE() == "support=bravo&quorum=for,abstain"
    assert governor.CLOCK_MODE() == gov_token.CLOCK_MODE() == "mode=blocknumber&from=default"
    assert governor.clock() == gov_token.clock() == block_number()
    assert governor.token() == gov_token.address
    assert governor.timelock() == timelock.address
    assert governor.votingDelay() == VOTING_DELAY
    assert governor.votingPeriod() == VOTING_PERIOD
    assert governor.proposalThreshold() == THRESHOLD
    assert governor.quorumNumerator() == QUORUM_NUMERATOR
    assert governor.quorumNumerator(block_number() - 1) == QUORUM_NUMERATOR
    assert governor.quorumDenominator() == 100
    assert governor.quorum(block_number() - 1) == QUORUM
    assert governor.proposalNeedsQueuing(0) is True
    ballot = b"Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)"
    assert governor.BALLOT_TYPEHASH() == keccak(ballot)
    extended = (
        b"ExtendedBallot(uint256 proposalId,uint8 support,address voter,uint256 nonce,"
        b"string reason,bytes params)"
    )
    assert governor.EXTENDED_BALLOT_TYPEHASH() == keccak(extended)
    _, name, version, chain_id, verifying_contract, _, _ = governor.eip712Domain()
    assert (name, version, verifying_contract) == (GOVERNOR_NAME, "1", governor.address)
    assert chain_id == boa.env.evm.patch.chain_id


def test_supports_interface(governor):
    assert governor.supportsInterface(bytes.fromhex("01ffc9a7"))  # ERC-165
    assert governor.supportsInterface(bytes.fromhex("cdbdfcee"))  # IGovernor (OZ 5.7)
    assert governor.supportsInterface(bytes.fromhex("65455a86"))  # IGovernor before 5.3
    assert governor.supportsInterface(bytes.fromhex("4e2312e0"))  # IERC1155Receiver
    assert not governor.supportsInterface(bytes.fromhex("ffffffff"))


def test_no_tokens_deposited_in_the_governor(governor, alice):
    # As OpenZeppelin's governor with a timelock: the receiver hooks reject every deposit.
    with boa.reverts("governor: deposits go to the timelock"):
        governor.onERC721Received(alice.address, alice.address, 1, b"")
    with boa.reverts("governor: deposits go to the timelock"):
        governor.onERC1155Received(alice.address, alice.address, 1, 1, b"")
    with boa.reverts("governor: deposits go to the timelock"):
        governor.onERC1155BatchReceived(alice.address, alice.address, [1], [1], b"")


def test_constructor_emits_settings(governor_deployer, gov_token, timelock):
    governor = governor_deployer.deploy("G", gov_token.address, timelock.address, 3, 7, 5, 9)
    assert [(e.oldVotingDelay, e.newVotingDelay) for e in events(governor, "VotingDelaySet")] == [
        (0, 3)
    ]
    assert [e.newVotingPeriod for e in events(governor, "VotingPeriodSet")] == [7]
    assert [e.newProposalThreshold for e in events(governor, "ProposalThresholdSet")] == [5]
    assert [e.newQuorumNumerator for e in events(governor, "QuorumNumeratorUpdated")] == [9]
    changes = events(governor, "TimelockChange")
    assert [(e.oldTimelock, e.newTimelock) for e in changes] == [(ZERO_ADDRESS, timelock.address)]


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ((1, 0, 0, 4), "governor: voting period is zero"),
        ((1, 10, 2**128, 4), "governor: threshold exceeds uint128"),
        ((1, 10, 0, 101), "governor: quorum numerator over denominator"),
    ],
)
def test_constructor_rejects_bad_settings(governor_deployer, gov_token, timelock, settings, reason):
    with boa.reverts(reason):
        governor_deployer.deploy("G", gov_token.address, timelock.address, *settings)


def test_constructor_rejects_a_timestamp_clock(governor_deployer, timelock):
    clock = boa.loads(TIMESTAMP_TOKEN)
    with boa.reverts("governor: token clock is not the block number"):
        governor_deployer.deploy("G", clock.address, timelock.address, 1, 10, 0, 4)


def test_no_ether_sent_to_governor(governor, outsider):
    boa.env.set_balance(outsider.address, UNIT)
    with pytest.raises(Revert):
        boa.env.raw_call(governor.address, sender=outsider.address, value=1)


# --- proposal ids ----------------------------------------------------------------------------


def test_hash_proposal_is_abi_encode_keccak(governor, grant):
    assert governor.hashProposal(*grant.args) == grant.id
    assert governor.getProposalId(*grant.args) == grant.id


def test_hash_proposal_with_several_actions(governor, gov_token):
    proposal = Proposal(
        (gov_token.address, governor.address, ZERO_ADDRESS),
        (0, 5, 2**255),
        (b"", b"\x01" * 33, calldata(gov_token, "transfer", ZERO_ADDRESS, 1)),
        "three actions",
    )
    assert governor.hashProposal(*proposal.args) == proposal.id


# --- propose -----------------------------------------------------------------------------------


def test_propose(governor, grant, alice):
    start = block_number()
    proposal_id = propose(governor, grant, alice.address)
    assert proposal_id == grant.id
    (created,) = events(governor, "ProposalCreated")
    assert created.proposalId == grant.id
    assert created.proposer == alice.address
    assert list(created.targets) == list(grant.targets)
    assert list(created.values) == list(grant.values)
    assert list(created.signatures) == [""]
    assert list(created.calldatas) == list(grant.calldatas)
    assert created.voteStart == start + VOTING_DELAY
    assert created.voteEnd == start + VOTING_DELAY + VOTING_PERIOD
    assert created.description == grant.description
    assert governor.state(grant.id) == PENDING
    assert governor.proposalSnapshot(grant.id) == start + VOTING_DELAY
    assert governor.proposalDeadline(grant.id) == start + VOTING_DELAY + VOTING_PERIOD
    assert governor.proposalProposer(grant.id) == alice.address
    assert governor.proposalEta(grant.id) == 0
    assert governor.proposalVotes(grant.id) == (0, 0, 0)


def test_unknown_proposal(governor):
    with boa.reverts("governor: unknown proposal id"):
        governor.state(1234)
    assert governor.proposalSnapshot(1234) == 0
    assert governor.proposalDeadline(1234) == 0
    assert governor.proposalProposer(1234) == ZERO_ADDRESS
    assert governor.proposalEta(1234) == 0


def test_propose_ten_actions_and_long_description(governor, gov_token, alice):
    payload = calldata(gov_token, "transfer", alice.address, 1) + b"\xab" * (1_024 - 68)
    proposal = Proposal((gov_token.address,) * 10, tuple(range(10)), (payload,) * 10, "d" * 16_384)
    assert propose(governor, proposal, alice.address) == proposal.id
    (created,) = events(governor, "ProposalCreated")
    assert list(created.signatures) == [""] * 10
    assert created.description == "d" * 16_384


def test_propose_below_threshold(governor, grant, outsider):
    with boa.reverts("governor: proposer votes below threshold"), boa.env.prank(outsider.address):
        governor.propose(*grant.propose_args)


def test_threshold_counts_votes_of_the_previous_block(governor, gov_token, grant, alice, outsider):
    with boa.env.prank(alice.address):
        gov_token.transfer(outsider.address, THRESHOLD)
    with boa.env.prank(outsider.address):
        gov_token.delegate(outsider.address)
        # Votes acquired in this block do not count yet.
        with boa.reverts("governor: proposer votes below threshold"):
            governor.propose(*grant.propose_args)
    mine()
    assert propose(governor, grant, outsider.address) == grant.id  # exactly the threshold


@pytest.mark.parametrize(
    ("targets", "values", "calldatas"),
    [
        ((), (), ()),
        ((ZERO_ADDRESS,), (), (b"",)),
        ((ZERO_ADDRESS,), (0,), ()),
        ((ZERO_ADDRESS, ZERO_ADDRESS), (0,), (b"", b"")),
        ((ZERO_ADDRESS,), (0, 0), (b"",)),
        ((ZERO_ADDRESS,), (0,), (b"", b"")),
    ],
)
def test_propose_rejects_bad_lengths(governor, alice, targets, values, calldatas):
    proposal = Proposal(targets, values, calldatas, "bad lengths")
    with boa.reverts("governor: invalid proposal length"), boa.env.prank(alice.address):
        governor.propose(*proposal.propose_args)


def test_propose_twice(governor, grant, alice, bob):
    propose(governor, grant, alice.address)
    with boa.reverts("governor: proposal already exists"), boa.env.prank(bob.address):
        governor.propose(*grant.propose_args)


# --- the `#proposer=` suffix -------------------------------------------------------------------


def _suffixed(gov_token, suffix: str) -> Proposal:
    return transfer_proposal(gov_token, ZERO_ADDRESS, 1, f"Pay nobody{suffix}")


@pytest.mark.parametrize("case", [str.lower, str.upper, lambda hex_: hex_])
def test_proposer_suffix_admits_its_proposer(governor, gov_token, alice, case):
    digits = case(alice.address[2:])
    proposal = _suffixed(gov_token, f"#proposer=0x{digits}")
    assert propose(governor, proposal, alice.address) == proposal.id


def test_proposer_suffix_rejects_others(governor, gov_token, alice, bob):
    proposal = _suffixed(gov_token, f"#proposer={alice.address}")
    with boa.reverts("governor: restricted proposer"), boa.env.prank(bob.address):
        governor.propose(*proposal.propose_args)


def test_proposer_suffix_alone_is_a_valid_description(governor, alice, bob):
    proposal = Proposal((ZERO_ADDRESS,), (0,), (b"",), f"#proposer={alice.address}")
    with boa.reverts("governor: restricted proposer"), boa.env.prank(bob.address):
        governor.propose(*proposal.propose_args)
    assert propose(governor, proposal, alice.address) == proposal.id


@pytest.mark.parametrize(
    "suffix",
    [
        "#proposer=0x{a}\n",  # anything after the address
        "#proposer=0x{a} ",
        "#proposer=0X{a}",  # the prefix is case-sensitive
        "#proposer={a}",  # no prefix: 40 characters
        "#proposer=0x{a39}",  # 39 digits
        "#proposer=0x{a39}g",  # not hexadecimal
        "#proposer=0x{a39}Z",
        "#proposer=0x{a39}:",  # just after '9'
        "#proposer=0x{a39}@",  # just before 'A'
        "#proposer=0x{a39}`",  # just before 'a'
        "#Proposer=0x{a}",  # another marker
        "#other=0x{a}xxx",
    ],
)
def test_malformed_proposer_suffix_is_unrestricted(governor, gov_token, alice, bob, suffix):
    digits = alice.address[2:]
    proposal = _suffixed(gov_token, suffix.format(a=digits, a39=digits[:39]))
    assert propose(governor, proposal, bob.address) == proposal.id


# --- states and their boundaries ---------------------------------------------------------------


def test_state_boundaries(governor, grant, alice):
    proposal_id = propose(governor, grant, alice.address)
    snapshot = governor.proposalSnapshot(proposal_id)
    deadline = governor.proposalDeadline(proposal_id)
    mine_to(snapshot)
    assert governor.state(proposal_id) == PENDING  # up to and including the snapshot
    mine()
    assert governor.state(proposal_id) == ACTIVE
    vote(governor, proposal_id, alice.address, FOR)
    mine_to(deadline)
    assert governor.state(proposal_id) == ACTIVE  # up to and including the deadline
    mine()
    assert governor.state(proposal_id) == SUCCEEDED


def test_voting_delay_zero(governor, gov_token, grant, alice, timelock):
    # A vote starts the block after the snapshot, even with no delay.
    enact(
        governor,
        Proposal((governor.address,), (0,), (calldata(governor, "setVotingDelay", 0),), "no delay"),
        alice.address,
        {alice.address: FOR},
    )
    proposal_id = propose(governor, grant, alice.address)
    assert governor.proposalSnapshot(proposal_id) == block_number()
    assert governor.state(proposal_id) == PENDING
    mine()
    assert governor.state(proposal_id) == ACTIVE


def test_defeated_below_quorum(governor, grant, alice, carol):
    proposal_id = pass_proposal(governor, grant, alice.address, {carol.address: FOR})
    assert governor.proposalVotes(proposal_id) == (0, 30_000 * UNIT, 0)
    assert governor.state(proposal_id) == DEFEATED


def test_quorum_exactly_reached(governor, grant, alice, dave):
    proposal_id = pass_proposal(governor, grant, alice.address, {dave.address: FOR})
    assert governor.proposalVotes(proposal_id)[1] == QUORUM
    assert governor.state(proposal_id) == SUCCEEDED


def test_abstain_counts_toward_quorum(governor, grant, alice, carol, dave):
    # 30 k for alone misses the 40 k quorum; with 40 k abstaining it passes.
    proposal_id = pass_proposal(
        governor, grant, alice.address, {carol.address: FOR, dave.address: ABSTAIN}
    )
    assert governor.proposalVotes(proposal_id) == (0, 30_000 * UNIT, 40_000 * UNIT)
    assert governor.state(proposal_id) == SUCCEEDED


def test_abstain_alone_is_not_success(governor, grant, alice):
    proposal_id = pass_proposal(governor, grant, alice.address, {alice.address: ABSTAIN})
    assert governor.state(proposal_id) == DEFEATED


def test_tie_is_defeated(governor, grant, alice, bob):
    proposal_id = pass_proposal(
        governor, grant, alice.address, {alice.address: FOR, bob.address: AGAINST}
    )
    against, for_, _ = governor.proposalVotes(proposal_id)
    assert against == for_ == 300_000 * UNIT
    assert governor.state(proposal_id) == DEFEATED


def test_against_majority_is_defeated(governor, grant, alice, bob, carol):
    proposal_id = pass_proposal(
        governor, grant, alice.address, {carol.address: FOR, bob.address: AGAINST}
    )
    assert governor.state(proposal_id) == DEFEATED


def test_no_votes_is_defeated(governor, grant, alice):
    proposal_id = pass_proposal(governor, grant, alice.address, {})
    assert governor.state(proposal_id) == DEFEATED


def test_quorum_uses_the_supply_at_the_snapshot(
    governor, gov_token, grant, alice, dave, gov_deployer
):
    proposal_id = propose(governor, grant, alice.address)
    to_active(governor, proposal_id)
    with boa.env.prank(gov_deployer):
        gov_token.mint(gov_deployer, SUPPLY)  # doubles the supply after the snapshot
    vote(governor, proposal_id, dave.address, FOR)
    to_end(governor, proposal_id)
    assert governor.quorum(governor.proposalSnapshot(proposal_id)) == QUORUM
    assert governor.state(proposal_id) == SUCCEEDED


# --- queue and execute -------------------------------------------------------------------------


def test_lifecycle_pays_from_the_treasury(
    governor, gov_token, timelock, grant, alice, bob, outsider
):
    proposal_id = pass_proposal(
        governor, grant, alice.address, {alice.address: FOR, bob.address: FOR}
    )
    assert governor.state(proposal_id) == SUCCEEDED

    now = boa.env.evm.patch.timestamp
    assert governor.queue(*grant.args) == proposal_id
    (queued,) = events(governor, "ProposalQueued")
    assert (queued.proposalId, queued.etaSeconds) == (proposal_id, now + TIMELOCK_DELAY)
    assert governor.proposalEta(proposal_id) == now + TIMELOCK_DELAY
    assert governor.state(proposal_id) == QUEUED
    salt = timelock_salt(governor, grant)
    operation = timelock.hash_operation_batch(*grant.args[:3], b"\x00" * 32, salt)
    assert timelock.is_operation_pending(operation)
    assert timelock.get_timestamp(operation) == now + TIMELOCK_DELAY

    boa.env.time_travel(seconds=TIMELOCK_DELAY)
    assert governor.execute(*grant.args) == proposal_id
    assert [e.proposalId for e in events(governor, "ProposalExecuted")] == [proposal_id]
    assert governor.state(proposal_id) == EXECUTED
    assert timelock.is_operation_done(operation)
    assert gov_token.balanceOf(outsider.address) == GRANT
    assert gov_token.balanceOf(timelock.address) == TREASURY - GRANT
    assert governor.proposalEta(proposal_id) == now + TIMELOCK_DELAY


def test_anyone_can_queue_and_execute(governor, grant, alice, outsider):
    pass_proposal(governor, grant, alice.address, {alice.address: FOR})
    with boa.env.prank(outsider.address):
        governor.queue(*grant.args)
        boa.env.time_travel(seconds=TIMELOCK_DELAY)
        governor.execute(*grant.args)
    assert governor.state(grant.id) == EXECUTED


def test_execute_forwards_ether(governor, timelock, alice, outsider):
    proposal = Proposal((outsider.address,), (5 * UNIT,), (b"",), "send 5 ETH")
    pass_proposal(governor, proposal, alice.address, {alice.address: FOR})
    queue_and_wait(governor, proposal)
    boa.env.set_balance(alice.address, 5 * UNIT)
    before = boa.env.get_balance(outsider.address)
    with boa.env.prank(alice.address):
        governor.execute(*proposal.args, value=5 * UNIT)
    assert boa.env.get_balance(outsider.address) == before + 5 * UNIT
    assert boa.env.get_balance(timelock.address) == 0


def test_execute_pays_ether_from_the_treasury(governor, timelock, alice, outsider):
    boa.env.set_balance(timelock.address, 3 * UNIT)
    proposal = Proposal((outsider.address,), (3 * UNIT,), (b"",), "send 3 ETH")
    enact(governor, proposal, alice.address, {alice.address: FOR})
    assert boa.env.get_balance(timelock.address) == 0


def test_queue_rejects_other_states(governor, grant, alice, carol):
    proposal_id = propose(governor, grant, alice.address)
    with boa.reverts("governor: proposal is pending"):
        governor.queue(*grant.args)
    to_active(governor, proposal_id)
    with boa.reverts("governor: proposal is active"):
        governor.queue(*grant.args)
    vote(governor, proposal_id, carol.address, FOR)  # below quorum
    to_end(governor, proposal_id)
    with boa.reverts("governor: proposal is defeated"):
        governor.queue(*grant.args)


def test_queue_twice(governor, grant, alice):
    pass_proposal(governor, grant, alice.address, {alice.address: FOR})
    governor.queue(*grant.args)
    with boa.reverts("governor: proposal is already queued"):
        governor.queue(*grant.args)


def test_queue_unknown(governor, grant):
    with boa.reverts("governor: unknown proposal id"):
        governor.queue(*grant.args)


def test_execute_rejects_other_states(governor, grant, alice):
    proposal_id = propose(governor, grant, alice.address)
    with boa.reverts("governor: proposal is pending"):
        governor.execute(*grant.args)
    to_active(governor, proposal_id)
    vote(governor, proposal_id, alice.address, FOR)
    with boa.reverts("governor: proposal is active"):
        governor.execute(*grant.args)
    to_end(governor, proposal_id)
    with boa.reverts("governor: proposal is not queued"):
        governor.execute(*grant.args)


def test_execute_defeated(governor, grant, alice, bob):
    pass_proposal(governor, grant, alice.address, {bob.address: AGAINST})
    with boa.reverts("governor: proposal is defeated"):
        governor.execute(*grant.args)


def test_execute_before_eta(governor, grant, alice):
    pass_proposal(governor, grant, alice.address, {alice.address: FOR})
    governor.queue(*grant.args)
    boa.env.time_travel(seconds=TIMELOCK_DELAY - 1)
    with boa.reverts("governor: proposal is not ready (before its eta)"):
        governor.execute(*grant.args)
    boa.env.time_travel(seconds=1)  # exactly the ETA
    governor.execute(*grant.args)


def test_execute_twice(governor, grant, alice):
    enact(governor, grant, alice.address, {alice.address: FOR})
    with boa.reverts("governor: proposal is already executed"):
        governor.execute(*grant.args)


def test_no_expiry(governor, grant, alice):
    # The timelock has no grace period: a queued proposal never becomes `Expired` (6).
    pass_proposal(governor, grant, alice.address, {alice.address: FOR})
    queue_and_wait(governor, grant)
    boa.env.time_travel(seconds=10 * 365 * 86_400)
    mine(100)
    assert governor.state(grant.id) == QUEUED
    governor.execute(*grant.args)
    assert governor.state(grant.id) == EXECUTED


def test_failing_action_reverts_the_execution(governor, alice):
    reverter = boa.loads(REVERTER_SOURCE)
    proposal = Proposal((reverter.address,), (0,), (calldata(reverter, "fail"),), "fail")
    pass_proposal(governor, proposal, alice.address, {alice.address: FOR})
    queue_and_wait(governor, proposal)
    with boa.reverts("reverter: no"):
        governor.execute(*proposal.args)
    assert governor.state(proposal.id) == QUEUED


def test_executed_directly_on_the_timelock(governor, timelock, grant, alice, outsider):
    # OpenZeppelin reads the timelock: an operation executed there shows as executed.
    pass_proposal(governor, grant, alice.address, {alice.address: FOR})
    queue_and_wait(governor, grant)
    salt = timelock_salt(governor, grant)
    with boa.env.prank(outsider.address):
        timelock.execute_batch(*grant.args[:3], b"\x00" * 32, salt)
    assert governor.state(grant.id) == EXECUTED
    with boa.reverts("governor: proposal is already executed"):
        governor.execute(*grant.args)


def test_canceled_on_the_timelock(governor, timelock, grant, alice):
    # An operation cancelled by a canceller of the timelock shows as canceled.
    pass_proposal(governor, grant, alice.address, {alice.address: FOR})
    governor.queue(*grant.args)
    salt = timelock_salt(governor, grant)
    operation = timelock.hash_operation_batch(*grant.args[:3], b"\x00" * 32, salt)
    with boa.env.prank(governor.address):  # the governor holds the canceller role
        timelock.cancel(operation)
    assert governor.state(grant.id) == CANCELED
    with boa.reverts("governor: proposal is canceled"):
        governor.execute(*grant.args)


# --- cancel ------------------------------------------------------------------------------------


def test_cancel_while_pending(governor, grant, alice):
    proposal_id = propose(governor, grant, alice.address)
    mine_to(governor.proposalSnapshot(proposal_id))  # the last pending block
    with boa.env.prank(alice.address):
        assert governor.cancel(*grant.args) == proposal_id
    assert [e.proposalId for e in events(governor, "ProposalCanceled")] == [proposal_id]
    assert governor.state(proposal_id) == CANCELED
    to_active(governor, proposal_id)
    assert governor.state(proposal_id) == CANCELED
    with boa.reverts("governor: proposal is canceled"), boa.env.prank(alice.address):
        governor.castVote(proposal_id, FOR)
    to_end(governor, proposal_id)
    assert governor.state(proposal_id) == CANCELED
    with boa.reverts("governor: proposal is canceled"):
        governor.queue(*grant.args)
    with boa.reverts("governor: proposal already exists"), boa.env.prank(alice.address):
        governor.propose(*grant.propose_args)


def test_cancel_by_another_account(governor, grant, alice, bob):
    propose(governor, grant, alice.address)
    with boa.reverts("governor: caller is not the proposer"), boa.env.prank(bob.address):
        governor.cancel(*grant.args)


def test_cancel_after_pending(governor, grant, alice):
    proposal_id = propose(governor, grant, alice.address)
    to_active(governor, proposal_id)
    with (
        boa.reverts("governor: only a pending proposal can be canceled"),
        boa.env.prank(alice.address),
    ):
        governor.cancel(*grant.args)


def test_cancel_twice(governor, grant, alice):
    propose(governor, grant, alice.address)
    with boa.env.prank(alice.address):
        governor.cancel(*grant.args)
        with boa.reverts("governor: only a pending proposal can be canceled"):
            governor.cancel(*grant.args)


def test_cancel_unknown(governor, grant, alice):
    with boa.reverts("governor: unknown proposal id"), boa.env.prank(alice.address):
        governor.cancel(*grant.args)
