# pragma version ~=0.4.3
"""
@title ModelNFT: AI Models as ERC-721 Tokens, with Provenance, Royalty Splits and Licence Terms
@custom:contract-name modelnft
@license GNU Affero General Public License v3.0 only
@notice One ERC-721 token per model (DESIGN §4 "models", `docs/models.md`),
        registered in one transaction with the CID of its ONNX artifact,
        the CID of its metadata (task, metrics, input/output schema,
        model card), its provenance and its revenue split. Model ids are
        1, 2, 3, ... in registration order.

        - Provenance: the datasets used (each with the data market order
          it was bought under, or a compute-to-data receipt hash), the
          parent models, the compute job or lease, the recipe hash, the
          subnet and epoch, and the training-run hash. Only its hash is
          stored (`provenance_hash = keccak256(abi.encode(provenance))`);
          the full provenance is in the `Registered` event. The chain
          checks what it can: each order exists, is for that dataset and
          was started for the registrant; a receipt-only dataset exists
          and its receipt hash is non-zero; each parent exists (so its id
          is smaller than the new id: no cycle or self-reference can be
          registered), is listed, and is owned by the registrant or
          licensed to it for fine-tuning. `noos audit model` checks the
          rest off chain.
        - Split: up to `MAX_RECIPIENTS` (address, basis points) pairs
          summing to 10,000. Each parent takes its `royalty_bps` of the
          child's revenue first (at most `MAX_PARENTS_BPS` in all). Only
          `splits_hash = keccak256(abi.encode(recipients, parents))` is
          stored; the lists are in the `Registered` event and whoever
          calls `ModelLicences.distribute` passes them. The split never
          changes.
        - Royalty (ERC-2981): `royaltyInfo` names the model licences
          contract as the receiver and `royalty_bps` of the sale price
          as the amount; a marketplace pays it with
          `ModelLicences.pay_royalty(model_id, token, amount)`, which
          credits the model's split. The same `royalty_bps` is the share
          of the revenue of every derivative model forwarded to this one.
        - Licence terms: per licence kind (inference = 0, fine-tune = 1,
          commercial = 2) a price, an allowed payment token and a
          validity in seconds, set by the owner or manager after
          registration; a kind whose price is zero is not for sale.

        Community models: an account holding `COMMUNITY_ROLE` (granted
        by the admin to a subnet owner; later the subnets contract or the
        DAO) registers a subnet's consensus-best model of an epoch, at
        most one per (netuid, epoch). It owns the token, and the split is
        fixed: 50 % to the winning miner, 30 % shared evenly by the
        owners of the provenance datasets (to the treasury if there are
        none), 20 % to the treasury.

        Roles per model: its owner (the ERC-721 holder) and at most one
        manager, valid in the generation (number of transfers) it was
        appointed in, as in DataNFT. Both set the metadata CID and the
        licence terms; only the owner appoints the manager.
        `DEFAULT_ADMIN_ROLE` (the deployer, later the DAO's timelock)
        delists and relists models, keeps the payment-token allow-list,
        grants `COMMUNITY_ROLE` and wires the model licences contract
        once (`set_licences`).
@dev Reuses snekmate's `erc721` for balances, owners, approvals,
     EIP-4494 permits and the EIP-712 domain, but mints and transfers
     here, as DataNFT does (no enumeration). CIDs are taken in binary
     form (see `lib/cids.vy`: a dag-pb or raw, sha2-256 CIDv0 or
     CIDv1); only their codec and 32-byte digest are stored, and the
     views return the CIDv1 base32 text. Storage per model:
     - `_state`: artifact codec (8 bits at `0`) | metadata codec (8 at
       `8`) | royalty bps (16 at `16`) | delisted (bit `32`) | community
       (bit `33`) | generation (32 at `40`) | validity of each kind (32
       bits each at `72`, `104`, `136`);
     - `_artifact`, `_metadata`: the sha2-256 digests of the CIDs;
     - `provenance_hash`, `splits_hash`;
     - `_sale[kind]`: price (96 bits at `160`) | payment token (low 160);
     - `_managers`: generation (32 bits at `160`) | manager (low 160).
"""


# @dev We import and implement the `IERC165` interface,
# which is a built-in interface of the Vyper compiler.
from ethereum.ercs import IERC165
implements: IERC165


# @dev We import and implement the `IERC721` interface,
# which is a built-in interface of the Vyper compiler.
from ethereum.ercs import IERC721
implements: IERC721


# @dev We import the `IERC4906` interface to log its
# `MetadataUpdate` event when the metadata CID changes.
from snekmate.tokens.interfaces import IERC4906


# @dev We import and implement snekmate's `IERC2981` interface.
from snekmate.extensions.interfaces import IERC2981
implements: IERC2981


# @dev We import and implement the `IModelNFT` interface.
from .interfaces import IModelNFT
implements: IModelNFT


# @dev We import the `cids` module (binary CIDs and their text).
from .lib import cids


# @dev We import the interfaces of the contracts that ModelNFT reads.
from .interfaces import IModelLicences
from .interfaces import IDataOrders
from .interfaces import IDataSets


# @dev We import and initialise the `access_control` module.
from snekmate.auth import access_control
initializes: access_control


# @dev We import and initialise the `ownable` module,
# which the `erc721` module uses for its minter role
# (unused here: models are minted by `register`).
from snekmate.auth import ownable
initializes: ownable


# @dev We import and initialise the `erc721` module.
from snekmate.tokens import erc721
initializes: erc721[ownable := ownable]


# @dev We export the `access_control` functions (its `supportsInterface`
# is replaced below) and the `erc721` functions that ModelNFT keeps as
# they are. `transferFrom` and `safeTransferFrom` are redefined below
# to bump the generation; minting, burning, the minter role, the
# ownership and the enumeration are not exported.
exports: (
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.set_role_admin,
    erc721.name,
    erc721.symbol,
    erc721.balanceOf,
    erc721.ownerOf,
    erc721.approve,
    erc721.getApproved,
    erc721.setApprovalForAll,
    erc721.isApprovedForAll,
    erc721.permit,
    erc721.nonces,
    erc721.DOMAIN_SEPARATOR,
    erc721.eip712Domain,
)


# @dev A dataset in a model's provenance: its data id and either the
# data market order it was bought under or a compute-to-data receipt
# hash (or both).
struct DatasetUse:
    data_id: uint256
    order_id: uint256
    receipt: bytes32


# @dev The provenance of a model, hashed into `provenance_hash`.
struct Provenance:
    datasets: DynArray[DatasetUse, _DATASETS_INPUT]
    parents: DynArray[uint256, _PARENTS_INPUT]
    compute_job: uint256
    recipe: bytes32
    netuid: uint256
    epoch: uint256
    training_run: bytes32


# @dev The licence terms of one kind, as `terms` returns them.
struct LicenceTerms:
    price: uint256
    payment_token: address
    validity: uint256


# @dev The details of a model, as `model` returns them.
struct Model:
    owner: address
    manager: address
    artifact_cid: String[_CID_TEXT]
    metadata_cid: String[_CID_TEXT]
    provenance_hash: bytes32
    splits_hash: bytes32
    royalty_bps: uint256
    community: bool
    delisted: bool
    generation: uint256


# @dev The licence kinds.
INFERENCE: public(constant(uint256)) = 0
FINE_TUNE: public(constant(uint256)) = 1
COMMERCIAL: public(constant(uint256)) = 2
_KINDS: constant(uint256) = 3


# @dev The role that registers community models.
COMMUNITY_ROLE: public(constant(bytes32)) = keccak256("COMMUNITY_ROLE")


# @dev The bounds of a registration: datasets and parents in the
# provenance, and recipients of the split.
MAX_DATASETS: public(constant(uint256)) = 8
MAX_PARENTS: public(constant(uint256)) = 4
MAX_RECIPIENTS: public(constant(uint256)) = 10


# @dev The longest lists accepted by the ABI decoder; longer than the
# bounds above so that a list slightly too long gets a clear revert.
_DATASETS_INPUT: constant(uint256) = 32
_PARENTS_INPUT: constant(uint256) = 16
_RECIPIENTS_INPUT: constant(uint256) = 32


# @dev The largest royalty of a model, and the largest sum of the
# royalties of a model's parents, in basis points (50 %).
MAX_ROYALTY_BPS: public(constant(uint256)) = 5_000
MAX_PARENTS_BPS: public(constant(uint256)) = 5_000


# @dev The fixed split of a community model, in basis points.
COMMUNITY_WINNER_BPS: public(constant(uint256)) = 5_000
COMMUNITY_DATA_BPS: public(constant(uint256)) = 3_000
COMMUNITY_TREASURY_BPS: public(constant(uint256)) = 2_000


# @dev The basis-point denominator.
_BPS: constant(uint256) = 10_000


# @dev The lengths of CIDs: binary input (longer than a CID so that a
# long one gets a clear revert), binary CIDv1 and CIDv1 text.
_CID_INPUT: constant(uint256) = cids.INPUT_LENGTH
_CID_BYTES: constant(uint256) = cids.BYTES_LENGTH
_CID_TEXT: constant(uint256) = cids.TEXT_LENGTH


# @dev The layout of `_state`, see the `@dev` note above.
_BYTE_MASK: constant(uint256) = 255
_META_CODEC_SHIFT: constant(uint256) = 8
_ROYALTY_SHIFT: constant(uint256) = 16
_ROYALTY_MASK: constant(uint256) = 2**16 - 1
_DELISTED: constant(uint256) = 1 << 32
_COMMUNITY: constant(uint256) = 1 << 33
_GENERATION_SHIFT: constant(uint256) = 40
_GENERATION_MASK: constant(uint256) = 2**32 - 1
_VALIDITY_SHIFT: constant(uint256) = 72
_MAX_VALIDITY: constant(uint256) = 2**32 - 1


# @dev The layout of `_sale` and `_managers`.
_ADDRESS_MASK: constant(uint256) = 2**160 - 1
_PRICE_SHIFT: constant(uint256) = 160
_MAX_PRICE: constant(uint256) = 2**96 - 1


# @dev The scheme of `tokenURI`: the metadata CID on IPFS.
_URI_SCHEME: constant(String[7]) = "ipfs://"


# @dev The longest reason CID of a delisting.
_MAX_REASON: constant(uint256) = 128


# @dev The EIP-712 domain name and version (ERC-4494 permits).
_EIP712_NAME: constant(String[50]) = "Noosphere Models"
_EIP712_VERSION: constant(String[20]) = "1"


# @dev The ERC-165 identifiers: ERC-165, ERC-721, ERC-721 metadata,
# ERC-4494, ERC-4906, ERC-2981 and `IAccessControl`.
_SUPPORTED_INTERFACES: constant(bytes4[7]) = [
    0x01FFC9A7,
    0x80AC58CD,
    0x5B5E139F,
    0x589C5CE2,
    0x49064906,
    0x2A55205A,
    0x7965DB0B,
]


# @dev Returns the data market's licences contract (orders).
data_licences: public(immutable(address))


# @dev Returns the data market's DataNFT contract (datasets).
datanft: public(immutable(address))


# @dev Returns the model licences contract: the ERC-2981 royalty
# receiver, and where fine-tune licences of parents are checked. Set
# once by the admin (`set_licences`).
licences: public(address)


# @dev Returns the number of models registered, which is the largest
# model id.
model_count: public(uint256)


# @dev Returns whether an ERC-20 token may be a payment token.
payment_token_allowed: public(HashMap[address, bool])


# @dev Returns `keccak256(abi.encode(provenance))` of a model.
provenance_hash: public(HashMap[uint256, bytes32])


# @dev Returns `keccak256(abi.encode(recipients, parents))` of a model.
splits_hash: public(HashMap[uint256, bytes32])


# @dev Returns the community model of a subnet's epoch (0 if none).
community_model: public(HashMap[uint256, HashMap[uint256, uint256]])


# @dev Returns the CID of the reason why a model is delisted (empty
# when it is listed).
delist_reason: public(HashMap[uint256, String[_MAX_REASON]])


# @dev The packed codecs, royalty, flags, generation and validities.
_state: HashMap[uint256, uint256]


# @dev The sha2-256 digests of the artifact and metadata CIDs.
_artifact: HashMap[uint256, bytes32]
_metadata: HashMap[uint256, bytes32]


# @dev The packed price and payment token of each kind of each model.
_sale: HashMap[uint256, HashMap[uint256, uint256]]


# @dev The packed manager and its generation of each model.
_managers: HashMap[uint256, uint256]


# @dev Emitted when a model is registered (with the ERC-721 `Transfer`
# of its mint). The CIDs are in binary CIDv1 form.
event Registered:
    model_id: indexed(uint256)
    owner: indexed(address)
    artifact_cid: Bytes[_CID_BYTES]
    metadata_cid: Bytes[_CID_BYTES]
    royalty_bps: uint256
    provenance_hash: bytes32
    provenance: Provenance
    splits_hash: bytes32
    recipients: DynArray[IModelNFT.Split, _RECIPIENTS_INPUT]
    parents: DynArray[IModelNFT.ParentShare, MAX_PARENTS]


# @dev Emitted, after `Registered`, when a community model is registered.
event CommunityRegistered:
    model_id: indexed(uint256)
    netuid: indexed(uint256)
    epoch: indexed(uint256)
    winner: address


# @dev Emitted when the owner or manager changes the metadata CID
# (with ERC-4906's `MetadataUpdate`).
event MetadataSet:
    model_id: indexed(uint256)
    sender: indexed(address)
    metadata_cid: Bytes[_CID_BYTES]


# @dev Emitted when the owner or manager sets the terms of a licence
# kind (a zero price takes the kind off sale).
event TermsSet:
    model_id: indexed(uint256)
    kind: indexed(uint256)
    payment_token: indexed(address)
    price: uint256
    validity: uint256
    sender: address


# @dev Emitted when the owner appoints (or, with the zero address,
# removes) the manager of the current generation.
event ManagerSet:
    model_id: indexed(uint256)
    manager: indexed(address)
    generation: uint256


# @dev Emitted when the admin delists a model.
event Delisted:
    model_id: indexed(uint256)
    admin: indexed(address)
    reason_cid: String[_MAX_REASON]


# @dev Emitted when the admin relists a model.
event Relisted:
    model_id: indexed(uint256)
    admin: indexed(address)


# @dev Emitted when the admin allows or disallows a payment token.
event PaymentTokenSet:
    token: indexed(address)
    allowed: bool


# @dev Emitted when the admin wires the model licences contract.
event LicencesSet:
    licences: indexed(address)


@deploy
@payable
def __init__(name_: String[25], symbol_: String[5], noos_: address, data_licences_: address):
    """
    @dev To omit the opcodes for checking the `msg.value` in the
         creation-time EVM bytecode, the constructor is `payable`.
    @notice The deployer receives `DEFAULT_ADMIN_ROLE`; NOOS is the
            first allowed payment token; the DataNFT is read from the
            data licences contract. The EIP-712 domain of permits is
            "Noosphere Models"/"1".
    @param name_ The maximum 25-character name of the collection.
    @param symbol_ The maximum 5-character symbol of the collection.
    @param noos_ The 20-byte address of the NOOS token.
    @param data_licences_ The 20-byte address of the data market's
           licences contract.
    """
    assert noos_ != empty(address), "modelnft: zero address"
    assert data_licences_ != empty(address), "modelnft: zero address"
    access_control.__init__()
    ownable.__init__()
    erc721.__init__(name_, symbol_, "", _EIP712_NAME, _EIP712_VERSION)
    data_licences = data_licences_
    datanft = staticcall IDataOrders(data_licences_).datanft()
    self._set_payment_token(noos_, True)


@external
@view
def supportsInterface(interface_id: bytes4) -> bool:
    """
    @dev Returns `True` if this contract implements the interface
         defined by `interface_id`: ERC-165, ERC-721, ERC-721 metadata,
         ERC-4494, ERC-4906, ERC-2981 or `IAccessControl` (not ERC-721
         enumeration).
    @param interface_id The 4-byte interface identifier.
    @return bool Whether the contract implements the interface.
    """
    return interface_id in _SUPPORTED_INTERFACES


@external
def register(
    artifact_cid: Bytes[_CID_INPUT],
    metadata_cid: Bytes[_CID_INPUT],
    provenance: Provenance,
    recipients: DynArray[IModelNFT.Split, _RECIPIENTS_INPUT],
    royalty_bps: uint256,
) -> uint256:
    """
    @dev Mints the next model to the caller with its CIDs, provenance
         and revenue split.
    @notice The caller owns the new token; no `onERC721Received` call is
            made. Every order in the provenance must have been started
            for the caller, and every parent must be owned by the caller
            or licensed to it for fine-tuning (`ModelLicences`, the
            licence may have expired). The split and provenance never
            change.
    @param artifact_cid The binary CID of the ONNX artifact.
    @param metadata_cid The binary CID of the metadata.
    @param provenance The datasets, parents (strictly increasing ids),
           compute job, recipe hash, subnet, epoch and training-run
           hash; at most `MAX_DATASETS` datasets and `MAX_PARENTS`
           parents.
    @param recipients The split: 1 to `MAX_RECIPIENTS` non-zero
           addresses with non-zero shares summing to 10,000 bps.
    @param royalty_bps The 32-byte royalty of the model, at most
           `MAX_ROYALTY_BPS`: the ERC-2981 share of a resale price and
           the share of derivatives' revenue forwarded to it.
    @return uint256 The 32-byte model id of the new model.
    """
    self._check_recipients(recipients)
    self._check_datasets(provenance.datasets, msg.sender)
    return self._register(artifact_cid, metadata_cid, provenance, recipients, royalty_bps, msg.sender, 0)


@external
def register_community(
    artifact_cid: Bytes[_CID_INPUT],
    metadata_cid: Bytes[_CID_INPUT],
    provenance: Provenance,
    winner: address,
    royalty_bps: uint256,
) -> uint256:
    """
    @dev Mints the community model of a subnet's epoch (`provenance.
         netuid`, `provenance.epoch`) to the caller, with the fixed
         community split.
    @notice Only `COMMUNITY_ROLE` can call this function, once per
            (netuid, epoch). Orders and parent licences may be the
            winner's or the caller's. The split is `COMMUNITY_WINNER_BPS`
            to `winner`, `COMMUNITY_DATA_BPS` shared evenly by the
            current owners of the provenance datasets (the remainder of
            the division and, without datasets, all of it to the
            treasury), and `COMMUNITY_TREASURY_BPS` to the treasury of
            the model licences contract.
    @param artifact_cid The binary CID of the ONNX artifact.
    @param metadata_cid The binary CID of the metadata.
    @param provenance The provenance, as for `register`.
    @param winner The 20-byte address of the winning miner.
    @param royalty_bps The 32-byte royalty of the model, as for
           `register`.
    @return uint256 The 32-byte model id of the new model.
    """
    access_control._check_role(COMMUNITY_ROLE, msg.sender)
    assert winner != empty(address), "modelnft: zero winner"
    assert self.community_model[provenance.netuid][provenance.epoch] == 0, "modelnft: epoch already has a community model"
    licences_: address = self.licences
    assert licences_ != empty(address), "modelnft: licences not set"
    treasury: address = staticcall IModelLicences(licences_).treasury()
    self._check_datasets(provenance.datasets, winner)

    recipients: DynArray[IModelNFT.Split, MAX_RECIPIENTS] = [IModelNFT.Split(account=winner, bps=COMMUNITY_WINNER_BPS)]
    count: uint256 = len(provenance.datasets)
    to_treasury: uint256 = COMMUNITY_TREASURY_BPS + COMMUNITY_DATA_BPS
    if count != 0:
        each: uint256 = COMMUNITY_DATA_BPS // count
        to_treasury = COMMUNITY_TREASURY_BPS + COMMUNITY_DATA_BPS - each * count
        for use: DatasetUse in provenance.datasets:
            owner: address = staticcall IDataSets(datanft).ownerOf(use.data_id)
            recipients.append(IModelNFT.Split(account=owner, bps=each))
    recipients.append(IModelNFT.Split(account=treasury, bps=to_treasury))

    model_id: uint256 = self._register(artifact_cid, metadata_cid, provenance, recipients, royalty_bps, winner, _COMMUNITY)
    self.community_model[provenance.netuid][provenance.epoch] = model_id
    log CommunityRegistered(model_id=model_id, netuid=provenance.netuid, epoch=provenance.epoch, winner=winner)
    return model_id


@external
def set_metadata(model_id: uint256, metadata_cid: Bytes[_CID_INPUT]):
    """
    @dev Replaces the metadata CID of a model (its model card, metrics
         and schema).
    @notice Only the owner or the manager can call this function. The
            artifact CID never changes.
    @param model_id The 32-byte model id.
    @param metadata_cid The new binary CID of the metadata.
    """
    state: uint256 = self._check_owner_or_manager(model_id)
    codec: uint256 = 0
    digest: bytes32 = empty(bytes32)
    codec, digest = cids._parse(metadata_cid)
    assert codec != 0, "modelnft: invalid metadata CID"
    self._metadata[model_id] = digest
    self._state[model_id] = (state & ~(_BYTE_MASK << _META_CODEC_SHIFT)) | (codec << _META_CODEC_SHIFT)
    log MetadataSet(model_id=model_id, sender=msg.sender, metadata_cid=cids._to_bytes(codec, digest))
    log IERC4906.MetadataUpdate(_tokenId=model_id)


@external
def set_terms(model_id: uint256, kind: uint256, price: uint256, payment_token: address, validity: uint256):
    """
    @dev Sets the terms of one licence kind of a model.
    @notice Only the owner or the manager can call this function. A zero
            price takes the kind off sale (the token and validity are
            then ignored and stored as zero). Licences already bought
            keep their expiry; a buyer's `max_price` protects it against
            a price raised in front of its purchase.
    @param model_id The 32-byte model id.
    @param kind The 32-byte licence kind: `INFERENCE`, `FINE_TUNE` or
           `COMMERCIAL`.
    @param price The 32-byte price of one licence in the smallest unit
           of `payment_token`, below `2**96`; zero for not for sale.
    @param payment_token The 20-byte address of an allowed ERC-20 token.
    @param validity The 32-byte validity of a licence in seconds;
           non-zero and below `2**32`.
    """
    state: uint256 = self._check_owner_or_manager(model_id)
    assert kind < _KINDS, "modelnft: unknown licence kind"
    token: address = payment_token
    period: uint256 = validity
    if price == 0:
        token = empty(address)
        period = 0
    else:
        assert price <= _MAX_PRICE, "modelnft: price exceeds uint96"
        assert self.payment_token_allowed[token], "modelnft: payment token not allowed"
        assert period != 0, "modelnft: validity is zero"
        assert period <= _MAX_VALIDITY, "modelnft: validity exceeds uint32"
    self._sale[model_id][kind] = (price << _PRICE_SHIFT) | convert(token, uint256)
    offset: uint256 = _VALIDITY_SHIFT + 32 * kind
    self._state[model_id] = (state & ~(_MAX_VALIDITY << offset)) | (period << offset)
    log TermsSet(model_id=model_id, kind=kind, payment_token=token, price=price, validity=period, sender=msg.sender)


@external
def set_manager(model_id: uint256, manager: address):
    """
    @dev Appoints the manager of a model for the current generation.
    @notice Only the owner can call this function. The zero address
            removes the manager. The manager loses its role when the
            token is transferred.
    @param model_id The 32-byte model id.
    @param manager The 20-byte manager address.
    """
    owner: address = erc721._owners[model_id]
    assert owner != empty(address), "modelnft: unknown model id"
    assert msg.sender == owner, "modelnft: caller is not the owner"
    generation: uint256 = self._generation(self._state[model_id])
    self._managers[model_id] = (generation << 160) | convert(manager, uint256)
    log ManagerSet(model_id=model_id, manager=manager, generation=generation)


@external
def delist(model_id: uint256, reason_cid: String[_MAX_REASON]):
    """
    @dev Delists a model: no licence of it can be bought, its licences
         are no longer valid (`ModelLicences.licence_valid`), and it
         cannot be a parent of a new model.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function. Revenue
            already paid can still be distributed and withdrawn.
    @param model_id The 32-byte model id.
    @param reason_cid The CID of the reason (1 to 128 characters).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    state: uint256 = self._existing_state(model_id)
    assert state & _DELISTED == 0, "modelnft: already delisted"
    assert len(reason_cid) != 0, "modelnft: empty reason CID"
    self._state[model_id] = state | _DELISTED
    self.delist_reason[model_id] = reason_cid
    log Delisted(model_id=model_id, admin=msg.sender, reason_cid=reason_cid)


@external
def relist(model_id: uint256):
    """
    @dev Relists a delisted model.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function.
    @param model_id The 32-byte model id.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    state: uint256 = self._existing_state(model_id)
    assert state & _DELISTED != 0, "modelnft: not delisted"
    self._state[model_id] = state & ~_DELISTED
    self.delist_reason[model_id] = ""
    log Relisted(model_id=model_id, admin=msg.sender)


@external
def set_payment_token(token: address, allowed: bool):
    """
    @dev Allows or disallows an ERC-20 token as a payment token of
         licences and royalties.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function. Licences
            priced in a disallowed token cannot be sold until their
            owner picks an allowed one. Tokens that take a fee on
            transfer or rebase must not be allowed.
    @param token The 20-byte token address.
    @param allowed Whether the token is allowed.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert token != empty(address), "modelnft: zero address"
    self._set_payment_token(token, allowed)


@external
def set_licences(licences_: address):
    """
    @dev Wires the model licences contract, once.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function, and only
            while no licences contract is set: it holds the models'
            revenue, so it never changes.
    @param licences_ The 20-byte address of the model licences contract.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert self.licences == empty(address), "modelnft: licences already set"
    assert licences_ != empty(address), "modelnft: zero address"
    self.licences = licences_
    log LicencesSet(licences=licences_)


@external
@payable
def transferFrom(owner: address, to: address, token_id: uint256):
    """
    @dev Transfers model `token_id` from `owner` to `to` and starts a
         new generation (the manager loses its role).
    @notice The caller must be the owner or approved. The split is not
            affected: revenue keeps going to its recipients. The
            function is `payable` as in EIP-721; ether sent is locked
            forever.
    @param owner The 20-byte owner address.
    @param to The 20-byte receiver address.
    @param token_id The 32-byte model id.
    """
    assert erc721._is_approved_or_owner(msg.sender, token_id), "modelnft: caller is not token owner or approved"
    self._transfer(owner, to, token_id)


@external
@payable
def safeTransferFrom(owner: address, to: address, token_id: uint256, data: Bytes[1_024] = b""):
    """
    @dev Transfers model `token_id` from `owner` to `to`, checking that
         a contract receiver implements `onERC721Received`, and starts
         a new generation (the manager loses its role).
    @notice The caller must be the owner or approved. The function is
            `payable` as in EIP-721; ether sent is locked forever.
    @param owner The 20-byte owner address.
    @param to The 20-byte receiver address.
    @param token_id The 32-byte model id.
    @param data The maximum 1,024-byte data passed to the receiver.
    """
    assert erc721._is_approved_or_owner(msg.sender, token_id), "modelnft: caller is not token owner or approved"
    self._transfer(owner, to, token_id)
    assert erc721._check_on_erc721_received(owner, to, token_id, data), "modelnft: transfer to non-IERC721Receiver implementer"


@external
@view
def royaltyInfo(token_id: uint256, sale_price: uint256) -> (address, uint256):
    """
    @dev Returns the ERC-2981 royalty of a resale of model `token_id`:
         the model licences contract receives `royalty_bps` of
         `sale_price`, to be paid with `pay_royalty(token_id, token,
         amount)` so that it is credited to the model's split.
    @param token_id The 32-byte model id (reverts if unknown).
    @param sale_price The 32-byte sale price.
    @return address The 20-byte receiver (the model licences contract).
    @return uint256 The 32-byte royalty amount.
    """
    royalty: uint256 = self._royalty(self._existing_state(token_id))
    return (self.licences, sale_price * royalty // _BPS)


@external
@view
def sale_terms(model_id: uint256, kind: uint256) -> IModelNFT.SaleTerms:
    """
    @dev Returns what a licence sale needs in one call.
    @notice Does not revert for an unknown model or kind: `exists` is
            false, or the price is zero.
    @param model_id The 32-byte model id.
    @param kind The 32-byte licence kind.
    @return SaleTerms Whether the model exists and is delisted, the
            price, payment token and validity of the kind, and whether
            the token is allowed.
    """
    state: uint256 = self._state[model_id]
    if kind >= _KINDS:
        return IModelNFT.SaleTerms(
            exists=state != 0, delisted=state & _DELISTED != 0, price=0, payment_token=empty(address), validity=0, token_allowed=False
        )
    sale: uint256 = self._sale[model_id][kind]
    token: address = convert(sale & _ADDRESS_MASK, address)
    return IModelNFT.SaleTerms(
        exists=state != 0,
        delisted=state & _DELISTED != 0,
        price=sale >> _PRICE_SHIFT,
        payment_token=token,
        validity=(state >> (_VALIDITY_SHIFT + 32 * kind)) & _MAX_VALIDITY,
        token_allowed=self.payment_token_allowed[token],
    )


@external
@view
def model_status(model_id: uint256) -> (bool, bool):
    """
    @dev Returns whether a model exists and whether it is delisted.
    @notice Does not revert for an unknown model id.
    @param model_id The 32-byte model id.
    @return bool Whether the model exists.
    @return bool Whether the model is delisted.
    """
    state: uint256 = self._state[model_id]
    return (state != 0, state & _DELISTED != 0)


@external
@view
def terms(model_id: uint256, kind: uint256) -> LicenceTerms:
    """
    @dev Returns the terms of one licence kind of a model.
    @param model_id The 32-byte model id (reverts if unknown).
    @param kind The 32-byte licence kind (reverts if unknown).
    @return LicenceTerms The price (zero if not for sale), payment token
            and validity in seconds.
    """
    state: uint256 = self._existing_state(model_id)
    assert kind < _KINDS, "modelnft: unknown licence kind"
    sale: uint256 = self._sale[model_id][kind]
    return LicenceTerms(
        price=sale >> _PRICE_SHIFT,
        payment_token=convert(sale & _ADDRESS_MASK, address),
        validity=(state >> (_VALIDITY_SHIFT + 32 * kind)) & _MAX_VALIDITY,
    )


@external
@view
def model(model_id: uint256) -> Model:
    """
    @dev Returns the details of a model in one call.
    @param model_id The 32-byte model id (reverts if unknown).
    @return Model The owner, current manager (zero if none), CIDs (CIDv1
            base32 text), provenance and splits hashes, royalty, flags
            and generation.
    """
    state: uint256 = self._existing_state(model_id)
    return Model(
        owner=erc721._owners[model_id],
        manager=self._manager(model_id, state),
        artifact_cid=cids._to_text(state & _BYTE_MASK, self._artifact[model_id]),
        metadata_cid=cids._to_text((state >> _META_CODEC_SHIFT) & _BYTE_MASK, self._metadata[model_id]),
        provenance_hash=self.provenance_hash[model_id],
        splits_hash=self.splits_hash[model_id],
        royalty_bps=self._royalty(state),
        community=state & _COMMUNITY != 0,
        delisted=state & _DELISTED != 0,
        generation=self._generation(state),
    )


@external
@view
def artifact_cid(model_id: uint256) -> String[_CID_TEXT]:
    """
    @dev Returns the CID of the ONNX artifact of a model.
    @param model_id The 32-byte model id (reverts if unknown).
    @return String The CIDv1 base32 text ("bafy..." or "bafk...").
    """
    state: uint256 = self._existing_state(model_id)
    return cids._to_text(state & _BYTE_MASK, self._artifact[model_id])


@external
@view
def metadata_cid(model_id: uint256) -> String[_CID_TEXT]:
    """
    @dev Returns the CID of the metadata of a model.
    @param model_id The 32-byte model id (reverts if unknown).
    @return String The CIDv1 base32 text.
    """
    state: uint256 = self._existing_state(model_id)
    return cids._to_text((state >> _META_CODEC_SHIFT) & _BYTE_MASK, self._metadata[model_id])


@external
@view
def tokenURI(token_id: uint256) -> String[_CID_TEXT + 7]:
    """
    @dev Returns the ERC-721 metadata URI of a model: `ipfs://`
         followed by its metadata CID.
    @param token_id The 32-byte model id (reverts if unknown).
    @return String The URI.
    """
    state: uint256 = self._existing_state(token_id)
    return concat(_URI_SCHEME, cids._to_text((state >> _META_CODEC_SHIFT) & _BYTE_MASK, self._metadata[token_id]))


@external
@view
def manager_of(model_id: uint256) -> address:
    """
    @dev Returns the manager of a model in the current generation.
    @param model_id The 32-byte model id (reverts if unknown).
    @return address The 20-byte manager, zero if none.
    """
    return self._manager(model_id, self._existing_state(model_id))


@external
@view
def generation(model_id: uint256) -> uint256:
    """
    @dev Returns the generation of a model: the number of transfers
         since it was registered.
    @param model_id The 32-byte model id (reverts if unknown).
    @return uint256 The 32-byte generation.
    """
    return self._generation(self._existing_state(model_id))


@internal
def _register(
    artifact_cid: Bytes[_CID_INPUT],
    metadata_cid: Bytes[_CID_INPUT],
    provenance: Provenance,
    recipients: DynArray[IModelNFT.Split, _RECIPIENTS_INPUT],
    royalty_bps: uint256,
    licensee: address,
    flags: uint256,
) -> uint256:
    """
    @dev Checks the CIDs, royalty and parents (the caller checked the
         split and datasets), then mints the next model to the caller
         and logs `Registered`.
    @param artifact_cid The binary CID of the artifact.
    @param metadata_cid The binary CID of the metadata.
    @param provenance The provenance.
    @param recipients The checked split.
    @param royalty_bps The 32-byte royalty.
    @param licensee The 20-byte account that, besides the caller, may
           hold the orders and parent licences (the caller itself for
           `register`, the winner for community models).
    @param flags The 32-byte state flags of the new model.
    @return uint256 The 32-byte model id.
    """
    artifact_codec: uint256 = 0
    artifact: bytes32 = empty(bytes32)
    artifact_codec, artifact = cids._parse(artifact_cid)
    assert artifact_codec != 0, "modelnft: invalid artifact CID"
    metadata_codec: uint256 = 0
    metadata: bytes32 = empty(bytes32)
    metadata_codec, metadata = cids._parse(metadata_cid)
    assert metadata_codec != 0, "modelnft: invalid metadata CID"
    assert royalty_bps <= MAX_ROYALTY_BPS, "modelnft: royalty exceeds maximum"

    model_id: uint256 = self.model_count + 1
    parents: DynArray[IModelNFT.ParentShare, MAX_PARENTS] = self._check_parents(provenance.parents, model_id, licensee)

    self.model_count = model_id
    # A balance cannot reach 2**256: it is below the number of models.
    erc721._balances[msg.sender] = unsafe_add(erc721._balances[msg.sender], 1)
    erc721._owners[model_id] = msg.sender
    log IERC721.Transfer(sender=empty(address), receiver=msg.sender, token_id=model_id)

    self._state[model_id] = artifact_codec | (metadata_codec << _META_CODEC_SHIFT) | (royalty_bps << _ROYALTY_SHIFT) | flags
    self._artifact[model_id] = artifact
    self._metadata[model_id] = metadata
    provenance_hash_: bytes32 = keccak256(abi_encode(provenance))
    self.provenance_hash[model_id] = provenance_hash_
    splits_hash_: bytes32 = keccak256(abi_encode(recipients, parents))
    self.splits_hash[model_id] = splits_hash_

    log Registered(
        model_id=model_id,
        owner=msg.sender,
        artifact_cid=cids._to_bytes(artifact_codec, artifact),
        metadata_cid=cids._to_bytes(metadata_codec, metadata),
        royalty_bps=royalty_bps,
        provenance_hash=provenance_hash_,
        provenance=provenance,
        splits_hash=splits_hash_,
        recipients=recipients,
        parents=parents,
    )
    return model_id


@internal
@pure
def _check_recipients(recipients: DynArray[IModelNFT.Split, _RECIPIENTS_INPUT]):
    """
    @dev Reverts unless the split has 1 to `MAX_RECIPIENTS` non-zero
         addresses with non-zero shares summing to 10,000 bps.
    @param recipients The split.
    """
    assert len(recipients) != 0, "modelnft: no split recipients"
    assert len(recipients) <= MAX_RECIPIENTS, "modelnft: too many split recipients"
    total: uint256 = 0
    for split: IModelNFT.Split in recipients:
        assert split.account != empty(address), "modelnft: zero address in splits"
        assert split.bps != 0, "modelnft: zero share in splits"
        assert split.bps <= _BPS, "modelnft: splits do not sum to 10,000"
        # At most `_RECIPIENTS_INPUT` shares of at most `_BPS` each.
        total = unsafe_add(total, split.bps)
    assert total == _BPS, "modelnft: splits do not sum to 10,000"


@internal
@view
def _check_datasets(datasets: DynArray[DatasetUse, _DATASETS_INPUT], licensee: address):
    """
    @dev Reverts unless every dataset of the provenance has an order of
         the data market for it, started for the caller or `licensee`,
         or a non-zero receipt hash and an existing data id.
    @notice Orders are not required to be still valid: the audit checks
            that they were when the data was used.
    @param datasets The datasets of the provenance.
    @param licensee The 20-byte other account that may hold the orders.
    """
    assert len(datasets) <= MAX_DATASETS, "modelnft: too many datasets"
    data_count: uint256 = 0
    for use: DatasetUse in datasets:
        if use.order_id == 0:
            assert use.receipt != empty(bytes32), "modelnft: dataset without order or receipt"
            if data_count == 0:
                data_count = staticcall IDataSets(datanft).data_count()
            assert use.data_id != 0 and use.data_id <= data_count, "modelnft: unknown dataset"
        else:
            order: IDataOrders.Order = staticcall IDataOrders(data_licences).order(use.order_id)
            assert order.data_id == use.data_id, "modelnft: order is for another dataset"
            assert order.consumer == msg.sender or order.consumer == licensee, "modelnft: order not started for the registrant"


@internal
@view
def _check_parents(
    parents: DynArray[uint256, _PARENTS_INPUT], model_id: uint256, licensee: address
) -> DynArray[IModelNFT.ParentShare, MAX_PARENTS]:
    """
    @dev Reverts unless every parent exists (its id is below `model_id`),
         ids strictly increase, no parent is delisted, each is owned by
         or licensed for fine-tuning to the caller or `licensee`, and
         their royalties sum to at most `MAX_PARENTS_BPS`.
    @param parents The parent model ids.
    @param model_id The 32-byte id of the new model.
    @param licensee The 20-byte other account that may hold the parents
           or their licences.
    @return DynArray The parents with their shares (their royalties).
    """
    assert len(parents) <= MAX_PARENTS, "modelnft: too many parents"
    shares: DynArray[IModelNFT.ParentShare, MAX_PARENTS] = []
    previous: uint256 = 0
    total: uint256 = 0
    for parent: uint256 in parents:
        assert parent != 0 and parent < model_id, "modelnft: unknown parent"
        assert parent > previous, "modelnft: parents not strictly increasing"
        previous = parent
        state: uint256 = self._state[parent]
        assert state & _DELISTED == 0, "modelnft: parent is delisted"
        owner: address = erc721._owners[parent]
        if owner != msg.sender and owner != licensee:
            assert self._fine_tune_licensed(parent, licensee), "modelnft: parent not owned or licensed for fine-tuning"
        royalty: uint256 = self._royalty(state)
        # At most `MAX_PARENTS` royalties of at most `MAX_ROYALTY_BPS` each.
        total = unsafe_add(total, royalty)
        shares.append(IModelNFT.ParentShare(model_id=parent, bps=royalty))
    assert total <= MAX_PARENTS_BPS, "modelnft: parents' royalties exceed maximum"
    return shares


@internal
@view
def _fine_tune_licensed(parent: uint256, licensee: address) -> bool:
    """
    @dev Returns whether the caller or `licensee` holds a fine-tune
         licence of `parent` (expired or not) in the model licences
         contract.
    @param parent The 32-byte parent model id.
    @param licensee The 20-byte other account.
    @return bool Whether one of them holds the licence.
    """
    licences_: address = self.licences
    if licences_ == empty(address):
        return False
    if staticcall IModelLicences(licences_).licence_expiry(msg.sender, parent, FINE_TUNE) != 0:
        return True
    if licensee == msg.sender:
        return False
    return staticcall IModelLicences(licences_).licence_expiry(licensee, parent, FINE_TUNE) != 0


@internal
def _set_payment_token(token: address, allowed: bool):
    """
    @dev Sets whether `token` is an allowed payment token.
    @param token The 20-byte token address.
    @param allowed Whether the token is allowed.
    """
    self.payment_token_allowed[token] = allowed
    log PaymentTokenSet(token=token, allowed=allowed)


@internal
def _transfer(owner: address, to: address, model_id: uint256):
    """
    @dev Moves model `model_id` from `owner` to `to`, clears its
         approval and bumps its generation.
    @param owner The 20-byte owner address.
    @param to The 20-byte receiver address.
    @param model_id The 32-byte model id (must exist).
    """
    assert erc721._owner_of(model_id) == owner, "modelnft: transfer from incorrect owner"
    assert to != empty(address), "modelnft: transfer to the zero address"
    erc721._token_approvals[model_id] = empty(address)
    # `owner` holds the token, and no balance can exceed the number of models.
    erc721._balances[owner] = unsafe_sub(erc721._balances[owner], 1)
    erc721._balances[to] = unsafe_add(erc721._balances[to], 1)
    erc721._owners[model_id] = to
    state: uint256 = self._state[model_id]
    # The generation wraps after 2**32 transfers, which no gas budget allows.
    generation: uint256 = unsafe_add(self._generation(state), 1) & _GENERATION_MASK
    mask: uint256 = _GENERATION_MASK << _GENERATION_SHIFT
    self._state[model_id] = (state & ~mask) | (generation << _GENERATION_SHIFT)
    log IERC721.Transfer(sender=owner, receiver=to, token_id=model_id)


@internal
@view
def _existing_state(model_id: uint256) -> uint256:
    """
    @dev Returns the state word of a model, reverting if unknown (the
         state of a model is never zero: its codecs are not).
    @param model_id The 32-byte model id.
    @return uint256 The 32-byte state word.
    """
    state: uint256 = self._state[model_id]
    assert state != 0, "modelnft: unknown model id"
    return state


@internal
@view
def _check_owner_or_manager(model_id: uint256) -> uint256:
    """
    @dev Reverts unless the caller is the owner or the current manager
         of an existing model.
    @param model_id The 32-byte model id.
    @return uint256 The 32-byte state word of the model.
    """
    state: uint256 = self._existing_state(model_id)
    if msg.sender != erc721._owners[model_id]:
        assert self._manager(model_id, state) == msg.sender, "modelnft: caller is not the owner or manager"
    return state


@internal
@view
def _manager(model_id: uint256, state: uint256) -> address:
    """
    @dev Returns the manager appointed in the current generation.
    @param model_id The 32-byte model id.
    @param state The 32-byte state word of the model.
    @return address The 20-byte manager, zero if none or stale.
    """
    packed: uint256 = self._managers[model_id]
    if packed >> 160 != self._generation(state):
        return empty(address)
    return convert(packed & _ADDRESS_MASK, address)


@internal
@pure
def _generation(state: uint256) -> uint256:
    """
    @dev Extracts the generation from a state word.
    @param state The 32-byte state word.
    @return uint256 The 32-byte generation.
    """
    return (state >> _GENERATION_SHIFT) & _GENERATION_MASK


@internal
@pure
def _royalty(state: uint256) -> uint256:
    """
    @dev Extracts the royalty in basis points from a state word.
    @param state The 32-byte state word.
    @return uint256 The 32-byte royalty.
    """
    return (state >> _ROYALTY_SHIFT) & _ROYALTY_MASK
