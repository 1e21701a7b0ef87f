"""``noos subnet`` commands of the ``submission`` task mode: a miner commits its ONNX model's
CID (``commit-model``), anyone lists the models committed on a subnet (``models``). They
register on the group defined in :mod:`noosphere.cli.subnet` (see docs/commitments.md)."""

from __future__ import annotations

import typer

from noosphere.cli import _app
from noosphere.cli.subnet import _NETUID, _hotkey_name, _open, _tx, app
from noosphere.cli.wallet import ask_password, open_wallet


@app.command("commit-model")
def commit_model(
    netuid: str = typer.Argument(..., help=_NETUID),
    cid: str = typer.Argument(..., help="CID of the ONNX model: CIDv0 (Qm…) or CIDv1 (bafy…)"),
    wallet_name: str | None = typer.Option(
        None,
        "--wallet",
        "-w",
        help="wallet whose hotkey signs (default: the global --wallet) \\[env: NOOS_WALLET]",
    ),
    hotkey_name: str | None = typer.Option(
        None,
        "--hotkey",
        help="hotkey of the wallet (default: the global --hotkey) \\[env: NOOS_HOTKEY]",
    ),
) -> None:
    """Commit the CID of your model on a subnet in submission mode, signed by the hotkey.

    One commitment per UID per epoch; validators credit only a model's first committer.
    """
    from noosphere.chain.commitments import canonical_cid

    shown = canonical_cid(cid)  # a malformed CID fails before anything else
    wallet = open_wallet(wallet_name)
    name = hotkey_name or _hotkey_name()
    hotkey = wallet.hotkey_address(name)
    protocol, _, number = _open(netuid)
    models = protocol.commitments
    uid = models.check_can_commit(number, hotkey)  # refusals before the password prompt
    account = wallet.unlock_hotkey(name, ask_password(f"hotkey {name} of wallet {wallet.name}"))
    receipt = models.commit_model(account, number, cid)
    as_text = "" if shown == cid else f" (as {shown})"
    _app.console.print(f"committed model {cid}{as_text} for UID {uid} on subnet {number} "
                       f"({_tx(receipt)})")  # fmt: skip
    first = models.first_committer(number, cid)
    if first is not None and (first.uid, first.hotkey) != (uid, hotkey):
        _app.console.print(
            f"note: UID {first.uid} ({first.hotkey}) committed this model first, at block "
            f"{first.block}; validators credit only the first committer"
        )


@app.command("models")
def models_table(netuid: str = typer.Argument(..., help=_NETUID)) -> None:
    """List the models committed on a subnet: UID, hotkey, CID, block, and who was first."""
    from rich.table import Table

    protocol, subnets, number = _open(netuid)
    models = protocol.commitments
    found = models.commitments(number)
    if not found:
        _app.console.print(f"no models committed on subnet {number} yet (commit one with "
                           f"`noos subnet commit-model {number} CID`)")  # fmt: skip
        return
    epoch = subnets.current_epoch(number)
    table = Table(title=f"models committed on subnet {number} (epoch {epoch})")
    for column in ("UID", "hotkey", "CID", "block", "first"):
        table.add_column(column, justify="right" if column in ("UID", "block") else "left",
                         no_wrap=True)  # fmt: skip
    for model in found:
        if model.first:
            first = "yes"
        else:
            original = models.first_committer(number, model.digest)
            first = f"copy of UID {original.uid}" if original else "—"
        table.add_row(str(model.uid), model.hotkey, model.cid, str(model.block), first)
    _app.console.print(table)
