"""The governor's votes: weights at the snapshot, ballots, reasons and params, and signatures."""

from __future__ import annotations

import boa
import pytest

pytest.register_assert_rewrite("tests.contracts.conftest_governance")
from tests.contracts._boa_helpers import events, mine, mine_to  # noqa: E402
from tests.contracts.conftest_governance import (  # noqa: E402
    ABSTAIN,
    AGAINST,
    ALICE_VOTES,
    BOB_VOTES,
    CAROL_VOTES,
    DAVE_VOTES,
    FOR,
    UNIT,
    WALLET_SOURCE,
    enact,
    propose,
    sign_ballot,
    sign_extended_ballot,
    to_active,
    to_end,
    transfer_proposal,
    vote,
)

pytest_plugins = ["tests.contracts.conftest_governance"]

# The order of the secp256k1 curve: `n - s` is the high-s twin of a signature.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture
def active(governor, grant, alice) -> int:
    """The grant proposal, in its first voting block."""
    proposal_id = propose(governor, grant, alice.address)
    to_active(governor, proposal_id)
    return proposal_id


# --- counting ----------------------------------------------------------------------------------


def test_cast_vote(governor, active, alice):
    with boa.env.prank(alice.address):
        assert governor.castVote(active, FOR) == ALICE_VOTES
    (cast,) = events(governor, "VoteCast")
    assert (cast.voter, cast.proposalId, cast.support, cast.weight, cast.reason) == (
        alice.address,
        active,
        FOR,
        ALICE_VOTES,
        "",
    )
    assert governor.hasVoted(active, alice.address)
    assert governor.proposalVotes(active) == (0, ALICE_VOTES, 0)


def test_all_supports_add_up(governor, active, alice, bob, carol, dave):
    vote(governor, active, alice.address, FOR)
    vote(governor, active, bob.address, AGAINST)
    vote(governor, active, carol.address, ABSTAIN)
    vote(governor, active, dave.address, FOR)
    assert governor.proposalVotes(active) == (BOB_VOTES, ALICE_VOTES + DAVE_VOTES, CAROL_VOTES)
    for voter in (alice, bob, carol, dave):
        assert governor.hasVoted(active, voter.address)


def test_weight_is_taken_at_the_snapshot(governor, gov_token, active, alice, bob, outsider):
    # Votes moved after the snapshot still count for their holder at the snapshot.
    with boa.env.prank(alice.address):
        gov_token.transfer(bob.address, 100_000 * UNIT)
    assert vote(governor, active, alice.address, FOR) == ALICE_VOTES
    assert vote(governor, active, bob.address, FOR) == BOB_VOTES
    assert governor.getVotes(alice.address, governor.proposalSnapshot(active)) == ALICE_VOTES


def test_voter_without_votes_has_a_ballot(governor, active, outsider):
    assert vote(governor, active, outsider.address, FOR) == 0
    assert governor.hasVoted(active, outsider.address)
    with boa.reverts("governor: vote already cast"), boa.env.prank(outsider.address):
        governor.castVote(active, AGAINST)


def test_ballots_are_per_proposal(governor, gov_token, active, alice, outsider):
    other = transfer_proposal(gov_token, outsider.address, 1, "another grant")
    other_id = propose(governor, other, alice.address)
    vote(governor, active, alice.address, FOR)
    assert not governor.hasVoted(other_id, alice.address)
    to_active(governor, other_id)
    vote(governor, other_id, alice.address, AGAINST)
    assert governor.hasVoted(other_id, alice.address)
    assert governor.proposalVotes(other_id) == (ALICE_VOTES, 0, 0)


def test_get_votes(governor, gov_token, alice):
    mine()
    past = governor.clock() - 1
    assert governor.getVotes(alice.address, past) == ALICE_VOTES
    assert governor.getVotesWithParams(alice.address, past, b"\x01\x02") == ALICE_VOTES
    with boa.reverts("noos: future lookup"):
        governor.getVotes(alice.address, governor.clock())


# --- ballot errors -----------------------------------------------------------------------------


def test_vote_twice(governor, active, alice):
    vote(governor, active, alice.address, FOR)
    with boa.env.prank(alice.address):
        with boa.reverts("governor: vote already cast"):
            governor.castVote(active, FOR)
        with boa.reverts("governor: vote already cast"):
            governor.castVoteWithReason(active, AGAINST, "changed my mind")


def test_vote_at_the_snapshot_block(governor, grant, alice):
    proposal_id = propose(governor, grant, alice.address)
    with boa.reverts("governor: voting has not started"), boa.env.prank(alice.address):
        governor.castVote(proposal_id, FOR)
    mine_to(governor.proposalSnapshot(proposal_id))
    with boa.reverts("governor: voting has not started"), boa.env.prank(alice.address):
        governor.castVote(proposal_id, FOR)


def test_vote_at_and_after_the_deadline(governor, active, alice, bob):
    mine_to(governor.proposalDeadline(active))
    vote(governor, active, alice.address, FOR)  # the deadline block still counts
    mine()
    with boa.reverts("governor: voting is closed"), boa.env.prank(bob.address):
        governor.castVote(active, FOR)


def test_vote_after_execution(governor, grant, alice, bob):
    proposal_id = enact(governor, grant, alice.address, {alice.address: FOR})
    with boa.reverts("governor: voting is closed"), boa.env.prank(bob.address):
        governor.castVote(proposal_id, FOR)


def test_vote_unknown(governor, alice):
    with boa.reverts("governor: unknown proposal id"), boa.env.prank(alice.address):
        governor.castVote(42, FOR)


@pytest.mark.parametrize("support", [3, 4, 255])
def test_invalid_vote_type(governor, active, alice, support):
    with boa.reverts("governor: invalid vote type"), boa.env.prank(alice.address):
        governor.castVote(active, support)
    assert not governor.hasVoted(active, alice.address)


# --- reasons and params ------------------------------------------------------------------------


def test_cast_vote_with_reason(governor, active, bob):
    reason = "Too expensive ✗ " * 100
    with boa.env.prank(bob.address):
        assert governor.castVoteWithReason(active, AGAINST, reason) == BOB_VOTES
    (cast,) = events(governor, "VoteCast")
    assert (cast.voter, cast.support, cast.reason) == (bob.address, AGAINST, reason)


def test_cast_vote_with_params(governor, active, carol):
    with boa.env.prank(carol.address):
        governor.castVoteWithReasonAndParams(active, ABSTAIN, "why not", b"\x01\x02\x03")
    assert events(governor, "VoteCast") == []
    (cast,) = events(governor, "VoteCastWithParams")
    assert (cast.voter, cast.support, cast.weight, cast.reason, cast.params) == (
        carol.address,
        ABSTAIN,
        CAROL_VOTES,
        "why not",
        b"\x01\x02\x03",
    )
    assert governor.proposalVotes(active) == (0, 0, CAROL_VOTES)


def test_cast_vote_with_empty_params_logs_vote_cast(governor, active, carol):
    with boa.env.prank(carol.address):
        governor.castVoteWithReasonAndParams(active, FOR, "r", b"")
    assert events(governor, "VoteCastWithParams") == []
    assert [e.reason for e in events(governor, "VoteCast")] == ["r"]


# --- votes by signature ------------------------------------------------------------------------


def test_cast_vote_by_sig(governor, active, alice, outsider):
    signature = sign_ballot(alice, governor, active, FOR, nonce=0)
    with boa.env.prank(outsider.address):  # anyone relays it
        assert governor.castVoteBySig(active, FOR, alice.address, signature) == ALICE_VOTES
    (cast,) = events(governor, "VoteCast")
    assert (cast.voter, cast.support, cast.weight) == (alice.address, FOR, ALICE_VOTES)
    assert governor.nonces(alice.address) == 1
    assert governor.hasVoted(active, alice.address)
    assert not governor.hasVoted(active, outsider.address)


def test_cast_vote_by_sig_replayed(governor, gov_token, active, alice, outsider):
    signature = sign_ballot(alice, governor, active, FOR, nonce=0)
    governor.castVoteBySig(active, FOR, alice.address, signature)
    with boa.reverts("governor: invalid signature"):
        governor.castVoteBySig(active, FOR, alice.address, signature)
    # On another proposal, the old signature does not match either (other id, spent nonce).
    other = transfer_proposal(gov_token, outsider.address, 1, "second")
    other_id = propose(governor, other, alice.address)
    to_active(governor, other_id)
    with boa.reverts("governor: invalid signature"):
        governor.castVoteBySig(other_id, FOR, alice.address, signature)
    fresh = sign_ballot(alice, governor, other_id, FOR, nonce=1)
    governor.castVoteBySig(other_id, FOR, alice.address, fresh)
    assert governor.nonces(alice.address) == 2


@pytest.mark.parametrize(
    "tamper",
    [
        "other_signer",
        "other_support",
        "other_proposal",
        "future_nonce",
        "truncated",
        "extended",
        "high_s",
        "bad_v",
        "zeros",
    ],
)
def test_cast_vote_by_sig_invalid(governor, active, alice, bob, tamper):
    support, voter, nonce = FOR, alice.address, 0
    signer = bob if tamper == "other_signer" else alice
    signed_support = AGAINST if tamper == "other_support" else support
    signed_id = active + 1 if tamper == "other_proposal" else active
    signed_nonce = 1 if tamper == "future_nonce" else nonce
    signature = sign_ballot(signer, governor, signed_id, signed_support, signed_nonce, voter)
    if tamper == "truncated":
        signature = signature[:64]
    elif tamper == "extended":
        signature += b"\x00"
    elif tamper == "high_s":
        r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
        signature = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])
    elif tamper == "bad_v":
        signature = signature[:64] + b"\x1d"
    elif tamper == "zeros":
        signature = b"\x00" * 65
    with boa.reverts("governor: invalid signature"):
        governor.castVoteBySig(active, support, voter, signature)
    assert governor.nonces(alice.address) == 0
    assert not governor.hasVoted(active, alice.address)


def test_cast_vote_by_sig_for_another_voter(governor, active, alice, bob):
    # A signature by alice naming bob as the voter is not bob's.
    signature = sign_ballot(alice, governor, active, FOR, nonce=0, voter=bob.address)
    with boa.reverts("governor: invalid signature"):
        governor.castVoteBySig(active, FOR, bob.address, signature)


def test_cast_vote_by_sig_checks_the_ballot(governor, active, alice):
    vote(governor, active, alice.address, FOR)
    signature = sign_ballot(alice, governor, active, AGAINST, nonce=0)
    with boa.reverts("governor: vote already cast"):
        governor.castVoteBySig(active, AGAINST, alice.address, signature)


def test_cast_vote_with_reason_and_params_by_sig(governor, active, bob):
    reason, params = "see the forum", b"\xff"
    signature = sign_extended_ballot(bob, governor, active, AGAINST, 0, reason, params)
    assert (
        governor.castVoteWithReasonAndParamsBySig(
            active, AGAINST, bob.address, reason, params, signature
        )
        == BOB_VOTES
    )
    (cast,) = events(governor, "VoteCastWithParams")
    assert (cast.voter, cast.reason, cast.params) == (bob.address, reason, params)
    assert governor.nonces(bob.address) == 1
    with boa.reverts("governor: invalid signature"):
        governor.castVoteWithReasonAndParamsBySig(
            active, AGAINST, bob.address, reason + "!", params, signature
        )


def test_cast_vote_by_sig_from_a_contract_wallet(governor, gov_token, grant, alice, carol):
    wallet = boa.loads(WALLET_SOURCE, carol.address)
    with boa.env.prank(alice.address):
        gov_token.transfer(wallet.address, 10_000 * UNIT)
    wallet.delegate_to_self(gov_token.address)
    mine()
    proposal_id = propose(governor, grant, alice.address)
    to_active(governor, proposal_id)

    by_alice = sign_ballot(alice, governor, proposal_id, FOR, 0, voter=wallet.address)
    with boa.reverts("governor: invalid signature"):
        governor.castVoteBySig(proposal_id, FOR, wallet.address, by_alice)
    by_owner = sign_ballot(carol, governor, proposal_id, FOR, 0, voter=wallet.address)
    assert governor.castVoteBySig(proposal_id, FOR, wallet.address, by_owner) == 10_000 * UNIT
    assert governor.hasVoted(proposal_id, wallet.address)


def test_contract_without_erc1271_cannot_sign(governor, active, gov_token):
    # The token has no `isValidSignature`: the call fails and the signature is invalid.
    with boa.reverts("governor: invalid signature"):
        governor.castVoteBySig(active, FOR, gov_token.address, b"\x00" * 65)


def test_votes_end_with_the_deadline(governor, active, alice):
    to_end(governor, active)
    signature = sign_ballot(alice, governor, active, FOR, nonce=0)
    with boa.reverts("governor: voting is closed"):
        governor.castVoteBySig(active, FOR, alice.address, signature)


# --- ballots of proposals past the numbered ones -----------------------------------------------


def test_ballots_past_the_numbered_proposals(governor_deployer, governor, gov_token, alice, bob):
    # Proposals get sequence numbers 1 .. 2**15 - 1 for the ballot bitmaps; later ones fall back
    # to a mapping per proposal. Fast-forward the counter (bits 80-127 of the settings word).
    slot = governor_deployer.compiler_data.storage_layout["storage_layout"]["settings"]["_settings"]
    word = boa.env.get_storage(governor.address, slot["slot"])
    count_mask = (2**48 - 1) << 80
    boa.env.set_storage(governor.address, slot["slot"], (word & ~count_mask) | ((2**15 - 2) << 80))

    last = transfer_proposal(gov_token, alice.address, 1, "last numbered")
    unnumbered = transfer_proposal(gov_token, alice.address, 2, "unnumbered")
    last_id = propose(governor, last, alice.address)
    unnumbered_id = propose(governor, unnumbered, alice.address)
    to_active(governor, unnumbered_id)
    for proposal_id in (last_id, unnumbered_id):
        assert not governor.hasVoted(proposal_id, bob.address)
        vote(governor, proposal_id, bob.address, AGAINST)
        assert governor.hasVoted(proposal_id, bob.address)
        assert not governor.hasVoted(proposal_id, alice.address)
        with boa.reverts("governor: vote already cast"), boa.env.prank(bob.address):
            governor.castVote(proposal_id, FOR)
        assert governor.proposalVotes(proposal_id) == (BOB_VOTES, 0, 0)
