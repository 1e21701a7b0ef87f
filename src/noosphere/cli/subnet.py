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
    """Register the wallet's hotkey (--hotkey) on a subnet, burning the registration price."""
    from noosphere.chain.token import format_amount, parse_amount
    from noosphere.errors import InputError

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
    uid = subnets.register(_coldkey(wallet), number, hotkey, axon, limit)
    _app.console.print(f"registered {hotkey} on subnet {number} as UID {uid} "
                       f"(burned about {format_amount(price)} NOOS)")  # fmt: skip


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
@app.command("permits")
def permits(
    netuid: str = typer.Argument(..., help=_NETUID),
    wallet_name: str | None = _from_option(),
) -> None:
    """Publish the current epoch's validator permits (anyone; the wallet's coldkey pays gas).

    From the latest finalized result when there is one, else by the bootstrap rule (the
    top-K UIDs by stake at the epoch block).
    """
    from noosphere.cli._subnet_views import compute
    from noosphere.errors import InputError

    wallet = open_wallet(wallet_name)
    _, subnets, number = _open(netuid)
    epoch = subnets.current_epoch(number)
    start = subnets.epoch_start(number, epoch)
    if subnets.permits_epoch(number, epoch) == epoch:
        raise InputError(f"the permits of epoch {epoch} of subnet {number} are already published")
    if subnets.chain.block_number < start:
        raise InputError(f"epoch {epoch} starts at block {start}; wait for it")
    finalized = [e for e in subnets.finalized_epochs(number) if e < epoch]
    if finalized:
        source = finalized[-1]
        outcome = compute(subnets, _app.config().home, number, source, strict=True,
                          gateways=_app.config().gateways)  # fmt: skip
        if outcome.aux_hash != subnets.final_result(number, source)[1]:
            raise InputError(f"the result computed for epoch {source} differs from the "
                             "finalized one; cannot publish its permits")  # fmt: skip
        receipt = subnets.publish_permits(
            _coldkey(wallet), number, epoch, outcome.permits, source, outcome.emission_root,
            outcome.prune_root, outcome.bonds_digest)  # fmt: skip
        how = f"from the result of epoch {source}"
        uids = outcome.permits
    else:
        uids = subnets.bootstrap_permits(number, epoch)
        if not uids:
            raise InputError(
                f"no UID of subnet {number} held stake at block {start}",
                hint="stake on validator hotkeys, then publish in the next epoch",
            )
        receipt = subnets.publish_bootstrap_permits(_coldkey(wallet), number, epoch, uids)
        how = "by the bootstrap rule (top-K by stake)"
    _app.console.print(f"published permits of epoch {epoch} {how}: UIDs "
                       f"{', '.join(map(str, uids))} ({_tx(receipt)})")  # fmt: skip


@app.command("weights")
def weights(
    netuid: str = typer.Argument(..., help=_NETUID),
    set_: str | None = typer.Option(
        None,
        "--set",
        envvar="NOOS_WEIGHTS",
        help='commit weights now, e.g. "2:1.0,3:0.5" (UID:WEIGHT, UIDs ascending) '
        "\\[env: NOOS_WEIGHTS]",
    ),
    reveal: bool = typer.Option(
        False,
        "--reveal",
        envvar="NOOS_REVEAL",
        help="reveal the pending commit \\[env: NOOS_REVEAL]",
    ),
) -> None:
    """Commit weights (--set) or reveal the pending commit (--reveal), signed by the hotkey.

    The salt of a commit is kept in <home>/subnets/NETUID/pending-weights.json until the reveal.
    """
    from noosphere.errors import InputError

    if (set_ is None) == (not reveal):
        raise InputError("give either --set UID:WEIGHT,… or --reveal")
    if set_ is not None:
        _commit(netuid, set_)
    else:
        _reveal(netuid)


def _commit(netuid: str, text: str) -> None:
    from noosphere.cli._subnet_views import PendingWeights, new_commit, parse_weights
    from noosphere.errors import InputError

    pairs = parse_weights(text)
    wallet = open_wallet()
    hotkey = wallet.hotkey_address(_hotkey_name())
    _, subnets, number = _open(netuid)
    if not subnets.is_registered(number, hotkey):
        raise InputError(f"hotkey {hotkey} is not registered on subnet {number}")
    n, own = subnets.n(number), subnets.uid_of(number, hotkey)
    for uid, _ in pairs:
        if uid >= n:
            raise InputError(f"UID {uid} does not exist: subnet {number} has UIDs 0 … {n - 1}")
        if uid == own:
            raise InputError(f"UID {uid} is this hotkey's own UID; a validator cannot weigh itself")
    epoch, permitted = subnets.permit_now(number, hotkey)
    if not permitted:
        raise InputError(
            f"hotkey {hotkey} holds no validator permit in epoch {epoch}",
            hint=f"stake on it and publish permits (noos subnet permits {number})",
        )
    account = _hotkey(wallet)
    store = PendingWeights(_app.config().home, number)
    previous = store.get(hotkey)
    commit = new_commit(epoch, pairs)
    store.put(hotkey, commit)  # the salt is on disk before the commitment is on chain
    try:
        landed = subnets.commit(account, number, commit.packed, commit.salt)
    except BaseException:
        store.put(hotkey, previous)
        raise
    if landed != epoch:
        store.put(hotkey, previous)
        raise InputError(f"the commit landed in epoch {landed}, not {epoch}; commit again")
    reveal_epoch = epoch + subnets.reveal_period(number)
    _app.console.print(
        f"committed {len(pairs)} weights for epoch {epoch} of subnet {number}; reveal in epoch "
        f"{reveal_epoch} (from block {subnets.epoch_start(number, reveal_epoch)}) with "
        f"`noos subnet weights {number} --reveal`"
    )


def _reveal(netuid: str) -> None:
    from noosphere.chain.subnets import commit_hash, unpack_weights
    from noosphere.cli._subnet_views import PendingWeights
    from noosphere.errors import InputError

    wallet = open_wallet()
    hotkey = wallet.hotkey_address(_hotkey_name())
    _, subnets, number = _open(netuid)
    store = PendingWeights(_app.config().home, number)
    saved = store.get(hotkey)
    if saved is None:
        raise InputError(
            f"no pending weights commit of {hotkey} on subnet {number}",
            hint=f"commit first: noos subnet weights {number} --set UID:WEIGHT,…",
        )
    on_chain = subnets.commitment_of(number, hotkey)
    digest = commit_hash(hotkey, number, saved.epoch, saved.packed, saved.salt)
    if on_chain is None:
        raise InputError(
            f"the chain holds no commitment of {hotkey} on subnet {number} "
            f"(already revealed, or the commit of epoch {saved.epoch} never landed)"
        )
    if on_chain != (saved.epoch, digest[:24]):
        raise InputError(
            f"the commitment on chain (epoch {on_chain[0]}) is not the one saved "
            f"in {store.path} (epoch {saved.epoch})",
            hint="commit again",
        )
    reveal_epoch = saved.epoch + subnets.reveal_period(number)
    current = subnets.current_epoch(number)
    opens, closes = (subnets.epoch_start(number, reveal_epoch),
                     subnets.epoch_start(number, reveal_epoch + 1))  # fmt: skip
    now = subnets.chain.block_number
    if current < reveal_epoch:
        raise InputError(
            f"too early: the commit of epoch {saved.epoch} reveals in epoch "
            f"{reveal_epoch}, blocks {opens} … {closes - 1} (now {now})"
        )
    if current > reveal_epoch:
        raise InputError(
            f"too late: the reveal epoch {reveal_epoch} ended at block {closes - 1} (now {now})",
            hint=f"commit again: noos subnet weights {number} --set …",
        )
    receipt = subnets.reveal(_hotkey(wallet), number, saved.packed, saved.salt)
    store.put(hotkey, None)
    shown = ", ".join(f"{uid}:{w}" for uid, w in unpack_weights(saved.packed))
    _app.console.print(f"revealed weights of epoch {saved.epoch} on subnet {number}: {shown} "
                       f"({_tx(receipt)})")  # fmt: skip


# --- epochs: state, attest, finalize, claim ------------------------------------------------
@app.command("epoch")
def epoch_state(
    netuid: str = typer.Argument(..., help=_NETUID),
    epoch: str | None = typer.Argument(None, help="epoch (default: the current one)"),
    compute_: bool = typer.Option(
        False,
        "--compute",
        envvar="NOOS_COMPUTE",
        help="also compute the epoch's result from chain data \\[env: NOOS_COMPUTE]",
    ),
) -> None:
    """Show an epoch: blocks, phase, attestation tallies; with --compute its result."""
    from noosphere.chain.token import format_amount
    from noosphere.cli._subnet_views import (
        compute,
        epoch_phase,
        key_values,
        outcome_table,
        parse_epoch,
        payouts_table,
        short,
        tallies,
    )

    _, subnets, number = _open(netuid)
    e = subnets.current_epoch(number) if epoch is None else parse_epoch(epoch)
    phase = epoch_phase(subnets, number, e)
    rows = [
        ("phase", phase.name),
        ("blocks", f"{phase.start} … {phase.end - 1} (chain at {subnets.chain.block_number})"),
        ("reveals", f"in epoch {phase.reveal_epoch}"),
        ("attestation", f"blocks {phase.attest_from} … {phase.attest_until - 1}"),
    ]
    permitted = subnets.permitted_stake(number, e) if subnets.chain.block_number > phase.start \
        else 0  # fmt: skip
    rows.append(("permitted stake", f"{format_amount(permitted)} NOOS"))
    for payouts_root, aux_hash, tally, count in tallies(subnets, number, e):
        part = f" ({tally * 100 / permitted:.1f} %)" if permitted else ""
        rows.append((f"tally {short(payouts_root)}/{short(aux_hash, 6)}",
                     f"{format_amount(tally)} NOOS{part} from {count} attester(s)"))  # fmt: skip
    status = subnets.status(number, e)
    if status.finalized:
        rows.append(("minted", f"{format_amount(subnets.minted_of(number, e))} NOOS"))
        rows.append(("unclaimed", f"{format_amount(status.unclaimed)} NOOS"))
        rows.append(("claims open at block", str(status.claimable_from)))
    _app.console.print(key_values(f"epoch {e} of subnet {number}", rows))
    if compute_:
        cfg = _app.config()
        outcome = compute(
            subnets,
            cfg.home,
            number,
            e,
            strict=False,
            gateways=cfg.gateways,
            warn=lambda m: _app.err_console.print(f"[yellow]warning:[/] {m}"),
        )
        _app.console.print(outcome_table(outcome, subnets.neurons(number)))
        _app.console.print(payouts_table(outcome))


@app.command("attest")
def attest(
    netuid: str = typer.Argument(..., help=_NETUID),
    epoch_text: str = typer.Argument(..., metavar="EPOCH", help="epoch whose result to attest"),
) -> None:
    """Compute an epoch's result and attest it with the wallet's hotkey (a permit holder)."""
    from noosphere.chain.token import format_amount
    from noosphere.cli._subnet_views import compute, epoch_phase, parse_epoch, tallies
    from noosphere.errors import InputError

    wallet = open_wallet()
    hotkey = wallet.hotkey_address(_hotkey_name())
    epoch = parse_epoch(epoch_text)
    _, subnets, number = _open(netuid)
    if subnets.has_attested(number, epoch, hotkey):
        raise InputError(f"{hotkey} already attested epoch {epoch} of subnet {number}")
    if not subnets.holds_permit(number, epoch, hotkey):
        raise InputError(f"hotkey {hotkey} held no validator permit in epoch {epoch}")
    phase = epoch_phase(subnets, number, epoch)
    if subnets.chain.block_number + 1 >= phase.attest_until:
        raise InputError(f"attestation of epoch {epoch} closed at block {phase.attest_until - 1}")
    cfg = _app.config()
    outcome = compute(subnets, cfg.home, number, epoch, strict=True, gateways=cfg.gateways)
    receipt = subnets.attest(_hotkey(wallet), number, epoch, outcome.payouts_root,
                             outcome.emission_root, outcome.prune_root, outcome.permits_hash,
                             outcome.bonds_digest)  # fmt: skip
    tally = next((t for p, a, t, _ in tallies(subnets, number, epoch)
                  if (p, a) == (outcome.payouts_root, outcome.aux_hash)), 0)  # fmt: skip
    permitted = subnets.permitted_stake(number, epoch)
    final = " — enough to finalize" if tally * 3 >= permitted * 2 and tally else ""
    _app.console.print(
        f"attested epoch {epoch} of subnet {number}: payouts root 0x{outcome.payouts_root.hex()}; "
        f"tally {format_amount(tally)} of {format_amount(permitted)} NOOS permitted{final} "
        f"({_tx(receipt)})"
    )


@app.command("finalize")
def finalize(
    netuid: str = typer.Argument(..., help=_NETUID),
    epoch_text: str = typer.Argument(..., metavar="EPOCH", help="epoch to finalize"),
    wallet_name: str | None = _from_option(),
) -> None:
    """Finalize an epoch whose leading result has 2/3 of permitted stake (anyone)."""
    from noosphere.chain.token import format_amount
    from noosphere.cli._subnet_views import parse_epoch, tallies
    from noosphere.errors import InputError

    epoch = parse_epoch(epoch_text)
    wallet = open_wallet(wallet_name)
    _, subnets, number = _open(netuid)
    status = subnets.status(number, epoch)
    if status.voided or status.finalized:
        raise InputError(f"epoch {epoch} of subnet {number} is already "
                         f"{'voided' if status.voided else 'final'}")  # fmt: skip
    results = tallies(subnets, number, epoch)
    if not results:
        raise InputError(f"nobody attested epoch {epoch} of subnet {number} yet")
    payouts_root, aux_hash, tally, _ = results[0]
    permitted = subnets.permitted_stake(number, epoch)
    if tally * 3 < permitted * 2:
        raise InputError(
            f"the leading result has {format_amount(tally)} NOOS of attesting stake, "
            f"below 2/3 of the {format_amount(permitted)} NOOS permitted"
        )
    receipt = subnets.finalize(_coldkey(wallet), number, epoch, payouts_root, aux_hash)
    status = subnets.status(number, epoch)
    _app.console.print(
        f"finalized epoch {epoch} of subnet {number}: minted "
        f"{format_amount(subnets.minted_of(number, epoch))} NOOS, claimable from block "
        f"{status.claimable_from} ({_tx(receipt)})"
    )


@app.command("claim")
def claim(
    netuid: str = typer.Argument(..., help=_NETUID),
    epoch_text: str = typer.Argument(..., metavar="EPOCH", help="final epoch to claim from"),
    account: str | None = typer.Option(
        None,
        "--account",
        envvar="NOOS_CLAIM_ACCOUNT",
        help="account to pay: address or wallet name (default: the wallet's coldkey) "
        "\\[env: NOOS_CLAIM_ACCOUNT]",
    ),
    wallet_name: str | None = _from_option(),
) -> None:
    """Claim an account's payout of a final epoch with its Merkle proof (the coldkey sends it)."""
    from noosphere.chain.token import format_amount
    from noosphere.cli._subnet_views import compute, parse_epoch
    from noosphere.cli.wallet_chain import _resolve_target
    from noosphere.errors import ConsensusError, InputError

    epoch = parse_epoch(epoch_text)
    wallet = open_wallet(wallet_name)
    payee = _resolve_target(account) if account else wallet.coldkey_address
    _, subnets, number = _open(netuid)
    status = subnets.status(number, epoch)
    now = subnets.chain.block_number
    if status.voided:
        raise InputError(f"epoch {epoch} of subnet {number} was voided: nothing to claim")
    if not status.finalized:
        raise InputError(
            f"epoch {epoch} of subnet {number} is not final",
            hint=f"see `noos subnet epoch {number} {epoch}`",
        )
    if now + 1 < status.claimable_from:
        raise InputError(f"claims of epoch {epoch} open at block {status.claimable_from} "
                         f"(now {now}; challenge window)")  # fmt: skip
    if subnets.claimed(number, epoch, payee):
        raise InputError(f"{payee} already claimed its payout of epoch {epoch}")
    cfg = _app.config()
    outcome = compute(subnets, cfg.home, number, epoch, strict=True, gateways=cfg.gateways)
    if outcome.payouts_root != subnets.final_result(number, epoch)[0]:
        raise InputError(
            f"the payouts computed for epoch {epoch} do not match the finalized root",
            hint=f"check with `noos subnet epoch {number} {epoch} --compute`",
        )
    try:
        amount, proof = outcome.proof(payee)
    except ConsensusError:
        raise InputError(f"nothing to claim: {payee} has no payout in epoch {epoch}") from None
    receipt = subnets.claim(_coldkey(wallet), number, epoch, payee, amount, proof)
    _app.console.print(f"claimed {format_amount(amount)} NOOS for {payee} from epoch {epoch} "
                       f"of subnet {number} ({_tx(receipt)})")  # fmt: skip
