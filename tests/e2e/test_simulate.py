"""``noos simulate`` end to end on its own anvil: the report's schema and the properties, the
data market story (a provider sells the public training split; miners train through
compute-to-data and earn with the model it returned, keeping its receipt) and the model story
(the best model registered with its lineage, a licence sold, royalties to everyone in it)."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from eth_account import Account

from noosphere.chain.accounts import dev_account
from noosphere.chain.model_types import DatasetUse, Provenance
from noosphere.chain.throwaway import throwaway_protocol
from noosphere.data.receipts import ComputeReceipt, verify_receipt
from noosphere.errors import NoosphereError
from noosphere.ml import builtin_spec
from noosphere.ml.c2d import JobLimits
from noosphere.ml.inference import Predictor
from noosphere.models.metadata import ModelMetadata
from noosphere.sim.data import ComputeToData
from noosphere.sim.report import model_checks
from noosphere.storage import Store, to_v1

pytestmark = [pytest.mark.anvil, pytest.mark.slow]
NOOS = 10**18
C2D = "(compute-to-data)"


def test_simulate_small_network(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOOS_")}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "noosphere.cli", "simulate", "--miners", "5",
         "--validators", "3", "--epochs", "4", "--out", str(out), "--seed", "1"],
        env={**env, "NOOS_HOME": str(tmp_path / "home"), "COLUMNS": "120"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert (out / "report.json").exists(), result.stdout + result.stderr
    report = json.loads((out / "report.json").read_text())
    assert (out / "emission_per_strategy.png").stat().st_size > 0
    assert (out / "validator_dividends_per_stake.png").stat().st_size > 0
    assert "Who earned what" in result.stdout

    uids = report["uids"]
    assert {u["role"] for u in uids} == {"miner", "validator"}
    for u in uids:
        assert {"uid", "hotkey", "role", "strategy", "stake", "emission", "per_epoch"} <= set(u)
        assert u["strategy"] in {"honest", "random", "sybil", "copier", "lazy", "colluder"}
        assert len(u["per_epoch"]) == 4
        if u["role"] == "miner":
            assert u["trained_by"] in {"compute-to-data", "local", "copied", "none"}
            assert all("model" in row for row in u["per_epoch"])
    assert sorted(u["strategy"] for u in uids if u["role"] == "validator") == [
        "copier", "honest", "honest"]  # fmt: skip
    assert len(report["settled_epochs"]) == 4

    summary = report["summary"]
    assert summary["honest_ranking"]["share"] >= 0.8, summary
    assert summary["random_near_zero"]["share_of_miner_emission"] <= 0.01, summary
    sybils = summary["sybils_no_gain"]
    assert sybils["sybils_together"] <= sybils["one_copy"] * 1.02 + 1e-9, summary
    copier = summary["copier_earns_less"]
    assert copier["copier_dividends_per_stake"] < copier["honest_dividends_per_stake"], summary
    assert summary["data_market"]["passed"], summary
    assert summary["passed"] and result.returncode == 0, result.stdout + result.stderr

    # --- the DAO funded the subnet: an executed proposal with the three actions --------------
    dao = report["dao"]
    assert [a.split("(")[0] for a in dao["actions"]] == [
        "emitter.set_share", "epochs.set_windows", "modelnft.grantRole"]  # fmt: skip
    assert dao["votes_for"] >= dao["quorum"] > 0 and dao["executed_block"] > 0
    assert summary["dao_funded_subnet"]["passed"], summary

    # --- the data market ---------------------------------------------------------------------
    data = report["data"]
    assert {"dataset", "orders", "receipts", "provider_earnings"} <= set(data)
    provider = data["provider"]
    assert provider["role"] == "data_provider"
    assert provider["address"] not in {u["hotkey"] for u in uids}  # not a UID of the subnet
    dataset = data["dataset"]
    assert {"id", "content_cid", "metadata_cid", "price", "owner"} <= set(dataset)
    assert dataset["owner"] == provider["address"] and dataset["price"] > 0
    spec = builtin_spec("digits", mode="inference")
    public = spec.training_split(spec.load_dataset())
    assert dataset["rows"] == len(public.y)  # the public split only: no held-out row
    assert dataset["rows"] < spec.load_dataset().n_samples

    orders = {o["miner"]: o["order_id"] for o in data["orders"]}
    receipts = data["receipts"]
    assert 1 <= len(orders) <= 2 and len(receipts) == len(orders)
    assert 0 < data["provider_earnings"] <= dataset["price"] * len(orders)
    for entry in receipts:
        path = out / entry["path"]
        assert path == out / "receipts" / f"{entry['miner']}.json" and path.exists()
        receipt = ComputeReceipt.from_json(path.read_text())
        signer = verify_receipt(receipt, provider["address"])
        assert signer == entry["verified_signer"] == provider["address"]
        assert receipt.output_cid == entry["output_cid"]
        assert receipt.recipe_hash == entry["recipe_hash"] == dataset["recipes"][entry["recipe"]]
        assert receipt.order_id == orders[entry["miner"]]
        assert receipt.data_id == dataset["id"]
        assert receipt.dataset_cid == dataset["content_cid"]
        metrics = receipt.metrics or {}
        assert metrics["n_train"] + metrics["n_test"] == dataset["rows"]

    # the models trained through compute-to-data are what those miners served, and earned with
    trained = {u["name"]: u for u in uids if u.get("trained_by") == "compute-to-data"}
    assert set(trained) == set(orders)
    for u in trained.values():
        served = [row for row in u["per_epoch"] if str(row["model"]).endswith(C2D)]
        assert served, u
        assert sum(row["emission"] for row in served) > 0, u
    assert all(u.get("trained_by") != "compute-to-data" for u in uids if u["name"] not in orders)
    printed = " ".join(result.stdout.split())  # rich wraps long lines
    assert f"data market: dataset {dataset['id']} published" in printed
    assert f"{len(orders)} models trained through compute-to-data" in printed or (
        len(orders) == 1 and "1 model trained through compute-to-data" in printed)  # fmt: skip
    assert f"provider earned {data['provider_earnings']:g} NOOS" in printed
    check_model_story(report, out, tmp_path / "check-store", printed)


def check_model_story(report: dict, out: Path, scratch: Path, printed: str) -> None:  # type: ignore[type-arg]
    """The best model's lineage is on record with real content, and the inference licence's
    price reached the miner, the dataset owner, the parent's owner and the treasury."""
    models, data, uids = report["models"], report["data"], report["uids"]
    summary = report["summary"]
    assert summary["model_lineage"]["passed"] and summary["model_royalties"]["passed"], summary
    by_name = {u["name"]: u for u in uids}
    rel = models["epoch"] - report["first_epoch"]
    assert rel in report["settled_epochs"]
    incentives = {u["name"]: u["per_epoch"][rel]["incentive"] for u in uids if u["role"] == "miner"}
    winner = models["winner"]
    assert incentives[winner["consensus_best"]] == max(incentives.values())
    assert by_name[winner["miner"]]["trained_by"] == "compute-to-data"
    if winner["miner"] == winner["consensus_best"]:
        assert winner["note"] == ""
    else:  # the best was not a compute-to-data model: said so
        assert winner["consensus_best"] in winner["note"]
        best = by_name[winner["consensus_best"]]["per_epoch"][rel]
        assert not str(best["model"]).endswith(C2D)

    # every CID names content written beside the report, and that content hashes to it
    store = Store(scratch, sync=False)
    for cid, path in models["content"].items():
        assert to_v1(store.put_bytes((out / path).read_bytes(), hash_only=True)) == cid

    def content(cid: str) -> bytes:
        return (out / models["content"][to_v1(cid)]).read_bytes()

    community, parent = models["lineage"]
    assert community["community"] and not parent["community"]
    assert parent["model_id"] < community["model_id"]
    receipt_entry = next(r for r in data["receipts"] if r["miner"] == winner["miner"])
    receipt_text = (out / receipt_entry["path"]).read_text().strip()
    receipt = ComputeReceipt.from_json(receipt_text)
    assert community["artifact_cid"] == to_v1(receipt.output_cid)
    prov = community["provenance"]
    assert prov["datasets"] == [{"data_id": data["dataset"]["id"],
                                 "order_id": receipt_entry["order_id"],
                                 "receipt": "0x" + receipt.digest().hex()}]  # fmt: skip
    assert prov["parents"] == [parent["model_id"]]
    assert prov["recipe"] == receipt.recipe_hash == data["dataset"]["recipes"]["mlp"]
    assert prov["training_run"] == "0x" + hashlib.sha256(receipt_text.encode()).hexdigest()
    assert prov["netuid"] == parent["provenance"]["netuid"] and prov["epoch"] == models["epoch"]
    rebuilt = Provenance(
        (DatasetUse(prov["datasets"][0]["data_id"], prov["datasets"][0]["order_id"],
                    receipt.digest()),), tuple(prov["parents"]), 0,
        bytes.fromhex(prov["recipe"][2:]), prov["netuid"], prov["epoch"],
        bytes.fromhex(prov["training_run"][2:]),
    )  # fmt: skip
    assert "0x" + rebuilt.hash().hex() == prov["hash"]
    assert community["parents"] == [{"model_id": parent["model_id"],
                                     "bps": parent["royalty_bps"]}]  # fmt: skip
    split = {s["role"]: s for s in community["split"]}
    assert {r: s["bps"] for r, s in split.items()} == {"miner": 5000, "dataset owner": 3000,
                                                       "treasury": 2000}  # fmt: skip
    assert split["dataset owner"]["account"] == data["provider"]["address"]
    assert [s["role"] for s in parent["split"]] == ["parent model owner"]
    assert parent["owner"] == parent["split"][0]["account"]
    assert by_name[parent["trained_by"]]["strategy"] == "honest"
    assert parent["trained_by"] != winner["miner"]

    for model in (community, parent):
        meta = ModelMetadata.from_json(content(model["metadata_cid"]))
        assert meta.task["input"]["n_features"] == 64 and meta.task["output"]["n_classes"] == 10
        assert meta.test_split is not None and meta.test_split.metric == "accuracy"
        assert 0.5 < meta.test_split.value <= 1
        table = np.loadtxt(io.BytesIO(content(meta.test_split.cid)), delimiter=",", skiprows=1)
        assert table.shape[0] > 100 and table.shape[1] == 65  # 64 features and the label
        answers = Predictor(content(model["artifact_cid"])).predict_proba(
            table[:, :64].astype(np.float32)
        )
        accuracy = float(np.mean(np.argmax(answers, axis=1) == table[:, 64]))
        assert accuracy == pytest.approx(meta.test_split.value) == meta.metrics["test_accuracy"]
    meta = ModelMetadata.from_json(content(community["metadata_cid"]))
    assert [r.digest() for r in meta.compute_receipts] == [receipt.digest()]

    # the money: each sale's payouts and fee add up to its price, every recipient paid
    fine_tune, inference = models["sales"]
    assert (fine_tune["model_id"], fine_tune["kind"]) == (parent["model_id"], "fine-tune")
    assert (inference["model_id"], inference["kind"]) == (community["model_id"], "inference")
    for sale in (fine_tune, inference):
        assert sum(p["base_units"] for p in sale["payouts"]) == sale["price_base_units"] > 0
        assert all(p["base_units"] > 0 for p in sale["payouts"])
    paid = {p["role"]: p for p in inference["payouts"]}
    assert set(paid) == {"miner", "dataset owner", "parent model owner", "treasury",
                         "protocol fee"}  # fmt: skip
    assert paid["dataset owner"]["account"] == data["provider"]["address"]
    assert paid["miner"]["account"] == split["miner"]["account"]
    assert paid["parent model owner"]["account"] == parent["owner"]
    assert paid["treasury"]["account"] == paid["protocol fee"]["account"]  # the DAO's timelock
    price = inference["price_base_units"]
    fee = paid["protocol fee"]["base_units"]
    parent_share = (price - fee) * parent["royalty_bps"] // 10_000
    assert paid["parent model owner"]["base_units"] == parent_share
    assert paid["miner"]["base_units"] == (price - fee - parent_share) * 5000 // 10_000
    assert "model_royalties" in printed and "model_lineage" in printed


def test_model_checks_refuse_a_short_payout() -> None:
    """The report's royalty check fails when a recipient got nothing or the sums differ."""
    payouts = [("miner", 45), ("dataset owner", 27), ("parent model owner", 10), ("treasury", 17),
               ("protocol fee", 1)]  # fmt: skip
    models = {
        "epoch": 3, "winner": {"consensus_best": "honest-0"},
        "lineage": [{"model_id": 2, "name": "mlp", "trained_by": "honest-0", "community": True,
                     "provenance": {"parents": [1], "datasets": [{"data_id": 1, "order_id": 1}]}},
                    {"model_id": 1, "name": "logreg", "trained_by": "honest-1"}],
        "sales": [{"price": 1e-16, "price_base_units": 100,
                   "payouts": [{"role": r, "base_units": a, "noos": a / NOOS}
                               for r, a in payouts]}],
    }  # fmt: skip
    assert model_checks(models)["model_royalties"]["passed"]
    assert model_checks(models)["model_lineage"]["passed"]
    short = copy.deepcopy(models)
    short["sales"][0]["payouts"][0]["base_units"] = 44  # one unit missing
    assert not model_checks(short)["model_royalties"]["passed"]
    unpaid = copy.deepcopy(models)
    unpaid["sales"][0]["payouts"][1]["base_units"] = 0  # the dataset owner got nothing...
    unpaid["sales"][0]["payouts"][0]["base_units"] = 72  # ...though the sum is right
    assert not model_checks(unpaid)["model_royalties"]["passed"]
    orphan = copy.deepcopy(models)
    orphan["lineage"][0]["provenance"]["parents"] = []
    assert not model_checks(orphan)["model_lineage"]["passed"]


def test_failed_job_fails_the_story(tmp_path: Path) -> None:
    """A compute-to-data job that fails at the provider is an error naming the step, never a
    silent fallback to a locally trained model."""
    spec = builtin_spec("digits", mode="inference")
    public = spec.training_split(spec.load_dataset())
    provider, buyer = Account.create(), Account.create()
    limits = JobLimits(max_wall_seconds=0.05)  # no sandbox starts that fast
    with throwaway_protocol() as protocol:
        admin = dev_account(0)
        for account in (provider, buyer):
            protocol.token.transfer(admin, account.address, 100 * NOOS)
            protocol.chain.transact(admin, to=account.address, value=NOOS, gas=21_000)
        with ComputeToData(protocol, tmp_path, provider, limits=limits) as market:
            market.publish(public, spec.n_classes, "digits")
            market.order("honest-0", buyer, "mlp")
            with pytest.raises(NoosphereError) as failed:
                market.collect("honest-0")
    message = str(failed.value)
    assert "data market failed while running honest-0's compute-to-data job (mlp)" in message
    assert "ended failed" in message
