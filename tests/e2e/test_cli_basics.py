"""The CLI's global behaviour: help, version, config show, error output."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Runner, assert_clean_error


def test_help_lists_groups(noos: Runner) -> None:
    result = noos("--help")
    assert result.returncode == 0
    for group in ("devnet", "wallet", "store", "config", "deploy"):
        assert group in result.stdout


def test_config_show_names_sources(noos: Runner, noos_home: Path) -> None:
    (noos_home / "config.toml").write_text('wallet = "alice"\n')
    result = noos("--hotkey", "hk", "config", "show", env={"NOOS_GATEWAY_PORT": "9999"})
    assert result.returncode == 0, result.stderr
    assert "config.toml" in result.stdout
    assert "$NOOS_GATEWAY_PORT" in result.stdout
    assert "command line" in result.stdout


def test_bad_config_is_one_line(noos: Runner, noos_home: Path) -> None:
    (noos_home / "config.toml").write_text("gateway_port = 'x'\n")
    assert_clean_error(noos("config", "show"), "gateway_port")


def test_debug_shows_traceback(noos: Runner, noos_home: Path) -> None:
    (noos_home / "config.toml").write_text("gateway_port = 'x'\n")
    result = noos("config", "show", env={"NOOS_DEBUG": "1"})
    assert result.returncode != 0
    assert "Traceback" in result.stderr
