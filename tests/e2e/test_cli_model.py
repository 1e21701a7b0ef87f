"""``noos model …`` against the session's anvil, as users run them: register an ONNX model with
its provenance, split and terms (artifact, metadata and test split stored locally), list, show,
set licence terms, buy, earnings, withdraw (distributing first), derive a child and show its
lineage, delist and relist; and the bad inputs, each one clear line that sends nothing.

Setup steps whose CLI path is tested elsewhere go through the library, and the options'
parsing is tested in-process (tests/unit/test_model_cli_inputs.py), to keep the file fast.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.manifest import Manifest
from noosphere.chain.models import FINE_TUNE, INFERENCE
from noosphere.chain.protocol import Protocol
from noosphere.models import ModelMetadata
from noosphere.storage import Store
from noosphere.wallet import Wallet, import_private_key
from tests.conftest import Anvil
from tests.e2e.conftest import Runner, assert_clean_error, cli_wallets
from tests.integration._models_helpers import DATA_CONTENT, DATA_METADATA, ENDPOINT, cid
from tests.unit._ml_models import softmax_model

pytestmark = pytest.mark.anvil
NOOS = 10**18
PASSWORD = "correct horse battery"
REASON = "QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB"


@dataclass
class World:
    """CLI wallets (trainer, buyer, admin) in a fresh home, the protocol, and input files."""

    run: Runner
    chain: Chain
    protocol: Protocol
    home: Path
    files: Path
    wallets: dict[str, Wallet]

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return str(result.stdout)

    def refused(self, args: tuple[str, ...], *fragments: str) -> None:
        """``noos ARGS`` fails with one clear line and sends nothing."""
        count = self.protocol.models.model_count()
        before = self.chain.block_number
        assert_clean_error(self.run(*args), *fragments)
        assert self.chain.block_number == before
        assert self.protocol.models.model_count() == count

    def address(self, name: str) -> str:
        return self.wallets[name].coldkey_address

    def account(self, name: str) -> object:
        return self.wallets[name].unlock_coldkey(PASSWORD)


@pytest.fixture
def world(
    noos: Runner, noos_home: Path, anvil: Anvil, deployed_home: tuple[Path, Manifest],
    chain: Chain, tmp_path: Path,
) -> World:  # fmt: skip
    source, manifest = deployed_home
    protocol = Protocol(chain, manifest, noos_home)
    wallets, run_cli = cli_wallets(noos, noos_home, anvil.url, source, chain, protocol.token,
                                   ("trainer", "buyer"), PASSWORD, noos_each=100)  # fmt: skip
    admin = dev_account(0)
    wallets["admin"] = import_private_key("admin", admin.key.hex(), PASSWORD, home=noos_home,
                                          kdf="light")  # fmt: skip

    def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        result = run_cli(*args, **kwargs)
        chain.nonces.resync(admin.address)
        return result

    files = tmp_path / "files"
    files.mkdir()
    (files / "model.onnx").write_bytes(softmax_model(10))
    header = ",".join(f"f{i}" for i in range(64)) + ",target\n"
    rows = "".join(",".join(str((r * 7 + c) % 16) for c in range(64)) + f",{r % 10}\n"
                   for r in range(40))  # fmt: skip
    (files / "test.csv").write_text(header + rows)
    return World(run, chain, protocol, noos_home, files, wallets)


def _dataset_order(w: World, consumer: str) -> tuple[int, int]:
    """A dataset of the admin's and an order of it bought by ``consumer``'s wallet."""
    data = w.protocol.data
    admin = dev_account(0)
    data_id = data.publish(admin, DATA_METADATA, DATA_CONTENT, ENDPOINT, 2 * NOOS)
    order = data.buy_and_order(w.account(consumer), data_id)  # type: ignore[arg-type]
    return data_id, order.order_id


def test_register_sell_earn_and_trace_a_model(world: World) -> None:
    w = world
    data_id, order_id = _dataset_order(w, "trainer")
    trainer, buyer = w.address("trainer"), w.address("buyer")
    out = w.ok(
        "model", "register", "--from", "trainer", "--artifact", str(w.files / "model.onnx"),
        "--name", "digits-softmax", "--description", "a linear softmax", "--metric",
        "accuracy=0.91", "--test-split", str(w.files / "test.csv"), "--label", "target",
        "--test-metric", "accuracy", "--test-value", "0.91", "--dataset", f"{data_id}:{order_id}",
        "--recipe", "logreg", "--compute-job", "4", "--split", f"{trainer}=6000", "--split",
        f"{buyer}=4000", "--royalty", "1500", "--terms", "inference=5:30", "--terms",
        "fine-tune=20",
    )  # fmt: skip
    assert "registered model 1" in out and "inference: 5 NOOS for 30d" in out
    models = w.protocol.models
    reg = models.registration(1)
    assert reg.owner == trainer and reg.royalty_bps == 1500 and reg.provenance.compute_job == 4
    assert [(s.account, s.bps) for s in reg.recipients] == [(trainer, 6000), (buyer, 4000)]
    store = Store(w.home)
    assert store.read_bytes(reg.artifact_cid) == (w.files / "model.onnx").read_bytes()
    meta = ModelMetadata.from_json(store.read_bytes(reg.metadata_cid))
    assert meta.name == "digits-softmax" and meta.metrics == {"accuracy": 0.91}
    assert meta.task["input"]["n_features"] == 64 and meta.task["output"]["n_classes"] == 10
    assert meta.test_split is not None and meta.test_split.label == "target"
    assert store.read_bytes(meta.test_split.cid) == (w.files / "test.csv").read_bytes()

    listed = w.ok("model", "list")
    assert "digits-softmax" in listed and trainer in listed
    assert "no model matches" in w.ok("model", "list", "--owner", buyer)
    shown = w.ok("model", "show", "1")
    for fragment in (
        "digits-softmax",
        f"dataset {data_id}, order {order_id}",
        "60 %",
        "fine-tune: 20 NOOS for 30d",
        "commercial: not for sale",
        "compute job",
    ):
        assert fragment in shown, fragment
    assert "commercial: 7 NOOS for 10d" in w.ok("model", "licence", "1", "--from", "trainer",
                                                "--kind", "commercial", "--price", "7",
                                                "--days", "10")  # fmt: skip

    assert "bought the inference licence of model 1 for 5 NOOS" in w.ok(
        "model", "buy", "1", "--kind", "inference", "--from", "buyer")  # fmt: skip
    assert models.licence_valid(buyer, 1, INFERENCE)
    earned = w.ok("model", "earnings", trainer)
    assert "withdrawable" in earned and "model 1" in earned and "undistributed" in earned
    before = w.protocol.token.balance_of(trainer)
    out = w.ok("model", "withdraw", "--from", "trainer")
    assert "distributed model(s) 1" in out and "withdrew 2.97 NOOS" in out  # 60 % of 4.95
    assert w.protocol.token.balance_of(trainer) == before + 297 * NOOS // 100
    assert_clean_error(w.run("model", "withdraw", "--from", "trainer"), "nothing to withdraw")
    assert "withdrew 1.98 NOOS" in w.ok("model", "withdraw", "--from", "buyer")

    # a child under a fine-tune licence, registered by CID with a metadata file
    bought = w.ok(
        "model", "buy", "1", "--kind", "fine-tune", "--from", "buyer", "--max-price", "20"
    )
    assert "bought the fine-tune licence" in bought
    (w.files / "child.json").write_bytes(
        ModelMetadata("child", "", meta.task, {"accuracy": 0.93}).to_json())  # fmt: skip
    out = w.ok("model", "register", "--from", "buyer", "--artifact-cid", cid("child artifact"),
               "--metadata", str(w.files / "child.json"), "--parent", "1")  # fmt: skip
    assert "registered model 2" in out
    tree = w.ok("model", "lineage", "2")
    for fragment in (
        "model 2",
        f"owner {buyer}",
        "model 1",
        "takes 15 %",
        f"dataset {data_id} (order {order_id})",
        f"{trainer} 60 %",
    ):
        assert fragment in tree, fragment

    out = w.ok("model", "delist", "1", "--reason-cid", REASON, "--from", "admin")
    assert "model 1 is delisted" in out
    assert "delisted" in w.ok("model", "list", "--delisted")
    w.refused(("model", "buy", "1", "--kind", "inference", "--from", "buyer"), "is delisted")
    w.refused(("model", "register", "--from", "buyer", "--artifact-cid", cid("x"), "--metadata",
               str(w.files / "child.json"), "--parent", "1"), "is delisted")  # fmt: skip
    assert "listed again" in w.ok("model", "relist", "1", "--from", "admin")


def test_register_refuses_bad_input_before_sending(world: World) -> None:
    w = world
    trainer = w.address("trainer")
    onnx = str(w.files / "model.onnx")
    base = ("model", "register", "--from", "trainer", "--artifact", onnx, "--name", "m")
    models = w.protocol.models
    parent = models.register(w.account("buyer"), cid("p"), cid("pm"))  # type: ignore[arg-type]
    models.set_terms(w.account("buyer"), parent, FINE_TUNE, NOOS, 86_400)  # type: ignore[arg-type]
    data_id, theirs = _dataset_order(w, "buyer")
    (w.files / "bad.json").write_text(json.dumps({"schema": "noosphere.model/1", "name": "x"}))
    (w.files / "notonnx.onnx").write_bytes(b"\x00not onnx at all")
    cases: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        (("model", "register", "--from", "trainer", "--name", "m"), ("--artifact",)),
        (("model", "register", "--artifact", str(w.files / "notonnx.onnx"), "--name", "m"),
         ("not an ONNX model",)),
        ((*base, "--split", f"{trainer}=6000", "--split", f"{w.address('buyer')}=3000"),
         ("sum to 9,000 basis points, not 10,000",)),
        ((*base, "--split", f"0x{'00' * 20}=10000"), ("zero address",)),
        ((*base, "--royalty", "5001"), ("royalty: 5001",)),
        ((*base, "--terms", "lease=5"), ("licence kind 'lease' is unknown",)),
        ((*base, "--dataset", f"{data_id}:{theirs}"), (f"was started for {w.address('buyer')}",)),
        ((*base, "--parent", "9"), ("parent model 9 does not exist",)),
        ((*base, "--parent", str(parent)), ("neither owned by nor licensed for fine-tuning",)),
        ((*base, "--recipe", "logrg"), ("did you mean 'logreg'",)),
        ((*base, "--test-split", str(w.files / "test.csv"), "--label", "nope", "--test-metric",
          "accuracy", "--test-value", "0.5"), ("--test-split",)),
        ((*base, "--metadata", str(w.files / "bad.json")), ("not both",)),
        (("model", "register", "--from", "trainer", "--artifact", onnx, "--metadata",
          str(w.files / "bad.json")), ("model metadata: missing field",)),
        (("model", "register", "--from", "trainer", "--artifact-cid", cid("a"), "--name", "m"),
         ("give the metadata document",)),
    ]  # fmt: skip
    for args, fragments in cases:
        w.refused(args, *fragments)


def test_other_commands_refuse_bad_input(world: World) -> None:
    w = world
    models = w.protocol.models
    model_id = models.register(w.account("trainer"), cid("m"), cid("mm"))  # type: ignore[arg-type]
    models.set_terms(w.account("trainer"), model_id, INFERENCE, 5 * NOOS, 86_400)  # type: ignore[arg-type]
    cases: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        (("model", "show", "2"), ("no model 2: 1 model registered",)),
        (("model", "lineage", "abc"), ("model id 'abc' is not a number",)),
        (("model", "buy", "1", "--kind", "lease", "--from", "buyer"), ("'lease' is unknown",)),
        (("model", "buy", "1", "--kind", "fine-tune", "--from", "buyer"), ("not for sale",)),
        (("model", "buy", "1", "--kind", "inference", "--max-price", "4", "--from", "buyer"),
         ("above your maximum of 4",)),
        (("model", "licence", "1", "--kind", "inference", "--price", "5", "--from", "buyer"),
         ("neither the owner",)),
        (("model", "licence", "1", "--kind", "inference", "--price", "5", "--days", "0",
          "--from", "trainer"), ("must be more than 0 days",)),
        (("model", "withdraw", "--from", "buyer"), ("nothing to withdraw",)),
        (("model", "distribute", "1", "--from", "buyer"), ("nothing to distribute",)),
        (("model", "earnings", "0x12"), ("not an EVM address",)),
        (("model", "delist", "1", "--reason-cid", REASON, "--from", "buyer"),
         ("not the model market's admin",)),
        (("model", "relist", "1", "--from", "admin"), ("model 1 is not delisted",)),
    ]  # fmt: skip
    for args, fragments in cases:
        w.refused(args, *fragments)
    assert "not for sale" in w.ok("model", "licence", "1", "--kind", "inference", "--price", "0",
                                  "--from", "trainer")  # fmt: skip
