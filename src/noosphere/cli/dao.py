"""``noos dao``: propose, vote on, queue and execute the DAO's proposals; see its treasury.

Actions are written ``CONTRACT.function(arg, ...)`` (see :mod:`noosphere.chain.dao_actions`)
and shown decoded before anything is signed. A proposal id is its full decimal or hex value,
or a unique prefix such as the ``0x1a2b3c4d`` that ``noos dao list`` shows. Every refusal that
can be known beforehand (bad action, below the threshold, voting not open, already voted,
before the ETA) is one clear line before the password prompt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from noosphere.cli import _app
from noosphere.cli.wallet import ask_password, open_wallet

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from noosphere.chain.dao import Dao
    from noosphere.wallet import Wallet

app = typer.Typer(
    help="The DAO: proposals, votes, the timelock's queue, the treasury and delegation.",
    no_args_is_help=True,
)

_ID = "proposal id: decimal, 0x hex, or a unique prefix (e.g. 0x1a2b3c4d)"
_FROM_HELP = "wallet whose coldkey signs (default: --wallet) \\[env: NOOS_WALLET]"
_YES_HELP = "do not ask for confirmation \\[env: NOOS_YES]"


def _from_option() -> str | None:
    return typer.Option(None, "--from", envvar="NOOS_WALLET", help=_FROM_HELP)  # type: ignore[no-any-return]


def _open() -> Dao:
    from noosphere.chain.dao import Dao
    from noosphere.chain.protocol import open_protocol

    protocol = open_protocol(_app.config())
    return Dao(protocol.chain, protocol.manifest)


def _coldkey(wallet: Wallet) -> LocalAccount:
    return wallet.unlock_coldkey(ask_password(f"wallet {wallet.name} (coldkey)"))


def _done(what: str, receipt: object) -> None:
    tx = getattr(receipt, "tx_hash", "?")
    block = getattr(receipt, "block_number", "?")
    _app.console.print(f"{what} (tx {tx}, block {block})")


@app.command("propose")
def propose(
    title: str = typer.Option(..., "--title", help="one-line title (the description's heading)"),
    description: str = typer.Option("", "--description", help="the proposal's text (Markdown)"),
    actions: list[str] = typer.Option(
        [],
        "--action",
        help="CONTRACT.function(arg, ...), e.g. 'noos.transfer(0x…, 5 NOOS)' "
        "(contracts of the manifest; treasury = the timelock); repeat for several",
    ),
    wallet_name: str | None = _from_option(),
    yes: bool = typer.Option(False, "--yes", "-y", envvar="NOOS_YES", help=_YES_HELP),
) -> None:
    """Propose actions to the DAO; they are shown decoded and checked before signing."""
    from noosphere.chain.dao_actions import parse_action
    from noosphere.cli._dao_views import actions_table
    from noosphere.errors import InputError

    if not title.strip() or "\n" in title:
        raise InputError("--title must be one non-empty line")
    if not actions:
        raise InputError("a proposal needs at least one --action",
                         hint="e.g. --action 'licences.set_fee(200)'")  # fmt: skip
    wallet = open_wallet(wallet_name)
    dao = _open()
    parsed = [parse_action(text, dao.manifest) for text in actions]
    text = f"# {title.strip()}\n\n{description.strip()}".strip()
    pid = dao.check_can_propose(wallet.coldkey_address, parsed, text)
    _app.console.print(actions_table(f"proposal 0x{pid:064x}"[:19] + f": {title.strip()}", parsed))
    if not yes and _app.console.is_terminal:
        typer.confirm("submit this proposal?", abort=True)
    pid, receipt = dao.propose(_coldkey(wallet), parsed, text)
    proposal = dao.proposal(pid)
    _done(f"proposed {proposal.short_id} ({pid}); voting opens at block {proposal.snapshot + 1}"
          f" and ends after block {proposal.deadline}", receipt)  # fmt: skip


@app.command("list")
def list_(
    all_: bool = typer.Option(False, "--all", help="include canceled, defeated and executed"),
) -> None:
    """List proposals: state, tallies, quorum progress, time left or ETA."""
    from noosphere.cli._dao_views import proposals_table

    dao = _open()
    statuses = [dao.status(p) for p in dao.proposals()]
    if not all_:
        statuses = [s for s in statuses if s.state not in ("Canceled", "Defeated", "Executed")]
    if not statuses:
        _app.console.print("no open proposals" + ("" if all_ else " (--all shows every one)"))
        return
    _app.console.print(proposals_table(statuses, dao.block_seconds(), dao.now()))


@app.command("show")
def show(
    proposal_id: str = typer.Argument(..., help=_ID),
    wallet_name: str | None = _from_option(),
) -> None:
    """Show a proposal: its decoded actions, tallies, quorum, timing, ETA and your vote."""
    import contextlib

    from noosphere.cli._dao_views import proposal_rows
    from noosphere.cli._subnet_views import key_values
    from noosphere.errors import WalletError

    dao = _open()
    proposal = dao.resolve_id(proposal_id)
    voter = None
    with contextlib.suppress(WalletError):  # no wallet: nothing to say about "your vote"
        voter = open_wallet(wallet_name).coldkey_address
    rows = proposal_rows(dao, dao.status(proposal), voter)
    _app.console.print(key_values(f"proposal {proposal.short_id}", rows))


@app.command("vote")
def vote(
    proposal_id: str = typer.Argument(..., help=_ID),
    support: str = typer.Argument(..., help="for, against or abstain"),
    reason: str = typer.Option("", "--reason", help="why (recorded on chain)"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Vote for, against or abstain (with the votes delegated to you at the snapshot)."""
    from noosphere.chain.dao import support_code
    from noosphere.chain.token import format_amount

    code = support_code(support)
    wallet = open_wallet(wallet_name)
    dao = _open()
    proposal = dao.resolve_id(proposal_id)
    dao.check_can_vote(proposal.proposal_id, wallet.coldkey_address)
    weight = dao.token.past_votes(wallet.coldkey_address, proposal.snapshot)
    receipt = dao.cast_vote(_coldkey(wallet), proposal.proposal_id, code, reason)
    _done(f"voted {support.lower()} on {proposal.short_id} with {format_amount(weight)} votes",
          receipt)  # fmt: skip
    if not weight:
        _app.console.print("note: you had no votes at the proposal's snapshot; delegate to "
                           "yourself (`noos dao delegate`) to count in later votes")  # fmt: skip


@app.command("queue")
def queue(proposal_id: str = typer.Argument(..., help=_ID), wallet_name: str | None = _from_option()
          ) -> None:  # fmt: skip
    """Queue a succeeded proposal in the timelock (anyone may)."""
    from noosphere.chain.dao import approx_duration, utc_time

    wallet = open_wallet(wallet_name)
    dao = _open()
    proposal = dao.resolve_id(proposal_id)
    dao.check_state(proposal, "queue", "Succeeded")
    receipt = dao.queue(_coldkey(wallet), proposal)
    eta = dao.eta(proposal.proposal_id)
    _done(f"queued {proposal.short_id}; executable from {utc_time(eta)} "
          f"(in ~{approx_duration(eta - dao.now())})", receipt)  # fmt: skip


@app.command("execute")
def execute(
    proposal_id: str = typer.Argument(..., help=_ID), wallet_name: str | None = _from_option()
) -> None:
    """Execute a queued proposal once its ETA has come (anyone may)."""
    wallet = open_wallet(wallet_name)
    dao = _open()
    proposal = dao.resolve_id(proposal_id)
    dao.check_ready(proposal)
    receipt = dao.execute(_coldkey(wallet), proposal)
    _done(f"executed {proposal.short_id}: {len(proposal.targets)} action(s) done", receipt)


@app.command("cancel")
def cancel(
    proposal_id: str = typer.Argument(..., help=_ID), wallet_name: str | None = _from_option()
) -> None:
    """Cancel your proposal while it is still pending (before voting opens)."""
    wallet = open_wallet(wallet_name)
    dao = _open()
    proposal = dao.resolve_id(proposal_id)
    dao.check_can_cancel(proposal, wallet.coldkey_address)
    _done(f"canceled {proposal.short_id}", dao.cancel(_coldkey(wallet), proposal))


@app.command("delegate")
def delegate(
    to: str | None = typer.Argument(
        None, help="delegatee: address, wallet name or wallet/hotkey (default: yourself)"
    ),
    wallet_name: str | None = _from_option(),
) -> None:
    """Delegate your NOOS votes (to yourself to vote and propose directly)."""
    from noosphere.cli.wallet_chain import delegate as wallet_delegate

    wallet_delegate(to, wallet_name)


@app.command("treasury")
def treasury() -> None:
    """What the DAO's treasury (its timelock) holds."""
    from noosphere.chain.token import format_amount
    from noosphere.cli._subnet_views import key_values

    dao = _open()
    noos, native = dao.treasury()
    rows = [("timelock", dao.timelock.address), ("NOOS", format_amount(noos)),
            ("native coin", format_amount(native))]  # fmt: skip
    _app.console.print(key_values("DAO treasury", rows))


@app.command("params")
def params() -> None:
    """The governor's settings (delay, period, threshold, quorum) and the timelock delay."""
    from noosphere.cli._dao_views import params_rows
    from noosphere.cli._subnet_views import key_values

    dao = _open()
    _app.console.print(key_values("DAO parameters", params_rows(dao.params(), dao.block_seconds())))
