"""``noos data`` commands of a dataset's owner (update, deprecate, earnings, withdraw) and of
the market's admin, the DAO once it governs (delist, relist); they register on
:data:`noosphere.cli.data.app`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import typer

from noosphere.cli import _app
from noosphere.cli.data import (
    _ID,
    _coldkey,
    _data_id,
    _from_option,
    _money,
    _open,
    _price,
    _recipes,
    _tx,
    app,
)
from noosphere.cli.wallet import open_wallet

if TYPE_CHECKING:
    from noosphere.chain.data import DataMarket


# --- owner ---------------------------------------------------------------------------------
@app.command("update")
def update(
    data_id: str = typer.Argument(..., help=_ID),
    price: str | None = typer.Option(None, "--price", help="new price of a licence, in NOOS"),
    token: str | None = typer.Option(None, "--token", help="new payment token (ERC-20)"),
    endpoint: str | None = typer.Option(
        None,
        "--endpoint",
        help="new provider URL; if its node signs with another key, also give --metadata: the "
        "CID of a metadata document whose provider.signer names that key, or audits refuse "
        "the receipts it signs",
    ),
    metadata: str | None = typer.Option(None, "--metadata", help="CID of new metadata"),
    validity: str | None = typer.Option(None, "--validity", help="new order validity, e.g. 7d"),
    uses: str | None = typer.Option(None, "--uses", help="new allowed uses, comma-separated"),
    allow_recipe: list[str] = typer.Option(
        [], "--allow-recipe", help="replaces the recipe allow-list (repeatable)"
    ),
    no_recipes: bool = typer.Option(False, "--no-recipes", help="allow no recipe any more"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Change a dataset's price, endpoint, metadata, validity, uses or recipes.

    Only its owner or manager may. Each change is checked before any is sent.
    """
    from noosphere.chain.data import parse_duration, parse_uses
    from noosphere.errors import InputError

    number = _data_id(data_id)
    if allow_recipe and no_recipes:
        raise InputError("give --allow-recipe or --no-recipes, not both")
    changes = {
        "price": None if price is None else _price(price),
        "payment_token": token,
        "endpoint": endpoint,
        "metadata_cid": metadata,
        "validity": None if validity is None else parse_duration(validity),
        "uses": None if uses is None else parse_uses(uses),
        "recipes": [] if no_recipes else (_recipes(allow_recipe) if allow_recipe else None),
    }
    if all(v is None for v in changes.values()):
        raise InputError("nothing to update", hint="give --price, --endpoint, --metadata, "
                         "--validity, --uses, --allow-recipe or --no-recipes")  # fmt: skip
    wallet = open_wallet(wallet_name)
    _, market = _open()
    market.check_manager(wallet.coldkey_address, number)
    _validate_update(market, changes)
    receipts = market.update(_coldkey(wallet), number, **changes)  # type: ignore[arg-type]
    done = ", ".join(k.replace("_", " ") for k, v in changes.items() if v is not None)
    _app.console.print(f"updated dataset {number}: {done} ({len(receipts)} transaction(s))")


def _validate_update(market: DataMarket, changes: Mapping[str, object]) -> None:
    """The checks ``DataMarket.update`` makes, before the password prompt."""
    from noosphere.chain.data import check_cid_text, check_endpoint

    if changes["endpoint"] is not None:
        check_endpoint(str(changes["endpoint"]))
    if changes["metadata_cid"] is not None:
        check_cid_text(str(changes["metadata_cid"]), "metadata CID")
    if changes["payment_token"] is not None:
        market.check_payment_token(str(changes["payment_token"]))


@app.command("deprecate")
def deprecate(
    data_id: str = typer.Argument(..., help=_ID),
    undo: bool = typer.Option(False, "--undo", help="list it for sale again"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Deprecate a dataset: no more sales or orders (orders started run until they expire)."""
    from noosphere.errors import InputError

    number = _data_id(data_id)
    wallet = open_wallet(wallet_name)
    _, market = _open()
    ds = market.check_manager(wallet.coldkey_address, number)
    if ds.deprecated != undo:
        raise InputError(f"dataset {number} is {'already' if not undo else 'not'} deprecated")
    receipt = market.deprecate(_coldkey(wallet), number, not undo)
    state = "listed for sale again" if undo else "deprecated"
    _app.console.print(f"dataset {number} is {state} ({_tx(receipt)})")


@app.command("earnings")
def earnings(
    token: str | None = typer.Option(None, "--token", help="payment token (default: NOOS)"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Show the sales credit a wallet can withdraw."""
    wallet = open_wallet(wallet_name)
    protocol, market = _open()
    pay = token or protocol.token.address
    pending = market.pending(wallet.coldkey_address, pay)
    _app.console.print(f"{wallet.coldkey_address} can withdraw "
                       f"{_money(pending, market.resolve_token(pay), protocol)}")  # fmt: skip


@app.command("withdraw")
def withdraw(
    token: str | None = typer.Option(None, "--token", help="payment token (default: NOOS)"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Withdraw a wallet's sales credit (what buyers paid, after the protocol fee)."""
    from noosphere.errors import InputError

    wallet = open_wallet(wallet_name)
    protocol, market = _open()
    pay = market.resolve_token(token)
    if market.pending(wallet.coldkey_address, pay) == 0:
        raise InputError(f"{wallet.coldkey_address} has nothing to withdraw",
                         hint="licence sales of your datasets are credited here")  # fmt: skip
    amount = market.withdraw(_coldkey(wallet), pay)
    _app.console.print(f"withdrew {_money(amount, pay, protocol)} to {wallet.coldkey_address}")


# --- admin (later the DAO) -----------------------------------------------------------------
@app.command("delist")
def delist(
    data_id: str = typer.Argument(..., help=_ID),
    reason_cid: str = typer.Option(..., "--reason-cid", help="CID of the reason (a document)"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Delist a dataset (market admin): no sales, no orders, started orders stop being valid."""
    from noosphere.chain.data import check_cid_text
    from noosphere.errors import InputError

    number = _data_id(data_id)
    check_cid_text(reason_cid, "reason CID")
    wallet = open_wallet(wallet_name)
    _, market = _open()
    ds = market.dataset(number)
    market.check_admin(wallet.coldkey_address, f'datanft.delist({number}, "{reason_cid}")')
    if ds.delisted:
        raise InputError(f"dataset {number} is already delisted ({ds.delist_reason})")
    receipt = market.delist(_coldkey(wallet), number, reason_cid)
    _app.console.print(f"dataset {number} is delisted (reason {reason_cid}, {_tx(receipt)})")


@app.command("relist")
def relist(
    data_id: str = typer.Argument(..., help=_ID),
    wallet_name: str | None = _from_option(),
) -> None:
    """Relist a delisted dataset (market admin)."""
    from noosphere.errors import InputError

    number = _data_id(data_id)
    wallet = open_wallet(wallet_name)
    _, market = _open()
    ds = market.dataset(number)
    market.check_admin(wallet.coldkey_address, f"datanft.relist({number})")
    if not ds.delisted:
        raise InputError(f"dataset {number} is not delisted")
    receipt = market.relist(_coldkey(wallet), number)
    _app.console.print(f"dataset {number} is listed again ({_tx(receipt)})")
