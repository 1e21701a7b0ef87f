"""Auditing model lineages on anvil: a three-generation lineage with real ONNX artifacts, a signed
compute-to-data receipt, data-market orders and a fine-tune licence passes, also when the
receipt's signer is a provider hotkey that the dataset's metadata names; a failure at each
link is named by its path (tampered artifact or metadata, forged receipt, a hotkey the dataset's
metadata does not name or metadata that cannot be fetched, receipt output,
expired order, expired parent licence, test-split mismatch)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from eth_account import Account

from noosphere.audit.model import ModelAudit, ModelAuditor
from noosphere.chain.model_types import DatasetUse, Provenance
from noosphere.chain.models import cid_bytes
from noosphere.chain.protocol import Protocol
from noosphere.errors import ModelNotFoundError, ProvenanceError, TransactionRevertedError
from noosphere.storage import Store, parse_cid
from noosphere.storage.gateway import create_app as create_gateway
from tests._servers import ThreadServer
from tests.integration._lineage_helpers import (
    Lineage,
    onnx_model,
    publish_dataset,
    store_model,
    three_generations,
    v1_cid,
)
from tests.integration._models_helpers import model_actors

pytestmark = pytest.mark.anvil


def _lineage(protocol: Protocol, tmp_path: Path, **tamper: object) -> Lineage:
    store = Store(tmp_path / "store", sync=False)
    return three_generations(model_actors(protocol), store, **tamper)


def _audit(lineage: Lineage, model_id: int = 3) -> tuple[ModelAudit, list[str]]:
    audit = ModelAuditor(lineage.actors.models, lineage.store).audit(model_id)
    return audit, audit.failures()


def _corrupt(store: Store, cid: str) -> None:
    path = store.blockstore.path_for(bytes(parse_cid(cid).raw_digest))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_three_generation_lineage_passes(protocol: Protocol, tmp_path: Path) -> None:
    lineage = _lineage(protocol, tmp_path)
    audit, failures = _audit(lineage)
    assert failures == [] and audit.ok
    tree = list(audit.walk())
    assert [a.model_id for a in tree] == [3, 2, 1]
    checks = {(a.model_id, c.name): c for a in tree for c in a.checks}
    data_id = lineage.data_id
    for model_id in (1, 2, 3):
        for name in ("registration", "artifact", "metadata", "onnx", "test split table",
                     "test split accuracy"):  # fmt: skip
            assert checks[(model_id, name)].status == "pass", checks[(model_id, name)]
    assert checks[(3, "parent 2 licence")].reason.startswith(
        f"{lineage.actors.licensee.address} held a valid fine-tune licence"
    )
    assert checks[(2, "parent 1 licence")].reason.startswith("owned by")
    receipt = next(c for (m, n), c in checks.items() if m == 2 and "receipt" in n)
    assert receipt.status == "pass" and "signed by the provider" in receipt.reason
    assert checks[(3, f"dataset {data_id} order 2")].status == "pass"
    data = audit.as_json()
    assert data["ok"] and data["parents"][0]["model_id"] == 2


def test_a_tampered_artifact_fails_on_that_link(protocol: Protocol, tmp_path: Path) -> None:
    lineage = _lineage(protocol, tmp_path)
    mirror = tmp_path / "mirror"  # a gateway's copy of the original blocks
    shutil.copytree(tmp_path / "store" / "blocks", mirror / "blocks")
    _corrupt(lineage.store, lineage.artifacts[2])
    _, failures = _audit(lineage)
    assert failures[0].startswith(f"model 3 → model 2 → artifact: {lineage.artifacts[2]} cannot "
                                  "be fetched and verified")  # fmt: skip
    assert "corrupt" in failures[0]
    assert all(f.startswith("model 3 → model 2 →") for f in failures)  # model 3 itself passes
    # Missing from the store, with no gateway: a failure too.
    path = lineage.store.blockstore.path_for(bytes(parse_cid(lineage.artifacts[1]).raw_digest))
    path.unlink()
    _, failures = _audit(lineage, 1)
    assert failures[0].startswith(f"model 1 → artifact: {lineage.artifacts[1]}")
    assert "not in the local store" in failures[0]
    # A gateway that has the content: both artifacts are fetched from it and verified.
    gateway = ThreadServer(create_gateway(Store(mirror, sync=False)))
    try:
        store = Store(tmp_path / "store", gateways=[gateway.url], sync=False)
        audit = ModelAuditor(lineage.actors.models, store).audit(3)
    finally:
        gateway.stop()
    assert audit.ok, audit.failures()
    artifact_2 = next(c for c in audit.parents[0].checks if c.name == "artifact")
    assert artifact_2.reason.endswith("(the local copy is corrupt; fetched from a gateway)")


def test_tampered_metadata_fails(protocol: Protocol, tmp_path: Path) -> None:
    lineage = _lineage(protocol, tmp_path)
    _corrupt(lineage.store, lineage.metadata[2])
    _, failures = _audit(lineage, 2)
    assert failures[0].startswith(f"model 2 → metadata: {lineage.metadata[2]} cannot be fetched")
    receipt = [f for f in failures if "receipt" in f]
    assert receipt and receipt[0].endswith("the model's metadata is unavailable, so is the receipt")


def test_a_receipt_signed_by_another_key_fails(protocol: Protocol, tmp_path: Path) -> None:
    forger = Account.create()
    lineage = _lineage(protocol, tmp_path, receipt_signer=forger)
    _, failures = _audit(lineage, 2)
    assert lineage.receipt is not None
    short = "0x" + lineage.receipt.digest().hex()[:8] + "…"
    metadata = lineage.actors.data.dataset(lineage.data_id).metadata_cid
    assert failures == [
        f"model 2 → dataset {lineage.data_id} receipt {short}: signature is not the provider's: "
        f"signed by {forger.address}; dataset {lineage.data_id} accepts "
        f"{lineage.actors.publisher.address} (owner); its metadata {metadata} names no provider "
        "signer"
    ]


def test_a_receipt_signed_by_the_provider_hotkey_its_metadata_names_passes(
    protocol: Protocol, tmp_path: Path
) -> None:
    hotkey = Account.create()  # the provider node's key: neither the owner nor the manager
    lineage = _lineage(protocol, tmp_path, receipt_signer=hotkey, metadata_signer=hotkey.address)
    audit, failures = _audit(lineage)
    assert failures == [] and audit.ok
    metadata = lineage.actors.data.dataset(lineage.data_id).metadata_cid
    receipt = next(c for c in audit.parents[0].checks if "receipt" in c.name)
    assert receipt.status == "pass" and receipt.reason.startswith(
        f"signed by the provider {hotkey.address} (provider named by its metadata {metadata})"
    )


def test_a_receipt_signed_by_a_hotkey_its_metadata_does_not_name_fails(
    protocol: Protocol, tmp_path: Path
) -> None:
    hotkey, named = Account.create(), Account.create()
    lineage = _lineage(protocol, tmp_path, receipt_signer=hotkey, metadata_signer=named.address)
    _, failures = _audit(lineage, 2)
    metadata = lineage.actors.data.dataset(lineage.data_id).metadata_cid
    assert len(failures) == 1 and failures[0].endswith(
        f"signature is not the provider's: signed by {hotkey.address}; dataset "
        f"{lineage.data_id} accepts {lineage.actors.publisher.address} (owner), {named.address} "
        f"(provider named by its metadata {metadata})"
    )


def test_unavailable_dataset_metadata_fails_naming_it(protocol: Protocol, tmp_path: Path) -> None:
    hotkey = Account.create()
    lineage = _lineage(protocol, tmp_path, receipt_signer=hotkey, metadata_signer=hotkey.address)
    metadata = lineage.actors.data.dataset(lineage.data_id).metadata_cid
    _corrupt(lineage.store, metadata)
    _, failures = _audit(lineage, 2)
    assert len(failures) == 1, failures
    assert f"signed by {hotkey.address}, not the owner or manager of dataset" in failures[0]
    assert (
        f"its metadata {metadata}, which may name another provider signer, cannot be "
        in (failures[0])
    )
    assert "NOOS_GATEWAYS" in failures[0]


def test_a_receipt_for_another_output_fails(protocol: Protocol, tmp_path: Path) -> None:
    other = v1_cid(Store(tmp_path / "elsewhere", sync=False).put_bytes(b"not the model"))
    lineage = _lineage(protocol, tmp_path, receipt_output=other)
    _, failures = _audit(lineage, 2)
    assert len(failures) == 1
    assert f"its output {other} is not the model's artifact {lineage.artifacts[2]}" in failures[0]


def test_an_order_expired_before_registration_fails(protocol: Protocol, tmp_path: Path) -> None:
    lineage = _lineage(protocol, tmp_path, expire_order=True)
    _, failures = _audit(lineage)
    assert len(failures) == 1, failures
    assert failures[0].startswith(f"model 3 → dataset {lineage.data_id} order 2: expired at")
    assert "before the registration at" in failures[0]


def test_an_expired_parent_licence_fails(protocol: Protocol, tmp_path: Path) -> None:
    lineage = _lineage(protocol, tmp_path, expire_licence=True)
    _, failures = _audit(lineage)
    assert failures == [failures[0]] and failures[0].startswith(
        f"model 3 → parent 2 licence: {lineage.actors.licensee.address} neither owned model 2 "
        "nor held a valid fine-tune licence of it at the registration time")  # fmt: skip


def test_a_wrong_declared_metric_fails(protocol: Protocol, tmp_path: Path) -> None:
    lineage = _lineage(protocol, tmp_path, declared=0.5)
    _, failures = _audit(lineage)
    assert len(failures) == 1 and failures[0].startswith(
        "model 3 → test split accuracy: declared 0.5, measured 0.")  # fmt: skip


def test_what_the_chain_already_refuses_and_unknown_ids(protocol: Protocol, tmp_path: Path) -> None:
    lineage = _lineage(protocol, tmp_path)
    actors = lineage.actors
    someone_elses = actors.order(actors.trainer, lineage.data_id)  # started for the trainer
    artifact, meta = store_model(lineage.store, b"\x08\x07", declared=0.0, name="stranger's")
    uses = (DatasetUse(lineage.data_id, someone_elses),)
    with pytest.raises(ProvenanceError, match="was started for"):  # the client refuses first
        actors.models.register(actors.stranger, artifact, meta, Provenance(datasets=uses))
    fn = actors.models.nft.functions.register(cid_bytes(artifact, "a"), cid_bytes(meta, "m"),
                                              Provenance(datasets=uses).as_abi(),
                                              [(actors.stranger.address, 10_000)], 0)  # fmt: skip
    with pytest.raises(TransactionRevertedError, match="order not started for the registrant"):
        actors.chain.transact(actors.stranger, fn)  # and so does ModelNFT
    with pytest.raises(ModelNotFoundError, match="no model 4"):
        ModelAuditor(actors.models, lineage.store).audit(4)


def test_a_community_model_accepts_the_winners_order(protocol: Protocol, tmp_path: Path) -> None:
    actors = model_actors(protocol)
    store = Store(tmp_path / "store", sync=False)
    data_id = publish_dataset(actors)
    order = actors.order(actors.trainer, data_id)  # the winner trained on it
    nft = actors.models.nft
    role = actors.chain.call(nft.functions.COMMUNITY_ROLE())
    actors.chain.transact(actors.admin, nft.functions.grantRole(role, actors.admin.address))
    artifact, meta = store_model(store, onnx_model(300), name="community")
    provenance = Provenance(datasets=(DatasetUse(data_id, order),), netuid=1, epoch=7)
    model_id = actors.models.register_community(actors.admin, artifact, meta, provenance,
                                                actors.trainer.address)  # fmt: skip
    audit = ModelAuditor(actors.models, store).audit(model_id)
    assert audit.ok, audit.failures()
    checks = {c.name: c for c in audit.checks}
    assert checks[f"dataset {data_id} order {order}"].reason.startswith(
        f"started for {actors.trainer.address}"
    )
    winner = checks["community winner"]
    assert winner.status == "skip" and "not checked against the epoch's consensus" in winner.reason
