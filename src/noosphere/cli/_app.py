"""Shared pieces of the CLI: the console, the effective config, and error handling.

Command modules import from here; they keep heavy imports inside their commands so that
``noos --help`` starts fast.
"""

from __future__ import annotations

import os
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from noosphere.config import Config, load_config
from noosphere.errors import NoosphereError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

_overrides: dict[str, Any] = {}


def set_overrides(**values: Any) -> None:
    """Record global CLI flags (``--rpc`` …) that take precedence over env and file."""
    _overrides.update({k: v for k, v in values.items() if v is not None})


def config() -> Config:
    """The effective configuration for this invocation."""
    return load_config(_overrides)


def debug_enabled() -> bool:
    """True when ``NOOS_DEBUG`` asks for tracebacks."""
    return os.environ.get("NOOS_DEBUG", "") not in ("", "0", "false", "no")


def abort(message: str, code: int = 1) -> NoReturn:
    """Print one error line and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def report(error: NoosphereError) -> NoReturn:
    """Print a NoosphereError as one line and exit non-zero."""
    abort(error.user_message, error.exit_code)
