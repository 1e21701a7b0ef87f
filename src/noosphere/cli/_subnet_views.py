"""The pieces of ``noos subnet`` that are not commands: parsing what users type, the pending
weights file, epoch phases, computing a result with the right previous bonds, and tables.

Everything here is imported by a command after it starts (this module pulls in web3 and
numpy through the subnet client), so ``noos --help`` stays fast.
"""

from __future__ import annotations

import difflib
import json
import math
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rich.table import Table

from noosphere.chain.subnets import HYPERPARAM_FIELDS, U16_MAX, Subnets, pack_weights
from noosphere.chain.token import format_amount, parse_amount
from noosphere.errors import ConsensusError, InputError, NoosphereError, StoreError

# Solidity type of each hyperparameter: (kind, low, high); "amount" fields are NOOS amounts.
_UINT = {8: 2**8 - 1, 16: 2**16 - 1, 32: 2**32 - 1, 64: 2**64 - 1}
HYPERPARAM_TYPES: dict[str, tuple[str, int, int]] = {
    "tempo": ("int", 0, _UINT[64]),
    "max_allowed_uids": ("int", 0, _UINT[16]),
    "max_allowed_validators": ("int", 0, _UINT[16]),
    "immunity_period": ("int", 0, _UINT[64]),
    "activity_cutoff": ("int", 0, _UINT[64]),
    "kappa": ("int", 0, _UINT[16]),
    "bonds_penalty": ("int", 0, _UINT[16]),
    "bonds_moving_average": ("int", 0, _UINT[32]),
    "liquid_alpha_enabled": ("bool", 0, 1),
    "alpha_low": ("int", 0, _UINT[16]),
    "alpha_high": ("int", 0, _UINT[16]),
    "alpha_sigmoid_steepness": ("int", -(2**15), 2**15 - 1),
    "yuma_version": ("int", 0, _UINT[8]),
    "reveal_period": ("int", 0, _UINT[64]),
    "min_burn": ("amount", 0, 2**256 - 1),
    "max_burn": ("amount", 0, 2**256 - 1),
    "registration_allowed": ("bool", 0, 1),
}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
PENDING_FILE = "pending-weights.json"


# --- parsing -------------------------------------------------------------------------------
def parse_netuid(text: str | int) -> int:
    """A netuid (1 … 65535) from user text."""
    try:
        netuid = int(str(text).strip())
    except ValueError:
        raise InputError(f"netuid {text!r} is not a number", hint="netuids are 1, 2, …") from None
    if not 0 < netuid <= U16_MAX:
        raise InputError(f"netuid {netuid} is out of range", hint="netuids run from 1 to 65535")
    return netuid


def parse_epoch(text: str | int) -> int:
    """An epoch number (0, 1, …) from user text."""
    try:
        epoch = int(str(text).strip())
    except ValueError:
        raise InputError(f"epoch {text!r} is not a number") from None
    if not 0 <= epoch < 2**64:
        raise InputError(f"epoch {epoch} is out of range")
    return epoch


def check_subnet(subnets: Subnets, netuid: int) -> None:
    """Raise a clear error unless subnet ``netuid`` exists."""
    if subnets.subnet_exists(netuid):
        return
    count = subnets.subnet_count()
    hint = f"subnets here: 1 to {count}" if count else "create one with `noos subnet create`"
    raise InputError(f"subnet {netuid} does not exist", hint=hint)


def parse_positive_amount(text: str, what: str = "amount") -> int:
    """A strictly positive NOOS amount in base units."""
    units = parse_amount(text)
    if units == 0:
        raise InputError(f"{what} must be positive", hint="write e.g. 12.5")
    return units


def parse_weights(text: str) -> list[tuple[int, int]]:
    """``"2:1.0,3:0.5"`` → u16 ``(uid, weight)`` pairs scaled so the largest weight is 65535.

    UIDs must be strictly ascending (no duplicates); weights non-negative, one positive.
    """
    example = 'write UID:WEIGHT pairs in ascending UID order, e.g. "2:1.0,3:0.5"'
    pairs: list[tuple[int, float]] = []
    for part in (p.strip() for p in text.split(",")):
        uid_text, sep, weight_text = part.partition(":")
        try:
            if not sep:
                raise ValueError
            uid, weight = int(uid_text), float(weight_text)
        except ValueError:
            raise InputError(f"malformed weight {part!r}", hint=example) from None
        if not 0 <= uid <= U16_MAX:
            raise InputError(f"UID {uid} is outside 0 … {U16_MAX}")
        if not math.isfinite(weight) or weight < 0:
            raise InputError(f"weight {weight_text!r} of UID {uid} must be a non-negative number")
        if pairs and uid == pairs[-1][0]:
            raise InputError(f"UID {uid} appears twice in the weights", hint=example)
        if pairs and uid < pairs[-1][0]:
            raise InputError(f"UIDs are not ascending: {uid} after {pairs[-1][0]}", hint=example)
        pairs.append((uid, weight))
    top = max((w for _, w in pairs), default=0.0)
    if top <= 0:
        raise InputError("at least one weight must be positive", hint=example)
    return [(uid, round(w / top * U16_MAX)) for uid, w in pairs]


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """``name=value`` hyperparameter changes, checked against names and Solidity types."""
    if not items:
        raise InputError("nothing to set", hint="give name=value pairs, e.g. tempo=100")
    changes: dict[str, Any] = {}
    for item in items:
        name, sep, value = (s.strip() for s in item.partition("="))
        if not sep or not name or not value:
            raise InputError(f"malformed setting {item!r}", hint="write name=value, e.g. tempo=100")
        if name not in HYPERPARAM_TYPES:
            close = difflib.get_close_matches(name, HYPERPARAM_FIELDS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see `noos subnet hyperparams`"
            raise InputError(f"unknown hyperparameter {name!r}", hint=hint)
        changes[name] = _parse_value(name, value)
    return changes


def _parse_value(name: str, text: str) -> Any:
    kind, low, high = HYPERPARAM_TYPES[name]
    if kind == "bool":
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise InputError(f"{name} takes true or false, not {text!r}")
    if kind == "amount":
        return parse_amount(text)
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise InputError(f"{name} takes a whole number, not {text!r}") from None
    if not low <= value <= high:
        raise InputError(f"{name}={value} is outside its type's range {low:,} … {high:,}")
    return value


def parse_take(text: str) -> int:
    """A take in percent (``"9"``, ``"9.5%"``) → basis points."""
    try:
        percent = Decimal(text.strip().removesuffix("%"))
    except InvalidOperation:
        raise InputError(
            f"take {text!r} is not a percentage", hint="write e.g. 9 or 9.5%"
        ) from None
    bps = percent * 100
    if not percent.is_finite() or bps != bps.to_integral_value() or not 0 <= bps <= 10_000:
        raise InputError(f"take {text!r} must be between 0 and 100 % in steps of 0.01")
    return int(bps)


def show_hyperparam(name: str, value: Any) -> str:
    """A hyperparameter as users write it (burns in NOOS)."""
    if HYPERPARAM_TYPES[name][0] == "amount":
        return format_amount(int(value))
    return str(value).lower() if isinstance(value, bool) else f"{int(value):,}"


# --- pending weights -----------------------------------------------------------------------
@dataclass(frozen=True)
class PendingCommit:
    """A committed weight vector kept until its reveal: epoch, packed weights and salt."""

    epoch: int
    packed: bytes
    salt: bytes
    tx_hash: str = ""

    def as_json(self) -> dict[str, Any]:
        """The JSON form stored in the pending weights file."""
        return {"epoch": self.epoch, "packed": self.packed.hex(), "salt": self.salt.hex(),
                "tx": self.tx_hash}  # fmt: skip


class PendingWeights:
    """``<home>/subnets/<netuid>/pending-weights.json``: one pending commit per hotkey (0600)."""

    def __init__(self, home: Path, netuid: int) -> None:
        self.path = home / "subnets" / str(netuid) / PENDING_FILE

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise InputError(
                f"cannot read {self.path}: {exc}",
                hint="it holds the salts of pending commits; repair or remove it",
            ) from None
        return dict(data.get("commits", {}))

    def get(self, hotkey: str) -> PendingCommit | None:
        """The saved commit of ``hotkey``, if any."""
        entry = self._read().get(hotkey.lower())
        if entry is None:
            return None
        try:
            return PendingCommit(
                int(entry["epoch"]),
                bytes.fromhex(entry["packed"]),
                bytes.fromhex(entry["salt"]),
                str(entry.get("tx", "")),
            )
        except (KeyError, ValueError, TypeError):
            raise InputError(f"the entry of {hotkey} in {self.path} is damaged") from None

    def put(self, hotkey: str, commit: PendingCommit | None) -> None:
        """Save (or with None, drop) ``hotkey``'s commit; atomic, mode 0600."""
        from noosphere.wallet import atomic_write

        commits = self._read()
        if commit is None:
            commits.pop(hotkey.lower(), None)
        else:
            commits[hotkey.lower()] = commit.as_json()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = json.dumps({"version": 1, "commits": commits}, indent=2).encode()
        atomic_write(self.path, data, overwrite=True)


def new_commit(epoch: int, pairs: list[tuple[int, int]]) -> PendingCommit:
    """A commit of ``pairs`` in ``epoch`` with a fresh random salt."""
    return PendingCommit(epoch, pack_weights(pairs), secrets.token_bytes(32))


# --- epochs --------------------------------------------------------------------------------
@dataclass(frozen=True)
class EpochPhase:
    """Where an epoch stands: its blocks, windows and phase name."""

    name: str
    start: int
    end: int
    reveal_epoch: int
    attest_from: int
    attest_until: int


def epoch_phase(subnets: Subnets, netuid: int, epoch: int) -> EpochPhase:
    """The phase of ``epoch``: future, committing, waiting, revealing, attestable, expired,
    final (claims open or challenge window) or voided."""
    reveal = epoch + subnets.reveal_period(netuid)
    start, end = subnets.epoch_start(netuid, epoch), subnets.epoch_start(netuid, epoch + 1)
    attest_from = subnets.epoch_start(netuid, reveal + 1)
    attest_until = attest_from + subnets.windows()[1]
    status = subnets.status(netuid, epoch)
    block = subnets.chain.block_number
    if status.voided:
        name = "voided"
    elif status.finalized:
        name = "final" if block >= status.claimable_from else "final (challenge window)"
    elif block < start:
        name = "future"
    elif block < end:
        name = "committing"
    elif block < subnets.epoch_start(netuid, reveal):
        name = "waiting for its reveal epoch"
    elif block < attest_from:
        name = "revealing"
    elif block < attest_until:
        name = "attestable"
    else:
        name = "expired (never finalized)"
    return EpochPhase(name, start, end, reveal, attest_from, attest_until)


def tallies(subnets: Subnets, netuid: int, epoch: int) -> list[tuple[bytes, bytes, int, int]]:
    """``(payouts_root, aux_hash, tally, attesters)`` of each attested result, largest first."""
    results: dict[tuple[bytes, bytes], tuple[int, int]] = {}
    for att in subnets.attestations(netuid, epoch):
        key = (att.payouts_root, att.aux_hash)
        results[key] = (att.tally, results.get(key, (0, 0))[1] + 1)
    return sorted(((p, a, t, c) for (p, a), (t, c) in results.items()), key=lambda r: -r[2])


def compute(subnets: Subnets, home: Path, netuid: int, epoch: int, *, strict: bool,
            gateways: list[str] | None = None, warn: Any = None) -> Any:  # fmt: skip
    """``compute_epoch`` with the bonds of the latest earlier finalized epoch from the store.

    With ``strict`` a missing bonds file is an error (attesting, claiming); otherwise the
    result is computed with zero bonds and ``warn`` is told. The new bonds file is stored so
    that the next epoch finds it.
    """
    from noosphere.audit import compute_epoch
    from noosphere.storage import Store, make_cid, to_v0

    store = Store(home, gateways=gateways or ())
    previous = [e for e in subnets.finalized_epochs(netuid) if e < epoch]
    bonds: bytes | None = None
    if previous:
        source = previous[-1]
        _, aux_hash = subnets.final_result(netuid, source)
        digest = next((a.bonds_digest for a in subnets.attestations(netuid, source)
                       if a.aux_hash == aux_hash), None)  # fmt: skip
        cid = to_v0(make_cid(digest)) if digest else "?"
        try:
            if digest is None:
                raise StoreError("no attestation names the bonds of the finalized result")
            bonds = store.read_bytes(cid)
        except StoreError as exc:
            message = f"the bonds of finalized epoch {source} ({cid}) are not available: {exc}"
            if strict:
                raise ConsensusError(
                    message, hint=f"fetch them with `noos store fetch {cid}`"
                ) from None
            if warn:
                warn(message + "; computing with zero bonds")
    outcome = compute_epoch(subnets, netuid, epoch, previous_bonds=bonds)
    try:
        store.put_bytes(outcome.bonds_file, name=f"bonds-{netuid}-{epoch}.npz")
    except (StoreError, OSError) as exc:
        if warn:
            warn(f"could not keep the bonds file in the store: {exc}")
    return outcome


def latest_outcome(subnets: Subnets, home: Path, netuid: int) -> tuple[int, Any] | None:
    """The result of the latest computable epoch of ``netuid``, or None if there is none."""
    epoch = subnets.current_epoch(netuid) - subnets.reveal_period(netuid) - 1
    if epoch < 0:
        return None
    try:
        return epoch, compute(subnets, home, netuid, epoch, strict=False)
    except (NoosphereError, ConsensusError):
        return None


# --- tables --------------------------------------------------------------------------------
def short(value: bytes | str, keep: int = 10) -> str:
    """A hash or address cut to its first ``keep`` characters after ``0x``."""
    text = value if isinstance(value, str) else "0x" + value.hex()
    return text[: keep + 2] + "…" if len(text) > keep + 2 else text


def key_values(title: str, rows: list[tuple[str, str]]) -> Table:
    """A two-column table of labelled values."""
    table = Table(title=title, show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in rows:
        table.add_row(key, value)
    return table


def outcome_table(outcome: Any, neurons: list[Any]) -> Table:
    """UID, hotkey, stake, incentive, dividends and emission of a computed epoch."""
    details = outcome.details
    table = Table(title=f"epoch {outcome.epoch} of subnet {outcome.netuid} (computed)")
    for column in ("UID", "hotkey", "stake", "incentive", "dividends", "emission"):
        table.add_column(column, justify="left" if column == "hotkey" else "right")
    for nrn in neurons:
        if nrn.uid >= len(details["incentive"]):
            continue
        emission = details["miner_emission"][nrn.uid] + details["validator_emission"][nrn.uid]
        table.add_row(str(nrn.uid), nrn.hotkey, format_amount(details["stake"][nrn.uid]),
                      f"{details['incentive'][nrn.uid]:.4f}",
                      f"{details['dividends'][nrn.uid]:.4f}", format_amount(emission))  # fmt: skip
    return table


def payouts_table(outcome: Any) -> Table:
    """Each account's payout of a computed epoch."""
    table = Table(title=f"payouts (root {short(outcome.payouts_root, 16)})")
    table.add_column("account", no_wrap=True)
    table.add_column("payout (NOOS)", justify="right")
    for account, amount in sorted(outcome.payouts.items(), key=lambda kv: -kv[1]):
        table.add_row(account, format_amount(amount))
    return table
