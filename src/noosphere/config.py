"""One configuration for every command and node.

Values come, in increasing precedence, from built-in defaults, ``config.toml`` in the data
directory (``~/.noosphere``, or ``NOOS_HOME``), ``NOOS_<KEY>`` environment variables, and
explicit overrides (CLI flags). :func:`load_config` records where each value came from so
``noos config show`` can print it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from noosphere.errors import ConfigError

ENV_PREFIX = "NOOS_"


@dataclass(frozen=True)
class Setting:
    """One known setting: its type, default and help text."""

    name: str
    kind: type
    default: Any
    help: str


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("rpc_url", str, "", "JSON-RPC URL of the chain; empty means the local devnet"),
        Setting("wallet", str, "default", "wallet used when a command names none"),
        Setting("hotkey", str, "default", "hotkey of the wallet used for daily signing"),
        Setting("gateways", list, [], "IPFS trustless gateways to fetch missing blocks from"),
        Setting("gateway_host", str, "127.0.0.1", "address the store gateway listens on"),
        Setting("gateway_port", int, 8080, "port the store gateway listens on"),
        Setting("anvil_path", str, "", "path to the anvil binary; empty means search PATH"),
        Setting("devnet_port", int, 0, "port for the devnet; 0 picks a free one"),
        Setting("tx_timeout", float, 120.0, "seconds to wait for a transaction receipt"),
        Setting("log_chunk", int, 2000, "blocks per eth_getLogs request when indexing events"),
    )
}


def default_home() -> Path:
    """The data directory: ``NOOS_HOME`` or ``~/.noosphere``."""
    env = os.environ.get("NOOS_HOME")
    return Path(env).expanduser() if env else Path.home() / ".noosphere"


@dataclass
class Config:
    """The effective configuration and where each value came from."""

    home: Path
    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    @property
    def config_file(self) -> Path:
        """Path of ``config.toml`` in the data directory."""
        return self.home / "config.toml"

    def path(self, *parts: str) -> Path:
        """A path inside the data directory (not created)."""
        return self.home.joinpath(*parts)


def _coerce(setting: Setting, raw: Any, source: str) -> Any:
    try:
        if setting.kind is list:
            if isinstance(raw, str):
                return [item.strip() for item in raw.split(",") if item.strip()]
            if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
                return list(raw)
            raise TypeError
        if setting.kind is int and isinstance(raw, bool):
            raise TypeError
        if (
            setting.kind is float
            and isinstance(raw, str | int | float)
            and not isinstance(raw, bool)
        ):
            return float(raw)
        if setting.kind is int and isinstance(raw, str | int):
            return int(raw)
        if setting.kind is str and isinstance(raw, str):
            return raw
        raise TypeError
    except (TypeError, ValueError):
        raise ConfigError(
            f"setting {setting.name!r} from {source} must be a {setting.kind.__name__}, "
            f"got {raw!r}",
            hint=f"fix it in {source}",
        ) from None


def load_config(overrides: Mapping[str, Any] | None = None, home: Path | None = None) -> Config:
    """Build the effective configuration: defaults < config.toml < NOOS_* env < overrides."""
    home = (home or default_home()).expanduser()
    values = {name: s.default for name, s in SETTINGS.items()}
    sources = {name: "default" for name in SETTINGS}
    config_file = home / "config.toml"
    if config_file.exists():
        try:
            data = tomllib.loads(config_file.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{config_file} is not valid TOML: {exc}", hint="fix or delete the file"
            ) from None
        for key, raw in data.items():
            if key not in SETTINGS:
                raise ConfigError(
                    f"unknown setting {key!r} in {config_file}",
                    hint="known settings: " + ", ".join(sorted(SETTINGS)),
                )
            values[key] = _coerce(SETTINGS[key], raw, str(config_file))
            sources[key] = str(config_file)
    for key, setting in SETTINGS.items():
        env_name = ENV_PREFIX + key.upper()
        if env_name in os.environ:
            values[key] = _coerce(setting, os.environ[env_name], f"${env_name}")
            sources[key] = f"${env_name}"
    for key, raw in (overrides or {}).items():
        if raw is None:
            continue
        if key not in SETTINGS:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = _coerce(SETTINGS[key], raw, "command line")
        sources[key] = "command line"
    return Config(home=home, values=values, sources=sources)
