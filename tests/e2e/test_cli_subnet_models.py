"""``noos subnet commit-model`` and ``noos subnet models`` against the session's anvil, as
users run them, and their refusals: each one clear line that sends nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from multiformats import CID

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.commitments import ModelCommitments
from noosphere.chain.manifest import Manifest
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Subnets
from noosphere.storage import block_cid, to_v1
from noosphere.wallet import Wallet
from tests.conftest import Anvil
from tests.e2e.conftest import Runner, assert_clean_error, cli_wallets

pytestmark = pytest.mark.anvil
NOOS = 10**18
PASSWORD = "correct horse battery"
NAMES = ("m1", "m2", "m3")
TEMPO = 20


def model_cid(label: str) -> str:
    """The CIDv0 of a stand-in model file."""
    return str(block_cid(f"onnx model {label}".encode()))


@dataclass
class World:
    """Three wallets (m1 and m2 registered on a subnet, m3 not) and the clients of one test."""

    run: Runner
    chain: Chain
    subnets: Subnets
    models: ModelCommitments
    wallets: dict[str, Wallet]
    netuid: int = 0

    def hotkey(self, name: str) -> str:
        return self.wallets[name].hotkey_address("default")

    def next_epoch(self) -> None:
        """Mine the first block of the next epoch: the next transactions land early in it."""
        epoch = self.subnets.current_epoch(self.netuid) + 1
        self.chain.mine(self.subnets.epoch_start(self.netuid, epoch) - self.chain.block_number)

    def refused(self, args: tuple[str, ...], *fragments: str) -> None:
        """``noos ARGS`` fails with one clear line and sends nothing."""
        before = self.chain.block_number
        assert_clean_error(self.run(*(a.replace("{n}", str(self.netuid)) for a in args)),
                           *fragments)  # fmt: skip
        assert self.chain.block_number == before


@pytest.fixture
def world(
    noos: Runner, noos_home: Path, anvil: Anvil, deployed_home: tuple[Path, Manifest], chain: Chain
) -> World:
    source, manifest = deployed_home
    protocol = Protocol(chain, manifest, noos_home)
    admin = dev_account(0)
    wallets, run = cli_wallets(noos, noos_home, anvil.url, source, chain, protocol.token, NAMES,
                               PASSWORD, noos_each=100)  # fmt: skip
    subnets = Subnets(chain, manifest)
    w = World(run, chain, subnets, ModelCommitments(chain, manifest), wallets)  # type: ignore[arg-type]
    w.netuid = subnets.create_subnet(admin, "QmTaskSpecOfTheModelsCliTest")
    subnets.set_hyperparams(admin, w.netuid, tempo=TEMPO, immunity_period=0)
    for name, wallet in wallets.items():
        if name != "m3":
            cold = wallet.unlock_coldkey(PASSWORD)
            subnets.register(cold, w.netuid, wallet.hotkey_address("default"), "")
    return w


def _ok(result: object) -> str:
    assert getattr(result, "returncode", 1) == 0, getattr(result, "stderr", result)
    return str(getattr(result, "stdout", ""))


def test_commit_models_and_list_them(world: World) -> None:
    w, n = world, str(world.netuid)
    assert "no models committed on subnet" in _ok(w.run("subnet", "models", n))
    w.next_epoch()
    original = model_cid("m1")
    out = _ok(w.run("subnet", "commit-model", n, original, "--wallet", "m1", "--hotkey", "default"))
    assert f"committed model {original} for UID 0 on subnet {n}" in out
    # The global flags work too; a copy of m1's model in its CIDv1 form is flagged.
    copy = to_v1(original)
    out = _ok(w.run("-w", "m2", "--hotkey", "default", "subnet", "commit-model", n, copy))
    assert "for UID 1" in out and "UID 0" in out and "committed this model first" in out
    table = _ok(w.run("subnet", "models", n))
    assert f"models committed on subnet {n}" in table
    lines = [
        line for line in table.splitlines() if w.hotkey("m1") in line or w.hotkey("m2") in line
    ]
    assert len(lines) == 2
    assert original in lines[0] and "yes" in lines[0]
    assert copy in lines[1] and "copy of UID 0" in lines[1]
    assert w.models.commitment(w.netuid, 0).cid == original  # type: ignore[union-attr]

    # A base58btc CIDv1 is committed, and shown, in its base32 form.
    w.next_epoch()
    other = CID.decode(to_v1(model_cid("m1 v2")))
    out = _ok(w.run("-w", "m1", "subnet", "commit-model", n, str(other.set(base="base58btc"))))
    assert f"(as {other})" in out
    assert w.models.commitment(w.netuid, 0).cid == str(other)  # type: ignore[union-attr]


def test_refusals(world: World) -> None:
    w = world
    w.next_epoch()
    _ok(w.run("-w", "m1", "subnet", "commit-model", str(w.netuid), model_cid("a")))
    w.refused(("-w", "m1", "subnet", "commit-model", "{n}", model_cid("b")),
              f"UID 0 of subnet {w.netuid} committed a model in epoch", "allowed from epoch "
              f"{w.subnets.current_epoch(w.netuid) + 1}")  # fmt: skip
    w.refused(("-w", "m1", "subnet", "commit-model", "{n}", "QmNotACid"), "not a valid CID")
    sha512 = CID("base32", 1, "raw", ("sha2-512", hashlib.sha512(b"m").digest()))
    w.refused(("-w", "m1", "subnet", "commit-model", "{n}", str(sha512)), "only sha2-256")
    w.refused(("-w", "m3", "subnet", "commit-model", "{n}", model_cid("a")),
              f"hotkey {w.hotkey('m3')} is not registered on subnet {w.netuid}")  # fmt: skip
    w.refused(("-w", "m1", "subnet", "commit-model", "99", model_cid("a")),
              "subnet 99 does not exist")  # fmt: skip
    w.refused(("-w", "m1", "subnet", "commit-model", "{n}", model_cid("a"), "--hotkey", "nope"),
              "nope")  # fmt: skip
    w.refused(("subnet", "models", "0"), "netuid 0 is out of range")
