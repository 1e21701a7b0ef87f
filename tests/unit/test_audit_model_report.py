"""The model audit's report: failing links named by their path through the lineage, the verdict
over ancestors, the JSON form, and how a test table's format is told from its bytes."""

from __future__ import annotations

from noosphere.audit.lineage_checks import failed, passed, short_hash, skipped
from noosphere.audit.model import ModelAudit, _table_format


def test_failures_are_named_by_their_path_through_the_lineage() -> None:
    grandparent = ModelAudit(1, [passed("artifact", "ok"), failed("metadata", "corrupt")])
    parent = ModelAudit(2, [skipped("test split", "none declared")], [grandparent])
    child = ModelAudit(3, [failed("dataset 4 order 7", "expired")], [parent], name="m")
    assert child.failures() == [
        "model 3 → dataset 4 order 7: expired",
        "model 3 → model 2 → model 1 → metadata: corrupt",
    ]
    assert not child.ok and not parent.ok and [a.model_id for a in child.walk()] == [3, 2, 1]
    grandparent.checks[1] = passed("metadata", "fine")
    assert parent.ok and not child.ok  # a skip is not a failure
    data = child.as_json()
    assert data["parents"][0]["checks"][0] == {"name": "test split", "status": "skip",
                                               "reason": "none declared"}  # fmt: skip
    assert data["ok"] is False and data["name"] == "m"


def test_short_hashes_and_table_formats() -> None:
    assert short_hash(bytes.fromhex("ab" * 32)) == "0xabababab…"
    assert _table_format(b"PK\x03\x04rest") == "npz"
    assert _table_format(b"PAR1....") == "parquet"
    assert _table_format(b"a\tb\n1\t2\n") == "tsv"
    assert _table_format(b"a,b\n1,2\n") == "csv"
