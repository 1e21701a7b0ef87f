"""A throwaway anvil with the protocol deployed, for benchmarks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from noosphere.chain.protocol import Protocol
from noosphere.chain.throwaway import throwaway_protocol


@contextlib.contextmanager
def bench_protocol() -> Iterator[Protocol]:
    """A fresh anvil with the protocol deployed; receipts may take long under bulk load."""
    with throwaway_protocol(tx_timeout=120) as protocol:
        yield protocol
