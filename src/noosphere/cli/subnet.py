"""``noos subnet``: create and tune subnets, register neurons, stake, commit and reveal weights,
publish permits, and settle epochs (attest, finalize, claim).

The wallet's **coldkey** signs what moves funds or belongs to the owner (create, set, register,
stake, unstake, withdraw, delegate, take, permits, finalize, claim); its **hotkey** (``--hotkey``)
signs a validator's daily work (weights, attest). Parsing and tables live in
:mod:`noosphere.cli._subnet_views`.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import typer

from noosphere.cli import _app
from noosphere.cli.wallet import ask_password, open_wallet

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from noosphere.chain.protocol import Protocol
    from noosphere.chain.subnets import Subnets
    from noosphere.wallet import Wallet

app = typer.Typer(
    help="Subnets: create and tune them, register and stake, set weights, settle epochs.",
    no_args_is_help=True,
)

_NETUID = "subnet id (1, 2, …)"
_FROM_HELP = "wallet whose coldkey signs (default: --wallet) \\[env: NOOS_WALLET]"
_ON_HELP = (
    "hotkey the stake is on: address, wallet name or wallet/hotkey "
    "(default: this wallet's --hotkey) \\[env: NOOS_SUBNET_HOTKEY]"
)


def _from_option() -> str | None:
    return typer.Option(None, "--from", envvar="NOOS_WALLET", help=_FROM_HELP)  # type: ignore[no-any-return]


def _on_option() -> str | None:
    return typer.Option(None, "--on", envvar="NOOS_SUBNET_HOTKEY", help=_ON_HELP)  # type: ignore[no-any-return]


# --- shared steps --------------------------------------------------------------------------
def _open(netuid: str | None = None) -> tuple[Protocol, Subnets, int]:
    """The protocol, its subnet client, and the checked netuid (0 when none was given)."""
    from noosphere.chain.protocol import open_protocol
    from noosphere.chain.subnets import Subnets
    from noosphere.cli._subnet_views import check_subnet, parse_netuid

    # web3 warns about every foreign log (token transfers) in a receipt it decodes: noise here
    warnings.filterwarnings("ignore", message="The log with transaction hash", category=UserWarning)
    number = parse_netuid(netuid) if netuid is not None else 0
    protocol = open_protocol(_app.config())
    subnets = Subnets(protocol.chain, protocol.manifest)
    if netuid is not None:
        check_subnet(subnets, number)
    return protocol, subnets, number


def _coldkey(wallet: Wallet) -> LocalAccount:
    return wallet.unlock_coldkey(ask_password(f"wallet {wallet.name} (coldkey)"))


def _hotkey_name() -> str:
    return str(_app.config().hotkey)


def _hotkey(wallet: Wallet) -> LocalAccount:
    name = _hotkey_name()
    wallet.hotkey_address(name)  # a clear error for an unknown hotkey, before the prompt
    return wallet.unlock_hotkey(name, ask_password(f"hotkey {name} of wallet {wallet.name}"))


def _target(text: str | None, wallet: Wallet) -> str:
    """A hotkey address from ``--on``/an argument, else the wallet's configured hotkey."""
    from noosphere.cli.wallet_chain import _resolve_target

    return _resolve_target(text) if text else wallet.hotkey_address(_hotkey_name())


def _tx(receipt: object) -> str:
    return f"tx {getattr(receipt, 'tx_hash', '?')}, block {getattr(receipt, 'block_number', '?')}"


def _check_funds(protocol: Protocol, address: str, amount: int, what: str) -> None:
    from noosphere.chain.token import format_amount
    from noosphere.errors import InputError

    have = protocol.token.balance_of(address)
    if have < amount:
        raise InputError(
            f"{what} needs {format_amount(amount)} NOOS; {address} has {format_amount(have)}",
            hint="fund the coldkey first (noos wallet transfer)",
        )


# --- subnets -------------------------------------------------------------------------------
@app.command("create")
def create(
    task_cid: str = typer.Argument(..., help="CID of the subnet's task spec (JSON)"),
    wallet_name: str | None = _from_option(),
    yes: bool = typer.Option(
        False,
        "--yes",
        "-y",
        envvar="NOOS_YES",
        help="do not ask for confirmation \\[env: NOOS_YES]",
    ),
) -> None:
    """Create a subnet owned by the wallet's coldkey; its lock cost is locked for good."""
    from noosphere.chain.token import format_amount

    wallet = open_wallet(wallet_name)
    protocol, subnets, _ = _open()
    lock = subnets.lock_cost()
    _check_funds(protocol, wallet.coldkey_address, lock, "creating a subnet")
    if not yes and _app.console.is_terminal:
        typer.confirm(f"lock {format_amount(lock)} NOOS for good to create a subnet?", abort=True)
    netuid = subnets.create_subnet(_coldkey(wallet), task_cid)
    _app.console.print(
        f"created subnet {netuid} owned by {wallet.coldkey_address} "
        f"(locked {format_amount(lock)} NOOS)"
    )


@app.command("list")
def list_subnets() -> None:
    """List every subnet: owner, size, tempo, epoch, burn price, emission share, task."""
    from rich.table import Table

    from noosphere.chain.token import format_amount

    _, subnets, _ = _open()
    table = Table(title="subnets")
    for column in ("netuid", "owner", "UIDs", "tempo", "epoch", "burn", "share", "task"):
        table.add_column(column, justify="left" if column in ("owner", "task") else "right")
    for netuid in range(1, subnets.subnet_count() + 1):
        info = subnets.info(netuid)
        table.add_row(
            str(netuid), info.owner, f"{info.n}/{info.max_uids}", str(info.tempo),
            str(info.current_epoch), format_amount(info.burn_price),
            f"{info.share_bps / 100:g} %", info.task_cid,
        )  # fmt: skip
    if not table.rows:
        _app.console.print("no subnets yet (create one with `noos subnet create TASK_CID`)")
        return
    _app.console.print(table)


@app.command("show")
def show(netuid: str = typer.Argument(..., help=_NETUID)) -> None:
    """Show a subnet: owner, task, epoch and tempo, counts, burn price, emission share."""
    from noosphere.chain.token import format_amount
    from noosphere.cli._subnet_views import key_values

    _, subnets, number = _open(netuid)
    info = subnets.info(number)
    hp = subnets.hyperparams(number)
    epoch = info.current_epoch
    permits_at = subnets.permits_epoch(number, epoch)
    rows = [
        ("owner", info.owner),
        ("task CID", info.task_cid),
        ("epoch", f"{epoch} (blocks {subnets.epoch_start(number, epoch)} … "
                  f"{subnets.epoch_start(number, epoch + 1) - 1}; chain at "
                  f"{subnets.chain.block_number})"),
        ("tempo", f"{info.tempo} blocks" + (f" (next epochs: {hp['tempo']})"
                                            if hp["tempo"] != info.tempo else "")),
        ("reveal period", f"{hp['reveal_period']} epoch(s)"),
        ("neurons", f"{info.n} of {info.max_uids}"),
        ("validators (max)", str(hp["max_allowed_validators"])),
        ("permits", "none published" if permits_at is None else f"from epoch {permits_at} "
         f"({'result-based' if subnets.has_result_permits(number) else 'bootstrap'})"),
        ("registration", "open" if hp["registration_allowed"] else "closed"),
        ("burn price", f"{format_amount(info.burn_price)} NOOS"),
        ("emission share", f"{info.share_bps / 100:g} %"),
        ("locked", f"{format_amount(info.locked)} NOOS"),
    ]  # fmt: skip
    _app.console.print(key_values(f"subnet {number}", rows))


@app.command("hyperparams")
def hyperparams(netuid: str = typer.Argument(..., help=_NETUID)) -> None:
    """Show every hyperparameter of a subnet with the admin's bounds (burns in NOOS)."""
    from rich.table import Table

    from noosphere.cli._subnet_views import show_hyperparam

    _, subnets, number = _open(netuid)
    values = subnets.hyperparams(number)
    lower, upper = subnets.bounds()
    table = Table(title=f"hyperparameters of subnet {number}")
    for column in ("name", "value", "lower bound", "upper bound"):
        table.add_column(column, justify="left" if column == "name" else "right")
    for name, value in values.items():
        table.add_row(name, show_hyperparam(name, value), show_hyperparam(name, lower[name]),
                      show_hyperparam(name, upper[name]))  # fmt: skip
    _app.console.print(table)


@app.command("set")
def set_hyperparams(
    netuid: str = typer.Argument(..., help=_NETUID),
    settings: list[str] = typer.Argument(
        ..., help="name=value pairs, e.g. tempo=100 min_burn=0.5 registration_allowed=false"
    ),
    wallet_name: str | None = _from_option(),
) -> None:
    """Change hyperparameters of a subnet you own (burns in NOOS; within the admin's bounds)."""
    from noosphere.cli._subnet_views import parse_assignments, show_hyperparam
    from noosphere.errors import InputError

    changes = parse_assignments(settings)
    wallet = open_wallet(wallet_name)
    _, subnets, number = _open(netuid)
    owner = subnets.owner_of(number)
    if owner.lower() != wallet.coldkey_address.lower():
        raise InputError(
            f"wallet {wallet.name} ({wallet.coldkey_address}) is not the owner of subnet {number}",
            hint=f"the owner is {owner}",
        )
    receipt = subnets.set_hyperparams(_coldkey(wallet), number, **changes)
    shown = ", ".join(f"{k}={show_hyperparam(k, v)}" for k, v in changes.items())
    later = " (tempo applies from the next epoch)" if "tempo" in changes else ""
    _app.console.print(f"subnet {number}: set {shown}{later} ({_tx(receipt)})")


# --- neurons -------------------------------------------------------------------------------
@app.command("register")
def register(
    netuid: str = typer.Argument(..., help=_NETUID),
    axon: str = typer.Option(
        "", "--axon", envvar="NOOS_AXON", help="endpoint URL of the neuron \\[env: NOOS_AXON]"
    ),
    max_burn: str | None = typer.Option(
        None,
        "--max-burn",
        envvar="NOOS_MAX_BURN",
        help="highest burn you accept, in NOOS (default: the current price) \\[env: NOOS_MAX_BURN]",
    ),
    wallet_name: str | None = _from_option(),
) -> None:
    """Register the wallet's hotkey (--hotkey) on a subnet, burning the registration price.

    On a full subnet the hotkey takes the UID of the lowest-emission non-immune neuron, proved
    from the latest finalized epoch result (its previous bonds are read from the store and its
    gateways).
    """
    from noosphere.audit.pruning import register_neuron, replacement_plan
    from noosphere.chain.token import format_amount, parse_amount
    from noosphere.errors import InputError
    from noosphere.nodes.runner import bonds_reader
    from noosphere.storage import Store

    limit = parse_amount(max_burn) if max_burn is not None else None
    wallet = open_wallet(wallet_name)
    hotkey = wallet.hotkey_address(_hotkey_name())
    protocol, subnets, number = _open(netuid)
    if not subnets.hyperparams(number)["registration_allowed"]:
        raise InputError(f"registration on subnet {number} is closed")
    if subnets.is_registered(number, hotkey):
        raise InputError(f"hotkey {hotkey} is already registered on subnet {number} "
                         f"(UID {subnets.uid_of(number, hotkey)})")  # fmt: skip
    price = subnets.burn_price(number)
    if limit is not None and price > limit:
        raise InputError(
            f"the burn price is {format_amount(price)} NOOS, above --max-burn "
            f"{format_amount(limit)}", hint="wait for it to decay or raise --max-burn")  # fmt: skip
    _check_funds(protocol, wallet.coldkey_address, price, "registering")
    bonds = bonds_reader(Store.from_config(_app.config()))
    # A full subnet: find the UID to replace (or why none can be) before asking for a password.
    plan = replacement_plan(subnets, number, bonds) if subnets.is_full(number) else None
    done = register_neuron(subnets, _coldkey(wallet), number, hotkey, axon, max_burn=limit,
                           bonds_source=bonds, plan=plan)  # fmt: skip
    _app.console.print(f"registered {hotkey} on subnet {number} as UID {done.uid} "
                       f"(burned about {format_amount(done.price)} NOOS)")  # fmt: skip
    if done.replaced_hotkey:
        _app.console.print(f"the subnet was full: UID {done.uid} was {done.replaced_hotkey}, "
                           "the lowest-emission prunable UID in the result of epoch "
                           f"{done.result_epoch}")  # fmt: skip


@app.command("neurons")
def neurons(netuid: str = typer.Argument(..., help=_NETUID)) -> None:
    """List a subnet's UIDs with keys, stake, axon and the latest computable epoch's results."""
    from rich.table import Table

    from noosphere.chain.token import format_amount
    from noosphere.cli._subnet_views import latest_outcome

    _, subnets, number = _open(netuid)
    found = subnets.neurons(number)
    latest = latest_outcome(subnets, _app.config().home, number) if found else None
    title = f"neurons of subnet {number}"
    title += f" (results of epoch {latest[0]})" if latest else " (no computable epoch yet)"
    table = Table(title=title)
    for column in ("UID", "hotkey", "coldkey", "stake", "consensus", "incentive", "dividends",
                   "emission"):  # fmt: skip
        table.add_column(column, justify="left" if "key" in column else "right", no_wrap=True)
    table.add_column("axon", overflow="fold")
    for nrn in found:
        metrics = ["—"] * 4
        if latest and nrn.uid < len(latest[1].details["incentive"]):
            d = latest[1].details
            emission = d["miner_emission"][nrn.uid] + d["validator_emission"][nrn.uid]
            metrics = [f"{d['consensus'][nrn.uid]:.4f}", f"{d['incentive'][nrn.uid]:.4f}",
                       f"{d['dividends'][nrn.uid]:.4f}", format_amount(emission)]  # fmt: skip
        table.add_row(str(nrn.uid), nrn.hotkey, nrn.coldkey,
                      format_amount(subnets.stake_of(number, nrn.hotkey)), *metrics,
                      nrn.axon or "—")  # fmt: skip
    _app.console.print(table)


# --- staking -------------------------------------------------------------------------------
def _stake(netuid: str, amount: str, target: str | None, wallet_name: str | None) -> None:
    from noosphere.chain.token import format_amount
    from noosphere.cli._subnet_views import parse_positive_amount
    from noosphere.errors import InputError

    units = parse_positive_amount(amount)
    wallet = open_wallet(wallet_name)
    hotkey = _target(target, wallet)
    protocol, subnets, number = _open(netuid)
    if not subnets.is_registered(number, hotkey):
        raise InputError(f"hotkey {hotkey} is not registered on subnet {number}")
    mine = subnets.stake_by(number, hotkey, wallet.coldkey_address)
    minimum = subnets.min_stake()
    if mine + units < minimum:
        raise InputError(f"a stake of {format_amount(mine + units)} NOOS is below the minimum "
                         f"{format_amount(minimum)} NOOS")  # fmt: skip
    _check_funds(protocol, wallet.coldkey_address, units, "staking")
    receipt = subnets.stake(_coldkey(wallet), number, hotkey, units)
    _app.console.print(
        f"staked {format_amount(units)} NOOS on {hotkey} (subnet {number}); yours: "
        f"{format_amount(mine + units)}, its total: "
        f"{format_amount(subnets.stake_of(number, hotkey))} ({_tx(receipt)})"
    )


@app.command("stake")
def stake(
    netuid: str = typer.Argument(..., help=_NETUID),
    amount: str = typer.Argument(..., help="NOOS to stake, e.g. 100"),
    target: str | None = _on_option(),
    wallet_name: str | None = _from_option(),
) -> None:
    """Stake NOOS from the coldkey on a hotkey (default: the wallet's own hotkey)."""
    _stake(netuid, amount, target, wallet_name)


@app.command("delegate")
def delegate(
    netuid: str = typer.Argument(..., help=_NETUID),
    validator: str = typer.Argument(..., help="validator hotkey: address or wallet/hotkey"),
    amount: str = typer.Argument(..., help="NOOS to stake, e.g. 100"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Delegate: stake on someone else's validator hotkey for a share of its dividends."""
    _stake(netuid, amount, validator, wallet_name)


@app.command("unstake")
def unstake(
    netuid: str = typer.Argument(..., help=_NETUID),
    amount: str = typer.Argument(..., help="NOOS to unstake, or 'all'"),
    target: str | None = _on_option(),
    wallet_name: str | None = _from_option(),
) -> None:
    """Unstake from a hotkey; the NOOS can be withdrawn after the cooldown."""
    from noosphere.chain.token import format_amount
    from noosphere.cli._subnet_views import parse_positive_amount
    from noosphere.errors import InputError

    wallet = open_wallet(wallet_name)
    hotkey = _target(target, wallet)
    _, subnets, number = _open(netuid)
    mine = subnets.stake_by(number, hotkey, wallet.coldkey_address)
    units = mine if amount.strip().lower() == "all" else parse_positive_amount(amount)
    if units == 0 or units > mine:
        raise InputError(f"cannot unstake {format_amount(units)} NOOS: {wallet.coldkey_address} "
                         f"has {format_amount(mine)} NOOS staked on {hotkey}")  # fmt: skip
    minimum = subnets.min_stake()
    if 0 < mine - units < minimum:
        raise InputError(
            f"{format_amount(mine - units)} NOOS would stay staked, below the minimum "
            f"{format_amount(minimum)}", hint="unstake all, or less")  # fmt: skip
    receipt = subnets.unstake(_coldkey(wallet), number, hotkey, units)
    pending = subnets.pending_withdrawal(number, hotkey, wallet.coldkey_address)
    _app.console.print(
        f"unstaked {format_amount(units)} NOOS from {hotkey}; {format_amount(pending.amount)} NOOS "
        f"withdrawable from block {pending.release_block} with `noos subnet withdraw {number}` "
        f"({_tx(receipt)})"
    )


@app.command("withdraw")
def withdraw(
    netuid: str = typer.Argument(..., help=_NETUID),
    target: str | None = _on_option(),
    wallet_name: str | None = _from_option(),
) -> None:
    """Withdraw unstaked NOOS once its cooldown is over."""
    from noosphere.chain.token import format_amount
    from noosphere.errors import InputError

    wallet = open_wallet(wallet_name)
    hotkey = _target(target, wallet)
    _, subnets, number = _open(netuid)
    pending = subnets.pending_withdrawal(number, hotkey, wallet.coldkey_address)
    if pending.amount == 0:
        raise InputError(f"nothing to withdraw from {hotkey} on subnet {number}")
    now = subnets.chain.block_number
    if now + 1 < pending.release_block:
        raise InputError(
            f"the cooldown is not over: {format_amount(pending.amount)} NOOS is "
            f"withdrawable from block {pending.release_block} (now {now})"
        )
    receipt = subnets.withdraw(_coldkey(wallet), number, hotkey)
    _app.console.print(f"withdrew {format_amount(pending.amount)} NOOS to "
                       f"{wallet.coldkey_address} ({_tx(receipt)})")  # fmt: skip


@app.command("take")
def take(
    percent: str | None = typer.Argument(None, help="new take in percent, e.g. 9 (omit to show)"),
    target: str | None = _on_option(),
    wallet_name: str | None = _from_option(),
) -> None:
    """Show or set a validator hotkey's take (its share of dividends before delegators)."""
    from noosphere.cli._subnet_views import parse_take
    from noosphere.errors import InputError

    wallet = open_wallet(wallet_name)
    hotkey = _target(target, wallet)
    _, subnets, _ = _open()
    if percent is None:
        _app.console.print(f"take of {hotkey}: {subnets.take_of(hotkey) / 100:g} %")
        return
    bps = parse_take(percent)
    low, high = subnets.take_bounds()
    if not low <= bps <= high:
        raise InputError(f"take {bps / 100:g} % is outside the allowed {low / 100:g} … "
                         f"{high / 100:g} %")  # fmt: skip
    coldkey = subnets.coldkey_of(hotkey)
    if coldkey.lower() != wallet.coldkey_address.lower():
        raise InputError(
            f"wallet {wallet.name} is not the coldkey of {hotkey}",
            hint="only the coldkey that registered a hotkey sets its take",
        )
    receipt = subnets.set_take(_coldkey(wallet), hotkey, bps)
    _app.console.print(f"take of {hotkey} is now {bps / 100:g} % ({_tx(receipt)})")


# --- validators: permits and weights -------------------------------------------------------


# The epoch-lifecycle commands live in their own module and register on ``app``.
from noosphere.cli import subnet_epochs as _subnet_epochs  # noqa: E402, F401
