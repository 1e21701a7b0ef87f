"""``noos config``: show the effective configuration and where each value comes from."""

from __future__ import annotations

import typer

from noosphere.cli import _app

app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)


@app.command("show")
def show() -> None:
    """Print every setting, its effective value and its source (default, file, env, flag)."""
    from rich.table import Table

    from noosphere.config import SETTINGS

    cfg = _app.config()
    table = Table(title=f"configuration (data dir {cfg.home})")
    table.add_column("setting")
    table.add_column("value")
    table.add_column("source")
    table.add_column("meaning")
    for name, setting in SETTINGS.items():
        table.add_row(name, repr(cfg.values[name]), cfg.sources[name], setting.help)
    _app.console.print(table)
