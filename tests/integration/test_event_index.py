"""The event index against anvil: chunked reads, resume, reorg handling."""

from __future__ import annotations

from pathlib import Path

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.artifacts import load_artifact
from noosphere.chain.events import EventIndex
from noosphere.chain.protocol import Protocol

pytestmark = pytest.mark.anvil


def _index(protocol: Protocol, path: Path, chunk: int = 3) -> EventIndex:
    index = EventIndex(protocol.chain, path, chunk=chunk)
    index.watch("noos", protocol.token.address, load_artifact("noos").abi)
    return index


def test_indexes_transfers_in_chunks_and_resumes(protocol: Protocol, tmp_path: Path) -> None:
    token, alice = protocol.token, dev_account(0)
    for i in range(1, 6):
        token.transfer(alice, dev_account(i).address, i)
    index = _index(protocol, tmp_path / "idx.sqlite", chunk=2)
    index.sync()
    transfers = index.events("noos", "Transfer", from_block=protocol.start_block + 1)
    assert [e.args["value"] for e in transfers][-5:] == [1, 2, 3, 4, 5]
    last = index.last_block(token.address)
    assert last == protocol.chain.block_number

    token.transfer(alice, dev_account(7).address, 77)
    reopened = _index(protocol, tmp_path / "idx.sqlite")
    assert reopened.sync() == 1  # resumed: only the new log is read
    found = reopened.events("noos", "Transfer", where={"receiver": dev_account(7).address})
    assert [e.args["value"] for e in found] == [77]


def test_reorg_drops_replaced_blocks(protocol: Protocol, tmp_path: Path) -> None:
    chain, token, alice = protocol.chain, protocol.token, dev_account(0)
    index = _index(protocol, tmp_path / "idx.sqlite")
    index.sync()
    fork_point = chain.snapshot()
    token.transfer(alice, dev_account(3).address, 333)
    index.sync()
    assert [
        e.args["value"]
        for e in index.events("noos", "Transfer", where={"receiver": dev_account(3).address})
    ] == [333]
    chain.revert_to(fork_point)  # the block holding the transfer is replaced
    token.transfer(alice, dev_account(4).address, 444)
    index.sync()
    amounts_to_3 = [
        e.args["value"]
        for e in index.events("noos", "Transfer", where={"receiver": dev_account(3).address})
    ]
    assert amounts_to_3 == []
    amounts_to_4 = [
        e.args["value"]
        for e in index.events("noos", "Transfer", where={"receiver": dev_account(4).address})
    ]
    assert amounts_to_4 == [444]


def test_decodes_delegation_events(protocol: Protocol, tmp_path: Path) -> None:
    token, alice = protocol.token, dev_account(0)
    token.delegate(alice, dev_account(2).address)
    index = _index(protocol, tmp_path / "idx.sqlite")
    index.sync()
    changed = index.events("noos", "DelegateChanged")
    assert changed[-1].args["toDelegate"] == dev_account(2).address
    votes = index.events("noos", "DelegateVotesChanged")
    assert votes[-1].args["newVotes"] == token.balance_of(alice.address)
