"""``noos wallet``: create, import, list and show wallets; add hotkeys.

Secrets never come from command-line arguments (they show up in ``ps``): private keys and
mnemonics are read from files (``-`` for stdin) and passwords from ``NOOS_PASSWORD`` or a
hidden prompt. Nothing secret is ever printed.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from noosphere.cli import _app

if TYPE_CHECKING:
    from noosphere.wallet import Wallet

app = typer.Typer(
    help=(
        "Manage wallets: a coldkey (funds, stake) and hotkeys (daily signing) per wallet. "
        "Passwords come from a hidden prompt or NOOS_PASSWORD; keys are never taken as arguments."
    ),
    no_args_is_help=True,
)

PASSWORD_ENV = "NOOS_PASSWORD"
_MAX_SECRET_FILE = 4096

_KDF_HELP = (
    "key derivation for new keystores: 'standard' (geth's scrypt, ~1 s) or 'light' "
    "(fast, for tests and throwaway devnet wallets) \\[env: NOOS_KDF]"
)
_NAME_HELP = "wallet name; defaults to the configured wallet \\[env: NOOS_WALLET]"


# --- helpers shared with the chain commands ----------------------------------------------------
def ask_password(what: str, *, confirm: bool = False) -> str:
    """The password from ``NOOS_PASSWORD``, else a hidden prompt (typed twice if ``confirm``)."""
    import click

    from noosphere.errors import InputError

    env = os.environ.get(PASSWORD_ENV)
    if env is not None:
        return env
    no_password = InputError(
        "no password given", hint=f"set {PASSWORD_ENV} or run the command in a terminal"
    )
    if not _has_terminal():
        raise no_password  # getpass would fall back to reading stdin with echo
    try:
        password: str = typer.prompt(
            f"Password for {what}", hide_input=True, confirmation_prompt=confirm
        )
    except (click.exceptions.Abort, EOFError):
        raise no_password from None
    return password


def _has_terminal() -> bool:
    """True if a hidden prompt can read from a terminal (``/dev/tty`` or a tty on stdin)."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR))
    except OSError:
        return sys.stdin.isatty()
    return True


def open_wallet(name: str | None = None) -> Wallet:
    """Load wallet ``name``, or the configured one (``--wallet`` / ``NOOS_WALLET``)."""
    from noosphere.wallet import Wallet

    cfg = _app.config()
    return Wallet.load(name or cfg.wallet, home=cfg.home)


def _read_secret(source: str, what: str) -> str:
    """Read a secret from file ``source``, or from stdin (hidden prompt on a terminal) if ``-``."""
    from noosphere.errors import InputError

    if source == "-":
        if not sys.stdin.isatty():
            return sys.stdin.read(_MAX_SECRET_FILE)
        import click

        try:
            secret: str = typer.prompt(what.capitalize(), hide_input=True)
        except (click.exceptions.Abort, EOFError):
            raise InputError(f"no {what} given") from None
        return secret
    path = Path(source).expanduser()
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path} is not a regular file", hint=f"give the file with the {what}")
        if info.st_size > _MAX_SECRET_FILE:
            raise InputError(f"{path} is too large to hold a {what}", hint="is it the right file?")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}", hint=f"give the file with the {what}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text", hint=f"it should hold the {what}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if info.st_mode & 0o077:
        from rich.markup import escape

        _app.err_console.print(
            f"[yellow]warning:[/] {escape(str(path))} is readable by other users; "
            "delete it or chmod 600 it once the import is done",
            soft_wrap=True,
        )
    return text


def _print_created(wallet: Wallet, verb: str) -> None:
    from rich.markup import escape

    console = _app.console
    console.print(
        f"{verb} wallet [bold]{wallet.name}[/] in {escape(str(wallet.path))}", soft_wrap=True
    )
    console.print(f"  coldkey          {wallet.coldkey_address}")
    for hotkey, address in wallet.hotkeys.items():
        console.print(f"  hotkey {hotkey:<9} {address}")
    console.print(
        f"Back up {escape(str(wallet.coldkey_path))} and remember its password: "
        "neither can be recovered.",
        soft_wrap=True,
    )


# --- commands ----------------------------------------------------------------------------------
@app.command("create")
def create(
    name: str | None = typer.Argument(None, help=_NAME_HELP, show_default=False),
    kdf: str | None = typer.Option(None, "--kdf", help=_KDF_HELP, show_default=False),
) -> None:
    """Create a wallet with a new random coldkey and a hotkey named 'default'."""
    from noosphere.wallet import check_new_wallet, create_wallet, resolve_kdf

    cfg = _app.config()
    name = name or cfg.wallet
    check_new_wallet(name, cfg.home)  # fail before asking for a password
    resolve_kdf(kdf)
    password = ask_password(f"new wallet {name!r}", confirm=True)
    with _app.console.status("encrypting keys..."):
        wallet = create_wallet(name, password, home=cfg.home, kdf=kdf)
    _print_created(wallet, "created")


@app.command("import")
def import_(
    name: str = typer.Argument(..., help="name of the new wallet"),
    private_key_file: str | None = typer.Option(
        None, "--private-key-file", help="file holding the coldkey as hex ('-' for stdin)"
    ),
    mnemonic_file: str | None = typer.Option(
        None, "--mnemonic-file", help="file holding a BIP-39 mnemonic ('-' for stdin)"
    ),
    keystore: Path | None = typer.Option(
        None, "--keystore", help="a v3 keystore file (geth, MetaMask); it keeps its password"
    ),
    derivation_path: str = typer.Option(
        "m/44'/60'/0'/0/0", "--derivation-path", help="BIP-32 path used with --mnemonic-file"
    ),
    kdf: str | None = typer.Option(None, "--kdf", help=_KDF_HELP, show_default=False),
) -> None:
    """Import a coldkey from a private key, a mnemonic or a keystore; add a new hotkey 'default'."""
    from noosphere.errors import InputError
    from noosphere.wallet import (
        check_new_wallet,
        import_keystore,
        import_mnemonic,
        import_private_key,
        resolve_kdf,
    )

    cfg = _app.config()
    check_new_wallet(name, cfg.home)
    resolve_kdf(kdf)
    sources = [s for s in (private_key_file, mnemonic_file, keystore) if s is not None]
    if len(sources) != 1:
        raise InputError(
            "give exactly one of --private-key-file, --mnemonic-file, --keystore",
            hint="secrets are never taken as plain arguments",
        )
    if keystore is not None:
        password = ask_password(f"keystore {keystore}")
        with _app.console.status("decrypting keystore..."):
            wallet = import_keystore(name, keystore, password, home=cfg.home, kdf=kdf)
    elif private_key_file is not None:
        secret = _read_secret(private_key_file, "private key")
        password = ask_password(f"new wallet {name!r}", confirm=True)
        with _app.console.status("encrypting keys..."):
            wallet = import_private_key(name, secret, password, home=cfg.home, kdf=kdf)
    else:
        assert mnemonic_file is not None
        secret = _read_secret(mnemonic_file, "mnemonic")
        password = ask_password(f"new wallet {name!r}", confirm=True)
        with _app.console.status("encrypting keys..."):
            wallet = import_mnemonic(
                name, secret, password, account_path=derivation_path, home=cfg.home, kdf=kdf
            )
    _print_created(wallet, "imported")


@app.command("list")
def list_() -> None:
    """List wallets with their coldkey and hotkey addresses (no password needed)."""
    from rich.markup import escape
    from rich.table import Table

    from noosphere.errors import WalletError
    from noosphere.wallet import Wallet, list_wallets, wallets_dir

    cfg = _app.config()
    root = wallets_dir(cfg.home)
    names = list_wallets(cfg.home)
    if not names:
        _app.console.print(
            f"no wallets in {escape(str(root))}; create one with: noos wallet create NAME",
            soft_wrap=True,
        )
        return
    # one row per key keeps the table within 80 columns; addresses are never cut
    table = Table(title=f"wallets in {escape(str(root))}")
    table.add_column("wallet", overflow="fold")
    table.add_column("key", overflow="fold")
    table.add_column("address", no_wrap=True)
    for name in names:
        try:
            wallet = Wallet.load(name, home=cfg.home)
        except WalletError as error:
            table.add_row(name, "", f"[red]{escape(error.user_message)}[/]", end_section=True)
            continue
        table.add_row(name, "coldkey", wallet.coldkey_address, end_section=not wallet.hotkeys)
        for i, (hotkey, address) in enumerate(wallet.hotkeys.items(), 1):
            table.add_row("", f"hotkey {hotkey}", address, end_section=i == len(wallet.hotkeys))
    _app.console.print(table)


@app.command("show")
def show(
    name: str | None = typer.Argument(None, help=_NAME_HELP, show_default=False),
) -> None:
    """Show a wallet's addresses and keystore files (no password needed, no secrets shown)."""
    from rich.markup import escape

    from noosphere.errors import WalletError
    from noosphere.wallet import read_keystore

    wallet = open_wallet(name)
    console = _app.console
    console.print(f"wallet [bold]{wallet.name}[/] in {escape(str(wallet.path))}", soft_wrap=True)
    keys = [("coldkey", wallet.coldkey_address, wallet.coldkey_path)] + [
        (f"hotkey {h}", a, wallet.hotkey_path(h)) for h, a in wallet.hotkeys.items()
    ]
    for label, address, path in keys:
        try:
            crypto = read_keystore(path)["crypto"]
            params = crypto["kdfparams"]
            work = f"n={params['n']}" if crypto["kdf"] == "scrypt" else f"c={params['c']}"
            status = f"[green]ok[/] ({crypto['kdf']} {work})"
        except WalletError as error:
            status = f"[red]{escape(error.user_message)}[/]"
        console.print(f"  {label:<16} {address}  {status}", soft_wrap=True)
        console.print(f"  {'':<16} {escape(str(path))}", soft_wrap=True)


@app.command("new-hotkey")
def new_hotkey(
    wallet_name: str = typer.Argument(..., metavar="WALLET", help="wallet to add the hotkey to"),
    hotkey: str = typer.Argument(..., help="name of the new hotkey"),
    kdf: str | None = typer.Option(None, "--kdf", help=_KDF_HELP, show_default=False),
) -> None:
    """Add a new random hotkey to a wallet."""
    from rich.markup import escape

    from noosphere.wallet import resolve_kdf

    wallet = open_wallet(wallet_name)
    wallet.check_new_hotkey(hotkey)
    resolve_kdf(kdf)
    password = ask_password(f"new hotkey {hotkey!r} of wallet {wallet.name!r}", confirm=True)
    with _app.console.status("encrypting key..."):
        address = wallet.new_hotkey(hotkey, password, kdf=kdf)
    _app.console.print(
        f"added hotkey [bold]{hotkey}[/] {address} to wallet {wallet.name} "
        f"({escape(str(wallet.hotkey_path(hotkey)))})",
        soft_wrap=True,
    )


# chain commands: balance, transfer, delegate are added in noosphere/cli/wallet_chain.py
