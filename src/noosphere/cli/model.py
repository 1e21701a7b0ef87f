"""``noos model``: register models as Model NFTs with their provenance and revenue split, sell
licences, share out and withdraw the revenue, and show a model's lineage.

The wallet's coldkey (``--from``, default the configured wallet) signs. Every refusal that can
be known beforehand (bad option, split not summing to 10,000, unknown or unlicensed parent,
someone else's order, delisted model, price, funds, nothing to withdraw) is reported before
the password prompt and sends nothing. Parsing lives in :mod:`noosphere.cli._model_inputs`,
display in :mod:`noosphere.cli._model_views`, the rules in :mod:`noosphere.chain.models`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from noosphere.cli import _app
from noosphere.cli import _model_inputs as inputs
from noosphere.cli.wallet import ask_password, open_wallet

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from noosphere.chain.models import ModelMarket
    from noosphere.chain.protocol import Protocol
    from noosphere.models.metadata import ModelMetadata
    from noosphere.wallet import Wallet

app = typer.Typer(
    help="Models: register Model NFTs with provenance and splits, sell licences, earn royalties.",
    no_args_is_help=True,
)

_ID = "model id (1, 2, …)"
_FROM_HELP = "wallet whose coldkey signs (default: --wallet) \\[env: NOOS_WALLET]"
_KIND_HELP = "licence kind: inference, fine-tune or commercial"


def _from_option() -> str | None:
    return typer.Option(None, "--from", envvar="NOOS_WALLET", help=_FROM_HELP)  # type: ignore[no-any-return]


def _yes_option() -> bool:
    return typer.Option(False, "--yes", "-y", envvar="NOOS_YES", help="do not ask for confirmation")  # type: ignore[no-any-return]


def _open() -> tuple[Protocol, ModelMarket]:
    from noosphere.chain.protocol import open_protocol

    warnings.filterwarnings("ignore", message="The log with transaction hash", category=UserWarning)
    protocol = open_protocol(_app.config())
    return protocol, protocol.models


def _coldkey(wallet: Wallet) -> LocalAccount:
    return wallet.unlock_coldkey(ask_password(f"wallet {wallet.name} (coldkey)"))


def _confirm(yes: bool, question: str) -> None:
    if not yes and _app.console.is_terminal:
        typer.confirm(question, abort=True)


def _say(text: str) -> None:
    _app.console.print(text, soft_wrap=True)


# --- registering -----------------------------------------------------------------------------
def _metadata(
    artifact: bytes | None, metadata_file: Path | None, name: str | None, description: str,
    task: str, metrics: list[str], model_card: Path | None,
    test_split: tuple[Path | None, str | None, str | None, str | None], receipts: list[dict],
    classes: int | None = None,
) -> ModelMetadata:  # fmt: skip
    """The metadata document: read from --metadata, or built from the options."""
    from noosphere.errors import InputError
    from noosphere.models.metadata import TASK_KINDS, ModelMetadata, TestSplit

    built = (
        [name, model_card, *test_split] + (metrics or []) + ([description] if description else [])
    )
    if metadata_file is not None:
        if any(v for v in built):
            raise InputError("give --metadata FILE or the metadata options (--name …), not both")
        return inputs.read_metadata(metadata_file)
    if not name:
        raise InputError("give --name (or a metadata document with --metadata FILE.json)")
    if task not in TASK_KINDS:
        raise InputError(f"--task {task!r} is not one of {', '.join(TASK_KINDS)}")
    if artifact is None:
        raise InputError(
            "with --artifact-cid, give the metadata document (--metadata FILE)",
            hint="the task's input and output are read from an --artifact file",
        )
    card = ""
    if model_card is not None:
        try:
            card = model_card.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--model-card {model_card}: cannot be read ({exc})") from None
    split = None
    path, label, metric, value = test_split
    if any(v is not None for v in test_split):
        if not all(v is not None for v in test_split):
            raise InputError("--test-split needs --label, --test-metric and --test-value too")
        assert path is not None and label is not None and metric is not None
        split = TestSplit(_store_test_split(path, label), label, metric,
                          inputs.parse_metrics([f"x={value}"], "--test-value")["x"])  # fmt: skip
    return ModelMetadata(name, description, inputs.task_from_onnx(artifact, task, classes),
                         inputs.parse_metrics(metrics), card, split, tuple(receipts))  # fmt: skip


def _store_test_split(path: Path, label: str) -> str:
    from noosphere.errors import InputError, NoosphereError
    from noosphere.ml.table import read_table
    from noosphere.storage import Store

    try:
        table = read_table(path, label=label)
    except NoosphereError as error:
        raise InputError(f"--test-split {path}: {error.message}", hint=error.hint) from None
    if table.label != label:
        raise InputError(f"--test-split {path}: no label column {label!r}")
    return str(Store.from_config(_app.config()).put_file(path))


@app.command("register")
def register(
    artifact: Path | None = typer.Option(None, "--artifact", help="the model: an ONNX file"),
    artifact_cid: str | None = typer.Option(None, "--artifact-cid", help="CID of the artifact"),
    metadata: Path | None = typer.Option(None, "--metadata", help="metadata document (JSON)"),
    name: str | None = typer.Option(None, "--name", help="model name (builds the metadata)"),
    description: str = typer.Option("", "--description", help="model description"),
    task: str = typer.Option("classification", "--task", help="classification or regression"),
    classes: int | None = typer.Option(
        None, "--classes", min=2, help="classes, when the ONNX output does not fix them"
    ),
    metric: list[str] = typer.Option([], "--metric", help="declared score NAME=VALUE (repeat)"),
    model_card: Path | None = typer.Option(None, "--model-card", help="model card (markdown)"),
    test_split: Path | None = typer.Option(None, "--test-split", help="public test table"),
    label: str | None = typer.Option(None, "--label", help="label column of the test table"),
    test_metric: str | None = typer.Option(None, "--test-metric", help="metric on the test"),
    test_value: str | None = typer.Option(None, "--test-value", help="declared test score"),
    receipt: list[Path] = typer.Option([], "--receipt", help="compute receipt JSON (repeat)"),
    dataset: list[str] = typer.Option(
        [], "--dataset", help="DATA_ID\\[:ORDER_ID]\\[@RECEIPT.json] used in training (repeat)"
    ),
    parent: list[str] = typer.Option([], "--parent", help="parent model id (repeat)"),
    recipe: str | None = typer.Option(None, "--recipe", help="recipe hash or built-in name"),
    compute_job: int = typer.Option(0, "--compute-job", min=0, help="compute job or lease id"),
    netuid: int = typer.Option(0, "--netuid", min=0, help="subnet it was produced in"),
    epoch: int = typer.Option(0, "--epoch", min=0, help="subnet epoch it was produced in"),
    training_run: str | None = typer.Option(None, "--training-run", help="training-run hash"),
    split: list[str] = typer.Option(
        [], "--split", help="revenue share ADDRESS=BPS (repeat; default 10000 to you)"
    ),
    royalty: int = typer.Option(0, "--royalty", help="bps of derivatives' revenue (≤ 5000)"),
    terms: list[str] = typer.Option(
        [], "--terms", help="licence terms KIND=PRICE\\[:DAYS] (repeat; default 30 days)"
    ),
    wallet_name: str | None = _from_option(),
    yes: bool = _yes_option(),
) -> None:
    """Register a model as a Model NFT with its provenance, revenue split and licence terms."""
    from noosphere.chain.model_checks import check_royalty, cid_bytes
    from noosphere.chain.models import Provenance
    from noosphere.errors import InputError
    from noosphere.storage import Store

    if (artifact is None) == (artifact_cid is None):
        raise InputError("give the model as --artifact FILE.onnx or --artifact-cid CID (one)")
    data = inputs.read_artifact(artifact) if artifact is not None else None
    if artifact_cid is not None:
        cid_bytes(artifact_cid, "--artifact-cid")
    uses = [inputs.parse_dataset(item) for item in dataset]
    found = {r.digest(): r for r in (inputs.read_receipt(p) for p in receipt)}
    found.update({r.digest(): r for _, r in uses if r is not None})
    provenance = Provenance(
        datasets=tuple(use for use, _ in uses),
        parents=tuple(inputs.parse_id(p, "--parent") for p in parent),
        compute_job=compute_job, netuid=netuid, epoch=epoch,
        recipe=inputs.parse_recipe(recipe) if recipe else b"\0" * 32,
        training_run=inputs.parse_hex32(training_run, "--training-run") if training_run
        else b"\0" * 32,
    )  # fmt: skip
    check_royalty(royalty)
    sale = inputs.parse_terms(terms)
    shares = inputs.parse_splits(split) if split else None
    meta = _metadata(data, metadata, name, description, task, metric, model_card,
                     (test_split, label, test_metric, test_value),
                     [r.to_dict() for r in found.values()], classes)  # fmt: skip
    wallet = open_wallet(wallet_name)
    protocol, market = _open()
    shares = shares or [(wallet.coldkey_address, 10_000)]
    market.check_registration(wallet.coldkey_address, provenance, shares, royalty)
    store = Store.from_config(_app.config())
    art = str(store.put_file(artifact)) if artifact is not None else str(artifact_cid)
    meta_cid = str(store.put_bytes(meta.to_json(), name=f"{meta.name} (model metadata)"))
    _say(f"artifact {art}; metadata {meta_cid} ({meta.name!r})")
    _confirm(yes, f"register {meta.name!r} with {len(shares)} split recipient(s)?")
    account = _coldkey(wallet)
    model_id = market.register(account, art, meta_cid, provenance, shares, royalty)
    _say(f"registered model {model_id} owned by {account.address}")
    for kind, price, seconds in sale:
        market.set_terms(account, model_id, kind, price, seconds)
    if sale:
        from noosphere.cli._model_views import terms_text

        _say(terms_text(market.all_terms(model_id), protocol.token.address))


# --- browsing --------------------------------------------------------------------------------
def _read_metadata(cid: str) -> tuple[ModelMetadata | None, str]:
    from noosphere.errors import NoosphereError
    from noosphere.models.metadata import MAX_METADATA_BYTES, ModelMetadata
    from noosphere.storage import Store

    try:
        store = Store.from_config(_app.config())
        return ModelMetadata.from_json(store.read_bytes(cid, max_size=MAX_METADATA_BYTES)), ""
    except NoosphereError as error:
        return None, error.user_message


@app.command("list")
def list_models(
    owner: str | None = typer.Option(None, "--owner", help="only models of this owner"),
    delisted: bool = typer.Option(False, "--delisted", help="only delisted models"),
    all_: bool = typer.Option(False, "--all", help="listed and delisted models"),
) -> None:
    """List the registered models (listed ones unless --delisted or --all)."""
    from noosphere.chain.token import checked_address
    from noosphere.cli._model_views import models_table

    wanted = checked_address(owner, "--owner") if owner else None
    protocol, market = _open()
    rows = []
    for reg in market.registrations():
        record = market.model(reg.model_id)
        if (wanted and record.owner != wanted) or (not all_ and record.delisted != delisted):
            continue
        meta, _ = _read_metadata(record.metadata_cid)
        rows.append((record, reg, market.all_terms(reg.model_id), meta.name if meta else ""))
    if not rows:
        _say("no model matches" if market.model_count() else
             "no models yet (register one with `noos model register`)")  # fmt: skip
        return
    _app.console.print(models_table(rows, protocol.token.address))


@app.command("show")
def show(model_id: str = typer.Argument(..., help=_ID)) -> None:
    """Show a model: owner, status, licence terms, split, provenance and metadata."""
    from noosphere.cli._model_views import model_details

    number = inputs.parse_id(model_id)
    protocol, market = _open()
    record = market.model(number)
    meta, error = _read_metadata(record.metadata_cid)
    reason = market.delist_reason(number) if record.delisted else ""
    _app.console.print(model_details(
        record, market.registration(number), market.all_terms(number),
        market.model_balance(number), protocol.token.address, meta, error, reason))  # fmt: skip


@app.command("lineage")
def lineage(model_id: str = typer.Argument(..., help=_ID)) -> None:
    """Show a model's lineage: datasets (order / receipt) and parents, recursively."""
    from noosphere.cli._model_views import lineage_tree

    number = inputs.parse_id(model_id)
    _, market = _open()
    _app.console.print(lineage_tree(market.lineage(number), market))


# --- licences --------------------------------------------------------------------------------
@app.command("licence")
def licence(
    model_id: str = typer.Argument(..., help=_ID),
    kind: str = typer.Option(..., "--kind", help=_KIND_HELP),
    price: str = typer.Option(..., "--price", help="price in NOOS (0 takes it off sale)"),
    days: str = typer.Option("30", "--days", help="how long a licence lasts, in days"),
    token: str | None = typer.Option(None, "--token", help="payment token (default: NOOS)"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Set the terms of one licence kind of a model (owner or manager)."""
    from noosphere.chain.models import kind_name, kind_of

    number = inputs.parse_id(model_id)
    kind_number = kind_of(kind)
    units = inputs.parse_price(price, "--price", allow_zero=True)
    seconds = inputs.parse_days(days) if units else 0
    wallet = open_wallet(wallet_name)
    protocol, market = _open()
    market.check_manager(wallet.coldkey_address, number)
    if token is not None and units and not market.payment_token_allowed(token):
        from noosphere.errors import InputError

        raise InputError(f"--token {token} is not allowed by the model market")
    market.set_terms(_coldkey(wallet), number, kind_number, units, seconds, token)
    from noosphere.cli._model_views import terms_text

    _say(f"model {number}, {kind_name(kind_number)} licence set:")
    _say(terms_text(market.all_terms(number), protocol.token.address))


@app.command("buy")
def buy(
    model_id: str = typer.Argument(..., help=_ID),
    kind: str = typer.Option(..., "--kind", help=_KIND_HELP),
    max_price: str | None = typer.Option(
        None, "--max-price", help="the most you pay, in NOOS (default: today's price)"
    ),
    wallet_name: str | None = _from_option(),
    yes: bool = _yes_option(),
) -> None:
    """Buy (or extend) a licence of a model."""
    from noosphere.chain.models import kind_name, kind_of
    from noosphere.cli._model_views import money, purchase_line

    number = inputs.parse_id(model_id)
    kind_number = kind_of(kind)
    limit = None if max_price is None else inputs.parse_price(max_price, "--max-price",
                                                              allow_zero=True)  # fmt: skip
    wallet = open_wallet(wallet_name)
    protocol, market = _open()
    terms, _ = market.check_sale(wallet.coldkey_address, number, kind_number, limit)
    noos = protocol.token.address
    _confirm(yes, f"buy the {kind_name(kind_number)} licence of model {number} for "
                  f"{money(terms.price, terms.payment_token, noos)}?")  # fmt: skip
    purchase = market.buy(_coldkey(wallet), number, kind_number, limit)
    _say(purchase_line(purchase, noos))


# --- revenue ---------------------------------------------------------------------------------
@app.command("distribute")
def distribute(
    model_id: str = typer.Argument(..., help=_ID),
    token: str | None = typer.Option(None, "--token", help="payment token (default: NOOS)"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Share out a model's revenue to its split and its parents (anyone may)."""
    from noosphere.cli._model_views import money
    from noosphere.errors import ModelMarketError

    number = inputs.parse_id(model_id)
    wallet = open_wallet(wallet_name)
    protocol, market = _open()
    pay = market.resolve_token(token)
    if market.model_balance(number, pay) == 0:
        market.model(number)
        raise ModelMarketError(
            f"model {number} has nothing to distribute",
            hint="its revenue was shared out already, or it has none",
        )
    amount = market.distribute(_coldkey(wallet), number, pay)
    _say(f"distributed {money(amount, pay, protocol.token.address)} of model {number}")


@app.command("earnings")
def earnings(
    address: str | None = typer.Argument(None, help="account (default: the wallet's coldkey)"),
    token: str | None = typer.Option(None, "--token", help="payment token (default: NOOS)"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Show what an account can withdraw and the undistributed revenue that pays it."""
    from noosphere.chain.token import checked_address
    from noosphere.cli._model_views import earnings_table

    account = checked_address(address, "address") if address else None
    if account is None:
        account = open_wallet(wallet_name).coldkey_address
    protocol, market = _open()
    _app.console.print(earnings_table(market.earnings(account, token), protocol.token.address))


@app.command("withdraw")
def withdraw(
    token: str | None = typer.Option(None, "--token", help="payment token (default: NOOS)"),
    no_distribute: bool = typer.Option(
        False, "--no-distribute", help="do not first share out the models that pay you"
    ),
    wallet_name: str | None = _from_option(),
) -> None:
    """Withdraw your revenue; first distributes the models whose revenue reaches you."""
    from noosphere.cli._model_views import money
    from noosphere.errors import NothingToWithdrawError

    wallet = open_wallet(wallet_name)
    protocol, market = _open()
    pay = market.resolve_token(token)
    address = wallet.coldkey_address
    found = market.earnings(address, pay)
    if found.pending == 0 and (no_distribute or not found.undistributed):
        raise NothingToWithdrawError(
            f"{address} has nothing to withdraw",
            hint="already withdrawn? revenue arrives when licences of your models are sold",
        )
    account = _coldkey(wallet)
    if not no_distribute and found.undistributed:
        done = market.distribute_for(account, pay)
        _say(f"distributed model(s) {', '.join(map(str, done))}")
    amount = market.withdraw(account, pay)
    _say(f"withdrew {money(amount, pay, protocol.token.address)} to {address}")


# --- admin (later the DAO) -------------------------------------------------------------------
@app.command("delist")
def delist(
    model_id: str = typer.Argument(..., help=_ID),
    reason_cid: str = typer.Option(..., "--reason-cid", help="CID of the reason (a document)"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Delist a model (admin): no licence sales, licences invalid, not a parent."""
    from noosphere.chain.data_terms import check_cid_text
    from noosphere.errors import InputError

    number = inputs.parse_id(model_id)
    check_cid_text(reason_cid, "--reason-cid")
    wallet = open_wallet(wallet_name)
    _, market = _open()
    if market.model(number).delisted:
        raise InputError(f"model {number} is already delisted")
    market.check_admin(wallet.coldkey_address, f'modelnft.delist({number}, "{reason_cid}")')
    receipt = market.delist(_coldkey(wallet), number, reason_cid)
    _say(f"model {number} is delisted (reason {reason_cid}, tx {receipt.tx_hash})")


@app.command("relist")
def relist(
    model_id: str = typer.Argument(..., help=_ID),
    wallet_name: str | None = _from_option(),
) -> None:
    """Relist a delisted model (admin)."""
    from noosphere.errors import InputError

    number = inputs.parse_id(model_id)
    wallet = open_wallet(wallet_name)
    _, market = _open()
    if not market.model(number).delisted:
        raise InputError(f"model {number} is not delisted")
    market.check_admin(wallet.coldkey_address, f"modelnft.relist({number})")
    receipt = market.relist(_coldkey(wallet), number)
    _say(f"model {number} is listed again (tx {receipt.tx_hash})")
