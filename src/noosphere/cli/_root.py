"""The root ``noos`` Typer app and its global options; command groups register here."""

from __future__ import annotations

import typer

from noosphere import __version__
from noosphere.cli import _app

app = typer.Typer(
    name="noos",
    help="Noosphere: an open, decentralized AI network.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        _app.console.print(f"noos {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    rpc: str | None = typer.Option(
        None, "--rpc", help="JSON-RPC URL of the chain \\[env: NOOS_RPC_URL]"
    ),
    wallet: str | None = typer.Option(
        None, "--wallet", "-w", help="wallet to use \\[env: NOOS_WALLET]"
    ),
    hotkey: str | None = typer.Option(
        None, "--hotkey", help="hotkey of the wallet \\[env: NOOS_HOTKEY]"
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="print the version and exit"
    ),
) -> None:
    """Noosphere: an open, decentralized AI network."""
    _app.set_overrides(rpc_url=rpc, wallet=wallet, hotkey=hotkey)


def _register() -> None:
    # Each group module defines ``app``; importing them is cheap (commands import lazily).
    import importlib

    groups = {
        "config": "noosphere.cli.config_cmd",
        "wallet": "noosphere.cli.wallet",
        "store": "noosphere.cli.store",
        "devnet": "noosphere.cli.devnet",
        "consensus": "noosphere.cli.consensus",
        "subnet": "noosphere.cli.subnet",
        "miner": "noosphere.cli.miner",
        "validator": "noosphere.cli.validator",
        "data": "noosphere.cli.data",
        "model": "noosphere.cli.model",
        "audit": "noosphere.cli.audit",
        "dao": "noosphere.cli.dao",
        "guardian": "noosphere.cli.guardian",
    }
    for name, module_name in groups.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        app.add_typer(module.app, name=name)
    importlib.import_module("noosphere.cli.wallet_chain")  # adds balance/transfer/delegate
    importlib.import_module("noosphere.cli.subnet_models")  # adds subnet commit-model/models
    from noosphere.cli.deploy import deploy

    app.command("deploy")(deploy)
    from noosphere.cli.simulate import simulate

    app.command("simulate")(simulate)


_register()
