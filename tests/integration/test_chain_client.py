"""The Chain client against a real anvil: sending, nonces, reverts, errors."""

from __future__ import annotations

import threading

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.protocol import Protocol
from noosphere.errors import (
    InsufficientFundsError,
    RpcUnreachableError,
    TransactionRevertedError,
)

pytestmark = pytest.mark.anvil


def test_chain_id_is_cached(chain: Chain) -> None:
    assert chain.chain_id == 31337
    assert chain.__dict__["chain_id"] == 31337


def test_transfer_moves_tokens(protocol: Protocol) -> None:
    token = protocol.token
    alice, bob = dev_account(0), dev_account(1)
    before = token.balance_of(bob.address)
    receipt = token.transfer(alice, bob.address, 5 * 10**18)
    assert receipt.status == 1
    assert token.balance_of(bob.address) == before + 5 * 10**18


def test_revert_reason_is_surfaced(protocol: Protocol) -> None:
    stranger = dev_account(5)
    with pytest.raises(TransactionRevertedError) as info:
        protocol.token.mint(stranger, stranger.address, 1)
    assert "noos" in info.value.reason or "erc20" in info.value.reason


def test_revert_in_mined_transaction_is_surfaced(protocol: Protocol) -> None:
    token = protocol.token
    poor = dev_account(6)
    fn = token.contract.functions.transfer(dev_account(1).address, 10**30)
    with pytest.raises(TransactionRevertedError) as info:
        protocol.chain.transact(poor, fn, gas=200_000)  # skip estimation: revert happens on chain
    assert info.value.tx_hash is not None
    assert "balance" in info.value.reason or "erc20" in info.value.reason


def test_insufficient_funds_for_gas(chain: Chain) -> None:
    from eth_account import Account

    pauper = Account.create()
    with pytest.raises(InsufficientFundsError):
        chain.transact(pauper, to=dev_account(1).address, value=1, gas=21_000)


def test_concurrent_senders_get_distinct_nonces(protocol: Protocol) -> None:
    token = protocol.token
    alice = dev_account(0)
    recipients = [dev_account(i).address for i in range(1, 9)]
    errors: list[BaseException] = []

    def send(to: str) -> None:
        try:
            token.chain.transact(alice, token.contract.functions.transfer(to, 1), gas=100_000)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    before = {r: token.balance_of(r) for r in recipients}
    threads = [threading.Thread(target=send, args=(r,)) for r in recipients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(token.balance_of(r) == before[r] + 1 for r in recipients)


def test_unreachable_rpc_is_a_clear_error() -> None:
    from noosphere.chain.devnet import free_port

    with pytest.raises(RpcUnreachableError) as info:
        Chain.connect(f"http://127.0.0.1:{free_port()}", retries=1)
    assert "cannot reach" in str(info.value)


def test_non_http_rpc_url_is_rejected() -> None:
    with pytest.raises(RpcUnreachableError):
        Chain.connect("ftp://example")


def test_back_to_back_transfers_between_delegated_holders(protocol: Protocol) -> None:
    """Gas is estimated against the pending block, so checkpoint writes are accounted for."""
    token, alice, bob = protocol.token, dev_account(0), dev_account(1)
    token.transfer(alice, bob.address, 10**18)
    token.delegate(alice, alice.address)
    token.delegate(bob, bob.address)
    for _ in range(3):
        token.transfer(alice, bob.address, 1)
        token.transfer(bob, alice.address, 1)
    assert token.votes(bob.address) == 10**18


def test_fast_calls_match_web3_shapes(protocol: Protocol) -> None:
    """Raw eth_call results have web3's shapes: scalars, strings, checksummed addresses,
    several outputs as a list, structs as tuples."""
    token = protocol.token.contract.functions
    registry = protocol.chain.contract("subnets", protocol.manifest.address("subnets")).functions
    holder = dev_account(0).address
    fns = [token.name(), token.balanceOf(holder), token.eip712Domain(), token.delegates(holder),
           registry.bounds(), registry.lock_cost()]  # fmt: skip
    expected = [fn.call() for fn in fns]
    assert [protocol.chain.call(fn) for fn in fns] == expected
    assert protocol.chain.call_many(fns) == expected
    assert protocol.chain.call_many([]) == []


def test_fast_call_revert_and_pinned_block(protocol: Protocol) -> None:
    registry = protocol.chain.contract("subnets", protocol.manifest.address("subnets")).functions
    with pytest.raises(TransactionRevertedError) as info:
        protocol.chain.call(registry.hyperparams(999))
    assert "subnets:" in info.value.reason
    token = protocol.token
    alice, bob = dev_account(0), dev_account(2)
    block = protocol.chain.block_number
    before = token.balance_of(bob.address)
    token.transfer(alice, bob.address, 7)
    fn = token.contract.functions.balanceOf(bob.address)
    assert protocol.chain.call_many([fn], block=block) == [before]
    assert protocol.chain.call_many([fn]) == [before + 7]
