# pragma version ~=0.4.3
"""
@title NOOS: the Noosphere Token
@custom:contract-name noos
@license GNU Affero General Public License v3.0 only
@notice An ERC-20 token (https://eips.ethereum.org/EIPS/eip-20) with
        EIP-2612 permit (https://eips.ethereum.org/EIPS/eip-2612), a hard
        supply cap, and ERC-5805 vote delegation with checkpoints
        (https://eips.ethereum.org/EIPS/eip-5805) on an ERC-6372 block
        number clock (https://eips.ethereum.org/EIPS/eip-6372). The votes
        behave as OpenZeppelin v5's `ERC20Votes`: an account's balance
        counts as votes only once it has delegated (possibly to itself),
        and `delegateBySig` shares the permit nonces.

        Roles (snekmate's `erc20` minter role, owned by `ownable`):
        - the deployer becomes `owner` and a minter;
        - the `owner` adds or removes minters with `set_minter` (the
          emitter is meant to be the only minter in production);
        - `transfer_ownership` moves the owner's minter role along with
          the ownership (to the DAO's timelock), and `renounce_ownership`
          drops both, leaving only the minters set before.
        Minting can never exceed `cap`.

        The EIP-712 signing domain (permit and delegation) is name
        "Noosphere", version "1". The token has 18 decimals.
@dev Reuses snekmate's `erc20` module for balances, allowances, permit,
     nonces, the minter role and the EIP-712 domain. Its internal hooks
     cannot be overridden in Vyper 0.4, so `transfer`, `transferFrom`,
     `mint`, `burn` and `burn_from` are written here: each calls the
     module's internal function and then moves voting power. When neither
     side of a transfer has a delegate, no checkpoint is touched (one
     SLOAD per side). Checkpoints are packed one per word by the
     `checkpoints` module, which limits votes (hence the cap) to 160 bits.
"""


# @dev We import and implement the `IERC20` interface,
# which is a built-in interface of the Vyper compiler.
from ethereum.ercs import IERC20
implements: IERC20


# @dev We import and implement the `IERC20Detailed` interface,
# which is a built-in interface of the Vyper compiler.
from ethereum.ercs import IERC20Detailed
implements: IERC20Detailed


# @dev The ERC-6372 clock interface.
interface IERC6372:
    def clock() -> uint48: view
    def CLOCK_MODE() -> String[29]: view


implements: IERC6372


# @dev The ERC-5805 votes interface (without its events, which are
# declared below).
interface IERC5805:
    def getVotes(account: address) -> uint256: view
    def getPastVotes(account: address, timepoint: uint256) -> uint256: view
    def getPastTotalSupply(timepoint: uint256) -> uint256: view
    def delegates(account: address) -> address: view
    def delegate(delegatee: address): nonpayable
    def delegateBySig(delegatee: address, nonce: uint256, expiry: uint256, v: uint8, r: bytes32, s: bytes32): nonpayable


implements: IERC5805


# @dev We import and initialise the `ownable` module,
# which the `erc20` module uses for its minter role.
from snekmate.auth import ownable
initializes: ownable


# @dev We import and initialise the `erc20` module.
from snekmate.tokens import erc20
initializes: erc20[ownable := ownable]


# @dev We import the `eip712_domain_separator` module, which the
# `erc20` module initialises, to hash delegation messages in the
# same EIP-712 domain as permits.
from snekmate.utils import eip712_domain_separator
uses: eip712_domain_separator


# @dev We import the stateless `ecdsa` module.
from snekmate.utils import ecdsa


# @dev We import and initialise the `checkpoints` module, which
# holds the vote histories of delegates and of the total supply.
# It is renamed `history`, as `checkpoints` is a getter of OpenZeppelin's `ERC20Votes`.
from ..lib import checkpoints as history
initializes: history


# @dev We export the `erc20` functions that NOOS keeps as they are.
# `transfer`, `transferFrom`, `mint`, `burn` and `burn_from` are not
# exported: they are redefined below to move voting power.
exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
    erc20.balanceOf,
    erc20.allowance,
    erc20.approve,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
    erc20.is_minter,
    erc20.set_minter,
    erc20.owner,
    erc20.transfer_ownership,
    erc20.renounce_ownership,
)


# @dev A checkpoint as returned by `checkpoints`, laid out as
# OpenZeppelin's `Checkpoints.Checkpoint208` for ABI compatibility.
struct Checkpoint208:
    _key: uint48
    _value: uint208


# @dev The 32-byte type hash of the `delegateBySig` message.
_DELEGATION_TYPE_HASH: constant(bytes32) = keccak256(
    "Delegation(address delegatee,uint256 nonce,uint256 expiry)"
)


# @dev The ERC-6372 description of the clock.
_CLOCK_MODE: constant(String[29]) = "mode=blocknumber&from=default"


# @dev The identifier of the total supply history in the `history` module;
# a delegate's history is its address converted to `uint256`, always below.
_TOTAL_SUPPLY_TRACE: constant(uint256) = 2**160


# @dev The largest cap: packed checkpoints hold 160-bit values.
_MAX_CAP: constant(uint256) = 2**160 - 1


# @dev The token's decimals.
_DECIMALS: constant(uint8) = 18


# @dev The EIP-712 domain name and version.
_EIP712_NAME: constant(String[50]) = "Noosphere"
_EIP712_VERSION: constant(String[20]) = "1"


# @dev Returns the maximum total supply.
cap: public(immutable(uint256))


# @dev Returns the delegate of an account (the zero
# address if the account has not delegated).
delegates: public(HashMap[address, address])


# @dev Emitted when an account changes its delegate (ERC-5805).
event DelegateChanged:
    delegator: indexed(address)
    fromDelegate: indexed(address)
    toDelegate: indexed(address)


# @dev Emitted when a delegate's votes change (ERC-5805).
event DelegateVotesChanged:
    delegate: indexed(address)
    previousVotes: uint256
    newVotes: uint256


@deploy
@payable
def __init__(
    name_: String[25], symbol_: String[5], cap_: uint256, initial_holder: address, initial_supply: uint256
):
    """
    @dev Deploys NOOS with 18 decimals and the EIP-712 domain
         "Noosphere"/"1", and mints `initial_supply` to `initial_holder`.
         To omit the opcodes for checking the `msg.value` in the
         creation-time EVM bytecode, the constructor is `payable`.
    @notice The deployer becomes `owner` and a minter. The initial
            supply is checkpointed in the total supply history, but
            counts as votes only once `initial_holder` delegates.
    @param name_ The maximum 25-character name of the token.
    @param symbol_ The maximum 5-character symbol of the token.
    @param cap_ The 32-byte maximum total supply, in the smallest unit
           (e.g. `21_000_000 * 10**18`); non-zero and at most
           `max_value(uint160)`, the range of a packed checkpoint.
    @param initial_holder The 20-byte receiver of the initial supply;
           ignored if `initial_supply` is zero.
    @param initial_supply The 32-byte amount minted at deployment.
    """
    assert cap_ != 0, "noos: cap is zero"
    assert cap_ <= _MAX_CAP, "noos: cap exceeds uint160"
    assert initial_supply <= cap_, "noos: cap exceeded"
    cap = cap_

    ownable.__init__()
    erc20.__init__(name_, symbol_, _DECIMALS, _EIP712_NAME, _EIP712_VERSION)
    history.__init__()

    if initial_supply != 0:
        self._mint(initial_holder, initial_supply)


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @dev Moves `amount` tokens from the caller to `to`, and the
         matching votes from the caller's delegate to `to`'s delegate.
    @notice Note that `to` cannot be the zero address. Also, the
            caller must have a balance of at least `amount`.
    @param to The 20-byte receiver address.
    @param amount The 32-byte token amount to be transferred.
    @return bool Always `True`; the function reverts on failure.
    """
    erc20._transfer(msg.sender, to, amount)
    self._move_delegate_votes(self.delegates[msg.sender], self.delegates[to], amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @dev Moves `amount` tokens from `owner` to `to` using the caller's
         allowance, and the matching votes between their delegates.
    @notice Note that `owner` and `to` cannot be the zero address, and
            `owner` must have a balance of at least `amount`. The caller
            must have an allowance for `owner`'s tokens of at least
            `amount`; an allowance of `max_value(uint256)` is not
            decreased.
    @param owner The 20-byte owner address.
    @param to The 20-byte receiver address.
    @param amount The 32-byte token amount to be transferred.
    @return bool Always `True`; the function reverts on failure.
    """
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._transfer(owner, to, amount)
    self._move_delegate_votes(self.delegates[owner], self.delegates[to], amount)
    return True


@external
def mint(to: address, amount: uint256):
    """
    @dev Creates `amount` tokens for `to`, adding them to the total
         supply history and to the votes of `to`'s delegate.
    @notice Only minters (`is_minter`) can call this function, and
            the total supply can never exceed `cap`. Note that `to`
            cannot be the zero address.
    @param to The 20-byte receiver address.
    @param amount The 32-byte token amount to be created.
    """
    assert erc20.is_minter[msg.sender], "noos: caller is not a minter"
    self._mint(to, amount)


@external
def burn(amount: uint256):
    """
    @dev Destroys `amount` tokens of the caller, removing them from the
         total supply history and from the votes of the caller's delegate.
    @notice The caller must have a balance of at least `amount`.
    @param amount The 32-byte token amount to be destroyed.
    """
    self._burn(msg.sender, amount)


@external
def burn_from(owner: address, amount: uint256):
    """
    @dev Destroys `amount` tokens of `owner` using the caller's
         allowance, removing them from the total supply history and
         from the votes of `owner`'s delegate.
    @notice The caller must have an allowance for `owner`'s tokens of
            at least `amount`, and `owner` a balance of at least `amount`.
    @param owner The 20-byte owner address.
    @param amount The 32-byte token amount to be destroyed.
    """
    erc20._spend_allowance(owner, msg.sender, amount)
    self._burn(owner, amount)


@external
@view
def clock() -> uint48:
    """
    @dev Returns the current timepoint of the ERC-6372 clock.
    @return uint48 The current block number.
    """
    return self._clock()


@external
@view
def CLOCK_MODE() -> String[29]:
    """
    @dev Returns the ERC-6372 description of the clock.
    @return String The clock mode, "mode=blocknumber&from=default".
    """
    return _CLOCK_MODE


@external
@view
def getVotes(account: address) -> uint256:
    """
    @dev Returns the current votes delegated to `account`.
    @param account The 20-byte delegate address.
    @return uint256 The 32-byte amount of votes.
    """
    return history._latest(self._trace(account))


@external
@view
def getPastVotes(account: address, timepoint: uint256) -> uint256:
    """
    @dev Returns the votes delegated to `account` at the end of block
         `timepoint`.
    @notice Reverts unless `timepoint` is lower than the current clock.
    @param account The 20-byte delegate address.
    @param timepoint The 32-byte past block number.
    @return uint256 The 32-byte amount of votes.
    """
    return history._upper_lookup_recent(self._trace(account), self._past_timepoint(timepoint))


@external
@view
def getPastTotalSupply(timepoint: uint256) -> uint256:
    """
    @dev Returns the total supply at the end of block `timepoint`.
    @notice This is the supply, whether delegated or not. Reverts
            unless `timepoint` is lower than the current clock.
    @param timepoint The 32-byte past block number.
    @return uint256 The 32-byte total supply.
    """
    return history._upper_lookup_recent(_TOTAL_SUPPLY_TRACE, self._past_timepoint(timepoint))


@external
@view
def numCheckpoints(account: address) -> uint32:
    """
    @dev Returns the number of vote checkpoints of `account`.
    @param account The 20-byte delegate address.
    @return uint32 The number of checkpoints.
    """
    return convert(history._length(self._trace(account)), uint32)


@external
@view
def checkpoints(account: address, pos: uint32) -> Checkpoint208:
    """
    @dev Returns the vote checkpoint of `account` at index `pos`.
    @notice Reverts if `pos` is not lower than `numCheckpoints(account)`.
    @param account The 20-byte delegate address.
    @param pos The 4-byte index of the checkpoint.
    @return Checkpoint208 The checkpoint's block number and votes.
    """
    index: uint256 = convert(pos, uint256)
    assert index < history._length(self._trace(account)), "noos: checkpoint does not exist"
    key: uint48 = 0
    votes: uint256 = 0
    key, votes = history._at(self._trace(account), index)
    # `votes` is at most `max_value(uint160)` by construction.
    return Checkpoint208(_key=key, _value=convert(votes, uint208))


@external
def delegate(delegatee: address):
    """
    @dev Delegates the caller's votes to `delegatee`.
    @notice The caller's whole balance, now and in the future, counts
            as `delegatee`'s votes. Delegating to the zero address
            withdraws the votes.
    @param delegatee The 20-byte delegate address.
    """
    self._delegate(msg.sender, delegatee)


@external
def delegateBySig(delegatee: address, nonce: uint256, expiry: uint256, v: uint8, r: bytes32, s: bytes32):
    """
    @dev Delegates the signer's votes to `delegatee`, given the signer's
         EIP-712 `Delegation(address delegatee,uint256 nonce,uint256 expiry)`
         message.
    @notice The signature must use the signer's current `nonces` value,
            shared with `permit`, and `expiry` must be a block timestamp
            not in the past. As in OpenZeppelin, the signer is whoever
            recovers from the signature: a signature over other values
            recovers another address, whose nonce then must match.
    @param delegatee The 20-byte delegate address.
    @param nonce The 32-byte nonce of the signer.
    @param expiry The 32-byte block timestamp after which the signature
           is no longer valid.
    @param v The secp256k1 1-byte signature parameter `v`.
    @param r The secp256k1 32-byte signature parameter `r`.
    @param s The secp256k1 32-byte signature parameter `s`.
    """
    assert block.timestamp <= expiry, "noos: signature expired"

    struct_hash: bytes32 = keccak256(abi_encode(_DELEGATION_TYPE_HASH, delegatee, nonce, expiry))
    hash: bytes32 = eip712_domain_separator._hash_typed_data_v4(struct_hash)
    signer: address = ecdsa._recover_vrs(hash, convert(v, uint256), convert(r, uint256), convert(s, uint256))

    assert nonce == erc20.nonces[signer], "noos: invalid nonce"
    # The nonce is a counter that cannot realistically reach 2**256.
    erc20.nonces[signer] = unsafe_add(nonce, 1)

    self._delegate(signer, delegatee)


@internal
@view
def _clock() -> uint48:
    """
    @dev Returns the current block number as an ERC-6372 timepoint.
    @return uint48 The current block number.
    """
    return convert(block.number, uint48)


@internal
@pure
def _trace(account: address) -> uint256:
    """
    @dev Returns the identifier of the vote history of `account`.
    @param account The 20-byte delegate address.
    @return uint256 The address as a 32-byte identifier.
    """
    return convert(account, uint256)


@internal
@view
def _past_timepoint(timepoint: uint256) -> uint48:
    """
    @dev Checks that `timepoint` is in the past of the clock.
    @param timepoint The 32-byte block number to check.
    @return uint48 The block number as a timepoint.
    """
    assert timepoint < block.number, "noos: future lookup"
    # `timepoint < block.number`, which fits in 48 bits (see `_clock`).
    return convert(timepoint, uint48)


@internal
def _mint(to: address, amount: uint256):
    """
    @dev Creates `amount` tokens for `to` within the cap and records
         the new total supply and the votes of `to`'s delegate.
    @param to The 20-byte receiver address.
    @param amount The 32-byte token amount to be created.
    """
    assert erc20.totalSupply + amount <= cap, "noos: cap exceeded"
    erc20._mint(to, amount)
    history._update(_TOTAL_SUPPLY_TRACE, self._clock(), amount, True)
    self._move_delegate_votes(empty(address), self.delegates[to], amount)


@internal
def _burn(owner: address, amount: uint256):
    """
    @dev Destroys `amount` tokens of `owner` and records the new total
         supply and the votes of `owner`'s delegate.
    @param owner The 20-byte owner address.
    @param amount The 32-byte token amount to be destroyed.
    """
    erc20._burn(owner, amount)
    history._update(_TOTAL_SUPPLY_TRACE, self._clock(), amount, False)
    self._move_delegate_votes(self.delegates[owner], empty(address), amount)


@internal
def _delegate(account: address, delegatee: address):
    """
    @dev Sets `delegatee` as the delegate of `account` and moves the
         balance of `account` from its previous delegate's votes.
    @param account The 20-byte delegator address.
    @param delegatee The 20-byte new delegate address.
    """
    previous: address = self.delegates[account]
    self.delegates[account] = delegatee
    log DelegateChanged(delegator=account, fromDelegate=previous, toDelegate=delegatee)
    self._move_delegate_votes(previous, delegatee, erc20.balanceOf[account])


@internal
def _move_delegate_votes(src: address, dst: address, amount: uint256):
    """
    @dev Moves `amount` votes from delegate `src` to delegate `dst`; the
         zero address stands for "no delegate" and has no votes.
    @notice Nothing is written when both sides are the same delegate
            (in particular when neither side has delegated) or when
            `amount` is zero.
    @param src The 20-byte delegate losing votes.
    @param dst The 20-byte delegate gaining votes.
    @param amount The 32-byte amount of votes.
    """
    if src == dst or amount == 0:
        return
    now: uint48 = self._clock()
    old_votes: uint256 = 0
    new_votes: uint256 = 0
    if src != empty(address):
        old_votes, new_votes = history._update(self._trace(src), now, amount, False)
        log DelegateVotesChanged(delegate=src, previousVotes=old_votes, newVotes=new_votes)
    if dst != empty(address):
        old_votes, new_votes = history._update(self._trace(dst), now, amount, True)
        log DelegateVotesChanged(delegate=dst, previousVotes=old_votes, newVotes=new_votes)
