"""Helpers shared by the gas benchmarks: fresh accounts, checks, batched setup transactions."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3.contract.contract import ContractFunction

from noosphere.chain.bulk import BulkResult, Call, send_bulk
from noosphere.chain.client import Chain

GAS_COIN = 10**18  # wei each fresh account gets to pay for its transactions


def fresh_accounts(
    chain: Chain, funder: LocalAccount, label: str, count: int
) -> list[LocalAccount]:
    """``count`` deterministic accounts that no other code uses, each funded with 1 ETH."""
    accounts = [
        Account.from_key(keccak(f"noosphere-bench:{label}:{i}".encode())) for i in range(count)
    ]
    for account in accounts:
        chain.transact(funder, to=account.address, value=GAS_COIN)
    return accounts


def check(call: ContractFunction, expected: Any) -> None:
    """Fail unless the view ``call`` returns ``expected`` (the sequence did what it should)."""
    got = call.call()
    if got != expected:
        raise RuntimeError(f"{call.fn_name}{tuple(call.args)} is {got!r}, expected {expected!r}")


def send_batched(chain: Chain, sender: LocalAccount, calls: Sequence[Call]) -> BulkResult:
    """``send_bulk`` with many transactions per block (anvil), then automine again.

    Automine gives every transaction a block of its own, and anvil mines slower the longer the
    chain, so setup transactions that are not measured go out in a few full blocks instead:
    automine is off while a thread mines whatever is pending every 20 ms.
    """
    chain.rpc("evm_setAutomine", [False])
    done = threading.Event()

    def mine() -> None:
        while not done.wait(0.02):
            chain.rpc("evm_mine")

    miner = threading.Thread(target=mine, daemon=True)
    miner.start()
    try:
        return send_bulk(chain, sender, calls)
    finally:
        done.set()
        miner.join()
        chain.rpc("evm_setAutomine", [True])
