"""The model metadata document (``noosphere.model/1``): canonical bytes, a round trip, and a
clear :class:`ModelMetadataError` naming the field for every malformed one."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from eth_account import Account

from noosphere.data.receipts import ComputeReceipt, metrics_hash, sign_receipt
from noosphere.errors import MetadataError, ModelMetadataError
from noosphere.models import SCHEMA, ModelMetadata, TestSplit
from noosphere.models.metadata import receipt_digest_hex

PROVIDER = Account.from_key("0x" + "51" * 32)
TABLE = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
TASK = {"kind": "classification", "input": {"name": "input", "dtype": "float32", "n_features": 64},
        "output": {"name": "probabilities", "n_classes": 10}}  # fmt: skip


def _receipt() -> ComputeReceipt:
    metrics = {"accuracy": 0.9}
    return sign_receipt(PROVIDER, ComputeReceipt(
        chain_id=31337, licences="0x" + "4c" * 20, data_id=7,
        dataset_cid="QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", recipe_hash="0x" + "ab" * 32,
        params_hash="0x" + "cd" * 32, output_cid=TABLE, metrics_hash=metrics_hash(metrics),
        order_id=12, provider=PROVIDER.address, finished_at=1_750_000_000, metrics=metrics,
    ))  # fmt: skip


RECEIPT = _receipt()


def _doc() -> ModelMetadata:
    return ModelMetadata(
        name="digits-mlp", description="An MLP on digits.\nTwo layers.", task=copy.deepcopy(TASK),
        metrics={"accuracy": 0.97, "log_loss": 0.1}, model_card="# digits-mlp\n",
        test_split=TestSplit(TABLE, "target", "accuracy", 0.97), receipts=(RECEIPT.to_dict(),),
    )  # fmt: skip


def test_round_trip_and_canonical_bytes() -> None:
    doc = _doc()
    data = doc.to_json()
    assert data == json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode()  # fmt: skip
    assert json.loads(data)["schema"] == SCHEMA == "noosphere.model/1"
    back = ModelMetadata.from_json(data)
    assert back == doc and back.to_json() == data
    assert back.compute_receipts == [RECEIPT]
    assert receipt_digest_hex(back.receipts[0]) == "0x" + RECEIPT.digest().hex()
    spaced = json.dumps(json.loads(data), indent=2).encode()  # any spelling reads the same
    assert ModelMetadata.from_json(spaced) == doc


def test_regression_and_no_test_split() -> None:
    task = {"kind": "regression", "input": {"name": "x", "dtype": "float64", "n_features": 3},
            "output": {"name": "y"}}  # fmt: skip
    doc = ModelMetadata("r", "", task, {"rmse": 1.5})
    assert doc.test_split is None and doc.receipts == ()
    assert ModelMetadata.from_json(doc.to_json()) == doc


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for key in parents:
            target = target[key] if not key.isdigit() else target[int(key)]
        if value is _DELETE:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return apply


_DELETE = object()
BAD: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (_set("schema", "noosphere/data-metadata"), "schema"),
    (_set("extra", 1), "unknown field 'extra'"),
    (_set("receipts", _DELETE), "missing field 'receipts'"),
    (_set("name", ""), "name is empty"),
    (_set("name", 5), "name must be a string"),
    (_set("name", "x" * 201), "name has 201 characters"),
    (_set("name", "a\nb"), "name contains the control character"),
    (_set("description", None), "description must be a string"),
    (_set("model_card", ["x"]), "model_card must be a string"),
    (_set("task", "classification"), "task must be an object"),
    (_set("task.kind", "ranking"), "task.kind 'ranking'"),
    (_set("task.extra", 1), "task has unknown field extra"),
    (_set("task.input.dtype", "float16"), "task.input.dtype"),
    (_set("task.input.n_features", 0), "task.input.n_features must be at least 1"),
    (_set("task.input.n_features", 1.5), "task.input.n_features must be a non-negative integer"),
    (_set("task.input.name", "two words"), "task.input.name"),
    (_set("task.output.n_classes", 1), "task.output.n_classes must be at least 2"),
    (_set("task.output.n_classes", _DELETE), "task.output has missing field n_classes"),
    (_set("task.output", {"name": "p"}), "task.output has missing field n_classes"),
    (_set("metrics", []), "metrics must be an object"),
    (_set("metrics.Accuracy", 0.5), "metrics key 'Accuracy'"),
    (_set("metrics.accuracy", "high"), "metrics.accuracy must be a finite number"),
    (_set("metrics.accuracy", True), "metrics.accuracy must be a finite number"),
    (_set("test_split", "bafy"), "test_split must be an object"),
    (_set("test_split.cid", "not-a-cid"), "test_split.cid"),
    (_set("test_split.cid", 5), "test_split.cid must be a CID string"),
    (_set("test_split.label", ""), "test_split.label is empty"),
    (_set("test_split.metric", "top 1"), "test_split.metric"),
    (_set("test_split.value", None), "test_split.value must be a finite number"),
    (_set("test_split.seed", 1), "test_split has unknown field seed"),
    (_set("receipts", {}), "receipts must be a list"),
    (_set("receipts", [{"type": "x"}]), "receipts[0]"),
    (_set("receipts.0.signature", ""), "receipts[0] is not signed"),
    (_set("receipts.0.message.dataId", -1), "receipts[0]"),
    (_set("receipts", [RECEIPT.to_dict()] * 9), "9 receipts, more than 8"),
]


@pytest.mark.parametrize(("mutate", "fragment"), BAD, ids=[b[1][:40] for b in BAD])
def test_every_bad_field_is_named(mutate: Callable[[dict[str, Any]], None], fragment: str) -> None:
    raw = json.loads(_doc().to_json())
    mutate(raw)
    data = json.dumps(raw).encode()
    with pytest.raises(ModelMetadataError) as info:
        ModelMetadata.from_json(data)
    assert fragment in str(info.value)
    assert str(info.value).startswith("model metadata:")
    assert isinstance(info.value, MetadataError)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{", "not valid JSON"),
        (b"[]", "expected a JSON object"),
        (b'{"name": 1, "name": 2}', "appears twice"),
        (b'{"metrics": {"accuracy": NaN}}', "NaN is not a JSON number"),
        (b"[" * 100 + b"]" * 100, "nested too deeply"),
        (b" " * (1 << 20) + b"{}", "more than the"),
    ],
)
def test_malformed_bytes(data: bytes, fragment: str) -> None:
    with pytest.raises(ModelMetadataError, match="model metadata") as info:
        ModelMetadata.from_json(data)
    assert fragment in str(info.value)


def test_construction_checks_as_reading_does() -> None:
    with pytest.raises(ModelMetadataError, match=r"task\.kind"):
        ModelMetadata("m", "", {**TASK, "kind": "ranking"}, {})
    with pytest.raises(ModelMetadataError, match=r"metrics\.accuracy must be a finite number"):
        ModelMetadata("m", "", TASK, {"accuracy": float("inf")})
