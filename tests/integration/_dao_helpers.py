"""A protocol deployed with the hand-over to the DAO and devnet periods, once per test module.

The session's anvil is snapshotted before the deployment and reverted to it after the module;
each test still runs inside the ``chain`` fixture's own snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.deploy import DeployParams, deploy_protocol
from noosphere.chain.manifest import Manifest
from tests.conftest import Anvil


@pytest.fixture(scope="module")
def dao_deployment(
    anvil: Anvil, deployed_home: tuple[Path, Manifest], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Chain, Path, Manifest]]:
    """``(chain, home, manifest)`` of a fresh handed-over deployment (DeployParams.devnet()).

    It depends on ``deployed_home`` so that the session's deployment exists before the
    snapshot this fixture reverts to.
    """
    chain = Chain.connect(anvil.url, tx_timeout=30)
    snapshot = chain.snapshot()
    home = tmp_path_factory.mktemp("dao-home")
    manifest = deploy_protocol(chain, dev_account(0), home, DeployParams.devnet())
    yield chain, home, manifest
    chain.revert_to(snapshot)
