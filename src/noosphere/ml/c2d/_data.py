"""The dataset of a job as both sides see it: labelled rows, a seeded split, the job's seeds.

The provider's process and the sandbox call the same functions on the same bytes, so they agree
on the rows and the split without sending either across.

Split: stratified; within each class the rows are put in :func:`~noosphere.ml.datasets.
stable_order` (seeded from the dataset's SHA-256 and the parameters hash) and the first
``HOLDOUT_BP`` basis points of them (rounded down, never a class's last row) are held out for
the metrics. The recipe's seed comes from the same inputs plus the recipe hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from noosphere.ml.datasets import stable_order
from noosphere.ml.errors import DatasetError
from noosphere.ml.table import read_table

HOLDOUT_BP = 2_000
"""Share of each class held out to compute a job's metrics, in basis points (20 %)."""

_SPLIT_DOMAIN = b"noosphere.c2d.split/v1\x00"
_SEED_DOMAIN = b"noosphere.c2d.seed/v1\x00"


@dataclass(frozen=True, eq=False)
class Labelled:
    """The labelled rows of a dataset: ``X`` float32, ``y`` int64 in ``0..k-1``, and the label
    value of each class (``classes[j]`` is what class ``j`` stands for)."""

    X: np.ndarray
    y: np.ndarray
    classes: tuple[Any, ...]
    label: str

    @property
    def n_features(self) -> int:
        """Number of feature columns."""
        return int(self.X.shape[1])


def load_labelled(
    path: str | Path, label: str | None, *, max_bytes: int, max_rows: int
) -> Labelled:
    """Read a dataset file and keep its rows that have a label (classification only)."""
    table = read_table(
        path, label="auto" if label is None else label, max_bytes=max_bytes, max_rows=max_rows
    )
    name = table.label
    if name is None:
        raise DatasetError(f"{path} has no label column", hint="name one with label=")
    column = table.column(name)
    if column.kind == "float":
        raise DatasetError(
            f"label column {name!r} holds real numbers; compute-to-data recipes are classifiers"
        )
    if column.missing.any():
        table = table.take(np.flatnonzero(~column.missing))
    X, codes = table.to_xy()
    values = table.classes()
    present, y = np.unique(codes, return_inverse=True)
    if present.shape[0] < 2:
        raise DatasetError(f"label column {name!r} has fewer than two classes")
    if column.kind == "int":
        classes = tuple(int(v) for v in present)
    else:
        classes = tuple(values[int(v)] for v in present)
    return Labelled(np.ascontiguousarray(X, np.float32), y.astype(np.int64), classes, name)


def _seed(*parts: bytes) -> int:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return int.from_bytes(h.digest(), "big")


def split_seed(dataset_sha256: bytes, params_hash: str) -> int:
    """The seed of a job's train/test split (256 bits)."""
    return _seed(_SPLIT_DOMAIN, dataset_sha256, params_hash.encode())


def recipe_seed(dataset_sha256: bytes, params_hash: str, recipe_hash: str) -> int:
    """The ``seed`` a recipe gets: an integer in ``[0, 2**32)``."""
    return _seed(_SEED_DOMAIN, dataset_sha256, params_hash.encode(), recipe_hash.encode()) >> 224


def split(y: np.ndarray, seed: int, holdout_bp: int = HOLDOUT_BP) -> tuple[np.ndarray, np.ndarray]:
    """The training and held-out row indices (sorted, disjoint, covering every row)."""
    test: list[np.ndarray] = []
    for c in range(int(y.max()) + 1 if y.size else 0):
        rows = np.flatnonzero(y == c)
        n_test = min(rows.shape[0] - 1, rows.shape[0] * holdout_bp // 10_000)
        if n_test > 0:
            order = stable_order(
                rows.shape[0], _seed(seed.to_bytes(32, "big"), c.to_bytes(8, "big"))
            )
            test.append(rows[order[:n_test]])
    held = np.sort(np.concatenate(test)) if test else np.zeros(0, np.int64)
    mask = np.ones(y.shape[0], bool)
    mask[held] = False
    return np.flatnonzero(mask).astype(np.int64), held.astype(np.int64)
