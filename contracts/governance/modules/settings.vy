# pragma version ~=0.4.3
"""
@title Governor Settings and Quorum Fraction
@custom:contract-name settings
@license GNU Affero General Public License v3.0 only
@notice The parameters of OpenZeppelin v5's `GovernorSettings` (voting
        delay, voting period, proposal threshold) and
        `GovernorVotesQuorumFraction` (a quorum numerator over a
        denominator of 100, checkpointed so that a proposal's quorum is
        the one in force at its snapshot), and the counter that numbers
        proposals. The governor restricts the setters to governance.
@dev Storage layout: one word holds the voting delay (bits 0-47, a
     `uint48` as in OpenZeppelin), the voting period (bits 48-79, a
     `uint32`), the number of proposals created (bits 80-127) and the
     proposal threshold (bits 128-255), so that `propose` reads all of
     them and numbers its proposal with one SLOAD and one warm SSTORE.
     The threshold is therefore limited to `max_value(uint128)` (about
     3.4e38, beyond any supply of NOOS: a threshold that no one can
     reach is still expressible). The quorum numerators are a history
     of the `checkpoints` module keyed by block number.
"""


# @dev We import and initialise the `checkpoints` module, which holds
# the history of quorum numerators.
from ...lib import checkpoints
initializes: checkpoints


# @dev The bit offsets and masks of the packed settings word.
_DELAY_MASK: constant(uint256) = 2**48 - 1
_PERIOD_SHIFT: constant(uint256) = 48
_PERIOD_MASK: constant(uint256) = 2**32 - 1
_COUNT_SHIFT: constant(uint256) = 80
_COUNT_MASK: constant(uint256) = 2**48 - 1
_THRESHOLD_SHIFT: constant(uint256) = 128
_THRESHOLD_MAX: constant(uint256) = 2**128 - 1


# @dev The identifier of the quorum numerator history in `checkpoints`.
_QUORUM_TRACE: constant(uint256) = 0


# @dev The quorum denominator (OpenZeppelin's default: a percentage).
QUORUM_DENOMINATOR: constant(uint256) = 100


# @dev The packed settings word, see the `@dev` note above.
_settings: uint256


# @dev Emitted when the voting delay changes (OpenZeppelin's `GovernorSettings`).
event VotingDelaySet:
    oldVotingDelay: uint256
    newVotingDelay: uint256


# @dev Emitted when the voting period changes.
event VotingPeriodSet:
    oldVotingPeriod: uint256
    newVotingPeriod: uint256


# @dev Emitted when the proposal threshold changes.
event ProposalThresholdSet:
    oldProposalThreshold: uint256
    newProposalThreshold: uint256


# @dev Emitted when the quorum numerator changes (OpenZeppelin's `GovernorVotesQuorumFraction`).
event QuorumNumeratorUpdated:
    oldQuorumNumerator: uint256
    newQuorumNumerator: uint256


@deploy
@payable
def __init__(voting_delay: uint48, voting_period: uint32, proposal_threshold: uint256, quorum_numerator: uint256):
    """
    @dev Sets the initial parameters, emitting their events as
         OpenZeppelin's constructors do.
    @param voting_delay The 6-byte number of blocks between a proposal
           and the start of its vote.
    @param voting_period The 4-byte number of blocks a vote lasts; non-zero.
    @param proposal_threshold The 32-byte votes needed to propose.
    @param quorum_numerator The 32-byte quorum in percent of the supply.
    """
    checkpoints.__init__()
    self._set_voting_delay(voting_delay)
    self._set_voting_period(voting_period)
    self._set_proposal_threshold(proposal_threshold)
    self._update_quorum_numerator(quorum_numerator)


@internal
@view
def _voting_delay() -> uint256:
    """
    @dev Returns the voting delay.
    @return uint256 The number of blocks before a vote starts.
    """
    return self._settings & _DELAY_MASK


@internal
@view
def _voting_period() -> uint256:
    """
    @dev Returns the voting period.
    @return uint256 The number of blocks a vote lasts.
    """
    return (self._settings >> _PERIOD_SHIFT) & _PERIOD_MASK


@internal
@view
def _proposal_threshold() -> uint256:
    """
    @dev Returns the proposal threshold.
    @return uint256 The votes needed to propose.
    """
    return self._settings >> _THRESHOLD_SHIFT


@internal
def _number_proposal() -> (uint256, uint256, uint256, uint256):
    """
    @dev Counts one more proposal and returns the settings it is
         created with.
    @return uint256 The voting delay.
    @return uint256 The voting period.
    @return uint256 The proposal threshold.
    @return uint256 The proposal's number: 1 for the first one.
    """
    word: uint256 = self._settings
    # 48 bits of proposals cannot be exhausted (one per transaction).
    count: uint256 = unsafe_add((word >> _COUNT_SHIFT) & _COUNT_MASK, 1)
    self._settings = unsafe_add(word, 1 << _COUNT_SHIFT)
    return word & _DELAY_MASK, (word >> _PERIOD_SHIFT) & _PERIOD_MASK, word >> _THRESHOLD_SHIFT, count


@internal
def _set_voting_delay(new_voting_delay: uint48):
    """
    @dev Sets the voting delay and emits `VotingDelaySet`.
    @param new_voting_delay The 6-byte number of blocks.
    """
    word: uint256 = self._settings
    log VotingDelaySet(oldVotingDelay=word & _DELAY_MASK, newVotingDelay=convert(new_voting_delay, uint256))
    self._settings = (word & ~_DELAY_MASK) | convert(new_voting_delay, uint256)


@internal
def _set_voting_period(new_voting_period: uint32):
    """
    @dev Sets the voting period and emits `VotingPeriodSet`.
    @notice Reverts if `new_voting_period` is zero.
    @param new_voting_period The 4-byte number of blocks.
    """
    assert new_voting_period != 0, "governor: voting period is zero"
    word: uint256 = self._settings
    log VotingPeriodSet(
        oldVotingPeriod=(word >> _PERIOD_SHIFT) & _PERIOD_MASK, newVotingPeriod=convert(new_voting_period, uint256)
    )
    self._settings = (word & ~(_PERIOD_MASK << _PERIOD_SHIFT)) | (convert(new_voting_period, uint256) << _PERIOD_SHIFT)


@internal
def _set_proposal_threshold(new_proposal_threshold: uint256):
    """
    @dev Sets the proposal threshold and emits `ProposalThresholdSet`.
    @notice Reverts if `new_proposal_threshold` exceeds `max_value(uint128)`.
    @param new_proposal_threshold The 32-byte votes needed to propose.
    """
    assert new_proposal_threshold <= _THRESHOLD_MAX, "governor: threshold exceeds uint128"
    word: uint256 = self._settings
    log ProposalThresholdSet(
        oldProposalThreshold=word >> _THRESHOLD_SHIFT, newProposalThreshold=new_proposal_threshold
    )
    self._settings = (word & _THRESHOLD_MAX) | (new_proposal_threshold << _THRESHOLD_SHIFT)


@internal
@view
def _quorum_numerator() -> uint256:
    """
    @dev Returns the current quorum numerator.
    @return uint256 The latest numerator.
    """
    return checkpoints._latest(_QUORUM_TRACE)


@internal
@view
def _quorum_numerator_at(timepoint: uint256) -> uint256:
    """
    @dev Returns the quorum numerator in force at the end of block `timepoint`.
    @notice As OpenZeppelin's `_optimisticUpperLookupRecent`: a timepoint
            at or after the latest change (including a future one) gets
            the latest numerator, an earlier one is looked up.
    @param timepoint The 32-byte block number.
    @return uint256 The numerator at `timepoint`.
    """
    length: uint256 = checkpoints._length(_QUORUM_TRACE)
    # The constructor records a numerator, so `length >= 1`.
    key: uint48 = 0
    value: uint256 = 0
    key, value = checkpoints._at(_QUORUM_TRACE, unsafe_sub(length, 1))
    if convert(key, uint256) <= timepoint:
        return value
    # `timepoint < key`, a `uint48`, so the conversion cannot fail.
    return checkpoints._upper_lookup_recent(_QUORUM_TRACE, convert(timepoint, uint48))


@internal
def _update_quorum_numerator(new_quorum_numerator: uint256):
    """
    @dev Records `new_quorum_numerator` from the current block on and
         emits `QuorumNumeratorUpdated`.
    @notice Reverts if the numerator exceeds the denominator (100).
    @param new_quorum_numerator The 32-byte quorum in percent of the supply.
    """
    assert new_quorum_numerator <= QUORUM_DENOMINATOR, "governor: quorum numerator over denominator"
    old: uint256 = checkpoints._latest(_QUORUM_TRACE)
    now: uint48 = convert(block.number, uint48)
    if new_quorum_numerator >= old:
        checkpoints._update(_QUORUM_TRACE, now, new_quorum_numerator - old, True)
    else:
        checkpoints._update(_QUORUM_TRACE, now, old - new_quorum_numerator, False)
    log QuorumNumeratorUpdated(oldQuorumNumerator=old, newQuorumNumerator=new_quorum_numerator)
