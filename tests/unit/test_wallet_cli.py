"""``noos wallet`` in process (fast): bad input gives one clear line; secrets never printed."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from noosphere.cli import _app, main
from noosphere.cli import wallet as wallet_cli

KEY_HEX = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
KEY_ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
MNEMONIC = "abandon " * 11 + "about"
MNEMONIC_ADDRESS = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
PASSWORD = "correct-horse-7"


class Cli:
    """Runs ``noos wallet ...`` through :func:`noosphere.cli.main` and captures its output."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "argv", ["noos", "wallet", *args])
        if stdin is not None:
            self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        with pytest.raises(SystemExit) as info:
            main()
        captured = self.capsys.readouterr()
        code = info.value.code
        return (code if isinstance(code, int) else 1), captured.out, captured.err


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    for name in ("NOOS_WALLET", "NOOS_HOTKEY", "NOOS_DEBUG", "NOOS_RPC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOOS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NOOS_PASSWORD", PASSWORD)
    monkeypatch.setenv("NOOS_KDF", "light")
    monkeypatch.setattr(_app, "_overrides", {})
    monkeypatch.setattr(wallet_cli, "_has_terminal", lambda: False)  # never block on a tty
    return Cli(monkeypatch, capsys)


def assert_one_error_line(err: str, *fragments: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def assert_no_secrets(*outputs: str) -> None:
    text = "".join(outputs).lower()
    for secret in (KEY_HEX, PASSWORD, "abandon about"):
        assert secret not in text


def test_import_private_key_and_mnemonic(cli: Cli, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(f"0x{KEY_HEX}\n")
    key_file.chmod(0o600)
    code, out, err = cli("import", "alice", "--private-key-file", str(key_file))
    assert code == 0, err
    assert KEY_ADDRESS in out and err == ""
    assert_no_secrets(out, err)

    code, out, err = cli("import", "bob", "--mnemonic-file", "-", stdin=MNEMONIC)
    assert code == 0, err
    assert MNEMONIC_ADDRESS in out
    assert_no_secrets(out, err)

    code, out, err = cli("list")
    assert code == 0 and KEY_ADDRESS in out and MNEMONIC_ADDRESS in out


def test_password_prompt_confirms_on_create(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def fake_prompt(text: str, **kwargs: Any) -> str:
        calls.append(kwargs)
        return "typed-secret"

    monkeypatch.delenv("NOOS_PASSWORD")
    monkeypatch.setattr(wallet_cli, "_has_terminal", lambda: True)
    monkeypatch.setattr(wallet_cli.typer, "prompt", fake_prompt)
    code, out, err = cli("create", "alice")
    assert code == 0, err
    assert calls == [{"hide_input": True, "confirmation_prompt": True}]
    keystore = Path(out.split(" in ")[1].split()[0]) / "coldkey.json"
    assert Account.decrypt(json.loads(keystore.read_text()), "typed-secret")
    assert "typed-secret" not in out + err


def test_default_wallet_name_comes_from_config(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOOS_WALLET", "main")
    code, out, err = cli("create")
    assert code == 0, err
    code, out, err = cli("show")
    assert code == 0 and "wallet main" in out


@pytest.mark.parametrize(
    ("args", "env", "fragments"),
    [
        (("show", "nobody"), {}, ("no wallet named 'nobody'", "noos wallet create")),
        (("import", "a"), {}, ("give exactly one of",)),
        (("import", "a", "--private-key-file", "/no/such/file"), {}, ("no such file",)),
        (("import", "a", "--private-key-file", "-"), {}, ("not 64 hex digits",)),
        (("import", "a", "--mnemonic-file", "-"), {}, ("not a valid BIP-39 phrase",)),
        (("create", "a"), {"NOOS_PASSWORD": None}, ("no password given", "NOOS_PASSWORD")),
        (("create", "a"), {"NOOS_PASSWORD": ""}, ("must not be empty",)),
        (("create", "a"), {"NOOS_KDF": "fast"}, ("unknown KDF profile 'fast'",)),
        (("create", "../x"), {}, ("invalid wallet name",)),
        (("new-hotkey", "nobody", "h"), {}, ("no wallet named 'nobody'",)),
    ],
)
def test_bad_input_gives_one_clear_line(
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: tuple[str, ...],
    env: dict[str, str | None],
    fragments: tuple[str, ...],
) -> None:
    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key)
        else:
            monkeypatch.setenv(key, value)
    code, out, err = cli(*args, stdin="abandon abandon about 0x12\n")
    assert code == 1
    assert_one_error_line(err, *fragments)
    assert "Traceback" not in out + err
    assert "abandon" not in err
    wallets = tmp_path / "home" / "wallets"
    assert not wallets.exists() or not any(wallets.iterdir())


def test_keystore_errors(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "UTC--export.json"
    source.write_text(
        json.dumps(
            Account.encrypt(
                bytes.fromhex(KEY_HEX.removeprefix("0x")), "other", kdf="pbkdf2", iterations=9
            )
        )
    )
    code, _, err = cli("import", "a", "--keystore", str(source))
    assert code == 1
    assert_one_error_line(err, f"wrong password for {source}")
    source.write_text(json.dumps({"version": 4, "crypto": {}}))
    code, _, err = cli("import", "a", "--keystore", str(source))
    assert_one_error_line(err, str(source), "version is 4, not 3", "backup")


def test_existing_names_and_damaged_wallet(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("create", "alice")[0] == 0
    monkeypatch.delenv("NOOS_PASSWORD")  # names are checked before any password is asked
    code, _, err = cli("new-hotkey", "alice", "default")
    assert code == 1
    assert_one_error_line(err, "already has a hotkey 'default'")
    code, _, err = cli("create", "alice")
    assert_one_error_line(err, "wallet 'alice' already exists")
    code, _, err = cli("import", "alice", "--mnemonic-file", "-", stdin=MNEMONIC)
    assert_one_error_line(err, "wallet 'alice' already exists")
    coldkey = tmp_path / "home" / "wallets" / "alice" / "coldkey.json"
    coldkey.write_text(coldkey.read_text()[:40])
    code, out, err = cli("show", "alice")  # show still works and says what is wrong
    assert code == 0, err
    assert "not valid JSON" in out
    code, out, err = cli("list")
    assert code == 0 and "alice" in out
