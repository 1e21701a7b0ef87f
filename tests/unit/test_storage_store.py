"""The Store API: put, read, list, atomic get, and how it fails without losing anything."""

from __future__ import annotations

import os
from pathlib import Path

import aleph_cid
import pytest

import noosphere.storage as storage
from noosphere.config import load_config
from noosphere.errors import BlockNotFoundError, IntegrityError, StoreError
from noosphere.storage import Store, to_v1


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "home", sync=False)


def test_put_file_and_read_back(store: Store, tmp_path: Path) -> None:
    data = os.urandom(700_000)
    path = tmp_path / "model.onnx"
    path.write_bytes(data)
    cid = store.put_file(path)
    assert str(cid) == aleph_cid.compute_cid(data)
    assert b"".join(store.cat(cid)) == data
    assert b"".join(store.cat(to_v1(cid))) == data  # CIDv1 names the same content
    with store.open(cid) as fh:
        assert fh.read(10) == data[:10]
        assert fh.read() == data[10:]
    assert store.read_bytes(cid) == data
    assert store.has(cid)
    assert store.stat(cid).size == len(data)
    assert len(store.ls(cid)) == 3
    (record,) = store.roots()
    assert (record.cid, record.size, record.name) == (cid, len(data), "model.onnx")


def test_hash_only_stores_and_records_nothing(store: Store) -> None:
    cid = store.put_bytes(b"only hashed", hash_only=True)
    assert not store.has(cid)
    assert store.roots() == []


def test_roots_are_deduplicated_and_survive_a_torn_line(store: Store) -> None:
    a = store.put_bytes(b"a", name="first")
    store.put_bytes(b"b", name="b")
    store.put_bytes(b"a", name="again")
    with (store.home / "roots.jsonl").open("a") as fh:
        fh.write('{"cid": "Qm')  # what a crash mid-append leaves
    assert [(str(r.cid), r.name) for r in store.roots()][-1] == (str(a), "again")
    assert len(store.roots()) == 2


def test_get_is_atomic(store: Store, tmp_path: Path) -> None:
    data = os.urandom(600_000)
    cid = store.put_bytes(data)
    out = store.get(cid, tmp_path / "out.bin")
    assert out.read_bytes() == data
    assert store.get(cid, tmp_path) == tmp_path / str(cid)
    # now corrupt the last leaf: get must fail and leave the old file and no partial file
    leaf = store.ls(cid)[-1].cid
    path = store.blockstore.path_for(bytes(leaf.raw_digest))
    path.write_bytes(b"\x00" + path.read_bytes()[1:])
    out.write_bytes(b"previous content")
    with pytest.raises(IntegrityError, match=f"block {leaf} is corrupt on disk"):
        store.get(cid, out)
    assert out.read_bytes() == b"previous content"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_missing_blocks_fail_before_any_output(store: Store) -> None:
    data = os.urandom(600_000)
    cid = store.put_bytes(data)
    store.blockstore.delete(store.ls(cid)[1].cid)
    assert not store.has(cid)
    with pytest.raises(BlockNotFoundError, match=r"incomplete.*no gateway is configured"):
        store.cat(cid)
    with pytest.raises(BlockNotFoundError, match="is not in the local store"):
        store.cat("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")


def test_read_bytes_refuses_big_files(store: Store) -> None:
    cid = store.put_bytes(b"x" * 1000)
    with pytest.raises(StoreError, match="more than the 10 allowed"):
        store.read_bytes(cid, max_size=10)


def test_from_config_uses_home_and_gateways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOOS_GATEWAYS", "http://a.test, http://b.test")
    cfg = load_config(home=tmp_path)
    store = Store.from_config(cfg, sync=False)
    assert store.home == tmp_path
    assert store.gateways == ("http://a.test", "http://b.test")


def test_public_names() -> None:
    assert sorted(storage.__all__) == sorted(
        [
            "CHUNK_SIZE", "DAG_PB", "MAX_LINKS", "RAW", "BlockWriter", "Blockstore", "CarReader",
            "CidLike", "DagLink", "GatewayClient", "ImportResult", "NodeInfo", "RootRecord",
            "Store", "block_cid", "car_header", "create_app", "digest_of", "display",
            "import_bytes", "import_file", "import_stream", "iter_blocks", "iter_file",
            "make_cid", "parse_cid", "to_v0", "to_v1", "write_car",
        ]
    )  # fmt: skip
    for name in storage.__all__:
        assert getattr(storage, name) is not None
