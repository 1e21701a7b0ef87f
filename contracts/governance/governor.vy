# pragma version ~=0.4.3
"""
@title Noosphere Governor
@custom:contract-name governor
@license GNU Affero General Public License v3.0 only
@notice The DAO's governor, with the semantics and the ABI of
        OpenZeppelin v5's `Governor` combined with `GovernorSettings`,
        `GovernorCountingSimple`, `GovernorVotes`,
        `GovernorVotesQuorumFraction` and `GovernorTimelockControl`:
        - proposal states in OpenZeppelin's order (`Pending` 0, `Active` 1,
          `Canceled` 2, `Defeated` 3, `Succeeded` 4, `Queued` 5, `Expired`
          6, `Executed` 7) with its boundaries: a proposal is pending up to
          and including its snapshot block, active up to and including its
          deadline block; `Expired` is never returned (the timelock has no
          grace period, as with OpenZeppelin's `GovernorTimelockControl`);
        - proposal id `keccak256(abi.encode(targets, values, calldatas,
          descriptionHash))`; a description ending with `#proposer=0x…`
          can only be proposed by that address;
        - counting "support=bravo&quorum=for,abstain" (against 0, for 1,
          abstain 2; success only if for > against), quorum as a
          percentage of the token's past total supply with a checkpointed
          numerator;
        - voting delay, period, proposal threshold, quorum numerator and
          timelock settable, and `relay` callable, only by a proposal
          executed through the timelock;
        - votes by signature (EIP-712 `Ballot` with the voter and its
          nonce, ERC-1271 for contract voters);
        - successful proposals are queued in the timelock (snekmate's
          `timelock_controller`, see `timelock.vy`) with the salt
          `bytes20(governor) ^ descriptionHash`, and executed through it;
          assets belong with the timelock, the governor rejects deposits.
        Reverts carry a "governor: ..." reason instead of OpenZeppelin's
        custom errors.

        Bounds (Vyper's arrays and strings are bounded): at most 10
        actions per proposal, 1,024 bytes of calldata per action (the
        timelock's own bound), 16,384 bytes of description, 2,048 bytes of
        vote reason, 256 bytes of vote params, 1,024 bytes of signature
        and 1,024 bytes of relayed calldata.
@dev The clock is the block number: the constructor checks that the
     token's ERC-6372 clock is the block number, so that `propose` and
     `castVote` need no call to read it. The proposal records live in
     `proposals` (one fresh word per `propose`), the counting in
     `counting`, the parameters in `settings`, the ballot signatures in
     `ballot_signatures`; see `docs/governance.md`.
"""


# @dev We import and implement the `IERC165` interface,
# which is a built-in interface of the Vyper compiler.
from ethereum.ercs import IERC165
implements: IERC165


# @dev We import and initialise the `eip712_domain_separator`
# module for the EIP-712 domain of ballots.
from snekmate.utils import eip712_domain_separator
initializes: eip712_domain_separator


# @dev We import and initialise the proposal records module.
from .modules import proposals
initializes: proposals


# @dev We import and initialise the vote counting module.
from .modules import counting
initializes: counting


# @dev We import and initialise the governance parameters module.
from .modules import settings
initializes: settings


# @dev We import and initialise the signed ballots module.
from .modules import ballot_signatures
initializes: ballot_signatures[eip712_domain_separator := eip712_domain_separator]


# @dev We import the stateless `#proposer=` suffix check.
from .modules import proposer_suffix


# @dev We export the proposal getters, the ERC-5267 domain getter, the
# ballot type hashes and the ballot nonces.
exports: (
    proposals.hashProposal,
    proposals.getProposalId,
    proposals.proposalSnapshot,
    proposals.proposalDeadline,
    proposals.proposalProposer,
    proposals.proposalEta,
    proposals.proposalNeedsQueuing,
    eip712_domain_separator.eip712Domain,
    ballot_signatures.BALLOT_TYPEHASH,
    ballot_signatures.EXTENDED_BALLOT_TYPEHASH,
    ballot_signatures.nonces,
)


# @dev The largest number of actions of a proposal and calldata of an
# action (see `proposals`).
_MAX_ACTIONS: constant(uint256) = proposals.MAX_ACTIONS
_MAX_CALLDATA: constant(uint256) = proposals.MAX_CALLDATA


# @dev The largest description of a proposal (16 KiB: long Markdown
# proposals fit). Vyper copies the arguments to memory before the local
# variables, so the bound costs every `propose` some memory expansion:
# about 2,300 gas more than 4 KiB would, whatever the description's size.
_MAX_DESCRIPTION: constant(uint256) = 16_384


# @dev The largest reason and params of a vote (the params are ignored
# by the simple counting), and the largest signature (see `ballot_signatures`).
_MAX_REASON: constant(uint256) = ballot_signatures.MAX_REASON
_MAX_PARAMS: constant(uint256) = ballot_signatures.MAX_PARAMS
_MAX_SIGNATURE: constant(uint256) = ballot_signatures.MAX_SIGNATURE


# @dev The ERC-5805 votes of the governance token.
interface IVotes:
    def getPastVotes(account: address, timepoint: uint256) -> uint256: view
    def getPastTotalSupply(timepoint: uint256) -> uint256: view
    def CLOCK_MODE() -> String[64]: view


# @dev The functions of snekmate's `timelock_controller` that the governor
# calls, with the governor's bounds (same ABI).
interface ITimelock:
    def get_minimum_delay() -> uint256: view
    def is_operation_pending(id: bytes32) -> bool: view
    def is_operation_done(id: bytes32) -> bool: view
    def schedule_batch(
        targets: DynArray[address, _MAX_ACTIONS],
        amounts: DynArray[uint256, _MAX_ACTIONS],
        payloads: DynArray[Bytes[_MAX_CALLDATA], _MAX_ACTIONS],
        predecessor: bytes32,
        salt: bytes32,
        delay: uint256,
    ): nonpayable
    def execute_batch(
        targets: DynArray[address, _MAX_ACTIONS],
        amounts: DynArray[uint256, _MAX_ACTIONS],
        payloads: DynArray[Bytes[_MAX_CALLDATA], _MAX_ACTIONS],
        predecessor: bytes32,
        salt: bytes32,
    ): payable


# @dev The proposal states, in OpenZeppelin's `IGovernor.ProposalState` order.
PENDING: constant(uint8) = 0
ACTIVE: constant(uint8) = 1
CANCELED: constant(uint8) = 2
DEFEATED: constant(uint8) = 3
SUCCEEDED: constant(uint8) = 4
QUEUED: constant(uint8) = 5
EXPIRED: constant(uint8) = 6
EXECUTED: constant(uint8) = 7


# @dev The counting mode (OpenZeppelin's `COUNTING_MODE` format).
_COUNTING_MODE: constant(String[32]) = "support=bravo&quorum=for,abstain"


# @dev The ERC-6372 clock mode this governor requires of its token.
_CLOCK_MODE: constant(String[29]) = "mode=blocknumber&from=default"


# @dev The EIP-712 version, OpenZeppelin's `version()`.
_VERSION: constant(String[1]) = "1"


# @dev The ERC-165 interface identifiers, as OpenZeppelin's: ERC-165,
# `IGovernor`, `IGovernor` without `getProposalId` (before 5.3) and
# `IERC1155Receiver` (whose functions reject every deposit).
_SUPPORTED_INTERFACES: constant(bytes4[4]) = [0x01FFC9A7, 0xCDBDFCEE, 0x65455A86, 0x4E2312E0]


# @dev The selector of `relay(address,uint256,bytes)`.
_RELAY_SELECTOR: constant(bytes4) = 0xC28BC2FA


# @dev The largest calldata of a relayed call.
_MAX_RELAY_DATA: constant(uint256) = 1_024


# @dev Returns the address of the governance token (ERC-5805).
token: public(immutable(address))


# @dev The timelock that queues and executes proposals.
_timelock: address


# @dev The hashes of the calldatas that the proposal being executed sends
# to the governor itself, consumed in order by `_check_governance`
# (OpenZeppelin's `_governanceCall` queue).
_governance_calls: transient(DynArray[bytes32, _MAX_ACTIONS])
_governance_head: transient(uint256)


# @dev Emitted when a proposal is created (OpenZeppelin's `IGovernor`).
event ProposalCreated:
    proposalId: uint256
    proposer: address
    targets: DynArray[address, _MAX_ACTIONS]
    values: DynArray[uint256, _MAX_ACTIONS]
    signatures: DynArray[String[1], _MAX_ACTIONS]
    calldatas: DynArray[Bytes[_MAX_CALLDATA], _MAX_ACTIONS]
    voteStart: uint256
    voteEnd: uint256
    description: String[_MAX_DESCRIPTION]


# @dev Emitted when a proposal is queued in the timelock.
event ProposalQueued:
    proposalId: uint256
    etaSeconds: uint256


# @dev Emitted when a proposal is executed.
event ProposalExecuted:
    proposalId: uint256


# @dev Emitted when a proposal is canceled.
event ProposalCanceled:
    proposalId: uint256


# @dev Emitted when a vote is cast without params.
event VoteCast:
    voter: indexed(address)
    proposalId: uint256
    support: uint8
    weight: uint256
    reason: String[_MAX_REASON]


# @dev Emitted when a vote is cast with params.
event VoteCastWithParams:
    voter: indexed(address)
    proposalId: uint256
    support: uint8
    weight: uint256
    reason: String[_MAX_REASON]
    params: Bytes[_MAX_PARAMS]


# @dev Emitted when the timelock changes (OpenZeppelin's `GovernorTimelockControl`).
event TimelockChange:
    oldTimelock: address
    newTimelock: address


# @dev ERC-5267's event, declared as OpenZeppelin's `EIP712` does; never
# emitted, since the domain never changes.
event EIP712DomainChanged:
    pass


@deploy
@payable
def __init__(
    name_: String[50],
    token_: address,
    timelock_: address,
    voting_delay_: uint48,
    voting_period_: uint32,
    proposal_threshold_: uint256,
    quorum_numerator_: uint256,
):
    """
    @dev Deploys the governor. To omit the opcodes for checking the
         `msg.value` in the creation-time EVM bytecode, the constructor
         is declared as `payable`.
    @notice The timelock must then grant the governor its proposer and
            canceller roles (see `timelock.vy`).
    @param name_ The maximum 50-character name, also the EIP-712 domain name.
    @param token_ The 20-byte ERC-5805 token whose past votes count; its
           clock must be the block number.
    @param timelock_ The 20-byte timelock controller.
    @param voting_delay_ The 6-byte number of blocks between a proposal
           and its snapshot.
    @param voting_period_ The 4-byte number of blocks a vote lasts; non-zero.
    @param proposal_threshold_ The 32-byte votes needed to propose (at
           most `max_value(uint128)`).
    @param quorum_numerator_ The 32-byte quorum in percent of the supply.
    """
    assert staticcall IVotes(token_).CLOCK_MODE() == _CLOCK_MODE, "governor: token clock is not the block number"
    token = token_
    eip712_domain_separator.__init__(name_, _VERSION)
    proposals.__init__()
    counting.__init__()
    ballot_signatures.__init__()
    settings.__init__(voting_delay_, voting_period_, proposal_threshold_, quorum_numerator_)
    self._set_timelock(timelock_)


@external
@view
def supportsInterface(interfaceId: bytes4) -> bool:
    """
    @dev Returns `True` if this contract implements the interface
         `interfaceId` (ERC-165), as OpenZeppelin's governor.
    @param interfaceId The 4-byte interface identifier.
    @return bool Whether the interface is supported.
    """
    return interfaceId in _SUPPORTED_INTERFACES


@external
@view
def name() -> String[50]:
    """
    @dev Returns the governor's name, also its EIP-712 domain name.
    @return String The name.
    """
    return eip712_domain_separator._NAME


@external
@view
def version() -> String[1]:
    """
    @dev Returns the governor's version, also its EIP-712 domain version.
    @return String Always "1".
    """
    return _VERSION


@external
@view
def clock() -> uint48:
    """
    @dev Returns the current ERC-6372 timepoint: the block number, the
         token's clock.
    @return uint48 The current block number.
    """
    return convert(block.number, uint48)


@external
@view
def CLOCK_MODE() -> String[29]:
    """
    @dev Returns the ERC-6372 clock mode, the token's.
    @return String "mode=blocknumber&from=default".
    """
    return _CLOCK_MODE


@external
@pure
def COUNTING_MODE() -> String[32]:
    """
    @dev Returns the counting mode: Governor Bravo's supports (0 against,
         1 for, 2 abstain), quorum over for and abstain votes.
    @return String "support=bravo&quorum=for,abstain".
    """
    return _COUNTING_MODE


@external
@view
def state(proposalId: uint256) -> uint8:
    """
    @dev Returns the state of a proposal (OpenZeppelin's `ProposalState`).
    @notice Reverts for an unknown proposal.
    @param proposalId The 32-byte proposal id.
    @return uint8 The state: 0 pending, 1 active, 2 canceled, 3 defeated,
            4 succeeded, 5 queued, 7 executed (6, expired, is unused).
    """
    return self._state(proposalId)


@external
@view
def votingDelay() -> uint256:
    """
    @dev Returns the number of blocks between a proposal and its snapshot.
    @return uint256 The voting delay.
    """
    return settings._voting_delay()


@external
@view
def votingPeriod() -> uint256:
    """
    @dev Returns the number of blocks a vote lasts.
    @return uint256 The voting period.
    """
    return settings._voting_period()


@external
@view
def proposalThreshold() -> uint256:
    """
    @dev Returns the votes an account needs (at the previous block) to propose.
    @return uint256 The proposal threshold.
    """
    return settings._proposal_threshold()


@external
@view
def quorum(timepoint: uint256) -> uint256:
    """
    @dev Returns the votes needed (for plus abstain) at block `timepoint`:
         `getPastTotalSupply(timepoint) * quorumNumerator(timepoint) / 100`.
    @notice Reverts unless `timepoint` is in the past (the token's rule).
    @param timepoint The 32-byte block number.
    @return uint256 The quorum.
    """
    return self._quorum(timepoint)


@external
@view
def quorumNumerator(timepoint: uint256 = max_value(uint256)) -> uint256:
    """
    @dev Returns the quorum numerator in force at block `timepoint`, or
         the current one when called without argument (OpenZeppelin's two
         overloads `quorumNumerator()` and `quorumNumerator(uint256)`).
    @param timepoint The 32-byte block number.
    @return uint256 The numerator, over `quorumDenominator()`.
    """
    return settings._quorum_numerator_at(timepoint)


@external
@view
def quorumDenominator() -> uint256:
    """
    @dev Returns the quorum denominator.
    @return uint256 Always 100.
    """
    return settings.QUORUM_DENOMINATOR


@external
@view
def getVotes(account: address, timepoint: uint256) -> uint256:
    """
    @dev Returns the votes of `account` at the end of block `timepoint`.
    @param account The 20-byte account.
    @param timepoint The 32-byte past block number.
    @return uint256 The votes.
    """
    return staticcall IVotes(token).getPastVotes(account, timepoint)


@external
@view
def getVotesWithParams(account: address, timepoint: uint256, params: Bytes[_MAX_PARAMS]) -> uint256:
    """
    @dev Returns the votes of `account` at the end of block `timepoint`;
         the params are ignored, as by OpenZeppelin's `GovernorVotes`.
    @param account The 20-byte account.
    @param timepoint The 32-byte past block number.
    @param params The vote params (ignored).
    @return uint256 The votes.
    """
    return staticcall IVotes(token).getPastVotes(account, timepoint)


@external
@view
def hasVoted(proposalId: uint256, account: address) -> bool:
    """
    @dev Returns whether `account` has voted on a proposal.
    @param proposalId The 32-byte proposal id.
    @param account The 20-byte account.
    @return bool Whether its ballot was counted.
    """
    return counting._has_voted(proposalId, proposals._seq(proposals._proposals[proposalId]), account)


@external
@view
def proposalVotes(proposalId: uint256) -> (uint256, uint256, uint256):
    """
    @dev Returns the vote counts of a proposal.
    @param proposalId The 32-byte proposal id.
    @return uint256 The against votes.
    @return uint256 The for votes.
    @return uint256 The abstain votes.
    """
    return counting._proposal_votes(proposalId)


@external
@view
def timelock() -> address:
    """
    @dev Returns the timelock that queues and executes proposals.
    @return address The timelock controller.
    """
    return self._timelock


@external
def propose(
    targets: DynArray[address, _MAX_ACTIONS],
    values: DynArray[uint256, _MAX_ACTIONS],
    calldatas: DynArray[Bytes[_MAX_CALLDATA], _MAX_ACTIONS],
    description: String[_MAX_DESCRIPTION],
) -> uint256:
    """
    @dev Creates a proposal and emits `ProposalCreated`. Its vote runs
         from the block after `clock() + votingDelay()` (the snapshot)
         to `snapshot + votingPeriod()` included.
    @notice Reverts if the description ends with a `#proposer=` suffix
            naming another account, if the caller had fewer votes than
            the proposal threshold at the previous block, if the arrays
            are empty or of different lengths, or if the proposal exists.
    @param targets The 20-byte addresses to call.
    @param values The 32-byte wei amounts to send with each call.
    @param calldatas The calldata of each call.
    @param description The proposal's description.
    @return uint256 The 32-byte proposal id.
    """
    # OpenZeppelin logs an empty signature per action (Governor Bravo's field).
    signatures: DynArray[String[1], _MAX_ACTIONS] = []
    length: uint256 = len(description)
    if length >= proposer_suffix.SUFFIX_LENGTH:
        # `length >= SUFFIX_LENGTH`, hence no underflow.
        tail: String[proposer_suffix.SUFFIX_LENGTH] = slice(
            description, unsafe_sub(length, proposer_suffix.SUFFIX_LENGTH), proposer_suffix.SUFFIX_LENGTH
        )
        assert proposer_suffix._allows(msg.sender, tail), "governor: restricted proposer"

    delay: uint256 = 0
    period: uint256 = 0
    threshold: uint256 = 0
    count: uint256 = 0
    delay, period, threshold, count = settings._number_proposal()
    if threshold != 0:
        # `block.number >= 1` in any transaction.
        votes: uint256 = staticcall IVotes(token).getPastVotes(msg.sender, unsafe_sub(block.number, 1))
        assert votes >= threshold, "governor: proposer votes below threshold"

    description_hash: bytes32 = keccak256(description)
    proposal_id: uint256 = convert(keccak256(abi_encode(targets, values, calldatas, description_hash)), uint256)
    actions: uint256 = len(targets)
    assert actions != 0 and len(values) == actions and len(calldatas) == actions, "governor: invalid proposal length"
    snapshot: uint256 = block.number + delay
    proposals._create(proposal_id, msg.sender, snapshot, period, count)

    for _: uint256 in range(actions, bound=_MAX_ACTIONS):
        signatures.append("")
    log ProposalCreated(
        proposalId=proposal_id,
        proposer=msg.sender,
        targets=targets,
        values=values,
        signatures=signatures,
        calldatas=calldatas,
        voteStart=snapshot,
        voteEnd=snapshot + period,
        description=description,
    )
    return proposal_id


@external
def queue(
    targets: DynArray[address, _MAX_ACTIONS],
    values: DynArray[uint256, _MAX_ACTIONS],
    calldatas: DynArray[Bytes[_MAX_CALLDATA], _MAX_ACTIONS],
    descriptionHash: bytes32,
) -> uint256:
    """
    @dev Schedules a succeeded proposal in the timelock with its minimum
         delay and emits `ProposalQueued`.
    @notice Anyone can queue a succeeded proposal; any other state reverts.
    @param targets The 20-byte addresses to call.
    @param values The 32-byte wei amounts to send with each call.
    @param calldatas The calldata of each call.
    @param descriptionHash The 32-byte keccak256 hash of the description.
    @return uint256 The 32-byte proposal id.
    """
    proposal_id: uint256 = convert(keccak256(abi_encode(targets, values, calldatas, descriptionHash)), uint256)
    self._require_state(proposal_id, SUCCEEDED)

    timelock_: address = self._timelock
    delay: uint256 = staticcall ITimelock(timelock_).get_minimum_delay()
    salt: bytes32 = self._timelock_salt(descriptionHash)
    eta: uint256 = block.timestamp + delay
    proposals._queue(proposal_id, eta, keccak256(abi_encode(targets, values, calldatas, empty(bytes32), salt)))
    extcall ITimelock(timelock_).schedule_batch(targets, values, calldatas, empty(bytes32), salt, delay)
    log ProposalQueued(proposalId=proposal_id, etaSeconds=eta)
    return proposal_id


@external
@payable
def execute(
    targets: DynArray[address, _MAX_ACTIONS],
    values: DynArray[uint256, _MAX_ACTIONS],
    calldatas: DynArray[Bytes[_MAX_CALLDATA], _MAX_ACTIONS],
    descriptionHash: bytes32,
) -> uint256:
    """
    @dev Executes a queued proposal through the timelock (forwarding
         `msg.value`) and emits `ProposalExecuted`.
    @notice Reverts unless the proposal is queued and its ETA is reached.
            Calls of the proposal to the governor itself are authorised
            for the duration of the execution only.
    @param targets The 20-byte addresses to call.
    @param values The 32-byte wei amounts to send with each call.
    @param calldatas The calldata of each call.
    @param descriptionHash The 32-byte keccak256 hash of the description.
    @return uint256 The 32-byte proposal id.
    """
    proposal_id: uint256 = convert(keccak256(abi_encode(targets, values, calldatas, descriptionHash)), uint256)
    self._require_state(proposal_id, QUEUED)
    queued: uint256 = proposals._queued[proposal_id]
    assert block.timestamp >= proposals._eta(queued), "governor: proposal is not ready (before its eta)"
    # Marked executed before the calls, against reentrancy.
    proposals._execute(proposal_id, queued)

    self._governance_head = 0
    self._governance_calls = []
    for i: uint256 in range(len(targets), bound=_MAX_ACTIONS):
        if targets[i] == self:
            self._governance_calls.append(keccak256(calldatas[i]))

    extcall ITimelock(self._timelock).execute_batch(
        targets, values, calldatas, empty(bytes32), self._timelock_salt(descriptionHash), value=msg.value
    )
    self._governance_calls = []

    log ProposalExecuted(proposalId=proposal_id)
    return proposal_id


@external
def cancel(
    targets: DynArray[address, _MAX_ACTIONS],
    values: DynArray[uint256, _MAX_ACTIONS],
    calldatas: DynArray[Bytes[_MAX_CALLDATA], _MAX_ACTIONS],
    descriptionHash: bytes32,
) -> uint256:
    """
    @dev Cancels a pending proposal and emits `ProposalCanceled`.
    @notice Only the proposer can cancel, and only while the proposal
            is pending (up to and including its snapshot block).
    @param targets The 20-byte addresses to call.
    @param values The 32-byte wei amounts to send with each call.
    @param calldatas The calldata of each call.
    @param descriptionHash The 32-byte keccak256 hash of the description.
    @return uint256 The 32-byte proposal id.
    """
    proposal_id: uint256 = convert(keccak256(abi_encode(targets, values, calldatas, descriptionHash)), uint256)
    assert self._state(proposal_id) == PENDING, "governor: only a pending proposal can be canceled"
    assert msg.sender == proposals._proposer(proposals._proposals[proposal_id]), "governor: caller is not the proposer"
    proposals._cancel(proposal_id)
    log ProposalCanceled(proposalId=proposal_id)
    return proposal_id


@external
def castVote(proposalId: uint256, support: uint8) -> uint256:
    """
    @dev Casts the caller's vote and emits `VoteCast`.
    @notice Reverts unless the proposal is active, if the caller has
            already voted or if `support` is not 0, 1 or 2.
    @param proposalId The 32-byte proposal id.
    @param support The 1-byte vote: against (0), for (1), abstain (2).
    @return uint256 The caller's votes at the proposal's snapshot.
    """
    weight: uint256 = self._cast_vote(proposalId, msg.sender, support)
    log VoteCast(voter=msg.sender, proposalId=proposalId, support=support, weight=weight, reason="")
    return weight


@external
def castVoteWithReason(proposalId: uint256, support: uint8, reason: String[_MAX_REASON]) -> uint256:
    """
    @dev Casts the caller's vote with a reason and emits `VoteCast`.
    @param proposalId The 32-byte proposal id.
    @param support The 1-byte vote: against (0), for (1), abstain (2).
    @param reason The reason, logged only.
    @return uint256 The caller's votes at the proposal's snapshot.
    """
    weight: uint256 = self._cast_vote(proposalId, msg.sender, support)
    log VoteCast(voter=msg.sender, proposalId=proposalId, support=support, weight=weight, reason=reason)
    return weight


@external
def castVoteWithReasonAndParams(
    proposalId: uint256, support: uint8, reason: String[_MAX_REASON], params: Bytes[_MAX_PARAMS]
) -> uint256:
    """
    @dev Casts the caller's vote with a reason and params, and emits
         `VoteCastWithParams`, or `VoteCast` if `params` is empty.
    @notice The simple counting ignores the params.
    @param proposalId The 32-byte proposal id.
    @param support The 1-byte vote: against (0), for (1), abstain (2).
    @param reason The reason, logged only.
    @param params The params, logged only.
    @return uint256 The caller's votes at the proposal's snapshot.
    """
    weight: uint256 = self._cast_vote(proposalId, msg.sender, support)
    self._log_vote(msg.sender, proposalId, support, weight, reason, params)
    return weight


@external
def castVoteBySig(proposalId: uint256, support: uint8, voter: address, signature: Bytes[_MAX_SIGNATURE]) -> uint256:
    """
    @dev Casts the vote of `voter` signed as an EIP-712
         `Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)`
         and emits `VoteCast`.
    @notice The signature must use `nonces(voter)`, which it consumes; a
            contract voter signs by ERC-1271. A replayed signature fails
            as invalid, since the nonce has moved on.
    @param proposalId The 32-byte proposal id.
    @param support The 1-byte vote: against (0), for (1), abstain (2).
    @param voter The 20-byte voter, who signed.
    @param signature The 65-byte ECDSA signature, or an ERC-1271 one.
    @return uint256 The voter's votes at the proposal's snapshot.
    """
    ballot_signatures._check_ballot(proposalId, support, voter, signature)
    weight: uint256 = self._cast_vote(proposalId, voter, support)
    log VoteCast(voter=voter, proposalId=proposalId, support=support, weight=weight, reason="")
    return weight


@external
def castVoteWithReasonAndParamsBySig(
    proposalId: uint256,
    support: uint8,
    voter: address,
    reason: String[_MAX_REASON],
    params: Bytes[_MAX_PARAMS],
    signature: Bytes[_MAX_SIGNATURE],
) -> uint256:
    """
    @dev Casts the vote of `voter` signed as an EIP-712 `ExtendedBallot(
         uint256 proposalId,uint8 support,address voter,uint256 nonce,
         string reason,bytes params)` and emits `VoteCastWithParams`, or
         `VoteCast` if `params` is empty.
    @param proposalId The 32-byte proposal id.
    @param support The 1-byte vote: against (0), for (1), abstain (2).
    @param voter The 20-byte voter, who signed.
    @param reason The reason, logged only.
    @param params The params, logged only.
    @param signature The 65-byte ECDSA signature, or an ERC-1271 one.
    @return uint256 The voter's votes at the proposal's snapshot.
    """
    ballot_signatures._check_extended_ballot(proposalId, support, voter, reason, params, signature)
    weight: uint256 = self._cast_vote(proposalId, voter, support)
    self._log_vote(voter, proposalId, support, weight, reason, params)
    return weight


@external
@payable
def relay(target: address, amount: uint256, data: Bytes[_MAX_RELAY_DATA]):
    """
    @dev Calls `target` with `data` and `amount` wei from the governor,
         bubbling up a revert: a proposal's way to recover assets sent to
         the governor by mistake (they belong with the timelock).
    @notice Only through a proposal executed by the timelock.
    @param target The 20-byte address to call.
    @param amount The 32-byte wei amount to send (OpenZeppelin's `value`, a
           name that Vyper reserves).
    @param data The calldata.
    """
    call: Bytes[4 + 128 + _MAX_RELAY_DATA] = concat(_RELAY_SELECTOR, abi_encode(target, amount, data))
    self._check_governance(keccak256(call), len(call))
    success: bool = False
    result: Bytes[_MAX_RELAY_DATA] = b""
    # The call may fail: its revert data is bubbled up.
    success, result = raw_call(target, data, value=amount, max_outsize=_MAX_RELAY_DATA, revert_on_failure=False)
    if not success:
        if len(result) != 0:
            raw_revert(result)
        raise "governor: relayed call reverted"


@external
def onERC721Received(operator: address, sender: address, token_id: uint256, data: Bytes[1]) -> bytes4:
    """
    @dev Rejects ERC-721 deposits, as OpenZeppelin's governor does when
         it executes through a timelock: assets belong with the timelock.
    @param operator The 20-byte operator.
    @param sender The 20-byte previous owner.
    @param token_id The 32-byte token id.
    @param data The additional data.
    @return bytes4 Never returns.
    """
    self._reject_deposit()
    return empty(bytes4)


@external
def onERC1155Received(operator: address, sender: address, id: uint256, amount: uint256, data: Bytes[1]) -> bytes4:
    """
    @dev Rejects ERC-1155 deposits (see `onERC721Received`).
    @param operator The 20-byte operator.
    @param sender The 20-byte previous owner.
    @param id The 32-byte token id.
    @param amount The 32-byte amount.
    @param data The additional data.
    @return bytes4 Never returns.
    """
    self._reject_deposit()
    return empty(bytes4)


@external
def onERC1155BatchReceived(
    operator: address,
    sender: address,
    ids: DynArray[uint256, 1],
    amounts: DynArray[uint256, 1],
    data: Bytes[1],
) -> bytes4:
    """
    @dev Rejects ERC-1155 batch deposits (see `onERC721Received`).
    @param operator The 20-byte operator.
    @param sender The 20-byte previous owner.
    @param ids The token ids.
    @param amounts The amounts.
    @param data The additional data.
    @return bytes4 Never returns.
    """
    self._reject_deposit()
    return empty(bytes4)


@external
def setVotingDelay(newVotingDelay: uint48):
    """
    @dev Sets the voting delay of future proposals.
    @notice Only through a proposal executed by the timelock.
    @param newVotingDelay The 6-byte number of blocks.
    """
    self._check_governance(keccak256(slice(msg.data, 0, 36)), 36)
    settings._set_voting_delay(newVotingDelay)


@external
def setVotingPeriod(newVotingPeriod: uint32):
    """
    @dev Sets the voting period of future proposals.
    @notice Only through a proposal executed by the timelock; non-zero.
    @param newVotingPeriod The 4-byte number of blocks.
    """
    self._check_governance(keccak256(slice(msg.data, 0, 36)), 36)
    settings._set_voting_period(newVotingPeriod)


@external
def setProposalThreshold(newProposalThreshold: uint256):
    """
    @dev Sets the votes needed to propose.
    @notice Only through a proposal executed by the timelock; at most
            `max_value(uint128)`.
    @param newProposalThreshold The 32-byte votes.
    """
    self._check_governance(keccak256(slice(msg.data, 0, 36)), 36)
    settings._set_proposal_threshold(newProposalThreshold)


@external
def updateQuorumNumerator(newQuorumNumerator: uint256):
    """
    @dev Sets the quorum numerator from the current block on; proposals
         whose snapshot is earlier keep theirs.
    @notice Only through a proposal executed by the timelock; at most 100.
    @param newQuorumNumerator The 32-byte quorum in percent of the supply.
    """
    self._check_governance(keccak256(slice(msg.data, 0, 36)), 36)
    settings._update_quorum_numerator(newQuorumNumerator)


@external
def updateTimelock(newTimelock: address):
    """
    @dev Replaces the timelock and emits `TimelockChange`.
    @notice Only through a proposal executed by the timelock. Proposals
            queued in the old timelock can no longer be executed.
    @param newTimelock The 20-byte new timelock controller.
    """
    self._check_governance(keccak256(slice(msg.data, 0, 36)), 36)
    self._set_timelock(newTimelock)


@internal
@view
def _state(proposal_id: uint256) -> uint8:
    """
    @dev Returns the state of a proposal, as OpenZeppelin's
         `GovernorTimelockControl.state`.
    @param proposal_id The 32-byte proposal id.
    @return uint8 The state.
    """
    word: uint256 = proposals._proposals[proposal_id]
    queued: uint256 = proposals._queued[proposal_id]
    if proposals._executed(queued):
        return EXECUTED
    if proposals._canceled(word):
        return CANCELED

    snapshot: uint256 = proposals._snapshot(word)
    assert snapshot != 0, "governor: unknown proposal id"
    if snapshot >= block.number:
        return PENDING
    if proposals._deadline(word) >= block.number:
        return ACTIVE
    # Success first: it needs no call to the token.
    if not counting._vote_succeeded(proposal_id) or not counting._quorum_reached(
        proposal_id, self._quorum(snapshot)
    ):
        return DEFEATED
    if proposals._eta(queued) == 0:
        return SUCCEEDED

    operation: bytes32 = proposals._timelock_ids[proposal_id]
    if staticcall ITimelock(self._timelock).is_operation_pending(operation):
        return QUEUED
    if staticcall ITimelock(self._timelock).is_operation_done(operation):
        # Executed directly on the timelock.
        return EXECUTED
    # Canceled directly on the timelock.
    return CANCELED


@internal
@view
def _require_state(proposal_id: uint256, expected: uint8):
    """
    @dev Reverts with a reason naming the current state unless a proposal
         is in state `expected`.
    @param proposal_id The 32-byte proposal id.
    @param expected The 1-byte required state.
    """
    current: uint8 = self._state(proposal_id)
    if current == expected:
        return
    if current == PENDING:
        raise "governor: proposal is pending"
    if current == ACTIVE:
        raise "governor: proposal is active"
    if current == CANCELED:
        raise "governor: proposal is canceled"
    if current == DEFEATED:
        raise "governor: proposal is defeated"
    if current == SUCCEEDED:
        raise "governor: proposal is not queued"
    if current == QUEUED:
        raise "governor: proposal is already queued"
    raise "governor: proposal is already executed"


@internal
@view
def _quorum(timepoint: uint256) -> uint256:
    """
    @dev Returns the quorum at block `timepoint`.
    @param timepoint The 32-byte past block number.
    @return uint256 The quorum.
    """
    supply: uint256 = staticcall IVotes(token).getPastTotalSupply(timepoint)
    # Checked arithmetic; the numerator is at most 100 and an ERC-5805
    # supply at most 2**208, so the product cannot overflow.
    return supply * settings._quorum_numerator_at(timepoint) // settings.QUORUM_DENOMINATOR


@internal
def _cast_vote(proposal_id: uint256, voter: address, support: uint8) -> uint256:
    """
    @dev Counts the vote of `voter` with its votes at the snapshot.
    @notice Reverts unless the proposal is active: it exists, is not
            canceled, its snapshot block is past and its deadline block
            is not (an executed proposal is past its deadline).
    @param proposal_id The 32-byte proposal id.
    @param voter The 20-byte voter.
    @param support The 1-byte vote.
    @return uint256 The votes counted.
    """
    word: uint256 = proposals._proposals[proposal_id]
    snapshot: uint256 = proposals._snapshot(word)
    assert snapshot != 0, "governor: unknown proposal id"
    assert not proposals._canceled(word), "governor: proposal is canceled"
    assert block.number > snapshot, "governor: voting has not started"
    assert block.number <= proposals._deadline(word), "governor: voting is closed"

    weight: uint256 = staticcall IVotes(token).getPastVotes(voter, snapshot)
    counting._count_vote(proposal_id, proposals._seq(word), voter, support, weight)
    return weight


@internal
def _log_vote(
    voter: address,
    proposal_id: uint256,
    support: uint8,
    weight: uint256,
    reason: String[_MAX_REASON],
    params: Bytes[_MAX_PARAMS],
):
    """
    @dev Emits `VoteCast`, or `VoteCastWithParams` if `params` is not empty.
    @param voter The 20-byte voter.
    @param proposal_id The 32-byte proposal id.
    @param support The 1-byte vote.
    @param weight The 32-byte votes counted.
    @param reason The reason.
    @param params The params.
    """
    if len(params) == 0:
        log VoteCast(voter=voter, proposalId=proposal_id, support=support, weight=weight, reason=reason)
    else:
        log VoteCastWithParams(
            voter=voter, proposalId=proposal_id, support=support, weight=weight, reason=reason, params=params
        )


@internal
def _check_governance(call: bytes32, length: uint256):
    """
    @dev OpenZeppelin's `onlyGovernance` with a timelock: the caller must
         be the timelock, and the call must be one that the proposal being
         executed sends to the governor. Such calls are consumed in order.
    @notice Vyper cannot hash a calldata of any length, so each function
            passes the hash and length of its canonical ABI encoding
            (36 bytes for the setters): a call whose calldata is not
            exactly that (e.g. with trailing bytes) is not authorised.
    @param call The 32-byte keccak256 hash of the canonical calldata.
    @param length The length of the canonical calldata.
    """
    assert msg.sender == self._timelock, "governor: caller is not the timelock"
    assert len(msg.data) == length, "governor: call not authorised by a proposal"
    head: uint256 = self._governance_head
    calls: uint256 = len(self._governance_calls)
    found: bool = False
    for _: uint256 in range(_MAX_ACTIONS):
        if head >= calls:
            break
        pending: bytes32 = self._governance_calls[head]
        # `head < calls <= 10`, hence no overflow.
        head = unsafe_add(head, 1)
        if pending == call:
            found = True
            break
    assert found, "governor: call not authorised by a proposal"
    self._governance_head = head


@internal
@pure
def _reject_deposit():
    """
    @dev Reverts: the governor executes through the timelock, so assets
         sent to it would be stuck (OpenZeppelin's `GovernorDisabledDeposit`).
    """
    raise "governor: deposits go to the timelock"


@internal
def _set_timelock(new_timelock: address):
    """
    @dev Sets the timelock and emits `TimelockChange`.
    @param new_timelock The 20-byte timelock controller.
    """
    log TimelockChange(oldTimelock=self._timelock, newTimelock=new_timelock)
    self._timelock = new_timelock


@internal
@view
def _timelock_salt(description_hash: bytes32) -> bytes32:
    """
    @dev Returns the timelock salt of a proposal:
         `bytes20(governor) ^ descriptionHash`.
    @param description_hash The 32-byte hash of the description.
    @return bytes32 The salt.
    """
    return convert((convert(self, uint256) << 96) ^ convert(description_hash, uint256), bytes32)
