"""``noos subnet`` commands of the epoch lifecycle: permits, weights, epoch, attest, finalize,
claim. They register on the group defined in :mod:`noosphere.cli.subnet`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from noosphere.cli import _app
from noosphere.cli.subnet import (
    _NETUID,
    _coldkey,
    _from_option,
    _hotkey,
    _hotkey_name,
    _open,
    _tx,
    app,
)
from noosphere.cli.wallet import open_wallet

if TYPE_CHECKING:
    pass


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
