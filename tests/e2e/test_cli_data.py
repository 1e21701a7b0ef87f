"""``noos data …`` against the session's anvil, as users run them: publish a CSV (its key handed
to a real provider node over HTTP), list, show, search, buy, order, update, earnings, withdraw,
deprecate, delist; and the bad inputs, each one clear line that mints and sends nothing.

Setup steps whose CLI path is tested elsewhere go through the library to keep the file fast.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.manifest import Manifest
from noosphere.chain.protocol import Protocol
from noosphere.data.publish import KEYS_DIR, load_dataset_key
from noosphere.storage import Store
from noosphere.wallet import Wallet, create_wallet, import_private_key
from tests._servers import ThreadServer
from tests.conftest import Anvil
from tests.e2e.conftest import Runner, assert_clean_error

pytestmark = pytest.mark.anvil
NOOS = 10**18
PASSWORD = "correct horse battery"
REASON = "QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB"
CSV = "sepal_length,petal_width,species\n" + "".join(
    f"{4 + i % 7 * 0.5},{i % 5 * 0.25},{'setosa' if i % 3 else 'virginica'}\n" for i in range(60)
)


@dataclass
class World:
    """Wallets in a fresh home, the protocol, and a provider node serving that home's store."""

    run: Runner
    chain: Chain
    protocol: Protocol
    home: Path
    files: Path
    wallets: dict[str, Wallet]
    endpoint: str

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return str(result.stdout)

    def refused(self, args: tuple[str, ...], *fragments: str) -> None:
        """``noos ARGS`` fails with one clear line and sends nothing."""
        count = self.protocol.data.data_count()
        before = self.chain.block_number
        assert_clean_error(self.run(*args), *fragments)
        assert self.chain.block_number == before and self.protocol.data.data_count() == count

    def address(self, name: str) -> str:
        return self.wallets[name].coldkey_address


@pytest.fixture
def world(
    noos: Runner,
    noos_home: Path,
    anvil: Anvil,
    deployed_home: tuple[Path, Manifest],
    chain: Chain,
    tmp_path: Path,
) -> Iterator[World]:
    from noosphere.nodes.provider import ProviderNode, create_provider_app

    source, manifest = deployed_home
    shutil.copytree(source / "deployments", noos_home / "deployments")
    protocol = Protocol(chain, manifest, noos_home)
    admin = dev_account(0)
    wallets = {n: create_wallet(n, PASSWORD, home=noos_home, kdf="light")
               for n in ("owner", "buyer")}  # fmt: skip
    wallets["admin"] = import_private_key("admin", admin.key.hex(), PASSWORD, home=noos_home,
                                          kdf="light")  # fmt: skip
    for name in ("owner", "buyer"):
        protocol.token.transfer(admin, wallets[name].coldkey_address, 100 * NOOS)
        chain.transact(admin, to=wallets[name].coldkey_address, value=NOOS, gas=21_000)

    def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        result = noos("--rpc", anvil.url, *args, **kwargs)  # type: ignore[arg-type]
        for wallet in wallets.values():  # the CLI sent from these keys: forget cached nonces
            chain.nonces.resync(wallet.coldkey_address)
        return result

    provider = Account.from_key("0x" + "5e" * 32)
    node = ProviderNode(provider, protocol.data, store=Store(noos_home), state_dir=tmp_path / "p")
    server = ThreadServer(create_provider_app(node))
    files = tmp_path / "files"
    files.mkdir()
    try:
        yield World(run, chain, protocol, noos_home, files, wallets, server.url)
    finally:
        server.stop()
        node.close()


def test_publish_find_buy_order_and_get_paid(world: World) -> None:
    w = world
    path = w.files / "iris.csv"
    path.write_text(CSV)
    out = w.ok("data", "publish", str(path), "--title", "Iris petals", "--price", "2.5",
               "--uses", "training,inference", "--validity", "12h", "--tag", "botany",
               "--description", "Petal widths", "--label", "species", "--allow-recipe", "logreg",
               "--endpoint", w.endpoint, "--from", "owner", "--yes")  # fmt: skip
    assert "60 rows, 3 columns (label 'species', classification)" in out
    assert "published dataset 1: 2.5 NOOS per licence, orders valid 12h" in out
    assert f"key registered with the provider at {w.endpoint}" in out
    market = w.protocol.data
    ds = market.dataset(1)
    assert ds.owner == w.address("owner") and ds.uses == frozenset({"training", "inference"})
    assert ds.validity == 12 * 3_600 and len(ds.recipes) == 1 and ds.endpoint == w.endpoint
    saved = load_dataset_key(w.wallets["owner"].path / KEYS_DIR,
                             w.wallets["owner"].unlock_coldkey(PASSWORD),
                             w.chain.chain_id, ds.content_cid)  # fmt: skip
    assert saved.registered and saved.data_id == 1

    listed = w.ok("data", "list")
    assert "Iris petals" in listed and "2.5 NOOS" in listed and "listed" in listed
    shown = w.ok("data", "show", "1")
    for fragment in ("Iris petals", "Petal widths", "botany", "60 rows x 3 columns",
                     "petal_width", "species (label)", "12h", ds.content_cid):  # fmt: skip
        assert fragment in shown, fragment
    found = w.ok("data", "search", "petal", "--uses", "training", "--max-price", "3")
    assert "Iris petals" in found
    assert "no dataset matches" in w.ok("data", "search", "petal", "--min-rows", "61")

    bought = w.ok("data", "buy", "1", "--amount", "2", "--from", "buyer", "--yes")
    assert "bought 2 licence(s) of dataset 1 for 5 NOOS" in bought
    ordered = w.ok("data", "order", "1", "--from", "buyer")
    assert "order 1 started on dataset 1 (used one of 2 licence(s) held)" in ordered
    assert "noos data download 1" in ordered
    assert market.order_valid(1, w.address("buyer"))
    paid = w.ok("data", "order", "1", "--buy", "--consumer", "owner", "--from", "buyer", "--yes")
    assert "order 2 started" in paid and "bought one licence for 2.5 NOOS" in paid
    assert market.order_valid(2, w.address("owner"))

    assert "can withdraw 7.425 NOOS" in w.ok("data", "earnings", "--from", "owner")
    assert "withdrew 7.425 NOOS" in w.ok("data", "withdraw", "--from", "owner")

    updated = w.ok("data", "update", "1", "--price", "7", "--uses", "training,commercial",
                   "--no-recipes", "--from", "owner")  # fmt: skip
    assert "updated dataset 1: price, uses, recipes" in updated
    ds = market.dataset(1)
    assert ds.price == 7 * NOOS and "commercial" in ds.uses and ds.recipes == ()

    assert "is deprecated" in w.ok("data", "deprecate", "1", "--from", "owner")
    w.refused(("data", "order", "1", "--from", "buyer"), "dataset 1 is deprecated")
    assert market.order_valid(1, w.address("buyer"))  # started orders run on
    assert "is delisted" in w.ok("data", "delist", "1", "--reason-cid", REASON, "--from", "admin")
    assert not market.order_valid(1, w.address("buyer"))


def test_bad_inputs_are_one_clear_line_and_mint_nothing(world: World) -> None:
    w = world
    base = ("--title", "T", "--price", "1", "--endpoint", w.endpoint, "--from", "owner", "--yes")
    corrupt = w.files / "corrupt.csv"
    corrupt.write_text("a,b\n1,2\n3\n4,5,6\n")
    w.refused(("data", "publish", str(corrupt), *base), "corrupt.csv")
    w.refused(("data", "publish", str(w.files / "missing.csv"), *base), "no such file")
    good = w.files / "good.csv"
    good.write_text(CSV)
    w.refused(("data", "publish", str(good), *base, "--price", "0"), "price: must be above 0")
    w.refused(("data", "publish", str(good), *base, "--uses", "gaming"), "unknown use 'gaming'")
    assert not any(w.wallets["owner"].path.glob(f"{KEYS_DIR}/*.json"))  # no key kept either
    w.refused(("data", "show", "7"), "no dataset 7")


def test_an_unreachable_provider_leaves_the_key_in_the_wallet(world: World) -> None:
    w = world
    path = w.files / "data.csv"
    path.write_text(CSV)
    result = w.run("data", "publish", str(path), "--title", "Offline", "--price", "1",
                   "--endpoint", "http://127.0.0.1:9", "--from", "owner", "--yes")  # fmt: skip
    assert "published dataset 1" in result.stdout
    assert_clean_error(result, "its key was not registered", "noos data register-key 1")
    ds = w.protocol.data.dataset(1)
    keys = list(w.wallets["owner"].path.glob(f"{KEYS_DIR}/*.json"))
    assert len(keys) == 1 and ds.content_cid in keys[0].name
    record = json.loads(keys[0].read_text())
    assert record["data_id"] == 1 and not record["registered"]
