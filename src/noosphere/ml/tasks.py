"""Subnet task specs: what miners do, on which data, how they are scored, within which limits.

A task spec is a JSON document identified by the CID of its canonical bytes (sorted keys, no
spaces, ASCII, every default written out, integers only: fractions are basis points and times
milliseconds, so nothing depends on how a float is printed). Example::

    {"batch_size":64,
     "dataset":{"holdout_bp":4000,"name":"digits","params":{},"sha256":"…","source":"builtin"},
     "eval_size":256,
     "input":{"dtype":"float32","n_features":64,"name":"input"},
     "limits":{"max_eval_ms":30000,"max_model_bytes":16777216},
     "metric":"accuracy","mode":"submission",
     "output":{"kind":"probabilities","n_classes":10,"name":"probabilities"},
     "schema":"noosphere.task/1"}

- ``mode``: ``inference`` (validators send batches of ``batch_size`` rows of their private split
  to miners, who answer with probabilities within ``max_eval_ms``) or ``submission`` (miners
  commit the CID of an ONNX model of at most ``max_model_bytes``; validators run it on their
  private split in a sandbox for at most ``max_eval_ms``, ``batch_size`` rows per run).
- ``dataset``: a built-in dataset (``source: builtin``, ``name``, ``params``) or a Data NFT
  (``source: data_nft``, ``contract``, ``token_id``); ``holdout_bp`` is the share held out for
  evaluation; ``sha256`` (optional for built-ins, required for Data NFTs) pins the content.
- ``input``/``output``: the model's single float32 input ``[batch, n_features]`` and its
  probabilities output ``[batch, n_classes]``, by name.
- ``metric``: one of :data:`noosphere.ml.metrics.METRICS`; ``eval_size`` rows per evaluation.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from noosphere.ml import datasets as _ds
from noosphere.ml.errors import DatasetError, TaskSpecError
from noosphere.ml.metrics import METRICS

if TYPE_CHECKING:
    from multiformats import CID

SCHEMA = "noosphere.task/1"
"""The value of a task spec's ``schema`` field."""

MODES = ("inference", "submission")
"""Task modes."""

MAX_SPEC_BYTES = 64 * 1024
"""A task spec document is at most this long."""

MAX_MODEL_BYTES_CAP = 256 * 1024 * 1024
"""No task may allow models larger than this."""

MAX_EVAL_MS_CAP = 3_600_000
"""No task may allow an evaluation longer than this (one hour)."""

DEFAULT_MAX_MODEL_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_EVAL_MS = 30_000
DEFAULT_EVAL_SIZE = 256
DEFAULT_BATCH_SIZE = 64

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")
_ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def _fail(path: str, what: str) -> TaskSpecError:
    return TaskSpecError(f"task spec: {path}: {what}")


def _int(value: Any, path: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"must be an integer, not {value!r}")
    if not lo <= value <= hi:
        raise _fail(path, f"must be in [{lo}, {hi}], not {value}")
    return value


def _choice(value: Any, path: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise _fail(path, f"must be a string, not {value!r}")
    if value not in choices:
        close = difflib.get_close_matches(value, choices, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise _fail(path, f"must be one of {', '.join(choices)}, not {value!r}{hint}")
    return value


def _name(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _NAME_RE.match(value):
        raise _fail(path, f"must be a tensor name (letters, digits, _ . : -), not {value!r}")
    return value


def _object(value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise _fail(path, f"must be an object, not {type(value).__name__}")
    known = required + optional
    for key in value:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise _fail(f"{path}.{key}" if path else key, f"unknown field{hint}")
    for key in required:
        if key not in value:
            raise _fail(f"{path}.{key}" if path else key, "missing")
    return value


@dataclass(frozen=True)
class DatasetRef:
    """Which data a task uses: a built-in dataset or a Data NFT, and how much is held out."""

    source: str = "builtin"
    name: str | None = None
    params: Mapping[str, int] = field(default_factory=dict)
    holdout_bp: int = _ds.DEFAULT_HOLDOUT_BP
    sha256: str | None = None
    contract: str | None = None
    token_id: int | None = None

    def __post_init__(self) -> None:
        _choice(self.source, "dataset.source", ("builtin", "data_nft"))
        _int(self.holdout_bp, "dataset.holdout_bp", 1, 9_999)
        if self.sha256 is not None and (
            not isinstance(self.sha256, str) or not _SHA256_RE.match(self.sha256)
        ):
            raise _fail("dataset.sha256", f"must be 64 lowercase hex digits, not {self.sha256!r}")
        if self.source == "builtin":
            _choice(self.name, "dataset.name", _ds.BUILTIN_DATASETS)
            if self.contract is not None or self.token_id is not None:
                raise _fail("dataset", "contract and token_id are only for data_nft datasets")
            if not isinstance(self.params, Mapping):
                raise _fail("dataset.params", "must be an object")
            try:
                params = _ds.normalize_params(str(self.name), self.params)
            except DatasetError as exc:
                raise _fail("dataset.params", exc.message) from None
            object.__setattr__(self, "params", MappingProxyType(params))
        else:
            if self.name is not None or self.params:
                raise _fail("dataset", "name and params are only for builtin datasets")
            if not isinstance(self.contract, str) or not _ADDRESS_RE.match(self.contract):
                raise _fail("dataset.contract", f"must be a 0x address, not {self.contract!r}")
            object.__setattr__(self, "contract", self.contract.lower())
            _int(self.token_id, "dataset.token_id", 0, 2**256 - 1)
            if self.sha256 is None:
                raise _fail("dataset.sha256", "is required for a data_nft dataset")

    def shape(self) -> _ds.DatasetShape | None:
        """The dataset's shape if it is known without fetching it (built-ins only)."""
        if self.source != "builtin":
            return None
        return _ds.dataset_shape(str(self.name), self.params)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this reference (canonical: only the fields of its source)."""
        out: dict[str, Any] = {"source": self.source, "holdout_bp": self.holdout_bp}
        if self.source == "builtin":
            out.update(name=self.name, params=dict(self.params))
        else:
            out.update(contract=self.contract, token_id=self.token_id)
        if self.sha256 is not None:
            out["sha256"] = self.sha256
        return out

    @classmethod
    def from_dict(cls, obj: Any) -> DatasetRef:
        """Parse and check the ``dataset`` object of a task spec."""
        if not isinstance(obj, dict):
            raise _fail("dataset", f"must be an object, not {type(obj).__name__}")
        if "source" not in obj:
            raise _fail("dataset.source", "missing")
        source = _choice(obj["source"], "dataset.source", ("builtin", "data_nft"))
        if source == "builtin":
            d = _object(obj, "dataset", ("source", "name"), ("params", "holdout_bp", "sha256"))
            return cls(
                source="builtin",
                name=d["name"],
                params=d.get("params", {}),
                holdout_bp=d.get("holdout_bp", _ds.DEFAULT_HOLDOUT_BP),
                sha256=d.get("sha256"),
            )
        d = _object(obj, "dataset", ("source", "contract", "token_id", "sha256"), ("holdout_bp",))
        return cls(
            source="data_nft",
            name=None,
            contract=d["contract"],
            token_id=d["token_id"],
            holdout_bp=d.get("holdout_bp", _ds.DEFAULT_HOLDOUT_BP),
            sha256=d["sha256"],
        )


@dataclass(frozen=True)
class Limits:
    """Resource limits: the largest model artifact and the longest evaluation (wall clock)."""

    max_model_bytes: int = DEFAULT_MAX_MODEL_BYTES
    max_eval_ms: int = DEFAULT_MAX_EVAL_MS

    def __post_init__(self) -> None:
        _int(self.max_model_bytes, "limits.max_model_bytes", 1, MAX_MODEL_BYTES_CAP)
        _int(self.max_eval_ms, "limits.max_eval_ms", 1, MAX_EVAL_MS_CAP)

    @property
    def max_eval_seconds(self) -> float:
        """``max_eval_ms`` in seconds."""
        return self.max_eval_ms / 1000


@dataclass(frozen=True)
class TaskSpec:
    """A subnet's task (see the module notes for the fields and the JSON form).

    Constructing one validates it (:class:`TaskSpecError` names the field). ``batch_size=0``
    means ``min(64, eval_size)``.
    """

    mode: str
    dataset: DatasetRef
    n_features: int
    n_classes: int
    metric: str = "accuracy"
    eval_size: int = DEFAULT_EVAL_SIZE
    batch_size: int = 0
    limits: Limits = field(default_factory=Limits)
    input_name: str = "input"
    output_name: str = "probabilities"
    dtype: str = "float32"

    def __post_init__(self) -> None:
        _choice(self.mode, "mode", MODES)
        if not isinstance(self.dataset, DatasetRef):
            raise _fail("dataset", "must be a DatasetRef")
        if not isinstance(self.limits, Limits):
            raise _fail("limits", "must be a Limits")
        _choice(self.metric, "metric", METRICS)
        _choice(self.dtype, "input.dtype", ("float32",))
        _name(self.input_name, "input.name")
        _name(self.output_name, "output.name")
        _int(self.n_features, "input.n_features", 1, 1_000_000)
        _int(self.n_classes, "output.n_classes", 2, 100_000)
        _int(self.eval_size, "eval_size", 1, 10_000_000)
        if self.batch_size == 0 and not isinstance(self.batch_size, bool):
            object.__setattr__(self, "batch_size", min(DEFAULT_BATCH_SIZE, self.eval_size))
        _int(self.batch_size, "batch_size", 1, 1_000_000)
        if self.batch_size > self.eval_size:
            raise _fail("batch_size", f"must not exceed eval_size ({self.eval_size})")
        shape = self.dataset.shape()
        if shape is None:
            return
        if self.n_features != shape.n_features:
            raise _fail(
                "input.n_features",
                f"{self.dataset.name!r} has {shape.n_features} features, not {self.n_features}",
            )
        if self.n_classes != shape.n_classes:
            raise _fail(
                "output.n_classes",
                f"{self.dataset.name!r} has {shape.n_classes} classes, not {self.n_classes}",
            )
        pool = _ds.pool_size(shape.n_samples, self.dataset.holdout_bp)
        if self.eval_size > pool:
            raise _fail(
                "eval_size",
                f"must not exceed the held-out pool of {pool} rows "
                f"({self.dataset.holdout_bp} bp of {shape.n_samples})",
            )

    # --- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this spec, every field written out."""
        return {
            "schema": SCHEMA,
            "mode": self.mode,
            "dataset": self.dataset.to_dict(),
            "input": {"name": self.input_name, "dtype": self.dtype, "n_features": self.n_features},
            "output": {
                "name": self.output_name,
                "kind": "probabilities",
                "n_classes": self.n_classes,
            },
            "metric": self.metric,
            "eval_size": self.eval_size,
            "batch_size": self.batch_size,
            "limits": {
                "max_model_bytes": self.limits.max_model_bytes,
                "max_eval_ms": self.limits.max_eval_ms,
            },
        }

    def canonical_bytes(self) -> bytes:
        """The canonical JSON bytes (sorted keys, no spaces, ASCII) that the CID is taken of."""
        return json.dumps(
            self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True
        ).encode("ascii")

    def cid(self) -> CID:
        """The CID of :meth:`canonical_bytes` (the store's hash-only CID, as kubo computes it)."""
        from noosphere.storage import import_bytes

        return import_bytes(self.canonical_bytes()).cid

    @classmethod
    def from_dict(cls, obj: Any) -> TaskSpec:
        """Parse and check a task spec object (as decoded from JSON)."""
        d = _object(
            obj,
            "",
            ("schema", "mode", "dataset", "input", "output", "metric", "eval_size"),
            ("batch_size", "limits"),
        )
        if d["schema"] != SCHEMA:
            raise _fail("schema", f"must be {SCHEMA!r}, not {d['schema']!r}")
        inp = _object(d["input"], "input", ("n_features",), ("name", "dtype"))
        out = _object(d["output"], "output", ("n_classes",), ("name", "kind"))
        _choice(out.get("kind", "probabilities"), "output.kind", ("probabilities",))
        limits = _object(d.get("limits", {}), "limits", (), ("max_model_bytes", "max_eval_ms"))
        if type(d.get("batch_size")) is int and d["batch_size"] == 0:
            raise _fail("batch_size", "must be in [1, 1000000], not 0")
        return cls(
            mode=d["mode"],
            dataset=DatasetRef.from_dict(d["dataset"]),
            n_features=inp["n_features"],
            n_classes=out["n_classes"],
            metric=d["metric"],
            eval_size=d["eval_size"],
            batch_size=d.get("batch_size", 0),
            limits=Limits(
                max_model_bytes=limits.get("max_model_bytes", DEFAULT_MAX_MODEL_BYTES),
                max_eval_ms=limits.get("max_eval_ms", DEFAULT_MAX_EVAL_MS),
            ),
            input_name=inp.get("name", "input"),
            output_name=out.get("name", "probabilities"),
            dtype=inp.get("dtype", "float32"),
        )

    # --- data ----------------------------------------------------------------------------------
    def load_dataset(self) -> _ds.Dataset:
        """Load the task's dataset and check it against the spec (shape and pinned SHA-256)."""
        if self.dataset.source != "builtin":
            raise DatasetError(
                "Data NFT datasets are fetched through the data market, not by the task spec"
            )
        data = _ds.load_dataset(str(self.dataset.name), self.dataset.params)
        if self.dataset.sha256 is not None and data.fingerprint() != self.dataset.sha256:
            raise DatasetError(
                f"dataset {data.name!r} here has SHA-256 {data.fingerprint()}, but the task "
                f"pins {self.dataset.sha256}",
                hint="the local copy (or scikit-learn version) differs from the subnet's",
            )
        return data

    def training_split(self, dataset: _ds.Dataset | None = None) -> _ds.Subset:
        """The public training split of the task's dataset (what miners train on)."""
        data = dataset if dataset is not None else self.load_dataset()
        return _ds.public_split(data, self.dataset.holdout_bp)

    def evaluation_split(
        self, secret: bytes, *, round: int = 0, dataset: _ds.Dataset | None = None
    ) -> _ds.Subset:
        """A validator's private evaluation split of ``eval_size`` rows (see ``private_split``)."""
        data = dataset if dataset is not None else self.load_dataset()
        return _ds.private_split(
            data, secret, self.eval_size, holdout_bp=self.dataset.holdout_bp, round=round
        )


def _reject_float(text: str) -> Any:
    raise TaskSpecError(f"task spec: numbers must be integers, not {text}")


def _reject_constant(text: str) -> Any:
    raise TaskSpecError(f"task spec: {text} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise TaskSpecError(f"task spec: field {key!r} appears twice")
        out[key] = value
    return out


def load_spec(data: bytes, *, cid: Any = None) -> TaskSpec:
    """Parse a task spec document; with ``cid``, first check that ``data`` hashes to it.

    Rejects non-UTF-8 text, floats, NaN/Infinity, duplicate and unknown fields, with an error
    that names the field. The document need not be canonical; :meth:`TaskSpec.cid` is the CID
    of the canonical form.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TaskSpecError(f"task spec: expected bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_SPEC_BYTES:
        raise TaskSpecError(f"task spec: {len(data)} bytes is over the {MAX_SPEC_BYTES} limit")
    if cid is not None:
        from noosphere.ml.errors import CidMismatchError
        from noosphere.ml.onnx_check import check_cid

        try:
            check_cid(data, cid, what="task spec")
        except CidMismatchError as exc:
            raise TaskSpecError(exc.message, hint=exc.hint) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TaskSpecError(
            f"task spec: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    try:
        obj = json.loads(
            text,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as exc:
        raise TaskSpecError(
            f"task spec: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, TaskSpecError):
            raise
        raise TaskSpecError(f"task spec: not valid JSON ({exc})") from None
    return TaskSpec.from_dict(obj)


def builtin_spec(
    name: str,
    *,
    mode: str = "submission",
    params: Mapping[str, int] | None = None,
    metric: str = "accuracy",
    eval_size: int | None = None,
    batch_size: int | None = None,
    holdout_bp: int = _ds.DEFAULT_HOLDOUT_BP,
    limits: Limits | None = None,
    pin: bool | None = None,
) -> TaskSpec:
    """A task spec for a built-in dataset with its shape filled in.

    ``eval_size`` defaults to ``min(256, pool)`` and ``batch_size`` to ``min(64, eval_size)``;
    ``pin`` (default: for the file-backed
    datasets, not for ``synthetic``, whose bits may vary with BLAS) loads the data and pins
    its SHA-256.
    """
    ref = DatasetRef(source="builtin", name=name, params=dict(params or {}), holdout_bp=holdout_bp)
    shape = ref.shape()
    assert shape is not None
    pool = _ds.pool_size(shape.n_samples, holdout_bp)
    size = eval_size if eval_size is not None else min(DEFAULT_EVAL_SIZE, pool)
    if pin if pin is not None else name != "synthetic":
        digest = _ds.load_dataset(name, ref.params).fingerprint()
        ref = DatasetRef(
            source="builtin", name=name, params=ref.params, holdout_bp=holdout_bp, sha256=digest
        )
    return TaskSpec(
        mode=mode,
        dataset=ref,
        n_features=shape.n_features,
        n_classes=shape.n_classes,
        metric=metric,
        eval_size=size,
        batch_size=batch_size if batch_size is not None else 0,
        limits=limits if limits is not None else Limits(),
    )
