"""Per-hotkey token buckets: burst, refill, independence of keys, bounded memory, threads."""

from __future__ import annotations

import asyncio
import math
import threading

import pytest

from noosphere.errors import InputError
from noosphere.nodes import RateLimiter


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_at_rate() -> None:
    clock = _Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(0.5)  # one token comes back in 1/rate s
    clock.now += 0.25
    assert limiter.acquire("a") == pytest.approx(0.25)
    clock.now += 0.25
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.now += 100
    assert limiter.tokens("a") == 3  # refills to the burst, never beyond


def test_a_refused_request_takes_nothing() -> None:
    clock = _Clock()
    limiter = RateLimiter(rate=1.0, burst=1, clock=clock)
    assert limiter.acquire("a") == 0.0
    for _ in range(10):
        assert limiter.acquire("a") > 0
    clock.now += 1.0
    assert limiter.acquire("a") == 0.0


def test_keys_are_independent_and_reset() -> None:
    clock = _Clock()
    limiter = RateLimiter(rate=1.0, burst=2, clock=clock)
    limiter.acquire("a")
    limiter.acquire("a")
    assert limiter.acquire("a") > 0
    assert limiter.acquire("b") == 0.0
    limiter.reset("a")
    assert limiter.acquire("a") == 0.0
    limiter.reset()
    assert len(limiter) == 0


def test_costs() -> None:
    limiter = RateLimiter(rate=1.0, burst=5, clock=_Clock())
    assert limiter.acquire("a", cost=5) == 0.0
    assert limiter.acquire("a", cost=2) == pytest.approx(2.0)
    assert limiter.acquire("a", cost=6) == math.inf
    with pytest.raises(InputError):
        limiter.acquire("a", cost=0)


@pytest.mark.parametrize(
    ("rate", "burst"), [(0, 1), (-1, 1), (math.inf, 1), (math.nan, 1), (1, 0.5), (1, math.nan)]
)
def test_bad_configuration_is_refused(rate: float, burst: float) -> None:
    with pytest.raises(InputError):
        RateLimiter(rate=rate, burst=burst)


def test_memory_is_bounded() -> None:
    clock = _Clock()
    limiter = RateLimiter(rate=1.0, burst=2, max_keys=100, clock=clock)
    for i in range(1000):
        limiter.acquire(f"k{i}")
        clock.now += 0.001
    assert len(limiter) <= 100
    clock.now += 10  # all idle and full again: forgotten on the next overflow
    for i in range(101):
        limiter.acquire(f"n{i}")
    assert len(limiter) <= 100


def test_threads_never_get_more_than_the_burst() -> None:
    limiter = RateLimiter(rate=1e-6, burst=50)
    granted: list[float] = []
    lock = threading.Lock()

    def hammer() -> None:
        mine = [limiter.acquire("v") for _ in range(100)]
        with lock:
            granted.extend(w for w in mine if w == 0.0)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 50


def test_coroutines_share_one_bucket() -> None:
    limiter = RateLimiter(rate=1e-6, burst=10)

    async def one() -> bool:
        await asyncio.sleep(0)
        return limiter.acquire("v") == 0.0

    async def main() -> list[bool]:
        return list(await asyncio.gather(*(one() for _ in range(40))))

    assert sum(asyncio.run(main())) == 10
