"""The provenance links of one model, checked against chain data at its registration.

Each function returns :class:`Check` values (pass, fail or skip with a reason) for one kind of
link of a :class:`~noosphere.chain.model_types.Registration`:

- :func:`dataset_checks`: the dataset existed, was listed and allowed training at the
  registration block; its order (``OrderStarted``) was started for the registrant (or, for a
  community model, the winner or the caller) and had not expired at the registration time;
  its compute-to-data receipt is in the model's metadata, hashes to the recorded digest, is
  signed by an accepted signer of the dataset at that block (its owner, its manager, or the
  provider signer named by its metadata document, whose CID only they can set: fetched by CID
  through the audit's store and its gateways), names this dataset, its content and order, a
  recipe the dataset allowed then, and the model's artifact as its output.
- :func:`parent_check`: the registrant (or the winner) owned the parent or held a valid
  fine-tune licence of it at the registration time (replayed from the licence events).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from noosphere.chain.model_reads import ModelReader
from noosphere.chain.model_types import FINE_TUNE, DatasetUse, Registration
from noosphere.errors import NoosphereError

if TYPE_CHECKING:
    from noosphere.storage import Store

Status = Literal["pass", "fail", "skip"]
GATEWAYS_HINT = ("set NOOS_GATEWAYS (comma-separated URLs) or `gateways` in config.toml to a "
                 "gateway that has it, or fetch it with `noos store fetch CID`")  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One named check of a model's audit: ``pass``, ``fail`` or ``skip``, and why."""

    name: str
    status: Status
    reason: str

    def as_json(self) -> dict[str, str]:
        """The JSON form."""
        return {"name": self.name, "status": self.status, "reason": self.reason}


def passed(name: str, reason: str) -> Check:
    """A passing check."""
    return Check(name, "pass", reason)


def failed(name: str, reason: str) -> Check:
    """A failing check."""
    return Check(name, "fail", reason)


def skipped(name: str, reason: str) -> Check:
    """A check that was not made (and why)."""
    return Check(name, "skip", reason)


def short_hash(value: bytes) -> str:
    """``0xabcdef12…``: a hash cut for messages."""
    return "0x" + value.hex()[:8] + "…"


@dataclass(frozen=True)
class RegistrationContext:
    """Who may hold the inputs of a registration, and when it happened."""

    registration: Registration
    timestamp: int
    accounts: tuple[str, ...]  # the registrant, and for a community model the winner
    store: Store | None = None  # fetches the datasets' metadata (None: not consulted)

    @property
    def block(self) -> int:
        """The registration block."""
        return self.registration.block_number


def registration_context(market: ModelReader, registration: Registration, winner: str | None,
                         store: Store | None = None) -> RegistrationContext:  # fmt: skip
    """The registration's time and the accounts allowed to hold its orders and licences;
    ``store`` (and its gateways) fetches the datasets' metadata documents."""
    accounts = [registration.owner] + ([winner] if winner else [])
    return RegistrationContext(registration, market.timestamp(registration.block_number),
                               tuple(accounts), store)  # fmt: skip


def dataset_checks(market: ModelReader, ctx: RegistrationContext, use: DatasetUse,
                   receipts: Sequence[Any] | None, artifact_cid: str) -> list[Check]:  # fmt: skip
    """The checks of one dataset of the provenance (see the module notes). ``receipts`` are the
    metadata's :class:`~noosphere.data.receipts.ComputeReceipt` values (None: no metadata)."""
    name = f"dataset {use.data_id}"
    try:
        dataset = market.data.dataset(use.data_id, block=ctx.block)
    except NoosphereError as error:
        return [failed(name, f"not on the data market at block {ctx.block}: {error.message}")]
    checks = []
    if dataset.delisted:
        checks.append(failed(name, f"delisted at the registration block {ctx.block}"))
    elif "training" not in dataset.uses:
        checks.append(failed(name, f"its uses ({', '.join(sorted(dataset.uses))}) did not allow "
                                   f"training at the registration block {ctx.block}"))  # fmt: skip
    else:
        checks.append(passed(name, f"listed and open to training at block {ctx.block}"))
    if use.order_id:
        checks.append(_order_check(market, ctx, use))
    if use.has_receipt:
        checks.append(_receipt_check(market, ctx, use, dataset, receipts, artifact_cid))
    return checks


def _order_check(market: ModelReader, ctx: RegistrationContext, use: DatasetUse) -> Check:
    name = f"dataset {use.data_id} order {use.order_id}"
    licences = market.data.licences
    logs = licences.events.OrderStarted().get_logs(
        from_block=0, to_block=ctx.block, argument_filters={"order_id": use.order_id})  # fmt: skip
    if not logs:
        return failed(name, f"no OrderStarted event of order {use.order_id} before block "
                            f"{ctx.block}")  # fmt: skip
    args = logs[0]["args"]
    if int(args["data_id"]) != use.data_id:
        return failed(name, f"the order is for dataset {int(args['data_id'])}")
    consumer = str(args["consumer"])
    if consumer not in ctx.accounts:
        return failed(name, f"started for {consumer}, not for the registrant "
                            f"{ctx.registration.owner}")  # fmt: skip
    expiry = int(args["expiry"])
    if expiry <= ctx.timestamp:
        return failed(name, f"expired at {expiry}, before the registration at {ctx.timestamp} "
                            f"(block {ctx.block})")  # fmt: skip
    return passed(name, f"started for {consumer}, valid until {expiry} (registered at "
                        f"{ctx.timestamp})")  # fmt: skip


def _receipt_check(market: ModelReader, ctx: RegistrationContext, use: DatasetUse,
                   dataset: Any, receipts: Sequence[Any] | None,
                   artifact_cid: str) -> Check:  # fmt: skip
    from noosphere.data.receipts import verify_receipt
    from noosphere.errors import ReceiptError
    from noosphere.storage import parse_cid

    name = f"dataset {use.data_id} receipt {short_hash(use.receipt)}"
    if receipts is None:
        return failed(name, "the model's metadata is unavailable, so is the receipt")
    receipt = next((r for r in receipts if r.digest() == use.receipt), None)
    if receipt is None:
        return failed(name, f"no receipt in the metadata hashes to {short_hash(use.receipt)} "
                            f"({len(receipts)} receipt(s) there)")  # fmt: skip
    try:
        signer = verify_receipt(receipt, chain_id=market.chain.chain_id,
                                licences=market.data.licences.address)  # fmt: skip
    except ReceiptError as error:
        return failed(name, error.message)
    role, problem = _signer_role(ctx, dataset, use.data_id, signer)
    if problem:
        return failed(name, problem)
    if receipt.data_id != use.data_id:
        return failed(name, f"the receipt is for dataset {receipt.data_id}")
    if use.order_id and receipt.order_id != use.order_id:
        return failed(name, f"the receipt names order {receipt.order_id}, the provenance "
                            f"{use.order_id}")  # fmt: skip
    if receipt.dataset_cid != dataset.content_cid:
        return failed(name, f"the receipt names content {receipt.dataset_cid}, the dataset "
                            f"{dataset.content_cid}")  # fmt: skip
    if receipt.recipe_hash not in dataset.recipes:
        recipe = short_hash(bytes.fromhex(receipt.recipe_hash[2:]))
        return failed(name, f"recipe {recipe} was not allowed on dataset {use.data_id} at "
                            f"block {ctx.block}")  # fmt: skip
    output, artifact = parse_cid(receipt.output_cid), parse_cid(artifact_cid)
    if (output.codec.code, bytes(output.raw_digest)) != (artifact.codec.code,
                                                         bytes(artifact.raw_digest)):  # fmt: skip
        return failed(name, f"its output {receipt.output_cid} is not the model's artifact "
                            f"{artifact_cid}")  # fmt: skip
    return passed(name, f"signed by the provider {signer} ({role}); recipe "
                        "allowed; output is the artifact")  # fmt: skip


def _signer_role(ctx: RegistrationContext, dataset: Any, data_id: int,
                 signer: str) -> tuple[str, str | None]:  # fmt: skip
    """Who ``signer`` is among the accepted signers of the dataset (its owner, its manager, the
    provider its metadata names), or why the signature is not accepted."""
    accepted = {dataset.owner: "owner"} | ({dataset.manager: "manager"} if dataset.manager else {})
    if signer in accepted:  # the metadata is read only when it matters
        return accepted[signer], None
    try:
        named = _metadata_signer(ctx, dataset)
    except NoosphereError as error:
        return "", (f"signed by {signer}, not the owner or manager of dataset {data_id}; "
                    f"{error.message} ({error.hint})")  # fmt: skip
    role = f"provider named by its metadata {dataset.metadata_cid}"
    if named == signer:
        return role, None
    if named is not None and named not in accepted:
        accepted[named] = role
    listed = ", ".join(f"{address} ({what})" for address, what in accepted.items())
    none = "" if named else f"; its metadata {dataset.metadata_cid} names no provider signer"
    return "", (f"signature is not the provider's: signed by {signer}; dataset {data_id} "
                f"accepts {listed}{none}")  # fmt: skip


def _metadata_signer(ctx: RegistrationContext, dataset: Any) -> str | None:
    """The provider signer named by ``dataset``'s metadata document (None: it names none);
    :class:`NoosphereError` (with a hint) when the document cannot be fetched or read."""
    from noosphere.data.metadata import MAX_METADATA_BYTES, load_metadata
    from noosphere.nodes.submission import ArtifactFetcher

    cid = dataset.metadata_cid
    if ctx.store is None:
        raise NoosphereError(f"its metadata {cid} was not consulted",
                             hint="this audit was given no content store")  # fmt: skip
    try:
        data = ArtifactFetcher(ctx.store).fetch(cid, (), MAX_METADATA_BYTES)
    except NoosphereError as error:
        raise NoosphereError(f"its metadata {cid}, which may name another provider signer, "
                             f"cannot be fetched and verified: {error.message}",
                             hint=GATEWAYS_HINT) from None  # fmt: skip
    try:
        return load_metadata(data).provider_signer
    except NoosphereError as error:
        raise NoosphereError(
            f"its metadata {cid} is not a dataset metadata document: {error.message}",
            hint="the dataset's owner or manager can "
            "set a valid one with `noos data update --metadata CID`",
        ) from None


def parent_check(market: ModelReader, ctx: RegistrationContext, parent: int) -> Check:
    """Whether the registrant owned ``parent`` or held a valid fine-tune licence of it then."""
    name = f"parent {parent} licence"
    try:
        owner = market.model(parent, block=ctx.block).owner
    except NoosphereError as error:
        return failed(name, f"parent model {parent} unreadable at block {ctx.block}: "
                            f"{error.message}")  # fmt: skip
    if owner in ctx.accounts:
        return passed(name, f"owned by {owner} at the registration block {ctx.block}")
    for account in ctx.accounts:
        if market.licence_valid_at(account, parent, FINE_TUNE, ctx.timestamp):
            return passed(name, f"{account} held a valid fine-tune licence at the registration "
                                f"time {ctx.timestamp}")  # fmt: skip
    return failed(name, f"{ctx.registration.owner} neither owned model {parent} nor held a "
                        f"valid fine-tune licence of it at the registration time "
                        f"{ctx.timestamp} (block {ctx.block})")  # fmt: skip
