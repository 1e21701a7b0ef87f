"""Dataset files: reading CSV/Parquet/NPZ, type inference, the quality report and its preview."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noosphere.errors import NoosphereError
from noosphere.ml import table as table_module
from noosphere.ml.errors import DatasetError, DatasetFormatError, DatasetTooLargeError
from noosphere.ml.profile import MIN_COUNT, RARE, profile
from noosphere.ml.table import DatasetTable, read_table

CSV = """\
id,age,city,score,member,label
1,34,Paris,1.5,true,yes
2,,Lyon,2.25,false,no
3,45,"Paris, France",NA,TRUE,yes
4,23, Nice ,3.0,false,no
5,34,Paris,1.5,true,yes
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def kinds(table: DatasetTable) -> dict[str, str]:
    return {c.name: c.kind for c in table.columns}


# --- reading -----------------------------------------------------------------------------------
def test_csv_types_missing_and_quoting(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "d.csv", CSV))
    assert kinds(table) == {
        "id": "int",
        "age": "int",
        "city": "categorical",
        "score": "float",
        "member": "bool",
        "label": "categorical",
    }
    assert table.label == "label" and table.n_rows == 5
    city = table.column("city")
    assert city.categories == ("Lyon", "Nice", "Paris", "Paris, France")
    assert [city.cell(i) for i in range(5)] == ["Paris", "Lyon", "Paris, France", "Nice", "Paris"]
    assert table.column("age").missing.tolist() == [False, True, False, False, False]
    assert table.column("score").cell(2) is None
    assert [table.column("member").cell(i) for i in range(5)] == [True, False, True, False, True]


def test_tsv_bom_blank_lines_and_inf(tmp_path: Path) -> None:
    path = tmp_path / "d.tsv"
    path.write_bytes("\ufeffa\tb\n1\tinf\n\n2\t0.5\n".encode())
    table = read_table(path, label=None)
    assert table.names == ("a", "b") and table.label is None
    b = table.column("b")
    assert b.kind == "float" and b.missing.tolist() == [True, False]  # inf counts as missing


def test_int_overflow_and_all_missing_columns(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "d.csv", "big,empty\n99999999999999999999,\n1,NA\n"))
    assert kinds(table) == {"big": "categorical", "empty": "float"}
    assert table.column("empty").missing.all()


def test_label_detection(tmp_path: Path) -> None:
    assert read_table(write(tmp_path / "a.csv", "x,Target\n1,0\n")).label == "Target"
    assert read_table(write(tmp_path / "b.csv", "x,y\n1,0\n")).label == "y"
    assert read_table(write(tmp_path / "c.csv", "x,z\n1,0\n")).label is None
    assert read_table(write(tmp_path / "d.csv", "x,z\n1,0\n"), label="z").label == "z"
    with pytest.raises(DatasetError, match="no label column 'lable'; did you mean 'label'"):
        read_table(write(tmp_path / "e.csv", "x,label\n1,0\n"), label="lable")


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    table = pa.table(
        {
            "i": pa.array([1, None, 3, 4], pa.int32()),
            "u": pa.array([1, 2, 3, 4], pa.uint8()),
            "f": pa.array([0.5, float("nan"), None, 2.0], pa.float32()),
            "b": pa.array([True, None, False, True]),
            "s": pa.array(["a", "", None, "b"], pa.large_string()),
            "d": pa.array(["x", "y", "x", "x"]).dictionary_encode(),
            "dec": pa.array([1, 2, 3, 4], pa.decimal128(5, 2)),
            "label": pa.array([0, 1, 0, 1], pa.int64()),
        }
    )
    pq.write_table(table, path, row_group_size=2)  # two row groups: chunked columns
    got = read_table(path)
    assert kinds(got) == {
        "i": "int",
        "u": "int",
        "f": "float",
        "b": "bool",
        "s": "categorical",
        "d": "categorical",
        "dec": "float",
        "label": "int",
    }
    assert got.column("i").missing.tolist() == [False, True, False, False]
    assert got.column("f").missing.tolist() == [False, True, True, False]
    assert got.column("b").missing.tolist() == [False, True, False, False]
    s = got.column("s")
    assert s.categories == ("a", "b") and s.missing.tolist() == [False, True, True, False]
    assert [got.column("d").cell(i) for i in range(4)] == ["x", "y", "x", "x"]


def test_parquet_refuses_nested_types(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"l": pa.array([[1], [2, 3]])}), path)
    with pytest.raises(DatasetFormatError, match="column 'l' has type list<"):
        read_table(path)


def test_npz_named_columns_and_x_y(tmp_path: Path) -> None:
    path = tmp_path / "cols.npz"
    np.savez(
        path, a=np.array([1.0, np.nan, 3.0]), b=np.array(["x", "", "y"]), y=np.array([0, 1, 1])
    )
    table = read_table(path)
    assert kinds(table) == {"a": "float", "b": "categorical", "y": "int"}
    assert table.label == "y" and table.column("b").missing.tolist() == [False, True, False]

    path = tmp_path / "xy.npz"
    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.savez_compressed(path, X=X, y=np.array([True, False, True, True]))
    table = read_table(path)
    assert table.names == ("x0", "x1", "x2", "y")
    features, target = table.to_xy()
    assert np.array_equal(features, X) and target.tolist() == [1, 0, 1, 1]

    path = tmp_path / "named.npz"
    np.savez(path, X=X, feature_names=np.array(["p", "q", "r"]), label=np.array([0, 1, 2, 0]))
    assert read_table(path).names == ("p", "q", "r", "label")


def test_npz_pickled_objects_are_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, a=np.array([{"x": 1}, None], dtype=object))

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("read_array must not be reached")

    monkeypatch.setattr(np.lib.format, "read_array", boom)
    with pytest.raises(DatasetFormatError, match=r"'a' holds Python objects \(a pickle\)"):
        read_table(path)


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        ({"X": np.zeros(3)}, "X must be 2-D"),
        ({"a": np.zeros((2, 2))}, "'a' must be 1-D"),
        ({"a": np.zeros(2), "b": np.zeros(3)}, r"different lengths \[2, 3\]"),
        ({"a": np.zeros(2, complex)}, "dtype complex128"),
        ({"a": np.array([2**64 - 1], np.uint64)}, "beyond 64-bit signed"),
        ({"X": np.zeros((2, 2)), "feature_names": np.array(["a"])}, "1 names for 2 columns"),
    ],
)
def test_npz_bad_layouts(tmp_path: Path, arrays: dict[str, np.ndarray], match: str) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)  # type: ignore[arg-type]
    with pytest.raises(DatasetFormatError, match=match):
        read_table(path)


def test_npz_header_that_lies_about_its_size(tmp_path: Path) -> None:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.zeros(4))
    raw, old, new = buf.getvalue(), b"'shape': (4,), }", b"'shape': (999999999,), }"
    at = raw.index(old)  # the header is padded with spaces: the new shape takes some of them
    data = raw[:at] + new + raw[at + len(new) :]
    assert len(data) == len(raw)
    path = tmp_path / "lie.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.npy", data)
    with pytest.raises(DatasetFormatError, match="declares more data than it stores"):
        read_table(path)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("empty.csv", b"", "is empty: a CSV file needs a header row"),
        ("head.csv", b"a,b\n", "holds no data rows"),
        ("short.csv", b"a,b\n1,2\n3\n", "data row 2 has 1 fields, the header 2"),
        ("quote.csv", b'a,b\n1,"unterminated\n', "unexpected end of data"),
        ("dup.csv", b"a,a\n1,2\n", "column name 'a' appears twice"),
        ("noname.csv", b"a,,c\n1,2,3\n", "column 2 has no name"),
        ("bin.csv", b"a,b\n\xff\xfe\x00\x01,2\n", "is not UTF-8 text"),
        ("junk.parquet", b"PAR1 not really", "is not a readable Parquet file"),
        ("junk.npz", b"PK\x03\x04 not really", "is not a readable NPZ file"),
        ("member.npz", None, "member 'notes.txt' is not a .npy array"),
    ],
)
def test_corrupt_files(tmp_path: Path, name: str, content: bytes | None, match: str) -> None:
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("notes.txt", "hello")
    else:
        path.write_bytes(content)
    with pytest.raises(DatasetFormatError, match=match) as info:
        read_table(path)
    assert name in str(info.value)


def test_truncated_binary_files(tmp_path: Path) -> None:
    parquet = tmp_path / "d.parquet"
    pq.write_table(pa.table({"a": list(range(1000))}), parquet)
    parquet.write_bytes(parquet.read_bytes()[:-100])
    npz = tmp_path / "d.npz"
    np.savez_compressed(npz, a=np.arange(1000))
    npz.write_bytes(npz.read_bytes()[:-50])
    for path in (parquet, npz):
        with pytest.raises(DatasetFormatError, match="is not a readable"):
            read_table(path)


def test_size_limits(tmp_path: Path) -> None:
    csv = write(tmp_path / "d.csv", "a\n" + "1\n" * 100)
    with pytest.raises(DatasetTooLargeError, match="more than the 50 allowed"):
        read_table(csv, max_bytes=50)
    with pytest.raises(DatasetTooLargeError, match="more than the 10 rows allowed"):
        read_table(csv, max_rows=10)
    parquet = tmp_path / "d.parquet"
    pq.write_table(pa.table({"a": list(range(100))}), parquet)
    with pytest.raises(DatasetTooLargeError, match="100 rows, more than the 10 allowed"):
        read_table(parquet, max_rows=10)
    npz = tmp_path / "d.npz"
    np.savez_compressed(npz, a=np.zeros(100_000))  # compresses to almost nothing
    assert npz.stat().st_size < 10_000
    with pytest.raises(DatasetTooLargeError, match="800_128 bytes uncompressed"):
        read_table(npz, max_bytes=100_000)
    with pytest.raises(DatasetTooLargeError, match="100_000 rows"):
        read_table(npz, max_rows=1000)


def test_csv_cell_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_module, "MAX_CSV_CELLS", 100)
    csv = write(tmp_path / "d.csv", "a,b\n" + "1,2\n" * 51)
    with pytest.raises(DatasetTooLargeError, match=r"more than 100 cells.*save it as Parquet"):
        read_table(csv)
    csv.write_text("a,b\n" + "1,2\n" * 50)
    assert read_table(csv).n_rows == 50


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"cannot tell the format of d\.xlsx"):
        read_table(tmp_path / "d.xlsx")
    with pytest.raises(DatasetError, match=r"cannot read .*nope\.csv"):
        read_table(tmp_path / "nope.csv")
    assert issubclass(DatasetFormatError, DatasetError) and issubclass(DatasetError, NoosphereError)


# --- the report --------------------------------------------------------------------------------
def test_report(tmp_path: Path) -> None:
    rows = ["a,b,c,label"] + [f"{i % 7},{'xyz'[i % 3]},id{i},{int(i % 4 == 0)}" for i in range(40)]
    rows += ["1,y,id1,0", "1,y,id1,0", ",,,0"]  # two duplicates of one row (and of row 1)
    report = profile(read_table(write(tmp_path / "d.csv", "\n".join(rows) + "\n")))
    assert (report.rows, len(report.columns), report.label, report.task) == (
        43,
        4,
        "label",
        "classification",
    )
    assert report.duplicate_rows == 2 and report.missing_cells == 3
    a, b, c, label = report.columns
    assert (a.type, a.missing, a.nullable, a.distinct) == ("int", 1, True, 7)
    assert a.summary is not None and (a.summary.min, a.summary.max, a.summary.p50) == (0, 6, 3.0)
    assert b.type == "categorical" and [v.value for v in b.frequent or ()] == ["y", "x", "z"]
    assert c.distinct == 40 and c.frequent == ()  # identifiers: no value is listed
    assert label.is_label and label.type == "int"
    assert [(v.value, v.count) for v in report.label_balance or ()] == [(0, 33), (1, 10)]
    assert report.preview_columns == ("a", "b", "c", "label")
    data = json.loads(report.to_json())
    assert list(data) == sorted(data) and data["rows"] == 43
    assert report.to_json() == profile(read_table(tmp_path / "d.csv")).to_json()  # deterministic
    assert "id1" not in report.to_json() and "id17" not in report.to_json()


def test_regression_label_and_no_label() -> None:
    values = np.linspace(0, 1, 50)
    report = profile(DatasetTable.from_arrays({"x": values, "target": values * 2}))
    assert report.task == "regression" and report.label_balance is None
    report = profile(DatasetTable.from_arrays({"x": values}))
    assert report.label is None and report.task is None


def test_preview_draws_from_marginals_only() -> None:
    rng = np.random.default_rng(0)
    n = 200
    table = DatasetTable.from_arrays(
        {
            "height": np.round(rng.normal(170, 10, n), 1),
            "count": rng.integers(0, 10, n),
            "city": np.array(["a", "b", "c", "d"])[rng.integers(0, 4, n)],
            "email": np.array([f"user{i}@example.org" for i in range(n)]),
            "label": rng.integers(0, 2, n).astype(bool),
        }
    )
    report = profile(table)
    assert len(report.preview) == 5
    for height, count, city, email, label in report.preview:
        assert height is None or (isinstance(height, float) and round(height, 1) == height)
        assert count is None or isinstance(count, int)
        assert city in {"a", "b", "c", "d"}
        assert email == RARE  # every value is unique: none is frequent enough to show
        assert isinstance(label, bool)


def test_preview_is_empty_when_every_possible_row_is_real() -> None:
    table = DatasetTable.from_arrays({"flag": np.array([True, False] * 10)}, label=None)
    assert profile(table).preview == ()


# a table of a few small columns, so that a drawn row often equals a real row
small_tables = st.integers(min_value=MIN_COUNT, max_value=40).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "i": st.lists(st.integers(0, 3), min_size=n, max_size=n),
            "f": st.lists(st.sampled_from([0.5, 1.0, 1.5, float("nan")]), min_size=n, max_size=n),
            "c": st.lists(st.sampled_from(["a", "b", "", RARE]), min_size=n, max_size=n),
            "b": st.lists(st.booleans(), min_size=n, max_size=n),
        }
    )
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_tables)
def test_preview_never_shows_a_real_row(columns: dict[str, list[object]]) -> None:
    table = DatasetTable.from_arrays({k: np.array(v) for k, v in columns.items()}, label=None)
    real = {tuple(c.cell(i) for c in table.columns) for i in range(table.n_rows)}
    report = profile(table)
    for row in report.preview:
        assert row not in real
    assert report.to_json() == profile(table).to_json()


# --- to_xy -------------------------------------------------------------------------------------
def test_to_xy_encodings(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "d.csv", CSV))
    X, y = table.to_xy()
    names = table.feature_names()
    assert X.dtype == np.float32 and X.shape == (5, len(names))
    assert names == [
        "id", "age", "city=Lyon", "city=Nice", "city=Paris", "city=Paris, France", "score",
        "member",
    ]  # fmt: skip
    assert np.isnan(X[1, 1]) and X[2, names.index("city=Paris, France")] == 1.0
    assert table.classes() == ["no", "yes"] and y.tolist() == [1, 0, 1, 0, 1]
    X2, _ = table.to_xy(features=["city", "age"], one_hot=False)
    assert X2[:, 0].tolist() == [2.0, 0.0, 3.0, 1.0, 2.0]
    assert table.feature_names(features=["city"], one_hot=False) == ["city"]
    part = table.take([3, 1])  # a split keeps the encoding of the whole table
    X3, y3 = part.to_xy()
    assert np.array_equal(X3, X[[3, 1]], equal_nan=True) and y3.tolist() == [0, 0]
    assert part.classes() == ["no", "yes"] and part.feature_names() == names


def test_to_xy_errors(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "d.csv", CSV), label=None)
    with pytest.raises(DatasetError, match="has no label column"):
        table.to_xy()
    with pytest.raises(DatasetError, match="'score' has 1 missing values"):
        table.to_xy("score")
    labelled = table.take(np.flatnonzero(~table.column("score").missing))
    _, y = labelled.to_xy("score")
    assert y.dtype == np.float32 and y.tolist() == [1.5, 2.25, 3.0, 1.5]
    with pytest.raises(DatasetError, match="cannot also be a feature"):
        labelled.to_xy("score", features=["score"])
    with pytest.raises(DatasetError, match="no column 'agee'; did you mean 'age'"):
        labelled.to_xy("score", features=["agee"])
