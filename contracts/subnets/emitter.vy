# pragma version ~=0.4.3
"""
@title Emitter: the NOOS Emission Schedule and the Subnets' Shares
@custom:contract-name emitter
@license GNU Affero General Public License v3.0 only
@notice Emits NOOS at a fixed rate per block that halves every
        `halving_interval` blocks, so that the whole schedule never
        exceeds the token's cap. The budget is `cap - totalSupply` at
        deployment; blocks `[start_block + k·H, start_block + (k+1)·H)`
        emit `initial_rate >> k` each, with
        `initial_rate = budget // (2·H)`, hence the schedule sums to at
        most `2·H·initial_rate <= budget`.

        Each subnet receives a share of the emission in basis points
        (`set_share`, by `DEFAULT_ADMIN_ROLE`: the deployer now, the DAO's
        timelock later); the current shares sum to at most `10_000`, and
        every change is checkpointed so that `share_at(netuid, block)` is
        exact. The settlement contract (`SETTLEMENT_ROLE`) mints an
        epoch's emission, `emission(from, to) * share_at(netuid, from)
        // 10_000`, once per `(netuid, epoch)` with `mint_epoch`.

        The emitter must be a minter of the token (`noos.set_minter`).
        See `docs/subnets-protocol.md`.
@dev `emission` is a closed form: the emission of the first `t` blocks
     is `H·S(k) + r·(R >> k)` with `k = t // H`, `r = t % H`, `R` the
     initial rate and `S(k) = Σ_{i<k} (R >> i)`, and
     `S(k) = 2·R - 2·(R >> k) - popcount(R mod 2**k)` (each bit `j` of
     `R` contributes `2**(j+1) - 1` if `j < k`, else `2**(j+1) - 2**(j-k+1)`).
"""


# @dev We import and implement the `IEmitter` interface.
from .interfaces import IEmitter
implements: IEmitter


# @dev The token functions the emitter uses.
interface INoos:
    def cap() -> uint256: view
    def totalSupply() -> uint256: view
    def mint(to: address, amount: uint256): nonpayable


# @dev We import and initialise the `access_control` module.
from snekmate.auth import access_control
initializes: access_control


# @dev We export (i.e. the runtime bytecode exposes these
# functions externally, allowing them to be called using
# the ABI encoding specification) all `external` functions
# from the `access_control` module.
exports: access_control.__interface__


# @dev We import and initialise the `checkpoints` module,
# which holds the share history of every subnet.
from ..lib import checkpoints
initializes: checkpoints


# @dev The role of the settlement contract, the only caller of `mint_epoch`.
SETTLEMENT_ROLE: public(constant(bytes32)) = keccak256("SETTLEMENT_ROLE")


# @dev The denominator of shares: `10_000` basis points are the whole emission.
BPS: public(constant(uint256)) = 10_000


# @dev A rate above `2**160` is impossible (the cap fits in 160 bits),
# so after 160 halvings the rate is zero.
_MAX_HALVINGS: constant(uint256) = 160


# @dev The SWAR masks of a 256-bit population count.
_M1: constant(uint256) = max_value(uint256) // 3  # 0x5555...
_M2: constant(uint256) = max_value(uint256) // 5  # 0x3333...
_M4: constant(uint256) = max_value(uint256) // 17  # 0x0F0F...
_H01: constant(uint256) = max_value(uint256) // 255  # 0x0101...


# @dev Returns the token.
token: public(immutable(address))


# @dev Returns the total amount the schedule may mint (`cap - totalSupply`
# at deployment).
budget: public(immutable(uint256))


# @dev Returns the number of blocks between halvings.
halving_interval: public(immutable(uint256))


# @dev Returns the emission per block before the first halving.
initial_rate: public(immutable(uint256))


# @dev Returns the first block of the schedule (the deployment block).
start_block: public(immutable(uint256))


# @dev Returns the current sum of the subnets' shares (at most `10_000`).
total_share: public(uint256)


# @dev Returns the total amount minted by `mint_epoch` so far.
minted: public(uint256)


# @dev Returns the amount minted for `(netuid, epoch)`, if any.
minted_for: public(HashMap[uint16, HashMap[uint64, uint256]])


# @dev Returns whether `(netuid, epoch)` was minted.
is_minted: public(HashMap[uint16, HashMap[uint64, bool]])


# @dev Emitted when the share of a subnet changes.
event ShareSet:
    netuid: indexed(uint16)
    previous_share: uint256
    new_share: uint256
    total_share: uint256


# @dev Emitted when an epoch's emission is minted to the settlement contract.
event EpochMinted:
    netuid: indexed(uint16)
    epoch: indexed(uint64)
    receiver: indexed(address)
    from_block: uint256
    to_block: uint256
    amount: uint256


@deploy
@payable
def __init__(token_: address, halving_interval_: uint256):
    """
    @dev Fixes the schedule from the token's cap and current supply.
         To omit the opcodes for checking the `msg.value` in the
         creation-time EVM bytecode, the constructor is `payable`.
    @notice The deployer receives `DEFAULT_ADMIN_ROLE`. The schedule
            starts at the deployment block.
    @param token_ The 20-byte address of the NOOS token.
    @param halving_interval_ The 32-byte number of blocks between
           halvings; non-zero and below `2**48`.
    """
    assert halving_interval_ != 0, "emitter: zero halving interval"
    assert halving_interval_ < 2**48, "emitter: halving interval too long"
    access_control.__init__()
    checkpoints.__init__()

    token = token_
    budget = staticcall INoos(token_).cap() - staticcall INoos(token_).totalSupply()
    halving_interval = halving_interval_
    initial_rate = budget // (2 * halving_interval_)
    start_block = block.number


@external
@view
def emission(from_block: uint256, to_block: uint256) -> uint256:
    """
    @dev Returns the emission of blocks `[from_block, to_block)`.
    @notice Blocks before `start_block` emit nothing. Reverts if
            `from_block > to_block`.
    @param from_block The 32-byte first block.
    @param to_block The 32-byte block after the last one.
    @return uint256 The 32-byte emission of the range.
    """
    assert from_block <= to_block, "emitter: bad block range"
    return self._cumulative(to_block) - self._cumulative(from_block)


@external
@view
def rate_at(block_number: uint256) -> uint256:
    """
    @dev Returns the emission of block `block_number`.
    @param block_number The 32-byte block number.
    @return uint256 The 32-byte emission of that block.
    """
    if block_number < start_block:
        return 0
    return initial_rate >> ((block_number - start_block) // halving_interval)


@external
@view
def share_at(netuid: uint16, block_number: uint256) -> uint256:
    """
    @dev Returns the share of subnet `netuid`, in basis points, at the
         end of block `block_number`.
    @notice Reverts unless `block_number` is lower than the current block.
    @param netuid The 2-byte subnet identifier.
    @param block_number The 32-byte past block number.
    @return uint256 The share in basis points.
    """
    assert block_number < block.number, "emitter: future lookup"
    # `block_number < block.number`, which fits in 48 bits.
    return checkpoints._upper_lookup_recent(convert(netuid, uint256), convert(block_number, uint48))


@external
@view
def share_of(netuid: uint16) -> uint256:
    """
    @dev Returns the current share of subnet `netuid`, in basis points.
    @param netuid The 2-byte subnet identifier.
    @return uint256 The share in basis points.
    """
    return checkpoints._latest(convert(netuid, uint256))


@external
def set_share(netuid: uint16, share: uint256):
    """
    @dev Sets the share of subnet `netuid` from this block on.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function; the sum
            of all current shares must stay at most `10_000`. The
            emitter does not check that the subnet exists: a share of a
            subnet that does not exist is never minted.
    @param netuid The 2-byte subnet identifier.
    @param share The 32-byte share in basis points.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    trace: uint256 = convert(netuid, uint256)
    previous: uint256 = checkpoints._latest(trace)
    total: uint256 = self.total_share - previous + share
    assert total <= BPS, "emitter: shares exceed 10_000 bps"
    self.total_share = total
    if share >= previous:
        checkpoints._update(trace, convert(block.number, uint48), share - previous, True)
    else:
        checkpoints._update(trace, convert(block.number, uint48), previous - share, False)
    log ShareSet(netuid=netuid, previous_share=previous, new_share=share, total_share=total)


@external
def mint_epoch(netuid: uint16, epoch: uint64, from_block: uint256, to_block: uint256) -> uint256:
    """
    @dev Mints the emission of subnet `netuid` for blocks
         `[from_block, to_block)` of epoch `epoch` to the caller:
         `emission(from_block, to_block) * share_at(netuid, from_block) // 10_000`.
    @notice Only `SETTLEMENT_ROLE` can call this function, once per
            `(netuid, epoch)`; the range must be in the past and not
            empty. The total minted never exceeds `budget`.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @param from_block The 32-byte first block of the epoch.
    @param to_block The 32-byte first block after the epoch.
    @return uint256 The 32-byte amount minted (possibly zero).
    """
    access_control._check_role(SETTLEMENT_ROLE, msg.sender)
    assert not self.is_minted[netuid][epoch], "emitter: epoch already minted"
    assert from_block < to_block, "emitter: bad block range"
    assert to_block <= block.number, "emitter: future block range"
    self.is_minted[netuid][epoch] = True

    # `from_block < to_block <= block.number`, which fits in 48 bits.
    share: uint256 = checkpoints._upper_lookup_recent(convert(netuid, uint256), convert(from_block, uint48))
    amount: uint256 = (self._cumulative(to_block) - self._cumulative(from_block)) * share // BPS
    if amount != 0:
        total: uint256 = self.minted + amount
        assert total <= budget, "emitter: budget exceeded"
        self.minted = total
        self.minted_for[netuid][epoch] = amount
        extcall INoos(token).mint(msg.sender, amount)
    log EpochMinted(
        netuid=netuid, epoch=epoch, receiver=msg.sender, from_block=from_block, to_block=to_block, amount=amount
    )
    return amount


@internal
@view
def _cumulative(block_number: uint256) -> uint256:
    """
    @dev Returns the emission of blocks `[start_block, block_number)`.
    @param block_number The 32-byte block number.
    @return uint256 The 32-byte cumulative emission.
    """
    if block_number <= start_block:
        return 0
    # `block_number > start_block`, hence no underflow.
    elapsed: uint256 = unsafe_sub(block_number, start_block)
    halvings: uint256 = elapsed // halving_interval
    rest: uint256 = elapsed % halving_interval
    if halvings >= _MAX_HALVINGS:
        # The rate is zero from here on: the whole schedule is emitted.
        return halving_interval * (2 * initial_rate - self._popcount(initial_rate))
    # `halvings < 160`, hence `1 << halvings` does not overflow.
    low_bits: uint256 = initial_rate & ((1 << halvings) - 1)
    full: uint256 = 2 * initial_rate - 2 * (initial_rate >> halvings) - self._popcount(low_bits)
    return halving_interval * full + rest * (initial_rate >> halvings)


@internal
@pure
def _popcount(x: uint256) -> uint256:
    """
    @dev Returns the number of set bits of `x` (SWAR).
    @param x The 32-byte value.
    @return uint256 The number of set bits.
    """
    # The subtraction never underflows (a 2-bit field is at least its
    # upper bit). The multiplication wraps modulo 2**256 on purpose: its
    # top byte is the sum of all byte counts, which fits a byte since `x`
    # (an initial rate, below 2**160) has at most 160 set bits.
    y: uint256 = unsafe_sub(x, (x >> 1) & _M1)
    y = (y & _M2) + ((y >> 2) & _M2)
    y = (y + (y >> 4)) & _M4
    return unsafe_mul(y, _H01) >> 248
