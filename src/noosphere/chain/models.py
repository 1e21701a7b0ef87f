"""Typed client of the model contracts: Model NFTs (``modelnft.vy``) and their licences and
revenue (``model_licences.vy``). See ``docs/models.md``.

A model is registered in one transaction with its artifact and metadata CIDs, its provenance
and its revenue split; licences of three kinds are bought at the owner's terms; revenue is
shared out with :meth:`ModelMarket.distribute` (the split lists come from the ``Registered``
event) and withdrawn by pull. Every input, and every refusal of the chain that can be known
beforehand, is checked here first: a bad one is a clear
:class:`~noosphere.errors.NoosphereError` and nothing is sent; what the contracts refuse anyway
becomes the specific :class:`~noosphere.errors.ModelMarketError` subclass (:func:`refusal`).

Reading is :class:`~noosphere.chain.model_reads.ModelReader`'s; the types are
:mod:`noosphere.chain.model_types`' (both re-exported here).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from noosphere.chain.admin import check_admin
from noosphere.chain.client import Receipt
from noosphere.chain.data_terms import ZERO_ADDRESS, check_cid_text
from noosphere.chain.model_checks import (
    check_model_id,
    check_provenance_shape,
    check_royalty,
    check_splits,
    check_terms,
    cid_bytes,
)
from noosphere.chain.model_reads import ModelReader, refusal
from noosphere.chain.model_types import (
    COMMERCIAL,
    FINE_TUNE,
    INFERENCE,
    KIND_NAMES,
    MAX_PARENTS_BPS,
    DatasetUse,
    LicencePurchase,
    LineageNode,
    ModelRecord,
    ParentShare,
    Provenance,
    Registration,
    Split,
    Terms,
    kind_name,
    kind_of,
    parent_args,
    split_args,
)
from noosphere.chain.token import checked_address, format_amount
from noosphere.errors import (
    InputError,
    LicenceNotForSaleError,
    ModelMarketError,
    ModelNotFoundError,
    ModelPriceAboveMaxError,
    NothingToWithdrawError,
    NotModelOwnerError,
    ProvenanceError,
)


@dataclass(frozen=True)
class Earnings:
    """What an account can withdraw now, and the undistributed balances of the models that pay
    it (their split names it, or a model derived from one does)."""

    account: str
    token: str
    pending: int
    undistributed: tuple[tuple[int, int], ...]  # (model id, balance)


class ModelMarket(ModelReader):
    """The ModelNFT and ModelLicences contracts of one deployment: reading and transacting."""

    # --- registering ---------------------------------------------------------------------------
    def check_registration(
        self,
        registrant: str,
        provenance: Provenance,
        recipients: Iterable[Split | tuple[str, int]],
        royalty_bps: int,
        licensee: str | None = None,
    ) -> tuple[Split, ...]:
        """Refuse what ModelNFT would refuse (split, royalty, parents, datasets); returns the
        checked split. ``licensee`` is the other account (a community model's winner) that may
        hold the orders and parent licences."""
        splits = check_splits(recipients)
        check_royalty(royalty_bps)
        self.check_provenance(registrant, provenance, licensee)
        return splits

    def check_provenance(
        self, registrant: str, provenance: Provenance, licensee: str | None = None
    ) -> None:
        """Every parent exists, is listed and owned by or fine-tune-licensed to the registrant
        (or ``licensee``), their royalties ≤ 50 %; every dataset exists and each order is for it
        and was started for the registrant (or ``licensee``)."""
        check_provenance_shape(provenance)
        accounts = {checked_address(registrant, "registrant")}
        if licensee is not None:
            accounts.add(checked_address(licensee, "winner"))
        count = self.model_count()
        royalties = 0
        for parent in provenance.parents:
            if parent > count:
                raise ProvenanceError(
                    f"parent model {parent} does not exist ({count} models registered)",
                    hint="a parent must be registered before its child",
                )
            record = self.check_listed(parent)
            if record.owner not in accounts and not any(
                self.licence_expiry(a, parent, FINE_TUNE) for a in accounts
            ):
                raise ProvenanceError(
                    f"parent model {parent} is neither owned by nor licensed for fine-tuning to "
                    f"{registrant}",
                    hint=f"buy its fine-tune licence first (noos model buy {parent} --kind "
                    "fine-tune)",
                )
            royalties += record.royalty_bps
        if royalties > MAX_PARENTS_BPS:
            raise ProvenanceError(
                f"the parents' royalties add up to {royalties:,} bps, more than "
                f"{MAX_PARENTS_BPS:,}",
                hint="a model keeps at least half of its revenue for its own split",
            )
        data_count = self.data.data_count() if provenance.datasets else 0
        for use in provenance.datasets:
            if use.data_id > data_count:
                raise ProvenanceError(f"dataset {use.data_id} does not exist ({data_count} "
                                      "published)")  # fmt: skip
            if use.order_id == 0:
                continue
            order = self.data.order(use.order_id)
            if order is None:
                raise ProvenanceError(f"order {use.order_id} (dataset {use.data_id}) does not "
                                      "exist")  # fmt: skip
            if order.data_id != use.data_id:
                raise ProvenanceError(
                    f"order {use.order_id} is for dataset {order.data_id}, not {use.data_id}"
                )
            if order.consumer not in accounts:
                raise ProvenanceError(
                    f"order {use.order_id} of dataset {use.data_id} was started for "
                    f"{order.consumer}, not for {registrant}",
                    hint="name an order started for you (noos data order)",
                )

    def register(
        self,
        account: LocalAccount,
        artifact_cid: str | bytes,
        metadata_cid: str | bytes,
        provenance: Provenance = Provenance(),
        recipients: Iterable[Split | tuple[str, int]] | None = None,
        royalty_bps: int = 0,
    ) -> int:
        """Mint a Model NFT to ``account``; returns its model id. ``recipients`` defaults to
        100 % to ``account``. Everything is checked before sending."""
        artifact = cid_bytes(artifact_cid, "artifact CID")
        metadata = cid_bytes(metadata_cid, "metadata CID")
        split = [(account.address, 10_000)] if recipients is None else recipients
        splits = self.check_registration(account.address, provenance, split, royalty_bps)
        fn = self.nft.functions.register(artifact, metadata, provenance.as_abi(),
                                         split_args(splits), royalty_bps)  # fmt: skip
        return self._registered(self._send(account, fn))

    def register_community(
        self,
        account: LocalAccount,
        artifact_cid: str | bytes,
        metadata_cid: str | bytes,
        provenance: Provenance,
        winner: str,
        royalty_bps: int = 0,
    ) -> int:
        """Register a subnet epoch's consensus-best model (``COMMUNITY_ROLE`` holders)."""
        artifact = cid_bytes(artifact_cid, "artifact CID")
        metadata = cid_bytes(metadata_cid, "metadata CID")
        winner = checked_address(winner, "winner")
        if int(winner, 16) == 0:
            raise InputError("winner: the zero address cannot win")
        check_royalty(royalty_bps)
        role = self._view(self.nft.functions.COMMUNITY_ROLE())
        if not self._view(self.nft.functions.hasRole(role, account.address)):
            raise NotModelOwnerError(f"{account.address} does not hold the community role",
                                     hint="the admin grants it to a subnet owner")  # fmt: skip
        taken = int(self._view(self.nft.functions.community_model(provenance.netuid,
                                                                  provenance.epoch)))  # fmt: skip
        if taken:
            raise ModelMarketError(f"subnet {provenance.netuid} epoch {provenance.epoch} already "
                                   f"has a community model ({taken})")  # fmt: skip
        self.check_provenance(account.address, provenance, licensee=winner)
        fn = self.nft.functions.register_community(artifact, metadata, provenance.as_abi(),
                                                   winner, royalty_bps)  # fmt: skip
        return self._registered(self._send(account, fn))

    def _registered(self, receipt: Receipt) -> int:
        for log in self._events(self.nft, "Registered", receipt):
            return int(log["args"]["model_id"])
        raise ModelNotFoundError("registering emitted no Registered event")

    # --- owner and manager ---------------------------------------------------------------------
    def set_terms(
        self,
        account: LocalAccount,
        model_id: int,
        kind: int | str,
        price: int,
        validity: int = 0,
        payment_token: str | None = None,
    ) -> Receipt:
        """Set the terms of one licence kind (a zero price takes it off sale)."""
        number = kind_of(kind)
        price, validity = check_terms(price, validity)
        token = self.resolve_token(payment_token) if price else ZERO_ADDRESS
        if price and not self.payment_token_allowed(token):
            raise InputError(f"payment token: {token} is not allowed by the model market",
                             hint=f"NOOS ({self.token.address}) always is")  # fmt: skip
        self.check_manager(account.address, model_id)
        fn = self.nft.functions.set_terms(model_id, number, price, token, validity)
        return self._send(account, fn, model_id)

    def set_metadata(self, account: LocalAccount, model_id: int, metadata_cid: str) -> Receipt:
        """Replace the model's metadata CID (owner or manager)."""
        metadata = cid_bytes(metadata_cid, "metadata CID")
        self.check_manager(account.address, model_id)
        return self._send(account, self.nft.functions.set_metadata(model_id, metadata), model_id)

    def set_manager(self, owner: LocalAccount, model_id: int, manager: str | None) -> Receipt:
        """Appoint (or with None remove) the model's manager; only the owner may."""
        record = self.model(model_id)
        if owner.address != record.owner:
            raise NotModelOwnerError(f"only the owner ({record.owner}) of model {model_id} "
                                     "appoints its manager")  # fmt: skip
        address = ZERO_ADDRESS if manager is None else checked_address(manager, "manager")
        return self._send(owner, self.nft.functions.set_manager(model_id, address), model_id)

    # --- buying ----------------------------------------------------------------------------------
    def check_sale(
        self, buyer: str, model_id: int, kind: int | str, max_price: int | None = None
    ) -> tuple[Terms, int]:
        """Refuse a purchase that would fail (unknown model or kind, delisted, not for sale,
        price above ``max_price``, funds short); returns the terms and the price limit."""
        number = kind_of(kind)
        self.check_listed(check_model_id(model_id))
        terms = self.terms(model_id, number)
        if not terms.for_sale:
            raise LicenceNotForSaleError(
                f"the {kind_name(number)} licence of model {model_id} is not for sale",
                hint="its owner sets a price with `noos model licence`",
            )
        limit = terms.price if max_price is None else max_price
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InputError(f"max price: {limit!r} is not a non-negative amount")
        if terms.price > limit:
            raise ModelPriceAboveMaxError(
                f"the {kind_name(number)} licence of model {model_id} costs "
                f"{format_amount(terms.price)}, above your maximum of {format_amount(limit)}",
                hint="raise --max-price if you accept the price",
            )
        if not self.payment_token_allowed(terms.payment_token):
            raise ModelMarketError(f"model {model_id} is priced in {terms.payment_token}, a "
                                   "token the market no longer allows")  # fmt: skip
        self.check_funds(buyer, terms.payment_token, terms.price,
                               f"the {kind_name(number)} licence of model {model_id}")  # fmt: skip
        return terms, limit

    def buy(
        self, buyer: LocalAccount, model_id: int, kind: int | str, max_price: int | None = None
    ) -> LicencePurchase:
        """Buy (or extend) a licence; approves the payment token when the allowance is short."""
        terms, limit = self.check_sale(buyer.address, model_id, kind, max_price)
        self.approve_payment(buyer, terms.payment_token, terms.price)
        fn = self.licences.functions.buy(model_id, terms.kind, limit)
        receipt = self._send(buyer, fn, model_id)
        for log in self._events(self.licences, "LicenceBought", receipt):
            args = log["args"]
            return LicencePurchase(
                buyer=str(args["buyer"]), model_id=model_id, kind=int(args["kind"]),
                price=int(args["price"]), token=str(args["payment_token"]),
                expiry=int(args["expiry"]), block_number=receipt.block_number,
                timestamp=self.timestamp(receipt.block_number), fee=int(args["fee"]),
                tx_hash=receipt.tx_hash,
            )  # fmt: skip
        raise ModelMarketError("buying emitted no LicenceBought event")

    # --- revenue -------------------------------------------------------------------------------
    def distribute(self, account: LocalAccount, model_id: int, token: str | None = None) -> int:
        """Share out the model's balance in ``token`` to its split and parents (anyone may);
        returns the amount. The split lists are read from the model's registration."""
        address = self.resolve_token(token)
        amount = self.model_balance(model_id, address)
        if amount == 0:
            self.model(model_id)
            raise ModelMarketError(f"model {model_id} has nothing to distribute in {address}")
        reg = self.registration(model_id)
        fn = self.licences.functions.distribute(model_id, address, split_args(reg.recipients),
                                                parent_args(reg.parents))  # fmt: skip
        self._send(account, fn, model_id)
        return amount

    def paying_models(self, account: str) -> list[int]:
        """Ids of the models whose revenue reaches ``account``: its split names it, or one of
        its ancestors' does (revenue flows up the lineage). Increasing order."""
        address = checked_address(account)
        reaches: dict[int, bool] = {}
        for reg in self.registrations():  # increasing ids: parents come first
            names = any(s.account == address for s in reg.recipients)
            reaches[reg.model_id] = names or any(reaches.get(p.model_id) for p in reg.parents)
        return [mid for mid, yes in reaches.items() if yes]

    def earnings(self, account: str, token: str | None = None) -> Earnings:
        """``account``'s withdrawable credit and the undistributed balances that pay it."""
        address = self.resolve_token(token)
        models = self.paying_models(account)
        balances = self.chain.call_many(
            [self.licences.functions.model_balance(m, address) for m in models]
        )
        undistributed = tuple((m, int(b)) for m, b in zip(models, balances, strict=True) if b)
        return Earnings(checked_address(account), address, self.pending(account, address),
                        undistributed)  # fmt: skip

    def distribute_for(self, account: LocalAccount, token: str | None = None) -> list[int]:
        """Distribute every model whose revenue reaches ``account``, children before parents
        (decreasing ids), so the parents' shares arrive before they are distributed."""
        address = self.resolve_token(token)
        done = []
        for model_id in reversed(self.paying_models(account.address)):
            if self.model_balance(model_id, address):
                self.distribute(account, model_id, address)
                done.append(model_id)
        return done

    def withdraw(self, account: LocalAccount, token: str | None = None) -> int:
        """Send ``account`` its credit in ``token`` (default NOOS); returns the amount.
        :class:`NothingToWithdrawError` when there is none (e.g. withdrawn already)."""
        return self._withdraw(account, token, NothingToWithdrawError,
                              "already withdrawn? undistributed revenue shows in "
                              "`noos model earnings`")  # fmt: skip

    # --- admin (later the DAO) -----------------------------------------------------------------
    def check_admin(self, account: str, action: str | None = None) -> None:
        """Refuse unless ``account`` is the model market's admin; ``action`` is the DAO action
        to suggest when the DAO governs the market."""
        check_admin(self.chain, self.manifest, self.nft, account, what="the model market",
                    error=NotModelOwnerError, action=action)  # fmt: skip

    def delist(self, admin: LocalAccount, model_id: int, reason_cid: str) -> Receipt:
        """Delist a model with the CID of the reason (admin): no sales, not a parent."""
        reason = check_cid_text(reason_cid, "reason CID")
        record = self.model(model_id)
        self.check_admin(admin.address, f'modelnft.delist({model_id}, "{reason}")')
        if record.delisted:
            raise InputError(f"model {model_id} is already delisted")
        return self._send(admin, self.nft.functions.delist(model_id, reason), model_id)

    def relist(self, admin: LocalAccount, model_id: int) -> Receipt:
        """Relist a delisted model (admin)."""
        record = self.model(model_id)
        self.check_admin(admin.address, f"modelnft.relist({model_id})")
        if not record.delisted:
            raise InputError(f"model {model_id} is not delisted")
        return self._send(admin, self.nft.functions.relist(model_id), model_id)


__all__ = [
    "COMMERCIAL",
    "FINE_TUNE",
    "INFERENCE",
    "KIND_NAMES",
    "DatasetUse",
    "Earnings",
    "LicencePurchase",
    "LineageNode",
    "ModelMarket",
    "ModelNotFoundError",
    "ModelRecord",
    "ParentShare",
    "Provenance",
    "Registration",
    "Split",
    "Terms",
    "cid_bytes",
    "kind_name",
    "kind_of",
    "refusal",
]
