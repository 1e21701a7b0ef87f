"""The filesystem blockstore: verified writes, verified reads, atomicity, layout."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from noosphere.errors import BlockNotFoundError, IntegrityError, StoreError
from noosphere.storage import Blockstore, block_cid, make_cid
from noosphere.storage.cid import RAW


@pytest.fixture
def store(tmp_path: Path) -> Blockstore:
    return Blockstore(tmp_path / "blocks")


def test_put_get_has_delete(store: Blockstore) -> None:
    cid = block_cid(b"block one")
    assert not store.has(cid)
    assert store.put(cid, b"block one") == cid
    assert store.has(cid)
    assert store.get(cid) == b"block one"
    assert store.size(cid) == 9
    assert store.delete(cid)
    assert not store.delete(cid)
    with pytest.raises(BlockNotFoundError, match=str(cid)):
        store.get(cid)


def test_blocks_are_keyed_by_multihash_like_kubo(store: Blockstore) -> None:
    pb = store.put_block(b"same bytes")
    raw = make_cid(bytes(pb.raw_digest), RAW)
    assert store.get(raw) == b"same bytes"
    path = store.path_for(bytes(pb.raw_digest))
    key = path.name.removesuffix(".data")
    assert key.startswith("CIQ") and path.parent.name == key[-3:-1]  # flatfs next-to-last/2
    assert list(store) == [raw]
    assert list(store.digests()) == [bytes(pb.raw_digest)]


def test_put_refuses_a_block_that_does_not_match(store: Blockstore) -> None:
    cid = block_cid(b"the real block")
    with pytest.raises(IntegrityError, match=f"refusing to store block {cid}"):
        store.put(cid, b"a forged block")
    assert not store.has(cid)
    assert not any(p.is_file() for p in store.root.rglob("*"))


def test_corruption_on_disk_is_detected_and_the_file_kept(store: Blockstore) -> None:
    cid = store.put_block(b"precious")
    path = store.path_for(bytes(cid.raw_digest))
    path.write_bytes(b"precioux")
    with pytest.raises(IntegrityError, match=f"block {cid} is corrupt on disk"):
        store.get(cid)
    assert path.read_bytes() == b"precioux"  # nothing deleted behind the user's back
    store.put(cid, b"precious", replace=True)  # a verified copy repairs it
    assert store.get(cid) == b"precious"


def test_truncated_block_is_rewritten_by_a_plain_put(store: Blockstore) -> None:
    cid = store.put_block(b"0123456789")
    store.path_for(bytes(cid.raw_digest)).write_bytes(b"01234")
    store.put(cid, b"0123456789")
    assert store.get(cid) == b"0123456789"


def test_writes_leave_no_temporary_files(store: Blockstore) -> None:
    for i in range(20):
        store.put_block(f"block {i}".encode())
    with store.writer() as writer:
        for i in range(20, 40):
            data = f"block {i}".encode()
            writer.put(hashlib.sha256(data).digest(), (data[:3], memoryview(data)[3:]))
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert len(files) == 40
    assert all(p.suffix == ".data" for p in files)
    assert all(store.get(block_cid(f"block {i}".encode())) for i in range(40))


def test_writer_reports_a_failed_write(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    store = Blockstore(blocker / "blocks")
    data = b"cannot land"
    with pytest.raises(StoreError, match="cannot"), store.writer() as writer:
        for _ in range(3):
            writer.put(hashlib.sha256(data).digest(), (data,))


def test_unsynced_store_still_round_trips(tmp_path: Path) -> None:
    store = Blockstore(tmp_path / "b", sync=False)
    cid = store.put_block(os.urandom(1000))
    assert len(store.get(cid)) == 1000
