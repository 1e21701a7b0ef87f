"""``noos subnet …`` against the session's anvil, as users run them: one whole epoch through the
CLI (create, set, register, stake, permits, commit, reveal, compute, attest, finalize, claim)
and the bad inputs, each one clear line that changes nothing on chain.

Setup steps whose CLI path is tested elsewhere go through the library to keep the file fast.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount

from noosphere.audit import compute_epoch
from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.manifest import Manifest
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Subnets, pack_weights
from noosphere.cli._subnet_views import PendingWeights, new_commit
from noosphere.wallet import Wallet
from tests.conftest import Anvil
from tests.e2e.conftest import Runner, assert_clean_error, cli_wallets

pytestmark = pytest.mark.anvil
NOOS = 10**18
PASSWORD = "correct horse battery"
NAMES = ("owner", "v1", "v2", "m1", "m2")


@dataclass
class World:
    """Wallets, their unlocked keys and the clients of one test."""

    run: Runner
    chain: Chain
    protocol: Protocol
    subnets: Subnets
    home: Path
    wallets: dict[str, Wallet]
    cold: dict[str, LocalAccount] = field(default_factory=dict)
    hot: dict[str, LocalAccount] = field(default_factory=dict)
    netuid: int = 0

    def mine_to(self, block: int) -> None:
        """Mine until the chain's latest block is ``block``."""
        if block > self.chain.block_number:
            self.chain.mine(block - self.chain.block_number)

    def hotkey(self, name: str) -> str:
        """The default hotkey address of wallet ``name``."""
        return self.wallets[name].hotkey_address("default")


@pytest.fixture
def world(
    noos: Runner, noos_home: Path, anvil: Anvil, deployed_home: tuple[Path, Manifest], chain: Chain
) -> World:
    """Five funded wallets (coldkeys with NOOS and gas, hotkeys with gas) in a fresh home."""
    source, manifest = deployed_home
    protocol = Protocol(chain, manifest, noos_home)
    wallets, run = cli_wallets(noos, noos_home, anvil.url, source, chain, protocol.token, NAMES,
                               PASSWORD, noos_each=1_000)  # fmt: skip
    w = World(run, chain, protocol, Subnets(chain, manifest), noos_home, wallets)  # type: ignore[arg-type]
    for name, wallet in wallets.items():
        w.cold[name] = wallet.unlock_coldkey(PASSWORD)
        w.hot[name] = wallet.unlock_hotkey("default", PASSWORD)
    return w


def _subnet(w: World, *, tempo: int = 20) -> int:
    """A subnet of ``owner`` (library) with a short tempo in force from the next epoch."""
    w.netuid = w.subnets.create_subnet(w.cold["owner"], "QmTaskSpecOfTheCliTest")
    w.subnets.set_hyperparams(w.cold["owner"], w.netuid, tempo=tempo, immunity_period=0)
    w.subnets.set_share(dev_account(0), w.netuid, 10_000)
    return w.netuid


def _register_all(w: World, names: tuple[str, ...] = ("v1", "v2", "m1", "m2")) -> None:
    for name in names:
        w.subnets.register(w.cold[name], w.netuid, w.hotkey(name), f"http://{name}.test:1")


def _next_epoch(w: World) -> int:
    epoch = w.subnets.current_epoch(w.netuid) + 1
    w.mine_to(w.subnets.epoch_start(w.netuid, epoch))
    return epoch


def _ok(result: object) -> str:
    assert getattr(result, "returncode", 1) == 0, getattr(result, "stderr", result)
    return str(getattr(result, "stdout", ""))


def test_a_whole_epoch_through_the_cli(world: World) -> None:
    w, run = world, world.run
    out = _ok(run("subnet", "create", "QmTaskSpecOfTheCliTest", "--from", "owner"))
    netuid = w.netuid = int(out.split("created subnet ")[1].split()[0])
    _ok(run("subnet", "set", str(netuid), "tempo=20", "immunity_period=0", "--from", "owner"))
    assert w.subnets.hyperparams(netuid)["tempo"] == 20
    w.subnets.set_share(dev_account(0), netuid, 10_000)

    _ok(run("-w", "v1", "subnet", "register", str(netuid), "--axon", "http://v1.test:1"))
    _register_all(w, ("v2", "m1", "m2"))
    _ok(run("-w", "v1", "subnet", "stake", str(netuid), "100"))
    w.subnets.stake(w.cold["v2"], netuid, w.hotkey("v2"), 50 * NOOS)
    _ok(run("subnet", "delegate", str(netuid), "v2/default", "30", "--from", "owner"))
    assert w.subnets.stake_of(netuid, w.hotkey("v2")) == 80 * NOOS

    epoch = _next_epoch(w)
    w.chain.mine(1)
    assert "UIDs 0, 1" in _ok(run("subnet", "permits", str(netuid), "--from", "m1"))
    committed = _ok(run("-w", "v1", "subnet", "weights", str(netuid), "--set", "2:1.0,3:0.5"))
    assert f"for epoch {epoch}" in committed
    pending = w.home / "subnets" / str(netuid) / "pending-weights.json"
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    salt = b"\x07" * 32
    w.subnets.commit(w.hot["v2"], netuid, pack_weights([(2, 65_535), (3, 40_000)]), salt)
    early = run("-w", "v1", "subnet", "weights", str(netuid), "--reveal")
    assert_clean_error(early, "too early", f"epoch {epoch + 1}")

    w.mine_to(w.subnets.epoch_start(netuid, epoch + 1))
    _ok(run("-w", "v1", "subnet", "weights", str(netuid), "--reveal"))
    assert PendingWeights(w.home, netuid).get(w.hotkey("v1")) is None
    w.subnets.reveal(w.hot["v2"], netuid, pack_weights([(2, 65_535), (3, 40_000)]), salt)

    w.mine_to(w.subnets.epoch_start(netuid, epoch + 2))
    shown = _ok(run("subnet", "epoch", str(netuid), str(epoch), "--compute"))
    assert "attestable" in shown and w.hotkey("m1") in shown and "payouts" in shown
    _ok(run("-w", "v1", "subnet", "attest", str(netuid), str(epoch)))
    outcome = compute_epoch(w.subnets, netuid, epoch)
    w.subnets.attest(w.hot["v2"], netuid, epoch, outcome.payouts_root, outcome.emission_root,
                     outcome.prune_root, outcome.permits_hash, outcome.bonds_digest)  # fmt: skip
    _ok(run("subnet", "finalize", str(netuid), str(epoch), "--from", "m2"))
    assert w.subnets.status(netuid, epoch).finalized

    m1 = w.wallets["m1"].coldkey_address
    w.chain.mine(w.subnets.windows()[0] + 1)
    before = w.protocol.token.balance_of(m1)
    _ok(run("-w", "m1", "subnet", "claim", str(netuid), str(epoch)))
    assert w.protocol.token.balance_of(m1) - before == outcome.payouts[m1] > 0
    assert_clean_error(run("-w", "m1", "subnet", "claim", str(netuid), str(epoch)), "already")

    table = _ok(run("subnet", "neurons", str(netuid)))
    assert f"results of epoch {epoch}" in table and "http://v1.test:1" in table
    assert w.hotkey("m2") in table


def _refused(w: World, args: tuple[str, ...], *fragments: str) -> None:
    """``noos ARGS`` fails with one clear line and sends nothing."""
    balances = {n: w.protocol.token.balance_of(wl.coldkey_address) for n, wl in w.wallets.items()}
    before = w.chain.block_number
    assert_clean_error(w.run(*(a.replace("{n}", str(w.netuid)) for a in args)), *fragments)
    assert w.chain.block_number == before  # nothing was sent
    assert balances == {n: w.protocol.token.balance_of(wl.coldkey_address)
                        for n, wl in w.wallets.items()}  # fmt: skip


def test_views_settings_and_refusals_on_a_fresh_subnet(world: World) -> None:
    w = world
    netuid = _subnet(w)
    _register_all(w, ("v1",))
    listed = _ok(w.run("subnet", "list"))
    assert "QmTaskSpecOfTheCliTest" in listed and w.wallets["owner"].coldkey_address in listed
    shown = _ok(w.run("subnet", "show", str(netuid)))
    assert "100 %" in shown and "1 of 256" in shown and "open" in shown
    params = _ok(w.run("subnet", "hyperparams", str(netuid)))
    assert "kappa" in params and "32,767" in params and "registration_allowed" in params
    _ok(w.run("subnet", "set", str(netuid), "min_burn=0.5", "liquid_alpha_enabled=true",
              "--from", "owner"))  # fmt: skip
    hp = w.subnets.hyperparams(netuid)
    assert hp["min_burn"] == NOOS // 2 and hp["liquid_alpha_enabled"] is True
    assert "9.5 %" in _ok(w.run("-w", "v1", "subnet", "take", "9.5"))
    assert w.subnets.take_of(w.hotkey("v1")) == 950

    _refused(w, ("subnet", "show", "9"), "subnet 9 does not exist")
    _refused(w, ("subnet", "set", "{n}", "tempo=5", "--from", "v1"), "not the owner")
    _refused(w, ("subnet", "set", "{n}", "reveal_period=17", "--from", "owner"),
             "subnets: reveal_period out of bounds")  # fmt: skip
    _refused(w, ("-w", "m1", "subnet", "register", "{n}", "--max-burn", "0.1"), "above --max-burn")
    w.subnets.set_hyperparams(w.cold["owner"], netuid, registration_allowed=False)
    _refused(w, ("-w", "m1", "subnet", "register", "{n}"), "registration on subnet", "closed")


def test_staking_refusals_and_cooldown(world: World) -> None:
    w = world
    netuid = _subnet(w)
    _register_all(w, ("v1",))
    w.subnets.stake(w.cold["v1"], netuid, w.hotkey("v1"), 5 * NOOS)
    _refused(w, ("subnet", "delegate", "{n}", "v1/default", "0.5", "--from", "m1"),
             "below the minimum")  # fmt: skip
    _refused(w, ("-w", "v1", "subnet", "unstake", "{n}", "6"), "has 5 NOOS staked")
    assert "withdrawable from block" in _ok(w.run("-w", "v1", "subnet", "unstake", str(netuid),
                                                  "all"))  # fmt: skip
    assert w.subnets.stake_of(netuid, w.hotkey("v1")) == 0
    _refused(w, ("-w", "v1", "subnet", "withdraw", "{n}"), "cooldown is not over")


def test_reveal_refusals(world: World) -> None:
    w = world
    netuid = _subnet(w)
    _register_all(w, ("v1", "m1"))
    w.subnets.stake(w.cold["v1"], netuid, w.hotkey("v1"), 5 * NOOS)
    epoch = _next_epoch(w)
    w.chain.mine(1)
    w.subnets.publish_bootstrap_permits(w.cold["v1"], netuid, epoch, [0])
    _refused(w, ("-w", "v1", "subnet", "weights", "{n}", "--reveal"), "no pending weights")
    commit = new_commit(epoch, [(1, 65_535)])
    PendingWeights(w.home, netuid).put(w.hotkey("v1"), commit)
    w.subnets.commit(w.hot["v1"], netuid, commit.packed, commit.salt)
    w.mine_to(w.subnets.epoch_start(netuid, epoch + 2))
    _refused(w, ("-w", "v1", "subnet", "weights", "{n}", "--reveal"), "too late")
    assert PendingWeights(w.home, netuid).get(w.hotkey("v1")) == commit  # kept: nothing lost
