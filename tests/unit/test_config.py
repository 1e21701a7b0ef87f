"""Configuration precedence and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from noosphere.config import load_config
from noosphere.errors import ConfigError, NoosphereError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("NOOS_"):
            monkeypatch.delenv(key)


def test_defaults(tmp_path: Path) -> None:
    cfg = load_config(home=tmp_path)
    assert cfg.wallet == "default"
    assert cfg.sources["wallet"] == "default"


def test_precedence_file_env_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.toml").write_text('wallet = "from-file"\ngateway_port = 9000\n')
    cfg = load_config(home=tmp_path)
    assert (cfg.wallet, cfg.gateway_port) == ("from-file", 9000)
    assert cfg.sources["wallet"].endswith("config.toml")
    monkeypatch.setenv("NOOS_WALLET", "from-env")
    cfg = load_config(home=tmp_path)
    assert cfg.wallet == "from-env" and cfg.sources["wallet"] == "$NOOS_WALLET"
    cfg = load_config({"wallet": "from-flag"}, home=tmp_path)
    assert cfg.wallet == "from-flag" and cfg.sources["wallet"] == "command line"
    assert cfg.gateway_port == 9000


def test_home_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOOS_HOME", str(tmp_path))
    assert load_config().home == tmp_path


def test_list_setting_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOOS_GATEWAYS", "http://a:1, http://b:2")
    assert load_config(home=tmp_path).gateways == ["http://a:1", "http://b:2"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("wallet = [", "not valid TOML"),
        ("walet = 'x'", "unknown setting 'walet'"),
        ("gateway_port = 'eighty'", "must be a int"),
        ("gateway_port = true", "must be a int"),
        ("gateways = 'http://x'", ""),
    ],
)
def test_bad_config_file(tmp_path: Path, content: str, fragment: str) -> None:
    (tmp_path / "config.toml").write_text(content)
    if not fragment:
        assert load_config(home=tmp_path).gateways == ["http://x"]
        return
    with pytest.raises(ConfigError, match=fragment):
        load_config(home=tmp_path)


def test_bad_env_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOOS_TX_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match=r"\$NOOS_TX_TIMEOUT"):
        load_config(home=tmp_path)


def test_errors_share_one_root_and_carry_hints() -> None:
    error = ConfigError("bad thing", hint="do this")
    assert isinstance(error, NoosphereError)
    assert error.user_message == "bad thing (do this)"
