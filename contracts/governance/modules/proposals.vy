# pragma version ~=0.4.3
"""
@title Proposal Records of the Governor
@custom:contract-name proposals
@license GNU Affero General Public License v3.0 only
@notice What the governor stores of each proposal, with OpenZeppelin
        v5's getters: the id (`hashProposal`), the proposer, the
        snapshot and deadline blocks, the ETA in the timelock, and the
        canceled and executed flags. The actions themselves are only in
        the `ProposalCreated` event; `queue`, `execute` and `cancel` take
        them again and hash them back into the id.
@dev Storage layout, chosen for the gas of `propose` (one fresh word):
     - the proposal word: proposer (bits 0-159), snapshot block (160-207,
       a `uint48` as OpenZeppelin's), voting duration in blocks (208-239,
       a `uint32`), canceled flag (240) and the proposal's sequence
       number for the ballot bitmaps of `counting` (241-255, so 1 to
       32,767; `0` for the proposals after those, see `counting`);
     - the queue word, written by `queue`: ETA in seconds (bits 0-47) and
       executed flag (bit 48) - every executed proposal was queued first;
     - the timelock operation id while the proposal is queued (deleted at
       execution, as by OpenZeppelin).
"""


# @dev The largest number of actions of a proposal (Compound's Governor
# Bravo has the same limit, `proposalMaxOperations`).
MAX_ACTIONS: constant(uint256) = 10


# @dev The largest calldata of an action (the timelock's `Bytes[1_024]`).
MAX_CALLDATA: constant(uint256) = 1_024


# @dev The bit layout of the proposal word.
_PROPOSER_MASK: constant(uint256) = 2**160 - 1
_START_SHIFT: constant(uint256) = 160
_START_MASK: constant(uint256) = 2**48 - 1
_DURATION_SHIFT: constant(uint256) = 208
_DURATION_MASK: constant(uint256) = 2**32 - 1
_CANCELED_BIT: constant(uint256) = 1 << 240
_SEQ_SHIFT: constant(uint256) = 241
_SEQ_LIMIT: constant(uint256) = 2**15


# @dev The bit layout of the queue word.
_ETA_MASK: constant(uint256) = 2**48 - 1
_EXECUTED_BIT: constant(uint256) = 1 << 48


# @dev The proposal word of each proposal id.
_proposals: HashMap[uint256, uint256]


# @dev The queue word of each proposal id.
_queued: HashMap[uint256, uint256]


# @dev The timelock operation id of each queued proposal.
_timelock_ids: HashMap[uint256, bytes32]


@deploy
@payable
def __init__():
    """
    @dev To omit the opcodes for checking the `msg.value`
         in the creation-time EVM bytecode, the constructor
         is declared as `payable`.
    """
    pass


@external
@pure
def hashProposal(
    targets: DynArray[address, MAX_ACTIONS],
    values: DynArray[uint256, MAX_ACTIONS],
    calldatas: DynArray[Bytes[MAX_CALLDATA], MAX_ACTIONS],
    descriptionHash: bytes32,
) -> uint256:
    """
    @dev Returns the id of a proposal:
         `keccak256(abi.encode(targets, values, calldatas, descriptionHash))`.
    @notice The id does not depend on the chain or the governor.
    @param targets The 20-byte addresses called by the proposal.
    @param values The 32-byte wei amounts sent with each call.
    @param calldatas The calldata of each call.
    @param descriptionHash The 32-byte keccak256 hash of the description.
    @return uint256 The 32-byte proposal id.
    """
    return convert(keccak256(abi_encode(targets, values, calldatas, descriptionHash)), uint256)


@external
@view
def getProposalId(
    targets: DynArray[address, MAX_ACTIONS],
    values: DynArray[uint256, MAX_ACTIONS],
    calldatas: DynArray[Bytes[MAX_CALLDATA], MAX_ACTIONS],
    descriptionHash: bytes32,
) -> uint256:
    """
    @dev Returns the id of a proposal, as `hashProposal` (OpenZeppelin 5.3+).
    @param targets The 20-byte addresses called by the proposal.
    @param values The 32-byte wei amounts sent with each call.
    @param calldatas The calldata of each call.
    @param descriptionHash The 32-byte keccak256 hash of the description.
    @return uint256 The 32-byte proposal id.
    """
    return convert(keccak256(abi_encode(targets, values, calldatas, descriptionHash)), uint256)


@external
@view
def proposalSnapshot(proposalId: uint256) -> uint256:
    """
    @dev Returns the block at whose end votes are counted; voting starts
         in the next block.
    @param proposalId The 32-byte proposal id.
    @return uint256 The snapshot block, `0` for an unknown proposal.
    """
    return self._snapshot(self._proposals[proposalId])


@external
@view
def proposalDeadline(proposalId: uint256) -> uint256:
    """
    @dev Returns the last block in which votes are accepted.
    @param proposalId The 32-byte proposal id.
    @return uint256 The deadline block, `0` for an unknown proposal.
    """
    return self._deadline(self._proposals[proposalId])


@external
@view
def proposalProposer(proposalId: uint256) -> address:
    """
    @dev Returns the account that created a proposal.
    @param proposalId The 32-byte proposal id.
    @return address The proposer, the zero address for an unknown proposal.
    """
    return self._proposer(self._proposals[proposalId])


@external
@view
def proposalEta(proposalId: uint256) -> uint256:
    """
    @dev Returns the timestamp from which a queued proposal can be executed.
    @param proposalId The 32-byte proposal id.
    @return uint256 The ETA in seconds, `0` if the proposal was never queued.
    """
    return self._queued[proposalId] & _ETA_MASK


@external
@view
def proposalNeedsQueuing(proposalId: uint256) -> bool:
    """
    @dev Returns whether a proposal must be queued before execution.
    @param proposalId The 32-byte proposal id.
    @return bool Always `True`: every proposal goes through the timelock.
    """
    return True


@internal
def _create(proposal_id: uint256, proposer: address, snapshot: uint256, duration: uint256, count: uint256):
    """
    @dev Records a new proposal.
    @notice Reverts if the proposal exists or the snapshot exceeds 48 bits.
    @param proposal_id The 32-byte proposal id.
    @param proposer The 20-byte proposer.
    @param snapshot The 32-byte snapshot block.
    @param duration The 32-byte voting period (at most 32 bits).
    @param count The 32-byte number of the proposal (1 for the first); it
           becomes the sequence number if below `2**15`, else `0`.
    """
    assert self._proposals[proposal_id] == 0, "governor: proposal already exists"
    assert snapshot <= _START_MASK, "governor: snapshot overflows uint48"
    seq: uint256 = count
    if seq >= _SEQ_LIMIT:
        seq = 0
    self._proposals[proposal_id] = (
        convert(proposer, uint256) | (snapshot << _START_SHIFT) | (duration << _DURATION_SHIFT) | (seq << _SEQ_SHIFT)
    )


@internal
def _cancel(proposal_id: uint256):
    """
    @dev Sets the canceled flag of a proposal.
    @param proposal_id The 32-byte proposal id.
    """
    self._proposals[proposal_id] = self._proposals[proposal_id] | _CANCELED_BIT


@internal
def _queue(proposal_id: uint256, eta: uint256, operation: bytes32):
    """
    @dev Records that a proposal is queued as timelock `operation`, ready at `eta`.
    @notice Reverts if `eta` exceeds 48 bits.
    @param proposal_id The 32-byte proposal id.
    @param eta The 32-byte timestamp from which it can be executed.
    @param operation The 32-byte timelock operation id.
    """
    assert eta <= _ETA_MASK, "governor: eta overflows uint48"
    self._queued[proposal_id] = eta
    self._timelock_ids[proposal_id] = operation


@internal
def _execute(proposal_id: uint256, queued: uint256):
    """
    @dev Sets the executed flag of a queued proposal and forgets its
         timelock operation.
    @param proposal_id The 32-byte proposal id.
    @param queued The 32-byte queue word of the proposal.
    """
    self._queued[proposal_id] = queued | _EXECUTED_BIT
    self._timelock_ids[proposal_id] = empty(bytes32)


@internal
@pure
def _proposer(word: uint256) -> address:
    """
    @dev Returns the proposer of a proposal word.
    @param word The 32-byte proposal word.
    @return address The proposer.
    """
    return convert(convert(word & _PROPOSER_MASK, uint160), address)


@internal
@pure
def _snapshot(word: uint256) -> uint256:
    """
    @dev Returns the snapshot block of a proposal word (`0` if none).
    @param word The 32-byte proposal word.
    @return uint256 The snapshot block.
    """
    return (word >> _START_SHIFT) & _START_MASK


@internal
@pure
def _deadline(word: uint256) -> uint256:
    """
    @dev Returns the deadline block of a proposal word.
    @param word The 32-byte proposal word.
    @return uint256 The deadline block.
    """
    return ((word >> _START_SHIFT) & _START_MASK) + ((word >> _DURATION_SHIFT) & _DURATION_MASK)


@internal
@pure
def _canceled(word: uint256) -> bool:
    """
    @dev Returns the canceled flag of a proposal word.
    @param word The 32-byte proposal word.
    @return bool Whether the proposal was canceled.
    """
    return word & _CANCELED_BIT != 0


@internal
@pure
def _seq(word: uint256) -> uint256:
    """
    @dev Returns the sequence number of a proposal word.
    @param word The 32-byte proposal word.
    @return uint256 The sequence number, `0` if it has none.
    """
    return word >> _SEQ_SHIFT


@internal
@pure
def _eta(queued: uint256) -> uint256:
    """
    @dev Returns the ETA of a queue word.
    @param queued The 32-byte queue word.
    @return uint256 The ETA, `0` if never queued.
    """
    return queued & _ETA_MASK


@internal
@pure
def _executed(queued: uint256) -> bool:
    """
    @dev Returns the executed flag of a queue word.
    @param queued The 32-byte queue word.
    @return bool Whether the proposal was executed.
    """
    return queued & _EXECUTED_BIT != 0
