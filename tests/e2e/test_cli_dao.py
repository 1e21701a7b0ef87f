"""``noos dao …`` as users run them, against a devnet-style deployment handed over to the DAO
(voting delay 1 block, period 20 blocks, timelock 10 s, threshold 1 NOOS): delegate, propose,
list, show, vote, queue, execute; and the bad inputs, each one clear line that sends nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.dao import Dao
from noosphere.chain.data import DataMarket
from noosphere.chain.manifest import Manifest
from noosphere.wallet import Wallet
from tests.conftest import Anvil
from tests.e2e.conftest import Runner, assert_clean_error, cli_wallets

pytest_plugins = ["tests.integration._dao_helpers"]
pytestmark = pytest.mark.anvil
PASSWORD = "correct horse battery"
METADATA = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
CONTENT = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
REASON = "QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB"


@dataclass
class World:
    run: Runner
    chain: Chain
    dao: Dao
    wallets: dict[str, Wallet]

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return str(result.stdout)

    def refused(self, args: tuple[str, ...], *fragments: str) -> None:
        """``noos ARGS`` fails with one clear line and sends nothing."""
        before = self.chain.block_number
        assert_clean_error(self.run(*args), *fragments)
        assert self.chain.block_number == before

    def mine_to(self, block: int) -> None:
        if block > self.chain.block_number:
            self.chain.mine(block - self.chain.block_number)


@pytest.fixture
def world(noos: Runner, noos_home: Path, anvil: Anvil, chain: Chain,
          dao_deployment: tuple[Chain, Path, Manifest]) -> Iterator[World]:  # fmt: skip
    _, source, manifest = dao_deployment
    dao = Dao(chain, manifest)
    wallets, run = cli_wallets(noos, noos_home, anvil.url, source, chain, dao.token,
                               ["alice", "bob", "poor"], PASSWORD, noos_each=100_000)  # fmt: skip
    yield World(run, chain, dao, wallets)


def test_propose_vote_queue_execute(world: World) -> None:
    w = world
    assert "now delegates to" in w.ok("dao", "delegate", "--from", "alice")
    w.ok("dao", "delegate", "--from", "bob")
    assert "20 block(s)" in w.ok("dao", "params")
    assert "400,000" in w.ok("dao", "treasury")
    out = w.ok("dao", "propose", "--title", "Cheaper data", "--description", "Halve the fee.",
               "--action", "licences.set_fee(50)", "--action", "emitter.set_share(1, 1_000)",
               "--from", "alice", "--yes")  # fmt: skip
    assert "licences.set_fee(fee_bps_=50)" in out and "emitter.set_share(netuid=1" in out
    pid = re.search(r"proposed (0x[0-9a-f]{8})", out).group(1)  # type: ignore[union-attr]
    listed = w.ok("dao", "list")
    assert pid in listed and "Cheaper data" in listed and "Pending" in listed
    w.refused(("dao", "vote", pid, "for", "--from", "alice"), "has not started", "opens at block")
    w.mine_to(w.dao.proposal(w.dao.resolve_id(pid).proposal_id).snapshot + 1)
    assert "100,000 votes" in w.ok("dao", "vote", pid, "for", "--reason", "yes", "--from", "alice")
    w.ok("dao", "vote", pid, "abstain", "--from", "bob")
    w.refused(("dao", "vote", pid, "against", "--from", "alice"), "already voted")
    shown = w.ok("dao", "show", pid, "--from", "alice")
    assert "Active" in shown and "licences.set_fee(fee_bps_=50)" in shown
    assert "500.0 % of 40,000 reached" in shown and "voted for with 100,000" in shown
    proposal = w.dao.resolve_id(pid)
    w.mine_to(proposal.deadline + 1)
    assert "executable from 20" in w.ok("dao", "queue", pid, "--from", "bob")
    w.refused(("dao", "execute", pid, "--from", "bob"), "before its ETA")
    w.chain.rpc("evm_increaseTime", [10 * 365 * 86_400])  # no expiry in OpenZeppelin v5
    w.chain.mine(1)
    late = w.ok("dao", "show", pid)
    assert "Queued" in late and "ready to execute" in late
    assert "2 action(s) done" in w.ok("dao", "execute", pid, "--from", "bob")
    licences = w.dao.manifest.address("licences")
    fee = w.chain.call(w.chain.contract("licences", licences).functions.fee_bps())
    assert fee == 50 and "Executed" in w.ok("dao", "list", "--all")


def test_bad_inputs_are_one_clear_line(world: World) -> None:
    w = world
    w.ok("dao", "delegate", "--from", "alice")
    propose = ("dao", "propose", "--title", "T", "--from", "alice", "--yes", "--action")
    w.refused((*propose, "licence.set_fee(1)"), "unknown contract 'licence'", "did you mean")
    w.refused((*propose, "licences.set_fees(1)"), "no function 'set_fees'", "set_fee")
    w.refused((*propose, "licences.set_fee(abc)"), "argument 1 (fee_bps_: uint256)")
    w.refused((*propose, "licences.set_fee(1, 2)"), "takes 1 argument(s), 2 given")
    w.refused(("dao", "propose", "--title", "T", "--from", "alice"), "at least one --action")
    poor = ("dao", "propose", "--title", "T", "--from", "poor", "--yes", "--action")
    w.refused((*poor, "licences.set_fee(1)"), "below the proposal threshold", "noos dao delegate")
    w.refused(("dao", "show", "0xdeadbeef"), "no proposal id starts with")
    w.refused(("dao", "vote", "0x12", "maybe"), "not one of for, against, abstain")
    out = w.ok(*propose, "licences.set_fee(10)")
    pid = re.search(r"proposed (0x[0-9a-f]{8})", out).group(1)  # type: ignore[union-attr]
    w.refused(("dao", "cancel", pid, "--from", "bob"), "only the proposer")
    assert "canceled" in w.ok("dao", "cancel", pid, "--from", "alice")
    w.refused(("dao", "vote", pid, "for", "--from", "alice"), "closed", "Canceled")
    assert "no open proposals" in w.ok("dao", "list")


def test_data_delist_points_to_the_dao(world: World) -> None:
    market = DataMarket(world.chain, world.dao.manifest)
    data_id = market.publish(dev_account(1), METADATA, CONTENT, "https://provider.example", 10**18)
    args = ("data", "delist", str(data_id), "--reason-cid", REASON, "--from", "alice")
    world.refused(args, "governed by the DAO", f'datanft.delist({data_id}, "{REASON}")')
