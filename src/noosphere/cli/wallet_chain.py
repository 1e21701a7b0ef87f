"""``noos wallet balance|transfer|delegate``: the wallet commands that touch the chain."""

from __future__ import annotations

import typer

from noosphere.cli import _app
from noosphere.cli.wallet import app, ask_password, open_wallet


def _resolve_target(text: str) -> str:
    """An address, or a wallet name (its coldkey), or ``wallet/hotkey``."""
    from noosphere.chain.token import checked_address
    from noosphere.wallet import Wallet, list_wallets

    if text.startswith("0x"):
        return checked_address(text)
    name, _, hotkey = text.partition("/")
    if name in list_wallets(_app.config().home):
        wallet = Wallet.load(name, _app.config().home)
        return wallet.hotkey_address(hotkey) if hotkey else wallet.coldkey_address
    from noosphere.errors import InputError

    raise InputError(
        f"{text!r} is neither an address nor a wallet name",
        hint="give 0x… or the name of a wallet from `noos wallet list`",
    )


@app.command("balance")
def balance(
    target: str | None = typer.Argument(None, help="address or wallet name (default wallet)"),
) -> None:
    """Show NOOS balance, votes, delegate and native coin balance of a wallet or address."""
    from rich.table import Table

    from noosphere.chain.protocol import open_protocol
    from noosphere.chain.token import format_amount

    protocol = open_protocol(_app.config())
    token = protocol.token
    rows: list[tuple[str, str]] = []
    if target is None or not target.startswith("0x"):
        wallet = open_wallet(target)
        rows.append((f"{wallet.name} coldkey", wallet.coldkey_address))
        rows += [(f"{wallet.name}/{h}", a) for h, a in wallet.hotkeys.items()]
    else:
        rows.append(("address", _resolve_target(target)))
    table = Table(title=f"balances on chain {protocol.chain.chain_id}")
    for column in ("key", "address", "NOOS", "votes", "delegate", "native"):
        numeric = column in ("NOOS", "votes", "native")
        table.add_column(
            column,
            justify="right" if numeric else "left",
            no_wrap=column in ("address", "delegate"),
        )
    zero = "0x" + "0" * 40
    for label, address in rows:
        delegate = token.delegates(address)
        table.add_row(
            label, address, format_amount(token.balance_of(address)),
            format_amount(token.votes(address)),
            "—" if delegate.lower() == zero else delegate,
            f"{protocol.chain.balance(address) / 10**18:,.4f}",
        )  # fmt: skip
    _app.console.print(table)


@app.command("transfer")
def transfer(
    to: str = typer.Argument(..., help="recipient: address, wallet name or wallet/hotkey"),
    amount: str = typer.Argument(..., help="amount of NOOS, e.g. 12.5"),
    wallet_name: str | None = typer.Option(None, "--from", help="paying wallet (its coldkey)"),
    yes: bool = typer.Option(False, "--yes", "-y", help="do not ask for confirmation"),
) -> None:
    """Send NOOS from a wallet's coldkey."""
    from noosphere.chain.protocol import open_protocol
    from noosphere.chain.token import format_amount, parse_amount

    units = parse_amount(amount)
    recipient = _resolve_target(to)
    wallet = open_wallet(wallet_name)
    protocol = open_protocol(_app.config())
    if not yes and not _app.console.is_terminal:
        yes = True  # scripted use: no prompt to answer
    if not yes:
        typer.confirm(f"send {format_amount(units)} NOOS to {recipient}?", abort=True)
    account = wallet.unlock_coldkey(ask_password(f"password of wallet {wallet.name}"))
    receipt = protocol.token.transfer(account, recipient, units)
    _app.console.print(
        f"sent {format_amount(units)} NOOS from {account.address} to {recipient} "
        f"(tx {receipt.tx_hash}, block {receipt.block_number}, gas {receipt.gas_used:,})"
    )


@app.command("delegate")
def delegate(
    to: str | None = typer.Argument(
        None, help="delegatee: address, wallet name or wallet/hotkey (default: yourself)"
    ),
    wallet_name: str | None = typer.Option(None, "--from", help="delegating wallet (coldkey)"),
) -> None:
    """Delegate a wallet's NOOS voting power (to itself to vote directly)."""
    from noosphere.chain.protocol import open_protocol
    from noosphere.chain.token import format_amount

    wallet = open_wallet(wallet_name)
    delegatee = _resolve_target(to) if to else wallet.coldkey_address
    protocol = open_protocol(_app.config())
    account = wallet.unlock_coldkey(ask_password(f"password of wallet {wallet.name}"))
    receipt = protocol.token.delegate(account, delegatee)
    _app.console.print(
        f"{account.address} now delegates to {delegatee}; its votes: "
        f"{format_amount(protocol.token.votes(delegatee))} NOOS (tx {receipt.tx_hash})"
    )
