# pragma version ~=0.4.3
"""
@title Staking: Stake and Delegation to Subnet Hotkeys
@custom:contract-name staking
@license GNU Affero General Public License v3.0 only
@notice Any account (a "staker") stakes NOOS to a hotkey registered on a
        subnet. Stake of a hotkey's own coldkey is the validator's
        self-stake; stake of anyone else is delegated stake. Nothing
        differs on chain: the off-chain payout split (see "Amounts" in
        `docs/subnets-protocol.md`) reads per-staker stake from the
        `Staked`/`Unstaked` events, which carry the new per-staker amount.

        - `stake(netuid, hotkey, amount)` pulls `amount` from the caller
          (an ERC-20 allowance is needed); the caller's resulting stake
          must reach `min_stake`.
        - `unstake(netuid, hotkey, amount)` removes stake at once (the
          hotkey total drops in this block) and starts a cooldown of
          `cooldown` blocks; `withdraw(netuid, hotkey)` pays the pending
          amount after it. Further unstakes to the same hotkey add to
          the pending amount and restart the cooldown.
        - Hotkey totals are checkpointed per block: `stake_at` returns
          the total at the end of a past block (as ERC-5805's
          `getPastVotes`).
        - The validator take (basis points of the dividends kept by the
          validator before its stakers share the rest) defaults to
          `1_800`, is set by the hotkey's coldkey within admin-set bounds
          and is checkpointed: `take_at(hotkey, block)`.

        `DEFAULT_ADMIN_ROLE` (the deployer now, the DAO's timelock later)
        sets `min_stake`, `cooldown`, the take bounds and wires the
        registry once.
@dev Hotkey totals and takes are packed histories of the `checkpoints`
     module: the total of `(netuid, hotkey)` is history
     `netuid << 160 | hotkey`; the take of `hotkey` is history
     `2**176 | hotkey` and stores `take + 1`, so that `0` (no checkpoint)
     reads as the default take.
"""


# @dev We import and implement the `IStaking` interface.
from .interfaces import IStaking
implements: IStaking


# @dev We import the `IRegistry` interface.
from .interfaces import IRegistry


# @dev We import the `IERC20` interface, which is a built-in
# interface of the Vyper compiler.
from ethereum.ercs import IERC20


# @dev We import and initialise the `access_control` module.
from snekmate.auth import access_control
initializes: access_control


# @dev We export all `external` functions of the `access_control` module.
exports: access_control.__interface__


# @dev We import and initialise the `checkpoints` module, which holds
# the hotkey totals and the takes. It is renamed `history`.
from ..lib import checkpoints as history
initializes: history


# @dev The take of a hotkey whose coldkey never set one, in basis points.
DEFAULT_TAKE: public(constant(uint256)) = 1_800


# @dev The denominator of takes.
_BPS: constant(uint256) = 10_000


# @dev The offset of take histories among the `history` identifiers
# (hotkey totals use `netuid << 160 | hotkey`, below `2**176`).
_TAKE_TRACE: constant(uint256) = 2**176


# @dev A pending withdrawal: the amount and the first block it can be withdrawn.
struct Pending:
    amount: uint256
    release_block: uint256


# @dev Returns the NOOS token.
token: public(immutable(address))


# @dev Returns the subnet registry (set once by `wire`).
registry: public(address)


# @dev Returns the smallest stake a staker can hold on a hotkey (other than zero).
min_stake: public(uint256)


# @dev Returns the number of blocks between `unstake` and `withdraw`.
cooldown: public(uint256)


# @dev Returns the lowest take a coldkey can set, in basis points.
min_take: public(uint256)


# @dev Returns the highest take a coldkey can set, in basis points.
max_take: public(uint256)


# @dev Returns the stake of `staker` on `hotkey` in subnet `netuid`.
stake_by: public(HashMap[uint16, HashMap[address, HashMap[address, uint256]]])


# @dev Returns the pending withdrawal of `staker` from `hotkey` in subnet `netuid`.
pending: public(HashMap[uint16, HashMap[address, HashMap[address, Pending]]])


# @dev Returns the sum of all pending withdrawals.
total_pending: public(uint256)


# @dev Emitted when a staker adds stake to a hotkey.
event Staked:
    netuid: indexed(uint16)
    hotkey: indexed(address)
    staker: indexed(address)
    amount: uint256
    stake: uint256
    hotkey_total: uint256


# @dev Emitted when a staker removes stake from a hotkey (cooldown starts).
event Unstaked:
    netuid: indexed(uint16)
    hotkey: indexed(address)
    staker: indexed(address)
    amount: uint256
    stake: uint256
    hotkey_total: uint256
    pending: uint256
    release_block: uint256


# @dev Emitted when a staker withdraws its pending amount.
event Withdrawn:
    netuid: indexed(uint16)
    hotkey: indexed(address)
    staker: indexed(address)
    amount: uint256


# @dev Emitted when a hotkey's coldkey sets the validator take.
event TakeSet:
    hotkey: indexed(address)
    coldkey: indexed(address)
    take: uint256


# @dev Emitted when the admin changes `min_stake`.
event MinStakeSet:
    min_stake: uint256


# @dev Emitted when the admin changes `cooldown`.
event CooldownSet:
    cooldown: uint256


# @dev Emitted when the admin changes the take bounds.
event TakeBoundsSet:
    min_take: uint256
    max_take: uint256


# @dev Emitted when the admin wires the registry.
event Wired:
    registry: address


@deploy
@payable
def __init__(token_: address, min_stake_: uint256, cooldown_: uint256):
    """
    @dev To omit the opcodes for checking the `msg.value` in the
         creation-time EVM bytecode, the constructor is `payable`.
    @notice The deployer receives `DEFAULT_ADMIN_ROLE`. The take bounds
            start at `[0, 10_000]`; the registry is set by `wire`.
    @param token_ The 20-byte address of the NOOS token.
    @param min_stake_ The 32-byte smallest non-zero stake per staker and hotkey.
    @param cooldown_ The 32-byte number of blocks between `unstake` and `withdraw`.
    """
    access_control.__init__()
    history.__init__()
    token = token_
    self.min_stake = min_stake_
    self.cooldown = cooldown_
    self.max_take = _BPS


@external
def wire(registry_: address):
    """
    @dev Sets the subnet registry, once.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function.
    @param registry_ The 20-byte address of the SubnetRegistry.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert self.registry == empty(address), "staking: already wired"
    assert registry_ != empty(address), "staking: zero address"
    self.registry = registry_
    log Wired(registry=registry_)


@external
def stake(netuid: uint16, hotkey: address, amount: uint256):
    """
    @dev Stakes `amount` NOOS of the caller to `hotkey` in subnet `netuid`.
    @notice `hotkey` must be registered on the subnet, the caller must
            have approved this contract for `amount`, and its resulting
            stake on the hotkey must be at least `min_stake`.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey address.
    @param amount The 32-byte amount of NOOS.
    """
    assert amount != 0, "staking: zero amount"
    assert staticcall IRegistry(self.registry).is_registered(netuid, hotkey), "staking: hotkey not registered"
    new_stake: uint256 = self.stake_by[netuid][hotkey][msg.sender] + amount
    assert new_stake >= self.min_stake, "staking: stake below minimum"
    self.stake_by[netuid][hotkey][msg.sender] = new_stake
    total: uint256 = 0
    _: uint256 = 0
    _, total = history._update(self._stake_trace(netuid, hotkey), self._clock(), amount, True)
    assert extcall IERC20(token).transferFrom(msg.sender, self, amount, default_return_value=True), "staking: transfer failed"
    log Staked(netuid=netuid, hotkey=hotkey, staker=msg.sender, amount=amount, stake=new_stake, hotkey_total=total)


@external
def unstake(netuid: uint16, hotkey: address, amount: uint256):
    """
    @dev Removes `amount` of the caller's stake from `hotkey` in subnet
         `netuid` and starts its cooldown.
    @notice The hotkey total drops in this block. The caller's remaining
            stake must be zero or at least `min_stake`. The amount joins
            the caller's pending withdrawal from this hotkey, whose
            release block becomes `block.number + cooldown`.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey address (registered or not).
    @param amount The 32-byte amount of NOOS.
    """
    assert amount != 0, "staking: zero amount"
    current: uint256 = self.stake_by[netuid][hotkey][msg.sender]
    assert amount <= current, "staking: amount exceeds stake"
    # `amount <= current`, hence no underflow.
    new_stake: uint256 = unsafe_sub(current, amount)
    assert new_stake == 0 or new_stake >= self.min_stake, "staking: stake below minimum"
    self.stake_by[netuid][hotkey][msg.sender] = new_stake
    total: uint256 = 0
    _: uint256 = 0
    _, total = history._update(self._stake_trace(netuid, hotkey), self._clock(), amount, False)

    pending_amount: uint256 = self.pending[netuid][hotkey][msg.sender].amount + amount
    release: uint256 = block.number + self.cooldown
    self.pending[netuid][hotkey][msg.sender] = Pending(amount=pending_amount, release_block=release)
    self.total_pending += amount
    log Unstaked(
        netuid=netuid,
        hotkey=hotkey,
        staker=msg.sender,
        amount=amount,
        stake=new_stake,
        hotkey_total=total,
        pending=pending_amount,
        release_block=release,
    )


@external
def withdraw(netuid: uint16, hotkey: address) -> uint256:
    """
    @dev Pays the caller's pending withdrawal from `hotkey` in subnet
         `netuid`, once its cooldown is over.
    @notice Reverts if nothing is pending or during the cooldown.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey address.
    @return uint256 The 32-byte amount paid.
    """
    entry: Pending = self.pending[netuid][hotkey][msg.sender]
    assert entry.amount != 0, "staking: nothing to withdraw"
    assert block.number >= entry.release_block, "staking: cooldown not over"
    self.pending[netuid][hotkey][msg.sender] = empty(Pending)
    self.total_pending -= entry.amount
    assert extcall IERC20(token).transfer(msg.sender, entry.amount, default_return_value=True), "staking: transfer failed"
    log Withdrawn(netuid=netuid, hotkey=hotkey, staker=msg.sender, amount=entry.amount)
    return entry.amount


@external
def set_take(hotkey: address, take: uint256):
    """
    @dev Sets the validator take of `hotkey` from this block on.
    @notice Only the hotkey's coldkey (`registry.coldkey_of`) can call
            this function, with `min_take <= take <= max_take`.
    @param hotkey The 20-byte hotkey address.
    @param take The 32-byte take in basis points.
    """
    assert msg.sender == staticcall IRegistry(self.registry).coldkey_of(hotkey), "staking: caller is not the coldkey"
    assert take >= self.min_take and take <= self.max_take, "staking: take out of bounds"
    trace: uint256 = self._take_trace(hotkey)
    stored: uint256 = history._latest(trace)
    # The stored value is `take + 1`, at most `10_001`.
    if take + 1 >= stored:
        history._update(trace, self._clock(), take + 1 - stored, True)
    else:
        history._update(trace, self._clock(), stored - take - 1, False)
    log TakeSet(hotkey=hotkey, coldkey=msg.sender, take=take)


@external
def set_min_stake(min_stake_: uint256):
    """
    @dev Sets the smallest non-zero stake per staker and hotkey.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function. Existing
            stakes below the new minimum stay as they are.
    @param min_stake_ The 32-byte minimum.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self.min_stake = min_stake_
    log MinStakeSet(min_stake=min_stake_)


@external
def set_cooldown(cooldown_: uint256):
    """
    @dev Sets the number of blocks between `unstake` and `withdraw`.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function. Pending
            withdrawals keep their release block.
    @param cooldown_ The 32-byte number of blocks, at most `2**32`.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert cooldown_ <= 2**32, "staking: cooldown too long"
    self.cooldown = cooldown_
    log CooldownSet(cooldown=cooldown_)


@external
def set_take_bounds(min_take_: uint256, max_take_: uint256):
    """
    @dev Sets the bounds of the take a coldkey can set.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function. Takes set
            before keep their value.
    @param min_take_ The 32-byte lowest take in basis points.
    @param max_take_ The 32-byte highest take in basis points, at most `10_000`.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert min_take_ <= max_take_ and max_take_ <= _BPS, "staking: bad take bounds"
    self.min_take = min_take_
    self.max_take = max_take_
    log TakeBoundsSet(min_take=min_take_, max_take=max_take_)


@external
@view
def stake_of(netuid: uint16, hotkey: address) -> uint256:
    """
    @dev Returns the current total stake of `hotkey` in subnet `netuid`.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey address.
    @return uint256 The 32-byte total stake.
    """
    return history._latest(self._stake_trace(netuid, hotkey))


@external
@view
def stake_at(netuid: uint16, hotkey: address, block_number: uint256) -> uint256:
    """
    @dev Returns the total stake of `hotkey` in subnet `netuid` at the
         end of block `block_number`.
    @notice Reverts unless `block_number` is lower than the current block.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey address.
    @param block_number The 32-byte past block number.
    @return uint256 The 32-byte total stake.
    """
    return history._upper_lookup_recent(self._stake_trace(netuid, hotkey), self._past(block_number))


@external
@view
def take_of(hotkey: address) -> uint256:
    """
    @dev Returns the current validator take of `hotkey`.
    @param hotkey The 20-byte hotkey address.
    @return uint256 The take in basis points.
    """
    return self._take(history._latest(self._take_trace(hotkey)))


@external
@view
def take_at(hotkey: address, block_number: uint256) -> uint256:
    """
    @dev Returns the validator take of `hotkey` at the end of block `block_number`.
    @notice Reverts unless `block_number` is lower than the current block.
    @param hotkey The 20-byte hotkey address.
    @param block_number The 32-byte past block number.
    @return uint256 The take in basis points.
    """
    return self._take(history._upper_lookup_recent(self._take_trace(hotkey), self._past(block_number)))


@internal
@view
def _clock() -> uint48:
    """
    @dev Returns the current block number as a checkpoint key.
    @return uint48 The current block number.
    """
    return convert(block.number, uint48)


@internal
@view
def _past(block_number: uint256) -> uint48:
    """
    @dev Checks that `block_number` is in the past.
    @param block_number The 32-byte block number.
    @return uint48 The block number as a checkpoint key.
    """
    assert block_number < block.number, "staking: future lookup"
    # `block_number < block.number`, which fits in 48 bits.
    return convert(block_number, uint48)


@internal
@pure
def _stake_trace(netuid: uint16, hotkey: address) -> uint256:
    """
    @dev Returns the history identifier of the total of `(netuid, hotkey)`.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey address.
    @return uint256 `netuid << 160 | hotkey`.
    """
    return (convert(netuid, uint256) << 160) | convert(hotkey, uint256)


@internal
@pure
def _take_trace(hotkey: address) -> uint256:
    """
    @dev Returns the history identifier of the take of `hotkey`.
    @param hotkey The 20-byte hotkey address.
    @return uint256 `2**176 | hotkey`.
    """
    return _TAKE_TRACE | convert(hotkey, uint256)


@internal
@pure
def _take(stored: uint256) -> uint256:
    """
    @dev Decodes a stored take (`take + 1`, or `0` for the default).
    @param stored The 32-byte stored value.
    @return uint256 The take in basis points.
    """
    if stored == 0:
        return DEFAULT_TAKE
    # `stored != 0`, hence no underflow.
    return unsafe_sub(stored, 1)
