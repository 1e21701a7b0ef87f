"""``noos audit epoch`` and ``noos audit model`` as users run them: verdicts, exit codes, JSON,
and one clear error line for bad input.

Epochs and lineages are produced on anvil through the library (as in the integration tests);
only the audits go through the CLI.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.manifest import Manifest
from noosphere.chain.protocol import Protocol
from noosphere.storage import Store, parse_cid
from noosphere.storage.gateway import create_app as create_gateway
from tests._servers import ThreadServer
from tests.conftest import Anvil
from tests.e2e.conftest import Runner, assert_clean_error
from tests.integration._epoch_helpers import closed_epoch, engine_epochs
from tests.integration._lineage_helpers import three_generations
from tests.integration._models_helpers import model_actors

pytestmark = pytest.mark.anvil


@pytest.fixture
def audit_cli(noos: Runner, noos_home: Path, anvil: Anvil,
              deployed_home: tuple[Path, Manifest]) -> Runner:  # fmt: skip
    """``noos --rpc URL audit ...`` with the deployment in the isolated home."""
    shutil.copytree(deployed_home[0] / "deployments", noos_home / "deployments")

    def run(*args: str, **kwargs: object) -> object:
        return noos("--rpc", anvil.url, "audit", *args, **kwargs)

    return run  # type: ignore[return-value]


def test_audit_epoch_passes_then_fails_on_a_forged_root(
    protocol: Protocol, audit_cli: Runner
) -> None:
    ce = closed_epoch(protocol)
    subnets, netuid, epoch, out = ce.subnets, ce.netuid, ce.epoch, ce.outcome
    honest, liar = ce.validators
    ce.attest(honest)
    subnets.finalize(dev_account(0), netuid, epoch, out.payouts_root, out.aux_hash)

    ok = audit_cli("epoch", str(netuid), str(epoch))
    assert ok.returncode == 0, ok.stderr
    said = " ".join(ok.stdout.replace("│", " ").split())
    assert f"audit of epoch {epoch} of subnet {netuid}: inputs" in said
    assert "revealed weights 2 (UIDs 0, 1)" in said and "status final" in said
    assert "top 4 UIDs by emission (recomputed)" in said and "verdict: PASS" in said
    data = json.loads(audit_cli("epoch", str(netuid), str(epoch), "--json").stdout)
    assert data["ok"] and data["recomputed"]["payouts_root"] == "0x" + out.payouts_root.hex()

    ce.attest(liar, emission_root=b"\x07" * 32)  # a late, wrong attestation
    failed = audit_cli("epoch", str(netuid), str(epoch))
    assert failed.returncode == 1 and "verdict: FAIL" in failed.stdout
    differs = f"attested result of {liar.address} differs: emission root 0x0707"
    assert_clean_error(failed, f"epoch {epoch} of subnet {netuid} fails the audit", differs)


def test_audit_epoch_finds_previous_bonds_through_gateways(
    protocol: Protocol, audit_cli: Runner, tmp_path: Path
) -> None:
    run = engine_epochs(protocol, tmp_path)
    second = str(run.first + 1)
    refused = audit_cli("epoch", str(run.netuid), second)
    assert_clean_error(refused, f"bonds of the finalized epoch {run.first}", "NOOS_GATEWAYS")
    gateway = ThreadServer(create_gateway(run.store))
    try:
        done = audit_cli("epoch", str(run.netuid), second, env={"NOOS_GATEWAYS": gateway.url})
    finally:
        gateway.stop()
    assert done.returncode == 0, done.stderr
    assert f"of finalized epoch {run.first}" in done.stdout and "verdict: PASS" in done.stdout


def test_audit_epoch_bad_inputs(protocol: Protocol, audit_cli: Runner) -> None:
    ce = closed_epoch(protocol)
    netuid, epoch = ce.netuid, ce.epoch
    assert_clean_error(audit_cli("epoch", "abc", "1"), "netuid 'abc' is not a number")
    assert_clean_error(audit_cli("epoch", str(netuid), "x"), "epoch 'x' is not a number")
    assert_clean_error(audit_cli("epoch", str(netuid + 1), "1"),
                       f"subnet {netuid + 1} does not exist")  # fmt: skip
    future = str(ce.subnets.current_epoch(netuid) + 3)
    assert_clean_error(audit_cli("epoch", str(netuid), future), "has not started",
                       "can be recomputed from block")  # fmt: skip
    unattested = audit_cli("epoch", str(netuid), str(epoch))
    assert_clean_error(unattested, f"no attestation of epoch {epoch} yet")


def test_audit_model_prints_the_lineage_and_names_a_tampered_link(
    protocol: Protocol, audit_cli: Runner, noos_home: Path, tmp_path: Path
) -> None:
    store = Store(noos_home, sync=False)  # the CLI's own store holds every content
    lineage = three_generations(model_actors(protocol), store)
    ok = audit_cli("model", "3")
    assert ok.returncode == 0, ok.stderr
    said = ok.stdout
    expected = [
        "✓ model 3 generation 3",
        "✓ model 2 generation 2",
        "✓ model 1 generation 1",
        "✓ parent 2 licence:",
        "✓ test split accuracy: declared",
        "verdict: PASS",
    ]
    for line in expected:
        assert line in said, said
    data = json.loads(audit_cli("model", "3", "--json").stdout)
    assert data["ok"] and [p["model_id"] for p in data["parents"]] == [2]

    mirror = tmp_path / "mirror"  # a gateway that still has the original blocks
    shutil.copytree(noos_home / "blocks", mirror / "blocks")
    cid = lineage.artifacts[1]
    path = store.blockstore.path_for(bytes(parse_cid(cid).raw_digest))
    path.write_bytes(path.read_bytes()[:-1] + b"!")
    failed = audit_cli("model", "3")
    assert failed.returncode == 1 and "✗ model 1 generation 1" in failed.stdout
    assert "verdict: FAIL" in failed.stdout
    assert_clean_error(failed, "model 3 fails the audit: model 3 → model 2 → model 1 → artifact: "
                       f"{cid} cannot be fetched and verified")  # fmt: skip
    # Missing from the local store, fetched (and verified) from a gateway instead.
    path.unlink()
    gateway = ThreadServer(create_gateway(Store(mirror, sync=False)))
    try:
        fetched = audit_cli("model", "1", env={"NOOS_GATEWAYS": gateway.url})
    finally:
        gateway.stop()
    assert fetched.returncode == 0, fetched.stderr


def test_audit_model_bad_inputs(protocol: Protocol, audit_cli: Runner) -> None:
    assert_clean_error(audit_cli("model", "abc"), "model id 'abc' is not a number")
    assert_clean_error(audit_cli("model", "0"), "model id 0 is not positive")
    count = protocol.models.model_count()
    assert_clean_error(audit_cli("model", str(count + 1)), f"no model {count + 1}")
