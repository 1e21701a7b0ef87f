"""Real model lineages on anvil for the audit tests: ONNX models trained on digits and stored
by CID, metadata documents with a public test split, a data-market dataset with orders, and
compute-to-data receipts signed by the dataset's publisher (or by a provider hotkey that the
dataset's metadata document names).

:func:`three_generations` registers model 1 (trainer, an ordered dataset), model 2 (trainer,
parent 1, a dataset with a signed receipt whose output is model 2's artifact) and model 3
(licensee, parent 2 under a fine-tune licence, an ordered dataset).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from eth_account.signers.local import LocalAccount

from noosphere import ml
from noosphere.chain.model_types import DatasetUse, Provenance
from noosphere.data.metadata import EnvelopeInfo, ProviderBinding, build_metadata
from noosphere.data.receipts import ComputeReceipt, metrics_hash, sign_receipt
from noosphere.ml.inference import Predictor
from noosphere.ml.metrics import accuracy
from noosphere.models.metadata import ModelMetadata, TestSplit
from noosphere.storage import Store
from tests.integration._models_helpers import (
    DATA_CONTENT,
    DATA_METADATA,
    DATA_PRICE,
    ENDPOINT,
    NOOS,
    ModelActors,
)
from tests.unit._ml_models import digits, digits_spec, eval_split

RECIPE = "0x" + hashlib.sha256(b"logreg recipe v1").hexdigest()
RECIPE_HASH = bytes.fromhex(RECIPE[2:])
PARAMS = "0x" + hashlib.sha256(b"{}").hexdigest()
TASK = {"kind": "classification",
        "input": {"name": "input", "dtype": "float32", "n_features": 64},
        "output": {"name": "probabilities", "n_classes": 10}}  # fmt: skip
DAY = 86_400


@cache
def onnx_model(rows: int) -> bytes:
    """Logistic regression trained on the first ``rows`` rows of the digits training split."""
    train = digits_spec().training_split(digits())
    return ml.to_onnx(ml.train("logreg", train.X[:rows], train.y[:rows], seed=0), 64)


@cache
def test_table() -> tuple[bytes, np.ndarray, np.ndarray]:
    """A CSV test table (64 features and a ``label`` column) and its X, y."""
    split = eval_split()
    X, y = split.X[:200], split.y[:200]
    header = ",".join([*(f"f{i}" for i in range(64)), "label"])
    lines = [header] + [",".join([*(repr(float(v)) for v in row), str(int(label))])
                        for row, label in zip(X, y, strict=True)]  # fmt: skip
    return ("\n".join(lines) + "\n").encode(), X, y


def measured_accuracy(onnx: bytes) -> float:
    """The model's accuracy on the test table, computed with onnxruntime in process."""
    _, X, y = test_table()
    return float(accuracy(Predictor(onnx).predict_proba(X.astype(np.float32)), y))


@dataclass
class Lineage:
    """The registered lineage and what it was built from."""

    actors: ModelActors
    store: Store
    data_id: int
    artifacts: dict[int, str] = field(default_factory=dict)  # model id -> artifact CID
    metadata: dict[int, str] = field(default_factory=dict)  # model id -> metadata CID
    receipt: ComputeReceipt | None = None


def publish_dataset(actors: ModelActors, validity: int = 30 * DAY, *, store: Store | None = None,
                    provider_signer: str | None = None) -> int:  # fmt: skip
    """A training dataset of the publisher's that allows :data:`RECIPE`. With ``store``, its
    metadata is a real document stored there, naming ``provider_signer`` if given (else a CID
    of nothing stored)."""
    metadata = DATA_METADATA if store is None else data_metadata(store, provider_signer)
    return actors.data.publish(actors.publisher, metadata, DATA_CONTENT, ENDPOINT,
                               DATA_PRICE, validity=validity, uses=("training",),
                               recipes=(RECIPE,))  # fmt: skip


def data_metadata(store: Store, provider_signer: str | None = None) -> str:
    """The stored metadata document of the test table's dataset (its CID), naming
    ``provider_signer`` as the key that signs its receipts if given."""
    table, X, _ = test_table()
    columns = [{"name": f"f{i}", "type": "float"} for i in range(X.shape[1])]
    profile = {"rows": len(X), "columns": [*columns, {"name": "label", "type": "int"}],
               "label": "label", "task": "classification"}  # fmt: skip
    provider = None if provider_signer is None else ProviderBinding(ENDPOINT, provider_signer)
    metadata = build_metadata(title="digits", format="csv", size=len(table), profile=profile,
                              envelope=EnvelopeInfo(1 << 20, len(table) + 102),
                              provider=provider)  # fmt: skip
    return v1_cid(store.put_bytes(metadata.to_json(), name="data-metadata.json"))


def signed_receipt(actors: ModelActors, data_id: int, output_cid: str, order_id: int = 0,
                   signer: LocalAccount | None = None) -> ComputeReceipt:  # fmt: skip
    """A compute-to-data receipt for ``data_id`` whose output is ``output_cid``, signed by
    ``signer`` (default: the publisher, who owns the dataset) naming itself as provider."""
    account = signer or actors.publisher
    metrics = {"accuracy": 0.9, "n_test": 100}
    unsigned = ComputeReceipt(
        chain_id=actors.chain.chain_id, licences=actors.data.licences.address, data_id=data_id,
        dataset_cid=DATA_CONTENT, recipe_hash=RECIPE, params_hash=PARAMS, output_cid=output_cid,
        metrics_hash=metrics_hash(metrics), order_id=order_id, provider=account.address,
        finished_at=1_700_000_000, metrics=metrics,
    )  # fmt: skip
    return sign_receipt(account, unsigned)


def store_model(
    store: Store,
    onnx: bytes,
    *,
    receipts: tuple[ComputeReceipt, ...] = (),
    declared: float | None = None,
    name: str = "digits",
) -> tuple[str, str]:
    """Store an artifact and its metadata (test split declared at ``declared``, default the
    true accuracy); their CIDv1 texts."""
    table, _, _ = test_table()
    table_cid = str(store.put_bytes(table, name="test.csv"))
    value = measured_accuracy(onnx) if declared is None else declared
    metadata = ModelMetadata(
        name=name, description="logistic regression on digits", task=TASK,
        metrics={"accuracy": value}, test_split=TestSplit(table_cid, "label", "accuracy", value),
        receipts=tuple(r.to_dict() for r in receipts),
    )  # fmt: skip
    artifact = store.put_bytes(onnx, name="model.onnx")
    meta = store.put_bytes(metadata.to_json(), name="metadata.json")
    return v1_cid(artifact), v1_cid(meta)


def v1_cid(cid: Any) -> str:
    """The CIDv1 text of a stored CID (as ModelNFT returns it)."""
    from noosphere.storage.cid import to_v1

    return to_v1(bytes(cid))


def three_generations(actors: ModelActors, store: Store, **tamper: Any) -> Lineage:
    """Models 1 ← 2 ← 3 (see the module notes). ``tamper`` changes one link of model 2 or 3:
    ``receipt_signer`` (another key signs model 2's receipt), ``metadata_signer`` (the dataset's
    metadata names this address as its provider's signing key), ``receipt_output`` (the receipt
    names another output), ``declared`` (model 3's declared accuracy), ``expire_order`` (model
    3's order expires before it is registered), ``expire_licence`` (the licensee's fine-tune
    licence of model 2 expires before model 3 is registered)."""
    models, trainer, licensee = actors.models, actors.trainer, actors.licensee
    data_id = publish_dataset(
        actors,
        validity=DAY if tamper.get("expire_order") else 30 * DAY,
        store=store,
        provider_signer=tamper.get("metadata_signer"),
    )
    lineage = Lineage(actors, store, data_id)

    artifact, meta = store_model(store, onnx_model(300), name="generation 1")
    uses = (DatasetUse(data_id, actors.order(trainer, data_id)),)
    first = models.register(trainer, artifact, meta, Provenance(uses, recipe=RECIPE_HASH))
    lineage.artifacts[first], lineage.metadata[first] = artifact, meta

    onnx = onnx_model(600)
    artifact_2 = v1_cid(store.put_bytes(onnx, name="model.onnx"))
    output = tamper.get("receipt_output") or artifact_2
    receipt = signed_receipt(actors, data_id, output, signer=tamper.get("receipt_signer"))
    artifact, meta = store_model(store, onnx, receipts=(receipt,), name="generation 2")
    second = models.register(trainer, artifact, meta, Provenance(
        datasets=(DatasetUse(data_id, 0, receipt.digest()),), parents=(first,),
        recipe=RECIPE_HASH))  # fmt: skip
    lineage.artifacts[second], lineage.metadata[second] = artifact, meta
    lineage.receipt = receipt

    licence_days = 1 if tamper.get("expire_licence") else 30
    models.set_terms(trainer, second, "fine-tune", 5 * NOOS, validity=licence_days * DAY)
    models.buy(licensee, second, "fine-tune")
    order = actors.order(licensee, data_id)
    if tamper.get("expire_order") or tamper.get("expire_licence"):
        actors.chain.rpc("evm_increaseTime", [DAY + 60])
        actors.chain.mine(1)
    artifact, meta = store_model(store, onnx_model(1_000), declared=tamper.get("declared"),
                                 name="generation 3")  # fmt: skip
    third = models.register(licensee, artifact, meta, Provenance(
        datasets=(DatasetUse(data_id, order),), parents=(second,), recipe=RECIPE_HASH))  # fmt: skip
    lineage.artifacts[third], lineage.metadata[third] = artifact, meta
    return lineage
