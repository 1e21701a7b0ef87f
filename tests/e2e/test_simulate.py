"""``noos simulate`` end to end on its own anvil: the report's schema and the properties."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.anvil, pytest.mark.slow]


def test_simulate_small_network(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOOS_")}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "noosphere.cli", "simulate", "--miners", "5",
         "--validators", "3", "--epochs", "4", "--out", str(out), "--seed", "1"],
        env={**env, "NOOS_HOME": str(tmp_path / "home"), "COLUMNS": "120"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
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
    assert summary["passed"] and result.returncode == 0, result.stdout + result.stderr
