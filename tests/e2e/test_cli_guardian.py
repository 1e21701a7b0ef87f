"""``noos guardian …`` against the session's anvil, as a guardian and the DAO run them: pause
for a bounded time, status, unpause by the DAO only, and the bad inputs, each one clear line
that changes nothing on chain (and is refused before the password is used).

The ``guardian`` wallet's coldkey gets ``GUARDIAN_ROLE`` and the ``dao`` wallet's coldkey the
settlement's admin role (standing for the timelock) through the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.manifest import Manifest
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Subnets
from noosphere.errors import GuardianError
from tests.conftest import Anvil
from tests.e2e.conftest import Runner, assert_clean_error, cli_wallets

pytestmark = pytest.mark.anvil
PASSWORD = "correct horse battery"
NAMES = ("guardian", "dao", "stranger")


@dataclass
class World:
    """Wallets (by coldkey address), a subnet and the clients of one test."""

    run: Runner
    chain: Chain
    subnets: Subnets
    address: dict[str, str]
    netuid: int

    def travel(self, seconds: int) -> None:
        """Move the chain's clock forward and mine a block."""
        self.chain.rpc("evm_increaseTime", [seconds])
        self.chain.mine(1)


@pytest.fixture
def world(
    noos: Runner, noos_home: Path, anvil: Anvil, deployed_home: tuple[Path, Manifest], chain: Chain
) -> World:
    source, manifest = deployed_home
    protocol = Protocol(chain, manifest, noos_home)
    wallets, run = cli_wallets(noos, noos_home, anvil.url, source, chain, protocol.token, NAMES,
                               PASSWORD, noos_each=20)  # fmt: skip
    subnets = Subnets(chain, manifest)
    admin = dev_account(0)
    address = {name: wallet.coldkey_address for name, wallet in wallets.items()}
    fns = subnets.epochs.functions
    chain.transact(admin, fns.grantRole(chain.call(fns.GUARDIAN_ROLE()), address["guardian"]))
    chain.transact(admin, fns.grantRole(b"\x00" * 32, address["dao"]))
    netuid = subnets.create_subnet(admin, "QmTaskSpecOfTheGuardianCliTest")
    return World(run, chain, subnets, address, netuid)


def _ok(result: object) -> str:
    assert getattr(result, "returncode", 1) == 0, getattr(result, "stderr", result)
    return str(getattr(result, "stdout", ""))


def test_the_guardian_pauses_and_the_dao_unpauses(world: World) -> None:
    w, n = world, str(world.netuid)
    out = _ok(w.run("guardian", "pause", n, "--duration", "2h", "--from", "guardian"))
    until = w.subnets.paused_until(w.netuid)
    assert until == w.subnets.now() + 7_200
    assert f"paused the claims of subnet {n} until" in out
    shown = _ok(w.run("guardian", "status"))
    assert "paused" in shown and "2h left" in shown and "max_pause: 14d" in shown
    # The guardian may extend within max_pause from the start, not unpause.
    _ok(w.run("guardian", "pause", n, "-d", "3h", "--from", "guardian"))
    assert w.subnets.paused_until(w.netuid) > until
    refused = w.run("guardian", "unpause", n, "--from", "guardian")
    assert_clean_error(refused, "only the DAO may unpause", f"epochs.unpause({n})")
    assert w.subnets.pause_state(w.netuid).paused
    out = _ok(w.run("guardian", "unpause", n, "--from", "dao"))
    assert "claims resume now" in out
    assert w.subnets.paused_until(w.netuid) == 0
    with pytest.raises(GuardianError, match="subnet not paused"):
        w.subnets.unpause(dev_account(0), w.netuid)


def test_bad_pauses_are_refused_before_the_password(world: World) -> None:
    w, n = world, str(world.netuid)
    wrong = {"NOOS_PASSWORD": "not the password"}
    cases = [
        (("pause", n, "--duration", "2 hours", "--from", "guardian"), ["--duration", "e.g."]),
        (("pause", n, "--duration", "30d", "--from", "guardian"), ["max_pause", "2,592,000"]),
        (("pause", "77", "--duration", "1h", "--from", "guardian"), ["subnet 77 does not exist"]),
        (("pause", n, "--duration", "1h", "--from", "stranger"), ["does not hold GUARDIAN_ROLE"]),
        (("unpause", n, "--from", "stranger"), ["only the DAO may unpause"]),
        (("status", "70000"), ["out of range"]),
    ]
    for args, fragments in cases:
        assert_clean_error(w.run("guardian", *args, env=wrong), *fragments)
    assert w.subnets.paused_until(w.netuid) == 0


def test_the_guardian_waits_before_pausing_again(world: World) -> None:
    w, n = world, str(world.netuid)
    _ok(w.run("guardian", "pause", n, "--duration", "1h", "--from", "guardian"))
    over = w.run("guardian", "pause", n, "--duration", "14d", "--from", "guardian")
    assert_clean_error(over, "may extend the pause", "only up to")
    w.travel(3_600)
    again = w.run("guardian", "pause", n, "--duration", "1h", "--from", "guardian")
    assert_clean_error(again, f"may pause subnet {n} again only from", "DAO may pause it sooner")
    _ok(w.run("guardian", "pause", n, "--duration", "1h", "--from", "dao"))  # no cooldown
    assert w.subnets.pause_state(w.netuid).paused
