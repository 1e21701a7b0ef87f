"""Audit an epoch: recompute its result from chain data alone and compare it with what was attested.

:func:`audit_epoch` finds the bonds the result starts from as validators do
(:func:`~noosphere.audit.epoch.previous_bonds`), recomputes the epoch with
:func:`~noosphere.audit.epoch.compute_epoch`, then compares every field of every attested
result (payouts root, emission root, prune root, permits hash, bonds digest, hence the aux
hash) and the finalized result with the recomputation. The epoch passes when it was attested
and every attestation, and the finalized result if any, equals the recomputation; each
difference is named in :attr:`EpochAudit.problems`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from noosphere.audit.epoch import (
    EMPTY_ROOT,
    EpochOutcome,
    PreviousBonds,
    compute_epoch,
    epoch_window,
    previous_bonds,
)
from noosphere.chain.subnets import Attestation, EpochStatus, Subnets
from noosphere.errors import ConsensusError, InputError

BondsSource = Callable[[bytes], bytes | None]
# The fields of an attestation, in the order they are compared and shown.
RESULT_FIELDS = ("payouts_root", "emission_root", "prune_root", "permits_hash", "bonds_digest")
GATEWAYS_HINT = (
    "set NOOS_GATEWAYS (comma-separated URLs) or `gateways` in config.toml to a gateway that "
    "has it, such as a validator's `noos store serve`, or fetch it with `noos store fetch CID`"
)


@dataclass(frozen=True)
class AttestedResult:
    """One result attested on chain: its fields, who attested it, and how it compares."""

    fields: dict[str, bytes]
    aux_hash: bytes
    attesters: tuple[str, ...]
    tally: int
    differences: tuple[str, ...]
    """Names of the fields (of :data:`RESULT_FIELDS`) that differ from the recomputation."""
    final: bool = False

    @property
    def agrees(self) -> bool:
        """True when every field equals the recomputation."""
        return not self.differences


@dataclass
class EpochAudit:
    """What :func:`audit_epoch` found: the inputs, the recomputation, the attested results."""

    netuid: int
    epoch: int
    chain_block: int
    outcome: EpochOutcome
    bonds: PreviousBonds
    permitted_stake: int
    status: EpochStatus
    results: list[AttestedResult]
    attest_until: int
    final: tuple[bytes, bytes] | None = None
    """``(payouts_root, aux_hash)`` recorded at finalization, when final."""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the epoch was attested and everything attested equals the recomputation."""
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready summary (hex strings for hashes)."""
        out = self.outcome
        details = out.details
        emission = [m + v for m, v in zip(details["miner_emission"], details["validator_emission"],
                                          strict=True)]  # fmt: skip
        final = None if self.final is None else {"payouts_root": _hex(self.final[0]),
                                                 "aux_hash": _hex(self.final[1])}  # fmt: skip
        attested = [{**_hex_fields(r.fields), "aux_hash": _hex(r.aux_hash),
                     "attesters": list(r.attesters), "tally": str(r.tally), "final": r.final,
                     "agrees": r.agrees, "differences": list(r.differences)}
                    for r in self.results]  # fmt: skip
        bonds = self.bonds
        return {
            "netuid": self.netuid,
            "epoch": self.epoch,
            "ok": self.ok,
            "problems": list(self.problems),
            "notes": list(self.notes),
            "chain_block": self.chain_block,
            "blocks": dict(details["blocks"]),
            "neurons": len(details["stake"]),
            "validators": [u for u, p in enumerate(details["permit"]) if p],
            "permitted_stake": str(self.permitted_stake),
            "revealed": list(details["revealed"]),
            "epoch_emission": str(out.epoch_emission),
            "previous_bonds": {
                "status": bonds.status,
                "epoch": bonds.epoch,
                "digest": _hex(bonds.digest),
            },
            "recomputed": {**_hex_fields(recomputed_fields(out)), "aux_hash": _hex(out.aux_hash)},
            "status": {"finalized": self.status.finalized, "voided": self.status.voided},
            "final": final,
            "attested": attested,
            "emission": {str(uid): str(amount) for uid, amount in enumerate(emission)},
        }


def _hex_fields(fields: dict[str, bytes]) -> dict[str, str | None]:
    return {name: _hex(value) for name, value in fields.items()}


def _hex(value: bytes | None) -> str | None:
    return None if value is None else "0x" + bytes(value).hex()


def recomputed_fields(outcome: EpochOutcome) -> dict[str, bytes]:
    """The fields of :data:`RESULT_FIELDS` of a computed result."""
    return {name: bytes(getattr(outcome, name)) for name in RESULT_FIELDS}


def _group(attestations: Iterable[Attestation]) -> list[tuple[Attestation, list[str], int]]:
    """One entry per distinct attested result: a representative, its attesters, its tally."""
    groups: dict[tuple[bytes, ...], tuple[Attestation, list[str], int]] = {}
    for att in attestations:
        key = tuple(bytes(getattr(att, n)) for n in RESULT_FIELDS)
        first, hotkeys, tally = groups.get(key, (att, [], 0))
        groups[key] = (first, [*hotkeys, att.hotkey], max(tally, att.tally))
    return sorted(groups.values(), key=lambda g: -g[2])


def _checked_bonds(subnets: Subnets, netuid: int, epoch: int,
                   sources: Iterable[BondsSource | None]) -> PreviousBonds:  # fmt: skip
    """The previous bonds, or a clear error when they cannot be known (yet)."""
    found = previous_bonds(subnets, netuid, epoch, sources=tuple(sources))
    if found.status == "missing":
        from noosphere.storage import make_cid, to_v0

        assert found.digest is not None
        cid = to_v0(make_cid(found.digest))
        raise ConsensusError(
            f"cannot recompute epoch {epoch} of subnet {netuid}: it starts from the bonds of "
            f"the finalized epoch {found.epoch}, file {cid}, which is not in the local store "
            "nor on any configured gateway",
            hint=GATEWAYS_HINT.replace("CID", cid),
        )
    if found.status == "pending":
        raise ConsensusError(
            f"cannot recompute epoch {epoch} of subnet {netuid} yet: the earlier epoch "
            f"{found.epoch} may still be finalized (until block {found.until}) and its bonds "
            "would count",
            hint=f"audit again from block {found.until}",
        )
    if found.status == "unattested":
        raise ConsensusError(
            f"cannot recompute epoch {epoch} of subnet {netuid}: no attestation names the "
            f"bonds of the finalized epoch {found.epoch} it starts from"
        )
    return found


def audit_epoch(subnets: Subnets, netuid: int, epoch: int, *,
                bonds_sources: Iterable[BondsSource | None] = ()) -> EpochAudit:  # fmt: skip
    """Recompute ``epoch`` of ``netuid`` from chain data and compare it with the chain's record.

    ``bonds_sources`` return a bonds file by its digest (a store and its gateways). Raises
    :class:`InputError` for an unknown subnet or an epoch whose reveals are not over, and
    :class:`ConsensusError` when the previous bonds cannot be found.
    """
    if not subnets.subnet_exists(netuid):
        count = subnets.subnet_count()
        hint = f"subnets here: 1 to {count}" if count else "no subnet yet"
        raise InputError(f"subnet {netuid} does not exist", hint=hint)
    start, close = epoch_window(subnets, netuid, epoch)
    now = subnets.chain.block_number
    if now < close:
        when = "has not started" if now < start else "is not closed"
        raise InputError(
            f"epoch {epoch} of subnet {netuid} {when}: its result can be recomputed from block "
            f"{close}, when its reveals are over (the chain is at block {now})",
            hint=f"see `noos subnet epoch {netuid} {epoch}`",
        )
    bonds = _checked_bonds(subnets, netuid, epoch, bonds_sources)
    outcome = compute_epoch(subnets, netuid, epoch, previous_bonds=bonds.data)
    status = subnets.status(netuid, epoch)
    final = subnets.final_result(netuid, epoch) if status.finalized else None
    attest_until = close + subnets.windows()[1]
    recomputed = recomputed_fields(outcome)
    results = []
    for att, hotkeys, tally in _group(subnets.attestations(netuid, epoch)):
        fields = {n: bytes(getattr(att, n)) for n in RESULT_FIELDS}
        differences = tuple(n for n in RESULT_FIELDS if fields[n] != recomputed[n])
        is_final = final is not None and final == (att.payouts_root, att.aux_hash)
        results.append(AttestedResult(fields, bytes(att.aux_hash), tuple(hotkeys), tally,
                                      differences, is_final))  # fmt: skip
    audit = EpochAudit(netuid, epoch, now, outcome, bonds, subnets.permitted_stake(netuid, epoch),
                       status, results, attest_until, final)  # fmt: skip
    _judge(audit)
    return audit


def _judge(audit: EpochAudit) -> None:
    """Fill ``audit.problems`` (what differs) and ``audit.notes`` (context)."""
    out, epoch = audit.outcome, audit.epoch
    if audit.status.voided:
        audit.notes.append(f"epoch {epoch} was voided by the DAO: its emission is not paid")
    if audit.bonds.status == "none":
        audit.notes.append("no finalized result in the look-back before this epoch: zero bonds")
    if not audit.results:
        if audit.chain_block < audit.attest_until:
            audit.problems.append(f"no attestation of epoch {epoch} yet (attestations are open "
                                  f"until block {audit.attest_until - 1})")  # fmt: skip
        else:
            audit.problems.append(f"nobody attested epoch {epoch} (the attestation window "
                                  f"closed at block {audit.attest_until - 1})")  # fmt: skip
        return
    if audit.final is not None:
        if audit.final != (out.payouts_root, out.aux_hash):
            named = next((r for r in audit.results if r.final), None)
            what = ", ".join(named.differences) if named else "payouts root / aux hash"
            audit.problems.append(
                f"the finalized result differs from the recomputation ({what}): finalized "
                f"payouts root 0x{audit.final[0].hex()}, recomputed 0x{out.payouts_root.hex()}"
            )
    elif not audit.status.voided:
        audit.notes.append(f"epoch {epoch} is not finalized")
    for result in audit.results:
        if result.agrees:
            continue
        diffs = "; ".join(f"{n.replace('_', ' ')} 0x{result.fields[n].hex()} instead of "
                          f"0x{recomputed_fields(out)[n].hex()}"
                          for n in result.differences)  # fmt: skip
        who = ", ".join(result.attesters)
        audit.problems.append(f"attested result of {who} differs: {diffs}")
    if out.payouts_root == EMPTY_ROOT:
        audit.notes.append("the recomputed result pays nobody")
