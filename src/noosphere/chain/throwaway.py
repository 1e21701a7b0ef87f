"""Throwaway chains: an anvil on a free port, with or without the protocol deployed.

Used by the simulation, the benchmarks and the tests; nothing is persisted.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.deploy import DeployParams, deploy_protocol
from noosphere.chain.devnet import anvil_command, anvil_env, find_anvil, free_port
from noosphere.chain.protocol import Protocol
from noosphere.errors import DevnetError

START_TIMEOUT = 20.0


@contextlib.contextmanager
def spawn_anvil(anvil_path: str = "") -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Run anvil on a free port until the block ends; yields the process and its RPC URL."""
    binary = find_anvil(anvil_path)
    if binary is None:
        raise DevnetError("anvil not found", hint="run `make setup` (installs it in .tools/bin)")
    port = free_port()
    scratch = Path(tempfile.mkdtemp(prefix="noos-anvil-"))
    process = subprocess.Popen(
        anvil_command(binary, port, None),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=anvil_env(scratch / "home"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                Chain.connect(url, retries=0)
                break
            except Exception:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise DevnetError(f"anvil did not start on port {port}") from None
                time.sleep(0.05)
        yield process, url
    finally:
        process.send_signal(signal.SIGINT)  # anvil's graceful exit
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def throwaway_protocol(
    params: DeployParams | None = None, *, tx_timeout: float = 30.0
) -> Iterator[Protocol]:
    """A fresh anvil with the protocol deployed by development account 0.

    Unless ``params`` say otherwise, account 0 stays the admin of every contract.
    """
    with spawn_anvil() as (_process, url), tempfile.TemporaryDirectory() as home:
        chain = Chain.connect(url, tx_timeout=tx_timeout)
        manifest = deploy_protocol(
            chain, dev_account(0), Path(home), params or DeployParams(hand_over_to_dao=False)
        )
        yield Protocol(chain, manifest, Path(home))
