"""titanoboa helpers shared by the contract tests: blocks, events and total transaction gas."""

from __future__ import annotations

from typing import Any

import boa

# Prague intrinsic cost of a transaction; boa reports execution gas only.
TX_BASE_GAS = 21_000


def events(contract: Any, name: str) -> list:
    """The decoded events called ``name`` emitted by the last call to ``contract``."""
    return [log for log in contract.get_logs() if type(log).__name__ == name]


def mine(blocks: int = 1) -> None:
    """Advance the block number (and the timestamp by 12 s per block)."""
    boa.env.time_travel(blocks=blocks)


def block_number() -> int:
    """The number of the block the next call executes in."""
    return int(boa.env.evm.patch.block_number)


def mine_to(target: int) -> None:
    """Advance to block ``target`` (no-op if already there or past)."""
    if target > block_number():
        mine(target - block_number())


def tx_gas(contract: Any, function: Any, *args: Any, sender: str) -> int:
    """Total gas of a transaction calling ``function``: intrinsic, calldata and execution.

    Storage is committed first so that SSTOREs are priced against the values at the start of
    the transaction, and warm/cold access sets are cleared, as for a fresh transaction. Only
    call this inside a throwaway ``boa.swap_env(boa.Env())``.
    """
    boa.env.evm.vm.state.lock_changes()
    boa.env.reset_gas_used()
    with boa.env.prank(sender):
        function(*args)
    computation = contract._computation
    calldata = function.prepare_calldata(*args)
    calldata_gas = sum(4 if byte == 0 else 16 for byte in calldata)
    used = TX_BASE_GAS + calldata_gas + computation.get_gas_used()
    return int(used - min(computation.get_gas_refund(), used // 5))
