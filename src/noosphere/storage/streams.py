"""A readable binary stream over an iterator of byte strings (store reads, envelope writes)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any


class PiecesReader(io.RawIOBase):
    """A raw binary stream over an iterator of byte strings."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._left = memoryview(piece)
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n
