"""CARv1 archives: a streaming writer and a reader that verifies every block.

A CARv1 stream is ``varint(len) header`` then ``varint(len) cid block`` sections. The header is
the dag-cbor map ``{"roots": [CID...], "version": 1}``; the small subset of CBOR it needs is
hand-written here (definite lengths, tag 42 for CIDs, as dag-cbor requires).

The reader hashes each block and raises :class:`IntegrityError` on the first one that does not
match its CID, naming the source and the CID; a tampered block is never yielded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from multiformats import CID

from noosphere.errors import IntegrityError, InvalidCidError, StoreError
from noosphere.storage._wire import decode_varint, encode_varint
from noosphere.storage.cid import display, make_cid, split_binary_cid

MEDIA_TYPE = "application/vnd.ipld.car"
MAX_HEADER_SIZE = 1 << 20
MAX_SECTION_SIZE = 4 << 20
"""Largest section accepted (CID + block): kubo refuses blocks over 4 MiB as well."""


# --- writing -----------------------------------------------------------------------------------
def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | extra]) + value.to_bytes(size, "big")
    raise StoreError(f"CBOR value {value} is too large")


def car_header(roots: Sequence[bytes]) -> bytes:
    """The framed CARv1 header for these roots (binary CIDs)."""
    body = bytearray(b"\xa2" + _cbor_head(3, 5) + b"roots" + _cbor_head(4, len(roots)))
    for root in roots:
        link = b"\x00" + root
        body += b"\xd8\x2a" + _cbor_head(2, len(link)) + link
    body += _cbor_head(3, 7) + b"version" + b"\x01"
    return encode_varint(len(body)) + bytes(body)


def write_car(roots: Sequence[bytes], blocks: Iterable[tuple[bytes, bytes]]) -> Iterator[bytes]:
    """Yield a CARv1 stream piece by piece: the header, then each section's prefix and block.

    ``blocks`` yields ``(binary CID, block)``; nothing is buffered beyond one block.
    """
    yield car_header(roots)
    for bcid, block in blocks:
        yield encode_varint(len(bcid) + len(block)) + bcid
        yield block


# --- reading -----------------------------------------------------------------------------------
class _Bytes:
    """Exact reads over an iterator of byte chunks (an HTTP body, a file read in pieces)."""

    def __init__(self, chunks: Iterator[bytes], origin: str) -> None:
        self._chunks = chunks
        self._buf = bytearray()
        self.origin = origin
        self.offset = 0

    def _fill(self, n: int) -> bool:
        while len(self._buf) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                return False
            self._buf += chunk
        return True

    def at_end(self) -> bool:
        return not self._fill(1)

    def read(self, n: int, what: str) -> bytes:
        if not self._fill(n):
            raise StoreError(f"{self.origin}: truncated in the {what} at byte {self.offset}")
        out = bytes(self._buf[:n])
        del self._buf[:n]
        self.offset += n
        return out

    def varint(self, what: str) -> int:
        raw = bytearray()
        while True:
            byte = self.read(1, what)[0]
            raw.append(byte)
            if byte < 0x80:
                break
            if len(raw) >= 9:
                raise StoreError(f"{self.origin}: malformed varint in the {what}")
        return decode_varint(bytes(raw))[0]


class _Cbor:
    """Just enough dag-cbor to read a CAR header."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise StoreError("CBOR item runs past the end of the header")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def item(self, depth: int = 0) -> Any:
        if depth > 8:
            raise StoreError("CBOR header nests too deeply")
        initial = self._take(1)[0]
        major, extra = initial >> 5, initial & 31
        if extra < 24:
            value = extra
        elif extra <= 27:
            value = int.from_bytes(self._take(1 << (extra - 24)), "big")
        else:
            raise StoreError("indefinite-length or reserved CBOR items are not dag-cbor")
        if major == 0:
            return value
        if major == 1:
            return -1 - value
        if major == 2:
            return self._take(value)
        if major == 3:
            try:
                return self._take(value).decode()
            except UnicodeDecodeError:
                raise StoreError("CBOR text is not UTF-8") from None
        if major == 4:
            return [self.item(depth + 1) for _ in range(value)]
        if major == 5:
            return {self.item(depth + 1): self.item(depth + 1) for _ in range(value)}
        if major == 6:
            if value != 42:
                raise StoreError(f"CBOR tag {value} is not allowed in dag-cbor")
            link = self.item(depth + 1)
            if not isinstance(link, bytes) or not link.startswith(b"\x00"):
                raise StoreError("CBOR tag 42 does not hold a CID")
            return _Link(link[1:])
        if major == 7 and value in (20, 21, 22):
            return {20: False, 21: True, 22: None}[value]
        raise StoreError(f"unsupported CBOR item (major type {major})")


class _Link(bytes):
    """A CID found under tag 42 in dag-cbor."""


def _split_section(section: bytes, origin: str) -> tuple[bytes, bytes]:
    """Split a section into (binary CID, block)."""
    if len(section) >= 34 and section[0] == 0x12 and section[1] == 0x20:
        return section[:34], section[34:]
    try:
        pos = 0
        for _ in range(3):  # version, codec, hash function
            _, pos = decode_varint(section, pos)
        size, pos = decode_varint(section, pos)
    except StoreError:
        raise StoreError(f"{origin}: malformed CID in a CAR section") from None
    end = pos + size
    if end > len(section):
        raise StoreError(f"{origin}: CID runs past the end of its CAR section")
    return section[:end], section[end:]


class CarReader:
    """Read a CARv1 stream; iterating yields ``(binary CID, block)`` after checking each hash.

    ``source`` is a binary file object or an iterable of byte chunks (an HTTP body);
    ``origin`` names it in errors (a path, or ``gateway https://…``).
    """

    def __init__(self, source: Any, *, origin: str = "CAR") -> None:
        """Read and check the header; the roots are then in :attr:`roots`."""
        chunks: Iterator[bytes]
        if hasattr(source, "read"):
            read: Callable[[int], bytes] = source.read
            chunks = iter(lambda: read(1 << 16), b"")
        else:
            chunks = iter(source)
        self._in = _Bytes(chunks, origin)
        self.origin = origin
        self.roots: list[CID] = self._header()

    def _header(self) -> list[CID]:
        size = self._in.varint("header length")
        if size == 0 or size > MAX_HEADER_SIZE:
            raise StoreError(f"{self.origin}: CAR header length {size} is not plausible")
        try:
            header = _Cbor(self._in.read(size, "header")).item()
        except StoreError as exc:
            raise StoreError(f"{self.origin}: malformed CAR header: {exc.message}") from None
        if not isinstance(header, dict):
            raise StoreError(f"{self.origin}: CAR header is not a map")
        version = header.get("version")
        if version != 1:
            raise StoreError(
                f"{self.origin}: CAR version {version!r} is not supported, only CARv1",
                hint="ask for application/vnd.ipld.car; version=1",
            )
        roots = header.get("roots", [])
        if not isinstance(roots, list) or not all(isinstance(r, _Link) for r in roots):
            raise StoreError(f"{self.origin}: CAR header roots are not a list of CIDs")
        out = []
        for root in roots:
            try:
                codec, digest = split_binary_cid(root)
                out.append(make_cid(digest, codec))
            except InvalidCidError:
                continue  # e.g. the identity-CID probe root; roots are advisory anyway
        return out

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        """Yield each verified ``(binary CID, block)``; raise on the first bad one."""
        index = 0
        while not self._in.at_end():
            size = self._in.varint("section length")
            if size == 0 or size > MAX_SECTION_SIZE:
                raise StoreError(f"{self.origin}: CAR section {index} has implausible size {size}")
            section = self._in.read(size, f"section {index}")
            bcid, block = _split_section(section, self.origin)
            codec, digest = split_binary_cid(bcid)
            if hashlib.sha256(block).digest() != digest:
                raise IntegrityError(
                    f"{self.origin}: tampered block: the data given for "
                    f"{display(make_cid(digest, codec))} does not hash to that CID",
                    hint="the block was discarded; try another gateway or source",
                )
            yield bcid, block
            index += 1
