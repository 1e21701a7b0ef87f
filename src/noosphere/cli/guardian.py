"""``noos guardian``: the emergency guardian pauses a subnet's claims for a bounded time.

The guardian (``GUARDIAN_ROLE`` on the settlement contract, named by the DAO) may only pause:
for at most ``max_pause`` seconds from the pause's start, and again only once the subnet has
been unpaused for ``max_pause`` seconds. Lifting a pause (``unpause``) and voiding a frozen
result belong to the DAO; ``unpause`` here works for a wallet holding the settlement's admin
role (a devnet deployer before the hand-over), otherwise it says which proposal to make.
The wallet's coldkey signs; every check runs before the password prompt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from noosphere.cli import _app
from noosphere.cli.subnet import _NETUID, _coldkey, _from_option, _open, _tx
from noosphere.cli.wallet import open_wallet

if TYPE_CHECKING:
    from noosphere.chain.subnet_guard import PauseState

app = typer.Typer(
    help="The emergency guardian: pause a subnet's claims for a bounded time; see pauses.",
    no_args_is_help=True,
)


def parse_pause_duration(text: str) -> int:
    """Seconds (at least one) from ``3600``, ``90m``, ``2h``, ``7d`` or ``1w``."""
    from noosphere.chain.data_terms import duration_seconds
    from noosphere.errors import InputError

    seconds = duration_seconds(text, "--duration")
    if seconds == 0:
        raise InputError("--duration must be at least 1 second", hint="e.g. 90m, 2h or 7d")
    return seconds


def _left(seconds: int) -> str:
    """``seconds`` as its two largest units, e.g. ``1d 2h`` or ``5m 3s``."""
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts[:2]) or "0s"


@app.command("pause")
def pause(
    netuid: str = typer.Argument(..., help=_NETUID),
    duration: str = typer.Option(
        ..., "--duration", "-d", help="how long, e.g. 3600, 90m, 2h or 7d (at most max_pause)"
    ),
    wallet_name: str | None = _from_option(),
) -> None:
    """Pause the claims of subnet NETUID (or extend its pause), signed by the guardian's coldkey.

    While paused, no payout of the subnet can be claimed, and the DAO can still void a result
    whose challenge window was open when the pause began.
    """
    from noosphere.chain.subnet_guard import utc_time

    seconds = parse_pause_duration(duration)
    wallet = open_wallet(wallet_name)
    _, subnets, number = _open(netuid)
    subnets.check_can_pause(wallet.coldkey_address, number, seconds)
    receipt = subnets.pause(_coldkey(wallet), number, seconds)
    until = subnets.paused_until(number)
    _app.console.print(f"paused the claims of subnet {number} until {utc_time(until)} "
                       f"({_tx(receipt)})")  # fmt: skip


@app.command("unpause")
def unpause(
    netuid: str = typer.Argument(..., help=_NETUID),
    wallet_name: str | None = _from_option(),
) -> None:
    """Lift the pause of subnet NETUID: the settlement's admin (the DAO) only.

    A guardian cannot unpause: it could otherwise release a result the DAO froze to void.
    """
    from noosphere.errors import GuardianError, InputError

    wallet = open_wallet(wallet_name)
    _, subnets, number = _open(netuid)
    if not subnets.is_settlement_admin(wallet.coldkey_address):
        raise GuardianError(
            f"only the DAO may unpause subnet {number}; {wallet.coldkey_address} is not the "
            "settlement's admin",
            hint=f'propose it: noos dao propose --action "epochs.unpause({number})" …',
        )
    if not subnets.pause_state(number).paused:
        raise InputError(f"subnet {number} is not paused")
    receipt = subnets.unpause(_coldkey(wallet), number)
    _app.console.print(f"unpaused subnet {number}: its claims resume now ({_tx(receipt)})")


@app.command("status")
def status(
    netuid: str | None = typer.Argument(None, help=f"{_NETUID}; every subnet if omitted"),
) -> None:
    """Show whether subnets are paused, until when, and the guardian's bounds."""
    from rich.table import Table

    _, subnets, number = _open(netuid)
    numbers = [number] if netuid is not None else range(1, subnets.subnet_count() + 1)
    states = [subnets.pause_state(n) for n in numbers]
    if not states:
        _app.console.print("no subnet yet")
        return
    longest = states[0].max_pause
    _app.console.print(f"max_pause: {_left(longest)} ({longest:,} s): the longest pause, and "
                       "the guardian's wait before pausing a subnet again")  # fmt: skip
    table = Table("subnet", "claims", "until", "paused since", "guardian may pause")
    for state in states:
        table.add_row(str(state.netuid), *_row(state))
    _app.console.print(table)


def _row(state: PauseState) -> tuple[str, str, str, str]:
    from noosphere.chain.subnet_guard import utc_time

    ready = "now" if state.now >= state.guardian_ready_at else utc_time(state.guardian_ready_at)
    if not state.paused:
        return "open", "-", "-", ready
    left = f"{utc_time(state.until)} ({_left(state.until - state.now)} left)"
    since = f"{utc_time(state.started_at)} (block {state.start_block})"
    latest = state.started_at + state.max_pause
    extend = "extend up to " + utc_time(latest) if state.now < latest else "no (DAO only)"
    return "paused", left, since, extend
