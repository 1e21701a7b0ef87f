"""``noos consensus yuma`` run as a real subprocess (the installed ``noos`` script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from noosphere.consensus import load_case, result_to_json, run_epoch

NOOS = Path(sys.executable).parent / "noos"
U16 = 65_535


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOOS_")}
    env.update(NOOS_HOME=str(tmp_path / "home"), COLUMNS="200")
    return env


def noos(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NOOS), "consensus", *args],
        env=env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def bonds_case() -> dict[str, Any]:
    """subtensor's ``test_bonds`` at block 1 (Yuma 2): four validators, four servers."""
    weights = [[0] * 8 for _ in range(8)]
    for uid in range(4):
        weights[uid][4:] = [U16 // 4, U16 // 2, (U16 // 4) * 3, U16]
    return {
        "stake": [1, 2, 3, 4, 0, 0, 0, 0],
        "weights": weights,
        "bonds": [[0] * 8 for _ in range(8)],
        "last_update": [1, 1, 1, 1, 0, 0, 0, 0],
        "block_at_registration": [0] * 8,
        "validator_permit": [True] * 4 + [False] * 4,
        "current_block": 1,
        "tempo": 1,
        "emission": 1_000_000_000,
        "yuma_version": 2,
        "bonds_penalty": U16,
        "max_allowed_validators": 8,
    }


def assert_one_error_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_yuma_prints_the_epoch_as_json(env: dict[str, str], tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(bonds_case()))
    result = noos(env, "yuma", "--input", str(case))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out == result_to_json(run_epoch(load_case(case)))
    assert [row[4] for row in out["bonds"][:4]] == [16383, 32767, 49151, 65535]
    assert out["miner_emission"][4:] == [49998779, 100000610, 149996337, 200004272]
    assert out["validator_permit"] == [True] * 4 + [False] * 4
    assert all(0.0 <= v <= 1.0 for v in out["incentive"] + out["dividends"])


def test_yuma_reads_stdin_and_prints_raw_fixed_point(env: dict[str, str]) -> None:
    result = noos(env, "yuma", "-i", "-", "--raw", stdin=json.dumps(bonds_case()))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert all(isinstance(v, int) for v in out["incentive"])
    assert 2**32 - 8 <= sum(out["incentive"]) <= 2**32


def test_malformed_case_exits_with_one_clear_line(env: dict[str, str], tmp_path: Path) -> None:
    case = bonds_case()
    case["weights"][0][5] = 70_000
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case))
    assert_one_error_line(noos(env, "yuma", "--input", str(path)), "weights", "70000")

    del case["stake"]
    assert_one_error_line(noos(env, "yuma", "-i", "-", stdin=json.dumps(case)), "'stake'")
    assert_one_error_line(noos(env, "yuma", "-i", "-", stdin="{not json"), "not valid JSON")
    missing = noos(env, "yuma", "--input", str(tmp_path / "absent.json"))
    assert_one_error_line(missing, "case file not found")
