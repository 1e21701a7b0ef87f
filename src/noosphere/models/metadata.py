"""The metadata document of a Model NFT: what the model does, how well, and the evidence.

A JSON object stored in the content store and named on chain by the model's ``metadata_cid``
(it can be replaced by the owner or manager; the artifact cannot)::

    {
      "schema": "noosphere.model/1",
      "name": "…", "description": "…", "model_card": "… (markdown)",
      "task": {"kind": "classification",
               "input": {"name": "input", "dtype": "float32", "n_features": 64},
               "output": {"name": "probabilities", "n_classes": 10}},
      "metrics": {"accuracy": 0.97, …},
      "test_split": {"cid": "bafk…", "label": "target", "metric": "accuracy", "value": 0.97}
                    | null,
      "receipts": [ComputeReceipt.to_dict(), …]
    }

- ``task.kind`` is ``classification`` (``output.n_classes`` ≥ 2) or ``regression`` (``output``
  has only ``name``); ``input.dtype`` is ``float32``, ``float64`` or ``int64``.
- ``metrics``: declared scores, names ``[a-z][a-z0-9_]*``, finite numbers.
- ``test_split``: a public test table (CSV/TSV/Parquet/NPZ, read by
  :func:`noosphere.ml.table.read_table`) by CID, its label column, and the score the model
  claims on it with ``metric`` — what ``noos audit model`` re-evaluates.
- ``receipts``: compute-to-data receipts (signature included) in the form of
  :meth:`noosphere.data.receipts.ComputeReceipt.to_dict`; a provenance's ``DatasetUse.receipt``
  is such a receipt's :meth:`~noosphere.data.receipts.ComputeReceipt.digest`.

Written as canonical JSON (sorted keys, no spaces, UTF-8). :meth:`ModelMetadata.from_json`
reads untrusted bytes: bounded size and depth, strict JSON (no NaN, no duplicate keys), known
schema, every field of the right type, no unknown field; each refusal is a
:class:`~noosphere.errors.ModelMetadataError` naming the field.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from noosphere.data import metadata as _strict  # strict JSON reading and text checks
from noosphere.data.receipts import ComputeReceipt
from noosphere.errors import (
    InvalidCidError,
    MetadataError,
    ModelMetadataError,
    ReceiptError,
)
from noosphere.storage.cid import parse_cid

SCHEMA = "noosphere.model/1"
TASK_KINDS = ("classification", "regression")
DTYPES = ("float32", "float64", "int64")
MAX_METADATA_BYTES = 1 << 20
MAX_NAME = 200
MAX_DESCRIPTION = 20_000
MAX_MODEL_CARD = 100_000
MAX_METRICS = 64
MAX_RECEIPTS = 8
_FIELDS = {"schema", "name", "description", "model_card", "task", "metrics", "test_split",
           "receipts"}  # fmt: skip
_METRIC = re.compile(r"[a-z][a-z0-9_]{0,63}")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.:/-]{0,127}")


@dataclass(frozen=True)
class TestSplit:
    """A public test table (by CID), its label column and the score declared on it."""

    __test__ = False  # not a pytest class

    cid: str
    label: str
    metric: str
    value: float

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready value."""
        return {"cid": self.cid, "label": self.label, "metric": self.metric, "value": self.value}


@dataclass(frozen=True)
class ModelMetadata:
    """A validated model metadata document; :meth:`to_json` gives its canonical bytes."""

    name: str
    description: str
    task: dict[str, Any]
    metrics: dict[str, float]
    model_card: str = ""
    test_split: TestSplit | None = None
    receipts: tuple[dict[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        checked = _from_dict(self.to_dict())  # the same checks as a document read back
        for name in ("task", "metrics", "receipts"):
            object.__setattr__(self, name, getattr(checked, name))

    @property
    def compute_receipts(self) -> list[ComputeReceipt]:
        """The receipts as :class:`ComputeReceipt` values."""
        return [ComputeReceipt.from_dict(r) for r in self.receipts]

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-ready values."""
        return {
            "schema": SCHEMA,
            "name": self.name,
            "description": self.description,
            "model_card": self.model_card,
            "task": self.task,
            "metrics": dict(self.metrics),
            "test_split": None if self.test_split is None else self.test_split.to_dict(),
            "receipts": list(self.receipts),
        }

    def to_json(self) -> bytes:
        """Canonical JSON bytes (sorted keys, no spaces, UTF-8, no NaN)."""
        try:
            text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False, allow_nan=False)  # fmt: skip
        except (TypeError, ValueError) as exc:
            raise ModelMetadataError(f"model metadata: cannot be written as JSON ({exc})") from None
        data = text.encode("utf-8")
        if len(data) > MAX_METADATA_BYTES:
            raise ModelMetadataError(
                f"model metadata: {len(data):_} bytes, more than the {MAX_METADATA_BYTES:_} "
                "allowed",
                hint="shorten the description or the model card",
            )
        return data

    @classmethod
    def from_json(cls, data: bytes) -> ModelMetadata:
        """Parse and validate untrusted bytes (see the module notes)."""
        with _renamed():
            raw = _strict.read_strict_json(data, MAX_METADATA_BYTES)
        return _from_dict(raw)


class _renamed:
    """Turn the data-metadata helpers' :class:`MetadataError` into a model one."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, _tb: Any) -> None:
        if isinstance(error, MetadataError) and not isinstance(error, ModelMetadataError):
            message = "model " + error.message if error.message.startswith("metadata") else (
                error.message)  # fmt: skip
            raise ModelMetadataError(message, hint=error.hint) from None


def _fail(message: str, hint: str | None = None) -> ModelMetadataError:
    return ModelMetadataError(f"model metadata: {message}", hint=hint)


def _from_dict(raw: Any) -> ModelMetadata:
    with _renamed():
        if not isinstance(raw, dict):
            raise _fail(f"expected a JSON object, not {_strict._kind(raw)}")
        if raw.get("schema") != SCHEMA:
            raise _fail(f"schema {raw.get('schema')!r:.60} is not {SCHEMA!r}",
                        hint="is this CID a model metadata document?")  # fmt: skip
        unknown = sorted(set(raw) - _FIELDS)
        if unknown:
            raise _fail(f"unknown field {', '.join(map(repr, unknown))}")
        missing = sorted(_FIELDS - set(raw))
        if missing:
            raise _fail(f"missing field {', '.join(map(repr, missing))}")
        name = _strict._text(raw["name"], "name", MAX_NAME, multiline=False)
        if not name.strip():
            raise _fail("name is empty", hint="give the model a name")
        description = _strict._text(raw["description"], "description", MAX_DESCRIPTION,
                                    multiline=True)  # fmt: skip
        card = _strict._text(raw["model_card"], "model_card", MAX_MODEL_CARD, multiline=True)
        doc = object.__new__(ModelMetadata)
        for key, value in (
            ("name", name), ("description", description), ("model_card", card),
            ("task", _task(raw["task"])), ("metrics", _metrics(raw["metrics"], "metrics")),
            ("test_split", _test_split(raw["test_split"])),
            ("receipts", _receipts(raw["receipts"])),
        ):  # fmt: skip
            object.__setattr__(doc, key, value)
        return doc


def _task(value: Any) -> dict[str, Any]:
    task = _strict._object(value, "task", {"kind", "input", "output"})
    kind = task["kind"]
    if kind not in TASK_KINDS:
        raise _fail(f"task.kind {kind!r:.40} is not one of {', '.join(TASK_KINDS)}")
    inp = _strict._object(task["input"], "task.input", {"name", "dtype", "n_features"})
    _ident(inp["name"], "task.input.name")
    if inp["dtype"] not in DTYPES:
        raise _fail(f"task.input.dtype {inp['dtype']!r:.40} is not one of {', '.join(DTYPES)}")
    if _strict._count(inp["n_features"], "task.input.n_features") == 0:
        raise _fail("task.input.n_features must be at least 1")
    keys = {"name", "n_classes"} if kind == "classification" else {"name"}
    out = _strict._object(task["output"], "task.output", keys)
    _ident(out["name"], "task.output.name")
    if kind == "classification" and _strict._count(out["n_classes"], "task.output.n_classes") < 2:
        raise _fail("task.output.n_classes must be at least 2")
    return {"kind": kind, "input": dict(inp), "output": dict(out)}


def _ident(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _IDENT.fullmatch(value):
        raise _fail(f"{name} {value!r:.60} is not a tensor name", hint="e.g. input")
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(f"{name} must be a finite number, not {value!r:.40}")
    return float(value)


def _metric_name(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _METRIC.fullmatch(value):
        raise _fail(f"{name} {value!r:.60} is not a metric name",
                    hint="lowercase letters, digits and _, e.g. accuracy")  # fmt: skip
    return value


def _metrics(value: Any, name: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise _fail(f"{name} must be an object, not {_strict._kind(value)}")
    if len(value) > MAX_METRICS:
        raise _fail(f"{name} has {len(value)} entries, more than {MAX_METRICS}")
    return {_metric_name(k, f"{name} key"): _number(v, f"{name}.{k}") for k, v in value.items()}


def _test_split(value: Any) -> TestSplit | None:
    if value is None:
        return None
    split = _strict._object(value, "test_split", {"cid", "label", "metric", "value"})
    try:
        cid = str(parse_cid(split["cid"])) if isinstance(split["cid"], str) else None
    except InvalidCidError as error:
        raise _fail(f"test_split.cid: {error.message}") from None
    if cid is None:
        raise _fail("test_split.cid must be a CID string")
    label = _strict._text(split["label"], "test_split.label", 1_000, multiline=False)
    if not label:
        raise _fail("test_split.label is empty", hint="name the label column of the test table")
    return TestSplit(split["cid"], label, _metric_name(split["metric"], "test_split.metric"),
                     _number(split["value"], "test_split.value"))  # fmt: skip


def _receipts(value: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list):
        raise _fail(f"receipts must be a list, not {_strict._kind(value)}")
    if len(value) > MAX_RECEIPTS:
        raise _fail(f"receipts: {len(value)} receipts, more than {MAX_RECEIPTS}")
    out = []
    for i, item in enumerate(value):
        try:
            receipt = ComputeReceipt.from_dict(item)
        except ReceiptError as error:
            raise _fail(f"receipts[{i}]: {error.message}") from None
        if not receipt.signature:
            raise _fail(f"receipts[{i}] is not signed", hint="the provider signs its receipts")
        out.append(receipt.to_dict())
    return tuple(out)


def receipt_digest_hex(receipt: dict[str, Any]) -> str:
    """``0x`` + the EIP-712 digest of a receipt document (what a provenance records)."""
    return "0x" + ComputeReceipt.from_dict(receipt).digest().hex()


__all__ = [
    "DTYPES",
    "MAX_METADATA_BYTES",
    "SCHEMA",
    "TASK_KINDS",
    "ModelMetadata",
    "TestSplit",
    "receipt_digest_hex",
]
