"""What a compute-to-data job may return: no dataset rows in the model, only aggregate metrics.

:func:`find_raw_rows` looks for training rows stored verbatim in an ONNX model, as k-NN
models and SVMs do: it views every float tensor of the graph (initializers, constants, float
attributes such as support vectors, in subgraphs too) whose size is a multiple of the number of
features as rows of that many features (and a 2-D ``[features, m]`` tensor also as its
transpose), rounds them to float32, and counts the distinct dataset rows that appear exactly
(``-0.0`` equals ``0.0``; all NaNs are equal). Rows whose values are all equal (e.g. all zeros)
are skipped: any zero-filled weight matrix would match them. Rows are found through a 64-bit
hash of each row and then compared exactly.

This catches a model that *stores* rows, which is what a sound recipe can do by accident. It
does not catch rows stored transformed (scaled, permuted, offset in a tensor, encoded in
several tensors, or the rows of a one-feature dataset): against a recipe written to leak, the
allow-list is the control.

:func:`check_metrics` accepts a small dict of finite numbers and per-class lists (no longer
than the number of classes); strings, nested objects and longer lists are refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from noosphere.ml.errors import OutputRefusedError, RawRowsInOutputError

MAX_METRICS = 32
"""A job returns at most this many metrics."""

_METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_FLOAT_TYPES = {1, 10, 11, 16}  # FLOAT, FLOAT16, DOUBLE, BFLOAT16 (onnx.TensorProto)
_ATTR_FLOATS = 6  # onnx.AttributeProto.FLOATS
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_CANONICAL_NAN = np.float32(np.nan).view(np.uint32)


def _canonical(rows: np.ndarray) -> np.ndarray:
    """float32 rows as uint32 bit patterns, with -0.0 as 0.0 and one NaN."""
    values = np.ascontiguousarray(rows, dtype=np.float32) + np.float32(0.0)
    bits = values.view(np.uint32).copy()
    bits[np.isnan(values)] = _CANONICAL_NAN
    return bits


def _row_hashes(bits: np.ndarray) -> np.ndarray:
    out = np.full(bits.shape[0], _GOLDEN, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(bits.shape[1]):
            x = out ^ bits[:, j].astype(np.uint64)
            x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            out = (x ^ (x >> np.uint64(31))) + _GOLDEN
    return out


class _RowIndex:
    """The dataset's non-constant rows, findable by exact float32 value."""

    def __init__(self, X: np.ndarray) -> None:
        self.bits = _canonical(X)
        hashes = _row_hashes(self.bits)
        self.order = np.argsort(hashes, kind="stable")
        self.sorted = hashes[self.order]

    def matches(self, candidates: np.ndarray) -> set[int]:
        """Indices of dataset rows equal to some candidate row."""
        bits = _canonical(candidates)
        varied = (bits != bits[:, :1]).any(axis=1)
        bits = bits[varied]
        if not bits.shape[0]:
            return set()
        hashes = _row_hashes(bits)
        lo = np.searchsorted(self.sorted, hashes, side="left")
        hi = np.searchsorted(self.sorted, hashes, side="right")
        found: set[int] = set()
        for k in np.flatnonzero(hi > lo):
            for i in self.order[lo[k] : hi[k]]:
                if np.array_equal(self.bits[i], bits[k]):
                    found.add(int(i))
        return found


def _tensors(graph: Any, where: str) -> Iterator[tuple[str, Any]]:
    for t in graph.initializer:
        yield f"{where}initializer {t.name!r}", t
    for s in graph.sparse_initializer:
        yield f"{where}sparse initializer {s.values.name!r}", s.values
    for node in graph.node:
        for attr in node.attribute:
            label = f"{where}node {node.name!r} attribute {attr.name!r}"
            if attr.HasField("t"):
                yield label, attr.t
            for t in attr.tensors:
                yield label, t
            if attr.HasField("sparse_tensor"):
                yield label, attr.sparse_tensor.values
            if attr.type == _ATTR_FLOATS and len(attr.floats):
                yield label, np.asarray(attr.floats, dtype=np.float32)
            if attr.HasField("g"):
                yield from _tensors(attr.g, f"{label} subgraph: ")
            for g in attr.graphs:
                yield from _tensors(g, f"{label} subgraph: ")


def _values(tensor: Any) -> np.ndarray | None:
    if isinstance(tensor, np.ndarray):
        return tensor
    if tensor.data_type not in _FLOAT_TYPES:
        return None
    from onnx import numpy_helper

    try:
        return np.asarray(numpy_helper.to_array(tensor))
    except Exception:  # external data or a malformed tensor: other checks reject the model
        return None


def find_raw_rows(model: Any, X: np.ndarray) -> tuple[int, list[str]]:
    """How many distinct rows of ``X`` an ONNX model (a parsed ``ModelProto``) holds verbatim,
    and where (see the module notes)."""
    features = np.asarray(X)
    n_features = int(features.shape[1]) if features.ndim == 2 else 0
    if n_features < 2 or features.shape[0] == 0:
        return 0, []
    index = _RowIndex(features)
    found: set[int] = set()
    places: list[str] = []
    for where, tensor in _tensors(model.graph, ""):
        values = _values(tensor)
        if values is None or values.size < n_features or values.size % n_features:
            continue
        views = [values.reshape(-1, n_features)]
        if values.ndim == 2 and values.shape[0] == n_features:
            views.append(values.T)
        hits: set[int] = set()
        for view in views:
            hits |= index.matches(view)
        if hits:
            found |= hits
            places.append(where)
    return len(found), places


def check_no_raw_rows(model: Any, X: np.ndarray, *, log: str = "") -> None:
    """Raise :class:`RawRowsInOutputError` if the model holds any row of ``X`` verbatim."""
    count, places = find_raw_rows(model, X)
    if count:
        shown = ", ".join(places[:3]) + (f" and {len(places) - 3} more" if len(places) > 3 else "")
        raise RawRowsInOutputError(count, shown, log=log)


def _number(value: Any, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise OutputRefusedError(
            f"metric {where} is {type(value).__name__}; metrics are aggregate numbers"
        )
    if isinstance(value, int | np.integer):
        number = int(value)
        if abs(number) >= 2**53:
            raise OutputRefusedError(f"metric {where} = {number} is out of range")
        return number
    real = float(value)
    if not math.isfinite(real):
        raise OutputRefusedError(f"metric {where} is not a finite number ({real})")
    return real


def check_metrics(metrics: Any, n_classes: int) -> dict[str, Any]:
    """Check that ``metrics`` are aggregate (see the module notes); return them as plain JSON
    values. Raises :class:`OutputRefusedError` naming the first problem."""
    if not isinstance(metrics, Mapping):
        raise OutputRefusedError(f"metrics must be an object, not {type(metrics).__name__}")
    if len(metrics) > MAX_METRICS:
        raise OutputRefusedError(f"{len(metrics)} metrics; a job returns at most {MAX_METRICS}")
    out: dict[str, Any] = {}
    for name, value in metrics.items():
        if not isinstance(name, str) or not _METRIC_NAME.match(name):
            raise OutputRefusedError(f"metric name {name!r} is not a short lowercase identifier")
        if isinstance(value, list | tuple | np.ndarray):
            items = list(value)
            if len(items) > n_classes:
                raise OutputRefusedError(
                    f"metric {name!r} is a list of {len(items)} values, more than the "
                    f"{n_classes} classes: per-row outputs are not aggregate"
                )
            out[name] = [_number(v, f"{name!r}[{i}]") for i, v in enumerate(items)]
        else:
            out[name] = _number(value, repr(name))
    return out
