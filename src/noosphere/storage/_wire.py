"""Unsigned LEB128 varints, as used by protobuf, multiformats and CAR framing."""

from __future__ import annotations

from noosphere.errors import StoreError

_SMALL = [bytes([n]) for n in range(128)]


def encode_varint(value: int) -> bytes:
    """Encode a non-negative integer as an unsigned varint."""
    if value < 128:
        if value < 0:
            raise StoreError(f"cannot encode negative varint {value}")
        return _SMALL[value]
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_varint(buf: bytes | memoryview, pos: int = 0) -> tuple[int, int]:
    """Decode a varint at ``buf[pos:]``; return ``(value, position after it)``.

    Raises :class:`StoreError` on a truncated varint or one longer than 9 bytes (63 bits), the
    limit multiformats and protobuf's uint64 fields share.
    """
    value = 0
    shift = 0
    end = len(buf)
    while True:
        if pos >= end:
            raise StoreError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 56:
            raise StoreError("varint longer than 9 bytes")
