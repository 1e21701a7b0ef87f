"""Shared fixtures: one anvil per test session (per xdist worker), the protocol deployed on it,
and an EVM snapshot/revert around every test that uses the chain."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.deploy import DeployParams, deploy_protocol
from noosphere.chain.manifest import Manifest
from noosphere.chain.protocol import Protocol
from noosphere.chain.throwaway import spawn_anvil
from noosphere.errors import DevnetError

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Anvil:
    """A running anvil test process."""

    url: str
    port: int
    process: subprocess.Popen[bytes]


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    """An anvil on a free port for the whole session (each xdist worker gets its own)."""
    try:
        with spawn_anvil(os.environ.get("NOOS_ANVIL_PATH", "")) as (process, url):
            yield Anvil(url, int(url.rsplit(":", 1)[1]), process)
    except DevnetError as error:
        pytest.fail(f"{error.user_message}")


@pytest.fixture(scope="session")
def deployed_home(anvil: Anvil, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    """A data dir whose manifest records the protocol deployed once on the session's anvil."""
    home = tmp_path_factory.mktemp("noos-home")
    chain = Chain.connect(anvil.url)
    # The deployer stays admin so that tests can set parameters without a vote.
    manifest = deploy_protocol(chain, dev_account(0), home, DeployParams(hand_over_to_dao=False))
    return home, manifest


@pytest.fixture
def chain(anvil: Anvil, deployed_home: tuple[Path, Manifest]) -> Iterator[Chain]:
    """A fresh Chain client; the chain is reverted to its state before the test afterwards."""
    client = Chain.connect(anvil.url, tx_timeout=30)
    snapshot = client.snapshot()
    yield client
    client.revert_to(snapshot)


@pytest.fixture
def protocol(chain: Chain, deployed_home: tuple[Path, Manifest], tmp_path: Path) -> Protocol:
    """The deployed protocol on the session's anvil, with a per-test data dir for the index."""
    _home, manifest = deployed_home
    return Protocol(chain, manifest, tmp_path)
