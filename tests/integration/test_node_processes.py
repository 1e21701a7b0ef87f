"""``noos miner run`` and ``noos validator run`` as separate processes on anvil.

Four miners and two validators run as subprocesses (the CLI, as a user starts them) while the
test mines blocks. One validator is SIGKILLed right after its first commit and started again:
it must reveal that commit. The run ends when two epochs are finalized and every payout leaf of
both is claimed; the test then recomputes the epochs from chain data and checks that each
account's token balance rose by exactly its leaves.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from noosphere.audit.epoch import EpochOutcome, compute_epoch
from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.devnet import free_port
from noosphere.chain.manifest import Manifest
from noosphere.chain.subnets import Subnets
from noosphere.ml import builtin_spec
from noosphere.nodes.state import NodeState
from noosphere.wallet import create_wallet
from tests.conftest import Anvil

pytestmark = pytest.mark.anvil
NOOS = 10**18
PASSWORD = "correct horse battery"
TEMPO = 30
COMMITTED = re.compile(r"committed weights on \d+ UIDs for epoch (\d+)")


@dataclass
class Node:
    """One node subprocess and the file its output goes to."""

    args: list[str]
    out: Path
    process: subprocess.Popen[bytes] | None = None
    runs: list[Path] = field(default_factory=list)

    def output(self) -> str:
        """Everything this node printed so far (all its runs)."""
        return "".join(p.read_text(errors="replace") for p in self.runs if p.exists())


class Nodes:
    """Starts and stops node subprocesses."""

    def __init__(self, home: Path, rpc: str) -> None:
        self.home = home
        self.rpc = rpc
        self.nodes: list[Node] = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NOOS_")}
        self.env.update(NOOS_HOME=str(home), NOOS_PASSWORD=PASSWORD, NOOS_KDF="light",
                        COLUMNS="250")  # fmt: skip

    def start(self, name: str, *args: str) -> Node:
        """Start ``noos ARGS`` with its output in ``<home>/out/<name>.txt``."""
        node = Node([sys.executable, "-m", "noosphere.cli", "--rpc", self.rpc, *args],
                    self.home / "out" / f"{name}.txt")  # fmt: skip
        self.nodes.append(node)
        self.restart(node)
        return node

    def restart(self, node: Node) -> None:
        """(Re)start a node; each run writes to its own output file."""
        out = node.out.with_suffix(f".{len(node.runs)}.txt")
        out.parent.mkdir(parents=True, exist_ok=True)
        node.runs.append(out)
        with open(out, "wb") as fh:
            node.process = subprocess.Popen(node.args, env=self.env, stdout=fh,
                                            stderr=subprocess.STDOUT)  # fmt: skip

    def stop_all(self) -> None:
        """Terminate every node, then kill what is still running."""
        for node in self.nodes:
            if node.process and node.process.poll() is None:
                node.process.terminate()
        deadline = time.monotonic() + 10
        for node in self.nodes:
            if node.process is None:
                continue
            try:
                node.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait(5)

    def dump(self) -> str:
        """All outputs, for failure messages."""
        return "\n".join(f"--- {n.out.name}\n{n.output()[-3000:]}" for n in self.nodes)


@pytest.fixture
def nodes(tmp_path: Path, anvil: Anvil) -> Iterator[Nodes]:
    home = tmp_path / "home"
    home.mkdir()
    started = Nodes(home, anvil.url)
    yield started
    started.stop_all()


def _wait_for(node: Node, text: str, nodes: Nodes, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in node.output():
        assert node.process is not None
        if node.process.poll() is not None:
            pytest.fail(f"{node.out.name} exited ({node.process.returncode}):\n{node.output()}")
        assert time.monotonic() < deadline, f"no {text!r} from {node.out.name}\n{nodes.dump()}"
        time.sleep(0.1)


def _recompute(subnets: Subnets, netuid: int, epochs: list[int]) -> dict[int, EpochOutcome]:
    """Every finalized epoch recomputed from chain data, each with the previous one's bonds."""
    outcomes: dict[int, EpochOutcome] = {}
    previous: bytes | None = None
    for epoch in sorted(epochs):
        outcomes[epoch] = compute_epoch(subnets, netuid, epoch, previous_bonds=previous)
        previous = outcomes[epoch].bonds_file
    return outcomes


def test_two_validators_four_miners_as_processes(
    anvil: Anvil, deployed_home: tuple[Path, Manifest], chain: Chain, nodes: Nodes
) -> None:
    source, manifest = deployed_home
    home = nodes.home
    shutil.copytree(source / "deployments", home / "deployments")
    subnets = Subnets(chain, manifest)
    admin = dev_account(0)
    spec = builtin_spec("wine", mode="inference")  # the nodes recognise the built-in CID
    netuid = subnets.create_subnet(admin, str(spec.cid()))
    subnets.set_hyperparams(admin, netuid, tempo=TEMPO, immunity_period=0)
    subnets.set_share(admin, netuid, 10_000)
    chain.transact(admin, subnets.epochs.functions.set_windows(5, 200))  # challenge, attest

    names = ["val0", "val1", "min0", "min1", "min2", "min3"]
    wallets = {name: create_wallet(name, PASSWORD, home=home, kdf="light") for name in names}
    for wallet in wallets.values():
        subnets.token.transfer(admin, wallet.coldkey_address, 1_000 * NOOS)
        for address in (wallet.coldkey_address, wallet.hotkey_address("default")):
            chain.transact(admin, to=address, value=10 * NOOS, gas=21_000)
    for name, stake in (("val0", 100), ("val1", 60)):
        cold = wallets[name].unlock_coldkey(PASSWORD)
        hot = wallets[name].hotkey_address("default")
        subnets.register(cold, netuid, hot, "")
        subnets.stake(cold, netuid, hot, stake * NOOS)
    chain.mine(subnets.epoch_start(netuid, 1) - chain.block_number)  # epoch 0 has the old tempo

    recipes = ["logreg", "random_forest", "logreg", "mlp"]
    miners = [
        nodes.start(f"min{i}", "miner", "run", str(netuid), "--wallet", f"min{i}", "--hotkey",
                    "default", "--port", str(free_port()), "--recipe", recipes[i], "--register")
        for i in range(4)
    ]  # fmt: skip
    for miner in miners:
        _wait_for(miner, "serving", nodes)
    assert subnets.n(netuid) == 6

    watched = {w.coldkey_address for w in wallets.values()} | {admin.address}
    watched |= {w.hotkey_address("default") for w in wallets.values()}
    before = {a.lower(): subnets.token.balance_of(a) for a in watched}

    validators = [
        nodes.start(f"val{i}", "validator", "run", str(netuid), "--wallet", f"val{i}",
                    "--hotkey", "default", "--interval", "0.3")
        for i in range(2)
    ]  # fmt: skip
    for validator in validators:
        _wait_for(validator, "state in", nodes)

    deadline = time.monotonic() + 150
    killed_epoch: int | None = None
    outcomes: dict[int, EpochOutcome] = {}
    while True:
        assert time.monotonic() < deadline, nodes.dump()
        for node in nodes.nodes:
            assert node.process is not None
            assert node.process.poll() is None, f"{node.out.name} died\n{node.output()}"
        if killed_epoch is None and (found := COMMITTED.search(validators[0].output())):
            killed_epoch = int(found.group(1))
            # Chain time stands still while it restarts: the peer's transactions would mine
            # blocks (anvil automines), so it is paused too.
            assert validators[0].process is not None and validators[1].process is not None
            validators[1].process.send_signal(signal.SIGSTOP)
            validators[0].process.send_signal(signal.SIGKILL)
            validators[0].process.wait(10)
            try:
                nodes.restart(validators[0])
                _wait_for(validators[0], "state in", nodes)
            finally:
                validators[1].process.send_signal(signal.SIGCONT)
        finalized = subnets.finalized_epochs(netuid)
        if len(finalized) >= 2 and killed_epoch is not None:
            outcomes = _recompute(subnets, netuid, finalized)
            first_two = finalized[:2]
            if all(
                chain.block_number >= subnets.status(netuid, e).claimable_from
                and all(subnets.claimed(netuid, e, a) for a in outcomes[e].payouts)
                for e in first_two
            ):
                break
        chain.mine(1)
        time.sleep(0.3)
    nodes.stop_all()

    # The restarted validator revealed the commit its killed predecessor made.
    hotkey0 = wallets["val0"].hotkey_address("default")
    reveals = subnets.weights.events.WeightsRevealed().get_logs(
        from_block=0, argument_filters={"netuid": netuid, "hotkey": hotkey0})  # fmt: skip
    assert killed_epoch in {int(r["args"]["commit_epoch"]) for r in reveals}, nodes.dump()

    # Every finalized epoch recomputed from chain data matches what was finalized, and the
    # validators kept (and published) the bonds files the next epoch builds on.
    finalized = subnets.finalized_epochs(netuid)
    outcomes = _recompute(subnets, netuid, finalized)
    states = [
        NodeState(home / "nodes" / f"validator-{netuid}-{hot.lower()}.sqlite")
        for hot in (wallets[name].hotkey_address("default") for name in ("val0", "val1"))
    ]
    for epoch, outcome in outcomes.items():
        assert outcome.payouts_root == subnets.final_result(netuid, epoch)[0], epoch
        assert any(s.bonds_by_digest(outcome.bonds_digest) == outcome.bonds_file
                   for s in states), epoch  # fmt: skip
    for epoch in finalized[:2]:
        assert outcomes[epoch].payouts, f"epoch {epoch} paid nobody"
        for account in outcomes[epoch].payouts:
            assert subnets.claimed(netuid, epoch, account), (epoch, account)

    # Balances rose by exactly the claimed leaves (of every finalized epoch claimed so far).
    owed: dict[str, int] = {}
    for epoch, outcome in outcomes.items():
        for account, amount in outcome.payouts.items():
            if subnets.claimed(netuid, epoch, account):
                owed[account.lower()] = owed.get(account.lower(), 0) + amount
    assert set(owed) <= set(before), set(owed) - set(before)
    for account, start in before.items():
        assert subnets.token.balance_of(chain.w3.to_checksum_address(account)) - start == owed.get(
            account, 0
        ), account
    miners_paid = [w.coldkey_address.lower() for n, w in wallets.items() if n.startswith("min")]
    assert sum(owed.get(a, 0) > 0 for a in miners_paid) >= 2, owed
