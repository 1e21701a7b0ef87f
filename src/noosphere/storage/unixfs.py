"""dag-pb nodes and UnixFS file data, byte for byte as kubo writes them.

Two protobuf messages nest: a dag-pb ``PBNode`` (links, then data) whose ``Data`` holds a UnixFS
``Data`` message (type, data, filesize, blocksizes...). kubo's default ``ipfs add`` (CIDv0)
produces:

* a **leaf** for each 256 KiB chunk: ``PBNode{Data: UnixFS{Type: File, Data: chunk,
  filesize: len(chunk)}}`` with no links (not a raw block);
* an **inner node** over up to 174 children: ``PBNode{Links: [{Hash, Name: "", Tsize}...],
  Data: UnixFS{Type: File, filesize: total, blocksizes: [each child's file bytes]}}``, where a
  link's ``Tsize`` is the child's block size plus the ``Tsize`` of all the child's links;
* for an empty file, one leaf with no ``Data`` field at all: ``0a 04 08 02 18 00``.

Protobuf is hand-written here: only varint (0) and length-delimited (2) wire types occur, fields
are written in field-number order except that ``PBNode`` writes ``Links`` (2) before ``Data`` (1),
and ``blocksizes`` is a non-packed repeated field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum

from noosphere.errors import StoreError
from noosphere.storage._wire import decode_varint, encode_varint

CHUNK_SIZE = 262_144
"""kubo's default chunker: ``size-262144``."""

MAX_LINKS = 174
"""kubo's default balanced layout: at most 174 links per node."""

EMPTY_FILE_BLOCK = b"\x0a\x04\x08\x02\x18\x00"
"""The single block of an empty file (``QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH``)."""


class DataType(IntEnum):
    """UnixFS ``Data.Type``."""

    RAW = 0
    DIRECTORY = 1
    FILE = 2
    METADATA = 3
    SYMLINK = 4
    HAMT_SHARD = 5


_VARINT = 0
_LEN = 2


def _fields(buf: memoryview, what: str) -> Iterator[tuple[int, int, int | memoryview]]:
    """Yield ``(field number, wire type, value)`` for each field of a protobuf message."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = decode_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise StoreError(f"malformed {what}: field number 0")
        if wire == _VARINT:
            value, pos = decode_varint(buf, pos)
            yield number, wire, value
        elif wire == _LEN:
            size, pos = decode_varint(buf, pos)
            if pos + size > end:
                raise StoreError(f"malformed {what}: field {number} runs past the end")
            yield number, wire, buf[pos : pos + size]
            pos += size
        else:
            raise StoreError(f"malformed {what}: unsupported wire type {wire} in field {number}")


def _len_field(tag: int, payload: bytes | memoryview) -> bytes:
    return bytes([tag]) + encode_varint(len(payload)) + bytes(payload)


@dataclass(frozen=True, slots=True)
class PBLink:
    """A dag-pb link: the child's binary CID, an optional name and the cumulative size."""

    cid: bytes
    name: str | None = None
    tsize: int | None = None

    def encode(self) -> bytes:
        """Serialize as a protobuf ``PBLink`` (Hash=1, Name=2, Tsize=3)."""
        out = _len_field(0x0A, self.cid)
        if self.name is not None:
            out += _len_field(0x12, self.name.encode())
        if self.tsize is not None:
            out += b"\x18" + encode_varint(self.tsize)
        return out

    @classmethod
    def decode(cls, buf: memoryview) -> PBLink:
        """Parse a protobuf ``PBLink``; raise :class:`StoreError` if malformed."""
        cid: bytes | None = None
        name: str | None = None
        tsize: int | None = None
        for number, wire, value in _fields(buf, "dag-pb link"):
            if number == 1 and isinstance(value, memoryview):
                cid = bytes(value)
            elif number == 2 and isinstance(value, memoryview):
                try:
                    name = bytes(value).decode()
                except UnicodeDecodeError:
                    raise StoreError("malformed dag-pb link: name is not UTF-8") from None
            elif number == 3 and isinstance(value, int):
                tsize = value
            else:
                raise StoreError(f"malformed dag-pb link: unexpected field {number}/{wire}")
        if cid is None:
            raise StoreError("malformed dag-pb link: no Hash")
        return cls(cid, name, tsize)


@dataclass(frozen=True, slots=True)
class PBNode:
    """A dag-pb node: links to children and opaque data (UnixFS data for files)."""

    links: tuple[PBLink, ...] = ()
    data: bytes | None = None

    def encode(self) -> bytes:
        """Serialize canonically: every ``Links`` (field 2) first, then ``Data`` (field 1)."""
        parts = [_len_field(0x12, link.encode()) for link in self.links]
        if self.data is not None:
            parts.append(_len_field(0x0A, self.data))
        return b"".join(parts)

    @classmethod
    def decode(cls, block: bytes | memoryview) -> PBNode:
        """Parse a dag-pb block; raise :class:`StoreError` if it is not valid dag-pb."""
        links: list[PBLink] = []
        data: bytes | None = None
        for number, wire, value in _fields(memoryview(block), "dag-pb node"):
            if number == 2 and isinstance(value, memoryview):
                if data is not None:
                    raise StoreError("malformed dag-pb node: Links after Data")
                links.append(PBLink.decode(value))
            elif number == 1 and isinstance(value, memoryview):
                if data is not None:
                    raise StoreError("malformed dag-pb node: two Data fields")
                data = bytes(value)
            else:
                raise StoreError(f"malformed dag-pb node: unexpected field {number}/{wire}")
        return cls(tuple(links), data)


@dataclass(frozen=True, slots=True)
class UnixFSData:
    """The UnixFS ``Data`` message carried in a dag-pb node's data (fields this store uses)."""

    type: DataType
    data: bytes | None = None
    filesize: int | None = None
    blocksizes: tuple[int, ...] = ()

    def encode(self) -> bytes:
        """Serialize as kubo does: Type, Data, filesize, then each blocksize unpacked."""
        out = b"\x08" + encode_varint(int(self.type))
        if self.data is not None:
            out += _len_field(0x12, self.data)
        if self.filesize is not None:
            out += b"\x18" + encode_varint(self.filesize)
        return out + b"".join(b"\x20" + encode_varint(size) for size in self.blocksizes)

    @classmethod
    def decode(cls, raw: bytes | memoryview) -> UnixFSData:
        """Parse UnixFS data; unknown optional fields (mode, mtime, fanout...) are skipped."""
        kind: int | None = None
        data: bytes | None = None
        filesize: int | None = None
        blocksizes: list[int] = []
        for number, _wire, value in _fields(memoryview(raw), "UnixFS data"):
            if number == 1 and isinstance(value, int):
                kind = value
            elif number == 2 and isinstance(value, memoryview):
                data = bytes(value)
            elif number == 3 and isinstance(value, int):
                filesize = value
            elif number == 4 and isinstance(value, int):
                blocksizes.append(value)
            elif number == 4 and isinstance(value, memoryview):  # packed encoding
                pos = 0
                while pos < len(value):
                    size, pos = decode_varint(value, pos)
                    blocksizes.append(size)
            elif number in (1, 2, 3):
                raise StoreError(f"malformed UnixFS data: field {number} has the wrong type")
        if kind is None:
            raise StoreError("malformed UnixFS data: no Type")
        try:
            datatype = DataType(kind)
        except ValueError:
            raise StoreError(f"malformed UnixFS data: unknown type {kind}") from None
        return cls(datatype, data, filesize, tuple(blocksizes))


def leaf_frame(size: int) -> tuple[bytes, bytes]:
    """The bytes around a chunk of ``size`` (> 0) bytes that make it a kubo file leaf.

    ``prefix + chunk + suffix`` is the leaf block; the importer hashes and writes the three
    pieces without joining them.
    """
    size_varint = encode_varint(size)
    unixfs_len = 3 + len(size_varint) + size + 1 + len(size_varint)
    prefix = b"\x0a" + encode_varint(unixfs_len) + b"\x08\x02\x12" + size_varint
    return prefix, b"\x18" + size_varint


def file_leaf(chunk: bytes) -> bytes:
    """The leaf block kubo writes for one chunk of a file (the empty-file block for ``b""``)."""
    if not chunk:
        return EMPTY_FILE_BLOCK
    prefix, suffix = leaf_frame(len(chunk))
    return prefix + chunk + suffix


def file_node(children: Sequence[tuple[bytes, int, int]]) -> bytes:
    """An inner file node over ``(binary CID, Tsize, file bytes)`` children, as kubo writes it."""
    links = b"".join(
        _len_field(0x12, _len_field(0x0A, cid) + b"\x12\x00\x18" + encode_varint(tsize))
        for cid, tsize, _ in children
    )
    filesize = sum(size for _, _, size in children)
    unixfs = (
        b"\x08\x02\x18"
        + encode_varint(filesize)
        + b"".join(b"\x20" + encode_varint(size) for _, _, size in children)
    )
    return links + _len_field(0x0A, unixfs)
