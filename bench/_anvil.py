"""A throwaway anvil with the protocol deployed, for benchmarks."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.deploy import deploy_protocol
from noosphere.chain.devnet import anvil_command, find_anvil, free_port
from noosphere.chain.protocol import Protocol


@contextmanager
def bench_protocol() -> Iterator[Protocol]:
    """Start anvil on a free port, deploy the protocol, yield it, stop anvil."""
    binary = find_anvil()
    if binary is None:
        raise RuntimeError("anvil not found: run `make setup`")
    port = free_port()
    process = subprocess.Popen(
        anvil_command(binary, port, None), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                chain = Chain.connect(url, retries=0)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with tempfile.TemporaryDirectory() as home:
            manifest = deploy_protocol(chain, dev_account(0), Path(home))
            yield Protocol(chain, manifest, Path(home))
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(5)
