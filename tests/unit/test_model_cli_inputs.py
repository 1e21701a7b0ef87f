"""Parsing the options of ``noos model`` (in-process): ids, terms, splits, datasets with orders
or receipts, recipes, hashes, metrics, artifacts and the task read from an ONNX model; each bad
value refused with a message naming the option."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from eth_account import Account
from eth_utils import to_checksum_address

from noosphere.chain.models import FINE_TUNE, INFERENCE, DatasetUse
from noosphere.cli import _model_inputs as inputs
from noosphere.data.receipts import ComputeReceipt, metrics_hash, sign_receipt
from noosphere.errors import InputError, SplitError
from noosphere.ml.c2d import builtin_recipes
from tests.unit._ml_models import float_tensor, make_model, softmax_model

NOOS = 10**18
A = "0x" + "aa" * 20
B = "0x" + "bb" * 20
PROVIDER = Account.from_key("0x" + "51" * 32)


def _receipt_file(tmp_path: Path, data_id: int = 3, signed: bool = True) -> Path:
    receipt = ComputeReceipt(
        chain_id=31337, licences="0x" + "4c" * 20, data_id=data_id,
        dataset_cid="QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", recipe_hash="0x" + "ab" * 32,
        params_hash="0x" + "cd" * 32,
        output_cid="bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
        metrics_hash=metrics_hash({}), order_id=0, provider=PROVIDER.address,
        finished_at=1_750_000_000,
    )  # fmt: skip
    if signed:
        receipt = sign_receipt(PROVIDER, receipt)
    path = tmp_path / f"receipt-{data_id}-{signed}.json"
    path.write_text(receipt.to_json())
    return path


def test_terms() -> None:
    assert inputs.parse_terms(["inference=5:30", "fine-tune=0.5"]) == [
        (INFERENCE, 5 * NOOS, 30 * 86_400), (FINE_TUNE, NOOS // 2, 30 * 86_400)]  # fmt: skip
    assert inputs.parse_terms(["commercial=0"]) == [(2, 0, 0)]
    assert inputs.parse_terms(["1=2:0.5"]) == [(FINE_TUNE, 2 * NOOS, 43_200)]


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        (["inference"], "is not KIND=PRICE[:DAYS]"),
        (["lease=5"], "licence kind 'lease' is unknown"),
        (["inference=x"], "--terms inference price"),
        (["inference=5:0"], "must be more than 0 days"),
        (["inference=5:abc"], "is not a number of days"),
        (["inference=5", "inference=6"], "given twice"),
    ],
)
def test_bad_terms(items: list[str], fragment: str) -> None:
    with pytest.raises(InputError) as info:
        inputs.parse_terms(items)
    assert fragment in str(info.value)


def test_splits() -> None:
    assert inputs.parse_splits([f"{A}=2500", f" {B} = 7500"]) == [
        (to_checksum_address(A), 2500), (to_checksum_address(B), 7500)]  # fmt: skip


@pytest.mark.parametrize(
    ("items", "error", "fragment"),
    [
        ([f"{A}=6000", f"{B}=3000"], SplitError, "sum to 9,000 basis points, not 10,000"),
        ([f"0x{'00' * 20}=10000"], SplitError, "zero address"),
        ([f"{A}=10000", f"{B}=0"], SplitError, "positive number"),
        ([f"{A}=1000"] * 9 + [f"{B}=500"] * 2, SplitError, "11 recipients"),
        (["nobody=10000"], InputError, "not an EVM address"),
        ([f"{A}:10000"], InputError, "is not ADDRESS=BPS"),
        ([f"{A}=50%"], InputError, "is not ADDRESS=BPS"),
    ],
)
def test_bad_splits(items: list[str], error: type[Exception], fragment: str) -> None:
    with pytest.raises(error) as info:
        inputs.parse_splits(items)
    assert fragment in str(info.value)


def test_datasets_with_orders_and_receipts(tmp_path: Path) -> None:
    assert inputs.parse_dataset("3:7") == (DatasetUse(3, 7), None)
    path = _receipt_file(tmp_path)
    use, receipt = inputs.parse_dataset(f"3@{path}")
    assert receipt is not None and use == DatasetUse(3, 0, receipt.digest())
    use, _ = inputs.parse_dataset(f"#3:9@{path}")
    assert use.order_id == 9 and use.has_receipt


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ("x:y", "is not DATA_ID[:ORDER_ID][@RECEIPT.json]"),
        ("3", "give the order it was bought under or a receipt"),
        ("0:1", "--dataset data id 0 is not positive"),
        ("3@/nonexistent/receipt.json", "cannot be read"),
        ("4@{receipt}", "the receipt is for dataset 3"),
        ("3@{unsigned}", "is not signed"),
        ("3@{garbage}", "--dataset receipt"),
    ],
)
def test_bad_datasets(tmp_path: Path, item: str, fragment: str) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    item = item.format(receipt=_receipt_file(tmp_path), garbage=garbage,
                       unsigned=_receipt_file(tmp_path, signed=False))  # fmt: skip
    with pytest.raises(InputError) as info:
        inputs.parse_dataset(item)
    assert fragment in str(info.value)


def test_recipes_hashes_ids_and_metrics() -> None:
    logreg = builtin_recipes()["logreg"].hash
    assert inputs.parse_recipe("logreg") == bytes.fromhex(logreg.removeprefix("0x"))
    assert inputs.parse_recipe("0x" + "ab" * 32) == b"\xab" * 32
    with pytest.raises(InputError, match="did you mean 'logreg'"):
        inputs.parse_recipe("logrg")
    with pytest.raises(InputError, match="--training-run '0x12' is not a 32-byte hash"):
        inputs.parse_hex32("0x12", "--training-run")
    assert inputs.parse_id("#4") == 4
    for bad, fragment in (("abc", "is not a number"), ("0", "is not positive")):
        with pytest.raises(InputError, match=fragment):
            inputs.parse_id(bad)
    assert inputs.parse_metrics(["accuracy=0.9", "log_loss = 0.2"]) == {
        "accuracy": 0.9, "log_loss": 0.2}  # fmt: skip
    for bad in ("accuracy", "accuracy=high", "=1", "accuracy=nan"):
        with pytest.raises(InputError, match="is not NAME=NUMBER"):
            inputs.parse_metrics([bad])
    assert inputs.parse_price("0", "--price", allow_zero=True) == 0
    with pytest.raises(InputError, match="--price: must be above 0"):
        inputs.parse_price("0", "--price")


def test_artifact_and_task_from_onnx(tmp_path: Path) -> None:
    good = tmp_path / "m.onnx"
    good.write_bytes(softmax_model(3))
    data = inputs.read_artifact(good)
    assert inputs.task_from_onnx(data, "classification") == {
        "kind": "classification", "input": {"name": "input", "dtype": "float32", "n_features": 64},
        "output": {"name": "probabilities", "n_classes": 3}}  # fmt: skip
    assert inputs.task_from_onnx(data, "regression")["output"] == {"name": "probabilities"}
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00not onnx")
    with pytest.raises(InputError, match=r"--artifact .*not an ONNX model"):
        inputs.read_artifact(bad)
    with pytest.raises(InputError, match="cannot be read"):
        inputs.read_artifact(tmp_path / "missing.onnx")
    symbolic = make_model([], inputs=[float_tensor("input", ["N", "F"])],
                          outputs=[float_tensor("probabilities", ["N", 10])])  # fmt: skip
    with pytest.raises(InputError, match="the ONNX input has no fixed n_features"):
        inputs.task_from_onnx(symbolic, "classification")


def test_classes_complete_an_onnx_output_without_a_fixed_class_dim() -> None:
    dynamic = make_model([], inputs=[float_tensor("input", ["N", 30])],
                         outputs=[float_tensor("probabilities", ["N", "C"])])  # fmt: skip
    with pytest.raises(InputError, match="no fixed n_classes") as refused:
        inputs.task_from_onnx(dynamic, "classification")
    assert refused.value.hint == "pass --classes N"
    task = inputs.task_from_onnx(dynamic, "classification", 2)
    assert task["output"]["n_classes"] == 2 and task["input"]["n_features"] == 30
    with pytest.raises(InputError, match="--classes 2: the ONNX output has 3 classes"):
        inputs.task_from_onnx(softmax_model(3), "classification", 2)


def test_the_scores_output_is_taken_after_a_label_output() -> None:
    from noosphere.ml.recipes import to_onnx, train

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5)).astype(np.float32)
    exported = to_onnx(train("logreg", X, (X[:, 0] > 0).astype(np.int64)), 5)
    task = inputs.task_from_onnx(exported, "classification", 2)
    assert task["output"] == {"name": "probabilities", "n_classes": 2}
