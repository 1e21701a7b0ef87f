"""Registering on a full subnet on anvil: the newcomer replaces the lowest-emission non-immune UID
of the latest finalized result, proved against its ``prune_root``; ranks are consumed in order.

Two validator engines drive epochs to finalization; the replacements go through the library,
``noos subnet register`` (typer's CliRunner, in process) and ``noos miner run``'s ``_register``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from typer.testing import CliRunner

from noosphere.audit.epoch import previous_bonds
from noosphere.audit.pruning import PruningError, register_neuron, replacement_plan
from noosphere.chain.accounts import dev_account
from noosphere.chain.manifest import Manifest
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Neuron, Subnets
from noosphere.cli import _app
from noosphere.errors import TransactionRevertedError
from noosphere.nodes import runner
from noosphere.nodes.state import NodeState
from noosphere.nodes.validator import Validator
from noosphere.storage import Store
from noosphere.wallet import create_wallet
from tests.conftest import Anvil

pytestmark = pytest.mark.anvil
NOOS = 10**18
TEMPO = 10
IMMUNITY = 15  # blocks: less than the two epochs between an epoch block and its result's close
PASSWORD = "correct horse battery"


class FixedScorer:
    """Scores the same miners the same way every epoch."""

    def __init__(self, scores: dict[int, float]) -> None:
        self.scores = scores

    def score(self, epoch: int, neurons: Sequence[Neuron]) -> dict[int, float]:
        return {uid: s for uid, s in self.scores.items() if uid < len(neurons)}


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No NOOS_* setting of the developer leaks in; the CLI's global overrides are restored."""
    for key in [k for k in os.environ if k.startswith("NOOS_")]:
        monkeypatch.delenv(key)
    saved = dict(_app._overrides)
    yield
    _app._overrides.clear()
    _app._overrides.update(saved)


def _mine_to(subnets: Subnets, block: int) -> None:
    if block > subnets.chain.block_number:
        subnets.chain.mine(block - subnets.chain.block_number)


def _fund(protocol: Protocol, address: str, noos: int = 0) -> None:
    admin = dev_account(0)
    if noos:
        protocol.token.transfer(admin, address, noos * NOOS)
    protocol.chain.transact(admin, to=address, value=NOOS, gas=21_000)


def _expected_prune_order(
    subnets: Subnets, netuid: int, epoch: int, emission: list[int]
) -> list[int]:
    """Non-immune UIDs at the close of ``epoch`` by ascending share, then UID (as documented)."""
    close = subnets.epoch_start(netuid, epoch + 2)  # reveal period 1
    total = sum(emission)
    shares = [(e << 32) // total for e in emission]
    neurons = subnets.neurons(netuid, close - 1)
    eligible = [n.uid for n in neurons if n.registered_at + IMMUNITY < close]
    return sorted(eligible, key=lambda uid: (shares[uid], uid))


def test_no_finalized_result_yet_is_a_clear_error(protocol: Protocol) -> None:
    subnets = Subnets(protocol.chain, protocol.manifest)
    admin = dev_account(0)
    netuid = subnets.create_subnet(admin, "QmTaskSpecOfThePruningTest")
    subnets.set_hyperparams(admin, netuid, max_allowed_uids=1)
    _fund(protocol, dev_account(1).address, 10)
    subnets.register(dev_account(1), netuid, Account.create().address, "http://a.test:1")
    assert subnets.is_full(netuid) and subnets.prune_cursor(netuid) is None
    with pytest.raises(PruningError, match="no epoch has been finalized yet; wait for"):
        replacement_plan(subnets, netuid, None)
    with pytest.raises(PruningError, match="no epoch has been finalized yet"):
        register_neuron(subnets, dev_account(2), netuid, Account.create().address, "")


@dataclass
class FullSubnet:
    """A full subnet whose latest finalized result (``result``) ranks its UIDs for pruning."""

    subnets: Subnets
    netuid: int
    hotkeys: list[LocalAccount]  # of UIDs 0-4 as first registered
    validators: list[Validator]
    store: Store  # where the validators publish their bonds files
    result: int
    expected: list[int]  # the prune order of ``result``, computed here from its emissions
    bonds: bytes  # the previous finalized result's bonds file

    @property
    def bonds_source(self) -> Callable[[bytes], bytes | None]:
        return self.validators[0].state.bonds_by_digest


def full_subnet(protocol: Protocol, tmp_path: Path) -> FullSubnet:
    """Five UIDs, two validator engines, epochs run until the third result is finalized.

    UIDs 0-1 validate, 2-3 mine from the start; UID 4 joins during the third result's epoch,
    so it earns the least but is immune when that result closes.
    """
    chain = protocol.chain
    subnets = Subnets(chain, protocol.manifest)
    admin = dev_account(0)
    netuid = subnets.create_subnet(admin, "QmTaskSpecOfThePruningTest")
    subnets.set_hyperparams(admin, netuid, tempo=TEMPO, max_allowed_uids=5,
                            immunity_period=IMMUNITY)  # fmt: skip
    subnets.set_share(admin, netuid, 10_000)
    # No claims during the test (a long challenge window): fewer blocks per validator step.
    chain.transact(admin, subnets.epochs.functions.set_windows(1_000, 40))  # challenge, attest

    coldkeys = [dev_account(i) for i in range(1, 6)]
    hotkeys = [Account.create() for _ in range(5)]
    for cold, hot in zip(coldkeys, hotkeys, strict=True):
        _fund(protocol, cold.address, 100)
        _fund(protocol, hot.address)
    for i in range(4):
        subnets.register(coldkeys[i], netuid, hotkeys[i].address, f"http://uid{i}.test:1")
    subnets.stake(coldkeys[0], netuid, hotkeys[0].address, 50 * NOOS)
    subnets.stake(coldkeys[1], netuid, hotkeys[1].address, 30 * NOOS)
    store = Store(tmp_path / "validators", sync=False)
    validators = [
        Validator(subnets, netuid, hotkeys[i], NodeState(tmp_path / f"validator-{i}.sqlite"),
                  FixedScorer({2: 1.0, 3: 0.25}), publish_bonds=runner.bonds_publisher(store))
        for i in range(2)
    ]  # fmt: skip

    first = subnets.current_epoch(netuid) + 1  # the tempo of 10 applies from here
    _mine_to(subnets, subnets.epoch_start(netuid, first))
    result = first + 2  # the result used for pruning: two finalized results before it
    late_from = subnets.epoch_start(netuid, result) + 5
    log: list[str] = []
    while not subnets.status(netuid, result).finalized:
        assert chain.block_number < subnets.epoch_start(netuid, result + 3), "\n".join(log)
        for validator in validators:
            if chain.block_number >= late_from and not subnets.is_full(netuid):
                subnets.register(coldkeys[4], netuid, hotkeys[4].address, "http://uid4.test:1")
            log += validator.step().actions
        chain.mine(3)
    assert not [line for line in log if "failed" in line], log
    assert subnets.is_full(netuid)
    late = subnets.neurons(netuid)[4].registered_at  # immune at the result's close, listed in it
    assert late_from < late < subnets.epoch_start(netuid, result + 2) <= late + IMMUNITY
    assert subnets.finalized_epochs(netuid) == [first, first + 1, result]
    source = validators[0].state.bonds_by_digest
    found = previous_bonds(subnets, netuid, result, sources=(source,))
    assert found.status == "found" and found.epoch == result - 1 and found.data  # not zeros

    outcome = validators[0].outcomes[result]
    details = outcome.details
    emission = [m + v for m, v in zip(details["miner_emission"], details["validator_emission"],
                                      strict=True)]  # fmt: skip
    expected = _expected_prune_order(subnets, netuid, result, emission)
    assert 4 not in expected and emission[4] < min(emission[u] for u in expected)
    assert outcome.prune_order == expected and len(expected) == 4
    return FullSubnet(subnets, netuid, hotkeys, validators, store, result, expected, found.data)


def test_a_full_subnet_replaces_the_lowest_emission_prunable_uids_in_rank_order(
    protocol: Protocol,
    anvil: Anvil,
    deployed_home: tuple[Path, Manifest],
    tmp_path: Path,
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    full = full_subnet(protocol, tmp_path)
    subnets, netuid, result, expected = full.subnets, full.netuid, full.result, full.expected
    hotkeys, bonds_source, admin = full.hotkeys, full.bonds_source, dev_account(0)
    outcome = full.validators[0].outcomes[result]

    # The bonds of the previous finalized result are needed to check the prune order.
    with pytest.raises(PruningError, match="NOOS_GATEWAYS"):
        replacement_plan(subnets, netuid, lambda _digest: None)

    plan = replacement_plan(subnets, netuid, bonds_source)
    assert plan.result_epoch == result and list(plan.prune_order) == expected
    assert plan.aux[1] == outcome.prune_root
    assert [c.rank for c in plan.candidates] == [0, 1, 2, 3]
    assert plan.expected.uid == expected[0] and all(c.prunable for c in plan.candidates)

    # 1. The library: the lowest-emission non-immune UID goes.
    newcomers = [Account.create() for _ in range(3)]
    _fund(protocol, dev_account(6).address, 100)
    done = register_neuron(subnets, dev_account(6), netuid, newcomers[0].address, "http://n0.test:1",
                           bonds_source=bonds_source)  # fmt: skip
    assert (done.uid, done.result_epoch) == (expected[0], result)
    assert done.replaced_hotkey == hotkeys[expected[0]].address
    assert subnets.uid_of(netuid, newcomers[0].address) == expected[0]
    assert not subnets.is_registered(netuid, hotkeys[expected[0]].address)
    assert subnets.prune_cursor(netuid) == (result, 1)
    assert subnets.n(netuid) == 5

    # 2. `noos subnet register`: bonds missing from its store first, then there.
    home = tmp_path / "cli-home"
    shutil.copytree(deployed_home[0] / "deployments", home / "deployments")
    wallet = create_wallet("cli", PASSWORD, home=home, kdf="light")
    _fund(protocol, wallet.coldkey_address, 100)
    env = {"NOOS_HOME": str(home), "NOOS_PASSWORD": PASSWORD, "NOOS_KDF": "light"}
    args = ["--rpc", anvil.url, "-w", "cli", "subnet", "register", str(netuid),
            "--axon", "http://cli.test:1"]  # fmt: skip
    from noosphere.cli._root import app

    cli = CliRunner()
    refused = cli.invoke(app, args, env=env)
    assert isinstance(refused.exception, PruningError), refused.output
    assert "NOOS_GATEWAYS" in str(refused.exception)
    assert subnets.prune_cursor(netuid) == (result, 1)  # nothing sent
    Store(home).put_bytes(full.bonds, name="bonds.npz")
    ok = cli.invoke(app, args, env=env)
    assert ok.exit_code == 0, (ok.output, ok.exception)
    cli_hotkey = wallet.hotkey_address("default")
    said = " ".join(ok.output.split())
    assert f"registered {wallet.hotkey_address('default')} on subnet {netuid} as UID" in said
    assert f"UID {expected[1]} was {hotkeys[expected[1]].address}, the lowest-emission" in said
    assert subnets.uid_of(netuid, cli_hotkey) == expected[1]
    assert subnets.prune_cursor(netuid) == (result, 2)

    # 3. `noos miner run --register`'s registration step, from the same store.
    from noosphere.cli.miner import _register

    monkeypatch.setenv("NOOS_HOME", str(home))
    _fund(protocol, dev_account(7).address, 100)
    uid = _register(subnets, dev_account(7), netuid, newcomers[1].address, "http://n1.test:1", None)
    assert uid == expected[2] and subnets.prune_cursor(netuid) == (result, 3)
    assert f"UID {uid} was {hotkeys[uid].address}" in " ".join(capsys.readouterr().out.split())

    # 4. The last candidate becomes immune: a clear error, and the registry agrees.
    stale = replacement_plan(subnets, netuid, bonds_source)
    assert [c.uid for c in stale.candidates] == [expected[3]]
    subnets.set_hyperparams(admin, netuid, immunity_period=100_000)
    with pytest.raises(PruningError, match="all candidates are immune"):
        replacement_plan(subnets, netuid, bonds_source)
    _fund(protocol, dev_account(8).address, 100)
    with pytest.raises(TransactionRevertedError, match="no prunable uid"):
        subnets.register_replacing(dev_account(8), netuid, newcomers[2].address, "", None, stale)
    assert subnets.prune_cursor(netuid) == (result, 3)
