"""Streaming import: chunk a byte stream and build kubo's balanced UnixFS DAG over it.

Memory stays constant whatever the file size: a few 256 KiB chunk buffers (reused) plus, for
each level of the tree, the list of at most 174 links of the node being filled. Leaves are
hashed as three pieces (frame prefix, chunk, frame suffix) so the chunk is never copied; when a
blockstore is given, a :class:`~noosphere.storage.blockstore.BlockWriter` thread writes blocks
while the next chunk is read and hashed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import queue
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from multiformats import CID

from noosphere.errors import InputError, StoreError
from noosphere.storage.blockstore import Blockstore, BlockWriter
from noosphere.storage.cid import make_cid
from noosphere.storage.unixfs import (
    CHUNK_SIZE,
    EMPTY_FILE_BLOCK,
    MAX_LINKS,
    file_node,
    leaf_frame,
)

_V0 = b"\x12\x20"
_BUFFERS = 6

Entry = tuple[bytes, int, int]
"""A finished node as its parent sees it: ``(binary CIDv0, Tsize, file bytes below it)``."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import produced: the root CID, the file size and the DAG's shape."""

    cid: CID
    size: int
    blocks: int
    dag_size: int


class _BalancedTree:
    """Accumulates leaves into kubo's balanced layout, emitting inner nodes as they fill.

    ``levels[k]`` holds the children of the height-``k+1`` node being filled. A full level is
    only turned into a node when one more entry arrives for it (or at the end), because a full
    node that turns out to be the last one at the top is the root itself.
    """

    def __init__(
        self, emit: Callable[[bytes, bytes], None] | None, max_links: int = MAX_LINKS
    ) -> None:
        self.levels: list[list[Entry]] = [[]]
        self.emit = emit
        self.max_links = max_links
        self.blocks = 0

    def add(self, level: int, entry: Entry) -> None:
        row = self.levels[level]
        if len(row) == self.max_links:
            self._close(level)
            row = self.levels[level]
        row.append(entry)

    def _close(self, level: int) -> None:
        children = self.levels[level]
        self.levels[level] = []
        block = file_node(children)
        digest = hashlib.sha256(block).digest()
        self.blocks += 1
        if self.emit is not None:
            self.emit(digest, block)
        tsize = len(block) + sum(child[1] for child in children)
        filesize = sum(child[2] for child in children)
        if level + 1 == len(self.levels):
            self.levels.append([])
        self.add(level + 1, (_V0 + digest, tsize, filesize))

    def finish(self) -> Entry:
        level = 0
        while True:
            if level == len(self.levels) - 1 and len(self.levels[level]) == 1:
                return self.levels[level][0]
            self._close(level)
            level += 1


def _reader(stream: Any) -> Callable[[memoryview], int]:
    """A function that fills a buffer from ``stream`` as far as the data goes (like ReadFull)."""
    readinto = getattr(stream, "readinto", None)
    if readinto is None:
        read = stream.read

        def readinto(view: memoryview) -> int:
            data = read(len(view))
            view[: len(data)] = data
            return len(data)

    def fill(view: memoryview) -> int:
        total = 0
        size = len(view)
        while total < size:
            try:
                got = readinto(view[total:] if total else view)
            except OSError as exc:
                raise StoreError(f"reading the input failed: {exc.strerror or exc}") from None
            if got is None:
                raise StoreError("cannot import from a non-blocking stream that has no data ready")
            if got == 0:
                break
            total += got
        return total

    return fill


def import_stream(stream: Any, blockstore: Blockstore | None = None) -> ImportResult:
    """Chunk, hash and (with a ``blockstore``) store a binary stream; return its root CID.

    ``stream`` is anything with ``readinto`` or ``read`` (a file opened ``rb``, a socket file,
    :data:`sys.stdin.buffer`...). Without a blockstore nothing is written: the CID is what
    ``ipfs add --only-hash`` prints.
    """
    fill = _reader(stream)
    writer: BlockWriter | None = blockstore.writer() if blockstore is not None else None
    free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
    for _ in range(_BUFFERS if writer is not None else 1):
        free.put(bytearray(CHUNK_SIZE))
    emit = None
    if writer is not None:
        put = writer.put

        def emit(digest: bytes, block: bytes) -> None:
            put(digest, (block,))

    tree = _BalancedTree(emit)
    sha256 = hashlib.sha256
    frames: dict[int, tuple[bytes, bytes]] = {CHUNK_SIZE: leaf_frame(CHUNK_SIZE)}
    size = 0
    leaves = 0
    try:
        while True:
            buf = free.get()
            view = memoryview(buf)
            got = fill(view)
            if got == 0 and leaves:
                free.put(buf)
                break
            if got == 0:  # empty file: one leaf with no data field, exactly as kubo
                parts: tuple[bytes | memoryview, ...] = (EMPTY_FILE_BLOCK,)
                entry_size = len(EMPTY_FILE_BLOCK)
            else:
                frame = frames.get(got) or leaf_frame(got)
                prefix, suffix = frame
                parts = (prefix, view[:got], suffix)
                entry_size = len(prefix) + got + len(suffix)
            hasher = sha256(parts[0])
            for part in parts[1:]:
                hasher.update(part)
            digest = hasher.digest()
            leaves += 1
            size += got
            tree.add(0, (_V0 + digest, entry_size, got))
            if writer is not None:
                writer.put(digest, parts, lambda buf=buf: free.put(buf))  # type: ignore[misc]
            else:
                free.put(buf)
            if got < CHUNK_SIZE:
                break
        root = tree.finish()
        if writer is not None:
            writer.close()
    except BaseException:
        if writer is not None:
            with contextlib.suppress(StoreError):
                writer.close()
        raise
    return ImportResult(make_cid(root[0][2:]), size, leaves + tree.blocks, root[1])


def import_bytes(
    data: bytes | bytearray | memoryview, blockstore: Blockstore | None = None
) -> ImportResult:
    """Import an in-memory byte string (see :func:`import_stream`)."""
    return import_stream(io.BytesIO(bytes(data)), blockstore)


def import_file(path: str | Path, blockstore: Blockstore | None = None) -> ImportResult:
    """Import a file by path, streaming (see :func:`import_stream`)."""
    path = Path(path)
    try:
        fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory; only files can be stored") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    with fh:
        return import_stream(fh, blockstore)
