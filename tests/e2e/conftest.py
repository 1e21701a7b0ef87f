"""Helpers to run ``noos`` as a user would: a subprocess with an isolated data dir."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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


def cli_wallets(noos: Runner, home: Path, rpc_url: str, source: Path, chain: Any, token: Any,
                names: Sequence[str], password: str, *,
                noos_each: int) -> tuple[dict[str, Any], Runner]:  # fmt: skip
    """Wallets ``names`` in ``home`` (which gets the deployment of ``source``), each coldkey
    funded with ``noos_each`` NOOS and gas and each default hotkey with gas, and a runner of
    ``noos --rpc URL ...`` that forgets the cached nonces of the keys the CLI sent from."""
    import shutil

    from noosphere.chain.accounts import dev_account
    from noosphere.wallet import create_wallet

    shutil.copytree(source / "deployments", home / "deployments")
    wallets = {n: create_wallet(n, password, home=home, kdf="light") for n in names}
    admin = dev_account(0)
    for wallet in wallets.values():
        token.transfer(admin, wallet.coldkey_address, noos_each * 10**18)
        for address in (wallet.coldkey_address, wallet.hotkey_address("default")):
            chain.transact(admin, to=address, value=10**18, gas=21_000)

    def run(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        result = noos("--rpc", rpc_url, *args, **kwargs)
        for wallet in wallets.values():
            chain.nonces.resync(wallet.coldkey_address)
            chain.nonces.resync(wallet.hotkey_address("default"))
        return result

    return wallets, run
