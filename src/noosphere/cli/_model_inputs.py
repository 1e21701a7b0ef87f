"""Parsing the options of ``noos model``: ids, licence kinds and terms, splits, provenance
entries, recipes, metrics, receipts, and the metadata document built from options. Every
function raises a :class:`~noosphere.errors.InputError` naming the option at fault."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from noosphere.errors import InputError, NoosphereError

if TYPE_CHECKING:
    from noosphere.chain.models import DatasetUse
    from noosphere.data.receipts import ComputeReceipt
    from noosphere.models.metadata import ModelMetadata

DEFAULT_TERMS_DAYS = 30
MAX_ARTIFACT_BYTES = 256 * 1024 * 1024
_HEX32 = re.compile(r"(0x)?[0-9a-fA-F]{64}")
_DATASET = re.compile(r"^\s*#?(\d+)\s*(?::\s*(\d+))?\s*(?:@(.+))?$")


def parse_id(text: str, what: str = "model id") -> int:
    """A positive id from ``"3"`` or ``"#3"``."""
    try:
        value = int(str(text).strip().lstrip("#"))
    except ValueError:
        raise InputError(f"{what} {text!r} is not a number", hint="e.g. 1") from None
    if value <= 0:
        raise InputError(f"{what} {value} is not positive", hint="ids start at 1")
    return value


def parse_price(text: str, what: str, *, allow_zero: bool = False) -> int:
    """A NOOS amount in base units (0 only with ``allow_zero``)."""
    from noosphere.chain.data_terms import check_price
    from noosphere.chain.token import parse_amount

    try:
        units = parse_amount(text)
    except InputError as error:
        raise InputError(f"{what}: {error.message}", hint=error.hint) from None
    return units if allow_zero and units == 0 else check_price(units, what)


def parse_days(text: str | float, what: str = "--days") -> int:
    """A validity in seconds from a number of days (fractions allowed)."""
    from noosphere.chain.data_terms import check_validity

    try:
        days = float(text)
    except ValueError:
        raise InputError(f"{what}: {text!r} is not a number of days", hint="e.g. 30") from None
    if not days > 0:
        raise InputError(f"{what}: {text!r} must be more than 0 days")
    if days * 86_400 >= 2**32:
        raise InputError(f"{what}: {text!r} days is longer than a licence can last")
    return check_validity(max(1, round(days * 86_400)))


def parse_terms(items: list[str]) -> list[tuple[int, int, int]]:
    """``KIND=PRICE[:DAYS]`` items as ``(kind, price, seconds)``; price 0 takes it off sale."""
    from noosphere.chain.model_types import kind_of

    out: dict[int, tuple[int, int, int]] = {}
    for item in items:
        kind_text, sep, rest = item.partition("=")
        if not sep or not rest.strip():
            raise InputError(f"--terms {item!r} is not KIND=PRICE[:DAYS]",
                             hint="e.g. inference=5:30 or fine-tune=50")  # fmt: skip
        price_text, _, days_text = rest.partition(":")
        kind = kind_of(kind_text)
        price = parse_price(price_text.strip(), f"--terms {kind_text.strip()} price",
                            allow_zero=True)  # fmt: skip
        seconds = parse_days(days_text or DEFAULT_TERMS_DAYS, f"--terms {kind_text} days")
        if kind in out:
            raise InputError(f"--terms: kind {kind_text.strip()!r} is given twice")
        out[kind] = (kind, price, seconds if price else 0)
    return list(out.values())


def parse_splits(items: list[str]) -> list[tuple[str, int]]:
    """``ADDRESS=BPS`` items, checked as ModelNFT checks a split."""
    from noosphere.chain.model_checks import check_splits

    pairs: list[tuple[str, int]] = []
    for item in items:
        address, sep, bps = item.partition("=")
        if not sep or not bps.strip().isdigit():
            raise InputError(f"--split {item!r} is not ADDRESS=BPS",
                             hint="basis points: 10000 = 100 %, e.g. 0xabc…=2500")  # fmt: skip
        pairs.append((address.strip(), int(bps)))
    return [(s.account, s.bps) for s in check_splits(pairs)]


def parse_hex32(text: str, what: str) -> bytes:
    """32 bytes from 64 hex digits (``0x`` optional)."""
    if not isinstance(text, str) or not _HEX32.fullmatch(text.strip()):
        raise InputError(f"{what} {text!r} is not a 32-byte hash", hint="0x + 64 hex digits")
    return bytes.fromhex(text.strip().removeprefix("0x"))


def parse_recipe(text: str) -> bytes:
    """A recipe hash, or the name of a built-in compute-to-data recipe (its hash)."""
    import difflib

    if _HEX32.fullmatch(text.strip()):
        return parse_hex32(text, "--recipe")
    from noosphere.ml.c2d import builtin_recipes

    recipes = builtin_recipes()
    if text in recipes:
        return bytes.fromhex(recipes[text].hash.removeprefix("0x"))
    close = difflib.get_close_matches(text, list(recipes), n=1)
    raise InputError(
        f"--recipe {text!r} is neither a recipe hash nor a built-in recipe",
        hint=f"did you mean {close[0]!r}?" if close else "built-ins: " + ", ".join(recipes),
    )


def read_receipt(path: str | Path, what: str = "receipt") -> ComputeReceipt:
    """A signed compute-to-data receipt from its JSON file."""
    from noosphere.data.receipts import MAX_RECEIPT_JSON, ComputeReceipt

    file = Path(path)
    try:
        if file.stat().st_size > MAX_RECEIPT_JSON:
            raise InputError(f"{what} {file}: larger than {MAX_RECEIPT_JSON} bytes")
        receipt = ComputeReceipt.from_json(file.read_bytes())
    except OSError as exc:
        raise InputError(f"{what} {file}: cannot be read ({exc.strerror})") from None
    except NoosphereError as error:
        raise InputError(f"{what} {file}: {error.message}", hint=error.hint) from None
    if not receipt.signature:
        raise InputError(f"{what} {file} is not signed", hint="the provider signs its receipts")
    return receipt


def parse_dataset(item: str) -> tuple[DatasetUse, ComputeReceipt | None]:
    """``DATA_ID[:ORDER_ID][@RECEIPT.json]`` as a provenance entry and its receipt, if any."""
    from noosphere.chain.models import DatasetUse

    match = _DATASET.match(item)
    if not match:
        raise InputError(f"--dataset {item!r} is not DATA_ID[:ORDER_ID][@RECEIPT.json]",
                         hint="e.g. 3:7 (order 7 of dataset 3) or 3@receipt.json")  # fmt: skip
    data_id, order_id = parse_id(match.group(1), "--dataset data id"), int(match.group(2) or 0)
    receipt = None if match.group(3) is None else read_receipt(match.group(3), "--dataset receipt")
    if order_id == 0 and receipt is None:
        raise InputError(f"--dataset {item!r}: give the order it was bought under or a receipt",
                         hint="DATA_ID:ORDER_ID or DATA_ID@RECEIPT.json")  # fmt: skip
    if receipt is not None and receipt.data_id != data_id:
        raise InputError(f"--dataset {item!r}: the receipt is for dataset {receipt.data_id}")
    digest = receipt.digest() if receipt is not None else b"\0" * 32
    return DatasetUse(data_id, order_id, digest), receipt


def parse_metrics(items: list[str], what: str = "--metric") -> dict[str, float]:
    """``NAME=VALUE`` items as a dict of floats."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not sep or not name.strip() or number != number:
            raise InputError(f"{what} {item!r} is not NAME=NUMBER", hint="e.g. accuracy=0.93")
        out[name.strip()] = number
    return out


def read_artifact(path: Path) -> bytes:
    """The bytes of an ONNX artifact file, refused if it does not parse as ONNX."""
    from noosphere.ml.onnx_check import parse_model

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"--artifact {path}: cannot be read ({exc.strerror})") from None
    try:
        parse_model(data, max_bytes=MAX_ARTIFACT_BYTES)
    except NoosphereError as error:
        raise InputError(f"--artifact {path}: {error.message}") from None
    return data


_FLOAT32 = 1  # onnx.TensorProto.FLOAT


def task_from_onnx(data: bytes, kind: str, classes: int | None = None) -> dict[str, Any]:
    """The metadata's ``task`` from an ONNX model's first input and output tensors: names, the
    number of features (last input dim) and, for classification, of classes (``classes`` when
    the output's last dim is not fixed, as in scikit-learn exports)."""
    from noosphere.ml.onnx_check import _dims, parse_model

    graph = parse_model(data, max_bytes=MAX_ARTIFACT_BYTES).graph
    if not graph.input or not graph.output:
        raise InputError("--artifact: the ONNX graph has no input or no output")
    # scikit-learn exports put the predicted label first: the scores are the float output
    # named "probabilities" (what task specs expect), else the first float output
    floats = [o for o in graph.output if o.type.tensor_type.elem_type == _FLOAT32]
    named = [o for o in floats if o.name == "probabilities"]
    output = (named or floats or list(graph.output))[0]
    inputs, outputs = _dims(graph.input[0]) or [], _dims(output) or []
    features = inputs[-1] if inputs else None
    task: dict[str, Any] = {"kind": kind, "output": {"name": output.name},
                            "input": {"name": graph.input[0].name, "dtype": "float32",
                                      "n_features": features}}  # fmt: skip
    if kind == "classification":
        fixed = (
            outputs[-1] if outputs and isinstance(outputs[-1], int) and outputs[-1] > 0 else None
        )
        if fixed is not None and classes is not None and fixed != classes:
            raise InputError(f"--classes {classes}: the ONNX output has {fixed} classes")
        task["output"]["n_classes"] = fixed or classes
    for part, key in (("input", "n_features"), ("output", "n_classes")):
        value = task[part].get(key, 1)
        if not isinstance(value, int) or value <= 0:
            raise InputError(
                f"--artifact: the ONNX {part} has no fixed {key} (its last dim)",
                hint="pass --classes N"
                if key == "n_classes"
                else "write the metadata yourself and pass --metadata FILE.json",
            )
    return task


def read_metadata(path: Path) -> ModelMetadata:
    """A model metadata document from a JSON file, validated."""
    from noosphere.models.metadata import MAX_METADATA_BYTES, ModelMetadata

    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            raise InputError(f"--metadata {path}: larger than {MAX_METADATA_BYTES:_} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"--metadata {path}: cannot be read ({exc.strerror})") from None
    return ModelMetadata.from_json(data)


__all__ = [
    "parse_dataset",
    "parse_days",
    "parse_hex32",
    "parse_id",
    "parse_metrics",
    "parse_price",
    "parse_recipe",
    "parse_splits",
    "parse_terms",
    "read_artifact",
    "read_metadata",
    "read_receipt",
    "task_from_onnx",
]
