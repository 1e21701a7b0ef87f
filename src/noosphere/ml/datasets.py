"""Built-in datasets and their deterministic splits.

Four datasets are built in: ``digits`` (8x8 images, 10 classes), ``breast_cancer`` (2 classes)
and ``wine`` (3 classes), read from the files scikit-learn ships, and ``synthetic``, a seeded
``make_classification`` whose size is set by parameters (for scale tests). Every dataset has
``float32`` features and ``int64`` labels ``0..n_classes-1``.

Splits. The rows of a dataset are put in a fixed order that depends only on the dataset's
identity (its name and parameters). The first rows of that order form the **public training
split** that miners train on; the last ``holdout_bp`` basis points form the **held-out pool**.
Each validator draws its **private evaluation split** from the pool with its own secret (bytes
that only it knows, e.g. a random per-node secret kept in its state), optionally per round.

Stability. An order is ``argsort`` of the raw 64-bit outputs of a PCG64 bit generator seeded
with a SHA-256 digest. numpy guarantees the stream of a bit generator across versions and
machines (unlike the methods of ``Generator``), so every machine computes the same splits.
The ``synthetic`` data itself comes from scikit-learn's ``make_classification``, which uses a
BLAS matrix product: its features may differ in the last bits across machines or versions of
scikit-learn (its labels do not).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from noosphere.ml.errors import DatasetError

BUILTIN_DATASETS = ("digits", "breast_cancer", "wine", "synthetic")
"""Names of the built-in datasets."""

DEFAULT_HOLDOUT_BP = 4_000
"""Default share of a dataset held out for evaluation, in basis points (40 %)."""

MIN_SECRET_BYTES = 16
"""A validator's split secret must have at least this many bytes (a short one can be guessed)."""

# (n_samples, n_features, n_classes) of the file-backed datasets.
_FILE_SHAPES: dict[str, tuple[int, int, int]] = {
    "digits": (1797, 64, 10),
    "breast_cancer": (569, 30, 2),
    "wine": (178, 13, 3),
}

# synthetic: parameter -> (default, min, max); n_informative's default depends on the others.
_SYNTHETIC_PARAMS: dict[str, tuple[int | None, int, int]] = {
    "n_samples": (2_000, 10, 2_000_000),
    "n_features": (20, 2, 2_000),
    "n_classes": (2, 2, 100),
    "n_informative": (None, 1, 2_000),
    "seed": (0, 0, 2**32 - 1),
}
_SYNTHETIC_MAX_VALUES = 100_000_000  # n_samples * n_features (400 MB of float32)

_SPLIT_DOMAIN = b"noosphere.ml.split/v1\x00"
_EVAL_DOMAIN = b"noosphere.ml.eval/v1\x00"


@dataclass(frozen=True)
class DatasetShape:
    """How many rows, features and classes a dataset has."""

    n_samples: int
    n_features: int
    n_classes: int


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset: ``X`` (float32, rows x features) and ``y`` (int64 labels)."""

    name: str
    params: Mapping[str, int]
    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    n_classes: int

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of features per row."""
        return int(self.X.shape[1])

    @property
    def identity(self) -> bytes:
        """Canonical bytes naming the dataset (name and parameters); seeds its row order."""
        return dataset_identity(self.name, self.params)

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the shape and the little-endian bytes of ``X`` and ``y``.

        A task spec can pin it, so a node whose copy of the data differs finds out.
        """
        h = hashlib.sha256(b"noosphere.ml.dataset/v1\x00")
        h.update(json.dumps([self.n_samples, self.n_features, self.n_classes]).encode())
        h.update(np.ascontiguousarray(self.X, dtype="<f4").tobytes())
        h.update(np.ascontiguousarray(self.y, dtype="<i8").tobytes())
        return h.hexdigest()

    def take(self, indices: np.ndarray) -> Subset:
        """The rows at ``indices`` (in that order)."""
        idx = np.asarray(indices, dtype=np.int64)
        return Subset(indices=idx, X=self.X[idx], y=self.y[idx])


@dataclass(frozen=True, eq=False)
class Subset:
    """Some rows of a dataset: their indices in it, features and labels."""

    indices: np.ndarray
    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        """Number of rows."""
        return int(self.indices.shape[0])


@dataclass(frozen=True, eq=False)
class Split:
    """The public training rows and the held-out pool of a dataset (indices, disjoint)."""

    public: np.ndarray
    pool: np.ndarray


def _unknown(kind: str, value: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(choices)}"
    return f"unknown {kind} {value!r}{hint}"


def _int_param(name: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DatasetError(f"dataset {name!r}: parameter {key!r} must be an integer, not {value!r}")
    return value


def normalize_params(name: str, params: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Check a dataset's name and parameters; return every parameter with defaults filled in.

    File-backed datasets take no parameters. ``synthetic`` takes ``n_samples``, ``n_features``,
    ``n_classes``, ``n_informative`` and ``seed`` (all integers).
    """
    params = dict(params or {})
    if name not in BUILTIN_DATASETS:
        raise DatasetError(_unknown("dataset", name, BUILTIN_DATASETS))
    if name != "synthetic":
        if params:
            raise DatasetError(f"dataset {name!r} takes no parameters, got {sorted(params)}")
        return {}
    for key in params:
        if key not in _SYNTHETIC_PARAMS:
            raise DatasetError(
                f"dataset 'synthetic': {_unknown('parameter', key, list(_SYNTHETIC_PARAMS))}"
            )
    out: dict[str, int] = {}
    for key, (default, lo, hi) in _SYNTHETIC_PARAMS.items():
        if key == "n_informative":
            continue
        value = _int_param(name, key, params.get(key, default))
        if not lo <= value <= hi:
            raise DatasetError(f"dataset 'synthetic': {key} must be in [{lo}, {hi}], not {value}")
        out[key] = value
    n_features, n_classes = out["n_features"], out["n_classes"]
    # make_classification needs n_classes * n_clusters_per_class (2) <= 2 ** n_informative.
    need = max(1, (2 * n_classes - 1).bit_length())
    given = params.get("n_informative")
    n_informative = (
        max(need, n_features // 2) if given is None else _int_param(name, "n_informative", given)
    )
    if not need <= n_informative <= n_features:
        raise DatasetError(
            f"dataset 'synthetic': n_informative must be in [{need}, {n_features}] "
            f"for {n_classes} classes and {n_features} features, not {n_informative}"
        )
    out["n_informative"] = n_informative
    if out["n_samples"] * n_features > _SYNTHETIC_MAX_VALUES:
        raise DatasetError(
            f"dataset 'synthetic': n_samples * n_features must be at most "
            f"{_SYNTHETIC_MAX_VALUES:_}, not {out['n_samples'] * n_features:_}"
        )
    if out["n_samples"] < 2 * n_classes:
        raise DatasetError(
            f"dataset 'synthetic': n_samples must be at least 2 * n_classes ({2 * n_classes})"
        )
    return dict(sorted(out.items()))


def dataset_shape(name: str, params: Mapping[str, Any] | None = None) -> DatasetShape:
    """The shape of a built-in dataset, without loading it."""
    p = normalize_params(name, params)
    if name == "synthetic":
        return DatasetShape(p["n_samples"], p["n_features"], p["n_classes"])
    return DatasetShape(*_FILE_SHAPES[name])


def dataset_identity(name: str, params: Mapping[str, Any] | None = None) -> bytes:
    """Canonical bytes of a dataset's name and (normalised) parameters."""
    p = normalize_params(name, params)
    return json.dumps({"name": name, "params": p}, sort_keys=True, separators=(",", ":")).encode()


def load_dataset(name: str, params: Mapping[str, Any] | None = None) -> Dataset:
    """Load a built-in dataset (no network: the data ships with scikit-learn or is generated)."""
    p = normalize_params(name, params)
    if name == "synthetic":
        from sklearn.datasets import make_classification

        X, y = make_classification(
            n_samples=p["n_samples"],
            n_features=p["n_features"],
            n_informative=p["n_informative"],
            n_redundant=0,
            n_classes=p["n_classes"],
            n_clusters_per_class=2,
            random_state=p["seed"],
        )
    else:
        from sklearn import datasets as skd

        loader = {
            "digits": skd.load_digits,
            "breast_cancer": skd.load_breast_cancer,
            "wine": skd.load_wine,
        }[name]
        X, y = loader(return_X_y=True)
    X = np.ascontiguousarray(X, dtype=np.float32)
    y = np.ascontiguousarray(y, dtype=np.int64)
    n_classes = dataset_shape(name, p).n_classes
    X.setflags(write=False)
    y.setflags(write=False)
    return Dataset(name=name, params=p, X=X, y=y, n_classes=n_classes)


def _seed(*parts: bytes) -> int:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return int.from_bytes(h.digest(), "big")


def stable_order(n: int, seed: int) -> np.ndarray:
    """A permutation of ``range(n)`` that depends only on ``seed`` (see the module notes)."""
    keys = np.random.PCG64(seed).random_raw(n)
    return np.argsort(keys, kind="stable").astype(np.int64)


def _check_holdout(holdout_bp: int) -> int:
    if isinstance(holdout_bp, bool) or not isinstance(holdout_bp, int):
        raise DatasetError(f"holdout_bp must be an integer number of basis points: {holdout_bp!r}")
    if not 1 <= holdout_bp <= 9_999:
        raise DatasetError(f"holdout_bp must be in [1, 9999] basis points, not {holdout_bp}")
    return holdout_bp


def pool_size(n_samples: int, holdout_bp: int = DEFAULT_HOLDOUT_BP) -> int:
    """How many of ``n_samples`` rows the held-out pool gets (at least one, never all)."""
    _check_holdout(holdout_bp)
    return min(n_samples - 1, max(1, n_samples * holdout_bp // 10_000))


def split_indices(dataset: Dataset, holdout_bp: int = DEFAULT_HOLDOUT_BP) -> Split:
    """The public training rows and the held-out pool (both sorted, disjoint, covering all)."""
    order = stable_order(dataset.n_samples, _seed(_SPLIT_DOMAIN, dataset.identity))
    n_pool = pool_size(dataset.n_samples, holdout_bp)
    cut = dataset.n_samples - n_pool
    return Split(public=np.sort(order[:cut]), pool=np.sort(order[cut:]))


def public_split(dataset: Dataset, holdout_bp: int = DEFAULT_HOLDOUT_BP) -> Subset:
    """The public training split that every miner may train on."""
    return dataset.take(split_indices(dataset, holdout_bp).public)


def private_split(
    dataset: Dataset,
    secret: bytes,
    size: int,
    *,
    holdout_bp: int = DEFAULT_HOLDOUT_BP,
    round: int = 0,
) -> Subset:
    """A validator's private evaluation split: ``size`` rows of the held-out pool.

    The rows are drawn without replacement with a seed derived from ``secret`` (at least
    :data:`MIN_SECRET_BYTES` bytes, known only to the validator), the dataset's identity and
    ``round`` (pass the epoch for a fresh draw each epoch). They never include a row of the
    public training split.
    """
    if not isinstance(secret, bytes | bytearray | memoryview):
        raise DatasetError(f"the split secret must be bytes, not {type(secret).__name__}")
    secret = bytes(secret)
    if len(secret) < MIN_SECRET_BYTES:
        raise DatasetError(
            f"the split secret has {len(secret)} bytes; it needs at least {MIN_SECRET_BYTES}",
            hint="use new_secret() and keep it in the node's state",
        )
    if isinstance(round, bool) or not isinstance(round, int) or not 0 <= round < 2**64:
        raise DatasetError(f"round must be an integer in [0, 2**64), not {round!r}")
    pool = split_indices(dataset, holdout_bp).pool
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= pool.shape[0]:
        raise DatasetError(
            f"evaluation size must be an integer in [1, {pool.shape[0]}] (the held-out pool of "
            f"{dataset.name!r}), not {size!r}"
        )
    seed = _seed(_EVAL_DOMAIN, secret, dataset.identity, round.to_bytes(8, "big"))
    chosen = pool[stable_order(pool.shape[0], seed)[:size]]
    return dataset.take(chosen)


def new_secret() -> bytes:
    """32 random bytes for a validator's split secret (keep them in the node's state)."""
    return os.urandom(32)
