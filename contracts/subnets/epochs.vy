# pragma version ~=0.4.3
"""
@title EpochSettlement: Attestation, Finalization, Voids and Claims
@custom:contract-name epochs
@license GNU Affero General Public License v3.0 only
@notice Settles the result of each subnet epoch (DESIGN §5,
        `docs/subnets-protocol.md`). The result of epoch `e` is two
        hashes: `payouts_root`, an OpenZeppelin standard Merkle tree over
        `(uint16 netuid, uint64 epoch, address account, uint256 amount)`
        leaves, and `aux_hash = keccak256(abi.encode(emission_root,
        prune_root, permits_hash, bonds_digest))`.

        - `attest`: a permit holder of epoch `e` (the caller is the
          hotkey) attests a result once epoch `e + reveal_period` has
          ended and within `attest_window` blocks after; its stake at the
          epoch block `start(e)` adds to the result's tally.
        - `finalize`: anyone, once a result's tally is at least 2/3 of
          `registry.permitted_stake(netuid, e)`; mints the epoch's
          emission from the Emitter to this contract.
        - `void`: `DEFAULT_ADMIN_ROLE` (the DAO's timelock) within
          `challenge_window` blocks after finalization, or later while
          the subnet is paused if the window was still open when the
          pause began, with the digest of the CID of the reason; the
          minted emission is burnt.
        - `claim`: anyone, after the challenge window and while the
          subnet is not paused, pays a leaf's `amount` to its `account`
          once; the claims of an epoch never exceed its minted emission.
        - `pause`: `GUARDIAN_ROLE` (or `DEFAULT_ADMIN_ROLE`) stops the
          claims of a subnet for at most `max_pause` seconds, so that
          the DAO has time to vote on a void. A guardian cannot extend
          a pause beyond `max_pause` after its start, and can start a
          new one only once the subnet has been unpaused for
          `max_pause` seconds; only `DEFAULT_ADMIN_ROLE` can `unpause`
          or extend a pause further. The DAO replaces the guardian with
          `grantRole`/`revokeRole` of `GUARDIAN_ROLE`.
@dev The state of a finalized epoch is one word: the unclaimed amount
     (low 160 bits), the first block of claims (48 bits at `160`), a
     finalized flag (bit `254`) and a voided flag (bit `255`). Claims
     subtract from the low bits only, as they never exceed them. The
     registry and both windows share one word too (`_config`), which
     `attest` and `finalize` read once. The pause of a subnet is one
     word (`_pause`), which `claim` reads once: the end of the pause
     (low 64 bits, a timestamp), its start (64 bits at `64`, a
     timestamp) and the block it started in (64 bits at `128`).
"""


# @dev We import and implement the `IEpochs` interface.
from .interfaces import IEpochs
implements: IEpochs


# @dev We import the interfaces of the other subnet contracts.
from .interfaces import IRegistry
from .interfaces import IRegistryAttest
from .interfaces import IStaking
from .interfaces import IEmitter


# @dev The token functions the settlement uses.
interface INoos:
    def transfer(to: address, amount: uint256) -> bool: nonpayable
    def burn(amount: uint256): nonpayable


# @dev We import and initialise the `access_control` module.
from snekmate.auth import access_control
initializes: access_control


# @dev We export all `external` functions of the `access_control` module.
exports: access_control.__interface__


# @dev We import the stateless `merkle_proof_verification` module.
from snekmate.utils import merkle_proof_verification


# @dev The role that can pause the claims of a subnet for a bounded time
# (and nothing else).
GUARDIAN_ROLE: public(constant(bytes32)) = keccak256("GUARDIAN_ROLE")


# @dev Returns the hard upper bound of `max_pause` in seconds (21 days).
MAX_PAUSE_CAP: public(constant(uint256)) = 21 * 86_400


# @dev The `max_pause` set at deployment in seconds (14 days): longer
# than the DAO's default proposal lifecycle (about 10 days).
_DEFAULT_MAX_PAUSE: constant(uint256) = 14 * 86_400


# @dev The layout of a subnet's pause word, see the `@dev` note above.
_TIME_MASK: constant(uint256) = 2**64 - 1
_PAUSE_START_SHIFT: constant(uint256) = 64
_PAUSE_BLOCK_SHIFT: constant(uint256) = 128


# @dev The longest Merkle proof accepted (a tree of up to 2**32 leaves).
_MAX_PROOF: constant(uint256) = 32


# @dev The layout of an epoch's state word, see the `@dev` note above.
_AMOUNT_MASK: constant(uint256) = 2**160 - 1
_CLAIM_FROM_SHIFT: constant(uint256) = 160
_BLOCK_MASK: constant(uint256) = 2**48 - 1
_FINALIZED: constant(uint256) = 1 << 254
_VOIDED: constant(uint256) = 1 << 255


# @dev Returns the NOOS token.
token: public(immutable(address))


# @dev The layout of `_config`: the registry (low 160 bits), the attest
# window (48 bits at `160`) and the challenge window (48 bits at `208`).
_ADDRESS_MASK: constant(uint256) = 2**160 - 1
_ATTEST_WINDOW_SHIFT: constant(uint256) = 160
_CHALLENGE_WINDOW_SHIFT: constant(uint256) = 208


# @dev The registry (set once by `wire`) and the windows, see above.
_config: uint256


# @dev Return the other wired contracts (set once by `wire`).
staking: public(address)
emitter: public(address)


# @dev Returns the attesting stake of each result, keyed by
# `keccak256(abi.encode(netuid, epoch, payouts_root, aux_hash))`.
tally: public(HashMap[bytes32, uint256])


# @dev The attestation bitmaps: bit `e % 256` of word `e // 256` of
# `(netuid, hotkey)` is set once `hotkey` attested epoch `e`. A validator
# attesting every epoch thus rewrites a non-zero word (5_000 gas instead
# of 22_100 for a fresh slot).
_attested: HashMap[uint16, HashMap[address, HashMap[uint64, uint256]]]


# @dev The claim bitmaps, laid out as `_attested` per `(netuid, account)`.
_claimed: HashMap[uint16, HashMap[address, HashMap[uint64, uint256]]]


# @dev Returns the payouts root of a finalized epoch.
payouts_root_of: public(HashMap[uint16, HashMap[uint64, bytes32]])


# @dev Returns the aux hash of a finalized epoch (also if voided).
aux_hash_of: public(HashMap[uint16, HashMap[uint64, bytes32]])


# @dev Returns the emission minted for a finalized epoch.
minted_of: public(HashMap[uint16, HashMap[uint64, uint256]])


# @dev The state word of each epoch, see the `@dev` note above.
_state: HashMap[uint16, HashMap[uint64, uint256]]


# @dev The pause word of each subnet, see the `@dev` note above.
_pause: HashMap[uint16, uint256]


# @dev Returns the longest pause in seconds (at most `MAX_PAUSE_CAP`).
max_pause: public(uint256)


# @dev Emitted when a permit holder attests a result.
event Attested:
    netuid: indexed(uint16)
    epoch: indexed(uint64)
    hotkey: indexed(address)
    payouts_root: bytes32
    aux_hash: bytes32
    emission_root: bytes32
    prune_root: bytes32
    permits_hash: bytes32
    bonds_digest: bytes32
    stake: uint256
    tally: uint256


# @dev Emitted when a result is finalized and its emission minted.
event Finalized:
    netuid: indexed(uint16)
    epoch: indexed(uint64)
    payouts_root: bytes32
    aux_hash: bytes32
    tally: uint256
    permitted_stake: uint256
    minted: uint256
    claimable_from: uint256


# @dev Emitted when the admin (the DAO) voids a finalized result.
event Voided:
    netuid: indexed(uint16)
    epoch: indexed(uint64)
    by: indexed(address)
    reason_cid: bytes32
    burned: uint256


# @dev Emitted when a payout is claimed.
event Claimed:
    netuid: indexed(uint16)
    epoch: indexed(uint64)
    account: indexed(address)
    amount: uint256


# @dev Emitted when the admin changes a window.
event WindowsSet:
    challenge_window: uint256
    attest_window: uint256


# @dev Emitted when a guardian (or the admin) pauses or extends the
# pause of a subnet's claims, up to timestamp `until` (exclusive).
event Paused:
    netuid: indexed(uint16)
    guardian: indexed(address)
    until: uint256


# @dev Emitted when the admin lifts the pause of a subnet.
event Unpaused:
    netuid: indexed(uint16)
    by: indexed(address)


# @dev Emitted when the admin changes the longest pause.
event MaxPauseSet:
    max_pause: uint256


# @dev Emitted when the admin wires the other contracts.
event Wired:
    registry: address
    staking: address
    emitter: address


@deploy
@payable
def __init__(token_: address, challenge_window_: uint256, attest_window_: uint256):
    """
    @dev To omit the opcodes for checking the `msg.value` in the
         creation-time EVM bytecode, the constructor is `payable`.
    @notice The deployer receives `DEFAULT_ADMIN_ROLE`; the other
            contracts are set by `wire`.
    @param token_ The 20-byte address of the NOOS token.
    @param challenge_window_ The 32-byte challenge window in blocks.
    @param attest_window_ The 32-byte attestation window in blocks.
    """
    access_control.__init__()
    token = token_
    self._set_windows(challenge_window_, attest_window_)
    self.max_pause = _DEFAULT_MAX_PAUSE
    log MaxPauseSet(max_pause=_DEFAULT_MAX_PAUSE)


@external
def wire(registry_: address, staking_: address, emitter_: address):
    """
    @dev Sets the registry, staking and emitter contracts, once.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function. This
            contract needs the emitter's `SETTLEMENT_ROLE`.
    @param registry_ The 20-byte address of the SubnetRegistry.
    @param staking_ The 20-byte address of Staking.
    @param emitter_ The 20-byte address of the Emitter.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    config: uint256 = self._config
    assert config & _ADDRESS_MASK == 0, "epochs: already wired"
    assert (
        registry_ != empty(address) and staking_ != empty(address) and emitter_ != empty(address)
    ), "epochs: zero address"
    self._config = config | convert(registry_, uint256)
    self.staking = staking_
    self.emitter = emitter_
    log Wired(registry=registry_, staking=staking_, emitter=emitter_)


@external
def set_windows(challenge_window_: uint256, attest_window_: uint256):
    """
    @dev Sets the challenge and attestation windows.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function. Finalized
            epochs keep the claim block fixed at their finalization.
    @param challenge_window_ The 32-byte challenge window in blocks.
    @param attest_window_ The 32-byte attestation window in blocks.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._set_windows(challenge_window_, attest_window_)


@external
def attest(
    netuid: uint16,
    epoch: uint64,
    payouts_root: bytes32,
    emission_root: bytes32,
    prune_root: bytes32,
    permits_hash: bytes32,
    bonds_digest: bytes32,
):
    """
    @dev Attests the result of epoch `epoch` of subnet `netuid`: adds
         the caller's stake at the epoch block to the result's tally.
    @notice The caller is a hotkey holding a permit in `epoch`; it can
            attest once per epoch, in the `attest_window` blocks after
            epoch `epoch + reveal_period` ended.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @param payouts_root The 32-byte Merkle root of the payouts.
    @param emission_root The 32-byte Merkle root of the UIDs' emission shares.
    @param prune_root The 32-byte Merkle root of the pruning order.
    @param permits_hash The 32-byte hash of the next permits' UIDs.
    @param bonds_digest The 32-byte sha2-256 digest of the bonds file's CIDv0.
    """
    slot: uint64 = epoch // 256
    bits: uint256 = self._attested[netuid][msg.sender][slot]
    bit: uint256 = self._bit(epoch)
    assert bits & bit == 0, "epochs: already attested"
    config: uint256 = self._config
    # One registry call: `epoch_start(epoch)`, `epoch_start(epoch +
    # reveal_period + 1)` and `holds_permit(epoch, msg.sender)`.
    start: uint256 = 0
    reveal_end: uint256 = 0
    permitted: bool = False
    start, reveal_end, permitted = staticcall IRegistryAttest(self._registry(config)).attest_context(
        netuid, epoch, msg.sender
    )
    assert block.number >= reveal_end, "epochs: reveal epoch not ended"
    assert block.number < reveal_end + self._attest_window(config), "epochs: attestation closed"
    assert permitted, "epochs: caller holds no permit"

    stake: uint256 = staticcall IStaking(self.staking).stake_at(netuid, msg.sender, start)
    aux_hash: bytes32 = self._aux_hash(emission_root, prune_root, permits_hash, bonds_digest)
    key: bytes32 = self._tally_key(netuid, epoch, payouts_root, aux_hash)
    total: uint256 = self.tally[key] + stake
    self.tally[key] = total
    self._attested[netuid][msg.sender][slot] = bits | bit
    log Attested(
        netuid=netuid,
        epoch=epoch,
        hotkey=msg.sender,
        payouts_root=payouts_root,
        aux_hash=aux_hash,
        emission_root=emission_root,
        prune_root=prune_root,
        permits_hash=permits_hash,
        bonds_digest=bonds_digest,
        stake=stake,
        tally=total,
    )


@external
def finalize(netuid: uint16, epoch: uint64, payouts_root: bytes32, aux_hash: bytes32) -> uint256:
    """
    @dev Finalizes the result `(payouts_root, aux_hash)` of epoch `epoch`
         of subnet `netuid` and mints the epoch's emission to this contract.
    @notice Anyone can call this function once the result's tally is
            non-zero and at least 2/3 of the epoch's permitted stake.
            The emission is that of blocks `[start(e), start(e + 1))`
            at the subnet's share at `start(e)` (Emitter's `mint_epoch`).
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @param payouts_root The 32-byte Merkle root of the payouts.
    @param aux_hash The 32-byte aux hash of the result.
    @return uint256 The 32-byte emission minted.
    """
    assert self._state[netuid][epoch] == 0, "epochs: already finalized"
    attesting: uint256 = self.tally[self._tally_key(netuid, epoch, payouts_root, aux_hash)]
    assert attesting != 0, "epochs: no attesting stake"
    config: uint256 = self._config
    registry_: IRegistry = IRegistry(self._registry(config))
    permitted: uint256 = staticcall registry_.permitted_stake(netuid, epoch)
    assert attesting * 3 >= permitted * 2, "epochs: attesting stake below 2/3"

    start: uint256 = staticcall registry_.epoch_start(netuid, epoch)
    end: uint256 = staticcall registry_.epoch_start(netuid, epoch + 1)
    minted: uint256 = extcall IEmitter(self.emitter).mint_epoch(netuid, epoch, start, end)
    # The token's supply is capped by 160 bits, hence `minted` fits.
    assert minted <= _AMOUNT_MASK, "epochs: emission overflows"
    claimable_from: uint256 = block.number + self._challenge_window(config)
    self._state[netuid][epoch] = _FINALIZED | (claimable_from << _CLAIM_FROM_SHIFT) | minted
    self.payouts_root_of[netuid][epoch] = payouts_root
    self.aux_hash_of[netuid][epoch] = aux_hash
    self.minted_of[netuid][epoch] = minted
    log Finalized(
        netuid=netuid,
        epoch=epoch,
        payouts_root=payouts_root,
        aux_hash=aux_hash,
        tally=attesting,
        permitted_stake=permitted,
        minted=minted,
        claimable_from=claimable_from,
    )
    return minted


@external
def void(netuid: uint16, epoch: uint64, reason_cid: bytes32):
    """
    @dev Voids the finalized result of epoch `epoch` of subnet `netuid`
         and burns its minted emission.
    @notice Only `DEFAULT_ADMIN_ROLE` (the DAO) can call this function,
            within the challenge window, or later while the subnet is
            paused by a pause that began within the window (the DAO's
            vote takes longer than the window). A voided epoch stays
            voided: it is never claimable and `final_aux` reports it
            as not final.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @param reason_cid The 32-byte sha2-256 digest of the CIDv0 of the
           document giving the reason (as `bonds_digest`).
    """
    assert access_control.hasRole[access_control.DEFAULT_ADMIN_ROLE][
        msg.sender
    ], "epochs: only the admin (the DAO) may void"
    word: uint256 = self._state[netuid][epoch]
    assert word & _FINALIZED != 0, "epochs: not finalized"
    assert word & _VOIDED == 0, "epochs: already voided"
    claimable_from: uint256 = self._claimable_from(word)
    if block.number >= claimable_from:
        paused: uint256 = self._pause[netuid]
        assert (
            block.timestamp < paused & _TIME_MASK and paused >> _PAUSE_BLOCK_SHIFT < claimable_from
        ), "epochs: challenge window over"

    burned: uint256 = word & _AMOUNT_MASK
    self._state[netuid][epoch] = (word | _VOIDED) & ~_AMOUNT_MASK
    if burned != 0:
        extcall INoos(token).burn(burned)
    log Voided(netuid=netuid, epoch=epoch, by=msg.sender, reason_cid=reason_cid, burned=burned)


@external
def claim(
    netuid: uint16, epoch: uint64, account: address, amount: uint256, proof: DynArray[bytes32, _MAX_PROOF]
):
    """
    @dev Pays `amount` to `account` from the emission of epoch `epoch`
         of subnet `netuid`, given a Merkle proof of the leaf
         `(netuid, epoch, account, amount)` in the payouts root.
    @notice Anyone can call this function, after the challenge window
            of a finalized, not voided epoch, while the subnet is not
            paused; each account is paid once per epoch and the claims
            never exceed the minted emission.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @param account The 20-byte receiver of the payout.
    @param amount The 32-byte amount of the leaf.
    @param proof The sibling hashes from the leaf to the root.
    """
    word: uint256 = self._state[netuid][epoch]
    assert word & _FINALIZED != 0, "epochs: not finalized"
    assert word & _VOIDED == 0, "epochs: epoch voided"
    assert block.number >= self._claimable_from(word), "epochs: challenge window open"
    assert block.timestamp >= self._pause[netuid] & _TIME_MASK, "epochs: subnet paused"
    bits: uint256 = self._claimed[netuid][account][epoch // 256]
    bit: uint256 = self._bit(epoch)
    assert bits & bit == 0, "epochs: double claim"
    leaf: bytes32 = keccak256(keccak256(abi_encode(netuid, epoch, account, amount)))
    assert merkle_proof_verification._verify(
        proof, self.payouts_root_of[netuid][epoch], leaf
    ), "epochs: invalid proof"
    assert amount <= word & _AMOUNT_MASK, "epochs: claims exceed emission"

    self._claimed[netuid][account][epoch // 256] = bits | bit
    # `amount` is at most the low 160 bits, so only they change.
    self._state[netuid][epoch] = unsafe_sub(word, amount)
    assert extcall INoos(token).transfer(account, amount, default_return_value=True), "epochs: transfer failed"
    log Claimed(netuid=netuid, epoch=epoch, account=account, amount=amount)


@external
def pause(netuid: uint16, duration: uint256):
    """
    @dev Stops the claims of subnet `netuid` until `block.timestamp +
         duration` (exclusive), or extends a running pause to then.
    @notice Only `GUARDIAN_ROLE` or `DEFAULT_ADMIN_ROLE` can call this
            function, with `0 < duration <= max_pause`. A pause never
            shortens a running one. A guardian cannot extend a pause
            beyond `max_pause` seconds after it started, and can start
            a new pause only `max_pause` seconds after the last one
            ended; the admin (the DAO) is bound by neither.
    @param netuid The 2-byte subnet identifier.
    @param duration The 32-byte duration of the pause in seconds.
    """
    is_admin: bool = access_control.hasRole[access_control.DEFAULT_ADMIN_ROLE][msg.sender]
    assert is_admin or access_control.hasRole[GUARDIAN_ROLE][msg.sender], "epochs: caller is not a guardian"
    longest: uint256 = self.max_pause
    assert duration != 0, "epochs: zero pause duration"
    assert duration <= longest, "epochs: pause longer than max_pause"
    assert staticcall IRegistry(self._registry(self._config)).subnet_exists(netuid), "epochs: unknown subnet"

    word: uint256 = self._pause[netuid]
    until: uint256 = word & _TIME_MASK
    new_until: uint256 = block.timestamp + duration
    if block.timestamp < until:
        # A running pause: extended, never shortened, from the same start.
        if not is_admin:
            started: uint256 = (word >> _PAUSE_START_SHIFT) & _TIME_MASK
            assert new_until <= started + longest, "epochs: pause would exceed max_pause"
        new_until = max(new_until, until)
        self._pause[netuid] = (word & ~_TIME_MASK) | new_until
    else:
        assert is_admin or block.timestamp >= until + longest, "epochs: guardian cooldown not over"
        self._pause[netuid] = (
            new_until | (block.timestamp << _PAUSE_START_SHIFT) | (block.number << _PAUSE_BLOCK_SHIFT)
        )
    log Paused(netuid=netuid, guardian=msg.sender, until=new_until)


@external
def unpause(netuid: uint16):
    """
    @dev Lifts the pause of subnet `netuid`: its claims resume now.
    @notice Only `DEFAULT_ADMIN_ROLE` (the DAO) can call this function
            (a guardian could otherwise release a result the DAO froze
            to void it). A guardian's cooldown runs from now.
    @param netuid The 2-byte subnet identifier.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    word: uint256 = self._pause[netuid]
    assert block.timestamp < word & _TIME_MASK, "epochs: subnet not paused"
    self._pause[netuid] = (word & ~_TIME_MASK) | block.timestamp
    log Unpaused(netuid=netuid, by=msg.sender)


@external
def set_max_pause(max_pause_: uint256):
    """
    @dev Sets the longest pause (and the guardian's cooldown).
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function, with
            `0 < max_pause_ <= MAX_PAUSE_CAP`. Running pauses keep
            their end.
    @param max_pause_ The 32-byte longest pause in seconds.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert max_pause_ != 0 and max_pause_ <= MAX_PAUSE_CAP, "epochs: max_pause out of range"
    self.max_pause = max_pause_
    log MaxPauseSet(max_pause=max_pause_)


@external
@view
def paused_until(netuid: uint16) -> uint256:
    """
    @dev Returns the end of the pause of subnet `netuid`.
    @param netuid The 2-byte subnet identifier.
    @return uint256 The timestamp from which claims resume, or zero
            when the subnet is not paused.
    """
    until: uint256 = self._pause[netuid] & _TIME_MASK
    if block.timestamp < until:
        return until
    return 0


@external
@view
def pause_state(netuid: uint16) -> (uint256, uint256, uint256, uint256):
    """
    @dev Returns the last pause of subnet `netuid` (zeros if never).
    @param netuid The 2-byte subnet identifier.
    @return uint256 Its end (a timestamp, in the past once over).
    @return uint256 Its start (a timestamp).
    @return uint256 The block it started in.
    @return uint256 The timestamp from which a guardian may start a
            new pause (`end + max_pause`).
    """
    word: uint256 = self._pause[netuid]
    until: uint256 = word & _TIME_MASK
    return until, (word >> _PAUSE_START_SHIFT) & _TIME_MASK, word >> _PAUSE_BLOCK_SHIFT, until + self.max_pause


@external
@view
def registry() -> address:
    """
    @dev Returns the SubnetRegistry (set once by `wire`).
    @return address The 20-byte registry address.
    """
    return self._registry(self._config)


@external
@view
def challenge_window() -> uint256:
    """
    @dev Returns the number of blocks, after finalization, during which
         a result can be voided and cannot be claimed.
    @return uint256 The 32-byte challenge window in blocks.
    """
    return self._challenge_window(self._config)


@external
@view
def attest_window() -> uint256:
    """
    @dev Returns the number of blocks, after the reveal epoch ended,
         during which permit holders can attest.
    @return uint256 The 32-byte attestation window in blocks.
    """
    return self._attest_window(self._config)


@external
@view
def final_aux(netuid: uint16, epoch: uint64) -> (bool, bytes32):
    """
    @dev Returns whether the result of epoch `epoch` of subnet `netuid`
         is finalized and not voided, and its aux hash.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @return bool Whether the result is final.
    @return bytes32 Its aux hash, or zero when not final.
    """
    word: uint256 = self._state[netuid][epoch]
    if word & _FINALIZED == 0 or word & _VOIDED != 0:
        return False, empty(bytes32)
    return True, self.aux_hash_of[netuid][epoch]


@external
@view
def status(netuid: uint16, epoch: uint64) -> (bool, bool, uint256, uint256):
    """
    @dev Returns the settlement state of epoch `epoch` of subnet `netuid`.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @return bool Whether a result was finalized.
    @return bool Whether it was voided.
    @return uint256 The first block of claims (zero if not finalized).
    @return uint256 The emission not claimed yet (zero if voided).
    """
    word: uint256 = self._state[netuid][epoch]
    return word & _FINALIZED != 0, word & _VOIDED != 0, self._claimable_from(word), word & _AMOUNT_MASK


@external
@view
def has_attested(netuid: uint16, epoch: uint64, hotkey: address) -> bool:
    """
    @dev Returns whether `hotkey` attested epoch `epoch` of subnet `netuid`.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @param hotkey The 20-byte hotkey address.
    @return bool Whether it attested.
    """
    return self._attested[netuid][hotkey][epoch // 256] & self._bit(epoch) != 0


@external
@view
def claimed(netuid: uint16, epoch: uint64, account: address) -> bool:
    """
    @dev Returns whether the payout of `account` for epoch `epoch` of
         subnet `netuid` was claimed.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @param account The 20-byte account.
    @return bool Whether it was claimed.
    """
    return self._claimed[netuid][account][epoch // 256] & self._bit(epoch) != 0


@external
@view
def tally_of(netuid: uint16, epoch: uint64, payouts_root: bytes32, aux_hash: bytes32) -> uint256:
    """
    @dev Returns the attesting stake of a result.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @param payouts_root The 32-byte Merkle root of the payouts.
    @param aux_hash The 32-byte aux hash of the result.
    @return uint256 The 32-byte attesting stake.
    """
    return self.tally[self._tally_key(netuid, epoch, payouts_root, aux_hash)]


@external
@pure
def aux_hash(emission_root: bytes32, prune_root: bytes32, permits_hash: bytes32, bonds_digest: bytes32) -> bytes32:
    """
    @dev Returns `keccak256(abi.encode(emission_root, prune_root,
         permits_hash, bonds_digest))`.
    @param emission_root The 32-byte Merkle root of the UIDs' emission shares.
    @param prune_root The 32-byte Merkle root of the pruning order.
    @param permits_hash The 32-byte hash of the next permits' UIDs.
    @param bonds_digest The 32-byte sha2-256 digest of the bonds file's CIDv0.
    @return bytes32 The aux hash.
    """
    return self._aux_hash(emission_root, prune_root, permits_hash, bonds_digest)


@internal
def _set_windows(challenge_window_: uint256, attest_window_: uint256):
    """
    @dev Sets the challenge and attestation windows.
    @param challenge_window_ The 32-byte challenge window, at most `2**32` blocks.
    @param attest_window_ The 32-byte attestation window, non-zero and at most `2**32` blocks.
    """
    assert challenge_window_ <= 2**32 and attest_window_ <= 2**32, "epochs: window too long"
    assert attest_window_ != 0, "epochs: zero attest window"
    self._config = (
        (self._config & _ADDRESS_MASK)
        | (attest_window_ << _ATTEST_WINDOW_SHIFT)
        | (challenge_window_ << _CHALLENGE_WINDOW_SHIFT)
    )
    log WindowsSet(challenge_window=challenge_window_, attest_window=attest_window_)


@internal
@pure
def _bit(epoch: uint64) -> uint256:
    """
    @dev Returns the bit of epoch `epoch` in its bitmap word.
    @param epoch The 8-byte epoch number.
    @return uint256 `1 << (epoch % 256)`.
    """
    return 1 << convert(epoch % 256, uint256)


@internal
@pure
def _registry(config: uint256) -> address:
    """
    @dev Returns the registry stored in a `_config` word.
    @param config The 32-byte `_config` word.
    @return address The 20-byte registry (zero before `wire`).
    """
    return convert(convert(config & _ADDRESS_MASK, uint160), address)


@internal
@pure
def _attest_window(config: uint256) -> uint256:
    """
    @dev Returns the attestation window stored in a `_config` word.
    @param config The 32-byte `_config` word.
    @return uint256 The window in blocks.
    """
    return (config >> _ATTEST_WINDOW_SHIFT) & _BLOCK_MASK


@internal
@pure
def _challenge_window(config: uint256) -> uint256:
    """
    @dev Returns the challenge window stored in a `_config` word.
    @param config The 32-byte `_config` word.
    @return uint256 The window in blocks.
    """
    return config >> _CHALLENGE_WINDOW_SHIFT


@internal
@pure
def _claimable_from(word: uint256) -> uint256:
    """
    @dev Returns the first block of claims stored in a state word.
    @param word The 32-byte state word.
    @return uint256 The block number.
    """
    return (word >> _CLAIM_FROM_SHIFT) & _BLOCK_MASK


@internal
@pure
def _aux_hash(emission_root: bytes32, prune_root: bytes32, permits_hash: bytes32, bonds_digest: bytes32) -> bytes32:
    """
    @dev Returns the aux hash of a result's auxiliary commitments.
    @param emission_root The 32-byte Merkle root of the UIDs' emission shares.
    @param prune_root The 32-byte Merkle root of the pruning order.
    @param permits_hash The 32-byte hash of the next permits' UIDs.
    @param bonds_digest The 32-byte digest of the bonds file's CIDv0.
    @return bytes32 The aux hash.
    """
    return keccak256(abi_encode(emission_root, prune_root, permits_hash, bonds_digest))


@internal
@pure
def _tally_key(netuid: uint16, epoch: uint64, payouts_root: bytes32, aux_hash: bytes32) -> bytes32:
    """
    @dev Returns the key of a result's tally.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch number.
    @param payouts_root The 32-byte Merkle root of the payouts.
    @param aux_hash The 32-byte aux hash of the result.
    @return bytes32 `keccak256(abi.encode(netuid, epoch, payouts_root, aux_hash))`.
    """
    return keccak256(abi_encode(netuid, epoch, payouts_root, aux_hash))
