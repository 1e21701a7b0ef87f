"""Helpers to run ``noos`` as a user would: a subprocess with an isolated data dir."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def noos_home(tmp_path: Path) -> Path:
    """An empty data dir for one test."""
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def noos(noos_home: Path) -> Runner:
    """Run ``noos ARGS`` in a subprocess with ``NOOS_HOME`` isolated; returns the result."""

    def run(
        *args: str,
        env: dict[str, str] | None = None,
        input: str | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("NOOS_")}
        full_env.update(
            {
                "NOOS_HOME": str(noos_home),
                "NOOS_KDF": "light",
                "NOOS_PASSWORD": "correct horse battery",
                "COLUMNS": "200",
            }
        )
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "noosphere.cli", *args],
            env=full_env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


def assert_clean_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """The command failed with one clear error line and no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().startswith("error:"), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
