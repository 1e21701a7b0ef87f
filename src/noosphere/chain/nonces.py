"""Nonce management for several concurrent senders in one process.

Each address has a lock and a local counter seeded from the chain's pending count; a failed
send releases its nonce by resynchronising from the chain so no gap blocks later transactions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class NonceManager:
    """Hands out consecutive nonces per address, safely across threads."""

    def __init__(self, fetch_pending: Callable[[str], int]) -> None:
        self._fetch = fetch_pending
        self._next: dict[str, int] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, address: str) -> threading.Lock:
        """The lock serialising sends from ``address`` (held while a nonce is in flight)."""
        with self._guard:
            return self._locks.setdefault(address.lower(), threading.Lock())

    def take(self, address: str, count: int = 1) -> int:
        """Reserve ``count`` consecutive nonces; returns the first. Caller holds ``lock``."""
        key = address.lower()
        if key not in self._next:
            self._next[key] = self._fetch(address)
        first = self._next[key]
        self._next[key] = first + count
        return first

    def resync(self, address: str) -> None:
        """Forget the local counter so the next ``take`` asks the chain again."""
        self._next.pop(address.lower(), None)
