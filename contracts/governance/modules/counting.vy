# pragma version ~=0.4.3
"""
@title Simple Vote Counting for the Governor
@custom:contract-name counting
@license GNU Affero General Public License v3.0 only
@notice OpenZeppelin v5's `GovernorCountingSimple`: three options in
        Governor Bravo's order (`0` against, `1` for, `2` abstain), one
        ballot per voter and proposal, quorum over `for + abstain`,
        success only if `for > against` (a tie is defeated). The
        counting mode is "support=bravo&quorum=for,abstain".
@dev Storage layout, chosen for the gas of `castVote`:
     - `for` (low 128 bits) and `against` (high 128 bits) share one word
       per proposal, `abstain` has its own; a count is checked against
       `max_value(uint128)`, far above any supply of NOOS (at most
       `2**160` by its checkpoints, 21 million * 10**18 ~ 2**74 as
       deployed), so a vote that would overflow reverts.
     - Who has voted is a bitmap per voter over the proposals' sequence
       numbers (`seq`, 1, 2, ... given by the governor at `propose`):
       word `seq >> 8`, bit `seq & 255`. A voter's first ballot in a run
       of 256 proposals writes a fresh word (22,100 gas), every later
       one only flips a bit of it (5,000 gas) instead of a fresh
       `hasVoted[proposal][voter]` slot per ballot. Proposals without a
       sequence number (`seq == 0`, see `proposals`) fall back to that
       per-proposal mapping.
"""


# @dev The support values (Governor Bravo's order).
_AGAINST: constant(uint8) = 0
_FOR: constant(uint8) = 1
_ABSTAIN: constant(uint8) = 2


# @dev The mask of a 128-bit count and the offset of `against` in its word.
_COUNT_MASK: constant(uint256) = 2**128 - 1
_AGAINST_SHIFT: constant(uint256) = 128


# @dev A ballot bitmap word covers 256 sequence numbers.
_WORD_SHIFT: constant(uint256) = 8
_BIT_MASK: constant(uint256) = 255


# @dev `for | against << 128` of each proposal.
_for_against: HashMap[uint256, uint256]


# @dev The abstain count of each proposal.
_abstain: HashMap[uint256, uint256]


# @dev Per voter, bitmaps of the sequence numbers it has voted on.
_ballots: HashMap[address, HashMap[uint256, uint256]]


# @dev Per proposal without a sequence number, whether a voter has voted.
_unnumbered_ballots: HashMap[uint256, HashMap[address, bool]]


@deploy
@payable
def __init__():
    """
    @dev To omit the opcodes for checking the `msg.value`
         in the creation-time EVM bytecode, the constructor
         is declared as `payable`.
    """
    pass


@internal
@view
def _has_voted(proposal_id: uint256, seq: uint256, voter: address) -> bool:
    """
    @dev Returns whether `voter` has voted on a proposal.
    @param proposal_id The 32-byte proposal id.
    @param seq The proposal's sequence number (`0` if it has none).
    @param voter The 20-byte voter address.
    @return bool Whether a ballot was counted.
    """
    if seq == 0:
        return self._unnumbered_ballots[proposal_id][voter]
    return (self._ballots[voter][seq >> _WORD_SHIFT] >> (seq & _BIT_MASK)) & 1 == 1


@internal
def _count_vote(proposal_id: uint256, seq: uint256, voter: address, support: uint8, weight: uint256):
    """
    @dev Records the ballot of `voter` and adds `weight` to the count of
         `support`.
    @notice Reverts if `voter` has already voted on the proposal or if
            `support` is not `0`, `1` or `2`. The caller checks that the
            proposal is active.
    @param proposal_id The 32-byte proposal id.
    @param seq The proposal's sequence number (`0` if it has none).
    @param voter The 20-byte voter address.
    @param support The 1-byte vote: against (`0`), for (`1`), abstain (`2`).
    @param weight The 32-byte votes of `voter` at the proposal's snapshot.
    """
    if seq == 0:
        assert not self._unnumbered_ballots[proposal_id][voter], "governor: vote already cast"
        self._unnumbered_ballots[proposal_id][voter] = True
    else:
        word: uint256 = self._ballots[voter][seq >> _WORD_SHIFT]
        bit: uint256 = 1 << (seq & _BIT_MASK)
        assert word & bit == 0, "governor: vote already cast"
        self._ballots[voter][seq >> _WORD_SHIFT] = word | bit

    if support == _ABSTAIN:
        self._abstain[proposal_id] += weight
        return

    assert support <= _FOR, "governor: invalid vote type"
    counts: uint256 = self._for_against[proposal_id]
    if support == _FOR:
        votes: uint256 = (counts & _COUNT_MASK) + weight
        assert votes <= _COUNT_MASK, "governor: vote count overflows uint128"
        self._for_against[proposal_id] = (counts & ~_COUNT_MASK) | votes
    else:
        votes: uint256 = (counts >> _AGAINST_SHIFT) + weight
        assert votes <= _COUNT_MASK, "governor: vote count overflows uint128"
        self._for_against[proposal_id] = (counts & _COUNT_MASK) | (votes << _AGAINST_SHIFT)


@internal
@view
def _proposal_votes(proposal_id: uint256) -> (uint256, uint256, uint256):
    """
    @dev Returns the counts of a proposal.
    @param proposal_id The 32-byte proposal id.
    @return uint256 The against votes.
    @return uint256 The for votes.
    @return uint256 The abstain votes.
    """
    counts: uint256 = self._for_against[proposal_id]
    return counts >> _AGAINST_SHIFT, counts & _COUNT_MASK, self._abstain[proposal_id]


@internal
@view
def _quorum_reached(proposal_id: uint256, quorum: uint256) -> bool:
    """
    @dev Returns whether `for + abstain` votes reach `quorum`.
    @param proposal_id The 32-byte proposal id.
    @param quorum The 32-byte quorum at the proposal's snapshot.
    @return bool Whether the quorum is reached.
    """
    return quorum <= (self._for_against[proposal_id] & _COUNT_MASK) + self._abstain[proposal_id]


@internal
@view
def _vote_succeeded(proposal_id: uint256) -> bool:
    """
    @dev Returns whether the for votes are strictly more than the against votes.
    @param proposal_id The 32-byte proposal id.
    @return bool Whether the vote succeeded (a tie does not).
    """
    counts: uint256 = self._for_against[proposal_id]
    return counts & _COUNT_MASK > counts >> _AGAINST_SHIFT
