"""Typed client of the data market: Data NFTs (``datanft.vy``) and their licences (``licences.vy``).

A dataset is published as an ERC-721 token holding its metadata CID, the CID of its encrypted
content, the provider's endpoint and its terms (price in an allowed ERC-20, order validity in
seconds, allowed uses, compute-to-data recipe hashes). Licences are ERC-1155 tokens of id
``data_id`` bought at the fixed price; ``start_order`` burns one and starts an order, the event
a provider checks before serving. Every input is checked here first, so a bad one is a clear
:class:`~noosphere.errors.InputError` naming the field and nothing is sent; the refusals the
contracts decide (delisted, deprecated, no licence, price above ``max_price``, not the owner)
become the specific :class:`~noosphere.errors.DataMarketError` subclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from eth_account.signers.local import LocalAccount

from noosphere.chain.admin import check_admin
from noosphere.chain.client import Chain, Receipt
from noosphere.chain.data_terms import (
    DEFAULT_VALIDITY as DEFAULT_VALIDITY,
)
from noosphere.chain.data_terms import (
    MAX_FEE_BPS as MAX_FEE_BPS,
)
from noosphere.chain.data_terms import (
    MAX_PRICE as MAX_PRICE,
)
from noosphere.chain.data_terms import (
    MAX_RECIPES as MAX_RECIPES,
)
from noosphere.chain.data_terms import (
    MAX_SERVICE as MAX_SERVICE,
)
from noosphere.chain.data_terms import (
    MAX_TEXT as MAX_TEXT,
)
from noosphere.chain.data_terms import (
    MAX_UINT as MAX_UINT,
)
from noosphere.chain.data_terms import (
    MAX_VALIDITY as MAX_VALIDITY,
)
from noosphere.chain.data_terms import (  # the terms' checks, re-exported for callers
    USES as USES,
)
from noosphere.chain.data_terms import (
    ZERO_ADDRESS as ZERO_ADDRESS,
)
from noosphere.chain.data_terms import (
    check_cid_text as check_cid_text,
)
from noosphere.chain.data_terms import (
    check_data_id as check_data_id,
)
from noosphere.chain.data_terms import (
    check_endpoint as check_endpoint,
)
from noosphere.chain.data_terms import (
    check_fee as check_fee,
)
from noosphere.chain.data_terms import (
    check_price as check_price,
)
from noosphere.chain.data_terms import (
    check_recipes as check_recipes,
)
from noosphere.chain.data_terms import (
    check_validity as check_validity,
)
from noosphere.chain.data_terms import (
    parse_duration as parse_duration,
)
from noosphere.chain.data_terms import (
    parse_uses as parse_uses,
)
from noosphere.chain.data_terms import (
    uses_flags as uses_flags,
)
from noosphere.chain.data_terms import (
    uses_names as uses_names,
)
from noosphere.chain.manifest import Manifest
from noosphere.chain.market import LicenceMarket
from noosphere.chain.token import NoosToken, checked_address, format_amount
from noosphere.errors import (
    DataMarketError,
    DataNotAvailableError,
    DataNotFoundError,
    InputError,
    NoLicenceError,
    NotDataOwnerError,
    PriceAboveMaxError,
    TransactionRevertedError,
)

_T = TypeVar("_T")


def listing_status(deprecated: bool, delisted: bool) -> str:
    """``listed``, ``deprecated`` or ``delisted`` (delisting by the DAO wins)."""
    return "delisted" if delisted else "deprecated" if deprecated else "listed"


@dataclass(frozen=True)
class Dataset:
    """A Data NFT: its roles, CIDs, endpoint, terms and status."""

    data_id: int
    owner: str
    manager: str | None
    metadata_cid: str
    content_cid: str
    endpoint: str
    price: int
    payment_token: str
    validity: int
    uses: frozenset[str]
    recipes: tuple[str, ...]
    deprecated: bool
    delisted: bool
    delist_reason: str
    generation: int

    @property
    def available(self) -> bool:
        """True when licences can be bought and orders started."""
        return not (self.deprecated or self.delisted)

    @property
    def status(self) -> str:
        """``listed``, ``deprecated`` or ``delisted``."""
        return listing_status(self.deprecated, self.delisted)


@dataclass(frozen=True)
class Order:
    """An order: who the provider serves, for which dataset, until when (a unix time)."""

    order_id: int
    data_id: int
    consumer: str
    expiry: int
    service: int
    payer: str | None = None
    tx_hash: str | None = None


class DataMarket(LicenceMarket):
    """The Data NFT and licences contracts of one deployment."""

    def __init__(self, chain: Chain, manifest: Manifest) -> None:
        self.chain = chain
        self.manifest = manifest
        self.token = NoosToken(chain, manifest.address("noos"))
        self.nft = chain.contract("datanft", manifest.address("datanft"))
        self.licences = chain.contract("licences", manifest.address("licences"))

    # --- helpers -------------------------------------------------------------------------------
    def _send(self, account: LocalAccount, fn: Any, data_id: int | None = None) -> Receipt:
        """Transact, turning the contracts' refusals into specific errors."""
        try:
            return self.chain.transact(account, fn)
        except TransactionRevertedError as error:
            raise self._refusal(error, data_id) from None

    def _refusal(self, error: TransactionRevertedError, data_id: int | None) -> Exception:
        reason = error.reason
        what = f"dataset {data_id}" if data_id else "the dataset"
        if reason.endswith(("data is delisted", "data is deprecated")):
            if data_id:
                return self._unavailable(self.dataset(data_id))
            return DataNotAvailableError(f"{what} is not available ({reason})")
        if reason.endswith("unknown data id"):
            return DataNotFoundError(f"no {what} exists")
        if reason.endswith("no licence held"):
            return NoLicenceError(f"no licence of {what} is held", hint="buy one first")
        if reason.endswith("price above max_price"):
            return PriceAboveMaxError(f"the price of {what} is above your maximum (it changed?)")
        if reason.endswith("payment token not allowed"):
            return DataMarketError(f"the payment token of {what} is not allowed (any more)")
        if "not the owner" in reason:
            return NotDataOwnerError(f"only the owner or manager of {what} may do this")
        if "AccessControl" in reason or "access_control" in reason:
            return NotDataOwnerError("only the data market's admin may do this", hint=reason)
        return error

    @staticmethod
    def _unavailable(dataset: Dataset) -> DataNotAvailableError:
        if dataset.delisted:
            return DataNotAvailableError(
                f"dataset {dataset.data_id} is delisted (reason: {dataset.delist_reason})",
                data_id=dataset.data_id,
                status="delisted",
                reason_cid=dataset.delist_reason,
                hint="a delisted dataset can be neither bought nor ordered",
            )
        return DataNotAvailableError(
            f"dataset {dataset.data_id} is deprecated by its owner",
            data_id=dataset.data_id,
            status="deprecated",
            hint="a deprecated dataset can be neither bought nor ordered",
        )

    # --- publishing ----------------------------------------------------------------------------
    def publish(
        self,
        owner: LocalAccount,
        metadata_cid: str,
        content_cid: str,
        endpoint: str,
        price: int,
        payment_token: str | None = None,
        validity: int = DEFAULT_VALIDITY,
        uses: str | Iterable[str] = ("training",),
        recipes: Iterable[str | bytes] = (),
    ) -> int:
        """Mint a Data NFT to ``owner``; returns its data id. Every input is checked first."""
        metadata_cid = check_cid_text(metadata_cid, "metadata CID")
        content_cid = check_cid_text(content_cid, "content CID")
        endpoint = check_endpoint(endpoint)
        price = check_price(price)
        validity = check_validity(validity)
        flags = uses_flags(uses)
        hashes = check_recipes(recipes)
        token = self.resolve_token(payment_token)
        self.check_payment_token(token)
        fn = self.nft.functions.publish(
            metadata_cid, content_cid, endpoint, price, token, validity, flags,
            [bytes.fromhex(h[2:]) for h in hashes],
        )  # fmt: skip
        receipt = self._send(owner, fn)
        for log in self._events(self.nft, "Published", receipt):
            return int(log["args"]["data_id"])
        raise DataNotFoundError("publishing emitted no Published event")

    def check_payment_token(self, token: str) -> None:
        """Refuse a payment token the market does not allow."""
        token = checked_address(token, "payment token")
        if not self._view(self.nft.functions.payment_token_allowed(token)):
            raise InputError(
                f"payment token: {token} is not allowed by the data market",
                hint=f"NOOS ({self.token.address}) always is; the admin allows others",
            )

    # --- reading -------------------------------------------------------------------------------
    def data_count(self) -> int:
        """How many datasets were published (data ids run from 1 to this)."""
        return int(self._view(self.nft.functions.data_count()))

    def exists(self, data_id: int) -> bool:
        """True when ``data_id`` names a dataset."""
        return isinstance(data_id, int) and 0 < data_id <= self.data_count()

    def dataset(self, data_id: int, block: int | str = "latest") -> Dataset:
        """Everything the chain holds about ``data_id``; :class:`DataNotFoundError` if none."""
        check_data_id(data_id)
        if block == "latest":
            block = self.chain.block_number
        count = int(self._view(self.nft.functions.data_count(), block))
        if data_id > count:
            raise DataNotFoundError(
                f"no dataset {data_id}: {count} dataset{'s' if count != 1 else ''} published",
                hint="list them with `noos data list`",
            )
        row, reason = self.chain.call_many(
            [self.nft.functions.dataset(data_id), self.nft.functions.delist_reason(data_id)],
            block=block,
        )
        (owner, manager, metadata_cid, content_cid, endpoint, price, token, validity, uses,
         recipes, deprecated, delisted, generation) = row  # fmt: skip
        return Dataset(
            data_id=data_id, owner=str(owner),
            manager=None if int(str(manager), 16) == 0 else str(manager),
            metadata_cid=str(metadata_cid), content_cid=str(content_cid), endpoint=str(endpoint),
            price=int(price), payment_token=str(token), validity=int(validity),
            uses=uses_names(int(uses)), recipes=tuple("0x" + bytes(r).hex() for r in recipes),
            deprecated=bool(deprecated), delisted=bool(delisted), delist_reason=str(reason),
            generation=int(generation),
        )  # fmt: skip

    def recipe_allowed(self, data_id: int, recipe: str | bytes) -> bool:
        """True when ``recipe`` is on the dataset's compute-to-data allow-list."""
        (digest,) = check_recipes([recipe])
        self.dataset(check_data_id(data_id))  # a clear error for an unknown id
        fn = self.nft.functions.recipe_allowed(data_id, bytes.fromhex(digest[2:]))
        return bool(self._view(fn))

    def check_available(self, data_id: int) -> Dataset:
        """The dataset if it can be bought and ordered, else :class:`DataNotAvailableError`."""
        dataset = self.dataset(data_id)
        if not dataset.available:
            raise self._unavailable(dataset)
        return dataset

    # --- buying and ordering -------------------------------------------------------------------
    def check_sale(
        self, buyer: str, data_id: int, amount: int = 1, max_price: int | None = None
    ) -> tuple[Dataset, int]:
        """Refuse a purchase that would fail (unavailable, price above ``max_price``, funds
        short); returns the dataset and the per-licence price limit to send."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise InputError(f"amount: {amount!r} is not a positive number of licences")
        dataset = self.check_available(check_data_id(data_id))
        limit = dataset.price if max_price is None else max_price
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InputError(f"max price: {limit!r} is not a non-negative amount")
        if dataset.price > limit:
            raise PriceAboveMaxError(
                f"dataset {data_id} costs {format_amount(dataset.price)} per licence, above "
                f"your maximum of {format_amount(limit)}",
                hint="raise --max-price if you accept the price",
            )
        if not self._view(self.nft.functions.payment_token_allowed(dataset.payment_token)):
            raise DataMarketError(
                f"dataset {data_id} is priced in {dataset.payment_token}, a token the market "
                "no longer allows",
                hint="its owner must pick an allowed payment token (noos data update --token)",
            )
        what = f"{amount} licence{'s' if amount != 1 else ''} of dataset {data_id}"
        self.check_funds(buyer, dataset.payment_token, dataset.price * amount, what)
        return dataset, limit

    def buy(
        self, buyer: LocalAccount, data_id: int, amount: int = 1, max_price: int | None = None
    ) -> Receipt:
        """Buy ``amount`` licences (ERC-1155) of ``data_id``; ``max_price`` is per licence
        (default: today's price). Approves the payment token when the allowance is short."""
        dataset, limit = self.check_sale(buyer.address, data_id, amount, max_price)
        self.approve_payment(buyer, dataset.payment_token, dataset.price * amount)
        return self._send(buyer, self.licences.functions.buy(data_id, amount, limit), data_id)

    def start_order(
        self, account: LocalAccount, data_id: int, consumer: str | None = None, service: int = 0
    ) -> Order:
        """Burn one licence of ``account`` and start an order for ``consumer`` (default: itself)."""
        check_data_id(data_id)
        target = self._consumer(account, consumer)
        _check_service(service)
        self.check_available(data_id)
        if self.licences_held(account.address, data_id) == 0:
            raise NoLicenceError(
                f"{account.address} holds no licence of dataset {data_id}",
                hint="buy one (noos data buy), or buy and order at once (noos data order --buy)",
            )
        fn = self.licences.functions.start_order(data_id, target, service)
        return self._order_of(self._send(account, fn, data_id))

    def buy_and_order(
        self,
        buyer: LocalAccount,
        data_id: int,
        consumer: str | None = None,
        service: int = 0,
        max_price: int | None = None,
    ) -> Order:
        """Pay for one licence and start an order with it at once (nothing is minted)."""
        check_data_id(data_id)
        target = self._consumer(buyer, consumer)
        _check_service(service)
        dataset, limit = self.check_sale(buyer.address, data_id, 1, max_price)
        self.approve_payment(buyer, dataset.payment_token, dataset.price)
        fn = self.licences.functions.buy_and_order(data_id, target, service, limit)
        return self._order_of(self._send(buyer, fn, data_id))

    @staticmethod
    def _consumer(account: LocalAccount, consumer: str | None) -> str:
        if consumer is None:
            return str(account.address)
        address = checked_address(consumer, "consumer")
        if int(address, 16) == 0:
            raise InputError("consumer: the zero address cannot be served")
        return address

    def _order_of(self, receipt: Receipt) -> Order:
        for log in self._events(self.licences, "OrderStarted", receipt):
            args = log["args"]
            return Order(
                order_id=int(args["order_id"]), data_id=int(args["data_id"]),
                consumer=str(args["consumer"]), expiry=int(args["expiry"]),
                service=int(args["service"]), payer=str(args["payer"]), tx_hash=receipt.tx_hash,
            )  # fmt: skip
        raise DataNotFoundError("the transaction emitted no OrderStarted event")

    def order_count(self) -> int:
        """How many orders were started (order ids run from 1 to this)."""
        return int(self._view(self.licences.functions.order_count()))

    def order(self, order_id: int) -> Order | None:
        """The order ``order_id``, or None if there is none."""
        if isinstance(order_id, bool) or not isinstance(order_id, int) or order_id <= 0:
            return None
        if order_id > self.order_count():
            return None
        data_id, consumer, expiry, service = self._view(self.licences.functions.order(order_id))
        return Order(order_id, int(data_id), str(consumer), int(expiry), int(service))

    def order_valid(self, order_id: int, consumer: str) -> bool:
        """True when a provider may serve ``consumer`` under ``order_id`` now."""
        if isinstance(order_id, bool) or not isinstance(order_id, int) or order_id <= 0:
            return False
        fn = self.licences.functions.order_valid(order_id, checked_address(consumer, "consumer"))
        return bool(self._view(fn))

    def licences_held(self, account: str, data_id: int) -> int:
        """Licences of ``data_id`` held by ``account`` (not yet used by an order)."""
        fn = self.licences.functions.balanceOf(checked_address(account), check_data_id(data_id))
        return int(self._view(fn))

    # --- payments ------------------------------------------------------------------------------
    def withdraw(self, account: LocalAccount, token: str | None = None) -> int:
        """Send ``account`` its credit in ``token`` (default NOOS); returns the amount."""
        hint = "sales of your datasets are credited here (noos data earnings)"
        return self._withdraw(account, token, InputError, hint)

    def fees(self, token: str | None = None) -> int:
        """Protocol fees accrued in ``token`` and not yet sent to the treasury."""
        return int(self._view(self.licences.functions.fees(self.resolve_token(token))))

    def collect_fees(self, account: LocalAccount, token: str | None = None) -> int:
        """Send the accrued fees in ``token`` to the treasury (anyone may); returns the amount."""
        address = self.resolve_token(token)
        amount = self.fees(address)
        if amount == 0:
            raise InputError(f"no protocol fees accrued in token {address}")
        self._send(account, self.licences.functions.collect_fees(address))
        return amount

    def fee_bps(self) -> int:
        """The protocol fee in basis points."""
        return int(self._view(self.licences.functions.fee_bps()))

    def treasury(self) -> str:
        """Who receives the protocol fees."""
        return str(self._view(self.licences.functions.treasury()))

    # --- owner and manager ---------------------------------------------------------------------
    def check_manager(self, account: str, data_id: int) -> Dataset:
        """The dataset if ``account`` is its owner or manager, else :class:`NotDataOwnerError`."""
        dataset = self.dataset(data_id)
        if account not in (dataset.owner, dataset.manager):
            raise NotDataOwnerError(
                f"{account} is neither the owner ({dataset.owner}) nor the manager of dataset "
                f"{data_id}",
                hint="sign with the owner's wallet (--from)",
            )
        return dataset

    def update(
        self,
        account: LocalAccount,
        data_id: int,
        *,
        metadata_cid: str | None = None,
        endpoint: str | None = None,
        price: int | None = None,
        payment_token: str | None = None,
        validity: int | None = None,
        uses: str | Iterable[str] | None = None,
        recipes: Iterable[str | bytes] | None = None,
    ) -> list[Receipt]:
        """Change what is given (each checked before anything is sent); one transaction per
        setter. ``recipes`` replaces the whole allow-list (empty: none allowed)."""
        check_data_id(data_id)
        calls: list[Callable[[Dataset], Any]] = []
        fns = self.nft.functions
        if metadata_cid is not None:
            cid = check_cid_text(metadata_cid, "metadata CID")
            calls.append(lambda d: fns.set_metadata(data_id, cid))
        if endpoint is not None:
            url = check_endpoint(endpoint)
            calls.append(lambda d: fns.set_endpoint(data_id, url))
        if price is not None or payment_token is not None:
            new_price = None if price is None else check_price(price)
            token = None if payment_token is None else self.resolve_token(payment_token)
            if token is not None:
                self.check_payment_token(token)
            calls.append(lambda d: fns.set_price(data_id, _or(new_price, d.price),
                                                 _or(token, d.payment_token)))  # fmt: skip
        if validity is not None or uses is not None:
            seconds = None if validity is None else check_validity(validity)
            flags = None if uses is None else uses_flags(uses)
            calls.append(lambda d: fns.set_licence_terms(
                data_id, _or(seconds, d.validity),
                _or(flags, sum(USES[u] for u in d.uses))))  # fmt: skip
        if recipes is not None:
            hashes = [bytes.fromhex(h[2:]) for h in check_recipes(recipes)]
            calls.append(lambda d: fns.set_recipes(data_id, hashes))
        if not calls:
            raise InputError("nothing to update", hint="give at least one new value")
        dataset = self.check_manager(account.address, data_id)
        return [self._send(account, make(dataset), data_id) for make in calls]

    def set_manager(self, owner: LocalAccount, data_id: int, manager: str | None) -> Receipt:
        """Appoint (or with None remove) the dataset's manager; only the owner may."""
        dataset = self.dataset(check_data_id(data_id))
        if owner.address != dataset.owner:
            raise NotDataOwnerError(f"only the owner ({dataset.owner}) of dataset {data_id} "
                                    "appoints its manager")  # fmt: skip
        address = ZERO_ADDRESS if manager is None else checked_address(manager, "manager")
        return self._send(owner, self.nft.functions.set_manager(data_id, address), data_id)

    def deprecate(self, account: LocalAccount, data_id: int, deprecated: bool = True) -> Receipt:
        """Deprecate a dataset (no new sales or orders; started orders run on) or undo it."""
        dataset = self.check_manager(account.address, check_data_id(data_id))
        if dataset.deprecated == deprecated:
            state = "already deprecated" if deprecated else "not deprecated"
            raise InputError(f"dataset {data_id} is {state}")
        fn = self.nft.functions.set_deprecated(data_id, deprecated)
        return self._send(account, fn, data_id)

    # --- admin (later the DAO) -----------------------------------------------------------------
    def check_admin(self, account: str, action: str | None = None) -> None:
        """Refuse unless ``account`` is the data market's admin (both contracts); ``action``
        is the DAO action to suggest when the DAO governs the market."""
        for contract in (self.nft, self.licences):
            self._check_admin(contract, account, action)

    def _check_admin(self, contract: Any, account: str, action: str | None = None) -> None:
        check_admin(self.chain, self.manifest, contract, account, what="the data market",
                    error=NotDataOwnerError, action=action)  # fmt: skip

    def delist(self, admin: LocalAccount, data_id: int, reason_cid: str) -> Receipt:
        """Delist a dataset with the CID of the reason (admin): no sales, orders end."""
        reason = check_cid_text(reason_cid, "reason CID")
        dataset = self.dataset(check_data_id(data_id))
        self._check_admin(self.nft, admin.address, f'datanft.delist({data_id}, "{reason}")')
        if dataset.delisted:
            raise InputError(f"dataset {data_id} is already delisted ({dataset.delist_reason})")
        return self._send(admin, self.nft.functions.delist(data_id, reason), data_id)

    def relist(self, admin: LocalAccount, data_id: int) -> Receipt:
        """Relist a delisted dataset (admin)."""
        dataset = self.dataset(check_data_id(data_id))
        self._check_admin(self.nft, admin.address, f"datanft.relist({data_id})")
        if not dataset.delisted:
            raise InputError(f"dataset {data_id} is not delisted")
        return self._send(admin, self.nft.functions.relist(data_id), data_id)

    def set_fee(self, admin: LocalAccount, bps: int) -> Receipt:
        """Set the protocol fee of later sales, at most 10 % (admin)."""
        check_fee(bps)
        self._check_admin(self.licences, admin.address, f"licences.set_fee({bps})")
        return self._send(admin, self.licences.functions.set_fee(bps))

    def set_payment_token(self, admin: LocalAccount, token: str, allowed: bool) -> Receipt:
        """Allow or disallow an ERC-20 as a payment token (admin)."""
        address = checked_address(token, "payment token")
        action = f"datanft.set_payment_token({address}, {str(allowed).lower()})"
        self._check_admin(self.nft, admin.address, action)
        return self._send(admin, self.nft.functions.set_payment_token(address, allowed))


def _or(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def _check_service(service: int) -> int:
    if isinstance(service, bool) or not isinstance(service, int) or not 0 <= service <= MAX_SERVICE:
        raise InputError(f"service: {service!r} is not an index in 0 … {MAX_SERVICE}")
    return service


__all__ = [
    "DEFAULT_VALIDITY",
    "MAX_FEE_BPS",
    "MAX_PRICE",
    "MAX_RECIPES",
    "USES",
    "DataMarket",
    "Dataset",
    "Order",
    "check_cid_text",
    "check_endpoint",
    "check_fee",
    "check_price",
    "check_recipes",
    "check_validity",
    "parse_duration",
    "parse_uses",
    "uses_flags",
    "uses_names",
]
