"""The public profile of a dataset: its schema and a quality report, leaking no real row.

What the report shows: rows, columns, per column its type, missing count, distinct count and,
for numbers, min/max/mean/std and quartiles (6 significant digits); for text and booleans only
the values seen in at least :data:`MIN_COUNT` rows (at most :data:`MAX_LISTED` of them), so a
column of identifiers lists none; duplicate rows; the label's class balance; and a synthetic
preview of :data:`PREVIEW_ROWS` rows. Each preview cell is drawn independently from its column's
marginal distribution (numbers from the 5-95 % quantile range, rounded to the column's
precision; text and booleans from their frequent values only, else :data:`RARE`), the draw is
seeded from a hash of the data, and a drawn row that equals a real row is discarded (checked on
a 128-bit hash of whole rows, so the check never misses): the preview may hold fewer rows, never
a real one. The min and max of a column are real values; an identifier's range is shown.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from noosphere.ml.table import Column, DatasetTable, fingerprint, hash_rows, row_hashes

MIN_COUNT = 5
MAX_LISTED = 20
MAX_CLASSES = 100
PREVIEW_ROWS = 5
RARE = "<rare>"
REPORT_VERSION = 1


# --- the report --------------------------------------------------------------------------------
@dataclass(frozen=True)
class NumericSummary:
    """Range, moments and quartiles of the present values of a numeric column."""

    min: float
    max: float
    mean: float
    std: float
    p25: float
    p50: float
    p75: float


@dataclass(frozen=True)
class ValueCount:
    """A value and how many rows hold it (``fraction`` of the rows where it is present)."""

    value: str | int | bool
    count: int
    fraction: float


@dataclass(frozen=True)
class ColumnProfile:
    """The public schema and statistics of one column."""

    name: str
    type: str
    nullable: bool
    missing: int
    distinct: int
    is_label: bool
    summary: NumericSummary | None
    frequent: tuple[ValueCount, ...] | None


@dataclass(frozen=True)
class QualityReport:
    """The public quality report of a dataset (canonical JSON with :meth:`to_json`)."""

    rows: int
    columns: tuple[ColumnProfile, ...]
    label: str | None
    task: str | None
    duplicate_rows: int
    missing_cells: int
    label_balance: tuple[ValueCount, ...] | None
    preview_columns: tuple[str, ...]
    preview: tuple[tuple[Any, ...], ...]
    version: int = REPORT_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-serialisable dicts, lists, tuples and scalars."""
        return asdict(self)

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, no NaN; the same data gives the same bytes."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)


def profile(table: DatasetTable) -> QualityReport:
    """The public quality report of ``table`` (see the module notes for what it reveals)."""
    hashes = row_hashes(table.columns, table.n_rows)
    unique = np.unique(hashes.view(np.dtype((np.void, 16))).reshape(-1)).shape[0]
    profiles = tuple(_column_profile(c, c.name == table.label) for c in table.columns)
    task, balance = None, None
    if table.label is not None:
        task, balance = _label_balance(table.column(table.label))
    seed = fingerprint(table.columns, hashes)
    rng = np.random.default_rng(int.from_bytes(seed[:16], "big"))
    return QualityReport(
        rows=table.n_rows,
        columns=profiles,
        label=table.label,
        task=task,
        duplicate_rows=int(table.n_rows - unique),
        missing_cells=sum(p.missing for p in profiles),
        label_balance=balance,
        preview_columns=table.names,
        preview=_preview(table, hashes, rng),
    )


def _column_profile(col: Column, is_label: bool) -> ColumnProfile:
    missing = int(col.missing.sum())
    present = col.values[~col.missing]
    summary, frequent = None, None
    if col.kind in ("int", "float"):
        distinct = int(np.unique(present).shape[0])
        if present.size:
            q25, q50, q75 = np.quantile(present.astype(np.float64), [0.25, 0.5, 0.75])
            exact = int if col.kind == "int" else _round
            summary = NumericSummary(
                min=exact(present.min()),
                max=exact(present.max()),
                mean=_round(present.mean(dtype=np.float64)),
                std=_round(present.std(dtype=np.float64)),
                p25=_round(q25),
                p50=_round(q50),
                p75=_round(q75),
            )
    else:
        counts = _counts(col)
        distinct = len(counts)
        shown = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        frequent = tuple(
            ValueCount(v, n, _round(n / max(1, present.size)))
            for v, n in shown[:MAX_LISTED]
            if n >= MIN_COUNT
        )
    return ColumnProfile(
        name=col.name,
        type=col.kind,
        nullable=bool(missing),
        missing=missing,
        distinct=distinct,
        is_label=is_label,
        summary=summary,
        frequent=frequent,
    )


def _counts(col: Column) -> dict[Any, int]:
    """Present value -> count, for a categorical, bool or int column (values as JSON types)."""
    values, counts = np.unique(col.values[~col.missing], return_counts=True)
    if col.kind == "categorical":
        return {col.categories[int(v)]: int(n) for v, n in zip(values, counts, strict=True)}
    cast = bool if col.kind == "bool" else int
    return {cast(v): int(n) for v, n in zip(values, counts, strict=True)}


def _label_balance(col: Column) -> tuple[str | None, tuple[ValueCount, ...] | None]:
    if col.kind == "float":
        return "regression", None
    counts = _counts(col)
    if col.kind == "int" and len(counts) > MAX_CLASSES:
        return "regression", None
    if len(counts) > MAX_CLASSES:
        return "classification", None
    total = max(1, sum(counts.values()))
    return "classification", tuple(
        ValueCount(v, n, _round(n / total)) for v, n in sorted(counts.items())
    )


def _round(x: Any) -> float:
    """6 significant digits: stable across machines where the last bits of a sum may differ."""
    return float(f"{float(x):.6g}")


def _preview(
    table: DatasetTable, hashes: np.ndarray, rng: np.random.Generator
) -> tuple[tuple[Any, ...], ...]:
    """Up to :data:`PREVIEW_ROWS` synthetic rows, none equal to a real row."""
    if not table.n_rows or not table.columns:
        return ()
    order = np.lexsort((hashes[:, 1], hashes[:, 0]))
    first, second = hashes[order, 0], hashes[order, 1]
    draws = 20 * PREVIEW_ROWS
    samplers = [_sampler(col, rng, draws) for col in table.columns]
    shown = [s[1] for s in samplers]
    typed = [(col.kind, *s[0]) for col, s in zip(table.columns, samplers, strict=True)]
    candidate = hash_rows(typed, draws)
    rows: list[tuple[Any, ...]] = []
    for i in range(draws):
        lo = np.searchsorted(first, candidate[i, 0], "left")
        hi = np.searchsorted(first, candidate[i, 0], "right")
        if (second[lo:hi] == candidate[i, 1]).any():
            continue  # equals a real row (or collides with one): never shown
        rows.append(tuple(cells[i] for cells in shown))
        if len(rows) == PREVIEW_ROWS:
            break
    return tuple(rows)


def _sampler(
    col: Column, rng: np.random.Generator, draws: int
) -> tuple[tuple[np.ndarray, np.ndarray], list[Any]]:
    """``draws`` independent cells from the column's marginal: typed (values, state) for the
    row check, and the JSON values shown."""
    n = len(col)
    present = col.values[~col.missing]
    state = (rng.random(draws) < col.missing.sum() / n).astype(np.uint8)  # 1: missing
    if col.kind in ("int", "float"):
        if present.size < MIN_COUNT:
            values = np.zeros(draws, col.values.dtype)
            state[state == 0] = 2
        else:
            sample = np.quantile(present.astype(np.float64), rng.uniform(0.05, 0.95, draws))
            if col.kind == "int":
                values = np.rint(sample).astype(np.int64)
            else:
                values = np.round(sample, _decimals(present))
    else:
        codes, counts = np.unique(present, return_counts=True)
        keep = counts >= MIN_COUNT
        if keep.any():
            weights = counts[keep] / counts[keep].sum()
            values = rng.choice(codes[keep], size=draws, p=weights).astype(col.values.dtype)
        else:
            values = np.zeros(draws, col.values.dtype)
            state[state == 0] = 2
    if col.kind == "categorical" and RARE in col.categories:
        redacted = state == 2  # shown as RARE, which is a real value here: compare it as one
        values = np.where(redacted, col.categories.index(RARE), values)
        state = np.where(redacted, 0, state).astype(np.uint8)
    shown_col = Column(col.name, col.kind, values, state == 1, col.categories)
    shown = [RARE if s == 2 else shown_col.cell(i) for i, s in enumerate(state)]
    return (values, state), shown


def _decimals(values: np.ndarray) -> int:
    """The fewest decimals (0..6) that write every value of a sample exactly, else 6."""
    sample = values[:: max(1, values.size // 1000)].astype(np.float64)
    for d in range(7):
        if np.allclose(np.round(sample, d), sample, rtol=1e-12, atol=1e-12):
            return d
    return 6
