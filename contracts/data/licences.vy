# pragma version ~=0.4.3
"""
@title Licences: Access Licences to Datasets as ERC-1155 Tokens, and Orders
@custom:contract-name licences
@license GNU Affero General Public License v3.0 only
@notice Sells access licences to the datasets of a DataNFT contract
        (DESIGN §4 "data", `docs/data-market.md`). The licences of
        dataset `data_id` are the ERC-1155 tokens of id `data_id`.

        - `buy`: pays `amount` times the dataset's price in its payment
          token (`transferFrom`: the buyer approves this contract
          first) and mints `amount` licences to the caller.
        - `start_order`: burns one licence of the caller and starts an
          order for `consumer`, valid for the dataset's validity
          (`expiry = block.timestamp + validity`); the provider checks
          the `OrderStarted` event or `order_valid` before serving, and
          may serve the consumer again until the expiry.
        - `buy_and_order`: both at once, without minting (the cheap
          path of a single access).
        Delisted or deprecated datasets can be neither bought nor
        ordered; `max_price` protects a buyer against a price raised in
        front of its transaction.

        Payments: a protocol fee (`fee_bps`, at most `MAX_FEE_BPS` =
        10 %) accrues to the treasury and is sent to it by
        `collect_fees`, which anyone can call; the rest is credited to
        the dataset's owner at the time of the sale, who withdraws it
        with `withdraw` (pull payment). `DEFAULT_ADMIN_ROLE` (the
        deployer, later the DAO's timelock) sets the fee and treasury.
@dev Reuses snekmate's `erc1155` (balances, supplies, transfers);
     the sale terms come from one `staticcall` to `DataNFT.terms`. An
     order is one word: consumer (low 160 bits) | data id (40 bits at
     `160`) | expiry (40 bits at `200`) | service (16 bits at `240`).
     DataNFT issues data ids below `2**40`; a validity below `2**32`
     seconds keeps expiries below `2**40` for 30,000 years. The fee
     configuration is one word: fee in basis points (at `160`) |
     treasury (low 160 bits).
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


# @dev We import the `IDataNFT` interface.
from .interfaces import IDataNFT


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
# is replaced below) and the `erc1155` functions that licences keep as
# they are: transfers, balances, approvals and supplies. `uri` is
# replaced below; minting and burning happen only through `buy` and
# `start_order`.
exports: (
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.set_role_admin,
    erc1155.safeTransferFrom,
    erc1155.safeBatchTransferFrom,
    erc1155.balanceOf,
    erc1155.balanceOfBatch,
    erc1155.setApprovalForAll,
    erc1155.isApprovedForAll,
    erc1155.total_supply,
    erc1155.exists,
)


# @dev An order, as `order` returns it.
struct Order:
    data_id: uint256
    consumer: address
    expiry: uint256
    service: uint16


# @dev The largest protocol fee, in basis points (10 %).
MAX_FEE_BPS: public(constant(uint256)) = 1_000


# @dev The basis-point denominator.
_BPS: constant(uint256) = 10_000


# @dev The layout of an order word and of the fee word, see the
# `@dev` note above.
_ADDRESS_MASK: constant(uint256) = 2**160 - 1
_DATA_ID_SHIFT: constant(uint256) = 160
_FORTY_BITS: constant(uint256) = 2**40 - 1
_EXPIRY_SHIFT: constant(uint256) = 200
_SERVICE_SHIFT: constant(uint256) = 240
_FEE_SHIFT: constant(uint256) = 160


# @dev The ERC-165 identifiers: ERC-165, ERC-1155, ERC-1155 metadata
# URI and `IAccessControl`.
_SUPPORTED_INTERFACES: constant(bytes4[4]) = [
    0x01FFC9A7,
    0xD9B67A26,
    0x0E89341C,
    0x7965DB0B,
]


# @dev Returns the DataNFT contract whose datasets are licensed.
datanft: public(immutable(address))


# @dev The ERC-1155 metadata URI of every licence, with the `{id}`
# placeholder that clients replace (ERC-1155 metadata).
_URI: immutable(String[80])


# @dev Returns the number of orders started, which is the largest
# order id.
order_count: public(uint256)


# @dev Returns the amount of `token` that `account` can withdraw.
pending: public(HashMap[address, HashMap[address, uint256]])


# @dev Returns the protocol fees in `token` not yet sent to the treasury.
fees: public(HashMap[address, uint256])


# @dev The packed fee and treasury.
_fee_config: uint256


# @dev The packed orders, by order id.
_orders: HashMap[uint256, uint256]


# @dev Emitted when licences are paid for, by `buy` (which also mints
# them: ERC-1155 `TransferSingle`) or by `buy_and_order` (`amount` is
# 1 and the licence is consumed at once, so nothing is minted).
event LicencesBought:
    data_id: indexed(uint256)
    buyer: indexed(address)
    owner: indexed(address)
    payment_token: address
    amount: uint256
    paid: uint256
    fee: uint256


# @dev Emitted when an order starts: the event a provider checks.
event OrderStarted:
    order_id: indexed(uint256)
    data_id: indexed(uint256)
    consumer: indexed(address)
    payer: address
    service: uint16
    expiry: uint256


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
def __init__(datanft_: address, treasury_: address, fee_bps_: uint256, uri_: String[80]):
    """
    @dev To omit the opcodes for checking the `msg.value` in the
         creation-time EVM bytecode, the constructor is `payable`.
    @notice The deployer receives `DEFAULT_ADMIN_ROLE`.
    @param datanft_ The 20-byte address of the DataNFT contract.
    @param treasury_ The 20-byte treasury that receives the fees.
    @param fee_bps_ The 32-byte protocol fee in basis points, at most
           `MAX_FEE_BPS`.
    @param uri_ The maximum 80-character ERC-1155 metadata URI of the
           licences, normally with the `{id}` placeholder (e.g.
           "noosphere://data/{id}").
    """
    assert datanft_ != empty(address), "licences: zero address"
    access_control.__init__()
    ownable.__init__()
    erc1155.__init__(uri_)
    datanft = datanft_
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
    @dev Returns the ERC-1155 metadata URI of the licences of dataset
         `id`: the same for every id, with the `{id}` placeholder that
         clients replace by the id as 64 hexadecimal digits.
    @param id The 32-byte data id.
    @return String The URI.
    """
    return _URI


@external
@nonreentrant
def buy(data_id: uint256, amount: uint256, max_price: uint256):
    """
    @dev Buys `amount` licences of a dataset for the caller.
    @notice The caller pays `amount` times the price in the dataset's
            payment token, which it must have approved to this contract.
            If the caller is a contract, it must implement
            `onERC1155Received`.
    @param data_id The 32-byte data id.
    @param amount The 32-byte number of licences (non-zero).
    @param max_price The 32-byte highest price of one licence that the
           caller accepts.
    """
    assert amount != 0, "licences: amount is zero"
    terms: IDataNFT.Terms = self._sale_terms(data_id, max_price)
    self._pay(data_id, terms, amount)
    erc1155._safe_mint(msg.sender, data_id, amount, b"")


@external
@nonreentrant
def start_order(data_id: uint256, consumer: address, service: uint16) -> uint256:
    """
    @dev Burns one licence of the caller and starts an order for
         `consumer`.
    @notice The order is valid until `block.timestamp` plus the
            dataset's validity, and can be served any number of times
            until then.
    @param data_id The 32-byte data id.
    @param consumer The 20-byte address that the provider serves.
    @param service The 2-byte index of the dataset's service.
    @return uint256 The 32-byte order id.
    """
    assert consumer != empty(address), "licences: zero consumer"
    terms: IDataNFT.Terms = staticcall IDataNFT(datanft).terms(data_id)
    self._check_available(terms)
    assert erc1155.balanceOf[msg.sender][data_id] != 0, "licences: no licence held"
    erc1155._burn(msg.sender, data_id, 1)
    return self._start_order(data_id, consumer, service, terms.validity)


@external
@nonreentrant
def buy_and_order(data_id: uint256, consumer: address, service: uint16, max_price: uint256) -> uint256:
    """
    @dev Buys one licence and starts an order with it at once.
    @notice As `buy` of one licence followed by `start_order`, but no
            ERC-1155 token is minted or burnt.
    @param data_id The 32-byte data id.
    @param consumer The 20-byte address that the provider serves.
    @param service The 2-byte index of the dataset's service.
    @param max_price The 32-byte highest price that the caller accepts.
    @return uint256 The 32-byte order id.
    """
    assert consumer != empty(address), "licences: zero consumer"
    terms: IDataNFT.Terms = self._sale_terms(data_id, max_price)
    self._pay(data_id, terms, 1)
    return self._start_order(data_id, consumer, service, terms.validity)


@external
@nonreentrant
def withdraw(token: address) -> uint256:
    """
    @dev Sends the caller its credit in `token`.
    @param token The 20-byte payment token.
    @return uint256 The 32-byte amount sent.
    """
    amount: uint256 = self.pending[msg.sender][token]
    assert amount != 0, "licences: nothing to withdraw"
    self.pending[msg.sender][token] = 0
    assert extcall IERC20(token).transfer(msg.sender, amount, default_return_value=True), "licences: transfer failed"
    log Withdrawn(account=msg.sender, token=token, amount=amount)
    return amount


@external
@nonreentrant
def collect_fees(token: address) -> uint256:
    """
    @dev Sends the protocol fees accrued in `token` to the treasury.
    @notice Anyone can call this function.
    @param token The 20-byte payment token.
    @return uint256 The 32-byte amount sent.
    """
    amount: uint256 = self.fees[token]
    assert amount != 0, "licences: no fees to collect"
    self.fees[token] = 0
    treasury_: address = self._treasury()
    assert extcall IERC20(token).transfer(treasury_, amount, default_return_value=True), "licences: transfer failed"
    log FeesCollected(token=token, treasury=treasury_, amount=amount)
    return amount


@external
def set_fee(fee_bps_: uint256):
    """
    @dev Sets the protocol fee of later sales.
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
    @notice Only `DEFAULT_ADMIN_ROLE` can call this function.
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
@view
def order(order_id: uint256) -> Order:
    """
    @dev Returns an order.
    @notice Reverts for an unknown `order_id`.
    @param order_id The 32-byte order id.
    @return Order The data id, consumer, expiry (a `block.timestamp`)
            and service index.
    """
    packed: uint256 = self._orders[order_id]
    assert packed != 0, "licences: unknown order"
    return Order(
        data_id=(packed >> _DATA_ID_SHIFT) & _FORTY_BITS,
        consumer=convert(packed & _ADDRESS_MASK, address),
        expiry=(packed >> _EXPIRY_SHIFT) & _FORTY_BITS,
        service=convert(packed >> _SERVICE_SHIFT, uint16),
    )


@external
@view
def order_valid(order_id: uint256, consumer: address) -> bool:
    """
    @dev Returns whether a provider may serve `consumer` under an order
         now: the order exists, is `consumer`'s, has not expired, and
         its dataset is not delisted.
    @notice A deprecated dataset's orders stay valid until they expire.
    @param order_id The 32-byte order id.
    @param consumer The 20-byte consumer address.
    @return bool Whether the order is valid for `consumer`.
    """
    packed: uint256 = self._orders[order_id]
    if packed == 0 or convert(packed & _ADDRESS_MASK, address) != consumer:
        return False
    if block.timestamp >= (packed >> _EXPIRY_SHIFT) & _FORTY_BITS:
        return False
    terms: IDataNFT.Terms = staticcall IDataNFT(datanft).terms((packed >> _DATA_ID_SHIFT) & _FORTY_BITS)
    return not terms.delisted


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
    assert fee_bps_ <= MAX_FEE_BPS, "licences: fee exceeds maximum"
    assert treasury_ != empty(address), "licences: zero treasury"
    self._fee_config = (fee_bps_ << _FEE_SHIFT) | convert(treasury_, uint256)


@internal
@pure
def _check_available(terms: IDataNFT.Terms):
    """
    @dev Reverts unless the dataset exists and is neither delisted nor
         deprecated.
    @param terms The dataset's terms.
    """
    assert terms.owner != empty(address), "licences: unknown data id"
    assert not terms.delisted, "licences: data is delisted"
    assert not terms.deprecated, "licences: data is deprecated"


@internal
@view
def _sale_terms(data_id: uint256, max_price: uint256) -> IDataNFT.Terms:
    """
    @dev Reads a dataset's terms and reverts unless it can be bought at
         `max_price` or less.
    @param data_id The 32-byte data id.
    @param max_price The 32-byte highest price accepted.
    @return Terms The dataset's terms.
    """
    terms: IDataNFT.Terms = staticcall IDataNFT(datanft).terms(data_id)
    self._check_available(terms)
    assert terms.token_allowed, "licences: payment token not allowed"
    assert terms.price <= max_price, "licences: price above max_price"
    return terms


@internal
def _pay(data_id: uint256, terms: IDataNFT.Terms, amount: uint256):
    """
    @dev Takes the payment for `amount` licences from the caller,
         accrues the fee and credits the rest to the dataset's owner.
    @param data_id The 32-byte data id.
    @param terms The dataset's terms.
    @param amount The 32-byte number of licences.
    """
    paid: uint256 = terms.price * amount
    # The fee is at most 10 % of `paid`, so the subtraction cannot underflow.
    fee: uint256 = paid * (self._fee_config >> _FEE_SHIFT) // _BPS
    token: address = terms.payment_token
    if fee != 0:
        self.fees[token] += fee
    self.pending[terms.owner][token] += unsafe_sub(paid, fee)
    assert extcall IERC20(token).transferFrom(
        msg.sender, self, paid, default_return_value=True
    ), "licences: payment failed"
    log LicencesBought(
        data_id=data_id,
        buyer=msg.sender,
        owner=terms.owner,
        payment_token=token,
        amount=amount,
        paid=paid,
        fee=fee,
    )


@internal
def _start_order(data_id: uint256, consumer: address, service: uint16, validity: uint256) -> uint256:
    """
    @dev Records a new order and logs `OrderStarted`.
    @param data_id The 32-byte data id (below `2**40`).
    @param consumer The 20-byte consumer address.
    @param service The 2-byte service index.
    @param validity The 32-byte validity in seconds (below `2**32`).
    @return uint256 The 32-byte order id.
    """
    order_id: uint256 = self.order_count + 1
    self.order_count = order_id
    expiry: uint256 = block.timestamp + validity
    assert expiry <= _FORTY_BITS, "licences: expiry overflows"
    self._orders[order_id] = (
        convert(consumer, uint256)
        | (data_id << _DATA_ID_SHIFT)
        | (expiry << _EXPIRY_SHIFT)
        | (convert(service, uint256) << _SERVICE_SHIFT)
    )
    log OrderStarted(
        order_id=order_id, data_id=data_id, consumer=consumer, payer=msg.sender, service=service, expiry=expiry
    )
    return order_id
