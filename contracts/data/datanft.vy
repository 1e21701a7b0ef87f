# pragma version ~=0.4.3
"""
@title DataNFT: Datasets as ERC-721 Tokens, with their Sale Terms
@custom:contract-name datanft
@license GNU Affero General Public License v3.0 only
@notice One ERC-721 token per dataset (DESIGN §4 "data",
        `docs/data-market.md`), published in one transaction with its
        metadata CID (public description, schema, quality report,
        licence text), the CID of its encrypted content, the endpoint of
        the provider that serves it, and its terms: the price of one
        licence and the payment token (NOOS or another ERC-20 that the
        admin allow-lists), the validity of an order in seconds (an
        order started at `t` is valid until `t + validity`, measured with
        `block.timestamp`), the allowed uses (bit flags: training = 1,
        inference = 2, commercial = 4) and up to 16 compute-to-data
        recipe hashes. Data ids are 1, 2, 3, ... in publication order.

        Roles per dataset: its owner (the ERC-721 holder) and at most
        one manager that the owner appoints. Both can update the
        metadata CID, the endpoint, the price and payment token, the
        validity and uses, and the recipes, and deprecate the dataset;
        only the owner appoints the manager, and only the owner (or an
        ERC-721 approved account) transfers. The content CID never
        changes. Every transfer bumps the dataset's generation, and a
        manager is valid only in the generation it was appointed in, so
        the roles reset when the token changes hands.

        `DEFAULT_ADMIN_ROLE` (the deployer, later the DAO's timelock)
        delists a dataset with the CID of a reason and relists it, and
        keeps the payment-token allow-list (NOOS is allowed at
        deployment). Delisted or deprecated datasets cannot be bought or
        ordered (the licences contract checks `terms`).
@dev Reuses snekmate's `erc721` for balances, owners, approvals,
     EIP-4494 permits and the EIP-712 domain, but mints and transfers
     here: its internal hooks cannot be overridden in Vyper 0.4, and its
     enumeration extension (three to four more storage words per mint)
     is left out, so `totalSupply`, `tokenByIndex` and
     `tokenOfOwnerByIndex` are not provided (`data_count` counts the
     datasets) and ERC-721 enumeration is not advertised.

     Storage per dataset, packed to fit a publication in 400 k gas:
     - `_sale`: price (96 bits at `160`) | payment token (low 160 bits);
     - `_state`: validity (32 bits at `0`) | uses (8 bits at `32`) |
       deprecated (bit `40`) | delisted (bit `41`) | generation (32
       bits at `48`) | recipe count (8 bits at `80`) | lengths of the
       metadata CID, content CID and endpoint (8 bits each at `88`,
       `96`, `104`);
     - the three texts as raw 32-byte words without Vyper's length word
       (their lengths are in `_state`), so a 59-character CID takes two
       words; words past a shorter rewrite are left and ignored;
     - the recipes as a fixed array whose count is in `_state`;
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


# @dev We import and implement the `IDataNFT` interface.
from .interfaces import IDataNFT
implements: IDataNFT


# @dev We import and initialise the `access_control` module.
from snekmate.auth import access_control
initializes: access_control


# @dev We import and initialise the `ownable` module,
# which the `erc721` module uses for its minter role
# (unused here: datasets are minted by `publish`).
from snekmate.auth import ownable
initializes: ownable


# @dev We import and initialise the `erc721` module.
from snekmate.tokens import erc721
initializes: erc721[ownable := ownable]


# @dev We export the `access_control` functions (its `supportsInterface`
# is replaced below) and the `erc721` functions that DataNFT keeps as
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


# @dev The full details of a dataset, as `dataset` returns them.
struct Dataset:
    owner: address
    manager: address
    metadata_cid: String[_MAX_TEXT]
    content_cid: String[_MAX_TEXT]
    endpoint: String[_MAX_TEXT]
    price: uint256
    payment_token: address
    validity: uint256
    uses: uint256
    recipes: DynArray[bytes32, MAX_RECIPES]
    deprecated: bool
    delisted: bool
    generation: uint256


# @dev The allowed-use bit flags.
USE_TRAINING: public(constant(uint256)) = 1
USE_INFERENCE: public(constant(uint256)) = 2
USE_COMMERCIAL: public(constant(uint256)) = 4
_ALL_USES: constant(uint256) = 7


# @dev The largest number of compute-to-data recipes of a dataset.
MAX_RECIPES: public(constant(uint256)) = 16


# @dev The longest recipe list accepted by the ABI decoder; longer
# than `MAX_RECIPES` so that a list of 17 to 64 gets a clear revert.
_RECIPES_INPUT: constant(uint256) = 64


# @dev The longest metadata CID, content CID and endpoint (4 words).
_MAX_TEXT: constant(uint256) = 128
_TEXT_WORDS: constant(uint256) = 4


# @dev The texts of a dataset, by field index.
_METADATA: constant(uint256) = 0
_CONTENT: constant(uint256) = 1
_ENDPOINT: constant(uint256) = 2


# @dev The layout of `_sale`, see the `@dev` note above.
_ADDRESS_MASK: constant(uint256) = 2**160 - 1
_PRICE_SHIFT: constant(uint256) = 160
_MAX_PRICE: constant(uint256) = 2**96 - 1


# @dev The layout of `_state`, see the `@dev` note above.
_MAX_VALIDITY: constant(uint256) = 2**32 - 1
_TERMS_MASK: constant(uint256) = 2**40 - 1
_USES_SHIFT: constant(uint256) = 32
_BYTE_MASK: constant(uint256) = 255
_DEPRECATED: constant(uint256) = 1 << 40
_DELISTED: constant(uint256) = 1 << 41
_GENERATION_SHIFT: constant(uint256) = 48
_GENERATION_MASK: constant(uint256) = 2**32 - 1
_RECIPES_SHIFT: constant(uint256) = 80
_LENGTH_SHIFT: constant(uint256) = 88


# @dev The largest data id: the licences contract packs data ids in 40
# bits (a trillion datasets, which the gas of publishing rules out).
_MAX_DATA_ID: constant(uint256) = 2**40 - 1


# @dev The scheme of `tokenURI`: the metadata CID on IPFS.
_URI_SCHEME: constant(String[7]) = "ipfs://"


# @dev The EIP-712 domain name and version (ERC-4494 permits).
_EIP712_NAME: constant(String[50]) = "Noosphere Data"
_EIP712_VERSION: constant(String[20]) = "1"


# @dev The ERC-165 identifiers: ERC-165, ERC-721, ERC-721 metadata,
# ERC-4494, ERC-4906 and `IAccessControl`.
_SUPPORTED_INTERFACES: constant(bytes4[6]) = [
    0x01FFC9A7,
    0x80AC58CD,
    0x5B5E139F,
    0x589C5CE2,
    0x49064906,
    0x7965DB0B,
]


# @dev Returns the number of datasets published, which is the
# largest data id.
data_count: public(uint256)


# @dev Returns whether an ERC-20 token may be a payment token.
payment_token_allowed: public(HashMap[address, bool])


# @dev Returns the CID of the reason why a dataset is delisted
# (empty when it is listed).
delist_reason: public(HashMap[uint256, String[_MAX_TEXT]])


# @dev The packed price and payment token of each dataset.
_sale: HashMap[uint256, uint256]


# @dev The packed terms, flags, generation and lengths of each dataset.
_state: HashMap[uint256, uint256]


# @dev The texts of each dataset, by field index, as raw words.
_text: HashMap[uint256, HashMap[uint256, bytes32[_TEXT_WORDS]]]


# @dev The recipe hashes of each dataset (the count is in `_state`).
_recipes: HashMap[uint256, bytes32[MAX_RECIPES]]


# @dev The packed manager and its generation of each dataset.
_managers: HashMap[uint256, uint256]


# @dev Emitted when a dataset is published (with the ERC-721 `Transfer`
# of its mint).
event Published:
    data_id: indexed(uint256)
    owner: indexed(address)
    payment_token: indexed(address)
    metadata_cid: String[_MAX_TEXT]
    content_cid: String[_MAX_TEXT]
    endpoint: String[_MAX_TEXT]
    price: uint256
    validity: uint256
    uses: uint256
    recipes: DynArray[bytes32, MAX_RECIPES]


# @dev Emitted when the owner or manager changes the metadata CID
# (with ERC-4906's `MetadataUpdate`).
event MetadataSet:
    data_id: indexed(uint256)
    sender: indexed(address)
    metadata_cid: String[_MAX_TEXT]


# @dev Emitted when the owner or manager changes the endpoint.
event EndpointSet:
    data_id: indexed(uint256)
    sender: indexed(address)
    endpoint: String[_MAX_TEXT]


# @dev Emitted when the owner or manager changes the price or token.
event PriceSet:
    data_id: indexed(uint256)
    sender: indexed(address)
    payment_token: indexed(address)
    price: uint256


# @dev Emitted when the owner or manager changes the validity or uses.
event LicenceTermsSet:
    data_id: indexed(uint256)
    sender: indexed(address)
    validity: uint256
    uses: uint256


# @dev Emitted when the owner or manager replaces the recipe list.
event RecipesSet:
    data_id: indexed(uint256)
    sender: indexed(address)
    recipes: DynArray[bytes32, MAX_RECIPES]


# @dev Emitted when the owner appoints (or, with the zero address,
# removes) the manager of the current generation.
event ManagerSet:
    data_id: indexed(uint256)
    manager: indexed(address)
    generation: uint256


# @dev Emitted when the owner or manager deprecates a dataset or
# undoes it.
event DeprecationSet:
    data_id: indexed(uint256)
    sender: indexed(address)
    deprecated: bool


# @dev Emitted when the admin delists a dataset.
event Delisted:
    data_id: indexed(uint256)
    admin: indexed(address)
    reason_cid: String[_MAX_TEXT]


# @dev Emitted when the admin relists a dataset.
event Relisted:
    data_id: indexed(uint256)
    admin: indexed(address)


# @dev Emitted when the admin allows or disallows a payment token.
event PaymentTokenSet:
    token: indexed(address)
    allowed: bool


@deploy
@payable
def __init__(name_: String[25], symbol_: String[5], noos_: address):
    """
    @dev To omit the opcodes for checking the `msg.value` in the
         creation-time EVM bytecode, the constructor is `payable`.
    @notice The deployer receives `DEFAULT_ADMIN_ROLE`; NOOS is the
            first allowed payment token. The EIP-712 domain of permits
            is "Noosphere Data"/"1".
    @param name_ The maximum 25-character name of the collection.
    @param symbol_ The maximum 5-character symbol of the collection.
    @param noos_ The 20-byte address of the NOOS token.
    """
    assert noos_ != empty(address), "datanft: zero address"
    access_control.__init__()
    ownable.__init__()
    erc721.__init__(name_, symbol_, "", _EIP712_NAME, _EIP712_VERSION)
    self._set_payment_token(noos_, True)


@external
@view
def supportsInterface(interface_id: bytes4) -> bool:
    """
    @dev Returns `True` if this contract implements the interface
         defined by `interface_id`: ERC-165, ERC-721, ERC-721 metadata,
         ERC-4494, ERC-4906 or `IAccessControl` (not ERC-721
         enumeration).
    @param interface_id The 4-byte interface identifier.
    @return bool Whether the contract implements the interface.
    """
    return interface_id in _SUPPORTED_INTERFACES


@external
def publish(
    metadata_cid: String[_MAX_TEXT],
    content_cid: String[_MAX_TEXT],
    endpoint: String[_MAX_TEXT],
    price: uint256,
    payment_token: address,
    validity: uint256,
    uses: uint256,
    recipes: DynArray[bytes32, _RECIPES_INPUT],
) -> uint256:
    """
    @dev Mints the next dataset to the caller with its CIDs, endpoint
         and terms.
    @notice The caller owns the new token; no `onERC721Received` call is
            made (the caller chose to publish). The content CID cannot
            be changed later.
    @param metadata_cid The metadata CID (1 to 128 characters).
    @param content_cid The CID of the encrypted content (1 to 128
           characters).
    @param endpoint The provider's URL (1 to 128 characters).
    @param price The 32-byte price of one licence in the smallest unit
           of `payment_token`; non-zero and below `2**96`.
    @param payment_token The 20-byte address of an allowed ERC-20 token.
    @param validity The 32-byte validity of an order in seconds;
           non-zero and below `2**32`.
    @param uses The 32-byte allowed-use flags: a non-zero combination of
           `USE_TRAINING`, `USE_INFERENCE` and `USE_COMMERCIAL`.
    @param recipes The 32-byte non-zero hashes of the allowed
           compute-to-data recipes, at most `MAX_RECIPES`.
    @return uint256 The 32-byte data id of the new dataset.
    """
    assert len(metadata_cid) != 0, "datanft: empty metadata CID"
    assert len(content_cid) != 0, "datanft: empty content CID"
    assert len(endpoint) != 0, "datanft: empty endpoint"
    self._check_price(price, payment_token)
    self._check_licence_terms(validity, uses)
    self._check_recipes(recipes)

    data_id: uint256 = self.data_count + 1
    assert data_id <= _MAX_DATA_ID, "datanft: data ids exhausted"
    self.data_count = data_id
    # A balance cannot reach 2**256: it is below the number of datasets.
    erc721._balances[msg.sender] = unsafe_add(erc721._balances[msg.sender], 1)
    erc721._owners[data_id] = msg.sender
    log IERC721.Transfer(sender=empty(address), receiver=msg.sender, token_id=data_id)

    self._sale[data_id] = (price << _PRICE_SHIFT) | convert(payment_token, uint256)
    state: uint256 = validity | (uses << _USES_SHIFT)
    state = self._store_text(data_id, _METADATA, metadata_cid, state)
    state = self._store_text(data_id, _CONTENT, content_cid, state)
    state = self._store_text(data_id, _ENDPOINT, endpoint, state)
    self._state[data_id] = self._store_recipes(data_id, recipes, state)

    log Published(
        data_id=data_id,
        owner=msg.sender,
        payment_token=payment_token,
        metadata_cid=metadata_cid,
        content_cid=content_cid,
        endpoint=endpoint,
        price=price,
        validity=validity,
        uses=uses,
        recipes=self._bounded(recipes),
    )
    return data_id


@external
def set_metadata(data_id: uint256, metadata_cid: String[_MAX_TEXT]):
    """
    @dev Replaces the metadata CID of a dataset.
    @notice Only the owner or the manager can call this function.
    @param data_id The 32-byte data id.
    @param metadata_cid The new metadata CID (1 to 128 characters).
    """
    state: uint256 = self._check_owner_or_manager(data_id)
    assert len(metadata_cid) != 0, "datanft: empty metadata CID"
    self._state[data_id] = self._store_text(data_id, _METADATA, metadata_cid, state)
    log MetadataSet(data_id=data_id, sender=msg.sender, metadata_cid=metadata_cid)
    log IERC4906.MetadataUpdate(_tokenId=data_id)


@external
def set_endpoint(data_id: uint256, endpoint: String[_MAX_TEXT]):
    """
    @dev Replaces the provider endpoint of a dataset.
    @notice Only the owner or the manager can call this function.
    @param data_id The 32-byte data id.
    @param endpoint The new provider URL (1 to 128 characters).
    """
    state: uint256 = self._check_owner_or_manager(data_id)
    assert len(endpoint) != 0, "datanft: empty endpoint"
    self._state[data_id] = self._store_text(data_id, _ENDPOINT, endpoint, state)
    log EndpointSet(data_id=data_id, sender=msg.sender, endpoint=endpoint)


@external
def set_price(data_id: uint256, price: uint256, payment_token: address):
    """
    @dev Replaces the price of one licence and the payment token.
    @notice Only the owner or the manager can call this function. A
            buyer's `max_price` protects it against a price raised in
            front of its purchase.
    @param data_id The 32-byte data id.
    @param price The 32-byte new price; non-zero and below `2**96`.
    @param payment_token The 20-byte address of an allowed ERC-20 token.
    """
    self._check_owner_or_manager(data_id)
    self._check_price(price, payment_token)
    self._sale[data_id] = (price << _PRICE_SHIFT) | convert(payment_token, uint256)
    log PriceSet(data_id=data_id, sender=msg.sender, payment_token=payment_token, price=price)


@external
def set_licence_terms(data_id: uint256, validity: uint256, uses: uint256):
    """
    @dev Replaces the order validity and the allowed uses.
    @notice Only the owner or the manager can call this function.
            Orders already started keep their expiry.
    @param data_id The 32-byte data id.
    @param validity The 32-byte validity in seconds; non-zero and below
           `2**32`.
    @param uses The 32-byte allowed-use flags (non-zero, known bits).
    """
    state: uint256 = self._check_owner_or_manager(data_id)
    self._check_licence_terms(validity, uses)
    self._state[data_id] = (state & ~_TERMS_MASK) | validity | (uses << _USES_SHIFT)
    log LicenceTermsSet(data_id=data_id, sender=msg.sender, validity=validity, uses=uses)


@external
def set_recipes(data_id: uint256, recipes: DynArray[bytes32, _RECIPES_INPUT]):
    """
    @dev Replaces the compute-to-data recipe allow-list.
    @notice Only the owner or the manager can call this function. An
            empty list allows no recipe.
    @param data_id The 32-byte data id.
    @param recipes The 32-byte non-zero recipe hashes, at most
           `MAX_RECIPES`.
    """
    state: uint256 = self._check_owner_or_manager(data_id)
    self._check_recipes(recipes)
    self._state[data_id] = self._store_recipes(data_id, recipes, state)
    log RecipesSet(data_id=data_id, sender=msg.sender, recipes=self._bounded(recipes))


@external
def set_manager(data_id: uint256, manager: address):
    """
    @dev Appoints the manager of a dataset for the current generation.
    @notice Only the owner can call this function. The zero address
            removes the manager. The manager loses its role when the
            token is transferred.
    @param data_id The 32-byte data id.
    @param manager The 20-byte manager address.
    """
    owner: address = erc721._owners[data_id]
    assert owner != empty(address), "datanft: unknown data id"
    assert msg.sender == owner, "datanft: caller is not the owner"
    generation: uint256 = self._generation(self._state[data_id])
    self._managers[data_id] = (generation << 160) | convert(manager, uint256)
    log ManagerSet(data_id=data_id, manager=manager, generation=generation)


@external
def set_deprecated(data_id: uint256, deprecated: bool):
    """
    @dev Deprecates a dataset (no more licences sold or orders started)
         or undoes it.
    @notice Only the owner or the manager can call this function. Orders
            already started stay valid until they expire.
    @param data_id The 32-byte data id.
    @param deprecated Whether the dataset is deprecated.
    """
    state: uint256 = self._check_owner_or_manager(data_id)
    if deprecated:
        state |= _DEPRECATED
    else:
        state &= ~_DEPRECATED
    self._state[data_id] = state
    log DeprecationSet(data_id=data_id, sender=msg.sender, deprecated=deprecated)


@external
def delist(data_id: uint256, reason_cid: String[_MAX_TEXT]):
    """
    @dev Delists a dataset: no licence can be bought, no order started,
         and started orders are no longer valid (`order_valid`).
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function.
    @param data_id The 32-byte data id.
    @param reason_cid The CID of the reason (1 to 128 characters).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    state: uint256 = self._existing_state(data_id)
    assert state & _DELISTED == 0, "datanft: already delisted"
    assert len(reason_cid) != 0, "datanft: empty reason CID"
    self._state[data_id] = state | _DELISTED
    self.delist_reason[data_id] = reason_cid
    log Delisted(data_id=data_id, admin=msg.sender, reason_cid=reason_cid)


@external
def relist(data_id: uint256):
    """
    @dev Relists a delisted dataset.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function.
    @param data_id The 32-byte data id.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    state: uint256 = self._existing_state(data_id)
    assert state & _DELISTED != 0, "datanft: not delisted"
    self._state[data_id] = state & ~_DELISTED
    self.delist_reason[data_id] = ""
    log Relisted(data_id=data_id, admin=msg.sender)


@external
def set_payment_token(token: address, allowed: bool):
    """
    @dev Allows or disallows an ERC-20 token as a payment token.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function. Datasets
            priced in a disallowed token cannot be bought until their
            owner picks an allowed one. Tokens that take a fee on
            transfer or rebase must not be allowed.
    @param token The 20-byte token address.
    @param allowed Whether the token is allowed.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert token != empty(address), "datanft: zero address"
    self._set_payment_token(token, allowed)


@external
@payable
def transferFrom(owner: address, to: address, token_id: uint256):
    """
    @dev Transfers dataset `token_id` from `owner` to `to` and starts a
         new generation (the manager loses its role).
    @notice The caller must be the owner or approved (`approve`,
            `setApprovalForAll`). `to` must be able to hold ERC-721
            tokens (see `safeTransferFrom`). The function is `payable`
            as in EIP-721; ether sent is locked forever.
    @param owner The 20-byte owner address.
    @param to The 20-byte receiver address.
    @param token_id The 32-byte data id.
    """
    assert erc721._is_approved_or_owner(msg.sender, token_id), "datanft: caller is not token owner or approved"
    self._transfer(owner, to, token_id)


@external
@payable
def safeTransferFrom(owner: address, to: address, token_id: uint256, data: Bytes[1_024] = b""):
    """
    @dev Transfers dataset `token_id` from `owner` to `to`, checking
         that a contract receiver implements `onERC721Received`, and
         starts a new generation (the manager loses its role).
    @notice The caller must be the owner or approved. The function is
            `payable` as in EIP-721; ether sent is locked forever.
    @param owner The 20-byte owner address.
    @param to The 20-byte receiver address.
    @param token_id The 32-byte data id.
    @param data The maximum 1,024-byte data passed to the receiver.
    """
    assert erc721._is_approved_or_owner(msg.sender, token_id), "datanft: caller is not token owner or approved"
    self._transfer(owner, to, token_id)
    assert erc721._check_on_erc721_received(owner, to, token_id, data), "datanft: transfer to non-IERC721Receiver implementer"


@external
@view
def terms(data_id: uint256) -> IDataNFT.Terms:
    """
    @dev Returns the sale terms of a dataset in one call.
    @notice Does not revert for an unknown `data_id`: its `owner` is
            the zero address.
    @param data_id The 32-byte data id.
    @return Terms The owner, payment token, price, validity, uses,
            deprecated and delisted flags, and whether the payment
            token is allowed.
    """
    sale: uint256 = self._sale[data_id]
    state: uint256 = self._state[data_id]
    token: address = convert(sale & _ADDRESS_MASK, address)
    return IDataNFT.Terms(
        owner=erc721._owners[data_id],
        payment_token=token,
        price=sale >> _PRICE_SHIFT,
        validity=state & _MAX_VALIDITY,
        uses=(state >> _USES_SHIFT) & _BYTE_MASK,
        deprecated=state & _DEPRECATED != 0,
        delisted=state & _DELISTED != 0,
        token_allowed=self.payment_token_allowed[token],
    )


@external
@view
def dataset(data_id: uint256) -> Dataset:
    """
    @dev Returns every detail of a dataset in one call.
    @notice Reverts for an unknown `data_id`.
    @param data_id The 32-byte data id.
    @return Dataset The owner, current manager (zero if none), CIDs,
            endpoint, terms, recipes, flags and generation.
    """
    state: uint256 = self._existing_state(data_id)
    sale: uint256 = self._sale[data_id]
    return Dataset(
        owner=erc721._owners[data_id],
        manager=self._manager(data_id, state),
        metadata_cid=self._load_text(data_id, _METADATA, state),
        content_cid=self._load_text(data_id, _CONTENT, state),
        endpoint=self._load_text(data_id, _ENDPOINT, state),
        price=sale >> _PRICE_SHIFT,
        payment_token=convert(sale & _ADDRESS_MASK, address),
        validity=state & _MAX_VALIDITY,
        uses=(state >> _USES_SHIFT) & _BYTE_MASK,
        recipes=self._load_recipes(data_id, state),
        deprecated=state & _DEPRECATED != 0,
        delisted=state & _DELISTED != 0,
        generation=self._generation(state),
    )


@external
@view
def metadata_cid(data_id: uint256) -> String[_MAX_TEXT]:
    """
    @dev Returns the metadata CID of a dataset.
    @param data_id The 32-byte data id (reverts if unknown).
    @return String The metadata CID.
    """
    return self._load_text(data_id, _METADATA, self._existing_state(data_id))


@external
@view
def content_cid(data_id: uint256) -> String[_MAX_TEXT]:
    """
    @dev Returns the CID of the encrypted content of a dataset.
    @param data_id The 32-byte data id (reverts if unknown).
    @return String The content CID.
    """
    return self._load_text(data_id, _CONTENT, self._existing_state(data_id))


@external
@view
def endpoint(data_id: uint256) -> String[_MAX_TEXT]:
    """
    @dev Returns the provider endpoint of a dataset.
    @param data_id The 32-byte data id (reverts if unknown).
    @return String The provider URL.
    """
    return self._load_text(data_id, _ENDPOINT, self._existing_state(data_id))


@external
@view
def tokenURI(token_id: uint256) -> String[_MAX_TEXT + 7]:
    """
    @dev Returns the ERC-721 metadata URI of a dataset: `ipfs://`
         followed by its metadata CID.
    @param token_id The 32-byte data id (reverts if unknown).
    @return String The URI.
    """
    return concat(_URI_SCHEME, self._load_text(token_id, _METADATA, self._existing_state(token_id)))


@external
@view
def recipes(data_id: uint256) -> DynArray[bytes32, MAX_RECIPES]:
    """
    @dev Returns the compute-to-data recipe allow-list of a dataset.
    @param data_id The 32-byte data id (reverts if unknown).
    @return DynArray The 32-byte recipe hashes.
    """
    return self._load_recipes(data_id, self._existing_state(data_id))


@external
@view
def recipe_allowed(data_id: uint256, recipe: bytes32) -> bool:
    """
    @dev Returns whether a compute-to-data recipe is allowed on a dataset.
    @param data_id The 32-byte data id (reverts if unknown).
    @param recipe The 32-byte recipe hash.
    @return bool Whether `recipe` is in the allow-list.
    """
    return recipe != empty(bytes32) and recipe in self._load_recipes(data_id, self._existing_state(data_id))


@external
@view
def manager_of(data_id: uint256) -> address:
    """
    @dev Returns the manager of a dataset in the current generation.
    @param data_id The 32-byte data id (reverts if unknown).
    @return address The 20-byte manager, zero if none.
    """
    return self._manager(data_id, self._existing_state(data_id))


@external
@view
def generation(data_id: uint256) -> uint256:
    """
    @dev Returns the generation of a dataset: the number of transfers
         since it was published.
    @param data_id The 32-byte data id (reverts if unknown).
    @return uint256 The 32-byte generation.
    """
    return self._generation(self._existing_state(data_id))


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
def _transfer(owner: address, to: address, data_id: uint256):
    """
    @dev Moves dataset `data_id` from `owner` to `to`, clears its
         approval and bumps its generation.
    @param owner The 20-byte owner address.
    @param to The 20-byte receiver address.
    @param data_id The 32-byte data id (must exist).
    """
    assert erc721._owner_of(data_id) == owner, "datanft: transfer from incorrect owner"
    assert to != empty(address), "datanft: transfer to the zero address"
    erc721._token_approvals[data_id] = empty(address)
    # `owner` holds the token, and no balance can exceed the number of datasets.
    erc721._balances[owner] = unsafe_sub(erc721._balances[owner], 1)
    erc721._balances[to] = unsafe_add(erc721._balances[to], 1)
    erc721._owners[data_id] = to
    state: uint256 = self._state[data_id]
    # The generation wraps after 2**32 transfers, which no gas budget allows.
    generation: uint256 = unsafe_add(self._generation(state), 1) & _GENERATION_MASK
    mask: uint256 = _GENERATION_MASK << _GENERATION_SHIFT
    self._state[data_id] = (state & ~mask) | (generation << _GENERATION_SHIFT)
    log IERC721.Transfer(sender=owner, receiver=to, token_id=data_id)


@internal
@view
def _existing_state(data_id: uint256) -> uint256:
    """
    @dev Returns the state word of a dataset, reverting if unknown.
    @param data_id The 32-byte data id.
    @return uint256 The 32-byte state word.
    """
    assert erc721._owners[data_id] != empty(address), "datanft: unknown data id"
    return self._state[data_id]


@internal
@view
def _check_owner_or_manager(data_id: uint256) -> uint256:
    """
    @dev Reverts unless the caller is the owner or the current manager
         of an existing dataset.
    @param data_id The 32-byte data id.
    @return uint256 The 32-byte state word of the dataset.
    """
    owner: address = erc721._owners[data_id]
    assert owner != empty(address), "datanft: unknown data id"
    state: uint256 = self._state[data_id]
    if msg.sender != owner:
        assert self._manager(data_id, state) == msg.sender, "datanft: caller is not the owner or manager"
    return state


@internal
@view
def _manager(data_id: uint256, state: uint256) -> address:
    """
    @dev Returns the manager appointed in the current generation.
    @param data_id The 32-byte data id.
    @param state The 32-byte state word of the dataset.
    @return address The 20-byte manager, zero if none or stale.
    """
    packed: uint256 = self._managers[data_id]
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
@view
def _check_price(price: uint256, payment_token: address):
    """
    @dev Reverts unless `price` fits the packed word and
         `payment_token` is allowed.
    @param price The 32-byte price of one licence.
    @param payment_token The 20-byte payment token.
    """
    assert price != 0, "datanft: price is zero"
    assert price <= _MAX_PRICE, "datanft: price exceeds uint96"
    assert self.payment_token_allowed[payment_token], "datanft: payment token not allowed"


@internal
@pure
def _check_licence_terms(validity: uint256, uses: uint256):
    """
    @dev Reverts unless `validity` and `uses` are in range.
    @param validity The 32-byte validity in seconds.
    @param uses The 32-byte allowed-use flags.
    """
    assert validity != 0, "datanft: validity is zero"
    assert validity <= _MAX_VALIDITY, "datanft: validity exceeds uint32"
    assert uses != 0, "datanft: uses is zero"
    assert uses & ~_ALL_USES == 0, "datanft: unknown uses"


@internal
@pure
def _check_recipes(recipes: DynArray[bytes32, _RECIPES_INPUT]):
    """
    @dev Reverts unless the recipe list is short enough and holds no
         zero hash.
    @param recipes The 32-byte recipe hashes.
    """
    assert len(recipes) <= MAX_RECIPES, "datanft: too many recipes"
    for recipe: bytes32 in recipes:
        assert recipe != empty(bytes32), "datanft: zero recipe hash"


@internal
@pure
def _bounded(recipes: DynArray[bytes32, _RECIPES_INPUT]) -> DynArray[bytes32, MAX_RECIPES]:
    """
    @dev Copies a checked recipe list into its stored bound.
    @param recipes The 32-byte recipe hashes (at most `MAX_RECIPES`).
    @return DynArray The same hashes.
    """
    bounded: DynArray[bytes32, MAX_RECIPES] = []
    for recipe: bytes32 in recipes:
        bounded.append(recipe)
    return bounded


@internal
def _store_recipes(data_id: uint256, recipes: DynArray[bytes32, _RECIPES_INPUT], state: uint256) -> uint256:
    """
    @dev Writes the recipe hashes and returns `state` with their count.
    @param data_id The 32-byte data id.
    @param recipes The 32-byte recipe hashes (at most `MAX_RECIPES`).
    @param state The 32-byte state word of the dataset.
    @return uint256 The 32-byte updated state word.
    """
    count: uint256 = len(recipes)
    for i: uint256 in range(MAX_RECIPES):
        if i == count:
            break
        self._recipes[data_id][i] = recipes[i]
    mask: uint256 = _BYTE_MASK << _RECIPES_SHIFT
    return (state & ~mask) | (count << _RECIPES_SHIFT)


@internal
@view
def _load_recipes(data_id: uint256, state: uint256) -> DynArray[bytes32, MAX_RECIPES]:
    """
    @dev Reads the recipe hashes of a dataset.
    @param data_id The 32-byte data id.
    @param state The 32-byte state word of the dataset.
    @return DynArray The 32-byte recipe hashes.
    """
    count: uint256 = (state >> _RECIPES_SHIFT) & _BYTE_MASK
    recipes: DynArray[bytes32, MAX_RECIPES] = []
    for i: uint256 in range(MAX_RECIPES):
        if i == count:
            break
        recipes.append(self._recipes[data_id][i])
    return recipes


@internal
def _store_text(data_id: uint256, field: uint256, text: String[_MAX_TEXT], state: uint256) -> uint256:
    """
    @dev Writes the words of a text and returns `state` with its length.
    @notice Only the words that hold characters are written; later words
            of a longer earlier text are left and ignored.
    @param data_id The 32-byte data id.
    @param field The text's field index.
    @param text The text (at most `_MAX_TEXT` characters).
    @param state The 32-byte state word of the dataset.
    @return uint256 The 32-byte updated state word.
    """
    length: uint256 = len(text)
    # Padded with a zero word so that the last, partial word can be extracted.
    padded: Bytes[_MAX_TEXT + 32] = concat(convert(text, Bytes[_MAX_TEXT]), empty(bytes32))
    for i: uint256 in range(_TEXT_WORDS):
        if i * 32 >= length:
            break
        self._text[data_id][field][i] = extract32(padded, i * 32)
    offset: uint256 = _LENGTH_SHIFT + 8 * field
    return (state & ~(_BYTE_MASK << offset)) | (length << offset)


@internal
@view
def _load_text(data_id: uint256, field: uint256, state: uint256) -> String[_MAX_TEXT]:
    """
    @dev Reads a text of a dataset.
    @param data_id The 32-byte data id.
    @param field The text's field index.
    @param state The 32-byte state word of the dataset.
    @return String The text.
    """
    length: uint256 = (state >> (_LENGTH_SHIFT + 8 * field)) & _BYTE_MASK
    words: bytes32[_TEXT_WORDS] = self._text[data_id][field]
    raw: Bytes[_MAX_TEXT] = slice(concat(words[0], words[1], words[2], words[3]), 0, length)
    return convert(raw, String[_MAX_TEXT])
