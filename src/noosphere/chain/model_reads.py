"""Reading the model contracts: Model NFTs (``modelnft.vy``), their licences and revenue
(``model_licences.vy``), registrations from the ``Registered`` events, licence history and
lineage trees (docs/models.md). Also the mapping of the contracts' revert strings to the
specific :class:`~noosphere.errors.ModelMarketError` subclasses (:func:`refusal`).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from eth_account.signers.local import LocalAccount

from noosphere.chain.client import Chain, Receipt
from noosphere.chain.data import DataMarket
from noosphere.chain.manifest import Manifest
from noosphere.chain.market import LicenceMarket
from noosphere.chain.model_checks import check_model_id
from noosphere.chain.model_types import (
    LicencePurchase,
    LineageNode,
    ModelRecord,
    ParentShare,
    Provenance,
    Registration,
    Split,
    Terms,
    kind_of,
)
from noosphere.chain.token import NoosToken, checked_address
from noosphere.errors import (
    LicenceNotForSaleError,
    ModelDelistedError,
    ModelMarketError,
    ModelNotFoundError,
    ModelPriceAboveMaxError,
    NothingToWithdrawError,
    NotModelOwnerError,
    ProvenanceError,
    SplitError,
    TransactionRevertedError,
)
from noosphere.storage.cid import to_v1

# Revert-string endings and the error each becomes (see docs/models.md for the full list).
_REFUSALS: tuple[tuple[str, type[ModelMarketError] | type[SplitError], str], ...] = (
    ("unknown model", ModelNotFoundError, "no such model"),
    ("unknown model id", ModelNotFoundError, "no such model"),
    ("model is delisted", ModelDelistedError, "the model is delisted"),
    ("parent is delisted", ProvenanceError, "a parent model is delisted"),
    ("unknown parent", ProvenanceError, "a parent model does not exist"),
    ("parents not strictly increasing", ProvenanceError, "parents must strictly increase"),
    ("parent not owned or licensed for fine-tuning", ProvenanceError,
     "a parent is neither owned by nor licensed for fine-tuning to the registrant"),
    ("parents' royalties exceed maximum", ProvenanceError,
     "the parents' royalties add up to more than 50 %"),
    ("unknown dataset", ProvenanceError, "a dataset of the provenance does not exist"),
    ("order is for another dataset", ProvenanceError, "an order is for another dataset"),
    ("order not started for the registrant", ProvenanceError,
     "an order of the provenance was not started for the registrant"),
    ("dataset without order or receipt", ProvenanceError,
     "a dataset has neither an order nor a receipt"),
    ("unknown order", ProvenanceError, "an order of the provenance does not exist"),
    ("licence kind not for sale", LicenceNotForSaleError, "this licence kind is not for sale"),
    ("price above max_price", ModelPriceAboveMaxError, "the price is above your maximum"),
    ("nothing to withdraw", NothingToWithdrawError, "nothing to withdraw"),
    ("nothing to distribute", ModelMarketError, "the model has no balance to distribute"),
    ("split does not match the model", ModelMarketError, "the split does not match the model"),
    ("splits do not sum to 10,000", SplitError, "the split does not sum to 10,000 bps"),
    ("zero address in splits", SplitError, "the split names the zero address"),
    ("zero share in splits", SplitError, "the split has a zero share"),
    ("caller is not the owner or manager", NotModelOwnerError,
     "only the model's owner or manager may do this"),
    ("caller is not the owner", NotModelOwnerError, "only the model's owner may do this"),
    ("payment token not allowed", ModelMarketError, "the payment token is not allowed"),
    ("epoch already has a community model", ModelMarketError,
     "this subnet epoch already has a community model"),
)  # fmt: skip


class ModelReader(LicenceMarket):
    """What the ModelNFT and ModelLicences contracts of one deployment hold (reading only;
    :class:`noosphere.chain.models.ModelMarket` adds the transactions)."""

    def __init__(self, chain: Chain, manifest: Manifest) -> None:
        self.chain = chain
        self.manifest = manifest
        self.token = NoosToken(chain, manifest.address("noos"))
        self.nft = chain.contract("modelnft", manifest.address("modelnft"))
        self.licences = chain.contract("model_licences", manifest.address("model_licences"))
        self.start_block = min(
            manifest.contracts[name].block_number for name in ("modelnft", "model_licences")
        )
        self._timestamps: dict[int, int] = {}

    @cached_property
    def data(self) -> DataMarket:
        """The data market the provenance's datasets and orders live in."""
        return DataMarket(self.chain, self.manifest)

    # --- helpers -------------------------------------------------------------------------------
    def _send(self, account: LocalAccount, fn: Any, model_id: int | None = None) -> Receipt:
        """Transact, turning the contracts' refusals into specific errors."""
        try:
            return self.chain.transact(account, fn)
        except TransactionRevertedError as error:
            raise refusal(error, model_id) from None

    def _logs(self, contract: Any, name: str, **filters: Any) -> list[Any]:
        event = getattr(contract.events, name)()
        logs = event.get_logs(from_block=self.start_block, argument_filters=filters or None)
        return sorted(logs, key=lambda log: (log["blockNumber"], log["logIndex"]))

    def timestamp(self, block: int) -> int:
        """The unix time of ``block`` (cached)."""
        if block not in self._timestamps:
            self._timestamps[block] = int(self.chain.w3.eth.get_block(block)["timestamp"])
        return self._timestamps[block]

    # --- reading -------------------------------------------------------------------------------
    def model_count(self, block: int | str = "latest") -> int:
        """How many models were registered (model ids run from 1 to this)."""
        return int(self._view(self.nft.functions.model_count(), block))

    def exists(self, model_id: int) -> bool:
        """True when ``model_id`` names a model."""
        return isinstance(model_id, int) and 0 < model_id <= self.model_count()

    def model(self, model_id: int, block: int | str = "latest") -> ModelRecord:
        """``ModelNFT.model(id)`` at ``block``; :class:`ModelNotFoundError` if there is none."""
        check_model_id(model_id)
        if block == "latest":
            block = self.chain.block_number
        count = self.model_count(block)
        if model_id > count:
            raise ModelNotFoundError(
                f"no model {model_id}: {count} model{'s' if count != 1 else ''} registered"
                + ("" if isinstance(block, str) else f" at block {block}"),
                hint="list them with `noos model list`",
            )
        row = self._view(self.nft.functions.model(model_id), block)
        owner, manager, artifact, metadata, p_hash, s_hash, royalty, community, delisted, gen = row
        return ModelRecord(
            model_id=model_id, owner=str(owner),
            manager=None if int(str(manager), 16) == 0 else str(manager),
            artifact_cid=str(artifact), metadata_cid=str(metadata),
            provenance_hash=bytes(p_hash), splits_hash=bytes(s_hash), royalty_bps=int(royalty),
            community=bool(community), delisted=bool(delisted), generation=int(gen),
        )  # fmt: skip

    def delist_reason(self, model_id: int) -> str:
        """The CID of the reason a model was delisted ('' if it is not)."""
        return str(self._view(self.nft.functions.delist_reason(check_model_id(model_id))))

    def terms(self, model_id: int, kind: int | str) -> Terms:
        """The sale terms of one licence kind of ``model_id``."""
        self.model(model_id)
        number = kind_of(kind)
        price, token, validity = self._view(self.nft.functions.terms(model_id, number))
        return Terms(number, int(price), str(token), int(validity))

    def all_terms(self, model_id: int) -> list[Terms]:
        """The terms of the three kinds, in kind order."""
        self.model(model_id)
        rows = self.chain.call_many([self.nft.functions.terms(model_id, k) for k in range(3)])
        return [Terms(k, int(p), str(t), int(v)) for k, (p, t, v) in enumerate(rows)]

    def registration(self, model_id: int) -> Registration:
        """The model's ``Registered`` event, decoded (one ``get_logs`` by the model id topic)."""
        check_model_id(model_id)
        logs = self._logs(self.nft, "Registered", model_id=model_id)
        if not logs:
            self.model(model_id)  # a clear error for an unknown id
            raise ModelNotFoundError(f"model {model_id} has no Registered event on this chain")
        return _registration(logs[0])

    def registrations(self) -> list[Registration]:
        """Every model's registration, in id order (one ``get_logs``)."""
        return [_registration(log) for log in self._logs(self.nft, "Registered")]

    def licence_expiry(self, holder: str, model_id: int, kind: int | str) -> int:
        """The stored expiry of ``holder``'s licence (0: it holds none)."""
        args = (checked_address(holder, "holder"), check_model_id(model_id), kind_of(kind))
        fn = self.licences.functions.licence_expiry(*args)
        return int(self._view(fn))

    def licence_valid(self, holder: str, model_id: int, kind: int | str) -> bool:
        """True when ``holder``'s licence is valid now (not expired, model listed)."""
        args = (checked_address(holder, "holder"), check_model_id(model_id), kind_of(kind))
        fn = self.licences.functions.licence_valid(*args)
        return bool(self._view(fn))

    def licence_purchases(
        self, holder: str | None, model_id: int, kind: int | str | None = None
    ) -> list[LicencePurchase]:
        """The ``LicenceBought`` events of ``model_id`` (by ``holder`` if given, of ``kind`` if
        given), oldest first, with their blocks' times."""
        filters: dict[str, Any] = {"model_id": check_model_id(model_id)}
        if holder is not None:
            filters["buyer"] = checked_address(holder, "holder")
        number = None if kind is None else kind_of(kind)
        out = []
        for log in self._logs(self.licences, "LicenceBought", **filters):
            args = log["args"]
            if number is not None and int(args["kind"]) != number:
                continue
            block = int(log["blockNumber"])
            out.append(LicencePurchase(
                buyer=str(args["buyer"]), model_id=int(args["model_id"]), kind=int(args["kind"]),
                price=int(args["price"]), token=str(args["payment_token"]),
                expiry=int(args["expiry"]), block_number=block, timestamp=self.timestamp(block),
                fee=int(args["fee"]), tx_hash="0x" + bytes(log["transactionHash"]).hex(),
            ))  # fmt: skip
        return out

    def licence_valid_at(self, holder: str, model_id: int, kind: int | str, timestamp: int) -> bool:
        """True when ``holder`` held a valid licence of ``kind`` of ``model_id`` at unix time
        ``timestamp``: replays purchases, ERC-1155 transfers and delistings up to that time."""
        from noosphere.chain.model_history import licence_valid_at

        return licence_valid_at(self, checked_address(holder, "holder"), check_model_id(model_id),
                                kind_of(kind), timestamp)  # fmt: skip

    def lineage(self, model_id: int) -> LineageNode:
        """The registration of ``model_id`` and, recursively, of its parents (a tree)."""
        cache: dict[int, Registration] = {}

        def node(mid: int, path: frozenset[int]) -> LineageNode:
            if mid in path:  # impossible on chain (parents have smaller ids); guarded anyway
                return LineageNode(cache.get(mid) or self.registration(mid), (), cycle=True)
            reg = cache.setdefault(mid, self.registration(mid))
            return LineageNode(reg, tuple(node(p, path | {mid}) for p in reg.provenance.parents))

        return node(check_model_id(model_id), frozenset())

    # --- revenue -------------------------------------------------------------------------------
    def model_balance(self, model_id: int, token: str | None = None) -> int:
        """The model's revenue in ``token`` not yet distributed."""
        fn = self.licences.functions.model_balance(check_model_id(model_id),
                                                   self.resolve_token(token))  # fmt: skip
        return int(self._view(fn))

    def fee_bps(self) -> int:
        """The protocol fee in basis points."""
        return int(self._view(self.licences.functions.fee_bps()))

    def treasury(self) -> str:
        """Who receives the protocol fees."""
        return str(self._view(self.licences.functions.treasury()))

    def payment_token_allowed(self, token: str) -> bool:
        """True when ModelNFT allows ``token`` as a payment token."""
        fn = self.nft.functions.payment_token_allowed(checked_address(token, "payment token"))
        return bool(self._view(fn))

    def check_listed(self, model_id: int) -> ModelRecord:
        """The model if it exists and is listed, else :class:`ModelDelistedError`."""
        record = self.model(model_id)
        if record.delisted:
            raise ModelDelistedError(
                f"model {model_id} is delisted (reason: {self.delist_reason(model_id)})",
                hint="a delisted model cannot be licensed nor be a parent",
            )
        return record

    def check_manager(self, account: str, model_id: int) -> ModelRecord:
        """The model if ``account`` is its owner or manager, else :class:`NotModelOwnerError`."""
        record = self.model(model_id)
        if account not in (record.owner, record.manager):
            raise NotModelOwnerError(
                f"{account} is neither the owner ({record.owner}) nor the manager of model "
                f"{model_id}",
                hint="sign with the owner's wallet (--from)",
            )
        return record


def refusal(error: TransactionRevertedError, model_id: int | None = None) -> Exception:
    """The specific error of a contract's revert (the error itself if none fits)."""
    reason = error.reason
    what = f"model {model_id}" if model_id else "the model"
    for ending, cls, message in _REFUSALS:
        if reason.endswith(ending):
            text = message.replace("the model", what) if model_id else message
            return cls(f"{text} ({reason})")
    if "access_control" in reason or "AccessControl" in reason:
        return NotModelOwnerError("only the model market's admin may do this", hint=reason)
    return error


def _registration(log: Any) -> Registration:
    args = log["args"]
    return Registration(
        model_id=int(args["model_id"]), owner=str(args["owner"]),
        block_number=int(log["blockNumber"]),
        tx_hash="0x" + bytes(log["transactionHash"]).hex(),
        artifact_cid=to_v1(bytes(args["artifact_cid"])),
        metadata_cid=to_v1(bytes(args["metadata_cid"])),
        royalty_bps=int(args["royalty_bps"]),
        provenance=Provenance.from_abi(args["provenance"]),
        provenance_hash=bytes(args["provenance_hash"]), splits_hash=bytes(args["splits_hash"]),
        recipients=tuple(Split(str(_field(r, "account", 0)), int(_field(r, "bps", 1)))
                         for r in args["recipients"]),
        parents=tuple(ParentShare(int(_field(p, "model_id", 0)), int(_field(p, "bps", 1)))
                      for p in args["parents"]),
    )  # fmt: skip


def _field(value: Any, name: str, index: int) -> Any:
    return value[name] if hasattr(value, "keys") else value[index]


__all__ = ["ModelReader", "refusal"]
