"""UnixFS/dag-pb layout: our CIDs equal kubo's, checked against aleph-cid (an independent
Rust implementation of kubo's `ipfs add`), plus the codec's own round trips."""

from __future__ import annotations

import contextlib
import hashlib
import random

import aleph_cid
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noosphere.errors import StoreError
from noosphere.storage import unixfs
from noosphere.storage.importer import _BalancedTree, import_bytes
from noosphere.storage.unixfs import (
    CHUNK_SIZE,
    EMPTY_FILE_BLOCK,
    DataType,
    PBLink,
    PBNode,
    UnixFSData,
    file_node,
)

C = CHUNK_SIZE


def _data(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def _kubo(data: bytes) -> str:
    return aleph_cid.compute_cid(data)


@pytest.mark.parametrize(
    "size",
    [0, 1, 2, 1000, C - 1, C, C + 1, 2 * C, 3 * C + 5, 174 * C, 174 * C + 1, 3_000_000],
)
def test_cid_matches_kubo(size: int) -> None:
    data = _data(size, seed=size)
    assert str(import_bytes(data).cid) == _kubo(data)


def test_known_kubo_cids() -> None:
    assert str(import_bytes(b"").cid) == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
    assert str(import_bytes(b"hello world\n").cid) == (
        "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
    )


def test_identical_chunks_still_match_kubo() -> None:
    data = b"\x00" * (5 * C + 3)
    assert str(import_bytes(data).cid) == _kubo(data)


@settings(max_examples=25, deadline=None)
@given(size=st.integers(min_value=0, max_value=4_000_000), seed=st.integers(0, 2**32))
def test_random_sizes_match_kubo(size: int, seed: int) -> None:
    data = _data(size, seed)
    assert str(import_bytes(data).cid) == _kubo(data)


def test_leaf_and_inner_node_bytes() -> None:
    leaf = unixfs.file_leaf(b"abc")
    assert leaf == bytes.fromhex("0a0908021203616263 1803".replace(" ", ""))
    assert unixfs.file_leaf(b"") == EMPTY_FILE_BLOCK
    child = b"\x12\x20" + hashlib.sha256(leaf).digest()
    node = file_node([(child, len(leaf), 3), (child, len(leaf), 3)])
    decoded = PBNode.decode(node)
    assert [link.name for link in decoded.links] == ["", ""]  # kubo writes the empty name
    assert [link.tsize for link in decoded.links] == [len(leaf), len(leaf)]
    assert decoded.data is not None
    assert UnixFSData.decode(decoded.data) == UnixFSData(DataType.FILE, None, 6, (3, 3))
    assert PBNode.decode(node).encode() == node


def _reference_layout(leaves: list[tuple[bytes, int, int]], max_links: int) -> bytes:
    """kubo's balanced builder written recursively, as a check on the streaming one: fill a
    root of depth d with subtrees of depth d-1, growing the depth until the leaves run out."""
    position = 0

    def fill(depth: int) -> tuple[bytes, int, int]:
        nonlocal position
        children: list[tuple[bytes, int, int]] = []
        while len(children) < max_links and position < len(leaves):
            if depth == 1:
                children.append(leaves[position])
                position += 1
            else:
                children.append(fill(depth - 1))
        block = file_node(children)
        digest = hashlib.sha256(block).digest()
        return (
            b"\x12\x20" + digest,
            len(block) + sum(c[1] for c in children),
            sum(c[2] for c in children),
        )

    root = leaves[0]
    position = 1
    depth = 1
    while position < len(leaves):
        children = [root]
        # a new root over the old one, then more subtrees of the old root's depth
        while len(children) < max_links and position < len(leaves):
            children.append(fill(depth - 1) if depth > 1 else leaves[position])
            if depth == 1:
                position += 1
        block = file_node(children)
        digest = hashlib.sha256(block).digest()
        root = (
            b"\x12\x20" + digest,
            len(block) + sum(c[1] for c in children),
            sum(c[2] for c in children),
        )
        depth += 1
    return root[0]


@pytest.mark.parametrize("max_links", [2, 3, 4])
def test_streaming_tree_matches_recursive_layout(max_links: int) -> None:
    for count in range(1, 90):
        leaves = [
            (b"\x12\x20" + hashlib.sha256(str(i).encode()).digest(), 10 + i, i + 1)
            for i in range(count)
        ]
        emitted: list[bytes] = []
        tree = _BalancedTree(lambda _d, block, out=emitted: out.append(block), max_links=max_links)
        for leaf in leaves:
            tree.add(0, leaf)
        root = tree.finish()
        assert root[0] == _reference_layout(leaves, max_links), (max_links, count)
        assert root[2] == sum(leaf[2] for leaf in leaves)
        assert all(len(PBNode.decode(b).links) <= max_links for b in emitted)


def test_pb_round_trips() -> None:
    node = PBNode(
        (PBLink(b"\x12\x20" + b"\x01" * 32, "name", 7), PBLink(b"\x12\x20" + b"\x02" * 32)),
        UnixFSData(DataType.DIRECTORY).encode(),
    )
    assert PBNode.decode(node.encode()) == node
    data = UnixFSData(DataType.FILE, b"xyz", 3, (1, 2, 300_000))
    assert UnixFSData.decode(data.encode()) == data


def test_packed_blocksizes_are_accepted() -> None:
    packed = b"\x08\x02\x18\x03\x22\x02\x01\x02"
    assert UnixFSData.decode(packed).blocksizes == (1, 2)


@pytest.mark.parametrize(
    "block",
    [
        b"\x0a",  # truncated length
        b"\x0a\x05ab",  # runs past the end
        b"\x0a\x00\x12\x00",  # links after data
        b"\x1a\x00",  # unknown field
        b"\x0d\x00\x00\x00\x00",  # fixed32 wire type
        b"\x12\x02\x12\x00",  # link without a hash
        b"\x12\x04\x0a\x00\x12\x81",  # truncated name
    ],
)
def test_malformed_nodes_raise_store_error(block: bytes) -> None:
    with pytest.raises(StoreError, match=r"malformed|truncated"):
        PBNode.decode(block)


@pytest.mark.parametrize("raw", [b"", b"\x08\x09", b"\x12\x01a", b"\x08"])
def test_malformed_unixfs_raises_store_error(raw: bytes) -> None:
    with pytest.raises(StoreError):
        UnixFSData.decode(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_decoding_junk_never_raises_anything_but_store_error(junk: bytes) -> None:
    for decode in (PBNode.decode, UnixFSData.decode):
        with contextlib.suppress(StoreError):
            decode(junk)
