"""``make demo`` runs end to end (it drives the real CLI against a real anvil)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
@pytest.mark.anvil
def test_demo_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOOS_")}
    env["NOOS_DEMO_HOME"] = str(tmp_path / "demo")
    result = subprocess.run(
        [sys.executable, "-m", "noosphere.demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "fetched copy identical to the original: True" in result.stdout
    # bob: 250 received, 5 spent on a data licence, 2 on a fine-tune licence, 2.4948 of royalties
    # earned back; his votes add alice's delegated 743.4452
    assert "245.4948 NOOS, 988.94 votes" in result.stdout
    assert "Who earned what" in result.stdout
    assert (tmp_path / "demo" / "simulation" / "report.json").exists()
    assert "receipt saved to" in result.stdout and "(verified: signed by" in result.stdout
    assert "can withdraw 4.95 NOOS" in result.stdout  # 5 NOOS less the 1 % protocol fee
    # models: the lineage audit passes, then names the tampered artifact
    assert "verdict: PASS" in result.stdout
    assert "model 2 fails the audit: model 2 → artifact" in result.stdout
    # the DAO: a proposal lived through its lifecycle and took effect
    assert "subnet 1 emission share: 100 %; data market fee: 2.5 %" in result.stdout
