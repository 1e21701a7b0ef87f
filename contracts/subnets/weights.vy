# pragma version ~=0.4.3
"""
@title Weights: validators' weight commit-reveal
@custom:contract-name weights
@license GNU Affero General Public License v3.0 only
@notice Implements the commit-reveal of `docs/subnets-protocol.md`:
        - `commit(netuid, commit_hash)` by a hotkey holding a validator
          permit in the current epoch `e`, where `commit_hash =
          keccak256(abi.encode(hotkey, netuid, e, packed, salt))`; one
          commitment per (netuid, hotkey), a new commit overwriting an
          unrevealed one;
        - `reveal(netuid, packed, salt)` exactly in epoch
          `e + reveal_period`: `packed` is big-endian `(uint16 uid,
          uint16 weight)` pairs, UIDs strictly ascending, below `n`, not
          the sender's own UID, at least one pair. The weights go to the
          `WeightsRevealed` event only; the commitment is cleared.

        The SubnetRegistry is fixed at deployment (it never calls this
        contract, so it is deployed first); there is no admin.
@dev A commitment is one word: `(epoch + 1) << 192 | commit_hash >> 64`,
     i.e. the hash's 192 high bits (finding two weight vectors with the
     same 192 high bits takes about 2**96 hashes).
"""


from .interfaces import IRegistry


# @dev The longest `packed`: 4 bytes per UID, 4_096 UIDs.
_MAX_PACKED: constant(uint256) = 16_384


# @dev The low 192 bits of a commitment (the hash's high bits).
_MASK192: constant(uint256) = 2**192 - 1


# @dev The SubnetRegistry.
registry: public(immutable(IRegistry))


# @dev The pending commitment of a hotkey on a subnet.
_commitments: HashMap[uint16, HashMap[address, uint256]]


event WeightsCommitted:
    netuid: indexed(uint16)
    epoch: indexed(uint64)
    hotkey: indexed(address)
    commit_hash: bytes32


event WeightsRevealed:
    netuid: indexed(uint16)
    commit_epoch: indexed(uint64)
    hotkey: indexed(address)
    uid: uint16
    packed: Bytes[_MAX_PACKED]


@deploy
@payable
def __init__(registry_: IRegistry):
    """
    @dev Deploys the contract for a SubnetRegistry. To omit the opcodes
         for checking the `msg.value` in the creation-time EVM bytecode,
         the constructor is `payable`.
    @param registry_ The 20-byte SubnetRegistry.
    """
    assert registry_.address != empty(address), "weights: registry is the zero address"
    registry = registry_


@external
def commit(netuid: uint16, commit_hash: bytes32):
    """
    @dev Commits the caller's weights for the current epoch `e`:
         `commit_hash = keccak256(abi.encode(hotkey, netuid, e, packed,
         salt))`, replacing any unrevealed commitment.
    @notice Only a hotkey holding a validator permit in the current epoch.
    @param netuid The 2-byte subnet identifier.
    @param commit_hash The 32-byte commitment.
    """
    epoch: uint64 = 0
    permitted: bool = False
    epoch, permitted = staticcall registry.permit_now(netuid, msg.sender)
    assert permitted, "weights: caller holds no permit"
    self._commitments[netuid][msg.sender] = ((convert(epoch, uint256) + 1) << 192) | (
        convert(commit_hash, uint256) >> 64
    )
    log WeightsCommitted(netuid=netuid, epoch=epoch, hotkey=msg.sender, commit_hash=commit_hash)


@external
def reveal(netuid: uint16, packed: Bytes[_MAX_PACKED], salt: bytes32):
    """
    @dev Reveals the weights committed in epoch `e`, exactly in epoch
         `e + reveal_period`, and clears the commitment.
    @notice `packed`: big-endian `(uint16 uid, uint16 weight)` pairs,
            UIDs strictly ascending, below `n`, not the caller's own UID,
            at least one pair.
    @param netuid The 2-byte subnet identifier.
    @param packed The packed weights.
    @param salt The 32-byte salt of the commitment.
    """
    commitment: uint256 = self._commitments[netuid][msg.sender]
    assert commitment != 0, "weights: no commitment"
    commit_epoch: uint64 = convert((commitment >> 192) - 1, uint64)
    registry_: IRegistry = registry
    current: uint64 = staticcall registry_.current_epoch(netuid)
    reveal_epoch: uint64 = commit_epoch + staticcall registry_.reveal_period(netuid)
    assert current >= reveal_epoch, "weights: reveal too early"
    assert current == reveal_epoch, "weights: reveal too late"
    # The encoding holds `packed` zero-padded to whole words from byte 192 on.
    encoded: Bytes[_MAX_PACKED + 192] = abi_encode(msg.sender, netuid, commit_epoch, packed, salt)
    assert convert(keccak256(encoded), uint256) >> 64 == commitment & _MASK192, "weights: commitment mismatch"

    length: uint256 = len(packed)
    assert length != 0 and length % 4 == 0, "weights: malformed weights"
    own: uint256 = convert(staticcall registry_.uid_of(netuid, msg.sender), uint256)
    next_min: uint256 = 0
    for w: uint256 in range(_MAX_PACKED // 32):
        # `offset < length <= _MAX_PACKED`: no overflow below.
        offset: uint256 = unsafe_mul(w, 32)
        if offset >= length:
            break
        word: uint256 = convert(extract32(encoded, unsafe_add(offset, 192)), uint256)
        count: uint256 = min(8, unsafe_sub(length, offset) >> 2)
        for j: uint256 in range(8):
            if j == count:
                break
            uid: uint256 = word >> 240
            word = word << 32
            if uid < next_min or uid == own:
                assert uid >= next_min, "weights: uids not strictly ascending"
                raise "weights: self-weight"
            # `uid < 2**16`: no overflow.
            next_min = unsafe_add(uid, 1)
    # Strictly ascending: every UID is below n iff the last one is.
    assert next_min <= convert(staticcall registry_.n(netuid), uint256), "weights: uid not below n"

    self._commitments[netuid][msg.sender] = 0
    log WeightsRevealed(netuid=netuid, commit_epoch=commit_epoch, hotkey=msg.sender, uid=convert(own, uint16), packed=packed)


@external
@view
def commitment_of(netuid: uint16, hotkey: address) -> (bool, uint64, bytes24):
    """
    @dev Returns the pending commitment of `hotkey` on a subnet.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey.
    @return bool Whether there is one.
    @return uint64 Its commit epoch.
    @return bytes24 The commit hash's 24 high bytes.
    """
    commitment: uint256 = self._commitments[netuid][hotkey]
    if commitment == 0:
        return False, 0, empty(bytes24)
    return True, convert((commitment >> 192) - 1, uint64), convert(convert(commitment << 64, bytes32), bytes24)
