"""``noos data``: publish datasets as Data NFTs, find them, buy licences and start orders.

The wallet's coldkey (``--from``, default the configured wallet) signs: it owns what it
publishes, pays for licences and withdraws the sales credit. Every refusal that can be known
beforehand (bad input, unavailable dataset, price, funds, ownership) is reported before the
password prompt and sends nothing. ``list`` and ``search`` read a local catalogue
(``<home>/catalogue/<chain>.sqlite``) synced from chain events first.

The owner's and admin's commands (``update``, ``deprecate``, ``earnings``, ``withdraw``,
``delist``, ``relist``) live in :mod:`noosphere.cli.data_owner`, the provider-side commands
(``serve``, ``register-key``, ``download``, ``compute``, ``jobs``) in
:mod:`noosphere.cli.data_provider`; both register on this module's :data:`app`.
"""

from __future__ import annotations

import importlib
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from noosphere.cli import _app
from noosphere.cli.wallet import ask_password, open_wallet

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from noosphere.chain.data import DataMarket
    from noosphere.chain.protocol import Protocol
    from noosphere.data.catalogue import Catalogue, CatalogueEntry
    from noosphere.wallet import Wallet

app = typer.Typer(
    help="Data market: publish datasets as Data NFTs, search them, buy licences, start orders.",
    no_args_is_help=True,
)

_ID = "dataset id (1, 2, …)"
_FROM_HELP = "wallet whose coldkey signs (default: --wallet) \\[env: NOOS_WALLET]"
_YES_HELP = "do not ask for confirmation \\[env: NOOS_YES]"
_MAX_PRICE_HELP = "the most you pay per licence, in NOOS (default: today's price)"


def _from_option() -> str | None:
    return typer.Option(None, "--from", envvar="NOOS_WALLET", help=_FROM_HELP)  # type: ignore[no-any-return]


def _yes_option() -> bool:
    return typer.Option(False, "--yes", "-y", envvar="NOOS_YES", help=_YES_HELP)  # type: ignore[no-any-return]


# --- shared steps --------------------------------------------------------------------------
def _open() -> tuple[Protocol, DataMarket]:
    from noosphere.chain.protocol import open_protocol

    # web3 warns about every foreign log (token transfers) in a receipt it decodes: noise here
    warnings.filterwarnings("ignore", message="The log with transaction hash", category=UserWarning)
    protocol = open_protocol(_app.config())
    return protocol, protocol.data


def _data_id(text: str) -> int:
    from noosphere.errors import InputError

    try:
        value = int(text.strip().lstrip("#"))
    except ValueError:
        raise InputError(f"dataset id {text!r} is not a number", hint="e.g. 1") from None
    if value <= 0:
        raise InputError(f"dataset id {value} is not positive", hint="ids start at 1")
    return value


def _price(text: str, what: str = "price") -> int:
    from noosphere.chain.data import check_price
    from noosphere.chain.token import parse_amount
    from noosphere.errors import InputError

    try:
        units = parse_amount(text)
    except InputError as error:
        raise InputError(f"{what}: {error.message}", hint=error.hint) from None
    return check_price(units, what)


def _amount(text: str | None, what: str) -> int | None:
    from noosphere.chain.token import parse_amount
    from noosphere.errors import InputError

    if text is None:
        return None
    try:
        return parse_amount(text)
    except InputError as error:
        raise InputError(f"{what}: {error.message}", hint=error.hint) from None


def _recipes(items: list[str]) -> list[str]:
    """Recipe hashes, or names of built-in compute-to-data recipes turned into their hashes."""
    import difflib
    import re

    from noosphere.chain.data import check_recipes
    from noosphere.errors import InputError

    builtin: dict[str, str] = {}
    try:
        from noosphere.ml.c2d import builtin_recipes

        builtin = {name: recipe.hash for name, recipe in builtin_recipes().items()}
    except ImportError:
        pass
    hashes = []
    for item in items:
        if re.fullmatch(r"(0x)?[0-9a-fA-F]{64}", item.strip()):
            hashes.append(item.strip())
        elif item in builtin:
            hashes.append(builtin[item])
        else:
            close = difflib.get_close_matches(item, list(builtin), n=1)
            known = ", ".join(builtin) or "none installed"
            raise InputError(
                f"--allow-recipe {item!r} is neither a recipe hash nor a built-in recipe",
                hint=f"did you mean {close[0]!r}?" if close else f"built-in recipes: {known}",
            )
    return check_recipes(hashes)


def _coldkey(wallet: Wallet) -> LocalAccount:
    return wallet.unlock_coldkey(ask_password(f"wallet {wallet.name} (coldkey)"))


def _confirm(yes: bool, question: str) -> None:
    if not yes and _app.console.is_terminal:
        typer.confirm(question, abort=True)


def _tx(receipt: object) -> str:
    return f"tx {getattr(receipt, 'tx_hash', '?')}"


def _money(units: int, token: str, protocol: Protocol) -> str:
    from noosphere.chain.token import format_amount

    unit = "NOOS" if token == protocol.token.address else f"of {token}"
    return f"{format_amount(units)} {unit}"


def _duration(seconds: int) -> str:
    for unit, size in (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _catalogue(protocol: Protocol) -> Catalogue:
    """The local catalogue of this chain, synced now (problems with metadata are reported)."""
    from rich.markup import escape

    from noosphere.data.catalogue import Catalogue
    from noosphere.storage import Store

    config = _app.config()
    catalogue = Catalogue(config.home / "catalogue" / f"{protocol.chain.chain_id}.sqlite")
    report = catalogue.sync(protocol, Store.from_config(config))
    for cid, error in report.malformed:
        _app.err_console.print(f"[yellow]warning:[/] metadata {cid} is malformed: "
                               f"{escape(error)}", soft_wrap=True)  # fmt: skip
    return catalogue


def _entries_table(title: str, entries: list[CatalogueEntry], protocol: Protocol) -> object:
    from rich.table import Table

    table = Table(title=title)
    for column in ("id", "title", "rows", "cols", "price", "uses", "status", "sold", "owner"):
        right = column in ("id", "rows", "cols", "price", "sold")
        table.add_column(column, justify="right" if right else "left",
                         no_wrap=column in ("id", "owner"))  # fmt: skip
    for e in entries:
        title_text = e.title or f"({e.metadata_status} metadata)"
        table.add_row(
            str(e.data_id), title_text, "—" if e.rows is None else f"{e.rows:,}",
            str(len(e.columns)) if e.columns else "—", _money(e.price, e.payment_token, protocol),
            ", ".join(sorted(e.uses)), e.status, f"{e.licences_sold:,}", e.owner,
        )  # fmt: skip
    return table


# --- publishing ----------------------------------------------------------------------------
@app.command("publish")
def publish(
    file: Path = typer.Argument(..., help="the dataset: .csv, .tsv, .parquet or .npz"),
    title: str = typer.Option(..., "--title", help="public title of the dataset"),
    price: str = typer.Option(..., "--price", help="price of one licence, in NOOS (e.g. 5)"),
    endpoint: str = typer.Option(
        ...,
        "--endpoint",
        envvar="NOOS_DATA_ENDPOINT",
        help="URL of the provider node that serves it \\[env: NOOS_DATA_ENDPOINT]",
    ),
    description: str = typer.Option("", "--description", help="public description"),
    licence: str = typer.Option("", "--licence", help="licence text shown to buyers"),
    licence_file: Path | None = typer.Option(
        None, "--licence-file", help="read the licence text from this file"
    ),
    tags: list[str] = typer.Option([], "--tag", help="a search tag (repeatable)"),
    token: str | None = typer.Option(
        None, "--token", help="ERC-20 the price is in (default: NOOS; the admin allows others)"
    ),
    validity: str = typer.Option(
        "30d", "--validity", help="how long an order stays valid: 3600, 90m, 12h, 30d, 2w"
    ),
    uses: str = typer.Option(
        "training", "--uses", help="allowed uses, comma-separated: training, inference, commercial"
    ),
    allow_recipe: list[str] = typer.Option(
        [],
        "--allow-recipe",
        help="compute-to-data recipe allowed on it: a hash or a built-in name (repeatable)",
    ),
    label: str = typer.Option(
        "auto", "--label", help="label column for the profile ('auto' guesses, 'none': no label)"
    ),
    wallet_name: str | None = _from_option(),
    yes: bool = _yes_option(),
) -> None:
    """Publish a dataset file as a Data NFT.

    Reads and profiles the file, encrypts it into the store under a fresh key, stores its public
    metadata, mints the Data NFT, and hands the key to the provider at --endpoint. The key is
    also kept, encrypted, in your wallet: if the provider cannot be reached, nothing is lost.
    """
    from rich.markup import escape

    from noosphere.chain.data import check_endpoint, parse_duration, parse_uses
    from noosphere.chain.token import format_amount
    from noosphere.data.publish import KEYS_DIR, prepare_dataset, publish_dataset
    from noosphere.errors import InputError, KeyNotRegisteredError
    from noosphere.storage import Store

    units = _price(price)
    seconds = parse_duration(validity)
    use_names = parse_uses(uses)
    recipes = _recipes(allow_recipe)
    url = check_endpoint(endpoint)
    if licence_file is not None:
        if licence:
            raise InputError("give --licence or --licence-file, not both")
        try:
            licence = licence_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the licence file {licence_file}: {exc}") from None
    if not file.exists():
        raise InputError(f"no such file: {file}")
    wallet = open_wallet(wallet_name)
    protocol, market = _open()
    if token is not None:
        market.check_payment_token(token)
    pay_token = token or protocol.token.address
    account = _coldkey(wallet)

    config = _app.config()
    prepared = prepare_dataset(
        file, title=title, description=description, licence=licence, tags=tags,
        label=None if label.lower() == "none" else label, store=Store.from_config(config),
    )  # fmt: skip
    meta = prepared.metadata
    shape = f"{meta.rows:,} rows, {len(meta.column_names)} columns"
    if meta.label:
        shape += f" (label {meta.label!r}, {meta.task})"
    _app.console.print(f"read {escape(file.name)}: {shape}")
    _app.console.print(f"encrypted {meta.size:,} bytes into {prepared.content_cid} "
                       f"(AES-256-GCM); metadata {prepared.metadata_cid}")  # fmt: skip
    _confirm(yes, f"publish {title!r} at {format_amount(units)} per licence?")
    published = publish_dataset(
        market, account, prepared, keys_dir=wallet.path / KEYS_DIR, endpoint=url, price=units,
        payment_token=token, validity=seconds, uses=use_names, recipes=recipes,
    )  # fmt: skip
    _app.console.print(
        f"published dataset {published.data_id}: {_money(units, pay_token, protocol)} per "
        f"licence, orders valid {_duration(seconds)}, uses {', '.join(sorted(use_names))}"
        + (f", {len(recipes)} recipe(s) allowed" if recipes else "")
    )
    if published.signer is not None:
        _app.console.print(f"metadata {published.prepared.metadata_cid} names the provider's "
                           f"receipt-signing key {published.signer}")  # fmt: skip
    else:
        _app.console.print("[yellow]the provider could not be asked for its signing key: "
                           "its compute receipts will not verify in `noos audit model` "
                           "unless you publish metadata naming it[/]")  # fmt: skip
    if published.error is not None:
        raise KeyNotRegisteredError(
            f"dataset {published.data_id} is published, but its key was not registered with "
            f"the provider at {url}: {published.error.message}",
            hint=f"the key is saved encrypted in {published.key_file}; once the provider runs, "
            f"retry with `noos data register-key {published.data_id}`",
        )
    _app.console.print(f"key registered with the provider at {url}")


# --- browsing ------------------------------------------------------------------------------
@app.command("list")
def list_datasets(
    all_: bool = typer.Option(False, "--all", help="include deprecated and delisted datasets"),
) -> None:
    """List the datasets of the market (from the local catalogue, synced first)."""
    protocol, _ = _open()
    entries = _catalogue(protocol).entries(include_unavailable=all_)
    if not entries:
        _app.console.print("no datasets yet (publish one with `noos data publish FILE`)")
        return
    _app.console.print(_entries_table("datasets", entries, protocol))


@app.command("search")
def search(
    text: str | None = typer.Argument(
        None, help="words to find in titles, descriptions, tags and column names"
    ),
    uses: str | None = typer.Option(None, "--uses", help="uses it must allow, e.g. training"),
    max_price: str | None = typer.Option(None, "--max-price", help="highest price, in NOOS"),
    min_rows: int | None = typer.Option(None, "--min-rows", min=0, help="at least this many rows"),
    max_rows: int | None = typer.Option(None, "--max-rows", min=0, help="at most this many rows"),
    all_: bool = typer.Option(False, "--all", help="include deprecated and delisted datasets"),
    limit: int = typer.Option(50, "--limit", min=1, max=1_000, help="most results shown"),
) -> None:
    """Search the datasets by words, uses, price and size."""
    from noosphere.chain.data import parse_uses

    wanted = parse_uses(uses) if uses else frozenset()
    highest = _amount(max_price, "max price")
    protocol, _ = _open()
    found = _catalogue(protocol).search(
        text, uses=wanted, max_price=highest, min_rows=min_rows, max_rows=max_rows,
        include_unavailable=all_, limit=limit,
    )  # fmt: skip
    if not found:
        _app.console.print("no dataset matches")
        return
    _app.console.print(_entries_table(f"{len(found)} dataset(s) found", found, protocol))


@app.command("show")
def show(data_id: str = typer.Argument(..., help=_ID)) -> None:
    """Show a dataset: terms, status, and its public profile (schema and quality report)."""
    from rich.markup import escape
    from rich.table import Table

    from noosphere.cli._subnet_views import key_values
    from noosphere.data.metadata import MAX_METADATA_BYTES, load_metadata
    from noosphere.errors import NoosphereError
    from noosphere.storage import Store

    number = _data_id(data_id)
    protocol, market = _open()
    ds = market.dataset(number)
    status = ds.status
    if ds.delisted:
        status += f" (reason: {ds.delist_reason})"
    rows = [
        ("owner", ds.owner + (f" (manager {ds.manager})" if ds.manager else "")),
        ("status", status),
        ("price", f"{_money(ds.price, ds.payment_token, protocol)} per licence"),
        ("order validity", _duration(ds.validity)),
        ("uses", ", ".join(sorted(ds.uses))),
        ("recipes allowed", "\n".join(ds.recipes) or "none"),
        ("endpoint", ds.endpoint),
        ("metadata CID", ds.metadata_cid),
        ("content CID", ds.content_cid + " (encrypted)"),
    ]
    meta = None
    try:
        store = Store.from_config(_app.config())
        meta = load_metadata(store.read_bytes(ds.metadata_cid, max_size=MAX_METADATA_BYTES))
    except NoosphereError as error:
        rows.append(("metadata", f"unavailable: {error.user_message}"))
    if meta is not None:
        rows[:0] = [("title", meta.title)]
        if meta.description:
            rows.insert(1, ("description", meta.description))
        rows += [
            ("tags", ", ".join(meta.tags) or "—"),
            ("file", f"{meta.format}, {meta.size:,} bytes"),
            ("shape", f"{meta.rows:,} rows x {len(meta.column_names)} columns"
                      + (f"; label {meta.label!r} ({meta.task})" if meta.label else "")),
            ("duplicates", f"{meta.profile.get('duplicate_rows', 0):,} rows"),
            ("licence", meta.licence or "—"),
        ]  # fmt: skip
    _app.console.print(key_values(f"dataset {number}", [(k, escape(v)) for k, v in rows]))
    if meta is not None:
        table = Table(title="columns")
        for column in ("name", "type", "missing", "distinct", "range / frequent values"):
            table.add_column(column, justify="right" if column in ("missing", "distinct")
                             else "left")  # fmt: skip
        for col in meta.columns:
            summary = col.get("summary") or {}
            frequent = col.get("frequent") or []
            if summary:
                detail = f"{summary.get('min')} … {summary.get('max')}, mean {summary.get('mean')}"
            else:
                detail = ", ".join(str(v.get("value")) for v in frequent[:5]
                                   if isinstance(v, dict))  # fmt: skip
            name = str(col["name"]) + (" (label)" if col.get("is_label") else "")
            table.add_row(escape(name), str(col["type"]), f"{col.get('missing', 0):,}",
                          f"{col.get('distinct', 0):,}", escape(detail))  # fmt: skip
        _app.console.print(table)


# --- buying and ordering -------------------------------------------------------------------
@app.command("buy")
def buy(
    data_id: str = typer.Argument(..., help=_ID),
    amount: int = typer.Option(1, "--amount", "-n", min=1, help="how many licences"),
    max_price: str | None = typer.Option(None, "--max-price", help=_MAX_PRICE_HELP),
    wallet_name: str | None = _from_option(),
    yes: bool = _yes_option(),
) -> None:
    """Buy licences of a dataset (each one starts one order later)."""
    number = _data_id(data_id)
    limit = _amount(max_price, "max price")
    wallet = open_wallet(wallet_name)
    protocol, market = _open()
    ds, _ = market.check_sale(wallet.coldkey_address, number, amount, limit)
    cost = _money(ds.price * amount, ds.payment_token, protocol)
    _confirm(yes, f"buy {amount} licence(s) of dataset {number} for {cost}?")
    receipt = market.buy(_coldkey(wallet), number, amount, limit)
    held = market.licences_held(wallet.coldkey_address, number)
    _app.console.print(f"bought {amount} licence(s) of dataset {number} for {cost}; "
                       f"{wallet.coldkey_address} holds {held} ({_tx(receipt)})")  # fmt: skip


@app.command("order")
def order(
    data_id: str = typer.Argument(..., help=_ID),
    consumer: str | None = typer.Option(
        None, "--consumer", help="who the provider serves: address or wallet (default: you)"
    ),
    buy_now: bool = typer.Option(
        False, "--buy", help="pay for a licence and order at once (the default if none is held)"
    ),
    max_price: str | None = typer.Option(None, "--max-price", help=_MAX_PRICE_HELP),
    service: int = typer.Option(0, "--service", min=0, max=65_535, help="service index"),
    wallet_name: str | None = _from_option(),
    yes: bool = _yes_option(),
) -> None:
    """Start an order: use a licence you hold, or buy one and order at once."""
    from noosphere.cli.wallet_chain import _resolve_target

    number = _data_id(data_id)
    limit = _amount(max_price, "max price")
    target = _resolve_target(consumer) if consumer else None
    wallet = open_wallet(wallet_name)
    protocol, market = _open()
    market.check_available(number)
    held = market.licences_held(wallet.coldkey_address, number)
    if buy_now or held == 0:
        ds, _ = market.check_sale(wallet.coldkey_address, number, 1, limit)
        cost = _money(ds.price, ds.payment_token, protocol)
        _confirm(yes, f"pay {cost} for one licence of dataset {number} and order it?")
        started = market.buy_and_order(_coldkey(wallet), number, target, service, limit)
        how = f"bought one licence for {cost}"
    else:
        started = market.start_order(_coldkey(wallet), number, target, service)
        how = f"used one of {held} licence(s) held"
    ds = market.dataset(number)
    _app.console.print(
        f"order {started.order_id} started on dataset {number} ({how}): the provider at "
        f"{ds.endpoint} serves {started.consumer} until {_when(started.expiry)} "
        f"(tx {started.tx_hash})"
    )
    _app.console.print(f"download with `noos data download {started.order_id}`")


def _more_commands() -> None:
    """Register the commands of the owner and admin (:mod:`noosphere.cli.data_owner`) and of
    the provider side (:mod:`noosphere.cli.data_provider`) on this group, if installed."""
    for name in ("noosphere.cli.data_owner", "noosphere.cli.data_provider"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


_more_commands()
