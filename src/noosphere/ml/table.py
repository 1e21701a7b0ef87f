"""Dataset files: read CSV, Parquet or NPZ into a typed, bounded in-memory table.

``noos data publish FILE`` reads the file with :func:`read_table` and publishes its profile
(:mod:`noosphere.ml.profile`); compute-to-data recipes get the same :class:`DatasetTable` and
call :meth:`DatasetTable.to_xy`. Rows hash to 128 bits (:func:`row_hashes`), which the table's
fingerprint and the profile's preview use.

Reading. A column is ``int``, ``float``, ``bool`` or ``categorical`` (text), each with a mask of
missing cells. CSV (``.csv``, ``.tsv``) is UTF-8 with a header row; surrounding whitespace is
ignored; a cell in :data:`MISSING_TOKENS` is missing; a column is ``int`` if every present cell
is an integer that fits 64 bits, else ``float`` if every cell is a number, else ``bool`` if every
cell is ``true``/``false`` (any case), else ``categorical``. Parquet (``.parquet``, ``.pq``)
keeps its types (nulls missing; decimals become floats; nested, binary and time types are
refused). NPZ (``.npz``) holds 1-D arrays, one per column, or a 2-D ``X`` (columns ``x0``,
``x1``... or the names in a 1-D ``feature_names``) with 1-D arrays beside it such as ``y``; it
is read with ``allow_pickle=False`` and an object array is refused before it is loaded.
Everywhere a non-finite float and an empty string are missing. Every read is bounded
(``max_bytes`` of file and of uncompressed content, ``max_rows``, :data:`MAX_COLUMNS`, and
:data:`MAX_CSV_CELLS` for CSV, which is held as Python strings until its types are known).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import itertools
import math
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from noosphere.ml.errors import DatasetError, DatasetFormatError, DatasetTooLargeError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet", ".npz": "npz"}
KINDS = ("int", "float", "bool", "categorical")
MISSING_TOKENS = frozenset({"", "NA", "N/A", "NaN", "nan", "NULL", "null", "None"})
DEFAULT_MAX_BYTES = 1 << 30
DEFAULT_MAX_ROWS = 10_000_000
MAX_COLUMNS = 10_000
MAX_CSV_CELLS = 20_000_000
LABEL_NAMES = ("label", "target", "y")
MAX_ONE_HOT = 64

_INT64_MAX = np.iinfo(np.int64).max
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, eq=False)
class Column:
    """One column: ``values`` (int64, float64, bool, or int64 codes into the sorted
    ``categories``) and a ``missing`` mask; a missing cell's value is 0, NaN, False or -1."""

    name: str
    kind: str
    values: np.ndarray = field(repr=False)
    missing: np.ndarray = field(repr=False)
    categories: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def cell(self, row: int) -> Any:
        """The JSON value of one cell (None if missing)."""
        if self.missing[row]:
            return None
        value = self.values[row]
        if self.kind == "categorical":
            return self.categories[int(value)]
        return {"int": int, "float": float, "bool": bool}[self.kind](value)


@dataclass(frozen=True, eq=False)
class DatasetTable:
    """A dataset in memory: typed columns of equal length and the name of its label column."""

    columns: tuple[Column, ...]
    label: str | None = None
    source: str = "<arrays>"

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise DatasetFormatError(f"{self.source}: column name {dup!r} appears twice")
        if len({len(c) for c in self.columns}) > 1:
            raise DatasetFormatError(f"{self.source}: columns have different lengths")
        if self.label is not None and self.label not in names:
            raise DatasetError(_unknown(self.source, "label column", self.label, names))

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], *, label: str | None = "auto", source: str = ""
    ) -> DatasetTable:
        """A table from 1-D numpy arrays (bool, int, uint, float or str), one per column.

        ``label`` names the label column; ``"auto"`` picks the first of :data:`LABEL_NAMES`
        present (any case), ``None`` means none.
        """
        source = source or "<arrays>"
        columns = tuple(_numpy_column(name, np.asarray(a), source) for name, a in arrays.items())
        return cls(columns, _pick_label([c.name for c in columns], label, source), source)

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.columns[0]) if self.columns else 0

    @property
    def names(self) -> tuple[str, ...]:
        """Column names, in file order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise DatasetError(_unknown(self.source, "column", name, self.names))

    def take(self, indices: np.ndarray | Sequence[int]) -> DatasetTable:
        """The rows at ``indices`` (in that order), e.g. a split or the rows with a label."""
        idx = np.asarray(indices, dtype=np.int64)
        cols = tuple(
            Column(c.name, c.kind, c.values[idx], c.missing[idx], c.categories)
            for c in self.columns
        )
        return DatasetTable(cols, self.label, self.source)

    def fingerprint(self) -> bytes:
        """SHA-256 of the names, types and the 128-bit hashes of every row (in order)."""
        return fingerprint(self.columns, row_hashes(self.columns, self.n_rows))

    def to_xy(
        self,
        label: str | None = None,
        *,
        features: Sequence[str] | None = None,
        one_hot: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Features ``X`` (float32, rows x features) and target ``y`` for a recipe.

        Numbers and booleans are one feature each, missing as NaN. A categorical column is one
        0/1 feature per category in sorted order (all 0 if missing) when ``one_hot`` and it has
        at most :data:`MAX_ONE_HOT` categories, else one feature of category indices (missing
        NaN). ``y`` is int64 for a classification label (a text label's index into
        :meth:`classes`, a boolean's 0/1, an integer itself: the same in any subset of the
        rows) and float32 for a ``float`` label; a missing label is an error (see :meth:`take`).
        """
        target = self._label_column(label)
        names = self._feature_columns(target.name, features)
        blocks = [_encode(self.column(n), one_hot)[0] for n in names]
        X = np.concatenate(blocks, axis=1) if blocks else np.zeros((self.n_rows, 0))
        return np.ascontiguousarray(X, dtype=np.float32), _label_codes(target)[1]

    def feature_names(
        self,
        label: str | None = None,
        *,
        features: Sequence[str] | None = None,
        one_hot: bool = True,
    ) -> list[str]:
        """Names of the columns of ``X`` from :meth:`to_xy` (``"color=red"`` for one-hot)."""
        target = self._label_column(label)
        names = self._feature_columns(target.name, features)
        return [n for name in names for n in _encode(self.column(name), one_hot)[1]]

    def classes(self, label: str | None = None) -> list[Any]:
        """The classes of a classification label, sorted: all categories of a text label (``y``
        indexes them), ``[False, True]``, or the integers present."""
        return _label_codes(self._label_column(label))[0]

    def _label_column(self, label: str | None) -> Column:
        name = label or self.label
        if name is None:
            raise DatasetError(f"{self.source} has no label column", hint="pass label=")
        col = self.column(name)
        if col.missing.any():
            raise DatasetError(
                f"{self.source}: label column {name!r} has {int(col.missing.sum())} missing values",
                hint="keep the labelled rows with table.take(...)",
            )
        return col

    def _feature_columns(self, label: str, features: Sequence[str] | None) -> list[str]:
        names = [n for n in self.names if n != label] if features is None else list(features)
        for name in names:
            self.column(name)
        if label in names:
            raise DatasetError(f"{self.source}: the label {label!r} cannot also be a feature")
        return names


# --- reading -----------------------------------------------------------------------------------
def read_table(
    path: str | Path,
    *,
    format: str | None = None,
    label: str | None = "auto",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> DatasetTable:
    """Read a CSV, TSV, Parquet or NPZ file (``format`` defaults from the file's extension)."""
    path = Path(path)
    fmt = format or FORMATS.get(path.suffix.lower())
    if fmt not in FORMATS.values():
        kinds = ", ".join(sorted(FORMATS))
        raise DatasetError(f"cannot tell the format of {path.name}", hint=f"use one of {kinds}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise DatasetTooLargeError(f"{path} is {size:_} bytes, more than the {max_bytes:_} allowed")
    if fmt in ("csv", "tsv"):
        columns = _read_csv(path, "\t" if fmt == "tsv" else ",", max_rows)
    elif fmt == "parquet":
        columns = _read_parquet(path, max_bytes, max_rows)
    else:
        columns = _read_npz(path, max_bytes, max_rows)
    if not columns or not len(columns[0]):
        raise DatasetFormatError(f"{path} holds no data rows")
    return DatasetTable(
        columns, _pick_label([c.name for c in columns], label, str(path)), str(path)
    )


def _read_csv(path: Path, delimiter: str, max_rows: int) -> tuple[Column, ...]:
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter, strict=True)
            header = next(reader, None)
            if header is None:
                raise DatasetFormatError(f"{path} is empty: a CSV file needs a header row")
            names = [h.strip() for h in header]
            _check_names(names, path)
            limit = min(max_rows, MAX_CSV_CELLS // len(names))
            rows = list(itertools.islice(reader, limit + 1))
    except csv.Error as exc:
        raise DatasetFormatError(f"{path}: line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise DatasetFormatError(f"{path} is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from None
    lengths = np.fromiter(map(len, rows), np.int64, len(rows))
    if (lengths == 0).any():  # blank lines
        rows = [row for row in rows if row]
        lengths = lengths[lengths > 0]
    if len(rows) > limit:
        if limit == max_rows:
            raise DatasetTooLargeError(f"{path} has more than the {max_rows:_} rows allowed")
        raise DatasetTooLargeError(
            f"{path} has more than {MAX_CSV_CELLS:_} cells, the most a CSV file may hold (it "
            "is read as text)",
            hint="save it as Parquet",
        )
    bad = np.flatnonzero(lengths != len(names))
    if bad.size:
        raise DatasetFormatError(
            f"{path}: data row {bad[0] + 1} has {lengths[bad[0]]} fields, the header "
            f"{len(names)} (a truncated file or an unquoted delimiter?)"
        )
    cells = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    del rows
    return tuple(_text_column(name, col) for name, col in zip(names, cells, strict=True))


def _text_column(name: str, raw: Sequence[str]) -> Column:
    """Infer the type of a CSV column (see the module notes) and convert it."""
    stripped = list(map(str.strip, raw))
    missing = np.fromiter(map(MISSING_TOKENS.__contains__, stripped), bool, len(stripped))
    if missing.all():
        return _fill(name, "float", np.zeros(0), missing)
    present = [stripped[i] for i in np.flatnonzero(~missing)] if missing.any() else stripped
    try:
        ints = list(map(int, present))
    except ValueError:
        pass
    else:  # integers beyond 64 bits are identifiers, not numbers
        if max(ints) <= _INT64_MAX and min(ints) >= -_INT64_MAX - 1:
            return _fill(name, "int", np.array(ints, dtype=np.int64), missing)
        return _categorical(name, stripped)
    try:
        return _fill(name, "float", np.array(list(map(float, present))), missing)
    except ValueError:
        pass
    if set(map(str.lower, set(present))) <= {"true", "false"}:
        flags = np.array([v.lower() == "true" for v in present], dtype=bool)
        return _fill(name, "bool", flags, missing)
    return _categorical(name, stripped)


def _read_parquet(path: Path, max_bytes: int, max_rows: int) -> tuple[Column, ...]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        meta = pf.metadata
        _check_shape(path, meta.num_rows, meta.num_columns, max_rows)
        inflated = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if inflated > max_bytes:
            raise DatasetTooLargeError(
                f"{path} holds {inflated:_} bytes uncompressed, more than the {max_bytes:_} allowed"
            )
        table = pf.read()
    except (pa.ArrowException, OSError) as exc:
        raise DatasetFormatError(f"{path} is not a readable Parquet file: {exc}") from None
    names = [str(n) for n in table.column_names]
    _check_names(names, path)
    return tuple(_arrow_column(name, table.column(i), path) for i, name in enumerate(names))


def _arrow_column(name: str, chunked: Any, path: Path) -> Column:
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.concat_arrays(chunked.chunks) if chunked.num_chunks else pa.array([], chunked.type)
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    kind = arr.type
    missing = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_boolean(kind):
        values = pc.fill_null(arr, False).to_numpy(zero_copy_only=False)
        return _numpy_column(name, np.asarray(values, dtype=bool), str(path), missing)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        if pa.types.is_decimal(kind):
            arr = pc.cast(arr, pa.float64())
        values = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False)
        return _numpy_column(name, np.asarray(values), str(path), missing)
    if pa.types.is_null(kind):
        return _fill(name, "float", np.zeros(0), missing)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        encoded = arr.dictionary_encode()
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        return _from_codes(name, encoded.dictionary.to_pylist(), np.asarray(codes, np.int64))
    raise DatasetFormatError(
        f"{path}: column {name!r} has type {kind}, which a dataset cannot hold "
        "(integers, floats, decimals, booleans and strings can)"
    )


def _read_npz(path: Path, max_bytes: int, max_rows: int) -> tuple[Column, ...]:
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(info.file_size for info in infos)
            if total > max_bytes:
                raise DatasetTooLargeError(
                    f"{path} holds {total:_} bytes uncompressed, more than the {max_bytes:_} "
                    "allowed"
                )
            for info in infos:
                name = info.filename.removesuffix(".npy")
                if name == info.filename:
                    raise DatasetFormatError(f"{path}: member {name!r} is not a .npy array")
                with zf.open(info) as fh:
                    _check_npy_header(fh, info, path, name)
                with zf.open(info) as fh:
                    arrays[name] = np.lib.format.read_array(fh, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, zlib.error) as exc:
        raise DatasetFormatError(f"{path} is not a readable NPZ file: {exc}") from None
    return _npz_columns(arrays, path, max_rows)


def _check_npy_header(fh: Any, info: zipfile.ZipInfo, path: Path, name: str) -> None:
    """Refuse object arrays (a pickle) and arrays bigger than their stored size, unread."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise DatasetFormatError(f"{path}: array {name!r} uses .npy version {version}")
    if dtype.hasobject:
        raise DatasetFormatError(
            f"{path}: array {name!r} holds Python objects (a pickle), which are never loaded",
            hint="save numbers or fixed-width strings (numpy 'U' arrays)",
        )
    if math.prod(shape) * dtype.itemsize > info.file_size:
        raise DatasetFormatError(f"{path}: array {name!r} declares more data than it stores")


def _npz_columns(arrays: dict[str, np.ndarray], path: Path, max_rows: int) -> tuple[Column, ...]:
    source = str(path)
    columns: dict[str, np.ndarray] = {}
    if "X" in arrays:
        X = arrays.pop("X")
        names_array = arrays.pop("feature_names", None)
        if X.ndim != 2:
            raise DatasetFormatError(f"{path}: X must be 2-D (rows x features), not {X.ndim}-D")
        if names_array is not None:
            names = [str(n) for n in np.asarray(names_array).ravel()]
            if len(names) != X.shape[1]:
                raise DatasetFormatError(
                    f"{path}: feature_names has {len(names)} names for {X.shape[1]} columns of X"
                )
        else:
            names = [f"x{i}" for i in range(X.shape[1])]
        columns.update({n: X[:, i] for i, n in enumerate(names)})
    for name, array in arrays.items():
        if array.ndim != 1:
            raise DatasetFormatError(f"{path}: array {name!r} must be 1-D, not {array.ndim}-D")
        if name in columns:
            raise DatasetFormatError(f"{source}: column name {name!r} appears twice")
        columns[name] = array
    _check_names(list(columns), path)
    lengths = {a.shape[0] for a in columns.values()}
    if len(lengths) > 1:
        raise DatasetFormatError(f"{path}: arrays have different lengths {sorted(lengths)}")
    _check_shape(path, lengths.pop() if lengths else 0, len(columns), max_rows)
    return tuple(_numpy_column(name, a, source) for name, a in columns.items())


# --- columns -----------------------------------------------------------------------------------
def _numpy_column(
    name: str, array: np.ndarray, source: str, missing: np.ndarray | None = None
) -> Column:
    if array.ndim != 1:
        raise DatasetFormatError(f"{source}: column {name!r} must be 1-D, not {array.ndim}-D")
    gone = np.zeros(array.shape[0], bool) if missing is None else missing
    kind = array.dtype.kind
    if kind == "b":
        return Column(name, "bool", np.where(gone, False, array), gone)
    if kind == "u" and array.size and array.max() > _INT64_MAX:
        raise DatasetFormatError(f"{source}: column {name!r} holds integers beyond 64-bit signed")
    if kind in "iu":
        return Column(name, "int", np.where(gone, 0, array).astype(np.int64), gone)
    if kind == "f":
        values = array.astype(np.float64)
        gone = gone | ~np.isfinite(values)
        return Column(name, "float", np.where(gone, np.nan, values), gone)
    if kind == "U":
        cells = ["" if m else str(v) for v, m in zip(array, gone, strict=True)]
        return _categorical(name, cells, frozenset({""}))
    raise DatasetFormatError(
        f"{source}: column {name!r} has numpy dtype {array.dtype}, which a dataset cannot hold "
        "(bool, int, uint, float and unicode strings can)"
    )


def _fill(name: str, kind: str, present: np.ndarray, missing: np.ndarray) -> Column:
    """A column whose present cells are ``present`` (in order), the others missing."""
    if kind == "float":
        finite = np.isfinite(present)
        if not finite.all():  # "inf" in a CSV: missing, like NaN
            missing = missing.copy()
            missing[np.flatnonzero(~missing)[~finite]] = True
            present = present[finite]
    empty: Any = {"int": 0, "float": np.nan, "bool": False}[kind]
    values = np.full(missing.shape[0], empty, dtype=present.dtype if present.size else float)
    values[~missing] = present
    return Column(name, kind, values, missing)


def _categorical(
    name: str, cells: Sequence[str], missing: frozenset[str] = MISSING_TOKENS
) -> Column:
    """A text column; a cell in ``missing`` is missing."""
    index = {value: i for i, value in enumerate(dict.fromkeys(cells))}
    for token in missing:
        if token in index:
            index[token] = -1
    codes = np.fromiter(map(index.__getitem__, cells), np.int64, len(cells))
    found = [v for v, i in index.items() if i >= 0]
    renumber = np.full(len(index) + 1, -1, np.int64)  # old code -> index in ``found``
    kept = np.array([i for i in index.values() if i >= 0], np.int64)
    renumber[kept] = np.arange(kept.size)
    return _from_codes(name, found, renumber[codes])


def _from_codes(name: str, found: list[str], codes: np.ndarray) -> Column:
    """Sort the categories and renumber the codes; an empty string is missing."""
    order = sorted(range(len(found)), key=found.__getitem__)
    rank = np.empty(len(found) + 1, np.int64)
    rank[-1] = -1  # code -1 (missing) stays -1
    rank[order] = np.arange(len(found))
    codes = rank[codes]
    categories = [found[i] for i in order]
    if categories and categories[0] == "":
        codes = np.where(codes == 0, -1, codes - (codes > 0))
        categories = categories[1:]
    return Column(name, "categorical", codes, codes < 0, tuple(categories))


def _check_names(names: list[str], path: Path) -> None:
    for i, name in enumerate(names):
        if not name:
            raise DatasetFormatError(f"{path}: column {i + 1} has no name")
        if names.index(name) != i:
            raise DatasetFormatError(f"{path}: column name {name!r} appears twice")
    if len(names) > MAX_COLUMNS:
        raise DatasetTooLargeError(f"{path} has {len(names)} columns; at most {MAX_COLUMNS}")


def _check_shape(path: Path, rows: int, columns: int, max_rows: int) -> None:
    if rows > max_rows:
        raise DatasetTooLargeError(f"{path} has {rows:_} rows, more than the {max_rows:_} allowed")
    if columns > MAX_COLUMNS:
        raise DatasetTooLargeError(f"{path} has {columns} columns; at most {MAX_COLUMNS}")


def _pick_label(names: list[str], label: str | None, source: str) -> str | None:
    if label != "auto":
        if label is not None and label not in names:
            raise DatasetError(_unknown(source, "label column", label, names))
        return label
    lowered = {n.lower(): n for n in reversed(names)}
    return next((lowered[n] for n in LABEL_NAMES if n in lowered), None)


def _unknown(source: str, what: str, name: str, names: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; it has {', '.join(names[:20])}"
    return f"{source} has no {what} {name!r}{hint}"


def _encode(col: Column, one_hot: bool) -> tuple[np.ndarray, list[str]]:
    """The feature block of a column for :meth:`DatasetTable.to_xy`, and its names."""
    if col.kind == "categorical" and one_hot and len(col.categories) <= MAX_ONE_HOT:
        block = col.values[:, None] == np.arange(len(col.categories))[None, :]
        return block.astype(np.float64), [f"{col.name}={c}" for c in col.categories]
    values = np.where(col.missing, np.nan, col.values.astype(np.float64))
    return values[:, None], [col.name]


def _label_codes(col: Column) -> tuple[list[Any], np.ndarray]:
    """The classes of a label column and its target ``y`` (the same for any subset of rows)."""
    if col.kind == "float":
        return [], col.values.astype(np.float32)
    if col.kind == "categorical":
        return list(col.categories), col.values.astype(np.int64)
    if col.kind == "bool":
        return [False, True], col.values.astype(np.int64)
    return [int(v) for v in np.unique(col.values)], col.values.astype(np.int64)


# --- row hashes ------------------------------------------------------
def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser over uint64 (wrapping arithmetic)."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _cell_keys(kind: str, values: np.ndarray, state: np.ndarray) -> np.ndarray:
    """uint64 keys of cells: ``state`` is 0 present, 1 missing, 2 redacted (:data:`RARE`)."""
    if kind == "float":
        bits = (values.astype(np.float64) + 0.0).view(np.uint64)  # -0.0 == 0.0
    else:
        bits = values.astype(np.int64).view(np.uint64)
    bits = np.where(state > 0, np.uint64(0), bits)
    return _mix(bits) ^ (state.astype(np.uint64) * _GOLDEN)


def row_hashes(columns: Sequence[Column], n_rows: int) -> np.ndarray:
    """A 128-bit hash of every row (n x 2 uint64): equal rows hash equal."""
    cells = [(c.kind, c.values, c.missing.astype(np.uint8)) for c in columns]
    return hash_rows(cells, n_rows)


def hash_rows(cells: Sequence[tuple[str, np.ndarray, np.ndarray]], n_rows: int) -> np.ndarray:
    """Hash rows given column by column as (kind, values, state) (see :func:`_cell_keys`)."""
    out = np.zeros((n_rows, 2), np.uint64)
    out[:, 1] = _GOLDEN
    for kind, values, state in cells:
        keys = _cell_keys(kind, values, state)
        out[:, 0] = _mix(out[:, 0] ^ keys)
        out[:, 1] = _mix(out[:, 1] + _mix(keys ^ np.uint64(0x5851F42D4C957F2D)))
    return out


def fingerprint(columns: Sequence[Column], hashes: np.ndarray) -> bytes:
    """A digest of the column names, kinds and every row's hash."""
    h = hashlib.sha256(b"noosphere.ml.table/v1\x00")
    for col in columns:
        h.update(f"{col.name}\x00{col.kind}\x00".encode())
    h.update(np.ascontiguousarray(hashes).tobytes())
    return h.digest()
