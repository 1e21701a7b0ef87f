"""``noos simulate`` end to end on its own anvil: the report's schema and the properties, and the
data market story (a provider sells the public training split; miners train through
compute-to-data and earn with the model it returned, keeping its receipt)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account

from noosphere.chain.accounts import dev_account
from noosphere.chain.throwaway import throwaway_protocol
from noosphere.data.receipts import ComputeReceipt, verify_receipt
from noosphere.errors import NoosphereError
from noosphere.ml import builtin_spec
from noosphere.ml.c2d import JobLimits
from noosphere.sim.data import ComputeToData

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
