"""The embedded py-evm backend used when anvil is missing (slow: only a few cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from noosphere.chain import devnet as devnet_module
from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.deploy import DeployParams, deploy_protocol
from noosphere.chain.protocol import Protocol
from noosphere.errors import TransactionRevertedError


@pytest.mark.slow
def test_devnet_falls_back_to_embedded_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devnet_module, "find_anvil", lambda configured="": None)
    devnet = devnet_module.Devnet(tmp_path)
    info = devnet.start()
    try:
        assert info.backend == "embedded"
        chain = Chain.connect(info.rpc_url)
        manifest = deploy_protocol(
            chain,
            dev_account(0),
            tmp_path,
            DeployParams(initial_supply=10**21, hand_over_to_dao=False),
        )
        token = Protocol(chain, manifest, tmp_path).token
        token.transfer(dev_account(0), dev_account(1).address, 10**18)
        assert token.balance_of(dev_account(1).address) == 10**18
        with pytest.raises(TransactionRevertedError):
            token.mint(dev_account(2), dev_account(2).address, 1)
    finally:
        devnet.stop()
    assert devnet.info() is None


def test_in_process_embedded_chain() -> None:
    chain = Chain.embedded()
    assert chain.chain_id > 0
    assert chain.block_number >= 0
