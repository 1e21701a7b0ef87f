"""Auditing epochs on anvil: the recomputation from chain data against attested and finalized
results — honest epochs pass, a colluding majority's wrong root and a lone wrong attestation
fail naming what differs, bad inputs and missing bonds are clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from noosphere.audit.epoch_audit import audit_epoch
from noosphere.chain.accounts import dev_account
from noosphere.chain.protocol import Protocol
from noosphere.errors import ConsensusError, InputError
from noosphere.nodes.runner import bonds_reader
from tests.integration._epoch_helpers import closed_epoch, engine_epochs, mine_to

pytestmark = pytest.mark.anvil
WRONG = b"\x01" * 32


def test_an_honestly_finalized_epoch_passes(protocol: Protocol) -> None:
    ce = closed_epoch(protocol)
    subnets, netuid, epoch, out = ce.subnets, ce.netuid, ce.epoch, ce.outcome
    for validator in ce.validators:
        ce.attest(validator)
    subnets.finalize(dev_account(0), netuid, epoch, out.payouts_root, out.aux_hash)

    audit = audit_epoch(subnets, netuid, epoch)
    assert audit.ok, audit.problems
    assert audit.outcome.payouts_root == out.payouts_root and audit.final == (
        out.payouts_root, out.aux_hash)  # fmt: skip
    assert len(audit.results) == 1 and audit.results[0].final and audit.results[0].agrees
    assert set(audit.results[0].attesters) == {v.address for v in ce.validators}
    data = audit.as_json()
    assert data["validators"] == [0, 1] and data["revealed"] == [0, 1]
    assert data["recomputed"]["payouts_root"] == "0x" + out.payouts_root.hex()
    assert data["blocks"]["close"] == subnets.epoch_start(netuid, epoch + 2)
    assert data["previous_bonds"]["status"] == "none"
    assert int(data["emission"]["2"]) > int(data["emission"]["3"]) > 0  # UID 2 scored best


def test_a_colluding_majority_finalizing_a_wrong_root_fails(protocol: Protocol) -> None:
    ce = closed_epoch(protocol)
    subnets, netuid, epoch, out = ce.subnets, ce.netuid, ce.epoch, ce.outcome
    for validator in ce.validators:  # both permit holders attest the same forged payouts
        ce.attest(validator, payouts_root=WRONG)
    subnets.finalize(dev_account(0), netuid, epoch, WRONG, out.aux_hash)

    audit = audit_epoch(subnets, netuid, epoch)
    assert not audit.ok
    assert audit.final == (WRONG, out.aux_hash)
    assert audit.results[0].differences == ("payouts_root",)
    text = " | ".join(audit.problems)
    assert "the finalized result differs from the recomputation (payouts_root)" in text
    assert f"finalized payouts root 0x{WRONG.hex()}, recomputed 0x{out.payouts_root.hex()}" in text
    assert f"payouts root 0x{WRONG.hex()} instead of 0x{out.payouts_root.hex()}" in text


def test_a_lone_wrong_attestation_is_named(protocol: Protocol) -> None:
    ce = closed_epoch(protocol)
    subnets, netuid, epoch, out = ce.subnets, ce.netuid, ce.epoch, ce.outcome
    honest, liar = ce.validators
    ce.attest(honest)
    ce.attest(liar, prune_root=WRONG, bonds_digest=WRONG)

    audit = audit_epoch(subnets, netuid, epoch)
    assert not audit.ok and audit.final is None
    assert f"epoch {epoch} is not finalized" in audit.notes
    right = next(r for r in audit.results if r.agrees)
    wrong = next(r for r in audit.results if not r.agrees)
    assert right.attesters == (honest.address,) and wrong.attesters == (liar.address,)
    assert wrong.differences == ("prune_root", "bonds_digest")
    assert audit.problems == [
        f"attested result of {liar.address} differs: prune root 0x{WRONG.hex()} instead of "
        f"0x{out.prune_root.hex()}; bonds digest 0x{WRONG.hex()} instead of "
        f"0x{out.bonds_digest.hex()}"
    ]


def test_no_attestation_and_bad_inputs(protocol: Protocol) -> None:
    ce = closed_epoch(protocol)
    subnets, netuid, epoch = ce.subnets, ce.netuid, ce.epoch
    audit = audit_epoch(subnets, netuid, epoch)
    assert not audit.ok
    assert audit.problems == [f"no attestation of epoch {epoch} yet (attestations are open "
                              f"until block {audit.attest_until - 1})"]  # fmt: skip
    mine_to(subnets, audit.attest_until)
    expired = audit_epoch(subnets, netuid, epoch)
    assert expired.problems == [f"nobody attested epoch {epoch} (the attestation window "
                                f"closed at block {audit.attest_until - 1})"]  # fmt: skip

    with pytest.raises(InputError, match=f"subnet {netuid + 1} does not exist"):
        audit_epoch(subnets, netuid + 1, epoch)
    later = subnets.current_epoch(netuid)
    with pytest.raises(InputError, match=f"epoch {later} of subnet {netuid} is not closed"):
        audit_epoch(subnets, netuid, later)
    with pytest.raises(InputError, match=f"epoch {later + 5} of subnet {netuid} has not started"):
        audit_epoch(subnets, netuid, later + 5)


def test_an_epoch_starting_from_previous_bonds_needs_them(
    protocol: Protocol, tmp_path: Path
) -> None:
    run = engine_epochs(protocol, tmp_path)
    second = run.first + 1
    audit = audit_epoch(run.subnets, run.netuid, second, bonds_sources=(bonds_reader(run.store),))
    assert audit.ok, audit.problems
    assert audit.bonds.status == "found" and audit.bonds.epoch == run.first
    assert audit.results and all(r.agrees for r in audit.results)
    assert audit_epoch(run.subnets, run.netuid, run.first).ok  # zero bonds: no source needed

    with pytest.raises(ConsensusError, match="NOOS_GATEWAYS") as refused:
        audit_epoch(run.subnets, run.netuid, second, bonds_sources=(lambda _digest: None,))
    assert f"bonds of the finalized epoch {run.first}" in str(refused.value)
