"""CARv1 writing and verified reading, cross-checked with aleph-cid's CAR writer and reader."""

from __future__ import annotations

import io
import os
from pathlib import Path

import aleph_cid
import pytest

from noosphere.errors import IntegrityError, StoreError
from noosphere.storage import CarReader, Store, car_header, import_bytes, to_v0, write_car
from noosphere.storage.cid import binary_cid, display_binary
from noosphere.storage.exporter import blockstore_loader, iter_blocks


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "home", sync=False)


def _car(store: Store, data: bytes) -> tuple[str, bytes]:
    cid = store.put_bytes(data)
    return str(cid), b"".join(store.export_car(cid))


def test_round_trip_into_another_store(store: Store, tmp_path: Path) -> None:
    data = os.urandom(5 * 262_144 + 99)
    cid, car = _car(store, data)
    reader = CarReader(io.BytesIO(car), origin="test.car")
    assert [str(r) for r in reader.roots] == [cid]
    blocks = list(reader)
    assert len(blocks) == 7  # 6 leaves + root
    assert display_binary(blocks[0][0]) == cid  # depth-first: the root comes first
    other = Store(tmp_path / "other", sync=False)
    assert [str(r) for r in other.import_car(io.BytesIO(car))] == [cid]
    assert b"".join(other.cat(cid)) == data


def test_aleph_reads_our_header(store: Store, tmp_path: Path) -> None:
    cid, car = _car(store, b"some content")
    path = tmp_path / "ours.car"
    path.write_bytes(car)
    assert to_v0(aleph_cid.read_carv1_root(path)) == cid


@pytest.mark.parametrize("version", [0, 1])
def test_we_read_alephs_car_of_a_folder(store: Store, tmp_path: Path, version: int) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    big = os.urandom(700_000)
    (folder / "a.txt").write_bytes(b"hello")
    (folder / "big.bin").write_bytes(big)
    car_path = tmp_path / "folder.car"
    root = aleph_cid.write_folder_car(folder, car_path, cid_version=version)
    with car_path.open("rb") as fh:
        roots = store.import_car(fh, origin=str(car_path))
    assert [str(r) for r in roots] in ([root], [to_v0(root)])
    links = {link.name: link for link in store.ls(root)}
    assert set(links) == {"a.txt", "big.bin"}
    assert b"".join(store.cat(links["big.bin"].cid)) == big  # raw leaves for CIDv1
    if version == 0:
        assert str(links["big.bin"].cid) == str(import_bytes(big).cid)
    assert store.stat(root).kind == "directory"
    with pytest.raises(StoreError, match="not a file"):
        b"".join(store.cat(root))


def test_tampered_block_is_an_error_and_never_yielded(store: Store) -> None:
    data = os.urandom(3 * 262_144)
    _, car = _car(store, data)
    tampered = bytearray(car)
    tampered[-1] ^= 0x01  # inside the last block
    reader = CarReader(io.BytesIO(bytes(tampered)), origin="evil.car")
    good = []
    with pytest.raises(IntegrityError, match=r"evil\.car: tampered block") as info:
        for bcid, block in reader:
            good.append((bcid, block))
    assert len(good) == 3  # root and the first two leaves were fine
    assert display_binary(binary_cid(0x70, b"\x00" * 32)) not in str(info.value)


def test_importing_a_tampered_car_keeps_what_was_there(store: Store, tmp_path: Path) -> None:
    existing = store.put_bytes(b"keep me")
    data = os.urandom(2 * 262_144 + 1)
    source = Store(tmp_path / "source", sync=False)
    cid, car = _car(source, data)
    tampered = bytearray(car)
    tampered[-5] ^= 0xFF
    with pytest.raises(IntegrityError):
        store.import_car(io.BytesIO(bytes(tampered)))
    assert b"".join(store.cat(existing)) == b"keep me"
    for digest in store.blockstore.digests():  # every block that landed is a verified one
        store.blockstore.get_digest(digest)
    assert not store.has(cid)


@pytest.mark.parametrize(
    ("car", "message"),
    [
        (b"", "truncated"),
        (b"\x05abc", "truncated"),
        (b"\x00", "not plausible"),
        (b"\x02\xa0\x00", "malformed CAR header|version"),
        (car_header([])[:-1], "truncated"),
        (b"\x0a\xa1gversion\x02", "version 2 is not supported"),
        (car_header([]) + b"\x04\x12\x20ab", "malformed CID|past the end|CID"),
        (car_header([]) + b"\xff\xff\xff\x7f", "implausible size"),
        (b"\x03\xdb\x00\x00", "malformed CAR header"),
    ],
)
def test_malformed_cars_raise_store_errors(car: bytes, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        list(CarReader(io.BytesIO(car)))


def test_writer_streams_pieces(store: Store) -> None:
    cid = store.put_bytes(os.urandom(400_000))
    root = binary_cid(0x70, bytes(cid.raw_digest))
    pieces = list(write_car([root], iter_blocks(root, blockstore_loader(store.blockstore))))
    assert pieces[0] == car_header([root])
    assert max(len(p) for p in pieces) < 262_144 + 100  # never more than one block at a time
