"""Real epochs on anvil for tests: a subnet whose epoch is closed (reveals over), ready to attest,
and a subnet whose epochs two validator engines run to finalization."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from noosphere.audit.epoch import EpochOutcome, compute_epoch
from noosphere.chain.accounts import dev_account
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Subnets, pack_weights
from noosphere.nodes import runner
from noosphere.nodes.state import NodeState
from noosphere.nodes.validator import Validator
from noosphere.storage import Store
from tests.integration.test_pruning import FixedScorer

NOOS = 10**18
TEMPO = 10


def mine_to(subnets: Subnets, block: int) -> None:
    """Mine until the chain is at ``block``."""
    if block > subnets.chain.block_number:
        subnets.chain.mine(block - subnets.chain.block_number)


@dataclass
class ClosedEpoch:
    """An epoch whose reveals are over: its validators can attest ``outcome`` (or anything)."""

    subnets: Subnets
    netuid: int
    epoch: int
    validators: list[LocalAccount]  # hotkeys of UIDs 0 and 1, both permitted
    outcome: EpochOutcome

    def attest(self, validator: LocalAccount, **changes: bytes) -> None:
        """``validator`` attests the recomputed result with ``changes`` to its fields."""
        out = self.outcome
        fields = {"payouts_root": out.payouts_root, "emission_root": out.emission_root,
                  "prune_root": out.prune_root, "permits_hash": out.permits_hash,
                  "bonds_digest": out.bonds_digest, **changes}  # fmt: skip
        self.subnets.attest(validator, self.netuid, self.epoch, fields["payouts_root"],
                            fields["emission_root"], fields["prune_root"],
                            fields["permits_hash"], fields["bonds_digest"])  # fmt: skip


def closed_epoch(protocol: Protocol) -> ClosedEpoch:
    """Four UIDs (0-1 staked validators with permits, 2-3 miners), one epoch committed,
    revealed and closed."""
    chain = protocol.chain
    subnets = Subnets(chain, protocol.manifest)
    admin = dev_account(0)
    netuid = subnets.create_subnet(admin, "QmTaskSpecOfTheEpochAuditTest")
    subnets.set_hyperparams(admin, netuid, tempo=TEMPO, immunity_period=0)
    subnets.set_share(admin, netuid, 10_000)
    chain.transact(admin, subnets.epochs.functions.set_windows(5, 100))  # challenge, attest
    hotkeys = [Account.create() for _ in range(4)]
    for i, hot in enumerate(hotkeys):
        cold = dev_account(i + 1)
        protocol.token.transfer(admin, cold.address, 200 * NOOS)
        chain.transact(admin, to=hot.address, value=NOOS, gas=21_000)
        subnets.register(cold, netuid, hot.address, f"http://uid{i}.test:1")
    subnets.stake(dev_account(1), netuid, hotkeys[0].address, 100 * NOOS)
    subnets.stake(dev_account(2), netuid, hotkeys[1].address, 40 * NOOS)  # UID 0 alone: 2/3

    epoch = subnets.current_epoch(netuid) + 1
    mine_to(subnets, subnets.epoch_start(netuid, epoch) + 1)
    subnets.publish_bootstrap_permits(admin, netuid, epoch, [0, 1])
    votes = [[(2, 65_535), (3, 20_000)], [(2, 65_535), (3, 30_000)]]
    salts = [secrets.token_bytes(32) for _ in votes]
    for validator, vote, salt in zip(hotkeys[:2], votes, salts, strict=True):
        subnets.commit(validator, netuid, pack_weights(vote), salt)
    mine_to(subnets, subnets.epoch_start(netuid, epoch + 1))
    for validator, vote, salt in zip(hotkeys[:2], votes, salts, strict=True):
        subnets.reveal(validator, netuid, pack_weights(vote), salt)
    mine_to(subnets, subnets.epoch_start(netuid, epoch + 2))
    outcome = compute_epoch(subnets, netuid, epoch)
    return ClosedEpoch(subnets, netuid, epoch, hotkeys[:2], outcome)


@dataclass
class EngineEpochs:
    """A subnet whose epochs ``first`` and ``first + 1`` two validator engines finalized."""

    subnets: Subnets
    netuid: int
    first: int
    store: Store  # where the validators published their bonds files


def engine_epochs(protocol: Protocol, tmp_path: Path) -> EngineEpochs:
    """Two validator engines (UIDs 0-1) score UIDs 2-3 until two consecutive epochs are final;
    the second one starts from the first one's (non-zero) bonds."""
    chain = protocol.chain
    subnets = Subnets(chain, protocol.manifest)
    admin = dev_account(0)
    netuid = subnets.create_subnet(admin, "QmTaskSpecOfTheEpochAuditEngines")
    subnets.set_hyperparams(admin, netuid, tempo=TEMPO, immunity_period=0)
    subnets.set_share(admin, netuid, 10_000)
    chain.transact(admin, subnets.epochs.functions.set_windows(1_000, 40))
    hotkeys = [Account.create() for _ in range(4)]
    for i, hot in enumerate(hotkeys):
        cold = dev_account(i + 1)
        protocol.token.transfer(admin, cold.address, 100 * NOOS)
        chain.transact(admin, to=hot.address, value=NOOS, gas=21_000)
        subnets.register(cold, netuid, hot.address, f"http://uid{i}.test:1")
    subnets.stake(dev_account(1), netuid, hotkeys[0].address, 50 * NOOS)
    subnets.stake(dev_account(2), netuid, hotkeys[1].address, 30 * NOOS)
    store = Store(tmp_path / "validators", sync=False)
    validators = [
        Validator(subnets, netuid, hotkeys[i], NodeState(tmp_path / f"validator-{i}.sqlite"),
                  FixedScorer({2: 1.0, 3: 0.25}), publish_bonds=runner.bonds_publisher(store))
        for i in range(2)
    ]  # fmt: skip
    first = subnets.current_epoch(netuid) + 1
    mine_to(subnets, subnets.epoch_start(netuid, first))
    log: list[str] = []
    while not subnets.status(netuid, first + 1).finalized:
        assert chain.block_number < subnets.epoch_start(netuid, first + 5), "\n".join(log)
        for validator in validators:
            log += validator.step().actions
        chain.mine(3)
    assert subnets.finalized_epochs(netuid) == [first, first + 1], log
    return EngineEpochs(subnets, netuid, first, store)
