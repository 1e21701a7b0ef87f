"""``noos wallet balance|transfer|delegate`` against the session's anvil, as a user runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.manifest import Manifest
from noosphere.chain.protocol import Protocol
from noosphere.wallet import Wallet, create_wallet
from tests.conftest import Anvil
from tests.e2e.conftest import Runner, assert_clean_error

pytestmark = pytest.mark.anvil


@pytest.fixture
def user(
    noos: Runner, noos_home: Path, anvil: Anvil, deployed_home: tuple[Path, Manifest], chain: Chain
) -> tuple[Runner, Protocol]:
    """A data dir that knows the session's deployment, with wallet alice funded."""
    source, manifest = deployed_home
    shutil.copytree(source / "deployments", noos_home / "deployments")
    for name in ("alice", "bob"):  # created through the library: the CLI path has its own tests
        create_wallet(name, "correct horse battery", home=noos_home, kdf="light")
    protocol = Protocol(chain, manifest, noos_home)
    alice = Wallet.load("alice", noos_home).coldkey_address
    chain.transact(dev_account(0), to=alice, value=10**18, gas=21_000)
    protocol.token.transfer(dev_account(0), alice, 100 * 10**18)

    def run(*args: str, **kwargs: object) -> object:
        return noos("--rpc", anvil.url, *args, **kwargs)  # type: ignore[arg-type]

    return run, protocol  # type: ignore[return-value]


def test_transfer_delegate_and_balance(user: tuple[Runner, Protocol], noos_home: Path) -> None:
    run, protocol = user
    bob = Wallet.load("bob", noos_home).coldkey_address
    sent = run("wallet", "transfer", "bob", "2.5", "--from", "alice", "--yes")
    assert sent.returncode == 0, sent.stderr
    assert protocol.token.balance_of(bob) == 25 * 10**17
    delegated = run("wallet", "delegate", "bob", "--from", "alice")
    assert delegated.returncode == 0, delegated.stderr
    assert protocol.token.votes(bob) == 97_500 * 10**15
    shown = run("wallet", "balance", "bob")
    assert "2.5" in shown.stdout and "97.5" in shown.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("wallet", "transfer", "bob", "1000", "--from", "alice", "--yes"), "less than the 1,000"),
        (("wallet", "transfer", "0xnothex", "1", "--from", "alice", "--yes"), "not an EVM address"),
        (("wallet", "transfer", "carol", "1", "--from", "alice", "--yes"), "neither an address"),
        (("wallet", "transfer", "bob", "1.2.3", "--from", "alice", "--yes"), "is not an amount"),
        (("wallet", "transfer", "bob", "0", "--from", "alice", "--yes"), "must be positive"),
        (("wallet", "transfer", "bob", "1", "--from", "nobody", "--yes"), "nobody"),
        (("wallet", "delegate", "alice", "--from", "bob"), "cannot pay"),
    ],
)
def test_bad_input_is_one_clear_line(
    user: tuple[Runner, Protocol], args: tuple[str, ...], fragment: str
) -> None:
    run, _ = user
    assert_clean_error(run(*args), fragment)


def test_wrong_password_loses_nothing(user: tuple[Runner, Protocol], noos_home: Path) -> None:
    run, protocol = user
    alice = Wallet.load("alice", noos_home).coldkey_address
    before = protocol.token.balance_of(alice)
    result = run(
        "wallet", "transfer", "bob", "1", "--from", "alice", "--yes", env={"NOOS_PASSWORD": "wrong"}
    )
    assert_clean_error(result, "wrong password")
    assert protocol.token.balance_of(alice) == before
