"""The Data NFT metadata document: canonical bytes, round trip, and every refusal of untrusted
input naming what was wrong."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from noosphere.data import EnvelopeInfo, Metadata, build_metadata, load_metadata
from noosphere.data.metadata import MAX_METADATA_BYTES, MAX_TAGS, ProviderBinding
from noosphere.errors import InputError, MetadataError
from noosphere.ml.profile import profile
from noosphere.ml.table import read_table

CSV = "sepal_length,petal_width,colour,label\n" + "".join(
    f"{4 + i % 7 * 0.5},{i % 5 * 0.25},{'red' if i % 3 else 'blue'},{i % 2}\n" for i in range(40)
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("meta") / "iris.csv"
    path.write_text(CSV)
    return profile(read_table(path)).to_dict()


@pytest.fixture
def doc(report: dict[str, Any]) -> Metadata:
    return build_metadata(
        title="  Iris measurements ",
        description="Petals and sepals.\nMeasured by hand.",
        licence="CC-BY-4.0",
        tags=["Botany", " flowers  and  plants "],
        format="csv",
        size=len(CSV),
        envelope=EnvelopeInfo(1 << 20, len(CSV) + 86 + 16),
        profile=report,
    )


def _raw(doc: Metadata) -> dict[str, Any]:
    return json.loads(doc.to_json())


def _bytes(raw: Any) -> bytes:
    return json.dumps(raw).encode()


def test_a_document_round_trips_with_canonical_bytes(doc: Metadata) -> None:
    data = doc.to_json()
    assert load_metadata(data) == doc
    assert load_metadata(data).to_json() == data
    assert data == json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode()  # fmt: skip
    assert doc.title == "Iris measurements"
    assert doc.tags == ("botany", "flowers and plants")
    assert doc.rows == 40 and doc.label == "label" and doc.task == "classification"
    assert doc.column_names == ["sepal_length", "petal_width", "colour", "label"]
    assert _raw(doc)["schema"] == "noosphere/data-metadata" and _raw(doc)["version"] == 1
    assert "key" not in data.decode().lower().replace("keys", "")  # no key material


def test_the_document_holds_no_real_row(doc: Metadata) -> None:
    rows = {tuple(line.split(",")) for line in CSV.splitlines()[1:]}
    for preview in doc.profile["preview"]:
        assert tuple(str(v) for v in preview) not in rows


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda r: r.update(schema="other/schema"), "schema"),
        (lambda r: r.update(version=2), "version 2"),
        (lambda r: r.update(version=True), "version True"),
        (lambda r: r.update(extra=1), "unknown field 'extra'"),
        (lambda r: r.pop("licence"), "missing field 'licence'"),
        (lambda r: r.update(title=""), "title is empty"),
        (lambda r: r.update(title="two\nlines"), "title contains the control character"),
        (lambda r: r.update(title=7), "title must be a string"),
        (lambda r: r.update(title="x" * 201), "title has 201 characters"),
        (lambda r: r.update(description="\x1b[31m"), "description contains the control"),
        (lambda r: r.update(description="d" * 20_001), "description has 20_001 characters"),
        (lambda r: r.update(tags="a,b"), "tags must be a list"),
        (lambda r: r.update(tags=["Upper"]), "tag 'Upper' must be"),
        (lambda r: r.update(tags=["a", "a"]), "tag 'a' appears twice"),
        (lambda r: r.update(tags=["a,b"]), "without commas"),
        (lambda r: r.update(tags=[f"t{i}" for i in range(MAX_TAGS + 1)]), "33 tags"),
        (lambda r: r["file"].update(format="xlsx"), "file.format 'xlsx'"),
        (lambda r: r["file"].update(size=-1), "file.size must be a non-negative integer"),
        (lambda r: r["file"].update(size=True), "file.size must be a non-negative integer"),
        (lambda r: r["file"].update(name="x.csv"), "file has unknown field name"),
        (lambda r: r["envelope"].update(cipher="ROT13"), "envelope 'noos-env/1'/'ROT13'"),
        (lambda r: r["envelope"].update(ciphertext_size=1), "ciphertext_size is smaller"),
        (lambda r: r.update(profile=[]), "profile must be an object"),
        (lambda r: r["profile"].update(rows="40"), "profile.rows"),
        (lambda r: r["profile"].update(columns=[]), "profile.columns must be a non-empty list"),
        (lambda r: r["profile"]["columns"][0].update(type="complex"), "columns[0].type"),
        (lambda r: r["profile"]["columns"][1].update(name="sepal_length"), "appears twice"),
        (lambda r: r["profile"].update(label="nope"), "profile.label 'nope' is not a column"),
    ],
)
def test_malformed_documents_are_refused_naming_the_field(
    doc: Metadata, mutate: Any, fragment: str
) -> None:
    raw = _raw(doc)
    mutate(raw)
    with pytest.raises(MetadataError, match=r"^metadata: ") as info:
        load_metadata(_bytes(raw))
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"title": ', "not valid JSON"),
        (b"[1, 2]", "expected a JSON object, not a list"),
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b'{"a": 1, "a": 2}', "key 'a' appears twice"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b" " * (MAX_METADATA_BYTES + 1), "more than the"),
    ],
)
def test_garbage_bytes_are_refused(data: bytes, fragment: str) -> None:
    with pytest.raises(MetadataError) as info:
        load_metadata(data)
    assert fragment in str(info.value)


def test_not_bytes_is_refused_and_errors_are_input_errors() -> None:
    with pytest.raises(InputError, match="expected bytes"):
        load_metadata("{}")  # type: ignore[arg-type]


def test_building_checks_what_it_builds(report: dict[str, Any]) -> None:
    parts: dict[str, Any] = {"format": "csv", "size": 10, "profile": report,
                             "envelope": EnvelopeInfo(1 << 20, 112)}  # fmt: skip
    with pytest.raises(MetadataError, match="title is empty"):
        build_metadata(title="   ", **parts)
    with pytest.raises(MetadataError, match="format 'xls'"):
        build_metadata(title="t", **{**parts, "format": "xls"})
    with pytest.raises(MetadataError, match="not JSON"):
        build_metadata(title="t", **{**parts, "profile": {**report, "rows": float("nan")}})
    with pytest.raises(MetadataError, match="more than the"):
        huge = {**report, "pad": "p" * MAX_METADATA_BYTES}
        build_metadata(title="t", **{**parts, "profile": huge})


def test_an_unknown_profile_field_is_kept(doc: Metadata, tmp_path: Path) -> None:
    raw = _raw(doc)
    raw["profile"]["future_statistic"] = {"x": 1}
    assert load_metadata(_bytes(raw)).profile["future_statistic"] == {"x": 1}


def test_brackets_inside_strings_do_not_count_as_nesting(doc: Metadata) -> None:
    raw = _raw(doc)
    raw["description"] = '[{"quoted \\" [[[' * 100
    assert load_metadata(_bytes(raw)).description == raw["description"]


# --- the provider binding ------------------------------------------------------------------------
SIGNER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
URL = "https://provider.example:8443"


def test_the_provider_signer_is_optional_and_round_trips(doc: Metadata) -> None:
    assert doc.provider is None and doc.provider_signer is None
    assert "provider" not in _raw(doc)  # absent, not null: older documents keep their CID
    bound = replace(doc, provider=ProviderBinding(URL, SIGNER))
    data = bound.to_json()
    assert json.loads(data)["provider"] == {"endpoint": URL, "signer": SIGNER}
    assert load_metadata(data) == bound and load_metadata(data).provider_signer == SIGNER
    assert load_metadata(data).to_json() == data
    assert data != doc.to_json() and load_metadata(doc.to_json()).provider is None
    with pytest.raises(MetadataError, match=r"provider\.signer"):
        build_metadata(title="t", format="csv", size=1, envelope=EnvelopeInfo(1, 200),
                       profile=doc.profile, provider=ProviderBinding(URL, "0xnope"))  # fmt: skip


@pytest.mark.parametrize(
    ("provider", "fragment"),
    [
        ({"endpoint": URL, "signer": SIGNER.lower()}, "provider.signer must be a checksummed"),
        ({"endpoint": URL, "signer": "0x1234"}, "provider.signer must be a checksummed"),
        ({"endpoint": URL, "signer": 5}, "provider.signer must be a checksummed address, not 5"),
        ({"endpoint": "ftp://x", "signer": SIGNER}, "provider.endpoint: 'ftp://x' is not an"),
        ({"endpoint": 7, "signer": SIGNER}, "provider.endpoint must be a string"),
        ({"signer": SIGNER}, "provider has missing field endpoint"),
        ({"endpoint": URL, "signer": SIGNER, "key": "x"}, "provider has unknown field key"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "provider must be an object, not a string"),
        (None, "provider must be an object, not null"),
    ],
)
def test_a_bad_provider_binding_is_refused_naming_the_field(
    doc: Metadata, provider: Any, fragment: str
) -> None:
    raw = _raw(doc)
    raw["provider"] = provider
    with pytest.raises(MetadataError, match=re.escape(fragment)):
        load_metadata(_bytes(raw))
