"""``noos wallet ...`` run as a real subprocess with an isolated data directory."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account

KEY_HEX = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
KEY_ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
PASSWORD = "correct-horse-7"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOOS_")}
    env.update(
        NOOS_HOME=str(tmp_path / "home"), NOOS_PASSWORD=PASSWORD, NOOS_KDF="light", COLUMNS="200"
    )
    return env


def _start(env: dict[str, str], args: tuple[str, ...], stdin: str | None) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "noosphere.cli", "wallet", *args],
        env=env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # no controlling terminal: a prompt can never block the test
    )
    return process


def _finish(process: subprocess.Popen[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(stdin, timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def noos(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``noos wallet ARGS`` to completion."""
    return _finish(_start(env, args, stdin), stdin)


def noos_parallel(
    runs: list[tuple[dict[str, str], tuple[str, ...], str | None]],
) -> list[subprocess.CompletedProcess[str]]:
    """Run independent invocations at once (each CLI start costs ~1 s of imports)."""
    started = [(_start(env, args, stdin), stdin) for env, args, stdin in runs]
    return [_finish(process, stdin) for process, stdin in started]


def assert_clean_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Non-zero exit, one ``error:`` line on stderr, no traceback, nothing secret."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert_no_secrets(result)


def assert_no_secrets(result: subprocess.CompletedProcess[str]) -> None:
    output = (result.stdout + result.stderr).lower()
    for secret in (KEY_HEX, PASSWORD, "abandon about"):
        assert secret not in output


def test_create_list_show_new_hotkey(env: dict[str, str]) -> None:
    created = noos(env, "create", "alice")
    assert created.returncode == 0, created.stderr
    assert "created wallet alice" in created.stdout
    wallet_dir = Path(env["NOOS_HOME"]) / "wallets" / "alice"
    index = json.loads((wallet_dir / "wallet.json").read_text())
    assert index["coldkey"] in created.stdout
    assert stat.S_IMODE((wallet_dir / "coldkey.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(wallet_dir.stat().st_mode) == 0o700
    keystore = json.loads((wallet_dir / "coldkey.json").read_text())
    assert Account.from_key(Account.decrypt(keystore, PASSWORD)).address == index["coldkey"]

    added = noos(env, "new-hotkey", "alice", "miner1")
    assert added.returncode == 0, added.stderr
    miner1 = json.loads((wallet_dir / "wallet.json").read_text())["hotkeys"]["miner1"]
    assert miner1 in added.stdout

    listed, shown, again = noos_parallel(
        [(env, ("list",), None), (env, ("show", "alice"), None), (env, ("create", "alice"), None)]
    )
    assert listed.returncode == 0, listed.stderr
    for text in ("alice", index["coldkey"], index["hotkeys"]["default"], miner1):
        assert text in listed.stdout
    assert shown.returncode == 0, shown.stderr
    assert str(wallet_dir / "hotkeys" / "miner1.json") in shown.stdout
    assert "ok (scrypt n=16384)" in shown.stdout
    assert_clean_error(again, "wallet 'alice' already exists")
    assert json.loads((wallet_dir / "coldkey.json").read_text()) == keystore
    for result in (created, added, listed, shown):
        assert_no_secrets(result)


def test_imports(env: dict[str, str], tmp_path: Path) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_text("0x" + KEY_HEX + "\n")
    key_file.chmod(0o644)
    source = tmp_path / "UTC--geth-export.json"
    source.write_text(
        json.dumps(
            Account.encrypt(
                bytes.fromhex(KEY_HEX.removeprefix("0x")), PASSWORD, kdf="pbkdf2", iterations=9
            )
        )
    )
    # two imports into one data dir at once (the mnemonic via stdin is covered in unit tests)
    from_key, from_keystore = noos_parallel(
        [
            (env, ("import", "alice", "--private-key-file", str(key_file)), None),
            (env, ("import", "carol", "--keystore", str(source)), None),
        ]
    )
    assert from_key.returncode == 0, from_key.stderr
    assert KEY_ADDRESS in from_key.stdout
    assert "readable by other users" in from_key.stderr
    assert from_keystore.returncode == 0, from_keystore.stderr
    assert KEY_ADDRESS in from_keystore.stdout
    for result in (from_key, from_keystore):
        assert_no_secrets(result)
    wallets = Path(env["NOOS_HOME"]) / "wallets"
    assert sorted(p.name for p in wallets.iterdir()) == ["alice", "carol"]


def _env_with(base: dict[str, str], home: Path, **changes: str | None) -> dict[str, str]:
    env = {**base, "NOOS_HOME": str(home)}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def test_bad_input_gives_one_clear_line_and_loses_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    wrong_password = tmp_path / "wrong.json"
    wrong_password.write_text(
        json.dumps(
            Account.encrypt(
                bytes.fromhex(KEY_HEX.removeprefix("0x")), "other", kdf="pbkdf2", iterations=9
            )
        )
    )
    truncated = tmp_path / "truncated.json"
    truncated.write_text(wrong_password.read_text()[:120])
    cases: list[tuple[tuple[str, ...], dict[str, str | None], tuple[str, ...]]] = [
        (("import", "a", "--keystore", str(wrong_password)), {}, ("wrong password for",)),
        (("import", "a", "--keystore", str(truncated)), {}, (str(truncated), "truncated")),
        (("create", "a"), {"NOOS_PASSWORD": None}, ("no password given", "NOOS_PASSWORD")),
    ]
    homes = [tmp_path / f"home{i}" for i in range(len(cases))]
    results = noos_parallel(
        [
            (_env_with(env, home, **changes), args, None)
            for home, (args, changes, _) in zip(homes, cases, strict=True)
        ]
    )
    for result, (_, _, fragments), home in zip(results, cases, homes, strict=True):
        assert_clean_error(result, *fragments)
        wallets = home / "wallets"
        assert not wallets.exists() or not any(wallets.iterdir())
