"""Deterministic generated input for throughput benchmarks, in constant memory."""

from __future__ import annotations

import hashlib
import io


class GeneratedStream(io.RawIOBase):
    """``size`` deterministic bytes whose every ``piece``-sized read is distinct; O(1) memory."""

    def __init__(self, size: int, *, piece: int, seed: bytes) -> None:
        self._left = size
        self._piece = piece
        self._base = bytearray(hashlib.shake_256(seed).digest(piece))
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left, self._piece)
        if n <= 0:
            return 0
        self._count += 1
        self._base[:8] = self._count.to_bytes(8, "little")
        buffer[:n] = memoryview(self._base)[:n]
        self._left -= n
        return n
