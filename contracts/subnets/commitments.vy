# pragma version ~=0.4.3
"""
@title ModelCommitments: miners' on-chain model CIDs (submission mode)
@custom:contract-name commitments
@license GNU Affero General Public License v3.0 only
@notice In a subnet of the `submission` task mode, a miner commits the
        CID of its ONNX model here; validators fetch it by CID, check it
        and evaluate it (`docs/commitments.md`).
        - `commit_model(netuid, cid)` by a hotkey registered on `netuid`:
          `cid` is a binary CID naming a sha2-256 digest, either a CIDv0
          (34 bytes, `0x1220 || digest`) or a CIDv1 with the raw or
          dag-pb codec (36 bytes, `0x01 || codec || 0x1220 || digest`).
          It replaces the UID's previous commitment; at most one per UID
          every `commit_interval` epochs of the subnet.
        - A commitment belongs to the hotkey that made it: when the UID
          changes hands (pruned and re-registered, or a hotkey swap) the
          views report no commitment until the new hotkey commits.
        - The first committer of each digest on a subnet is kept for
          good, so validators can credit only the earliest committer of
          identical artifacts (copies earn no more than one original).

        Roles (snekmate's `access_control`): `DEFAULT_ADMIN_ROLE` (the
        deployer, later the DAO timelock) sets `commit_interval` within
        `[1, MAX_COMMIT_INTERVAL]`. The SubnetRegistry is fixed at
        deployment.
@dev A commitment is two words per (netuid, uid): the digest, and
     `hotkey | block << 160 | epoch << 200 | version_codec << 240`
     (block and epoch in 40 bits: 2**40 blocks outlast any chain).
     `version_codec` is `version << 8 | codec`: `0x0070` (CIDv0),
     `0x0155` (CIDv1 raw) or `0x0170` (CIDv1 dag-pb). The first
     committer of a digest is one word: `uid | hotkey << 16 | block << 176`.
"""


# @dev We import and initialise the `access_control` module.
from snekmate.auth import access_control
initializes: access_control


# @dev We export all `external` functions of the `access_control` module.
exports: access_control.__interface__


# @dev The SubnetRegistry views this contract uses (declared here, not
# imported, so that it does not depend on the registry's interface file).
interface IRegistryView:
    def uid_of(netuid: uint16, hotkey: address) -> uint16: view
    def hotkey_of(netuid: uint16, uid: uint16) -> address: view
    def block_at_registration(netuid: uint16, uid: uint16) -> uint256: view
    def current_epoch(netuid: uint16) -> uint64: view


# @dev A commitment as the batch view returns it.
struct Commitment:
    digest: bytes32
    version_codec: uint16
    block: uint256
    hotkey: address
    first: bool


# @dev The longest binary CID accepted by the ABI decoder (a longer one is
# refused with a clear reason below, up to this size).
_MAX_CID: constant(uint256) = 64


# @dev The most UIDs one call of `commitments` reads.
_MAX_BATCH: constant(uint256) = 256


# @dev The largest `commit_interval` the admin may set, in epochs.
MAX_COMMIT_INTERVAL: public(constant(uint64)) = 1_000


# @dev The multicodec codes of the two accepted codecs.
_RAW: constant(uint256) = 85  # 0x55
_DAG_PB: constant(uint256) = 112  # 0x70


# @dev The version byte of a CIDv1 in `version_codec`.
_CIDV1: constant(uint256) = 1 << 8


# @dev The multihash prefix of a sha2-256 digest: code 0x12, 32 bytes.
_SHA2_256: constant(uint256) = 4_640  # 0x1220


# @dev Layout of the packed words, see the `@dev` note above.
_MASK8: constant(uint256) = 2**8 - 1
_MASK16: constant(uint256) = 2**16 - 1
_MASK40: constant(uint256) = 2**40 - 1
_MASK160: constant(uint256) = 2**160 - 1
_BLOCK_SHIFT: constant(uint256) = 160
_EPOCH_SHIFT: constant(uint256) = 200
_CODEC_SHIFT: constant(uint256) = 240
_FIRST_HOTKEY_SHIFT: constant(uint256) = 16
_FIRST_BLOCK_SHIFT: constant(uint256) = 176
_FIRST_WHO: constant(uint256) = 2**176 - 1


# @dev The SubnetRegistry.
registry: public(immutable(IRegistryView))


# @dev Returns the number of epochs of the subnet a UID waits between two
# commitments (1: one commitment per epoch).
commit_interval: public(uint64)


# @dev The committed digest of each (netuid, uid).
_digests: HashMap[uint16, HashMap[uint16, bytes32]]


# @dev The rest of each (netuid, uid)'s commitment, packed (see above).
_meta: HashMap[uint16, HashMap[uint16, uint256]]


# @dev The first committer of each digest on each subnet, packed.
_first: HashMap[uint16, HashMap[bytes32, uint256]]


# @dev Emitted when a hotkey commits a model.
event ModelCommitted:
    netuid: indexed(uint16)
    uid: uint16
    hotkey: indexed(address)
    digest: bytes32
    version_codec: uint16
    block: uint256


# @dev Emitted when the admin changes the commit interval.
event CommitIntervalSet:
    commit_interval: uint64


@deploy
@payable
def __init__(registry_: IRegistryView):
    """
    @dev Deploys the contract for a SubnetRegistry, with a commit
         interval of one epoch. To omit the opcodes for checking the
         `msg.value` in the creation-time EVM bytecode, the constructor
         is `payable`.
    @notice The deployer receives `DEFAULT_ADMIN_ROLE`.
    @param registry_ The 20-byte SubnetRegistry.
    """
    assert registry_.address != empty(address), "commitments: registry is the zero address"
    access_control.__init__()
    registry = registry_
    self.commit_interval = 1
    log CommitIntervalSet(commit_interval=1)


@external
def set_commit_interval(commit_interval_: uint64):
    """
    @dev Sets how many epochs a UID waits between two commitments.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function. Pending
            waits follow the new value at once.
    @param commit_interval_ The 8-byte interval in epochs, within
           `[1, MAX_COMMIT_INTERVAL]`.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert commit_interval_ != 0 and commit_interval_ <= MAX_COMMIT_INTERVAL, (
        "commitments: commit_interval out of bounds"
    )
    self.commit_interval = commit_interval_
    log CommitIntervalSet(commit_interval=commit_interval_)


@external
def commit_model(netuid: uint16, cid: Bytes[_MAX_CID]):
    """
    @dev Commits the binary CID of the caller's model on a subnet,
         replacing the commitment of the caller's UID. Records the
         caller as the digest's first committer on the subnet if it has
         none.
    @notice Only a hotkey registered on `netuid`, at most once every
            `commit_interval` epochs (a commitment of the UID's previous
            hotkey does not count). `cid` is a CIDv0 (`0x1220 ||
            digest`) or a CIDv1 raw or dag-pb (`0x01 || codec || 0x1220
            || digest`) naming a sha2-256 digest.
    @param netuid The 2-byte subnet identifier.
    @param cid The binary CID (34 or 36 bytes).
    """
    version_codec: uint256 = self._version_codec(cid)
    # `len(cid)` is 34 or 36 here: no underflow.
    digest: bytes32 = extract32(cid, unsafe_sub(len(cid), 32))

    registry_: IRegistryView = registry
    # `uid_of` reverts for a hotkey that is not registered: calling it
    # with `raw_call` makes one call instead of `is_registered` and
    # `uid_of` (600 gas less) and lets us give our own revert reason.
    ok: bool = False
    response: Bytes[32] = b""
    ok, response = raw_call(
        registry_.address,
        abi_encode(netuid, msg.sender, method_id=method_id("uid_of(uint16,address)")),
        max_outsize=32,
        is_static_call=True,
        revert_on_failure=False,
    )
    assert ok, "commitments: caller is not registered on the subnet"
    uid: uint16 = abi_decode(response, uint16)
    epoch: uint256 = convert(staticcall registry_.current_epoch(netuid), uint256)
    sender: uint256 = convert(convert(msg.sender, uint160), uint256)

    meta: uint256 = self._meta[netuid][uid]
    if meta & _MASK160 == sender:
        last: uint256 = (meta >> _EPOCH_SHIFT) & _MASK40
        assert epoch >= last + convert(self.commit_interval, uint256), (
            "commitments: committed too recently (one per commit_interval epochs)"
        )

    self._digests[netuid][uid] = digest
    self._meta[netuid][uid] = (
        sender | (block.number << _BLOCK_SHIFT) | (epoch << _EPOCH_SHIFT) | (version_codec << _CODEC_SHIFT)
    )
    if self._first[netuid][digest] == 0:
        self._first[netuid][digest] = (
            convert(uid, uint256) | (sender << _FIRST_HOTKEY_SHIFT) | (block.number << _FIRST_BLOCK_SHIFT)
        )
    log ModelCommitted(
        netuid=netuid,
        uid=uid,
        hotkey=msg.sender,
        digest=digest,
        version_codec=convert(version_codec, uint16),
        block=block.number,
    )


@external
@view
def commitment(netuid: uint16, uid: uint16) -> (bytes32, uint16, uint256, address):
    """
    @dev Returns the commitment of a UID, if its current neuron made it.
    @notice All zero when the UID has no commitment, or when it was made
            by another hotkey than the UID's current one, or before the
            current neuron registered.
    @param netuid The 2-byte subnet identifier.
    @param uid The 2-byte UID.
    @return bytes32 The sha2-256 digest the CID names.
    @return uint16 `version << 8 | codec` of the CID.
    @return uint256 The 32-byte block of the commitment.
    @return address The 20-byte hotkey that committed.
    """
    c: Commitment = self._commitment(netuid, uid)
    return c.digest, c.version_codec, c.block, c.hotkey


@external
@view
def commitments(netuid: uint16, uids: DynArray[uint16, _MAX_BATCH]) -> DynArray[Commitment, _MAX_BATCH]:
    """
    @dev Returns the commitments of many UIDs (as `commitment`), each
         with whether its UID and hotkey are the first committer of its
         digest on the subnet.
    @param netuid The 2-byte subnet identifier.
    @param uids The UIDs (at most 256).
    @return DynArray The commitments, in the order of `uids`.
    """
    found: DynArray[Commitment, _MAX_BATCH] = []
    for uid: uint16 in uids:
        c: Commitment = self._commitment(netuid, uid)
        if c.hotkey != empty(address):
            # The first committer's UID and hotkey, without its block.
            first: uint256 = self._first[netuid][c.digest] & _FIRST_WHO
            c.first = first == convert(uid, uint256) | (
                convert(convert(c.hotkey, uint160), uint256) << _FIRST_HOTKEY_SHIFT
            )
        found.append(c)
    return found


@external
@view
def first_committer(netuid: uint16, digest: bytes32) -> (uint16, address, uint256):
    """
    @dev Returns who committed a digest first on a subnet.
    @notice Kept for good, even after that UID changes hands. All zero if
            nobody committed the digest.
    @param netuid The 2-byte subnet identifier.
    @param digest The 32-byte sha2-256 digest.
    @return uint16 The 2-byte UID of the first committer.
    @return address The 20-byte hotkey of the first committer.
    @return uint256 The 32-byte block of its commitment.
    """
    first: uint256 = self._first[netuid][digest]
    return (
        convert(first & _MASK16, uint16),
        convert(convert((first >> _FIRST_HOTKEY_SHIFT) & _MASK160, uint160), address),
        first >> _FIRST_BLOCK_SHIFT,
    )


@external
@view
def next_commit_epoch(netuid: uint16, hotkey: address) -> uint64:
    """
    @dev Returns the first epoch in which `hotkey` may commit on a
         subnet (it may commit now if the subnet's current epoch is at
         least this; zero if it never committed with its UID).
    @notice Reverts if `hotkey` is not registered on the subnet.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey.
    @return uint64 The epoch.
    """
    uid: uint16 = staticcall registry.uid_of(netuid, hotkey)
    meta: uint256 = self._meta[netuid][uid]
    if meta & _MASK160 != convert(convert(hotkey, uint160), uint256):
        return 0
    return convert((meta >> _EPOCH_SHIFT) & _MASK40, uint64) + self.commit_interval


@internal
@pure
def _version_codec(cid: Bytes[_MAX_CID]) -> uint256:
    """
    @dev Checks a binary CID and returns its `version << 8 | codec`.
    @param cid The binary CID.
    @return uint256 `0x0070` (CIDv0), `0x0155` or `0x0170` (CIDv1).
    """
    length: uint256 = len(cid)
    assert length == 34 or length == 36, "commitments: malformed CID (not 34 or 36 bytes)"
    head: uint256 = convert(extract32(cid, 0), uint256)
    if length == 34:
        assert head >> 240 == _SHA2_256, "commitments: malformed CID (not a sha2-256 CIDv0)"
        return _DAG_PB
    assert head >> 248 == 1, "commitments: malformed CID (not a CIDv1)"
    assert (head >> 224) & _MASK16 == _SHA2_256, "commitments: malformed CID (not a sha2-256 digest)"
    codec: uint256 = (head >> 240) & _MASK8
    assert codec == _RAW or codec == _DAG_PB, "commitments: CID codec is not raw or dag-pb"
    return _CIDV1 | codec


@internal
@view
def _commitment(netuid: uint16, uid: uint16) -> Commitment:
    """
    @dev Returns the commitment of a UID if its current neuron made it,
         else an empty one.
    @param netuid The 2-byte subnet identifier.
    @param uid The 2-byte UID.
    @return Commitment The commitment (`first` is left false).
    """
    meta: uint256 = self._meta[netuid][uid]
    hotkey: address = convert(convert(meta & _MASK160, uint160), address)
    at: uint256 = (meta >> _BLOCK_SHIFT) & _MASK40
    registry_: IRegistryView = registry
    if (
        meta == 0
        or staticcall registry_.hotkey_of(netuid, uid) != hotkey
        or staticcall registry_.block_at_registration(netuid, uid) > at
    ):
        return empty(Commitment)
    return Commitment(
        digest=self._digests[netuid][uid],
        version_codec=convert(meta >> _CODEC_SHIFT, uint16),
        block=at,
        hotkey=hotkey,
        first=False,
    )
