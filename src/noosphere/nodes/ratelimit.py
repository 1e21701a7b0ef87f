"""Per-key token buckets: each hotkey may send ``burst`` requests at once, then ``rate`` per second.

One lock guards all buckets; each operation is O(1) and never awaits, so the limiter is safe to
call from threads and from coroutines alike. Idle buckets (refilled to full) are forgotten when
the table grows past ``max_keys``, so memory stays bounded whatever keys are thrown at it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from noosphere.errors import InputError


class RateLimiter:
    """A token bucket per key: capacity ``burst``, refilled at ``rate`` tokens per second."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise InputError(f"a rate limit must be a positive number per second, got {rate!r}")
        if not (math.isfinite(burst) and burst >= 1):
            raise InputError(f"a burst must be at least 1 request, got {burst!r}")
        if max_keys < 1:
            raise InputError(f"max_keys must be at least 1, got {max_keys!r}")
        self.rate = float(rate)
        self.burst = float(burst)
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def acquire(self, key: str, cost: float = 1.0) -> float:
        """Take ``cost`` tokens from ``key``'s bucket.

        Returns 0.0 when granted; otherwise nothing is taken and the result is the number of
        seconds after which the same call would be granted (for a ``Retry-After`` header). A
        cost above the burst can never be granted and returns ``inf``.
        """
        if not cost > 0:
            raise InputError(f"a rate-limit cost must be positive, got {cost!r}")
        if cost > self.burst:
            return math.inf
        with self._lock:
            now = self._clock()
            tokens = self._level(key, now)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, now)
                if len(self._buckets) > self.max_keys:
                    self._forget_idle(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (cost - tokens) / self.rate

    def tokens(self, key: str) -> float:
        """The tokens ``key`` has right now (``burst`` for an unknown key)."""
        with self._lock:
            return self._level(key, self._clock())

    def reset(self, key: str | None = None) -> None:
        """Refill one key's bucket, or every bucket when ``key`` is None."""
        with self._lock:
            if key is None:
                self._buckets.clear()
            else:
                self._buckets.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._buckets)

    def _level(self, key: str, now: float) -> float:
        state = self._buckets.get(key)
        if state is None:
            return self.burst
        tokens, at = state
        return min(self.burst, tokens + max(0.0, now - at) * self.rate)

    def _forget_idle(self, now: float) -> None:
        full = [k for k in self._buckets if self._level(k, now) >= self.burst]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) > self.max_keys:  # all busy: keep the 90 % most recently used
            keep = max(1, self.max_keys * 9 // 10)
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k][1])
            for k in by_age[: len(self._buckets) - keep]:
                del self._buckets[k]
