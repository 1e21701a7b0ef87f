# pragma version ~=0.4.3
"""
@title ModelLicences: Model Licences as ERC-1155 Tokens, and the Models' Revenue
@custom:contract-name model_licences
@license GNU Affero General Public License v3.0 only
@notice Sells the licences of the models of a ModelNFT contract and
        holds their revenue (DESIGN §4 "models", `docs/models.md`).

        - Licences: the licence of kind `kind` (inference = 0,
          fine-tune = 1, commercial = 2) of model `model_id` is the
          ERC-1155 token `model_id * 4 + kind`. `buy` pays the kind's
          price in its payment token (`transferFrom`: the buyer
          approves this contract first) and gives the caller the
          licence until `expiry`: `max(expiry, now) + validity`, so
          buying again extends it. An account holds at most one licence
          of an id (balance 0 or 1) and keeps it after it expires;
          `licence_valid` says whether it is valid now (not expired,
          model not delisted). A licence is transferred whole, with its
          expiry, to an account that holds none of that id.
        - Revenue: every payment (a licence sale, or a royalty paid with
          `pay_royalty`) pays the protocol fee (`fee_bps`, at most
          `MAX_FEE_BPS` = 10 %) to the treasury's account (`fees`, sent by
          `collect_fees`) and credits the rest to the model's balance
          (`model_balance`). Anyone calls `distribute(model_id, token,
          recipients, parents)` with the model's split (checked against
          its `splits_hash`): each parent's share is credited to the
          parent's balance (distributed in turn by another call), the
          rest to the recipients' accounts (`pending`), which they
          withdraw with `withdraw` (pull payment). Every call is bounded
          by `MAX_RECIPIENTS` recipients and `MAX_PARENTS` parents.

        `DEFAULT_ADMIN_ROLE` (the deployer, later the DAO's timelock)
        sets the fee and the treasury.
@dev Reuses snekmate's `erc1155` for operator approvals and the
     receiver checks. Balances are not snekmate's: a licence is one word
     per (holder, id), its expiry (zero if none), and `balanceOf` is 1
     when it is non-zero, so that a sale writes one word, not a balance
     and an expiry and a supply. The fee configuration is one word: fee
     in basis points (at `160`) | treasury (low 160 bits).
"""


# @dev We import and implement the `IERC165` interface,
# which is a built-in interface of the Vyper compiler.
from ethereum.ercs import IERC165
implements: IERC165


# @dev We import the `IERC20` interface, which is a
# built-in interface of the Vyper compiler.
from ethereum.ercs import IERC20


# @dev We import and implement snekmate's `IERC1155` interface.
from snekmate.tokens.interfaces import IERC1155
implements: IERC1155


# @dev We import the `IModelNFT` interface and implement the
# `IModelLicences` interface.
from .interfaces import IModelNFT
from .interfaces import IModelLicences
implements: IModelLicences


# @dev We import and initialise the `access_control` module.
from snekmate.auth import access_control
initializes: access_control


# @dev We import and initialise the `ownable` module, which
# the `erc1155` module uses for its minter role (unused here:
# licences are minted by `buy`).
from snekmate.auth import ownable
initializes: ownable


# @dev We import and initialise the `erc1155` module.
from snekmate.tokens import erc1155
initializes: erc1155[ownable := ownable]


# @dev We export the `access_control` functions (its `supportsInterface`
# is replaced below) and the operator approvals of `erc1155`. Balances
# and transfers are defined below; minting happens only through `buy`.
exports: (
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.set_role_admin,
    erc1155.setApprovalForAll,
    erc1155.isApprovedForAll,
)


# @dev The licence kinds (as in ModelNFT) and the number of ids per model.
INFERENCE: public(constant(uint256)) = 0
FINE_TUNE: public(constant(uint256)) = 1
COMMERCIAL: public(constant(uint256)) = 2
_KINDS: constant(uint256) = 3
_IDS_PER_MODEL: constant(uint256) = 4


# @dev The bounds of a split (as in ModelNFT).
MAX_RECIPIENTS: public(constant(uint256)) = 10
MAX_PARENTS: public(constant(uint256)) = 4


# @dev The largest protocol fee, in basis points (10 %).
MAX_FEE_BPS: public(constant(uint256)) = 1_000


# @dev The basis-point denominator.
_BPS: constant(uint256) = 10_000


# @dev The most ids in a batch (as in snekmate's `erc1155`).
_BATCH_SIZE: constant(uint256) = 128


# @dev The layout of the fee word.
_ADDRESS_MASK: constant(uint256) = 2**160 - 1
_FEE_SHIFT: constant(uint256) = 160


# @dev The ERC-165 identifiers: ERC-165, ERC-1155, ERC-1155 metadata
# URI and `IAccessControl`.
_SUPPORTED_INTERFACES: constant(bytes4[4]) = [
    0x01FFC9A7,
    0xD9B67A26,
    0x0E89341C,
    0x7965DB0B,
]


# @dev Returns the ModelNFT contract whose models are licensed.
modelnft: public(immutable(address))


# @dev The ERC-1155 metadata URI of every licence, with the `{id}`
# placeholder that clients replace (ERC-1155 metadata).
_URI: immutable(String[80])


# @dev Returns the undistributed revenue of a model in a token.
model_balance: public(HashMap[uint256, HashMap[address, uint256]])


# @dev Returns the amount of `token` that `account` can withdraw.
pending: public(HashMap[address, HashMap[address, uint256]])


# @dev Returns the protocol fees in `token` not yet sent to the treasury.
fees: public(HashMap[address, uint256])


# @dev The packed fee and treasury.
_fee_config: uint256


# @dev The expiry of each licence, by holder and licence id (zero if
# the holder holds none).
_expiry: HashMap[address, HashMap[uint256, uint256]]


# @dev Emitted when a licence is bought (with ERC-1155 `TransferSingle`
# when the buyer did not hold it).
event LicenceBought:
    model_id: indexed(uint256)
    buyer: indexed(address)
    payment_token: indexed(address)
    kind: uint256
    price: uint256
    fee: uint256
    expiry: uint256


# @dev Emitted when a royalty is paid to a model.
event RoyaltyPaid:
    model_id: indexed(uint256)
    payer: indexed(address)
    token: indexed(address)
    amount: uint256
    fee: uint256


# @dev Emitted when a model's balance is distributed (after the
# `ParentCredited` and `Credited` events of its shares).
event Distributed:
    model_id: indexed(uint256)
    token: indexed(address)
    sender: indexed(address)
    amount: uint256
    to_parents: uint256


# @dev Emitted when a distribution credits a parent model's balance.
event ParentCredited:
    parent_id: indexed(uint256)
    model_id: indexed(uint256)
    token: indexed(address)
    amount: uint256


# @dev Emitted when a distribution credits a recipient's account.
event Credited:
    account: indexed(address)
    model_id: indexed(uint256)
    token: indexed(address)
    amount: uint256


# @dev Emitted when an account withdraws its credit.
event Withdrawn:
    account: indexed(address)
    token: indexed(address)
    amount: uint256


# @dev Emitted when the protocol fees of a token are sent to the treasury.
event FeesCollected:
    token: indexed(address)
    treasury: indexed(address)
    amount: uint256


# @dev Emitted when the admin sets the protocol fee.
event FeeSet:
    fee_bps: uint256


# @dev Emitted when the admin sets the treasury.
event TreasurySet:
    treasury: indexed(address)


@deploy
@payable
def __init__(modelnft_: address, treasury_: address, fee_bps_: uint256, uri_: String[80]):
    """
    @dev To omit the opcodes for checking the `msg.value` in the
         creation-time EVM bytecode, the constructor is `payable`.
    @notice The deployer receives `DEFAULT_ADMIN_ROLE`. The ModelNFT's
            admin then wires this contract with `set_licences`.
    @param modelnft_ The 20-byte address of the ModelNFT contract.
    @param treasury_ The 20-byte treasury that receives the fees.
    @param fee_bps_ The 32-byte protocol fee in basis points, at most
           `MAX_FEE_BPS`.
    @param uri_ The maximum 80-character ERC-1155 metadata URI of the
           licences, normally with the `{id}` placeholder.
    """
    assert modelnft_ != empty(address), "model_licences: zero address"
    access_control.__init__()
    ownable.__init__()
    erc1155.__init__(uri_)
    modelnft = modelnft_
    _URI = uri_
    self._set_fee(fee_bps_, treasury_)
    log TreasurySet(treasury=treasury_)
    log FeeSet(fee_bps=fee_bps_)


@external
@view
def supportsInterface(interface_id: bytes4) -> bool:
    """
    @dev Returns `True` if this contract implements the interface
         defined by `interface_id`: ERC-165, ERC-1155, ERC-1155 metadata
         URI or `IAccessControl`.
    @param interface_id The 4-byte interface identifier.
    @return bool Whether the contract implements the interface.
    """
    return interface_id in _SUPPORTED_INTERFACES


@external
@view
def uri(id: uint256) -> String[80]:
    """
    @dev Returns the ERC-1155 metadata URI of licence `id`: the same for
         every id, with the `{id}` placeholder that clients replace.
    @param id The 32-byte licence id.
    @return String The URI.
    """
    return _URI


@external
@nonreentrant
def buy(model_id: uint256, kind: uint256, max_price: uint256) -> uint256:
    """
    @dev Buys (or extends) the caller's licence of kind `kind` of a
         model.
    @notice The caller pays the kind's price in its payment token, which
            it must have approved to this contract. The new expiry is
            `max(expiry, block.timestamp) + validity`. If the caller did
            not hold the licence and is a contract, it must implement
            `onERC1155Received`.
    @param model_id The 32-byte model id.
    @param kind The 32-byte licence kind.
    @param max_price The 32-byte highest price that the caller accepts.
    @return uint256 The 32-byte expiry of the licence (a
            `block.timestamp`).
    """
    assert kind < _KINDS, "model_licences: unknown licence kind"
    terms: IModelNFT.SaleTerms = staticcall IModelNFT(modelnft).sale_terms(model_id, kind)
    assert terms.exists, "model_licences: unknown model"
    assert not terms.delisted, "model_licences: model is delisted"
    assert terms.price != 0, "model_licences: licence kind not for sale"
    assert terms.token_allowed, "model_licences: payment token not allowed"
    assert terms.price <= max_price, "model_licences: price above max_price"

    fee: uint256 = self._credit(model_id, terms.payment_token, terms.price)
    # Model ids are below the ModelNFT's model count, far below `2**254`.
    id: uint256 = unsafe_add(unsafe_mul(model_id, _IDS_PER_MODEL), kind)
    held: uint256 = self._expiry[msg.sender][id]
    # Expiries stay below `2**41`: timestamps below `2**40` plus
    # validities below `2**32`, added a bounded number of times.
    expiry: uint256 = max(held, block.timestamp) + terms.validity
    self._expiry[msg.sender][id] = expiry
    assert extcall IERC20(terms.payment_token).transferFrom(
        msg.sender, self, terms.price, default_return_value=True
    ), "model_licences: payment failed"
    log LicenceBought(
        model_id=model_id,
        buyer=msg.sender,
        payment_token=terms.payment_token,
        kind=kind,
        price=terms.price,
        fee=fee,
        expiry=expiry,
    )
    if held == 0:
        log IERC1155.TransferSingle(_operator=msg.sender, _from=empty(address), _to=msg.sender, _id=id, _value=1)
        assert erc1155._check_on_erc1155_received(
            empty(address), msg.sender, id, 1, b""
        ), "model_licences: mint to non-IERC1155Receiver implementer"
    return expiry


@external
@nonreentrant
def pay_royalty(model_id: uint256, token: address, amount: uint256):
    """
    @dev Pays `amount` of `token` to a model: an ERC-2981 royalty of a
         resale of its NFT, or any other revenue (service calls).
    @notice The caller must have approved this contract. The protocol
            fee is taken and the rest credited to the model's balance,
            which `distribute` shares out. Delisted models can still be
            paid.
    @param model_id The 32-byte model id.
    @param token The 20-byte allowed payment token.
    @param amount The 32-byte amount (non-zero).
    """
    assert amount != 0, "model_licences: amount is zero"
    exists: bool = False
    delisted: bool = False
    exists, delisted = staticcall IModelNFT(modelnft).model_status(model_id)
    assert exists, "model_licences: unknown model"
    assert staticcall IModelNFT(modelnft).payment_token_allowed(token), "model_licences: payment token not allowed"
    fee: uint256 = self._credit(model_id, token, amount)
    assert extcall IERC20(token).transferFrom(msg.sender, self, amount, default_return_value=True), "model_licences: payment failed"
    log RoyaltyPaid(model_id=model_id, payer=msg.sender, token=token, amount=amount, fee=fee)


@external
@nonreentrant
def distribute(
    model_id: uint256,
    token: address,
    recipients: DynArray[IModelNFT.Split, MAX_RECIPIENTS],
    parents: DynArray[IModelNFT.ParentShare, MAX_PARENTS],
) -> uint256:
    """
    @dev Shares out a model's balance in `token`: each parent's share to
         the parent's balance, the rest to the recipients' accounts.
    @notice Anyone can call this function, with the model's split as
            logged by ModelNFT's `Registered` event. A parent's share is
            `amount * bps // 10_000`; a recipient's is `rest * bps //
            10_000`, and the last recipient also takes what rounding
            left, so that the whole balance is shared.
    @param model_id The 32-byte model id.
    @param token The 20-byte token.
    @param recipients The model's recipients and shares.
    @param parents The model's parents and shares.
    @return uint256 The 32-byte amount distributed.
    """
    expected: bytes32 = staticcall IModelNFT(modelnft).splits_hash(model_id)
    assert expected != empty(bytes32), "model_licences: unknown model"
    assert keccak256(abi_encode(recipients, parents)) == expected, "model_licences: split does not match the model"
    amount: uint256 = self.model_balance[model_id][token]
    assert amount != 0, "model_licences: nothing to distribute"
    self.model_balance[model_id][token] = 0

    to_parents: uint256 = 0
    for parent: IModelNFT.ParentShare in parents:
        share: uint256 = amount * parent.bps // _BPS
        if share != 0:
            self.model_balance[parent.model_id][token] += share
            # The parents' shares sum to at most half of `amount` (ModelNFT).
            to_parents = unsafe_add(to_parents, share)
            log ParentCredited(parent_id=parent.model_id, model_id=model_id, token=token, amount=share)

    rest: uint256 = unsafe_sub(amount, to_parents)
    left: uint256 = rest
    last: uint256 = len(recipients) - 1
    for i: uint256 in range(MAX_RECIPIENTS):
        if i > last:
            break
        split: IModelNFT.Split = recipients[i]
        share: uint256 = left
        if i != last:
            share = rest * split.bps // _BPS
        # The shares of the recipients before the last sum to at most
        # `rest`, as their bps sum to at most 10,000.
        left = unsafe_sub(left, share)
        if share != 0:
            self.pending[split.account][token] += share
            log Credited(account=split.account, model_id=model_id, token=token, amount=share)
    log Distributed(model_id=model_id, token=token, sender=msg.sender, amount=amount, to_parents=to_parents)
    return amount


@external
@nonreentrant
def withdraw(token: address) -> uint256:
    """
    @dev Sends the caller its credit in `token`.
    @notice Reverts when there is nothing to withdraw (also on a second
            withdrawal with no new credit in between).
    @param token The 20-byte token.
    @return uint256 The 32-byte amount sent.
    """
    amount: uint256 = self.pending[msg.sender][token]
    assert amount != 0, "model_licences: nothing to withdraw"
    self.pending[msg.sender][token] = 0
    assert extcall IERC20(token).transfer(msg.sender, amount, default_return_value=True), "model_licences: transfer failed"
    log Withdrawn(account=msg.sender, token=token, amount=amount)
    return amount


@external
@nonreentrant
def collect_fees(token: address) -> uint256:
    """
    @dev Sends the protocol fees accrued in `token` to the treasury.
    @notice Anyone can call this function.
    @param token The 20-byte token.
    @return uint256 The 32-byte amount sent.
    """
    amount: uint256 = self.fees[token]
    assert amount != 0, "model_licences: no fees to collect"
    self.fees[token] = 0
    treasury_: address = self._treasury()
    assert extcall IERC20(token).transfer(treasury_, amount, default_return_value=True), "model_licences: transfer failed"
    log FeesCollected(token=token, treasury=treasury_, amount=amount)
    return amount


@external
def safeTransferFrom(owner: address, to: address, id: uint256, amount: uint256, data: Bytes[1_024]):
    """
    @dev Transfers the licence `id` of `owner` (`amount` 1), with its
         expiry, to `to`, which must hold none of that id.
    @notice The caller must be `owner` or an operator approved with
            `setApprovalForAll`. An `amount` of 0 moves nothing. If `to`
            is a contract, it must implement `onERC1155Received`.
    @param owner The 20-byte holder.
    @param to The 20-byte receiver.
    @param id The 32-byte licence id.
    @param amount The 32-byte amount: 0 or 1.
    @param data The maximum 1,024-byte data passed to the receiver.
    """
    self._check_transfer(owner, to)
    self._move(owner, to, id, amount)
    log IERC1155.TransferSingle(_operator=msg.sender, _from=owner, _to=to, _id=id, _value=amount)
    assert erc1155._check_on_erc1155_received(owner, to, id, amount, data), "model_licences: transfer to non-IERC1155Receiver implementer"


@external
def safeBatchTransferFrom(
    owner: address,
    to: address,
    ids: DynArray[uint256, _BATCH_SIZE],
    amounts: DynArray[uint256, _BATCH_SIZE],
    data: Bytes[1_024],
):
    """
    @dev Transfers several licences of `owner`, as `safeTransferFrom`.
    @notice `ids` and `amounts` must have the same length.
    @param owner The 20-byte holder.
    @param to The 20-byte receiver.
    @param ids The 32-byte licence ids.
    @param amounts The 32-byte amounts: 0 or 1 each.
    @param data The maximum 1,024-byte data passed to the receiver.
    """
    assert len(ids) == len(amounts), "model_licences: ids and amounts length mismatch"
    self._check_transfer(owner, to)
    for i: uint256 in range(_BATCH_SIZE):
        if i == len(ids):
            break
        self._move(owner, to, ids[i], amounts[i])
    log IERC1155.TransferBatch(_operator=msg.sender, _from=owner, _to=to, _ids=ids, _values=amounts)
    assert erc1155._check_on_erc1155_batch_received(
        owner, to, ids, amounts, data
    ), "model_licences: transfer to non-IERC1155Receiver implementer"


@external
def set_fee(fee_bps_: uint256):
    """
    @dev Sets the protocol fee of later payments.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function.
    @param fee_bps_ The 32-byte fee in basis points, at most `MAX_FEE_BPS`.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._set_fee(fee_bps_, self._treasury())
    log FeeSet(fee_bps=fee_bps_)


@external
def set_treasury(treasury_: address):
    """
    @dev Sets the treasury that `collect_fees` pays, including the fees
         accrued before.
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function. Community
            models registered before keep the treasury of their split.
    @param treasury_ The 20-byte treasury address (non-zero).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._set_fee(self._fee_config >> _FEE_SHIFT, treasury_)
    log TreasurySet(treasury=treasury_)


@external
@view
def fee_bps() -> uint256:
    """
    @dev Returns the protocol fee in basis points.
    @return uint256 The 32-byte fee.
    """
    return self._fee_config >> _FEE_SHIFT


@external
@view
def treasury() -> address:
    """
    @dev Returns the treasury that receives the protocol fees.
    @return address The 20-byte treasury address.
    """
    return self._treasury()


@external
@pure
def licence_id(model_id: uint256, kind: uint256) -> uint256:
    """
    @dev Returns the ERC-1155 id of a licence kind of a model.
    @param model_id The 32-byte model id.
    @param kind The 32-byte licence kind (reverts if unknown).
    @return uint256 The 32-byte id: `model_id * 4 + kind`.
    """
    assert kind < _KINDS, "model_licences: unknown licence kind"
    return model_id * _IDS_PER_MODEL + kind


@external
@view
def licence_expiry(holder: address, model_id: uint256, kind: uint256) -> uint256:
    """
    @dev Returns the expiry of `holder`'s licence of a kind of a model.
    @notice Zero if `holder` holds no such licence; a past time if it
            has expired. Ignores delisting (see `licence_valid`).
    @param holder The 20-byte holder.
    @param model_id The 32-byte model id.
    @param kind The 32-byte licence kind (reverts if unknown).
    @return uint256 The 32-byte expiry (a `block.timestamp`).
    """
    assert kind < _KINDS, "model_licences: unknown licence kind"
    return self._expiry[holder][model_id * _IDS_PER_MODEL + kind]


@external
@view
def licence_valid(holder: address, model_id: uint256, kind: uint256) -> bool:
    """
    @dev Returns whether `holder` may use a model under a licence kind
         now: it holds the licence, which has not expired
         (`block.timestamp < expiry`), and the model is not delisted.
    @param holder The 20-byte holder.
    @param model_id The 32-byte model id.
    @param kind The 32-byte licence kind (reverts if unknown).
    @return bool Whether the licence is valid.
    """
    assert kind < _KINDS, "model_licences: unknown licence kind"
    if block.timestamp >= self._expiry[holder][model_id * _IDS_PER_MODEL + kind]:
        return False
    exists: bool = False
    delisted: bool = False
    exists, delisted = staticcall IModelNFT(modelnft).model_status(model_id)
    return not delisted


@external
@view
def balanceOf(owner: address, id: uint256) -> uint256:
    """
    @dev Returns the number of licences `id` held by `owner`: 1 if it
         holds the licence (valid or expired), else 0.
    @param owner The 20-byte holder.
    @param id The 32-byte licence id.
    @return uint256 The 32-byte balance.
    """
    return self._balance(owner, id)


@external
@view
def balanceOfBatch(owners: DynArray[address, _BATCH_SIZE], ids: DynArray[uint256, _BATCH_SIZE]) -> DynArray[uint256, _BATCH_SIZE]:
    """
    @dev Batched version of `balanceOf`.
    @param owners The 20-byte holders.
    @param ids The 32-byte licence ids, as many as `owners`.
    @return DynArray The 32-byte balances.
    """
    assert len(owners) == len(ids), "model_licences: owners and ids length mismatch"
    balances: DynArray[uint256, _BATCH_SIZE] = []
    for i: uint256 in range(_BATCH_SIZE):
        if i == len(owners):
            break
        balances.append(self._balance(owners[i], ids[i]))
    return balances


@internal
@view
def _balance(owner: address, id: uint256) -> uint256:
    """
    @dev Returns 1 if `owner` holds licence `id`, else 0.
    @param owner The 20-byte holder.
    @param id The 32-byte licence id.
    @return uint256 The 32-byte balance.
    """
    if self._expiry[owner][id] == 0:
        return 0
    return 1


@internal
@view
def _check_transfer(owner: address, to: address):
    """
    @dev Reverts unless the caller may move `owner`'s licences and `to`
         is not the zero address.
    @param owner The 20-byte holder.
    @param to The 20-byte receiver.
    """
    assert owner == msg.sender or erc1155.isApprovedForAll[owner][msg.sender], "model_licences: caller is not licence owner or approved"
    assert to != empty(address), "model_licences: transfer to the zero address"


@internal
def _move(owner: address, to: address, id: uint256, amount: uint256):
    """
    @dev Moves licence `id` with its expiry from `owner` to `to`.
    @param owner The 20-byte holder.
    @param to The 20-byte receiver.
    @param id The 32-byte licence id.
    @param amount The 32-byte amount: 0 (nothing moves) or 1.
    """
    expiry: uint256 = self._expiry[owner][id]
    assert amount <= self._balance(owner, id), "model_licences: insufficient balance for transfer"
    if amount == 0 or owner == to:
        return
    assert self._expiry[to][id] == 0, "model_licences: receiver holds this licence"
    self._expiry[owner][id] = 0
    self._expiry[to][id] = expiry


@internal
def _credit(model_id: uint256, token: address, amount: uint256) -> uint256:
    """
    @dev Accrues the protocol fee of a payment and credits the rest to
         the model's balance.
    @param model_id The 32-byte model id.
    @param token The 20-byte token.
    @param amount The 32-byte payment.
    @return uint256 The 32-byte fee.
    """
    # The fee is at most 10 % of `amount`, so the subtraction cannot underflow.
    fee: uint256 = amount * (self._fee_config >> _FEE_SHIFT) // _BPS
    if fee != 0:
        self.fees[token] += fee
    self.model_balance[model_id][token] += unsafe_sub(amount, fee)
    return fee


@internal
@view
def _treasury() -> address:
    """
    @dev Returns the treasury from the fee word.
    @return address The 20-byte treasury address.
    """
    return convert(self._fee_config & _ADDRESS_MASK, address)


@internal
def _set_fee(fee_bps_: uint256, treasury_: address):
    """
    @dev Checks and stores the fee and treasury.
    @param fee_bps_ The 32-byte fee in basis points.
    @param treasury_ The 20-byte treasury address.
    """
    assert fee_bps_ <= MAX_FEE_BPS, "model_licences: fee exceeds maximum"
    assert treasury_ != empty(address), "model_licences: zero treasury"
    self._fee_config = (fee_bps_ << _FEE_SHIFT) | convert(treasury_, uint256)
