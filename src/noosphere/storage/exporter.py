"""Walking a UnixFS DAG: stream a file's bytes back, list links, traverse for CARs.

Every function takes a ``load(binary_cid) -> bytes`` callable that returns a block already
verified against its CID (the blockstore re-hashes on read; the store can plug in a loader that
fetches missing blocks from gateways). Walks are iterative and keep one link list per tree level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from multiformats import CID

from noosphere.errors import BlockNotFoundError, StoreError
from noosphere.storage._wire import decode_varint
from noosphere.storage.blockstore import Blockstore
from noosphere.storage.cid import (
    DAG_PB,
    RAW,
    display_binary,
    make_cid,
    split_binary_cid,
)
from noosphere.storage.unixfs import DataType, PBNode, UnixFSData

Loader = Callable[[bytes], bytes]
"""Returns the verified block for a binary CID (raises BlockNotFoundError if absent)."""

MAX_DEPTH = 64
"""Deeper DAGs are refused: kubo's balanced layout needs depth 7 for a petabyte."""


@dataclass(frozen=True, slots=True)
class DagLink:
    """One link of a dag-pb node: the child's CID, its name and cumulative size (Tsize)."""

    cid: CID
    name: str
    size: int | None


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What a DAG's root block says about it."""

    cid: CID
    kind: str
    size: int | None
    block_size: int
    links: int


_LEAF = PBNode()


def _decode(bcid: bytes, block: bytes) -> tuple[PBNode, UnixFSData | None]:
    """Parse a dag-pb block and its UnixFS data (None when the node carries no UnixFS data)."""
    try:
        if block[:1] == b"\x0a":  # only a Data field (a leaf): skip copying it out first
            size, start = decode_varint(block, 1)
            if start + size == len(block):
                return _LEAF, UnixFSData.decode(memoryview(block)[start:])
        node = PBNode.decode(block)
        unixfs = UnixFSData.decode(node.data) if node.data is not None else None
    except StoreError as exc:
        raise StoreError(
            f"block {display_binary(bcid)} is not a valid UnixFS node: {exc.message}"
        ) from None
    return node, unixfs


def iter_file(root: bytes, load: Loader) -> Iterator[bytes]:
    """Yield the bytes of the UnixFS file whose root has binary CID ``root``, in order.

    Raises :class:`StoreError` if the DAG is not a UnixFS file or its sizes disagree,
    :class:`BlockNotFoundError` / :class:`~noosphere.errors.IntegrityError` from ``load``.
    """
    expected: int | None = None
    produced = 0
    stack: list[Iterator[bytes]] = [iter((root,))]
    while stack:
        bcid = next(stack[-1], None)
        if bcid is None:
            stack.pop()
            continue
        codec, _ = split_binary_cid(bcid)
        block = load(bcid)
        if codec == RAW:
            produced += len(block)
            yield block
            continue
        node, unixfs = _decode(bcid, block)
        if unixfs is None or unixfs.type not in (DataType.FILE, DataType.RAW):
            kind = "a dag-pb node without UnixFS data" if unixfs is None else unixfs.type.name
            raise StoreError(
                f"{display_binary(bcid)} is not a file (it is {kind.lower()})",
                hint="only UnixFS files can be read; use `noos store ls` to see a DAG's links",
            )
        if expected is None:
            expected = unixfs.filesize
        if unixfs.data:
            produced += len(unixfs.data)
            yield unixfs.data
        if node.links:
            if len(stack) >= MAX_DEPTH:
                raise StoreError(
                    f"DAG under {display_binary(root)} is deeper than {MAX_DEPTH} levels"
                )
            stack.append(iter([link.cid for link in node.links]))
    if expected is not None and produced != expected:
        raise StoreError(
            f"file {display_binary(root)} declares {expected} bytes but its blocks hold {produced}"
        )


def iter_blocks(root: bytes, load: Loader, *, dups: bool = False) -> Iterator[tuple[bytes, bytes]]:
    """Yield ``(binary CID, block)`` for every block under ``root``, depth-first, in link order.

    This is the ``order=dfs`` traversal of the trustless-gateway spec; with ``dups=False``
    a block that occurs twice is sent only the first time.
    """
    seen: set[bytes] = set()
    stack: list[Iterator[bytes]] = [iter((root,))]
    while stack:
        bcid = next(stack[-1], None)
        if bcid is None:
            stack.pop()
            continue
        codec, digest = split_binary_cid(bcid)
        if not dups:
            if digest in seen:
                continue
            seen.add(digest)
        block = load(bcid)
        yield bcid, block
        if codec == DAG_PB:
            node, _ = _decode(bcid, block)
            if node.links:
                if len(stack) >= MAX_DEPTH:
                    raise StoreError(
                        f"DAG under {display_binary(root)} is deeper than {MAX_DEPTH} levels"
                    )
                stack.append(iter([link.cid for link in node.links]))


def links_of(block: bytes, bcid: bytes) -> list[bytes]:
    """The binary CIDs a block links to (none for raw blocks)."""
    codec, _ = split_binary_cid(bcid)
    if codec != DAG_PB:
        return []
    node, _ = _decode(bcid, block)
    for link in node.links:
        split_binary_cid(link.cid)  # reject links to unsupported CIDs early
    return [link.cid for link in node.links]


def list_links(root: bytes, load: Loader) -> list[DagLink]:
    """The links of the root node (``ipfs ls``): chunks of a file, entries of a directory."""
    codec, _ = split_binary_cid(root)
    if codec != DAG_PB:
        return []
    node, _ = _decode(root, load(root))
    out = []
    for link in node.links:
        child_codec, child_digest = split_binary_cid(link.cid)
        out.append(DagLink(make_cid(child_digest, child_codec), link.name or "", link.tsize))
    return out


def node_info(root: bytes, load: Loader) -> NodeInfo:
    """Describe the root block: UnixFS type, file size, block size and number of links."""
    codec, digest = split_binary_cid(root)
    block = load(root)
    cid = make_cid(digest, codec)
    if codec == RAW:
        return NodeInfo(cid, "raw", len(block), len(block), 0)
    node, unixfs = _decode(root, block)
    if unixfs is None:
        return NodeInfo(cid, "dag-pb", None, len(block), len(node.links))
    size = unixfs.filesize
    if size is None and unixfs.type == DataType.RAW:
        size = len(unixfs.data or b"")
    return NodeInfo(cid, unixfs.type.name.lower(), size, len(block), len(node.links))


def find_missing(root: bytes, blockstore: Blockstore, *, limit: int = 1000) -> list[bytes]:
    """Binary CIDs of blocks under ``root`` that the blockstore lacks (at most ``limit``).

    Inner nodes are read (and verified); leaves are only checked for presence: a dag-pb block
    has links only if its first byte starts a ``Links`` field (0x12), so one byte tells.
    """
    missing: list[bytes] = []
    stack: list[Iterator[bytes]] = [iter((root,))]
    seen: set[bytes] = set()
    while stack and len(missing) < limit:
        bcid = next(stack[-1], None)
        if bcid is None:
            stack.pop()
            continue
        codec, digest = split_binary_cid(bcid)
        if digest in seen:
            continue
        seen.add(digest)
        try:
            first = blockstore.peek(digest, 1, codec)
        except BlockNotFoundError:
            missing.append(bcid)
            continue
        if codec != DAG_PB or first != b"\x12":
            continue
        block = blockstore.get_digest(digest, codec)
        if len(stack) >= MAX_DEPTH:
            raise StoreError(f"DAG under {display_binary(root)} is deeper than {MAX_DEPTH} levels")
        stack.append(iter(links_of(block, bcid)))
    return missing


def blockstore_loader(blockstore: Blockstore) -> Loader:
    """A :data:`Loader` that reads verified blocks from a local blockstore."""

    def load(bcid: bytes) -> bytes:
        codec, digest = split_binary_cid(bcid)
        return blockstore.get_digest(digest, codec)

    return load
