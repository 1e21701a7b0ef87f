"""``noos subnet register`` on a full subnet, as users run it: refused in one clear line while the
previous bonds are unavailable, then registered in place of the lowest-emission prunable UID
once ``NOOS_GATEWAYS`` points at a gateway holding them.

The network (validator engines finalizing epochs) is driven through the library, as in
``tests/integration/test_pruning.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.manifest import Manifest
from noosphere.chain.protocol import Protocol
from noosphere.storage.gateway import create_app as create_gateway
from noosphere.wallet import create_wallet
from tests._servers import ThreadServer
from tests.conftest import Anvil
from tests.e2e.conftest import Runner, assert_clean_error
from tests.integration.test_pruning import full_subnet

pytestmark = pytest.mark.anvil
NOOS = 10**18
PASSWORD = "correct horse battery"  # the e2e runner's NOOS_PASSWORD


def test_register_on_a_full_subnet_replaces_the_lowest_emission_prunable_uid(
    protocol: Protocol,
    anvil: Anvil,
    deployed_home: tuple[Path, Manifest],
    tmp_path: Path,
    noos: Runner,
    noos_home: Path,
) -> None:
    full = full_subnet(protocol, tmp_path)
    subnets, netuid = full.subnets, full.netuid
    shutil.copytree(deployed_home[0] / "deployments", noos_home / "deployments")
    wallet = create_wallet("newcomer", PASSWORD, home=noos_home, kdf="light")
    admin = dev_account(0)
    protocol.token.transfer(admin, wallet.coldkey_address, 100 * NOOS)
    protocol.chain.transact(admin, to=wallet.coldkey_address, value=NOOS, gas=21_000)
    hotkey = wallet.hotkey_address("default")
    args = ("--rpc", anvil.url, "-w", "newcomer", "subnet", "register", str(netuid),
            "--axon", "http://newcomer.test:1")  # fmt: skip

    refused = noos(*args)
    assert_clean_error(refused, "bonds file", "not available", "NOOS_GATEWAYS")
    assert subnets.prune_cursor(netuid) is None and not subnets.is_registered(netuid, hotkey)

    gateway = ThreadServer(create_gateway(full.store))  # the validators' bonds files
    try:
        done = noos(*args, env={"NOOS_GATEWAYS": gateway.url})
    finally:
        gateway.stop()
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    uid = full.expected[0]
    assert f"registered {hotkey} on subnet {netuid} as UID {uid}" in said
    assert f"UID {uid} was {full.hotkeys[uid].address}, the lowest-emission prunable UID" in said
    assert f"in the result of epoch {full.result}" in said
    assert subnets.uid_of(netuid, hotkey) == uid
    assert subnets.prune_cursor(netuid) == (full.result, 1)
