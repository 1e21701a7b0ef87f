"""Streaming import and export: any stream shape, constant memory, exact round trips."""

from __future__ import annotations

import io
import os
import random
import tracemalloc
from pathlib import Path

import aleph_cid
import pytest

from noosphere.storage import Blockstore, import_bytes, import_file, import_stream
from noosphere.storage.cid import binary_cid
from noosphere.storage.exporter import blockstore_loader, iter_file, list_links, node_info


class Trickle(io.RawIOBase):
    """A pipe-like stream that hands out data in random small pieces."""

    def __init__(self, data: bytes, seed: int = 1) -> None:
        self._data = memoryview(data)
        self._rng = random.Random(seed)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), len(self._data), self._rng.randint(1, 70_000))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


class ReadOnly:
    """A stream with only ``read`` (no ``readinto``)."""

    def __init__(self, data: bytes) -> None:
        self._io = io.BytesIO(data)

    def read(self, n: int) -> bytes:
        return self._io.read(min(n, 10_000))


class Generated(io.RawIOBase):
    """``size`` bytes of distinct chunks, produced on the fly (nothing held in memory)."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._block = bytearray(os.urandom(1 << 16))
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left, len(self._block))
        self._count += 1
        self._block[:8] = self._count.to_bytes(8, "little")
        buffer[:n] = self._block[:n]
        self._left -= n
        return n


def test_stream_shapes_do_not_change_the_cid(tmp_path: Path) -> None:
    data = os.urandom(3 * 262_144 + 12_345)
    expected = aleph_cid.compute_cid(data)
    assert str(import_stream(Trickle(data)).cid) == expected
    assert str(import_stream(ReadOnly(data)).cid) == expected
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert str(import_file(path).cid) == expected


def test_result_describes_the_dag(tmp_path: Path) -> None:
    store = Blockstore(tmp_path / "b", sync=False)
    data = os.urandom(4 * 262_144 + 1)
    result = import_bytes(data, store)
    assert result.size == len(data)
    assert result.blocks == 6 == len(list(store.digests()))
    sizes = sum(store.path_for(d).stat().st_size for d in store.digests())
    assert result.dag_size == sizes  # the root's Tsize counts every block once


def test_hash_only_writes_nothing(tmp_path: Path) -> None:
    store_dir = tmp_path / "b"
    import_bytes(os.urandom(1_000_000))
    assert not store_dir.exists()


def _peak_bytes(fn: object) -> int:
    tracemalloc.start()
    try:
        fn()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("store", [False, True])
def test_memory_stays_constant_while_streaming(tmp_path: Path, store: bool) -> None:
    blocks = Blockstore(tmp_path / "b", sync=False) if store else None
    small = _peak_bytes(lambda: import_stream(Generated(4 << 20), blocks))
    large = _peak_bytes(lambda: import_stream(Generated(64 << 20), blocks))
    assert large < 6 << 20  # a few chunk buffers, whatever the size
    assert large < small + (1 << 20)


def test_export_round_trip_and_listing(tmp_path: Path) -> None:
    store = Blockstore(tmp_path / "b", sync=False)
    data = os.urandom(2 * 262_144 + 5)
    result = import_bytes(data, store)
    root = binary_cid(0x70, bytes(result.cid.raw_digest))
    load = blockstore_loader(store)
    assert b"".join(iter_file(root, load)) == data
    links = list_links(root, load)
    assert [link.size for link in links] == [262_158, 262_158, 13]
    info = node_info(root, load)
    assert (info.kind, info.size, info.links) == ("file", len(data), 3)


def test_import_file_errors_are_clear(tmp_path: Path) -> None:
    from noosphere.errors import InputError

    with pytest.raises(InputError, match="no such file"):
        import_file(tmp_path / "missing")
    with pytest.raises(InputError, match="is a directory"):
        import_file(tmp_path)
